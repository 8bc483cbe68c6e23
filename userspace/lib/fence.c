// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - fences: sync_file descriptors, such as the out-fences of
 * jobs (SYNC_IOC_FILE_INFO, SYNC_IOC_MERGE and poll(2)).
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <linux/sync_file.h>

#include "internal.h"

#define NSEC_PER_SEC 1000000000ULL

/* The name SYNC_IOC_MERGE gives the merged sync_file. */
#define DMAADD_FENCE_MERGE_NAME "dmaadd-merge"

/*
 * The fence's state as dma_fence_get_status() has it: 0 pending, 1
 * signalled, a negative errno signalled with that error. Any file but a
 * sync_file answers the ioctl it does not know with ENOTTY (EINVAL from
 * some drivers): both mean "not a sync_file", EINVAL.
 */
static int dmaadd_fence_read_status(int fence_fd, int *status)
{
	struct sync_file_info info;

	if (fence_fd < 0) {
		errno = EBADF;
		return -1;
	}
	/* num_fences 0: the status of the whole fence, and no array. */
	memset(&info, 0, sizeof(info));
	if (dmaadd__ioctl(fence_fd, SYNC_IOC_FILE_INFO, &info)) {
		if (errno == ENOTTY)
			errno = EINVAL;
		return -1;
	}
	*status = info.status;
	return 0;
}

static int dmaadd_fence_now_ns(uint64_t *ns)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now))
		return -1;
	*ns = (uint64_t)now.tv_sec * NSEC_PER_SEC + (uint64_t)now.tv_nsec;
	return 0;
}

DMAADD_API int dmaadd_fence_wait(int fence_fd, int64_t timeout_ns)
{
	struct pollfd pfd = {
		.fd = fence_fd,
		.events = POLLIN,
	};
	uint64_t deadline = 0, now;
	struct timespec left;
	int status, ret;

	if (fence_fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (timeout_ns < 0 && timeout_ns != DMAADD_WAIT_FOREVER) {
		errno = EINVAL;
		return -1;
	}
	/* The deadline is fixed once; signals only recompute what is left. */
	if (timeout_ns > 0) {
		if (dmaadd_fence_now_ns(&now))
			return -1;
		/* Both terms are below 2^63, so the sum cannot wrap. */
		deadline = now + (uint64_t)timeout_ns;
	}

	for (;;) {
		/*
		 * Asked first and after every wake-up: a signalled fence is
		 * reported even with no time left, and an error is told
		 * apart from success (poll(2) only says "signalled").
		 */
		if (dmaadd_fence_read_status(fence_fd, &status))
			return -1;
		if (status > 0)
			return 0;
		if (status < 0) {
			errno = EIO;
			return -1;
		}
		if (timeout_ns == 0) {
			errno = ETIMEDOUT;
			return -1;
		}

		if (timeout_ns == DMAADD_WAIT_FOREVER) {
			ret = ppoll(&pfd, 1, NULL, NULL);
		} else {
			if (dmaadd_fence_now_ns(&now))
				return -1;
			if (now >= deadline) {
				errno = ETIMEDOUT;
				return -1;
			}
			left.tv_sec = (time_t)((deadline - now) / NSEC_PER_SEC);
			left.tv_nsec = (long)((deadline - now) % NSEC_PER_SEC);
			ret = ppoll(&pfd, 1, &left, NULL);
		}
		/*
		 * Readable, timed out or interrupted: the status says which.
		 * A descriptor closed meanwhile (POLLNVAL) fails it, EBADF.
		 */
		if (ret < 0 && errno != EINTR)
			return -1;
	}
}

DMAADD_API int dmaadd_fence_get_status(int fence_fd, int *fence_error)
{
	int status;

	if (dmaadd_fence_read_status(fence_fd, &status))
		return -1;
	if (fence_error)
		*fence_error = status < 0 ? -status : 0;
	return status != 0;
}

DMAADD_API int dmaadd_fence_merge(int fd1, int fd2)
{
	struct sync_merge_data data = {
		.name = DMAADD_FENCE_MERGE_NAME,
	};

	if (fd1 < 0 || fd2 < 0) {
		errno = EBADF;
		return -1;
	}
	data.fd2 = fd2;
	/*
	 * The kernel installs the new descriptor with O_CLOEXEC
	 * (get_unused_fd_flags(O_CLOEXEC) in drivers/dma-buf/sync_file.c),
	 * so there is no window in which another thread's exec could
	 * inherit it.
	 */
	if (dmaadd__ioctl(fd1, SYNC_IOC_MERGE, &data)) {
		if (errno == ENOTTY) {
			/* @fd1's file does not know the ioctl. */
			errno = EINVAL;
		} else if (errno == ENOENT) {
			/* The kernel's answer for an @fd2 it cannot use. */
			errno = fcntl(fd2, F_GETFD) < 0 ? EBADF : EINVAL;
		}
		return -1;
	}
	return (int)data.fence;
}
