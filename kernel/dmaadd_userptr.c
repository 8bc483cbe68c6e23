// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd buffers of pinned process memory (seeds 001 and 003).
 *
 * The right way to let a device use malloc()ed memory: pin the pages for
 * the long term (charged to RLIMIT_MEMLOCK), let the scatterlist code build
 * the table from the pages, and let the DMA API map it for the device. The
 * device then gets DMA addresses, which are IOVAs behind an IOMMU (often a
 * single segment for the whole range) and bounce slots under swiotlb; the
 * CPU's physical addresses are never handed out.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_device.h"
#include "dmaadd_userptr.h"

/* CPU entries must stay mappable in one piece (swiotlb: 256 KiB). */
static unsigned int dmaadd_userptr_max_segment(struct device *dev)
{
	size_t max = min_t(size_t, dma_max_mapping_size(dev), UINT_MAX);

	return max_t(size_t, max & PAGE_MASK, PAGE_SIZE);
}

/**
 * dmaadd_userptr_create() - pin and map a range of the caller's memory
 * @ddev: device
 * @addr: start of the range, any byte address
 * @len: length, not 0, @addr + @len not wrapping
 * @read_only: the device only reads the memory
 *
 * Return: the buffer, or ERR_PTR: -EFAULT (range not mapped, or not
 * writable without @read_only), -ENOMEM (memlock limit, memory), or the
 * DMA mapping's error.
 */
struct dmaadd_buf *dmaadd_userptr_create(struct dmaadd_device *ddev, u64 addr,
					 u64 len, bool read_only)
{
	unsigned long first = addr & PAGE_MASK;
	unsigned long npages = (PAGE_ALIGN(addr + len) - first) >> PAGE_SHIFT;
	unsigned int gup_flags = FOLL_LONGTERM | (read_only ? 0 : FOLL_WRITE);
	struct mm_struct *mm = current->mm;
	struct device *dev = ddev->dev;
	unsigned long pinned = 0;
	struct dmaadd_buf *buf;
	struct page **pages;
	int ret;

	buf = dmaadd_buf_create(ddev, DMAADD_BUF_KIND_USERPTR, len);
	if (IS_ERR(buf))
		return buf;
	buf->read_only = read_only;
	buf->dir = read_only ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto err_put_buf;
	}

	ret = account_locked_vm(mm, npages, true);
	if (ret)
		goto err_free_pages;

	while (pinned < npages) {
		ret = pin_user_pages_fast(first + pinned * PAGE_SIZE,
					  npages - pinned, gup_flags,
					  pages + pinned);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			goto err_unpin;
		}
		pinned += ret;
	}

	ret = sg_alloc_table_from_pages_segment(&buf->user_sgt, pages, npages,
						offset_in_page(addr), len,
						dmaadd_userptr_max_segment(dev),
						GFP_KERNEL);
	if (ret)
		goto err_unpin;

	/*
	 * The device owns the memory only while a job runs: each job syncs
	 * its range before and after (dmaadd_buf_sync()), so neither the map
	 * nor the unmap may copy. An unmap that copied would, under swiotlb,
	 * put the bounce slot's stale contents over whatever the process
	 * wrote since its last job. It also lets two handles (or two
	 * devices) map the same user memory.
	 */
	ret = dma_map_sgtable(dev, &buf->user_sgt, buf->dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		ret = -ENOMEM;
		goto err_free_sgt;
	}

	ret = dmaadd_buf_set_segs_from_sgt(buf, &buf->user_sgt);
	if (ret)
		goto err_unmap;

	mmgrab(mm);
	buf->mm = mm;
	buf->pages = pages;
	buf->npages = npages;
	return buf;

err_unmap:
	dma_unmap_sgtable(dev, &buf->user_sgt, buf->dir, DMA_ATTR_SKIP_CPU_SYNC);
	buf->sgt = NULL;
err_free_sgt:
	sg_free_table(&buf->user_sgt);
err_unpin:
	unpin_user_pages(pages, pinned);
	account_locked_vm(mm, npages, false);
err_free_pages:
	kvfree(pages);
err_put_buf:
	dmaadd_buf_put(buf);
	return ERR_PTR(ret);
}

/* Undo dmaadd_userptr_create(); only ever sees complete buffers. */
void dmaadd_userptr_release(struct dmaadd_buf *buf)
{
	if (!buf->pages)
		return;
	dma_unmap_sgtable(buf->ddev->dev, &buf->user_sgt, buf->dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&buf->user_sgt);
	unpin_user_pages_dirty_lock(buf->pages, buf->npages, !buf->read_only);
	account_locked_vm(buf->mm, buf->npages, false);
	mmdrop(buf->mm);
	kvfree(buf->pages);
}
