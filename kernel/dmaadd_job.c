// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd jobs.
 *
 * SUBMIT (one job or a batch) runs in phases, so that a batch either is
 * queued whole or not at all:
 *
 *  1. check every scalar, look up every handle and in-fence, and allocate
 *     what each job needs (fence, fd) - nothing is locked yet;
 *  2. reserve job slots (the per-file limit on jobs in flight);
 *  3. lock the reservation objects of all the buffers (ww mutexes);
 *  4. collect each job's dependencies, reserve room for its fences and make
 *     its sync_file - the last step that can fail;
 *  5. commit: publish the fences in the reservation objects, write the
 *     descriptors (device addresses only) and queue the jobs.
 *
 * A queued job is rung into the device in job id order once its
 * dependencies have signalled: right away from SUBMIT when nothing holds
 * it, otherwise from the file's ring work, which a dependency's fence
 * callback schedules. A job holds a reference on its file and on each
 * buffer until the engine reports it complete; its fence signals then, and
 * the references go to the free work (drm_sched's free_job pattern):
 * dropping them may free a buffer, which takes an exporter's reservation
 * lock, mmap_lock or page locks, and frees DMA memory - none of which the
 * path that signals fences may do.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-direction.h>
#include <linux/dma-fence-array.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/dma-resv.h>
#include <linux/dmapool.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_device.h"
#include "dmaadd_drv.h"
#include "dmaadd_engine.h"
#include "dmaadd_fence.h"
#include "dmaadd_file.h"
#include "dmaadd_job.h"

#define CREATE_TRACE_POINTS
#include "dmaadd_trace.h"

#define DMAADD_ELEM_SIZE	4
#define DMAADD_HISTORY_SHIFT	8
#define DMAADD_SUBMIT_FLAGS	(DMAADD_SUBMIT_IN_FENCE | DMAADD_SUBMIT_OUT_FENCE)

/*
 * What a completed job still holds, until the free work drops it. It lives
 * in the job's fence allocation (dmaadd_fence_priv()), so completion needs
 * no memory of its own, and the fence reference it holds keeps it alive.
 */
struct dmaadd_job_refs {
	struct llist_node node;		/* on dmaadd_job_free_list */
	struct dmaadd_file *file;
	struct dma_fence *fence;
	struct dma_fence *dep;
	struct dmaadd_buf *bufs[DMAADD_HW_NR_OPS];
};

/* One job of a SUBMIT while it is being prepared. */
struct dmaadd_job_req {
	struct dmaadd_submit *args;
	u64 len;
	struct dmaadd_buf *bufs[DMAADD_HW_NR_OPS];
	bool read_only[DMAADD_HW_NR_OPS];
	/* The distinct reservation objects of @bufs; @writes: c's is one. */
	struct dma_resv *resv[DMAADD_HW_NR_OPS];
	bool writes[DMAADD_HW_NR_OPS];
	unsigned int nr_resv;
	struct dma_fence *in_fence;
	struct dma_fence *fence;	/* allocated in phase 1, live from 4 */
	bool fence_live;
	struct dma_fence *dep;
	struct sync_file *sync_file;
	int out_fd;
	struct dma_fence **fence_ret;	/* gets a reference on the job's fence */
};

/*
 * The distinct reservation objects of a SUBMIT's buffers; a single job's
 * fit in the inline arrays, so a plain SUBMIT allocates nothing for them.
 */
struct dmaadd_resv_set {
	struct dma_resv **resv;
	unsigned int *adds;		/* fences each will get */
	unsigned int nr;
	struct ww_acquire_ctx ctx;
	struct dma_resv *resv_one[DMAADD_HW_NR_OPS];
	unsigned int adds_one[DMAADD_HW_NR_OPS];
};

static bool dmaadd_job_done(struct dmaadd_file *df, u64 id)
{
	/* Pairs with dmaadd_job_complete(): the history entry is visible. */
	return smp_load_acquire(&df->completed_id) >= id;
}

/*
 * Completions wake the file's waiters only once the job the earliest of
 * them waits for is done, not at every job: a batch of 64 would otherwise
 * wake a WAIT for its last job 64 times. A waiter lowers @wake_at to its
 * job id before it checks (and again each time it is woken, as a wake-up
 * resets it); the completion publishes completed_id before it reads
 * @wake_at. With a full barrier on both sides, either the waiter sees its
 * job done or the completion sees the waiter's id.
 */
static bool dmaadd_job_done_or_wake_at(struct dmaadd_file *df, u64 id)
{
	s64 cur = atomic64_read(&df->wake_at);

	while ((u64)cur > id &&
	       !atomic64_try_cmpxchg(&df->wake_at, &cur, (s64)id))
		;
	smp_mb();	/* pairs with dmaadd_job_wake() */
	return dmaadd_job_done(df, id);
}

static void dmaadd_job_wake(struct dmaadd_file *df, u64 id)
{
	smp_mb();	/* completed_id before wake_at; pairs with the above */
	if (id < (u64)atomic64_read(&df->wake_at))
		return;
	/* Who is still waiting after this lowers it again. */
	atomic64_set(&df->wake_at, DMAADD_WAKE_NONE);
	wake_up_all(&df->wq);
}

/*
 * Room for @count more jobs: the slot of the last of them is free, which
 * it is once the job DMAADD_MAX_JOBS before it completed. A @waiter asks
 * to be woken for it.
 */
static bool dmaadd_job_room(struct dmaadd_file *df, unsigned int count,
			    bool waiter)
{
	u64 last = READ_ONCE(df->next_id) + count - 1;

	if (last <= DMAADD_MAX_JOBS)
		return true;
	last -= DMAADD_MAX_JOBS;
	return waiter ? dmaadd_job_done_or_wake_at(df, last) :
			dmaadd_job_done(df, last);
}

/* Take the submit lock with free slots for the next @count ids. */
static int dmaadd_job_reserve(struct dmaadd_file *df, unsigned int count,
			      bool nonblock)
{
	int ret;

	for (;;) {
		/* Nothing is started yet: a handler returns to a restart. */
		if (mutex_lock_interruptible(&df->submit_lock))
			return -ERESTARTSYS;
		if (dmaadd_job_room(df, count, false))
			return 0;
		mutex_unlock(&df->submit_lock);
		if (nonblock)
			return -EAGAIN;
		/*
		 * Removal waits for this (the caller's dmaadd_dev_enter()),
		 * so it must not wait for slots removal has yet to free.
		 */
		ret = wait_event_interruptible(df->wq,
					       dmaadd_job_room(df, count, true) ||
					       READ_ONCE(df->ddev->unplugged));
		if (ret)
			return ret;
		if (READ_ONCE(df->ddev->unplugged))
			return -ENODEV;
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

	if (args->flags & ~DMAADD_SUBMIT_FLAGS || args->__reserved)
		return -EINVAL;
	/* The first struct has no fence fds to read or to write back. */
	if (args->flags &&
	    args->size < offsetofend(struct dmaadd_submit, out_fence_fd))
		return -EINVAL;
	if (args->op != DMAADD_OP_ADD_I32 || !args->count)
		return -EINVAL;
	if (!(args->flags & DMAADD_SUBMIT_IN_FENCE) && args->in_fence_fd)
		return -EINVAL;
	if (args->out_fence_fd)
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

static u32 dmaadd_job_handle(const struct dmaadd_submit *args, int op)
{
	switch (op) {
	case DMAADD_HW_OP_A:
		return args->a.handle;
	case DMAADD_HW_OP_B:
		return args->b.handle;
	}
	return args->c.handle;
}

/*
 * Look up operand @op's handle. Batches tend to use the same few buffers
 * over and over: a handle this job's earlier operands or the previous job
 * (@prev) already resolved is taken from there, with a reference of its
 * own, without the handle table's lock. Their references keep the buffer
 * alive; a BUF_FREE racing with the SUBMIT is then simply ordered after it.
 */
static struct dmaadd_buf *dmaadd_job_lookup(struct dmaadd_file *df,
					    struct dmaadd_job_req *req,
					    const struct dmaadd_job_req *prev,
					    int op)
{
	u32 handle = dmaadd_job_handle(req->args, op);
	const struct dmaadd_job_req *from;
	int i;

	for (from = req; from; from = from == req ? prev : NULL) {
		for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
			if (from == req && i == op)
				break;
			if (!from->bufs[i] ||
			    dmaadd_job_handle(from->args, i) != handle)
				continue;
			req->read_only[op] = from->read_only[i];
			dmaadd_buf_get(from->bufs[i]);
			return from->bufs[i];
		}
	}
	return dmaadd_file_get_buf(df, handle, &req->read_only[op]);
}

/*
 * Phase 1 for one job: checks, lookups and allocations. @prev is the
 * previous job of the batch, prepared, or NULL.
 */
static int dmaadd_job_prepare(struct dmaadd_file *df, struct dmaadd_job_req *req,
			      const struct dmaadd_job_req *prev)
{
	struct dmaadd_submit *args = req->args;
	const struct dmaadd_operand *ops[DMAADD_HW_NR_OPS] = {
		[DMAADD_HW_OP_A] = &args->a,
		[DMAADD_HW_OP_B] = &args->b,
		[DMAADD_HW_OP_C] = &args->c,
	};
	int i, ret;

	req->out_fd = -1;
	ret = dmaadd_job_check_args(args, &req->len);
	if (ret)
		return ret;

	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		/* The copying path brings its own buffers, not handles. */
		if (!req->bufs[i])
			req->bufs[i] = dmaadd_job_lookup(df, req, prev, i);
		if (!req->bufs[i])
			return -ENOENT;
		if (ops[i]->offset + req->len > req->bufs[i]->size)
			return -ERANGE;
	}
	if (req->read_only[DMAADD_HW_OP_C])
		return -EACCES;

	/* In place is fine, element by element; a shifted overlap is not. */
	for (i = DMAADD_HW_OP_A; i <= DMAADD_HW_OP_B; i++) {
		if (req->bufs[i] == req->bufs[DMAADD_HW_OP_C] &&
		    ops[i]->offset != args->c.offset &&
		    dmaadd_ranges_overlap(ops[i]->offset, args->c.offset,
					  req->len))
			return -EINVAL;
	}

	/* A buffer used twice gets one fence, as a writer if it is c's. */
	for (i = DMAADD_HW_NR_OPS - 1; i >= 0; i--) {
		struct dma_resv *resv = req->bufs[i]->resv;
		unsigned int k;

		for (k = 0; k < req->nr_resv; k++)
			if (req->resv[k] == resv)
				break;
		if (k == req->nr_resv) {
			req->resv[k] = resv;
			req->writes[k] = i == DMAADD_HW_OP_C;
			req->nr_resv++;
		}
	}

	if (args->flags & DMAADD_SUBMIT_IN_FENCE) {
		req->in_fence = sync_file_get_fence(args->in_fence_fd);
		if (!req->in_fence)
			return -EINVAL;
	}

	req->fence = dmaadd_fence_alloc(sizeof(struct dmaadd_job_refs));
	if (!req->fence)
		return -ENOMEM;

	if (args->flags & DMAADD_SUBMIT_OUT_FENCE) {
		req->out_fd = get_unused_fd_flags(O_CLOEXEC);
		if (req->out_fd < 0)
			return req->out_fd;
	}
	return 0;
}

/* Drop what a request still holds: everything, if its job was not queued. */
static void dmaadd_job_req_fini(struct dmaadd_job_req *req)
{
	int i;

	if (req->sync_file)
		fput(req->sync_file->file);
	if (req->out_fd >= 0)
		put_unused_fd(req->out_fd);
	dma_fence_put(req->dep);
	if (req->fence_live) {
		/* Nobody waits for it, but a fence always signals. */
		dma_fence_set_error(req->fence, -ECANCELED);
		dma_fence_signal(req->fence);
		dma_fence_put(req->fence);
	} else if (req->fence) {
		dmaadd_fence_free_unused(req->fence);
	}
	dma_fence_put(req->in_fence);
	for (i = 0; i < DMAADD_HW_NR_OPS; i++)
		if (req->bufs[i])
			dmaadd_buf_put(req->bufs[i]);
}

static int dmaadd_resv_set_init(struct dmaadd_resv_set *set,
				struct dmaadd_job_req *reqs, unsigned int count)
{
	unsigned int i, j, k, max = count * DMAADD_HW_NR_OPS;

	if (count == 1) {
		set->resv = set->resv_one;
		set->adds = set->adds_one;
		memset(set->adds_one, 0, sizeof(set->adds_one));
	} else {
		set->resv = kmalloc_array(max, sizeof(*set->resv), GFP_KERNEL);
		set->adds = kcalloc(max, sizeof(*set->adds), GFP_KERNEL);
		if (!set->resv || !set->adds) {
			kfree(set->resv);
			kfree(set->adds);
			return -ENOMEM;
		}
	}
	set->nr = 0;
	for (i = 0; i < count; i++) {
		for (j = 0; j < reqs[i].nr_resv; j++) {
			struct dma_resv *resv = reqs[i].resv[j];

			for (k = 0; k < set->nr; k++)
				if (set->resv[k] == resv)
					break;
			if (k == set->nr)
				set->resv[set->nr++] = resv;
			set->adds[k]++;
		}
	}
	return 0;
}

static void dmaadd_resv_set_fini(struct dmaadd_resv_set *set)
{
	if (set->resv == set->resv_one)
		return;
	kfree(set->resv);
	kfree(set->adds);
}

static void dmaadd_resv_set_unlock(struct dmaadd_resv_set *set)
{
	unsigned int i;

	for (i = 0; i < set->nr; i++)
		dma_resv_unlock(set->resv[i]);
	ww_acquire_fini(&set->ctx);
}

/* Lock every reservation object of the set, backing off on -EDEADLK. */
static int dmaadd_resv_set_lock(struct dmaadd_resv_set *set)
{
	int contended = -1;
	unsigned int i, j;
	int ret;

	ww_acquire_init(&set->ctx, &reservation_ww_class);
retry:
	if (contended != -1) {
		ret = dma_resv_lock_slow_interruptible(set->resv[contended],
						       &set->ctx);
		if (ret)
			goto err_fini;
	}
	for (i = 0; i < set->nr; i++) {
		if (i == contended)
			continue;
		ret = dma_resv_lock_interruptible(set->resv[i], &set->ctx);
		if (ret) {
			for (j = 0; j < i; j++)
				if (j != contended)
					dma_resv_unlock(set->resv[j]);
			/* Locked first, whether before or after @i. */
			if (contended != -1)
				dma_resv_unlock(set->resv[contended]);
			if (ret == -EDEADLK) {
				contended = i;
				goto retry;
			}
			goto err_fini;
		}
	}
	ww_acquire_done(&set->ctx);

	for (i = 0; i < set->nr; i++) {
		ret = dma_resv_reserve_fences(set->resv[i], set->adds[i]);
		if (ret) {
			dmaadd_resv_set_unlock(set);
			return ret;
		}
	}
	return 0;

err_fini:
	ww_acquire_fini(&set->ctx);
	/* Interrupted before anything was started: restartable. */
	return ret == -EINTR ? -ERESTARTSYS : ret;
}

/* A growing list of the fences a job must wait for. */
struct dmaadd_deps {
	struct dma_fence **fences;
	unsigned int nr;
	unsigned int cap;
};

/* @own_context: the file's, whose fences need no waiting; 0 for none. */
static int dmaadd_deps_add(struct dmaadd_deps *deps, struct dma_fence *fence,
			   u64 own_context)
{
	struct dma_fence **fences;
	unsigned int i;

	/* Earlier jobs of the same file complete first anyway. */
	if (fence->context == own_context || dma_fence_is_signaled(fence))
		return 0;
	for (i = 0; i < deps->nr; i++) {
		if (deps->fences[i]->context != fence->context)
			continue;
		if (dma_fence_is_later(fence, deps->fences[i])) {
			dma_fence_put(deps->fences[i]);
			deps->fences[i] = dma_fence_get(fence);
		}
		return 0;
	}
	if (deps->nr == deps->cap) {
		unsigned int cap = deps->cap ? deps->cap * 2 : 4;

		fences = krealloc_array(deps->fences, cap, sizeof(*fences),
					GFP_KERNEL);
		if (!fences)
			return -ENOMEM;
		deps->fences = fences;
		deps->cap = cap;
	}
	deps->fences[deps->nr++] = dma_fence_get(fence);
	return 0;
}

/*
 * Whether the job's inputs are copied to the device when it is rung
 * (swiotlb bounce slots): see dmaadd_job_collect_deps().
 */
static bool dmaadd_job_req_bounces(const struct dmaadd_job_req *req)
{
	return req->bufs[DMAADD_HW_OP_A]->bounces ||
	       req->bufs[DMAADD_HW_OP_B]->bounces;
}

/*
 * Phase 4 for one job: everything it must wait for as one fence. The
 * reservation objects are locked; fences of this same SUBMIT are not in
 * them yet, and would be skipped (same context) anyway: the device runs a
 * file's jobs in order.
 *
 * Except when its inputs are bounced. Ringing the job copies them from
 * the pages into the bounce slots, and an earlier job that writes them
 * may have run already and not yet been synced back: the copy would put
 * stale data over its output. Such a job waits for @prev, the file's
 * previous job, to complete, which is when its output is synced back.
 */
static int dmaadd_job_collect_deps(struct dmaadd_file *df,
				   struct dmaadd_job_req *req,
				   struct dma_fence *prev)
{
	struct dmaadd_deps deps = {};
	struct dma_fence_array *array;
	struct dma_resv_iter cursor;
	struct dma_fence_unwrap iter;
	struct dma_fence *fence;
	int i, ret = 0;

	for (i = 0; i < req->nr_resv; i++)
		dma_resv_assert_held(req->resv[i]);
	if (prev && dmaadd_job_req_bounces(req)) {
		ret = dmaadd_deps_add(&deps, prev, 0);
		if (ret)
			goto err_put;
	}
	if (req->in_fence) {
		dma_fence_unwrap_for_each(fence, &iter, req->in_fence) {
			ret = dmaadd_deps_add(&deps, fence, df->fence_context);
			if (ret)
				goto err_put;
		}
	}
	for (i = 0; i < req->nr_resv; i++) {
		enum dma_resv_usage usage = dma_resv_usage_rw(req->writes[i]);

		dma_resv_for_each_fence(&cursor, req->resv[i], usage, fence) {
			ret = dmaadd_deps_add(&deps, fence, df->fence_context);
			if (ret)
				goto err_put;
		}
	}

	if (deps.nr <= 1) {
		req->dep = deps.nr ? deps.fences[0] : NULL;
		kfree(deps.fences);
		return 0;
	}
	array = dma_fence_array_create(deps.nr, deps.fences, df->dep_context,
				       1, false);
	if (!array) {
		ret = -ENOMEM;
		goto err_put;
	}
	req->dep = &array->base;
	return 0;

err_put:
	while (deps.nr--)
		dma_fence_put(deps.fences[deps.nr]);
	kfree(deps.fences);
	return ret;
}

/* Make the job's ranges visible to the device (swiotlb: copy them). */
static void dmaadd_job_sync_for_device(struct dmaadd_job *job)
{
	int i;

	for (i = 0; i < DMAADD_HW_NR_OPS; i++)
		dmaadd_buf_sync(job->bufs[i], job->offset[i], job->len,
				dmaadd_job_dir(i), true);
}

/*
 * Ring the file's staged jobs that may start, in id order, up to
 * DMAADD_DEVICE_RING_MAX per doorbell, or cancel them when the device is
 * not @alive (outside dmaadd_dev_enter()). Never sleeps.
 *
 * Return: false if a job is ready but the device ring is full.
 */
static bool dmaadd_job_ring_ready(struct dmaadd_file *df, bool alive)
{
	struct dmaadd_job *jobs[DMAADD_DEVICE_RING_MAX];
	unsigned int n, rung;

	lockdep_assert_held(&df->ring_lock);

	do {
		u64 id = df->rung_id + 1;

		for (n = 0; n < ARRAY_SIZE(jobs); n++) {
			struct dmaadd_job *job =
				&df->jobs[(id + n) % DMAADD_MAX_JOBS];

			/* Pairs with dmaadd_job_commit(): the job is whole. */
			if (smp_load_acquire(&job->id) != id + n ||
			    !READ_ONCE(job->ready))
				break;
			if (alive)
				dmaadd_job_sync_for_device(job);
			jobs[n] = job;
		}
		if (!n)
			return true;
		if (alive) {
			/* Descriptors and data in memory before the doorbell. */
			dma_wmb();
			rung = dmaadd_device_queue(df->ddev, jobs, n);
		} else {
			/* The device is being removed: cancelled, in order. */
			dmaadd_device_park(df->ddev, jobs, n);
			rung = n;
		}
		df->rung_id += rung;
		if (rung < n)
			return false;
	} while (n == ARRAY_SIZE(jobs));
	return true;
}

static void dmaadd_job_kick_ring_work(struct dmaadd_file *df)
{
	/* Whoever calls this holds the file (a job or an ioctl). */
	dmaadd_file_get(df);
	if (!queue_work(dmaadd_ring_wq, &df->ring_work))
		dmaadd_file_put(df);
}

/*
 * Rings staged jobs once their dependencies signalled, and jobs the device
 * ring had no room for. Their fences wait for this, so it runs as part of
 * the fence signalling (and on a WQ_MEM_RECLAIM workqueue): it allocates
 * nothing, and it waits for ring space without holding any lock.
 */
void dmaadd_job_ring_work(struct work_struct *work)
{
	struct dmaadd_file *df = container_of(work, struct dmaadd_file,
					      ring_work);
	struct dmaadd_device *ddev = df->ddev;
	bool cookie = dma_fence_begin_signalling();
	bool done;

	for (;;) {
		int idx;

		mutex_lock(&df->ring_lock);
		if (dmaadd_dev_enter(ddev, &idx)) {
			done = dmaadd_job_ring_ready(df, true);
			dmaadd_dev_exit(idx);
		} else {
			done = dmaadd_job_ring_ready(df, false);
		}
		mutex_unlock(&df->ring_lock);
		if (done)
			break;
		/* A device being removed stops its engine: no room ever. */
		wait_event(ddev->queue_wq,
			   !dmaadd_engine_ring_full(ddev->engine) ||
			   READ_ONCE(ddev->dead));
	}
	dma_fence_end_signalling(cookie);
	dmaadd_file_put(df);
}

/**
 * dmaadd_job_cancel_staged() - stop staged jobs from waiting for their deps
 * @df: file of a device that is being removed; the caller holds
 *	ddev->files_lock, which keeps @df from being freed
 *
 * Every staged job becomes ready, and the ring work, outside
 * dmaadd_dev_enter(), cancels them in id order: their fences signal now,
 * even if what they waited for never does.
 */
void dmaadd_job_cancel_staged(struct dmaadd_file *df)
{
	bool staged = false;
	int i;

	/* The file may be on its way out: see the kick below. */
	lockdep_assert_held(&df->ddev->files_lock);

	mutex_lock(&df->ring_lock);
	for (i = 0; i < DMAADD_MAX_JOBS; i++) {
		struct dmaadd_job *job = &df->jobs[i];

		/* Pairs with dmaadd_job_commit(): the job is whole. */
		if (smp_load_acquire(&job->id) <= df->rung_id)
			continue;
		staged = true;
		/* False: the callback ran, or runs, and makes it ready. */
		if (!READ_ONCE(job->ready) &&
		    dma_fence_remove_callback(job->dep, &job->dep_cb))
			WRITE_ONCE(job->ready, true);
	}
	/*
	 * Staged jobs hold the file, and cannot be rung or cancelled while
	 * ring_lock is held: the file reference the kick takes is not a
	 * first one. Without staged jobs there is nothing to kick.
	 */
	if (staged)
		dmaadd_job_kick_ring_work(df);
	mutex_unlock(&df->ring_lock);
	/* SUBMITs waiting for job slots: see dmaadd_job_reserve(). */
	wake_up_all(&df->wq);
}

/* A dependency signalled: any context, under the fence's lock. */
static void dmaadd_job_dep_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dmaadd_job *job = container_of(cb, struct dmaadd_job, dep_cb);
	struct dmaadd_file *df = job->file;

	WRITE_ONCE(job->ready, true);
	dmaadd_job_kick_ring_work(df);
}

/* Phase 5 for one job: nothing can fail any more. */
static void dmaadd_job_commit(struct dmaadd_file *df, struct dmaadd_job_req *req,
			      u64 id, u64 now_ns)
{
	struct dmaadd_submit *args = req->args;
	const struct dmaadd_operand *ops[DMAADD_HW_NR_OPS] = {
		[DMAADD_HW_OP_A] = &args->a,
		[DMAADD_HW_OP_B] = &args->b,
		[DMAADD_HW_OP_C] = &args->c,
	};
	struct dmaadd_job *job = &df->jobs[id % DMAADD_MAX_JOBS];
	struct dmaadd_hw_desc *desc = job->desc;
	bool staged;
	int i;

	lockdep_assert_held(&df->submit_lock);

	for (i = 0; i < req->nr_resv; i++)
		dma_resv_add_fence(req->resv[i], req->fence,
				   req->writes[i] ? DMA_RESV_USAGE_WRITE :
						    DMA_RESV_USAGE_READ);

	desc->opcode = cpu_to_le32(DMAADD_HW_OP_ADD_I32);
	desc->status = cpu_to_le32(DMAADD_HW_STATUS_PENDING);
	desc->count = cpu_to_le64(args->count);
	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		desc->op[i].segs = cpu_to_le64(req->bufs[i]->segs_dma);
		desc->op[i].nsegs = cpu_to_le32(req->bufs[i]->nsegs);
		desc->op[i].rsvd = 0;
		desc->op[i].offset = cpu_to_le64(ops[i]->offset);
		job->bufs[i] = req->bufs[i];
		job->offset[i] = ops[i]->offset;
		req->bufs[i] = NULL;
	}
	job->len = req->len;
	job->submit_ns = now_ns;
	job->file = df;
	dmaadd_file_get(df);
	if (req->fence_ret)
		*req->fence_ret = dma_fence_get(req->fence);
	job->fence = req->fence;
	dma_fence_put(df->last_fence);
	df->last_fence = dma_fence_get(job->fence);
	req->fence = NULL;
	req->fence_live = false;
	job->dep = req->dep;
	req->dep = NULL;
	/*
	 * Not ready before the callback is armed: it may run on another CPU
	 * as soon as it is, and its "ready" must not be overwritten. The
	 * fence's lock orders this store before the callback's.
	 */
	WRITE_ONCE(job->ready, false);
	staged = job->dep && !dma_fence_add_callback(job->dep, &job->dep_cb,
						     dmaadd_job_dep_cb);
	if (!staged)
		WRITE_ONCE(job->ready, true);
	/* Last: the ring work may look at the slot now (ring_lock not held). */
	smp_store_release(&job->id, id);
	trace_dmaadd_job_submit(job, staged);

	/* The fd number was written out already: now it gets its file. */
	if (req->sync_file) {
		fd_install(req->out_fd, req->sync_file->file);
		args->out_fence_fd = req->out_fd;
		req->sync_file = NULL;
		req->out_fd = -1;
	}
	args->job_id = id;
}

/*
 * Write the results where userspace reads them: each job's id, and its
 * out-fence fd where its struct has room for one. This runs before
 * anything is committed, so a failing SUBMIT has started nothing, and with
 * the reservation locks held: page faults are disabled, since a fault takes
 * mmap_lock, which dma_buf_mmap() holds when it takes a reservation lock.
 * -EFAULT sends the caller to fault the pages in and try again.
 */
static int dmaadd_job_write_results(const struct dmaadd_submit_user *out,
				    const struct dmaadd_job_req *reqs,
				    unsigned int count, u64 id)
{
	size_t len = (size_t)(count - 1) * out->stride +
		     sizeof(struct dmaadd_submit);
	unsigned int i;
	int ret = 0;

	pagefault_disable();
	if (!user_write_access_begin(out->jobs, len)) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < count; i++) {
		struct dmaadd_submit __user *elem =
			out->jobs + (size_t)i * out->stride;

		unsafe_put_user(id + i, &elem->job_id, err_fault);
		if (reqs[i].args->size >= offsetofend(struct dmaadd_submit,
						      out_fence_fd))
			unsafe_put_user(reqs[i].out_fd >= 0 ? reqs[i].out_fd : 0,
					&elem->out_fence_fd, err_fault);
	}
	user_write_access_end();
	if (out->first_job_id && put_user(id, out->first_job_id))
		ret = -EFAULT;
out:
	pagefault_enable();
	return ret;

err_fault:
	user_write_access_end();
	pagefault_enable();
	return -EFAULT;
}

/* Make what dmaadd_job_write_results() writes present and writable. */
static int dmaadd_job_fault_in(const struct dmaadd_submit_user *out,
			       const struct dmaadd_submit *args,
			       unsigned int count)
{
	size_t start = offsetof(struct dmaadd_submit, job_id);
	unsigned int i;

	for (i = 0; i < count; i++) {
		size_t end = args[i].size >= offsetofend(struct dmaadd_submit,
							 out_fence_fd) ?
			     offsetofend(struct dmaadd_submit, out_fence_fd) :
			     offsetofend(struct dmaadd_submit, job_id);
		char __user *elem = out->jobs + (size_t)i * out->stride;

		if (fault_in_writeable(elem + start, end - start))
			return -EFAULT;
	}
	if (out->first_job_id &&
	    fault_in_writeable((char __user *)out->first_job_id, sizeof(u64)))
		return -EFAULT;
	return 0;
}

/*
 * Run the phases over @count requests whose @args are set. -EFAULT only
 * ever means that writing the results to @out faulted (nothing started).
 */
static int dmaadd_job_submit_reqs(struct dmaadd_file *df,
				  struct dmaadd_job_req *reqs,
				  unsigned int count, bool nonblock,
				  u32 *error_index,
				  const struct dmaadd_submit_user *out)
{
	struct dmaadd_resv_set set;
	unsigned int i;
	u64 id, now_ns;
	bool cookie;
	int ret;

	*error_index = count;
	for (i = 0; i < count; i++) {
		ret = dmaadd_job_prepare(df, &reqs[i], i ? &reqs[i - 1] : NULL);
		if (ret) {
			*error_index = i;
			count = i + 1;	/* what there is to undo */
			goto err_fini_reqs;
		}
	}

	ret = dmaadd_resv_set_init(&set, reqs, count);
	if (ret)
		goto err_fini_reqs;
	ret = dmaadd_job_reserve(df, count, nonblock);
	if (ret)
		goto err_fini_set;
	ret = dmaadd_resv_set_lock(&set);
	if (ret)
		goto err_unlock_submit;

	id = df->next_id;
	for (i = 0; i < count; i++) {
		struct dmaadd_job *job = &df->jobs[(id + i) % DMAADD_MAX_JOBS];

		if (!job->desc) {
			job->desc = dma_pool_alloc(df->ddev->desc_pool,
						   GFP_KERNEL, &job->desc_dma);
			if (!job->desc) {
				ret = -ENOMEM;
				goto err_unlock_resv;
			}
		}
		ret = dmaadd_job_collect_deps(df, &reqs[i],
					      i ? reqs[i - 1].fence :
						  df->last_fence);
		if (ret) {
			*error_index = i;
			goto err_unlock_resv;
		}
		dmaadd_fence_init(reqs[i].fence, df->ddev->name,
				  df->fence_context, id + i);
		reqs[i].fence_live = true;
		if (reqs[i].out_fd >= 0) {
			reqs[i].sync_file = sync_file_create(reqs[i].fence);
			if (!reqs[i].sync_file) {
				ret = -ENOMEM;
				*error_index = i;
				goto err_unlock_resv;
			}
		}
	}

	if (out) {
		ret = dmaadd_job_write_results(out, reqs, count, id);
		if (ret)
			goto err_unlock_resv;
	}

	/* One clock read for the lot: they are submitted together. */
	now_ns = ktime_get_ns();
	for (i = 0; i < count; i++)
		dmaadd_job_commit(df, &reqs[i], id + i, now_ns);
	/*
	 * The fences are published: unlock before ringing, so that no lock
	 * the fence signalling path takes (ring_lock, see the ring work) is
	 * ever taken under a reservation lock.
	 */
	dmaadd_resv_set_unlock(&set);
	/*
	 * Ringing is what the fences now wait for, as in the ring work: a
	 * signalling section around ring_lock, so that lockdep sees one
	 * order (section, then ring_lock, then queue_lock) on every path.
	 */
	cookie = dma_fence_begin_signalling();
	mutex_lock(&df->ring_lock);
	/* Inside the caller's dmaadd_dev_enter(). */
	if (!dmaadd_job_ring_ready(df, true))
		dmaadd_job_kick_ring_work(df);
	mutex_unlock(&df->ring_lock);
	dma_fence_end_signalling(cookie);

	WRITE_ONCE(df->next_id, id + count);
	mutex_unlock(&df->submit_lock);
	dmaadd_resv_set_fini(&set);
	/* The jobs own what they need; the in-fences are only their deps. */
	for (i = 0; i < count; i++)
		dmaadd_job_req_fini(&reqs[i]);
	return 0;

err_unlock_resv:
	dmaadd_resv_set_unlock(&set);
err_unlock_submit:
	mutex_unlock(&df->submit_lock);
err_fini_set:
	dmaadd_resv_set_fini(&set);
err_fini_reqs:
	for (i = 0; i < count; i++)
		dmaadd_job_req_fini(&reqs[i]);
	return ret;
}

/**
 * dmaadd_job_submit() - queue @count jobs, all or none
 * @df: open file
 * @args: the jobs' arguments; job_id and out_fence_fd are set on success
 * @count: number of jobs, 1 .. DMAADD_MAX_JOBS
 * @nonblock: fail with -EAGAIN instead of waiting for job slots
 * @error_index: out, on failure the failing job's index, or @count
 * @out: where the job ids and out-fence fds go in user memory
 *
 * The results are written before any job is committed: on failure nothing
 * was started, no id was used and no fd was installed.
 *
 * Return: 0 or a negative errno (see uapi/linux/dmaadd.h).
 */
int dmaadd_job_submit(struct dmaadd_file *df, struct dmaadd_submit *args,
		      unsigned int count, bool nonblock, u32 *error_index,
		      const struct dmaadd_submit_user *out)
{
	struct dmaadd_job_req one = {}, *reqs = &one;
	unsigned int i;
	int ret;

	if (count > 1) {
		reqs = kvmalloc_array(count, sizeof(*reqs), GFP_KERNEL);
		if (!reqs) {
			*error_index = count;
			return -ENOMEM;
		}
	}
	for (;;) {
		for (i = 0; i < count; i++)
			reqs[i] = (struct dmaadd_job_req){ .args = &args[i] };
		ret = dmaadd_job_submit_reqs(df, reqs, count, nonblock,
					     error_index, out);
		if (ret != -EFAULT)
			break;
		/*
		 * The results' pages were not there to write with page
		 * faults disabled: fault them in, without any lock, and
		 * start again (the i915 execbuf slow path does the same).
		 */
		*error_index = count;
		ret = dmaadd_job_fault_in(out, args, count);
		if (ret)
			break;
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (reqs != &one)
		kvfree(reqs);
	return ret;
}

/**
 * dmaadd_job_submit_bufs() - queue one job on buffers outside the handles
 * @df: open file
 * @args: the job's arguments; the operands' handles are not looked up
 * @bufs: the operands' buffers, a, b, c; the job takes its own references
 * @nonblock: fail with -EAGAIN instead of waiting for a job slot
 * @fence: out, on success a reference on the job's fence
 *
 * For the copying path's temporary buffers, which have no handle.
 *
 * Return: 0 or a negative errno, as dmaadd_job_submit().
 */
int dmaadd_job_submit_bufs(struct dmaadd_file *df, struct dmaadd_submit *args,
			   struct dmaadd_buf *const bufs[DMAADD_HW_NR_OPS],
			   bool nonblock, struct dma_fence **fence)
{
	struct dmaadd_job_req req = { .args = args, .fence_ret = fence };
	u32 error_index;
	int i;

	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		dmaadd_buf_get(bufs[i]);
		req.bufs[i] = bufs[i];
	}
	return dmaadd_job_submit_reqs(df, &req, 1, nonblock, &error_index,
				      NULL);
}

static LLIST_HEAD(dmaadd_job_free_list);
/* Orders the releases, and lets WAIT know that its job's are done. */
static DEFINE_MUTEX(dmaadd_job_free_lock);
/*
 * WAITs whose job has not let go yet (dmaadd_job_wait_released()). One
 * queue for all files: a WAIT sleeps here only in the moment between its
 * job's fence signalling and the completion handing the job's references
 * over, so wake-ups that are not for it are rare and only cost a recheck.
 */
static DECLARE_WAIT_QUEUE_HEAD(dmaadd_job_release_wq);

static void dmaadd_job_release(struct dmaadd_job_refs *refs)
{
	struct dmaadd_file *df = refs->file;
	u64 id = refs->fence->seqno;
	int i;

	dma_fence_put(refs->dep);
	for (i = 0; i < DMAADD_HW_NR_OPS; i++)
		dmaadd_buf_put(refs->bufs[i]);
	/* The file is still held: tell WAIT that the job let go. */
	smp_store_release(&df->released_id, id);
	if (wq_has_sleeper(&dmaadd_job_release_wq))
		wake_up_all(&dmaadd_job_release_wq);
	dmaadd_file_put(df);
	/* Last: @refs lives in the fence. */
	dma_fence_put(refs->fence);
}

/*
 * Drop what completed jobs held: drm_sched's free_job, away from the path
 * that signals fences. Any of these puts may be the last one, and free a
 * buffer (unmapping a dma-buf attachment under its exporter's reservation
 * lock, unpinning user pages, freeing DMA memory), a file or a device.
 * Run by the free work, and by WAIT, which so never returns before the
 * job it waited for has let go of its buffers.
 */
static void dmaadd_job_free_drain(void)
{
	struct dmaadd_job_refs *refs, *next;
	struct llist_node *list;

	mutex_lock(&dmaadd_job_free_lock);
	/* Oldest first: each file's released_id only moves forward. */
	list = llist_reverse_order(llist_del_all(&dmaadd_job_free_list));
	llist_for_each_entry_safe(refs, next, list, node) {
		dmaadd_job_release(refs);
		cond_resched();
	}
	mutex_unlock(&dmaadd_job_free_lock);
}

static void dmaadd_job_free_work_fn(struct work_struct *work)
{
	dmaadd_job_free_drain();
}

/*
 * The free work runs a tick after the first completion it has to clean up
 * after, and so takes the jobs of that tick in one go: waking a worker for
 * every job cost each small job a context switch (docs/design.md, "Completion
 * and fence signalling"). WAIT does not wait for it: it drains the list
 * itself.
 */
#define DMAADD_JOB_FREE_DELAY	1	/* jiffies */

static DECLARE_DELAYED_WORK(dmaadd_job_free_work, dmaadd_job_free_work_fn);

/**
 * dmaadd_job_free() - hand completed jobs' references to the free work
 * @nodes: what dmaadd_job_complete() returned for each, in completion order
 * @n: how many, at least 1
 *
 * Called after the fence signalling section of a completion: from here on
 * the references may be dropped at any moment.
 */
void dmaadd_job_free(struct llist_node **nodes, unsigned int n)
{
	unsigned int i;

	/* The list is newest first, like llist_add() one by one. */
	for (i = 1; i < n; i++)
		nodes[i]->next = nodes[i - 1];
	llist_add_batch(nodes[n - 1], nodes[0], &dmaadd_job_free_list);
	/* A WAIT that found nothing to drain sleeps until there is some. */
	if (wq_has_sleeper(&dmaadd_job_release_wq))
		wake_up_all(&dmaadd_job_release_wq);
	queue_delayed_work(dmaadd_wq, &dmaadd_job_free_work,
			   DMAADD_JOB_FREE_DELAY);
}

/**
 * dmaadd_job_free_exit() - module exit: no free work may run afterwards
 *
 * Every job is gone by then (each held the module through its fence), but
 * the free work may still be armed: WAIT drains the list itself and leaves
 * the timer running.
 */
void dmaadd_job_free_exit(void)
{
	flush_delayed_work(&dmaadd_job_free_work);
}

static bool dmaadd_job_released(struct dmaadd_file *df, u64 id)
{
	/* Pairs with dmaadd_job_release(): its puts are done. */
	return smp_load_acquire(&df->released_id) >= id;
}

/**
 * dmaadd_job_wait_released() - wait until a completed job let go
 * @df: file
 * @id: one of its jobs, completed
 *
 * For WAIT and SUBMIT_COPY: they return once the job has dropped its
 * buffers, so that what the caller frees next is really gone (memlock,
 * the file's cap, the memory cgroup).
 *
 * Return: 0, or -ERESTARTSYS.
 */
int dmaadd_job_wait_released(struct dmaadd_file *df, u64 id)
{
	int ret;

	for (;;) {
		if (dmaadd_job_released(df, id))
			return 0;
		dmaadd_job_free_drain();
		if (dmaadd_job_released(df, id))
			return 0;
		/*
		 * The completion has not handed them over yet: it wakes us
		 * when it has (dmaadd_job_free()), and we drain again. The
		 * full barriers of its llist_add_batch() (a cmpxchg) and of
		 * wq_has_sleeper() pair with those of our prepare to wait.
		 */
		ret = wait_event_interruptible(dmaadd_job_release_wq,
					       dmaadd_job_released(df, id) ||
					       !llist_empty(&dmaadd_job_free_list));
		if (ret)
			return ret;
	}
}

/*
 * Called from the engine's completion, in submission order, inside the
 * fence signalling critical section: it allocates nothing and takes no
 * lock that is held while waiting for a fence. @now (ktime_get() in the
 * completion) is the fence's timestamp and ends the job's latency. What the
 * job still holds moves into a record in its fence's memory, returned for
 * dmaadd_job_free() once the signalling section is over: from the moment
 * completed_id moves, a new job may reuse the slot.
 *
 * Return: the record's node.
 */
struct llist_node *dmaadd_job_complete(struct dmaadd_job *job, u32 hw_status,
				       ktime_t now)
{
	struct dmaadd_file *df = job->file;
	struct dmaadd_device *ddev = df->ddev;
	struct dma_fence *fence = job->fence;
	struct dmaadd_job_refs *refs = dmaadd_fence_priv(fence);
	u64 id = job->id;
	u64 latency_ns = ktime_to_ns(now) - job->submit_ns;
	u32 status;
	int i;

	switch (hw_status) {
	case DMAADD_HW_STATUS_DONE:
		status = DMAADD_JOB_OK;
		atomic64_add(job->len, &ddev->stats.bytes);
		break;
	case DMAADD_HW_STATUS_FAULT:
		status = DMAADD_JOB_FAULT;
		atomic64_inc(&ddev->stats.faults);
		dma_fence_set_error(fence, -EIO);
		break;
	case DMAADD_JOB_HW_CANCELLED:
		status = DMAADD_JOB_CANCELLED;
		dma_fence_set_error(fence, -ENODEV);
		break;
	default:
		status = DMAADD_JOB_INVALID;
		atomic64_inc(&ddev->stats.invalid);
		dma_fence_set_error(fence, -EINVAL);
		break;
	}
	atomic64_inc(&ddev->stats.jobs);
	atomic64_add(latency_ns, &ddev->stats.latency_ns);
	if (status != DMAADD_JOB_OK)
		trace_dmaadd_job_fault(job, status, latency_ns);
	trace_dmaadd_job_complete(job, status, latency_ns);
	/* Bring the result back where the CPU reads it (swiotlb: copy). */
	if (status == DMAADD_JOB_OK)
		dmaadd_buf_sync(job->bufs[DMAADD_HW_OP_C],
				job->offset[DMAADD_HW_OP_C], job->len,
				DMA_FROM_DEVICE, false);
	WRITE_ONCE(df->history[id % DMAADD_JOB_HISTORY],
		   id << DMAADD_HISTORY_SHIFT | status);
	WRITE_ONCE(df->completion->status[id % DMAADD_COMPLETION_HISTORY],
		   id << DMAADD_HISTORY_SHIFT | status);

	refs->file = df;
	refs->fence = fence;
	refs->dep = job->dep;
	job->dep = NULL;
	job->fence = NULL;
	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		refs->bufs[i] = job->bufs[i];
		job->bufs[i] = NULL;
	}

	/* Publishes the history entry and frees the slot. */
	smp_store_release(&df->completed_id, id);
	/* The same for the process: after the status and the output's sync. */
	smp_store_release(&df->completion->completed_id, id);
	dma_fence_signal_timestamp(fence, now);
	dmaadd_job_wake(df, id);
	return &refs->node;
}

/**
 * dmaadd_job_poll() - poll(2), select(2) and epoll(7) on a device file
 * @df: file
 * @file: its struct file
 * @wait: poll table
 *
 * Level-triggered, nothing to consume:
 * EPOLLIN | EPOLLRDNORM: every job submitted on @df so far has completed
 * (a file without jobs is idle too); a SUBMIT makes it unreadable until
 * its jobs have completed as well.
 * EPOLLOUT | EPOLLWRNORM: a SUBMIT of one job finds a free job slot, so a
 * blocking one does not wait and an O_NONBLOCK one does not fail with
 * -EAGAIN for want of a slot.
 * EPOLLHUP: the device was removed (see "Device removal" in the uapi
 * header) and every job of @df has completed, done or cancelled, so
 * EPOLLIN is set as well. Not before: the removal wakes @df->wq before it
 * cancels, and a poller must not see the device gone with jobs pending.
 *
 * Completions wake pollers through @df->wq like WAIT's sleepers: each
 * lowers wake_at to the job it needs, only for the events it asked for,
 * and for the last job once the device is gone (EPOLLHUP follows it).
 */
__poll_t dmaadd_job_poll(struct dmaadd_file *df, struct file *file,
			 poll_table *wait)
{
	__poll_t events = poll_requested_events(wait);
	bool gone = READ_ONCE(df->ddev->unplugged);
	u64 last = READ_ONCE(df->next_id) - 1;
	__poll_t mask = 0;

	poll_wait(file, &df->wq, wait);
	if (dmaadd_job_room(df, 1, events & (EPOLLOUT | EPOLLWRNORM)))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if ((gone || (events & (EPOLLIN | EPOLLRDNORM))) ?
	    dmaadd_job_done_or_wake_at(df, last) : dmaadd_job_done(df, last))
		mask |= EPOLLIN | EPOLLRDNORM | (gone ? EPOLLHUP : 0);
	return mask;
}

/* Sleep until job @id completed or the absolute @timeout_ns passed. */
static int dmaadd_job_sleep(struct dmaadd_file *df, u64 id, u64 timeout_ns)
{
	ktime_t left;
	int ret;

	if (timeout_ns >= KTIME_MAX)
		return wait_event_interruptible(df->wq,
						dmaadd_job_done_or_wake_at(df, id));

	left = ktime_sub(ns_to_ktime(timeout_ns), ktime_get());
	if (left <= 0)
		return -ETIMEDOUT;
	ret = wait_event_interruptible_hrtimeout(df->wq,
						 dmaadd_job_done_or_wake_at(df, id),
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
	ret = dmaadd_job_wait_released(df, id);
	if (ret)
		return ret;

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
	job->desc = NULL;
}

#ifdef DMAADD_KUNIT
#include "tests/dmaadd_job_test.c"
#endif
