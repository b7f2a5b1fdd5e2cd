/*
 * test_read_side.c - step 0: the read side from the seed's Stage 3.
 *
 * This step is given complete: every test here passes on the code you
 * start with, which proves the build, the libraries and the harness work.
 * Read the tests as a tour of what the read side promises.
 *
 * The views are filled with plain INSERTs, as any writer could fill them;
 * from step 6 on, the projector writes them from events.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es_sql.h"
#include "harness.h"
#include "query_handler.h"
#include "read_db.h"
#include "test_step0.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/*
 * What setup opened, and what the tests fill; teardown frees it all, so a
 * test that stops at a failed assertion leaks nothing. CUnit runs setup
 * outside the test, where an assertion cannot stop it, so setup only
 * records its result and each test checks it first (check_setup).
 */
static sqlite3 *db;
static struct es_query_handler *qh;
static int setup_rc;
static struct es_error setup_err;
static char db_path[PATH_MAX];
static sqlite3 *other_db;
static sqlite3 *third_db; /* a second connection beside other_db */
static struct es_product_detail detail;
static struct es_product_card card;
static struct es_product_list list;
static char *json;
static struct es_error err;

/* The es_sql tests' statements, on `db` or `other_db`. */
enum sql_id { SQL_INSERT, SQL_BEGIN, SQL_COMMIT, SQL_ROLLBACK, SQL_COUNT };
static const char *const sql_text[SQL_COUNT] = {
	[SQL_INSERT] = "INSERT INTO product_list_view"
		       " VALUES (?1, 'Widget Pro', 29.99, 100, 'Acme Corp')",
	[SQL_BEGIN] = "BEGIN IMMEDIATE",
	[SQL_COMMIT] = "COMMIT",
	[SQL_ROLLBACK] = "ROLLBACK",
};
static sqlite3_stmt *stmts[SQL_COUNT];

static void setup(void)
{
	es_test_path(db_path, sizeof(db_path), "read_model.db");
	setup_rc = es_read_db_open(&db, db_path, ES_READ_DB_WRITE, &setup_err);
	if (setup_rc == ES_OK)
		setup_rc = es_query_handler_open(&qh, db, &setup_err);
	es_error_clear(&err);
}

static void teardown(void)
{
	es_product_detail_dispose(&detail);
	es_product_card_dispose(&card);
	es_product_list_dispose(&list);
	free(json);
	json = NULL;
	es_sql_finalize_all(stmts, SQL_COUNT);
	es_query_handler_close(qh);
	qh = NULL;
	es_read_db_close(db);
	db = NULL;
	sqlite3_close(other_db);
	other_db = NULL;
	sqlite3_close(third_db);
	third_db = NULL;
}

static void check_setup(void)
{
	ES_ASSERT_OK(setup_rc, &setup_err);
}

/*
 * A small catalog, inserted out of order: the queries must sort by id.
 * Product 6 is only in the list view, so a query that reads the wrong
 * table shows.
 */
static const char catalog_sql[] =
	"INSERT INTO product_detail_view VALUES"
	" (3, '100% Cotton', NULL, 15.5, 7, 0, 'Threads & Co',"
	"  '2026-11-27T14:32:07.123458+00:00',"
	"  '2026-11-27T14:32:07.123458+00:00'),"
	" (1, 'Widget Pro', NULL, 29.99, 100, 3, 'Acme Corp',"
	"  '2026-11-27T14:32:05.123456+00:00',"
	"  '2026-11-27T14:32:05.123456+00:00'),"
	" (2, 'Gadget Plus', 'Does more', 44.99, 0, 0, 'Acme Corp',"
	"  '2026-11-27T14:32:06.123457+00:00',"
	"  '2026-11-27T14:32:09+00:00'),"
	" (4, 'Snake_Case Mug', NULL, 9.75, 12, 1, 'Mugs \"R\" Us',"
	"  '2026-11-27T14:32:08.123459+00:00',"
	"  '2026-11-27T14:32:08.123459+00:00'),"
	" (5, 'Mini widget', NULL, 5.0, 1, 0, 'Acme Corp',"
	"  '2026-11-27T14:32:08.123459+00:00',"
	"  '2026-11-27T14:32:08.123459+00:00');"
	"INSERT INTO product_list_view VALUES"
	" (5, 'Mini widget', 5.0, 1, 'Acme Corp'),"
	" (3, '100% Cotton', 15.5, 7, 'Threads & Co'),"
	" (1, 'Widget Pro', 29.99, 100, 'Acme Corp'),"
	" (6, 'Listed Only', 1.25, 2, 'Acme Corp'),"
	" (2, 'Gadget Plus', 44.99, 0, 'Acme Corp'),"
	" (4, 'Snake_Case Mug', 9.75, 12, 'Mugs \"R\" Us');";

/* product_list_view's rows, in order of id. */
static const struct es_product_summary catalog[] = {
	{1, "Widget Pro", 29.99, 100, "Acme Corp"},
	{2, "Gadget Plus", 44.99, 0, "Acme Corp"},
	{3, "100% Cotton", 15.5, 7, "Threads & Co"},
	{4, "Snake_Case Mug", 9.75, 12, "Mugs \"R\" Us"},
	{5, "Mini widget", 5.0, 1, "Acme Corp"},
	{6, "Listed Only", 1.25, 2, "Acme Corp"},
};
#define CATALOG_SIZE (sizeof(catalog) / sizeof(catalog[0]))

static void fill_catalog(void)
{
	check_setup();
	es_test_exec(db, catalog_sql);
}
#define fill_catalog() ES_CALLED(fill_catalog())

/* ---- the read database ------------------------------------------------ */

struct column {
	const char *name;
	const char *type;
	int notnull;
	int pk;
	const char *dflt; /* NULL for no default */
};

static const struct column detail_columns[] = {
	{.name = "id", .type = "INTEGER", .pk = 1},
	{.name = "name", .type = "TEXT", .notnull = 1},
	{.name = "description", .type = "TEXT"},
	{.name = "price", .type = "REAL", .notnull = 1},
	{.name = "stock", .type = "INTEGER", .notnull = 1},
	{.name = "view_count", .type = "INTEGER", .notnull = 1, .dflt = "0"},
	{.name = "supplier_name", .type = "TEXT", .notnull = 1},
	{.name = "created_at", .type = "TEXT", .notnull = 1},
	{.name = "updated_at", .type = "TEXT", .notnull = 1},
};

static const struct column list_columns[] = {
	{.name = "id", .type = "INTEGER", .pk = 1},
	{.name = "name", .type = "TEXT", .notnull = 1},
	{.name = "price", .type = "REAL", .notnull = 1},
	{.name = "stock", .type = "INTEGER", .notnull = 1},
	{.name = "supplier_name", .type = "TEXT", .notnull = 1},
};

static const char *text_or_null(sqlite3_stmt *stmt, int col)
{
	return (const char *)sqlite3_column_text(stmt, col);
}

/* strcmp() that lets NULL equal only NULL. */
static int same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * PRAGMA table_info gives one row per column, in declaration order: cid,
 * name, type, notnull, dflt_value, pk.
 */
static int column_matches(sqlite3_stmt *stmt, const struct column *want)
{
	return same_text(text_or_null(stmt, 1), want->name) &&
	       same_text(text_or_null(stmt, 2), want->type) &&
	       sqlite3_column_int(stmt, 3) == want->notnull &&
	       same_text(text_or_null(stmt, 4), want->dflt) &&
	       sqlite3_column_int(stmt, 5) == want->pk;
}

/* `sql` is PRAGMA table_info for one table; `want` its `count` columns. */
static void check_columns(const char *sql, const struct column *want, int count)
{
	sqlite3_stmt *stmt = NULL;
	char got[128];
	int i;

	ES_ASSERT_INT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
			 SQLITE_OK);
	for (i = 0; sqlite3_step(stmt) == SQLITE_ROW; i++) {
		if (i < count && column_matches(stmt, &want[i]))
			continue;
		snprintf(got, sizeof(got), "%s %s%s%s%s", text_or_null(stmt, 1),
			 text_or_null(stmt, 2),
			 sqlite3_column_int(stmt, 3) ? " NOT NULL" : "",
			 text_or_null(stmt, 4) ? " DEFAULT " : "",
			 text_or_null(stmt, 4) ? text_or_null(stmt, 4) : "");
		sqlite3_finalize(stmt);
		if (i >= count)
			ES_FAIL("%s: unexpected column %d, %s", sql, i, got);
		ES_FAIL("%s: column %d is %s, expected %s %s%s%s%s", sql, i,
			got, want[i].name, want[i].type,
			want[i].notnull ? " NOT NULL" : "",
			want[i].dflt ? " DEFAULT " : "",
			want[i].dflt ? want[i].dflt : "");
	}
	sqlite3_finalize(stmt);
	ES_ASSERT_INT_EQ(i, count);
}
#define check_columns(sql, want, count)                                        \
	ES_CALLED(check_columns(sql, want, count))

static void test_write_mode_creates_the_views(void)
{
	check_setup();
	check_columns("PRAGMA table_info(product_detail_view)", detail_columns,
		      9);
	check_columns("PRAGMA table_info(product_list_view)", list_columns, 5);
}

static void test_write_mode_settings(void)
{
	sqlite3_stmt *stmt = NULL;
	char mode[16] = "";

	check_setup();
	ES_ASSERT_INT_EQ(
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL),
		SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s", text_or_null(stmt, 0));
	sqlite3_finalize(stmt);
	ES_ASSERT_STR_EQ(mode, "wal");
	/* NORMAL (1): derived data; the log, which is FULL, is the truth */
	ES_ASSERT_INT_EQ(es_test_query_int(db, "PRAGMA synchronous"), 1);
	ES_ASSERT_INT_EQ(es_test_query_int(db, "PRAGMA busy_timeout"), 5000);
}

static void test_write_mode_keeps_existing_rows(void)
{
	fill_catalog();
	ES_ASSERT_OK(
		es_read_db_open(&other_db, db_path, ES_READ_DB_WRITE, &err),
		&err);
	ES_ASSERT_INT_EQ(es_test_query_int(other_db, "SELECT count(*)"
						     " FROM product_list_view"),
			 6);
}

/*
 * The message an open failure gives: "<path>: <SQLite's message>", cut
 * where es_error_set() cuts it when the test directory's path is long.
 */
static void open_error_msg(char *want, size_t size, const char *path,
			   const char *sqlite_msg)
{
	snprintf(want, size, "%s: %s", path, sqlite_msg);
	if (size > ES_ERROR_MSG_SIZE)
		want[ES_ERROR_MSG_SIZE - 1] = '\0';
}

static void test_query_mode_on_missing_file(void)
{
	char path[PATH_MAX];
	char want[PATH_MAX + 64];

	es_test_path(path, sizeof(path), "missing.db");
	open_error_msg(want, sizeof(want), path,
		       "unable to open database file");
	ES_ASSERT_CODE(es_read_db_open(&other_db, path, ES_READ_DB_QUERY, &err),
		       ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg, want);
	ES_ASSERT_TRUE(access(path, F_OK) != 0);
}

static void test_query_mode_reads_but_cannot_write(void)
{
	fill_catalog();
	ES_ASSERT_OK(
		es_read_db_open(&other_db, db_path, ES_READ_DB_QUERY, &err),
		&err);
	ES_ASSERT_INT_EQ(es_test_query_int(other_db,
					   "SELECT count(*)"
					   " FROM product_detail_view"),
			 5);
	ES_ASSERT_INT_EQ(sqlite3_exec(other_db, "DELETE FROM product_list_view",
				      NULL, NULL, NULL),
			 SQLITE_READONLY);
}

static const struct mode_row {
	const char *name;
	enum es_read_db_mode mode;
} modes[] = {
	{"write mode", ES_READ_DB_WRITE},
	{"query mode", ES_READ_DB_QUERY},
};

static void test_not_a_database_is_refused(void)
{
	char path[PATH_MAX];
	char want[PATH_MAX + 64];
	const char junk[] = "this is a text file, not a database, and it is"
			    " long enough to hold a database header\n";
	FILE *f;
	size_t i;
	int rc;

	es_test_path(path, sizeof(path), "notes.txt");
	f = fopen(path, "w");
	ES_ASSERT_TRUE(f != NULL);
	fputs(junk, f);
	fclose(f);
	open_error_msg(want, sizeof(want), path, "file is not a database");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		es_error_clear(&err);
		rc = es_read_db_open(&other_db, path, modes[i].mode, &err);
		if (rc != ES_EDB || strcmp(err.msg, want) != 0)
			ES_FAIL("%s: returned %s (\"%s\"), expected ES_EDB"
				" (\"%s\")",
				modes[i].name, es_code_name(rc), err.msg, want);
	}
}

static void test_query_handler_needs_the_views(void)
{
	char path[PATH_MAX];
	struct es_query_handler *other_qh = NULL;
	int rc;

	es_test_path(path, sizeof(path), "empty.db");
	ES_ASSERT_INT_EQ(sqlite3_open(path, &other_db), SQLITE_OK);
	rc = es_query_handler_open(&other_qh, other_db, &err);
	es_query_handler_close(other_qh);
	ES_ASSERT_CODE(rc, ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg, "no such table: product_detail_view");
}

/* ---- queries ---------------------------------------------------------- */

static void test_detail_returns_every_field(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_product_detail(&detail, qh, 2, &err), &err);
	ES_ASSERT_INT_EQ(detail.id, 2);
	ES_ASSERT_STR_EQ(detail.name, "Gadget Plus");
	ES_ASSERT_STR_EQ(detail.description, "Does more");
	ES_ASSERT_DOUBLE_EQ(detail.price, 44.99);
	ES_ASSERT_INT_EQ(detail.stock, 0);
	ES_ASSERT_INT_EQ(detail.view_count, 0);
	ES_ASSERT_STR_EQ(detail.supplier_name, "Acme Corp");
	ES_ASSERT_STR_EQ(detail.created_at, "2026-11-27T14:32:06.123457+00:00");
	ES_ASSERT_STR_EQ(detail.updated_at, "2026-11-27T14:32:09+00:00");
}

static void test_detail_without_description(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_product_detail(&detail, qh, 1, &err), &err);
	ES_ASSERT_STR_EQ(detail.name, "Widget Pro");
	ES_ASSERT_STR_EQ(detail.description, NULL);
	ES_ASSERT_INT_EQ(detail.view_count, 3);
}

static void test_detail_not_found(void)
{
	fill_catalog();
	ES_ASSERT_CODE(es_query_product_detail(&detail, qh, 42, &err),
		       ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 42 not found");
	/* Product 6 is in the list view only: detail reads its own view. */
	ES_ASSERT_CODE(es_query_product_detail(&detail, qh, 6, &err),
		       ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 6 not found");
}

static void test_detail_refuses_a_long_timestamp(void)
{
	fill_catalog();
	es_test_exec(db, "UPDATE product_detail_view SET updated_at ="
			 " '2026-11-27T14:32:05.123456+00:00 and more'"
			 " WHERE id = 3");
	ES_ASSERT_CODE(es_query_product_detail(&detail, qh, 3, &err), ES_EDB,
		       &err);
	ES_ASSERT_STR_EQ(err.msg, "product 3: updated_at is not a timestamp");
	ES_ASSERT_TRUE(detail.name == NULL);
}

static void test_card_returns_its_fields(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_product_card(&card, qh, 1, &err), &err);
	ES_ASSERT_INT_EQ(card.id, 1);
	ES_ASSERT_STR_EQ(card.name, "Widget Pro");
	ES_ASSERT_DOUBLE_EQ(card.price, 29.99);
	ES_ASSERT_TRUE(card.in_stock);
	es_product_card_dispose(&card);
	ES_ASSERT_OK(es_query_product_card(&card, qh, 2, &err), &err);
	ES_ASSERT_STR_EQ(card.name, "Gadget Plus");
	ES_ASSERT_TRUE(!card.in_stock);
	es_product_card_dispose(&card);
	/* Product 6 is in the list view only, where cards come from. */
	ES_ASSERT_OK(es_query_product_card(&card, qh, 6, &err), &err);
	ES_ASSERT_STR_EQ(card.name, "Listed Only");
}

static void test_card_not_found(void)
{
	fill_catalog();
	ES_ASSERT_CODE(es_query_product_card(&card, qh, 7, &err), ES_ENOTFOUND,
		       &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 7 not found");
}

static void check_summary(const struct es_product_summary *got,
			  const struct es_product_summary *want)
{
	ES_ASSERT_INT_EQ(got->id, want->id);
	ES_ASSERT_STR_EQ(got->name, want->name);
	ES_ASSERT_DOUBLE_EQ(got->price, want->price);
	ES_ASSERT_INT_EQ(got->stock, want->stock);
	ES_ASSERT_STR_EQ(got->supplier_name, want->supplier_name);
}
#define check_summary(got, want) ES_CALLED(check_summary(got, want))

static void test_list_returns_all_in_order_of_id(void)
{
	size_t i;

	fill_catalog();
	ES_ASSERT_OK(es_query_list_products(&list, qh, &err), &err);
	ES_ASSERT_INT_EQ(list.count, CATALOG_SIZE);
	for (i = 0; i < CATALOG_SIZE; i++)
		check_summary(&list.items[i], &catalog[i]);
}

static void test_list_of_empty_catalog(void)
{
	check_setup();
	list.count = 99; /* the query must set it */
	ES_ASSERT_OK(es_query_list_products(&list, qh, &err), &err);
	ES_ASSERT_INT_EQ(list.count, 0);
}

static const struct search_row {
	const char *name;
	const char *text;
	const char *ids; /* the ids found, in order */
} searches[] = {
	{"a word", "widget", "1 5"},
	{"upper case finds lower case", "WIDGET", "1 5"},
	{"mixed case", "gAdGeT", "2"},
	{"inside a word", "adge", "2"},
	{"'%' is a plain character", "%", "3"},
	{"'_' is a plain character", "_", "4"},
	{"'%' and '_' between letters", "e_c", "4"},
	{"the empty text finds everything", "", "1 2 3 4 5 6"},
	{"no match is an empty list", "sprocket", ""},
};

static void test_search(void)
{
	char ids[64];
	size_t i, j;
	int n;

	fill_catalog();
	for (i = 0; i < sizeof(searches) / sizeof(searches[0]); i++) {
		const struct search_row *row = &searches[i];

		es_product_list_dispose(&list);
		if (es_query_search_products(&list, qh, row->text, &err) !=
		    ES_OK)
			ES_FAIL("%s: search '%s' failed: %s", row->name,
				row->text, err.msg);
		ids[0] = '\0';
		for (j = 0, n = 0; j < list.count; j++)
			n += snprintf(ids + n, sizeof(ids) - (size_t)n, "%s%d",
				      j > 0 ? " " : "", (int)list.items[j].id);
		if (strcmp(ids, row->ids) != 0)
			ES_FAIL("%s: search '%s' found [%s], expected [%s]",
				row->name, row->text, ids, row->ids);
	}
}

static void test_search_results_carry_every_field(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_search_products(&list, qh, "mug", &err), &err);
	ES_ASSERT_INT_EQ(list.count, 1);
	check_summary(&list.items[0], &catalog[3]);
}

/* ---- DTOs ------------------------------------------------------------- */

static void test_detail_to_json(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_product_detail(&detail, qh, 1, &err), &err);
	ES_ASSERT_OK(es_product_detail_to_json(&json, &detail, &err), &err);
	ES_ASSERT_STR_EQ(
		json, "{\"id\":1,\"name\":\"Widget Pro\","
		      "\"description\":null,\"price\":29.99,\"stock\":100,"
		      "\"view_count\":3,\"supplier_name\":\"Acme Corp\","
		      "\"created_at\":\"2026-11-27T14:32:05.123456+00:00\","
		      "\"updated_at\":\"2026-11-27T14:32:05.123456+00:00\"}");
	free(json);
	json = NULL;
	es_product_detail_dispose(&detail);
	ES_ASSERT_OK(es_query_product_detail(&detail, qh, 2, &err), &err);
	ES_ASSERT_OK(es_product_detail_to_json(&json, &detail, &err), &err);
	ES_ASSERT_STR_EQ(json,
			 "{\"id\":2,\"name\":\"Gadget Plus\","
			 "\"description\":\"Does more\",\"price\":44.99,"
			 "\"stock\":0,\"view_count\":0,"
			 "\"supplier_name\":\"Acme Corp\","
			 "\"created_at\":\"2026-11-27T14:32:06.123457+00:00\","
			 "\"updated_at\":\"2026-11-27T14:32:09+00:00\"}");
}

static void test_card_to_json(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_product_card(&card, qh, 2, &err), &err);
	ES_ASSERT_OK(es_product_card_to_json(&json, &card, &err), &err);
	ES_ASSERT_STR_EQ(json, "{\"id\":2,\"name\":\"Gadget Plus\","
			       "\"price\":44.99,\"in_stock\":false}");
	free(json);
	json = NULL;
	es_product_card_dispose(&card);
	ES_ASSERT_OK(es_query_product_card(&card, qh, 3, &err), &err);
	ES_ASSERT_OK(es_product_card_to_json(&json, &card, &err), &err);
	ES_ASSERT_STR_EQ(json, "{\"id\":3,\"name\":\"100% Cotton\","
			       "\"price\":15.5,\"in_stock\":true}");
}

static void test_list_to_json(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_search_products(&list, qh, "m", &err), &err);
	ES_ASSERT_OK(es_product_list_to_json(&json, &list, &err), &err);
	ES_ASSERT_STR_EQ(json,
			 "[{\"id\":4,\"name\":\"Snake_Case Mug\","
			 "\"price\":9.75,\"stock\":12,"
			 "\"supplier_name\":\"Mugs \\\"R\\\" Us\"},"
			 "{\"id\":5,\"name\":\"Mini widget\",\"price\":5.0,"
			 "\"stock\":1,\"supplier_name\":\"Acme Corp\"}]");
}

static void test_empty_list_to_json(void)
{
	check_setup();
	ES_ASSERT_OK(es_query_list_products(&list, qh, &err), &err);
	ES_ASSERT_OK(es_product_list_to_json(&json, &list, &err), &err);
	ES_ASSERT_STR_EQ(json, "[]");
}

static void test_dispose_zeroes(void)
{
	fill_catalog();
	ES_ASSERT_OK(es_query_product_detail(&detail, qh, 2, &err), &err);
	es_product_detail_dispose(&detail);
	ES_ASSERT_TRUE(detail.name == NULL && detail.description == NULL &&
		       detail.supplier_name == NULL && detail.id == 0);
	es_product_detail_dispose(&detail); /* twice is harmless */
	ES_ASSERT_OK(es_query_list_products(&list, qh, &err), &err);
	es_product_list_dispose(&list);
	ES_ASSERT_TRUE(list.items == NULL && list.count == 0);
	es_product_list_dispose(&list);
	es_product_detail_dispose(NULL);
	es_product_card_dispose(NULL);
	es_product_list_dispose(NULL);
}

/* ---- es_sql: cached statements ---------------------------------------- */

/* Prepare sql_text into stmts on the read database. */
static void prepare_stmts(void)
{
	check_setup();
	ES_ASSERT_OK(es_sql_prepare_all(stmts, db, sql_text, SQL_COUNT, &err),
		     &err);
}
#define prepare_stmts() ES_CALLED(prepare_stmts())

static int64_t list_rows(void)
{
	return es_test_query_int(db, "SELECT count(*) FROM product_list_view");
}
#define list_rows() ES_CALLED_INT(list_rows())

/* Bind `id` and run the INSERT; the rc is the caller's to check. */
static int insert_product(int64_t id)
{
	sqlite3_bind_int64(stmts[SQL_INSERT], 1, id);
	return es_sql_run(stmts[SQL_INSERT], &err);
}

static void test_sql_prepare_all_and_run(void)
{
	prepare_stmts();
	for (int i = 0; i < SQL_COUNT; i++)
		ES_ASSERT_TRUE(stmts[i] != NULL);
	/* Reset after each run: the same statement runs again at once. */
	ES_ASSERT_OK(insert_product(1), &err);
	ES_ASSERT_OK(insert_product(2), &err);
	ES_ASSERT_INT_EQ(list_rows(), 2);
	ES_ASSERT_INT_EQ(sqlite3_stmt_busy(stmts[SQL_INSERT]), 0);
}

static void test_sql_prepare_all_failure(void)
{
	static const char *const bad_sql[] = {
		"SELECT 1",
		"SELECT * FROM no_such_table",
		"SELECT 2",
	};
	sqlite3_stmt *bad[3] = {NULL, NULL, NULL};
	char path[PATH_MAX];

	es_test_path(path, sizeof(path), "empty.db");
	ES_ASSERT_INT_EQ(sqlite3_open(path, &other_db), SQLITE_OK);
	ES_ASSERT_CODE(es_sql_prepare_all(bad, other_db, bad_sql, 3, &err),
		       ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg, "no such table: no_such_table");
	ES_ASSERT_TRUE(bad[0] == NULL && bad[1] == NULL && bad[2] == NULL);
	/* The first one, prepared before the failure, was finalized. */
	ES_ASSERT_TRUE(sqlite3_next_stmt(other_db, NULL) == NULL);
}

static void test_sql_run_failure(void)
{
	prepare_stmts();
	ES_ASSERT_OK(insert_product(1), &err);
	ES_ASSERT_CODE(insert_product(1), ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg,
			 "UNIQUE constraint failed: product_list_view.id");
	/* Reset all the same: the next run works. */
	ES_ASSERT_INT_EQ(sqlite3_stmt_busy(stmts[SQL_INSERT]), 0);
	ES_ASSERT_OK(insert_product(2), &err);
	ES_ASSERT_INT_EQ(list_rows(), 2);
}

static void test_sql_commit_or_rollback(void)
{
	int rc;

	prepare_stmts();
	ES_ASSERT_OK(es_sql_run(stmts[SQL_BEGIN], &err), &err);
	rc = insert_product(1);
	ES_ASSERT_OK(es_sql_commit_or_rollback(rc, stmts[SQL_COMMIT],
					       stmts[SQL_ROLLBACK], &err),
		     &err);
	ES_ASSERT_INT_EQ(list_rows(), 1);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(db));
	/* The work fails after a change: the change goes, its error stays. */
	ES_ASSERT_OK(es_sql_run(stmts[SQL_BEGIN], &err), &err);
	ES_ASSERT_OK(insert_product(2), &err);
	rc = es_error_set(&err, ES_EINVAL, "Stock cannot be negative");
	ES_ASSERT_CODE(es_sql_commit_or_rollback(rc, stmts[SQL_COMMIT],
						 stmts[SQL_ROLLBACK], &err),
		       ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "Stock cannot be negative");
	ES_ASSERT_INT_EQ(list_rows(), 1);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(db));
}

static void test_sql_rollback_without_transaction(void)
{
	prepare_stmts();
	/* A ROLLBACK run here would fail; es_sql_rollback runs none. */
	es_sql_rollback(stmts[SQL_ROLLBACK]);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(db));
	ES_ASSERT_CODE(es_sql_run(stmts[SQL_ROLLBACK], &err), ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg, "cannot rollback - no transaction is active");
}

static void test_sql_error_busy(void)
{
	prepare_stmts();
	ES_ASSERT_INT_EQ(sqlite3_open(db_path, &other_db), SQLITE_OK);
	es_test_exec(other_db, "BEGIN IMMEDIATE");
	sqlite3_busy_timeout(db, 0);
	ES_ASSERT_CODE(insert_product(1), ES_EBUSY, &err);
	ES_ASSERT_STR_EQ(err.msg, "database is locked");
	es_test_exec(other_db, "ROLLBACK");
	/* The lock is gone: the same call works. */
	ES_ASSERT_OK(insert_product(1), &err);
	ES_ASSERT_INT_EQ(list_rows(), 1);
}

/* The journal mode of `conn`, as PRAGMA journal_mode names it. */
static const char *journal_mode(sqlite3 *conn)
{
	static char mode[16];
	sqlite3_stmt *stmt = NULL;

	mode[0] = '\0';
	ES_ASSERT_INT_EQ(sqlite3_prepare_v2(conn, "PRAGMA journal_mode", -1,
					    &stmt, NULL),
			 SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s", text_or_null(stmt, 0));
	sqlite3_finalize(stmt);
	return mode;
}

static void test_sql_use_wal(void)
{
	char path[PATH_MAX];

	es_test_path(path, sizeof(path), "plain.db");
	ES_ASSERT_INT_EQ(sqlite3_open(path, &other_db), SQLITE_OK);
	es_test_exec(other_db, "CREATE TABLE t (x)");
	ES_ASSERT_STR_EQ(journal_mode(other_db), "delete");
	/* A reader in the old journal mode keeps the file from switching. */
	es_test_exec(other_db, "BEGIN");
	ES_ASSERT_INT_EQ(es_test_query_int(other_db, "SELECT count(*) FROM t"),
			 0);
	ES_ASSERT_INT_EQ(sqlite3_open(path, &third_db), SQLITE_OK);
	ES_ASSERT_CODE(es_sql_use_wal(third_db, 20, &err), ES_EBUSY, &err);
	ES_ASSERT_STR_EQ(err.msg, "database is locked");
	es_test_exec(other_db, "COMMIT");
	ES_ASSERT_OK(es_sql_use_wal(third_db, 20, &err), &err);
	ES_ASSERT_STR_EQ(journal_mode(third_db), "wal");
}

static void test_sql_finalize_all(void)
{
	prepare_stmts();
	sqlite3_finalize(stmts[SQL_COMMIT]);
	stmts[SQL_COMMIT] = NULL;
	es_sql_finalize_all(stmts, SQL_COUNT);
	for (int i = 0; i < SQL_COUNT; i++)
		ES_ASSERT_TRUE(stmts[i] == NULL);
	/* Only the query handler's statements are left on the database. */
	es_query_handler_close(qh);
	qh = NULL;
	ES_ASSERT_TRUE(sqlite3_next_stmt(db, NULL) == NULL);
}

/* ---- errors ----------------------------------------------------------- */

static void test_error_set(void)
{
	ES_ASSERT_INT_EQ(
		es_error_set(&err, ES_EINVAL, "Product %d not found", 7),
		ES_EINVAL);
	ES_ASSERT_INT_EQ(err.code, ES_EINVAL);
	ES_ASSERT_STR_EQ(err.msg, "Product 7 not found");
	es_error_clear(&err);
	ES_ASSERT_INT_EQ(err.code, ES_OK);
	ES_ASSERT_STR_EQ(err.msg, "");
}

static void test_error_set_truncates(void)
{
	char long_msg[ES_ERROR_MSG_SIZE + 100];

	memset(long_msg, 'x', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	ES_ASSERT_INT_EQ(es_error_set(&err, ES_EDB, "%s", long_msg), ES_EDB);
	ES_ASSERT_INT_EQ(strlen(err.msg), ES_ERROR_MSG_SIZE - 1);
	ES_ASSERT_TRUE(strspn(err.msg, "x") == ES_ERROR_MSG_SIZE - 1);
}

static void test_error_null(void)
{
	ES_ASSERT_INT_EQ(es_error_set(NULL, ES_ECONFLICT, "lost the race"),
			 ES_ECONFLICT);
	es_error_clear(NULL); /* must not crash */
}

static const struct code_row {
	int code;
	const char *name;
} code_names[] = {
	{ES_OK, "ES_OK"},
	{ES_ENOTFOUND, "ES_ENOTFOUND"},
	{ES_EINVAL, "ES_EINVAL"},
	{ES_ECONFLICT, "ES_ECONFLICT"},
	{ES_EDB, "ES_EDB"},
	{ES_ENOMEM, "ES_ENOMEM"},
	{ES_ECORRUPT, "ES_ECORRUPT"},
	{ES_ENOTIMPL, "ES_ENOTIMPL"},
	{ES_EBUSY, "ES_EBUSY"},
	{1, "ES_E?"},
	{-9, "ES_E?"},
};

static void test_code_names(void)
{
	const char *name;
	size_t i;

	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++) {
		name = es_code_name(code_names[i].code);
		if (name == NULL || strcmp(name, code_names[i].name) != 0)
			ES_FAIL("es_code_name(%d) is \"%s\", expected \"%s\"",
				code_names[i].code, name ? name : "(null)",
				code_names[i].name);
	}
}

static CU_TestInfo tests[] = {
	{"write mode creates both views with the seed's columns in order",
	 test_write_mode_creates_the_views},
	{"write mode uses WAL, synchronous=NORMAL and a 5 s busy timeout",
	 test_write_mode_settings},
	{"write mode on an existing read database keeps its rows",
	 test_write_mode_keeps_existing_rows},
	{"query mode on a missing file fails, names it, and creates nothing",
	 test_query_mode_on_missing_file},
	{"query mode reads the views and cannot write them",
	 test_query_mode_reads_but_cannot_write},
	{"a file that is not a database is refused in both modes",
	 test_not_a_database_is_refused},
	{"the query handler does not open without the view tables",
	 test_query_handler_needs_the_views},
	{"detail returns every field of product_detail_view",
	 test_detail_returns_every_field},
	{"detail gives a NULL description when the product has none",
	 test_detail_without_description},
	{"detail of an unknown product is 'Product N not found'",
	 test_detail_not_found},
	{"detail refuses a timestamp too long for its buffer",
	 test_detail_refuses_a_long_timestamp},
	{"card returns id, name, price and in_stock from product_list_view",
	 test_card_returns_its_fields},
	{"card of an unknown product is 'Product N not found'",
	 test_card_not_found},
	{"list returns every product in order of id",
	 test_list_returns_all_in_order_of_id},
	{"list of an empty catalog is an empty list, not an error",
	 test_list_of_empty_catalog},
	{"search ignores case and matches '%' and '_' literally", test_search},
	{"search results carry every field of the summary",
	 test_search_results_carry_every_field},
	{"detail to_json uses the field names and null for no description",
	 test_detail_to_json},
	{"card to_json writes in_stock as a JSON boolean", test_card_to_json},
	{"list to_json is an array of summaries, strings escaped",
	 test_list_to_json},
	{"an empty list's JSON is []", test_empty_list_to_json},
	{"dispose frees, zeroes, and ignores NULL", test_dispose_zeroes},
	{"es_sql_prepare_all prepares every statement; es_sql_run runs and"
	 " resets one",
	 test_sql_prepare_all_and_run},
	{"es_sql_prepare_all gives SQLite's message and leaves nothing "
	 "prepared",
	 test_sql_prepare_all_failure},
	{"es_sql_run reports a failed step and still resets the statement",
	 test_sql_run_failure},
	{"es_sql_commit_or_rollback commits, or rolls back keeping the error",
	 test_sql_commit_or_rollback},
	{"es_sql_rollback runs no ROLLBACK when no transaction is open",
	 test_sql_rollback_without_transaction},
	{"es_sql_error gives ES_EBUSY 'database is locked' for a lock held "
	 "past the busy timeout",
	 test_sql_error_busy},
	{"es_sql_use_wal switches a file to WAL, or gives ES_EBUSY while "
	 "another connection keeps it from switching",
	 test_sql_use_wal},
	{"es_sql_finalize_all finalizes, sets NULL, and ignores NULL slots",
	 test_sql_finalize_all},
	{"es_error_set records code and message and returns the code",
	 test_error_set},
	{"es_error_set truncates a message to ES_ERROR_MSG_SIZE - 1 bytes",
	 test_error_set_truncates},
	{"es_error_set and es_error_clear accept a NULL err", test_error_null},
	{"es_code_name names every code, and ES_E? for others",
	 test_code_names},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 0: read side", NULL, NULL, setup, teardown, tests},
	{"step 0: JSON text, given", NULL, NULL, es_json_text_setup,
	 es_json_text_teardown, es_json_text_tests},
	{"step 0: time, given", NULL, NULL, NULL, NULL, es_time_tests},
	{"step 0: event JSON, given", NULL, NULL, es_event_json_setup,
	 es_event_json_teardown, es_event_json_tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/00-overview.md";
