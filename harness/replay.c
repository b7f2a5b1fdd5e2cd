/*
 * replay.c - make observe and make replay: the final step's payoff, seen.
 *
 *     replay observe SHIPPED NAME DIR
 *     replay supplier SHIPPED NAME DIR SOURCE
 *     replay all NAME DIR SOURCE
 *
 * observe: the supplier view as it shipped (the SQL file SHIPPED) beside
 * the reference's view of golden log NAME (harness/golden/NAME.views),
 * row by row. No code of the learner's runs.
 *
 * supplier: replay golden log NAME through the supplier view this program
 * is linked with (SOURCE names its file, for the heading) into a new read
 * DB, print its rows before (SHIPPED) and after, side by side, then
 * compare them with the reference's. The last line is "all K rows agree",
 * or the rows that differ come last.
 *
 * all: rebuild every view from golden log NAME with the code this program
 * is linked with (every step of one tree; SOURCE names it), and compare
 * every view with the reference's, naming each row that differs.
 *
 * DIR must be empty (the Makefile empties it): the event log, the read
 * DB and the reference's views are written there as files, to look at
 * afterwards. The exit status is 0 when the views agree, 1 when rows
 * differ, 2 on usage errors or a database that cannot be used.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_error.h"
#include "event_store.h"
#include "golden.h"
#include "read_db.h"
#include "supplier_view.h"
#include "views.h"

#define TABLE	  "supplier_summary_view"
#define PATH_SIZE 1024

/* The side by side: key, then each column of both sides, then a flag. */
static const char side_by_side_sql[] =
	"SELECT k.supplier_name,"
	" a.products, b.products, a.total_stock, b.total_stock,"
	" a.total_views, b.total_views,"
	" m.supplier_name IS NULL OR r.supplier_name IS NULL"
	" OR m.products IS NOT r.products"
	" OR m.total_stock IS NOT r.total_stock"
	" OR m.total_views IS NOT r.total_views"
	" FROM (SELECT supplier_name FROM a." TABLE
	" UNION SELECT supplier_name FROM b." TABLE
	" UNION SELECT supplier_name FROM r." TABLE ") AS k"
	" LEFT JOIN a." TABLE " AS a USING (supplier_name)"
	" LEFT JOIN b." TABLE " AS b USING (supplier_name)"
	" LEFT JOIN r." TABLE " AS r USING (supplier_name)"
	" LEFT JOIN m." TABLE " AS m USING (supplier_name)"
	" ORDER BY 1";

static void path_in(char path[PATH_SIZE], const char *dir, const char *file)
{
	snprintf(path, PATH_SIZE, "%s/%s", dir, file);
}

/* A new database file `dir`/`file`. */
static int new_db(sqlite3 **out, const char *dir, const char *file,
		  struct es_error *err)
{
	char path[PATH_SIZE];

	path_in(path, dir, file);
	/* sqlite3_open() hands back a handle even when it fails. */
	if (sqlite3_open(path, out) != SQLITE_OK)
		return es_error_set(err, ES_EDB, "%s: %s", path,
				    sqlite3_errmsg(*out));
	return ES_OK;
}

/* The SQL file `sql` in a new database file `dir`/`file`. */
static int sql_to_file(const char *sql, const char *dir, const char *file,
		       struct es_error *err)
{
	sqlite3 *db = NULL;
	int rc;

	rc = new_db(&db, dir, file, err);
	if (rc == ES_OK)
		rc = es_golden_exec_file(db, sql, err);
	sqlite3_close(db);
	return rc;
}

/* The reference's views of golden log `name`, in `dir`/reference.db. */
static int reference_to_file(size_t *rows, const char *name, const char *dir,
			     struct es_error *err)
{
	sqlite3 *db = NULL;
	int rc;

	rc = new_db(&db, dir, "reference.db", err);
	if (rc == ES_OK)
		rc = es_golden_load_views(rows, db, name, err);
	sqlite3_close(db);
	return rc;
}

/* One SQL statement on `db`, with `text` bound as ?1 when not NULL. */
static int run_sql(sqlite3 *db, const char *sql, const char *text,
		   struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK && text != NULL)
		rc = sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
	return ES_OK;
}

/* An integer that one query returns, in `*out`. */
static int query_int(int64_t *out, sqlite3 *db, const char *sql,
		     struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
	return ES_OK;
}

/* Attach file `dir`/`files[i]` to `db` as schema a, b, m, r for i 0..3. */
static int attach_all(sqlite3 *db, const char *dir, const char *const files[4],
		      struct es_error *err)
{
	static const char *const sql[4] = {"ATTACH ?1 AS a", "ATTACH ?1 AS b",
					   "ATTACH ?1 AS m", "ATTACH ?1 AS r"};
	char path[PATH_SIZE];
	int rc = ES_OK;
	size_t i;

	for (i = 0; i < 4 && rc == ES_OK; i++) {
		path_in(path, dir, files[i]);
		rc = run_sql(db, sql[i], path, err);
	}
	return rc;
}

/* `s` left-aligned in `width` columns: a UTF-8 character is one column. */
static void print_padded(const char *s, int width)
{
	const char *c;

	for (c = s; *c != '\0'; c++)
		width -= ((unsigned char)*c & 0xC0) != 0x80;
	printf("%s%*s", s, width > 0 ? width : 0, "");
}

static const char *text_or_dash(sqlite3_stmt *stmt, int i)
{
	const char *v = (const char *)sqlite3_column_text(stmt, i);

	return v != NULL ? v : "-";
}

/*
 * Print the supplier rows of files[0] and files[1] (in `dir`) side by
 * side, headed `a_name` and `b_name`, and flag each row of files[2] that
 * differs from the row of files[3]. Sets `*rows` (the rows printed) and
 * `*flagged`.
 */
static int print_side_by_side(size_t *rows, size_t *flagged, const char *dir,
			      const char *const files[4], const char *a_name,
			      const char *b_name, struct es_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	*rows = 0;
	*flagged = 0;
	rc = sqlite3_open(":memory:", &db) == SQLITE_OK
		     ? ES_OK
		     : es_error_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK)
		rc = attach_all(db, dir, files, err);
	if (rc == ES_OK && sqlite3_prepare_v2(db, side_by_side_sql, -1, &stmt,
					      NULL) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
	if (rc == ES_OK) {
		printf("%-20s %17s %17s %17s\n", "", "products", "total_stock",
		       "total_views");
		printf("%-20s", "supplier_name");
		for (i = 0; i < 3; i++)
			printf(" %8s %8s", a_name, b_name);
		putchar('\n');
	}
	while (rc == ES_OK && sqlite3_step(stmt) == SQLITE_ROW) {
		bool differs = sqlite3_column_int(stmt, 7) != 0;

		print_padded(text_or_dash(stmt, 0), 20);
		for (i = 1; i <= 6; i++)
			printf(" %8s", text_or_dash(stmt, (int)i));
		printf("%s\n", differs ? "  differs" : "");
		(*rows)++;
		*flagged += differs;
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return rc;
}

/* Run es_golden_diff() on `db`, printing its lines 6 columns to the left. */
static int print_diff(size_t *problems, sqlite3 *db, const char *name,
		      const char *const *tables, struct es_error *err)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	const char *line;
	int rc;

	if (out == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	rc = es_golden_diff(out, problems, db, name, tables, SIZE_MAX, err);
	fclose(out);
	for (line = text; rc == ES_OK && line != NULL && *line != '\0';) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);

		printf("%.*s\n", len > 6 ? len - 6 : len, line + 6);
		line = end ? end + 1 : NULL;
	}
	free(text);
	return rc;
}

static int observe(const char *shipped, const char *name, const char *dir,
		   struct es_error *err)
{
	static const char *const files[4] = {"shipped.db", "reference.db",
					     "shipped.db", "reference.db"};
	size_t rows, flagged, all_rows;
	int rc;

	rc = sql_to_file(shipped, dir, "shipped.db", err);
	if (rc == ES_OK)
		rc = reference_to_file(&all_rows, name, dir, err);
	if (rc != ES_OK)
		return rc;
	printf("The supplier view as it shipped, beside what the event log"
	       " says.\n"
	       "shipped: the rows in %s\n"
	       "log:     the reference's rows for the same log"
	       " (%s/%s.views)\n\n",
	       shipped, ES_GOLDEN_DIR, name);
	rc = print_side_by_side(&rows, &flagged, dir, files, "shipped", "log",
				err);
	if (rc != ES_OK)
		return rc;
	if (flagged == 0)
		printf("\nall %zu rows agree\n", rows);
	else
		printf("\n%zu of %zu rows differ. Which column? By how much?"
		       " Then: make replay\n",
		       flagged, rows);
	return flagged == 0 ? ES_OK : ES_ECONFLICT;
}

/* A new event store with golden log `name`, and a new read DB. */
static int open_dbs(struct es_store **store, sqlite3 **read_db,
		    const char *name, const char *dir, struct es_error *err)
{
	char path[PATH_SIZE];
	int rc;

	path_in(path, dir, "event_store.db");
	rc = es_golden_load_log(name, path, err);
	if (rc == ES_OK)
		rc = es_store_open(store, path, ES_STORE_READONLY, err);
	path_in(path, dir, "read_model.db");
	if (rc == ES_OK)
		rc = es_read_db_open(read_db, path, ES_READ_DB_WRITE, err);
	return rc;
}

static int count_events(int64_t *out, const char *dir, struct es_error *err)
{
	char path[PATH_SIZE];
	sqlite3 *db = NULL;
	int rc;

	path_in(path, dir, "event_store.db");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%s: %s", path,
				  sqlite3_errmsg(db));
	else
		rc = query_int(out, db, "SELECT count(*) FROM events", err);
	sqlite3_close(db);
	return rc;
}

/* The closing line: all agree, or how many differ and where to look. */
static int conclude(size_t problems, int64_t rows)
{
	if (problems == 0) {
		printf("all %lld rows agree\n", (long long)rows);
		return ES_OK;
	}
	printf("%zu of %lld rows differ from the reference's (above)\n",
	       problems, (long long)rows);
	return ES_ECONFLICT;
}

static int replay_supplier(const char *shipped, const char *name,
			   const char *dir, const char *source,
			   struct es_error *err)
{
	static const char *const files[4] = {"shipped.db", "read_model.db",
					     "read_model.db", "reference.db"};
	static const char *const tables[] = {TABLE, NULL};
	struct es_supplier_view *view = NULL;
	struct es_store *store = NULL;
	sqlite3 *read_db = NULL;
	size_t rows, flagged, all_rows, problems = 0;
	int64_t events = 0;
	int rc;

	rc = sql_to_file(shipped, dir, "shipped.db", err);
	if (rc == ES_OK)
		rc = reference_to_file(&all_rows, name, dir, err);
	if (rc == ES_OK)
		rc = open_dbs(&store, &read_db, name, dir, err);
	if (rc == ES_OK)
		rc = count_events(&events, dir, err);
	if (rc == ES_OK)
		rc = es_supplier_view_open(&view, read_db, err);
	if (rc == ES_OK)
		rc = es_supplier_view_rebuild(view, store, err);
	es_supplier_view_close(view);
	es_store_close(store);
	if (rc == ES_OK) {
		printf("Replayed the golden log, %s/%s.events.sql (%lld"
		       " events),\nthrough %s\ninto %s/.\n"
		       "before: the rows as shipped (%s)\n"
		       "after:  the rows of the replay (\"differs\": not"
		       " the reference's row)\n\n",
		       ES_GOLDEN_DIR, name, (long long)events, source, dir,
		       shipped);
		rc = print_side_by_side(&rows, &flagged, dir, files, "before",
					"after", err);
	}
	if (rc == ES_OK) {
		printf("\nAfter the replay, against the reference's rows for"
		       " the same log:\n");
		rc = print_diff(&problems, read_db, name, tables, err);
	}
	es_read_db_close(read_db);
	if (rc != ES_OK)
		return rc;
	return conclude(problems, (int64_t)rows);
}

/* Every view and the supplier view, rebuilt from the log. */
static int rebuild_all(struct es_store *store, sqlite3 *read_db,
		       struct es_error *err)
{
	struct es_supplier_view *suppliers = NULL;
	struct es_views *views = NULL;
	int rc;

	rc = es_views_open(&views, read_db, err);
	if (rc == ES_OK)
		rc = es_views_rebuild(NULL, views, store, err);
	if (rc == ES_OK)
		rc = es_supplier_view_open(&suppliers, read_db, err);
	if (rc == ES_OK)
		rc = es_supplier_view_rebuild(suppliers, store, err);
	es_supplier_view_close(suppliers);
	es_views_close(views);
	return rc;
}

static int replay_all(const char *name, const char *dir, const char *source,
		      struct es_error *err)
{
	struct es_store *store = NULL;
	sqlite3 *read_db = NULL;
	size_t rows = 0, problems = 0;
	int64_t events = 0;
	int rc;

	rc = reference_to_file(&rows, name, dir, err);
	if (rc == ES_OK)
		rc = open_dbs(&store, &read_db, name, dir, err);
	if (rc == ES_OK)
		rc = count_events(&events, dir, err);
	if (rc == ES_OK)
		rc = rebuild_all(store, read_db, err);
	es_store_close(store);
	if (rc == ES_OK) {
		printf("Rebuilt every view from the golden log "
		       "(%s/%s.events.sql,"
		       "\n%lld events) with %s into %s/.\n"
		       "Against the reference's views of the same log:\n",
		       ES_GOLDEN_DIR, name, (long long)events, source, dir);
		rc = print_diff(&problems, read_db, name, NULL, err);
	}
	es_read_db_close(read_db);
	if (rc != ES_OK)
		return rc;
	return conclude(problems, (int64_t)rows);
}

static int usage(void)
{
	fprintf(stderr, "usage: replay observe SHIPPED NAME DIR\n"
			"       replay supplier SHIPPED NAME DIR SOURCE\n"
			"       replay all NAME DIR SOURCE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct es_error err;
	int rc;

	es_error_clear(&err);
	if (argc == 5 && strcmp(argv[1], "observe") == 0)
		rc = observe(argv[2], argv[3], argv[4], &err);
	else if (argc == 6 && strcmp(argv[1], "supplier") == 0)
		rc = replay_supplier(argv[2], argv[3], argv[4], argv[5], &err);
	else if (argc == 5 && strcmp(argv[1], "all") == 0)
		rc = replay_all(argv[2], argv[3], argv[4], &err);
	else
		return usage();
	if (rc == ES_ECONFLICT)
		return 1;
	if (rc != ES_OK) {
		fprintf(stderr, "replay: %s\n", err.msg);
		return 2;
	}
	return 0;
}
