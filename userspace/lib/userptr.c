// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - the caller's own memory as a buffer: DMAADD_IOCTL_BUF_USERPTR.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

DMAADD_API struct dmaadd_buffer *
dmaadd_buffer_wrap_userptr(struct dmaadd_device *dev, void *ptr, size_t length,
			   uint32_t flags)
{
	struct dmaadd_buf_userptr arg = {
		.size = sizeof(arg),
		.flags = flags,
		.addr = (uintptr_t)ptr,
		.length = length,
	};
	struct dmaadd_buffer *buf;
	struct dmaadd_handle *h;

	if (!dev || !ptr || !length) {
		errno = EINVAL;
		return NULL;
	}

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto err_free_buf;

	if (dmaadd__ioctl(dev->fd, DMAADD_IOCTL_BUF_USERPTR, &arg))
		goto err_free_buf;

	/* A new handle, and never one an import can return (no export). */
	h->handle = arg.handle;
	h->users = 1;
	h->kind = DMAADD_BUF_KIND_USERPTR;
	atomic_init(&h->read_only, (flags & DMAADD_USERPTR_READ_ONLY) != 0);
	pthread_mutex_lock(&dev->lock);
	dmaadd__handle_insert_locked(dev, h);
	pthread_mutex_unlock(&dev->lock);

	/* The process has the memory already: nothing to map. */
	dmaadd__buffer_init(buf, dev, h, ptr, length, 0);
	return buf;

err_free_buf:
	free(h);
	free(buf);
	return NULL;
}
