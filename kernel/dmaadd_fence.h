/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd job fences.
 */
#ifndef __DMAADD_FENCE_H__
#define __DMAADD_FENCE_H__

#include <linux/types.h>

struct dma_fence;

struct dma_fence *dmaadd_fence_alloc(size_t priv_size);
void *dmaadd_fence_priv(struct dma_fence *fence);
void dmaadd_fence_init(struct dma_fence *fence, const char *timeline,
		       u64 context, u64 seqno);
void dmaadd_fence_free_unused(struct dma_fence *fence);
void dmaadd_fence_exit(void);

#endif /* __DMAADD_FENCE_H__ */
