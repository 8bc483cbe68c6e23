// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/dmaaddN: open files, the ioctl dispatch and mmap.
 *
 * Every ioctl argument starts with its own size (see uapi/linux/dmaadd.h):
 * shorter structs than the kernel's are zero-extended, longer ones are
 * accepted only with a zero tail, and outputs are copied back up to the
 * caller's size.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_compat.h"
#include "dmaadd_copy.h"
#include "dmaadd_device.h"
#include "dmaadd_dmabuf.h"
#include "dmaadd_drv.h"
#include "dmaadd_engine.h"
#include "dmaadd_file.h"
#include "dmaadd_job.h"
#include "dmaadd_userptr.h"

void dmaadd_file_get(struct dmaadd_file *df)
{
	kref_get(&df->ref);
}

static void dmaadd_file_release_ref(struct kref *ref)
{
	struct dmaadd_file *df = container_of(ref, struct dmaadd_file, ref);
	struct dmaadd_device *ddev = df->ddev;
	int i;

	/* Descriptors are freed here, or at removal if it came first. */
	mutex_lock(&ddev->files_lock);
	list_del(&df->live_node);
	if (ddev->desc_pool)
		for (i = 0; i < DMAADD_MAX_JOBS; i++)
			dmaadd_job_fini(&df->jobs[i], ddev->desc_pool);
	mutex_unlock(&ddev->files_lock);
	dma_fence_put(df->last_fence);
	dmaadd_charge_put(df->charge);
	/* Mappings hold their own reference on the page. */
	__free_page(df->completion_page);
	mutex_destroy(&df->ring_lock);
	mutex_destroy(&df->copy_lock);
	mutex_destroy(&df->import_lock);
	mutex_destroy(&df->submit_lock);
	kvfree(df);
	atomic_dec(&ddev->stats.files);
	dmaadd_device_put(ddev);
}

void dmaadd_file_put(struct dmaadd_file *df)
{
	kref_put(&df->ref, dmaadd_file_release_ref);
}

/**
 * dmaadd_file_get_buf() - look up a handle
 * @df: open file
 * @handle: handle
 * @read_only: if not NULL, set when the handle may not write the buffer
 *
 * Return: the buffer with a reference the caller owns, or NULL.
 */
struct dmaadd_buf *dmaadd_file_get_buf(struct dmaadd_file *df, u32 handle,
				       bool *read_only)
{
	struct dmaadd_buf *buf;
	void *entry;

	xa_lock(&df->bufs);
	entry = xa_load(&df->bufs, handle);
	buf = xa_untag_pointer(entry);
	if (buf)
		dmaadd_buf_get(buf);
	xa_unlock(&df->bufs);

	if (buf && read_only)
		*read_only = buf->read_only ||
			     xa_pointer_tag(entry) & DMAADD_HANDLE_READ_ONLY;
	return buf;
}

/*
 * Handles are published only once the ioctl that makes one cannot fail
 * any more: a handle is first reserved (an XA_ZERO_ENTRY, which lookups,
 * BUF_FREE and the iterators do not see), the result is copied out, and
 * only then the buffer is stored. Another thread guessing the number can
 * neither free the buffer under the ioctl nor see a handle that is about
 * to be taken back.
 */
static int dmaadd_file_reserve_handle(struct dmaadd_file *df, u32 *handle)
{
	int ret;

	ret = xa_alloc(&df->bufs, handle, NULL, XA_LIMIT(1, DMAADD_MAX_HANDLE),
		       GFP_KERNEL);
	return ret == -EBUSY ? -ENOMEM : ret;
}

/* Give a reserved handle its buffer, whose reference the table takes. */
static void dmaadd_file_publish_handle(struct dmaadd_file *df, u32 handle,
				       struct dmaadd_buf *buf, bool read_only)
{
	void *entry = xa_tag_pointer(buf, read_only ? DMAADD_HANDLE_READ_ONLY : 0);

	/* The reserved slot exists: storing into it allocates nothing. */
	WARN_ON(xa_is_err(xa_store(&df->bufs, handle, entry, GFP_KERNEL)));
}

/* Undo dmaadd_file_reserve_handle(). */
static void dmaadd_file_unreserve_handle(struct dmaadd_file *df, u32 handle)
{
	xa_release(&df->bufs, handle);
}

static int dmaadd_file_open(struct inode *inode, struct file *filp)
{
	struct dmaadd_device *ddev = container_of(filp->private_data,
						  struct dmaadd_device, misc);
	struct dmaadd_file *df;
	int idx;

	/* An open racing with removal: misc_deregister() does not wait. */
	if (!dmaadd_dev_enter(ddev, &idx))
		return -ENODEV;
	df = kvzalloc(sizeof(*df), GFP_KERNEL_ACCOUNT);
	if (!df)
		goto err_nomem;
	df->charge = dmaadd_charge_create();
	if (!df->charge)
		goto err_free;
	df->completion_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!df->completion_page)
		goto err_put_charge;
	df->completion = page_address(df->completion_page);

	kref_init(&df->ref);
	xa_init_flags(&df->bufs, XA_FLAGS_ALLOC1);
	mutex_init(&df->submit_lock);
	mutex_init(&df->copy_lock);
	mutex_init(&df->import_lock);
	mutex_init(&df->ring_lock);
	INIT_WORK(&df->ring_work, dmaadd_job_ring_work);
	init_waitqueue_head(&df->wq);
	atomic64_set(&df->wake_at, DMAADD_WAKE_NONE);
	df->next_id = 1;
	df->fence_context = dma_fence_context_alloc(1);
	df->dep_context = dma_fence_context_alloc(1);
	dmaadd_device_get(ddev);
	atomic_inc(&ddev->stats.files);
	df->ddev = ddev;
	df->pid = task_tgid_vnr(current);
	get_task_comm(df->comm, current);
	mutex_lock(&ddev->files_lock);
	list_add_tail(&df->dev_node, &ddev->files);
	list_add_tail(&df->live_node, &ddev->live_files);
	mutex_unlock(&ddev->files_lock);
	dmaadd_dev_exit(idx);

	filp->private_data = df;
	return nonseekable_open(inode, filp);

err_put_charge:
	dmaadd_charge_put(df->charge);
err_free:
	kvfree(df);
err_nomem:
	dmaadd_dev_exit(idx);
	return -ENOMEM;
}

/*
 * Jobs still in flight keep their own references on the file and on their
 * buffers, so closing never waits for the device and loses nothing.
 */
static int dmaadd_file_release(struct inode *inode, struct file *filp)
{
	struct dmaadd_file *df = filp->private_data;
	struct dmaadd_device *ddev = df->ddev;
	unsigned long handle;
	void *entry;

	mutex_lock(&ddev->files_lock);
	list_del(&df->dev_node);
	mutex_unlock(&ddev->files_lock);

	xa_for_each(&df->bufs, handle, entry)
		dmaadd_buf_put(xa_untag_pointer(entry));
	xa_destroy(&df->bufs);
	dmaadd_file_put(df);
	return 0;
}

/*
 * Copy in an extensible argument struct whose first member is its size
 * @usize, already fetched from userspace once: the struct's own copy of
 * the field is overwritten with it, so that a second fetch by a racing
 * writer is never what the kernel trusts.
 */
static int dmaadd_copy_struct(void *karg, size_t ksize, void __user *uarg,
			      u32 usize)
{
	int ret;

	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (ret)
		return ret;
	*(u32 *)karg = usize;
	return 0;
}

/*
 * Copy in an extensible argument struct whose first member is its size,
 * which must be at least @minsize (the struct's first version).
 */
static int dmaadd_copy_args_min(void *karg, size_t ksize, size_t minsize,
				void __user *uarg, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (u32 __user *)uarg))
		return -EFAULT;
	if (size < minsize)
		return -EINVAL;
	ret = dmaadd_copy_struct(karg, ksize, uarg, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

static int dmaadd_copy_args(void *karg, size_t ksize, unsigned long arg,
			    u32 *usize)
{
	return dmaadd_copy_args_min(karg, ksize, ksize, (void __user *)arg,
				    usize);
}

static int dmaadd_copy_result(unsigned long arg, const void *karg,
			      size_t ksize, u32 usize)
{
	if (copy_to_user((void __user *)arg, karg, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}

/*
 * Give @buf, whose reference the handle takes over, a new handle and tell
 * userspace, in that order of visibility: the handle is reserved, written
 * into the result (*@handle, and *@mmap_offset if not NULL), the result
 * @karg is copied out, and only then the handle is published. On failure
 * the handle is gone again and the reference dropped.
 */
static int dmaadd_file_add_buf(struct dmaadd_file *df, struct dmaadd_buf *buf,
			       unsigned long arg, void *karg, size_t ksize,
			       u32 usize, u32 *handle, u64 *mmap_offset)
{
	int ret;

	ret = dmaadd_file_reserve_handle(df, handle);
	if (ret)
		goto err_put_buf;
	if (mmap_offset)
		*mmap_offset = (u64)*handle << DMAADD_MMAP_SHIFT;
	ret = dmaadd_copy_result(arg, karg, ksize, usize);
	if (ret) {
		dmaadd_file_unreserve_handle(df, *handle);
		goto err_put_buf;
	}
	dmaadd_file_publish_handle(df, *handle, buf, false);
	return 0;

err_put_buf:
	dmaadd_buf_put(buf);
	return ret;
}

static int dmaadd_ioctl_info(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_device *ddev = df->ddev;
	struct dmaadd_info info;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&info, sizeof(info), arg, &usize);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;

	info.api_version = DMAADD_API_VERSION;
	info.backend = ddev->backend;
	info.caps = 0;
	if (dmaadd_engine_iommu(ddev->engine))
		info.caps |= DMAADD_CAP_IOMMU;
	if (is_swiotlb_force_bounce(ddev->dev))
		info.caps |= DMAADD_CAP_BOUNCE;
	info.dma_mask = dma_get_mask(ddev->dev);
	info.max_buffer_size = dmaadd_max_buffer_size();
	info.ops = BIT(DMAADD_OP_ADD_I32);
	info.index = ddev->index;
	info.max_jobs_in_flight = DMAADD_MAX_JOBS;
	info.job_history = DMAADD_JOB_HISTORY;

	return dmaadd_copy_result(arg, &info, sizeof(info), usize);
}

static int dmaadd_ioctl_buf_alloc(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_buf_alloc args;
	struct dmaadd_buf *buf;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	if (args.flags & ~DMAADD_BUF_CONTIGUOUS || args.__reserved)
		return -EINVAL;
	if (!args.length || args.length > dmaadd_max_buffer_size())
		return -EINVAL;

	buf = dmaadd_buf_create(df->ddev, DMAADD_BUF_KIND_ALLOC, args.length);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = dmaadd_buf_charge(buf, df->charge, buf->alloc_size);
	if (!ret)
		ret = dmaadd_buf_alloc_memory(buf,
					      args.flags & DMAADD_BUF_CONTIGUOUS);
	if (ret) {
		dmaadd_buf_put(buf);
		return ret;
	}
	return dmaadd_file_add_buf(df, buf, arg, &args, sizeof(args), usize,
				   &args.handle, &args.mmap_offset);
}

static int dmaadd_ioctl_buf_free(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_buf_free args;
	struct dmaadd_buf *buf;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;

	/* A reserved handle reads as NULL and stays reserved. */
	xa_lock(&df->bufs);
	buf = xa_untag_pointer(xa_load(&df->bufs, args.handle));
	if (buf)
		__xa_erase(&df->bufs, args.handle);
	xa_unlock(&df->bufs);
	if (!buf)
		return -ENOENT;
	dmaadd_buf_put(buf);
	return 0;
}

static int dmaadd_ioctl_buf_export(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_buf_export args;
	struct dma_buf *dmabuf;
	struct dmaadd_buf *buf;
	bool read_only;
	u32 usize;
	int ret, fd;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	if (args.flags & ~DMAADD_EXPORT_READ_ONLY)
		return -EINVAL;

	buf = dmaadd_file_get_buf(df, args.handle, &read_only);
	if (!buf)
		return -ENOENT;
	if (read_only && !(args.flags & DMAADD_EXPORT_READ_ONLY)) {
		dmaadd_buf_put(buf);
		return -EACCES;
	}
	dmabuf = dmaadd_dmabuf_export(buf, args.flags & DMAADD_EXPORT_READ_ONLY);
	dmaadd_buf_put(buf);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	/* The fd is installed last, once nothing can fail any more. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_put_dmabuf;
	}
	args.fd = fd;
	ret = dmaadd_copy_result(arg, &args, sizeof(args), usize);
	if (ret) {
		put_unused_fd(fd);
		goto err_put_dmabuf;
	}
	fd_install(fd, dmabuf->file);
	return 0;

err_put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
}

/* The handle this file already has for @buf, and its table entry. */
static bool dmaadd_file_find_buf(struct dmaadd_file *df, struct dmaadd_buf *buf,
				 u32 *handle, void **entry)
{
	unsigned long index;
	void *e;

	xa_for_each(&df->bufs, index, e) {
		if (xa_untag_pointer(e) != buf)
			continue;
		*handle = index;
		*entry = e;
		return true;
	}
	return false;
}

static int dmaadd_ioctl_buf_import(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_buf_import args;
	struct dmaadd_buf *buf;
	bool read_only, found;
	void *entry = NULL;
	u32 usize, handle;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	if (args.flags)
		return -EINVAL;

	buf = dmaadd_dmabuf_import(df->ddev, args.fd, &read_only);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	/*
	 * One handle per buffer and file: the lock orders imports of the
	 * same buffer, from the lookup to the handle's publication. Our
	 * reference keeps @buf alive throughout, whatever BUF_FREE does.
	 */
	mutex_lock(&df->import_lock);
	found = dmaadd_file_find_buf(df, buf, &handle, &entry);
	if (!found) {
		ret = dmaadd_file_reserve_handle(df, &handle);
		if (ret)
			goto out_unlock;
	}

	args.handle = handle;
	args.length = buf->size;
	args.mmap_offset = (u64)handle << DMAADD_MMAP_SHIFT;
	ret = dmaadd_copy_result(arg, &args, sizeof(args), usize);
	if (ret) {
		if (!found)
			dmaadd_file_unreserve_handle(df, handle);
		goto out_unlock;
	}

	if (!found) {
		dmaadd_file_publish_handle(df, handle, buf, read_only);
		buf = NULL;	/* the handle's reference now */
	} else if (!read_only && xa_pointer_tag(entry)) {
		/* A writable import upgrades a read-only handle. */
		xa_cmpxchg(&df->bufs, handle, entry, xa_untag_pointer(entry),
			   GFP_KERNEL);
	}
out_unlock:
	mutex_unlock(&df->import_lock);
	if (buf)
		dmaadd_buf_put(buf);
	return ret;
}

static int dmaadd_ioctl_buf_userptr(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_buf_userptr args;
	struct dmaadd_buf *buf;
	u32 usize;
	u64 end;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	if (args.flags & ~DMAADD_USERPTR_READ_ONLY || args.__reserved)
		return -EINVAL;
	/* A range outside user space is -EFAULT, from the pinning. */
	if (!args.length || args.length > dmaadd_max_buffer_size() ||
	    check_add_overflow(args.addr, args.length, &end))
		return -EINVAL;

	buf = dmaadd_userptr_create(df->ddev, args.addr, args.length,
				    args.flags & DMAADD_USERPTR_READ_ONLY,
				    df->charge);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	return dmaadd_file_add_buf(df, buf, arg, &args, sizeof(args), usize,
				   &args.handle, NULL);
}

static int dmaadd_ioctl_buf_query(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_buf_query args;
	struct dmaadd_buf *buf;
	bool read_only;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	if (args.flags)
		return -EINVAL;

	buf = dmaadd_file_get_buf(df, args.handle, &read_only);
	if (!buf)
		return -ENOENT;
	ret = dmaadd_buf_query(buf, &args);
	dmaadd_buf_put(buf);
	if (ret)
		return ret;
	if (read_only)
		args.buf_flags |= DMAADD_BUF_READ_ONLY;
	return dmaadd_copy_result(arg, &args, sizeof(args), usize);
}

static int dmaadd_ioctl_submit(struct dmaadd_file *df, struct file *filp,
			       unsigned long arg)
{
	struct dmaadd_submit_user out = { .jobs = (void __user *)arg };
	struct dmaadd_submit args;
	u32 usize, error_index;
	int ret;

	ret = dmaadd_copy_args_min(&args, sizeof(args), DMAADD_SUBMIT_SIZE_VER0,
				   (void __user *)arg, &usize);
	if (ret)
		return ret;
	/* Writes job_id and out_fence_fd before it commits anything. */
	return dmaadd_job_submit(df, &args, 1, filp->f_flags & O_NONBLOCK,
				 &error_index, &out);
}

static void __user *dmaadd_batch_elem(const struct dmaadd_submit_batch *args,
				      unsigned int i)
{
	return u64_to_user_ptr(args->jobs_ptr + (u64)i * args->stride);
}

/*
 * Read the batch's elements into @jobs, each by its own size. Returns 0, or
 * an errno with args->error_index set to the element at fault.
 */
static int dmaadd_batch_read(struct dmaadd_submit_batch *args,
			     struct dmaadd_submit *jobs)
{
	u32 esize;
	unsigned int i;
	int ret;

	/*
	 * The usual case, elements of this very struct back to back: one
	 * copy, then per element what copy_struct_from_user() would do with
	 * a size up to ours (clear the tail). Anything unusual, a fault
	 * included, takes the element-by-element path, so the errno and the
	 * index are the same either way.
	 */
	if (args->stride == sizeof(*jobs) &&
	    !copy_from_user(jobs, u64_to_user_ptr(args->jobs_ptr),
			    array_size(args->count, sizeof(*jobs)))) {
		for (i = 0; i < args->count; i++) {
			esize = jobs[i].size;
			if (esize > sizeof(*jobs) ||
			    esize < DMAADD_SUBMIT_SIZE_VER0) {
				args->error_index = i;
				return -EINVAL;
			}
			memset((void *)&jobs[i] + esize, 0,
			       sizeof(*jobs) - esize);
		}
		return 0;
	}

	/* Each element keeps its own size, fetched once, in jobs[i].size. */
	for (i = 0; i < args->count; i++) {
		void __user *elem = dmaadd_batch_elem(args, i);

		if (get_user(esize, (u32 __user *)elem))
			ret = -EFAULT;
		else if (esize > args->stride || esize < DMAADD_SUBMIT_SIZE_VER0)
			ret = -EINVAL;
		else
			ret = dmaadd_copy_struct(&jobs[i], sizeof(jobs[i]),
						 elem, esize);
		if (ret) {
			args->error_index = i;
			return ret;
		}
	}
	return 0;
}

static int dmaadd_ioctl_submit_batch(struct dmaadd_file *df, struct file *filp,
				     unsigned long arg)
{
	struct dmaadd_submit_user out;
	struct dmaadd_submit_batch args;
	struct dmaadd_submit *jobs;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	/* Until a job is found at fault, the failure is the batch's. */
	args.error_index = args.count;
	jobs = NULL;
	ret = -EINVAL;
	if (args.flags || args.__reserved)
		goto out_report;
	if (!args.count || args.count > DMAADD_MAX_JOBS)
		goto out_report;
	if (args.stride < DMAADD_SUBMIT_SIZE_VER0 ||
	    !IS_ALIGNED(args.stride, 8) || args.stride > SZ_4K)
		goto out_report;

	/* Not zeroed: reading the elements fills every byte. */
	ret = -ENOMEM;
	jobs = kvmalloc_array(args.count, sizeof(*jobs), GFP_KERNEL);
	if (!jobs)
		goto out_report;

	ret = dmaadd_batch_read(&args, jobs);
	if (ret)
		goto out_report;

	out.jobs = u64_to_user_ptr(args.jobs_ptr);
	out.stride = args.stride;
	out.first_job_id = &((struct dmaadd_submit_batch __user *)arg)->first_job_id;
	/* Writes the ids, fds and first_job_id before it commits anything. */
	ret = dmaadd_job_submit(df, jobs, args.count,
				filp->f_flags & O_NONBLOCK, &args.error_index,
				&out);
	if (!ret) {
		kvfree(jobs);
		return 0;
	}

out_report:
	/* Only error_index is written back, on a best effort: the error is
	 * what matters.
	 */
	put_user(args.error_index,
		 &((struct dmaadd_submit_batch __user *)arg)->error_index);
	kvfree(jobs);
	return ret;
}

static int dmaadd_ioctl_submit_copy(struct dmaadd_file *df, struct file *filp,
				    unsigned long arg)
{
	struct dmaadd_submit_copy args;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	/*
	 * One at a time per file: a file's temporary copies are at most two
	 * buffers of max_buffer_size, however many threads call.
	 */
	if (filp->f_flags & O_NONBLOCK) {
		if (!mutex_trylock(&df->copy_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&df->copy_lock)) {
		return -ERESTARTSYS;
	}
	ret = dmaadd_copy_submit(df, &args, filp->f_flags & O_NONBLOCK);
	mutex_unlock(&df->copy_lock);
	if (ret)
		return ret;
	return dmaadd_copy_result(arg, &args, sizeof(args), usize);
}

static int dmaadd_ioctl_wait(struct dmaadd_file *df, unsigned long arg)
{
	struct dmaadd_wait args;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	ret = dmaadd_job_wait(df, &args);
	if (ret)
		return ret;
	return dmaadd_copy_result(arg, &args, sizeof(args), usize);
}

/* The ioctls that use the device, inside dmaadd_dev_enter(). */
static long dmaadd_file_ioctl_dev(struct dmaadd_file *df, struct file *filp,
				  unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case DMAADD_IOCTL_INFO:
		return dmaadd_ioctl_info(df, arg);
	case DMAADD_IOCTL_BUF_ALLOC:
		return dmaadd_ioctl_buf_alloc(df, arg);
	case DMAADD_IOCTL_SUBMIT:
		return dmaadd_ioctl_submit(df, filp, arg);
	case DMAADD_IOCTL_BUF_EXPORT:
		return dmaadd_ioctl_buf_export(df, arg);
	case DMAADD_IOCTL_BUF_IMPORT:
		return dmaadd_ioctl_buf_import(df, arg);
	case DMAADD_IOCTL_BUF_USERPTR:
		return dmaadd_ioctl_buf_userptr(df, arg);
	case DMAADD_IOCTL_BUF_QUERY:
		return dmaadd_ioctl_buf_query(df, arg);
	case DMAADD_IOCTL_SUBMIT_BATCH:
		return dmaadd_ioctl_submit_batch(df, filp, arg);
	default:
		return -ENOTTY;
	}
}

static long dmaadd_file_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	struct dmaadd_file *df = filp->private_data;
	long ret;
	int idx;

	switch (cmd) {
	/* These work after removal too: jobs still complete, handles go. */
	case DMAADD_IOCTL_WAIT:
		return dmaadd_ioctl_wait(df, arg);
	case DMAADD_IOCTL_BUF_FREE:
		return dmaadd_ioctl_buf_free(df, arg);
	/* Enters the device itself: it waits for its job. */
	case DMAADD_IOCTL_SUBMIT_COPY:
		return dmaadd_ioctl_submit_copy(df, filp, arg);
	case DMAADD_IOCTL_INFO:
	case DMAADD_IOCTL_BUF_ALLOC:
	case DMAADD_IOCTL_SUBMIT:
	case DMAADD_IOCTL_BUF_EXPORT:
	case DMAADD_IOCTL_BUF_IMPORT:
	case DMAADD_IOCTL_BUF_USERPTR:
	case DMAADD_IOCTL_BUF_QUERY:
	case DMAADD_IOCTL_SUBMIT_BATCH:
		break;
	default:
		return -ENOTTY;
	}

	if (!dmaadd_dev_enter(df->ddev, &idx))
		return -ENODEV;
	ret = dmaadd_file_ioctl_dev(df, filp, cmd, arg);
	dmaadd_dev_exit(idx);
	return ret;
}

/*
 * The completion page (uapi "Completion page"): one page, read-only, the
 * open file's own. The vma holds the file, which holds the page; the page
 * reference vm_insert_page() takes is the mapping's.
 */
static int dmaadd_file_mmap_completion(struct dmaadd_file *df,
				       struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_MAYSHARE) || vma_pages(vma) != 1)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	dmaadd_vm_flags_clear(vma, VM_MAYWRITE);
	dmaadd_vm_flags_set(vma, VM_DONTEXPAND);
	return vm_insert_page(vma, vma->vm_start, df->completion_page);
}

static int dmaadd_file_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct dmaadd_file *df = filp->private_data;
	unsigned long handle = vma->vm_pgoff >> (DMAADD_MMAP_SHIFT - PAGE_SHIFT);
	struct dmaadd_buf *buf;
	bool read_only;
	int ret;

	if (handle > DMAADD_MAX_HANDLE)
		return -EINVAL;
	/* Not that the pages need the device: new users of it do not come. */
	if (READ_ONCE(df->ddev->unplugged))
		return -ENODEV;
	if (!handle) {
		if (vma->vm_pgoff != DMAADD_COMPLETION_OFFSET >> PAGE_SHIFT)
			return -EINVAL;
		return dmaadd_file_mmap_completion(df, vma);
	}
	buf = dmaadd_file_get_buf(df, handle, &read_only);
	if (!buf)
		return -EINVAL;

	/* Same rule as a read-only dma-buf fd: no writable mapping, ever. */
	if (read_only) {
		if (vma->vm_flags & VM_WRITE) {
			ret = -EACCES;
			goto out_put;
		}
		dmaadd_vm_flags_clear(vma, VM_MAYWRITE);
	}

	vma->vm_pgoff &= BIT(DMAADD_MMAP_SHIFT - PAGE_SHIFT) - 1;
	ret = dmaadd_buf_mmap(buf, vma);
out_put:
	dmaadd_buf_put(buf);
	return ret;
}

static __poll_t dmaadd_file_poll(struct file *filp, poll_table *wait)
{
	return dmaadd_job_poll(filp->private_data, filp, wait);
}

const struct file_operations dmaadd_fops = {
	.owner = THIS_MODULE,
	.open = dmaadd_file_open,
	.release = dmaadd_file_release,
	.unlocked_ioctl = dmaadd_file_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = dmaadd_file_mmap,
	.poll = dmaadd_file_poll,
};
