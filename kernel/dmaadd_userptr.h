/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd buffers of pinned process memory.
 */
#ifndef __DMAADD_USERPTR_H__
#define __DMAADD_USERPTR_H__

#include <linux/types.h>

struct dmaadd_buf;
struct dmaadd_charge;
struct dmaadd_device;

struct dmaadd_buf *dmaadd_userptr_create(struct dmaadd_device *ddev, u64 addr,
					 u64 len, bool read_only,
					 struct dmaadd_charge *charge);
void dmaadd_userptr_release(struct dmaadd_buf *buf);

#endif /* __DMAADD_USERPTR_H__ */
