/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdmaadd - userspace library for the dmaadd DMA array adder.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef LIBDMAADD_H
#define LIBDMAADD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The kernel uapi: enum dmaadd_backend, enum dmaadd_info_caps,
 * enum dmaadd_op and enum dmaadd_job_status are used as they are.
 */
#include <linux/dmaadd.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * DOC: Conventions
 *
 * Objects. &struct dmaadd_device (an open device file),
 * &struct dmaadd_buffer (a buffer of one open device file: allocated and
 * mapped into this process, imported from a dma-buf, or the caller's own
 * memory), &struct dmaadd_device_info, &struct dmaadd_buffer_info and
 * &struct dmaadd_device_list are opaque and only handled through pointers.
 * &struct dmaadd_job_desc is public and versioned by its @size member,
 * like the kernel's ioctl structs.
 *
 * Errors. There is one convention:
 *
 * - Constructors (``*_open*``, ``*_alloc*``, ``*_import*``, ``*_wrap*``,
 *   ``*_new``, ``*_get_info``) return a new object, or NULL with errno
 *   set.
 * - Functions returning ``int`` return 0 (or a documented non-negative
 *   value) on success, -1 with errno set on failure.
 * - Getters return the value. Given a NULL object (or an index out of
 *   range, or a feature this library does not know) they return 0, false,
 *   NULL or -1 as documented and set errno to EINVAL; they cannot fail
 *   otherwise.
 * - Destructors (``*_close``, ``*_free``) return nothing, accept NULL and
 *   leave errno untouched, so they are safe on error paths.
 *
 * Any NULL object pointer gives EINVAL. errno values are those of the
 * ioctls documented in <linux/dmaadd.h> plus the ones listed per function.
 * errno is only meaningful after a call has failed.
 *
 * Device removal. Once the device is removed (unplugged, unbound or the
 * module unloaded; API version 4), calls that reach it fail with ENODEV,
 * except waiting for jobs and freeing buffers, and jobs that had not
 * started complete with DMAADD_JOB_CANCELLED. Mappings stay valid memory.
 * See "Device removal" in <linux/dmaadd.h>.
 *
 * Signals. The library retries an ioctl interrupted by a signal (EINTR)
 * with the same arguments: the kernel's wait timeout is absolute, so a
 * retried wait does not restart its timeout. dmaadd_fence_wait() likewise
 * polls again for the time that is left. Bound waits with a timeout
 * rather than relying on a signal to interrupt them. The one exception is
 * dmaadd_device_add_i32_copy(), which fails with EINTR (see there).
 *
 * File descriptors are opened with O_CLOEXEC. Handles and job ids belong
 * to one open file: they mean nothing to another &struct dmaadd_device,
 * even one opened on the same path.
 *
 * Threads. The library has no global mutable state. A &struct dmaadd_device
 * may be used from several threads at once (every call is a single ioctl,
 * serialised by the kernel, or takes the device's own lock where it needs
 * more, or only reads the completion page the kernel writes). Any other
 * object must not be used by one thread while another thread frees it.
 *
 * Names. Every function of the API is declared here and named dmaadd_*.
 * Names beginning with dmaadd__ (two underscores) belong to the library's
 * internals: libdmaadd.a defines such symbols, so a program linked with it
 * statically must not use that prefix.
 *
 * Versions. Functions documented "Since: 1.1" are in the symbol version
 * LIBDMAADD_1.1 of libdmaadd.so.1 (library version 1.1.0 and later),
 * those documented "Since: 1.2" in LIBDMAADD_1.2 (1.2.0 and later),
 * those documented "Since: 1.3" in LIBDMAADD_1.3 (1.3.0 and later),
 * those documented "Since: 1.4" in LIBDMAADD_1.4 (1.4.0 and later);
 * everything else is in LIBDMAADD_1. LIBDMAADD_CHECK_VERSION() tells at
 * compile time which version a header is, dmaadd_library_check_version()
 * at run time which version the library is. Fences and batched submission
 * (1.2) also need a module of API version 2 or later (see
 * dmaadd_device_info_get_api_version()), the copying path
 * (dmaadd_device_add_i32_copy(), 1.2) one of API version 3 or later; with
 * an older one they fail with EOPNOTSUPP. dmaadd_device_info_has_feature()
 * (1.3) answers such questions by name. dmaadd_device_peek() (1.4) works
 * with any module, without a system call from API version 6 on (the
 * completion page).
 */

/** @LIBDMAADD_VERSION_MAJOR: major version of this header and its library */
#define LIBDMAADD_VERSION_MAJOR 1
/** @LIBDMAADD_VERSION_MINOR: minor version of this header and its library */
#define LIBDMAADD_VERSION_MINOR 4
/** @LIBDMAADD_VERSION_PATCH: patch level of this header and its library */
#define LIBDMAADD_VERSION_PATCH 0

/**
 * LIBDMAADD_CHECK_VERSION() - is this header at least a given version
 * @major: major version, e.g. 1 for 1.3.0
 * @minor: minor version, e.g. 3 for 1.3.0
 * @patch: patch level, e.g. 0 for 1.3.0
 *
 * A compile-time test of the header the program is compiled with, usable
 * in ``#if``, for code that uses what a later version added::
 *
 *	#if LIBDMAADD_CHECK_VERSION(1, 3, 0)
 *		if (dmaadd_device_info_has_feature(info, DMAADD_FEATURE_FENCES))
 *			...
 *	#endif
 *
 * A program linked with libdmaadd.so.1 may run with a later library than
 * its header (never with one older than the functions it uses: symbol
 * versions see to that); dmaadd_library_check_version() tests that one.
 *
 * Since: 1.3
 *
 * Return: 1 if LIBDMAADD_VERSION_MAJOR, _MINOR and _PATCH make
 * @major.@minor.@patch or a later version, 0 otherwise.
 */
#define LIBDMAADD_CHECK_VERSION(major, minor, patch)			\
	(LIBDMAADD_VERSION_MAJOR > (major) ||				\
	 (LIBDMAADD_VERSION_MAJOR == (major) &&				\
	  (LIBDMAADD_VERSION_MINOR > (minor) ||				\
	   (LIBDMAADD_VERSION_MINOR == (minor) &&			\
	    LIBDMAADD_VERSION_PATCH >= (patch)))))

/** @DMAADD_WAIT_FOREVER: timeout_ns for dmaadd_device_wait() that never expires */
#define DMAADD_WAIT_FOREVER INT64_C(-1)

struct dmaadd_device;
struct dmaadd_device_info;
struct dmaadd_device_list;
struct dmaadd_buffer;
struct dmaadd_buffer_info;

/**
 * dmaadd_library_version() - version of the library
 *
 * The version of the library the program runs with, which may be later
 * than the header it was compiled with.
 *
 * Return: a static string such as "1.4.0"; never NULL, never to be freed.
 */
const char *dmaadd_library_version(void);

/**
 * dmaadd_library_version_major() - major version of the library
 *
 * Since: 1.3
 *
 * Return: the major version of the library the program runs with, e.g. 1
 * for 1.3.0.
 */
unsigned int dmaadd_library_version_major(void);

/**
 * dmaadd_library_version_minor() - minor version of the library
 *
 * Since: 1.3
 *
 * Return: the minor version of the library the program runs with, e.g. 3
 * for 1.3.0.
 */
unsigned int dmaadd_library_version_minor(void);

/**
 * dmaadd_library_version_patch() - patch level of the library
 *
 * Since: 1.3
 *
 * Return: the patch level of the library the program runs with, e.g. 0
 * for 1.3.0.
 */
unsigned int dmaadd_library_version_patch(void);

/**
 * dmaadd_library_check_version() - is the library at least a given version
 * @major: major version, e.g. 1 for 1.3.0
 * @minor: minor version
 * @patch: patch level
 *
 * The run-time counterpart of LIBDMAADD_CHECK_VERSION(): it tests the
 * library the program runs with, not the header it was compiled with.
 *
 * Since: 1.3
 *
 * Return: true if the library is version @major.@minor.@patch or later,
 * false otherwise; cannot fail.
 */
bool dmaadd_library_check_version(unsigned int major, unsigned int minor,
				  unsigned int patch);

/* ----------------------------------------------------------------------- */
/* Device                                                                  */
/* ----------------------------------------------------------------------- */

/**
 * dmaadd_device_open() - open a dmaadd device
 * @path: the character device, normally "/dev/dmaaddN"
 *
 * Opens @path read-write with O_CLOEXEC and checks that it answers
 * DMAADD_IOCTL_INFO. Since 1.4, with a module of API version 6 or later
 * (%DMAADD_FEATURE_COMPLETION_PAGE), also maps the open file's completion
 * page read-only, for dmaadd_device_peek(); if that mmap fails the open
 * still succeeds, and dmaadd_device_peek() asks the kernel instead.
 *
 * Return: a new device the caller owns and must close with
 * dmaadd_device_close(), or NULL with errno set: EINVAL (@path is NULL),
 * any error of open(2) such as ENOENT (no such file; is the module
 * loaded?) or EACCES, ENOTTY (@path is not a dmaadd device), ENOMEM.
 */
struct dmaadd_device *dmaadd_device_open(const char *path);

/**
 * dmaadd_device_open_index() - open /dev/dmaadd@index
 * @index: the N of /dev/dmaaddN
 *
 * Return: as dmaadd_device_open().
 */
struct dmaadd_device *dmaadd_device_open_index(unsigned int index);

/**
 * dmaadd_device_close() - close a device
 * @dev: device to close, or NULL
 *
 * Ends the caller's use of @dev: it must not be passed to any function
 * afterwards. Buffers allocated from @dev and not yet freed stay valid
 * (their data stays mapped) and keep the device file open; the file is
 * closed when the last of them is freed with dmaadd_buffer_free(). Freeing
 * buffers first is not required, but is the usual order.
 *
 * Jobs still in flight are not waited for and not disturbed: they hold
 * their own references on their buffers' memory and complete normally.
 * Wait for a job before closing if its result is wanted. The completion
 * page (see dmaadd_device_open()) is unmapped here.
 */
void dmaadd_device_close(struct dmaadd_device *dev);

/**
 * dmaadd_device_get_fd() - file descriptor of a device
 * @dev: device
 *
 * The descriptor stays owned by @dev: do not close it. It can be used for
 * raw ioctls, with fcntl(2) flags (see dmaadd_device_set_nonblocking()),
 * and, with a module that has %DMAADD_FEATURE_POLL, with poll(2), select(2)
 * and epoll(7): readable (POLLIN) once every job submitted through @dev has
 * completed, writable (POLLOUT) while a job slot is free, POLLHUP once the
 * device was removed and its jobs completed. To wait for one job, use dmaadd_device_wait() or poll
 * its fence.
 *
 * Return: the descriptor, or -1 with errno EINVAL if @dev is NULL.
 */
int dmaadd_device_get_fd(const struct dmaadd_device *dev);

/**
 * dmaadd_device_get_path() - path the device was opened with
 * @dev: device
 *
 * Return: a string owned by @dev, valid until it is closed; NULL with
 * errno EINVAL if @dev is NULL.
 */
const char *dmaadd_device_get_path(const struct dmaadd_device *dev);

/**
 * dmaadd_device_get_info() - properties of a device
 * @dev: device
 *
 * Return: a new snapshot of DMAADD_IOCTL_INFO, taken when @dev was opened,
 * which the caller owns and must free with dmaadd_device_info_free(); it
 * stays valid after @dev is closed. NULL with errno set: EINVAL (@dev is
 * NULL), ENOMEM.
 */
struct dmaadd_device_info *
dmaadd_device_get_info(const struct dmaadd_device *dev);

/**
 * dmaadd_device_set_nonblocking() - set or clear O_NONBLOCK
 * @dev: device
 * @nonblocking: true to set O_NONBLOCK on the open file, false to clear it
 *
 * With O_NONBLOCK, dmaadd_device_submit() fails with EAGAIN instead of
 * sleeping when max_jobs_in_flight jobs are queued; the library never
 * retries that EAGAIN. The flag belongs to the open file, so it is shared
 * with every thread and with descriptors duplicated from it.
 *
 * Return: 0, or -1 with errno set: EINVAL (@dev is NULL), any error of
 * fcntl(2).
 */
int dmaadd_device_set_nonblocking(struct dmaadd_device *dev, bool nonblocking);

/* ----------------------------------------------------------------------- */
/* Device information                                                      */
/* ----------------------------------------------------------------------- */

/**
 * dmaadd_device_info_free() - free a device information snapshot
 * @info: snapshot from dmaadd_device_get_info(), or NULL
 */
void dmaadd_device_info_free(struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_api_version() - uapi version of the running module
 * @info: device information
 *
 * Return: DMAADD_API_VERSION of the kernel module (1 or later); 0 with
 * errno EINVAL if @info is NULL.
 */
uint32_t dmaadd_device_info_get_api_version(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_backend() - what the device instance is bound to
 * @info: device information
 *
 * Return: an &enum dmaadd_backend value (DMAADD_BACKEND_PLATFORM or
 * DMAADD_BACKEND_PCI; newer modules may report others); 0 with errno
 * EINVAL if @info is NULL.
 */
uint32_t dmaadd_device_info_get_backend(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_backend_name() - backend as a word
 * @info: device information
 *
 * Return: a static string: "platform", "pci" or "unknown"; NULL with errno
 * EINVAL if @info is NULL.
 */
const char *
dmaadd_device_info_get_backend_name(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_caps() - capability bits
 * @info: device information
 *
 * Return: bitmask of &enum dmaadd_info_caps (DMAADD_CAP_*); 0 with errno
 * EINVAL if @info is NULL.
 */
uint64_t dmaadd_device_info_get_caps(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_has_iommu() - does an IOMMU translate the device's DMA
 * @info: device information
 *
 * Return: true if DMAADD_CAP_IOMMU is set (device addresses are IOVAs);
 * false otherwise, or with errno EINVAL if @info is NULL.
 */
bool dmaadd_device_info_has_iommu(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_has_bounce() - is streaming DMA bounced via swiotlb
 * @info: device information
 *
 * Return: true if DMAADD_CAP_BOUNCE is set; false otherwise, or with errno
 * EINVAL if @info is NULL.
 */
bool dmaadd_device_info_has_bounce(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_dma_mask() - streaming DMA mask of the device
 * @info: device information
 *
 * Return: the mask (a bit mask, e.g. 0xffffffff for 32 bits; not an
 * address); 0 with errno EINVAL if @info is NULL.
 */
uint64_t dmaadd_device_info_get_dma_mask(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_max_buffer_size() - largest buffer length
 * @info: device information
 *
 * Return: the largest length dmaadd_buffer_alloc() may succeed with, in
 * bytes (smaller allocations can still fail with ENOMEM); 0 with errno
 * EINVAL if @info is NULL.
 */
uint64_t
dmaadd_device_info_get_max_buffer_size(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_ops() - supported operations
 * @info: device information
 *
 * Return: bitmask with bit (1 << op) set for every supported
 * &enum dmaadd_op; 0 with errno EINVAL if @info is NULL.
 */
uint32_t dmaadd_device_info_get_ops(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_supports_op() - is one operation supported
 * @info: device information
 * @op: an &enum dmaadd_op value
 *
 * Return: true if @op is supported; false otherwise (including @op too
 * large for the mask), or with errno EINVAL if @info is NULL.
 */
bool dmaadd_device_info_supports_op(const struct dmaadd_device_info *info,
				    uint32_t op);

/**
 * dmaadd_device_info_get_index() - N of /dev/dmaaddN
 * @info: device information
 *
 * Return: the index (0 is a valid index); 0 with errno EINVAL if @info is
 * NULL.
 */
uint32_t dmaadd_device_info_get_index(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_max_jobs_in_flight() - queue depth per open file
 * @info: device information
 *
 * Return: how many jobs one open device may have submitted and not yet
 * completed; 0 with errno EINVAL if @info is NULL.
 */
uint32_t
dmaadd_device_info_get_max_jobs_in_flight(const struct dmaadd_device_info *info);

/**
 * dmaadd_device_info_get_job_history() - how many job statuses are kept
 * @info: device information
 *
 * Return: the number of most recent jobs of an open device whose status
 * dmaadd_device_wait() can still report (older ones give ENOENT); 0 with
 * errno EINVAL if @info is NULL.
 */
uint32_t
dmaadd_device_info_get_job_history(const struct dmaadd_device_info *info);

/**
 * enum dmaadd_feature - what a device's module can do, by name
 * @DMAADD_FEATURE_DMABUF: dma-buf export and import
 *	(dmaadd_buffer_export_dmabuf(), dmaadd_buffer_import_dmabuf()).
 *	API version 1.
 * @DMAADD_FEATURE_USERPTR: the caller's own memory as a buffer
 *	(dmaadd_buffer_wrap_userptr()). API version 1.
 * @DMAADD_FEATURE_BUFFER_QUERY: what the CPU and the device see of a
 *	buffer (dmaadd_buffer_get_info(),
 *	dmaadd_buffer_query_dma_segments()). API version 1.
 * @DMAADD_FEATURE_FENCES: job fences: DMAADD_JOB_IN_FENCE and
 *	DMAADD_JOB_OUT_FENCE (dmaadd_device_submit_fence()). API version 2.
 * @DMAADD_FEATURE_BATCH: several jobs in one call
 *	(dmaadd_device_submit_batch()). API version 2.
 * @DMAADD_FEATURE_IMPLICIT_SYNC: jobs wait for the fences other drivers
 *	attached to a shared buffer's dma-buf, and attach their own, so
 *	sharing needs no explicit fences (see "Fences and implicit
 *	synchronisation" in <linux/dmaadd.h>). API version 2.
 * @DMAADD_FEATURE_SUBMIT_COPY: the copying path
 *	(dmaadd_device_add_i32_copy()). API version 3.
 * @DMAADD_FEATURE_DEVICE_REMOVAL: the device may be removed while in
 *	use: calls then fail with ENODEV and the jobs that had not started
 *	complete with DMAADD_JOB_CANCELLED (see "Device removal" in the
 *	conventions above). API version 4; a device of an older module must
 *	not be removed while it is open.
 * @DMAADD_FEATURE_POLL: poll(2) on the device's descriptor
 *	(dmaadd_device_get_fd()) tells when every job submitted on it has
 *	completed (POLLIN) and when a job slot is free (POLLOUT); see
 *	"Polling" in the uapi header. API version 5; before, the descriptor
 *	always looked ready.
 * @DMAADD_FEATURE_COMPLETION_PAGE: a completion page per open file, which
 *	the kernel writes as jobs complete and dmaadd_device_peek() reads to
 *	tell that a job has completed without a system call (see "Completion
 *	page" in the uapi header). API version 6; with an older module
 *	dmaadd_device_peek() still answers, through a system call. Since 1.4.
 *
 * The values are the library's, not the kernel's. Each names what a
 * module of some API version (dmaadd_device_info_get_api_version()) was
 * the first to have, so that programs need not know which version that
 * was. Later versions of the library add values and never change one.
 *
 * Since: 1.3
 */
enum dmaadd_feature {
	DMAADD_FEATURE_DMABUF = 1,
	DMAADD_FEATURE_USERPTR = 2,
	DMAADD_FEATURE_BUFFER_QUERY = 3,
	DMAADD_FEATURE_FENCES = 4,
	DMAADD_FEATURE_BATCH = 5,
	DMAADD_FEATURE_IMPLICIT_SYNC = 6,
	DMAADD_FEATURE_SUBMIT_COPY = 7,
	DMAADD_FEATURE_DEVICE_REMOVAL = 8,
	DMAADD_FEATURE_POLL = 9,
	DMAADD_FEATURE_COMPLETION_PAGE = 10,
};

/**
 * dmaadd_device_info_has_feature() - can the device's module do something
 * @info: device information
 * @feature: an &enum dmaadd_feature value
 *
 * Since: 1.3
 *
 * Return: true if the module behind @info has @feature; false if it has
 * not, and false with errno EINVAL if @info is NULL or @feature is not a
 * feature this library knows (one of a later header's: clear errno before
 * the call to tell "not there" from "not known").
 */
bool dmaadd_device_info_has_feature(const struct dmaadd_device_info *info,
				    uint32_t feature);

/**
 * dmaadd_feature_name() - &enum dmaadd_feature as a word
 * @feature: an &enum dmaadd_feature value
 *
 * Since: 1.3
 *
 * Return: a static string: "dmabuf", "userptr", "buffer_query", "fences",
 * "batch", "implicit_sync", "submit_copy", "device_removal", "poll",
 * "completion_page" (since 1.4) or "unknown".
 */
const char *dmaadd_feature_name(uint32_t feature);

/* ----------------------------------------------------------------------- */
/* Device enumeration                                                      */
/* ----------------------------------------------------------------------- */

/**
 * dmaadd_device_list_new() - list the dmaadd devices
 * @dir: directory to scan, or NULL for "/dev"
 *
 * Collects the character devices (following symlinks) named "dmaaddN" in
 * @dir, N a decimal number without leading zeros, sorted by N. Devices
 * are not opened, so the list includes devices the caller may not be
 * allowed to open.
 *
 * Return: a new list, possibly empty, which the caller owns and must free
 * with dmaadd_device_list_free(); NULL with errno set: any error of
 * opendir(3) (such as ENOENT), ENOMEM.
 */
struct dmaadd_device_list *dmaadd_device_list_new(const char *dir);

/**
 * dmaadd_device_list_free() - free a device list
 * @list: list, or NULL
 */
void dmaadd_device_list_free(struct dmaadd_device_list *list);

/**
 * dmaadd_device_list_get_count() - number of devices in a list
 * @list: list
 *
 * Return: the number of entries (0 if none were found); 0 with errno
 * EINVAL if @list is NULL.
 */
size_t dmaadd_device_list_get_count(const struct dmaadd_device_list *list);

/**
 * dmaadd_device_list_get_path() - path of one entry
 * @list: list
 * @i: entry, 0 .. count - 1
 *
 * Return: a path owned by @list, valid until it is freed, to pass to
 * dmaadd_device_open(); NULL with errno EINVAL if @list is NULL or @i is
 * out of range.
 */
const char *dmaadd_device_list_get_path(const struct dmaadd_device_list *list,
					size_t i);

/**
 * dmaadd_device_list_get_index() - N of one entry's "dmaaddN" name
 * @list: list
 * @i: entry, 0 .. count - 1
 *
 * Return: N (at most INT_MAX), or -1 with errno EINVAL if @list is NULL or
 * @i is out of range.
 */
int dmaadd_device_list_get_index(const struct dmaadd_device_list *list,
				 size_t i);

/* ----------------------------------------------------------------------- */
/* Buffers                                                                 */
/* ----------------------------------------------------------------------- */

/**
 * dmaadd_buffer_alloc() - allocate a device buffer and map it
 * @dev: device
 * @length: length in bytes, 1 .. max_buffer_size
 *
 * Allocates memory with DMAADD_IOCTL_BUF_ALLOC (pages the kernel maps
 * for the device) and maps it read-write (MAP_SHARED) into the process.
 * The memory starts zero-filled. Arrays are filled in place, without any
 * sync call: what the CPU writes through dmaadd_buffer_get_data() before a
 * job is what the job reads, and a job's output is visible there once
 * dmaadd_device_wait() returned, because the kernel syncs each job's range
 * (nothing to do on a cache-coherent machine, the copy to and from the
 * bounce buffer under swiotlb). The range a job uses must not be written
 * while the job runs (under bounce buffering the result is copied back
 * over it).
 *
 * The buffer holds a reference on @dev (see dmaadd_device_close()).
 *
 * Return: a new buffer the caller owns and must free with
 * dmaadd_buffer_free(), or NULL with errno set: EINVAL (@dev is NULL,
 * @length is 0 or above max_buffer_size), ENOMEM, EOVERFLOW (the kernel's
 * mmap offset does not fit off_t), any error of mmap(2).
 */
struct dmaadd_buffer *dmaadd_buffer_alloc(struct dmaadd_device *dev,
					  size_t length);

/**
 * dmaadd_buffer_alloc_flags() - dmaadd_buffer_alloc() with allocation flags
 * @dev: device
 * @length: length in bytes, 1 .. max_buffer_size
 * @flags: bitmask of the uapi's DMAADD_BUF_* allocation flags (such as
 *	DMAADD_BUF_CONTIGUOUS), passed to DMAADD_IOCTL_BUF_ALLOC unchanged;
 *	0 is dmaadd_buffer_alloc()
 *
 * Return: as dmaadd_buffer_alloc(); EINVAL also for a flag the running
 * module does not know, ENOMEM also when a flag's requirement cannot be
 * met (see <linux/dmaadd.h>).
 */
struct dmaadd_buffer *dmaadd_buffer_alloc_flags(struct dmaadd_device *dev,
						size_t length, uint32_t flags);

/**
 * dmaadd_buffer_free() - unmap and release a buffer
 * @buf: buffer of any kind, or NULL
 *
 * Unmaps the library's mapping of the buffer, if it has one, and drops its
 * handle (DMAADD_IOCTL_BUF_FREE) unless another buffer object of the same
 * device still shares it (see dmaadd_buffer_import_dmabuf()). Jobs already
 * submitted that use it are not disturbed: the kernel keeps the memory
 * until they complete. Pointers from dmaadd_buffer_get_data() into the
 * mapping become invalid; for a buffer from dmaadd_buffer_wrap_userptr()
 * nothing is unmapped and the memory stays the caller's.
 *
 * The handle (dmaadd_buffer_get_handle()) and the mmap offset that goes
 * with it are reused at once: the kernel gives each new buffer of an open
 * device the lowest free handle, so the next buffer allocated, imported
 * or wrapped on the same device, by any thread, may well get the handle
 * just dropped. A raw ioctl or mmap(2) that still uses the old handle then
 * reaches that other buffer: forget the handle before freeing the buffer.
 */
void dmaadd_buffer_free(struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_get_data() - CPU address of a buffer's contents
 * @buf: buffer
 *
 * Return: for an allocated or imported buffer, the start of the library's
 * mapping, owned by @buf and valid until it is freed; page-aligned, so any
 * element type may be stored; mapped read-only (PROT_READ) if the buffer
 * was read-only when it was imported. For a buffer from
 * dmaadd_buffer_wrap_userptr(), the caller's own pointer as given. NULL
 * for an imported buffer whose exporter cannot be mapped into a process,
 * and NULL with errno EINVAL if @buf is NULL.
 */
void *dmaadd_buffer_get_data(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_get_length() - length of a buffer
 * @buf: buffer
 *
 * Return: the length in bytes given at allocation or registration; for an
 * imported buffer the length the kernel reports (a dma-buf's size is whole
 * pages, except that a dma-buf of this same device gives back the
 * buffer's own length). Jobs may use this many bytes. 0 with errno EINVAL
 * if @buf is NULL.
 */
size_t dmaadd_buffer_get_length(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_get_handle() - kernel handle of a buffer
 * @buf: buffer
 *
 * Only needed for raw ioctls on dmaadd_device_get_fd(); the handle is
 * only meaningful in the buffer's own open device file. Two buffer objects
 * can share a handle (see dmaadd_buffer_import_dmabuf()); do not drop it
 * with a raw DMAADD_IOCTL_BUF_FREE.
 *
 * Return: the handle (never 0); 0 with errno EINVAL if @buf is NULL.
 */
uint32_t dmaadd_buffer_get_handle(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_get_device() - device a buffer belongs to
 * @buf: buffer
 *
 * Return: the device, not a new reference: valid until the caller closes
 * it; NULL with errno EINVAL if @buf is NULL.
 */
struct dmaadd_device *dmaadd_buffer_get_device(const struct dmaadd_buffer *buf);

/* ----------------------------------------------------------------------- */
/* Sharing buffers and user memory (since 1.1)                             */
/* ----------------------------------------------------------------------- */

/**
 * dmaadd_buffer_get_kind() - what memory a buffer is
 * @buf: buffer
 *
 * Known from the moment the buffer was created: DMAADD_BUF_KIND_ALLOC for
 * dmaadd_buffer_alloc(), DMAADD_BUF_KIND_USERPTR for
 * dmaadd_buffer_wrap_userptr(), and for dmaadd_buffer_import_dmabuf() the
 * kind the kernel reports: DMAADD_BUF_KIND_IMPORT for a dma-buf of another
 * driver or another dmaadd device, but DMAADD_BUF_KIND_ALLOC for a dma-buf
 * this same device exported, which is the very same allocated buffer.
 *
 * Since: 1.1
 *
 * Return: an &enum dmaadd_buf_kind value; 0 with errno EINVAL if @buf is
 * NULL.
 */
uint32_t dmaadd_buffer_get_kind(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_kind_name() - &enum dmaadd_buf_kind as a word
 * @kind: kind from dmaadd_buffer_get_kind() or dmaadd_buffer_info_get_kind()
 *
 * Since: 1.1
 *
 * Return: a static string: "alloc", "import", "userptr" or "unknown".
 */
const char *dmaadd_buffer_kind_name(uint32_t kind);

/**
 * dmaadd_buffer_is_read_only() - can the buffer only be a job's input
 * @buf: buffer
 *
 * A buffer is read-only when it was registered with
 * DMAADD_USERPTR_READ_ONLY or imported from a dma-buf fd opened read-only
 * (for example exported with DMAADD_EXPORT_READ_ONLY). Submitting a job
 * whose output is a read-only buffer fails with EACCES. The kernel keeps
 * one handle per buffer and device file, so importing the same buffer
 * again read-write into the same device makes both buffer objects
 * writable (importing it read-only never takes write access away).
 *
 * Since: 1.1
 *
 * Return: true if read-only; false otherwise, or with errno EINVAL if
 * @buf is NULL.
 */
bool dmaadd_buffer_is_read_only(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_export_dmabuf() - export a buffer as a dma-buf
 * @buf: an allocated buffer (dmaadd_buffer_alloc(), or an import of a
 *	dma-buf this same device exported)
 * @flags: 0 for a read-write dma-buf, or DMAADD_EXPORT_READ_ONLY for one
 *	opened O_RDONLY: it can only be mapped PROT_READ, and whoever imports
 *	it into dmaadd gets a read-only buffer
 *
 * Creates a new dma-buf file (DMAADD_IOCTL_BUF_EXPORT) for the buffer's
 * memory. Pass it to another process with dmaadd_fd_send(), import it in
 * another open device or another dmaadd device with
 * dmaadd_buffer_import_dmabuf(), or hand it to another driver. The dma-buf
 * keeps the memory alive on its own: freeing @buf or closing its device
 * does not free memory the descriptor still reaches.
 *
 * Since: 1.1
 *
 * Return: a new descriptor (O_CLOEXEC) the caller owns and must close(),
 * or -1 with errno set: EINVAL (@buf is NULL, an unknown flag, or @buf is
 * an imported or user memory buffer: those cannot be re-exported), EACCES
 * (@buf is read-only and DMAADD_EXPORT_READ_ONLY was not given), EMFILE,
 * ENOMEM.
 */
int dmaadd_buffer_export_dmabuf(struct dmaadd_buffer *buf, uint32_t flags);

/**
 * dmaadd_buffer_import_dmabuf() - a buffer for a dma-buf descriptor
 * @dev: device
 * @fd: a dma-buf descriptor, for example from dmaadd_fd_recv(); it stays
 *	the caller's: the kernel takes its own reference, so @fd may be
 *	closed as soon as this returns
 *
 * Imports the dma-buf (DMAADD_IOCTL_BUF_IMPORT) and maps it through the
 * device file like an allocated buffer, read-write, or read-only
 * (PROT_READ) if @fd was opened read-only. A dma-buf of another driver or
 * of another dmaadd device is mapped for this device and used through a
 * streaming mapping, which the kernel syncs around each job; what the CPU
 * writes through dmaadd_buffer_get_data() before a job is what the job
 * reads, and a job's output is visible once dmaadd_device_wait() returned.
 * A dma-buf this same device exported is the very same buffer; importing
 * it into a device file that already has a handle for it gives a new
 * buffer object sharing that handle, which stays valid until every object
 * sharing it is freed.
 *
 * The buffer holds a reference on @dev (see dmaadd_device_close()).
 *
 * Since: 1.1
 *
 * Return: a new buffer the caller owns and must free with
 * dmaadd_buffer_free(), or NULL with errno set: EINVAL (@dev is NULL, @fd
 * is not a dma-buf), EBADF (@fd is not an open descriptor), ENOMEM,
 * EOVERFLOW (the length does not fit size_t), or what the exporter's
 * attach or map returned. If the exporter refuses to be mapped into a
 * process, the import still succeeds and dmaadd_buffer_get_data() gives
 * NULL; jobs can use the buffer all the same.
 */
struct dmaadd_buffer *dmaadd_buffer_import_dmabuf(struct dmaadd_device *dev,
						  int fd);

/**
 * dmaadd_buffer_wrap_userptr() - use the caller's memory as a buffer
 * @dev: device
 * @ptr: start of the memory, any byte address (for example from malloc())
 * @length: bytes, 1 .. max_buffer_size
 * @flags: 0, or DMAADD_USERPTR_READ_ONLY: the device only reads the memory
 *	(it may then be mapped read-only) and the buffer can only be a job's
 *	input
 *
 * Registers the memory zero copy (DMAADD_IOCTL_BUF_USERPTR): the kernel
 * pins its pages (charged to RLIMIT_MEMLOCK) and maps them for the device.
 * dmaadd_buffer_get_data() returns @ptr; nothing is mapped or copied, and
 * job offsets count from @ptr. Reads and writes through @ptr are seen by
 * jobs submitted after them, and a job's output is visible there once
 * dmaadd_device_wait() returned; the range a job uses must not be written
 * while the job runs (under bounce buffering the result is copied back
 * over it).
 *
 * Lifetime. The kernel pins the pages, not the addresses: until
 * dmaadd_buffer_free() and until every job using the buffer has completed,
 * jobs read and write exactly the pages that backed the range when it was
 * registered. Keep the memory allocated and mapped until then. Freeing it
 * early crashes nothing and corrupts no other process (the pages stay
 * pinned and charged), but after munmap() (or a free() that unmaps, as
 * glibc does for large blocks) results land in pages the process can no
 * longer see, and after a free() that keeps the memory, jobs write into
 * whatever the allocator hands out there next. After fork(), the parent
 * keeps seeing the results, the child does not.
 *
 * The buffer holds a reference on @dev (see dmaadd_device_close()).
 *
 * Since: 1.1
 *
 * Return: a new buffer the caller owns and must free with
 * dmaadd_buffer_free(), or NULL with errno set: EINVAL (@dev or @ptr is
 * NULL, @length is 0 or above max_buffer_size, the range wraps around the
 * address space, an unknown flag), EFAULT (part of the range is not
 * mapped, or cannot be pinned, such as a device mapping, or is not
 * writable without DMAADD_USERPTR_READ_ONLY), ENOMEM (above
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK, or out of memory).
 */
struct dmaadd_buffer *dmaadd_buffer_wrap_userptr(struct dmaadd_device *dev,
						 void *ptr, size_t length,
						 uint32_t flags);

/**
 * dmaadd_buffer_get_info() - what the CPU and the device see of a buffer
 * @buf: buffer
 *
 * Takes a snapshot with DMAADD_IOCTL_BUF_QUERY: kind, length, how many CPU
 * pages back the buffer and in how many physically contiguous runs, how
 * many segments the device walks, and whether device addresses are IOVAs
 * and the mapping is streaming. Needs no privilege; reveals no address
 * (see dmaadd_buffer_query_dma_segments() for those).
 *
 * Since: 1.1
 *
 * Return: a new snapshot the caller owns and must free with
 * dmaadd_buffer_info_free(); it stays valid after @buf is freed. NULL with
 * errno set: EINVAL (@buf is NULL), ENOENT (its handle is gone: dropped
 * with a raw ioctl), ENOMEM.
 */
struct dmaadd_buffer_info *
dmaadd_buffer_get_info(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_info_free() - free a buffer information snapshot
 * @info: snapshot from dmaadd_buffer_get_info(), or NULL
 *
 * Since: 1.1
 */
void dmaadd_buffer_info_free(struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_get_kind() - what memory the buffer is
 * @info: buffer information
 *
 * Since: 1.1
 *
 * Return: an &enum dmaadd_buf_kind value (as dmaadd_buffer_get_kind());
 * 0 with errno EINVAL if @info is NULL.
 */
uint32_t dmaadd_buffer_info_get_kind(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_get_length() - length the kernel knows
 * @info: buffer information
 *
 * Since: 1.1
 *
 * Return: the length in bytes jobs may use; 0 with errno EINVAL if @info
 * is NULL.
 */
uint64_t dmaadd_buffer_info_get_length(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_get_cpu_pages() - CPU pages behind the buffer
 * @info: buffer information
 *
 * For user memory, every page the range touches (a range that does not
 * start on a page boundary touches one more); otherwise the length rounded
 * up to pages.
 *
 * Since: 1.1
 *
 * Return: the number of pages; 0 with errno EINVAL if @info is NULL.
 */
uint64_t
dmaadd_buffer_info_get_cpu_pages(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_get_cpu_segments() - physically contiguous runs
 * @info: buffer information
 *
 * The CPU side of the buffer's scatterlist: runs of physically contiguous
 * pages (split where an entry would exceed what the device can map in one
 * piece, 256 KiB under swiotlb).
 *
 * Since: 1.1
 *
 * Return: the number of runs; 0 with errno EINVAL if @info is NULL.
 */
uint64_t
dmaadd_buffer_info_get_cpu_segments(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_get_dma_segments() - segments the device walks
 * @info: buffer information
 *
 * The entries of the mapped scatterlist: fewer than the CPU segments when
 * an IOMMU merged them into one IOVA range.
 *
 * Since: 1.1
 *
 * Return: the number of device-contiguous segments; 0 with errno EINVAL
 * if @info is NULL.
 */
uint64_t
dmaadd_buffer_info_get_dma_segments(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_get_flags() - all of the kernel's buffer flags
 * @info: buffer information
 *
 * Since: 1.1
 *
 * Return: bitmask of &enum dmaadd_buf_query_flags (DMAADD_BUF_READ_ONLY,
 * DMAADD_BUF_IOVA, DMAADD_BUF_STREAMING; newer modules may add others);
 * 0 with errno EINVAL if @info is NULL.
 */
uint32_t dmaadd_buffer_info_get_flags(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_is_read_only() - can the buffer only be an input
 * @info: buffer information
 *
 * Since: 1.1
 *
 * Return: true if DMAADD_BUF_READ_ONLY is set; false otherwise, or with
 * errno EINVAL if @info is NULL.
 */
bool dmaadd_buffer_info_is_read_only(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_is_iova() - are the device addresses IOVAs
 * @info: buffer information
 *
 * Since: 1.1
 *
 * Return: true if DMAADD_BUF_IOVA is set (an IOMMU translates the device's
 * addresses); false if they are physical addresses (or swiotlb bounce
 * slots), or with errno EINVAL if @info is NULL.
 */
bool dmaadd_buffer_info_is_iova(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_info_is_streaming() - is the buffer synced around jobs
 * @info: buffer information
 *
 * Buffers of every kind use a streaming mapping from API version 4 on,
 * which the kernel syncs for the device before each job and for the CPU
 * after it (under swiotlb that sync is the copy to and from the bounce
 * buffer). With a module of API version 3 or older, allocated buffers are
 * coherent memory and report false.
 *
 * Since: 1.1
 *
 * Return: true if DMAADD_BUF_STREAMING is set; false otherwise, or with
 * errno EINVAL if @info is NULL.
 */
bool dmaadd_buffer_info_is_streaming(const struct dmaadd_buffer_info *info);

/**
 * dmaadd_buffer_query_dma_segments() - device addresses of a buffer
 * @buf: buffer
 * @segs: array of @max entries to fill with &struct dmaadd_dma_segment
 *	(device address and length); may be NULL if @max is 0
 * @max: entries @segs has room for; 0 only counts the segments
 *
 * Device addresses are physical addresses when no IOMMU translates, so
 * reading them (@max not 0) needs CAP_SYS_ADMIN. The first
 * min(@max, segments) entries are written, in the order the device walks
 * them.
 *
 * Since: 1.1
 *
 * Return: the buffer's number of DMA segments (possibly more than @max),
 * or -1 with errno set: EINVAL (@buf is NULL, @segs NULL with @max not
 * 0), EPERM (@max not 0 without CAP_SYS_ADMIN), EFAULT (@segs too small
 * for @max entries), ENOENT (the handle is gone), EOVERFLOW (more than
 * INT_MAX segments).
 */
int dmaadd_buffer_query_dma_segments(const struct dmaadd_buffer *buf,
				     struct dmaadd_dma_segment *segs,
				     size_t max);

/**
 * dmaadd_fd_send() - send a descriptor over a unix socket
 * @sock: a connected AF_UNIX socket (stream, seqpacket or datagram), for
 *	example one end of socketpair(2)
 * @fd: descriptor to send, typically from dmaadd_buffer_export_dmabuf()
 *
 * Sends one byte carrying @fd as SCM_RIGHTS, for dmaadd_fd_recv() at the
 * other end. The receiver gets its own descriptor for the same open file;
 * @fd stays the caller's to close, which it may do at once. A signal
 * before anything is sent (EINTR) is retried; SIGPIPE is never raised.
 *
 * Since: 1.1
 *
 * Return: 0, or -1 with errno set as by sendmsg(2): EBADF (@fd or @sock is
 * not an open descriptor), ENOTSOCK, EPIPE (the peer closed its end),
 * EAGAIN (non-blocking and full), ETOOMANYREFS, ...
 */
int dmaadd_fd_send(int sock, int fd);

/**
 * dmaadd_fd_recv() - receive a descriptor sent with dmaadd_fd_send()
 * @sock: the receiving AF_UNIX socket
 *
 * Reads one message (one byte) and takes the descriptor it carries, with
 * O_CLOEXEC set. A message carrying more than one descriptor is refused
 * and every descriptor in it closed, so none leaks. A signal before
 * anything arrived (EINTR) is retried.
 *
 * Since: 1.1
 *
 * Return: the new descriptor, which the caller owns and must close(), or
 * -1 with errno set: ENOMSG (the peer closed the socket, or the message
 * carried no descriptor), EBADMSG (more than one descriptor, or control
 * data truncated), or an error of recvmsg(2) such as EBADF, ENOTSOCK,
 * EAGAIN.
 */
int dmaadd_fd_recv(int sock);

/* ----------------------------------------------------------------------- */
/* Jobs                                                                    */
/* ----------------------------------------------------------------------- */

/**
 * struct dmaadd_job_operand - one array of a job
 * @buffer: buffer of the job's device holding the array
 * @offset: byte offset of element 0 in @buffer; a multiple of the element
 *	size (4 for DMAADD_OP_ADD_I32)
 */
struct dmaadd_job_operand {
	struct dmaadd_buffer *buffer;
	uint64_t offset;
};

/**
 * enum dmaadd_job_flags - &dmaadd_job_desc.flags
 * @DMAADD_JOB_IN_FENCE: @in_fence_fd is a sync_file (for example another
 *	job's out-fence, of this or any other device or open file, or another
 *	driver's fence); the job starts only after every fence in it has
 *	signalled, whatever their error. SUBMIT does not wait for it: the job
 *	waits in the kernel, and the jobs submitted after it to the same
 *	&struct dmaadd_device wait behind it. The descriptor stays the
 *	caller's; the kernel takes its own reference to the fence.
 * @DMAADD_JOB_OUT_FENCE: return the job's fence as a new sync_file
 *	descriptor (O_CLOEXEC), through dmaadd_device_submit_fence() or
 *	dmaadd_device_submit_batch(). It signals when the job has completed:
 *	without error after DMAADD_JOB_OK, with an error otherwise (see
 *	dmaadd_fence_wait()). Wait for it, poll(2) it, merge it with
 *	dmaadd_fence_merge(), or pass it as another job's in-fence.
 *
 * Both mirror the kernel's DMAADD_SUBMIT_IN_FENCE and
 * DMAADD_SUBMIT_OUT_FENCE (see "Fences and implicit synchronisation" in
 * <linux/dmaadd.h>), and need a module of API version 2 or later.
 *
 * Since: 1.2
 */
enum dmaadd_job_flags {
	DMAADD_JOB_IN_FENCE = 1 << 0,
	DMAADD_JOB_OUT_FENCE = 1 << 1,
};

/**
 * struct dmaadd_job_desc - description of one job
 * @size: sizeof(struct dmaadd_job_desc) as the caller was compiled with.
 *	Later versions of the library append members; they read only
 *	@size bytes and treat missing members as zero, and members they
 *	do not know must be zero (else E2BIG). Initialise the whole struct
 *	(a designated initializer does) so new members start as zero.
 *	DMAADD_JOB_DESC_SIZE_VER0 (the struct of 1.0 and 1.1, up to and
 *	including @c) is the smallest size accepted.
 * @op: &enum dmaadd_op, e.g. DMAADD_OP_ADD_I32
 * @flags: bitmask of &enum dmaadd_job_flags (since 1.2; must be 0 before)
 * @count: number of elements, at least 1
 * @a: first input
 * @b: second input
 * @c: output, ``c[i] = a[i] + b[i]``; may be exactly the range of @a or
 *	@b (in place) but must not otherwise overlap an input
 * @in_fence_fd: with DMAADD_JOB_IN_FENCE, the sync_file descriptor the job
 *	waits for (0 is a valid descriptor, hence the flag); otherwise must
 *	be 0. Since 1.2.
 * @__reserved: must be 0; a later version may give it a meaning, and this
 *	one then refuses a non-zero value with E2BIG like any member it does
 *	not know. Since 1.2.
 *
 * All three buffers must belong to the device the job is submitted to.
 *
 * Example::
 *
 *	struct dmaadd_job_desc job = {
 *		.size = sizeof(job),
 *		.op = DMAADD_OP_ADD_I32,
 *		.count = n,
 *		.a = { .buffer = a },
 *		.b = { .buffer = b },
 *		.c = { .buffer = c },
 *	};
 */
struct dmaadd_job_desc {
	size_t size;
	uint32_t op;
	uint32_t flags;
	uint64_t count;
	struct dmaadd_job_operand a;
	struct dmaadd_job_operand b;
	struct dmaadd_job_operand c;
	/* Since 1.2 */
	int in_fence_fd;
	uint32_t __reserved;
};

/*
 * DMAADD_JOB_DESC_SIZE_VER0: dmaadd_job_desc.size of the first version,
 * the struct of libdmaadd 1.0 and 1.1 (up to and including c): what
 * binaries built against those headers pass. It means no fences.
 * (A plain comment: kernel-doc reads no multi-line comment of a macro.)
 */
#define DMAADD_JOB_DESC_SIZE_VER0 \
	(offsetof(struct dmaadd_job_desc, c) + sizeof(struct dmaadd_job_operand))

/**
 * dmaadd_device_submit() - queue a job
 * @dev: device
 * @job: job description; read during the call only
 * @job_id: out, the job's id for dmaadd_device_wait() (1 for the first job
 *	of an open device, then increasing by one); may be NULL
 *
 * Returns once the job is queued. The job holds its own reference on each
 * buffer's memory: freeing the buffers, or closing @dev, does not disturb
 * it. If
 * max_jobs_in_flight jobs are already queued, sleeps until one completes,
 * or fails with EAGAIN if the device is non-blocking.
 *
 * Since 1.2 @job->flags may hold DMAADD_JOB_IN_FENCE. A job asking for
 * DMAADD_JOB_OUT_FENCE needs dmaadd_device_submit_fence(), which has
 * somewhere to return the descriptor; here it is refused (EINVAL).
 *
 * Return: 0, or -1 with errno set: EINVAL (NULL @dev or @job, @job->size
 * too small, an unknown flag or DMAADD_JOB_OUT_FENCE in @job->flags, a
 * bad @job->in_fence_fd (see dmaadd_device_submit_fence()), a NULL
 * operand buffer, and the kernel's reasons: unknown op, count 0,
 * misaligned offset, partial overlap), E2BIG (non-zero members unknown to
 * this library version), EXDEV (an operand buffer belongs to another
 * device), ENOENT (stale buffer handle), EOVERFLOW, ERANGE (an operand
 * extends past its buffer), EACCES (the output @job->c is a read-only
 * buffer, see dmaadd_buffer_is_read_only()), EAGAIN (non-blocking and the
 * queue is full), ENOMEM, EOPNOTSUPP (DMAADD_JOB_IN_FENCE and a module of
 * API version 1).
 */
int dmaadd_device_submit(struct dmaadd_device *dev,
			 const struct dmaadd_job_desc *job, uint64_t *job_id);

/**
 * dmaadd_device_submit_fence() - queue a job, with fences
 * @dev: device
 * @job: job description; read during the call only. Its flags say whether
 *	the job waits for @job->in_fence_fd (DMAADD_JOB_IN_FENCE) and whether
 *	it gets an out-fence (DMAADD_JOB_OUT_FENCE).
 * @job_id: out, as for dmaadd_device_submit(); may be NULL
 * @out_fence_fd: out, with DMAADD_JOB_OUT_FENCE a new sync_file descriptor
 *	(O_CLOEXEC) for the job's fence, which the caller owns and must
 *	close(); -1 for a job without the flag. May be NULL only without the
 *	flag. Written only on success.
 *
 * dmaadd_device_submit() plus the out-fence: everything else is the same.
 * A job with an in-fence is queued in the kernel until the fence has
 * signalled; this call does not wait for it. Jobs submitted after it to
 * @dev wait behind it (jobs of one open device complete in order), and the
 * time spent waiting for the in-fence counts in any timeout given to
 * dmaadd_device_wait().
 * On failure no job was queued, no job id was used and no descriptor was
 * created.
 *
 * Since: 1.2
 *
 * Return: 0, or -1 with errno set: EINVAL (NULL @dev or @job, @job->size
 * too small, an unknown flag, DMAADD_JOB_OUT_FENCE with @out_fence_fd
 * NULL, DMAADD_JOB_IN_FENCE with a @job->size that does not include
 * @in_fence_fd or with a negative @in_fence_fd, @in_fence_fd not 0
 * without DMAADD_JOB_IN_FENCE, a NULL operand buffer; and the kernel's
 * reasons: unknown op, count 0, misaligned offset, partial overlap,
 * @in_fence_fd not an open sync_file), E2BIG (non-zero members unknown to
 * this library version, or a non-zero @__reserved), EXDEV (an operand
 * buffer belongs to another device), ENOENT (stale buffer handle),
 * EOVERFLOW, ERANGE (an operand extends past its buffer), EACCES (the
 * output is a read-only buffer), EAGAIN (non-blocking and the queue is
 * full), EMFILE (DMAADD_JOB_OUT_FENCE and no free descriptor), ENOMEM,
 * EOPNOTSUPP (a fence flag and a module of API version 1).
 */
int dmaadd_device_submit_fence(struct dmaadd_device *dev,
			       const struct dmaadd_job_desc *job,
			       uint64_t *job_id, int *out_fence_fd);

/**
 * dmaadd_device_submit_batch() - queue several jobs in one call
 * @dev: device
 * @jobs: array of @count pointers to job descriptions, each read during
 *	the call only. An array of pointers, not of structs, so that each
 *	description keeps its own &dmaadd_job_desc.size. Fences work as in
 *	dmaadd_device_submit_fence(), job by job.
 * @count: number of jobs, 1 .. max_jobs_in_flight (see
 *	dmaadd_device_info_get_max_jobs_in_flight(); 256 with API version 2)
 * @first_job_id: out, the id of @jobs[0]; job i has id
 *	@first_job_id + i. May be NULL. Written only on success.
 * @out_fence_fds: out, array of @count descriptors: for job i with
 *	DMAADD_JOB_OUT_FENCE a new sync_file descriptor (O_CLOEXEC) the
 *	caller owns and must close(), -1 for a job without it. May be NULL
 *	when no job has DMAADD_JOB_OUT_FENCE. Written only on success.
 * @error_index: out, on failure: the index of the job that was refused,
 *	by the library's checks or the kernel's, or @count when the failure
 *	is not one job's (@count itself, memory, EAGAIN, ...). May be NULL.
 *	Written only on failure.
 *
 * All or nothing, in one DMAADD_IOCTL_SUBMIT_BATCH: every job is checked
 * and everything they need (handles, ranges, in-fences, descriptors,
 * memory, room for @count jobs) is taken before any of them is queued.
 * Either all are queued, with consecutive ids, or none is, no id is used,
 * no descriptor created, and errno is what the first refused job would
 * have got from dmaadd_device_submit_fence(). The jobs run and complete
 * in array order, after the jobs submitted before. Each keeps its own
 * status (dmaadd_device_wait()) and fence: a job that faults does not
 * stop the ones after it. Waiting for the last job is waiting for all.
 *
 * If fewer than @count job slots are free, sleeps until there are @count,
 * or fails with EAGAIN if the device is non-blocking (even when a smaller
 * batch would fit).
 *
 * Since: 1.2
 *
 * Return: 0, or -1 with errno set: those of dmaadd_device_submit_fence()
 * for the refused job (EINVAL also for a NULL entry of @jobs, or for
 * DMAADD_JOB_OUT_FENCE with @out_fence_fds NULL), and EINVAL (@dev or
 * @jobs NULL, @count 0 or above max_jobs_in_flight), ENOMEM, EAGAIN
 * (non-blocking and fewer than @count free slots), EOPNOTSUPP (a module
 * of API version 1, which has no batched submission).
 */
int dmaadd_device_submit_batch(struct dmaadd_device *dev,
			       const struct dmaadd_job_desc *const jobs[],
			       size_t count, uint64_t *first_job_id,
			       int out_fence_fds[], size_t *error_index);

/**
 * dmaadd_device_wait() - wait for a job to complete
 * @dev: device the job was submitted to
 * @job_id: id from dmaadd_device_submit()
 * @timeout_ns: relative timeout in nanoseconds (measured on
 *	CLOCK_MONOTONIC from the call); 0 only polls; DMAADD_WAIT_FOREVER
 *	(-1) waits for ever
 * @status: out, if not NULL: the job's &enum dmaadd_job_status, written
 *	only when the job has completed (return 0, or -1 with EIO)
 *
 * Return: 0 if the job completed with DMAADD_JOB_OK, or -1 with errno
 * set: EIO (the job completed with another status: DMAADD_JOB_FAULT,
 * DMAADD_JOB_INVALID, DMAADD_JOB_CANCELLED or one unknown to this library;
 * see @status),
 * ETIMEDOUT (not completed in time; the job carries on), ENOENT (no such
 * job, or older than the last job_history jobs), EINVAL (@dev is NULL,
 * @job_id is 0, @timeout_ns negative other than -1).
 */
int dmaadd_device_wait(struct dmaadd_device *dev, uint64_t job_id,
		       int64_t timeout_ns, uint32_t *status);

/**
 * dmaadd_device_peek() - has a job completed, without a system call
 * @dev: device the job was submitted to
 * @job_id: id from dmaadd_device_submit(), dmaadd_device_submit_fence()
 *	or dmaadd_device_submit_batch()
 * @status: out, if not NULL: the job's &enum dmaadd_job_status, written
 *	only when the job has completed (return 0, or -1 with EIO)
 *
 * Answers what dmaadd_device_wait() with a timeout of 0 answers, but from
 * memory: with a module of API version 6 or later
 * (%DMAADD_FEATURE_COMPLETION_PAGE), dmaadd_device_open() maps the open
 * file's completion page, where the kernel writes, as jobs complete, the
 * id up to which every job has completed and the status of each of the
 * last DMAADD_COMPLETION_HISTORY (256) jobs (see "Completion page" in
 * <linux/dmaadd.h>). Reading them takes a few loads and no system call,
 * so a program may ask as often as it likes, for example between two
 * pieces of its own work.
 *
 * The page answers for a completed job among the last 256, and for a job
 * not completed yet whose id the library's submit calls returned. Any
 * other job (an older one, an id from a raw DMAADD_IOCTL_SUBMIT or one
 * never given out), and every job with an older module, when the page
 * could not be mapped, or on a CPU without lock-free 64-bit atomic loads
 * (the library does not map the page there), is asked of the kernel with
 * a DMAADD_IOCTL_WAIT that only polls: the same answer, with a system
 * call.
 *
 * It never sleeps: a job not completed yet gives EAGAIN (where
 * dmaadd_device_wait() with a timeout of 0 gives ETIMEDOUT). To sleep
 * until a job completes, use dmaadd_device_wait(), poll(2) on
 * dmaadd_device_get_fd() (%DMAADD_FEATURE_POLL) or the job's fence
 * (dmaadd_fence_wait()).
 *
 * Once it says a job has completed, the job's status is final and its
 * output is visible in the buffers' mappings, as after
 * dmaadd_device_wait(). Unlike after dmaadd_device_wait(), the job may
 * still hold its buffers for a moment: memory freed right after (with
 * dmaadd_buffer_free(), or a user memory buffer's pages and their
 * RLIMIT_MEMLOCK charge) can be released a little later. Where that
 * matters, call dmaadd_device_wait() for the job as well: it returns as
 * soon as the job has let go of them, almost at once.
 *
 * Since: 1.4
 *
 * Return: 0 if the job completed with DMAADD_JOB_OK, or -1 with errno
 * set: EAGAIN (not completed yet; the job carries on), EIO (the job
 * completed with another status: DMAADD_JOB_FAULT, DMAADD_JOB_INVALID,
 * DMAADD_JOB_CANCELLED or one unknown to this library; see @status),
 * ENOENT (no such job was submitted on @dev, or it is older than the last
 * job_history jobs and no longer in the completion page), EINVAL (@dev
 * is NULL or @job_id is 0).
 */
int dmaadd_device_peek(struct dmaadd_device *dev, uint64_t job_id,
		       uint32_t *status);

/**
 * dmaadd_device_run() - submit a job and wait for it
 * @dev: device
 * @job: job description, as for dmaadd_device_submit() (so it may have an
 *	in-fence, but no out-fence)
 * @timeout_ns: as for dmaadd_device_wait(), counted from submission
 * @status: as for dmaadd_device_wait()
 *
 * Return: 0 if the job completed with DMAADD_JOB_OK, -1 with errno set by
 * dmaadd_device_submit() or dmaadd_device_wait(). After ETIMEDOUT the job
 * is still queued and may write its output at any later time; use
 * dmaadd_device_submit() and dmaadd_device_wait() to keep its id.
 */
int dmaadd_device_run(struct dmaadd_device *dev,
		      const struct dmaadd_job_desc *job, int64_t timeout_ns,
		      uint32_t *status);

/**
 * dmaadd_device_add_i32() - c[i] = a[i] + b[i] over whole buffers
 * @dev: device
 * @c: output buffer (may be @a or @b for an in-place add)
 * @a: first input buffer
 * @b: second input buffer
 * @count: number of 32-bit elements, from offset 0 of each buffer
 * @timeout_ns: as for dmaadd_device_wait()
 *
 * Runs one DMAADD_OP_ADD_I32 job and waits for it. The sum wraps modulo
 * 2^32 (the same bits for signed and unsigned integers).
 *
 * Return: as dmaadd_device_run().
 */
int dmaadd_device_add_i32(struct dmaadd_device *dev, struct dmaadd_buffer *c,
			  struct dmaadd_buffer *a, struct dmaadd_buffer *b,
			  uint64_t count, int64_t timeout_ns);

/**
 * dmaadd_device_add_i32_copy() - c[i] = a[i] + b[i] over ordinary memory
 * @dev: device
 * @c: output, @count elements of the caller's memory (for example from
 *	malloc()); may overlap @a or @b in any way
 * @a: first input, @count elements
 * @b: second input, @count elements
 * @count: number of 32-bit elements, 1 .. max_buffer_size / 4
 * @status: out, if not NULL: the job's &enum dmaadd_job_status, written
 *	only when the job has completed (return 0, or -1 with EIO)
 *
 * The copying path, DMAADD_IOCTL_SUBMIT_COPY: one ioctl copies @a and @b
 * into temporary buffers of the kernel, runs one DMAADD_OP_ADD_I32 job on
 * them, waits for the job and copies the sum to @c. Nothing needs to be
 * allocated, mapped or registered first, but every call pays for the
 * temporary memory and three copies of the arrays. For arrays used more
 * than once, buffers filled in place (dmaadd_buffer_alloc()) or
 * registered once (dmaadd_buffer_wrap_userptr()) cost neither: this is
 * the baseline ``make bench`` measures them against. The sum wraps modulo
 * 2^32 (the same bits for signed and unsigned integers). The arrays need
 * no alignment. The job runs after the jobs already submitted to @dev.
 *
 * Unlike the other calls, this one is not retried after a signal: the
 * ioctl waits for the job, and after a signal the job's result is
 * dropped. Calling again runs the job again, with the same result.
 *
 * Needs a module of API version 3 or later.
 *
 * Since: 1.2
 *
 * Return: 0 if the job completed with DMAADD_JOB_OK and @c holds the sum,
 * or -1 with errno set: EINVAL (@dev, @a, @b or @c NULL, @count 0 or
 * @count * 4 above max_buffer_size), EOVERFLOW (@count * 4 overflows 64
 * bits), EFAULT (an input cannot be read, or @c is not a valid range:
 * nothing ran; or the sum could not be written to @c, which may then be
 * partly written), EIO (the job completed with another status, see
 * @status; @c is unchanged), EINTR (a signal arrived: if the job was
 * queued it still runs, but its result was dropped and @c is unchanged),
 * EAGAIN (non-blocking and max_jobs_in_flight jobs are queued), ENOMEM
 * (out of memory for the temporary copies), EOPNOTSUPP (a module of API
 * version 1 or 2, which has no copying path).
 */
int dmaadd_device_add_i32_copy(struct dmaadd_device *dev, int32_t *c,
			       const int32_t *a, const int32_t *b,
			       uint64_t count, uint32_t *status);

/**
 * dmaadd_job_status_name() - &enum dmaadd_job_status as a word
 * @status: status from dmaadd_device_wait()
 *
 * Return: a static string: "ok", "fault", "invalid", "cancelled" or
 * "unknown".
 */
const char *dmaadd_job_status_name(uint32_t status);

/* ----------------------------------------------------------------------- */
/* Fences (since 1.2)                                                      */
/* ----------------------------------------------------------------------- */

/*
 * A fence is a sync_file descriptor: a job's out-fence
 * (DMAADD_JOB_OUT_FENCE), a merge of fences, or any other driver's
 * sync_file. These functions work on any of them; none takes ownership of
 * a descriptor it is given.
 */

/**
 * dmaadd_fence_wait() - wait until a fence has signalled
 * @fence_fd: a sync_file descriptor
 * @timeout_ns: relative timeout in nanoseconds (measured on
 *	CLOCK_MONOTONIC from the call); 0 only polls; DMAADD_WAIT_FOREVER
 *	(-1) waits for ever
 *
 * Reads the fence's state (SYNC_IOC_FILE_INFO) and, while it is pending,
 * poll(2)s the descriptor for the time that is left. A signal does not
 * end the wait: the remaining time is computed again from the deadline
 * and the wait goes on, so the timeout is never extended.
 *
 * A fence that signalled with an error (a job that completed with another
 * status than DMAADD_JOB_OK: its fence carries -EIO after a device fault,
 * -EINVAL when the device rejected the descriptor) gives EIO, whatever
 * the error; dmaadd_fence_get_status() tells which it was.
 *
 * Since: 1.2
 *
 * Return: 0 if the fence signalled without error, or -1 with errno set:
 * EIO (it signalled with an error), ETIMEDOUT (still pending at the
 * timeout), EBADF (@fence_fd is negative or not an open descriptor),
 * EINVAL (@fence_fd is not a sync_file, or @timeout_ns is negative other
 * than -1), ENOMEM.
 */
int dmaadd_fence_wait(int fence_fd, int64_t timeout_ns);

/**
 * dmaadd_fence_get_status() - has a fence signalled, and how
 * @fence_fd: a sync_file descriptor
 * @fence_error: out, if not NULL, written on success: 0 if the fence is
 *	pending or signalled without error, else its error as a positive
 *	errno value: EIO for a job the device faulted on (DMAADD_JOB_FAULT),
 *	EINVAL for a descriptor the device rejected (DMAADD_JOB_INVALID), or
 *	whatever error another driver's fence carries. For a merged fence,
 *	the first error one of its fences signalled with (see
 *	dmaadd_fence_merge()).
 *
 * Does not wait.
 *
 * Since: 1.2
 *
 * Return: 1 if the fence has signalled (with or without error), 0 if it
 * is pending, or -1 with errno set: EBADF (@fence_fd is negative or not
 * an open descriptor), EINVAL (@fence_fd is not a sync_file).
 */
int dmaadd_fence_get_status(int fence_fd, int *fence_error);

/**
 * dmaadd_fence_merge() - one fence for two
 * @fd1: a sync_file descriptor
 * @fd2: another one, or the same
 *
 * Creates a fence that signals once both have signalled (SYNC_IOC_MERGE),
 * for example to make a job wait for two others through one
 * DMAADD_JOB_IN_FENCE. The kernel keeps only the fences still pending at
 * the merge, and of two fences of one timeline (two out-fences of one
 * open device) only the later one: the merged fence carries the error of
 * a kept fence that signals with one, but not that of a fence that had
 * already signalled (check those with dmaadd_fence_get_status() first if
 * it matters). @fd1 and @fd2 stay the caller's.
 *
 * Since: 1.2
 *
 * Return: a new sync_file descriptor (O_CLOEXEC) the caller owns and must
 * close(), or -1 with errno set: EBADF (@fd1 or @fd2 is negative or not an
 * open descriptor), EINVAL (@fd1 or @fd2 is not a sync_file), EMFILE,
 * ENOMEM.
 */
int dmaadd_fence_merge(int fd1, int fd2);

#ifdef __cplusplus
}
#endif

#endif /* LIBDMAADD_H */
