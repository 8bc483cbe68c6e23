/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the dmaadd kernel-interface tests.
 *
 * Modelled on tools/testing/selftests/iommu/iommufd_utils.h: every ioctl has
 * a trio of helpers, _test_ioctl_x() returns the ioctl's result,
 * test_ioctl_x() asserts that it succeeds and test_err_x(errno, ...) that it
 * fails with exactly that errno. The macros use the fixture's self->fd.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef __DMAADD_TEST_H
#define __DMAADD_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <linux/dmaadd.h>

#include "kselftest_harness.h"

#define DMAADD_MAX_DEVICES	16

#define SZ_4K		0x1000ULL
#define SZ_64K		0x10000ULL
#define SZ_128K		0x20000ULL
#define SZ_1M		0x100000ULL
#define SZ_4M		0x400000ULL
#define SZ_64M		0x4000000ULL

#define SZ_256M		0x10000000ULL

/*
 * Largest run of physically contiguous pages the page allocator gives
 * (order 10 on 6.1 and 6.12): the most DMAADD_BUF_CONTIGUOUS gives without
 * an IOMMU, and every device's minimum max_buffer_size.
 */
#define DMAADD_COHERENT_MAX	SZ_4M
/* swiotlb's largest mapping: the most DMAADD_BUF_CONTIGUOUS gives there. */
#define DMAADD_BOUNCE_MAX	0x40000ULL
/* A buffer of many runs without an IOMMU, one IOVA range with one. */
#define DMAADD_BIG		SZ_64M

#define ELEM_SIZE	((__u64)sizeof(__u32))

/*
 * The 6.1 harness runs the test body even after SKIP() in FIXTURE_SETUP().
 * Leave the test's child with the exit code the harness reads as "skipped"
 * instead; the reason has already been written to the shared results page.
 */
#define HARNESS_SKIP_EXIT	255
#define SKIP_SETUP(fmt, ...) SKIP(_exit(HARNESS_SKIP_EXIT), fmt, ##__VA_ARGS__)

/*
 * ASSERT_*() and EXPECT_*() expand to more than one statement: under an
 * if, else or for they need braces even when they are the only statement.
 */
#define EXPECT_ERRNO(expected_errno, cmd)		\
	({						\
		ASSERT_EQ(-1, cmd);			\
		EXPECT_EQ(expected_errno, errno);	\
	})

#define OPND(_handle, _offset) \
	((struct dmaadd_operand){ .handle = (_handle), .offset = (_offset) })

static inline const char *dmaadd_backend_name(__u32 backend)
{
	switch (backend) {
	case DMAADD_BACKEND_PLATFORM:
		return "platform";
	case DMAADD_BACKEND_PCI:
		return "pci";
	}
	return "unknown";
}

static inline __u64 dmaadd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline __u64 dmaadd_page_size(void)
{
	return (__u64)sysconf(_SC_PAGESIZE);
}

static inline __u64 dmaadd_page_round(__u64 len)
{
	__u64 page = dmaadd_page_size();

	return (len + page - 1) & ~(page - 1);
}

/*
 * The number after @key in a /proc file of "key value" lines
 * (proc_field("/proc/meminfo", "CmaTotal:"), in kB there;
 * proc_field("/proc/vmstat", "nr_foll_pin_acquired ")); 0 when absent.
 */
static inline unsigned long long proc_field(const char *path, const char *key)
{
	unsigned long long v = 0;
	size_t len = strlen(key);
	char line[128];
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len)) {
			v = strtoull(line + len, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static inline unsigned long long meminfo_kib(const char *field)
{
	return proc_field("/proc/meminfo", field);
}

/*
 * Device-wide counts of live objects, from debugfs stats (root): buffer
 * objects and file states, whoever holds them. Leak and race tests check
 * that they return to where they were.
 */
struct live {
	unsigned long long bufs, files;
};

static inline int live_read(unsigned int index, struct live *live)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/debug/dmaadd/dmaadd%u/stats",
		 index);
	if (access(path, R_OK))
		return -1;
	live->bufs = proc_field(path, "buffers_alive ");
	live->files = proc_field(path, "files_alive ");
	return 0;
}

/* Waits (jobs may still hold objects) until the counts are back to @want. */
/*
 * Polls, up to @ms, until device @index has @want buffers and files alive
 * (the last references can be dropped by jobs still running).
 */
static inline int live_settle_for(unsigned int index, const struct live *want,
				  unsigned int ms)
{
	struct live now;
	unsigned int i;

	for (i = 0; i < ms / 10; i++) {
		if (live_read(index, &now))
			return -1;
		if (now.bufs == want->bufs && now.files == want->files)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "# live objects: %llu buffers, %llu files; expected %llu, %llu\n",
		now.bufs, now.files, want->bufs, want->files);
	return -1;
}

static inline int live_settle(unsigned int index, const struct live *want)
{
	return live_settle_for(index, want, 5000);
}

/*
 * Reads the whole of @dir/@name (a debugfs or tracefs file) into @text, at
 * most @max - 1 bytes, NUL-terminated: 0 or -1.
 */
static inline int read_text_file(const char *dir, const char *name,
				 char *text, size_t max)
{
	char path[256];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < max - 1 && (n = read(fd, text + len, max - 1 - len)) > 0)
		len += n;
	close(fd);
	text[len] = '\0';
	return 0;
}

/* Writes @value to a sysfs, procfs or debugfs file: 0 or -1. */
static inline int write_str(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(value), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, value, len);
	close(fd);
	return ret == len ? 0 : -1;
}

/* Device discovery */

/* The longest buffer DMAADD_BUF_CONTIGUOUS gives on a device (uapi). */
static inline __u64 dmaadd_contiguous_max(const struct dmaadd_info *info)
{
	if (info->caps & DMAADD_CAP_IOMMU)
		return info->max_buffer_size;
	if (info->caps & DMAADD_CAP_BOUNCE)
		return DMAADD_BOUNCE_MAX;
	return DMAADD_COHERENT_MAX;
}

static inline int dmaadd_open_index(unsigned int index, int oflags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/dmaadd%u", index);
	return open(path, O_RDWR | O_CLOEXEC | oflags);
}

static inline int _test_ioctl_info(int fd, struct dmaadd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, DMAADD_IOCTL_INFO, info);
}

#define test_ioctl_info(_info) ASSERT_EQ(0, _test_ioctl_info(self->fd, _info))

/*
 * Scan /dev/dmaadd0..15 for the first device on @backend. Returns an fd
 * opened with @oflags added and fills @info and @index, or returns -1.
 */
static inline int dmaadd_open_backend(__u32 backend, int oflags,
				      struct dmaadd_info *info,
				      unsigned int *index)
{
	unsigned int n;
	int fd;

	for (n = 0; n < DMAADD_MAX_DEVICES; n++) {
		fd = dmaadd_open_index(n, oflags);
		if (fd < 0)
			continue;
		if (!_test_ioctl_info(fd, info) && info->backend == backend) {
			*index = n;
			return fd;
		}
		close(fd);
	}
	return -1;
}

/*
 * The engine runs a small job in the submitter's context when it is idle,
 * and everything else in its thread (dmaadd_engine_kick(), debugfs
 * inline_max). Every test runs on both paths: on the platform device small
 * jobs run inline (the default, 64 KiB), on the PCI device every job goes
 * to the thread. Set at each fixture's open, since a removal test's rebind
 * makes a new device with the default. Without debugfs (not root) the
 * device keeps what it has.
 */
#define DMAADD_INLINE_DEFAULT	65536

static inline int dmaadd_set_inline_max(unsigned int index, unsigned int bytes)
{
	char path[96], val[16];

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/dmaadd/dmaadd%u/inline_max", index);
	snprintf(val, sizeof(val), "%u", bytes);
	return write_str(path, val);
}

static inline void dmaadd_set_exec_path(unsigned int index, __u32 backend)
{
	dmaadd_set_inline_max(index, backend == DMAADD_BACKEND_PCI ? 0 :
				     DMAADD_INLINE_DEFAULT);
}

/*
 * Every fixture of the suite holds these members and opens its device the
 * same way; a missing backend skips the test.
 */
#define DMAADD_FIXTURE_MEMBERS		\
	int fd;				\
	unsigned int index;		\
	__u64 page;			\
	struct dmaadd_info info

#define dmaadd_fixture_open(_backend)					\
	({								\
		__u32 __backend = (_backend);				\
		self->page = dmaadd_page_size();			\
		self->fd = dmaadd_open_backend(__backend, 0, &self->info,\
					       &self->index);		\
		if (self->fd < 0)					\
			SKIP_SETUP("no %s dmaadd device",		\
				   dmaadd_backend_name(__backend));	\
		dmaadd_set_exec_path(self->index, __backend);		\
	})

#define dmaadd_fixture_close()			\
	({					\
		if (self->fd >= 0)		\
			close(self->fd);	\
		self->fd = -1;			\
	})

/* A second open file on the fixture's device. */
#define test_open_same_device(_oflags)					\
	({								\
		int __fd = dmaadd_open_index(self->index, _oflags);	\
		ASSERT_LE(0, __fd);					\
		__fd;							\
	})

/* DMAADD_IOCTL_BUF_ALLOC */

static inline int _test_ioctl_alloc_flags(int fd, __u64 length, __u32 flags,
					  __u32 *handle, __u64 *mmap_offset)
{
	struct dmaadd_buf_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.length = length,
	};
	int ret;

	ret = ioctl(fd, DMAADD_IOCTL_BUF_ALLOC, &cmd);
	if (ret)
		return ret;
	if (handle)
		*handle = cmd.handle;
	if (mmap_offset)
		*mmap_offset = cmd.mmap_offset;
	return 0;
}

static inline int _test_ioctl_alloc(int fd, __u64 length, __u32 *handle,
				    __u64 *mmap_offset)
{
	return _test_ioctl_alloc_flags(fd, length, 0, handle, mmap_offset);
}

#define test_ioctl_alloc(_length, _handle, _mmap_offset)		\
	({								\
		__u32 *__hp = (_handle), __h = 0;			\
		ASSERT_EQ(0, _test_ioctl_alloc(self->fd, _length, &__h,	\
					       _mmap_offset));		\
		ASSERT_NE(0U, __h);					\
		if (__hp)						\
			*__hp = __h;					\
	})
#define test_err_alloc(_errno, _length) \
	EXPECT_ERRNO(_errno, _test_ioctl_alloc(self->fd, _length, NULL, NULL))
#define test_err_alloc_flags(_errno, _length, _flags)			\
	EXPECT_ERRNO(_errno, _test_ioctl_alloc_flags(self->fd, _length,	\
						     _flags, NULL, NULL))

/* DMAADD_IOCTL_BUF_FREE */

static inline int _test_ioctl_free(int fd, __u32 handle)
{
	struct dmaadd_buf_free cmd = {
		.size = sizeof(cmd),
		.handle = handle,
	};

	return ioctl(fd, DMAADD_IOCTL_BUF_FREE, &cmd);
}

#define test_ioctl_free(_handle) \
	ASSERT_EQ(0, _test_ioctl_free(self->fd, _handle))
#define test_err_free(_errno, _handle) \
	EXPECT_ERRNO(_errno, _test_ioctl_free(self->fd, _handle))

/* DMAADD_IOCTL_SUBMIT */

static inline void dmaadd_submit_init(struct dmaadd_submit *cmd, __u64 count,
				      struct dmaadd_operand a,
				      struct dmaadd_operand b,
				      struct dmaadd_operand c)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->op = DMAADD_OP_ADD_I32;
	cmd->count = count;
	cmd->a = a;
	cmd->b = b;
	cmd->c = c;
}

static inline int _test_ioctl_submit(int fd, __u64 count,
				     struct dmaadd_operand a,
				     struct dmaadd_operand b,
				     struct dmaadd_operand c, __u64 *job_id)
{
	struct dmaadd_submit cmd;
	int ret;

	dmaadd_submit_init(&cmd, count, a, b, c);
	ret = ioctl(fd, DMAADD_IOCTL_SUBMIT, &cmd);
	if (ret)
		return ret;
	if (job_id)
		*job_id = cmd.job_id;
	return 0;
}

#define test_ioctl_submit(_count, _a, _b, _c, _job_id)			\
	({								\
		__u64 *__idp = (_job_id), __id = 0;			\
		ASSERT_EQ(0, _test_ioctl_submit(self->fd, _count, _a,	\
						_b, _c, &__id));	\
		ASSERT_NE(0ULL, __id);					\
		if (__idp)						\
			*__idp = __id;					\
	})
#define test_err_submit(_errno, _count, _a, _b, _c)			\
	EXPECT_ERRNO(_errno, _test_ioctl_submit(self->fd, _count, _a,	\
						_b, _c, NULL))

/* DMAADD_IOCTL_WAIT */

static inline int _test_ioctl_wait(int fd, __u64 job_id, __u64 timeout_ns,
				   __u32 *status)
{
	struct dmaadd_wait cmd = {
		.size = sizeof(cmd),
		.job_id = job_id,
		.timeout_ns = timeout_ns,
		.status = ~0U,
	};
	int ret;

	ret = ioctl(fd, DMAADD_IOCTL_WAIT, &cmd);
	if (ret)
		return ret;
	if (status)
		*status = cmd.status;
	return 0;
}

/* Waits for ever and asserts that the job ran. */
#define test_ioctl_wait(_job_id)					\
	({								\
		__u32 __st = ~0U;					\
		ASSERT_EQ(0, _test_ioctl_wait(self->fd, _job_id,	\
					      DMAADD_TIMEOUT_INFINITE,	\
					      &__st));			\
		ASSERT_EQ((__u32)DMAADD_JOB_OK, __st);			\
	})
#define test_err_wait(_errno, _job_id, _timeout_ns)			\
	EXPECT_ERRNO(_errno, _test_ioctl_wait(self->fd, _job_id,	\
					      _timeout_ns, NULL))

/* Buffers: allocated and mapped whole */

struct dmaadd_buf {
	__u32 handle;
	__u64 length;
	__u64 mmap_offset;
	size_t map_length;
	__u32 *map;
};

static inline int _test_buf_create_flags(int fd, __u64 length, __u32 flags,
					 struct dmaadd_buf *buf)
{
	int err;

	memset(buf, 0, sizeof(*buf));
	buf->length = length;
	if (_test_ioctl_alloc_flags(fd, length, flags, &buf->handle,
				    &buf->mmap_offset))
		return -1;
	buf->map_length = dmaadd_page_round(length);
	buf->map = mmap(NULL, buf->map_length, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, buf->mmap_offset);
	if (buf->map == MAP_FAILED) {
		err = errno;
		_test_ioctl_free(fd, buf->handle);
		buf->map = NULL;
		errno = err;
		return -1;
	}
	return 0;
}

static inline int _test_buf_create(int fd, __u64 length, struct dmaadd_buf *buf)
{
	return _test_buf_create_flags(fd, length, 0, buf);
}

#define test_buf_create_flags(_length, _flags, _buf)			\
	({								\
		struct dmaadd_buf *__buf = (_buf);			\
		ASSERT_EQ(0, _test_buf_create_flags(self->fd, _length,	\
						    _flags, __buf));	\
		ASSERT_NE(0U, __buf->handle);				\
	})
#define test_buf_create(_length, _buf) test_buf_create_flags(_length, 0, _buf)

static inline void dmaadd_buf_unmap(struct dmaadd_buf *buf)
{
	if (buf->map)
		munmap(buf->map, buf->map_length);
	buf->map = NULL;
}

static inline __u32 *dmaadd_buf_at(const struct dmaadd_buf *buf, __u64 offset)
{
	return (__u32 *)((char *)buf->map + offset);
}

/* Data */

static inline __u32 dmaadd_rand(__u32 *state)
{
	__u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static inline void dmaadd_fill_random(__u32 *p, __u64 n, __u32 seed)
{
	__u32 state = seed ?: 0x9e3779b9;
	__u64 i;

	for (i = 0; i < n; i++)
		p[i] = dmaadd_rand(&state);
}

static inline void dmaadd_fill(__u32 *p, __u64 n, __u32 value)
{
	__u64 i;

	for (i = 0; i < n; i++)
		p[i] = value;
}

/* exp[i] = a[i] + b[i], computed before the job runs (it may work in place). */
static inline __u32 *dmaadd_expected_sum(const __u32 *a, const __u32 *b,
					 __u64 n)
{
	__u32 *exp = malloc(n * ELEM_SIZE ?: 1);
	__u64 i;

	if (!exp)
		return NULL;
	for (i = 0; i < n; i++)
		exp[i] = a[i] + b[i];
	return exp;
}

/*
 * Returns the index of the first element of @p that differs from @exp, or
 * -1 when all @n match. The first mismatch is logged unless @what is NULL.
 */
static inline long long dmaadd_check_equal(const __u32 *p, const __u32 *exp,
					   __u64 n, const char *what)
{
	__u64 i;

	for (i = 0; i < n; i++) {
		if (p[i] != exp[i]) {
			if (what)
				fprintf(stderr,
					"# %s[%llu] = 0x%08x, expected 0x%08x\n",
					what, (unsigned long long)i, p[i],
					exp[i]);
			return i;
		}
	}
	return -1;
}

/* Same, against one value everywhere. */
static inline long long dmaadd_check_fill(const __u32 *p, __u64 n,
					  __u32 value, const char *what)
{
	__u64 i;

	for (i = 0; i < n; i++) {
		if (p[i] != value) {
			fprintf(stderr,
				"# %s[%llu] = 0x%08x, expected 0x%08x\n",
				what, (unsigned long long)i, p[i], value);
			return i;
		}
	}
	return -1;
}

/* Same, against c[i] == a[i] + b[i] for arrays the job did not modify. */
static inline long long dmaadd_check_sum(const __u32 *a, const __u32 *b,
					 const __u32 *c, __u64 n)
{
	__u64 i;

	for (i = 0; i < n; i++) {
		if (c[i] != (__u32)(a[i] + b[i])) {
			fprintf(stderr,
				"# c[%llu] = 0x%08x, expected 0x%08x + 0x%08x\n",
				(unsigned long long)i, c[i], a[i], b[i]);
			return i;
		}
	}
	return -1;
}

#define ASSERT_EQUAL(_p, _exp, _n) \
	ASSERT_EQ(-1LL, dmaadd_check_equal(_p, _exp, _n, #_p))
#define ASSERT_FILLED(_p, _n, _value) \
	ASSERT_EQ(-1LL, dmaadd_check_fill(_p, _n, _value, #_p))
#define ASSERT_SUM(_a, _b, _c, _n) \
	ASSERT_EQ(-1LL, dmaadd_check_sum(_a, _b, _c, _n))

#endif /* __DMAADD_TEST_H */
