// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd job fences.
 *
 * A fence can outlive its job, its open file and its device: a sync_file
 * fd or another buffer's reservation object may hold it for as long as it
 * likes. So the fence carries its own lock and timeline name, and a
 * reference on the module, whose code its ops are.
 *
 * That reference must not be dropped by the fence's own release callback:
 * the callback is module text, and the instructions after a final
 * module_put() would run in memory that rmmod may already have freed. So
 * one module reference stands for all live fences: the first fence takes
 * it, the release of the last one queues a work item that drops it, and
 * dmaadd_fence_exit() - from module_exit, which can only run once that
 * reference is gone - waits for the work item to return. A release that is
 * not the last frees its fence and returns, with the module held by the
 * others: a stream of jobs, each fence released when the next job's
 * replaces it in a reservation object, wakes no worker. (It did, one per
 * job, when each fence held the module and a work item freed each one.)
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-fence.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "dmaadd_fence.h"

struct dmaadd_fence {
	struct dma_fence base;		/* first: freed with dma_fence_free() */
	spinlock_t lock;
	char timeline[16];
	/* The caller's private data (dmaadd_fence_priv()) follows. */
	u64 priv[];
};

/* Fences initialised and not yet released. */
static atomic_t dmaadd_fences_live = ATOMIC_INIT(0);
/* Module references of live counts that dropped to zero, to be put. */
static atomic_t dmaadd_fence_module_puts = ATOMIC_INIT(0);

static void dmaadd_fence_put_work_fn(struct work_struct *work)
{
	int n = atomic_xchg(&dmaadd_fence_module_puts, 0);

	while (n--)
		module_put(THIS_MODULE);
}

static DECLARE_WORK(dmaadd_fence_put_work, dmaadd_fence_put_work_fn);

static const char *dmaadd_fence_driver_name(struct dma_fence *fence)
{
	return "dmaadd";
}

static const char *dmaadd_fence_timeline_name(struct dma_fence *fence)
{
	return container_of(fence, struct dmaadd_fence, base)->timeline;
}

/* Any context: the last dma_fence_put() may come from an interrupt. */
static void dmaadd_fence_release(struct dma_fence *fence)
{
	dma_fence_free(fence);
	if (atomic_dec_and_test(&dmaadd_fences_live)) {
		atomic_inc(&dmaadd_fence_module_puts);
		schedule_work(&dmaadd_fence_put_work);
	}
}

static const struct dma_fence_ops dmaadd_fence_ops = {
	.get_driver_name = dmaadd_fence_driver_name,
	.get_timeline_name = dmaadd_fence_timeline_name,
	.release = dmaadd_fence_release,
};

/**
 * dmaadd_fence_alloc() - memory for a job's fence
 * @priv_size: bytes of private data to allocate with it
 *
 * Called from an ioctl of an open device file, which holds the module.
 *
 * Return: an uninitialised fence, or NULL.
 */
struct dma_fence *dmaadd_fence_alloc(size_t priv_size)
{
	struct dmaadd_fence *f;

	/* Not zeroed: dmaadd_fence_init() sets every field that is read. */
	f = kmalloc(struct_size(f, priv, DIV_ROUND_UP(priv_size, sizeof(u64))),
		    GFP_KERNEL);
	return f ? &f->base : NULL;
}

/**
 * dmaadd_fence_priv() - the private data allocated with a fence
 * @fence: a fence from dmaadd_fence_alloc()
 *
 * Return: @priv_size bytes that live as long as the fence.
 */
void *dmaadd_fence_priv(struct dma_fence *fence)
{
	return container_of(fence, struct dmaadd_fence, base)->priv;
}

/**
 * dmaadd_fence_init() - make a fence from dmaadd_fence_alloc() live
 * @fence: the fence
 * @timeline: name of its timeline (copied)
 * @context: fence context
 * @seqno: sequence number in @context
 *
 * From here on the fence keeps the module loaded until its last
 * dma_fence_put() (see the top of this file).
 */
void dmaadd_fence_init(struct dma_fence *fence, const char *timeline,
		       u64 context, u64 seqno)
{
	struct dmaadd_fence *f = container_of(fence, struct dmaadd_fence, base);

	/*
	 * The caller's open file holds the module. Racing with the release
	 * of the last other fence is fine: each zero queues one put, each
	 * one takes one reference.
	 */
	if (atomic_inc_return(&dmaadd_fences_live) == 1)
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

/*
 * Module exit: every fence is gone (they held the module), but the work
 * item that dropped the last reference may still be returning.
 */
void dmaadd_fence_exit(void)
{
	flush_work(&dmaadd_fence_put_work);
}
