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
 * queueing delay exceeds it.
 *
 * A path that gets no I/O has no fresh numbers; rather than gamble a user's
 * I/O on it, the head's watchdog (mpx-fail.c) sends it a one-block read of
 * its own every few seconds while the head is busy, and that completion
 * updates the average like any other.  A path never measured is used only
 * if nothing else is usable, until its first probe completes.
 */
#include <linux/jiffies.h>
#include <kunit/visibility.h>
#include "mpx.h"

/* How long a path's latency average is trusted without a new sample. */
#define MPX_ST_PROBE_AFTER	(2 * HZ)

u64 nvme_mpx_st_estimate(struct nvme_ns *ns, unsigned long now)
{
	struct nvme_mpx_path *p = &ns->mpx;
	unsigned int inflight = atomic_read(&p->inflight);
	u64 lat = READ_ONCE(p->lat_ewma);
	u32 qd = READ_ONCE(p->qd_ewma);

	if (!lat)
		return NVME_MPX_COST_MAX;
	/* qd_ewma is in sixteenths and at least one request deep. */
	return div_u64(lat * (inflight + 1) * 16, max(qd, 16U));
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_st_estimate);

/* Idle, usable, and nothing measured on it (or sent to it) for a while. */
bool nvme_mpx_st_wants_probe(struct nvme_ns *ns, unsigned long now)
{
	struct nvme_mpx_path *p = &ns->mpx;

	if (atomic_read(&p->inflight) ||
	    nvme_mpx_tier(ns) == NVME_MPX_TIER_NONE)
		return false;
	if (READ_ONCE(p->lat_ewma) &&
	    time_before(now, READ_ONCE(p->last_done) + MPX_ST_PROBE_AFTER))
		return false;
	return !READ_ONCE(p->last_probe) ||
	       time_after(now, READ_ONCE(p->last_probe) + MPX_ST_PROBE_AFTER);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_st_wants_probe);

static void mpx_st_probe_done(struct bio *bio)
{
	__free_page(bio_first_page_all(bio));
	bio_put(bio);
}

/*
 * Read the first block through @ns as a multipath request, so that its
 * completion feeds the path's latency average.  Should it fail, it fails
 * over through the head like any read.  Called from the watchdog.
 */
static void mpx_st_probe(struct nvme_ns *ns, unsigned long now)
{
	struct page *page;
	struct bio *bio;

	WRITE_ONCE(ns->mpx.last_probe, now ?: 1);
	page = alloc_page(GFP_NOIO);
	if (!page)
		return;
	bio = bio_alloc(ns->disk->part0, 1, REQ_OP_READ | REQ_NVME_MPATH,
			GFP_NOIO);
	__bio_add_page(bio, page, 1U << ns->head->lba_shift, 0);
	bio->bi_iter.bi_sector = 0;
	bio->bi_end_io = mpx_st_probe_done;
	submit_bio(bio);
}

void nvme_mpx_st_probe_paths(struct nvme_ns_head *head, unsigned long now)
{
	struct nvme_ns *ns;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		if (nvme_mpx_st_wants_probe(ns, now))
			mpx_st_probe(ns, now);
	srcu_read_unlock(&head->srcu, idx);
}

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
