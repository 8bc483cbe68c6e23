// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - device buffers: DMAADD_IOCTL_BUF_ALLOC + mmap in one object.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "internal.h"

static void dmaadd_buffer_drop_handle(struct dmaadd_device *dev,
				      uint32_t handle)
{
	struct dmaadd_buf_free arg = {
		.size = sizeof(arg),
		.handle = handle,
	};

	/* Can only fail for a handle we do not own: a library bug. */
	dmaadd_ioctl(dev->fd, DMAADD_IOCTL_BUF_FREE, &arg);
}

DMAADD_API struct dmaadd_buffer *
dmaadd_buffer_alloc_flags(struct dmaadd_device *dev, size_t length,
			  uint32_t flags)
{
	struct dmaadd_buf_alloc arg = {
		.size = sizeof(arg),
		.flags = flags,
		.length = length,
	};
	struct dmaadd_buffer *buf;
	int saved_errno;

	if (!dev || !length) {
		errno = EINVAL;
		return NULL;
	}

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return NULL;

	if (dmaadd_ioctl(dev->fd, DMAADD_IOCTL_BUF_ALLOC, &arg))
		goto err_free_buf;

	if (arg.mmap_offset > (uint64_t)INT64_MAX) {
		errno = EOVERFLOW;
		goto err_drop_handle;
	}

	buf->data = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dev->fd, (off_t)arg.mmap_offset);
	if (buf->data == MAP_FAILED)
		goto err_drop_handle;

	buf->dev = dev;
	buf->length = length;
	buf->handle = arg.handle;
	dmaadd_device_get(dev);
	return buf;

err_drop_handle:
	saved_errno = errno;
	dmaadd_buffer_drop_handle(dev, arg.handle);
	errno = saved_errno;
err_free_buf:
	free(buf);
	return NULL;
}

DMAADD_API struct dmaadd_buffer *dmaadd_buffer_alloc(struct dmaadd_device *dev,
						     size_t length)
{
	return dmaadd_buffer_alloc_flags(dev, length, 0);
}

DMAADD_API void dmaadd_buffer_free(struct dmaadd_buffer *buf)
{
	int saved_errno = errno;

	if (!buf)
		return;

	munmap(buf->data, buf->length);
	dmaadd_buffer_drop_handle(buf->dev, buf->handle);
	dmaadd_device_put(buf->dev);
	free(buf);
	errno = saved_errno;
}

DMAADD_API void *dmaadd_buffer_get_data(const struct dmaadd_buffer *buf)
{
	if (!buf) {
		errno = EINVAL;
		return NULL;
	}
	return buf->data;
}

DMAADD_API size_t dmaadd_buffer_get_length(const struct dmaadd_buffer *buf)
{
	if (!buf) {
		errno = EINVAL;
		return 0;
	}
	return buf->length;
}

DMAADD_API uint32_t dmaadd_buffer_get_handle(const struct dmaadd_buffer *buf)
{
	if (!buf) {
		errno = EINVAL;
		return 0;
	}
	return buf->handle;
}

DMAADD_API struct dmaadd_device *
dmaadd_buffer_get_device(const struct dmaadd_buffer *buf)
{
	if (!buf) {
		errno = EINVAL;
		return NULL;
	}
	return buf->dev;
}
