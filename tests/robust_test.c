// SPDX-License-Identifier: GPL-2.0
/*
 * Robustness under concurrency: threads racing to free what others use,
 * and signals raining on the blocking calls. Allocation failures are
 * failnth_test's.
 */
#include "share_test.h"	/* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <signal.h>

/*
 * races: threads share one open file and a handful of handle slots; one
 * frees and replaces buffers while the others submit jobs on them, export
 * and import them, map them, copy through SUBMIT_COPY and wait. Every call
 * must succeed or fail with an errno that says "that handle went away";
 * results of jobs that ran are checked where the buffer is still ours.
 * Meanwhile another thread pins user memory, runs a job on it and frees
 * it at once, and another opens a second file, exports from it (which the
 * importer takes) and closes it with its job in flight. When all is
 * closed, the live objects and pinned pages go back to where they were.
 */
#define SLOTS		8
#define RACE_MS		2000
#define RACE_LEN	SZ_4K

struct race {
	int fd;
	unsigned int index;
	__u64 page;
	volatile __u32 slot[SLOTS];
	volatile __u64 slot_off[SLOTS];	/* their mmap offsets */
	volatile int stop;
	void *user;			/* for USERPTR buffers */
	volatile int dmabuf;		/* another file's export, or -1 */
	unsigned long calls[8], errors[8];
	int bad_errno[8];
};

static __u32 race_pick(struct race *r, __u32 *seed)
{
	return r->slot[dmaadd_rand(seed) % SLOTS];
}

static void race_note(struct race *r, int who, int ret, int ok_errno1,
		      int ok_errno2)
{
	__atomic_add_fetch(&r->calls[who], 1, __ATOMIC_RELAXED);
	if (!ret)
		return;
	__atomic_add_fetch(&r->errors[who], 1, __ATOMIC_RELAXED);
	if (errno != ok_errno1 && errno != ok_errno2)
		r->bad_errno[who] = errno;
}

/* Frees a buffer and puts a new one in its slot. */
static void *race_alloc(void *arg)
{
	struct race *r = arg;
	__u32 seed = 1, h, old;
	__u64 off;

	while (!r->stop) {
		unsigned int i = dmaadd_rand(&seed) % SLOTS;

		int ret = _test_ioctl_alloc(r->fd, RACE_LEN, &h, &off);

		race_note(r, 0, ret, ENOMEM, ENOMEM);
		if (ret)
			continue;
		r->slot_off[i] = off;
		old = __atomic_exchange_n(&r->slot[i], h, __ATOMIC_SEQ_CST);
		race_note(r, 0, _test_ioctl_free(r->fd, old), ENOENT, ENOENT);
	}
	return NULL;
}

static void *race_submit(void *arg)
{
	struct race *r = arg;
	__u32 seed = 2;

	while (!r->stop) {
		struct dmaadd_submit cmd;
		int ret;

		dmaadd_submit_init(&cmd, RACE_LEN / ELEM_SIZE,
				   OPND(race_pick(r, &seed), 0),
				   OPND(race_pick(r, &seed), 0),
				   OPND(race_pick(r, &seed), 0));
		/* Two different slots may hold the same buffer by now. */
		cmd.flags = DMAADD_SUBMIT_OUT_FENCE;
		ret = ioctl(r->fd, DMAADD_IOCTL_SUBMIT, &cmd);
		race_note(r, 1, ret, ENOENT, EINVAL);
		if (!ret)
			close((int)cmd.out_fence_fd);
	}
	return NULL;
}

static void *race_share(void *arg)
{
	struct race *r = arg;
	__u32 seed = 3, h;
	int dmabuf, ret;

	while (!r->stop) {
		__u32 exported = race_pick(r, &seed);

		ret = _test_ioctl_export(r->fd, exported, 0, &dmabuf);
		race_note(r, 2, ret, ENOENT, ENOENT);
		if (ret)
			continue;
		/*
		 * Our own buffer back: the handle it still has, or, once the
		 * allocator freed that, a new one (the dma-buf kept the
		 * buffer alive), which is ours to free.
		 */
		ret = _test_ioctl_import(r->fd, dmabuf, &h, NULL, NULL);
		race_note(r, 2, ret, ENOENT, ENOENT);
		close(dmabuf);
		if (!ret && h != exported)
			race_note(r, 2, _test_ioctl_free(r->fd, h), ENOENT,
				  ENOENT);

		/*
		 * Another file's export, which that file may be closing right
		 * now (a closed fd, or its number taken by another file).
		 */
		ret = _test_ioctl_import(r->fd, r->dmabuf, &h, NULL, NULL);
		race_note(r, 2, ret, EBADF, EINVAL);
		if (!ret)
			race_note(r, 2, _test_ioctl_free(r->fd, h), ENOENT,
				  ENOENT);
	}
	return NULL;
}

static void *race_map(void *arg)
{
	struct race *r = arg;
	__u32 seed = 4;

	while (!r->stop) {
		__u64 off = r->slot_off[dmaadd_rand(&seed) % SLOTS];
		__u32 *p = mmap(NULL, RACE_LEN, PROT_READ | PROT_WRITE,
				MAP_SHARED, r->fd, off);

		race_note(r, 3, p == MAP_FAILED ? -1 : 0, EINVAL, EINVAL);
		if (p == MAP_FAILED)
			continue;
		/* Freed or not, the mapping keeps the memory alive. */
		p[0] = p[1] + 1;
		munmap(p, RACE_LEN);
	}
	return NULL;
}

static void *race_copy(void *arg)
{
	struct race *r = arg;
	__u32 a[256], b[256], c[256];
	unsigned int i;

	dmaadd_fill_random(a, 256, 5);
	dmaadd_fill_random(b, 256, 6);
	while (!r->stop) {
		struct dmaadd_submit_copy cmd = {
			.size = sizeof(cmd),
			.op = DMAADD_OP_ADD_I32,
			.count = 256,
			.a_ptr = (__u64)(uintptr_t)a,
			.b_ptr = (__u64)(uintptr_t)b,
			.c_ptr = (__u64)(uintptr_t)c,
		};
		int ret = ioctl(r->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd);

		race_note(r, 4, ret, 0, 0);
		for (i = 0; !ret && i < 256; i++)
			if (c[i] != a[i] + b[i])
				r->bad_errno[4] = -1;	/* wrong result */
	}
	return NULL;
}

static void *race_wait(void *arg)
{
	struct race *r = arg;
	__u32 seed = 7;

	while (!r->stop) {
		__u64 id = 1 + dmaadd_rand(&seed) % 4096;

		race_note(r, 5, _test_ioctl_wait(r->fd, id, 0, NULL), ETIMEDOUT,
			  ENOENT);
	}
	return NULL;
}

/*
 * Pins user memory, runs a job on it and frees the handle at once. At most
 * USERPTR_INFLIGHT such jobs (each with its own mapping of the same
 * pages) at a time: DMA-API debugging takes more than 7 live mappings of
 * one cacheline for a leak.
 */
#define USERPTR_INFLIGHT	4

static void *race_userptr(void *arg)
{
	struct race *r = arg;
	__u64 ids[USERPTR_INFLIGHT] = { 0 };
	unsigned int n = 0;
	__u32 h;

	while (!r->stop) {
		__u64 *oldest = &ids[n % USERPTR_INFLIGHT];
		struct dmaadd_submit cmd;
		int ret;

		if (*oldest)
			race_note(r, 6, _test_ioctl_wait(r->fd, *oldest,
							 DMAADD_TIMEOUT_INFINITE,
							 NULL),
				  ENOENT, ENOENT);	/* done long ago */
		*oldest = 0;
		ret = _test_ioctl_userptr(r->fd, r->user, 16 * r->page, 0, &h);
		race_note(r, 6, ret, ENOMEM, ENOMEM);
		if (ret)
			continue;
		dmaadd_submit_init(&cmd, 16 * r->page / ELEM_SIZE, OPND(h, 0),
				   OPND(h, 0), OPND(h, 0));
		ret = ioctl(r->fd, DMAADD_IOCTL_SUBMIT, &cmd);
		race_note(r, 6, ret, 0, 0);
		if (!ret)
			*oldest = cmd.job_id;
		n++;
		/* The job keeps the pages pinned until it completes. */
		race_note(r, 6, _test_ioctl_free(r->fd, h), 0, 0);
	}
	return NULL;
}

/*
 * Another open file: allocates, exports (for race_share to import), runs
 * a job and closes, again and again, jobs still in flight.
 */
static void *race_close(void *arg)
{
	struct race *r = arg;
	int fd, dmabuf, old, ret;
	__u64 id;
	__u32 h;

	while (!r->stop) {
		fd = dmaadd_open_index(r->index, 0);
		race_note(r, 7, fd < 0 ? -1 : 0, 0, 0);
		if (fd < 0)
			continue;
		ret = _test_ioctl_alloc(fd, RACE_LEN, &h, NULL);
		race_note(r, 7, ret, 0, 0);
		if (!ret) {
			ret = _test_ioctl_export(fd, h, 0, &dmabuf);
			race_note(r, 7, ret, 0, 0);
			if (!ret) {
				old = __atomic_exchange_n(&r->dmabuf, dmabuf,
							  __ATOMIC_SEQ_CST);
				if (old >= 0)
					close(old);
			}
			race_note(r, 7, _test_ioctl_submit(fd,
					RACE_LEN / ELEM_SIZE, OPND(h, 0),
					OPND(h, 0), OPND(h, 0), &id), 0, 0);
		}
		race_note(r, 7, close(fd), 0, 0);
	}
	return NULL;
}

/*
 * Pages pinned now. The counters are per CPU and folded lazily:
 * stat_refresh (root) folds them at once.
 */
static long long pins_held(void)
{
	/* Best effort: without it, pins_settle() waits for the fold. */
	write_str("/proc/sys/vm/stat_refresh", "1");
	return proc_field("/proc/vmstat", "nr_foll_pin_acquired ") -
	       proc_field("/proc/vmstat", "nr_foll_pin_released ");
}

/* Polls (jobs may still hold pins) until @pins are held again. */
static long long pins_settle(long long pins)
{
	long long now = pins_held();
	int i;

	for (i = 0; i < 100 && now != pins; i++) {
		usleep(50 * 1000);
		now = pins_held();
	}
	return now;
}

FIXTURE(races) {
	DMAADD_FIXTURE_MEMBERS;
	struct live base;
	bool have_live;
};

FIXTURE_VARIANT(races) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(races, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(races, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(races)
{
	dmaadd_fixture_open(variant->backend);
	self->have_live = !live_read(self->index, &self->base);
}

FIXTURE_TEARDOWN(races)
{
	dmaadd_fixture_close();
}

TEST_F_TIMEOUT(races, free_while_used, 120)
{
	void *(*const fns[])(void *) = {
		race_alloc, race_submit, race_share, race_map, race_copy,
		race_wait, race_userptr, race_close,
	};
	static const char *const names[] = {
		"alloc/free", "submit", "export/import", "mmap", "copy", "wait",
		"userptr", "open/close",
	};
	long long pins = pins_held();
	pthread_t threads[ARRAY_SIZE(fns)];
	struct race *r = calloc(1, sizeof(*r));
	unsigned int i;
	__u64 off;
	__u32 h;

	ASSERT_NE(NULL, r);
	r->fd = dmaadd_open_index(self->index, 0);
	ASSERT_LE(0, r->fd);
	r->page = self->page;
	r->index = self->index;
	r->dmabuf = -1;
	r->user = share_map_anon(16, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, r->user);
	for (i = 0; i < SLOTS; i++) {
		ASSERT_EQ(0, _test_ioctl_alloc(r->fd, RACE_LEN, &h, &off));
		r->slot[i] = h;
		r->slot_off[i] = off;
	}
	for (i = 0; i < ARRAY_SIZE(fns); i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, fns[i], r));
	usleep(RACE_MS * 1000);
	r->stop = 1;
	for (i = 0; i < ARRAY_SIZE(fns); i++)
		pthread_join(threads[i], NULL);

	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		TH_LOG("%-14s %6lu calls, %6lu refused", names[i], r->calls[i],
		       r->errors[i]);
		EXPECT_EQ(0, r->bad_errno[i]);
		EXPECT_LT(0UL, r->calls[i]);
	}
	/* Jobs still queued hold what they use; close does not wait. */
	ASSERT_EQ(0, close(r->fd));
	if (r->dmabuf >= 0)
		close(r->dmabuf);
	if (self->have_live)
		ASSERT_EQ(0, live_settle(self->index, &self->base));
	/* Every page pinned for user memory was unpinned. */
	EXPECT_EQ(pins, pins_settle(pins));
	share_unmap_anon(r->user, 16);
	free(r);
}

/*
 * signals: a thread fires SIGUSR1 at another that submits, waits, batches
 * and copies. Every interrupted call fails with EINTR only and is simply
 * made again (WAIT's deadline is absolute); every job that ran has the
 * right result. With SA_RESTART most calls never even see EINTR; without
 * it, they must survive it.
 */
#define SIG_MS		1500
#define SIG_N		(SZ_64K / ELEM_SIZE)

struct storm {
	pthread_t target;
	volatile int stop;
	unsigned long sent;
};

static volatile unsigned long storm_caught;

static void storm_handler(int sig)
{
	(void)sig;
	storm_caught++;
}

static void *storm_fire(void *arg)
{
	struct storm *st = arg;

	while (!st->stop) {
		pthread_kill(st->target, SIGUSR1);
		st->sent++;
		usleep(50);
	}
	return NULL;
}

FIXTURE(signals) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
};

FIXTURE_VARIANT(signals) {
	int sa_flags;
};

FIXTURE_VARIANT_ADD(signals, restart) {
	.sa_flags = SA_RESTART,
};

FIXTURE_VARIANT_ADD(signals, no_restart) {
	.sa_flags = 0,
};

FIXTURE_SETUP(signals)
{
	dmaadd_fixture_open(DMAADD_BACKEND_PLATFORM);
	test_buf_create(SZ_64K, &self->a);
	test_buf_create(SZ_64K, &self->b);
	test_buf_create(SZ_64K, &self->c);
	dmaadd_fill_random(self->a.map, SIG_N, 8);
	dmaadd_fill_random(self->b.map, SIG_N, 9);
}

FIXTURE_TEARDOWN(signals)
{
	signal(SIGUSR1, SIG_IGN);
	dmaadd_fixture_close();
}

/* Makes @call again while it fails with EINTR; any other errno is kept. */
#define RETRY_EINTR(_call)						\
	({								\
		int __r;						\
		while ((__r = (_call)) && errno == EINTR)		\
			eintr++;					\
		__r;							\
	})

TEST_F_TIMEOUT(signals, storm_on_blocking_calls, 120)
{
	struct sigaction sa = { .sa_handler = storm_handler,
				.sa_flags = variant->sa_flags };
	struct dmaadd_submit jobs[8];
	struct dmaadd_submit_batch batch = {
		.size = sizeof(batch),
		.count = 8,
		.stride = sizeof(jobs[0]),
		.jobs_ptr = (__u64)(uintptr_t)jobs,
	};
	__u32 *ua = malloc(SIG_N * ELEM_SIZE), *uc = malloc(SIG_N * ELEM_SIZE);
	struct storm st = { .target = pthread_self() };
	unsigned long rounds = 0, eintr = 0;
	pthread_t fire;
	__u64 t_end, id;
	unsigned int i;

	ASSERT_TRUE(ua && uc);
	memcpy(ua, self->a.map, SIG_N * ELEM_SIZE);
	for (i = 0; i < 8; i++)
		dmaadd_submit_init(&jobs[i], SIG_N, OPND(self->a.handle, 0),
				   OPND(self->b.handle, 0),
				   OPND(self->c.handle, 0));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&fire, NULL, storm_fire, &st));

	t_end = dmaadd_now_ns() + SIG_MS * 1000000ULL;
	while (dmaadd_now_ns() < t_end) {
		struct dmaadd_submit_copy cp = {
			.size = sizeof(cp),
			.op = DMAADD_OP_ADD_I32,
			.count = SIG_N,
			.a_ptr = (__u64)(uintptr_t)ua,
			.b_ptr = (__u64)(uintptr_t)self->b.map,
			.c_ptr = (__u64)(uintptr_t)uc,
		};

		memset(self->c.map, 0, SIG_N * ELEM_SIZE);
		ASSERT_EQ(0, RETRY_EINTR(_test_ioctl_submit(self->fd, SIG_N,
				OPND(self->a.handle, 0),
				OPND(self->b.handle, 0),
				OPND(self->c.handle, 0), &id)));
		ASSERT_EQ(0, RETRY_EINTR(_test_ioctl_wait(self->fd, id,
				DMAADD_TIMEOUT_INFINITE, NULL)));
		ASSERT_SUM(self->a.map, self->b.map, self->c.map, SIG_N);

		ASSERT_EQ(0, RETRY_EINTR(ioctl(self->fd,
				DMAADD_IOCTL_SUBMIT_BATCH, &batch)));
		ASSERT_EQ(0, RETRY_EINTR(_test_ioctl_wait(self->fd,
				batch.first_job_id + 7,
				DMAADD_TIMEOUT_INFINITE, NULL)));

		memset(uc, 0, SIG_N * ELEM_SIZE);
		ASSERT_EQ(0, RETRY_EINTR(ioctl(self->fd,
				DMAADD_IOCTL_SUBMIT_COPY, &cp)));
		ASSERT_SUM(ua, self->b.map, uc, SIG_N);
		rounds++;
	}
	st.stop = 1;
	pthread_join(fire, NULL);
	TH_LOG("%lu rounds, %lu signals sent, %lu caught, %lu EINTR retried",
	       rounds, st.sent, storm_caught, eintr);
	/*
	 * What must hold: the calls ran, and signals did land while they did
	 * (every round's calls were retried or restarted through them). Not
	 * how many: that is the machine's speed (91 on a loaded debug run).
	 */
	EXPECT_LT(0UL, rounds);
	EXPECT_LT(0UL, storm_caught);
	free(ua);
	free(uc);
}

TEST_HARNESS_MAIN
