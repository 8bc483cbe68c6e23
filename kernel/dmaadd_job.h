/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd jobs: from a SUBMIT to a completed descriptor.
 */
#ifndef __DMAADD_JOB_H__
#define __DMAADD_JOB_H__

#include <linux/compiler.h>
#include <linux/dma-fence.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/poll.h>
#include <linux/types.h>

#include "dmaadd_hw.h"

struct dma_pool;
struct dmaadd_buf;
struct dmaadd_file;
struct dmaadd_submit;
struct dmaadd_wait;
struct work_struct;

/*
 * A job slot of an open file. Slots are reused round-robin, and each keeps
 * its pool descriptor. A job is "staged" from SUBMIT until it is rung into
 * the device, which happens in job id order once @dep (its in-fence and
 * the conflicting fences of its buffers) has signalled.
 */
struct dmaadd_job {
	struct list_head node;		/* in the device queue */
	struct dmaadd_file *file;
	u64 id;
	struct dmaadd_hw_desc *desc;
	dma_addr_t desc_dma;
	struct dmaadd_buf *bufs[DMAADD_HW_NR_OPS];
	u64 offset[DMAADD_HW_NR_OPS];
	u64 len;
	u64 submit_ns;			/* ktime_get_ns() at SUBMIT */
	struct dma_fence *fence;	/* signals when the job completed */
	struct dma_fence *dep;		/* signals when it may start, or NULL */
	struct dma_fence_cb dep_cb;
	bool ready;			/* @dep has signalled */
};

/**
 * struct dmaadd_submit_user - where SUBMIT writes its results
 * @jobs: the first job's struct dmaadd_submit in user memory
 * @stride: bytes from one job's struct to the next (SUBMIT_BATCH)
 * @first_job_id: SUBMIT_BATCH's &dmaadd_submit_batch.first_job_id, or NULL
 */
struct dmaadd_submit_user {
	void __user *jobs;
	u32 stride;
	u64 __user *first_job_id;
};

/*
 * Not a device status: the job was cancelled because its device is being
 * removed (dmaadd_device_park(), dmaadd_device_remove()). It never started.
 */
#define DMAADD_JOB_HW_CANCELLED	U32_MAX

int dmaadd_job_submit(struct dmaadd_file *df, struct dmaadd_submit *args,
		      unsigned int count, bool nonblock, u32 *error_index,
		      const struct dmaadd_submit_user *out);
int dmaadd_job_submit_bufs(struct dmaadd_file *df, struct dmaadd_submit *args,
			   struct dmaadd_buf *const bufs[DMAADD_HW_NR_OPS],
			   bool nonblock, struct dma_fence **fence);
int dmaadd_job_wait(struct dmaadd_file *df, struct dmaadd_wait *args);
__poll_t dmaadd_job_poll(struct dmaadd_file *df, struct file *file,
			 poll_table *wait);
int dmaadd_job_wait_released(struct dmaadd_file *df, u64 id);
struct llist_node *dmaadd_job_complete(struct dmaadd_job *job, u32 hw_status,
				       ktime_t now);
void dmaadd_job_free(struct llist_node **nodes, unsigned int n);
void dmaadd_job_free_exit(void);
void dmaadd_job_ring_work(struct work_struct *work);
void dmaadd_job_cancel_staged(struct dmaadd_file *df);
void dmaadd_job_fini(struct dmaadd_job *job, struct dma_pool *pool);

#endif /* __DMAADD_JOB_H__ */
