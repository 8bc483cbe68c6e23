// SPDX-License-Identifier: GPL-2.0
/*
 * dmaadd buffers: device discovery and INFO, BUF_ALLOC, mmap(), BUF_FREE
 * and the lifetime of buffer memory. Bad inputs are in errno_test.c.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "dmaadd_test.h"

#include <dirent.h>

/* Is QEMU's edu function (1234:11e8) on the PCI bus? -1: no sysfs. */
static int edu_present(void)
{
	char path[300], buf[16];
	unsigned int vendor, device;
	struct dirent *de;
	bool found = false;
	FILE *f;
	DIR *dir;

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return -1;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		vendor = 0;
		device = 0;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				vendor = strtoul(buf, NULL, 0);
			fclose(f);
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				device = strtoul(buf, NULL, 0);
			fclose(f);
		}
		found = vendor == 0x1234 && device == 0x11e8;
	}
	closedir(dir);
	return found;
}

TEST(enumerate_devices)
{
	unsigned int n, platform = 0, pci = 0;
	struct dmaadd_info info;
	int fd, edu;

	for (n = 0; n < DMAADD_MAX_DEVICES; n++) {
		fd = dmaadd_open_index(n, 0);
		if (fd < 0) {
			ASSERT_EQ(ENOENT, errno);
			continue;
		}
		ASSERT_EQ(0, _test_ioctl_info(fd, &info));
		EXPECT_EQ(n, info.index);
		if (info.backend == DMAADD_BACKEND_PLATFORM)
			platform++;
		else if (info.backend == DMAADD_BACKEND_PCI)
			pci++;
		else
			TH_LOG("/dev/dmaadd%u: unknown backend %u", n,
			       info.backend);
		close(fd);
	}
	EXPECT_EQ(1U, platform);
	edu = edu_present();
	if (edu < 0) {
		EXPECT_GE(1U, pci);
	} else {
		EXPECT_EQ(edu ? 1U : 0U, pci);
	}
}

FIXTURE(buffer) {
	DMAADD_FIXTURE_MEMBERS;
};

FIXTURE_VARIANT(buffer) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(buffer, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(buffer, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(buffer)
{
	dmaadd_fixture_open(variant->backend);
}

FIXTURE_TEARDOWN(buffer)
{
	dmaadd_fixture_close();
}

TEST_F(buffer, info_fields)
{
	const __u64 known_caps = DMAADD_CAP_IOMMU | DMAADD_CAP_BOUNCE;
	struct dmaadd_info info;

	test_ioctl_info(&info);
	EXPECT_EQ((__u32)DMAADD_API_VERSION, info.api_version);
	EXPECT_EQ(variant->backend, info.backend);
	EXPECT_EQ(self->index, info.index);
	EXPECT_NE(0U, info.ops & (1U << DMAADD_OP_ADD_I32));
	/* There is no op 0. */
	EXPECT_EQ(0U, info.ops & 1U);
	EXPECT_LE(1U, info.max_jobs_in_flight);
	EXPECT_LE(info.max_jobs_in_flight, info.job_history);
	EXPECT_LE(DMAADD_COHERENT_MAX, info.max_buffer_size);
	EXPECT_EQ(0ULL, info.caps & ~known_caps);
	/* A mask of low bits, wide enough for at least one page. */
	EXPECT_LE(SZ_4K - 1, info.dma_mask);
	EXPECT_EQ(0ULL, info.dma_mask & (info.dma_mask + 1));
	/* The platform device sits behind no IOMMU. */
	if (variant->backend == DMAADD_BACKEND_PLATFORM) {
		EXPECT_EQ(0ULL, info.caps & DMAADD_CAP_IOMMU);
	}
}

TEST_F(buffer, info_same_on_every_open)
{
	struct dmaadd_info again;
	int fd2 = test_open_same_device(0);

	ASSERT_EQ(0, _test_ioctl_info(fd2, &again));
	EXPECT_EQ(0, memcmp(&self->info, &again, sizeof(again)));
	close(fd2);
}

/*
 * Handles are non-zero and distinct; mmap offsets are page aligned and the
 * ranges they open do not overlap; every buffer is its own memory.
 */
TEST_F(buffer, alloc_many_distinct)
{
	enum { NR = 64 };
	struct dmaadd_buf buf[NR];
	__u64 end_i, end_j;
	unsigned int i, j;

	for (i = 0; i < NR; i++) {
		test_buf_create((i % 4 + 1) * self->page, &buf[i]);
		EXPECT_EQ(0ULL, buf[i].mmap_offset % self->page);
		dmaadd_fill(buf[i].map, buf[i].map_length / ELEM_SIZE,
			    0xb0000000 + i);
	}
	for (i = 0; i < NR; i++) {
		end_i = buf[i].mmap_offset + buf[i].map_length;
		for (j = i + 1; j < NR; j++) {
			end_j = buf[j].mmap_offset + buf[j].map_length;
			EXPECT_NE(buf[i].handle, buf[j].handle);
			EXPECT_TRUE(end_i <= buf[j].mmap_offset ||
				    end_j <= buf[i].mmap_offset);
		}
	}
	for (i = 0; i < NR; i++) {
		ASSERT_FILLED(buf[i].map, buf[i].map_length / ELEM_SIZE,
			      0xb0000000 + i);
	}
	for (i = 0; i < NR; i++) {
		dmaadd_buf_unmap(&buf[i]);
		test_ioctl_free(buf[i].handle);
	}
}

/* The whole page-rounded memory is zero, whatever the length. */
TEST_F(buffer, alloc_zero_filled)
{
	const __u64 lengths[] = {
		1, 4, self->page - 1, self->page, self->page + 1,
		3 * self->page + 4, SZ_64K, SZ_1M + self->page / 2,
		DMAADD_COHERENT_MAX, DMAADD_COHERENT_MAX + 1,
		2 * DMAADD_COHERENT_MAX + 3 * self->page + 4,
	};
	struct dmaadd_buf buf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		if (lengths[i] > self->info.max_buffer_size)
			continue;
		test_buf_create(lengths[i], &buf);
		ASSERT_EQ(dmaadd_page_round(lengths[i]), buf.map_length);
		ASSERT_FILLED(buf.map, buf.map_length / ELEM_SIZE, 0);
		dmaadd_buf_unmap(&buf);
		test_ioctl_free(buf.handle);
	}
}

/* Memory given back and allocated again never carries old contents. */
TEST_F(buffer, alloc_recycled_zeroed)
{
	const __u64 n = DMAADD_COHERENT_MAX / ELEM_SIZE;
	struct dmaadd_buf buf;
	unsigned int round;

	for (round = 0; round < 4; round++) {
		test_buf_create(DMAADD_COHERENT_MAX, &buf);
		ASSERT_FILLED(buf.map, n, 0);
		dmaadd_fill(buf.map, n, 0xa5a5a5a5 + round);
		dmaadd_buf_unmap(&buf);
		test_ioctl_free(buf.handle);
	}
}

/* Every device must manage the largest dma-direct coherent buffer. */
TEST_F(buffer, alloc_largest_coherent)
{
	const __u64 n = DMAADD_COHERENT_MAX / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *second;
	__u64 i;

	ASSERT_LE(DMAADD_COHERENT_MAX, self->info.max_buffer_size);
	test_buf_create(DMAADD_COHERENT_MAX, &buf);
	for (i = 0; i < n; i++)
		buf.map[i] = i * 2654435761U;
	/* Read back through a second mapping of the same memory. */
	second = mmap(NULL, buf.map_length, PROT_READ, MAP_SHARED, self->fd,
		      buf.mmap_offset);
	ASSERT_NE(MAP_FAILED, second);
	for (i = 0; i < n; i++)
		if (second[i] != (__u32)(i * 2654435761U))
			break;
	EXPECT_EQ(n, i);
	munmap(second, buf.map_length);
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/* Write a pattern through the mapping and read it back. */
static long long check_pattern(struct dmaadd_buf *buf, __u32 seed)
{
	__u64 n = buf->map_length / ELEM_SIZE, i;

	for (i = 0; i < n; i++)
		buf->map[i] = (i + seed) * 2654435761U;
	for (i = 0; i < n; i++)
		if (buf->map[i] != (__u32)((i + seed) * 2654435761U))
			return i;
	return -1;
}

/*
 * 64 MiB: one allocation behind an IOMMU, many coherent chunks without;
 * either way one zeroed buffer, one mapping.
 */
TEST_F_TIMEOUT(buffer, alloc_64m, 90)
{
	struct dmaadd_buf buf;

	if (self->info.max_buffer_size < DMAADD_BIG)
		SKIP(return, "max_buffer_size %llu < 64 MiB",
		     (unsigned long long)self->info.max_buffer_size);
	test_buf_create(DMAADD_BIG, &buf);
	ASSERT_FILLED(buf.map, DMAADD_BIG / ELEM_SIZE, 0);
	ASSERT_EQ(-1LL, check_pattern(&buf, 1));
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/* Just past what one contiguous allocation gives without an IOMMU. */
TEST_F(buffer, alloc_beyond_contiguous)
{
	const __u64 len = DMAADD_COHERENT_MAX + self->page + 4;
	struct dmaadd_buf buf;

	if (self->info.max_buffer_size < len)
		SKIP(return, "max_buffer_size %llu < 4 MiB + a page",
		     (unsigned long long)self->info.max_buffer_size);
	test_buf_create(len, &buf);
	ASSERT_EQ(DMAADD_COHERENT_MAX + 2 * self->page, buf.map_length);
	ASSERT_FILLED(buf.map, buf.map_length / ELEM_SIZE, 0);
	ASSERT_EQ(-1LL, check_pattern(&buf, 2));
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/*
 * DMAADD_BUF_CONTIGUOUS up to 4 MiB works on every device, up to swiotlb's
 * largest mapping (256 KiB) when streaming DMA bounces.
 */
TEST_F(buffer, alloc_contiguous)
{
	const __u64 max = dmaadd_contiguous_max(&self->info);
	const __u64 lengths[] = { 1, self->page, 3 * self->page + 8,
				  max < DMAADD_COHERENT_MAX ?
				  max : DMAADD_COHERENT_MAX };
	struct dmaadd_buf buf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		test_buf_create_flags(lengths[i], DMAADD_BUF_CONTIGUOUS, &buf);
		ASSERT_FILLED(buf.map, buf.map_length / ELEM_SIZE, 0);
		ASSERT_EQ(-1LL, check_pattern(&buf, i));
		dmaadd_buf_unmap(&buf);
		test_ioctl_free(buf.handle);
	}
}

/* Behind an IOMMU any length is one range of IOVA space. */
TEST_F_TIMEOUT(buffer, alloc_contiguous_iommu_64m, 90)
{
	struct dmaadd_buf buf;

	if (!(self->info.caps & DMAADD_CAP_IOMMU))
		SKIP(return, "no IOMMU");
	if (self->info.max_buffer_size < DMAADD_BIG)
		SKIP(return, "max_buffer_size %llu < 64 MiB",
		     (unsigned long long)self->info.max_buffer_size);
	test_buf_create_flags(DMAADD_BIG, DMAADD_BUF_CONTIGUOUS, &buf);
	ASSERT_FILLED(buf.map, DMAADD_BIG / ELEM_SIZE, 0);
	ASSERT_EQ(-1LL, check_pattern(&buf, 3));
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/*
 * Without an IOMMU a contiguous range comes from the page allocator: 4 MiB
 * at most (not from a CMA area, as the system dma-heap's pages do not),
 * 256 KiB under swiotlb. The largest buffer a device accepts is beyond
 * that, and DMAADD_BUF_CONTIGUOUS then fails with -ENOMEM instead of
 * falling back to several segments.
 */
TEST_F(buffer, alloc_contiguous_enomem)
{
	const __u64 max = dmaadd_contiguous_max(&self->info);
	const __u64 len = self->info.max_buffer_size;

	if (self->info.caps & DMAADD_CAP_IOMMU)
		SKIP(return, "behind an IOMMU any length is contiguous");
	if (len <= max)
		SKIP(return, "max_buffer_size %llu: nothing accepted is beyond %llu",
		     (unsigned long long)len, (unsigned long long)max);
	test_err_alloc_flags(ENOMEM, max + self->page, DMAADD_BUF_CONTIGUOUS);
	test_err_alloc_flags(ENOMEM, len, DMAADD_BUF_CONTIGUOUS);
}

/*
 * Not even a CMA area (the debug kernel has 32 MiB) gives a contiguous
 * range past 4 MiB: buffers are pages of their own, never the device's
 * coherent memory, and the page allocator stops at 4 MiB.
 */
TEST_F(buffer, alloc_contiguous_not_from_cma)
{
	const __u64 len = 2 * DMAADD_COHERENT_MAX;

	if (self->info.caps & DMAADD_CAP_IOMMU)
		SKIP(return, "behind an IOMMU any length is contiguous");
	if (self->info.max_buffer_size < len)
		SKIP(return, "max_buffer_size %llu < 8 MiB",
		     (unsigned long long)self->info.max_buffer_size);
	test_err_alloc_flags(ENOMEM, len, DMAADD_BUF_CONTIGUOUS);
}

/* Two mappings of one buffer see each other's writes. */
TEST_F(buffer, mmap_two_mappings_share)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *second;

	test_buf_create(len, &buf);
	second = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		      buf.mmap_offset);
	ASSERT_NE(MAP_FAILED, second);
	dmaadd_fill_random(buf.map, n, 1);
	ASSERT_EQUAL(second, buf.map, n);
	dmaadd_fill_random(second, n, 2);
	ASSERT_EQUAL(buf.map, second, n);
	munmap(second, len);
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/* mmap_offset + k * page size maps from the k-th page on. */
TEST_F(buffer, mmap_from_page1)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	const __u64 per_page = self->page / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *tail, *last, *copy;

	test_buf_create(len, &buf);
	tail = mmap(NULL, len - self->page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->fd, buf.mmap_offset + self->page);
	ASSERT_NE(MAP_FAILED, tail);
	last = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->fd, buf.mmap_offset + 3 * self->page);
	ASSERT_NE(MAP_FAILED, last);

	dmaadd_fill_random(buf.map, n, 3);
	ASSERT_EQUAL(tail, buf.map + per_page, n - per_page);
	ASSERT_EQUAL(last, buf.map + 3 * per_page, per_page);

	copy = malloc(len);
	ASSERT_NE(NULL, copy);
	memcpy(copy, buf.map, len);
	dmaadd_fill_random(tail, n - per_page, 4);
	/* Page 0 is untouched, pages 1.. are what was written via tail. */
	ASSERT_EQUAL(buf.map, copy, per_page);
	ASSERT_EQUAL(buf.map + per_page, tail, n - per_page);
	ASSERT_EQUAL(last, tail + 2 * per_page, per_page);

	free(copy);
	munmap(last, self->page);
	munmap(tail, len - self->page);
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/* A mapping may cover only the start of a buffer. */
TEST_F(buffer, mmap_shorter_than_buffer)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *head;

	test_buf_create(len, &buf);
	head = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->fd, buf.mmap_offset);
	ASSERT_NE(MAP_FAILED, head);
	dmaadd_fill_random(buf.map, n, 5);
	ASSERT_EQUAL(head, buf.map, self->page / ELEM_SIZE);
	dmaadd_fill(head, self->page / ELEM_SIZE, 0x5a5a5a5a);
	ASSERT_FILLED(buf.map, self->page / ELEM_SIZE, 0x5a5a5a5a);
	munmap(head, self->page);
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/* A mapping of a buffer cannot be grown past it, moved or in place. */
TEST_F(buffer, mremap_grow_fails)
{
	const __u64 len = 2 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *copy;
	void *area, *p;

	test_buf_create(len, &buf);
	dmaadd_fill_random(buf.map, n, 6);
	copy = malloc(len);
	ASSERT_NE(NULL, copy);
	memcpy(copy, buf.map, len);

	p = mremap(buf.map, len, len + self->page, MREMAP_MAYMOVE);
	ASSERT_EQ(MAP_FAILED, p);
	/* The failed mremap() left the mapping working. */
	ASSERT_EQUAL(buf.map, copy, n);

	/* In place, with the address space right after it free. */
	area = mmap(NULL, len + self->page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	p = mmap(area, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 self->fd, buf.mmap_offset);
	ASSERT_EQ(area, p);
	munmap((char *)area + len, self->page);
	p = mremap(area, len, len + self->page, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQUAL((__u32 *)area, copy, n);

	munmap(area, len);
	free(copy);
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/*
 * Reads into @line the VmFlags line of the mapping at @addr in
 * /proc/self/smaps, its newline turned into a space; false if not found.
 */
static bool smaps_vmflags(void *addr, char *line, int len)
{
	unsigned long start, end;
	bool in_vma = false;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return false;
	while (fgets(line, len, f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in_vma = start == (unsigned long)addr;
			continue;
		}
		if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			*strchrnul(line, '\n') = ' ';
			fclose(f);
			return true;
		}
	}
	fclose(f);
	return false;
}

/* Buffer mappings stay out of core dumps (VM_DONTDUMP, "dd"). */
TEST_F(buffer, mmap_not_dumped)
{
	struct dmaadd_buf buf;
	char line[512];

	test_buf_create(2 * self->page, &buf);
	if (!smaps_vmflags(buf.map, line, sizeof(line)))
		SKIP(return, "no VmFlags in /proc/self/smaps");
	EXPECT_NE(NULL, strstr(line, " dd "))
		TH_LOG("%s", line);
	dmaadd_buf_unmap(&buf);
	test_ioctl_free(buf.handle);
}

/* BUF_FREE drops the handle only: a mapping keeps the memory usable. */
TEST_F(buffer, free_while_mapped)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *copy;

	test_buf_create(len, &buf);
	dmaadd_fill_random(buf.map, n, 7);
	copy = malloc(len);
	ASSERT_NE(NULL, copy);
	memcpy(copy, buf.map, len);

	test_ioctl_free(buf.handle);
	ASSERT_EQUAL(buf.map, copy, n);
	dmaadd_fill_random(buf.map, n, 8);
	dmaadd_fill_random(copy, n, 8);
	ASSERT_EQUAL(buf.map, copy, n);

	free(copy);
	dmaadd_buf_unmap(&buf);
}

/* Freeing one buffer leaves the others, and a new one, alone. */
TEST_F(buffer, free_keeps_other_buffers)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf[3], fresh;

	test_buf_create(len, &buf[0]);
	test_buf_create(len, &buf[1]);
	test_buf_create(len, &buf[2]);
	dmaadd_fill(buf[0].map, n, 0x11111111);
	dmaadd_fill(buf[1].map, n, 0x22222222);
	dmaadd_fill(buf[2].map, n, 0x33333333);

	dmaadd_buf_unmap(&buf[1]);
	test_ioctl_free(buf[1].handle);
	ASSERT_FILLED(buf[0].map, n, 0x11111111);
	ASSERT_FILLED(buf[2].map, n, 0x33333333);

	test_buf_create(len, &fresh);
	ASSERT_FILLED(fresh.map, n, 0);
	dmaadd_fill(fresh.map, n, 0x44444444);
	ASSERT_FILLED(buf[0].map, n, 0x11111111);
	ASSERT_FILLED(buf[2].map, n, 0x33333333);

	dmaadd_buf_unmap(&fresh);
	dmaadd_buf_unmap(&buf[2]);
	dmaadd_buf_unmap(&buf[0]);
	test_ioctl_free(fresh.handle);
	test_ioctl_free(buf[2].handle);
	test_ioctl_free(buf[0].handle);
}

/* close() of the file leaves existing mappings working. */
TEST_F(buffer, close_while_mapped)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf buf;
	__u32 *copy;

	test_buf_create(len, &buf);
	dmaadd_fill_random(buf.map, n, 9);
	copy = malloc(len);
	ASSERT_NE(NULL, copy);
	memcpy(copy, buf.map, len);

	dmaadd_fixture_close();
	ASSERT_EQUAL(buf.map, copy, n);
	dmaadd_fill_random(buf.map, n, 10);
	dmaadd_fill_random(copy, n, 10);
	ASSERT_EQUAL(buf.map, copy, n);

	free(copy);
	dmaadd_buf_unmap(&buf);
}

/* Two open files of one device have separate buffers. */
TEST_F(buffer, two_files_separate_buffers)
{
	const __u64 len = 4 * self->page, n = len / ELEM_SIZE;
	struct dmaadd_buf mine, theirs;
	int fd2 = test_open_same_device(0);

	test_buf_create(len, &mine);
	ASSERT_EQ(0, _test_buf_create(fd2, len, &theirs));
	ASSERT_FILLED(theirs.map, n, 0);
	dmaadd_fill(mine.map, n, 0x600d600d);
	dmaadd_fill(theirs.map, n, 0xbad0bad0);
	ASSERT_FILLED(mine.map, n, 0x600d600d);

	dmaadd_buf_unmap(&theirs);
	close(fd2);
	ASSERT_FILLED(mine.map, n, 0x600d600d);
	dmaadd_buf_unmap(&mine);
	test_ioctl_free(mine.handle);
}

TEST_HARNESS_MAIN
