// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: Asymmetric Namespace Access (ANA).
 *
 * The controller's ANA log page is read into ctrl->ana_log_buf on identify,
 * on ANA change AENs and after ANA errors, and every namespace of the
 * controller takes the state of the group it belongs to.  Groups that stay
 * in the "change" state for longer than ANATT get the controller reset.
 */
#include <linux/vmalloc.h>
#include "mpx.h"

static const char *const mpx_ana_state_names[] = {
	[0]				= "invalid state",
	[NVME_ANA_OPTIMIZED]		= "optimized",
	[NVME_ANA_NONOPTIMIZED]		= "non-optimized",
	[NVME_ANA_INACCESSIBLE]		= "inaccessible",
	[NVME_ANA_PERSISTENT_LOSS]	= "persistent-loss",
	[NVME_ANA_CHANGE]		= "change",
};

const char *nvme_mpx_ana_state_name(enum nvme_ana_state state)
{
	if ((unsigned int)state >= ARRAY_SIZE(mpx_ana_state_names))
		state = 0;
	return mpx_ana_state_names[state];
}

static bool mpx_ana_state_usable(u8 state)
{
	return state == NVME_ANA_OPTIMIZED || state == NVME_ANA_NONOPTIMIZED;
}

/*
 * Return the group descriptor at *@off and move *@off past it, or NULL if
 * the descriptor does not fit the buffer or carries values the spec does
 * not allow.  The log comes from the device: check before trusting it.
 */
static struct nvme_ana_group_desc *mpx_ana_next_desc(struct nvme_ctrl *ctrl,
						     size_t *off)
{
	size_t left = ctrl->ana_log_size - *off, len;
	struct nvme_ana_group_desc *desc;
	u32 grpid;

	if (*off > ctrl->ana_log_size || left < sizeof(*desc))
		return NULL;
	desc = (void *)ctrl->ana_log_buf + *off;
	len = flex_array_size(desc, nsids, le32_to_cpu(desc->nnsids));
	if (len > left - sizeof(*desc))
		return NULL;
	grpid = le32_to_cpu(desc->grpid);
	if (!grpid || grpid > ctrl->anagrpmax)
		return NULL;
	if (!desc->state || desc->state > NVME_ANA_CHANGE)
		return NULL;
	*off += sizeof(*desc) + len;
	return desc;
}

/*
 * Call @fn for every group of the log in ctrl->ana_log_buf until it returns
 * true.  Returns the descriptor @fn stopped at, NULL if it never did, or
 * ERR_PTR(-EINVAL) for a malformed log.
 */
static struct nvme_ana_group_desc *
mpx_ana_walk(struct nvme_ctrl *ctrl,
	     bool (*fn)(struct nvme_ctrl *ctrl,
			struct nvme_ana_group_desc *desc, void *data),
	     void *data)
{
	u16 ngrps = le16_to_cpu(ctrl->ana_log_buf->ngrps);
	size_t off = sizeof(*ctrl->ana_log_buf);
	struct nvme_ana_group_desc *desc;

	lockdep_assert_held(&ctrl->ana_lock);
	while (ngrps--) {
		desc = mpx_ana_next_desc(ctrl, &off);
		if (!desc) {
			dev_err_ratelimited(ctrl->device,
					    "malformed ANA log page\n");
			return ERR_PTR(-EINVAL);
		}
		if (fn(ctrl, desc, data))
			return desc;
	}
	return NULL;
}

/*
 * Did the array make a known path more accessible?  That is a return the
 * failback policy has a say on; a path's first state is not.
 */
static bool mpx_ana_promoted(struct nvme_ns *ns, u8 state)
{
	u8 old = READ_ONCE(ns->ana_state);

	if (!test_and_set_bit(NVME_MPX_P_KNOWN, &ns->mpx.flags))
		return false;
	if (!mpx_ana_state_usable(state))
		return false;
	return !mpx_ana_state_usable(old) ||
	       (old == NVME_ANA_NONOPTIMIZED && state == NVME_ANA_OPTIMIZED);
}

static void mpx_ana_set_state(struct nvme_ns *ns, u32 grpid, u8 state)
{
	/* Held before the new state can attract I/O. */
	if (ns->head->disk && mpx_ana_promoted(ns, state))
		nvme_mpx_path_returned(ns, NVME_MPX_RET_ANA);
	ns->ana_grpid = grpid;
	WRITE_ONCE(ns->ana_state, state);
	clear_bit(NVME_NS_ANA_PENDING, &ns->flags);

	if (!mpx_ana_state_usable(state)) {
		/* Selectors revalidate, but do not leave it in their caches. */
		nvme_mpx_path_event(ns, NVME_MPX_PATH_FAILED);
		return;
	}
	/*
	 * Going live issues I/O through the head.  While the controller is
	 * not live (we may be called from its own identify) that I/O could
	 * never complete; nvme_mpath_update() redoes this once it is live.
	 */
	if (nvme_ctrl_state(ns->ctrl) == NVME_CTRL_LIVE)
		nvme_mpx_path_live(ns);
}

/*
 * Apply one group to the controller's namespaces.  Both ctrl->namespaces
 * and the group's NSID list are sorted by NSID, so walk them side by side.
 */
static bool mpx_ana_apply_group(struct nvme_ctrl *ctrl,
				struct nvme_ana_group_desc *desc, void *data)
{
	u32 nr = le32_to_cpu(desc->nnsids), grpid = le32_to_cpu(desc->grpid);
	unsigned int *nr_changing = data, i = 0;
	struct nvme_ns *ns;
	int idx;

	dev_dbg(ctrl->device, "ANA group %u: %s\n", grpid,
		nvme_mpx_ana_state_name(desc->state));
	if (desc->state == NVME_ANA_CHANGE)
		(*nr_changing)++;
	if (!nr)
		return false;

	idx = srcu_read_lock(&ctrl->srcu);
	list_for_each_entry_srcu(ns, &ctrl->namespaces, list,
				 srcu_read_lock_held(&ctrl->srcu)) {
		while (i < nr && le32_to_cpu(desc->nsids[i]) < ns->head->ns_id)
			i++;
		if (i == nr)
			break;
		if (le32_to_cpu(desc->nsids[i]) == ns->head->ns_id)
			mpx_ana_set_state(ns, grpid, desc->state);
	}
	srcu_read_unlock(&ctrl->srcu, idx);
	return false;
}

/* Apply the log in the buffer; caller holds ctrl->ana_lock. */
static int mpx_ana_apply(struct nvme_ctrl *ctrl)
{
	unsigned int nr_changing = 0;
	struct nvme_ana_group_desc *err;

	err = mpx_ana_walk(ctrl, mpx_ana_apply_group, &nr_changing);
	if (IS_ERR(err))
		return PTR_ERR(err);

	/*
	 * One ANATT timer for all groups, not one per group: a target that
	 * keeps starting new transitions is still caught once all of its
	 * groups are changing.  Twice ANATT leaves slack for transport and
	 * AEN processing delays.
	 */
	if (nr_changing)
		mod_timer(&ctrl->anatt_timer, jiffies + 2 * ctrl->anatt * HZ);
	else
		del_timer_sync(&ctrl->anatt_timer);
	return 0;
}

static int mpx_ana_read(struct nvme_ctrl *ctrl)
{
	int ret;

	mutex_lock(&ctrl->ana_lock);
	ret = nvme_get_log(ctrl, NVME_NSID_ALL, NVME_LOG_ANA, 0, NVME_CSI_NVM,
			   ctrl->ana_log_buf, ctrl->ana_log_size, 0);
	if (ret)
		dev_warn(ctrl->device, "Failed to get ANA log: %d\n", ret);
	else
		ret = mpx_ana_apply(ctrl);
	mutex_unlock(&ctrl->ana_lock);
	return ret;
}

/* Queued on ANA change AENs and on ANA errors. */
static void mpx_ana_work(struct work_struct *work)
{
	struct nvme_ctrl *ctrl = container_of(work, struct nvme_ctrl, ana_work);

	if (nvme_ctrl_state(ctrl) == NVME_CTRL_LIVE)
		mpx_ana_read(ctrl);
}

/* The controller just went live: apply what identify could not. */
void nvme_mpath_update(struct nvme_ctrl *ctrl)
{
	if (!ctrl->ana_log_buf)
		return;
	mutex_lock(&ctrl->ana_lock);
	mpx_ana_apply(ctrl);
	mutex_unlock(&ctrl->ana_lock);
}

static void mpx_anatt_timeout(struct timer_list *t)
{
	struct nvme_ctrl *ctrl = from_timer(ctrl, t, anatt_timer);

	dev_info(ctrl->device, "ANATT timeout, resetting controller.\n");
	nvme_reset_ctrl(ctrl);
}

void nvme_mpath_stop(struct nvme_ctrl *ctrl)
{
	if (!nvme_ctrl_use_ana(ctrl))
		return;
	del_timer_sync(&ctrl->anatt_timer);
	cancel_work_sync(&ctrl->ana_work);
}

void nvme_mpath_init_ctrl(struct nvme_ctrl *ctrl)
{
	mutex_init(&ctrl->ana_lock);
	timer_setup(&ctrl->anatt_timer, mpx_anatt_timeout, 0);
	INIT_WORK(&ctrl->ana_work, mpx_ana_work);
}

void nvme_mpath_uninit(struct nvme_ctrl *ctrl)
{
	kvfree(ctrl->ana_log_buf);
	ctrl->ana_log_buf = NULL;
	ctrl->ana_log_size = 0;
}

int nvme_mpath_init_identify(struct nvme_ctrl *ctrl, struct nvme_id_ctrl *id)
{
	size_t max_xfer = ctrl->max_hw_sectors << SECTOR_SHIFT, size;
	int ret;

	if (!multipath || !ctrl->subsys ||
	    !(ctrl->subsys->cmic & NVME_CTRL_CMIC_ANA))
		return 0;

	/* Requests counted before a reset are not coming back. */
	atomic_set(&ctrl->nr_active, 0);

	if (!ctrl->max_namespaces ||
	    ctrl->max_namespaces > le32_to_cpu(id->nn)) {
		dev_err(ctrl->device, "Invalid MNAN value %u\n",
			ctrl->max_namespaces);
		return -EINVAL;
	}

	ctrl->anacap = id->anacap;
	ctrl->anatt = id->anatt;
	ctrl->nanagrpid = le32_to_cpu(id->nanagrpid);
	ctrl->anagrpmax = le32_to_cpu(id->anagrpmax);

	/* Worst case: every group listed, every namespace in some group. */
	size = sizeof(struct nvme_ana_rsp_hdr) +
	       ctrl->nanagrpid * sizeof(struct nvme_ana_group_desc) +
	       ctrl->max_namespaces * sizeof(__le32);
	if (size > max_xfer) {
		dev_err(ctrl->device,
			"ANA log page size (%zu) larger than MDTS (%zu).\n",
			size, max_xfer);
		dev_err(ctrl->device, "disabling ANA support.\n");
		nvme_mpath_uninit(ctrl);
		return 0;
	}
	/* Reallocate only if a reset brought a larger configuration. */
	if (size > ctrl->ana_log_size) {
		nvme_mpath_stop(ctrl);
		nvme_mpath_uninit(ctrl);
		ctrl->ana_log_buf = kvmalloc(size, GFP_KERNEL);
		if (!ctrl->ana_log_buf)
			return -ENOMEM;
	}
	ctrl->ana_log_size = size;

	ret = mpx_ana_read(ctrl);
	if (ret)
		nvme_mpath_uninit(ctrl);
	return ret;
}

static bool mpx_ana_match_group(struct nvme_ctrl *ctrl,
				struct nvme_ana_group_desc *desc, void *data)
{
	return desc->grpid == *(__le32 *)data;
}

void nvme_mpath_add_disk(struct nvme_ns *ns, __le32 anagrpid)
{
	struct nvme_ana_group_desc *desc;
	u8 state = 0;

	nvme_mpx_path_init(ns);
	nvme_mpx_path_event(ns, NVME_MPX_PATH_ADDED);

	if (!nvme_ctrl_use_ana(ns->ctrl)) {
		set_bit(NVME_MPX_P_KNOWN, &ns->mpx.flags);
		ns->ana_state = NVME_ANA_OPTIMIZED;
		nvme_mpx_path_live(ns);
		goto out;
	}

	mutex_lock(&ns->ctrl->ana_lock);
	ns->ana_grpid = le32_to_cpu(anagrpid);
	desc = mpx_ana_walk(ns->ctrl, mpx_ana_match_group, &anagrpid);
	if (!IS_ERR_OR_NULL(desc))
		state = desc->state;
	mutex_unlock(&ns->ctrl->ana_lock);

	if (state) {
		/* Outside ana_lock: going live may wait for I/O. */
		mpx_ana_set_state(ns, le32_to_cpu(anagrpid), state);
	} else {
		/* Group not in the log we have: fetch a fresh one. */
		set_bit(NVME_NS_ANA_PENDING, &ns->flags);
		queue_work(nvme_wq, &ns->ctrl->ana_work);
	}
out:
	/* Link the path if the head disk is already up. */
	if (ns->head->disk && test_bit(NVME_NSHEAD_DISK_LIVE, &ns->head->flags))
		nvme_mpx_link_paths(ns->head);
#ifdef CONFIG_BLK_DEV_ZONED
	if (blk_queue_is_zoned(ns->queue) && ns->head->disk)
		ns->head->disk->nr_zones = ns->disk->nr_zones;
#endif
}
