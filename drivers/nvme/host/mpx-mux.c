// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe native multipath: multiplexed I/O and hedged reads.
 *
 * Multiplexing.  Some regions are time-critical: a cluster's disk heartbeat
 * or poison-pill slots must be readable and writable within a bound even
 * while one path is silently broken, long before stall detection or a
 * keep-alive timeout notices.  The admin lists such LBA ranges per head
 * (or "all"); a read or write overlapping one is sent down every usable
 * path at once.  It completes with the first success and fails only when
 * every path failed, with the last failure's status.
 *
 * Hedging.  A read that has not completed after a delay (a multiple of its
 * path's average latency, or a fixed time) is issued on a second path as
 * well; the first completion wins.
 *
 * Both send clones, never the bio itself.  A clone goes to the path's disk
 * without REQ_NVME_MPATH and with the fail-fast flags, so that a path error
 * completes it with an error here instead of moving it to the requeue
 * list.  The bio completes while other clones may still be in flight, so
 * no clone ever points at the bio's pages: writes go out from one private
 * copy shared by all clones, reads land in a private buffer per clone and
 * the winner's data is copied into the bio before it completes.  A context
 * counted by the clones is freed when the last one ends.
 *
 * Memory: every allocation here may fail without blocking on a pool that
 * this very bio holds part of; then the bio takes the normal path, which
 * needs no allocation.  That fallback is the forward-progress guarantee.
 *
 * Lifetime: a clone's path (nvme_ns) and so its head live until the clone
 * has completed, so completions reach the head through the clone's path.
 * Hedged reads waiting for their deadline are counted in
 * head->mpx.hedge_pending, which the head waits for before it goes away.
 *
 * Timing: one timer per head, not per read.  A hedged read joins the
 * head's list in submission order with its deadline and leaves it when
 * its primary completes; the timer fires at the earliest deadline, moves
 * what is due to a work item and re-arms for the next.  Arming and
 * cancelling an hrtimer per read cost more than the rest of the hedging.
 */
#include <linux/bio-integrity.h>
#include <linux/blk-cgroup.h>
#include <linux/hrtimer.h>
#include <linux/ioprio.h>
#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/sort.h>
#include <linux/wait_bit.h>
#include <kunit/visibility.h>
#include "mpx.h"

/* ---- completion aggregation ------------------------------------------- */

#define MPX_AGG_COUNT	0xffff
#define MPX_AGG_DONE	BIT(16)		/* the bio was completed */
#define MPX_AGG_FAILED	BIT(17)		/* at least one attempt failed */

/* The caller holds the first count until it has sent every attempt. */
void nvme_mpx_agg_init(struct nvme_mpx_agg *agg)
{
	atomic_set(&agg->v, 1);
	agg->status = BLK_STS_IOERR;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_agg_init);

/*
 * Count one more attempt or hold; false once the bio is complete (a hedge
 * is pointless then) or nothing holds the context any more.
 */
bool nvme_mpx_agg_get(struct nvme_mpx_agg *agg)
{
	int old = atomic_read(&agg->v);

	do {
		if ((old & MPX_AGG_DONE) || !(old & MPX_AGG_COUNT))
			return false;
	} while (!atomic_try_cmpxchg(&agg->v, &old, old + 1));
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_agg_get);

/*
 * End one attempt (with its result) or hold.  Exactly one put in the life
 * of the context returns WIN or FAIL, and exactly one returns LAST.  A
 * failure's status is stored before the atomic update, so whoever decides
 * FAIL after it sees it.
 */
unsigned int nvme_mpx_agg_put(struct nvme_mpx_agg *agg,
			      enum nvme_mpx_agg_res res, blk_status_t status)
{
	int old = atomic_read(&agg->v), new;
	unsigned int act;

	if (res == NVME_MPX_AGG_ERR)
		WRITE_ONCE(agg->status, status);
	do {
		new = old - 1;
		act = 0;
		if (res == NVME_MPX_AGG_OK && !(old & MPX_AGG_DONE)) {
			new |= MPX_AGG_DONE;
			act = NVME_MPX_AGG_WIN;
		} else if (res == NVME_MPX_AGG_ERR) {
			new |= MPX_AGG_FAILED;
		}
		if (!(new & MPX_AGG_COUNT)) {
			act |= NVME_MPX_AGG_LAST;
			if (!(new & MPX_AGG_DONE)) {
				new |= MPX_AGG_DONE;
				act |= NVME_MPX_AGG_FAIL;
			}
		}
	} while (!atomic_try_cmpxchg(&agg->v, &old, new));
	return act;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_agg_put);

bool nvme_mpx_agg_failed(struct nvme_mpx_agg *agg)
{
	return atomic_read(&agg->v) & MPX_AGG_FAILED;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_agg_failed);

/* ---- ranges --------------------------------------------------------------- */

static int mpx_range_cmp(const void *a, const void *b)
{
	const struct nvme_mpx_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * "none" (*out = NULL), "all", or comma-separated inclusive START-END in
 * logical blocks, below @nr_lbas, at most NVME_MPX_MUX_MAX_RANGES of them,
 * in any order but not overlapping.  Stored sorted.
 */
int nvme_mpx_ranges_parse(const char *buf, u64 nr_lbas,
			  struct nvme_mpx_ranges **out)
{
	struct nvme_mpx_ranges *rs;
	char *copy, *cur, *tok, *dash;
	unsigned int i, nr = 0;
	int ret = -EINVAL;

	*out = NULL;
	if (sysfs_streq(buf, "none"))
		return 0;
	rs = kzalloc(struct_size(rs, r, NVME_MPX_MUX_MAX_RANGES), GFP_KERNEL);
	if (!rs)
		return -ENOMEM;
	if (sysfs_streq(buf, "all")) {
		rs->all = true;
		*out = rs;
		return 0;
	}
	copy = kstrndup(buf, PAGE_SIZE, GFP_KERNEL);
	if (!copy) {
		kfree(rs);
		return -ENOMEM;
	}
	cur = strim(copy);
	rs->nr = NVME_MPX_MUX_MAX_RANGES;
	while ((tok = strsep(&cur, ",")) != NULL) {
		if (nr == NVME_MPX_MUX_MAX_RANGES)
			goto out;
		dash = strchr(tok, '-');
		if (!dash)
			goto out;
		*dash = '\0';
		if (kstrtou64(tok, 10, &rs->r[nr].start) ||
		    kstrtou64(dash + 1, 10, &rs->r[nr].end) ||
		    rs->r[nr].start > rs->r[nr].end || rs->r[nr].end >= nr_lbas)
			goto out;
		nr++;
	}
	if (!nr)
		goto out;
	rs->nr = nr;
	sort(rs->r, nr, sizeof(rs->r[0]), mpx_range_cmp, NULL);
	for (i = 1; i < nr; i++)
		if (rs->r[i].start <= rs->r[i - 1].end)
			goto out;
	*out = rs;
	ret = 0;
out:
	kfree(copy);
	if (ret)
		kfree(rs);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_ranges_parse);

/* Does [@first, @last] overlap any range?  Binary search, no lock. */
bool nvme_mpx_ranges_hit(const struct nvme_mpx_ranges *rs, u64 first,
			 u64 last)
{
	unsigned int lo = 0, hi = rs->nr, mid;

	if (rs->all)
		return true;
	/* The first range that ends at or after @first... */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rs->r[mid].end < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ...overlaps if it starts at or before @last. */
	return lo < rs->nr && rs->r[lo].start <= last;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_ranges_hit);

int nvme_mpx_ranges_print(const struct nvme_mpx_ranges *rs, char *buf,
			  size_t size)
{
	unsigned int i;
	int len = 0;

	if (!rs)
		return scnprintf(buf, size, "none\n");
	if (rs->all)
		return scnprintf(buf, size, "all\n");
	for (i = 0; i < rs->nr; i++)
		len += scnprintf(buf + len, size - len, "%s%llu-%llu",
				 i ? "," : "", rs->r[i].start, rs->r[i].end);
	len += scnprintf(buf + len, size - len, "\n");
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_ranges_print);

/* ---- hedging delay --------------------------------------------------------- */

/*
 * auto: four times the path's average latency, which a healthy path's
 * reads rarely exceed, but never under a millisecond (a hedge costs a
 * second command) and 10 ms while the path has no latency yet.
 */
#define MPX_HEDGE_AUTO_MULT	4
#define MPX_HEDGE_AUTO_MIN_NS	(1 * NSEC_PER_MSEC)
#define MPX_HEDGE_AUTO_MAX_NS	(1 * NSEC_PER_SEC)
#define MPX_HEDGE_AUTO_COLD_NS	(10 * NSEC_PER_MSEC)

u64 nvme_mpx_hedge_delay_ns(int hedge_us, u64 lat_ewma_ns)
{
	if (hedge_us > 0)
		return (u64)hedge_us * NSEC_PER_USEC;
	if (!lat_ewma_ns)
		return MPX_HEDGE_AUTO_COLD_NS;
	return clamp_t(u64, lat_ewma_ns * MPX_HEDGE_AUTO_MULT,
		       MPX_HEDGE_AUTO_MIN_NS, MPX_HEDGE_AUTO_MAX_NS);
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_hedge_delay_ns);

/* ---- the I/O ------------------------------------------------------------- */

#define MPX_MUX_MAX_PATHS	16
#define MPX_MUX_POOL		16

/**
 * struct mpx_mux_ctx - one bio sent down several paths
 * @agg: completion state
 * @parent: the bio submitted to the head
 * @head: only for the hedging work, which runs under head->mpx.hedge_pending
 * @primary: the path of the first hedged attempt (compared, never used)
 * @acct_start: head disk I/O statistics, 0 if not accounted
 * @write: clones share @pages; reads own theirs
 * @hedge: a hedged read, not a multiplexed one
 * @deadline: when to hedge, ktime_get() based
 * @entry: on head->mpx.hedge_list until the primary completes or the read
 *	is due; whoever takes it off owns the hedging hold
 * @host: a hedged read's context lives in its primary clone, whose bio
 *	is kept until the context is freed; NULL for a kmalloc'ed one
 * @nr_pages: pages per copy of the data
 * @pages: the private copy of a write's data; NULL for reads
 */
struct mpx_mux_ctx {
	struct nvme_mpx_agg	agg;
	struct bio		*parent;
	struct nvme_ns_head	*head;
	struct nvme_ns		*primary;
	unsigned long		acct_start;
	bool			write;
	bool			hedge;
	ktime_t			deadline;
	struct list_head	entry;
	struct mpx_mux_clone	*host;
	unsigned int		nr_pages;
	struct page		**pages;
};

/*
 * One clone, in front of its bio (the bio_set's front_pad).  @hctx: room
 * for the context of a hedged read, used in its primary only: one
 * allocation per hedged read instead of two.
 */
struct mpx_mux_clone {
	struct mpx_mux_ctx	hctx;
	struct mpx_mux_ctx	*ctx;
	struct nvme_ns		*ns;
	u64			start_ns;
	struct bvec_iter	iter;	/* the data, after the driver used it up */
	bool			hedge;
	bool			primary;
	struct bio		bio;
};

/*
 * Clones' private pages are recycled per CPU.  With init_on_alloc (on in
 * Debian's kernel) every fresh page is zeroed first, which costs a hedged
 * 4 KiB read more than the rest of the hedging.  A recycled page only ever
 * held this head's data, and only what a read filled is copied out of it.
 */
#define MPX_PAGE_CACHE	32

struct nvme_mpx_page_cache {
	local_lock_t	lock;
	unsigned int	nr;
	struct page	*pages[MPX_PAGE_CACHE];
};

static struct page *mpx_page_get(struct nvme_ns_head *head, gfp_t gfp)
{
	struct nvme_mpx_page_cache *pc;
	struct page *page = NULL;
	unsigned long flags;

	local_lock_irqsave(&head->mpx.page_cache->lock, flags);
	pc = this_cpu_ptr(head->mpx.page_cache);
	if (pc->nr)
		page = pc->pages[--pc->nr];
	local_unlock_irqrestore(&head->mpx.page_cache->lock, flags);
	return page ?: alloc_page(gfp);
}

static void mpx_page_put(struct nvme_ns_head *head, struct page *page)
{
	struct nvme_mpx_page_cache *pc;
	unsigned long flags;

	local_lock_irqsave(&head->mpx.page_cache->lock, flags);
	pc = this_cpu_ptr(head->mpx.page_cache);
	if (pc->nr < MPX_PAGE_CACHE) {
		pc->pages[pc->nr++] = page;
		page = NULL;
	}
	local_unlock_irqrestore(&head->mpx.page_cache->lock, flags);
	if (page)
		__free_page(page);
}

static int mpx_page_cache_init(struct nvme_ns_head *head)
{
	int cpu;

	head->mpx.page_cache = alloc_percpu(struct nvme_mpx_page_cache);
	if (!head->mpx.page_cache)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(head->mpx.page_cache, cpu)->lock);
	return 0;
}

/* Every clone has completed: nothing uses the cache any more. */
static void mpx_page_cache_exit(struct nvme_ns_head *head)
{
	struct nvme_mpx_page_cache *pc;
	int cpu;

	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(head->mpx.page_cache, cpu);
		while (pc->nr)
			__free_page(pc->pages[--pc->nr]);
	}
	free_percpu(head->mpx.page_cache);
	head->mpx.page_cache = NULL;
}

static void mpx_free_pages(struct nvme_ns_head *head, struct page **pages,
			   unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (pages[i])
			mpx_page_put(head, pages[i]);
}

static void mpx_ctx_init(struct mpx_mux_ctx *ctx, struct nvme_ns_head *head,
			 struct bio *parent, unsigned int nr, bool write)
{
	INIT_LIST_HEAD(&ctx->entry);
	ctx->parent = parent;
	ctx->head = head;
	ctx->primary = NULL;
	ctx->acct_start = 0;
	ctx->write = write;
	ctx->hedge = false;
	ctx->deadline = 0;
	ctx->host = NULL;
	ctx->nr_pages = nr;
	nvme_mpx_agg_init(&ctx->agg);
}

/* A multiplexed bio's context, with a write's private copy after it. */
static struct mpx_mux_ctx *mpx_ctx_alloc(struct nvme_ns_head *head,
					 struct bio *parent, gfp_t gfp)
{
	unsigned int nr = DIV_ROUND_UP(parent->bi_iter.bi_size, PAGE_SIZE);
	bool write = bio_op(parent) == REQ_OP_WRITE;
	struct mpx_mux_ctx *ctx;
	unsigned int i;

	if (nr > BIO_MAX_VECS)
		return NULL;
	/* Not zeroed: every field is set, on the I/O path. */
	ctx = kmalloc(sizeof(*ctx) + (write ? nr : 0) * sizeof(ctx->pages[0]),
		      gfp);
	if (!ctx)
		return NULL;
	mpx_ctx_init(ctx, head, parent, nr, write);
	ctx->pages = NULL;
	if (!write)
		return ctx;
	ctx->pages = (struct page **)(ctx + 1);
	for (i = 0; i < nr; i++) {
		ctx->pages[i] = mpx_page_get(head, gfp);
		if (!ctx->pages[i]) {
			mpx_free_pages(head, ctx->pages, i);
			kfree(ctx);
			return NULL;
		}
	}
	return ctx;
}

static void mpx_ctx_free(struct mpx_mux_ctx *ctx, struct nvme_ns_head *head)
{
	if (!ctx->hedge && nvme_mpx_agg_failed(&ctx->agg))
		atomic_long_inc(&head->mpx.mux_degraded);
	if (ctx->write)
		mpx_free_pages(head, ctx->pages, ctx->nr_pages);
	if (ctx->host)
		bio_put(&ctx->host->bio);
	else
		kfree(ctx);
}

/* A read's own buffer, once its data is no longer needed. */
static void mpx_clone_free_pages(struct nvme_ns_head *head, struct bio *bio)
{
	struct bio_vec *bv;
	struct bvec_iter_all iter;

	bio_for_each_segment_all(bv, bio, iter)
		mpx_page_put(head, bv->bv_page);
}

/*
 * Send @parent the normal way again, REQ_NVME_MPATH set so that it is
 * neither hedged a second time nor multiplexed, and fails over as usual.
 */
static void mpx_retry_parent(struct nvme_ns_head *head, struct bio *parent)
{
	unsigned long flags;

	parent->bi_opf |= REQ_NVME_MPATH;
	spin_lock_irqsave(&head->requeue_lock, flags);
	bio_list_add(&head->requeue_list, parent);
	spin_unlock_irqrestore(&head->requeue_lock, flags);
	kblockd_schedule_work(&head->requeue_work);
}

static void mpx_parent_end(struct mpx_mux_ctx *ctx, struct nvme_ns_head *head,
			   blk_status_t status)
{
	struct bio *parent = ctx->parent;

	if (ctx->acct_start)
		bio_end_io_acct(parent, ctx->acct_start);
	/*
	 * Failed on paths, not for good: a hedged read, or a bio that only
	 * found every path busy (REQ_NOWAIT clones) but may wait itself.
	 */
	if ((status && ctx->hedge && blk_path_error(status)) ||
	    (status == BLK_STS_AGAIN && !(parent->bi_opf & REQ_NOWAIT))) {
		mpx_retry_parent(head, parent);
		return;
	}
	parent->bi_status = status;
	bio_endio(parent);
}

/* Carry out what nvme_mpx_agg_put() decided; @c is the putting clone. */
static void mpx_ctx_act(struct mpx_mux_ctx *ctx, struct nvme_ns_head *head,
			unsigned int act, struct mpx_mux_clone *c)
{
	struct bvec_iter piter;

	if (act & NVME_MPX_AGG_WIN) {
		if (!ctx->write) {
			piter = ctx->parent->bi_iter;
			bio_copy_data_iter(ctx->parent, &piter, &c->bio,
					   &c->iter);
		}
		if (c->hedge)
			atomic_long_inc(&head->mpx.hedge_won);
		mpx_parent_end(ctx, head, BLK_STS_OK);
	} else if (act & NVME_MPX_AGG_FAIL) {
		mpx_parent_end(ctx, head, READ_ONCE(ctx->agg.status));
	}
	if (act & NVME_MPX_AGG_LAST)
		mpx_ctx_free(ctx, head);
}

/* The hedging timer's hold on @ctx ends. */
static void mpx_hedge_unhold(struct mpx_mux_ctx *ctx,
			     struct nvme_ns_head *head)
{
	mpx_ctx_act(ctx, head,
		    nvme_mpx_agg_put(&ctx->agg, NVME_MPX_AGG_HOLD, 0), NULL);
	if (atomic_dec_and_test(&head->mpx.hedge_pending))
		wake_up_var(&head->mpx.hedge_pending);
}

/* Take @ctx off the waiting list; true if it was still there. */
static bool mpx_hedge_dequeue(struct nvme_ns_head *head,
			      struct mpx_mux_ctx *ctx)
{
	unsigned long flags;
	bool was = false;

	spin_lock_irqsave(&head->mpx.hedge_lock, flags);
	if (!list_empty(&ctx->entry)) {
		list_del_init(&ctx->entry);
		was = true;
	}
	spin_unlock_irqrestore(&head->mpx.hedge_lock, flags);
	return was;
}

/* The path statistics that nvme_mpx_account_end() keeps for requests. */
static void mpx_clone_account(struct mpx_mux_clone *c, blk_status_t status)
{
	struct nvme_mpx_path *p = &c->ns->mpx;

	atomic_long_inc(&p->ios);
	if (status) {
		atomic_long_inc(&p->errors);
		return;
	}
	atomic_long_add(c->iter.bi_size, &p->bytes);
	WRITE_ONCE(p->lat_ewma, nvme_mpx_ewma(READ_ONCE(p->lat_ewma),
					      ktime_get_ns() - c->start_ns, 3));
	WRITE_ONCE(p->last_done, jiffies);
}

static void mpx_clone_end(struct bio *bio)
{
	struct mpx_mux_clone *c = container_of(bio, struct mpx_mux_clone, bio);
	struct mpx_mux_ctx *ctx = c->ctx;
	struct nvme_ns_head *head = c->ns->head;
	blk_status_t status = bio->bi_status;
	bool write = ctx->write, host = ctx->host == c;
	unsigned int act;

	mpx_clone_account(c, status);
	/* The primary is done, one way or the other: no hedge needed. */
	if (c->primary && mpx_hedge_dequeue(head, ctx))
		mpx_hedge_unhold(ctx, head);
	/*
	 * Once this clone's count is put, another clone's last put may free
	 * @ctx, and with a hedged read the primary's bio it lives in: a
	 * winner still copying into the parent or ending it would then use
	 * a context already reused for another bio, and end that one.  So
	 * the result is put under a hold of our own, dropped only when we
	 * are done with both.  No hold is to be had once the parent is
	 * complete: then this clone has nothing more to do with either.
	 */
	if (!nvme_mpx_agg_get(&ctx->agg)) {
		if (!write)
			mpx_clone_free_pages(head, bio);
		act = nvme_mpx_agg_put(&ctx->agg, status ? NVME_MPX_AGG_ERR :
					NVME_MPX_AGG_OK, status);
	} else {
		act = nvme_mpx_agg_put(&ctx->agg, status ? NVME_MPX_AGG_ERR :
					NVME_MPX_AGG_OK, status);
		mpx_ctx_act(ctx, head, act, c);
		if (!write)
			mpx_clone_free_pages(head, bio);
		act = nvme_mpx_agg_put(&ctx->agg, NVME_MPX_AGG_HOLD, 0);
		mpx_ctx_act(ctx, head, act & ~NVME_MPX_AGG_LAST, NULL);
	}
	/* A host's bio holds the context: it goes when the context does. */
	if (act & NVME_MPX_AGG_LAST)
		mpx_ctx_free(ctx, head);
	if (!host)
		bio_put(bio);
}

/* A clone bio of @parent for path @ns, with room for @nr pages. */
static struct mpx_mux_clone *mpx_clone_new(struct nvme_ns_head *head,
					   struct nvme_ns *ns,
					   struct bio *parent, unsigned int nr,
					   gfp_t gfp)
{
	/*
	 * REQ_NOWAIT: a path that swallows everything (a blackholed link)
	 * soon has all its tags held by clones; waiting for one would stall
	 * the submitter and with it every other path.
	 */
	blk_opf_t opf = (parent->bi_opf & ~(REQ_NVME_MPATH | REQ_POLLED)) |
			REQ_FAILFAST_DEV | REQ_FAILFAST_TRANSPORT |
			REQ_FAILFAST_DRIVER | REQ_NOWAIT | REQ_ALLOC_CACHE;
	struct mpx_mux_clone *c;
	struct bio *bio;

	/*
	 * Never wait for the pool: clones stuck on a dead path may hold all
	 * of it.  Failing here sends the bio the normal way.
	 */
	bio = bio_alloc_bioset(ns->disk->part0, nr, opf,
			       gfp & ~__GFP_DIRECT_RECLAIM, &head->mpx.mux_bs);
	if (!bio)
		return NULL;
	c = container_of(bio, struct mpx_mux_clone, bio);
	c->ns = ns;
	c->hedge = false;
	c->primary = false;
	return c;
}

/*
 * Make @c a clone of @ctx->parent: the same sectors and flags, but its
 * own data pages and fail-fast, so a path error ends here.  On failure
 * the caller puts @c.
 */
static bool mpx_clone_fill(struct mpx_mux_ctx *ctx, struct mpx_mux_clone *c,
			   struct nvme_ns_head *head, gfp_t gfp)
{
	struct bio *parent = ctx->parent, *bio = &c->bio;
	unsigned int i, len, left = parent->bi_iter.bi_size;
	struct page *page;

	c->ctx = ctx;
	for (i = 0; i < ctx->nr_pages; i++, left -= len) {
		len = min_t(unsigned int, left, PAGE_SIZE);
		page = ctx->write ? ctx->pages[i] : mpx_page_get(head, gfp);
		if (!page) {
			if (!ctx->write)
				mpx_clone_free_pages(head, bio);
			return false;
		}
		__bio_add_page(bio, page, len, 0);
	}
	bio->bi_iter.bi_sector = parent->bi_iter.bi_sector;
	bio->bi_ioprio = parent->bi_ioprio;
	bio->bi_write_hint = parent->bi_write_hint;
	bio_clone_blkg_association(bio, parent);
	/* The head already checked the bio against the disk's end. */
	bio_set_flag(bio, BIO_REMAPPED);
	bio->bi_end_io = mpx_clone_end;
	c->iter = bio->bi_iter;
	return true;
}

static struct mpx_mux_clone *mpx_clone_alloc(struct mpx_mux_ctx *ctx,
					     struct nvme_ns_head *head,
					     struct nvme_ns *ns, gfp_t gfp)
{
	struct mpx_mux_clone *c = mpx_clone_new(head, ns, ctx->parent,
						ctx->nr_pages, gfp);

	if (c && !mpx_clone_fill(ctx, c, head, gfp)) {
		bio_put(&c->bio);
		c = NULL;
	}
	return c;
}

static void mpx_clone_submit(struct mpx_mux_clone *c)
{
	c->start_ns = ktime_get_ns();
	submit_bio_noacct(&c->bio);
}

static void mpx_acct_start(struct nvme_ns_head *head, struct mpx_mux_ctx *ctx)
{
	if (blk_queue_io_stat(head->disk->queue))
		ctx->acct_start = bio_start_io_acct(ctx->parent);
}

/*
 * Allocations that never wait for something this bio might hold: on
 * failure the bio takes the normal path.
 */
static gfp_t mpx_gfp(struct bio *bio)
{
	if (bio->bi_opf & REQ_NOWAIT)
		return GFP_NOWAIT | __GFP_NOWARN;
	return GFP_NOIO | __GFP_NORETRY | __GFP_NOWARN;
}

/* Send @bio down every usable path.  Caller holds head->srcu. */
static bool mpx_mux_fanout(struct nvme_ns_head *head, struct bio *bio)
{
	struct mpx_mux_clone *clones[MPX_MUX_MAX_PATHS];
	gfp_t gfp = mpx_gfp(bio);
	struct mpx_mux_ctx *ctx;
	struct bvec_iter src;
	struct nvme_ns *ns;
	unsigned int i, n = 0;

	ctx = mpx_ctx_alloc(head, bio, gfp);
	if (!ctx)
		return false;
	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (n == MPX_MUX_MAX_PATHS)
			break;
		if (nvme_mpx_tier(ns) == NVME_MPX_TIER_NONE)
			continue;
		clones[n] = mpx_clone_alloc(ctx, head, ns, gfp);
		if (!clones[n])
			goto fallback;
		n++;
	}
	if (!n)
		goto fallback;
	if (ctx->write) {
		/* The clones share their pages: one copy fills them all. */
		struct bvec_iter dst = clones[0]->iter;

		src = bio->bi_iter;
		bio_copy_data_iter(&clones[0]->bio, &dst, bio, &src);
	}
	atomic_long_inc(&head->mpx.muxed);
	mpx_acct_start(head, ctx);
	for (i = 0; i < n; i++) {
		nvme_mpx_agg_get(&ctx->agg);
		mpx_clone_submit(clones[i]);
	}
	/* The clones are only queued on current->bio_list yet. */
	mpx_ctx_act(ctx, head,
		    nvme_mpx_agg_put(&ctx->agg, NVME_MPX_AGG_HOLD, 0), NULL);
	return true;

fallback:
	for (i = 0; i < n; i++) {
		if (!ctx->write)
			mpx_clone_free_pages(head, &clones[i]->bio);
		bio_put(&clones[i]->bio);
	}
	mpx_ctx_free(ctx, head);
	return false;
}

/* A usable path other than @not, the best tier first. */
static struct nvme_ns *mpx_other_path(struct nvme_ns_head *head,
				      struct nvme_ns *not)
{
	enum nvme_mpx_tier tier, best_tier = NVME_MPX_TIER_NONE;
	struct nvme_ns *ns, *best = NULL;

	list_for_each_entry_srcu(ns, &head->list, siblings,
				 srcu_read_lock_held(&head->srcu)) {
		if (ns == not)
			continue;
		tier = nvme_mpx_tier(ns);
		if (tier < best_tier) {
			best_tier = tier;
			best = ns;
		}
	}
	return best;
}

/*
 * The earliest deadline came: move what is due to the work (sending may
 * sleep, and this is hard interrupt context), re-arm for the next one.
 */
static enum hrtimer_restart mpx_hedge_timer(struct hrtimer *timer)
{
	struct nvme_ns_head *head = container_of(timer, struct nvme_ns_head,
						 mpx.hedge_timer);
	struct nvme_mpx_head *h = &head->mpx;
	struct mpx_mux_ctx *ctx, *next;
	ktime_t now = ktime_get(), first = KTIME_MAX;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	bool due = false;
	unsigned long flags;

	spin_lock_irqsave(&h->hedge_lock, flags);
	list_for_each_entry_safe(ctx, next, &h->hedge_list, entry) {
		if (ktime_after(ctx->deadline, now)) {
			first = min(first, ctx->deadline);
			continue;
		}
		list_move_tail(&ctx->entry, &h->hedge_due);
		due = true;
	}
	/* KTIME_MAX when idle: see mpx_hedge_enqueue(). */
	hrtimer_set_expires(timer, first);
	if (first != KTIME_MAX)
		ret = HRTIMER_RESTART;
	spin_unlock_irqrestore(&h->hedge_lock, flags);
	if (due)
		kblockd_schedule_work(&h->hedge_work);
	return ret;
}

/* Send one due read down a second path too. */
static void mpx_hedge_send(struct nvme_ns_head *head, struct mpx_mux_ctx *ctx)
{
	struct mpx_mux_clone *c = NULL;
	struct nvme_ns *ns;
	int idx;

	/* Our hold keeps @ctx; a get fails if the read is complete. */
	if (nvme_mpx_agg_get(&ctx->agg)) {
		idx = srcu_read_lock(&head->srcu);
		ns = mpx_other_path(head, ctx->primary);
		if (ns)
			c = mpx_clone_alloc(ctx, head, ns, GFP_NOIO);
		if (c) {
			c->hedge = true;
			atomic_long_inc(&head->mpx.hedged);
			mpx_clone_submit(c);
		}
		srcu_read_unlock(&head->srcu, idx);
		if (!c)
			mpx_ctx_act(ctx, head,
				    nvme_mpx_agg_put(&ctx->agg,
						     NVME_MPX_AGG_HOLD, 0),
				    NULL);
	}
	mpx_hedge_unhold(ctx, head);
}

static void mpx_hedge_work(struct work_struct *work)
{
	struct nvme_ns_head *head = container_of(work, struct nvme_ns_head,
						 mpx.hedge_work);
	struct mpx_mux_ctx *ctx;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&head->mpx.hedge_lock, flags);
		ctx = list_first_entry_or_null(&head->mpx.hedge_due,
					       struct mpx_mux_ctx, entry);
		if (ctx)
			list_del_init(&ctx->entry);
		spin_unlock_irqrestore(&head->mpx.hedge_lock, flags);
		if (!ctx)
			return;
		mpx_hedge_send(head, ctx);
	}
}

/* Wait on the head's list for @ctx's deadline, @delay after @now_ns. */
static void mpx_hedge_enqueue(struct nvme_ns_head *head,
			      struct mpx_mux_ctx *ctx, u64 now_ns, u64 delay)
{
	struct nvme_mpx_head *h = &head->mpx;
	unsigned long flags;

	ctx->deadline = ns_to_ktime(now_ns + delay);
	spin_lock_irqsave(&h->hedge_lock, flags);
	list_add_tail(&ctx->entry, &h->hedge_list);
	/*
	 * Only when it is idle or set for later: usually it is neither.  A
	 * running callback scans the list after us, or has set what it will
	 * re-arm for (KTIME_MAX if nothing).
	 */
	if (!hrtimer_active(&h->hedge_timer) ||
	    ktime_before(ctx->deadline, hrtimer_get_expires(&h->hedge_timer)))
		hrtimer_start(&h->hedge_timer, ctx->deadline, HRTIMER_MODE_ABS);
	spin_unlock_irqrestore(&h->hedge_lock, flags);
}

/* Read @bio from the policy's path, hedged.  Caller holds head->srcu. */
static bool mpx_hedge_start(struct nvme_ns_head *head, struct bio *bio)
{
	unsigned int nr = DIV_ROUND_UP(bio->bi_iter.bi_size, PAGE_SIZE);
	struct nvme_ns *ns = nvme_find_path(head);
	struct mpx_mux_clone *c;
	struct mpx_mux_ctx *ctx;
	u64 delay;

	/* No second path, no hedge: the normal path handles the rest. */
	if (!ns || nr > BIO_MAX_VECS || !mpx_other_path(head, ns))
		return false;
	/* The context lives in the primary: see mpx_clone_end(). */
	c = mpx_clone_new(head, ns, bio, nr, mpx_gfp(bio));
	if (!c)
		return false;
	ctx = &c->hctx;
	mpx_ctx_init(ctx, head, bio, nr, false);
	ctx->pages = NULL;
	ctx->host = c;
	if (!mpx_clone_fill(ctx, c, head, mpx_gfp(bio))) {
		bio_put(&c->bio);
		return false;
	}
	c->primary = true;
	ctx->hedge = true;
	ctx->head = head;
	ctx->primary = ns;
	delay = nvme_mpx_hedge_delay_ns(READ_ONCE(head->mpx.hedge_us),
					READ_ONCE(ns->mpx.lat_ewma));
	mpx_acct_start(head, ctx);
	nvme_mpx_agg_get(&ctx->agg);	/* the primary */
	nvme_mpx_agg_get(&ctx->agg);	/* the hedging hold */
	atomic_inc(&head->mpx.hedge_pending);
	/* One clock read for both the primary's latency and the deadline. */
	c->start_ns = ktime_get_ns();
	mpx_hedge_enqueue(head, ctx, c->start_ns, delay);
	submit_bio_noacct(&c->bio);
	mpx_ctx_act(ctx, head,
		    nvme_mpx_agg_put(&ctx->agg, NVME_MPX_AGG_HOLD, 0), NULL);
	return true;
}

/*
 * The multiplexer's decision for a read or write of LBAs @first..@last
 * with I/O priority @ioprio, given the head's NVME_MPX_MUX_* bits @on and
 * its ranges @rs.  The real-time class is user space's per-I/O opt-in:
 * ioprio_set(2) per process, or io_uring's and aio's per-I/O priority.
 * Setting it takes CAP_SYS_ADMIN or CAP_SYS_NICE, so an unprivileged
 * program cannot make its own I/O multiply.
 */
enum nvme_mpx_mux_act nvme_mpx_mux_choose(unsigned long on,
					  const struct nvme_mpx_ranges *rs,
					  enum req_op op, u16 ioprio,
					  u64 first, u64 last)
{
	if (op != REQ_OP_READ && op != REQ_OP_WRITE)
		return NVME_MPX_MUX_NORMAL;
	if ((on & NVME_MPX_MUX_RT) &&
	    IOPRIO_PRIO_CLASS(ioprio) == IOPRIO_CLASS_RT)
		return NVME_MPX_MUX_FANOUT;
	if ((on & NVME_MPX_MUX_RANGES) && rs &&
	    nvme_mpx_ranges_hit(rs, first, last))
		return NVME_MPX_MUX_FANOUT;
	if ((on & NVME_MPX_MUX_HEDGE) && op == REQ_OP_READ)
		return NVME_MPX_MUX_HEDGE_IT;
	return NVME_MPX_MUX_NORMAL;
}
EXPORT_SYMBOL_IF_KUNIT(nvme_mpx_mux_choose);

/*
 * Called from mpx_submit_bio() under head->srcu, only when the head has
 * ranges, the real-time opt-in or hedging set.  Returns true if it took
 * @bio.
 */
bool nvme_mpx_mux_submit(struct nvme_ns_head *head, struct bio *bio)
{
	unsigned long on = READ_ONCE(head->mpx.mux_on);
	struct nvme_mpx_ranges *rs;

	/* A bio back from the requeue list (REQ_NVME_MPATH) goes normally. */
	if (!bio_sectors(bio) || bio_integrity(bio) ||
	    (bio->bi_opf & REQ_NVME_MPATH))
		return false;
	/* mux_bs was set up before mux_on was set. */
	smp_rmb();
	rs = srcu_dereference(head->mpx.mux_ranges, &head->srcu);
	switch (nvme_mpx_mux_choose(on, rs, bio_op(bio), bio->bi_ioprio,
				    nvme_sect_to_lba(head, bio->bi_iter.bi_sector),
				    nvme_sect_to_lba(head, bio_end_sector(bio) - 1))) {
	case NVME_MPX_MUX_FANOUT:
		return mpx_mux_fanout(head, bio);
	case NVME_MPX_MUX_HEDGE_IT:
		return mpx_hedge_start(head, bio);
	default:
		return false;
	}
}

/* ---- configuration --------------------------------------------------------- */

static int mpx_mux_bs_ready(struct nvme_ns_head *head)
{
	int ret;

	lockdep_assert_held(&head->lock);
	if (head->mpx.mux_bs_ready)
		return 0;
	ret = mpx_page_cache_init(head);
	if (ret)
		return ret;
	/* The per-CPU cache spares every hedged read a trip to the mempool. */
	ret = bioset_init(&head->mpx.mux_bs, MPX_MUX_POOL,
			  offsetof(struct mpx_mux_clone, bio),
			  BIOSET_NEED_BVECS | BIOSET_PERCPU_CACHE);
	if (ret) {
		mpx_page_cache_exit(head);
		return ret;
	}
	head->mpx.mux_bs_ready = true;
	/* Pairs with smp_rmb() in nvme_mpx_mux_submit(). */
	smp_wmb();
	return 0;
}

/* Publish @rs (NULL: none) in place of the current ranges. */
int nvme_mpx_mux_set_ranges(struct nvme_ns_head *head,
			    struct nvme_mpx_ranges *rs)
{
	struct nvme_mpx_ranges *old;
	int ret;

	mutex_lock(&head->lock);
	ret = mpx_mux_bs_ready(head);
	if (ret) {
		mutex_unlock(&head->lock);
		kfree(rs);
		return ret;
	}
	old = rcu_dereference_protected(head->mpx.mux_ranges,
					lockdep_is_held(&head->lock));
	rcu_assign_pointer(head->mpx.mux_ranges, rs);
	if (rs)
		set_bit(ilog2(NVME_MPX_MUX_RANGES), &head->mpx.mux_on);
	else
		clear_bit(ilog2(NVME_MPX_MUX_RANGES), &head->mpx.mux_on);
	mutex_unlock(&head->lock);
	/* Submitters may still be looking at @old. */
	synchronize_srcu(&head->srcu);
	kfree(old);
	return 0;
}

/* Turn one NVME_MPX_MUX_* @bit on or off; head->lock held. */
static int mpx_mux_switch(struct nvme_ns_head *head, unsigned long bit,
			  bool on)
{
	int ret = mpx_mux_bs_ready(head);

	if (ret)
		return ret;
	if (on)
		set_bit(ilog2(bit), &head->mpx.mux_on);
	else
		clear_bit(ilog2(bit), &head->mpx.mux_on);
	return 0;
}

int nvme_mpx_mux_set_hedge(struct nvme_ns_head *head, int hedge_us)
{
	int ret;

	mutex_lock(&head->lock);
	ret = mpx_mux_switch(head, NVME_MPX_MUX_HEDGE,
			     hedge_us != NVME_MPX_HEDGE_OFF);
	if (!ret)
		WRITE_ONCE(head->mpx.hedge_us, hedge_us);
	mutex_unlock(&head->lock);
	return ret;
}

/* Multiplex real-time class reads and writes (@on) or not. */
int nvme_mpx_mux_set_rt(struct nvme_ns_head *head, bool on)
{
	int ret;

	mutex_lock(&head->lock);
	ret = mpx_mux_switch(head, NVME_MPX_MUX_RT, on);
	mutex_unlock(&head->lock);
	return ret;
}

void nvme_mpx_mux_init(struct nvme_ns_head *head)
{
	head->mpx.mux_on = 0;
	RCU_INIT_POINTER(head->mpx.mux_ranges, NULL);
	head->mpx.hedge_us = NVME_MPX_HEDGE_OFF;
	head->mpx.mux_bs_ready = false;
	atomic_set(&head->mpx.hedge_pending, 0);
	spin_lock_init(&head->mpx.hedge_lock);
	INIT_LIST_HEAD(&head->mpx.hedge_list);
	INIT_LIST_HEAD(&head->mpx.hedge_due);
	hrtimer_init(&head->mpx.hedge_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	head->mpx.hedge_timer.function = mpx_hedge_timer;
	INIT_WORK(&head->mpx.hedge_work, mpx_hedge_work);
}

/*
 * Every path is gone, so every clone has completed; hedging work that
 * was queued before may still run.
 */
void nvme_mpx_mux_exit(struct nvme_ns_head *head)
{
	wait_var_event(&head->mpx.hedge_pending,
		       !atomic_read(&head->mpx.hedge_pending));
	/* Both lists are empty now; the timer and work may still be running. */
	hrtimer_cancel(&head->mpx.hedge_timer);
	cancel_work_sync(&head->mpx.hedge_work);
	kfree(rcu_dereference_protected(head->mpx.mux_ranges, 1));
	RCU_INIT_POINTER(head->mpx.mux_ranges, NULL);
	if (head->mpx.mux_bs_ready) {
		bioset_exit(&head->mpx.mux_bs);
		mpx_page_cache_exit(head);
	}
	head->mpx.mux_bs_ready = false;
}
