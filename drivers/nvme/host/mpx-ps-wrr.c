// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe multipath "weighted" selector: split I/O over the paths of the best
 * ANA tier in proportion to their mpx_weight.
 *
 * Stride scheduling: every path has a virtual time (pass) that advances by
 * STRIDE / weight each time it is chosen, and the path whose next turn
 * would end first (smallest pass + stride) goes next.  This interleaves the
 * paths smoothly (weights 3:1 give A A A B A A A B, weights 6:3:1 never
 * give one path three turns in a row) and needs no lock: two CPUs that
 * choose the same path at once both advance its pass, so the split stays
 * exact over time and only the interleaving gets a little coarser.
 */
#include <kunit/visibility.h>
#include "mpx.h"

#define MPX_WRR_STRIDE		BIT(20)

static unsigned int mpx_wrr_stride(struct nvme_ns *ns)
{
	return MPX_WRR_STRIDE / max_t(u16, READ_ONCE(ns->mpx.weight), 1);
}

struct nvme_ns *nvme_mpx_wrr_select(struct nvme_mpx_policy *pol,
				    struct nvme_ns_head *head, int node)
{
	enum nvme_mpx_tier tier, best_tier = NVME_MPX_TIER_NONE;
	struct nvme_ns *ns, *best = NULL;
	s64 pass, best_pass = 0;

	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		tier = nvme_mpx_tier(ns);
		if (tier == NVME_MPX_TIER_NONE || tier > best_tier)
			continue;
		pass = atomic64_read(&ns->mpx.pass) + mpx_wrr_stride(ns);
		/* Passes only grow; compare them wrap-safe. */
		if (tier == best_tier && pass - best_pass >= 0)
			continue;
		best = ns;
		best_tier = tier;
		best_pass = pass;
	}
	if (best)
		atomic64_add(mpx_wrr_stride(best), &best->mpx.pass);
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_wrr_select);

/*
 * A path that joins (or rejoins after a while away) starts level with the
 * least advanced path of its tier: not behind, which would give it a burst
 * of everything until it caught up, and not ahead, which would starve it.
 */
static void mpx_wrr_join(struct nvme_mpx_policy *pol, struct nvme_ns *ns)
{
	enum nvme_mpx_tier tier = nvme_mpx_tier(ns);
	struct nvme_ns *other;
	bool found = false;
	s64 pass, min = 0;

	list_for_each_entry_srcu(other, &ns->head->list, siblings,
				 srcu_read_lock_held(&ns->head->srcu)) {
		if (other == ns || nvme_mpx_tier(other) != tier)
			continue;
		pass = atomic64_read(&other->mpx.pass);
		if (!found || pass - min < 0)
			min = pass;
		found = true;
	}
	atomic64_set(&ns->mpx.pass, min);
}

const struct nvme_mpx_selector nvme_mpx_wrr = {
	.name			= "weighted",
	.select			= nvme_mpx_wrr_select,
	.path_added		= mpx_wrr_join,
	.path_reinstated	= mpx_wrr_join,
};
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_wrr);
