// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/dmaadd/dmaaddN/{stats,clients,inject_fault,
 * inline_max}.
 *
 * What the counters say after known jobs, what "clients" lists for this
 * process and its buffers, that none of it shows an address, and that it
 * is root's alone. The tests run one at a time, so the device-wide
 * counters move only by what the test does.
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <ctype.h>
#include <poll.h>
#include <sys/stat.h>

#include "fence.h"
#include "share_test.h"

#define N	1000
#define TEXT_MAX	(64 << 10)

FIXTURE(debugfs) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
	char dir[96];
	char *text;
};

FIXTURE_VARIANT(debugfs) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(debugfs, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(debugfs, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(debugfs)
{
	self->text = NULL;
	dmaadd_fixture_open(variant->backend);
	snprintf(self->dir, sizeof(self->dir), "/sys/kernel/debug/dmaadd/dmaadd%u",
		 self->index);
	if (access(self->dir, F_OK))
		SKIP_SETUP("no debugfs at %s", self->dir);
	self->text = malloc(TEXT_MAX);
	ASSERT_NE(NULL, self->text);
	test_buf_create(N * ELEM_SIZE, &self->a);
	test_buf_create(N * ELEM_SIZE, &self->b);
	test_buf_create(N * ELEM_SIZE, &self->c);
}

FIXTURE_TEARDOWN(debugfs)
{
	free(self->text);
	dmaadd_fixture_close();
}

/* The whole of one of the device's debugfs files, in self->text. */
static int read_text(const char *dir, const char *name, char *text)
{
	return read_text_file(dir, name, text, TEXT_MAX);
}

/* One counter of "stats"; -1 if it is not there. */
static long long stat_value(const char *dir, const char *key)
{
	char path[128];
	char want[64];

	snprintf(path, sizeof(path), "%s/stats", dir);
	snprintf(want, sizeof(want), "%s ", key);
	if (access(path, R_OK))
		return -1;
	return (long long)proc_field(path, want);
}

#define test_stat(_key) stat_value(self->dir, _key)

/* One job a + b -> c over N elements, waited for; its status. */
static __u32 run_job(struct __test_metadata *_metadata,
		     FIXTURE_DATA(debugfs) *self)
{
	__u32 status = ~0U;
	__u64 id;

	test_ioctl_submit(N, OPND(self->a.handle, 0), OPND(self->b.handle, 0),
			  OPND(self->c.handle, 0), &id);
	EXPECT_EQ(0, _test_ioctl_wait(self->fd, id, DMAADD_TIMEOUT_INFINITE,
				      &status));
	return status;
}

/*
 * This file's block of "clients": from its "client pid <pid>" line to the
 * next client's, NUL-terminated in place; NULL if it is not listed.
 */
static char *own_client(char *text)
{
	char head[48];
	char *p, *next;

	snprintf(head, sizeof(head), "client pid %d ", getpid());
	p = strstr(text, head);
	if (!p)
		return NULL;
	next = strstr(p + 1, "client pid ");
	if (next)
		*next = '\0';
	return p;
}

/* The line of @handle in a client block, or NULL. */
static const char *handle_line(const char *block, __u32 handle, char *line,
			       size_t size)
{
	const char *p = block;
	char want[24];

	snprintf(want, sizeof(want), "  %u ", handle);
	while ((p = strstr(p, want))) {
		if (p == block || p[-1] == '\n') {
			size_t len = strcspn(p, "\n");

			snprintf(line, size, "%.*s", (int)len, p);
			return line;
		}
		p++;
	}
	return NULL;
}

TEST_F(debugfs, stats_count_a_job)
{
	long long jobs = test_stat("jobs_completed");
	long long bytes = test_stat("bytes");
	long long faults = test_stat("jobs_faulted");

	ASSERT_LE(0, jobs);
	ASSERT_EQ(DMAADD_JOB_OK, run_job(_metadata, self));
	ASSERT_EQ(jobs + 1, test_stat("jobs_completed"));
	ASSERT_EQ(bytes + N * ELEM_SIZE, test_stat("bytes"));
	ASSERT_EQ(faults, test_stat("jobs_faulted"));
	ASSERT_LT(0, test_stat("avg_latency_ns"));
	ASSERT_EQ(0, test_stat("jobs_on_device"));
}

/* A device fault counts as completed and faulted, and moves no bytes. */
TEST_F(debugfs, stats_count_a_fault)
{
	long long jobs = test_stat("jobs_completed");
	long long bytes = test_stat("bytes");
	long long faults = test_stat("jobs_faulted");

	ASSERT_EQ(0, inject_fault(self->index, 1));
	ASSERT_EQ(DMAADD_JOB_FAULT, run_job(_metadata, self));
	ASSERT_EQ(jobs + 1, test_stat("jobs_completed"));
	ASSERT_EQ(faults + 1, test_stat("jobs_faulted"));
	ASSERT_EQ(bytes, test_stat("bytes"));
}

/* Buffer objects and file states: one more while held, back when freed. */
TEST_F(debugfs, stats_live_objects)
{
	struct live base, now;
	__u32 h;
	int fd2;

	ASSERT_EQ(0, live_read(self->index, &base));
	test_ioctl_alloc(self->page, &h, NULL);
	fd2 = test_open_same_device(0);
	ASSERT_EQ(0, live_read(self->index, &now));
	ASSERT_EQ(base.bufs + 1, now.bufs);
	ASSERT_EQ(base.files + 1, now.files);
	test_ioctl_free(h);
	close(fd2);
	ASSERT_EQ(0, live_settle(self->index, &base));
}

TEST_F(debugfs, clients_list_this_file)
{
	char comm[32] = "", head[64];
	char *block;
	FILE *f;

	f = fopen("/proc/self/comm", "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	ASSERT_EQ(0, read_text(self->dir, "clients", self->text));
	block = own_client(self->text);
	ASSERT_NE(NULL, block);
	snprintf(head, sizeof(head), "client pid %d comm %s\n", getpid(), comm);
	ASSERT_EQ(0, strncmp(block, head, strlen(head)));
	ASSERT_NE(NULL, strstr(block,
			       "  jobs submitted 0 completed 0 in_flight 0\n"));
}

TEST_F(debugfs, clients_count_jobs)
{
	char *block;
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(DMAADD_JOB_OK, run_job(_metadata, self));
	ASSERT_EQ(0, read_text(self->dir, "clients", self->text));
	block = own_client(self->text);
	ASSERT_NE(NULL, block);
	ASSERT_NE(NULL, strstr(block,
			       "  jobs submitted 3 completed 3 in_flight 0\n"));
}

/* handle, kind, length, pages, segments, refs, mode */
TEST_F(debugfs, clients_buffer_line)
{
	char line[128], kind[16], mode[8];
	unsigned long long length, pages;
	unsigned int handle, segs, refs;
	char *block;

	ASSERT_EQ(0, read_text(self->dir, "clients", self->text));
	block = own_client(self->text);
	ASSERT_NE(NULL, block);
	ASSERT_NE(NULL, handle_line(block, self->a.handle, line, sizeof(line)));
	ASSERT_EQ(7, sscanf(line, " %u %15s %llu %llu %u %u %7s", &handle,
			    kind, &length, &pages, &segs, &refs, mode));
	ASSERT_EQ(self->a.handle, handle);
	ASSERT_STREQ("alloc", kind);
	ASSERT_EQ(N * ELEM_SIZE, length);
	ASSERT_EQ(dmaadd_page_round(N * ELEM_SIZE) / self->page, pages);
	ASSERT_EQ(1, segs);
	/* The handle and the test's mapping. */
	ASSERT_EQ(2, refs);
	ASSERT_STREQ("rw", mode);
}

/*
 * A read-only dma-buf of this device imported by a second file: that file
 * gets a read-only handle on the same buffer object (kind "alloc", as the
 * exporter's). The exporter's own handle stays writable.
 */
TEST_F(debugfs, clients_read_only_handle)
{
	char *line, *save = NULL;
	int dmabuf, fd2, ro = 0, rw = 0;
	__u32 h;

	fd2 = test_open_same_device(0);
	test_ioctl_export(self->a.handle, DMAADD_EXPORT_READ_ONLY, &dmabuf);
	ASSERT_EQ(0, _test_ioctl_import(fd2, dmabuf, &h, NULL, NULL));
	close(dmabuf);
	ASSERT_EQ(0, read_text(self->dir, "clients", self->text));
	for (line = strtok_r(self->text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long length;
		unsigned int handle;
		char kind[16];
		size_t len = strlen(line);

		if (sscanf(line, " %u %15s %llu", &handle, kind, &length) != 3 ||
		    strcmp(kind, "alloc") || length != N * ELEM_SIZE)
			continue;
		if (handle == h && !strcmp(line + len - 3, " ro"))
			ro++;
		if (handle == self->a.handle && !strcmp(line + len - 3, " rw"))
			rw++;
	}
	ASSERT_EQ(1, ro);
	/* a, b and c of this file, the same length. */
	ASSERT_LE(1, rw);
	close(fd2);
}

TEST_F(debugfs, clients_userptr)
{
	char line[128];
	void *p;
	__u32 h;
	char *block;

	p = share_map_anon(4, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, 4 * self->page, 0, &h);
	ASSERT_EQ(0, read_text(self->dir, "clients", self->text));
	block = own_client(self->text);
	ASSERT_NE(NULL, block);
	ASSERT_NE(NULL, handle_line(block, h, line, sizeof(line)));
	ASSERT_NE(NULL, strstr(line, " userptr "));
	test_ioctl_free(h);
}

TEST_F(debugfs, clients_freed_handle_gone)
{
	char line[128];
	char *block;

	test_ioctl_free(self->b.handle);
	ASSERT_EQ(0, read_text(self->dir, "clients", self->text));
	block = own_client(self->text);
	ASSERT_NE(NULL, block);
	ASSERT_EQ(NULL, handle_line(block, self->b.handle, line, sizeof(line)));
	ASSERT_NE(NULL, handle_line(block, self->a.handle, line, sizeof(line)));
}

/*
 * No address in either file: no "0x", and no word of eight or more hex
 * digits with a letter in it (decimal numbers of any length are fine).
 */
static int find_address(const char *text)
{
	const char *p = text;

	if (strstr(text, "0x"))
		return 1;
	while (*p) {
		size_t len = 0;
		int letter = 0;

		while (isxdigit((unsigned char)p[len])) {
			letter |= isalpha((unsigned char)p[len]);
			len++;
		}
		if (len >= 8 && letter)
			return 1;
		p += len ? len : 1;
	}
	return 0;
}

TEST_F(debugfs, no_addresses)
{
	int dmabuf;
	__u32 h;

	/* Every kind of buffer, and a job done. */
	test_ioctl_export(self->a.handle, 0, &dmabuf);
	test_ioctl_import(dmabuf, &h, NULL, NULL);
	close(dmabuf);
	ASSERT_EQ(DMAADD_JOB_OK, run_job(_metadata, self));
	ASSERT_EQ(0, read_text(self->dir, "clients", self->text));
	ASSERT_EQ(0, find_address(self->text));
	ASSERT_EQ(0, read_text(self->dir, "stats", self->text));
	ASSERT_EQ(0, find_address(self->text));
}

/* The fixture chose the execution path by backend (dmaadd_test.h). */
static bool inline_path(const FIXTURE_VARIANT(debugfs) *v)
{
	return v->backend != DMAADD_BACKEND_PCI;
}

/*
 * A small job on an idle engine runs in the submitter's context where
 * inline_max allows it: it has completed when SUBMIT returns, and
 * "jobs_inline" counts it. With inline_max 0 (the PCI device in this
 * suite) every job goes to the engine's thread.
 */
TEST_F(debugfs, small_job_runs_in_submit)
{
	const bool inl = inline_path(variant);
	long long before = test_stat("jobs_inline");
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	struct dmaadd_submit cmd;
	__u32 status = ~0U;
	__u64 id;
	int fence;

	ASSERT_LE(0, before);
	dmaadd_fill(self->a.map, N, 40);
	dmaadd_fill(self->b.map, N, 2);

	dmaadd_submit_init(&cmd, N, OPND(self->a.handle, 0),
			   OPND(self->b.handle, 0), OPND(self->c.handle, 0));
	cmd.flags = DMAADD_SUBMIT_OUT_FENCE;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
	id = cmd.job_id;
	fence = (int)cmd.out_fence_fd;
	if (inl) {
		/* Done before SUBMIT returned: fence, poll, the data. */
		ASSERT_EQ(1, fd_signalled(fence, 0));
		ASSERT_EQ(1, poll(&p, 1, 0));
		ASSERT_FILLED(self->c.map, N, 42U);
		ASSERT_EQ(before + 1, test_stat("jobs_inline"));
	}
	close(fence);
	ASSERT_EQ(0, _test_ioctl_wait(self->fd, id, DMAADD_TIMEOUT_INFINITE,
				      &status));
	ASSERT_EQ(DMAADD_JOB_OK, status);
	ASSERT_FILLED(self->c.map, N, 42U);
	if (!inl)
		ASSERT_EQ(before, test_stat("jobs_inline"));
}

/* A job larger than inline_max goes to the thread, on either device. */
TEST_F(debugfs, big_job_goes_to_the_thread)
{
	long long before = test_stat("jobs_inline");

	ASSERT_LE(0, before);
	ASSERT_EQ(0, dmaadd_set_inline_max(self->index, N * ELEM_SIZE - 4));
	ASSERT_EQ(DMAADD_JOB_OK, run_job(_metadata, self));
	ASSERT_EQ(before, test_stat("jobs_inline"));
	/* And one that fits, where the fixture allows inline jobs. */
	ASSERT_EQ(0, dmaadd_set_inline_max(self->index,
					   inline_path(variant) ?
					   N * ELEM_SIZE : 0));
	ASSERT_EQ(DMAADD_JOB_OK, run_job(_metadata, self));
	ASSERT_EQ(before + inline_path(variant), test_stat("jobs_inline"));
	dmaadd_set_exec_path(self->index, variant->backend);
}

/* inline_max reads back what was written; at most 1 MiB. */
TEST_F(debugfs, inline_max_bounds)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/inline_max", self->dir);
	ASSERT_EQ(0, dmaadd_set_inline_max(self->index, 4096));
	ASSERT_EQ(4096ULL, proc_field(path, ""));
	ASSERT_EQ(0, dmaadd_set_inline_max(self->index, 1 << 20));
	ASSERT_EQ(-1, dmaadd_set_inline_max(self->index, (1 << 20) + 1));
	ASSERT_EQ(1ULL << 20, proc_field(path, ""));
	dmaadd_set_exec_path(self->index, variant->backend);
	ASSERT_EQ(inline_path(variant) ? 65536ULL : 0ULL, proc_field(path, ""));
}

TEST_F(debugfs, files_root_only)
{
	static const struct {
		const char *name;
		mode_t mode;
	} files[] = {
		{ "stats", 0400 }, { "clients", 0400 }, { "inject_fault", 0200 },
		{ "inline_max", 0600 },
	};
	char path[128];
	struct stat st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir, files[i].name);
		ASSERT_EQ(0, stat(path, &st));
		ASSERT_EQ(files[i].mode, st.st_mode & 07777);
		ASSERT_EQ(0U, st.st_uid);
	}
}

/* An ordinary user cannot read the stats, even given the path. */
TEST_F(debugfs, unprivileged_cannot_read)
{
	char path[128];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/clients", self->dir);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		CHILD_CHECK(share_drop_privileges(SZ_1M) == 0);
		CHILD_CHECK(open(path, O_RDONLY | O_CLOEXEC) == -1);
		CHILD_CHECK(errno == EACCES);
		_exit(0);
	}
	ASSERT_EQ(0, share_wait_child(pid));
}

TEST_HARNESS_MAIN
