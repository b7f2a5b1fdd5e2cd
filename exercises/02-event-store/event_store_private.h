/*
 * event_store_private.h - what the event store's own files share, and
 * nobody else includes.
 *
 * The store is closed: only its files read or write `events` and
 * `product_registry`. They are event_store.c (step 2: open, append, load),
 * event_store_range.c (step 8: a product's events after an id, up to a
 * time) and event_store_version.c (step 13: a stream's version, and the
 * append that expects one), three given with step 2:
 * event_store_schema.c (the tables, indexes and triggers),
 * event_store_quarantine.c (stepping over rows that are not events;
 * verify, quarantine) and event_list.c, and one given with step 16:
 * event_store_copy.c (an append with the event's own id, the stored
 * answers walked, a wait for the next event). Every other module goes
 * through event_store.h. This header is given complete: it is the
 * handle's layout and the few helpers the files have in common.
 */
#ifndef ES_EVENT_STORE_PRIVATE_H
#define ES_EVENT_STORE_PRIVATE_H

#include <stdbool.h>

#include <sqlite3.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"

/*
 * The statements event_store.c runs again and again, prepared together
 * at open (es_sql_prepare_all, in this order).
 */
enum es_store_stmt {
	ES_STORE_INSERT_EVENT,	 /* es_store_append */
	ES_STORE_INSERT_PRODUCT, /* es_store_new_product_id */
	ES_STORE_SELECT_PRODUCT, /* es_store_load */
	ES_STORE_SELECT_AFTER,	 /* es_store_load_after */
	ES_STORE_BEGIN,
	ES_STORE_COMMIT,
	ES_STORE_ROLLBACK,
	ES_STORE_STMT_COUNT
};

/*
 * The connection and its statements. Those of event_store.c are
 * prepared at open; the later steps' files prepare theirs the first time
 * they need them (es_store_prepare_once). es_store_close() finalizes them
 * all.
 */
struct es_store {
	sqlite3 *db;
	char *path;    /* owned copy of the path opened */
	bool writable; /* ES_STORE_WRITE */
	sqlite3_stmt *stmt[ES_STORE_STMT_COUNT];
	sqlite3_stmt *select_range;    /* es_store_load_range, step 8 */
	sqlite3_stmt *select_until;    /* the same from the first event */
	sqlite3_stmt *select_version;  /* es_store_version, step 13 */
	sqlite3_stmt *select_metadata; /* es_store_load_metadata, step 16 */
	es_upcast_fn upcast; /* every load's, or NULL: es_store_set_upcaster */
	void *upcast_ctx;
};

/*
 * The seed's two tables, byte for byte, and what a real log adds and
 * Python ignores: the index on events(product_id, id), the triggers that
 * refuse to rewrite history and those that refuse a row that is not an
 * event (data that is not a JSON object, a type not in event_types), and
 * the table event_quarantine. Given (event_store_schema.c).
 */
extern const char es_store_schema_sql[];

/*
 * Run es_store_schema_sql on `db`, then record in event_types the name
 * of every event type from ES_PRODUCT_CREATED to ES_EVENT_TYPE_LAST
 * (es_event_type_name), so the log accepts exactly the types the code
 * knows. Every statement creates only what is missing: run it at every
 * open for writing, inside one transaction, and a log written before a
 * trigger existed gets it. Returns ES_OK, or ES_EDB/ES_ENOMEM with
 * SQLite's message. Given (event_store_schema.c).
 */
int es_store_create_schema(sqlite3 *db, struct es_error *err);

/*
 * Copy SQLite's latest message on the store's connection (es_sql_error):
 * returns ES_ENOMEM when SQLite ran out of memory, ES_EDB otherwise.
 */
int es_store_db_error(struct es_store *store, struct es_error *err);

/*
 * Prepare `sql` into `*stmt` unless it is prepared already. Returns ES_OK
 * or ES_EDB.
 */
int es_store_prepare_once(sqlite3_stmt **stmt, struct es_store *store,
			  const char *sql, struct es_error *err);

/*
 * A write joins the caller's transaction when one is open, or is a
 * transaction of its own: es_store_write_begin() records which in `*own`
 * (and opens it), es_store_write_end() commits a transaction of its own
 * when `rc` is ES_OK and rolls it back otherwise, and returns the result.
 */
int es_store_write_begin(struct es_store *store, bool *own,
			 struct es_error *err);
int es_store_write_end(struct es_store *store, bool own, int rc,
		       struct es_error *err);

/*
 * Step `stmt`, a bound SELECT whose columns are events' id, product_id,
 * event_type, data and occurred_at in that order, to its end, and push
 * every event (es_store_next) onto `*out`. Resets `stmt`. Returns ES_OK,
 * ES_ENOMEM, ES_EDB, or ES_ECORRUPT ("event 12: unknown event type
 * 'Foo'"); on failure `*out` is left empty.
 */
int es_store_collect(struct es_event_list *out, struct es_store *store,
		     sqlite3_stmt *stmt, struct es_error *err);

/*
 * Decode the current row of `row` (a SELECT of the five columns above,
 * just stepped to SQLITE_ROW) into `*out`, id included: parse the type,
 * pass data through the store's upcaster when it has one, decode it
 * (es_event_from_json), and check that the product_id and occurred_at
 * columns agree with data. The column texts are SQLite's until the next
 * step; the event copies what it keeps. Returns ES_OK (the caller
 * disposes `*out`), ES_ENOMEM, or ES_ECORRUPT with the row's id first:
 * "event 12: unknown event type 'Foo'", "event 2: product_id column 1
 * does not match data 7"; on failure `*out` owns nothing.
 */
int es_store_read_row(struct es_event *out, struct es_store *store,
		      sqlite3_stmt *row, struct es_error *err);

/*
 * Step `stmt` (as above, bound) to its next event and decode it with
 * es_store_read_row(). A row that does not decode (ES_ECORRUPT) and whose
 * id is in event_quarantine is stepped over, as if it were not in the
 * log: that is all a quarantine does. Returns ES_OK with `*done` false
 * and `*ev` filled (the caller disposes it), ES_OK with `*done` true past
 * the last row, or the first failure: ES_ECORRUPT for a row that does not
 * decode and is not quarantined, ES_ENOMEM, ES_EDB. Does not reset
 * `stmt`. Every load reads its rows through this. Given
 * (event_store_quarantine.c).
 */
int es_store_next(struct es_event *ev, bool *done, struct es_store *store,
		  sqlite3_stmt *stmt, struct es_error *err);

#endif /* ES_EVENT_STORE_PRIVATE_H */
