/*
 * es_sql.c - a handle's cached SQLite statements (see es_sql.h).
 */
#include "es_sql.h"

#include <assert.h>

int es_sql_error(sqlite3 *db, struct es_error *err)
{
	int code = sqlite3_errcode(db) == SQLITE_NOMEM ? ES_ENOMEM : ES_EDB;

	return es_error_set(err, code, "%s", sqlite3_errmsg(db));
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
