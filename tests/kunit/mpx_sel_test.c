// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the NVMe multipath (mpx) path selectors.
 *
 * The selectors only look at nvme_ns_head.list, nvme_ns.{ana_state,flags}
 * and nvme_ctrl.{state,numa_node,nr_active}, so plain kzalloc'ed structs
 * stand in for namespaces and controllers.  NUMA topologies are faked
 * through the policy's distance callback, so they work on UML too.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include "mpx.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define MPX_TEST_NODES	4
#define MPX_TEST_PATHS	8

/* A line of four nodes: 0 - 1 - 2 - 3. */
static const int mpx_test_dist[MPX_TEST_NODES][MPX_TEST_NODES] = {
	{ 10, 20, 30, 40 },
	{ 20, 10, 20, 30 },
	{ 30, 20, 10, 20 },
	{ 40, 30, 20, 10 },
};

static int mpx_test_distance(int from, int to)
{
	return mpx_test_dist[from][to];
}

struct mpx_test {
	struct nvme_subsystem *subsys;
	struct nvme_ns_head *head;
	struct nvme_ns *ns[MPX_TEST_PATHS];
	int nr;
	struct nvme_mpx_policy *pol;
};

static int mpx_test_init(struct kunit *test)
{
	struct mpx_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->subsys = kunit_kzalloc(test, sizeof(*t->subsys), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->subsys);
	mutex_init(&t->subsys->lock);
	INIT_LIST_HEAD(&t->subsys->nsheads);
	strscpy(t->subsys->subnqn, "nqn.2014-08.org.kunit:mpx",
		sizeof(t->subsys->subnqn));
	t->subsys->mpx_sel = &nvme_mpx_numa;

	t->head = kunit_kzalloc(test, sizeof(*t->head), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->head);
	INIT_LIST_HEAD(&t->head->list);
	KUNIT_ASSERT_EQ(test, init_srcu_struct(&t->head->srcu), 0);
	mutex_init(&t->head->lock);
	nvme_mpx_head_init(t->head);
	nvme_mpx_fail_init(t->head);
	t->head->subsys = t->subsys;
	test->priv = t;
	return 0;
}

static void mpx_test_exit(struct kunit *test)
{
	struct mpx_test *t = test->priv;

	nvme_mpx_policy_free(t->pol);
	if (rcu_access_pointer(t->head->mpx_policy))
		nvme_mpx_head_exit_policy(t->head);
	cleanup_srcu_struct(&t->head->srcu);
}

/* Add a live, ready path on a fresh controller. */
static struct nvme_ns *mpx_test_add(struct kunit *test,
				    enum nvme_ana_state ana, int numa_node)
{
	struct mpx_test *t = test->priv;
	struct nvme_ctrl *ctrl;
	struct nvme_ns *ns;

	KUNIT_ASSERT_LT(test, t->nr, MPX_TEST_PATHS);
	ctrl = kunit_kzalloc(test, sizeof(*ctrl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctrl);
	ns = kunit_kzalloc(test, sizeof(*ns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ns);
	ctrl->state = NVME_CTRL_LIVE;
	ctrl->numa_node = numa_node;
	atomic_set(&ctrl->nr_active, 0);
	ns->ctrl = ctrl;
	ns->head = t->head;
	ns->ana_state = ana;
	nvme_mpx_path_init(ns);
	set_bit(NVME_NS_READY, &ns->flags);
	list_add_tail_rcu(&ns->siblings, &t->head->list);
	t->ns[t->nr++] = ns;
	return ns;
}

static void mpx_test_use(struct kunit *test,
			 const struct nvme_mpx_selector *sel)
{
	struct mpx_test *t = test->priv;

	struct nvme_ns *ns;
	int idx;

	nvme_mpx_policy_free(t->pol);
	t->pol = nvme_mpx_policy_alloc(sel, MPX_TEST_NODES, mpx_test_distance);
	KUNIT_ASSERT_NOT_NULL(test, t->pol);
	/* As mpx_head_apply() does: introduce the paths before selecting. */
	if (!sel->path_added)
		return;
	idx = srcu_read_lock(&t->head->srcu);
	list_for_each_entry_srcu(ns, &t->head->list, siblings,
				 srcu_read_lock_held(&t->head->srcu))
		sel->path_added(t->pol, ns);
	srcu_read_unlock(&t->head->srcu, idx);
}

static struct nvme_mpx_policy *t_pol(struct kunit *test)
{
	return ((struct mpx_test *)test->priv)->pol;
}

static struct nvme_ns *mpx_test_select(struct kunit *test, int node)
{
	struct mpx_test *t = test->priv;
	struct nvme_ns *ns;
	int idx;

	idx = srcu_read_lock(&t->head->srcu);
	ns = nvme_mpx_policy_select(t->pol, t->head, node);
	srcu_read_unlock(&t->head->srcu, idx);
	return ns;
}

static bool mpx_test_failed(struct kunit *test, struct nvme_ns *ns)
{
	struct mpx_test *t = test->priv;
	bool ret = false;
	int idx;

	idx = srcu_read_lock(&t->head->srcu);
	if (t->pol->sel->path_failed)
		ret = t->pol->sel->path_failed(t->pol, ns);
	srcu_read_unlock(&t->head->srcu, idx);
	return ret;
}

static void mpx_test_reinstated(struct kunit *test, struct nvme_ns *ns)
{
	struct mpx_test *t = test->priv;
	int idx;

	idx = srcu_read_lock(&t->head->srcu);
	if (t->pol->sel->path_reinstated)
		t->pol->sel->path_reinstated(t->pol, ns);
	srcu_read_unlock(&t->head->srcu, idx);
}

/* ---- behaviour every selector shares, run once per selector ---- */

static const struct nvme_mpx_selector *const mpx_test_sels[] = {
	&nvme_mpx_numa, &nvme_mpx_rr, &nvme_mpx_qd,
	&nvme_mpx_st, &nvme_mpx_as, &nvme_mpx_wrr,
};

static void mpx_test_sel_desc(const struct nvme_mpx_selector *const *sel,
			      char *desc)
{
	strscpy(desc, (*sel)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mpx_sel, mpx_test_sels, mpx_test_sel_desc);

static const struct nvme_mpx_selector *mpx_test_param(struct kunit *test)
{
	return *(const struct nvme_mpx_selector *const *)test->param_value;
}

static void mpx_test_empty(struct kunit *test)
{
	int node;

	mpx_test_use(test, mpx_test_param(test));
	for (node = 0; node < MPX_TEST_NODES; node++)
		KUNIT_EXPECT_NULL(test, mpx_test_select(test, node));
}

/*
 * The condition of one path and the tier it must land in, written out
 * here independently of nvme_mpx_tier(): 0 optimized, 1 non-optimized,
 * 2 held by failback (last resort), 3 must not be used.
 */
struct mpx_test_cond {
	enum nvme_ana_state ana;
	enum nvme_ctrl_state state;
	bool ready;
	bool ana_pending;
	int tier;
	bool failed;
	bool held;
};

static const struct mpx_test_cond mpx_test_conds[] = {
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_LIVE,	  true,  false, 0 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_LIVE,	  true,  false, 1 },
	{ NVME_ANA_INACCESSIBLE,    NVME_CTRL_LIVE,	  true,  false, 3 },
	{ NVME_ANA_PERSISTENT_LOSS, NVME_CTRL_LIVE,	  true,  false, 3 },
	{ NVME_ANA_CHANGE,	    NVME_CTRL_LIVE,	  true,  false, 3 },
	{ 0,			    NVME_CTRL_LIVE,	  true,  false, 3 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_DELETING,	  true,  false, 0 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_DELETING,	  true,  false, 1 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_RESETTING,  true,  false, 3 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_CONNECTING, true,  false, 3 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_DEAD,	  true,  false, 3 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_DELETING_NOIO, true, false, 3 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_NEW,	  true,  false, 3 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_LIVE,	  false, false, 3 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_LIVE,	  true,  true,  3 },
	/* Failed by the admin: out, whatever else. */
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_LIVE,	  true,  false, 3, true },
	/* Held by failback: after every non-held usable path. */
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_LIVE,	  true,  false, 2, false, true },
	{ NVME_ANA_INACCESSIBLE,    NVME_CTRL_LIVE,	  true,  false, 3, false, true },
};

static void mpx_test_apply_cond(struct nvme_ns *ns,
				const struct mpx_test_cond *c)
{
	ns->ana_state = c->ana;
	ns->ctrl->state = c->state;
	assign_bit(NVME_NS_READY, &ns->flags, c->ready);
	assign_bit(NVME_NS_ANA_PENDING, &ns->flags, c->ana_pending);
	assign_bit(NVME_MPX_P_FAILED, &ns->mpx.flags, c->failed);
	assign_bit(NVME_MPX_P_HELD, &ns->mpx.flags, c->held);
}

static void mpx_test_tier_matrix_n(struct kunit *test, int n)
{
	const struct nvme_mpx_selector *sel = mpx_test_param(test);
	const int nc = ARRAY_SIZE(mpx_test_conds);
	struct mpx_test *t = test->priv;
	int combo, total = 1, i, best, want;
	struct nvme_ns *got;

	for (i = 0; i < n; i++)
		total *= nc;
	for (combo = 0; combo < total; combo++) {
		int c = combo;

		best = 3;
		want = -1;
		for (i = 0; i < n; i++) {
			const struct mpx_test_cond *cond = &mpx_test_conds[c % nc];

			mpx_test_apply_cond(t->ns[i], cond);
			if (cond->tier < best) {
				best = cond->tier;
				want = i;
			}
			c /= nc;
		}
		/* Fresh state: the first path of the best tier must win. */
		mpx_test_use(test, sel);
		got = mpx_test_select(test, 0);
		if (want < 0)
			KUNIT_EXPECT_NULL_MSG(test, got, "combo %d of %d paths",
					      combo, n);
		else
			KUNIT_EXPECT_PTR_EQ_MSG(test, got, t->ns[want],
						"combo %d of %d paths",
						combo, n);
	}
}

/* Every condition on a single path, every pair, every triple. */
static void mpx_test_tier_matrix(struct kunit *test)
{
	int n;

	for (n = 1; n <= 3; n++) {
		mpx_test_add(test, NVME_ANA_OPTIMIZED, NUMA_NO_NODE);
		mpx_test_tier_matrix_n(test, n);
	}
}

/* Whatever the policy, it never hands out a path of a worse tier. */
static void mpx_test_opt_over_nonopt(struct kunit *test)
{
	struct nvme_ns *nonopt, *opt;
	int i;

	nonopt = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	mpx_test_add(test, NVME_ANA_INACCESSIBLE, 0);
	opt = mpx_test_add(test, NVME_ANA_OPTIMIZED, 3);
	mpx_test_use(test, mpx_test_param(test));
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, i % 4), opt);

	/* The optimized path goes away: fall back, then come back. */
	opt->ctrl->state = NVME_CTRL_RESETTING;
	mpx_test_failed(test, opt);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), nonopt);
	opt->ctrl->state = NVME_CTRL_LIVE;
	mpx_test_reinstated(test, opt);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), opt);
}

/* A path that stops being usable is never returned again. */
static void mpx_test_state_change(struct kunit *test)
{
	static const enum nvme_ana_state bad[] = {
		NVME_ANA_INACCESSIBLE, NVME_ANA_PERSISTENT_LOSS,
		NVME_ANA_CHANGE,
	};
	struct nvme_ns *a, *b, *got;
	int i, j;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, mpx_test_param(test));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		a->ana_state = NVME_ANA_OPTIMIZED;
		b->ana_state = NVME_ANA_OPTIMIZED;
		got = mpx_test_select(test, 0);
		KUNIT_ASSERT_NOT_NULL(test, got);
		/* No failure notification: selectors must recheck. */
		got->ana_state = bad[i];
		for (j = 0; j < 4; j++)
			KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0),
					    got == a ? b : a);
		a->ana_state = bad[i];
		b->ana_state = bad[i];
		KUNIT_EXPECT_NULL(test, mpx_test_select(test, 0));
	}
}

static void mpx_test_path_removed(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	struct nvme_ns *a, *b;
	int idx;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 1);
	mpx_test_use(test, mpx_test_param(test));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);

	/* What core.c does: not ready, failed, off the list, removed. */
	clear_bit(NVME_NS_READY, &a->flags);
	mpx_test_failed(test, a);
	list_del_rcu(&a->siblings);
	idx = srcu_read_lock(&t->head->srcu);
	if (t->pol->sel->path_removed)
		t->pol->sel->path_removed(t->pol, a);
	srcu_read_unlock(&t->head->srcu, idx);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, a));
}

/* ---- numa ---- */

static void mpx_test_numa_closest(struct kunit *test)
{
	struct nvme_ns *n3, *n1, *n2;

	n3 = mpx_test_add(test, NVME_ANA_OPTIMIZED, 3);
	n1 = mpx_test_add(test, NVME_ANA_OPTIMIZED, 1);
	n2 = mpx_test_add(test, NVME_ANA_OPTIMIZED, 2);
	mpx_test_use(test, &nvme_mpx_numa);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), n1);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 1), n1);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 2), n2);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 3), n3);
	/* Cached: same answers the second time. */
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), n1);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 3), n3);
}

static void mpx_test_numa_tier_before_distance(struct kunit *test)
{
	struct nvme_ns *local_nonopt, *far_opt, *near_nonopt;

	local_nonopt = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	far_opt = mpx_test_add(test, NVME_ANA_OPTIMIZED, 3);
	mpx_test_use(test, &nvme_mpx_numa);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), far_opt);

	/* Only non-optimized paths: the closest of them. */
	far_opt->ana_state = NVME_ANA_NONOPTIMIZED;
	near_nonopt = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 2);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), local_nonopt);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 3), far_opt);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 2), near_nonopt);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 1), local_nonopt);
}

static void mpx_test_numa_ties_and_no_node(struct kunit *test)
{
	struct nvme_ns *a, *b, *any;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 2);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_numa);
	/* Node 1 is 20 away from both: the first one listed wins. */
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 1), a);

	/* A controller without affinity counts as local everywhere. */
	any = mpx_test_add(test, NVME_ANA_OPTIMIZED, NUMA_NO_NODE);
	mpx_test_use(test, &nvme_mpx_numa);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 1), any);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 3), any);
	/* ... but a truly local one listed earlier still wins on its node. */
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 2), a);
}

static void mpx_test_numa_cache(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	struct nvme_ns *local, *remote;
	nodemask_t nodes;

	local = mpx_test_add(test, NVME_ANA_INACCESSIBLE, 0);
	remote = mpx_test_add(test, NVME_ANA_OPTIMIZED, 3);
	mpx_test_use(test, &nvme_mpx_numa);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), remote);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 1), remote);

	/* Nodes 0 and 1 use it (only node 0 exists on a !NUMA kernel). */
	nodes_clear(nodes);
	t->pol->sel->path_nodes(t->pol, remote, &nodes);
	KUNIT_EXPECT_TRUE(test, node_isset(0, nodes));
	KUNIT_EXPECT_EQ(test, nodes_weight(nodes), min(2, MAX_NUMNODES));

	/* The local path turns optimized: the cached choice stands ... */
	local->ana_state = NVME_ANA_OPTIMIZED;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), remote);
	/* ... until the path is reported reinstated. */
	mpx_test_reinstated(test, local);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), local);

	/* A failed path is dropped from every node's cache, once. */
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 3), remote);
	KUNIT_EXPECT_TRUE(test, mpx_test_failed(test, remote));
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, remote));
	nodes_clear(nodes);
	t->pol->sel->path_nodes(t->pol, remote, &nodes);
	KUNIT_EXPECT_TRUE(test, nodes_empty(nodes));
}

/* ---- round-robin ---- */

static void mpx_test_rr_rotates(struct kunit *test)
{
	struct nvme_ns *a, *b, *c;
	int i;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	c = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
	}
}

static void mpx_test_rr_skips(struct kunit *test)
{
	struct nvme_ns *a, *c;
	int i;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	mpx_test_add(test, NVME_ANA_INACCESSIBLE, 0);
	c = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_add(test, NVME_ANA_CHANGE, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
	}
}

static void mpx_test_rr_nonopt_only(struct kunit *test)
{
	struct nvme_ns *a, *b, *c;
	int i;

	a = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_PERSISTENT_LOSS, 0);
	c = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
	}
	/* An optimized path shows up: it takes all I/O. */
	b->ana_state = NVME_ANA_OPTIMIZED;
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	/* It goes away: back to rotating over the others. */
	b->ana_state = NVME_ANA_INACCESSIBLE;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
}

static void mpx_test_rr_sticky(struct kunit *test)
{
	struct nvme_ns *a, *b;
	int i;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	/* Others non-optimized: stay on the optimized one. */
	b = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	/* Single non-optimized path left: use it, repeatedly. */
	a->ctrl->state = NVME_CTRL_CONNECTING;
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	b->ana_state = NVME_ANA_CHANGE;
	KUNIT_EXPECT_NULL(test, mpx_test_select(test, 0));
}

static void mpx_test_rr_per_node(struct kunit *test)
{
	struct nvme_ns *a, *b;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	/* Node 2 has its own position in the rotation. */
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 2), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 2), b);
}

/* A cursor to a path that already left the list must not hang us. */
static void mpx_test_rr_stale_cursor(struct kunit *test)
{
	struct nvme_ns *a, *b, *c;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	c = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	list_del_rcu(&b->siblings);
	b->ana_state = NVME_ANA_INACCESSIBLE;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	a->ana_state = NVME_ANA_INACCESSIBLE;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
}

/*
 * A failover moves the rotation on past the failed path, even when that
 * path still looks usable, instead of going back to the list head; a path
 * on its way out (not READY) loses its place, and the rotation restarts.
 */
static void mpx_test_rr_failed(struct kunit *test)
{
	struct nvme_ns *a, *b, *c;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	c = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, a));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
	/* A failed path that is no longer usable is skipped. */
	a->ctrl->state = NVME_CTRL_CONNECTING;
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, c));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);

	a->ctrl->state = NVME_CTRL_LIVE;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	clear_bit(NVME_NS_READY, &b->flags);
	KUNIT_EXPECT_TRUE(test, mpx_test_failed(test, b));
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, b));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
}

/* ---- queue-depth ---- */

static void mpx_test_qd_least_busy(struct kunit *test)
{
	struct nvme_ns *a, *b, *c, *n;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	c = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	n = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	atomic_set(&a->ctrl->nr_active, 5);
	atomic_set(&b->ctrl->nr_active, 2);
	atomic_set(&c->ctrl->nr_active, 7);
	atomic_set(&n->ctrl->nr_active, 0);
	mpx_test_use(test, &nvme_mpx_qd);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);

	/* Ties: first listed. */
	atomic_set(&c->ctrl->nr_active, 2);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 3), b);

	/* Busy optimized beats idle non-optimized. */
	atomic_set(&b->ctrl->nr_active, 1000);
	atomic_set(&c->ctrl->nr_active, 1000);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);

	/* No optimized path: least busy non-optimized. */
	a->ana_state = NVME_ANA_NONOPTIMIZED;
	b->ana_state = NVME_ANA_NONOPTIMIZED;
	c->ana_state = NVME_ANA_INACCESSIBLE;
	atomic_set(&n->ctrl->nr_active, 9);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
}

/* The depth is per controller: namespaces behind it share it. */
static void mpx_test_qd_shared_ctrl(struct kunit *test)
{
	struct nvme_ns *a, *b;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_qd);
	atomic_set(&a->ctrl->nr_active, 3);
	atomic_set(&b->ctrl->nr_active, 1);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	b->ctrl = a->ctrl;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
}

static void mpx_test_qd_accounting(struct kunit *test)
{
	const struct nvme_mpx_selector *sel = &nvme_mpx_qd;
	struct nvme_ns *a;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	KUNIT_ASSERT_NOT_NULL(test, sel->start_io);
	KUNIT_ASSERT_NOT_NULL(test, sel->end_io);
	KUNIT_EXPECT_TRUE(test, sel->start_io(a, NULL));
	KUNIT_EXPECT_TRUE(test, sel->start_io(a, NULL));
	KUNIT_EXPECT_EQ(test, atomic_read(&a->ctrl->nr_active), 2);
	sel->end_io(a, NULL);
	sel->end_io(a, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->ctrl->nr_active), 0);
	/* Counter was reset under in-flight I/O: never goes negative. */
	sel->end_io(a, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->ctrl->nr_active), 0);

	/* The other selectors do no accounting at all. */
	KUNIT_EXPECT_NULL(test, nvme_mpx_numa.start_io);
	KUNIT_EXPECT_NULL(test, nvme_mpx_rr.start_io);
}

/* ---- service-time ---- */

static void mpx_test_set_lat(struct nvme_ns *ns, u64 lat_ns, u32 depth,
			     int inflight)
{
	ns->mpx.lat_ewma = lat_ns;
	ns->mpx.qd_ewma = depth << 4;
	ns->mpx.last_done = jiffies;
	atomic_set(&ns->mpx.inflight, inflight);
}

static void mpx_test_ewma(struct kunit *test)
{
	u64 avg = 0;
	int i;

	/* The first sample is taken as is; zero stays "unmeasured". */
	KUNIT_EXPECT_EQ(test, nvme_mpx_ewma(0, 800, 3), 800);
	KUNIT_EXPECT_EQ(test, nvme_mpx_ewma(0, 0, 3), 1);
	/* 1/8 of the way towards each new sample. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_ewma(800, 1600, 3), 900);
	KUNIT_EXPECT_EQ(test, nvme_mpx_ewma(800, 0, 3), 700);
	/* A step converges: within 1% after 40 samples, never overshoots. */
	avg = 1000;
	for (i = 0; i < 40; i++) {
		avg = nvme_mpx_ewma(avg, 31000000, 3);
		KUNIT_EXPECT_LE(test, avg, 31000000);
	}
	KUNIT_EXPECT_GE(test, avg, 31000000 / 100 * 99);
	/* Large latencies do not overflow. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_ewma(U64_MAX / 2, U64_MAX / 2, 3),
			U64_MAX / 2 - ((U64_MAX / 2) >> 3) +
			((U64_MAX / 2) >> 3));
}

static void mpx_test_st_estimate(struct kunit *test)
{
	unsigned long now = jiffies;
	struct nvme_ns *a;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	/* Unmeasured: a last resort until a probe has measured it. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_st_estimate(a, now), NVME_MPX_COST_MAX);
	KUNIT_EXPECT_TRUE(test, nvme_mpx_st_wants_probe(a, now));

	/* 1 ms at depth 4; at depth 7 (+1 new) expect 2 ms. */
	mpx_test_set_lat(a, 1000000, 4, 7);
	KUNIT_EXPECT_EQ(test, nvme_mpx_st_estimate(a, now), 2000000);
	/* An empty queue costs what one request took at depth 1. */
	mpx_test_set_lat(a, 1000000, 1, 0);
	KUNIT_EXPECT_EQ(test, nvme_mpx_st_estimate(a, now), 1000000);
	KUNIT_EXPECT_FALSE(test, nvme_mpx_st_wants_probe(a, now));

	/* Stale numbers still rank the path; a probe refreshes them. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_st_estimate(a, now + 6 * HZ), 1000000);
	KUNIT_EXPECT_TRUE(test, nvme_mpx_st_wants_probe(a, now + 3 * HZ));
	/* Not while it is busy, not twice in a row, not when unusable. */
	atomic_set(&a->mpx.inflight, 1);
	KUNIT_EXPECT_FALSE(test, nvme_mpx_st_wants_probe(a, now + 3 * HZ));
	atomic_set(&a->mpx.inflight, 0);
	a->mpx.last_probe = now + 3 * HZ;
	KUNIT_EXPECT_FALSE(test, nvme_mpx_st_wants_probe(a, now + 4 * HZ));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_st_wants_probe(a, now + 6 * HZ));
	a->ctrl->state = NVME_CTRL_CONNECTING;
	KUNIT_EXPECT_FALSE(test, nvme_mpx_st_wants_probe(a, now + 6 * HZ));
}

/* A far path only gets I/O once the near one queues longer than it. */
static void mpx_test_st_asymmetric(struct kunit *test)
{
	struct nvme_ns *fast, *slow;
	int depth;

	fast = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	slow = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_st);
	/* Fast: 0.3 ms per request of queue (CPU bound); slow: 31 ms flat. */
	mpx_test_set_lat(slow, 31000000, 1, 0);
	for (depth = 0; depth < 32; depth++) {
		mpx_test_set_lat(fast, 300000ULL * 32, 32, depth);
		KUNIT_EXPECT_PTR_EQ_MSG(test, mpx_test_select(test, 0), fast,
					"depth %d", depth);
	}
	/* Queued far beyond 31 ms on the fast path: spill over. */
	mpx_test_set_lat(fast, 300000ULL * 32, 32, 200);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), slow);
	/* ... but never to a worse ANA tier. */
	slow->ana_state = NVME_ANA_NONOPTIMIZED;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), fast);
}

/* Equal paths: the queues are kept level, like queue-depth does. */
static void mpx_test_st_symmetric(struct kunit *test)
{
	struct nvme_ns *a, *b, *ns;
	int i;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_st);
	mpx_test_set_lat(a, 500000, 8, 0);
	mpx_test_set_lat(b, 500000, 8, 0);
	for (i = 0; i < 64; i++) {
		ns = mpx_test_select(test, 0);
		atomic_inc(&ns->mpx.inflight);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&a->mpx.inflight), 32);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->mpx.inflight), 32);
}

/* ---- weighted ---- */

static void mpx_test_wrr_split(struct kunit *test)
{
	static const u16 weights[] = { 3, 1, 6 };
	int count[3] = { }, run = 0, longest = 0, i, j;
	struct nvme_ns *ns[3], *got, *prev = NULL;

	for (i = 0; i < 3; i++) {
		ns[i] = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
		ns[i]->mpx.weight = weights[i];
	}
	mpx_test_use(test, &nvme_mpx_wrr);
	for (i = 0; i < 1000; i++) {
		got = mpx_test_select(test, 0);
		for (j = 0; j < 3; j++)
			if (got == ns[j])
				count[j]++;
		run = got == prev ? run + 1 : 1;
		longest = max(longest, run);
		prev = got;
	}
	/* Exact to one round of the weights (3 + 1 + 6 = 10). */
	KUNIT_EXPECT_EQ(test, count[0], 300);
	KUNIT_EXPECT_EQ(test, count[1], 100);
	KUNIT_EXPECT_EQ(test, count[2], 600);
	/* Smooth: the heaviest path never runs more than twice in a row. */
	KUNIT_EXPECT_LE(test, longest, 2);
}

/* Weights act within a tier; a rejoining path does not get a burst. */
static void mpx_test_wrr_tiers_and_join(struct kunit *test)
{
	struct nvme_ns *a, *b, *n;
	int i, got_b = 0;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	n = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	n->mpx.weight = 1000;
	mpx_test_use(test, &nvme_mpx_wrr);
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_PTR_NE(test, mpx_test_select(test, 0), n);

	/* b away for 1000 I/Os, then back: level with a, not behind. */
	b->ctrl->state = NVME_CTRL_CONNECTING;
	for (i = 0; i < 1000; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	b->ctrl->state = NVME_CTRL_LIVE;
	mpx_test_reinstated(test, b);
	for (i = 0; i < 100; i++)
		got_b += mpx_test_select(test, 0) == b;
	KUNIT_EXPECT_EQ(test, got_b, 50);
}

/* ---- active-standby ---- */

static void mpx_test_as_order(struct kunit *test)
{
	struct nvme_ns *a, *b, *c, *n;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	c = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	n = mpx_test_add(test, NVME_ANA_NONOPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_as);
	/* Equal priorities: the first found, every time, from every node. */
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 3), a);
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_as_active(t_pol(test)), a);

	/* Priorities order the standbys; higher first. */
	b->mpx.priority = 10;
	c->mpx.priority = 20;
	n->mpx.priority = 255;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_as_active(t_pol(test)), c);
	c->ctrl->state = NVME_CTRL_RESETTING;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	b->ctrl->state = NVME_CTRL_RESETTING;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	/* Optimized before non-optimized, whatever the priority. */
	a->ctrl->state = NVME_CTRL_RESETTING;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), n);

	/* A pin beats tier and priority while its path is usable. */
	a->ctrl->state = NVME_CTRL_LIVE;
	b->ctrl->state = NVME_CTRL_LIVE;
	c->ctrl->state = NVME_CTRL_LIVE;
	set_bit(NVME_MPX_P_PINNED, &n->mpx.flags);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), n);
	n->ana_state = NVME_ANA_INACCESSIBLE;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
	/* ... and a held pinned path waits like any other. */
	n->ana_state = NVME_ANA_OPTIMIZED;
	set_bit(NVME_MPX_P_HELD, &n->mpx.flags);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), c);
}

/*
 * A failed path stays the active one until select moves on; one on its way
 * out (not READY) is let go at once, and core.c told to wait for readers.
 */
static void mpx_test_as_failed(struct kunit *test)
{
	struct nvme_ns *a, *b;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_as);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, a));
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_as_active(t_pol(test)), a);
	clear_bit(NVME_NS_READY, &a->flags);
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, b));
	KUNIT_EXPECT_TRUE(test, mpx_test_failed(test, a));
	KUNIT_EXPECT_NULL(test, nvme_mpx_as_active(t_pol(test)));
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, a));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_as_active(t_pol(test)), b);
}

/*
 * The failover interval keeps a usable active path against every better
 * one, a pin included; a path that cannot carry I/O is left at once.
 */
static void mpx_test_as_interval(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	struct nvme_ns *a, *b;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_as);
	t->head->mpx.failover_interval_ms = 600000;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	a->ctrl->state = NVME_CTRL_RESETTING;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);

	/* a is back and preferred, but b was moved to just now. */
	a->ctrl->state = NVME_CTRL_LIVE;
	a->mpx.priority = 10;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	set_bit(NVME_MPX_P_PINNED, &a->mpx.flags);
	b->ana_state = NVME_ANA_NONOPTIMIZED;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_as_active(t_pol(test)), b);

	/* Held by failback or quarantine: no longer kept. */
	set_bit(NVME_MPX_P_HELD, &b->mpx.flags);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	clear_bit(NVME_MPX_P_HELD, &b->mpx.flags);

	/* a was moved to just now: the better b has to wait too. */
	clear_bit(NVME_MPX_P_PINNED, &a->mpx.flags);
	b->ana_state = NVME_ANA_OPTIMIZED;
	b->mpx.priority = 20;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);

	/* No interval: the best path wins at once. */
	t->head->mpx.failover_interval_ms = 0;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
}

static void mpx_test_endio(struct bio *bio)
{
	(*(int *)bio->bi_private)++;
}

/* The failover count rides on the bio and leaves it as it came. */
static void mpx_test_fo_budget(struct kunit *test)
{
	struct bio *bio = bio_kmalloc(0, GFP_KERNEL);
	int ended = 0;

	KUNIT_ASSERT_NOT_NULL(test, bio);
	bio_init(bio, NULL, NULL, 0, REQ_OP_READ);
	bio->bi_end_io = mpx_test_endio;
	bio->bi_private = &ended;
	KUNIT_EXPECT_TRUE(test, nvme_mpx_fo_budget(bio, 2));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_fo_budget(bio, 2));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_fo_budget(bio, 2));
	/* A lower budget counts what was already spent. */
	KUNIT_EXPECT_FALSE(test, nvme_mpx_fo_budget(bio, 1));
	KUNIT_EXPECT_EQ(test, ended, 0);
	bio_endio(bio);
	KUNIT_EXPECT_EQ(test, ended, 1);
	KUNIT_EXPECT_TRUE(test, bio->bi_end_io == mpx_test_endio);
	KUNIT_EXPECT_PTR_EQ(test, bio->bi_private, (void *)&ended);
	bio_uninit(bio);
	kfree(bio);
}

static const char *mpx_test_ev(u8 from, u8 to)
{
	return nvme_mpx_ev_name(from, to) ?: "-";
}

/* One event per reported change; a new path is reported once it is up. */
static void mpx_test_ev_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_NEW, NVME_MPX_EV_UP),
			   "path_added");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_NEW, NVME_MPX_EV_DOWN), "-");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_NEW, NVME_MPX_EV_GONE), "-");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_UP, NVME_MPX_EV_UP), "-");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_UP, NVME_MPX_EV_DOWN),
			   "path_failed");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_UP, NVME_MPX_EV_GONE),
			   "path_failed");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_DOWN, NVME_MPX_EV_GONE), "-");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_DOWN, NVME_MPX_EV_UP),
			   "path_reinstated");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_UP, NVME_MPX_EV_QUARANTINED),
			   "path_quarantined");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_DOWN, NVME_MPX_EV_QUARANTINED),
			   "path_quarantined");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_QUARANTINED, NVME_MPX_EV_DOWN),
			   "path_failed");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_QUARANTINED, NVME_MPX_EV_UP),
			   "path_reinstated");
	KUNIT_EXPECT_STREQ(test, mpx_test_ev(NVME_MPX_EV_GONE, NVME_MPX_EV_UP), "-");
}

/* ---- failback over a simulated clock ---- */

static void mpx_test_fb_hold(struct kunit *test)
{
	unsigned long until = 42;

	KUNIT_EXPECT_FALSE(test, nvme_mpx_fb_hold(NVME_MPX_FB_IMMEDIATE,
						  NVME_MPX_RET_RECONNECT, 100,
						  &until));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_fb_hold(NVME_MPX_FB_IMMEDIATE,
						  NVME_MPX_RET_ANA, 100,
						  &until));
	KUNIT_EXPECT_EQ(test, until, 42);

	KUNIT_EXPECT_TRUE(test, nvme_mpx_fb_hold(NVME_MPX_FB_MANUAL,
						 NVME_MPX_RET_RECONNECT, 100,
						 &until));
	KUNIT_EXPECT_EQ(test, until, 0);
	until = 42;
	KUNIT_EXPECT_TRUE(test, nvme_mpx_fb_hold(NVME_MPX_FB_MANUAL,
						 NVME_MPX_RET_ADMIN, 100,
						 &until));
	KUNIT_EXPECT_EQ(test, until, 0);

	/* followover: only a move made by the array is kept. */
	KUNIT_EXPECT_FALSE(test, nvme_mpx_fb_hold(NVME_MPX_FB_FOLLOWOVER,
						  NVME_MPX_RET_RECONNECT, 100,
						  &until));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_fb_hold(NVME_MPX_FB_FOLLOWOVER,
						  NVME_MPX_RET_ADMIN, 100,
						  &until));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_fb_hold(NVME_MPX_FB_FOLLOWOVER,
						 NVME_MPX_RET_ANA, 100,
						 &until));
	KUNIT_EXPECT_EQ(test, until, 0);

	/* Seconds: a deadline, never 0 even where jiffies wrap to it. */
	KUNIT_EXPECT_TRUE(test, nvme_mpx_fb_hold(10, NVME_MPX_RET_ANA, 100,
						 &until));
	KUNIT_EXPECT_EQ(test, until, 100 + 10 * HZ);
	KUNIT_EXPECT_TRUE(test, nvme_mpx_fb_hold(1, NVME_MPX_RET_RECONNECT,
						 -(unsigned long)HZ, &until));
	KUNIT_EXPECT_EQ(test, until, 1);
}

static void mpx_test_fb_timeline(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	unsigned long t0 = jiffies, next;
	struct nvme_ns *a, *b;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	a->mpx.priority = 1;
	mpx_test_use(test, &nvme_mpx_as);
	t->head->mpx.failback = 5;

	/* a comes back: held, b keeps the I/O. */
	nvme_mpx_path_returned(a, NVME_MPX_RET_RECONNECT);
	KUNIT_EXPECT_TRUE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	next = nvme_mpx_fb_scan(t->head, t0 + 4 * HZ);
	KUNIT_EXPECT_EQ(test, next, a->mpx.held_until);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);

	/* Lost and back again at +3 s: the clock restarts. */
	nvme_mpx_path_returned(a, NVME_MPX_RET_RECONNECT);
	a->mpx.held_until = t0 + 3 * HZ + 5 * HZ;
	KUNIT_EXPECT_NE(test, nvme_mpx_fb_scan(t->head, t0 + 5 * HZ), 0);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_NE(test, nvme_mpx_fb_scan(t->head, t0 + 8 * HZ - 1), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));

	/* Due: released, nothing left to wait for, a is active again. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_fb_scan(t->head, t0 + 8 * HZ), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);

	/* The only path left is used even while held. */
	nvme_mpx_path_returned(a, NVME_MPX_RET_RECONNECT);
	b->ctrl->state = NVME_CTRL_CONNECTING;
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
}

static void mpx_test_fb_manual(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	struct nvme_ns *a, *b;
	int ret;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	a->mpx.priority = 1;
	mpx_test_use(test, &nvme_mpx_as);
	t->head->mpx.failback = NVME_MPX_FB_MANUAL;

	/* Admin fail: out at once; reinstate: held until activated. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_path_set_failed(a, true), 0);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_EQ(test, nvme_mpx_path_set_failed(a, false), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_FAILED, &a->mpx.flags));
	KUNIT_EXPECT_TRUE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));
	/* An open-ended hold never ends by the clock. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_fb_scan(t->head, jiffies + 1000 * HZ),
			0);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_EQ(test, nvme_mpx_path_activate(a), 0);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);

	/* Reinstating a path that is not failed changes nothing. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_path_set_failed(a, false), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));

	/* Switching the policy to a timeout starts the clock for holds. */
	nvme_mpx_path_returned(a, NVME_MPX_RET_ADMIN);
	KUNIT_EXPECT_EQ(test, a->mpx.held_until, 0);
	KUNIT_EXPECT_EQ(test, nvme_mpx_head_set_failback(t->head, 7), 0);
	KUNIT_EXPECT_NE(test, a->mpx.held_until, 0);
	/* ... and immediate ends them. */
	ret = nvme_mpx_head_set_failback(t->head, NVME_MPX_FB_IMMEDIATE);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));
	ret = nvme_mpx_head_set_failback(t->head, NVME_MPX_FB_MAX_SECS + 1);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, t->head->mpx.failback, NVME_MPX_FB_IMMEDIATE);
}

/* ---- per-path accounting ---- */

static struct request *mpx_test_rq(struct kunit *test, unsigned int bytes)
{
	struct request *rq;

	rq = kunit_kzalloc(test, sizeof(*rq) + sizeof(struct nvme_request),
			   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rq);
	rq->__data_len = bytes;
	return rq;
}

static void mpx_test_accounting(struct kunit *test)
{
	struct request *r1 = mpx_test_rq(test, 4096);
	struct request *r2 = mpx_test_rq(test, 8192);
	struct request *r3 = mpx_test_rq(test, 512);
	struct nvme_ns *a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);

	nvme_mpx_account_start(a, r1);
	nvme_mpx_account_start(a, r2);
	nvme_mpx_account_start(a, r3);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->mpx.inflight), 3);
	/* A retry is started again: counted as such, not twice in flight. */
	nvme_mpx_account_start(a, r2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->mpx.inflight), 3);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a->mpx.retries), 1);

	nvme_mpx_account_end(a, r1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a->mpx.bytes), 4096);
	KUNIT_EXPECT_GT(test, a->mpx.lat_ewma, 0);
	/* Depth seen by r1: three in flight, itself included. */
	KUNIT_EXPECT_EQ(test, a->mpx.qd_ewma, 3 << 4);

	/* Errors and failovers count, but feed no latency. */
	a->mpx.lat_ewma = 12345;
	nvme_req(r2)->status = NVME_SC_INTERNAL;
	nvme_mpx_account_end(a, r2);
	nvme_req(r3)->flags |= NVME_MPX_FAILOVER;
	nvme_mpx_account_end(a, r3);
	KUNIT_EXPECT_EQ(test, a->mpx.lat_ewma, 12345);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a->mpx.ios), 3);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a->mpx.bytes), 4096);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a->mpx.errors), 2);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a->mpx.failovers), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->mpx.inflight), 0);
}

/* ---- failure handling: stalls, flapping, queueing without a path ---- */

static void mpx_test_stall_threshold(struct kunit *test)
{
	/* 10 x 2 ms = 20 ms, below the 400 ms floor. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_stall_threshold(2000000, 10, 400, 5000),
			400);
	/* 10 x 100 ms = 1 s, between floor and ceiling. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_stall_threshold(100000000, 10, 400,
						       5000), 1000);
	/* 10 x 2 s = 20 s, capped. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_stall_threshold(2000000000ULL, 10, 400,
						       5000), 5000);
	/* Never measured: the floor. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_stall_threshold(0, 10, 400, 5000), 400);
	/* Ceiling 0: detection off. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_stall_threshold(100000000, 10, 400, 0),
			0);
	/* Huge averages and multipliers do not overflow into small ones. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_stall_threshold(U64_MAX / 2, 1000, 400,
						       600000), 600000);
}

static void mpx_test_stalled(struct kunit *test)
{
	struct nvme_ns *a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	unsigned long t0 = jiffies;
	unsigned int thr = 400;

	/* Idle paths never stall, however old their last completion. */
	a->mpx.last_done = t0 - 100 * HZ;
	a->mpx.busy_since = t0 - 100 * HZ;
	KUNIT_EXPECT_FALSE(test, nvme_mpx_is_stalled(a, t0, thr));

	/* Busy since t0: stalled only once the threshold has passed. */
	atomic_set(&a->mpx.inflight, 3);
	a->mpx.busy_since = t0;
	KUNIT_EXPECT_FALSE(test, nvme_mpx_is_stalled(a, t0 +
						     msecs_to_jiffies(thr), thr));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_is_stalled(a, t0 +
						    msecs_to_jiffies(thr) + 1,
						    thr));
	/* A completion restarts the clock. */
	a->mpx.last_done = t0 + msecs_to_jiffies(300);
	KUNIT_EXPECT_FALSE(test, nvme_mpx_is_stalled(a, t0 +
						     msecs_to_jiffies(500), thr));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_is_stalled(a, t0 +
						    msecs_to_jiffies(800), thr));
}

static void mpx_test_flap_window(struct kunit *test)
{
	struct nvme_mpx_path p = { };
	unsigned long t0 = jiffies;
	int i;

	/* Off. */
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_FALSE(test, nvme_mpx_flap(&p, 0, 60, t0 + i));

	/* 3 within 60 s: the third one quarantines, the count restarts. */
	memset(&p, 0, sizeof(p));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_flap(&p, 3, 60, t0));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_flap(&p, 3, 60, t0 + 10 * HZ));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_flap(&p, 3, 60, t0 + 20 * HZ));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_flap(&p, 3, 60, t0 + 21 * HZ));

	/* Spread wider than the window: never. */
	memset(&p, 0, sizeof(p));
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_FALSE(test, nvme_mpx_flap(&p, 3, 60,
						       t0 + i * 31 * HZ));
}

/* nvme_mpx_host_path_error() for a live controller's host path error */
static bool mpx_hpe(struct nvme_mpx_path *p, unsigned long now)
{
	return nvme_mpx_host_path_error(p, NVME_SC_HOST_PATH_ERROR,
					NVME_CTRL_LIVE, now);
}

/*
 * Host path errors from a live controller: the 32nd within 10 s is the
 * verdict, once a window; healthy completions in between change nothing.
 */
static void mpx_test_host_path_errors(struct kunit *test)
{
	struct nvme_mpx_path p = { };
	unsigned long t0 = jiffies;
	struct nvme_ns *a;
	int i;

	for (i = 1; i < 32; i++)
		KUNIT_EXPECT_FALSE(test, mpx_hpe(&p, t0 + i));
	KUNIT_EXPECT_TRUE(test, mpx_hpe(&p, t0 + 32));
	/* Once: the path is then reset, not reported again in the window. */
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_FALSE(test, mpx_hpe(&p, t0 + 40));

	/* The window is 10 s from its first error, both ends included. */
	t0 += 20 * HZ;
	for (i = 1; i < 32; i++)
		KUNIT_EXPECT_FALSE(test, mpx_hpe(&p, t0));
	KUNIT_EXPECT_TRUE(test, mpx_hpe(&p, t0 + 10 * HZ));
	t0 += 20 * HZ;
	for (i = 1; i < 32; i++)
		KUNIT_EXPECT_FALSE(test, mpx_hpe(&p, t0));
	KUNIT_EXPECT_FALSE(test, mpx_hpe(&p, t0 + 10 * HZ + 1));

	/* Spread wider than the window: never. */
	memset(&p, 0, sizeof(p));
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_FALSE(test, mpx_hpe(&p, t0 + i * HZ / 3));

	/* Errors from before a reconnect do not count after it. */
	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	for (i = 1; i < 32; i++)
		KUNIT_EXPECT_FALSE(test, mpx_hpe(&a->mpx, t0));
	nvme_mpx_path_returned(a, NVME_MPX_RET_RECONNECT);
	for (i = 1; i < 32; i++)
		KUNIT_EXPECT_FALSE(test, mpx_hpe(&a->mpx, t0));
	KUNIT_EXPECT_TRUE(test, mpx_hpe(&a->mpx, t0));
}

/*
 * Only the transport's host path error, only from a live controller: the
 * array's own path statuses and a reset's cancellations are not counted.
 */
static void mpx_test_host_path_errors_only(struct kunit *test)
{
	static const u16 other[] = {
		NVME_SC_HOST_ABORTED_CMD, NVME_SC_CTRL_PATH_ERROR,
		NVME_SC_INTERNAL_PATH_ERROR, NVME_SC_ANA_INACCESSIBLE,
		NVME_SC_ANA_TRANSITION,
	};
	static const enum nvme_ctrl_state down[] = {
		NVME_CTRL_RESETTING, NVME_CTRL_CONNECTING, NVME_CTRL_DELETING,
	};
	struct nvme_mpx_path p = { };
	unsigned long t0 = jiffies;
	bool hit = false;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(other); i++)
		for (j = 0; j < 100; j++)
			hit |= nvme_mpx_host_path_error(&p, other[i],
							NVME_CTRL_LIVE, t0);
	for (i = 0; i < ARRAY_SIZE(down); i++)
		for (j = 0; j < 100; j++)
			hit |= nvme_mpx_host_path_error(&p,
							NVME_SC_HOST_PATH_ERROR,
							down[i], t0);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.hpe_count), 0);
}

static void mpx_test_nopath_queue(struct kunit *test)
{
	unsigned long t0 = jiffies;

	/* auto: as long as a controller may come back. */
	KUNIT_EXPECT_TRUE(test, nvme_mpx_nopath_queue(NVME_MPX_QNP_AUTO, t0,
						      t0 + 1000 * HZ, true));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_nopath_queue(NVME_MPX_QNP_AUTO, t0,
						       t0, false));
	/* forever: even when none may. */
	KUNIT_EXPECT_TRUE(test, nvme_mpx_nopath_queue(NVME_MPX_QNP_FOREVER, t0,
						      t0 + 100000 * HZ, false));
	/* fail: never. */
	KUNIT_EXPECT_FALSE(test, nvme_mpx_nopath_queue(0, t0, t0, true));
	/* N seconds from the start of the outage, whatever else. */
	KUNIT_EXPECT_TRUE(test, nvme_mpx_nopath_queue(5, t0, t0 + 5 * HZ - 1,
						      false));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_nopath_queue(5, t0, t0 + 5 * HZ,
						       true));
}

/* A path back from failures too often is held, then released. */
static void mpx_test_quarantine(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	struct nvme_ns *a, *b;
	int i;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	t->head->mpx.flap_limit = 3;
	for (i = 0; i < 2; i++)
		nvme_mpx_path_returned(a, NVME_MPX_RET_RECONNECT);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));
	/* Admin actions are not failures. */
	nvme_mpx_path_returned(a, NVME_MPX_RET_ADMIN);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));
	nvme_mpx_path_returned(a, NVME_MPX_RET_ANA);
	KUNIT_EXPECT_TRUE(test, test_bit(NVME_MPX_P_QUARANTINED,
					 &a->mpx.flags));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&a->mpx.quarantines), 1);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	/* The hold ends on time, and takes the quarantine with it. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_fb_scan(t->head, a->mpx.held_until), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_QUARANTINED,
					  &a->mpx.flags));
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_HELD, &a->mpx.flags));
	/* A stalled path is out until it returns. */
	set_bit(NVME_MPX_P_STALLED, &a->mpx.flags);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	t->head->mpx.flap_limit = 0;
	nvme_mpx_path_returned(a, NVME_MPX_RET_RECONNECT);
	KUNIT_EXPECT_FALSE(test, test_bit(NVME_MPX_P_STALLED, &a->mpx.flags));
}

static struct kunit_case mpx_path_cases[] = {
	KUNIT_CASE(mpx_test_ewma),
	KUNIT_CASE(mpx_test_st_estimate),
	KUNIT_CASE(mpx_test_st_asymmetric),
	KUNIT_CASE(mpx_test_st_symmetric),
	KUNIT_CASE(mpx_test_wrr_split),
	KUNIT_CASE(mpx_test_wrr_tiers_and_join),
	KUNIT_CASE(mpx_test_as_order),
	KUNIT_CASE(mpx_test_as_failed),
	KUNIT_CASE(mpx_test_as_interval),
	KUNIT_CASE(mpx_test_fo_budget),
	KUNIT_CASE(mpx_test_ev_names),
	KUNIT_CASE(mpx_test_fb_hold),
	KUNIT_CASE(mpx_test_fb_timeline),
	KUNIT_CASE(mpx_test_fb_manual),
	KUNIT_CASE(mpx_test_accounting),
	KUNIT_CASE(mpx_test_stall_threshold),
	KUNIT_CASE(mpx_test_stalled),
	KUNIT_CASE(mpx_test_flap_window),
	KUNIT_CASE(mpx_test_host_path_errors),
	KUNIT_CASE(mpx_test_host_path_errors_only),
	KUNIT_CASE(mpx_test_nopath_queue),
	KUNIT_CASE(mpx_test_quarantine),
	{}
};

static struct kunit_suite mpx_path_suite = {
	.name		= "nvme-mpx-path-control",
	.init		= mpx_test_init,
	.exit		= mpx_test_exit,
	.test_cases	= mpx_path_cases,
};

/* ---- registry, per-head policy and inheritance ---- */

static void mpx_test_registry(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_find_selector("numa"),
			    &nvme_mpx_numa);
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_find_selector("round-robin\n"),
			    &nvme_mpx_rr);
	KUNIT_EXPECT_PTR_EQ(test, nvme_mpx_find_selector("queue-depth"),
			    &nvme_mpx_qd);
	KUNIT_EXPECT_NULL(test, nvme_mpx_find_selector(NULL));
	KUNIT_EXPECT_NULL(test, nvme_mpx_find_selector(""));
	KUNIT_EXPECT_NULL(test, nvme_mpx_find_selector("inherit"));
	KUNIT_EXPECT_NULL(test, nvme_mpx_find_selector("NUMA"));
	KUNIT_EXPECT_NULL(test, nvme_mpx_find_selector("numa-x"));
	KUNIT_EXPECT_NULL(test, nvme_mpx_find_selector("round"));
}

static void mpx_test_inherit(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	struct nvme_ns_head *head = t->head;
	struct nvme_mpx_policy *pol;
	struct gendisk *disk;

	/* nvme_mpx_subsys_set_policy() only touches heads with a disk. */
	disk = kunit_kzalloc(test, sizeof(*disk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, disk);
	head->disk = disk;
	list_add_tail(&head->entry, &t->subsys->nsheads);

	KUNIT_ASSERT_EQ(test, nvme_mpx_head_init_policy(head), 0);
	KUNIT_EXPECT_PTR_EQ(test, head->mpx_sel, &nvme_mpx_numa);
	KUNIT_EXPECT_NULL(test, head->mpx_override);

	/* Inheriting heads follow the subsystem. */
	nvme_mpx_subsys_set_policy(t->subsys, &nvme_mpx_rr);
	KUNIT_EXPECT_PTR_EQ(test, head->mpx_sel, &nvme_mpx_rr);

	/* Own policy: kept across subsystem changes. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_head_set_policy(head, &nvme_mpx_qd), 0);
	KUNIT_EXPECT_PTR_EQ(test, head->mpx_sel, &nvme_mpx_qd);
	nvme_mpx_subsys_set_policy(t->subsys, &nvme_mpx_numa);
	KUNIT_EXPECT_PTR_EQ(test, head->mpx_sel, &nvme_mpx_qd);
	KUNIT_EXPECT_PTR_EQ(test, t->subsys->mpx_sel, &nvme_mpx_numa);

	/* Same selector again: the instance (and its state) is kept. */
	pol = rcu_access_pointer(head->mpx_policy);
	KUNIT_EXPECT_EQ(test, nvme_mpx_head_set_policy(head, &nvme_mpx_qd), 0);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(head->mpx_policy), pol);

	/* Back to inherit. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_head_set_policy(head, NULL), 0);
	KUNIT_EXPECT_NULL(test, head->mpx_override);
	KUNIT_EXPECT_PTR_EQ(test, head->mpx_sel, &nvme_mpx_numa);
	pol = rcu_access_pointer(head->mpx_policy);
	KUNIT_EXPECT_PTR_EQ(test, pol->sel, &nvme_mpx_numa);

	list_del(&head->entry);
	head->disk = NULL;
}

static ssize_t mpx_test_store(struct device *dev, const char *val)
{
	return subsys_attr_iopolicy.store(dev, &subsys_attr_iopolicy, val,
					  strlen(val));
}

static void mpx_test_subsys_attr(struct kunit *test)
{
	struct mpx_test *t = test->priv;
	struct device *dev = &t->subsys->dev;
	char *buf;

	/* sysfs_emit() wants a page-aligned page, as sysfs passes it. */
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	/* Unknown names are refused and change nothing. */
	KUNIT_EXPECT_EQ(test, mpx_test_store(dev, "bogus\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, mpx_test_store(dev, "\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, mpx_test_store(dev, "inherit"), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, t->subsys->mpx_sel, &nvme_mpx_numa);

	KUNIT_EXPECT_EQ(test, mpx_test_store(dev, "queue-depth\n"), 12);
	KUNIT_EXPECT_PTR_EQ(test, t->subsys->mpx_sel, &nvme_mpx_qd);
	KUNIT_EXPECT_EQ(test, subsys_attr_iopolicy.show(dev,
							&subsys_attr_iopolicy,
							buf), 12);
	KUNIT_EXPECT_STREQ(test, buf, "queue-depth\n");
}

static struct kunit_case mpx_sel_common_cases[] = {
	KUNIT_CASE_PARAM(mpx_test_empty, mpx_sel_gen_params),
	KUNIT_CASE_PARAM(mpx_test_tier_matrix, mpx_sel_gen_params),
	KUNIT_CASE_PARAM(mpx_test_opt_over_nonopt, mpx_sel_gen_params),
	KUNIT_CASE_PARAM(mpx_test_state_change, mpx_sel_gen_params),
	KUNIT_CASE_PARAM(mpx_test_path_removed, mpx_sel_gen_params),
	{}
};

static struct kunit_suite mpx_sel_common_suite = {
	.name		= "nvme-mpx-selectors",
	.init		= mpx_test_init,
	.exit		= mpx_test_exit,
	.test_cases	= mpx_sel_common_cases,
};

static struct kunit_case mpx_numa_cases[] = {
	KUNIT_CASE(mpx_test_numa_closest),
	KUNIT_CASE(mpx_test_numa_tier_before_distance),
	KUNIT_CASE(mpx_test_numa_ties_and_no_node),
	KUNIT_CASE(mpx_test_numa_cache),
	{}
};

static struct kunit_suite mpx_numa_suite = {
	.name		= "nvme-mpx-numa",
	.init		= mpx_test_init,
	.exit		= mpx_test_exit,
	.test_cases	= mpx_numa_cases,
};

static struct kunit_case mpx_rr_cases[] = {
	KUNIT_CASE(mpx_test_rr_rotates),
	KUNIT_CASE(mpx_test_rr_skips),
	KUNIT_CASE(mpx_test_rr_nonopt_only),
	KUNIT_CASE(mpx_test_rr_sticky),
	KUNIT_CASE(mpx_test_rr_per_node),
	KUNIT_CASE(mpx_test_rr_stale_cursor),
	KUNIT_CASE(mpx_test_rr_failed),
	{}
};

static struct kunit_suite mpx_rr_suite = {
	.name		= "nvme-mpx-round-robin",
	.init		= mpx_test_init,
	.exit		= mpx_test_exit,
	.test_cases	= mpx_rr_cases,
};

static struct kunit_case mpx_qd_cases[] = {
	KUNIT_CASE(mpx_test_qd_least_busy),
	KUNIT_CASE(mpx_test_qd_shared_ctrl),
	KUNIT_CASE(mpx_test_qd_accounting),
	{}
};

static struct kunit_suite mpx_qd_suite = {
	.name		= "nvme-mpx-queue-depth",
	.init		= mpx_test_init,
	.exit		= mpx_test_exit,
	.test_cases	= mpx_qd_cases,
};

static struct kunit_case mpx_policy_cases[] = {
	KUNIT_CASE(mpx_test_registry),
	KUNIT_CASE(mpx_test_inherit),
	KUNIT_CASE(mpx_test_subsys_attr),
	{}
};

static struct kunit_suite mpx_policy_suite = {
	.name		= "nvme-mpx-policy",
	.init		= mpx_test_init,
	.exit		= mpx_test_exit,
	.test_cases	= mpx_policy_cases,
};

kunit_test_suites(&mpx_sel_common_suite, &mpx_numa_suite, &mpx_rr_suite,
		  &mpx_qd_suite, &mpx_path_suite, &mpx_policy_suite);

MODULE_DESCRIPTION("KUnit tests for NVMe multipath path selectors");
MODULE_LICENSE("GPL");
