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

#include "dmaadd_debugfs.h"
#include "dmaadd_device.h"
#include "dmaadd_engine.h"
#include "dmaadd_file.h"
#include "dmaadd_hw.h"
#include "dmaadd_job.h"
#include "dmaadd_trace.h"

static DEFINE_IDA(dmaadd_ida);

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
 * doorbell wake-up. Never sleeps.
 *
 * Return: the number of jobs rung, fewer than @n when the ring filled up.
 */
unsigned int dmaadd_device_queue(struct dmaadd_device *ddev,
				 struct dmaadd_job *const *jobs, unsigned int n)
{
	dma_addr_t descs[DMAADD_DEVICE_RING_MAX];
	unsigned int i, k;

	if (WARN_ON(n > ARRAY_SIZE(descs)))
		n = ARRAY_SIZE(descs);

	spin_lock(&ddev->queue_lock);
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
	dma_pool_destroy(ddev->seg_pool);
	dma_pool_destroy(ddev->desc_pool);
	ida_free(&dmaadd_ida, ddev->index);
	put_device(ddev->dev);
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
	atomic_set(&ddev->active, 0);
	init_waitqueue_head(&ddev->queue_wq);
	mutex_init(&ddev->files_lock);
	mutex_init(&ddev->imports_lock);
	mutex_init(&ddev->exports_lock);
	hash_init(ddev->imports);
	INIT_LIST_HEAD(&ddev->files);

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
	mutex_destroy(&ddev->files_lock);
	mutex_destroy(&ddev->imports_lock);
	mutex_destroy(&ddev->exports_lock);
	kfree(ddev);
	return ERR_PTR(ret);
}

/*
 * The device is going away: no new opens, then wait until the engine has
 * finished every job. Open files, mappings and buffers keep their
 * references; the drivers forbid unbinding through sysfs, so this only runs
 * at module unload, when no file is open and no job fence exists (each
 * holds the module), so no job is queued behind a fence either.
 */
void dmaadd_device_remove(struct dmaadd_device *ddev)
{
	misc_deregister(&ddev->misc);
	dmaadd_debugfs_remove_device(ddev);
	wait_event(ddev->queue_wq, !atomic_read(&ddev->active));
	dmaadd_device_put(ddev);
}
