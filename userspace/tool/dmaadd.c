// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd - inspect dmaadd devices and run a demonstration job.
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
#include <time.h>

#include <libdmaadd.h>

enum {
	EXIT_PASS = 0,
	EXIT_FAIL = 1,	/* wrong result, or the device failed the job */
	EXIT_USAGE = 2,
	EXIT_ERROR = 3,	/* no device, cannot open or allocate, ... */
};

#define EXIT_CODES_HELP							\
	"Exit status:\n"						\
	"  0  success (demo: PASS)\n"					\
	"  1  demo: FAIL, a wrong result or a job the device failed\n"	\
	"  2  usage error\n"						\
	"  3  no device, or a device could not be opened or used\n"

#define DEFAULT_DEMO_SIZE (4ULL << 20)
#define DEFAULT_DEMO_TIMEOUT_S 60
#define MAX_MISMATCHES_SHOWN 8

static const char *const progname = "dmaadd";

static void usage_main(FILE *f)
{
	fprintf(f,
		"Usage: %s [--help] [--version] COMMAND [ARGS]\n"
		"\n"
		"Talks to dmaadd devices (/dev/dmaaddN), the DMA array adder.\n"
		"\n"
		"Commands:\n"
		"  info   show every dmaadd device and its DMA setup\n"
		"  demo   add two arrays on a device, verify, time it\n"
		"  help   show help for a command: %s help demo\n"
		"\n"
		EXIT_CODES_HELP,
		progname, progname);
}

static void usage_info(FILE *f)
{
	fprintf(f,
		"Usage: %s info [--device N]\n"
		"\n"
		"For every /dev/dmaaddN device (or only N) print: backend\n"
		"(platform or pci), whether an IOMMU translates its DMA and\n"
		"whether DMA is bounce-buffered (swiotlb), the DMA mask, the\n"
		"largest buffer and how many jobs one open file may queue.\n"
		"\n"
		"Options:\n"
		"  -d, --device N   only /dev/dmaaddN\n"
		"  -h, --help       this help\n"
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
		"  -d, --device N     use /dev/dmaaddN (default: the first\n"
		"                     device found)\n"
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

static void try_help(const char *cmd)
{
	fprintf(stderr, "Try '%s%s%s --help'.\n", progname, cmd ? " " : "",
		cmd ?: "");
}

static void hint_for_open_error(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		fprintf(stderr,
			"%s: is the dmaadd module loaded? Try 'modprobe dmaadd'"
			" (or 'insmod dmaadd.ko'), then '%s info'.\n",
			progname, progname);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr,
			"%s: run as root, or give your user access to the device"
			" node.\n", progname);
		break;
	case ENOTTY:
		fprintf(stderr, "%s: that file is not a dmaadd device.\n",
			progname);
		break;
	}
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
			hint_for_open_error(ENOENT);
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
		hint_for_open_error(err);
	}
	return dev;
}

/* ------------------------------------------------------------------------ */
/* info                                                                     */
/* ------------------------------------------------------------------------ */

static void print_ops(uint32_t ops)
{
	const char *sep = "";
	unsigned int op;

	for (op = 0; op < 32; op++) {
		if (!(ops & (1U << op)))
			continue;
		if (op == DMAADD_OP_ADD_I32)
			printf("%sadd_i32", sep);
		else
			printf("%sop%u", sep, op);
		sep = ", ";
	}
	printf("%s\n", *sep ? "" : "none");
}

static int info_one(const char *path)
{
	struct dmaadd_device_info *info;
	struct dmaadd_device *dev;
	uint64_t mask, max;
	char size[32];

	dev = dmaadd_device_open(path);
	if (!dev) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(err));
		hint_for_open_error(err);
		return -1;
	}
	info = dmaadd_device_get_info(dev);
	if (!info) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
			strerror(errno));
		dmaadd_device_close(dev);
		return -1;
	}

	mask = dmaadd_device_info_get_dma_mask(info);
	max = dmaadd_device_info_get_max_buffer_size(info);
	format_bytes(size, sizeof(size), max);

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
	print_ops(dmaadd_device_info_get_ops(info));
	printf("  api version:        %" PRIu32 "\n",
	       dmaadd_device_info_get_api_version(info));

	dmaadd_device_info_free(info);
	dmaadd_device_close(dev);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct dmaadd_device_list *list;
	unsigned int index;
	long only = -1;
	size_t i, count;
	int ret = EXIT_PASS;
	int c;

	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_uint(optarg, &index)) {
				fprintf(stderr, "%s: info: bad device index '%s'\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			only = index;
			break;
		case 'h':
			usage_info(stdout);
			return EXIT_PASS;
		default:
			try_help("info");
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: info: unexpected argument '%s'\n",
			progname, argv[optind]);
		try_help("info");
		return EXIT_USAGE;
	}

	if (only >= 0) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/dmaadd%ld", only);
		return info_one(path) ? EXIT_ERROR : EXIT_PASS;
	}

	list = dmaadd_device_list_new(NULL);
	if (!list) {
		fprintf(stderr, "%s: cannot list /dev: %s\n", progname,
			strerror(errno));
		return EXIT_ERROR;
	}
	count = dmaadd_device_list_get_count(list);
	if (!count) {
		fprintf(stderr, "%s: no dmaadd device in /dev\n", progname);
		hint_for_open_error(ENOENT);
		ret = EXIT_ERROR;
	}
	for (i = 0; i < count; i++) {
		if (i)
			printf("\n");
		if (info_one(dmaadd_device_list_get_path(list, i)))
			ret = EXIT_ERROR;
	}
	dmaadd_device_list_free(list);
	return ret;
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
	unsigned int v;
	int c;

	o->device = -1;
	o->size = DEFAULT_DEMO_SIZE;
	o->timeout_ns = DEFAULT_DEMO_TIMEOUT_S * INT64_C(1000000000);
	o->verbose = false;

	while ((c = getopt_long(argc, argv, "+d:s:t:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_uint(optarg, &v)) {
				fprintf(stderr, "%s: demo: bad device index '%s'\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			o->device = v;
			break;
		case 's':
			if (parse_size(optarg, &o->size) || !o->size ||
			    o->size % 4 || o->size > SIZE_MAX) {
				fprintf(stderr,
					"%s: demo: bad size '%s': need a positive"
					" multiple of 4 bytes, e.g. 4096, 64K, 4M\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_uint(optarg, &v)) {
				fprintf(stderr, "%s: demo: bad timeout '%s'\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			o->timeout_ns = v ? v * INT64_C(1000000000) :
					    DMAADD_WAIT_FOREVER;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage_demo(stdout);
			return -1;
		default:
			try_help("demo");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_main(stdout);
			return EXIT_PASS;
		case 'V':
			printf("%s (libdmaadd %s)\n", progname,
			       dmaadd_library_version());
			return EXIT_PASS;
		default:
			try_help(NULL);
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

	/* getopt prefixes its messages with argv[0]. */
	if (!strcmp(cmd, "info")) {
		argv[0] = (char *)"dmaadd info";
		return cmd_info(argc, argv);
	}
	if (!strcmp(cmd, "demo")) {
		argv[0] = (char *)"dmaadd demo";
		return cmd_demo(argc, argv);
	}
	if (!strcmp(cmd, "help")) {
		if (argc < 2) {
			usage_main(stdout);
		} else if (!strcmp(argv[1], "info")) {
			usage_info(stdout);
		} else if (!strcmp(argv[1], "demo")) {
			usage_demo(stdout);
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
