/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdmaadd - private definitions shared by the library's objects.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef LIBDMAADD_INTERNAL_H
#define LIBDMAADD_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "libdmaadd.h"

/*
 * Everything is built with -fvisibility=hidden; only definitions marked
 * with DMAADD_API are exported, and libdmaadd.map gives them a version.
 *
 * Functions shared between the library's objects but not part of its API
 * are named dmaadd__*: hidden in libdmaadd.so, they are still global
 * symbols of the objects in libdmaadd.a, where the public dmaadd_ prefix
 * would make them look like API (and could clash with a program's own
 * names). check-abi holds libdmaadd.a to that: its global symbols are the
 * public functions and dmaadd__* only.
 */
#define DMAADD_API __attribute__((visibility("default")))

/*
 * The completion page (API version 6) is read with 64-bit atomic loads,
 * as the kernel writes it. Where those are not lock-free (some 32-bit
 * CPUs) they would be libatomic's locks, which the kernel does not take:
 * there the library does not map the page, and dmaadd_device_peek()
 * always asks the kernel.
 */
#if defined(__GCC_ATOMIC_LLONG_LOCK_FREE) && __GCC_ATOMIC_LLONG_LOCK_FREE == 2
#define DMAADD_HAVE_COMPLETION_PAGE 1
#else
#define DMAADD_HAVE_COMPLETION_PAGE 0
#endif

/* The first module API version with the completion page. */
#define DMAADD_API_VERSION_COMPLETION 6

/*
 * One kernel handle of a device file, shared by every buffer object that
 * names it. Importing a dma-buf that this same device exported gives back
 * the handle the file already has for that buffer (see
 * DMAADD_IOCTL_BUF_IMPORT), so two objects can hold one handle; it is
 * dropped (BUF_FREE) when the last of them is freed.
 */
struct dmaadd_handle {
	struct dmaadd_handle *next;
	uint32_t handle;
	/* Buffer objects holding the handle; under dmaadd_device.lock. */
	unsigned int users;
	/* enum dmaadd_buf_kind, as the kernel reports it. */
	uint32_t kind;
	/* An import can make a shared read-only handle writable. */
	atomic_bool read_only;
};

struct dmaadd_device {
	int fd;
	/* One for the caller until dmaadd_device_close(), one per buffer. */
	atomic_uint refs;
	char *path;
	/* Snapshot taken at open; immutable afterwards. */
	struct dmaadd_info info;
	/*
	 * Protects @handles, and makes "BUF_IMPORT + find its handle" and
	 * "last user gone + BUF_FREE" atomic with respect to each other:
	 * otherwise an import could be handed a handle that a concurrent
	 * free is about to drop.
	 */
	pthread_mutex_t lock;
	struct dmaadd_handle *handles;
	/*
	 * The open file's completion page, mapped read-only by
	 * dmaadd_device_open() and unmapped by dmaadd_device_close(); NULL
	 * without one (a module older than API version 6, a failed mmap,
	 * !DMAADD_HAVE_COMPLETION_PAGE). Immutable in between.
	 */
	const struct dmaadd_completion_page *completion;
	/*
	 * The highest job id the kernel returned to the library's submit
	 * calls on this device (0 before the first), only maintained with
	 * @completion: an id up to it was submitted, so one the page does not
	 * show as completed is pending. A larger id (a raw SUBMIT, or one
	 * never submitted) is asked of the kernel.
	 */
	_Atomic uint64_t last_job_id;
};

struct dmaadd_buffer {
	struct dmaadd_device *dev;
	struct dmaadd_handle *h;
	/* CPU address: our mapping, the caller's memory (userptr) or NULL. */
	void *data;
	size_t length;
	/* Bytes mmap()ed at @data by the library; 0 if nothing is. */
	size_t map_length;
	uint32_t handle;
};

struct dmaadd_device_info {
	struct dmaadd_info info;
};

void dmaadd__device_get(struct dmaadd_device *dev);
void dmaadd__device_put(struct dmaadd_device *dev);

int dmaadd__ioctl(int fd, unsigned long request, void *arg);

/*
 * The handle table of a device (lib/buffer.c). Functions ending in _locked
 * need dev->lock held.
 */
void dmaadd__device_drop_handle(struct dmaadd_device *dev, uint32_t handle);
struct dmaadd_handle *dmaadd__handle_find_locked(struct dmaadd_device *dev,
						 uint32_t handle);
void dmaadd__handle_insert_locked(struct dmaadd_device *dev,
				  struct dmaadd_handle *h);
void dmaadd__handle_put_locked(struct dmaadd_device *dev,
			       struct dmaadd_handle *h);

/*
 * mmap() @length bytes of the device file at the kernel's @mmap_offset,
 * read-only or read-write, MAP_SHARED. Returns the address or MAP_FAILED
 * with errno set (EOVERFLOW: the offset does not fit off_t).
 */
void *dmaadd__device_map(struct dmaadd_device *dev, uint64_t mmap_offset,
			 size_t length, bool read_only);

/*
 * Fill in a zeroed buffer object; it holds one use of @h (counted by the
 * caller) and takes a reference on @dev. Cannot fail.
 */
void dmaadd__buffer_init(struct dmaadd_buffer *buf, struct dmaadd_device *dev,
			 struct dmaadd_handle *h, void *data, size_t length,
			 size_t map_length);

#endif /* LIBDMAADD_INTERNAL_H */
