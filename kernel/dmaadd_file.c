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

#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_device.h"
#include "dmaadd_drv.h"
#include "dmaadd_engine.h"
#include "dmaadd_file.h"
#include "dmaadd_job.h"

void dmaadd_file_get(struct dmaadd_file *df)
{
	kref_get(&df->ref);
}

static void dmaadd_file_release_ref(struct kref *ref)
{
	struct dmaadd_file *df = container_of(ref, struct dmaadd_file, ref);
	struct dmaadd_device *ddev = df->ddev;
	int i;

	for (i = 0; i < DMAADD_MAX_JOBS; i++)
		dmaadd_job_fini(&df->jobs[i], ddev->desc_pool);
	mutex_destroy(&df->submit_lock);
	kvfree(df);
	dmaadd_device_put(ddev);
}

void dmaadd_file_put(struct dmaadd_file *df)
{
	kref_put(&df->ref, dmaadd_file_release_ref);
}

/* Look up a handle; the caller owns the returned reference. */
struct dmaadd_buf *dmaadd_file_get_buf(struct dmaadd_file *df, u32 handle)
{
	struct dmaadd_buf *buf;

	xa_lock(&df->bufs);
	buf = xa_load(&df->bufs, handle);
	if (buf)
		dmaadd_buf_get(buf);
	xa_unlock(&df->bufs);
	return buf;
}

static int dmaadd_file_open(struct inode *inode, struct file *filp)
{
	struct dmaadd_device *ddev = container_of(filp->private_data,
						  struct dmaadd_device, misc);
	struct dmaadd_file *df;

	df = kvzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return -ENOMEM;

	kref_init(&df->ref);
	xa_init_flags(&df->bufs, XA_FLAGS_ALLOC1);
	mutex_init(&df->submit_lock);
	init_waitqueue_head(&df->wq);
	df->next_id = 1;
	dmaadd_device_get(ddev);
	df->ddev = ddev;

	filp->private_data = df;
	return nonseekable_open(inode, filp);
}

/*
 * Jobs still in flight keep their own references on the file and on their
 * buffers, so closing never waits for the device and loses nothing.
 */
static int dmaadd_file_release(struct inode *inode, struct file *filp)
{
	struct dmaadd_file *df = filp->private_data;
	struct dmaadd_buf *buf;
	unsigned long handle;

	xa_for_each(&df->bufs, handle, buf)
		dmaadd_buf_put(buf);
	xa_destroy(&df->bufs);
	dmaadd_file_put(df);
	return 0;
}

/* Copy in an extensible argument struct whose first member is its size. */
static int dmaadd_copy_args(void *karg, size_t ksize, unsigned long arg,
			    u32 *usize)
{
	void __user *uarg = (void __user *)arg;
	u32 size;
	int ret;

	if (get_user(size, (u32 __user *)uarg))
		return -EFAULT;
	if (size < ksize)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, uarg, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

static int dmaadd_copy_result(unsigned long arg, const void *karg,
			      size_t ksize, u32 usize)
{
	if (copy_to_user((void __user *)arg, karg, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
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
	u32 usize, handle;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	if (args.flags & ~DMAADD_BUF_CONTIGUOUS || args.__reserved)
		return -EINVAL;
	if (!args.length || args.length > dmaadd_max_buffer_size())
		return -EINVAL;

	buf = dmaadd_buf_alloc(df->ddev, args.length,
			       args.flags & DMAADD_BUF_CONTIGUOUS);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	ret = xa_alloc(&df->bufs, &handle, buf, XA_LIMIT(1, DMAADD_MAX_HANDLE),
		       GFP_KERNEL);
	if (ret) {
		dmaadd_buf_put(buf);
		return ret == -EBUSY ? -ENOMEM : ret;
	}

	args.handle = handle;
	args.mmap_offset = (u64)handle << DMAADD_MMAP_SHIFT;
	ret = dmaadd_copy_result(arg, &args, sizeof(args), usize);
	if (ret) {
		/* Unless another thread already freed the guessed handle. */
		if (xa_cmpxchg(&df->bufs, handle, buf, NULL, 0) == buf)
			dmaadd_buf_put(buf);
	}
	return ret;
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

	buf = xa_erase(&df->bufs, args.handle);
	if (!buf)
		return -ENOENT;
	dmaadd_buf_put(buf);
	return 0;
}

static int dmaadd_ioctl_submit(struct dmaadd_file *df, struct file *filp,
			       unsigned long arg)
{
	struct dmaadd_submit args;
	u32 usize;
	int ret;

	ret = dmaadd_copy_args(&args, sizeof(args), arg, &usize);
	if (ret)
		return ret;
	ret = dmaadd_job_submit(df, &args, filp->f_flags & O_NONBLOCK);
	if (ret)
		return ret;
	/* The job runs whatever happens here; its id is in the history. */
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

static long dmaadd_file_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	struct dmaadd_file *df = filp->private_data;

	switch (cmd) {
	case DMAADD_IOCTL_INFO:
		return dmaadd_ioctl_info(df, arg);
	case DMAADD_IOCTL_BUF_ALLOC:
		return dmaadd_ioctl_buf_alloc(df, arg);
	case DMAADD_IOCTL_BUF_FREE:
		return dmaadd_ioctl_buf_free(df, arg);
	case DMAADD_IOCTL_SUBMIT:
		return dmaadd_ioctl_submit(df, filp, arg);
	case DMAADD_IOCTL_WAIT:
		return dmaadd_ioctl_wait(df, arg);
	default:
		return -ENOTTY;
	}
}

static int dmaadd_file_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct dmaadd_file *df = filp->private_data;
	unsigned long handle = vma->vm_pgoff >> (DMAADD_MMAP_SHIFT - PAGE_SHIFT);
	struct dmaadd_buf *buf;
	int ret;

	if (!handle || handle > DMAADD_MAX_HANDLE)
		return -EINVAL;
	buf = dmaadd_file_get_buf(df, handle);
	if (!buf)
		return -EINVAL;

	vma->vm_pgoff &= BIT(DMAADD_MMAP_SHIFT - PAGE_SHIFT) - 1;
	ret = dmaadd_buf_mmap(buf, vma);
	dmaadd_buf_put(buf);
	return ret;
}

const struct file_operations dmaadd_fops = {
	.owner = THIS_MODULE,
	.open = dmaadd_file_open,
	.release = dmaadd_file_release,
	.unlocked_ioctl = dmaadd_file_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = dmaadd_file_mmap,
	.llseek = no_llseek,
};
