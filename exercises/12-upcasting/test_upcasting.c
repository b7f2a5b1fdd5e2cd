/*
 * test_upcasting.c - step 12: events written in an older shape, read
 * through an upcaster, the log never rewritten.
 *
 * es_upcast_data() is tested alone, on a table of data; then on a store
 * (`store`), whose file a plain sqlite3 connection (`raw`) fills with
 * rows in the old shape, as an older program wrote them, and reads back
 * to show they did not change. What the tests load is kept in
 * file-scope variables that the teardown disposes, so a failed assertion
 * leaks nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "command_handler.h"
#include "commands.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "snapshots.h"
#include "upcast.h"

static struct es_test_clock clock_state;
static char path[512];
static struct es_store *store;
static sqlite3 *raw;
static struct es_snapshots *snaps;
static struct es_command_handler handler;
static struct es_product got; /* what a snapshot load returned */
static struct es_event_list events;
static struct es_event ev;

/*
 * What fails here is written down and its handle left NULL: the test then
 * stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void setup(void)
{
	struct es_error err;
	int rc;

	es_product_init(&got);
	memset(&events, 0, sizeof(events));
	memset(&ev, 0, sizeof(ev));
	es_error_clear(&err);
	es_test_path(path, sizeof(path), "event_store.db");
	rc = es_store_open(&store, path, ES_STORE_WRITE, &err);
	if (rc != ES_OK) {
		es_test_setup_failed("es_store_open", rc, &err);
		return;
	}
	es_test_setup_open_db(&raw, path, SQLITE_OPEN_READWRITE);
	sqlite3_busy_timeout(raw, ES_STORE_BUSY_TIMEOUT_MS);
	handler.store = store;
	handler.clock = es_test_clock(&clock_state);
}

static void teardown(void)
{
	es_event_dispose(&ev);
	es_event_list_dispose(&events);
	es_product_dispose(&got);
	es_snapshots_close(snaps);
	snaps = NULL;
	sqlite3_close(raw);
	raw = NULL;
	es_store_close(store);
	store = NULL;
}

static void open_snapshots(int every)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_snapshots_open(&snaps, store, every, &err), &err);
}
#define open_snapshots(every) ES_CALLED(open_snapshots(every))

static int64_t count_events(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM events");
}
#define count_events() ES_CALLED_INT(count_events())

/* Step 5's handler, which must accept `cmd`. */
static void handle_ok(struct es_command cmd)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_handle(&ev, &handler, &cmd, &err), &err);
}
#define handle_ok(cmd) ES_CALLED(handle_ok(cmd))

/* Load product 1 now into `got`, from its snapshots, with `*st`. */
static void load_now(struct es_replay_stats *st)
{
	struct es_error err;

	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load(&got, st, snaps, 1, &err), &err);
}
#define load_now(st) ES_CALLED(load_now(st))

/* ---- upcasting ----------------------------------------------------------- */

#define AT "\"occurred_at\": \"2026-11-27T14:32:05.123456+00:00\""

struct upcast_case {
	const char *name;
	enum es_event_type type;
	const char *data;
	int code;
	const char *upcast;  /* NULL: left as it is */
	const char *message; /* when code is not ES_OK */
};

static const struct upcast_case upcasts[] = {
	{"an old StockUpdated", ES_STOCK_UPDATED,
	 "{\"product_id\": 2, \"quantity\": 50, " AT "}", ES_OK,
	 "{\"product_id\":2,\"new_stock\":50,"
	 "\"occurred_at\":\"2026-11-27T14:32:05.123456+00:00\"}",
	 NULL},
	{"an old StockUpdated, its fields in another order", ES_STOCK_UPDATED,
	 "{" AT ", \"quantity\": 0, \"product_id\": 2}", ES_OK,
	 "{\"occurred_at\":\"2026-11-27T14:32:05.123456+00:00\","
	 "\"new_stock\":0,\"product_id\":2}",
	 NULL},
	{"a current StockUpdated", ES_STOCK_UPDATED,
	 "{\"product_id\": 2, \"new_stock\": 50, " AT "}", ES_OK, NULL, NULL},
	{"a PriceChanged", ES_PRICE_CHANGED,
	 "{\"product_id\": 2, \"new_price\": 44.99, " AT "}", ES_OK, NULL,
	 NULL},
	{"a PriceChanged with a field called quantity", ES_PRICE_CHANGED,
	 "{\"product_id\": 2, \"quantity\": 50, " AT "}", ES_OK, NULL, NULL},
	{"a ProductViewed", ES_PRODUCT_VIEWED, "{\"product_id\": 2, " AT "}",
	 ES_OK, NULL, NULL},
	{"a StockUpdated that is not JSON, for the decoder to report",
	 ES_STOCK_UPDATED, "oops", ES_OK, NULL, NULL},
	{"a StockUpdated with both names", ES_STOCK_UPDATED,
	 "{\"product_id\": 2, \"quantity\": 5, \"new_stock\": 5, " AT "}",
	 ES_ECORRUPT, NULL, "StockUpdated has both 'new_stock' and 'quantity'"},
	{"a StockUpdated with neither name", ES_STOCK_UPDATED,
	 "{\"product_id\": 2, " AT "}", ES_ECORRUPT, NULL,
	 "StockUpdated has neither 'new_stock' nor 'quantity'"},
};

static void test_upcast_data(void)
{
	size_t n = sizeof(upcasts) / sizeof(upcasts[0]);
	static char unset[] = "unset";

	for (size_t i = 0; i < n; i++) {
		const struct upcast_case *c = &upcasts[i];
		struct es_error err;
		char *up = unset;
		int rc;

		es_error_clear(&err);
		rc = es_upcast_data(NULL, c->type, c->data, &up, &err);
		if (up == unset)
			ES_FAIL("%s: *upcast was not set", c->name);
		if (rc != c->code) {
			free(up);
			ES_FAIL("%s: returned %s \"%s\", expected %s", c->name,
				es_code_name(rc), err.msg,
				es_code_name(c->code));
		}
		if (c->message != NULL && strcmp(err.msg, c->message) != 0)
			ES_FAIL("%s: message \"%s\", expected \"%s\"", c->name,
				err.msg, c->message);
		if ((up == NULL) != (c->upcast == NULL) ||
		    (up != NULL && strcmp(up, c->upcast) != 0)) {
			char seen[512];

			snprintf(seen, sizeof(seen), "%s", up ? up : "NULL");
			free(up);
			ES_FAIL("%s: upcast to %s, expected %s", c->name, seen,
				c->upcast ? c->upcast : "NULL");
		}
		free(up);
	}
}

/* Copy the stored data of event `id` into `out`. */
static void stored_data(char *out, size_t size, int64_t id)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(raw, "SELECT data FROM events WHERE id = ?", -1,
			       &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		ES_FAIL("event %" PRId64 " is not in the log", id);
	}
	snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}
#define stored_data(out, size, id) ES_CALLED(stored_data(out, size, id))

static const char old_row[] = "{\"product_id\": 1, \"quantity\": 50, "
			      "\"occurred_at\": \"2026-11-27T14:32:06+00:00\"}";

static void test_old_row_loads_through_the_upcaster(void)
{
	char before[256], after[256];
	struct es_replay_stats st;
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	/* A row as an older program wrote it, with plain SQL. */
	es_test_insert_event(raw, 1, "StockUpdated", old_row,
			     "2026-11-27T14:32:06+00:00");
	stored_data(before, sizeof(before), 2);
	es_store_set_upcaster(store, es_upcast_data, NULL);
	ES_ASSERT_OK(es_store_load(&events, store, 1, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 2);
	ES_ASSERT_INT_EQ(events.items[1].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(events.items[1].id, 2);
	ES_ASSERT_INT_EQ(events.items[1].stock.new_stock, 50);
	ES_ASSERT_STR_EQ(events.items[1].occurred_at,
			 "2026-11-27T14:32:06+00:00");
	/* The snapshot load reads rows the same way. */
	open_snapshots(50);
	load_now(&st);
	ES_ASSERT_INT_EQ(got.version, 2);
	ES_ASSERT_INT_EQ(got.stock, 50);
	/* The log is read, never rewritten. */
	stored_data(after, sizeof(after), 2);
	ES_ASSERT_STR_EQ(after, before);
	ES_ASSERT_STR_EQ(after, old_row);
	ES_ASSERT_INT_EQ(count_events(), 2);
	/* Without the upcaster the same row is corrupt. */
	es_store_set_upcaster(store, NULL, NULL);
	es_event_list_dispose(&events);
	ES_ASSERT_CODE(es_store_load(&events, store, 1, &err), ES_ECORRUPT,
		       &err);
	ES_ASSERT_TRUE(strncmp(err.msg, "event 2: ", 9) == 0);
}

static void test_row_with_both_names_is_corrupt(void)
{
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	es_test_insert_event(raw, 1, "StockUpdated",
			     "{\"product_id\": 1, \"quantity\": 50,"
			     " \"new_stock\": 50,"
			     " \"occurred_at\": \"2026-11-27T14:32:06+00:00\"}",
			     "2026-11-27T14:32:06+00:00");
	es_store_set_upcaster(store, es_upcast_data, NULL);
	ES_ASSERT_CODE(es_store_load(&events, store, 1, &err), ES_ECORRUPT,
		       &err);
	ES_ASSERT_STR_EQ(err.msg, "event 2: StockUpdated has both "
				  "'new_stock' and 'quantity'");
	/* Without it, the decoder refuses the field it does not know. */
	es_store_set_upcaster(store, NULL, NULL);
	ES_ASSERT_CODE(es_store_load(&events, store, 1, &err), ES_ECORRUPT,
		       &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "quantity");
}

static CU_TestInfo tests[] = {
	{"the upcaster renames quantity to new_stock and nothing else",
	 test_upcast_data},
	{"an old-shape row loads through the upcaster and stays as it is",
	 test_old_row_loads_through_the_upcaster},
	{"a row with both names is corrupt, upcaster or not",
	 test_row_with_both_names_is_corrupt},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 12: upcasting", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/12-upcasting.md";
