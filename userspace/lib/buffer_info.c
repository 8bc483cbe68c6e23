// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - what the CPU and the device see of a buffer
 * (DMAADD_IOCTL_BUF_QUERY).
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

struct dmaadd_buffer_info {
	struct dmaadd_buf_query query;
};

DMAADD_API struct dmaadd_buffer_info *
dmaadd_buffer_get_info(const struct dmaadd_buffer *buf)
{
	struct dmaadd_buffer_info *info;
	int saved_errno;

	if (!buf) {
		errno = EINVAL;
		return NULL;
	}

	info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;

	info->query.size = sizeof(info->query);
	info->query.handle = buf->handle;
	if (dmaadd__ioctl(buf->dev->fd, DMAADD_IOCTL_BUF_QUERY, &info->query)) {
		saved_errno = errno;
		free(info);
		errno = saved_errno;
		return NULL;
	}
	return info;
}

DMAADD_API void dmaadd_buffer_info_free(struct dmaadd_buffer_info *info)
{
	free(info);
}

/* Getters share one shape: NULL gives 0 (or false) and EINVAL. */
#define DMAADD_BUFFER_INFO_GETTER(type, name, expr)			\
DMAADD_API type dmaadd_buffer_info_##name(const struct dmaadd_buffer_info *info) \
{									\
	if (!info) {							\
		errno = EINVAL;						\
		return 0;						\
	}								\
	return (expr);							\
}

DMAADD_BUFFER_INFO_GETTER(uint32_t, get_kind, info->query.kind)
DMAADD_BUFFER_INFO_GETTER(uint64_t, get_length, info->query.length)
DMAADD_BUFFER_INFO_GETTER(uint64_t, get_cpu_pages, info->query.cpu_pages)
DMAADD_BUFFER_INFO_GETTER(uint64_t, get_cpu_segments, info->query.cpu_segments)
DMAADD_BUFFER_INFO_GETTER(uint64_t, get_dma_segments, info->query.dma_segments)
DMAADD_BUFFER_INFO_GETTER(uint32_t, get_flags, info->query.buf_flags)
DMAADD_BUFFER_INFO_GETTER(bool, is_read_only,
			  info->query.buf_flags & DMAADD_BUF_READ_ONLY)
DMAADD_BUFFER_INFO_GETTER(bool, is_iova,
			  info->query.buf_flags & DMAADD_BUF_IOVA)
DMAADD_BUFFER_INFO_GETTER(bool, is_streaming,
			  info->query.buf_flags & DMAADD_BUF_STREAMING)

DMAADD_API int
dmaadd_buffer_query_dma_segments(const struct dmaadd_buffer *buf,
				 struct dmaadd_dma_segment *segs, size_t max)
{
	struct dmaadd_buf_query query = {
		.size = sizeof(query),
	};

	if (!buf || (max && !segs)) {
		errno = EINVAL;
		return -1;
	}

	query.handle = buf->handle;
	query.nr_addrs = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
	query.addrs_ptr = (uintptr_t)segs;
	if (dmaadd__ioctl(buf->dev->fd, DMAADD_IOCTL_BUF_QUERY, &query))
		return -1;
	if (query.nr_addrs > INT_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)query.nr_addrs;
}
