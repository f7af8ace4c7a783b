// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: path selector registry and per-head policies.
 *
 * A head runs exactly one policy instance (selector + private state),
 * published through head->mpx_policy and read under head->srcu.  Changing
 * the policy builds a complete new instance, publishes it and frees the old
 * one after an SRCU grace period, so the I/O path never sees a selector
 * paired with another selector's state and never takes a lock.
 *
 * Which selector a head runs is its own choice (head->mpx_override, set
 * through the head's mpx_iopolicy attribute) or, if it has none, the
 * subsystem's (subsys->mpx_sel, the subsystem iopolicy attribute), whose
 * default comes from the nvme_core.iopolicy module parameter.
 */
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>
#include "mpx.h"

/*
 * Built-in selectors.  The table is static, not filled in at module init:
 * nvme_core.iopolicy is parsed before nvme-core's init function runs.
 */
static const struct nvme_mpx_selector *const mpx_selectors[] = {
	&nvme_mpx_numa,
	&nvme_mpx_rr,
	&nvme_mpx_qd,
#if IS_ENABLED(CONFIG_NVME_MPX_SELECTORS_EXTRA)
	&nvme_mpx_st,
	&nvme_mpx_as,
	&nvme_mpx_wrr,
#endif
};

static const struct nvme_mpx_selector *mpx_default_sel = &nvme_mpx_numa;

const struct nvme_mpx_selector *nvme_mpx_find_selector(const char *name)
{
	int i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(mpx_selectors); i++)
		if (sysfs_streq(name, mpx_selectors[i]->name))
			return mpx_selectors[i];
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_find_selector);

static int mpx_iopolicy_param_set(const char *val,
				  const struct kernel_param *kp)
{
	const struct nvme_mpx_selector *sel = nvme_mpx_find_selector(val);

	if (!sel)
		return -EINVAL;
	WRITE_ONCE(mpx_default_sel, sel);
	return 0;
}

static int mpx_iopolicy_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 READ_ONCE(mpx_default_sel)->name);
}

static const struct kernel_param_ops mpx_iopolicy_param_ops = {
	.set	= mpx_iopolicy_param_set,
	.get	= mpx_iopolicy_param_get,
};

module_param_cb(iopolicy, &mpx_iopolicy_param_ops, NULL, 0644);
MODULE_PARM_DESC(iopolicy,
		 "Default multipath I/O policy: numa (default), round-robin, queue-depth, service-time, active-standby or weighted");

void nvme_mpath_default_iopolicy(struct nvme_subsystem *subsys)
{
	subsys->mpx_sel = READ_ONCE(mpx_default_sel);
}

struct nvme_mpx_policy *
nvme_mpx_policy_alloc(const struct nvme_mpx_selector *sel,
		      unsigned int nr_nodes, int (*distance)(int, int))
{
	struct nvme_mpx_policy *pol;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return NULL;
	pol->sel = sel;
	pol->nr_nodes = nr_nodes;
	pol->distance = distance;
	if (sel->init && sel->init(pol)) {
		kfree(pol);
		return NULL;
	}
	return pol;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_policy_alloc);

void nvme_mpx_policy_free(struct nvme_mpx_policy *pol)
{
	if (!pol)
		return;
	if (pol->sel->exit)
		pol->sel->exit(pol);
	kfree(pol);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_policy_free);

static void mpx_policy_free_srcu(struct rcu_head *rcu)
{
	nvme_mpx_policy_free(container_of(rcu, struct nvme_mpx_policy, rcu));
}

/* node_distance() may be a macro; the policy needs a function. */
static int mpx_node_distance(int from, int to)
{
	return node_distance(from, to);
}

static const struct nvme_mpx_selector *
mpx_effective_sel(struct nvme_ns_head *head)
{
	return head->mpx_override ?: READ_ONCE(head->subsys->mpx_sel);
}

/* Make the head run its effective selector; no-op if it already does. */
static int mpx_head_apply(struct nvme_ns_head *head)
{
	const struct nvme_mpx_selector *sel = mpx_effective_sel(head);
	struct nvme_mpx_policy *old, *pol;
	struct nvme_ns *ns;
	int idx;

	lockdep_assert_held(&head->lock);
	old = rcu_dereference_protected(head->mpx_policy,
					lockdep_is_held(&head->lock));
	if (old && old->sel == sel)
		return 0;

	pol = nvme_mpx_policy_alloc(sel, nr_node_ids, mpx_node_distance);
	if (!pol)
		return -ENOMEM;
	/* Introduce the existing paths before anybody can select with it. */
	if (sel->path_added) {
		idx = srcu_read_lock(&head->srcu);
		list_for_each_entry_srcu(ns, &head->list, siblings,
					 srcu_read_lock_held(&head->srcu))
			sel->path_added(pol, ns);
		srcu_read_unlock(&head->srcu, idx);
	}

	WRITE_ONCE(head->mpx_sel, sel);
	rcu_assign_pointer(head->mpx_policy, pol);
	/*
	 * Submitters may still be inside old->sel->select(); free it once they
	 * are gone.  No synchronize_srcu() here: the subsystem-wide switch runs
	 * under subsys->lock, and a reader may sit in a reservation command.
	 */
	if (old)
		call_srcu(&head->srcu, &old->rcu, mpx_policy_free_srcu);
	return 0;
}

int nvme_mpx_head_init_policy(struct nvme_ns_head *head)
{
	int ret;

	mutex_lock(&head->lock);
	ret = mpx_head_apply(head);
	mutex_unlock(&head->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_head_init_policy);

void nvme_mpx_head_exit_policy(struct nvme_ns_head *head)
{
	/* Wait for policies retired by mpx_head_apply() to be freed. */
	srcu_barrier(&head->srcu);
	nvme_mpx_policy_free(rcu_replace_pointer(head->mpx_policy, NULL, true));
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_head_exit_policy);

/* Set the head's own policy; @sel == NULL means inherit the subsystem's. */
int nvme_mpx_head_set_policy(struct nvme_ns_head *head,
			     const struct nvme_mpx_selector *sel)
{
	const struct nvme_mpx_selector *prev;
	int ret;

	mutex_lock(&head->lock);
	prev = head->mpx_override;
	WRITE_ONCE(head->mpx_override, sel);
	ret = mpx_head_apply(head);
	if (ret)
		WRITE_ONCE(head->mpx_override, prev);
	mutex_unlock(&head->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_head_set_policy);

void nvme_mpx_subsys_set_policy(struct nvme_subsystem *subsys,
				const struct nvme_mpx_selector *sel)
{
	const struct nvme_mpx_selector *prev;
	struct nvme_ns_head *head;

	mutex_lock(&subsys->lock);
	prev = subsys->mpx_sel;
	WRITE_ONCE(subsys->mpx_sel, sel);
	/* Heads that inherit follow; heads with their own policy keep it. */
	list_for_each_entry(head, &subsys->nsheads, entry) {
		if (!head->disk)
			continue;
		mutex_lock(&head->lock);
		if (mpx_head_apply(head))
			dev_warn(disk_to_dev(head->disk),
				 "out of memory, keeping iopolicy %s\n",
				 head->mpx_sel->name);
		mutex_unlock(&head->lock);
	}
	mutex_unlock(&subsys->lock);

	if (prev != sel)
		pr_notice("nvme: subsysnqn %s iopolicy changed from %s to %s\n",
			  subsys->subnqn, prev->name, sel->name);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_subsys_set_policy);

bool nvme_mpx_path_event(struct nvme_ns *ns, enum nvme_mpx_event ev)
{
	struct nvme_ns_head *head = ns->head;
	const struct nvme_mpx_selector *sel;
	struct nvme_mpx_policy *pol;
	bool dropped = false;
	int idx;

	if (!head)
		return false;
	idx = srcu_read_lock(&head->srcu);
	pol = srcu_dereference(head->mpx_policy, &head->srcu);
	if (!pol)
		goto out;
	sel = pol->sel;
	switch (ev) {
	case NVME_MPX_PATH_ADDED:
		if (sel->path_added)
			sel->path_added(pol, ns);
		break;
	case NVME_MPX_PATH_REMOVED:
		if (sel->path_removed)
			sel->path_removed(pol, ns);
		break;
	case NVME_MPX_PATH_FAILED:
		if (sel->path_failed)
			dropped = sel->path_failed(pol, ns);
		break;
	case NVME_MPX_PATH_REINSTATED:
		if (sel->path_reinstated)
			sel->path_reinstated(pol, ns);
		break;
	}
out:
	srcu_read_unlock(&head->srcu, idx);
	if (head->disk)
		nvme_mpx_event_note(ns);
	return dropped;
}

struct nvme_mpx_node_cache *nvme_mpx_cache_alloc(unsigned int nr)
{
	struct nvme_mpx_node_cache *c;

	c = kzalloc(struct_size(c, slot, nr), GFP_KERNEL);
	if (c)
		c->nr = nr;
	return c;
}

bool nvme_mpx_cache_drop(struct nvme_mpx_node_cache *c, struct nvme_ns *ns)
{
	bool dropped = false;
	unsigned int node;

	for (node = 0; node < c->nr; node++) {
		if (rcu_access_pointer(c->slot[node]) == ns) {
			RCU_INIT_POINTER(c->slot[node], NULL);
			dropped = true;
		}
	}
	return dropped;
}

void nvme_mpx_cache_clear(struct nvme_mpx_node_cache *c)
{
	unsigned int node;

	for (node = 0; node < c->nr; node++)
		RCU_INIT_POINTER(c->slot[node], NULL);
}

void nvme_mpx_cache_nodes(struct nvme_mpx_node_cache *c, struct nvme_ns *ns,
			  nodemask_t *nodes)
{
	unsigned int node;

	for (node = 0; node < c->nr && node < MAX_NUMNODES; node++)
		if (rcu_access_pointer(c->slot[node]) == ns)
			node_set(node, *nodes);
}
