// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of SUBMIT's scalar checks and of the overlap rule, the parts
 * of job validation that need no buffer. Included at the end of
 * dmaadd_job.c when the kernel has KUnit.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <kunit/test.h>

static struct dmaadd_submit dmaadd_test_args(void)
{
	return (struct dmaadd_submit){
		.size = sizeof(struct dmaadd_submit),
		.op = DMAADD_OP_ADD_I32,
		.count = 16,
		.a = { .offset = 0 },
		.b = { .offset = 64 },
		.c = { .offset = 128 },
	};
}

/* Which field a case sets, and to what. */
enum dmaadd_args_field {
	DMAADD_F_NONE,
	DMAADD_F_FLAGS,
	DMAADD_F_FLAGS_VER0,	/* flags, in the first struct's size */
	DMAADD_F_RESERVED,
	DMAADD_F_OP,
	DMAADD_F_COUNT,
	DMAADD_F_COUNT_ALONE,	/* count, with every offset 0 */
	DMAADD_F_A_FLAGS,
	DMAADD_F_C_FLAGS,
	DMAADD_F_A_OFFSET,
	DMAADD_F_B_OFFSET,
	DMAADD_F_C_OFFSET,
	DMAADD_F_IN_FENCE_FD,
	DMAADD_F_OUT_FENCE_FD,
};

struct dmaadd_args_case {
	const char *what;
	enum dmaadd_args_field field;
	u64 value;
	int err;
};

static const struct dmaadd_args_case dmaadd_args_cases[] = {
	{ "valid", DMAADD_F_NONE, 0, 0 },
	{ "flags bit 2 (first unknown)", DMAADD_F_FLAGS, 1 << 2, -EINVAL },
	{ "flags in and out fence", DMAADD_F_FLAGS,
	  DMAADD_SUBMIT_IN_FENCE | DMAADD_SUBMIT_OUT_FENCE, 0 },
	{ "flags bit 31", DMAADD_F_FLAGS, 1U << 31, -EINVAL },
	{ "first struct, no flags", DMAADD_F_FLAGS_VER0, 0, 0 },
	{ "first struct, OUT_FENCE", DMAADD_F_FLAGS_VER0,
	  DMAADD_SUBMIT_OUT_FENCE, -EINVAL },
	{ "first struct, IN_FENCE", DMAADD_F_FLAGS_VER0,
	  DMAADD_SUBMIT_IN_FENCE, -EINVAL },
	{ "reserved", DMAADD_F_RESERVED, 1, -EINVAL },
	{ "op 0", DMAADD_F_OP, 0, -EINVAL },
	{ "op unknown", DMAADD_F_OP, DMAADD_OP_ADD_I32 + 1, -EINVAL },
	{ "count 0", DMAADD_F_COUNT, 0, -EINVAL },
	{ "count * 4 wraps", DMAADD_F_COUNT, 1ULL << 62, -EOVERFLOW },
	{ "count U64_MAX", DMAADD_F_COUNT, U64_MAX, -EOVERFLOW },
	{ "count U64_MAX / 4", DMAADD_F_COUNT_ALONE, U64_MAX / 4, 0 },
	{ "operand a flags", DMAADD_F_A_FLAGS, 1, -EINVAL },
	{ "operand c flags", DMAADD_F_C_FLAGS, 4, -EINVAL },
	{ "offset b unaligned", DMAADD_F_B_OFFSET, 2, -EINVAL },
	{ "offset c unaligned", DMAADD_F_C_OFFSET, 129, -EINVAL },
	/* 64-byte ranges: the first wraps past U64_MAX, the second fits. */
	{ "offset a + len wraps", DMAADD_F_A_OFFSET, U64_MAX - 63, -EOVERFLOW },
	{ "offset c + len ends at U64_MAX - 3", DMAADD_F_C_OFFSET, U64_MAX - 67, 0 },
	{ "in_fence_fd without IN_FENCE", DMAADD_F_IN_FENCE_FD, 3, -EINVAL },
	{ "out_fence_fd not 0", DMAADD_F_OUT_FENCE_FD, 3, -EINVAL },
};

static void dmaadd_args_apply(struct dmaadd_submit *args,
			      const struct dmaadd_args_case *c)
{
	switch (c->field) {
	case DMAADD_F_NONE:
		break;
	case DMAADD_F_FLAGS_VER0:
		args->size = DMAADD_SUBMIT_SIZE_VER0;
		fallthrough;
	case DMAADD_F_FLAGS:
		args->flags = c->value;
		break;
	case DMAADD_F_RESERVED:
		args->__reserved = c->value;
		break;
	case DMAADD_F_OP:
		args->op = c->value;
		break;
	case DMAADD_F_COUNT_ALONE:
		args->a.offset = 0;
		args->b.offset = 0;
		args->c.offset = 0;
		fallthrough;
	case DMAADD_F_COUNT:
		args->count = c->value;
		break;
	case DMAADD_F_A_FLAGS:
		args->a.flags = c->value;
		break;
	case DMAADD_F_C_FLAGS:
		args->c.flags = c->value;
		break;
	case DMAADD_F_A_OFFSET:
		args->a.offset = c->value;
		break;
	case DMAADD_F_B_OFFSET:
		args->b.offset = c->value;
		break;
	case DMAADD_F_C_OFFSET:
		args->c.offset = c->value;
		break;
	case DMAADD_F_IN_FENCE_FD:
		args->in_fence_fd = c->value;
		break;
	case DMAADD_F_OUT_FENCE_FD:
		args->out_fence_fd = c->value;
		break;
	}
}

static void dmaadd_args_case_desc(const struct dmaadd_args_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dmaadd_args, dmaadd_args_cases, dmaadd_args_case_desc);

static void dmaadd_test_check_args(struct kunit *test)
{
	const struct dmaadd_args_case *c = test->param_value;
	struct dmaadd_submit args = dmaadd_test_args();
	u64 len = 0;

	dmaadd_args_apply(&args, c);
	KUNIT_EXPECT_EQ(test, dmaadd_job_check_args(&args, &len), c->err);
	if (!c->err)
		KUNIT_EXPECT_EQ(test, len, args.count * 4);
}

/* Same-length ranges overlap iff they share a byte. */
static void dmaadd_test_ranges_overlap(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, dmaadd_ranges_overlap(0, 0, 4));
	KUNIT_EXPECT_TRUE(test, dmaadd_ranges_overlap(0, 4, 8));
	KUNIT_EXPECT_TRUE(test, dmaadd_ranges_overlap(4, 0, 8));
	KUNIT_EXPECT_FALSE(test, dmaadd_ranges_overlap(0, 8, 8));
	KUNIT_EXPECT_FALSE(test, dmaadd_ranges_overlap(8, 0, 8));
	KUNIT_EXPECT_FALSE(test, dmaadd_ranges_overlap(0, 4096, 4));
	/* At the top of the range (offset + len never wraps: checked before). */
	KUNIT_EXPECT_FALSE(test, dmaadd_ranges_overlap(U64_MAX - 11, U64_MAX - 7, 4));
	KUNIT_EXPECT_TRUE(test, dmaadd_ranges_overlap(U64_MAX - 11, U64_MAX - 9, 4));
}

static struct kunit_case dmaadd_job_test_cases[] = {
	KUNIT_CASE_PARAM(dmaadd_test_check_args, dmaadd_args_gen_params),
	KUNIT_CASE(dmaadd_test_ranges_overlap),
	{}
};

static struct kunit_suite dmaadd_job_test_suite = {
	.name = "dmaadd_job",
	.test_cases = dmaadd_job_test_cases,
};

kunit_test_suite(dmaadd_job_test_suite);
