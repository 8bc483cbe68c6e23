/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd buffers as dma-bufs: exporting allocated buffers, importing
 * anybody's dma-buf.
 */
#ifndef __DMAADD_DMABUF_H__
#define __DMAADD_DMABUF_H__

#include <linux/types.h>

struct dma_buf;
struct dmaadd_buf;
struct dmaadd_device;

struct dma_buf *dmaadd_dmabuf_export(struct dmaadd_buf *buf, bool read_only);
struct dmaadd_buf *dmaadd_dmabuf_import(struct dmaadd_device *ddev, int fd,
					bool *read_only);
void dmaadd_dmabuf_unhash_import(struct dmaadd_buf *buf);
void dmaadd_dmabuf_unmap_import(struct dmaadd_buf *buf);
void dmaadd_dmabuf_release_import(struct dmaadd_buf *buf);

#endif /* __DMAADD_DMABUF_H__ */
