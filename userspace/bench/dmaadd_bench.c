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
 * one-time cost is printed as "setup". The six ways take turns, one run
 * each, so that whatever else the machine does slows all of them alike;
 * each row is the median of its runs, after one untimed warm-up run.
 *
 * Then the per-job overhead against a null ioctl (DMAADD_IOCTL_INFO):
 * one-element jobs one SUBMIT + WAIT at a time and in SUBMIT_BATCHes of
 * 64 (raw ioctl and through libdmaadd), and the 4 KiB round trip, one
 * SUBMIT + WAIT of 1024 elements at a time; and the cost of one 4 KiB
 * BUF_ALLOC + SUBMIT + WAIT + BUF_FREE with 1000 and with 100000 (--live)
 * other buffers live in the file. Those are one-page BUF_USERPTRs of the
 * same page: a handle each, no new memory.
 *
 * With --busy, after all that: a process spinning on every online CPU,
 * each pinned to its CPU, and the overhead rows, the 1 MiB rows and the
 * live-buffer rows once more under that load, as a second set labelled
 * busy. On a loaded machine every wake-up (the engine's at the doorbell,
 * the waiter's at the end of a job) waits for the scheduler to preempt
 * a spinner; the busy set shows what that costs.
 *
 * Last, the measured ratios next to the targets of issue #17, PASS, MISS
 * or n/a; a MISS does not fail the run. Every number is also on a line
 * starting "csv," (tests/vm.sh bench collects them into bench.csv;
 * docs/bench.md).
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
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
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
#define JOB_4K_COUNT 1024	/* int32 elements of the 4 KiB round trip */
#define BUSY_SIZE (1ULL << 20)	/* the size rows measured again busy */
#define NSEC_PER_SEC 1000000000ULL
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

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

/*
 * The two sets of measurements: quiet (the machine as it is) and busy
 * (--busy: a process spinning on every online CPU). A busy row's csv kind
 * is its quiet kind with this suffix.
 */
enum set {
	QUIET,
	BUSY,
	NR_SETS,
};

static const char *const set_suffix[NR_SETS] = {
	[QUIET] = "",
	[BUSY] = "-busy",
};

struct opts {
	long device;
	uint64_t sizes[MAX_SIZES];
	unsigned int nr_sizes;
	uint64_t budget_ns;
	unsigned long live;	/* live buffers of the large count */
	bool all;		/* every device, not only the first */
	bool busy;		/* the busy set after the quiet one */
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
		"       [--live N] [--busy]\n"
		"       %s --help | --version\n"
		"\n"
		"Times c[i] = a[i] + b[i] for several array sizes: zero copy\n"
		"(mapped device buffers + SUBMIT + WAIT), the copying path\n"
		"(SUBMIT_COPY on malloc()ed arrays), user memory pinned per\n"
		"add (BUF_USERPTR + SUBMIT + WAIT + BUF_FREE) and registered\n"
		"once, a dma-buf exported by another dmaadd device and imported,\n"
		"and a CPU loop, with the ratios; then the per-job overhead of\n"
		"one-element jobs and of a 4 KiB job against a null ioctl, and\n"
		"the cost of an alloc + submit + free with 1000 and with N\n"
		"buffers live; with --busy, the overhead, 1 MiB and live rows\n"
		"again with every CPU busy; then the measured ratios against\n"
		"the targets (MISS is reported, not failed). Lines starting\n"
		"\"csv,\" carry every number. Every result is checked.\n"
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
		"  -b, --busy       then start a process spinning on every\n"
		"                   online CPU (pinned to it, same nice value)\n"
		"                   and measure the overhead rows, the 1 MiB\n"
		"                   rows and the live rows again, labelled\n"
		"                   busy; the processes are killed at the end\n"
		"  -V, --version    this program's, libdmaadd's and the\n"
		"                   running module's API version\n"
		"  -h, --help       this help\n"
		"\n"
		"Exit status: 0 every result right, 1 a wrong result, a\n"
		"failed job or --busy's processes could not be started,\n"
		"2 usage, 3 no device or a device unusable.\n",
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
		{ "busy", no_argument, NULL, 'b' },
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
	o->busy = false;
	/* Every message starts "dmaadd_bench:", getopt's too. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:s:t:al:bhV", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'b':
			o->busy = true;
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

static void print_row(enum set set, const char *size, uint64_t bytes,
		      enum path path, const struct row *r)
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
		printf("csv,size%s,%" PRIu64 ",%s,,,0,,%s\n", set_suffix[set],
		       bytes, path_names[path],
		       r->skipped ? "skipped" : "fail");
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
	printf("csv,size%s,%" PRIu64 ",%s,%.0f,%.0f,%u,", set_suffix[set],
	       bytes, path_names[path], r->total_ns, r->call_ns, r->runs);
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

/* The rows of each set and size; the busy set has the BUSY_SIZE ones. */
static struct row rows[NR_SETS][MAX_SIZES][NR_PATHS];

static void print_rows_header(void)
{
	printf("%-8s  %-11s  %10s  %10s  %5s  %10s  %5s\n", "size", "path",
	       "per add", "in call", "runs", "setup", "segs");
}

/* Measures and prints the rows of size @s into rows[@set][@s]. */
static void bench_size(struct arrays *arr, const struct opts *o,
		       unsigned int s, enum set set)
{
	struct row *r = rows[set][s];
	char size[32];
	int p;

	memset(r, 0, NR_PATHS * sizeof(*r));
	arr->count = o->sizes[s] / 4;
	format_size(size, sizeof(size), o->sizes[s]);
	arr->ma = malloc(o->sizes[s]);
	arr->mb = malloc(o->sizes[s]);
	arr->mc = malloc(o->sizes[s]);
	if (!arr->ma || !arr->mb || !arr->mc) {
		printf("%-8s  cannot allocate 3 x %s\n", size, size);
		failures++;
	} else {
		measure_size(arr, o->budget_ns, r);
		for (p = 0; p < NR_PATHS; p++) {
			print_row(set, size, o->sizes[s], p, &r[p]);
			if (!r[p].done && !r[p].skipped)
				failures++;
		}
	}
	free(arr->ma);
	free(arr->mb);
	free(arr->mc);
	arr->ma = arr->mb = arr->mc = NULL;
	fflush(stdout);
}

static int bench_sizes(struct dmaadd_device *dev, struct dmaadd_device *peer,
		       const struct opts *o)
{
	struct arrays arr = { .dev = dev, .peer = peer };
	char size[32];
	unsigned int s;

	printf("\n");
	print_rows_header();
	printf("csv,kind,bytes,path,per_add_ns,in_call_ns,runs,setup_ns,"
	       "state\n");
	for (s = 0; s < o->nr_sizes; s++)
		bench_size(&arr, o, s, QUIET);

	printf("\nratios of the times per add (in the add call in parentheses);"
	       " > 1: the first is slower\n");
	printf("%-8s  %-17s  %-17s  %-17s  %-17s  %-17s\n", "size",
	       "copy/zero-copy", "userptr-pin/z-c", "userptr/zero-copy",
	       "dma-buf/zero-copy", "cpu/zero-copy");
	for (s = 0; s < o->nr_sizes; s++) {
		const struct row *r = rows[QUIET][s];

		format_size(size, sizeof(size), o->sizes[s]);
		printf("%-8s", size);
		print_ratio(&r[PATH_COPY], &r[PATH_ZERO_COPY]);
		print_ratio(&r[PATH_USERPTR_PIN], &r[PATH_ZERO_COPY]);
		print_ratio(&r[PATH_USERPTR], &r[PATH_ZERO_COPY]);
		print_ratio(&r[PATH_DMABUF], &r[PATH_ZERO_COPY]);
		print_ratio(&r[PATH_CPU], &r[PATH_ZERO_COPY]);
		printf("\n");
	}

	printf("\nzero copy pays for its setup after (setup / (copy - zero-copy"
	       " per add)) adds:\n");
	for (s = 0; s < o->nr_sizes; s++) {
		const struct row *c = &rows[QUIET][s][PATH_COPY];
		const struct row *z = &rows[QUIET][s][PATH_ZERO_COPY];
		const struct row *u = &rows[QUIET][s][PATH_USERPTR];

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

/* The overhead rows, in the order they are printed; csv path names. */
enum ov {
	OV_NULL,
	OV_SINGLE,
	OV_SINGLE_4K,
	OV_BATCH,
	OV_BATCH_CALL,
	OV_BATCH_LIB,
	OV_PEEK_4K,
	NR_OV,
};

static const char *const ov_keys[NR_OV] = {
	[OV_NULL] = "null",
	[OV_SINGLE] = "single",
	[OV_SINGLE_4K] = "single-4k",
	[OV_BATCH] = "batch",
	[OV_BATCH_CALL] = "batch-call",
	[OV_BATCH_LIB] = "batch-lib",
	[OV_PEEK_4K] = "peek-4k",
};

/* ns per job of each set, for the targets; -1: not measured. */
static double ov_ns[NR_SETS][NR_OV];

static void print_overhead(enum set set, enum ov key, uint64_t bytes,
			   const char *what)
{
	const double *ov = ov_ns[set], *q = ov_ns[QUIET];
	char t[32];

	format_ns(t, sizeof(t), ov[key]);
	printf("  %-44s %10s  %6.2f x null", what, t, ov[key] / ov[OV_NULL]);
	if (set != QUIET && key != OV_NULL && q[OV_NULL] > 0 && q[key] > 0)
		printf("  (quiet %.2f x: busy/quiet %.2f)",
		       q[key] / q[OV_NULL],
		       (ov[key] / ov[OV_NULL]) / (q[key] / q[OV_NULL]));
	printf("\n");
	printf("csv,overhead%s,%" PRIu64 ",%s,%.1f,,,,ok\n", set_suffix[set],
	       bytes, ov_keys[key], ov[key]);
}

/*
 * The per-job overhead rows, into ov_ns[@set]. One-element jobs use one
 * buffer (a, b, c are its first three elements); the 4 KiB round trip
 * three buffers of 1024 elements, filled once and checked after its
 * timed loop.
 */
static int bench_overhead(struct dmaadd_device *dev, uint32_t max_jobs,
			  const struct opts *o, enum set set)
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
	struct dmaadd_buffer *buf, *buf4k[3] = { NULL, NULL, NULL };
	struct dmaadd_submit one;
	uint64_t start, t0, in_call = 0, n, first, bad;
	double ns[NR_OV];
	unsigned int i, nb = max_jobs < BATCH ? max_jobs : BATCH;
	int fd = dmaadd_device_get_fd(dev);
	uint32_t *map, *a4k, *b4k, *c4k, h;
	const uint32_t k4k = 4096;	/* the values of the 4 KiB job */
	const char *label = set == BUSY ? "busy: " : "";
	char what[64];
	enum ov key;

	buf = dmaadd_buffer_alloc(dev, 4096);
	for (i = 0; buf && i < 3; i++) {
		buf4k[i] = dmaadd_buffer_alloc(dev, JOB_4K_COUNT * 4);
		if (!buf4k[i])
			break;
	}
	if (!buf || i < 3) {
		printf("%soverhead: cannot allocate a buffer: %s\n", label,
		       strerror(errno));
		for (i = 0; i < 3; i++)
			dmaadd_buffer_free(buf4k[i]);
		dmaadd_buffer_free(buf);
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
	ns[OV_NULL] = (double)(now_ns() - start) / n;

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
	ns[OV_SINGLE] = (double)(now_ns() - start) / n;

	/*
	 * The 4 KiB round trip: one SUBMIT + WAIT of 1024 elements at a
	 * time, on three BUF_ALLOC buffers. Every job computes the same c,
	 * which starts zeroed and is checked once after the loop.
	 */
	a4k = dmaadd_buffer_get_data(buf4k[0]);
	b4k = dmaadd_buffer_get_data(buf4k[1]);
	c4k = dmaadd_buffer_get_data(buf4k[2]);
	fill(a4k, b4k, JOB_4K_COUNT, k4k);
	memset(c4k, 0, JOB_4K_COUNT * 4);
	memset(&one, 0, sizeof(one));
	one.size = sizeof(one);
	one.op = DMAADD_OP_ADD_I32;
	one.count = JOB_4K_COUNT;
	one.a.handle = dmaadd_buffer_get_handle(buf4k[0]);
	one.b.handle = dmaadd_buffer_get_handle(buf4k[1]);
	one.c.handle = dmaadd_buffer_get_handle(buf4k[2]);
	n = 0;
	start = now_ns();
	do {
		one.job_id = 0;
		if (ioctl(fd, DMAADD_IOCTL_SUBMIT, &one) ||
		    raw_wait(fd, one.job_id))
			goto err;
		n++;
	} while (now_ns() - start < o->budget_ns || n < 100);
	ns[OV_SINGLE_4K] = (double)(now_ns() - start) / n;
	bad = check(c4k, JOB_4K_COUNT, k4k);
	if (bad) {
		printf("%soverhead: FAIL: the 4 KiB job computed %" PRIu64
		       " of %d elements wrong\n", label, bad, JOB_4K_COUNT);
		failures++;
	}

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
	ns[OV_BATCH] = (double)(now_ns() - start) / n;
	ns[OV_BATCH_CALL] = (double)in_call / n;

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
	ns[OV_BATCH_LIB] = (double)(now_ns() - start) / n;

	/*
	 * The 4 KiB job through libdmaadd, done when dmaadd_device_peek()
	 * says so: the completion page, no WAIT. A job the engine's thread
	 * runs is spun on for up to a second, then waited for.
	 */
	{
		struct dmaadd_job_desc d4k = {
			.size = sizeof(d4k),
			.op = DMAADD_OP_ADD_I32,
			.count = JOB_4K_COUNT,
			.a = { .buffer = buf4k[0] },
			.b = { .buffer = buf4k[1] },
			.c = { .buffer = buf4k[2] },
		};
		uint64_t id, spin0;
		uint32_t st;

		memset(c4k, 0, JOB_4K_COUNT * 4);
		n = 0;
		start = now_ns();
		do {
			if (dmaadd_device_submit(dev, &d4k, &id))
				goto err;
			spin0 = now_ns();
			while (dmaadd_device_peek(dev, id, &st)) {
				if (errno != EAGAIN)
					goto err;
				if (now_ns() - spin0 > 1000000000ULL &&
				    dmaadd_device_wait(dev, id,
						       DMAADD_WAIT_FOREVER,
						       &st))
					goto err;
			}
			n++;
		} while (now_ns() - start < o->budget_ns || n < 100);
		ns[OV_PEEK_4K] = (double)(now_ns() - start) / n;
		/* What peek said done is there, whole. */
		bad = check(c4k, JOB_4K_COUNT, k4k);
		if (bad) {
			printf("%soverhead: FAIL: the peeked 4 KiB job computed %"
			       PRIu64 " of %d elements wrong\n", label, bad,
			       JOB_4K_COUNT);
			failures++;
		}
	}

	for (key = 0; key < NR_OV; key++)
		ov_ns[set][key] = ns[key];
	printf("\n%sper-job overhead, one-element jobs unless said (per job;"
	       " x null: over a null ioctl)\n", label);
	print_overhead(set, OV_NULL, 4, "null ioctl (DMAADD_IOCTL_INFO)");
	print_overhead(set, OV_SINGLE, 4, "SUBMIT + WAIT, one job at a time");
	print_overhead(set, OV_SINGLE_4K, JOB_4K_COUNT * 4,
		       "SUBMIT + WAIT of a 4 KiB job (1024 elements)");
	snprintf(what, sizeof(what), "SUBMIT_BATCH of %u + WAIT for the last",
		 nb);
	print_overhead(set, OV_BATCH, 4, what);
	print_overhead(set, OV_BATCH_CALL, 4, "  of which inside SUBMIT_BATCH");
	snprintf(what, sizeof(what), "the same through libdmaadd (%u jobs)",
		 nb);
	print_overhead(set, OV_BATCH_LIB, 4, what);
	print_overhead(set, OV_PEEK_4K, JOB_4K_COUNT * 4,
		       "4 KiB job, libdmaadd: submit + peek (no WAIT)");

	/* And the jobs do run: c = a + b on the first elements. */
	map[0] = 20;
	map[1] = 22;
	map[2] = 0;
	batch.count = 1;
	if (ioctl(fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch) ||
	    raw_wait(fd, batch.first_job_id))
		goto err;
	if (map[2] != 42) {
		printf("%soverhead: FAIL: a batched job computed %" PRIu32
		       ", not 42\n", label, map[2]);
		failures++;
	}
	for (i = 0; i < 3; i++)
		dmaadd_buffer_free(buf4k[i]);
	dmaadd_buffer_free(buf);
	return 0;

err:
	printf("%soverhead: FAIL: %s\n", label, strerror(errno));
	failures++;
	for (i = 0; i < 3; i++)
		dmaadd_buffer_free(buf4k[i]);
	dmaadd_buffer_free(buf);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Cost of an alloc + submit + free with many buffers live                  */
/* ------------------------------------------------------------------------ */

/* ns per op of each set, -1: not measured; and the large count reached. */
static double live_small_ns[NR_SETS], live_large_ns[NR_SETS];
static unsigned long live_large_count[NR_SETS];

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

/*
 * The op with LIVE_SMALL and with the large count of buffers live: the
 * quiet set's is --live, the busy set's the count the quiet set reached.
 */
static void bench_live(const char *path, const struct opts *o, enum set set)
{
	struct dmaadd_device *dev;
	unsigned long have = 0, want;
	uint64_t t0;
	double fill_s, small_ns, large_ns;
	void *page = NULL;
	const char *label = set == BUSY ? "busy: " : "";
	char t1[32], t2[32];
	int fd;

	want = set == QUIET ? o->live : live_large_count[QUIET];
	if (!want) {
		if (set != QUIET && o->live)
			printf("\n%slive buffers: not measured (the quiet set"
			       " has no live rows)\n", label);
		return;
	}
	/* A file of its own: only these buffers are live in it. */
	dev = dmaadd_device_open(path);
	if (!dev || posix_memalign(&page, 4096, 4096)) {
		printf("\n%slive buffers: cannot open %s: %s\n", label, path,
		       strerror(errno));
		failures++;
		dmaadd_device_close(dev);
		return;
	}
	memset(page, 0, 4096);
	fd = dmaadd_device_get_fd(dev);

	printf("\n%salloc (4 KiB) + SUBMIT + WAIT + free, per op, with N"
	       " other buffers live in the file\n(each a BUF_USERPTR of the"
	       " same page: a handle, no new memory)\n", label);
	have = live_fill(fd, page, 0, LIVE_SMALL);
	if (have < LIVE_SMALL || (small_ns = live_op(fd, o->budget_ns)) < 0) {
		printf("  FAIL at %lu live: %s\n", have, strerror(errno));
		failures++;
		goto out;
	}
	live_small_ns[set] = small_ns;
	t0 = now_ns();
	have = live_fill(fd, page, have, want);
	fill_s = (double)(now_ns() - t0) / 1e9;
	if (have < want)
		printf("  note: only %lu buffers could be registered (%s);"
		       " measuring at %lu\n", have, strerror(errno), have);
	large_ns = live_op(fd, o->budget_ns);
	if (large_ns < 0) {
		printf("  FAIL at %lu live: %s\n", have, strerror(errno));
		failures++;
		goto out;
	}
	live_large_count[set] = have;
	live_large_ns[set] = large_ns;
	format_ns(t1, sizeof(t1), small_ns);
	format_ns(t2, sizeof(t2), large_ns);
	printf("  %7d live  %10s\n  %7lu live  %10s  (%.2f x; %.1f s to"
	       " register them)\n", LIVE_SMALL, t1, have, t2,
	       large_ns / small_ns, fill_s);
	printf("csv,live%s,%d,op,%.0f,,,,ok\n", set_suffix[set], LIVE_SMALL,
	       small_ns);
	printf("csv,live%s,%lu,op,%.0f,,,,ok\n", set_suffix[set], have,
	       large_ns);
out:
	/* Closing the file frees every buffer in it. */
	dmaadd_device_close(dev);
	free(page);
}

/* ------------------------------------------------------------------------ */
/* Busy: a process spinning on every online CPU                             */
/* ------------------------------------------------------------------------ */

/*
 * The busy processes, for busy_kill(), which the signal handler calls
 * too: busy_pids is set before the first fork, and nr_busy changes only
 * while busy_signals are blocked.
 */
static pid_t *busy_pids;
static volatile sig_atomic_t nr_busy;
static const int busy_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
static struct sigaction busy_old_sa[ARRAY_SIZE(busy_signals)];
static bool busy_handlers;	/* busy_old_sa holds what to restore */

/* What a busy process tells the bench once it runs pinned to its CPU. */
struct busy_ready {
	int cpu;
	int err;	/* 0, or the errno of prctl() or sched_setaffinity() */
};

/* Kills and reaps the busy processes. Async-signal-safe. */
static void busy_kill(void)
{
	int i, n = nr_busy, e = errno;

	for (i = 0; i < n; i++)
		kill(busy_pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		while (waitpid(busy_pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	nr_busy = 0;
	errno = e;
}

/*
 * A signal that ends the bench while the busy processes run: kill and
 * reap them, then die of the signal. SA_RESETHAND has restored its
 * default action; raised again, it is delivered when this returns.
 */
static void busy_on_signal(int sig)
{
	busy_kill();
	raise(sig);
}

static void busy_block(sigset_t *old)
{
	sigset_t set;
	unsigned int i;

	sigemptyset(&set);
	for (i = 0; i < ARRAY_SIZE(busy_signals); i++)
		sigaddset(&set, busy_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/*
 * A busy process: dies with the bench, however the bench ends (also by
 * SIGKILL, which no handler sees), pins itself to @cpu, reports through
 * @wfd and spins. It keeps the nice value it inherited.
 */
static void __attribute__((noreturn))
busy_child(pid_t parent, int cpu, const cpu_set_t *mask, size_t setsize,
	   int rfd, int wfd, const sigset_t *old)
{
	struct busy_ready ready = { .cpu = cpu };
	volatile uint64_t spins = 0;
	unsigned int i;

	/*
	 * The bench's handler is not for this process: back to what the
	 * bench had (the default action, or ignored), then unblock.
	 */
	for (i = 0; i < ARRAY_SIZE(busy_signals); i++)
		sigaction(busy_signals[i], &busy_old_sa[i], NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
	close(rfd);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		ready.err = errno;
	else if (getppid() != parent)
		_exit(0);	/* the bench died before prctl() */
	else if (sched_setaffinity(0, setsize, mask))
		ready.err = errno;
	if (write(wfd, &ready, sizeof(ready)) != sizeof(ready) || ready.err)
		_exit(1);
	close(wfd);
	/* volatile: every increment is a store, the loop stays. */
	for (;;)
		spins++;
}

static void busy_stop(void)
{
	sigset_t old;
	unsigned int i;

	busy_block(&old);
	busy_kill();
	if (busy_handlers)
		for (i = 0; i < ARRAY_SIZE(busy_signals); i++)
			sigaction(busy_signals[i], &busy_old_sa[i], NULL);
	busy_handlers = false;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(busy_pids);
	busy_pids = NULL;
}

/*
 * Starts a busy process for each online CPU, pinned to it, and waits
 * until each runs there. Only CPUs this process may use (its affinity
 * mask, which a cpuset may narrow) can be used. Returns how many, or -1
 * after saying why and stopping those it had started. Until busy_stop(),
 * SIGHUP, SIGINT, SIGQUIT and SIGTERM (those not ignored) kill and reap
 * them before the bench dies of the signal.
 */
static int busy_start(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t *allowed = NULL, *one = NULL;
	struct busy_ready ready;
	struct sigaction sa;
	sigset_t old;
	size_t setsize = 0;
	pid_t parent = getpid(), pid;
	const char *what = NULL;
	int fds[2] = { -1, -1 };
	int bits, want, cpu, n = 0, got = 0, err = 0, err_cpu = -1;
	unsigned int i;
	ssize_t len;

	if (online < 1)
		online = 1;
	/* A mask as large as the kernel's: EINVAL if it is too small. */
	for (bits = conf > CPU_SETSIZE ? conf : CPU_SETSIZE; ; bits *= 2) {
		allowed = CPU_ALLOC(bits);
		if (!allowed) {
			err = errno;
			what = "CPU_ALLOC";
			goto fail;
		}
		setsize = CPU_ALLOC_SIZE(bits);
		if (!sched_getaffinity(0, setsize, allowed))
			break;
		err = errno;
		CPU_FREE(allowed);
		allowed = NULL;
		if (err != EINVAL || bits >= 1 << 20) {
			what = "sched_getaffinity";
			goto fail;
		}
	}
	want = CPU_COUNT_S(setsize, allowed);
	if (want > online)
		want = online;
	if (want < online)
		printf("busy: note: %ld CPUs online, but this process may run"
		       " on %d of them only: a busy process on each of"
		       " those\n", online, want);

	busy_pids = calloc(want, sizeof(*busy_pids));
	one = CPU_ALLOC(bits);
	if (!busy_pids || !one) {
		err = ENOMEM;
		what = "allocating";
		goto fail;
	}
	if (pipe2(fds, O_CLOEXEC)) {
		err = errno;
		what = "pipe2";
		goto fail;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = busy_on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(busy_signals); i++)
		sigaddset(&sa.sa_mask, busy_signals[i]);
	/*
	 * Blocked until every child is recorded in busy_pids. A signal
	 * ignored (nohup, a background job) stays ignored.
	 */
	busy_block(&old);
	for (i = 0; i < ARRAY_SIZE(busy_signals); i++) {
		sigaction(busy_signals[i], NULL, &busy_old_sa[i]);
		if (busy_old_sa[i].sa_handler != SIG_IGN)
			sigaction(busy_signals[i], &sa, NULL);
	}
	busy_handlers = true;
	/* Nothing buffered that a child could write out again. */
	fflush(stdout);
	fflush(stderr);
	for (cpu = 0; n < want && cpu < bits; cpu++) {
		if (!CPU_ISSET_S(cpu, setsize, allowed))
			continue;
		CPU_ZERO_S(setsize, one);
		CPU_SET_S(cpu, setsize, one);
		pid = fork();
		if (pid < 0) {
			err = errno;
			what = "fork";
			break;
		}
		if (!pid)
			busy_child(parent, cpu, one, setsize, fds[0], fds[1],
				   &old);
		busy_pids[n++] = pid;
		nr_busy = n;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fds[1]);
	fds[1] = -1;

	/* Each child writes once; EOF when all have written or died. */
	while (!what && got < n) {
		len = read(fds[0], &ready, sizeof(ready));
		if (len < 0 && errno == EINTR)
			continue;
		if (len != sizeof(ready)) {
			err = len < 0 ? errno : ECHILD;
			what = "waiting for the busy processes";
		} else if (ready.err) {
			err = ready.err;
			err_cpu = ready.cpu;
			what = "pinning a busy process";
		} else {
			got++;
		}
	}
	if (what)
		goto fail;
	close(fds[0]);
	CPU_FREE(one);
	CPU_FREE(allowed);
	return n;

fail:
	if (err_cpu >= 0)
		printf("busy: FAIL: %s to CPU %d: %s\n", what, err_cpu,
		       strerror(err));
	else
		printf("busy: FAIL: %s: %s\n", what, strerror(err));
	busy_stop();
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (one)
		CPU_FREE(one);
	if (allowed)
		CPU_FREE(allowed);
	return -1;
}

/*
 * The busy set: the overhead rows, the BUSY_SIZE rows and the live rows
 * again, with a process spinning on every online CPU.
 */
static void bench_busy(struct dmaadd_device *dev, struct dmaadd_device *peer,
		       const char *path, uint32_t max_jobs,
		       const struct opts *o)
{
	struct arrays arr = { .dev = dev, .peer = peer };
	unsigned int s, measured = 0;
	char size[32];
	int n, p, nice_val;

	printf("\n=== busy: %s again, with a process spinning on every online"
	       " CPU\n", path);
	n = busy_start();
	if (n < 0) {
		failures++;
		return;
	}
	errno = 0;
	nice_val = getpriority(PRIO_PROCESS, 0);
	if (errno)
		printf("busy: %d processes, each pinned to its CPU\n", n);
	else
		printf("busy: %d processes, each pinned to its CPU, nice %d\n",
		       n, nice_val);

	format_size(size, sizeof(size), BUSY_SIZE);
	for (s = 0; s < o->nr_sizes; s++) {
		if (o->sizes[s] != BUSY_SIZE)
			continue;
		if (!measured++) {
			printf("\nbusy: the %s rows\n", size);
			print_rows_header();
		}
		bench_size(&arr, o, s, BUSY);
	}
	if (!measured) {
		printf("\nbusy: no size rows (%s is not in --sizes)\n", size);
	} else {
		printf("\nbusy / quiet, per add (in the add call in"
		       " parentheses)\n%-8s", "size");
		for (p = 0; p < NR_PATHS; p++)
			printf("  %-17s", path_names[p]);
		printf("\n");
		for (s = 0; s < o->nr_sizes; s++) {
			if (o->sizes[s] != BUSY_SIZE)
				continue;
			printf("%-8s", size);
			for (p = 0; p < NR_PATHS; p++)
				print_ratio(&rows[BUSY][s][p],
					    &rows[QUIET][s][p]);
			printf("\n");
		}
	}

	bench_overhead(dev, max_jobs, o, BUSY);
	bench_live(path, o, BUSY);
	busy_stop();
	printf("\nbusy: the %d busy processes are killed and reaped\n", n);
}

/* ------------------------------------------------------------------------ */
/* Targets                                                                  */
/* ------------------------------------------------------------------------ */

/* How many targets passed, missed, or could not be measured (n/a). */
static unsigned int nr_pass, nr_miss, nr_na;

/*
 * One target: "target: NAME: measured X (want OP Y) VERDICT (NOTE)" and
 * its csv line. @measured < 0: not measured (n/a); @note says why, or
 * where the worst value was.
 */
static void target(const char *key, const char *name, double measured,
		   double goal, bool at_least, const char *note)
{
	const char *verdict;
	char m[32];

	if (measured < 0) {
		verdict = "n/a";
		nr_na++;
		snprintf(m, sizeof(m), "-");
	} else {
		if (at_least ? measured >= goal : measured <= goal) {
			verdict = "PASS";
			nr_pass++;
		} else {
			verdict = "MISS";
			nr_miss++;
		}
		snprintf(m, sizeof(m), "%.2f", measured);
	}
	printf("target: %s: measured %s (want %s %.1f) %s", name, m,
	       at_least ? ">=" : "<=", goal, verdict);
	if (note && *note)
		printf(" (%s)", note);
	printf("\n");
	printf("csv,target,,%s,%.3f,%.2f,,,%s\n", key, measured, goal,
	       verdict);
}

static double row_ratio(unsigned int s, enum path x, enum path y)
{
	const struct row *a = &rows[QUIET][s][x], *b = &rows[QUIET][s][y];

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

/*
 * Does the kernel command line force swiotlb bouncing ("swiotlb=" with a
 * "force" field, e.g. swiotlb=524288,force; a later "noforce" undoes it)?
 * The option goes into @opt.
 */
static bool swiotlb_forced(char *opt, size_t len)
{
	char *line = NULL, *tok, *field, *save = NULL, *fsave = NULL;
	char this[64];
	size_t size = 0;
	bool forced = false;
	FILE *f;

	f = fopen("/proc/cmdline", "re");
	if (!f)
		return false;
	if (getline(&line, &size, f) < 0) {
		fclose(f);
		free(line);
		return false;
	}
	fclose(f);
	for (tok = strtok_r(line, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(tok, "swiotlb=", 8))
			continue;
		snprintf(this, sizeof(this), "%s", tok);
		for (field = strtok_r(tok + 8, ",", &fsave); field;
		     field = strtok_r(NULL, ",", &fsave)) {
			if (!strcmp(field, "force")) {
				forced = true;
				snprintf(opt, len, "%s", this);
			} else if (!strcmp(field, "noforce")) {
				forced = false;
			}
		}
	}
	free(line);
	return forced;
}

static double ov_ratio(enum set set, enum ov key)
{
	const double *ov = ov_ns[set];

	if (ov[OV_NULL] <= 0 || ov[key] <= 0)
		return -1;
	return ov[key] / ov[OV_NULL];
}

static double live_ratio(enum set set)
{
	if (live_small_ns[set] <= 0 || live_large_ns[set] <= 0)
		return -1;
	return live_large_ns[set] / live_small_ns[set];
}

static void print_targets(const struct opts *o)
{
	double r = -1, q, b;
	unsigned int s;
	enum ov key, worst_key = OV_NULL;
	const char *no_busy = o->busy ? "the busy set was not measured" :
					"no --busy";
	char at[32], note[192], opt[64] = "";

	nr_pass = nr_miss = nr_na = 0;
	printf("\ntargets (issue #17); a MISS is reported, not failed. Under"
	       " TCG these say little\nabout hardware (docs/bench.md).\n");

	r = ov_ratio(QUIET, OV_SINGLE_4K);
	target("single-4k/null", "4 KiB SUBMIT+WAIT round trip <= 10 x null"
	       " ioctl", r, 10.0, false,
	       r < 0 ? "the overhead rows were not measured" : "");

	r = ov_ratio(QUIET, OV_BATCH);
	target("batch/null", "isolated batch of 64 + WAIT <= 2 x null ioctl"
	       " per job", r, 2.0, false,
	       r < 0 ? "the overhead rows were not measured" : "");

	r = worst_ratio(o, 1ULL << 20, PATH_CPU, PATH_ZERO_COPY, at,
			sizeof(at));
	if (r < 0)
		snprintf(note, sizeof(note), "no size >= 1 MiB measured");
	else
		snprintf(note, sizeof(note), "cpu / zero-copy in call, worst"
			 " at %s", at);
	target("cpu/zero-copy>=1M", "engine >= 1.0 x CPU loop at every size"
	       " >= 1 MiB", r, 1.0, true, note);

	if (swiotlb_forced(opt, sizeof(opt))) {
		r = -1;
		snprintf(note, sizeof(note), "%s on the kernel command line:"
			 " DMA is bounced through swiotlb, the ratio would time"
			 " the bounce copies", opt);
	} else {
		r = worst_ratio(o, 1ULL << 20, PATH_ZERO_COPY, PATH_USERPTR,
				at, sizeof(at));
		if (r < 0)
			snprintf(note, sizeof(note), "no size >= 1 MiB"
				 " measured");
		else
			snprintf(note, sizeof(note), "zero-copy / userptr in"
				 " call, worst at %s", at);
	}
	target("zero-copy/userptr>=1M", "registered userptr >= 0.9 x coherent"
	       " at >= 1 MiB", r, 0.9, true, note);

	/* Each overhead row's ratio to the null ioctl, busy over quiet. */
	r = -1;
	for (key = OV_SINGLE; key < NR_OV; key++) {
		q = ov_ratio(QUIET, key);
		b = ov_ratio(BUSY, key);
		if (q <= 0 || b < 0)
			continue;
		if (b / q > r) {
			r = b / q;
			worst_key = key;
		}
	}
	if (r < 0)
		snprintf(note, sizeof(note), "%s", no_busy);
	else
		snprintf(note, sizeof(note), "busy x null / quiet x null,"
			 " worst: %s", ov_keys[worst_key]);
	target("busy/quiet-overhead", "busy overhead within 3 x quiet", r,
	       3.0, false, note);

	r = live_ratio(QUIET);
	if (r < 0)
		snprintf(note, sizeof(note), "%s", o->live ?
			 "the live rows were not measured" : "--live 0");
	else
		snprintf(note, sizeof(note), "at %lu live / at %d live",
			 live_large_count[QUIET], LIVE_SMALL);
	target("live-large/live-small", "op at 100k live <= 1.3 x at 1k", r,
	       1.3, false, note);

	r = live_ratio(BUSY);
	if (r < 0)
		snprintf(note, sizeof(note), "%s", o->busy && o->live ?
			 "the busy live rows were not measured" :
			 o->busy ? "--live 0" : "no --busy");
	else
		snprintf(note, sizeof(note), "at %lu live / at %d live",
			 live_large_count[BUSY], LIVE_SMALL);
	target("live-large/live-small-busy", "op at 100k live <= 1.3 x at 1k,"
	       " busy", r, 1.3, false, note);

	r = -1;
	for (s = 0; s < o->nr_sizes; s++)
		if (o->sizes[s] == 16ULL << 20)
			r = row_ratio(s, PATH_COPY, PATH_ZERO_COPY);
	target("copy/zero-copy@16M", "copy path >= 1.8 x zero copy at 16 MiB",
	       r, 1.8, true, r < 0 ? "no 16 MiB size measured" :
				     "copy / zero-copy in call");

	printf("targets: %u PASS, %u MISS, %u n/a\n", nr_pass, nr_miss, nr_na);
}

/* ------------------------------------------------------------------------ */

static int bench_device(const char *path, const char *peer_path,
			const struct opts *o)
{
	struct dmaadd_device_info *info;
	struct dmaadd_device *dev, *peer = NULL;
	uint64_t max = 0;
	uint32_t max_jobs;
	unsigned int s;
	enum set set;
	enum ov key;
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
	memset(rows, 0, sizeof(rows));
	for (set = 0; set < NR_SETS; set++) {
		for (key = 0; key < NR_OV; key++)
			ov_ns[set][key] = -1;
		live_small_ns[set] = live_large_ns[set] = -1;
		live_large_count[set] = 0;
	}
	max_jobs = dmaadd_device_info_get_max_jobs_in_flight(info);
	bench_sizes(dev, peer, o);
	/* The busy set has dma-buf rows as well. */
	if (!o->busy) {
		dmaadd_device_close(peer);
		peer = NULL;
	}
	bench_overhead(dev, max_jobs, o, QUIET);
	bench_live(path, o, QUIET);
	if (o->busy)
		bench_busy(dev, peer, path, max_jobs, o);
	dmaadd_device_close(peer);
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
