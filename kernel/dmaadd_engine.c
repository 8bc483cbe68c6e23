// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulated dmaadd hardware.
 *
 * This file plays the device, not the driver. It receives nothing but
 * device addresses through its doorbell and reaches memory the way a bus
 * master would: every device address goes through the device's IOMMU
 * domain when it has a translating one, or through the dma-direct mapping
 * otherwise. An address that does not translate is a device fault: the job
 * ends with DMAADD_HW_STATUS_FAULT before anything has been written.
 *
 * The engine never dereferences a kernel pointer it was handed; the only
 * kernel virtual addresses it uses are the ones it derives itself from the
 * physical addresses the bus translation gives.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/dma-direct.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#ifdef CONFIG_X86_64
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/simd.h>
#endif

#include "dmaadd_compat.h"
#include "dmaadd_engine.h"
#include "dmaadd_hw.h"

#define DMAADD_RING_SIZE	1024
#define DMAADD_ELEM_SIZE	4
#define DMAADD_ENGINE_BURST	32	/* descriptors taken off the ring at once */
#define DMAADD_ENGINE_IRQ_BYTES	SZ_64K	/* output moved before an interrupt */
#define DMAADD_TLB_SIZE		16	/* translations the engine caches */
#define DMAADD_INLINE_DEFAULT	SZ_64K	/* see dmaadd_engine_kick() */

/*
 * Where the engine is in one operand: its segment table, walked in order.
 * The engine keeps no list of what it translated, only this cursor, so it
 * never allocates: it runs on the path that signals fences.
 */
struct dmaadd_cursor {
	u64 table;		/* device address of the segment table */
	u32 nsegs;
	u32 idx;		/* next segment to read */
	u64 addr;		/* device address of the next byte */
	u64 left;		/* bytes left in the current segment */
};

/*
 * A cached translation of one device page: what an IOTLB does. Valid while
 * @gen equals the engine's, which moves at every completion interrupt.
 */
struct dmaadd_tlb_entry {
	u64 pfn;		/* device address >> PAGE_SHIFT */
	void *va;		/* kernel address of the page it translates to */
	unsigned long gen;
};

struct dmaadd_engine {
	struct device *dev;
	struct task_struct *thread;
	wait_queue_head_t wq;	/* the thread's and dmaadd_engine_stop()'s */

	spinlock_t ring_lock;	/* protects ring, head, tail, busy, stopped */
	dma_addr_t ring[DMAADD_RING_SIZE];
	unsigned int head;	/* next entry the engine reads */
	unsigned int tail;	/* next entry the driver writes */
	/*
	 * Someone runs descriptors: the thread, or a caller of
	 * dmaadd_engine_kick(). Only its owner moves @head and uses @tlb, so
	 * the engine runs one descriptor at a time, in ring order, whoever
	 * runs it.
	 */
	bool busy;
	bool stopped;		/* dmaadd_engine_stop(): run nothing more */
	u32 inline_max;		/* bytes; see dmaadd_engine_kick() */
	atomic64_t inline_runs;	/* descriptors a kick ran */

	dmaadd_engine_irq_t irq;
	void *irq_data;

	atomic_t fault_in;	/* the n-th next descriptor faults (test hook) */

	struct dmaadd_tlb_entry tlb[DMAADD_TLB_SIZE];
	unsigned long tlb_gen;	/* 0 is never valid */
	int simd;		/* enum dmaadd_simd */
};

static struct iommu_domain *dmaadd_engine_domain(struct dmaadd_engine *eng)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(eng->dev);

	/* An identity (passthrough) domain translates like dma-direct. */
	if (dom && (dom->type & __IOMMU_DOMAIN_PAGING))
		return dom;
	return NULL;
}

bool dmaadd_engine_iommu(struct dmaadd_engine *eng)
{
	return dmaadd_engine_domain(eng);
}

/*
 * Bus translation of one device address; NULL if the device would fault.
 *
 * Translations are cached per page, as an IOTLB would, from one completion
 * interrupt to the next only. That is what keeps the cache right without
 * hearing about unmaps: every address the engine translates is one a
 * descriptor it has not reported yet points to, and that job holds its
 * buffers, so their mappings stay put until the interrupt that reports it,
 * which empties the cache. Failed translations are never cached.
 */
static void *dmaadd_engine_xlate(struct dmaadd_engine *eng,
				 struct iommu_domain *dom, u64 addr)
{
	u64 pfn = addr >> PAGE_SHIFT;
	struct dmaadd_tlb_entry *e = &eng->tlb[pfn % DMAADD_TLB_SIZE];
	phys_addr_t phys;
	struct page *page;

	if (e->gen == eng->tlb_gen && e->pfn == pfn)
		return e->va + offset_in_page(addr);

	if (dom) {
		phys = iommu_iova_to_phys(dom, addr);
		if (!phys)
			return NULL;
	} else {
		phys = dma_to_phys(eng->dev, addr);
	}
	if (!pfn_valid(PHYS_PFN(phys)))
		return NULL;
	page = pfn_to_page(PHYS_PFN(phys));
	if (PageHighMem(page))
		return NULL;
	/* Cacheable when the device page is exactly one CPU page. */
	if (offset_in_page(phys) == offset_in_page(addr)) {
		e->pfn = pfn;
		e->va = page_address(page);
		e->gen = eng->tlb_gen;
	}
	return page_address(page) + offset_in_page(phys);
}

/*
 * Translate a run of up to *@len bytes at @addr; *@len is set to the bytes
 * that translate to one contiguous kernel range (at least the rest of the
 * device page), within the 64 KiB-aligned physical window of the first
 * byte: a window lies within one memory (sub)section, the granule of
 * pfn_valid(), so the first page's checks hold for all of it. Through an
 * IOMMU every further page is looked up in its page table, as an IOTLB
 * would, and the run goes on while they follow each other. Without one,
 * dma-direct maps a device range linearly onto CPU memory: the run takes
 * the window if its last byte translates to where the first one says.
 * This is the engine's burst, and what keeps an emulating CPU from paying
 * the loop over the three cursors for every page (docs/design.md, "The
 * add loop").
 */
static void *dmaadd_engine_xlate_run(struct dmaadd_engine *eng,
				     struct iommu_domain *dom, u64 addr,
				     u64 *len)
{
	u64 page_left = PAGE_SIZE - offset_in_page(addr);
	void *va = dmaadd_engine_xlate(eng, dom, addr);
	u64 run, n = min(*len, page_left);
	phys_addr_t phys, last;

	if (!va || *len <= page_left)
		goto out;
	phys = virt_to_phys(va);
	run = min_t(u64, *len, SZ_64K - (phys & (SZ_64K - 1)));
	if (dom) {
		/* Page by page, while the pages follow each other. */
		while (n < run && iommu_iova_to_phys(dom, addr + n) == phys + n)
			n = min_t(u64, n + PAGE_SIZE, run);
	} else {
		last = dma_to_phys(eng->dev, addr + run - 1);
		if (last == phys + run - 1 && pfn_valid(PHYS_PFN(last)))
			n = run;
	}
out:
	*len = n;
	return va;
}

/* Raise the completion "interrupt"; the jobs' mappings may go after it. */
static void dmaadd_engine_irq(struct dmaadd_engine *eng,
			      const struct dmaadd_engine_done *done,
			      unsigned int n)
{
	if (!++eng->tlb_gen)
		eng->tlb_gen = 1;
	eng->irq(eng->irq_data, done, n);
}

/* Read or write a small structure at a device address, page by page. */
static int dmaadd_engine_access(struct dmaadd_engine *eng,
				struct iommu_domain *dom, u64 addr,
				void *buf, size_t len, bool write)
{
	while (len) {
		size_t chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(addr));
		void *va = dmaadd_engine_xlate(eng, dom, addr);

		if (!va)
			return -EFAULT;
		if (write)
			memcpy(va, buf, chunk);
		else
			memcpy(buf, va, chunk);
		addr += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * The kernel address of a small object at a device address, if it lies in
 * one page that translates; NULL otherwise (dmaadd_engine_access() then
 * goes page by page, and faults where the bus would). Descriptors, segment
 * table entries and status words are naturally aligned, so this is the
 * usual case, and the object is then read or written with plain loads and
 * stores rather than a byte-wise copy (which an emulating CPU runs a byte
 * at a time).
 */
static void *dmaadd_engine_obj(struct dmaadd_engine *eng,
			       struct iommu_domain *dom, u64 addr, size_t len)
{
	if (offset_in_page(addr) + len > PAGE_SIZE)
		return NULL;
	return dmaadd_engine_xlate(eng, dom, addr);
}

/* Read the next segment table entry; -EINVAL past the table's end. */
static int dmaadd_cursor_next_seg(struct dmaadd_engine *eng,
				  struct iommu_domain *dom,
				  struct dmaadd_cursor *cur)
{
	u64 at = cur->table + (u64)cur->idx * sizeof(struct dmaadd_hw_seg);
	const struct dmaadd_hw_seg *p;
	struct dmaadd_hw_seg seg;
	int ret;

	if (cur->idx == cur->nsegs)
		return -EINVAL;
	p = dmaadd_engine_obj(eng, dom, at, sizeof(seg));
	if (p) {
		seg = *p;
	} else {
		ret = dmaadd_engine_access(eng, dom, at, &seg, sizeof(seg),
					   false);
		if (ret)
			return ret;
	}
	cur->idx++;
	cur->addr = le64_to_cpu(seg.addr);
	cur->left = le64_to_cpu(seg.len);
	return 0;
}

/* Point @cur at byte op->offset of the operand. */
static int dmaadd_cursor_init(struct dmaadd_engine *eng,
			      struct iommu_domain *dom,
			      const struct dmaadd_hw_operand *op,
			      struct dmaadd_cursor *cur)
{
	u64 skip = le64_to_cpu(op->offset);
	int ret;

	cur->table = le64_to_cpu(op->segs);
	cur->nsegs = le32_to_cpu(op->nsegs);
	cur->idx = 0;
	cur->left = 0;
	for (;;) {
		ret = dmaadd_cursor_next_seg(eng, dom, cur);
		if (ret)
			return ret;
		if (skip < cur->left)
			break;
		skip -= cur->left;
	}
	cur->addr += skip;
	cur->left -= skip;
	return 0;
}

/*
 * The next piece of the operand, at most @max bytes within one device
 * page: its kernel address in *@va. Return: its length, or a negative
 * errno (-EFAULT: does not translate, -EINVAL: past the segment table).
 */
static long dmaadd_cursor_map(struct dmaadd_engine *eng,
			      struct iommu_domain *dom,
			      struct dmaadd_cursor *cur, u64 max, void **va)
{
	u64 n;
	int ret;

	while (!cur->left) {
		ret = dmaadd_cursor_next_seg(eng, dom, cur);
		if (ret)
			return ret;
	}
	if (check_add_overflow(cur->addr, cur->left, &n))
		return -EFAULT;
	n = min(max, cur->left);
	*va = dmaadd_engine_xlate_run(eng, dom, cur->addr, &n);
	if (!*va)
		return -EFAULT;
	return n;
}

static void dmaadd_cursor_advance(struct dmaadd_cursor *cur, u64 n)
{
	cur->addr += n;
	cur->left -= n;
}

/*
 * Check that @len bytes of the operand translate, touching nothing: a
 * fault must leave memory untouched, so every address is translated
 * before the first byte is written.
 */
static int dmaadd_engine_probe(struct dmaadd_engine *eng,
			       struct iommu_domain *dom,
			       const struct dmaadd_hw_operand *op, u64 len)
{
	struct dmaadd_cursor cur;
	u64 since = 0;		/* bytes since the last cond_resched() */
	void *va;
	long n;
	int ret;

	ret = dmaadd_cursor_init(eng, dom, op, &cur);
	if (ret)
		return ret;
	while (len) {
		n = dmaadd_cursor_map(eng, dom, &cur, len, &va);
		if (n < 0)
			return n;
		dmaadd_cursor_advance(&cur, n);
		len -= n;
		since += n;
		if (len && since >= SZ_4M) {
			cond_resched();
			since = 0;
		}
	}
	return 0;
}

#define DMAADD_LANE_LOW		0x7fffffff7fffffffULL
#define DMAADD_LANE_HIGH	0x8000000080000000ULL
#define DMAADD_BURST_WORDS	64	/* 512 bytes: the engine's line buffer */

/*
 * Two int32 lanes per u64: add the low 31 bits of each lane (no carry can
 * leave a lane), then set each lane's top bit with xor. Exact modular int32
 * addition, and kernel code has no SIMD: fewer, wider operations win.
 */
static inline u64 dmaadd_add_lanes(u64 x, u64 y)
{
	return ((x & DMAADD_LANE_LOW) + (y & DMAADD_LANE_LOW)) ^
	       ((x ^ y) & DMAADD_LANE_HIGH);
}

/*
 * c = a + b over @n int32s, in bursts the way a DMA engine moves data: read
 * a burst of a into the line buffer, add a burst of b into it, write it to
 * c. Each pass streams one operand, which also spares an emulating CPU
 * (QEMU's TCG) the TLB conflicts of three streams whose addresses are equal
 * modulo a large power of two, as the chunks of coherent buffers are: one
 * element at a time, such a loop ran 3-5 times slower.
 */
static void dmaadd_add_i32(void *c, const void *a, const void *b, size_t n)
{
	u64 line[DMAADD_BURST_WORDS];
	size_t words, i;

	for (; n >= 2; n -= 2 * words) {
		words = min_t(size_t, n / 2, DMAADD_BURST_WORDS);
		for (i = 0; i < words; i++)
			line[i] = get_unaligned((const u64 *)a + i);
		for (i = 0; i < words; i++) {
			u64 y = get_unaligned((const u64 *)b + i);

			line[i] = dmaadd_add_lanes(line[i], y);
		}
		for (i = 0; i < words; i++)
			put_unaligned(line[i], (u64 *)c + i);
		a += 8 * words;
		b += 8 * words;
		c += 8 * words;
	}
	if (n)
		put_unaligned(get_unaligned((const u32 *)a) +
			      get_unaligned((const u32 *)b), (u32 *)c);
}

/*
 * The engine's datapath at memory speed: the CPU's vector unit, 128 (SSE2)
 * or 512 (AVX2) bytes per step, between kernel_fpu_begin() and
 * kernel_fpu_end(). paddd is exact modular int32 addition, as the scalar
 * lanes are. Chosen once per engine by CPU feature; used for jobs of a page
 * or more where may_use_simd() (a smaller job would pay more for the FPU
 * state than it saves), the scalar lanes otherwise and on other
 * architectures.
 */
enum dmaadd_simd {
	DMAADD_SIMD_NONE,
	DMAADD_SIMD_SSE2,
	DMAADD_SIMD_AVX2,
};

#define DMAADD_SIMD_MIN		PAGE_SIZE	/* bytes of output */
#define DMAADD_SIMD_SECTION	SZ_64K	/* output per kernel_fpu_begin() */

#ifdef CONFIG_X86_64
static enum dmaadd_simd dmaadd_simd_best(void)
{
	if (boot_cpu_has(X86_FEATURE_AVX2) &&
	    cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM, NULL))
		return DMAADD_SIMD_AVX2;
	if (boot_cpu_has(X86_FEATURE_XMM2))
		return DMAADD_SIMD_SSE2;
	return DMAADD_SIMD_NONE;
}

/*
 * One step moves a whole register file: all of a's burst is read, then all
 * of b's added, then all of c's written, as the scalar line buffer does, so
 * that each operand's page is entered once per burst (see dmaadd_add_i32()).
 */

/*
 * @n int32s in 32-element (128-byte) steps; returns the elements done.
 * Legacy SSE needs aligned memory operands, so b is loaded into registers
 * of its own: half the register file each.
 */
static size_t dmaadd_add_i32_sse2(void *c, const void *a, const void *b,
				  size_t n)
{
	size_t done;

	for (done = 0; n - done >= 32; done += 32) {
		asm volatile("movdqu 0(%[a]), %%xmm0\n\t"
			     "movdqu 16(%[a]), %%xmm1\n\t"
			     "movdqu 32(%[a]), %%xmm2\n\t"
			     "movdqu 48(%[a]), %%xmm3\n\t"
			     "movdqu 64(%[a]), %%xmm4\n\t"
			     "movdqu 80(%[a]), %%xmm5\n\t"
			     "movdqu 96(%[a]), %%xmm6\n\t"
			     "movdqu 112(%[a]), %%xmm7\n\t"
			     "movdqu 0(%[b]), %%xmm8\n\t"
			     "movdqu 16(%[b]), %%xmm9\n\t"
			     "movdqu 32(%[b]), %%xmm10\n\t"
			     "movdqu 48(%[b]), %%xmm11\n\t"
			     "movdqu 64(%[b]), %%xmm12\n\t"
			     "movdqu 80(%[b]), %%xmm13\n\t"
			     "movdqu 96(%[b]), %%xmm14\n\t"
			     "movdqu 112(%[b]), %%xmm15\n\t"
			     "paddd %%xmm8, %%xmm0\n\t"
			     "paddd %%xmm9, %%xmm1\n\t"
			     "paddd %%xmm10, %%xmm2\n\t"
			     "paddd %%xmm11, %%xmm3\n\t"
			     "paddd %%xmm12, %%xmm4\n\t"
			     "paddd %%xmm13, %%xmm5\n\t"
			     "paddd %%xmm14, %%xmm6\n\t"
			     "paddd %%xmm15, %%xmm7\n\t"
			     "movdqu %%xmm0, 0(%[c])\n\t"
			     "movdqu %%xmm1, 16(%[c])\n\t"
			     "movdqu %%xmm2, 32(%[c])\n\t"
			     "movdqu %%xmm3, 48(%[c])\n\t"
			     "movdqu %%xmm4, 64(%[c])\n\t"
			     "movdqu %%xmm5, 80(%[c])\n\t"
			     "movdqu %%xmm6, 96(%[c])\n\t"
			     "movdqu %%xmm7, 112(%[c])\n\t"
			     : : [a] "r" (a + 4 * done), [b] "r" (b + 4 * done),
				 [c] "r" (c + 4 * done)
			     : "memory");
	}
	return done;
}

/* @n int32s in 128-element (512-byte) steps; returns the elements done. */
static size_t dmaadd_add_i32_avx2(void *c, const void *a, const void *b,
				  size_t n)
{
	size_t done;

	for (done = 0; n - done >= 128; done += 128) {
		asm volatile("vmovdqu 0(%[a]), %%ymm0\n\t"
			     "vmovdqu 32(%[a]), %%ymm1\n\t"
			     "vmovdqu 64(%[a]), %%ymm2\n\t"
			     "vmovdqu 96(%[a]), %%ymm3\n\t"
			     "vmovdqu 128(%[a]), %%ymm4\n\t"
			     "vmovdqu 160(%[a]), %%ymm5\n\t"
			     "vmovdqu 192(%[a]), %%ymm6\n\t"
			     "vmovdqu 224(%[a]), %%ymm7\n\t"
			     "vmovdqu 256(%[a]), %%ymm8\n\t"
			     "vmovdqu 288(%[a]), %%ymm9\n\t"
			     "vmovdqu 320(%[a]), %%ymm10\n\t"
			     "vmovdqu 352(%[a]), %%ymm11\n\t"
			     "vmovdqu 384(%[a]), %%ymm12\n\t"
			     "vmovdqu 416(%[a]), %%ymm13\n\t"
			     "vmovdqu 448(%[a]), %%ymm14\n\t"
			     "vmovdqu 480(%[a]), %%ymm15\n\t"
			     "vpaddd 0(%[b]), %%ymm0, %%ymm0\n\t"
			     "vpaddd 32(%[b]), %%ymm1, %%ymm1\n\t"
			     "vpaddd 64(%[b]), %%ymm2, %%ymm2\n\t"
			     "vpaddd 96(%[b]), %%ymm3, %%ymm3\n\t"
			     "vpaddd 128(%[b]), %%ymm4, %%ymm4\n\t"
			     "vpaddd 160(%[b]), %%ymm5, %%ymm5\n\t"
			     "vpaddd 192(%[b]), %%ymm6, %%ymm6\n\t"
			     "vpaddd 224(%[b]), %%ymm7, %%ymm7\n\t"
			     "vpaddd 256(%[b]), %%ymm8, %%ymm8\n\t"
			     "vpaddd 288(%[b]), %%ymm9, %%ymm9\n\t"
			     "vpaddd 320(%[b]), %%ymm10, %%ymm10\n\t"
			     "vpaddd 352(%[b]), %%ymm11, %%ymm11\n\t"
			     "vpaddd 384(%[b]), %%ymm12, %%ymm12\n\t"
			     "vpaddd 416(%[b]), %%ymm13, %%ymm13\n\t"
			     "vpaddd 448(%[b]), %%ymm14, %%ymm14\n\t"
			     "vpaddd 480(%[b]), %%ymm15, %%ymm15\n\t"
			     "vmovdqu %%ymm0, 0(%[c])\n\t"
			     "vmovdqu %%ymm1, 32(%[c])\n\t"
			     "vmovdqu %%ymm2, 64(%[c])\n\t"
			     "vmovdqu %%ymm3, 96(%[c])\n\t"
			     "vmovdqu %%ymm4, 128(%[c])\n\t"
			     "vmovdqu %%ymm5, 160(%[c])\n\t"
			     "vmovdqu %%ymm6, 192(%[c])\n\t"
			     "vmovdqu %%ymm7, 224(%[c])\n\t"
			     "vmovdqu %%ymm8, 256(%[c])\n\t"
			     "vmovdqu %%ymm9, 288(%[c])\n\t"
			     "vmovdqu %%ymm10, 320(%[c])\n\t"
			     "vmovdqu %%ymm11, 352(%[c])\n\t"
			     "vmovdqu %%ymm12, 384(%[c])\n\t"
			     "vmovdqu %%ymm13, 416(%[c])\n\t"
			     "vmovdqu %%ymm14, 448(%[c])\n\t"
			     "vmovdqu %%ymm15, 480(%[c])\n\t"
			     : : [a] "r" (a + 4 * done), [b] "r" (b + 4 * done),
				 [c] "r" (c + 4 * done)
			     : "memory");
	}
	return done;
}

static bool dmaadd_simd_begin(enum dmaadd_simd simd)
{
	if (simd == DMAADD_SIMD_NONE || !may_use_simd())
		return false;
	kernel_fpu_begin();
	return true;
}

static void dmaadd_simd_end(enum dmaadd_simd simd)
{
	if (simd == DMAADD_SIMD_AVX2)
		asm volatile("vzeroupper" ::: "memory");
	kernel_fpu_end();
}

/* c = a + b with @simd, between dmaadd_simd_begin() and _end(). */
static void dmaadd_add_i32_simd(void *c, const void *a, const void *b,
				size_t n, enum dmaadd_simd simd)
{
	size_t done = 0;

	if (simd == DMAADD_SIMD_AVX2)
		done = dmaadd_add_i32_avx2(c, a, b, n);
	else if (simd == DMAADD_SIMD_SSE2)
		done = dmaadd_add_i32_sse2(c, a, b, n);
	dmaadd_add_i32(c + 4 * done, a + 4 * done, b + 4 * done, n - done);
}
#else
static enum dmaadd_simd dmaadd_simd_best(void)
{
	return DMAADD_SIMD_NONE;
}

static bool dmaadd_simd_begin(enum dmaadd_simd simd)
{
	return false;
}

static void dmaadd_simd_end(enum dmaadd_simd simd)
{
}

static void dmaadd_add_i32_simd(void *c, const void *a, const void *b,
				size_t n, enum dmaadd_simd simd)
{
	dmaadd_add_i32(c, a, b, n);
}
#endif

/* Byte-wise transfer for an element that straddles two pages or segments. */
static int dmaadd_cursor_copy(struct dmaadd_engine *eng,
			      struct iommu_domain *dom,
			      struct dmaadd_cursor *cur, u8 *buf, size_t len,
			      bool write)
{
	void *va;
	long n;

	while (len--) {
		n = dmaadd_cursor_map(eng, dom, cur, 1, &va);
		if (n < 0)
			return n;
		if (write)
			*(u8 *)va = *buf++;
		else
			*buf++ = *(u8 *)va;
		dmaadd_cursor_advance(cur, 1);
	}
	return 0;
}

/*
 * c = a + b over @len bytes, walking the three operands' segment tables
 * again, page by page. dmaadd_engine_probe() has translated all of it and
 * the job holds its buffers, so nothing fails here but a descriptor or a
 * segment table that changed under the engine.
 */
static int dmaadd_engine_compute(struct dmaadd_engine *eng,
				 struct iommu_domain *dom,
				 const struct dmaadd_hw_desc *desc, u64 len)
{
	enum dmaadd_simd simd = len >= DMAADD_SIMD_MIN ? eng->simd :
							  DMAADD_SIMD_NONE;
	struct dmaadd_cursor cur[DMAADD_HW_NR_OPS];
	void *va[DMAADD_HW_NR_OPS];
	u64 section = 0;	/* bytes into this 64 KiB section */
	u64 since = 0;		/* bytes since the last cond_resched() */
	bool fpu = false;
	long got;
	u64 n;
	int i, ret = 0;

	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		ret = dmaadd_cursor_init(eng, dom, &desc->op[i], &cur[i]);
		if (ret)
			return ret;
	}
	while (len) {
		/*
		 * Pieces end at section boundaries, so that an FPU section
		 * (preemption off) covers 64 KiB of output at most.
		 */
		n = min_t(u64, len, DMAADD_SIMD_SECTION - section);
		for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
			got = dmaadd_cursor_map(eng, dom, &cur[i], n, &va[i]);
			if (got < 0) {
				ret = got;
				goto out;
			}
			n = got;
		}
		n = round_down(n, DMAADD_ELEM_SIZE);
		if (n) {
			if (!fpu && simd)
				fpu = dmaadd_simd_begin(simd);
			if (fpu)
				dmaadd_add_i32_simd(va[DMAADD_HW_OP_C],
						    va[DMAADD_HW_OP_A],
						    va[DMAADD_HW_OP_B],
						    n / DMAADD_ELEM_SIZE, simd);
			else
				dmaadd_add_i32(va[DMAADD_HW_OP_C],
					       va[DMAADD_HW_OP_A],
					       va[DMAADD_HW_OP_B],
					       n / DMAADD_ELEM_SIZE);
			for (i = 0; i < DMAADD_HW_NR_OPS; i++)
				dmaadd_cursor_advance(&cur[i], n);
		} else {
			u32 x, y;

			n = DMAADD_ELEM_SIZE;
			ret = dmaadd_cursor_copy(eng, dom, &cur[DMAADD_HW_OP_A],
						 (u8 *)&x, n, false);
			if (!ret)
				ret = dmaadd_cursor_copy(eng, dom,
							 &cur[DMAADD_HW_OP_B],
							 (u8 *)&y, n, false);
			if (ret)
				goto out;
			x += y;
			ret = dmaadd_cursor_copy(eng, dom, &cur[DMAADD_HW_OP_C],
						 (u8 *)&x, n, true);
			if (ret)
				goto out;
		}
		len -= n;
		since += n;
		section += n;
		if (section == DMAADD_SIMD_SECTION || (len && since >= SZ_1M)) {
			if (fpu)
				dmaadd_simd_end(simd);
			fpu = false;
			section = 0;
		}
		if (len && since >= SZ_1M) {
			cond_resched();
			since = 0;
		}
	}
out:
	if (fpu)
		dmaadd_simd_end(simd);
	return ret;
}

/* Run one descriptor; @len is set to the bytes it wrote, if any. */
static u32 dmaadd_engine_run(struct dmaadd_engine *eng,
			     struct iommu_domain *dom, dma_addr_t desc_addr,
			     u64 *len_done)
{
	const struct dmaadd_hw_desc *p;
	struct dmaadd_hw_desc desc;
	u64 count, len;
	__le32 status, *pstatus;
	u32 ret;
	int i, err;

	p = dmaadd_engine_obj(eng, dom, desc_addr, sizeof(desc));
	if (p)
		desc = *p;
	else if (dmaadd_engine_access(eng, dom, desc_addr, &desc, sizeof(desc),
				      false))
		return DMAADD_HW_STATUS_FAULT;

	/* An injected bus error: as if a page of the data did not translate. */
	if (atomic_read(&eng->fault_in) && atomic_dec_and_test(&eng->fault_in)) {
		ret = DMAADD_HW_STATUS_FAULT;
		goto write_status;
	}

	count = le64_to_cpu(desc.count);
	if (le32_to_cpu(desc.opcode) != DMAADD_HW_OP_ADD_I32 || !count ||
	    check_mul_overflow(count, (u64)DMAADD_ELEM_SIZE, &len)) {
		ret = DMAADD_HW_STATUS_INVALID;
		goto write_status;
	}

	/* Translate everything first: a fault must leave memory untouched. */
	for (i = 0; i < DMAADD_HW_NR_OPS; i++) {
		err = dmaadd_engine_probe(eng, dom, &desc.op[i], len);
		if (err)
			break;
	}
	if (!err)
		err = dmaadd_engine_compute(eng, dom, &desc, len);
	if (err) {
		ret = err == -EFAULT ? DMAADD_HW_STATUS_FAULT :
				       DMAADD_HW_STATUS_INVALID;
		goto write_status;
	}
	*len_done = len;
	ret = DMAADD_HW_STATUS_DONE;

write_status:
	status = cpu_to_le32(ret);
	desc_addr += offsetof(struct dmaadd_hw_desc, status);
	pstatus = dmaadd_engine_obj(eng, dom, desc_addr, sizeof(status));
	if (pstatus)
		*pstatus = status;
	else
		dmaadd_engine_access(eng, dom, desc_addr, &status,
				     sizeof(status), true);
	return ret;
}

/* Take up to @max descriptor addresses off the ring, oldest first. */
static unsigned int dmaadd_engine_pop(struct dmaadd_engine *eng,
				      dma_addr_t *descs, unsigned int max)
{
	unsigned int n;

	spin_lock(&eng->ring_lock);
	for (n = 0; n < max && eng->head != eng->tail; n++)
		descs[n] = eng->ring[eng->head++ % DMAADD_RING_SIZE];
	spin_unlock(&eng->ring_lock);
	return n;
}

/*
 * Become the engine's owner if it has none; a doorbell rung while someone
 * owns it is that owner's to run.
 */
static bool dmaadd_engine_claim(struct dmaadd_engine *eng)
{
	bool claimed = false;

	spin_lock(&eng->ring_lock);
	if (!eng->busy && !eng->stopped) {
		eng->busy = true;
		claimed = true;
	}
	spin_unlock(&eng->ring_lock);
	return claimed;
}

/*
 * Stop owning the engine, after the owner's last "interrupt": the next
 * owner's reports must come after its. Return: descriptors are waiting.
 */
static bool dmaadd_engine_release(struct dmaadd_engine *eng)
{
	bool left;

	spin_lock(&eng->ring_lock);
	eng->busy = false;
	left = eng->head != eng->tail;
	spin_unlock(&eng->ring_lock);
	return left;
}

/* Descriptors nobody runs. */
static bool dmaadd_engine_unowned_work(struct dmaadd_engine *eng)
{
	return !READ_ONCE(eng->busy) &&
	       READ_ONCE(eng->head) != READ_ONCE(eng->tail);
}

static int dmaadd_engine_thread(void *data)
{
	struct dmaadd_engine *eng = data;
	struct dmaadd_engine_done done[DMAADD_ENGINE_IRQ_MAX];
	dma_addr_t descs[DMAADD_ENGINE_BURST];
	struct iommu_domain *dom;
	unsigned int i, n, nr_done;
	u64 bytes, len;

	for (;;) {
		bool cookie;

		wait_event_idle(eng->wq,
				dmaadd_engine_unowned_work(eng) ||
				kthread_should_stop());
		if (kthread_should_stop())
			break;
		if (!dmaadd_engine_claim(eng))
			continue;
		/*
		 * Every job fence waits for what follows: lockdep checks that
		 * none of it allocates or takes a lock that is held while
		 * waiting for a fence.
		 */
		cookie = dma_fence_begin_signalling();
		dom = dmaadd_engine_domain(eng);
		nr_done = 0;
		bytes = 0;
		while ((n = dmaadd_engine_pop(eng, descs, ARRAY_SIZE(descs)))) {
			for (i = 0; i < n; i++) {
				/* Stopped: the rest is the driver's to cancel. */
				if (kthread_should_stop())
					break;
				len = 0;
				done[nr_done].desc = descs[i];
				done[nr_done].status =
					dmaadd_engine_run(eng, dom, descs[i],
							  &len);
				nr_done++;
				bytes += len;
				if (nr_done == ARRAY_SIZE(done) ||
				    bytes >= DMAADD_ENGINE_IRQ_BYTES) {
					dmaadd_engine_irq(eng, done, nr_done);
					nr_done = 0;
					bytes = 0;
					cond_resched();
				}
			}
			if (i < n)
				break;
		}
		/* The ring ran empty, or the engine stops. */
		if (nr_done)
			dmaadd_engine_irq(eng, done, nr_done);
		dma_fence_end_signalling(cookie);
		/* A doorbell since the last pop: the next round takes it. */
		dmaadd_engine_release(eng);
	}
	return 0;
}

/*
 * The bytes the descriptor at @addr writes, as the engine reads it; 0 if
 * it would not run (the engine then reports it as it runs it).
 */
static u64 dmaadd_engine_desc_bytes(struct dmaadd_engine *eng,
				    struct iommu_domain *dom, dma_addr_t addr)
{
	const struct dmaadd_hw_desc *p = dmaadd_engine_obj(eng, dom, addr,
							   sizeof(*p));
	u64 len;

	if (!p || check_mul_overflow(le64_to_cpu(READ_ONCE(p->count)),
				     (u64)DMAADD_ELEM_SIZE, &len))
		return 0;
	return len;
}

/*
 * Run, in the caller's context, the small descriptors at the head of the
 * ring: one "interrupt" worth at most, up to the first descriptor larger
 * than inline_max. The caller owns the engine; what is left is the
 * thread's.
 */
static void dmaadd_engine_run_inline(struct dmaadd_engine *eng, u32 max)
{
	struct dmaadd_engine_done done[DMAADD_ENGINE_IRQ_MAX];
	struct iommu_domain *dom = dmaadd_engine_domain(eng);
	unsigned int nr_done = 0;
	u64 bytes = 0, len;
	bool cookie, left;
	dma_addr_t desc;

	cookie = dma_fence_begin_signalling();
	while (nr_done < ARRAY_SIZE(done) && bytes < DMAADD_ENGINE_IRQ_BYTES) {
		/* Only the owner moves head: peek, run, then consume. */
		spin_lock(&eng->ring_lock);
		left = eng->head != eng->tail && !eng->stopped;
		if (left)
			desc = eng->ring[eng->head % DMAADD_RING_SIZE];
		spin_unlock(&eng->ring_lock);
		if (!left || dmaadd_engine_desc_bytes(eng, dom, desc) > max)
			break;
		len = 0;
		done[nr_done].desc = desc;
		done[nr_done].status = dmaadd_engine_run(eng, dom, desc, &len);
		atomic64_inc(&eng->inline_runs);
		nr_done++;
		bytes += len;
		spin_lock(&eng->ring_lock);
		eng->head++;
		spin_unlock(&eng->ring_lock);
	}
	if (nr_done)
		dmaadd_engine_irq(eng, done, nr_done);
	dma_fence_end_signalling(cookie);

	/* The thread takes what is left; a stop waits for the owner. */
	if (dmaadd_engine_release(eng) || READ_ONCE(eng->stopped))
		wake_up_all(&eng->wq);
}

/**
 * dmaadd_engine_kick() - let the engine start on what was rung
 * @eng: the engine
 *
 * Called after dmaadd_engine_doorbell(), without any lock the completion
 * "interrupt" takes. If the engine is running it finds the new descriptors
 * on its own. If it is idle and the descriptor at the head of the ring is
 * small (inline_max bytes of output or less, 64 KiB by default, see
 * dmaadd_engine_set_inline_max()), the caller runs the small ones itself,
 * up to one "interrupt" worth, and raises that interrupt itself: those
 * jobs have completed when this returns. Otherwise, and for what is
 * left, the engine's thread is woken.
 *
 * This is the emulation's stand-in for a doorbell that costs no wake-up:
 * handing a one-page job to a sleeping thread costs two scheduler
 * wake-ups (the thread's, then the waiter's), each an IPI, far more than
 * the job. The engine is the same either way: one owner at a time runs
 * descriptors in ring order, through device addresses only.
 *
 * Context: process context; may run jobs and signal their fences.
 */
void dmaadd_engine_kick(struct dmaadd_engine *eng)
{
	u32 max = READ_ONCE(eng->inline_max);

	if (max && dmaadd_engine_claim(eng))
		dmaadd_engine_run_inline(eng, max);
	else
		wake_up(&eng->wq);
}

/**
 * dmaadd_engine_set_inline_max() - largest job dmaadd_engine_kick() runs
 * @eng: the engine
 * @bytes: output bytes; 0: every job goes to the engine's thread
 *
 * A debugfs knob; the test suite runs one device each way.
 */
void dmaadd_engine_set_inline_max(struct dmaadd_engine *eng, u32 bytes)
{
	WRITE_ONCE(eng->inline_max, bytes);
}

u32 dmaadd_engine_inline_max(struct dmaadd_engine *eng)
{
	return READ_ONCE(eng->inline_max);
}

/* Descriptors run by dmaadd_engine_kick() so far, for debugfs. */
u64 dmaadd_engine_inline_runs(struct dmaadd_engine *eng)
{
	return atomic64_read(&eng->inline_runs);
}

/**
 * dmaadd_engine_ring_space() - free entries in the doorbell ring
 * @eng: the engine
 *
 * Only dmaadd_engine_doorbell() takes space, so a caller that serialises
 * its doorbells can count on at least this much.
 *
 * Return: the number of descriptors the ring accepts now.
 */
unsigned int dmaadd_engine_ring_space(struct dmaadd_engine *eng)
{
	unsigned int space;

	spin_lock(&eng->ring_lock);
	space = DMAADD_RING_SIZE - (eng->tail - eng->head);
	spin_unlock(&eng->ring_lock);
	return space;
}

/**
 * dmaadd_engine_doorbell() - hand the device descriptor addresses
 * @eng: the engine
 * @descs: device addresses of &struct dmaadd_hw_desc, in the order the
 *	device is to run them
 * @n: how many; the ring must have room for them (see
 *	dmaadd_engine_ring_space())
 *
 * The engine starts on them at dmaadd_engine_kick() at the latest, which
 * the caller calls once it has dropped its locks.
 *
 * Return: 0, or -EBUSY (and nothing rung) when the ring has no room.
 */
int dmaadd_engine_doorbell(struct dmaadd_engine *eng, const dma_addr_t *descs,
			   unsigned int n)
{
	unsigned int i;

	spin_lock(&eng->ring_lock);
	if (DMAADD_RING_SIZE - (eng->tail - eng->head) < n) {
		spin_unlock(&eng->ring_lock);
		return -EBUSY;
	}
	for (i = 0; i < n; i++)
		eng->ring[eng->tail++ % DMAADD_RING_SIZE] = descs[i];
	spin_unlock(&eng->ring_lock);
	return 0;
}

/**
 * dmaadd_engine_inject_fault() - make a later descriptor fault
 * @eng: the engine
 * @nth: 1 for the next descriptor the engine reads, 2 for the one after
 *	it, ...; 0 cancels
 *
 * The descriptor ends with DMAADD_HW_STATUS_FAULT before any data is
 * touched, as if one of its pages did not translate. A test hook, reached
 * through debugfs.
 */
void dmaadd_engine_inject_fault(struct dmaadd_engine *eng, unsigned int nth)
{
	atomic_set(&eng->fault_in, nth);
}

static bool dmaadd_engine_busy(struct dmaadd_engine *eng)
{
	bool busy;

	spin_lock(&eng->ring_lock);
	busy = eng->busy;
	spin_unlock(&eng->ring_lock);
	return busy;
}

bool dmaadd_engine_ring_full(struct dmaadd_engine *eng)
{
	return !dmaadd_engine_ring_space(eng);
}

struct dmaadd_engine *dmaadd_engine_create(struct device *dev,
					   const char *name,
					   dmaadd_engine_irq_t irq,
					   void *irq_data)
{
	struct dmaadd_engine *eng;
	int ret;

	eng = kzalloc(sizeof(*eng), GFP_KERNEL);
	if (!eng)
		return ERR_PTR(-ENOMEM);

	eng->dev = dev;
	eng->tlb_gen = 1;
	eng->inline_max = DMAADD_INLINE_DEFAULT;
	eng->simd = dmaadd_simd_best();
	eng->irq = irq;
	eng->irq_data = irq_data;
	spin_lock_init(&eng->ring_lock);
	init_waitqueue_head(&eng->wq);

	eng->thread = kthread_run(dmaadd_engine_thread, eng, "%s", name);
	if (IS_ERR(eng->thread)) {
		ret = PTR_ERR(eng->thread);
		kfree(eng);
		return ERR_PTR(ret);
	}
	return eng;
}

/**
 * dmaadd_engine_stop() - stop the engine, as a device going away does
 * @eng: the engine
 *
 * The descriptor in progress is finished and reported, whether the thread
 * or a dmaadd_engine_kick() runs it; whatever else was rung is left undone
 * and unreported. The engine touches no memory after this returns.
 */
void dmaadd_engine_stop(struct dmaadd_engine *eng)
{
	spin_lock(&eng->ring_lock);
	eng->stopped = true;
	spin_unlock(&eng->ring_lock);
	if (eng->thread)
		kthread_stop(eng->thread);
	eng->thread = NULL;
	/* A kick's run ends at its next descriptor. */
	wait_event(eng->wq, !dmaadd_engine_busy(eng));
}

void dmaadd_engine_destroy(struct dmaadd_engine *eng)
{
	dmaadd_engine_stop(eng);
	kfree(eng);
}

#ifdef DMAADD_KUNIT
#include "tests/dmaadd_engine_test.c"
#endif
