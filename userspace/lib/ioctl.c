// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - the one place that issues ioctls and decides what to retry.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/ioctl.h>

#include "internal.h"

/*
 * EINTR never changes the outcome of a dmaadd ioctl: SUBMIT has queued
 * nothing when it returns -EINTR, and WAIT takes an absolute deadline, so
 * passing the same struct again neither duplicates a job nor extends a
 * timeout.
 *
 * SUBMIT_BATCH likewise queues none of its jobs when interrupted.
 *
 * SUBMIT_COPY is the exception: it waits for its job inside the ioctl,
 * and -EINTR there means the job ran (or runs on) and its result was
 * dropped. Retrying would run the job again and, with signals arriving
 * more often than a job takes (an interval timer), never finish; the
 * caller gets EINTR, with its output untouched.
 *
 * EAGAIN is retried like libdrm's drmIoctl() does, except for SUBMIT,
 * SUBMIT_BATCH and SUBMIT_COPY: there it means "O_NONBLOCK and the queue
 * is full", an answer the caller asked for, and retrying would turn it
 * into a busy wait.
 */
static bool dmaadd_ioctl_should_retry(unsigned long request, int err)
{
	if (request == DMAADD_IOCTL_SUBMIT_COPY)
		return false;
	if (err == EINTR)
		return true;
	if (err == EAGAIN)
		return request != DMAADD_IOCTL_SUBMIT &&
		       request != DMAADD_IOCTL_SUBMIT_BATCH;
	return false;
}

int dmaadd__ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && dmaadd_ioctl_should_retry(request, errno));

	return ret;
}
