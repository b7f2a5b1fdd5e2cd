/*
 * snapshots.h - load a product from its latest snapshot instead of from its
 * first event.
 *
 * Replaying every event is what makes event sourcing simple, and what
 * makes a product with 10,000 events slow to load (the seed's first
 * trade-off). A snapshot is the aggregate's state written down at one
 * version, so a load starts from it and replays only the events after it.
 * Snapshots live in the event store's file, in a table of their own that
 * the seed's Python code never looks at:
 *
 *   snapshots(product_id INTEGER NOT NULL, version INTEGER NOT NULL,
 *             last_event_id INTEGER NOT NULL, occurred_at TEXT NOT NULL,
 *             schema_version INTEGER NOT NULL, state TEXT NOT NULL,
 *             PRIMARY KEY (product_id, version))
 *
 *   version         the product's version (events applied) in the state
 *   last_event_id   the id of the last of those events: the load replays
 *                   the product's events with a greater id
 *   occurred_at     the latest occurred_at among those events, for time
 *                   travel (es_snapshots_load_at)
 *   schema_version  ES_SNAPSHOT_SCHEMA when the state was written
 *   state           struct es_product as one JSON object, its fields in
 *                   order, floats with every digit (json_text.h):
 *                   {"id":1,"name":"Widget Pro","description":null,
 *                   "price":29.99,"cost_price":12.0,"supplier_id":1,
 *                   "supplier_name":"Acme Corp","stock":100,
 *                   "view_count":0,"version":50} (one line)
 *
 * A snapshot is a cache, never the truth: the events are. So it is never
 * trusted beyond what this code can check. A snapshot written under
 * another ES_SNAPSHOT_SCHEMA (struct es_product has changed since), or
 * whose state does not decode, is ignored: the load replays every event
 * instead, and then replaces it with a fresh snapshot. Deleting the whole
 * table is always safe; it only makes the next loads slower.
 *
 * When: the writer that appends an event calls es_snapshots_after_append()
 * in the same transaction as the append, and a snapshot is taken at every
 * `every`-th version. A rollback then takes the snapshot back with the
 * event, so no snapshot ever describes an event the log does not hold.
 */
#ifndef ES_SNAPSHOTS_H
#define ES_SNAPSHOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate.h"
#include "es_error.h"
#include "event_store.h"
#include "events.h"

/*
 * The layout of `state`. Add a field to struct es_product and this goes
 * up by one: every snapshot written before is then ignored and replaced.
 */
#define ES_SNAPSHOT_SCHEMA 1

struct es_snapshots;

/* What a load did, for the curious (and for the tests). */
struct es_replay_stats {
	int64_t snapshot_version; /* the snapshot it started from; 0: none */
	int64_t replayed;         /* the events it applied after that */
	bool ignored; /* a snapshot was found and not trusted (see above) */
};

/*
 * Open the snapshots of `store`, which must be open in ES_STORE_WRITE mode
 * and is borrowed: it must outlive the handle. The table is created when
 * missing and the statements prepared, once, on es_store_db(store). A
 * snapshot is taken at every `every`-th version (see
 * es_snapshots_after_append). On success `*out` is set; close it with
 * es_snapshots_close(). Returns ES_OK, ES_EINVAL ("snapshots: every must
 * be at least 1, not 0"), ES_ENOMEM or ES_EDB.
 */
int es_snapshots_open(struct es_snapshots **out, struct es_store *store,
		      int every, struct es_error *err);

/* Finalize the statements and free the handle; NULL is ignored. */
void es_snapshots_close(struct es_snapshots *snaps);

/*
 * Write a snapshot of `product` at its version, replacing one already
 * there. `product` must be the replay of its product's events up to and
 * including event `last_event_id`; the count is checked against the log.
 * Joins the store's open transaction, or runs in one of its own. Returns
 * ES_OK; ES_EINVAL when the product was never created ("cannot snapshot a
 * product that was never created") or when the log disagrees ("Product 1
 * has not 50 events up to event 99"); ES_ENOMEM or ES_EDB.
 */
int es_snapshots_take(struct es_snapshots *snaps,
		      const struct es_product *product, int64_t last_event_id,
		      struct es_error *err);

/*
 * The writer's part: call it right after appending `appended`, inside the
 * same transaction, with `product` the state that includes it (its
 * version counts it). Takes a snapshot when the product exists and its
 * version is a multiple of `every`; does nothing otherwise. Returns what
 * es_snapshots_take() returns, or ES_OK.
 */
int es_snapshots_after_append(struct es_snapshots *snaps,
			      const struct es_product *product,
			      const struct es_event *appended,
			      struct es_error *err);

/*
 * Set `*out` (not initialized yet) to product `product_id` as it is now:
 * its latest snapshot plus the events after it, read with
 * es_store_read_row(). The result equals es_store_load() plus
 * es_product_replay(): a product without events is the empty product,
 * version 0. When the latest snapshot is not trusted, every event is
 * replayed; then the one ignored, the product's snapshots of another
 * schema and those beyond the version reached are deleted, and a fresh
 * one is written at that version (joining the store's open transaction,
 * or in one of its own). `*stats` (which
 * may be NULL) says what happened. The caller disposes `*out` with
 * es_product_dispose(). Returns ES_OK, or ES_ENOMEM, ES_EDB, ES_ECORRUPT
 * (an event that does not decode); then `*out` is the empty product.
 */
int es_snapshots_load(struct es_product *out, struct es_replay_stats *stats,
		      struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err);

/*
 * Time travel with snapshots: set `*out` to the product as it was at
 * `before`, a timestamp as es_time_format() writes it, i.e. the replay of
 * its events that occurred at or before `before`, by id. Starts from the
 * latest snapshot whose occurred_at is at or before `before`. A snapshot
 * not trusted is ignored as by es_snapshots_load(), but nothing is ever
 * written: looking at the past changes nothing. Otherwise as
 * es_snapshots_load().
 */
int es_snapshots_load_at(struct es_product *out,
			 struct es_replay_stats *stats,
			 struct es_snapshots *snaps, int64_t product_id,
			 const char *before, struct es_error *err);

#endif /* ES_SNAPSHOTS_H */
