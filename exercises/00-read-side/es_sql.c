/*
 * es_sql.c - a handle's cached SQLite statements, and opening a file
 * read-only (see es_sql.h).
 */
#include "es_sql.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

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

/* ---- opening read-only --------------------------------------------------- */

/* How long a reader waits for a writer's lock (a log in rollback mode). */
#define READONLY_BUSY_TIMEOUT_MS 5000

/*
 * Read the header of the file `db` has open: SQLite opens files lazily,
 * and this is when it finds out that a file is not a database, or that
 * the -shm file of a database in WAL mode cannot be created.
 */
static int read_header(sqlite3 *db)
{
	int rc = sqlite3_busy_timeout(db, READONLY_BUSY_TIMEOUT_MS);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL,
				  NULL);
	return rc;
}

/* SQLite could open the file, but not the -shm file beside it. */
static bool shm_refused(sqlite3 *db)
{
	int code = sqlite3_extended_errcode(db);

	return code == SQLITE_READONLY_DIRECTORY ||
	       code == SQLITE_READONLY_CANTINIT ||
	       (code & 0xff) == SQLITE_CANTOPEN;
}

/* The directory `path` is in, as a new string ("." for a bare name). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;
	char *dir;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	len = (size_t)(slash - path);
	dir = malloc(len + 1);
	if (dir == NULL)
		return NULL;
	memcpy(dir, path, len);
	dir[len] = '\0';
	return dir;
}

/*
 * Nobody can start writing in `dir`: it is on a read-only mount, or it
 * has no write permission bit at all, so no writer can create the
 * journal or -wal file that every SQLite write needs.
 */
static bool nobody_writes(const char *dir)
{
	struct statvfs fs;
	struct stat st;

	if (statvfs(dir, &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0)
		return true;
	return stat(dir, &st) == 0 &&
	       (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
}

/* Whether PATH-wal holds anything: commits not yet in the file. */
static bool wal_holds_commits(const char *path)
{
	size_t len = strlen(path);
	char *wal = malloc(len + sizeof("-wal"));
	struct stat st;
	bool holds;

	if (wal == NULL)
		return true; /* the safe answer */
	memcpy(wal, path, len);
	memcpy(wal + len, "-wal", sizeof("-wal"));
	holds = stat(wal, &st) == 0 && st.st_size > 0;
	free(wal);
	return holds;
}

/*
 * `path` as an SQLite URI with immutable=1: "file:" and the path with
 * every byte but letters, digits and "/._~-" written as %HH, so that
 * '?', '#' and '%' stay part of the name. An absolute path gets an empty
 * authority ("file:///..."), so that "//x" is not read as a host.
 */
static char *immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char tail[] = "?immutable=1";
	const char *head = path[0] == '/' ? "file://" : "file:";
	char *uri = malloc(strlen(head) + 3 * strlen(path) + sizeof(tail));
	char *p = uri;

	if (uri == NULL)
		return NULL;
	memcpy(p, head, strlen(head));
	p += strlen(head);
	for (const unsigned char *c = (const unsigned char *)path; *c != '\0';
	     c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/._~-", *c) != NULL) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	memcpy(p, tail, sizeof(tail));
	return uri;
}

/*
 * The normal open failed for want of a -shm file: open the file
 * immutable if that is safe, or say why it is not. `*out` is set to the
 * handle SQLite hands back, to close on failure.
 */
static int open_immutable(sqlite3 **out, const char *path, struct es_error *err)
{
	char *dir = dir_of(path);
	char *uri = immutable_uri(path);
	int rc = ES_OK;

	if (dir == NULL || uri == NULL)
		rc = es_error_set(err, ES_ENOMEM, "%s: out of memory", path);
	else if (wal_holds_commits(path))
		rc = es_error_set(err, ES_EDB,
				  "%s: cannot be read here: its -wal file "
				  "holds commits, which need a -shm file, and "
				  "none can be created in its directory",
				  path);
	else if (!nobody_writes(dir))
		rc = es_error_set(err, ES_EDB,
				  "%s: cannot be read here: no -shm file can "
				  "be created in its directory, and others "
				  "may write there (read a copy)",
				  path);
	else if (sqlite3_open_v2(uri, out,
				 SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
				 NULL) != SQLITE_OK ||
		 read_header(*out) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%s: %s", path,
				  sqlite3_errmsg(*out));
	free(uri);
	free(dir);
	return rc;
}

/* Report the latest error of `db` after `path`, and close it. */
static int open_failed(sqlite3 *db, const char *path, struct es_error *err)
{
	int rc = es_sql_error(db, err);

	sqlite3_close(db);
	return es_error_prefix(err, rc, path);
}

int es_sql_open_readonly(sqlite3 **out, const char *path, struct es_error *err)
{
	sqlite3 *db = NULL;
	int rc;

	assert(out != NULL && path != NULL);
	/* sqlite3_open_v2() hands back a handle even when it fails. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return open_failed(db, path, err); /* a missing file, say */
	if (read_header(db) == SQLITE_OK) {
		*out = db;
		return ES_OK;
	}
	if (!shm_refused(db))
		return open_failed(db, path, err); /* not a database, say */
	sqlite3_close(db);
	db = NULL;
	rc = open_immutable(&db, path, err);
	if (rc != ES_OK) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return ES_OK;
}
