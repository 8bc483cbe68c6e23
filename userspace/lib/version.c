// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - library version.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "internal.h"

#ifndef LIBDMAADD_VERSION
#error "LIBDMAADD_VERSION must be defined by the build"
#endif

DMAADD_API const char *dmaadd_library_version(void)
{
	return LIBDMAADD_VERSION;
}
