// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded, seeded ioctl fuzzer over the whole dmaadd uapi.
 *
 * Every call is built from values that sit at the edges of what the driver
 * checks (0, 1, page and buffer-size boundaries, wrapping u64s, live, freed
 * and foreign handles, every kind of fd, bad pointers and struct sizes) and
 * goes to one of two device files. Each call must either succeed or fail
 * with an errno from the uapi header's tables; the process must never get a
 * signal from a bad pointer (the kernel answers -EFAULT); and the guest's
 * kernel log must stay clean (the harness checks it). At the end everything
 * is closed and every page pin the driver took must have been released.
 *
 * Reproducible: DMAADD_FUZZ_SEED fixes the sequence; by default it is 1, 2
 * or 3 in the direct, iommu and swiotlb guests (dmaaddvm.cfg= on the
 * kernel command line) and 1 elsewhere.
 * Bounded: DMAADD_FUZZ_CALLS (default 600000) calls, or
 * DMAADD_FUZZ_SECONDS (default 45) seconds, whichever comes first; the
 * test prints how many calls ran. The six guests of `tests/vm.sh check`
 * run over a million between them (Debian's kernel: ~100k to 600k per
 * guest, depending on how much bouncing the calls cost; the debug
 * kernel: 50k to 100k).
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <linux/dma-buf.h>
#include <signal.h>

#define FUZZ_MAX_HANDLES	64
#define FUZZ_MAX_FDS		16
#define FUZZ_SCRATCH_PAGES	64
#define FUZZ_LIVE_BYTES		(256ULL << 20)
/*
 * DMA-API debugging warns once a cacheline is in more than 8 live mappings
 * (it suspects a leak), and imports and user memory buffers are mappings
 * of pages the fuzzer reuses (its scratch area, its exports, which are also
 * our coherent allocations): at most 6 of them live at a time.
 */
#define FUZZ_MAX_STREAMING	6

#define FUZZ_BATCH	8	/* jobs in a fuzzed batch, at most */
#define FUZZ_STRIDE_MAX	256	/* strides tried, at most */
#define FUZZ_CMDS	(DMAADD_CMD_SUBMIT_COPY + 1)	/* commands fuzzed */
#define FUZZ_MMAP	FUZZ_CMDS			/* more kinds of call */
#define FUZZ_UNDEFINED	(FUZZ_CMDS + 1)
#define FUZZ_KINDS	(FUZZ_CMDS + 2)

struct fuzz {
	__u64 rnd;
	int dev[2];
	__u32 handles[2][FUZZ_MAX_HANDLES];
	__u64 lengths[2][FUZZ_MAX_HANDLES];
	bool streaming[2][FUZZ_MAX_HANDLES];	/* import or userptr */
	unsigned int nhandles[2];
	__u32 freed[2];			/* a handle freed earlier */
	__u64 live_bytes;
	int dmabufs[FUZZ_MAX_FDS];	/* exported dma-bufs */
	unsigned int ndmabufs;
	int null_fd;
	__u64 last_job[2];
	__u8 *scratch;			/* FUZZ_SCRATCH_PAGES, a hole, a RO page */
	__u8 *edge;			/* last RW page before a PROT_NONE page */
	__u64 page;
	/* SUBMIT_BATCH's array, for any stride up to FUZZ_STRIDE_MAX */
	__u8 batch[FUZZ_BATCH * FUZZ_STRIDE_MAX] __attribute__((aligned(8)));
	__u32 batch_stride;
	unsigned long calls[16];
	unsigned long ok[16];
};

static __u64 fuzz_next(struct fuzz *f)
{
	/* xorshift64* */
	f->rnd ^= f->rnd >> 12;
	f->rnd ^= f->rnd << 25;
	f->rnd ^= f->rnd >> 27;
	return f->rnd * 0x2545F4914F6CDD1DULL;
}

static __u32 fuzz_below(struct fuzz *f, __u32 n)
{
	return (__u32)(fuzz_next(f) % n);
}

static bool fuzz_chance(struct fuzz *f, __u32 one_in)
{
	return fuzz_below(f, one_in) == 0;
}

/* A u64 at an edge of some check, or anything. */
static __u64 fuzz_u64(struct fuzz *f)
{
	static const __u64 edges[] = {
		0, 1, 2, 3, 4, 5, 7, 8, 16, 63, 64, 4095, 4096, 4097, 8192,
		65536, 1 << 20, (1 << 20) + 4, 4 << 20, (4 << 20) + 4096,
		256 << 20, (256 << 20) + 1, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 1ULL << 40, 1ULL << 62, 1ULL << 63,
		~0ULL - 4095, ~0ULL - 3, ~0ULL - 1, ~0ULL,
	};

	switch (fuzz_below(f, 4)) {
	case 0:
		return fuzz_next(f);
	case 1:
		return fuzz_next(f) & 0xffff;
	default:
		return edges[fuzz_below(f, ARRAY_SIZE(edges))];
	}
}

/* A small length that mostly fits the buffers the fuzzer keeps. */
static __u64 fuzz_len(struct fuzz *f)
{
	if (fuzz_chance(f, 8))
		return fuzz_u64(f);
	return (fuzz_below(f, 16 * 1024) + 1) & ~(fuzz_chance(f, 4) ? 0ULL : 3ULL);
}

static __u32 fuzz_handle(struct fuzz *f, int d)
{
	unsigned int n = f->nhandles[d];

	switch (fuzz_below(f, 8)) {
	case 0:
		return (__u32)fuzz_u64(f);
	case 1:
		return f->freed[d];
	case 2:	/* the other file's */
		n = f->nhandles[!d];
		return n ? f->handles[!d][fuzz_below(f, n)] : 1;
	default:
		return n ? f->handles[d][fuzz_below(f, n)] : 1;
	}
}

static int fuzz_fd(struct fuzz *f)
{
	switch (fuzz_below(f, 8)) {
	case 0:
		return -1;
	case 1:
		return f->dev[fuzz_below(f, 2)];
	case 2:
		return f->null_fd;
	case 3:
		return 1000 + fuzz_below(f, 100);	/* not open */
	default:
		return f->ndmabufs ? f->dmabufs[fuzz_below(f, f->ndmabufs)] :
				     f->null_fd;
	}
}

/* A user address: in the scratch area, its hole or read-only page, or not. */
static __u64 fuzz_addr(struct fuzz *f)
{
	__u64 base = (__u64)(uintptr_t)f->scratch;

	switch (fuzz_below(f, 6)) {
	case 0:
		return fuzz_u64(f);
	case 1:	/* the hole and the read-only page after the scratch pages */
		return base + FUZZ_SCRATCH_PAGES * f->page + fuzz_below(f, 2 * f->page);
	default:
		return base + fuzz_below(f, FUZZ_SCRATCH_PAGES * f->page);
	}
}

/* The size field: exact most of the time, else short, long or absurd. */
static __u32 fuzz_size(struct fuzz *f, __u32 exact)
{
	switch (fuzz_below(f, 10)) {
	case 0:
		return fuzz_below(f, exact + 1);
	case 1:
		return exact + 8 * (fuzz_below(f, 4) + 1);
	case 2:
		return (__u32)fuzz_u64(f);
	default:
		return exact;
	}
}

/*
 * Where the argument goes: a proper buffer (with a tail of zeros or not
 * past the struct, for sizes above the struct's), or a bad pointer.
 */
static void *fuzz_argp(struct fuzz *f, void *arg, size_t len)
{
	switch (fuzz_below(f, 40)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)0xffff888000000000ULL;
	case 2:	/* straddles into the PROT_NONE page */
		return f->edge + f->page - len / 2;
	case 3:	/* the read-only page: out fields cannot be written */
		return f->scratch + (FUZZ_SCRATCH_PAGES + 1) * f->page;
	default:
		return arg;
	}
}

static void fuzz_add_handle(struct fuzz *f, int d, __u32 handle, __u64 len,
			    bool streaming)
{
	unsigned int i;

	for (i = 0; i < f->nhandles[d]; i++)
		if (f->handles[d][i] == handle)	/* a re-import's same handle */
			return;
	if (f->nhandles[d] == FUZZ_MAX_HANDLES)
		return;
	f->handles[d][f->nhandles[d]] = handle;
	f->lengths[d][f->nhandles[d]] = len;
	f->streaming[d][f->nhandles[d]] = streaming;
	f->nhandles[d]++;
}

static unsigned int fuzz_streaming(struct fuzz *f)
{
	unsigned int d, i, n = 0;

	for (d = 0; d < 2; d++)
		for (i = 0; i < f->nhandles[d]; i++)
			n += f->streaming[d][i];
	return n;
}

static void fuzz_forget_handle(struct fuzz *f, int d, __u32 handle)
{
	unsigned int i;

	for (i = 0; i < f->nhandles[d]; i++) {
		if (f->handles[d][i] != handle)
			continue;
		if (f->lengths[d][i] <= f->live_bytes)
			f->live_bytes -= f->lengths[d][i];
		f->handles[d][i] = f->handles[d][--f->nhandles[d]];
		f->lengths[d][i] = f->lengths[d][f->nhandles[d]];
		f->streaming[d][i] = f->streaming[d][f->nhandles[d]];
		f->freed[d] = handle;
		return;
	}
}

static void fuzz_free_one(struct fuzz *f, int d, bool streaming_only)
{
	struct dmaadd_buf_free cmd = { .size = sizeof(cmd) };
	unsigned int i;

	if (!f->nhandles[d])
		return;
	i = fuzz_below(f, f->nhandles[d]);
	if (streaming_only)
		for (i = 0; i < f->nhandles[d] && !f->streaming[d][i]; i++)
			;
	if (i == f->nhandles[d])
		return;
	cmd.handle = f->handles[d][i];
	ioctl(f->dev[d], DMAADD_IOCTL_BUF_FREE, &cmd);
	fuzz_forget_handle(f, d, cmd.handle);
}

/* Room for any struct plus a tail: the size field may claim more. */
union fuzz_arg {
	struct dmaadd_info info;
	struct dmaadd_buf_alloc alloc;
	struct dmaadd_buf_free free;
	struct dmaadd_submit submit;
	struct dmaadd_wait wait;
	struct dmaadd_buf_export export;
	struct dmaadd_buf_import import;
	struct dmaadd_buf_userptr userptr;
	struct dmaadd_buf_query query;
	struct dmaadd_submit_batch batch;
	struct dmaadd_submit_copy copy;
	__u8 bytes[256];
};


static void fuzz_operand(struct fuzz *f, int d, struct dmaadd_operand *op)
{
	op->handle = fuzz_handle(f, d);
	op->flags = fuzz_chance(f, 30) ? (__u32)fuzz_u64(f) : 0;
	op->offset = fuzz_chance(f, 2) ? 0 : fuzz_len(f) & ~3ULL;
}

/* One job, mostly sensible; also an element of a batch. */
static void fuzz_submit(struct fuzz *f, int d, struct dmaadd_submit *s)
{
	s->size = sizeof(*s);
	s->flags = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) :
		   fuzz_chance(f, 8) ? (__u32)fuzz_below(f, 4) : 0;
	if (fuzz_chance(f, 4))
		s->in_fence_fd = (__u32)fuzz_fd(f);
	s->out_fence_fd = fuzz_chance(f, 30);
	s->op = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) : DMAADD_OP_ADD_I32;
	s->__reserved = fuzz_chance(f, 30);
	s->count = fuzz_chance(f, 10) ? fuzz_u64(f) : fuzz_below(f, 4096) + 1;
	fuzz_operand(f, d, &s->a);
	fuzz_operand(f, d, &s->b);
	fuzz_operand(f, d, &s->c);
	if (fuzz_chance(f, 4))	/* in place */
		s->c = s->a;
}

/* A job that should pass: in place on one live buffer, no flags. */
static void fuzz_sane_submit(struct fuzz *f, int d, struct dmaadd_submit *s)
{
	unsigned int k;
	__u64 words;

	if (!f->nhandles[d]) {
		fuzz_submit(f, d, s);
		return;
	}
	k = fuzz_below(f, f->nhandles[d]);
	words = f->lengths[d][k] / ELEM_SIZE;	/* 0: not known */
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->op = DMAADD_OP_ADD_I32;
	s->count = 1 + fuzz_below(f, words > 1 && words < 4096 ? words : 1);
	s->a.handle = f->handles[d][k];
	s->b = s->a;
	s->c = s->a;
}

/* Fill @a for ioctl @nr on device @d; returns the struct's exact size. */
static __u32 fuzz_fill(struct fuzz *f, int d, unsigned int nr,
		       union fuzz_arg *a, struct dmaadd_dma_segment *segs)
{
	memset(a, 0, sizeof(*a));
	if (fuzz_chance(f, 12))	/* garbage past the struct */
		a->bytes[sizeof(*a) - 1 - fuzz_below(f, 64)] = 1;

	switch (nr) {
	case DMAADD_CMD_INFO:
		a->info.flags = fuzz_chance(f, 10) ? (__u32)fuzz_u64(f) : 0;
		return sizeof(a->info);
	case DMAADD_CMD_BUF_ALLOC:
		a->alloc.flags = fuzz_chance(f, 5) ? (__u32)fuzz_u64(f) & 3 : 0;
		a->alloc.length = fuzz_chance(f, 200) ? fuzz_u64(f) : fuzz_len(f);
		a->alloc.__reserved = fuzz_chance(f, 20);
		return sizeof(a->alloc);
	case DMAADD_CMD_BUF_FREE:
		a->free.handle = fuzz_handle(f, d);
		return sizeof(a->free);
	case DMAADD_CMD_SUBMIT:
		fuzz_submit(f, d, &a->submit);
		return sizeof(a->submit);
	case DMAADD_CMD_WAIT:
		a->wait.flags = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) : 0;
		a->wait.job_id = fuzz_chance(f, 4) ? fuzz_u64(f) :
				 f->last_job[d] - fuzz_below(f, 300);
		/* Never block for long: the fuzzer must stay bounded. */
		a->wait.timeout_ns = fuzz_below(f, 3) * 1000000ULL;
		a->wait.__reserved = fuzz_chance(f, 30);
		return sizeof(a->wait);
	case DMAADD_CMD_BUF_EXPORT:
		a->export.flags = fuzz_chance(f, 4) ? (__u32)fuzz_u64(f) & 3 : 0;
		a->export.handle = fuzz_handle(f, d);
		a->export.fd = fuzz_chance(f, 10) ? (__u32)fuzz_u64(f) : 0;
		return sizeof(a->export);
	case DMAADD_CMD_BUF_IMPORT:
		a->import.flags = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) : 0;
		a->import.fd = (__u32)fuzz_fd(f);
		a->import.handle = fuzz_chance(f, 10) ? (__u32)fuzz_u64(f) : 0;
		return sizeof(a->import);
	case DMAADD_CMD_BUF_USERPTR:
		a->userptr.flags = fuzz_chance(f, 4) ? (__u32)fuzz_u64(f) & 3 : 0;
		a->userptr.addr = fuzz_addr(f);
		a->userptr.length = fuzz_chance(f, 10) ? fuzz_u64(f) :
				    fuzz_below(f, 8 * f->page) + 1;
		a->userptr.__reserved = fuzz_chance(f, 30);
		return sizeof(a->userptr);
	case DMAADD_CMD_BUF_QUERY:
		a->query.flags = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) : 0;
		a->query.handle = fuzz_handle(f, d);
		a->query.nr_addrs = fuzz_below(f, 3) ? fuzz_below(f, 4) :
				    (__u32)fuzz_u64(f);
		/*
		 * segs has room for 4 entries: the kernel writes as many as
		 * nr_addrs says (a bounced 64 MiB buffer has 256 segments).
		 */
		a->query.addrs_ptr = fuzz_chance(f, 3) || a->query.nr_addrs > 4 ?
				     fuzz_addr(f) : (__u64)(uintptr_t)segs;
		return sizeof(a->query);
	case DMAADD_CMD_SUBMIT_BATCH: {
		unsigned int i, n = fuzz_below(f, FUZZ_BATCH) + 1;
		__u32 stride = fuzz_chance(f, 20) ?
			       fuzz_below(f, FUZZ_STRIDE_MAX + 1) :
			       sizeof(struct dmaadd_submit);
		struct dmaadd_submit job;

		bool sane = fuzz_chance(f, 2);

		memset(f->batch, 0, sizeof(f->batch));
		for (i = 0; i < n; i++) {
			/* Mostly passing jobs, or some would never pass. */
			if (sane && !fuzz_chance(f, 4 * FUZZ_BATCH))
				fuzz_sane_submit(f, d, &job);
			else
				fuzz_submit(f, d, &job);
			if (fuzz_chance(f, 20))	/* an older element size */
				job.size = DMAADD_SUBMIT_SIZE_VER0;
			else if (fuzz_chance(f, 40))
				job.size = (__u32)fuzz_u64(f);
			/* A short stride overlaps the elements: so be it. */
			memcpy(f->batch + i * stride, &job,
			       stride < sizeof(job) && i < n - 1 ? stride :
							      sizeof(job));
		}
		f->batch_stride = stride;
		a->batch.flags = fuzz_chance(f, 30) ? (__u32)fuzz_u64(f) : 0;
		a->batch.count = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) : n;
		a->batch.stride = stride;
		a->batch.jobs_ptr = fuzz_chance(f, 10) ? fuzz_addr(f) :
				    (__u64)(uintptr_t)f->batch;
		a->batch.__reserved = fuzz_chance(f, 30);
		return sizeof(a->batch);
	}
	case DMAADD_CMD_SUBMIT_COPY:
		a->copy.flags = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) : 0;
		a->copy.op = fuzz_chance(f, 20) ? (__u32)fuzz_u64(f) :
						   DMAADD_OP_ADD_I32;
		a->copy.count = fuzz_chance(f, 10) ? fuzz_u64(f) :
				fuzz_below(f, 4 * f->page / ELEM_SIZE) + 1;
		a->copy.a_ptr = fuzz_addr(f);
		a->copy.b_ptr = fuzz_addr(f);
		a->copy.c_ptr = fuzz_addr(f);
		return sizeof(a->copy);
	}
	return 16;
}

/* Keep what a successful call created, within bounds. */
static void fuzz_track(struct fuzz *f, int d, unsigned int nr,
		       const union fuzz_arg *a)
{
	switch (nr) {
	case DMAADD_CMD_BUF_ALLOC:
		f->live_bytes += a->alloc.length;
		fuzz_add_handle(f, d, a->alloc.handle, a->alloc.length, false);
		break;
	case DMAADD_CMD_BUF_IMPORT:
		fuzz_add_handle(f, d, a->import.handle, 0, true);
		break;
	case DMAADD_CMD_BUF_USERPTR:
		fuzz_add_handle(f, d, a->userptr.handle, 0, true);
		break;
	case DMAADD_CMD_BUF_FREE:
		fuzz_forget_handle(f, d, a->free.handle);
		break;
	case DMAADD_CMD_SUBMIT:
		f->last_job[d] = a->submit.job_id;
		if (a->submit.flags & DMAADD_SUBMIT_OUT_FENCE)
			close((int)a->submit.out_fence_fd);
		break;
	case DMAADD_CMD_SUBMIT_BATCH: {
		unsigned int i;

		f->last_job[d] = a->batch.first_job_id + a->batch.count - 1;
		/* Accepted: each element was written back. */
		if (a->batch.jobs_ptr != (__u64)(uintptr_t)f->batch)
			break;
		for (i = 0; i < a->batch.count; i++) {
			struct dmaadd_submit job;

			memcpy(&job, f->batch + i * f->batch_stride,
			       sizeof(job));
			if (job.flags & DMAADD_SUBMIT_OUT_FENCE)
				close((int)job.out_fence_fd);
		}
		break;
	}
	case DMAADD_CMD_SUBMIT_COPY:
		f->last_job[d] = a->copy.job_id;
		break;
	case DMAADD_CMD_BUF_EXPORT:
		if (f->ndmabufs < FUZZ_MAX_FDS)
			f->dmabufs[f->ndmabufs++] = (int)a->export.fd;
		else
			close((int)a->export.fd);
		break;
	}
	while (f->live_bytes > FUZZ_LIVE_BYTES || f->nhandles[d] == FUZZ_MAX_HANDLES)
		fuzz_free_one(f, d, false);
	while (fuzz_streaming(f) > FUZZ_MAX_STREAMING) {
		fuzz_free_one(f, 0, true);
		fuzz_free_one(f, 1, true);
	}
}

/* Every errno some table of uapi/linux/dmaadd.h lists. */
static bool fuzz_errno_documented(int e)
{
	switch (e) {
	case E2BIG: case EACCES: case EAGAIN: case EBADF: case EFAULT:
	case EINTR: case EINVAL: case EMFILE: case ENOENT: case ENOMEM:
	case ENOTTY: case EOVERFLOW: case EPERM: case ERANGE: case ETIMEDOUT:
		return true;
	}
	return false;
}

/* mmap of a random window of a handle, then unmapped at once. */
static int fuzz_mmap(struct fuzz *f, int d)
{
	__u64 off = ((__u64)fuzz_handle(f, d) << 40) +
		    (fuzz_chance(f, 3) ? fuzz_below(f, 4) * f->page : 0);
	size_t len = (fuzz_below(f, 4) + 1) * f->page;
	int prot = fuzz_chance(f, 4) ? PROT_READ : PROT_READ | PROT_WRITE;
	int flags = fuzz_chance(f, 8) ? MAP_PRIVATE : MAP_SHARED;
	void *p;

	if (fuzz_chance(f, 16))
		off = fuzz_u64(f) & ~(f->page - 1);
	p = mmap(NULL, len, prot, flags, f->dev[d], (off_t)off);
	if (p == MAP_FAILED)
		return -1;
	(void)*(volatile __u8 *)p;
	munmap(p, len);
	return 0;
}

static int fuzz_reopen(struct fuzz *f, int d)
{
	close(f->dev[d]);
	f->nhandles[d] = 0;
	f->live_bytes = 0;
	f->dev[d] = dmaadd_open_index(d, O_NONBLOCK);
	return f->dev[d] < 0 ? -1 : 0;
}

/* 1, 2, 3 for the guest harness's direct, iommu, swiotlb configs. */
static __u64 fuzz_default_seed(void)
{
	static const char *const cfgs[] = { "direct", "iommu", "swiotlb" };
	char cmdline[1024] = "";
	unsigned int i;
	char key[48];
	FILE *fp = fopen("/proc/cmdline", "re");

	if (fp) {
		if (!fgets(cmdline, sizeof(cmdline), fp))
			cmdline[0] = 0;
		fclose(fp);
	}
	for (i = 0; i < ARRAY_SIZE(cfgs); i++) {
		snprintf(key, sizeof(key), "dmaaddvm.cfg=%s", cfgs[i]);
		if (strstr(cmdline, key))
			return i + 1;
	}
	return 1;
}

static __u64 env_u64(const char *name, __u64 def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

FIXTURE(fuzz) {
	struct fuzz f;
};

FIXTURE_SETUP(fuzz)
{
	struct fuzz *f = &self->f;
	__u8 *area;

	memset(f, 0, sizeof(*f));
	f->page = dmaadd_page_size();
	f->dev[0] = dmaadd_open_index(0, O_NONBLOCK);
	f->dev[1] = dmaadd_open_index(1, O_NONBLOCK);
	if (f->dev[0] < 0 || f->dev[1] < 0)
		SKIP_SETUP("needs /dev/dmaadd0 and /dev/dmaadd1");
	f->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, f->null_fd);

	/* scratch pages | hole | read-only page | edge page | PROT_NONE */
	area = mmap(NULL, (FUZZ_SCRATCH_PAGES + 4) * f->page,
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	memset(area, 0x5a, (FUZZ_SCRATCH_PAGES + 4) * f->page);
	f->scratch = area;
	ASSERT_EQ(0, munmap(area + FUZZ_SCRATCH_PAGES * f->page, f->page));
	ASSERT_EQ(0, mprotect(area + (FUZZ_SCRATCH_PAGES + 1) * f->page,
			      f->page, PROT_READ));
	f->edge = area + (FUZZ_SCRATCH_PAGES + 2) * f->page;
	ASSERT_EQ(0, mprotect(f->edge + f->page, f->page, PROT_NONE));
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, ioctls, 180)
{
	struct fuzz *f = &self->f;
	const __u64 seed = env_u64("DMAADD_FUZZ_SEED", fuzz_default_seed());
	const __u64 max_calls = env_u64("DMAADD_FUZZ_CALLS", 600000);
	const __u64 max_ns = env_u64("DMAADD_FUZZ_SECONDS", 45) * 1000000000ULL;
	struct dmaadd_dma_segment segs[4];
	const __u64 t0 = dmaadd_now_ns();
	__u64 pins_acq, pins_rel, calls;
	union fuzz_arg arg;
	unsigned int i;

	f->rnd = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (calls = 0; calls < max_calls; calls++) {
		int d = fuzz_below(f, 2), ret;
		unsigned int nr = fuzz_below(f, FUZZ_KINDS);
		unsigned long cmd;
		__u32 exact;
		void *argp;

		if (!(calls & 1023) && dmaadd_now_ns() - t0 > max_ns)
			break;
		if (fuzz_chance(f, 50000)) {
			ASSERT_EQ(0, fuzz_reopen(f, d));
			continue;
		}
		if (nr == FUZZ_MMAP) {
			f->calls[nr]++;
			if (!fuzz_mmap(f, d))
				f->ok[nr]++;
			else if (errno != EINVAL && errno != EACCES &&
				 errno != ENOENT && errno != ENOMEM &&
				 errno != EOVERFLOW)	/* mmap(2): offset wraps */
				ASSERT_EQ(0, errno);
			continue;
		}
		if (nr == FUZZ_UNDEFINED) {	/* nobody defined it */
			cmd = _IO(DMAADD_TYPE, DMAADD_CMD_SUBMIT_COPY + 1 +
				  fuzz_below(f, 0xff - DMAADD_CMD_SUBMIT_COPY));
			if (fuzz_chance(f, 2))
				cmd = (unsigned long)(__u32)fuzz_next(f);
			exact = 16;
			memset(&arg, 0, sizeof(arg));
		} else {
			cmd = _IO(DMAADD_TYPE, nr);
			exact = fuzz_fill(f, d, nr, &arg, segs);
		}
		*(__u32 *)&arg = fuzz_size(f, exact);
		argp = fuzz_argp(f, &arg, exact);

		f->calls[nr]++;
		ret = ioctl(f->dev[d], cmd, argp);
		if (ret < 0) {
			if (!fuzz_errno_documented(errno))
				TH_LOG("call %llu: ioctl %#lx: errno %d is in no table",
				       (unsigned long long)calls, cmd, errno);
			ASSERT_TRUE(fuzz_errno_documented(errno));
			continue;
		}
		f->ok[nr]++;
		if (argp == &arg && nr < FUZZ_CMDS)
			fuzz_track(f, d, nr, &arg);
	}

	TH_LOG("seed %llu: %llu calls in %.1f s",
	       (unsigned long long)seed, (unsigned long long)calls,
	       (dmaadd_now_ns() - t0) / 1e9);
	for (i = 0; i < FUZZ_KINDS; i++)
		TH_LOG("  command %u: %lu calls, %lu succeeded", i,
		       f->calls[i], f->ok[i]);
	/*
	 * The loop ran: every kind of call was made. Not how many: that is
	 * the machine's speed (a debug kernel under swiotlb, which copies
	 * every buffer through bounce slots, does a few thousand a minute).
	 */
	for (i = 0; i < FUZZ_KINDS; i++)
		ASSERT_LT(0UL, f->calls[i]);

	/* Everything goes: handles, exports, files. Then every pin is gone. */
	for (i = 0; i < f->ndmabufs; i++)
		close(f->dmabufs[i]);
	close(f->dev[0]);
	close(f->dev[1]);
	close(f->null_fd);
	for (i = 0; i < 100; i++) {	/* queued jobs finish, then release */
		pins_acq = proc_field("/proc/vmstat", "nr_foll_pin_acquired ");
		pins_rel = proc_field("/proc/vmstat", "nr_foll_pin_released ");
		if (pins_acq == pins_rel)
			break;
		usleep(50 * 1000);
	}
	EXPECT_EQ(pins_acq, pins_rel);
}

TEST_HARNESS_MAIN
