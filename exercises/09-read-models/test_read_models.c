/*
 * test_read_models.c - step 9: two read models that did not exist when
 * the first events were written, view_count_summary and
 * low_stock_alert_view, applied event by event and filled from a whole
 * log.
 *
 * Each test gets its own read database with step 0's views. Events are
 * built by hand, with the harness's timestamps; the tables are read back
 * with plain SQL and dumped as text, one line a row (fixtures.h).
 * Teardown closes everything, so a failed assertion leaks nothing.
 */
#include <stdio.h>
#include <string.h>

#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "golden.h"
#include "harness.h"
#include "insights.h"
#include "read_db.h"

#define EVENT_MAX 16

static sqlite3 *read_db;
static struct es_store *store;
static struct es_insights *insights;
static struct es_event events[EVENT_MAX];
static struct es_test_dump after; /* tables as text, see fixtures.h */

/*
 * What fails in setup is written down and its handle left NULL: the test
 * then stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void setup(void)
{
	char path[512];
	struct es_error err;
	int rc;

	memset(events, 0, sizeof(events));
	es_test_path(path, sizeof(path), "read_model.db");
	rc = es_read_db_open(&read_db, path, ES_READ_DB_WRITE, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_read_db_open", rc, &err);
}

static void teardown(void)
{
	for (size_t i = 0; i < EVENT_MAX; i++)
		es_event_dispose(&events[i]);
	es_insights_close(insights);
	insights = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_store_close(store);
	store = NULL;
}

static void open_insights(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_insights_open(&insights, read_db, &err), &err);
	ES_ASSERT_TRUE(insights != NULL);
}
#define open_insights() ES_CALLED(open_insights())

/* ---- tables as text ---- */

/* The rows of one query, alone. */
static const struct es_test_dump *dump_rows(struct es_test_dump *d,
					    const char *sql)
{
	ES_REQUIRE_SETUP();
	return es_test_dump_rows(d, read_db, sql);
}
#define dump_rows(d, sql) ES_CALLED_PTR(dump_rows(d, sql))

static const struct es_test_dump *summary_rows(struct es_test_dump *d)
{
	return dump_rows(d, ES_TEST_VIEW_COUNTS_SQL);
}
#define summary_rows(d) ES_CALLED_PTR(summary_rows(d))

static const struct es_test_dump *alert_rows(struct es_test_dump *d)
{
	return dump_rows(d, ES_TEST_LOW_STOCK_SQL);
}
#define alert_rows(d) ES_CALLED_PTR(alert_rows(d))

/* ---- the new read models, event by event ---- */

/* Widget Pro's ProductCreated (fixtures.h): `name`, `stock`, no description. */
static void make_created(struct es_event *ev, int64_t product_id,
			 const char *name, int64_t stock, int n)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;
	struct es_product_created fields = es_test_widget_fields();

	fields.name = (char *)name;
	fields.stock = stock;
	fields.description = NULL;
	es_test_timestamp(at, n);
	ES_ASSERT_OK(
		es_event_product_created(ev, product_id, &fields, at, &err),
		&err);
}
#define make_created(ev, product_id, name, stock, n)                           \
	ES_CALLED(make_created(ev, product_id, name, stock, n))

static void apply_ok(const struct es_event *ev)
{
	struct es_error err;

	ES_ASSERT_OK(es_insights_apply(insights, ev, &err), &err);
}
#define apply_ok(ev) ES_CALLED(apply_ok(ev))

static void test_insights_count_views(void)
{
	char at[ES_TIMESTAMP_SIZE];

	open_insights();
	es_test_timestamp(at, 1);
	make_created(&events[0], 1, "Widget Pro", 100, 0);
	es_event_product_viewed(&events[1], 1, at);
	es_event_product_viewed(&events[2], 3, at);
	es_event_price_changed(&events[3], 1, 44.99, at);
	for (int i = 0; i < 4; i++)
		apply_ok(&events[i]);
	ES_ASSERT_ROWS(summary_rows(&after), "1|1\n3|1\n");
	apply_ok(&events[1]);
	apply_ok(&events[1]);
	ES_ASSERT_ROWS(summary_rows(&after), "1|3\n3|1\n");
	/* Views are all this model holds: no alerts for 100 in stock. */
	ES_ASSERT_ROWS(alert_rows(&after), "");
}

static void test_low_stock_alert_follows_stock(void)
{
	static const struct {
		const char *name;
		int64_t product_id;
		int64_t new_stock; /* -1: a price change instead */
		const char *alerts;
	} steps[] = {
		{"Gadget Plus drops to 3", 2, 3, "2|'Gadget Plus'|3\n"},
		{"Widget Pro drops to 9", 1, 9,
		 "1|'Widget Pro'|9\n2|'Gadget Plus'|3\n"},
		{"Gadget Plus restocked to 10, not below", 2, 10,
		 "1|'Widget Pro'|9\n"},
		{"Widget Pro sells out", 1, 0, "1|'Widget Pro'|0\n"},
		{"a price change changes no stock", 1, -1,
		 "1|'Widget Pro'|0\n"},
		{"a product never created has no alert", 5, 2,
		 "1|'Widget Pro'|0\n"},
		{"Widget Pro restocked to 40", 1, 40, ""},
	};
	char at[ES_TIMESTAMP_SIZE];

	open_insights();
	make_created(&events[0], 1, "Widget Pro", 100, 0);
	make_created(&events[1], 2, "Gadget Plus", 5, 1);
	make_created(&events[2], 3, "Doohickey", 10, 2);
	for (int i = 0; i < 3; i++)
		apply_ok(&events[i]);
	/* Created with 5 in stock: in at once; with 10: not. */
	ES_ASSERT_ROWS(alert_rows(&after), "2|'Gadget Plus'|5\n");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct es_event *ev = &events[3 + i];

		es_test_timestamp(at, 3 + (int)i);
		if (steps[i].new_stock < 0)
			es_event_price_changed(ev, steps[i].product_id, 1.5,
					       at);
		else
			es_event_stock_updated(ev, steps[i].product_id,
					       steps[i].new_stock, at);
		apply_ok(ev);
		ES_ASSERT_SAME_DUMP(alert_rows(&after), steps[i].alerts,
				    steps[i].name);
	}
}

static void test_insights_open_keeps_rows(void)
{
	struct es_error err;
	char at[ES_TIMESTAMP_SIZE];

	open_insights();
	es_test_timestamp(at, 0);
	make_created(&events[0], 4, "Gizmo", 2, 0);
	es_event_product_viewed(&events[1], 4, at);
	apply_ok(&events[0]);
	apply_ok(&events[1]);
	es_insights_close(insights);
	insights = NULL;
	/* The tables exist now: opening again creates nothing, wipes
	 * nothing. */
	ES_ASSERT_OK(es_insights_open(&insights, read_db, &err), &err);
	ES_ASSERT_ROWS(summary_rows(&after), "4|1\n");
	ES_ASSERT_ROWS(alert_rows(&after), "4|'Gizmo'|2\n");
	ES_ASSERT_ROWS(dump_rows(&after,
				 "SELECT name, type, \"notnull\","
				 " pk FROM pragma_table_info("
				 "'low_stock_alert_view') ORDER BY cid"),
		       "'product_id'|'INTEGER'|0|1\n'name'|'TEXT'|1|0\n"
		       "'stock'|'INTEGER'|1|0\n");
	ES_ASSERT_ROWS(dump_rows(&after, "SELECT name, type, \"notnull\","
					 " pk FROM pragma_table_info("
					 "'view_count_summary') ORDER BY cid"),
		       "'product_id'|'INTEGER'|0|1\n"
		       "'view_count'|'INTEGER'|1|0\n");
}

static void test_insights_reset_empties_them(void)
{
	struct es_error err;
	char at[ES_TIMESTAMP_SIZE];

	open_insights();
	es_test_timestamp(at, 0);
	make_created(&events[0], 4, "Gizmo", 2, 0);
	es_event_product_viewed(&events[1], 4, at);
	es_event_stock_updated(&events[2], 4, 1, at);
	apply_ok(&events[0]);
	apply_ok(&events[1]);
	ES_ASSERT_OK(es_insights_reset(insights, &err), &err);
	ES_ASSERT_ROWS(summary_rows(&after), "");
	ES_ASSERT_ROWS(alert_rows(&after), "");
	/* Gizmo's name went with the reset: a stock update alone cannot
	 * bring it back into the alert. */
	apply_ok(&events[2]);
	ES_ASSERT_ROWS(alert_rows(&after), "");
}

/* ---- filled from history ---- */

/* es_store_load_all() callback: `ctx` is the insights. */
static int apply_from_log(void *ctx, const struct es_event *ev,
			  struct es_error *err)
{
	return es_insights_apply(ctx, ev, err);
}

static void test_insights_filled_from_a_whole_log(void)
{
	static const char *const tables[] = {
		"low_stock_alert_view",
		"view_count_summary",
		NULL,
	};
	struct es_error err;
	char path[512];

	open_insights();
	/* A log written long before this read model existed. */
	es_test_path(path, sizeof(path), "event_store.db");
	es_test_load_golden_log("random", path);
	ES_ASSERT_OK(es_store_open(&store, path, ES_STORE_READONLY, &err),
		     &err);
	ES_ASSERT_OK(es_store_load_all(store, apply_from_log, insights, &err),
		     &err);
	ES_ASSERT_GOLDEN_VIEWS(read_db, "random", tables);
}

static CU_TestInfo tests[] = {
	{"view_count_summary counts every view of each product id",
	 test_insights_count_views},
	{"low_stock_alert_view holds the products below 10 in stock",
	 test_low_stock_alert_follows_stock},
	{"insights_open creates the tables once and keeps their rows",
	 test_insights_open_keeps_rows},
	{"insights_reset empties the new read models",
	 test_insights_reset_empties_them},
	{"the new read models filled from a whole log hold its golden rows",
	 test_insights_filled_from_a_whole_log},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 9: new read models", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/09-read-models.md";
