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

TEST_HARNESS_MAIN
