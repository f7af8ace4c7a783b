/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe native multipath tracepoints: the events an admin reconstructs a
 * failover from.  None of them fires per I/O on a healthy head.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM nvme_mpx

#if !defined(_TRACE_NVME_MPX_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_NVME_MPX_H

#include <linux/tracepoint.h>

/* The active path of an active-standby head changed. */
TRACE_EVENT(nvme_mpx_switch,
	TP_PROTO(const char *disk, const char *from, const char *to),
	TP_ARGS(disk, from, to),
	TP_STRUCT__entry(
		__string(disk, disk)
		__string(from, from)
		__string(to, to)
	),
	TP_fast_assign(
		__assign_str(disk);
		__assign_str(from);
		__assign_str(to);
	),
	TP_printk("%s: active path %s -> %s", __get_str(disk),
		  __get_str(from), __get_str(to))
);

/* A request's bios left a path after a path error. */
TRACE_EVENT(nvme_mpx_failover,
	TP_PROTO(const char *path, u16 status, sector_t sector),
	TP_ARGS(path, status, sector),
	TP_STRUCT__entry(
		__string(path, path)
		__field(u16, status)
		__field(sector_t, sector)
	),
	TP_fast_assign(
		__assign_str(path);
		__entry->status = status;
		__entry->sector = sector;
	),
	TP_printk("%s: status 0x%x sector %llu", __get_str(path),
		  __entry->status, (unsigned long long)__entry->sector)
);

/* A path was held out (@held) or let back in (!@held), and why. */
TRACE_EVENT(nvme_mpx_failback,
	TP_PROTO(const char *path, bool held, unsigned int secs,
		 const char *why),
	TP_ARGS(path, held, secs, why),
	TP_STRUCT__entry(
		__string(path, path)
		__field(bool, held)
		__field(unsigned int, secs)
		__string(why, why)
	),
	TP_fast_assign(
		__assign_str(path);
		__entry->held = held;
		__entry->secs = secs;
		__assign_str(why);
	),
	TP_printk("%s: %s (%s) secs=%u", __get_str(path),
		  __entry->held ? "held" : "released", __get_str(why),
		  __entry->secs)
);

/* A busy path completed nothing for too long and was taken out. */
TRACE_EVENT(nvme_mpx_stall,
	TP_PROTO(const char *path, int inflight, unsigned int age_ms,
		 unsigned int limit_ms),
	TP_ARGS(path, inflight, age_ms, limit_ms),
	TP_STRUCT__entry(
		__string(path, path)
		__field(int, inflight)
		__field(unsigned int, age_ms)
		__field(unsigned int, limit_ms)
	),
	TP_fast_assign(
		__assign_str(path);
		__entry->inflight = inflight;
		__entry->age_ms = age_ms;
		__entry->limit_ms = limit_ms;
	),
	TP_printk("%s: %d in flight, none completed for %u ms (limit %u ms)",
		  __get_str(path), __entry->inflight, __entry->age_ms,
		  __entry->limit_ms)
);

/* A bio found no usable path and was parked (@failed: failed instead). */
TRACE_EVENT(nvme_mpx_requeue,
	TP_PROTO(const char *disk, sector_t sector, bool failed),
	TP_ARGS(disk, sector, failed),
	TP_STRUCT__entry(
		__string(disk, disk)
		__field(sector_t, sector)
		__field(bool, failed)
	),
	TP_fast_assign(
		__assign_str(disk);
		__entry->sector = sector;
		__entry->failed = failed;
	),
	TP_printk("%s: sector %llu %s", __get_str(disk),
		  (unsigned long long)__entry->sector,
		  __entry->failed ? "failed, no path left" : "requeued")
);

#endif /* _TRACE_NVME_MPX_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mpx-trace
#include <trace/define_trace.h>
