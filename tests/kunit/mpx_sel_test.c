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
	set_bit(NVME_NS_READY, &ns->flags);
	list_add_tail_rcu(&ns->siblings, &t->head->list);
	t->ns[t->nr++] = ns;
	return ns;
}

static void mpx_test_use(struct kunit *test,
			 const struct nvme_mpx_selector *sel)
{
	struct mpx_test *t = test->priv;

	nvme_mpx_policy_free(t->pol);
	t->pol = nvme_mpx_policy_alloc(sel, MPX_TEST_NODES, mpx_test_distance);
	KUNIT_ASSERT_NOT_NULL(test, t->pol);
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
 * 2 must not be used.
 */
struct mpx_test_cond {
	enum nvme_ana_state ana;
	enum nvme_ctrl_state state;
	bool ready;
	bool ana_pending;
	int tier;
};

static const struct mpx_test_cond mpx_test_conds[] = {
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_LIVE,	  true,  false, 0 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_LIVE,	  true,  false, 1 },
	{ NVME_ANA_INACCESSIBLE,    NVME_CTRL_LIVE,	  true,  false, 2 },
	{ NVME_ANA_PERSISTENT_LOSS, NVME_CTRL_LIVE,	  true,  false, 2 },
	{ NVME_ANA_CHANGE,	    NVME_CTRL_LIVE,	  true,  false, 2 },
	{ 0,			    NVME_CTRL_LIVE,	  true,  false, 2 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_DELETING,	  true,  false, 0 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_DELETING,	  true,  false, 1 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_RESETTING,  true,  false, 2 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_CONNECTING, true,  false, 2 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_DEAD,	  true,  false, 2 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_DELETING_NOIO, true, false, 2 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_NEW,	  true,  false, 2 },
	{ NVME_ANA_OPTIMIZED,	    NVME_CTRL_LIVE,	  false, false, 2 },
	{ NVME_ANA_NONOPTIMIZED,    NVME_CTRL_LIVE,	  true,  true,  2 },
};

static void mpx_test_apply_cond(struct nvme_ns *ns,
				const struct mpx_test_cond *c)
{
	ns->ana_state = c->ana;
	ns->ctrl->state = c->state;
	assign_bit(NVME_NS_READY, &ns->flags, c->ready);
	assign_bit(NVME_NS_ANA_PENDING, &ns->flags, c->ana_pending);
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

		best = 2;
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

static void mpx_test_rr_failed_restarts(struct kunit *test)
{
	struct nvme_ns *a, *b;

	a = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	b = mpx_test_add(test, NVME_ANA_OPTIMIZED, 0);
	mpx_test_use(test, &nvme_mpx_rr);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), b);
	KUNIT_EXPECT_TRUE(test, mpx_test_failed(test, b));
	KUNIT_EXPECT_FALSE(test, mpx_test_failed(test, b));
	KUNIT_EXPECT_PTR_EQ(test, mpx_test_select(test, 0), a);
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
	KUNIT_CASE(mpx_test_rr_failed_restarts),
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
		  &mpx_qd_suite, &mpx_policy_suite);

MODULE_DESCRIPTION("KUnit tests for NVMe multipath path selectors");
MODULE_LICENSE("GPL");
