/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd buffers: memory the device reaches, described to it by a
 * segment table of device addresses.
 */
#ifndef __DMAADD_BUF_H__
#define __DMAADD_BUF_H__

#include <linux/dma-direction.h>
#include <linux/dma-resv.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct dma_buf;
struct dma_buf_attachment;
struct dmaadd_buf_query;
struct dmaadd_device;
struct dmaadd_hw_seg;
struct mm_struct;
struct page;
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
	u32 kind;			/* enum dmaadd_buf_kind */
	bool read_only;			/* never a job's output */
	bool need_sync;			/* streaming mapping that needs syncs */
	u64 size;			/* bytes jobs may address */
	size_t alloc_size;		/* size rounded up to pages */

	/*
	 * Fences of the jobs using the buffer: @own_resv, which an export
	 * shares with its dma-buf, or an imported dma-buf's.
	 */
	struct dma_resv own_resv;
	struct dma_resv *resv;

	/* DMAADD_BUF_KIND_ALLOC */
	/* Its dma-bufs, writable and read-only; ddev->exports_lock. */
	struct dma_buf *exports[2];
	unsigned int nchunks;
	unsigned int max_chunks;
	struct dmaadd_chunk *chunks;

	/* DMAADD_BUF_KIND_IMPORT */
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct hlist_node import_node;	/* in ddev->imports, once mapped */

	/* DMAADD_BUF_KIND_USERPTR */
	struct page **pages;
	unsigned long npages;
	struct mm_struct *mm;		/* charged for the pinned pages */
	struct sg_table user_sgt;

	/* IMPORT and USERPTR: the streaming mapping for our device */
	struct sg_table *sgt;
	enum dma_data_direction dir;

	struct dmaadd_hw_seg *segs;	/* the table the device walks */
	dma_addr_t segs_dma;
	u32 nsegs;
};

struct dmaadd_buf *dmaadd_buf_create(struct dmaadd_device *ddev, u32 kind,
				     u64 size);
int dmaadd_buf_alloc_memory(struct dmaadd_buf *buf, bool contiguous);
int dmaadd_buf_copy_user(struct dmaadd_buf *buf, void __user *uptr, u64 len,
			 bool to_user);
int dmaadd_buf_set_segs_from_sgt(struct dmaadd_buf *buf, struct sg_table *sgt);
void dmaadd_buf_get(struct dmaadd_buf *buf);
void dmaadd_buf_put(struct dmaadd_buf *buf);
int dmaadd_buf_mmap(struct dmaadd_buf *buf, struct vm_area_struct *vma);
void dmaadd_buf_sync(struct dmaadd_buf *buf, u64 offset, u64 len,
		     enum dma_data_direction dir, bool for_device);
int dmaadd_buf_query(struct dmaadd_buf *buf, struct dmaadd_buf_query *q);
unsigned int dmaadd_buf_cpu_segments(struct dmaadd_buf *buf);
struct sg_table *dmaadd_buf_pages_sgt(struct dmaadd_buf *buf);

#endif /* __DMAADD_BUF_H__ */
