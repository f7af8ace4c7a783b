// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: failure handling beyond what the controller tells
 * us.
 *
 * Stalled paths.  A link that silently drops everything returns no error;
 * nvme-core only notices at keep-alive expiry or I/O timeout, seconds to
 * half a minute later.  While a head has I/O in flight, a watchdog looks at
 * every path: one that has requests in flight and has completed none of
 * them for longer than a multiple of its own average latency (bounded by a
 * floor and a ceiling) is stalled, if another path could take its I/O.
 * It leaves selection at once and its controller is reset, which cancels
 * what is in flight so that it fails over to the other paths.
 *
 * Write safety.  A command the host cancelled is not necessarily dead: it
 * may still sit in the network or in the array and execute later.  Reads
 * are re-issued elsewhere at once.  Writes wait for the head's quiesce time
 * (by default the controller's keep-alive timeout, after which the
 * controller must have dropped the old connection's commands) so that a
 * retried write can never be overtaken by the original.
 *
 * Flapping paths.  A path that comes back from failures too often within a
 * window is quarantined: held out of normal selection (still a last resort)
 * for a recovery time, with one log line.
 *
 * No path.  Per head queue_if_no_path: auto (queue while a controller may
 * come back: what 6.12 does), fail at once, N seconds, or forever.
 *
 * Failover budget.  An I/O may fail over at most failover_max times, then
 * it fails with the last path's error: a fabric that breaks every path in
 * turn cannot keep one I/O going round for ever.
 */
#include <linux/jiffies.h>
#include <kunit/visibility.h>
#include "mpx.h"
#include "mpx-trace.h"

/*
 * How long a busy path may go without completing anything, in ms; 0 if
 * stall detection is off (@max_ms == 0).
 */
unsigned int nvme_mpx_stall_threshold(u64 lat_ewma_ns, unsigned int mult,
				      unsigned int min_ms, unsigned int max_ms)
{
	u64 ms;

	if (!max_ms)
		return 0;
	ms = div_u64(lat_ewma_ns, NSEC_PER_MSEC) * mult;
	return clamp_t(u64, ms, min_ms, max_ms);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_stall_threshold);

/* Busy, and no completion since it became busy or since the last one. */
bool nvme_mpx_is_stalled(struct nvme_ns *ns, unsigned long now,
			 unsigned int thr_ms)
{
	unsigned long since = READ_ONCE(ns->mpx.busy_since);
	unsigned long done = READ_ONCE(ns->mpx.last_done);

	if (!atomic_read(&ns->mpx.inflight))
		return false;
	if (time_after(done, since))
		since = done;
	return time_after(now, since + msecs_to_jiffies(thr_ms));
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_is_stalled);

/*
 * Count one failure of @p at @now; true if that makes @limit failures
 * within @window_secs of the first one (the count then starts over).
 */
bool nvme_mpx_flap(struct nvme_mpx_path *p, unsigned int limit,
		   unsigned int window_secs, unsigned long now)
{
	if (!limit)
		return false;
	if (!p->flap_count ||
	    time_after(now, p->flap_start + window_secs * HZ)) {
		p->flap_start = now;
		p->flap_count = 0;
	}
	if (++p->flap_count < limit)
		return false;
	p->flap_count = 0;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_flap);

/*
 * Host path errors from a controller that is still live.  nvme-tcp can end
 * up live with an I/O queue whose socket broke while the controller was
 * reconnecting (the recovery the socket's close asks for is refused in that
 * state): every request sent there fails at once with a host path error,
 * and nothing resets the controller, keep-alive being fine on the admin
 * queue.  The retry is resubmitted on the same CPU, so it goes back to the
 * same dead queue wherever the selector sends it (seen: one write failed
 * over 1.5 million times in 6 minutes).
 *
 * tcp, rdma and loop take the controller out of LIVE as soon as their
 * transport reports the error, so at most a few such failures come from a
 * live controller, and this many within the window mean a queue is dead:
 * the path is then handled as a stalled one, out of selection and
 * controller reset.  A window rather than a streak that any success ends:
 * the path's healthy queues keep completing I/O meanwhile.  FC is the
 * exception: it fails its outstanding exchanges while still LIVE and resets
 * from a work item, so a link loss with 32 or more in flight trips this
 * too; the reset asked for is the one FC was about to do, but the log line
 * and the stall count are spurious.
 */
#define NVME_MPX_HPE_LIMIT	32
#define NVME_MPX_HPE_WINDOW	(10 * HZ)

/*
 * A failover from @p with @status while its controller was in @state, at
 * @now: true once per window, on the NVME_MPX_HPE_LIMIT-th host path error
 * from a live controller.  Lockless: failovers race from many CPUs, and a
 * count lost to a racing window restart only delays the verdict.
 */
bool nvme_mpx_host_path_error(struct nvme_mpx_path *p, u16 status,
			      enum nvme_ctrl_state state, unsigned long now)
{
	unsigned long start = READ_ONCE(p->hpe_start);

	if (status != NVME_SC_HOST_PATH_ERROR || state != NVME_CTRL_LIVE)
		return false;
	if (!atomic_read(&p->hpe_count) ||
	    !time_in_range(now, start, start + NVME_MPX_HPE_WINDOW)) {
		WRITE_ONCE(p->hpe_start, now);
		atomic_set(&p->hpe_count, 0);
	}
	return atomic_inc_return(&p->hpe_count) == NVME_MPX_HPE_LIMIT;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_host_path_error);

/* Completion context: nvme_reset_ctrl() only queues the reset. */
void nvme_mpx_path_broken(struct nvme_ns *ns)
{
	if (test_and_set_bit(NVME_MPX_P_STALLED, &ns->mpx.flags))
		return;
	nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
	atomic_long_inc(&ns->mpx.stalls);
	pr_warn("nvme-mpx: %s: %d host path errors within %d s from a live controller; resetting %s\n",
		nvme_mpx_path_name(ns), NVME_MPX_HPE_LIMIT,
		NVME_MPX_HPE_WINDOW / HZ, dev_name(ns->ctrl->device));
	nvme_reset_ctrl(ns->ctrl);
}

/*
 * No path is usable: park the bio (true) or fail it (false)?  @since is
 * when I/O first found no path in this outage, @may_return whether some
 * controller is still trying to come back.
 */
bool nvme_mpx_nopath_queue(int qnp, unsigned long since, unsigned long now,
			   bool may_return)
{
	switch (qnp) {
	case NVME_MPX_QNP_AUTO:
		return may_return;
	case NVME_MPX_QNP_FOREVER:
		return true;
	case 0:
		return false;
	default:
		return time_before(now, since + qnp * HZ);
	}
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_nopath_queue);

static void mpx_path_stall(struct nvme_ns *ns, unsigned long now,
			   unsigned int thr)
{
	unsigned long since = max(READ_ONCE(ns->mpx.busy_since),
				  READ_ONCE(ns->mpx.last_done));
	unsigned int age = jiffies_to_msecs(now - since);

	if (test_and_set_bit(NVME_MPX_P_STALLED, &ns->mpx.flags))
		return;
	nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
	atomic_long_inc(&ns->mpx.stalls);
	trace_nvme_mpx_stall(nvme_mpx_path_name(ns), atomic_read(&ns->mpx.inflight),
			     age, thr);
	pr_warn("nvme-mpx: %s: stalled: %d in flight, nothing completed for %u ms (limit %u ms); resetting %s\n",
		nvme_mpx_path_name(ns), atomic_read(&ns->mpx.inflight), age, thr,
		dev_name(ns->ctrl->device));
	/* Cancels what is in flight; it fails over (writes after quiesce). */
	nvme_reset_ctrl(ns->ctrl);
	kblockd_schedule_work(&ns->head->requeue_work);
}

/*
 * The watchdog runs while the head is busy if it has a job: stall
 * detection, or latency probes for the service-time selector.
 */
static bool mpx_watch_needed(struct nvme_ns_head *head)
{
	if (IS_ENABLED(CONFIG_NVME_MPX_STALL) &&
	    READ_ONCE(head->mpx.stall_max_ms))
		return true;
#if IS_ENABLED(CONFIG_NVME_MPX_SELECTORS_EXTRA)
	if (READ_ONCE(head->mpx_sel) == &nvme_mpx_st)
		return true;
#endif
	return false;
}

static unsigned long mpx_stall_tick(struct nvme_ns_head *head)
{
	return msecs_to_jiffies(max(READ_ONCE(head->mpx.stall_min_ms) / 4,
				    10U)) ?: 1;
}

static bool mpx_head_busy(struct nvme_ns_head *head)
{
	struct nvme_ns *ns;
	bool busy = false;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		if (atomic_read(&ns->mpx.inflight))
			busy = true;
	srcu_read_unlock(&head->srcu, idx);
	return busy;
}

static void mpx_stall_work(struct work_struct *work)
{
	struct nvme_ns_head *head = container_of(to_delayed_work(work),
						 struct nvme_ns_head,
						 mpx.stall_work);
	struct nvme_mpx_head *h = &head->mpx;
	unsigned long now = jiffies;
	unsigned int thr, usable = 0;
	struct nvme_ns *ns;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	/*
	 * Resetting a head's only usable path moves no I/O anywhere (a path
	 * held by failback does not count: it is not meant to carry I/O): leave
	 * that case to keep-alive and the I/O timeout, as before.
	 */
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		if (nvme_mpx_tier(ns) < NVME_MPX_TIER_HELD)
			usable++;
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (usable < 2 || nvme_ctrl_state(ns->ctrl) != NVME_CTRL_LIVE ||
		    test_bit(NVME_MPX_P_STALLED, &ns->mpx.flags))
			continue;
		thr = nvme_mpx_stall_threshold(READ_ONCE(ns->mpx.lat_ewma),
					       READ_ONCE(h->stall_mult),
					       READ_ONCE(h->stall_min_ms),
					       READ_ONCE(h->stall_max_ms));
		if (IS_ENABLED(CONFIG_NVME_MPX_STALL) && thr &&
		    nvme_mpx_is_stalled(ns, now, thr))
			mpx_path_stall(ns, now, thr);
	}
	srcu_read_unlock(&head->srcu, idx);
#if IS_ENABLED(CONFIG_NVME_MPX_SELECTORS_EXTRA)
	if (READ_ONCE(head->mpx_sel) == &nvme_mpx_st)
		nvme_mpx_st_probe_paths(head, now);
#endif

	if (mpx_watch_needed(head) && mpx_head_busy(head)) {
		queue_delayed_work(nvme_wq, &h->stall_work,
				   mpx_stall_tick(head));
		return;
	}
	/* Idle: disarm, unless I/O started while we looked. */
	clear_bit(NVME_MPX_H_WATCHING, &h->flags);
	/* Order the clear before reading inflight; pairs with account_start. */
	smp_mb__after_atomic();
	if (mpx_watch_needed(head) && mpx_head_busy(head) &&
	    !test_and_set_bit(NVME_MPX_H_WATCHING, &h->flags))
		queue_delayed_work(nvme_wq, &h->stall_work,
				   mpx_stall_tick(head));
}

/* @ns just became busy: make sure somebody watches it. */
void nvme_mpx_watch(struct nvme_ns *ns)
{
	struct nvme_mpx_head *h = &ns->head->mpx;

	if (test_bit(NVME_MPX_H_WATCHING, &h->flags) ||
	    !mpx_watch_needed(ns->head) ||
	    test_and_set_bit(NVME_MPX_H_WATCHING, &h->flags))
		return;
	queue_delayed_work(nvme_wq, &h->stall_work, mpx_stall_tick(ns->head));
}

/*
 * A stalled path is back in selection once it returns (reconnect, ANA)
 * or completes something after all.
 */
void nvme_mpx_unstall(struct nvme_ns *ns)
{
	/* Back from a reconnect: errors from before it do not count. */
	atomic_set(&ns->mpx.hpe_count, 0);
	if (!test_and_clear_bit(NVME_MPX_P_STALLED, &ns->mpx.flags))
		return;
	pr_info("nvme-mpx: %s: no longer stalled\n", nvme_mpx_path_name(ns));
	nvme_mpx_path_event(ns, NVME_MPX_PATH_REINSTATED);
}

/*
 * Called for a path coming back from a failure: true if it has failed too
 * often and was quarantined instead (held for flap_hold_secs).
 */
bool nvme_mpx_quarantine(struct nvme_ns *ns)
{
	struct nvme_mpx_head *h = &ns->head->mpx;
	unsigned int hold = READ_ONCE(h->flap_hold_secs);
	unsigned long now = jiffies;

	if (!nvme_mpx_flap(&ns->mpx, READ_ONCE(h->flap_limit),
			   READ_ONCE(h->flap_window_secs), now))
		return false;
	set_bit(NVME_MPX_P_QUARANTINED, &ns->mpx.flags);
	nvme_mpx_hold(ns, (now + hold * HZ) ?: 1, hold, "quarantine");
	atomic_long_inc(&ns->mpx.quarantines);
	pr_warn("nvme-mpx: %s: quarantined: failed %u times within %u s, held out for %u s\n",
		nvme_mpx_path_name(ns), READ_ONCE(h->flap_limit),
		READ_ONCE(h->flap_window_secs), hold);
	return true;
}

/* ---- writes cut off on a path wait before going down another ---- */

static unsigned int mpx_quiesce_ms(struct nvme_ns *ns)
{
	int ms = READ_ONCE(ns->head->mpx.write_quiesce_ms);

	if (ms != NVME_MPX_WQ_AUTO)
		return ms;
	/*
	 * A fabrics controller drops a dead association's commands within
	 * its keep-alive timeout; a local one has been reset by now.
	 */
	if (!(ns->ctrl->ops->flags & NVME_F_FABRICS))
		return 0;
	return (ns->ctrl->kato ?: NVME_DEFAULT_KATO) * MSEC_PER_SEC;
}

/*
 * @bios were cut off on @ns by the host (cancelled, fate unknown).  Return
 * true if they were parked on the quiesce list instead of being requeued.
 */
bool nvme_mpx_quiesce(struct nvme_ns *ns, struct request *req,
		      struct bio_list *bios)
{
	struct nvme_mpx_head *h = &ns->head->mpx;
	unsigned int ms, nr;
	unsigned long until, flags;

	if ((nvme_req(req)->status & NVME_SCT_SC_MASK) !=
	    NVME_SC_HOST_ABORTED_CMD || !op_is_write(req_op(req)))
		return false;
	ms = mpx_quiesce_ms(ns);
	if (!ms)
		return false;
	until = jiffies + msecs_to_jiffies(ms);
	/* Count before the list is shared: then others may append to it. */
	nr = bio_list_size(bios);

	spin_lock_irqsave(&ns->head->requeue_lock, flags);
	if (bio_list_empty(&h->quiesce_list) ||
	    time_after(until, h->quiesce_until))
		h->quiesce_until = until;
	until = h->quiesce_until;
	bio_list_merge(&h->quiesce_list, bios);
	spin_unlock_irqrestore(&ns->head->requeue_lock, flags);

	atomic_long_add(nr, &h->quiesced);
	pr_info_ratelimited("nvme-mpx: %s: holding cut-off writes for %u ms before retrying them elsewhere\n",
			    nvme_mpx_path_name(ns), ms);
	mod_delayed_work(nvme_wq, &h->quiesce_work, until - jiffies);
	return true;
}

/* Hand the quiesced writes to the requeue list; @all: do not wait. */
static void mpx_quiesce_release(struct nvme_ns_head *head, bool all)
{
	struct nvme_mpx_head *h = &head->mpx;
	unsigned long flags, wait = 0;

	spin_lock_irqsave(&head->requeue_lock, flags);
	if (!all && time_before(jiffies, h->quiesce_until)) {
		wait = h->quiesce_until - jiffies;
	} else {
		bio_list_merge(&head->requeue_list, &h->quiesce_list);
		bio_list_init(&h->quiesce_list);
	}
	spin_unlock_irqrestore(&head->requeue_lock, flags);

	if (wait)
		mod_delayed_work(nvme_wq, &h->quiesce_work, wait);
	else
		kblockd_schedule_work(&head->requeue_work);
}

static void mpx_quiesce_work(struct work_struct *work)
{
	mpx_quiesce_release(container_of(to_delayed_work(work),
					 struct nvme_ns_head,
					 mpx.quiesce_work), false);
}

/* ---- no usable path ---- */

static void mpx_nopath_work(struct work_struct *work)
{
	struct nvme_ns_head *head = container_of(to_delayed_work(work),
						 struct nvme_ns_head,
						 mpx.nopath_work);
	struct nvme_mpx_head *h = &head->mpx;
	unsigned long since = READ_ONCE(h->nopath_since);
	int qnp = READ_ONCE(h->queue_if_no_path);

	if (!since || qnp <= 0)
		return;
	if (time_before(jiffies, since + qnp * HZ)) {
		queue_delayed_work(nvme_wq, &h->nopath_work,
				   since + qnp * HZ - jiffies);
		return;
	}
	if (test_and_clear_bit(NVME_MPX_H_QUEUEING, &h->flags))
		nvme_mpx_event_kick(head);
	if (!test_and_set_bit(NVME_MPX_H_NOPATH_EXPIRED, &h->flags))
		dev_warn(disk_to_dev(head->disk),
			 "no usable path for %d s (queue_if_no_path): failing queued and new I/O\n",
			 qnp);
	kblockd_schedule_work(&head->requeue_work);
}

/*
 * No usable path for @head: should the bio wait?  Caller holds head->srcu;
 * @may_return tells whether a controller is still trying to come back.
 */
bool nvme_mpx_nopath_wait(struct nvme_ns_head *head, bool may_return)
{
	struct nvme_mpx_head *h = &head->mpx;
	int qnp = READ_ONCE(h->queue_if_no_path);
	unsigned long now = jiffies, since = READ_ONCE(h->nopath_since);

	if (!test_bit(NVME_NSHEAD_DISK_LIVE, &head->flags))
		return false;
	if (!since) {
		/* 0 means "has a path", so never store it as a time. */
		since = now ?: 1;
		if (cmpxchg(&h->nopath_since, 0, since))
			since = READ_ONCE(h->nopath_since) ?: since;
		else if (qnp > 0)
			queue_delayed_work(nvme_wq, &h->nopath_work, qnp * HZ);
	}
	if (qnp > 0 && test_bit(NVME_MPX_H_NOPATH_EXPIRED, &h->flags))
		return false;
	return nvme_mpx_nopath_queue(qnp, since, now, may_return);
}

/* I/O found a path again: the outage is over. */
void nvme_mpx_nopath_over(struct nvme_ns_head *head)
{
	WRITE_ONCE(head->mpx.nopath_since, 0);
	clear_bit(NVME_MPX_H_NOPATH_EXPIRED, &head->mpx.flags);
	if (test_and_clear_bit(NVME_MPX_H_QUEUEING, &head->mpx.flags))
		nvme_mpx_event_kick(head);
}

/* ---- failover budget ---- */

/*
 * The count rides on the bio: its completion is hooked, as dm does, the
 * first time it fails over.  Only bios that fail over pay for it.
 */
struct mpx_fo_hook {
	bio_end_io_t	*end_io;
	void		*private;
	unsigned int	count;
};

static void mpx_fo_end_io(struct bio *bio)
{
	struct mpx_fo_hook *hk = bio->bi_private;

	bio->bi_end_io = hk->end_io;
	bio->bi_private = hk->private;
	kfree(hk);
	bio_endio(bio);
}

/*
 * Count one more failover of @bio: false if that is more than @max.  A bio
 * whose count cannot be allocated is not counted, never failed for it.
 */
bool nvme_mpx_fo_budget(struct bio *bio, unsigned int max)
{
	struct mpx_fo_hook *hk;

	if (bio->bi_end_io == mpx_fo_end_io) {
		hk = bio->bi_private;
		return ++hk->count <= max;
	}
	hk = kmalloc(sizeof(*hk), GFP_ATOMIC | __GFP_NOWARN);
	if (!hk)
		return true;
	hk->end_io = bio->bi_end_io;
	hk->private = bio->bi_private;
	hk->count = 1;
	bio->bi_end_io = mpx_fo_end_io;
	bio->bi_private = hk;
	return hk->count <= max;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_fo_budget);

void nvme_mpx_fail_init(struct nvme_ns_head *head)
{
	struct nvme_mpx_head *h = &head->mpx;

	h->stall_mult = 10;
	h->stall_min_ms = 400;
	h->stall_max_ms = IS_ENABLED(CONFIG_NVME_MPX_STALL) ? 5000 : 0;
	h->flap_limit = 10;
	h->flap_window_secs = 60;
	h->flap_hold_secs = 60;
	h->queue_if_no_path = NVME_MPX_QNP_AUTO;
	h->write_quiesce_ms = NVME_MPX_WQ_AUTO;
	h->failover_max = 0;
	h->failover_interval_ms = 0;
	bio_list_init(&h->quiesce_list);
	INIT_DELAYED_WORK(&h->stall_work, mpx_stall_work);
	INIT_DELAYED_WORK(&h->nopath_work, mpx_nopath_work);
	INIT_DELAYED_WORK(&h->quiesce_work, mpx_quiesce_work);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_fail_init);

/* The head's disk is going away: let quiesced writes fail now. */
void nvme_mpx_quiesce_flush(struct nvme_ns_head *head)
{
	mpx_quiesce_release(head, true);
}

/* The head is going away: nothing may stay parked on our lists. */
void nvme_mpx_fail_exit(struct nvme_ns_head *head)
{
	struct nvme_mpx_head *h = &head->mpx;

	WRITE_ONCE(h->stall_max_ms, 0);
	cancel_delayed_work_sync(&h->stall_work);
	cancel_delayed_work_sync(&h->nopath_work);
	cancel_delayed_work_sync(&h->quiesce_work);
	mpx_quiesce_release(head, true);
}
