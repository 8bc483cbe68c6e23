/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdmaadd - private definitions shared by the library's objects.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef LIBDMAADD_INTERNAL_H
#define LIBDMAADD_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "libdmaadd.h"

/*
 * Everything is built with -fvisibility=hidden; only definitions marked
 * with DMAADD_API are exported, and libdmaadd.map gives them a version.
 */
#define DMAADD_API __attribute__((visibility("default")))

struct dmaadd_device {
	int fd;
	/* One for the caller until dmaadd_device_close(), one per buffer. */
	atomic_uint refs;
	char *path;
	/* Snapshot taken at open; immutable afterwards. */
	struct dmaadd_info info;
};

struct dmaadd_buffer {
	struct dmaadd_device *dev;
	void *data;
	size_t length;
	uint32_t handle;
};

struct dmaadd_device_info {
	struct dmaadd_info info;
};

void dmaadd_device_get(struct dmaadd_device *dev);
void dmaadd_device_put(struct dmaadd_device *dev);

int dmaadd_ioctl(int fd, unsigned long request, void *arg);

#endif /* LIBDMAADD_INTERNAL_H */
