// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints: events/dmaadd/dmaadd_job_{submit,start,complete,fault}.
 *
 * The program records into a tracefs instance of its own, so that it
 * neither sees nor disturbs what anyone else traces; each test empties
 * it, then reads the events of its own jobs back from the instance's
 * "trace" file, which merges the CPUs' buffers in time order.
 *
 * The events are switched on once, before the first job, and off at the
 * end: switching a tracepoint on or off patches kernel text (its static
 * key and static call, and the sched_wakeup hook that records task
 * names), and under QEMU's multi-threaded TCG another vCPU running a patch
 * site mid-patch dies of an int3 trap (seen on 6.12 in
 * dmaadd_job_complete() and ttwu_do_activate() while jobs completed).
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <sys/mount.h>
#include <sys/stat.h>

#include "fence.h"

#define N		1024
#define TRACE_MAX	(1 << 20)

static const char *const events[] = {
	"dmaadd_job_submit", "dmaadd_job_start", "dmaadd_job_complete",
	"dmaadd_job_fault",
};

FIXTURE(trace) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
	char inst[128];
	char *text;
	int vgem;
};

FIXTURE_VARIANT(trace) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(trace, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(trace, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

/* Where tracefs is, mounting it if nobody has. */
static const char *tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[96];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/instances", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	if (!mount("nodev", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

static int write_file(const char *dir, const char *name, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_str(path, value);
}

/* Opening "trace" with O_TRUNC empties the instance's buffers. */
static int clear_trace(const char *inst)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/trace", inst);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static char trace_inst[128];	/* "" if there is no tracing */
static pid_t trace_pid;

__attribute__((constructor)) static void trace_on(void)
{
	const char *dir = tracefs();

	if (!dir)
		return;
	snprintf(trace_inst, sizeof(trace_inst),
		 "%s/instances/dmaadd_test_%d", dir, getpid());
	if (mkdir(trace_inst, 0700)) {
		trace_inst[0] = '\0';
		return;
	}
	trace_pid = getpid();
	/*
	 * No task names: recording them hooks sched_wakeup and sched_switch,
	 * which patches the scheduler's text while the other vCPU runs it
	 * (the int3 seen in ttwu_do_activate()). The tests do not read them.
	 */
	write_file(trace_inst, "options/record-cmd", "0");
	if (write_file(trace_inst, "events/dmaadd/enable", "1")) {
		rmdir(trace_inst);
		trace_inst[0] = '\0';
	}
}

/* Once, in the harness's own process (tests end with _exit()). */
__attribute__((destructor)) static void trace_off(void)
{
	if (!trace_inst[0] || getpid() != trace_pid)
		return;
	write_file(trace_inst, "events/dmaadd/enable", "0");
	rmdir(trace_inst);
}

/* The instance's trace so far, as one string in self->text. */
static int read_trace(const char *inst, char *text)
{
	return read_text_file(inst, "trace", text, TRACE_MAX);
}

FIXTURE_SETUP(trace)
{
	self->vgem = -1;
	self->inst[0] = '\0';
	self->text = NULL;
	dmaadd_fixture_open(variant->backend);
	if (!trace_inst[0])
		SKIP_SETUP("no tracefs, or no dmaadd events in it");
	snprintf(self->inst, sizeof(self->inst), "%s", trace_inst);
	/* What earlier tests recorded goes. */
	ASSERT_EQ(0, clear_trace(self->inst));
	self->text = malloc(TRACE_MAX);
	ASSERT_NE(NULL, self->text);
	test_buf_create(N * ELEM_SIZE, &self->a);
	test_buf_create(N * ELEM_SIZE, &self->b);
	test_buf_create(N * ELEM_SIZE, &self->c);
	dmaadd_fill_random(self->a.map, N, 1);
	dmaadd_fill_random(self->b.map, N, 2);
}

FIXTURE_TEARDOWN(trace)
{
	free(self->text);
	if (self->vgem >= 0)
		close(self->vgem);
	dmaadd_fixture_close();
}

#define need_vgem() require_vgem(self->vgem)

#define test_read_trace() ASSERT_EQ(0, read_trace(self->inst, self->text))

struct event {
	const char *line;	/* where in the trace; NULL if absent */
	unsigned int dev;
	unsigned long long ctx, id, count, latency_ns;
	int held;
	char status[16];
};

/*
 * The first @name event of job @id of device @dev, from @from on. A job is
 * named by its file's fence context too, but a test knows only its id:
 * the other fields come back in @ev.
 */
static const char *find_event(const char *from, const char *name,
			      unsigned int dev, unsigned long long id,
			      struct event *ev)
{
	char key[64];
	const char *p;

	memset(ev, 0, sizeof(*ev));
	snprintf(key, sizeof(key), " %s: dev=%u ", name, dev);
	for (p = strstr(from, key); p; p = strstr(p + 1, key)) {
		const char *f = strstr(p, " dev=");

		if (sscanf(f, " dev=%u ctx=%llu id=%llu count=%llu", &ev->dev,
			   &ev->ctx, &ev->id, &ev->count) != 4 || ev->id != id)
			continue;
		f = strstr(f, "count=");
		sscanf(f, "count=%*u held=%d", &ev->held);
		sscanf(f, "count=%*u status=%15s latency_ns=%llu", ev->status,
		       &ev->latency_ns);
		ev->line = p;
		return p;
	}
	return NULL;
}

/* Asserts submit, start and complete of job @id in that order. */
#define ASSERT_JOB_TRACED(_id, _count, _status)				\
	({								\
		struct event __s, __r, __c;				\
		ASSERT_NE(NULL, find_event(self->text, events[0],	\
					   self->index, (_id), &__s));	\
		ASSERT_NE(NULL, find_event(__s.line, events[1],		\
					   self->index, (_id), &__r));	\
		ASSERT_NE(NULL, find_event(__r.line, events[2],		\
					   self->index, (_id), &__c));	\
		EXPECT_EQ((unsigned long long)(_count), __s.count);	\
		EXPECT_EQ(__s.ctx, __r.ctx);				\
		EXPECT_EQ(__s.ctx, __c.ctx);				\
		EXPECT_STREQ((_status), __c.status);			\
		__s.ctx;						\
	})

TEST_F(trace, events_exist)
{
	char path[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), "%s/events/dmaadd/%s/format",
			 self->inst, events[i]);
		EXPECT_EQ(0, access(path, R_OK));
	}
}

TEST_F(trace, job_submit_start_complete)
{
	__u64 id;

	test_ioctl_submit(N, OPND(self->a.handle, 0), OPND(self->b.handle, 0),
			  OPND(self->c.handle, 0), &id);
	test_ioctl_wait(id);
	test_read_trace();
	ASSERT_JOB_TRACED(id, N, "ok");
	/* No address of any kind, not even hashed. */
	EXPECT_EQ(NULL, strstr(self->text, "0x"));
}

/* A second open file is a second timeline: another fence context. */
TEST_F(trace, files_have_own_context)
{
	struct event e1, e2;
	struct dmaadd_buf x;
	__u64 id1, id2;
	int fd2 = test_open_same_device(0);

	ASSERT_EQ(0, _test_buf_create(fd2, SZ_4K, &x));
	test_ioctl_submit(N, OPND(self->a.handle, 0), OPND(self->b.handle, 0),
			  OPND(self->c.handle, 0), &id1);
	ASSERT_EQ(0, _test_ioctl_submit(fd2, 1, OPND(x.handle, 0),
					OPND(x.handle, 0), OPND(x.handle, 0),
					&id2));
	test_ioctl_wait(id1);
	ASSERT_EQ(0, _test_ioctl_wait(fd2, id2, DMAADD_TIMEOUT_INFINITE, NULL));
	/* Both are job 1 of their file, told apart by the context. */
	ASSERT_EQ(1ULL, id1);
	ASSERT_EQ(1ULL, id2);
	test_read_trace();
	ASSERT_NE(NULL, find_event(self->text, events[0], self->index, 1, &e1));
	ASSERT_NE(NULL, find_event(e1.line + 1, events[0], self->index, 1, &e2));
	EXPECT_NE(e1.ctx, e2.ctx);
	EXPECT_EQ((unsigned long long)N, e1.count);
	EXPECT_EQ(1ULL, e2.count);
	dmaadd_buf_unmap(&x);
	close(fd2);
}

TEST_F(trace, fault_event)
{
	struct event ev;
	__u64 id;

	if (inject_fault(self->index, 1))
		SKIP(return, "no debugfs inject_fault");
	test_ioctl_submit(N, OPND(self->a.handle, 0), OPND(self->b.handle, 0),
			  OPND(self->c.handle, 0), &id);
	ASSERT_EQ(0, _test_ioctl_wait(self->fd, id, DMAADD_TIMEOUT_INFINITE,
				      NULL));
	test_read_trace();
	ASSERT_JOB_TRACED(id, N, "fault");
	ASSERT_NE(NULL, find_event(self->text, events[3], self->index, id, &ev));
	EXPECT_STREQ("fault", ev.status);
}

/* A job waiting for a fence is submitted "held" and starts on release. */
TEST_F(trace, held_job_starts_on_release)
{
	struct blocker blk;
	struct event ev;
	__u64 id;

	need_vgem();
	test_blocker(&blk);
	id = submit_held(self->fd, &self->c, blk.sync);
	ASSERT_NE(0ULL, id);
	ASSERT_HELD(self->fd, id);
	test_read_trace();
	ASSERT_NE(NULL, find_event(self->text, events[0], self->index, id, &ev));
	EXPECT_EQ(1, ev.held);
	EXPECT_EQ(NULL, find_event(self->text, events[1], self->index, id, &ev));

	release_blocker(&blk);
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_OK);
	test_read_trace();
	ASSERT_JOB_TRACED(id, 1, "ok");
	blocker_destroy(self->vgem, &blk);
}

TEST_F(trace, batch_jobs_in_order)
{
	struct dmaadd_submit jobs[8];
	struct dmaadd_submit_batch batch = {
		.size = sizeof(batch),
		.count = ARRAY_SIZE(jobs),
		.stride = sizeof(jobs[0]),
		.jobs_ptr = (__u64)(uintptr_t)jobs,
	};
	struct event prev, ev;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(jobs); i++)
		dmaadd_submit_init(&jobs[i], i + 1, OPND(self->a.handle, 0),
				   OPND(self->b.handle, 0),
				   OPND(self->c.handle, 0));
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_BATCH, &batch));
	test_ioctl_wait(batch.first_job_id + ARRAY_SIZE(jobs) - 1);
	test_read_trace();
	for (i = 0; i < ARRAY_SIZE(jobs); i++)
		ASSERT_JOB_TRACED(batch.first_job_id + i, i + 1, "ok");
	/* Completions come in job id order. */
	ASSERT_NE(NULL, find_event(self->text, events[2], self->index,
				   batch.first_job_id, &prev));
	for (i = 1; i < ARRAY_SIZE(jobs); i++) {
		ASSERT_NE(NULL, find_event(prev.line, events[2], self->index,
					   batch.first_job_id + i, &ev));
		prev = ev;
	}
}

TEST_F(trace, copy_job)
{
	struct dmaadd_submit_copy cmd = {
		.size = sizeof(cmd),
		.op = DMAADD_OP_ADD_I32,
		.count = N,
		.a_ptr = (__u64)(uintptr_t)self->a.map,
		.b_ptr = (__u64)(uintptr_t)self->b.map,
		.c_ptr = (__u64)(uintptr_t)self->c.map,
	};

	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &cmd));
	test_read_trace();
	ASSERT_JOB_TRACED(cmd.job_id, N, "ok");
}

/* Events carry the latency the debugfs average is made of. */
TEST_F(trace, latency_recorded)
{
	struct event ev;
	__u64 t0, t1, id;

	t0 = dmaadd_now_ns();
	test_ioctl_submit(N, OPND(self->a.handle, 0), OPND(self->b.handle, 0),
			  OPND(self->c.handle, 0), &id);
	test_ioctl_wait(id);
	t1 = dmaadd_now_ns();
	test_read_trace();
	ASSERT_NE(NULL, find_event(self->text, events[2], self->index, id, &ev));
	EXPECT_LT(0ULL, ev.latency_ns);
	EXPECT_GE(t1 - t0, ev.latency_ns);
}

TEST_HARNESS_MAIN
