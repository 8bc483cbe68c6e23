// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - library version.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "internal.h"

/*
 * The Makefile's VERSION_* name the library file (libdmaadd.so.X.Y.Z) and
 * libdmaadd.pc, the header's LIBDMAADD_VERSION_* are what programs compile
 * against: a library whose two disagree is not built.
 */
#if !defined(DMAADD_MAKE_VERSION_MAJOR) || \
	!defined(DMAADD_MAKE_VERSION_MINOR) || \
	!defined(DMAADD_MAKE_VERSION_PATCH)
#error "the build must define DMAADD_MAKE_VERSION_{MAJOR,MINOR,PATCH}"
#endif
#if DMAADD_MAKE_VERSION_MAJOR != LIBDMAADD_VERSION_MAJOR || \
	DMAADD_MAKE_VERSION_MINOR != LIBDMAADD_VERSION_MINOR || \
	DMAADD_MAKE_VERSION_PATCH != LIBDMAADD_VERSION_PATCH
#error "libdmaadd.h LIBDMAADD_VERSION_* differ from Makefile VERSION_*"
#endif

#define DMAADD_STRINGIFY(x) #x
#define DMAADD_VERSION_STRING(major, minor, patch)			\
	DMAADD_STRINGIFY(major) "." DMAADD_STRINGIFY(minor) "."		\
	DMAADD_STRINGIFY(patch)

DMAADD_API const char *dmaadd_library_version(void)
{
	return DMAADD_VERSION_STRING(LIBDMAADD_VERSION_MAJOR,
				     LIBDMAADD_VERSION_MINOR,
				     LIBDMAADD_VERSION_PATCH);
}

DMAADD_API unsigned int dmaadd_library_version_major(void)
{
	return LIBDMAADD_VERSION_MAJOR;
}

DMAADD_API unsigned int dmaadd_library_version_minor(void)
{
	return LIBDMAADD_VERSION_MINOR;
}

DMAADD_API unsigned int dmaadd_library_version_patch(void)
{
	return LIBDMAADD_VERSION_PATCH;
}

DMAADD_API bool dmaadd_library_check_version(unsigned int major,
					     unsigned int minor,
					     unsigned int patch)
{
	if (major != LIBDMAADD_VERSION_MAJOR)
		return major < LIBDMAADD_VERSION_MAJOR;
	if (minor != LIBDMAADD_VERSION_MINOR)
		return minor < LIBDMAADD_VERSION_MINOR;
	return patch <= LIBDMAADD_VERSION_PATCH;
}
