/*
 * event_store_private.h - what the event store's own files share, and
 * nobody else includes.
 *
 * The store is closed: only its files read or write `events` and
 * `product_registry`. They are event_store.c (step 2: open, append, load),
 * event_store_range.c (step 8: a product's events after an id, up to a
 * time) and event_store_version.c (step 13: a stream's version, and the
 * append that expects one). Every other module goes through
 * event_store.h. This header is given complete: it is the handle's layout
 * and the few helpers the three files have in common.
 */
#ifndef ES_EVENT_STORE_PRIVATE_H
#define ES_EVENT_STORE_PRIVATE_H

#include <stdbool.h>

#include <sqlite3.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"

/*
 * The connection and the statements the store runs again and again. Those
 * of event_store.c are prepared at open; the others are prepared by their
 * file the first time they are needed (es_store_prepare_once), and every
 * one is finalized by es_store_close().
 */
struct es_store {
	sqlite3 *db;
	char *path;		      /* owned copy of the path opened */
	bool writable;		      /* ES_STORE_WRITE */
	sqlite3_stmt *insert_event;   /* es_store_append */
	sqlite3_stmt *insert_product; /* es_store_new_product_id */
	sqlite3_stmt *select_product; /* es_store_load */
	sqlite3_stmt *select_after;   /* es_store_load_after */
	sqlite3_stmt *begin;
	sqlite3_stmt *commit;
	sqlite3_stmt *rollback;
	sqlite3_stmt *select_range;   /* es_store_load_range, step 8 */
	sqlite3_stmt *select_version; /* es_store_version, step 13 */
	es_upcast_fn upcast; /* every load's, or NULL: es_store_set_upcaster */
	void *upcast_ctx;
};

/* Copy SQLite's latest message on the store's connection; returns ES_EDB. */
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
 * every row, decoded through the store's upcaster, onto `*out`. Resets
 * `stmt`. Returns ES_OK, ES_ENOMEM, ES_EDB, or ES_ECORRUPT ("event 12:
 * unknown event type 'Foo'"); on failure `*out` is left empty.
 */
int es_store_collect(struct es_event_list *out, struct es_store *store,
		     sqlite3_stmt *stmt, struct es_error *err);

#endif /* ES_EVENT_STORE_PRIVATE_H */
