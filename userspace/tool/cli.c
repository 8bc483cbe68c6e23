// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command-line helpers shared by dmaadd and dmaadd_bench.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdmaadd.h>

#include "cli.h"

void cli_bad_option(const char *prog, const char *cmd, int c,
		    const struct option *opts, char *const argv[])
{
	const struct option *o = NULL;

	fprintf(stderr, "%s: ", prog);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);

	/*
	 * optopt is 0 for an unknown long option, else the val of the option
	 * concerned: every long option has its short one as val, and a short
	 * option getopt_long() knows is never refused with '?', so a val
	 * found in @opts is a long option given an argument it takes none.
	 */
	if (optopt) {
		for (o = opts; o->name && o->val != optopt; o++)
			;
		if (!o->name)
			o = NULL;
	}

	/* glibc's words, so that they read as usual. */
	if (c == ':' && o)
		fprintf(stderr, "option '--%s' (-%c) requires an argument\n",
			o->name, optopt);
	else if (c == ':')
		fprintf(stderr, "option requires an argument -- '%c'\n",
			optopt);
	else if (o)
		fprintf(stderr, "option '--%s' doesn't allow an argument\n",
			o->name);
	else if (optopt)
		fprintf(stderr, "invalid option -- '%c'\n", optopt);
	else
		fprintf(stderr, "unrecognized option '%s'\n",
			argv[optind - 1]);
}

int cli_parse_device(const char *arg, unsigned int *index)
{
	const char *p = arg;
	unsigned long v;
	char *end;

	if (!strncmp(p, "/dev/", 5)) {
		p += 5;
		if (strncmp(p, "dmaadd", 6))
			return -1;
	}
	if (!strncmp(p, "dmaadd", 6))
		p += 6;

	/* Decimal digits only: no sign, space or leading zero. */
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]))
		return -1;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -1;
	*index = (unsigned int)v;
	return 0;
}

void cli_open_hint(FILE *f, const char *prog, const char *path, int err)
{
	struct stat st;

	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		fprintf(f, "%s: is the dmaadd module loaded? Try 'modprobe"
			" dmaadd' (or 'insmod dmaadd.ko'), then 'dmaadd info'.\n",
			prog);
		break;
	case EACCES:
	case EPERM:
		/*
		 * The kernel creates the nodes root-only; the udev rule
		 * (60-dmaadd.rules) gives them to the dmaadd group, 0660.
		 */
		if (!stat(path, &st) && !(st.st_mode & 0060))
			fprintf(f, "%s: %s is root's only (mode %04o): the udev"
				" rule 60-dmaadd.rules, which gives the nodes to"
				" the dmaadd group, is not installed or not"
				" applied; 'make install', then 'udevadm"
				" trigger --subsystem-match=misc'. Or run as"
				" root.\n", prog, path,
				(unsigned int)(st.st_mode & 07777));
		else
			fprintf(f, "%s: add yourself to the dmaadd group: sudo"
				" usermod -aG dmaadd $USER, then log in again."
				" Or run as root.\n", prog);
		break;
	case ENOTTY:
		fprintf(f, "%s: %s is not a dmaadd device.\n", prog, path);
		break;
	}
}

void cli_print_version(const char *prog)
{
	struct dmaadd_device_list *list;
	struct dmaadd_device_info *info;
	struct dmaadd_device *dev = NULL;
	const char *path = NULL;
	size_t i, count;
	int err = 0;

	printf("%s %d.%d.%d (libdmaadd %s, uapi header API version %d)\n",
	       prog, LIBDMAADD_VERSION_MAJOR, LIBDMAADD_VERSION_MINOR,
	       LIBDMAADD_VERSION_PATCH, dmaadd_library_version(),
	       DMAADD_API_VERSION);

	list = dmaadd_device_list_new(NULL);
	count = list ? dmaadd_device_list_get_count(list) : 0;
	for (i = 0; i < count && !dev; i++) {
		dev = dmaadd_device_open(dmaadd_device_list_get_path(list, i));
		if (!dev && !err) {
			err = errno;
			path = dmaadd_device_list_get_path(list, i);
		}
	}

	if (dev) {
		info = dmaadd_device_get_info(dev);
		if (info)
			printf("module: API version %" PRIu32 " (%s)\n",
			       dmaadd_device_info_get_api_version(info),
			       dmaadd_device_get_path(dev));
		else
			printf("module: loaded, API version unknown (%s)\n",
			       strerror(errno));
		dmaadd_device_info_free(info);
		dmaadd_device_close(dev);
	} else if (count) {
		printf("module: loaded, API version unknown (%s: %s)\n", path,
		       strerror(err));
	} else if (!access("/sys/module/dmaadd", F_OK)) {
		printf("module: loaded, no device\n");
	} else {
		printf("module: not loaded\n");
	}
	dmaadd_device_list_free(list);
}
