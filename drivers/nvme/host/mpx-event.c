// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: path events, as change uevents on the head disk.
 *
 * Tools should ask the kernel what changed instead of rescanning sysfs.  A
 * head sends KOBJ_CHANGE with NVME_MPX_EVENT set when one of its paths
 * fails, is reinstated or is quarantined, when the active-standby policy's
 * active path moves, and when I/O starts or stops waiting for a path:
 *
 *   NVME_MPX_EVENT   path_added, path_failed, path_reinstated,
 *                    path_quarantined, active_changed, queueing_started,
 *                    queueing_stopped
 *   NVME_MPX_PATH    the path (active_changed: the new active path)
 *   NVME_MPX_FROM    active_changed only: the previous active path
 *   NVME_MPX_REASON  why, one word (see mpx_why_names[])
 *
 * Events are found, not posted.  The places where state changes run in
 * every context, I/O completion in hard interrupt context included, and
 * several of them often describe one change (every request of a dead
 * controller fails over).  They only kick a work item, which compares
 * each path's state with the one it last reported and sends one event per
 * difference.  So each change is reported once, in the order it was seen.
 * A path seen down where the change happened is latched (NVME_MPX_P_EV_DOWN)
 * so that a failure undone before the work runs is still reported, as a
 * failure and a return.
 */
#include <kunit/visibility.h>
#include "mpx.h"

static const char *const mpx_why_names[] = {
	[NVME_MPX_WHY_NONE]	= "unknown",
	[NVME_MPX_WHY_NEW]	= "new",
	[NVME_MPX_WHY_ADMIN]	= "admin",
	[NVME_MPX_WHY_STALL]	= "stall",
	[NVME_MPX_WHY_RESET]	= "reset",
	[NVME_MPX_WHY_RECONNECT] = "reconnect",
	[NVME_MPX_WHY_DELETE]	= "delete",
	[NVME_MPX_WHY_ANA]	= "ana",
	[NVME_MPX_WHY_NOT_READY] = "not-ready",
	[NVME_MPX_WHY_HELD]	= "failback",
	[NVME_MPX_WHY_FLAP]	= "flap",
	[NVME_MPX_WHY_REMOVED]	= "removed",
};

/*
 * Why @ns cannot carry I/O, most specific first: what the admin or the
 * stall watchdog did explains the state the controller is in.
 */
static enum nvme_mpx_why mpx_path_why(struct nvme_ns *ns)
{
	unsigned long flags = READ_ONCE(ns->mpx.flags);

	if (flags & BIT(NVME_MPX_P_FAILED))
		return NVME_MPX_WHY_ADMIN;
	if (flags & BIT(NVME_MPX_P_STALLED))
		return NVME_MPX_WHY_STALL;
	switch (nvme_ctrl_state(ns->ctrl)) {
	case NVME_CTRL_LIVE:
		break;
	case NVME_CTRL_RESETTING:
		return NVME_MPX_WHY_RESET;
	case NVME_CTRL_CONNECTING:
		return NVME_MPX_WHY_RECONNECT;
	case NVME_CTRL_DELETING:
		/* Still completes what it has, and may take more. */
		break;
	default:
		return NVME_MPX_WHY_DELETE;
	}
	if (test_bit(NVME_NS_ANA_PENDING, &ns->flags))
		return NVME_MPX_WHY_ANA;
	if (!test_bit(NVME_NS_READY, &ns->flags))
		return NVME_MPX_WHY_NOT_READY;
	switch (READ_ONCE(ns->ana_state)) {
	case NVME_ANA_OPTIMIZED:
	case NVME_ANA_NONOPTIMIZED:
		break;
	default:
		return NVME_MPX_WHY_ANA;
	}
	if (flags & BIT(NVME_MPX_P_HELD))
		return NVME_MPX_WHY_HELD;
	return NVME_MPX_WHY_NONE;
}

/* A held path counts as down: it only carries I/O if nothing else can. */
static u8 mpx_path_ev_state(struct nvme_ns *ns)
{
	if (test_bit(NVME_MPX_P_QUARANTINED, &ns->mpx.flags))
		return NVME_MPX_EV_QUARANTINED;
	return nvme_mpx_tier(ns) < NVME_MPX_TIER_HELD ? NVME_MPX_EV_UP : NVME_MPX_EV_DOWN;
}

/*
 * Which event, if any, a path moving from reported state @from to @to
 * makes; NULL for none.  A new path is reported once it is first up:
 * path disks are hidden, so nothing else tells user space it arrived.
 * Pure, for KUnit.
 */
const char *nvme_mpx_ev_name(u8 from, u8 to)
{
	if (from == NVME_MPX_EV_NEW)
		return to == NVME_MPX_EV_UP ? "path_added" : NULL;
	if (from == to || from == NVME_MPX_EV_GONE)
		return NULL;
	switch (to) {
	case NVME_MPX_EV_UP:
		return "path_reinstated";
	case NVME_MPX_EV_QUARANTINED:
		return "path_quarantined";
	case NVME_MPX_EV_DOWN:
	case NVME_MPX_EV_GONE:
		return from == NVME_MPX_EV_DOWN ? NULL : "path_failed";
	default:
		return NULL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_ev_name);

/* Caller holds head->mpx.ev_lock; @path, @from or @why may be NULL. */
static void mpx_send(struct nvme_ns_head *head, const char *event,
		     const char *path, const char *from, const char *why)
{
	char ev[48], p[48], f[48], r[48];
	char *envp[5] = { ev };
	int n = 1;

	lockdep_assert_held(&head->mpx.ev_lock);
	if (!test_bit(NVME_NSHEAD_DISK_LIVE, &head->flags))
		return;
	snprintf(ev, sizeof(ev), "NVME_MPX_EVENT=%s", event);
	if (path) {
		snprintf(p, sizeof(p), "NVME_MPX_PATH=%s", path);
		envp[n++] = p;
	}
	if (from) {
		snprintf(f, sizeof(f), "NVME_MPX_FROM=%s", from);
		envp[n++] = f;
	}
	if (why) {
		snprintf(r, sizeof(r), "NVME_MPX_REASON=%s", why);
		envp[n++] = r;
	}
	envp[n] = NULL;
	kobject_uevent_env(&disk_to_dev(head->disk)->kobj, KOBJ_CHANGE, envp);
}

/* Report @ns's change to @to; the reason for a return is why it left. */
static void mpx_path_report(struct nvme_ns_head *head, struct nvme_ns *ns,
			    u8 to, enum nvme_mpx_why why)
{
	u8 from = ns->mpx.ev_state;
	const char *event = nvme_mpx_ev_name(from, to);

	if (from == NVME_MPX_EV_NEW)
		why = NVME_MPX_WHY_NEW;
	else if (to == NVME_MPX_EV_UP)
		why = ns->mpx.ev_why;
	else if (to == NVME_MPX_EV_QUARANTINED)
		why = NVME_MPX_WHY_FLAP;
	if (event)
		mpx_send(head, event, ns->disk->disk_name, NULL,
			 mpx_why_names[why]);
	if (from == NVME_MPX_EV_NEW && to != NVME_MPX_EV_UP &&
	    to != NVME_MPX_EV_GONE)
		return;
	ns->mpx.ev_state = to;
	if (to != NVME_MPX_EV_UP)
		ns->mpx.ev_why = why;
}

static void mpx_event_work(struct work_struct *work)
{
	struct nvme_ns_head *head = container_of(work, struct nvme_ns_head,
						 mpx.ev_work);
	struct nvme_mpx_head *h = &head->mpx;
	const char *active = "none", *why;
	struct nvme_mpx_policy *pol;
	struct nvme_ns *ns, *as = NULL;
	bool queueing, any_up = false, old_up = false;
	u8 st;
	int idx;

	mutex_lock(&h->ev_lock);
	idx = srcu_read_lock(&head->srcu);
	pol = srcu_dereference(head->mpx_policy, &head->srcu);
	if (pol)
		as = nvme_mpx_as_active(pol);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		st = mpx_path_ev_state(ns);
		/* Down and back before we looked: report both. */
		if (test_and_clear_bit(NVME_MPX_P_EV_DOWN, &ns->mpx.flags) &&
		    st == NVME_MPX_EV_UP && ns->mpx.ev_state == NVME_MPX_EV_UP)
			mpx_path_report(head, ns, NVME_MPX_EV_DOWN,
					READ_ONCE(ns->mpx.ev_why_seen));
		if (st != ns->mpx.ev_state)
			mpx_path_report(head, ns, st, st == NVME_MPX_EV_UP ?
					NVME_MPX_WHY_NONE : mpx_path_why(ns));
		if (st == NVME_MPX_EV_UP)
			any_up = true;
		/* Only trust the pointer if it is still one of our paths. */
		if (ns == as)
			active = ns->disk->disk_name;
		if (!strcmp(h->ev_active, ns->disk->disk_name))
			old_up = st == NVME_MPX_EV_UP;
	}
	srcu_read_unlock(&head->srcu, idx);

	if (strcmp(active, h->ev_active)) {
		if (!strcmp(h->ev_active, "none"))
			why = "start";
		else
			why = old_up ? "failback" : "failover";
		mpx_send(head, "active_changed", active, h->ev_active, why);
		strscpy(h->ev_active, active, sizeof(h->ev_active));
	}

	queueing = test_bit(NVME_MPX_H_QUEUEING, &h->flags);
	if (queueing != h->ev_queueing) {
		mpx_send(head, queueing ? "queueing_started" :
			 "queueing_stopped", NULL, NULL,
			 queueing ? "no-path" : any_up ? "path" : "expired");
		h->ev_queueing = queueing;
	}
	mutex_unlock(&h->ev_lock);
}

/*
 * @ns's state may have changed: latch it if it is down, and have the work
 * look soon.  Any context.
 */
void nvme_mpx_event_note(struct nvme_ns *ns)
{
	if (mpx_path_ev_state(ns) != NVME_MPX_EV_UP &&
	    !test_bit(NVME_MPX_P_EV_DOWN, &ns->mpx.flags)) {
		WRITE_ONCE(ns->mpx.ev_why_seen, mpx_path_why(ns));
		/* The reason before the bit; test_and_clear_bit() orders the reader. */
		smp_mb__before_atomic();
		set_bit(NVME_MPX_P_EV_DOWN, &ns->mpx.flags);
	}
	nvme_mpx_event_kick(ns->head);
}

/* Something may have changed: have a look soon.  Any context. */
void nvme_mpx_event_kick(struct nvme_ns_head *head)
{
	if (head->disk && test_bit(NVME_NSHEAD_DISK_LIVE, &head->flags))
		queue_work(nvme_wq, &head->mpx.ev_work);
}

/*
 * nvme-core's hook for every controller state change: a controller that
 * stops being live takes its paths down with no other call to us when
 * nothing is in flight.  Going live is left to nvme_kick_requeue_lists(),
 * which runs next and first holds paths that failback keeps out: looking
 * earlier could report a held path up and then down.  May run in atomic
 * context.
 */
void nvme_mpath_ctrl_state_changed(struct nvme_ctrl *ctrl)
{
	struct nvme_ns *ns;
	int idx;

	if (nvme_ctrl_state(ctrl) == NVME_CTRL_LIVE)
		return;
	idx = srcu_read_lock(&ctrl->srcu);
	list_for_each_entry_srcu(ns, &ctrl->namespaces, list,
				 srcu_read_lock_held(&ctrl->srcu))
		if (ns->head->disk)
			nvme_mpx_event_note(ns);
	srcu_read_unlock(&ctrl->srcu, idx);
}

/* @ns leaves the head for good; it is no longer on head->list. */
void nvme_mpx_event_path_removed(struct nvme_ns *ns)
{
	struct nvme_ns_head *head = ns->head;

	mutex_lock(&head->mpx.ev_lock);
	mpx_path_report(head, ns, NVME_MPX_EV_GONE, NVME_MPX_WHY_REMOVED);
	mutex_unlock(&head->mpx.ev_lock);
	nvme_mpx_event_kick(head);
}

void nvme_mpx_event_init(struct nvme_ns_head *head)
{
	mutex_init(&head->mpx.ev_lock);
	INIT_WORK(&head->mpx.ev_work, mpx_event_work);
	strscpy(head->mpx.ev_active, "none", sizeof(head->mpx.ev_active));
	head->mpx.ev_queueing = false;
}

/*
 * The head disk is going away (DISK_LIVE is clear): no event may start
 * after this returns, and none is being sent.
 */
void nvme_mpx_event_stop(struct nvme_ns_head *head)
{
	mutex_lock(&head->mpx.ev_lock);
	mutex_unlock(&head->mpx.ev_lock);
}

void nvme_mpx_event_exit(struct nvme_ns_head *head)
{
	cancel_work_sync(&head->mpx.ev_work);
}
