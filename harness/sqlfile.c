/*
 * sqlfile.c - SQLite files a test opens by their path, reads as text, and
 * writes behind the program's back (see sqlfile.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fixtures.h"
#include "harness.h"
#include "scratch.h"
#include "sqlfile.h"

/* ---- databases the test opens -------------------------------------------- */

#define MAX_OPEN 8

static sqlite3 *dbs[MAX_OPEN]; /* closed by es_test_db_close_all() */

sqlite3 *es_test_db_open(const char *path, int flags)
{
	sqlite3 *db = NULL;
	size_t i;

	for (i = 0; i < MAX_OPEN && dbs[i] != NULL; i++)
		;
	if (i == MAX_OPEN)
		ES_FATAL("too many databases open");
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
		sqlite3_close(db);
		ES_FATAL("cannot open %s: %s", path, msg);
	}
	dbs[i] = db;
	return db;
}

void es_test_db_close_all(void)
{
	for (size_t i = 0; i < MAX_OPEN; i++) {
		sqlite3_close(dbs[i]);
		dbs[i] = NULL;
	}
}

void es_test_db_close(sqlite3 *db)
{
	for (size_t i = 0; i < MAX_OPEN; i++) {
		if (dbs[i] == db)
			dbs[i] = NULL;
	}
	sqlite3_close(db);
}

void es_test_db_exec(const char *path, const char *sql)
{
	sqlite3 *db = es_test_db_open(path, SQLITE_OPEN_READWRITE |
						    SQLITE_OPEN_CREATE);

	es_test_exec(db, sql);
	es_test_db_close(db);
}

int64_t es_test_db_query_int(const char *path, const char *sql)
{
	sqlite3 *db = es_test_db_open(path, SQLITE_OPEN_READONLY);
	int64_t value = es_test_query_int(db, sql);

	es_test_db_close(db);
	return value;
}

/*
 * The parts (fixtures.h) of the texts es_test_rows_text() returned last,
 * by the text's address, so that es_test_expect_same_rows() can name a
 * text's table and columns. A text made of two (concatenated) has none.
 */
#define KNOWN_TEXTS 16

static struct known_text {
	const char *text;
	struct es_test_rows_part part;
} known[KNOWN_TEXTS];
static size_t known_next;

static const struct known_text *known_text(const char *text)
{
	for (size_t i = 0; i < KNOWN_TEXTS; i++) {
		if (known[i].text == text && text != NULL)
			return &known[i];
	}
	return NULL;
}

static void put_value(struct es_test_buf *b, sqlite3_stmt *stmt, int c)
{
	const char *sep = c > 0 ? "|" : "";

	switch (sqlite3_column_type(stmt, c)) {
	case SQLITE_NULL:
		es_test_buf_printf(b, "%sNULL", sep);
		break;
	case SQLITE_INTEGER:
		es_test_buf_printf(b, "%s%lld", sep,
				   (long long)sqlite3_column_int64(stmt, c));
		break;
	case SQLITE_FLOAT:
		es_test_buf_printf(b, "%sr%.17g", sep,
				   sqlite3_column_double(stmt, c));
		break;
	default:
		es_test_buf_printf(b, "%s'%s'", sep,
				   (const char *)sqlite3_column_text(stmt, c));
	}
}

char *es_test_rows_text(const char *path, const char *sql)
{
	sqlite3 *db = es_test_db_open(path, SQLITE_OPEN_READONLY);
	struct known_text *k = &known[known_next++ % KNOWN_TEXTS];
	sqlite3_stmt *stmt = NULL;
	struct es_test_buf b = {0};
	char *text;
	int rc;

	es_test_buf_grow(&b, 0);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		ES_FATAL("%s: %s (in: %s)", path, sqlite3_errmsg(db), sql);
	es_test_rows_part_init(&k->part, stmt, 1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(stmt); c++)
			put_value(&b, stmt, c);
		es_test_buf_str(&b, "\n");
		k->part.rows++;
	}
	sqlite3_finalize(stmt);
	es_test_db_close(db);
	if (rc != SQLITE_DONE)
		ES_FATAL("%s: reading rows failed (in: %s)", path, sql);
	text = es_test_buf_own(&b);
	k->text = text;
	return text;
}

void es_test_expect_same_rows_at(const char *file, int line, const char *what,
				 const char *actual, const char *expected)
{
	const struct known_text *k = known_text(actual);

	if (k == NULL)
		k = known_text(expected);
	es_test_assert_rows(file, line, what, actual, expected,
			    k ? &k->part : NULL, k ? 1 : 0);
}

/* ---- the events table ---------------------------------------------------- */

static const char *column_copy(sqlite3_stmt *stmt, int col)
{
	const char *text = (const char *)sqlite3_column_text(stmt, col);

	return es_test_format("%s", text ? text : "");
}

size_t es_test_load_events(const char *path, struct es_test_event_row **rows)
{
	size_t count = (size_t)es_test_db_query_int(
		path, "SELECT COUNT(*) FROM events");
	sqlite3 *db = es_test_db_open(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *stmt = NULL;
	size_t n = 0;

	*rows = es_test_own(calloc(count + 1, sizeof(**rows)));
	if (sqlite3_prepare_v2(db,
			       "SELECT id, product_id, event_type, data, "
			       "occurred_at FROM events ORDER BY id",
			       -1, &stmt, NULL) != SQLITE_OK)
		ES_FATAL("%s: %s", path, sqlite3_errmsg(db));
	while (n < count && sqlite3_step(stmt) == SQLITE_ROW) {
		struct es_test_event_row *r = &(*rows)[n++];

		r->id = sqlite3_column_int64(stmt, 0);
		r->product_id = sqlite3_column_int64(stmt, 1);
		r->event_type = column_copy(stmt, 2);
		r->data = column_copy(stmt, 3);
		r->occurred_at = column_copy(stmt, 4);
	}
	sqlite3_finalize(stmt);
	es_test_db_close(db);
	if (n != count)
		ES_FATAL("%s: read %zu of %zu events", path, n, count);
	return count;
}

/* ---- writing behind the program's back ---------------------------------- */

void es_test_db_insert_event(const char *path, long long product_id,
			     const char *type, const char *data)
{
	sqlite3 *db = es_test_db_open(path, SQLITE_OPEN_READWRITE);

	es_test_insert_event(db, product_id, type, data,
			     "2026-11-27T14:32:05.123456+00:00");
	es_test_db_close(db);
}

void es_test_db_insert_bad_event(const char *path, long long product_id,
				 const char *type, const char *data)
{
	sqlite3 *db = es_test_db_open(path, SQLITE_OPEN_READWRITE);

	es_test_insert_bad_event(db, product_id, type, data,
				 "2026-11-27T14:32:05.123456+00:00");
	es_test_db_close(db);
}

void es_test_load_dump(const char *db_path, const char *name)
{
	const char *path = es_test_format("%s/%s", ES_TEST_FIXTURES, name);
	char *sql = es_test_slurp(path, NULL);

	if (sql == NULL)
		ES_FATAL("cannot read %s: run the suite from the kata's top "
			 "directory (make test does)",
			 path);
	es_test_db_exec(db_path, sql);
}
