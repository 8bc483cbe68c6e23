/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What differs between the kernels dmaadd builds for. Every such difference
 * of the driver is here, as a helper the rest of the code calls; Kbuild
 * detects each one from the headers (DMAADD_HAVE_*), not from a version
 * number, since distribution kernels backport.
 */
#ifndef __DMAADD_COMPAT_H__
#define __DMAADD_COMPAT_H__

#include <linux/fs.h>

#ifdef DMAADD_HAVE_FILE_REF
#include <linux/file_ref.h>
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

#endif /* __DMAADD_COMPAT_H__ */
