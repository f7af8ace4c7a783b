// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe multipath "active-standby" selector: all I/O goes down one path, the
 * best usable one; the others are standbys in order of preference.
 *
 * Preference: the head's pinned path (mpx_preferred) while it is usable at
 * all, then ANA tier (optimized, non-optimized, held by failback), then the
 * path's mpx_priority (higher first), then the order the paths were found
 * in.  When the active path fails, the next in that order takes over on
 * the next I/O.  Whether I/O moves back when a better path returns is the
 * failback policy's business (mpx-health.c), not the selector's.
 *
 * The head's failover interval keeps the active path for that long after
 * each move while it is still usable (not held), against every better
 * path: two hosts or a flapping fabric cannot make it ping-pong.  A path
 * that cannot carry I/O is always left at once.
 */
#include <linux/slab.h>
#include <kunit/visibility.h>
#include "mpx.h"
#include "mpx-trace.h"

struct mpx_as {
	/* Last path handed out; only to report switches and for sysfs. */
	struct nvme_ns *active;
	/* jiffies of the last move of @active */
	unsigned long moved;
};

/*
 * @arg: the active path while the failover interval holds it (it wins
 * outright), else NULL.  Then the pinned path, then tier and priority.
 */
static u64 mpx_as_key(struct nvme_ns *ns, enum nvme_mpx_tier tier, void *arg)
{
	if (tier >= NVME_MPX_TIER_HELD)
		return nvme_mpx_key(tier, 257 - READ_ONCE(ns->mpx.priority));
	if (ns == arg)
		return 0;
	if (test_bit(NVME_MPX_P_PINNED, &ns->mpx.flags))
		return 1;
	return nvme_mpx_key(tier, 257 - READ_ONCE(ns->mpx.priority));
}

/* The path the failover interval holds on to, if any. */
static struct nvme_ns *mpx_as_hold(struct mpx_as *as,
				   struct nvme_ns_head *head,
				   struct nvme_ns *old)
{
	unsigned int ms = READ_ONCE(head->mpx.failover_interval_ms);

	if (likely(!ms) || !old)
		return NULL;
	if (time_after_eq(jiffies, READ_ONCE(as->moved) + msecs_to_jiffies(ms)))
		return NULL;
	return old;
}

struct nvme_ns *nvme_mpx_as_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node)
{
	struct mpx_as *as = pol->priv;
	struct nvme_ns *old = READ_ONCE(as->active);
	struct nvme_ns *best = nvme_mpx_cheapest(head, mpx_as_key,
						 mpx_as_hold(as, head, old));

	/* Rare: report each change of the active path exactly once. */
	if (unlikely(best != old) && best && cmpxchg(&as->active, old, best) == old) {
		const char *hn = head->disk ? head->disk->disk_name : "?";

		WRITE_ONCE(as->moved, jiffies);
		nvme_mpx_event_kick(head);

		trace_nvme_mpx_switch(hn, nvme_mpx_path_name(old),
				      nvme_mpx_path_name(best));
		pr_info_ratelimited("nvme-mpx: %s: active path %s -> %s\n", hn,
				    nvme_mpx_path_name(old),
				    nvme_mpx_path_name(best));
	}
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_as_select);

/* The path last handed out, if it is still one of the head's paths. */
struct nvme_ns *nvme_mpx_as_active(struct nvme_mpx_policy *pol)
{
	struct mpx_as *as = pol->priv;

	return pol->sel == &nvme_mpx_as ? READ_ONCE(as->active) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_as_active);

static int mpx_as_init(struct nvme_mpx_policy *pol)
{
	struct mpx_as *as;

	pol->priv = kzalloc(sizeof(*as), GFP_KERNEL);
	return pol->priv ? 0 : -ENOMEM;
}

static void mpx_as_exit(struct nvme_mpx_policy *pol)
{
	kfree(pol->priv);
}

/*
 * A path on its way out is not READY (nvme_ns_remove clears that first): it
 * stops being the active one now, while it is still on head->list, and the
 * true return makes core.c wait out the readers that may still hold it
 * (select prints its name), before the path can be freed.  A failed path
 * that is still READY stays active until select picks another.
 */
static bool mpx_as_path_failed(struct nvme_mpx_policy *pol, struct nvme_ns *ns)
{
	struct mpx_as *as = pol->priv;

	if (test_bit(NVME_NS_READY, &ns->flags))
		return false;
	return cmpxchg(&as->active, ns, NULL) == ns;
}

static void mpx_as_path_removed(struct nvme_mpx_policy *pol,
				struct nvme_ns *ns)
{
	struct mpx_as *as = pol->priv;

	cmpxchg(&as->active, ns, NULL);
}

const struct nvme_mpx_selector nvme_mpx_as = {
	.name		= "active-standby",
	.init		= mpx_as_init,
	.exit		= mpx_as_exit,
	.select		= nvme_mpx_as_select,
	.path_removed	= mpx_as_path_removed,
	.path_failed	= mpx_as_path_failed,
};
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_as);
