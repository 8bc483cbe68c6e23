// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd device instances: one per bound platform or PCI device.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/device.h>
#include <linux/dma-fence.h>
#include <linux/dmapool.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "dmaadd_buf.h"
#include "dmaadd_debugfs.h"
#include "dmaadd_device.h"
#include "dmaadd_engine.h"
#include "dmaadd_file.h"
#include "dmaadd_hw.h"
#include "dmaadd_job.h"
#include "dmaadd_trace.h"

static DEFINE_IDA(dmaadd_ida);

/*
 * Device removal, as DRM does it (drm_dev_enter(), drm_dev_unplug()):
 * whatever uses the device's DMA API or its engine runs between
 * dmaadd_dev_enter() and dmaadd_dev_exit(), which fails once the device is
 * being removed. Removal waits for the sections that got in, then frees
 * every DMA resource. One SRCU domain for all devices, like
 * drm_unplug_srcu: a read section is two per-CPU increments.
 */
DEFINE_SRCU(dmaadd_unplug_srcu);

/**
 * __dmaadd_dev_enter() - enter a section that uses the device
 * @ddev: device
 * @idx: out, for dmaadd_dev_exit()
 *
 * Called as dmaadd_dev_enter(), which tells sparse about the section. The
 * section must not wait for a job: removal cancels jobs, but only ends
 * once every section has.
 *
 * Return: true, or false (and no section) once the device is being
 * removed.
 */
bool __dmaadd_dev_enter(struct dmaadd_device *ddev, int *idx)
{
	*idx = srcu_read_lock(&dmaadd_unplug_srcu);
	if (READ_ONCE(ddev->unplugged)) {
		srcu_read_unlock(&dmaadd_unplug_srcu, *idx);
		return false;
	}
	/* Still held: dmaadd_dev_enter() tells sparse so at the caller. */
	__release(&dmaadd_unplug_srcu);
	return true;
}

void dmaadd_dev_exit(int idx)
	__releases(&dmaadd_unplug_srcu)
{
	srcu_read_unlock(&dmaadd_unplug_srcu, idx);
}

/*
 * Complete jobs that will never run: the device is being removed. Their
 * fences signal with -ENODEV, in the order given, which is job id order
 * within each file. Under queue_lock, which orders every cancellation of
 * the device after the jobs it queued earlier.
 *
 * The caller is in a fence signalling section begun before it took
 * queue_lock: the engine thread takes queue_lock inside its section, so
 * the section must be the outer one here too. Begun under a spinlock it
 * would be a no-op without PREEMPT_RT (dma_fence_begin_signalling() skips
 * atomic context) and the inverse order with it, which lockdep reports.
 */
static void dmaadd_device_cancel_locked(struct dmaadd_device *ddev,
					struct dmaadd_job *const *jobs,
					unsigned int n)
{
	struct llist_node *refs[DMAADD_DEVICE_RING_MAX];
	unsigned int i;
	ktime_t now;

	lockdep_assert_held(&ddev->queue_lock);
	if (!n)
		return;
	now = ktime_get();
	for (i = 0; i < n; i++)
		refs[i] = dmaadd_job_complete(jobs[i], DMAADD_JOB_HW_CANCELLED,
					      now);
	dmaadd_job_free(refs, n);
}

/**
 * dmaadd_device_park() - queue jobs for a device that is being removed
 * @ddev: device, dmaadd_dev_enter() failing
 * @jobs: a file's staged jobs, in id order, ready to be rung
 * @n: how many, at most DMAADD_DEVICE_RING_MAX
 *
 * They are not rung, since the buffers can no longer be synced, and are
 * cancelled behind the file's jobs that were: by dmaadd_device_remove()
 * if it has not stopped the engine yet, else at once. Never sleeps.
 */
void dmaadd_device_park(struct dmaadd_device *ddev,
			struct dmaadd_job *const *jobs, unsigned int n)
{
	unsigned int i;
	bool cookie;

	if (WARN_ON(n > DMAADD_DEVICE_RING_MAX))
		n = DMAADD_DEVICE_RING_MAX;
	/* Nested in the ring work's section; outside queue_lock (see above). */
	cookie = dma_fence_begin_signalling();
	spin_lock(&ddev->queue_lock);
	if (ddev->dead) {
		dmaadd_device_cancel_locked(ddev, jobs, n);
	} else {
		for (i = 0; i < n; i++)
			list_add_tail(&jobs[i]->node, &ddev->parked);
		atomic_add(n, &ddev->active);
	}
	spin_unlock(&ddev->queue_lock);
	dma_fence_end_signalling(cookie);
}

/*
 * The completion "interrupt", for up to DMAADD_ENGINE_IRQ_MAX finished
 * descriptors. The engine finishes descriptors in the order they were
 * rung, so the finished ones are the head of the queue. One queue-lock
 * hold and one clock read for all of them: the clock read is the fences'
 * timestamp.
 */
static void dmaadd_device_irq(void *data, const struct dmaadd_engine_done *done,
			      unsigned int n)
{
	struct dmaadd_device *ddev = data;
	struct dmaadd_job *jobs[DMAADD_ENGINE_IRQ_MAX];
	struct llist_node *refs[DMAADD_ENGINE_IRQ_MAX];
	unsigned int i, nr = 0;
	ktime_t now;
	bool cookie;

	spin_lock(&ddev->queue_lock);
	for (; nr < n; nr++) {
		struct dmaadd_job *job;

		job = list_first_entry_or_null(&ddev->queue, struct dmaadd_job,
					       node);
		if (!job || job->desc_dma != done[nr].desc)
			break;
		list_del(&job->node);
		jobs[nr] = job;
	}
	spin_unlock(&ddev->queue_lock);

	if (nr < n)
		dev_err_ratelimited(ddev->dev, "completion for an unknown descriptor\n");
	if (!nr)
		return;

	now = ktime_get();
	cookie = dma_fence_begin_signalling();
	for (i = 0; i < nr; i++)
		refs[i] = dmaadd_job_complete(jobs[i], done[i].status, now);
	dma_fence_end_signalling(cookie);
	/* What the jobs held is dropped by the free work, never here. */
	dmaadd_job_free(refs, nr);

	/* Last: device removal waits for this and may then free @ddev. */
	if (atomic_sub_and_test(nr, &ddev->active))
		wake_up_all(&ddev->queue_wq);
	else if (wq_has_sleeper(&ddev->queue_wq))	/* waiting for ring room */
		wake_up(&ddev->queue_wq);
}

/**
 * dmaadd_device_queue() - ring jobs' descriptors into the engine, in order
 * @ddev: device
 * @jobs: jobs with their descriptors filled in and synced
 * @n: how many, at most DMAADD_DEVICE_RING_MAX
 *
 * The jobs join the device queue and the engine's ring in one go, with one
 * doorbell. Never sleeps, but small jobs may complete before this returns
 * (dmaadd_engine_kick()): the caller must not hold a lock their completion
 * takes (queue_lock, a fence's lock).
 *
 * Return: the number of jobs rung, fewer than @n when the ring filled up.
 */
unsigned int dmaadd_device_queue(struct dmaadd_device *ddev,
				 struct dmaadd_job *const *jobs, unsigned int n)
{
	dma_addr_t descs[DMAADD_DEVICE_RING_MAX];
	unsigned int i, k;
	bool cookie;

	if (WARN_ON(n > ARRAY_SIZE(descs)))
		n = ARRAY_SIZE(descs);

	/* Nested in the ring work's section; outside queue_lock (see above). */
	cookie = dma_fence_begin_signalling();
	spin_lock(&ddev->queue_lock);
	if (ddev->dead) {
		/* The engine is gone: the jobs complete here and now. */
		dmaadd_device_cancel_locked(ddev, jobs, n);
		spin_unlock(&ddev->queue_lock);
		dma_fence_end_signalling(cookie);
		return n;
	}
	/* Only rings under queue_lock take space: it stays there. */
	k = min(n, dmaadd_engine_ring_space(ddev->engine));
	for (i = 0; i < k; i++) {
		struct dmaadd_job *job = jobs[i];

		descs[i] = job->desc_dma;
		list_add_tail(&job->node, &ddev->queue);
		/* Before the doorbell: the job may complete at once. */
		trace_dmaadd_job_start(job);
	}
	atomic_add(k, &ddev->active);
	if (k)
		WARN_ON(dmaadd_engine_doorbell(ddev->engine, descs, k));
	spin_unlock(&ddev->queue_lock);
	/* Outside queue_lock: the completion "interrupt" may come right here. */
	if (k)
		dmaadd_engine_kick(ddev->engine);
	dma_fence_end_signalling(cookie);
	return k;
}

void dmaadd_device_get(struct dmaadd_device *ddev)
{
	kref_get(&ddev->ref);
}

static void dmaadd_device_release(struct kref *ref)
{
	struct dmaadd_device *ddev = container_of(ref, struct dmaadd_device, ref);

	dmaadd_engine_destroy(ddev->engine);
	ida_free(&dmaadd_ida, ddev->index);
	put_device(ddev->dev);
	mutex_destroy(&ddev->bufs_lock);
	mutex_destroy(&ddev->files_lock);
	mutex_destroy(&ddev->imports_lock);
	mutex_destroy(&ddev->exports_lock);
	kfree(ddev);
}

void dmaadd_device_put(struct dmaadd_device *ddev)
{
	kref_put(&ddev->ref, dmaadd_device_release);
}

struct dmaadd_device *dmaadd_device_create(struct device *dev, u32 backend)
{
	struct dmaadd_device *ddev;
	int ret;

	ddev = kzalloc(sizeof(*ddev), GFP_KERNEL);
	if (!ddev)
		return ERR_PTR(-ENOMEM);

	kref_init(&ddev->ref);
	ddev->dev = get_device(dev);
	ddev->backend = backend;
	spin_lock_init(&ddev->queue_lock);
	INIT_LIST_HEAD(&ddev->queue);
	INIT_LIST_HEAD(&ddev->parked);
	atomic_set(&ddev->active, 0);
	init_waitqueue_head(&ddev->queue_wq);
	mutex_init(&ddev->bufs_lock);
	mutex_init(&ddev->files_lock);
	mutex_init(&ddev->imports_lock);
	mutex_init(&ddev->exports_lock);
	hash_init(ddev->imports);
	INIT_LIST_HEAD(&ddev->bufs);
	INIT_LIST_HEAD(&ddev->files);
	INIT_LIST_HEAD(&ddev->live_files);

	ret = ida_alloc(&dmaadd_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_put_dev;
	ddev->index = ret;
	snprintf(ddev->name, sizeof(ddev->name), "dmaadd%d", ddev->index);

	ret = -ENOMEM;
	ddev->desc_pool = dma_pool_create("dmaadd-desc", dev,
					  sizeof(struct dmaadd_hw_desc), 64, 0);
	if (!ddev->desc_pool)
		goto err_free_index;
	ddev->seg_pool = dma_pool_create("dmaadd-seg", dev,
					 sizeof(struct dmaadd_hw_seg), 16, 0);
	if (!ddev->seg_pool)
		goto err_destroy_desc_pool;

	ddev->engine = dmaadd_engine_create(dev, ddev->name, dmaadd_device_irq,
					    ddev);
	if (IS_ERR(ddev->engine)) {
		ret = PTR_ERR(ddev->engine);
		goto err_destroy_seg_pool;
	}

	ddev->misc.minor = MISC_DYNAMIC_MINOR;
	ddev->misc.name = ddev->name;
	ddev->misc.fops = &dmaadd_fops;
	ddev->misc.parent = dev;
	ret = misc_register(&ddev->misc);
	if (ret)
		goto err_destroy_engine;

	dmaadd_debugfs_add_device(ddev);
	dev_info(dev, "%s: DMA through %s\n", ddev->name,
		 dmaadd_engine_iommu(ddev->engine) ? "an IOMMU" : "dma-direct");
	return ddev;

err_destroy_engine:
	dmaadd_engine_destroy(ddev->engine);
err_destroy_seg_pool:
	dma_pool_destroy(ddev->seg_pool);
err_destroy_desc_pool:
	dma_pool_destroy(ddev->desc_pool);
err_free_index:
	ida_free(&dmaadd_ida, ddev->index);
err_put_dev:
	put_device(dev);
	mutex_destroy(&ddev->bufs_lock);
	mutex_destroy(&ddev->files_lock);
	mutex_destroy(&ddev->imports_lock);
	mutex_destroy(&ddev->exports_lock);
	kfree(ddev);
	return ERR_PTR(ret);
}

/*
 * Jobs the engine had not finished when it stopped, then those parked
 * behind them: cancel them, in queue order, which keeps each file's order.
 */
static void dmaadd_device_cancel_queue(struct dmaadd_device *ddev)
{
	struct dmaadd_job *jobs[DMAADD_DEVICE_RING_MAX];
	struct dmaadd_job *job, *next;
	unsigned int n = 0, total = 0;
	bool cookie;

	/* The fences complete here: a signalling section, outside queue_lock. */
	cookie = dma_fence_begin_signalling();
	spin_lock(&ddev->queue_lock);
	ddev->dead = true;
	list_splice_tail_init(&ddev->parked, &ddev->queue);
	list_for_each_entry_safe(job, next, &ddev->queue, node) {
		list_del(&job->node);
		jobs[n++] = job;
		if (n == ARRAY_SIZE(jobs)) {
			dmaadd_device_cancel_locked(ddev, jobs, n);
			total += n;
			n = 0;
		}
	}
	dmaadd_device_cancel_locked(ddev, jobs, n);
	total += n;
	spin_unlock(&ddev->queue_lock);
	dma_fence_end_signalling(cookie);
	atomic_sub(total, &ddev->active);
	/* Device idle, and ring works waiting for ring space it never gets. */
	wake_up_all(&ddev->queue_wq);
}

/* Staged jobs of every file: they will be cancelled, not rung. */
static void dmaadd_device_cancel_staged(struct dmaadd_device *ddev)
{
	struct dmaadd_file *df;

	mutex_lock(&ddev->files_lock);
	list_for_each_entry(df, &ddev->live_files, live_node)
		dmaadd_job_cancel_staged(df);
	mutex_unlock(&ddev->files_lock);
}

/* What files hold of the device: their job descriptors. */
static void dmaadd_device_free_descs(struct dmaadd_device *ddev)
{
	struct dmaadd_file *df;
	int i;

	mutex_lock(&ddev->files_lock);
	list_for_each_entry(df, &ddev->live_files, live_node)
		for (i = 0; i < DMAADD_MAX_JOBS; i++)
			dmaadd_job_fini(&df->jobs[i], ddev->desc_pool);
	dma_pool_destroy(ddev->desc_pool);
	ddev->desc_pool = NULL;
	mutex_unlock(&ddev->files_lock);
}

/* What buffers hold of the device: segment tables and mappings. */
static void dmaadd_device_unplug_bufs(struct dmaadd_device *ddev)
{
	struct dmaadd_buf *buf, *next;

	mutex_lock(&ddev->bufs_lock);
	list_for_each_entry_safe(buf, next, &ddev->bufs, dev_node) {
		list_del_init(&buf->dev_node);
		dmaadd_buf_unplug(buf);
		cond_resched();
	}
	mutex_unlock(&ddev->bufs_lock);
	dma_pool_destroy(ddev->seg_pool);
	ddev->seg_pool = NULL;
}

/**
 * dmaadd_device_remove() - the device is going away, now
 * @ddev: device
 *
 * At module unload, and whenever the bus removes the device (sysfs unbind
 * or remove, hot unplug) while files, mappings, jobs, exported dma-bufs and
 * imports may still use it. When this returns the device's DMA resources
 * are freed and its engine is stopped: every job has completed or will
 * complete, cancelled, with -ENODEV, and from now on ioctls fail with
 * -ENODEV (WAIT and BUF_FREE still work). Objects stay until their last
 * reference: buffers keep their pages, so mappings and dma-bufs of them
 * stay valid memory.
 */
void dmaadd_device_remove(struct dmaadd_device *ddev)
{
	/* 1. No new user: dmaadd_dev_enter() fails, the node goes. */
	WRITE_ONCE(ddev->unplugged, true);
	misc_deregister(&ddev->misc);
	dmaadd_debugfs_remove_device(ddev);

	/*
	 * 2. The hardware stops; what it had not finished is cancelled, and
	 * so is every staged job, whatever it waits for. Done before waiting
	 * for the sections, which may wait for job slots.
	 */
	dmaadd_engine_stop(ddev->engine);
	dmaadd_device_cancel_queue(ddev);
	dmaadd_device_cancel_staged(ddev);

	/* 3. Sections that got in before 1 end; their jobs are cancelled. */
	synchronize_srcu(&dmaadd_unplug_srcu);
	dmaadd_device_cancel_staged(ddev);
	wait_event(ddev->queue_wq, !atomic_read(&ddev->active));

	/* 4. Nothing uses the DMA API for the device any more. */
	dmaadd_device_free_descs(ddev);
	dmaadd_device_unplug_bufs(ddev);
	dev_info(ddev->dev, "%s: removed\n", ddev->name);
	dmaadd_device_put(ddev);
}
