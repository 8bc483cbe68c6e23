/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated dmaadd hardware: a doorbell ring of descriptor addresses and
 * an engine that reaches memory only through device addresses.
 */
#ifndef __DMAADD_ENGINE_H__
#define __DMAADD_ENGINE_H__

#include <linux/types.h>

struct device;
struct dmaadd_engine;

/* Most descriptors one completion "interrupt" reports. */
#define DMAADD_ENGINE_IRQ_MAX	32

/* A finished descriptor: its device address and DMAADD_HW_STATUS_*. */
struct dmaadd_engine_done {
	dma_addr_t desc;
	u32 status;
};

/*
 * Completion "interrupt", called from the engine's context with the
 * descriptors finished since the last one, 1 .. DMAADD_ENGINE_IRQ_MAX of
 * them, in ring order. Like a device with interrupt moderation, the engine
 * raises it when its ring runs empty, when it has finished
 * DMAADD_ENGINE_IRQ_MAX descriptors, or when the jobs finished since the
 * last one have moved 64 KiB of output, whichever comes first.
 */
typedef void (*dmaadd_engine_irq_t)(void *data,
				    const struct dmaadd_engine_done *done,
				    unsigned int n);

struct dmaadd_engine *dmaadd_engine_create(struct device *dev,
					   const char *name,
					   dmaadd_engine_irq_t irq,
					   void *irq_data);
void dmaadd_engine_stop(struct dmaadd_engine *eng);
void dmaadd_engine_destroy(struct dmaadd_engine *eng);
int dmaadd_engine_doorbell(struct dmaadd_engine *eng, const dma_addr_t *descs,
			   unsigned int n);
void dmaadd_engine_kick(struct dmaadd_engine *eng);
void dmaadd_engine_set_inline_max(struct dmaadd_engine *eng, u32 bytes);
u32 dmaadd_engine_inline_max(struct dmaadd_engine *eng);
u64 dmaadd_engine_inline_runs(struct dmaadd_engine *eng);
unsigned int dmaadd_engine_ring_space(struct dmaadd_engine *eng);
bool dmaadd_engine_ring_full(struct dmaadd_engine *eng);
void dmaadd_engine_inject_fault(struct dmaadd_engine *eng, unsigned int nth);
bool dmaadd_engine_iommu(struct dmaadd_engine *eng);

#endif /* __DMAADD_ENGINE_H__ */
