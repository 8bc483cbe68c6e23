// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd's copying path: DMAADD_IOCTL_SUBMIT_COPY.
 *
 * The design of a first driver for this device, kept as a compatibility
 * path and as the baseline of the benchmarks: userspace passes three raw
 * pointers, the inputs are copied into temporary coherent buffers, the
 * job runs over their device addresses and the result is copied back. The
 * user pointers never reach the device; only the buffers' segment tables
 * do, exactly as for DMAADD_IOCTL_SUBMIT. The job goes through the same
 * phases, queue, fence and engine; only the buffers come from here instead
 * of the handle table.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_copy.h"
#include "dmaadd_device.h"
#include "dmaadd_drv.h"
#include "dmaadd_file.h"
#include "dmaadd_job.h"

#define DMAADD_ELEM_SIZE	4

/* The scalar checks, before anything is allocated. */
static int dmaadd_copy_check_args(const struct dmaadd_submit_copy *args,
				  u64 *len)
{
	const u64 ptrs[] = { args->a_ptr, args->b_ptr, args->c_ptr };
	int i;

	if (args->flags)
		return -EINVAL;
	if (args->op != DMAADD_OP_ADD_I32 || !args->count)
		return -EINVAL;
	if (check_mul_overflow(args->count, (u64)DMAADD_ELEM_SIZE, len))
		return -EOVERFLOW;
	if (*len > dmaadd_max_buffer_size())
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(ptrs); i++)
		if (!access_ok(u64_to_user_ptr(ptrs[i]), *len))
			return -EFAULT;
	return 0;
}

/* A temporary buffer holding a copy of @len bytes at @uptr. */
static struct dmaadd_buf *dmaadd_copy_in(struct dmaadd_file *df, u64 uptr,
					 u64 len)
{
	struct dmaadd_buf *buf;
	int ret;

	buf = dmaadd_buf_create(df->ddev, DMAADD_BUF_KIND_ALLOC, len);
	if (IS_ERR(buf))
		return buf;
	ret = dmaadd_buf_charge(buf, df->charge, buf->alloc_size);
	if (!ret)
		ret = dmaadd_buf_alloc_memory(buf, false);
	if (!ret)
		ret = dmaadd_buf_copy_user(buf, u64_to_user_ptr(uptr), len,
					   false);
	if (ret) {
		dmaadd_buf_put(buf);
		return ERR_PTR(ret);
	}
	return buf;
}

static u32 dmaadd_copy_status(struct dma_fence *fence)
{
	switch (dma_fence_get_status(fence)) {
	case 1:
		return DMAADD_JOB_OK;
	case -EIO:
		return DMAADD_JOB_FAULT;
	case -ENODEV:
		return DMAADD_JOB_CANCELLED;
	default:
		return DMAADD_JOB_INVALID;
	}
}

/**
 * dmaadd_copy_submit() - run one job over copies of user arrays
 * @df: open file
 * @args: DMAADD_IOCTL_SUBMIT_COPY arguments; @status and @job_id are set
 *	on success
 * @nonblock: fail with -EAGAIN instead of waiting for a job slot
 *
 * Return: 0 once the job completed, or a negative errno (see
 * uapi/linux/dmaadd.h).
 */
int dmaadd_copy_submit(struct dmaadd_file *df, struct dmaadd_submit_copy *args,
		       bool nonblock)
{
	struct dmaadd_submit sub = {
		.size = sizeof(sub),
		.op = args->op,
		.count = args->count,
	};
	struct dmaadd_buf *a, *b;
	struct dma_fence *fence;
	int ret, idx;
	u64 len;

	ret = dmaadd_copy_check_args(args, &len);
	if (ret)
		return ret;

	/* Up to the submit only: removal waits for the section, not jobs. */
	if (!dmaadd_dev_enter(df->ddev, &idx))
		return -ENODEV;
	a = dmaadd_copy_in(df, args->a_ptr, len);
	if (IS_ERR(a)) {
		dmaadd_dev_exit(idx);
		return PTR_ERR(a);
	}
	b = dmaadd_copy_in(df, args->b_ptr, len);
	if (IS_ERR(b)) {
		dmaadd_dev_exit(idx);
		ret = PTR_ERR(b);
		goto put_a;
	}

	/* The device writes the sum over a's copy: c = a, in place. */
	ret = dmaadd_job_submit_bufs(df, &sub,
				     (struct dmaadd_buf *const[]){ a, b, a },
				     nonblock, &fence);
	dmaadd_dev_exit(idx);
	if (ret)
		goto put_b;

	/*
	 * The job is queued: a restart would run it a second time. Once it
	 * completed, also wait until it let go of the temporary buffers, so
	 * that they are gone (uncharged) when the call returns.
	 */
	if (dma_fence_wait(fence, true) ||
	    dmaadd_job_wait_released(df, sub.job_id)) {
		ret = -EINTR;
		goto put_fence;
	}
	args->status = dmaadd_copy_status(fence);
	args->job_id = sub.job_id;
	if (args->status == DMAADD_JOB_OK)
		ret = dmaadd_buf_copy_user(a, u64_to_user_ptr(args->c_ptr), len,
					   true);

put_fence:
	dma_fence_put(fence);
put_b:
	dmaadd_buf_put(b);
put_a:
	dmaadd_buf_put(a);
	return ret;
}
