/*
 * test_trade_offs.c - step 9: the seed's trade-offs made real: snapshots,
 * optimistic concurrency, upcasting, history queries.
 *
 * Each test gets its own event store (`store`, connection A) and the
 * harness's fixed clock. `raw` is a plain sqlite3 connection to the same
 * file, for planting rows and counting them behind the modules' backs;
 * `store_b` a second store, opened by the tests that need one. What the
 * tests load is kept in file-scope variables that the teardown disposes,
 * so a failed assertion leaks nothing.
 *
 * The snapshot tests grow a history for product 1 with append_history():
 * its n-th event is ProductCreated for n = 1, then StockUpdated,
 * PriceChanged and ProductViewed in turn, each followed by a view of
 * product 2, so product 1's n-th event has id 2n - 1 and the clock's time
 * number 2n - 2, and one event in three from the 4th on is a view, which
 * its version does not count. A load is always compared with the full
 * replay of es_store_load() (filtered by occurred_at for time travel),
 * field by field.
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
static struct es_product live;	   /* product 1, as append_history() built */
static int64_t history_length;	   /* product 1's events so far */
static int64_t last_event_id;	   /* the id of product 1's last event */
static struct es_product got;	   /* what a load returned */
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
	ES_ASSERT_OK(
		es_optimistic_open(&opt, store, handler.clock, snaps, &err),
		&err);
}

static void open_second_store(enum es_store_mode mode)
{
	struct es_error err;

	ES_ASSERT_OK(es_store_open(&store_b, path, mode, &err), &err);
}

static int64_t count_events(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM events");
}

static int64_t count_snapshots(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM snapshots");
}

/* A column of product 1's snapshot at an event: append the event's id. */
#define VERSION_AT                                                             \
	"SELECT version FROM snapshots WHERE product_id = 1"                   \
	" AND last_event_id = "
#define SCHEMA_AT                                                              \
	"SELECT schema_version FROM snapshots WHERE product_id = 1"            \
	" AND last_event_id = "

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

/* The optimistic handler, which must accept `cmd`. */
static void optimistic_ok(struct es_command cmd)
{
	struct es_error err;

	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &cmd, &err), &err);
}

/* ---- a long history for product 1 ---------------------------------------- */

/* Product 1's n-th event (n from 1), at `at`. */
static void history_event(struct es_event *out, int64_t n, const char *at)
{
	const struct es_product_created fields = es_test_widget_fields();
	struct es_error err;

	if (n == 1) {
		ES_ASSERT_OK(
			es_event_product_created(out, 1, &fields, at, &err),
			&err);
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

/* Append product 1's next event, stamped `at`, and apply it to `live`. */
static void append_next(const char *at)
{
	struct es_error err;

	es_event_dispose(&ev);
	history_event(&ev, history_length + 1, at);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	ES_ASSERT_OK(es_product_apply(&live, &ev, &err), &err);
	history_length++;
	last_event_id = ev.id;
}

/* Append `count` more events to product 1, each followed by a view of
 * product 2. Nothing loads: no snapshot is taken. */
static void append_history(int64_t count)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	ES_REQUIRE_SETUP();
	for (int64_t i = 0; i < count; i++) {
		clock_now(at);
		append_next(at);
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
		ES_ASSERT_OK(
			es_product_apply(&expected, &events.items[i], &err),
			&err);
	}
}

/* Every field of `p` on one line; %.17g tells any two doubles apart. */
static void describe(char *out, size_t size, const struct es_product *p)
{
	snprintf(out, size,
		 "id %" PRId64 ", version %" PRId64 ", name %s, description "
		 "%s, price %.17g, cost %.17g, supplier %" PRId64
		 " %s, stock %" PRId64 ", views %" PRId64,
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

/* What a load should have done. */
struct replay {
	int64_t snapshot_event_id; /* the snapshot it starts from; 0: none */
	int64_t replayed;
	bool ignored;
	bool taken;
};

static void assert_stats(const char *what, const struct es_replay_stats *st,
			 struct replay want)
{
	if (st->snapshot_event_id != want.snapshot_event_id ||
	    st->replayed != want.replayed || st->ignored != want.ignored ||
	    st->taken != want.taken)
		ES_FAIL("%s: the load started from the snapshot at event "
			"%" PRId64 ", replayed %" PRId64 " events, ignored %s, "
			"took %s; expected the snapshot at event %" PRId64
			", %" PRId64 " events, ignored %s, took %s",
			what, st->snapshot_event_id, st->replayed,
			st->ignored ? "one" : "none",
			st->taken ? "one" : "none", want.snapshot_event_id,
			want.replayed, want.ignored ? "one" : "none",
			want.taken ? "one" : "none");
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

/* Append `count` more events to product 1 as a writer that loads before
 * each command does: append, then load (which may take a snapshot). */
static void grow_history(int64_t count)
{
	for (int64_t i = 0; i < count; i++) {
		append_history(1);
		load_now(NULL);
	}
}

static void print_load(const struct es_replay_stats *st)
{
	const char *plural = st->replayed == 1 ? "" : "s";
	const char *took = st->taken ? ", and took a snapshot" : "";

	if (st->snapshot_event_id != 0)
		printf("      loaded version %" PRId64 " from the snapshot at "
		       "event %" PRId64 ", replaying %" PRId64 " event%s%s\n",
		       got.version, st->snapshot_event_id, st->replayed, plural,
		       took);
	else if (st->ignored)
		printf("      loaded version %" PRId64 " ignoring the snapshot "
		       "found, replaying %" PRId64 " event%s%s\n",
		       got.version, st->replayed, plural, took);
	else
		printf("      loaded version %" PRId64 " from no snapshot, "
		       "replaying %" PRId64 " event%s%s\n",
		       got.version, st->replayed, plural, took);
}

/* Plant a snapshot row of product 1 with plain SQL, at product 1's event
 * `last_id`, stamped with that event's time. */
static void plant_snapshot(int64_t last_id, int64_t version, int schema,
			   const char *state)
{
	sqlite3_stmt *stmt = NULL;
	char at[ES_TIMESTAMP_SIZE];

	es_test_timestamp(at, (int)(last_id - 1));
	if (sqlite3_prepare_v2(raw,
			       "INSERT OR REPLACE INTO snapshots (product_id,"
			       " last_event_id, version, occurred_at,"
			       " schema_version, state)"
			       " VALUES (1, ?, ?, ?, ?, ?)",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, last_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, version) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 3, at, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 4, schema) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 5, state, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE) {
		char msg[ES_ERROR_MSG_SIZE];

		snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(raw));
		sqlite3_finalize(stmt);
		ES_FAIL("cannot plant a snapshot: %s", msg);
	}
	sqlite3_finalize(stmt);
}

/* ---- snapshots ----------------------------------------------------------- */

static void test_load_equals_replay_after_every_event(void)
{
	struct es_replay_stats st;
	char what[64];

	open_snapshots(50);
	for (int64_t n = 1; n <= 250; n++) {
		/* The latest snapshot holds its first k = 50, 100... */
		int64_t k = (n - 1) / 50 * 50;

		append_history(1);
		load_now(&st);
		full_replay(1, NULL);
		snprintf(what, sizeof(what), "after event %" PRId64, n);
		assert_got_expected(what);
		assert_stats(what, &st,
			     (struct replay){k ? 2 * k - 1 : 0, n - k, false,
					     n - k == 50});
		if (n == 49 || n == 50 || n == 51 || n == 199 || n == 250)
			print_load(&st);
	}
	ES_ASSERT_INT_EQ(count_snapshots(), 5);
}

/* Copy column `column` (occurred_at or state) of product 1's snapshot at
 * event `last_id` into `out`. */
static void snapshot_text(char *out, size_t size, int64_t last_id, int column)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *text;

	if (sqlite3_prepare_v2(raw,
			       "SELECT occurred_at, state FROM snapshots"
			       " WHERE product_id = 1 AND last_event_id = ?",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, last_id) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		ES_FAIL("no snapshot of product 1 at event %" PRId64, last_id);
	}
	text = sqlite3_column_text(stmt, column);
	snprintf(out, size, "%s", text ? (const char *)text : "(null)");
	sqlite3_finalize(stmt);
}

static void test_load_takes_a_snapshot(void)
{
	char at[ES_TIMESTAMP_SIZE], text[512];

	open_snapshots(5);
	grow_history(4);
	/* Loads that replayed 1 to 4 events wrote nothing. */
	ES_ASSERT_INT_EQ(count_snapshots(), 0);
	grow_history(6);
	/* The loads after events 5 and 10 replayed 5 each: events 9, 19. */
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, SCHEMA_AT "9"), 2);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, SCHEMA_AT "19"), 2);
	/* Events 4, 7 and 10 are views: versions 4 and 7. */
	ES_ASSERT_INT_EQ(es_test_query_int(raw, VERSION_AT "9"), 4);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, VERSION_AT "19"), 7);
	/* Its time is that of event 19, the clock's time number 18. */
	es_test_timestamp(at, 18);
	snapshot_text(text, sizeof(text), 19, 0);
	ES_ASSERT_STR_EQ(text, at);
	/* Events 1-5: created, stock 2, price 3 * 0.1, a view, stock 5. */
	snapshot_text(text, sizeof(text), 9, 1);
	ES_ASSERT_STR_EQ(text, "{\"id\":1,\"name\":\"Widget Pro\","
			       "\"description\":\"A fine widget\","
			       "\"price\":0.30000000000000004,"
			       "\"cost_price\":12.0,\"supplier_id\":1,"
			       "\"supplier_name\":\"Acme Corp\",\"stock\":5,"
			       "\"view_count\":1,\"version\":4}");
}

struct schema_case {
	const char *name;
	int schema_version;
};

static const struct schema_case other_schemas[] = {
	{"a snapshot of schema 1 (older)", 1},
	{"a snapshot of schema 3 (newer)", 3},
};

/* 120 events, 39 of them views: version 81. */
#define VERSION_120 81

/* Well formed and believable: only its schema_version gives it away. */
static const char poisoned_state[] =
	"{\"id\":1,\"name\":\"Poisoned\",\"description\":null,"
	"\"price\":0.01,\"cost_price\":0.0,\"supplier_id\":1,"
	"\"supplier_name\":\"Nobody\",\"stock\":999999,\"view_count\":0,"
	"\"version\":81}";

static void test_other_schema_is_ignored_and_replaced(void)
{
	struct es_replay_stats st;
	char what[128];

	open_snapshots(50);
	append_history(120);
	ES_ASSERT_INT_EQ(live.version, VERSION_120);
	full_replay(1, NULL);
	for (size_t i = 0; i < 2; i++) {
		const struct schema_case *c = &other_schemas[i];

		plant_snapshot(last_event_id, VERSION_120, c->schema_version,
			       poisoned_state);
		/* Time travel ignores it too, and writes nothing. */
		load_at(&st, "9999-12-31T23:59:59+00:00");
		snprintf(what, sizeof(what), "%s, load_at", c->name);
		assert_got_expected(what);
		assert_stats(what, &st, (struct replay){0, 120, true, false});
		ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
							" snapshots WHERE"
							" schema_version <> 2"),
				 1);
		load_now(&st);
		snprintf(what, sizeof(what), "%s, first load", c->name);
		assert_got_expected(what);
		assert_stats(what, &st, (struct replay){0, 120, true, true});
		print_load(&st);
		/* Replaced: none of another schema left, a fresh one. */
		ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
							" snapshots WHERE"
							" schema_version <> 2"),
				 0);
		ES_ASSERT_INT_EQ(count_snapshots(), 1);
		load_now(&st);
		snprintf(what, sizeof(what), "%s, second load", c->name);
		assert_got_expected(what);
		assert_stats(what, &st,
			     (struct replay){last_event_id, 0, false, false});
	}
}

struct state_case {
	const char *name;
	const char *state;
	bool trusted;
};

/* 60 events, 19 of them views: version 41. */
#define VERSION_60     41
#define STATE_HEAD     "{\"id\":1,\"name\":\"Poisoned\",\"description\":null,"
#define STATE_PRICES   "\"price\":0.01,\"cost_price\":0.0,"
#define STATE_SUPPLIER "\"supplier_id\":1,\"supplier_name\":\"Nobody\","

static const struct state_case states[] = {
	{"a well-formed state is trusted (the control)",
	 STATE_HEAD STATE_PRICES STATE_SUPPLIER
	 "\"stock\":999999,\"view_count\":0,\"version\":41}",
	 true},
	{"a state that is not JSON", "{\"id\":1,\"name\":", false},
	{"a state that is an array", "[1,2,3]", false},
	{"a state with text after it",
	 STATE_HEAD STATE_PRICES STATE_SUPPLIER
	 "\"stock\":999999,\"view_count\":0,\"version\":41} x",
	 false},
	{"a state without a stock",
	 STATE_HEAD STATE_PRICES STATE_SUPPLIER
	 "\"view_count\":0,\"version\":41}",
	 false},
	{"a state with the stock as text",
	 STATE_HEAD STATE_PRICES STATE_SUPPLIER
	 "\"stock\":\"999999\",\"view_count\":0,\"version\":41}",
	 false},
	{"a state with a view count that is not whole",
	 STATE_HEAD STATE_PRICES STATE_SUPPLIER
	 "\"stock\":999999,\"view_count\":2.5,\"version\":41}",
	 false},
	{"a state with an infinite price",
	 STATE_HEAD "\"price\":1e999,\"cost_price\":0.0," STATE_SUPPLIER
		    "\"stock\":999999,\"view_count\":0,\"version\":41}",
	 false},
	{"a state with a null name",
	 "{\"id\":1,\"name\":null,\"description\":null," STATE_PRICES
		 STATE_SUPPLIER
	 "\"stock\":999999,\"view_count\":0,\"version\":41}",
	 false},
	{"a state of another product",
	 "{\"id\":2,\"name\":\"Poisoned\",\"description\":null," STATE_PRICES
		 STATE_SUPPLIER
	 "\"stock\":999999,\"view_count\":0,\"version\":41}",
	 false},
	{"a state of another version than its row",
	 STATE_HEAD STATE_PRICES STATE_SUPPLIER
	 "\"stock\":999999,\"view_count\":0,\"version\":40}",
	 false},
	{"a state with a field too many",
	 STATE_HEAD STATE_PRICES STATE_SUPPLIER
	 "\"stock\":999999,\"view_count\":0,\"version\":41,"
	 "\"colour\":\"red\"}",
	 false},
};

static void test_corrupt_state_is_ignored_and_replaced(void)
{
	size_t n = sizeof(states) / sizeof(states[0]);
	struct es_replay_stats st;

	open_snapshots(50);
	append_history(60);
	ES_ASSERT_INT_EQ(live.version, VERSION_60);
	for (size_t i = 0; i < n; i++) {
		const struct state_case *c = &states[i];

		plant_snapshot(last_event_id, VERSION_60, ES_SNAPSHOT_SCHEMA,
			       c->state);
		load_now(&st);
		if (c->trusted) {
			/* A cache is believed: this is why it must be ours. */
			assert_stats(c->name, &st,
				     (struct replay){last_event_id, 0, false,
						     false});
			if (got.stock != 999999)
				ES_FAIL("%s: stock %" PRId64 ", expected the "
					"planted 999999",
					c->name, got.stock);
			continue;
		}
		full_replay(1, NULL);
		assert_got_expected(c->name);
		assert_stats(c->name, &st, (struct replay){0, 60, true, true});
		load_now(&st);
		assert_got_expected(c->name);
		assert_stats(c->name, &st,
			     (struct replay){last_event_id, 0, false, false});
	}
	/* Broken rows beyond the events the load reads go in the repair. */
	plant_snapshot(201, VERSION_60, ES_SNAPSHOT_SCHEMA, "oops");
	plant_snapshot(301, VERSION_60, ES_SNAPSHOT_SCHEMA, "oops");
	load_now(&st);
	assert_stats("broken rows at events 201 and 301", &st,
		     (struct replay){0, 60, true, true});
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
						" snapshots WHERE"
						" last_event_id > 119"),
			 0);
	load_now(&st);
	assert_stats("after the repair", &st,
		     (struct replay){119, 0, false, false});
}

static void test_load_at_uses_the_nearest_snapshot(void)
{
	char before[ES_TIMESTAMP_SIZE];
	struct es_replay_stats st;
	char what[128];

	open_snapshots(50);
	grow_history(130);
	/* The loads after events 50 and 100 took one: at events 99, 199. */
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	for (int64_t n = 1; n <= 130; n++) {
		int64_t k = n / 50 * 50;

		/* At product 1's n-th event, then between it and the next. */
		for (int i = 0; i < 2; i++) {
			es_test_timestamp(before, (int)(2 * n - 2 + i));
			snprintf(what, sizeof(what), "event %" PRId64 " at %s",
				 n, before);
			load_at(&st, before);
			full_replay(1, before);
			assert_got_expected(what);
			assert_stats(what, &st,
				     (struct replay){k ? 2 * k - 1 : 0, n - k,
						     false, false});
		}
	}
	/* Before the first event (a fraction-less time sorts first). */
	load_at(&st, "2026-11-27T14:32:05+00:00");
	ES_ASSERT_INT_EQ(got.version, 0);
	ES_ASSERT_TRUE(!es_product_exists(&got));
	assert_stats("before the first event", &st,
		     (struct replay){0, 0, false, false});
	load_at(&st, "9999-12-31T23:59:59+00:00");
	full_replay(1, NULL);
	assert_got_expected("after the last event");
	assert_stats("after the last event", &st,
		     (struct replay){199, 30, false, false});
	print_load(&st);
	/* Looking at the past wrote nothing. */
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
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
	ES_REQUIRE_SETUP();
	for (int64_t n = 1; n <= 3; n++) {
		/* Event 2 is stamped time 4, event 3 time 2. */
		es_test_timestamp(at, n == 1 ? 0 : n == 2 ? 4 : 2);
		append_next(at);
	}
	load_now(&st);
	assert_stats("now", &st, (struct replay){0, 3, false, true});
	ES_ASSERT_INT_EQ(count_snapshots(), 1);
	/* At time 3, event 2 had not occurred yet: not the snapshot at 3. */
	es_test_timestamp(at, 3);
	load_at(&st, at);
	full_replay(1, at);
	assert_got_expected("at time 3");
	assert_stats("at time 3", &st, (struct replay){0, 2, false, false});
	ES_ASSERT_INT_EQ(got.version, 2);
	es_test_timestamp(at, 4);
	load_at(&st, at);
	full_replay(1, at);
	assert_got_expected("at time 4");
	assert_stats("at time 4", &st, (struct replay){3, 0, false, false});
}

static void test_product_without_events(void)
{
	struct es_replay_stats st = {7, 7, true, true};
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	open_snapshots(50);
	ES_ASSERT_OK(es_snapshots_load(&got, &st, snaps, 7, &err), &err);
	ES_ASSERT_INT_EQ(got.version, 0);
	ES_ASSERT_TRUE(!es_product_exists(&got));
	assert_stats("product 7", &st, (struct replay){0, 0, false, false});
	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load_at(&got, NULL, snaps, 7,
					  "2026-11-27T14:32:05+00:00", &err),
		     &err);
	ES_ASSERT_INT_EQ(got.version, 0);
	/* Views of a product never created: counted, never snapshotted. */
	for (int i = 0; i < 60; i++) {
		clock_now(at);
		es_event_dispose(&ev);
		es_event_product_viewed(&ev, 5, at);
		ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	}
	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load(&got, &st, snaps, 5, &err), &err);
	ES_ASSERT_TRUE(!es_product_exists(&got));
	ES_ASSERT_INT_EQ(got.view_count, 60);
	assert_stats("product 5", &st, (struct replay){0, 60, false, false});
	ES_ASSERT_INT_EQ(count_snapshots(), 0);
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

static void test_take_snapshots_the_log_now(void)
{
	struct es_replay_stats st;
	struct es_error err;

	open_snapshots(50);
	ES_ASSERT_CODE(es_snapshots_take(snaps, 7, &err), ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 7 not found");
	append_history(3);
	ES_ASSERT_OK(es_snapshots_take(snaps, 1, &err), &err);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, VERSION_AT "5"), 3);
	/* Nothing new since: nothing written. */
	ES_ASSERT_OK(es_snapshots_take(snaps, 1, &err), &err);
	ES_ASSERT_INT_EQ(count_snapshots(), 1);
	/* A view: a new snapshot, at the same version, keyed by event 7. */
	append_history(1);
	ES_ASSERT_OK(es_snapshots_take(snaps, 1, &err), &err);
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, VERSION_AT "7"), 3);
	load_now(&st);
	full_replay(1, NULL);
	assert_got_expected("after take");
	assert_stats("after take", &st, (struct replay){7, 0, false, false});
	ES_ASSERT_INT_EQ(got.view_count, 1);
}

/* ---- the version, kept by the store ---------------------------------------
 */

/* Product `id` as connection `s` sees it now, into `expected`. */
static void load_version(struct es_store *s, int64_t id)
{
	struct es_error err;

	es_event_list_dispose(&events);
	es_product_dispose(&expected);
	ES_ASSERT_OK(es_store_load(&events, s, id, &err), &err);
	ES_ASSERT_OK(
		es_product_replay(&expected, events.items, events.count, &err),
		&err);
}

/* es_store_version() of product `id` on `s`. */
static int64_t version_of(struct es_store *s, int64_t id)
{
	struct es_error err;
	int64_t version = -1;

	ES_ASSERT_OK(es_store_version(&version, s, id, &err), &err);
	return version;
}

static int64_t versions_table_exists(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM sqlite_master"
				      " WHERE name = 'stream_versions'");
}

static void test_append_expected_with_the_version_appends(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(version_of(store, 1), 1);
	ES_ASSERT_INT_EQ(version_of(store, 2), 0);
	clock_now(at);
	es_event_dispose(&ev);
	es_event_stock_updated(&ev, 1, 40, at);
	ES_ASSERT_OK(es_store_append_expected(store, &ev, 1, &err), &err);
	ES_ASSERT_INT_EQ(ev.id, 2);
	ES_ASSERT_INT_EQ(count_events(), 2);
	ES_ASSERT_INT_EQ(version_of(store, 1), 2);
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
	open_second_store(ES_STORE_WRITE);
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
	ES_ASSERT_CODE(
		es_store_append_expected(store, &ev, expected.version, &err),
		ES_ECONFLICT, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 1 changed while you worked: "
				  "expected version 3, found 4");
	ES_ASSERT_INT_EQ(count_events(), 4);
	ES_ASSERT_INT_EQ(ev.id, 0);
	/* Nothing was left open: the same append expecting 4 goes in. */
	ES_ASSERT_OK(es_store_append_expected(store, &ev, 4, &err), &err);
	ES_ASSERT_INT_EQ(count_events(), 5);
}

#define OLD_AT "2026-11-27T14:40:00+00:00"

static void test_version_kept_by_trigger(void)
{
	handle_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(version_of(store, 1), 1);
	ES_ASSERT_INT_EQ(versions_table_exists(), 1);
	/* Appended with plain SQL, as the seed's Python code appends. */
	es_test_insert_event(raw, 1, "StockUpdated",
			     "{\"product_id\": 1, \"new_stock\": 5, "
			     "\"occurred_at\": \"" OLD_AT "\"}",
			     OLD_AT);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT version FROM"
						" stream_versions WHERE"
						" product_id = 1"),
			 2);
	ES_ASSERT_INT_EQ(version_of(store, 1), 2);
	es_test_insert_event(raw, 1, "ProductViewed",
			     "{\"product_id\": 1, "
			     "\"occurred_at\": \"" OLD_AT "\"}",
			     OLD_AT);
	ES_ASSERT_INT_EQ(version_of(store, 1), 2);
	ES_ASSERT_INT_EQ(count_events(), 3);
}

static void test_version_filled_from_the_log(void)
{
	ES_REQUIRE_SETUP();
	/* A log written before versions were kept, by the seed's code. */
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 5));
	handle_ok(es_test_cmd_record_view(1));
	handle_ok(es_test_cmd_change_price(1, 3.5));
	handle_ok(es_test_cmd_record_view(2));
	handle_ok(es_test_cmd_record_view(3));
	ES_ASSERT_INT_EQ(versions_table_exists(), 0);
	ES_ASSERT_INT_EQ(version_of(store, 1), 3);
	ES_ASSERT_INT_EQ(versions_table_exists(), 1);
	ES_ASSERT_INT_EQ(version_of(store, 2), 1);
	ES_ASSERT_INT_EQ(version_of(store, 3), 0);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
						" stream_versions"),
			 2);
}

static void test_view_does_not_change_the_version(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(version_of(store, 1), 1);
	handle_ok(es_test_cmd_record_view(1));
	clock_now(at);
	es_event_dispose(&ev);
	es_event_product_viewed(&ev, 1, at);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	ES_ASSERT_INT_EQ(version_of(store, 1), 1);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 1);
	ES_ASSERT_INT_EQ(expected.view_count, 2);
	/* Decided on version 1, two views ago: no conflict. */
	clock_now(at);
	es_event_dispose(&ev);
	es_event_stock_updated(&ev, 1, 9, at);
	ES_ASSERT_OK(es_store_append_expected(store, &ev, 1, &err), &err);
}

static void test_read_only_store_counts(void)
{
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 5));
	handle_ok(es_test_cmd_record_view(1));
	open_second_store(ES_STORE_READONLY);
	ES_ASSERT_INT_EQ(version_of(store_b, 1), 2);
	ES_ASSERT_INT_EQ(version_of(store_b, 2), 0);
	/* It wrote nothing. */
	ES_ASSERT_INT_EQ(versions_table_exists(), 0);
}

/* ---- the optimistic handler ---------------------------------------------- */

static void test_optimistic_handler_handles_every_command(void)
{
	ES_REQUIRE_SETUP();
	open_optimistic();
	optimistic_ok(es_test_cmd_widget());
	ES_ASSERT_INT_EQ(ev.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(ev.product_id, 1);
	ES_ASSERT_INT_EQ(ev.id, 1);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
						" product_registry"),
			 1);
	optimistic_ok(es_test_cmd_update_stock(1, 50));
	ES_ASSERT_INT_EQ(ev.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(ev.id, 2);
	ES_ASSERT_INT_EQ(ev.stock.new_stock, 50);
	optimistic_ok(es_test_cmd_change_price(1, 44.99));
	ES_ASSERT_INT_EQ(ev.type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(ev.id, 3);
	ES_ASSERT_DOUBLE_EQ(ev.price.new_price, 44.99);
	optimistic_ok(es_test_cmd_record_view(1));
	ES_ASSERT_INT_EQ(ev.type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(ev.id, 4);
	/* A view has no precondition, as in the seed. */
	optimistic_ok(es_test_cmd_record_view(9));
	ES_ASSERT_INT_EQ(ev.product_id, 9);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 3);
	ES_ASSERT_INT_EQ(expected.stock, 50);
	ES_ASSERT_DOUBLE_EQ(expected.price, 44.99);
	ES_ASSERT_INT_EQ(expected.view_count, 1);
	ES_ASSERT_INT_EQ(count_events(), 5);
}

/*
 * Every rule is es_decide()'s, and step 5's suite tests each one. These
 * rows only show that the optimistic handler hands a refusal back as it
 * is, appending nothing: one of each kind. Product 1 exists; product 5
 * has only views.
 */
static const struct es_test_refusal refusals[] = {
	{"create with an empty name",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"", 1.0, 0.0, 1, "Acme", 1, NULL}},
	 ES_EINVAL,
	 "Name cannot be empty"},
	{"update stock of a product with only views",
	 {.type = ES_UPDATE_STOCK, .update_stock = {5, 10}},
	 ES_ENOTFOUND,
	 "Product 5 not found"},
	{"change price to a negative number",
	 {.type = ES_CHANGE_PRICE, .change_price = {1, -44.99}},
	 ES_EINVAL,
	 "Price must be positive"},
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
		const struct es_test_refusal *r = &refusals[i];

		es_error_clear(&err);
		es_event_dispose(&ev);
		rc = es_optimistic_handle(&ev, opt, &r->cmd, &err);
		if (rc != r->code || strcmp(err.msg, r->message) != 0)
			ES_FAIL("%s: returned %s \"%s\", expected %s \"%s\"",
				r->name, es_code_name(rc), err.msg,
				es_code_name(r->code), r->message);
		if (count_events() != before)
			ES_FAIL("%s: refused, yet events went from %" PRId64
				" to %" PRId64,
				r->name, before, count_events());
	}
}

/* What the hook does: a second writer slips an event in `slips` times. */
struct interference {
	struct es_store *writer;
	enum es_event_type type; /* ES_STOCK_UPDATED or ES_PRODUCT_VIEWED */
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
	if (in->type == ES_PRODUCT_VIEWED)
		es_event_product_viewed(&other, loaded->id, at);
	else
		es_event_stock_updated(&other, loaded->id, 7, at);
	rc = es_store_append(in->writer, &other, err);
	es_event_dispose(&other);
	return rc;
}

/* The optimistic writer, with a second store slipping in through it. */
static void interfere(struct interference *in, enum es_event_type type,
		      int slips)
{
	open_optimistic();
	open_second_store(ES_STORE_WRITE);
	in->writer = store_b;
	in->type = type;
	in->slips = slips;
	es_optimistic_set_hook(opt, slip_in, in);
}

static void test_view_between_load_and_append_does_not_conflict(void)
{
	struct es_command cmd = es_test_cmd_update_stock(1, 50);
	struct interference in = {0};
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	interfere(&in, ES_PRODUCT_VIEWED, 1);
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &cmd, &err), &err);
	/* The first attempt went through: one load, no retry. */
	ES_ASSERT_INT_EQ(in.calls, 1);
	ES_ASSERT_INT_EQ(ev.id, 3);
	ES_ASSERT_INT_EQ(count_events(), 3);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 2);
	ES_ASSERT_INT_EQ(expected.view_count, 1);
	ES_ASSERT_INT_EQ(expected.stock, 50);
}

static void test_stock_change_between_conflicts_and_retries(void)
{
	struct es_command cmd = es_test_cmd_update_stock(1, 50);
	struct interference in = {0};
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	interfere(&in, ES_STOCK_UPDATED, 1);
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &cmd, &err), &err);
	ES_ASSERT_INT_EQ(in.calls, 2);
	ES_ASSERT_INT_EQ(in.versions[0], 1);
	ES_ASSERT_INT_EQ(in.versions[1], 2);
	ES_ASSERT_INT_EQ(count_events(), 3);
	ES_ASSERT_INT_EQ(ev.id, 3);
	/* One lost try short of giving up still gets through. */
	in.calls = 0;
	in.slips = ES_OPTIMISTIC_ATTEMPTS - 1;
	cmd = es_test_cmd_update_stock(1, 60);
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &cmd, &err), &err);
	ES_ASSERT_INT_EQ(in.calls, ES_OPTIMISTIC_ATTEMPTS);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 3 + ES_OPTIMISTIC_ATTEMPTS);
	ES_ASSERT_INT_EQ(expected.stock, 60);
}

static void test_handler_gives_up_after_every_attempt(void)
{
	struct es_command cmd = es_test_cmd_change_price(1, 44.99);
	struct interference in = {0};
	char message[ES_ERROR_MSG_SIZE];
	struct es_error err;

	handle_ok(es_test_cmd_widget());
	interfere(&in, ES_STOCK_UPDATED, ES_OPTIMISTIC_ATTEMPTS);
	es_event_dispose(&ev);
	ES_ASSERT_CODE(es_optimistic_handle(&ev, opt, &cmd, &err), ES_ECONFLICT,
		       &err);
	snprintf(message, sizeof(message),
		 "Product 1 changed while you worked: expected version %d, "
		 "found %d",
		 ES_OPTIMISTIC_ATTEMPTS, ES_OPTIMISTIC_ATTEMPTS + 1);
	ES_ASSERT_STR_EQ(err.msg, message);
	ES_ASSERT_INT_EQ(in.calls, ES_OPTIMISTIC_ATTEMPTS);
	/* The create and the second writer's; none of the handler's. */
	ES_ASSERT_INT_EQ(count_events(), 1 + ES_OPTIMISTIC_ATTEMPTS);
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
	struct interference in = {0};

	open_snapshots(3);
	open_optimistic();
	es_optimistic_set_hook(opt, slip_in, &in);
	optimistic_ok(es_test_cmd_widget());
	for (int i = 2; i <= 9; i++) {
		if (i % 2 == 0)
			optimistic_ok(es_test_cmd_update_stock(1, i));
		else
			optimistic_ok(es_test_cmd_change_price(1, i + 0.5));
	}
	ES_ASSERT_INT_EQ(in.calls, 9);
	/* Its loads before events 4 and 7 replayed 3 each. */
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, VERSION_AT "3"), 3);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, VERSION_AT "6"), 6);
	load_now(&st);
	full_replay(1, NULL);
	assert_got_expected("after the handler");
	assert_stats("after the handler", &st,
		     (struct replay){6, 3, false, true});
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
	struct es_event_list list = {0};
	struct worker_result result = {ES_OK, ""};
	struct es_store *conn = NULL;
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
		result.rc = es_store_load(&list, conn, 1, &err);
	if (result.rc == ES_OK)
		result.rc = es_product_replay(&p, list.items, list.count, &err);
	if (result.rc == ES_OK)
		version = p.version;
	write_all(report_fd, &version, sizeof(version));
	if (read_all(go_fd, &go, 1) && result.rc == ES_OK) {
		es_test_timestamp(at, 10);
		es_event_stock_updated(&e, 1, new_stock, at);
		result.rc = es_store_append_expected(conn, &e, version, &err);
		es_event_dispose(&e);
	}
	snprintf(result.msg, sizeof(result.msg), "%s", err.msg);
	write_all(report_fd, &result, sizeof(result));
	es_product_dispose(&p);
	es_event_list_dispose(&list);
	es_store_close(conn);
	_exit(0);
}

static void test_two_processes(void)
{
	int report[2][2], go[2][2];
	struct worker_result result[2] = {{ES_ENOTIMPL, "no report"},
					  {ES_ENOTIMPL, "no report"}};
	int64_t version[2] = {-1, -1};
	int status[2] = {0, 0};
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
				", expected 1 (%s: %s)",
				i, version[i], es_code_name(result[i].rc),
				result[i].msg);
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
	es_test_open_db(&raw, path, SQLITE_OPEN_READONLY);
	ES_ASSERT_INT_EQ(count_events(), 2);
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
	{30, 32}, /* from 2026-10-28: days 0-30, and 00:00:00 */
	{31, 34}, /* from 2026-10-27: days 0-31, and both instants */
	{0, 1},	  /* today only */
	{39, 42}, /* everything */
	{1000, 42},
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
				"expected %" PRId64
				" (the seed's SQL says %" PRId64 ")",
				windows[i].days, count, windows[i].count,
				seed_count(windows[i].days));
	}
}

static void test_days_out_of_range(void)
{
	const int bad[] = {-1, ES_HISTORY_MAX_DAYS + 1};
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

/*
 * History queries read on a connection of their own: an event in the
 * store's open transaction is not in the log yet, for them as for anyone.
 */
static void test_history_reads_on_its_own_connection(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_test_timestamp(at, 0);
	append_price_change(at);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	append_price_change(at);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, at), 1);
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, at), 2);
}

static CU_TestInfo tests[] = {
	{"a snapshot load equals the full replay after each event of a "
	 "250-event history",
	 test_load_equals_replay_after_every_event},
	{"a load that replayed `every` events takes a snapshot: exact JSON, "
	 "its last event, version and time",
	 test_load_takes_a_snapshot},
	{"a snapshot of another schema version is ignored, then replaced",
	 test_other_schema_is_ignored_and_replaced},
	{"a snapshot whose state does not decode is ignored, then replaced",
	 test_corrupt_state_is_ignored_and_replaced},
	{"time travel starts from the nearest snapshot at or before the "
	 "moment",
	 test_load_at_uses_the_nearest_snapshot},
	{"time travel is exact when events were logged out of time order",
	 test_load_at_with_events_out_of_time_order},
	{"a product without events, or with only views, is never "
	 "snapshotted",
	 test_product_without_events},
	{"snapshots every 0 events are refused",
	 test_open_refuses_every_below_one},
	{"take snapshots a product at its last event; one never created is "
	 "refused",
	 test_take_snapshots_the_log_now},
	{"an append expecting the current version appends",
	 test_append_expected_with_the_version_appends},
	{"a second writer turns the first one's append into a conflict, "
	 "and nothing is appended",
	 test_second_writer_makes_a_conflict},
	{"the version is kept by a trigger, for rows inserted with plain SQL "
	 "too",
	 test_version_kept_by_trigger},
	{"the versions are filled from the log the first time they are "
	 "needed",
	 test_version_filled_from_the_log},
	{"a ProductViewed does not change the version",
	 test_view_does_not_change_the_version},
	{"a read-only store counts the version when the log keeps none",
	 test_read_only_store_counts},
	{"the optimistic handler creates, updates stock, changes price and "
	 "records views",
	 test_optimistic_handler_handles_every_command},
	{"the optimistic handler refuses with the decider's messages",
	 test_optimistic_handler_refusals},
	{"a view appended between load and append does not conflict",
	 test_view_between_load_and_append_does_not_conflict},
	{"a stock change appended between load and append conflicts, and the "
	 "handler retries",
	 test_stock_change_between_conflicts_and_retries},
	{"the handler gives up with ES_ECONFLICT after "
	 "ES_OPTIMISTIC_ATTEMPTS lost tries",
	 test_handler_gives_up_after_every_attempt},
	{"an error from the hook stops the handler",
	 test_hook_error_stops_the_handler},
	{"the handler's loads take snapshots", test_handler_takes_snapshots},
	{"two processes append on the same version: one wins, one conflicts",
	 test_two_processes},
	{"the upcaster renames quantity to new_stock and nothing else",
	 test_upcast_data},
	{"an old-shape row loads through the upcaster and stays as it is",
	 test_old_row_loads_through_the_upcaster},
	{"a row with both names is corrupt, upcaster or not",
	 test_row_with_both_names_is_corrupt},
	{"history counts the events of a type since a moment",
	 test_history_count},
	{"price changes in the last N days count from 00:00 UTC N days ago, "
	 "as the seed's SQL does",
	 test_price_changes_in_the_last_days},
	{"a window outside 0..36500 days is refused", test_days_out_of_range},
	{"history reads committed events on a connection of its own",
	 test_history_reads_on_its_own_connection},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 9: trade-offs", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/11-trade-offs.md";
