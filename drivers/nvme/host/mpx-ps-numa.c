// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe multipath "numa" selector: send I/O to the closest usable path.
 *
 * For every NUMA node the selector remembers the path it last chose.  As
 * long as that path is still optimized it is reused without looking at the
 * others; otherwise all paths are scanned and the one closest to the node
 * wins within the best ANA tier (ties go to the first path in head->list).
 */
#include <linux/slab.h>
#include <kunit/visibility.h>
#include "mpx.h"

static int mpx_numa_distance(struct nvme_mpx_policy *pol, int node,
			     struct nvme_ns *ns)
{
	int home = READ_ONCE(ns->ctrl->numa_node);

	/* A controller without NUMA affinity is as close as any. */
	if (home == NUMA_NO_NODE)
		return LOCAL_DISTANCE;
	return pol->distance(node, home);
}

static struct nvme_ns *mpx_numa_pick(struct nvme_mpx_policy *pol,
				     struct nvme_ns_head *head, int node)
{
	int dist, best_dist[NVME_MPX_TIER_NONE] = { INT_MAX, INT_MAX };
	struct nvme_ns *ns, *best[NVME_MPX_TIER_NONE] = { };
	enum nvme_mpx_tier tier;

	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		tier = nvme_mpx_tier(ns);
		if (tier == NVME_MPX_TIER_NONE)
			continue;
		dist = mpx_numa_distance(pol, node, ns);
		if (dist >= best_dist[tier])
			continue;
		best_dist[tier] = dist;
		best[tier] = ns;
		/* Nothing beats a node-local optimized path. */
		if (tier == NVME_MPX_TIER_OPT && dist <= LOCAL_DISTANCE)
			break;
	}

	ns = best[NVME_MPX_TIER_OPT] ?: best[NVME_MPX_TIER_NONOPT];
	if (ns)
		nvme_mpx_cache_set(pol->priv, node, ns);
	return ns;
}

struct nvme_ns *nvme_mpx_numa_select(struct nvme_mpx_policy *pol,
				     struct nvme_ns_head *head, int node)
{
	struct nvme_ns *ns = nvme_mpx_cache_get(pol->priv, node, head);

	if (likely(ns) && nvme_mpx_tier(ns) == NVME_MPX_TIER_OPT)
		return ns;
	return mpx_numa_pick(pol, head, node);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_numa_select);

static int mpx_numa_init(struct nvme_mpx_policy *pol)
{
	pol->priv = nvme_mpx_cache_alloc(pol->nr_nodes);
	return pol->priv ? 0 : -ENOMEM;
}

static void mpx_numa_exit(struct nvme_mpx_policy *pol)
{
	kfree(pol->priv);
}

static void mpx_numa_path_removed(struct nvme_mpx_policy *pol,
				  struct nvme_ns *ns)
{
	nvme_mpx_cache_drop(pol->priv, ns);
}

static bool mpx_numa_path_failed(struct nvme_mpx_policy *pol,
				 struct nvme_ns *ns)
{
	return nvme_mpx_cache_drop(pol->priv, ns);
}

/* A path came back: it may be closer than what the nodes use now. */
static void mpx_numa_path_reinstated(struct nvme_mpx_policy *pol,
				     struct nvme_ns *ns)
{
	nvme_mpx_cache_clear(pol->priv);
}

static void mpx_numa_path_nodes(struct nvme_mpx_policy *pol,
				struct nvme_ns *ns, nodemask_t *nodes)
{
	nvme_mpx_cache_nodes(pol->priv, ns, nodes);
}

const struct nvme_mpx_selector nvme_mpx_numa = {
	.name			= "numa",
	.init			= mpx_numa_init,
	.exit			= mpx_numa_exit,
	.select			= nvme_mpx_numa_select,
	.path_removed		= mpx_numa_path_removed,
	.path_failed		= mpx_numa_path_failed,
	.path_reinstated	= mpx_numa_path_reinstated,
	.path_nodes		= mpx_numa_path_nodes,
};
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_numa);
