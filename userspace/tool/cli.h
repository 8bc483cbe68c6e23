/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command-line helpers shared by dmaadd and dmaadd_bench.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef DMAADD_CLI_H
#define DMAADD_CLI_H

#include <getopt.h>
#include <stdio.h>

/*
 * Reports an option getopt_long() refused, prefixed "@prog: " (and
 * "@cmd: " when @cmd is not NULL), like every other message of the tools,
 * rather than with argv[0] as getopt's own messages are. For
 * getopt_long() with opterr = 0, an @optstring that starts with ':' (after
 * any '+') and a short option as the val of every entry of @opts; @c is
 * what getopt_long() returned, '?' or ':'.
 */
void cli_bad_option(const char *prog, const char *cmd, int c,
		    const struct option *opts, char *const argv[]);

/*
 * A device as --device names it: "N", "dmaaddN" or "/dev/dmaaddN", N
 * decimal without leading zeros, as the kernel names the nodes. Returns 0
 * and N in @index, or -1 for anything else.
 */
int cli_parse_device(const char *arg, unsigned int *index);

/*
 * What to do about open(@path) failing with @err, on @f, prefixed
 * "@prog: "; nothing for errors without advice.
 */
void cli_open_hint(FILE *f, const char *prog, const char *path, int err);

/*
 * --version: the tool's, the library's and the uapi header's versions, and
 * the API version of the running module, read from the first device that
 * opens; says so when there is none, without failing.
 */
void cli_print_version(const char *prog);

#endif /* DMAADD_CLI_H */
