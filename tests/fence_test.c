// SPDX-License-Identifier: GPL-2.0
/*
 * Job fences, in-fences, implicit synchronisation through the buffers'
 * reservation objects, and batched SUBMIT.
 *
 * Fences nobody signals until the test says so come from vgem: a fence
 * attached to a vgem buffer, taken out of its dma-buf as a sync_file
 * (DMA_BUF_IOCTL_EXPORT_SYNC_FILE) when an in-fence is needed. vgem
 * signals its fences by itself after 10 s, so every "is still waiting"
 * check here looks well inside that.
 */
#include "share_test.h"	/* first: it defines _GNU_SOURCE */

#include <linux/sync_file.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fence.h"

#define N		(SZ_64K / ELEM_SIZE)

FIXTURE(fence) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
	int vgem;
};

FIXTURE_VARIANT(fence) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(fence, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(fence, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(fence)
{
	self->vgem = -1;
	dmaadd_fixture_open(variant->backend);
	test_buf_create(SZ_64K, &self->a);
	test_buf_create(SZ_64K, &self->b);
	test_buf_create(SZ_64K, &self->c);
	dmaadd_fill_random(self->a.map, N, 1);
	dmaadd_fill_random(self->b.map, N, 2);
}

FIXTURE_TEARDOWN(fence)
{
	if (self->vgem >= 0)
		close(self->vgem);
	dmaadd_fixture_close();
}

#define need_vgem() require_vgem(self->vgem)

/* SUBMIT c = a + b over @count elements, with @flags and @in_fd. */
static int submit_fenced(int fd, __u64 count, struct dmaadd_operand a,
			 struct dmaadd_operand b, struct dmaadd_operand c,
			 __u32 flags, int in_fd, __u64 *job_id, int *out_fd)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, count, a, b, c);
	cmd.flags = flags;
	if (flags & DMAADD_SUBMIT_IN_FENCE)
		cmd.in_fence_fd = (__u32)in_fd;
	if (ioctl(fd, DMAADD_IOCTL_SUBMIT, &cmd))
		return -1;
	if (job_id)
		*job_id = cmd.job_id;
	if (out_fd)
		*out_fd = (flags & DMAADD_SUBMIT_OUT_FENCE) ?
			  (int)cmd.out_fence_fd : -1;
	return 0;
}

/* The fixture's job: c = a + b over the whole buffers. */
#define submit_abc(_flags, _in_fd, _job_id, _out_fd)			\
	ASSERT_EQ(0, submit_fenced(self->fd, N, OPND(self->a.handle, 0),\
				   OPND(self->b.handle, 0),		\
				   OPND(self->c.handle, 0), (_flags),	\
				   (_in_fd), (_job_id), (_out_fd)))

/* Out-fences */

TEST_F(fence, out_fence_signals_when_done)
{
	struct sync_fence_info info;
	__u64 id;
	int out;

	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, &id, &out);
	ASSERT_LE(0, out);
	ASSERT_EQ(1, fd_signalled(out, DONE_MS));
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	ASSERT_EQ(1, sync_file_status(out, &info));
	EXPECT_STREQ("dmaadd", info.driver_name);
	EXPECT_EQ(0, strncmp(info.obj_name, "dmaadd", 6));
	EXPECT_EQ(1, info.status);
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	ASSERT_EQ(0, close(out));
}

TEST_F(fence, out_fence_is_cloexec)
{
	int out;

	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, NULL, &out);
	EXPECT_EQ(FD_CLOEXEC, fcntl(out, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, close(out));
}

TEST_F(fence, out_fence_fd_zero_without_flag)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
	EXPECT_EQ(0U, cmd.out_fence_fd);
	test_ioctl_wait(cmd.job_id);
}

/* A binary built against the first uapi (80-byte struct) still works. */
TEST_F(fence, submit_first_version_size)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd.size = DMAADD_SUBMIT_SIZE_VER0;
	cmd.out_fence_fd = 0xdeadbeef;	/* beyond its size: not read */
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
	EXPECT_EQ(0xdeadbeefU, cmd.out_fence_fd);	/* nor written */
	test_ioctl_wait(cmd.job_id);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
}

/* ... but it has nowhere to return an out-fence fd: fence flags refused. */
TEST_F(fence, submit_first_version_size_fence_flag)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd.size = DMAADD_SUBMIT_SIZE_VER0;
	cmd.flags = DMAADD_SUBMIT_OUT_FENCE;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
}

TEST_F(fence, out_fences_merge)
{
	struct sync_merge_data merge = { .name = "both" };
	struct sync_fence_info info;
	int out1, out2;

	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, NULL, &out1);
	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, NULL, &out2);
	merge.fd2 = out2;
	ASSERT_EQ(0, ioctl(out1, SYNC_IOC_MERGE, &merge));
	ASSERT_EQ(1, fd_signalled((int)merge.fence, DONE_MS));
	/* Same timeline: the merge keeps the later fence only. */
	ASSERT_EQ(1, sync_file_status((int)merge.fence, &info));
	EXPECT_EQ(1, fd_signalled(out1, 0));
	close((int)merge.fence);
	close(out1);
	close(out2);
}

TEST_F(fence, fault_signals_fence_with_error)
{
	struct sync_fence_info info;
	__u64 id;
	int out;

	if (inject_fault(self->index, 1))
		SKIP(return, "no debugfs inject_fault");
	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, &id, &out);
	ASSERT_EQ(1, fd_signalled(out, DONE_MS));
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_FAULT);
	EXPECT_GT(0, sync_file_status(out, &info));
	EXPECT_EQ(-EIO, info.status);
	ASSERT_FILLED(self->c.map, N, 0);	/* nothing written */
	close(out);

	/* The next job is fine again. */
	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, &id, &out);
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	ASSERT_EQ(1, sync_file_status(out, &info));
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	close(out);
}

/* In-fences */

TEST_F(fence, in_fence_holds_job)
{
	struct blocker blk;
	__u64 id;
	int out;

	need_vgem();
	test_blocker(&blk);
	submit_abc(DMAADD_SUBMIT_IN_FENCE | DMAADD_SUBMIT_OUT_FENCE, blk.sync,
		   &id, &out);
	ASSERT_HELD(self->fd, id);
	EXPECT_EQ(0, fd_signalled(out, 0));
	ASSERT_FILLED(self->c.map, N, 0);

	release_blocker(&blk);
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	ASSERT_EQ(1, fd_signalled(out, DONE_MS));
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	close(out);
	blocker_destroy(self->vgem, &blk);
}

/* An in-fence that signalled already does not hold anything. */
TEST_F(fence, in_fence_signalled)
{
	__u64 id1, id2;
	int out;

	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, &id1, &out);
	ASSERT_EQ(1, fd_signalled(out, DONE_MS));
	submit_abc(DMAADD_SUBMIT_IN_FENCE, out, &id2, NULL);
	ASSERT_STATUS(self->fd, id2, DMAADD_JOB_OK);
	close(out);
}

/* Jobs of one file run in order: a later job waits behind a held one. */
TEST_F(fence, in_fence_holds_later_jobs)
{
	struct blocker blk;
	__u64 id1, id2;

	need_vgem();
	test_blocker(&blk);
	submit_abc(DMAADD_SUBMIT_IN_FENCE, blk.sync, &id1, NULL);
	submit_abc(0, 0, &id2, NULL);
	ASSERT_HELD(self->fd, id2);

	release_blocker(&blk);
	ASSERT_STATUS(self->fd, id1, DMAADD_JOB_OK);
	ASSERT_STATUS(self->fd, id2, DMAADD_JOB_OK);
	blocker_destroy(self->vgem, &blk);
}

/* ... but not the jobs of another open file. */
TEST_F(fence, in_fence_does_not_hold_other_files)
{
	struct dmaadd_buf x, y, z;
	struct blocker blk;
	__u64 id1, id2;
	int fd2;

	need_vgem();
	test_blocker(&blk);
	submit_abc(DMAADD_SUBMIT_IN_FENCE, blk.sync, &id1, NULL);

	fd2 = test_open_same_device(O_CLOEXEC);
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_64K, &x));
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_64K, &y));
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_64K, &z));
	dmaadd_fill(x.map, N, 1);
	dmaadd_fill(y.map, N, 2);
	ASSERT_EQ(0, submit_fenced(fd2, N, OPND(x.handle, 0), OPND(y.handle, 0),
				   OPND(z.handle, 0), 0, 0, &id2, NULL));
	ASSERT_STATUS(fd2, id2, DMAADD_JOB_OK);
	ASSERT_FILLED(z.map, N, 3);
	ASSERT_HELD(self->fd, id1);

	release_blocker(&blk);
	ASSERT_STATUS(self->fd, id1, DMAADD_JOB_OK);
	dmaadd_buf_unmap(&x);
	dmaadd_buf_unmap(&y);
	dmaadd_buf_unmap(&z);
	close(fd2);
	blocker_destroy(self->vgem, &blk);
}

/*
 * A job of another file (and its own buffers) waits for this file's job
 * through that job's out-fence, and reads what it wrote.
 */
TEST_F(fence, in_fence_orders_across_files)
{
	struct dmaadd_buf y, z;
	struct blocker blk;
	__u64 id1, id2;
	__u32 c2;
	int out, fd2, dmabuf;

	need_vgem();
	test_blocker(&blk);
	submit_abc(DMAADD_SUBMIT_IN_FENCE | DMAADD_SUBMIT_OUT_FENCE, blk.sync,
		   &id1, &out);

	fd2 = test_open_same_device(O_CLOEXEC);
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->c.handle, 0, &dmabuf));
	ASSERT_EQ(0, _test_ioctl_import(fd2, dmabuf, &c2, NULL, NULL));
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_64K, &y));
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_64K, &z));
	dmaadd_fill(y.map, N, 1);
	ASSERT_EQ(0, submit_fenced(fd2, N, OPND(c2, 0), OPND(y.handle, 0),
				   OPND(z.handle, 0), DMAADD_SUBMIT_IN_FENCE,
				   out, &id2, NULL));
	ASSERT_HELD(fd2, id2);

	release_blocker(&blk);
	ASSERT_STATUS(fd2, id2, DMAADD_JOB_OK);
	/* z = (a + b) + 1 */
	ASSERT_SUM(self->c.map, y.map, z.map, N);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	close(out);
	close(dmabuf);
	dmaadd_buf_unmap(&y);
	dmaadd_buf_unmap(&z);
	close(fd2);
	blocker_destroy(self->vgem, &blk);
}

/*
 * In-fences that signal while SUBMIT arms its callback: each job waits for
 * one of the last few jobs of another file, of random sizes, so the engine
 * (another CPU) signals some of them just as SUBMIT takes them. A readiness
 * lost there stalls this file's queue for good: the last job of each round
 * must complete. With that bug back (SUBMIT stored "not ready" after
 * arming the callback), 14 of 20 runs of this test failed on Debian's
 * kernel under TCG; the fuzzer had hit it once in CI.
 */
#define RACE_MS		1500
#define RACE_JOBS	128	/* per round, below the per-file cap */
#define RACE_LAG	3	/* wait for one of the last RACE_LAG jobs */

TEST_F(fence, in_fence_signalling_during_submit)
{
	const __u64 end = now_plus_ms(RACE_MS);
	int outs[RACE_LAG], fd2, lag;
	unsigned int rounds = 0, i;
	struct dmaadd_buf x;
	__u64 id = 0;

	fd2 = test_open_same_device(O_CLOEXEC);
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_64K, &x));
	srand(7);
	for (i = 0; i < RACE_LAG; i++)
		ASSERT_EQ(0, submit_fenced(fd2, 1, OPND(x.handle, 0),
					   OPND(x.handle, 0), OPND(x.handle, 0),
					   DMAADD_SUBMIT_OUT_FENCE, 0, NULL,
					   &outs[i]));
	do {
		for (i = 0; i < RACE_JOBS; i++) {
			ASSERT_EQ(0, close(outs[0]));
			memmove(outs, outs + 1, sizeof(outs) - sizeof(outs[0]));
			ASSERT_EQ(0, submit_fenced(fd2, 1 + rand() % N,
						   OPND(x.handle, 0),
						   OPND(x.handle, 0),
						   OPND(x.handle, 0),
						   DMAADD_SUBMIT_OUT_FENCE, 0,
						   NULL, &outs[RACE_LAG - 1]));
			lag = rand() % RACE_LAG;
			ASSERT_EQ(0, submit_fenced(self->fd, 1,
						   OPND(self->a.handle, 0),
						   OPND(self->b.handle, 0),
						   OPND(self->c.handle, 0),
						   DMAADD_SUBMIT_IN_FENCE,
						   outs[RACE_LAG - 1 - lag],
						   &id, NULL));
		}
		ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
		rounds++;
	} while (dmaadd_now_ns() < end);
	TH_LOG("%u jobs, each behind another file's", rounds * RACE_JOBS);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, 1);
	for (i = 0; i < RACE_LAG; i++)
		close(outs[i]);
	dmaadd_buf_unmap(&x);
	close(fd2);
}

TEST_F(fence, in_fence_not_a_sync_file)
{
	EXPECT_ERRNO(EINVAL, submit_fenced(self->fd, N, OPND(self->a.handle, 0),
					   OPND(self->b.handle, 0),
					   OPND(self->c.handle, 0),
					   DMAADD_SUBMIT_IN_FENCE, self->fd,
					   NULL, NULL));
}

TEST_F(fence, in_fence_closed_fd)
{
	int fd = dup(self->fd);

	ASSERT_EQ(0, close(fd));
	EXPECT_ERRNO(EINVAL, submit_fenced(self->fd, N, OPND(self->a.handle, 0),
					   OPND(self->b.handle, 0),
					   OPND(self->c.handle, 0),
					   DMAADD_SUBMIT_IN_FENCE, fd,
					   NULL, NULL));
}

TEST_F(fence, in_fence_fd_without_flag)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd.in_fence_fd = 3;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
}

TEST_F(fence, out_fence_fd_not_zero)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd.flags = DMAADD_SUBMIT_OUT_FENCE;
	cmd.out_fence_fd = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
}

/* No fd for the out-fence: -EMFILE, and the job was not queued. */
TEST_F(fence, out_fence_emfile)
{
	struct rlimit old;
	__u64 id;
	int out;

	ASSERT_EQ(0, share_limit_fds(&old));
	EXPECT_ERRNO(EMFILE, submit_fenced(self->fd, N,
					   OPND(self->a.handle, 0),
					   OPND(self->b.handle, 0),
					   OPND(self->c.handle, 0),
					   DMAADD_SUBMIT_OUT_FENCE, 0, NULL,
					   NULL));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	ASSERT_FILLED(self->c.map, N, 0);
	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, &id, &out);
	EXPECT_EQ(1ULL, id);	/* the failed SUBMIT took no id */
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	close(out);
}

/* Implicit synchronisation */

/* EXPORT_SYNC_FILE on an exported output gives the writing job's fence. */
TEST_F(fence, implicit_export_sync_file_waits_for_job)
{
	struct blocker blk;
	int dmabuf, sync;
	__u64 id;

	need_vgem();
	test_blocker(&blk);
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->c.handle, 0, &dmabuf));
	submit_abc(DMAADD_SUBMIT_IN_FENCE, blk.sync, &id, NULL);

	/* A reader must wait for the job that writes c. */
	sync = dmabuf_export_sync_file(dmabuf, 0);
	ASSERT_LE(0, sync);
	EXPECT_EQ(0, fd_signalled(sync, HELD_MS));

	release_blocker(&blk);
	ASSERT_EQ(1, fd_signalled(sync, DONE_MS));
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	close(sync);
	close(dmabuf);
	blocker_destroy(self->vgem, &blk);
}

/* An exported input gets a read fence: readers need not wait for it. */
TEST_F(fence, implicit_input_is_read_fence)
{
	struct blocker blk;
	int dmabuf, sync;
	__u64 id;

	need_vgem();
	test_blocker(&blk);
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->a.handle, 0, &dmabuf));
	submit_abc(DMAADD_SUBMIT_IN_FENCE, blk.sync, &id, NULL);

	sync = dmabuf_export_sync_file(dmabuf, 0);
	ASSERT_LE(0, sync);
	EXPECT_EQ(1, fd_signalled(sync, 0));
	close(sync);
	/* A writer must wait for the job reading a. */
	sync = dmabuf_export_sync_file(dmabuf, 1);
	ASSERT_LE(0, sync);
	EXPECT_EQ(0, fd_signalled(sync, 0));

	release_blocker(&blk);
	ASSERT_EQ(1, fd_signalled(sync, DONE_MS));
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	close(sync);
	close(dmabuf);
	blocker_destroy(self->vgem, &blk);
}

/* Import a vgem buffer of @rows pages; returns its handle. */
static int import_vgem(int fd, int vgem, struct vgem_bo *bo, int *dmabuf,
		       __u32 *handle)
{
	if (vgem_bo_create(vgem, SZ_64K / dmaadd_page_size(), bo))
		return -1;
	*dmabuf = prime_handle_to_fd(vgem, bo->handle);
	if (*dmabuf < 0)
		return -1;
	return _test_ioctl_import(fd, *dmabuf, handle, NULL, NULL);
}

/* A job reading a buffer vgem is still writing waits for vgem's fence. */
TEST_F(fence, implicit_vgem_writer_holds_reader)
{
	struct vgem_bo bo;
	int dmabuf, vf;
	__u32 h;
	__u64 id;

	need_vgem();
	ASSERT_EQ(0, import_vgem(self->fd, self->vgem, &bo, &dmabuf, &h));
	vf = vgem_fence_attach(self->vgem, bo.handle, 1);
	ASSERT_LE(0, vf);
	/* vgem "writes" while the fence is pending: here, the CPU does. */
	dmaadd_fill(bo.map, N, 7);
	ASSERT_EQ(0, submit_fenced(self->fd, N, OPND(h, 0),
				   OPND(self->b.handle, 0),
				   OPND(self->c.handle, 0), 0, 0, &id, NULL));
	ASSERT_HELD(self->fd, id);
	dmaadd_fill(bo.map, N, 9);	/* the last write before the signal */

	ASSERT_EQ(0, vgem_fence_signal(self->vgem, vf));
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	ASSERT_SUM(bo.map, self->b.map, self->c.map, N);
	close(dmabuf);
	munmap(bo.map, bo.size);
}

/* A job writing a buffer vgem is still reading waits too. */
TEST_F(fence, implicit_vgem_reader_holds_writer)
{
	struct vgem_bo bo;
	int dmabuf, vf;
	__u32 h;
	__u64 id;

	need_vgem();
	ASSERT_EQ(0, import_vgem(self->fd, self->vgem, &bo, &dmabuf, &h));
	vf = vgem_fence_attach(self->vgem, bo.handle, 0);
	ASSERT_LE(0, vf);
	ASSERT_EQ(0, submit_fenced(self->fd, N, OPND(self->a.handle, 0),
				   OPND(self->b.handle, 0), OPND(h, 0), 0, 0,
				   &id, NULL));
	ASSERT_HELD(self->fd, id);
	ASSERT_FILLED(bo.map, N, 0);

	ASSERT_EQ(0, vgem_fence_signal(self->vgem, vf));
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	ASSERT_SUM(self->a.map, self->b.map, bo.map, N);
	close(dmabuf);
	munmap(bo.map, bo.size);
}

/* Two readers do not wait for each other. */
TEST_F(fence, implicit_vgem_reader_does_not_hold_reader)
{
	struct vgem_bo bo;
	int dmabuf, vf;
	__u32 h;
	__u64 id;

	need_vgem();
	ASSERT_EQ(0, import_vgem(self->fd, self->vgem, &bo, &dmabuf, &h));
	vf = vgem_fence_attach(self->vgem, bo.handle, 0);
	ASSERT_LE(0, vf);
	ASSERT_EQ(0, submit_fenced(self->fd, N, OPND(h, 0),
				   OPND(self->b.handle, 0),
				   OPND(self->c.handle, 0), 0, 0, &id, NULL));
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	ASSERT_EQ(0, vgem_fence_signal(self->vgem, vf));
	close(dmabuf);
	munmap(bo.map, bo.size);
}

/* Batched SUBMIT */

#define BATCH	64

static int submit_batch(int fd, struct dmaadd_submit *jobs, __u32 count,
			__u32 stride, struct dmaadd_submit_batch *out)
{
	struct dmaadd_submit_batch cmd = {
		.size = sizeof(cmd),
		.count = count,
		.stride = stride,
		.jobs_ptr = (__u64)(uintptr_t)jobs,
		.error_index = ~0U,
	};
	int ret;

	ret = ioctl(fd, DMAADD_IOCTL_SUBMIT_BATCH, &cmd);
	if (out)
		*out = cmd;
	return ret;
}

/* @count jobs, job i adding slice i of a and b into slice i of c. */
static void batch_init(struct dmaadd_submit *jobs, unsigned int count,
		       __u32 a, __u32 b, __u32 c)
{
	__u64 slice = N / count, i;

	for (i = 0; i < count; i++)
		dmaadd_submit_init(&jobs[i], slice,
				   OPND(a, i * slice * ELEM_SIZE),
				   OPND(b, i * slice * ELEM_SIZE),
				   OPND(c, i * slice * ELEM_SIZE));
}

TEST_F(fence, batch_runs_all_in_order)
{
	struct dmaadd_submit jobs[BATCH];
	struct dmaadd_submit_batch res;
	unsigned int i;

	batch_init(jobs, BATCH, self->a.handle, self->b.handle, self->c.handle);
	ASSERT_EQ(0, submit_batch(self->fd, jobs, BATCH, sizeof(jobs[0]), &res));
	EXPECT_EQ(1ULL, res.first_job_id);
	for (i = 0; i < BATCH; i++)
		EXPECT_EQ(res.first_job_id + i, jobs[i].job_id);
	ASSERT_STATUS(self->fd, jobs[BATCH - 1].job_id, DMAADD_JOB_OK);
	for (i = 0; i < BATCH; i++)
		ASSERT_STATUS(self->fd, jobs[i].job_id, DMAADD_JOB_OK);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
}

/* A longer stride, elements of the first version's size: both fine. */
TEST_F(fence, batch_stride_and_old_elements)
{
	struct { struct dmaadd_submit s; __u64 pad[2]; } jobs[4];
	struct dmaadd_submit plain[4];
	unsigned int i;

	memset(jobs, 0, sizeof(jobs));
	batch_init(plain, 4, self->a.handle, self->b.handle, self->c.handle);
	for (i = 0; i < 4; i++) {
		jobs[i].s = plain[i];
		jobs[i].s.size = DMAADD_SUBMIT_SIZE_VER0;
	}
	ASSERT_EQ(0, submit_batch(self->fd, &jobs[0].s, 4, sizeof(jobs[0]),
				  NULL));
	ASSERT_STATUS(self->fd, jobs[3].s.job_id, DMAADD_JOB_OK);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
}

/* One bad job: nothing runs, its index and errno come back. */
TEST_F(fence, batch_invalid_job_runs_nothing)
{
	struct dmaadd_submit jobs[8];
	struct dmaadd_submit_batch res;
	__u64 id;

	batch_init(jobs, 8, self->a.handle, self->b.handle, self->c.handle);
	jobs[5].b.handle = 999;
	EXPECT_ERRNO(ENOENT, submit_batch(self->fd, jobs, 8, sizeof(jobs[0]),
					  &res));
	EXPECT_EQ(5U, res.error_index);
	usleep(HELD_MS * 1000);
	ASSERT_FILLED(self->c.map, N, 0);
	ASSERT_EQ(0, _test_ioctl_submit(self->fd, N, OPND(self->a.handle, 0),
					OPND(self->b.handle, 0),
					OPND(self->c.handle, 0), &id));
	EXPECT_EQ(1ULL, id);
	test_ioctl_wait(id);
}

TEST_F(fence, batch_read_only_output)
{
	struct dmaadd_submit jobs[4];
	struct dmaadd_submit_batch res;
	int dmabuf, fd2;
	__u32 ro;

	/* This file has b writable: the read-only handle is another file's. */
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->b.handle,
					DMAADD_EXPORT_READ_ONLY, &dmabuf));
	fd2 = test_open_same_device(O_CLOEXEC);
	ASSERT_EQ(0, _test_ioctl_import(fd2, dmabuf, &ro, NULL, NULL));
	batch_init(jobs, 4, ro, ro, ro);
	EXPECT_ERRNO(EACCES, submit_batch(fd2, jobs, 4, sizeof(jobs[0]), &res));
	EXPECT_EQ(0U, res.error_index);
	close(fd2);
	close(dmabuf);
}

TEST_F(fence, batch_count_zero)
{
	struct dmaadd_submit jobs[1];

	batch_init(jobs, 1, self->a.handle, self->b.handle, self->c.handle);
	EXPECT_ERRNO(EINVAL, submit_batch(self->fd, jobs, 0, sizeof(jobs[0]),
					  NULL));
}

TEST_F(fence, batch_count_above_max_jobs)
{
	struct dmaadd_submit jobs[1];

	batch_init(jobs, 1, self->a.handle, self->b.handle, self->c.handle);
	EXPECT_ERRNO(EINVAL, submit_batch(self->fd, jobs,
					  self->info.max_jobs_in_flight + 1,
					  sizeof(jobs[0]), NULL));
}

TEST_F(fence, batch_stride_below_first_version)
{
	struct dmaadd_submit jobs[2];

	batch_init(jobs, 2, self->a.handle, self->b.handle, self->c.handle);
	EXPECT_ERRNO(EINVAL, submit_batch(self->fd, jobs, 2,
					  DMAADD_SUBMIT_SIZE_VER0 - 8, NULL));
}

TEST_F(fence, batch_stride_unaligned)
{
	struct dmaadd_submit jobs[2];

	batch_init(jobs, 2, self->a.handle, self->b.handle, self->c.handle);
	EXPECT_ERRNO(EINVAL, submit_batch(self->fd, jobs, 2,
					  sizeof(jobs[0]) + 4, NULL));
}

TEST_F(fence, batch_stride_too_long)
{
	struct dmaadd_submit jobs[2];

	batch_init(jobs, 2, self->a.handle, self->b.handle, self->c.handle);
	EXPECT_ERRNO(EINVAL, submit_batch(self->fd, jobs, 1, 4096 + 8, NULL));
}

TEST_F(fence, batch_element_size_above_stride)
{
	struct dmaadd_submit jobs[2];
	struct dmaadd_submit_batch res;

	batch_init(jobs, 2, self->a.handle, self->b.handle, self->c.handle);
	jobs[1].size = sizeof(jobs[1]) + 8;
	EXPECT_ERRNO(EINVAL, submit_batch(self->fd, jobs, 2, sizeof(jobs[0]),
					  &res));
	EXPECT_EQ(1U, res.error_index);
}

TEST_F(fence, batch_flags)
{
	struct dmaadd_submit_batch cmd = {
		.size = sizeof(cmd),
		.flags = 1,
		.count = 1,
		.stride = sizeof(struct dmaadd_submit),
	};
	struct dmaadd_submit jobs[1];

	batch_init(jobs, 1, self->a.handle, self->b.handle, self->c.handle);
	cmd.jobs_ptr = (__u64)(uintptr_t)jobs;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, &cmd));
}

TEST_F(fence, batch_reserved)
{
	struct dmaadd_submit_batch cmd = {
		.size = sizeof(cmd),
		.count = 1,
		.stride = sizeof(struct dmaadd_submit),
		.__reserved = 1,
	};
	struct dmaadd_submit jobs[1];

	batch_init(jobs, 1, self->a.handle, self->b.handle, self->c.handle);
	cmd.jobs_ptr = (__u64)(uintptr_t)jobs;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, &cmd));
}

TEST_F(fence, batch_jobs_ptr_efault)
{
	EXPECT_ERRNO(EFAULT, submit_batch(self->fd, NULL, 2,
					  sizeof(struct dmaadd_submit), NULL));
}

/* A fault in the middle: the other jobs run, the fence carries -EIO. */
TEST_F(fence, batch_fault_in_the_middle)
{
	struct dmaadd_submit jobs[8];
	struct sync_fence_info info;
	__u64 slice = N / 8;
	unsigned int i;

	batch_init(jobs, 8, self->a.handle, self->b.handle, self->c.handle);
	for (i = 0; i < 8; i++)
		jobs[i].flags = DMAADD_SUBMIT_OUT_FENCE;
	/* The device is idle: the 4th descriptor it reads is jobs[3]. */
	if (inject_fault(self->index, 4))
		SKIP(return, "no debugfs inject_fault");
	ASSERT_EQ(0, submit_batch(self->fd, jobs, 8, sizeof(jobs[0]), NULL));
	for (i = 0; i < 8; i++) {
		int out = (int)jobs[i].out_fence_fd;

		ASSERT_EQ(1, fd_signalled(out, DONE_MS));
		ASSERT_STATUS(self->fd, jobs[i].job_id,
			      i == 3 ? DMAADD_JOB_FAULT : DMAADD_JOB_OK);
		EXPECT_EQ(i == 3 ? -EIO : 1, sync_file_status(out, &info) < 0 ?
					     info.status : 1);
		close(out);
	}
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, 3 * slice);
	ASSERT_FILLED(self->c.map + 3 * slice, slice, 0);
	ASSERT_SUM(self->a.map + 4 * slice, self->b.map + 4 * slice,
		   self->c.map + 4 * slice, 4 * slice);
}

/* Closing, killing and unloading with jobs queued */

/* Close the device fd with a few hundred jobs held: all run, all signal. */
TEST_F(fence, close_with_jobs_queued)
{
	struct dmaadd_submit jobs[BATCH];
	struct blocker blk;
	unsigned int round;
	int out;

	need_vgem();
	test_blocker(&blk);
	submit_abc(DMAADD_SUBMIT_IN_FENCE, blk.sync, NULL, NULL);
	for (round = 0; round < 3; round++) {
		batch_init(jobs, BATCH, self->a.handle, self->b.handle,
			   self->c.handle);
		ASSERT_EQ(0, submit_batch(self->fd, jobs, BATCH,
					  sizeof(jobs[0]), NULL));
	}
	submit_abc(DMAADD_SUBMIT_OUT_FENCE, 0, NULL, &out);
	dmaadd_fixture_close();		/* the mappings keep the memory */
	EXPECT_EQ(0, fd_signalled(out, 0));

	release_blocker(&blk);
	ASSERT_EQ(1, fd_signalled(out, DONE_MS));
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	close(out);
	blocker_destroy(self->vgem, &blk);
}

/* SIGKILL a process with jobs queued on a shared buffer: they still run. */
TEST_F_TIMEOUT(fence, kill_with_jobs_queued, 60)
{
	int ready[2], dmabufs[3], sync;
	struct blocker blk;
	pid_t pid;

	need_vgem();
	test_blocker(&blk);
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->a.handle, 0, &dmabufs[0]));
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->b.handle, 0, &dmabufs[1]));
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->c.handle, 0, &dmabufs[2]));
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct dmaadd_submit jobs[BATCH];
		__u32 h[3];
		int fd, i;

		fd = dmaadd_open_index(self->index, O_CLOEXEC);
		CHILD_CHECK(fd >= 0);
		for (i = 0; i < 3; i++)
			CHILD_CHECK(!_test_ioctl_import(fd, dmabufs[i], &h[i],
							NULL, NULL));
		CHILD_CHECK(!submit_fenced(fd, N, OPND(h[0], 0), OPND(h[1], 0),
					   OPND(h[2], 0), DMAADD_SUBMIT_IN_FENCE,
					   blk.sync, NULL, NULL));
		/* 1 + 3 * 64 jobs: within max_jobs_in_flight, never blocks. */
		for (i = 0; i < 3; i++) {
			batch_init(jobs, BATCH, h[0], h[1], h[2]);
			CHILD_CHECK(!submit_batch(fd, jobs, BATCH,
						  sizeof(jobs[0]), NULL));
		}
		CHILD_CHECK(share_send_byte(ready[1], 'r') == 0);
		pause();
		_exit(0);
	}
	ASSERT_EQ('r', share_recv_byte(ready[0]));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));

	/* The child's jobs are still queued on c, behind the vgem fence. */
	sync = dmabuf_export_sync_file(dmabufs[2], 0);
	ASSERT_LE(0, sync);
	EXPECT_EQ(0, fd_signalled(sync, 0));
	release_blocker(&blk);
	ASSERT_EQ(1, fd_signalled(sync, DONE_MS));
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	close(sync);
	close(ready[0]);
	close(ready[1]);
	close(dmabufs[0]);
	close(dmabufs[1]);
	close(dmabufs[2]);
	blocker_destroy(self->vgem, &blk);
}

/* A queued job's fence holds the module, even with no file open. */
TEST_F(fence, unload_refused_while_job_queued)
{
	struct blocker blk;
	int out;

	need_vgem();
	test_blocker(&blk);
	submit_abc(DMAADD_SUBMIT_IN_FENCE | DMAADD_SUBMIT_OUT_FENCE, blk.sync,
		   NULL, &out);
	dmaadd_buf_unmap(&self->a);
	dmaadd_buf_unmap(&self->b);
	dmaadd_buf_unmap(&self->c);
	dmaadd_fixture_close();
	EXPECT_ERRNO(EWOULDBLOCK, syscall(__NR_delete_module, "dmaadd",
					  O_NONBLOCK));
	release_blocker(&blk);
	ASSERT_EQ(1, fd_signalled(out, DONE_MS));
	close(out);
	blocker_destroy(self->vgem, &blk);
}

TEST_HARNESS_MAIN
