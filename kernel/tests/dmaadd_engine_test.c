// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the engine's arithmetic: the two-lanes-per-u64 int32 add
 * and the walk over segments whose boundaries split elements.
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

/*
 * Each SIMD datapath the CPU has against the scalar lanes: every count
 * up to two and a bit vector steps (32 and 128 elements), every 4-byte
 * misalignment, nothing written past the end.
 */
static void dmaadd_test_add_i32_simd(struct kunit *test)
{
	enum { MAX = 300 };
	enum dmaadd_simd best = dmaadd_simd_best(), simd;
	struct rnd_state rnd;
	unsigned int i, n, s;
	u32 *a, *b, *c;

	if (best == DMAADD_SIMD_NONE)
		kunit_skip(test, "no SIMD datapath on this CPU");
	a = kunit_kcalloc(test, MAX + 1, sizeof(u32), GFP_KERNEL);
	b = kunit_kcalloc(test, MAX + 1, sizeof(u32), GFP_KERNEL);
	c = kunit_kcalloc(test, MAX + 2, sizeof(u32), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	prandom_seed_state(&rnd, 11);
	for (i = 0; i <= MAX; i++) {
		a[i] = prandom_u32_state(&rnd);
		b[i] = prandom_u32_state(&rnd);
	}
	a[0] = 0x7fffffff;
	b[0] = 1;
	for (simd = DMAADD_SIMD_SSE2; simd <= best; simd++) {
		for (n = 0; n < MAX; n++) {
			for (s = 0; s < 2; s++) {
				memset(c, 0x5a, (MAX + 2) * sizeof(u32));
				KUNIT_ASSERT_TRUE(test, dmaadd_simd_begin(simd));
				dmaadd_add_i32_simd(c + s, a + s, b + 1 - s, n,
						    simd);
				dmaadd_simd_end(simd);
				for (i = 0; i < n; i++)
					KUNIT_ASSERT_EQ_MSG(test, c[s + i],
							    a[s + i] + b[1 - s + i],
							    "simd %d n=%u s=%u at %u",
							    simd, n, s, i);
				KUNIT_ASSERT_EQ_MSG(test, c[s + n], 0x5a5a5a5aU,
						    "simd %d n=%u wrote past the end",
						    simd, n);
			}
		}
	}
}

/*
 * A segment table describing @mem cut at @cuts (ascending byte offsets,
 * last = total), as the device sees it without an IOMMU: kmalloc() memory
 * is lowmem, so its device addresses are its physical addresses.
 */
static void dmaadd_test_segs(struct kunit *test, struct dmaadd_hw_operand *op,
			     u8 *mem, const size_t *cuts, unsigned int ncuts)
{
	struct dmaadd_hw_seg *segs;
	size_t start = 0;
	unsigned int i;

	segs = kunit_kcalloc(test, ncuts, sizeof(*segs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, segs);
	for (i = 0; i < ncuts; i++) {
		segs[i].addr = cpu_to_le64(virt_to_phys(mem + start));
		segs[i].len = cpu_to_le64(cuts[i] - start);
		start = cuts[i];
	}
	op->segs = cpu_to_le64(virt_to_phys(segs));
	op->nsegs = cpu_to_le32(ncuts);
	op->offset = 0;
}

/* An engine that only translates: no thread, no IOMMU, no DMA offset. */
static struct dmaadd_engine *dmaadd_test_engine(struct kunit *test)
{
	struct dmaadd_engine *eng = kunit_kzalloc(test, sizeof(*eng), GFP_KERNEL);
	struct device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, eng);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	eng->dev = dev;
	eng->tlb_gen = 1;
	eng->simd = dmaadd_simd_best();
	return eng;
}

/*
 * Three operands whose segments are cut at different odd byte offsets:
 * every element that straddles a boundary takes the byte-wise path, the
 * rest the vector one, and the result is the same.
 */
static void dmaadd_test_compute_split(struct kunit *test)
{
	enum { N = 41, LEN = N * 4 };
	static const size_t cut_a[] = { 1, 7, 8, 64, 65, 130, LEN };
	static const size_t cut_b[] = { 3, 50, 51, 52, 99, LEN };
	static const size_t cut_c[] = { 2, 5, 77, 160, LEN };
	struct dmaadd_engine *eng = dmaadd_test_engine(test);
	struct dmaadd_hw_desc desc = {};
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
	dmaadd_test_segs(test, &desc.op[DMAADD_HW_OP_A], (u8 *)a, cut_a,
			 ARRAY_SIZE(cut_a));
	dmaadd_test_segs(test, &desc.op[DMAADD_HW_OP_B], (u8 *)b, cut_b,
			 ARRAY_SIZE(cut_b));
	dmaadd_test_segs(test, &desc.op[DMAADD_HW_OP_C], (u8 *)c, cut_c,
			 ARRAY_SIZE(cut_c));

	for (i = 0; i < DMAADD_HW_NR_OPS; i++)
		KUNIT_ASSERT_EQ(test, 0, dmaadd_engine_probe(eng, NULL,
							     &desc.op[i], LEN));
	KUNIT_ASSERT_EQ(test, 0, dmaadd_engine_compute(eng, NULL, &desc, LEN));
	for (i = 0; i < N; i++)
		KUNIT_EXPECT_EQ_MSG(test, c[i], a[i] + b[i], "element %u", i);
}

/* A shorter length stops exactly there: the rest of c is untouched. */
static void dmaadd_test_compute_partial(struct kunit *test)
{
	enum { N = 16, LEN = N * 4 };
	static const size_t cut[] = { 5, 33, LEN };
	struct dmaadd_engine *eng = dmaadd_test_engine(test);
	struct dmaadd_hw_desc desc = {};
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
		dmaadd_test_segs(test, &desc.op[i],
				 (u8 *)(i == 0 ? a : i == 1 ? b : c),
				 cut, ARRAY_SIZE(cut));

	KUNIT_ASSERT_EQ(test, 0, dmaadd_engine_compute(eng, NULL, &desc, 9 * 4));
	for (i = 0; i < 9; i++)
		KUNIT_EXPECT_EQ(test, c[i], 101 * i);
	for (; i < N; i++)
		KUNIT_EXPECT_EQ(test, c[i], 0xeeeeeeeeU);
}

/* Past the end of the segment table is an invalid descriptor, not a read. */
static void dmaadd_test_probe_short_table(struct kunit *test)
{
	enum { LEN = 64 };
	static const size_t cut[] = { 16, 40 };
	struct dmaadd_engine *eng = dmaadd_test_engine(test);
	struct dmaadd_hw_operand op = {};
	u8 *mem = kunit_kzalloc(test, LEN, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mem);
	dmaadd_test_segs(test, &op, mem, cut, ARRAY_SIZE(cut));
	KUNIT_EXPECT_EQ(test, 0, dmaadd_engine_probe(eng, NULL, &op, 40));
	KUNIT_EXPECT_EQ(test, -EINVAL, dmaadd_engine_probe(eng, NULL, &op, 44));
	op.offset = cpu_to_le64(40);
	KUNIT_EXPECT_EQ(test, -EINVAL, dmaadd_engine_probe(eng, NULL, &op, 4));
}

static struct kunit_case dmaadd_engine_test_cases[] = {
	KUNIT_CASE(dmaadd_test_add_i32_edges),
	KUNIT_CASE(dmaadd_test_add_i32_unaligned),
	KUNIT_CASE(dmaadd_test_add_i32_bursts),
	KUNIT_CASE(dmaadd_test_add_i32_simd),
	KUNIT_CASE(dmaadd_test_compute_split),
	KUNIT_CASE(dmaadd_test_compute_partial),
	KUNIT_CASE(dmaadd_test_probe_short_table),
	{}
};

static struct kunit_suite dmaadd_engine_test_suite = {
	.name = "dmaadd_engine",
	.test_cases = dmaadd_engine_test_cases,
};

kunit_test_suite(dmaadd_engine_test_suite);
