/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What differs between the kernels dmaadd builds for (Debian's 6.1 and
 * 6.12, and what 6.13 changes). Every such difference of the driver is
 * here, as a helper the rest of the code calls; Kbuild detects each one
 * from the headers (DMAADD_HAVE_*), not from a version number, since
 * distribution kernels backport.
 */
#ifndef __DMAADD_COMPAT_H__
#define __DMAADD_COMPAT_H__

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>

#ifdef DMAADD_HAVE_FILE_REF
#include <linux/file_ref.h>
#endif

/* <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
#ifdef DMAADD_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * A reference on @file unless its last one is gone already (its release
 * may be under way): what a weak pointer to a file needs. Linux 6.13 made
 * f_count a file_ref_t (f_ref).
 */
static inline bool dmaadd_file_get_unless_zero(struct file *file)
{
#ifdef DMAADD_HAVE_FILE_REF
	return file_ref_get(&file->f_ref);
#else
	return atomic_long_inc_not_zero(&file->f_count);
#endif
}

/* vm_flags is read-only since 6.3: vm_flags_set()/vm_flags_clear(). */
static inline void dmaadd_vm_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
#ifdef DMAADD_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void dmaadd_vm_flags_clear(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
#ifdef DMAADD_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* dma_set_max_seg_size() cannot fail, and returns void, since 6.11. */
static inline int dmaadd_dma_set_max_seg_size(struct device *dev,
					      unsigned int size)
{
#ifdef DMAADD_DMA_SET_MAX_SEG_SIZE_VOID
	dma_set_max_seg_size(dev, size);
	return 0;
#else
	return dma_set_max_seg_size(dev, size);
#endif
}

/*
 * The platform_driver member for a remove callback returning void:
 * .remove_new from 6.1 (Debian's backport) to 6.12, .remove from 6.13 on.
 */
#ifdef DMAADD_HAVE_REMOVE_NEW
#define dmaadd_platform_remove_void	remove_new
#else
#define dmaadd_platform_remove_void	remove
#endif

/*
 * Since 6.2 the dma-buf core calls an exporter's map_dma_buf, unmap_dma_buf,
 * vmap and vunmap with the buffer's reservation lock held (importers call
 * the *_unlocked helpers, which take it); 6.1 holds it for dynamic
 * importers only. Where the convention holds, lockdep checks our side of
 * it. Detected by dma_buf_vmap_unlocked(), which came with it.
 */
static inline void dmaadd_dmabuf_assert_locked(struct dma_buf *dmabuf)
{
#ifdef DMAADD_HAVE_DMABUF_LOCKED_OPS
	dma_resv_assert_held(dmabuf->resv);
#endif
}

/* MODULE_IMPORT_NS() takes a string literal since 6.13. */
#ifdef DMAADD_IMPORT_NS_STRING
#define DMAADD_MODULE_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS("DMA_BUF")
#else
#define DMAADD_MODULE_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS(DMA_BUF)
#endif

#endif /* __DMAADD_COMPAT_H__ */
