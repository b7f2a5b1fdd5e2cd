/*
 * sqlfile.h - SQLite files that a test opens by their path, as another
 * program sees them: to count rows, to read rows as text, to write
 * behind the back of the program under test. Never through the library
 * under test.
 *
 * What is returned is owned by the test (scratch.h); a database left
 * open by a failed assertion is closed by es_test_db_close_all(), which
 * a suite that uses these calls in its teardown. Failures fail the test.
 */
#ifndef ES_SQLFILE_H
#define ES_SQLFILE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* Where es_test_load_dump() finds its dumps, from the kata's top. */
#define ES_TEST_FIXTURES "tests/fixtures"

/*
 * Open the file `path` with sqlite3_open_v2()'s `flags`; at most eight
 * at a time. Close it with es_test_db_close().
 */
sqlite3 *es_test_db_open(const char *path, int flags);
void es_test_db_close(sqlite3 *db);
/* Close every database still open. For teardown. */
void es_test_db_close_all(void);

/* Run `sql` on the file at `path` (created if need be), then close it. */
void es_test_db_exec(const char *path, const char *sql);

/* The one integer that the query `sql` returns on the file at `path`. */
int64_t es_test_db_query_int(const char *path, const char *sql);

/*
 * Every row `sql` returns, one line each, columns joined by '|': NULL,
 * 42 (INTEGER), r0.5 (REAL, %.17g), 'text' (TEXT). The storage class
 * shows, so "30" and "r30" differ.
 */
char *es_test_rows_text(const char *path, const char *sql);

/*
 * Fail the test, naming `what`, with the first row where `actual` and
 * `expected` (two es_test_rows_text() texts, say) differ, column by
 * column (fixtures.h's es_test_assert_rows()) when one of them came
 * from es_test_rows_text(), else with a marker under the first
 * difference. The failure is reported at the line of the call.
 */
#define es_test_expect_same_rows(what, actual, expected)                       \
	es_test_expect_same_rows_at(__FILE__, __LINE__, (what), (actual),      \
				    (expected))
void es_test_expect_same_rows_at(const char *file, int line, const char *what,
				 const char *actual, const char *expected);

/* A row of the events table, its text copied. */
struct es_test_event_row {
	long long id;
	long long product_id;
	const char *event_type;
	const char *data;
	const char *occurred_at;
};

/*
 * Every row of the events table at `path`, by id, into `*rows` (an array
 * the test owns); returns how many.
 */
size_t es_test_load_events(const char *path, struct es_test_event_row **rows);

/*
 * Append a row to the log at `path` with SQL, past the program's checks,
 * stamped 2026-11-27T14:32:05.123456+00:00.
 */
void es_test_db_insert_event(const char *path, long long product_id,
			     const char *type, const char *data);

/*
 * The same with the file's triggers off for the insert: a row that came
 * in before the log had its checks, or around them
 * (es_test_insert_bad_event).
 */
void es_test_db_insert_bad_event(const char *path, long long product_id,
				 const char *type, const char *data);

/* Load the SQL dump ES_TEST_FIXTURES/`name` into the database `db_path`. */
void es_test_load_dump(const char *db_path, const char *name);

#endif /* ES_SQLFILE_H */
