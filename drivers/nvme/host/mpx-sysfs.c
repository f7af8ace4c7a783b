// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: sysfs.
 *
 * Subsystem:  iopolicy         default policy of the subsystem's heads
 * Head disk:  mpx_iopolicy     the head's own policy, or inherit
 *             mpx_failback, mpx_preferred, mpx_active, mpx_stat,
 *             mpx_queue_if_no_path, mpx_write_quiesce_ms,
 *             mpx_stall_{mult,min_ms,max_ms}, mpx_flap_{limit,window_secs,
 *             hold_secs}, mpx_multiplex, mpx_hedge, mpx_mux_stat
 *             multipath/       links to the path disks
 *             diag/            mainline's counters of I/O without a path
 * Path disk:  ana_grpid, ana_state, queue_depth, numa_nodes
 *             mpx_state, mpx_priority, mpx_weight, mpx_stat
 *             diag/            mainline's failover, retry, error counters
 *
 * Every write is checked completely before anything changes; a bad value
 * gets -EINVAL and one rate-limited line naming the attribute.
 */
#include <linux/kstrtox.h>
#include <linux/nodemask.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>
#include "mpx.h"

static ssize_t iopolicy_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct nvme_subsystem *subsys =
		container_of(dev, struct nvme_subsystem, dev);

	return sysfs_emit(buf, "%s\n", READ_ONCE(subsys->mpx_sel)->name);
}

static ssize_t iopolicy_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct nvme_subsystem *subsys =
		container_of(dev, struct nvme_subsystem, dev);
	const struct nvme_mpx_selector *sel = nvme_mpx_find_selector(buf);

	if (!sel) {
		pr_warn_ratelimited("nvme: subsysnqn %s: unknown iopolicy '%.*s'\n",
				    subsys->subnqn, (int)strcspn(buf, "\n"),
				    buf);
		return -EINVAL;
	}
	nvme_mpx_subsys_set_policy(subsys, sel);
	return count;
}

/* sysfs.c lists this one by name in the subsystem's attributes. */
struct device_attribute subsys_attr_iopolicy = __ATTR_RW(iopolicy);
EXPORT_SYMBOL_IF_KUNIT(subsys_attr_iopolicy);

static int mpx_invalid(struct device *dev, struct device_attribute *attr,
		       const char *buf)
{
	dev_warn_ratelimited(dev, "invalid %s '%.*s'\n", attr->attr.name,
			     (int)min_t(size_t, strcspn(buf, "\n"), 64), buf);
	return -EINVAL;
}

static struct nvme_ns_head *mpx_dev_head(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t ana_grpid_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", nvme_get_ns_from_dev(dev)->ana_grpid);
}
DEVICE_ATTR_RO(ana_grpid);

static ssize_t ana_state_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct nvme_ns *ns = nvme_get_ns_from_dev(dev);

	return sysfs_emit(buf, "%s\n",
			  nvme_mpx_ana_state_name(READ_ONCE(ns->ana_state)));
}
DEVICE_ATTR_RO(ana_state);

/* Empty unless the head runs a policy that counts in-flight requests. */
static ssize_t queue_depth_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct nvme_ns *ns = nvme_get_ns_from_dev(dev);
	const struct nvme_mpx_selector *sel = READ_ONCE(ns->head->mpx_sel);

	if (!sel || !sel->start_io)
		return 0;
	return sysfs_emit(buf, "%d\n", atomic_read(&ns->ctrl->nr_active));
}
static DEVICE_ATTR_RO(queue_depth);

/* Nodes whose I/O this path currently serves; empty for other policies. */
static ssize_t numa_nodes_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct nvme_ns *ns = nvme_get_ns_from_dev(dev);
	struct nvme_ns_head *head = ns->head;
	struct nvme_mpx_policy *pol;
	nodemask_t nodes;
	ssize_t ret = 0;
	int idx;

	nodes_clear(nodes);
	idx = srcu_read_lock(&head->srcu);
	pol = srcu_dereference(head->mpx_policy, &head->srcu);
	if (pol && pol->sel->path_nodes) {
		pol->sel->path_nodes(pol, ns, &nodes);
		ret = sysfs_emit(buf, "%*pbl\n", nodemask_pr_args(&nodes));
	}
	srcu_read_unlock(&head->srcu, idx);
	return ret;
}
static DEVICE_ATTR_RO(numa_nodes);

static ssize_t mpx_iopolicy_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct nvme_ns_head *head = dev_to_disk(dev)->private_data;
	const struct nvme_mpx_selector *own = READ_ONCE(head->mpx_override);

	if (own)
		return sysfs_emit(buf, "%s\n", own->name);
	return sysfs_emit(buf, "%s (inherited)\n",
			  READ_ONCE(head->subsys->mpx_sel)->name);
}

/*
 * What the attribute shows for an inherited policy, "<name> (inherited)",
 * is taken back as "inherit": a value read must be one that can be written.
 */
static bool mpx_iopolicy_inherited(const char *buf)
{
	static const char sfx[] = " (inherited)";
	size_t len = strcspn(buf, "\n"), n = sizeof(sfx) - 1;
	char name[32];

	if (len <= n || len - n >= sizeof(name) || !sysfs_streq(buf + len - n, sfx))
		return false;
	memcpy(name, buf, len - n);
	name[len - n] = '\0';
	return nvme_mpx_find_selector(name);
}

static ssize_t mpx_iopolicy_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct nvme_ns_head *head = dev_to_disk(dev)->private_data;
	const struct nvme_mpx_selector *sel = NULL;
	int ret;

	if (!sysfs_streq(buf, "") && !sysfs_streq(buf, "inherit") &&
	    !mpx_iopolicy_inherited(buf)) {
		sel = nvme_mpx_find_selector(buf);
		if (!sel) {
			pr_warn_ratelimited("%s: unknown iopolicy '%.*s'\n",
					    head->disk->disk_name,
					    (int)strcspn(buf, "\n"), buf);
			return -EINVAL;
		}
	}
	ret = nvme_mpx_head_set_policy(head, sel);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mpx_iopolicy);

/*
 * Path: live; held (waiting for failback); quarantined (held for flapping);
 * failed (by the admin); stalled (I/O stuck, being recovered); down.
 */
static ssize_t mpx_state_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct nvme_ns *ns = nvme_get_ns_from_dev(dev);
	const char *state;

	if (test_bit(NVME_MPX_P_FAILED, &ns->mpx.flags))
		state = "failed";
	else if (test_bit(NVME_MPX_P_STALLED, &ns->mpx.flags))
		state = "stalled";
	else if (nvme_mpx_tier(ns) == NVME_MPX_TIER_NONE)
		state = "down";
	else if (test_bit(NVME_MPX_P_QUARANTINED, &ns->mpx.flags))
		state = "quarantined";
	else if (test_bit(NVME_MPX_P_HELD, &ns->mpx.flags))
		state = "held";
	else
		state = "live";
	return sysfs_emit(buf, "%s\n", state);
}

static ssize_t mpx_state_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct nvme_ns *ns = nvme_get_ns_from_dev(dev);
	int ret;

	if (sysfs_streq(buf, "fail"))
		ret = nvme_mpx_path_set_failed(ns, true);
	else if (sysfs_streq(buf, "reinstate"))
		ret = nvme_mpx_path_set_failed(ns, false);
	else if (sysfs_streq(buf, "activate"))
		ret = nvme_mpx_path_activate(ns);
	else
		return mpx_invalid(dev, attr, buf);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mpx_state);

static ssize_t mpx_priority_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(nvme_get_ns_from_dev(dev)->mpx.priority));
}

static ssize_t mpx_priority_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct nvme_ns *ns = nvme_get_ns_from_dev(dev);
	u8 prio;

	if (kstrtou8(buf, 0, &prio))
		return mpx_invalid(dev, attr, buf);
	WRITE_ONCE(ns->mpx.priority, prio);
	/* Selectors with cached choices must rank again. */
	nvme_mpx_path_event(ns, NVME_MPX_PATH_REINSTATED);
	return count;
}
static DEVICE_ATTR_RW(mpx_priority);

#define NVME_MPX_WEIGHT_MAX	1000

static ssize_t mpx_weight_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(nvme_get_ns_from_dev(dev)->mpx.weight));
}

static ssize_t mpx_weight_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct nvme_ns *ns = nvme_get_ns_from_dev(dev);
	u16 weight;

	if (kstrtou16(buf, 0, &weight) || !weight ||
	    weight > NVME_MPX_WEIGHT_MAX)
		return mpx_invalid(dev, attr, buf);
	WRITE_ONCE(ns->mpx.weight, weight);
	return count;
}
static DEVICE_ATTR_RW(mpx_weight);

static ssize_t mpx_path_stat_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct nvme_mpx_path *p = &nvme_get_ns_from_dev(dev)->mpx;

	return sysfs_emit(buf, "%lu %lu %lu %lu %d %llu %lu %lu\n",
			  atomic_long_read(&p->ios),
			  atomic_long_read(&p->bytes),
			  atomic_long_read(&p->errors),
			  atomic_long_read(&p->failovers),
			  atomic_read(&p->inflight),
			  READ_ONCE(p->lat_ewma),
			  atomic_long_read(&p->stalls),
			  atomic_long_read(&p->quarantines));
}

static ssize_t mpx_head_stat_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct nvme_mpx_head *h = &mpx_dev_head(dev)->mpx;

	return sysfs_emit(buf, "%lu %lu %lu %lu %lu\n",
			  atomic_long_read(&h->failovers),
			  atomic_long_read(&h->requeued),
			  atomic_long_read(&h->failed_no_path),
			  atomic_long_read(&h->quiesced),
			  atomic_long_read(&h->fo_exhausted));
}

/* One name, two meanings: the disk decides which one it shows. */
static ssize_t mpx_stat_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	if (nvme_disk_is_ns_head(dev_to_disk(dev)))
		return mpx_head_stat_show(dev, attr, buf);
	return mpx_path_stat_show(dev, attr, buf);
}
static DEVICE_ATTR_RO(mpx_stat);

static ssize_t mpx_failback_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	unsigned int fb = READ_ONCE(mpx_dev_head(dev)->mpx.failback);

	switch (fb) {
	case NVME_MPX_FB_IMMEDIATE:
		return sysfs_emit(buf, "immediate\n");
	case NVME_MPX_FB_MANUAL:
		return sysfs_emit(buf, "manual\n");
	case NVME_MPX_FB_FOLLOWOVER:
		return sysfs_emit(buf, "followover\n");
	default:
		return sysfs_emit(buf, "%u\n", fb);
	}
}

static ssize_t mpx_failback_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	unsigned int fb;
	int ret;

	if (sysfs_streq(buf, "immediate"))
		fb = NVME_MPX_FB_IMMEDIATE;
	else if (sysfs_streq(buf, "manual"))
		fb = NVME_MPX_FB_MANUAL;
	else if (sysfs_streq(buf, "followover"))
		fb = NVME_MPX_FB_FOLLOWOVER;
	else if (kstrtouint(buf, 10, &fb) || fb > NVME_MPX_FB_MAX_SECS)
		return mpx_invalid(dev, attr, buf);
	ret = nvme_mpx_head_set_failback(mpx_dev_head(dev), fb);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mpx_failback);

static ssize_t mpx_preferred_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct nvme_ns_head *head = mpx_dev_head(dev);
	const char *name = "none";
	struct nvme_ns *ns;
	ssize_t ret;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		if (test_bit(NVME_MPX_P_PINNED, &ns->mpx.flags))
			name = ns->disk->disk_name;
	ret = sysfs_emit(buf, "%s\n", name);
	srcu_read_unlock(&head->srcu, idx);
	return ret;
}

static ssize_t mpx_preferred_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	struct nvme_ns_head *head = mpx_dev_head(dev);
	struct nvme_ns *ns, *pin = NULL;
	int idx, ret;

	if (sysfs_streq(buf, "none") || sysfs_streq(buf, ""))
		return nvme_mpx_head_set_preferred(head, NULL) ?: count;

	/* Hold head->srcu: @pin must stay valid until it is flagged. */
	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		if (sysfs_streq(buf, ns->disk->disk_name))
			pin = ns;
	if (pin)
		ret = nvme_mpx_head_set_preferred(head, pin);
	else
		ret = mpx_invalid(dev, attr, buf);
	srcu_read_unlock(&head->srcu, idx);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mpx_preferred);

/* The path active-standby last used; "none" under other policies. */
static ssize_t mpx_active_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct nvme_ns_head *head = mpx_dev_head(dev);
	struct nvme_mpx_policy *pol;
	const char *name = "none";
	struct nvme_ns *ns, *active = NULL;
	ssize_t ret;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	pol = srcu_dereference(head->mpx_policy, &head->srcu);
	if (pol)
		active = nvme_mpx_as_active(pol);
	/* Only trust the pointer if it is still one of our paths. */
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu))
		if (ns == active)
			name = ns->disk->disk_name;
	ret = sysfs_emit(buf, "%s\n", name);
	srcu_read_unlock(&head->srcu, idx);
	return ret;
}
static DEVICE_ATTR_RO(mpx_active);

static ssize_t mpx_queue_if_no_path_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	int qnp = READ_ONCE(mpx_dev_head(dev)->mpx.queue_if_no_path);

	switch (qnp) {
	case NVME_MPX_QNP_AUTO:
		return sysfs_emit(buf, "auto\n");
	case NVME_MPX_QNP_FOREVER:
		return sysfs_emit(buf, "forever\n");
	case 0:
		return sysfs_emit(buf, "fail\n");
	default:
		return sysfs_emit(buf, "%d\n", qnp);
	}
}

static ssize_t mpx_queue_if_no_path_store(struct device *dev,
					  struct device_attribute *attr,
					  const char *buf, size_t count)
{
	struct nvme_ns_head *head = mpx_dev_head(dev);
	int qnp;

	if (sysfs_streq(buf, "auto"))
		qnp = NVME_MPX_QNP_AUTO;
	else if (sysfs_streq(buf, "forever"))
		qnp = NVME_MPX_QNP_FOREVER;
	else if (sysfs_streq(buf, "fail"))
		qnp = 0;
	else if (kstrtoint(buf, 10, &qnp) || qnp < 0 ||
		 qnp > NVME_MPX_QNP_MAX_SECS)
		return mpx_invalid(dev, attr, buf);
	WRITE_ONCE(head->mpx.queue_if_no_path, qnp);
	/* Parked I/O is judged again under the new setting. */
	clear_bit(NVME_MPX_H_NOPATH_EXPIRED, &head->mpx.flags);
	if (READ_ONCE(head->mpx.nopath_since))
		mod_delayed_work(nvme_wq, &head->mpx.nopath_work, 0);
	kblockd_schedule_work(&head->requeue_work);
	return count;
}
static DEVICE_ATTR_RW(mpx_queue_if_no_path);

static ssize_t mpx_write_quiesce_ms_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	int ms = READ_ONCE(mpx_dev_head(dev)->mpx.write_quiesce_ms);

	if (ms == NVME_MPX_WQ_AUTO)
		return sysfs_emit(buf, "auto\n");
	return sysfs_emit(buf, "%d\n", ms);
}

static ssize_t mpx_write_quiesce_ms_store(struct device *dev,
					  struct device_attribute *attr,
					  const char *buf, size_t count)
{
	int ms;

	if (sysfs_streq(buf, "auto"))
		ms = NVME_MPX_WQ_AUTO;
	else if (kstrtoint(buf, 10, &ms) || ms < 0 || ms > NVME_MPX_WQ_MAX_MS)
		return mpx_invalid(dev, attr, buf);
	WRITE_ONCE(mpx_dev_head(dev)->mpx.write_quiesce_ms, ms);
	return count;
}
static DEVICE_ATTR_RW(mpx_write_quiesce_ms);

/* Plain unsigned knobs of the head, each with its own range. */
struct mpx_uint_attr {
	struct device_attribute attr;
	size_t offset;		/* in struct nvme_mpx_head */
	unsigned int min, max;
};

#define MPX_UINT_ATTR(_name, _field, _min, _max)			\
	struct mpx_uint_attr mpx_attr_##_name = {			\
		.attr	= __ATTR(_name, 0644, mpx_uint_show, mpx_uint_store), \
		.offset	= offsetof(struct nvme_mpx_head, _field),	\
		.min	= _min,						\
		.max	= _max,						\
	}

static unsigned int *mpx_uint_field(struct device *dev,
				    struct device_attribute *attr)
{
	struct mpx_uint_attr *ua = container_of(attr, struct mpx_uint_attr,
						attr);

	return (void *)&mpx_dev_head(dev)->mpx + ua->offset;
}

static ssize_t mpx_uint_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(*mpx_uint_field(dev, attr)));
}

static bool mpx_stall_limits_ok(struct nvme_mpx_head *h,
				unsigned int *field, unsigned int val);

static ssize_t mpx_uint_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct mpx_uint_attr *ua = container_of(attr, struct mpx_uint_attr,
						attr);
	struct nvme_ns_head *head = mpx_dev_head(dev);
	unsigned int *field = mpx_uint_field(dev, attr);
	unsigned int val;
	int ret = count;

	if (kstrtouint(buf, 10, &val) || val < ua->min || val > ua->max)
		return mpx_invalid(dev, attr, buf);
	/* The stall floor and ceiling are checked against each other. */
	mutex_lock(&head->lock);
	if (mpx_stall_limits_ok(&head->mpx, field, val))
		WRITE_ONCE(*field, val);
	else
		ret = mpx_invalid(dev, attr, buf);
	mutex_unlock(&head->lock);
	return ret;
}

static MPX_UINT_ATTR(mpx_stall_mult, stall_mult, 1, 1000);
static MPX_UINT_ATTR(mpx_stall_min_ms, stall_min_ms, 10, 600000);
static MPX_UINT_ATTR(mpx_stall_max_ms, stall_max_ms, 0, 600000);
static MPX_UINT_ATTR(mpx_flap_limit, flap_limit, 0, 1000);
static MPX_UINT_ATTR(mpx_flap_window_secs, flap_window_secs, 1, 86400);
static MPX_UINT_ATTR(mpx_flap_hold_secs, flap_hold_secs, 1, 86400);
static MPX_UINT_ATTR(mpx_failover_max, failover_max, 0, 1000);
static MPX_UINT_ATTR(mpx_failover_interval_ms, failover_interval_ms, 0,
		     600000);

/* A ceiling (other than 0, off) below the floor makes no sense. */
static bool mpx_stall_limits_ok(struct nvme_mpx_head *h,
				unsigned int *field, unsigned int val)
{
	unsigned int min = h->stall_min_ms, max = h->stall_max_ms;

	if (field == &h->stall_min_ms)
		min = val;
	else if (field == &h->stall_max_ms)
		max = val;
	return !max || min <= max;
}

static ssize_t mpx_multiplex_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct nvme_ns_head *head = mpx_dev_head(dev);
	ssize_t ret;
	int idx;

	idx = srcu_read_lock(&head->srcu);
	ret = nvme_mpx_ranges_print(srcu_dereference(head->mpx.mux_ranges,
						     &head->srcu),
				    buf, PAGE_SIZE);
	srcu_read_unlock(&head->srcu, idx);
	return ret;
}

static ssize_t mpx_multiplex_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	struct nvme_ns_head *head = mpx_dev_head(dev);
	u64 nr_lbas = nvme_sect_to_lba(head, get_capacity(head->disk));
	struct nvme_mpx_ranges *rs;
	int ret;

	ret = nvme_mpx_ranges_parse(buf, nr_lbas, &rs);
	if (ret == -EINVAL)
		return mpx_invalid(dev, attr, buf);
	if (ret)
		return ret;
	ret = nvme_mpx_mux_set_ranges(head, rs);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mpx_multiplex);

static ssize_t mpx_hedge_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	int us = READ_ONCE(mpx_dev_head(dev)->mpx.hedge_us);

	if (us == NVME_MPX_HEDGE_OFF)
		return sysfs_emit(buf, "off\n");
	if (us == NVME_MPX_HEDGE_AUTO)
		return sysfs_emit(buf, "auto\n");
	return sysfs_emit(buf, "%d\n", us);
}

static ssize_t mpx_hedge_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t count)
{
	int us, ret;

	if (sysfs_streq(buf, "off"))
		us = NVME_MPX_HEDGE_OFF;
	else if (sysfs_streq(buf, "auto"))
		us = NVME_MPX_HEDGE_AUTO;
	else if (kstrtoint(buf, 10, &us) || us <= 0 ||
		 us > NVME_MPX_HEDGE_MAX_US)
		return mpx_invalid(dev, attr, buf);
	ret = nvme_mpx_mux_set_hedge(mpx_dev_head(dev), us);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mpx_hedge);

static ssize_t mpx_multiplex_rt_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  test_bit(ilog2(NVME_MPX_MUX_RT),
				   &mpx_dev_head(dev)->mpx.mux_on));
}

/* Only "0" and "1": y/n/on/off would read back as something else. */
static ssize_t mpx_multiplex_rt_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t count)
{
	unsigned int on;
	int ret;

	if (kstrtouint(buf, 10, &on) || on > 1)
		return mpx_invalid(dev, attr, buf);
	ret = nvme_mpx_mux_set_rt(mpx_dev_head(dev), on);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mpx_multiplex_rt);

/* multiplexed, multiplexed with a path failing, hedges sent, hedges won */
static ssize_t mpx_mux_stat_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct nvme_mpx_head *h = &mpx_dev_head(dev)->mpx;

	return sysfs_emit(buf, "%lu %lu %lu %lu\n",
			  atomic_long_read(&h->muxed),
			  atomic_long_read(&h->mux_degraded),
			  atomic_long_read(&h->hedged),
			  atomic_long_read(&h->hedge_won));
}
static DEVICE_ATTR_RO(mpx_mux_stat);

static struct attribute *nvme_mpx_attrs[] = {
	&dev_attr_queue_depth.attr,
	&dev_attr_numa_nodes.attr,
	&dev_attr_mpx_state.attr,
	&dev_attr_mpx_priority.attr,
	&dev_attr_mpx_weight.attr,
	&dev_attr_mpx_stat.attr,
	&dev_attr_mpx_iopolicy.attr,
	&dev_attr_mpx_failback.attr,
	&dev_attr_mpx_preferred.attr,
	&dev_attr_mpx_active.attr,
	&dev_attr_mpx_queue_if_no_path.attr,
	&dev_attr_mpx_write_quiesce_ms.attr,
	&mpx_attr_mpx_stall_mult.attr.attr,
	&mpx_attr_mpx_stall_min_ms.attr.attr,
	&mpx_attr_mpx_stall_max_ms.attr.attr,
	&mpx_attr_mpx_flap_limit.attr.attr,
	&mpx_attr_mpx_flap_window_secs.attr.attr,
	&mpx_attr_mpx_flap_hold_secs.attr.attr,
	&mpx_attr_mpx_failover_max.attr.attr,
	&mpx_attr_mpx_failover_interval_ms.attr.attr,
	&dev_attr_mpx_multiplex.attr,
	&dev_attr_mpx_hedge.attr,
	&dev_attr_mpx_multiplex_rt.attr,
	&dev_attr_mpx_mux_stat.attr,
	NULL,
};

/*
 * nvme_mpx_attrs[] lists the path attributes first; mpx_iopolicy (index
 * MPX_FIRST_HEAD_ATTR) and everything after it belong to heads.
 */
#define MPX_FIRST_HEAD_ATTR	6

static bool mpx_attr_on_head(int n)
{
	return n >= MPX_FIRST_HEAD_ATTR;
}

static umode_t nvme_mpx_attrs_visible(struct kobject *kobj,
				      struct attribute *a, int n)
{
	struct device *dev = container_of(kobj, struct device, kobj);
	bool is_head = nvme_disk_is_ns_head(dev_to_disk(dev));

	if (a == &dev_attr_mpx_stat.attr)
		return a->mode;
	if (!IS_ENABLED(CONFIG_NVME_MPX_STALL) &&
	    (a == &mpx_attr_mpx_stall_mult.attr.attr ||
	     a == &mpx_attr_mpx_stall_min_ms.attr.attr ||
	     a == &mpx_attr_mpx_stall_max_ms.attr.attr))
		return 0;
	return is_head == mpx_attr_on_head(n) ? a->mode : 0;
}

const struct attribute_group nvme_mpx_attr_group = {
	.attrs		= nvme_mpx_attrs,
	.is_visible	= nvme_mpx_attrs_visible,
};

/*
 * diag/: the counters mainline added later, under its names and meaning.
 * Writing 0 resets one; nothing else may be written.
 */
static atomic_long_t *mpx_diag_counter(struct device *dev,
				       struct device_attribute *attr);

static ssize_t mpx_diag_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  atomic_long_read(mpx_diag_counter(dev, attr)));
}

static ssize_t mpx_diag_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t count)
{
	unsigned long val;

	if (kstrtoul(buf, 10, &val) || val)
		return mpx_invalid(dev, attr, buf);
	atomic_long_set(mpx_diag_counter(dev, attr), 0);
	return count;
}

static struct device_attribute mpx_diag_failover =
	__ATTR(multipath_failover_count, 0644, mpx_diag_show, mpx_diag_store);
static struct device_attribute mpx_diag_retry =
	__ATTR(command_retry_count, 0644, mpx_diag_show, mpx_diag_store);
static struct device_attribute mpx_diag_error =
	__ATTR(command_error_count, 0644, mpx_diag_show, mpx_diag_store);
static struct device_attribute mpx_diag_requeue =
	__ATTR(io_requeue_no_usable_path_count, 0644, mpx_diag_show,
	       mpx_diag_store);
static struct device_attribute mpx_diag_fail =
	__ATTR(io_fail_no_available_path_count, 0644, mpx_diag_show,
	       mpx_diag_store);

static atomic_long_t *mpx_diag_counter(struct device *dev,
				       struct device_attribute *attr)
{
	struct nvme_ns_head *head;
	struct nvme_ns *ns;

	if (attr == &mpx_diag_requeue || attr == &mpx_diag_fail) {
		head = mpx_dev_head(dev);
		return attr == &mpx_diag_requeue ? &head->mpx.requeued :
						   &head->mpx.failed_no_path;
	}
	ns = nvme_get_ns_from_dev(dev);
	if (attr == &mpx_diag_failover)
		return &ns->mpx.failovers;
	if (attr == &mpx_diag_retry)
		return &ns->mpx.retries;
	return &ns->mpx.errors;
}

static struct attribute *nvme_mpx_diag_attrs[] = {
	&mpx_diag_failover.attr,
	&mpx_diag_retry.attr,
	&mpx_diag_error.attr,
	&mpx_diag_requeue.attr,
	&mpx_diag_fail.attr,
	NULL,
};

static umode_t nvme_mpx_diag_visible(struct kobject *kobj,
				     struct attribute *a, int n)
{
	struct device *dev = container_of(kobj, struct device, kobj);
	bool is_head = nvme_disk_is_ns_head(dev_to_disk(dev));
	bool head_attr = a == &mpx_diag_requeue.attr ||
			 a == &mpx_diag_fail.attr;

	return is_head == head_attr ? a->mode : 0;
}

const struct attribute_group nvme_mpx_diag_group = {
	.name		= "diag",
	.attrs		= nvme_mpx_diag_attrs,
	.is_visible	= nvme_mpx_diag_visible,
};

/*
 * The head's multipath/ directory holds only links, added at run time.
 * A group needs one attribute for its visibility callback to be asked
 * about the directory, hence the placeholder that is never shown.
 */
static struct attribute mpx_links_placeholder = {
	.name	= "placeholder",
	.mode	= 0444,
};

static struct attribute *nvme_mpx_links_attrs[] = {
	&mpx_links_placeholder,
	NULL,
};

static bool mpx_links_group_visible(struct kobject *kobj)
{
	struct device *dev = container_of(kobj, struct device, kobj);

	return nvme_disk_is_ns_head(dev_to_disk(dev));
}

static umode_t mpx_links_attr_visible(struct kobject *kobj,
				      struct attribute *a, int n)
{
	return 0;
}

DEFINE_SYSFS_GROUP_VISIBLE(mpx_links);

const struct attribute_group nvme_mpx_links_group = {
	.name		= "multipath",
	.attrs		= nvme_mpx_links_attrs,
	.is_visible	= SYSFS_GROUP_VISIBLE(mpx_links),
};

/* Link every registered path disk of @head under head/multipath/. */
void nvme_mpx_link_paths(struct nvme_ns_head *head)
{
	struct kobject *kobj = &disk_to_dev(head->disk)->kobj;
	struct device *target;
	struct nvme_ns *ns;
	int idx;

	/* The directory only exists once the head disk is registered. */
	if (!test_bit(GD_ADDED, &head->disk->state))
		return;

	idx = srcu_read_lock(&head->srcu);
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (!test_bit(GD_ADDED, &ns->disk->state))
			continue;
		/* Paths going live again, or racing controllers: once only. */
		if (test_and_set_bit(NVME_NS_MPX_LINKED, &ns->flags))
			continue;
		target = disk_to_dev(ns->disk);
		if (sysfs_add_link_to_group(kobj, nvme_mpx_links_group.name,
					    &target->kobj, dev_name(target))) {
			dev_err(disk_to_dev(head->disk),
				"failed to link path %s\n", dev_name(target));
			clear_bit(NVME_NS_MPX_LINKED, &ns->flags);
		}
	}
	srcu_read_unlock(&head->srcu, idx);
}

void nvme_mpx_unlink_path(struct nvme_ns *ns)
{
	struct device *target = disk_to_dev(ns->disk);

	if (!test_and_clear_bit(NVME_NS_MPX_LINKED, &ns->flags))
		return;
	sysfs_remove_link_from_group(&disk_to_dev(ns->head->disk)->kobj,
				     nvme_mpx_links_group.name,
				     dev_name(target));
}
