// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - enumerate /dev/dmaaddN.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define DMAADD_DEV_PREFIX "dmaadd"

struct dmaadd_device_list_entry {
	int index;
	char *path;
};

struct dmaadd_device_list {
	size_t count;
	struct dmaadd_device_list_entry *entries;
};

/*
 * "dmaaddN" with N decimal, no sign, no leading zero: the names the
 * driver creates, and exactly one name per index.
 */
static int dmaadd_device_list_parse_name(const char *name)
{
	const char *p = name + strlen(DMAADD_DEV_PREFIX);
	long index = 0;

	if (strncmp(name, DMAADD_DEV_PREFIX, strlen(DMAADD_DEV_PREFIX)))
		return -1;
	if (*p == '\0' || (*p == '0' && p[1] != '\0'))
		return -1;

	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		index = index * 10 + (*p - '0');
		if (index > INT_MAX)
			return -1;
	}
	return (int)index;
}

static int dmaadd_device_list_cmp(const void *a, const void *b)
{
	const struct dmaadd_device_list_entry *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static int dmaadd_device_list_add(struct dmaadd_device_list *list,
				  size_t *capacity, const char *dir,
				  const char *name, int index)
{
	struct dmaadd_device_list_entry *entry;

	if (list->count == *capacity) {
		size_t n = *capacity ? *capacity * 2 : 8;
		void *p = reallocarray(list->entries, n, sizeof(*entry));

		if (!p)
			return -1;
		list->entries = p;
		*capacity = n;
	}

	entry = &list->entries[list->count];
	if (asprintf(&entry->path, "%s/%s", dir, name) < 0)
		return -1;
	entry->index = index;
	list->count++;
	return 0;
}

DMAADD_API struct dmaadd_device_list *dmaadd_device_list_new(const char *dir)
{
	struct dmaadd_device_list *list;
	size_t capacity = 0;
	struct dirent *de;
	int saved_errno;
	DIR *d;

	if (!dir)
		dir = "/dev";

	list = calloc(1, sizeof(*list));
	if (!list)
		return NULL;

	d = opendir(dir);
	if (!d)
		goto err_free_list;

	for (;;) {
		struct stat st;
		int index;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				goto err_closedir;
			break;
		}

		index = dmaadd_device_list_parse_name(de->d_name);
		if (index < 0)
			continue;
		/* Follows symlinks; a vanished entry is simply skipped. */
		if (fstatat(dirfd(d), de->d_name, &st, 0) || !S_ISCHR(st.st_mode))
			continue;
		if (dmaadd_device_list_add(list, &capacity, dir, de->d_name,
					   index))
			goto err_closedir;
	}
	closedir(d);

	if (list->count)
		qsort(list->entries, list->count, sizeof(list->entries[0]),
		      dmaadd_device_list_cmp);
	return list;

err_closedir:
	saved_errno = errno;
	closedir(d);
	errno = saved_errno;
err_free_list:
	dmaadd_device_list_free(list);
	return NULL;
}

DMAADD_API void dmaadd_device_list_free(struct dmaadd_device_list *list)
{
	int saved_errno = errno;
	size_t i;

	if (!list)
		return;

	for (i = 0; i < list->count; i++)
		free(list->entries[i].path);
	free(list->entries);
	free(list);
	errno = saved_errno;
}

DMAADD_API size_t
dmaadd_device_list_get_count(const struct dmaadd_device_list *list)
{
	if (!list) {
		errno = EINVAL;
		return 0;
	}
	return list->count;
}

DMAADD_API const char *
dmaadd_device_list_get_path(const struct dmaadd_device_list *list, size_t i)
{
	if (!list || i >= list->count) {
		errno = EINVAL;
		return NULL;
	}
	return list->entries[i].path;
}

DMAADD_API int
dmaadd_device_list_get_index(const struct dmaadd_device_list *list, size_t i)
{
	if (!list || i >= list->count) {
		errno = EINVAL;
		return -1;
	}
	return list->entries[i].index;
}
