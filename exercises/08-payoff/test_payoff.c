/*
 * test_payoff.c - step 8: the audit trail, time travel, two new read
 * models filled from history, and the checkpoint that makes catch-up
 * exact.
 *
 * Each test gets its own event store and read database, and a handler
 * with the fixed clock, so every timestamp is known: the clock's n-th
 * reading is es_test_timestamp(n), one per accepted command. The views
 * are read back with plain SQL and dumped as text, one line a row, as in
 * step 6's suite (fixtures.h).
 *
 * The handles of this step (views, insights) are opened by the tests that
 * need them, not in setup: the audit and time-travel tests then fail on
 * their own functions, not on es_views_open. Teardown closes everything,
 * so a failed assertion leaks nothing.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aggregate.h"
#include "audit.h"
#include "command_handler.h"
#include "commands.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "insights.h"
#include "projector.h"
#include "read_db.h"
#include "time_travel.h"
#include "views.h"

#define EVENT_MAX 16

static struct es_test_clock clock_state;
static struct es_store *store;
static sqlite3 *read_db;
static sqlite3 *raw; /* a second connection, for writing behind backs */
static struct es_command_handler handler;
static struct es_views *views;
static struct es_insights *insights;
static struct es_projector *prj;
static struct es_event got;
static struct es_event events[EVENT_MAX];
static struct es_event_list list;
static struct es_product product;
static FILE *mem;      /* what es_audit_trail prints into */
static char *mem_text; /* ... and where it lands */
static size_t mem_len;
static struct es_test_dump before; /* tables as text, see fixtures.h */
static struct es_test_dump after;

/*
 * What fails in setup is written down and its handle left NULL: the test
 * then stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void open_store(void)
{
	char path[512];
	struct es_error err;
	int rc;

	es_test_path(path, sizeof(path), "event_store.db");
	rc = es_store_open(&store, path, ES_STORE_WRITE, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_store_open", rc, &err);
	handler.store = store;
}

static void setup(void)
{
	char path[512];
	struct es_error err;
	int rc;

	memset(&got, 0, sizeof(got));
	memset(events, 0, sizeof(events));
	memset(&list, 0, sizeof(list));
	es_product_init(&product);
	handler.clock = es_test_clock(&clock_state);
	open_store();
	es_test_path(path, sizeof(path), "read_model.db");
	rc = es_read_db_open(&read_db, path, ES_READ_DB_WRITE, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_read_db_open", rc, &err);
}

static void teardown(void)
{
	es_event_dispose(&got);
	for (size_t i = 0; i < EVENT_MAX; i++)
		es_event_dispose(&events[i]);
	es_event_list_dispose(&list);
	es_product_dispose(&product);
	if (mem != NULL)
		fclose(mem);
	mem = NULL;
	free(mem_text);
	mem_text = NULL;
	es_views_close(views);
	views = NULL;
	es_insights_close(insights);
	insights = NULL;
	es_projector_close(prj);
	prj = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_store_close(store);
	store = NULL;
	sqlite3_close(raw);
	raw = NULL;
}

static void open_views(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_views_open(&views, read_db, &err), &err);
	ES_ASSERT_TRUE(views != NULL);
}

static void open_insights(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_insights_open(&insights, read_db, &err), &err);
	ES_ASSERT_TRUE(insights != NULL);
}

/* Open `raw` on the event store's file. */
static void open_raw_store(void)
{
	char path[512];

	es_test_path(path, sizeof(path), "event_store.db");
	es_test_open_db(&raw, path, SQLITE_OPEN_READWRITE);
}

/*
 * Append a row to the log with SQL, past the store's checks, as another
 * program (the seed's Python code, or a broken one) may have written it.
 */
static void insert_raw(int64_t product_id, const char *type, const char *data,
		       const char *occurred_at)
{
	if (raw == NULL)
		open_raw_store();
	es_test_insert_event(raw, product_id, type, data, occurred_at);
}

/* A StockUpdated row whose data is not an event at all. */
static void insert_corrupt_row(int64_t product_id)
{
	insert_raw(product_id, "StockUpdated", "{\"product_id\": 1, oops",
		   "2026-11-27T14:32:05+00:00");
}

/* ---- commands, through the handler and the fixed clock ---- */

/* Handle `cmd`, which must be accepted; returns the event's id. */
static int64_t handle_ok(const struct es_command *cmd)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle(&got, &handler, cmd, &err), &err);
	return got.id;
}

static int64_t create(const char *name, double price, int64_t stock)
{
	struct es_command cmd = {.type = ES_CREATE_PRODUCT};

	cmd.create = (struct es_create_product){
		(char *)name, price, 12.0, 1, "Acme Corp", stock, NULL,
	};
	return handle_ok(&cmd);
}

static int64_t set_stock(int64_t product_id, int64_t new_stock)
{
	struct es_command cmd = {.type = ES_UPDATE_STOCK};

	cmd.update_stock.product_id = product_id;
	cmd.update_stock.new_stock = new_stock;
	return handle_ok(&cmd);
}

static int64_t set_price(int64_t product_id, double new_price)
{
	struct es_command cmd = {.type = ES_CHANGE_PRICE};

	cmd.change_price.product_id = product_id;
	cmd.change_price.new_price = new_price;
	return handle_ok(&cmd);
}

static int64_t view(int64_t product_id)
{
	struct es_command cmd = {.type = ES_RECORD_PRODUCT_VIEW};

	cmd.record_view.product_id = product_id;
	return handle_ok(&cmd);
}

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

#define SCRIPT_EVENTS  10
#define SCRIPT_SUMMARY "1|2\n2|1\n9|1\n"
#define SCRIPT_ALERTS  "1|'Widget Pro'|4\n3|'Doohickey'|3\n"

/*
 * The scenario of the read-model tests, ten events. Afterwards:
 * view_count_summary 1|2, 2|1, 9|1 (9 was never created, its view is
 * recorded all the same); low_stock_alert_view 1|'Widget Pro'|4 and
 * 3|'Doohickey'|3 (Gadget Plus was restocked). When `project` is true each
 * event goes through the step 6 projector, as before this step.
 */
static void run_script(int from, int to, bool project)
{
	struct es_error err;

	ES_ASSERT_TRUE(from >= 0 && to <= SCRIPT_EVENTS);

	for (int i = from; i < to; i++) {
		switch (i) {
		case 0:
			create("Widget Pro", 29.99, 100);
			break;
		case 1:
			create("Gadget Plus", 49.99, 0);
			break;
		case 2:
			set_stock(2, 50);
			break;
		case 3:
		case 4:
			view(1);
			break;
		case 5:
			view(2);
			break;
		case 6:
			view(9);
			break;
		case 7:
			set_stock(1, 4);
			break;
		case 8:
			create("Doohickey", 3.5, 3);
			break;
		default:
			set_price(3, 1.5);
			break;
		}
		if (project)
			ES_ASSERT_OK(es_projector_project(prj, &got, &err),
				     &err);
	}
}

/* ---- tables as text ---- */

/* The rows of one query, alone. */
static const char *dump_rows(struct es_test_dump *d, const char *sql)
{
	ES_REQUIRE_SETUP();
	return es_test_dump_rows(d, read_db, sql);
}

static const char *summary_rows(struct es_test_dump *d)
{
	return dump_rows(d, "SELECT product_id, view_count"
			    " FROM view_count_summary ORDER BY product_id");
}

static const char *alert_rows(struct es_test_dump *d)
{
	return dump_rows(d, "SELECT product_id, name, stock"
			    " FROM low_stock_alert_view ORDER BY product_id");
}

/* Every view, each under its name. */
static const char *dump_views(struct es_test_dump *d)
{
	ES_REQUIRE_SETUP();
	es_test_dump_reset(d);
	es_test_dump_append(d, "product_detail_view:\n");
	es_test_dump_query(d, read_db,
			   "SELECT id, name, description, price, stock,"
			   " view_count, supplier_name, created_at, updated_at"
			   " FROM product_detail_view ORDER BY id");
	es_test_dump_append(d, "product_list_view:\n");
	es_test_dump_query(d, read_db,
			   "SELECT id, name, price, stock, supplier_name"
			   " FROM product_list_view ORDER BY id");
	es_test_dump_append(d, "view_count_summary:\n");
	es_test_dump_query(d, read_db,
			   "SELECT product_id, view_count"
			   " FROM view_count_summary ORDER BY product_id");
	es_test_dump_append(d, "low_stock_alert_view:\n");
	es_test_dump_query(d, read_db,
			   "SELECT product_id, name, stock"
			   " FROM low_stock_alert_view ORDER BY product_id");
	return d->text;
}

static int64_t checkpoint(void)
{
	struct es_error err;
	int64_t id = -1;

	ES_ASSERT_OK(es_views_checkpoint(&id, views, &err), &err);
	return id;
}

/* Catch up, which must work; returns the number of events projected. */
static int64_t catch_up(void)
{
	struct es_error err;
	int64_t projected = -1;

	ES_ASSERT_OK(es_views_catch_up(&projected, views, store, &err), &err);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	return projected;
}

static int64_t rebuild(void)
{
	struct es_error err;
	int64_t projected = -1;

	ES_ASSERT_OK(es_views_rebuild(&projected, views, store, &err), &err);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	return projected;
}

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
	insert_corrupt_row(2);
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

	run_scenario();
	view(7);
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
	insert_raw(2, "StockUpdated", data, at);
}

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

static void apply_ok(const struct es_event *ev)
{
	struct es_error err;

	ES_ASSERT_OK(es_insights_apply(insights, ev, &err), &err);
}

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
	ES_ASSERT_STR_EQ(summary_rows(&after), "1|1\n3|1\n");
	apply_ok(&events[1]);
	apply_ok(&events[1]);
	ES_ASSERT_STR_EQ(summary_rows(&after), "1|3\n3|1\n");
	/* Views are all this model holds: no alerts for 100 in stock. */
	ES_ASSERT_STR_EQ(alert_rows(&after), "");
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
	ES_ASSERT_STR_EQ(alert_rows(&after), "2|'Gadget Plus'|5\n");
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
		if (strcmp(alert_rows(&after), steps[i].alerts) != 0)
			ES_FAIL("%s: low_stock_alert_view is \"%s\", "
				"expected \"%s\"",
				steps[i].name, after.text, steps[i].alerts);
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
	ES_ASSERT_STR_EQ(summary_rows(&after), "4|1\n");
	ES_ASSERT_STR_EQ(alert_rows(&after), "4|'Gizmo'|2\n");
	ES_ASSERT_STR_EQ(dump_rows(&after,
				   "SELECT name, type, \"notnull\","
				   " pk FROM pragma_table_info("
				   "'low_stock_alert_view') ORDER BY cid"),
			 "'product_id'|'INTEGER'|0|1\n'name'|'TEXT'|1|0\n"
			 "'stock'|'INTEGER'|1|0\n");
	ES_ASSERT_STR_EQ(dump_rows(&after,
				   "SELECT name, type, \"notnull\","
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
	ES_ASSERT_STR_EQ(summary_rows(&after), "");
	ES_ASSERT_STR_EQ(alert_rows(&after), "");
	/* Gizmo's name went with the reset: a stock update alone cannot
	 * bring it back into the alert. */
	apply_ok(&events[2]);
	ES_ASSERT_STR_EQ(alert_rows(&after), "");
}

/* ---- views, catch-up and the checkpoint ---- */

static void test_views_open_starts_at_zero(void)
{
	open_views();
	ES_ASSERT_INT_EQ(checkpoint(), 0);
	ES_ASSERT_STR_EQ(dump_rows(&after,
				   "SELECT name, type, \"notnull\","
				   " pk FROM pragma_table_info("
				   "'projection_checkpoint') ORDER BY cid"),
			 "'name'|'TEXT'|0|1\n"
			 "'last_event_id'|'INTEGER'|1|0\n");
	ES_ASSERT_STR_EQ(dump_views(&after),
			 "product_detail_view:\nproduct_list_view:\n"
			 "view_count_summary:\nlow_stock_alert_view:\n");
}

static void open_step6_projector(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_projector_open(&prj, read_db, &err), &err);
}

/* No table of this step in the read DB yet. */
static void expect_no_insight_tables(void)
{
	ES_ASSERT_INT_EQ(es_test_query_int(read_db,
					   "SELECT COUNT(*) FROM "
					   "sqlite_master WHERE name IN ("
					   "'view_count_summary', "
					   "'low_stock_alert_view')"),
			 0);
}

static void test_rebuild_fills_new_read_models(void)
{
	open_step6_projector();
	run_script(0, SCRIPT_EVENTS, true);
	expect_no_insight_tables();
	dump_rows(&before, "SELECT * FROM product_detail_view ORDER BY id");
	open_views();
	ES_ASSERT_INT_EQ(rebuild(), SCRIPT_EVENTS);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
	ES_ASSERT_STR_EQ(summary_rows(&after), SCRIPT_SUMMARY);
	ES_ASSERT_STR_EQ(alert_rows(&after), SCRIPT_ALERTS);
	dump_rows(&after, "SELECT * FROM product_detail_view ORDER BY id");
	ES_ASSERT_SAME_DUMP(after.text, before.text,
			    "product_detail_view after the rebuild");
}

static void test_first_catch_up_counts_nothing_twice(void)
{
	open_step6_projector();
	run_script(0, SCRIPT_EVENTS, true);
	dump_rows(&before, "SELECT * FROM product_detail_view ORDER BY id");
	ES_ASSERT_STR_CONTAINS(before.text, "|2|'Acme Corp'|");
	/* Views without a checkpoint: no one knows what they hold. */
	open_views();
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
	dump_rows(&after, "SELECT * FROM product_detail_view ORDER BY id");
	ES_ASSERT_SAME_DUMP(after.text, before.text,
			    "product_detail_view after the first catch-up");
	ES_ASSERT_STR_EQ(summary_rows(&after), SCRIPT_SUMMARY);
	ES_ASSERT_STR_EQ(alert_rows(&after), SCRIPT_ALERTS);
}

static void test_catch_up_projects_what_follows_the_checkpoint(void)
{
	open_views();
	run_script(0, 4, false);
	ES_ASSERT_INT_EQ(catch_up(), 4);
	ES_ASSERT_INT_EQ(checkpoint(), 4);
	ES_ASSERT_STR_EQ(summary_rows(&after), "1|1\n");
	ES_ASSERT_STR_EQ(alert_rows(&after), "");
	run_script(4, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS - 4);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
	ES_ASSERT_STR_EQ(summary_rows(&after), SCRIPT_SUMMARY);
	ES_ASSERT_STR_EQ(alert_rows(&after), SCRIPT_ALERTS);
	ES_ASSERT_STR_EQ(dump_rows(&after, "SELECT id, stock, view_count FROM"
					   " product_detail_view ORDER BY id"),
			 "1|4|2\n2|50|1\n3|3|0\n");
}

static void test_second_catch_up_projects_nothing(void)
{
	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	dump_views(&before);
	ES_ASSERT_INT_EQ(catch_up(), 0);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after a second catch-up");
}

static void test_catch_up_after_a_crash(void)
{
	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	/* A run that appended and never projected: gone without a trace
	 * but its events. */
	view(1);
	view(1);
	set_stock(2, 7);
	es_store_close(store);
	store = NULL;
	open_store();
	ES_REQUIRE_SETUP();
	ES_ASSERT_INT_EQ(catch_up(), 3);
	ES_ASSERT_INT_EQ(catch_up(), 0);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS + 3);
	ES_ASSERT_STR_EQ(summary_rows(&after), "1|4\n2|1\n9|1\n");
	ES_ASSERT_STR_EQ(dump_rows(&after, "SELECT id, stock, view_count FROM"
					   " product_detail_view ORDER BY id"),
			 "1|4|4\n2|7|1\n3|3|0\n");
	ES_ASSERT_STR_EQ(alert_rows(&after), "1|'Widget Pro'|4\n"
					     "2|'Gadget Plus'|7\n"
					     "3|'Doohickey'|3\n");
}

/*
 * In the child: append three events through a store of its own, then die
 * at once, as `kill -9` would: no close, no projection. SIGKILL also
 * keeps valgrind, if it runs us, from reporting the child's open store.
 */
static void child_appends_and_dies(void)
{
	struct es_event ev = {0};
	struct es_command cmd = {.type = ES_RECORD_PRODUCT_VIEW};
	struct es_error err;
	char path[512];
	int ok = 1;

	es_test_path(path, sizeof(path), "event_store.db");
	ok = es_store_open(&handler.store, path, ES_STORE_WRITE, &err) == ES_OK;
	cmd.record_view.product_id = 1;
	for (int i = 0; ok && i < 2; i++) {
		ok = es_handle(&ev, &handler, &cmd, &err) == ES_OK;
		es_event_dispose(&ev);
	}
	cmd.type = ES_UPDATE_STOCK;
	cmd.update_stock.product_id = 2;
	cmd.update_stock.new_stock = 7;
	if (ok)
		ok = es_handle(&ev, &handler, &cmd, &err) == ES_OK;
	if (!ok) {
		fprintf(stderr, "child: %s\n", err.msg);
		_exit(1);
	}
	kill(getpid(), SIGKILL);
	_exit(2); /* not reached */
}

static void test_catch_up_after_a_crashed_process(void)
{
	pid_t pid;
	int status;

	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	/* No SQLite connection crosses the fork: close ours first. */
	es_store_close(store);
	store = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		ES_FAIL("fork failed");
	if (pid == 0)
		child_appends_and_dies();
	if (waitpid(pid, &status, 0) != pid)
		ES_FAIL("waitpid failed");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		ES_FAIL("the child did not append its events (status %d)",
			status);
	open_store();
	ES_REQUIRE_SETUP();
	if (raw == NULL)
		open_raw_store();
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM events"),
			 SCRIPT_EVENTS + 3);
	ES_ASSERT_INT_EQ(catch_up(), 3);
	ES_ASSERT_INT_EQ(catch_up(), 0);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS + 3);
	ES_ASSERT_STR_EQ(summary_rows(&after), "1|4\n2|1\n9|1\n");
	ES_ASSERT_STR_EQ(dump_rows(&after, "SELECT id, stock, view_count FROM"
					   " product_detail_view ORDER BY id"),
			 "1|4|4\n2|7|1\n3|3|0\n");
}

/*
 * A catch-up that fails must leave everything as it was: the views, and
 * the checkpoint, which still says where the next one starts.
 */
static void expect_failed_catch_up(int code, const char *msg_part)
{
	struct es_error err;
	int64_t projected = -1;

	dump_views(&before);
	ES_ASSERT_CODE(es_views_catch_up(&projected, views, store, &err), code,
		       &err);
	ES_ASSERT_STR_CONTAINS(err.msg, msg_part);
	ES_ASSERT_INT_EQ(projected, 0);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after a failed catch-up");
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
}

static void test_failed_catch_up_on_a_corrupted_row(void)
{
	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	/* A good event, then a bad row: the good one must not stay
	 * projected either, or the next catch-up would count it twice. */
	view(1);
	insert_corrupt_row(1);
	expect_failed_catch_up(ES_ECORRUPT, "event 12: ");
	expect_failed_catch_up(ES_ECORRUPT, "event 12: ");
}

static void test_checkpoint_commits_with_the_views(void)
{
	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	view(1);
	set_stock(1, 50);
	/* The views take the events, then the checkpoint refuses to move:
	 * the views' changes must go too. */
	es_test_exec(read_db, "CREATE TRIGGER refuse_insert BEFORE INSERT ON "
			      "projection_checkpoint BEGIN SELECT RAISE(ABORT, "
			      "'checkpoint refused'); END;"
			      "CREATE TRIGGER refuse_update BEFORE UPDATE ON "
			      "projection_checkpoint BEGIN SELECT RAISE(ABORT, "
			      "'checkpoint refused'); END;");
	expect_failed_catch_up(ES_EDB, "checkpoint refused");
	es_test_exec(read_db, "DROP TRIGGER refuse_insert;"
			      "DROP TRIGGER refuse_update;");
	ES_ASSERT_INT_EQ(catch_up(), 2);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS + 2);
	ES_ASSERT_STR_EQ(summary_rows(&after), "1|3\n2|1\n9|1\n");
}

static void test_insights_move_with_the_projector(void)
{
	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	/* The projector takes the stock update, then the alert refuses
	 * it: the projector's change must go too. */
	set_stock(2, 3);
	es_test_exec(read_db, "CREATE TRIGGER refuse BEFORE INSERT ON "
			      "low_stock_alert_view BEGIN SELECT RAISE(ABORT, "
			      "'alert refused'); END;");
	expect_failed_catch_up(ES_EDB, "alert refused");
	es_test_exec(read_db, "DROP TRIGGER refuse;");
	ES_ASSERT_INT_EQ(catch_up(), 1);
	ES_ASSERT_STR_EQ(alert_rows(&after), "1|'Widget Pro'|4\n"
					     "2|'Gadget Plus'|3\n"
					     "3|'Doohickey'|3\n");
}

/* ---- rebuild ---- */

/* A small linear congruential generator: the same sequence every run. */
static uint32_t lcg_next(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

/*
 * Handle `count` pseudo-random commands (some refused), catching up after
 * each accepted one, as `catalog apply` does. Returns the last event id.
 */
static int64_t run_random(uint32_t seed, int count)
{
	uint32_t state = seed;
	int64_t products = 0;
	int64_t last = 0;
	struct es_error err;

	for (int i = 0; i < count; i++) {
		uint32_t kind = lcg_next(&state) % 10;
		uint32_t r = lcg_next(&state);
		int64_t id = 1 + (int64_t)(r % (uint32_t)(products + 2));
		struct es_command cmd = {.type = ES_RECORD_PRODUCT_VIEW};
		int rc;

		if (kind < 2) {
			cmd.type = ES_CREATE_PRODUCT;
			cmd.create = (struct es_create_product){
				"Thing",     (double)(r % 5000) / 100.0 + 0.01,
				1.0,	     1,
				"Acme Corp", (int64_t)(r % 30),
				NULL,
			};
		} else if (kind < 6) {
			cmd.type = ES_UPDATE_STOCK;
			cmd.update_stock.product_id = id;
			cmd.update_stock.new_stock = (int64_t)(r % 25) - 2;
		} else if (kind < 7) {
			cmd.type = ES_CHANGE_PRICE;
			cmd.change_price.product_id = id;
			cmd.change_price.new_price = (double)(r % 900) / 10.0;
		} else {
			cmd.record_view.product_id = id;
		}
		es_event_dispose(&got);
		rc = es_handle(&got, &handler, &cmd, &err);
		if (rc == ES_EINVAL || rc == ES_ENOTFOUND)
			continue;
		ES_ASSERT_OK(rc, &err);
		if (got.type == ES_PRODUCT_CREATED)
			products = got.product_id;
		last = got.id;
		ES_ASSERT_INT_EQ(catch_up(), 1);
	}
	return last;
}

static void test_rebuild_equals_live_catch_up(void)
{
	int64_t last;

	open_views();
	last = run_random(2026, 300);
	ES_ASSERT_TRUE(last > 150);
	ES_ASSERT_INT_EQ(checkpoint(), last);
	dump_views(&before);
	ES_ASSERT_TRUE(es_test_query_int(read_db, "SELECT COUNT(*) FROM "
						  "low_stock_alert_view") >= 3);
	es_test_exec(read_db,
		     "DELETE FROM product_detail_view WHERE id % 2 = 0;"
		     "UPDATE view_count_summary SET view_count = 99;"
		     "DELETE FROM low_stock_alert_view;"
		     "UPDATE projection_checkpoint SET last_event_id = 3;");
	ES_ASSERT_INT_EQ(rebuild(), last);
	ES_ASSERT_INT_EQ(checkpoint(), last);
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after rebuild");
	ES_ASSERT_INT_EQ(catch_up(), 0);
}

static void test_rebuild_of_empty_log(void)
{
	open_views();
	es_test_exec(read_db,
		     "INSERT INTO product_list_view VALUES (9, 'Stray', 1.0,"
		     " 1, 'Nobody');"
		     "INSERT INTO view_count_summary VALUES (9, 5);"
		     "INSERT INTO low_stock_alert_view VALUES (9, 'Stray', 1);"
		     "INSERT INTO projection_checkpoint VALUES "
		     "('" ES_VIEWS_CHECKPOINT "', 5);");
	ES_ASSERT_INT_EQ(rebuild(), 0);
	ES_ASSERT_INT_EQ(checkpoint(), 0);
	ES_ASSERT_STR_EQ(dump_views(&after),
			 "product_detail_view:\nproduct_list_view:\n"
			 "view_count_summary:\nlow_stock_alert_view:\n");
}

static void test_failed_rebuild_keeps_everything(void)
{
	struct es_error err;
	int64_t projected = -1;

	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	insert_corrupt_row(1);
	view(1);
	dump_views(&before);
	ES_ASSERT_CODE(es_views_rebuild(&projected, views, store, &err),
		       ES_ECORRUPT, &err);
	ES_ASSERT_TRUE(strncmp(err.msg, "event 11: ", 10) == 0);
	ES_ASSERT_INT_EQ(projected, 0);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after a failed rebuild");
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
}

static void test_views_open_without_views_fails(void)
{
	struct es_views *bare = NULL;
	struct es_error err;
	char path[512];

	es_test_path(path, sizeof(path), "bare.db");
	/* `raw` here is an empty database: no step 0 views in it. */
	es_test_open_db(&raw, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	ES_ASSERT_CODE(es_views_open(&bare, raw, &err), ES_EDB, &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "no such table");
	ES_ASSERT_TRUE(bare == NULL);
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
	{"view_count_summary counts every view of each product id",
	 test_insights_count_views},
	{"low_stock_alert_view holds the products below 10 in stock",
	 test_low_stock_alert_follows_stock},
	{"insights_open creates the tables once and keeps their rows",
	 test_insights_open_keeps_rows},
	{"insights_reset empties the new read models",
	 test_insights_reset_empties_them},
	{"views_open creates the checkpoint table; new views are at 0",
	 test_views_open_starts_at_zero},
	{"rebuild fills the new read models from a log projected without "
	 "them",
	 test_rebuild_fills_new_read_models},
	{"the first catch-up of views without a checkpoint counts nothing "
	 "twice",
	 test_first_catch_up_counts_nothing_twice},
	{"catch_up projects the events after the checkpoint and moves it",
	 test_catch_up_projects_what_follows_the_checkpoint},
	{"a second catch_up projects 0 events and changes nothing",
	 test_second_catch_up_projects_nothing},
	{"events appended but never projected are projected once, later",
	 test_catch_up_after_a_crash},
	{"events of a process killed before projecting are projected once",
	 test_catch_up_after_a_crashed_process},
	{"a catch_up that meets a corrupted row changes no view and no "
	 "checkpoint",
	 test_failed_catch_up_on_a_corrupted_row},
	{"the checkpoint commits with the views, or neither does",
	 test_checkpoint_commits_with_the_views},
	{"the insights commit with the projector's views, or neither does",
	 test_insights_move_with_the_projector},
	{"rebuild gives the views live catch-up gave, checkpoint at the "
	 "last event",
	 test_rebuild_equals_live_catch_up},
	{"rebuild of an empty log empties every view, checkpoint 0",
	 test_rebuild_of_empty_log},
	{"a rebuild that fails keeps the views and the checkpoint",
	 test_failed_rebuild_keeps_everything},
	{"views_open on a database without the views returns ES_EDB",
	 test_views_open_without_views_fails},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 8: the payoff", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/08-payoff.md";
