// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd - inspect dmaadd devices, run demonstration jobs, share buffers
 * between processes and explain what the device sees of a buffer.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libdmaadd.h>

#include "cli.h"
#include "json.h"

enum {
	EXIT_PASS = 0,
	EXIT_FAIL = 1,	/* wrong result, or the device failed the job */
	EXIT_USAGE = 2,
	EXIT_ERROR = 3,	/* no device, cannot open or allocate, ... */
};

#define EXIT_CODES_HELP							\
	"Exit status:\n"						\
	"  0  success (demo, share: PASS)\n"				\
	"  1  demo, share: FAIL, a wrong result or a job the device\n"	\
	"     failed\n"							\
	"  2  usage error\n"						\
	"  3  no device, or a device could not be opened or used\n"

#define DEFAULT_DEMO_SIZE (4ULL << 20)
#define DEFAULT_DEMO_TIMEOUT_S 60
#define MAX_MISMATCHES_SHOWN 8
#define DEFAULT_SHARE_SIZE (1ULL << 20)
#define DEFAULT_EXPLAIN_SIZE (1ULL << 20)
#define EXPLAIN_SEGMENTS_SHOWN 8

static const char *const progname = "dmaadd";

/* --json: info and explain write one JSON document on stdout. */
static bool json_output;
static struct json json;

static void usage_main(FILE *f)
{
	fprintf(f,
		"Usage: %s [--help] [--version] [--json] COMMAND [ARGS]\n"
		"\n"
		"Talks to dmaadd devices (/dev/dmaaddN), the DMA array adder.\n"
		"\n"
		"Commands:\n"
		"  info     show every dmaadd device and its DMA setup\n"
		"  demo     add two arrays on a device, verify, time it\n"
		"  share    two processes share buffers as dma-bufs: a child\n"
		"           writes a job's result into the parent's buffer\n"
		"  explain  what the CPU and what the device see of a buffer\n"
		"  bench    run dmaadd_bench: zero copy, copy, user memory,\n"
		"           dma-buf and CPU timed on the same arrays\n"
		"  help     show help for a command: %s help share\n"
		"\n"
		"Options:\n"
		"  -j, --json     info and explain: JSON on stdout, with\n"
		"                 stable keys (see '%s help info')\n"
		"  -V, --version  this program's, libdmaadd's and the running\n"
		"                 module's API version\n"
		"  -h, --help     this help\n"
		"\n"
		"A device (--device) is N, dmaaddN or /dev/dmaaddN.\n"
		"\n"
		EXIT_CODES_HELP,
		progname, progname, progname);
}

static void usage_bench(FILE *f)
{
	fprintf(f,
		"Usage: %s bench [dmaadd_bench options]\n"
		"\n"
		"Runs dmaadd_bench, from the directory this program is in or\n"
		"else from PATH, with the same arguments; see\n"
		"'dmaadd_bench --help' for its options and docs/bench.md for\n"
		"what it measures. The exit status is dmaadd_bench's; 3 when\n"
		"it cannot be found.\n",
		progname);
}

static void usage_info(FILE *f)
{
	fprintf(f,
		"Usage: %s info [--device DEV] [--json]\n"
		"\n"
		"For every /dev/dmaaddN device (or only DEV) print: backend\n"
		"(platform or pci), whether an IOMMU translates its DMA and\n"
		"whether DMA is bounce-buffered (swiotlb), the DMA mask, the\n"
		"largest buffer, how many jobs one open file may queue, the\n"
		"module's API version and its features.\n"
		"\n"
		"Options:\n"
		"  -d, --device DEV  only DEV: N, dmaaddN or /dev/dmaaddN\n"
		"  -j, --json        JSON instead of text (below)\n"
		"  -h, --help        this help\n"
		"\n"
		"JSON: one object, {\"library_version\": \"X.Y.Z\",\n"
		"\"devices\": [DEVICE, ...]}, also when there is no device\n"
		"(exit status 3). Each DEVICE has \"path\" and either\n"
		"\"error\": {\"errno\": \"EACCES\", \"message\": \"...\"} or:\n"
		"  index, api_version, dma_mask_bits, max_buffer_size (bytes),\n"
		"  max_jobs_in_flight, job_history: numbers\n"
		"  backend: \"platform\", \"pci\" or \"unknown\"\n"
		"  iommu, bounce: booleans\n"
		"  dma_mask: a string, \"0x\" and 16 hex digits\n"
		"  operations: names, such as [\"add_i32\"]\n"
		"  features: names, such as [\"dmabuf\", \"fences\"]\n"
		"These keys are stable: later versions may add keys and names,\n"
		"never rename, remove or retype one.\n"
		"\n"
		EXIT_CODES_HELP,
		progname);
}

static void usage_demo(FILE *f)
{
	fprintf(f,
		"Usage: %s demo [--device N] [--size BYTES] [--timeout SEC]"
		" [--verbose]\n"
		"\n"
		"Allocates three device buffers a, b and c, fills a and b in\n"
		"place through their mappings (including negative numbers and\n"
		"sums that wrap around 2^32), runs c[i] = a[i] + b[i] on the\n"
		"device, checks every element of c, and compares the time with\n"
		"a plain CPU loop doing the same. Prints PASS or FAIL.\n"
		"\n"
		"Options:\n"
		"  -d, --device DEV   use DEV: N, dmaaddN or /dev/dmaaddN\n"
		"                     (default: the first device found)\n"
		"  -s, --size BYTES   size of each array, a multiple of 4;\n"
		"                     K, M, G suffixes (powers of 1024)\n"
		"                     (default: 4M)\n"
		"  -t, --timeout SEC  give up waiting for the job after SEC\n"
		"                     seconds, 0 for never (default: %d)\n"
		"  -v, --verbose      print device details and every step\n"
		"  -h, --help         this help\n"
		"\n"
		EXIT_CODES_HELP,
		progname, DEFAULT_DEMO_TIMEOUT_S);
}

static void usage_share(FILE *f)
{
	fprintf(f,
		"Usage: %s share [--device DEV] [--child-device DEV]"
		" [--size BYTES]\n"
		"       [--timeout SEC]\n"
		"\n"
		"Shows the dma-buf sharing pattern with two processes. The\n"
		"parent allocates a, b and c on /dev/dmaaddN, fills a and b and\n"
		"poisons c, exports c read-write and a and b read-only as\n"
		"dma-buf descriptors, forks, and sends the three descriptors to\n"
		"the child over a unix socket (SCM_RIGHTS). The child opens the\n"
		"device itself (its own handles), imports the descriptors, checks\n"
		"that a read-only buffer is refused as an output (EACCES), runs\n"
		"c[i] = a[i] + b[i] into the parent's c and exits. The parent\n"
		"then checks every element of c through its own mapping and\n"
		"prints PASS or FAIL. Every step is printed.\n"
		"\n"
		"Options:\n"
		"  -d, --device DEV        parent's device: N, dmaaddN or\n"
		"                          /dev/dmaaddN (default: the first\n"
		"                          device found)\n"
		"  -c, --child-device DEV  the child imports into DEV instead\n"
		"                          (another device: the dma-buf is then\n"
		"                          mapped for it, a streaming import)\n"
		"  -s, --size BYTES        size of each array, a multiple of 4;\n"
		"                          K, M, G suffixes (default: 1M)\n"
		"  -t, --timeout SEC       give up waiting for the job after SEC\n"
		"                          seconds, 0 for never (default: %d)\n"
		"  -h, --help              this help\n"
		"\n"
		EXIT_CODES_HELP,
		progname, DEFAULT_DEMO_TIMEOUT_S);
}

static void usage_explain(FILE *f)
{
	fprintf(f,
		"Usage: %s explain [--device DEV] [--size BYTES]"
		" [--userptr | --alloc] [--json]\n"
		"\n"
		"Creates one buffer on every device (or only on DEV)\n"
		"and prints what the CPU sees of it and what the device sees:\n"
		"the CPU pages behind it, how many physically contiguous runs\n"
		"they form (CPU segments), how many segments the device walks\n"
		"(DMA segments), whether device addresses are IOVAs (an IOMMU\n"
		"translates them) or physical addresses, and whether the mapping\n"
		"is bounced through swiotlb (every buffer is a streaming mapping,\n"
		"synced around jobs; with a module older than API version 4 an\n"
		"allocated one is coherent). As root (CAP_SYS_ADMIN) it lists\n"
		"the first device segments, address and length; otherwise\n"
		"addresses stay hidden.\n"
		"Ends with a plain-language explanation of the result.\n"
		"\n"
		"Options:\n"
		"  -d, --device DEV   only DEV: N, dmaaddN or /dev/dmaaddN\n"
		"                     (default: every device)\n"
		"  -s, --size BYTES   buffer size; K, M, G suffixes (default: 1M)\n"
		"  -u, --userptr      a malloc()ed buffer registered as user\n"
		"                     memory (the default)\n"
		"  -a, --alloc        a buffer allocated by the driver (its own\n"
		"                     pages, mapped for the device)\n"
		"  -j, --json         JSON instead of text (below)\n"
		"  -h, --help         this help\n"
		"\n"
		"JSON: one object, {\"library_version\": \"X.Y.Z\",\n"
		"\"devices\": [DEVICE, ...]}, also when there is no device\n"
		"(exit status 3). Each DEVICE has \"path\" and, if it failed,\n"
		"\"error\": {\"errno\": \"ENOMEM\", \"message\": \"...\"} after\n"
		"what was known by then; otherwise:\n"
		"  backend: \"platform\", \"pci\" or \"unknown\"\n"
		"  iommu, bounce, iova, streaming: booleans\n"
		"  buffer: {\"kind\": \"userptr\" or \"alloc\", \"size\": bytes,\n"
		"    \"handle\": number, \"offset_in_page\": number,\n"
		"    \"read_only\": boolean}\n"
		"  cpu_pages, cpu_segments, dma_segments: numbers\n"
		"  device_segments: null when hidden (without CAP_SYS_ADMIN),\n"
		"    else the first %d, [{\"addr\": \"0x...\", \"length\": bytes}]\n"
		"  explanation: the closing paragraph, as one string\n"
		"These keys are stable: later versions may add keys and names,\n"
		"never rename, remove or retype one.\n"
		"\n"
		EXIT_CODES_HELP,
		progname, EXPLAIN_SEGMENTS_SHOWN);
}

static void try_help(const char *cmd)
{
	fprintf(stderr, "Try '%s%s%s --help'.\n", progname, cmd ? " " : "",
		cmd ?: "");
}

/* A refused option of @cmd (NULL: of the command line before it). */
static void bad_option(const char *cmd, int c, const struct option *opts,
		       char *const argv[])
{
	cli_bad_option(progname, cmd, c, opts, argv);
	try_help(cmd);
}

/* --device (and --child-device) of a subcommand. */
static int parse_device_opt(const char *cmd, const char *arg, long *index)
{
	unsigned int v;

	if (cli_parse_device(arg, &v)) {
		fprintf(stderr, "%s: %s: bad device '%s': give N, dmaaddN or"
			" /dev/dmaaddN\n", progname, cmd, arg);
		try_help(cmd);
		return -1;
	}
	*index = v;
	return 0;
}

static int parse_uint(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT_MAX)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* "4096", "64K", "4M", "1G" (also "4MiB"); powers of 1024. */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;

	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	}
	if (shift && !strcmp(end, "iB"))
		end += 2;
	if (*end)
		return -1;
	if (v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* --size of a subcommand: a positive multiple of @multiple bytes. */
static int parse_size_opt(const char *cmd, const char *arg, uint64_t multiple,
			  uint64_t *size)
{
	if (parse_size(arg, size) || !*size || *size % multiple ||
	    *size > SIZE_MAX) {
		fprintf(stderr, "%s: %s: bad size '%s': need a positive multiple"
			" of %" PRIu64 " bytes, e.g. 4096, 64K, 1M\n",
			progname, cmd, arg, multiple);
		return -1;
	}
	return 0;
}

/* --timeout of a subcommand: whole seconds, 0 for no limit. */
static int parse_timeout_opt(const char *cmd, const char *arg,
			     int64_t *timeout_ns)
{
	unsigned int v;

	if (parse_uint(arg, &v)) {
		fprintf(stderr, "%s: %s: bad timeout '%s'\n", progname, cmd, arg);
		return -1;
	}
	*timeout_ns = v ? v * INT64_C(1000000000) : DMAADD_WAIT_FOREVER;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void format_bytes(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= (1ULL << 30) && !(bytes % (1ULL << 30)))
		snprintf(buf, len, "%" PRIu64 " GiB", bytes >> 30);
	else if (bytes >= (1ULL << 20))
		snprintf(buf, len, "%.1f MiB", bytes / (double)(1ULL << 20));
	else if (bytes >= (1ULL << 10))
		snprintf(buf, len, "%.1f KiB", bytes / (double)(1ULL << 10));
	else
		snprintf(buf, len, "%" PRIu64 " bytes", bytes);
}

static unsigned int mask_bits(uint64_t mask)
{
	unsigned int bits = 0;

	while (mask & 1) {
		bits++;
		mask >>= 1;
	}
	return bits;
}

/* Open /dev/dmaadd@index, or the first device found if @index < 0. */
static struct dmaadd_device *open_device(long index)
{
	struct dmaadd_device_list *list;
	struct dmaadd_device *dev;
	char path[64];

	if (index >= 0) {
		snprintf(path, sizeof(path), "/dev/dmaadd%ld", index);
	} else {
		list = dmaadd_device_list_new(NULL);
		if (!list) {
			fprintf(stderr, "%s: cannot list /dev: %s\n", progname,
				strerror(errno));
			return NULL;
		}
		if (!dmaadd_device_list_get_count(list)) {
			dmaadd_device_list_free(list);
			fprintf(stderr, "%s: no dmaadd device in /dev\n",
				progname);
			cli_open_hint(stderr, progname, "/dev", ENOENT);
			return NULL;
		}
		snprintf(path, sizeof(path), "%s",
			 dmaadd_device_list_get_path(list, 0));
		dmaadd_device_list_free(list);
	}

	dev = dmaadd_device_open(path);
	if (!dev) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(err));
		cli_open_hint(stderr, progname, path, err);
	}
	return dev;
}

/* ------------------------------------------------------------------------ */
/* info                                                                     */
/* ------------------------------------------------------------------------ */

/* enum dmaadd_feature values tried when listing a module's features. */
#define FEATURES_TRIED 64

/* Devices whose text has been printed: they are separated by a blank line. */
static unsigned int devices_shown;

static void text_device_begin(void)
{
	if (devices_shown++)
		printf("\n");
}

/* The "error" member of a device's JSON object. */
static void json_error(int err, const char *message)
{
	json_object_begin(&json, "error");
	json_string(&json, "errno", strerrorname_np(err));
	json_string(&json, "message", message ?: strerror(err));
	json_object_end(&json);
}

static const char *op_name(unsigned int op, char *buf, size_t len)
{
	if (op == DMAADD_OP_ADD_I32)
		return "add_i32";
	snprintf(buf, len, "op%u", op);
	return buf;
}

static void info_text(const char *path, const struct dmaadd_device_info *info)
{
	uint64_t mask = dmaadd_device_info_get_dma_mask(info);
	uint64_t max = dmaadd_device_info_get_max_buffer_size(info);
	uint32_t ops = dmaadd_device_info_get_ops(info);
	const char *sep;
	char size[32], name[16];
	unsigned int op, f;
	size_t col;

	format_bytes(size, sizeof(size), max);

	text_device_begin();
	printf("%s:\n", path);
	printf("  index:              %" PRIu32 "\n",
	       dmaadd_device_info_get_index(info));
	printf("  backend:            %s\n",
	       dmaadd_device_info_get_backend_name(info));
	printf("  iommu:              %s\n",
	       dmaadd_device_info_has_iommu(info) ?
	       "yes (device addresses are IOVAs)" :
	       "no (device addresses are physical)");
	printf("  bounce buffering:   %s\n",
	       dmaadd_device_info_has_bounce(info) ? "yes (swiotlb)" : "no");
	printf("  dma mask:           0x%016" PRIx64 " (%u bits)\n", mask,
	       mask_bits(mask));
	printf("  max buffer size:    %" PRIu64 " bytes (%s)\n", max, size);
	printf("  max jobs in flight: %" PRIu32 "\n",
	       dmaadd_device_info_get_max_jobs_in_flight(info));
	printf("  job history:        %" PRIu32 "\n",
	       dmaadd_device_info_get_job_history(info));
	printf("  operations:         ");
	for (sep = "", op = 0; op < 32; op++) {
		if (ops & (1U << op)) {
			printf("%s%s", sep, op_name(op, name, sizeof(name)));
			sep = ", ";
		}
	}
	printf("%s\n", *sep ? "" : "none");
	printf("  api version:        %" PRIu32 "\n",
	       dmaadd_device_info_get_api_version(info));
	/* Wrapped at 76 columns, under the first name. */
	col = printf("  features:           ");
	for (sep = "", f = 1; f < FEATURES_TRIED; f++) {
		if (!dmaadd_device_info_has_feature(info, f))
			continue;
		if (*sep && col + 2 + strlen(dmaadd_feature_name(f)) > 76) {
			printf(",\n");
			col = printf("%22s", "");
			sep = "";
		}
		col += printf("%s%s", sep, dmaadd_feature_name(f));
		sep = ", ";
	}
	printf("%s\n", col > 22 ? "" : "none");
}

static void info_json(const struct dmaadd_device_info *info)
{
	uint64_t mask = dmaadd_device_info_get_dma_mask(info);
	uint32_t ops = dmaadd_device_info_get_ops(info);
	char hex[32], name[16];
	unsigned int op, f;

	json_uint(&json, "index", dmaadd_device_info_get_index(info));
	json_uint(&json, "api_version",
		  dmaadd_device_info_get_api_version(info));
	json_string(&json, "backend",
		    dmaadd_device_info_get_backend_name(info));
	json_bool(&json, "iommu", dmaadd_device_info_has_iommu(info));
	json_bool(&json, "bounce", dmaadd_device_info_has_bounce(info));
	/* A string: JSON numbers above 2^53 lose bits in many parsers. */
	snprintf(hex, sizeof(hex), "0x%016" PRIx64, mask);
	json_string(&json, "dma_mask", hex);
	json_uint(&json, "dma_mask_bits", mask_bits(mask));
	json_uint(&json, "max_buffer_size",
		  dmaadd_device_info_get_max_buffer_size(info));
	json_uint(&json, "max_jobs_in_flight",
		  dmaadd_device_info_get_max_jobs_in_flight(info));
	json_uint(&json, "job_history",
		  dmaadd_device_info_get_job_history(info));
	json_array_begin(&json, "operations");
	for (op = 0; op < 32; op++)
		if (ops & (1U << op))
			json_string(&json, NULL,
				    op_name(op, name, sizeof(name)));
	json_array_end(&json);
	json_array_begin(&json, "features");
	for (f = 1; f < FEATURES_TRIED; f++)
		if (dmaadd_device_info_has_feature(info, f))
			json_string(&json, NULL, dmaadd_feature_name(f));
	json_array_end(&json);
}

static int info_one(const char *path, const void *unused)
{
	struct dmaadd_device_info *info = NULL;
	struct dmaadd_device *dev;
	int err = 0;

	(void)unused;
	dev = dmaadd_device_open(path);
	if (!dev) {
		err = errno;
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(err));
		cli_open_hint(stderr, progname, path, err);
	} else {
		info = dmaadd_device_get_info(dev);
		if (!info) {
			err = errno;
			fprintf(stderr, "%s: %s: %s\n", progname, path,
				strerror(err));
		}
	}

	if (json_output) {
		json_object_begin(&json, NULL);
		json_string(&json, "path", path);
		if (info)
			info_json(info);
		else
			json_error(err, NULL);
		json_object_end(&json);
	} else if (info) {
		info_text(path, info);
	}

	dmaadd_device_info_free(info);
	dmaadd_device_close(dev);
	return err ? -1 : 0;
}

/*
 * The loop of info and explain: @one for /dev/dmaadd@only, or for every
 * device if @only is negative. With --json, the document around their
 * objects, written whatever happens; without, nothing on stdout unless a
 * device could be read.
 */
static int run_per_device(long only,
			  int (*one)(const char *path, const void *arg),
			  const void *arg)
{
	struct dmaadd_device_list *list;
	int ret = EXIT_PASS;
	size_t i, count;
	char path[64];

	if (json_output) {
		json_init(&json, stdout);
		json_object_begin(&json, NULL);
		json_string(&json, "library_version", dmaadd_library_version());
		json_array_begin(&json, "devices");
	}

	if (only >= 0) {
		snprintf(path, sizeof(path), "/dev/dmaadd%ld", only);
		if (one(path, arg))
			ret = EXIT_ERROR;
		goto out;
	}

	list = dmaadd_device_list_new(NULL);
	if (!list) {
		fprintf(stderr, "%s: cannot list /dev: %s\n", progname,
			strerror(errno));
		ret = EXIT_ERROR;
		goto out;
	}
	count = dmaadd_device_list_get_count(list);
	if (!count) {
		fprintf(stderr, "%s: no dmaadd device in /dev\n", progname);
		cli_open_hint(stderr, progname, "/dev", ENOENT);
		ret = EXIT_ERROR;
	}
	for (i = 0; i < count; i++)
		if (one(dmaadd_device_list_get_path(list, i), arg))
			ret = EXIT_ERROR;
	dmaadd_device_list_free(list);

out:
	if (json_output) {
		json_array_end(&json);
		json_object_end(&json);
	}
	return ret;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long only = -1;
	int c;

	while ((c = getopt_long(argc, argv, "+:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_device_opt("info", optarg, &only))
				return EXIT_USAGE;
			break;
		case 'j':
			json_output = true;
			break;
		case 'h':
			usage_info(stdout);
			return EXIT_PASS;
		default:
			bad_option("info", c, opts, argv);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: info: unexpected argument '%s'\n",
			progname, argv[optind]);
		try_help("info");
		return EXIT_USAGE;
	}

	return run_per_device(only, info_one, NULL);
}

/* ------------------------------------------------------------------------ */
/* demo                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * The inputs, as 32-bit patterns: a[i] = i and b[i] = 3i + 7, with b
 * negated for odd i (negative operands and sums), and a[i] close to
 * INT32_MAX for i % 4 == 2, where a + b overflows and wraps to negative.
 * The device adds modulo 2^32, which is exactly uint32_t arithmetic.
 */
static uint32_t demo_a(uint64_t i)
{
	if (i % 4 == 2)
		return (uint32_t)INT32_MAX - (uint32_t)(i % 1000);
	return (uint32_t)i;
}

static uint32_t demo_b(uint64_t i)
{
	uint32_t v = 3u * (uint32_t)i + 7u;

	return (i & 1) ? -v : v;
}

struct demo_opts {
	long device;
	uint64_t size;
	int64_t timeout_ns;
	bool verbose;
};

static void demo_print_rate(const char *what, uint64_t ns, uint64_t count)
{
	double s = ns / 1e9;
	double bytes = 3.0 * 4.0 * (double)count;

	if (!ns)
		s = 1e-9;
	printf("%-7s %10.3f ms  %9.1f MiB/s  %8.2f M elements/s\n", what,
	       ns / 1e6, bytes / s / (1 << 20), count / s / 1e6);
}

static int demo_parse(int argc, char **argv, struct demo_opts *o)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	o->device = -1;
	o->size = DEFAULT_DEMO_SIZE;
	o->timeout_ns = DEFAULT_DEMO_TIMEOUT_S * INT64_C(1000000000);
	o->verbose = false;

	while ((c = getopt_long(argc, argv, "+:d:s:t:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_device_opt("demo", optarg, &o->device))
				return EXIT_USAGE;
			break;
		case 's':
			if (parse_size_opt("demo", optarg, 4, &o->size))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_timeout_opt("demo", optarg, &o->timeout_ns))
				return EXIT_USAGE;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage_demo(stdout);
			return -1;
		default:
			bad_option("demo", c, opts, argv);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: demo: unexpected argument '%s'\n",
			progname, argv[optind]);
		try_help("demo");
		return EXIT_USAGE;
	}
	return EXIT_PASS;
}

/* Returns the number of wrong elements; prints the first few. */
static uint64_t demo_verify(const uint32_t *a, const uint32_t *b,
			    const uint32_t *c, const uint32_t *cpu,
			    uint64_t count, uint64_t *wraps)
{
	uint64_t i, bad = 0;

	*wraps = 0;
	for (i = 0; i < count; i++) {
		uint32_t ea = demo_a(i), eb = demo_b(i), ec = ea + eb;
		int64_t wide = (int64_t)(int32_t)ea + (int32_t)eb;

		if (wide != (int32_t)ec)
			(*wraps)++;
		if (c[i] == ec && a[i] == ea && b[i] == eb && cpu[i] == ec)
			continue;
		if (bad++ < MAX_MISMATCHES_SHOWN)
			printf("  [%" PRIu64 "] c = %" PRId32 " (0x%08" PRIx32
			       "), expected %" PRId32 " = %" PRId32 " + %"
			       PRId32 "%s%s%s\n",
			       i, (int32_t)c[i], c[i], (int32_t)ec,
			       (int32_t)ea, (int32_t)eb,
			       a[i] != ea ? "; input a changed" : "",
			       b[i] != eb ? "; input b changed" : "",
			       cpu[i] != ec ? "; cpu result wrong" : "");
	}
	return bad;
}

static int cmd_demo(int argc, char **argv)
{
	struct dmaadd_buffer *ba = NULL, *bb = NULL, *bc = NULL;
	struct dmaadd_device_info *info = NULL;
	struct dmaadd_device *dev = NULL;
	uint64_t count, i, t0, t1, dev_ns, cpu_ns, bad, wraps, job_id;
	uint32_t *a, *b, *c, *cpu = NULL, status = 0;
	struct demo_opts o;
	char size[32];
	int ret;

	ret = demo_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? EXIT_PASS : ret;
	count = o.size / 4;
	format_bytes(size, sizeof(size), o.size);

	dev = open_device(o.device);
	if (!dev)
		return EXIT_ERROR;

	ret = EXIT_ERROR;
	info = dmaadd_device_get_info(dev);
	if (!info) {
		fprintf(stderr, "%s: demo: %s\n", progname, strerror(errno));
		goto out;
	}
	if (!dmaadd_device_info_supports_op(info, DMAADD_OP_ADD_I32)) {
		fprintf(stderr, "%s: demo: %s does not support add_i32\n",
			progname, dmaadd_device_get_path(dev));
		goto out;
	}
	if (o.size > dmaadd_device_info_get_max_buffer_size(info)) {
		fprintf(stderr,
			"%s: demo: --size %" PRIu64 " is above the device's"
			" max buffer size, %" PRIu64 " bytes\n", progname,
			o.size, dmaadd_device_info_get_max_buffer_size(info));
		ret = EXIT_USAGE;
		goto out;
	}

	printf("dmaadd demo on %s (%s, %s IOMMU, %s bounce buffering)\n",
	       dmaadd_device_get_path(dev),
	       dmaadd_device_info_get_backend_name(info),
	       dmaadd_device_info_has_iommu(info) ? "behind an" : "no",
	       dmaadd_device_info_has_bounce(info) ? "with" : "no");
	printf("c[i] = a[i] + b[i] over %" PRIu64 " int32 elements"
	       " (%s per array)\n", count, size);

	ba = dmaadd_buffer_alloc(dev, o.size);
	bb = ba ? dmaadd_buffer_alloc(dev, o.size) : NULL;
	bc = bb ? dmaadd_buffer_alloc(dev, o.size) : NULL;
	if (!bc) {
		fprintf(stderr, "%s: demo: cannot allocate 3 x %s: %s\n",
			progname, size, strerror(errno));
		goto out;
	}
	cpu = malloc(o.size);
	if (!cpu) {
		fprintf(stderr, "%s: demo: %s\n", progname, strerror(errno));
		goto out;
	}
	a = dmaadd_buffer_get_data(ba);
	b = dmaadd_buffer_get_data(bb);
	c = dmaadd_buffer_get_data(bc);
	if (o.verbose)
		printf("buffers: a handle %" PRIu32 ", b handle %" PRIu32
		       ", c handle %" PRIu32 "\n",
		       dmaadd_buffer_get_handle(ba),
		       dmaadd_buffer_get_handle(bb),
		       dmaadd_buffer_get_handle(bc));

	/* In place, through the mappings: no copy into the device. */
	t0 = now_ns();
	for (i = 0; i < count; i++) {
		a[i] = demo_a(i);
		b[i] = demo_b(i);
		c[i] = 0xdeadbeef;	/* proves the device wrote c */
	}
	t1 = now_ns();
	if (o.verbose)
		printf("filled a and b in %.3f ms\n", (t1 - t0) / 1e6);

	{
		const struct dmaadd_job_desc job = {
			.size = sizeof(job),
			.op = DMAADD_OP_ADD_I32,
			.count = count,
			.a = { .buffer = ba },
			.b = { .buffer = bb },
			.c = { .buffer = bc },
		};

		t0 = now_ns();
		if (dmaadd_device_submit(dev, &job, &job_id)) {
			fprintf(stderr, "%s: demo: submit: %s\n", progname,
				strerror(errno));
			goto out;
		}
		if (o.verbose)
			printf("submitted job %" PRIu64 " in %.3f ms\n",
			       job_id, (now_ns() - t0) / 1e6);
		if (dmaadd_device_wait(dev, job_id, o.timeout_ns, &status)) {
			int err = errno;

			if (err == EIO)
				printf("FAIL: the device reported job status"
				       " %" PRIu32 " (%s)\n", status,
				       dmaadd_job_status_name(status));
			else if (err == ETIMEDOUT)
				printf("FAIL: job %" PRIu64 " not complete"
				       " after %" PRId64 " s\n", job_id,
				       o.timeout_ns / INT64_C(1000000000));
			else
				fprintf(stderr, "%s: demo: wait: %s\n",
					progname, strerror(err));
			ret = (err == EIO || err == ETIMEDOUT) ?
			      EXIT_FAIL : EXIT_ERROR;
			goto out;
		}
		dev_ns = now_ns() - t0;
	}

	memset(cpu, 0, o.size);	/* fault the pages in before timing */
	t0 = now_ns();
	for (i = 0; i < count; i++)
		cpu[i] = a[i] + b[i];
	cpu_ns = now_ns() - t0;

	bad = demo_verify(a, b, c, cpu, count, &wraps);

	demo_print_rate("device:", dev_ns, count);
	demo_print_rate("cpu:", cpu_ns, count);
	printf("(device: submit + wait; bytes = a + b + c)\n");
	if (cpu_ns && dev_ns)
		printf("device time / cpu time: %.2f\n",
		       (double)dev_ns / (double)cpu_ns);
	if (o.verbose)
		printf("%" PRIu64 " of the sums wrapped around (signed"
		       " overflow)\n", wraps);

	if (bad) {
		printf("FAIL: %" PRIu64 " of %" PRIu64 " elements wrong\n",
		       bad, count);
		ret = EXIT_FAIL;
	} else {
		printf("PASS: all %" PRIu64 " elements of c are correct\n",
		       count);
		ret = EXIT_PASS;
	}

out:
	free(cpu);
	dmaadd_buffer_free(bc);
	dmaadd_buffer_free(bb);
	dmaadd_buffer_free(ba);
	dmaadd_device_info_free(info);
	dmaadd_device_close(dev);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* share                                                                    */
/* ------------------------------------------------------------------------ */

#define SHARE_POISON 0xdeadbeefU

struct share_opts {
	long device;
	long child_device;
	uint64_t size;
	int64_t timeout_ns;
};

static int share_parse(int argc, char **argv, struct share_opts *o)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "child-device", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	o->device = -1;
	o->child_device = -1;
	o->size = DEFAULT_SHARE_SIZE;
	o->timeout_ns = DEFAULT_DEMO_TIMEOUT_S * INT64_C(1000000000);

	while ((c = getopt_long(argc, argv, "+:d:c:s:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_device_opt("share", optarg, &o->device))
				return EXIT_USAGE;
			break;
		case 'c':
			if (parse_device_opt("share", optarg,
					     &o->child_device))
				return EXIT_USAGE;
			break;
		case 's':
			if (parse_size_opt("share", optarg, 4, &o->size))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_timeout_opt("share", optarg, &o->timeout_ns))
				return EXIT_USAGE;
			break;
		case 'h':
			usage_share(stdout);
			return -1;
		default:
			bad_option("share", c, opts, argv);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: share: unexpected argument '%s'\n",
			progname, argv[optind]);
		try_help("share");
		return EXIT_USAGE;
	}
	return EXIT_PASS;
}

/* Describes an imported buffer from the importer's point of view. */
static const char *share_import_what(const struct dmaadd_buffer *buf)
{
	switch (dmaadd_buffer_get_kind(buf)) {
	case DMAADD_BUF_KIND_ALLOC:
		return "the parent's very buffer (same device: no copy,"
		       " no new mapping)";
	case DMAADD_BUF_KIND_IMPORT:
		return "another device's buffer, mapped for this device"
		       " (streaming, synced around each job)";
	default:
		return "unexpected kind";
	}
}

/*
 * The child: a process with its own open device file, which reaches the
 * parent's buffers only through the dma-buf descriptors it receives.
 */
static int share_child(int sock, const char *path, uint64_t count,
		       int64_t timeout_ns)
{
	static const char *const names[3] = { "c", "a", "b" };
	struct dmaadd_buffer *buf[3] = { NULL, NULL, NULL };
	int fds[3] = { -1, -1, -1 };
	struct dmaadd_device *dev = NULL;
	int pid = (int)getpid();
	int ret = EXIT_ERROR, i;
	uint32_t status = 0;
	uint64_t job_id;

	for (i = 0; i < 3; i++) {
		fds[i] = dmaadd_fd_recv(sock);
		if (fds[i] < 0) {
			fprintf(stderr, "%s: share: child: receiving descriptor"
				" %d: %s\n", progname, i + 1, strerror(errno));
			goto out;
		}
	}
	printf("child  %d: received dma-buf descriptors %d (c), %d (a) and"
	       " %d (b)\n", pid, fds[0], fds[1], fds[2]);

	dev = dmaadd_device_open(path);
	if (!dev) {
		int err = errno;

		fprintf(stderr, "%s: share: child: %s: %s\n", progname, path,
			strerror(err));
		cli_open_hint(stderr, progname, path, err);
		goto out;
	}
	printf("child  %d: opened %s itself: its own open file, in which the"
	       " parent's handles mean nothing\n", pid, path);

	for (i = 0; i < 3; i++) {
		buf[i] = dmaadd_buffer_import_dmabuf(dev, fds[i]);
		if (!buf[i]) {
			fprintf(stderr, "%s: share: child: importing %s: %s\n",
				progname, names[i], strerror(errno));
			goto out;
		}
		printf("child  %d: imported %s as handle %" PRIu32 ", %s: %s\n",
		       pid, names[i], dmaadd_buffer_get_handle(buf[i]),
		       dmaadd_buffer_is_read_only(buf[i]) ? "read-only" :
							    "read-write",
		       share_import_what(buf[i]));
	}
	for (i = 0; i < 3; i++) {
		close(fds[i]);
		fds[i] = -1;
	}
	printf("child  %d: closed the descriptors: the imports hold their own"
	       " references\n", pid);

	/* a came read-only: the kernel must refuse it as an output. */
	{
		const struct dmaadd_job_desc job = {
			.size = sizeof(job),
			.op = DMAADD_OP_ADD_I32,
			.count = 1,
			.a = { .buffer = buf[1] },
			.b = { .buffer = buf[2] },
			.c = { .buffer = buf[1] },
		};

		if (!dmaadd_device_submit(dev, &job, &job_id)) {
			printf("child  %d: FAIL: a job writing into read-only a"
			       " was accepted (job %" PRIu64 ")\n", pid, job_id);
			dmaadd_device_wait(dev, job_id, timeout_ns, NULL);
			ret = EXIT_FAIL;
			goto out;
		}
		if (errno != EACCES) {
			printf("child  %d: FAIL: a job writing into read-only a"
			       " failed with %s, not EACCES\n", pid,
			       strerror(errno));
			ret = EXIT_FAIL;
			goto out;
		}
		printf("child  %d: a job writing into read-only a is refused"
		       " with EACCES, as it must be\n", pid);
	}

	{
		const struct dmaadd_job_desc job = {
			.size = sizeof(job),
			.op = DMAADD_OP_ADD_I32,
			.count = count,
			.a = { .buffer = buf[1] },
			.b = { .buffer = buf[2] },
			.c = { .buffer = buf[0] },
		};

		if (dmaadd_device_submit(dev, &job, &job_id)) {
			fprintf(stderr, "%s: share: child: submit: %s\n",
				progname, strerror(errno));
			goto out;
		}
		printf("child  %d: submitted job %" PRIu64 ": c[i] = a[i] + b[i]"
		       " over %" PRIu64 " elements, into the parent's c\n",
		       pid, job_id, count);
		if (dmaadd_device_wait(dev, job_id, timeout_ns, &status)) {
			int err = errno;

			if (err == EIO) {
				printf("child  %d: FAIL: job %" PRIu64
				       " completed with status %" PRIu32
				       " (%s)\n", pid, job_id, status,
				       dmaadd_job_status_name(status));
				ret = EXIT_FAIL;
			} else if (err == ETIMEDOUT) {
				printf("child  %d: FAIL: job %" PRIu64 " not"
				       " complete in time\n", pid, job_id);
				ret = EXIT_FAIL;
			} else {
				fprintf(stderr, "%s: share: child: wait: %s\n",
					progname, strerror(err));
			}
			goto out;
		}
		printf("child  %d: job %" PRIu64 " completed: %s\n", pid,
		       job_id, dmaadd_job_status_name(status));
	}
	ret = EXIT_PASS;

out:
	for (i = 0; i < 3; i++) {
		dmaadd_buffer_free(buf[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	dmaadd_device_close(dev);
	printf("child  %d: freed its buffers, closed the device, exits with"
	       " status %d\n", pid, ret);
	return ret;
}

/* Returns the number of wrong elements of c, a or b; prints a few. */
static uint64_t share_verify(const uint32_t *a, const uint32_t *b,
			     const uint32_t *c, uint64_t count)
{
	uint64_t i, bad = 0;

	for (i = 0; i < count; i++) {
		uint32_t ea = demo_a(i), eb = demo_b(i), ec = ea + eb;

		if (c[i] == ec && a[i] == ea && b[i] == eb)
			continue;
		if (bad++ < MAX_MISMATCHES_SHOWN)
			printf("  [%" PRIu64 "] c = 0x%08" PRIx32 ", expected"
			       " 0x%08" PRIx32 "%s%s%s\n", i, c[i], ec,
			       c[i] == SHARE_POISON ? " (never written)" : "",
			       a[i] != ea ? "; input a changed" : "",
			       b[i] != eb ? "; input b changed" : "");
	}
	return bad;
}

static int cmd_share(int argc, char **argv)
{
	struct dmaadd_buffer *ba = NULL, *bb = NULL, *bc = NULL;
	struct dmaadd_device_info *info = NULL;
	struct dmaadd_device *dev = NULL;
	int fd_a = -1, fd_b = -1, fd_c = -1, sv[2] = { -1, -1 };
	int pid = (int)getpid(), ret, wstatus, child_ret;
	char size[32], child_path[PATH_MAX];
	uint32_t *a, *b, *c;
	uint64_t count, i, bad;
	struct share_opts o;
	pid_t child = -1;

	ret = share_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? EXIT_PASS : ret;
	count = o.size / 4;
	format_bytes(size, sizeof(size), o.size);

	dev = open_device(o.device);
	if (!dev)
		return EXIT_ERROR;
	if (o.child_device >= 0)
		snprintf(child_path, sizeof(child_path), "/dev/dmaadd%ld",
			 o.child_device);
	else
		snprintf(child_path, sizeof(child_path), "%s",
			 dmaadd_device_get_path(dev));

	ret = EXIT_ERROR;
	info = dmaadd_device_get_info(dev);
	if (!info) {
		fprintf(stderr, "%s: share: %s\n", progname, strerror(errno));
		goto out;
	}
	if (!dmaadd_device_info_supports_op(info, DMAADD_OP_ADD_I32)) {
		fprintf(stderr, "%s: share: %s does not support add_i32\n",
			progname, dmaadd_device_get_path(dev));
		goto out;
	}
	if (o.size > dmaadd_device_info_get_max_buffer_size(info)) {
		fprintf(stderr,
			"%s: share: --size %" PRIu64 " is above the device's"
			" max buffer size, %" PRIu64 " bytes\n", progname,
			o.size, dmaadd_device_info_get_max_buffer_size(info));
		ret = EXIT_USAGE;
		goto out;
	}

	printf("dmaadd share: parent on %s (%s, %s IOMMU, %s bounce"
	       " buffering), child on %s\n", dmaadd_device_get_path(dev),
	       dmaadd_device_info_get_backend_name(info),
	       dmaadd_device_info_has_iommu(info) ? "behind an" : "no",
	       dmaadd_device_info_has_bounce(info) ? "with" : "no",
	       child_path);

	ba = dmaadd_buffer_alloc(dev, o.size);
	bb = ba ? dmaadd_buffer_alloc(dev, o.size) : NULL;
	bc = bb ? dmaadd_buffer_alloc(dev, o.size) : NULL;
	if (!bc) {
		fprintf(stderr, "%s: share: cannot allocate 3 x %s: %s\n",
			progname, size, strerror(errno));
		goto out;
	}
	a = dmaadd_buffer_get_data(ba);
	b = dmaadd_buffer_get_data(bb);
	c = dmaadd_buffer_get_data(bc);
	for (i = 0; i < count; i++) {
		a[i] = demo_a(i);
		b[i] = demo_b(i);
		c[i] = SHARE_POISON;
	}
	printf("parent %d: allocated a, b and c (%s each, %" PRIu64 " int32"
	       " elements), filled a and b, poisoned c with 0x%08x\n",
	       pid, size, count, SHARE_POISON);

	fd_c = dmaadd_buffer_export_dmabuf(bc, 0);
	fd_a = fd_c < 0 ? -1 :
	       dmaadd_buffer_export_dmabuf(ba, DMAADD_EXPORT_READ_ONLY);
	fd_b = fd_a < 0 ? -1 :
	       dmaadd_buffer_export_dmabuf(bb, DMAADD_EXPORT_READ_ONLY);
	if (fd_b < 0) {
		fprintf(stderr, "%s: share: export: %s\n", progname,
			strerror(errno));
		goto out;
	}
	printf("parent %d: exported c read-write as dma-buf descriptor %d,"
	       " a and b read-only as %d and %d\n", pid, fd_c, fd_a, fd_b);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		fprintf(stderr, "%s: share: socketpair: %s\n", progname,
			strerror(errno));
		goto out;
	}

	fflush(stdout);
	fflush(stderr);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "%s: share: fork: %s\n", progname,
			strerror(errno));
		goto out;
	}
	if (!child) {
		/* Uses nothing of the parent's but the socket. */
		close(sv[0]);
		child_ret = share_child(sv[1], child_path, count,
					o.timeout_ns);
		fflush(stdout);
		fflush(stderr);
		_exit(child_ret);
	}
	close(sv[1]);
	sv[1] = -1;

	if (dmaadd_fd_send(sv[0], fd_c) || dmaadd_fd_send(sv[0], fd_a) ||
	    dmaadd_fd_send(sv[0], fd_b))
		fprintf(stderr, "%s: share: sending the descriptors: %s\n",
			progname, strerror(errno));
	else
		printf("parent %d: forked child %d and sent it the three"
		       " descriptors over a unix socket (SCM_RIGHTS)\n", pid,
		       (int)child);
	close(fd_c);
	close(fd_a);
	close(fd_b);
	fd_a = fd_b = fd_c = -1;
	close(sv[0]);
	sv[0] = -1;
	printf("parent %d: closed its own descriptors; waiting for the"
	       " child\n", pid);
	fflush(stdout);

	while (waitpid(child, &wstatus, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "%s: share: waitpid: %s\n", progname,
				strerror(errno));
			goto out;
		}
	}
	if (WIFSIGNALED(wstatus)) {
		printf("parent %d: FAIL: child %d was killed by signal %d\n",
		       pid, (int)child, WTERMSIG(wstatus));
		ret = EXIT_FAIL;
		goto out;
	}
	child_ret = WEXITSTATUS(wstatus);
	printf("parent %d: child %d exited with status %d\n", pid, (int)child,
	       child_ret);
	if (child_ret != EXIT_PASS) {
		if (child_ret == EXIT_FAIL)
			printf("FAIL: the child's job failed\n");
		ret = child_ret == EXIT_FAIL ? EXIT_FAIL : EXIT_ERROR;
		goto out;
	}

	bad = share_verify(a, b, c, count);
	printf("parent %d: checked all %" PRIu64 " elements of c through its"
	       " own mapping, and that a and b are unchanged\n", pid, count);
	if (bad) {
		printf("FAIL: %" PRIu64 " of %" PRIu64 " elements wrong\n",
		       bad, count);
		ret = EXIT_FAIL;
	} else {
		printf("PASS: the child's job wrote all %" PRIu64 " elements"
		       " of the parent's c\n", count);
		ret = EXIT_PASS;
	}

out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (fd_a >= 0)
		close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	if (fd_c >= 0)
		close(fd_c);
	dmaadd_buffer_free(bc);
	dmaadd_buffer_free(bb);
	dmaadd_buffer_free(ba);
	dmaadd_device_info_free(info);
	dmaadd_device_close(dev);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* explain                                                                  */
/* ------------------------------------------------------------------------ */

struct explain_opts {
	long device;
	uint64_t size;
	bool alloc;
};

static int explain_parse(int argc, char **argv, struct explain_opts *o)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "userptr", no_argument, NULL, 'u' },
		{ "alloc", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool userptr = false;
	int c;

	o->device = -1;
	o->size = DEFAULT_EXPLAIN_SIZE;
	o->alloc = false;

	while ((c = getopt_long(argc, argv, "+:d:s:uajh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_device_opt("explain", optarg, &o->device))
				return EXIT_USAGE;
			break;
		case 's':
			if (parse_size_opt("explain", optarg, 1, &o->size))
				return EXIT_USAGE;
			break;
		case 'u':
			userptr = true;
			break;
		case 'a':
			o->alloc = true;
			break;
		case 'j':
			json_output = true;
			break;
		case 'h':
			usage_explain(stdout);
			return -1;
		default:
			bad_option("explain", c, opts, argv);
			return EXIT_USAGE;
		}
	}
	if (userptr && o->alloc) {
		fprintf(stderr, "%s: explain: --userptr and --alloc exclude"
			" each other\n", progname);
		try_help("explain");
		return EXIT_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: explain: unexpected argument '%s'\n",
			progname, argv[optind]);
		try_help("explain");
		return EXIT_USAGE;
	}
	return EXIT_PASS;
}

/* Print @text as one paragraph, wrapped at 76 columns after @indent. */
static void print_wrapped(const char *indent, const char *text)
{
	const size_t width = 76 - strlen(indent);
	const char *p = text;

	while (*p) {
		size_t len = strlen(p), cut = len;

		if (len > width) {
			cut = width;
			while (cut && p[cut] != ' ')
				cut--;
			if (!cut)
				cut = width;
		}
		printf("%s%.*s\n", indent, (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The closing paragraph: why the numbers are what they are. */
static void explain_paragraph(char *out, size_t len,
			      const struct dmaadd_buffer_info *bi, bool bounce)
{
	uint64_t pages = dmaadd_buffer_info_get_cpu_pages(bi);
	uint64_t cpu = dmaadd_buffer_info_get_cpu_segments(bi);
	uint64_t dma = dmaadd_buffer_info_get_dma_segments(bi);
	bool iova = dmaadd_buffer_info_is_iova(bi);
	size_t n = 0;

#define SAY(...)							\
	do {								\
		if (n < len)						\
			n += (size_t)snprintf(out + n, len - n, __VA_ARGS__); \
	} while (0)

	if (dmaadd_buffer_info_get_kind(bi) == DMAADD_BUF_KIND_ALLOC) {
		SAY("This buffer is pages the driver allocated for it, as the"
		    " system dma-heap does (the largest runs that come"
		    " cheaply), mapped for the device with the streaming DMA"
		    " API; each job syncs the range it uses. It is not the"
		    " device's coherent memory, so other devices can map it"
		    " when it is exported, and it outlives the device. ");
		if (iova)
			SAY("Behind the IOMMU any pages make one range of IOVA"
			    " space: the %" PRIu64 " CPU %s in %" PRIu64
			    " physical %s %s %" PRIu64 " device %s. ", pages,
			    plural(pages, "page", "pages"), cpu,
			    plural(cpu, "run", "runs"),
			    plural(cpu, "appears as", "appear as"), dma,
			    plural(dma, "segment", "segments"));
		else
			SAY("Without an IOMMU each physically contiguous run"
			    " is one segment (%" PRIu64 " %s, %" PRIu64 " %s;"
			    " a run is at most 4 MiB). ", cpu,
			    plural(cpu, "run", "runs"), dma,
			    plural(dma, "segment", "segments"));
		if (bounce)
			SAY("This device bounces streaming DMA through swiotlb:"
			    " the device works on bounce slots, which every job"
			    " fills from these pages and copies its results"
			    " back from.");
		else
			SAY("Nothing is copied or bounced: the device works on"
			    " these very pages, and the syncs cost nothing on a"
			    " cache-coherent machine.");
		return;
	}

	if (iova && dma < cpu) {
		SAY("The IOMMU merged %" PRIu64 " scattered %s (%" PRIu64
		    " CPU %s) into %" PRIu64 " IOVA %s: the device sees one"
		    " contiguous range where the CPU has pieces all over"
		    " physical memory. That is why dma_map_sg() may return"
		    " fewer entries than it was given (seed 004): a driver"
		    " must program the device from the entries it returned,"
		    " with sg_dma_address() and sg_dma_len(), never from the"
		    " CPU side of the list.", cpu,
		    plural(cpu, "run", "runs"), pages,
		    plural(pages, "page", "pages"), dma,
		    plural(dma, "segment", "segments"));
	} else if (iova) {
		SAY("An IOMMU translates this device's addresses, but it"
		    " did not merge anything here: the %" PRIu64 " CPU %s"
		    " in %" PRIu64 " physical %s map to %" PRIu64 " IOVA %s."
		    " Whether entries are merged depends on the IOMMU driver"
		    " and on alignment, so a driver must never assume it"
		    " either way: it walks exactly the entries dma_map_sg()"
		    " returned.", pages, plural(pages, "page", "pages"), cpu,
		    plural(cpu, "run", "runs"), dma,
		    plural(dma, "segment", "segments"));
	} else if (bounce) {
		SAY("No IOMMU, and streaming DMA is bounced through swiotlb:"
		    " the device never touches these pages. Each of the %"
		    PRIu64 " CPU %s (physically contiguous, and cut at 256"
		    " KiB, the most swiotlb maps in one piece) got its own"
		    " bounce slot, so the device walks %" PRIu64 " %s of"
		    " bounce memory. The kernel copies the inputs into the"
		    " slots before every job and the results back after it;"
		    " that copy is what dma_sync_*_for_device() and"
		    " dma_sync_*_for_cpu() do, and a driver that skips them"
		    " reads stale data.", cpu, plural(cpu, "run", "runs"),
		    dma, plural(dma, "segment", "segments"));
	} else {
		SAY("No IOMMU: device addresses are physical addresses, so"
		    " each physically contiguous run is its own segment. The"
		    " %" PRIu64 " CPU %s lie in %" PRIu64 " %s, and the"
		    " device walks %" PRIu64 " %s. Memory from malloc() is"
		    " scattered over physical memory; only an IOMMU could"
		    " make it look contiguous to the device.", pages,
		    plural(pages, "page", "pages"), cpu,
		    plural(cpu, "run", "runs"), dma,
		    plural(dma, "segment", "segments"));
	}
#undef SAY
}

static int explain_one(const char *path, const void *arg)
{
	const struct explain_opts *o = arg;
	struct dmaadd_dma_segment segs[EXPLAIN_SEGMENTS_SHOWN];
	struct dmaadd_device_info *info = NULL;
	struct dmaadd_buffer_info *bi = NULL;
	struct dmaadd_buffer *buf = NULL;
	struct dmaadd_device *dev;
	char size[32], text[1024], why[128], hex[32];
	const char *message = NULL;	/* for JSON, if not strerror(err) */
	unsigned int offset_in_page = 0;
	int err = 0, nsegs, i;
	unsigned char *mem = NULL;
	uint64_t pages, cpu, dma;
	bool bounce;

	if (json_output) {
		json_object_begin(&json, NULL);
		json_string(&json, "path", path);
	}

	dev = dmaadd_device_open(path);
	if (!dev) {
		err = errno;
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(err));
		cli_open_hint(stderr, progname, path, err);
		goto out;
	}
	info = dmaadd_device_get_info(dev);
	if (!info) {
		err = errno;
		fprintf(stderr, "%s: explain: %s: %s\n", progname, path,
			strerror(err));
		goto out;
	}
	bounce = dmaadd_device_info_has_bounce(info);
	format_bytes(size, sizeof(size), o->size);

	if (json_output) {
		json_string(&json, "backend",
			    dmaadd_device_info_get_backend_name(info));
		json_bool(&json, "iommu", dmaadd_device_info_has_iommu(info));
		json_bool(&json, "bounce", bounce);
	} else {
		text_device_begin();
		printf("%s (%s, %s, %s):\n", path,
		       dmaadd_device_info_get_backend_name(info),
		       dmaadd_device_info_has_iommu(info) ? "behind an IOMMU" :
							    "no IOMMU",
		       bounce ? "streaming DMA bounced by swiotlb" :
				"no bounce buffering");
	}
	if (o->size > dmaadd_device_info_get_max_buffer_size(info)) {
		err = EINVAL;
		snprintf(why, sizeof(why), "--size %" PRIu64 " is above the"
			 " device's max buffer size, %" PRIu64 " bytes",
			 o->size, dmaadd_device_info_get_max_buffer_size(info));
		message = why;
		fprintf(stderr, "%s: explain: %s: %s\n", progname, path, why);
		goto out;
	}

	if (o->alloc) {
		buf = dmaadd_buffer_alloc(dev, o->size);
		if (!buf) {
			err = errno;
			fprintf(stderr, "%s: explain: %s: allocating %s: %s\n",
				progname, path, size, strerror(err));
			goto out;
		}
		if (!json_output)
			printf("  buffer:            %s allocated by the driver"
			       " (handle %" PRIu32 "), mapped into this"
			       " process\n", size,
			       dmaadd_buffer_get_handle(buf));
	} else {
		mem = malloc(o->size);
		if (!mem) {
			err = errno;
			fprintf(stderr, "%s: explain: %s\n", progname,
				strerror(err));
			goto out;
		}
		/* Touch every page, as a program filling its array would. */
		memset(mem, 0x5a, o->size);
		buf = dmaadd_buffer_wrap_userptr(dev, mem, o->size, 0);
		if (!buf) {
			err = errno;
			fprintf(stderr, "%s: explain: %s: registering %s of"
				" user memory: %s\n", progname, path, size,
				strerror(err));
			if (err == ENOMEM)
				fprintf(stderr, "%s: pinned pages count against"
					" RLIMIT_MEMLOCK ('ulimit -l'); try a"
					" smaller --size or run as root\n",
					progname);
			goto out;
		}
		offset_in_page = (unsigned int)((uintptr_t)mem %
						(uintptr_t)sysconf(_SC_PAGESIZE));
		if (!json_output)
			printf("  buffer:            %s from malloc(), %u bytes"
			       " into its first page, registered as user"
			       " memory (handle %" PRIu32 ")\n", size,
			       offset_in_page, dmaadd_buffer_get_handle(buf));
	}

	bi = dmaadd_buffer_get_info(buf);
	if (!bi) {
		err = errno;
		fprintf(stderr, "%s: explain: %s: query: %s\n", progname, path,
			strerror(err));
		goto out;
	}
	pages = dmaadd_buffer_info_get_cpu_pages(bi);
	cpu = dmaadd_buffer_info_get_cpu_segments(bi);
	dma = dmaadd_buffer_info_get_dma_segments(bi);

	if (json_output) {
		json_object_begin(&json, "buffer");
		json_string(&json, "kind", dmaadd_buffer_kind_name(
				    dmaadd_buffer_info_get_kind(bi)));
		json_uint(&json, "size", o->size);
		json_uint(&json, "handle", dmaadd_buffer_get_handle(buf));
		json_uint(&json, "offset_in_page", offset_in_page);
		json_bool(&json, "read_only",
			  dmaadd_buffer_info_is_read_only(bi));
		json_object_end(&json);
		json_uint(&json, "cpu_pages", pages);
		json_uint(&json, "cpu_segments", cpu);
		json_uint(&json, "dma_segments", dma);
		json_bool(&json, "iova", dmaadd_buffer_info_is_iova(bi));
		json_bool(&json, "streaming",
			  dmaadd_buffer_info_is_streaming(bi));
	} else {
		printf("  kind:              %s, %s\n",
		       dmaadd_buffer_kind_name(dmaadd_buffer_info_get_kind(bi)),
		       dmaadd_buffer_info_is_read_only(bi) ? "read-only" :
							     "read-write");
		printf("  CPU pages:         %" PRIu64 "\n", pages);
		printf("  CPU segments:      %" PRIu64 " (runs of physically"
		       " contiguous pages)\n", cpu);
		printf("  DMA segments:      %" PRIu64 " (device-contiguous"
		       " ranges the device walks)\n", dma);
		printf("  device addresses:  %s\n",
		       dmaadd_buffer_info_is_iova(bi) ?
		       "IOVAs: an IOMMU translates them to physical addresses" :
		       bounce && dmaadd_buffer_info_is_streaming(bi) ?
		       "physical addresses of swiotlb bounce slots (no IOMMU)" :
		       "physical addresses (no IOMMU)");
		printf("  mapping:           %s\n",
		       !dmaadd_buffer_info_is_streaming(bi) ?
		       "coherent (a module older than API version 4): no sync"
		       " calls, never bounced" :
		       bounce ? "streaming, bounced: copied to and from swiotlb"
				" around every job" :
		       "streaming: synced for the device before each job and"
		       " for the CPU after it");
	}

	nsegs = dmaadd_buffer_query_dma_segments(buf, segs,
						 EXPLAIN_SEGMENTS_SHOWN);
	if (nsegs < 0 && errno == EPERM) {
		if (json_output)
			json_null(&json, "device_segments");
		else
			printf("  device segments:   hidden: reading device"
			       " addresses needs CAP_SYS_ADMIN (run as root)\n");
	} else if (nsegs < 0) {
		err = errno;
		fprintf(stderr, "%s: explain: %s: device segments: %s\n",
			progname, path, strerror(err));
		goto out;
	} else if (json_output) {
		json_array_begin(&json, "device_segments");
		for (i = 0; i < nsegs && i < EXPLAIN_SEGMENTS_SHOWN; i++) {
			json_object_begin(&json, NULL);
			snprintf(hex, sizeof(hex), "0x%016" PRIx64,
				 (uint64_t)segs[i].addr);
			json_string(&json, "addr", hex);
			json_uint(&json, "length", segs[i].len);
			json_object_end(&json);
		}
		json_array_end(&json);
	} else {
		printf("  device segments:   %s%d of %d (address, length):\n",
		       nsegs > EXPLAIN_SEGMENTS_SHOWN ? "first " : "",
		       nsegs > EXPLAIN_SEGMENTS_SHOWN ?
		       EXPLAIN_SEGMENTS_SHOWN : nsegs, nsegs);
		for (i = 0; i < nsegs && i < EXPLAIN_SEGMENTS_SHOWN; i++)
			printf("    %3d  0x%016" PRIx64 "  %" PRIu64 " bytes\n",
			       i, (uint64_t)segs[i].addr,
			       (uint64_t)segs[i].len);
	}

	explain_paragraph(text, sizeof(text), bi, bounce);
	if (json_output) {
		json_string(&json, "explanation", text);
	} else {
		printf("\n");
		print_wrapped("  ", text);
	}

out:
	if (json_output) {
		if (err)
			json_error(err, message);
		json_object_end(&json);
	}
	dmaadd_buffer_info_free(bi);
	dmaadd_buffer_free(buf);
	free(mem);
	dmaadd_device_info_free(info);
	dmaadd_device_close(dev);
	return err ? -1 : 0;
}

static int cmd_explain(int argc, char **argv)
{
	struct explain_opts o;
	int ret;

	ret = explain_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? EXIT_PASS : ret;

	return run_per_device(o.device, explain_one, &o);
}

/* Runs dmaadd_bench next to this program, or from PATH. */
static int cmd_bench(int argc, char **argv)
{
	char self[PATH_MAX], bench[PATH_MAX + 16], *slash;
	ssize_t n;

	(void)argc;
	if (argv[1] && (!strcmp(argv[1], "-h") ||
			!strcmp(argv[1], "--help")) && !argv[2]) {
		usage_bench(stdout);
		return EXIT_PASS;
	}
	argv[0] = (char *)"dmaadd_bench";
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			slash[1] = '\0';
			snprintf(bench, sizeof(bench), "%sdmaadd_bench", self);
			execv(bench, argv);
		}
	}
	execvp("dmaadd_bench", argv);
	fprintf(stderr, "%s bench: cannot run dmaadd_bench: %s\n", progname,
		strerror(errno));
	return EXIT_ERROR;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	const char *cmd;
	int c;

	/* Every message starts "dmaadd:", getopt's too (bad_option()). */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hVj", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_main(stdout);
			return EXIT_PASS;
		case 'V':
			cli_print_version(progname);
			return EXIT_PASS;
		case 'j':
			json_output = true;
			break;
		default:
			bad_option(NULL, c, opts, argv);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage_main(stderr);
		return EXIT_USAGE;
	}

	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;	/* restart getopt for the command's options */

	if (json_output && (!strcmp(cmd, "demo") || !strcmp(cmd, "share") ||
			    !strcmp(cmd, "bench"))) {
		fprintf(stderr, "%s: --json: only info and explain write JSON,"
			" not %s\n", progname, cmd);
		try_help(NULL);
		return EXIT_USAGE;
	}

	if (!strcmp(cmd, "info"))
		return cmd_info(argc, argv);
	if (!strcmp(cmd, "demo"))
		return cmd_demo(argc, argv);
	if (!strcmp(cmd, "share"))
		return cmd_share(argc, argv);
	if (!strcmp(cmd, "explain"))
		return cmd_explain(argc, argv);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc, argv);
	if (!strcmp(cmd, "help")) {
		if (argc < 2) {
			usage_main(stdout);
		} else if (!strcmp(argv[1], "info")) {
			usage_info(stdout);
		} else if (!strcmp(argv[1], "demo")) {
			usage_demo(stdout);
		} else if (!strcmp(argv[1], "share")) {
			usage_share(stdout);
		} else if (!strcmp(argv[1], "explain")) {
			usage_explain(stdout);
		} else if (!strcmp(argv[1], "bench")) {
			usage_bench(stdout);
		} else {
			fprintf(stderr, "%s: unknown command '%s'\n", progname,
				argv[1]);
			try_help(NULL);
			return EXIT_USAGE;
		}
		return EXIT_PASS;
	}

	fprintf(stderr, "%s: unknown command '%s'\n", progname, cmd);
	try_help(NULL);
	return EXIT_USAGE;
}
