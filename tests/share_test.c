// SPDX-License-Identifier: GPL-2.0
/*
 * dmaadd buffers as dma-bufs: BUF_EXPORT and BUF_IMPORT within one file,
 * across files, devices and processes, read-only exports, the lifetime of
 * exported memory, DMA_BUF_IOCTL_SYNC, and vgem as a foreign exporter and
 * importer (see "Sharing buffers" in uapi/linux/dmaadd.h).
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "share_test.h"

#include <linux/dma-buf.h>
#include "vgem.h"

struct export_tail {
	struct dmaadd_buf_export s;
	__u8 tail[TAIL_BYTES];
};

struct import_tail {
	struct dmaadd_buf_import s;
	__u8 tail[TAIL_BYTES];
};

FIXTURE(share) {
	DMAADD_FIXTURE_MEMBERS;
	/* The device on the other backend, or -1. */
	int other_fd;
	unsigned int other_index;
	struct dmaadd_info other_info;
};

FIXTURE_VARIANT(share) {
	__u32 backend;
	__u32 other;
};

FIXTURE_VARIANT_ADD(share, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
	.other = DMAADD_BACKEND_PCI,
};

FIXTURE_VARIANT_ADD(share, pci) {
	.backend = DMAADD_BACKEND_PCI,
	.other = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_SETUP(share)
{
	dmaadd_fixture_open(variant->backend);
	self->other_fd = dmaadd_open_backend(variant->other, 0,
					     &self->other_info,
					     &self->other_index);
}

FIXTURE_TEARDOWN(share)
{
	if (self->other_fd >= 0)
		close(self->other_fd);
	dmaadd_fixture_close();
}

#define require_other_device()						\
	({								\
		if (self->other_fd < 0)					\
			SKIP(return, "no %s dmaadd device to share with",\
			     dmaadd_backend_name(variant->other));	\
	})

/* c = a + b over @count elements from offset 0, on @fd, and its status. */
#define test_job_on(_fd, _count, _a, _b, _c)				\
	ASSERT_EQ((int)DMAADD_JOB_OK,					\
		  share_job(_fd, _count, OPND(_a, 0), OPND(_b, 0),	\
			    OPND(_c, 0)))

static __u32 *map_dmabuf(int dmabuf_fd, size_t length, int prot, off_t off)
{
	void *p = mmap(NULL, length, prot, MAP_SHARED, dmabuf_fd, off);

	return p == MAP_FAILED ? NULL : p;
}

static int dmabuf_sync(int dmabuf_fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/* BUF_EXPORT */

/* O_CLOEXEC and O_RDWR, and the dma-buf is the buffer rounded to pages. */
TEST_F(share, export_fd_flags)
{
	const __u64 len = 3 * self->page + 4;
	struct dmaadd_buf buf;
	__u32 *map;
	int dfd;

	test_buf_create(len, &buf);
	dmaadd_fill_random(buf.map, buf.map_length / ELEM_SIZE, 1);
	test_ioctl_export(buf.handle, 0, &dfd);
	ASSERT_EQ(FD_CLOEXEC, fcntl(dfd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDWR, fcntl(dfd, F_GETFL) & O_ACCMODE);
	ASSERT_EQ((off_t)buf.map_length, lseek(dfd, 0, SEEK_END));

	map = map_dmabuf(dfd, buf.map_length, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, map);
	ASSERT_EQUAL(map, buf.map, buf.map_length / ELEM_SIZE);
	munmap(map, buf.map_length);
	close(dfd);
}

/*
 * The dma-buf's mapping is the buffer's memory: what one mapping writes
 * the other reads, both ways, also from a page offset on.
 */
TEST_F(share, export_mmap_same_memory)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	const __u64 per_page = self->page / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *map, *tail;
	int dfd;

	test_buf_create(len, &buf);
	dmaadd_fill_random(buf.map, n, 2);
	test_ioctl_export(buf.handle, 0, &dfd);
	map = map_dmabuf(dfd, len, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, map);
	/* device node -> dma-buf */
	ASSERT_EQUAL(map, buf.map, n);
	/* dma-buf -> device node */
	dmaadd_fill_random(map, n, 3);
	ASSERT_EQUAL(buf.map, map, n);

	/* Pages 2 and 3 only. */
	tail = map_dmabuf(dfd, 2 * self->page, PROT_READ | PROT_WRITE,
			  2 * self->page);
	ASSERT_NE(NULL, tail);
	ASSERT_EQUAL(tail, buf.map + 2 * per_page, 2 * per_page);
	dmaadd_fill(tail, 2 * per_page, 0x5a5a5a5a);
	ASSERT_FILLED(buf.map + 2 * per_page, 2 * per_page, 0x5a5a5a5a);
	munmap(tail, 2 * self->page);
	munmap(map, len);
	close(dfd);
}

/* Inputs written and the output read only through the dma-buf mappings. */
TEST_F(share, export_mmap_job)
{
	const __u64 len = SZ_1M, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 *ma, *mb, *mc;
	int fa, fb, fc;

	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	test_ioctl_export(a.handle, 0, &fa);
	test_ioctl_export(b.handle, 0, &fb);
	test_ioctl_export(c.handle, 0, &fc);
	ma = map_dmabuf(fa, len, PROT_READ | PROT_WRITE, 0);
	mb = map_dmabuf(fb, len, PROT_READ | PROT_WRITE, 0);
	mc = map_dmabuf(fc, len, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, ma);
	ASSERT_NE(NULL, mb);
	ASSERT_NE(NULL, mc);
	dmaadd_fill_random(ma, n, 4);
	dmaadd_fill_random(mb, n, 5);
	dmaadd_fill(mc, n, GUARD);

	test_job_on(self->fd, n - 1, a.handle, b.handle, c.handle);
	ASSERT_SUM(ma, mb, mc, n - 1);
	ASSERT_EQ(GUARD, mc[n - 1]);
	ASSERT_SUM(a.map, b.map, c.map, n - 1);
	munmap(ma, len);
	munmap(mb, len);
	munmap(mc, len);
	close(fa);
	close(fb);
	close(fc);
}

/*
 * Two exports of one buffer: two fds of one dma-buf (the export cache, see
 * export_twice_is_one_dmabuf), both mapping the buffer's memory.
 */
TEST_F(share, export_twice)
{
	const __u64 len = 2 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *m1, *m2;
	struct stat s1, s2;
	int d1, d2;

	test_buf_create(len, &buf);
	test_ioctl_export(buf.handle, 0, &d1);
	test_ioctl_export(buf.handle, 0, &d2);
	ASSERT_EQ(0, fstat(d1, &s1));
	ASSERT_EQ(0, fstat(d2, &s2));
	ASSERT_NE(d1, d2);
	ASSERT_EQ(s1.st_ino, s2.st_ino);
	m1 = map_dmabuf(d1, len, PROT_READ | PROT_WRITE, 0);
	m2 = map_dmabuf(d2, len, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, m1);
	ASSERT_NE(NULL, m2);
	dmaadd_fill_random(m1, n, 6);
	ASSERT_EQUAL(m2, m1, n);
	ASSERT_EQUAL(buf.map, m1, n);
	munmap(m1, len);
	munmap(m2, len);
	close(d1);
	close(d2);
}

/*
 * DMA_BUF_IOCTL_SYNC brackets CPU access: start/end around writing the
 * inputs and around reading the output of a job.
 */
TEST_F(share, export_sync)
{
	const __u64 len = SZ_64K, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 *ma, *mc;
	int fa, fc;

	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	dmaadd_fill_random(b.map, n, 7);
	test_ioctl_export(a.handle, 0, &fa);
	test_ioctl_export(c.handle, 0, &fc);
	ma = map_dmabuf(fa, len, PROT_READ | PROT_WRITE, 0);
	mc = map_dmabuf(fc, len, PROT_READ, 0);
	ASSERT_NE(NULL, ma);
	ASSERT_NE(NULL, mc);

	ASSERT_EQ(0, dmabuf_sync(fa, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	dmaadd_fill_random(ma, n, 8);
	ASSERT_EQ(0, dmabuf_sync(fa, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));

	test_job_on(self->fd, n, a.handle, b.handle, c.handle);

	ASSERT_EQ(0, dmabuf_sync(fc, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	ASSERT_SUM(ma, b.map, mc, n);
	ASSERT_EQ(0, dmabuf_sync(fc, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	ASSERT_EQ(0, dmabuf_sync(fc, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	ASSERT_SUM(ma, b.map, mc, n);
	ASSERT_EQ(0, dmabuf_sync(fc, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	munmap(ma, len);
	munmap(mc, len);
	close(fa);
	close(fc);
}

/*
 * DMA_BUF_IOCTL_SYNC while another device has the dma-buf attached and
 * mapped: a job of the exporting device writes the output, and a reader
 * that brackets its access with SYNC_START/END must see that result (the
 * importer's mapping must not bring back older contents).
 */
TEST_F(share, export_sync_with_importer)
{
	const __u64 len = SZ_64K, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 *mc, *exp;
	__u32 imported;
	int fc;

	require_other_device();
	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	dmaadd_fill_random(a.map, n, 9);
	dmaadd_fill_random(b.map, n, 10);
	dmaadd_fill(c.map, n, GUARD);
	exp = dmaadd_expected_sum(a.map, b.map, n);
	ASSERT_NE(NULL, exp);
	test_ioctl_export(c.handle, 0, &fc);
	ASSERT_EQ(0, _test_ioctl_import(self->other_fd, fc, &imported, NULL,
					NULL));
	mc = map_dmabuf(fc, len, PROT_READ, 0);
	ASSERT_NE(NULL, mc);

	test_job_on(self->fd, n, a.handle, b.handle, c.handle);
	ASSERT_EQUAL(c.map, exp, n);
	ASSERT_EQ(0, dmabuf_sync(fc, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	ASSERT_EQUAL(mc, exp, n);
	ASSERT_EQ(0, dmabuf_sync(fc, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	ASSERT_EQUAL(c.map, exp, n);
	munmap(mc, len);
	close(fc);
	free(exp);
}

TEST_F(share, export_read_only_fd_flags)
{
	struct dmaadd_buf buf;
	int dfd;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, DMAADD_EXPORT_READ_ONLY, &dfd);
	ASSERT_EQ(FD_CLOEXEC, fcntl(dfd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDONLY, fcntl(dfd, F_GETFL) & O_ACCMODE);
	close(dfd);
}

TEST_F(share, export_read_only_mmap_write)
{
	struct dmaadd_buf buf;
	void *p;
	int dfd;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, DMAADD_EXPORT_READ_ONLY, &dfd);
	p = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EACCES, errno);
	close(dfd);
}

/* PROT_READ works, and shows what the buffer's jobs write. */
TEST_F(share, export_read_only_mmap_read)
{
	const __u64 len = 2 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 *mc;
	int dfd;

	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	dmaadd_fill_random(c.map, n, 11);
	test_ioctl_export(c.handle, DMAADD_EXPORT_READ_ONLY, &dfd);
	mc = map_dmabuf(dfd, len, PROT_READ, 0);
	ASSERT_NE(NULL, mc) {
		TH_LOG("mmap(PROT_READ, MAP_SHARED) of a read-only export: %s",
		       strerror(errno));
	}
	ASSERT_EQUAL(mc, c.map, n);

	dmaadd_fill_random(a.map, n, 12);
	dmaadd_fill_random(b.map, n, 13);
	test_job_on(self->fd, n, a.handle, b.handle, c.handle);
	ASSERT_SUM(a.map, b.map, mc, n);
	munmap(mc, len);
	close(dfd);
}

TEST_F(share, export_unknown_handle)
{
	struct dmaadd_buf buf;

	test_buf_create(self->page, &buf);
	test_err_export(ENOENT, buf.handle + 1000, 0);
	test_err_export(ENOENT, 0, 0);
}

/*
 * No free descriptor (RLIMIT_NOFILE): the dma-buf is made, dma_buf_fd()
 * fails, and the export is undone. The buffer is unharmed: with the limit
 * back, it exports, and it frees.
 */
TEST_F(share, export_emfile)
{
	struct dmaadd_buf buf;
	struct rlimit old;
	int dfd;

	test_buf_create(self->page, &buf);
	ASSERT_EQ(0, share_limit_fds(&old));
	test_err_export(EMFILE, buf.handle, 0);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	test_ioctl_export(buf.handle, 0, &dfd);
	close(dfd);
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

TEST_F(share, export_freed_handle)
{
	struct dmaadd_buf buf;

	test_buf_create(self->page, &buf);
	test_ioctl_free(buf.handle);
	test_err_export(ENOENT, buf.handle, 0);
}

/* A handle of another open file is not one of ours. */
TEST_F(share, export_other_file_handle)
{
	int fd2 = test_open_same_device(0);
	__u32 h;

	ASSERT_EQ(0, _test_ioctl_alloc(fd2, self->page, &h, NULL));
	test_err_export(ENOENT, h, 0);
	close(fd2);
}

TEST_F(share, export_flags)
{
	struct dmaadd_buf buf;
	unsigned int bit;

	test_buf_create(self->page, &buf);
	for (bit = 1; bit < 32; bit++)
		test_err_export(EINVAL, buf.handle, 1U << bit);
}

/* A buffer imported from another device cannot be re-exported. */
TEST_F(share, export_imported_buffer)
{
	struct dmaadd_buf buf;
	__u32 imported;
	int dfd;

	require_other_device();
	ASSERT_EQ(0, _test_buf_create(self->other_fd, self->page, &buf));
	ASSERT_EQ(0, _test_ioctl_export(self->other_fd, buf.handle, 0, &dfd));
	test_ioctl_import(dfd, &imported, NULL, NULL);
	test_err_export(EINVAL, imported, 0);
	test_err_export(EINVAL, imported, DMAADD_EXPORT_READ_ONLY);
	close(dfd);
}

TEST_F(share, export_userptr_buffer)
{
	__u32 *mem, h;

	mem = share_map_anon(1, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, mem);
	test_ioctl_userptr(mem, self->page, 0, &h);
	test_err_export(EINVAL, h, 0);
	test_err_export(EINVAL, h, DMAADD_EXPORT_READ_ONLY);
	test_ioctl_free(h);
	share_unmap_anon(mem, 1);
}

TEST_F(share, export_size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_buf_export) - 4,
				sizeof(struct dmaadd_buf_export) - 1 };
	struct dmaadd_buf_export cmd;
	struct dmaadd_buf buf;
	unsigned int i;

	test_buf_create(self->page, &buf);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizes[i];
		cmd.handle = buf.handle;
		EXPECT_ERRNO(EINVAL,
			     ioctl(self->fd, DMAADD_IOCTL_BUF_EXPORT, &cmd));
	}
}

TEST_F(share, export_size_bigger_zero_tail)
{
	const __u64 n = self->page / ELEM_SIZE;
	struct export_tail big;
	struct dmaadd_buf buf;
	__u32 *map;
	unsigned int i;

	test_buf_create(self->page, &buf);
	dmaadd_fill_random(buf.map, n, 14);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.handle = buf.handle;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_EXPORT, &big));
	for (i = 0; i < TAIL_BYTES; i++)
		ASSERT_EQ(0, big.tail[i]);
	ASSERT_EQ(O_RDWR, fcntl((int)big.s.fd, F_GETFL) & O_ACCMODE);
	map = map_dmabuf((int)big.s.fd, self->page, PROT_READ, 0);
	ASSERT_NE(NULL, map);
	ASSERT_EQUAL(map, buf.map, n);
	munmap(map, self->page);
	close((int)big.s.fd);
}

TEST_F(share, export_size_bigger_nonzero_tail)
{
	struct export_tail big;
	struct dmaadd_buf buf;

	test_buf_create(self->page, &buf);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.handle = buf.handle;
	big.tail[TAIL_BYTES - 1] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_BUF_EXPORT, &big));
}

/* BUF_IMPORT */

/*
 * Our own export in the file that has the buffer: the very same handle,
 * its length as allocated and its mmap offset.
 */
TEST_F(share, import_same_file_same_handle)
{
	const __u64 len = 2 * self->page + 8;
	struct dmaadd_buf_query q;
	struct dmaadd_buf buf;
	__u64 length, offset;
	__u32 h;
	int dfd;

	test_buf_create(len, &buf);
	test_ioctl_export(buf.handle, 0, &dfd);
	test_ioctl_import(dfd, &h, &length, &offset);
	ASSERT_EQ(buf.handle, h);
	ASSERT_EQ(len, length);
	ASSERT_EQ(buf.mmap_offset, offset);
	/* Again: still the one handle. */
	test_ioctl_import(dfd, &h, NULL, NULL);
	ASSERT_EQ(buf.handle, h);
	test_ioctl_query(h, &q);
	ASSERT_EQ((__u32)DMAADD_BUF_KIND_ALLOC, q.kind);

	/* One handle: a single free drops it. */
	test_ioctl_free(buf.handle);
	test_err_free(ENOENT, buf.handle);
	close(dfd);
}

/*
 * Another open file of the same device gets its own handle to the same
 * memory: written through one file's mapping, used by a job of the other,
 * the result read through the first.
 */
TEST_F(share, import_second_file)
{
	const __u64 len = SZ_64K + 2 * ELEM_SIZE, n = len / ELEM_SIZE;
	struct dmaadd_buf a, c, imp_a, imp_c, b2;
	struct dmaadd_buf_query q;
	int fd2 = test_open_same_device(0);
	int fa, fc;

	test_buf_create(len, &a);
	test_buf_create(len, &c);
	dmaadd_fill_random(a.map, n, 15);
	dmaadd_fill(c.map, n, GUARD);
	test_ioctl_export(a.handle, 0, &fa);
	test_ioctl_export(c.handle, 0, &fc);

	ASSERT_EQ(0, _test_buf_import(fd2, fa, &imp_a));
	ASSERT_EQ(0, _test_buf_import(fd2, fc, &imp_c));
	close(fa);
	close(fc);
	ASSERT_NE(imp_a.handle, imp_c.handle);
	ASSERT_EQ(len, imp_a.length);
	ASSERT_EQ(len, imp_c.length);
	ASSERT_EQ(0, _test_ioctl_query(fd2, imp_c.handle, &q, NULL, 0));
	ASSERT_EQ((__u32)DMAADD_BUF_KIND_ALLOC, q.kind);
	ASSERT_EQ(len, q.length);
	ASSERT_EQ(0U, q.buf_flags & DMAADD_BUF_READ_ONLY);
	/* The second file's mappings show the first file's bytes. */
	ASSERT_EQUAL(imp_a.map, a.map, n);
	ASSERT_FILLED(imp_c.map, n, GUARD);

	/* A job of the second file, read back through the first. */
	ASSERT_EQ(0, _test_buf_create(fd2, len, &b2));
	dmaadd_fill_random(b2.map, n, 16);
	test_job_on(fd2, n - 1, imp_a.handle, b2.handle, imp_c.handle);
	ASSERT_SUM(a.map, b2.map, c.map, n - 1);
	ASSERT_EQ(GUARD, c.map[n - 1]);

	/* And the other way: written by the first, read by the second. */
	dmaadd_fill_random(a.map, n, 17);
	test_job_on(self->fd, n, a.handle, a.handle, c.handle);
	for (__u64 i = 0; i < n; i++)
		ASSERT_EQ(2 * imp_a.map[i], imp_c.map[i]);
	close(fd2);
}

/* The second file's handle keeps the memory after the first file closed. */
TEST_F(share, import_outlives_exporting_file)
{
	const __u64 len = SZ_64K, n = len / ELEM_SIZE;
	struct dmaadd_buf a, imp, b2;
	int fd2 = test_open_same_device(0);
	__u32 *old;
	int dfd;

	test_buf_create(len, &a);
	dmaadd_fill_random(a.map, n, 18);
	old = malloc(len);
	ASSERT_NE(NULL, old);
	memcpy(old, a.map, len);
	test_ioctl_export(a.handle, 0, &dfd);
	ASSERT_EQ(0, _test_buf_import(fd2, dfd, &imp));
	close(dfd);
	test_ioctl_free(a.handle);
	dmaadd_buf_unmap(&a);
	dmaadd_fixture_close();

	ASSERT_EQUAL(imp.map, old, n);
	ASSERT_EQ(0, _test_buf_create(fd2, len, &b2));
	dmaadd_fill_random(b2.map, n, 19);
	test_job_on(fd2, n, imp.handle, b2.handle, imp.handle);
	ASSERT_SUM(old, b2.map, imp.map, n);
	free(old);
	close(fd2);
}

TEST_F(share, import_pipe)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	test_err_import(EINVAL, p[0]);
	test_err_import(EINVAL, p[1]);
	close(p[0]);
	close(p[1]);
}

TEST_F(share, import_dev_null)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	test_err_import(EINVAL, fd);
	close(fd);
}

/* The device node is no dma-buf either. */
TEST_F(share, import_device_fd)
{
	test_err_import(EINVAL, self->fd);
}

TEST_F(share, import_closed_fd)
{
	struct dmaadd_buf buf;
	int dfd;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, 0, &dfd);
	close(dfd);
	test_err_import(EBADF, dfd);
}

TEST_F(share, import_fd_minus_one)
{
	test_err_import(EBADF, -1);
}

TEST_F(share, import_flags)
{
	struct dmaadd_buf buf;
	unsigned int bit;
	int dfd;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, 0, &dfd);
	for (bit = 0; bit < 32; bit++)
		test_err_import_flags(EINVAL, dfd, 1U << bit);
	close(dfd);
}

TEST_F(share, import_size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_buf_import) - 8,
				sizeof(struct dmaadd_buf_import) - 1 };
	struct dmaadd_buf_import cmd;
	struct dmaadd_buf buf;
	unsigned int i;
	int dfd;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, 0, &dfd);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizes[i];
		cmd.fd = dfd;
		EXPECT_ERRNO(EINVAL,
			     ioctl(self->fd, DMAADD_IOCTL_BUF_IMPORT, &cmd));
	}
	close(dfd);
}

TEST_F(share, import_size_bigger_zero_tail)
{
	struct import_tail big;
	struct dmaadd_buf buf;
	unsigned int i;
	int dfd;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, 0, &dfd);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.fd = dfd;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_IMPORT, &big));
	ASSERT_EQ(buf.handle, big.s.handle);
	ASSERT_EQ(self->page, big.s.length);
	ASSERT_EQ(buf.mmap_offset, big.s.mmap_offset);
	for (i = 0; i < TAIL_BYTES; i++)
		ASSERT_EQ(0, big.tail[i]);
	close(dfd);
}

TEST_F(share, import_size_bigger_nonzero_tail)
{
	struct import_tail big;
	struct dmaadd_buf buf;
	int dfd;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, 0, &dfd);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.fd = dfd;
	big.tail[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_BUF_IMPORT, &big));
	close(dfd);
}

/* Across devices */

/*
 * Exported by this device, imported by the other (a real attachment): the
 * other device's jobs read inputs the exporter's CPU wrote and write an
 * output the exporter sees, job after job.
 */
TEST_F(share, cross_device_job)
{
	const __u64 len = SZ_1M, n = len / ELEM_SIZE;
	const __u64 count = n - 3;
	struct dmaadd_buf a, b, c;
	struct dmaadd_buf_query q;
	__u32 ia, ib, ic, round;
	__u64 length;
	int fa, fb, fc;

	require_other_device();
	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	test_ioctl_export(a.handle, 0, &fa);
	test_ioctl_export(b.handle, 0, &fb);
	test_ioctl_export(c.handle, 0, &fc);
	ASSERT_EQ(0, _test_ioctl_import(self->other_fd, fa, &ia, &length,
					NULL));
	ASSERT_EQ(len, length);
	ASSERT_EQ(0, _test_ioctl_import(self->other_fd, fb, &ib, NULL, NULL));
	ASSERT_EQ(0, _test_ioctl_import(self->other_fd, fc, &ic, NULL, NULL));
	close(fa);
	close(fb);
	close(fc);

	ASSERT_EQ(0, _test_ioctl_query(self->other_fd, ic, &q, NULL, 0));
	ASSERT_EQ((__u32)DMAADD_BUF_KIND_IMPORT, q.kind);
	ASSERT_EQ(len, q.length);
	ASSERT_EQ(len / self->page, q.cpu_pages);
	ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_STREAMING);
	ASSERT_EQ(0U, q.buf_flags & DMAADD_BUF_READ_ONLY);

	for (round = 0; round < 3; round++) {
		dmaadd_fill_random(a.map, n, 20 + round);
		dmaadd_fill_random(b.map, n, 30 + round);
		dmaadd_fill(c.map, n, GUARD);
		test_job_on(self->other_fd, count, ia, ib, ic);
		ASSERT_SUM(a.map, b.map, c.map, count);
		ASSERT_FILLED(c.map + count, n - count, GUARD);
	}
}

/*
 * The import's length is the dma-buf's size, and its mmap offset maps the
 * dma-buf through the importing device's node: the same bytes both ways.
 */
TEST_F(share, cross_device_import_mmap)
{
	const __u64 len = 2 * self->page + 12;
	struct dmaadd_buf buf, imp;
	__u32 *tail;
	__u64 n;
	int dfd;

	require_other_device();
	test_buf_create(len, &buf);
	n = buf.map_length / ELEM_SIZE;
	dmaadd_fill_random(buf.map, n, 40);
	test_ioctl_export(buf.handle, 0, &dfd);
	ASSERT_EQ(0, _test_buf_import(self->other_fd, dfd, &imp));
	ASSERT_EQ((__u64)lseek(dfd, 0, SEEK_END), imp.length);
	ASSERT_EQ(buf.map_length, imp.length);
	close(dfd);

	ASSERT_EQUAL(imp.map, buf.map, n);
	dmaadd_fill_random(imp.map, n, 41);
	ASSERT_EQUAL(buf.map, imp.map, n);

	/* From page 1 on. */
	tail = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->other_fd, imp.mmap_offset + self->page);
	ASSERT_NE(MAP_FAILED, tail);
	ASSERT_EQUAL(tail, buf.map + self->page / ELEM_SIZE,
		     2 * self->page / ELEM_SIZE);
	munmap(tail, 2 * self->page);
}

/*
 * Importing the same dma-buf twice into the other device: both handles
 * reach the memory, and each lives on when the other is freed.
 */
TEST_F(share, cross_device_import_twice)
{
	const __u64 len = 2 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf, b2, i1, i2;
	int dfd;

	require_other_device();
	test_buf_create(len, &buf);
	dmaadd_fill_random(buf.map, n, 42);
	test_ioctl_export(buf.handle, 0, &dfd);
	ASSERT_EQ(0, _test_buf_import(self->other_fd, dfd, &i1));
	ASSERT_EQ(0, _test_buf_import(self->other_fd, dfd, &i2));
	close(dfd);
	ASSERT_EQUAL(i1.map, buf.map, n);
	ASSERT_EQUAL(i2.map, buf.map, n);
	ASSERT_EQ(0, _test_buf_create(self->other_fd, len, &b2));
	dmaadd_fill_random(b2.map, n, 43);

	/* The header leaves open whether the two handles are one. */
	if (i1.handle != i2.handle) {
		ASSERT_EQ(0, _test_ioctl_free(self->other_fd, i1.handle));
	}
	test_job_on(self->other_fd, n, i2.handle, b2.handle, b2.handle);
	ASSERT_EQ(0, _test_ioctl_free(self->other_fd, i2.handle));
	EXPECT_ERRNO(ENOENT, _test_ioctl_free(self->other_fd, i2.handle));
	{
		__u32 *b0 = malloc(len);

		ASSERT_NE(NULL, b0);
		dmaadd_fill_random(b0, n, 43);
		ASSERT_SUM(buf.map, b0, b2.map, n);
		free(b0);
	}
}

/* Read-only exports */

/*
 * Import a read-only export of @c, of the fixture's device, into @fd (a
 * second file of this device or the other device): a read-only buffer.
 */
static __u32 import_read_only(struct __test_metadata *_metadata,
			      FIXTURE_DATA(share) *self, int fd,
			      struct dmaadd_buf *c)
{
	struct dmaadd_buf_query q;
	__u32 h = 0;
	int dfd;

	test_ioctl_export(c->handle, DMAADD_EXPORT_READ_ONLY, &dfd);
	ASSERT_EQ(0, _test_ioctl_import(fd, dfd, &h, NULL, NULL));
	close(dfd);
	ASSERT_EQ(0, _test_ioctl_query(fd, h, &q, NULL, 0));
	ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_READ_ONLY);
	return h;
}

static void check_read_only_output(struct __test_metadata *_metadata,
				   FIXTURE_DATA(share) *self, int fd)
{
	const __u64 len = SZ_64K, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 ro;

	test_buf_create(len, &c);
	dmaadd_fill(c.map, n, GUARD);
	ro = import_read_only(_metadata, self, fd, &c);
	ASSERT_EQ(0, _test_buf_create(fd, len, &a));
	ASSERT_EQ(0, _test_buf_create(fd, len, &b));
	dmaadd_fill_random(a.map, n, 42);
	dmaadd_fill_random(b.map, n, 43);
	EXPECT_ERRNO(EACCES, _test_ioctl_submit(fd, n, OPND(a.handle, 0),
						OPND(b.handle, 0),
						OPND(ro, 0), NULL));
	ASSERT_FILLED(c.map, n, GUARD);
	/* Nothing was queued: the next job is job 1, reading the buffer. */
	{
		__u32 status = ~0U;
		__u64 job = 0;

		ASSERT_EQ(0, _test_ioctl_submit(fd, n, OPND(a.handle, 0),
						OPND(ro, 0), OPND(b.handle, 0),
						&job));
		ASSERT_EQ(1ULL, job);
		ASSERT_EQ(0, _test_ioctl_wait(fd, job, DMAADD_TIMEOUT_INFINITE,
					      &status));
		ASSERT_EQ((__u32)DMAADD_JOB_OK, status);
	}
	for (__u64 i = 0; i < n; i++)
		ASSERT_EQ(a.map[i] + GUARD, b.map[i]);
	ASSERT_FILLED(c.map, n, GUARD);
}

static void check_read_only_input(struct __test_metadata *_metadata,
				  FIXTURE_DATA(share) *self, int fd)
{
	const __u64 len = SZ_1M, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 ro;

	test_buf_create(len, &a);
	dmaadd_fill_random(a.map, n, 44);
	ro = import_read_only(_metadata, self, fd, &a);
	ASSERT_EQ(0, _test_buf_create(fd, len, &b));
	ASSERT_EQ(0, _test_buf_create(fd, len, &c));
	dmaadd_fill_random(b.map, n, 45);
	ASSERT_EQ((int)DMAADD_JOB_OK,
		  share_job(fd, n, OPND(ro, 0), OPND(b.handle, 0),
			    OPND(c.handle, 0)));
	ASSERT_SUM(a.map, b.map, c.map, n);
	/* New contents, written by the exporter's CPU, read by the next job. */
	dmaadd_fill_random(a.map, n, 46);
	ASSERT_EQ((int)DMAADD_JOB_OK,
		  share_job(fd, n, OPND(b.handle, 0), OPND(ro, 0),
			    OPND(c.handle, 0)));
	ASSERT_SUM(a.map, b.map, c.map, n);
}

TEST_F(share, read_only_import_as_output_second_file)
{
	int fd2 = test_open_same_device(0);

	check_read_only_output(_metadata, self, fd2);
	close(fd2);
}

TEST_F(share, read_only_import_as_input_second_file)
{
	int fd2 = test_open_same_device(0);

	check_read_only_input(_metadata, self, fd2);
	close(fd2);
}

TEST_F(share, read_only_import_as_output_other_device)
{
	require_other_device();
	check_read_only_output(_metadata, self, self->other_fd);
}

TEST_F(share, read_only_import_as_input_other_device)
{
	require_other_device();
	check_read_only_input(_metadata, self, self->other_fd);
}

/*
 * A read-only import mapped through the importing device's node: reading
 * works, writing must not (the exporter asked for a read-only fd, and the
 * read-only dma-buf fd itself refuses PROT_WRITE with -EACCES). The mmap
 * DOC does not list this errno yet; -EACCES is what mmap(2) gives for
 * a writable shared mapping of something opened read-only.
 */
static void check_read_only_import_mmap(struct __test_metadata *_metadata,
					FIXTURE_DATA(share) *self, int fd)
{
	const __u64 len = 2 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u64 offset;
	__u32 *map, h;
	int dfd;

	test_buf_create(len, &buf);
	dmaadd_fill_random(buf.map, n, 47);
	test_ioctl_export(buf.handle, DMAADD_EXPORT_READ_ONLY, &dfd);
	ASSERT_EQ(0, _test_ioctl_import(fd, dfd, &h, NULL, &offset));
	close(dfd);

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, offset);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQUAL(map, buf.map, n);
	munmap(map, len);

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	if (map != MAP_FAILED) {
		map[0] = ~buf.map[0];
		TH_LOG("writable mapping of a read-only import: the exporter's word 0 is now 0x%08x",
		       buf.map[0]);
		munmap(map, len);
	}
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EACCES, errno);
}

TEST_F(share, read_only_import_mmap_write_second_file)
{
	int fd2 = test_open_same_device(0);

	check_read_only_import_mmap(_metadata, self, fd2);
	close(fd2);
}

TEST_F(share, read_only_import_mmap_write_other_device)
{
	require_other_device();
	check_read_only_import_mmap(_metadata, self, self->other_fd);
}

/* A read-only handle exports again as a read-only dma-buf. */
TEST_F(share, read_only_import_export_read_only)
{
	const __u64 n = self->page / ELEM_SIZE;
	int fd2 = test_open_same_device(0);
	struct dmaadd_buf buf;
	__u32 *map, h;
	int dfd, dfd2;

	test_buf_create(self->page, &buf);
	dmaadd_fill_random(buf.map, n, 48);
	test_ioctl_export(buf.handle, DMAADD_EXPORT_READ_ONLY, &dfd);
	ASSERT_EQ(0, _test_ioctl_import(fd2, dfd, &h, NULL, NULL));
	close(dfd);
	ASSERT_EQ(0, _test_ioctl_export(fd2, h, DMAADD_EXPORT_READ_ONLY,
					&dfd2));
	ASSERT_EQ(O_RDONLY, fcntl(dfd2, F_GETFL) & O_ACCMODE);
	map = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, dfd2,
		   0);
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EACCES, errno);
	/* The very same buffer: back in the first file, its own handle. */
	test_ioctl_import(dfd2, &h, NULL, NULL);
	ASSERT_EQ(buf.handle, h);
	close(dfd2);
	close(fd2);
}

/* Across processes */

#define XPROC_LEN	SZ_64K
#define XPROC_N		(XPROC_LEN / ELEM_SIZE)

/*
 * Process A (a child): allocates and fills c, exports it and sends the fd
 * over @sock; when told, checks c == a + b for the inputs B used (seeds
 * 50/51) and answers 'K'; then exits, its file closed with it.
 */
static void xproc_exporter(int sock, unsigned int index)
{
	__u32 *a = malloc(XPROC_LEN), *b = malloc(XPROC_LEN);
	struct dmaadd_buf c;
	int fd, dfd;

	CHILD_CHECK(a && b);
	dmaadd_fill_random(a, XPROC_N, 50);
	dmaadd_fill_random(b, XPROC_N, 51);
	fd = dmaadd_open_index(index, 0);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(_test_buf_create(fd, XPROC_LEN, &c) == 0);
	dmaadd_fill(c.map, XPROC_N, GUARD);
	CHILD_CHECK(_test_ioctl_export(fd, c.handle, 0, &dfd) == 0);
	CHILD_CHECK(share_send_fd(sock, dfd) == 0);
	close(dfd);

	CHILD_CHECK(share_recv_byte(sock) == 'J');
	CHILD_CHECK(dmaadd_check_sum(a, b, c.map, XPROC_N) == -1);
	CHILD_CHECK(share_send_byte(sock, 'K') == 0);
	_exit(0);
}

/*
 * Process B (the test): receives A's dma-buf, imports it into @fd, its own
 * open of a device, and writes A's buffer with a job. After A has exited,
 * the import still works: another job, read through B's mapping.
 */
static void check_cross_process(struct __test_metadata *_metadata,
				FIXTURE_DATA(share) *self, int fd)
{
	struct dmaadd_buf a, b, imp;
	int sv[2], dfd;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		xproc_exporter(sv[1], self->index);
	}
	close(sv[1]);

	dfd = share_recv_fd(sv[0]);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, _test_buf_import(fd, dfd, &imp));
	close(dfd);
	ASSERT_EQ(XPROC_LEN, imp.length);
	ASSERT_FILLED(imp.map, XPROC_N, GUARD);
	ASSERT_EQ(0, _test_buf_create(fd, XPROC_LEN, &a));
	ASSERT_EQ(0, _test_buf_create(fd, XPROC_LEN, &b));
	dmaadd_fill_random(a.map, XPROC_N, 50);
	dmaadd_fill_random(b.map, XPROC_N, 51);
	ASSERT_EQ((int)DMAADD_JOB_OK,
		  share_job(fd, XPROC_N, OPND(a.handle, 0), OPND(b.handle, 0),
			    OPND(imp.handle, 0)));

	/* A checks the result in its own mapping, then exits. */
	ASSERT_EQ(0, share_send_byte(sv[0], 'J'));
	ASSERT_EQ('K', share_recv_byte(sv[0]));
	ASSERT_EQ(0, share_wait_child(pid));
	close(sv[0]);

	dmaadd_fill_random(a.map, XPROC_N, 52);
	dmaadd_fill(imp.map, XPROC_N, GUARD);
	ASSERT_EQ((int)DMAADD_JOB_OK,
		  share_job(fd, XPROC_N - 1, OPND(a.handle, 0),
			    OPND(imp.handle, 0), OPND(imp.handle, 0)));
	for (__u64 i = 0; i < XPROC_N - 1; i++)
		ASSERT_EQ(a.map[i] + GUARD, imp.map[i]);
	ASSERT_EQ(GUARD, imp.map[XPROC_N - 1]);
}

TEST_F_TIMEOUT(share, cross_process_same_device, 60)
{
	int fd = test_open_same_device(0);

	check_cross_process(_metadata, self, fd);
	close(fd);
}

TEST_F_TIMEOUT(share, cross_process_other_device, 60)
{
	int fd;

	require_other_device();
	fd = dmaadd_open_index(self->other_index, 0);
	ASSERT_LE(0, fd);
	check_cross_process(_metadata, self, fd);
	close(fd);
}

/* Lifetime of exported memory */

/* Jobs of 4 MiB queued ahead, so that the next job is still in flight. */
static void queue_busy(struct __test_metadata *_metadata,
		       FIXTURE_DATA(share) *self, unsigned int nr)
{
	const __u64 n = DMAADD_COHERENT_MAX / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	unsigned int i;

	test_buf_create(DMAADD_COHERENT_MAX, &a);
	test_buf_create(DMAADD_COHERENT_MAX, &b);
	test_buf_create(DMAADD_COHERENT_MAX, &c);
	for (i = 0; i < nr; i++)
		test_ioctl_submit(n, OPND(a.handle, 0), OPND(b.handle, 0),
				  OPND(c.handle, 0), NULL);
	dmaadd_buf_unmap(&a);
	dmaadd_buf_unmap(&b);
	dmaadd_buf_unmap(&c);
}

/*
 * c is exported and its dma-buf mapped; a job writing c is in flight. Then
 * in @order: 'f' frees c's handle, 'd' closes the device fd, 'b' closes the
 * dma-buf fd. The mapping keeps the memory: it still shows c's old
 * contents past the job's range, and the job's result once it completes.
 */
static void check_lifetime(struct __test_metadata *_metadata,
			   FIXTURE_DATA(share) *self, const char *order)
{
	const __u64 len = SZ_1M, n = len / ELEM_SIZE, count = n / 2;
	struct dmaadd_buf a, b, c;
	__u32 *map, *exp;
	__u64 deadline;
	int dfd;

	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	dmaadd_fill_random(a.map, n, 60);
	dmaadd_fill_random(b.map, n, 61);
	dmaadd_fill(c.map, n, GUARD);
	exp = dmaadd_expected_sum(a.map, b.map, count);
	ASSERT_NE(NULL, exp);
	test_ioctl_export(c.handle, 0, &dfd);
	map = map_dmabuf(dfd, len, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, map);
	dmaadd_buf_unmap(&c);

	queue_busy(_metadata, self, 8);
	test_ioctl_submit(count, OPND(a.handle, 0), OPND(b.handle, 0),
			  OPND(c.handle, 0), NULL);
	dmaadd_buf_unmap(&a);
	dmaadd_buf_unmap(&b);

	for (; *order; order++) {
		switch (*order) {
		case 'f':
			test_ioctl_free(c.handle);
			break;
		case 'd':
			dmaadd_fixture_close();
			break;
		case 'b':
			ASSERT_EQ(0, close(dfd));
			break;
		}
	}

	ASSERT_FILLED(map + count, n - count, GUARD);
	deadline = dmaadd_now_ns() + 20000000000ULL;
	while (dmaadd_check_equal(map, exp, count, NULL) != -1 &&
	       dmaadd_now_ns() < deadline)
		usleep(1000);
	ASSERT_EQUAL(map, exp, count);
	ASSERT_FILLED(map + count, n - count, GUARD);
	/* Still ordinary memory. */
	dmaadd_fill(map, n, 0x01020304);
	ASSERT_FILLED(map, n, 0x01020304);
	munmap(map, len);
	free(exp);
}

TEST_F_TIMEOUT(share, lifetime_free_close_dev_close_dmabuf, 60)
{
	check_lifetime(_metadata, self, "fdb");
}

TEST_F_TIMEOUT(share, lifetime_free_close_dmabuf_close_dev, 60)
{
	check_lifetime(_metadata, self, "fbd");
}

TEST_F_TIMEOUT(share, lifetime_close_dmabuf_free_close_dev, 60)
{
	check_lifetime(_metadata, self, "bfd");
}

TEST_F_TIMEOUT(share, lifetime_close_dev_close_dmabuf, 60)
{
	check_lifetime(_metadata, self, "db");
}

TEST_F_TIMEOUT(share, lifetime_close_dmabuf_close_dev, 60)
{
	check_lifetime(_metadata, self, "bd");
}

/* vgem: a foreign exporter and importer */

/*
 * vgem buffers imported into dmaadd: an input the CPU writes through
 * vgem's mapping and an output read back through it, job after job; the
 * import mapped through our node is the same memory too.
 */
TEST_F_TIMEOUT(share, vgem_buffer_imported, 60)
{
	const __u32 rows = 256;
	struct vgem_bo va, vc;
	struct dmaadd_buf b, ic;
	struct dmaadd_buf_query q;
	__u64 n, count, length;
	__u32 ia, round;
	int vgem, fa, fc;

	require_vgem(vgem);
	ASSERT_EQ(0, vgem_bo_create(vgem, rows, &va));
	ASSERT_EQ(0, vgem_bo_create(vgem, rows, &vc));
	ASSERT_EQ(rows * self->page, vc.size);
	n = vc.size / ELEM_SIZE;
	count = n - 5;
	fa = prime_handle_to_fd(vgem, va.handle);
	fc = prime_handle_to_fd(vgem, vc.handle);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fc);

	test_ioctl_import(fa, &ia, &length, NULL);
	ASSERT_EQ(va.size, length);
	ASSERT_EQ(0, _test_buf_import(self->fd, fc, &ic));
	ASSERT_EQ(vc.size, ic.length);
	close(fa);
	close(fc);
	test_ioctl_query(ic.handle, &q);
	ASSERT_EQ((__u32)DMAADD_BUF_KIND_IMPORT, q.kind);
	ASSERT_EQ(vc.size, q.length);
	ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_STREAMING);
	test_buf_create(vc.size, &b);

	for (round = 0; round < 3; round++) {
		dmaadd_fill_random(va.map, n, 70 + round);
		dmaadd_fill_random(b.map, n, 80 + round);
		dmaadd_fill(vc.map, n, GUARD);
		test_job_on(self->fd, count, ia, b.handle, ic.handle);
		ASSERT_SUM(va.map, b.map, vc.map, count);
		ASSERT_FILLED(vc.map + count, n - count, GUARD);
	}
	/* Our node's mapping of the import is vgem's memory. */
	ASSERT_EQUAL(ic.map, vc.map, n);
	dmaadd_fill_random(ic.map, n, 90);
	ASSERT_EQUAL(vc.map, ic.map, n);
	close(vgem);
}

/*
 * Our export imported into vgem (an attachment of vgem's device), exported
 * again by vgem: that fd maps our bytes, and importing it back gives our
 * own handle.
 */
TEST_F(share, vgem_imports_export)
{
	const __u64 len = SZ_64K, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 vh, h, *map;
	int vgem, dfd, dfd2;

	require_vgem(vgem);
	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	dmaadd_fill_random(c.map, n, 91);
	test_ioctl_export(c.handle, 0, &dfd);
	ASSERT_EQ(0, prime_fd_to_handle(vgem, dfd, &vh));
	close(dfd);
	dfd2 = prime_handle_to_fd(vgem, vh);
	ASSERT_LE(0, dfd2);

	map = map_dmabuf(dfd2, len, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, map);
	ASSERT_EQUAL(map, c.map, n);

	dmaadd_fill_random(a.map, n, 92);
	dmaadd_fill_random(b.map, n, 93);
	test_job_on(self->fd, n, a.handle, b.handle, c.handle);
	ASSERT_SUM(a.map, b.map, map, n);

	test_ioctl_import(dfd2, &h, NULL, NULL);
	ASSERT_EQ(c.handle, h);
	munmap(map, len);
	close(dfd2);
	close(vgem);
}

/*
 * With our export imported into vgem (mapped for vgem's device), a job of
 * ours writes the buffer; a reader that brackets its access with
 * DMA_BUF_IOCTL_SYNC sees the result, not what vgem's mapping held.
 */
TEST_F(share, vgem_import_then_sync)
{
	const __u64 len = SZ_64K, n = len / ELEM_SIZE;
	struct dmaadd_buf a, b, c;
	__u32 vh, *map, *exp;
	int vgem, dfd;

	require_vgem(vgem);
	test_buf_create(len, &a);
	test_buf_create(len, &b);
	test_buf_create(len, &c);
	dmaadd_fill(c.map, n, GUARD);
	test_ioctl_export(c.handle, 0, &dfd);
	ASSERT_EQ(0, prime_fd_to_handle(vgem, dfd, &vh));
	map = map_dmabuf(dfd, len, PROT_READ, 0);
	ASSERT_NE(NULL, map);

	dmaadd_fill_random(a.map, n, 94);
	dmaadd_fill_random(b.map, n, 95);
	exp = dmaadd_expected_sum(a.map, b.map, n);
	ASSERT_NE(NULL, exp);
	test_job_on(self->fd, n, a.handle, b.handle, c.handle);
	ASSERT_EQUAL(map, exp, n);
	ASSERT_EQ(0, dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	ASSERT_EQUAL(map, exp, n);
	ASSERT_EQ(0, dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(map, len);
	close(dfd);
	close(vgem);
	free(exp);
}

/* A vgem buffer imported into dmaadd cannot be re-exported by dmaadd. */
TEST_F(share, export_vgem_import)
{
	struct vgem_bo bo;
	__u32 h;
	int vgem, fd;

	require_vgem(vgem);
	ASSERT_EQ(0, vgem_bo_create(vgem, 1, &bo));
	fd = prime_handle_to_fd(vgem, bo.handle);
	ASSERT_LE(0, fd);
	test_ioctl_import(fd, &h, NULL, NULL);
	close(fd);
	test_err_export(EINVAL, h, 0);
	close(vgem);
}

/* Honest sharing: no lost writes, one import per dma-buf and device */

/*
 * The exporter's CPU writes made while another device has the buffer
 * mapped survive that device letting go: under swiotlb=force the importer's
 * mapping bounces, and an unmap that synced its stale bounce slots back
 * replaced every one of them. With a job on the import, and without.
 */
TEST_F(share, exporter_writes_survive_detach)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf, imp, b2;
	int dfd, with_job;

	require_other_device();
	for (with_job = 0; with_job <= 1; with_job++) {
		test_buf_create(len, &buf);
		dmaadd_fill(buf.map, n, 1);
		test_ioctl_export(buf.handle, 0, &dfd);
		ASSERT_EQ(0, _test_buf_import(self->other_fd, dfd, &imp));
		close(dfd);
		if (with_job) {
			ASSERT_EQ(0, _test_buf_create(self->other_fd, len, &b2));
			dmaadd_fill(b2.map, n, 0);
			/* b2 = imp + b2: the device reads the import. */
			test_job_on(self->other_fd, n, imp.handle, b2.handle,
				    b2.handle);
			ASSERT_FILLED(b2.map, n, 1);
		}
		/* New values through the exporter's own mapping... */
		dmaadd_fill(buf.map, n, 7);
		/* ...then the importing device lets go. */
		dmaadd_buf_unmap(&imp);
		ASSERT_EQ(0, _test_ioctl_free(self->other_fd, imp.handle));
		if (with_job) {
			dmaadd_buf_unmap(&b2);
			ASSERT_EQ(0, _test_ioctl_free(self->other_fd, b2.handle));
		}
		ASSERT_FILLED(buf.map, n, 7);
		dmaadd_buf_unmap(&buf);
		test_ioctl_free(buf.handle);
	}
}

/*
 * A foreign dma-buf (another dmaadd device's export) imported twice into
 * one file is one handle, and into two files of one device one buffer: a
 * single attachment and mapping, like DRM PRIME.
 */
TEST_F(share, foreign_import_is_one_buffer)
{
	const __u64 len = 2 * self->page;
	struct dmaadd_buf_query q1, q2;
	struct dmaadd_buf buf;
	__u32 h1, h2, h3;
	int dfd, fd2;

	require_other_device();
	test_buf_create(len, &buf);
	test_ioctl_export(buf.handle, 0, &dfd);
	ASSERT_EQ(0, _test_ioctl_import(self->other_fd, dfd, &h1, NULL, NULL));
	ASSERT_EQ(0, _test_ioctl_import(self->other_fd, dfd, &h2, NULL, NULL));
	EXPECT_EQ(h1, h2);

	/* Another open file of the other device: its own handle, same buffer. */
	fd2 = dmaadd_open_index(self->other_index, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, _test_ioctl_import(fd2, dfd, &h3, NULL, NULL));
	ASSERT_EQ(0, _test_ioctl_query(self->other_fd, h1, &q1, NULL, 0));
	ASSERT_EQ(0, _test_ioctl_query(fd2, h3, &q2, NULL, 0));
	EXPECT_EQ(q1.dma_segments, q2.dma_segments);
	EXPECT_EQ((__u32)DMAADD_BUF_KIND_IMPORT, q2.kind);

	/* Freeing one file's handle leaves the other's working. */
	ASSERT_EQ(0, _test_ioctl_free(self->other_fd, h1));
	EXPECT_ERRNO(ENOENT, _test_ioctl_free(self->other_fd, h2));
	ASSERT_EQ(0, _test_ioctl_query(fd2, h3, &q2, NULL, 0));
	close(fd2);
	close(dfd);
}

/*
 * vgem's dma-buf imported twice into one file is one handle; a read-only
 * fd of it next to a writable import shares the writable buffer, with a
 * read-only handle only where nothing writable was imported.
 */
TEST_F(share, vgem_import_twice_is_one_handle)
{
	struct vgem_bo bo;
	__u32 h1, h2;
	int vgem, fd1, fd2;

	require_vgem(vgem);
	ASSERT_EQ(0, vgem_bo_create(vgem, 2, &bo));
	fd1 = prime_handle_to_fd(vgem, bo.handle);
	fd2 = prime_handle_to_fd(vgem, bo.handle);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, _test_ioctl_import(self->fd, fd1, &h1, NULL, NULL));
	ASSERT_EQ(0, _test_ioctl_import(self->fd, fd2, &h2, NULL, NULL));
	EXPECT_EQ(h1, h2);
	ASSERT_EQ(0, _test_ioctl_free(self->fd, h1));
	EXPECT_ERRNO(ENOENT, _test_ioctl_free(self->fd, h2));
	/* Gone with its last handle: the next import attaches anew. */
	ASSERT_EQ(0, _test_ioctl_import(self->fd, fd2, &h2, NULL, NULL));
	ASSERT_EQ(0, _test_ioctl_free(self->fd, h2));
	close(fd1);
	close(fd2);
	close(vgem);
}

/*
 * Many open files importing one dma-buf at once, each running a job on it:
 * one mapping in all, so DMA-API debugging (debug kernel) sees no pile of
 * overlapping mappings, and every job sees the exporter's data.
 */
#define MANY_IMPORTS	12
TEST_F_TIMEOUT(share, many_files_import_one_dmabuf, 60)
{
	const __u64 len = 2 * self->page, n = len / ELEM_SIZE;
	int fds[MANY_IMPORTS];
	struct dmaadd_buf buf, out[MANY_IMPORTS];
	__u32 h[MANY_IMPORTS];
	int dfd, i;

	require_other_device();
	test_buf_create(len, &buf);
	dmaadd_fill(buf.map, n, 3);
	test_ioctl_export(buf.handle, 0, &dfd);
	for (i = 0; i < MANY_IMPORTS; i++) {
		fds[i] = dmaadd_open_index(self->other_index, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, _test_ioctl_import(fds[i], dfd, &h[i], NULL, NULL));
		ASSERT_EQ(0, _test_buf_create(fds[i], len, &out[i]));
		dmaadd_fill(out[i].map, n, (__u32)i);
	}
	close(dfd);
	for (i = 0; i < MANY_IMPORTS; i++) {
		/* out = import + out */
		test_job_on(fds[i], n, h[i], out[i].handle, out[i].handle);
		ASSERT_FILLED(out[i].map, n, 3 + (__u32)i);
	}
	for (i = 0; i < MANY_IMPORTS; i++) {
		dmaadd_buf_unmap(&out[i]);
		close(fds[i]);
	}
}

/*
 * One dma-buf per buffer and mode (DRM PRIME's export cache): exporting
 * again while an fd exists gives the same dma-buf, a read-only export
 * another one; the buffer's exports live on in another process.
 */
TEST_F(share, export_twice_is_one_dmabuf)
{
	struct dmaadd_buf buf;
	struct stat s1, s2, s3, s4;
	int f1, f2, ro, f3;

	test_buf_create(self->page, &buf);
	test_ioctl_export(buf.handle, 0, &f1);
	test_ioctl_export(buf.handle, 0, &f2);
	test_ioctl_export(buf.handle, DMAADD_EXPORT_READ_ONLY, &ro);
	ASSERT_NE(f1, f2);
	ASSERT_EQ(0, fstat(f1, &s1));
	ASSERT_EQ(0, fstat(f2, &s2));
	ASSERT_EQ(0, fstat(ro, &s3));
	EXPECT_EQ(s1.st_ino, s2.st_ino);
	EXPECT_NE(s1.st_ino, s3.st_ino);
	/* The first fd closed, the second still holds the dma-buf. */
	close(f1);
	test_ioctl_export(buf.handle, 0, &f3);
	ASSERT_EQ(0, fstat(f3, &s4));
	EXPECT_EQ(s2.st_ino, s4.st_ino);
	close(f2);
	close(f3);
	close(ro);
}

TEST_HARNESS_MAIN
