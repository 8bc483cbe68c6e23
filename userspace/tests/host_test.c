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
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

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

struct fake_cmd {
	unsigned int calls;
	/* Errors to return on the first calls, in order; 0 ends the list. */
	int errs[FAKE_MAX_ERRS];
};

static struct fake_kernel {
	struct fake_cmd info, alloc, free, submit, wait;
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
	struct dmaadd_wait wait_args[FAKE_MAX_ERRS + 1];
	uint64_t wait_called_at_ns;
	bool bad_arg;	/* a size, flags or reserved member was wrong */
} fake = {
	.next_handle = 1,
	.next_job = 1,
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

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(1, 5);
}

/* Returns the injected error for this call, or 0. */
static int fake_injected(struct fake_cmd *cmd)
{
	unsigned int n = cmd->calls++;

	return n < FAKE_MAX_ERRS ? cmd->errs[n] : 0;
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
		info->api_version = DMAADD_API_VERSION;
		info->backend = DMAADD_BACKEND_PCI;
		info->caps = DMAADD_CAP_IOMMU;
		info->dma_mask = (1ULL << 40) - 1;
		info->max_buffer_size = FAKE_MAX_BUFFER;
		info->ops = 1U << DMAADD_OP_ADD_I32;
		info->index = 7;
		info->max_jobs_in_flight = 4;
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
		a->handle = fake.next_handle++;
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
		if (s->size != sizeof(*s) || s->flags || s->__reserved ||
		    s->a.flags || s->b.flags || s->c.flags)
			fake.bad_arg = true;
		s->job_id = fake.next_job++;
		return 0;
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

	if (!fake_is_device(fd))
		return syscall(SYS_ioctl, fd, request, arg);

	err = fake_ioctl(request, arg);
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
	EXPECT_STREQ("unknown", dmaadd_job_status_name(12345));
}

TEST(library_version)
{
	ASSERT_NE(NULL, dmaadd_library_version());
	EXPECT_EQ('1', dmaadd_library_version()[0]);
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
	job.size = sizeof(job) - 1;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	job = job_abc(self, 1);
	job.flags = 1;
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
		DMAADD_JOB_FAULT, DMAADD_JOB_INVALID, 77,
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

TEST_HARNESS_MAIN
