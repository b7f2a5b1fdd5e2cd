/*
 * bench_history.c - the seed's first trade-off: loading a product replays
 * every one of its events, so a long history makes a slow load. Snapshots
 * (step 11) are the answer; these rows say how much they buy.
 *
 * One log holds a product per history length: a ProductCreated and then
 * stock updates, event i of each one second after event i - 1. For each
 * length, in one process:
 *
 *   load         es_snapshots_load from a snapshot at the product's last
 *                event, against es_store_load + es_product_replay of
 *                every event (the seed's Product.load)
 *   command      the CPU time of one UpdateStock through
 *                es_optimistic_handle with snapshots, as catalog apply
 *                does, against step 5's es_handle, which replays the
 *                whole history under the write lock. Each is run once
 *                untimed first; each timed command adds one event
 *   time travel  (the longest history only) es_snapshots_load_at the
 *                moment of the product's first event, against the moment
 *                of its last, which the snapshot holds
 */
#include <stdio.h>

#include "aggregate.h"
#include "bench.h"
#include "command_handler.h"
#include "commands.h"
#include "optimistic.h"
#include "snapshots.h"

/* A snapshot every this many events replayed, as catalog apply takes. */
#define SNAPSHOT_EVERY 100

/* What the timed functions share. */
struct history {
	struct es_store *store;
	struct es_snapshots *snaps;
	struct es_optimistic *optimistic;
	struct es_command_handler plain;
	int64_t product_id;		/* the product being timed */
	char moment[ES_TIMESTAMP_SIZE]; /* for time travel */
};

/* Product `id`: a ProductCreated, then `events` - 1 stock updates. */
static int append_history(struct es_store *store, int64_t id, long events,
			  struct es_error *err)
{
	static const struct es_product_created fields = {
		"History product", 9.99, 4.5, 1, "Bench supplier", 100, NULL};
	char at[ES_TIMESTAMP_SIZE];
	int rc = ES_OK;

	for (long i = 0; i < events && rc == ES_OK; i++) {
		struct es_event ev;

		bench_time_of(at, i);
		if (i == 0)
			rc = es_event_product_created(&ev, id, &fields, at,
						      err);
		else
			es_event_stock_updated(&ev, id, i % 500, at);
		if (rc == ES_OK)
			rc = es_store_append(store, &ev, err);
		es_event_dispose(&ev);
	}
	return rc;
}

/* bench_fn: load the product by replaying all its events. */
static int load_full(void *ctx, long i, struct es_error *err)
{
	const struct history *h = ctx;
	struct es_event_list events = {0};
	struct es_product p;
	int rc = es_store_load(&events, h->store, h->product_id, err);

	(void)i;
	es_product_init(&p);
	if (rc == ES_OK)
		rc = es_product_replay(&p, events.items, events.count, err);
	es_product_dispose(&p);
	es_event_list_dispose(&events);
	return rc;
}

/* bench_fn: load the product from its latest snapshot. */
static int load_snapshot(void *ctx, long i, struct es_error *err)
{
	const struct history *h = ctx;
	struct es_product p;
	int rc = es_snapshots_load(&p, NULL, h->snaps, h->product_id, err);

	(void)i;
	es_product_dispose(&p);
	return rc;
}

/* bench_fn: the product as it was at h->moment. */
static int load_at(void *ctx, long i, struct es_error *err)
{
	const struct history *h = ctx;
	struct es_product p;
	int rc = es_snapshots_load_at(&p, NULL, h->snaps, h->product_id,
				      h->moment, err);

	(void)i;
	es_product_dispose(&p);
	return rc;
}

/* One UpdateStock on the product, through either handler. */
static int command(struct history *h, bool optimistic, long i,
		   struct es_error *err)
{
	struct es_command cmd = {.type = ES_UPDATE_STOCK};
	struct es_event ev;
	int rc;

	cmd.update_stock.product_id = h->product_id;
	cmd.update_stock.new_stock = 20 + i % 480;
	if (optimistic)
		rc = es_optimistic_handle(&ev, h->optimistic, &cmd, err);
	else
		rc = es_handle(&ev, &h->plain, &cmd, err);
	if (rc == ES_OK)
		es_event_dispose(&ev);
	return rc;
}

/* bench_fn: one command through es_optimistic_handle, with snapshots. */
static int command_optimistic(void *ctx, long i, struct es_error *err)
{
	return command(ctx, true, i, err);
}

/* bench_fn: one command through step 5's es_handle. */
static int command_plain(void *ctx, long i, struct es_error *err)
{
	return command(ctx, false, i, err);
}

static int load_row(struct bench_plan *plan, struct history *h, long size,
		    struct es_error *err)
{
	struct bench_row row = {"load", size, 0, 0, 0};
	int rc;

	if (size == plan->goal_history_size)
		row.goal = 100;
	rc = bench_repeat(&row.baseline, plan, load_full, h, 1, false, err);
	if (rc == ES_OK)
		rc = es_snapshots_take(h->snaps, h->product_id, err);
	if (rc == ES_OK)
		rc = bench_repeat(&row.project, plan, load_snapshot, h, 1,
				  false, err);
	if (rc == ES_OK)
		bench_report(plan, &row);
	return rc;
}

/* After load_row(): the snapshot is at the last event. */
static int time_travel_row(struct bench_plan *plan, struct history *h,
			   long size, struct es_error *err)
{
	struct bench_row row = {"time travel", size, 0, 0, 0};
	int rc;

	if (size == plan->goal_history_size)
		row.goal = 0.5; /* the first moment in at most 2x the last's */
	bench_time_of(h->moment, 0);
	rc = bench_repeat(&row.project, plan, load_at, h, 1, false, err);
	if (rc == ES_OK) {
		bench_time_of(h->moment, size - 1);
		rc = bench_repeat(&row.baseline, plan, load_at, h, 1, false,
				  err);
	}
	if (rc == ES_OK)
		bench_report(plan, &row);
	return rc;
}

static int command_row(struct bench_plan *plan, struct history *h, long size,
		       struct es_error *err)
{
	struct bench_row row = {"command", size, 0, 0, 0};
	int rc = command_plain(h, 0, err);

	if (rc == ES_OK)
		rc = bench_repeat(&row.baseline, plan, command_plain, h, 3,
				  true, err);
	if (rc == ES_OK)
		rc = command_optimistic(h, 0, err);
	if (rc == ES_OK)
		rc = bench_repeat(&row.project, plan, command_optimistic, h, 3,
				  true, err);
	if (rc == ES_OK)
		bench_report(plan, &row);
	return rc;
}

/* The rows of each history length, the longest's time travel too. */
static int history_rows(struct bench_plan *plan, struct history *h,
			struct es_error *err)
{
	int rc = ES_OK;

	for (int k = 0; rc == ES_OK && k < plan->history_count; k++) {
		long size = plan->history_sizes[k];

		h->product_id = k + 1;
		rc = load_row(plan, h, size, err);
		if (rc == ES_OK && k == plan->history_count - 1)
			rc = time_travel_row(plan, h, size, err);
		if (rc == ES_OK)
			rc = command_row(plan, h, size, err);
	}
	return rc;
}

int bench_history(struct bench_plan *plan, struct es_error *err)
{
	struct es_clock clock = {es_clock_system, NULL};
	struct history h = {NULL, NULL, NULL, {NULL, clock}, 0, ""};
	char path[600];
	int rc;

	bench_path(path, sizeof(path), plan, "history.db");
	rc = es_store_open(&h.store, path, ES_STORE_WRITE, err);
	if (rc == ES_OK)
		rc = es_store_begin(h.store, err);
	for (int k = 0; rc == ES_OK && k < plan->history_count; k++)
		rc = append_history(h.store, k + 1, plan->history_sizes[k],
				    err);
	if (rc == ES_OK)
		rc = es_store_commit(h.store, err);
	else if (h.store != NULL)
		es_store_rollback(h.store);
	h.plain.store = h.store;
	if (rc == ES_OK)
		rc = es_snapshots_open(&h.snaps, h.store, SNAPSHOT_EVERY, err);
	if (rc == ES_OK)
		rc = es_optimistic_open(&h.optimistic, h.store, clock, h.snaps,
					err);
	if (rc == ES_OK)
		rc = history_rows(plan, &h, err);
	es_optimistic_close(h.optimistic);
	es_snapshots_close(h.snaps);
	es_store_close(h.store);
	return rc;
}
