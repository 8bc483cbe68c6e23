// SPDX-License-Identifier: GPL-2.0
/*
 * The completion page (uapi "Completion page"): mmap(2) at
 * DMAADD_COMPLETION_OFFSET gives a read-only page where the file's
 * completed job id and recent statuses appear without a system call.
 *
 * What it says after jobs that ran, faulted, ran inline or in the engine's
 * thread; that the output is visible once the id moved; that the page is
 * the file's own, read-only, one page, MAP_SHARED; that it outlives close()
 * and leaks nothing.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <sys/wait.h>

#include "fence.h"
#include "share_test.h"

#define N	1000

FIXTURE(completion) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b, c;
	const struct dmaadd_completion_page *cpage;
};

FIXTURE_VARIANT(completion) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(completion, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(completion, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

static const struct dmaadd_completion_page *map_page(int fd)
{
	void *p = mmap(NULL, sizeof(struct dmaadd_completion_page), PROT_READ,
		       MAP_SHARED, fd, DMAADD_COMPLETION_OFFSET);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE_SETUP(completion)
{
	self->cpage = NULL;
	dmaadd_fixture_open(variant->backend);
	if (self->info.api_version < 6)
		SKIP_SETUP("module API %u has no completion page",
			   self->info.api_version);
	test_buf_create(N * ELEM_SIZE, &self->a);
	test_buf_create(N * ELEM_SIZE, &self->b);
	test_buf_create(N * ELEM_SIZE, &self->c);
	self->cpage = map_page(self->fd);
	ASSERT_NE(NULL, self->cpage);
}

FIXTURE_TEARDOWN(completion)
{
	if (self->cpage)
		munmap((void *)self->cpage, sizeof(*self->cpage));
	dmaadd_fixture_close();
}

static __u64 completed(const struct dmaadd_completion_page *page)
{
	return __atomic_load_n(&page->completed_id, __ATOMIC_ACQUIRE);
}

/* The page's status of @id, or ~0U when its entry holds another job. */
static __u32 page_status(const struct dmaadd_completion_page *page, __u64 id)
{
	__u64 e = __atomic_load_n(&page->status[id % DMAADD_COMPLETION_HISTORY],
				  __ATOMIC_RELAXED);

	return e >> 8 == id ? (__u32)(e & 0xff) : ~0U;
}

/* Spins on the page, up to DONE_MS, until job @id has completed. */
static int spin_until(const struct dmaadd_completion_page *page, __u64 id)
{
	__u64 deadline = dmaadd_now_ns() + DONE_MS * 1000000ULL;

	while (completed(page) < id)
		if (dmaadd_now_ns() > deadline)
			return -1;
	return 0;
}

static __u64 submit_n(struct __test_metadata *_metadata,
		      FIXTURE_DATA(completion) *self, __u64 count)
{
	__u64 id;

	test_ioctl_submit(count, OPND(self->a.handle, 0),
			  OPND(self->b.handle, 0), OPND(self->c.handle, 0),
			  &id);
	return id;
}

/* A new file's page is all zero: no job has completed. */
TEST_F(completion, fresh_file_is_zero)
{
	const __u64 *w = (const __u64 *)self->cpage;
	unsigned int i;

	for (i = 0; i < sizeof(*self->cpage) / 8; i++)
		ASSERT_EQ(0ULL, w[i]);
}

/*
 * A reader that sees the id move sees the job's output and status, with no
 * system call in between: on the platform device in this suite small jobs
 * run inline (done when SUBMIT returns), on the PCI device in the engine's
 * thread (the loop spins while it runs).
 */
TEST_F(completion, id_moves_with_output_visible)
{
	__u64 id;
	int round;

	for (round = 0; round < 20; round++) {
		dmaadd_fill_random(self->a.map, N, round);
		dmaadd_fill_random(self->b.map, N, ~round);
		dmaadd_fill(self->c.map, N, 0xdeadbeef);
		id = submit_n(_metadata, self, N);
		ASSERT_EQ(0, spin_until(self->cpage, id));
		ASSERT_EQ(DMAADD_JOB_OK, page_status(self->cpage, id));
		ASSERT_SUM(self->a.map, self->b.map, self->c.map, N);
	}
	/* WAIT agrees, and nothing went past the last job. */
	test_ioctl_wait(id);
	ASSERT_EQ(id, completed(self->cpage));
}

/* The inline path completes the job before SUBMIT returns. */
TEST_F(completion, inline_job_done_at_submit)
{
	__u64 id;

	if (variant->backend == DMAADD_BACKEND_PCI)
		SKIP(return, "this suite runs every PCI job in the thread");
	id = submit_n(_metadata, self, 1);
	ASSERT_EQ(id, completed(self->cpage));
	ASSERT_EQ(DMAADD_JOB_OK, page_status(self->cpage, id));
}

/* A faulting job's status is on the page too; the id still moves. */
TEST_F(completion, fault_status)
{
	__u64 id, next;

	if (inject_fault(self->index, 1))
		SKIP(return, "no inject_fault in debugfs");
	id = submit_n(_metadata, self, N);
	next = submit_n(_metadata, self, N);
	ASSERT_EQ(0, spin_until(self->cpage, next));
	ASSERT_EQ(DMAADD_JOB_FAULT, page_status(self->cpage, id));
	ASSERT_EQ(DMAADD_JOB_OK, page_status(self->cpage, next));
	ASSERT_STATUS(self->fd, id, DMAADD_JOB_FAULT);
}

/* The status ring keeps the last DMAADD_COMPLETION_HISTORY jobs. */
TEST_F_TIMEOUT(completion, status_history_wraps, 120)
{
	const unsigned int jobs = DMAADD_COMPLETION_HISTORY + 44;
	__u64 first = 0, id = 0;
	unsigned int i;

	for (i = 0; i < jobs; i++) {
		id = submit_n(_metadata, self, 1);
		if (!first)
			first = id;
		if (i % 64 == 63)
			test_ioctl_wait(id);
	}
	test_ioctl_wait(id);
	ASSERT_EQ(id, completed(self->cpage));
	for (i = 0; i < DMAADD_COMPLETION_HISTORY; i++) {
		ASSERT_EQ(DMAADD_JOB_OK, page_status(self->cpage, id - i));
	}
	/* Older ones gave their entries to newer jobs. */
	ASSERT_EQ(~0U, page_status(self->cpage, first));
}

/* Each open file has its own page: jobs of another file do not show. */
TEST_F(completion, per_file)
{
	const struct dmaadd_completion_page *other;
	int fd2 = test_open_same_device(0);
	__u64 id;

	other = map_page(fd2);
	ASSERT_NE(NULL, other);
	id = submit_n(_metadata, self, N);
	test_ioctl_wait(id);
	ASSERT_EQ(id, completed(self->cpage));
	ASSERT_EQ(0ULL, completed(other));
	munmap((void *)other, sizeof(*other));
	close(fd2);
}

/* Read-only, one page, MAP_SHARED: the uapi's errno table. */
TEST_F(completion, map_errors)
{
	void *p;

	EXPECT_ERRNO(EACCES, (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_SHARED, self->fd,
					DMAADD_COMPLETION_OFFSET));
	EXPECT_ERRNO(EINVAL, (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE,
					self->fd, DMAADD_COMPLETION_OFFSET));
	EXPECT_ERRNO(EINVAL, (long)mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED,
					self->fd, DMAADD_COMPLETION_OFFSET));
	/* Page 1 of "handle 0" is nothing. */
	EXPECT_ERRNO(EINVAL, (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED,
					self->fd, 4096));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd,
		 DMAADD_COMPLETION_OFFSET);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_ERRNO(EACCES, mprotect(p, 4096, PROT_READ | PROT_WRITE));
	/* Cannot grow. */
	EXPECT_EQ(MAP_FAILED, mremap(p, 4096, 2 * 4096, 0));
	munmap(p, 4096);
}

/*
 * The mapping keeps the open file: after close() it still reads, and still
 * moves for jobs that were in flight. Unmapping lets the file go.
 */
TEST_F(completion, outlives_close)
{
	const struct dmaadd_completion_page *p2;
	struct dmaadd_buf a, b, c;
	struct live before;
	__u64 id;
	int fd2;

	/* Count before the second file exists: it must be gone at the end. */
	if (live_read(self->index, &before))
		SKIP(return, "no debugfs stats");
	fd2 = test_open_same_device(0);
	ASSERT_LE(0, fd2);
	p2 = map_page(fd2);
	ASSERT_NE(NULL, p2);
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_4M, &a));
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_4M, &b));
	ASSERT_EQ(0, _test_buf_create(fd2, SZ_4M, &c));
	ASSERT_EQ(0, _test_ioctl_submit(fd2, SZ_4M / ELEM_SIZE,
					OPND(a.handle, 0), OPND(b.handle, 0),
					OPND(c.handle, 0), &id));
	dmaadd_buf_unmap(&a);
	dmaadd_buf_unmap(&b);
	dmaadd_buf_unmap(&c);
	close(fd2);
	ASSERT_EQ(0, spin_until(p2, id));
	ASSERT_EQ(DMAADD_JOB_OK, page_status(p2, id));
	munmap((void *)p2, sizeof(*p2));
	ASSERT_EQ(0, live_settle(self->index, &before));
}

/* A child that inherits the mapping sees the parent's jobs complete. */
TEST_F(completion, fork_shares_the_page)
{
	int pipefd[2], st;
	__u64 id;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u64 want;

		close(pipefd[1]);
		CHILD_CHECK(read(pipefd[0], &want, sizeof(want)) ==
			    sizeof(want));
		CHILD_CHECK(spin_until(self->cpage, want) == 0);
		CHILD_CHECK(page_status(self->cpage, want) == DMAADD_JOB_OK);
		_exit(0);
	}
	close(pipefd[0]);
	id = submit_n(_metadata, self, N);
	ASSERT_EQ((ssize_t)sizeof(id), write(pipefd[1], &id, sizeof(id)));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st));
}

TEST_HARNESS_MAIN
