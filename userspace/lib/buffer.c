// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - device buffers: DMAADD_IOCTL_BUF_ALLOC + mmap in one object,
 * and the per-device table of handles every kind of buffer shares.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "internal.h"

void dmaadd__device_drop_handle(struct dmaadd_device *dev, uint32_t handle)
{
	struct dmaadd_buf_free arg = {
		.size = sizeof(arg),
		.handle = handle,
	};

	/* Can only fail for a handle we do not own: a library bug. */
	dmaadd__ioctl(dev->fd, DMAADD_IOCTL_BUF_FREE, &arg);
}

struct dmaadd_handle *dmaadd__handle_find_locked(struct dmaadd_device *dev,
						 uint32_t handle)
{
	struct dmaadd_handle *h;

	for (h = dev->handles; h; h = h->next)
		if (h->handle == handle)
			return h;
	return NULL;
}

void dmaadd__handle_insert_locked(struct dmaadd_device *dev,
				  struct dmaadd_handle *h)
{
	h->next = dev->handles;
	dev->handles = h;
}

/*
 * The last user drops the kernel handle, still under the lock: an import
 * racing with us then either finds the record (and keeps the handle) or
 * runs after BUF_FREE (and gets a handle of its own).
 */
void dmaadd__handle_put_locked(struct dmaadd_device *dev,
			       struct dmaadd_handle *h)
{
	struct dmaadd_handle **pp;

	if (--h->users)
		return;
	for (pp = &dev->handles; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	}
	dmaadd__device_drop_handle(dev, h->handle);
	free(h);
}

void *dmaadd__device_map(struct dmaadd_device *dev, uint64_t mmap_offset,
			 size_t length, bool read_only)
{
	int prot = PROT_READ | (read_only ? 0 : PROT_WRITE);

	if (mmap_offset > (uint64_t)INT64_MAX) {
		errno = EOVERFLOW;
		return MAP_FAILED;
	}
	return mmap(NULL, length, prot, MAP_SHARED, dev->fd,
		    (off_t)mmap_offset);
}

void dmaadd__buffer_init(struct dmaadd_buffer *buf, struct dmaadd_device *dev,
			 struct dmaadd_handle *h, void *data, size_t length,
			 size_t map_length)
{
	buf->dev = dev;
	buf->h = h;
	buf->handle = h->handle;
	buf->data = data;
	buf->length = length;
	buf->map_length = map_length;
	dmaadd__device_get(dev);
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
	struct dmaadd_handle *h;
	int saved_errno;
	void *data;

	if (!dev || !length) {
		errno = EINVAL;
		return NULL;
	}

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto err_free_buf;

	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_BUF_ALLOC, &arg))
		goto err_free_buf;

	data = dmaadd__device_map(dev, arg.mmap_offset, length, false);
	if (data == MAP_FAILED)
		goto err_drop_handle;

	/* A new handle: no other object can know it yet. */
	h->handle = arg.handle;
	h->users = 1;
	h->kind = DMAADD_BUF_KIND_ALLOC;
	atomic_init(&h->read_only, false);
	pthread_mutex_lock(&dev->lock);
	dmaadd__handle_insert_locked(dev, h);
	pthread_mutex_unlock(&dev->lock);

	dmaadd__buffer_init(buf, dev, h, data, length, length);
	return buf;

err_drop_handle:
	saved_errno = errno;
	dmaadd__device_drop_handle(dev, arg.handle);
	errno = saved_errno;
err_free_buf:
	free(h);
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
	struct dmaadd_device *dev;
	int saved_errno = errno;

	if (!buf)
		return;

	dev = buf->dev;
	if (buf->map_length)
		munmap(buf->data, buf->map_length);
	pthread_mutex_lock(&dev->lock);
	dmaadd__handle_put_locked(dev, buf->h);
	pthread_mutex_unlock(&dev->lock);
	dmaadd__device_put(dev);
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

DMAADD_API uint32_t dmaadd_buffer_get_kind(const struct dmaadd_buffer *buf)
{
	if (!buf) {
		errno = EINVAL;
		return 0;
	}
	return buf->h->kind;
}

DMAADD_API bool dmaadd_buffer_is_read_only(const struct dmaadd_buffer *buf)
{
	if (!buf) {
		errno = EINVAL;
		return false;
	}
	return atomic_load_explicit(&buf->h->read_only, memory_order_relaxed);
}

DMAADD_API const char *dmaadd_buffer_kind_name(uint32_t kind)
{
	switch (kind) {
	case DMAADD_BUF_KIND_ALLOC:
		return "alloc";
	case DMAADD_BUF_KIND_IMPORT:
		return "import";
	case DMAADD_BUF_KIND_USERPTR:
		return "userptr";
	default:
		return "unknown";
	}
}
