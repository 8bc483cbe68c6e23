// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd jobs.
 *
 * SUBMIT validates every scalar before it looks anything up, and looks
 * everything up before it touches a job slot; then it writes the descriptor
 * (device addresses only) and rings the engine. A job holds a reference on
 * its file and on each buffer until the engine reports it complete.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-direction.h>
#include <linux/dmapool.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_device.h"
#include "dmaadd_file.h"
#include "dmaadd_job.h"

#define DMAADD_ELEM_SIZE	4
#define DMAADD_HISTORY_SHIFT	8

static bool dmaadd_job_done(struct dmaadd_file *df, u64 id)
{
	/* Pairs with dmaadd_job_complete(): the history entry is visible. */
	return smp_load_acquire(&df->completed_id) >= id;
}

/* The slot of job @id is free once job @id - DMAADD_MAX_JOBS completed. */
static bool dmaadd_job_slot_free(struct dmaadd_file *df, u64 id)
{
	return id <= DMAADD_MAX_JOBS || dmaadd_job_done(df, id - DMAADD_MAX_JOBS);
}

static bool dmaadd_job_next_free(struct dmaadd_file *df)
{
	return dmaadd_job_slot_free(df, READ_ONCE(df->next_id));
}

/* Take the submit lock with a free slot for the next id. */
static int dmaadd_job_reserve(struct dmaadd_file *df, bool nonblock)
{
	int ret;

	for (;;) {
		ret = mutex_lock_interruptible(&df->submit_lock);
		if (ret)
			return ret;
		if (dmaadd_job_slot_free(df, df->next_id))
			return 0;
		mutex_unlock(&df->submit_lock);
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(df->wq, dmaadd_job_next_free(df));
		if (ret)
			return ret;
	}
}

static enum dma_data_direction dmaadd_job_dir(int op)
{
	return op == DMAADD_HW_OP_C ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
}

static bool dmaadd_ranges_overlap(u64 a, u64 b, u64 len)
{
	return a < b + len && b < a + len;
}

/*
 * The scalar checks of SUBMIT, before anything is looked up: @len is the
 * byte length of each operand's range.
 */
static int dmaadd_job_check_args(const struct dmaadd_submit *args, u64 *len)
{
	const struct dmaadd_operand *ops[DMAADD_HW_NR_OPS] = {
		&args->a, &args->b, &args->c,
	};
	u64 end;
	int i;

	if (args->flags || args->__reserved)
		return -EINVAL;
	if (args->op != DMAADD_OP_ADD_I32 || !args->count)
		return -EINVAL;
	if (check_mul_overflow(args->count, (u64)DMAADD_ELEM_SIZE, len))
		return -EOVERFLOW;
	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		if (ops[i]->flags || !IS_ALIGNED(ops[i]->offset, DMAADD_ELEM_SIZE))
			return -EINVAL;
		if (check_add_overflow(ops[i]->offset, *len, &end))
			return -EOVERFLOW;
	}
	return 0;
}

int dmaadd_job_submit(struct dmaadd_file *df, struct dmaadd_submit *args,
		      bool nonblock)
{
	const struct dmaadd_operand *ops[DMAADD_HW_NR_OPS] = {
		[DMAADD_HW_OP_A] = &args->a,
		[DMAADD_HW_OP_B] = &args->b,
		[DMAADD_HW_OP_C] = &args->c,
	};
	struct dmaadd_buf *bufs[DMAADD_HW_NR_OPS] = {};
	struct dmaadd_hw_desc *desc;
	struct dmaadd_job *job;
	u64 len, id;
	bool read_only;
	int i, ret;

	ret = dmaadd_job_check_args(args, &len);
	if (ret)
		return ret;

	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		bufs[i] = dmaadd_file_get_buf(df, ops[i]->handle, &read_only);
		if (!bufs[i]) {
			ret = -ENOENT;
			goto err_put_bufs;
		}
		if (ops[i]->offset + len > bufs[i]->size) {
			ret = -ERANGE;
			goto err_put_bufs;
		}
	}
	/* read_only is the output's: the last looked up. */
	if (read_only) {
		ret = -EACCES;
		goto err_put_bufs;
	}

	/* In place is fine, element by element; a shifted overlap is not. */
	for (i = DMAADD_HW_OP_A; i <= DMAADD_HW_OP_B; i++) {
		if (bufs[i] == bufs[DMAADD_HW_OP_C] &&
		    ops[i]->offset != args->c.offset &&
		    dmaadd_ranges_overlap(ops[i]->offset, args->c.offset, len)) {
			ret = -EINVAL;
			goto err_put_bufs;
		}
	}

	ret = dmaadd_job_reserve(df, nonblock);
	if (ret)
		goto err_put_bufs;

	id = df->next_id;
	job = &df->jobs[id % DMAADD_MAX_JOBS];
	if (!job->desc) {
		job->desc = dma_pool_alloc(df->ddev->desc_pool, GFP_KERNEL,
					   &job->desc_dma);
		if (!job->desc) {
			ret = -ENOMEM;
			goto err_unlock;
		}
	}

	desc = job->desc;
	desc->opcode = cpu_to_le32(DMAADD_HW_OP_ADD_I32);
	desc->status = cpu_to_le32(DMAADD_HW_STATUS_PENDING);
	desc->count = cpu_to_le64(args->count);
	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		desc->op[i].segs = cpu_to_le64(bufs[i]->segs_dma);
		desc->op[i].nsegs = cpu_to_le32(bufs[i]->nsegs);
		desc->op[i].rsvd = 0;
		desc->op[i].offset = cpu_to_le64(ops[i]->offset);
		job->bufs[i] = bufs[i];
		job->offset[i] = ops[i]->offset;
		dmaadd_buf_sync(bufs[i], ops[i]->offset, len,
				dmaadd_job_dir(i), true);
	}
	job->len = len;
	job->id = id;
	job->file = df;
	dmaadd_file_get(df);

	/* The descriptor must be in memory before the device is told of it. */
	dma_wmb();
	ret = dmaadd_device_queue(df->ddev, job, nonblock);
	if (ret) {
		memset(job->bufs, 0, sizeof(job->bufs));
		dmaadd_file_put(df);
		goto err_unlock;
	}
	WRITE_ONCE(df->next_id, id + 1);
	mutex_unlock(&df->submit_lock);

	args->job_id = id;
	return 0;

err_unlock:
	mutex_unlock(&df->submit_lock);
err_put_bufs:
	for (i = 0; i < DMAADD_HW_NR_OPS; i++)
		if (bufs[i])
			dmaadd_buf_put(bufs[i]);
	return ret;
}

/* Called from the engine's completion, in submission order. */
void dmaadd_job_complete(struct dmaadd_job *job, u32 hw_status)
{
	struct dmaadd_file *df = job->file;
	u32 status;
	int i;

	switch (hw_status) {
	case DMAADD_HW_STATUS_DONE:
		status = DMAADD_JOB_OK;
		break;
	case DMAADD_HW_STATUS_FAULT:
		status = DMAADD_JOB_FAULT;
		break;
	default:
		status = DMAADD_JOB_INVALID;
		break;
	}
	/* Bring the result back where the CPU reads it (swiotlb: copy). */
	if (status == DMAADD_JOB_OK)
		dmaadd_buf_sync(job->bufs[DMAADD_HW_OP_C],
				job->offset[DMAADD_HW_OP_C], job->len,
				DMA_FROM_DEVICE, false);
	WRITE_ONCE(df->history[job->id % DMAADD_JOB_HISTORY],
		   job->id << DMAADD_HISTORY_SHIFT | status);

	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		dmaadd_buf_put(job->bufs[i]);
		job->bufs[i] = NULL;
	}

	/* Publishes the history entry and the dropped references. */
	smp_store_release(&df->completed_id, job->id);
	wake_up_all(&df->wq);
	dmaadd_file_put(df);
}

/* Sleep until job @id completed or the absolute @timeout_ns passed. */
static int dmaadd_job_sleep(struct dmaadd_file *df, u64 id, u64 timeout_ns)
{
	ktime_t left;
	int ret;

	if (timeout_ns >= KTIME_MAX)
		return wait_event_interruptible(df->wq, dmaadd_job_done(df, id));

	left = ktime_sub(ns_to_ktime(timeout_ns), ktime_get());
	if (left <= 0)
		return -ETIMEDOUT;
	ret = wait_event_interruptible_hrtimeout(df->wq, dmaadd_job_done(df, id),
						 left);
	return ret == -ETIME ? -ETIMEDOUT : ret;
}

int dmaadd_job_wait(struct dmaadd_file *df, struct dmaadd_wait *args)
{
	u64 id = args->job_id;
	u64 next, entry;
	int ret;

	if (args->flags || args->__reserved || !id)
		return -EINVAL;

	next = READ_ONCE(df->next_id);
	if (id >= next || next - id > DMAADD_JOB_HISTORY)
		return -ENOENT;

	if (!dmaadd_job_done(df, id)) {
		ret = dmaadd_job_sleep(df, id, args->timeout_ns);
		if (ret)
			return ret;
	}

	/* A newer job may have taken the history slot meanwhile. */
	entry = READ_ONCE(df->history[id % DMAADD_JOB_HISTORY]);
	if (entry >> DMAADD_HISTORY_SHIFT != id)
		return -ENOENT;
	args->status = entry & GENMASK(DMAADD_HISTORY_SHIFT - 1, 0);
	return 0;
}

/* Release a slot's descriptor when its file goes away. */
void dmaadd_job_fini(struct dmaadd_job *job, struct dma_pool *pool)
{
	if (job->desc)
		dma_pool_free(pool, job->desc, job->desc_dma);
}

#ifdef DMAADD_KUNIT
#include "tests/dmaadd_job_test.c"
#endif
