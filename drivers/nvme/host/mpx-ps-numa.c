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

struct mpx_numa_arg {
	struct nvme_mpx_policy *pol;
	int node;
};

/* Distance beyond node-local; a controller without affinity is local. */
static u64 mpx_numa_key(struct nvme_ns *ns, enum nvme_mpx_tier tier,
			void *data)
{
	struct mpx_numa_arg *arg = data;
	int home = READ_ONCE(ns->ctrl->numa_node);

	if (home == NUMA_NO_NODE)
		return nvme_mpx_key(tier, 0);
	return nvme_mpx_key(tier, max(arg->pol->distance(arg->node, home) -
				      LOCAL_DISTANCE, 0));
}

static struct nvme_ns *mpx_numa_pick(struct nvme_mpx_policy *pol,
				     struct nvme_ns_head *head, int node)
{
	struct mpx_numa_arg arg = { .pol = pol, .node = node };
	struct nvme_ns *ns = nvme_mpx_cheapest(head, mpx_numa_key, &arg);

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
