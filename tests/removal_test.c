// SPDX-License-Identifier: GPL-2.0
/*
 * Device removal with users (uapi/linux/dmaadd.h, "Device removal"): the
 * bus takes the device away - PCI remove, driver unbind - while files are
 * open, buffers mapped, jobs running, queued and held by a fence that
 * never signals, buffers exported to another process and imported by the
 * other device, and processes keep calling into it. Everything completes
 * or fails with ENODEV as documented, nothing crashes or leaks (the debug
 * kernels' KASAN, lockdep, DMA-API debug and kmemleak watch), and the
 * device comes back on rescan or bind and works.
 */
#include "share_test.h"	/* first: it defines _GNU_SOURCE */
#include "fence.h"

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define RESTORE_MS	20000	/* objects released, device probed again */

/* How the test takes the device away, and gives it back. */
enum how { PCI_REMOVE, UNBIND };

struct devctl {
	char sysdev[PATH_MAX];	/* /sys/devices/... of the bus device */
	char name[NAME_MAX];	/* its bus name: 0000:00:03.0, dmaadd.0 */
	char bus[32];		/* pci, platform */
	enum how how;
};

static int read_link_base(const char *path, char *out, size_t max)
{
	char real[PATH_MAX];
	const char *slash;

	if (!realpath(path, real))
		return -1;
	slash = strrchr(real, '/');
	slash = slash ? slash + 1 : real;
	if (strlen(slash) >= max)
		return -1;
	memcpy(out, slash, strlen(slash) + 1);
	return 0;
}

static int devctl_init(unsigned int index, enum how how, struct devctl *c)
{
	char path[PATH_MAX + 16];

	memset(c, 0, sizeof(*c));
	c->how = how;
	snprintf(path, sizeof(path), "/sys/class/misc/dmaadd%u/device", index);
	if (!realpath(path, c->sysdev) ||
	    read_link_base(path, c->name, sizeof(c->name)))
		return -1;
	snprintf(path, sizeof(path), "%s/subsystem", c->sysdev);
	return read_link_base(path, c->bus, sizeof(c->bus));
}

static int devctl_remove(const struct devctl *c)
{
	char path[PATH_MAX + 16];

	if (c->how == PCI_REMOVE) {
		snprintf(path, sizeof(path), "%s/remove", c->sysdev);
		return write_str(path, "1");
	}
	snprintf(path, sizeof(path), "%s/driver/unbind", c->sysdev);
	return write_str(path, c->name);
}

/* The index of the dmaadd device whose bus device is @c's, or -1. */
static int devctl_find(const struct devctl *c)
{
	char path[64], real[PATH_MAX];
	unsigned int n;

	for (n = 0; n < DMAADD_MAX_DEVICES; n++) {
		snprintf(path, sizeof(path), "/sys/class/misc/dmaadd%u/device", n);
		if (realpath(path, real) && !strcmp(real, c->sysdev))
			return (int)n;
	}
	return -1;
}

static long module_refcnt(void)
{
	char text[32];

	if (read_text_file("/sys/module/dmaadd", "refcnt", text, sizeof(text)))
		return -1;
	return strtol(text, NULL, 10);
}

/*
 * Give the device back once everything the test held is gone (so that it
 * gets its old index again): rescan or bind, then wait for its node.
 * Returns its index, or -1.
 */
static int devctl_restore(const struct devctl *c, long refcnt)
{
	char path[PATH_MAX];
	unsigned int i;
	int index;

	for (i = 0; i < RESTORE_MS / 10 && module_refcnt() > refcnt; i++)
		usleep(10000);
	if (module_refcnt() > refcnt)
		fprintf(stderr, "# module refcnt %ld, was %ld before the test\n",
			module_refcnt(), refcnt);

	if (c->how == PCI_REMOVE) {
		if (write_str("/sys/bus/pci/rescan", "1"))
			return -1;
	} else {
		snprintf(path, sizeof(path), "/sys/bus/%s/drivers/dmaadd/bind",
			 c->bus);
		if (write_str(path, c->name))
			return -1;
	}
	for (i = 0; i < RESTORE_MS / 10; i++) {
		index = devctl_find(c);
		if (index >= 0) {
			snprintf(path, sizeof(path), "/dev/dmaadd%d", index);
			if (!access(path, R_OK | W_OK))
				return index;
		}
		usleep(10000);
	}
	return -1;
}

FIXTURE(removal) {
	DMAADD_FIXTURE_MEMBERS;
	struct devctl ctl;
	long refcnt;		/* the module's, before the test opened anything */
	bool removed;
	bool has_peer;
	int peer;		/* the other backend's device, or -1 */
	unsigned int peer_index;
	int vgem;
};

FIXTURE_VARIANT(removal) {
	__u32 backend;
	enum how how;
};

FIXTURE_VARIANT_ADD(removal, pci_remove) {
	.backend = DMAADD_BACKEND_PCI,
	.how = PCI_REMOVE,
};

FIXTURE_VARIANT_ADD(removal, pci_unbind) {
	.backend = DMAADD_BACKEND_PCI,
	.how = UNBIND,
};

FIXTURE_VARIANT_ADD(removal, platform_unbind) {
	.backend = DMAADD_BACKEND_PLATFORM,
	.how = UNBIND,
};

FIXTURE_SETUP(removal)
{
	struct dmaadd_info info;
	unsigned int i;

	self->peer = -1;
	self->vgem = -1;
	self->refcnt = module_refcnt();
	if (self->refcnt < 0)
		SKIP_SETUP("dmaadd is not a loaded module");
	/*
	 * Nothing of the module's is open, once the last test's jobs and
	 * fences are freed: wait for that, so that the count tells when the
	 * removed instance is gone for good.
	 */
	for (i = 0; i < RESTORE_MS / 10 && self->refcnt > 0; i++) {
		usleep(10000);
		self->refcnt = module_refcnt();
	}
	dmaadd_fixture_open(variant->backend);
	ASSERT_EQ(0, devctl_init(self->index, variant->how, &self->ctl));
	self->peer = dmaadd_open_backend(variant->backend == DMAADD_BACKEND_PCI ?
					 DMAADD_BACKEND_PLATFORM :
					 DMAADD_BACKEND_PCI, 0, &info,
					 &self->peer_index);
	self->has_peer = self->peer >= 0;
	self->vgem = vgem_open();
}

/* Close what the test still holds; bring the device back if it is gone. */
static void removal_restore(struct __test_metadata *_metadata,
			    FIXTURE_DATA(removal) *self)
{
	int index;

	dmaadd_fixture_close();
	if (self->peer >= 0)
		close(self->peer);
	self->peer = -1;
	if (self->vgem >= 0)
		close(self->vgem);
	self->vgem = -1;
	if (!self->removed)
		return;
	self->removed = false;
	index = devctl_restore(&self->ctl, self->refcnt);
	ASSERT_LE(0, index);
	/* Nothing held the old instance: it gave its index back. */
	EXPECT_EQ(self->index, (unsigned int)index);
	self->index = index;
}

FIXTURE_TEARDOWN(removal)
{
	removal_restore(_metadata, self);
}

#define test_remove()							\
	({								\
		ASSERT_EQ(0, devctl_remove(&self->ctl));		\
		self->removed = true;					\
	})

/* After restoring: the device is back and runs a job. */
static void check_device_works(struct __test_metadata *_metadata,
			       FIXTURE_DATA(removal) *self)
{
	struct dmaadd_buf a;
	__u64 n = self->page / ELEM_SIZE, id;

	self->fd = dmaadd_open_index(self->index, 0);
	ASSERT_LE(0, self->fd);
	test_buf_create(self->page, &a);
	dmaadd_fill(a.map, n, 21);
	test_ioctl_submit(n, OPND(a.handle, 0), OPND(a.handle, 0),
			  OPND(a.handle, 0), &id);
	test_ioctl_wait(id);
	ASSERT_FILLED(a.map, n, 42);
	dmaadd_buf_unmap(&a);
	test_ioctl_free(a.handle);
}

/*
 * An open file with a mapped buffer and a finished job: after removal every
 * ioctl but WAIT and BUF_FREE fails with ENODEV, new mappings too, the node
 * is gone, and the mapping still holds the buffer's memory.
 */
TEST_F(removal, idle_file)
{
	struct dmaadd_submit_copy copy = { .size = sizeof(copy) };
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN | POLLOUT };
	struct dmaadd_buf_query q;
	struct dmaadd_buf a;
	struct dmaadd_info info;
	__u64 n = 4 * self->page / ELEM_SIZE, id;
	char node[32];
	__u32 st = ~0U, h;
	void *p;

	test_buf_create(4 * self->page, &a);
	dmaadd_fill(a.map, n, 7);
	test_ioctl_submit(n, OPND(a.handle, 0), OPND(a.handle, 0),
			  OPND(a.handle, 0), &id);
	test_ioctl_wait(id);

	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
	test_remove();
	snprintf(node, sizeof(node), "/dev/dmaadd%u", self->index);
	EXPECT_ERRNO(ENOENT, access(node, F_OK));
	/* Gone: POLLHUP, and idle. */
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT | POLLHUP, pfd.revents);

	EXPECT_ERRNO(ENODEV, _test_ioctl_info(self->fd, &info));
	EXPECT_ERRNO(ENODEV, _test_ioctl_alloc(self->fd, self->page, &h, NULL));
	EXPECT_ERRNO(ENODEV, _test_ioctl_submit(self->fd, n, OPND(a.handle, 0),
						OPND(a.handle, 0),
						OPND(a.handle, 0), NULL));
	EXPECT_ERRNO(ENODEV, _test_ioctl_export(self->fd, a.handle, 0, NULL));
	EXPECT_ERRNO(ENODEV, _test_ioctl_userptr(self->fd, a.map, self->page,
						 0, NULL));
	EXPECT_ERRNO(ENODEV, _test_ioctl_query(self->fd, a.handle, &q, NULL, 0));
	copy.op = DMAADD_OP_ADD_I32;
	copy.count = 1;
	copy.a_ptr = copy.b_ptr = copy.c_ptr = (__u64)(uintptr_t)a.map;
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, DMAADD_IOCTL_SUBMIT_COPY, &copy));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(DMAADD_TYPE, 0x7f), NULL));
	p = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd,
		 a.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);

	/* What had completed still reports. */
	ASSERT_EQ(0, _test_ioctl_wait(self->fd, id, now_plus_ms(DONE_MS), &st));
	EXPECT_EQ((__u32)DMAADD_JOB_OK, st);
	/* The pages outlive the device: the mapping is still memory. */
	ASSERT_FILLED(a.map, n, 14);
	dmaadd_fill(a.map, n, 3);
	ASSERT_FILLED(a.map, n, 3);

	test_ioctl_free(a.handle);
	test_err_free(ENOENT, a.handle);
	ASSERT_FILLED(a.map, n, 3);
	dmaadd_buf_unmap(&a);

	removal_restore(_metadata, self);
	check_device_works(_metadata, self);
}

struct poller {
	int fd;
	int n;
	short revents;
};

/* poll(2) for POLLIN, for long: the removal must end it. */
static void *poller_fn(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	p->n = poll(&pfd, 1, 10 * DONE_MS);
	p->revents = pfd.revents;
	return NULL;
}

#define NR_RUN		24	/* jobs queued before the held one */
#define NR_AFTER	8	/* jobs queued behind it */
#define RUN_BYTES	SZ_1M

/*
 * Jobs running, queued, held by a fence that never signals, and queued
 * behind it: each completes, in order, either done (with the right sums)
 * or cancelled (output untouched), the held one cancelled, and the fences
 * of cancelled jobs signal with -ENODEV.
 */
TEST_F(removal, queued_and_held_jobs_cancelled)
{
	__u64 n = RUN_BYTES / ELEM_SIZE, ids[NR_RUN + 1 + NR_AFTER];
	struct dmaadd_buf a, b, c, held_buf;
	struct sync_fence_info fi;
	struct blocker blk;
	unsigned int i, nr_ok = 0, nr_cancelled = 0;
	struct dmaadd_submit cmd;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct poller poller;
	pthread_t thread;
	int held_fence = -1;

	if (self->vgem < 0)
		SKIP(return, "no vgem: no fence that nobody signals");
	test_buf_create(RUN_BYTES, &a);
	test_buf_create(RUN_BYTES, &b);
	test_buf_create((NR_RUN + 1 + NR_AFTER) * RUN_BYTES, &c);
	test_buf_create(self->page, &held_buf);
	dmaadd_fill_random(a.map, n, 1);
	dmaadd_fill_random(b.map, n, 2);
	dmaadd_fill(c.map, c.length / ELEM_SIZE, 0xdeadbeef);
	test_blocker(&blk);

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		dmaadd_submit_init(&cmd, n, OPND(a.handle, 0),
				   OPND(b.handle, 0),
				   OPND(c.handle, i * RUN_BYTES));
		if (i == NR_RUN) {
			cmd.flags = DMAADD_SUBMIT_IN_FENCE |
				    DMAADD_SUBMIT_OUT_FENCE;
			cmd.in_fence_fd = (__u32)blk.sync;
		}
		ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_SUBMIT, &cmd));
		ids[i] = cmd.job_id;
		if (i == NR_RUN)
			held_fence = (int)cmd.out_fence_fd;
	}

	/* A poll(2) asleep on the held file is woken by the removal. */
	poller.fd = self->fd;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, pthread_create(&thread, NULL, poller_fn, &poller));

	test_remove();

	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(1, poller.n);
	EXPECT_EQ(POLLIN | POLLHUP, poller.revents);

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		__u32 st = ~0U;

		ASSERT_EQ(0, _test_ioctl_wait(self->fd, ids[i],
					      now_plus_ms(DONE_MS), &st));
		if (st == DMAADD_JOB_OK) {
			/* Done jobs come first: the device runs in order. */
			ASSERT_EQ(0U, nr_cancelled);
			nr_ok++;
			ASSERT_SUM(a.map, b.map,
				   dmaadd_buf_at(&c, i * RUN_BYTES), n);
		} else {
			ASSERT_EQ((__u32)DMAADD_JOB_CANCELLED, st);
			nr_cancelled++;
			ASSERT_FILLED(dmaadd_buf_at(&c, i * RUN_BYTES), n,
				      0xdeadbeef);
		}
	}
	TH_LOG("%u jobs done, %u cancelled", nr_ok, nr_cancelled);
	/* At least the held one and those behind it. */
	ASSERT_LE(1 + NR_AFTER, nr_cancelled);
	ASSERT_EQ(1, fd_signalled(held_fence, 0));
	EXPECT_EQ(-ENODEV, sync_file_status(held_fence, &fi));
	close(held_fence);
	blocker_destroy(self->vgem, &blk);

	dmaadd_buf_unmap(&a);
	dmaadd_buf_unmap(&b);
	dmaadd_buf_unmap(&c);
	dmaadd_buf_unmap(&held_buf);
	removal_restore(_metadata, self);
	check_device_works(_metadata, self);
}

/*
 * Buffers outlive the device that allocated them: its dma-buf, held by
 * another process and imported by the other device, stays memory that the
 * other device computes on; the other device's buffer that it imported is
 * given back whole.
 */
TEST_F(removal, buffers_outlive_device)
{
	__u64 n = SZ_1M / ELEM_SIZE, id;
	struct dmaadd_buf a, peer_b, peer_imp, peer_out;
	struct dma_buf_sync sync = { 0 };
	int dmabuf, peer_dmabuf, sv[2], status;
	__u32 x_imp;
	pid_t pid;

	if (self->peer < 0)
		SKIP(return, "no device of the other backend");

	test_buf_create(SZ_1M, &a);
	dmaadd_fill(a.map, n, 5);
	test_ioctl_export(a.handle, 0, &dmabuf);
	ASSERT_EQ(0, _test_buf_import(self->peer, dmabuf, &peer_imp));

	/* The other device's buffer, imported here and used by a job. */
	ASSERT_EQ(0, _test_buf_create(self->peer, SZ_1M, &peer_b));
	dmaadd_fill(peer_b.map, n, 100);
	ASSERT_EQ(0, _test_ioctl_export(self->peer, peer_b.handle, 0,
					&peer_dmabuf));
	test_ioctl_import(peer_dmabuf, &x_imp, NULL, NULL);
	test_ioctl_submit(n, OPND(a.handle, 0), OPND(x_imp, 0),
			  OPND(a.handle, 0), &id);
	test_ioctl_wait(id);
	ASSERT_FILLED(a.map, n, 105);

	/* Another process holds the dma-buf and waits. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u32 *p;

		close(sv[0]);
		if (share_recv_byte(sv[1]) != 'r')
			_exit(2);
		p = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dmabuf, 0);
		if (p == MAP_FAILED)
			_exit(3);
		sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
		if (ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
			_exit(4);
		if (dmaadd_check_fill(p, n, 210, "dma-buf") >= 0)
			_exit(5);
		dmaadd_fill(p, n, 1000);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		if (ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
			_exit(6);
		munmap(p, SZ_1M);
		_exit(0);
	}
	close(sv[1]);

	test_remove();

	/* The other device computes on the removed device's buffer. */
	ASSERT_EQ(0, _test_buf_create(self->peer, SZ_1M, &peer_out));
	ASSERT_EQ(0, _test_ioctl_submit(self->peer, n, OPND(peer_imp.handle, 0),
					OPND(peer_imp.handle, 0),
					OPND(peer_imp.handle, 0), &id));
	ASSERT_EQ(0, _test_ioctl_wait(self->peer, id, DMAADD_TIMEOUT_INFINITE,
				      NULL));
	ASSERT_FILLED(a.map, n, 210);
	ASSERT_FILLED(peer_imp.map, n, 210);

	/* The process holding the dma-buf maps it now and writes. */
	ASSERT_EQ(0, share_send_byte(sv[0], 'r'));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(sv[0]);
	ASSERT_EQ(0, _test_ioctl_submit(self->peer, n, OPND(peer_imp.handle, 0),
					OPND(peer_b.handle, 0),
					OPND(peer_out.handle, 0), &id));
	ASSERT_EQ(0, _test_ioctl_wait(self->peer, id, DMAADD_TIMEOUT_INFINITE,
				      NULL));
	ASSERT_FILLED(peer_out.map, n, 1100);

	/* The other device's buffer is whole, and freed from both sides. */
	test_ioctl_free(x_imp);
	ASSERT_FILLED(peer_b.map, n, 100);
	test_ioctl_free(a.handle);
	close(dmabuf);
	close(peer_dmabuf);
	dmaadd_buf_unmap(&a);
	dmaadd_buf_unmap(&peer_b);
	dmaadd_buf_unmap(&peer_imp);
	dmaadd_buf_unmap(&peer_out);
	removal_restore(_metadata, self);
	check_device_works(_metadata, self);
}

#define STRESS_CHILDREN	4
#define STRESS_ROUNDS	3
#define STRESS_MS	400	/* load before each removal */

/*
 * Until the device is gone: allocate, map, fill, submit (some with
 * out-fences), export and import back, free, reopen. Anything but success
 * or ENODEV (ENOENT from opening a node that is gone) is a failure.
 */
static int stress_child(unsigned int index, int peer, unsigned int seed)
{
	struct dmaadd_buf bufs[4] = { 0 };
	unsigned int i = 0, k;
	int fd, err;

	fd = dmaadd_open_index(index, 0);
	if (fd < 0)
		return errno == ENOENT ? 0 : 10;
	for (;; i++) {
		struct dmaadd_buf *b = &bufs[i % 4];
		__u64 len = (1 + dmaadd_rand(&seed) % 16) * dmaadd_page_size();
		__u32 imp;
		int dmabuf;
		__u64 id;

		if (b->handle) {
			dmaadd_buf_unmap(b);
			if (_test_ioctl_free(fd, b->handle))
				return 11;
			b->handle = 0;
		}
		if (_test_buf_create(fd, len, b)) {
			b->handle = 0;
			break;
		}
		dmaadd_fill(b->map, len / ELEM_SIZE, i);
		if (_test_ioctl_submit(fd, len / ELEM_SIZE, OPND(b->handle, 0),
				       OPND(b->handle, 0), OPND(b->handle, 0),
				       &id))
			break;
		if (_test_ioctl_export(fd, b->handle, 0, &dmabuf))
			break;
		if (peer >= 0 && !_test_ioctl_import(peer, dmabuf, &imp, NULL,
						     NULL)) {
			_test_ioctl_submit(peer, 1, OPND(imp, 0), OPND(imp, 0),
					   OPND(imp, 0), NULL);
			_test_ioctl_free(peer, imp);
		}
		err = _test_ioctl_import(fd, dmabuf, &imp, NULL, NULL);
		close(dmabuf);
		if (err)
			break;
		if (i % 8 == 7) {
			close(fd);
			memset(bufs, 0, sizeof(bufs));
			fd = dmaadd_open_index(index, 0);
			if (fd < 0)
				return errno == ENOENT || errno == ENODEV ? 0 : 12;
		}
	}
	err = errno;
	if (err != ENODEV) {
		fprintf(stderr, "# child: round %u: %s\n", i, strerror(err));
		return 13;
	}
	/* What is left: WAIT and BUF_FREE work, the rest says ENODEV. */
	for (k = 0; k < 4; k++) {
		dmaadd_buf_unmap(&bufs[k]);
		if (bufs[k].handle && _test_ioctl_free(fd, bufs[k].handle))
			return 14;
	}
	close(fd);
	return 0;
}

/*
 * Processes use the device and its buffers (also through the other
 * device) as hard as they can while it is removed and given back, three
 * times over.
 */
TEST_F(removal, stress)
{
	pid_t pids[STRESS_CHILDREN];
	unsigned int round, i;
	int status, index;

	for (round = 0; round < STRESS_ROUNDS; round++) {
		for (i = 0; i < STRESS_CHILDREN; i++) {
			pids[i] = fork();
			ASSERT_LE(0, pids[i]);
			if (!pids[i]) {
				int peer = -1;

				if (self->has_peer && i % 2)
					peer = dmaadd_open_index(self->peer_index,
								 0);
				_exit(stress_child(self->index, peer,
						   round * 16 + i + 1));
			}
		}
		usleep(STRESS_MS * 1000);
		dmaadd_fixture_close();
		test_remove();
		for (i = 0; i < STRESS_CHILDREN; i++) {
			ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
			ASSERT_TRUE(WIFEXITED(status));
			EXPECT_EQ(0, WEXITSTATUS(status));
		}
		self->removed = false;
		if (self->peer >= 0)
			close(self->peer);
		self->peer = -1;
		index = devctl_restore(&self->ctl, self->refcnt);
		ASSERT_LE(0, index);
		EXPECT_EQ(self->index, (unsigned int)index);
		self->fd = dmaadd_open_index(self->index, 0);
		ASSERT_LE(0, self->fd);
		if (self->has_peer)
			self->peer = dmaadd_open_index(self->peer_index, 0);
	}
	dmaadd_fixture_close();
	check_device_works(_metadata, self);
}

TEST_HARNESS_MAIN
