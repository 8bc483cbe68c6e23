// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd buffers as dma-bufs.
 *
 * Exporter: each attachment gets its own copy of the buffer's page list,
 * mapped for the *importer's* device in map_dma_buf (the core caches that
 * mapping per attachment). The end of CPU access (DMA_BUF_IOCTL_SYNC)
 * pushes CPU writes into every mapping that reads, which matters when an
 * importer's mapping bounces.
 *
 * Importer: a dma-buf of this same device is the buffer itself; anything
 * else is attached and mapped for our device, and only the DMA side of the
 * mapped table is used from then on.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/hashtable.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_compat.h"
#include "dmaadd_device.h"
#include "dmaadd_dmabuf.h"

/* One exported dma-buf of a buffer. */
struct dmaadd_export {
	struct dmaadd_buf *buf;
	bool read_only;
	struct mutex lock;		/* protects attachments */
	struct list_head attachments;
};

struct dmaadd_attachment {
	struct device *dev;
	struct sg_table sgt;
	bool mapped;
	enum dma_data_direction dir;	/* of the mapping */
	struct list_head node;
};

static const struct dma_buf_ops dmaadd_dmabuf_ops;

/*
 * A fresh sg_table of the buffer's pages for one importer, in entries its
 * device can map in one piece: under swiotlb that is 256 KiB.
 */
static int dmaadd_dmabuf_pages_table(struct dmaadd_buf *buf,
				     struct device *dev, struct sg_table *sgt)
{
	size_t max = min_t(size_t, dma_max_mapping_size(dev), UINT_MAX);

	max = max_t(size_t, max & PAGE_MASK, PAGE_SIZE);
	return sg_alloc_table_from_pages_segment(sgt, buf->pages, buf->npages,
						 0, buf->alloc_size, max,
						 GFP_KERNEL);
}

static int dmaadd_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct dmaadd_export *exp = dmabuf->priv;
	struct dmaadd_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;

	ret = dmaadd_dmabuf_pages_table(exp->buf, attach->dev, &a->sgt);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	attach->priv = a;

	mutex_lock(&exp->lock);
	list_add(&a->node, &exp->attachments);
	mutex_unlock(&exp->lock);
	return 0;
}

static void dmaadd_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct dmaadd_export *exp = dmabuf->priv;
	struct dmaadd_attachment *a = attach->priv;

	mutex_lock(&exp->lock);
	list_del(&a->node);
	mutex_unlock(&exp->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

static struct sg_table *dmaadd_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct dmaadd_export *exp = attach->dmabuf->priv;
	struct dmaadd_attachment *a = attach->priv;
	int ret;

	dmaadd_dmabuf_assert_locked(attach->dmabuf);
	/*
	 * The pages are mapped for our own device too, and the DMA-API debug
	 * code only accepts a second mapping of a cacheline that does no CPU
	 * cache maintenance of its own: map without, then sync the new
	 * mapping for the importer's device explicitly (under swiotlb, that
	 * is what fills its bounce slots). -EIO from the map means a resource
	 * ran out (swiotlb slots, IOVA space): say so, as user memory buffers
	 * do.
	 */
	ret = dma_map_sgtable(attach->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return ERR_PTR(-ENOMEM);
	dma_sync_sgtable_for_device(attach->dev, &a->sgt, dir);
	mutex_lock(&exp->lock);
	a->mapped = true;
	a->dir = dir;
	mutex_unlock(&exp->lock);
	return &a->sgt;
}

static void dmaadd_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct dmaadd_export *exp = attach->dmabuf->priv;
	struct dmaadd_attachment *a = attach->priv;

	dmaadd_dmabuf_assert_locked(attach->dmabuf);
	mutex_lock(&exp->lock);
	a->mapped = false;
	mutex_unlock(&exp->lock);
	/*
	 * No CPU sync: what the importer's device wrote reached the pages at
	 * the importer's own syncs or at begin_cpu_access(). Syncing a
	 * bounced mapping back here would copy its slots over everything the
	 * CPU wrote through the exporter's mapping since - under
	 * swiotlb=force, every such write was lost.
	 */
	dma_unmap_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
}

/*
 * Sync a mapped attachment through its DMA side only: while the importer
 * holds the table, CONFIG_DMABUF_DEBUG scrambles the CPU side (the page
 * links) to catch importers that touch it, so dma_sync_sgtable_*() of the
 * table would follow scrambled page pointers.
 */
static void dmaadd_dmabuf_sync_for_device(struct dmaadd_attachment *a)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(&a->sgt, sg, i)
		dma_sync_single_for_device(a->dev, sg_dma_address(sg),
					   sg_dma_len(sg), a->dir);
}

/*
 * DMA_BUF_IOCTL_SYNC_START: nothing to pull into the pages. Whatever wrote
 * the buffer has put it there already: our device at the completion of
 * each job (its output range is synced back), an importer's device at its
 * own syncs (dmaadd's importer syncs every job's output back before the
 * job's fence signals), the CPU directly. Syncing importers' mappings
 * "for the CPU" here, as the system dma-heap does, would be wrong for a
 * device exporter: under swiotlb it copies their bounce slots - stale
 * whenever the importer's device did not write since our device or the
 * CPU did - over the real pages (seen: every job result replaced by the
 * contents of a vgem import's slots).
 */
static int dmaadd_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	return 0;
}

/*
 * DMA_BUF_IOCTL_SYNC_END: the CPU may have written, so it goes into every
 * mapping that a device reads (not DMA_FROM_DEVICE).
 */
static int dmaadd_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	struct dmaadd_export *exp = dmabuf->priv;
	struct dmaadd_attachment *a;

	if (dir == DMA_FROM_DEVICE)
		return 0;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node)
		if (a->mapped && a->dir != DMA_FROM_DEVICE)
			dmaadd_dmabuf_sync_for_device(a);
	mutex_unlock(&exp->lock);
	return 0;
}

/* Called without the reservation lock, on every kernel (locking convention). */
static int dmaadd_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct dmaadd_export *exp = dmabuf->priv;

	return dmaadd_buf_mmap(exp->buf, vma);
}

static int dmaadd_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dmaadd_export *exp = dmabuf->priv;
	struct dmaadd_buf *buf = exp->buf;
	void *vaddr;

	dmaadd_dmabuf_assert_locked(dmabuf);
	vaddr = vmap(buf->pages, buf->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void dmaadd_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	dmaadd_dmabuf_assert_locked(dmabuf);
	vunmap(map->vaddr);
}

static void dmaadd_dmabuf_release(struct dma_buf *dmabuf)
{
	struct dmaadd_export *exp = dmabuf->priv;
	struct dmaadd_buf *buf = exp->buf;

	mutex_lock(&buf->ddev->exports_lock);
	if (buf->exports[exp->read_only] == dmabuf)
		buf->exports[exp->read_only] = NULL;
	mutex_unlock(&buf->ddev->exports_lock);
	dmaadd_buf_put(buf);
	mutex_destroy(&exp->lock);
	kfree(exp);
}

static const struct dma_buf_ops dmaadd_dmabuf_ops = {
	.cache_sgt_mapping = true,
	.attach = dmaadd_dmabuf_attach,
	.detach = dmaadd_dmabuf_detach,
	.map_dma_buf = dmaadd_dmabuf_map,
	.unmap_dma_buf = dmaadd_dmabuf_unmap,
	.begin_cpu_access = dmaadd_dmabuf_begin_cpu_access,
	.end_cpu_access = dmaadd_dmabuf_end_cpu_access,
	.mmap = dmaadd_dmabuf_mmap,
	.vmap = dmaadd_dmabuf_vmap,
	.vunmap = dmaadd_dmabuf_vunmap,
	.release = dmaadd_dmabuf_release,
};

static struct dma_buf *dmaadd_dmabuf_create(struct dmaadd_buf *buf,
					    bool read_only)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dmaadd_export *exp;
	struct dma_buf *dmabuf;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);
	dmaadd_buf_get(buf);
	exp->buf = buf;
	exp->read_only = read_only;

	exp_info.ops = &dmaadd_dmabuf_ops;
	exp_info.size = buf->alloc_size;
	exp_info.flags = read_only ? O_RDONLY : O_RDWR;
	exp_info.priv = exp;
	exp_info.resv = &buf->own_resv;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		dmaadd_buf_put(buf);
		mutex_destroy(&exp->lock);
		kfree(exp);
	}
	return dmabuf;
}

/**
 * dmaadd_dmabuf_export() - export an allocated buffer as a dma-buf
 * @buf: buffer of kind DMAADD_BUF_KIND_ALLOC
 * @read_only: open the dma-buf O_RDONLY
 *
 * One dma-buf per buffer and mode, like DRM PRIME's export cache: while the
 * buffer's dma-buf exists, exporting it again gives that same dma-buf, so
 * userspace can tell two exports of one buffer apart by nothing (same
 * inode) and importers see one object.
 *
 * Return: a reference on the dma-buf, which the caller installs in an fd
 * (or puts), or ERR_PTR: -EINVAL for other kinds, or the export's error.
 */
struct dma_buf *dmaadd_dmabuf_export(struct dmaadd_buf *buf, bool read_only)
{
	struct mutex *lock = &buf->ddev->exports_lock;
	struct dma_buf *dmabuf;

	if (buf->kind != DMAADD_BUF_KIND_ALLOC)
		return ERR_PTR(-EINVAL);

	mutex_lock(lock);
	dmabuf = buf->exports[read_only];
	/* Not one whose last fd is gone and whose release is under way. */
	if (!dmabuf || !dmaadd_file_get_unless_zero(dmabuf->file)) {
		dmabuf = dmaadd_dmabuf_create(buf, read_only);
		if (!IS_ERR(dmabuf))
			buf->exports[read_only] = dmabuf;
	}
	mutex_unlock(lock);
	return dmabuf;
}

/*
 * An import of @dmabuf this device already has, if it may serve a
 * @read_only one: one attachment per foreign dma-buf and device, like DRM
 * PRIME's import lookup, so that importing the same dma-buf again (in this
 * file or another) maps nothing more.
 */
static struct dmaadd_buf *dmaadd_dmabuf_find_import(struct dmaadd_device *ddev,
						    struct dma_buf *dmabuf,
						    bool read_only)
{
	struct dmaadd_buf *buf;

	lockdep_assert_held(&ddev->imports_lock);
	hash_for_each_possible(ddev->imports, buf, import_node,
			       (unsigned long)dmabuf) {
		if (buf->dmabuf != dmabuf || (buf->read_only && !read_only))
			continue;
		/* Not one whose last reference is being dropped. */
		if (kref_get_unless_zero(&buf->ref))
			return buf;
	}
	return NULL;
}

static struct dmaadd_buf *dmaadd_dmabuf_attach_import(struct dmaadd_device *ddev,
						      struct dma_buf *dmabuf,
						      bool read_only)
{
	struct dmaadd_buf *buf;
	struct sg_table *sgt;
	int ret;

	buf = dmaadd_buf_create(ddev, DMAADD_BUF_KIND_IMPORT, dmabuf->size);
	if (IS_ERR(buf)) {
		dma_buf_put(dmabuf);
		return buf;
	}
	/* From here on releasing the buffer undoes what was done. */
	buf->dmabuf = dmabuf;
	buf->resv = dmabuf->resv;
	buf->read_only = read_only;
	buf->dir = buf->read_only ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;

	buf->attach = dma_buf_attach(dmabuf, ddev->dev);
	if (IS_ERR(buf->attach)) {
		ret = PTR_ERR(buf->attach);
		buf->attach = NULL;
		goto err_put_buf;
	}

	sgt = dma_buf_map_attachment_unlocked(buf->attach, buf->dir);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_put_buf;
	}
	buf->sgt = sgt;

	ret = dmaadd_buf_set_segs_from_sgt(buf, sgt);
	if (ret)
		goto err_put_buf;
	hash_add(ddev->imports, &buf->import_node, (unsigned long)dmabuf);
	return buf;

err_put_buf:
	dmaadd_buf_put(buf);
	return ERR_PTR(ret);
}

/**
 * dmaadd_dmabuf_import() - a buffer for a dma-buf fd
 * @ddev: importing device
 * @fd: dma-buf file descriptor
 * @read_only: out, the fd was opened without write access
 *
 * Return: a buffer reference - the same buffer for our own device's
 * exports, and the same import for a dma-buf this device has imported
 * already - or ERR_PTR: -EBADF, -EINVAL (not a dma-buf), or the exporter's
 * attach/map error.
 */
struct dmaadd_buf *dmaadd_dmabuf_import(struct dmaadd_device *ddev, int fd,
					bool *read_only)
{
	struct dma_buf *dmabuf;
	struct dmaadd_buf *buf;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return ERR_CAST(dmabuf);
	*read_only = !(dmabuf->file->f_mode & FMODE_WRITE);

	if (dmabuf->ops == &dmaadd_dmabuf_ops) {
		struct dmaadd_export *exp = dmabuf->priv;

		if (exp->buf->ddev == ddev) {
			buf = exp->buf;
			dmaadd_buf_get(buf);
			dma_buf_put(dmabuf);
			return buf;
		}
	}

	mutex_lock(&ddev->imports_lock);
	buf = dmaadd_dmabuf_find_import(ddev, dmabuf, *read_only);
	if (buf)
		dma_buf_put(dmabuf);	/* the import holds its own */
	else
		buf = dmaadd_dmabuf_attach_import(ddev, dmabuf, *read_only);
	mutex_unlock(&ddev->imports_lock);
	return buf;
}

/* An import that is going: no import looks it up any more. */
void dmaadd_dmabuf_unhash_import(struct dmaadd_buf *buf)
{
	struct dmaadd_device *ddev = buf->ddev;

	if (hlist_unhashed(&buf->import_node))
		return;
	mutex_lock(&ddev->imports_lock);
	hash_del(&buf->import_node);
	mutex_unlock(&ddev->imports_lock);
}

/* dmaadd_buf_unplug() of an import: the attachment is of our device. */
void dmaadd_dmabuf_unmap_import(struct dmaadd_buf *buf)
{
	if (buf->sgt)
		dma_buf_unmap_attachment_unlocked(buf->attach, buf->sgt, buf->dir);
	if (buf->attach)
		dma_buf_detach(buf->dmabuf, buf->attach);
	buf->attach = NULL;
}

void dmaadd_dmabuf_release_import(struct dmaadd_buf *buf)
{
	dma_buf_put(buf->dmabuf);
}
