/*
 * golden.h - golden data: event logs written once by the reference, with
 * the views they must give, kept in harness/golden/ for the suites to
 * compare against.
 *
 * `make golden` runs harness/make_golden.c, which feeds each scenario's
 * commands through the reference with the harness's fixed clock and
 * writes, for each scenario NAME (main, random, every-event):
 *
 *   NAME.commands    the commands, one JSON object a line (catalog apply's
 *                    input)
 *   NAME.results     the answer to each line, as catalog apply prints it
 *   NAME.events.sql  the event log the accepted commands wrote: SQL that
 *                    fills an empty file with the seed's two tables
 *   NAME.views       every view projected from that log, as text
 *
 * `make test` writes them again into build/golden/ and fails when a byte
 * differs, so the reference cannot drift from them unnoticed.
 *
 * The views as text: lines starting with '#' are comments; a line
 * "= TABLE|COLUMN|COLUMN..." says that the file holds TABLE (an empty
 * table too) and names its columns; then one line per row,
 * "TABLE|VALUE|VALUE...", each value as SQLite's quote() writes it
 * ('Acme Corp', 29.99, 100, NULL) with a backslash, a newline and a
 * carriage return in it written \\, \n and \r. Tables come in the order
 * of their names, the rows of a table in the order of its key, the first
 * column. So the same views always give the same bytes.
 *
 * Suites run from the top of the kata, where "harness/golden/..." is.
 * Everything that starts with es_test_ or ES_ASSERT_ is for tests: it
 * fails the current test (harness.h) instead of returning an error.
 */
#ifndef ES_GOLDEN_H
#define ES_GOLDEN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>

#include "es_error.h"
#include "harness.h"

#define ES_GOLDEN_DIR "harness/golden"

/*
 * The view tables golden data knows, in the order of their names, ending
 * with NULL: the step 6 views, step 9's read models, step 19's.
 */
extern const char *const es_golden_views[];

/*
 * The tables of a whole read DB, in the order of their names, ending with
 * NULL: es_golden_views and the tables behind them (stock_level,
 * supplier_product, projection_checkpoint).
 */
extern const char *const es_golden_read_tables[];

/*
 * Write the rows of `db`'s view tables (those of es_golden_views that
 * `db` has) to `out` in the text form above, after a comment line with
 * `title`. Returns ES_OK, or ES_EDB with SQLite's message.
 */
int es_golden_write_views(FILE *out, sqlite3 *db, const char *title,
			  struct es_error *err);

/*
 * Write `tables` (a NULL-terminated list of tables golden data knows:
 * the views, their helper tables, projection_checkpoint, events,
 * product_registry) that `db` has to `out` as SQL that rebuilds them in
 * an empty database: each table's CREATE TABLE and one INSERT per row,
 * inside one transaction, after a comment line with `title`. Returns
 * ES_OK, ES_EINVAL for a table golden data does not know, or ES_EDB.
 */
int es_golden_write_sql(FILE *out, sqlite3 *db, const char *const *tables,
			const char *title, struct es_error *err);

/*
 * Run every statement of the SQL file `path` on `db` (read_model.sql,
 * say). Returns ES_OK, ES_ENOTFOUND when the file cannot be read, or
 * ES_EDB with SQLite's message.
 */
int es_golden_exec_file(sqlite3 *db, const char *path, struct es_error *err);

/*
 * Create the event store file `path` (which must not exist yet) with the
 * seed's two tables, filled from harness/golden/NAME.events.sql. Returns
 * ES_OK, ES_EINVAL when the file exists, ES_ENOTFOUND when the SQL file
 * cannot be read, or ES_EDB.
 */
int es_golden_load_log(const char *name, const char *path,
		       struct es_error *err);

/*
 * Create in `db` the tables of harness/golden/NAME.views, with the
 * columns its "= " lines name (no types, no key), and fill them with its
 * rows: the reference's views of that log, to query like any read DB.
 * Sets `*rows` to the number of rows. `db` must not have those tables
 * yet. Returns ES_OK, ES_ENOTFOUND,
 * ES_ECORRUPT for a line that is not in the golden form, or ES_EDB.
 */
int es_golden_load_views(size_t *rows, sqlite3 *db, const char *name,
			 struct es_error *err);

/*
 * Compare `db`'s rows of `tables` with harness/golden/NAME.views and
 * print what differs to `out`, as es_test_golden_diff() below does, but
 * showing up to `limit` rows per table (SIZE_MAX: all), and returning an
 * error instead of failing a test. Sets `*problems` to the number of
 * rows that are not as the golden file says. Returns ES_OK, ES_ENOTFOUND,
 * ES_EINVAL for a table golden data does not know, ES_ENOMEM or ES_EDB.
 */
int es_golden_diff(FILE *out, size_t *problems, sqlite3 *db, const char *name,
		   const char *const *tables, size_t limit,
		   struct es_error *err);

/*
 * Create the event store file `path`, which must not exist yet, with
 * the seed's two tables, filled from harness/golden/NAME.events.sql.
 * Open it with es_store_open() afterwards (which adds the index and the
 * triggers). The test fails when the file exists or the SQL fails.
 */
#define es_test_load_golden_log(name, path)                                    \
	es_test_load_golden_log_at(ES_HERE, (name), (path))
void es_test_load_golden_log_at(struct es_test_site from, const char *name,
				const char *path);

/*
 * Run every statement of the SQL file `path` on `db`. The test fails with
 * SQLite's message when one fails.
 */
#define es_test_exec_file(db, path) es_test_exec_file_at(ES_HERE, (db), (path))
void es_test_exec_file_at(struct es_test_site from, sqlite3 *db,
			  const char *path);

/*
 * Compare `db`'s rows of `tables` (a NULL-terminated list of view tables,
 * or NULL for every table the golden file holds) with
 * harness/golden/NAME.views, and print what differs to `out`, row by row:
 * for each table, how many rows agree; then each row that differs (by its
 * key, with the columns that differ, both values), each row that is
 * missing and each that should not be there, with column names. Returns
 * the number of rows that are not as the golden file says: 0 when the
 * views are golden. The test fails when the golden file cannot be read or
 * lacks a table asked for.
 */
#define es_test_golden_diff(out, db, name, tables)                             \
	es_test_golden_diff_at(ES_HERE, (out), (db), (name), (tables))
size_t es_test_golden_diff_at(struct es_test_site from, FILE *out, sqlite3 *db,
			      const char *name, const char *const *tables);

/*
 * Assert that `db`'s `tables` (as for es_test_golden_diff) hold exactly
 * the rows of the golden views NAME. On failure the message is the diff.
 */
#define ES_ASSERT_GOLDEN_VIEWS(db, name, tables)                               \
	es_assert_golden_views((db), (name), (tables), __FILE__, __LINE__)

/*
 * Assert that `actual` holds exactly the rows `expected` holds in
 * `tables` (a NULL-terminated list of tables es_golden_write_sql()
 * knows). On failure the message is the diff, `expected` as the golden
 * side.
 */
#define ES_ASSERT_SAME_VIEWS(actual, expected, tables)                         \
	es_assert_same_views((actual), (expected), (tables), __FILE__, __LINE__)

void es_assert_golden_views(sqlite3 *db, const char *name,
			    const char *const *tables, const char *file,
			    int line);
void es_assert_same_views(sqlite3 *actual, sqlite3 *expected,
			  const char *const *tables, const char *file,
			  int line);

#endif /* ES_GOLDEN_H */
