// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd job fences.
 *
 * A fence can outlive its job, its open file and its device: a sync_file
 * fd or another buffer's reservation object may hold it for as long as it
 * likes. So the fence carries its own lock and timeline name, and a
 * reference on the module, whose code its ops are.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-fence.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "dmaadd_fence.h"

struct dmaadd_fence {
	struct dma_fence base;		/* first: freed with kfree_rcu() */
	spinlock_t lock;
	char timeline[16];
};

static const char *dmaadd_fence_driver_name(struct dma_fence *fence)
{
	return "dmaadd";
}

static const char *dmaadd_fence_timeline_name(struct dma_fence *fence)
{
	return container_of(fence, struct dmaadd_fence, base)->timeline;
}

static void dmaadd_fence_release(struct dma_fence *fence)
{
	dma_fence_free(fence);
	module_put(THIS_MODULE);
}

static const struct dma_fence_ops dmaadd_fence_ops = {
	.get_driver_name = dmaadd_fence_driver_name,
	.get_timeline_name = dmaadd_fence_timeline_name,
	.release = dmaadd_fence_release,
};

/**
 * dmaadd_fence_alloc() - memory for a job's fence
 *
 * Called from an ioctl of an open device file, which holds the module.
 *
 * Return: an uninitialised fence, or NULL.
 */
struct dma_fence *dmaadd_fence_alloc(void)
{
	/* Not zeroed: dmaadd_fence_init() sets every field that is read. */
	struct dmaadd_fence *f = kmalloc(sizeof(*f), GFP_KERNEL);

	return f ? &f->base : NULL;
}

/**
 * dmaadd_fence_init() - make a fence from dmaadd_fence_alloc() live
 * @fence: the fence
 * @timeline: name of its timeline (copied)
 * @context: fence context
 * @seqno: sequence number in @context
 *
 * From here on the fence holds a reference on the module until its last
 * dma_fence_put().
 */
void dmaadd_fence_init(struct dma_fence *fence, const char *timeline,
		       u64 context, u64 seqno)
{
	struct dmaadd_fence *f = container_of(fence, struct dmaadd_fence, base);

	__module_get(THIS_MODULE);
	spin_lock_init(&f->lock);
	strscpy(f->timeline, timeline, sizeof(f->timeline));
	dma_fence_init(fence, &dmaadd_fence_ops, &f->lock, context, seqno);
}

/* Free a fence from dmaadd_fence_alloc() that was never initialised. */
void dmaadd_fence_free_unused(struct dma_fence *fence)
{
	kfree(container_of(fence, struct dmaadd_fence, base));
}
