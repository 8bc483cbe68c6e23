// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdmaadd host unit tests: no dmaadd module needed.
 *
 * Argument checking and NULL handling run against the real system. The
 * rest runs against a stand-in kernel: this file defines ioctl(), which
 * takes precedence over libc's for the library objects linked into this
 * program. It answers the dmaadd ioctls for descriptors open on /dev/zero
 * (which, like the device, can be mapped MAP_SHARED read-write) and
 * passes every other descriptor to the real system call. Each test runs in
 * its own process (kselftest harness), so the stand-in's state is fresh.
 *
 * The stand-in's dma-bufs are memfds: BUF_EXPORT creates one per call
 * (O_RDONLY through /proc/self/fd for a read-only export) and remembers
 * its inode, so that BUF_IMPORT can tell "exported by this device" (the
 * same handle again, as the kernel does) from "another driver's" (any
 * other memfd: a new handle of kind IMPORT).
 *
 * The stand-in's completion page (API version 6) is /dev/zero's: a page of
 * zeros, where no job ever completes. The tests of the page open a memfd
 * through /proc/self/fd instead, which the stand-in also takes for a
 * device: the library maps its first page as the completion page, and the
 * test writes into it as the kernel would. With null_is_device, /dev/null
 * is a device too, one whose completion page cannot be mapped.
 *
 * The stand-in's fences are eventfds: readable (poll(2) says POLLIN) once
 * signalled, like a sync_file. The stand-in answers SYNC_IOC_FILE_INFO and
 * SYNC_IOC_MERGE for the ones it made; any other descriptor gets the real
 * system's answer to those ioctls.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include <libdmaadd.h>

#include "kselftest_harness.h"

#define EXPECT_ERRNO(expected_errno, cmd)			\
	({							\
		errno = 0;					\
		ASSERT_EQ(-1, cmd);				\
		EXPECT_EQ(expected_errno, errno);		\
	})

#define EXPECT_NULL_ERRNO(expected_errno, cmd)			\
	({							\
		errno = 0;					\
		ASSERT_EQ(NULL, cmd);				\
		EXPECT_EQ(expected_errno, errno);		\
	})

/* ------------------------------------------------------------------------ */
/* The stand-in kernel                                                      */
/* ------------------------------------------------------------------------ */

#define FAKE_MAX_ERRS 8
#define FAKE_MAX_BUFFER (1ULL << 20)
#define FAKE_MAX_HANDLES 64
#define FAKE_PAGE 4096ULL

struct fake_cmd {
	unsigned int calls;
	/* Errors to return on the first calls, in order; 0 ends the list. */
	int errs[FAKE_MAX_ERRS];
};

/* What the stand-in knows about one handle of the (single) open file. */
struct fake_handle {
	bool live;
	bool read_only;
	uint32_t kind;
	uint64_t length;
	unsigned int buf_id;	/* the buffer behind it */
};

/* One BUF_EXPORT: its memfd's inode, and the buffer it reaches. */
struct fake_export {
	ino_t ino;
	unsigned int buf_id;
	uint64_t length;
};

#define FAKE_MAX_FENCES 32
#define FAKE_MAX_BATCH 4	/* max_jobs_in_flight the stand-in reports */

/* A stand-in sync_file: an eventfd, signalled once it is readable. */
struct fake_fence {
	int fd;
	int error;	/* negative errno it signals with, or 0 */
};

static struct fake_kernel {
	struct fake_cmd info, alloc, free, submit, wait, batch, copy;
	struct fake_cmd fence_info, merge;
	struct fake_cmd export_, import, userptr, query;
	struct fake_handle h[FAKE_MAX_HANDLES];
	struct fake_export exports[FAKE_MAX_HANDLES];
	unsigned int nexports;
	unsigned int next_buf_id;
	bool double_free;	/* BUF_FREE of a handle not live */
	bool cap_sys_admin;	/* BUF_QUERY may return addresses */
	uint32_t nsegs;		/* dma_segments BUF_QUERY reports */
	uint64_t import_offset;	/* mmap_offset BUF_IMPORT returns */
	struct dmaadd_buf_userptr last_userptr;
	struct dmaadd_buf_query last_query;
	struct dmaadd_buf_export last_export;
	uint32_t next_handle;
	uint32_t freed[16];
	unsigned int nfreed;
	uint64_t next_job;
	/*
	 * mmap_offset to return. 0 works for every buffer: each MAP_SHARED
	 * mmap of /dev/zero is a new object, of just the mapped length.
	 */
	uint64_t alloc_offset;
	uint32_t wait_status;
	uint32_t last_alloc_flags;
	struct dmaadd_submit last_submit;
	struct dmaadd_submit_batch last_batch;
	struct dmaadd_submit_copy last_copy;
	uint32_t copy_status;	/* the status SUBMIT_COPY's job ends with */
	struct dmaadd_submit batch_jobs[FAKE_MAX_BATCH];
	struct sync_merge_data last_merge;
	struct fake_fence fences[FAKE_MAX_FENCES];
	unsigned int nfences;
	uint32_t api_version;	/* INFO reports it; 0: DMAADD_API_VERSION */
	bool null_is_device;	/* /dev/null answers the dmaadd ioctls */
	/* The memfd that is a device too; page_ino 0: none. */
	dev_t page_dev;
	ino_t page_ino;
	struct dmaadd_wait wait_args[FAKE_MAX_ERRS + 1];
	uint64_t wait_called_at_ns;
	bool bad_arg;	/* a size, flags or reserved member was wrong */
} fake = {
	.next_handle = 1,
	.next_job = 1,
	.nsegs = 3,
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool fake_is_device(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return false;
	if (S_ISCHR(st.st_mode))
		return st.st_rdev == makedev(1, 5) ||
		       (fake.null_is_device && st.st_rdev == makedev(1, 3));
	return fake.page_ino && st.st_ino == fake.page_ino &&
	       st.st_dev == fake.page_dev;
}

/* Returns the injected error for this call, or 0. */
static int fake_injected(struct fake_cmd *cmd)
{
	unsigned int n = cmd->calls++;

	return n < FAKE_MAX_ERRS ? cmd->errs[n] : 0;
}

static struct fake_handle *fake_live(uint32_t handle)
{
	if (!handle || handle >= FAKE_MAX_HANDLES || !fake.h[handle].live)
		return NULL;
	return &fake.h[handle];
}

static int fake_new_handle(uint32_t kind, uint64_t length, bool read_only)
{
	uint32_t handle = fake.next_handle++;

	if (handle >= FAKE_MAX_HANDLES)
		return -ENOMEM;
	fake.h[handle] = (struct fake_handle){
		.live = true,
		.kind = kind,
		.length = length,
		.read_only = read_only,
		.buf_id = ++fake.next_buf_id,
	};
	return (int)handle;
}

/* A stand-in dma-buf is a memfd; anything else is "not a dma-buf". */
static bool fake_is_dmabuf(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return !strncmp(target, "/memfd:", 7);
}

static int fake_export(struct dmaadd_buf_export *e)
{
	struct fake_handle *h = fake_live(e->handle);
	char path[64];
	struct stat st;
	int fd, ro;

	if (e->flags & ~(uint32_t)DMAADD_EXPORT_READ_ONLY)
		return EINVAL;
	if (!h)
		return ENOENT;
	if (h->kind != DMAADD_BUF_KIND_ALLOC)
		return EINVAL;
	if (h->read_only && !(e->flags & DMAADD_EXPORT_READ_ONLY))
		return EACCES;

	fd = memfd_create("fake-dmabuf", MFD_CLOEXEC);
	if (fd < 0)
		return errno;
	if (ftruncate(fd, (h->length + FAKE_PAGE - 1) & ~(FAKE_PAGE - 1)) ||
	    fstat(fd, &st) || fake.nexports == FAKE_MAX_HANDLES) {
		close(fd);
		return EIO;
	}
	fake.exports[fake.nexports++] = (struct fake_export){
		.ino = st.st_ino,
		.buf_id = h->buf_id,
		.length = h->length,
	};
	if (e->flags & DMAADD_EXPORT_READ_ONLY) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ro = open(path, O_RDONLY | O_CLOEXEC);
		close(fd);
		if (ro < 0)
			return EIO;
		fd = ro;
	}
	e->fd = (uint32_t)fd;
	return 0;
}

static int fake_import(struct dmaadd_buf_import *im)
{
	int fd = (int)im->fd, flags, handle = 0;
	struct fake_export *e;
	bool read_only;
	struct stat st;
	uint32_t i;

	if (im->flags || im->handle || im->length || im->mmap_offset)
		fake.bad_arg = true;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return EBADF;
	if (!fake_is_dmabuf(fd) || fstat(fd, &st))
		return EINVAL;
	read_only = (flags & O_ACCMODE) == O_RDONLY;

	/*
	 * Exported by this device: the very same buffer, and the handle the
	 * file already has for it (made writable by a writable import).
	 */
	for (e = fake.exports; e < fake.exports + fake.nexports; e++)
		if (e->ino == st.st_ino)
			break;
	if (e < fake.exports + fake.nexports) {
		for (i = 1; i < FAKE_MAX_HANDLES; i++) {
			if (fake.h[i].live && fake.h[i].buf_id == e->buf_id) {
				if (!read_only)
					fake.h[i].read_only = false;
				im->handle = i;
				im->length = fake.h[i].length;
				im->mmap_offset = fake.import_offset;
				return 0;
			}
		}
		handle = fake_new_handle(DMAADD_BUF_KIND_ALLOC, e->length,
					 read_only);
		if (handle < 0)
			return -handle;
		fake.h[handle].buf_id = e->buf_id;
		im->length = e->length;
	} else {
		handle = fake_new_handle(DMAADD_BUF_KIND_IMPORT,
					 (uint64_t)st.st_size, read_only);
		if (handle < 0)
			return -handle;
		im->length = (uint64_t)st.st_size;
	}
	im->handle = (uint32_t)handle;
	im->mmap_offset = fake.import_offset;
	return 0;
}

static int fake_userptr(struct dmaadd_buf_userptr *u)
{
	int handle;

	fake.last_userptr = *u;
	if (u->handle)
		fake.bad_arg = true;
	if (u->flags & ~(uint32_t)DMAADD_USERPTR_READ_ONLY || u->__reserved)
		return EINVAL;
	if (!u->length || u->length > FAKE_MAX_BUFFER ||
	    u->addr + u->length < u->addr)
		return EINVAL;
	handle = fake_new_handle(DMAADD_BUF_KIND_USERPTR, u->length,
				 u->flags & DMAADD_USERPTR_READ_ONLY);
	if (handle < 0)
		return -handle;
	u->handle = (uint32_t)handle;
	return 0;
}

static int fake_query(struct dmaadd_buf_query *q)
{
	struct dmaadd_dma_segment *segs = (void *)(uintptr_t)q->addrs_ptr;
	struct fake_handle *h = fake_live(q->handle);
	uint32_t i;

	fake.last_query = *q;
	if (q->kind || q->length || q->cpu_pages || q->cpu_segments ||
	    q->dma_segments || q->buf_flags)
		fake.bad_arg = true;
	if (!h)
		return ENOENT;
	if (q->nr_addrs && !fake.cap_sys_admin)
		return EPERM;
	q->kind = h->kind;
	q->length = h->length;
	q->cpu_pages = (h->length + FAKE_PAGE - 1) / FAKE_PAGE;
	q->cpu_segments = q->cpu_pages;
	q->dma_segments = fake.nsegs;
	q->buf_flags = DMAADD_BUF_IOVA;	/* the stand-in has an IOMMU */
	if (h->read_only)
		q->buf_flags |= DMAADD_BUF_READ_ONLY;
	if (h->kind != DMAADD_BUF_KIND_ALLOC)
		q->buf_flags |= DMAADD_BUF_STREAMING;
	for (i = 0; i < q->nr_addrs && i < fake.nsegs; i++) {
		segs[i].addr = 0x100000ULL * (i + 1);
		segs[i].len = FAKE_PAGE;
	}
	q->nr_addrs = fake.nsegs;
	return 0;
}

/* A new stand-in fence, signalled (with @error) or pending; -1 if none. */
static int fake_fence_new(bool signalled, int error)
{
	int fd;

	if (fake.nfences == FAKE_MAX_FENCES)
		return -1;
	fd = eventfd(signalled ? 1 : 0, EFD_CLOEXEC);
	if (fd < 0)
		return -1;
	fake.fences[fake.nfences++] = (struct fake_fence){
		.fd = fd,
		.error = error,
	};
	return fd;
}

static bool fake_is_eventfd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return !strcmp(target, "anon_inode:[eventfd]");
}

/* The stand-in fence @fd is, unless it was closed (and its number reused). */
static struct fake_fence *fake_fence_find(int fd)
{
	unsigned int i;

	/* The newest first: a closed fence's number may have been reused. */
	for (i = fake.nfences; i-- > 0;)
		if (fake.fences[i].fd == fd)
			return fake_is_eventfd(fd) ? &fake.fences[i] : NULL;
	return NULL;
}

static void fake_fence_signal(int fd, int error)
{
	uint64_t one = 1;

	fake_fence_find(fd)->error = error;
	if (write(fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* As dma_fence_get_status(): 0 pending, 1 signalled, or its error. */
static int fake_fence_status(const struct fake_fence *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };

	if (poll(&p, 1, 0) != 1)
		return 0;
	return f->error ?: 1;
}

static int fake_fence_ioctl(struct fake_fence *f, unsigned long request,
			    void *arg)
{
	int err;

	switch (request) {
	case SYNC_IOC_FILE_INFO: {
		struct sync_file_info *info = arg;

		err = fake_injected(&fake.fence_info);
		if (err)
			return err;
		/* The library asks for the status only: no fence array. */
		if (info->flags || info->pad || info->num_fences ||
		    info->sync_fence_info)
			fake.bad_arg = true;
		info->status = fake_fence_status(f);
		info->num_fences = 1;
		return 0;
	}
	case SYNC_IOC_MERGE: {
		struct sync_merge_data *m = arg;
		struct fake_fence *f2;
		int s1, s2, fd;

		fake.last_merge = *m;
		err = fake_injected(&fake.merge);
		if (err)
			return err;
		if (m->flags || m->pad || m->fence)
			fake.bad_arg = true;
		f2 = fake_fence_find((int)m->fd2);
		if (!f2)
			return ENOENT;	/* as the kernel says it */
		s1 = fake_fence_status(f);
		s2 = fake_fence_status(f2);
		fd = fake_fence_new(s1 && s2, s1 < 0 ? s1 : s2 < 0 ? s2 : 0);
		if (fd < 0)
			return ENOMEM;
		m->fence = fd;
		return 0;
	}
	default:
		return ENOTTY;
	}
}

/* SUBMIT's checks, as the kernel makes them (the ones the stand-in can). */
static int fake_submit_check(const struct dmaadd_submit *s)
{
	const struct dmaadd_operand *ops[] = { &s->a, &s->b, &s->c };
	unsigned int i;

	if (s->__reserved || s->a.flags || s->b.flags || s->c.flags)
		fake.bad_arg = true;
	if (s->flags & ~(uint32_t)(DMAADD_SUBMIT_IN_FENCE |
				   DMAADD_SUBMIT_OUT_FENCE))
		return EINVAL;
	if (!(s->flags & DMAADD_SUBMIT_IN_FENCE) && s->in_fence_fd)
		return EINVAL;
	if (s->out_fence_fd)
		return EINVAL;
	for (i = 0; i < 3; i++)
		if (!fake_live(ops[i]->handle))
			return ENOENT;
	if (fake_live(s->c.handle)->read_only)
		return EACCES;
	if ((s->flags & DMAADD_SUBMIT_IN_FENCE) &&
	    !fake_fence_find((int)s->in_fence_fd))
		return EINVAL;
	return 0;
}

/* An accepted job: its id, and its out-fence (done at once). */
static int fake_submit_commit(struct dmaadd_submit *s)
{
	int fd;

	s->job_id = fake.next_job++;
	if (s->flags & DMAADD_SUBMIT_OUT_FENCE) {
		fd = fake_fence_new(true, 0);
		if (fd < 0)
			return EMFILE;
		s->out_fence_fd = (uint32_t)fd;
	}
	return 0;
}

static int fake_submit_batch(struct dmaadd_submit_batch *b)
{
	struct dmaadd_submit *jobs = fake.batch_jobs;
	unsigned int i;
	int err;

	if (b->flags || b->__reserved || b->first_job_id)
		fake.bad_arg = true;
	if (!b->count || b->count > FAKE_MAX_BATCH)
		return EINVAL;
	if (b->stride != sizeof(struct dmaadd_submit))
		fake.bad_arg = true;
	memset(jobs, 0, sizeof(fake.batch_jobs));
	memcpy(jobs, (void *)(uintptr_t)b->jobs_ptr, b->count * sizeof(*jobs));
	for (i = 0; i < b->count; i++) {
		if (jobs[i].size != sizeof(jobs[i]))
			fake.bad_arg = true;
		err = fake_submit_check(&jobs[i]);
		if (err) {
			b->error_index = i;
			return err;
		}
	}
	for (i = 0; i < b->count; i++)
		if (fake_submit_commit(&jobs[i]))
			abort();	/* the stand-in has room for this */
	memcpy((void *)(uintptr_t)b->jobs_ptr, jobs, b->count * sizeof(*jobs));
	b->first_job_id = jobs[0].job_id;
	return 0;
}

/*
 * SUBMIT_COPY's checks as the kernel makes them (but for the user ranges,
 * which the stand-in reads and writes as they are), then the job: the sum
 * is written to c_ptr only if the job ends with DMAADD_JOB_OK.
 */
static int fake_submit_copy(struct dmaadd_submit_copy *s)
{
	const uint32_t *a = (const void *)(uintptr_t)s->a_ptr;
	const uint32_t *b = (const void *)(uintptr_t)s->b_ptr;
	uint32_t *c = (void *)(uintptr_t)s->c_ptr, *sum;
	uint64_t i;

	if (s->status || s->job_id)
		fake.bad_arg = true;
	if (s->flags || s->op != DMAADD_OP_ADD_I32 || !s->count)
		return EINVAL;
	if (s->count > UINT64_MAX / 4)
		return EOVERFLOW;
	if (s->count * 4 > FAKE_MAX_BUFFER)
		return EINVAL;
	/* Both inputs are read before the output is written. */
	sum = calloc(s->count, sizeof(*sum));
	if (!sum)
		return ENOMEM;
	for (i = 0; i < s->count; i++)
		sum[i] = a[i] + b[i];
	s->job_id = fake.next_job++;
	s->status = fake.copy_status;
	if (s->status == DMAADD_JOB_OK)
		memcpy(c, sum, s->count * sizeof(*sum));
	free(sum);
	return 0;
}

static int fake_ioctl(unsigned long request, void *arg)
{
	int err;

	switch (request) {
	case DMAADD_IOCTL_INFO: {
		struct dmaadd_info *info = arg;

		err = fake_injected(&fake.info);
		if (err)
			return err;
		if (info->size != sizeof(*info) || info->flags)
			fake.bad_arg = true;
		info->api_version = fake.api_version ?: DMAADD_API_VERSION;
		info->backend = DMAADD_BACKEND_PCI;
		info->caps = DMAADD_CAP_IOMMU;
		info->dma_mask = (1ULL << 40) - 1;
		info->max_buffer_size = FAKE_MAX_BUFFER;
		info->ops = 1U << DMAADD_OP_ADD_I32;
		info->index = 7;
		info->max_jobs_in_flight = FAKE_MAX_BATCH;
		info->job_history = 16;
		return 0;
	}
	case DMAADD_IOCTL_BUF_ALLOC: {
		struct dmaadd_buf_alloc *a = arg;

		err = fake_injected(&fake.alloc);
		if (err)
			return err;
		if (a->size != sizeof(*a) || a->__reserved)
			fake.bad_arg = true;
		fake.last_alloc_flags = a->flags;
		if (a->flags & ~1U)	/* the stand-in knows one flag */
			return EINVAL;
		if (!a->length || a->length > FAKE_MAX_BUFFER)
			return EINVAL;
		err = fake_new_handle(DMAADD_BUF_KIND_ALLOC, a->length, false);
		if (err < 0)
			return -err;
		a->handle = (uint32_t)err;
		a->mmap_offset = fake.alloc_offset;
		return 0;
	}
	case DMAADD_IOCTL_BUF_FREE: {
		struct dmaadd_buf_free *f = arg;

		err = fake_injected(&fake.free);
		if (err)
			return err;
		if (f->size != sizeof(*f))
			fake.bad_arg = true;
		if (!f->handle || f->handle >= fake.next_handle)
			return ENOENT;
		if (!fake_live(f->handle)) {
			fake.double_free = true;
			return ENOENT;
		}
		fake.h[f->handle].live = false;
		if (fake.nfreed < 16)
			fake.freed[fake.nfreed++] = f->handle;
		return 0;
	}
	case DMAADD_IOCTL_SUBMIT: {
		struct dmaadd_submit *s = arg;

		fake.last_submit = *s;
		err = fake_injected(&fake.submit);
		if (err)
			return err;
		if (s->size != sizeof(*s))
			fake.bad_arg = true;
		err = fake_submit_check(s);
		if (err)
			return err;
		return fake_submit_commit(s);
	}
	case DMAADD_IOCTL_SUBMIT_BATCH: {
		struct dmaadd_submit_batch *b = arg;

		fake.last_batch = *b;
		err = fake_injected(&fake.batch);
		if (err)
			return err;
		if (b->size != sizeof(*b))
			fake.bad_arg = true;
		return fake_submit_batch(b);
	}
	case DMAADD_IOCTL_SUBMIT_COPY: {
		struct dmaadd_submit_copy *s = arg;

		fake.last_copy = *s;
		err = fake_injected(&fake.copy);
		if (err)
			return err;
		if (s->size != sizeof(*s))
			fake.bad_arg = true;
		return fake_submit_copy(s);
	}
	case DMAADD_IOCTL_WAIT: {
		struct dmaadd_wait *w = arg;
		unsigned int n = fake.wait.calls;

		if (n <= FAKE_MAX_ERRS)
			fake.wait_args[n] = *w;
		fake.wait_called_at_ns = mono_ns();
		err = fake_injected(&fake.wait);
		if (err)
			return err;
		if (w->size != sizeof(*w) || w->flags || w->__reserved)
			fake.bad_arg = true;
		if (!w->job_id)
			return EINVAL;
		if (w->job_id >= fake.next_job)
			return ENOENT;
		w->status = fake.wait_status;
		return 0;
	}
	case DMAADD_IOCTL_BUF_EXPORT: {
		struct dmaadd_buf_export *e = arg;

		fake.last_export = *e;
		err = fake_injected(&fake.export_);
		if (err)
			return err;
		if (e->size != sizeof(*e) || e->fd)
			fake.bad_arg = true;
		return fake_export(e);
	}
	case DMAADD_IOCTL_BUF_IMPORT: {
		struct dmaadd_buf_import *im = arg;

		err = fake_injected(&fake.import);
		if (err)
			return err;
		if (im->size != sizeof(*im))
			fake.bad_arg = true;
		return fake_import(im);
	}
	case DMAADD_IOCTL_BUF_USERPTR: {
		struct dmaadd_buf_userptr *u = arg;

		err = fake_injected(&fake.userptr);
		if (err)
			return err;
		if (u->size != sizeof(*u))
			fake.bad_arg = true;
		return fake_userptr(u);
	}
	case DMAADD_IOCTL_BUF_QUERY: {
		struct dmaadd_buf_query *q = arg;

		err = fake_injected(&fake.query);
		if (err)
			return err;
		if (q->size != sizeof(*q) || q->flags)
			fake.bad_arg = true;
		return fake_query(q);
	}
	default:
		return ENOTTY;
	}
}

int ioctl(int fd, unsigned long request, ...);

int ioctl(int fd, unsigned long request, ...)
{
	void *arg;
	va_list ap;
	int err;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (fake_is_device(fd))
		err = fake_ioctl(request, arg);
	else if (fake_fence_find(fd))
		err = fake_fence_ioctl(fake_fence_find(fd), request, arg);
	else
		return syscall(SYS_ioctl, fd, request, arg);

	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Without a device: argument checking against the real system              */
/* ------------------------------------------------------------------------ */

TEST(open_null_path)
{
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_device_open(NULL));
}

TEST(open_missing_path)
{
	EXPECT_NULL_ERRNO(ENOENT, dmaadd_device_open("/nonexistent/dmaadd0"));
}

TEST(open_missing_index)
{
	EXPECT_NULL_ERRNO(ENOENT, dmaadd_device_open_index(UINT_MAX));
}

TEST(open_not_a_dmaadd_device)
{
	EXPECT_NULL_ERRNO(ENOTTY, dmaadd_device_open("/dev/null"));
}

TEST(open_directory)
{
	EXPECT_NULL_ERRNO(EISDIR, dmaadd_device_open("/"));
}

TEST(open_failure_leaks_no_fd)
{
	int before, after;

	before = dup(0);
	ASSERT_LE(0, before);
	close(before);
	ASSERT_EQ(NULL, dmaadd_device_open("/dev/null"));
	after = dup(0);
	close(after);
	EXPECT_EQ(before, after);
}

TEST(destructors_accept_null_and_keep_errno)
{
	errno = EXDEV;
	dmaadd_device_close(NULL);
	dmaadd_buffer_free(NULL);
	dmaadd_device_info_free(NULL);
	dmaadd_device_list_free(NULL);
	dmaadd_buffer_info_free(NULL);
	EXPECT_EQ(EXDEV, errno);
}

TEST(null_device)
{
	struct dmaadd_job_desc job = { .size = sizeof(job) };

	EXPECT_ERRNO(EINVAL, dmaadd_device_get_fd(NULL));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_device_get_path(NULL));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_device_get_info(NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_set_nonblocking(NULL, true));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc(NULL, 4096));
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(NULL, &job, NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_wait(NULL, 1, 0, NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_run(NULL, &job, 0, NULL));
	EXPECT_ERRNO(EINVAL,
		     dmaadd_device_add_i32(NULL, NULL, NULL, NULL, 1, 0));
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32_copy(NULL, NULL, NULL, NULL,
							1, NULL));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_import_dmabuf(NULL, 0));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_wrap_userptr(NULL, &job, 8, 0));
}

TEST(null_buffer)
{
	struct dmaadd_dma_segment seg;

	EXPECT_ERRNO(EINVAL, dmaadd_buffer_export_dmabuf(NULL, 0));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_get_info(NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_buffer_query_dma_segments(NULL, NULL, 0));
	EXPECT_ERRNO(EINVAL, dmaadd_buffer_query_dma_segments(NULL, &seg, 1));
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_get_kind(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_FALSE(dmaadd_buffer_is_read_only(NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST(null_buffer_info_getters)
{
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_info_get_kind(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_info_get_length(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_info_get_cpu_pages(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_info_get_cpu_segments(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_info_get_dma_segments(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_info_get_flags(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_FALSE(dmaadd_buffer_info_is_read_only(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_FALSE(dmaadd_buffer_info_is_iova(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_FALSE(dmaadd_buffer_info_is_streaming(NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST(buffer_kind_names)
{
	EXPECT_STREQ("alloc", dmaadd_buffer_kind_name(DMAADD_BUF_KIND_ALLOC));
	EXPECT_STREQ("import", dmaadd_buffer_kind_name(DMAADD_BUF_KIND_IMPORT));
	EXPECT_STREQ("userptr",
		     dmaadd_buffer_kind_name(DMAADD_BUF_KIND_USERPTR));
	EXPECT_STREQ("unknown", dmaadd_buffer_kind_name(0));
	EXPECT_STREQ("unknown", dmaadd_buffer_kind_name(99));
}

/* ------------------------------------------------------------------------ */
/* Descriptor passing over real unix sockets                                */
/* ------------------------------------------------------------------------ */

static int open_fd_count(void)
{
	char path[64];
	int n = 0, fd;

	/* Probe the low descriptors: enough for a test process. */
	for (fd = 0; fd < 256; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!access(path, F_OK))
			n++;
	}
	return n;
}

static bool same_file(int fd1, int fd2)
{
	struct stat a, b;

	return !fstat(fd1, &a) && !fstat(fd2, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Send @n descriptors in one message (what dmaadd_fd_send() never does). */
static int send_fds(int sock, const int *fds, unsigned int n, size_t bytes)
{
	char data[4] = "DDDD";
	struct iovec iov = { .iov_base = data, .iov_len = bytes };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *cmsg;

	memset(&control, 0, sizeof(control));
	if (n) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	}
	return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

FIXTURE(sockets) {
	int sv[2];
	int memfd;
};

FIXTURE_VARIANT(sockets) {
	int type;
};

FIXTURE_VARIANT_ADD(sockets, stream) {
	.type = SOCK_STREAM,
};

FIXTURE_VARIANT_ADD(sockets, seqpacket) {
	.type = SOCK_SEQPACKET,
};

FIXTURE_VARIANT_ADD(sockets, dgram) {
	.type = SOCK_DGRAM,
};

FIXTURE_SETUP(sockets)
{
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type | SOCK_CLOEXEC, 0,
				self->sv));
	self->memfd = memfd_create("fd-test", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
}

FIXTURE_TEARDOWN(sockets)
{
	close(self->sv[0]);
	if (self->sv[1] >= 0)
		close(self->sv[1]);
	close(self->memfd);
}

TEST_F(sockets, send_recv_round_trip)
{
	int fd, fd2;

	ASSERT_EQ(0, dmaadd_fd_send(self->sv[0], self->memfd));
	ASSERT_EQ(0, dmaadd_fd_send(self->sv[0], self->sv[0]));
	fd = dmaadd_fd_recv(self->sv[1]);
	ASSERT_LE(0, fd);
	EXPECT_NE(self->memfd, fd);
	EXPECT_TRUE(same_file(self->memfd, fd));
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* One descriptor per message, in order. */
	fd2 = dmaadd_fd_recv(self->sv[1]);
	ASSERT_LE(0, fd2);
	EXPECT_TRUE(same_file(self->sv[0], fd2));
	close(fd2);
	close(fd);
}

TEST_F(sockets, recv_without_descriptor)
{
	ASSERT_EQ(0, send_fds(self->sv[0], NULL, 0, 1));
	EXPECT_ERRNO(ENOMSG, dmaadd_fd_recv(self->sv[1]));
}

TEST_F(sockets, recv_after_peer_closed)
{
	if (variant->type == SOCK_DGRAM)
		SKIP(return, "datagram sockets have no end of file");
	close(self->sv[0]);
	self->sv[0] = dup(self->sv[1]);	/* for the teardown */
	close(self->sv[1]);
	self->sv[1] = -1;
	EXPECT_ERRNO(ENOMSG, dmaadd_fd_recv(self->sv[0]));
}

TEST_F(sockets, recv_refuses_several_descriptors_and_leaks_none)
{
	int fds[3] = { self->memfd, self->memfd, self->memfd };
	int before = open_fd_count();

	ASSERT_EQ(0, send_fds(self->sv[0], fds, 3, 1));
	EXPECT_ERRNO(EBADMSG, dmaadd_fd_recv(self->sv[1]));
	EXPECT_EQ(before, open_fd_count());
}

TEST_F(sockets, send_errors)
{
	int pipefd[2];

	EXPECT_ERRNO(EBADF, dmaadd_fd_send(self->sv[0], -1));
	EXPECT_ERRNO(EBADF, dmaadd_fd_send(-1, self->memfd));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	EXPECT_ERRNO(ENOTSOCK, dmaadd_fd_send(pipefd[1], self->memfd));
	EXPECT_ERRNO(ENOTSOCK, dmaadd_fd_recv(pipefd[0]));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_ERRNO(EBADF, dmaadd_fd_recv(-1));
}

TEST_F(sockets, send_to_closed_peer_is_epipe_not_sigpipe)
{
	if (variant->type == SOCK_DGRAM)
		SKIP(return, "datagram sockets do not report EPIPE");
	close(self->sv[1]);
	self->sv[1] = -1;
	/* SIGPIPE would kill the test. */
	errno = 0;
	EXPECT_EQ(-1, dmaadd_fd_send(self->sv[0], self->memfd));
	EXPECT_TRUE(errno == EPIPE || errno == ECONNRESET) {
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	}
}

TEST_F(sockets, recv_nonblocking_empty)
{
	ASSERT_EQ(0, fcntl(self->sv[1], F_SETFL, O_NONBLOCK));
	EXPECT_ERRNO(EAGAIN, dmaadd_fd_recv(self->sv[1]));
}

TEST(null_getters)
{
	errno = 0;
	EXPECT_EQ(NULL, dmaadd_buffer_get_data(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_get_length(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_buffer_get_handle(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(NULL, dmaadd_buffer_get_device(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_device_info_get_max_buffer_size(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_FALSE(dmaadd_device_info_has_iommu(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_FALSE(dmaadd_device_info_supports_op(NULL, DMAADD_OP_ADD_I32));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(NULL, dmaadd_device_info_get_backend_name(NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(0, dmaadd_device_list_get_count(NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_device_list_get_path(NULL, 0));
	EXPECT_ERRNO(EINVAL, dmaadd_device_list_get_index(NULL, 0));
}

TEST(status_names)
{
	EXPECT_STREQ("ok", dmaadd_job_status_name(DMAADD_JOB_OK));
	EXPECT_STREQ("fault", dmaadd_job_status_name(DMAADD_JOB_FAULT));
	EXPECT_STREQ("invalid", dmaadd_job_status_name(DMAADD_JOB_INVALID));
	EXPECT_STREQ("cancelled", dmaadd_job_status_name(DMAADD_JOB_CANCELLED));
	EXPECT_STREQ("unknown", dmaadd_job_status_name(12345));
}

TEST(library_version)
{
	char expected[64];

	snprintf(expected, sizeof(expected), "%d.%d.%d",
		 LIBDMAADD_VERSION_MAJOR, LIBDMAADD_VERSION_MINOR,
		 LIBDMAADD_VERSION_PATCH);
	ASSERT_NE(NULL, dmaadd_library_version());
	EXPECT_STREQ(expected, dmaadd_library_version());
	EXPECT_EQ(LIBDMAADD_VERSION_MAJOR, dmaadd_library_version_major());
	EXPECT_EQ(LIBDMAADD_VERSION_MINOR, dmaadd_library_version_minor());
	EXPECT_EQ(LIBDMAADD_VERSION_PATCH, dmaadd_library_version_patch());
}

/* LIBDMAADD_CHECK_VERSION() is usable in #if. */
#if !LIBDMAADD_CHECK_VERSION(1, 3, 0) || \
	!LIBDMAADD_CHECK_VERSION(LIBDMAADD_VERSION_MAJOR, \
				 LIBDMAADD_VERSION_MINOR, \
				 LIBDMAADD_VERSION_PATCH) || \
	LIBDMAADD_CHECK_VERSION(LIBDMAADD_VERSION_MAJOR, \
				LIBDMAADD_VERSION_MINOR, \
				LIBDMAADD_VERSION_PATCH + 1)
#error "LIBDMAADD_CHECK_VERSION() is wrong in #if"
#endif

TEST(check_version)
{
	const unsigned int major = LIBDMAADD_VERSION_MAJOR;
	const unsigned int minor = LIBDMAADD_VERSION_MINOR;
	const unsigned int patch = LIBDMAADD_VERSION_PATCH;
	const struct {
		unsigned int major, minor, patch;
		bool at_least;
	} cases[] = {
		{ major, minor, patch, true },
		{ 0, 0, 0, true },
		{ 1, 0, 0, true },
		{ 1, 3, 0, true },
		{ major - 1, 1000, 1000, true },
		{ major, minor - 1, 1000, true },
		{ major, minor, patch + 1, false },
		{ major, minor + 1, 0, false },
		{ major + 1, 0, 0, false },
		{ UINT_MAX, 0, 0, false },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].at_least,
			  LIBDMAADD_CHECK_VERSION(cases[i].major,
						  cases[i].minor,
						  cases[i].patch)) {
			TH_LOG("LIBDMAADD_CHECK_VERSION(%u, %u, %u)",
			       cases[i].major, cases[i].minor, cases[i].patch);
		}
		EXPECT_EQ(cases[i].at_least,
			  dmaadd_library_check_version(cases[i].major,
						       cases[i].minor,
						       cases[i].patch)) {
			TH_LOG("dmaadd_library_check_version(%u, %u, %u)",
			       cases[i].major, cases[i].minor, cases[i].patch);
		}
	}
}

/* The values are ABI: programs built against one header run with later libraries. */
TEST(feature_values_are_abi)
{
	EXPECT_EQ(1, DMAADD_FEATURE_DMABUF);
	EXPECT_EQ(2, DMAADD_FEATURE_USERPTR);
	EXPECT_EQ(3, DMAADD_FEATURE_BUFFER_QUERY);
	EXPECT_EQ(4, DMAADD_FEATURE_FENCES);
	EXPECT_EQ(5, DMAADD_FEATURE_BATCH);
	EXPECT_EQ(6, DMAADD_FEATURE_IMPLICIT_SYNC);
	EXPECT_EQ(7, DMAADD_FEATURE_SUBMIT_COPY);
	EXPECT_EQ(8, DMAADD_FEATURE_DEVICE_REMOVAL);
	EXPECT_EQ(9, DMAADD_FEATURE_POLL);
	EXPECT_EQ(10, DMAADD_FEATURE_COMPLETION_PAGE);
}

TEST(feature_names)
{
	EXPECT_STREQ("dmabuf", dmaadd_feature_name(DMAADD_FEATURE_DMABUF));
	EXPECT_STREQ("userptr", dmaadd_feature_name(DMAADD_FEATURE_USERPTR));
	EXPECT_STREQ("buffer_query",
		     dmaadd_feature_name(DMAADD_FEATURE_BUFFER_QUERY));
	EXPECT_STREQ("fences", dmaadd_feature_name(DMAADD_FEATURE_FENCES));
	EXPECT_STREQ("batch", dmaadd_feature_name(DMAADD_FEATURE_BATCH));
	EXPECT_STREQ("implicit_sync",
		     dmaadd_feature_name(DMAADD_FEATURE_IMPLICIT_SYNC));
	EXPECT_STREQ("submit_copy",
		     dmaadd_feature_name(DMAADD_FEATURE_SUBMIT_COPY));
	EXPECT_STREQ("device_removal",
		     dmaadd_feature_name(DMAADD_FEATURE_DEVICE_REMOVAL));
	EXPECT_STREQ("poll", dmaadd_feature_name(DMAADD_FEATURE_POLL));
	EXPECT_STREQ("completion_page",
		     dmaadd_feature_name(DMAADD_FEATURE_COMPLETION_PAGE));
	EXPECT_STREQ("unknown", dmaadd_feature_name(0));
	EXPECT_STREQ("unknown",
		     dmaadd_feature_name(DMAADD_FEATURE_COMPLETION_PAGE + 1));
	EXPECT_STREQ("unknown", dmaadd_feature_name(UINT32_MAX));
}

/* ------------------------------------------------------------------------ */
/* Enumeration in a scratch directory                                       */
/* ------------------------------------------------------------------------ */

FIXTURE(devdir) {
	char dir[64];
};

FIXTURE_SETUP(devdir)
{
	/* Symlinks to /dev/null: character devices without privileges. */
	static const char *const chr[] = {
		"dmaadd10", "dmaadd2", "dmaadd0", "dmaadd01", "dmaadd", "dmaaddx",
		"dmaadd3x", "dmaadd-1", "dmaadd99999999999", "other0",
	};
	char path[128];
	unsigned int i;
	int fd;

	strcpy(self->dir, "/tmp/libdmaadd-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	for (i = 0; i < sizeof(chr) / sizeof(chr[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir, chr[i]);
		ASSERT_EQ(0, symlink("/dev/null", path));
	}
	/* Right name, not a character device. */
	snprintf(path, sizeof(path), "%s/dmaadd5", self->dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
}

FIXTURE_TEARDOWN(devdir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

TEST_F(devdir, lists_sorted_char_devices_only)
{
	struct dmaadd_device_list *list;
	char expected[128];

	list = dmaadd_device_list_new(self->dir);
	ASSERT_NE(NULL, list);
	ASSERT_EQ(3, dmaadd_device_list_get_count(list));
	EXPECT_EQ(0, dmaadd_device_list_get_index(list, 0));
	EXPECT_EQ(2, dmaadd_device_list_get_index(list, 1));
	EXPECT_EQ(10, dmaadd_device_list_get_index(list, 2));
	snprintf(expected, sizeof(expected), "%s/dmaadd10", self->dir);
	EXPECT_STREQ(expected, dmaadd_device_list_get_path(list, 2));
	EXPECT_ERRNO(EINVAL, dmaadd_device_list_get_index(list, 3));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_device_list_get_path(list, 3));
	dmaadd_device_list_free(list);
}

TEST(list_missing_dir)
{
	EXPECT_NULL_ERRNO(ENOENT, dmaadd_device_list_new("/nonexistent"));
}

TEST(list_dev)
{
	struct dmaadd_device_list *list = dmaadd_device_list_new(NULL);

	ASSERT_NE(NULL, list);
	TH_LOG("%zu dmaadd devices in /dev", dmaadd_device_list_get_count(list));
	dmaadd_device_list_free(list);
}

/* ------------------------------------------------------------------------ */
/* Against the stand-in kernel                                              */
/* ------------------------------------------------------------------------ */

FIXTURE(fake) {
	struct dmaadd_device *dev;
	struct dmaadd_buffer *a, *b, *c;
};

FIXTURE_SETUP(fake)
{
	self->dev = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, self->dev);
	self->a = dmaadd_buffer_alloc(self->dev, 4096);
	self->b = dmaadd_buffer_alloc(self->dev, 4096);
	self->c = dmaadd_buffer_alloc(self->dev, 4096);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	ASSERT_NE(NULL, self->c);
}

FIXTURE_TEARDOWN(fake)
{
	dmaadd_buffer_free(self->a);
	dmaadd_buffer_free(self->b);
	dmaadd_buffer_free(self->c);
	dmaadd_device_close(self->dev);
	EXPECT_FALSE(fake.bad_arg);
	EXPECT_FALSE(fake.double_free);
}

static struct dmaadd_job_desc job_abc(FIXTURE_DATA(fake) *self, uint64_t n)
{
	struct dmaadd_job_desc job = {
		.size = sizeof(job),
		.op = DMAADD_OP_ADD_I32,
		.count = n,
		.a = { .buffer = self->a, .offset = 4 },
		.b = { .buffer = self->b, .offset = 8 },
		.c = { .buffer = self->c, .offset = 12 },
	};

	return job;
}

TEST_F(fake, open_is_cloexec_and_reads_info)
{
	struct dmaadd_device_info *info;
	int fd = dmaadd_device_get_fd(self->dev);

	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_STREQ("/dev/zero", dmaadd_device_get_path(self->dev));
	EXPECT_EQ(1, fake.info.calls);

	info = dmaadd_device_get_info(self->dev);
	ASSERT_NE(NULL, info);
	EXPECT_EQ(DMAADD_API_VERSION, dmaadd_device_info_get_api_version(info));
	EXPECT_EQ(DMAADD_BACKEND_PCI, dmaadd_device_info_get_backend(info));
	EXPECT_STREQ("pci", dmaadd_device_info_get_backend_name(info));
	EXPECT_EQ(DMAADD_CAP_IOMMU, dmaadd_device_info_get_caps(info));
	EXPECT_TRUE(dmaadd_device_info_has_iommu(info));
	EXPECT_FALSE(dmaadd_device_info_has_bounce(info));
	EXPECT_EQ((1ULL << 40) - 1, dmaadd_device_info_get_dma_mask(info));
	EXPECT_EQ(FAKE_MAX_BUFFER, dmaadd_device_info_get_max_buffer_size(info));
	EXPECT_EQ(1U << DMAADD_OP_ADD_I32, dmaadd_device_info_get_ops(info));
	EXPECT_TRUE(dmaadd_device_info_supports_op(info, DMAADD_OP_ADD_I32));
	EXPECT_FALSE(dmaadd_device_info_supports_op(info, 0));
	EXPECT_FALSE(dmaadd_device_info_supports_op(info, 1000));
	EXPECT_EQ(7, dmaadd_device_info_get_index(info));
	EXPECT_EQ(4, dmaadd_device_info_get_max_jobs_in_flight(info));
	EXPECT_EQ(16, dmaadd_device_info_get_job_history(info));
	dmaadd_device_info_free(info);
	/* A snapshot: no further ioctl. */
	EXPECT_EQ(1, fake.info.calls);
}

/* Each feature from the API version that introduced it, and not before. */
TEST(features_follow_the_api_version)
{
	static const struct {
		uint32_t feature;
		uint32_t api_version;
	} features[] = {
		{ DMAADD_FEATURE_DMABUF, 1 },
		{ DMAADD_FEATURE_USERPTR, 1 },
		{ DMAADD_FEATURE_BUFFER_QUERY, 1 },
		{ DMAADD_FEATURE_FENCES, 2 },
		{ DMAADD_FEATURE_BATCH, 2 },
		{ DMAADD_FEATURE_IMPLICIT_SYNC, 2 },
		{ DMAADD_FEATURE_SUBMIT_COPY, 3 },
		{ DMAADD_FEATURE_DEVICE_REMOVAL, 4 },
		{ DMAADD_FEATURE_POLL, 5 },
		{ DMAADD_FEATURE_COMPLETION_PAGE, 6 },
	};
	struct dmaadd_device_info *info;
	struct dmaadd_device *dev;
	uint32_t api;
	unsigned int i;

	for (api = 1; api <= 6; api++) {
		fake.api_version = api;
		dev = dmaadd_device_open("/dev/zero");
		ASSERT_NE(NULL, dev);
		info = dmaadd_device_get_info(dev);
		ASSERT_NE(NULL, info);
		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
			errno = 0;
			EXPECT_EQ(api >= features[i].api_version,
				  dmaadd_device_info_has_feature(info,
							features[i].feature)) {
				TH_LOG("API version %u, %s", api,
				       dmaadd_feature_name(features[i].feature));
			}
			EXPECT_EQ(0, errno);
		}
		dmaadd_device_info_free(info);
		dmaadd_device_close(dev);
	}
}

TEST_F(fake, unknown_features_are_einval)
{
	struct dmaadd_device_info *info = dmaadd_device_get_info(self->dev);
	const uint32_t unknown[] = {
		0, DMAADD_FEATURE_COMPLETION_PAGE + 1, 1000, UINT32_MAX,
	};
	unsigned int i;

	ASSERT_NE(NULL, info);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		errno = 0;
		EXPECT_FALSE(dmaadd_device_info_has_feature(info, unknown[i]));
		EXPECT_EQ(EINVAL, errno);
	}
	errno = 0;
	EXPECT_FALSE(dmaadd_device_info_has_feature(NULL,
						    DMAADD_FEATURE_DMABUF));
	EXPECT_EQ(EINVAL, errno);
	dmaadd_device_info_free(info);
}

TEST_F(fake, info_interrupted_is_retried)
{
	struct dmaadd_device *dev;

	fake.info.calls = 0;
	fake.info.errs[0] = EINTR;
	fake.info.errs[1] = EAGAIN;
	dev = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, dev);
	EXPECT_EQ(3, fake.info.calls);
	dmaadd_device_close(dev);
}

TEST_F(fake, open_info_error_is_reported)
{
	fake.info.calls = 0;
	fake.info.errs[0] = EFAULT;
	EXPECT_NULL_ERRNO(EFAULT, dmaadd_device_open("/dev/zero"));
}

TEST_F(fake, buffer_alloc_maps_and_free_drops_handle)
{
	struct dmaadd_buffer *buf;
	uint32_t handle;
	char *p;

	buf = dmaadd_buffer_alloc(self->dev, 10000);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(10000, dmaadd_buffer_get_length(buf));
	EXPECT_EQ(self->dev, dmaadd_buffer_get_device(buf));
	handle = dmaadd_buffer_get_handle(buf);
	EXPECT_EQ(4, handle);
	p = dmaadd_buffer_get_data(buf);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, (uintptr_t)p % 4096);
	EXPECT_EQ(0, p[9999]);
	p[0] = 1;
	p[9999] = 2;
	dmaadd_buffer_free(buf);
	ASSERT_EQ(1, fake.nfreed);
	EXPECT_EQ(handle, fake.freed[0]);
}

TEST_F(fake, buffer_alloc_flags_are_passed_on)
{
	struct dmaadd_buffer *buf;

	fake.last_alloc_flags = 99;
	buf = dmaadd_buffer_alloc(self->dev, 4096);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(0, fake.last_alloc_flags);
	dmaadd_buffer_free(buf);

	buf = dmaadd_buffer_alloc_flags(self->dev, 4096, 1);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(1, fake.last_alloc_flags);
	dmaadd_buffer_free(buf);

	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc_flags(self->dev, 4096,
							    1U << 31));
	EXPECT_EQ(1U << 31, fake.last_alloc_flags);
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc_flags(NULL, 4096, 0));
}

TEST_F(fake, buffer_alloc_errors)
{
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc(self->dev, 0));
	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_alloc(self->dev, FAKE_MAX_BUFFER + 1));
	fake.alloc.calls = 0;
	fake.alloc.errs[0] = ENOMEM;
	EXPECT_NULL_ERRNO(ENOMEM, dmaadd_buffer_alloc(self->dev, 4096));
	EXPECT_EQ(0, fake.nfreed);
}

TEST_F(fake, buffer_alloc_mmap_failure_drops_handle)
{
	/* An offset that is not page aligned makes mmap() fail. */
	fake.alloc_offset = 1;
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc(self->dev, 4096));
	ASSERT_EQ(1, fake.nfreed);
	EXPECT_EQ(4, fake.freed[0]);

	/* An offset that does not fit off_t is not even tried. */
	fake.alloc_offset = 1ULL << 63;
	EXPECT_NULL_ERRNO(EOVERFLOW, dmaadd_buffer_alloc(self->dev, 4096));
	ASSERT_EQ(2, fake.nfreed);
	EXPECT_EQ(5, fake.freed[1]);
}

TEST_F(fake, close_with_live_buffers_defers)
{
	struct dmaadd_device *dev;
	struct dmaadd_buffer *buf;
	uint32_t *p;
	int fd;

	dev = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, dev);
	fd = dmaadd_device_get_fd(dev);
	buf = dmaadd_buffer_alloc(dev, 4096);
	ASSERT_NE(NULL, buf);
	dmaadd_device_close(dev);

	/* Still mapped, and the file still open for BUF_FREE. */
	p = dmaadd_buffer_get_data(buf);
	p[1023] = 42;
	EXPECT_NE(-1, fcntl(fd, F_GETFD));
	fake.nfreed = 0;
	dmaadd_buffer_free(buf);
	EXPECT_EQ(1, fake.nfreed);
	/* Now the last reference is gone and the file is closed. */
	EXPECT_EQ(-1, fcntl(fd, F_GETFD));
}

TEST_F(fake, submit_translates_the_job)
{
	struct dmaadd_job_desc job = job_abc(self, 100);
	uint64_t id = 0;

	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(1, id);
	EXPECT_EQ(sizeof(struct dmaadd_submit), fake.last_submit.size);
	EXPECT_EQ(DMAADD_OP_ADD_I32, fake.last_submit.op);
	EXPECT_EQ(100, fake.last_submit.count);
	EXPECT_EQ(dmaadd_buffer_get_handle(self->a), fake.last_submit.a.handle);
	EXPECT_EQ(4, fake.last_submit.a.offset);
	EXPECT_EQ(dmaadd_buffer_get_handle(self->b), fake.last_submit.b.handle);
	EXPECT_EQ(8, fake.last_submit.b.offset);
	EXPECT_EQ(dmaadd_buffer_get_handle(self->c), fake.last_submit.c.handle);
	EXPECT_EQ(12, fake.last_submit.c.offset);

	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, NULL));
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(3, id);
}

TEST_F(fake, submit_checks_the_description)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	struct {
		struct dmaadd_job_desc job;
		uint64_t newer_member;
	} newer = { .job = job_abc(self, 1) };

	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, NULL, NULL));

	job.size = 0;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	job.size = DMAADD_JOB_DESC_SIZE_VER0 - 1;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	job = job_abc(self, 1);
	job.flags = 1U << 31;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	job = job_abc(self, 1);
	job.b.buffer = NULL;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	/* A newer caller's struct: fine while its extra members are 0. */
	newer.job.size = sizeof(newer);
	EXPECT_EQ(0, dmaadd_device_submit(self->dev, &newer.job, NULL));
	newer.newer_member = 1;
	EXPECT_ERRNO(E2BIG, dmaadd_device_submit(self->dev, &newer.job, NULL));

	/* Only the one good submission reached the kernel. */
	EXPECT_EQ(1, fake.submit.calls);
}

TEST_F(fake, submit_rejects_buffer_of_other_device)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	struct dmaadd_device *other;
	struct dmaadd_buffer *foreign;

	other = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, other);
	foreign = dmaadd_buffer_alloc(other, 4096);
	ASSERT_NE(NULL, foreign);

	job.c.buffer = foreign;
	EXPECT_ERRNO(EXDEV, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_EQ(0, fake.submit.calls);

	dmaadd_buffer_free(foreign);
	dmaadd_device_close(other);
}

TEST_F(fake, submit_retries_eintr)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	uint64_t id = 0;

	fake.submit.errs[0] = EINTR;
	fake.submit.errs[1] = EINTR;
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(3, fake.submit.calls);
	EXPECT_EQ(1, id);
}

TEST_F(fake, submit_does_not_retry_eagain)
{
	struct dmaadd_job_desc job = job_abc(self, 1);

	ASSERT_EQ(0, dmaadd_device_set_nonblocking(self->dev, true));
	EXPECT_TRUE(fcntl(dmaadd_device_get_fd(self->dev), F_GETFL) &
		    O_NONBLOCK);
	fake.submit.errs[0] = EAGAIN;
	EXPECT_ERRNO(EAGAIN, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_EQ(1, fake.submit.calls);

	ASSERT_EQ(0, dmaadd_device_set_nonblocking(self->dev, false));
	EXPECT_FALSE(fcntl(dmaadd_device_get_fd(self->dev), F_GETFL) &
		     O_NONBLOCK);
}

TEST_F(fake, submit_passes_kernel_errors)
{
	struct dmaadd_job_desc job = job_abc(self, 1);

	fake.submit.errs[0] = ERANGE;
	fake.submit.errs[1] = EOVERFLOW;
	fake.submit.errs[2] = ENOENT;
	EXPECT_ERRNO(ERANGE, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_ERRNO(EOVERFLOW, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_ERRNO(ENOENT, dmaadd_device_submit(self->dev, &job, NULL));
}

TEST_F(fake, wait_ok)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	uint32_t status = 99;
	uint64_t id;

	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, DMAADD_WAIT_FOREVER,
					&status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(id, fake.wait_args[0].job_id);
	EXPECT_EQ(sizeof(struct dmaadd_wait), fake.wait_args[0].size);
	EXPECT_EQ(DMAADD_TIMEOUT_INFINITE, fake.wait_args[0].timeout_ns);
}

TEST_F(fake, wait_statuses_map_to_eio)
{
	static const uint32_t bad[] = {
		DMAADD_JOB_FAULT, DMAADD_JOB_INVALID, DMAADD_JOB_CANCELLED, 77,
	};
	struct dmaadd_job_desc job = job_abc(self, 1);
	unsigned int i;
	uint32_t status;
	uint64_t id;

	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake.wait_status = bad[i];
		status = 0;
		EXPECT_ERRNO(EIO, dmaadd_device_wait(self->dev, id, 0, &status));
		EXPECT_EQ(bad[i], status);
		/* Status is optional. */
		EXPECT_ERRNO(EIO, dmaadd_device_wait(self->dev, id, 0, NULL));
	}
	EXPECT_ERRNO(EIO, dmaadd_device_run(self->dev, &job, 0, NULL));
	EXPECT_ERRNO(EIO, dmaadd_device_add_i32(self->dev, self->c, self->a,
						self->b, 1, 0));
}

TEST_F(fake, wait_errors_leave_status_alone)
{
	uint32_t status = 1234;

	EXPECT_ERRNO(EINVAL, dmaadd_device_wait(self->dev, 0, 0, &status));
	EXPECT_ERRNO(ENOENT, dmaadd_device_wait(self->dev, 5, 0, &status));
	fake.wait.calls = 0;
	fake.wait.errs[0] = ETIMEDOUT;
	fake.next_job = 2;
	EXPECT_ERRNO(ETIMEDOUT, dmaadd_device_wait(self->dev, 1, 0, &status));
	EXPECT_EQ(1234, status);
}

TEST_F(fake, wait_timeout_conversion)
{
	uint64_t before, deadline;

	fake.next_job = 2;

	/* 0 polls. */
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, 1, 0, NULL));
	EXPECT_EQ(0, fake.wait_args[0].timeout_ns);

	/* Relative 2 s becomes now + 2 s on CLOCK_MONOTONIC. */
	before = mono_ns();
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, 1, 2000000000LL, NULL));
	deadline = fake.wait_args[1].timeout_ns;
	EXPECT_LE(before + 2000000000ULL, deadline);
	EXPECT_GE(fake.wait_called_at_ns + 2000000000ULL, deadline);

	/* The largest relative timeout does not wrap. */
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, 1, INT64_MAX, NULL));
	EXPECT_LT(before, fake.wait_args[2].timeout_ns);

	/* Negative timeouts other than "forever" are caller bugs. */
	EXPECT_ERRNO(EINVAL, dmaadd_device_wait(self->dev, 1, -2, NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_wait(self->dev, 1, INT64_MIN, NULL));
	EXPECT_EQ(3, fake.wait.calls);
}

TEST_F(fake, wait_retries_with_same_absolute_deadline)
{
	fake.next_job = 2;
	fake.wait.errs[0] = EINTR;
	fake.wait.errs[1] = EAGAIN;
	fake.wait.errs[2] = EINTR;
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, 1, 1000000000LL, NULL));
	ASSERT_EQ(4, fake.wait.calls);
	EXPECT_NE(0, fake.wait_args[0].timeout_ns);
	EXPECT_EQ(fake.wait_args[0].timeout_ns, fake.wait_args[1].timeout_ns);
	EXPECT_EQ(fake.wait_args[0].timeout_ns, fake.wait_args[2].timeout_ns);
	EXPECT_EQ(fake.wait_args[0].timeout_ns, fake.wait_args[3].timeout_ns);
}

TEST_F(fake, add_i32_whole_buffers)
{
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, self->a,
					   self->b, 1024, DMAADD_WAIT_FOREVER));
	EXPECT_EQ(1, fake.submit.calls);
	EXPECT_EQ(1, fake.wait.calls);
	EXPECT_EQ(DMAADD_OP_ADD_I32, fake.last_submit.op);
	EXPECT_EQ(1024, fake.last_submit.count);
	EXPECT_EQ(0, fake.last_submit.a.offset);
	EXPECT_EQ(0, fake.last_submit.b.offset);
	EXPECT_EQ(0, fake.last_submit.c.offset);
	EXPECT_EQ(dmaadd_buffer_get_handle(self->c), fake.last_submit.c.handle);
	EXPECT_EQ(1, fake.wait_args[0].job_id);

	/* A failed submit does not wait. */
	fake.submit.calls = 0;
	fake.submit.errs[0] = EINVAL;
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32(self->dev, self->c, self->a,
						   self->b, 1, 0));
	EXPECT_EQ(1, fake.wait.calls);
}

/* ------------------------------------------------------------------------ */
/* Against the stand-in kernel: the copying path (SUBMIT_COPY)              */
/* ------------------------------------------------------------------------ */

TEST_F(fake, add_i32_copy_adds_ordinary_memory)
{
	int32_t a[5] = { 1, -2, INT32_MAX, INT32_MIN, 40 };
	int32_t b[5] = { 2, -3, 1, -1, 2 };
	int32_t c[5] = { 0 };
	uint32_t status = 99;

	ASSERT_EQ(0, dmaadd_device_add_i32_copy(self->dev, c, a, b, 5,
						&status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(1, fake.copy.calls);
	EXPECT_EQ(sizeof(struct dmaadd_submit_copy), fake.last_copy.size);
	EXPECT_EQ(0, fake.last_copy.flags);
	EXPECT_EQ(DMAADD_OP_ADD_I32, fake.last_copy.op);
	EXPECT_EQ(5, fake.last_copy.count);
	EXPECT_EQ((uintptr_t)a, fake.last_copy.a_ptr);
	EXPECT_EQ((uintptr_t)b, fake.last_copy.b_ptr);
	EXPECT_EQ((uintptr_t)c, fake.last_copy.c_ptr);
	EXPECT_EQ(3, c[0]);
	EXPECT_EQ(-5, c[1]);
	EXPECT_EQ(INT32_MIN, c[2]);	/* wraps modulo 2^32 */
	EXPECT_EQ(INT32_MAX, c[3]);
	EXPECT_EQ(42, c[4]);
	/* No SUBMIT, no WAIT: one ioctl does it all. */
	EXPECT_EQ(0, fake.submit.calls);
	EXPECT_EQ(0, fake.wait.calls);

	/* In place, the status optional. */
	ASSERT_EQ(0, dmaadd_device_add_i32_copy(self->dev, a, a, b, 5, NULL));
	EXPECT_EQ(3, a[0]);
	EXPECT_EQ(42, a[4]);
}

TEST_F(fake, add_i32_copy_failed_job_is_eio)
{
	int32_t a[2] = { 1, 2 }, b[2] = { 3, 4 }, c[2] = { 77, 78 };
	uint32_t status = 99;

	fake.copy_status = DMAADD_JOB_FAULT;
	EXPECT_ERRNO(EIO, dmaadd_device_add_i32_copy(self->dev, c, a, b, 2,
						     &status));
	EXPECT_EQ(DMAADD_JOB_FAULT, status);
	EXPECT_EQ(77, c[0]);
	EXPECT_EQ(78, c[1]);
	fake.copy_status = DMAADD_JOB_INVALID;
	EXPECT_ERRNO(EIO, dmaadd_device_add_i32_copy(self->dev, c, a, b, 2,
						     NULL));
	EXPECT_EQ(77, c[0]);
}

TEST_F(fake, add_i32_copy_signal_and_eagain_are_not_retried)
{
	int32_t a[1] = { 1 }, b[1] = { 2 }, c[1] = { 0 };
	uint32_t status = 99;

	fake.copy.errs[0] = EINTR;
	fake.copy.errs[1] = EAGAIN;
	EXPECT_ERRNO(EINTR, dmaadd_device_add_i32_copy(self->dev, c, a, b, 1,
						       &status));
	EXPECT_EQ(1, fake.copy.calls);
	EXPECT_ERRNO(EAGAIN, dmaadd_device_add_i32_copy(self->dev, c, a, b, 1,
							&status));
	EXPECT_EQ(2, fake.copy.calls);
	EXPECT_EQ(99, status);
	EXPECT_EQ(0, c[0]);
	/* Called again, the job runs again. */
	ASSERT_EQ(0, dmaadd_device_add_i32_copy(self->dev, c, a, b, 1,
						&status));
	EXPECT_EQ(3, c[0]);
	EXPECT_EQ(DMAADD_JOB_OK, status);
}

TEST_F(fake, add_i32_copy_errors)
{
	int32_t a[1] = { 1 }, b[1] = { 2 }, c[1] = { 0 };
	uint32_t status = 99;

	/* Refused by the library, before any ioctl. */
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32_copy(NULL, c, a, b, 1,
							&status));
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32_copy(self->dev, NULL, a, b,
							1, &status));
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32_copy(self->dev, c, NULL, b,
							1, &status));
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32_copy(self->dev, c, a, NULL,
							1, &status));
	EXPECT_EQ(0, fake.copy.calls);

	/* Refused by the kernel. */
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32_copy(self->dev, c, a, b, 0,
							&status));
	EXPECT_ERRNO(EINVAL, dmaadd_device_add_i32_copy(self->dev, c, a, b,
							FAKE_MAX_BUFFER / 4 + 1,
							&status));
	EXPECT_ERRNO(EOVERFLOW,
		     dmaadd_device_add_i32_copy(self->dev, c, a, b,
						UINT64_MAX / 4 + 1, &status));
	fake.copy.calls = 0;
	fake.copy.errs[0] = EFAULT;
	fake.copy.errs[1] = ENOMEM;
	EXPECT_ERRNO(EFAULT, dmaadd_device_add_i32_copy(self->dev, c, a, b, 1,
							&status));
	EXPECT_ERRNO(ENOMEM, dmaadd_device_add_i32_copy(self->dev, c, a, b, 1,
							&status));
	EXPECT_EQ(99, status);
	EXPECT_EQ(0, c[0]);
}

TEST_F(fake, add_i32_copy_needs_api_version_3)
{
	int32_t a[1] = { 1 }, b[1] = { 2 }, c[1] = { 0 };
	struct dmaadd_device *old;

	fake.api_version = 2;
	old = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, old);
	EXPECT_ERRNO(EOPNOTSUPP, dmaadd_device_add_i32_copy(old, c, a, b, 1,
							    NULL));
	EXPECT_EQ(0, fake.copy.calls);
	EXPECT_EQ(0, c[0]);
	dmaadd_device_close(old);
}

/* ------------------------------------------------------------------------ */
/* Against the stand-in kernel: the completion page                         */
/* ------------------------------------------------------------------------ */

/*
 * A device whose completion page the test writes: a memfd of two pages,
 * opened through /proc/self/fd, which the stand-in takes for a device.
 * The library maps its first page read-only as the completion page;
 * buffers map the second (alloc_offset), which the tests never read.
 */
/*
 * The library reads the page with 64-bit atomic loads and leaves it alone
 * where those are not lock-free (lib/internal.h); so do these tests.
 */
#if defined(__GCC_ATOMIC_LLONG_LOCK_FREE) && __GCC_ATOMIC_LLONG_LOCK_FREE == 2
#define NEED_PAGE() do { } while (0)
#else
#define NEED_PAGE() \
	SKIP(return, "no lock-free 64-bit atomics: the library maps no page")
#endif

FIXTURE(page) {
	int memfd;
	char path[64];
	struct dmaadd_completion_page *page;	/* the test's, read-write */
	struct dmaadd_device *dev;
	struct dmaadd_buffer *a, *b, *c;
};

FIXTURE_SETUP(page)
{
	struct stat st;

	self->memfd = memfd_create("fake-completion-page", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, 2 * FAKE_PAGE));
	ASSERT_EQ(0, fstat(self->memfd, &st));
	fake.page_dev = st.st_dev;
	fake.page_ino = st.st_ino;
	fake.alloc_offset = FAKE_PAGE;
	self->page = mmap(NULL, FAKE_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  self->memfd, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	snprintf(self->path, sizeof(self->path), "/proc/self/fd/%d",
		 self->memfd);

	self->dev = dmaadd_device_open(self->path);
	ASSERT_NE(NULL, self->dev);
	self->a = dmaadd_buffer_alloc(self->dev, 4096);
	self->b = dmaadd_buffer_alloc(self->dev, 4096);
	self->c = dmaadd_buffer_alloc(self->dev, 4096);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	ASSERT_NE(NULL, self->c);
}

FIXTURE_TEARDOWN(page)
{
	dmaadd_buffer_free(self->a);
	dmaadd_buffer_free(self->b);
	dmaadd_buffer_free(self->c);
	dmaadd_device_close(self->dev);
	munmap(self->page, FAKE_PAGE);
	close(self->memfd);
	EXPECT_FALSE(fake.bad_arg);
	EXPECT_FALSE(fake.double_free);
}

/* Job @id completed with @status, as the kernel writes it: entry, then id. */
static void page_complete(struct dmaadd_completion_page *page, uint64_t id,
			  uint32_t status)
{
	__atomic_store_n(&page->status[id % DMAADD_COMPLETION_HISTORY],
			 id << 8 | status, __ATOMIC_RELAXED);
	__atomic_store_n(&page->completed_id, id, __ATOMIC_RELEASE);
}

static uint64_t page_submit(FIXTURE_DATA(page) *self)
{
	struct dmaadd_job_desc job = {
		.size = sizeof(job),
		.op = DMAADD_OP_ADD_I32,
		.count = 1,
		.a = { .buffer = self->a },
		.b = { .buffer = self->b },
		.c = { .buffer = self->c },
	};
	uint64_t id = 0;

	if (dmaadd_device_submit(self->dev, &job, &id))
		return 0;
	return id;
}

/*
 * The mappings of the inode @ino at file offset 0 with permissions
 * @perms, e.g. "r--s" for the library's completion page.
 */
static int count_mappings(ino_t ino, const char *perms)
{
	char line[512], p[5];
	unsigned long long off, inode;
	int n = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*x-%*x %4s %llx %*s %llu", p, &off,
			   &inode) == 3 &&
		    inode == (unsigned long long)ino && !off &&
		    !strcmp(p, perms))
			n++;
	fclose(f);
	return n;
}

TEST_F(page, mapped_read_only_shared_at_open_unmapped_at_close)
{
	struct dmaadd_device *dev;
	struct dmaadd_buffer *buf;

	NEED_PAGE();
	/* The fixture's device, read-only and shared; the test's own. */
	EXPECT_EQ(1, count_mappings(fake.page_ino, "r--s"));
	EXPECT_EQ(1, count_mappings(fake.page_ino, "rw-s"));

	dev = dmaadd_device_open(self->path);
	ASSERT_NE(NULL, dev);
	EXPECT_EQ(2, count_mappings(fake.page_ino, "r--s"));
	dmaadd_device_close(dev);
	EXPECT_EQ(1, count_mappings(fake.page_ino, "r--s"));

	/* Closed with a buffer still alive: the page goes all the same. */
	dev = dmaadd_device_open(self->path);
	ASSERT_NE(NULL, dev);
	buf = dmaadd_buffer_alloc(dev, 4096);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(2, count_mappings(fake.page_ino, "r--s"));
	errno = 1234;
	dmaadd_device_close(dev);
	EXPECT_EQ(1234, errno);
	EXPECT_EQ(1, count_mappings(fake.page_ino, "r--s"));
	dmaadd_buffer_free(buf);
}

TEST_F(page, completed_job_without_a_system_call)
{
	uint32_t status = 99;
	uint64_t id = page_submit(self);

	NEED_PAGE();
	ASSERT_EQ(1, id);
	page_complete(self->page, id, DMAADD_JOB_OK);
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, id, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	/* Status is optional. */
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, id, NULL));
	EXPECT_EQ(0, fake.wait.calls);
}

TEST_F(page, pending_job_is_eagain_without_a_system_call)
{
	uint32_t status = 1234;
	uint64_t first = page_submit(self), second = page_submit(self);

	NEED_PAGE();
	ASSERT_EQ(1, first);
	ASSERT_EQ(2, second);
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(self->dev, first, &status));
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(self->dev, second, &status));
	EXPECT_EQ(1234, status);

	/* Jobs complete in order: the first is done, the second not. */
	page_complete(self->page, first, DMAADD_JOB_OK);
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, first, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	status = 1234;
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(self->dev, second, &status));
	EXPECT_EQ(1234, status);
	EXPECT_EQ(0, fake.wait.calls);
}

TEST_F(page, failed_jobs_are_eio_with_their_status)
{
	static const uint32_t bad[] = {
		DMAADD_JOB_FAULT, DMAADD_JOB_INVALID, DMAADD_JOB_CANCELLED, 77,
	};
	unsigned int i;
	uint32_t status;
	uint64_t id;

	NEED_PAGE();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id = page_submit(self);
		ASSERT_NE(0, id);
		page_complete(self->page, id, bad[i]);
		status = 0;
		EXPECT_ERRNO(EIO, dmaadd_device_peek(self->dev, id, &status));
		EXPECT_EQ(bad[i], status);
		EXPECT_ERRNO(EIO, dmaadd_device_peek(self->dev, id, NULL));
	}
	EXPECT_EQ(0, fake.wait.calls);
}

/* A job whose entry a later job took: the kernel is asked, polling only. */
TEST_F(page, job_no_longer_in_the_page_asks_the_kernel)
{
	uint64_t id = page_submit(self), later = id + DMAADD_COMPLETION_HISTORY;
	uint32_t status = 99;

	NEED_PAGE();
	ASSERT_EQ(1, id);
	/* The stand-in has given out every id up to @later. */
	fake.next_job = later + 1;
	page_complete(self->page, id, DMAADD_JOB_OK);
	page_complete(self->page, later, DMAADD_JOB_OK);

	fake.wait_status = DMAADD_JOB_CANCELLED;
	EXPECT_ERRNO(EIO, dmaadd_device_peek(self->dev, id, &status));
	EXPECT_EQ(DMAADD_JOB_CANCELLED, status);
	ASSERT_EQ(1, fake.wait.calls);
	EXPECT_EQ(sizeof(struct dmaadd_wait), fake.wait_args[0].size);
	EXPECT_EQ(id, fake.wait_args[0].job_id);
	EXPECT_EQ(0, fake.wait_args[0].timeout_ns);

	fake.wait_status = DMAADD_JOB_OK;
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, id, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);

	/* Older than job_history: the kernel's ENOENT, status untouched. */
	fake.wait.errs[2] = ENOENT;
	status = 1234;
	EXPECT_ERRNO(ENOENT, dmaadd_device_peek(self->dev, id, &status));
	EXPECT_EQ(1234, status);
	EXPECT_EQ(3, fake.wait.calls);

	/* The later job is in the page. */
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, later, NULL));
	EXPECT_EQ(3, fake.wait.calls);
}

/*
 * An id the library never gave out: never submitted (ENOENT, as WAIT
 * says), or submitted with a raw ioctl (pending: EAGAIN, not ETIMEDOUT).
 */
TEST_F(page, unknown_id_asks_the_kernel)
{
	struct dmaadd_submit raw = {
		.size = sizeof(raw),
		.op = DMAADD_OP_ADD_I32,
		.count = 1,
		.a = { .handle = dmaadd_buffer_get_handle(self->a) },
		.b = { .handle = dmaadd_buffer_get_handle(self->b) },
		.c = { .handle = dmaadd_buffer_get_handle(self->c) },
	};
	uint32_t status = 1234;
	uint64_t id = page_submit(self);

	NEED_PAGE();
	ASSERT_EQ(1, id);
	EXPECT_ERRNO(ENOENT, dmaadd_device_peek(self->dev, id + 1, &status));
	EXPECT_EQ(1, fake.wait.calls);
	EXPECT_EQ(id + 1, fake.wait_args[0].job_id);
	EXPECT_EQ(0, fake.wait_args[0].timeout_ns);

	ASSERT_EQ(0, ioctl(dmaadd_device_get_fd(self->dev), DMAADD_IOCTL_SUBMIT,
			   &raw));
	ASSERT_EQ(id + 1, raw.job_id);
	fake.wait.errs[1] = ETIMEDOUT;
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(self->dev, raw.job_id,
						&status));
	EXPECT_EQ(1234, status);
	EXPECT_EQ(2, fake.wait.calls);
	/* Once the page has it, no system call. */
	page_complete(self->page, raw.job_id, DMAADD_JOB_OK);
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, raw.job_id, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(2, fake.wait.calls);
}

TEST_F(page, batch_ids_are_known)
{
	struct dmaadd_job_desc job = {
		.size = sizeof(job),
		.op = DMAADD_OP_ADD_I32,
		.count = 1,
		.a = { .buffer = self->a },
		.b = { .buffer = self->b },
		.c = { .buffer = self->c },
	};
	const struct dmaadd_job_desc *jobs[] = { &job, &job, &job };
	uint64_t first;

	NEED_PAGE();
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, 3, &first,
						NULL, NULL));
	page_complete(self->page, first, DMAADD_JOB_OK);
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, first, NULL));
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(self->dev, first + 2, NULL));
	EXPECT_EQ(0, fake.wait.calls);
	EXPECT_ERRNO(ENOENT, dmaadd_device_peek(self->dev, first + 3, NULL));
	EXPECT_EQ(1, fake.wait.calls);
}

TEST_F(page, bad_arguments_make_no_system_call)
{
	uint32_t status = 1234;

	EXPECT_ERRNO(EINVAL, dmaadd_device_peek(self->dev, 0, &status));
	EXPECT_ERRNO(EINVAL, dmaadd_device_peek(NULL, 1, &status));
	EXPECT_EQ(1234, status);
	EXPECT_EQ(0, fake.wait.calls);
}

TEST_F(page, the_page_is_the_feature)
{
	struct dmaadd_device_info *info = dmaadd_device_get_info(self->dev);

	ASSERT_NE(NULL, info);
	EXPECT_TRUE(dmaadd_device_info_has_feature(
		info, DMAADD_FEATURE_COMPLETION_PAGE));
	dmaadd_device_info_free(info);
}

/* A module older than API version 6 has no page: WAIT that only polls. */
TEST(peek_without_a_page_polls_the_kernel)
{
	struct dmaadd_device *dev;
	uint32_t status = 1234;

	fake.api_version = 5;
	dev = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, dev);
	fake.next_job = 3;	/* jobs 1 and 2 were submitted */

	fake.wait.errs[0] = ETIMEDOUT;
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(dev, 2, &status));
	EXPECT_EQ(1234, status);
	ASSERT_EQ(1, fake.wait.calls);
	EXPECT_EQ(2, fake.wait_args[0].job_id);
	EXPECT_EQ(0, fake.wait_args[0].timeout_ns);
	EXPECT_EQ(sizeof(struct dmaadd_wait), fake.wait_args[0].size);

	EXPECT_EQ(0, dmaadd_device_peek(dev, 2, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	fake.wait_status = DMAADD_JOB_FAULT;
	EXPECT_ERRNO(EIO, dmaadd_device_peek(dev, 1, &status));
	EXPECT_EQ(DMAADD_JOB_FAULT, status);
	EXPECT_ERRNO(ENOENT, dmaadd_device_peek(dev, 3, NULL));
	/* Other errors of WAIT pass through; EINTR is retried. */
	fake.wait.calls = 0;
	fake.wait.errs[0] = EINTR;
	fake.wait.errs[1] = ENODEV;
	EXPECT_ERRNO(ENODEV, dmaadd_device_peek(dev, 1, NULL));
	EXPECT_EQ(2, fake.wait.calls);
	EXPECT_ERRNO(EINVAL, dmaadd_device_peek(dev, 0, NULL));
	EXPECT_EQ(2, fake.wait.calls);
	dmaadd_device_close(dev);
	EXPECT_FALSE(fake.bad_arg);
}

/* A page that cannot be mapped does not fail the open. */
TEST(peek_when_the_page_cannot_be_mapped)
{
	struct dmaadd_device *dev;
	uint32_t status = 1234;

	/* /dev/null answers the ioctls, but mmap() gives ENODEV. */
	fake.null_is_device = true;
	dev = dmaadd_device_open("/dev/null");
	ASSERT_NE(NULL, dev);
	fake.next_job = 2;
	fake.wait.errs[0] = ETIMEDOUT;
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(dev, 1, &status));
	EXPECT_EQ(0, dmaadd_device_peek(dev, 1, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(2, fake.wait.calls);
	EXPECT_EQ(0, fake.wait_args[1].timeout_ns);
	dmaadd_device_close(dev);
}

/* ------------------------------------------------------------------------ */
/* Against the stand-in kernel: dma-bufs, user memory, queries              */
/* ------------------------------------------------------------------------ */

/* The permission letters of the mapping holding @addr, e.g. "rw-s". */
static bool mapping_perms(const void *addr, char perms[5])
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) == 3 &&
		    a >= start && a < end)
			found = true;
	fclose(f);
	return found;
}

static bool was_freed(uint32_t handle)
{
	unsigned int i;

	for (i = 0; i < fake.nfreed; i++)
		if (fake.freed[i] == handle)
			return true;
	return false;
}

TEST_F(fake, new_buffers_know_their_kind)
{
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_get_kind(self->a));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(self->a));
}

TEST_F(fake, export_returns_an_owned_cloexec_fd)
{
	int fd, ro;

	fd = dmaadd_buffer_export_dmabuf(self->a, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(dmaadd_buffer_get_handle(self->a), fake.last_export.handle);
	EXPECT_EQ(0, fake.last_export.flags);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);

	ro = dmaadd_buffer_export_dmabuf(self->a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(DMAADD_EXPORT_READ_ONLY, fake.last_export.flags);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);

	/* The buffer can go; the descriptors are the caller's. */
	dmaadd_buffer_free(self->a);
	self->a = NULL;
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, close(ro));
}

TEST_F(fake, export_errors_pass_through)
{
	struct dmaadd_buffer *u;
	char mem[64];

	EXPECT_ERRNO(EINVAL, dmaadd_buffer_export_dmabuf(self->a, 1U << 7));
	fake.export_.calls = 0;
	fake.export_.errs[0] = EMFILE;
	fake.export_.errs[1] = ENOMEM;
	EXPECT_ERRNO(EMFILE, dmaadd_buffer_export_dmabuf(self->a, 0));
	EXPECT_ERRNO(ENOMEM, dmaadd_buffer_export_dmabuf(self->a, 0));

	/* User memory cannot be exported. */
	u = dmaadd_buffer_wrap_userptr(self->dev, mem, sizeof(mem), 0);
	ASSERT_NE(NULL, u);
	EXPECT_ERRNO(EINVAL, dmaadd_buffer_export_dmabuf(u, 0));
	dmaadd_buffer_free(u);
}

TEST_F(fake, export_retries_eintr)
{
	int fd;

	fake.export_.errs[0] = EINTR;
	fd = dmaadd_buffer_export_dmabuf(self->a, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(2, fake.export_.calls);
	close(fd);
}

TEST_F(fake, import_foreign_dmabuf)
{
	struct dmaadd_buffer *buf;
	int fd, before;
	char perms[5];
	char *p;

	fd = memfd_create("other-driver", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 3 * 4096));
	before = open_fd_count();

	buf = dmaadd_buffer_import_dmabuf(self->dev, fd);
	ASSERT_NE(NULL, buf);
	/* The library keeps no descriptor of its own. */
	EXPECT_EQ(before, open_fd_count());
	EXPECT_EQ(0, close(fd));

	EXPECT_EQ(DMAADD_BUF_KIND_IMPORT, dmaadd_buffer_get_kind(buf));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(buf));
	EXPECT_EQ(3 * 4096, dmaadd_buffer_get_length(buf));
	EXPECT_EQ(self->dev, dmaadd_buffer_get_device(buf));
	EXPECT_EQ(4, dmaadd_buffer_get_handle(buf));
	p = dmaadd_buffer_get_data(buf);
	ASSERT_NE(NULL, p);
	ASSERT_TRUE(mapping_perms(p, perms));
	EXPECT_STREQ("rw-s", perms);
	p[3 * 4096 - 1] = 1;
	/* One import, one query. */
	EXPECT_EQ(1, fake.import.calls);
	EXPECT_EQ(1, fake.query.calls);

	dmaadd_buffer_free(buf);
	EXPECT_TRUE(was_freed(4));
}

TEST_F(fake, import_read_only_is_mapped_read_only)
{
	struct dmaadd_buffer *buf, *out;
	struct dmaadd_job_desc job;
	char path[64], perms[5];
	int fd, ro;

	fd = memfd_create("other-driver", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);

	buf = dmaadd_buffer_import_dmabuf(self->dev, ro);
	ASSERT_NE(NULL, buf);
	EXPECT_TRUE(dmaadd_buffer_is_read_only(buf));
	ASSERT_TRUE(mapping_perms(dmaadd_buffer_get_data(buf), perms));
	EXPECT_STREQ("r--s", perms);

	/* An input, never an output: the kernel's EACCES comes through. */
	out = buf;
	job = job_abc(self, 1);
	job.c.buffer = out;
	job.c.offset = 0;
	EXPECT_ERRNO(EACCES, dmaadd_device_submit(self->dev, &job, NULL));
	job = job_abc(self, 1);
	job.a.buffer = buf;
	EXPECT_EQ(0, dmaadd_device_submit(self->dev, &job, NULL));

	dmaadd_buffer_free(buf);
	close(ro);
	close(fd);
}

TEST_F(fake, import_errors)
{
	int pipefd[2], fd;

	EXPECT_NULL_ERRNO(EBADF, dmaadd_buffer_import_dmabuf(self->dev, -1));
	EXPECT_EQ(0, fake.import.calls);

	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	close(pipefd[1]);
	/* Not a dma-buf; then no longer open. */
	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_import_dmabuf(self->dev, pipefd[0]));
	close(pipefd[0]);
	EXPECT_NULL_ERRNO(EBADF,
			  dmaadd_buffer_import_dmabuf(self->dev, pipefd[0]));

	fd = memfd_create("other-driver", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	fake.import.calls = 0;
	fake.import.errs[0] = ENOMEM;
	EXPECT_NULL_ERRNO(ENOMEM, dmaadd_buffer_import_dmabuf(self->dev, fd));
	EXPECT_EQ(0, fake.nfreed);
	close(fd);
}

TEST_F(fake, import_query_failure_drops_the_new_handle)
{
	int fd;

	fd = memfd_create("other-driver", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	fake.query.errs[0] = ENOMEM;
	EXPECT_NULL_ERRNO(ENOMEM, dmaadd_buffer_import_dmabuf(self->dev, fd));
	ASSERT_EQ(1, fake.nfreed);
	EXPECT_EQ(4, fake.freed[0]);
	close(fd);
}

TEST_F(fake, import_that_cannot_be_mapped_has_no_data)
{
	struct dmaadd_buffer *buf;
	int fd;

	fd = memfd_create("other-driver", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	/* An offset that is not page aligned makes mmap() fail. */
	fake.import_offset = 1;
	buf = dmaadd_buffer_import_dmabuf(self->dev, fd);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(NULL, dmaadd_buffer_get_data(buf));
	EXPECT_EQ(4096, dmaadd_buffer_get_length(buf));
	/* Usable in jobs all the same; free unmaps nothing. */
	EXPECT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, buf, self->b,
					   1, 0));
	dmaadd_buffer_free(buf);
	EXPECT_TRUE(was_freed(4));
	close(fd);
}

TEST_F(fake, import_own_export_shares_the_handle)
{
	uint32_t handle = dmaadd_buffer_get_handle(self->a);
	struct dmaadd_buffer *again, *third;
	int fd, ro;

	fd = dmaadd_buffer_export_dmabuf(self->a, 0);
	ro = dmaadd_buffer_export_dmabuf(self->a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, ro);

	again = dmaadd_buffer_import_dmabuf(self->dev, fd);
	ASSERT_NE(NULL, again);
	EXPECT_EQ(handle, dmaadd_buffer_get_handle(again));
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_get_kind(again));
	EXPECT_EQ(4096, dmaadd_buffer_get_length(again));
	EXPECT_NE(NULL, dmaadd_buffer_get_data(again));

	/* Read-only import of a handle the file has writable: writable. */
	third = dmaadd_buffer_import_dmabuf(self->dev, ro);
	ASSERT_NE(NULL, third);
	EXPECT_EQ(handle, dmaadd_buffer_get_handle(third));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(third));

	/* The handle lives until the last object sharing it is freed. */
	dmaadd_buffer_free(self->a);
	self->a = NULL;
	EXPECT_FALSE(was_freed(handle));
	EXPECT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, again, third,
					   1, 0));
	dmaadd_buffer_free(third);
	EXPECT_FALSE(was_freed(handle));
	dmaadd_buffer_free(again);
	EXPECT_TRUE(was_freed(handle));
	close(fd);
	close(ro);
}

TEST_F(fake, import_query_failure_keeps_a_shared_handle)
{
	uint32_t handle = dmaadd_buffer_get_handle(self->a);
	int fd;

	fd = dmaadd_buffer_export_dmabuf(self->a, 0);
	ASSERT_LE(0, fd);
	fake.query.errs[0] = EIO;
	EXPECT_NULL_ERRNO(EIO, dmaadd_buffer_import_dmabuf(self->dev, fd));
	EXPECT_FALSE(was_freed(handle));
	EXPECT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, self->a,
					   self->b, 1, 0));
	close(fd);
}

TEST_F(fake, import_upgrades_a_read_only_shared_handle)
{
	uint32_t handle = dmaadd_buffer_get_handle(self->a);
	struct dmaadd_buffer *ro_buf, *rw_buf;
	int fd, ro;

	fd = dmaadd_buffer_export_dmabuf(self->a, 0);
	ro = dmaadd_buffer_export_dmabuf(self->a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, ro);
	/* Only the dma-bufs hold the buffer now. */
	dmaadd_buffer_free(self->a);
	self->a = NULL;
	ASSERT_TRUE(was_freed(handle));

	/* Back through the read-only one: a new, read-only handle. */
	ro_buf = dmaadd_buffer_import_dmabuf(self->dev, ro);
	ASSERT_NE(NULL, ro_buf);
	EXPECT_NE(handle, dmaadd_buffer_get_handle(ro_buf));
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_get_kind(ro_buf));
	EXPECT_TRUE(dmaadd_buffer_is_read_only(ro_buf));
	EXPECT_ERRNO(EACCES, dmaadd_buffer_export_dmabuf(ro_buf, 0));

	/* Then through the writable one: the same handle, now writable. */
	rw_buf = dmaadd_buffer_import_dmabuf(self->dev, fd);
	ASSERT_NE(NULL, rw_buf);
	EXPECT_EQ(dmaadd_buffer_get_handle(ro_buf),
		  dmaadd_buffer_get_handle(rw_buf));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(rw_buf));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(ro_buf));

	dmaadd_buffer_free(ro_buf);
	dmaadd_buffer_free(rw_buf);
	close(fd);
	close(ro);
}

TEST_F(fake, userptr_wraps_without_mapping)
{
	struct dmaadd_buffer *buf;
	char *mem = malloc(10000);
	uint32_t handle;

	ASSERT_NE(NULL, mem);
	buf = dmaadd_buffer_wrap_userptr(self->dev, mem + 3, 9000, 0);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ((uintptr_t)(mem + 3), fake.last_userptr.addr);
	EXPECT_EQ(9000, fake.last_userptr.length);
	EXPECT_EQ(0, fake.last_userptr.flags);
	EXPECT_EQ(mem + 3, dmaadd_buffer_get_data(buf));
	EXPECT_EQ(9000, dmaadd_buffer_get_length(buf));
	EXPECT_EQ(DMAADD_BUF_KIND_USERPTR, dmaadd_buffer_get_kind(buf));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(buf));
	EXPECT_EQ(self->dev, dmaadd_buffer_get_device(buf));
	handle = dmaadd_buffer_get_handle(buf);
	EXPECT_EQ(4, handle);

	dmaadd_buffer_free(buf);
	EXPECT_TRUE(was_freed(handle));
	/* Nothing was unmapped: the memory is still the caller's. */
	mem[9999] = 1;
	free(mem);
}

TEST_F(fake, userptr_read_only)
{
	static const uint32_t input[1024];
	struct dmaadd_buffer *buf;
	struct dmaadd_job_desc job;

	buf = dmaadd_buffer_wrap_userptr(self->dev, (void *)input,
					 sizeof(input),
					 DMAADD_USERPTR_READ_ONLY);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(DMAADD_USERPTR_READ_ONLY, fake.last_userptr.flags);
	EXPECT_TRUE(dmaadd_buffer_is_read_only(buf));

	job = job_abc(self, 1);
	job.c.buffer = buf;
	EXPECT_ERRNO(EACCES, dmaadd_device_submit(self->dev, &job, NULL));
	job = job_abc(self, 1);
	job.b.buffer = buf;
	EXPECT_EQ(0, dmaadd_device_submit(self->dev, &job, NULL));
	dmaadd_buffer_free(buf);
}

TEST_F(fake, userptr_errors)
{
	char mem[64];

	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_wrap_userptr(self->dev, NULL, 64, 0));
	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_wrap_userptr(self->dev, mem, 0, 0));
	EXPECT_EQ(0, fake.userptr.calls);
	/* The kernel's checks come through. */
	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_wrap_userptr(self->dev, mem, 64, 2));
	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_wrap_userptr(self->dev, mem,
						     FAKE_MAX_BUFFER + 1, 0));
	fake.userptr.calls = 0;
	fake.userptr.errs[0] = EFAULT;
	fake.userptr.errs[1] = ENOMEM;
	fake.userptr.errs[2] = EINTR;
	EXPECT_NULL_ERRNO(EFAULT,
			  dmaadd_buffer_wrap_userptr(self->dev, mem, 64, 0));
	EXPECT_NULL_ERRNO(ENOMEM,
			  dmaadd_buffer_wrap_userptr(self->dev, mem, 64, 0));
	EXPECT_EQ(0, fake.nfreed);
	/* EINTR is retried. */
	{
		struct dmaadd_buffer *buf =
			dmaadd_buffer_wrap_userptr(self->dev, mem, 64, 0);

		ASSERT_NE(NULL, buf);
		EXPECT_EQ(4, fake.userptr.calls);
		dmaadd_buffer_free(buf);
	}
}

TEST_F(fake, buffer_info_snapshot)
{
	struct dmaadd_buffer_info *info;
	char mem[5000];
	struct dmaadd_buffer *u;

	info = dmaadd_buffer_get_info(self->a);
	ASSERT_NE(NULL, info);
	EXPECT_EQ(dmaadd_buffer_get_handle(self->a), fake.last_query.handle);
	EXPECT_EQ(sizeof(struct dmaadd_buf_query), fake.last_query.size);
	EXPECT_EQ(0, fake.last_query.nr_addrs);
	EXPECT_EQ(0, fake.last_query.addrs_ptr);
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_info_get_kind(info));
	EXPECT_EQ(4096, dmaadd_buffer_info_get_length(info));
	EXPECT_EQ(1, dmaadd_buffer_info_get_cpu_pages(info));
	EXPECT_EQ(1, dmaadd_buffer_info_get_cpu_segments(info));
	EXPECT_EQ(3, dmaadd_buffer_info_get_dma_segments(info));
	EXPECT_EQ(DMAADD_BUF_IOVA, dmaadd_buffer_info_get_flags(info));
	EXPECT_TRUE(dmaadd_buffer_info_is_iova(info));
	EXPECT_FALSE(dmaadd_buffer_info_is_streaming(info));
	EXPECT_FALSE(dmaadd_buffer_info_is_read_only(info));
	/* A snapshot: it outlives the buffer. */
	dmaadd_buffer_free(self->a);
	self->a = NULL;
	EXPECT_EQ(4096, dmaadd_buffer_info_get_length(info));
	dmaadd_buffer_info_free(info);

	u = dmaadd_buffer_wrap_userptr(self->dev, mem, sizeof(mem),
				       DMAADD_USERPTR_READ_ONLY);
	ASSERT_NE(NULL, u);
	info = dmaadd_buffer_get_info(u);
	ASSERT_NE(NULL, info);
	EXPECT_EQ(DMAADD_BUF_KIND_USERPTR, dmaadd_buffer_info_get_kind(info));
	EXPECT_TRUE(dmaadd_buffer_info_is_streaming(info));
	EXPECT_TRUE(dmaadd_buffer_info_is_read_only(info));
	dmaadd_buffer_info_free(info);
	dmaadd_buffer_free(u);
}

TEST_F(fake, buffer_info_errors)
{
	fake.query.errs[0] = ENOENT;
	fake.query.errs[1] = EINTR;
	EXPECT_NULL_ERRNO(ENOENT, dmaadd_buffer_get_info(self->a));
	/* EINTR is retried. */
	dmaadd_buffer_info_free(dmaadd_buffer_get_info(self->a));
	EXPECT_EQ(3, fake.query.calls);
}

TEST_F(fake, dma_segments_need_cap_sys_admin)
{
	struct dmaadd_dma_segment segs[4];

	/* Counting needs no privilege and no array. */
	EXPECT_EQ(3, dmaadd_buffer_query_dma_segments(self->a, NULL, 0));
	EXPECT_EQ(0, fake.last_query.nr_addrs);
	EXPECT_EQ(0, fake.last_query.addrs_ptr);

	fake.cap_sys_admin = false;
	EXPECT_ERRNO(EPERM, dmaadd_buffer_query_dma_segments(self->a, segs, 4));
	EXPECT_EQ(4, fake.last_query.nr_addrs);
}

TEST_F(fake, dma_segments_fill_at_most_max)
{
	struct dmaadd_dma_segment segs[4];

	fake.cap_sys_admin = true;
	memset(segs, 0xff, sizeof(segs));
	EXPECT_EQ(3, dmaadd_buffer_query_dma_segments(self->a, segs, 4));
	EXPECT_EQ((uintptr_t)segs, fake.last_query.addrs_ptr);
	EXPECT_EQ(0x100000ULL, segs[0].addr);
	EXPECT_EQ(4096, segs[0].len);
	EXPECT_EQ(0x300000ULL, segs[2].addr);
	EXPECT_EQ(UINT64_MAX, segs[3].addr);

	/* Fewer entries than segments: those, and the full count. */
	memset(segs, 0xff, sizeof(segs));
	EXPECT_EQ(3, dmaadd_buffer_query_dma_segments(self->a, segs, 1));
	EXPECT_EQ(1, fake.last_query.nr_addrs);
	EXPECT_EQ(0x100000ULL, segs[0].addr);
	EXPECT_EQ(UINT64_MAX, segs[1].addr);

	/* A huge max is clamped to the uapi's 32 bits, not wrapped. */
	if (SIZE_MAX > UINT32_MAX) {
		EXPECT_EQ(3, dmaadd_buffer_query_dma_segments(self->a, segs,
							      (size_t)UINT32_MAX + 2));
		EXPECT_EQ(UINT32_MAX, fake.last_query.nr_addrs);
	}
}

/* ------------------------------------------------------------------------ */
/* Fences and batches (1.2) against the stand-in kernel                     */
/* ------------------------------------------------------------------------ */

/* Offsets of the members 1.2 appended, within the 1.2 struct. */
#define IN_FENCE_END \
	(offsetof(struct dmaadd_job_desc, in_fence_fd) + sizeof(int))

static bool is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

TEST(job_desc_layout)
{
	/* 1.0 and 1.1 end after c; 1.2 appends, so old binaries still fit. */
	EXPECT_EQ(offsetof(struct dmaadd_job_desc, c) +
		  sizeof(struct dmaadd_job_operand), DMAADD_JOB_DESC_SIZE_VER0);
	EXPECT_EQ(DMAADD_JOB_DESC_SIZE_VER0,
		  offsetof(struct dmaadd_job_desc, in_fence_fd));
	/* No hidden padding: every byte of the struct is a named member. */
	EXPECT_EQ(sizeof(struct dmaadd_job_desc),
		  offsetof(struct dmaadd_job_desc, __reserved) +
		  sizeof(uint32_t));
	EXPECT_NE(DMAADD_JOB_IN_FENCE, DMAADD_JOB_OUT_FENCE);
}

TEST_F(fake, submit_fence_out_fence)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	uint64_t id = 0;
	int out = 1234, err = -1;

	job.flags = DMAADD_JOB_OUT_FENCE;
	ASSERT_EQ(0, dmaadd_device_submit_fence(self->dev, &job, &id, &out));
	EXPECT_EQ(1, id);
	EXPECT_EQ(DMAADD_SUBMIT_OUT_FENCE, fake.last_submit.flags);
	EXPECT_EQ(0, fake.last_submit.in_fence_fd);
	EXPECT_EQ(0, fake.last_submit.out_fence_fd);
	ASSERT_LE(0, out);
	EXPECT_TRUE(is_cloexec(out));
	EXPECT_EQ(0, dmaadd_fence_wait(out, 0));
	EXPECT_EQ(1, dmaadd_fence_get_status(out, &err));
	EXPECT_EQ(0, err);
	EXPECT_EQ(0, close(out));
}

TEST_F(fake, submit_fence_without_flags_gives_minus_one)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	int out = 1234;

	ASSERT_EQ(0, dmaadd_device_submit_fence(self->dev, &job, NULL, &out));
	EXPECT_EQ(-1, out);
	EXPECT_EQ(0, fake.last_submit.flags);
	/* A job without out-fence needs no place for one. */
	ASSERT_EQ(0, dmaadd_device_submit_fence(self->dev, &job, NULL, NULL));
}

TEST_F(fake, submit_in_fence_is_passed_on)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	int in = fake_fence_new(false, 0);

	ASSERT_LE(0, in);
	job.flags = DMAADD_JOB_IN_FENCE;
	job.in_fence_fd = in;
	/* The plain submit takes an in-fence since 1.2. */
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_EQ(DMAADD_SUBMIT_IN_FENCE, fake.last_submit.flags);
	EXPECT_EQ((uint32_t)in, fake.last_submit.in_fence_fd);
	close(in);
}

/* fd 0 is a descriptor like any other: the flag, not the value, counts. */
TEST_F(fake, submit_in_fence_fd_zero_reaches_the_kernel)
{
	struct dmaadd_job_desc job = job_abc(self, 1);

	job.flags = DMAADD_JOB_IN_FENCE;
	job.in_fence_fd = 0;
	/* The stand-in's stdin is no fence: the kernel's EINVAL. */
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_EQ(1, fake.submit.calls);
	EXPECT_EQ(DMAADD_SUBMIT_IN_FENCE, fake.last_submit.flags);
	EXPECT_EQ(0, fake.last_submit.in_fence_fd);
}

TEST_F(fake, submit_out_fence_needs_a_place)
{
	struct dmaadd_job_desc job = job_abc(self, 1);

	job.flags = DMAADD_JOB_OUT_FENCE;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_fence(self->dev, &job, NULL,
							NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_run(self->dev, &job, 0, NULL));
	EXPECT_EQ(0, fake.submit.calls);
}

TEST_F(fake, submit_in_fence_fd_without_flag)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	int out = 1234;

	job.in_fence_fd = 3;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_fence(self->dev, &job, NULL,
							&out));
	job.in_fence_fd = -1;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_fence(self->dev, &job, NULL,
							&out));
	EXPECT_EQ(1234, out);
	EXPECT_EQ(0, fake.submit.calls);
}

TEST_F(fake, submit_negative_in_fence_fd)
{
	struct dmaadd_job_desc job = job_abc(self, 1);

	job.flags = DMAADD_JOB_IN_FENCE;
	job.in_fence_fd = -1;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_EQ(0, fake.submit.calls);
}

TEST_F(fake, submit_unknown_flag)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	int out = 1234;

	job.flags = DMAADD_JOB_OUT_FENCE | 1U << 2;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_fence(self->dev, &job, NULL,
							&out));
	EXPECT_EQ(0, fake.submit.calls);
}

TEST_F(fake, submit_reserved_is_e2big)
{
	struct dmaadd_job_desc job = job_abc(self, 1);

	job.__reserved = 1;
	EXPECT_ERRNO(E2BIG, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_EQ(0, fake.submit.calls);
}

/* A binary built against 1.1: its struct ends after c. */
TEST_F(fake, submit_first_version_size)
{
	struct dmaadd_job_desc job = job_abc(self, 100);
	uint64_t id = 0;
	int out = 1234;

	job.size = DMAADD_JOB_DESC_SIZE_VER0;
	/* Beyond its size: whatever is there is not read. */
	job.in_fence_fd = 77;
	job.__reserved = 0xdeadbeef;
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(1, id);
	EXPECT_EQ(0, fake.last_submit.flags);
	EXPECT_EQ(0, fake.last_submit.in_fence_fd);
	EXPECT_EQ(100, fake.last_submit.count);
	ASSERT_EQ(0, dmaadd_device_submit_fence(self->dev, &job, &id, &out));
	EXPECT_EQ(2, id);
	EXPECT_EQ(-1, out);
	ASSERT_EQ(0, dmaadd_device_run(self->dev, &job, 0, NULL));
	EXPECT_EQ(3, fake.submit.calls);
}

/* An out-fence needs no new member; an in-fence needs in_fence_fd. */
TEST_F(fake, submit_first_version_size_with_fence_flags)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	int in = fake_fence_new(true, 0), out = -1;

	ASSERT_LE(0, in);
	job.size = DMAADD_JOB_DESC_SIZE_VER0;
	job.flags = DMAADD_JOB_OUT_FENCE;
	ASSERT_EQ(0, dmaadd_device_submit_fence(self->dev, &job, NULL, &out));
	ASSERT_LE(0, out);
	close(out);

	job.flags = DMAADD_JOB_IN_FENCE;
	job.in_fence_fd = in;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	job.size = IN_FENCE_END;	/* just enough */
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_EQ((uint32_t)in, fake.last_submit.in_fence_fd);
	EXPECT_EQ(2, fake.submit.calls);
	close(in);
}

TEST_F(fake, submit_fence_failure_creates_nothing)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	uint64_t id = 99;
	int out = 1234;

	job.flags = DMAADD_JOB_OUT_FENCE;
	fake.submit.errs[0] = EMFILE;
	EXPECT_ERRNO(EMFILE, dmaadd_device_submit_fence(self->dev, &job, &id,
							&out));
	EXPECT_EQ(1234, out);
	EXPECT_EQ(99, id);
}

TEST_F(fake, fences_need_api_version_2)
{
	struct dmaadd_job_desc job;
	const struct dmaadd_job_desc *jobs[1] = { &job };
	struct dmaadd_buffer *a, *b, *c;
	struct dmaadd_device *old;
	size_t index = 99;
	int out = 1234;

	fake.api_version = 1;
	old = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, old);
	a = dmaadd_buffer_alloc(old, 4096);
	b = dmaadd_buffer_alloc(old, 4096);
	c = dmaadd_buffer_alloc(old, 4096);
	ASSERT_NE(NULL, c);
	job = (struct dmaadd_job_desc){
		.size = sizeof(job),
		.op = DMAADD_OP_ADD_I32,
		.count = 1,
		.a = { .buffer = a },
		.b = { .buffer = b },
		.c = { .buffer = c },
		.flags = DMAADD_JOB_OUT_FENCE,
	};
	EXPECT_ERRNO(EOPNOTSUPP, dmaadd_device_submit_fence(old, &job, NULL,
							    &out));
	EXPECT_EQ(1234, out);
	EXPECT_ERRNO(EOPNOTSUPP, dmaadd_device_submit_batch(old, jobs, 1, NULL,
							    NULL, &index));
	EXPECT_EQ(1, index);
	EXPECT_EQ(0, fake.submit.calls);
	EXPECT_EQ(0, fake.batch.calls);
	/* Without fences, an old module is as good as ever. */
	job.flags = 0;
	EXPECT_EQ(0, dmaadd_device_submit_fence(old, &job, NULL, &out));
	EXPECT_EQ(-1, out);
	dmaadd_buffer_free(a);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(c);
	dmaadd_device_close(old);
}

TEST_F(fake, batch_translates_every_job)
{
	struct dmaadd_job_desc j0 = job_abc(self, 1), j1 = job_abc(self, 2);
	struct dmaadd_job_desc j2 = job_abc(self, 3);
	const struct dmaadd_job_desc *jobs[] = { &j0, &j1, &j2 };
	int in = fake_fence_new(true, 0), outs[3] = { 7, 7, 7 };
	size_t index = 99;
	uint64_t first = 0;

	ASSERT_LE(0, in);
	/* Job ids go on from the single submissions. */
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &j0, NULL));
	j1.flags = DMAADD_JOB_OUT_FENCE | DMAADD_JOB_IN_FENCE;
	j1.in_fence_fd = in;
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, 3, &first,
						outs, &index));
	EXPECT_EQ(2, first);
	EXPECT_EQ(99, index);	/* only written on failure */
	EXPECT_EQ(sizeof(struct dmaadd_submit_batch), fake.last_batch.size);
	EXPECT_EQ(3, fake.last_batch.count);
	EXPECT_EQ(sizeof(struct dmaadd_submit), fake.last_batch.stride);
	EXPECT_EQ(1, fake.batch_jobs[0].count);
	EXPECT_EQ(3, fake.batch_jobs[2].count);
	EXPECT_EQ(dmaadd_buffer_get_handle(self->c), fake.batch_jobs[2].c.handle);
	EXPECT_EQ(12, fake.batch_jobs[2].c.offset);
	EXPECT_EQ(DMAADD_SUBMIT_OUT_FENCE | DMAADD_SUBMIT_IN_FENCE,
		  fake.batch_jobs[1].flags);
	EXPECT_EQ((uint32_t)in, fake.batch_jobs[1].in_fence_fd);
	EXPECT_EQ(0, fake.batch_jobs[0].flags);
	EXPECT_EQ(-1, outs[0]);
	EXPECT_EQ(-1, outs[2]);
	ASSERT_LE(0, outs[1]);
	EXPECT_TRUE(is_cloexec(outs[1]));
	EXPECT_EQ(0, dmaadd_fence_wait(outs[1], DMAADD_WAIT_FOREVER));
	close(outs[1]);
	close(in);
	/* Optional outputs. */
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, 1, NULL, NULL,
						NULL));
	EXPECT_EQ(6, fake.next_job);
}

/* Each entry keeps its own size: 1.1-sized, newer with a zero tail. */
TEST_F(fake, batch_entries_of_several_sizes)
{
	struct {
		struct dmaadd_job_desc job;
		uint64_t newer_member;
	} newer = { .job = job_abc(self, 2) };
	struct dmaadd_job_desc old = job_abc(self, 1);
	const struct dmaadd_job_desc *jobs[] = { &old, &newer.job };
	size_t index = 99;
	uint64_t first;

	old.size = DMAADD_JOB_DESC_SIZE_VER0;
	old.in_fence_fd = 5;	/* beyond its size */
	newer.job.size = sizeof(newer);
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, 2, &first,
						NULL, &index));
	EXPECT_EQ(1, first);
	EXPECT_EQ(0, fake.batch_jobs[0].in_fence_fd);
	EXPECT_EQ(2, fake.batch_jobs[1].count);

	newer.newer_member = 1;
	EXPECT_ERRNO(E2BIG, dmaadd_device_submit_batch(self->dev, jobs, 2,
						       &first, NULL, &index));
	EXPECT_EQ(1, index);
	EXPECT_EQ(1, fake.batch.calls);
}

TEST_F(fake, batch_count_zero)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	const struct dmaadd_job_desc *jobs[] = { &job };
	size_t index = 99;

	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, jobs, 0,
							NULL, NULL, &index));
	EXPECT_EQ(0, index);
	EXPECT_EQ(0, fake.batch.calls);
}

TEST_F(fake, batch_count_above_max_jobs_in_flight)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	const struct dmaadd_job_desc *jobs[FAKE_MAX_BATCH + 1];
	size_t index = 99, i;

	for (i = 0; i <= FAKE_MAX_BATCH; i++)
		jobs[i] = &job;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, jobs,
							FAKE_MAX_BATCH + 1,
							NULL, NULL, &index));
	EXPECT_EQ(FAKE_MAX_BATCH + 1, index);
	EXPECT_EQ(0, fake.batch.calls);
	/* The maximum itself is fine. */
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs,
						FAKE_MAX_BATCH, NULL, NULL,
						&index));
}

TEST_F(fake, batch_null_arguments)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	const struct dmaadd_job_desc *jobs[] = { &job, NULL };
	size_t index = 99;

	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(NULL, jobs, 1, NULL,
							NULL, &index));
	EXPECT_EQ(1, index);
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, NULL, 1,
							NULL, NULL, NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, jobs, 2,
							NULL, NULL, &index));
	EXPECT_EQ(1, index);
	EXPECT_EQ(0, fake.batch.calls);
}

/* The library's own checks name the job too, and send nothing. */
TEST_F(fake, batch_library_refuses_one_job)
{
	struct dmaadd_job_desc jd[4] = {
		job_abc(self, 1), job_abc(self, 1),
		job_abc(self, 1), job_abc(self, 1),
	};
	const struct dmaadd_job_desc *jobs[] = { &jd[0], &jd[1], &jd[2], &jd[3] };
	struct dmaadd_device *other;
	struct dmaadd_buffer *foreign;
	uint64_t first = 99;
	int outs[4] = { 7, 7, 7, 7 };
	size_t index = 99;

	other = dmaadd_device_open("/dev/zero");
	ASSERT_NE(NULL, other);
	foreign = dmaadd_buffer_alloc(other, 4096);
	ASSERT_NE(NULL, foreign);

	jd[2].b.buffer = foreign;
	EXPECT_ERRNO(EXDEV, dmaadd_device_submit_batch(self->dev, jobs, 4,
						       &first, outs, &index));
	EXPECT_EQ(2, index);
	jd[2] = job_abc(self, 1);

	jd[3].flags = DMAADD_JOB_OUT_FENCE;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, jobs, 4,
							&first, NULL, &index));
	EXPECT_EQ(3, index);
	jd[3] = job_abc(self, 1);

	jd[1].size = 8;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, jobs, 4,
							&first, outs, &index));
	EXPECT_EQ(1, index);

	EXPECT_EQ(0, fake.batch.calls);
	EXPECT_EQ(99, first);
	EXPECT_EQ(7, outs[0]);
	dmaadd_buffer_free(foreign);
	dmaadd_device_close(other);
}

TEST_F(fake, batch_kernel_error_index_comes_back)
{
	struct dmaadd_job_desc jd[3] = {
		job_abc(self, 1), job_abc(self, 1), job_abc(self, 1),
	};
	const struct dmaadd_job_desc *jobs[] = { &jd[0], &jd[1], &jd[2] };
	struct dmaadd_buffer *ro;
	static const uint32_t mem[16];
	size_t index = 99;
	uint64_t first = 99;
	int outs[3] = { 7, 7, 7 };

	ro = dmaadd_buffer_wrap_userptr(self->dev, (void *)mem, sizeof(mem),
					DMAADD_USERPTR_READ_ONLY);
	ASSERT_NE(NULL, ro);
	jd[0].flags = DMAADD_JOB_OUT_FENCE;
	jd[2].c.buffer = ro;
	jd[2].c.offset = 0;
	EXPECT_ERRNO(EACCES, dmaadd_device_submit_batch(self->dev, jobs, 3,
							&first, outs, &index));
	EXPECT_EQ(2, index);
	EXPECT_EQ(99, first);
	EXPECT_EQ(7, outs[0]);
	EXPECT_EQ(1, fake.next_job);	/* no id used */
	dmaadd_buffer_free(ro);
}

TEST_F(fake, batch_error_not_of_one_job)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	const struct dmaadd_job_desc *jobs[] = { &job, &job };
	size_t index = 99;

	/* Refused before any job was looked at: error_index not written. */
	fake.batch.errs[0] = ENOMEM;
	EXPECT_ERRNO(ENOMEM, dmaadd_device_submit_batch(self->dev, jobs, 2,
							NULL, NULL, &index));
	EXPECT_EQ(2, index);
	EXPECT_EQ(2, fake.last_batch.error_index);
}

TEST_F(fake, batch_retries_eintr_not_eagain)
{
	struct dmaadd_job_desc job = job_abc(self, 1);
	const struct dmaadd_job_desc *jobs[] = { &job, &job };
	uint64_t first = 0;
	size_t index = 99;

	fake.batch.errs[0] = EINTR;
	fake.batch.errs[1] = EAGAIN;
	EXPECT_ERRNO(EAGAIN, dmaadd_device_submit_batch(self->dev, jobs, 2,
							&first, NULL, &index));
	EXPECT_EQ(2, fake.batch.calls);
	EXPECT_EQ(2, index);
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, 2, &first,
						NULL, NULL));
	EXPECT_EQ(1, first);
}

/* ------------------------------------------------------------------------ */
/* Fence helpers against stand-in fences                                    */
/* ------------------------------------------------------------------------ */

TEST(fence_wait_signalled)
{
	int ok = fake_fence_new(true, 0), err;

	ASSERT_LE(0, ok);
	EXPECT_EQ(0, dmaadd_fence_wait(ok, 0));
	EXPECT_EQ(0, dmaadd_fence_wait(ok, 1000));
	EXPECT_EQ(0, dmaadd_fence_wait(ok, DMAADD_WAIT_FOREVER));
	err = -1;
	EXPECT_EQ(1, dmaadd_fence_get_status(ok, &err));
	EXPECT_EQ(0, err);
	EXPECT_EQ(1, dmaadd_fence_get_status(ok, NULL));
	EXPECT_EQ(0, fake.bad_arg);
}

TEST(fence_wait_error_is_eio)
{
	int fault = fake_fence_new(true, -EIO);
	int invalid = fake_fence_new(true, -EINVAL);
	int err;

	ASSERT_LE(0, fault);
	ASSERT_LE(0, invalid);
	EXPECT_ERRNO(EIO, dmaadd_fence_wait(fault, DMAADD_WAIT_FOREVER));
	EXPECT_ERRNO(EIO, dmaadd_fence_wait(invalid, 0));
	/* The status tells them apart. */
	EXPECT_EQ(1, dmaadd_fence_get_status(fault, &err));
	EXPECT_EQ(EIO, err);
	EXPECT_EQ(1, dmaadd_fence_get_status(invalid, &err));
	EXPECT_EQ(EINVAL, err);
}

TEST(fence_pending)
{
	int pending = fake_fence_new(false, 0), err = -1;
	uint64_t t0;

	ASSERT_LE(0, pending);
	EXPECT_EQ(0, dmaadd_fence_get_status(pending, &err));
	EXPECT_EQ(0, err);
	EXPECT_ERRNO(ETIMEDOUT, dmaadd_fence_wait(pending, 0));
	t0 = mono_ns();
	EXPECT_ERRNO(ETIMEDOUT, dmaadd_fence_wait(pending, 50000000LL));
	EXPECT_LE(t0 + 50000000ULL, mono_ns());
}

static void *signal_later(void *arg)
{
	usleep(20000);
	fake_fence_signal(*(int *)arg, 0);
	return NULL;
}

TEST(fence_wait_wakes_up_when_signalled)
{
	int pending = fake_fence_new(false, 0);
	pthread_t thread;

	ASSERT_LE(0, pending);
	ASSERT_EQ(0, pthread_create(&thread, NULL, signal_later, &pending));
	EXPECT_EQ(0, dmaadd_fence_wait(pending, DMAADD_WAIT_FOREVER));
	pthread_join(thread, NULL);
}

static volatile sig_atomic_t alarms;

static void count_alarm(int __attribute__((unused)) sig)
{
	alarms++;
}

/* Signals neither end the wait nor restart its timeout. */
TEST(fence_wait_signals_keep_the_deadline)
{
	struct sigaction sa = { .sa_handler = count_alarm };	/* no SA_RESTART */
	const struct itimerval every_ms = {
		.it_interval = { .tv_usec = 1000 },
		.it_value = { .tv_usec = 1000 },
	};
	const struct itimerval off = { 0 };
	int pending = fake_fence_new(false, 0);
	uint64_t t0, elapsed;

	ASSERT_LE(0, pending);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every_ms, NULL));
	t0 = mono_ns();
	errno = 0;
	EXPECT_EQ(-1, dmaadd_fence_wait(pending, 200000000LL));
	elapsed = mono_ns() - t0;
	setitimer(ITIMER_REAL, &off, NULL);
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(200000000ULL, elapsed);
	EXPECT_GT(2000000000ULL, elapsed);
	EXPECT_LT(10, alarms);
	TH_LOG("%d signals, %llu ms", (int)alarms,
	       (unsigned long long)elapsed / 1000000);
}

TEST(fence_bad_descriptors)
{
	int pipefd[2], fd;

	EXPECT_ERRNO(EBADF, dmaadd_fence_wait(-1, 0));
	EXPECT_ERRNO(EBADF, dmaadd_fence_get_status(-1, NULL));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	/* Not a sync_file: the pipe says ENOTTY, the library EINVAL. */
	EXPECT_ERRNO(EINVAL, dmaadd_fence_wait(pipefd[0], DMAADD_WAIT_FOREVER));
	EXPECT_ERRNO(EINVAL, dmaadd_fence_get_status(pipefd[0], NULL));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_ERRNO(EBADF, dmaadd_fence_wait(pipefd[0], 0));
	fd = fake_fence_new(true, 0);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EINVAL, dmaadd_fence_wait(fd, -2));
	EXPECT_ERRNO(EINVAL, dmaadd_fence_wait(fd, INT64_MIN));
	EXPECT_EQ(0, fake.fence_info.calls);
}

TEST(fence_info_errors_pass_through)
{
	int fd = fake_fence_new(true, 0);

	ASSERT_LE(0, fd);
	fake.fence_info.errs[0] = ENOMEM;
	fake.fence_info.errs[1] = EINTR;
	EXPECT_ERRNO(ENOMEM, dmaadd_fence_wait(fd, 0));
	EXPECT_EQ(0, dmaadd_fence_wait(fd, 0));
	EXPECT_EQ(3, fake.fence_info.calls);
}

TEST(fence_merge)
{
	int f1 = fake_fence_new(true, 0), f2 = fake_fence_new(false, 0);
	int merged, err;

	ASSERT_LE(0, f1);
	ASSERT_LE(0, f2);
	merged = dmaadd_fence_merge(f1, f2);
	ASSERT_LE(0, merged);
	EXPECT_TRUE(is_cloexec(merged));
	EXPECT_EQ((uint32_t)f2, fake.last_merge.fd2);
	EXPECT_STREQ("dmaadd-merge", fake.last_merge.name);
	EXPECT_EQ(0, dmaadd_fence_get_status(merged, &err));
	close(merged);

	fake_fence_signal(f2, -EIO);
	merged = dmaadd_fence_merge(f1, f2);
	ASSERT_LE(0, merged);
	EXPECT_ERRNO(EIO, dmaadd_fence_wait(merged, 0));
	close(merged);
	EXPECT_FALSE(fake.bad_arg);
}

TEST(fence_merge_errors)
{
	int f = fake_fence_new(true, 0), pipefd[2];

	ASSERT_LE(0, f);
	EXPECT_ERRNO(EBADF, dmaadd_fence_merge(-1, f));
	EXPECT_ERRNO(EBADF, dmaadd_fence_merge(f, -1));
	EXPECT_EQ(0, fake.merge.calls);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	/* The first one's file does not know the ioctl (ENOTTY). */
	EXPECT_ERRNO(EINVAL, dmaadd_fence_merge(pipefd[0], f));
	/* The kernel says ENOENT for a second one that is no sync_file... */
	EXPECT_ERRNO(EINVAL, dmaadd_fence_merge(f, pipefd[0]));
	close(pipefd[0]);
	close(pipefd[1]);
	/* ...and for one that is not open at all. */
	EXPECT_ERRNO(EBADF, dmaadd_fence_merge(f, pipefd[0]));
	EXPECT_ERRNO(EBADF, dmaadd_fence_merge(pipefd[0], f));
	fake.merge.calls = 0;
	fake.merge.errs[0] = EMFILE;
	EXPECT_ERRNO(EMFILE, dmaadd_fence_merge(f, f));
}

TEST_HARNESS_MAIN
