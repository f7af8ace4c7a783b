/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe native multipath (mpx): per-path and per-head state embedded in
 * struct nvme_ns and struct nvme_ns_head.  Kept out of nvme.h so that the
 * hook patch to nvme.h stays one line per structure while the layer grows.
 */
#ifndef _NVME_MPX_TYPES_H
#define _NVME_MPX_TYPES_H

#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/cache.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/* nvme_mpx_path.flags */
enum {
	NVME_MPX_P_FAILED,	/* failed by the admin: carries no new I/O */
	NVME_MPX_P_HELD,	/* back, but held out by the failback policy */
	NVME_MPX_P_PINNED,	/* the head's preferred path */
	NVME_MPX_P_KNOWN,	/* has had its first ANA state */
	NVME_MPX_P_STALLED,	/* I/O in flight, none completing: out */
	NVME_MPX_P_QUARANTINED,	/* held because it kept failing */
	NVME_MPX_P_EV_DOWN,	/* seen down since the last event report */
};

/**
 * struct nvme_mpx_path - multipath state of one path (namespace)
 * @flags: NVME_MPX_P_* bits
 * @held_until: jiffies at which a hold ends; 0 while held indefinitely
 * @priority: active-standby rank, higher is preferred (0-255)
 * @weight: share of I/O under the weighted selector (1-1000)
 * @ev_state: what the last uevent said about the path (mpx-event.c)
 * @ev_why: why it was last reported down
 * @ev_why_seen: why it was down when NVME_MPX_P_EV_DOWN was set
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
 * @busy_since: jiffies at which @inflight last went from 0 to 1
 * @stalls: times the path was found stalled
 * @quarantines: times the path was quarantined for flapping
 * @flap_start: jiffies of the first failure in the current flap window
 * @flap_count: failures since @flap_start
 * @hpe_start: jiffies when the current host path error window began
 * @hpe_count: host path errors from a live controller in that window
 * @last_probe: jiffies of the last latency probe sent down this path
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
	u8			ev_state;
	u8			ev_why;
	u8			ev_why_seen;

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
	unsigned long		busy_since;
	atomic_long_t		stalls;
	atomic_long_t		quarantines;
	unsigned long		flap_start;
	unsigned int		flap_count;
	unsigned long		hpe_start;
	atomic_t		hpe_count;
	unsigned long		last_probe;
};

/* nvme_mpx_head.failback, besides a number of seconds */
#define NVME_MPX_FB_IMMEDIATE	0U
#define NVME_MPX_FB_MANUAL	(~0U)
#define NVME_MPX_FB_FOLLOWOVER	(~0U - 1)
#define NVME_MPX_FB_MAX_SECS	86400U

/* nvme_mpx_head.queue_if_no_path, besides a number of seconds */
#define NVME_MPX_QNP_AUTO	(-2)	/* while a controller may come back */
#define NVME_MPX_QNP_FOREVER	(-1)
#define NVME_MPX_QNP_MAX_SECS	86400

/* nvme_mpx_head.write_quiesce_ms: the controller's keep-alive timeout */
#define NVME_MPX_WQ_AUTO	(-1)
#define NVME_MPX_WQ_MAX_MS	600000

/* nvme_mpx_head.mux_on: what makes a bio look at the multiplexer */
#define NVME_MPX_MUX_RANGES	BIT(0)	/* mux_ranges is set */
#define NVME_MPX_MUX_HEDGE	BIT(1)	/* hedge_us is not off */
#define NVME_MPX_MUX_RT		BIT(2)	/* real-time class I/O goes everywhere */

/* nvme_mpx_head.hedge_us, besides a number of microseconds */
#define NVME_MPX_HEDGE_OFF	0
#define NVME_MPX_HEDGE_AUTO	(-1)
#define NVME_MPX_HEDGE_MAX_US	10000000

struct nvme_mpx_ranges;
struct nvme_mpx_page_cache;

/* nvme_mpx_head.flags */
enum {
	NVME_MPX_H_WATCHING,	/* the stall watchdog is armed */
	NVME_MPX_H_NOPATH_EXPIRED, /* queue_if_no_path ran out: fail I/O */
	NVME_MPX_H_QUEUEING,	/* bios are parked for want of a path */
};

/**
 * struct nvme_mpx_head - multipath state of one namespace head
 * @failback: NVME_MPX_FB_* or seconds of stable health before failback
 * @failback_work: ends timed holds (see mpx-health.c)
 * @failovers: requests failed over away from one of the head's paths
 * @requeued: bios parked because no path was usable
 * @failed_no_path: bios failed because no path was left
 * @flags: NVME_MPX_H_* bits
 * @stall_mult: a path stalls after this many times its average latency...
 * @stall_min_ms: ...but never sooner than this...
 * @stall_max_ms: ...and always after this; 0 turns detection off
 * @stall_work: the stall watchdog, armed while I/O is in flight
 * @flap_limit: failures within @flap_window_secs that quarantine a path;
 *	0 turns quarantine off
 * @flap_window_secs: see @flap_limit
 * @flap_hold_secs: how long a quarantined path is held out
 * @queue_if_no_path: NVME_MPX_QNP_* or seconds to queue without a path
 * @nopath_since: jiffies at which I/O first found no path; 0 if it did not
 * @nopath_work: fails parked I/O when @queue_if_no_path runs out
 * @write_quiesce_ms: how long writes cut off on a path wait before they
 *	are sent down another (NVME_MPX_WQ_AUTO: the keep-alive timeout)
 * @quiesce_list: such writes, in order
 * @quiesce_until: jiffies at which @quiesce_list may go
 * @quiesce_work: releases @quiesce_list
 * @quiesced: writes that waited on @quiesce_list
 * @mux_on: NVME_MPX_MUX_* bits; the only thing the I/O path tests
 * @mux_ranges: LBA ranges whose I/O goes down every path (mpx-mux.c)
 * @hedge_us: NVME_MPX_HEDGE_* or the hedging delay in microseconds
 * @mux_bs: clones of multiplexed and hedged bios, set up on first use
 * @mux_bs_ready: @mux_bs is initialised
 * @page_cache: clones' private pages, recycled per CPU (with @mux_bs)
 * @hedge_pending: hedged reads still holding the head (waiting, due or
 *	being hedged); the head waits for them before it goes away
 * @hedge_lock: protects @hedge_list and @hedge_due
 * @hedge_list: hedged reads waiting for their deadline, oldest first
 * @hedge_due: hedged reads past it, for @hedge_work
 * @hedge_timer: fires at the earliest deadline on @hedge_list
 * @hedge_work: sends the hedges of @hedge_due
 * @muxed: bios sent down every usable path
 * @mux_degraded: multiplexed bios on which at least one path failed
 * @hedged: hedging reads sent to a second path
 * @hedge_won: hedging reads that completed first
 * @failover_max: failovers one bio may make before it fails; 0: no limit
 * @failover_interval_ms: least time between two moves of the active path
 * @fo_exhausted: bios failed because they used up @failover_max
 * @ev_lock: serialises sending uevents (mpx-event.c)
 * @ev_work: finds and sends them
 * @ev_active: the active path's name as last reported
 * @ev_queueing: whether I/O was last reported waiting for a path
 */
struct nvme_mpx_head {
	unsigned int		failback;
	struct delayed_work	failback_work;
	atomic_long_t		failovers;
	atomic_long_t		requeued;
	atomic_long_t		failed_no_path;

	unsigned long		flags;
	unsigned int		stall_mult;
	unsigned int		stall_min_ms;
	unsigned int		stall_max_ms;
	struct delayed_work	stall_work;
	unsigned int		flap_limit;
	unsigned int		flap_window_secs;
	unsigned int		flap_hold_secs;
	int			queue_if_no_path;
	unsigned long		nopath_since;
	struct delayed_work	nopath_work;
	int			write_quiesce_ms;
	struct bio_list		quiesce_list;
	unsigned long		quiesce_until;
	struct delayed_work	quiesce_work;
	atomic_long_t		quiesced;

	unsigned long		mux_on;
	struct nvme_mpx_ranges __rcu *mux_ranges;
	int			hedge_us;
	struct bio_set		mux_bs;
	bool			mux_bs_ready;
	struct nvme_mpx_page_cache __percpu *page_cache;
	atomic_t		hedge_pending;
	spinlock_t		hedge_lock;	/* see @hedge_lock above */
	struct list_head	hedge_list;
	struct list_head	hedge_due;
	struct hrtimer		hedge_timer;
	struct work_struct	hedge_work;
	atomic_long_t		muxed;
	atomic_long_t		mux_degraded;
	atomic_long_t		hedged;
	atomic_long_t		hedge_won;

	unsigned int		failover_max;
	unsigned int		failover_interval_ms;
	atomic_long_t		fo_exhausted;

	struct mutex		ev_lock;	/* see @ev_lock above */
	struct work_struct	ev_work;
	char			ev_active[DISK_NAME_LEN];
	bool			ev_queueing;
};

#endif /* _NVME_MPX_TYPES_H */
