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
 * Each member, @size included, is read from userspace once.
 *
 * A call that creates something (a buffer handle, a file descriptor, a job)
 * writes its results before it commits anything: when they cannot be
 * written (-EFAULT), nothing was created, no handle, fd or job id was used,
 * and no fd was installed or closed. A new handle or fd becomes visible to
 * the process's other threads only when the call succeeds. A call that is
 * interrupted by a signal before it has done anything is restarted when the
 * handler has SA_RESTART, and fails with -EINTR otherwise; the exceptions
 * are documented with the ioctl (DMAADD_IOCTL_SUBMIT_COPY).
 *
 * Errors common to every ioctl:
 *
 * =========  =========================================================
 * -EFAULT    the argument pointer (or a pointer inside it) is invalid
 * -EINVAL    @size too small, unknown flag, non-zero reserved member
 * -E2BIG     @size larger than the kernel's struct with a non-zero tail
 * -ENOTTY    unknown ioctl command
 * -ENODEV    the device was removed (see "Device removal")
 * =========  =========================================================
 *
 * No ioctl returns a device (DMA), physical or kernel address, with one
 * exception for administrators: DMAADD_IOCTL_BUF_QUERY lists a buffer's
 * device addresses to a caller with CAP_SYS_ADMIN (-EPERM otherwise).
 */

/**
 * DOC: Device removal
 *
 * A device can go away while it is in use: the PCI function is removed
 * (``/sys/bus/pci/devices/.../remove``, hot unplug), the driver is unbound
 * from it (``/sys/bus/{pci,platform}/drivers/dmaadd/unbind``), or the module
 * is unloaded (which needs every file closed first). The driver then:
 *
 * - removes ``/dev/dmaaddN`` at once; an open(2) racing with the removal
 *   fails with -ENODEV;
 * - stops the device: a job that was running completes normally, every
 *   other job of the device - queued, or waiting for an in-fence or for a
 *   buffer's fences, even one that never signals - completes with status
 *   DMAADD_JOB_CANCELLED without touching memory, and its fence signals
 *   with error -ENODEV. Jobs still complete in job id order within a file;
 * - fails every later ioctl on the open files with -ENODEV, except
 *   DMAADD_IOCTL_WAIT (jobs keep their status in the history) and
 *   DMAADD_IOCTL_BUF_FREE (handles can be given back); mmap(2) of a
 *   handle fails with -ENODEV. An ioctl that was already running finishes
 *   (a SUBMIT's jobs are then cancelled); one waiting for a job slot
 *   fails with -ENODEV. An unknown command still gives -ENOTTY; poll(2)
 *   reports POLLHUP once the file's jobs have completed;
 * - frees everything the device itself held (mappings of buffers for it,
 *   segment tables, job descriptors) before the removal returns.
 *
 * Buffers are not device memory: an allocated buffer's pages, a user
 * memory buffer's pinned pages and an imported dma-buf live until their
 * last user is gone. Existing mappings stay valid memory with their
 * contents, a dma-buf exported from the device stays fully usable (mmap,
 * DMA_BUF_IOCTL_SYNC, import into another device, which keeps computing on
 * it), and the device's imports of other devices' dma-bufs are detached.
 *
 * When the device comes back (rescan, bind) it is a new instance with new
 * files: ``/dev/dmaaddN`` gets the lowest free N, which is its old number
 * once everything that held the old instance has been closed.
 */

/**
 * DOC: Polling
 *
 * The device file works with poll(2), select(2) and epoll(7), since API
 * version 5 (before, it had no poll method, so it always looked ready).
 * Level-triggered; there is nothing to read or consume:
 *
 * - POLLIN | POLLRDNORM: every job submitted on this open file so far has
 *   completed (a file without jobs counts). A SUBMIT makes the file
 *   unreadable until its jobs have completed too; to wait for one job,
 *   use DMAADD_IOCTL_WAIT or poll the job's out-fence (a sync_file).
 * - POLLOUT | POLLWRNORM: a SUBMIT of one job finds a free job slot (see
 *   max_jobs_in_flight), so a blocking one does not wait and one under
 *   O_NONBLOCK does not fail with -EAGAIN for want of a slot.
 * - POLLHUP: the device was removed (see "Device removal") and every job
 *   of the file has completed, done or cancelled, so POLLIN is set too.
 *
 * Only the file's own jobs count, not those of other files on the device.
 */

/**
 * DOC: Memory limits
 *
 * The memory of allocated buffers (BUF_ALLOC, and SUBMIT_COPY's temporary
 * buffers) is charged to the memory cgroup of the process that allocates
 * it (``memory.current``), for as long as the buffer exists, whoever holds
 * it by then. User memory buffers count against RLIMIT_MEMLOCK.
 *
 * An administrator can also cap what one open file may hold: the module
 * parameter ``max_file_mb`` (``/sys/module/dmaadd/parameters/max_file_mb``,
 * writable by root at any time; 0, the default, means no cap). A file's
 * total is the size, in whole pages, of every buffer it allocated or
 * pinned (BUF_ALLOC, BUF_USERPTR, SUBMIT_COPY's two temporary buffers)
 * that still exists - also after BUF_FREE, while a mapping, an exported
 * dma-buf or a job still holds it. Imported dma-bufs do not count: their
 * memory is their exporter's. A call that would take the file over the
 * cap fails with -ENOMEM before allocating anything; lowering the cap
 * takes nothing away.
 *
 * SUBMIT_COPY runs one call at a time per open file (another thread's call
 * waits, or fails with -EAGAIN under O_NONBLOCK), so its temporary memory
 * is at most two buffers of max_buffer_size per file.
 */

#define DMAADD_TYPE 0xDA

/**
 * @DMAADD_API_VERSION: reported by DMAADD_IOCTL_INFO in @api_version.
 * 1: buffers, SUBMIT, WAIT, dma-buf export/import, user memory, QUERY;
 * 2: fences and DMAADD_IOCTL_SUBMIT_BATCH; 3: DMAADD_IOCTL_SUBMIT_COPY;
 * 4: device removal (-ENODEV, DMAADD_JOB_CANCELLED), allocated buffers
 * backed by pages; 5: poll(2) on the device file; 6: the completion page
 * (mmap(2) at DMAADD_COMPLETION_OFFSET).
 */
#define DMAADD_API_VERSION 6

enum {
	DMAADD_CMD_INFO = 0x00,
	DMAADD_CMD_BUF_ALLOC = 0x01,
	DMAADD_CMD_BUF_FREE = 0x02,
	DMAADD_CMD_SUBMIT = 0x03,
	DMAADD_CMD_WAIT = 0x04,
	DMAADD_CMD_BUF_EXPORT = 0x05,
	DMAADD_CMD_BUF_IMPORT = 0x06,
	DMAADD_CMD_BUF_USERPTR = 0x07,
	DMAADD_CMD_BUF_QUERY = 0x08,
	DMAADD_CMD_SUBMIT_BATCH = 0x09,
	DMAADD_CMD_SUBMIT_COPY = 0x0a,
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
 *	space (a single DMA segment). Behind an IOMMU any length is. Without
 *	one it needs physically contiguous pages, which the page allocator
 *	gives up to 4 MiB (when memory is not too fragmented), and a
 *	mapping that is not bounced: under swiotlb one range is at most the
 *	bounce buffer's largest mapping, 256 KiB. Beyond that the ALLOC fails
 *	with -ENOMEM instead of falling back to several segments.
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
 * The memory is pages of the buffer's own (as the system dma-heap backs
 * its buffers: one run for a buffer of up to 4 MiB, else runs of 4 MiB,
 * 1 MiB and 64 KiB where they come cheaply, else single pages), charged
 * to the caller's memory cgroup, and mapped for
 * the device with the streaming DMA API. Userspace fills the arrays in
 * place through the mapping (zero copy) and needs no sync call: each job
 * hands its ranges to the device when it starts and back when it
 * completes, which costs nothing on a cache-coherent machine and copies
 * through the bounce slots under swiotlb. Behind an IOMMU the device sees
 * one contiguous range of IOVA space; without one, one segment per
 * physically contiguous run of pages (at most 256 KiB each under
 * swiotlb). The pages outlive the device (see "Device removal").
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EINVAL    @length is 0 or above &dmaadd_info.max_buffer_size
 * -ENOMEM    the memory, or a handle, could not be allocated; with
 *            DMAADD_BUF_CONTIGUOUS, no single contiguous range of
 *            @length could be allocated; or the file would hold more
 *            than the administrator's cap (see "Memory limits")
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
 * DOC: mmap
 *
 * mmap(2) on the device fd at &dmaadd_buf_alloc.mmap_offset (plus a whole
 * number of pages to start later in the buffer) maps the buffer's memory
 * itself: what the CPU writes there is what the device reads. The mapping
 * holds a reference on the buffer, so it stays valid after
 * DMAADD_IOCTL_BUF_FREE and after close() of the fd, until munmap(). It can
 * not be grown with mremap(2) and is not included in core dumps.
 *
 * A read-only buffer or handle (see "Sharing buffers") maps PROT_READ only,
 * like a read-only dma-buf fd, and cannot be mprotect()ed writable. A user
 * memory buffer (DMAADD_IOCTL_BUF_USERPTR) cannot be mapped through the
 * device node: the process has that memory already.
 *
 * =========  =========================================================
 * -EINVAL    not MAP_SHARED; the offset belongs to no buffer of this
 *            open file (offset 0 is the completion page, see
 *            "Completion page"); the range passes the end of the buffer (its
 *            length rounded up to pages); or a user memory buffer
 * -EACCES    PROT_WRITE on a read-only buffer or handle
 * =========  =========================================================
 */

/**
 * struct dmaadd_buf_free - ioctl(DMAADD_IOCTL_BUF_FREE)
 * @size: sizeof(struct dmaadd_buf_free)
 * @handle: handle to drop
 *
 * Drops the handle. The memory itself lives on while anything else uses
 * it: an existing mmap() of it, or a job that uses it, until the job has
 * completed and let go of it (see DMAADD_IOCTL_WAIT).
 *
 * The handle, and the mmap offset that goes with it, can be reused as soon
 * as this returns: a new buffer of an open file gets the lowest free
 * handle from 1 up, so the file's next DMAADD_IOCTL_BUF_ALLOC, BUF_IMPORT
 * or BUF_USERPTR, in any thread, may return the same handle and mmap
 * offset for another buffer. A SUBMIT, BUF_EXPORT, BUF_QUERY, BUF_FREE or
 * mmap(2) that still uses the old value then acts on that buffer; mappings
 * made before the BUF_FREE keep mapping the old one. Forget a handle before
 * freeing it.
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
 * DOC: Sharing buffers
 *
 * A buffer is either allocated by dmaadd (DMAADD_IOCTL_BUF_ALLOC), imported
 * from a dma-buf fd (DMAADD_IOCTL_BUF_IMPORT) or made of the caller's own
 * memory (DMAADD_IOCTL_BUF_USERPTR). All three kinds get a handle in the
 * same table and are used the same way by DMAADD_IOCTL_SUBMIT; the driver
 * keeps whatever mapping and cache maintenance the kind needs (for imported
 * and user memory: dma_map_sgtable() once, and a sync of the job's range
 * for the device before the job and for the CPU after it, which is what
 * makes results right under swiotlb bounce buffering).
 *
 * A read-only buffer (an import of a dma-buf fd opened read-only, or
 * DMAADD_USERPTR_READ_ONLY) can be an input of a job, never its output:
 * SUBMIT fails with -EACCES.
 */

/**
 * enum dmaadd_buf_export_flags - &dmaadd_buf_export.flags
 * @DMAADD_EXPORT_READ_ONLY: the dma-buf fd is opened O_RDONLY: it can be
 *	mapped PROT_READ only, and importers into dmaadd get a read-only
 *	buffer.
 */
enum dmaadd_buf_export_flags {
	DMAADD_EXPORT_READ_ONLY = 1 << 0,
};

/**
 * struct dmaadd_buf_export - ioctl(DMAADD_IOCTL_BUF_EXPORT)
 * @size: sizeof(struct dmaadd_buf_export)
 * @flags: bitmask of &enum dmaadd_buf_export_flags
 * @handle: an allocated buffer (DMAADD_IOCTL_BUF_ALLOC) of this file
 * @fd: out, a new dma-buf file descriptor, O_CLOEXEC, O_RDWR unless
 *	DMAADD_EXPORT_READ_ONLY
 *
 * Exports the buffer as a dma-buf. The fd can be mmapped (the same memory
 * as the buffer's mapping through the device node), passed to another
 * process over a unix socket (SCM_RIGHTS), imported by other drivers and
 * by other dmaadd devices. DMA_BUF_IOCTL_SYNC with SYNC_START does
 * nothing: a dmaadd device's jobs put their results in the pages when they
 * complete, and copying importers' bounce slots (swiotlb) back would put
 * stale data over newer; an importer whose device writes through a
 * bounced mapping syncs that mapping itself. SYNC_END after CPU writes
 * pushes them into every importer's mapping that its device reads (under
 * swiotlb, its bounce slots). Each importer attaches with its own mapping
 * for its own device. The dma-buf holds a reference on the buffer:
 * freeing the handle or closing the device fd does not free memory the fd
 * still reaches. While any exported dma-buf exists the module cannot be
 * unloaded.
 *
 * A buffer has one dma-buf per mode, like DRM PRIME's export cache: while
 * its dma-buf exists (any fd of it, in any process, or an importer holding
 * it), exporting the buffer again with the same flags gives a new fd of
 * that same dma-buf (same inode, fstat() tells). Once the last reference to
 * it is gone, the next export makes a new one.
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -ENOENT    @handle is not a buffer of this open file
 * -EACCES    the handle is read-only (it came from a read-only import)
 *            and DMAADD_EXPORT_READ_ONLY was not given
 * -EINVAL    the buffer is not an allocated one (imported and user
 *            memory buffers cannot be re-exported)
 * -EMFILE    no free file descriptor
 * -ENOMEM    out of memory
 * =========  =========================================================
 */
struct dmaadd_buf_export {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 fd;
};

#define DMAADD_IOCTL_BUF_EXPORT _IO(DMAADD_TYPE, DMAADD_CMD_BUF_EXPORT)

/**
 * struct dmaadd_buf_import - ioctl(DMAADD_IOCTL_BUF_IMPORT)
 * @size: sizeof(struct dmaadd_buf_import)
 * @flags: must be 0
 * @fd: a dma-buf file descriptor
 * @handle: out, the buffer's handle in this open file
 * @length: out, the buffer's length in bytes: for a dma-buf of this same
 *	device the length it was allocated with, otherwise the dma-buf's size
 *	(a whole number of pages)
 * @mmap_offset: out, as &dmaadd_buf_alloc.mmap_offset; mapping it maps the
 *	dma-buf itself (through the exporter)
 *
 * Imports a dma-buf. A dma-buf exported by this same dmaadd device gives
 * back the very same buffer, and if this file already has a handle for it,
 * that same handle: a writable handle stays writable, and importing a
 * writable fd makes a read-only handle writable. Any other dma-buf (from
 * another driver, or from another dmaadd device) is attached to this device
 * and mapped for it (dma_buf_map_attachment()) once per device, like DRM
 * PRIME: while that import lives (any handle, in any open file of this
 * device, or a job using it), importing the same dma-buf again gives the
 * same buffer, and in the same file the same handle. A read-only import is
 * mapped for the device to read only, so a writable import of a dma-buf
 * this device holds only read-only is a new buffer, with a new handle. The
 * device works on the DMA addresses of the mapping. The import holds a
 * reference on the dma-buf until the buffer is freed, so the fd can be
 * closed right away.
 *
 * Importing an fd opened O_RDONLY gives a read-only handle (unless this
 * file already has a writable one for the same buffer, see above).
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EBADF     @fd is not an open file descriptor
 * -EINVAL    @fd is not a dma-buf
 * -ENOMEM    out of memory, no handle left, or no room to map the
 *            buffer for this device (IOVA space, swiotlb bounce
 *            slots); a dmaadd exporter reports a failed mapping so
 * other      what another exporter's attach or map returned
 * =========  =========================================================
 */
struct dmaadd_buf_import {
	__u32 size;
	__u32 flags;
	__u32 fd;
	__u32 handle;
	__aligned_u64 length;
	__aligned_u64 mmap_offset;
};

#define DMAADD_IOCTL_BUF_IMPORT _IO(DMAADD_TYPE, DMAADD_CMD_BUF_IMPORT)

/**
 * enum dmaadd_buf_userptr_flags - &dmaadd_buf_userptr.flags
 * @DMAADD_USERPTR_READ_ONLY: the device only reads the memory: it is pinned
 *	without write access (so read-only mappings work) and the buffer can
 *	only be a job's input.
 */
enum dmaadd_buf_userptr_flags {
	DMAADD_USERPTR_READ_ONLY = 1 << 0,
};

/**
 * struct dmaadd_buf_userptr - ioctl(DMAADD_IOCTL_BUF_USERPTR)
 * @size: sizeof(struct dmaadd_buf_userptr)
 * @flags: bitmask of &enum dmaadd_buf_userptr_flags
 * @addr: start of the caller's memory (for example from malloc()); any
 *	byte address
 * @length: bytes, 1 .. &dmaadd_info.max_buffer_size
 * @handle: out, the buffer's handle
 * @__reserved: must be 0
 *
 * Registers ordinary process memory as a buffer, zero copy: the pages are
 * pinned (pin_user_pages_fast() with FOLL_LONGTERM, and FOLL_WRITE unless
 * read-only), charged to RLIMIT_MEMLOCK, described by an sg_table and
 * mapped for the device once. Offsets in SUBMIT count from @addr. Behind an
 * IOMMU the pages usually become a single DMA segment; without one, each
 * run of physically contiguous pages is a segment.
 *
 * The registration holds the pages, not the virtual range: after munmap()
 * of the range, jobs still read and write the pinned pages (no longer
 * visible to the process) until DMAADD_IOCTL_BUF_FREE. After fork(), the
 * parent keeps seeing the results (FOLL_LONGTERM pins are not shared
 * copy-on-write with the child). A userptr buffer cannot be mmapped through
 * the device node: the process has the memory already.
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EINVAL    @length is 0 or above max_buffer_size, or @addr + @length
 *            wraps
 * -EFAULT    part of the range is not mapped, lies outside user space,
 *            is not writable and DMAADD_USERPTR_READ_ONLY was not given,
 *            or cannot be pinned: memory without struct pages behind it
 *            (VM_PFNMAP/VM_IO), such as a device's registers. (The
 *            mapping of a dmaadd buffer is ordinary pages and can be
 *            registered; BUF_EXPORT/BUF_IMPORT share it without pins.)
 * -ENOMEM    the pages would exceed RLIMIT_MEMLOCK (without
 *            CAP_IPC_LOCK) or the administrator's cap on the file
 *            (see "Memory limits"), or out of memory
 * =========  =========================================================
 */
struct dmaadd_buf_userptr {
	__u32 size;
	__u32 flags;
	__aligned_u64 addr;
	__aligned_u64 length;
	__u32 handle;
	__u32 __reserved;
};

#define DMAADD_IOCTL_BUF_USERPTR _IO(DMAADD_TYPE, DMAADD_CMD_BUF_USERPTR)

/**
 * enum dmaadd_buf_kind - &dmaadd_buf_query.kind
 * @DMAADD_BUF_KIND_ALLOC: allocated by dmaadd (pages mapped for the device)
 * @DMAADD_BUF_KIND_IMPORT: imported from a dma-buf of another device
 * @DMAADD_BUF_KIND_USERPTR: pinned process memory
 */
enum dmaadd_buf_kind {
	DMAADD_BUF_KIND_ALLOC = 1,
	DMAADD_BUF_KIND_IMPORT = 2,
	DMAADD_BUF_KIND_USERPTR = 3,
};

/**
 * enum dmaadd_buf_query_flags - &dmaadd_buf_query.buf_flags
 * @DMAADD_BUF_READ_ONLY: the buffer cannot be a job's output
 * @DMAADD_BUF_IOVA: its device addresses are IOVAs (an IOMMU translates)
 * @DMAADD_BUF_STREAMING: it uses a streaming mapping, synced around jobs
 *	(every kind since API version 4)
 */
enum dmaadd_buf_query_flags {
	DMAADD_BUF_READ_ONLY = 1 << 0,
	DMAADD_BUF_IOVA = 1 << 1,
	DMAADD_BUF_STREAMING = 1 << 2,
};

/**
 * struct dmaadd_buf_query - ioctl(DMAADD_IOCTL_BUF_QUERY)
 * @size: sizeof(struct dmaadd_buf_query)
 * @flags: must be 0
 * @handle: buffer to describe
 * @kind: out, &enum dmaadd_buf_kind
 * @length: out, length in bytes
 * @cpu_pages: out, CPU pages behind the buffer
 * @cpu_segments: out, runs of physically contiguous CPU pages (the CPU
 *	side of the scatterlist, where the buffer has one)
 * @dma_segments: out, device-contiguous segments the device walks: the
 *	entries of the mapped scatterlist, which is fewer than the CPU
 *	entries when an IOMMU merged them (seed 004)
 * @buf_flags: out, bitmask of &enum dmaadd_buf_query_flags
 * @nr_addrs: in, entries @addrs_ptr has room for; out, @dma_segments
 * @addrs_ptr: array of struct dmaadd_dma_segment, filled with the device
 *	addresses and lengths when @nr_addrs is not 0. Needs CAP_SYS_ADMIN:
 *	device addresses are physical addresses without an IOMMU.
 *
 * Tells what the CPU and what the device see of one buffer. The counts
 * need no privilege; they reveal no address.
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -ENOENT    @handle is not a buffer of this open file
 * -EPERM     @nr_addrs is not 0 and the caller lacks CAP_SYS_ADMIN
 * =========  =========================================================
 */
struct dmaadd_buf_query {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 kind;
	__aligned_u64 length;
	__aligned_u64 cpu_pages;
	__aligned_u64 cpu_segments;
	__aligned_u64 dma_segments;
	__u32 buf_flags;
	__u32 nr_addrs;
	__aligned_u64 addrs_ptr;
};

/**
 * struct dmaadd_dma_segment - one entry of &dmaadd_buf_query.addrs_ptr
 * @addr: device address
 * @len: length in bytes
 */
struct dmaadd_dma_segment {
	__aligned_u64 addr;
	__aligned_u64 len;
};

#define DMAADD_IOCTL_BUF_QUERY _IO(DMAADD_TYPE, DMAADD_CMD_BUF_QUERY)

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
 * enum dmaadd_submit_flags - &dmaadd_submit.flags
 * @DMAADD_SUBMIT_IN_FENCE: @in_fence_fd is a sync_file; the job starts only
 *	after every fence in it has signalled (whatever its error).
 * @DMAADD_SUBMIT_OUT_FENCE: return the job's fence as a new sync_file fd
 *	(O_CLOEXEC) in @out_fence_fd.
 */
enum dmaadd_submit_flags {
	DMAADD_SUBMIT_IN_FENCE = 1 << 0,
	DMAADD_SUBMIT_OUT_FENCE = 1 << 1,
};

/**
 * DOC: Fences and implicit synchronisation
 *
 * Every job has a dma_fence that signals when the job has completed: with
 * error 0 when it ran (DMAADD_JOB_OK), -EIO after a device fault
 * (DMAADD_JOB_FAULT), -EINVAL when the device rejected the descriptor
 * (DMAADD_JOB_INVALID) and -ENODEV when the device was removed before the
 * job started (DMAADD_JOB_CANCELLED). Every fence signals: a job always
 * completes, also after its file is closed, its process killed or its
 * device removed. The fences of one open
 * file form one fence context (timeline), with the job id as sequence
 * number, and signal in job id order. Each open file has its own context so
 * that a job waiting for a fence never holds up the jobs of another file.
 *
 * DMAADD_SUBMIT_OUT_FENCE returns the fence as a sync_file: poll(2) it,
 * read it with SYNC_IOC_FILE_INFO, merge it with SYNC_IOC_MERGE, or pass
 * it as the in-fence of a job of another file, device or driver.
 *
 * Implicit synchronisation, as other drivers do it through dma-buf: every
 * buffer has a reservation object (dma_resv), shared with the dma-buf for
 * exported and imported buffers. A job first waits for the fences already
 * there that conflict with it (for its inputs, the fences of writers; for
 * its output, every fence), then adds its own fence: as a writer
 * (DMA_RESV_USAGE_WRITE) to the output's buffer, as a reader
 * (DMA_RESV_USAGE_READ) to the inputs'. So DMA_BUF_IOCTL_EXPORT_SYNC_FILE
 * on an exported buffer returns a fence that signals when the jobs writing
 * it have finished, and a job reading a buffer another driver is still
 * writing (a fence attached to its dma-buf) does not start before that
 * fence signals. Fences of earlier jobs of the same file are not waited
 * for: those jobs complete before it anyway.
 *
 * A job waiting for fences is queued in the driver, not on the device;
 * SUBMIT returns without waiting for them. A job's fence holds a reference
 * on the module, so the module cannot be unloaded while a job is queued or
 * running or while a fence of it is still referenced (a sync_file fd, or
 * the reservation object of a buffer that is still alive).
 */

/**
 * struct dmaadd_submit - ioctl(DMAADD_IOCTL_SUBMIT)
 * @size: sizeof(struct dmaadd_submit); the first version of this struct
 *	(up to and including @job_id, 80 bytes) is accepted too and means no
 *	fences
 * @flags: bitmask of &enum dmaadd_submit_flags; any of them needs a @size
 *	that includes @in_fence_fd and @out_fence_fd
 * @op: &enum dmaadd_op
 * @__reserved: must be 0
 * @count: number of elements, at least 1
 * @a: first input
 * @b: second input
 * @c: output; may be exactly the same range as @a or @b (in place), but
 *	must not otherwise overlap an input in the same buffer
 * @job_id: out, the job's id in this open file: 1 for the first job, then
 *	increasing by one per accepted job
 * @in_fence_fd: with DMAADD_SUBMIT_IN_FENCE, a sync_file fd to wait for;
 *	otherwise must be 0
 * @out_fence_fd: out, with DMAADD_SUBMIT_OUT_FENCE, a new sync_file fd for
 *	the job's fence; otherwise must be 0 in and is 0 out
 *
 * Resolves the handles to device addresses, writes the job descriptor the
 * device reads and queues it. Returns as soon as the job is queued; use
 * DMAADD_IOCTL_WAIT, or the job's fence, for its status. A small job (up
 * to 64 KiB of output) that finds the device idle and nothing to wait for
 * may already have completed when SUBMIT returns: the device runs it
 * without the hand-off to its engine (see docs/design.md), and its fence,
 * its status and the completion page say so at once. The job holds a
 * reference on each buffer and on the open file's state:
 * DMAADD_IOCTL_BUF_FREE, munmap() or close() never pull memory from under
 * it. close() does not wait; the job still runs to completion and then
 * drops its references.
 *
 * Jobs of one file complete in submission order. A job starts once its
 * in-fence and the conflicting fences of its buffers (see "Fences and
 * implicit synchronisation") have signalled; later jobs of the same file
 * wait behind it. When the file already has &dmaadd_info.max_jobs_in_flight
 * jobs not yet completed, SUBMIT sleeps until there is room, or fails with
 * -EAGAIN if the file was opened with O_NONBLOCK. SUBMIT never waits for
 * the device itself. A rejected SUBMIT consumes no job id and starts
 * nothing.
 *
 * Checks run in this order, and the first that fails gives the error:
 * flags (also: fence flags with the first version's @size), reserved, op,
 * count and the fence fds (-EINVAL); count * element
 * size (-EOVERFLOW); per operand a, b, c: flags and alignment (-EINVAL),
 * then offset + length (-EOVERFLOW); per operand: the handle (-ENOENT), then
 * the range against the buffer's @length as allocated, not rounded up to
 * pages (-ERANGE); then c's buffer being read-only (-EACCES); the overlap
 * of c with a and b (-EINVAL); finally the in-fence fd (-EINVAL).
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EINVAL    unknown @op or flag, a fence flag with @size
 *            DMAADD_SUBMIT_SIZE_VER0, @count is 0, operand flags non-zero,
 *            an offset not a multiple of the element size, @c partly
 *            overlapping @a or @b, @in_fence_fd not a sync_file (or
 *            not 0 without DMAADD_SUBMIT_IN_FENCE), @out_fence_fd not 0
 * -ENOENT    an operand handle is not a buffer of this open file
 * -EOVERFLOW @count * element size, or an offset + that length,
 *            overflows 64 bits
 * -ERANGE    an operand's range extends past the end of its buffer
 * -EACCES    @c is a read-only buffer
 * -EAGAIN    O_NONBLOCK, and max_jobs_in_flight jobs of this file are
 *            not yet completed
 * -EFAULT    @job_id, or @out_fence_fd with DMAADD_SUBMIT_OUT_FENCE,
 *            cannot be written: nothing was started, no job id used
 * -EINTR     a signal arrived while waiting for room or for the
 *            buffers' reservation locks: nothing was started (restarted
 *            automatically for handlers with SA_RESTART)
 * -EMFILE    DMAADD_SUBMIT_OUT_FENCE and no free file descriptor
 * -ENOMEM    out of memory
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
	__u32 in_fence_fd;
	__u32 out_fence_fd;
};

/** @DMAADD_SUBMIT_SIZE_VER0: size of the first struct dmaadd_submit */
#define DMAADD_SUBMIT_SIZE_VER0 80

#define DMAADD_IOCTL_SUBMIT _IO(DMAADD_TYPE, DMAADD_CMD_SUBMIT)

/**
 * struct dmaadd_submit_batch - ioctl(DMAADD_IOCTL_SUBMIT_BATCH)
 * @size: sizeof(struct dmaadd_submit_batch)
 * @flags: must be 0
 * @count: number of jobs, 1 .. &dmaadd_info.max_jobs_in_flight
 * @stride: bytes from one element of @jobs_ptr to the next: a multiple of
 *	8, at least DMAADD_SUBMIT_SIZE_VER0 and at most 4096
 * @jobs_ptr: array of @count struct dmaadd_submit. Each element is read
 *	as by DMAADD_IOCTL_SUBMIT: its own @size (at most @stride) says how
 *	much of it is there; on success its @job_id and @out_fence_fd are
 *	written back.
 * @error_index: out, on failure: the index of the job whose check failed,
 *	or @count when the failure is not one job's
 * @__reserved: must be 0
 * @first_job_id: out, the id of the first job; the others follow one by
 *	one
 *
 * Submits @count jobs in one call. Every job is checked, and everything
 * that can fail (handles, ranges, fence fds, file descriptors, memory,
 * room for @count jobs) is taken, before any of them is queued: either all
 * jobs are queued, with consecutive job ids, or none is and the call fails
 * with the error the first failing job would have got from SUBMIT.
 * Jobs run and complete in array order, after the file's earlier jobs.
 * Each job keeps its own status (DMAADD_IOCTL_WAIT) and fence: a job that
 * faults does not stop the ones after it.
 *
 * Errors (besides the common ones): those of DMAADD_IOCTL_SUBMIT, and
 *
 * =========  =========================================================
 * -EINVAL    @count is 0 or above max_jobs_in_flight, a bad @stride,
 *            an element's @size below DMAADD_SUBMIT_SIZE_VER0 or above
 *            @stride
 * -EFAULT    @jobs_ptr does not point to @count * @stride readable and
 *            writable bytes, or @first_job_id cannot be written: no job
 *            was queued (@error_index is @count)
 * =========  =========================================================
 */
struct dmaadd_submit_batch {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 stride;
	__aligned_u64 jobs_ptr;
	__u32 error_index;
	__u32 __reserved;
	__aligned_u64 first_job_id;
};

#define DMAADD_IOCTL_SUBMIT_BATCH _IO(DMAADD_TYPE, DMAADD_CMD_SUBMIT_BATCH)

/**
 * struct dmaadd_submit_copy - ioctl(DMAADD_IOCTL_SUBMIT_COPY)
 * @size: sizeof(struct dmaadd_submit_copy)
 * @flags: must be 0
 * @op: &enum dmaadd_op
 * @status: out, the job's &enum dmaadd_job_status
 * @count: number of elements, at least 1
 * @a_ptr: user address of the first input, @count elements
 * @b_ptr: user address of the second input, @count elements
 * @c_ptr: user address of the output, @count elements
 * @job_id: out, the job's id in this open file (the same sequence as
 *	DMAADD_IOCTL_SUBMIT's)
 *
 * The copying path: the design most first drivers start with, kept for
 * programs that hold their arrays in ordinary memory and as the baseline
 * the zero-copy path is measured against. It costs two copies of the
 * inputs and one of the output per call, and two buffer allocations;
 * DMAADD_IOCTL_BUF_ALLOC and DMAADD_IOCTL_SUBMIT cost neither.
 *
 * The driver allocates two temporary buffers (pages, as BUF_ALLOC's) of
 * @count elements, copies the inputs into them (copy_from_user), runs the
 * job through the same queue, engine and device addresses as
 * DMAADD_IOCTL_SUBMIT (the device writes the sum over the first of them),
 * waits for it, and copies the result to @c_ptr (copy_to_user). The user
 * pointers never reach the device. The three arrays need no alignment, and
 * @c_ptr may overlap @a_ptr or @b_ptr in any way: both inputs are read
 * before the output is written.
 * The job counts against max_jobs_in_flight like any other and runs after
 * the file's earlier jobs.
 *
 * Returns 0 once the job has completed, whatever its @status; only with
 * DMAADD_JOB_OK is @c_ptr written. On failure nothing was written to
 * @c_ptr, except after -EFAULT from writing it back.
 *
 * Checks run in this order, and the first that fails gives the error:
 * flags, op, count (-EINVAL); count * element size (-EOVERFLOW), the
 * length against max_buffer_size (-EINVAL); the three ranges (-EFAULT);
 * then the copies of the inputs (-EFAULT).
 *
 * Errors (besides the common ones):
 *
 * =========  =========================================================
 * -EINVAL    unknown @op or flag, @count is 0, @count * element size
 *            above &dmaadd_info.max_buffer_size
 * -EOVERFLOW @count * element size overflows 64 bits
 * -EFAULT    an input cannot be read or the output range is not a
 *            valid user range (nothing was queued), or the result
 *            could not be written to @c_ptr (the job ran: @job_id and
 *            @status are not written back, @c_ptr may be partly
 *            written)
 * -EAGAIN    O_NONBLOCK, and max_jobs_in_flight jobs of this file are
 *            not yet completed, or another SUBMIT_COPY of this file is
 *            running
 * -EINTR     a signal arrived while waiting for the job: it still
 *            runs, but its result is dropped (@c_ptr is not written,
 *            @job_id not returned); never restarted, even with
 *            SA_RESTART, as that would run the job again. (A signal
 *            while waiting for room, before anything was queued,
 *            restarts the call as for SUBMIT.)
 * -ENOMEM    out of memory for the temporary buffers, or they would
 *            take the file over the administrator's cap (see "Memory
 *            limits")
 * =========  =========================================================
 */
struct dmaadd_submit_copy {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 status;
	__aligned_u64 count;
	__aligned_u64 a_ptr;
	__aligned_u64 b_ptr;
	__aligned_u64 c_ptr;
	__aligned_u64 job_id;
};

#define DMAADD_IOCTL_SUBMIT_COPY _IO(DMAADD_TYPE, DMAADD_CMD_SUBMIT_COPY)

/**
 * enum dmaadd_job_status - outcome of a job, &dmaadd_wait.status
 * @DMAADD_JOB_OK: the job ran; the output holds the result.
 * @DMAADD_JOB_FAULT: the device hit an address that does not translate
 *	(an IOMMU fault or an address outside memory) and stopped before
 *	writing anything; the output is unchanged.
 * @DMAADD_JOB_INVALID: the device rejected the job descriptor.
 * @DMAADD_JOB_CANCELLED: the device was removed before the job started
 *	(see "Device removal" above); the output is
 *	unchanged and the job's fence signalled with -ENODEV.
 */
enum dmaadd_job_status {
	DMAADD_JOB_OK = 0,
	DMAADD_JOB_FAULT = 1,
	DMAADD_JOB_INVALID = 2,
	DMAADD_JOB_CANCELLED = 3,
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
 * Waits until the job has completed and has let go of what it held: when
 * WAIT returns a status, a buffer freed (BUF_FREE, munmap, close) while the
 * job used it is gone - its memory, pinned pages and RLIMIT_MEMLOCK charge
 * are released. (A job's fence signals as soon as the job completed; the
 * references are dropped asynchronously after that, within a scheduler
 * tick or two, or by the WAIT itself.) A job's status is
 * kept for the file's &dmaadd_info.job_history most recent jobs; waiting
 * for an older job gives -ENOENT.
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

/**
 * DOC: Completion page
 *
 * Since API version 6, every open file has a completion page: one page of
 * memory the driver writes as the file's jobs complete, which the process
 * maps read-only to learn that a job is done without a system call, the way
 * GPU drivers expose a fence's sequence number to user fences. Map it with
 * mmap(2) of one page (any length up to the page size) at offset
 * DMAADD_COMPLETION_OFFSET, PROT_READ and MAP_SHARED, on the device fd; it
 * holds a &struct dmaadd_completion_page. The mapping keeps the open file
 * alive, like a buffer's mapping, and stays valid (and is still written)
 * after the device is removed; a file opened before removal cannot map it
 * afterwards (-ENODEV, as for buffers).
 *
 * Jobs of one file complete in job id order (cancelled ones too), so one
 * number tells them all: every job with an id up to @completed_id has
 * completed. Before that number moves, the job's status is in @status and
 * its output is visible to the CPU (swiotlb bounce copied back, caches
 * synced), so a reader that loads @completed_id with acquire semantics
 * (``__atomic_load_n(&page->completed_id, __ATOMIC_ACQUIRE)``) and finds it
 * at or past its job may read the job's output and status.
 *
 * What the page does not say: a job that completed may still hold its
 * buffers for a moment (WAIT waits for that too; see &struct dmaadd_wait),
 * so memory freed right after may be released a little later. To sleep
 * until a job completes, use DMAADD_IOCTL_WAIT, poll(2) or the job's fence.
 *
 * =========  =========================================================
 * -EINVAL    not MAP_SHARED, or longer than one page
 * -EACCES    PROT_WRITE (the page is read-only, and cannot be
 *            mprotect()ed writable)
 * -ENODEV    the device was removed
 * =========  =========================================================
 */

/** @DMAADD_COMPLETION_OFFSET: mmap(2) offset of the completion page */
#define DMAADD_COMPLETION_OFFSET 0

/** @DMAADD_COMPLETION_HISTORY: entries of &dmaadd_completion_page.status */
#define DMAADD_COMPLETION_HISTORY 256

/**
 * struct dmaadd_completion_page - what the completion page holds
 * @completed_id: every job of the open file with an id up to this one has
 *	completed; 0 before the first. Only grows.
 * @__reserved: 0
 * @status: the statuses of the last DMAADD_COMPLETION_HISTORY jobs that
 *	completed: entry ``id % DMAADD_COMPLETION_HISTORY`` holds
 *	``id << 8 | status`` (&enum dmaadd_job_status) of job @id once it
 *	completed, until a job DMAADD_COMPLETION_HISTORY later takes the
 *	entry; check that the id matches. 0 while unused.
 *
 * Native endianness; written by the kernel only.
 */
struct dmaadd_completion_page {
	__aligned_u64 completed_id;
	__aligned_u64 __reserved[7];
	__aligned_u64 status[DMAADD_COMPLETION_HISTORY];
};

#endif /* _UAPI_LINUX_DMAADD_H */
