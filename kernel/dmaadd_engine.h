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

/*
 * Completion "interrupt": called from the engine's context once per
 * descriptor, in ring order, with the DMAADD_HW_STATUS_* it finished with.
 */
typedef void (*dmaadd_engine_irq_t)(void *data, dma_addr_t desc, u32 status);

struct dmaadd_engine *dmaadd_engine_create(struct device *dev,
					   const char *name,
					   dmaadd_engine_irq_t irq,
					   void *irq_data);
void dmaadd_engine_destroy(struct dmaadd_engine *eng);
int dmaadd_engine_doorbell(struct dmaadd_engine *eng, const dma_addr_t *descs,
			   unsigned int n);
unsigned int dmaadd_engine_ring_space(struct dmaadd_engine *eng);
bool dmaadd_engine_ring_full(struct dmaadd_engine *eng);
void dmaadd_engine_inject_fault(struct dmaadd_engine *eng, unsigned int nth);
bool dmaadd_engine_iommu(struct dmaadd_engine *eng);

#endif /* __DMAADD_ENGINE_H__ */
