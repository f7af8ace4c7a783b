// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe multipath "round-robin" selector: rotate over the optimized paths,
 * or over the non-optimized ones when no path is optimized.
 *
 * Each NUMA node keeps its own position in the rotation (the path it used
 * last), so submitters on different nodes do not bounce one shared cursor
 * between their caches.
 */
#include <linux/slab.h>
#include <kunit/visibility.h>
#include "mpx.h"

/*
 * True if @ns ends the search (an optimized path); otherwise remember it if
 * it is the best fallback so far (lower tier, or first seen in ring order).
 */
static bool mpx_rr_consider(struct nvme_ns *ns, struct nvme_ns **fallback,
			    enum nvme_mpx_tier *fb_tier)
{
	enum nvme_mpx_tier tier = nvme_mpx_tier(ns);

	if (tier == NVME_MPX_TIER_OPT)
		return true;
	if (tier < *fb_tier) {
		*fallback = ns;
		*fb_tier = tier;
	}
	return false;
}

struct nvme_ns *nvme_mpx_rr_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node)
{
	struct nvme_ns *old = nvme_mpx_cache_get(pol->priv, node, head);
	enum nvme_mpx_tier fb_tier = NVME_MPX_TIER_NONE;
	struct nvme_ns *ns, *fallback = NULL;

	/*
	 * Walk the ring once, @old last: the paths after @old, then the list
	 * from its start up to and including @old.  Two bounded walks rather
	 * than one circular one, so a stale @old that already left the list
	 * cannot make us spin.  With no other optimized path @old is reused;
	 * without any, the rotation goes on in the best tier left.
	 */
	if (old) {
		ns = old;
		list_for_each_entry_continue_rcu(ns, &head->list, siblings)
			if (mpx_rr_consider(ns, &fallback, &fb_tier))
				goto found;
	}
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (mpx_rr_consider(ns, &fallback, &fb_tier))
			goto found;
		if (ns == old)
			break;
	}
	ns = fallback;
	if (!ns)
		return NULL;
found:
	if (ns != old)
		nvme_mpx_cache_set(pol->priv, node, ns);
	return ns;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_rr_select);

static int mpx_rr_init(struct nvme_mpx_policy *pol)
{
	pol->priv = nvme_mpx_cache_alloc(pol->nr_nodes);
	return pol->priv ? 0 : -ENOMEM;
}

static void mpx_rr_exit(struct nvme_mpx_policy *pol)
{
	kfree(pol->priv);
}

/*
 * A failed path keeps its place in the rotation, so the next I/O goes to
 * the path after it.  Restarting at the head of the list would send each
 * retry back to the first path, which may be the failed one if it still
 * looks usable (a live controller failing requests).  select() skips the
 * cursor itself unless nothing better is left.  A path that is not READY is
 * being removed or revalidated, and its cursor is dropped, so that no
 * cursor outlives the path's place in head->list.
 */
static bool mpx_rr_path_failed(struct nvme_mpx_policy *pol, struct nvme_ns *ns)
{
	if (test_bit(NVME_NS_READY, &ns->flags))
		return false;
	return nvme_mpx_cache_drop(pol->priv, ns);
}

static void mpx_rr_path_removed(struct nvme_mpx_policy *pol,
				struct nvme_ns *ns)
{
	nvme_mpx_cache_drop(pol->priv, ns);
}

const struct nvme_mpx_selector nvme_mpx_rr = {
	.name		= "round-robin",
	.init		= mpx_rr_init,
	.exit		= mpx_rr_exit,
	.select		= nvme_mpx_rr_select,
	.path_removed	= mpx_rr_path_removed,
	.path_failed	= mpx_rr_path_failed,
};
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_rr);
