/*
 * test_command_handler.c - step 5: the command handler, load -> validate ->
 * append, with the seed's messages.
 *
 * Each test gets its own event store and the harness's fixed clock, so the
 * n-th event a test appends is stamped es_test_timestamp(n). What the
 * handler returns is kept in `got` and what the tests load back in
 * `loaded`; the teardown disposes both, so a failed assertion leaks
 * nothing. `raw` is a plain sqlite3 connection to the same file, for
 * counting rows behind the store's back.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "command_handler.h"
#include "commands.h"
#include "decide.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"

static struct es_test_clock clock_state;
static struct es_store *store;
static struct es_store *ro_store;
static sqlite3 *raw;
static struct es_command_handler handler;
static struct es_event got;
static struct es_event_list loaded;
static struct es_product product;

/*
 * What fails here is written down and the store left NULL: the test then
 * stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void setup(void)
{
	char path[512];
	struct es_error err;
	int rc;

	memset(&got, 0, sizeof(got));
	memset(&loaded, 0, sizeof(loaded));
	es_product_init(&product);
	es_error_clear(&err);
	es_test_path(path, sizeof(path), "event_store.db");
	rc = es_store_open(&store, path, ES_STORE_WRITE, &err);
	if (rc != ES_OK) {
		es_test_setup_failed("es_store_open", rc, &err);
		return;
	}
	es_test_setup_open_db(&raw, path, SQLITE_OPEN_READWRITE);
	handler.store = store;
	handler.clock = es_test_clock(&clock_state);
}

static void teardown(void)
{
	es_event_dispose(&got);
	es_event_list_dispose(&loaded);
	es_product_dispose(&product);
	sqlite3_close(raw);
	raw = NULL;
	es_store_close(ro_store);
	ro_store = NULL;
	es_store_close(store);
	store = NULL;
}

/*
 * Handle `cmd`, built by hand (es_test_cmd_widget() and the others of
 * fixtures.h), which must succeed; the event is left in `got`.
 */
static void handle_ok(struct es_command cmd)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle(&got, &handler, &cmd, &err), &err);
}
#define handle_ok(cmd) ES_CALLED(handle_ok(cmd))

/* Load product `product_id`'s log into `loaded`. */
static void load(int64_t product_id)
{
	struct es_error err;

	es_event_list_dispose(&loaded);
	ES_ASSERT_OK(es_store_load(&loaded, store, product_id, &err), &err);
}
#define load(product_id) ES_CALLED(load(product_id))

static int64_t count_events(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM events");
}
#define count_events() ES_CALLED_INT(count_events())

static int64_t count_products(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM product_registry");
}
#define count_products() ES_CALLED_INT(count_products())

static void assert_timestamp(const char *actual, int n)
{
	char expected[ES_TIMESTAMP_SIZE];

	es_test_timestamp(expected, n);
	ES_ASSERT_STR_EQ(actual, expected);
}
#define assert_timestamp(actual, n) ES_CALLED(assert_timestamp(actual, n))

static void test_create_returns_ids_in_order(void)
{
	handle_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(got.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	handle_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(got.product_id, 2);
	ES_ASSERT_INT_EQ(count_products(), 2);
}

static void test_create_appends_every_field(void)
{
	handle_ok(es_test_cmd_widget());
	ES_ASSERT_WIDGET_CREATED(&got, 1, 0);
	load(1);
	ES_ASSERT_INT_EQ(loaded.count, 1);
	ES_ASSERT_WIDGET_CREATED(&loaded.items[0], 1, 0);
	ES_ASSERT_TRUE(got.id > 0);
	ES_ASSERT_INT_EQ(got.id, loaded.items[0].id);
}

static void test_create_without_description(void)
{
	struct es_command cmd = es_test_cmd_widget();

	cmd.create.description = NULL;
	handle_ok(cmd);
	ES_ASSERT_STR_EQ(got.created.description, NULL);
	load(1);
	ES_ASSERT_INT_EQ(loaded.count, 1);
	ES_ASSERT_STR_EQ(loaded.items[0].created.description, NULL);
	ES_ASSERT_STR_EQ(loaded.items[0].created.name, "Widget Pro");
}

static void test_update_stock_appends_one_event(void)
{
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 50));
	ES_ASSERT_INT_EQ(got.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_INT_EQ(got.stock.new_stock, 50);
	assert_timestamp(got.occurred_at, 1);
	load(1);
	ES_ASSERT_INT_EQ(loaded.count, 2);
	ES_ASSERT_INT_EQ(loaded.items[1].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(loaded.items[1].id, got.id);
	ES_ASSERT_INT_EQ(loaded.items[1].product_id, 1);
	ES_ASSERT_INT_EQ(loaded.items[1].stock.new_stock, 50);
	assert_timestamp(loaded.items[1].occurred_at, 1);
}

static void test_update_stock_to_zero_is_allowed(void)
{
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 0));
	load(1);
	ES_ASSERT_INT_EQ(loaded.count, 2);
	ES_ASSERT_INT_EQ(loaded.items[1].stock.new_stock, 0);
}

static void test_change_price_appends_one_event(void)
{
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_change_price(1, 44.99));
	ES_ASSERT_INT_EQ(got.type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_DOUBLE_EQ(got.price.new_price, 44.99);
	assert_timestamp(got.occurred_at, 1);
	load(1);
	ES_ASSERT_INT_EQ(loaded.count, 2);
	ES_ASSERT_INT_EQ(loaded.items[1].type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(loaded.items[1].id, got.id);
	ES_ASSERT_INT_EQ(loaded.items[1].product_id, 1);
	ES_ASSERT_DOUBLE_EQ(loaded.items[1].price.new_price, 44.99);
	assert_timestamp(loaded.items[1].occurred_at, 1);
}

static void test_record_view_appends_one_event(void)
{
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_record_view(1));
	ES_ASSERT_INT_EQ(got.type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	assert_timestamp(got.occurred_at, 1);
	load(1);
	ES_ASSERT_INT_EQ(loaded.count, 2);
	ES_ASSERT_INT_EQ(loaded.items[1].type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(loaded.items[1].id, got.id);
	ES_ASSERT_INT_EQ(loaded.items[1].product_id, 1);
	assert_timestamp(loaded.items[1].occurred_at, 1);
}

/* Product 1 (Widget Pro) exists when these run; product 99 does not. */
static const struct es_test_refusal refusals[] = {
	{"create with an empty name",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"", 29.99, 12.0, 1, "Acme Corp", 100, NULL}},
	 ES_EINVAL,
	 "Name cannot be empty"},
	{"create with a name of only whitespace",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {" \t\n ", 29.99, 12.0, 1, "Acme Corp", 100, NULL}},
	 ES_EINVAL,
	 "Name cannot be empty"},
	{"create with a zero price",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", 0.0, 12.0, 1, "Acme Corp", 100, NULL}},
	 ES_EINVAL,
	 "Price must be positive"},
	{"create with a negative price",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", -0.01, 12.0, 1, "Acme Corp", 100, NULL}},
	 ES_EINVAL,
	 "Price must be positive"},
	{"create with a negative cost price",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", 29.99, -1.0, 1, "Acme Corp", 100, NULL}},
	 ES_EINVAL,
	 "Cost price cannot be negative"},
	{"create with a negative stock",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", 29.99, 12.0, 1, "Acme Corp", -1, NULL}},
	 ES_EINVAL,
	 "Stock cannot be negative"},
	{"create with an empty supplier name",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", 29.99, 12.0, 1, "", 100, NULL}},
	 ES_EINVAL,
	 "Supplier name cannot be empty"},
	{"create with a supplier name of only whitespace",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", 29.99, 12.0, 1, "  ", 100, NULL}},
	 ES_EINVAL,
	 "Supplier name cannot be empty"},
	{"create breaking every rule reports the name first",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"", 0.0, -1.0, 1, "", -1, NULL}},
	 ES_EINVAL,
	 "Name cannot be empty"},
	{"create with a bad price and stock reports the price first",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", -5.0, 12.0, 1, "", -1, NULL}},
	 ES_EINVAL,
	 "Price must be positive"},
	{"create with a bad cost price and stock reports the cost price",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", 5.0, -12.0, 1, "", -1, NULL}},
	 ES_EINVAL,
	 "Cost price cannot be negative"},
	{"create with a bad stock and supplier reports the stock first",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"Widget", 5.0, 0.0, 1, "", -1, NULL}},
	 ES_EINVAL,
	 "Stock cannot be negative"},
	{"update stock of an unknown product",
	 {.type = ES_UPDATE_STOCK, .update_stock = {99, 10}},
	 ES_ENOTFOUND,
	 "Product 99 not found"},
	{"update stock to a negative number",
	 {.type = ES_UPDATE_STOCK, .update_stock = {1, -1}},
	 ES_EINVAL,
	 "Stock cannot be negative"},
	{"change price of an unknown product",
	 {.type = ES_CHANGE_PRICE, .change_price = {99, 10.0}},
	 ES_ENOTFOUND,
	 "Product 99 not found"},
	{"change price to zero",
	 {.type = ES_CHANGE_PRICE, .change_price = {1, 0.0}},
	 ES_EINVAL,
	 "Price must be positive"},
	{"change price to a negative number",
	 {.type = ES_CHANGE_PRICE, .change_price = {1, -44.99}},
	 ES_EINVAL,
	 "Price must be positive"},
	{"record a view of an unknown product",
	 {.type = ES_RECORD_PRODUCT_VIEW, .record_view = {99}},
	 ES_ENOTFOUND,
	 "Product 99 not found"},
	{"record a view of product 0",
	 {.type = ES_RECORD_PRODUCT_VIEW, .record_view = {0}},
	 ES_ENOTFOUND,
	 "Product 0 not found"},
	{"record a view of product -1",
	 {.type = ES_RECORD_PRODUCT_VIEW, .record_view = {-1}},
	 ES_ENOTFOUND,
	 "Product -1 not found"},
	{"record a view of product 2^53 - 1",
	 {.type = ES_RECORD_PRODUCT_VIEW,
	  .record_view = {INT64_C(9007199254740991)}},
	 ES_ENOTFOUND,
	 "Product 9007199254740991 not found"},
};

/* Handle `cmd`, expecting it refused with `code` and `message`. */
static void expect_refusal(const char *name, const struct es_command *cmd,
			   int code, const char *message)
{
	int64_t events_before, products_before;
	struct es_error err;
	int rc;

	ES_REQUIRE_SETUP();
	events_before = count_events();
	products_before = count_products();
	es_error_clear(&err);
	es_event_dispose(&got);
	rc = es_handle(&got, &handler, cmd, &err);
	if (rc != code || strcmp(err.msg, message) != 0)
		ES_FAIL("%s: returned %s \"%s\", expected %s \"%s\"", name,
			es_code_name(rc), err.msg, es_code_name(code), message);
	if (count_events() != events_before)
		ES_FAIL("%s: refused, yet events went from %" PRId64
			" to %" PRId64,
			name, events_before, count_events());
	if (count_products() != products_before)
		ES_FAIL("%s: refused, yet product_registry went from %" PRId64
			" to %" PRId64,
			name, products_before, count_products());
}
#define expect_refusal(name, cmd, code, message)                               \
	ES_CALLED(expect_refusal(name, cmd, code, message))

static void test_refusals(void)
{
	size_t n = sizeof(refusals) / sizeof(refusals[0]);

	handle_ok(es_test_cmd_widget());
	for (size_t i = 0; i < n; i++)
		expect_refusal(refusals[i].name, &refusals[i].cmd,
			       refusals[i].code, refusals[i].message);
	ES_ASSERT_INT_EQ(count_events(), 1);
	ES_ASSERT_INT_EQ(count_products(), 1);
}

static void test_not_found_comes_before_the_value_rule(void)
{
	struct es_command stock = es_test_cmd_update_stock(7, -1);
	struct es_command price = es_test_cmd_change_price(7, -1.0);

	expect_refusal("update stock -1 of product 7", &stock, ES_ENOTFOUND,
		       "Product 7 not found");
	expect_refusal("change price -1 of product 7", &price, ES_ENOTFOUND,
		       "Product 7 not found");
}

/* Append a view of `product_id` as the seed's Python may have: no rule. */
static void append_view(int64_t product_id, int n)
{
	struct es_error err;
	struct es_event ev;

	ES_REQUIRE_SETUP();
	es_test_product_viewed(&ev, product_id, n);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
}

static void test_views_only_product_is_not_found(void)
{
	struct es_command stock = es_test_cmd_update_stock(5, 10);
	struct es_command price = es_test_cmd_change_price(5, 10.0);
	struct es_command view = es_test_cmd_record_view(5);

	/* A log the seed's Python wrote: it records any view. */
	append_view(5, 0);
	append_view(5, 1);
	expect_refusal("update stock of a viewed-only product", &stock,
		       ES_ENOTFOUND, "Product 5 not found");
	expect_refusal("change price of a viewed-only product", &price,
		       ES_ENOTFOUND, "Product 5 not found");
	expect_refusal("view of a viewed-only product", &view, ES_ENOTFOUND,
		       "Product 5 not found");
	ES_ASSERT_INT_EQ(count_events(), 2);
}

static void test_view_of_unknown_product_is_refused(void)
{
	struct es_command view = es_test_cmd_record_view(1);

	expect_refusal("view of a product not created yet", &view, ES_ENOTFOUND,
		       "Product 1 not found");
	ES_ASSERT_INT_EQ(count_events(), 0);
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_record_view(1));
	ES_ASSERT_INT_EQ(got.type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_INT_EQ(count_events(), 2);
	ES_ASSERT_INT_EQ(count_products(), 1);
}

static void test_refused_create_keeps_the_next_id(void)
{
	struct es_command bad = es_test_cmd_widget();

	bad.create.name = "";
	expect_refusal("create with an empty name", &bad, ES_EINVAL,
		       "Name cannot be empty");
	handle_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_INT_EQ(count_products(), 1);
}

/*
 * es_handle_in works inside the caller's transaction and neither commits
 * nor rolls back: what it appended is gone when the caller rolls back,
 * and kept when the caller commits. (Step 16 wraps it so.)
 */
static void test_handle_in_leaves_the_transaction_to_the_caller(void)
{
	struct es_command cmd = es_test_cmd_widget();
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_handle_in(&got, &handler, &cmd, &err), &err);
	ES_ASSERT_INT_EQ(got.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	es_store_rollback(store);
	ES_ASSERT_INT_EQ(count_events(), 0);
	ES_ASSERT_INT_EQ(count_products(), 0);
	es_event_dispose(&got);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_handle_in(&got, &handler, &cmd, &err), &err);
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
	ES_ASSERT_INT_EQ(got.id, 1);
	ES_ASSERT_INT_EQ(count_events(), 1);
}

static void test_handler_load_replays_what_decide_reads(void)
{
	struct es_error err = {0, ""};
	struct es_command stock = es_test_cmd_update_stock(1, 7);
	struct es_command view = es_test_cmd_record_view(1);
	struct es_command create = es_test_cmd_widget();

	ES_REQUIRE_SETUP();
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 50));
	handle_ok(es_test_cmd_record_view(1));
	ES_ASSERT_OK(es_handler_load(&product, store, &stock, &err), &err);
	ES_ASSERT_INT_EQ(product.id, 1);
	ES_ASSERT_INT_EQ(product.stock, 50);
	ES_ASSERT_INT_EQ(product.view_count, 1);
	ES_ASSERT_INT_EQ(product.version, 2);
	/* A view reads the product too: does it exist? */
	es_product_dispose(&product);
	ES_ASSERT_OK(es_handler_load(&product, store, &view, &err), &err);
	ES_ASSERT_INT_EQ(product.id, 1);
	ES_ASSERT_INT_EQ(product.view_count, 1);
	/* A create reads no state: nothing is loaded. */
	es_product_dispose(&product);
	ES_ASSERT_OK(es_handler_load(&product, store, &create, &err), &err);
	ES_ASSERT_TRUE(!es_product_exists(&product));
}

static void test_update_uses_earlier_events(void)
{
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 50));
	handle_ok(es_test_cmd_change_price(1, 44.99));
	load(1);
	ES_ASSERT_INT_EQ(loaded.count, 3);
	ES_ASSERT_INT_EQ(loaded.items[0].type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(loaded.items[1].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(loaded.items[2].type, ES_PRICE_CHANGED);
	for (int i = 0; i < 3; i++)
		assert_timestamp(loaded.items[i].occurred_at, i);
	ES_ASSERT_TRUE(loaded.items[0].id < loaded.items[1].id);
	ES_ASSERT_TRUE(loaded.items[1].id < loaded.items[2].id);
	ES_ASSERT_OK(
		es_product_replay(&product, loaded.items, loaded.count, &err),
		&err);
	ES_ASSERT_INT_EQ(product.version, 3);
	ES_ASSERT_INT_EQ(product.stock, 50);
	ES_ASSERT_DOUBLE_EQ(product.price, 44.99);
}

static void test_corrupted_log_refuses_the_command(void)
{
	struct es_command cmd = es_test_cmd_update_stock(1, 5);
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	es_test_insert_corrupt_event(raw, 1);
	es_event_dispose(&got);
	ES_ASSERT_CODE(es_handle(&got, &handler, &cmd, &err), ES_ECORRUPT,
		       &err);
	ES_ASSERT_INT_EQ(count_events(), 2);
}

static void test_store_failure_appends_nothing(void)
{
	struct es_command_handler ro_handler;
	struct es_command cmd = es_test_cmd_widget();
	struct es_error err;
	char path[512];

	handle_ok(es_test_cmd_widget());
	es_test_path(path, sizeof(path), "event_store.db");
	ES_ASSERT_OK(es_store_open(&ro_store, path, ES_STORE_READONLY, &err),
		     &err);
	ro_handler = handler;
	ro_handler.store = ro_store;
	es_event_dispose(&got);
	ES_ASSERT_CODE(es_handle(&got, &ro_handler, &cmd, &err), ES_EDB, &err);
	ES_ASSERT_TRUE(err.msg[0] != '\0');
	ES_ASSERT_INT_EQ(count_events(), 1);
	ES_ASSERT_INT_EQ(count_products(), 1);
	/* No transaction was left open: the store still takes commands. */
	handle_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(got.product_id, 2);
}

/* ---- es_decide, without a database ----------------------------------------
 *
 * The rules are a pure function of (state, command, now), so these tests
 * need no store and no clock: a product on the stack, a command, a string.
 */

#define NOW "2026-11-27T14:32:05.123456+00:00"

static struct es_event decided;

static void decide_setup(void)
{
	memset(&decided, 0, sizeof(decided));
	es_product_init(&product);
}

static void decide_teardown(void)
{
	es_event_dispose(&decided);
	es_product_dispose(&product);
}

/* Product 1 as created: Widget Pro, stock 100, price 29.99. */
static void make_widget_state(void)
{
	struct es_error err = {0, ""};
	struct es_product_created fields = es_test_widget_fields();
	struct es_event ev;

	ES_ASSERT_OK(es_event_product_created(&ev, 1, &fields, NOW, &err),
		     &err);
	ES_ASSERT_OK(es_product_apply(&product, &ev, &err), &err);
	es_event_dispose(&ev);
}
#define make_widget_state() ES_CALLED(make_widget_state())

/*
 * The handler's table of refusals, decided here without a database: the
 * rules are es_decide()'s alone. A row about product 1 decides on Widget
 * Pro as created; any other row on a product never created.
 */
static void test_decide_refusals(void)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct es_test_refusal *r = &refusals[i];
		bool on_widget = (r->cmd.type == ES_UPDATE_STOCK &&
				  r->cmd.update_stock.product_id == 1) ||
				 (r->cmd.type == ES_CHANGE_PRICE &&
				  r->cmd.change_price.product_id == 1);
		struct es_error err = {0, ""};
		int rc;

		es_product_dispose(&product);
		if (on_widget)
			make_widget_state();
		rc = es_decide(&decided, &product, NULL, &r->cmd, NOW, &err);
		if (rc != r->code || strcmp(err.msg, r->message) != 0)
			ES_FAIL("%s: got %s \"%s\", expected %s \"%s\"",
				r->name, es_code_name(rc), err.msg,
				es_code_name(r->code), r->message);
		ES_ASSERT_INT_EQ(decided.type, 0); /* owns nothing */
	}
}

static void test_decide_nan_price_is_not_positive(void)
{
	struct es_error err = {0, ""};
	struct es_command cmd = es_test_cmd_change_price(1, 0.0);

	make_widget_state();
	cmd.change_price.new_price = NAN;
	ES_ASSERT_CODE(es_decide(&decided, &product, NULL, &cmd, NOW, &err),
		       ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "Price must be positive");
}

static void test_decide_update_stock(void)
{
	struct es_error err = {0, ""};
	struct es_command cmd = es_test_cmd_update_stock(1, 0);

	make_widget_state();
	ES_ASSERT_OK(es_decide(&decided, &product, NULL, &cmd, NOW, &err),
		     &err);
	ES_ASSERT_INT_EQ(decided.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(decided.product_id, 1);
	ES_ASSERT_INT_EQ(decided.stock.new_stock, 0);
	ES_ASSERT_STR_EQ(decided.occurred_at, NOW);
	ES_ASSERT_INT_EQ(product.stock, 100); /* decide changes no state */
}

static void test_decide_change_price(void)
{
	struct es_error err = {0, ""};
	struct es_command cmd = es_test_cmd_change_price(1, 44.99);

	make_widget_state();
	ES_ASSERT_OK(es_decide(&decided, &product, NULL, &cmd, NOW, &err),
		     &err);
	ES_ASSERT_INT_EQ(decided.type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(decided.product_id, 1);
	ES_ASSERT_DOUBLE_EQ(decided.price.new_price, 44.99);
	ES_ASSERT_STR_EQ(decided.occurred_at, NOW);
}

static void test_decide_view(void)
{
	struct es_error err = {0, ""};
	struct es_command cmd = es_test_cmd_record_view(1);

	make_widget_state();
	ES_ASSERT_OK(es_decide(&decided, &product, NULL, &cmd, NOW, &err),
		     &err);
	ES_ASSERT_INT_EQ(decided.type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(decided.product_id, 1);
	ES_ASSERT_STR_EQ(decided.occurred_at, NOW);
	ES_ASSERT_INT_EQ(product.view_count, 0); /* decide changes no state */
}

static void test_decide_create(void)
{
	struct es_error err = {0, ""};
	struct es_command cmd = es_test_cmd_widget();

	ES_ASSERT_OK(es_decide(&decided, &product, NULL, &cmd, NOW, &err),
		     &err);
	ES_ASSERT_INT_EQ(decided.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(decided.product_id, 0);
	ES_ASSERT_STR_EQ(decided.created.name, "Widget Pro");
	ES_ASSERT_STR_EQ(decided.created.supplier_name, "Acme Corp");
	ES_ASSERT_DOUBLE_EQ(decided.created.price, 29.99);
	ES_ASSERT_DOUBLE_EQ(decided.created.cost_price, 12.0);
	ES_ASSERT_INT_EQ(decided.created.stock, 100);
	ES_ASSERT_STR_EQ(decided.occurred_at, NOW);
	/* The event owns copies: the command's strings may go. */
	ES_ASSERT_TRUE(decided.created.name != cmd.create.name);
}

static void test_command_state_id(void)
{
	struct es_command create = es_test_cmd_widget();
	struct es_command stock = es_test_cmd_update_stock(3, 1);
	struct es_command price = es_test_cmd_change_price(4, 1.0);
	struct es_command view = es_test_cmd_record_view(5);

	ES_ASSERT_INT_EQ(es_command_state_id(&create), 0);
	ES_ASSERT_INT_EQ(es_command_state_id(&stock), 3);
	ES_ASSERT_INT_EQ(es_command_state_id(&price), 4);
	ES_ASSERT_INT_EQ(es_command_state_id(&view), 5);
}

static CU_TestInfo decide_tests[] = {
	{"decide refuses each rule's breach with its message, no database",
	 test_decide_refusals},
	{"decide takes a NaN price for not positive",
	 test_decide_nan_price_is_not_positive},
	{"decide turns UpdateStock into StockUpdated stamped now",
	 test_decide_update_stock},
	{"decide turns ChangePrice into PriceChanged stamped now",
	 test_decide_change_price},
	{"decide turns RecordProductView of a product that exists into "
	 "ProductViewed",
	 test_decide_view},
	{"decide turns CreateProduct into ProductCreated with id 0",
	 test_decide_create},
	{"stock, price and view commands name the product decide reads, a "
	 "create none",
	 test_command_state_id},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo tests[] = {
	{"create returns product ids 1, then 2",
	 test_create_returns_ids_in_order},
	{"create appends a ProductCreated with every field and the clock's "
	 "time",
	 test_create_appends_every_field},
	{"create without a description stores none",
	 test_create_without_description},
	{"update stock appends one StockUpdated",
	 test_update_stock_appends_one_event},
	{"update stock to zero is allowed",
	 test_update_stock_to_zero_is_allowed},
	{"change price appends one PriceChanged",
	 test_change_price_appends_one_event},
	{"record view appends one ProductViewed",
	 test_record_view_appends_one_event},
	{"a refused command returns the rule's message and appends nothing",
	 test_refusals},
	{"not found is checked before the value rule",
	 test_not_found_comes_before_the_value_rule},
	{"a product with only view events is not found",
	 test_views_only_product_is_not_found},
	{"a view of a product not created yet is refused and appends nothing",
	 test_view_of_unknown_product_is_refused},
	{"es_handle_in appends in the caller's transaction, which the caller "
	 "commits or rolls back",
	 test_handle_in_leaves_the_transaction_to_the_caller},
	{"a refused create does not use up a product id",
	 test_refused_create_keeps_the_next_id},
	{"handler_load replays the product a decision reads, none for a "
	 "create",
	 test_handler_load_replays_what_decide_reads},
	{"an update builds on the state of earlier events",
	 test_update_uses_earlier_events},
	{"a corrupted log refuses the command with ES_ECORRUPT",
	 test_corrupted_log_refuses_the_command},
	{"a store that cannot write returns ES_EDB and appends nothing",
	 test_store_failure_appends_nothing},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 5: command handler", NULL, NULL, setup, teardown, tests},
	{"step 5: decide, without a database", NULL, NULL, decide_setup,
	 decide_teardown, decide_tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/05-command-handler.md";
