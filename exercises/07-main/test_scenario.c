/*
 * test_scenario.c - step 7: the seed's main scenario, end to end.
 *
 * Everything from the earlier steps works together here: commands become
 * events in the store, the projector turns them into view rows, and the
 * queries read those rows back. The scenario prints into a memory stream,
 * and the test compares every byte of it with the expected text below.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_store.h"
#include "events.h"
#include "golden.h"
#include "harness.h"
#include "query_handler.h"
#include "read_db.h"
#include "scenario.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/*
 * The whole output: the detail of Widget Pro, the event log of Gadget
 * Plus (each event's data as the seed's json.dumps() writes it), and the
 * product list after the rebuild. The %d are the two products' ids, the %s
 * the fixed clock's timestamps; expect_output() fills them in.
 */
#define EXPECTED_OUTPUT                                                        \
	"{\"id\":%d,\"name\":\"Widget Pro\",\"description\":null,"             \
	"\"price\":29.99,\"stock\":100,\"view_count\":0,"                      \
	"\"supplier_name\":\"Acme Corp\","                                     \
	"\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n"                       \
	"\n"                                                                   \
	"--- Event Log for Gadget Plus ---\n"                                  \
	"  [%s] ProductCreated: {\"product_id\": %d,"                          \
	" \"name\": \"Gadget Plus\", \"price\": 49.99,"                        \
	" \"cost_price\": 22.5, \"supplier_id\": 1,"                           \
	" \"supplier_name\": \"Acme Corp\", \"stock\": 0,"                     \
	" \"occurred_at\": \"%s\", \"description\": null}\n"                   \
	"  [%s] StockUpdated: {\"product_id\": %d, \"new_stock\": 50,"         \
	" \"occurred_at\": \"%s\"}\n"                                          \
	"  [%s] PriceChanged: {\"product_id\": %d, \"new_price\": 44.99,"      \
	" \"occurred_at\": \"%s\"}\n"                                          \
	"\n"                                                                   \
	"--- Rebuilding read model from scratch ---\n"                         \
	"[{\"id\":%d,\"name\":\"Widget Pro\",\"price\":29.99,\"stock\":100,"   \
	"\"supplier_name\":\"Acme Corp\"},"                                    \
	"{\"id\":%d,\"name\":\"Gadget Plus\",\"price\":44.99,\"stock\":50,"    \
	"\"supplier_name\":\"Acme Corp\"}]\n"

/*
 * Setup opens both databases on fresh files and a memory stream for the
 * output. CUnit runs setup outside the test, where an assertion cannot
 * stop it, so setup records its result and each test checks it first.
 */
static struct es_store *store;
static sqlite3 *read_db;
static struct es_test_clock clock_state;
static struct es_clock test_clock;
static FILE *out;
static char *output;
static size_t output_size;
static int setup_rc;
static struct es_error setup_err;
static char store_path[PATH_MAX];
static sqlite3 *raw_store;
static struct es_event_list events;
static struct es_product_detail detail;
static struct es_product_list list;
static struct es_query_handler *qh;
static struct es_error err;

static void setup(void)
{
	char path[PATH_MAX];

	test_clock = es_test_clock(&clock_state);
	es_error_clear(&err);
	es_error_clear(&setup_err);
	es_test_path(store_path, sizeof(store_path), "event_store.db");
	es_test_path(path, sizeof(path), "read_model.db");
	setup_rc =
		es_store_open(&store, store_path, ES_STORE_WRITE, &setup_err);
	if (setup_rc == ES_OK)
		setup_rc = es_read_db_open(&read_db, path, ES_READ_DB_WRITE,
					   &setup_err);
	out = open_memstream(&output, &output_size);
	if (setup_rc == ES_OK && out == NULL)
		setup_rc = es_error_set(&setup_err, ES_ENOMEM,
					"open_memstream failed");
}

static void teardown(void)
{
	if (out != NULL)
		fclose(out);
	out = NULL;
	free(output);
	output = NULL;
	es_event_list_dispose(&events);
	es_product_detail_dispose(&detail);
	es_product_list_dispose(&list);
	es_query_handler_close(qh);
	qh = NULL;
	sqlite3_close(raw_store);
	raw_store = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_store_close(store);
	store = NULL;
}

static void check_setup(void)
{
	ES_ASSERT_OK(setup_rc, &setup_err);
}

/* Run the scenario on the fixture and return what it printed. */
static const char *run_scenario(void)
{
	check_setup();
	ES_ASSERT_OK(es_scenario_run(store, read_db, &test_clock, out, &err),
		     &err);
	ES_ASSERT_INT_EQ(fflush(out), 0);
	return output;
}
#define run_scenario() ES_CALLED_PTR(run_scenario())

/*
 * The expected output for products `widget` and `gadget`. The command
 * handler reads the clock once per command: the two creates, the stock update
 * and the price change are timestamps 0, 1, 2 and 3.
 */
static void expect_output(char *buf, size_t size, int widget, int gadget)
{
	char ts[4][ES_TIMESTAMP_SIZE];
	int i;

	for (i = 0; i < 4; i++)
		es_test_timestamp(ts[i], i);
	snprintf(buf, size, EXPECTED_OUTPUT, widget, ts[0], ts[0], ts[1],
		 gadget, ts[1], ts[2], gadget, ts[2], ts[3], gadget, ts[3],
		 widget, gadget);
}

static void test_prints_the_seed_output(void)
{
	char want[2048];

	expect_output(want, sizeof(want), 1, 2);
	ES_ASSERT_STR_EQ(run_scenario(), want);
}

static int64_t count_events(const char *sql)
{
	if (raw_store == NULL &&
	    sqlite3_open_v2(store_path, &raw_store, SQLITE_OPEN_READONLY,
			    NULL) != SQLITE_OK)
		ES_FAIL("cannot open %s: %s", store_path,
			sqlite3_errmsg(raw_store));
	return es_test_query_int(raw_store, sql);
}
#define count_events(sql) ES_CALLED_INT(count_events(sql))

static void test_store_holds_four_events(void)
{
	char ts[ES_TIMESTAMP_SIZE];

	run_scenario();
	ES_ASSERT_INT_EQ(count_events("SELECT count(*) FROM events"), 4);
	ES_ASSERT_INT_EQ(count_events("SELECT count(*) FROM events WHERE"
				      " event_type = 'ProductCreated'"),
			 2);
	ES_ASSERT_INT_EQ(count_events("SELECT count(*) FROM events WHERE"
				      " event_type = 'StockUpdated'"),
			 1);
	ES_ASSERT_INT_EQ(count_events("SELECT count(*) FROM events WHERE"
				      " event_type = 'PriceChanged'"),
			 1);

	ES_ASSERT_OK(es_store_load(&events, store, 1, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 1);
	ES_ASSERT_INT_EQ(events.items[0].type, ES_PRODUCT_CREATED);
	ES_ASSERT_STR_EQ(events.items[0].created.name, "Widget Pro");
	es_test_timestamp(ts, 0);
	ES_ASSERT_STR_EQ(events.items[0].occurred_at, ts);
	es_event_list_dispose(&events);

	ES_ASSERT_OK(es_store_load(&events, store, 2, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 3);
	ES_ASSERT_INT_EQ(events.items[0].type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(events.items[1].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(events.items[1].stock.new_stock, 50);
	ES_ASSERT_INT_EQ(events.items[2].type, ES_PRICE_CHANGED);
	ES_ASSERT_DOUBLE_EQ(events.items[2].price.new_price, 44.99);
	es_test_timestamp(ts, 3);
	ES_ASSERT_STR_EQ(events.items[2].occurred_at, ts);
}

static void test_views_hold_the_rebuilt_rows(void)
{
	char ts[ES_TIMESTAMP_SIZE];

	check_setup();
	/* A stale row that no event explains: the rebuild must wipe it. */
	es_test_exec(
		read_db,
		"INSERT INTO product_detail_view VALUES (99, 'Stale', NULL,"
		" 1.0, 1, 0, 'Nobody', '2000-01-01T00:00:00+00:00',"
		" '2000-01-01T00:00:00+00:00');"
		"INSERT INTO product_list_view VALUES (99, 'Stale', 1.0, 1,"
		" 'Nobody');");
	run_scenario();
	ES_ASSERT_OK(es_query_handler_open(&qh, read_db, &err), &err);
	ES_ASSERT_OK(es_query_product_detail(&detail, qh, 2, &err), &err);
	ES_ASSERT_STR_EQ(detail.name, "Gadget Plus");
	ES_ASSERT_STR_EQ(detail.description, NULL);
	ES_ASSERT_DOUBLE_EQ(detail.price, 44.99);
	ES_ASSERT_INT_EQ(detail.stock, 50);
	ES_ASSERT_INT_EQ(detail.view_count, 0);
	ES_ASSERT_STR_EQ(detail.supplier_name, "Acme Corp");
	es_test_timestamp(ts, 1);
	ES_ASSERT_STR_EQ(detail.created_at, ts);
	es_test_timestamp(ts, 3);
	ES_ASSERT_STR_EQ(detail.updated_at, ts);
	ES_ASSERT_OK(es_query_list_products(&list, qh, &err), &err);
	ES_ASSERT_INT_EQ(list.count, 2);
	ES_ASSERT_INT_EQ(list.items[0].id, 1);
	ES_ASSERT_INT_EQ(list.items[1].id, 2);
	ES_ASSERT_INT_EQ(es_test_query_int(read_db,
					   "SELECT count(*)"
					   " FROM product_detail_view"),
			 2);
}

/*
 * The same four commands, run by make golden through the reference, left
 * these rows: harness/golden/main.views. Later steps add views of their
 * own to that file; these are step 6's.
 */
static void test_views_are_golden_main(void)
{
	static const char *const views[] = {"product_detail_view",
					    "product_list_view", NULL};

	run_scenario();
	ES_ASSERT_GOLDEN_VIEWS(read_db, "main", views);
}

static void test_uses_the_ids_the_store_hands_out(void)
{
	char want[2048];
	int64_t id;

	check_setup();
	/* Ids 1 and 2 are taken, as if other products had been created. */
	ES_ASSERT_OK(es_store_new_product_id(store, &id, &err), &err);
	ES_ASSERT_OK(es_store_new_product_id(store, &id, &err), &err);
	expect_output(want, sizeof(want), 3, 4);
	ES_ASSERT_STR_EQ(run_scenario(), want);
}

static void test_stops_at_the_first_error(void)
{
	char path[PATH_MAX];
	int rc;

	check_setup();
	/* A read database without the view tables: nothing can project. */
	es_test_path(path, sizeof(path), "empty.db");
	ES_ASSERT_INT_EQ(sqlite3_open(path, &raw_store), SQLITE_OK);
	rc = es_scenario_run(store, raw_store, &test_clock, out, &err);
	ES_ASSERT_CODE(rc, ES_EDB, &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "no such table");
	ES_ASSERT_INT_EQ(fflush(out), 0);
	ES_ASSERT_STR_EQ(output, "");
}

static CU_TestInfo tests[] = {
	{"the scenario prints the detail, the event log and the list",
	 test_prints_the_seed_output},
	{"the store holds 2 creates, 1 stock update and 1 price change",
	 test_store_holds_four_events},
	{"the views hold exactly the rows rebuilt from the log",
	 test_views_hold_the_rebuilt_rows},
	{"the views after the scenario are the golden views \"main\"",
	 test_views_are_golden_main},
	{"the scenario uses the ids the store hands out, not 1 and 2",
	 test_uses_the_ids_the_store_hands_out},
	{"an error stops the scenario before it prints anything",
	 test_stops_at_the_first_error},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 7: main scenario", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/07-main.md";
