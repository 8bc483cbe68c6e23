// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - device information snapshot (DMAADD_IOCTL_INFO).
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* Getters share one shape: NULL gives 0 (or false) and EINVAL. */
#define DMAADD_INFO_GETTER(type, name, expr)				\
DMAADD_API type dmaadd_device_info_##name(const struct dmaadd_device_info *info) \
{									\
	if (!info) {							\
		errno = EINVAL;						\
		return 0;						\
	}								\
	return (expr);							\
}

DMAADD_INFO_GETTER(uint32_t, get_api_version, info->info.api_version)
DMAADD_INFO_GETTER(uint32_t, get_backend, info->info.backend)
DMAADD_INFO_GETTER(uint64_t, get_caps, info->info.caps)
DMAADD_INFO_GETTER(bool, has_iommu, info->info.caps & DMAADD_CAP_IOMMU)
DMAADD_INFO_GETTER(bool, has_bounce, info->info.caps & DMAADD_CAP_BOUNCE)
DMAADD_INFO_GETTER(uint64_t, get_dma_mask, info->info.dma_mask)
DMAADD_INFO_GETTER(uint64_t, get_max_buffer_size, info->info.max_buffer_size)
DMAADD_INFO_GETTER(uint32_t, get_ops, info->info.ops)
DMAADD_INFO_GETTER(uint32_t, get_index, info->info.index)
DMAADD_INFO_GETTER(uint32_t, get_max_jobs_in_flight,
		   info->info.max_jobs_in_flight)
DMAADD_INFO_GETTER(uint32_t, get_job_history, info->info.job_history)

DMAADD_API void dmaadd_device_info_free(struct dmaadd_device_info *info)
{
	free(info);
}

DMAADD_API const char *
dmaadd_device_info_get_backend_name(const struct dmaadd_device_info *info)
{
	if (!info) {
		errno = EINVAL;
		return NULL;
	}

	switch (info->info.backend) {
	case DMAADD_BACKEND_PLATFORM:
		return "platform";
	case DMAADD_BACKEND_PCI:
		return "pci";
	default:
		return "unknown";
	}
}

DMAADD_API bool
dmaadd_device_info_supports_op(const struct dmaadd_device_info *info,
			       uint32_t op)
{
	if (!info) {
		errno = EINVAL;
		return false;
	}
	return op < 32 && (info->info.ops & (UINT32_C(1) << op));
}
