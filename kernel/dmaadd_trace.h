/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmaadd tracepoints: a job's way from SUBMIT through the device to its
 * completion, for perf trace, trace-cmd and the tracefs events/dmaadd/.
 *
 * A job is named as its fence is: the fence context (one per open file)
 * and the job id (the fence's seqno), so these events line up with the
 * dma_fence events of the same job. No address of any kind is recorded.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dmaadd

#if !defined(__DMAADD_TRACE_H__) || defined(TRACE_HEADER_MULTI_READ)
#define __DMAADD_TRACE_H__

#include <linux/tracepoint.h>

#include "dmaadd_device.h"
#include "dmaadd_file.h"
#include "dmaadd_job.h"

#define DMAADD_TRACE_ELEM_SIZE	4

#define dmaadd_trace_status(status)					\
	__print_symbolic(status, { DMAADD_JOB_OK, "ok" },		\
			 { DMAADD_JOB_FAULT, "fault" },			\
			 { DMAADD_JOB_INVALID, "invalid" })

DECLARE_EVENT_CLASS(dmaadd_job,
		    TP_PROTO(const struct dmaadd_job *job),
		    TP_ARGS(job),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u64, ctx)
				     __field(u64, id)
				     __field(u64, count)),
		    TP_fast_assign(__entry->dev = job->file->ddev->index;
				   __entry->ctx = job->file->fence_context;
				   __entry->id = job->id;
				   __entry->count = job->len / DMAADD_TRACE_ELEM_SIZE;),
		    TP_printk("dev=%u ctx=%llu id=%llu count=%llu",
			      __entry->dev, __entry->ctx, __entry->id,
			      __entry->count)
);

/* Queued by SUBMIT, SUBMIT_BATCH or SUBMIT_COPY; @held: waits for fences. */
TRACE_EVENT(dmaadd_job_submit,
	    TP_PROTO(const struct dmaadd_job *job, bool held),
	    TP_ARGS(job, held),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, ctx)
			     __field(u64, id)
			     __field(u64, count)
			     __field(bool, held)),
	    TP_fast_assign(__entry->dev = job->file->ddev->index;
			   __entry->ctx = job->file->fence_context;
			   __entry->id = job->id;
			   __entry->count = job->len / DMAADD_TRACE_ELEM_SIZE;
			   __entry->held = held;),
	    TP_printk("dev=%u ctx=%llu id=%llu count=%llu held=%d",
		      __entry->dev, __entry->ctx, __entry->id, __entry->count,
		      __entry->held)
);

/* Rung into the device: its descriptor address is in the doorbell ring. */
DEFINE_EVENT(dmaadd_job, dmaadd_job_start,
	     TP_PROTO(const struct dmaadd_job *job),
	     TP_ARGS(job)
);

DECLARE_EVENT_CLASS(dmaadd_job_end,
		    TP_PROTO(const struct dmaadd_job *job, u32 status,
			     u64 latency_ns),
		    TP_ARGS(job, status, latency_ns),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u64, ctx)
				     __field(u64, id)
				     __field(u64, count)
				     __field(u32, status)
				     __field(u64, latency_ns)),
		    TP_fast_assign(__entry->dev = job->file->ddev->index;
				   __entry->ctx = job->file->fence_context;
				   __entry->id = job->id;
				   __entry->count = job->len / DMAADD_TRACE_ELEM_SIZE;
				   __entry->status = status;
				   __entry->latency_ns = latency_ns;),
		    TP_printk("dev=%u ctx=%llu id=%llu count=%llu status=%s latency_ns=%llu",
			      __entry->dev, __entry->ctx, __entry->id,
			      __entry->count,
			      dmaadd_trace_status(__entry->status),
			      __entry->latency_ns)
);

/* The device reported the job done, whatever the status; latency from SUBMIT. */
DEFINE_EVENT(dmaadd_job_end, dmaadd_job_complete,
	     TP_PROTO(const struct dmaadd_job *job, u32 status, u64 latency_ns),
	     TP_ARGS(job, status, latency_ns)
);

/* Also, before dmaadd_job_complete, for a job that did not run. */
DEFINE_EVENT(dmaadd_job_end, dmaadd_job_fault,
	     TP_PROTO(const struct dmaadd_job *job, u32 status, u64 latency_ns),
	     TP_ARGS(job, status, latency_ns)
);

#endif /* __DMAADD_TRACE_H__ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE dmaadd_trace
#include <trace/define_trace.h>
