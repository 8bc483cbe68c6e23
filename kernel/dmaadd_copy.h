/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd's copying path: raw user pointers, copied in and out.
 */
#ifndef __DMAADD_COPY_H__
#define __DMAADD_COPY_H__

#include <linux/types.h>

struct dmaadd_file;
struct dmaadd_submit_copy;

int dmaadd_copy_submit(struct dmaadd_file *df, struct dmaadd_submit_copy *args,
		       bool nonblock);

#endif /* __DMAADD_COPY_H__ */
