/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd buffers: memory the device reaches, described to it by a
 * segment table of device addresses.
 */
#ifndef __DMAADD_BUF_H__
#define __DMAADD_BUF_H__

#include <linux/kref.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct dmaadd_device;
struct dmaadd_hw_seg;
struct vm_area_struct;

/* One dma_alloc_coherent() allocation and the CPU pages behind it. */
struct dmaadd_chunk {
	void *vaddr;
	dma_addr_t dma;
	size_t size;
	struct sg_table pages;
};

struct dmaadd_buf {
	struct kref ref;
	struct dmaadd_device *ddev;
	u64 size;			/* bytes jobs may address */
	size_t alloc_size;		/* size rounded up to pages */

	unsigned int nchunks;
	unsigned int max_chunks;
	struct dmaadd_chunk *chunks;

	struct dmaadd_hw_seg *segs;	/* the table the device walks */
	dma_addr_t segs_dma;
	u32 nsegs;
};

struct dmaadd_buf *dmaadd_buf_alloc(struct dmaadd_device *ddev, u64 size,
				    bool contiguous);
void dmaadd_buf_get(struct dmaadd_buf *buf);
void dmaadd_buf_put(struct dmaadd_buf *buf);
int dmaadd_buf_mmap(struct dmaadd_buf *buf, struct vm_area_struct *vma);

#endif /* __DMAADD_BUF_H__ */
