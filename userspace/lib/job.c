// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - jobs: DMAADD_IOCTL_SUBMIT and DMAADD_IOCTL_WAIT.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define NSEC_PER_SEC 1000000000ULL

/* The first published struct dmaadd_job_desc ends after @c. */
#define DMAADD_JOB_DESC_SIZE_V1 \
	(offsetof(struct dmaadd_job_desc, c) + sizeof(struct dmaadd_job_operand))

/*
 * The same extension rule as the uapi: a caller built against a newer
 * header may pass a larger struct as long as the members this library
 * does not know about are zero.
 */
static int dmaadd_job_desc_check_size(const struct dmaadd_job_desc *job)
{
	const unsigned char *tail = (const unsigned char *)job;
	size_t i;

	if (job->size < DMAADD_JOB_DESC_SIZE_V1) {
		errno = EINVAL;
		return -1;
	}
	for (i = sizeof(*job); i < job->size; i++) {
		if (tail[i]) {
			errno = E2BIG;
			return -1;
		}
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

DMAADD_API int dmaadd_device_submit(struct dmaadd_device *dev,
				    const struct dmaadd_job_desc *job,
				    uint64_t *job_id)
{
	struct dmaadd_submit arg = {
		.size = sizeof(arg),
	};

	if (!dev || !job) {
		errno = EINVAL;
		return -1;
	}
	if (dmaadd_job_desc_check_size(job))
		return -1;
	if (job->flags) {
		errno = EINVAL;
		return -1;
	}

	arg.op = job->op;
	arg.count = job->count;
	if (dmaadd_job_operand_to_uapi(dev, &job->a, &arg.a) ||
	    dmaadd_job_operand_to_uapi(dev, &job->b, &arg.b) ||
	    dmaadd_job_operand_to_uapi(dev, &job->c, &arg.c))
		return -1;

	if (dmaadd_ioctl(dev->fd, DMAADD_IOCTL_SUBMIT, &arg))
		return -1;

	if (job_id)
		*job_id = arg.job_id;
	return 0;
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

DMAADD_API int dmaadd_device_wait(struct dmaadd_device *dev, uint64_t job_id,
				  int64_t timeout_ns, uint32_t *status)
{
	struct dmaadd_wait arg = {
		.size = sizeof(arg),
		.job_id = job_id,
	};

	if (!dev || !job_id) {
		errno = EINVAL;
		return -1;
	}
	if (dmaadd_timeout_to_deadline(timeout_ns, &arg.timeout_ns))
		return -1;

	if (dmaadd_ioctl(dev->fd, DMAADD_IOCTL_WAIT, &arg))
		return -1;

	if (status)
		*status = arg.status;
	if (arg.status != DMAADD_JOB_OK) {
		errno = EIO;
		return -1;
	}
	return 0;
}

DMAADD_API int dmaadd_device_run(struct dmaadd_device *dev,
				 const struct dmaadd_job_desc *job,
				 int64_t timeout_ns, uint32_t *status)
{
	uint64_t job_id;

	if (dmaadd_device_submit(dev, job, &job_id))
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

DMAADD_API const char *dmaadd_job_status_name(uint32_t status)
{
	switch (status) {
	case DMAADD_JOB_OK:
		return "ok";
	case DMAADD_JOB_FAULT:
		return "fault";
	case DMAADD_JOB_INVALID:
		return "invalid";
	default:
		return "unknown";
	}
}
