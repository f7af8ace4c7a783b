/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe native multipath (mpx): interfaces shared by the head/I-O core,
 * ANA handling, sysfs and the path selectors.
 *
 * Path selection is split in two layers.  The core decides *whether* a path
 * may carry I/O at all and groups usable paths into tiers by ANA state
 * (optimized before non-optimized).  A path selector only decides *which*
 * path of the best non-empty tier to use.  Selectors are modelled on
 * dm-path-selector.h: an ops table plus per-head private state.
 */
#ifndef _NVME_MPX_H
#define _NVME_MPX_H

#include <linux/indirect_call_wrapper.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include "nvme.h"

struct nvme_mpx_policy;

/**
 * struct nvme_mpx_selector - a path selection policy
 * @name: policy name, as written to the iopolicy / mpx_iopolicy attributes
 * @init: allocate per-head private state in @pol->priv (may sleep)
 * @exit: free @pol->priv; called from an SRCU callback, must not sleep
 * @select: return the path for the next I/O submitted from NUMA node @node,
 *	or NULL if no path is usable.  Called under head->srcu, possibly from
 *	many CPUs at once: must take no lock and allocate nothing.
 * @path_added: @ns was attached to the head (not necessarily usable yet)
 * @path_removed: @ns left head->list for good; drop every reference to it
 * @path_failed: @ns must not be handed out from cached state any more;
 *	return true if a cached reference was dropped.  May run in I/O
 *	completion (hard or soft irq) context.
 * @path_reinstated: @ns became usable again; cached choices may be stale
 * @start_io: I/O accounting when a request is started on @ns.  Returns true
 *	if it took a reference that @end_io of the same selector must drop.
 *	Runs without head->srcu, so it only gets the path, not the policy.
 * @end_io: I/O accounting on completion, paired with a true @start_io
 * @path_nodes: report the NUMA nodes for which @ns is the cached choice
 *
 * All hooks except @select are optional.  Every hook that gets @pol is
 * called with head->srcu held (or on a policy not yet/no longer published).
 */
struct nvme_mpx_selector {
	const char *name;
	int (*init)(struct nvme_mpx_policy *pol);
	void (*exit)(struct nvme_mpx_policy *pol);
	struct nvme_ns *(*select)(struct nvme_mpx_policy *pol,
				  struct nvme_ns_head *head, int node);
	void (*path_added)(struct nvme_mpx_policy *pol, struct nvme_ns *ns);
	void (*path_removed)(struct nvme_mpx_policy *pol, struct nvme_ns *ns);
	bool (*path_failed)(struct nvme_mpx_policy *pol, struct nvme_ns *ns);
	void (*path_reinstated)(struct nvme_mpx_policy *pol,
				struct nvme_ns *ns);
	bool (*start_io)(struct nvme_ns *ns, struct request *rq);
	void (*end_io)(struct nvme_ns *ns, struct request *rq);
	void (*path_nodes)(struct nvme_mpx_policy *pol, struct nvme_ns *ns,
			   nodemask_t *nodes);
};

/**
 * struct nvme_mpx_policy - a selector instantiated for one namespace head
 * @sel: the selector
 * @priv: selector private state
 * @nr_nodes: NUMA node ids passed to @sel->select are below this
 * @distance: NUMA distance between two nodes (node_distance() in the
 *	kernel, a fake topology in KUnit)
 * @rcu: deferred free after the head's SRCU grace period
 *
 * Published in nvme_ns_head.mpx_policy and replaced as a whole when the
 * policy changes, so readers always see a selector with its own state.
 */
struct nvme_mpx_policy {
	const struct nvme_mpx_selector *sel;
	void *priv;
	unsigned int nr_nodes;
	int (*distance)(int from, int to);
	struct rcu_head rcu;
};

/* Usable paths in decreasing order of preference. */
enum nvme_mpx_tier {
	NVME_MPX_TIER_OPT,
	NVME_MPX_TIER_NONOPT,
	NVME_MPX_TIER_HELD,	/* usable, but waiting for failback */
	NVME_MPX_TIER_NONE,	/* may not carry I/O right now */
};

/*
 * Can @ns take I/O right now, ANA aside?  A DELETING controller is still
 * connected and completes what it gets; anything else but LIVE fails the
 * I/O straight back to the requeue list, so do not even try.
 */
static inline bool nvme_mpx_path_ready(struct nvme_ns *ns)
{
	enum nvme_ctrl_state state = nvme_ctrl_state(ns->ctrl);

	if (state != NVME_CTRL_LIVE && state != NVME_CTRL_DELETING)
		return false;
	return test_bit(NVME_NS_READY, &ns->flags) &&
	       !test_bit(NVME_NS_ANA_PENDING, &ns->flags);
}

/*
 * A path the admin failed, or one found stalled, carries nothing new.  A path held by the failback
 * policy is still a last resort: holding it must never cost availability.
 */
static inline enum nvme_mpx_tier nvme_mpx_tier(struct nvme_ns *ns)
{
	unsigned long flags = READ_ONCE(ns->mpx.flags);
	enum nvme_mpx_tier tier;

	if (!nvme_mpx_path_ready(ns) ||
	    (flags & (BIT(NVME_MPX_P_FAILED) | BIT(NVME_MPX_P_STALLED))))
		return NVME_MPX_TIER_NONE;
	switch (READ_ONCE(ns->ana_state)) {
	case NVME_ANA_OPTIMIZED:
		tier = NVME_MPX_TIER_OPT;
		break;
	case NVME_ANA_NONOPTIMIZED:
		tier = NVME_MPX_TIER_NONOPT;
		break;
	default:
		return NVME_MPX_TIER_NONE;
	}
	return (flags & BIT(NVME_MPX_P_HELD)) ? NVME_MPX_TIER_HELD : tier;
}

/*
 * Selectors rank paths by one number: the tier in the top byte, their own
 * cost below it, lowest wins.  Zero is an optimized path that cannot be
 * beaten, which ends a scan early.
 */
#define NVME_MPX_COST_MAX	((1ULL << 56) - 1)

static inline u64 nvme_mpx_key(enum nvme_mpx_tier tier, u64 cost)
{
	return (u64)tier << 56 | min_t(u64, cost, NVME_MPX_COST_MAX);
}

/*
 * The usable path of @head with the lowest key, as computed by @key from
 * the path and its tier (usually nvme_mpx_key(tier, <selector's cost>));
 * ties go to the first path in head->list.  Inlined into each selector so
 * that @key is a direct call.  Caller holds head->srcu.
 */
static __always_inline struct nvme_ns *
nvme_mpx_cheapest(struct nvme_ns_head *head,
		  u64 (*key_of)(struct nvme_ns *ns, enum nvme_mpx_tier tier,
				void *arg), void *arg)
{
	u64 key, best_key = U64_MAX;
	struct nvme_ns *ns, *best = NULL;
	enum nvme_mpx_tier tier;

	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		tier = nvme_mpx_tier(ns);
		if (tier == NVME_MPX_TIER_NONE)
			continue;
		key = key_of(ns, tier, arg);
		if (key >= best_key)
			continue;
		best_key = key;
		best = ns;
		if (!key)
			break;
	}
	return best;
}

/* Exponentially weighted moving average, new samples weigh 1 / 2^shift. */
static inline u64 nvme_mpx_ewma(u64 avg, u64 sample, unsigned int shift)
{
	if (!avg)
		return sample ?: 1;
	return avg - (avg >> shift) + (sample >> shift);
}

/*
 * Per-node cached path, shared by the numa and round-robin selectors.
 * Slots are written without a lock: any value a racing writer stores was a
 * valid choice when it was made, and readers revalidate what they load.
 */
struct nvme_mpx_node_cache {
	unsigned int nr;
	struct nvme_ns __rcu *slot[] __counted_by(nr);
};

struct nvme_mpx_node_cache *nvme_mpx_cache_alloc(unsigned int nr);
bool nvme_mpx_cache_drop(struct nvme_mpx_node_cache *c, struct nvme_ns *ns);
void nvme_mpx_cache_clear(struct nvme_mpx_node_cache *c);
void nvme_mpx_cache_nodes(struct nvme_mpx_node_cache *c, struct nvme_ns *ns,
			  nodemask_t *nodes);

static inline struct nvme_ns *
nvme_mpx_cache_get(struct nvme_mpx_node_cache *c, int node,
		   struct nvme_ns_head *head)
{
	return srcu_dereference(c->slot[node], &head->srcu);
}

static inline void nvme_mpx_cache_set(struct nvme_mpx_node_cache *c,
				      int node, struct nvme_ns *ns)
{
	rcu_assign_pointer(c->slot[node], ns);
}

/* Built-in selectors (mpx-ps-*.c). */
extern const struct nvme_mpx_selector nvme_mpx_numa;
extern const struct nvme_mpx_selector nvme_mpx_rr;
extern const struct nvme_mpx_selector nvme_mpx_qd;
extern const struct nvme_mpx_selector nvme_mpx_st;
extern const struct nvme_mpx_selector nvme_mpx_as;
extern const struct nvme_mpx_selector nvme_mpx_wrr;
struct nvme_ns *nvme_mpx_numa_select(struct nvme_mpx_policy *pol,
				     struct nvme_ns_head *head, int node);
struct nvme_ns *nvme_mpx_rr_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node);
struct nvme_ns *nvme_mpx_qd_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node);
struct nvme_ns *nvme_mpx_st_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node);
u64 nvme_mpx_st_estimate(struct nvme_ns *ns, unsigned long now);
bool nvme_mpx_st_wants_probe(struct nvme_ns *ns, unsigned long now);
void nvme_mpx_st_probe_paths(struct nvme_ns_head *head, unsigned long now);
struct nvme_ns *nvme_mpx_as_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node);
#if IS_ENABLED(CONFIG_NVME_MPX_SELECTORS_EXTRA)
struct nvme_ns *nvme_mpx_as_active(struct nvme_mpx_policy *pol);
#endif
struct nvme_ns *nvme_mpx_wrr_select(struct nvme_mpx_policy *pol,
				    struct nvme_ns_head *head, int node);

/* Registry and policy instances (mpx-sel.c). */
const struct nvme_mpx_selector *nvme_mpx_find_selector(const char *name);
struct nvme_mpx_policy *
nvme_mpx_policy_alloc(const struct nvme_mpx_selector *sel,
		      unsigned int nr_nodes, int (*distance)(int, int));
void nvme_mpx_policy_free(struct nvme_mpx_policy *pol);
int nvme_mpx_head_init_policy(struct nvme_ns_head *head);
void nvme_mpx_head_exit_policy(struct nvme_ns_head *head);
int nvme_mpx_head_set_policy(struct nvme_ns_head *head,
			     const struct nvme_mpx_selector *sel);
void nvme_mpx_subsys_set_policy(struct nvme_subsystem *subsys,
				const struct nvme_mpx_selector *sel);

#if IS_ENABLED(CONFIG_NVME_MPX_SELECTORS_EXTRA)
#define NVME_MPX_SELECT_4TH	nvme_mpx_st_select
#else
#define NVME_MPX_SELECT_4TH	nvme_mpx_numa_select
static inline struct nvme_ns *nvme_mpx_as_active(struct nvme_mpx_policy *pol)
{
	return NULL;
}
#endif

/*
 * The hot path: one indirect call, turned into direct calls for the
 * built-in selectors so retpolines do not tax every bio.
 */
static inline struct nvme_ns *
nvme_mpx_policy_select(struct nvme_mpx_policy *pol, struct nvme_ns_head *head,
		       int node)
{
	return INDIRECT_CALL_4(pol->sel->select, nvme_mpx_numa_select,
			       nvme_mpx_rr_select, nvme_mpx_qd_select,
			       NVME_MPX_SELECT_4TH, pol, head, node);
}

/* Path events, delivered to the head's current policy (mpx-sel.c). */
enum nvme_mpx_event {
	NVME_MPX_PATH_ADDED,
	NVME_MPX_PATH_REMOVED,
	NVME_MPX_PATH_FAILED,
	NVME_MPX_PATH_REINSTATED,
};

bool nvme_mpx_path_event(struct nvme_ns *ns, enum nvme_mpx_event ev);

/* The path's disk name for log lines and traces; "none" for no path. */
static inline const char *nvme_mpx_path_name(struct nvme_ns *ns)
{
	return ns && ns->disk ? ns->disk->disk_name : "none";
}

/* Head and I/O core (mpx-core.c). */
void nvme_mpx_path_live(struct nvme_ns *ns);
void nvme_mpx_account_start(struct nvme_ns *ns, struct request *rq);
void nvme_mpx_account_end(struct nvme_ns *ns, struct request *rq);

/* Health, admin state and failback (mpx-health.c). */
enum nvme_mpx_return {
	NVME_MPX_RET_RECONNECT,	/* its controller is live again */
	NVME_MPX_RET_ADMIN,	/* the admin reinstated it */
	NVME_MPX_RET_ANA,	/* the array made it (more) accessible */
};

bool nvme_mpx_fb_hold(unsigned int failback, enum nvme_mpx_return why,
		      unsigned long now, unsigned long *until);
unsigned long nvme_mpx_fb_scan(struct nvme_ns_head *head, unsigned long now);
void nvme_mpx_path_returned(struct nvme_ns *ns, enum nvme_mpx_return why);
bool nvme_mpx_hold(struct nvme_ns *ns, unsigned long until, unsigned int secs,
		   const char *why);
void nvme_mpx_path_init(struct nvme_ns *ns);
void nvme_mpx_head_init(struct nvme_ns_head *head);
void nvme_mpx_head_exit(struct nvme_ns_head *head);
int nvme_mpx_path_set_failed(struct nvme_ns *ns, bool failed);
int nvme_mpx_path_activate(struct nvme_ns *ns);
int nvme_mpx_head_set_failback(struct nvme_ns_head *head,
			       unsigned int failback);
int nvme_mpx_head_set_preferred(struct nvme_ns_head *head,
				struct nvme_ns *ns);

/* Stalls, write quiesce, flapping, no-path queueing (mpx-fail.c). */
unsigned int nvme_mpx_stall_threshold(u64 lat_ewma_ns, unsigned int mult,
				      unsigned int min_ms, unsigned int max_ms);
bool nvme_mpx_is_stalled(struct nvme_ns *ns, unsigned long now,
			 unsigned int thr_ms);
bool nvme_mpx_flap(struct nvme_mpx_path *p, unsigned int limit,
		   unsigned int window_secs, unsigned long now);
bool nvme_mpx_host_path_error(struct nvme_mpx_path *p, u16 status,
			      enum nvme_ctrl_state state, unsigned long now);
void nvme_mpx_path_broken(struct nvme_ns *ns);
bool nvme_mpx_nopath_queue(int qnp, unsigned long since, unsigned long now,
			   bool may_return);
void nvme_mpx_watch(struct nvme_ns *ns);
void nvme_mpx_unstall(struct nvme_ns *ns);
bool nvme_mpx_quarantine(struct nvme_ns *ns);
bool nvme_mpx_quiesce(struct nvme_ns *ns, struct request *req,
		      struct bio_list *bios);
void nvme_mpx_quiesce_flush(struct nvme_ns_head *head);
bool nvme_mpx_nopath_wait(struct nvme_ns_head *head, bool may_return);
void nvme_mpx_nopath_over(struct nvme_ns_head *head);
void nvme_mpx_fail_init(struct nvme_ns_head *head);
void nvme_mpx_fail_exit(struct nvme_ns_head *head);
bool nvme_mpx_fo_budget(struct bio *bio, unsigned int max);

/* Multiplexed I/O and hedged reads (mpx-mux.c). */

/*
 * Completion aggregation of one bio sent down several paths: a pure state
 * machine, so that its races can be tested without a controller.  One
 * count per outstanding attempt (clone) or hold (the submitter, a hedging
 * timer); the first success completes the bio, and if none succeeds the
 * last put completes it with the last failure's status.
 */
struct nvme_mpx_agg {
	atomic_t	v;
	blk_status_t	status;
};

enum nvme_mpx_agg_res {
	NVME_MPX_AGG_OK,	/* an attempt succeeded */
	NVME_MPX_AGG_ERR,	/* an attempt failed with @status */
	NVME_MPX_AGG_HOLD,	/* a hold ends, no result */
};

/* What the caller of nvme_mpx_agg_put() must do, in this order. */
#define NVME_MPX_AGG_WIN	BIT(0)	/* complete the bio with success */
#define NVME_MPX_AGG_FAIL	BIT(1)	/* complete it with agg->status */
#define NVME_MPX_AGG_LAST	BIT(2)	/* nothing is outstanding: free */

void nvme_mpx_agg_init(struct nvme_mpx_agg *agg);
bool nvme_mpx_agg_get(struct nvme_mpx_agg *agg);
unsigned int nvme_mpx_agg_put(struct nvme_mpx_agg *agg,
			      enum nvme_mpx_agg_res res, blk_status_t status);
bool nvme_mpx_agg_failed(struct nvme_mpx_agg *agg);

#define NVME_MPX_MUX_MAX_RANGES	64

struct nvme_mpx_range {
	u64	start;
	u64	end;		/* inclusive */
};

/* Published whole in nvme_mpx_head.mux_ranges; never changed in place. */
struct nvme_mpx_ranges {
	struct rcu_head		rcu;
	bool			all;
	unsigned int		nr;
	struct nvme_mpx_range	r[] __counted_by(nr);
};

int nvme_mpx_ranges_parse(const char *buf, u64 nr_lbas,
			  struct nvme_mpx_ranges **out);
bool nvme_mpx_ranges_hit(const struct nvme_mpx_ranges *rs, u64 first,
			 u64 last);
int nvme_mpx_ranges_print(const struct nvme_mpx_ranges *rs, char *buf,
			  size_t size);
/* What nvme_mpx_mux_choose() decides for a bio. */
enum nvme_mpx_mux_act {
	NVME_MPX_MUX_NORMAL,	/* the normal path, one selector choice */
	NVME_MPX_MUX_FANOUT,	/* down every usable path at once */
	NVME_MPX_MUX_HEDGE_IT,	/* one path, and a second one if it is slow */
};

enum nvme_mpx_mux_act nvme_mpx_mux_choose(unsigned long on,
					  const struct nvme_mpx_ranges *rs,
					  enum req_op op, u16 ioprio,
					  u64 first, u64 last);
bool nvme_mpx_mux_submit(struct nvme_ns_head *head, struct bio *bio);
int nvme_mpx_mux_set_ranges(struct nvme_ns_head *head,
			    struct nvme_mpx_ranges *rs);
int nvme_mpx_mux_set_hedge(struct nvme_ns_head *head, int hedge_us);
int nvme_mpx_mux_set_rt(struct nvme_ns_head *head, bool on);
u64 nvme_mpx_hedge_delay_ns(int hedge_us, u64 lat_ewma_ns);
void nvme_mpx_mux_init(struct nvme_ns_head *head);
void nvme_mpx_mux_exit(struct nvme_ns_head *head);

/* Path events as uevents (mpx-event.c). */
enum nvme_mpx_why {
	NVME_MPX_WHY_NONE,
	NVME_MPX_WHY_ADMIN,	/* failed by the admin */
	NVME_MPX_WHY_STALL,	/* found stalled */
	NVME_MPX_WHY_RESET,	/* its controller is resetting */
	NVME_MPX_WHY_RECONNECT,	/* its controller is reconnecting */
	NVME_MPX_WHY_DELETE,	/* its controller is going away */
	NVME_MPX_WHY_ANA,	/* ANA state, or an ANA log being re-read */
	NVME_MPX_WHY_NOT_READY,	/* the namespace is being revalidated */
	NVME_MPX_WHY_HELD,	/* held by the failback policy */
	NVME_MPX_WHY_FLAP,	/* quarantined */
	NVME_MPX_WHY_REMOVED,	/* the path is gone */
	NVME_MPX_WHY_NEW,	/* path_added */
};

/* What a path was last reported as (nvme_mpx_path.ev_state). */
enum {
	NVME_MPX_EV_NEW,	/* not reported yet: its first state is silent */
	NVME_MPX_EV_UP,
	NVME_MPX_EV_DOWN,
	NVME_MPX_EV_QUARANTINED,
	NVME_MPX_EV_GONE,
};

const char *nvme_mpx_ev_name(u8 from, u8 to);
void nvme_mpx_event_kick(struct nvme_ns_head *head);
void nvme_mpx_event_note(struct nvme_ns *ns);
void nvme_mpx_event_path_removed(struct nvme_ns *ns);
void nvme_mpx_event_init(struct nvme_ns_head *head);
void nvme_mpx_event_stop(struct nvme_ns_head *head);
void nvme_mpx_event_exit(struct nvme_ns_head *head);

/* ANA (mpx-ana.c). */
const char *nvme_mpx_ana_state_name(enum nvme_ana_state state);

/* sysfs (mpx-sysfs.c). */
void nvme_mpx_link_paths(struct nvme_ns_head *head);
void nvme_mpx_unlink_path(struct nvme_ns *ns);

#endif /* _NVME_MPX_H */
