/*
 * read_db.c - opening the read database and creating its view tables (see
 * read_db.h).
 */
#include "read_db.h"

#include <assert.h>
#include <stddef.h>

#include "es_sql.h"

/* How long a connection waits for another one's write to finish. */
#define READ_DB_BUSY_TIMEOUT_MS 5000

/*
 * The seed's Stage 3 tables, column for column: the projector inserts with
 * positional VALUES (...), so the order matters as much as the names.
 */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS product_detail_view ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" description TEXT,"
	" price REAL NOT NULL,"
	" stock INTEGER NOT NULL,"
	" view_count INTEGER NOT NULL DEFAULT 0,"
	" supplier_name TEXT NOT NULL,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS product_list_view ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" price REAL NOT NULL,"
	" stock INTEGER NOT NULL,"
	" supplier_name TEXT NOT NULL);";

/*
 * WAL (es_sql_use_wal) lets queries keep reading the old views while a
 * rebuild writes the new ones. synchronous=NORMAL, not the log's FULL:
 * the read DB is derived data. In WAL mode NORMAL still keeps the file
 * consistent, and a power cut may only lose its last commits; the views'
 * checkpoint (step 10) commits with the views, so it goes back with them,
 * and the next catch-up projects those events again from the log, which
 * is FULL. So a command costs one flush to disk, the log's, instead of
 * two. Durable is the log's job.
 */
static const char write_setup_sql[] = "PRAGMA synchronous=NORMAL;";

/*
 * Report a failed open with the path for context, and close the handle:
 * sqlite3_open_v2() hands one back even when it fails.
 */
static int fail_open(sqlite3 *db, const char *path, const char *msg,
		     struct es_error *err)
{
	es_error_set(err, ES_EDB, "%s: %s", path, msg);
	sqlite3_close(db);
	return ES_EDB;
}

int es_read_db_open(sqlite3 **out, const char *path, enum es_read_db_mode mode,
		    struct es_error *err)
{
	sqlite3 *db = NULL;
	int rc;

	assert(out != NULL && path != NULL);
	/*
	 * Query mode creates nothing. es_sql_open_readonly() reads the
	 * header, to find out now, not at the first query, that the file is
	 * not a database, and reads a file nobody may write too.
	 */
	if (mode == ES_READ_DB_QUERY)
		return es_sql_open_readonly(out, path, err);
	rc = sqlite3_open_v2(path, &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(db, READ_DB_BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK && mode == ES_READ_DB_WRITE &&
	    es_sql_use_wal(db, READ_DB_BUSY_TIMEOUT_MS, NULL) != ES_OK)
		rc = sqlite3_errcode(db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, write_setup_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail_open(db, path, sqlite3_errmsg(db), err);
	/*
	 * SQLite quietly opens a write-protected file read-only, and the
	 * statements above write nothing when the tables exist: ask, rather
	 * than let the projector fail at its first event.
	 */
	if (sqlite3_db_readonly(db, "main") != 0)
		return fail_open(db, path,
				 "attempt to write a readonly database", err);
	*out = db;
	return ES_OK;
}

void es_read_db_close(sqlite3 *db)
{
	/*
	 * sqlite3_close() accepts NULL. It fails only while statements are
	 * still prepared on the handle: close the query handler and the
	 * projector first.
	 */
	sqlite3_close(db);
}
