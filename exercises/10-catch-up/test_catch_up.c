/*
 * test_catch_up.c - step 10: the checkpoint that makes catch-up exact,
 * and the rebuild that fills every read model from all of history.
 *
 * Each test gets its own event store and read database, and a handler
 * with the fixed clock, so every timestamp is known: the clock's n-th
 * reading is es_test_timestamp(n), one per accepted command. The views
 * are read back with plain SQL and dumped as text, one line a row, as in
 * step 6's suite (fixtures.h).
 *
 * The views are opened by the tests that need them, not in setup: some
 * tests first project the log with step 6's projector alone, as before
 * this step. Teardown closes everything, so a failed assertion leaks
 * nothing.
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

#include "command_handler.h"
#include "commands.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "projector.h"
#include "read_db.h"
#include "views.h"

static struct es_test_clock clock_state;
static struct es_store *store;
static sqlite3 *read_db;
static sqlite3 *raw; /* a second connection, for writing behind backs */
static struct es_command_handler handler;
static struct es_views *views;
static struct es_projector *prj;
static struct es_event got;
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
#define open_store() ES_CALLED(open_store())

static void setup(void)
{
	char path[512];
	struct es_error err;
	int rc;

	memset(&got, 0, sizeof(got));
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
	es_views_close(views);
	views = NULL;
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
#define open_views() ES_CALLED(open_views())

/* Open `raw` on the event store's file. */
static void open_raw_store(void)
{
	char path[512];

	es_test_path(path, sizeof(path), "event_store.db");
	es_test_open_db(&raw, path, SQLITE_OPEN_READWRITE);
}
#define open_raw_store() ES_CALLED(open_raw_store())

/*
 * Append a row to the log that no store can decode, with SQL, past the
 * store's checks, as a broken program may have written it.
 */
static void insert_corrupt_row(int64_t product_id)
{
	if (raw == NULL)
		open_raw_store();
	es_test_insert_corrupt_event(raw, product_id);
}
#define insert_corrupt_row(product_id) ES_CALLED(insert_corrupt_row(product_id))

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
 * A view of a product never created: no handler accepts one now, but a
 * log the seed's Python wrote may hold it, and the views must replay it.
 * Stamped by the clock, as the handler would have.
 */
static int64_t view_without_product(int64_t product_id)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	es_time_format(at, handler.clock.now(handler.clock.ctx));
	es_event_product_viewed(&got, product_id, at);
	ES_ASSERT_OK(es_store_append(handler.store, &got, &err), &err);
	return got.id;
}

#define SCRIPT_EVENTS  10
#define SCRIPT_SUMMARY "1|2\n2|1\n9|1\n"
#define SCRIPT_ALERTS  "1|'Widget Pro'|4\n3|'Doohickey'|3\n"

/*
 * The scenario of the read-model tests, ten events. Afterwards:
 * view_count_summary 1|2, 2|1, 9|1 (9 was never created: its view was
 * recorded by a program without the rule that refuses it now, and is
 * counted all the same); low_stock_alert_view 1|'Widget Pro'|4 and
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
			view_without_product(9);
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
#define run_script(from, to, project) ES_CALLED(run_script(from, to, project))

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

/* Every view, each under its name. */
static const struct es_test_dump *dump_views(struct es_test_dump *d)
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
	return d;
}
#define dump_views(d) ES_CALLED_PTR(dump_views(d))

static int64_t checkpoint(void)
{
	struct es_error err;
	int64_t id = -1;

	ES_ASSERT_OK(es_views_checkpoint(&id, views, &err), &err);
	return id;
}
#define checkpoint() ES_CALLED_INT(checkpoint())

/* Catch up, which must work; returns the number of events projected. */
static int64_t catch_up(void)
{
	struct es_error err;
	int64_t projected = -1;

	ES_ASSERT_OK(es_views_catch_up(&projected, views, store, &err), &err);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	return projected;
}
#define catch_up() ES_CALLED_INT(catch_up())

static int64_t rebuild(void)
{
	struct es_error err;
	int64_t projected = -1;

	ES_ASSERT_OK(es_views_rebuild(&projected, views, store, &err), &err);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	return projected;
}
#define rebuild() ES_CALLED_INT(rebuild())

/* ---- views, catch-up and the checkpoint ---- */

static void test_views_open_starts_at_zero(void)
{
	open_views();
	ES_ASSERT_INT_EQ(checkpoint(), 0);
	ES_ASSERT_ROWS(dump_rows(&after,
				 "SELECT name, type, \"notnull\","
				 " pk FROM pragma_table_info("
				 "'projection_checkpoint') ORDER BY cid"),
		       "'name'|'TEXT'|0|1\n"
		       "'last_event_id'|'INTEGER'|1|0\n");
	ES_ASSERT_ROWS(dump_views(&after),
		       "product_detail_view:\nproduct_list_view:\n"
		       "view_count_summary:\nlow_stock_alert_view:\n");
}

static void open_step6_projector(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_projector_open(&prj, read_db, &err), &err);
}
#define open_step6_projector() ES_CALLED(open_step6_projector())

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
#define expect_no_insight_tables() ES_CALLED(expect_no_insight_tables())

static void test_rebuild_fills_new_read_models(void)
{
	open_step6_projector();
	run_script(0, SCRIPT_EVENTS, true);
	expect_no_insight_tables();
	dump_rows(&before, "SELECT * FROM product_detail_view ORDER BY id");
	open_views();
	ES_ASSERT_INT_EQ(rebuild(), SCRIPT_EVENTS);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
	ES_ASSERT_ROWS(summary_rows(&after), SCRIPT_SUMMARY);
	ES_ASSERT_ROWS(alert_rows(&after), SCRIPT_ALERTS);
	dump_rows(&after, "SELECT * FROM product_detail_view ORDER BY id");
	ES_ASSERT_SAME_DUMP(&after, before.text,
			    "product_detail_view after the rebuild");
}

static void test_first_catch_up_counts_nothing_twice(void)
{
	open_step6_projector();
	run_script(0, SCRIPT_EVENTS, true);
	dump_rows(&before, "SELECT * FROM product_detail_view ORDER BY id");
	ES_ASSERT_STR_CONTAINS(before.text, "|2|'Acme Corp'|");
	/*
	 * Views without a checkpoint: no one knows what they hold. These
	 * also hold the insights step 9 filled from this very log, which
	 * a catch-up that did not empty them first would count twice.
	 */
	open_views();
	es_test_exec(read_db, "INSERT INTO view_count_summary VALUES"
			      " (1, 2), (2, 1), (9, 1);"
			      "INSERT INTO low_stock_alert_view VALUES"
			      " (1, 'Widget Pro', 4), (3, 'Doohickey', 3);");
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
	dump_rows(&after, "SELECT * FROM product_detail_view ORDER BY id");
	ES_ASSERT_SAME_DUMP(&after, before.text,
			    "product_detail_view after the first catch-up");
	ES_ASSERT_ROWS(summary_rows(&after), SCRIPT_SUMMARY);
	ES_ASSERT_ROWS(alert_rows(&after), SCRIPT_ALERTS);
}

static void test_catch_up_projects_what_follows_the_checkpoint(void)
{
	open_views();
	run_script(0, 4, false);
	ES_ASSERT_INT_EQ(catch_up(), 4);
	ES_ASSERT_INT_EQ(checkpoint(), 4);
	ES_ASSERT_ROWS(summary_rows(&after), "1|1\n");
	ES_ASSERT_ROWS(alert_rows(&after), "");
	run_script(4, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS - 4);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS);
	ES_ASSERT_ROWS(summary_rows(&after), SCRIPT_SUMMARY);
	ES_ASSERT_ROWS(alert_rows(&after), SCRIPT_ALERTS);
	ES_ASSERT_ROWS(dump_rows(&after, "SELECT id, stock, view_count FROM"
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
	ES_ASSERT_ROWS(summary_rows(&after), "1|4\n2|1\n9|1\n");
	ES_ASSERT_ROWS(dump_rows(&after, "SELECT id, stock, view_count FROM"
					 " product_detail_view ORDER BY id"),
		       "1|4|4\n2|7|1\n3|3|0\n");
	ES_ASSERT_ROWS(alert_rows(&after), "1|'Widget Pro'|4\n"
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
#define child_appends_and_dies() ES_CALLED(child_appends_and_dies())

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
	ES_ASSERT_ROWS(summary_rows(&after), "1|4\n2|1\n9|1\n");
	ES_ASSERT_ROWS(dump_rows(&after, "SELECT id, stock, view_count FROM"
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
#define expect_failed_catch_up(code, msg_part)                                 \
	ES_CALLED(expect_failed_catch_up(code, msg_part))

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

/*
 * The way past a row that does not decode is a quarantine
 * (es_store_quarantine, event_store.h): then the store's loads step over
 * it, so catch-up and rebuild do too, with nothing in views.c about it.
 */
static void test_catch_up_and_rebuild_step_over_a_quarantined_row(void)
{
	struct es_error err;

	open_views();
	run_script(0, SCRIPT_EVENTS, false);
	ES_ASSERT_INT_EQ(catch_up(), SCRIPT_EVENTS);
	view(1);
	insert_corrupt_row(1); /* event 12 */
	view(2);
	expect_failed_catch_up(ES_ECORRUPT, "event 12: ");
	ES_ASSERT_OK(es_store_quarantine(store, 12, "written by a test",
					 "2026-11-27T15:00:00.000000+00:00",
					 &err),
		     &err);
	ES_ASSERT_INT_EQ(catch_up(), 2);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS + 3);
	ES_ASSERT_STR_EQ(summary_rows(&after), "1|3\n2|2\n9|1\n");
	dump_views(&before);
	ES_ASSERT_INT_EQ(rebuild(), SCRIPT_EVENTS + 2);
	ES_ASSERT_INT_EQ(checkpoint(), SCRIPT_EVENTS + 3);
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after a rebuild");
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
	ES_ASSERT_ROWS(summary_rows(&after), "1|3\n2|1\n9|1\n");
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
	ES_ASSERT_ROWS(alert_rows(&after), "1|'Widget Pro'|4\n"
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
#define run_random(seed, count) ES_CALLED_INT(run_random(seed, count))

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
	ES_ASSERT_ROWS(dump_views(&after),
		       "product_detail_view:\nproduct_list_view:\n"
		       "view_count_summary:\nlow_stock_alert_view:\n");
}

static void test_failed_rebuild_keeps_everything(void)
{
	struct es_error err;
	int64_t projected = -1;

	/*
	 * The views as the step 6 projector left them, around a bad row in
	 * the middle of the log (event 5, of product 77, which no command
	 * touches): a rebuild that was not one transaction would stop at
	 * the bad row with the views emptied and refilled only up to it.
	 */
	open_step6_projector();
	run_script(0, 4, true);
	insert_corrupt_row(77);
	run_script(4, SCRIPT_EVENTS, true);
	open_views();
	dump_views(&before);
	ES_ASSERT_CODE(es_views_rebuild(&projected, views, store, &err),
		       ES_ECORRUPT, &err);
	ES_ASSERT_TRUE(strncmp(err.msg, "event 5: ", 9) == 0);
	ES_ASSERT_INT_EQ(projected, 0);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	ES_ASSERT_SAME_DUMP(dump_views(&after), before.text,
			    "views after a failed rebuild");
	ES_ASSERT_INT_EQ(checkpoint(), 0); /* still none */
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
	{"catch_up and rebuild step over a row in quarantine",
	 test_catch_up_and_rebuild_step_over_a_quarantined_row},
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
	{"step 10: catch-up and rebuild", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/10-catch-up.md";
