/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * dmaadd - userspace API of the DMA array adder.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef _UAPI_LINUX_DMAADD_H
#define _UAPI_LINUX_DMAADD_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: General ioctl format
 *
 * Every device instance appears as a character device ``/dev/dmaaddN``.
 * Buffers, handles and jobs belong to the open file they were created in;
 * a handle number means nothing in another open file or another process.
 *
 * Each ioctl takes a pointer to a struct whose first member, @size, is the
 * number of bytes of the struct userspace knows about (normally
 * ``sizeof(struct)``). The kernel accepts a @size down to the size of the
 * first published version of the struct and treats the missing tail as
 * zero. A @size larger than the kernel knows is accepted only when the
 * bytes it does not know are all zero; otherwise the ioctl fails with
 * -E2BIG. Output members are written back only up to @size, so old binaries
 * keep working against a newer kernel and vice versa.
 *
 * Every flags word and every reserved member must be zero unless documented
 * otherwise; an unknown flag or a non-zero reserved member gives -EINVAL.
 *
 * Errors common to every ioctl:
 *
 * =========  =========================================================
 * -EFAULT    the argument pointer (or a pointer inside it) is invalid
 * -EINVAL    @size too small, unknown flag, non-zero reserved member
 * -E2BIG     @size larger than the kernel's struct with a non-zero tail
 * -ENOTTY    unknown ioctl command
 * =========  =========================================================
 *
 * No ioctl ever returns a device (DMA), physical or kernel address.
 */

#define DMAADD_TYPE 0xDA

/** @DMAADD_API_VERSION: reported by DMAADD_IOCTL_INFO in @api_version */
#define DMAADD_API_VERSION 1

enum {
	DMAADD_CMD_INFO = 0x00,
	DMAADD_CMD_BUF_ALLOC = 0x01,
	DMAADD_CMD_BUF_FREE = 0x02,
	DMAADD_CMD_SUBMIT = 0x03,
	DMAADD_CMD_WAIT = 0x04,
};

/**
 * enum dmaadd_backend - what the device instance is bound to
 * @DMAADD_BACKEND_PLATFORM: a platform device created by the module; it sits
 *	behind no IOMMU, so its device addresses are physical addresses
 *	(or swiotlb bounce slots).
 * @DMAADD_BACKEND_PCI: QEMU's ``edu`` PCI function (1234:11e8); behind the
 *	IOMMU when one is enabled, so its device addresses are then IOVAs.
 */
enum dmaadd_backend {
	DMAADD_BACKEND_PLATFORM = 1,
	DMAADD_BACKEND_PCI = 2,
};

/**
 * enum dmaadd_info_caps - properties reported in &dmaadd_info.caps
 * @DMAADD_CAP_IOMMU: an IOMMU translates this device's DMA: device
 *	addresses are I/O virtual addresses.
 * @DMAADD_CAP_BOUNCE: streaming DMA for this device is bounced through
 *	swiotlb (for example ``swiotlb=force``).
 */
enum dmaadd_info_caps {
	DMAADD_CAP_IOMMU = 1 << 0,
	DMAADD_CAP_BOUNCE = 1 << 1,
};

/**
 * enum dmaadd_op - operation performed by a job
 * @DMAADD_OP_ADD_I32: ``c[i] = a[i] + b[i]`` on 32-bit integers,
 *	wrapping modulo 2^32 (the same bits for signed and unsigned).
 */
enum dmaadd_op {
	DMAADD_OP_ADD_I32 = 1,
};

/**
 * struct dmaadd_info - ioctl(DMAADD_IOCTL_INFO)
 * @size: sizeof(struct dmaadd_info)
 * @flags: must be 0
 * @api_version: out, DMAADD_API_VERSION of the running module
 * @backend: out, &enum dmaadd_backend
 * @caps: out, bitmask of &enum dmaadd_info_caps
 * @dma_mask: out, the device's streaming DMA mask (a bit mask, not an
 *	address)
 * @max_buffer_size: out, the largest @size DMAADD_IOCTL_BUF_ALLOC accepts
 *	(an allocation below it can still fail with -ENOMEM)
 * @ops: out, bitmask with bit (1 << op) set for every supported
 *	&enum dmaadd_op
 * @index: out, N of ``/dev/dmaaddN``
 * @max_jobs_in_flight: out, jobs one open file may have submitted and not
 *	yet completed (see DMAADD_IOCTL_SUBMIT)
 * @job_history: out, how many of the file's most recent jobs keep their
 *	status for DMAADD_IOCTL_WAIT
 *
 * Errors: only the common ones.
 */
struct dmaadd_info {
	__u32 size;
	__u32 flags;
	__u32 api_version;
	__u32 backend;
	__aligned_u64 caps;
	__aligned_u64 dma_mask;
	__aligned_u64 max_buffer_size;
	__u32 ops;
	__u32 index;
	__u32 max_jobs_in_flight;
	__u32 job_history;
};

#define DMAADD_IOCTL_INFO _IO(DMAADD_TYPE, DMAADD_CMD_INFO)

/**
 * enum dmaadd_buf_alloc_flags - &dmaadd_buf_alloc.flags
 * @DMAADD_BUF_CONTIGUOUS: the buffer must be one range in device address
 *	space (a single DMA segment). Without an IOMMU that needs physically
 *	contiguous memory, which Debian's stock kernel (no CMA) cannot give
 *	above 4 MiB: the ALLOC then fails with -ENOMEM instead of falling back
 *	to several segments.
 */
enum dmaadd_buf_alloc_flags {
	DMAADD_BUF_CONTIGUOUS = 1 << 0,
};

/**
 * struct dmaadd_buf_alloc - ioctl(DMAADD_IOCTL_BUF_ALLOC)
 * @size: sizeof(struct dmaadd_buf_alloc)
 * @flags: bitmask of &enum dmaadd_buf_alloc_flags
 * @length: buffer length in bytes, 1 .. &dmaadd_info.max_buffer_size.
 *	The memory is rounded up to whole pages and zero-filled.
 * @handle: out, the buffer's handle in this open file (never 0)
 * @__reserved: must be 0
 * @mmap_offset: out, pass to mmap(2) on the same fd to map the buffer
 *	(``MAP_SHARED`` only); the value is opaque. Mapping at
 *	@mmap_offset + k * page size maps from the k-th page on.
 *
 * The memory comes from dma_alloc_coherent() for the device: CPU writes
 * through the mapping are visible to the device without any sync call,
 * which is what makes filling arrays in place (zero copy) correct. Behind
 * an IOMMU any length is one allocation, contiguous in IOVA space. Without
 * one, a length that physically contiguous memory cannot provide is made of
 * several coherent chunks that the device sees as several segments (unless
 * DMAADD_BUF_CONTIGUOUS); it is never bounced through swiotlb.
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EINVAL    @length is 0 or above &dmaadd_info.max_buffer_size
 * -ENOMEM    the memory, or a handle, could not be allocated; with
 *            DMAADD_BUF_CONTIGUOUS, no single contiguous range of
 *            @length could be allocated
 * =========  =========================================================
 */
struct dmaadd_buf_alloc {
	__u32 size;
	__u32 flags;
	__aligned_u64 length;
	__u32 handle;
	__u32 __reserved;
	__aligned_u64 mmap_offset;
};

#define DMAADD_IOCTL_BUF_ALLOC _IO(DMAADD_TYPE, DMAADD_CMD_BUF_ALLOC)

/**
 * struct dmaadd_buf_free - ioctl(DMAADD_IOCTL_BUF_FREE)
 * @size: sizeof(struct dmaadd_buf_free)
 * @handle: handle to drop
 *
 * Drops the handle. The memory itself lives on while anything else uses
 * it: an existing mmap() of it, or a job that has not completed yet.
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -ENOENT    @handle is not a buffer of this open file
 * =========  =========================================================
 */
struct dmaadd_buf_free {
	__u32 size;
	__u32 handle;
};

#define DMAADD_IOCTL_BUF_FREE _IO(DMAADD_TYPE, DMAADD_CMD_BUF_FREE)

/**
 * struct dmaadd_operand - one array of a job, as a buffer handle + offset
 * @handle: buffer handle in the submitting file
 * @flags: must be 0
 * @offset: byte offset of element 0 in the buffer; a multiple of the
 *	element size (4 for DMAADD_OP_ADD_I32)
 */
struct dmaadd_operand {
	__u32 handle;
	__u32 flags;
	__aligned_u64 offset;
};

/**
 * struct dmaadd_submit - ioctl(DMAADD_IOCTL_SUBMIT)
 * @size: sizeof(struct dmaadd_submit)
 * @flags: must be 0
 * @op: &enum dmaadd_op
 * @__reserved: must be 0
 * @count: number of elements, at least 1
 * @a: first input
 * @b: second input
 * @c: output; may be exactly the same range as @a or @b (in place), but
 *	must not otherwise overlap an input in the same buffer
 * @job_id: out, the job's id in this open file: 1 for the first job, then
 *	increasing by one per accepted job
 *
 * Resolves the handles to device addresses, writes the job descriptor the
 * device reads and queues it. Returns as soon as the job is queued; use
 * DMAADD_IOCTL_WAIT for its status. The job holds a reference on each
 * buffer: DMAADD_IOCTL_BUF_FREE, munmap() or close() do not pull memory
 * from under it, and close() waits for the file's jobs to complete.
 *
 * Jobs of one file complete in submission order. When the file already
 * has &dmaadd_info.max_jobs_in_flight jobs not yet completed, SUBMIT
 * sleeps until one completes, or fails with -EAGAIN if the file was opened
 * with O_NONBLOCK.
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EINVAL    unknown @op, @count is 0, operand flags non-zero, an
 *            offset not a multiple of the element size, or @c partly
 *            overlapping @a or @b
 * -ENOENT    an operand handle is not a buffer of this open file
 * -EOVERFLOW @count * element size, or an offset + that length,
 *            overflows 64 bits
 * -ERANGE    an operand's range extends past the end of its buffer
 * -EAGAIN    O_NONBLOCK and max_jobs_in_flight jobs already queued
 * -EINTR     a signal arrived while waiting for a free job slot
 * =========  =========================================================
 */
struct dmaadd_submit {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 __reserved;
	__aligned_u64 count;
	struct dmaadd_operand a;
	struct dmaadd_operand b;
	struct dmaadd_operand c;
	__aligned_u64 job_id;
};

#define DMAADD_IOCTL_SUBMIT _IO(DMAADD_TYPE, DMAADD_CMD_SUBMIT)

/**
 * enum dmaadd_job_status - outcome of a job, &dmaadd_wait.status
 * @DMAADD_JOB_OK: the job ran; the output holds the result.
 * @DMAADD_JOB_FAULT: the device hit an address that does not translate
 *	(an IOMMU fault or an address outside memory) and stopped before
 *	writing anything; the output is unchanged.
 * @DMAADD_JOB_INVALID: the device rejected the job descriptor.
 */
enum dmaadd_job_status {
	DMAADD_JOB_OK = 0,
	DMAADD_JOB_FAULT = 1,
	DMAADD_JOB_INVALID = 2,
};

/** @DMAADD_TIMEOUT_INFINITE: &dmaadd_wait.timeout_ns that never expires */
#define DMAADD_TIMEOUT_INFINITE (~(__u64)0)

/**
 * struct dmaadd_wait - ioctl(DMAADD_IOCTL_WAIT)
 * @size: sizeof(struct dmaadd_wait)
 * @flags: must be 0
 * @job_id: job to wait for, as returned by DMAADD_IOCTL_SUBMIT
 * @timeout_ns: absolute CLOCK_MONOTONIC time in nanoseconds after which
 *	to give up; 0 only polls; DMAADD_TIMEOUT_INFINITE waits for ever.
 *	Being absolute, the same struct can simply be passed again after
 *	-EINTR.
 * @status: out, &enum dmaadd_job_status once the job has completed
 * @__reserved: must be 0
 *
 * Waits until the job has completed. A job's status is kept for the
 * file's &dmaadd_info.job_history most recent jobs; waiting for an older
 * job gives -ENOENT.
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EINVAL    @job_id is 0
 * -ENOENT    no such job was submitted in this file, or it is older
 *            than the last job_history jobs
 * -ETIMEDOUT the job had not completed at @timeout_ns
 * -EINTR     interrupted by a signal (restarted automatically for
 *            handlers with SA_RESTART)
 * =========  =========================================================
 */
struct dmaadd_wait {
	__u32 size;
	__u32 flags;
	__aligned_u64 job_id;
	__aligned_u64 timeout_ns;
	__u32 status;
	__u32 __reserved;
};

#define DMAADD_IOCTL_WAIT _IO(DMAADD_TYPE, DMAADD_CMD_WAIT)

#endif /* _UAPI_LINUX_DMAADD_H */
