// SPDX-License-Identifier: GPL-2.0
/*
 * Object lifetimes, and what a failing or racing call leaves behind:
 *
 *  - a handle freed by another thread while the call that created it is
 *    still returning it (BUF_IMPORT, BUF_ALLOC, BUF_USERPTR);
 *  - an argument struct the kernel can read but not write back: the call
 *    fails with EFAULT and leaves nothing behind (no fd installed, none of
 *    someone else's closed, no job queued, no job id consumed);
 *  - SUBMIT_BATCH's early refusals report error_index = count;
 *  - a struct's @size changed by another thread during the call: the
 *    kernel reads it once;
 *  - signals with SA_RESTART never turn into EINTR from SUBMIT;
 *  - a failed, partly pinned USERPTR gives back its RLIMIT_MEMLOCK charge;
 *  - the exact reference counts debugfs "clients" shows;
 *  - and a stress run of imports released by the engine while submitters
 *    hold reservation locks and wait for a full device ring (deadlock).
 *
 * Races run for a bounded time and count what happened; they assert what
 * must hold, never a rate.
 */
#include "share_test.h"	/* first: it defines _GNU_SOURCE */

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fence.h"

#define LT_N		(SZ_64K / ELEM_SIZE)
#define LT_LEN		(LT_N * ELEM_SIZE)
#define TEXT_MAX	(256 << 10)

/* Fails with exactly @_errno; unlike EXPECT_ERRNO() it does not stop the test. */
#define EXPECT_FAILS(_errno, _cmd)					\
	({								\
		int __r = (_cmd), __e = errno;				\
		EXPECT_EQ(-1, __r);					\
		if (__r == -1) {					\
			EXPECT_EQ(_errno, __e);				\
		}							\
	})

static __u32 other_backend(__u32 backend)
{
	return backend == DMAADD_BACKEND_PLATFORM ? DMAADD_BACKEND_PCI :
						    DMAADD_BACKEND_PLATFORM;
}

/* A counter of debugfs "stats" of device @index; -1 without debugfs. */
static long long dev_stat(unsigned int index, const char *key)
{
	char path[96], want[64];

	snprintf(path, sizeof(path), "/sys/kernel/debug/dmaadd/dmaadd%u/stats",
		 index);
	if (access(path, R_OK))
		return -1;
	snprintf(want, sizeof(want), "%s ", key);
	return (long long)proc_field(path, want);
}

/* Entries of /proc/self/fd (the directory's own fd included). */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The number the next new descriptor gets. */
static int lowest_free_fd(void)
{
	int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* A page with @len bytes of @src at its start, then made read-only. */
static void *ro_page(const void *src, size_t len)
{
	size_t page = dmaadd_page_size();
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, page, PROT_READ)) {
		munmap(p, page);
		return NULL;
	}
	return p;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int nr_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

/*
 * The kernel's dynamic preemption mode (PREEMPT_DYNAMIC, root): the
 * current one into @old, then @mode. 0, or -1 without the knob.
 */
#define PREEMPT_DIR	"/sys/kernel/debug/sched"

static int preempt_switch(const char *mode, char *old, size_t size)
{
	char text[96], *l, *r;

	if (old) {
		if (read_text_file(PREEMPT_DIR, "preempt", text, sizeof(text)))
			return -1;
		l = strchr(text, '(');
		r = l ? strchr(l, ')') : NULL;
		if (!r)
			return -1;
		snprintf(old, size, "%.*s", (int)(r - l - 1), l + 1);
	}
	return write_str(PREEMPT_DIR "/preempt", mode);
}

FIXTURE(lifetime) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
	struct live base;
	bool have_live;
	int vgem;
	char preempt_old[16];
};

FIXTURE_VARIANT(lifetime) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(lifetime, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(lifetime, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(lifetime)
{
	self->vgem = -1;
	self->preempt_old[0] = '\0';
	dmaadd_fixture_open(variant->backend);
	test_buf_create(LT_LEN, &self->a);
	test_buf_create(LT_LEN, &self->b);
	test_buf_create(LT_LEN, &self->c);
	dmaadd_fill_random(self->a.map, LT_N, 11);
	dmaadd_fill_random(self->b.map, LT_N, 12);
	self->have_live = !live_read(self->index, &self->base);
}

FIXTURE_TEARDOWN(lifetime)
{
	if (self->preempt_old[0])
		preempt_switch(self->preempt_old, NULL, 0);
	if (self->vgem >= 0)
		close(self->vgem);
	dmaadd_fixture_close();
}

/*
 * A. A handle freed while the call that created it returns it.
 *
 * BUF_IMPORT publishes the new handle, unlocks, and only then reads the
 * buffer's length for its answer: a BUF_FREE of the handle in between
 * frees the buffer under it. The creator loops; a racer on the same CPU
 * frees handles 1..4 (handles are handed out lowest first, from 1) and
 * at once allocates, in another file, a buffer of another length, which
 * takes the freed object back. With kernel preemption on (the test
 * switches a PREEMPT_DYNAMIC kernel to "full" for the run and back, and
 * then keeps both threads on one CPU), the creator is preempted anywhere,
 * the window included. (A KASAN kernel quarantines freed objects: no
 * wrong length then, a use-after-free report in the kernel log instead.) Every success
 * must report the real length, and the handle must be the caller's or
 * gone (ENOENT); the live objects come back to where they were.
 */
#define RACE_MS		1200
#define RACE_SHORT_MS	700	/* no use-after-free possible: only the answers */
#define REUSE_LEN	(3 * SZ_4K - 4)	/* what a reused object would say */

enum race_kind {
	RACE_IMPORT,
	RACE_ALLOC,
	RACE_USERPTR,
};

struct hrace {
	enum race_kind kind;
	int fd;			/* whose handles race */
	int reuse_fd;		/* another file of the device: reallocates */
	int dmabuf;		/* RACE_IMPORT */
	void *user;		/* RACE_USERPTR */
	__u64 want_len;
	int cpu;
	volatile int stop;
	unsigned long created, gone, bad_len, bad_handle, bad_errno;
	unsigned long freed, reused;
	__u64 seen_len;
	int seen_errno;
	const char *bad_call;
};

static void hrace_bad_errno(struct hrace *r, const char *call)
{
	r->bad_errno++;
	r->seen_errno = errno;
	r->bad_call = call;
}

static int hrace_create_one(struct hrace *r, __u32 *handle, __u64 *len)
{
	int ret;

	switch (r->kind) {
	case RACE_IMPORT: {
		struct dmaadd_buf_import cmd = {
			.size = sizeof(cmd),
			.fd = (__u32)r->dmabuf,
		};

		ret = ioctl(r->fd, DMAADD_IOCTL_BUF_IMPORT, &cmd);
		*handle = cmd.handle;
		*len = cmd.length;
		return ret;
	}
	case RACE_ALLOC: {
		struct dmaadd_buf_alloc cmd = {
			.size = sizeof(cmd),
			.length = r->want_len,
		};

		ret = ioctl(r->fd, DMAADD_IOCTL_BUF_ALLOC, &cmd);
		*handle = cmd.handle;
		*len = cmd.length;
		return ret;
	}
	case RACE_USERPTR: {
		struct dmaadd_buf_userptr cmd = {
			.size = sizeof(cmd),
			.addr = (__u64)(uintptr_t)r->user,
			.length = r->want_len,
		};

		ret = ioctl(r->fd, DMAADD_IOCTL_BUF_USERPTR, &cmd);
		*handle = cmd.handle;
		*len = cmd.length;
		return ret;
	}
	}
	return -1;
}

static void *hrace_create(void *arg)
{
	struct hrace *r = arg;
	unsigned long n = 0;

	pin_to_cpu(r->cpu);
	while (!r->stop) {
		struct dmaadd_buf_query q;
		__u64 len = 0;
		__u32 h = 0;

		if (hrace_create_one(r, &h, &len)) {
			hrace_bad_errno(r, "create");
			continue;
		}
		r->created++;
		if (len != r->want_len) {
			r->bad_len++;
			r->seen_len = len;
		}
		if (!h)
			r->bad_handle++;
		/* Still the caller's buffer, or freed by the racer. */
		if (!(n++ % 4)) {
			if (!_test_ioctl_query(r->fd, h, &q, NULL, 0)) {
				if (q.length != r->want_len) {
					r->bad_len++;
					r->seen_len = q.length;
				}
			} else if (errno == ENOENT) {
				r->gone++;
			} else {
				hrace_bad_errno(r, "BUF_QUERY");
			}
		}
		if (_test_ioctl_free(r->fd, h)) {
			if (errno == ENOENT)
				r->gone++;
			else
				hrace_bad_errno(r, "BUF_FREE (own)");
		}
	}
	return NULL;
}

static void *hrace_reap(void *arg)
{
	struct hrace *r = arg;
	__u32 h, h2;

	pin_to_cpu(r->cpu);
	while (!r->stop) {
		for (h = 1; h <= 4; h++) {
			if (!_test_ioctl_free(r->fd, h))
				r->freed++;
			else if (errno != ENOENT)
				hrace_bad_errno(r, "BUF_FREE (racer)");
		}
		/* The object just freed is the next one allocated here. */
		if (!_test_ioctl_alloc(r->reuse_fd, REUSE_LEN, &h2, NULL)) {
			r->reused++;
			_test_ioctl_free(r->reuse_fd, h2);
		}
	}
	return NULL;
}

static void hrace_run(struct __test_metadata *_metadata,
		      FIXTURE_DATA(lifetime) *self, struct hrace *r,
		      const char *what, unsigned int ms)
{
	pthread_t t1, t2;

	/*
	 * Preemption anywhere in the kernel, and both threads on one CPU.
	 * Without that knob (a kernel built without PREEMPT_DYNAMIC), the
	 * threads run on two CPUs and only a stalled CPU opens the window.
	 */
	if (!self->preempt_old[0] &&
	    preempt_switch("full", self->preempt_old, sizeof(self->preempt_old)))
		self->preempt_old[0] = '\0';
	r->cpu = self->preempt_old[0] ? nr_cpus() - 1 : -1;
	r->fd = test_open_same_device(0);
	r->reuse_fd = test_open_same_device(0);
	ASSERT_EQ(0, pthread_create(&t1, NULL, hrace_create, r));
	ASSERT_EQ(0, pthread_create(&t2, NULL, hrace_reap, r));
	usleep(ms * 1000);
	r->stop = 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);

	TH_LOG("%s: %lu created, %lu of them freed under the caller; racer freed %lu, reallocated %lu (preemption %s)",
	       what, r->created, r->gone, r->freed, r->reused,
	       self->preempt_old[0] ? "full" : "unchanged");
	if (r->bad_len)
		TH_LOG("%s: %lu answers with a wrong length, e.g. %llu (want %llu)",
		       what, r->bad_len, (unsigned long long)r->seen_len,
		       (unsigned long long)r->want_len);
	if (r->bad_errno)
		TH_LOG("%s: %lu unexpected errors, last %s: %s", what,
		       r->bad_errno, r->bad_call, strerror(r->seen_errno));
	EXPECT_EQ(0UL, r->bad_len);
	EXPECT_EQ(0UL, r->bad_handle);
	EXPECT_EQ(0UL, r->bad_errno);
	EXPECT_LT(0UL, r->created);
	close(r->fd);
	close(r->reuse_fd);
}

TEST_F_TIMEOUT(lifetime, import_free_race, 90)
{
	struct dmaadd_info oinfo;
	unsigned int oindex;
	struct vgem_bo bo;
	struct hrace r;
	int ofd, dmabuf, fd2;
	__u32 h;

	/* A dma-buf of the other dmaadd device: a new buffer per import. */
	ofd = dmaadd_open_backend(other_backend(variant->backend), 0, &oinfo,
				  &oindex);
	if (ofd >= 0) {
		ASSERT_EQ(0, _test_ioctl_alloc(ofd, SZ_4K, &h, NULL));
		ASSERT_EQ(0, _test_ioctl_export(ofd, h, 0, &dmabuf));
		memset(&r, 0, sizeof(r));
		r.kind = RACE_IMPORT;
		r.dmabuf = dmabuf;
		r.want_len = SZ_4K;
		hrace_run(_metadata, self, &r, "other device's dma-buf", RACE_MS);
		close(dmabuf);
		close(ofd);
	} else {
		TH_LOG("no %s device: no cross-device import",
		       dmaadd_backend_name(other_backend(variant->backend)));
	}

	/* A vgem dma-buf: the same, from a foreign driver. */
	self->vgem = vgem_open();
	if (self->vgem >= 0) {
		ASSERT_EQ(0, vgem_bo_create(self->vgem, 1, &bo));
		dmabuf = prime_handle_to_fd(self->vgem, bo.handle);
		ASSERT_LE(0, dmabuf);
		memset(&r, 0, sizeof(r));
		r.kind = RACE_IMPORT;
		r.dmabuf = dmabuf;
		r.want_len = bo.size;
		hrace_run(_metadata, self, &r, "vgem dma-buf", RACE_MS);
		close(dmabuf);
		munmap(bo.map, bo.size);
	} else {
		TH_LOG("no vgem: no foreign import");
	}

	/*
	 * A dma-buf of this device, exported by another file: the same
	 * buffer each time (the dma-buf keeps it alive; no use-after-free
	 * possible, but the same answers are due).
	 */
	fd2 = test_open_same_device(0);
	ASSERT_EQ(0, _test_ioctl_alloc(fd2, SZ_4K - 4, &h, NULL));
	ASSERT_EQ(0, _test_ioctl_export(fd2, h, 0, &dmabuf));
	memset(&r, 0, sizeof(r));
	r.kind = RACE_IMPORT;
	r.dmabuf = dmabuf;
	r.want_len = SZ_4K - 4;
	hrace_run(_metadata, self, &r, "own device's dma-buf", RACE_SHORT_MS);
	close(dmabuf);
	close(fd2);

	if (self->have_live)
		ASSERT_EQ(0, live_settle(self->index, &self->base));
}

TEST_F_TIMEOUT(lifetime, alloc_free_race, 60)
{
	struct hrace r;

	memset(&r, 0, sizeof(r));
	r.kind = RACE_ALLOC;
	r.want_len = 2 * SZ_4K;
	hrace_run(_metadata, self, &r, "BUF_ALLOC", RACE_SHORT_MS);
	if (self->have_live)
		ASSERT_EQ(0, live_settle(self->index, &self->base));
}

TEST_F_TIMEOUT(lifetime, userptr_free_race, 60)
{
	struct hrace r;

	memset(&r, 0, sizeof(r));
	r.kind = RACE_USERPTR;
	r.want_len = 2 * SZ_4K - 8;
	r.user = share_map_anon(2, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, r.user);
	hrace_run(_metadata, self, &r, "BUF_USERPTR", RACE_SHORT_MS);
	if (self->have_live)
		ASSERT_EQ(0, live_settle(self->index, &self->base));
	share_unmap_anon(r.user, 2);
}

/*
 * B. An ioctl that makes a descriptor (SUBMIT with an out-fence,
 * BUF_EXPORT) and cannot write its answer back (the argument struct is in
 * a read-only page) fails with EFAULT, and must never have installed the
 * descriptor: installing it, then close_fd() of that number after the
 * failed copy, shows a descriptor to the process's other threads for a
 * while, and closes whatever that number is by then (another thread may
 * have closed it and got the number for a file of its own).
 *
 * A prober thread looks at the numbers the driver's descriptor would get,
 * closes what it finds there (as another thread could), opens a pipe and
 * checks that its own descriptors stay open.
 */
#define FD_MS		1200
#define PROBE_FDS	8

struct prober {
	int lo;
	volatile int stop;
	unsigned long rounds, seen, stolen, lost;
	int seen_fd;
};

static void *fd_prober(void *arg)
{
	struct prober *p = arg;
	int fd, pf[2], i;

	while (!p->stop) {
		/* None of these is ours now: anything there is the driver's. */
		for (fd = p->lo; fd < p->lo + PROBE_FDS; fd++) {
			if (fcntl(fd, F_GETFD) == -1)
				continue;
			p->seen++;
			p->seen_fd = fd;
			if (!close(fd))
				p->stolen++;
		}
		if (pipe2(pf, O_CLOEXEC))
			continue;
		for (i = 0; i < 20; i++)
			sched_yield();
		for (i = 0; i < 2; i++) {
			if (fcntl(pf[i], F_GETFD) == -1 || close(pf[i]))
				p->lost++;
		}
		p->rounds++;
	}
	return NULL;
}

static void fd_race(struct __test_metadata *_metadata,
		    FIXTURE_DATA(lifetime) *self, unsigned long cmd,
		    const void *args, size_t size, const char *what)
{
	struct prober p = { 0 };
	unsigned long efault = 0, other = 0;
	int lowest, nfds, last_errno = 0;
	pthread_t t;
	__u64 end;
	void *ro;

	ro = ro_page(args, size);
	ASSERT_NE(NULL, ro);
	lowest = lowest_free_fd();
	nfds = count_fds();
	ASSERT_LE(0, lowest);

	/* Once, alone: EFAULT, and the lowest free descriptor is unchanged. */
	EXPECT_FAILS(EFAULT, ioctl(self->fd, cmd, ro));
	EXPECT_EQ(lowest, lowest_free_fd());

	p.lo = lowest;
	ASSERT_EQ(0, pthread_create(&t, NULL, fd_prober, &p));
	end = dmaadd_now_ns() + FD_MS * 1000000ULL;
	while (dmaadd_now_ns() < end) {
		if (!ioctl(self->fd, cmd, ro)) {
			other++;
		} else if (errno == EFAULT) {
			efault++;
		} else {
			other++;
			last_errno = errno;
		}
	}
	p.stop = 1;
	pthread_join(t, NULL);

	TH_LOG("%s: %lu calls failed with EFAULT; the prober (%lu rounds) saw a driver's descriptor %lu times (last %d), closed %lu of them, lost %lu of its own",
	       what, efault, p.rounds, p.seen, p.seen_fd, p.stolen, p.lost);
	if (other)
		TH_LOG("%s: %lu calls did not fail with EFAULT (last errno %d)",
		       what, other, last_errno);
	EXPECT_EQ(0UL, other);
	EXPECT_EQ(0UL, p.seen);
	EXPECT_EQ(0UL, p.stolen);
	EXPECT_EQ(0UL, p.lost);
	EXPECT_EQ(lowest, lowest_free_fd());
	EXPECT_EQ(nfds, count_fds());
	munmap(ro, self->page);
}

TEST_F_TIMEOUT(lifetime, submit_out_fence_efault_installs_no_fd, 60)
{
	struct dmaadd_submit cmd;

	dmaadd_submit_init(&cmd, 64, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd.flags = DMAADD_SUBMIT_OUT_FENCE;
	fd_race(_metadata, self, DMAADD_IOCTL_SUBMIT, &cmd, sizeof(cmd),
		"SUBMIT with OUT_FENCE");
}

TEST_F_TIMEOUT(lifetime, export_efault_installs_no_fd, 60)
{
	struct dmaadd_buf_export cmd = {
		.size = sizeof(cmd),
		.handle = self->a.handle,
	};

	fd_race(_metadata, self, DMAADD_IOCTL_BUF_EXPORT, &cmd, sizeof(cmd),
		"BUF_EXPORT");
}

/*
 * C. "A rejected SUBMIT consumes no job id and starts nothing": also not
 * when the rejection is the EFAULT of writing the answer back. The
 * fixture's file is fresh, so its first job is job 1.
 */
#define C_FILL	0x5a5a5a5aU

/* After a rejected submission: no job 1, c untouched, no job counted. */
static void check_nothing_ran(struct __test_metadata *_metadata,
			      FIXTURE_DATA(lifetime) *self, long long jobs)
{
	__u64 id;

	EXPECT_FAILS(ENOENT, _test_ioctl_wait(self->fd, 1,
					      now_plus_ms(DONE_MS), NULL));
	EXPECT_EQ(-1LL, dmaadd_check_fill(self->c.map, LT_N, C_FILL, "c"));
	if (jobs >= 0)
		EXPECT_EQ(jobs, dev_stat(self->index, "jobs_completed"));
	/* The next job is still job 1. */
	test_ioctl_submit(LT_N, OPND(self->a.handle, 0), OPND(self->b.handle, 0),
			  OPND(self->c.handle, 0), &id);
	EXPECT_EQ(1ULL, id);
	test_ioctl_wait(id);
	ASSERT_SUM(self->a.map, self->b.map, self->c.map, LT_N);
}

TEST_F(lifetime, submit_efault_consumes_nothing)
{
	long long jobs = dev_stat(self->index, "jobs_completed");
	struct dmaadd_submit cmd;
	void *ro;

	dmaadd_fill(self->c.map, LT_N, C_FILL);
	dmaadd_submit_init(&cmd, LT_N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	ro = ro_page(&cmd, sizeof(cmd));
	ASSERT_NE(NULL, ro);
	EXPECT_FAILS(EFAULT, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, ro));
	check_nothing_ran(_metadata, self, jobs);
	munmap(ro, self->page);
}

TEST_F(lifetime, batch_jobs_read_only_consumes_nothing)
{
	long long jobs = dev_stat(self->index, "jobs_completed");
	struct dmaadd_submit elems[2];
	struct dmaadd_submit_batch batch = {
		.size = sizeof(batch),
		.count = 2,
		.stride = sizeof(elems[0]),
	};
	void *ro;

	dmaadd_fill(self->c.map, LT_N, C_FILL);
	dmaadd_submit_init(&elems[0], LT_N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	elems[1] = elems[0];
	ro = ro_page(elems, sizeof(elems));
	ASSERT_NE(NULL, ro);
	batch.jobs_ptr = (__u64)(uintptr_t)ro;
	/* "@jobs_ptr does not point to count * stride ... writable bytes" */
	EXPECT_FAILS(EFAULT, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch));
	check_nothing_ran(_metadata, self, jobs);
	munmap(ro, self->page);
}

TEST_F(lifetime, batch_struct_read_only_consumes_nothing)
{
	long long jobs = dev_stat(self->index, "jobs_completed");
	struct dmaadd_submit elems[2];
	struct dmaadd_submit_batch batch = {
		.size = sizeof(batch),
		.count = 2,
		.stride = sizeof(elems[0]),
		.jobs_ptr = (__u64)(uintptr_t)elems,
	};
	void *ro;

	dmaadd_fill(self->c.map, LT_N, C_FILL);
	dmaadd_submit_init(&elems[0], LT_N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	elems[1] = elems[0];
	ro = ro_page(&batch, sizeof(batch));
	ASSERT_NE(NULL, ro);
	EXPECT_FAILS(EFAULT, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, ro));
	check_nothing_ran(_metadata, self, jobs);
	munmap(ro, self->page);
}

/*
 * "error_index: out, on failure: the index of the job whose check failed,
 * or @count when the failure is not one job's": also for the batch's own
 * checks, which come before any element is read.
 */
TEST_F(lifetime, batch_early_refusal_sets_error_index)
{
	static const struct {
		const char *what;
		__u32 flags, reserved, count, stride;
	} cases[] = {
		{ "flags != 0",			1, 0, 1, 88 },
		{ "__reserved != 0",		0, 1, 1, 88 },
		{ "count 0",			0, 0, 0, 88 },
		{ "count > max_jobs_in_flight",	0, 0, 0, 88 },	/* set below */
		{ "stride < 80",		0, 0, 1, 72 },
		{ "stride not a multiple of 8",	0, 0, 1, 84 },
		{ "stride > 4096",		0, 0, 1, 4104 },
	};
	size_t jobs_len = 64 * SZ_4K;
	void *jobs = mmap(NULL, jobs_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;

	ASSERT_NE(MAP_FAILED, jobs);
	ASSERT_GE(jobs_len, (size_t)(self->info.max_jobs_in_flight + 1) * 88);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dmaadd_submit_batch batch = {
			.size = sizeof(batch),
			.flags = cases[i].flags,
			.count = cases[i].count,
			.stride = cases[i].stride,
			.jobs_ptr = (__u64)(uintptr_t)jobs,
			.error_index = 0xdeadbeef,
			.__reserved = cases[i].reserved,
		};
		int ret;

		if (i == 3)
			batch.count = self->info.max_jobs_in_flight + 1;
		ret = ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch);
		EXPECT_FAILS(EINVAL, ret);
		if (batch.error_index != batch.count)
			TH_LOG("%s: error_index 0x%x, want count %u",
			       cases[i].what, batch.error_index, batch.count);
		EXPECT_EQ(batch.count, batch.error_index);
	}
	munmap(jobs, jobs_len);
}

/*
 * D. Each element's @size is read once. Another thread flips the last
 * element's @size between 80 (DMAADD_SUBMIT_SIZE_VER0) and 88 (the whole
 * struct) while batches with stride 80 (so the element-by-element path)
 * are submitted. The element asks for an out-fence, which needs size 88,
 * and size 88 does not fit the stride: every call must fail with EINVAL.
 * A kernel that checks one read of @size and copies by another accepts it
 * and writes the out-fence fd at offset 84 of the element, in the bytes
 * after the array. Those bytes (and the other element's) must not change;
 * a descriptor that appears there is closed.
 *
 * How often another CPU's store lands between the kernel's reads depends
 * on how often the two (emulated) CPUs really run at once; the backend
 * plays no part. So these run once, on either device, for up to FLIP_MS,
 * and stop at the first violations.
 */
FIXTURE(argfetch) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
};

FIXTURE_SETUP(argfetch)
{
	self->page = dmaadd_page_size();
	self->fd = dmaadd_open_backend(DMAADD_BACKEND_PLATFORM, 0, &self->info,
				       &self->index);
	if (self->fd < 0)
		dmaadd_fixture_open(DMAADD_BACKEND_PCI);
	test_buf_create(LT_LEN, &self->a);
	test_buf_create(LT_LEN, &self->b);
	test_buf_create(LT_LEN, &self->c);
}

FIXTURE_TEARDOWN(argfetch)
{
	dmaadd_fixture_close();
}

#define FLIP_MS		5000
#define FLIP_ENOUGH	3	/* violations seen: no need to go on */
#define SIZE_88		((__u32)sizeof(struct dmaadd_submit))
#define GUARD_BYTES	96

struct flipper {
	volatile __u32 *word;
	__u32 v0, v1;
	int cpu;
	volatile int stop;
	unsigned long flips;
};

/*
 * The kernel's reads are nanoseconds apart. Each value is held for a
 * while, and how long sweeps from nothing to 256 spins and over again:
 * some part of the sweep matches the kernel's timing, whatever it is.
 */
static void *flip_word(void *arg)
{
	struct flipper *f = arg;
	unsigned int spin = 0, i;

	pin_to_cpu(f->cpu);
	while (!f->stop) {
		*f->word = f->v1;
		for (i = 0; i < spin; i++)
			__asm__ __volatile__("" ::: "memory");
		*f->word = f->v0;
		for (i = 0; i < spin; i++)
			__asm__ __volatile__("" ::: "memory");
		if (!(++f->flips % 2048))
			spin = spin ? (spin * 2) % 512 : 1;
	}
	return NULL;
}

/* Bytes [from, to) of @p against @ref, skipping @skip_off..+@skip_len. */
static int first_change(const __u8 *p, const __u8 *ref, size_t from, size_t to,
			const size_t *skip, unsigned int nskip)
{
	size_t i;
	unsigned int k;

	for (i = from; i < to; i++) {
		for (k = 0; k < nskip; k++)
			if (i >= skip[2 * k] && i < skip[2 * k] + skip[2 * k + 1])
				break;
		if (k == nskip && p[i] != ref[i])
			return (int)i;
	}
	return -1;
}

TEST_F_TIMEOUT(argfetch, batch_size_refetch, 60)
{
	const size_t stride = DMAADD_SUBMIT_SIZE_VER0;
	/* Written by a successful call, or flipped: job ids, last size. */
	const size_t skip[] = {
		offsetof(struct dmaadd_submit, job_id), 8,
		stride + offsetof(struct dmaadd_submit, job_id), 8,
		stride, 4,
	};
	struct flipper f = { 0 };
	struct dmaadd_submit *e0, *e1;
	struct dmaadd_submit_batch batch;
	unsigned long calls = 0, accepted = 0, einval = 0, other = 0;
	unsigned long changed = 0;
	int nfds = count_fds(), where = -1, last_errno = 0;
	__u8 *area, ref[2 * 80 + GUARD_BYTES];
	__u32 seen = 0;
	pthread_t t;
	__u64 end;

	area = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	e0 = (struct dmaadd_submit *)area;
	e1 = (struct dmaadd_submit *)(area + stride);
	/* Element 0 whole, then element 1 over its in/out fence fds. */
	dmaadd_submit_init(e0, 64, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	e0->size = DMAADD_SUBMIT_SIZE_VER0;
	memcpy(e1, e0, stride);
	e1->flags = DMAADD_SUBMIT_OUT_FENCE;
	/*
	 * After the array: the 8 bytes an 88-byte element 1 would have as its
	 * fence fds (zero, as the kernel wants them), then a pattern.
	 */
	memset(area + 2 * stride, 0, 8);
	memset(area + 2 * stride + 8, 0xa5, GUARD_BYTES - 8);
	memcpy(ref, area, sizeof(ref));

	memset(&batch, 0, sizeof(batch));
	f.word = &e1->size;
	f.v0 = DMAADD_SUBMIT_SIZE_VER0;
	f.v1 = SIZE_88;
	f.cpu = nr_cpus() > 1 ? 0 : -1;
	pin_to_cpu(nr_cpus() > 1 ? 1 : -1);
	ASSERT_EQ(0, pthread_create(&t, NULL, flip_word, &f));
	end = dmaadd_now_ns() + FLIP_MS * 1000000ULL;
	while (dmaadd_now_ns() < end && accepted + changed < FLIP_ENOUGH) {
		int ret;

		batch.size = sizeof(batch);
		batch.count = 2;
		batch.stride = stride;
		batch.jobs_ptr = (__u64)(uintptr_t)area;
		batch.error_index = 0;
		batch.__reserved = 0;
		ret = ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch);
		calls++;
		if (!ret) {
			accepted++;
			_test_ioctl_wait(self->fd, batch.first_job_id + 1,
					 now_plus_ms(DONE_MS), NULL);
		} else if (errno == EINVAL) {
			einval++;
		} else {
			other++;
			last_errno = errno;
		}
		where = first_change(area, ref, 0, sizeof(ref), skip,
				     ARRAY_SIZE(skip) / 2);
		if (where >= 0) {
			changed++;
			/* The out-fence fd, if that is what landed there. */
			memcpy(&seen, area + stride +
			       offsetof(struct dmaadd_submit, out_fence_fd), 4);
			if (seen > 2 && seen < 1024)
				close((int)seen);
			TH_LOG("call %lu: byte %d of the array changed (element 1's out_fence_fd bytes now %u)",
			       calls, where, seen);
			memcpy(area, ref, sizeof(ref));
		}
	}
	f.stop = 1;
	pthread_join(t, NULL);

	TH_LOG("%lu batches (%lu size flips): %lu accepted, %lu EINVAL, %lu other; the bytes past the elements changed %lu times",
	       calls, f.flips, accepted, einval, other, changed);
	EXPECT_EQ(0UL, accepted);
	EXPECT_EQ(0UL, changed);
	EXPECT_EQ(0UL, other);
	if (other)
		TH_LOG("last other errno %d", last_errno);
	EXPECT_EQ(nfds, count_fds());
	munmap(area, self->page);
}

/*
 * The same for SUBMIT itself: @size flips between 80 and 88 with
 * DMAADD_SUBMIT_OUT_FENCE set. Read once, either the call fails with
 * EINVAL (size 80) or the job is queued and its out-fence fd written back
 * (size 88). Copying 80 bytes by one read and checking 88 by another
 * queues the job with an fd the caller never hears of.
 */
TEST_F_TIMEOUT(argfetch, submit_size_refetch, 60)
{
	struct flipper f = { 0 };
	struct dmaadd_submit *cmd;
	unsigned long calls = 0, with_fd = 0, leaked = 0, einval = 0, other = 0;
	int nfds = count_fds(), last_errno = 0;
	pthread_t t;
	__u64 end;

	cmd = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cmd);
	dmaadd_submit_init(cmd, 64, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd->flags = DMAADD_SUBMIT_OUT_FENCE;
	cmd->size = DMAADD_SUBMIT_SIZE_VER0;

	f.word = &cmd->size;
	f.v0 = DMAADD_SUBMIT_SIZE_VER0;
	f.v1 = SIZE_88;
	f.cpu = nr_cpus() > 1 ? 0 : -1;
	pin_to_cpu(nr_cpus() > 1 ? 1 : -1);
	ASSERT_EQ(0, pthread_create(&t, NULL, flip_word, &f));
	end = dmaadd_now_ns() + FLIP_MS * 1000000ULL;
	while (dmaadd_now_ns() < end && leaked < FLIP_ENOUGH) {
		int ret;

		cmd->in_fence_fd = 0;
		cmd->out_fence_fd = 0;
		cmd->job_id = 0;
		ret = ioctl(self->fd, DMAADD_IOCTL_SUBMIT, cmd);
		calls++;
		if (!ret) {
			if (cmd->out_fence_fd) {
				with_fd++;
				close((int)cmd->out_fence_fd);
			} else {
				leaked++;
			}
			_test_ioctl_wait(self->fd, cmd->job_id,
					 now_plus_ms(DONE_MS), NULL);
		} else if (errno == EINVAL) {
			einval++;
		} else {
			other++;
			last_errno = errno;
		}
	}
	f.stop = 1;
	pthread_join(t, NULL);

	TH_LOG("%lu SUBMITs (%lu size flips): %lu with an out-fence fd, %lu accepted without one, %lu EINVAL, %lu other (last errno %d); descriptors %d -> %d",
	       calls, f.flips, with_fd, leaked, einval, other, last_errno,
	       nfds, count_fds());
	EXPECT_EQ(0UL, leaked);
	EXPECT_EQ(0UL, other);
	EXPECT_EQ(nfds, count_fds());
	munmap(cmd, self->page);
}

/*
 * E. SUBMIT and SUBMIT_BATCH sleep interruptibly for the file's submit
 * lock and the buffers' reservation locks; a signal there must give
 * -ERESTARTSYS (restarted for SA_RESTART handlers: nothing was done yet),
 * never EINTR. Four threads submit on one file, two more on a second file
 * that shares the buffers (the same reservation objects), and SIGUSR1
 * (SA_RESTART) rains on all of them.
 */
#define EINTR_MS	2000
#define EINTR_SAME	4
#define EINTR_ALL	(EINTR_SAME + 2)
#define EINTR_BATCH	16
#define EINTR_N		256	/* small jobs: the lock, not the device */

struct eintr_ctx {
	int fd[2];
	__u32 h[2][3];
	volatile int stop;
	pthread_t tid[EINTR_ALL];
	unsigned long calls, submit_eintr, batch_eintr, wait_eintr, other;
	int other_errno;
};

struct eintr_arg {
	struct eintr_ctx *ctx;
	unsigned int i;
};

static volatile unsigned long eintr_caught;

static void eintr_handler(int sig)
{
	(void)sig;
	__atomic_add_fetch(&eintr_caught, 1, __ATOMIC_RELAXED);
}

static void eintr_note(struct eintr_ctx *x, int ret, unsigned long *eintr)
{
	__atomic_add_fetch(&x->calls, 1, __ATOMIC_RELAXED);
	if (!ret)
		return;
	/* WAIT: older than the job history (other threads' jobs) is done. */
	if (eintr == &x->wait_eintr && errno == ENOENT)
		return;
	if (errno == EINTR) {
		__atomic_add_fetch(eintr, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&x->other, 1, __ATOMIC_RELAXED);
		x->other_errno = errno;
	}
}

static void *eintr_worker(void *arg)
{
	struct eintr_arg *w = arg;
	struct eintr_ctx *x = w->ctx;
	unsigned int f = w->i >= EINTR_SAME;
	int fd = x->fd[f];
	struct dmaadd_submit jobs[EINTR_BATCH];
	unsigned long n = 0;
	__u64 last = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < EINTR_BATCH; i++)
		dmaadd_submit_init(&jobs[i], EINTR_N, OPND(x->h[f][0], 0),
				   OPND(x->h[f][1], 0), OPND(x->h[f][2], 0));
	while (!x->stop) {
		if ((n + w->i) % 2) {
			struct dmaadd_submit cmd = jobs[0];

			ret = ioctl(fd, DMAADD_IOCTL_SUBMIT, &cmd);
			eintr_note(x, ret, &x->submit_eintr);
			if (!ret)
				last = cmd.job_id;
		} else {
			struct dmaadd_submit_batch batch = {
				.size = sizeof(batch),
				.count = EINTR_BATCH,
				.stride = sizeof(jobs[0]),
				.jobs_ptr = (__u64)(uintptr_t)jobs,
			};

			ret = ioctl(fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch);
			eintr_note(x, ret, &x->batch_eintr);
			if (!ret)
				last = batch.first_job_id + EINTR_BATCH - 1;
		}
		if (last && !(++n % 16))
			eintr_note(x, _test_ioctl_wait(fd, last,
						       now_plus_ms(DONE_MS),
						       NULL),
				   &x->wait_eintr);
	}
	if (last)
		_test_ioctl_wait(fd, last, now_plus_ms(DONE_MS), NULL);
	return NULL;
}

TEST_F_TIMEOUT(lifetime, submit_sa_restart_never_eintr, 60)
{
	struct sigaction sa = { .sa_handler = eintr_handler,
				.sa_flags = SA_RESTART };
	struct eintr_arg args[EINTR_ALL];
	struct eintr_ctx x;
	unsigned long sent = 0;
	unsigned int i, k;
	__u64 end;
	int dmabuf;

	memset(&x, 0, sizeof(x));
	x.fd[0] = self->fd;
	x.fd[1] = test_open_same_device(0);
	x.h[0][0] = self->a.handle;
	x.h[0][1] = self->b.handle;
	x.h[0][2] = self->c.handle;
	for (k = 0; k < 3; k++) {
		test_ioctl_export(x.h[0][k], 0, &dmabuf);
		ASSERT_EQ(0, _test_ioctl_import(x.fd[1], dmabuf, &x.h[1][k],
						NULL, NULL));
		close(dmabuf);
	}
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	for (i = 0; i < EINTR_ALL; i++) {
		args[i].ctx = &x;
		args[i].i = i;
		ASSERT_EQ(0, pthread_create(&x.tid[i], NULL, eintr_worker,
					    &args[i]));
	}
	end = dmaadd_now_ns() + EINTR_MS * 1000000ULL;
	while (dmaadd_now_ns() < end) {
		for (i = 0; i < EINTR_ALL; i++) {
			pthread_kill(x.tid[i], SIGUSR1);
			sent++;
		}
		sched_yield();
	}
	x.stop = 1;
	for (i = 0; i < EINTR_ALL; i++)
		pthread_join(x.tid[i], NULL);
	signal(SIGUSR1, SIG_IGN);

	TH_LOG("%lu calls, %lu signals sent, %lu caught; EINTR from SUBMIT %lu, SUBMIT_BATCH %lu, WAIT %lu; other errors %lu (last errno %d)",
	       x.calls, sent, eintr_caught, x.submit_eintr, x.batch_eintr,
	       x.wait_eintr, x.other, x.other_errno);
	EXPECT_EQ(0UL, x.submit_eintr);
	EXPECT_EQ(0UL, x.batch_eintr);
	EXPECT_EQ(0UL, x.wait_eintr);
	EXPECT_EQ(0UL, x.other);
	EXPECT_LT(100UL, eintr_caught);
	close(x.fd[1]);
}

/*
 * F. A USERPTR whose range is only partly mapped fails with EFAULT after
 * pinning what is mapped; the RLIMIT_MEMLOCK charge (mm->locked_vm, VmLck
 * in /proc/self/status) must be given back in full. Checked on VmLck, and
 * in a child without CAP_IPC_LOCK whose limit is exactly 8 pages: after
 * 20 failed partial registrations, 8 mapped pages still register, 20
 * times in a row.
 */
#define F_PAGES		8
#define F_ROUNDS	20

static long long vmlck_kb(void)
{
	return (long long)proc_field("/proc/self/status", "VmLck:");
}

/* 8 pages of which only the first 4 are mapped (then a hole). */
static void *partial_range(__u64 page)
{
	char *p = mmap(NULL, F_PAGES * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 1, F_PAGES / 2 * page);
	munmap(p + F_PAGES / 2 * page, F_PAGES / 2 * page);
	return p;
}

TEST_F(lifetime, userptr_partial_pin_uncharges_memlock)
{
	long long before = vmlck_kb();
	char *p;
	pid_t pid;

	p = partial_range(self->page);
	ASSERT_NE(NULL, p);
	test_err_userptr(EFAULT, p, F_PAGES * self->page, 0);
	EXPECT_EQ(before, vmlck_kb());
	munmap(p, F_PAGES / 2 * self->page);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long long base;
		__u32 h;
		int i;

		/* The device fd is open already; nobody has no CAP_IPC_LOCK. */
		base = vmlck_kb();
		CHILD_CHECK(share_drop_privileges(base * 1024 +
						  F_PAGES * self->page) == 0);
		for (i = 0; i < F_ROUNDS; i++) {
			p = partial_range(self->page);
			CHILD_CHECK(p != NULL);
			CHILD_CHECK(_test_ioctl_userptr(self->fd, p,
							F_PAGES * self->page,
							0, NULL) == -1);
			CHILD_CHECK(errno == EFAULT);
			munmap(p, F_PAGES / 2 * self->page);
		}
		if (vmlck_kb() != base)
			fprintf(stderr, "# child: VmLck %lld kB after %d failed registrations, was %lld kB\n",
				vmlck_kb(), F_ROUNDS, base);
		CHILD_CHECK(vmlck_kb() == base);
		for (i = 0; i < F_ROUNDS; i++) {
			p = share_map_anon(F_PAGES, PROT_READ | PROT_WRITE);
			CHILD_CHECK(p != NULL);
			if (_test_ioctl_userptr(self->fd, p,
						F_PAGES * self->page, 0, &h)) {
				fprintf(stderr, "# child: registration %d of 8 mapped pages failed: %s (VmLck %lld kB)\n",
					i, strerror(errno), vmlck_kb());
				_exit(1);
			}
			CHILD_CHECK(_test_ioctl_free(self->fd, h) == 0);
			share_unmap_anon(p, F_PAGES);
		}
		_exit(0);
	}
	ASSERT_EQ(0, share_wait_child(pid));
}

/*
 * G. The "refs" column of debugfs "clients": kref_read() of the buffer
 * object, whoever holds it. The exact counts, from the driver:
 *
 *   BUF_ALLOC                 1  the handle (dmaadd_buf_create's reference,
 *                                taken over by the handle table)
 *   + mmap through the device 2  dmaadd_buf_mmap() takes one for the vma
 *                                (dmaadd_file_mmap()'s lookup reference is
 *                                dropped again)
 *   + BUF_EXPORT, fd held     3  the dma-buf's dmaadd_export holds one
 *   + BUF_IMPORT of that fd   3  same device, same file: the same handle;
 *     into the same file         the import's own reference is dropped
 *   + BUF_IMPORT into a       4  same device: the very buffer, one more
 *     second file                handle (in the other file's table)
 *   + mmap of the dma-buf fd  5  the exporter's mmap, dmaadd_buf_mmap()
 *   + a job on it as a, b, c  8  one reference per operand until the job
 *     (held by an in-fence)      completes (then 5 again)
 *   - munmap(dma-buf map)     4
 *   - munmap(device map)      3
 *   - close(dma-buf fd)       2  dmaadd_dmabuf_release()
 *   - close(second file)      1  its handle
 *   - BUF_FREE                   gone from the listing
 */
static char *client_block(char *text, int nth)
{
	char head[48];
	char *p = text, *next;

	snprintf(head, sizeof(head), "client pid %d ", getpid());
	while ((p = strstr(p, head))) {
		if (!nth--) {
			next = strstr(p + 1, "client pid ");
			if (next)
				*next = '\0';
			return p;
		}
		p++;
	}
	return NULL;
}

/* refs of @handle in this process's @nth open file of the device; -1. */
static int refs_of(const char *dir, char *text, int nth, __u32 handle)
{
	char want[24], kind[16], mode[8];
	unsigned long long length, pages;
	unsigned int h, segs, refs;
	char *block, *p;

	if (read_text_file(dir, "clients", text, TEXT_MAX))
		return -1;
	block = client_block(text, nth);
	if (!block)
		return -1;
	snprintf(want, sizeof(want), "\n  %u ", handle);
	p = strstr(block, want);
	if (!p)
		return -1;
	if (sscanf(p + 1, " %u %15s %llu %llu %u %u %7s", &h, kind, &length,
		   &pages, &segs, &refs, mode) != 7)
		return -1;
	return (int)refs;
}

/* Jobs drop their references just after their fence signals: poll. */
static int refs_settle(const char *dir, char *text, int nth, __u32 handle,
		       int want)
{
	int i, refs = -1;

	for (i = 0; i < 200; i++) {
		refs = refs_of(dir, text, nth, handle);
		if (refs == want)
			break;
		usleep(10000);
	}
	return refs;
}

TEST_F(lifetime, debugfs_refs_exact)
{
	char dir[96];
	struct blocker blk;
	char *text;
	__u32 h, h_again = 0, h2 = 0;
	__u64 off, id;
	void *map, *dmap;
	int dmabuf, fd2;

	snprintf(dir, sizeof(dir), "/sys/kernel/debug/dmaadd/dmaadd%u",
		 self->index);
	if (access(dir, R_OK))
		SKIP(return, "no debugfs at %s", dir);
	text = malloc(TEXT_MAX);
	ASSERT_NE(NULL, text);

	test_ioctl_alloc(LT_LEN, &h, &off);
	EXPECT_EQ(1, refs_of(dir, text, 0, h));
	map = mmap(NULL, LT_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		   off);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(2, refs_of(dir, text, 0, h));
	test_ioctl_export(h, 0, &dmabuf);
	EXPECT_EQ(3, refs_of(dir, text, 0, h));
	test_ioctl_import(dmabuf, &h_again, NULL, NULL);
	EXPECT_EQ(h, h_again);
	EXPECT_EQ(3, refs_of(dir, text, 0, h));

	fd2 = test_open_same_device(0);
	ASSERT_EQ(0, _test_ioctl_import(fd2, dmabuf, &h2, NULL, NULL));
	EXPECT_EQ(4, refs_of(dir, text, 0, h));
	EXPECT_EQ(4, refs_of(dir, text, 1, h2));

	dmap = mmap(NULL, LT_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, dmap);
	EXPECT_EQ(5, refs_of(dir, text, 0, h));

	self->vgem = vgem_open();
	if (self->vgem >= 0) {
		struct dmaadd_buf held = { .handle = h };

		test_blocker(&blk);
		id = submit_held(self->fd, &held, blk.sync);
		ASSERT_NE(0ULL, id);
		EXPECT_EQ(8, refs_of(dir, text, 0, h));
		release_blocker(&blk);
		ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
		EXPECT_EQ(5, refs_settle(dir, text, 0, h, 5));
		blocker_destroy(self->vgem, &blk);
	} else {
		TH_LOG("no vgem: no job held by an in-fence");
	}

	munmap(dmap, LT_LEN);
	EXPECT_EQ(4, refs_of(dir, text, 0, h));
	munmap(map, LT_LEN);
	EXPECT_EQ(3, refs_of(dir, text, 0, h));
	close(dmabuf);
	EXPECT_EQ(2, refs_of(dir, text, 0, h));
	close(fd2);
	EXPECT_EQ(1, refs_of(dir, text, 0, h));
	test_ioctl_free(h);
	EXPECT_EQ(-1, refs_of(dir, text, 0, h));
	free(text);
	if (self->have_live)
		ASSERT_EQ(0, live_settle(self->index, &self->base));
}

/*
 * H. Deadlock stress. SUBMIT takes a file's ring_lock while it holds the
 * reservation locks of its buffers; the file's ring work holds ring_lock
 * while it sleeps for room in the device's doorbell ring; the device's
 * engine thread drops the jobs' references after a burst, and the last
 * reference of an import unmaps its attachment under the exporter's
 * reservation lock. One dma-buf of the exporting device, imported by
 * every file of the importing device, shares that lock among all of them.
 *
 * A stress process runs for H_RUN_MS: importer threads, each with its own
 * file of the importing device (256 jobs in flight each: more than the
 * 1024-entry ring takes), submit jobs that read the import of a read-only
 * dma-buf (ready at once, so they fill the ring), free the import's handle
 * while its jobs are queued and import again, and close whole files with
 * jobs queued; exporter threads do the same on the exporting device with
 * the buffer itself, and one job in H_WRITE_EVERY of theirs rewrites it in
 * place with zeros added (its contents never change, so every result can
 * be checked; the importers' jobs after it wait for that writer); a forker makes children that import, submit, free and
 * exit. Then every thread waits (60 s at most) for its last job and
 * checks its results.
 *
 * The test process watches from outside: progress every 2 s, and no job
 * completed on either device for H_STALL_S while the stress process is
 * alive is a deadlock. It then lists the blocked tasks with their kernel
 * stacks, asks the kernel for its own list (sysrq w), and fails, leaving
 * the stuck process behind. Otherwise the stress process must exit 0 and
 * the live objects of both devices come back to where they were.
 */
#define H_RUN_MS	7000
#define H_LEN		(8 * SZ_64K)
#define H_N		(H_LEN / ELEM_SIZE)
#define H_IMPORTERS	6
#define H_EXPORTERS	2
#define H_FREE_EVERY	64
#define H_WRITE_EVERY	1000	/* rare: a writer makes later readers wait */
#define H_CHECK_EVERY	320
#define H_FILE_JOBS	1200
#define H_CHILD_JOBS	64
#define H_WAIT_MS	60000
#define H_STALL_S	20
#define H_DEADLINE_S	150

/* Counters shared by the stress process, its children and the watcher. */
struct hshared {
	volatile int stop;
	unsigned long submits, waits, imports, frees, reopens, forks, checks;
	unsigned long errors;
	int have_error;
	char first_error[160];
};

struct hctx {
	struct hshared *sh;
	unsigned int exp_index, imp_index;
	/*
	 * The exporting device's own files get the buffer itself (writable);
	 * the importing device a read-only dma-buf: its mappings are then
	 * DMA_TO_DEVICE, which DMA-API debugging does not count against its
	 * limit of 7 more mappings of one cacheline.
	 */
	int dmabuf_rw, dmabuf_ro;
	const __u32 *pattern;	/* the shared buffer's contents */
};

struct hthread {
	struct hctx *h;
	unsigned int index;	/* device */
	__u32 seed;
};

/* One open file of a worker: local buffers and its import of the dma-buf. */
struct hfile {
	int fd;
	int dmabuf;
	bool writable;
	struct dmaadd_buf b, c, z;
	__u32 imp;
	__u64 last;
	bool c_written;
};

#define HADD(_sh, _field) __atomic_add_fetch(&(_sh)->_field, 1, __ATOMIC_RELAXED)

static void h_fail(struct hshared *sh, const char *what, int err)
{
	unsigned long n = __atomic_add_fetch(&sh->errors, 1, __ATOMIC_SEQ_CST);

	if (!__atomic_exchange_n(&sh->have_error, 1, __ATOMIC_SEQ_CST))
		snprintf(sh->first_error, sizeof(sh->first_error),
			 "%s: %s", what, strerror(err));
	if (n <= 10)
		fprintf(stderr, "# stress %d: %s: %s\n", getpid(), what,
			strerror(err));
}

static int h_import(struct hctx *h, struct hfile *f)
{
	__u64 len = 0;

	if (_test_ioctl_import(f->fd, f->dmabuf, &f->imp, &len, NULL))
		return -1;
	HADD(h->sh, imports);
	if (len != H_LEN) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int h_open(struct hctx *h, unsigned int index, struct hfile *f,
		  __u32 seed)
{
	memset(f, 0, sizeof(*f));
	f->writable = index == h->exp_index;
	f->dmabuf = f->writable ? h->dmabuf_rw : h->dmabuf_ro;
	f->fd = dmaadd_open_index(index, 0);
	if (f->fd < 0)
		return -1;
	if (_test_buf_create(f->fd, H_LEN, &f->b) ||
	    _test_buf_create(f->fd, H_LEN, &f->c) ||
	    _test_buf_create(f->fd, H_LEN, &f->z))
		return -1;
	dmaadd_fill_random(f->b.map, H_N, seed);
	return h_import(h, f);
}

static void h_close(struct hfile *f)
{
	dmaadd_buf_unmap(&f->b);
	dmaadd_buf_unmap(&f->c);
	dmaadd_buf_unmap(&f->z);
	close(f->fd);
	f->fd = -1;
}

/* c = shared + b, or shared = shared + zeros (in place, unchanged). */
static int h_submit(struct hctx *h, struct hfile *f, bool rewrite)
{
	int ret;

	rewrite &= f->writable;
	if (rewrite)
		ret = _test_ioctl_submit(f->fd, H_N, OPND(f->imp, 0),
					 OPND(f->z.handle, 0), OPND(f->imp, 0),
					 &f->last);
	else
		ret = _test_ioctl_submit(f->fd, H_N, OPND(f->imp, 0),
					 OPND(f->b.handle, 0),
					 OPND(f->c.handle, 0), &f->last);
	if (!ret) {
		HADD(h->sh, submits);
		f->c_written |= !rewrite;
	}
	return ret;
}

/* Waits (bounded) for the file's last job; checks c = shared + b. */
static int h_check(struct hctx *h, struct hfile *f)
{
	__u32 status = ~0U;
	__u64 i;

	if (!f->last)
		return 0;
	if (_test_ioctl_wait(f->fd, f->last, now_plus_ms(H_WAIT_MS), &status))
		return -1;
	HADD(h->sh, waits);
	if (status != DMAADD_JOB_OK) {
		errno = EIO;
		return -1;
	}
	for (i = 0; f->c_written && i < H_N; i++) {
		if (f->c.map[i] != (__u32)(h->pattern[i] + f->b.map[i])) {
			errno = EBADMSG;
			return -1;
		}
	}
	HADD(h->sh, checks);
	return 0;
}

static void *h_worker(void *arg)
{
	struct hthread *t = arg;
	struct hctx *h = t->h;
	struct hshared *sh = h->sh;
	struct hfile f;
	unsigned int n;

	while (!sh->stop) {
		if (h_open(h, t->index, &f, t->seed++)) {
			h_fail(sh, "open, buffers and import", errno);
			return NULL;
		}
		for (n = 1; !sh->stop && n <= H_FILE_JOBS; n++) {
			if (h_submit(h, &f, !(n % H_WRITE_EVERY))) {
				h_fail(sh, "SUBMIT", errno);
				goto out;
			}
			/* Its queued jobs hold the last reference. */
			if (!(n % H_FREE_EVERY)) {
				if (_test_ioctl_free(f.fd, f.imp)) {
					h_fail(sh, "BUF_FREE", errno);
					goto out;
				}
				HADD(sh, frees);
				if (h_import(h, &f)) {
					h_fail(sh, "BUF_IMPORT", errno);
					goto out;
				}
			}
			if (!(n % H_CHECK_EVERY) && h_check(h, &f)) {
				h_fail(sh, "WAIT and check", errno);
				goto out;
			}
		}
		if (sh->stop && h_check(h, &f))
			h_fail(sh, "final WAIT and check", errno);
		/* Closed with its jobs queued, unless stopping. */
		HADD(sh, reopens);
		h_close(&f);
	}
	return NULL;
out:
	h_close(&f);
	return NULL;
}

/* A child: imports, submits, frees the import and exits, jobs queued. */
static int h_child(struct hctx *h)
{
	struct hfile f;
	unsigned int n;

	if (h_open(h, h->imp_index, &f, (__u32)getpid()))
		return 2;
	for (n = 1; n <= H_CHILD_JOBS; n++) {
		if (h_submit(h, &f, false))
			return 3;
		if (n == H_CHILD_JOBS / 2) {
			if (_test_ioctl_free(f.fd, f.imp) || h_import(h, &f))
				return 4;
		}
	}
	if (_test_ioctl_free(f.fd, f.imp))
		return 5;
	return 0;
}

static void *h_forker(void *arg)
{
	struct hctx *h = arg;
	char what[48];
	pid_t pid;
	int st;

	while (!h->sh->stop) {
		pid = fork();
		if (pid < 0) {
			h_fail(h->sh, "fork", errno);
			return NULL;
		}
		if (pid == 0)
			_exit(h_child(h));
		HADD(h->sh, forks);
		st = share_wait_child(pid);
		if (st) {
			snprintf(what, sizeof(what), "child exit status %d", st);
			h_fail(h->sh, what, 0);
		}
	}
	return NULL;
}

/* The stress process: its exit status is 0 when every check held. */
static int h_stress(struct hctx *h)
{
	struct hthread t[H_IMPORTERS + H_EXPORTERS];
	pthread_t tid[H_IMPORTERS + H_EXPORTERS + 1];
	struct dmaadd_buf s;
	unsigned int i;
	__u32 *pattern;
	int fd;

	fd = dmaadd_open_index(h->exp_index, 0);
	pattern = malloc(H_LEN);
	if (fd < 0 || !pattern || _test_buf_create(fd, H_LEN, &s))
		return 10;
	for (i = 0; i < H_N; i++)
		pattern[i] = i * 2654435761U;
	memcpy(s.map, pattern, H_LEN);
	if (_test_ioctl_export(fd, s.handle, 0, &h->dmabuf_rw) ||
	    _test_ioctl_export(fd, s.handle, DMAADD_EXPORT_READ_ONLY,
			       &h->dmabuf_ro))
		return 11;
	h->pattern = pattern;

	for (i = 0; i < H_IMPORTERS + H_EXPORTERS; i++) {
		t[i].h = h;
		t[i].index = i < H_IMPORTERS ? h->imp_index : h->exp_index;
		t[i].seed = 1000 * (i + 1);
		if (pthread_create(&tid[i], NULL, h_worker, &t[i]))
			return 12;
	}
	if (pthread_create(&tid[i], NULL, h_forker, h))
		return 12;
	usleep(H_RUN_MS * 1000);
	h->sh->stop = 1;
	for (i = 0; i < ARRAY_SIZE(tid); i++)
		pthread_join(tid[i], NULL);

	/* Rewritten with zeros added, again and again: still the pattern. */
	if (memcmp(s.map, pattern, H_LEN))
		h_fail(h->sh, "shared buffer changed", EBADMSG);
	close(h->dmabuf_rw);
	close(h->dmabuf_ro);
	dmaadd_buf_unmap(&s);
	close(fd);
	return h->sh->errors ? 1 : 0;
}

/* Tasks in uninterruptible sleep, with their kernel stacks. */
static void dump_blocked_tasks(void)
{
	char path[96], stat[512], stack[4096];
	struct dirent *p, *t;
	DIR *procs, *tasks;
	char *r;

	procs = opendir("/proc");
	if (!procs)
		return;
	while ((p = readdir(procs))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/task", p->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((t = readdir(tasks))) {
			if (t->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%.16s/task/%.16s",
				 p->d_name, t->d_name);
			if (read_text_file(path, "stat", stat, sizeof(stat)))
				continue;
			r = strrchr(stat, ')');
			if (!r || r[1] != ' ' || r[2] != 'D')
				continue;
			*r = '\0';
			fprintf(stderr, "# blocked: pid %s tid %s (%s)\n",
				p->d_name, t->d_name, strchr(stat, '(') + 1);
			if (!read_text_file(path, "stack", stack, sizeof(stack)))
				fprintf(stderr, "%s", stack);
		}
		closedir(tasks);
	}
	closedir(procs);
}

/* Waits (10 s at most) until no job is on device @index: 0, or -1. */
static int h_device_idle(unsigned int index)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (dev_stat(index, "jobs_on_device") <= 0)
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

FIXTURE(deadlock) {
	DMAADD_FIXTURE_MEMBERS;		/* the exporting device */
	int imp_fd;
	unsigned int imp_index;
	struct dmaadd_info imp_info;
	struct live exp_base, imp_base;
	bool have_live;
};

FIXTURE_VARIANT(deadlock) {
	__u32 exporter;
};

FIXTURE_VARIANT_ADD(deadlock, platform_exports_to_pci) {
	.exporter = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(deadlock, pci_exports_to_platform) {
	.exporter = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(deadlock)
{
	__u32 importer = other_backend(variant->exporter);

	dmaadd_fixture_open(variant->exporter);
	self->imp_fd = dmaadd_open_backend(importer, 0, &self->imp_info,
					   &self->imp_index);
	if (self->imp_fd < 0)
		SKIP_SETUP("no %s device to import into",
			   dmaadd_backend_name(importer));
	self->have_live = !live_read(self->index, &self->exp_base) &&
			  !live_read(self->imp_index, &self->imp_base);
}

FIXTURE_TEARDOWN(deadlock)
{
	if (self->imp_fd >= 0)
		close(self->imp_fd);
	dmaadd_fixture_close();
}

TEST_F_TIMEOUT(deadlock, import_release_under_full_ring, H_DEADLINE_S + 60)
{
	struct hshared *sh;
	struct hctx h = {
		.exp_index = self->index,
		.imp_index = self->imp_index,
	};
	long long jobs, last_jobs[2] = { -1, -1 }, last_any[2] = { -1, -1 };
	__u64 start = dmaadd_now_ns(), now, shown = 0;
	__u64 progress[2] = { start, start }, progress_any = start;
	int status = -1, stalled = 0, exited = 0, i;
	pid_t pid;

	/* An earlier deadlock leaves jobs on a device for good. */
	if (h_device_idle(self->index) || h_device_idle(self->imp_index)) {
		TH_LOG("a device still has jobs on it that never complete (%lld, %lld): wedged before this test",
		       dev_stat(self->index, "jobs_on_device"),
		       dev_stat(self->imp_index, "jobs_on_device"));
		ASSERT_TRUE(0);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	h.sh = sh;
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(h_stress(&h));

	for (;;) {
		usleep(500 * 1000);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = 1;
			break;
		}
		now = dmaadd_now_ns();
		/* Progress: jobs completing (or none on the device). */
		for (i = 0; i < 2; i++) {
			unsigned int index = i ? self->imp_index : self->index;

			jobs = dev_stat(index, "jobs_completed");
			if (jobs < 0)	/* no debugfs: what the stress counts */
				jobs = (long long)(sh->waits + sh->submits);
			if (jobs != last_jobs[i] ||
			    !dev_stat(index, "jobs_on_device")) {
				last_jobs[i] = jobs;
				progress[i] = now;
			}
			if (jobs != last_any[i]) {
				last_any[i] = jobs;
				progress_any = now;
			}
		}
		if (now - shown >= 2000000000ULL) {
			shown = now;
			TH_LOG("%4.1f s: %lu submits, %lu waits, %lu checks, %lu imports, %lu frees, %lu files, %lu children; jobs completed %s %lld, %s %lld; on device %lld, %lld",
			       (now - start) / 1e9, sh->submits, sh->waits,
			       sh->checks, sh->imports, sh->frees, sh->reopens,
			       sh->forks, dmaadd_backend_name(variant->exporter),
			       dev_stat(self->index, "jobs_completed"),
			       dmaadd_backend_name(self->imp_info.backend),
			       dev_stat(self->imp_index, "jobs_completed"),
			       dev_stat(self->index, "jobs_on_device"),
			       dev_stat(self->imp_index, "jobs_on_device"));
		}
		/* A device with jobs on it that complete none, or no device. */
		for (i = 0; i < 2; i++)
			if (now - progress[i] > H_STALL_S * 1000000000ULL)
				stalled = 1;
		if (now - progress_any > H_STALL_S * 1000000000ULL)
			stalled = 1;
		if (stalled || now - start > H_DEADLINE_S * 1000000000ULL)
			break;
	}
	if (!exited) {
		TH_LOG("%s: a device completed no job for %d s (%lu submits, %lu waits, %lu imports, %lu frees, %lu files, %lu children); blocked tasks:",
		       stalled ? "DEADLOCK" : "too slow", H_STALL_S,
		       sh->submits, sh->waits, sh->imports, sh->frees,
		       sh->reopens, sh->forks);
		dump_blocked_tasks();
		write_str("/proc/sysrq-trigger", "w");
		kill(pid, SIGKILL);
		ASSERT_TRUE(0);
	}
	TH_LOG("done in %.1f s: %lu submits, %lu waits, %lu checks, %lu imports, %lu frees, %lu files, %lu children; %lu errors%s%s",
	       (dmaadd_now_ns() - start) / 1e9, sh->submits, sh->waits,
	       sh->checks, sh->imports, sh->frees, sh->reopens, sh->forks,
	       sh->errors, sh->have_error ? ", first: " : "",
	       sh->have_error ? sh->first_error : "");
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_LT(0UL, sh->frees);
	EXPECT_LT(0UL, sh->forks);
	/*
	 * The closed files' jobs (up to 256 each, staged behind the other
	 * device's) still run after the stress process is gone, and hold
	 * their buffers until then: on a loaded host that takes a while.
	 * What must hold is that everything goes, not how fast.
	 */
	if (self->have_live) {
		start = dmaadd_now_ns();
		EXPECT_EQ(0, live_settle_for(self->index, &self->exp_base,
					     H_WAIT_MS));
		EXPECT_EQ(0, live_settle_for(self->imp_index, &self->imp_base,
					     H_WAIT_MS));
		TH_LOG("all objects gone %.1f s after the stress process",
		       (dmaadd_now_ns() - start) / 1e9);
	}
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
