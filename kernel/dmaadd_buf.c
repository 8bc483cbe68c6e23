// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd buffers.
 *
 * Whatever its kind, a buffer is handed to the device as a segment table of
 * device addresses, and jobs use every kind the same way.
 *
 * Allocated buffers are pages of their own, the way the system dma-heap
 * backs its buffers: allocated largest-first (4 MiB, 1 MiB, 64 KiB, 4 KiB,
 * high orders only where they come cheaply), charged to the caller's memory
 * cgroup, and mapped for the device with the streaming DMA API. Behind an
 * IOMMU the mapping is one range of IOVA space whatever the pages; without
 * one each physically contiguous run is a segment. Userspace maps the pages
 * and fills them in place; each job syncs the range it uses, which is free
 * on a cache-coherent machine and what copies through the bounce slots
 * under swiotlb.
 *
 * Why not dma_alloc_coherent(): coherent memory belongs to the device. It
 * may not be handed to the streaming API (see the comment above
 * dma_get_sgtable_attrs() in kernel/dma/mapping.c), so other devices could
 * not safely map an exported buffer, and it must be freed while the device
 * is there, so a buffer could not outlive the device it was allocated for.
 * Pages can: when the device goes away only the mapping is undone
 * (dmaadd_buf_unplug()), and the pages live on for whoever still holds the
 * buffer - a mapping, an exported dma-buf, another device's import.
 * Coherent memory is kept for what only the driver and the device use:
 * segment tables and job descriptors.
 *
 * Imported and user memory buffers are streaming mappings too
 * (dmaadd_dmabuf.c, dmaadd_userptr.c): their segment table is the mapped
 * side of an sg_table.
 *
 * Buffers are refcounted: handles, mappings, exported dma-bufs and jobs
 * hold references.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_compat.h"
#include "dmaadd_device.h"
#include "dmaadd_dmabuf.h"
#include "dmaadd_drv.h"
#include "dmaadd_engine.h"
#include "dmaadd_hw.h"
#include "dmaadd_userptr.h"

/*
 * Page orders tried for allocated buffers, largest first, as the system
 * dma-heap does, but starting at 4 MiB (order 10, the largest the page
 * allocator has on 6.1 and 6.12): without an IOMMU every physically
 * contiguous run is a segment the device walks, so large runs keep a big
 * buffer's table short. A buffer that fits one run is first tried as one.
 */
static const unsigned int dmaadd_buf_orders[] = { 10, 8, 4, 0 };

/* High orders are opportunistic: no reclaim, no retry, no warning. */
#define DMAADD_HIGH_ORDER_GFP	((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				  __GFP_NORETRY | __GFP_ACCOUNT) & \
				 ~__GFP_RECLAIM)
#define DMAADD_LOW_ORDER_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT)
/* DMAADD_BUF_CONTIGUOUS without an IOMMU: one run, and failing is fine. */
#define DMAADD_CONTIG_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				 __GFP_ACCOUNT)

/* Hand @nr pages of an order-@order allocation to @pages, one by one. */
static void dmaadd_buf_add_run(struct page **pages, struct page *page,
			       unsigned int order, unsigned long nr)
{
	unsigned long i;

	/* Separate pages: each mapping takes and drops its own reference. */
	if (order)
		split_page(page, order);
	for (i = 0; i < nr; i++)
		pages[i] = page + i;
	for (; i < 1UL << order; i++)
		__free_page(page + i);
}

static void dmaadd_buf_free_pages(struct dmaadd_buf *buf)
{
	unsigned long i;

	for (i = 0; i < buf->npages; i++)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
	buf->pages = NULL;
	buf->npages = 0;
}

static int dmaadd_buf_alloc_pages(struct dmaadd_buf *buf, bool contiguous)
{
	unsigned long n = buf->alloc_size >> PAGE_SHIFT;
	struct page *page;
	unsigned int i;

	buf->pages = kvmalloc_array(n, sizeof(*buf->pages),
				    GFP_KERNEL | __GFP_ACCOUNT);
	if (!buf->pages)
		return -ENOMEM;

	/* One run if it comes cheaply; if it must, as hard as it takes. */
	if (contiguous || n <= 1UL << dmaadd_buf_orders[0]) {
		unsigned int order = get_order(buf->alloc_size);

		page = alloc_pages(contiguous ? DMAADD_CONTIG_GFP :
				   order ? DMAADD_HIGH_ORDER_GFP :
					   DMAADD_LOW_ORDER_GFP, order);
		if (page) {
			dmaadd_buf_add_run(buf->pages, page, order, n);
			buf->npages = n;
			return 0;
		}
		if (contiguous)
			return -ENOMEM;
	}

	while (buf->npages < n) {
		unsigned long left = n - buf->npages;

		/* A large buffer is many allocations: let a kill end it. */
		if (fatal_signal_pending(current))
			return -EINTR;
		page = NULL;
		for (i = 0; i < ARRAY_SIZE(dmaadd_buf_orders); i++) {
			unsigned int order = dmaadd_buf_orders[i];

			if (left < 1UL << order)
				continue;
			page = alloc_pages(order ? DMAADD_HIGH_ORDER_GFP :
						   DMAADD_LOW_ORDER_GFP, order);
			if (page) {
				dmaadd_buf_add_run(buf->pages + buf->npages,
						   page, order, 1UL << order);
				buf->npages += 1UL << order;
				break;
			}
		}
		if (!page)
			return -ENOMEM;
	}
	return 0;
}

static int dmaadd_buf_alloc_segs(struct dmaadd_buf *buf, unsigned int nsegs)
{
	struct dmaadd_device *ddev = buf->ddev;

	if (nsegs == 1)
		buf->segs = dma_pool_alloc(ddev->seg_pool, GFP_KERNEL,
					   &buf->segs_dma);
	else
		buf->segs = dma_alloc_coherent(ddev->dev,
					       array_size(nsegs, sizeof(*buf->segs)),
					       &buf->segs_dma, GFP_KERNEL);
	if (!buf->segs)
		return -ENOMEM;
	buf->nsegs = nsegs;
	return 0;
}

static void dmaadd_buf_free_segs(struct dmaadd_buf *buf)
{
	struct dmaadd_device *ddev = buf->ddev;

	if (!buf->segs)
		return;
	if (buf->nsegs == 1)
		dma_pool_free(ddev->seg_pool, buf->segs, buf->segs_dma);
	else
		dma_free_coherent(ddev->dev, buf->nsegs * sizeof(*buf->segs),
				  buf->segs, buf->segs_dma);
	buf->segs = NULL;
}

/**
 * dmaadd_buf_create() - an empty buffer object
 * @ddev: device the memory must be reachable by
 * @kind: enum dmaadd_buf_kind
 * @size: length in bytes, not 0
 *
 * Called inside dmaadd_dev_enter(): the buffer may take DMA resources of
 * the device until its last reference or the device's removal.
 *
 * Return: the buffer with one reference, or ERR_PTR(-ENOMEM).
 */
struct dmaadd_buf *dmaadd_buf_create(struct dmaadd_device *ddev, u32 kind,
				     u64 size)
{
	struct dmaadd_buf *buf;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	kref_init(&buf->ref);
	dmaadd_device_get(ddev);
	atomic_inc(&ddev->stats.bufs);
	buf->ddev = ddev;
	buf->kind = kind;
	buf->size = size;
	buf->alloc_size = PAGE_ALIGN(size);
	dma_resv_init(&buf->own_resv);
	buf->resv = &buf->own_resv;
	/* Device removal waits for the caller's dmaadd_dev_enter() section. */
	mutex_lock(&ddev->bufs_lock);
	list_add_tail(&buf->dev_node, &ddev->bufs);
	mutex_unlock(&ddev->bufs_lock);
	return buf;
}

struct dmaadd_charge *dmaadd_charge_create(void)
{
	struct dmaadd_charge *charge;

	charge = kzalloc(sizeof(*charge), GFP_KERNEL_ACCOUNT);
	if (charge)
		kref_init(&charge->ref);
	return charge;
}

static void dmaadd_charge_release(struct kref *ref)
{
	kfree(container_of(ref, struct dmaadd_charge, ref));
}

void dmaadd_charge_put(struct dmaadd_charge *charge)
{
	kref_put(&charge->ref, dmaadd_charge_release);
}

/**
 * dmaadd_buf_charge() - count a new buffer's memory against its file
 * @buf: buffer from dmaadd_buf_create(), not charged yet
 * @charge: the file's
 * @bytes: what the buffer will allocate or pin
 *
 * Before the memory is allocated: the cap refuses, it does not reclaim.
 * The buffer gives it back when it is released, whoever holds it last.
 *
 * Return: 0, or -ENOMEM when the file would go over the cap.
 */
int dmaadd_buf_charge(struct dmaadd_buf *buf, struct dmaadd_charge *charge,
		      u64 bytes)
{
	u64 cap = dmaadd_max_file_bytes();

	if (atomic64_add_return(bytes, &charge->bytes) > cap && cap) {
		atomic64_sub(bytes, &charge->bytes);
		return -ENOMEM;
	}
	kref_get(&charge->ref);
	buf->charge = charge;
	buf->charged = bytes;
	return 0;
}

/* CPU entries must stay mappable in one piece (swiotlb: 256 KiB). */
static unsigned int dmaadd_buf_max_segment(struct device *dev)
{
	size_t max = min_t(size_t, dma_max_mapping_size(dev), UINT_MAX);

	return max_t(size_t, max & PAGE_MASK, PAGE_SIZE);
}

/**
 * dmaadd_buf_map_pages() - map @buf->pages for the device, describe them
 * @buf: ALLOC or USERPTR buffer with @pages, @npages and @dir set; for
 *	USERPTR @size may start and end inside a page
 *
 * The device owns the memory only while a job runs: each job syncs its
 * range before and after (dmaadd_buf_sync()), so neither the map nor the
 * unmap may copy. An unmap that copied would, under swiotlb, put the
 * bounce slot's stale contents over whatever the CPU wrote since the last
 * job. It also lets two handles (or two devices) map the same memory.
 *
 * Return: 0, or -ENOMEM (memory, or the mapping's resources: swiotlb slots,
 * IOVA space); on error the caller puts the buffer.
 */
int dmaadd_buf_map_pages(struct dmaadd_buf *buf)
{
	struct device *dev = buf->ddev->dev;
	unsigned int first = 0;
	u64 len = buf->alloc_size;
	int ret;

	if (buf->kind == DMAADD_BUF_KIND_USERPTR) {
		first = buf->page_offset;
		len = buf->size;
	}
	ret = sg_alloc_table_from_pages_segment(&buf->page_sgt, buf->pages,
						buf->npages, first, len,
						dmaadd_buf_max_segment(dev),
						GFP_KERNEL);
	if (ret)
		return ret;

	/* Its -EIO means a resource ran out (swiotlb slots, IOVA space). */
	if (dma_map_sgtable(dev, &buf->page_sgt, buf->dir,
			    DMA_ATTR_SKIP_CPU_SYNC))
		return -ENOMEM;
	buf->sgt = &buf->page_sgt;
	return dmaadd_buf_set_segs_from_sgt(buf, buf->sgt);
}

/**
 * dmaadd_buf_alloc_memory() - give an ALLOC buffer zeroed, mapped pages
 * @buf: buffer from dmaadd_buf_create()
 * @contiguous: fail unless the device sees one contiguous range
 *
 * Return: 0, -ENOMEM, or -EINTR when a fatal signal came in; on error the
 * caller puts the buffer.
 */
int dmaadd_buf_alloc_memory(struct dmaadd_buf *buf, bool contiguous)
{
	bool iommu = dmaadd_engine_iommu(buf->ddev->engine);
	int ret;

	/* Behind an IOMMU any pages make one range of IOVA space. */
	ret = dmaadd_buf_alloc_pages(buf, contiguous && !iommu);
	if (ret)
		return ret;
	buf->dir = DMA_BIDIRECTIONAL;
	ret = dmaadd_buf_map_pages(buf);
	if (ret)
		return ret;
	if (contiguous && buf->nsegs != 1)
		return -ENOMEM;
	return 0;
}

/**
 * dmaadd_buf_copy_user() - copy between user memory and an ALLOC buffer
 * @buf: a buffer with memory from dmaadd_buf_alloc_memory()
 * @uptr: user address
 * @len: bytes, at most the buffer's size, from offset 0 of the buffer
 * @to_user: copy the buffer to @uptr, else @uptr into the buffer
 *
 * The CPU side of the pages: the caller syncs around jobs as for any use.
 *
 * Return: 0, or -EFAULT if part of the user range was not accessible.
 */
int dmaadd_buf_copy_user(struct dmaadd_buf *buf, void __user *uptr, u64 len,
			 bool to_user)
{
	unsigned long i;

	if (WARN_ON(buf->kind != DMAADD_BUF_KIND_ALLOC || len > buf->size))
		return -EINVAL;

	for (i = 0; len; i++) {
		size_t n = min_t(u64, len, PAGE_SIZE);
		unsigned long missed;
		void *va;

		va = kmap_local_page(buf->pages[i]);
		if (to_user)
			missed = copy_to_user(uptr, va, n);
		else
			missed = copy_from_user(va, uptr, n);
		kunmap_local(va);
		if (missed)
			return -EFAULT;
		uptr += n;
		len -= n;
		/* A large buffer must not hog the CPU. */
		if (!(i % 256))
			cond_resched();
	}
	return 0;
}

/**
 * dmaadd_buf_set_segs_from_sgt() - describe a mapped sg_table to the device
 * @buf: buffer
 * @sgt: table mapped for the buffer's device
 *
 * Only the DMA side of @sgt is read: after dma_map_sgtable() an IOMMU may
 * have merged the CPU entries into fewer DMA segments (sgt->nents), and the
 * CPU entries do not line up with them.
 *
 * Return: 0 or -ENOMEM.
 */
int dmaadd_buf_set_segs_from_sgt(struct dmaadd_buf *buf, struct sg_table *sgt)
{
	struct device *dev = buf->ddev->dev;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	ret = dmaadd_buf_alloc_segs(buf, sgt->nents);
	if (ret)
		return ret;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		buf->segs[i].addr = cpu_to_le64(sg_dma_address(sg));
		buf->segs[i].len = cpu_to_le64(sg_dma_len(sg));
		if (dma_need_sync(dev, sg_dma_address(sg)))
			buf->need_sync = true;
	}
	/*
	 * dma_need_sync() alone does not tell whether syncs copy: on 6.1 it
	 * is true for every mapping behind an IOMMU, whose syncs are no-ops
	 * on a cache-coherent machine. Without an IOMMU it is true for
	 * bounced mappings and for non-coherent devices, which this errs on
	 * the safe side for. Decided once here, not per SUBMIT.
	 */
	buf->bounces = buf->need_sync &&
		       !dmaadd_engine_iommu(buf->ddev->engine);
	buf->sgt = sgt;
	return 0;
}

void dmaadd_buf_get(struct dmaadd_buf *buf)
{
	kref_get(&buf->ref);
}

/**
 * dmaadd_buf_unplug() - give back what the buffer holds of its device
 * @buf: a buffer just taken off ddev->bufs, under ddev->bufs_lock
 *
 * Its segment table and its mapping for the device: done once, by the last
 * reference or by the device's removal, whichever comes first. The memory
 * (pages, pins, the imported dma-buf) stays until the last reference, so
 * mappings, exported dma-bufs and other devices' imports of it outlive the
 * device. Like drm_dev_unplug(), removal leaves the objects and takes the
 * hardware away from them.
 */
void dmaadd_buf_unplug(struct dmaadd_buf *buf)
{
	lockdep_assert_held(&buf->ddev->bufs_lock);

	dmaadd_buf_free_segs(buf);
	buf->nsegs = 0;
	buf->need_sync = false;
	buf->bounces = false;
	switch (buf->kind) {
	case DMAADD_BUF_KIND_ALLOC:
	case DMAADD_BUF_KIND_USERPTR:
		if (buf->sgt)
			dma_unmap_sgtable(buf->ddev->dev, buf->sgt, buf->dir,
					  DMA_ATTR_SKIP_CPU_SYNC);
		break;
	case DMAADD_BUF_KIND_IMPORT:
		dmaadd_dmabuf_unmap_import(buf);
		break;
	}
	buf->sgt = NULL;
}

static void dmaadd_buf_release(struct kref *ref)
{
	struct dmaadd_buf *buf = container_of(ref, struct dmaadd_buf, ref);
	struct dmaadd_device *ddev = buf->ddev;

	/* No new user finds an import that is going (ddev->imports_lock). */
	if (buf->kind == DMAADD_BUF_KIND_IMPORT)
		dmaadd_dmabuf_unhash_import(buf);

	mutex_lock(&ddev->bufs_lock);
	if (!list_empty(&buf->dev_node)) {
		list_del_init(&buf->dev_node);
		dmaadd_buf_unplug(buf);
	}
	mutex_unlock(&ddev->bufs_lock);

	switch (buf->kind) {
	case DMAADD_BUF_KIND_ALLOC:
		sg_free_table(&buf->page_sgt);
		if (buf->pages)
			dmaadd_buf_free_pages(buf);
		break;
	case DMAADD_BUF_KIND_IMPORT:
		dmaadd_dmabuf_release_import(buf);
		break;
	case DMAADD_BUF_KIND_USERPTR:
		dmaadd_userptr_release(buf);
		break;
	}
	if (buf->charge) {
		atomic64_sub(buf->charged, &buf->charge->bytes);
		dmaadd_charge_put(buf->charge);
	}
	dma_resv_fini(&buf->own_resv);
	kfree(buf);
	atomic_dec(&ddev->stats.bufs);
	dmaadd_device_put(ddev);
}

void dmaadd_buf_put(struct dmaadd_buf *buf)
{
	kref_put(&buf->ref, dmaadd_buf_release);
}

/**
 * dmaadd_buf_sync() - hand a job's range to the device, or back to the CPU
 * @buf: buffer
 * @offset: first byte of the range
 * @len: length of the range
 * @dir: DMA_TO_DEVICE for an input, DMA_FROM_DEVICE for an output
 * @for_device: before the job (true) or after it (false)
 *
 * A no-op for mappings that need no sync (a cache-coherent machine without
 * bouncing); under swiotlb this is what copies between the pages and the
 * bounce slots. The caller keeps the device from going away meanwhile.
 */
void dmaadd_buf_sync(struct dmaadd_buf *buf, u64 offset, u64 len,
		     enum dma_data_direction dir, bool for_device)
{
	struct device *dev = buf->ddev->dev;
	struct scatterlist *sg;
	unsigned int i;

	if (!buf->need_sync)
		return;

	for_each_sgtable_dma_sg(buf->sgt, sg, i) {
		u64 seg_len = sg_dma_len(sg);
		u64 n;

		if (offset >= seg_len) {
			offset -= seg_len;
			continue;
		}
		n = min(seg_len - offset, len);
		if (for_device)
			dma_sync_single_range_for_device(dev, sg_dma_address(sg),
							 offset, n, dir);
		else
			dma_sync_single_range_for_cpu(dev, sg_dma_address(sg),
						      offset, n, dir);
		len -= n;
		offset = 0;
		if (!len)
			break;
	}
}

unsigned int dmaadd_buf_cpu_segments(struct dmaadd_buf *buf)
{
	if (buf->kind != DMAADD_BUF_KIND_IMPORT)
		return buf->page_sgt.orig_nents;
	return buf->sgt->orig_nents;
}

int dmaadd_buf_query(struct dmaadd_buf *buf, struct dmaadd_buf_query *q)
{
	struct dmaadd_dma_segment __user *uaddrs = u64_to_user_ptr(q->addrs_ptr);
	struct dmaadd_dma_segment seg;
	u32 i, n;

	if (q->nr_addrs && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	q->kind = buf->kind;
	q->length = buf->size;
	q->cpu_pages = buf->kind == DMAADD_BUF_KIND_USERPTR ?
		       buf->npages : buf->alloc_size >> PAGE_SHIFT;
	q->cpu_segments = dmaadd_buf_cpu_segments(buf);
	q->dma_segments = buf->nsegs;
	q->buf_flags = 0;
	if (buf->read_only)
		q->buf_flags |= DMAADD_BUF_READ_ONLY;
	if (dmaadd_engine_iommu(buf->ddev->engine))
		q->buf_flags |= DMAADD_BUF_IOVA;
	q->buf_flags |= DMAADD_BUF_STREAMING;

	n = min(q->nr_addrs, buf->nsegs);
	for (i = 0; i < n; i++) {
		seg.addr = le64_to_cpu(buf->segs[i].addr);
		seg.len = le64_to_cpu(buf->segs[i].len);
		if (copy_to_user(&uaddrs[i], &seg, sizeof(seg)))
			return -EFAULT;
	}
	q->nr_addrs = buf->nsegs;
	return 0;
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
 * Return: 0, or -EINVAL for a private mapping, one past the buffer's end or
 * a user memory buffer. Write access is the caller's to check.
 */
int dmaadd_buf_mmap(struct dmaadd_buf *buf, struct vm_area_struct *vma)
{
	unsigned long pages = buf->alloc_size >> PAGE_SHIFT;
	int ret;

	/* A read-only file's shared mapping has VM_MAYSHARE, not VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;

	switch (buf->kind) {
	case DMAADD_BUF_KIND_IMPORT:
		/* The exporter maps it; the vma then holds the dma-buf. */
		return dma_buf_mmap(buf->dmabuf, vma, vma->vm_pgoff);
	case DMAADD_BUF_KIND_USERPTR:
		return -EINVAL;
	}

	/*
	 * The pages themselves, each mapping holding a reference to each, so
	 * they stay valid memory as long as any mapping does. Their
	 * protection is the vma's: the streaming API keeps the CPU side
	 * normal cacheable memory.
	 */
	dmaadd_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = vm_map_pages(vma, buf->pages, buf->npages);
	if (ret)
		return ret;

	vma->vm_ops = &dmaadd_buf_vm_ops;
	vma->vm_private_data = buf;
	dmaadd_buf_get(buf);
	return 0;
}
