// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - jobs: DMAADD_IOCTL_SUBMIT, DMAADD_IOCTL_SUBMIT_BATCH,
 * DMAADD_IOCTL_WAIT, the completion page and DMAADD_IOCTL_SUBMIT_COPY.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define NSEC_PER_SEC 1000000000ULL

/* The flags this version knows, and where the member they need ends. */
#define DMAADD_JOB_FLAGS (DMAADD_JOB_IN_FENCE | DMAADD_JOB_OUT_FENCE)
#define DMAADD_JOB_DESC_IN_FENCE_END \
	(offsetof(struct dmaadd_job_desc, in_fence_fd) + sizeof(int))

/* The first module API version with fences and SUBMIT_BATCH. */
#define DMAADD_API_VERSION_FENCES 2

/*
 * Remember that the kernel gave out ids up to @job_id on @dev (see
 * dmaadd_device.last_job_id). Relaxed is enough: whoever learns such an
 * id from the caller learns it after this store.
 */
static void dmaadd_job_ids_seen(struct dmaadd_device *dev, uint64_t job_id)
{
#if DMAADD_HAVE_COMPLETION_PAGE
	uint64_t last;

	if (!dev->completion)
		return;
	last = atomic_load_explicit(&dev->last_job_id, memory_order_relaxed);
	while (last < job_id &&
	       !atomic_compare_exchange_weak_explicit(&dev->last_job_id, &last,
						      job_id,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
#else
	(void)dev;
	(void)job_id;
#endif
}

/*
 * Read a caller's job description into @d: the same extension rule as the
 * uapi. Only @size bytes are read, the members after them are zero, and a
 * caller built against a newer header may pass a larger struct as long as
 * the members this library does not know about are zero.
 */
static int dmaadd_job_desc_read(const struct dmaadd_job_desc *job,
				struct dmaadd_job_desc *d)
{
	const unsigned char *tail = (const unsigned char *)job;
	size_t i;

	if (!job || job->size < DMAADD_JOB_DESC_SIZE_VER0) {
		errno = EINVAL;
		return -1;
	}
	for (i = sizeof(*job); i < job->size; i++) {
		if (tail[i]) {
			errno = E2BIG;
			return -1;
		}
	}
	memset(d, 0, sizeof(*d));
	memcpy(d, job, job->size < sizeof(*d) ? job->size : sizeof(*d));
	/* Kept for a later member: unknown to this version. */
	if (d->__reserved) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

static int dmaadd_job_operand_to_uapi(const struct dmaadd_device *dev,
				      const struct dmaadd_job_operand *op,
				      struct dmaadd_operand *out)
{
	if (!op->buffer) {
		errno = EINVAL;
		return -1;
	}
	/* A handle from another open file would name some other buffer. */
	if (op->buffer->dev != dev) {
		errno = EXDEV;
		return -1;
	}
	out->handle = op->buffer->handle;
	out->offset = op->offset;
	return 0;
}

/*
 * Check a job description and translate it into a SUBMIT (or one element
 * of a SUBMIT_BATCH) for @dev. Fails with errno set; sends nothing.
 */
static int dmaadd_job_to_uapi(const struct dmaadd_device *dev,
			      const struct dmaadd_job_desc *job,
			      struct dmaadd_submit *arg)
{
	struct dmaadd_job_desc d;

	if (dmaadd_job_desc_read(job, &d))
		return -1;
	if (d.flags & ~(uint32_t)DMAADD_JOB_FLAGS) {
		errno = EINVAL;
		return -1;
	}
	/* fd 0 is a descriptor: only the flag says there is an in-fence. */
	if (d.flags & DMAADD_JOB_IN_FENCE) {
		if (job->size < DMAADD_JOB_DESC_IN_FENCE_END ||
		    d.in_fence_fd < 0) {
			errno = EINVAL;
			return -1;
		}
	} else if (d.in_fence_fd) {
		errno = EINVAL;
		return -1;
	}

	memset(arg, 0, sizeof(*arg));
	arg->size = sizeof(*arg);
	arg->op = d.op;
	arg->count = d.count;
	if (dmaadd_job_operand_to_uapi(dev, &d.a, &arg->a) ||
	    dmaadd_job_operand_to_uapi(dev, &d.b, &arg->b) ||
	    dmaadd_job_operand_to_uapi(dev, &d.c, &arg->c))
		return -1;

	/* An API 1 module would only say EINVAL (unknown flag). */
	if (d.flags && dev->info.api_version < DMAADD_API_VERSION_FENCES) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (d.flags & DMAADD_JOB_IN_FENCE) {
		arg->flags |= DMAADD_SUBMIT_IN_FENCE;
		arg->in_fence_fd = (uint32_t)d.in_fence_fd;
	}
	if (d.flags & DMAADD_JOB_OUT_FENCE)
		arg->flags |= DMAADD_SUBMIT_OUT_FENCE;
	return 0;
}

/* The out-fence of a job the kernel accepted, or -1 if it asked for none. */
static int dmaadd_job_out_fence(const struct dmaadd_submit *arg)
{
	/* A descriptor is an int: the kernel never returns more. */
	return (arg->flags & DMAADD_SUBMIT_OUT_FENCE) ?
	       (int)arg->out_fence_fd : -1;
}

static int dmaadd_submit_one(struct dmaadd_device *dev,
			     const struct dmaadd_job_desc *job,
			     uint64_t *job_id, int *out_fence_fd)
{
	struct dmaadd_submit arg;

	if (!dev || !job) {
		errno = EINVAL;
		return -1;
	}
	if (dmaadd_job_to_uapi(dev, job, &arg))
		return -1;
	/* Nowhere to put the descriptor: refuse rather than leak it. */
	if ((arg.flags & DMAADD_SUBMIT_OUT_FENCE) && !out_fence_fd) {
		errno = EINVAL;
		return -1;
	}

	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_SUBMIT, &arg))
		return -1;

	dmaadd_job_ids_seen(dev, arg.job_id);
	if (job_id)
		*job_id = arg.job_id;
	if (out_fence_fd)
		*out_fence_fd = dmaadd_job_out_fence(&arg);
	return 0;
}

DMAADD_API int dmaadd_device_submit(struct dmaadd_device *dev,
				    const struct dmaadd_job_desc *job,
				    uint64_t *job_id)
{
	return dmaadd_submit_one(dev, job, job_id, NULL);
}

DMAADD_API int dmaadd_device_submit_fence(struct dmaadd_device *dev,
					  const struct dmaadd_job_desc *job,
					  uint64_t *job_id, int *out_fence_fd)
{
	return dmaadd_submit_one(dev, job, job_id, out_fence_fd);
}

DMAADD_API int
dmaadd_device_submit_batch(struct dmaadd_device *dev,
			   const struct dmaadd_job_desc *const jobs[],
			   size_t count, uint64_t *first_job_id,
			   int out_fence_fds[], size_t *error_index)
{
	struct dmaadd_submit_batch arg = {
		.size = sizeof(arg),
		.stride = sizeof(struct dmaadd_submit),
	};
	struct dmaadd_submit *subs;
	size_t i, failed = count;
	int saved_errno;

	if (!dev || !jobs || !count || count > dev->info.max_jobs_in_flight) {
		errno = EINVAL;
		goto err_report;
	}
	if (dev->info.api_version < DMAADD_API_VERSION_FENCES) {
		errno = EOPNOTSUPP;
		goto err_report;
	}

	/* Up to 256 elements of 88 bytes: not for the stack. */
	subs = calloc(count, sizeof(*subs));
	if (!subs)
		goto err_report;

	for (i = 0; i < count; i++) {
		if (!jobs[i]) {
			errno = EINVAL;
			break;
		}
		if (dmaadd_job_to_uapi(dev, jobs[i], &subs[i]))
			break;
		if ((subs[i].flags & DMAADD_SUBMIT_OUT_FENCE) &&
		    !out_fence_fds) {
			errno = EINVAL;
			break;
		}
	}
	if (i < count) {
		failed = i;
		goto err_free;
	}

	arg.count = (uint32_t)count;
	arg.jobs_ptr = (uint64_t)(uintptr_t)subs;
	/* Early refusals leave it alone: then the failure is not one job's. */
	arg.error_index = (uint32_t)count;
	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_SUBMIT_BATCH, &arg)) {
		failed = arg.error_index < count ? arg.error_index : count;
		goto err_free;
	}

	dmaadd_job_ids_seen(dev, arg.first_job_id + count - 1);
	if (first_job_id)
		*first_job_id = arg.first_job_id;
	if (out_fence_fds)
		for (i = 0; i < count; i++)
			out_fence_fds[i] = dmaadd_job_out_fence(&subs[i]);
	free(subs);
	return 0;

err_free:
	saved_errno = errno;
	free(subs);
	errno = saved_errno;
err_report:
	if (error_index)
		*error_index = failed;
	return -1;
}

/* Relative nanoseconds from now to the uapi's absolute CLOCK_MONOTONIC. */
static int dmaadd_timeout_to_deadline(int64_t timeout_ns, __u64 *deadline)
{
	struct timespec now;
	uint64_t now_ns;

	if (timeout_ns == DMAADD_WAIT_FOREVER) {
		*deadline = DMAADD_TIMEOUT_INFINITE;
		return 0;
	}
	if (timeout_ns < 0) {
		errno = EINVAL;
		return -1;
	}
	if (timeout_ns == 0) {
		/* Any time in the past polls; 0 is the documented one. */
		*deadline = 0;
		return 0;
	}

	if (clock_gettime(CLOCK_MONOTONIC, &now))
		return -1;
	now_ns = (uint64_t)now.tv_sec * NSEC_PER_SEC + (uint64_t)now.tv_nsec;

	/* Both terms are below 2^63, so the sum cannot wrap. */
	*deadline = now_ns + (uint64_t)timeout_ns;
	return 0;
}

/* A completed job's status as the caller gets it: 0, or -1 with EIO. */
static int dmaadd_job_result(uint32_t job_status, uint32_t *status)
{
	if (status)
		*status = job_status;
	if (job_status != DMAADD_JOB_OK) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* DMAADD_IOCTL_WAIT until the absolute @deadline, and the job's result. */
static int dmaadd_wait_until(struct dmaadd_device *dev, uint64_t job_id,
			     __u64 deadline, uint32_t *status)
{
	struct dmaadd_wait arg = {
		.size = sizeof(arg),
		.job_id = job_id,
		.timeout_ns = deadline,
	};

	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_WAIT, &arg))
		return -1;
	return dmaadd_job_result(arg.status, status);
}

DMAADD_API int dmaadd_device_wait(struct dmaadd_device *dev, uint64_t job_id,
				  int64_t timeout_ns, uint32_t *status)
{
	__u64 deadline;

	if (!dev || !job_id) {
		errno = EINVAL;
		return -1;
	}
	if (dmaadd_timeout_to_deadline(timeout_ns, &deadline))
		return -1;

	return dmaadd_wait_until(dev, job_id, deadline, status);
}

#if DMAADD_HAVE_COMPLETION_PAGE
/*
 * A completion page status entry: the job's id shifted left by this many
 * bits, or'ed with its enum dmaadd_job_status (struct
 * dmaadd_completion_page in <linux/dmaadd.h>, which has no macro for it).
 */
#define DMAADD_COMPLETION_STATUS_BITS 8
#define DMAADD_COMPLETION_STATUS_MASK \
	((UINT64_C(1) << DMAADD_COMPLETION_STATUS_BITS) - 1)

/* dmaadd_completion_peek() could not tell: ask the kernel. */
#define DMAADD_PEEK_ASK_KERNEL 1

/*
 * dmaadd_device_peek() from the completion page: 0 or -1 (errno set) as
 * it returns, or DMAADD_PEEK_ASK_KERNEL when the page does not say.
 *
 * The kernel writes a job's status entry, then publishes completed_id
 * with a release store: once completed_id (loaded with acquire) is at or
 * past @job_id, its entry holds @job_id's status unless a job
 * DMAADD_COMPLETION_HISTORY later has completed and taken the entry,
 * which the id in the entry tells. The job's output is visible too.
 */
static int dmaadd_completion_peek(struct dmaadd_device *dev, uint64_t job_id,
				  uint32_t *status)
{
	const struct dmaadd_completion_page *page = dev->completion;
	uint64_t completed, entry;

	completed = __atomic_load_n(&page->completed_id, __ATOMIC_ACQUIRE);
	if (completed < job_id) {
		/*
		 * Pending if the kernel gave the id out; an id beyond every
		 * one the library saw was submitted some other way, or never
		 * (WAIT then says ENOENT).
		 */
		if (job_id <= atomic_load_explicit(&dev->last_job_id,
						   memory_order_relaxed)) {
			errno = EAGAIN;
			return -1;
		}
		return DMAADD_PEEK_ASK_KERNEL;
	}

	entry = __atomic_load_n(&page->status[job_id %
					      DMAADD_COMPLETION_HISTORY],
				__ATOMIC_RELAXED);
	if (entry >> DMAADD_COMPLETION_STATUS_BITS != job_id)
		return DMAADD_PEEK_ASK_KERNEL;
	return dmaadd_job_result((uint32_t)(entry &
					    DMAADD_COMPLETION_STATUS_MASK),
				 status);
}
#endif

DMAADD_API int dmaadd_device_peek(struct dmaadd_device *dev, uint64_t job_id,
				  uint32_t *status)
{
	if (!dev || !job_id) {
		errno = EINVAL;
		return -1;
	}

#if DMAADD_HAVE_COMPLETION_PAGE
	if (dev->completion) {
		int ret = dmaadd_completion_peek(dev, job_id, status);

		if (ret != DMAADD_PEEK_ASK_KERNEL)
			return ret;
	}
#endif

	/*
	 * No page, or not in it: a WAIT that only polls (deadline 0, in the
	 * past), whose "not yet" is ETIMEDOUT.
	 */
	if (dmaadd_wait_until(dev, job_id, 0, status)) {
		if (errno == ETIMEDOUT)
			errno = EAGAIN;
		return -1;
	}
	return 0;
}

DMAADD_API int dmaadd_device_run(struct dmaadd_device *dev,
				 const struct dmaadd_job_desc *job,
				 int64_t timeout_ns, uint32_t *status)
{
	uint64_t job_id;

	if (dmaadd_submit_one(dev, job, &job_id, NULL))
		return -1;
	return dmaadd_device_wait(dev, job_id, timeout_ns, status);
}

DMAADD_API int dmaadd_device_add_i32(struct dmaadd_device *dev,
				     struct dmaadd_buffer *c,
				     struct dmaadd_buffer *a,
				     struct dmaadd_buffer *b, uint64_t count,
				     int64_t timeout_ns)
{
	const struct dmaadd_job_desc job = {
		.size = sizeof(job),
		.op = DMAADD_OP_ADD_I32,
		.count = count,
		.a = { .buffer = a },
		.b = { .buffer = b },
		.c = { .buffer = c },
	};

	return dmaadd_device_run(dev, &job, timeout_ns, NULL);
}

/* The first module API version with DMAADD_IOCTL_SUBMIT_COPY. */
#define DMAADD_API_VERSION_COPY 3

DMAADD_API int dmaadd_device_add_i32_copy(struct dmaadd_device *dev,
					  int32_t *c, const int32_t *a,
					  const int32_t *b, uint64_t count,
					  uint32_t *status)
{
	struct dmaadd_submit_copy arg = {
		.size = sizeof(arg),
		.op = DMAADD_OP_ADD_I32,
		.count = count,
		.a_ptr = (uint64_t)(uintptr_t)a,
		.b_ptr = (uint64_t)(uintptr_t)b,
		.c_ptr = (uint64_t)(uintptr_t)c,
	};

	if (!dev || !a || !b || !c) {
		errno = EINVAL;
		return -1;
	}
	/* An API 1 or 2 module would only say ENOTTY. */
	if (dev->info.api_version < DMAADD_API_VERSION_COPY) {
		errno = EOPNOTSUPP;
		return -1;
	}

	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_SUBMIT_COPY, &arg))
		return -1;

	return dmaadd_job_result(arg.status, status);
}

DMAADD_API const char *dmaadd_job_status_name(uint32_t status)
{
	switch (status) {
	case DMAADD_JOB_OK:
		return "ok";
	case DMAADD_JOB_FAULT:
		return "fault";
	case DMAADD_JOB_INVALID:
		return "invalid";
	case DMAADD_JOB_CANCELLED:
		return "cancelled";
	default:
		return "unknown";
	}
}
