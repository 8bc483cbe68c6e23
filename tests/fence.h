/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests with fences: sync_file checks, jobs held by a vgem
 * fence nobody signals until the test says so, and the debugfs hook that
 * makes a descriptor fault. Include after dmaadd_test.h or share_test.h.
 */
#ifndef __DMAADD_FENCE_H
#define __DMAADD_FENCE_H

#include <linux/sync_file.h>
#include <poll.h>

#include "vgem.h"

#define HELD_MS		200	/* how long a held job must stay held */
#define DONE_MS		10000	/* how long a released job may take */

/* 1 when @fd is readable (a sync_file: signalled) within @ms, else 0. */
static inline int fd_signalled(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&p, 1, ms);
	} while (ret < 0 && errno == EINTR);
	return ret == 1 && (p.revents & POLLIN);
}

static inline int sync_file_status(int fd, struct sync_fence_info *info)
{
	struct sync_file_info file = {
		.num_fences = 1,
		.sync_fence_info = (__u64)(uintptr_t)info,
	};

	memset(info, 0, sizeof(*info));
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &file))
		return -2;
	return file.status;
}

static inline __u64 now_plus_ms(unsigned int ms)
{
	return dmaadd_now_ns() + ms * 1000000ULL;
}

/* Asserts that job @id is still not done @ms from now. */
#define ASSERT_HELD(_fd, _id)						\
	EXPECT_ERRNO(ETIMEDOUT, _test_ioctl_wait((_fd), (_id),		\
						 now_plus_ms(HELD_MS), NULL))

/* Asserts that job @id completes (soon) with @status. */
#define ASSERT_STATUS(_fd, _id, _status)				\
	({								\
		__u32 __st = ~0U;					\
		ASSERT_EQ(0, _test_ioctl_wait((_fd), (_id),		\
					      now_plus_ms(DONE_MS), &__st)); \
		ASSERT_EQ((__u32)(_status), __st);			\
	})

/*
 * A vgem fence nobody has signalled, as a sync_file: @fence for
 * vgem_fence_signal(), @sync for DMAADD_SUBMIT_IN_FENCE.
 */
struct blocker {
	struct vgem_bo bo;
	int dmabuf;
	int fence;
	int sync;
};

static inline int blocker_create(int vgem, struct blocker *blk)
{
	memset(blk, 0, sizeof(*blk));
	if (vgem_bo_create(vgem, 1, &blk->bo))
		return -1;
	blk->fence = vgem_fence_attach(vgem, blk->bo.handle, 1);
	if (blk->fence < 0)
		return -1;
	blk->dmabuf = prime_handle_to_fd(vgem, blk->bo.handle);
	if (blk->dmabuf < 0)
		return -1;
	/* What a reader waits for: the writer fence just attached. */
	blk->sync = dmabuf_export_sync_file(blk->dmabuf, 0);
	return blk->sync < 0 ? -1 : 0;
}

static inline void blocker_destroy(int vgem, struct blocker *blk)
{
	vgem_fence_signal(vgem, blk->fence);
	close(blk->sync);
	close(blk->dmabuf);
	munmap(blk->bo.map, blk->bo.size);
}

#define test_blocker(_blk) \
	ASSERT_EQ(0, blocker_create(self->vgem, (_blk)))

#define release_blocker(_blk) \
	ASSERT_EQ(0, vgem_fence_signal(self->vgem, (_blk)->fence))

/* The debugfs hook that makes the n-th next descriptor fault. */
static inline int inject_fault(unsigned int index, unsigned int nth)
{
	char path[96];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/dmaadd/dmaadd%u/inject_fault", index);
	f = fopen(path, "we");
	if (!f)
		return -1;
	ret = fprintf(f, "%u\n", nth) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/* A one-element in-place job on @buf held by @sync; its id, or 0. */
static inline __u64 submit_held(int fd, const struct dmaadd_buf *buf, int sync)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, 1, OPND(buf->handle, 0), OPND(buf->handle, 0),
			   OPND(buf->handle, 0));
	cmd.flags = DMAADD_SUBMIT_IN_FENCE;
	cmd.in_fence_fd = (__u32)sync;
	return ioctl(fd, DMAADD_IOCTL_SUBMIT, &cmd) ? 0 : cmd.job_id;
}

#endif /* __DMAADD_FENCE_H */
