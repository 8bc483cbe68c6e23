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
 * &struct dmaadd_buffer (a device buffer mapped into this process),
 * &struct dmaadd_device_info and &struct dmaadd_device_list are opaque and
 * only handled through pointers. &struct dmaadd_job_desc is public and
 * versioned by its @size member, like the kernel's ioctl structs.
 *
 * Errors. There is one convention:
 *
 * - Constructors (``*_open*``, ``*_alloc*``, ``*_new``, ``*_get_info``)
 *   return a new object, or NULL with errno set.
 * - Functions returning ``int`` return 0 (or a documented non-negative
 *   value) on success, -1 with errno set on failure.
 * - Getters return the value. Given a NULL object (or an index out of
 *   range) they return 0, false, NULL or -1 as documented and set errno to
 *   EINVAL; they cannot fail otherwise.
 * - Destructors (``*_close``, ``*_free``) return nothing, accept NULL and
 *   leave errno untouched, so they are safe on error paths.
 *
 * Any NULL object pointer gives EINVAL. errno values are those of the
 * ioctls documented in <linux/dmaadd.h> plus the ones listed per function.
 * errno is only meaningful after a call has failed.
 *
 * Signals. The library retries an ioctl interrupted by a signal (EINTR)
 * with the same arguments: the kernel's wait timeout is absolute, so a
 * retried wait does not restart its timeout. Bound waits with a timeout
 * rather than relying on a signal to interrupt them.
 *
 * File descriptors are opened with O_CLOEXEC. Handles and job ids belong
 * to one open file: they mean nothing to another &struct dmaadd_device,
 * even one opened on the same path.
 *
 * Threads. The library has no global mutable state. A &struct dmaadd_device
 * may be used from several threads at once (every call is a single ioctl,
 * serialised by the kernel). Any other object must not be used by one
 * thread while another thread frees it.
 */

/** @DMAADD_WAIT_FOREVER: timeout_ns for dmaadd_device_wait() that never expires */
#define DMAADD_WAIT_FOREVER INT64_C(-1)

struct dmaadd_device;
struct dmaadd_device_info;
struct dmaadd_device_list;
struct dmaadd_buffer;

/**
 * dmaadd_library_version() - version of the library
 *
 * Return: a static string such as "1.0.0"; never NULL, never to be freed.
 */
const char *dmaadd_library_version(void);

/* ----------------------------------------------------------------------- */
/* Device                                                                  */
/* ----------------------------------------------------------------------- */

/**
 * dmaadd_device_open() - open a dmaadd device
 * @path: the character device, normally "/dev/dmaaddN"
 *
 * Opens @path read-write with O_CLOEXEC and checks that it answers
 * DMAADD_IOCTL_INFO.
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
 * Wait for a job before closing if its result is wanted.
 */
void dmaadd_device_close(struct dmaadd_device *dev);

/**
 * dmaadd_device_get_fd() - file descriptor of a device
 * @dev: device
 *
 * The descriptor stays owned by @dev: do not close it. It can be used with
 * poll(2) or raw ioctls, with fcntl(2) flags (see
 * dmaadd_device_set_nonblocking()).
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
 * Allocates DMA-coherent memory with DMAADD_IOCTL_BUF_ALLOC and maps it
 * read-write (MAP_SHARED) into the process. The memory starts zero-filled;
 * what the CPU writes through dmaadd_buffer_get_data() is seen by the
 * device without any sync call, so arrays can be filled in place.
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
 * @buf: buffer, or NULL
 *
 * Unmaps the buffer and drops its handle (DMAADD_IOCTL_BUF_FREE). Jobs
 * already submitted that use it are not disturbed: the kernel keeps the
 * memory until they complete. Pointers from dmaadd_buffer_get_data()
 * become invalid.
 */
void dmaadd_buffer_free(struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_get_data() - CPU address of a buffer's contents
 * @buf: buffer
 *
 * Return: the start of the mapping, owned by @buf and valid until it is
 * freed; page-aligned, so any element type may be stored. NULL with errno
 * EINVAL if @buf is NULL. (Buffers that have no CPU mapping, which later
 * versions may create, will also give NULL.)
 */
void *dmaadd_buffer_get_data(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_get_length() - length of a buffer
 * @buf: buffer
 *
 * Return: the length in bytes given at allocation; 0 with errno EINVAL if
 * @buf is NULL.
 */
size_t dmaadd_buffer_get_length(const struct dmaadd_buffer *buf);

/**
 * dmaadd_buffer_get_handle() - kernel handle of a buffer
 * @buf: buffer
 *
 * Only needed for raw ioctls on dmaadd_device_get_fd(); the handle is
 * only meaningful in the buffer's own open device file.
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
 * struct dmaadd_job_desc - description of one job
 * @size: sizeof(struct dmaadd_job_desc) as the caller was compiled with.
 *	Later versions of the library append members; they read only
 *	@size bytes and treat missing members as zero, and members they
 *	do not know must be zero (else E2BIG). Initialise the whole struct
 *	(a designated initializer does) so new members start as zero.
 * @op: &enum dmaadd_op, e.g. DMAADD_OP_ADD_I32
 * @flags: must be 0
 * @count: number of elements, at least 1
 * @a: first input
 * @b: second input
 * @c: output, ``c[i] = a[i] + b[i]``; may be exactly the range of @a or
 *	@b (in place) but must not otherwise overlap an input
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
};

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
 * Return: 0, or -1 with errno set: EINVAL (NULL @dev or @job, @job->size
 * too small, non-zero @job->flags, a NULL operand buffer, and the kernel's
 * reasons: unknown op, count 0, misaligned offset, partial overlap), E2BIG
 * (non-zero members unknown to this library version), EXDEV (an operand
 * buffer belongs to another device), ENOENT (stale buffer handle),
 * EOVERFLOW, ERANGE (an operand extends past its buffer), EAGAIN
 * (non-blocking and the queue is full).
 */
int dmaadd_device_submit(struct dmaadd_device *dev,
			 const struct dmaadd_job_desc *job, uint64_t *job_id);

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
 * DMAADD_JOB_INVALID or one unknown to this library; see @status),
 * ETIMEDOUT (not completed in time; the job carries on), ENOENT (no such
 * job, or older than the last job_history jobs), EINVAL (@dev is NULL,
 * @job_id is 0, @timeout_ns negative other than -1).
 */
int dmaadd_device_wait(struct dmaadd_device *dev, uint64_t job_id,
		       int64_t timeout_ns, uint32_t *status);

/**
 * dmaadd_device_run() - submit a job and wait for it
 * @dev: device
 * @job: job description, as for dmaadd_device_submit()
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
 * dmaadd_job_status_name() - &enum dmaadd_job_status as a word
 * @status: status from dmaadd_device_wait()
 *
 * Return: a static string: "ok", "fault", "invalid" or "unknown".
 */
const char *dmaadd_job_status_name(uint32_t status);

#ifdef __cplusplus
}
#endif

#endif /* LIBDMAADD_H */
