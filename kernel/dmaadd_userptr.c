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

/**
 * dmaadd_userptr_create() - pin and map a range of the caller's memory
 * @ddev: device
 * @addr: start of the range, any byte address
 * @len: length, not 0, @addr + @len not wrapping
 * @read_only: the device only reads the memory
 * @charge: what the pinned pages count against
 *
 * Return: the buffer, or ERR_PTR: -EFAULT (range not mapped, or not
 * writable without @read_only), -ENOMEM (the file's cap, memlock limit,
 * memory), or the DMA mapping's error.
 */
struct dmaadd_buf *dmaadd_userptr_create(struct dmaadd_device *ddev, u64 addr,
					 u64 len, bool read_only,
					 struct dmaadd_charge *charge)
{
	unsigned long first = addr & PAGE_MASK;
	unsigned long npages = (PAGE_ALIGN(addr + len) - first) >> PAGE_SHIFT;
	unsigned int gup_flags = FOLL_LONGTERM | (read_only ? 0 : FOLL_WRITE);
	struct mm_struct *mm = current->mm;
	unsigned long pinned = 0;
	struct dmaadd_buf *buf;
	struct page **pages;
	int ret;

	buf = dmaadd_buf_create(ddev, DMAADD_BUF_KIND_USERPTR, len);
	if (IS_ERR(buf))
		return buf;
	buf->read_only = read_only;
	buf->dir = read_only ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;
	ret = dmaadd_buf_charge(buf, charge, (u64)npages << PAGE_SHIFT);
	if (ret)
		goto err_put_buf;

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

	/* From here on releasing the buffer undoes what was done. */
	mmgrab(mm);
	buf->mm = mm;
	buf->pages = pages;
	buf->npages = npages;
	buf->page_offset = offset_in_page(addr);
	ret = dmaadd_buf_map_pages(buf);
	if (ret)
		goto err_put_buf;
	return buf;

err_unpin:
	unpin_user_pages(pages, pinned);
	account_locked_vm(mm, npages, false);
err_free_pages:
	kvfree(pages);
err_put_buf:
	dmaadd_buf_put(buf);
	return ERR_PTR(ret);
}

/* Undo dmaadd_userptr_create(), after dmaadd_buf_unplug(). */
void dmaadd_userptr_release(struct dmaadd_buf *buf)
{
	sg_free_table(&buf->page_sgt);
	if (!buf->pages)
		return;
	unpin_user_pages_dirty_lock(buf->pages, buf->npages, !buf->read_only);
	account_locked_vm(buf->mm, buf->npages, false);
	mmdrop(buf->mm);
	kvfree(buf->pages);
}
