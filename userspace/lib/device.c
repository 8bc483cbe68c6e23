// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - an open dmaadd device file.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/*
 * Map the open file's completion page, if the module has one. Not being
 * able to is no reason to fail the open: dmaadd_device_peek() then asks
 * the kernel, as with an older module. Leaves errno alone.
 */
static void dmaadd_completion_map(struct dmaadd_device *dev)
{
#if DMAADD_HAVE_COMPLETION_PAGE
	int saved_errno = errno;
	void *page;

	if (dev->info.api_version < DMAADD_API_VERSION_COMPLETION)
		return;
	page = dmaadd__device_map(dev, DMAADD_COMPLETION_OFFSET,
				  sizeof(struct dmaadd_completion_page), true);
	if (page != MAP_FAILED)
		dev->completion = page;
	errno = saved_errno;
#else
	(void)dev;
#endif
}

static void dmaadd_completion_unmap(struct dmaadd_device *dev)
{
	int saved_errno = errno;

	if (!dev->completion)
		return;
	/* The page is the kernel's; the cast only drops our const. */
	munmap((void *)dev->completion, sizeof(struct dmaadd_completion_page));
	dev->completion = NULL;
	errno = saved_errno;
}

DMAADD_API struct dmaadd_device *dmaadd_device_open(const char *path)
{
	struct dmaadd_device *dev;
	int saved_errno;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;

	dev->path = strdup(path);
	if (!dev->path)
		goto err_free_dev;

	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0)
		goto err_free_path;

	/*
	 * Asking for the info both caches it and proves that @path is a
	 * dmaadd device: anything else answers ENOTTY.
	 */
	dev->info.size = sizeof(dev->info);
	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_INFO, &dev->info))
		goto err_close;

	dmaadd_completion_map(dev);
	/* Default attributes: pthread_mutex_init() cannot fail on Linux. */
	pthread_mutex_init(&dev->lock, NULL);
	atomic_init(&dev->refs, 1);
	/* last_job_id starts at 0 from calloc(). */
	return dev;

err_close:
	saved_errno = errno;
	close(dev->fd);
	errno = saved_errno;
err_free_path:
	free(dev->path);
err_free_dev:
	free(dev);
	return NULL;
}

DMAADD_API struct dmaadd_device *dmaadd_device_open_index(unsigned int index)
{
	char path[sizeof("/dev/dmaadd") + 10];

	snprintf(path, sizeof(path), "/dev/dmaadd%u", index);
	return dmaadd_device_open(path);
}

void dmaadd__device_get(struct dmaadd_device *dev)
{
	atomic_fetch_add_explicit(&dev->refs, 1, memory_order_relaxed);
}

void dmaadd__device_put(struct dmaadd_device *dev)
{
	int saved_errno = errno;

	if (atomic_fetch_sub_explicit(&dev->refs, 1, memory_order_acq_rel) != 1)
		return;

	/* Jobs in flight keep the kernel's file state; close() does not wait. */
	close(dev->fd);
	/* Every buffer is gone, so is every handle. */
	pthread_mutex_destroy(&dev->lock);
	free(dev->path);
	free(dev);
	errno = saved_errno;
}

DMAADD_API void dmaadd_device_close(struct dmaadd_device *dev)
{
	if (!dev)
		return;
	/*
	 * Only dmaadd_device_peek() reads the page, and the caller is done
	 * with @dev; buffers that keep the file open do not need it.
	 */
	dmaadd_completion_unmap(dev);
	dmaadd__device_put(dev);
}

DMAADD_API int dmaadd_device_get_fd(const struct dmaadd_device *dev)
{
	if (!dev) {
		errno = EINVAL;
		return -1;
	}
	return dev->fd;
}

DMAADD_API const char *dmaadd_device_get_path(const struct dmaadd_device *dev)
{
	if (!dev) {
		errno = EINVAL;
		return NULL;
	}
	return dev->path;
}

DMAADD_API struct dmaadd_device_info *
dmaadd_device_get_info(const struct dmaadd_device *dev)
{
	struct dmaadd_device_info *info;

	if (!dev) {
		errno = EINVAL;
		return NULL;
	}

	info = malloc(sizeof(*info));
	if (!info)
		return NULL;

	info->info = dev->info;
	return info;
}

DMAADD_API int dmaadd_device_set_nonblocking(struct dmaadd_device *dev,
					     bool nonblocking)
{
	int flags;

	if (!dev) {
		errno = EINVAL;
		return -1;
	}

	flags = fcntl(dev->fd, F_GETFL);
	if (flags < 0)
		return -1;

	if (nonblocking)
		flags |= O_NONBLOCK;
	else
		flags &= ~O_NONBLOCK;

	return fcntl(dev->fd, F_SETFL, flags) ? -1 : 0;
}
