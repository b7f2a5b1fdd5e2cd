/*
 * event_store_version.c - the event store's part for optimistic
 * concurrency: a stream's version, and the append that expects one (see
 * event_store.h).
 *
 * The version is kept, not counted: an AFTER INSERT trigger on events adds
 * one to the product's row of stream_versions for every event a decision
 * reads. A trigger, because the seed's Python appends too, and it knows
 * nothing of versions; SQLite runs the trigger for every writer. A
 * ProductViewed is left out, so that a page view never makes a stock or
 * price decision conflict (docs/13-optimistic.md, "Streams that match
 * decisions").
 */
#include "event_store_private.h"

#include <assert.h>
#include <inttypes.h>

/*
 * Created once, with the rows of the events already logged, in the same
 * transaction: a second writer doing the same waits, then finds the table.
 * The event types named here are those es_event_versioned() is false for.
 */
static const char versions_sql[] =
	"CREATE TABLE stream_versions (\n"
	"    product_id INTEGER PRIMARY KEY,\n"
	"    version    INTEGER NOT NULL\n"
	");\n"
	"INSERT INTO stream_versions (product_id, version)\n"
	" SELECT product_id, COUNT(*) FROM events\n"
	" WHERE event_type <> 'ProductViewed' GROUP BY product_id;\n"
	"CREATE TRIGGER events_stream_version\n"
	"AFTER INSERT ON events WHEN NEW.event_type <> 'ProductViewed'\n"
	"BEGIN\n"
	"    INSERT OR IGNORE INTO stream_versions (product_id, version)\n"
	"        VALUES (NEW.product_id, 0);\n"
	"    UPDATE stream_versions SET version = version + 1\n"
	"        WHERE product_id = NEW.product_id;\n"
	"END;\n";

static const char exists_sql[] =
	"SELECT 1 FROM sqlite_master WHERE type = 'table'"
	" AND name = 'stream_versions'";

/* Without the table (a read-only store on an older log): count. */
static const char count_sql[] =
	"SELECT COUNT(*) FROM events"
	" WHERE product_id = ? AND event_type <> 'ProductViewed'";

static const char version_sql[] =
	"SELECT version FROM stream_versions WHERE product_id = ?";

/* Set `*out` to whether stream_versions exists in the file. */
static int versions_exist(bool *out, struct es_store *store,
			  struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int step;

	if (sqlite3_prepare_v2(store->db, exists_sql, -1, &stmt, NULL) !=
	    SQLITE_OK)
		return es_store_db_error(store, err);
	step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return es_store_db_error(store, err);
	*out = step == SQLITE_ROW;
	return ES_OK;
}

/*
 * Prepare the statement that reads a version, creating the table first
 * when the store may write and the file has none.
 */
static int prepare_version(struct es_store *store, struct es_error *err)
{
	bool exist = false;
	bool own;
	int rc;

	if (store->select_version != NULL)
		return ES_OK;
	if (!store->writable) {
		rc = versions_exist(&exist, store, err);
		if (rc != ES_OK)
			return rc;
		return es_store_prepare_once(&store->select_version, store,
					     exist ? version_sql : count_sql,
					     err);
	}
	rc = es_store_write_begin(store, &own, err);
	if (rc == ES_OK)
		rc = versions_exist(&exist, store, err);
	if (rc == ES_OK && !exist &&
	    sqlite3_exec(store->db, versions_sql, NULL, NULL, NULL) !=
		    SQLITE_OK)
		rc = es_store_db_error(store, err);
	rc = es_store_write_end(store, own, rc, err);
	if (rc != ES_OK)
		return rc;
	return es_store_prepare_once(&store->select_version, store, version_sql,
				     err);
}

int es_store_version(int64_t *out, struct es_store *store, int64_t product_id,
		     struct es_error *err)
{
	sqlite3_stmt *stmt;
	int step;
	int rc;

	assert(out != NULL && store != NULL);
	rc = prepare_version(store, err);
	if (rc != ES_OK)
		return rc;
	stmt = store->select_version;
	if (sqlite3_bind_int64(stmt, 1, product_id) != SQLITE_OK)
		return es_store_db_error(store, err);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	else if (step == SQLITE_DONE)
		*out = 0; /* no decision event yet */
	else
		rc = es_store_db_error(store, err);
	sqlite3_reset(stmt);
	return rc;
}

int es_store_append_expected(struct es_store *store, struct es_event *ev,
			     int64_t expected_version, struct es_error *err)
{
	int64_t found = 0;
	bool own;
	int rc;

	assert(store != NULL && ev != NULL);
	/* Create the table (if need be) before the short transaction. */
	rc = prepare_version(store, err);
	if (rc == ES_OK)
		rc = es_store_write_begin(store, &own, err);
	if (rc != ES_OK)
		return rc;
	rc = es_store_version(&found, store, ev->product_id, err);
	if (rc == ES_OK && found != expected_version)
		rc = es_error_set(err, ES_ECONFLICT,
				  "Product %" PRId64 " changed while you "
				  "worked: expected version %" PRId64
				  ", found %" PRId64,
				  ev->product_id, expected_version, found);
	if (rc == ES_OK)
		rc = es_store_append(store, ev, err);
	return es_store_write_end(store, own, rc, err);
}
