/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the buffer-sharing tests (share_test.c, userptr_test.c):
 * helper trios for BUF_EXPORT, BUF_IMPORT, BUF_USERPTR and BUF_QUERY in
 * the style of dmaadd_test.h, passing fds over unix sockets, and running
 * checks in forked (possibly unprivileged) children.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef __DMAADD_SHARE_TEST_H
#define __DMAADD_SHARE_TEST_H

#include "dmaadd_test.h"

#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* Bytes past the kernel's struct in the "bigger @size" cases. */
#define TAIL_BYTES	64

/* What the device must never write: the output's neighbours. */
#define GUARD		0xdeadbeefU

/* The user and group an unprivileged child runs as. */
#define NOBODY		65534

/* DMAADD_IOCTL_BUF_EXPORT */

static inline int _test_ioctl_export(int fd, __u32 handle, __u32 flags,
				     int *dmabuf_fd)
{
	struct dmaadd_buf_export cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.handle = handle,
	};
	int ret;

	ret = ioctl(fd, DMAADD_IOCTL_BUF_EXPORT, &cmd);
	if (ret)
		return ret;
	if (dmabuf_fd)
		*dmabuf_fd = (int)cmd.fd;
	else
		close((int)cmd.fd);
	return 0;
}

#define test_ioctl_export(_handle, _flags, _dmabuf_fd)			\
	({								\
		int *__fdp = (_dmabuf_fd), __f = -1;			\
		ASSERT_EQ(0, _test_ioctl_export(self->fd, _handle,	\
						_flags, &__f));		\
		ASSERT_LE(0, __f);					\
		*__fdp = __f;						\
	})
#define test_err_export(_errno, _handle, _flags)			\
	EXPECT_ERRNO(_errno, _test_ioctl_export(self->fd, _handle,	\
						_flags, NULL))

/* DMAADD_IOCTL_BUF_IMPORT */

static inline int _test_ioctl_import_flags(int fd, int dmabuf_fd, __u32 flags,
					   __u32 *handle, __u64 *length,
					   __u64 *mmap_offset)
{
	struct dmaadd_buf_import cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.fd = (__u32)dmabuf_fd,
	};
	int ret;

	ret = ioctl(fd, DMAADD_IOCTL_BUF_IMPORT, &cmd);
	if (ret)
		return ret;
	if (handle)
		*handle = cmd.handle;
	if (length)
		*length = cmd.length;
	if (mmap_offset)
		*mmap_offset = cmd.mmap_offset;
	return 0;
}

static inline int _test_ioctl_import(int fd, int dmabuf_fd, __u32 *handle,
				     __u64 *length, __u64 *mmap_offset)
{
	return _test_ioctl_import_flags(fd, dmabuf_fd, 0, handle, length,
					mmap_offset);
}

#define test_ioctl_import(_dmabuf_fd, _handle, _length, _mmap_offset)	\
	({								\
		__u32 *__hp = (_handle), __h = 0;			\
		ASSERT_EQ(0, _test_ioctl_import(self->fd, _dmabuf_fd,	\
						&__h, _length,		\
						_mmap_offset));		\
		ASSERT_NE(0U, __h);					\
		if (__hp)						\
			*__hp = __h;					\
	})
#define test_err_import(_errno, _dmabuf_fd)				\
	EXPECT_ERRNO(_errno, _test_ioctl_import(self->fd, _dmabuf_fd,	\
						NULL, NULL, NULL))
#define test_err_import_flags(_errno, _dmabuf_fd, _flags)		\
	EXPECT_ERRNO(_errno, _test_ioctl_import_flags(self->fd,	\
						      _dmabuf_fd, _flags,\
						      NULL, NULL, NULL))

/*
 * Import @dmabuf_fd into @fd and map it whole through the device node,
 * like _test_buf_create() does for an allocation.
 */
static inline int _test_buf_import(int fd, int dmabuf_fd,
				   struct dmaadd_buf *buf)
{
	int err;

	memset(buf, 0, sizeof(*buf));
	if (_test_ioctl_import(fd, dmabuf_fd, &buf->handle, &buf->length,
			       &buf->mmap_offset))
		return -1;
	buf->map_length = dmaadd_page_round(buf->length);
	buf->map = mmap(NULL, buf->map_length, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, buf->mmap_offset);
	if (buf->map == MAP_FAILED) {
		err = errno;
		buf->map = NULL;
		errno = err;
		return -1;
	}
	return 0;
}

/* DMAADD_IOCTL_BUF_USERPTR */

static inline int _test_ioctl_userptr(int fd, const void *addr, __u64 length,
				      __u32 flags, __u32 *handle)
{
	struct dmaadd_buf_userptr cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.addr = (__u64)(uintptr_t)addr,
		.length = length,
	};
	int ret;

	ret = ioctl(fd, DMAADD_IOCTL_BUF_USERPTR, &cmd);
	if (ret)
		return ret;
	if (handle)
		*handle = cmd.handle;
	return 0;
}

#define test_ioctl_userptr(_addr, _length, _flags, _handle)		\
	({								\
		__u32 *__hp = (_handle), __h = 0;			\
		ASSERT_EQ(0, _test_ioctl_userptr(self->fd, _addr,	\
						 _length, _flags, &__h));\
		ASSERT_NE(0U, __h);					\
		if (__hp)						\
			*__hp = __h;					\
	})
#define test_err_userptr(_errno, _addr, _length, _flags)		\
	EXPECT_ERRNO(_errno, _test_ioctl_userptr(self->fd, _addr,	\
						 _length, _flags, NULL))

/* DMAADD_IOCTL_BUF_QUERY */

static inline int _test_ioctl_query(int fd, __u32 handle,
				    struct dmaadd_buf_query *q,
				    struct dmaadd_dma_segment *addrs,
				    __u32 nr_addrs)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->handle = handle;
	q->nr_addrs = nr_addrs;
	q->addrs_ptr = (__u64)(uintptr_t)addrs;
	return ioctl(fd, DMAADD_IOCTL_BUF_QUERY, q);
}

#define test_ioctl_query(_handle, _q)					\
	ASSERT_EQ(0, _test_ioctl_query(self->fd, _handle, _q, NULL, 0))
#define test_err_query(_errno, _handle, _addrs, _nr_addrs)		\
	({								\
		struct dmaadd_buf_query __q;				\
		EXPECT_ERRNO(_errno, _test_ioctl_query(self->fd, _handle,\
						       &__q, _addrs,	\
						       _nr_addrs));	\
	})

/* Jobs on any open file */

/*
 * SUBMIT, then WAIT for ever: the job's &enum dmaadd_job_status, or -1
 * with errno set when an ioctl failed.
 */
static inline int share_job(int fd, __u64 count, struct dmaadd_operand a,
			    struct dmaadd_operand b, struct dmaadd_operand c)
{
	__u32 status = ~0U;
	__u64 job;

	if (_test_ioctl_submit(fd, count, a, b, c, &job))
		return -1;
	if (_test_ioctl_wait(fd, job, DMAADD_TIMEOUT_INFINITE, &status))
		return -1;
	return (int)status;
}

/* Passing fds over a unix socket (SCM_RIGHTS) */

static inline int share_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Returns the received fd (O_CLOEXEC), or -1. */
static inline int share_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* One byte each way, for children and parents to take turns. */
static inline int share_send_byte(int sock, char c)
{
	return write(sock, &c, 1) == 1 ? 0 : -1;
}

static inline int share_recv_byte(int sock)
{
	char c;

	return read(sock, &c, 1) == 1 ? c : -1;
}

/* Children */

/*
 * A forked child cannot use ASSERT_*() (they would unwind into the
 * harness's copy in the child): it checks with CHILD_CHECK(), which logs the
 * failed condition and exits with status 1.
 */
#define CHILD_CHECK(_cond)						\
	do {								\
		if (!(_cond)) {						\
			fprintf(stderr,					\
				"# child %d: %s:%d: %s failed (errno %d)\n",\
				getpid(), __FILE__, __LINE__, #_cond, errno);\
			_exit(1);					\
		}							\
	} while (0)

/* Wait for @pid; its exit status, or 128 + signal number. */
static inline int share_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * Become an ordinary user: RLIMIT_MEMLOCK set to @memlock bytes, then
 * uid/gid nobody, which clears every capability (CAP_IPC_LOCK and
 * CAP_SYS_ADMIN among them). The device nodes are 0600 root: open them
 * before.
 */
/*
 * Lower RLIMIT_NOFILE to the lowest free descriptor, so that the next new
 * descriptor fails with EMFILE; @old gets the limit to restore.
 */
static inline int share_limit_fds(struct rlimit *old)
{
	struct rlimit lim;
	int lowest;

	if (getrlimit(RLIMIT_NOFILE, old))
		return -1;
	lowest = dup(0);
	if (lowest < 0)
		return -1;
	close(lowest);
	lim = *old;
	lim.rlim_cur = (rlim_t)lowest;	/* every descriptor below is taken */
	return setrlimit(RLIMIT_NOFILE, &lim);
}

static inline int share_drop_privileges(rlim_t memlock)
{
	struct rlimit rl = { .rlim_cur = memlock, .rlim_max = memlock };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return -1;
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	if (geteuid() != NOBODY)
		return -1;
	return 0;
}

/* Buffers of the test process's own memory */

/*
 * An anonymous private mapping of @pages pages, with an inaccessible page
 * before and after it so that no range can spill over by accident.
 */
static inline void *share_map_anon(__u64 pages, int prot)
{
	__u64 page = dmaadd_page_size();
	char *area;

	area = mmap(NULL, (pages + 2) * page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	if (mprotect(area + page, pages * page, prot)) {
		munmap(area, (pages + 2) * page);
		return NULL;
	}
	return area + page;
}

static inline void share_unmap_anon(void *p, __u64 pages)
{
	__u64 page = dmaadd_page_size();

	munmap((char *)p - page, (pages + 2) * page);
}

#endif /* __DMAADD_SHARE_TEST_H */
