// SPDX-License-Identifier: GPL-2.0
/*
 * dmaadd bad inputs: every errno the uapi header documents for a bad
 * argument, one error path per test. Each test changes one thing in an
 * otherwise valid call, and where it is cheap shows afterwards that the
 * rejected call had no effect.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "dmaadd_test.h"

#include <assert.h>

/* Bytes past the kernel's struct in the "bigger @size" cases. */
#define TAIL_BYTES	64

/* The lowest bit of dmaadd_submit.flags the uapi does not define. */
#define SUBMIT_FIRST_UNKNOWN_FLAG	(DMAADD_SUBMIT_OUT_FENCE << 1)

struct info_tail {
	struct dmaadd_info s;
	__u8 tail[TAIL_BYTES];
};

struct alloc_tail {
	struct dmaadd_buf_alloc s;
	__u8 tail[TAIL_BYTES];
};

struct free_tail {
	struct dmaadd_buf_free s;
	__u8 tail[TAIL_BYTES];
};

struct submit_tail {
	struct dmaadd_submit s;
	__u8 tail[TAIL_BYTES];
};

struct wait_tail {
	struct dmaadd_wait s;
	__u8 tail[TAIL_BYTES];
};

/* The uapi structs are multiples of 8 bytes: each tail follows at once. */
static_assert(sizeof(struct dmaadd_info) % 8 == 0, "info padding");
static_assert(sizeof(struct dmaadd_buf_alloc) % 8 == 0, "alloc padding");
static_assert(sizeof(struct dmaadd_buf_free) % 8 == 0, "free padding");
static_assert(sizeof(struct dmaadd_submit) % 8 == 0, "submit padding");
static_assert(sizeof(struct dmaadd_wait) % 8 == 0, "wait padding");

static bool all_zero(const void *p, size_t len)
{
	const __u8 *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

FIXTURE(errors) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
	/* A valid c = a + b over all of a, b and c. */
	struct dmaadd_submit good;
};

FIXTURE_VARIANT(errors) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(errors, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(errors, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(errors)
{
	const __u64 len = 4 * dmaadd_page_size();

	dmaadd_fixture_open(variant->backend);
	test_buf_create(len, &self->a);
	test_buf_create(len, &self->b);
	test_buf_create(len, &self->c);
	dmaadd_fill_random(self->a.map, len / ELEM_SIZE, 1);
	dmaadd_fill_random(self->b.map, len / ELEM_SIZE, 2);
	dmaadd_submit_init(&self->good, len / ELEM_SIZE,
			   OPND(self->a.handle, 0), OPND(self->b.handle, 0),
			   OPND(self->c.handle, 0));
}

FIXTURE_TEARDOWN(errors)
{
	dmaadd_fixture_close();
}

#define test_err_submit_cmd(_errno, _cmd) \
	EXPECT_ERRNO(_errno, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, _cmd))

/*
 * After a rejected SUBMIT the file is unharmed and no job id was used up:
 * the valid job becomes job 1 and computes the right thing.
 */
#define test_good_submit_is_first()					\
	({								\
		struct dmaadd_submit __cmd = self->good;		\
		ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &__cmd));\
		ASSERT_EQ(1ULL, __cmd.job_id);				\
		test_ioctl_wait(1);					\
		ASSERT_SUM(self->a.map, self->b.map, self->c.map,	\
			   self->good.count);				\
	})

/* A handle that is none of this file's buffers. */
static __u32 unused_handle(FIXTURE_DATA(errors) *self)
{
	__u32 h = 0x7fffffff;

	while (h == self->a.handle || h == self->b.handle ||
	       h == self->c.handle)
		h--;
	return h;
}

/*
 * A handle of another open file of the same device that is not also a
 * handle of ours (handle numbers are per file and may coincide).
 */
static __u32 foreign_handle(struct __test_metadata *_metadata,
			    FIXTURE_DATA(errors) *self, int fd2)
{
	unsigned int i;
	__u32 h = 0;

	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, _test_ioctl_alloc(fd2, self->page, &h, NULL));
		if (h != self->a.handle && h != self->b.handle &&
		    h != self->c.handle)
			return h;
	}
	ASSERT_TRUE(false) TH_LOG("all handles of the second file are ours");
	return 0;
}

/* Common: struct size, flags and bad pointers, for every ioctl */

TEST_F(errors, info_size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_info) - 4,
				sizeof(struct dmaadd_info) - 1 };
	struct dmaadd_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizes[i];
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_INFO, &info));
	}
}

TEST_F(errors, info_size_bigger_zero_tail)
{
	struct info_tail big;

	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_INFO, &big));
	big.s.size = sizeof(big.s);
	EXPECT_EQ(0, memcmp(&big.s, &self->info, sizeof(big.s)));
	EXPECT_TRUE(all_zero(big.tail, sizeof(big.tail)));
}

TEST_F(errors, info_size_bigger_nonzero_tail)
{
	struct info_tail big;

	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.tail[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_INFO, &big));
}

TEST_F(errors, info_flags)
{
	struct dmaadd_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_INFO, &info));
	info.flags = 1U << 31;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_INFO, &info));
}

TEST_F(errors, info_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, DMAADD_IOCTL_INFO, NULL));
}

/* A bigger @size whose tail runs into an unreadable page. */
TEST_F(errors, info_efault_tail_unreadable)
{
	struct dmaadd_info *info;
	char *area;

	area = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, mprotect(area + self->page, self->page, PROT_NONE));
	info = (struct dmaadd_info *)(area + self->page - sizeof(*info));
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info) + 8;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, DMAADD_IOCTL_INFO, info));
	munmap(area, 2 * self->page);
}

/* The output cannot be written back. */
TEST_F(errors, info_efault_readonly)
{
	struct dmaadd_info *info;
	void *area;

	area = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	info = area;
	info->size = sizeof(*info);
	ASSERT_EQ(0, mprotect(area, self->page, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, DMAADD_IOCTL_INFO, info));
	munmap(area, self->page);
}

TEST_F(errors, alloc_size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_buf_alloc) - 4,
				sizeof(struct dmaadd_buf_alloc) - 1 };
	struct dmaadd_buf_alloc cmd;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizes[i];
		cmd.length = self->page;
		EXPECT_ERRNO(EINVAL,
			     ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd));
	}
}

TEST_F(errors, alloc_size_bigger_zero_tail)
{
	struct alloc_tail big;
	__u32 *map;

	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.length = self->page;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &big));
	EXPECT_TRUE(all_zero(big.tail, sizeof(big.tail)));
	ASSERT_NE(0U, big.s.handle);
	map = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, big.s.mmap_offset);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_FILLED(map, self->page / ELEM_SIZE, 0);
	munmap(map, self->page);
	test_ioctl_free(big.s.handle);
}

TEST_F(errors, alloc_size_bigger_nonzero_tail)
{
	struct alloc_tail big;

	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.length = self->page;
	big.tail[TAIL_BYTES - 1] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &big));
}

TEST_F(errors, alloc_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, NULL));
}

TEST_F(errors, free_size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_buf_free) - 1 };
	struct dmaadd_buf_free cmd;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cmd.size = sizes[i];
		cmd.handle = self->a.handle;
		EXPECT_ERRNO(EINVAL,
			     ioctl(self->fd, DMAADD_IOCTL_BUF_FREE, &cmd));
	}
	/* The handle is still there. */
	test_ioctl_free(self->a.handle);
}

TEST_F(errors, free_size_bigger_zero_tail)
{
	struct free_tail big;

	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.handle = self->a.handle;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_FREE, &big));
	EXPECT_TRUE(all_zero(big.tail, sizeof(big.tail)));
	test_err_free(ENOENT, self->a.handle);
}

TEST_F(errors, free_size_bigger_nonzero_tail)
{
	struct free_tail big;

	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.handle = self->a.handle;
	big.tail[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_BUF_FREE, &big));
	test_ioctl_free(self->a.handle);
}

TEST_F(errors, free_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, DMAADD_IOCTL_BUF_FREE, NULL));
}

TEST_F(errors, submit_size_too_small)
{
	/* Below the first version of the struct (it has grown since). */
	const __u32 sizes[] = { 0, 4, DMAADD_SUBMIT_SIZE_VER0 - 8,
				DMAADD_SUBMIT_SIZE_VER0 - 1 };
	struct dmaadd_submit cmd;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cmd = self->good;
		cmd.size = sizes[i];
		test_err_submit_cmd(EINVAL, &cmd);
	}
	test_good_submit_is_first();
}

TEST_F(errors, submit_size_bigger_zero_tail)
{
	struct submit_tail big;

	memset(&big, 0, sizeof(big));
	big.s = self->good;
	big.s.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &big));
	EXPECT_TRUE(all_zero(big.tail, sizeof(big.tail)));
	ASSERT_EQ(1ULL, big.s.job_id);
	test_ioctl_wait(1);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, self->good.count);
}

TEST_F(errors, submit_size_bigger_nonzero_tail)
{
	struct submit_tail big;

	memset(&big, 0, sizeof(big));
	big.s = self->good;
	big.s.size = sizeof(big);
	big.tail[0] = 1;
	test_err_submit_cmd(E2BIG, &big);
	test_good_submit_is_first();
}

/* Only the very last byte of a long tail is set. */
TEST_F(errors, submit_size_bigger_last_byte_set)
{
	struct submit_tail big;

	memset(&big, 0, sizeof(big));
	big.s = self->good;
	big.s.size = sizeof(big);
	big.tail[TAIL_BYTES - 1] = 0x80;
	test_err_submit_cmd(E2BIG, &big);
	test_good_submit_is_first();
}

TEST_F(errors, submit_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, NULL));
	test_good_submit_is_first();
}

TEST_F(errors, wait_size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_wait) - 8,
				sizeof(struct dmaadd_wait) - 1 };
	struct dmaadd_submit good = self->good;
	struct dmaadd_wait cmd;
	unsigned int i;

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	test_ioctl_wait(good.job_id);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizes[i];
		cmd.job_id = good.job_id;
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_WAIT, &cmd));
	}
}

TEST_F(errors, wait_size_bigger_zero_tail)
{
	struct wait_tail big;
	struct dmaadd_submit good = self->good;

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.job_id = good.job_id;
	big.s.timeout_ns = DMAADD_TIMEOUT_INFINITE;
	big.s.status = ~0U;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_WAIT, &big));
	EXPECT_TRUE(all_zero(big.tail, sizeof(big.tail)));
	ASSERT_EQ((__u32)DMAADD_JOB_OK, big.s.status);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, self->good.count);
}

TEST_F(errors, wait_size_bigger_nonzero_tail)
{
	struct wait_tail big;
	struct dmaadd_submit good = self->good;

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	test_ioctl_wait(good.job_id);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.job_id = good.job_id;
	big.tail[1] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_WAIT, &big));
}

TEST_F(errors, wait_efault)
{
	struct dmaadd_submit good = self->good;

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	test_ioctl_wait(good.job_id);
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, DMAADD_IOCTL_WAIT, NULL));
}

/* Unknown commands, handed a valid INFO struct in case they are taken for one. */
TEST_F(errors, unknown_ioctl)
{
	const unsigned long cmds[] = {
		_IO(DMAADD_TYPE, DMAADD_CMD_SUBMIT_COPY + 1),
		_IO(DMAADD_TYPE, 0x10),
		_IO(DMAADD_TYPE, 0x80),
		_IO(DMAADD_TYPE, 0xff),
		_IO(DMAADD_TYPE + 1, DMAADD_CMD_INFO),
		_IO(DMAADD_TYPE - 1, DMAADD_CMD_SUBMIT),
		_IO(0, 0),
	};
	struct dmaadd_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		EXPECT_ERRNO(ENOTTY, ioctl(self->fd, cmds[i], &info));
	}
}

/* A known number with direction and size bits is not the documented _IO(). */
TEST_F(errors, unknown_ioctl_encoding)
{
	const unsigned long cmds[] = {
		_IOWR(DMAADD_TYPE, DMAADD_CMD_INFO, struct dmaadd_info),
		_IOR(DMAADD_TYPE, DMAADD_CMD_INFO, struct dmaadd_info),
	};
	struct dmaadd_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		EXPECT_ERRNO(ENOTTY, ioctl(self->fd, cmds[i], &info));
	}
}

/* BUF_ALLOC */

TEST_F(errors, alloc_length_zero)
{
	test_err_alloc(EINVAL, 0);
}

TEST_F(errors, alloc_length_over_max)
{
	test_err_alloc(EINVAL, self->info.max_buffer_size + 1);
}

TEST_F(errors, alloc_length_huge)
{
	test_err_alloc(EINVAL, UINT64_MAX);
	test_err_alloc(EINVAL, 1ULL << 63);
}

/* The boundary of alloc_length_over_max: max_buffer_size itself is valid. */
TEST_F(errors, alloc_length_max)
{
	const __u64 max = self->info.max_buffer_size;
	__u32 handle;

	if (max > SZ_256M)
		SKIP(return, "max_buffer_size %llu: too big for a test guest",
		     (unsigned long long)max);
	if (_test_ioctl_alloc(self->fd, max, &handle, NULL)) {
		/* It may fail for want of memory, never as invalid. */
		ASSERT_EQ(ENOMEM, errno);
	} else {
		test_ioctl_free(handle);
	}
}

/* Unknown flags, alone or next to DMAADD_BUF_CONTIGUOUS. */
TEST_F(errors, alloc_flags)
{
	struct dmaadd_buf_alloc cmd = {
		.size = sizeof(cmd),
		.flags = DMAADD_BUF_CONTIGUOUS << 1,
		.length = self->page,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd));
	cmd.flags = 1U << 31;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd));
	cmd.flags = DMAADD_BUF_CONTIGUOUS | 1U << 31;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd));
	cmd.flags = DMAADD_BUF_CONTIGUOUS;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd));
}

TEST_F(errors, alloc_reserved)
{
	struct dmaadd_buf_alloc cmd = {
		.size = sizeof(cmd),
		.length = self->page,
		.__reserved = 1,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd));
	cmd.__reserved = 0;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd));
}

/* mmap(), on a second file holding just one buffer */

#define test_err_mmap(_errno, _fd, _length, _offset, _flags)		\
	EXPECT_ERRNO(_errno, (long)mmap(NULL, _length,			\
					PROT_READ | PROT_WRITE, _flags,	\
					_fd, _offset))

TEST_F(errors, mmap_private)
{
	int fd2 = test_open_same_device(0);
	struct dmaadd_buf buf;

	ASSERT_EQ(0, _test_buf_create(fd2, 4 * self->page, &buf));
	test_err_mmap(EINVAL, fd2, 4 * self->page, buf.mmap_offset,
		      MAP_PRIVATE);
	close(fd2);
}

TEST_F(errors, mmap_longer_than_buffer)
{
	int fd2 = test_open_same_device(0);
	struct dmaadd_buf buf;

	ASSERT_EQ(0, _test_buf_create(fd2, 4 * self->page, &buf));
	test_err_mmap(EINVAL, fd2, 5 * self->page, buf.mmap_offset,
		      MAP_SHARED);
	close(fd2);
}

/* The length rounds up to whole pages, and no further. */
TEST_F(errors, mmap_longer_than_rounded_length)
{
	int fd2 = test_open_same_device(0);
	struct dmaadd_buf buf;

	ASSERT_EQ(0, _test_buf_create(fd2, self->page + 4, &buf));
	ASSERT_EQ(2 * self->page, buf.map_length);
	test_err_mmap(EINVAL, fd2, 3 * self->page, buf.mmap_offset,
		      MAP_SHARED);
	close(fd2);
}

TEST_F(errors, mmap_from_page1_too_long)
{
	int fd2 = test_open_same_device(0);
	struct dmaadd_buf buf;

	ASSERT_EQ(0, _test_buf_create(fd2, 4 * self->page, &buf));
	test_err_mmap(EINVAL, fd2, 4 * self->page,
		      buf.mmap_offset + self->page, MAP_SHARED);
	close(fd2);
}

TEST_F(errors, mmap_offset_past_end)
{
	int fd2 = test_open_same_device(0);
	struct dmaadd_buf buf;

	ASSERT_EQ(0, _test_buf_create(fd2, 4 * self->page, &buf));
	test_err_mmap(EINVAL, fd2, self->page,
		      buf.mmap_offset + 4 * self->page, MAP_SHARED);
	close(fd2);
}

TEST_F(errors, mmap_freed_buffer)
{
	int fd2 = test_open_same_device(0);
	struct dmaadd_buf buf;

	ASSERT_EQ(0, _test_buf_create(fd2, 4 * self->page, &buf));
	dmaadd_buf_unmap(&buf);
	ASSERT_EQ(0, _test_ioctl_free(fd2, buf.handle));
	test_err_mmap(EINVAL, fd2, self->page, buf.mmap_offset, MAP_SHARED);
	close(fd2);
}

/* BUF_FREE */

TEST_F(errors, free_unknown_handle)
{
	test_err_free(ENOENT, unused_handle(self));
	test_ioctl_free(self->a.handle);
}

TEST_F(errors, free_handle_zero)
{
	test_err_free(ENOENT, 0);
}

TEST_F(errors, free_twice)
{
	test_ioctl_free(self->a.handle);
	test_err_free(ENOENT, self->a.handle);
	test_ioctl_free(self->b.handle);
}

TEST_F(errors, free_other_file_handle)
{
	int fd2 = test_open_same_device(0);
	__u32 theirs = foreign_handle(_metadata, self, fd2);

	test_err_free(ENOENT, theirs);
	/* Still theirs to free. */
	ASSERT_EQ(0, _test_ioctl_free(fd2, theirs));
	close(fd2);
}

/* SUBMIT */

TEST_F(errors, submit_op_zero)
{
	struct dmaadd_submit cmd = self->good;

	cmd.op = 0;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_op_two)
{
	struct dmaadd_submit cmd = self->good;

	cmd.op = DMAADD_OP_ADD_I32 + 1;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_op_all_ones)
{
	struct dmaadd_submit cmd = self->good;

	cmd.op = ~0U;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_count_zero)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 0;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_flags)
{
	struct dmaadd_submit cmd = self->good;

	cmd.flags = SUBMIT_FIRST_UNKNOWN_FLAG;
	test_err_submit_cmd(EINVAL, &cmd);
	cmd.flags = 1U << 31;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_reserved)
{
	struct dmaadd_submit cmd = self->good;

	cmd.__reserved = 1;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_a_flags)
{
	struct dmaadd_submit cmd = self->good;

	cmd.a.flags = 1;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_b_flags)
{
	struct dmaadd_submit cmd = self->good;

	cmd.b.flags = 1U << 31;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_c_flags)
{
	struct dmaadd_submit cmd = self->good;

	cmd.c.flags = 2;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

/* Offsets 1, 2 and 3: not a multiple of the element size. */
#define check_misaligned(_operand)					\
	({								\
		struct dmaadd_submit __cmd;				\
		__u64 __off;						\
		for (__off = 1; __off < ELEM_SIZE; __off++) {		\
			__cmd = self->good;				\
			__cmd.count = 1;				\
			__cmd._operand.offset = 4 + __off;		\
			test_err_submit_cmd(EINVAL, &__cmd);		\
		}							\
		test_good_submit_is_first();				\
	})

TEST_F(errors, submit_a_misaligned)
{
	check_misaligned(a);
}

TEST_F(errors, submit_b_misaligned)
{
	check_misaligned(b);
}

TEST_F(errors, submit_c_misaligned)
{
	check_misaligned(c);
}

TEST_F(errors, submit_a_unknown_handle)
{
	struct dmaadd_submit cmd = self->good;

	cmd.a.handle = unused_handle(self);
	test_err_submit_cmd(ENOENT, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_b_unknown_handle)
{
	struct dmaadd_submit cmd = self->good;

	cmd.b.handle = unused_handle(self);
	test_err_submit_cmd(ENOENT, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_c_unknown_handle)
{
	struct dmaadd_submit cmd = self->good;

	cmd.c.handle = unused_handle(self);
	test_err_submit_cmd(ENOENT, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_handle_zero)
{
	struct dmaadd_submit cmd = self->good;

	cmd.a.handle = 0;
	test_err_submit_cmd(ENOENT, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_freed_handle)
{
	struct dmaadd_submit cmd = self->good;
	struct dmaadd_buf spare;

	test_buf_create(self->c.length, &spare);
	dmaadd_buf_unmap(&spare);
	test_ioctl_free(spare.handle);
	cmd.c.handle = spare.handle;
	test_err_submit_cmd(ENOENT, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_other_file_handle)
{
	struct dmaadd_submit cmd = self->good;
	int fd2 = test_open_same_device(0);

	cmd.c.handle = foreign_handle(_metadata, self, fd2);
	test_err_submit_cmd(ENOENT, &cmd);
	test_good_submit_is_first();
	close(fd2);
}

/* The boundary of the ERANGE tests: a range ending at the buffer's end. */
TEST_F(errors, submit_range_to_end)
{
	struct dmaadd_submit cmd = self->good;
	const __u64 len = self->a.length;

	cmd.count = 1;
	cmd.a.offset = len - ELEM_SIZE;
	cmd.b.offset = len - ELEM_SIZE;
	cmd.c.offset = len - ELEM_SIZE;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
	test_ioctl_wait(cmd.job_id);
	ASSERT_SUM(self->a.map + self->good.count - 1,
		   self->b.map + self->good.count - 1,
		   self->c.map + self->good.count - 1, 1);
	ASSERT_FILLED(self->c.map, self->good.count - 1, 0);
}

TEST_F(errors, submit_a_offset_past_end)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 1;
	cmd.a.offset = self->a.length;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_b_offset_past_end)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 1;
	cmd.b.offset = self->b.length + self->page;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_c_offset_past_end)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 1;
	cmd.c.offset = self->c.length;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

/* One element too many for all three buffers. */
TEST_F(errors, submit_count_past_end)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count++;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

/* The range of one operand ends one element past its buffer. */
TEST_F(errors, submit_a_range_past_end_by_one)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 2;
	cmd.a.offset = self->a.length - ELEM_SIZE;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_c_range_past_end_by_one)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count--;
	cmd.c.offset = 2 * ELEM_SIZE;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

/* count * 4 does not overflow, it is just far too long. */
TEST_F(errors, submit_count_huge)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = (1ULL << 62) - 1;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

/* offset + 4 does not overflow, it is just far past the end. */
TEST_F(errors, submit_offset_huge)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 1;
	cmd.a.offset = UINT64_MAX - 7;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_count_overflow)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 1ULL << 62;
	test_err_submit_cmd(EOVERFLOW, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_count_max)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = UINT64_MAX;
	test_err_submit_cmd(EOVERFLOW, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_a_offset_wraps)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 2;
	cmd.a.offset = UINT64_MAX - 3;
	test_err_submit_cmd(EOVERFLOW, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_b_offset_wraps)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 2;
	cmd.b.offset = UINT64_MAX - 3;
	test_err_submit_cmd(EOVERFLOW, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_c_offset_wraps)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 2;
	cmd.c.offset = UINT64_MAX - 3;
	test_err_submit_cmd(EOVERFLOW, &cmd);
	test_good_submit_is_first();
}

/* c starts one element into a, in a's buffer. */
TEST_F(errors, submit_c_overlaps_a_tail)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 16;
	cmd.c = OPND(self->a.handle, cmd.a.offset + ELEM_SIZE);
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

/* a starts one element into c, in a's buffer. */
TEST_F(errors, submit_c_overlaps_a_head)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 16;
	cmd.a.offset = 64;
	cmd.c = OPND(self->a.handle, 64 - ELEM_SIZE);
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

/* c and b share all but their last element. */
TEST_F(errors, submit_c_overlaps_b)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 1000;
	cmd.b.offset = 4 * ELEM_SIZE;
	cmd.c = OPND(self->b.handle, 3 * ELEM_SIZE);
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

/* The range ends at @length as allocated, not at its page rounding. */
TEST_F(errors, submit_range_past_length)
{
	struct dmaadd_submit cmd = self->good;
	struct dmaadd_buf odd;

	test_buf_create(self->page + 8, &odd);
	cmd.count = 2;
	cmd.c = OPND(odd.handle, self->page);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
	test_ioctl_wait(cmd.job_id);
	ASSERT_SUM(self->a.map, self->b.map, odd.map + self->page / 4, 2);
	cmd.c.offset += ELEM_SIZE;
	test_err_submit_cmd(ERANGE, &cmd);
}

/*
 * The documented order of the SUBMIT checks, each test with two faults
 * whose order the header fixes: the earlier check must answer.
 */

TEST_F(errors, submit_order_count_before_handles)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 0;
	cmd.a.handle = unused_handle(self);
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_flags_before_count_overflow)
{
	struct dmaadd_submit cmd = self->good;

	cmd.flags = SUBMIT_FIRST_UNKNOWN_FLAG;
	cmd.count = 1ULL << 62;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_count_overflow_before_operands)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 1ULL << 62;
	cmd.a.offset = 2;
	test_err_submit_cmd(EOVERFLOW, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_alignment_before_offset_overflow)
{
	struct dmaadd_submit cmd = self->good;

	/* Both faults in one operand: misaligned, and wrapping. */
	cmd.count = 2;
	cmd.a.offset = UINT64_MAX - 2;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_alignment_before_handles)
{
	struct dmaadd_submit cmd = self->good;

	cmd.a.handle = unused_handle(self);
	cmd.c.offset = 2;
	test_err_submit_cmd(EINVAL, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_offset_overflow_before_handles)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 2;
	cmd.a.handle = unused_handle(self);
	cmd.c.offset = UINT64_MAX - 3;
	test_err_submit_cmd(EOVERFLOW, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_handles_before_overlap)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 16;
	cmd.b.handle = unused_handle(self);
	cmd.c = OPND(self->a.handle, ELEM_SIZE);
	test_err_submit_cmd(ENOENT, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_range_before_overlap)
{
	struct dmaadd_submit cmd = self->good;

	cmd.count = 16;
	cmd.b.offset = self->b.length - 8 * ELEM_SIZE;
	cmd.c = OPND(self->a.handle, ELEM_SIZE);
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

/* WAIT */

TEST_F(errors, wait_job_zero)
{
	struct dmaadd_submit good = self->good;

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	test_err_wait(EINVAL, 0, DMAADD_TIMEOUT_INFINITE);
	test_ioctl_wait(good.job_id);
}

TEST_F(errors, wait_never_submitted)
{
	struct dmaadd_submit good = self->good;

	test_err_wait(ENOENT, 1, 0);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	ASSERT_EQ(1ULL, good.job_id);
	test_err_wait(ENOENT, 2, DMAADD_TIMEOUT_INFINITE);
	test_err_wait(ENOENT, UINT64_MAX, DMAADD_TIMEOUT_INFINITE);
	test_ioctl_wait(1);
}

/* Job ids are per file: another file's job 1 is no job of ours. */
TEST_F(errors, wait_other_file_job)
{
	int fd2 = test_open_same_device(0);
	struct job {
		struct dmaadd_buf a, b, c;
	} theirs;
	__u64 job;

	ASSERT_EQ(0, _test_buf_create(fd2, self->page, &theirs.a));
	ASSERT_EQ(0, _test_buf_create(fd2, self->page, &theirs.b));
	ASSERT_EQ(0, _test_buf_create(fd2, self->page, &theirs.c));
	ASSERT_EQ(0, _test_ioctl_submit(fd2, 1, OPND(theirs.a.handle, 0),
					OPND(theirs.b.handle, 0),
					OPND(theirs.c.handle, 0), &job));
	ASSERT_EQ(1ULL, job);
	test_err_wait(ENOENT, 1, DMAADD_TIMEOUT_INFINITE);
	ASSERT_EQ(0, _test_ioctl_wait(fd2, 1, DMAADD_TIMEOUT_INFINITE, NULL));
	close(fd2);
}

TEST_F(errors, wait_flags)
{
	struct dmaadd_submit good = self->good;
	struct dmaadd_wait cmd = {
		.size = sizeof(cmd),
		.flags = 1,
		.timeout_ns = DMAADD_TIMEOUT_INFINITE,
	};

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	cmd.job_id = good.job_id;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_WAIT, &cmd));
	cmd.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_WAIT, &cmd));
}

TEST_F(errors, wait_reserved)
{
	struct dmaadd_submit good = self->good;
	struct dmaadd_wait cmd = {
		.size = sizeof(cmd),
		.timeout_ns = DMAADD_TIMEOUT_INFINITE,
		.__reserved = 1,
	};

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &good));
	cmd.job_id = good.job_id;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_WAIT, &cmd));
	cmd.__reserved = 0;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_WAIT, &cmd));
}

/*
 * A read-only buffer of @len bytes for the EACCES cases: user memory
 * registered with DMAADD_USERPTR_READ_ONLY (BUF_USERPTR itself is covered
 * by the sharing tests).
 */
static __u32 read_only_userptr(struct __test_metadata *_metadata,
			       FIXTURE_DATA(errors) *self, __u64 len)
{
	struct dmaadd_buf_userptr cmd = {
		.size = sizeof(cmd),
		.flags = DMAADD_USERPTR_READ_ONLY,
		.length = len,
	};
	void *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	cmd.addr = (uintptr_t)mem;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_USERPTR, &cmd));
	ASSERT_NE(0U, cmd.handle);
	return cmd.handle;
}

TEST_F(errors, submit_c_read_only)
{
	struct dmaadd_submit cmd = self->good;

	cmd.c.handle = read_only_userptr(_metadata, self, self->c.length);
	test_err_submit_cmd(EACCES, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_range_before_read_only)
{
	struct dmaadd_submit cmd = self->good;

	cmd.c.handle = read_only_userptr(_metadata, self, self->c.length);
	cmd.b.offset = ELEM_SIZE;
	test_err_submit_cmd(ERANGE, &cmd);
	test_good_submit_is_first();
}

TEST_F(errors, submit_order_read_only_before_overlap)
{
	struct dmaadd_submit cmd = self->good;
	__u32 ro = read_only_userptr(_metadata, self, self->c.length);

	cmd.count = 16;
	cmd.a = OPND(ro, 0);
	cmd.c = OPND(ro, ELEM_SIZE);
	test_err_submit_cmd(EACCES, &cmd);
	test_good_submit_is_first();
}

TEST_HARNESS_MAIN
