// SPDX-License-Identifier: GPL-2.0
/*
 * DMAADD_IOCTL_SUBMIT_COPY, the copying path: raw user pointers, inputs
 * copied in, the result copied out. Same queue, job ids and engine as
 * SUBMIT; these tests check what differs: the pointers, the copies, the
 * blocking wait and what a signal or a fault does to it.
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <signal.h>
#include <sys/wait.h>

#include "fence.h"

#define N		(SZ_64K / ELEM_SIZE)

#define need_vgem() require_vgem(self->vgem)

FIXTURE(copy) {
	DMAADD_FIXTURE_MEMBERS;
	__u32 *a, *b, *c, *exp;
	int vgem;
};

FIXTURE_VARIANT(copy) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(copy, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(copy, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(copy)
{
	self->vgem = -1;
	dmaadd_fixture_open(variant->backend);
	/* Plain heap memory: nothing about it is known to the driver. */
	self->a = malloc(N * ELEM_SIZE);
	self->b = malloc(N * ELEM_SIZE);
	self->c = malloc(N * ELEM_SIZE);
	ASSERT_TRUE(self->a && self->b && self->c);
	dmaadd_fill_random(self->a, N, 1);
	dmaadd_fill_random(self->b, N, 2);
	dmaadd_fill(self->c, N, 0x5a5a5a5a);
	self->exp = dmaadd_expected_sum(self->a, self->b, N);
	ASSERT_NE(NULL, self->exp);
}

FIXTURE_TEARDOWN(copy)
{
	free(self->a);
	free(self->b);
	free(self->c);
	free(self->exp);
	if (self->vgem >= 0)
		close(self->vgem);
	dmaadd_fixture_close();
}

static void copy_init(struct dmaadd_submit_copy *cmd, __u64 count,
		      const void *a, const void *b, void *c)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->op = DMAADD_OP_ADD_I32;
	cmd->count = count;
	cmd->a_ptr = (__u64)(uintptr_t)a;
	cmd->b_ptr = (__u64)(uintptr_t)b;
	cmd->c_ptr = (__u64)(uintptr_t)c;
	cmd->status = ~0U;
}

/* The fixture's call: c = a + b over N elements. */
#define copy_abc(_cmd)							\
	({								\
		copy_init((_cmd), N, self->a, self->b, self->c);	\
		ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, (_cmd));	\
	})

#define test_err_copy(_errno, _cmd) \
	EXPECT_ERRNO(_errno, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, (_cmd)))

/* Holds the file's queue with a job waiting for a vgem fence: its id. */
#define hold_queue(_blk, _x)						\
	({								\
		__u64 __held;						\
		need_vgem();						\
		test_blocker(_blk);					\
		test_buf_create(SZ_4K, _x);				\
		__held = submit_held(self->fd, _x, (_blk)->sync);	\
		ASSERT_NE(0ULL, __held);				\
		__held;							\
	})

/* The id the next job of @fd gets, consuming it with a copy job. */
static __u64 next_job_id(int fd)
{
	struct dmaadd_submit_copy cmd;
	__u32 x = 1, y = 2, z;

	copy_init(&cmd, 1, &x, &y, &z);
	if (ioctl(fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd) || z != 3)
		return 0;
	return cmd.job_id;
}

TEST_F(copy, adds_heap_arrays)
{
	struct dmaadd_submit_copy cmd;

	ASSERT_EQ(0, copy_abc(&cmd));
	EXPECT_EQ(1ULL, cmd.job_id);
	EXPECT_EQ((__u32)DMAADD_JOB_OK, cmd.status);
	ASSERT_EQUAL(self->c, self->exp, N);
}

/* Copy jobs take ids from the same sequence as SUBMIT and WAIT sees them. */
TEST_F(copy, job_ids_shared_with_submit)
{
	struct dmaadd_submit_copy cmd;
	struct dmaadd_buf x;
	__u64 id;

	test_buf_create(SZ_4K, &x);
	ASSERT_EQ(0, copy_abc(&cmd));
	test_ioctl_submit(SZ_4K / ELEM_SIZE, OPND(x.handle, 0),
			  OPND(x.handle, 0), OPND(x.handle, 0), &id);
	EXPECT_EQ(cmd.job_id + 1, id);
	test_ioctl_wait(cmd.job_id);
	test_ioctl_wait(id);
	dmaadd_buf_unmap(&x);
}

TEST_F(copy, output_over_first_input)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, self->a, self->b, self->a);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
	ASSERT_EQUAL(self->a, self->exp, N);
}

TEST_F(copy, output_over_second_input)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, self->a, self->b, self->b);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
	ASSERT_EQUAL(self->b, self->exp, N);
}

/* Unlike SUBMIT, a shifted overlap is fine: inputs are copied first. */
TEST_F(copy, output_overlaps_input_shifted)
{
	struct dmaadd_submit_copy cmd;
	__u32 *big = calloc(N + 1, ELEM_SIZE);

	ASSERT_NE(NULL, big);
	memcpy(big, self->a, N * ELEM_SIZE);
	copy_init(&cmd, N, big, self->b, big + 1);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
	ASSERT_EQUAL(big + 1, self->exp, N);
	free(big);
}

/* The arrays need no alignment: the driver copies bytes. */
TEST_F(copy, unaligned_pointers)
{
	struct dmaadd_submit_copy cmd;
	char *a = malloc(N * ELEM_SIZE + 1);
	char *b = malloc(N * ELEM_SIZE + 3);
	char *c = malloc(N * ELEM_SIZE + 2);

	ASSERT_TRUE(a && b && c);
	memcpy(a + 1, self->a, N * ELEM_SIZE);
	memcpy(b + 3, self->b, N * ELEM_SIZE);
	copy_init(&cmd, N, a + 1, b + 3, c + 2);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
	ASSERT_EQ(0, memcmp(c + 2, self->exp, N * ELEM_SIZE));
	free(a);
	free(b);
	free(c);
}

/* Larger than one coherent chunk: several segments without an IOMMU. */
TEST_F(copy, large_arrays)
{
	const __u64 n = 3 * DMAADD_COHERENT_MAX / ELEM_SIZE + 5;
	struct dmaadd_submit_copy cmd;
	__u32 *a = malloc(n * ELEM_SIZE), *b = malloc(n * ELEM_SIZE);
	__u32 *exp;

	ASSERT_TRUE(a && b);
	dmaadd_fill_random(a, n, 3);
	dmaadd_fill_random(b, n, 4);
	exp = dmaadd_expected_sum(a, b, n);
	ASSERT_NE(NULL, exp);
	copy_init(&cmd, n, a, b, a);
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
	EXPECT_EQ((__u32)DMAADD_JOB_OK, cmd.status);
	ASSERT_EQUAL(a, exp, n);
	free(a);
	free(b);
	free(exp);
}

/* A device fault is a status, not an error: the output stays untouched. */
TEST_F(copy, fault_leaves_output)
{
	struct dmaadd_submit_copy cmd;

	if (inject_fault(self->index, 1))
		SKIP(return, "no debugfs inject_fault");
	ASSERT_EQ(0, copy_abc(&cmd));
	EXPECT_EQ((__u32)DMAADD_JOB_FAULT, cmd.status);
	ASSERT_FILLED(self->c, N, 0x5a5a5a5a);
	/* WAIT agrees. */
	EXPECT_EQ(0, _test_ioctl_wait(self->fd, cmd.job_id, 0, &cmd.status));
	EXPECT_EQ((__u32)DMAADD_JOB_FAULT, cmd.status);

	ASSERT_EQ(0, copy_abc(&cmd));
	EXPECT_EQ((__u32)DMAADD_JOB_OK, cmd.status);
	ASSERT_EQUAL(self->c, self->exp, N);
}

/* The copy job queues behind the file's earlier jobs. */
TEST_F(copy, waits_for_earlier_jobs)
{
	struct dmaadd_submit_copy cmd;
	struct dmaadd_buf x;
	struct blocker blk;
	__u64 held;
	pid_t pid;
	int status;

	held = hold_queue(&blk, &x);

	/* A child blocks in the copy while the held job waits. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(copy_abc(&cmd) || cmd.job_id != held + 1 ||
		      dmaadd_check_equal(self->c, self->exp, N, "c") >= 0);
	usleep(HELD_MS * 1000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));

	release_blocker(&blk);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	blocker_destroy(self->vgem, &blk);
	dmaadd_buf_unmap(&x);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * A signal while the job is queued returns EINTR, also for SA_RESTART
 * handlers: a restart would run the job twice. The job itself still runs,
 * and its result is dropped.
 */
TEST_F(copy, signal_while_queued_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct dmaadd_submit_copy cmd;
	struct dmaadd_buf x;
	struct blocker blk;
	__u64 held;

	held = hold_queue(&blk, &x);

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ualarm(HELD_MS * 1000, 0);
	test_err_copy(EINTR, (copy_init(&cmd, N, self->a, self->b, self->c),
			      &cmd));
	EXPECT_EQ(0ULL, cmd.job_id);		/* not written back */
	ASSERT_FILLED(self->c, N, 0x5a5a5a5a);

	release_blocker(&blk);
	EXPECT_EQ(0, _test_ioctl_wait(self->fd, held + 1,
				      now_plus_ms(DONE_MS), &cmd.status));
	EXPECT_EQ((__u32)DMAADD_JOB_OK, cmd.status);
	ASSERT_FILLED(self->c, N, 0x5a5a5a5a);	/* nobody copied it back */
	signal(SIGALRM, SIG_DFL);
	blocker_destroy(self->vgem, &blk);
	dmaadd_buf_unmap(&x);
}

/* Killed while its copy job is queued: the job completes, nothing leaks. */
TEST_F(copy, killed_while_queued)
{
	struct dmaadd_submit_copy cmd;
	struct dmaadd_buf x;
	struct blocker blk;
	__u64 held;
	pid_t pid;
	int status;

	held = hold_queue(&blk, &x);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		copy_abc(&cmd);
		_exit(0);
	}
	usleep(HELD_MS * 1000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));

	release_blocker(&blk);
	EXPECT_EQ(0, _test_ioctl_wait(self->fd, held + 1,
				      now_plus_ms(DONE_MS), &cmd.status));
	EXPECT_EQ((__u32)DMAADD_JOB_OK, cmd.status);
	blocker_destroy(self->vgem, &blk);
	dmaadd_buf_unmap(&x);
}

/* O_NONBLOCK with max_jobs_in_flight jobs queued: EAGAIN, no id used. */
TEST_F(copy, nonblock_full_eagain)
{
	struct dmaadd_submit_copy cmd;
	struct dmaadd_buf x;
	struct blocker blk;
	__u64 held, id;
	unsigned int i;

	held = hold_queue(&blk, &x);
	for (i = 1; i < self->info.max_jobs_in_flight; i++)
		test_ioctl_submit(1, OPND(x.handle, 0), OPND(x.handle, 0),
				  OPND(x.handle, 0), &id);
	ASSERT_EQ(held + self->info.max_jobs_in_flight - 1, id);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));

	test_err_copy(EAGAIN, (copy_init(&cmd, N, self->a, self->b, self->c),
			       &cmd));
	ASSERT_FILLED(self->c, N, 0x5a5a5a5a);

	release_blocker(&blk);
	test_ioctl_wait(id);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, 0));
	EXPECT_EQ(id + 1, next_job_id(self->fd));
	blocker_destroy(self->vgem, &blk);
	dmaadd_buf_unmap(&x);
}

/* Bad input: one error path per test, in the documented order. */

TEST_F(copy, size_too_small)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, self->a, self->b, self->c);
	cmd.size = offsetof(struct dmaadd_submit_copy, job_id);
	test_err_copy(EINVAL, &cmd);
}

TEST_F(copy, size_too_big_nonzero_tail)
{
	struct {
		struct dmaadd_submit_copy cmd;
		__u64 tail;
	} big;

	copy_init(&big.cmd, N, self->a, self->b, self->c);
	big.cmd.size = sizeof(big);
	big.tail = 1;
	test_err_copy(E2BIG, &big);
}

TEST_F(copy, unknown_flag)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, self->a, self->b, self->c);
	cmd.flags = 1;
	test_err_copy(EINVAL, &cmd);
}

TEST_F(copy, unknown_op)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, self->a, self->b, self->c);
	cmd.op = DMAADD_OP_ADD_I32 + 1;
	test_err_copy(EINVAL, &cmd);
}

TEST_F(copy, count_zero)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, 0, self->a, self->b, self->c);
	test_err_copy(EINVAL, &cmd);
}

TEST_F(copy, count_overflows)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, (~0ULL / ELEM_SIZE) + 1, self->a, self->b, self->c);
	test_err_copy(EOVERFLOW, &cmd);
}

TEST_F(copy, count_above_max_buffer_size)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, self->info.max_buffer_size / ELEM_SIZE + 1,
		  self->a, self->b, self->c);
	test_err_copy(EINVAL, &cmd);
}

TEST_F(copy, input_null)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, NULL, self->b, self->c);
	test_err_copy(EFAULT, &cmd);
	EXPECT_EQ(1ULL, next_job_id(self->fd));	/* nothing was queued */
}

/* The second input runs into an unmapped page: no job, output untouched. */
TEST_F(copy, input_partly_unmapped)
{
	struct dmaadd_submit_copy cmd;
	char *p = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + self->page, self->page));
	copy_init(&cmd, self->page / ELEM_SIZE + 1, self->a, p, self->c);
	test_err_copy(EFAULT, &cmd);
	ASSERT_FILLED(self->c, N, 0x5a5a5a5a);
	EXPECT_EQ(1ULL, next_job_id(self->fd));
	munmap(p, self->page);
}

/* An output range that wraps around the address space is no user range. */
TEST_F(copy, output_range_wraps)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, self->a, self->b, (void *)(uintptr_t)(~0ULL - 7));
	test_err_copy(EFAULT, &cmd);
	EXPECT_EQ(1ULL, next_job_id(self->fd));
}

/* A kernel address is never taken for a user pointer. */
TEST_F(copy, input_kernel_address)
{
	struct dmaadd_submit_copy cmd;

	copy_init(&cmd, N, self->a, (void *)(uintptr_t)0xffff888000000000ULL,
		  self->c);
	test_err_copy(EFAULT, &cmd);
}

/*
 * An output the process cannot write: the job ran (its id is used), but
 * the result could not be copied back.
 */
TEST_F(copy, output_read_only)
{
	struct dmaadd_submit_copy cmd;
	void *ro = mmap(NULL, N * ELEM_SIZE, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	copy_init(&cmd, N, self->a, self->b, ro);
	test_err_copy(EFAULT, &cmd);
	EXPECT_EQ(~0U, cmd.status);		/* not written back */
	EXPECT_EQ(2ULL, next_job_id(self->fd));
	munmap(ro, N * ELEM_SIZE);
}

TEST_F(copy, args_efault)
{
	test_err_copy(EFAULT, NULL);
}

TEST_HARNESS_MAIN
