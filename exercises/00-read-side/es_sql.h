/*
 * es_sql.h - a handle's cached SQLite statements: prepare them all, run
 * one, end a transaction, finalize them all; and opening a file
 * read-only wherever it lies (es_sql_open_readonly, at the end).
 *
 * A module that runs the same SQL again and again (once per event, once
 * per query) prepares it once, when its handle opens, and keeps the
 * statements in an array indexed by an enum, beside a table of their SQL
 * in the same order:
 *
 *     enum stmt_id { ST_INSERT, ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
 *                    ST_COUNT };
 *     static const char *const stmt_sql[ST_COUNT] = {
 *             [ST_INSERT] = "INSERT INTO t VALUES (?)",
 *             [ST_BEGIN] = "BEGIN IMMEDIATE",
 *             [ST_COMMIT] = "COMMIT",
 *             [ST_ROLLBACK] = "ROLLBACK",
 *     };
 *     struct es_thing { sqlite3_stmt *stmt[ST_COUNT]; };
 *
 *     rc = es_sql_prepare_all(thing->stmt, db, stmt_sql, ST_COUNT, err);
 *     ...
 *     sqlite3_bind_int64(thing->stmt[ST_INSERT], 1, 42);
 *     rc = es_sql_run(thing->stmt[ST_INSERT], err);
 *     ...
 *     es_sql_finalize_all(thing->stmt, ST_COUNT);
 *
 * BEGIN IMMEDIATE, COMMIT and ROLLBACK are statements like the others:
 * cached, they cost nothing to compile again per transaction.
 *
 * Every function here copies SQLite's message into `err` at once, before
 * another call on the connection replaces it. The message is SQLite's own,
 * unchanged: "no such table: <table>", "UNIQUE constraint failed:
 * <table>.<column>", "cannot rollback - no transaction is active".
 */
#ifndef ES_SQL_H
#define ES_SQL_H

#include <sqlite3.h>
#include <stddef.h>

#include "es_error.h"

/*
 * Record the latest error of `db` in `err` (which may be NULL): SQLite's
 * message, unchanged. Returns ES_ENOMEM when SQLite ran out of memory,
 * ES_EBUSY when another connection held the database locked past the
 * busy timeout ("database is locked": the same call may work later),
 * ES_EDB otherwise.
 */
int es_sql_error(sqlite3 *db, struct es_error *err);

/*
 * Switch the file of `db` to WAL (PRAGMA journal_mode=WAL; the mode stays
 * with the file). When several connections open a new file at the same
 * moment, SQLite fails all but one of them at once with "database is
 * locked", without waiting for the busy timeout (waiting could
 * deadlock). So this tries again every few milliseconds, for up to
 * `busy_ms` in all. Returns ES_OK, or the code of es_sql_error() with
 * SQLite's message (ES_EBUSY when `busy_ms` went by).
 */
int es_sql_use_wal(sqlite3 *db, int busy_ms, struct es_error *err);

/*
 * Prepare `sql[0..count-1]` on `db` into `out[0..count-1]`, in order. On
 * failure the error of the statement that failed is in `err` (SQLite's
 * message, such as "no such table: product_detail_view"), the statements
 * prepared before it are finalized, and every `out[i]` is NULL. Returns
 * ES_OK, ES_EDB or ES_ENOMEM. `sql` is read only during the call. On
 * success the statements are the caller's, to finalize with
 * es_sql_finalize_all() before `db` (borrowed) closes.
 */
int es_sql_prepare_all(sqlite3_stmt *out[], sqlite3 *db,
		       const char *const sql[], size_t count,
		       struct es_error *err);

/*
 * Finalize `stmts[0..count-1]` and set each to NULL. NULL entries (left
 * by a failed or partial prepare) are ignored. This function can't fail.
 */
void es_sql_finalize_all(sqlite3_stmt *stmts[], size_t count);

/*
 * Step `stmt`, a bound statement that returns no rows (INSERT, UPDATE,
 * DELETE, BEGIN, COMMIT, ...), to its end, then reset it so it is ready
 * for its next use, whether the step worked or not. The bindings are
 * not cleared: a parameter not bound again keeps its value. Returns
 * ES_OK, or ES_EDB or ES_ENOMEM with SQLite's message (a statement that
 * returns a row fails too).
 */
int es_sql_run(sqlite3_stmt *stmt, struct es_error *err);

/*
 * Run `rollback` (a prepared ROLLBACK) when a transaction is open on its
 * connection; do nothing otherwise (some errors make SQLite roll back by
 * itself, and a ROLLBACK then would fail). Nothing is reported: this runs
 * after a failure, whose error is the one to keep.
 */
void es_sql_rollback(sqlite3_stmt *rollback);

/*
 * End the transaction whose work returned `rc`: when `rc` is ES_OK, run
 * `commit`; when `rc` or the commit failed, es_sql_rollback(`rollback`).
 * Returns `rc` unchanged when it is an error (`err` still holds its
 * message), else the commit's result.
 *
 *     rc = es_sql_run(thing->stmt[ST_BEGIN], err);
 *     if (rc != ES_OK)
 *             return rc;
 *     rc = do_the_work(thing, err);
 *     return es_sql_commit_or_rollback(rc, thing->stmt[ST_COMMIT],
 *                                      thing->stmt[ST_ROLLBACK], err);
 */
int es_sql_commit_or_rollback(int rc, sqlite3_stmt *commit,
			      sqlite3_stmt *rollback, struct es_error *err);

/*
 * Open the SQLite file at `path` read-only and read its header, so that a
 * missing file or one that is not a database fails here, with SQLite's
 * message after the path ("PATH: unable to open database file"). On
 * success `*out` is a connection that never writes; close it with
 * sqlite3_close().
 *
 * A database in WAL mode (the event log and the read DB are) needs its
 * -shm file even to be read, and SQLite creates it beside the database
 * when it is missing. On a read-only medium, or in a directory this user
 * may not write, it cannot ("unable to open database file", "attempt to
 * write a readonly database"). Then the file is opened again with the URI
 * parameter immutable=1, which reads the database file alone, without
 * -shm and without locks, when that is safe:
 *
 *   - no commit waits in PATH-wal (it is missing or empty): the database
 *     file holds every commit. Else ES_EDB, "PATH: cannot be read here: its
 *     -wal file holds commits, which need a -shm file, and none can be
 *     created in its directory";
 *   - nobody can start writing while it is read: the file system is
 *     mounted read-only, or the directory has no write permission for
 *     anyone (root aside), so no writer can create the journal it needs.
 *     Else ES_EDB, "PATH: cannot be read here: no -shm file can be
 *     created in its directory, and others may write there (read a
 *     copy)": an immutable reader would not see their commits, and could
 *     read half of one.
 *
 * Returns ES_OK, ES_ENOMEM or ES_EDB.
 */
int es_sql_open_readonly(sqlite3 **out, const char *path, struct es_error *err);

#endif /* ES_SQL_H */
