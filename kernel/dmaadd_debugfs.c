// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaadd debugfs, one directory per device:
 *
 *  stats         jobs completed, faulted and rejected, bytes processed,
 *                average submit-to-completion latency, jobs in flight,
 *                buffer objects and file states alive (whoever holds
 *                them: handles, mappings, dma-bufs, jobs)
 *  clients       per open file: its process, job counters and buffers
 *                (handle, kind, length, CPU pages, DMA segments, refs)
 *  inject_fault  write n: the n-th descriptor the engine reads from now
 *                on faults (a test hook; 0 cancels)
 *  inline_max    largest job (output bytes) the engine runs in the
 *                submitter's context when idle, 65536 by default; 0: every
 *                job goes to the engine's thread (see dmaadd_engine_kick())
 *
 * debugfs is root's alone, and none of these files shows an address.
 *
 * Copyright (C) 2026 The dmaadd authors
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/xarray.h>

#include <linux/dmaadd.h>

#include "dmaadd_buf.h"
#include "dmaadd_debugfs.h"
#include "dmaadd_device.h"
#include "dmaadd_engine.h"
#include "dmaadd_file.h"

static struct dentry *dmaadd_debugfs_root;

static int dmaadd_stats_show(struct seq_file *m, void *unused)
{
	struct dmaadd_device *ddev = m->private;
	u64 done = atomic64_read(&ddev->stats.jobs);
	u64 lat = atomic64_read(&ddev->stats.latency_ns);

	seq_printf(m, "jobs_completed %llu\n", done);
	seq_printf(m, "jobs_faulted %llu\n",
		   (u64)atomic64_read(&ddev->stats.faults));
	seq_printf(m, "jobs_invalid %llu\n",
		   (u64)atomic64_read(&ddev->stats.invalid));
	seq_printf(m, "bytes %llu\n", (u64)atomic64_read(&ddev->stats.bytes));
	seq_printf(m, "avg_latency_ns %llu\n", done ? div64_u64(lat, done) : 0);
	seq_printf(m, "jobs_on_device %d\n", atomic_read(&ddev->active));
	seq_printf(m, "buffers_alive %d\n", atomic_read(&ddev->stats.bufs));
	seq_printf(m, "files_alive %d\n", atomic_read(&ddev->stats.files));
	seq_printf(m, "jobs_inline %llu\n",
		   dmaadd_engine_inline_runs(ddev->engine));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmaadd_stats);

static const char *dmaadd_kind_name(u32 kind)
{
	switch (kind) {
	case DMAADD_BUF_KIND_ALLOC:
		return "alloc";
	case DMAADD_BUF_KIND_IMPORT:
		return "import";
	case DMAADD_BUF_KIND_USERPTR:
		return "userptr";
	}
	return "?";
}

static void dmaadd_client_show(struct seq_file *m, struct dmaadd_file *df)
{
	u64 next = READ_ONCE(df->next_id);
	u64 done = READ_ONCE(df->completed_id);
	unsigned long handle;
	void *entry;

	seq_printf(m, "client pid %d comm %s\n", df->pid, df->comm);
	seq_printf(m, "  jobs submitted %llu completed %llu in_flight %llu\n",
		   next - 1, done, next - 1 - done);
	seq_puts(m, "  handle kind    length       pages    segments refs mode\n");

	xa_lock(&df->bufs);
	xa_for_each(&df->bufs, handle, entry) {
		struct dmaadd_buf *buf = xa_untag_pointer(entry);
		bool ro = buf->read_only ||
			  xa_pointer_tag(entry) & DMAADD_HANDLE_READ_ONLY;

		seq_printf(m, "  %-6lu %-7s %-12llu %-8zu %-8u %-4u %s\n",
			   handle, dmaadd_kind_name(buf->kind), buf->size,
			   buf->alloc_size >> PAGE_SHIFT, buf->nsegs,
			   kref_read(&buf->ref), ro ? "ro" : "rw");
	}
	xa_unlock(&df->bufs);
}

static int dmaadd_clients_show(struct seq_file *m, void *unused)
{
	struct dmaadd_device *ddev = m->private;
	struct dmaadd_file *df;

	mutex_lock(&ddev->files_lock);
	list_for_each_entry(df, &ddev->files, dev_node)
		dmaadd_client_show(m, df);
	mutex_unlock(&ddev->files_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmaadd_clients);

static int dmaadd_inject_fault_set(void *data, u64 val)
{
	struct dmaadd_device *ddev = data;

	if (val > INT_MAX)
		return -EINVAL;
	dmaadd_engine_inject_fault(ddev->engine, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(dmaadd_inject_fault_fops, NULL,
			 dmaadd_inject_fault_set, "%llu\n");

static int dmaadd_inline_max_get(void *data, u64 *val)
{
	struct dmaadd_device *ddev = data;

	*val = dmaadd_engine_inline_max(ddev->engine);
	return 0;
}

static int dmaadd_inline_max_set(void *data, u64 val)
{
	struct dmaadd_device *ddev = data;

	if (val > SZ_1M)
		return -EINVAL;
	dmaadd_engine_set_inline_max(ddev->engine, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(dmaadd_inline_max_fops, dmaadd_inline_max_get,
			 dmaadd_inline_max_set, "%llu\n");

void dmaadd_debugfs_add_device(struct dmaadd_device *ddev)
{
	struct dentry *dir;

	if (IS_ERR_OR_NULL(dmaadd_debugfs_root))
		return;
	dir = debugfs_create_dir(ddev->name, dmaadd_debugfs_root);
	debugfs_create_file("stats", 0400, dir, ddev, &dmaadd_stats_fops);
	debugfs_create_file("clients", 0400, dir, ddev, &dmaadd_clients_fops);
	debugfs_create_file_unsafe("inject_fault", 0200, dir, ddev,
				   &dmaadd_inject_fault_fops);
	debugfs_create_file_unsafe("inline_max", 0600, dir, ddev,
				   &dmaadd_inline_max_fops);
	ddev->debugfs = dir;
}

void dmaadd_debugfs_remove_device(struct dmaadd_device *ddev)
{
	debugfs_remove_recursive(ddev->debugfs);
	ddev->debugfs = NULL;
}

void dmaadd_debugfs_init(void)
{
	dmaadd_debugfs_root = debugfs_create_dir("dmaadd", NULL);
}

void dmaadd_debugfs_exit(void)
{
	debugfs_remove_recursive(dmaadd_debugfs_root);
}
