// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for nvme-mpx multiplexed I/O (mpx-mux.c): the completion
 * aggregation state machine, the range list, the decision what to do with
 * a bio (ranges, the real-time opt-in, hedging) and the hedging delay.  The
 * state machine is pure, so races are tested as every interleaving of the
 * puts: an atomic update is one step, and any real race is one of these
 * orders.
 */
#include <kunit/test.h>
#include <linux/ioprio.h>
#include <linux/slab.h>
#include "mpx.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static unsigned int put_ok(struct nvme_mpx_agg *a)
{
	return nvme_mpx_agg_put(a, NVME_MPX_AGG_OK, BLK_STS_OK);
}

static unsigned int put_err(struct nvme_mpx_agg *a, blk_status_t st)
{
	return nvme_mpx_agg_put(a, NVME_MPX_AGG_ERR, st);
}

static unsigned int put_hold(struct nvme_mpx_agg *a)
{
	return nvme_mpx_agg_put(a, NVME_MPX_AGG_HOLD, BLK_STS_OK);
}

/* Two clones: the first success completes, the rest only frees. */
static void mpx_agg_first_success(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	KUNIT_ASSERT_TRUE(test, nvme_mpx_agg_get(&a));
	KUNIT_ASSERT_TRUE(test, nvme_mpx_agg_get(&a));
	KUNIT_EXPECT_EQ(test, put_hold(&a), 0U);
	KUNIT_EXPECT_EQ(test, put_ok(&a), NVME_MPX_AGG_WIN);
	/* A late success of the other path is discarded. */
	KUNIT_EXPECT_EQ(test, put_ok(&a), NVME_MPX_AGG_LAST);
	KUNIT_EXPECT_FALSE(test, nvme_mpx_agg_failed(&a));
}

/* A failure after the win does not fail the bio, but is remembered. */
static void mpx_agg_success_then_failure(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);
	nvme_mpx_agg_get(&a);
	put_hold(&a);
	KUNIT_EXPECT_EQ(test, put_ok(&a), NVME_MPX_AGG_WIN);
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_TRANSPORT),
			NVME_MPX_AGG_LAST);
	KUNIT_EXPECT_TRUE(test, nvme_mpx_agg_failed(&a));
}

/* Every path fails: the last put fails the bio with the last status. */
static void mpx_agg_all_fail(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);
	nvme_mpx_agg_get(&a);
	put_hold(&a);
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_TRANSPORT), 0U);
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_MEDIUM),
			NVME_MPX_AGG_FAIL | NVME_MPX_AGG_LAST);
	KUNIT_EXPECT_EQ(test, a.status, BLK_STS_MEDIUM);
}

/* Clones that fail before the submitter is done cannot fail the bio early. */
static void mpx_agg_submitter_hold(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_IOERR), 0U);
	/* A second clone is still sent and succeeds. */
	KUNIT_ASSERT_TRUE(test, nvme_mpx_agg_get(&a));
	KUNIT_EXPECT_EQ(test, put_ok(&a), NVME_MPX_AGG_WIN);
	KUNIT_EXPECT_EQ(test, put_hold(&a), NVME_MPX_AGG_LAST);
}

/* The submitter's put is the last one: it decides the failure. */
static void mpx_agg_hold_decides(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_TIMEOUT), 0U);
	KUNIT_EXPECT_EQ(test, put_hold(&a),
			NVME_MPX_AGG_FAIL | NVME_MPX_AGG_LAST);
	KUNIT_EXPECT_EQ(test, a.status, BLK_STS_TIMEOUT);
}

/* A hedge is not sent once the read completed, nor after the end. */
static void mpx_agg_get_after_done(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);	/* primary */
	nvme_mpx_agg_get(&a);	/* timer */
	put_hold(&a);		/* submitter */
	KUNIT_EXPECT_EQ(test, put_ok(&a), NVME_MPX_AGG_WIN);
	KUNIT_EXPECT_FALSE(test, nvme_mpx_agg_get(&a));
	KUNIT_EXPECT_EQ(test, put_hold(&a), NVME_MPX_AGG_LAST);
	KUNIT_EXPECT_FALSE(test, nvme_mpx_agg_get(&a));
}

/* The primary fails while the timer holds: the hedge still goes out. */
static void mpx_agg_hedge_after_failure(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);	/* primary */
	nvme_mpx_agg_get(&a);	/* timer */
	put_hold(&a);
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_TRANSPORT), 0U);
	KUNIT_ASSERT_TRUE(test, nvme_mpx_agg_get(&a));	/* the hedge */
	KUNIT_EXPECT_EQ(test, put_hold(&a), 0U);	/* timer work ends */
	KUNIT_EXPECT_EQ(test, put_ok(&a),
			NVME_MPX_AGG_WIN | NVME_MPX_AGG_LAST);
}

/*
 * A clone completes under a hold of its own (mpx_clone_end()): the winner
 * may still be ending the parent when the other clone completes, whose
 * put must then not be the last, or it would free the context under the
 * winner.  This is the order that once ended a reused context's bio.
 */
static void mpx_agg_winner_holds(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);	/* primary */
	nvme_mpx_agg_get(&a);	/* hedge */
	put_hold(&a);		/* submitter */
	/* The hedge completes first, under its hold. */
	KUNIT_ASSERT_TRUE(test, nvme_mpx_agg_get(&a));
	KUNIT_EXPECT_EQ(test, put_ok(&a), NVME_MPX_AGG_WIN);
	/* Meanwhile the primary fails: no hold, the bio is done... */
	KUNIT_EXPECT_FALSE(test, nvme_mpx_agg_get(&a));
	/* ...and its put is not the last: the winner still holds. */
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_TRANSPORT), 0U);
	/* The winner is done with the parent: only now is it freed. */
	KUNIT_EXPECT_EQ(test, put_hold(&a), NVME_MPX_AGG_LAST);
}

/* Both fail, each under its hold: the last hold's put fails the bio. */
static void mpx_agg_held_failures(struct kunit *test)
{
	struct nvme_mpx_agg a;

	nvme_mpx_agg_init(&a);
	nvme_mpx_agg_get(&a);
	nvme_mpx_agg_get(&a);
	put_hold(&a);
	KUNIT_ASSERT_TRUE(test, nvme_mpx_agg_get(&a));
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_TRANSPORT), 0U);
	KUNIT_EXPECT_EQ(test, put_hold(&a), 0U);
	KUNIT_ASSERT_TRUE(test, nvme_mpx_agg_get(&a));
	KUNIT_EXPECT_EQ(test, put_err(&a, BLK_STS_MEDIUM), 0U);
	KUNIT_EXPECT_EQ(test, put_hold(&a),
			NVME_MPX_AGG_FAIL | NVME_MPX_AGG_LAST);
	KUNIT_EXPECT_EQ(test, a.status, BLK_STS_MEDIUM);
}

#define MPX_RACE_N	3

static void mpx_swap(int *a, int *b)
{
	int t = *a;

	*a = *b;
	*b = t;
}

static bool mpx_next_perm(int *p, int n)
{
	int i = n - 2, j;

	while (i >= 0 && p[i] >= p[i + 1])
		i--;
	if (i < 0)
		return false;
	j = n - 1;
	while (p[j] <= p[i])
		j--;
	mpx_swap(&p[i], &p[j]);
	for (i++, j = n - 1; i < j; i++, j--)
		mpx_swap(&p[i], &p[j]);
	return true;
}

/*
 * Every order of three clone completions and the submitter's put, with
 * every mix of successes and failures: exactly one put completes the bio,
 * it is the first success if there is one and otherwise the last put
 * with the last failure's status, and exactly the final put frees.
 */
static void mpx_agg_all_interleavings(struct kunit *test)
{
	static const blk_status_t errs[MPX_RACE_N] = {
		BLK_STS_IOERR, BLK_STS_TRANSPORT, BLK_STS_MEDIUM,
	};
	int order[MPX_RACE_N + 1], i, cases = 0;
	unsigned int outcome, act, ends, lasts;
	struct nvme_mpx_agg a;
	blk_status_t last_err;
	bool won, any_ok;

	for (outcome = 0; outcome < (1U << MPX_RACE_N); outcome++) {
		for (i = 0; i <= MPX_RACE_N; i++)
			order[i] = i;	/* MPX_RACE_N is the submitter */
		do {
			nvme_mpx_agg_init(&a);
			for (i = 0; i < MPX_RACE_N; i++)
				nvme_mpx_agg_get(&a);
			ends = 0;
			lasts = 0;
			won = false;
			any_ok = false;
			last_err = BLK_STS_OK;
			for (i = 0; i <= MPX_RACE_N; i++) {
				int c = order[i];

				if (c == MPX_RACE_N) {
					act = put_hold(&a);
				} else if (outcome & BIT(c)) {
					act = put_ok(&a);
					KUNIT_EXPECT_EQ(test,
							!!(act & NVME_MPX_AGG_WIN),
							!any_ok);
					any_ok = true;
				} else {
					act = put_err(&a, errs[c]);
					last_err = errs[c];
				}
				if (act & NVME_MPX_AGG_WIN)
					won = true;
				if (act & NVME_MPX_AGG_FAIL)
					KUNIT_EXPECT_EQ(test, a.status, last_err);
				if (act & (NVME_MPX_AGG_WIN | NVME_MPX_AGG_FAIL))
					ends++;
				if (act & NVME_MPX_AGG_LAST) {
					lasts++;
					KUNIT_EXPECT_EQ(test, i, MPX_RACE_N);
				}
			}
			KUNIT_EXPECT_EQ(test, ends, 1U);
			KUNIT_EXPECT_EQ(test, lasts, 1U);
			KUNIT_EXPECT_EQ(test, won, outcome != 0);
			KUNIT_EXPECT_EQ(test, nvme_mpx_agg_failed(&a),
					outcome != BIT(MPX_RACE_N) - 1);
			cases++;
		} while (mpx_next_perm(order, MPX_RACE_N + 1));
	}
	KUNIT_EXPECT_EQ(test, cases, 8 * 24);
}

/* ---- ranges ---- */

static struct nvme_mpx_ranges *parse_ok(struct kunit *test, const char *s,
					u64 nr_lbas)
{
	struct nvme_mpx_ranges *rs;

	KUNIT_EXPECT_EQ_MSG(test, nvme_mpx_ranges_parse(s, nr_lbas, &rs), 0,
			    "'%s'", s);
	return rs;
}

static void expect_print(struct kunit *test, const char *in, const char *out)
{
	struct nvme_mpx_ranges *rs = parse_ok(test, in, 1000);
	char buf[128];

	nvme_mpx_ranges_print(rs, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, out);
	kfree(rs);
}

static void mpx_ranges_parse_good(struct kunit *test)
{
	expect_print(test, "none\n", "none\n");
	expect_print(test, "all", "all\n");
	expect_print(test, "0-0", "0-0\n");
	expect_print(test, "8-15,0-0\n", "0-0,8-15\n");
	expect_print(test, "1-1,2-2,999-999", "1-1,2-2,999-999\n");
}

static void mpx_ranges_parse_bad(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "1", "1-", "-1", "a-b", "5-3", "0-1000", "1-2,",
		",1-2", "0-5,5-6", "0-5,3-4", "1-2 3-4", "0x1-0x2", "-1-2",
		"1--2", "1-2-3", "nonE", "all,1-2",
	};
	struct nvme_mpx_ranges *rs;
	char buf[NVME_MPX_MUX_MAX_RANGES * 8 + 8];
	unsigned int i, len = 0;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rs = (void *)1;
		KUNIT_EXPECT_EQ_MSG(test, nvme_mpx_ranges_parse(bad[i], 1000,
								&rs),
				    -EINVAL, "'%s'", bad[i]);
		KUNIT_EXPECT_NULL(test, rs);
	}
	/* 64 ranges are fine, 65 are not. */
	for (i = 0; i < NVME_MPX_MUX_MAX_RANGES; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, "%s%u-%u",
				 i ? "," : "", i * 2, i * 2);
	rs = parse_ok(test, buf, 1000);
	KUNIT_EXPECT_EQ(test, rs->nr, NVME_MPX_MUX_MAX_RANGES);
	kfree(rs);
	scnprintf(buf + len, sizeof(buf) - len, ",500-500");
	KUNIT_EXPECT_EQ(test, nvme_mpx_ranges_parse(buf, 1000, &rs), -EINVAL);
}

static void mpx_ranges_hit(struct kunit *test)
{
	struct nvme_mpx_ranges *rs = parse_ok(test, "10-19,30-30,100-199",
					      1000);

	KUNIT_ASSERT_NOT_NULL(test, rs);
	KUNIT_EXPECT_FALSE(test, nvme_mpx_ranges_hit(rs, 0, 9));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_ranges_hit(rs, 0, 10));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_ranges_hit(rs, 19, 19));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_ranges_hit(rs, 20, 29));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_ranges_hit(rs, 20, 30));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_ranges_hit(rs, 30, 99));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_ranges_hit(rs, 31, 99));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_ranges_hit(rs, 0, 999));
	KUNIT_EXPECT_TRUE(test, nvme_mpx_ranges_hit(rs, 199, 300));
	KUNIT_EXPECT_FALSE(test, nvme_mpx_ranges_hit(rs, 200, 999));
	kfree(rs);
	rs = parse_ok(test, "all", 1000);
	KUNIT_EXPECT_TRUE(test, nvme_mpx_ranges_hit(rs, 999, 999));
	kfree(rs);
}

/* ---- what to do with a bio ---- */

#define RT	IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 4)
#define BE	IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 4)
#define IDLE	IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)

static void mpx_mux_choose(struct kunit *test)
{
	struct nvme_mpx_ranges *rs = parse_ok(test, "10-19", 1000);
	const unsigned long all = NVME_MPX_MUX_RANGES | NVME_MPX_MUX_HEDGE |
				  NVME_MPX_MUX_RT;

	KUNIT_ASSERT_NOT_NULL(test, rs);
	/* Nothing on: everything goes the normal way. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(0, rs, REQ_OP_WRITE, RT,
						  10, 10), NVME_MPX_MUX_NORMAL);
	/* Ranges alone: only I/O that overlaps one. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RANGES, rs,
						  REQ_OP_WRITE, BE, 15, 25),
			NVME_MPX_MUX_FANOUT);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RANGES, rs,
						  REQ_OP_READ, RT, 20, 25),
			NVME_MPX_MUX_NORMAL);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RANGES, NULL,
						  REQ_OP_READ, BE, 10, 10),
			NVME_MPX_MUX_NORMAL);
	/* The real-time class, anywhere, reads and writes; no other class. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RT, NULL,
						  REQ_OP_WRITE, RT, 500, 507),
			NVME_MPX_MUX_FANOUT);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RT, NULL,
						  REQ_OP_READ, RT, 0, 0),
			NVME_MPX_MUX_FANOUT);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RT, NULL,
						  REQ_OP_WRITE, BE, 0, 0),
			NVME_MPX_MUX_NORMAL);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RT, NULL,
						  REQ_OP_WRITE, IDLE, 0, 0),
			NVME_MPX_MUX_NORMAL);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_RT, NULL,
						  REQ_OP_WRITE, 0, 0, 0),
			NVME_MPX_MUX_NORMAL);
	/* Hedging: reads only; multiplexing wins over it. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_HEDGE, rs,
						  REQ_OP_READ, BE, 10, 10),
			NVME_MPX_MUX_HEDGE_IT);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(NVME_MPX_MUX_HEDGE, rs,
						  REQ_OP_WRITE, BE, 10, 10),
			NVME_MPX_MUX_NORMAL);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(all, rs, REQ_OP_READ, BE,
						  10, 10), NVME_MPX_MUX_FANOUT);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(all, rs, REQ_OP_READ, RT,
						  900, 900), NVME_MPX_MUX_FANOUT);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(all, rs, REQ_OP_READ, BE,
						  900, 900), NVME_MPX_MUX_HEDGE_IT);
	/* Neither flush, discard nor zeroes is ever multiplexed or hedged. */
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(all, rs, REQ_OP_FLUSH, RT,
						  10, 10), NVME_MPX_MUX_NORMAL);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(all, rs, REQ_OP_DISCARD, RT,
						  10, 10), NVME_MPX_MUX_NORMAL);
	KUNIT_EXPECT_EQ(test, nvme_mpx_mux_choose(all, rs, REQ_OP_WRITE_ZEROES,
						  RT, 10, 10), NVME_MPX_MUX_NORMAL);
	kfree(rs);
}

static void mpx_hedge_delay(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, nvme_mpx_hedge_delay_ns(250, 0), 250000ULL);
	KUNIT_EXPECT_EQ(test, nvme_mpx_hedge_delay_ns(250, 1000000), 250000ULL);
	/* auto: no sample yet, a floor, a multiple, a ceiling */
	KUNIT_EXPECT_EQ(test, nvme_mpx_hedge_delay_ns(NVME_MPX_HEDGE_AUTO, 0),
			10ULL * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, nvme_mpx_hedge_delay_ns(NVME_MPX_HEDGE_AUTO,
						      50000),
			1ULL * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, nvme_mpx_hedge_delay_ns(NVME_MPX_HEDGE_AUTO,
						      2 * NSEC_PER_MSEC),
			8ULL * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, nvme_mpx_hedge_delay_ns(NVME_MPX_HEDGE_AUTO,
						      NSEC_PER_SEC),
			1ULL * NSEC_PER_SEC);
}

static struct kunit_case mpx_mux_cases[] = {
	KUNIT_CASE(mpx_agg_first_success),
	KUNIT_CASE(mpx_agg_success_then_failure),
	KUNIT_CASE(mpx_agg_all_fail),
	KUNIT_CASE(mpx_agg_submitter_hold),
	KUNIT_CASE(mpx_agg_hold_decides),
	KUNIT_CASE(mpx_agg_get_after_done),
	KUNIT_CASE(mpx_agg_hedge_after_failure),
	KUNIT_CASE(mpx_agg_winner_holds),
	KUNIT_CASE(mpx_agg_held_failures),
	KUNIT_CASE(mpx_agg_all_interleavings),
	KUNIT_CASE(mpx_ranges_parse_good),
	KUNIT_CASE(mpx_ranges_parse_bad),
	KUNIT_CASE(mpx_ranges_hit),
	KUNIT_CASE(mpx_mux_choose),
	KUNIT_CASE(mpx_hedge_delay),
	{}
};

static struct kunit_suite mpx_mux_suite = {
	.name = "nvme-mpx-mux",
	.test_cases = mpx_mux_cases,
};

kunit_test_suite(mpx_mux_suite);
