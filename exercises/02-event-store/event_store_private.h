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
	sqlite3_stmt *select_range;   /* es_store_load_range, step 8 */
	sqlite3_stmt *select_version; /* es_store_version, step 13 */
	es_upcast_fn upcast; /* every load's, or NULL: es_store_set_upcaster */
	void *upcast_ctx;
};

/*
 * The seed's two tables, byte for byte, and what a real log adds and
 * Python ignores: the index on events(product_id, id) and the triggers
 * that refuse to rewrite history. Given (event_store_schema.c).
 */
extern const char es_store_schema_sql[];

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
 * every row, decoded through the store's upcaster, onto `*out`. Resets
 * `stmt`. Returns ES_OK, ES_ENOMEM, ES_EDB, or ES_ECORRUPT ("event 12:
 * unknown event type 'Foo'"); on failure `*out` is left empty.
 */
int es_store_collect(struct es_event_list *out, struct es_store *store,
		     sqlite3_stmt *stmt, struct es_error *err);

#endif /* ES_EVENT_STORE_PRIVATE_H */
