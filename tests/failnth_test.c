// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation failure of every call: with fail-nth (per task,
 * /proc/thread-self/fail-nth) over failslab and fail_page_alloc, the n-th
 * slab or page allocation of one call fails, for n = 1, 2, ...
 * until the call gets through without reaching its n-th. Each failure must
 * be a clean ENOMEM that leaves nothing behind: the device's debugfs
 * counts of live buffer objects and file states are back where they
 * started, the next job id is the one expected, and at the end of the
 * suite the module unloads and (debug kernel) kmemleak finds nothing.
 * This needs a kernel with fault injection and kmemleak off (kmemleak's
 * own allocations would fail too, and switch it off): the debug-rt-direct
 * guest. Elsewhere these tests skip.
 *
 * Side effect: kernel debugging facilities allocate too, and one of their
 * allocations failing switches them off (DMA-API debug's cacheline
 * tracking says so in the log). The guest therefore runs this program
 * after all the others (tests/vm/init.sh), and klog-check accepts that
 * one line inside this program's run.
 */
#include "share_test.h"	/* first: it defines _GNU_SOURCE */

#define FAILNTH_MAX	400	/* more allocations than any call makes */
#define FAILSLAB	"/sys/kernel/debug/failslab"
#define FAILPAGE	"/sys/kernel/debug/fail_page_alloc"

/*
 * kmemleak's own allocations would take part in the count, and the first
 * to fail switches it off for good: fail-nth runs only where it is off
 * (the debug-rt-direct guest boots with kmemleak=off).
 */
static bool kmemleak_active(void)
{
	char cmdline[4096] = "";
	int fd;

	if (access("/sys/kernel/debug/kmemleak", F_OK))
		return false;
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, cmdline, sizeof(cmdline) - 1) < 0)
			cmdline[0] = '\0';
		close(fd);
	}
	return !strstr(cmdline, "kmemleak=off");
}

/*
 * Both failslab and fail_page_alloc take part, for sleeping allocations
 * too (ignore-gfp-wait=N) and for single pages (min-order=0).
 */
static int failslab_setup(void)
{
	if (access("/proc/thread-self/fail-nth", W_OK) ||
	    access(FAILSLAB "/ignore-gfp-wait", W_OK) ||
	    access(FAILPAGE "/ignore-gfp-wait", W_OK))
		return -1;
	return write_str(FAILSLAB "/ignore-gfp-wait", "N") ||
	       write_str(FAILSLAB "/verbose", "0") ||
	       write_str(FAILSLAB "/probability", "0") ||
	       write_str(FAILPAGE "/ignore-gfp-wait", "N") ||
	       write_str(FAILPAGE "/ignore-gfp-highmem", "N") ||
	       write_str(FAILPAGE "/min-order", "0") ||
	       write_str(FAILPAGE "/verbose", "0") ||
	       write_str(FAILPAGE "/probability", "0") ? -1 : 0;
}

static void failslab_teardown(void)
{
	write_str(FAILSLAB "/ignore-gfp-wait", "Y");
	write_str(FAILPAGE "/ignore-gfp-wait", "Y");
	write_str(FAILPAGE "/min-order", "1");
}

/*
 * This thread's fail-nth, kept open: opening it is itself a slab
 * allocation, which would take part in the count.
 */
static int fail_nth_fd = -1;

static int fail_nth_set(unsigned int n)
{
	char v[16];
	int len = snprintf(v, sizeof(v), "%u", n);

	return pwrite(fail_nth_fd, v, len, 0) == len ? 0 : -1;
}

/* What is left of the count: 0 once the injected failure happened. */
static int fail_nth_left(void)
{
	char v[16] = "";

	if (pread(fail_nth_fd, v, sizeof(v) - 1, 0) <= 0)
		return -1;
	return atoi(v);
}

FIXTURE(failnth) {
	DMAADD_FIXTURE_MEMBERS;
	int fd2;			/* the other device */
	struct dmaadd_buf a, b, c, x2;	/* x2 on the other device */
	int dmabuf_own, dmabuf_other;	/* exports of a and x2 */
	void *user;			/* page-aligned user memory */
	char *spot;			/* where op_mmap maps, see there */
	__u32 *ua, *ub, *uc;		/* for SUBMIT_COPY */
	struct live base, base2;
	__u64 next_id;
	bool armed;
};

FIXTURE_VARIANT(failnth) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(failnth, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(failnth, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

#define N	(SZ_64K / ELEM_SIZE)

FIXTURE_SETUP(failnth)
{
	struct dmaadd_info info2;
	unsigned int index2;

	self->armed = false;
	self->fd2 = -1;
	self->dmabuf_own = -1;
	self->dmabuf_other = -1;
	dmaadd_fixture_open(variant->backend);
	if (kmemleak_active())
		SKIP_SETUP("kmemleak is on: failslab would switch it off");
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0 || failslab_setup())
		SKIP_SETUP("no failslab with fail-nth");
	self->armed = true;
	self->fd2 = dmaadd_open_backend(variant->backend ==
					DMAADD_BACKEND_PCI ?
					DMAADD_BACKEND_PLATFORM :
					DMAADD_BACKEND_PCI, 0, &info2, &index2);
	test_buf_create(SZ_64K, &self->a);
	test_buf_create(SZ_64K, &self->b);
	test_buf_create(SZ_64K, &self->c);
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->a.handle, 0,
					&self->dmabuf_own));
	if (self->fd2 >= 0) {
		ASSERT_EQ(0, _test_buf_create(self->fd2, SZ_64K, &self->x2));
		ASSERT_EQ(0, _test_ioctl_export(self->fd2, self->x2.handle, 0,
						&self->dmabuf_other));
	}
	self->user = share_map_anon(16, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->user);
	memset(self->user, 1, 16 * self->page);	/* no faults under fail-nth */
	self->spot = mmap(NULL, SZ_4M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->spot);
	/* The middle of a 2 MiB (one page table) range, tables made. */
	self->spot = (char *)(((uintptr_t)self->spot + SZ_1M * 2 - 1) &
			      ~(uintptr_t)(SZ_1M * 2 - 1)) + SZ_1M;
	memset(self->spot - SZ_64K, 0, 3 * SZ_64K);
	self->ua = malloc(N * ELEM_SIZE);
	self->ub = malloc(N * ELEM_SIZE);
	self->uc = malloc(N * ELEM_SIZE);
	ASSERT_TRUE(self->ua && self->ub && self->uc);
	dmaadd_fill_random(self->ua, N, 1);
	dmaadd_fill_random(self->ub, N, 2);
	dmaadd_fill(self->uc, N, 0);
	ASSERT_EQ(0, live_read(self->index, &self->base));
	self->next_id = 1;
}

FIXTURE_TEARDOWN(failnth)
{
	if (self->armed)
		failslab_teardown();
	if (self->dmabuf_own >= 0)
		close(self->dmabuf_own);
	if (self->dmabuf_other >= 0)
		close(self->dmabuf_other);
	if (self->fd2 >= 0)
		close(self->fd2);
	dmaadd_fixture_close();
}

/*
 * One call under test: 0 on success (having undone what it created, so
 * the live counts are back at the base), -1 with errno on failure.
 */
typedef int (*failnth_op)(FIXTURE_DATA(failnth) *self);

/*
 * Runs @op with its n-th allocation failing, n = 1, 2, ..., until it no
 * longer reaches n. Every failure must be ENOMEM and leave the live counts
 * and the job ids as they were; the number of failure points is returned.
 */
static int failnth_loop(struct __test_metadata *_metadata,
			FIXTURE_DATA(failnth) *self, failnth_op op,
			bool makes_job)
{
	unsigned int n;
	int ret, left, err;

	for (n = 1; n <= FAILNTH_MAX; n++) {
		ASSERT_EQ(0, fail_nth_set(n));
		ret = op(self);
		err = errno;
		left = fail_nth_left();
		ASSERT_EQ(0, fail_nth_set(0));
		if (!ret && left > 0) {
			/* No n-th allocation: all covered. */
			if (makes_job)
				self->next_id++;
			break;
		}
		if (!ret) {
			/* A failed allocation with a fallback, e.g. chunks. */
			if (makes_job)
				self->next_id++;
		} else {
			if (err != ENOMEM)
				TH_LOG("allocation %u: errno %d", n, err);
			ASSERT_EQ(ENOMEM, err);
		}
		ASSERT_EQ(0, live_settle(self->index, &self->base));
	}
	ASSERT_GE(FAILNTH_MAX, n);
	/* And it works once nothing fails. */
	ASSERT_EQ(0, op(self));
	if (makes_job)
		self->next_id++;
	ASSERT_EQ(0, live_settle(self->index, &self->base));
	TH_LOG("%u allocation failure points", n - 1);
	return n - 1;
}

/* The id the next job gets: checks no failed call consumed one. */
#define ASSERT_NEXT_ID()						\
	({								\
		__u64 __id;						\
		test_ioctl_submit(1, OPND(self->a.handle, 0),		\
				  OPND(self->b.handle, 0),		\
				  OPND(self->c.handle, 0), &__id);	\
		ASSERT_EQ(self->next_id, __id);				\
		test_ioctl_wait(__id);					\
	})

static int op_open(FIXTURE_DATA(failnth) *self)
{
	int fd = dmaadd_open_index(self->index, 0);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int op_alloc(FIXTURE_DATA(failnth) *self, __u64 len)
{
	__u32 handle;

	if (_test_ioctl_alloc(self->fd, len, &handle, NULL))
		return -1;
	return _test_ioctl_free(self->fd, handle);
}

static int op_alloc_small(FIXTURE_DATA(failnth) *self)
{
	return op_alloc(self, SZ_64K);
}

/* Several coherent chunks without an IOMMU: the chunk table grows. */
static int op_alloc_chunked(FIXTURE_DATA(failnth) *self)
{
	return op_alloc(self, 3 * SZ_4M + SZ_64K);
}

/*
 * b has no dma-buf (a's, held by the fixture, would be given back without
 * allocating: the export cache), and closing the fd releases the new one.
 */
static int op_export(FIXTURE_DATA(failnth) *self)
{
	int dmabuf;

	if (_test_ioctl_export(self->fd, self->b.handle, 0, &dmabuf))
		return -1;
	close(dmabuf);
	return 0;
}

static int import_free(int fd, int dmabuf)
{
	__u32 imported;

	if (_test_ioctl_import(fd, dmabuf, &imported, NULL, NULL))
		return -1;
	return _test_ioctl_free(fd, imported);
}

/* A dma-buf of this same device: the import shares the buffer. */
static int op_import_own(FIXTURE_DATA(failnth) *self)
{
	return import_free(self->fd, self->dmabuf_own);
}

/* Another device's: attach, map for this device, segment table. */
static int op_import_other(FIXTURE_DATA(failnth) *self)
{
	return import_free(self->fd, self->dmabuf_other);
}

static int op_userptr(FIXTURE_DATA(failnth) *self)
{
	__u32 handle;

	if (_test_ioctl_userptr(self->fd, self->user, 16 * self->page, 0,
				&handle))
		return -1;
	return _test_ioctl_free(self->fd, handle);
}

static int op_submit_fence(FIXTURE_DATA(failnth) *self)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd.flags = DMAADD_SUBMIT_OUT_FENCE;
	if (ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd))
		return -1;
	close((int)cmd.out_fence_fd);
	return _test_ioctl_wait(self->fd, cmd.job_id, DMAADD_TIMEOUT_INFINITE,
				NULL);
}

static int op_batch(FIXTURE_DATA(failnth) *self)
{
	struct dmaadd_submit jobs[4];
	struct dmaadd_submit_batch batch = {
		.size = sizeof(batch),
		.count = 4,
		.stride = sizeof(jobs[0]),
		.jobs_ptr = (__u64)(uintptr_t)jobs,
	};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		dmaadd_submit_init(&jobs[i], N, OPND(self->a.handle, 0),
				   OPND(self->b.handle, 0),
				   OPND(self->c.handle, 0));
		jobs[i].flags = DMAADD_SUBMIT_OUT_FENCE;
	}
	if (ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch))
		return -1;
	for (i = 0; i < 4; i++)
		close((int)jobs[i].out_fence_fd);
	self->next_id += 3;	/* and one more by the caller */
	return _test_ioctl_wait(self->fd, batch.first_job_id + 3,
				DMAADD_TIMEOUT_INFINITE, NULL);
}

static int op_copy(FIXTURE_DATA(failnth) *self)
{
	struct dmaadd_submit_copy cmd = {
		.size = sizeof(cmd),
		.op = DMAADD_OP_ADD_I32,
		.count = N,
		.a_ptr = (__u64)(uintptr_t)self->ua,
		.b_ptr = (__u64)(uintptr_t)self->ub,
		.c_ptr = (__u64)(uintptr_t)self->uc,
	};

	return ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd);
}

/*
 * The mapping goes where the page tables exist already: into the middle of
 * a range of anonymous memory that keeps them alive around it. A
 * page-table allocation failing inside remap_pfn_range() makes Debian's 6.1
 * zap the half-made mapping, and that zap warns from untrack_pfn() (a
 * core-mm error path, not dmaadd's). Every allocation of dmaadd's own mmap
 * path still fails in turn.
 */
static int op_mmap(FIXTURE_DATA(failnth) *self)
{
	void *p = mmap(self->spot, SZ_64K, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, self->fd, self->a.mmap_offset);

	if (p == MAP_FAILED)
		return -1;
	*(volatile __u32 *)p = 7;	/* fault a page in */
	return munmap(p, SZ_64K);
}

TEST_F_TIMEOUT(failnth, open, 300)
{
	failnth_loop(_metadata, self, op_open, false);
}

TEST_F_TIMEOUT(failnth, buf_alloc, 300)
{
	failnth_loop(_metadata, self, op_alloc_small, false);
}

TEST_F_TIMEOUT(failnth, buf_alloc_chunked, 300)
{
	failnth_loop(_metadata, self, op_alloc_chunked, false);
}

TEST_F_TIMEOUT(failnth, buf_export, 300)
{
	ASSERT_LT(0, failnth_loop(_metadata, self, op_export, false));
}

TEST_F_TIMEOUT(failnth, buf_import_own, 300)
{
	failnth_loop(_metadata, self, op_import_own, false);
}

TEST_F_TIMEOUT(failnth, buf_import_other_device, 300)
{
	if (self->dmabuf_other < 0)
		SKIP(return, "needs a second dmaadd device");
	failnth_loop(_metadata, self, op_import_other, false);
}

TEST_F_TIMEOUT(failnth, buf_userptr, 300)
{
	failnth_loop(_metadata, self, op_userptr, false);
}

TEST_F_TIMEOUT(failnth, submit_out_fence, 300)
{
	failnth_loop(_metadata, self, op_submit_fence, true);
	ASSERT_NEXT_ID();
}

TEST_F_TIMEOUT(failnth, submit_batch, 300)
{
	failnth_loop(_metadata, self, op_batch, true);
	ASSERT_NEXT_ID();
}

TEST_F_TIMEOUT(failnth, submit_copy, 300)
{
	failnth_loop(_metadata, self, op_copy, true);
	ASSERT_NEXT_ID();
	ASSERT_SUM(self->ua, self->ub, self->uc, N);
}

TEST_F_TIMEOUT(failnth, mmap, 300)
{
	failnth_loop(_metadata, self, op_mmap, false);
}

TEST_HARNESS_MAIN
