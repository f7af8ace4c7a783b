// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the completion-status classification that multipath failover rests
 * on. A status that nvme_is_path_error() or blk_path_error() misjudges either
 * fails I/O that another path could complete, or retries elsewhere an I/O
 * that must not be retried at all (a media error, a reservation conflict).
 */
#include <kunit/test.h>
#include <linux/blk_types.h>
#include "nvme.h"

static const u16 status_flags[] = {
	0, NVME_STATUS_MORE, NVME_STATUS_DNR, NVME_STATUS_MORE | NVME_STATUS_DNR,
	NVME_STATUS_CRD, NVME_STATUS_CRD | NVME_STATUS_DNR,
};

/* The three ANA statuses are ANA errors whatever the flag bits say. */
static void mpx_status_ana_errors(struct kunit *test)
{
	static const u16 ana[] = {
		NVME_SC_ANA_PERSISTENT_LOSS, NVME_SC_ANA_INACCESSIBLE,
		NVME_SC_ANA_TRANSITION,
	};
	int i, f;

	for (i = 0; i < ARRAY_SIZE(ana); i++) {
		for (f = 0; f < ARRAY_SIZE(status_flags); f++) {
			u16 s = ana[i] | status_flags[f];

			KUNIT_EXPECT_TRUE_MSG(test, nvme_is_ana_error(s),
					      "status %#x", s);
			KUNIT_EXPECT_TRUE_MSG(test, nvme_is_path_error(s),
					      "status %#x", s);
		}
	}
}

/* Path errors that are not ANA ones still fail over, but change no state. */
static void mpx_status_path_not_ana(struct kunit *test)
{
	static const u16 path[] = {
		NVME_SC_INTERNAL_PATH_ERROR, NVME_SC_CTRL_PATH_ERROR,
		NVME_SC_HOST_PATH_ERROR, NVME_SC_HOST_ABORTED_CMD,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(path); i++) {
		KUNIT_EXPECT_TRUE(test, nvme_is_path_error(path[i]));
		KUNIT_EXPECT_FALSE(test, nvme_is_ana_error(path[i]));
	}
}

/* Errors of the namespace or the command itself must never fail over. */
static void mpx_status_not_path(struct kunit *test)
{
	static const u16 other[] = {
		NVME_SC_SUCCESS, NVME_SC_INVALID_OPCODE, NVME_SC_INVALID_FIELD,
		NVME_SC_LBA_RANGE, NVME_SC_CAP_EXCEEDED, NVME_SC_NS_NOT_READY,
		NVME_SC_RESERVATION_CONFLICT, NVME_SC_WRITE_FAULT,
		NVME_SC_READ_ERROR, NVME_SC_GUARD_CHECK, NVME_SC_ANA_GROUP_ID_INVALID,
		NVME_SC_ANA_ATTACH_FAILED,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(other); i++) {
		KUNIT_EXPECT_FALSE_MSG(test, nvme_is_path_error(other[i]),
				       "status %#x", other[i]);
		KUNIT_EXPECT_FALSE_MSG(test, nvme_is_ana_error(other[i]),
				       "status %#x", other[i]);
	}
}

/* Every 15-bit status value: the helpers agree with the specification. */
static void mpx_status_exhaustive(struct kunit *test)
{
	unsigned int s, bad_ana = 0, bad_path = 0;

	for (s = 0; s <= 0x7fff; s++) {
		u16 code = s & NVME_SCT_SC_MASK;
		bool ana = code >= NVME_SC_ANA_PERSISTENT_LOSS &&
			   code <= NVME_SC_ANA_TRANSITION;
		bool path = (s & NVME_SCT_MASK) == NVME_SCT_PATH;

		bad_ana += nvme_is_ana_error(s) != ana;
		bad_path += nvme_is_path_error(s) != path;
	}
	KUNIT_EXPECT_EQ(test, bad_ana, 0);
	KUNIT_EXPECT_EQ(test, bad_path, 0);
}

/* blk_path_error() decides whether a failed bio may go down another path. */
static void mpx_status_blk_path_error(struct kunit *test)
{
	static const blk_status_t final[] = {
		BLK_STS_NOTSUPP, BLK_STS_NOSPC, BLK_STS_TARGET,
		BLK_STS_RESV_CONFLICT, BLK_STS_MEDIUM, BLK_STS_PROTECTION,
	};
	static const blk_status_t retry[] = {
		BLK_STS_IOERR, BLK_STS_TRANSPORT, BLK_STS_TIMEOUT,
		BLK_STS_RESOURCE, BLK_STS_AGAIN,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(final); i++)
		KUNIT_EXPECT_FALSE(test, blk_path_error(final[i]));
	for (i = 0; i < ARRAY_SIZE(retry); i++)
		KUNIT_EXPECT_TRUE(test, blk_path_error(retry[i]));
}

static struct kunit_case mpx_status_cases[] = {
	KUNIT_CASE(mpx_status_ana_errors),
	KUNIT_CASE(mpx_status_path_not_ana),
	KUNIT_CASE(mpx_status_not_path),
	KUNIT_CASE(mpx_status_exhaustive),
	KUNIT_CASE(mpx_status_blk_path_error),
	{}
};

static struct kunit_suite mpx_status_suite = {
	.name = "nvme-mpx-status",
	.test_cases = mpx_status_cases,
};

kunit_test_suite(mpx_status_suite);

MODULE_DESCRIPTION("KUnit tests for the failover status classification");
MODULE_LICENSE("GPL");
