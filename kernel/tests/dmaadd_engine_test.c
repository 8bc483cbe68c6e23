// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the engine's arithmetic: the two-lanes-per-u64 int32 add
 * and the walk over runs of memory whose boundaries split elements.
 * Included at the end of dmaadd_engine.c when the kernel has KUnit.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <kunit/test.h>
#include <linux/prandom.h>

/* Modular int32 addition at the edges of the range, one lane and two. */
static void dmaadd_test_add_i32_edges(struct kunit *test)
{
	static const u32 x[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff,
				 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678 };
	static const u32 y[] = { 0, 0xffffffff, 1, 0x80000000, 1,
				 0x7fffffff, 0xffffffff, 0xffffffff, 0x9abcdef0 };
	u32 c[ARRAY_SIZE(x)];
	unsigned int i, n;

	for (n = 0; n <= ARRAY_SIZE(x); n++) {
		memset(c, 0x5a, sizeof(c));
		dmaadd_add_i32(c, x, y, n);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ_MSG(test, c[i], (u32)(x[i] + y[i]),
					    "n=%u element %u", n, i);
		for (; i < ARRAY_SIZE(x); i++)
			KUNIT_EXPECT_EQ_MSG(test, c[i], 0x5a5a5a5aU,
					    "n=%u wrote past the end at %u", n, i);
	}
}

/* Random data at every 4-byte misalignment of the u64 loads and stores. */
static void dmaadd_test_add_i32_unaligned(struct kunit *test)
{
	enum { N = 67 };
	struct rnd_state rnd;
	u32 *a, *b, *c;
	unsigned int i, s;

	a = kunit_kcalloc(test, N + 1, sizeof(u32), GFP_KERNEL);
	b = kunit_kcalloc(test, N + 1, sizeof(u32), GFP_KERNEL);
	c = kunit_kcalloc(test, N + 1, sizeof(u32), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	prandom_seed_state(&rnd, 42);
	for (i = 0; i <= N; i++) {
		a[i] = prandom_u32_state(&rnd);
		b[i] = prandom_u32_state(&rnd);
	}
	for (s = 0; s < 2; s++) {
		dmaadd_add_i32(c + s, a + s, b + 1 - s, N);
		for (i = 0; i < N; i++)
			KUNIT_ASSERT_EQ(test, c[s + i], a[s + i] + b[1 - s + i]);
	}
}

/*
 * Counts around the engine's burst (DMAADD_BURST_WORDS u64s: twice as many
 * int32s): every element right, nothing written past the end.
 */
static void dmaadd_test_add_i32_bursts(struct kunit *test)
{
	static const unsigned int counts[] = {
		2 * DMAADD_BURST_WORDS - 1, 2 * DMAADD_BURST_WORDS,
		2 * DMAADD_BURST_WORDS + 1, 2 * DMAADD_BURST_WORDS + 2,
		4 * DMAADD_BURST_WORDS - 1, 4 * DMAADD_BURST_WORDS + 3, 1001,
	};
	enum { MAX = 1024 };
	struct rnd_state rnd;
	unsigned int i, k, n;
	u32 *a, *b, *c;

	a = kunit_kcalloc(test, MAX, sizeof(u32), GFP_KERNEL);
	b = kunit_kcalloc(test, MAX, sizeof(u32), GFP_KERNEL);
	c = kunit_kcalloc(test, MAX + 1, sizeof(u32), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	prandom_seed_state(&rnd, 7);
	for (i = 0; i < MAX; i++) {
		a[i] = prandom_u32_state(&rnd);
		b[i] = prandom_u32_state(&rnd);
	}
	for (k = 0; k < ARRAY_SIZE(counts); k++) {
		n = counts[k];
		memset(c, 0x5a, (MAX + 1) * sizeof(u32));
		dmaadd_add_i32(c, a, b, n);
		for (i = 0; i < n; i++)
			KUNIT_ASSERT_EQ_MSG(test, c[i], a[i] + b[i],
					    "n=%u element %u", n, i);
		KUNIT_ASSERT_EQ_MSG(test, c[n], 0x5a5a5a5aU,
				    "n=%u wrote past the end", n);
	}
}

/* Runs over @mem cut at @cuts (ascending byte offsets, last = total). */
static void dmaadd_test_runs(struct kunit *test, struct dmaadd_runs *rl,
			     u8 *mem, const size_t *cuts, unsigned int ncuts)
{
	size_t start = 0;
	unsigned int i;

	rl->run = kunit_kcalloc(test, ncuts, sizeof(*rl->run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rl->run);
	rl->nr = ncuts;
	rl->cap = ncuts;
	for (i = 0; i < ncuts; i++) {
		rl->run[i].va = mem + start;
		rl->run[i].len = cuts[i] - start;
		start = cuts[i];
	}
}

/*
 * Three operands whose runs are cut at different odd byte offsets: every
 * element that straddles a boundary takes the byte-wise path, the rest
 * the vector one, and the result is the same.
 */
static void dmaadd_test_runs_compute_split(struct kunit *test)
{
	enum { N = 41, LEN = N * 4 };
	static const size_t cut_a[] = { 1, 7, 8, 64, 65, 130, LEN };
	static const size_t cut_b[] = { 3, 50, 51, 52, 99, LEN };
	static const size_t cut_c[] = { 2, 5, 77, 160, LEN };
	struct dmaadd_runs runs[DMAADD_HW_NR_OPS] = {};
	u32 *a, *b, *c;
	unsigned int i;

	a = kunit_kmalloc(test, LEN, GFP_KERNEL);
	b = kunit_kmalloc(test, LEN, GFP_KERNEL);
	c = kunit_kzalloc(test, LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < N; i++) {
		a[i] = 0x10000001U * i + 0x7ffffff0U;
		b[i] = 0xfedcba98U - 3 * i;
	}
	dmaadd_test_runs(test, &runs[DMAADD_HW_OP_A], (u8 *)a, cut_a,
			 ARRAY_SIZE(cut_a));
	dmaadd_test_runs(test, &runs[DMAADD_HW_OP_B], (u8 *)b, cut_b,
			 ARRAY_SIZE(cut_b));
	dmaadd_test_runs(test, &runs[DMAADD_HW_OP_C], (u8 *)c, cut_c,
			 ARRAY_SIZE(cut_c));

	dmaadd_runs_compute(runs, LEN);
	for (i = 0; i < N; i++)
		KUNIT_EXPECT_EQ_MSG(test, c[i], a[i] + b[i], "element %u", i);
}

/* A shorter length stops exactly there: the rest of c is untouched. */
static void dmaadd_test_runs_compute_partial(struct kunit *test)
{
	enum { N = 16, LEN = N * 4 };
	static const size_t cut[] = { 5, 33, LEN };
	struct dmaadd_runs runs[DMAADD_HW_NR_OPS] = {};
	u32 *a, *b, *c;
	unsigned int i;

	a = kunit_kmalloc(test, LEN, GFP_KERNEL);
	b = kunit_kmalloc(test, LEN, GFP_KERNEL);
	c = kunit_kmalloc(test, LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	memset(c, 0xee, LEN);
	for (i = 0; i < N; i++) {
		a[i] = i;
		b[i] = 100 * i;
	}
	for (i = 0; i < DMAADD_HW_NR_OPS; i++)
		dmaadd_test_runs(test, &runs[i], (u8 *)(i == 0 ? a : i == 1 ? b : c),
				 cut, ARRAY_SIZE(cut));

	dmaadd_runs_compute(runs, 9 * 4);
	for (i = 0; i < 9; i++)
		KUNIT_EXPECT_EQ(test, c[i], 101 * i);
	for (; i < N; i++)
		KUNIT_EXPECT_EQ(test, c[i], 0xeeeeeeeeU);
}

static struct kunit_case dmaadd_engine_test_cases[] = {
	KUNIT_CASE(dmaadd_test_add_i32_edges),
	KUNIT_CASE(dmaadd_test_add_i32_unaligned),
	KUNIT_CASE(dmaadd_test_add_i32_bursts),
	KUNIT_CASE(dmaadd_test_runs_compute_split),
	KUNIT_CASE(dmaadd_test_runs_compute_partial),
	{}
};

static struct kunit_suite dmaadd_engine_test_suite = {
	.name = "dmaadd_engine",
	.test_cases = dmaadd_engine_test_cases,
};

kunit_test_suite(dmaadd_engine_test_suite);
