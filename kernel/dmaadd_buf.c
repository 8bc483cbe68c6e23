// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd buffers.
 *
 * A buffer is dma_alloc_coherent() memory of its device: userspace maps it
 * and fills it in place, the device reads it through the buffer's segment
 * table, and neither side needs a sync call.
 *
 * Coherent memory must be contiguous in device address space. Behind an
 * IOMMU the DMA layer stitches pages together in IOVA space, so one
 * allocation serves any size. With dma-direct it needs physically contiguous
 * pages, which run out at MAX_ORDER (4 MiB) without CMA; a larger buffer is
 * then made of several coherent chunks, one segment each. It stays coherent
 * memory either way, so it is never bounced, not even by swiotlb=force.
 *
 * Buffers are refcounted: the handle table, every mapping and every job
 * that uses a buffer hold a reference.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "dmaadd_buf.h"
#include "dmaadd_device.h"
#include "dmaadd_hw.h"

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

static int dmaadd_buf_alloc_segs(struct dmaadd_buf *buf)
{
	struct dmaadd_device *ddev = buf->ddev;
	unsigned int i;

	if (buf->nchunks == 1)
		buf->segs = dma_pool_alloc(ddev->seg_pool, GFP_KERNEL,
					   &buf->segs_dma);
	else
		buf->segs = dma_alloc_coherent(ddev->dev,
					       array_size(buf->nchunks,
							  sizeof(*buf->segs)),
					       &buf->segs_dma, GFP_KERNEL);
	if (!buf->segs)
		return -ENOMEM;

	for (i = 0; i < buf->nchunks; i++) {
		buf->segs[i].addr = cpu_to_le64(buf->chunks[i].dma);
		buf->segs[i].len = cpu_to_le64(buf->chunks[i].size);
	}
	buf->nsegs = buf->nchunks;
	return 0;
}

static void dmaadd_buf_free_segs(struct dmaadd_buf *buf)
{
	struct dmaadd_device *ddev = buf->ddev;

	if (buf->nsegs == 1)
		dma_pool_free(ddev->seg_pool, buf->segs, buf->segs_dma);
	else
		dma_free_coherent(ddev->dev, buf->nsegs * sizeof(*buf->segs),
				  buf->segs, buf->segs_dma);
}

/**
 * dmaadd_buf_alloc() - allocate a zeroed coherent buffer
 * @ddev: device the memory must be reachable by
 * @size: length in bytes, not 0
 * @contiguous: fail unless one device-contiguous allocation is possible
 *
 * Return: the buffer with one reference, or ERR_PTR(-ENOMEM).
 */
struct dmaadd_buf *dmaadd_buf_alloc(struct dmaadd_device *ddev, u64 size,
				    bool contiguous)
{
	struct dmaadd_buf *buf;
	int ret;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	kref_init(&buf->ref);
	buf->ddev = ddev;
	buf->size = size;
	buf->alloc_size = PAGE_ALIGN(size);

	ret = dmaadd_buf_alloc_chunks(buf, contiguous);
	if (ret)
		goto err_free_chunks;
	ret = dmaadd_buf_alloc_segs(buf);
	if (ret)
		goto err_free_chunks;

	dmaadd_device_get(ddev);
	return buf;

err_free_chunks:
	dmaadd_buf_free_chunks(buf);
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

	dmaadd_buf_free_segs(buf);
	dmaadd_buf_free_chunks(buf);
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
 * Return: 0, or -EINVAL for a private mapping or one past the buffer's end.
 */
int dmaadd_buf_mmap(struct dmaadd_buf *buf, struct vm_area_struct *vma)
{
	unsigned long pages = buf->alloc_size >> PAGE_SHIFT;
	struct dmaadd_chunk *chunk = &buf->chunks[0];
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;

	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
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
