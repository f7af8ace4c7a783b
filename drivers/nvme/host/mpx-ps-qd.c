// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe multipath "queue-depth" selector: send I/O to the controller with
 * the fewest multipath requests in flight, within the best ANA tier.
 *
 * The depth is per controller (nvme_ctrl.nr_active), not per namespace:
 * what we want to avoid is a congested transport or controller, and all
 * namespaces behind a controller share those.  Only heads running this
 * selector pay for the counting, through the start_io/end_io hooks.
 */
#include <kunit/visibility.h>
#include "mpx.h"

static u64 mpx_qd_key(struct nvme_ns *ns, enum nvme_mpx_tier tier, void *arg)
{
	return nvme_mpx_key(tier, atomic_read(&ns->ctrl->nr_active));
}

/* An idle optimized path cannot be beaten and ends the scan. */
struct nvme_ns *nvme_mpx_qd_select(struct nvme_mpx_policy *pol,
				   struct nvme_ns_head *head, int node)
{
	return nvme_mpx_cheapest(head, mpx_qd_key, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_qd_select);

static bool mpx_qd_start_io(struct nvme_ns *ns, struct request *rq)
{
	atomic_inc(&ns->ctrl->nr_active);
	return true;
}

static void mpx_qd_end_io(struct nvme_ns *ns, struct request *rq)
{
	/*
	 * nr_active is zeroed when the controller is (re)identified, possibly
	 * with requests still in flight: never let it go negative.
	 */
	atomic_dec_if_positive(&ns->ctrl->nr_active);
}

const struct nvme_mpx_selector nvme_mpx_qd = {
	.name		= "queue-depth",
	.select		= nvme_mpx_qd_select,
	.start_io	= mpx_qd_start_io,
	.end_io		= mpx_qd_end_io,
};
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_qd);
