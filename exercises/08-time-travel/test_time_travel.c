/*
 * test_time_travel.c - step 8: the audit trail and time travel, both
 * replays of the log, and the store's range query under them.
 *
 * Each test gets its own event store and a handler with the fixed clock,
 * so every timestamp is known: the clock's n-th reading is
 * es_test_timestamp(n), one per accepted command. Teardown closes
 * everything, so a failed assertion leaks nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "audit.h"
#include "command_handler.h"
#include "commands.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "time_travel.h"

static struct es_test_clock clock_state;
static struct es_store *store;
static sqlite3 *raw; /* a second connection, for writing behind backs */
static struct es_command_handler handler;
static struct es_event got;
static struct es_event_list list;
static struct es_product product;
static FILE *mem;      /* what es_audit_trail prints into */
static char *mem_text; /* ... and where it lands */
static size_t mem_len;

/*
 * What fails in setup is written down and its handle left NULL: the test
 * then stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void setup(void)
{
	char path[512];
	struct es_error err;
	int rc;

	memset(&got, 0, sizeof(got));
	memset(&list, 0, sizeof(list));
	es_product_init(&product);
	handler.clock = es_test_clock(&clock_state);
	es_test_path(path, sizeof(path), "event_store.db");
	rc = es_store_open(&store, path, ES_STORE_WRITE, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_store_open", rc, &err);
	handler.store = store;
}

static void teardown(void)
{
	es_event_dispose(&got);
	es_event_list_dispose(&list);
	es_product_dispose(&product);
	if (mem != NULL)
		fclose(mem);
	mem = NULL;
	free(mem_text);
	mem_text = NULL;
	es_store_close(store);
	store = NULL;
	sqlite3_close(raw);
	raw = NULL;
}

/*
 * A second connection to the event store's file, opened on first use, to
 * write rows past the store's checks, as another program (the seed's
 * Python code, or a broken one) may have written them.
 */
static sqlite3 *raw_store(void)
{
	if (raw == NULL) {
		char path[512];

		es_test_path(path, sizeof(path), "event_store.db");
		es_test_open_db(&raw, path, SQLITE_OPEN_READWRITE);
	}
	return raw;
}

/* ---- commands, through the handler and the fixed clock ---- */

/* Handle `cmd`, which must be accepted; returns the event's id. */
static int64_t handle_ok(struct es_command cmd)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle(&got, &handler, &cmd, &err), &err);
	return got.id;
}
#define handle_ok(cmd) ES_CALLED_INT(handle_ok(cmd))

static int64_t create(const char *name, double price, int64_t stock)
{
	return handle_ok(es_test_cmd_create(name, price, stock));
}
#define create(name, price, stock) ES_CALLED_INT(create(name, price, stock))

static int64_t set_stock(int64_t product_id, int64_t new_stock)
{
	return handle_ok(es_test_cmd_update_stock(product_id, new_stock));
}
#define set_stock(product_id, new_stock)                                       \
	ES_CALLED_INT(set_stock(product_id, new_stock))

static int64_t set_price(int64_t product_id, double new_price)
{
	return handle_ok(es_test_cmd_change_price(product_id, new_price));
}
#define set_price(product_id, new_price)                                       \
	ES_CALLED_INT(set_price(product_id, new_price))

static int64_t view(int64_t product_id)
{
	return handle_ok(es_test_cmd_record_view(product_id));
}
#define view(product_id) ES_CALLED_INT(view(product_id))

/*
 * The scenario of the audit and time-travel tests: the seed's two
 * products, then views and changes. Event n + 1 is the clock's n-th
 * reading; Gadget Plus (product 2) has events 2, 3, 4, 5, 7, 8, 9.
 */
static void run_scenario(void)
{
	ES_ASSERT_INT_EQ(create("Widget Pro", 29.99, 100), 1);
	ES_ASSERT_INT_EQ(create("Gadget Plus", 49.99, 0), 2);
	ES_ASSERT_INT_EQ(set_stock(2, 50), 3);
	ES_ASSERT_INT_EQ(set_price(2, 44.99), 4);
	ES_ASSERT_INT_EQ(view(2), 5);
	ES_ASSERT_INT_EQ(view(1), 6);
	ES_ASSERT_INT_EQ(view(2), 7);
	ES_ASSERT_INT_EQ(set_price(2, 45.0), 8);
	ES_ASSERT_INT_EQ(set_stock(2, 5), 9);
}
#define run_scenario() ES_CALLED(run_scenario())

/* ---- the audit trail ---- */

/* Run es_audit_trail into `mem_text`; returns its code. */
static int audit(int64_t product_id, struct es_error *err)
{
	int rc;

	ES_REQUIRE_SETUP();
	mem = open_memstream(&mem_text, &mem_len);
	if (mem == NULL)
		ES_FAIL("open_memstream failed");
	rc = es_audit_trail(mem, store, product_id, err);
	fclose(mem);
	mem = NULL;
	return rc;
}
#define audit(product_id, err) ES_CALLED_INT(audit(product_id, err))

/* The audit line of event `id`, stamped with the clock's n-th reading. */
static void audit_line(char *buf, size_t size, int64_t id, int n,
		       const char *what)
{
	char at[ES_TIMESTAMP_SIZE];
	size_t len = strlen(buf);

	es_test_timestamp(at, n);
	snprintf(buf + len, size - len, "#%" PRId64 " %s %s\n", id, at, what);
}

static void test_audit_trail_tells_each_change(void)
{
	char expected[2048] = "";
	struct es_error err;

	run_scenario();
	audit_line(expected, sizeof(expected), 2, 1,
		   "ProductCreated: created 'Gadget Plus' at 49.99, stock 0, "
		   "supplier 'Acme Corp'");
	audit_line(expected, sizeof(expected), 3, 2,
		   "StockUpdated: stock 0 -> 50");
	audit_line(expected, sizeof(expected), 4, 3,
		   "PriceChanged: price 49.99 -> 44.99");
	audit_line(expected, sizeof(expected), 5, 4,
		   "ProductViewed: viewed (1 view)");
	audit_line(expected, sizeof(expected), 7, 6,
		   "ProductViewed: viewed (2 views)");
	audit_line(expected, sizeof(expected), 8, 7,
		   "PriceChanged: price 44.99 -> 45.0");
	audit_line(expected, sizeof(expected), 9, 8,
		   "StockUpdated: stock 50 -> 5");
	ES_ASSERT_OK(audit(2, &err), &err);
	ES_ASSERT_STR_EQ(mem_text, expected);
	free(mem_text);
	mem_text = NULL;
	expected[0] = '\0';
	audit_line(expected, sizeof(expected), 1, 0,
		   "ProductCreated: created 'Widget Pro' at 29.99, stock "
		   "100, supplier 'Acme Corp'");
	audit_line(expected, sizeof(expected), 6, 5,
		   "ProductViewed: viewed (1 view)");
	ES_ASSERT_OK(audit(1, &err), &err);
	ES_ASSERT_STR_EQ(mem_text, expected);
}

static void test_audit_trail_of_unknown_product(void)
{
	struct es_error err;

	run_scenario();
	ES_ASSERT_CODE(audit(99, &err), ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 99 not found");
	ES_ASSERT_STR_EQ(mem_text, "");
}

static void test_audit_trail_of_corrupted_log(void)
{
	struct es_error err;

	run_scenario();
	es_test_insert_corrupt_event(raw_store(), 2);
	ES_ASSERT_CODE(audit(2, &err), ES_ECORRUPT, &err);
	ES_ASSERT_TRUE(strncmp(err.msg, "event 10: ", 10) == 0);
	/* Loaded first, printed after: half a trail would mislead. */
	ES_ASSERT_STR_EQ(mem_text, "");
}

/* ---- time travel ---- */

static void test_time_travel_load_stops_at_the_moment(void)
{
	/* Product 2's events, and the clock reading of each. */
	static const int64_t ids[] = {2, 3, 4, 5, 7, 8, 9};
	static const int at[] = {1, 2, 3, 4, 6, 7, 8};
	char moment[ES_TIMESTAMP_SIZE];
	struct es_error err;

	run_scenario();
	for (int n = 0; n <= 9; n++) {
		size_t want = 0;

		while (want < 7 && at[want] <= n)
			want++;
		es_test_timestamp(moment, n);
		es_event_list_dispose(&list);
		ES_ASSERT_OK(es_time_travel_load(&list, store, 2, moment, &err),
			     &err);
		if (list.count != want)
			ES_FAIL("at %s: %zu events, expected %zu", moment,
				list.count, want);
		for (size_t i = 0; i < want; i++) {
			if (list.items[i].id != ids[i] ||
			    list.items[i].product_id != 2)
				ES_FAIL("at %s: event %zu is #%" PRId64
					" of product %" PRId64
					", expected #%" PRId64 " of product 2",
					moment, i, list.items[i].id,
					list.items[i].product_id, ids[i]);
		}
	}
	ES_ASSERT_INT_EQ(list.items[6].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(list.items[6].stock.new_stock, 5);
}

/* The ids in `list`, as "2 3 4" (empty when it is). */
static const char *ids_of(const struct es_event_list *l)
{
	static char buf[256];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->count && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
					 i == 0 ? "%" PRId64 : " %" PRId64,
					 l->items[i].id);
	return buf;
}

static void test_load_range_after_an_id_up_to_a_moment(void)
{
	static const struct {
		int64_t product_id, after_id;
		int until; /* a clock reading; -1: no time limit */
		const char *ids;
	} rows[] = {
		{2, 0, -1, "2 3 4 5 7 8 9"}, /* es_store_load */
		{2, 4, -1, "5 7 8 9"},
		{2, 4, 7, "5 7 8"},
		{2, 0, 3, "2 3 4"},
		{2, 9, -1, ""},
		{1, 1, -1, "6"},
		{99, 0, -1, ""},
	};
	char until[ES_TIMESTAMP_SIZE];
	struct es_error err;

	run_scenario();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].until >= 0)
			es_test_timestamp(until, rows[i].until);
		es_event_list_dispose(&list);
		ES_ASSERT_OK(es_store_load_range(
				     &list, store, rows[i].product_id,
				     rows[i].after_id,
				     rows[i].until >= 0 ? until : NULL, &err),
			     &err);
		if (strcmp(ids_of(&list), rows[i].ids) != 0)
			ES_FAIL("product %" PRId64 " after %" PRId64
				" until %d: events [%s], expected [%s]",
				rows[i].product_id, rows[i].after_id,
				rows[i].until, ids_of(&list), rows[i].ids);
	}
}

/* The product at `moment` must exist and have these values. */
static void expect_product_at(const char *moment, double price, int64_t stock,
			      int64_t views_seen, int64_t version)
{
	struct es_error err;
	int rc;

	es_product_dispose(&product);
	rc = es_time_travel_product(&product, store, 2, moment, &err);
	if (rc != ES_OK)
		ES_FAIL("at %s: es_time_travel_product returned %s (\"%s\")",
			moment, es_code_name(rc), err.msg);
	if (product.id != 2 || product.price != price ||
	    product.stock != stock || product.view_count != views_seen ||
	    product.version != version)
		ES_FAIL("at %s: product %" PRId64 " price %.17g stock %" PRId64
			" views %" PRId64 " version %" PRId64 ", expected "
			"product 2 price %.17g stock %" PRId64 " views %" PRId64
			" version %" PRId64,
			moment, product.id, product.price, product.stock,
			product.view_count, product.version, price, stock,
			views_seen, version);
	ES_ASSERT_STR_EQ(product.name, "Gadget Plus");
}
#define expect_product_at(moment, price, stock, views_seen, version)           \
	ES_CALLED(expect_product_at(moment, price, stock, views_seen, version))

static void test_time_travel_product_at_each_event(void)
{
	static const struct {
		int n; /* the clock reading */
		double price;
		int64_t stock, views_seen, version;
	} rows[] = {
		/* Views count in view_count, not in the version. */
		{1, 49.99, 0, 0, 1},  {2, 49.99, 50, 0, 2},
		{3, 44.99, 50, 0, 3}, {4, 44.99, 50, 1, 3},
		{5, 44.99, 50, 1, 3}, /* product 1's view */
		{6, 44.99, 50, 2, 3}, {7, 45.0, 50, 2, 4},
		{8, 45.0, 5, 2, 5},   {100, 45.0, 5, 2, 5},
	};
	char moment[ES_TIMESTAMP_SIZE];

	run_scenario();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		es_test_timestamp(moment, rows[i].n);
		expect_product_at(moment, rows[i].price, rows[i].stock,
				  rows[i].views_seen, rows[i].version);
	}
}

static void test_time_travel_before_the_first_event(void)
{
	static const struct {
		const char *name;
		int64_t product_id;
		const char *moment; /* NULL: the clock's first reading */
	} rows[] = {
		{"long before", 2, "2026-11-27T00:00:00+00:00"},
		{"when product 1 was created", 2, NULL},
		{"a product never created", 99, "2027-01-01T00:00:00+00:00"},
		{"a product with only views", 7, "2027-01-01T00:00:00+00:00"},
	};
	char first[ES_TIMESTAMP_SIZE];
	char msg[ES_ERROR_MSG_SIZE];
	struct es_error append_err;

	run_scenario();
	/* A view of a product never created, as the seed's Python records. */
	es_event_dispose(&got);
	es_test_product_viewed(&got, 7, 9);
	ES_ASSERT_OK(es_store_append(store, &got, &append_err), &append_err);
	es_test_timestamp(first, 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *moment = rows[i].moment ? rows[i].moment : first;
		struct es_error err;
		int rc;

		es_product_dispose(&product);
		rc = es_time_travel_product(&product, store, rows[i].product_id,
					    moment, &err);
		snprintf(msg, sizeof(msg),
			 "Product %" PRId64 " did not exist at %s",
			 rows[i].product_id, moment);
		if (rc != ES_ENOTFOUND || strcmp(err.msg, msg) != 0)
			ES_FAIL("%s: returned %s (\"%s\"), expected "
				"ES_ENOTFOUND (\"%s\")",
				rows[i].name, es_code_name(rc), err.msg, msg);
		if (product.name != NULL || product.version != 0)
			ES_FAIL("%s: *out is not the empty product",
				rows[i].name);
	}
}

static void test_time_travel_between_events(void)
{
	char moment[ES_TIMESTAMP_SIZE];
	struct es_error err;
	int64_t micros;

	run_scenario();
	/* Halfway between the stock update (2) and the markdown (3). */
	es_time_format(moment, ES_TEST_EPOCH_US + 2 * ES_TEST_STEP_US +
				       ES_TEST_STEP_US / 2);
	expect_product_at(moment, 49.99, 50, 0, 2);
	/* One microsecond before the markdown, and at it. */
	es_time_format(moment, ES_TEST_EPOCH_US + 3 * ES_TEST_STEP_US - 1);
	expect_product_at(moment, 49.99, 50, 0, 2);
	es_test_timestamp(moment, 3);
	expect_product_at(moment, 44.99, 50, 0, 3);
	/* A moment a person typed: 14:32:07 sharp, before the stock
	 * update's 14:32:07.123458. */
	ES_ASSERT_OK(es_time_parse(&micros, "2026-11-27T14:32:07Z", &err),
		     &err);
	es_time_format(moment, micros);
	ES_ASSERT_STR_EQ(moment, "2026-11-27T14:32:07+00:00");
	expect_product_at(moment, 49.99, 0, 0, 1);
}

/* A StockUpdated of product 2 as Python writes it, at `at`. */
static void insert_python_stock(int64_t new_stock, const char *at)
{
	char data[256];

	snprintf(data, sizeof(data),
		 "{\"product_id\": 2, \"new_stock\": %" PRId64
		 ", \"occurred_at\": \"%s\"}",
		 new_stock, at);
	es_test_insert_event(raw_store(), 2, "StockUpdated", data, at);
}
#define insert_python_stock(new_stock, at)                                     \
	ES_CALLED(insert_python_stock(new_stock, at))

static void test_time_travel_with_python_timestamps(void)
{
	static const struct {
		const char *typed; /* read with es_time_parse */
		int64_t stock, version;
	} rows[] = {
		{"2026-11-27T14:59:59.999999Z", 0, 1},
		/* A fraction-less timestamp is .000000: at it, in. */
		{"2026-11-27T15:00:00Z", 7, 2},
		{"2026-11-27T15:00:00.000001+00:00", 8, 3},
		{"2026-11-27T15:00:00.5Z", 8, 3},
		{"2026-11-27T15:00:00.999999Z", 8, 3},
		{"2026-11-27T15:00:01+00:00", 10, 4},
		{"2026-11-28", 10, 4},
	};
	char moment[ES_TIMESTAMP_SIZE];

	create("Widget Pro", 29.99, 100);
	create("Gadget Plus", 49.99, 0);
	insert_python_stock(7, "2026-11-27T15:00:00+00:00");
	insert_python_stock(8, "2026-11-27T15:00:00.000001+00:00");
	insert_python_stock(10, "2026-11-27T15:00:01+00:00");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct es_error err;
		int64_t micros;

		if (es_time_parse(&micros, rows[i].typed, &err) != ES_OK)
			ES_FAIL("%s: es_time_parse: %s", rows[i].typed,
				err.msg);
		es_time_format(moment, micros);
		expect_product_at(moment, 49.99, rows[i].stock, 0,
				  rows[i].version);
	}
}

static CU_TestInfo tests[] = {
	{"audit_trail tells each event of a product and what it changed",
	 test_audit_trail_tells_each_change},
	{"audit_trail of a product without events is ES_ENOTFOUND",
	 test_audit_trail_of_unknown_product},
	{"audit_trail of a corrupted log is ES_ECORRUPT and prints nothing",
	 test_audit_trail_of_corrupted_log},
	{"time_travel_load returns the events up to the moment, by id",
	 test_time_travel_load_stops_at_the_moment},
	{"the store's load_range takes a product's events after an id, up "
	 "to a moment",
	 test_load_range_after_an_id_up_to_a_moment},
	{"time_travel_product gives the state at each event's moment",
	 test_time_travel_product_at_each_event},
	{"time_travel_product before the product existed is ES_ENOTFOUND",
	 test_time_travel_before_the_first_event},
	{"time_travel_product between two events gives the earlier state",
	 test_time_travel_between_events},
	{"time travel orders Python's fraction-less timestamps right",
	 test_time_travel_with_python_timestamps},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 8: the audit trail and time travel", NULL, NULL, setup, teardown,
	 tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/08-time-travel.md";
