/*
 * test_catalog_files.c - files catalog did not write: junk instead of a
 * database, a corrupted event in the log, and logs written by the seed's
 * Python code.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "test_catalog.h"

/* ---- files that cannot be used ------------------------------------------- */

static void test_not_a_database(void)
{
	static const struct {
		const char *name;
		bool events; /* which file is junk: the log, or the views */
		const char *verb;
		const char *arg;
	} rows[] = {
		{"log", true, "log", NULL},
		{"log of a product", true, "log", "1"},
		{"state", true, "state", "1"},
		{"apply", true, "apply", NULL},
		{"rebuild", true, "rebuild", NULL},
		{"demo", true, "demo", NULL},
		{"detail on junk views", false, "detail", "1"},
		{"list on junk views", false, "list", NULL},
		{"apply on junk views", false, "apply", NULL},
		{"rebuild on junk views", false, "rebuild", NULL},
	};
	struct es_test_buf junk = {0};

	for (int i = 0; i < 100; i++)
		es_test_buf_str(&junk,
				"This is not an SQLite database, just text.\n");
	es_test_buf_own(&junk);
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *file;
		size_t len;
		char *after;

		use_dir(es_test_format("row%zu", i));
		file = rows[i].events ? events_db : read_db;
		es_test_write_file(file, junk.s, junk.len);
		CATALOG(scenario_file(), rows[i].verb, rows[i].arg);
		if (es_test_last.status != 1)
			ES_FATAL("%s: exit %d, expected 1; stderr \"%s\"",
				 rows[i].name, es_test_last.status,
				 es_test_last.err);
		es_test_expect_failure(1,
				       es_test_format("catalog: %s: ", file));
		after = es_test_must_slurp(file, &len);
		if (len != junk.len || memcmp(after, junk.s, len) != 0)
			ES_FATAL("%s: %s was changed", rows[i].name, file);
	}
}

/* The lines of two renderings of the views, for "nothing changed". */
static const char *views_snapshot(void)
{
	return es_test_format("%s%s", es_test_rows_text(read_db, detail_sql),
			      es_test_rows_text(read_db, list_sql));
}
#define views_snapshot() ES_CALLED_PTR(views_snapshot())

static void test_rebuild_corrupted_event(void)
{
	static const struct {
		const char *name;
		const char *type;
		const char *data;
		const char *error;
	} rows[] = {
		{"data that is not JSON", "StockUpdated",
		 "{\"product_id\": 1, \"new_stock\": 7",
		 "data is not valid JSON"},
		{"a field of the wrong type", "StockUpdated",
		 "{\"product_id\": 1, \"new_stock\": \"7\", \"occurred_at\": "
		 "\"2026-11-27T14:32:05+00:00\"}",
		 "field 'new_stock' must be a whole number"},
		{"a missing field", "PriceChanged",
		 "{\"product_id\": 1, \"occurred_at\": "
		 "\"2026-11-27T14:32:05+00:00\"}",
		 "missing field 'new_price'"},
		{"a field the event does not have", "ProductViewed",
		 "{\"product_id\": 1, \"occurred_at\": "
		 "\"2026-11-27T14:32:05+00:00\", \"by\": \"me\"}",
		 "unknown field 'by'"},
		{"an unknown event type", "PriceReverted",
		 "{\"product_id\": 1, \"new_stock\": 7, \"occurred_at\": "
		 "\"2026-11-27T14:32:05+00:00\"}",
		 "unknown event type 'PriceReverted'"},
	};
	const char *log_db;
	const char *views_db;
	char **lines;
	size_t log_len;
	size_t views_len;
	char *log_bytes;
	char *views_bytes;

	use_dir("scenario");
	apply_scenario();
	/* Views that differ from what a replay gives: a replay shows. */
	es_test_db_exec(read_db, "UPDATE product_list_view SET stock = 999;");
	log_db = events_db;
	views_db = read_db;
	log_bytes = es_test_must_slurp(log_db, &log_len);
	views_bytes = es_test_must_slurp(views_db, &views_len);
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *before;

		use_dir(es_test_format("row%zu", i));
		es_test_write_file(events_db, log_bytes, log_len);
		es_test_write_file(read_db, views_bytes, views_len);
		before = views_snapshot();
		/* As a program that went around the log's checks wrote it. */
		es_test_db_insert_bad_event(events_db, 1, rows[i].type,
					    rows[i].data);
		CATALOG(NULL, "rebuild");
		if (es_test_last.status != 1)
			ES_FATAL("%s: rebuild exited %d, expected 1",
				 rows[i].name, es_test_last.status);
		/* It names the row, its product, why, and the way past it. */
		es_test_expect_failure(
			1, es_test_format(
				   "catalog: rebuild: the read model is "
				   "unchanged: event 7 (product 1) cannot be "
				   "decoded: %s; skip it with 'catalog "
				   "quarantine 7 --reason TEXT' ('catalog "
				   "verify' lists every such row)\n",
				   rows[i].error));
		es_test_expect_same_rows(rows[i].name, views_snapshot(),
					 before);
	}
	/* The readers of the log stop at the row too, with exit 1. */
	CATALOG(NULL, "log");
	es_test_expect_status(1);
	es_test_expect_error("catalog: ");
	ES_ASSERT_INT_EQ(es_test_out_lines(&lines), 6);
	CATALOG(NULL, "state", "1");
	es_test_expect_failure(1, "catalog: ");
}

/*
 * What catalog writes for data that the seed's Python code wrote: the
 * same bytes, except where Python wrote a whole number into a float field
 * ("price": 30, for a price given as the int 30). The C event holds a
 * double, so it is written back as json.dumps writes a float: 30.0.
 */
static const char *c_form(const char *py, int *changed)
{
	static const char *const keys[] = {
		"\"price\": ",
		"\"cost_price\": ",
		"\"new_price\": ",
	};
	struct es_test_buf b = {0};
	const char *p = py;

	es_test_buf_grow(&b, 0);
	while (*p != '\0') {
		size_t key = 0;
		size_t digits;

		for (size_t k = 0; k < COUNT(keys); k++) {
			if (strncmp(p, keys[k], strlen(keys[k])) == 0)
				key = strlen(keys[k]);
		}
		if (key == 0) {
			es_test_buf_add(&b, p++, 1);
			continue;
		}
		es_test_buf_add(&b, p, key);
		p += key;
		digits = strspn(p, "-0123456789");
		es_test_buf_add(&b, p, digits);
		p += digits;
		if (digits > 0 && *p != '.' && *p != 'e' && *p != 'E') {
			es_test_buf_str(&b, ".0");
			++*changed;
		}
	}
	return es_test_buf_own(&b);
}

static void test_python_views(void)
{
	const char *python_views;

	use_dir("work");
	python_views = es_test_format("%s/python-views.db", work);
	es_test_load_dump(events_db, "python-log.sql");
	es_test_load_dump(python_views, "python-views.sql");
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("");
	es_test_expect_same_rows("product_detail_view",
				 es_test_rows_text(read_db, detail_sql),
				 es_test_rows_text(python_views, detail_sql));
	es_test_expect_same_rows("product_list_view",
				 es_test_rows_text(read_db, list_sql),
				 es_test_rows_text(python_views, list_sql));
	/* Not vacuous: the fixture has products. */
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, "SELECT COUNT(*) FROM "
						       "product_detail_view"),
			 4);
}

static void test_python_log(void)
{
	struct es_test_event_row *ev;
	struct es_test_buf want = {0};
	int changed = 0;
	size_t n;

	use_dir("work");
	es_test_load_dump(events_db, "python-log.sql");
	n = es_test_load_events(events_db, &ev);
	ES_ASSERT_TRUE(n >= 4);
	for (size_t i = 0; i < n; i++)
		es_test_buf_printf(
			&want, "%s\n",
			log_line(&ev[i], c_form(ev[i].data, &changed)));
	es_test_buf_own(&want);
	/* The fixture's one int price and int cost price, and no more. */
	ES_ASSERT_INT_EQ(changed, 2);
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(want.s);
}

static void test_python_state(void)
{
	use_dir("work");
	es_test_load_dump(events_db, "python-log.sql");
	CATALOG(NULL, "state", "2");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	/* DEL comes out as \u007f, as every control character does. */
	es_test_expect_stdout(
		"{\"id\":2,\"name\":\"Crème brûlée\",\"description\":"
		"\"Custard with a \\\"burnt\\\" top.\\nServe cold\\t\\\\ "
		"chilled \\u007f\\u0001 ½ €\",\"price\":21.5,\"cost_price\":"
		"7.25,\"supplier_id\":2,\"supplier_name\":\"Pâtisserie "
		"Dupont\",\"stock\":12,\"view_count\":0,\"version\":2}\n");
	/* Its first view came before it existed: the aggregate counts it,
	 * as the seed's Product.load does (the views cannot). Unlike the
	 * seed's _version, the version counts no view: 2 events, not 4. */
	CATALOG(NULL, "state", "4");
	es_test_expect_status(0);
	es_test_expect_stdout(
		"{\"id\":4,\"name\":\"Party 🎉 Pack\",\"description\":"
		"null,\"price\":1e+16,\"cost_price\":0.0,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":5,"
		"\"view_count\":2,\"version\":2}\n");
}

CU_TestInfo catalog_files_tests[] = {
	{"a file that is not a database is refused and left as it was",
	 test_not_a_database},
	{"rebuild refuses a corrupted event, names it and the way past it, "
	 "and keeps the old views",
	 test_rebuild_corrupted_event},
	{"rebuild from the seed's Python log gives the Python views",
	 test_python_views},
	{"log reproduces the data the seed's Python code wrote",
	 test_python_log},
	{"state replays the seed's Python log as its aggregate does",
	 test_python_state},
	CU_TEST_INFO_NULL,
};
