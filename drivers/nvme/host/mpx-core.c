// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: the namespace head and its I/O path.
 *
 * A head with more than one possible controller gets its own gendisk
 * (/dev/nvmeXnY).  Bios submitted to it are remapped to one of the per-path
 * disks chosen by the head's policy (mpx-sel.c).  Path errors come back here
 * through nvme_failover_req() and are resubmitted from the requeue list.
 *
 * Locking: head->list and head->mpx_policy are read under head->srcu only;
 * the I/O path takes no lock except the requeue lock when no path is usable.
 */
#include <linux/backing-dev.h>
#include <linux/moduleparam.h>
#include <trace/events/block.h>
#include <kunit/visibility.h>
#include "mpx.h"

#define CREATE_TRACE_POINTS
#include "mpx-trace.h"

bool multipath = true;
module_param(multipath, bool, 0444);
MODULE_PARM_DESC(multipath,
		 "turn on native support for multiple controllers per subsystem");

static void mpx_all_head_queues(struct nvme_subsystem *subsys,
				void (*fn)(struct request_queue *q))
{
	struct nvme_ns_head *head;

	lockdep_assert_held(&subsys->lock);
	list_for_each_entry(head, &subsys->nsheads, entry)
		if (head->disk)
			fn(head->disk->queue);
}

void nvme_mpath_start_freeze(struct nvme_subsystem *subsys)
{
	mpx_all_head_queues(subsys, blk_freeze_queue_start);
}

void nvme_mpath_wait_freeze(struct nvme_subsystem *subsys)
{
	mpx_all_head_queues(subsys, blk_mq_freeze_queue_wait);
}

void nvme_mpath_unfreeze(struct nvme_subsystem *subsys)
{
	mpx_all_head_queues(subsys, blk_mq_unfreeze_queue);
}

static void mpx_kick_requeue(struct nvme_ns_head *head)
{
	kblockd_schedule_work(&head->requeue_work);
}

/* Park @bio until a path is usable again; caller kicks the requeue work. */
static void mpx_requeue_bio(struct nvme_ns_head *head, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&head->requeue_lock, flags);
	bio_list_add(&head->requeue_list, bio);
	spin_unlock_irqrestore(&head->requeue_lock, flags);
}

void nvme_failover_req(struct request *req)
{
	struct nvme_ns *ns = req->q->queuedata;
	struct nvme_ns_head *head = ns->head;
	u16 status = nvme_req(req)->status & NVME_SCT_SC_MASK;
	unsigned int max = READ_ONCE(head->mpx.failover_max);
	struct bio_list bios = BIO_EMPTY_LIST, spent = BIO_EMPTY_LIST;
	unsigned long flags;
	struct bio *bio, *next;

	nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
	/* Counted on the path when the request completes below. */
	nvme_req(req)->flags |= NVME_MPX_FAILOVER;
	atomic_long_inc(&head->mpx.failovers);
	trace_nvme_mpx_failover(ns->disk->disk_name, status,
				blk_rq_pos(req));

	/*
	 * An ANA error means the controller is fine but cannot serve this
	 * namespace right now: keep the path out of selection until the ANA
	 * log has been re-read, and retry elsewhere meanwhile.  A host path
	 * error is the transport's own verdict: from a controller that stays
	 * live, too many of them mean a dead queue (nvme_mpx_host_path_error).
	 */
	if (nvme_is_ana_error(status) && ns->ctrl->ana_log_buf) {
		set_bit(NVME_NS_ANA_PENDING, &ns->flags);
		queue_work(nvme_wq, &ns->ctrl->ana_work);
	} else if (nvme_mpx_host_path_error(&ns->mpx, status,
					    nvme_ctrl_state(ns->ctrl), jiffies)) {
		nvme_mpx_path_broken(ns);
	}

	/* Steal the bios first, fix them up without holding the lock. */
	blk_steal_bios(&bios, req);
	if (unlikely(max)) {
		/* Bios out of failovers end here, with this path's error. */
		next = bio_list_get(&bios);
		while ((bio = next)) {
			next = bio->bi_next;
			bio->bi_next = NULL;
			bio_list_add(nvme_mpx_fo_budget(bio, max) ? &bios : &spent,
				     bio);
		}
	}
	bio_list_for_each(bio, &bios) {
		bio_set_dev(bio, head->disk->part0);
		/* The next path's queue has no poll context for this bio. */
		if (bio->bi_opf & REQ_POLLED) {
			bio->bi_opf &= ~REQ_POLLED;
			bio->bi_cookie = BLK_QC_T_NONE;
		}
		/*
		 * We resubmit from a work item, not the issuer's context: a
		 * frozen queue there must make us wait, not fail with EAGAIN.
		 */
		bio->bi_opf &= ~REQ_NOWAIT;
	}
	/* Writes whose fate is unknown wait on the quiesce list instead. */
	if (!nvme_mpx_quiesce(ns, req, &bios)) {
		spin_lock_irqsave(&head->requeue_lock, flags);
		bio_list_merge(&head->requeue_list, &bios);
		spin_unlock_irqrestore(&head->requeue_lock, flags);
	}

	while ((bio = bio_list_pop(&spent))) {
		atomic_long_inc(&head->mpx.fo_exhausted);
		bio->bi_status = status == NVME_SC_HOST_PATH_ERROR ?
				 BLK_STS_TRANSPORT : BLK_STS_IOERR;
		bio_endio(bio);
	}

	nvme_req(req)->status = 0;
	nvme_end_req(req);
	mpx_kick_requeue(head);
}

/*
 * Per-path accounting for every request on a head, whatever the policy:
 * the statistics in sysfs and the service-time selector's inputs.  Relaxed
 * atomics and plain stores; a lost update of an average is harmless.
 */
void nvme_mpx_account_start(struct nvme_ns *ns, struct request *rq)
{
	struct nvme_request *nreq = nvme_req(rq);

	if (unlikely(nreq->flags & NVME_MPX_STARTED)) {
		/* nvme-core retries it on the same path. */
		atomic_long_inc(&ns->mpx.retries);
		return;
	}
	nreq->flags |= NVME_MPX_STARTED;
	nreq->mpx_start = ktime_get_ns();
	if (atomic_inc_return(&ns->mpx.inflight) == 1) {
		/* Idle until now: the stall clock starts here. */
		WRITE_ONCE(ns->mpx.busy_since, jiffies);
		nvme_mpx_watch(ns);
	}
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_account_start);

void nvme_mpx_account_end(struct nvme_ns *ns, struct request *rq)
{
	struct nvme_request *nreq = nvme_req(rq);
	struct nvme_mpx_path *p = &ns->mpx;
	unsigned int depth;
	u64 lat;

	/* The depth this request saw, itself included. */
	depth = atomic_dec_return(&p->inflight) + 1;
	atomic_long_inc(&p->ios);
	if (unlikely(nreq->flags & NVME_MPX_FAILOVER)) {
		atomic_long_inc(&p->failovers);
		atomic_long_inc(&p->errors);
		return;
	}
	if (unlikely(nreq->status)) {
		/* A quick error says nothing about how fast the path is. */
		atomic_long_inc(&p->errors);
		return;
	}
	atomic_long_add(blk_rq_bytes(rq), &p->bytes);
	lat = ktime_get_ns() - nreq->mpx_start;
	WRITE_ONCE(p->lat_ewma, nvme_mpx_ewma(READ_ONCE(p->lat_ewma), lat, 3));
	WRITE_ONCE(p->qd_ewma, nvme_mpx_ewma(READ_ONCE(p->qd_ewma),
					     depth << 4, 3));
	WRITE_ONCE(p->last_done, jiffies);
	if (unlikely(test_bit(NVME_MPX_P_STALLED, &p->flags)))
		nvme_mpx_unstall(ns);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_account_end);

void nvme_mpath_start_request(struct request *rq)
{
	struct nvme_ns *ns = rq->q->queuedata;
	struct nvme_ns_head *head = ns->head;
	struct nvme_request *nreq = nvme_req(rq);
	const struct nvme_mpx_selector *sel = READ_ONCE(head->mpx_sel);
	struct gendisk *disk = head->disk;

	nvme_mpx_account_start(ns, rq);

	/* A requeued request is started again; account it only once. */
	if (sel->start_io && !(nreq->flags & NVME_MPATH_CNT_ACTIVE) &&
	    sel->start_io(ns, rq)) {
		nreq->mpx_acct = sel;
		nreq->flags |= NVME_MPATH_CNT_ACTIVE;
	}

	if (!blk_queue_io_stat(disk->queue) || blk_rq_is_passthrough(rq) ||
	    (nreq->flags & NVME_MPATH_IO_STATS))
		return;
	nreq->flags |= NVME_MPATH_IO_STATS;
	nreq->start_time = bdev_start_io_acct(disk->part0, req_op(rq), jiffies);
}
EXPORT_SYMBOL_GPL(nvme_mpath_start_request);

void nvme_mpath_end_request(struct request *rq)
{
	struct nvme_ns *ns = rq->q->queuedata;
	struct nvme_request *nreq = nvme_req(rq);

	if (nreq->flags & NVME_MPX_STARTED)
		nvme_mpx_account_end(ns, rq);

	/* The selector that counted the request uncounts it. */
	if (nreq->flags & NVME_MPATH_CNT_ACTIVE)
		nreq->mpx_acct->end_io(ns, rq);

	if (nreq->flags & NVME_MPATH_IO_STATS)
		bdev_end_io_acct(ns->head->disk->part0, req_op(rq),
				 blk_rq_bytes(rq) >> SECTOR_SHIFT,
				 nreq->start_time);
}

void nvme_kick_requeue_lists(struct nvme_ctrl *ctrl)
{
	struct nvme_ns *ns;
	bool live;
	int idx;

	idx = srcu_read_lock(&ctrl->srcu);
	list_for_each_entry_srcu(ns, &ctrl->namespaces, list,
				 srcu_read_lock_held(&ctrl->srcu)) {
		if (!ns->head->disk)
			continue;
		/*
		 * Called when the controller went live again after a reset or
		 * reconnect (and on fast-fail expiry): its paths are back.
		 */
		live = nvme_ctrl_state(ns->ctrl) == NVME_CTRL_LIVE;
		if (live)
			nvme_mpx_path_returned(ns, NVME_MPX_RET_RECONNECT);
		mpx_kick_requeue(ns->head);
		nvme_mpx_event_kick(ns->head);
		if (live)
			disk_uevent(ns->head->disk, KOBJ_CHANGE);
	}
	srcu_read_unlock(&ctrl->srcu, idx);
}

bool nvme_mpath_clear_current_path(struct nvme_ns *ns)
{
	return nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
}

void nvme_mpath_clear_ctrl_paths(struct nvme_ctrl *ctrl)
{
	struct nvme_ns *ns;
	int idx;

	idx = srcu_read_lock(&ctrl->srcu);
	list_for_each_entry_srcu(ns, &ctrl->namespaces, list,
				 srcu_read_lock_held(&ctrl->srcu)) {
		nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
		mpx_kick_requeue(ns->head);
	}
	srcu_read_unlock(&ctrl->srcu, idx);
}

/*
 * The head's capacity changed: paths that do not agree on it yet must not
 * take I/O until they are revalidated.  Every selector hears of every
 * path, so that none keeps handing out a choice it made before.
 */
void nvme_mpath_revalidate_paths(struct nvme_ns *ns)
{
	struct nvme_ns_head *head = ns->head;
	sector_t capacity = get_capacity(head->disk);
	struct nvme_ns *path;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(path, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		if (capacity != get_capacity(path->disk))
			clear_bit(NVME_NS_READY, &path->flags);
	list_for_each_entry_srcu(path, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		nvme_mpx_path_event(path, NVME_MPX_PATH_FAILED);
	srcu_read_unlock(&head->srcu, idx);
	mpx_kick_requeue(head);
}

/* Caller holds head->srcu. */
struct nvme_ns *nvme_find_path(struct nvme_ns_head *head)
{
	struct nvme_mpx_policy *pol = srcu_dereference(head->mpx_policy,
						       &head->srcu);

	if (unlikely(!pol))
		return NULL;
	return nvme_mpx_policy_select(pol, head, numa_node_id());
}

/*
 * No path is usable, but is one expected to become usable?  A controller
 * that is (re)connecting may bring its path back; one that is gone or whose
 * fast_io_fail_tmo expired will not, so the bio is failed instead.
 */
static bool mpx_path_may_return(struct nvme_ns_head *head)
{
	struct nvme_ns *ns;

	if (!test_bit(NVME_NSHEAD_DISK_LIVE, &head->flags))
		return false;
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (test_bit(NVME_CTRL_FAILFAST_EXPIRED, &ns->ctrl->flags))
			continue;
		switch (nvme_ctrl_state(ns->ctrl)) {
		case NVME_CTRL_LIVE:
		case NVME_CTRL_RESETTING:
		case NVME_CTRL_CONNECTING:
			return true;
		default:
			break;
		}
	}
	return false;
}

static void mpx_submit_bio(struct bio *bio)
{
	struct nvme_ns_head *head = bio->bi_bdev->bd_disk->private_data;
	struct device *dev = disk_to_dev(head->disk);
	struct nvme_ns *ns;
	int idx;

	/*
	 * Split against the head's limits here, while we know the bio's
	 * bio_set: a failed-over bio may later be resubmitted to any path.
	 */
	bio = bio_split_to_limits(bio);
	if (!bio)
		return;

	idx = srcu_read_lock(&head->srcu);
	/* Multiplexed ranges and hedged reads: one test for everyone else. */
	if (unlikely(READ_ONCE(head->mpx.mux_on)) &&
	    nvme_mpx_mux_submit(head, bio)) {
		srcu_read_unlock(&head->srcu, idx);
		return;
	}
	ns = nvme_find_path(head);
	if (likely(ns)) {
		if (unlikely(READ_ONCE(head->mpx.nopath_since)))
			nvme_mpx_nopath_over(head);
		bio_set_dev(bio, ns->disk->part0);
		/* The head already checked the bio against the disk's end. */
		bio_set_flag(bio, BIO_REMAPPED);
		bio->bi_opf |= REQ_NVME_MPATH;
		trace_block_bio_remap(bio, disk_devt(head->disk),
				      bio->bi_iter.bi_sector);
		submit_bio_noacct(bio);
	} else if (nvme_mpx_nopath_wait(head, mpx_path_may_return(head))) {
		dev_warn_ratelimited(dev, "no usable path - requeuing I/O\n");
		atomic_long_inc(&head->mpx.requeued);
		if (!test_bit(NVME_MPX_H_QUEUEING, &head->mpx.flags) &&
		    !test_and_set_bit(NVME_MPX_H_QUEUEING, &head->mpx.flags))
			nvme_mpx_event_kick(head);
		trace_nvme_mpx_requeue(head->disk->disk_name,
				       bio->bi_iter.bi_sector, false);
		mpx_requeue_bio(head, bio);
	} else {
		dev_warn_ratelimited(dev, "no available path - failing I/O\n");
		atomic_long_inc(&head->mpx.failed_no_path);
		if (test_and_clear_bit(NVME_MPX_H_QUEUEING, &head->mpx.flags))
			nvme_mpx_event_kick(head);
		trace_nvme_mpx_requeue(head->disk->disk_name,
				       bio->bi_iter.bi_sector, true);
		bio_io_error(bio);
	}
	srcu_read_unlock(&head->srcu, idx);
}

static int mpx_head_open(struct gendisk *disk, blk_mode_t mode)
{
	return nvme_tryget_ns_head(disk->private_data) ? 0 : -ENXIO;
}

static void mpx_head_release(struct gendisk *disk)
{
	nvme_put_ns_head(disk->private_data);
}

static int mpx_head_get_unique_id(struct gendisk *disk, u8 id[16],
				  enum blk_unique_id type)
{
	struct nvme_ns_head *head = disk->private_data;
	int idx, ret = -EWOULDBLOCK;
	struct nvme_ns *ns;

	idx = srcu_read_lock(&head->srcu);
	ns = nvme_find_path(head);
	if (ns)
		ret = nvme_ns_get_unique_id(ns, id, type);
	srcu_read_unlock(&head->srcu, idx);
	return ret;
}

#ifdef CONFIG_BLK_DEV_ZONED
static int mpx_head_report_zones(struct gendisk *disk, sector_t sector,
				 unsigned int nr_zones, report_zones_cb cb,
				 void *data)
{
	struct nvme_ns_head *head = disk->private_data;
	int idx, ret = -EWOULDBLOCK;
	struct nvme_ns *ns;

	idx = srcu_read_lock(&head->srcu);
	ns = nvme_find_path(head);
	if (ns)
		ret = nvme_ns_report_zones(ns, sector, nr_zones, cb, data);
	srcu_read_unlock(&head->srcu, idx);
	return ret;
}
#else
#define mpx_head_report_zones	NULL
#endif

const struct block_device_operations nvme_ns_head_ops = {
	.owner		= THIS_MODULE,
	.submit_bio	= mpx_submit_bio,
	.open		= mpx_head_open,
	.release	= mpx_head_release,
	.ioctl		= nvme_ns_head_ioctl,
	.compat_ioctl	= blkdev_compat_ptr_ioctl,
	.getgeo		= nvme_getgeo,
	.get_unique_id	= mpx_head_get_unique_id,
	.report_zones	= mpx_head_report_zones,
	.pr_ops		= &nvme_pr_ops,
};

static struct nvme_ns_head *mpx_cdev_head(struct inode *inode)
{
	return container_of(inode->i_cdev, struct nvme_ns_head, cdev);
}

static int mpx_head_chr_open(struct inode *inode, struct file *file)
{
	return nvme_tryget_ns_head(mpx_cdev_head(inode)) ? 0 : -ENXIO;
}

static int mpx_head_chr_release(struct inode *inode, struct file *file)
{
	nvme_put_ns_head(mpx_cdev_head(inode));
	return 0;
}

/* /dev/ngXnY: passthrough commands routed through the head's policy. */
static const struct file_operations nvme_ns_head_chr_fops = {
	.owner		= THIS_MODULE,
	.open		= mpx_head_chr_open,
	.release	= mpx_head_chr_release,
	.unlocked_ioctl	= nvme_ns_head_chr_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= nvme_ns_head_chr_uring_cmd,
	.uring_cmd_iopoll = nvme_ns_chr_uring_cmd_iopoll,
};

static int mpx_add_head_cdev(struct nvme_ns_head *head)
{
	int ret;

	head->cdev_device.parent = &head->subsys->dev;
	ret = dev_set_name(&head->cdev_device, "ng%dn%d",
			   head->subsys->instance, head->instance);
	if (ret)
		return ret;
	return nvme_cdev_add(&head->cdev, &head->cdev_device,
			     &nvme_ns_head_chr_fops, THIS_MODULE);
}

/*
 * Scanning partitions issues I/O that may have to wait for a path, and
 * paths are brought up by the controller's scan work: never scan from
 * there, do it from this work item instead.
 */
static void mpx_partition_scan_work(struct work_struct *work)
{
	struct nvme_ns_head *head =
		container_of(work, struct nvme_ns_head, partition_scan_work);

	if (WARN_ON_ONCE(!test_and_clear_bit(GD_SUPPRESS_PART_SCAN,
					     &head->disk->state)))
		return;
	mutex_lock(&head->disk->open_mutex);
	bdev_disk_changed(head->disk, false);
	mutex_unlock(&head->disk->open_mutex);
}

static void mpx_requeue_work(struct work_struct *work)
{
	struct nvme_ns_head *head =
		container_of(work, struct nvme_ns_head, requeue_work);
	struct bio *bio, *next;

	spin_lock_irq(&head->requeue_lock);
	next = bio_list_get(&head->requeue_list);
	spin_unlock_irq(&head->requeue_lock);

	/* Each bio goes through the head again and picks a fresh path. */
	while ((bio = next)) {
		next = bio->bi_next;
		bio->bi_next = NULL;
		submit_bio_noacct(bio);
	}
}

int nvme_mpath_alloc_disk(struct nvme_ctrl *ctrl, struct nvme_ns_head *head)
{
	struct queue_limits lim;
	int ret;

	mutex_init(&head->lock);
	bio_list_init(&head->requeue_list);
	spin_lock_init(&head->requeue_lock);
	INIT_WORK(&head->requeue_work, mpx_requeue_work);
	INIT_WORK(&head->partition_scan_work, mpx_partition_scan_work);
	nvme_mpx_head_init(head);
	nvme_mpx_fail_init(head);
	nvme_mpx_mux_init(head);
	nvme_mpx_event_init(head);

	/*
	 * Private namespaces get a head disk as well when the subsystem can
	 * have several controllers: the sharing flag may change on rescan.
	 */
	if (!multipath || !(ctrl->subsys->cmic & NVME_CTRL_CMIC_MULTI_CTRL) ||
	    !nvme_is_unique_nsid(ctrl, head))
		return 0;

	blk_set_stacking_limits(&lim);
	lim.dma_alignment = 3;
	lim.features |= BLK_FEAT_IO_STAT | BLK_FEAT_NOWAIT | BLK_FEAT_POLL;
	/* Zone append is emulated per path, never passed through the head. */
	lim.max_zone_append_sectors = 0;

	head->disk = blk_alloc_disk(&lim, ctrl->numa_node);
	if (IS_ERR(head->disk)) {
		ret = PTR_ERR(head->disk);
		head->disk = NULL;
		return ret;
	}
	head->disk->fops = &nvme_ns_head_ops;
	head->disk->private_data = head;
	/* See mpx_partition_scan_work(). */
	set_bit(GD_SUPPRESS_PART_SCAN, &head->disk->state);
	sprintf(head->disk->disk_name, "nvme%dn%d", ctrl->subsys->instance,
		head->instance);

	ret = nvme_mpx_head_init_policy(head);
	if (ret) {
		put_disk(head->disk);
		head->disk = NULL;
	}
	return ret;
}

/*
 * @ns can serve I/O (ANA optimized or non-optimized on a live controller):
 * register the head disk on the first such path, link the path under the
 * head and let parked bios try again.
 */
void nvme_mpx_path_live(struct nvme_ns *ns)
{
	struct nvme_ns_head *head = ns->head;

	if (!head->disk)
		return;

	/* Paths of several controllers may race to register the head. */
	if (!test_and_set_bit(NVME_NSHEAD_DISK_LIVE, &head->flags)) {
		if (device_add_disk(&head->subsys->dev, head->disk,
				    nvme_ns_attr_groups)) {
			clear_bit(NVME_NSHEAD_DISK_LIVE, &head->flags);
			return;
		}
		mpx_add_head_cdev(head);
		queue_work(nvme_wq, &head->partition_scan_work);
	}
	nvme_mpx_link_paths(head);
	nvme_mpx_path_event(ns, NVME_MPX_PATH_REINSTATED);

	/*
	 * A submitter that found no path may be about to park its bio: wait
	 * for it, so the kick below cannot run before the bio is listed.
	 */
	synchronize_srcu(&head->srcu);
	mpx_kick_requeue(head);
}

void nvme_mpath_remove_path(struct nvme_ns *ns)
{
	if (!ns->head->disk)
		return;
	nvme_mpx_unlink_path(ns);
	nvme_mpx_path_event(ns, NVME_MPX_PATH_REMOVED);
	nvme_mpx_event_path_removed(ns);
}

void nvme_mpath_shutdown_disk(struct nvme_ns_head *head)
{
	if (!head->disk)
		return;
	if (!test_and_clear_bit(NVME_NSHEAD_DISK_LIVE, &head->flags))
		return;
	nvme_mpx_event_stop(head);
	nvme_cdev_del(&head->cdev, &head->cdev_device);
	/*
	 * With DISK_LIVE clear, mpx_path_may_return() is false: once current
	 * submitters are out, the requeue work fails everything still parked.
	 */
	synchronize_srcu(&head->srcu);
	nvme_mpx_quiesce_flush(head);
	mpx_kick_requeue(head);
	del_gendisk(head->disk);
}

void nvme_mpath_remove_disk(struct nvme_ns_head *head)
{
	if (!head->disk)
		return;
	/* Fail whatever is still parked before the disk goes away. */
	nvme_mpx_fail_exit(head);
	/* A hedged read that failed everywhere may still be requeued. */
	nvme_mpx_mux_exit(head);
	mpx_kick_requeue(head);
	flush_work(&head->requeue_work);
	flush_work(&head->partition_scan_work);
	nvme_mpx_event_exit(head);
	nvme_mpx_head_exit(head);
	nvme_mpx_head_exit_policy(head);
	put_disk(head->disk);
}
