// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdmaadd against a real dmaadd device (runs in the guest).
 *
 * Each test runs once on the first and once on the second device found in
 * /dev (the second variant skips when there is only one), or on
 * $DMAADD_TEST_DEVICE if set (then the second variant skips). Tests of
 * dma-bufs between devices use the other one of the two (and skip without
 * it). The tool tests run /dmaadd (or $DMAADD_CLI) if there is one.
 * Tests that must hold a job behind a fence nobody has signalled yet take
 * one from vgem (see ../../tests/vgem.h), and skip without it; the test of
 * an errored fence makes the device fault through debugfs.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include <libdmaadd.h>

#include "kselftest_harness.h"

/* For ../../tests/vgem.h, which the kernel tests' dmaadd_test.h defines. */
static inline __u64 dmaadd_page_size(void)
{
	return (__u64)sysconf(_SC_PAGESIZE);
}

/* vgem: fences nobody signals until a test says so (or 10 s pass). */
#include "../../tests/vgem.h"

#define NSEC_PER_SEC 1000000000LL
#define WAIT_NS (20 * NSEC_PER_SEC)
#define POISON 0xdeadbeefU
/* Elements per job in tests that queue max_jobs_in_flight or more jobs. */
#define QUEUE_JOB_ELEMS (4 * 1024)

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

/*
 * Skip from the test body, not from FIXTURE_SETUP(): the 6.1 harness runs
 * the body even after a SKIP() in setup.
 */
#define NEED_DEVICE()						\
	do {							\
		if (!self->dev)					\
			SKIP(return, "%s", self->skip_reason);	\
	} while (0)

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static uint32_t pat_a(uint64_t i)
{
	return (uint32_t)(i * 2654435761U);	/* spans the whole range */
}

static uint32_t pat_b(uint64_t i)
{
	return (i & 1) ? -(uint32_t)(3 * i + 7) : (uint32_t)(3 * i + 7);
}

static void fill(uint32_t *p, uint64_t n, uint32_t (*pat)(uint64_t))
{
	uint64_t i;

	for (i = 0; i < n; i++)
		p[i] = pat(i);
}

static void fill_value(uint32_t *p, uint64_t n, uint32_t v)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		p[i] = v;
}

/* Index of the first wrong c[i] = a[i] + b[i], or -1 if all are right. */
static int64_t first_wrong_sum(const uint32_t *a, const uint32_t *b,
			       const uint32_t *c, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (c[i] != (uint32_t)(a[i] + b[i]))
			return (int64_t)i;
	return -1;
}

static struct dmaadd_job_desc add_job(struct dmaadd_buffer *c, uint64_t c_off,
				      struct dmaadd_buffer *a, uint64_t a_off,
				      struct dmaadd_buffer *b, uint64_t b_off,
				      uint64_t count)
{
	struct dmaadd_job_desc job = {
		.size = sizeof(job),
		.op = DMAADD_OP_ADD_I32,
		.count = count,
		.a = { .buffer = a, .offset = a_off },
		.b = { .buffer = b, .offset = b_off },
		.c = { .buffer = c, .offset = c_off },
	};

	return job;
}

static uint32_t *data(struct dmaadd_buffer *buf)
{
	return dmaadd_buffer_get_data(buf);
}

/* ------------------------------------------------------------------------ */
/* Fixture: one open device, its info, three buffers of n elements          */
/* ------------------------------------------------------------------------ */

FIXTURE(dev) {
	struct dmaadd_device *dev;
	struct dmaadd_device_info *info;
	struct dmaadd_buffer *a, *b, *c;
	uint64_t n;		/* elements per buffer */
	uint64_t max_size;
	uint32_t max_jobs;
	uint32_t history;
	char skip_reason[128];
};

FIXTURE_VARIANT(dev) {
	unsigned int position;	/* in the sorted device list */
};

FIXTURE_VARIANT_ADD(dev, first) {
	.position = 0,
};

FIXTURE_VARIANT_ADD(dev, second) {
	.position = 1,
};

static const char *pick_device(unsigned int position, char *reason,
			       size_t reason_len, char *path, size_t path_len)
{
	const char *env = getenv("DMAADD_TEST_DEVICE");
	struct dmaadd_device_list *list;

	if (env && *env) {
		if (position) {
			snprintf(reason, reason_len,
				 "DMAADD_TEST_DEVICE names one device");
			return NULL;
		}
		snprintf(path, path_len, "%s", env);
		return path;
	}

	list = dmaadd_device_list_new(NULL);
	if (!list || dmaadd_device_list_get_count(list) <= position) {
		snprintf(reason, reason_len,
			 position ? "no second dmaadd device" :
				    "no dmaadd device (module not loaded?)");
		dmaadd_device_list_free(list);
		return NULL;
	}
	snprintf(path, path_len, "%s", dmaadd_device_list_get_path(list, position));
	dmaadd_device_list_free(list);
	return path;
}

FIXTURE_SETUP(dev)
{
	char path[PATH_MAX];

	/* Leaves self->dev NULL: NEED_DEVICE() in the test skips. */
	if (!pick_device(variant->position, self->skip_reason,
			 sizeof(self->skip_reason), path, sizeof(path)))
		return;

	self->dev = dmaadd_device_open(path);
	ASSERT_NE(NULL, self->dev) {
		TH_LOG("%s: %s", path, strerror(errno));
	}
	self->info = dmaadd_device_get_info(self->dev);
	ASSERT_NE(NULL, self->info);
	self->max_size = dmaadd_device_info_get_max_buffer_size(self->info);
	self->max_jobs = dmaadd_device_info_get_max_jobs_in_flight(self->info);
	self->history = dmaadd_device_info_get_job_history(self->info);
	ASSERT_LE(4096, self->max_size);

	self->n = 4096;
	self->a = dmaadd_buffer_alloc(self->dev, self->n * 4);
	self->b = dmaadd_buffer_alloc(self->dev, self->n * 4);
	self->c = dmaadd_buffer_alloc(self->dev, self->n * 4);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	ASSERT_NE(NULL, self->c);
	fill(data(self->a), self->n, pat_a);
	fill(data(self->b), self->n, pat_b);
	fill_value(data(self->c), self->n, POISON);
}

FIXTURE_TEARDOWN(dev)
{
	dmaadd_buffer_free(self->a);
	dmaadd_buffer_free(self->b);
	dmaadd_buffer_free(self->c);
	dmaadd_device_info_free(self->info);
	dmaadd_device_close(self->dev);
}

/* ------------------------------------------------------------------------ */
/* Device and info                                                          */
/* ------------------------------------------------------------------------ */

TEST_F(dev, info_is_sane)
{
	uint64_t mask = dmaadd_device_info_get_dma_mask(self->info);
	uint32_t backend = dmaadd_device_info_get_backend(self->info);
	const char *path = dmaadd_device_get_path(self->dev);
	unsigned int n;

	NEED_DEVICE();
	EXPECT_LE(1, dmaadd_device_info_get_api_version(self->info));
	EXPECT_TRUE(backend == DMAADD_BACKEND_PLATFORM ||
		    backend == DMAADD_BACKEND_PCI);
	/* The platform device sits behind no IOMMU. */
	if (backend == DMAADD_BACKEND_PLATFORM)
		EXPECT_FALSE(dmaadd_device_info_has_iommu(self->info));
	EXPECT_EQ(0, dmaadd_device_info_get_caps(self->info) &
		     ~(uint64_t)(DMAADD_CAP_IOMMU | DMAADD_CAP_BOUNCE));
	/* A bit mask 2^k - 1 (edu defaults to 28 bits), not an address. */
	EXPECT_LE(0xfffULL, mask);
	EXPECT_EQ(0, mask & (mask + 1));
	EXPECT_TRUE(dmaadd_device_info_supports_op(self->info,
						   DMAADD_OP_ADD_I32));
	EXPECT_LE(1, self->max_jobs);
	EXPECT_LE(1, self->history);
	if (sscanf(path, "/dev/dmaadd%u", &n) == 1)
		EXPECT_EQ(n, dmaadd_device_info_get_index(self->info));
}

TEST_F(dev, info_matches_raw_ioctl)
{
	struct dmaadd_info raw = { .size = sizeof(raw) };

	NEED_DEVICE();
	ASSERT_EQ(0, ioctl(dmaadd_device_get_fd(self->dev), DMAADD_IOCTL_INFO,
			   &raw));
	EXPECT_EQ(raw.api_version,
		  dmaadd_device_info_get_api_version(self->info));
	EXPECT_EQ(raw.backend, dmaadd_device_info_get_backend(self->info));
	EXPECT_EQ(raw.caps, dmaadd_device_info_get_caps(self->info));
	EXPECT_EQ(raw.dma_mask, dmaadd_device_info_get_dma_mask(self->info));
	EXPECT_EQ(raw.max_buffer_size, self->max_size);
	EXPECT_EQ(raw.ops, dmaadd_device_info_get_ops(self->info));
	EXPECT_EQ(raw.index, dmaadd_device_info_get_index(self->info));
	EXPECT_EQ(raw.max_jobs_in_flight, self->max_jobs);
	EXPECT_EQ(raw.job_history, self->history);
}

/*
 * The module these tests come with (DMAADD_API_VERSION of its uapi header)
 * has every feature this library names.
 */
TEST_F(dev, module_has_every_feature)
{
	uint32_t f;

	NEED_DEVICE();
	ASSERT_EQ(DMAADD_API_VERSION,
		  dmaadd_device_info_get_api_version(self->info));
	for (f = DMAADD_FEATURE_DMABUF; f <= DMAADD_FEATURE_COMPLETION_PAGE;
	     f++) {
		EXPECT_TRUE(dmaadd_device_info_has_feature(self->info, f)) {
			TH_LOG("feature %s", dmaadd_feature_name(f));
		}
	}
}

TEST_F(dev, open_index_opens_the_same_device)
{
	struct dmaadd_device_info *info;
	struct dmaadd_device *dev;
	uint32_t index;

	NEED_DEVICE();
	index = dmaadd_device_info_get_index(self->info);
	dev = dmaadd_device_open_index(index);
	if (!dev && errno == ENOENT)
		SKIP(return, "no /dev/dmaadd%u (renamed node?)", index);
	ASSERT_NE(NULL, dev);
	info = dmaadd_device_get_info(dev);
	ASSERT_NE(NULL, info);
	EXPECT_EQ(index, dmaadd_device_info_get_index(info));
	EXPECT_EQ(dmaadd_device_info_get_backend(self->info),
		  dmaadd_device_info_get_backend(info));
	dmaadd_device_info_free(info);
	dmaadd_device_close(dev);
}

TEST_F(dev, device_list_has_the_device)
{
	struct dmaadd_device_list *list = dmaadd_device_list_new(NULL);
	const char *path = dmaadd_device_get_path(self->dev);
	bool found = false;
	size_t i;

	NEED_DEVICE();
	ASSERT_NE(NULL, list);
	for (i = 0; i < dmaadd_device_list_get_count(list); i++)
		if (!strcmp(path, dmaadd_device_list_get_path(list, i)))
			found = true;
	dmaadd_device_list_free(list);
	/* A device named by DMAADD_TEST_DEVICE need not be in /dev. */
	if (!getenv("DMAADD_TEST_DEVICE"))
		EXPECT_TRUE(found);
}

/* ------------------------------------------------------------------------ */
/* Buffers                                                                  */
/* ------------------------------------------------------------------------ */

TEST_F(dev, buffer_is_zeroed_and_mapped)
{
	const size_t len = 3 * 4096 + 1;
	struct dmaadd_buffer *buf;
	unsigned char *p;
	size_t i;

	NEED_DEVICE();
	buf = dmaadd_buffer_alloc(self->dev, len);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(len, dmaadd_buffer_get_length(buf));
	EXPECT_NE(0, dmaadd_buffer_get_handle(buf));
	EXPECT_EQ(self->dev, dmaadd_buffer_get_device(buf));
	p = dmaadd_buffer_get_data(buf);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, (uintptr_t)p % 4096);
	for (i = 0; i < len; i++)
		if (p[i])
			break;
	EXPECT_EQ(len, i);
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)i;
	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)i)
			break;
	EXPECT_EQ(len, i);
	dmaadd_buffer_free(buf);
}

TEST_F(dev, buffer_handles_are_distinct)
{
	struct dmaadd_buffer *bufs[32];
	unsigned int i, j;

	NEED_DEVICE();
	for (i = 0; i < 32; i++) {
		bufs[i] = dmaadd_buffer_alloc(self->dev, 4096);
		ASSERT_NE(NULL, bufs[i]);
		ASSERT_NE(0, dmaadd_buffer_get_handle(bufs[i]));
		for (j = 0; j < i; j++)
			ASSERT_NE(dmaadd_buffer_get_handle(bufs[j]),
				  dmaadd_buffer_get_handle(bufs[i]));
	}
	/* Free in an order other than allocation. */
	for (i = 0; i < 32; i += 2)
		dmaadd_buffer_free(bufs[i]);
	for (i = 1; i < 32; i += 2)
		dmaadd_buffer_free(bufs[i]);
}

TEST_F(dev, buffer_reallocated_memory_is_zeroed)
{
	struct dmaadd_buffer *buf;
	uint32_t *p;
	uint64_t i, n = 64 * 1024;
	int round;

	NEED_DEVICE();
	if (n * 4 > self->max_size)
		n = self->max_size / 4;
	for (round = 0; round < 4; round++) {
		buf = dmaadd_buffer_alloc(self->dev, n * 4);
		ASSERT_NE(NULL, buf);
		p = dmaadd_buffer_get_data(buf);
		for (i = 0; i < n; i++)
			if (p[i])
				break;
		EXPECT_EQ(n, i);
		fill_value(p, n, POISON);
		dmaadd_buffer_free(buf);
	}
}

TEST_F(dev, buffer_alloc_flags)
{
	struct dmaadd_buffer *buf;

	NEED_DEVICE();
	/* One page is contiguous on any backend. */
	buf = dmaadd_buffer_alloc_flags(self->dev, 4096, DMAADD_BUF_CONTIGUOUS);
	ASSERT_NE(NULL, buf);
	fill(data(buf), 1024, pat_a);
	EXPECT_EQ(0, dmaadd_device_add_i32(self->dev, buf, buf, self->b, 1024,
					   WAIT_NS));
	dmaadd_buffer_free(buf);

	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc_flags(self->dev, 4096,
							    1U << 31));
}

TEST_F(dev, buffer_bad_lengths)
{
	struct dmaadd_buffer *buf;

	NEED_DEVICE();
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc(self->dev, 0));
	if (self->max_size < SIZE_MAX)
		EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_alloc(self->dev,
							      self->max_size + 1));
	/* The maximum itself is allowed, though memory may run out. */
	if (self->max_size > (64 << 20))
		return;
	buf = dmaadd_buffer_alloc(self->dev, self->max_size);
	if (!buf)
		EXPECT_EQ(ENOMEM, errno);
	dmaadd_buffer_free(buf);
}

/* ------------------------------------------------------------------------ */
/* Jobs that work                                                           */
/* ------------------------------------------------------------------------ */

TEST_F(dev, add_whole_buffers)
{
	NEED_DEVICE();
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, self->a,
					   self->b, self->n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	/* Inputs are untouched. */
	EXPECT_EQ(pat_a(self->n - 1), data(self->a)[self->n - 1]);
	EXPECT_EQ(pat_b(self->n - 1), data(self->b)[self->n - 1]);
}

TEST_F(dev, add_wraps_modulo_2_32)
{
	static const int32_t a[] = { INT32_MAX, INT32_MIN, -1, INT32_MIN, 5,
				     -7, INT32_MAX, 0 };
	static const int32_t b[] = { 1, -1, 1, INT32_MIN, -5,
				     -8, INT32_MAX, 0 };
	static const int32_t c[] = { INT32_MIN, INT32_MAX, 0, 0, 0,
				     -15, -2, 0 };
	const unsigned int n = sizeof(a) / sizeof(a[0]);
	unsigned int i;

	NEED_DEVICE();
	for (i = 0; i < n; i++) {
		data(self->a)[i] = (uint32_t)a[i];
		data(self->b)[i] = (uint32_t)b[i];
	}
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, self->a,
					   self->b, n, WAIT_NS));
	for (i = 0; i < n; i++)
		EXPECT_EQ(c[i], (int32_t)data(self->c)[i]);
	/* Only count elements are written. */
	EXPECT_EQ(POISON, data(self->c)[n]);
}

TEST_F(dev, add_in_place)
{
	uint32_t *a = data(self->a), *b = data(self->b);
	uint64_t i;

	NEED_DEVICE();
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->a, self->a,
					   self->b, self->n, WAIT_NS));
	for (i = 0; i < self->n; i++)
		if (a[i] != (uint32_t)(pat_a(i) + b[i]))
			break;
	EXPECT_EQ(self->n, i);

	/* And into b, the second input. */
	fill(a, self->n, pat_a);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->b, self->a,
					   self->b, self->n, WAIT_NS));
	for (i = 0; i < self->n; i++)
		if (b[i] != (uint32_t)(pat_a(i) + pat_b(i)))
			break;
	EXPECT_EQ(self->n, i);
}

TEST_F(dev, add_operands_at_offsets_in_one_buffer)
{
	const uint64_t n = 1000;	/* not a page multiple */
	struct dmaadd_buffer *buf;
	struct dmaadd_job_desc job;
	uint32_t *p, status = 99;

	NEED_DEVICE();
	/* a at 4 bytes, b right after it, c after a gap; all unaligned to pages. */
	buf = dmaadd_buffer_alloc(self->dev, (3 * n + 8) * 4);
	ASSERT_NE(NULL, buf);
	p = data(buf);
	fill(p + 1, n, pat_a);
	fill(p + 1 + n, n, pat_b);
	fill_value(p + 2 * n + 3, n + 5, POISON);

	job = add_job(buf, (2 * n + 4) * 4, buf, 4, buf, (1 + n) * 4, n);
	ASSERT_EQ(0, dmaadd_device_run(self->dev, &job, WAIT_NS, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(-1, first_wrong_sum(p + 1, p + 1 + n, p + 2 * n + 4, n));
	EXPECT_EQ(POISON, p[2 * n + 3]);
	EXPECT_EQ(POISON, p[3 * n + 4]);
	dmaadd_buffer_free(buf);
}

TEST_F(dev, add_last_element_of_buffer)
{
	struct dmaadd_job_desc job;
	const uint64_t last = (self->n - 1) * 4;

	NEED_DEVICE();
	job = add_job(self->c, last, self->a, last, self->b, last, 1);
	ASSERT_EQ(0, dmaadd_device_run(self->dev, &job, WAIT_NS, NULL));
	EXPECT_EQ((uint32_t)(pat_a(self->n - 1) + pat_b(self->n - 1)),
		  data(self->c)[self->n - 1]);
	EXPECT_EQ(POISON, data(self->c)[self->n - 2]);
}

TEST_F(dev, add_large)
{
	struct dmaadd_buffer *a, *b, *c;
	uint64_t size = 4 << 20, n;

	NEED_DEVICE();
	if (size > self->max_size)
		size = self->max_size & ~3ULL;
	n = size / 4;
	a = dmaadd_buffer_alloc(self->dev, size);
	b = dmaadd_buffer_alloc(self->dev, size);
	c = dmaadd_buffer_alloc(self->dev, size);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	fill(data(a), n, pat_a);
	fill(data(b), n, pat_b);
	fill_value(data(c), n, POISON);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, c, a, b, n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(a), data(b), data(c), n));
	dmaadd_buffer_free(c);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(a);
}

/* ------------------------------------------------------------------------ */
/* dma-buf export and import                                                */
/* ------------------------------------------------------------------------ */

/* The other device of a two-device setup, or NULL (then SKIP). */
static struct dmaadd_device *open_other_device(unsigned int position)
{
	struct dmaadd_device_list *list;
	struct dmaadd_device *dev = NULL;
	const char *env = getenv("DMAADD_TEST_DEVICE");

	if (env && *env)
		return NULL;
	list = dmaadd_device_list_new(NULL);
	if (list && dmaadd_device_list_get_count(list) >= 2)
		dev = dmaadd_device_open(dmaadd_device_list_get_path(list,
							position ? 0 : 1));
	dmaadd_device_list_free(list);
	return dev;
}

static uint64_t page_align(uint64_t len)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) / page * page;
}

TEST_F(dev, export_maps_the_same_memory)
{
	const size_t len = self->n * 4;
	uint32_t *map;
	int fd, ro;

	NEED_DEVICE();
	fd = dmaadd_buffer_export_dmabuf(self->a, 0);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ((off_t)page_align(len), lseek(fd, 0, SEEK_END));

	/* The dma-buf's own mapping is the buffer's memory. */
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(pat_a(5), map[5]);
	map[7] = 1234;
	EXPECT_EQ(1234, data(self->a)[7]);
	munmap(map, len);

	ro = dmaadd_buffer_export_dmabuf(self->a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_SHARED, ro, 0));
	EXPECT_EQ(EACCES, errno);

	EXPECT_ERRNO(EINVAL, dmaadd_buffer_export_dmabuf(self->a, 1U << 30));
	close(ro);
	close(fd);
}

TEST_F(dev, export_read_only_maps_read_only)
{
	const size_t len = self->n * 4;
	uint32_t *map;
	int ro;

	NEED_DEVICE();
	ro = dmaadd_buffer_export_dmabuf(self->a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, ro);
	/* <linux/dmaadd.h>: "it can be mapped PROT_READ only". */
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, ro, 0);
	if (map == MAP_FAILED && errno == EINVAL) {
		close(ro);
		/*
		 * mmap(2) clears VM_SHARED (keeping VM_MAYSHARE) for a
		 * MAP_SHARED mapping of a file opened read-only, and the
		 * driver's dma-buf mmap refuses mappings without VM_SHARED.
		 */
		SKIP(return, "KERNEL BUG: a read-only dma-buf cannot be"
		     " mmapped at all (EINVAL), not even PROT_READ");
	}
	ASSERT_NE(MAP_FAILED, map) {
		TH_LOG("mmap: %s", strerror(errno));
	}
	EXPECT_EQ(pat_a(7), map[7]);
	munmap(map, len);
	close(ro);
}

TEST_F(dev, export_outlives_buffer_and_device)
{
	struct dmaadd_device *dev;
	struct dmaadd_buffer *buf, *back;
	uint32_t *map;
	int fd;

	NEED_DEVICE();
	dev = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, dev);
	buf = dmaadd_buffer_alloc(dev, self->n * 4);
	ASSERT_NE(NULL, buf);
	fill(data(buf), self->n, pat_b);
	fd = dmaadd_buffer_export_dmabuf(buf, 0);
	ASSERT_LE(0, fd);
	/* Handle, mapping and open file gone: the dma-buf keeps the memory. */
	dmaadd_buffer_free(buf);
	dmaadd_device_close(dev);

	back = dmaadd_buffer_import_dmabuf(self->dev, fd);
	ASSERT_NE(NULL, back);
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_get_kind(back));
	EXPECT_EQ(self->n * 4, dmaadd_buffer_get_length(back));
	ASSERT_NE(NULL, data(back));
	EXPECT_EQ(pat_b(self->n - 1), data(back)[self->n - 1]);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, back, self->a, self->b,
					   self->n, WAIT_NS));
	map = mmap(NULL, self->n * 4, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b), map,
				      self->n));
	munmap(map, self->n * 4);
	dmaadd_buffer_free(back);
	close(fd);
}

TEST_F(dev, import_own_export_shares_the_handle)
{
	struct dmaadd_buffer *again;
	uint32_t handle = dmaadd_buffer_get_handle(self->c);
	int fd;

	NEED_DEVICE();
	fd = dmaadd_buffer_export_dmabuf(self->c, 0);
	ASSERT_LE(0, fd);
	again = dmaadd_buffer_import_dmabuf(self->dev, fd);
	close(fd);
	ASSERT_NE(NULL, again);
	EXPECT_EQ(handle, dmaadd_buffer_get_handle(again));
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_get_kind(again));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(again));
	ASSERT_NE(NULL, data(again));
	EXPECT_NE(data(self->c), data(again));	/* a mapping of its own */
	data(again)[3] = 77;
	EXPECT_EQ(77, data(self->c)[3]);

	/* Freeing the first object must not drop the shared handle. */
	dmaadd_buffer_free(self->c);
	self->c = NULL;
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, again, self->a, self->b,
					   self->n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(again), self->n));
	self->c = again;
}

struct import_race {
	struct dmaadd_device *dev;
	int fd;
	uint32_t handle;
	int errors;
};

static void *import_free_loop(void *arg)
{
	struct import_race *r = arg;
	struct dmaadd_buffer *buf;
	int i;

	for (i = 0; i < 200; i++) {
		buf = dmaadd_buffer_import_dmabuf(r->dev, r->fd);
		if (!buf || dmaadd_buffer_get_handle(buf) != r->handle)
			__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
		dmaadd_buffer_free(buf);
	}
	return NULL;
}

TEST_F(dev, shared_handle_survives_concurrent_import_and_free)
{
	struct import_race r = {
		.dev = self->dev,
		.handle = dmaadd_buffer_get_handle(self->c),
	};
	pthread_t threads[4];
	unsigned int i;

	NEED_DEVICE();
	r.fd = dmaadd_buffer_export_dmabuf(self->c, 0);
	ASSERT_LE(0, r.fd);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL,
					    import_free_loop, &r));
	for (i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	close(r.fd);
	EXPECT_EQ(0, r.errors);
	/* The original object's handle was never dropped under it. */
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, self->a,
					   self->b, self->n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
}

TEST_F(dev, import_in_another_open_file)
{
	struct dmaadd_buffer *a, *b, *c;
	struct dmaadd_device *other;
	int fd;

	NEED_DEVICE();
	other = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, other);
	fd = dmaadd_buffer_export_dmabuf(self->c, 0);
	ASSERT_LE(0, fd);
	c = dmaadd_buffer_import_dmabuf(other, fd);
	ASSERT_NE(NULL, c);
	close(fd);
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_get_kind(c));
	EXPECT_EQ(self->n * 4, dmaadd_buffer_get_length(c));

	a = dmaadd_buffer_alloc(other, self->n * 4);
	b = dmaadd_buffer_alloc(other, self->n * 4);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	fill(data(a), self->n, pat_b);
	fill(data(b), self->n, pat_b);
	/* The other file's job writes into this file's buffer. */
	ASSERT_EQ(0, dmaadd_device_add_i32(other, c, a, b, self->n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(a), data(b), data(self->c),
				      self->n));
	dmaadd_buffer_free(a);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(c);
	dmaadd_device_close(other);
}

TEST_F(dev, import_read_only)
{
	struct dmaadd_device *other;
	struct dmaadd_buffer *ro_a, *c;
	struct dmaadd_job_desc job;
	uint32_t *p;
	int fd, rw;

	NEED_DEVICE();
	other = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, other);
	fd = dmaadd_buffer_export_dmabuf(self->a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, fd);
	ro_a = dmaadd_buffer_import_dmabuf(other, fd);
	ASSERT_NE(NULL, ro_a);
	EXPECT_TRUE(dmaadd_buffer_is_read_only(ro_a));
	p = data(ro_a);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(pat_a(9), p[9]);
	c = dmaadd_buffer_alloc(other, self->n * 4);
	ASSERT_NE(NULL, c);

	/* An output: refused. An input: fine. */
	job = add_job(ro_a, 0, c, 0, c, 0, 16);
	EXPECT_ERRNO(EACCES, dmaadd_device_submit(other, &job, NULL));
	job = add_job(ro_a, 0, ro_a, 0, c, 0, 16);	/* in place, too */
	EXPECT_ERRNO(EACCES, dmaadd_device_submit(other, &job, NULL));
	ASSERT_EQ(0, dmaadd_device_add_i32(other, c, ro_a, ro_a, self->n,
					   WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->a), data(c),
				      self->n));

	/* Read-only travels on: it can only be exported read-only. */
	EXPECT_ERRNO(EACCES, dmaadd_buffer_export_dmabuf(ro_a, 0));
	rw = dmaadd_buffer_export_dmabuf(ro_a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, rw);
	EXPECT_EQ(O_RDONLY, fcntl(rw, F_GETFL) & O_ACCMODE);
	close(rw);

	/* The query agrees. */
	{
		struct dmaadd_buffer_info *bi = dmaadd_buffer_get_info(ro_a);

		ASSERT_NE(NULL, bi);
		EXPECT_TRUE(dmaadd_buffer_info_is_read_only(bi));
		dmaadd_buffer_info_free(bi);
	}
	dmaadd_buffer_free(c);
	dmaadd_buffer_free(ro_a);
	dmaadd_device_close(other);
	close(fd);
}

TEST_F(dev, import_read_only_is_not_writable_through_the_device)
{
	struct dmaadd_device *other;
	struct dmaadd_buf_import im = { .size = sizeof(im) };
	void *p;
	int fd;

	NEED_DEVICE();
	other = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, other);
	fd = dmaadd_buffer_export_dmabuf(self->a, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, fd);
	im.fd = (uint32_t)fd;
	ASSERT_EQ(0, ioctl(dmaadd_device_get_fd(other),
			   DMAADD_IOCTL_BUF_IMPORT, &im));
	close(fd);

	/* The library maps it PROT_READ; a raw writable mmap must fail. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dmaadd_device_get_fd(other), (off_t)im.mmap_offset);
	dmaadd_device_close(other);
	if (p != MAP_FAILED) {
		munmap(p, 4096);
		SKIP(return, "KERNEL BUG: a read-only import can be mmapped"
		     " PROT_WRITE through the device node, which writes the"
		     " memory the dma-buf only gave read access to");
	}
	EXPECT_EQ(EACCES, errno);
}

TEST_F(dev, import_read_write_upgrades_shared_read_only_handle)
{
	struct dmaadd_buffer *ro_buf, *rw_buf;
	struct dmaadd_device *other;
	int ro, rw;

	NEED_DEVICE();
	other = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, other);
	ro = dmaadd_buffer_export_dmabuf(self->c, DMAADD_EXPORT_READ_ONLY);
	rw = dmaadd_buffer_export_dmabuf(self->c, 0);
	ASSERT_LE(0, ro);
	ASSERT_LE(0, rw);
	ro_buf = dmaadd_buffer_import_dmabuf(other, ro);
	ASSERT_NE(NULL, ro_buf);
	EXPECT_TRUE(dmaadd_buffer_is_read_only(ro_buf));
	rw_buf = dmaadd_buffer_import_dmabuf(other, rw);
	ASSERT_NE(NULL, rw_buf);
	EXPECT_EQ(dmaadd_buffer_get_handle(ro_buf),
		  dmaadd_buffer_get_handle(rw_buf));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(rw_buf));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(ro_buf));
	dmaadd_buffer_free(rw_buf);
	/* Still the shared, now writable handle. */
	EXPECT_FALSE(dmaadd_buffer_is_read_only(ro_buf));
	dmaadd_buffer_free(ro_buf);
	dmaadd_device_close(other);
	close(ro);
	close(rw);
}

TEST_F(dev, import_from_the_other_device)
{
	const uint64_t n = 256 * 1024;	/* 1 MiB: several swiotlb slots */
	struct dmaadd_buffer *ea, *ec, *ia, *ic, *b;
	struct dmaadd_buffer_info *bi;
	struct dmaadd_device *other;
	int fd_a, fd_c;

	NEED_DEVICE();
	other = open_other_device(variant->position);
	if (!other)
		SKIP(return, "needs a second dmaadd device");
	if (n * 4 > self->max_size)
		SKIP(return, "max_buffer_size too small");

	/* Exported by the other device, imported into this one. */
	ea = dmaadd_buffer_alloc(other, n * 4);
	ec = dmaadd_buffer_alloc(other, n * 4);
	b = dmaadd_buffer_alloc(self->dev, n * 4);
	ASSERT_NE(NULL, ea);
	ASSERT_NE(NULL, ec);
	ASSERT_NE(NULL, b);
	fd_a = dmaadd_buffer_export_dmabuf(ea, 0);
	fd_c = dmaadd_buffer_export_dmabuf(ec, 0);
	ASSERT_LE(0, fd_a);
	ASSERT_LE(0, fd_c);
	ia = dmaadd_buffer_import_dmabuf(self->dev, fd_a);
	ic = dmaadd_buffer_import_dmabuf(self->dev, fd_c);
	ASSERT_NE(NULL, ia);
	ASSERT_NE(NULL, ic);
	close(fd_a);
	close(fd_c);
	EXPECT_EQ(DMAADD_BUF_KIND_IMPORT, dmaadd_buffer_get_kind(ia));
	EXPECT_EQ(n * 4, dmaadd_buffer_get_length(ia));
	bi = dmaadd_buffer_get_info(ia);
	ASSERT_NE(NULL, bi);
	EXPECT_EQ(DMAADD_BUF_KIND_IMPORT, dmaadd_buffer_info_get_kind(bi));
	EXPECT_TRUE(dmaadd_buffer_info_is_streaming(bi));
	EXPECT_EQ(dmaadd_device_info_has_iommu(self->info),
		  dmaadd_buffer_info_is_iova(bi));
	dmaadd_buffer_info_free(bi);

	/* CPU writes through the import's mapping reach the exporter... */
	ASSERT_NE(NULL, data(ia));
	fill(data(ia), n, pat_a);
	EXPECT_EQ(pat_a(n - 1), data(ea)[n - 1]);
	fill(data(b), n, pat_b);
	fill_value(data(ec), n, POISON);

	/* ...and this device's job reads and writes the other's memory. */
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, ic, ia, b, n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(ea), data(b), data(ec), n));
	EXPECT_EQ(-1, first_wrong_sum(data(ia), data(b), data(ic), n));

	/* Imports of another device cannot be exported again. */
	EXPECT_ERRNO(EINVAL, dmaadd_buffer_export_dmabuf(ia, 0));

	dmaadd_buffer_free(ia);
	dmaadd_buffer_free(ic);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(ea);
	dmaadd_buffer_free(ec);
	dmaadd_device_close(other);
}

TEST_F(dev, import_errors)
{
	int pipefd[2];

	NEED_DEVICE();
	EXPECT_NULL_ERRNO(EBADF, dmaadd_buffer_import_dmabuf(self->dev, -1));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_import_dmabuf(self->dev, pipefd[0]));
	/* The device file itself is no dma-buf either. */
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_import_dmabuf(self->dev,
				dmaadd_device_get_fd(self->dev)));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_NULL_ERRNO(EBADF,
			  dmaadd_buffer_import_dmabuf(self->dev, pipefd[0]));
}

/* ------------------------------------------------------------------------ */
/* User memory                                                              */
/* ------------------------------------------------------------------------ */

TEST_F(dev, userptr_add_in_malloced_memory)
{
	const uint64_t n = 100000;	/* not a page multiple */
	struct dmaadd_buffer *ua, *ub, *uc;
	uint32_t *a, *b, *c;
	char *mem;

	NEED_DEVICE();
	if (n * 4 > self->max_size)
		SKIP(return, "max_buffer_size too small");
	/* Three arrays at odd places of one allocation. */
	mem = malloc(3 * n * 4 + 64);
	ASSERT_NE(NULL, mem);
	a = (uint32_t *)(mem + 4);
	b = (uint32_t *)(mem + 4 + n * 4 + 8);
	c = (uint32_t *)(mem + 4 + 2 * n * 4 + 24);
	fill(a, n, pat_a);
	fill(b, n, pat_b);
	fill_value(c, n, POISON);

	ua = dmaadd_buffer_wrap_userptr(self->dev, a, n * 4, 0);
	ub = dmaadd_buffer_wrap_userptr(self->dev, b, n * 4,
					DMAADD_USERPTR_READ_ONLY);
	uc = dmaadd_buffer_wrap_userptr(self->dev, c, n * 4, 0);
	ASSERT_NE(NULL, ua);
	ASSERT_NE(NULL, ub);
	ASSERT_NE(NULL, uc);
	EXPECT_EQ(a, data(ua));
	EXPECT_EQ(n * 4, dmaadd_buffer_get_length(ua));
	EXPECT_EQ(DMAADD_BUF_KIND_USERPTR, dmaadd_buffer_get_kind(ua));
	EXPECT_FALSE(dmaadd_buffer_is_read_only(ua));
	EXPECT_TRUE(dmaadd_buffer_is_read_only(ub));

	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, uc, ua, ub, n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(a, b, c, n));

	/* Written again by the CPU, used again by the device. */
	fill(a, n, pat_b);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, uc, ua, ub, n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(a, b, c, n));

	/* Mixed with allocated buffers, and as an in-place output. */
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, ua, ua, self->b,
					   self->n, WAIT_NS));
	EXPECT_EQ((uint32_t)(pat_b(5) + pat_b(5)), a[5]);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, ua, self->a,
					   self->n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(a, data(self->a), data(self->c),
				      self->n));

	/* A read-only registration is never an output. */
	EXPECT_ERRNO(EACCES, dmaadd_device_add_i32(self->dev, ub, ua, ua, n,
						   WAIT_NS));
	/* Nor can user memory be exported. */
	EXPECT_ERRNO(EINVAL, dmaadd_buffer_export_dmabuf(ua, 0));

	dmaadd_buffer_free(ua);
	dmaadd_buffer_free(ub);
	dmaadd_buffer_free(uc);
	/* Nothing was unmapped: the memory is still ours. */
	a[0] = 1;
	free(mem);
}

TEST_F(dev, userptr_large)
{
	uint64_t n = (8 << 20) / 4;
	struct dmaadd_buffer *ua, *uc;
	uint32_t *a, *c;

	NEED_DEVICE();
	if (n * 4 > self->max_size)
		n = self->max_size / 4;
	a = malloc(n * 4);
	c = malloc(n * 4);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, c);
	fill(a, n, pat_a);
	fill_value(c, n, POISON);
	ua = dmaadd_buffer_wrap_userptr(self->dev, a, n * 4,
					DMAADD_USERPTR_READ_ONLY);
	uc = dmaadd_buffer_wrap_userptr(self->dev, c, n * 4, 0);
	ASSERT_NE(NULL, ua) {
		TH_LOG("%s (RLIMIT_MEMLOCK without CAP_IPC_LOCK?)",
		       strerror(errno));
	}
	ASSERT_NE(NULL, uc);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, uc, ua, ua, n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(a, a, c, n));
	dmaadd_buffer_free(ua);
	dmaadd_buffer_free(uc);
	free(a);
	free(c);
}

TEST_F(dev, userptr_read_only_memory)
{
	const size_t len = 4 * 4096;
	struct dmaadd_buffer *ro;
	uint32_t *p;

	NEED_DEVICE();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len / 4, pat_a);
	ASSERT_EQ(0, mprotect(p, len, PROT_READ));

	/* Pinning for write needs writable memory; reading does not. */
	EXPECT_NULL_ERRNO(EFAULT,
			  dmaadd_buffer_wrap_userptr(self->dev, p, len, 0));
	ro = dmaadd_buffer_wrap_userptr(self->dev, p, len,
					DMAADD_USERPTR_READ_ONLY);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, ro, self->b,
					   self->n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(p, data(self->b), data(self->c),
				      self->n));
	dmaadd_buffer_free(ro);
	munmap(p, len);
}

TEST_F(dev, userptr_errors)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *hole;

	NEED_DEVICE();
	/* An address range with a hole in it. */
	hole = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole + page, page));
	EXPECT_NULL_ERRNO(EFAULT, dmaadd_buffer_wrap_userptr(self->dev, hole,
							      3 * page, 0));
	munmap(hole, page);
	munmap(hole + 2 * page, page);

	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_wrap_userptr(self->dev, NULL,
							      4096, 0));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_wrap_userptr(self->dev,
							      data(self->a),
							      0, 0));
	EXPECT_NULL_ERRNO(EINVAL, dmaadd_buffer_wrap_userptr(self->dev,
							      data(self->a),
							      4096, 1U << 9));
	if (self->max_size < SIZE_MAX)
		EXPECT_NULL_ERRNO(EINVAL,
				  dmaadd_buffer_wrap_userptr(self->dev,
							     data(self->a),
							     self->max_size + 1,
							     0));
	/* Above user space (not wrapping): nothing there to pin. */
	if (sizeof(void *) == 8)
		EXPECT_NULL_ERRNO(EFAULT,
				  dmaadd_buffer_wrap_userptr(self->dev,
						(void *)(uintptr_t)(1ULL << 63),
						8192, 0));
	/* The range wraps around the address space. */
	EXPECT_NULL_ERRNO(EINVAL,
			  dmaadd_buffer_wrap_userptr(self->dev,
						     (void *)(UINTPTR_MAX - 4095),
						     8192, 0));
}

TEST_F(dev, userptr_of_device_mapping)
{
	struct dmaadd_buffer *u;

	NEED_DEVICE();
	/*
	 * Allocated buffers are ordinary pages, mapped as such (API version
	 * 4): the device's own mapping can be pinned, and the registration
	 * works like any other.
	 */
	u = dmaadd_buffer_wrap_userptr(self->dev, data(self->a), 4096,
				       DMAADD_USERPTR_READ_ONLY);
	ASSERT_NE(NULL, u);
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, u, self->b,
					   1024, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), 1024));
	dmaadd_buffer_free(u);
}

/* ------------------------------------------------------------------------ */
/* Buffer queries                                                           */
/* ------------------------------------------------------------------------ */

TEST_F(dev, query_alloc)
{
	const uint64_t len = 3 * 4096 + 100;
	struct dmaadd_buffer_info *bi;
	struct dmaadd_buffer *buf;

	NEED_DEVICE();
	buf = dmaadd_buffer_alloc(self->dev, len);
	ASSERT_NE(NULL, buf);
	bi = dmaadd_buffer_get_info(buf);
	ASSERT_NE(NULL, bi);
	EXPECT_EQ(DMAADD_BUF_KIND_ALLOC, dmaadd_buffer_info_get_kind(bi));
	EXPECT_EQ(len, dmaadd_buffer_info_get_length(bi));
	EXPECT_EQ(page_align(len) / 4096, dmaadd_buffer_info_get_cpu_pages(bi));
	EXPECT_LE(1, dmaadd_buffer_info_get_cpu_segments(bi));
	EXPECT_GE(dmaadd_buffer_info_get_cpu_pages(bi),
		  dmaadd_buffer_info_get_cpu_segments(bi));
	/* Four pages are one run when they come as one (no IOMMU). */
	EXPECT_LE(1, dmaadd_buffer_info_get_dma_segments(bi));
	EXPECT_GE(dmaadd_buffer_info_get_cpu_segments(bi),
		  dmaadd_buffer_info_get_dma_segments(bi));
	/* Pages mapped with the streaming API, since API version 4. */
	EXPECT_TRUE(dmaadd_buffer_info_is_streaming(bi));
	EXPECT_FALSE(dmaadd_buffer_info_is_read_only(bi));
	EXPECT_EQ(dmaadd_device_info_has_iommu(self->info),
		  dmaadd_buffer_info_is_iova(bi));
	EXPECT_EQ(0, dmaadd_buffer_info_get_flags(bi) &
		     ~(uint32_t)(DMAADD_BUF_READ_ONLY | DMAADD_BUF_IOVA |
				 DMAADD_BUF_STREAMING));
	dmaadd_buffer_info_free(bi);

	/* The snapshot outlives the buffer. */
	bi = dmaadd_buffer_get_info(buf);
	dmaadd_buffer_free(buf);
	ASSERT_NE(NULL, bi);
	EXPECT_EQ(len, dmaadd_buffer_info_get_length(bi));
	dmaadd_buffer_info_free(bi);
}

TEST_F(dev, query_userptr)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t len = 64 * page;
	struct dmaadd_buffer_info *bi;
	struct dmaadd_buffer *buf;
	uint64_t cpu, dma;
	char *mem;

	NEED_DEVICE();
	mem = malloc(len + 2 * page);
	ASSERT_NE(NULL, mem);
	memset(mem, 1, len + 2 * page);
	/* Starting 100 bytes into a page: 65 pages are touched. */
	buf = dmaadd_buffer_wrap_userptr(self->dev,
		mem + (page - (uintptr_t)mem % page) + 100, len, 0);
	ASSERT_NE(NULL, buf);
	bi = dmaadd_buffer_get_info(buf);
	ASSERT_NE(NULL, bi);
	cpu = dmaadd_buffer_info_get_cpu_segments(bi);
	dma = dmaadd_buffer_info_get_dma_segments(bi);
	TH_LOG("userptr of %zu bytes: %llu pages, %llu CPU segments, %llu"
	       " DMA segments", len,
	       (unsigned long long)dmaadd_buffer_info_get_cpu_pages(bi),
	       (unsigned long long)cpu, (unsigned long long)dma);
	EXPECT_EQ(DMAADD_BUF_KIND_USERPTR, dmaadd_buffer_info_get_kind(bi));
	EXPECT_EQ(len, dmaadd_buffer_info_get_length(bi));
	EXPECT_EQ(len / page + 1, dmaadd_buffer_info_get_cpu_pages(bi));
	EXPECT_LE(1, cpu);
	EXPECT_GE(len / page + 1, cpu);
	EXPECT_LE(1, dma);
	EXPECT_TRUE(dmaadd_buffer_info_is_streaming(bi));
	EXPECT_FALSE(dmaadd_buffer_info_is_read_only(bi));
	EXPECT_EQ(dmaadd_device_info_has_iommu(self->info),
		  dmaadd_buffer_info_is_iova(bi));
	/* An IOMMU can only merge; dma-direct and swiotlb map 1:1. */
	if (dmaadd_buffer_info_is_iova(bi)) {
		EXPECT_GE(cpu, dma);
	} else {
		EXPECT_EQ(cpu, dma);
	}
	dmaadd_buffer_info_free(bi);
	dmaadd_buffer_free(buf);
	free(mem);
}

static uint64_t sum_lengths(const struct dmaadd_dma_segment *segs, int n)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += segs[i].len;
	return sum;
}

TEST_F(dev, query_dma_segments_as_admin)
{
	/* Up to one segment per page touched: 65 for 256 KiB. */
	struct dmaadd_dma_segment segs[128];
	struct dmaadd_buffer *u;
	size_t len = 256 * 1024;
	uint32_t *mem;
	int n, i;

	NEED_DEVICE();
	if (geteuid())
		SKIP(return, "needs root (CAP_SYS_ADMIN)");
	/* Counting alone needs no array. */
	n = dmaadd_buffer_query_dma_segments(self->a, NULL, 0);
	ASSERT_EQ(1, n);
	memset(segs, 0xff, sizeof(segs));
	ASSERT_EQ(1, dmaadd_buffer_query_dma_segments(self->a, segs, 128));
	EXPECT_EQ(page_align(self->n * 4), segs[0].len);
	EXPECT_NE(0, segs[0].addr);
	EXPECT_EQ(UINT64_MAX, segs[1].addr);	/* only what exists */
	/* A device address is no CPU address; mask-limited. */
	EXPECT_EQ(0, segs[0].addr &
		     ~dmaadd_device_info_get_dma_mask(self->info));

	mem = malloc(len);
	ASSERT_NE(NULL, mem);
	memset(mem, 0, len);
	u = dmaadd_buffer_wrap_userptr(self->dev, mem, len, 0);
	ASSERT_NE(NULL, u);
	n = dmaadd_buffer_query_dma_segments(u, segs, 128);
	ASSERT_LE(1, n);
	ASSERT_GE(len / 4096 + 1, (size_t)n);
	EXPECT_EQ(len, sum_lengths(segs, n));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, segs[i].addr &
			     ~dmaadd_device_info_get_dma_mask(self->info));
	/* Room for one: one written, the total returned. */
	memset(segs, 0xff, sizeof(segs));
	EXPECT_EQ(n, dmaadd_buffer_query_dma_segments(u, segs, 1));
	EXPECT_NE(UINT64_MAX, segs[0].addr);
	EXPECT_EQ(UINT64_MAX, segs[1].addr);
	dmaadd_buffer_free(u);
	free(mem);
}

TEST_F(dev, query_dma_segments_without_cap_sys_admin)
{
	struct dmaadd_dma_segment seg;
	int status;
	pid_t pid;

	NEED_DEVICE();
	if (geteuid())
		SKIP(return, "needs root, to drop CAP_SYS_ADMIN");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* nobody: the open file stays usable, the capability goes. */
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (dmaadd_buffer_query_dma_segments(self->a, &seg, 1) != -1)
			_exit(11);
		if (errno != EPERM)
			_exit(12);
		/* Counting needs no privilege. */
		if (dmaadd_buffer_query_dma_segments(self->a, NULL, 0) != 1)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ------------------------------------------------------------------------ */
/* Sharing with another process                                             */
/* ------------------------------------------------------------------------ */

/* Child: import c, add its own a and b into it, exit 0 on success. */
static int share_child(int sock, const char *path, uint64_t n)
{
	struct dmaadd_buffer *a, *b, *c;
	struct dmaadd_device *dev;
	int fd;

	fd = dmaadd_fd_recv(sock);
	if (fd < 0)
		return 20;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		return 21;
	dev = dmaadd_device_open(path);
	if (!dev)
		return 22;
	c = dmaadd_buffer_import_dmabuf(dev, fd);
	close(fd);
	a = dmaadd_buffer_alloc(dev, n * 4);
	b = dmaadd_buffer_alloc(dev, n * 4);
	if (!c || !a || !b)
		return 23;
	fill(data(a), n, pat_a);
	fill(data(b), n, pat_b);
	if (dmaadd_device_add_i32(dev, c, a, b, n, WAIT_NS))
		return 24;
	/* Tell the parent by the exit status; clean up first. */
	dmaadd_buffer_free(a);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(c);
	dmaadd_device_close(dev);
	return 0;
}

TEST_F(dev, share_with_a_child_over_a_socket)
{
	int sv[2], fd, status;
	uint64_t i;
	pid_t pid;

	NEED_DEVICE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fd = dmaadd_buffer_export_dmabuf(self->c, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		_exit(share_child(sv[1], dmaadd_device_get_path(self->dev),
				  self->n));
	}
	close(sv[1]);
	ASSERT_EQ(0, dmaadd_fd_send(sv[0], fd));
	close(fd);
	close(sv[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	for (i = 0; i < self->n; i++)
		if (data(self->c)[i] != (uint32_t)(pat_a(i) + pat_b(i)))
			break;
	EXPECT_EQ(self->n, i);
}

TEST_F(dev, fd_send_recv_keeps_the_buffer_alive)
{
	struct dmaadd_buffer *buf, *back;
	int sv[2], fd, got;

	NEED_DEVICE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				sv));
	buf = dmaadd_buffer_alloc(self->dev, 4096);
	ASSERT_NE(NULL, buf);
	fill(data(buf), 1024, pat_b);
	fd = dmaadd_buffer_export_dmabuf(buf, DMAADD_EXPORT_READ_ONLY);
	ASSERT_LE(0, fd);
	/* In flight in the socket, the descriptor is all there is. */
	ASSERT_EQ(0, dmaadd_fd_send(sv[0], fd));
	close(fd);
	dmaadd_buffer_free(buf);
	got = dmaadd_fd_recv(sv[1]);
	ASSERT_LE(0, got);
	EXPECT_EQ(O_RDONLY, fcntl(got, F_GETFL) & O_ACCMODE);
	back = dmaadd_buffer_import_dmabuf(self->dev, got);
	ASSERT_NE(NULL, back);
	close(got);
	EXPECT_TRUE(dmaadd_buffer_is_read_only(back));
	EXPECT_EQ(pat_b(1023), data(back)[1023]);
	dmaadd_buffer_free(back);
	close(sv[0]);
	close(sv[1]);
}

/* ------------------------------------------------------------------------ */
/* The dmaadd tool (if the guest has it)                                   */
/* ------------------------------------------------------------------------ */

static const char *tool_path(void)
{
	const char *env = getenv("DMAADD_CLI");

	if (env && *env)
		return env;
	return access("/dmaadd", X_OK) ? NULL : "/dmaadd";
}

/*
 * Run the tool with @args, its output as "# " diagnostics in the log;
 * without CAP_SYS_ADMIN if @drop_sys_admin (root keeps its uid: exec then
 * grants the bounding set, from which the capability is dropped). Returns
 * its exit status (or -1), and whether @needle was printed.
 */
static int run_tool(char *const args[], const char *needle, bool *found,
		    bool drop_sys_admin)
{
	int pipefd[2], status;
	char line[512];
	FILE *out;
	pid_t pid;

	*found = false;
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		if (drop_sys_admin && prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN))
			_exit(126);
		execv(args[0], args);
		_exit(127);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	if (!out)
		return -1;
	while (fgets(line, sizeof(line), out)) {
		fprintf(stderr, "# | %s", line);
		if (strstr(line, needle))
			*found = true;
	}
	fclose(out);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(dev, tool_explain)
{
	const char *tool = tool_path();
	char index[16];
	bool found;

	NEED_DEVICE();
	if (!tool)
		SKIP(return, "no dmaadd tool (/dmaadd or $DMAADD_CLI)");
	snprintf(index, sizeof(index), "%u",
		 dmaadd_device_info_get_index(self->info));
	{
		char *const args[] = { (char *)tool, "explain", "--device",
				       index, NULL };

		EXPECT_EQ(0, run_tool(args, "DMA segments:", &found, false));
		EXPECT_TRUE(found);
	}
	if (!geteuid()) {
		char *const args[] = { (char *)tool, "explain", "--device",
				       index, "--size", "100K", NULL };

		EXPECT_EQ(0, run_tool(args, "device segments:   hidden",
				      &found, true));
		EXPECT_TRUE(found);
	}
	{
		char *const args[] = { (char *)tool, "explain", "--alloc",
				       "--size", "6M", "--device", index,
				       NULL };

		EXPECT_EQ(0, run_tool(args, "pages the driver allocated",
				      &found, false));
		EXPECT_TRUE(found);
	}
}

TEST_F(dev, tool_info_json_and_version)
{
	const char *tool = tool_path();
	char index[16], name[32], path[32], needle[64];
	bool found;

	NEED_DEVICE();
	if (!tool)
		SKIP(return, "no dmaadd tool (/dmaadd or $DMAADD_CLI)");
	snprintf(index, sizeof(index), "%u",
		 dmaadd_device_info_get_index(self->info));
	snprintf(name, sizeof(name), "dmaadd%s", index);
	snprintf(path, sizeof(path), "/dev/dmaadd%s", index);
	/* --device N, dmaaddN and /dev/dmaaddN are the same device. */
	{
		char *const args[] = { (char *)tool, "--json", "info",
				       "--device", index, NULL };

		snprintf(needle, sizeof(needle), "\"api_version\": %d",
			 DMAADD_API_VERSION);
		EXPECT_EQ(0, run_tool(args, needle, &found, false));
		EXPECT_TRUE(found);
	}
	{
		char *const args[] = { (char *)tool, "info", "--json",
				       "--device", name, NULL };

		snprintf(needle, sizeof(needle), "\"path\": \"%s\"", path);
		EXPECT_EQ(0, run_tool(args, needle, &found, false));
		EXPECT_TRUE(found);
	}
	{
		char *const args[] = { (char *)tool, "explain", "--json",
				       "--device", path, NULL };

		EXPECT_EQ(0, run_tool(args, "\"explanation\": \"", &found,
				      false));
		EXPECT_TRUE(found);
	}
	{
		char *const args[] = { (char *)tool, "--version", NULL };

		snprintf(needle, sizeof(needle), "module: API version %d",
			 DMAADD_API_VERSION);
		EXPECT_EQ(0, run_tool(args, needle, &found, false));
		EXPECT_TRUE(found);
	}
}

TEST_F(dev, tool_share)
{
	const char *tool = tool_path();
	struct dmaadd_device *other;
	char index[16], other_index[16];
	bool found;

	NEED_DEVICE();
	if (!tool)
		SKIP(return, "no dmaadd tool (/dmaadd or $DMAADD_CLI)");
	snprintf(index, sizeof(index), "%u",
		 dmaadd_device_info_get_index(self->info));
	{
		char *const args[] = { (char *)tool, "share", "--device",
				       index, NULL };

		EXPECT_EQ(0, run_tool(args, "PASS", &found, false));
		EXPECT_TRUE(found);
	}

	other = open_other_device(variant->position);
	if (!other)
		return;
	{
		struct dmaadd_device_info *oi = dmaadd_device_get_info(other);
		char *const args[] = { (char *)tool, "share", "--device",
				       index, "--child-device", other_index,
				       "--size", "3M", NULL };

		ASSERT_NE(NULL, oi);
		snprintf(other_index, sizeof(other_index), "%u",
			 dmaadd_device_info_get_index(oi));
		dmaadd_device_info_free(oi);
		EXPECT_EQ(0, run_tool(args, "PASS", &found, false));
		EXPECT_TRUE(found);
	}
	dmaadd_device_close(other);
}

/* ------------------------------------------------------------------------ */
/* Jobs the kernel or the library refuses                                   */
/* ------------------------------------------------------------------------ */

TEST_F(dev, submit_bad_jobs)
{
	struct dmaadd_job_desc job;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 0);
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	job = add_job(self->c, 0, self->a, 2, self->b, 0, 1);
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	job = add_job(self->c, 0, self->a, 0, self->b, 0, 1);
	job.op = 0;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	job.op = 1000;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	/* Past the end of a buffer. */
	job = add_job(self->c, 0, self->a, 0, self->b, 4, self->n);
	EXPECT_ERRNO(ERANGE, dmaadd_device_submit(self->dev, &job, NULL));
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n + 1);
	EXPECT_ERRNO(ERANGE, dmaadd_device_submit(self->dev, &job, NULL));

	/* count * 4 does not fit 64 bits. */
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 1ULL << 62);
	EXPECT_ERRNO(EOVERFLOW, dmaadd_device_submit(self->dev, &job, NULL));

	/* offset + length wraps; also past the end, so ERANGE is fair too. */
	job = add_job(self->c, 0, self->a, UINT64_MAX - 3, self->b, 0, 2);
	errno = 0;
	EXPECT_EQ(-1, dmaadd_device_submit(self->dev, &job, NULL));
	EXPECT_TRUE(errno == EOVERFLOW || errno == ERANGE) {
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	}

	/* Library checks: flags, NULL operand, struct size. */
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 1);
	job.flags = 1U << 31;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	job = add_job(self->c, 0, NULL, 0, self->b, 0, 1);
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 1);
	job.size = 8;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	/* Nothing above was queued or touched c. */
	EXPECT_EQ(POISON, data(self->c)[0]);
}

TEST_F(dev, submit_partial_overlap)
{
	struct dmaadd_job_desc job;
	uint64_t id;

	NEED_DEVICE();
	/* c overlaps a in part: refused. */
	job = add_job(self->a, 4, self->a, 0, self->b, 0, 16);
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	job = add_job(self->b, 0, self->a, 0, self->b, 60, 16);
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));

	/* Exactly the same range is in place: accepted. */
	job = add_job(self->a, 64, self->a, 64, self->b, 0, 16);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));

	/* Inputs may overlap each other. */
	job = add_job(self->c, 0, self->a, 0, self->a, 4, 16);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	EXPECT_EQ((uint32_t)(data(self->a)[0] + data(self->a)[1]),
		  data(self->c)[0]);
}

TEST_F(dev, submit_buffer_of_another_open_file)
{
	const char *path = dmaadd_device_get_path(self->dev);
	struct dmaadd_device *other, *fresh;
	struct dmaadd_buffer *foreign;
	struct dmaadd_job_desc job;
	struct dmaadd_submit raw = {
		.size = sizeof(raw),
		.op = DMAADD_OP_ADD_I32,
		.count = 1,
	};

	NEED_DEVICE();
	other = dmaadd_device_open(path);
	ASSERT_NE(NULL, other);
	foreign = dmaadd_buffer_alloc(other, 4096);
	ASSERT_NE(NULL, foreign);

	/* The library refuses a buffer of another open file... */
	job = add_job(foreign, 0, self->a, 0, self->b, 0, 1);
	EXPECT_ERRNO(EXDEV, dmaadd_device_submit(self->dev, &job, NULL));

	/* ...and so does the kernel: a file without buffers knows no handle. */
	fresh = dmaadd_device_open(path);
	ASSERT_NE(NULL, fresh);
	raw.a.handle = dmaadd_buffer_get_handle(foreign);
	raw.b.handle = raw.a.handle;
	raw.c.handle = raw.a.handle;
	errno = 0;
	EXPECT_EQ(-1, ioctl(dmaadd_device_get_fd(fresh), DMAADD_IOCTL_SUBMIT,
			    &raw));
	EXPECT_EQ(ENOENT, errno);

	dmaadd_device_close(fresh);
	dmaadd_buffer_free(foreign);
	dmaadd_device_close(other);
}

/* ------------------------------------------------------------------------ */
/* Job ids, waiting, history                                                */
/* ------------------------------------------------------------------------ */

TEST_F(dev, job_ids_count_from_one_per_file)
{
	struct dmaadd_job_desc job;
	struct dmaadd_device *other;
	struct dmaadd_buffer *a, *b, *c;
	uint64_t id, i;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 16);
	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
		EXPECT_EQ(i, id);
	}
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, 3, WAIT_NS, NULL));

	/* Another open file starts again at 1. */
	other = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, other);
	a = dmaadd_buffer_alloc(other, 64);
	b = dmaadd_buffer_alloc(other, 64);
	c = dmaadd_buffer_alloc(other, 64);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	job = add_job(c, 0, a, 0, b, 0, 16);
	ASSERT_EQ(0, dmaadd_device_submit(other, &job, &id));
	EXPECT_EQ(1, id);
	EXPECT_EQ(0, dmaadd_device_wait(other, id, WAIT_NS, NULL));
	dmaadd_buffer_free(c);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(a);
	dmaadd_device_close(other);
}

TEST_F(dev, wait_errors)
{
	struct dmaadd_job_desc job;
	uint32_t status = 1234;
	uint64_t id;

	NEED_DEVICE();
	EXPECT_ERRNO(EINVAL, dmaadd_device_wait(self->dev, 0, 0, &status));
	EXPECT_ERRNO(ENOENT, dmaadd_device_wait(self->dev, 1, 0, &status));
	EXPECT_EQ(1234, status);

	job = add_job(self->c, 0, self->a, 0, self->b, 0, 16);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_ERRNO(ENOENT, dmaadd_device_wait(self->dev, id + 1, 0, NULL));
	EXPECT_ERRNO(EINVAL, dmaadd_device_wait(self->dev, id, -2, NULL));
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
}

TEST_F(dev, wait_again_and_poll_after_completion)
{
	struct dmaadd_job_desc job;
	uint32_t status = 99;
	uint64_t id;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, DMAADD_WAIT_FOREVER,
					&status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	status = 99;
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, 0, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, 1, NULL));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
}

TEST_F(dev, poll_then_wait)
{
	struct dmaadd_job_desc job;
	uint64_t id;
	int ret;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	/* Done already or not: either answer is fine, nothing else. */
	errno = 0;
	ret = dmaadd_device_wait(self->dev, id, 0, NULL);
	EXPECT_TRUE(ret == 0 || errno == ETIMEDOUT) {
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	}
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
}

TEST_F(dev, many_jobs_complete_in_order)
{
	uint64_t jobs = 2 * (uint64_t)self->max_jobs + 3, i, first = 0, id;
	const uint64_t chunk = 64;
	struct dmaadd_job_desc job;
	uint32_t status;

	NEED_DEVICE();
	if (jobs * chunk > self->n)
		jobs = self->n / chunk;
	/* More jobs than slots: SUBMIT sleeps for a free one. */
	for (i = 0; i < jobs; i++) {
		job = add_job(self->c, i * chunk * 4, self->a, i * chunk * 4,
			      self->b, i * chunk * 4, chunk);
		ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
		if (!i)
			first = id;
		EXPECT_EQ(first + i, id);
	}
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	/* In order: the last done means all done (those still in history). */
	for (i = 0; i < jobs && i < self->history; i++) {
		status = 99;
		EXPECT_EQ(0, dmaadd_device_wait(self->dev, id - i, 0, &status));
		EXPECT_EQ(DMAADD_JOB_OK, status);
	}
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), jobs * chunk));
}

TEST_F_TIMEOUT(dev, old_jobs_leave_the_history, 120)
{
	struct dmaadd_job_desc job;
	uint64_t i, id = 0;

	NEED_DEVICE();
	if (self->history > 4096)
		SKIP(return, "job_history %u too long to walk", self->history);
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 1);
	for (i = 0; i <= self->history; i++)
		ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	/* The newest job_history jobs are kept; the one before is gone. */
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id - self->history + 1, 0,
					NULL));
	EXPECT_ERRNO(ENOENT, dmaadd_device_wait(self->dev, id - self->history,
						0, NULL));
}

/* ------------------------------------------------------------------------ */
/* Lifetimes                                                                */
/* ------------------------------------------------------------------------ */

TEST_F(dev, free_inputs_while_job_in_flight)
{
	struct dmaadd_buffer *a, *b;
	struct dmaadd_job_desc job;
	uint64_t i, id;

	NEED_DEVICE();
	a = dmaadd_buffer_alloc(self->dev, self->n * 4);
	b = dmaadd_buffer_alloc(self->dev, self->n * 4);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	fill(data(a), self->n, pat_a);
	fill(data(b), self->n, pat_b);
	job = add_job(self->c, 0, a, 0, b, 0, self->n);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	/* The job holds its own references on the memory. */
	dmaadd_buffer_free(a);
	dmaadd_buffer_free(b);
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	for (i = 0; i < self->n; i++)
		if (data(self->c)[i] != (uint32_t)(pat_a(i) + pat_b(i)))
			break;
	EXPECT_EQ(self->n, i);
}

TEST_F(dev, close_device_before_buffers)
{
	struct dmaadd_device *dev;
	struct dmaadd_buffer *a, *b;
	uint64_t id;
	struct dmaadd_job_desc job;

	NEED_DEVICE();
	dev = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, dev);
	a = dmaadd_buffer_alloc(dev, 4096);
	b = dmaadd_buffer_alloc(dev, 4096);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	fill(data(a), 1024, pat_a);
	fill(data(b), 1024, pat_b);
	job = add_job(a, 0, a, 0, b, 0, 1024);
	ASSERT_EQ(0, dmaadd_device_submit(dev, &job, &id));
	ASSERT_EQ(0, dmaadd_device_wait(dev, id, WAIT_NS, NULL));

	/* Buffers outlive the caller's close and stay mapped. */
	dmaadd_device_close(dev);
	EXPECT_EQ((uint32_t)(pat_a(1023) + pat_b(1023)), data(a)[1023]);
	data(b)[0] = 1;
	dmaadd_buffer_free(a);
	dmaadd_buffer_free(b);
}

TEST_F_TIMEOUT(dev, close_with_jobs_in_flight, 120)
{
	struct dmaadd_device *dev;
	struct dmaadd_buffer *a, *b, *c;
	struct dmaadd_job_desc job;
	uint64_t n = self->max_size / 4, i;

	NEED_DEVICE();
	if (n > QUEUE_JOB_ELEMS)
		n = QUEUE_JOB_ELEMS;
	dev = dmaadd_device_open(dmaadd_device_get_path(self->dev));
	ASSERT_NE(NULL, dev);
	a = dmaadd_buffer_alloc(dev, n * 4);
	b = dmaadd_buffer_alloc(dev, n * 4);
	c = dmaadd_buffer_alloc(dev, n * 4);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	job = add_job(c, 0, a, 0, b, 0, n);
	for (i = 0; i < self->max_jobs && i < 32; i++)
		ASSERT_EQ(0, dmaadd_device_submit(dev, &job, NULL));
	/* No wait: freeing and closing must not pull memory from the jobs. */
	dmaadd_buffer_free(a);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(c);
	dmaadd_device_close(dev);

	/* The device still works afterwards. */
	ASSERT_EQ(0, dmaadd_device_add_i32(self->dev, self->c, self->a,
					   self->b, self->n, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
}

/* ------------------------------------------------------------------------ */
/* Non-blocking submission and signals                                      */
/* ------------------------------------------------------------------------ */

TEST_F_TIMEOUT(dev, nonblocking_submit_never_spins_on_eagain, 120)
{
	struct dmaadd_buffer *a, *b, *c;
	struct dmaadd_job_desc job;
	uint64_t n = self->max_size / 4, i, id = 0, tries, ok = 0, eagain = 0;

	NEED_DEVICE();
	if (n > QUEUE_JOB_ELEMS)
		n = QUEUE_JOB_ELEMS;
	a = dmaadd_buffer_alloc(self->dev, n * 4);
	b = dmaadd_buffer_alloc(self->dev, n * 4);
	c = dmaadd_buffer_alloc(self->dev, n * 4);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	fill(data(a), n, pat_a);
	fill(data(b), n, pat_b);

	ASSERT_EQ(0, dmaadd_device_set_nonblocking(self->dev, true));
	job = add_job(c, 0, a, 0, b, 0, n);
	/* The file has no jobs yet, so the first one has a free slot. */
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	/*
	 * Try well past max_jobs_in_flight: every failure must be EAGAIN,
	 * returned at once (the library must not retry it), whether the
	 * file's slots or the device's queue are full.
	 */
	tries = 2 * (uint64_t)self->max_jobs + 64;
	for (i = 0; i < tries; i++) {
		errno = 0;
		if (!dmaadd_device_submit(self->dev, &job, &id)) {
			ok++;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno);
		eagain++;
	}
	TH_LOG("%llu queued, %llu EAGAIN", (unsigned long long)ok + 1,
	       (unsigned long long)eagain);

	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	EXPECT_EQ(-1, first_wrong_sum(data(a), data(b), data(c), n));
	ASSERT_EQ(0, dmaadd_device_set_nonblocking(self->dev, false));
	dmaadd_buffer_free(c);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(a);
}

static volatile sig_atomic_t signals_seen;

static void count_signal(int __attribute__((unused)) sig)
{
	signals_seen++;
}

TEST_F_TIMEOUT(dev, signals_do_not_break_submit_or_wait, 120)
{
	struct sigaction sa = { .sa_handler = count_signal };	/* no SA_RESTART */
	struct itimerval every_200us = {
		.it_interval = { .tv_usec = 200 },
		.it_value = { .tv_usec = 200 },
	};
	const struct itimerval off = { 0 };
	struct dmaadd_buffer *a, *b, *c;
	struct dmaadd_job_desc job;
	uint64_t n = self->max_size / 4, i, id = 0;

	NEED_DEVICE();
	if (n > QUEUE_JOB_ELEMS)
		n = QUEUE_JOB_ELEMS;
	a = dmaadd_buffer_alloc(self->dev, n * 4);
	b = dmaadd_buffer_alloc(self->dev, n * 4);
	c = dmaadd_buffer_alloc(self->dev, n * 4);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	fill(data(a), n, pat_a);
	fill(data(b), n, pat_b);
	job = add_job(c, 0, a, 0, b, 0, n);

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every_200us, NULL));
	/* Blocking submits that must sleep for slots, then a long wait. */
	for (i = 0; i < 2 * (uint64_t)self->max_jobs + 1; i++)
		ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	setitimer(ITIMER_REAL, &off, NULL);

	TH_LOG("%d signals during the test", (int)signals_seen);
	EXPECT_EQ(-1, first_wrong_sum(data(a), data(b), data(c), n));
	dmaadd_buffer_free(c);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(a);
}

/* ------------------------------------------------------------------------ */
/* Fences (1.2)                                                             */
/* ------------------------------------------------------------------------ */

#define HELD_NS (200 * 1000000LL)	/* how long a held job must stay held */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static bool is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

/* A job with fence flags, through dmaadd_device_submit_fence(). */
static int submit_fenced(struct dmaadd_device *dev, struct dmaadd_job_desc job,
			 uint32_t flags, int in_fd, uint64_t *id, int *out_fd)
{
	job.flags = flags;
	if (flags & DMAADD_JOB_IN_FENCE)
		job.in_fence_fd = in_fd;
	return dmaadd_device_submit_fence(dev, &job, id, out_fd);
}

/* Another open file: of the other device if there is one, else this one's. */
static struct dmaadd_device *open_peer(struct dmaadd_device *dev,
				       unsigned int position)
{
	struct dmaadd_device *peer = open_other_device(position);

	return peer ?: dmaadd_device_open(dmaadd_device_get_path(dev));
}

/*
 * A vgem fence nobody has signalled, as a sync_file: @sync for
 * DMAADD_JOB_IN_FENCE, @fence for vgem_fence_signal(). vgem signals it by
 * itself after 10 s: "still held" checks look well inside that.
 */
struct blocker {
	int vgem;
	struct vgem_bo bo;
	int dmabuf;
	int fence;
	int sync;
};

static int blocker_create(struct blocker *blk)
{
	memset(blk, 0, sizeof(*blk));
	blk->dmabuf = -1;
	blk->sync = -1;
	blk->vgem = vgem_open();
	if (blk->vgem < 0)
		return -1;
	if (vgem_bo_create(blk->vgem, 1, &blk->bo))
		return -1;
	blk->fence = vgem_fence_attach(blk->vgem, blk->bo.handle, 1);
	if (blk->fence < 0)
		return -1;
	blk->dmabuf = prime_handle_to_fd(blk->vgem, blk->bo.handle);
	if (blk->dmabuf < 0)
		return -1;
	/* What a reader waits for: the writer fence just attached. */
	blk->sync = dmabuf_export_sync_file(blk->dmabuf, 0);
	return blk->sync < 0 ? -1 : 0;
}

static int blocker_release(struct blocker *blk)
{
	return vgem_fence_signal(blk->vgem, blk->fence);
}

static void blocker_destroy(struct blocker *blk)
{
	if (blk->vgem < 0)
		return;
	vgem_fence_signal(blk->vgem, blk->fence);
	if (blk->sync >= 0)
		close(blk->sync);
	if (blk->dmabuf >= 0)
		close(blk->dmabuf);
	if (blk->bo.map)
		munmap(blk->bo.map, blk->bo.size);
	close(blk->vgem);
}

#define NEED_BLOCKER(_blk)						\
	do {								\
		if (blocker_create(_blk)) {				\
			int __vgem = (_blk)->vgem;			\
									\
			blocker_destroy(_blk);				\
			if (__vgem < 0)					\
				SKIP(return, "no vgem device in /dev/dri"); \
			ASSERT_TRUE(false) {				\
				TH_LOG("vgem fence: %s", strerror(errno)); \
			}						\
		}							\
	} while (0)

/* Asserts that @fence_fd is still pending HELD_NS from now. */
#define ASSERT_FENCE_HELD(_fd)						\
	do {								\
		uint64_t __t0 = mono_ns();				\
									\
		EXPECT_ERRNO(ETIMEDOUT, dmaadd_fence_wait((_fd), HELD_NS)); \
		EXPECT_LE(__t0 + HELD_NS, mono_ns());			\
	} while (0)

/* The debugfs hook that makes the n-th next descriptor of a device fault. */
static int inject_fault(uint32_t index, unsigned int nth)
{
	char path[96];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/dmaadd/dmaadd%u/inject_fault", index);
	f = fopen(path, "we");
	if (!f)
		return -1;
	ret = fprintf(f, "%u\n", nth) < 0;
	return fclose(f) || ret ? -1 : 0;
}

TEST_F(dev, fence_out_fence_signals_when_done)
{
	struct dmaadd_job_desc job;
	uint32_t status = 99;
	int out = -1, err = -1;
	uint64_t id;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_OUT_FENCE, 0,
				   &id, &out));
	ASSERT_LE(0, out);
	EXPECT_TRUE(is_cloexec(out));
	ASSERT_EQ(0, dmaadd_fence_wait(out, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	EXPECT_EQ(1, dmaadd_fence_get_status(out, &err));
	EXPECT_EQ(0, err);
	/* The job's own status agrees, without waiting. */
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, 0, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(0, close(out));
}

/* Job 2 waits for job 1's out-fence and reads what job 1 wrote. */
TEST_F(dev, fence_in_fence_chains_jobs)
{
	struct dmaadd_buffer *d;
	struct dmaadd_job_desc job;
	int out1 = -1, out2 = -1;
	uint64_t id1, id2, i;

	NEED_DEVICE();
	d = dmaadd_buffer_alloc(self->dev, self->n * 4);
	ASSERT_NE(NULL, d);
	fill_value(data(d), self->n, POISON);
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_OUT_FENCE, 0,
				   &id1, &out1));
	job = add_job(d, 0, self->c, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job,
				   DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE,
				   out1, &id2, &out2));
	EXPECT_EQ(id1 + 1, id2);
	ASSERT_EQ(0, dmaadd_fence_wait(out2, WAIT_NS));
	for (i = 0; i < self->n; i++)
		if (data(d)[i] != (uint32_t)(pat_a(i) + 2 * pat_b(i)))
			break;
	EXPECT_EQ(self->n, i);
	/* Job 1 is done too: fences of one file signal in order. */
	EXPECT_EQ(1, dmaadd_fence_get_status(out1, NULL));
	close(out1);
	close(out2);
	dmaadd_buffer_free(d);
}

/*
 * A job of another open file (of the other device, if there is one) writes
 * into this file's c through a dma-buf; this file's job waits for that
 * job's out-fence and reads c.
 */
TEST_F(dev, fence_in_fence_from_another_file)
{
	struct dmaadd_buffer *x, *y, *c2, *d;
	struct dmaadd_device *peer;
	struct dmaadd_job_desc job;
	int dmabuf, out1 = -1, out2 = -1;
	uint64_t i;

	NEED_DEVICE();
	peer = open_peer(self->dev, variant->position);
	ASSERT_NE(NULL, peer);
	x = dmaadd_buffer_alloc(peer, self->n * 4);
	y = dmaadd_buffer_alloc(peer, self->n * 4);
	d = dmaadd_buffer_alloc(self->dev, self->n * 4);
	ASSERT_NE(NULL, x);
	ASSERT_NE(NULL, y);
	ASSERT_NE(NULL, d);
	fill(data(x), self->n, pat_b);
	fill_value(data(y), self->n, 5);
	dmabuf = dmaadd_buffer_export_dmabuf(self->c, 0);
	ASSERT_LE(0, dmabuf);
	c2 = dmaadd_buffer_import_dmabuf(peer, dmabuf);
	ASSERT_NE(NULL, c2);
	close(dmabuf);

	job = add_job(c2, 0, x, 0, y, 0, self->n);
	ASSERT_EQ(0, submit_fenced(peer, job, DMAADD_JOB_OUT_FENCE, 0, NULL,
				   &out1));
	job = add_job(d, 0, self->c, 0, self->a, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job,
				   DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE,
				   out1, NULL, &out2));
	ASSERT_EQ(0, dmaadd_fence_wait(out2, WAIT_NS));
	EXPECT_EQ(1, dmaadd_fence_get_status(out1, NULL));
	/* d = (x + y) + a */
	for (i = 0; i < self->n; i++)
		if (data(d)[i] != (uint32_t)(pat_b(i) + 5 + pat_a(i)))
			break;
	EXPECT_EQ(self->n, i);
	close(out1);
	close(out2);
	dmaadd_buffer_free(c2);
	dmaadd_buffer_free(x);
	dmaadd_buffer_free(y);
	dmaadd_buffer_free(d);
	dmaadd_device_close(peer);
}

/* An in-fence not yet signalled holds the job; the wait times out. */
TEST_F(dev, fence_wait_times_out_on_held_job)
{
	struct dmaadd_job_desc job;
	struct blocker blk;
	int out = -1, err = -1;

	NEED_DEVICE();
	NEED_BLOCKER(&blk);
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job,
				   DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE,
				   blk.sync, NULL, &out));
	ASSERT_FENCE_HELD(out);
	EXPECT_EQ(0, dmaadd_fence_get_status(out, &err));
	EXPECT_EQ(0, err);
	EXPECT_EQ(POISON, data(self->c)[0]);

	ASSERT_EQ(0, blocker_release(&blk));
	ASSERT_EQ(0, dmaadd_fence_wait(out, WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	close(out);
	blocker_destroy(&blk);
}

/* The same across open files: the peer's held job holds this file's job. */
TEST_F(dev, fence_in_fence_of_held_job_of_another_file)
{
	struct dmaadd_buffer *x, *y, *z;
	struct dmaadd_device *peer;
	struct dmaadd_job_desc job;
	struct blocker blk;
	int out1 = -1, out2 = -1;

	NEED_DEVICE();
	NEED_BLOCKER(&blk);
	peer = open_peer(self->dev, variant->position);
	ASSERT_NE(NULL, peer);
	x = dmaadd_buffer_alloc(peer, 4096);
	y = dmaadd_buffer_alloc(peer, 4096);
	z = dmaadd_buffer_alloc(peer, 4096);
	ASSERT_NE(NULL, z);
	job = add_job(z, 0, x, 0, y, 0, 1024);
	ASSERT_EQ(0, submit_fenced(peer, job,
				   DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE,
				   blk.sync, NULL, &out1));

	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job,
				   DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE,
				   out1, NULL, &out2));
	ASSERT_FENCE_HELD(out2);
	EXPECT_EQ(POISON, data(self->c)[0]);

	ASSERT_EQ(0, blocker_release(&blk));
	ASSERT_EQ(0, dmaadd_fence_wait(out2, WAIT_NS));
	EXPECT_EQ(1, dmaadd_fence_get_status(out1, NULL));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	close(out1);
	close(out2);
	dmaadd_buffer_free(x);
	dmaadd_buffer_free(y);
	dmaadd_buffer_free(z);
	dmaadd_device_close(peer);
	blocker_destroy(&blk);
}

/* Two timelines merged: pending until both have signalled. */
TEST_F(dev, fence_merge_waits_for_both)
{
	struct dmaadd_buffer *x, *y, *z;
	struct dmaadd_device *peer;
	struct dmaadd_job_desc job;
	struct blocker blk;
	int out1 = -1, out2 = -1, merged;

	NEED_DEVICE();
	NEED_BLOCKER(&blk);
	peer = open_peer(self->dev, variant->position);
	ASSERT_NE(NULL, peer);
	x = dmaadd_buffer_alloc(peer, 4096);
	y = dmaadd_buffer_alloc(peer, 4096);
	z = dmaadd_buffer_alloc(peer, 4096);
	ASSERT_NE(NULL, z);
	job = add_job(z, 0, x, 0, y, 0, 1024);
	ASSERT_EQ(0, submit_fenced(peer, job,
				   DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE,
				   blk.sync, NULL, &out1));
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_OUT_FENCE, 0,
				   NULL, &out2));
	ASSERT_EQ(0, dmaadd_fence_wait(out2, WAIT_NS));

	merged = dmaadd_fence_merge(out1, out2);
	ASSERT_LE(0, merged);
	EXPECT_TRUE(is_cloexec(merged));
	ASSERT_FENCE_HELD(merged);

	ASSERT_EQ(0, blocker_release(&blk));
	ASSERT_EQ(0, dmaadd_fence_wait(merged, WAIT_NS));
	EXPECT_EQ(1, dmaadd_fence_get_status(out1, NULL));
	close(merged);
	close(out1);
	close(out2);
	dmaadd_buffer_free(x);
	dmaadd_buffer_free(y);
	dmaadd_buffer_free(z);
	dmaadd_device_close(peer);
	blocker_destroy(&blk);
}

/* A merged fence is a fence like any other: an in-fence, for one. */
TEST_F(dev, fence_merge_as_in_fence)
{
	struct dmaadd_job_desc job;
	int out1 = -1, out2 = -1, out3 = -1, merged;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_OUT_FENCE, 0,
				   NULL, &out1));
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_OUT_FENCE, 0,
				   NULL, &out2));
	merged = dmaadd_fence_merge(out1, out2);
	ASSERT_LE(0, merged);
	job = add_job(self->a, 0, self->c, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job,
				   DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE,
				   merged, NULL, &out3));
	ASSERT_EQ(0, dmaadd_fence_wait(out3, WAIT_NS));
	EXPECT_EQ(1, dmaadd_fence_get_status(merged, NULL));
	EXPECT_EQ((uint32_t)(pat_a(9) + 2 * pat_b(9)), data(self->a)[9]);
	close(merged);
	close(out1);
	close(out2);
	close(out3);
}

/* A job the device faults on: its fence signals with an error, EIO. */
TEST_F(dev, fence_of_faulted_job_is_eio)
{
	struct dmaadd_job_desc job;
	int out = -1, err = -1;
	uint32_t status = 99;
	uint64_t id;

	NEED_DEVICE();
	if (inject_fault(dmaadd_device_info_get_index(self->info), 1))
		SKIP(return, "no debugfs inject_fault: %s", strerror(errno));
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_OUT_FENCE, 0,
				   &id, &out));
	EXPECT_ERRNO(EIO, dmaadd_fence_wait(out, WAIT_NS));
	EXPECT_EQ(1, dmaadd_fence_get_status(out, &err));
	EXPECT_EQ(EIO, err);
	EXPECT_ERRNO(EIO, dmaadd_device_wait(self->dev, id, 0, &status));
	EXPECT_EQ(DMAADD_JOB_FAULT, status);
	EXPECT_EQ(POISON, data(self->c)[0]);	/* nothing written */
	close(out);
}

TEST_F(dev, fence_in_fence_not_a_sync_file)
{
	struct dmaadd_job_desc job;
	int out = 1234;
	uint64_t id;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	EXPECT_ERRNO(EINVAL, submit_fenced(self->dev, job,
					   DMAADD_JOB_IN_FENCE |
					   DMAADD_JOB_OUT_FENCE,
					   dmaadd_device_get_fd(self->dev),
					   NULL, &out));
	EXPECT_EQ(1234, out);
	/* Nothing queued, no id used. */
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(1, id);
}

TEST_F(dev, fence_wait_not_a_sync_file)
{
	NEED_DEVICE();
	EXPECT_ERRNO(EINVAL, dmaadd_fence_wait(dmaadd_device_get_fd(self->dev),
					       WAIT_NS));
}

TEST_F(dev, fence_merge_not_a_sync_file)
{
	struct dmaadd_job_desc job;
	int out = -1;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_OUT_FENCE, 0,
				   NULL, &out));
	EXPECT_ERRNO(EINVAL, dmaadd_fence_merge(out,
						dmaadd_device_get_fd(self->dev)));
	close(out);
}

TEST_F(dev, fence_out_fence_needs_submit_fence)
{
	struct dmaadd_job_desc job;
	uint64_t id;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	job.flags = DMAADD_JOB_OUT_FENCE;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit(self->dev, &job, NULL));
	job.flags = 0;
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_EQ(1, id);
}

/* ------------------------------------------------------------------------ */
/* The completion page (1.4)                                                */
/* ------------------------------------------------------------------------ */

/* dmaadd_device_peek() while the job is pending, for at most WAIT_NS. */
static int peek_until_done(struct dmaadd_device *dev, uint64_t id,
			   uint32_t *status)
{
	uint64_t deadline = mono_ns() + WAIT_NS;
	int ret;

	while ((ret = dmaadd_device_peek(dev, id, status)) == -1 &&
	       errno == EAGAIN && mono_ns() < deadline)
		usleep(100);
	return ret;
}

/* The mappings of @path at offset 0 with permissions @perms, e.g. "r--s". */
static int count_page_mappings(const char *path, const char *perms)
{
	char line[PATH_MAX + 128], p[5], name[PATH_MAX];
	unsigned long long off;
	int n = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*x-%*x %4s %llx %*s %*u %s", p, &off,
			   name) == 3 &&
		    !off && !strcmp(p, perms) && !strcmp(name, path))
			n++;
	fclose(f);
	return n;
}

TEST_F(dev, peek_page_is_mapped_read_only_until_close)
{
	char path[PATH_MAX];
	struct dmaadd_device *dev;
	int before;

	NEED_DEVICE();
#if !defined(__GCC_ATOMIC_LLONG_LOCK_FREE) || __GCC_ATOMIC_LLONG_LOCK_FREE != 2
	SKIP(return, "no lock-free 64-bit atomics: the library maps no page");
#endif
	/* /proc/self/maps names the node itself, not a symlink to it. */
	ASSERT_NE(NULL, realpath(dmaadd_device_get_path(self->dev), path));
	before = count_page_mappings(path, "r--s");
	ASSERT_LE(1, before);	/* the fixture's device */
	dev = dmaadd_device_open(path);
	ASSERT_NE(NULL, dev);
	EXPECT_EQ(before + 1, count_page_mappings(path, "r--s"));
	dmaadd_device_close(dev);
	EXPECT_EQ(before, count_page_mappings(path, "r--s"));
}

TEST_F(dev, peek_until_done_sees_the_output)
{
	struct dmaadd_job_desc job;
	uint32_t status = 99;
	uint64_t id;

	NEED_DEVICE();
	EXPECT_ERRNO(EINVAL, dmaadd_device_peek(self->dev, 0, &status));
	EXPECT_ERRNO(ENOENT, dmaadd_device_peek(self->dev, 1, &status));
	EXPECT_EQ(99, status);

	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	ASSERT_EQ(0, peek_until_done(self->dev, id, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	/* Completed means the output is there, without a WAIT. */
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	EXPECT_ERRNO(ENOENT, dmaadd_device_peek(self->dev, id + 1, NULL));
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, id, 0, NULL));
	EXPECT_EQ(0, dmaadd_device_peek(self->dev, id, NULL));
}

TEST_F(dev, peek_held_job_is_eagain)
{
	struct dmaadd_job_desc job;
	struct blocker blk;
	uint32_t status = 99;
	uint64_t id;

	NEED_DEVICE();
	NEED_BLOCKER(&blk);
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, submit_fenced(self->dev, job, DMAADD_JOB_IN_FENCE,
				   blk.sync, &id, NULL));
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(self->dev, id, &status));
	usleep(100000);
	EXPECT_ERRNO(EAGAIN, dmaadd_device_peek(self->dev, id, &status));
	EXPECT_EQ(99, status);
	EXPECT_EQ(POISON, data(self->c)[0]);

	ASSERT_EQ(0, blocker_release(&blk));
	ASSERT_EQ(0, peek_until_done(self->dev, id, &status));
	EXPECT_EQ(DMAADD_JOB_OK, status);
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	blocker_destroy(&blk);
}

TEST_F(dev, peek_of_faulted_job_is_eio)
{
	struct dmaadd_job_desc job;
	uint32_t status = 99;
	uint64_t id;

	NEED_DEVICE();
	if (inject_fault(dmaadd_device_info_get_index(self->info), 1))
		SKIP(return, "no debugfs inject_fault: %s", strerror(errno));
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	EXPECT_ERRNO(EIO, peek_until_done(self->dev, id, &status));
	EXPECT_EQ(DMAADD_JOB_FAULT, status);
	EXPECT_EQ(POISON, data(self->c)[0]);	/* nothing written */
}

/* A job DMAADD_COMPLETION_HISTORY jobs older has left the page: WAIT. */
TEST_F(dev, peek_job_older_than_the_page)
{
	const uint64_t jobs = DMAADD_COMPLETION_HISTORY + 2;
	struct dmaadd_job_desc job;
	uint64_t i, first = 0, id = 0;

	NEED_DEVICE();
	if (self->history < jobs)
		SKIP(return, "job_history %u below %llu", self->history,
		     (unsigned long long)jobs);
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 1);
	for (i = 0; i < jobs; i++) {
		ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
		if (!i)
			first = id;
	}
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	for (i = first; i <= id; i++)
		EXPECT_EQ(0, dmaadd_device_peek(self->dev, i, NULL)) {
			TH_LOG("job %llu of %llu..%llu: %s",
			       (unsigned long long)i, (unsigned long long)first,
			       (unsigned long long)id, strerror(errno));
		}
}

/* A binary built against libdmaadd 1.1 passes the shorter struct. */
TEST_F(dev, job_desc_of_first_version_size)
{
	struct dmaadd_job_desc job;
	uint64_t id;

	NEED_DEVICE();
	job = add_job(self->c, 0, self->a, 0, self->b, 0, self->n);
	job.size = DMAADD_JOB_DESC_SIZE_VER0;
	/* Beyond that size: not read. */
	job.in_fence_fd = dmaadd_device_get_fd(self->dev);
	job.__reserved = 0xdeadbeef;
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &job, &id));
	ASSERT_EQ(0, dmaadd_device_wait(self->dev, id, WAIT_NS, NULL));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	fill_value(data(self->c), self->n, POISON);
	ASSERT_EQ(0, dmaadd_device_run(self->dev, &job, WAIT_NS, NULL));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
}

/* ------------------------------------------------------------------------ */
/* Batched submission (1.2)                                                 */
/* ------------------------------------------------------------------------ */

#define BATCH 64

/* @count jobs, job i adding slice i of a and b into slice i of c. */
static void batch_init(FIXTURE_DATA(dev) *self, struct dmaadd_job_desc *jd,
		       const struct dmaadd_job_desc **jobs, unsigned int count)
{
	uint64_t slice = self->n / count, i;

	for (i = 0; i < count; i++) {
		jd[i] = add_job(self->c, i * slice * 4, self->a, i * slice * 4,
				self->b, i * slice * 4, slice);
		jobs[i] = &jd[i];
	}
}

TEST_F(dev, batch_of_64_jobs)
{
	const struct dmaadd_job_desc *jobs[BATCH];
	struct dmaadd_job_desc jd[BATCH];
	uint64_t first = 0, i;
	int outs[BATCH];
	uint32_t status;
	size_t index = 99;

	NEED_DEVICE();
	ASSERT_LE(BATCH, self->max_jobs);
	batch_init(self, jd, jobs, BATCH);
	/* Jobs complete in order: the last one's fence is enough. */
	jd[BATCH - 1].flags = DMAADD_JOB_OUT_FENCE;
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, BATCH, &first,
						outs, &index));
	EXPECT_EQ(1, first);
	EXPECT_EQ(99, index);
	for (i = 0; i < BATCH - 1; i++)
		EXPECT_EQ(-1, outs[i]);
	ASSERT_LE(0, outs[BATCH - 1]);
	ASSERT_EQ(0, dmaadd_fence_wait(outs[BATCH - 1], WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	for (i = 0; i < BATCH && i < self->history; i++) {
		status = 99;
		EXPECT_EQ(0, dmaadd_device_wait(self->dev, first + BATCH - 1 - i,
						0, &status));
		EXPECT_EQ(DMAADD_JOB_OK, status);
	}
	/* The next id follows the batch. */
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &jd[0], &i));
	EXPECT_EQ(first + BATCH, i);
	close(outs[BATCH - 1]);
}

TEST_F(dev, batch_out_fence_per_job)
{
	const struct dmaadd_job_desc *jobs[8];
	struct dmaadd_job_desc jd[8];
	unsigned int i, j;
	int outs[8];

	NEED_DEVICE();
	batch_init(self, jd, jobs, 8);
	for (i = 0; i < 8; i++)
		jd[i].flags = DMAADD_JOB_OUT_FENCE;
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, 8, NULL, outs,
						NULL));
	for (i = 0; i < 8; i++) {
		ASSERT_LE(0, outs[i]);
		EXPECT_TRUE(is_cloexec(outs[i]));
		for (j = 0; j < i; j++)
			EXPECT_NE(outs[j], outs[i]);
		EXPECT_EQ(0, dmaadd_fence_wait(outs[i], WAIT_NS));
	}
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	for (i = 0; i < 8; i++)
		close(outs[i]);
}

/* One in-fence at the head of a batch holds all of it. */
TEST_F(dev, batch_held_by_in_fence)
{
	const struct dmaadd_job_desc *jobs[4];
	struct dmaadd_job_desc jd[4];
	struct blocker blk;
	int outs[4];

	NEED_DEVICE();
	NEED_BLOCKER(&blk);
	batch_init(self, jd, jobs, 4);
	jd[0].flags = DMAADD_JOB_IN_FENCE;
	jd[0].in_fence_fd = blk.sync;
	jd[3].flags = DMAADD_JOB_OUT_FENCE;
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, 4, NULL, outs,
						NULL));
	ASSERT_FENCE_HELD(outs[3]);
	EXPECT_EQ(POISON, data(self->c)[0]);
	EXPECT_EQ(POISON, data(self->c)[self->n - 1]);

	ASSERT_EQ(0, blocker_release(&blk));
	ASSERT_EQ(0, dmaadd_fence_wait(outs[3], WAIT_NS));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), self->n));
	close(outs[3]);
	blocker_destroy(&blk);
}

/* One bad job: the kernel's errno and index come back, nothing ran. */
TEST_F(dev, batch_with_one_bad_job_runs_nothing)
{
	const struct dmaadd_job_desc *jobs[8];
	struct dmaadd_job_desc jd[8];
	int outs[8] = { 7, 7, 7, 7, 7, 7, 7, 7 };
	uint64_t first = 99, id, i;
	size_t index = 99;

	NEED_DEVICE();
	batch_init(self, jd, jobs, 8);
	for (i = 0; i < 8; i++)
		jd[i].flags = DMAADD_JOB_OUT_FENCE;
	jd[5].b.offset = self->n * 4;	/* past the end of b */
	EXPECT_ERRNO(ERANGE, dmaadd_device_submit_batch(self->dev, jobs, 8,
							&first, outs, &index));
	EXPECT_EQ(5, index);
	EXPECT_EQ(99, first);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(7, outs[i]);
	usleep(100 * 1000);
	for (i = 0; i < self->n; i++)
		if (data(self->c)[i] != POISON)
			break;
	EXPECT_EQ(self->n, i);
	/* No id was used. */
	jd[0].flags = 0;
	ASSERT_EQ(0, dmaadd_device_submit(self->dev, &jd[0], &id));
	EXPECT_EQ(1, id);
}

TEST_F(dev, batch_count_zero)
{
	const struct dmaadd_job_desc *jobs[1];
	struct dmaadd_job_desc jd[1];
	size_t index = 99;

	NEED_DEVICE();
	batch_init(self, jd, jobs, 1);
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, jobs, 0,
							NULL, NULL, &index));
	EXPECT_EQ(0, index);
}

TEST_F(dev, batch_count_above_max_jobs_in_flight)
{
	const struct dmaadd_job_desc **jobs;
	struct dmaadd_job_desc job;
	size_t count = (size_t)self->max_jobs + 1, index = 99, i;

	NEED_DEVICE();
	jobs = calloc(count, sizeof(*jobs));
	ASSERT_NE(NULL, jobs);
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 1);
	for (i = 0; i < count; i++)
		jobs[i] = &job;
	EXPECT_ERRNO(EINVAL, dmaadd_device_submit_batch(self->dev, jobs, count,
							NULL, NULL, &index));
	EXPECT_EQ(count, index);
	free(jobs);
}

/* The largest batch: max_jobs_in_flight jobs in one call. */
TEST_F(dev, batch_of_max_jobs_in_flight)
{
	const struct dmaadd_job_desc **jobs;
	struct dmaadd_job_desc job;
	size_t count = self->max_jobs, i;
	uint64_t first;

	NEED_DEVICE();
	jobs = calloc(count, sizeof(*jobs));
	ASSERT_NE(NULL, jobs);
	job = add_job(self->c, 0, self->a, 0, self->b, 0, 16);
	for (i = 0; i < count; i++)
		jobs[i] = &job;
	ASSERT_EQ(0, dmaadd_device_submit_batch(self->dev, jobs, count, &first,
						NULL, NULL));
	EXPECT_EQ(0, dmaadd_device_wait(self->dev, first + count - 1, WAIT_NS,
					NULL));
	EXPECT_EQ(-1, first_wrong_sum(data(self->a), data(self->b),
				      data(self->c), 16));
	free(jobs);
}

TEST_HARNESS_MAIN
