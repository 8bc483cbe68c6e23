// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdmaadd against a real dmaadd device (runs in the guest).
 *
 * Each test runs once on the first and once on the second device found in
 * /dev (the second variant skips when there is only one), or on
 * $DMAADD_TEST_DEVICE if set (then the second variant skips).
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libdmaadd.h>

#include "kselftest_harness.h"

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
	job.flags = 1;
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

TEST_HARNESS_MAIN
