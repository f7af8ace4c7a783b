// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe multipath "service-time" selector: send each I/O to the path where
 * it is expected to complete first, within the best ANA tier.
 *
 * Each path keeps a moving average of its completion latency and of the
 * number of requests that were in flight when those completions happened
 * (mpx-core.c).  A new request is expected to take the average latency
 * scaled by how much deeper the path's queue is now than it was then:
 *
 *	estimate = lat_ewma * (inflight + 1) / qd_ewma
 *
 * On symmetric paths this balances the queues like queue-depth does.  On a
 * path that is slow because of distance, not load, the latency stays high
 * however short its queue is, so it only gets I/O once the fast path's own
 * queueing delay exceeds it.  A path without a recent measurement gets a
 * single probe request, so that a path which became fast again is noticed.
 */
#include <linux/jiffies.h>
#include <kunit/visibility.h>
#include "mpx.h"

/* How long a path's latency average is trusted without a new sample. */
#define MPX_ST_PROBE_AFTER	(5 * HZ)

u64 nvme_mpx_st_estimate(struct nvme_ns *ns, unsigned long now)
{
	struct nvme_mpx_path *p = &ns->mpx;
	unsigned int inflight = atomic_read(&p->inflight);
	u64 lat = READ_ONCE(p->lat_ewma);
	u32 qd = READ_ONCE(p->qd_ewma);

	if (!lat || time_after(now, READ_ONCE(p->last_done) +
					MPX_ST_PROBE_AFTER))
		return inflight ? NVME_MPX_COST_MAX : 0;
	/* qd_ewma is in sixteenths and at least one request deep. */
	return div_u64(lat * (inflight + 1) * 16, max(qd, 16U));
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_st_estimate);

static u64 mpx_st_key(struct nvme_ns *ns, enum nvme_mpx_tier tier, void *now)
{
	return nvme_mpx_key(tier, nvme_mpx_st_estimate(ns, *(unsigned long *)now));
}

struct nvme_ns *nvme_mpx_st_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node)
{
	unsigned long now = jiffies;

	return nvme_mpx_cheapest(head, mpx_st_key, &now);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_st_select);

/* The per-path numbers are kept by the core for every policy. */
const struct nvme_mpx_selector nvme_mpx_st = {
	.name		= "service-time",
	.select		= nvme_mpx_st_select,
};
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_st);
