// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - dma-bufs: DMAADD_IOCTL_BUF_EXPORT and DMAADD_IOCTL_BUF_IMPORT.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

DMAADD_API int dmaadd_buffer_export_dmabuf(struct dmaadd_buffer *buf,
					   uint32_t flags)
{
	struct dmaadd_buf_export arg = {
		.size = sizeof(arg),
		.flags = flags,
	};

	if (!buf) {
		errno = EINVAL;
		return -1;
	}
	arg.handle = buf->handle;
	if (dmaadd__ioctl(buf->dev->fd, DMAADD_IOCTL_BUF_EXPORT, &arg))
		return -1;
	/* A descriptor is an int; anything else would be a kernel bug. */
	if (arg.fd > INT_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)arg.fd;
}

DMAADD_API struct dmaadd_buffer *
dmaadd_buffer_import_dmabuf(struct dmaadd_device *dev, int fd)
{
	struct dmaadd_buf_import arg = {
		.size = sizeof(arg),
	};
	struct dmaadd_buf_query query = {
		.size = sizeof(query),
	};
	struct dmaadd_handle *h, *spare;
	struct dmaadd_buffer *buf;
	size_t length, map_length;
	bool read_only;
	int saved_errno;
	void *data;

	if (!dev) {
		errno = EINVAL;
		return NULL;
	}
	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	arg.fd = (uint32_t)fd;

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return NULL;
	spare = calloc(1, sizeof(*spare));
	if (!spare) {
		free(buf);
		return NULL;
	}

	/*
	 * A dma-buf this device exported comes back as the handle the file
	 * may already have for it: look it up under the lock that also
	 * covers dropping handles, so it cannot vanish in between.
	 */
	pthread_mutex_lock(&dev->lock);
	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_BUF_IMPORT, &arg))
		goto err_unlock;

	h = dmaadd__handle_find_locked(dev, arg.handle);
	if (!h) {
		h = spare;
		spare = NULL;
		h->handle = arg.handle;
		dmaadd__handle_insert_locked(dev, h);
	}
	h->users++;

	/* The kernel's word on kind and access, after any upgrade. */
	query.handle = arg.handle;
	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_BUF_QUERY, &query))
		goto err_put;
	if (arg.length > SIZE_MAX) {
		errno = EOVERFLOW;
		goto err_put;
	}
	if (h->users == 1)
		h->kind = query.kind;
	read_only = query.buf_flags & DMAADD_BUF_READ_ONLY;
	atomic_store_explicit(&h->read_only, read_only, memory_order_relaxed);
	pthread_mutex_unlock(&dev->lock);

	/* Through the exporter; one that cannot be mapped leaves data NULL. */
	length = (size_t)arg.length;
	map_length = length;
	data = dmaadd__device_map(dev, arg.mmap_offset, length, read_only);
	if (data == MAP_FAILED) {
		data = NULL;
		map_length = 0;
	}

	free(spare);
	dmaadd__buffer_init(buf, dev, h, data, length, map_length);
	return buf;

err_put:
	saved_errno = errno;
	dmaadd__handle_put_locked(dev, h);
	errno = saved_errno;
err_unlock:
	pthread_mutex_unlock(&dev->lock);
	free(spare);
	free(buf);
	return NULL;
}
