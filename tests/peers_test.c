// SPDX-License-Identifier: GPL-2.0
/*
 * dma-bufs from exporters dmaadd did not write, imported into dmaadd: the
 * dma-heap system heap and udmabuf. Debian's stock 6.1 kernel has neither
 * (no CONFIG_DMABUF_HEAPS, no CONFIG_UDMABUF), so there these tests skip and
 * say so; the debug kernel built from linux-source has both. vgem, which the
 * stock kernel does have, is covered by share_test.
 */
#include "dmaadd_test.h"	/* first: it defines _GNU_SOURCE */

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <sys/mman.h>

#define PEER_LEN	SZ_1M
#define PEER_COUNT	(PEER_LEN / ELEM_SIZE)

/*
 * Sizes of the peers' buffers. The system heap backs 1 MiB and more with
 * order-8 (1 MiB) pages, one sg entry each, and does not split its table
 * for an importer: under swiotlb=force no device can map such an entry
 * (the bounce pool maps 256 KiB at most), so the heap buffer stays below
 * 1 MiB, in 64 KiB pieces. udmabuf merges whatever runs of memfd pages
 * happen to be contiguous; below 256 KiB no run can be too long.
 */
#define HEAP_LEN	(15 * SZ_64K)
#define UDMABUF_LEN	(60 * SZ_4K)

/* A dma-buf of @len bytes and a CPU mapping of the same memory. */
struct peer_buf {
	int dmabuf_fd;
	int memfd;		/* udmabuf only */
	__u32 *map;
	__u64 count;		/* elements */
	bool cpu_sync;		/* bracket CPU access with DMA_BUF_IOCTL_SYNC */
};

static int peer_heap_alloc(struct peer_buf *pb, __u64 len)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	int ret;

	if (heap < 0)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data);
	close(heap);
	if (ret)
		return -1;
	pb->dmabuf_fd = data.fd;
	pb->memfd = -1;
	pb->count = len / ELEM_SIZE;
	pb->cpu_sync = true;
	pb->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       pb->dmabuf_fd, 0);
	return pb->map == MAP_FAILED ? -1 : 0;
}

/*
 * udmabuf: memfd pages as a dma-buf; the CPU side is the memfd mapping, not
 * the dma-buf's, so no DMA_BUF_IOCTL_SYNC: dmaadd's own per-job syncs must
 * be enough (under swiotlb they are the only copy between bounce slots and
 * the pages). It also keeps clear of 6.1's udmabuf, whose first CPU-access
 * sync maps the memfd for its misc device in segments longer than that
 * device's 64 KiB limit (a DMA-API debug report in udmabuf itself).
 */
static int peer_udmabuf_alloc(struct peer_buf *pb, __u64 len)
{
	struct udmabuf_create create = {
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = len,
	};
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);

	if (dev < 0)
		return -1;
	pb->memfd = memfd_create("dmaadd-peer", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (pb->memfd < 0 || ftruncate(pb->memfd, len) ||
	    fcntl(pb->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		goto err_close;
	create.memfd = pb->memfd;
	pb->cpu_sync = false;
	pb->count = len / ELEM_SIZE;
	pb->dmabuf_fd = ioctl(dev, UDMABUF_CREATE, &create);
	close(dev);
	if (pb->dmabuf_fd < 0)
		return -1;
	pb->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       pb->memfd, 0);
	return pb->map == MAP_FAILED ? -1 : 0;

err_close:
	close(dev);
	return -1;
}

static int peer_sync(struct peer_buf *pb, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_RW };

	if (!pb->cpu_sync)
		return 0;
	return ioctl(pb->dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
}

static int peer_import(int fd, struct peer_buf *pb, __u32 *handle)
{
	struct dmaadd_buf_import cmd = {
		.size = sizeof(cmd),
		.fd = pb->dmabuf_fd,
	};

	if (ioctl(fd, DMAADD_IOCTL_BUF_IMPORT, &cmd))
		return -1;
	*handle = cmd.handle;
	return 0;
}

FIXTURE(peers) {
	DMAADD_FIXTURE_MEMBERS;
	struct dmaadd_buf a, b;
};

FIXTURE_VARIANT(peers) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(peers, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(peers, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(peers)
{
	dmaadd_fixture_open(variant->backend);
	ASSERT_EQ(0, _test_buf_create(self->fd, PEER_LEN, &self->a));
	ASSERT_EQ(0, _test_buf_create(self->fd, PEER_LEN, &self->b));
	dmaadd_fill_random(self->a.map, PEER_COUNT, 41);
	dmaadd_fill_random(self->b.map, PEER_COUNT, 43);
}

FIXTURE_TEARDOWN(peers)
{
	dmaadd_fixture_close();
}

#define SKIP_WITHOUT(_path, _config)					\
	do {								\
		if (access(_path, F_OK))				\
			SKIP(return, "no %s: kernel without %s",	\
			     _path, _config);				\
	} while (0)

/* The peer's memory as the job's output: the result lands in its pages. */
static void peer_as_output(struct __test_metadata *_metadata,
			   FIXTURE_DATA(peers) *self, struct peer_buf *pb)
{
	__u32 handle;
	__u64 job;

	ASSERT_EQ(0, peer_sync(pb, DMA_BUF_SYNC_START));
	dmaadd_fill(pb->map, pb->count, 0xdeadbeef);
	ASSERT_EQ(0, peer_sync(pb, DMA_BUF_SYNC_END));
	ASSERT_EQ(0, peer_import(self->fd, pb, &handle));
	ASSERT_EQ(0, _test_ioctl_submit(self->fd, pb->count,
					OPND(self->a.handle, 0),
					OPND(self->b.handle, 0),
					OPND(handle, 0), &job));
	test_ioctl_wait(job);
	ASSERT_EQ(0, peer_sync(pb, DMA_BUF_SYNC_START));
	ASSERT_SUM(self->a.map, self->b.map, pb->map, pb->count);
}

/* The peer's memory, filled by the CPU, as an input. */
static void peer_as_input(struct __test_metadata *_metadata,
			  FIXTURE_DATA(peers) *self, struct peer_buf *pb)
{
	__u32 handle;
	__u64 job;

	ASSERT_EQ(0, peer_sync(pb, DMA_BUF_SYNC_START));
	dmaadd_fill_random(pb->map, pb->count, 47);
	ASSERT_EQ(0, peer_sync(pb, DMA_BUF_SYNC_END));
	ASSERT_EQ(0, peer_import(self->fd, pb, &handle));
	ASSERT_EQ(0, _test_ioctl_submit(self->fd, pb->count,
					OPND(handle, 0),
					OPND(self->b.handle, 0),
					OPND(self->a.handle, 0), &job));
	test_ioctl_wait(job);
	ASSERT_SUM(pb->map, self->b.map, self->a.map, pb->count);
}

TEST_F(peers, system_heap_output)
{
	struct peer_buf pb;

	SKIP_WITHOUT("/dev/dma_heap/system", "CONFIG_DMABUF_HEAPS_SYSTEM");
	ASSERT_EQ(0, peer_heap_alloc(&pb, HEAP_LEN));
	peer_as_output(_metadata, self, &pb);
}

TEST_F(peers, system_heap_input)
{
	struct peer_buf pb;

	SKIP_WITHOUT("/dev/dma_heap/system", "CONFIG_DMABUF_HEAPS_SYSTEM");
	ASSERT_EQ(0, peer_heap_alloc(&pb, HEAP_LEN));
	peer_as_input(_metadata, self, &pb);
}

TEST_F(peers, udmabuf_output)
{
	struct peer_buf pb;

	SKIP_WITHOUT("/dev/udmabuf", "CONFIG_UDMABUF");
	ASSERT_EQ(0, peer_udmabuf_alloc(&pb, UDMABUF_LEN));
	peer_as_output(_metadata, self, &pb);
}

TEST_F(peers, udmabuf_input)
{
	struct peer_buf pb;

	SKIP_WITHOUT("/dev/udmabuf", "CONFIG_UDMABUF");
	ASSERT_EQ(0, peer_udmabuf_alloc(&pb, UDMABUF_LEN));
	peer_as_input(_metadata, self, &pb);
}

TEST_HARNESS_MAIN
