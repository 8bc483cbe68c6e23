// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd buffers.
 *
 * A buffer is dma_alloc_coherent() memory of its device: userspace maps it
 * and fills it in place, the device reads it through the buffer's segment
 * table, and neither side needs a sync call. Buffers are refcounted: the
 * handle table, every mapping and every job that uses a buffer hold a
 * reference.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "dmaadd_buf.h"
#include "dmaadd_device.h"
#include "dmaadd_hw.h"

struct dmaadd_buf *dmaadd_buf_alloc(struct dmaadd_device *ddev, u64 size)
{
	struct device *dev = ddev->dev;
	struct dmaadd_buf *buf;
	int ret = -ENOMEM;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	kref_init(&buf->ref);
	buf->size = size;
	buf->alloc_size = PAGE_ALIGN(size);

	/*
	 * Without an IOMMU this needs physically contiguous pages, which run
	 * out at MAX_ORDER: a failure here is an answer, not a warning.
	 */
	buf->vaddr = dma_alloc_coherent(dev, buf->alloc_size, &buf->dma,
					GFP_KERNEL | __GFP_NOWARN);
	if (!buf->vaddr)
		goto err_free_buf;

	buf->segs = dma_pool_zalloc(ddev->seg_pool, GFP_KERNEL, &buf->segs_dma);
	if (!buf->segs)
		goto err_free_coherent;
	buf->segs[0].addr = cpu_to_le64(buf->dma);
	buf->segs[0].len = cpu_to_le64(buf->alloc_size);
	buf->nsegs = 1;

	dmaadd_device_get(ddev);
	buf->ddev = ddev;
	return buf;

err_free_coherent:
	dma_free_coherent(dev, buf->alloc_size, buf->vaddr, buf->dma);
err_free_buf:
	kfree(buf);
	return ERR_PTR(ret);
}

void dmaadd_buf_get(struct dmaadd_buf *buf)
{
	kref_get(&buf->ref);
}

static void dmaadd_buf_release(struct kref *ref)
{
	struct dmaadd_buf *buf = container_of(ref, struct dmaadd_buf, ref);
	struct dmaadd_device *ddev = buf->ddev;

	dma_pool_free(ddev->seg_pool, buf->segs, buf->segs_dma);
	dma_free_coherent(ddev->dev, buf->alloc_size, buf->vaddr, buf->dma);
	kfree(buf);
	dmaadd_device_put(ddev);
}

void dmaadd_buf_put(struct dmaadd_buf *buf)
{
	kref_put(&buf->ref, dmaadd_buf_release);
}

static void dmaadd_buf_vm_open(struct vm_area_struct *vma)
{
	dmaadd_buf_get(vma->vm_private_data);
}

static void dmaadd_buf_vm_close(struct vm_area_struct *vma)
{
	dmaadd_buf_put(vma->vm_private_data);
}

static const struct vm_operations_struct dmaadd_buf_vm_ops = {
	.open = dmaadd_buf_vm_open,
	.close = dmaadd_buf_vm_close,
};

/**
 * dmaadd_buf_mmap() - map a buffer into userspace
 * @buf: buffer
 * @vma: the mapping; vm_pgoff is the page index into the buffer
 *
 * Return: 0, or -EINVAL for a private mapping or one past the buffer's end.
 */
int dmaadd_buf_mmap(struct dmaadd_buf *buf, struct vm_area_struct *vma)
{
	unsigned long pages = buf->alloc_size >> PAGE_SHIFT;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;

	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	ret = dma_mmap_coherent(buf->ddev->dev, vma, buf->vaddr, buf->dma,
				buf->alloc_size);
	if (ret)
		return ret;

	vma->vm_ops = &dmaadd_buf_vm_ops;
	vma->vm_private_data = buf;
	dmaadd_buf_get(buf);
	return 0;
}
