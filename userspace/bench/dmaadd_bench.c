// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd_bench - the copying path against zero copy, measured in one run.
 *
 * For each array size, on one device (the first, or --device N; --all:
 * each in turn), the time of one whole add c[i] = a[i] + b[i] as a
 * program does it, six ways:
 *
 *   zero-copy    a, b, c are device buffers (DMAADD_IOCTL_BUF_ALLOC)
 *                mapped into the process; SUBMIT + WAIT
 *                (dmaadd_device_add_i32())
 *   copy         the arrays are malloc()ed; DMAADD_IOCTL_SUBMIT_COPY
 *                copies a and b into temporary device memory, runs the
 *                job, waits and copies c back (dmaadd_device_add_i32_copy())
 *   userptr-pin  the malloc()ed arrays registered for each add: 3 x
 *                BUF_USERPTR (pin + map), SUBMIT + WAIT, 3 x BUF_FREE
 *                (unmap + unpin), all inside the add call
 *   userptr      the malloc()ed arrays registered once with
 *                DMAADD_IOCTL_BUF_USERPTR; SUBMIT + WAIT
 *   dma-buf      a, b, c allocated on another dmaadd device, exported as
 *                dma-bufs and imported into this one (BUF_IMPORT); filled
 *                and read through the exporter's mappings; SUBMIT + WAIT
 *                (skipped with only one device)
 *   cpu          the malloc()ed arrays, c[i] = a[i] + b[i] in a loop
 *
 * Every run of every row does the same user work around the add: store
 * new values into a and b (where the row keeps them: malloc()ed memory or
 * the mapping), the add, then read every element of c and check it. The
 * values change from run to run, so a stale c fails the check. Buffers
 * are allocated or registered once per size, outside the timed runs; that
 * one-time cost is printed as "setup". The four ways take turns, one run
 * each, so that whatever else the machine does slows all of them alike;
 * each row is the median of its runs, after one untimed warm-up run.
 *
 * Then the per-job overhead of one-element jobs against a null ioctl
 * (DMAADD_IOCTL_INFO), one SUBMIT + WAIT at a time and in SUBMIT_BATCHes
 * of 64 (raw ioctl and through libdmaadd); and the cost of one 4 KiB
 * BUF_ALLOC + SUBMIT + WAIT + BUF_FREE with 1000 and with 100000 (--live)
 * other buffers live in the file. Those are one-page BUF_USERPTRs of the
 * same page: a handle each, no new memory. Last, the measured ratios
 * next to the targets of issue #6, PASS or MISS; a MISS does not fail the
 * run. Every number is also on a line starting "csv," (tests/vm.sh bench
 * collects them into bench.csv; docs/bench.md).
 *
 * It does not fail on timings: under QEMU's TCG the absolute
 * numbers are not hardware numbers; the ratios measured in the same run
 * are what carries over. It checks every result: exit status 0 when all
 * are right, 1 when one is wrong or a job failed, 2 usage, 3 no device
 * or a device could not be used.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libdmaadd.h>

#include "cli.h"

enum {
	EXIT_PASS = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_ERROR = 3,
};

#define DEFAULT_SIZES "4K,64K,1M,16M,64M"
#define DEFAULT_TIME_MS 200
#define DEFAULT_LIVE 100000
#define LIVE_SMALL 1000
#define MAX_SIZES 16
#define MIN_RUNS 3
#define MAX_RUNS 2000
#define BATCH 64
#define NSEC_PER_SEC 1000000000ULL

static const char *const progname = "dmaadd_bench";

enum path {
	PATH_ZERO_COPY,
	PATH_COPY,
	PATH_USERPTR_PIN,
	PATH_USERPTR,
	PATH_DMABUF,
	PATH_CPU,
	NR_PATHS,
};

static const char *const path_names[NR_PATHS] = {
	[PATH_ZERO_COPY] = "zero-copy",
	[PATH_COPY] = "copy",
	[PATH_USERPTR_PIN] = "userptr-pin",
	[PATH_USERPTR] = "userptr",
	[PATH_DMABUF] = "dma-buf",
	[PATH_CPU] = "cpu",
};

struct opts {
	long device;
	uint64_t sizes[MAX_SIZES];
	unsigned int nr_sizes;
	uint64_t budget_ns;
	unsigned long live;	/* live buffers of the large count */
	bool all;		/* every device, not only the first */
};

/* One row: the medians of its timed runs. */
struct row {
	bool done;		/* measured; otherwise @err says why not */
	bool skipped;		/* not measurable here: no peer device
				 * (ENODEV), or no room for the buffers
				 * in this DMA setup (ENOMEM, ENOSPC) */
	int err;		/* errno of the failure, 0 if none */
	unsigned int runs;
	double total_ns;	/* per add: fill + add + read and check */
	double call_ns;		/* of which inside the add call */
	double setup_ns;	/* once per size: allocate or register */
	uint64_t segs;		/* DMA segments of its buffer a, 0: none */
};

/* The arrays of one size, and the buffers of the two zero-copy ways. */
struct arrays {
	struct dmaadd_device *dev;
	struct dmaadd_device *peer;	/* another dmaadd device, or NULL */
	uint64_t count;
	/* malloc()ed: copy, userptr and cpu use them */
	uint32_t *ma, *mb, *mc;
	/* a, b, c: BUF_ALLOC, mapped (zero-copy) */
	struct dmaadd_buffer *z[3];
	/* a, b, c: BUF_USERPTR of ma, mb, mc (userptr) */
	struct dmaadd_buffer *u[3];
	/* a, b, c: BUF_ALLOC on @peer, exported, imported into @dev */
	struct dmaadd_buffer *p[3], *d[3];
};

static int failures;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--device DEV | --all] [--sizes LIST] [--time MS]\n"
		"       [--live N]\n"
		"       %s --help | --version\n"
		"\n"
		"Times c[i] = a[i] + b[i] for several array sizes: zero copy\n"
		"(mapped device buffers + SUBMIT + WAIT), the copying path\n"
		"(SUBMIT_COPY on malloc()ed arrays), user memory pinned per\n"
		"add (BUF_USERPTR + SUBMIT + WAIT + BUF_FREE) and registered\n"
		"once, a dma-buf exported by another dmaadd device and imported,\n"
		"and a CPU loop, with the ratios; then the per-job overhead of\n"
		"one-element jobs against a null ioctl, and the cost of an\n"
		"alloc + submit + free with 1000 and with N buffers live; then\n"
		"the measured ratios against the targets (MISS is reported,\n"
		"not failed). Lines starting \"csv,\" carry every number.\n"
		"Every result is checked.\n"
		"\n"
		"Options:\n"
		"  -d, --device DEV DEV: N, dmaaddN or /dev/dmaaddN (default:\n"
		"                   the first device)\n"
		"  -a, --all        every device, one after the other\n"
		"  -s, --sizes LIST bytes per array, comma-separated, each a\n"
		"                   multiple of 4; K, M suffixes (default: %s)\n"
		"  -t, --time MS    timed runs per row last at least MS\n"
		"                   milliseconds, and at least %d runs\n"
		"                   (default: %d)\n"
		"  -l, --live N     live buffers of the large count (default:\n"
		"                   %d; 0 skips that part)\n"
		"  -V, --version    this program's, libdmaadd's and the\n"
		"                   running module's API version\n"
		"  -h, --help       this help\n"
		"\n"
		"Exit status: 0 every result right, 1 a wrong result or a\n"
		"failed job, 2 usage, 3 no device or a device unusable.\n",
		progname, progname, DEFAULT_SIZES, MIN_RUNS, DEFAULT_TIME_MS,
		DEFAULT_LIVE);
}

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	case 'M': case 'm':
		v <<= 20;
		end++;
		break;
	}
	if (*end || !v || v % 4 || v > (1ULL << 30))
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "sizes", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "live", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *sizes = DEFAULT_SIZES;
	char *list, *tok, *save = NULL, *end;
	unsigned int index;
	unsigned long v;
	int c;

	o->device = -1;
	o->budget_ns = DEFAULT_TIME_MS * 1000000ULL;
	o->live = DEFAULT_LIVE;
	o->all = false;
	/* Every message starts "dmaadd_bench:", getopt's too. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:s:t:al:hV", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'l':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v > 1000000) {
				fprintf(stderr, "%s: bad live count '%s' (at"
					" most 1000000)\n", progname, optarg);
				return EXIT_USAGE;
			}
			o->live = v;
			break;
		case 'd':
			if (cli_parse_device(optarg, &index)) {
				fprintf(stderr, "%s: bad device '%s': give N,"
					" dmaaddN or /dev/dmaaddN\n", progname,
					optarg);
				fprintf(stderr, "Try '%s --help'.\n", progname);
				return EXIT_USAGE;
			}
			o->device = index;
			break;
		case 's':
			sizes = optarg;
			break;
		case 't':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v > 600000) {
				fprintf(stderr, "%s: bad time '%s'\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			o->budget_ns = v * 1000000ULL;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			cli_print_version(progname);
			return -1;
		default:
			cli_bad_option(progname, NULL, c, lopts, argv);
			fprintf(stderr, "Try '%s --help'.\n", progname);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname,
			argv[optind]);
		return EXIT_USAGE;
	}

	list = strdup(sizes);
	if (!list) {
		perror(progname);
		return EXIT_ERROR;
	}
	o->nr_sizes = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nr_sizes == MAX_SIZES ||
		    parse_size(tok, &o->sizes[o->nr_sizes])) {
			fprintf(stderr, "%s: bad size '%s' (at most %d sizes,"
				" each a multiple of 4 up to 1G)\n", progname,
				tok, MAX_SIZES);
			free(list);
			return EXIT_USAGE;
		}
		o->nr_sizes++;
	}
	free(list);
	if (!o->nr_sizes) {
		fprintf(stderr, "%s: no size given\n", progname);
		return EXIT_USAGE;
	}
	return EXIT_PASS;
}

static void format_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= (1ULL << 20) && !(bytes % (1ULL << 20)))
		snprintf(buf, len, "%" PRIu64 " MiB", bytes >> 20);
	else if (bytes >= (1ULL << 10) && !(bytes % (1ULL << 10)))
		snprintf(buf, len, "%" PRIu64 " KiB", bytes >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " B", bytes);
}

static void format_ns(char *buf, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.2f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

/* ------------------------------------------------------------------------ */
/* The user's side of an add: fill the inputs, read and check the output    */
/* ------------------------------------------------------------------------ */

/*
 * The values of run @k: different in every run, with negative numbers
 * and sums that wrap around 2^32 (the device adds modulo 2^32, which is
 * uint32_t arithmetic).
 */
static inline uint32_t val_a(uint64_t i, uint32_t k)
{
	return (uint32_t)i * 2654435761u + k;
}

static inline uint32_t val_b(uint64_t i, uint32_t k)
{
	return k * 40503u - (uint32_t)i;
}

static __attribute__((noinline)) void fill(uint32_t *a, uint32_t *b,
					   uint64_t count, uint32_t k)
{
	uint64_t i;

	/*
	 * One array at a time: under TCG, stores alternating between two
	 * arrays whose pages map to the same slot of QEMU's direct-mapped
	 * TLB (buffers are runs of up to 4 MiB, often 4 MiB aligned) would
	 * each miss it.
	 */
	for (i = 0; i < count; i++)
		a[i] = val_a(i, k);
	for (i = 0; i < count; i++)
		b[i] = val_b(i, k);
}

/* Reads every element of @c; returns how many are wrong. */
static __attribute__((noinline)) uint64_t check(const uint32_t *c,
						uint64_t count, uint32_t k)
{
	uint64_t i, bad = 0;

	for (i = 0; i < count; i++)
		bad += c[i] != val_a(i, k) + val_b(i, k);
	return bad;
}

static __attribute__((noinline)) void cpu_add(uint32_t *c, const uint32_t *a,
					      const uint32_t *b,
					      uint64_t count)
{
	uint64_t i;

	for (i = 0; i < count; i++)
		c[i] = a[i] + b[i];
}

/*
 * One add the way @path does it, run @k. Returns 0 (and the time inside
 * the add call in *@call_ns), -1 with errno set when the add failed, or 1
 * when c came out wrong.
 */
static int one_add(struct arrays *arr, enum path path, uint32_t k,
		   uint64_t *call_ns)
{
	uint32_t *a, *b, *c;
	uint64_t t0, t1;
	uint32_t status = DMAADD_JOB_OK;
	int ret = 0;

	struct dmaadd_buffer *pin[3] = { NULL, NULL, NULL };
	int i;

	if (path == PATH_ZERO_COPY) {
		a = dmaadd_buffer_get_data(arr->z[0]);
		b = dmaadd_buffer_get_data(arr->z[1]);
		c = dmaadd_buffer_get_data(arr->z[2]);
	} else if (path == PATH_DMABUF) {
		/* The exporter's mapping: the memory the import uses. */
		a = dmaadd_buffer_get_data(arr->p[0]);
		b = dmaadd_buffer_get_data(arr->p[1]);
		c = dmaadd_buffer_get_data(arr->p[2]);
	} else {
		a = arr->ma;
		b = arr->mb;
		c = arr->mc;
	}

	fill(a, b, arr->count, k);
	t0 = now_ns();
	switch (path) {
	case PATH_COPY:
		ret = dmaadd_device_add_i32_copy(arr->dev, (int32_t *)c,
						 (const int32_t *)a,
						 (const int32_t *)b,
						 arr->count, &status);
		break;
	case PATH_ZERO_COPY:
		ret = dmaadd_device_add_i32(arr->dev, arr->z[2], arr->z[0],
					    arr->z[1], arr->count,
					    60 * (int64_t)NSEC_PER_SEC);
		break;
	case PATH_USERPTR:
		ret = dmaadd_device_add_i32(arr->dev, arr->u[2], arr->u[0],
					    arr->u[1], arr->count,
					    60 * (int64_t)NSEC_PER_SEC);
		break;
	case PATH_USERPTR_PIN:
		/* Register (pin + map), add, free (unmap + unpin): each add. */
		pin[0] = dmaadd_buffer_wrap_userptr(arr->dev, a,
						    arr->count * 4, 0);
		pin[1] = dmaadd_buffer_wrap_userptr(arr->dev, b,
						    arr->count * 4, 0);
		pin[2] = dmaadd_buffer_wrap_userptr(arr->dev, c,
						    arr->count * 4, 0);
		if (!pin[0] || !pin[1] || !pin[2])
			ret = -1;
		else
			ret = dmaadd_device_add_i32(arr->dev, pin[2], pin[0],
						    pin[1], arr->count,
						    60 * (int64_t)NSEC_PER_SEC);
		for (i = 0; i < 3; i++) {
			int e = errno;

			dmaadd_buffer_free(pin[i]);
			errno = e;
		}
		break;
	case PATH_DMABUF:
		ret = dmaadd_device_add_i32(arr->dev, arr->d[2], arr->d[0],
					    arr->d[1], arr->count,
					    60 * (int64_t)NSEC_PER_SEC);
		break;
	default:
		cpu_add(c, a, b, arr->count);
		break;
	}
	t1 = now_ns();
	if (ret) {
		if (errno == EIO)
			fprintf(stderr, "%s: %s: the job ended with status"
				" %s\n", progname, path_names[path],
				dmaadd_job_status_name(status));
		return -1;
	}
	*call_ns = t1 - t0;
	return check(c, arr->count, k) ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Buffers of this size do not fit this DMA setup (for example three
 * 64 MiB streaming mappings through swiotlb=force's 64 MiB pool): the row
 * is skipped, not failed.
 */
static bool no_room(int err)
{
	return err == ENOMEM || err == ENOSPC;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static double median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Allocates or registers the buffers of one way; 0 or -1 with errno. */
static int setup(struct arrays *arr, enum path path, struct row *r)
{
	size_t len = arr->count * 4;
	uint64_t t0 = now_ns();
	struct dmaadd_buffer_info *info;
	struct dmaadd_buffer **b;
	uint32_t *m[3] = { arr->ma, arr->mb, arr->mc };
	int i;

	r->setup_ns = -1;
	if (path == PATH_DMABUF && !arr->peer) {
		r->skipped = true;
		errno = ENODEV;
		return -1;
	}
	if (path != PATH_ZERO_COPY && path != PATH_USERPTR &&
	    path != PATH_DMABUF)
		return 0;
	b = path == PATH_ZERO_COPY ? arr->z :
	    path == PATH_USERPTR ? arr->u : arr->d;
	for (i = 0; i < 3; i++) {
		if (path == PATH_ZERO_COPY) {
			b[i] = dmaadd_buffer_alloc(arr->dev, len);
		} else if (path == PATH_USERPTR) {
			b[i] = dmaadd_buffer_wrap_userptr(arr->dev, m[i], len,
							  0);
		} else {
			int fd, e;

			arr->p[i] = dmaadd_buffer_alloc(arr->peer, len);
			if (!arr->p[i])
				return -1;
			fd = dmaadd_buffer_export_dmabuf(arr->p[i], 0);
			if (fd < 0)
				return -1;
			b[i] = dmaadd_buffer_import_dmabuf(arr->dev, fd);
			e = errno;
			close(fd);
			errno = e;
		}
		if (!b[i])
			return -1;
	}
	r->setup_ns = (double)(now_ns() - t0);

	/* What the device walks: a reason for a row's speed. */
	info = dmaadd_buffer_get_info(b[0]);
	if (info) {
		r->segs = dmaadd_buffer_info_get_dma_segments(info);
		dmaadd_buffer_info_free(info);
	}
	return 0;
}

static void teardown(struct arrays *arr)
{
	int i;

	for (i = 0; i < 3; i++) {
		dmaadd_buffer_free(arr->z[i]);
		dmaadd_buffer_free(arr->u[i]);
		dmaadd_buffer_free(arr->d[i]);
		dmaadd_buffer_free(arr->p[i]);
		arr->z[i] = arr->u[i] = arr->d[i] = arr->p[i] = NULL;
	}
}

/*
 * The rows of one size. The ways take turns, a run each, until each has
 * at least MIN_RUNS runs and the turns took @budget_ns per way (or one way
 * reached MAX_RUNS). A way that fails leaves the turns, with r->err set
 * (EBADMSG for a wrong result).
 */
static void measure_size(struct arrays *arr, uint64_t budget_ns,
			 struct row r[NR_PATHS])
{
	static uint64_t total[NR_PATHS][MAX_RUNS], call[NR_PATHS][MAX_RUNS];
	unsigned int live = 0, n = 0;
	uint64_t start, t0, call_ns;
	bool in[NR_PATHS];
	uint32_t k = 1;
	int p, ret;

	memset(r, 0, NR_PATHS * sizeof(*r));
	for (p = 0; p < NR_PATHS; p++) {
		in[p] = !setup(arr, p, &r[p]);
		if (!in[p]) {
			r[p].err = errno;
			r[p].skipped = no_room(errno) || r[p].skipped;
		}
	}
	/* Warm-up: faults the pages in, checked but not timed. */
	for (p = 0; p < NR_PATHS; p++) {
		if (!in[p])
			continue;
		ret = one_add(arr, p, k++, &call_ns);
		if (ret) {
			r[p].err = ret < 0 ? errno : EBADMSG;
			r[p].skipped = ret < 0 && no_room(errno);
			in[p] = false;
		} else {
			live++;
		}
	}

	start = now_ns();
	while (live && n < MAX_RUNS &&
	       (n < MIN_RUNS || now_ns() - start < budget_ns * live)) {
		for (p = 0; p < NR_PATHS; p++) {
			if (!in[p])
				continue;
			t0 = now_ns();
			ret = one_add(arr, p, k++, &call_ns);
			if (ret) {
				r[p].err = ret < 0 ? errno : EBADMSG;
				r[p].skipped = ret < 0 && no_room(errno);
				in[p] = false;
				live--;
				continue;
			}
			total[p][n] = now_ns() - t0;
			call[p][n] = call_ns;
		}
		n++;
	}
	for (p = 0; p < NR_PATHS; p++) {
		if (!in[p])
			continue;
		r[p].done = true;
		r[p].runs = n;
		r[p].total_ns = median(total[p], n);
		r[p].call_ns = median(call[p], n);
	}
	teardown(arr);
}

static void print_row(const char *size, uint64_t bytes, enum path path,
		      const struct row *r)
{
	char total[32], call[32], setup_t[32] = "-", segs[32] = "-";

	if (!r->done) {
		if (r->skipped && r->err == ENODEV)
			printf("%-8s  %-11s  skipped: no second dmaadd device"
			       " to export the dma-buf\n", size,
			       path_names[path]);
		else if (r->skipped)
			printf("%-8s  %-11s  skipped: %s (no room for three"
			       " buffers of this size here)\n", size,
			       path_names[path], strerror(r->err));
		else if (r->err == EBADMSG)
			printf("%-8s  %-11s  FAIL: wrong result in c\n", size,
			       path_names[path]);
		else
			printf("%-8s  %-11s  FAIL: %s\n", size,
			       path_names[path], strerror(r->err));
		printf("csv,size,%" PRIu64 ",%s,,,0,,%s\n", bytes,
		       path_names[path], r->skipped ? "skipped" : "fail");
		return;
	}
	format_ns(total, sizeof(total), r->total_ns);
	format_ns(call, sizeof(call), r->call_ns);
	if (r->setup_ns >= 0)
		format_ns(setup_t, sizeof(setup_t), r->setup_ns);
	if (r->segs)
		snprintf(segs, sizeof(segs), "%" PRIu64, r->segs);
	printf("%-8s  %-11s  %10s  %10s  %5u  %10s  %5s\n", size,
	       path_names[path], total, call, r->runs, setup_t, segs);
	printf("csv,size,%" PRIu64 ",%s,%.0f,%.0f,%u,", bytes,
	       path_names[path], r->total_ns, r->call_ns, r->runs);
	if (r->setup_ns >= 0)
		printf("%.0f", r->setup_ns);
	printf(",ok\n");
}

static void print_ratio(const struct row *x, const struct row *y)
{
	char s[32];

	if (x->done && y->done && y->total_ns > 0 && y->call_ns > 0)
		snprintf(s, sizeof(s), "%.2f (%.2f)", x->total_ns / y->total_ns,
			 x->call_ns / y->call_ns);
	else
		snprintf(s, sizeof(s), "-");
	printf("  %-17s", s);
}

static struct row rows[MAX_SIZES][NR_PATHS];

static int bench_sizes(struct dmaadd_device *dev, struct dmaadd_device *peer,
		       const struct opts *o)
{
	struct arrays arr = { .dev = dev, .peer = peer };
	char size[32];
	unsigned int s;
	int p;

	printf("\n%-8s  %-11s  %10s  %10s  %5s  %10s  %5s\n", "size", "path",
	       "per add", "in call", "runs", "setup", "segs");
	printf("csv,kind,bytes,path,per_add_ns,in_call_ns,runs,setup_ns,"
	       "state\n");
	for (s = 0; s < o->nr_sizes; s++) {
		arr.count = o->sizes[s] / 4;
		format_size(size, sizeof(size), o->sizes[s]);
		arr.ma = malloc(o->sizes[s]);
		arr.mb = malloc(o->sizes[s]);
		arr.mc = malloc(o->sizes[s]);
		if (!arr.ma || !arr.mb || !arr.mc) {
			printf("%-8s  cannot allocate 3 x %s\n", size, size);
			failures++;
		} else {
			measure_size(&arr, o->budget_ns, rows[s]);
			for (p = 0; p < NR_PATHS; p++) {
				print_row(size, o->sizes[s], p, &rows[s][p]);
				if (!rows[s][p].done && !rows[s][p].skipped)
					failures++;
			}
		}
		free(arr.ma);
		free(arr.mb);
		free(arr.mc);
		fflush(stdout);
	}

	printf("\nratios of the times per add (in the add call in parentheses);"
	       " > 1: the first is slower\n");
	printf("%-8s  %-17s  %-17s  %-17s  %-17s  %-17s\n", "size",
	       "copy/zero-copy", "userptr-pin/z-c", "userptr/zero-copy",
	       "dma-buf/zero-copy", "cpu/zero-copy");
	for (s = 0; s < o->nr_sizes; s++) {
		format_size(size, sizeof(size), o->sizes[s]);
		printf("%-8s", size);
		print_ratio(&rows[s][PATH_COPY], &rows[s][PATH_ZERO_COPY]);
		print_ratio(&rows[s][PATH_USERPTR_PIN],
			    &rows[s][PATH_ZERO_COPY]);
		print_ratio(&rows[s][PATH_USERPTR], &rows[s][PATH_ZERO_COPY]);
		print_ratio(&rows[s][PATH_DMABUF], &rows[s][PATH_ZERO_COPY]);
		print_ratio(&rows[s][PATH_CPU], &rows[s][PATH_ZERO_COPY]);
		printf("\n");
	}

	printf("\nzero copy pays for its setup after (setup / (copy - zero-copy"
	       " per add)) adds:\n");
	for (s = 0; s < o->nr_sizes; s++) {
		const struct row *c = &rows[s][PATH_COPY];
		const struct row *z = &rows[s][PATH_ZERO_COPY];
		const struct row *u = &rows[s][PATH_USERPTR];

		format_size(size, sizeof(size), o->sizes[s]);
		printf("%-8s", size);
		if (c->done && z->done && c->total_ns > z->total_ns)
			printf("  zero-copy %.1f", z->setup_ns /
			       (c->total_ns - z->total_ns));
		else
			printf("  zero-copy -");
		if (c->done && u->done && c->total_ns > u->total_ns)
			printf("  userptr %.1f", u->setup_ns /
			       (c->total_ns - u->total_ns));
		else
			printf("  userptr -");
		printf("\n");
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Per-job overhead                                                         */
/* ------------------------------------------------------------------------ */

static int raw_wait(int fd, uint64_t job_id)
{
	struct dmaadd_wait w = {
		.size = sizeof(w),
		.job_id = job_id,
		.timeout_ns = DMAADD_TIMEOUT_INFINITE,
	};

	if (ioctl(fd, DMAADD_IOCTL_WAIT, &w))
		return -1;
	if (w.status != DMAADD_JOB_OK) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static void raw_job(struct dmaadd_submit *s, uint32_t handle)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->op = DMAADD_OP_ADD_I32;
	s->count = 1;
	s->a.handle = s->b.handle = s->c.handle = handle;
	s->a.offset = 0;
	s->b.offset = 4;
	s->c.offset = 8;
}

/* The per-job numbers, for the targets. */
static double ov_null_ns = -1, ov_single_ns = -1, ov_batch_ns = -1;

static void print_overhead(const char *key, const char *what, double ns,
			   double null_ns)
{
	char t[32];

	format_ns(t, sizeof(t), ns);
	printf("  %-44s %10s  %6.2f x null\n", what, t, ns / null_ns);
	printf("csv,overhead,4,%s,%.1f,,,,ok\n", key, ns);
}

static int bench_overhead(struct dmaadd_device *dev, uint32_t max_jobs,
			  const struct opts *o)
{
	static struct dmaadd_submit jobs[BATCH];
	struct dmaadd_job_desc descs[BATCH];
	const struct dmaadd_job_desc *dptrs[BATCH];
	struct dmaadd_submit_batch batch = {
		.size = sizeof(batch),
		.stride = sizeof(struct dmaadd_submit),
		.jobs_ptr = (uint64_t)(uintptr_t)jobs,
	};
	struct dmaadd_info info;
	struct dmaadd_buffer *buf;
	struct dmaadd_submit one;
	uint64_t start, t0, in_call = 0, n, first;
	double null_ns, single_ns, batch_ns, batch_call_ns, lib_ns;
	unsigned int i, nb = max_jobs < BATCH ? max_jobs : BATCH;
	int fd = dmaadd_device_get_fd(dev);
	uint32_t *map, h;
	char what[64];

	buf = dmaadd_buffer_alloc(dev, 4096);
	if (!buf) {
		printf("overhead: cannot allocate a buffer: %s\n",
		       strerror(errno));
		return -1;
	}
	map = dmaadd_buffer_get_data(buf);
	h = dmaadd_buffer_get_handle(buf);

	/* Null ioctl: INFO, in rounds of 1000 calls. */
	n = 0;
	start = now_ns();
	do {
		for (i = 0; i < 1000; i++) {
			memset(&info, 0, sizeof(info));
			info.size = sizeof(info);
			if (ioctl(fd, DMAADD_IOCTL_INFO, &info))
				goto err;
		}
		n += 1000;
	} while (now_ns() - start < o->budget_ns);
	null_ns = (double)(now_ns() - start) / n;

	/* One SUBMIT + WAIT at a time. */
	raw_job(&one, h);
	n = 0;
	start = now_ns();
	do {
		one.job_id = 0;
		if (ioctl(fd, DMAADD_IOCTL_SUBMIT, &one) ||
		    raw_wait(fd, one.job_id))
			goto err;
		n++;
	} while (now_ns() - start < o->budget_ns || n < 100);
	single_ns = (double)(now_ns() - start) / n;

	/* Batches, each followed by a WAIT for its last job. */
	for (i = 0; i < nb; i++)
		raw_job(&jobs[i], h);
	batch.count = nb;
	n = 0;
	start = now_ns();
	do {
		t0 = now_ns();
		if (ioctl(fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch))
			goto err;
		in_call += now_ns() - t0;
		if (raw_wait(fd, batch.first_job_id + nb - 1))
			goto err;
		n += nb;
	} while (now_ns() - start < o->budget_ns || n < 100 * nb);
	batch_ns = (double)(now_ns() - start) / n;
	batch_call_ns = (double)in_call / n;

	/* The same through libdmaadd. */
	for (i = 0; i < nb; i++) {
		descs[i] = (struct dmaadd_job_desc){
			.size = sizeof(descs[i]),
			.op = DMAADD_OP_ADD_I32,
			.count = 1,
			.a = { .buffer = buf, .offset = 0 },
			.b = { .buffer = buf, .offset = 4 },
			.c = { .buffer = buf, .offset = 8 },
		};
		dptrs[i] = &descs[i];
	}
	n = 0;
	start = now_ns();
	do {
		if (dmaadd_device_submit_batch(dev, dptrs, nb, &first, NULL,
					       NULL) ||
		    dmaadd_device_wait(dev, first + nb - 1,
				       DMAADD_WAIT_FOREVER, NULL))
			goto err;
		n += nb;
	} while (now_ns() - start < o->budget_ns || n < 100 * nb);
	lib_ns = (double)(now_ns() - start) / n;

	printf("\nper-job overhead, one-element jobs (per job; x null: over a"
	       " null ioctl)\n");
	print_overhead("null", "null ioctl (DMAADD_IOCTL_INFO)", null_ns,
		       null_ns);
	print_overhead("single", "SUBMIT + WAIT, one job at a time",
		       single_ns, null_ns);
	snprintf(what, sizeof(what), "SUBMIT_BATCH of %u + WAIT for the last",
		 nb);
	print_overhead("batch", what, batch_ns, null_ns);
	print_overhead("batch-call", "  of which inside SUBMIT_BATCH",
		       batch_call_ns, null_ns);
	snprintf(what, sizeof(what), "the same through libdmaadd (%u jobs)",
		 nb);
	print_overhead("batch-lib", what, lib_ns, null_ns);
	ov_null_ns = null_ns;
	ov_single_ns = single_ns;
	ov_batch_ns = batch_ns;

	/* And the jobs do run: c = a + b on the first elements. */
	map[0] = 20;
	map[1] = 22;
	map[2] = 0;
	batch.count = 1;
	if (ioctl(fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch) ||
	    raw_wait(fd, batch.first_job_id))
		goto err;
	if (map[2] != 42) {
		printf("overhead: FAIL: a batched job computed %" PRIu32
		       ", not 42\n", map[2]);
		failures++;
	}
	dmaadd_buffer_free(buf);
	return 0;

err:
	printf("overhead: FAIL: %s\n", strerror(errno));
	failures++;
	dmaadd_buffer_free(buf);
	return -1;
}


/* ------------------------------------------------------------------------ */
/* Cost of an alloc + submit + free with many buffers live                  */
/* ------------------------------------------------------------------------ */

static double live_small_ns = -1, live_large_ns = -1;
static unsigned long live_large_count;

/*
 * One 4 KiB BUF_ALLOC (not mapped), a one-element SUBMIT on it, WAIT,
 * BUF_FREE, repeated for @budget_ns; returns ns per op or -1 with errno.
 */
static double live_op(int fd, uint64_t budget_ns)
{
	struct dmaadd_buf_alloc al;
	struct dmaadd_buf_free fr;
	struct dmaadd_submit sub;
	uint64_t start, n = 0;

	start = now_ns();
	do {
		memset(&al, 0, sizeof(al));
		al.size = sizeof(al);
		al.length = 4096;
		if (ioctl(fd, DMAADD_IOCTL_BUF_ALLOC, &al))
			return -1;
		raw_job(&sub, al.handle);
		if (ioctl(fd, DMAADD_IOCTL_SUBMIT, &sub) ||
		    raw_wait(fd, sub.job_id)) {
			int e = errno;

			fr = (struct dmaadd_buf_free){ .size = sizeof(fr),
						       .handle = al.handle };
			ioctl(fd, DMAADD_IOCTL_BUF_FREE, &fr);
			errno = e;
			return -1;
		}
		fr = (struct dmaadd_buf_free){ .size = sizeof(fr),
					       .handle = al.handle };
		if (ioctl(fd, DMAADD_IOCTL_BUF_FREE, &fr))
			return -1;
		n++;
	} while (now_ns() - start < budget_ns || n < 200);
	return (double)(now_ns() - start) / n;
}

/*
 * Registers one page of user memory over and over (BUF_USERPTR: a handle
 * and a pin each, but no new memory) until @target buffers are live in
 * the file; returns how many are live.
 */
static unsigned long live_fill(int fd, void *page, unsigned long have,
			       unsigned long target)
{
	struct dmaadd_buf_userptr up;

	while (have < target) {
		memset(&up, 0, sizeof(up));
		up.size = sizeof(up);
		up.addr = (uint64_t)(uintptr_t)page;
		up.length = 4096;
		if (ioctl(fd, DMAADD_IOCTL_BUF_USERPTR, &up))
			break;
		have++;
	}
	return have;
}

static void bench_live(const char *path, const struct opts *o)
{
	struct dmaadd_device *dev;
	unsigned long have = 0;
	uint64_t t0;
	double fill_s;
	void *page = NULL;
	char t1[32], t2[32];
	int fd;

	if (!o->live)
		return;
	/* A file of its own: only these buffers are live in it. */
	dev = dmaadd_device_open(path);
	if (!dev || posix_memalign(&page, 4096, 4096)) {
		printf("\nlive buffers: cannot open %s: %s\n", path,
		       strerror(errno));
		failures++;
		dmaadd_device_close(dev);
		return;
	}
	memset(page, 0, 4096);
	fd = dmaadd_device_get_fd(dev);

	printf("\nalloc (4 KiB) + SUBMIT + WAIT + free, per op, with N other"
	       " buffers live in the file\n(each a BUF_USERPTR of the same"
	       " page: a handle, no new memory)\n");
	have = live_fill(fd, page, 0, LIVE_SMALL);
	if (have < LIVE_SMALL ||
	    (live_small_ns = live_op(fd, o->budget_ns)) < 0) {
		printf("  FAIL at %lu live: %s\n", have, strerror(errno));
		failures++;
		goto out;
	}
	t0 = now_ns();
	have = live_fill(fd, page, have, o->live);
	fill_s = (double)(now_ns() - t0) / 1e9;
	if (have < o->live)
		printf("  note: only %lu buffers could be registered (%s);"
		       " measuring at %lu\n", have, strerror(errno), have);
	live_large_count = have;
	live_large_ns = live_op(fd, o->budget_ns);
	if (live_large_ns < 0) {
		printf("  FAIL at %lu live: %s\n", have, strerror(errno));
		failures++;
		goto out;
	}
	format_ns(t1, sizeof(t1), live_small_ns);
	format_ns(t2, sizeof(t2), live_large_ns);
	printf("  %7d live  %10s\n  %7lu live  %10s  (%.2f x; %.1f s to"
	       " register them)\n", LIVE_SMALL, t1, have, t2,
	       live_large_ns / live_small_ns, fill_s);
	printf("csv,live,%d,op,%.0f,,,,ok\n", LIVE_SMALL, live_small_ns);
	printf("csv,live,%lu,op,%.0f,,,,ok\n", have, live_large_ns);
out:
	/* Closing the file frees every buffer in it. */
	dmaadd_device_close(dev);
	free(page);
}

/* ------------------------------------------------------------------------ */
/* Targets                                                                  */
/* ------------------------------------------------------------------------ */

static void target(const char *key, const char *what, double measured,
		   double goal, bool at_least)
{
	const char *verdict;

	if (measured < 0)
		verdict = "n/a";
	else if (at_least ? measured >= goal : measured <= goal)
		verdict = "PASS";
	else
		verdict = "MISS";
	if (measured < 0)
		printf("  %-58s %8s  %s %.2f  %s\n", what, "-",
		       at_least ? ">=" : "<=", goal, verdict);
	else
		printf("  %-58s %8.2f  %s %.2f  %s\n", what, measured,
		       at_least ? ">=" : "<=", goal, verdict);
	printf("csv,target,,%s,%.3f,%.2f,,,%s\n", key, measured, goal,
	       verdict);
}

static double row_ratio(unsigned int s, enum path x, enum path y)
{
	const struct row *a = &rows[s][x], *b = &rows[s][y];

	if (!a->done || !b->done || b->call_ns <= 0)
		return -1;
	return a->call_ns / b->call_ns;
}

/*
 * The smallest x/y ratio (times in the add call) over the sizes of at
 * least @min bytes, or -1; its size into @at.
 */
static double worst_ratio(const struct opts *o, uint64_t min, enum path x,
			  enum path y, char *at, size_t len)
{
	double worst = -1, r;
	unsigned int s;

	snprintf(at, len, "no size");
	for (s = 0; s < o->nr_sizes; s++) {
		if (o->sizes[s] < min)
			continue;
		r = row_ratio(s, x, y);
		if (r < 0)
			continue;
		if (worst < 0 || r < worst) {
			worst = r;
			format_size(at, len, o->sizes[s]);
		}
	}
	return worst;
}

static void print_targets(const struct opts *o)
{
	double r = -1;
	unsigned int s;
	char at[32], what[96];

	printf("\ntargets (issue #6), from the times in the add call; a MISS"
	       " is reported, not failed.\nUnder TCG these say little about"
	       " hardware (docs/bench.md).\n");
	for (s = 0; s < o->nr_sizes; s++)
		if (o->sizes[s] == 16ULL << 20)
			r = row_ratio(s, PATH_COPY, PATH_ZERO_COPY);
	target("copy/zero-copy@16M", "copy path / zero copy, job time at 16 MiB",
	       r, 1.8, true);
	r = worst_ratio(o, 1ULL << 20, PATH_CPU, PATH_ZERO_COPY, at,
			sizeof(at));
	snprintf(what, sizeof(what), "engine speed / CPU loop, >= 1 MiB"
		 " (worst: %s)", at);
	target("cpu/zero-copy>=1M", what, r, 0.9, true);
	r = worst_ratio(o, 0, PATH_ZERO_COPY, PATH_USERPTR, at, sizeof(at));
	snprintf(what, sizeof(what), "userptr (registered) / coherent speed"
		 " (worst: %s)", at);
	target("zero-copy/userptr", what, r, 0.9, true);
	target("batch/null", "batched per-job time / null ioctl",
	       ov_null_ns > 0 && ov_batch_ns > 0 ? ov_batch_ns / ov_null_ns :
						   -1, 2.0, false);
	snprintf(what, sizeof(what), "alloc+submit+free at %lu live / at %d"
		 " live", live_large_count, LIVE_SMALL);
	target("live-large/live-small", what,
	       live_small_ns > 0 && live_large_ns > 0 ?
	       live_large_ns / live_small_ns : -1, 1.3, false);
}

/* ------------------------------------------------------------------------ */

static int bench_device(const char *path, const char *peer_path,
			const struct opts *o)
{
	struct dmaadd_device_info *info;
	struct dmaadd_device *dev, *peer = NULL;
	uint64_t max = 0;
	unsigned int s;
	int ret = EXIT_PASS;

	dev = dmaadd_device_open(path);
	if (!dev) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(err));
		cli_open_hint(stderr, progname, path, err);
		return EXIT_ERROR;
	}
	info = dmaadd_device_get_info(dev);
	if (!info) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
			strerror(errno));
		dmaadd_device_close(dev);
		return EXIT_ERROR;
	}
	printf("\n=== %s: %s backend, %s, %s; module API %" PRIu32
	       ", libdmaadd %s\n", path,
	       dmaadd_device_info_get_backend_name(info),
	       dmaadd_device_info_has_iommu(info) ? "behind an IOMMU (IOVAs)" :
						    "no IOMMU",
	       dmaadd_device_info_has_bounce(info) ?
		"streaming DMA bounced (swiotlb)" : "no bounce buffering",
	       dmaadd_device_info_get_api_version(info),
	       dmaadd_library_version());

	max = dmaadd_device_info_get_max_buffer_size(info);
	for (s = 0; s < o->nr_sizes; s++) {
		if (o->sizes[s] > max) {
			fprintf(stderr, "%s: size %" PRIu64 " is above the"
				" device's max buffer size, %" PRIu64 "\n",
				progname, o->sizes[s], max);
			ret = EXIT_USAGE;
			goto out;
		}
	}
	if (peer_path) {
		peer = dmaadd_device_open(peer_path);
		if (!peer)
			fprintf(stderr, "%s: %s: %s (no dma-buf rows)\n",
				progname, peer_path, strerror(errno));
	}
	printf("dma-buf rows: buffers allocated on %s, exported, imported"
	       " into %s\n", peer ? peer_path : "(no other device)", path);
	ov_null_ns = ov_single_ns = ov_batch_ns = -1;
	live_small_ns = live_large_ns = -1;
	live_large_count = 0;
	bench_sizes(dev, peer, o);
	dmaadd_device_close(peer);
	bench_overhead(dev, dmaadd_device_info_get_max_jobs_in_flight(info),
		       o);
	bench_live(path, o);
	print_targets(o);
out:
	dmaadd_device_info_free(info);
	dmaadd_device_close(dev);
	return ret;
}

int main(int argc, char **argv)
{
	struct dmaadd_device_list *list = NULL;
	struct opts o;
	char path[64];
	size_t i, n;
	int ret;

	/* Line by line, also into a file or a serial port. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret < 0 ? EXIT_PASS : ret;

	printf("dmaadd_bench: c[i] = a[i] + b[i] over int32 arrays, per add:\n"
	       "  per add  = store a and b + the add + read and check every"
	       " element of c\n"
	       "  in call  = the add call alone: copy: SUBMIT_COPY (copy in,"
	       " job, wait,\n"
	       "             copy out); zero-copy, userptr: SUBMIT + WAIT;"
	       " cpu: the loop\n"
	       "  zero-copy: BUF_ALLOC buffers, filled and read through their"
	       " mappings;\n"
	       "  copy: malloc()ed arrays; userptr-pin: the malloc()ed arrays"
	       " registered\n"
	       "  (pinned) and freed in every add call; userptr: registered"
	       " once;\n"
	       "  dma-buf: buffers of another dmaadd device, exported and"
	       " imported;\n"
	       "  cpu: the malloc()ed arrays\n"
	       "  setup    = once per size, not in the rows: 3 x BUF_ALLOC +"
	       " mmap, or\n"
	       "             3 x BUF_USERPTR (pin + map), or 3 x (alloc on the"
	       " other\n"
	       "             device + export + import)\n"
	       "  segs     = DMA segments the device walks for one array"
	       " (BUF_QUERY)\n"
	       "  runs     = timed runs per row, the rows of a size"
	       " taking turns (at\n"
	       "             least %d, and %.0f ms per row); each row is the"
	       " median of its runs,\n"
	       "             after one untimed warm-up run\n",
	       MIN_RUNS, o.budget_ns / 1e6);

	list = dmaadd_device_list_new(NULL);
	n = list ? dmaadd_device_list_get_count(list) : 0;
	if (o.device >= 0) {
		const char *peer = NULL;

		snprintf(path, sizeof(path), "/dev/dmaadd%ld", o.device);
		for (i = 0; i < n && !peer; i++)
			if (strcmp(dmaadd_device_list_get_path(list, i), path))
				peer = dmaadd_device_list_get_path(list, i);
		ret = bench_device(path, peer, &o);
	} else {
		if (!n) {
			fprintf(stderr, "%s: no dmaadd device in /dev (is the"
				" module loaded?)\n", progname);
			dmaadd_device_list_free(list);
			return EXIT_ERROR;
		}
		/* The peer exports the dma-buf rows' buffers. */
		for (i = 0; i < (o.all ? n : 1) && ret != EXIT_USAGE; i++) {
			int r = bench_device(dmaadd_device_list_get_path(list,
									 i),
					     n > 1 ? dmaadd_device_list_get_path(
						     list, (i + 1) % n) : NULL,
					     &o);

			if (r > ret)
				ret = r;
		}
	}
	dmaadd_device_list_free(list);
	if (ret)
		return ret;
	if (failures) {
		printf("\nFAIL: %d row(s) failed\n", failures);
		return EXIT_FAIL;
	}
	printf("\nPASS: every result checked\n");
	return EXIT_PASS;
}
