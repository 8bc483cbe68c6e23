/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Module-wide settings of dmaadd.
 */
#ifndef __DMAADD_DRV_H__
#define __DMAADD_DRV_H__

#include <linux/types.h>

struct workqueue_struct;

/* Drops completed jobs' references; drained before the module goes away. */
extern struct workqueue_struct *dmaadd_wq;
/* Rings staged jobs: part of fence signalling, so WQ_MEM_RECLAIM. */
extern struct workqueue_struct *dmaadd_ring_wq;

u64 dmaadd_max_buffer_size(void);
u64 dmaadd_max_file_bytes(void);

#endif /* __DMAADD_DRV_H__ */
