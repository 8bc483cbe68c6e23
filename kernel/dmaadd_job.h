/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd jobs: from a SUBMIT to a completed descriptor.
 */
#ifndef __DMAADD_JOB_H__
#define __DMAADD_JOB_H__

#include <linux/list.h>
#include <linux/types.h>

#include "dmaadd_hw.h"

struct dma_pool;
struct dmaadd_buf;
struct dmaadd_file;
struct dmaadd_submit;
struct dmaadd_wait;

/*
 * A job slot of an open file. Slots are reused round-robin, and each keeps
 * its pool descriptor, so submitting allocates nothing.
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
};

int dmaadd_job_submit(struct dmaadd_file *df, struct dmaadd_submit *args,
		      bool nonblock);
int dmaadd_job_wait(struct dmaadd_file *df, struct dmaadd_wait *args);
void dmaadd_job_complete(struct dmaadd_job *job, u32 hw_status);
void dmaadd_job_fini(struct dmaadd_job *job, struct dma_pool *pool);

#endif /* __DMAADD_JOB_H__ */
