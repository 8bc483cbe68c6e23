/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An open /dev/dmaaddN: handle table, job slots, job history.
 */
#ifndef __DMAADD_FILE_H__
#define __DMAADD_FILE_H__

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "dmaadd_job.h"

#define DMAADD_MAX_JOBS		256	/* jobs in flight per file */
#define DMAADD_JOB_HISTORY	4096	/* statuses kept per file */
#define DMAADD_WAKE_NONE	(-1LL)	/* wake_at: nobody waits */

/* mmap offset of a buffer: its handle above a 1 TiB window per buffer. */
#define DMAADD_MMAP_SHIFT	40
#define DMAADD_MAX_HANDLE	((1U << 20) - 1)

/* Tag of a handle-table entry: this handle may not write the buffer. */
#define DMAADD_HANDLE_READ_ONLY	1

struct dmaadd_charge;
struct dmaadd_completion_page;
struct dmaadd_device;

struct dmaadd_file {
	struct kref ref;		/* the open file and each job in flight */
	struct dmaadd_device *ddev;
	struct list_head dev_node;	/* in ddev->files while open */
	struct list_head live_node;	/* in ddev->live_files */
	pid_t pid;			/* of the opener, for debugfs */
	char comm[TASK_COMM_LEN];
	struct xarray bufs;		/* handle -> tagged struct dmaadd_buf */

	struct dmaadd_charge *charge;	/* of the buffers it allocated, pinned */
	struct mutex copy_lock;		/* one SUBMIT_COPY at a time */
	struct mutex import_lock;	/* one handle per imported buffer */
	struct mutex submit_lock;	/* job ids and queue order */
	u64 next_id;			/* id the next job gets */
	struct dma_fence *last_fence;	/* of job next_id - 1, or NULL */
	u64 fence_context;		/* of the jobs' fences, seqno = id */
	u64 dep_context;		/* of their dependency fence arrays */
	struct mutex ring_lock;		/* rung_id, staged jobs' slots */
	u64 rung_id;			/* jobs up to this id are rung */
	struct work_struct ring_work;	/* rings jobs whose deps signalled */
	u64 completed_id;		/* jobs up to this id have completed */
	u64 released_id;		/* ... and dropped their references */
	wait_queue_head_t wq;		/* job completions */
	atomic64_t wake_at;		/* lowest job id waited for on @wq */
	u64 history[DMAADD_JOB_HISTORY];	/* job id << 8 | status */
	/* The completion page, mapped read-only into the process. */
	struct page *completion_page;
	struct dmaadd_completion_page *completion;	/* its kernel address */
	struct dmaadd_job jobs[DMAADD_MAX_JOBS];
};

extern const struct file_operations dmaadd_fops;

struct dmaadd_buf *dmaadd_file_get_buf(struct dmaadd_file *df, u32 handle,
				       bool *read_only);
void dmaadd_file_get(struct dmaadd_file *df);
void dmaadd_file_put(struct dmaadd_file *df);

#endif /* __DMAADD_FILE_H__ */
