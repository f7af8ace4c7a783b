// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: sysfs.
 *
 * Subsystem:  iopolicy         default policy of the subsystem's heads
 * Head disk:  mpx_iopolicy     the head's own policy, or inherit
 *             multipath/       links to the path disks
 * Path disk:  ana_grpid, ana_state, queue_depth, numa_nodes
 */
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

static ssize_t mpx_iopolicy_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct nvme_ns_head *head = dev_to_disk(dev)->private_data;
	const struct nvme_mpx_selector *sel = NULL;
	int ret;

	if (!sysfs_streq(buf, "") && !sysfs_streq(buf, "inherit")) {
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

static struct attribute *nvme_mpx_attrs[] = {
	&dev_attr_queue_depth.attr,
	&dev_attr_numa_nodes.attr,
	&dev_attr_mpx_iopolicy.attr,
	NULL,
};

static umode_t nvme_mpx_attrs_visible(struct kobject *kobj,
				      struct attribute *a, int n)
{
	struct device *dev = container_of(kobj, struct device, kobj);
	bool is_head = nvme_disk_is_ns_head(dev_to_disk(dev));

	if (a == &dev_attr_mpx_iopolicy.attr)
		return is_head ? a->mode : 0;
	return is_head ? 0 : a->mode;
}

const struct attribute_group nvme_mpx_attr_group = {
	.attrs		= nvme_mpx_attrs,
	.is_visible	= nvme_mpx_attrs_visible,
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
