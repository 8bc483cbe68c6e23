// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd: a DMA array adder, c[i] = a[i] + b[i].
 *
 * Two backends drive the same emulated engine: platform devices the module
 * creates itself (behind no IOMMU), and QEMU's "edu" PCI function, which
 * sits behind the IOMMU when one is enabled.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <linux/dmaadd.h>

#include "dmaadd_compat.h"
#include "dmaadd_debugfs.h"
#include "dmaadd_device.h"
#include "dmaadd_drv.h"
#include "dmaadd_fence.h"
#include "dmaadd_job.h"

#define DMAADD_DRV_NAME		"dmaadd"
#define DMAADD_MAX_PLATFORM	16

static unsigned int nr_platform = 1;
module_param(nr_platform, uint, 0444);
MODULE_PARM_DESC(nr_platform, "Number of platform device instances (0-16, default 1)");

static unsigned int max_buffer_mb = 256;
module_param(max_buffer_mb, uint, 0444);
MODULE_PARM_DESC(max_buffer_mb, "Largest buffer ALLOC accepts, in MiB (default 256)");

static unsigned int max_file_mb;
module_param(max_file_mb, uint, 0644);
MODULE_PARM_DESC(max_file_mb,
		 "Most memory one open file may allocate or pin, in MiB (default 0: no cap)");

static struct platform_device **dmaadd_pdevs;

struct workqueue_struct *dmaadd_wq;
struct workqueue_struct *dmaadd_ring_wq;

u64 dmaadd_max_buffer_size(void)
{
	return (u64)max_buffer_mb << 20;
}

/* The administrator's cap on one file's buffers (bytes), or 0 for none. */
u64 dmaadd_max_file_bytes(void)
{
	return (u64)READ_ONCE(max_file_mb) << 20;
}

static int dmaadd_platform_probe(struct platform_device *pdev)
{
	struct dmaadd_device *ddev;
	int ret;

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	/* The engine takes segments of any length: let an IOMMU merge. */
	ret = dmaadd_dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	if (ret)
		return ret;

	ddev = dmaadd_device_create(&pdev->dev, DMAADD_BACKEND_PLATFORM);
	if (IS_ERR(ddev))
		return PTR_ERR(ddev);
	platform_set_drvdata(pdev, ddev);
	return 0;
}

static void dmaadd_platform_remove(struct platform_device *pdev)
{
	dmaadd_device_remove(platform_get_drvdata(pdev));
}

static struct platform_driver dmaadd_platform_driver = {
	.probe = dmaadd_platform_probe,
	.dmaadd_platform_remove_void = dmaadd_platform_remove,
	.driver.name = DMAADD_DRV_NAME,
};

static int dmaadd_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct dmaadd_device *ddev;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	ret = dmaadd_dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	if (ret)
		return ret;

	ddev = dmaadd_device_create(&pdev->dev, DMAADD_BACKEND_PCI);
	if (IS_ERR(ddev))
		return PTR_ERR(ddev);
	pci_set_drvdata(pdev, ddev);
	return 0;
}

static void dmaadd_pci_remove(struct pci_dev *pdev)
{
	dmaadd_device_remove(pci_get_drvdata(pdev));
}

static const struct pci_device_id dmaadd_pci_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },	/* QEMU edu */
	{ }
};
MODULE_DEVICE_TABLE(pci, dmaadd_pci_ids);

static struct pci_driver dmaadd_pci_driver = {
	.name = DMAADD_DRV_NAME,
	.id_table = dmaadd_pci_ids,
	.probe = dmaadd_pci_probe,
	.remove = dmaadd_pci_remove,
};

static void dmaadd_unregister_pdevs(unsigned int count)
{
	while (count--)
		platform_device_unregister(dmaadd_pdevs[count]);
	kfree(dmaadd_pdevs);
}

static int __init dmaadd_init(void)
{
	struct platform_device_info info = {
		.name = DMAADD_DRV_NAME,
		.dma_mask = DMA_BIT_MASK(64),
	};
	unsigned int i;
	int ret;

	if (nr_platform > DMAADD_MAX_PLATFORM || !max_buffer_mb)
		return -EINVAL;

	dmaadd_wq = alloc_workqueue("dmaadd", WQ_UNBOUND, 0);
	if (!dmaadd_wq)
		return -ENOMEM;
	/*
	 * Fences wait for the ring work, and memory reclaim may wait for
	 * fences: it needs a rescuer thread, like drm_sched's submit_wq.
	 */
	dmaadd_ring_wq = alloc_workqueue("dmaadd-ring",
					 WQ_UNBOUND | WQ_MEM_RECLAIM | WQ_HIGHPRI,
					 0);
	if (!dmaadd_ring_wq) {
		destroy_workqueue(dmaadd_wq);
		return -ENOMEM;
	}
	dmaadd_debugfs_init();

	ret = platform_driver_register(&dmaadd_platform_driver);
	if (ret)
		goto err_destroy_wq;

	dmaadd_pdevs = kcalloc(nr_platform, sizeof(*dmaadd_pdevs), GFP_KERNEL);
	if (!dmaadd_pdevs) {
		ret = -ENOMEM;
		goto err_unregister_platform_driver;
	}
	for (i = 0; i < nr_platform; i++) {
		info.id = i;
		dmaadd_pdevs[i] = platform_device_register_full(&info);
		if (IS_ERR(dmaadd_pdevs[i])) {
			ret = PTR_ERR(dmaadd_pdevs[i]);
			goto err_unregister_pdevs;
		}
	}

	ret = pci_register_driver(&dmaadd_pci_driver);
	if (ret)
		goto err_unregister_pdevs;
	return 0;

err_unregister_pdevs:
	dmaadd_unregister_pdevs(i);
err_unregister_platform_driver:
	platform_driver_unregister(&dmaadd_platform_driver);
err_destroy_wq:
	dmaadd_debugfs_exit();
	destroy_workqueue(dmaadd_ring_wq);
	destroy_workqueue(dmaadd_wq);
	return ret;
}

static void __exit dmaadd_exit(void)
{
	pci_unregister_driver(&dmaadd_pci_driver);
	dmaadd_unregister_pdevs(nr_platform);
	platform_driver_unregister(&dmaadd_platform_driver);
	/*
	 * Last file references may still be dropped from the ring work and
	 * the free work; the last fence's module reference from the fence
	 * free work, which may still be returning.
	 */
	dmaadd_job_free_exit();
	destroy_workqueue(dmaadd_ring_wq);
	destroy_workqueue(dmaadd_wq);
	dmaadd_fence_exit();
	dmaadd_debugfs_exit();
}

module_init(dmaadd_init);
module_exit(dmaadd_exit);

MODULE_DESCRIPTION("DMA array adder with an emulated engine");
MODULE_AUTHOR("The dmaadd authors");
MODULE_LICENSE("GPL");
DMAADD_MODULE_IMPORT_NS_DMA_BUF();
