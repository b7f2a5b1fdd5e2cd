/*
 * test_projector.c - step 6: the projector, events -> view tables, and
 * rebuild_all.
 *
 * Each test gets its own event store and read database. The views are
 * read back with plain SQL on the read database and dumped as text
 * (fixtures.h), one line a row: `1|'Widget Pro'|NULL|29.99|100|...`, text
 * quoted, real numbers always with a point, so a wrong value, a wrong
 * column or a wrong type all show up as a difference in the text.
 *
 * Events built by hand live in `events`, the handler's in `got`; the
 * teardown disposes them and closes everything, so a failed assertion
 * leaks nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "command_handler.h"
#include "commands.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "projector.h"
#include "read_db.h"

#define EVENT_MAX 8

static struct es_test_clock clock_state;
static struct es_store *store;
static sqlite3 *read_db;
static struct es_projector *prj;
static sqlite3 *raw; /* a second connection, for writing behind backs */
static struct es_command_handler handler;
static struct es_event events[EVENT_MAX];
static struct es_event got;
static struct es_test_dump before; /* the views as text, see fixtures.h */
static struct es_test_dump after;

/*
 * What fails here is written down and its handle left NULL: the test then
 * stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void setup(void)
{
	char path[512];
	struct es_error err;
	int rc;

	memset(events, 0, sizeof(events));
	memset(&got, 0, sizeof(got));
	es_error_clear(&err);
	es_test_path(path, sizeof(path), "event_store.db");
	rc = es_store_open(&store, path, ES_STORE_WRITE, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_store_open", rc, &err);
	handler.store = store;
	handler.clock = es_test_clock(&clock_state);
	es_test_path(path, sizeof(path), "read_model.db");
	rc = es_read_db_open(&read_db, path, ES_READ_DB_WRITE, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_read_db_open", rc, &err);
	if (read_db == NULL)
		return;
	rc = es_projector_open(&prj, read_db, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_projector_open", rc, &err);
}

static void teardown(void)
{
	for (size_t i = 0; i < EVENT_MAX; i++)
		es_event_dispose(&events[i]);
	es_event_dispose(&got);
	es_projector_close(prj);
	prj = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_store_close(store);
	store = NULL;
	sqlite3_close(raw);
	raw = NULL;
}

/* Open `raw` on the event store's file. */
static void open_raw_store(void)
{
	char path[512];

	es_test_path(path, sizeof(path), "event_store.db");
	es_test_open_db(&raw, path, SQLITE_OPEN_READWRITE);
}
#define open_raw_store() ES_CALLED(open_raw_store())

/* ---- events, built by hand and stamped with the fixed clock's n-th ---- */

/* Widget Pro's ProductCreated (fixtures.h) under `name` and `description`. */
static void make_created(struct es_event *ev, int64_t product_id,
			 const char *name, const char *description, int n)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;
	struct es_product_created fields = es_test_widget_fields();

	fields.name = (char *)name;
	fields.description = (char *)description;
	es_test_timestamp(at, n);
	ES_ASSERT_OK(
		es_event_product_created(ev, product_id, &fields, at, &err),
		&err);
}
#define make_created(ev, product_id, name, description, n)                     \
	ES_CALLED(make_created(ev, product_id, name, description, n))

static void project_ok(const struct es_event *ev)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_projector_project(prj, ev, &err), &err);
}
#define project_ok(ev) ES_CALLED(project_ok(ev))

/* ---- the views as text ---- */

/* Every column of each view, row by row in the order of the key. */
#define DETAIL_ROWS                                                            \
	"SELECT id, name, description, price, stock, view_count,"              \
	" supplier_name, created_at, updated_at"                               \
	" FROM product_detail_view ORDER BY id"
#define LIST_ROWS                                                              \
	"SELECT id, name, price, stock, supplier_name"                         \
	" FROM product_list_view ORDER BY id"

static const struct es_test_dump *dump_detail(struct es_test_dump *d)
{
	ES_REQUIRE_SETUP();
	return es_test_dump_rows(d, read_db, DETAIL_ROWS);
}
#define dump_detail(d) ES_CALLED_PTR(dump_detail(d))

static const struct es_test_dump *dump_list(struct es_test_dump *d)
{
	ES_REQUIRE_SETUP();
	return es_test_dump_rows(d, read_db, LIST_ROWS);
}
#define dump_list(d) ES_CALLED_PTR(dump_list(d))

/* Both views, each under its name. */
static const struct es_test_dump *dump_views(struct es_test_dump *d)
{
	ES_REQUIRE_SETUP();
	es_test_dump_reset(d);
	es_test_dump_append(d, "product_detail_view:\n");
	es_test_dump_query(d, read_db, DETAIL_ROWS);
	es_test_dump_append(d, "product_list_view:\n");
	es_test_dump_query(d, read_db, LIST_ROWS);
	return d;
}
#define dump_views(d) ES_CALLED_PTR(dump_views(d))

/* The expected detail row of Widget Pro, created at n and changed at m. */
static const char *widget_detail(char *buf, size_t size, const char *rest,
				 int n, int m)
{
	char created[ES_TIMESTAMP_SIZE];
	char updated[ES_TIMESTAMP_SIZE];

	es_test_timestamp(created, n);
	es_test_timestamp(updated, m);
	snprintf(buf, size,
		 "1|'Widget Pro'|'A fine widget'|%s|'Acme Corp'|"
		 "'%s'|'%s'\n",
		 rest, created, updated);
	return buf;
}

/* ---- one event at a time ---- */

static void test_created_inserts_into_both_views(void)
{
	char expected[512];
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;
	struct es_product_created gadget = {
		.name = "Gadget Plus",
		.price = 12.0,
		.cost_price = 0.0,
		.supplier_id = 2,
		.supplier_name = "Bolt & Nut",
		.stock = 0,
		.description = NULL,
	};

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_timestamp(at, 1);
	ES_ASSERT_OK(es_event_product_created(&events[1], 2, &gadget, at, &err),
		     &err);
	project_ok(&events[0]);
	project_ok(&events[1]);
	widget_detail(expected, sizeof(expected), "29.99|100|0", 0, 0);
	snprintf(expected + strlen(expected),
		 sizeof(expected) - strlen(expected),
		 "2|'Gadget Plus'|NULL|12.0|0|0|"
		 "'Bolt & Nut'|'%s'|'%s'\n",
		 at, at);
	ES_ASSERT_ROWS(dump_detail(&after), expected);
	ES_ASSERT_ROWS(dump_list(&after),
		       "1|'Widget Pro'|29.99|100|'Acme Corp'\n"
		       "2|'Gadget Plus'|12.0|0|'Bolt & Nut'\n");
}

static void test_stock_updated_sets_stock(void)
{
	char expected[512];

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_stock_updated(&events[1], 1, 40, 1);
	project_ok(&events[0]);
	project_ok(&events[1]);
	ES_ASSERT_ROWS(
		dump_detail(&after),
		widget_detail(expected, sizeof(expected), "29.99|40|0", 0, 1));
	ES_ASSERT_ROWS(dump_list(&after),
		       "1|'Widget Pro'|29.99|40|'Acme Corp'\n");
}

static void test_price_changed_sets_price(void)
{
	char expected[512];

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_price_changed(&events[1], 1, 44.99, 1);
	project_ok(&events[0]);
	project_ok(&events[1]);
	ES_ASSERT_ROWS(
		dump_detail(&after),
		widget_detail(expected, sizeof(expected), "44.99|100|0", 0, 1));
	ES_ASSERT_ROWS(dump_list(&after),
		       "1|'Widget Pro'|44.99|100|'Acme Corp'\n");
}

static void test_viewed_counts_views(void)
{
	char expected[512];

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_stock_updated(&events[1], 1, 40, 1);
	es_test_product_viewed(&events[2], 1, 2);
	es_test_product_viewed(&events[3], 1, 3);
	for (int i = 0; i < 4; i++)
		project_ok(&events[i]);
	/* As in the seed, a view is not an update: updated_at stays. */
	ES_ASSERT_ROWS(
		dump_detail(&after),
		widget_detail(expected, sizeof(expected), "29.99|40|2", 0, 1));
	ES_ASSERT_ROWS(dump_list(&after),
		       "1|'Widget Pro'|29.99|40|'Acme Corp'\n");
}

static void test_created_again_replaces_the_product(void)
{
	char expected[512];
	char at[ES_TIMESTAMP_SIZE];

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_product_viewed(&events[1], 1, 1);
	make_created(&events[2], 1, "Widget Max", NULL, 2);
	for (int i = 0; i < 3; i++)
		project_ok(&events[i]);
	es_test_timestamp(at, 2);
	snprintf(expected, sizeof(expected),
		 "1|'Widget Max'|NULL|29.99|100|0|"
		 "'Acme Corp'|'%s'|'%s'\n",
		 at, at);
	ES_ASSERT_ROWS(dump_detail(&after), expected);
	ES_ASSERT_ROWS(dump_list(&after),
		       "1|'Widget Max'|29.99|100|'Acme Corp'\n");
}

static void test_update_of_unknown_product_changes_nothing(void)
{
	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_stock_updated(&events[1], 9, 40, 1);
	es_test_price_changed(&events[2], 9, 44.99, 2);
	es_test_product_viewed(&events[3], 9, 3);
	project_ok(&events[0]);
	ES_ASSERT_INT_EQ(es_test_query_int(read_db, "SELECT COUNT(*) FROM "
						    "product_detail_view"),
			 1);
	dump_views(&before);
	for (int i = 1; i <= 3; i++)
		project_ok(&events[i]);
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text, "views");
}

static void test_project_is_atomic(void)
{
	struct es_error err;

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	make_created(&events[1], 2, "Gadget Plus", NULL, 1);
	es_test_stock_updated(&events[2], 1, 40, 2);
	es_test_product_viewed(&events[3], 1, 3);
	project_ok(&events[0]);
	dump_detail(&before);
	/* The detail view's statement runs first and succeeds; the list
	 * view's then fails, and the detail view's change must go too. */
	es_test_exec(read_db, "DROP TABLE product_list_view");
	for (int i = 1; i <= 2; i++) {
		ES_ASSERT_CODE(es_projector_project(prj, &events[i], &err),
			       ES_EDB, &err);
		ES_ASSERT_STR_CONTAINS(err.msg, "product_list_view");
		ES_ASSERT_SAME_DUMP(dump_detail(&after), before.text,
				    "product_detail_view");
		ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	}
	/* No transaction was left open: the next event projects. */
	project_ok(&events[3]);
	ES_ASSERT_INT_EQ(es_test_query_int(read_db,
					   "SELECT view_count FROM "
					   "product_detail_view WHERE id = 1"),
			 1);
}

/* ---- apply and reset: the caller's transaction ---- */

static void apply_ok(const struct es_event *ev)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_projector_apply(prj, ev, &err), &err);
}
#define apply_ok(ev) ES_CALLED(apply_ok(ev))

static void test_apply_changes_the_views_without_a_transaction(void)
{
	char expected[512];

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_stock_updated(&events[1], 1, 40, 1);
	es_test_product_viewed(&events[2], 1, 2);
	/* Outside a transaction, each statement commits on its own. */
	for (int i = 0; i < 3; i++)
		apply_ok(&events[i]);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_ROWS(
		dump_detail(&after),
		widget_detail(expected, sizeof(expected), "29.99|40|1", 0, 1));
	ES_ASSERT_ROWS(dump_list(&after),
		       "1|'Widget Pro'|29.99|40|'Acme Corp'\n");
}

static void test_apply_joins_the_callers_transaction(void)
{
	char expected[512];

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	es_test_price_changed(&events[1], 1, 44.99, 1);
	make_created(&events[2], 2, "Gadget Plus", NULL, 2);
	project_ok(&events[0]);
	dump_views(&before);
	es_test_exec(read_db, "BEGIN IMMEDIATE");
	/* Inside it, apply opens no transaction (BEGIN would fail). */
	apply_ok(&events[1]);
	apply_ok(&events[2]);
	ES_ASSERT_TRUE(!sqlite3_get_autocommit(read_db));
	ES_ASSERT_ROWS(dump_list(&after),
		       "1|'Widget Pro'|44.99|100|'Acme Corp'\n"
		       "2|'Gadget Plus'|29.99|100|'Acme Corp'\n");
	es_test_exec(read_db, "ROLLBACK");
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after the caller's rollback");
	/* And the caller's commit keeps what apply did. */
	es_test_exec(read_db, "BEGIN IMMEDIATE");
	apply_ok(&events[1]);
	es_test_exec(read_db, "COMMIT");
	ES_ASSERT_ROWS(
		dump_detail(&after),
		widget_detail(expected, sizeof(expected), "44.99|100|0", 0, 1));
}

static void test_apply_that_fails_leaves_the_transaction_to_the_caller(void)
{
	struct es_error err;

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	ES_REQUIRE_SETUP();
	es_test_exec(read_db, "DROP TABLE product_list_view");
	es_test_exec(read_db, "BEGIN IMMEDIATE");
	ES_ASSERT_CODE(es_projector_apply(prj, &events[0], &err), ES_EDB, &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "product_list_view");
	/* Still open: committing or rolling back is the caller's call. */
	ES_ASSERT_TRUE(!sqlite3_get_autocommit(read_db));
	ES_ASSERT_INT_EQ(es_test_query_int(read_db, "SELECT COUNT(*) FROM "
						    "product_detail_view"),
			 1);
	es_test_exec(read_db, "ROLLBACK");
	ES_ASSERT_INT_EQ(es_test_query_int(read_db, "SELECT COUNT(*) FROM "
						    "product_detail_view"),
			 0);
}

static void test_reset_empties_both_views(void)
{
	struct es_error err;

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	make_created(&events[1], 2, "Gadget Plus", NULL, 1);
	project_ok(&events[0]);
	project_ok(&events[1]);
	dump_views(&before);
	/* Inside the caller's transaction: a rollback brings the rows back. */
	es_test_exec(read_db, "BEGIN IMMEDIATE");
	ES_ASSERT_OK(es_projector_reset(prj, &err), &err);
	ES_ASSERT_TRUE(!sqlite3_get_autocommit(read_db));
	ES_ASSERT_ROWS(dump_views(&after), "product_detail_view:\n"
					   "product_list_view:\n");
	es_test_exec(read_db, "ROLLBACK");
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after the caller's rollback");
	/* Outside a transaction, it commits on its own. */
	ES_ASSERT_OK(es_projector_reset(prj, &err), &err);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_ROWS(dump_views(&after), "product_detail_view:\n"
					   "product_list_view:\n");
}

static void test_reset_that_fails_returns_ES_EDB(void)
{
	struct es_error err;

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	project_ok(&events[0]);
	es_test_exec(read_db, "DROP TABLE product_list_view");
	ES_ASSERT_CODE(es_projector_reset(prj, &err), ES_EDB, &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "product_list_view");
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
}

/* ---- rebuild_all ---- */

/* A small linear congruential generator: the same sequence every run. */
static uint32_t lcg_next(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

static const char *const suppliers[] = {"Acme Corp", "Bolt & Nut",
					"Cogs \"R\" Us"};

/*
 * A pseudo-random command: a fifth creates (a few of them invalid), the
 * rest update, reprice or view products 1 .. products + 2, so some name
 * a product that does not exist and some break a rule.
 */
static struct es_command random_command(uint32_t *state, int64_t products,
					char *name, size_t name_size)
{
	uint32_t kind = lcg_next(state) % 10;
	uint32_t r = lcg_next(state);
	int64_t id = 1 + (int64_t)(r % (uint32_t)(products + 2));
	struct es_command cmd = {.type = ES_RECORD_PRODUCT_VIEW};

	if (r % 7 == 0)
		name[0] = '\0'; /* refused: "Name cannot be empty" */
	else
		snprintf(name, name_size, "Product %" PRIu32, r % 1000);
	if (kind < 2) {
		cmd.type = ES_CREATE_PRODUCT;
		cmd.create = (struct es_create_product){
			name,
			(double)(r % 5000) / 100.0 + 0.01,
			(double)(r % 300) / 10.0,
			(int64_t)(r % 3) + 1,
			(char *)suppliers[r % 3],
			(int64_t)(r % 200),
			r % 2 ? "described" : NULL,
		};
	} else if (kind < 5) {
		cmd.type = ES_UPDATE_STOCK;
		cmd.update_stock.product_id = id;
		cmd.update_stock.new_stock = (int64_t)(r % 120) - 10;
	} else if (kind < 7) {
		cmd.type = ES_CHANGE_PRICE;
		cmd.change_price.product_id = id;
		cmd.change_price.new_price = (double)(r % 10000) / 100.0 - 5.0;
	} else {
		cmd.record_view.product_id = id;
	}
	return cmd;
}

/*
 * Handle `count` pseudo-random commands and project every event the
 * handler returns, as an application does. Returns the number of products.
 */
static int64_t run_commands(uint32_t seed, int count)
{
	uint32_t state = seed;
	int64_t products = 0;
	struct es_error err;
	char name[32];

	ES_REQUIRE_SETUP();
	for (int i = 0; i < count; i++) {
		struct es_command cmd =
			random_command(&state, products, name, sizeof(name));
		int rc;

		es_event_dispose(&got);
		rc = es_handle(&got, &handler, &cmd, &err);
		if (rc == ES_EINVAL || rc == ES_ENOTFOUND)
			continue;
		if (rc != ES_OK)
			ES_FAIL("command %d: %s \"%s\"", i, es_code_name(rc),
				err.msg);
		if (got.type == ES_PRODUCT_CREATED)
			products = got.product_id;
		project_ok(&got);
	}
	return products;
}
#define run_commands(seed, count) ES_CALLED_INT(run_commands(seed, count))

/* Break the views the way a buggy projector would. */
static void spoil_views(void)
{
	es_test_exec(read_db,
		     "DELETE FROM product_detail_view WHERE id % 2 = 0;"
		     "UPDATE product_list_view SET stock = -1;");
}
#define spoil_views() ES_CALLED(spoil_views())

static void test_rebuild_equals_live_projection(void)
{
	struct es_error err;

	ES_ASSERT_TRUE(run_commands(2026, 200) >= 20);
	dump_views(&before);
	ES_ASSERT_TRUE(es_test_query_int(read_db, "SELECT COUNT(*) FROM "
						  "product_detail_view") >= 20);
	spoil_views();
	ES_ASSERT_OK(es_projector_rebuild_all(prj, store, &err), &err);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after rebuild_all");
}

static void test_rebuild_twice_gives_the_same_views(void)
{
	struct es_error err;

	ES_ASSERT_TRUE(run_commands(7, 60) > 0);
	spoil_views();
	ES_ASSERT_OK(es_projector_rebuild_all(prj, store, &err), &err);
	dump_views(&before);
	ES_ASSERT_TRUE(es_test_query_int(read_db, "SELECT COUNT(*) FROM "
						  "product_list_view") > 0);
	ES_ASSERT_OK(es_projector_rebuild_all(prj, store, &err), &err);
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after the second rebuild_all");
	/* And the first rebuild repaired the spoiled views, as checked
	 * more thoroughly by the test above. */
	ES_ASSERT_INT_EQ(es_test_query_int(read_db,
					   "SELECT COUNT(*) FROM "
					   "product_list_view WHERE stock < 0"),
			 0);
}

static void test_rebuild_wipes_rows_not_in_the_log(void)
{
	struct es_error err;

	ES_ASSERT_TRUE(run_commands(99, 30) > 0);
	dump_views(&before);
	es_test_exec(read_db,
		     "INSERT INTO product_detail_view VALUES (999, 'Stray',"
		     " NULL, 1.0, 1, 0, 'Nobody', 'then', 'then');"
		     "INSERT INTO product_list_view VALUES (999, 'Stray', 1.0,"
		     " 1, 'Nobody');");
	ES_ASSERT_OK(es_projector_rebuild_all(prj, store, &err), &err);
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after rebuild_all");
}

static void test_rebuild_of_corrupted_log_keeps_old_views(void)
{
	struct es_error err;

	/*
	 * Products, then the bad row (of product 777, which no command
	 * touches), then more products: a rebuild that was not one
	 * transaction would stop at the bad row with the later products
	 * missing from the views.
	 */
	ES_ASSERT_TRUE(run_commands(5, 20) > 0);
	open_raw_store();
	es_test_exec(raw, "INSERT INTO events (product_id, event_type, data,"
			  " occurred_at) VALUES (777, 'StockUpdated',"
			  " '{\"product_id\": 777, \"new_stock\": \"lots\","
			  " \"occurred_at\": \"2026-11-27T14:32:05+00:00\"}',"
			  " '2026-11-27T14:32:05+00:00')");
	ES_ASSERT_TRUE(run_commands(6, 20) > 0);
	dump_views(&before);
	ES_ASSERT_CODE(es_projector_rebuild_all(prj, store, &err), ES_ECORRUPT,
		       &err);
	ES_ASSERT_TRUE(err.msg[0] != '\0');
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after a failed rebuild_all");
}

static void test_rebuild_that_fails_on_the_views_keeps_them(void)
{
	struct es_error err;

	ES_ASSERT_TRUE(run_commands(11, 30) > 0);
	dump_detail(&before);
	es_test_exec(read_db, "DROP TABLE product_list_view");
	ES_ASSERT_CODE(es_projector_rebuild_all(prj, store, &err), ES_EDB,
		       &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "product_list_view");
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_SAME_DUMP(dump_detail(&after), before.text,
			    "product_detail_view after a failed rebuild_all");
}

static void test_rebuild_of_empty_log_empties_the_views(void)
{
	struct es_error err;

	make_created(&events[0], 1, "Widget Pro", "A fine widget", 0);
	project_ok(&events[0]); /* projected, but never appended */
	ES_ASSERT_INT_EQ(es_test_query_int(read_db, "SELECT COUNT(*) FROM "
						    "product_list_view"),
			 1);
	ES_ASSERT_OK(es_projector_rebuild_all(prj, store, &err), &err);
	ES_ASSERT_ROWS(dump_views(&after), "product_detail_view:\n"
					   "product_list_view:\n");
}

static void test_open_without_views_fails(void)
{
	struct es_projector *bare_prj = NULL;
	struct es_error err;
	char path[512];

	es_test_path(path, sizeof(path), "bare.db");
	/* `raw` here is an empty database: no view tables in it. */
	es_test_open_db(&raw, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	ES_ASSERT_CODE(es_projector_open(&bare_prj, raw, &err), ES_EDB, &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "no such table");
	ES_ASSERT_TRUE(bare_prj == NULL);
}

static CU_TestInfo tests[] = {
	{"ProductCreated inserts the product into both views",
	 test_created_inserts_into_both_views},
	{"StockUpdated sets stock in both views and updated_at",
	 test_stock_updated_sets_stock},
	{"PriceChanged sets price in both views and updated_at",
	 test_price_changed_sets_price},
	{"ProductViewed adds one to view_count and leaves updated_at",
	 test_viewed_counts_views},
	{"ProductCreated for a known id replaces the product",
	 test_created_again_replaces_the_product},
	{"an update for an unknown product changes nothing and is OK",
	 test_update_of_unknown_product_changes_nothing},
	{"project changes both views or neither", test_project_is_atomic},
	{"apply changes the views without a transaction of its own",
	 test_apply_changes_the_views_without_a_transaction},
	{"apply joins the caller's transaction: its rollback undoes apply",
	 test_apply_joins_the_callers_transaction},
	{"apply that fails returns ES_EDB and leaves the caller's transaction",
	 test_apply_that_fails_leaves_the_transaction_to_the_caller},
	{"reset empties both views, inside the caller's transaction or not",
	 test_reset_empties_both_views},
	{"reset on a read DB without the views returns ES_EDB",
	 test_reset_that_fails_returns_ES_EDB},
	{"rebuild_all gives the views that live projection gave",
	 test_rebuild_equals_live_projection},
	{"rebuild_all twice gives the same views",
	 test_rebuild_twice_gives_the_same_views},
	{"rebuild_all wipes rows that are not in the log",
	 test_rebuild_wipes_rows_not_in_the_log},
	{"rebuild_all of a corrupted log returns ES_ECORRUPT and keeps the "
	 "old views",
	 test_rebuild_of_corrupted_log_keeps_old_views},
	{"rebuild_all that fails on the read DB keeps the old views",
	 test_rebuild_that_fails_on_the_views_keeps_them},
	{"rebuild_all of an empty log empties the views",
	 test_rebuild_of_empty_log_empties_the_views},
	{"open on a database without the views returns ES_EDB",
	 test_open_without_views_fails},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 6: projector", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/06-projector.md";
