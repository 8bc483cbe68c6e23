// SPDX-License-Identifier: GPL-2.0
/*
 * dmaadd jobs: end-to-end correctness of SUBMIT + WAIT over sizes, offsets
 * and aliasing; job ids, timeouts, history, ordering, a full queue,
 * signals; several files, threads, and buffers or files going away while
 * jobs run. Bad inputs are in errno_test.c.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "fence.h"

/* What the device must never write: the output's neighbours. */
#define GUARD		0xdeadbeefU

/* How many times a test tries to catch a timing window before skipping. */
#define ATTEMPTS	10

/* Three buffers of one length for a, b and c. */
struct job_bufs {
	struct dmaadd_buf a, b, c;
};

static int job_bufs_create(int fd, __u64 length, struct job_bufs *jb)
{
	if (_test_buf_create(fd, length, &jb->a) ||
	    _test_buf_create(fd, length, &jb->b) ||
	    _test_buf_create(fd, length, &jb->c))
		return -1;
	return 0;
}

#define test_job_bufs_create(_length, _jb) \
	ASSERT_EQ(0, job_bufs_create(self->fd, _length, _jb))

/* Random inputs over the whole of a and b. */
static void job_bufs_fill(struct job_bufs *jb, __u32 seed)
{
	dmaadd_fill_random(jb->a.map, jb->a.map_length / ELEM_SIZE, seed);
	dmaadd_fill_random(jb->b.map, jb->b.map_length / ELEM_SIZE,
			   seed * 31 + 7);
}

/* c = a + b over the first @count elements of each buffer. */
static int submit_whole(int fd, struct job_bufs *jb, __u64 count,
			__u64 *job_id)
{
	return _test_ioctl_submit(fd, count, OPND(jb->a.handle, 0),
				  OPND(jb->b.handle, 0),
				  OPND(jb->c.handle, 0), job_id);
}

/* The largest job every device takes: 4 MiB arrays. */
#define BIG_COUNT	(DMAADD_COHERENT_MAX / ELEM_SIZE)

/*
 * Queues up to @nr big jobs; returns how many were accepted, with the id of
 * the last one in @last_id and errno set by the first failure.
 */
static unsigned int queue_big(int fd, struct job_bufs *jb, unsigned int nr,
			      __u64 *last_id)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (submit_whole(fd, jb, BIG_COUNT, last_id))
			break;
	return i;
}

static volatile sig_atomic_t sigalrm_count;

static void sigalrm_handler(int sig)
{
	(void)sig;
	sigalrm_count++;
}

static int set_sigalrm(bool restart)
{
	struct sigaction sa = {
		.sa_handler = sigalrm_handler,
		.sa_flags = restart ? SA_RESTART : 0,
	};

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGALRM, &sa, NULL);
}

static int arm_timer(long first_us, long interval_us)
{
	struct itimerval it = {
		.it_value = { .tv_sec = first_us / 1000000,
			      .tv_usec = first_us % 1000000 },
		.it_interval = { .tv_sec = interval_us / 1000000,
				 .tv_usec = interval_us % 1000000 },
	};

	return setitimer(ITIMER_REAL, &it, NULL);
}

FIXTURE(submit) {
	DMAADD_FIXTURE_MEMBERS;
};

FIXTURE_VARIANT(submit) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(submit, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(submit, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(submit)
{
	dmaadd_fixture_open(variant->backend);
	ASSERT_LE(1U, self->info.max_jobs_in_flight);
}

FIXTURE_TEARDOWN(submit)
{
	arm_timer(0, 0);
	dmaadd_fixture_close();
}

/*
 * One job c[c_off..] = a[a_off..] + b[b_off..] of @count elements on random
 * inputs, all of c first set to GUARD. Checks the result, that
 * a and b are unchanged and that no word of c outside the range changed.
 */
static void check_add(struct __test_metadata *_metadata,
		      FIXTURE_DATA(submit) *self, struct job_bufs *jb,
		      __u64 count, __u64 a_off, __u64 b_off, __u64 c_off,
		      __u32 seed)
{
	__u32 *a = dmaadd_buf_at(&jb->a, a_off);
	__u32 *b = dmaadd_buf_at(&jb->b, b_off);
	__u32 *c = dmaadd_buf_at(&jb->c, c_off);
	__u64 c_words = jb->c.map_length / ELEM_SIZE;
	__u64 before = c_off / ELEM_SIZE;
	__u32 *exp;
	__u64 job;

	dmaadd_fill_random(a, count, seed);
	dmaadd_fill_random(b, count, ~seed);
	dmaadd_fill(jb->c.map, c_words, GUARD);
	exp = dmaadd_expected_sum(a, b, count);
	ASSERT_NE(NULL, exp);

	test_ioctl_submit(count, OPND(jb->a.handle, a_off),
			  OPND(jb->b.handle, b_off), OPND(jb->c.handle, c_off),
			  &job);
	test_ioctl_wait(job);

	ASSERT_EQUAL(c, exp, count);
	ASSERT_SUM(a, b, c, count);
	ASSERT_FILLED(jb->c.map, before, GUARD);
	ASSERT_FILLED(c + count, c_words - before - count, GUARD);
	free(exp);
}

TEST_F(submit, add_one_element)
{
	struct job_bufs jb;
	__u64 job;

	test_job_bufs_create(self->page, &jb);
	dmaadd_fill(jb.c.map, self->page / ELEM_SIZE, GUARD);
	jb.a.map[1] = 40;
	jb.b.map[2] = 2;
	test_ioctl_submit(1, OPND(jb.a.handle, 4), OPND(jb.b.handle, 8),
			  OPND(jb.c.handle, 12), &job);
	test_ioctl_wait(job);
	ASSERT_EQ(42U, jb.c.map[3]);
	ASSERT_FILLED(jb.c.map, 3, GUARD);
	ASSERT_FILLED(jb.c.map + 4, self->page / ELEM_SIZE - 4, GUARD);

	check_add(_metadata, self, &jb, 1, 0, 0, 0, 1);
	check_add(_metadata, self, &jb, 1, self->page - 4, self->page - 4,
		  self->page - 4, 2);
}

/* From one element up to nearly the largest coherent buffer. */
TEST_F_TIMEOUT(submit, add_sizes, 90)
{
	const __u64 per_page = self->page / ELEM_SIZE;
	const __u64 max = BIG_COUNT - 2;
	const __u64 counts[] = {
		1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 63, 255, 256, 257,
		1023, 1024, 1025, per_page - 1, per_page, per_page + 1,
		2 * per_page + 3, 65535, 65536, 65537, 262143, 262145,
		max - 1, max,
	};
	struct job_bufs jb;
	unsigned int i;

	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		/* A guard word on each side of the output. */
		check_add(_metadata, self, &jb, counts[i], 4, 4, 4, i + 1);
	}
}

/* The whole of three 4 MiB buffers: the largest size on every device. */
TEST_F_TIMEOUT(submit, add_largest_coherent, 60)
{
	struct job_bufs jb;

	ASSERT_LE(DMAADD_COHERENT_MAX, self->info.max_buffer_size);
	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	check_add(_metadata, self, &jb, BIG_COUNT, 0, 0, 0, 11);
}

/*
 * 64 MiB arrays: one allocation each behind an IOMMU, many coherent chunks
 * (device segments) without one.
 */
TEST_F_TIMEOUT(submit, add_64m, 120)
{
	const __u64 n = DMAADD_BIG / ELEM_SIZE;
	struct job_bufs jb;
	__u64 job;

	if (self->info.max_buffer_size < DMAADD_BIG)
		SKIP(return, "max_buffer_size %llu < 64 MiB",
		     (unsigned long long)self->info.max_buffer_size);
	test_job_bufs_create(DMAADD_BIG, &jb);
	job_bufs_fill(&jb, 12);
	ASSERT_EQ(0, submit_whole(self->fd, &jb, n, &job));
	test_ioctl_wait(job);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, n);
}

/*
 * The largest buffers ALLOC accepts (256 MiB by default), three at once:
 * 768 MiB in a 2 GiB guest. Without an IOMMU these are 64 coherent chunks
 * each, never bounced, so this works under swiotlb=force too.
 */
TEST_F_TIMEOUT(submit, add_max_buffer_size, 240)
{
	const __u64 len = self->info.max_buffer_size;
	struct job_bufs jb;
	__u64 job;

	if (len > SZ_256M)
		SKIP(return, "max_buffer_size %llu: more than this guest holds three of",
		     (unsigned long long)len);
	test_job_bufs_create(len, &jb);
	job_bufs_fill(&jb, 13);
	ASSERT_EQ(0, submit_whole(self->fd, &jb, len / ELEM_SIZE, &job));
	test_ioctl_wait(job);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, len / ELEM_SIZE);
}

/*
 * Buffers a little over 8 MiB, not a whole number of pages: without an
 * IOMMU several chunks, so ranges that start, end or lie across a 4 MiB
 * boundary, each operand at its own offset, up to the buffer's last byte.
 */
TEST_F_TIMEOUT(submit, add_across_segments, 90)
{
	const __u64 len = 2 * DMAADD_COHERENT_MAX + 3 * self->page + 4;
	const __u64 m = DMAADD_COHERENT_MAX;
	const struct {
		__u64 count, a_off, b_off, c_off;
	} cases[] = {
		{ 2, m - 4, m - 4, m - 4 },
		{ 1, m, m - 4, m + 4 },
		{ 1025, m - 2048, m - 1024, m - 4096 },
		{ 3 * self->page / 4 + 1, m + 8, m - 12, m },
		{ m / 4 + 3, 4, m - 8, 12 },
		{ m / 4 + 1, m + 16, m + 3 * self->page - 4, m - 8 },
		{ 1, len - 4, len - 4, len - 4 },
		{ self->page / 4 + 1, len - self->page - 4, 2 * m, 2 * m - 8 },
		{ 2 * m / 4 + 1, 0, len - 2 * m - 4, 8 },
	};
	struct job_bufs jb;
	unsigned int i;

	if (self->info.max_buffer_size < len)
		SKIP(return, "max_buffer_size %llu < 8 MiB + 3 pages",
		     (unsigned long long)self->info.max_buffer_size);
	test_job_bufs_create(len, &jb);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_add(_metadata, self, &jb, cases[i].count,
			  cases[i].a_off, cases[i].b_off, cases[i].c_off,
			  200 + i);
}

/* DMAADD_BUF_CONTIGUOUS buffers, the largest every device gives. */
TEST_F_TIMEOUT(submit, add_contiguous, 60)
{
	__u64 len = dmaadd_contiguous_max(&self->info);
	struct job_bufs jb;

	if (len > DMAADD_COHERENT_MAX)
		len = DMAADD_COHERENT_MAX;
	test_buf_create_flags(len, DMAADD_BUF_CONTIGUOUS, &jb.a);
	test_buf_create_flags(len, DMAADD_BUF_CONTIGUOUS, &jb.b);
	test_buf_create_flags(len, DMAADD_BUF_CONTIGUOUS, &jb.c);
	check_add(_metadata, self, &jb, len / ELEM_SIZE - 2, 4, 4, 4, 13);
}

/* Odd counts at offsets that are multiples of 4 but not of a page. */
TEST_F(submit, add_unaligned_offsets)
{
	const __u64 p = self->page;
	const struct {
		__u64 count, a_off, b_off, c_off;
	} cases[] = {
		{ 1, 4, 8, 12 },
		{ 3, p - 4, 4, p + 8 },
		{ 5, 12, p - 8, 2 * p - 4 },
		{ 777, 4, 8, 2 * p - 4 },
		{ 1025, 12, p + 4, 20 },
		{ p / 4 + 1, p - 4, p - 8, 4 },
		{ 2 * p / 4 + 3, 3 * 4, p + 36, p - 12 },
		{ 3 * p / 4 - 1, 8, 4, 12 },
	};
	struct job_bufs jb;
	unsigned int i;

	test_job_bufs_create(4 * p, &jb);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_add(_metadata, self, &jb, cases[i].count,
			  cases[i].a_off, cases[i].b_off, cases[i].c_off,
			  100 + i);
}

/* Modulo 2^32, the same bits for signed and unsigned. */
TEST_F(submit, add_wraparound)
{
	static const __u32 a[] = {
		0x7fffffff, 0xffffffff, 0x80000000, 0xffffffff,
		0x7fffffff, 0x00000001, 0xfffffffe, 0x00000000,
	};
	static const __u32 b[] = {
		0x00000001, 0x00000001, 0x80000000, 0xffffffff,
		0x7fffffff, 0xffffffff, 0x00000003, 0x00000000,
	};
	static const __u32 sum[] = {
		0x80000000, /* INT32_MAX + 1 == INT32_MIN */
		0x00000000, /* UINT32_MAX + 1 == 0 */
		0x00000000, /* INT32_MIN + INT32_MIN == 0 */
		0xfffffffe, /* -1 + -1 == -2 */
		0xfffffffe, /* INT32_MAX + INT32_MAX */
		0x00000000, /* 1 + -1 */
		0x00000001, /* -2 + 3 */
		0x00000000,
	};
	const __u64 n = ARRAY_SIZE(a);
	struct job_bufs jb;
	__u64 job;

	test_job_bufs_create(self->page, &jb);
	memcpy(jb.a.map, a, sizeof(a));
	memcpy(jb.b.map, b, sizeof(b));
	ASSERT_EQ(0, submit_whole(self->fd, &jb, n, &job));
	test_ioctl_wait(job);
	ASSERT_EQUAL(jb.c.map, sum, n);
	ASSERT_EQ(INT32_MIN, (int32_t)jb.c.map[0]);
}

/* c is exactly a: in place. */
TEST_F(submit, add_in_place_a)
{
	const __u64 n = 3001, off = 8;
	struct job_bufs jb;
	__u32 *exp;
	__u64 job;

	test_job_bufs_create(4 * self->page, &jb);
	job_bufs_fill(&jb, 21);
	exp = dmaadd_expected_sum(dmaadd_buf_at(&jb.a, off),
				  dmaadd_buf_at(&jb.b, off), n);
	ASSERT_NE(NULL, exp);
	test_ioctl_submit(n, OPND(jb.a.handle, off), OPND(jb.b.handle, off),
			  OPND(jb.a.handle, off), &job);
	test_ioctl_wait(job);
	ASSERT_EQUAL(dmaadd_buf_at(&jb.a, off), exp, n);
	free(exp);
}

/* c is exactly b: in place. */
TEST_F(submit, add_in_place_b)
{
	const __u64 n = 3001, off = 8;
	struct job_bufs jb;
	__u32 *exp;
	__u64 job;

	test_job_bufs_create(4 * self->page, &jb);
	job_bufs_fill(&jb, 22);
	exp = dmaadd_expected_sum(dmaadd_buf_at(&jb.a, off),
				  dmaadd_buf_at(&jb.b, off), n);
	ASSERT_NE(NULL, exp);
	test_ioctl_submit(n, OPND(jb.a.handle, off), OPND(jb.b.handle, off),
			  OPND(jb.b.handle, off), &job);
	test_ioctl_wait(job);
	ASSERT_EQUAL(dmaadd_buf_at(&jb.b, off), exp, n);
	free(exp);
}

/* c = a + a, a and b being the same range. */
TEST_F(submit, add_a_equals_b)
{
	const __u64 n = 2049;
	struct job_bufs jb;
	__u64 job, i;

	test_job_bufs_create(4 * self->page, &jb);
	job_bufs_fill(&jb, 23);
	test_ioctl_submit(n, OPND(jb.a.handle, 4), OPND(jb.a.handle, 4),
			  OPND(jb.c.handle, 0), &job);
	test_ioctl_wait(job);
	for (i = 0; i < n; i++)
		if (jb.c.map[i] != (__u32)(2 * jb.a.map[i + 1]))
			break;
	ASSERT_EQ(n, i);
}

/* Inputs may overlap each other: c[i] = x[i] + x[i + 1]. */
TEST_F(submit, add_inputs_overlap)
{
	const __u64 n = 1537;
	struct job_bufs jb;
	__u64 job;

	test_job_bufs_create(4 * self->page, &jb);
	job_bufs_fill(&jb, 24);
	test_ioctl_submit(n, OPND(jb.a.handle, 0), OPND(jb.a.handle, 4),
			  OPND(jb.c.handle, 0), &job);
	test_ioctl_wait(job);
	ASSERT_SUM(jb.a.map, jb.a.map + 1, jb.c.map, n);
}

/* c in a's buffer, right after a and right before it. */
TEST_F(submit, add_output_next_to_input)
{
	const __u64 n = 1001, len = n * ELEM_SIZE;
	const __u64 words = 4 * self->page / ELEM_SIZE;
	struct job_bufs jb;
	__u32 *x, *exp;
	__u64 job;

	test_job_bufs_create(4 * self->page, &jb);
	x = jb.a.map;

	job_bufs_fill(&jb, 26);

	/* a at 4, c right after it, guards around both. */
	dmaadd_fill(x, words, GUARD);
	dmaadd_fill_random(x + 1, n, 25);
	exp = dmaadd_expected_sum(x + 1, jb.b.map, n);
	ASSERT_NE(NULL, exp);
	test_ioctl_submit(n, OPND(jb.a.handle, 4), OPND(jb.b.handle, 0),
			  OPND(jb.a.handle, 4 + len), &job);
	test_ioctl_wait(job);
	ASSERT_EQUAL(x + 1 + n, exp, n);
	ASSERT_SUM(x + 1, jb.b.map, x + 1 + n, n);
	ASSERT_EQ(GUARD, x[0]);
	ASSERT_FILLED(x + 1 + 2 * n, words - 1 - 2 * n, GUARD);
	free(exp);

	/* c at 4, a right after it. */
	dmaadd_fill(x, words, GUARD);
	dmaadd_fill_random(x + 1 + n, n, 27);
	exp = dmaadd_expected_sum(x + 1 + n, jb.b.map, n);
	ASSERT_NE(NULL, exp);
	test_ioctl_submit(n, OPND(jb.a.handle, 4 + len), OPND(jb.b.handle, 0),
			  OPND(jb.a.handle, 4), &job);
	test_ioctl_wait(job);
	ASSERT_EQUAL(x + 1, exp, n);
	ASSERT_SUM(x + 1 + n, jb.b.map, x + 1, n);
	ASSERT_EQ(GUARD, x[0]);
	ASSERT_FILLED(x + 1 + 2 * n, words - 1 - 2 * n, GUARD);
	free(exp);
}

/* a, b and c all in one buffer. */
TEST_F(submit, add_all_in_one_buffer)
{
	const __u64 n = 999, len = n * ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *a, *b, *c;
	__u64 job;

	test_buf_create(4 * self->page, &buf);
	dmaadd_fill(buf.map, buf.map_length / ELEM_SIZE, GUARD);
	a = dmaadd_buf_at(&buf, 8);
	b = dmaadd_buf_at(&buf, 8 + len + 12);
	c = dmaadd_buf_at(&buf, 8 + 2 * len + 12 + 4);
	dmaadd_fill_random(a, n, 28);
	dmaadd_fill_random(b, n, 29);
	test_ioctl_submit(n, OPND(buf.handle, 8), OPND(buf.handle, 8 + len + 12),
			  OPND(buf.handle, 8 + 2 * len + 16), &job);
	test_ioctl_wait(job);
	ASSERT_SUM(a, b, c, n);
	ASSERT_FILLED(buf.map, 2, GUARD);
	ASSERT_FILLED(a + n, 3, GUARD);
	ASSERT_FILLED(b + n, 1, GUARD);
	ASSERT_FILLED(c + n, buf.map_length / ELEM_SIZE - (c + n - buf.map),
		      GUARD);
}

/* 1, 2, 3, ... per accepted job; a rejected SUBMIT takes no id. */
TEST_F(submit, job_ids_sequential)
{
	struct job_bufs jb;
	__u64 job, i;

	test_job_bufs_create(self->page, &jb);
	for (i = 1; i <= 5; i++) {
		ASSERT_EQ(0, submit_whole(self->fd, &jb, 1, &job));
		ASSERT_EQ(i, job);
	}
	test_err_submit(EINVAL, 0, OPND(jb.a.handle, 0), OPND(jb.b.handle, 0),
			OPND(jb.c.handle, 0));
	ASSERT_EQ(0, submit_whole(self->fd, &jb, 1, &job));
	ASSERT_EQ(6ULL, job);
	test_err_submit(ERANGE, 2, OPND(jb.a.handle, self->page - 4),
			OPND(jb.b.handle, 0), OPND(jb.c.handle, 0));
	ASSERT_EQ(0, submit_whole(self->fd, &jb, 1, &job));
	ASSERT_EQ(7ULL, job);
	test_ioctl_wait(7);
}

/* Job ids are per open file. */
TEST_F(submit, job_ids_per_file)
{
	struct job_bufs mine, theirs;
	int fd2 = test_open_same_device(0);
	__u64 job;

	test_job_bufs_create(self->page, &mine);
	ASSERT_EQ(0, job_bufs_create(fd2, self->page, &theirs));
	ASSERT_EQ(0, submit_whole(self->fd, &mine, 1, &job));
	ASSERT_EQ(1ULL, job);
	ASSERT_EQ(0, submit_whole(self->fd, &mine, 1, &job));
	ASSERT_EQ(2ULL, job);
	ASSERT_EQ(0, submit_whole(fd2, &theirs, 1, &job));
	ASSERT_EQ(1ULL, job);
	ASSERT_EQ(0, submit_whole(self->fd, &mine, 1, &job));
	ASSERT_EQ(3ULL, job);
	test_ioctl_wait(3);
	ASSERT_EQ(0, _test_ioctl_wait(fd2, 1, DMAADD_TIMEOUT_INFINITE, NULL));
	close(fd2);
}

/* A job's status can be read again, also after newer jobs. */
TEST_F(submit, wait_twice)
{
	struct job_bufs jb;
	__u64 first, second;

	test_job_bufs_create(self->page, &jb);
	job_bufs_fill(&jb, 30);
	ASSERT_EQ(0, submit_whole(self->fd, &jb, 16, &first));
	test_ioctl_wait(first);
	test_ioctl_wait(first);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, 16);
	if (self->info.job_history < 2)
		return;
	ASSERT_EQ(0, submit_whole(self->fd, &jb, 32, &second));
	test_ioctl_wait(second);
	test_ioctl_wait(first);
	test_ioctl_wait(second);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, 32);
}

/* timeout_ns 0 polls: a completed job gives 0 at once. */
TEST_F(submit, wait_poll_completed)
{
	struct job_bufs jb;
	__u32 status = ~0U;
	__u64 job;

	test_job_bufs_create(self->page, &jb);
	job_bufs_fill(&jb, 31);
	ASSERT_EQ(0, submit_whole(self->fd, &jb, 100, &job));
	test_ioctl_wait(job);
	ASSERT_EQ(0, _test_ioctl_wait(self->fd, job, 0, &status));
	ASSERT_EQ((__u32)DMAADD_JOB_OK, status);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, 100);
}

/* Polling a big job right away: done or -ETIMEDOUT, never anything else. */
TEST_F_TIMEOUT(submit, wait_poll_big_job, 60)
{
	struct job_bufs jb;
	__u32 status = ~0U;
	__u64 job;
	int ret;

	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	job_bufs_fill(&jb, 32);
	ASSERT_EQ(0, submit_whole(self->fd, &jb, BIG_COUNT, &job));
	ret = _test_ioctl_wait(self->fd, job, 0, &status);
	if (ret) {
		ASSERT_EQ(ETIMEDOUT, errno);
	} else {
		ASSERT_EQ((__u32)DMAADD_JOB_OK, status);
	}
	test_ioctl_wait(job);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, BIG_COUNT);
}

/*
 * Queue big jobs and wait for the last one with a deadline @relative_ns
 * from now, or with timeout_ns 0 (poll) when @relative_ns is 0. Retries
 * until -ETIMEDOUT is seen; the job must then still complete.
 */
static void check_timedout(struct __test_metadata *_metadata,
			   FIXTURE_DATA(submit) *self, __u64 relative_ns)
{
	unsigned int nr = self->info.max_jobs_in_flight, attempt;
	__u64 last = 0, deadline, now;
	bool timed_out = false;
	struct job_bufs jb;
	int ret;

	if (nr > 64)
		nr = 64;
	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	job_bufs_fill(&jb, 33);
	for (attempt = 0; attempt < ATTEMPTS && !timed_out; attempt++) {
		ASSERT_EQ(nr, queue_big(self->fd, &jb, nr, &last));
		deadline = relative_ns ? dmaadd_now_ns() + relative_ns : 0;
		ret = _test_ioctl_wait(self->fd, last, deadline, NULL);
		now = dmaadd_now_ns();
		if (ret) {
			ASSERT_EQ(ETIMEDOUT, errno);
			/* Not before the deadline. */
			ASSERT_LE(deadline, now);
			timed_out = true;
		}
		test_ioctl_wait(last);
	}
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, BIG_COUNT);
	if (!timed_out)
		SKIP(return, "%u attempts: the last of %u 4 MiB jobs was always done at once",
		     ATTEMPTS, nr);
}

TEST_F_TIMEOUT(submit, wait_poll_timedout, 120)
{
	check_timedout(_metadata, self, 0);
}

TEST_F_TIMEOUT(submit, wait_deadline_timedout, 120)
{
	check_timedout(_metadata, self, 1000000);
}

/* Only the last job_history jobs keep their status. */
TEST_F_TIMEOUT(submit, wait_history, 120)
{
	const __u64 history = self->info.job_history;
	const __u64 in_flight = self->info.max_jobs_in_flight;
	struct job_bufs jb;
	__u64 i, job;

	ASSERT_LE(1ULL, in_flight);
	if (history > (1 << 20))
		SKIP(return, "job_history %llu: too many jobs to go past it",
		     (unsigned long long)history);
	test_job_bufs_create(self->page, &jb);
	job_bufs_fill(&jb, 34);
	for (i = 1; i <= history + 1; i++) {
		ASSERT_EQ(0, submit_whole(self->fd, &jb, 1, &job));
		ASSERT_EQ(i, job);
		if (i % in_flight == 0)
			test_ioctl_wait(job);
	}
	test_ioctl_wait(history + 1);
	test_err_wait(ENOENT, 1, DMAADD_TIMEOUT_INFINITE);
	/* The oldest of the last job_history jobs is still there. */
	test_ioctl_wait(2);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, 1);
}

/*
 * When a job has completed, every earlier job of the file has too: big
 * jobs, each with its own output, alternate with small ones; once the last
 * small one is done all outputs are complete, and WAIT polls of the earlier
 * jobs it still remembers succeed at once.
 */
TEST_F_TIMEOUT(submit, jobs_complete_in_order, 60)
{
	enum { BIG = 3 };
	const __u64 history = self->info.job_history;
	struct dmaadd_buf out[BIG];
	struct job_bufs big, small;
	__u64 ids[2 * BIG], last;
	__u32 status;
	unsigned int i;

	test_job_bufs_create(DMAADD_COHERENT_MAX, &big);
	test_job_bufs_create(self->page, &small);
	out[0] = big.c;
	for (i = 1; i < BIG; i++)
		test_buf_create(DMAADD_COHERENT_MAX, &out[i]);
	job_bufs_fill(&big, 35);
	job_bufs_fill(&small, 36);
	for (i = 0; i < BIG; i++) {
		test_ioctl_submit(BIG_COUNT, OPND(big.a.handle, 0),
				  OPND(big.b.handle, 0),
				  OPND(out[i].handle, 0), &ids[2 * i]);
		ASSERT_EQ(0, submit_whole(self->fd, &small, 1,
					  &ids[2 * i + 1]));
	}
	last = ids[2 * BIG - 1];
	test_ioctl_wait(last);
	for (i = 0; i < BIG; i++) {
		ASSERT_SUM(big.a.map, big.b.map, out[i].map, BIG_COUNT);
	}
	ASSERT_SUM(small.a.map, small.b.map, small.c.map, 1);
	for (i = 0; i < 2 * BIG - 1; i++) {
		if (ids[i] + history <= last)
			continue;
		status = ~0U;
		ASSERT_EQ(0, _test_ioctl_wait(self->fd, ids[i], 0, &status));
		ASSERT_EQ((__u32)DMAADD_JOB_OK, status);
	}
}

/*
 * 64 jobs queued at once, each on its own region of c with guards in
 * between; waited for in reverse order, and all checked.
 */
TEST_F_TIMEOUT(submit, many_jobs_in_flight, 60)
{
	enum { NR = 64, STRIDE = 16384 };
	__u64 ids[NR], count, a_off, b_off, k;
	struct job_bufs jb;
	__u32 *a, *b, *exp, *e;
	unsigned int i;

	test_job_bufs_create(NR * STRIDE, &jb);
	job_bufs_fill(&jb, 37);
	dmaadd_fill(jb.c.map, jb.c.map_length / ELEM_SIZE, GUARD);
	exp = malloc(jb.c.map_length);
	ASSERT_NE(NULL, exp);
	dmaadd_fill(exp, jb.c.map_length / ELEM_SIZE, GUARD);

	for (i = 0; i < NR; i++) {
		/* c and a at the same offset, b somewhere else. */
		a_off = i * STRIDE + 4 * (i % 5);
		count = 1 + 61 * i;
		b_off = NR * STRIDE - a_off - count * ELEM_SIZE;
		a = dmaadd_buf_at(&jb.a, a_off);
		b = dmaadd_buf_at(&jb.b, b_off);
		e = exp + a_off / ELEM_SIZE;
		for (k = 0; k < count; k++)
			e[k] = a[k] + b[k];
		test_ioctl_submit(count, OPND(jb.a.handle, a_off),
				  OPND(jb.b.handle, b_off),
				  OPND(jb.c.handle, a_off), &ids[i]);
		ASSERT_EQ(i + 1ULL, ids[i]);
	}
	/* Backwards, as far as the job history goes. */
	for (i = NR; i-- > 0;) {
		if (ids[i] + self->info.job_history <= ids[NR - 1])
			break;
		test_ioctl_wait(ids[i]);
	}
	ASSERT_EQUAL(jb.c.map, exp, jb.c.map_length / ELEM_SIZE);
	free(exp);
}

/*
 * A queue that stays full for as long as a test wants: its first job waits
 * for a vgem fence nobody signals before held_queue_release(), the other
 * max_jobs_in_flight - 1 wait behind it (a file's jobs start in order).
 * Every job doubles the first word of a one-page buffer that starts at 1.
 */
struct held_queue {
	int vgem;
	struct blocker blk;
	struct dmaadd_buf buf;
};

static int submit_double(int fd, struct held_queue *q, __u64 *job)
{
	return _test_ioctl_submit(fd, 1, OPND(q->buf.handle, 0),
				  OPND(q->buf.handle, 0),
				  OPND(q->buf.handle, 0), job);
}

#define hold_queue(_fd, _q)						\
	({								\
		unsigned int __i;					\
		__u64 __job;						\
									\
		require_vgem((_q)->vgem);				\
		ASSERT_EQ(0, blocker_create((_q)->vgem, &(_q)->blk));	\
		ASSERT_EQ(0, _test_buf_create((_fd), self->page,	\
					      &(_q)->buf));		\
		(_q)->buf.map[0] = 1;					\
		ASSERT_EQ(1ULL, submit_held((_fd), &(_q)->buf,		\
					    (_q)->blk.sync));		\
		for (__i = 2; __i <= self->info.max_jobs_in_flight; __i++) { \
			ASSERT_EQ(0, submit_double((_fd), (_q), &__job)); \
			ASSERT_EQ(__i, __job);				\
		}							\
	})

/* Nothing of the held queue on @fd ran, and its first job is pending. */
#define ASSERT_QUEUE_HELD(_fd, _q)					\
	({								\
		ASSERT_EQ(1U, (_q)->buf.map[0]);			\
		EXPECT_ERRNO(ETIMEDOUT, _test_ioctl_wait((_fd), 1, 0, NULL)); \
	})

static void held_queue_release(struct held_queue *q)
{
	vgem_fence_signal(q->vgem, q->blk.fence);
}

static void held_queue_destroy(struct held_queue *q)
{
	blocker_destroy(q->vgem, &q->blk);
	dmaadd_buf_unmap(&q->buf);
	close(q->vgem);
}

struct blocked_submit {
	int fd;
	struct held_queue *q;
	__u64 job;
	int ret, err;
	volatile bool done;
};

static void *blocked_submit_fn(void *arg)
{
	struct blocked_submit *b = arg;

	b->ret = submit_double(b->fd, b->q, &b->job);
	b->err = errno;
	b->done = true;
	return NULL;
}

/* A blocking SUBMIT on a full queue waits for a slot and succeeds. */
TEST_F(submit, submit_blocks_when_full)
{
	const unsigned int max = self->info.max_jobs_in_flight;
	struct blocked_submit b = { .fd = self->fd };
	struct held_queue q;
	pthread_t thread;
	__u32 status;

	hold_queue(self->fd, &q);
	b.q = &q;
	ASSERT_EQ(0, pthread_create(&thread, NULL, blocked_submit_fn, &b));
	usleep(HELD_MS * 1000);
	ASSERT_FALSE(b.done);
	ASSERT_QUEUE_HELD(self->fd, &q);

	/* A slot frees once the first job completed: then it returns. */
	held_queue_release(&q);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(0, b.ret);
	ASSERT_EQ(max + 1ULL, b.job);
	ASSERT_EQ(0, _test_ioctl_wait(self->fd, b.job, now_plus_ms(DONE_MS),
				      &status));
	ASSERT_EQ((__u32)DMAADD_JOB_OK, status);
	/* 1 doubled max + 1 times, in 32 bits. */
	ASSERT_EQ(max + 1 < 32 ? 1U << (max + 1) : 0U, q.buf.map[0]);
	held_queue_destroy(&q);
}

/*
 * O_NONBLOCK: a full queue gives -EAGAIN at once, and that takes no job
 * id; once a slot is free the next SUBMIT gets the next id.
 */
TEST_F(submit, submit_nonblock_eagain)
{
	const unsigned int max = self->info.max_jobs_in_flight;
	struct held_queue q;
	__u64 job;
	int fd;

	fd = test_open_same_device(O_NONBLOCK);
	hold_queue(fd, &q);
	EXPECT_ERRNO(EAGAIN, submit_double(fd, &q, &job));
	EXPECT_ERRNO(EAGAIN, submit_double(fd, &q, &job));
	ASSERT_QUEUE_HELD(fd, &q);

	held_queue_release(&q);
	ASSERT_EQ(0, _test_ioctl_wait(fd, 1, now_plus_ms(DONE_MS), NULL));
	ASSERT_EQ(0, submit_double(fd, &q, &job));
	ASSERT_EQ(max + 1ULL, job);
	ASSERT_EQ(0, _test_ioctl_wait(fd, job, now_plus_ms(DONE_MS), NULL));
	held_queue_destroy(&q);
	close(fd);
}

/* A signal while SUBMIT waits for a slot gives -EINTR and takes no id. */
TEST_F(submit, submit_eintr)
{
	const unsigned int max = self->info.max_jobs_in_flight;
	struct held_queue q;
	__u64 job;

	hold_queue(self->fd, &q);
	ASSERT_EQ(0, set_sigalrm(false));
	sigalrm_count = 0;
	/* Again and again, in case one lands before SUBMIT sleeps. */
	ASSERT_EQ(0, arm_timer(50000, 50000));
	EXPECT_ERRNO(EINTR, submit_double(self->fd, &q, &job));
	ASSERT_EQ(0, arm_timer(0, 0));
	ASSERT_LE(1, sigalrm_count);
	ASSERT_QUEUE_HELD(self->fd, &q);

	held_queue_release(&q);
	ASSERT_EQ(0, submit_double(self->fd, &q, &job));
	ASSERT_EQ(max + 1ULL, job);
	test_ioctl_wait(job);
	held_queue_destroy(&q);
}

/* Releases a held queue from another thread after HELD_MS. */
static void *release_later_fn(void *arg)
{
	struct held_queue *q = arg;

	usleep(HELD_MS * 1000);
	held_queue_release(q);
	return NULL;
}

#define POLL_ALL	(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)

static short poll_now(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, timeout_ms);

	return n == 1 ? p.revents : n ? -1 : 0;
}

/* poll(2): a file without jobs is idle (readable) with free slots. */
TEST_F(submit, poll_idle_file)
{
	struct job_bufs jb;
	__u64 job;

	ASSERT_EQ(POLL_ALL, poll_now(self->fd, POLL_ALL, 0));
	test_job_bufs_create(self->page, &jb);
	test_ioctl_submit(1, OPND(jb.a.handle, 0), OPND(jb.b.handle, 0),
			  OPND(jb.c.handle, 0), &job);
	test_ioctl_wait(job);
	ASSERT_EQ(POLL_ALL, poll_now(self->fd, POLL_ALL, 0));
}

/*
 * POLLIN waits for every job of the file: not readable while one is held,
 * and a poll(2) asleep on it is woken when it completes. Other files'
 * jobs do not count.
 */
TEST_F(submit, poll_in_waits_for_every_job)
{
	struct held_queue q;
	pthread_t thread;
	int other;

	require_vgem(q.vgem);
	ASSERT_EQ(0, blocker_create(q.vgem, &q.blk));
	ASSERT_EQ(0, _test_buf_create(self->fd, self->page, &q.buf));
	q.buf.map[0] = 1;
	ASSERT_EQ(1ULL, submit_held(self->fd, &q.buf, q.blk.sync));
	ASSERT_EQ(POLLOUT | POLLWRNORM, poll_now(self->fd, POLL_ALL, 0));
	other = test_open_same_device(0);
	ASSERT_EQ(POLL_ALL, poll_now(other, POLL_ALL, 0));

	ASSERT_EQ(0, pthread_create(&thread, NULL, release_later_fn, &q));
	ASSERT_EQ(POLLIN, poll_now(self->fd, POLLIN, DONE_MS));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(2U, q.buf.map[0]);
	ASSERT_EQ(POLL_ALL, poll_now(self->fd, POLL_ALL, 0));
	close(other);
	held_queue_destroy(&q);
}

/* POLLOUT follows the job slots: clear on a full queue, set once one frees. */
TEST_F(submit, poll_out_follows_job_slots)
{
	struct held_queue q;
	pthread_t thread;

	hold_queue(self->fd, &q);
	ASSERT_EQ(0, poll_now(self->fd, POLL_ALL, 0));
	ASSERT_EQ(0, poll_now(self->fd, POLLOUT, HELD_MS));
	ASSERT_QUEUE_HELD(self->fd, &q);

	ASSERT_EQ(0, pthread_create(&thread, NULL, release_later_fn, &q));
	ASSERT_EQ(POLLOUT, poll_now(self->fd, POLLOUT, DONE_MS));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(POLLIN, poll_now(self->fd, POLLIN, DONE_MS));
	held_queue_destroy(&q);
}

/* epoll(7), level-triggered: ready when idle, not after a new SUBMIT. */
TEST_F(submit, epoll_follows_jobs)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct held_queue q;
	pthread_t thread;
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 && errno == ENOSYS)
		SKIP(return, "kernel without CONFIG_EPOLL");
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ((__u32)EPOLLIN, ev.events);

	require_vgem(q.vgem);
	ASSERT_EQ(0, blocker_create(q.vgem, &q.blk));
	ASSERT_EQ(0, _test_buf_create(self->fd, self->page, &q.buf));
	q.buf.map[0] = 1;
	ASSERT_EQ(1ULL, submit_held(self->fd, &q.buf, q.blk.sync));
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));

	ASSERT_EQ(0, pthread_create(&thread, NULL, release_later_fn, &q));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, DONE_MS));
	ASSERT_EQ((__u32)EPOLLIN, ev.events);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(2U, q.buf.map[0]);
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	close(ep);
	held_queue_destroy(&q);
}

/*
 * A signal during WAIT (handler without SA_RESTART) gives -EINTR; the same
 * struct, its deadline being absolute, is simply passed again.
 */
TEST_F_TIMEOUT(submit, wait_eintr, 120)
{
	unsigned int nr = self->info.max_jobs_in_flight, attempt;
	bool interrupted = false;
	struct dmaadd_wait wait;
	struct job_bufs jb;
	__u64 last = 0;
	int ret;

	if (nr > 64)
		nr = 64;
	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	job_bufs_fill(&jb, 41);
	ASSERT_EQ(0, set_sigalrm(false));
	for (attempt = 0; attempt < ATTEMPTS && !interrupted; attempt++) {
		ASSERT_EQ(nr, queue_big(self->fd, &jb, nr, &last));
		memset(&wait, 0, sizeof(wait));
		wait.size = sizeof(wait);
		wait.job_id = last;
		wait.timeout_ns = DMAADD_TIMEOUT_INFINITE;
		wait.status = ~0U;
		ASSERT_EQ(0, arm_timer(500, 0));
		ret = ioctl(self->fd, DMAADD_IOCTL_WAIT, &wait);
		ASSERT_EQ(0, arm_timer(0, 0));
		if (ret) {
			ASSERT_EQ(EINTR, errno);
			interrupted = true;
			ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_WAIT, &wait));
		}
		ASSERT_EQ((__u32)DMAADD_JOB_OK, wait.status);
	}
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, BIG_COUNT);
	if (!interrupted)
		SKIP(return, "%u attempts: %u 4 MiB jobs always done within 0.5 ms",
		     ATTEMPTS, nr);
}

/* With SA_RESTART, signals during WAIT are invisible to the caller. */
TEST_F_TIMEOUT(submit, wait_sa_restart, 120)
{
	unsigned int nr = self->info.max_jobs_in_flight, attempt;
	sig_atomic_t signals = 0;
	struct job_bufs jb;
	__u32 status;
	__u64 last = 0;
	int ret;

	if (nr > 64)
		nr = 64;
	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	job_bufs_fill(&jb, 42);
	ASSERT_EQ(0, set_sigalrm(true));
	for (attempt = 0; attempt < ATTEMPTS && !signals; attempt++) {
		ASSERT_EQ(nr, queue_big(self->fd, &jb, nr, &last));
		sigalrm_count = 0;
		status = ~0U;
		ASSERT_EQ(0, arm_timer(200, 200));
		ret = _test_ioctl_wait(self->fd, last, DMAADD_TIMEOUT_INFINITE,
				       &status);
		ASSERT_EQ(0, arm_timer(0, 0));
		signals = sigalrm_count;
		ASSERT_EQ(0, ret);
		ASSERT_EQ((__u32)DMAADD_JOB_OK, status);
	}
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, BIG_COUNT);
	if (!signals)
		SKIP(return, "%u attempts: no signal arrived during a WAIT",
		     ATTEMPTS);
}

/* Several open files at once, each with its own buffers and job ids. */
TEST_F(submit, several_files)
{
	enum { FILES = 4, ROUNDS = 8, REGION = 8192 };
	struct job_bufs jb[FILES];
	int fd[FILES];
	__u64 job, off, count;
	unsigned int f, r;

	fd[0] = self->fd;
	for (f = 1; f < FILES; f++)
		fd[f] = test_open_same_device(0);
	for (f = 0; f < FILES; f++) {
		ASSERT_EQ(0, job_bufs_create(fd[f], ROUNDS * REGION, &jb[f]));
		job_bufs_fill(&jb[f], 50 + f);
	}
	for (r = 0; r < ROUNDS; r++) {
		for (f = 0; f < FILES; f++) {
			off = r * REGION + 4 * f;
			count = 1000 + 10 * r + f;
			ASSERT_EQ(0, _test_ioctl_submit(fd[f], count,
							OPND(jb[f].a.handle, off),
							OPND(jb[f].b.handle, off),
							OPND(jb[f].c.handle, off),
							&job));
			ASSERT_EQ(r + 1ULL, job);
		}
	}
	for (f = 0; f < FILES; f++) {
		ASSERT_EQ(0, _test_ioctl_wait(fd[f], ROUNDS,
					      DMAADD_TIMEOUT_INFINITE, NULL));
		for (r = 0; r < ROUNDS; r++) {
			off = r * REGION + 4 * f;
			count = 1000 + 10 * r + f;
			ASSERT_SUM(dmaadd_buf_at(&jb[f].a, off),
				   dmaadd_buf_at(&jb[f].b, off),
				   dmaadd_buf_at(&jb[f].c, off), count);
		}
	}
	for (f = 1; f < FILES; f++)
		close(fd[f]);
}

struct submitter {
	pthread_t thread;
	int fd;
	unsigned int seed;
	bool big;		/* every other job above the inline limit */
	__u64 ids[32];
	char error[160];
};

/* No ASSERT in threads: record the first failure for the main thread. */
static void *submitter_fn(void *arg)
{
	struct submitter *s = arg;
	const unsigned int nr = ARRAY_SIZE(s->ids);
	__u64 off[32], count[32];
	struct job_bufs jb;
	__u32 status;
	unsigned int i;

	/* Four regions of a, b and c, each used by every fourth job. */
	const __u64 region = s->big ? SZ_128K : 16384;

	if (job_bufs_create(s->fd, 4 * region, &jb)) {
		snprintf(s->error, sizeof(s->error), "alloc: %s",
			 strerror(errno));
		return NULL;
	}
	job_bufs_fill(&jb, s->seed);
	for (i = 0; i < nr; i++) {
		count[i] = 1 + (s->seed * 7 + i * 97) % 4000;
		if (s->big && (i & 1))
			count[i] += DMAADD_INLINE_DEFAULT / ELEM_SIZE + 4000;
		off[i] = (i % 4) * region + 4 * (i % 3);
		if (_test_ioctl_submit(s->fd, count[i], OPND(jb.a.handle, off[i]),
				       OPND(jb.b.handle, off[i]),
				       OPND(jb.c.handle, off[i]), &s->ids[i])) {
			snprintf(s->error, sizeof(s->error),
				 "submit %u: %s", i, strerror(errno));
			return NULL;
		}
		/*
		 * Every region of c is reused after 4 jobs: wait first.
		 * Other threads' jobs may have pushed this one out of the
		 * job history (-ENOENT); it has then completed, as no more
		 * than max_jobs_in_flight <= job_history jobs are pending,
		 * and the check of c below tells whether it ran right.
		 */
		if (i % 4 == 3 || i == nr - 1) {
			status = ~0U;
			if (_test_ioctl_wait(s->fd, s->ids[i],
					     DMAADD_TIMEOUT_INFINITE, &status) ?
			    errno != ENOENT : status != DMAADD_JOB_OK) {
				snprintf(s->error, sizeof(s->error),
					 "wait %u: %s, status %u", i,
					 strerror(errno), status);
				return NULL;
			}
		}
		if (i % 4 == 3 || i == nr - 1) {
			unsigned int j;

			for (j = i - i % 4; j <= i; j++) {
				if (dmaadd_check_sum(dmaadd_buf_at(&jb.a, off[j]),
						     dmaadd_buf_at(&jb.b, off[j]),
						     dmaadd_buf_at(&jb.c, off[j]),
						     count[j]) != -1) {
					snprintf(s->error, sizeof(s->error),
						 "job %u: wrong sum", j);
					return NULL;
				}
			}
		}
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Threads submitting on one fd get unique ids and correct results. */
TEST_F_TIMEOUT(submit, threads_submit, 60)
{
	enum { THREADS = 4 };
	struct submitter s[THREADS];
	const unsigned int per = ARRAY_SIZE(s[0].ids);
	__u64 all[THREADS * 32];
	unsigned int t, i;

	memset(s, 0, sizeof(s));
	for (t = 0; t < THREADS; t++) {
		s[t].fd = self->fd;
		s[t].seed = 60 + t;
		ASSERT_EQ(0, pthread_create(&s[t].thread, NULL, submitter_fn,
					    &s[t]));
	}
	for (t = 0; t < THREADS; t++) {
		ASSERT_EQ(0, pthread_join(s[t].thread, NULL));
	}
	for (t = 0; t < THREADS; t++) {
		if (s[t].error[0])
			TH_LOG("thread %u: %s", t, s[t].error);
		ASSERT_EQ('\0', s[t].error[0]);
		memcpy(&all[t * per], s[t].ids, sizeof(s[t].ids));
	}
	qsort(all, THREADS * per, sizeof(all[0]), cmp_u64);
	for (i = 0; i < THREADS * per; i++) {
		ASSERT_EQ(i + 1ULL, all[i]);
	}
}

/*
 * Small jobs, which the engine runs in the submitter's context when it is
 * idle, and big ones, which go to its thread, from threads on one file and
 * on a second file of the device: whoever runs the engine, descriptors run
 * one at a time in ring order and each completion reports the right job
 * (a report out of order would lose jobs and hang their waiters).
 */
TEST_F_TIMEOUT(submit, threads_mixed_paths, 90)
{
	enum { THREADS = 4 };
	struct submitter s[THREADS];
	unsigned int t;
	int fd2;

	fd2 = test_open_same_device(0);
	memset(s, 0, sizeof(s));
	for (t = 0; t < THREADS; t++) {
		s[t].fd = t & 2 ? fd2 : self->fd;
		s[t].seed = 80 + t;
		s[t].big = t & 1;
		ASSERT_EQ(0, pthread_create(&s[t].thread, NULL, submitter_fn,
					    &s[t]));
	}
	for (t = 0; t < THREADS; t++) {
		ASSERT_EQ(0, pthread_join(s[t].thread, NULL));
	}
	for (t = 0; t < THREADS; t++) {
		if (s[t].error[0])
			TH_LOG("thread %u: %s", t, s[t].error);
		ASSERT_EQ('\0', s[t].error[0]);
	}
	close(fd2);
}

struct waiter {
	pthread_t thread;
	int fd;
	__u64 job;
	int ret, err;
	__u32 status;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	w->status = ~0U;
	w->ret = _test_ioctl_wait(w->fd, w->job, DMAADD_TIMEOUT_INFINITE,
				  &w->status);
	w->err = errno;
	return NULL;
}

/* Several threads waiting for one job all see it complete. */
TEST_F_TIMEOUT(submit, threads_wait_same_job, 60)
{
	enum { THREADS = 4 };
	struct waiter w[THREADS];
	struct job_bufs jb;
	unsigned int t;
	__u64 job;

	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	job_bufs_fill(&jb, 43);
	ASSERT_EQ(0, submit_whole(self->fd, &jb, BIG_COUNT, &job));
	for (t = 0; t < THREADS; t++) {
		w[t].fd = self->fd;
		w[t].job = job;
		ASSERT_EQ(0, pthread_create(&w[t].thread, NULL, waiter_fn,
					    &w[t]));
	}
	for (t = 0; t < THREADS; t++) {
		ASSERT_EQ(0, pthread_join(w[t].thread, NULL));
		ASSERT_EQ(0, w[t].ret);
		ASSERT_EQ((__u32)DMAADD_JOB_OK, w[t].status);
	}
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, BIG_COUNT);
}

/*
 * Queue jobs on @busy ahead of the 4 MiB job on @jb so that it is still
 * queued when the test pulls things from under it; returns its id.
 */
static __u64 submit_behind_busy(struct __test_metadata *_metadata,
				FIXTURE_DATA(submit) *self,
				struct job_bufs *busy, struct job_bufs *jb)
{
	unsigned int nr = self->info.max_jobs_in_flight - 1;
	__u64 job = 0;

	if (nr > 8)
		nr = 8;
	ASSERT_EQ(nr, queue_big(self->fd, busy, nr, &job));
	ASSERT_EQ(0, submit_whole(self->fd, jb, BIG_COUNT, &job));
	return job;
}

/* Fresh 4 MiB buffers scribbled over: recycled job memory would show. */
static void churn_memory(struct __test_metadata *_metadata,
			 FIXTURE_DATA(submit) *self)
{
	struct dmaadd_buf tmp[4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		test_buf_create(DMAADD_COHERENT_MAX, &tmp[i]);
		dmaadd_fill(tmp[i].map, BIG_COUNT, 0xffffffff);
	}
	for (i = 0; i < 4; i++) {
		dmaadd_buf_unmap(&tmp[i]);
		test_ioctl_free(tmp[i].handle);
	}
}

/*
 * BUF_FREE and munmap() of a queued job's buffers: the job holds its own
 * references, runs on the original memory and its output is seen through
 * the one mapping kept.
 */
TEST_F_TIMEOUT(submit, free_while_job_queued, 60)
{
	struct job_bufs busy, jb;
	__u32 *exp;
	__u64 job;

	test_job_bufs_create(DMAADD_COHERENT_MAX, &busy);
	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	job_bufs_fill(&busy, 44);
	job_bufs_fill(&jb, 45);
	exp = dmaadd_expected_sum(jb.a.map, jb.b.map, BIG_COUNT);
	ASSERT_NE(NULL, exp);

	job = submit_behind_busy(_metadata, self, &busy, &jb);
	test_ioctl_free(jb.a.handle);
	test_ioctl_free(jb.b.handle);
	test_ioctl_free(jb.c.handle);
	dmaadd_buf_unmap(&jb.a);
	dmaadd_buf_unmap(&jb.b);
	churn_memory(_metadata, self);

	test_ioctl_wait(job);
	ASSERT_EQUAL(jb.c.map, exp, BIG_COUNT);
	free(exp);
}

/*
 * close() with a job queued and c still mapped: the job completes on its
 * own and its output shows up in the mapping.
 */
TEST_F_TIMEOUT(submit, close_while_job_queued, 60)
{
	struct job_bufs busy, jb;
	__u64 deadline;
	__u32 *exp;

	test_job_bufs_create(DMAADD_COHERENT_MAX, &busy);
	test_job_bufs_create(DMAADD_COHERENT_MAX, &jb);
	job_bufs_fill(&busy, 46);
	job_bufs_fill(&jb, 47);
	exp = dmaadd_expected_sum(jb.a.map, jb.b.map, BIG_COUNT);
	ASSERT_NE(NULL, exp);

	submit_behind_busy(_metadata, self, &busy, &jb);
	dmaadd_buf_unmap(&busy.a);
	dmaadd_buf_unmap(&busy.b);
	dmaadd_buf_unmap(&busy.c);
	dmaadd_buf_unmap(&jb.a);
	dmaadd_buf_unmap(&jb.b);
	dmaadd_fixture_close();

	deadline = dmaadd_now_ns() + 20000000000ULL;
	while (dmaadd_check_equal(jb.c.map, exp, BIG_COUNT, NULL) != -1 &&
	       dmaadd_now_ns() < deadline)
		usleep(1000);
	ASSERT_EQUAL(jb.c.map, exp, BIG_COUNT);
	free(exp);
}

/*
 * A process that exits (or is killed) with jobs in flight: its file is
 * released while the device works; the device keeps working afterwards.
 */
static void check_exit_with_jobs(struct __test_metadata *_metadata,
				 FIXTURE_DATA(submit) *self, bool kill_it)
{
	unsigned int nr = 2 * self->info.max_jobs_in_flight;
	struct job_bufs jb;
	int pipefd[2], status, fd;
	__u64 job;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		fd = dmaadd_open_index(self->index, 0);
		if (fd < 0 || job_bufs_create(fd, DMAADD_COHERENT_MAX, &jb))
			_exit(1);
		job_bufs_fill(&jb, 48);
		if (nr > 64)
			nr = 64;
		/* Keep submitting until killed, or exit after nr jobs. */
		while (kill_it || nr--) {
			if (submit_whole(fd, &jb, BIG_COUNT, &job))
				_exit(2);
			if (job == 2 && write(pipefd[1], "x", 1) != 1)
				_exit(3);
		}
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);
	if (kill_it) {
		ASSERT_EQ(0, kill(pid, SIGKILL));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (kill_it) {
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_EQ(SIGKILL, WTERMSIG(status));
	} else {
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}

	/* The device, and a file opened before all this, still work. */
	test_job_bufs_create(SZ_1M, &jb);
	job_bufs_fill(&jb, 49);
	ASSERT_EQ(0, submit_whole(self->fd, &jb, SZ_1M / ELEM_SIZE, &job));
	test_ioctl_wait(job);
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, SZ_1M / ELEM_SIZE);
	fd = test_open_same_device(0);
	ASSERT_EQ(0, job_bufs_create(fd, SZ_64K, &jb));
	job_bufs_fill(&jb, 50);
	ASSERT_EQ(0, submit_whole(fd, &jb, SZ_64K / ELEM_SIZE, &job));
	ASSERT_EQ(1ULL, job);
	ASSERT_EQ(0, _test_ioctl_wait(fd, job, DMAADD_TIMEOUT_INFINITE, NULL));
	ASSERT_SUM(jb.a.map, jb.b.map, jb.c.map, SZ_64K / ELEM_SIZE);
	close(fd);
}

TEST_F_TIMEOUT(submit, exit_with_jobs_in_flight, 90)
{
	check_exit_with_jobs(_metadata, self, false);
}

TEST_F_TIMEOUT(submit, killed_with_jobs_in_flight, 90)
{
	check_exit_with_jobs(_metadata, self, true);
}

/* Both backends busy at the same time. */
TEST(both_backends_at_once)
{
	enum { JOBS = 8 };
	const __u32 backends[] = { DMAADD_BACKEND_PLATFORM, DMAADD_BACKEND_PCI };
	const __u64 n = SZ_1M / ELEM_SIZE;
	struct job_bufs jb[2][JOBS];
	struct dmaadd_info info;
	unsigned int d, j, index;
	int fd[2];
	__u64 job;

	for (d = 0; d < 2; d++) {
		fd[d] = dmaadd_open_backend(backends[d], 0, &info, &index);
		if (fd[d] < 0)
			SKIP(return, "no %s dmaadd device",
			     dmaadd_backend_name(backends[d]));
		for (j = 0; j < JOBS; j++) {
			ASSERT_EQ(0, job_bufs_create(fd[d], SZ_1M, &jb[d][j]));
			job_bufs_fill(&jb[d][j], 70 + 10 * d + j);
		}
	}
	for (j = 0; j < JOBS; j++) {
		for (d = 0; d < 2; d++) {
			ASSERT_EQ(0, submit_whole(fd[d], &jb[d][j], n, &job));
			ASSERT_EQ(j + 1ULL, job);
		}
	}
	for (d = 0; d < 2; d++) {
		ASSERT_EQ(0, _test_ioctl_wait(fd[d], JOBS,
					      DMAADD_TIMEOUT_INFINITE, NULL));
		for (j = 0; j < JOBS; j++) {
			ASSERT_SUM(jb[d][j].a.map, jb[d][j].b.map,
				   jb[d][j].c.map, n);
		}
		close(fd[d]);
	}
}

/*
 * Device instances are independent: one engine each. With one device busy
 * for a good while (8 jobs of 4 MiB per array: tens of milliseconds under
 * QEMU's TCG, seconds on the debug kernel), a small job on the other
 * completes long before the busy one's last job. A shared or serialised
 * engine would run the small job only after all of them.
 */
static void check_devices_independent(struct __test_metadata *_metadata,
				      __u32 busy_backend, __u32 quick_backend)
{
	int busy, quick;
	struct dmaadd_info info;
	struct job_bufs big, small;
	unsigned int index;
	__u32 status = ~0U;
	__u64 last, job;

	busy = dmaadd_open_backend(busy_backend, 0, &info, &index);
	quick = dmaadd_open_backend(quick_backend, 0, &info, &index);
	if (busy < 0 || quick < 0)
		SKIP(return, "needs a platform and a pci dmaadd device");
	/*
	 * Bounced buffers are copied by the CPU around every job, at high
	 * priority, on the CPUs the other device's engine thread needs too:
	 * which job finishes first then says nothing about the engines.
	 */
	if (info.caps & DMAADD_CAP_BOUNCE)
		SKIP(return, "swiotlb: the driver's bounce copies share the CPUs");
	ASSERT_EQ(0, job_bufs_create(busy, DMAADD_COHERENT_MAX, &big));
	ASSERT_EQ(0, job_bufs_create(quick, SZ_4K, &small));
	job_bufs_fill(&big, 80);
	job_bufs_fill(&small, 81);

	ASSERT_EQ(8U, queue_big(busy, &big, 8, &last));
	ASSERT_EQ(0, submit_whole(quick, &small, SZ_4K / ELEM_SIZE, &job));
	ASSERT_EQ(0, _test_ioctl_wait(quick, job, DMAADD_TIMEOUT_INFINITE,
				      &status));
	ASSERT_EQ((__u32)DMAADD_JOB_OK, status);
	/* The busy device is still at it. */
	EXPECT_ERRNO(ETIMEDOUT, _test_ioctl_wait(busy, last, 0, NULL));

	ASSERT_EQ(0, _test_ioctl_wait(busy, last, DMAADD_TIMEOUT_INFINITE,
				      NULL));
	ASSERT_SUM(big.a.map, big.b.map, big.c.map, BIG_COUNT);
	ASSERT_SUM(small.a.map, small.b.map, small.c.map, SZ_4K / ELEM_SIZE);
	close(busy);
	close(quick);
}

FIXTURE(devices) {
};

FIXTURE_SETUP(devices)
{
}

FIXTURE_TEARDOWN(devices)
{
}

TEST_F_TIMEOUT(devices, platform_busy_pci_runs, 120)
{
	check_devices_independent(_metadata, DMAADD_BACKEND_PLATFORM,
				  DMAADD_BACKEND_PCI);
}

TEST_F_TIMEOUT(devices, pci_busy_platform_runs, 120)
{
	check_devices_independent(_metadata, DMAADD_BACKEND_PCI,
				  DMAADD_BACKEND_PLATFORM);
}

TEST_HARNESS_MAIN
