/*
 * event_store.c - the append-only event log, on SQLite (see event_store.h).
 */
#include "event_store_private.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "es_sql.h"

/*
 * WAL (es_sql_use_wal) lets readers go on reading while a writer appends;
 * synchronous=FULL makes WAL sync the log at every commit, so a committed
 * event survives a power cut (NORMAL, the WAL default, may lose the last
 * commits).
 */
static const char write_setup_sql[] = "PRAGMA synchronous=FULL;";

/* Record SQLite's latest message: copy it before anything else runs. */
int es_store_db_error(struct es_store *store, struct es_error *err)
{
	return es_sql_error(store->db, err);
}

int es_store_prepare_once(sqlite3_stmt **stmt, struct es_store *store,
			  const char *sql, struct es_error *err)
{
	if (*stmt != NULL)
		return ES_OK;
	if (sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return es_store_db_error(store, err);
	return ES_OK;
}

/* Report a failed open with the path for context. */
static int open_error(const char *path, const char *msg, struct es_error *err)
{
	return es_error_set(err, ES_EDB, "%s: %s", path, msg);
}

/* Journal, durability and schema: what only a writer sets up. */
static int setup_for_writing(sqlite3 *db, const char *path,
			     struct es_error *err)
{
	int rc;

	/*
	 * SQLite quietly opens a write-protected file read-only: ask, rather
	 * than fail at the first append.
	 */
	if (sqlite3_db_readonly(db, "main") != 0)
		return open_error(path, sqlite3_errstr(SQLITE_READONLY), err);
	/*
	 * One transaction: two writers opening a new file create it once.
	 * Another writer's lock outlasting the busy timeout is ES_EBUSY.
	 */
	if (es_sql_use_wal(db, ES_STORE_BUSY_TIMEOUT_MS, NULL) != ES_OK ||
	    sqlite3_exec(db, write_setup_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return es_error_prefix(err, es_sql_error(db, err), path);
	rc = es_store_create_schema(db, err);
	if (rc == ES_OK &&
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = es_sql_error(db, err);
	if (rc != ES_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return es_error_prefix(err, rc, path);
	}
	return ES_OK;
}

/* The SQL of each statement of enum es_store_stmt. */
static const char *const stmt_sql[ES_STORE_STMT_COUNT] = {
	[ES_STORE_INSERT_EVENT] = "INSERT INTO events (product_id, event_type,"
				  " data, occurred_at) VALUES (?, ?, ?, ?)",
	[ES_STORE_INSERT_PRODUCT] =
		"INSERT INTO product_registry DEFAULT VALUES",
	/* Both selects return the columns es_store_collect() reads. */
	[ES_STORE_SELECT_PRODUCT] = "SELECT id, product_id, event_type, data,"
				    " occurred_at FROM events"
				    " WHERE product_id = ? ORDER BY id",
	[ES_STORE_SELECT_AFTER] = "SELECT id, product_id, event_type, data,"
				  " occurred_at FROM events"
				  " WHERE id > ? ORDER BY id",
	[ES_STORE_BEGIN] = "BEGIN IMMEDIATE",
	[ES_STORE_COMMIT] = "COMMIT",
	[ES_STORE_ROLLBACK] = "ROLLBACK",
};

/*
 * Prepare every cached statement. In read-only mode this is also the first
 * time SQLite reads the file, so a missing table or a file that is not a
 * database is reported here, at open, with the path.
 */
static int prepare_all(struct es_store *store, const char *path,
		       struct es_error *err)
{
	int rc = es_sql_prepare_all(store->stmt, store->db, stmt_sql,
				    ES_STORE_STMT_COUNT, err);

	if (rc == ES_EDB)
		rc = es_error_prefix(err, rc, path);
	return rc;
}

int es_store_open(struct es_store **out, const char *path,
		  enum es_store_mode mode, struct es_error *err)
{
	struct es_store *store;
	int rc = ES_OK;

	assert(out != NULL && path != NULL);
	store = calloc(1, sizeof(*store));
	if (store != NULL)
		store->path = strdup(path);
	if (store == NULL || store->path == NULL) {
		free(store);
		return es_error_set(err, ES_ENOMEM, "%s: out of memory", path);
	}
	store->writable = mode == ES_STORE_WRITE;
	/* A reader may find the file on a medium nobody may write. */
	if (mode == ES_STORE_READONLY)
		rc = es_sql_open_readonly(&store->db, path, err);
	/* sqlite3_open_v2() hands back a handle even when it fails. */
	else if (sqlite3_open_v2(path, &store->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				 NULL) != SQLITE_OK)
		rc = open_error(path, sqlite3_errmsg(store->db), err);
	if (rc == ES_OK)
		sqlite3_busy_timeout(store->db, ES_STORE_BUSY_TIMEOUT_MS);
	if (rc == ES_OK && mode == ES_STORE_WRITE)
		rc = setup_for_writing(store->db, path, err);
	if (rc == ES_OK)
		rc = prepare_all(store, path, err);
	if (rc != ES_OK) {
		es_store_close(store);
		return rc;
	}
	*out = store;
	return ES_OK;
}

void es_store_close(struct es_store *store)
{
	if (store == NULL)
		return;
	/* sqlite3_finalize() accepts NULL: open may have failed half way. */
	es_sql_finalize_all(store->stmt, ES_STORE_STMT_COUNT);
	sqlite3_finalize(store->select_range);
	sqlite3_finalize(store->select_until);
	sqlite3_finalize(store->select_version);
	sqlite3_finalize(store->select_metadata);
	/* Closing rolls back a transaction still open. */
	sqlite3_close(store->db);
	free(store->path);
	free(store);
}

const char *es_store_path(const struct es_store *store)
{
	assert(store != NULL);
	return store->path;
}

void es_store_set_upcaster(struct es_store *store, es_upcast_fn fn, void *ctx)
{
	assert(store != NULL);
	store->upcast = fn;
	store->upcast_ctx = ctx;
}

int es_store_begin(struct es_store *store, struct es_error *err)
{
	assert(store != NULL);
	return es_sql_run(store->stmt[ES_STORE_BEGIN], err);
}

int es_store_commit(struct es_store *store, struct es_error *err)
{
	assert(store != NULL);
	return es_sql_run(store->stmt[ES_STORE_COMMIT], err);
}

void es_store_rollback(struct es_store *store)
{
	assert(store != NULL);
	es_sql_rollback(store->stmt[ES_STORE_ROLLBACK]);
}

int es_store_write_begin(struct es_store *store, bool *own,
			 struct es_error *err)
{
	*own = sqlite3_get_autocommit(store->db) != 0;
	if (!*own)
		return ES_OK;
	return es_store_begin(store, err);
}

int es_store_write_end(struct es_store *store, bool own, int rc,
		       struct es_error *err)
{
	if (!own)
		return rc;
	if (rc == ES_OK)
		rc = es_store_commit(store, err);
	if (rc != ES_OK)
		es_store_rollback(store);
	return rc;
}

int es_store_new_product_id(struct es_store *store, int64_t *out,
			    struct es_error *err)
{
	int64_t id = 0;
	bool own;
	int rc;

	assert(store != NULL && out != NULL);
	rc = es_store_write_begin(store, &own, err);
	if (rc != ES_OK)
		return rc;
	rc = es_sql_run(store->stmt[ES_STORE_INSERT_PRODUCT], err);
	if (rc == ES_OK)
		id = sqlite3_last_insert_rowid(store->db);
	rc = es_store_write_end(store, own, rc, err);
	if (rc == ES_OK)
		*out = id;
	return rc;
}

/* Insert one row into events and set `*id` to its id. */
static int insert_event(struct es_store *store, const struct es_event *ev,
			const char *json, int64_t *id, struct es_error *err)
{
	sqlite3_stmt *stmt = store->stmt[ES_STORE_INSERT_EVENT];
	int rc;

	/* SQLITE_TRANSIENT: SQLite copies, so nothing dangles after reset. */
	if (sqlite3_bind_int64(stmt, 1, ev->product_id) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, es_event_type_name(ev->type), -1,
			      SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 3, json, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK ||
	    sqlite3_bind_text(stmt, 4, ev->occurred_at, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK)
		return es_store_db_error(store, err);
	rc = es_sql_run(stmt, err);
	if (rc == ES_OK)
		*id = sqlite3_last_insert_rowid(store->db);
	return rc;
}

int es_store_append(struct es_store *store, struct es_event *ev,
		    struct es_error *err)
{
	char *json = NULL;
	int64_t id = 0;
	bool own;
	int rc;

	assert(store != NULL && ev != NULL);
	rc = es_event_to_json(&json, ev, err);
	if (rc != ES_OK)
		return rc;
	rc = es_store_write_begin(store, &own, err);
	if (rc == ES_OK) {
		rc = insert_event(store, ev, json, &id, err);
		rc = es_store_write_end(store, own, rc, err);
	}
	if (rc == ES_OK)
		ev->id = id;
	free(json);
	return rc;
}

/*
 * The columns agree with the data, as append wrote them. A row that says
 * otherwise was written by something else, and is not to be trusted.
 */
static int check_columns(const struct es_event *ev, int64_t product_id,
			 const char *occurred_at, struct es_error *err)
{
	if (ev->product_id != product_id)
		return es_error_set(err, ES_ECORRUPT,
				    "event %" PRId64
				    ": product_id column %" PRId64
				    " does not match data %" PRId64,
				    ev->id, product_id, ev->product_id);
	if (strcmp(ev->occurred_at, occurred_at) != 0)
		return es_error_set(err, ES_ECORRUPT,
				    "event %" PRId64 ": occurred_at column "
				    "'%s' does not match data '%s'",
				    ev->id, occurred_at, ev->occurred_at);
	return ES_OK;
}

/*
 * Parse the type and the data, which goes through the store's upcaster
 * first. A failure is a corrupt row, named: "event 12: unknown event type
 * 'Foo'"; running out of memory is not corruption, and keeps its code.
 */
static int decode(struct es_event *ev, struct es_store *store, int64_t id,
		  const char *type_name, const char *data, struct es_error *err)
{
	struct es_error why = {0, ""}; /* an upcaster may forget to set it */
	enum es_event_type type;
	char *upcast = NULL;
	int rc;

	rc = es_event_type_parse(&type, type_name, &why);
	if (rc == ES_OK && store->upcast != NULL)
		rc = store->upcast(store->upcast_ctx, type, data, &upcast,
				   &why);
	if (rc == ES_OK)
		rc = es_event_from_json(ev, type,
					upcast != NULL ? upcast : data, &why);
	free(upcast);
	if (rc == ES_OK)
		return ES_OK;
	if (rc != ES_ENOMEM)
		rc = ES_ECORRUPT;
	es_error_set(err, rc, "event %" PRId64 ": %s", id, why.msg);
	return rc;
}

/*
 * The column texts are SQLite's until the next step; the event copies
 * what it keeps.
 */
int es_store_read_row(struct es_event *out, struct es_store *store,
		      sqlite3_stmt *row, struct es_error *err)
{
	const char *type_name, *data, *occurred_at;
	int64_t id;
	int rc;

	assert(out != NULL && store != NULL && row != NULL);
	id = sqlite3_column_int64(row, 0);
	type_name = (const char *)sqlite3_column_text(row, 2);
	data = (const char *)sqlite3_column_text(row, 3);
	occurred_at = (const char *)sqlite3_column_text(row, 4);
	/* The columns are NOT NULL: NULL means SQLite ran out of memory. */
	if (type_name == NULL || data == NULL || occurred_at == NULL)
		return es_error_set(err, ES_ENOMEM, "%s",
				    sqlite3_errmsg(store->db));
	rc = decode(out, store, id, type_name, data, err);
	if (rc != ES_OK)
		return rc;
	out->id = id;
	rc = check_columns(out, sqlite3_column_int64(row, 1), occurred_at, err);
	if (rc != ES_OK)
		es_event_dispose(out);
	return rc;
}

int es_store_collect(struct es_event_list *out, struct es_store *store,
		     sqlite3_stmt *stmt, struct es_error *err)
{
	struct es_event_list list = {0};
	struct es_event ev;
	bool done;
	int rc;

	for (;;) {
		rc = es_store_next(&ev, &done, store, stmt, err);
		if (rc != ES_OK || done)
			break;
		rc = es_event_list_push(&list, &ev, err);
		if (rc != ES_OK)
			break;
	}
	sqlite3_reset(stmt);
	if (rc != ES_OK)
		es_event_list_dispose(&list); /* leaves it empty */
	*out = list;
	return rc;
}

int es_store_load(struct es_event_list *out, struct es_store *store,
		  int64_t product_id, struct es_error *err)
{
	struct es_event_list empty = {0};

	assert(out != NULL && store != NULL);
	if (sqlite3_bind_int64(store->stmt[ES_STORE_SELECT_PRODUCT], 1,
			       product_id) != SQLITE_OK) {
		*out = empty;
		return es_store_db_error(store, err);
	}
	return es_store_collect(out, store,
				store->stmt[ES_STORE_SELECT_PRODUCT], err);
}

int es_store_load_all(struct es_store *store, es_event_fn fn, void *ctx,
		      struct es_error *err)
{
	return es_store_load_after(store, 0, fn, ctx, err);
}

int es_store_load_after(struct es_store *store, int64_t after_id,
			es_event_fn fn, void *ctx, struct es_error *err)
{
	sqlite3_stmt *stmt;
	struct es_event ev;
	bool done;
	int rc;

	assert(store != NULL && fn != NULL);
	/*
	 * One statement, stepped to the end: its read transaction is the
	 * snapshot, and only the current row's event is in memory.
	 */
	stmt = store->stmt[ES_STORE_SELECT_AFTER];
	if (sqlite3_bind_int64(stmt, 1, after_id) != SQLITE_OK)
		return es_store_db_error(store, err);
	for (;;) {
		rc = es_store_next(&ev, &done, store, stmt, err);
		if (rc != ES_OK || done)
			break;
		rc = fn(ctx, &ev, err);
		es_event_dispose(&ev);
		if (rc != ES_OK)
			break;
	}
	sqlite3_reset(stmt); /* ends the read transaction */
	return rc;
}
