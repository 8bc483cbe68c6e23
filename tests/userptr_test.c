// SPDX-License-Identifier: GPL-2.0
/*
 * dmaadd buffers of the caller's own memory (BUF_USERPTR, seeds 001 and
 * 003) and what BUF_QUERY tells about any buffer (seed 004): malloc()ed
 * arrays at any byte address, reuse across jobs (per-job syncs under
 * swiotlb), bad ranges, read-only memory, RLIMIT_MEMLOCK, munmap() and
 * fork() while registered, and the CPU versus device view of a buffer.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include "share_test.h"

/* The kernel's mmap offset of a handle (DMAADD_MMAP_SHIFT in the module). */
#define DMAADD_MMAP_SHIFT	40

struct userptr_tail {
	struct dmaadd_buf_userptr s;
	__u8 tail[TAIL_BYTES];
};

struct query_tail {
	struct dmaadd_buf_query s;
	__u8 tail[TAIL_BYTES];
};

FIXTURE(userptr) {
	DMAADD_FIXTURE_MEMBERS;
};

FIXTURE_VARIANT(userptr) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(userptr, platform) {
	.backend = DMAADD_BACKEND_PLATFORM,
};

FIXTURE_VARIANT_ADD(userptr, pci) {
	.backend = DMAADD_BACKEND_PCI,
};

FIXTURE_SETUP(userptr)
{
	dmaadd_fixture_open(variant->backend);
}

FIXTURE_TEARDOWN(userptr)
{
	dmaadd_fixture_close();
}

static bool has_iommu(FIXTURE_DATA(userptr) *self)
{
	return self->info.caps & DMAADD_CAP_IOMMU;
}

/* CPU pages a range touches. */
static __u64 pages_spanned(const void *addr, __u64 len)
{
	__u64 page = dmaadd_page_size();
	__u64 start = (__u64)(uintptr_t)addr & ~(page - 1);

	return (dmaadd_page_round((__u64)(uintptr_t)addr + len) - start) / page;
}

/* c = a + b over @count elements, operands as handle + offset. */
#define test_job(_count, _a, _b, _c)					\
	ASSERT_EQ((int)DMAADD_JOB_OK,					\
		  share_job(self->fd, _count, _a, _b, _c))

/* malloc()ed arrays */

/* Three malloc()ed arrays, a length that is no multiple of a page. */
TEST_F(userptr, malloc_job)
{
	const __u64 n = 3 * self->page / ELEM_SIZE + 3, len = n * ELEM_SIZE;
	__u32 *a = malloc(len), *b = malloc(len), *c = malloc(len);
	__u32 ha, hb, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 1);
	dmaadd_fill_random(b, n, 2);
	dmaadd_fill(c, n, GUARD);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);
	test_ioctl_free(ha);
	test_ioctl_free(hb);
	test_ioctl_free(hc);
	free(a);
	free(b);
	free(c);
}

/*
 * Ranges that start 4, 8 and 12 bytes into a malloc()ed block and end
 * inside a page; the words around the output stay untouched.
 */
TEST_F(userptr, unaligned_start)
{
	const __u64 n = 2 * self->page / ELEM_SIZE + 5, len = n * ELEM_SIZE;
	const __u64 words = n + 8;
	__u32 *ma = malloc(words * 4), *mb = malloc(words * 4);
	__u32 *mc = malloc(words * 4);
	__u32 *a, *b, *c, ha, hb, hc;

	ASSERT_NE(NULL, ma);
	ASSERT_NE(NULL, mb);
	ASSERT_NE(NULL, mc);
	a = ma + 1;
	b = mb + 2;
	c = mc + 3;
	dmaadd_fill_random(a, n, 3);
	dmaadd_fill_random(b, n, 4);
	dmaadd_fill(mc, words, GUARD);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);
	ASSERT_FILLED(mc, 3, GUARD);
	ASSERT_FILLED(c + n, words - 3 - n, GUARD);
	free(ma);
	free(mb);
	free(mc);
}

/*
 * One registration holding a, b and c at offsets inside it; offsets
 * count from @addr, which is not page aligned.
 */
TEST_F(userptr, offsets_inside_range)
{
	const __u64 p = self->page;
	const __u64 len = 5 * p + 8;
	const struct {
		__u64 count, a_off, b_off, c_off;
	} cases[] = {
		{ 1, 0, 4, 8 },
		{ p / 4, 4, p + 8, 2 * p + 12 },
		{ p / 4 + 1, 3 * p - 4, p - 8, 4 * p },
		{ 3, len - 12, 0, 2 * p - 8 },
		{ p / 4 + 2, 0, p + 8, 3 * p + 16 },
	};
	char *block = malloc(len + 16);
	__u32 *r, *exp, h;
	unsigned int i;

	ASSERT_NE(NULL, block);
	r = (__u32 *)(block + 4);
	test_ioctl_userptr(r, len, 0, &h);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u32 *a = r + cases[i].a_off / 4, *b = r + cases[i].b_off / 4;
		__u32 *c = r + cases[i].c_off / 4;
		__u64 count = cases[i].count;

		dmaadd_fill(r, len / ELEM_SIZE, GUARD);
		dmaadd_fill_random(a, count, 10 + i);
		dmaadd_fill_random(b, count, 20 + i);
		exp = dmaadd_expected_sum(a, b, count);
		ASSERT_NE(NULL, exp);
		test_job(count, OPND(h, cases[i].a_off), OPND(h, cases[i].b_off),
			 OPND(h, cases[i].c_off));
		ASSERT_EQUAL(c, exp, count);
		free(exp);
		/* Nothing in front of c changed that is no input. */
		for (__u32 *w = r; w < c; w++) {
			if ((w >= a && w < a + count) ||
			    (w >= b && w < b + count))
				continue;
			ASSERT_EQ(GUARD, *w);
		}
		for (__u32 *w = c + count; w < r + len / ELEM_SIZE; w++) {
			if ((w >= a && w < a + count) ||
			    (w >= b && w < b + count))
				continue;
			ASSERT_EQ(GUARD, *w);
		}
	}
	free(block);
}

/* SUBMIT checks ranges against the registered length, not whole pages. */
TEST_F(userptr, range_is_length)
{
	const __u64 len = self->page + 8, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *c = malloc(len);
	__u32 ha, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 5);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(c, len, 0, &hc);
	test_err_submit(ERANGE, n + 1, OPND(ha, 0), OPND(ha, 0), OPND(hc, 0));
	test_err_submit(ERANGE, 1, OPND(ha, len), OPND(ha, 0), OPND(hc, 0));
	test_job(n, OPND(ha, 0), OPND(ha, 0), OPND(hc, 0));
	for (__u64 i = 0; i < n; i++)
		ASSERT_EQ(2 * a[i], c[i]);
	free(a);
	free(c);
}

/* In place: c is exactly a's range. */
TEST_F(userptr, in_place)
{
	const __u64 n = SZ_64K / ELEM_SIZE;
	__u32 *a = malloc(SZ_64K), *b = malloc(SZ_64K), *exp, ha, hb;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	dmaadd_fill_random(a, n, 6);
	dmaadd_fill_random(b, n, 7);
	exp = dmaadd_expected_sum(a, b, n);
	ASSERT_NE(NULL, exp);
	test_ioctl_userptr(a, SZ_64K, 0, &ha);
	test_ioctl_userptr(b, SZ_64K, 0, &hb);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(ha, 0));
	ASSERT_EQUAL(a, exp, n);
	free(exp);
	free(a);
	free(b);
}

/*
 * Registered once, used by many jobs: what the CPU writes after the
 * registration is what the next job reads, and what a job writes is in
 * memory as soon as WAIT returns (the per-job syncs that swiotlb=force
 * needs). Words of c outside each job's range keep what the CPU wrote.
 */
TEST_F_TIMEOUT(userptr, reuse_many_jobs, 60)
{
	const __u64 len = 256 * 1024 + 12, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *b = malloc(len), *c = malloc(len);
	__u32 ha, hb, hc, round;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	for (round = 0; round < 24; round++) {
		__u64 off = (round * 1031ULL) % (n / 2);
		__u64 count = n - off - (round * 7ULL) % 64;
		__u32 junk = 0x11111111U * (round % 15 + 1);

		dmaadd_fill_random(a, n, 100 + round);
		dmaadd_fill_random(b, n, 200 + round);
		dmaadd_fill(c, n, junk);
		test_job(count, OPND(ha, off * 4), OPND(hb, off * 4),
			 OPND(hc, off * 4));
		ASSERT_SUM(a + off, b + off, c + off, count);
		ASSERT_FILLED(c, off, junk);
		ASSERT_FILLED(c + off + count, n - off - count, junk);
	}
	free(a);
	free(b);
	free(c);
}

/*
 * The device owns registered memory only while a job runs. What the
 * process writes after its last job survives FREE: releasing the mapping
 * must not copy the device's view (under swiotlb, the bounce slots, still
 * holding that job's operands and result) back over it.
 */
TEST_F(userptr, free_keeps_cpu_writes)
{
	const __u64 len = 64 * 1024, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *b = malloc(len), *c = malloc(len);
	__u32 ha, hb, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 11);
	dmaadd_fill_random(b, n, 12);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);
	dmaadd_fill(a, n, 0xa5a5a5a5);
	dmaadd_fill(c, n, 0xc3c3c3c3);
	test_ioctl_free(ha);
	test_ioctl_free(hb);
	test_ioctl_free(hc);
	ASSERT_FILLED(a, n, 0xa5a5a5a5);
	ASSERT_FILLED(c, n, 0xc3c3c3c3);
	free(a);
	free(b);
	free(c);
}

/*
 * Seed 003: an output the process never touched (no pages yet, or the
 * zero page) is faulted in for writing when registered; the process reads
 * the job's result there.
 */
TEST_F(userptr, untouched_output)
{
	const __u64 pages = 16, n = pages * self->page / ELEM_SIZE;
	__u32 *a = malloc(pages * self->page), *c, ha, hc;

	ASSERT_NE(NULL, a);
	c = share_map_anon(pages, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, c);
	/* Half the pages read once: mapped to the zero page. */
	for (__u64 i = 0; i < n / 2; i += self->page / ELEM_SIZE)
		ASSERT_EQ(0U, c[i]);
	dmaadd_fill_random(a, n, 8);
	test_ioctl_userptr(a, pages * self->page, 0, &ha);
	test_ioctl_userptr(c, pages * self->page, 0, &hc);
	test_job(n, OPND(ha, 0), OPND(ha, 0), OPND(hc, 0));
	for (__u64 i = 0; i < n; i++)
		ASSERT_EQ(2 * a[i], c[i]);
	share_unmap_anon(c, pages);
	free(a);
}

/* An input of zero-page memory, registered read-only, reads as zeros. */
TEST_F(userptr, zero_page_input)
{
	const __u64 pages = 4, n = pages * self->page / ELEM_SIZE;
	__u32 *z, *b = malloc(pages * self->page), *c = malloc(pages * self->page);
	__u32 hz, hb, hc;

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	z = share_map_anon(pages, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, z);
	ASSERT_FILLED(z, n, 0);
	dmaadd_fill_random(b, n, 9);
	dmaadd_fill(c, n, GUARD);
	test_ioctl_userptr(z, pages * self->page, DMAADD_USERPTR_READ_ONLY,
			   &hz);
	test_ioctl_userptr(b, pages * self->page, 0, &hb);
	test_ioctl_userptr(c, pages * self->page, 0, &hc);
	test_job(n, OPND(hz, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_EQUAL(c, b, n);
	share_unmap_anon(z, pages);
	free(b);
	free(c);
}

/* The same malloc()ed memory registered with both devices at once. */
TEST_F(userptr, two_devices_one_memory)
{
	const __u64 n = SZ_64K / ELEM_SIZE;
	const __u32 other_backend = self->info.backend == DMAADD_BACKEND_PCI ?
				    DMAADD_BACKEND_PLATFORM : DMAADD_BACKEND_PCI;
	__u32 *a = malloc(SZ_64K), *c = malloc(2 * SZ_64K);
	__u32 ha, hc, ha2, hc2;
	struct dmaadd_info info2;
	unsigned int index2;
	int fd2;

	fd2 = dmaadd_open_backend(other_backend, 0, &info2, &index2);
	if (fd2 < 0)
		SKIP(return, "no %s dmaadd device",
		     dmaadd_backend_name(other_backend));
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 10);
	dmaadd_fill(c, 2 * n, GUARD);
	test_ioctl_userptr(a, SZ_64K, 0, &ha);
	test_ioctl_userptr(c, 2 * SZ_64K, 0, &hc);
	ASSERT_EQ(0, _test_ioctl_userptr(fd2, a, SZ_64K, 0, &ha2));
	ASSERT_EQ(0, _test_ioctl_userptr(fd2, c, 2 * SZ_64K, 0, &hc2));

	test_job(n, OPND(ha, 0), OPND(ha, 0), OPND(hc, 0));
	ASSERT_EQ((int)DMAADD_JOB_OK,
		  share_job(fd2, n, OPND(ha2, 0), OPND(ha2, 0),
			    OPND(hc2, SZ_64K)));
	for (__u64 i = 0; i < n; i++) {
		ASSERT_EQ(2 * a[i], c[i]);
		ASSERT_EQ(2 * a[i], c[n + i]);
	}
	close(fd2);
	free(a);
	free(c);
}

/* Bad ranges and flags */

TEST_F(userptr, unmapped_range)
{
	void *p = share_map_anon(2, PROT_READ | PROT_WRITE);

	ASSERT_NE(NULL, p);
	share_unmap_anon(p, 2);
	test_err_userptr(EFAULT, p, 2 * self->page, 0);
}

/* A hole in the middle of the range. */
TEST_F(userptr, unmapped_page_inside)
{
	char *p = share_map_anon(3, PROT_READ | PROT_WRITE);

	ASSERT_NE(NULL, p);
	memset(p, 1, 3 * self->page);
	ASSERT_EQ(0, munmap(p + self->page, self->page));
	test_err_userptr(EFAULT, p, 3 * self->page, 0);
	test_err_userptr(EFAULT, p + 8, 2 * self->page, 0);
	share_unmap_anon(p, 3);
}

/* The range runs into the inaccessible page after the mapping. */
TEST_F(userptr, range_past_mapping)
{
	char *p = share_map_anon(2, PROT_READ | PROT_WRITE);

	ASSERT_NE(NULL, p);
	test_err_userptr(EFAULT, p + self->page, self->page + 4, 0);
	share_unmap_anon(p, 2);
}

/* Read-only memory cannot be registered for writing. */
TEST_F(userptr, read_only_memory_writable)
{
	__u32 *p = share_map_anon(2, PROT_READ);

	ASSERT_NE(NULL, p);
	test_err_userptr(EFAULT, p, 2 * self->page, 0);
	share_unmap_anon(p, 2);
}

/* Read-only memory filled before mprotect(), registered read-only. */
static __u32 *read_only_input(__u64 pages, __u32 seed)
{
	__u64 page = dmaadd_page_size();
	__u32 *p = share_map_anon(pages, PROT_READ | PROT_WRITE);

	if (!p)
		return NULL;
	dmaadd_fill_random(p, pages * page / ELEM_SIZE, seed);
	if (mprotect(p, pages * page, PROT_READ))
		return NULL;
	return p;
}

TEST_F(userptr, read_only_memory_input)
{
	const __u64 pages = 8, len = pages * self->page, n = len / ELEM_SIZE;
	__u32 *a = read_only_input(pages, 11);
	__u32 *b = malloc(len), *c = malloc(len);
	struct dmaadd_buf_query q;
	__u32 ha, hb, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(b, n, 12);
	test_ioctl_userptr(a, len, DMAADD_USERPTR_READ_ONLY, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	test_ioctl_query(ha, &q);
	ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_READ_ONLY);
	test_ioctl_query(hc, &q);
	ASSERT_EQ(0U, q.buf_flags & DMAADD_BUF_READ_ONLY);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);
	share_unmap_anon(a, pages);
	free(b);
	free(c);
}

TEST_F(userptr, read_only_memory_as_output)
{
	const __u64 pages = 2, len = pages * self->page, n = len / ELEM_SIZE;
	__u32 *r = read_only_input(pages, 13), *a = malloc(len), *exp;
	__u32 hr, ha;

	ASSERT_NE(NULL, r);
	ASSERT_NE(NULL, a);
	exp = malloc(len);
	ASSERT_NE(NULL, exp);
	memcpy(exp, r, len);
	dmaadd_fill_random(a, n, 14);
	test_ioctl_userptr(r, len, DMAADD_USERPTR_READ_ONLY, &hr);
	test_ioctl_userptr(a, len, 0, &ha);
	test_err_submit(EACCES, n, OPND(ha, 0), OPND(ha, 0), OPND(hr, 0));
	ASSERT_EQUAL(r, exp, n);
	free(exp);
	free(a);
	share_unmap_anon(r, pages);
}

/* The flag, not the memory, makes the buffer read-only. */
TEST_F(userptr, read_only_flag_as_output)
{
	const __u64 n = self->page / ELEM_SIZE;
	__u32 *a = malloc(self->page), *c = malloc(self->page), ha, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 15);
	dmaadd_fill(c, n, GUARD);
	test_ioctl_userptr(a, self->page, 0, &ha);
	test_ioctl_userptr(c, self->page, DMAADD_USERPTR_READ_ONLY, &hc);
	test_err_submit(EACCES, n, OPND(ha, 0), OPND(ha, 0), OPND(hc, 0));
	ASSERT_FILLED(c, n, GUARD);
	free(a);
	free(c);
}

/* SUBMIT's order: handles and ranges come before -EACCES ... */
TEST_F(userptr, submit_order_handle_before_eacces)
{
	__u32 *a = malloc(self->page), *c = malloc(self->page), ha, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, c);
	test_ioctl_userptr(a, self->page, 0, &ha);
	test_ioctl_userptr(c, self->page, DMAADD_USERPTR_READ_ONLY, &hc);
	test_err_submit(ENOENT, 1, OPND(ha, 0), OPND(hc + ha + 1, 0),
			OPND(hc, 0));
	free(a);
	free(c);
}

TEST_F(userptr, submit_order_range_before_eacces)
{
	__u32 *a = malloc(self->page), *c = malloc(self->page), ha, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, c);
	test_ioctl_userptr(a, self->page, 0, &ha);
	test_ioctl_userptr(c, self->page, DMAADD_USERPTR_READ_ONLY, &hc);
	test_err_submit(ERANGE, 2, OPND(ha, self->page - 4), OPND(ha, 0),
			OPND(hc, 0));
	test_err_submit(ERANGE, 2, OPND(ha, 0), OPND(ha, 0),
			OPND(hc, self->page - 4));
	free(a);
	free(c);
}

/* ... and -EACCES before the overlap of c with an input. */
TEST_F(userptr, submit_order_eacces_before_overlap)
{
	__u32 *c = malloc(self->page), hc;

	ASSERT_NE(NULL, c);
	test_ioctl_userptr(c, self->page, DMAADD_USERPTR_READ_ONLY, &hc);
	test_err_submit(EACCES, 4, OPND(hc, 0), OPND(hc, 0), OPND(hc, 4));
	free(c);
}

TEST_F(userptr, length_zero)
{
	__u32 *p = malloc(self->page);

	ASSERT_NE(NULL, p);
	test_err_userptr(EINVAL, p, 0, 0);
	free(p);
}

TEST_F(userptr, length_over_max)
{
	__u32 *p = malloc(self->page);

	ASSERT_NE(NULL, p);
	test_err_userptr(EINVAL, p, self->info.max_buffer_size + 1, 0);
	test_err_userptr(EINVAL, p, ~0ULL, 0);
	free(p);
}

TEST_F(userptr, addr_wraps)
{
	const __u64 addr = ~0ULL - self->page + 1;

	test_err_userptr(EINVAL, (void *)(uintptr_t)addr, 2 * self->page, 0);
	test_err_userptr(EINVAL, (void *)(uintptr_t)(~0ULL), 2, 0);
}

/*
 * Kernel addresses: the range does not wrap, it is simply not mapped in
 * the process (-EFAULT by the header's table).
 */
TEST_F(userptr, kernel_address)
{
	const __u64 addr = 0xffffffff80000000ULL;

	test_err_userptr(EFAULT, (void *)(uintptr_t)addr, self->page, 0);
}

TEST_F(userptr, flags)
{
	__u32 *p = malloc(self->page);
	unsigned int bit;

	ASSERT_NE(NULL, p);
	for (bit = 1; bit < 32; bit++)
		test_err_userptr(EINVAL, p, self->page, 1U << bit);
	free(p);
}

TEST_F(userptr, reserved)
{
	struct dmaadd_buf_userptr cmd;
	__u32 *p = malloc(self->page);

	ASSERT_NE(NULL, p);
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.addr = (__u64)(uintptr_t)p;
	cmd.length = self->page;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_BUF_USERPTR, &cmd));
	free(p);
}

TEST_F(userptr, size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_buf_userptr) - 8,
				sizeof(struct dmaadd_buf_userptr) - 1 };
	struct dmaadd_buf_userptr cmd;
	__u32 *p = malloc(self->page);
	unsigned int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizes[i];
		cmd.addr = (__u64)(uintptr_t)p;
		cmd.length = self->page;
		EXPECT_ERRNO(EINVAL,
			     ioctl(self->fd, DMAADD_IOCTL_BUF_USERPTR, &cmd));
	}
	free(p);
}

TEST_F(userptr, size_bigger_zero_tail)
{
	const __u64 n = self->page / ELEM_SIZE;
	__u32 *p = malloc(self->page), *c = malloc(self->page);
	struct userptr_tail big;
	unsigned int i;
	__u32 hc;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(p, n, 16);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.addr = (__u64)(uintptr_t)p;
	big.s.length = self->page;
	ASSERT_EQ(0, ioctl(self->fd, DMAADD_IOCTL_BUF_USERPTR, &big));
	ASSERT_NE(0U, big.s.handle);
	for (i = 0; i < TAIL_BYTES; i++)
		ASSERT_EQ(0, big.tail[i]);
	test_ioctl_userptr(c, self->page, 0, &hc);
	test_job(n, OPND(big.s.handle, 0), OPND(big.s.handle, 0), OPND(hc, 0));
	for (__u64 k = 0; k < n; k++)
		ASSERT_EQ(2 * p[k], c[k]);
	free(p);
	free(c);
}

TEST_F(userptr, size_bigger_nonzero_tail)
{
	struct userptr_tail big;
	__u32 *p = malloc(self->page);

	ASSERT_NE(NULL, p);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.addr = (__u64)(uintptr_t)p;
	big.s.length = self->page;
	big.tail[TAIL_BYTES - 1] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_BUF_USERPTR, &big));
	free(p);
}

/*
 * A userptr buffer cannot be mapped through the device node. It has no
 * mmap_offset field; the offset a handle would have is handle << 40
 * (DMAADD_MMAP_SHIFT), and mapping it is expected to fail.
 */
TEST_F(userptr, mmap_through_node)
{
	__u32 *p = malloc(2 * self->page), h;
	void *map;

	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, 2 * self->page, 0, &h);
	map = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, (off_t)((__u64)h << DMAADD_MMAP_SHIFT));
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno);
	free(p);
}

/* RLIMIT_MEMLOCK */

/*
 * In a child that runs as nobody with RLIMIT_MEMLOCK of 16 pages:
 * registering more pages than that fails with -ENOMEM.
 */
TEST_F(userptr, memlock_exceeded)
{
	const __u64 limit = 16, pages = 64;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		void *p = share_map_anon(pages, PROT_READ | PROT_WRITE);

		CHILD_CHECK(p);
		memset(p, 1, pages * self->page);
		CHILD_CHECK(share_drop_privileges(limit * self->page) == 0);
		CHILD_CHECK(_test_ioctl_userptr(self->fd, p,
						pages * self->page, 0,
						NULL) == -1);
		CHILD_CHECK(errno == ENOMEM);
		/* Read-only registrations are charged the same. */
		CHILD_CHECK(_test_ioctl_userptr(self->fd, p,
						pages * self->page,
						DMAADD_USERPTR_READ_ONLY,
						NULL) == -1);
		CHILD_CHECK(errno == ENOMEM);
		_exit(0);
	}
	ASSERT_EQ(0, share_wait_child(pid));
}

/*
 * Within the limit jobs work; the charge adds up over registrations and
 * goes away with BUF_FREE.
 */
TEST_F(userptr, memlock_charge_and_uncharge)
{
	const __u64 limit = 16, pages = 4;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const __u64 len = pages * self->page, n = len / ELEM_SIZE;
		__u32 *a = share_map_anon(pages, PROT_READ | PROT_WRITE);
		__u32 *b = share_map_anon(pages, PROT_READ | PROT_WRITE);
		__u32 *c = share_map_anon(pages, PROT_READ | PROT_WRITE);
		__u32 *big = share_map_anon(8, PROT_READ | PROT_WRITE);
		__u32 ha, hb, hc, hbig;

		CHILD_CHECK(a && b && c && big);
		dmaadd_fill_random(a, n, 17);
		dmaadd_fill_random(b, n, 18);
		CHILD_CHECK(share_drop_privileges(limit * self->page) == 0);
		CHILD_CHECK(!_test_ioctl_userptr(self->fd, a, len, 0, &ha));
		CHILD_CHECK(!_test_ioctl_userptr(self->fd, b, len, 0, &hb));
		CHILD_CHECK(!_test_ioctl_userptr(self->fd, c, len, 0, &hc));
		CHILD_CHECK(share_job(self->fd, n, OPND(ha, 0), OPND(hb, 0),
				      OPND(hc, 0)) == DMAADD_JOB_OK);
		CHILD_CHECK(dmaadd_check_sum(a, b, c, n) == -1);
		/* 12 pages charged: 8 more do not fit in 16. */
		CHILD_CHECK(_test_ioctl_userptr(self->fd, big, 8 * self->page,
						0, &hbig) == -1);
		CHILD_CHECK(errno == ENOMEM);
		CHILD_CHECK(!_test_ioctl_free(self->fd, ha));
		CHILD_CHECK(!_test_ioctl_free(self->fd, hb));
		/* 4 pages charged now. */
		CHILD_CHECK(!_test_ioctl_userptr(self->fd, big, 8 * self->page,
						 0, &hbig));
		CHILD_CHECK(share_job(self->fd, n, OPND(hc, 0), OPND(hc, 0),
				      OPND(hbig, 0)) == DMAADD_JOB_OK);
		for (__u64 i = 0; i < n; i++)
			CHILD_CHECK(big[i] == 2 * c[i]);
		_exit(0);
	}
	ASSERT_EQ(0, share_wait_child(pid));
}

/* With CAP_IPC_LOCK (root) the limit does not apply. */
TEST_F(userptr, memlock_ignored_with_cap_ipc_lock)
{
	const __u64 pages = 64;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const __u64 len = pages * self->page, n = len / ELEM_SIZE;
		struct rlimit rl = { .rlim_cur = self->page,
				     .rlim_max = self->page };
		__u32 *a = malloc(len), *c = malloc(len), ha, hc;

		CHILD_CHECK(a && c);
		dmaadd_fill_random(a, n, 19);
		CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
		CHILD_CHECK(!_test_ioctl_userptr(self->fd, a, len, 0, &ha));
		CHILD_CHECK(!_test_ioctl_userptr(self->fd, c, len, 0, &hc));
		CHILD_CHECK(share_job(self->fd, n, OPND(ha, 0), OPND(ha, 0),
				      OPND(hc, 0)) == DMAADD_JOB_OK);
		for (__u64 i = 0; i < n; i++)
			CHILD_CHECK(c[i] == 2 * a[i]);
		_exit(0);
	}
	ASSERT_EQ(0, share_wait_child(pid));
}

/* munmap() and fork() while registered */

/*
 * The registration holds the pages: inputs unmapped from the process are
 * still read by jobs.
 */
TEST_F(userptr, munmap_inputs)
{
	const __u64 pages = 8, len = pages * self->page, n = len / ELEM_SIZE;
	__u32 *a = share_map_anon(pages, PROT_READ | PROT_WRITE);
	__u32 *b = share_map_anon(pages, PROT_READ | PROT_WRITE);
	__u32 *c = malloc(len), *exp, ha, hb, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 20);
	dmaadd_fill_random(b, n, 21);
	dmaadd_fill(c, n, GUARD);
	exp = dmaadd_expected_sum(a, b, n);
	ASSERT_NE(NULL, exp);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	share_unmap_anon(a, pages);
	share_unmap_anon(b, pages);
	/* Reuse the address space: new mappings must not be what jobs read. */
	a = share_map_anon(pages, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, a);
	dmaadd_fill(a, n, 0x77777777);

	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_EQUAL(c, exp, n);
	test_ioctl_free(ha);
	test_ioctl_free(hb);
	share_unmap_anon(a, pages);
	free(exp);
	free(c);
}

/*
 * An output unmapped from the process: the job still runs (status OK) on
 * the pinned pages, which the process no longer sees.
 */
TEST_F(userptr, munmap_output)
{
	const __u64 pages = 8, len = pages * self->page, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *c = share_map_anon(pages, PROT_READ | PROT_WRITE);
	__u32 ha, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 22);
	dmaadd_fill(c, n, GUARD);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(c, len, 0, &hc);
	share_unmap_anon(c, pages);
	test_job(n, OPND(ha, 0), OPND(ha, 0), OPND(hc, 0));
	/* And once more, then the pages go with the handle. */
	test_job(n, OPND(ha, 0), OPND(hc, 0), OPND(hc, 0));
	test_ioctl_free(hc);
	free(a);
}

/*
 * The same with shared memory (a memfd): the pinned pages stay in the
 * file, so mapping it again shows what the job wrote after munmap().
 */
TEST_F(userptr, munmap_output_memfd)
{
	const __u64 pages = 8, len = pages * self->page, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *c, ha, hc;
	int mfd;

	ASSERT_NE(NULL, a);
	mfd = memfd_create("dmaadd-userptr", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, len));
	c = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, c);
	dmaadd_fill(c, n, GUARD);
	dmaadd_fill_random(a, n, 23);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(c, len, 0, &hc);
	ASSERT_EQ(0, munmap(c, len));

	test_job(n, OPND(ha, 0), OPND(ha, 0), OPND(hc, 0));
	c = mmap(NULL, len, PROT_READ, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, c);
	for (__u64 i = 0; i < n; i++)
		ASSERT_EQ(2 * a[i], c[i]);
	munmap(c, len);
	test_ioctl_free(hc);
	close(mfd);
	free(a);
}

/*
 * fork() after registration: the parent keeps its pinned pages (they are
 * not shared copy-on-write with the child), so the results of jobs it runs
 * while the child lives and after the child exited land in the parent's
 * own memory, and the child's writes to its copy go elsewhere.
 */
TEST_F_TIMEOUT(userptr, fork_after_registration, 60)
{
	const __u64 len = SZ_64K + 3 * ELEM_SIZE, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *b = malloc(len), *c = malloc(len);
	__u32 ha, hb, hc;
	int sv[2];
	pid_t pid;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 24);
	dmaadd_fill_random(b, n, 25);
	dmaadd_fill(c, n, GUARD);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		/* The child's copies: its writes must not reach the parent. */
		dmaadd_fill(a, n, 1);
		dmaadd_fill(b, n, 2);
		dmaadd_fill(c, n, 3);
		CHILD_CHECK(share_send_byte(sv[1], 'W') == 0);
		CHILD_CHECK(share_recv_byte(sv[1]) == 'X');
		CHILD_CHECK(a[0] == 1 && c[n - 1] == 3);
		_exit(0);
	}
	close(sv[1]);
	ASSERT_EQ('W', share_recv_byte(sv[0]));

	/* New inputs written by the parent after fork(), child alive. */
	dmaadd_fill_random(a, n, 26);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);

	ASSERT_EQ(0, share_send_byte(sv[0], 'X'));
	ASSERT_EQ(0, share_wait_child(pid));
	close(sv[0]);

	dmaadd_fill_random(b, n, 27);
	dmaadd_fill(c, n, GUARD);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);
	free(a);
	free(b);
	free(c);
}

/* BUF_QUERY (seed 004) */

/*
 * A 1 MiB malloc()ed buffer: behind an IOMMU the device walks fewer
 * segments than the CPU has pages, through IOVAs; without one, each run of
 * contiguous pages is its own segment. The results are right either way.
 */
TEST_F(userptr, query_userptr_1m)
{
	const __u64 len = SZ_1M, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *b = malloc(len), *c = malloc(len);
	struct dmaadd_buf_query q;
	__u32 ha, hb, hc;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 28);
	dmaadd_fill_random(b, n, 29);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	test_ioctl_query(ha, &q);

	ASSERT_EQ((__u32)DMAADD_BUF_KIND_USERPTR, q.kind);
	ASSERT_EQ(len, q.length);
	ASSERT_EQ(pages_spanned(a, len), q.cpu_pages);
	ASSERT_LE(1ULL, q.cpu_segments);
	ASSERT_GE(q.cpu_pages, q.cpu_segments);
	ASSERT_LE(1ULL, q.dma_segments);
	ASSERT_GE(q.cpu_segments, q.dma_segments);
	ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_STREAMING);
	ASSERT_EQ(0U, q.buf_flags & DMAADD_BUF_READ_ONLY);
	/* Out: the number of DMA segments, even with no room for them. */
	ASSERT_EQ(q.dma_segments, q.nr_addrs);
	if (has_iommu(self)) {
		ASSERT_LT(q.dma_segments, q.cpu_pages);
		ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_IOVA);
	} else {
		ASSERT_EQ(q.cpu_segments, q.dma_segments);
		ASSERT_EQ(0U, q.buf_flags & DMAADD_BUF_IOVA);
	}

	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);
	free(a);
	free(b);
	free(c);
}

/* As root: the device addresses, as many as there are DMA segments. */
TEST_F(userptr, query_addrs_root)
{
	const __u64 len = SZ_1M;
	__u32 *p = malloc(len), h, nr, i;
	struct dmaadd_dma_segment *segs;
	struct dmaadd_buf_query q;
	__u64 total = 0;

	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, len, 0, &h);
	test_ioctl_query(h, &q);
	nr = (__u32)q.dma_segments;
	segs = malloc((nr + 2) * sizeof(*segs));
	ASSERT_NE(NULL, segs);
	memset(segs, 0xa5, (nr + 2) * sizeof(*segs));

	ASSERT_EQ(0, _test_ioctl_query(self->fd, h, &q, segs, nr + 2));
	ASSERT_EQ(nr, q.nr_addrs);
	ASSERT_EQ(nr, q.dma_segments);
	for (i = 0; i < nr; i++) {
		ASSERT_NE(0ULL, segs[i].addr);
		ASSERT_NE(0ULL, segs[i].len);
		total += segs[i].len;
	}
	ASSERT_EQ(len, total);
	/* Room for more than there are: the rest is not written. */
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, segs[nr].addr);
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, segs[nr + 1].len);

	/* Room for one: one written, the count is still all of them. */
	memset(segs, 0xa5, (nr + 2) * sizeof(*segs));
	ASSERT_EQ(0, _test_ioctl_query(self->fd, h, &q, segs, 1));
	ASSERT_EQ(nr, q.nr_addrs);
	ASSERT_NE(0xa5a5a5a5a5a5a5a5ULL, segs[0].addr);
	if (nr > 1) {
		ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, segs[1].addr);
	}
	free(segs);
	free(p);
}

/* Unprivileged: the addresses are refused, the counts are not. */
TEST_F(userptr, query_addrs_unprivileged)
{
	__u32 *p = malloc(SZ_64K), h;
	pid_t pid;

	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, SZ_64K, 0, &h);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dmaadd_dma_segment seg = { .addr = 1, .len = 2 };
		struct dmaadd_buf_query q;

		CHILD_CHECK(share_drop_privileges(SZ_1M) == 0);
		CHILD_CHECK(_test_ioctl_query(self->fd, h, &q, &seg, 1) == -1);
		CHILD_CHECK(errno == EPERM);
		CHILD_CHECK(seg.addr == 1 && seg.len == 2);
		_exit(0);
	}
	ASSERT_EQ(0, share_wait_child(pid));
	free(p);
}

/*
 * Unprivileged: the counts are the same as root's, and the buffer works.
 * The job writes the pages the parent registered, which after fork() are
 * the parent's (the child has copies): the parent checks the result.
 */
TEST_F(userptr, query_counts_unprivileged)
{
	const __u64 n = SZ_64K / ELEM_SIZE;
	__u32 *p = malloc(SZ_64K), *c = malloc(SZ_64K), h, hc;
	struct dmaadd_buf_query root;
	pid_t pid;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(p, n, 30);
	dmaadd_fill(c, n, GUARD);
	test_ioctl_userptr(p, SZ_64K, 0, &h);
	test_ioctl_userptr(c, SZ_64K, 0, &hc);
	test_ioctl_query(h, &root);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dmaadd_buf_query q;

		CHILD_CHECK(share_drop_privileges(SZ_1M) == 0);
		CHILD_CHECK(_test_ioctl_query(self->fd, h, &q, NULL, 0) == 0);
		CHILD_CHECK(!memcmp(&q, &root, sizeof(q)));
		CHILD_CHECK(share_job(self->fd, n, OPND(h, 0), OPND(h, 0),
				      OPND(hc, 0)) == DMAADD_JOB_OK);
		_exit(0);
	}
	ASSERT_EQ(0, share_wait_child(pid));
	for (__u64 i = 0; i < n; i++)
		ASSERT_EQ(2 * p[i], c[i]);
	free(p);
	free(c);
}

TEST_F(userptr, query_unknown_handle)
{
	__u32 *p = malloc(self->page), h;

	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, self->page, 0, &h);
	test_err_query(ENOENT, h + 1000, NULL, 0);
	test_err_query(ENOENT, 0, NULL, 0);
	test_ioctl_free(h);
	test_err_query(ENOENT, h, NULL, 0);
	free(p);
}

TEST_F(userptr, query_flags)
{
	struct dmaadd_buf_query q;
	__u32 *p = malloc(self->page), h;

	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, self->page, 0, &h);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.handle = h;
	q.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, DMAADD_IOCTL_BUF_QUERY, &q));
	free(p);
}

TEST_F(userptr, query_size_too_small)
{
	const __u32 sizes[] = { 0, 4, sizeof(struct dmaadd_buf_query) - 8,
				sizeof(struct dmaadd_buf_query) - 1 };
	struct dmaadd_buf_query q;
	__u32 *p = malloc(self->page), h;
	unsigned int i;

	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, self->page, 0, &h);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&q, 0, sizeof(q));
		q.size = sizes[i];
		q.handle = h;
		EXPECT_ERRNO(EINVAL,
			     ioctl(self->fd, DMAADD_IOCTL_BUF_QUERY, &q));
	}
	free(p);
}

TEST_F(userptr, query_size_bigger_nonzero_tail)
{
	struct query_tail big;
	__u32 *p = malloc(self->page), h;

	ASSERT_NE(NULL, p);
	test_ioctl_userptr(p, self->page, 0, &h);
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.handle = h;
	big.tail[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, DMAADD_IOCTL_BUF_QUERY, &big));
	free(p);
}

/*
 * A 64 MiB allocation: pages mapped with the streaming API, one IOVA range
 * behind an IOMMU, runs of at most 4 MiB (segments) without one; a job
 * into its last page works.
 */
TEST_F(userptr, query_alloc_64m)
{
	const __u64 n = self->page / ELEM_SIZE;
	struct dmaadd_buf_query q;
	struct dmaadd_buf a, b;
	__u64 offset;
	__u32 h, *last;

	if (self->info.max_buffer_size < SZ_64M)
		SKIP(return, "max_buffer_size %llu < 64 MiB",
		     (unsigned long long)self->info.max_buffer_size);
	test_ioctl_alloc(SZ_64M, &h, &offset);
	test_ioctl_query(h, &q);
	ASSERT_EQ((__u32)DMAADD_BUF_KIND_ALLOC, q.kind);
	ASSERT_EQ(SZ_64M, q.length);
	ASSERT_EQ(16384ULL, SZ_64M / self->page);
	ASSERT_EQ(SZ_64M / self->page, q.cpu_pages);
	ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_STREAMING);
	ASSERT_EQ(0U, q.buf_flags & DMAADD_BUF_READ_ONLY);
	ASSERT_LE(1ULL, q.cpu_segments);
	ASSERT_GE(q.cpu_segments, q.dma_segments);
	if (has_iommu(self)) {
		ASSERT_NE(0U, q.buf_flags & DMAADD_BUF_IOVA);
		ASSERT_EQ(1ULL, q.dma_segments);
	} else {
		/* dma-direct maps each CPU entry as it is. */
		ASSERT_EQ(0U, q.buf_flags & DMAADD_BUF_IOVA);
		ASSERT_EQ(q.cpu_segments, q.dma_segments);
	}

	test_buf_create(self->page, &a);
	test_buf_create(self->page, &b);
	dmaadd_fill_random(a.map, n, 31);
	dmaadd_fill_random(b.map, n, 32);
	test_job(n, OPND(a.handle, 0), OPND(b.handle, 0),
		 OPND(h, SZ_64M - self->page));
	last = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd,
		    offset + SZ_64M - self->page);
	ASSERT_NE(MAP_FAILED, last);
	ASSERT_SUM(a.map, b.map, last, n);
	munmap(last, self->page);
}

/*
 * The largest job: 64 MiB malloc()ed arrays. Under swiotlb=force every
 * byte must fit in the bounce pool (64 MiB by default) at the same time,
 * so there the arrays are 16 MiB.
 */
TEST_F_TIMEOUT(userptr, large, 120)
{
	const bool bounce = self->info.caps & DMAADD_CAP_BOUNCE;
	const __u64 len = bounce ? 16 * SZ_1M : SZ_64M, n = len / ELEM_SIZE;
	__u32 *a = malloc(len), *b = malloc(len), *c = malloc(len);
	__u32 ha, hb, hc;

	if (self->info.max_buffer_size < len)
		SKIP(return, "max_buffer_size %llu < %llu",
		     (unsigned long long)self->info.max_buffer_size,
		     (unsigned long long)len);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	dmaadd_fill_random(a, n, 33);
	dmaadd_fill_random(b, n, 34);
	test_ioctl_userptr(a, len, 0, &ha);
	test_ioctl_userptr(b, len, 0, &hb);
	test_ioctl_userptr(c, len, 0, &hc);
	test_job(n, OPND(ha, 0), OPND(hb, 0), OPND(hc, 0));
	ASSERT_SUM(a, b, c, n);
	test_ioctl_free(ha);
	test_ioctl_free(hb);
	test_ioctl_free(hc);
	free(a);
	free(b);
	free(c);
}

TEST_HARNESS_MAIN
