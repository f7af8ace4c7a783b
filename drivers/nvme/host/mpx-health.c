// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: admin path state and failback.
 *
 * A path that comes back (its controller reconnected, the admin reinstated
 * it, or the array made it accessible or optimized again) may be held out of
 * normal selection for a while, as the head's failback policy says:
 *
 *   immediate   never held (the default; what stock native multipath does)
 *   manual      held until the admin activates it
 *   followover  held only if the array moved it (ANA): another host may
 *               have asked for the switch, so do not undo it; a path that
 *               returns by itself is used at once
 *   N seconds   held until it has been back for N seconds; a new loss
 *               restarts the clock when it returns again
 *
 * A held path stays usable as a last resort (tier NVME_MPX_TIER_HELD), so a
 * hold never costs availability.  Timed holds are ended by a delayed work
 * item per head, not in the I/O path, so that selectors with cached choices
 * (numa, round-robin) learn about the path coming back.
 */
#include <linux/jiffies.h>
#include <kunit/visibility.h>
#include "mpx.h"
#include "mpx-trace.h"

static const char *const mpx_return_names[] = {
	[NVME_MPX_RET_RECONNECT]	= "reconnect",
	[NVME_MPX_RET_ADMIN]		= "admin",
	[NVME_MPX_RET_ANA]		= "ana",
};

/*
 * Must a path returning for @why under @failback be held?  If so, *@until
 * is the jiffies value at which the hold ends, or 0 for "until the admin
 * says so" (0 is never a deadline: it is nudged to 1).
 */
bool nvme_mpx_fb_hold(unsigned int failback, enum nvme_mpx_return why,
		      unsigned long now, unsigned long *until)
{
	switch (failback) {
	case NVME_MPX_FB_IMMEDIATE:
		return false;
	case NVME_MPX_FB_FOLLOWOVER:
		if (why != NVME_MPX_RET_ANA)
			return false;
		fallthrough;
	case NVME_MPX_FB_MANUAL:
		*until = 0;
		return true;
	default:
		*until = (now + failback * HZ) ?: 1;
		return true;
	}
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_fb_hold);

/* @ns rejoins normal selection; caller cleared NVME_MPX_P_HELD. */
static void mpx_fb_release(struct nvme_ns *ns, const char *why)
{
	clear_bit(NVME_MPX_P_QUARANTINED, &ns->mpx.flags);
	trace_nvme_mpx_failback(nvme_mpx_path_name(ns), false, 0, why);
	pr_info("nvme-mpx: %s: failback (%s), path back in use\n",
		nvme_mpx_path_name(ns), why);
	nvme_mpx_path_event(ns, NVME_MPX_PATH_REINSTATED);
}

/*
 * End every timed hold of @head that is over at @now; return the earliest
 * deadline still ahead, or 0 if none.  Takes the clock as an argument so
 * that KUnit can drive it.
 */
unsigned long nvme_mpx_fb_scan(struct nvme_ns_head *head, unsigned long now)
{
	unsigned long until, next = 0;
	struct nvme_ns *ns;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (!test_bit(NVME_MPX_P_HELD, &ns->mpx.flags))
			continue;
		until = READ_ONCE(ns->mpx.held_until);
		if (!until)
			continue;
		if (time_before(now, until)) {
			if (!next || time_before(until, next))
				next = until;
			continue;
		}
		if (test_and_clear_bit(NVME_MPX_P_HELD, &ns->mpx.flags))
			mpx_fb_release(ns, "timer");
	}
	srcu_read_unlock(&head->srcu, idx);
	return next;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_fb_scan);

static void mpx_fb_work(struct work_struct *work)
{
	struct nvme_ns_head *head = container_of(to_delayed_work(work),
						 struct nvme_ns_head,
						 mpx.failback_work);
	unsigned long now = jiffies, next;

	next = nvme_mpx_fb_scan(head, now);
	if (next)
		queue_delayed_work(nvme_wq, &head->mpx.failback_work,
				   next - now);
	/* Parked bios may prefer the path that just came back. */
	kblockd_schedule_work(&head->requeue_work);
}

static void mpx_fb_kick(struct nvme_ns_head *head)
{
	if (head->disk)
		mod_delayed_work(nvme_wq, &head->mpx.failback_work, 0);
}

/*
 * Hold @ns out of normal selection until @until (0: until activated); the
 * one way paths are held, by failback and by quarantine alike.  False if it
 * was already held open-ended, which changes nothing.
 */
bool nvme_mpx_hold(struct nvme_ns *ns, unsigned long until, unsigned int secs,
		   const char *why)
{
	WRITE_ONCE(ns->mpx.held_until, until);
	if (test_and_set_bit(NVME_MPX_P_HELD, &ns->mpx.flags) && !until)
		return false;
	nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
	trace_nvme_mpx_failback(nvme_mpx_path_name(ns), true, secs, why);
	if (until)
		mpx_fb_kick(ns->head);
	return true;
}

/*
 * @ns is back after @why.  Hold it if the failback policy says so.  The
 * hold is set before the caller makes the path usable again, so that no
 * I/O slips through in between.
 */
void nvme_mpx_path_returned(struct nvme_ns *ns, enum nvme_mpx_return why)
{
	struct nvme_ns_head *head = ns->head;
	unsigned int fb = READ_ONCE(head->mpx.failback);
	unsigned long until;

	nvme_mpx_unstall(ns);
	/* A path that keeps failing is quarantined, whatever the policy. */
	if (why != NVME_MPX_RET_ADMIN && nvme_mpx_quarantine(ns))
		return;
	if (!nvme_mpx_fb_hold(fb, why, jiffies, &until))
		return;
	/* A quarantine in progress is not cut short by a failback hold. */
	if (test_bit(NVME_MPX_P_QUARANTINED, &ns->mpx.flags))
		return;
	if (!nvme_mpx_hold(ns, until, until ? fb : 0, mpx_return_names[why]))
		return;
	if (until) {
		pr_info("nvme-mpx: %s: back (%s), failback in %u s\n",
			nvme_mpx_path_name(ns), mpx_return_names[why], fb);
	} else {
		pr_info("nvme-mpx: %s: back (%s), held until activated\n",
			nvme_mpx_path_name(ns), mpx_return_names[why]);
	}
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_path_returned);

void nvme_mpx_path_init(struct nvme_ns *ns)
{
	ns->mpx.weight = 1;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_path_init);

void nvme_mpx_head_init(struct nvme_ns_head *head)
{
	head->mpx.failback = NVME_MPX_FB_IMMEDIATE;
	INIT_DELAYED_WORK(&head->mpx.failback_work, mpx_fb_work);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_head_init);

void nvme_mpx_head_exit(struct nvme_ns_head *head)
{
	cancel_delayed_work_sync(&head->mpx.failback_work);
}

/*
 * Administrative fail / reinstate.  Failing takes the path out of selection
 * at once; what is in flight on it completes there.  A reinstated path
 * returns under the failback policy.
 */
int nvme_mpx_path_set_failed(struct nvme_ns *ns, bool failed)
{
	struct nvme_ns_head *head = ns->head;

	mutex_lock(&head->lock);
	if (failed) {
		if (!test_and_set_bit(NVME_MPX_P_FAILED, &ns->mpx.flags)) {
			nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
			trace_nvme_mpx_failback(nvme_mpx_path_name(ns), true, 0, "failed");
			pr_info("nvme-mpx: %s: failed by the admin\n",
				nvme_mpx_path_name(ns));
		}
	} else if (test_bit(NVME_MPX_P_FAILED, &ns->mpx.flags)) {
		nvme_mpx_path_returned(ns, NVME_MPX_RET_ADMIN);
		clear_bit(NVME_MPX_P_FAILED, &ns->mpx.flags);
		pr_info("nvme-mpx: %s: reinstated by the admin\n",
			nvme_mpx_path_name(ns));
		nvme_mpx_path_event(ns, NVME_MPX_PATH_REINSTATED);
		if (head->disk)
			kblockd_schedule_work(&head->requeue_work);
	}
	mutex_unlock(&head->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_path_set_failed);

/* Manual failback: end @ns's hold now.  A failed path is reinstated too. */
int nvme_mpx_path_activate(struct nvme_ns *ns)
{
	struct nvme_ns_head *head = ns->head;
	bool was_failed;

	mutex_lock(&head->lock);
	was_failed = test_and_clear_bit(NVME_MPX_P_FAILED, &ns->mpx.flags);
	if (test_and_clear_bit(NVME_MPX_P_HELD, &ns->mpx.flags) || was_failed)
		mpx_fb_release(ns, "admin");
	if (head->disk)
		kblockd_schedule_work(&head->requeue_work);
	mutex_unlock(&head->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_path_activate);

/*
 * A new failback policy applies to holds in progress too: immediate ends
 * them, a number of seconds starts the clock for open-ended ones.
 */
int nvme_mpx_head_set_failback(struct nvme_ns_head *head,
			       unsigned int failback)
{
	unsigned long now = jiffies;
	struct nvme_ns *ns;
	int idx;

	if (failback > NVME_MPX_FB_MAX_SECS &&
	    failback != NVME_MPX_FB_MANUAL &&
	    failback != NVME_MPX_FB_FOLLOWOVER)
		return -EINVAL;

	mutex_lock(&head->lock);
	WRITE_ONCE(head->mpx.failback, failback);
	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (!test_bit(NVME_MPX_P_HELD, &ns->mpx.flags))
			continue;
		if (failback == NVME_MPX_FB_IMMEDIATE) {
			if (test_and_clear_bit(NVME_MPX_P_HELD, &ns->mpx.flags))
				mpx_fb_release(ns, "policy");
		} else if (failback <= NVME_MPX_FB_MAX_SECS &&
			   !READ_ONCE(ns->mpx.held_until)) {
			WRITE_ONCE(ns->mpx.held_until,
				   (now + failback * HZ) ?: 1);
		}
	}
	srcu_read_unlock(&head->srcu, idx);
	mpx_fb_kick(head);
	mutex_unlock(&head->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_head_set_failback);

/*
 * Pin @ns (NULL: no pin).  The active-standby selector then prefers it over
 * every other usable path, ANA state and priority notwithstanding.
 */
int nvme_mpx_head_set_preferred(struct nvme_ns_head *head,
				struct nvme_ns *pin)
{
	struct nvme_ns *ns;
	int idx;

	mutex_lock(&head->lock);
	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (ns == pin)
			set_bit(NVME_MPX_P_PINNED, &ns->mpx.flags);
		else
			clear_bit(NVME_MPX_P_PINNED, &ns->mpx.flags);
		/* Cached choices must be made again. */
		nvme_mpx_path_event(ns, NVME_MPX_PATH_REINSTATED);
	}
	srcu_read_unlock(&head->srcu, idx);
	mutex_unlock(&head->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_head_set_preferred);
