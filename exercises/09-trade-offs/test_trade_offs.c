/*
 * test_trade_offs.c - step 9: the seed's trade-offs made real: snapshots,
 * optimistic concurrency, upcasting, history queries.
 *
 * Each test gets its own event store (`store`, connection A) and the
 * harness's fixed clock. `raw` is a plain sqlite3 connection to the same
 * file, for planting rows and counting them behind the store's back;
 * `store_b` a second writer, opened by the tests that need one. What the
 * tests load is kept in file-scope variables that the teardown disposes,
 * so a failed assertion leaks nothing.
 *
 * The snapshot tests grow a history for product 1 with grow_history():
 * its n-th event is ProductCreated for n = 1, then StockUpdated,
 * PriceChanged and ProductViewed in turn, each followed by a view of
 * product 2, so product 1's n-th event has id 2n - 1 and the clock's time
 * number 2n - 2. A load is always compared with the full replay of
 * es_store_load() (filtered by occurred_at for time travel), field by
 * field.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aggregate.h"
#include "command_handler.h"
#include "commands.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "history.h"
#include "optimistic.h"
#include "snapshots.h"
#include "upcast.h"

static struct es_test_clock clock_state;
static char path[512];
static struct es_store *store;
static struct es_store *store_b;
static sqlite3 *raw;
static struct es_snapshots *snaps;
static struct es_optimistic *opt;
static struct es_command_handler handler;
static struct es_product live;     /* product 1, as grow_history() built it */
static int64_t history_length;     /* product 1's events so far */
static int64_t last_event_id;      /* the id of product 1's last event */
static struct es_product got;      /* what a load returned */
static struct es_product expected; /* the full replay to compare with */
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

	es_product_init(&live);
	es_product_init(&got);
	es_product_init(&expected);
	memset(&events, 0, sizeof(events));
	memset(&ev, 0, sizeof(ev));
	history_length = 0;
	last_event_id = 0;
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

/* Close every connection to the file (the teardown, and before a fork). */
static void close_all(void)
{
	es_optimistic_close(opt);
	opt = NULL;
	es_snapshots_close(snaps);
	snaps = NULL;
	es_store_close(store_b);
	store_b = NULL;
	sqlite3_close(raw);
	raw = NULL;
	es_store_close(store);
	store = NULL;
}

static void teardown(void)
{
	es_event_dispose(&ev);
	es_event_list_dispose(&events);
	es_product_dispose(&expected);
	es_product_dispose(&got);
	es_product_dispose(&live);
	close_all();
}

static void open_snapshots(int every)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_snapshots_open(&snaps, store, every, &err), &err);
}

/* The optimistic writer on `store`, with the snapshots if they are open. */
static void open_optimistic(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_optimistic_open(&opt, store, handler.clock, snaps,
					&err), &err);
}

static void open_second_writer(void)
{
	struct es_error err;

	ES_ASSERT_OK(es_store_open(&store_b, path, ES_STORE_WRITE, &err),
		     &err);
}

static int64_t count_events(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM events");
}

/* The last_event_id of the snapshot at a version: append the version. */
#define LAST_ID_AT "SELECT last_event_id FROM snapshots WHERE version = "

static int64_t count_snapshots(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM snapshots");
}

/* The next time on the fixed clock, as text. */
static void clock_now(char out[ES_TIMESTAMP_SIZE])
{
	es_time_format(out, handler.clock.now(handler.clock.ctx));
}

/* ---- commands ------------------------------------------------------------ */

/* Step 5's handler, which must accept `cmd`. */
static void handle_ok(struct es_command cmd)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_handle(&ev, &handler, &cmd, &err), &err);
}

/* ---- a long history for product 1 ---------------------------------------- */

/* Product 1's n-th event (n from 1), at `at`. */
static void history_event(struct es_event *out, int64_t n, const char *at)
{
	const struct es_product_created fields = es_test_widget_fields();
	struct es_error err;

	if (n == 1) {
		ES_ASSERT_OK(es_event_product_created(out, 1, &fields, at,
						      &err), &err);
		return;
	}
	switch (n % 3) {
	case 2:
		es_event_stock_updated(out, 1, n, at);
		break;
	case 0:
		/* 3 * 0.1 is 0.30000000000000004: every digit counts. */
		es_event_price_changed(out, 1, (double)n * 0.1, at);
		break;
	default:
		es_event_product_viewed(out, 1, at);
		break;
	}
}

/*
 * Append `ev` to product 1 as a writer that takes snapshots does it:
 * append, apply to the state, es_snapshots_after_append, all in one
 * transaction.
 */
static void append_with_snapshots(void)
{
	struct es_error err;

	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	ES_ASSERT_OK(es_product_apply(&live, &ev, &err), &err);
	ES_ASSERT_OK(es_snapshots_after_append(snaps, &live, &ev, &err),
		     &err);
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
	history_length++;
	last_event_id = ev.id;
}

/* Append `count` more events to product 1, each followed by a view of
 * product 2. */
static void grow_history(int64_t count)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	ES_REQUIRE_SETUP();
	for (int64_t i = 0; i < count; i++) {
		clock_now(at);
		es_event_dispose(&ev);
		history_event(&ev, history_length + 1, at);
		append_with_snapshots();
		clock_now(at);
		es_event_dispose(&ev);
		es_event_product_viewed(&ev, 2, at);
		ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	}
}

/*
 * `expected` := the replay of product `product_id`'s events, all of them
 * or (`before` not NULL) those that occurred at or before `before`: the
 * seed's load_at, written here without step 8.
 */
static void full_replay(int64_t product_id, const char *before)
{
	struct es_error err;

	es_event_list_dispose(&events);
	es_product_dispose(&expected);
	ES_ASSERT_OK(es_store_load(&events, store, product_id, &err), &err);
	for (size_t i = 0; i < events.count; i++) {
		if (before != NULL &&
		    strcmp(events.items[i].occurred_at, before) > 0)
			continue;
		ES_ASSERT_OK(es_product_apply(&expected, &events.items[i],
					      &err), &err);
	}
}

/* Every field of `p` on one line; %.17g tells any two doubles apart. */
static void describe(char *out, size_t size, const struct es_product *p)
{
	snprintf(out, size,
		 "id %" PRId64 ", version %" PRId64 ", name %s, description "
		 "%s, price %.17g, cost %.17g, supplier %" PRId64 " %s, stock %"
		 PRId64 ", views %" PRId64,
		 p->id, p->version, p->name ? p->name : "(null)",
		 p->description ? p->description : "(null)", p->price,
		 p->cost_price, p->supplier_id,
		 p->supplier_name ? p->supplier_name : "(null)", p->stock,
		 p->view_count);
}

/* `got` must equal `expected`, field by field. */
static void assert_got_expected(const char *what)
{
	char a[512], b[512];

	describe(a, sizeof(a), &got);
	describe(b, sizeof(b), &expected);
	if (strcmp(a, b) != 0)
		ES_FAIL("%s:\n        loaded      %s\n        full replay %s",
			what, a, b);
}

static void assert_stats(const char *what, const struct es_replay_stats *st,
			 int64_t snapshot_version, int64_t replayed,
			 bool ignored)
{
	if (st->snapshot_version != snapshot_version ||
	    st->replayed != replayed || st->ignored != ignored)
		ES_FAIL("%s: the load started from the snapshot at %" PRId64
			", replayed %" PRId64 " events, ignored %s; expected "
			"the snapshot at %" PRId64 ", %" PRId64 " events, %s",
			what, st->snapshot_version, st->replayed,
			st->ignored ? "one" : "none", snapshot_version,
			replayed, ignored ? "one" : "none");
}

/* Load product 1 now into `got`, with `*st`. */
static void load_now(struct es_replay_stats *st)
{
	struct es_error err;

	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load(&got, st, snaps, 1, &err), &err);
}

static void load_at(struct es_replay_stats *st, const char *before)
{
	struct es_error err;

	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load_at(&got, st, snaps, 1, before, &err),
		     &err);
}

static void print_load(const struct es_replay_stats *st)
{
	const char *plural = st->replayed == 1 ? "" : "s";

	if (st->snapshot_version != 0)
		printf("      loaded version %" PRId64 " from the snapshot at %"
		       PRId64 ", replaying %" PRId64 " event%s\n",
		       got.version, st->snapshot_version, st->replayed, plural);
	else if (st->ignored)
		printf("      loaded version %" PRId64 " ignoring the snapshot "
		       "found, replaying %" PRId64 " event%s\n",
		       got.version, st->replayed, plural);
	else
		printf("      loaded version %" PRId64 " from no snapshot, "
		       "replaying %" PRId64 " event%s\n",
		       got.version, st->replayed, plural);
}

/* Plant a snapshot row of product 1 with plain SQL. */
static void plant_snapshot(int64_t version, int64_t last_id, int schema,
			   const char *state)
{
	sqlite3_stmt *stmt = NULL;
	char at[ES_TIMESTAMP_SIZE];

	es_test_timestamp(at, (int)(2 * version - 2));
	if (sqlite3_prepare_v2(raw,
			       "INSERT OR REPLACE INTO snapshots VALUES"
			       " (1, ?, ?, ?, ?, ?)",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, version) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, last_id) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 3, at, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 4, schema) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 5, state, -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE) {
		char msg[ES_ERROR_MSG_SIZE];

		snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(raw));
		sqlite3_finalize(stmt);
		ES_FAIL("cannot plant a snapshot: %s", msg);
	}
	sqlite3_finalize(stmt);
}

/* ---- snapshots ----------------------------------------------------------- */

static void test_load_equals_replay_at_every_version(void)
{
	struct es_replay_stats st;
	char what[64];

	open_snapshots(50);
	for (int64_t v = 1; v <= 250; v++) {
		grow_history(1);
		load_now(&st);
		full_replay(1, NULL);
		snprintf(what, sizeof(what), "version %" PRId64, v);
		assert_got_expected(what);
		assert_stats(what, &st, v / 50 * 50, v % 50, false);
		if (v == 49 || v == 50 || v == 51 || v == 199 || v == 250)
			print_load(&st);
	}
}

/* Copy column `column` (occurred_at or state) of product 1's snapshot at
 * `version` into `out`. */
static void snapshot_text(char *out, size_t size, int64_t version,
			  int column)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *text;

	if (sqlite3_prepare_v2(raw,
			       "SELECT occurred_at, state FROM snapshots"
			       " WHERE product_id = 1 AND version = ?",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, version) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		ES_FAIL("no snapshot of product 1 at version %" PRId64,
			version);
	}
	text = sqlite3_column_text(stmt, column);
	snprintf(out, size, "%s", text ? (const char *)text : "(null)");
	sqlite3_finalize(stmt);
}

static void test_snapshot_rows(void)
{
	char at[ES_TIMESTAMP_SIZE], text[512];

	open_snapshots(5);
	grow_history(10);
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
						" snapshots WHERE product_id ="
						" 1 AND schema_version = 1"),
			 2);
	/* Product 1's 5th and 10th events are events 9 and 19. */
	ES_ASSERT_INT_EQ(es_test_query_int(raw, LAST_ID_AT "5"), 9);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, LAST_ID_AT "10"), 19);
	/* Its time is that of event 19, the clock's time number 18. */
	es_test_timestamp(at, 18);
	snapshot_text(text, sizeof(text), 10, 0);
	ES_ASSERT_STR_EQ(text, at);
	/* Events 1-5: created, stock 2, price 3 * 0.1, a view, stock 5. */
	snapshot_text(text, sizeof(text), 5, 1);
	ES_ASSERT_STR_EQ(text, "{\"id\":1,\"name\":\"Widget Pro\","
			       "\"description\":\"A fine widget\","
			       "\"price\":0.30000000000000004,"
			       "\"cost_price\":12.0,\"supplier_id\":1,"
			       "\"supplier_name\":\"Acme Corp\",\"stock\":5,"
			       "\"view_count\":1,\"version\":5}");
}

static void test_snapshot_rolls_back_with_its_event(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	open_snapshots(5);
	grow_history(4);
	ES_ASSERT_INT_EQ(count_snapshots(), 0);
	clock_now(at);
	es_event_dispose(&ev);
	history_event(&ev, 5, at);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	ES_ASSERT_OK(es_product_apply(&live, &ev, &err), &err);
	ES_ASSERT_OK(es_snapshots_after_append(snaps, &live, &ev, &err),
		     &err);
	/* Inside the transaction, on its own connection, it is there... */
	ES_ASSERT_INT_EQ(es_test_query_int(es_store_db(store),
					   "SELECT COUNT(*) FROM snapshots"),
			 1);
	es_store_rollback(store);
	/* ...and the rollback takes it back with the event. */
	ES_ASSERT_INT_EQ(count_snapshots(), 0);
	ES_ASSERT_INT_EQ(count_events(), 8);
}

struct schema_case {
	const char *name;
	int schema_version;
};

static const struct schema_case other_schemas[] = {
	{ "a snapshot of schema 0 (older)", 0 },
	{ "a snapshot of schema 2 (newer)", 2 },
};

/* Well formed and believable: only its schema_version gives it away. */
static const char poisoned_state[] =
	"{\"id\":1,\"name\":\"Poisoned\",\"description\":null,"
	"\"price\":0.01,\"cost_price\":0.0,\"supplier_id\":1,"
	"\"supplier_name\":\"Nobody\",\"stock\":999999,\"view_count\":0,"
	"\"version\":120}";

static void test_other_schema_is_ignored_and_replaced(void)
{
	struct es_replay_stats st;
	char what[128];

	open_snapshots(50);
	grow_history(120);
	full_replay(1, NULL);
	for (size_t i = 0; i < 2; i++) {
		const struct schema_case *c = &other_schemas[i];

		plant_snapshot(120, last_event_id, c->schema_version,
			       poisoned_state);
		/* Time travel ignores it too, and writes nothing. */
		load_at(&st, "9999-12-31T23:59:59+00:00");
		snprintf(what, sizeof(what), "%s, load_at", c->name);
		assert_got_expected(what);
		assert_stats(what, &st, 0, 120, true);
		ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
							" snapshots WHERE"
							" schema_version <> 1"),
				 1);
		load_now(&st);
		snprintf(what, sizeof(what), "%s, first load", c->name);
		assert_got_expected(what);
		assert_stats(what, &st, 0, 120, true);
		print_load(&st);
		/* Replaced: none of another schema left, a fresh one at 120. */
		ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
							" snapshots WHERE"
							" schema_version <> 1"),
				 0);
		ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
							" snapshots WHERE"
							" version = 120 AND"
							" schema_version = 1"),
				 1);
		load_now(&st);
		snprintf(what, sizeof(what), "%s, second load", c->name);
		assert_got_expected(what);
		assert_stats(what, &st, 120, 0, false);
	}
}

struct state_case {
	const char *name;
	const char *state;
	bool trusted;
};

#define STATE_HEAD "{\"id\":1,\"name\":\"Poisoned\",\"description\":null,"
#define STATE_PRICES "\"price\":0.01,\"cost_price\":0.0,"
#define STATE_SUPPLIER "\"supplier_id\":1,\"supplier_name\":\"Nobody\","

static const struct state_case states[] = {
	{ "a well-formed state is trusted (the control)",
	  STATE_HEAD STATE_PRICES STATE_SUPPLIER
	  "\"stock\":999999,\"view_count\":0,\"version\":60}", true },
	{ "a state that is not JSON", "{\"id\":1,\"name\":", false },
	{ "a state that is an array", "[1,2,3]", false },
	{ "a state with text after it",
	  STATE_HEAD STATE_PRICES STATE_SUPPLIER
	  "\"stock\":999999,\"view_count\":0,\"version\":60} x", false },
	{ "a state without a stock",
	  STATE_HEAD STATE_PRICES STATE_SUPPLIER
	  "\"view_count\":0,\"version\":60}", false },
	{ "a state with the stock as text",
	  STATE_HEAD STATE_PRICES STATE_SUPPLIER
	  "\"stock\":\"999999\",\"view_count\":0,\"version\":60}", false },
	{ "a state with a view count that is not whole",
	  STATE_HEAD STATE_PRICES STATE_SUPPLIER
	  "\"stock\":999999,\"view_count\":2.5,\"version\":60}", false },
	{ "a state with an infinite price",
	  STATE_HEAD "\"price\":1e999,\"cost_price\":0.0," STATE_SUPPLIER
	  "\"stock\":999999,\"view_count\":0,\"version\":60}", false },
	{ "a state with a null name",
	  "{\"id\":1,\"name\":null,\"description\":null," STATE_PRICES
	  STATE_SUPPLIER "\"stock\":999999,\"view_count\":0,\"version\":60}",
	  false },
	{ "a state of another product",
	  "{\"id\":2,\"name\":\"Poisoned\",\"description\":null,"
	  STATE_PRICES STATE_SUPPLIER
	  "\"stock\":999999,\"view_count\":0,\"version\":60}", false },
	{ "a state of another version than its row",
	  STATE_HEAD STATE_PRICES STATE_SUPPLIER
	  "\"stock\":999999,\"view_count\":0,\"version\":59}", false },
	{ "a state with a field too many",
	  STATE_HEAD STATE_PRICES STATE_SUPPLIER
	  "\"stock\":999999,\"view_count\":0,\"version\":60,"
	  "\"colour\":\"red\"}", false },
};

static void test_corrupt_state_is_ignored_and_replaced(void)
{
	size_t n = sizeof(states) / sizeof(states[0]);
	struct es_replay_stats st;

	open_snapshots(50);
	grow_history(60);
	for (size_t i = 0; i < n; i++) {
		const struct state_case *c = &states[i];

		plant_snapshot(60, last_event_id, ES_SNAPSHOT_SCHEMA, c->state);
		load_now(&st);
		if (c->trusted) {
			/* A cache is believed: this is why it must be ours. */
			assert_stats(c->name, &st, 60, 0, false);
			if (got.stock != 999999)
				ES_FAIL("%s: stock %" PRId64 ", expected the "
					"planted 999999", c->name, got.stock);
			continue;
		}
		full_replay(1, NULL);
		assert_got_expected(c->name);
		assert_stats(c->name, &st, 0, 60, true);
		load_now(&st);
		assert_got_expected(c->name);
		assert_stats(c->name, &st, 60, 0, false);
	}
	/* Broken rows beyond the log's 60 events go in the same repair. */
	plant_snapshot(70, last_event_id, ES_SNAPSHOT_SCHEMA, "oops");
	plant_snapshot(80, last_event_id, ES_SNAPSHOT_SCHEMA, "oops");
	load_now(&st);
	assert_stats("broken rows at 70 and 80", &st, 0, 60, true);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
						" snapshots WHERE version > 60"),
			 0);
	load_now(&st);
	assert_stats("after the repair", &st, 60, 0, false);
}

static void test_load_at_uses_the_nearest_snapshot(void)
{
	char before[ES_TIMESTAMP_SIZE];
	struct es_replay_stats st;
	char what[128];

	open_snapshots(50);
	grow_history(130);
	for (int64_t v = 1; v <= 130; v++) {
		/* At product 1's v-th event, then between it and the next. */
		for (int k = 0; k < 2; k++) {
			es_test_timestamp(before, (int)(2 * v - 2 + k));
			snprintf(what, sizeof(what), "version %" PRId64
				 " at %s", v, before);
			load_at(&st, before);
			full_replay(1, before);
			assert_got_expected(what);
			assert_stats(what, &st, v / 50 * 50, v % 50, false);
		}
	}
	/* Before the first event (a fraction-less time sorts first). */
	load_at(&st, "2026-11-27T14:32:05+00:00");
	ES_ASSERT_INT_EQ(got.version, 0);
	ES_ASSERT_TRUE(!es_product_exists(&got));
	assert_stats("before the first event", &st, 0, 0, false);
	load_at(&st, "9999-12-31T23:59:59+00:00");
	ES_ASSERT_INT_EQ(got.version, 130);
	assert_stats("after the last event", &st, 100, 30, false);
	print_load(&st);
}

/*
 * Two writers whose clocks disagree can log events out of time order.
 * A snapshot's time is then the latest of its events', not its last
 * event's, or time travel would start from a state that holds an event
 * from after the moment asked for.
 */
static void test_load_at_with_events_out_of_time_order(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_replay_stats st;

	open_snapshots(3);
	for (int64_t n = 1; n <= 3; n++) {
		/* Event 2 is stamped time 4, event 3 time 2. */
		es_test_timestamp(at, n == 1 ? 0 : n == 2 ? 4 : 2);
		es_event_dispose(&ev);
		history_event(&ev, n, at);
		append_with_snapshots();
	}
	ES_ASSERT_INT_EQ(count_snapshots(), 1);
	/* At time 3, event 2 had not occurred yet: not the snapshot at 3. */
	es_test_timestamp(at, 3);
	load_at(&st, at);
	full_replay(1, at);
	assert_got_expected("at time 3");
	assert_stats("at time 3", &st, 0, 2, false);
	ES_ASSERT_INT_EQ(got.version, 2);
	es_test_timestamp(at, 4);
	load_at(&st, at);
	full_replay(1, at);
	assert_got_expected("at time 4");
	assert_stats("at time 4", &st, 3, 0, false);
}

static void test_product_without_events(void)
{
	struct es_replay_stats st = { 7, 7, true };
	struct es_error err;

	open_snapshots(50);
	ES_ASSERT_OK(es_snapshots_load(&got, &st, snaps, 7, &err), &err);
	ES_ASSERT_INT_EQ(got.version, 0);
	ES_ASSERT_TRUE(!es_product_exists(&got));
	assert_stats("product 7", &st, 0, 0, false);
	ES_ASSERT_OK(es_snapshots_load_at(&got, NULL, snaps, 7,
					  "2026-11-27T14:32:05+00:00", &err),
		     &err);
	ES_ASSERT_INT_EQ(got.version, 0);
}

static void test_open_refuses_every_below_one(void)
{
	struct es_error err;
	/* Not NULL to start with: the refusal must set it. */
	struct es_snapshots *refused = (struct es_snapshots *)&err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_CODE(es_snapshots_open(&refused, store, 0, &err), ES_EINVAL,
		       &err);
	ES_ASSERT_TRUE(refused == NULL);
	ES_ASSERT_STR_EQ(err.msg, "snapshots: every must be at least 1, not 0");
}

static void test_take_checks_the_state_against_the_log(void)
{
	struct es_product nobody;
	struct es_error err;

	open_snapshots(50);
	es_product_init(&nobody);
	ES_ASSERT_CODE(es_snapshots_take(snaps, &nobody, 1, &err), ES_EINVAL,
		       &err);
	ES_ASSERT_STR_EQ(err.msg,
			 "cannot snapshot a product that was never created");
	grow_history(3);
	/* Event 3 is product 1's second: version 3 needs event 5. */
	ES_ASSERT_CODE(es_snapshots_take(snaps, &live, 3, &err), ES_EINVAL,
		       &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 1 has not 3 events up to event 3");
	ES_ASSERT_INT_EQ(count_snapshots(), 0);
	ES_ASSERT_OK(es_snapshots_take(snaps, &live, 5, &err), &err);
	ES_ASSERT_INT_EQ(count_snapshots(), 1);
	load_now(NULL);
	ES_ASSERT_INT_EQ(got.version, 3);
}

/* ---- optimistic concurrency ---------------------------------------------- */

/* Product `id` as connection `s` sees it now, into `expected`. */
static void load_version(struct es_store *s, int64_t id)
{
	struct es_error err;

	es_event_list_dispose(&events);
	es_product_dispose(&expected);
	ES_ASSERT_OK(es_store_load(&events, s, id, &err), &err);
	ES_ASSERT_OK(es_product_replay(&expected, events.items, events.count,
				       &err), &err);
}

static void test_optimistic_append_with_the_version_appends(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	open_optimistic();
	clock_now(at);
	es_event_dispose(&ev);
	es_event_stock_updated(&ev, 1, 40, at);
	ES_ASSERT_OK(es_optimistic_append(opt, &ev, 1, &err), &err);
	ES_ASSERT_INT_EQ(ev.id, 2);
	ES_ASSERT_INT_EQ(count_events(), 2);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 2);
	ES_ASSERT_INT_EQ(expected.stock, 40);
}

static void test_second_writer_makes_a_conflict(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_event b_event;
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 50));
	handle_ok(es_test_cmd_change_price(1, 44.99));
	open_optimistic();
	open_second_writer();
	/* A loads version 3... */
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 3);
	/* ...B appends meanwhile... */
	clock_now(at);
	es_event_stock_updated(&b_event, 1, 7, at);
	ES_ASSERT_OK(es_store_append(store_b, &b_event, &err), &err);
	es_event_dispose(&b_event);
	/* ...and A's append, decided on version 3, is refused. */
	clock_now(at);
	es_event_dispose(&ev);
	es_event_stock_updated(&ev, 1, 60, at);
	ES_ASSERT_CODE(es_optimistic_append(opt, &ev, expected.version, &err),
		       ES_ECONFLICT, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 1 changed while you worked: "
				  "expected version 3, found 4");
	ES_ASSERT_INT_EQ(count_events(), 4);
	ES_ASSERT_INT_EQ(ev.id, 0);
	/* Nothing was left open: the same append expecting 4 goes in. */
	ES_ASSERT_OK(es_optimistic_append(opt, &ev, 4, &err), &err);
	ES_ASSERT_INT_EQ(count_events(), 5);
}

static void test_optimistic_handler_appends(void)
{
	struct es_command stock = es_test_cmd_update_stock(1, 50);
	struct es_command price = es_test_cmd_change_price(1, 44.99);
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	open_optimistic();
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &stock, &err), &err);
	ES_ASSERT_INT_EQ(ev.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(ev.id, 2);
	ES_ASSERT_INT_EQ(ev.stock.new_stock, 50);
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &price, &err), &err);
	ES_ASSERT_INT_EQ(ev.type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(ev.id, 3);
	ES_ASSERT_DOUBLE_EQ(ev.price.new_price, 44.99);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 3);
	ES_ASSERT_INT_EQ(expected.stock, 50);
	ES_ASSERT_DOUBLE_EQ(expected.price, 44.99);
}

struct refusal {
	const char *name;
	struct es_command cmd;
	int code;
	const char *message;
};

/* Product 1 exists; product 5 has only views; 99 and 7 have nothing. */
static const struct refusal refusals[] = {
	{ "update stock of an unknown product",
	  { .type = ES_UPDATE_STOCK, .update_stock = { 99, 10 } },
	  ES_ENOTFOUND, "Product 99 not found" },
	{ "update stock of a product with only views",
	  { .type = ES_UPDATE_STOCK, .update_stock = { 5, 10 } },
	  ES_ENOTFOUND, "Product 5 not found" },
	{ "update stock to a negative number",
	  { .type = ES_UPDATE_STOCK, .update_stock = { 1, -1 } },
	  ES_EINVAL, "Stock cannot be negative" },
	{ "not found comes before the value rule",
	  { .type = ES_UPDATE_STOCK, .update_stock = { 7, -1 } },
	  ES_ENOTFOUND, "Product 7 not found" },
	{ "change price of an unknown product",
	  { .type = ES_CHANGE_PRICE, .change_price = { 99, 10.0 } },
	  ES_ENOTFOUND, "Product 99 not found" },
	{ "change price to zero",
	  { .type = ES_CHANGE_PRICE, .change_price = { 1, 0.0 } },
	  ES_EINVAL, "Price must be positive" },
	{ "change price to a negative number",
	  { .type = ES_CHANGE_PRICE, .change_price = { 1, -44.99 } },
	  ES_EINVAL, "Price must be positive" },
	{ "change price to NaN",
	  { .type = ES_CHANGE_PRICE, .change_price = { 1, NAN } },
	  ES_EINVAL, "Price must be positive" },
	{ "a create goes to es_handle",
	  { .type = ES_CREATE_PRODUCT,
	    .create = { "Widget", 1.0, 0.0, 1, "Acme", 1, NULL } },
	  ES_EINVAL, "CreateProduct is not handled here: use es_handle" },
	{ "a view goes to es_handle",
	  { .type = ES_RECORD_PRODUCT_VIEW, .record_view = { 1 } },
	  ES_EINVAL, "RecordProductView is not handled here: use es_handle" },
};

static void test_optimistic_handler_refusals(void)
{
	size_t n = sizeof(refusals) / sizeof(refusals[0]);
	struct es_error err;
	int64_t before;
	int rc;

	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_record_view(5));
	open_optimistic();
	before = count_events();
	for (size_t i = 0; i < n; i++) {
		const struct refusal *r = &refusals[i];

		es_error_clear(&err);
		es_event_dispose(&ev);
		rc = es_optimistic_handle(&ev, opt, &r->cmd, &err);
		if (rc != r->code || strcmp(err.msg, r->message) != 0)
			ES_FAIL("%s: returned %s \"%s\", expected %s \"%s\"",
				r->name, es_code_name(rc), err.msg,
				es_code_name(r->code), r->message);
		if (count_events() != before)
			ES_FAIL("%s: refused, yet events went from %" PRId64
				" to %" PRId64, r->name, before,
				count_events());
	}
}

/* What the hook does: a second writer slips in `slips` times. */
struct interference {
	struct es_store *writer;
	int slips;
	int calls;
	int64_t versions[ES_OPTIMISTIC_ATTEMPTS]; /* as each load saw it */
};

static int slip_in(void *ctx, const struct es_product *loaded,
		   struct es_error *err)
{
	struct interference *in = ctx;
	char at[ES_TIMESTAMP_SIZE];
	struct es_event other;
	int rc;

	if (in->calls < ES_OPTIMISTIC_ATTEMPTS)
		in->versions[in->calls] = loaded->version;
	in->calls++;
	if (in->slips == 0)
		return ES_OK;
	in->slips--;
	clock_now(at);
	es_event_stock_updated(&other, loaded->id, 7, at);
	rc = es_store_append(in->writer, &other, err);
	es_event_dispose(&other);
	return rc;
}

static void test_handler_retries_once(void)
{
	struct es_command cmd = es_test_cmd_update_stock(1, 50);
	struct interference in = { 0 };
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	open_optimistic();
	open_second_writer();
	in.writer = store_b;
	in.slips = 1;
	es_optimistic_set_hook(opt, slip_in, &in);
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &cmd, &err), &err);
	ES_ASSERT_INT_EQ(in.calls, 2);
	ES_ASSERT_INT_EQ(in.versions[0], 1);
	ES_ASSERT_INT_EQ(in.versions[1], 2);
	ES_ASSERT_INT_EQ(count_events(), 3);
	ES_ASSERT_INT_EQ(ev.id, 3);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 3);
	ES_ASSERT_INT_EQ(expected.stock, 50);
}

static void test_handler_gives_up_after_two_conflicts(void)
{
	struct es_command cmd = es_test_cmd_change_price(1, 44.99);
	struct interference in = { 0 };
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	open_optimistic();
	open_second_writer();
	in.writer = store_b;
	in.slips = 2;
	es_optimistic_set_hook(opt, slip_in, &in);
	es_event_dispose(&ev);
	ES_ASSERT_CODE(es_optimistic_handle(&ev, opt, &cmd, &err),
		       ES_ECONFLICT, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 1 changed while you worked: "
				  "expected version 2, found 3");
	ES_ASSERT_INT_EQ(in.calls, 2);
	/* The create and the second writer's two; none of the handler's. */
	ES_ASSERT_INT_EQ(count_events(), 3);
	ES_ASSERT_INT_EQ(ev.id, 0);
	load_version(store, 1);
	ES_ASSERT_DOUBLE_EQ(expected.price, 29.99);
}

static int refuse_to_go_on(void *ctx, const struct es_product *loaded,
			   struct es_error *err)
{
	(void)loaded;
	++*(int *)ctx;
	return es_error_set(err, ES_EDB, "the hook says no");
}

static void test_hook_error_stops_the_handler(void)
{
	struct es_command cmd = es_test_cmd_update_stock(1, 50);
	struct es_error err;
	int calls = 0;

	handle_ok(es_test_cmd_widget());
	open_optimistic();
	es_optimistic_set_hook(opt, refuse_to_go_on, &calls);
	es_event_dispose(&ev);
	ES_ASSERT_CODE(es_optimistic_handle(&ev, opt, &cmd, &err), ES_EDB,
		       &err);
	ES_ASSERT_STR_EQ(err.msg, "the hook says no");
	ES_ASSERT_INT_EQ(calls, 1);
	ES_ASSERT_INT_EQ(count_events(), 1);
}

static void test_handler_takes_snapshots(void)
{
	struct es_replay_stats st;
	struct interference in = { 0 };
	struct es_command cmd;
	struct es_error err;

	open_snapshots(3);
	open_optimistic();
	es_optimistic_set_hook(opt, slip_in, &in);
	handle_ok(es_test_cmd_widget());
	for (int i = 2; i <= 9; i++) {
		if (i % 2 == 0)
			cmd = es_test_cmd_update_stock(1, i);
		else
			cmd = es_test_cmd_change_price(1, i + 0.5);
		es_event_dispose(&ev);
		ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &cmd, &err), &err);
	}
	ES_ASSERT_INT_EQ(in.calls, 8);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
						" snapshots WHERE version IN"
						" (3, 6, 9)"),
			 3);
	ES_ASSERT_INT_EQ(count_snapshots(), 3);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, LAST_ID_AT "9"), ev.id);
	load_now(&st);
	full_replay(1, NULL);
	assert_got_expected("after the handler");
	assert_stats("after the handler", &st, 9, 0, false);
}

/* ---- two processes ------------------------------------------------------- */

struct worker_result {
	int rc;
	char msg[ES_ERROR_MSG_SIZE];
};

static bool write_all(int fd, const void *buf, size_t size)
{
	return write(fd, buf, size) == (ssize_t)size;
}

static bool read_all(int fd, void *buf, size_t size)
{
	char *p = buf;

	while (size > 0) {
		ssize_t n = read(fd, p, size);

		if (n <= 0)
			return false;
		p += n;
		size -= (size_t)n;
	}
	return true;
}

/*
 * A child process: its own connection, load product 1 and report the
 * version, wait for the go, append expecting that version, report how it
 * went. It uses no CUnit, and leaves with _exit().
 */
static void worker(int report_fd, int go_fd, int64_t new_stock)
{
	struct es_event_list list = { 0 };
	struct worker_result result = { ES_OK, "" };
	struct es_optimistic *mine = NULL;
	struct es_store *conn = NULL;
	struct es_test_clock cs;
	char at[ES_TIMESTAMP_SIZE];
	struct es_product p;
	struct es_event e;
	struct es_error err;
	int64_t version = -1;
	char go;

	es_product_init(&p);
	es_error_clear(&err);
	result.rc = es_store_open(&conn, path, ES_STORE_WRITE, &err);
	if (result.rc == ES_OK)
		result.rc = es_optimistic_open(&mine, conn, es_test_clock(&cs),
					       NULL, &err);
	if (result.rc == ES_OK)
		result.rc = es_store_load(&list, conn, 1, &err);
	if (result.rc == ES_OK)
		result.rc = es_product_replay(&p, list.items, list.count, &err);
	if (result.rc == ES_OK)
		version = p.version;
	write_all(report_fd, &version, sizeof(version));
	if (read_all(go_fd, &go, 1) && result.rc == ES_OK) {
		es_test_timestamp(at, 10);
		es_event_stock_updated(&e, 1, new_stock, at);
		result.rc = es_optimistic_append(mine, &e, version, &err);
		es_event_dispose(&e);
	}
	snprintf(result.msg, sizeof(result.msg), "%s", err.msg);
	write_all(report_fd, &result, sizeof(result));
	es_product_dispose(&p);
	es_event_list_dispose(&list);
	es_optimistic_close(mine);
	es_store_close(conn);
	_exit(0);
}

static void test_two_processes(void)
{
	int report[2][2], go[2][2];
	struct worker_result result[2] = { { ES_ENOTIMPL, "no report" },
					   { ES_ENOTIMPL, "no report" } };
	int64_t version[2] = { -1, -1 };
	struct es_error err;
	int status[2] = { 0, 0 };
	pid_t pid[2];
	int ok = 0, conflict = 0;

	handle_ok(es_test_cmd_widget());
	/*
	 * SQLite connections must not cross a fork: every connection to the
	 * file is closed first, and each child opens its own.
	 */
	close_all();
	signal(SIGPIPE, SIG_IGN); /* a dead child must not kill the test */
	fflush(stdout);
	for (int i = 0; i < 2; i++) {
		if (pipe(report[i]) != 0 || pipe(go[i]) != 0)
			ES_FAIL("pipe: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			ES_FAIL("fork: %s", strerror(errno));
		if (pid[i] == 0) {
			close(report[i][0]);
			close(go[i][1]);
			close(report[1 - i][0]);
			close(report[1 - i][1]);
			close(go[1 - i][0]);
			close(go[1 - i][1]);
			worker(report[i][1], go[i][0], 20 + i);
		}
		close(report[i][1]);
		close(go[i][0]);
	}
	/* Both have loaded before either appends. */
	for (int i = 0; i < 2; i++)
		read_all(report[i][0], &version[i], sizeof(version[i]));
	for (int i = 0; i < 2; i++) {
		write_all(go[i][1], "g", 1);
		close(go[i][1]);
	}
	for (int i = 0; i < 2; i++) {
		read_all(report[i][0], &result[i], sizeof(result[i]));
		close(report[i][0]);
		waitpid(pid[i], &status[i], 0);
	}
	/*
	 * The exit status is not checked: under valgrind a forked child
	 * exits with the error code for the parent's memory it still holds.
	 * It must not have crashed, though.
	 */
	for (int i = 0; i < 2; i++) {
		if (WIFSIGNALED(status[i]))
			ES_FAIL("process %d died of signal %d", i,
				WTERMSIG(status[i]));
		if (version[i] != 1)
			ES_FAIL("process %d loaded version %" PRId64
				", expected 1 (%s: %s)", i, version[i],
				es_code_name(result[i].rc), result[i].msg);
		if (result[i].rc == ES_OK)
			ok++;
		else if (result[i].rc == ES_ECONFLICT &&
			 strcmp(result[i].msg,
				"Product 1 changed while you worked: expected"
				" version 1, found 2") == 0)
			conflict++;
		else
			ES_FAIL("process %d: %s \"%s\"", i,
				es_code_name(result[i].rc), result[i].msg);
	}
	ES_ASSERT_INT_EQ(ok, 1);
	ES_ASSERT_INT_EQ(conflict, 1);
	ES_ASSERT_OK(es_store_open(&store, path, ES_STORE_WRITE, &err), &err);
	ES_ASSERT_INT_EQ(es_test_query_int(es_store_db(store),
					   "SELECT COUNT(*) FROM events"),
			 2);
}

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
	{ "an old StockUpdated", ES_STOCK_UPDATED,
	  "{\"product_id\": 2, \"quantity\": 50, " AT "}", ES_OK,
	  "{\"product_id\":2,\"new_stock\":50,"
	  "\"occurred_at\":\"2026-11-27T14:32:05.123456+00:00\"}", NULL },
	{ "an old StockUpdated, its fields in another order",
	  ES_STOCK_UPDATED, "{" AT ", \"quantity\": 0, \"product_id\": 2}",
	  ES_OK, "{\"occurred_at\":\"2026-11-27T14:32:05.123456+00:00\","
		 "\"new_stock\":0,\"product_id\":2}", NULL },
	{ "a current StockUpdated", ES_STOCK_UPDATED,
	  "{\"product_id\": 2, \"new_stock\": 50, " AT "}", ES_OK, NULL, NULL },
	{ "a PriceChanged", ES_PRICE_CHANGED,
	  "{\"product_id\": 2, \"new_price\": 44.99, " AT "}", ES_OK, NULL,
	  NULL },
	{ "a PriceChanged with a field called quantity", ES_PRICE_CHANGED,
	  "{\"product_id\": 2, \"quantity\": 50, " AT "}", ES_OK, NULL, NULL },
	{ "a ProductViewed", ES_PRODUCT_VIEWED, "{\"product_id\": 2, " AT "}",
	  ES_OK, NULL, NULL },
	{ "a StockUpdated that is not JSON, for the decoder to report",
	  ES_STOCK_UPDATED, "oops", ES_OK, NULL, NULL },
	{ "a StockUpdated with both names", ES_STOCK_UPDATED,
	  "{\"product_id\": 2, \"quantity\": 5, \"new_stock\": 5, " AT "}",
	  ES_ECORRUPT, NULL,
	  "StockUpdated has both 'new_stock' and 'quantity'" },
	{ "a StockUpdated with neither name", ES_STOCK_UPDATED,
	  "{\"product_id\": 2, " AT "}", ES_ECORRUPT, NULL,
	  "StockUpdated has neither 'new_stock' nor 'quantity'" },
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

	if (sqlite3_prepare_v2(raw, "SELECT data FROM events WHERE id = ?",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		ES_FAIL("event %" PRId64 " is not in the log", id);
	}
	snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

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
	ES_ASSERT_TRUE(strstr(err.msg, "quantity") != NULL);
}

/* ---- history ------------------------------------------------------------- */

#define DAY_US INT64_C(86400000000)

static void append_price_change(const char *at)
{
	struct es_error err;

	es_event_dispose(&ev);
	es_event_price_changed(&ev, 1, 9.99, at);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
}

static void append_stock_update(const char *at)
{
	struct es_error err;

	es_event_dispose(&ev);
	es_event_stock_updated(&ev, 1, 5, at);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
}

static int64_t history_count(enum es_event_type type, const char *since)
{
	struct es_error err;
	int64_t n = -1;

	ES_ASSERT_OK(es_history_count(&n, store, type, since, &err), &err);
	return n;
}

static void test_history_count(void)
{
	char at[ES_TIMESTAMP_SIZE];

	ES_REQUIRE_SETUP();
	for (int n = 0; n < 5; n++) {
		es_test_timestamp(at, n);
		append_price_change(at);
	}
	for (int n = 5; n < 7; n++) {
		es_test_timestamp(at, n);
		append_stock_update(at);
	}
	es_test_timestamp(at, 2);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, at), 3);
	es_test_timestamp(at, 0);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, at), 5);
	ES_ASSERT_INT_EQ(history_count(ES_STOCK_UPDATED, at), 2);
	ES_ASSERT_INT_EQ(history_count(ES_PRODUCT_VIEWED, at), 0);
	es_test_timestamp(at, 5);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, at), 0);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, "2026-11-27"), 5);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, "2026-11-28"), 0);
}

/*
 * The seed's own query, with the clock's first time for 'now':
 * date('2026-11-27T14:32:05.123456+00:00', '-30 days').
 */
static int64_t seed_count(int days)
{
	char now[ES_TIMESTAMP_SIZE], modifier[32];
	sqlite3_stmt *stmt = NULL;
	int64_t n;

	es_test_timestamp(now, 0);
	snprintf(modifier, sizeof(modifier), "-%d days", days);
	if (sqlite3_prepare_v2(raw,
			       "SELECT COUNT(*) FROM events"
			       " WHERE event_type = 'PriceChanged'"
			       " AND occurred_at >= date(?, ?)",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 1, now, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, modifier, -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		ES_FAIL("the seed's query failed: %s", sqlite3_errmsg(raw));
	}
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

struct window_case {
	int days;
	int64_t count;
};

/* One price change a day for 40 days, at the clock's time of day; the
 * last instant before 2026-10-28 and the first of it; a stock update. */
static const struct window_case windows[] = {
	{ 30, 32 }, /* from 2026-10-28: days 0-30, and 00:00:00 */
	{ 31, 34 }, /* from 2026-10-27: days 0-31, and both instants */
	{ 0, 1 },   /* today only */
	{ 39, 42 }, /* everything */
	{ 1000, 42 },
};

static void test_price_changes_in_the_last_days(void)
{
	size_t n = sizeof(windows) / sizeof(windows[0]);
	char at[ES_TIMESTAMP_SIZE];
	struct es_test_clock fixed;
	struct es_clock clock;
	struct es_error err;
	int64_t count;

	ES_REQUIRE_SETUP();
	for (int64_t d = 0; d < 40; d++) {
		es_time_format(at, ES_TEST_EPOCH_US - d * DAY_US);
		append_price_change(at);
	}
	append_price_change("2026-10-27T23:59:59.999999+00:00");
	append_price_change("2026-10-28T00:00:00+00:00");
	es_test_timestamp(at, 0);
	append_stock_update(at);
	for (size_t i = 0; i < n; i++) {
		clock = es_test_clock(&fixed); /* now: 2026-11-27T14:32:05 */
		count = -1;
		ES_ASSERT_OK(es_history_price_changes(&count, store, &clock,
						      windows[i].days, &err),
			     &err);
		if (count != windows[i].count ||
		    count != seed_count(windows[i].days))
			ES_FAIL("last %d days: %" PRId64 " price changes, "
				"expected %" PRId64 " (the seed's SQL says %"
				PRId64 ")", windows[i].days, count,
				windows[i].count, seed_count(windows[i].days));
	}
}

static void test_days_out_of_range(void)
{
	const int bad[] = { -1, ES_HISTORY_MAX_DAYS + 1 };
	char message[ES_ERROR_MSG_SIZE];
	struct es_error err;
	int64_t count = 0;

	ES_REQUIRE_SETUP();
	for (size_t i = 0; i < 2; i++) {
		ES_ASSERT_CODE(es_history_price_changes(&count, store,
							&handler.clock, bad[i],
							&err),
			       ES_EINVAL, &err);
		snprintf(message, sizeof(message),
			 "days must be between 0 and 36500, not %d", bad[i]);
		ES_ASSERT_STR_EQ(err.msg, message);
	}
	ES_ASSERT_OK(es_history_price_changes(&count, store, &handler.clock,
					      ES_HISTORY_MAX_DAYS, &err),
		     &err);
	ES_ASSERT_INT_EQ(count, 0);
}

static CU_TestInfo tests[] = {
	{ "a snapshot load equals the full replay at every version of a "
	  "250-event history", test_load_equals_replay_at_every_version },
	{ "a snapshot records the state as exact JSON, its last event and "
	  "its time", test_snapshot_rows },
	{ "a snapshot is rolled back with the event it was taken for",
	  test_snapshot_rolls_back_with_its_event },
	{ "a snapshot of another schema version is ignored, then replaced",
	  test_other_schema_is_ignored_and_replaced },
	{ "a snapshot whose state does not decode is ignored, then replaced",
	  test_corrupt_state_is_ignored_and_replaced },
	{ "time travel starts from the nearest snapshot at or before the "
	  "moment", test_load_at_uses_the_nearest_snapshot },
	{ "time travel is exact when events were logged out of time order",
	  test_load_at_with_events_out_of_time_order },
	{ "a product without events loads as the empty product",
	  test_product_without_events },
	{ "snapshots every 0 events are refused",
	  test_open_refuses_every_below_one },
	{ "take refuses a state that does not match the log",
	  test_take_checks_the_state_against_the_log },
	{ "an optimistic append with the current version appends",
	  test_optimistic_append_with_the_version_appends },
	{ "a second writer turns the first one's append into a conflict, "
	  "and nothing is appended", test_second_writer_makes_a_conflict },
	{ "the optimistic handler updates stock and changes price",
	  test_optimistic_handler_appends },
	{ "the optimistic handler refuses with step 5's messages",
	  test_optimistic_handler_refusals },
	{ "the handler loads again and retries once after a conflict",
	  test_handler_retries_once },
	{ "the handler gives up with ES_ECONFLICT after two conflicts",
	  test_handler_gives_up_after_two_conflicts },
	{ "an error from the hook stops the handler",
	  test_hook_error_stops_the_handler },
	{ "the handler with snapshots takes one every K events",
	  test_handler_takes_snapshots },
	{ "two processes append on the same version: one wins, one conflicts",
	  test_two_processes },
	{ "the upcaster renames quantity to new_stock and nothing else",
	  test_upcast_data },
	{ "an old-shape row loads through the upcaster and stays as it is",
	  test_old_row_loads_through_the_upcaster },
	{ "a row with both names is corrupt, upcaster or not",
	  test_row_with_both_names_is_corrupt },
	{ "history counts the events of a type since a moment",
	  test_history_count },
	{ "price changes in the last N days count from 00:00 UTC N days ago, "
	  "as the seed's SQL does", test_price_changes_in_the_last_days },
	{ "a window outside 0..36500 days is refused", test_days_out_of_range },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{ "step 9: trade-offs", NULL, NULL, setup, teardown, tests },
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/09-trade-offs.md";
