/*
 * event_store.c - step 2: the append-only event log, on SQLite (see
 * event_store.h). struct es_store is laid out for you in
 * event_store_private.h (the sqlite3 connection and the statements you
 * prepare once and reuse); you write the functions that open the log, hand
 * out product ids, append events and read them back, and the few helpers
 * that the store's later files (steps 8 and 13) share with this one.
 *
 * Run make check STEP=2 to see what is missing.
 */
#include "event_store_private.h"

#include <string.h>

int es_store_open(struct es_store **out, const char *path,
		  enum es_store_mode mode, struct es_error *err)
{
	/*
	 * TODO: calloc the handle and keep a strdup() of path and whether
	 * mode is ES_STORE_WRITE. Open path: for ES_STORE_WRITE with
	 * sqlite3_open_v2() (READWRITE | CREATE), for ES_STORE_READONLY with
	 * the given es_sql_open_readonly(); set the busy timeout. In write
	 * mode refuse a read-only file (sqlite3_db_readonly), set WAL with
	 * the given es_sql_use_wal() and synchronous=FULL with a PRAGMA, and
	 * run the given es_store_create_schema() (the tables, the index, the
	 * triggers, the event types) in one transaction. Then
	 * es_sql_prepare_all() the
	 * statements of enum es_store_stmt from a table of their SQL. On
	 * failure put the path before the message (es_error_prefix), close
	 * the handle and return ES_EDB (es_sql_error() says ES_EBUSY when
	 * another writer held the file locked). On success *out is yours to es_store_close().
	 * See docs/02-event-store.md, "The handle" and "Opening".
	 */
	(void)path;
	(void)mode;
	*out = NULL;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_open is not implemented yet");
}

void es_store_close(struct es_store *store)
{
	/*
	 * TODO: return when store is NULL; es_sql_finalize_all() the
	 * statements, sqlite3_finalize() the later steps' four (NULL is fine),
	 * sqlite3_close() the connection, free the path and the handle.
	 * See docs/02-event-store.md, "The handle".
	 */
	(void)store;
}

int es_store_begin(struct es_store *store, struct es_error *err)
{
	/*
	 * TODO: run BEGIN IMMEDIATE (a cached statement: step, reset). If it
	 * fails, copy sqlite3_errmsg() into err and return ES_EDB.
	 * See docs/02-event-store.md, "Transactions, yours or the caller's".
	 */
	(void)store;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_begin is not implemented yet");
}

int es_store_commit(struct es_store *store, struct es_error *err)
{
	/*
	 * TODO: run COMMIT (a cached statement: step, reset). Without an open
	 * transaction SQLite fails: copy sqlite3_errmsg() into err and return
	 * ES_EDB.
	 * See docs/02-event-store.md, "Transactions, yours or the caller's".
	 */
	(void)store;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_commit is not implemented yet");
}

void es_store_rollback(struct es_store *store)
{
	/*
	 * TODO: when a transaction is open (sqlite3_get_autocommit() returns
	 * 0), run ROLLBACK. There is nothing to report.
	 * See docs/02-event-store.md, "Transactions, yours or the caller's".
	 */
	(void)store;
}

int es_store_new_product_id(struct es_store *store, int64_t *out,
			    struct es_error *err)
{
	/*
	 * TODO: INSERT INTO product_registry DEFAULT VALUES, and set *out to
	 * sqlite3_last_insert_rowid(). Open and commit your own transaction
	 * only when none is open (sqlite3_get_autocommit). On failure
	 * ES_EDB with sqlite3_errmsg().
	 * See docs/02-event-store.md, "Transactions, yours or the caller's".
	 */
	(void)store;
	(void)out;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 2: es_store_new_product_id is not implemented yet");
}

int es_store_append(struct es_store *store, struct es_event *ev,
		    struct es_error *err)
{
	/*
	 * TODO: turn ev into JSON with es_event_to_json(); bind product_id,
	 * es_event_type_name(ev->type), the JSON and occurred_at to the
	 * cached INSERT INTO events; step (SQLITE_DONE), reset, and set ev->id
	 * to sqlite3_last_insert_rowid(). free() the JSON. Own the
	 * transaction only when none is open. On failure nothing is appended.
	 * See docs/02-event-store.md, "Append: bind, step, reset".
	 */
	(void)store;
	(void)ev;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_append is not implemented yet");
}

int es_store_load(struct es_event_list *out, struct es_store *store,
		  int64_t product_id, struct es_error *err)
{
	/*
	 * TODO: bind product_id to the cached SELECT ... WHERE
	 * product_id = ? ORDER BY id and let es_store_collect() read every
	 * row into *out. The caller disposes *out.
	 * See docs/02-event-store.md, "Load: rows into a growable list".
	 */
	(void)store;
	(void)product_id;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_load is not implemented yet");
}

int es_store_load_all(struct es_store *store, es_event_fn fn, void *ctx,
		      struct es_error *err)
{
	/*
	 * TODO: step the cached SELECT ... ORDER BY id from start to finish
	 * with the given es_store_next(), which decodes each row into an
	 * event on your stack (with your es_store_read_row) and steps over a
	 * quarantined one; call fn(ctx, &ev, err), dispose the event. Stop at
	 * the first
	 * code that is not ES_OK and return it unchanged. Reset the
	 * statement on every path. (Once es_store_load_after works, this is
	 * es_store_load_after(store, 0, fn, ctx, err).)
	 * See docs/02-event-store.md, "load_all: a callback and a context".
	 */
	(void)store;
	(void)fn;
	(void)ctx;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_load_all is not implemented yet");
}

int es_store_load_after(struct es_store *store, int64_t after_id,
			es_event_fn fn, void *ctx, struct es_error *err)
{
	/*
	 * TODO: what es_store_load_all does, with a cached SELECT ... WHERE
	 * id > ? ORDER BY id: bind after_id, step it to its end with
	 * es_store_next(), call fn, dispose the event; stop at the first code
	 * that is not
	 * ES_OK and return it unchanged; reset the statement on every path.
	 * See docs/02-event-store.md, "load_after and upcasters".
	 */
	(void)store;
	(void)after_id;
	(void)fn;
	(void)ctx;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 2: es_store_load_after is not implemented yet");
}

const char *es_store_path(const struct es_store *store)
{
	/*
	 * TODO: return the copy of the path that es_store_open() keeps in
	 * store->path.
	 * See docs/02-event-store.md, "The handle".
	 */
	(void)store;
	return NULL;
}

int es_store_db_error(struct es_store *store, struct es_error *err)
{
	/*
	 * TODO: es_sql_error() on store->db: it copies SQLite's message.
	 * See docs/02-event-store.md, "Helpers the store's files share".
	 */
	(void)store;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_db_error is not implemented yet");
}

int es_store_prepare_once(sqlite3_stmt **stmt, struct es_store *store,
			  const char *sql, struct es_error *err)
{
	/*
	 * TODO: when *stmt is NULL, sqlite3_prepare_v2() sql into it; on
	 * failure es_store_db_error().
	 * See docs/02-event-store.md, "Helpers the store's files share".
	 */
	(void)stmt;
	(void)store;
	(void)sql;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 2: es_store_prepare_once is not implemented yet");
}

int es_store_write_begin(struct es_store *store, bool *own,
			 struct es_error *err)
{
	/*
	 * TODO: *own is whether no transaction is open yet
	 * (sqlite3_get_autocommit); when so, es_store_begin().
	 * See docs/02-event-store.md, "Transactions, yours or the caller's".
	 */
	(void)store;
	*own = false;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 2: es_store_write_begin is not implemented yet");
}

int es_store_write_end(struct es_store *store, bool own, int rc,
		       struct es_error *err)
{
	/*
	 * TODO: when own, es_store_commit() if rc is ES_OK, and
	 * es_store_rollback() if rc (or the commit) failed. Return the
	 * result.
	 * See docs/02-event-store.md, "Transactions, yours or the caller's".
	 */
	(void)store;
	(void)own;
	(void)rc;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 2: es_store_write_end is not implemented yet");
}

int es_store_read_row(struct es_event *out, struct es_store *store,
		      sqlite3_stmt *row, struct es_error *err)
{
	/*
	 * TODO: read the row's columns (id, product_id, event_type, data,
	 * occurred_at): parse the type (es_event_type_parse), pass data
	 * through the store's upcaster when it has one, decode it with
	 * es_event_from_json, set the id, and check that the product_id and
	 * occurred_at columns match data. A row that does not decode is
	 * ES_ECORRUPT with its id first, "event 12: ..."; running out of
	 * memory stays ES_ENOMEM. The given es_store_next() calls this for
	 * every row a load reads.
	 * See docs/02-event-store.md, "Load: rows into a growable list".
	 */
	(void)store;
	(void)row;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_read_row is not implemented yet");
}

int es_store_collect(struct es_event_list *out, struct es_store *store,
		     sqlite3_stmt *stmt, struct es_error *err)
{
	/*
	 * TODO: step stmt to its end with the given es_store_next(), which
	 * decodes each row with your es_store_read_row(), and
	 * es_event_list_push() each event. A row that does not decode is
	 * ES_ECORRUPT, "event 12: ...". Reset stmt; on failure dispose the
	 * list. *out is the list, empty on failure. es_store_load() is this
	 * on its bound SELECT.
	 * See docs/02-event-store.md, "Load: rows into a growable list".
	 */
	(void)store;
	(void)stmt;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 2: es_store_collect is not implemented yet");
}

void es_store_set_upcaster(struct es_store *store, es_upcast_fn fn, void *ctx)
{
	/*
	 * TODO: keep fn and ctx in struct es_store (NULL fn: no upcaster),
	 * for every load to call.
	 * See docs/02-event-store.md, "load_after and upcasters".
	 */
	(void)store;
	(void)fn;
	(void)ctx;
}
