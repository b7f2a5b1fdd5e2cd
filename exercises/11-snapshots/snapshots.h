/*
 * snapshots.h - load a product from its latest snapshot instead of from its
 * first event.
 *
 * Replaying every event is what makes event sourcing simple, and what
 * makes a product with 10,000 events slow to load (the seed's first
 * trade-off). A snapshot is the aggregate's state written down after one
 * of its events, so a load starts from it and replays only the events
 * after it. Snapshots live in the event store's file, in a table of their
 * own that the seed's Python code never looks at:
 *
 *   snapshots(product_id INTEGER NOT NULL, last_event_id INTEGER NOT NULL,
 *             version INTEGER NOT NULL, occurred_at TEXT NOT NULL,
 *             schema_version INTEGER NOT NULL, state TEXT NOT NULL,
 *             PRIMARY KEY (product_id, last_event_id))
 *
 *   last_event_id   the id of the last event the state holds: the load
 *                   replays the product's events with a greater id. It is
 *                   the key, not the version: a view changes the state
 *                   (view_count) but not the version (aggregate.h)
 *   version         the state's version, as struct es_product counts it
 *   occurred_at     the latest occurred_at among the events it holds, for
 *                   time travel (es_snapshots_load_at)
 *   schema_version  ES_SNAPSHOT_SCHEMA when the state was written
 *   state           struct es_product as one JSON object, its fields in
 *                   order, floats with every digit (json_text.h):
 *                   {"id":1,"name":"Widget Pro","description":null,
 *                   "price":29.99,"cost_price":12.0,"supplier_id":1,
 *                   "supplier_name":"Acme Corp","stock":100,
 *                   "view_count":3,"version":50} (one line)
 *
 * The store is closed: this module reads the log only through
 * event_store.h (es_store_load_range), and keeps its table on a sqlite3
 * connection of its own, opened on es_store_path().
 *
 * When: a load that had to replay at least `every` events after the
 * latest snapshot writes a fresh one, at the last event it read. Its state
 * is the replay of the product's events up to that id, which stays true
 * forever: SQLite writers take turns and ids grow, so a read sees every
 * event up to the last id it read, and an event is never changed. A
 * snapshot is not taken by the writer that appends: the append and the
 * snapshot are on two connections, so they could not be one transaction,
 * and a load has just done the replay a snapshot needs.
 *
 * A reader that may not write (`catalog state`, on a file nobody may
 * write) opens the snapshots read-only (es_snapshots_open_read_only): it
 * starts from the same snapshots, and writes none.
 *
 * A snapshot is a cache, never the truth: the events are. So it is never
 * trusted beyond what this code can check. A snapshot written under
 * another ES_SNAPSHOT_SCHEMA (struct es_product or its version's meaning
 * has changed since), or whose state does not decode, is ignored: the
 * load replays every event instead, and then replaces it with a fresh
 * snapshot. Deleting the whole table is always safe; it only makes the
 * next loads slower.
 */
#ifndef ES_SNAPSHOTS_H
#define ES_SNAPSHOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate.h"
#include "es_error.h"
#include "event_store.h"

/*
 * The layout and meaning of `state`. Change struct es_product, or what
 * its fields count, and this goes up by one: every snapshot written
 * before is then ignored and replaced. 2: `version` no longer counts
 * ProductViewed events.
 */
#define ES_SNAPSHOT_SCHEMA 2

struct es_snapshots;

/* What a load did, for the curious (and for the tests). */
struct es_replay_stats {
	int64_t snapshot_event_id; /* last_event_id of the snapshot it
				      started from; 0: none */
	int64_t replayed;	   /* the events it applied after that */
	bool ignored; /* a snapshot was found and not trusted (see above) */
	bool taken;   /* it wrote a fresh snapshot */
};

/*
 * Open the snapshots of `store` (borrowed: it must outlive the handle): a
 * connection of its own to es_store_path(store), which must be writable,
 * with the store's busy timeout; the table is created when missing. A
 * load that replays `every` events or more takes a snapshot. On success
 * `*out` is set; close it with es_snapshots_close(). Returns ES_OK,
 * ES_EINVAL ("snapshots: every must be at least 1, not 0"), ES_ENOMEM or
 * ES_EDB.
 */
int es_snapshots_open(struct es_snapshots **out, struct es_store *store,
		      int every, struct es_error *err);

/*
 * Open the snapshots of `store` (borrowed, as by es_snapshots_open()) for
 * reading only: a connection of its own to es_store_path(store), opened
 * with es_sql_open_readonly(), so a file, or a directory, that nobody may
 * write can be read too. Nothing is ever written through this handle, and
 * the table is never created: in a file without it (a log the seed's
 * Python wrote) every load finds no snapshot and replays every event. The
 * table is looked for once, here: open the handle again to see one made
 * since. es_snapshots_load() through it never takes a snapshot and never
 * deletes one it does not trust: it replays instead. So it never needs
 * the write lock, and may run while a write transaction is open on the
 * store (its own connection reads the snapshots committed; the events
 * come through the store's, which sees its transaction's own).
 * es_snapshots_take() is refused. On success `*out` is set; close it with
 * es_snapshots_close(). Returns ES_OK, ES_ENOMEM or ES_EDB (the messages
 * of es_sql_open_readonly()).
 */
int es_snapshots_open_read_only(struct es_snapshots **out,
				struct es_store *store, struct es_error *err);

/* Finalize the statements, close the connection and free the handle; NULL
 * is ignored. The store stays open. */
void es_snapshots_close(struct es_snapshots *snaps);

/*
 * Set `*out` (not initialized yet) to product `product_id` as it is now:
 * its latest snapshot plus the events after it. The result equals
 * es_store_load() plus es_product_replay(): a product without events is
 * the empty product, version 0. When it replayed `every` events or more,
 * or the latest snapshot was not trusted, and the product exists, it
 * writes a snapshot at the last event it read; a snapshot not trusted is
 * first deleted, with the product's snapshots of another schema and those
 * beyond the last event read, in the same transaction. That write needs
 * the write lock, so call it with no write transaction open on the store
 * (a handle opened read-only never writes, see above). `*stats` (which may be NULL) says what happened. The caller disposes
 * `*out` with es_product_dispose(). Returns ES_OK, or ES_ENOMEM, ES_EDB,
 * ES_ECORRUPT (an event that does not decode); then `*out` is the empty
 * product.
 */
int es_snapshots_load(struct es_product *out, struct es_replay_stats *stats,
		      struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err);

/*
 * Time travel with snapshots: set `*out` to the product as it was at
 * `before`, a timestamp as es_time_format() writes it, i.e. the replay of
 * its events that occurred at or before `before`, by id. Starts from the
 * latest snapshot whose occurred_at is at or before `before`, then
 * es_store_load_range() from its last event up to `before`. A snapshot
 * not trusted is ignored as by es_snapshots_load(), but nothing is ever
 * written: looking at the past changes nothing. Otherwise as
 * es_snapshots_load().
 */
int es_snapshots_load_at(struct es_product *out, struct es_replay_stats *stats,
			 struct es_snapshots *snaps, int64_t product_id,
			 const char *before, struct es_error *err);

/*
 * Snapshot product `product_id` now, whatever `every` says: load it as
 * es_snapshots_load() does and write a snapshot at the last event read,
 * unless the latest one is there already. It takes no state from the
 * caller, so there is nothing to check against the log: what it writes is
 * what it replayed. Returns ES_OK; ES_ENOTFOUND ("Product 7 not found")
 * for a product never created; ES_EINVAL ("snapshots: opened read-only")
 * on a handle from es_snapshots_open_read_only(), which writes nothing;
 * or as es_snapshots_load().
 */
int es_snapshots_take(struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err);

#endif /* ES_SNAPSHOTS_H */
