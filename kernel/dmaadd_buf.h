/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd buffers: memory the device reaches, described to it by a
 * segment table of device addresses.
 */
#ifndef __DMAADD_BUF_H__
#define __DMAADD_BUF_H__

#include <linux/atomic.h>
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

/*
 * What one open file holds of memory it had the driver allocate or pin,
 * against the administrator's cap (module parameter max_file_mb). The
 * file's buffers hold it, since they may outlive the file.
 */
struct dmaadd_charge {
	struct kref ref;
	atomic64_t bytes;
};

struct dmaadd_buf {
	struct kref ref;
	struct dmaadd_device *ddev;
	u32 kind;			/* enum dmaadd_buf_kind */
	bool read_only;			/* never a job's output */
	bool need_sync;			/* streaming mapping that needs syncs */
	bool bounces;			/* ... whose syncs copy: bounce slots */
	u64 size;			/* bytes jobs may address */
	size_t alloc_size;		/* size rounded up to pages */
	struct dmaadd_charge *charge;	/* what @charged counts against */
	u64 charged;

	/*
	 * Fences of the jobs using the buffer: @own_resv, which an export
	 * shares with its dma-buf, or an imported dma-buf's.
	 */
	struct dma_resv own_resv;
	struct dma_resv *resv;

	/* The device's DMA resources: ddev->bufs_lock, see dmaadd_buf_unplug() */
	struct list_head dev_node;	/* in ddev->bufs while they exist */

	/* DMAADD_BUF_KIND_ALLOC */
	/* Its dma-bufs, writable and read-only; ddev->exports_lock. */
	struct dma_buf *exports[2];

	/* DMAADD_BUF_KIND_IMPORT */
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct hlist_node import_node;	/* in ddev->imports, once mapped */

	/* ALLOC and USERPTR: the pages, one pointer per page */
	struct page **pages;
	unsigned long npages;
	unsigned int page_offset;	/* USERPTR: of the first byte */
	struct sg_table page_sgt;	/* @pages, mapped for our device */
	struct mm_struct *mm;		/* USERPTR: charged for the pins */

	/* The streaming mapping for our device, NULL once unmapped */
	struct sg_table *sgt;
	enum dma_data_direction dir;

	struct dmaadd_hw_seg *segs;	/* the table the device walks */
	dma_addr_t segs_dma;
	u32 nsegs;
};

struct dmaadd_buf *dmaadd_buf_create(struct dmaadd_device *ddev, u32 kind,
				     u64 size);
struct dmaadd_charge *dmaadd_charge_create(void);
void dmaadd_charge_put(struct dmaadd_charge *charge);
int dmaadd_buf_charge(struct dmaadd_buf *buf, struct dmaadd_charge *charge,
		      u64 bytes);
int dmaadd_buf_alloc_memory(struct dmaadd_buf *buf, bool contiguous);
int dmaadd_buf_map_pages(struct dmaadd_buf *buf);
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
void dmaadd_buf_unplug(struct dmaadd_buf *buf);

#endif /* __DMAADD_BUF_H__ */
