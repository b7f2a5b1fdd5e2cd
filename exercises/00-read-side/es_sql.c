/*
 * es_sql.c - a handle's cached SQLite statements (see es_sql.h).
 */
#include "es_sql.h"

#include <assert.h>

int es_sql_error(sqlite3 *db, struct es_error *err)
{
	int code = ES_EDB;

	/* The primary code: SQLITE_BUSY_SNAPSHOT is busy too. */
	if ((sqlite3_errcode(db) & 0xff) == SQLITE_BUSY)
		code = ES_EBUSY;
	else if (sqlite3_errcode(db) == SQLITE_NOMEM)
		code = ES_ENOMEM;
	return es_error_set(err, code, "%s", sqlite3_errmsg(db));
}

/* How long es_sql_use_wal() sleeps between two tries. */
#define WAL_RETRY_MS 5

int es_sql_use_wal(sqlite3 *db, int busy_ms, struct es_error *err)
{
	int waited = 0;

	assert(db != NULL);
	while (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) !=
	       SQLITE_OK) {
		if ((sqlite3_errcode(db) & 0xff) != SQLITE_BUSY ||
		    waited >= busy_ms)
			return es_sql_error(db, err);
		waited += sqlite3_sleep(WAL_RETRY_MS);
	}
	return ES_OK;
}

int es_sql_prepare_all(sqlite3_stmt *out[], sqlite3 *db,
		       const char *const sql[], size_t count,
		       struct es_error *err)
{
	size_t i;

	assert(out != NULL && db != NULL && sql != NULL);
	for (i = 0; i < count; i++)
		out[i] = NULL;
	for (i = 0; i < count; i++) {
		if (sqlite3_prepare_v2(db, sql[i], -1, &out[i], NULL) !=
		    SQLITE_OK) {
			/* The message first: finalizing may replace it. */
			int rc = es_sql_error(db, err);

			es_sql_finalize_all(out, i);
			return rc;
		}
	}
	return ES_OK;
}

void es_sql_finalize_all(sqlite3_stmt *stmts[], size_t count)
{
	size_t i;

	assert(stmts != NULL);
	for (i = 0; i < count; i++) {
		/* sqlite3_finalize() accepts NULL. */
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
}

int es_sql_run(sqlite3_stmt *stmt, struct es_error *err)
{
	int rc = ES_OK;

	assert(stmt != NULL);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = es_sql_error(sqlite3_db_handle(stmt), err);
	sqlite3_reset(stmt);
	return rc;
}

void es_sql_rollback(sqlite3_stmt *rollback)
{
	assert(rollback != NULL);
	if (sqlite3_get_autocommit(sqlite3_db_handle(rollback)))
		return; /* no transaction is open */
	es_sql_run(rollback, NULL);
}

int es_sql_commit_or_rollback(int rc, sqlite3_stmt *commit,
			      sqlite3_stmt *rollback, struct es_error *err)
{
	assert(commit != NULL && rollback != NULL);
	if (rc == ES_OK)
		rc = es_sql_run(commit, err);
	if (rc != ES_OK)
		es_sql_rollback(rollback);
	return rc;
}
