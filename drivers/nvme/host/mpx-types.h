/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe native multipath (mpx): per-path and per-head state embedded in
 * struct nvme_ns and struct nvme_ns_head.  Kept out of nvme.h so that the
 * hook patch to nvme.h stays one line per structure while the layer grows.
 */
#ifndef _NVME_MPX_TYPES_H
#define _NVME_MPX_TYPES_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/* nvme_mpx_path.flags */
enum {
	NVME_MPX_P_FAILED,	/* failed by the admin: carries no new I/O */
	NVME_MPX_P_HELD,	/* back, but held out by the failback policy */
	NVME_MPX_P_PINNED,	/* the head's preferred path */
	NVME_MPX_P_KNOWN,	/* has had its first ANA state */
};

/**
 * struct nvme_mpx_path - multipath state of one path (namespace)
 * @flags: NVME_MPX_P_* bits
 * @held_until: jiffies at which a hold ends; 0 while held indefinitely
 * @priority: active-standby rank, higher is preferred (0-255)
 * @weight: share of I/O under the weighted selector (1-1000)
 * @inflight: requests started on this path and not completed yet
 * @lat_ewma: completion latency in ns, moving average of successful I/O
 * @qd_ewma: in-flight count seen at completion, moving average, x16
 * @last_done: jiffies of the last successful completion
 * @pass: weighted selector's virtual time (stride scheduling)
 * @ios: completed requests, including failed ones
 * @bytes: bytes completed successfully
 * @errors: requests completed with an error status on this path
 * @failovers: requests moved to another path after a path error
 * @retries: requests retried on this path by nvme-core
 *
 * The counters are updated on every I/O with relaxed atomics; they live on
 * their own cache line so that submitters reading the knobs above do not
 * bounce it.
 */
struct nvme_mpx_path {
	unsigned long		flags;
	unsigned long		held_until;
	u8			priority;
	u16			weight;

	atomic_t		inflight ____cacheline_aligned_in_smp;
	u64			lat_ewma;
	u32			qd_ewma;
	unsigned long		last_done;
	atomic64_t		pass;
	atomic_long_t		ios;
	atomic_long_t		bytes;
	atomic_long_t		errors;
	atomic_long_t		failovers;
	atomic_long_t		retries;
};

/* nvme_mpx_head.failback, besides a number of seconds */
#define NVME_MPX_FB_IMMEDIATE	0U
#define NVME_MPX_FB_MANUAL	(~0U)
#define NVME_MPX_FB_FOLLOWOVER	(~0U - 1)
#define NVME_MPX_FB_MAX_SECS	86400U

/**
 * struct nvme_mpx_head - multipath state of one namespace head
 * @failback: NVME_MPX_FB_* or seconds of stable health before failback
 * @failback_work: ends timed holds (see mpx-health.c)
 * @failovers: requests failed over away from one of the head's paths
 * @requeued: bios parked because no path was usable
 * @failed_no_path: bios failed because no path was left
 */
struct nvme_mpx_head {
	unsigned int		failback;
	struct delayed_work	failback_work;
	atomic_long_t		failovers;
	atomic_long_t		requeued;
	atomic_long_t		failed_no_path;
};

#endif /* _NVME_MPX_TYPES_H */
