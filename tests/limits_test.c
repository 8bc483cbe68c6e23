// SPDX-License-Identifier: GPL-2.0
/*
 * Memory limits (uapi/linux/dmaadd.h, "Memory limits"): allocated buffers
 * are charged to the allocating process's memory cgroup, and the
 * administrator's cap on one open file (module parameter max_file_mb)
 * refuses what would go over it - counting buffers that outlive their
 * handle - before anything is allocated.
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define CAP_PATH	"/sys/module/dmaadd/parameters/max_file_mb"
#define CGROOT		"/sys/fs/cgroup"
#define CGTEST		CGROOT "/dmaadd-limits"

static int set_cap_mb(unsigned int mb)
{
	char text[16];

	snprintf(text, sizeof(text), "%u", mb);
	return write_str(CAP_PATH, text);
}

FIXTURE(limits) {
	DMAADD_FIXTURE_MEMBERS;
};

FIXTURE_VARIANT(limits) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(limits, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(limits, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(limits)
{
	dmaadd_fixture_open(variant->backend);
}

#define NEED_CAP()							\
	do {								\
		if (access(CAP_PATH, W_OK))				\
			SKIP(return, "cannot write %s", CAP_PATH);	\
	} while (0)

FIXTURE_TEARDOWN(limits)
{
	set_cap_mb(0);
	dmaadd_fixture_close();
}

static int copy_one(int fd, __u32 *a, __u32 *b, __u32 *c)
{
	struct dmaadd_submit_copy cmd = {
		.size = sizeof(cmd),
		.op = DMAADD_OP_ADD_I32,
		.count = 1,
		.a_ptr = (__u64)(uintptr_t)a,
		.b_ptr = (__u64)(uintptr_t)b,
		.c_ptr = (__u64)(uintptr_t)c,
	};

	return ioctl(fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd);
}

static int userptr_one(int fd, void *p, __u64 len, __u32 *handle)
{
	struct dmaadd_buf_userptr cmd = {
		.size = sizeof(cmd),
		.addr = (__u64)(uintptr_t)p,
		.length = len,
	};

	if (ioctl(fd, DMAADD_IOCTL_BUF_USERPTR, &cmd))
		return -1;
	*handle = cmd.handle;
	return 0;
}

/*
 * A file is refused what would take it over the cap, whatever the kind,
 * before anything is allocated; another file has a cap of its own; what is
 * freed counts no more.
 */
TEST_F(limits, file_cap)
{
	const __u64 page = self->page;
	__u32 h1, h2, h3, h, x = 1, y = 2, z = 0;
	void *mem;
	int fd2;

	NEED_CAP();
	ASSERT_EQ(0, set_cap_mb(8));
	test_ioctl_alloc(SZ_4M, &h1, NULL);
	test_ioctl_alloc(SZ_4M - page, &h2, NULL);
	/* Exactly at the cap: one page left. */
	test_ioctl_alloc(1, &h3, NULL);
	test_err_alloc(ENOMEM, 1);
	mem = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	EXPECT_ERRNO(ENOMEM, userptr_one(self->fd, mem, page, &h));
	EXPECT_ERRNO(ENOMEM, copy_one(self->fd, &x, &y, &z));
	EXPECT_EQ(0U, z);

	/* Another file has its own total. */
	fd2 = test_open_same_device(0);
	ASSERT_EQ(0, _test_ioctl_alloc(fd2, SZ_4M, &h, NULL));
	close(fd2);

	/* What is freed no longer counts. */
	test_ioctl_free(h3);
	ASSERT_EQ(0, userptr_one(self->fd, mem, page, &h));
	test_ioctl_free(h);
	/* Two temporary pages, one left. */
	EXPECT_ERRNO(ENOMEM, copy_one(self->fd, &x, &y, &z));
	test_ioctl_free(h2);
	ASSERT_EQ(0, copy_one(self->fd, &x, &y, &z));
	EXPECT_EQ(3U, z);
	/* Its temporary buffers are gone when it returns. */
	test_err_alloc(ENOMEM, SZ_4M + page);
	test_ioctl_alloc(SZ_4M, &h2, NULL);

	/* No cap: anything max_buffer_size allows. */
	ASSERT_EQ(0, set_cap_mb(0));
	test_ioctl_alloc(SZ_4M, &h, NULL);
	test_ioctl_free(h);
	test_ioctl_free(h1);
	test_ioctl_free(h2);
	munmap(mem, page);
}

/* SUBMIT_COPY's two temporary buffers count, for as long as the call runs. */
TEST_F(limits, submit_copy_counts_twice)
{
	const __u64 n = SZ_1M / ELEM_SIZE;
	__u32 *a, *b, *c;
	__u32 h;

	a = calloc(n, ELEM_SIZE);
	b = calloc(n, ELEM_SIZE);
	c = calloc(n, ELEM_SIZE);
	NEED_CAP();
	ASSERT_TRUE(a && b && c);
	dmaadd_fill(a, n, 3);
	dmaadd_fill(b, n, 4);
	ASSERT_EQ(0, set_cap_mb(2));
	{
		struct dmaadd_submit_copy cmd = {
			.size = sizeof(cmd),
			.op = DMAADD_OP_ADD_I32,
			.count = n,
			.a_ptr = (__u64)(uintptr_t)a,
			.b_ptr = (__u64)(uintptr_t)b,
			.c_ptr = (__u64)(uintptr_t)c,
		};

		/* 2 MiB: both fit, and are given back. */
		ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
		ASSERT_FILLED(c, n, 7);
		ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
		/* With one page held, they do not. */
		test_ioctl_alloc(1, &h, NULL);
		EXPECT_ERRNO(ENOMEM, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY,
					   &cmd));
		test_ioctl_free(h);
	}
	free(a);
	free(b);
	free(c);
}

/*
 * A buffer whose handle is gone still counts while a mapping holds it,
 * and lowering the cap takes nothing away.
 */
TEST_F(limits, mapping_keeps_counting)
{
	struct dmaadd_buf buf;
	__u32 h;

	NEED_CAP();
	ASSERT_EQ(0, set_cap_mb(4));
	test_buf_create(SZ_4M, &buf);
	dmaadd_fill(buf.map, SZ_4M / ELEM_SIZE, 9);
	test_ioctl_free(buf.handle);
	test_err_alloc(ENOMEM, 1);

	ASSERT_EQ(0, set_cap_mb(1));
	ASSERT_FILLED(buf.map, SZ_4M / ELEM_SIZE, 9);
	dmaadd_buf_unmap(&buf);
	test_ioctl_alloc(SZ_1M, &h, NULL);
	test_err_alloc(ENOMEM, 1);
	test_ioctl_free(h);
}

static long long cg_current(void)
{
	char text[32];

	if (read_text_file(CGTEST, "memory.current", text, sizeof(text)))
		return -1;
	return strtoll(text, NULL, 10);
}

/* Join a fresh cgroup with the memory controller: 0, or -1 to skip. */
static int cg_enter(void)
{
	char pid[16];

	if (access(CGROOT "/cgroup.controllers", R_OK) &&
	    mount("none", CGROOT, "cgroup2", 0, NULL))
		return -1;
	if (write_str(CGROOT "/cgroup.subtree_control", "+memory"))
		return -1;
	if (mkdir(CGTEST, 0755) && errno != EEXIST)
		return -1;
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(CGTEST "/cgroup.procs", pid);
}

static void cg_leave(void)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_str(CGROOT "/cgroup.procs", pid);
	rmdir(CGTEST);
}

/*
 * The pages of an allocated buffer are charged to the allocating process's
 * memory cgroup, and uncharged when the buffer goes.
 */
TEST_F(limits, memcg_charge)
{
	const long long len = 64LL << 20, slack = 4LL << 20;
	long long before, held, after;
	__u32 h;

	if (self->info.max_buffer_size < (__u64)len)
		SKIP(return, "max_buffer_size below 64 MiB");
	if (cg_enter())
		SKIP(return, "no cgroup2 memory controller: %s", strerror(errno));
	before = cg_current();
	ASSERT_LE(0, before);
	test_ioctl_alloc(len, &h, NULL);
	held = cg_current();
	test_ioctl_free(h);
	after = cg_current();
	cg_leave();
	TH_LOG("memory.current: %lld before, %lld with 64 MiB, %lld after",
	       before, held, after);
	EXPECT_LE(before + len - slack, held);
	EXPECT_GE(held - len + slack, after);
}

TEST_HARNESS_MAIN
