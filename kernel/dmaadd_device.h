/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One dmaadd device instance: its DMA device, engine, pools and node.
 */
#ifndef __DMAADD_DEVICE_H__
#define __DMAADD_DEVICE_H__

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/wait.h>

struct dentry;
struct device;
struct dma_pool;
struct dmaadd_engine;
struct dmaadd_job;

struct dmaadd_device {
	struct kref ref;
	struct device *dev;		/* the device doing DMA */
	u32 backend;			/* enum dmaadd_backend */
	int index;			/* N of /dev/dmaaddN */
	char name[20];			/* "dmaaddN", any int N */
	struct miscdevice misc;

	/*
	 * Set when the device is being removed: dmaadd_dev_enter() fails
	 * from then on. See dmaadd_device_remove().
	 */
	bool unplugged;

	struct dma_pool *desc_pool;	/* job descriptors; files_lock */
	struct dma_pool *seg_pool;	/* one-entry segment tables */
	struct dmaadd_engine *engine;

	spinlock_t queue_lock;		/* protects queue, dead */
	struct list_head queue;		/* jobs rung into the engine, in order */
	struct list_head parked;	/* jobs for a device being removed */
	bool dead;			/* the engine stopped: jobs are cancelled */
	atomic_t active;		/* jobs queued or still completing */
	wait_queue_head_t queue_wq;	/* ring space, device idle */

	struct mutex exports_lock;	/* protects buffers' exports[] */
	struct mutex imports_lock;	/* protects imports */
	/* Imported foreign dma-bufs, by dma_buf: one attachment each. */
	DECLARE_HASHTABLE(imports, 6);

	struct mutex bufs_lock;		/* protects bufs, buffers' DMA resources */
	struct list_head bufs;		/* buffers holding DMA resources */

	struct mutex files_lock;	/* protects files, live_files */
	struct list_head files;		/* open files, for debugfs */
	struct list_head live_files;	/* file states alive, open or not */
	struct dentry *debugfs;
	struct {
		atomic64_t jobs;	/* completed, whatever the status */
		atomic64_t faults;
		atomic64_t invalid;
		atomic64_t bytes;	/* elements * 4, of jobs that ran */
		atomic64_t latency_ns;	/* sum, submit to completion */
		atomic_t bufs;		/* buffer objects alive, any holder */
		atomic_t files;		/* file states alive, open or not */
	} stats;
};

extern struct srcu_struct dmaadd_unplug_srcu;

bool __dmaadd_dev_enter(struct dmaadd_device *ddev, int *idx);
#define dmaadd_dev_enter(ddev, idx) \
	__cond_lock(&dmaadd_unplug_srcu, __dmaadd_dev_enter(ddev, idx))
void dmaadd_dev_exit(int idx) __releases(&dmaadd_unplug_srcu);

struct dmaadd_device *dmaadd_device_create(struct device *dev, u32 backend);
void dmaadd_device_remove(struct dmaadd_device *ddev);
void dmaadd_device_get(struct dmaadd_device *ddev);
void dmaadd_device_put(struct dmaadd_device *ddev);
#define DMAADD_DEVICE_RING_MAX	32	/* jobs per dmaadd_device_queue() */

unsigned int dmaadd_device_queue(struct dmaadd_device *ddev,
				 struct dmaadd_job *const *jobs, unsigned int n);
void dmaadd_device_park(struct dmaadd_device *ddev,
			struct dmaadd_job *const *jobs, unsigned int n);

#endif /* __DMAADD_DEVICE_H__ */
