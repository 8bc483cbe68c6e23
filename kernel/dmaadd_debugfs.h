/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd debugfs: /sys/kernel/debug/dmaadd/dmaaddN/.
 */
#ifndef __DMAADD_DEBUGFS_H__
#define __DMAADD_DEBUGFS_H__

struct dmaadd_device;

void dmaadd_debugfs_init(void);
void dmaadd_debugfs_exit(void);
void dmaadd_debugfs_add_device(struct dmaadd_device *ddev);
void dmaadd_debugfs_remove_device(struct dmaadd_device *ddev);

#endif /* __DMAADD_DEBUGFS_H__ */
