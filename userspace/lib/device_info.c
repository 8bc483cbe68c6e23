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

/* Each feature, and the module API version that was the first to have it. */
static const struct {
	const char *name;
	uint32_t api_version;
} dmaadd_features[] = {
	[DMAADD_FEATURE_DMABUF] = { "dmabuf", 1 },
	[DMAADD_FEATURE_USERPTR] = { "userptr", 1 },
	[DMAADD_FEATURE_BUFFER_QUERY] = { "buffer_query", 1 },
	[DMAADD_FEATURE_FENCES] = { "fences", 2 },
	[DMAADD_FEATURE_BATCH] = { "batch", 2 },
	[DMAADD_FEATURE_IMPLICIT_SYNC] = { "implicit_sync", 2 },
	[DMAADD_FEATURE_SUBMIT_COPY] = { "submit_copy", 3 },
	[DMAADD_FEATURE_DEVICE_REMOVAL] = { "device_removal", 4 },
	[DMAADD_FEATURE_POLL] = { "poll", 5 },
	[DMAADD_FEATURE_COMPLETION_PAGE] = { "completion_page",
					     DMAADD_API_VERSION_COMPLETION },
};

static bool dmaadd_feature_known(uint32_t feature)
{
	return feature < sizeof(dmaadd_features) / sizeof(dmaadd_features[0]) &&
	       dmaadd_features[feature].name;
}

DMAADD_API bool
dmaadd_device_info_has_feature(const struct dmaadd_device_info *info,
			       uint32_t feature)
{
	if (!info || !dmaadd_feature_known(feature)) {
		errno = EINVAL;
		return false;
	}
	return info->info.api_version >= dmaadd_features[feature].api_version;
}

DMAADD_API const char *dmaadd_feature_name(uint32_t feature)
{
	return dmaadd_feature_known(feature) ? dmaadd_features[feature].name :
					       "unknown";
}
