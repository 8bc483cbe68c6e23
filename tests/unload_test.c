// SPDX-License-Identifier: GPL-2.0
/*
 * The module must stay loaded while anything still reaches its memory: an
 * exported dma-buf, or a mapping of a buffer, after every device fd has
 * been closed. delete_module() with O_NONBLOCK then fails with EWOULDBLOCK
 * instead of waiting. (If one of these ever succeeded, the module would be
 * gone and the harness's own "rmmod dmaadd" step would fail too.)
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int try_unload(void)
{
	return syscall(__NR_delete_module, "dmaadd", O_NONBLOCK);
}

static int export_buffer(int fd, __u32 handle)
{
	struct dmaadd_buf_export cmd = {
		.size = sizeof(cmd),
		.handle = handle,
	};

	if (ioctl(fd, DMAADD_IOCTL_BUF_EXPORT, &cmd))
		return -1;
	return cmd.fd;
}

FIXTURE(unload) {
	DMAADD_FIXTURE_MEMBERS;
};

FIXTURE_VARIANT(unload) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(unload, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(unload, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(unload)
{
	dmaadd_fixture_open(variant->backend);
}

FIXTURE_TEARDOWN(unload)
{
	dmaadd_fixture_close();
}

TEST_F(unload, refused_while_fd_open)
{
	EXPECT_ERRNO(EWOULDBLOCK, try_unload());
}

TEST_F(unload, refused_while_dmabuf_exported)
{
	struct dmaadd_buf buf;
	int dmabuf;

	ASSERT_EQ(0, _test_buf_create(self->fd, SZ_64K, &buf));
	dmaadd_fill(buf.map, SZ_64K / ELEM_SIZE, 0x5a5a5a5a);
	dmabuf = export_buffer(self->fd, buf.handle);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, munmap(buf.map, buf.map_length));
	dmaadd_fixture_close();

	EXPECT_ERRNO(EWOULDBLOCK, try_unload());

	/* And the memory behind the fd is still there. */
	buf.map = mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, buf.map);
	ASSERT_FILLED(buf.map, SZ_64K / ELEM_SIZE, 0x5a5a5a5a);
	ASSERT_EQ(0, munmap(buf.map, SZ_64K));
	ASSERT_EQ(0, close(dmabuf));
}

TEST_F(unload, refused_while_mapped)
{
	struct dmaadd_buf buf;

	ASSERT_EQ(0, _test_buf_create(self->fd, SZ_64K, &buf));
	dmaadd_fill(buf.map, SZ_64K / ELEM_SIZE, 0xa5a5a5a5);
	ASSERT_EQ(0, _test_ioctl_free(self->fd, buf.handle));
	dmaadd_fixture_close();

	EXPECT_ERRNO(EWOULDBLOCK, try_unload());
	ASSERT_FILLED(buf.map, SZ_64K / ELEM_SIZE, 0xa5a5a5a5);
	ASSERT_EQ(0, munmap(buf.map, buf.map_length));
}

/* The module's reference count, or -1 if /sys/module/dmaadd has none. */
static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/dmaadd/refcnt", "re");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* Poll until the module's count is 0; whatever it was at the end. */
static long refcnt_settles_to_zero(void)
{
	long n = -1;
	int i;

	for (i = 0; i < 1000; i++) {
		n = module_refcnt();
		if (n == 0)
			break;
		usleep(10000);
	}
	return n;
}

/* A 4 KiB job on a fresh file, its out-fence returned; the file closed. */
static int job_fence_then_close(unsigned int index)
{
	struct dmaadd_buf a, b, c;
	struct dmaadd_submit cmd;
	int fd, out = -1;

	fd = dmaadd_open_index(index, 0);
	if (fd < 0)
		return -1;
	if (_test_buf_create(fd, 4096, &a) || _test_buf_create(fd, 4096, &b) ||
	    _test_buf_create(fd, 4096, &c))
		goto out;
	dmaadd_submit_init(&cmd, 1024, OPND(a.handle, 0), OPND(b.handle, 0),
			   OPND(c.handle, 0));
	cmd.flags = DMAADD_SUBMIT_OUT_FENCE;
	if (!ioctl(fd, DMAADD_IOCTL_SUBMIT, &cmd))
		out = (int)cmd.out_fence_fd;
	dmaadd_buf_unmap(&a);
	dmaadd_buf_unmap(&b);
	dmaadd_buf_unmap(&c);
out:
	close(fd);
	return out;
}

/*
 * A fence keeps the module loaded after every file is closed: its ops are
 * module code, called until its last put. And when that put comes, the
 * module is free to go: the count gets back to 0.
 */
TEST_F(unload, fence_holds_module_until_its_last_put)
{
	int out;

	if (module_refcnt() < 0)
		SKIP(return, "no /sys/module/dmaadd/refcnt");
	dmaadd_fixture_close();
	out = job_fence_then_close(self->index);
	ASSERT_LE(0, out);
	EXPECT_LT(0, module_refcnt());
	EXPECT_ERRNO(EWOULDBLOCK, try_unload());
	ASSERT_EQ(0, close(out));
	EXPECT_EQ(0, refcnt_settles_to_zero());
}

/*
 * The first live fence takes the module's reference and the release of the
 * last one drops it: processes that each make fences and drop them, on
 * both devices, cross that zero over and over. Neither a reference lost
 * (the count never returns to 0) nor one dropped twice (the module would
 * be unloadable while a fence lives, and the count underflows) may come
 * out of it.
 */
TEST_F(unload, fence_module_reference_under_churn)
{
	const int nproc = 4, rounds = 100;
	int i, st;

	if (module_refcnt() < 0)
		SKIP(return, "no /sys/module/dmaadd/refcnt");
	dmaadd_fixture_close();
	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			int r, out, bad = 0;

			for (r = 0; r < rounds; r++) {
				/* Both devices: their fences share the count. */
				out = job_fence_then_close((i + r) % 2 ?
							   self->index : 0);
				if (out < 0) {
					bad = 1;
					break;
				}
				/* Held: never unloadable here. */
				if (try_unload() == 0 || errno != EWOULDBLOCK)
					bad = 2;
				if (r % 3)
					usleep(100);
				close(out);
			}
			_exit(bad);
		}
	}
	for (i = 0; i < nproc; i++) {
		ASSERT_LT(0, wait(&st));
		ASSERT_TRUE(WIFEXITED(st));
		EXPECT_EQ(0, WEXITSTATUS(st));
	}
	EXPECT_EQ(0, refcnt_settles_to_zero());
}

TEST_HARNESS_MAIN
