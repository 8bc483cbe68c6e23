// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd buffers.
 *
 * Whatever its kind, a buffer is handed to the device as a segment table of
 * device addresses, and jobs use every kind the same way.
 *
 * Allocated buffers are dma_alloc_coherent() memory of the device:
 * userspace maps it and fills it in place, and neither side needs a sync
 * call. Coherent memory must be contiguous in device address space. Behind
 * an IOMMU the DMA layer stitches pages together in IOVA space, so one
 * allocation serves any size. With dma-direct it needs physically contiguous
 * pages, which run out at MAX_ORDER (4 MiB) without CMA; a larger buffer is
 * then made of several coherent chunks, one segment each. It stays coherent
 * memory either way, so it is never bounced, not even by swiotlb=force.
 *
 * Imported and user memory buffers are streaming mappings
 * (dmaadd_dmabuf.c, dmaadd_userptr.c): their segment table is the mapped
 * side of an sg_table, and each job syncs the range it uses.
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
#include "dmaadd_engine.h"
#include "dmaadd_hw.h"
#include "dmaadd_userptr.h"

#define DMAADD_CHUNK_MAX	SZ_4M

static int dmaadd_buf_add_chunk(struct dmaadd_buf *buf, size_t size)
{
	struct device *dev = buf->ddev->dev;
	struct dmaadd_chunk *chunk;
	int ret;

	if (buf->nchunks == buf->max_chunks) {
		unsigned int max = buf->max_chunks * 2;

		chunk = kvcalloc(max, sizeof(*chunk), GFP_KERNEL);
		if (!chunk)
			return -ENOMEM;
		memcpy(chunk, buf->chunks, buf->nchunks * sizeof(*chunk));
		kvfree(buf->chunks);
		buf->chunks = chunk;
		buf->max_chunks = max;
	}
	chunk = &buf->chunks[buf->nchunks];

	/* Running out of contiguous memory is an answer, not a warning. */
	chunk->vaddr = dma_alloc_coherent(dev, size, &chunk->dma,
					  GFP_KERNEL | __GFP_NOWARN);
	if (!chunk->vaddr)
		return -ENOMEM;
	chunk->size = size;

	/* The pages behind the chunk, for mapping it into userspace. */
	ret = dma_get_sgtable(dev, &chunk->pages, chunk->vaddr, chunk->dma, size);
	if (ret) {
		dma_free_coherent(dev, size, chunk->vaddr, chunk->dma);
		return ret;
	}
	buf->nchunks++;
	return 0;
}

static void dmaadd_buf_free_chunks(struct dmaadd_buf *buf)
{
	struct device *dev = buf->ddev->dev;
	struct dmaadd_chunk *chunk;

	while (buf->nchunks) {
		chunk = &buf->chunks[--buf->nchunks];
		sg_free_table(&chunk->pages);
		dma_free_coherent(dev, chunk->size, chunk->vaddr, chunk->dma);
	}
	kvfree(buf->chunks);
	buf->chunks = NULL;
}

/* Fill the buffer with as few chunks as the memory allows. */
static int dmaadd_buf_alloc_chunks(struct dmaadd_buf *buf, bool contiguous)
{
	size_t left = buf->alloc_size;
	size_t chunk = min_t(size_t, rounddown_pow_of_two(left),
			     DMAADD_CHUNK_MAX);
	int ret;

	buf->max_chunks = DIV_ROUND_UP(left, DMAADD_CHUNK_MAX);
	buf->chunks = kvcalloc(buf->max_chunks, sizeof(*buf->chunks),
			       GFP_KERNEL);
	if (!buf->chunks)
		return -ENOMEM;

	if (!dmaadd_buf_add_chunk(buf, left) || contiguous)
		return buf->nchunks ? 0 : -ENOMEM;

	while (left) {
		size_t size = min(chunk, left);

		ret = dmaadd_buf_add_chunk(buf, size);
		if (ret) {
			if (chunk == PAGE_SIZE)
				return ret;
			chunk /= 2;
			continue;
		}
		left -= size;
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
	return buf;
}

/**
 * dmaadd_buf_alloc_memory() - give an ALLOC buffer zeroed coherent memory
 * @buf: buffer from dmaadd_buf_create()
 * @contiguous: fail unless one device-contiguous allocation is possible
 *
 * Return: 0 or -ENOMEM; on error the caller puts the buffer.
 */
int dmaadd_buf_alloc_memory(struct dmaadd_buf *buf, bool contiguous)
{
	unsigned int i;
	int ret;

	ret = dmaadd_buf_alloc_chunks(buf, contiguous);
	if (ret)
		return ret;
	ret = dmaadd_buf_alloc_segs(buf, buf->nchunks);
	if (ret)
		return ret;

	for (i = 0; i < buf->nchunks; i++) {
		buf->segs[i].addr = cpu_to_le64(buf->chunks[i].dma);
		buf->segs[i].len = cpu_to_le64(buf->chunks[i].size);
	}
	return 0;
}

/* Copied per step, so that a large buffer does not hog the CPU. */
#define DMAADD_COPY_STEP	SZ_1M

/**
 * dmaadd_buf_copy_user() - copy between user memory and an ALLOC buffer
 * @buf: a buffer with memory from dmaadd_buf_alloc_memory()
 * @uptr: user address
 * @len: bytes, at most the buffer's size, from offset 0 of the buffer
 * @to_user: copy the buffer to @uptr, else @uptr into the buffer
 *
 * The memory is coherent: no sync is needed on either side of the copy.
 *
 * Return: 0, or -EFAULT if part of the user range was not accessible.
 */
int dmaadd_buf_copy_user(struct dmaadd_buf *buf, void __user *uptr, u64 len,
			 bool to_user)
{
	unsigned int i;

	if (WARN_ON(buf->kind != DMAADD_BUF_KIND_ALLOC || len > buf->size))
		return -EINVAL;

	for (i = 0; i < buf->nchunks && len; i++) {
		struct dmaadd_chunk *chunk = &buf->chunks[i];
		size_t done = 0, left = min_t(u64, len, chunk->size);

		while (left) {
			size_t n = min_t(size_t, left, DMAADD_COPY_STEP);
			void *va = chunk->vaddr + done;
			unsigned long missed;

			if (to_user)
				missed = copy_to_user(uptr, va, n);
			else
				missed = copy_from_user(va, uptr, n);
			if (missed)
				return -EFAULT;
			uptr += n;
			done += n;
			left -= n;
			len -= n;
			cond_resched();
		}
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
	buf->sgt = sgt;
	return 0;
}

void dmaadd_buf_get(struct dmaadd_buf *buf)
{
	kref_get(&buf->ref);
}

static void dmaadd_buf_release(struct kref *ref)
{
	struct dmaadd_buf *buf = container_of(ref, struct dmaadd_buf, ref);
	struct dmaadd_device *ddev = buf->ddev;

	dmaadd_buf_free_segs(buf);
	switch (buf->kind) {
	case DMAADD_BUF_KIND_ALLOC:
		dmaadd_buf_free_chunks(buf);
		break;
	case DMAADD_BUF_KIND_IMPORT:
		dmaadd_dmabuf_release_import(buf);
		break;
	case DMAADD_BUF_KIND_USERPTR:
		dmaadd_userptr_release(buf);
		break;
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
 * A no-op for coherent memory and for mappings that need no sync; under
 * swiotlb this is what copies between the pages and the bounce slots.
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
	unsigned int i, n = 0;

	if (buf->kind != DMAADD_BUF_KIND_ALLOC)
		return buf->sgt->orig_nents;
	for (i = 0; i < buf->nchunks; i++)
		n += buf->chunks[i].pages.orig_nents;
	return n;
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
	if (buf->kind != DMAADD_BUF_KIND_ALLOC)
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

/* Map every chunk's pages that fall in the window of @vma. */
static int dmaadd_buf_mmap_chunks(struct dmaadd_buf *buf,
				  struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start;
	u64 skip = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct scatterlist *sg;
	unsigned int i, j;
	int ret;

	for (i = 0; i < buf->nchunks; i++) {
		for_each_sgtable_sg(&buf->chunks[i].pages, sg, j) {
			unsigned long len = sg->length;

			if (skip >= len) {
				skip -= len;
				continue;
			}
			len = min(len - (unsigned long)skip, vma->vm_end - addr);
			ret = remap_pfn_range(vma, addr,
					      page_to_pfn(sg_page(sg)) + PHYS_PFN(skip),
					      len, vma->vm_page_prot);
			if (ret)
				return ret;
			skip = 0;
			addr += len;
			if (addr == vma->vm_end)
				return 0;
		}
	}
	return 0;
}

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
	struct dmaadd_chunk *chunk;
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

	dmaadd_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	chunk = &buf->chunks[0];
	if (buf->nchunks == 1)
		ret = dma_mmap_coherent(buf->ddev->dev, vma, chunk->vaddr,
					chunk->dma, chunk->size);
	else
		ret = dmaadd_buf_mmap_chunks(buf, vma);
	if (ret)
		return ret;

	vma->vm_ops = &dmaadd_buf_vm_ops;
	vma->vm_private_data = buf;
	dmaadd_buf_get(buf);
	return 0;
}
