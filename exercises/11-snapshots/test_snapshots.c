/*
 * test_snapshots.c - step 11: a product loaded from its latest snapshot
 * plus the events after it, snapshots taken by a load, and time travel
 * that starts from a snapshot.
 *
 * Each test gets its own event store (`store`) and the harness's fixed
 * clock. `raw` is a plain sqlite3 connection to the same file, for
 * planting rows and counting them behind the module's back. What the
 * tests load is kept in file-scope variables that the teardown disposes,
 * so a failed assertion leaks nothing.
 *
 * The tests grow a history for product 1 with append_history(): its n-th
 * event is ProductCreated for n = 1, then StockUpdated, PriceChanged and
 * ProductViewed in turn, each followed by a view of product 2, so product
 * 1's n-th event has id 2n - 1 and the clock's time number 2n - 2, and one
 * event in three from the 4th on is a view, which its version does not
 * count. A load is always compared with the full replay of
 * es_store_load() (filtered by occurred_at for time travel), field by
 * field.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aggregate.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "snapshots.h"

static struct es_test_clock clock_state;
static struct es_clock test_clock;
static char path[512];
static struct es_store *store;
static sqlite3 *raw;
static struct es_snapshots *snaps;
static struct es_snapshots *ro;	   /* es_snapshots_open_read_only() */
static char ro_base[512];	   /* as root: a directory under /tmp, or "" */
static char ro_dir[600];	   /* a directory nobody may write, or "" */
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
	test_clock = es_test_clock(&clock_state);
}

static void remove_read_only_copy(void);

static void teardown(void)
{
	es_event_dispose(&ev);
	es_event_list_dispose(&events);
	es_product_dispose(&expected);
	es_product_dispose(&got);
	es_product_dispose(&live);
	es_snapshots_close(snaps);
	snaps = NULL;
	es_snapshots_close(ro);
	ro = NULL;
	remove_read_only_copy();
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

static int64_t count_snapshots(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM snapshots");
}
#define count_snapshots() ES_CALLED_INT(count_snapshots())

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
	es_time_format(out, test_clock.now(test_clock.ctx));
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
#define history_event(out, n, at) ES_CALLED(history_event(out, n, at))

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
#define append_next(at) ES_CALLED(append_next(at))

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
#define append_history(count) ES_CALLED(append_history(count))

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
#define full_replay(product_id, before)                                        \
	ES_CALLED(full_replay(product_id, before))

/* Load product 1 now into `got`, with `*st`. */
static void load_now(struct es_replay_stats *st)
{
	struct es_error err;

	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load(&got, st, snaps, 1, &err), &err);
}
#define load_now(st) ES_CALLED(load_now(st))

static void load_at(struct es_replay_stats *st, const char *before)
{
	struct es_error err;

	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load_at(&got, st, snaps, 1, before, &err),
		     &err);
}
#define load_at(st, before) ES_CALLED(load_at(st, before))

/* Append `count` more events to product 1 as a writer that loads before
 * each command does: append, then load (which may take a snapshot). */
static void grow_history(int64_t count)
{
	for (int64_t i = 0; i < count; i++) {
		append_history(1);
		load_now(NULL);
	}
}
#define grow_history(count) ES_CALLED(grow_history(count))

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
#define plant_snapshot(last_id, version, schema, state)                        \
	ES_CALLED(plant_snapshot(last_id, version, schema, state))

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
		ES_ASSERT_SAME_PRODUCT(&got, &expected, what);
		ES_ASSERT_REPLAY(what, &st, k ? 2 * k - 1 : 0, n - k, false,
				 n - k == 50);
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
#define snapshot_text(out, size, last_id, column)                              \
	ES_CALLED(snapshot_text(out, size, last_id, column))

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
		ES_ASSERT_SAME_PRODUCT(&got, &expected, what);
		ES_ASSERT_REPLAY(what, &st, 0, 120, true, false);
		ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
							" snapshots WHERE"
							" schema_version <> 2"),
				 1);
		load_now(&st);
		snprintf(what, sizeof(what), "%s, first load", c->name);
		ES_ASSERT_SAME_PRODUCT(&got, &expected, what);
		ES_ASSERT_REPLAY(what, &st, 0, 120, true, true);
		print_load(&st);
		/* Replaced: none of another schema left, a fresh one. */
		ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
							" snapshots WHERE"
							" schema_version <> 2"),
				 0);
		ES_ASSERT_INT_EQ(count_snapshots(), 1);
		load_now(&st);
		snprintf(what, sizeof(what), "%s, second load", c->name);
		ES_ASSERT_SAME_PRODUCT(&got, &expected, what);
		ES_ASSERT_REPLAY(what, &st, last_event_id, 0, false, false);
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
			ES_ASSERT_REPLAY(c->name, &st, last_event_id, 0, false,
					 false);
			if (got.stock != 999999)
				ES_FAIL("%s: stock %" PRId64 ", expected the "
					"planted 999999",
					c->name, got.stock);
			continue;
		}
		full_replay(1, NULL);
		ES_ASSERT_SAME_PRODUCT(&got, &expected, c->name);
		ES_ASSERT_REPLAY(c->name, &st, 0, 60, true, true);
		load_now(&st);
		ES_ASSERT_SAME_PRODUCT(&got, &expected, c->name);
		ES_ASSERT_REPLAY(c->name, &st, last_event_id, 0, false, false);
	}
	/* Broken rows beyond the events the load reads go in the repair. */
	plant_snapshot(201, VERSION_60, ES_SNAPSHOT_SCHEMA, "oops");
	plant_snapshot(301, VERSION_60, ES_SNAPSHOT_SCHEMA, "oops");
	load_now(&st);
	ES_ASSERT_REPLAY("broken rows at events 201 and 301", &st, 0, 60, true,
			 true);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM"
						" snapshots WHERE"
						" last_event_id > 119"),
			 0);
	load_now(&st);
	ES_ASSERT_REPLAY("after the repair", &st, 119, 0, false, false);
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
			ES_ASSERT_SAME_PRODUCT(&got, &expected, what);
			ES_ASSERT_REPLAY(what, &st, k ? 2 * k - 1 : 0, n - k,
					 false, false);
		}
	}
	/* Before the first event (a fraction-less time sorts first). */
	load_at(&st, "2026-11-27T14:32:05+00:00");
	ES_ASSERT_INT_EQ(got.version, 0);
	ES_ASSERT_TRUE(!es_product_exists(&got));
	ES_ASSERT_REPLAY("before the first event", &st, 0, 0, false, false);
	load_at(&st, "9999-12-31T23:59:59+00:00");
	full_replay(1, NULL);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "after the last event");
	ES_ASSERT_REPLAY("after the last event", &st, 199, 30, false, false);
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
	ES_ASSERT_REPLAY("now", &st, 0, 3, false, true);
	ES_ASSERT_INT_EQ(count_snapshots(), 1);
	/* At time 3, event 2 had not occurred yet: not the snapshot at 3. */
	es_test_timestamp(at, 3);
	load_at(&st, at);
	full_replay(1, at);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "at time 3");
	ES_ASSERT_REPLAY("at time 3", &st, 0, 2, false, false);
	ES_ASSERT_INT_EQ(got.version, 2);
	es_test_timestamp(at, 4);
	load_at(&st, at);
	full_replay(1, at);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "at time 4");
	ES_ASSERT_REPLAY("at time 4", &st, 3, 0, false, false);
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
	ES_ASSERT_REPLAY("product 7", &st, 0, 0, false, false);
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
	ES_ASSERT_REPLAY("product 5", &st, 0, 60, false, false);
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
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "after take");
	ES_ASSERT_REPLAY("after take", &st, 7, 0, false, false);
	ES_ASSERT_INT_EQ(got.view_count, 1);
}

/* ---- reading without writing --------------------------------------------- */

static void open_read_only(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_snapshots_open_read_only(&ro, store, &err), &err);
}
#define open_read_only() ES_CALLED(open_read_only())

/* Load product 1 now into `got` through the read-only handle. */
static void load_read_only(struct es_replay_stats *st)
{
	struct es_error err;

	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load(&got, st, ro, 1, &err), &err);
}
#define load_read_only(st) ES_CALLED(load_read_only(st))

static void test_read_only_starts_from_a_snapshot_and_writes_none(void)
{
	char before[ES_TIMESTAMP_SIZE];
	struct es_replay_stats st;
	struct es_error err;

	open_snapshots(50);
	grow_history(100);
	/* Snapshots at events 99 and 199; 70 events after them, unloaded. */
	append_history(70);
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	open_read_only();
	full_replay(1, NULL);
	/* 70 >= every would take a snapshot: not through this handle. */
	for (int i = 0; i < 2; i++) {
		load_read_only(&st);
		ES_ASSERT_SAME_PRODUCT(&got, &expected, "a read-only load");
		ES_ASSERT_REPLAY("a read-only load", &st, 199, 70, false,
				 false);
	}
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	/* Product 1's 120th event: 20 after the snapshot at its 100th. */
	es_test_timestamp(before, 2 * 120 - 2);
	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load_at(&got, &st, ro, 1, before, &err),
		     &err);
	full_replay(1, before);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "a read-only load_at");
	ES_ASSERT_REPLAY("a read-only load_at", &st, 199, 20, false, false);
	/* A snapshot it does not trust: ignored, and left where it is. */
	plant_snapshot(last_event_id, live.version, 1, poisoned_state);
	load_read_only(&st);
	full_replay(1, NULL);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "past a schema-1 snapshot");
	ES_ASSERT_REPLAY("past a schema-1 snapshot", &st, 0, 170, true, false);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, SCHEMA_AT "339"), 1);
	ES_ASSERT_INT_EQ(count_snapshots(), 3);
	ES_ASSERT_CODE(es_snapshots_take(ro, 1, &err), ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "snapshots: opened read-only");
	ES_ASSERT_INT_EQ(count_snapshots(), 3);
}

#define HAS_TABLE                                                              \
	"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"              \
	" AND name = 'snapshots'"

static void test_read_only_without_the_table(void)
{
	struct es_replay_stats st;
	struct es_error err;

	/* A log no snapshots handle has opened for writing: no table. */
	append_history(3);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, HAS_TABLE), 0);
	open_read_only();
	load_read_only(&st);
	full_replay(1, NULL);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "a log without the table");
	ES_ASSERT_REPLAY("a log without the table", &st, 0, 3, false, false);
	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load_at(&got, &st, ro, 1,
					  "9999-12-31T23:59:59+00:00", &err),
		     &err);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "load_at without the table");
	ES_ASSERT_CODE(es_snapshots_take(ro, 1, &err), ES_EINVAL, &err);
	ES_ASSERT_INT_EQ(es_test_query_int(raw, HAS_TABLE), 0);
}

/*
 * The store's connection holds the write lock and events not committed
 * yet: the read-only handle reads the snapshots on its own connection,
 * the events through the store's, and never asks for the lock (a
 * handle that may write would wait for it, then fail).
 */
static void test_read_only_inside_a_write_transaction(void)
{
	struct es_replay_stats st;
	struct es_error err;

	open_snapshots(5);
	grow_history(10); /* snapshots at events 9 and 19 */
	open_read_only();
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	append_history(7);
	load_read_only(&st);
	full_replay(1, NULL);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "inside the transaction");
	ES_ASSERT_REPLAY("inside the transaction", &st, 19, 7, false, false);
	ES_ASSERT_INT_EQ(count_snapshots(), 2);
	es_store_rollback(store);
	load_read_only(&st);
	ES_ASSERT_INT_EQ(got.version, 7);
	ES_ASSERT_REPLAY("after the rollback", &st, 19, 0, false, false);
}

/*
 * A file and a directory nobody may write. Root ignores file modes, so
 * as root the reading is done by a child that became the user nobody
 * (65534), in a directory under /tmp that nobody can reach; as anyone
 * else the modes bind already. Either way the child first checks that it
 * cannot open the log for writing, so the test cannot pass by running
 * with privileges.
 */
#define NOBODY 65534

/* What the child saw. */
struct ro_report {
	int write_rc; /* es_store_open() for writing: must fail */
	int rc;
	char msg[ES_ERROR_MSG_SIZE];
	struct es_replay_stats stats;
	int64_t version, stock, view_count;
};

static void remove_read_only_copy(void)
{
	char copy[sizeof(ro_dir) + 32];

	if (ro_dir[0] != '\0') {
		chmod(ro_dir, 0755);
		snprintf(copy, sizeof(copy), "%s/event_store.db", ro_dir);
		remove(copy);
		rmdir(ro_dir);
	}
	if (ro_base[0] != '\0')
		rmdir(ro_base);
	ro_dir[0] = ro_base[0] = '\0';
}

/*
 * A copy of the log in WAL mode, with no -wal file, made read-only
 * (0444) in the directory ro_dir (0555).
 */
static void make_read_only_copy(void)
{
	char copy[sizeof(ro_dir) + 32];
	char sql[sizeof(copy) + 32];
	sqlite3 *db = NULL;

	snprintf(ro_base, sizeof(ro_base), "/tmp/es-snapshots-XXXXXX");
	if (geteuid() != 0)
		ro_base[0] = '\0';
	else if (mkdtemp(ro_base) == NULL || chmod(ro_base, 0755) != 0)
		ES_FAIL("cannot make a directory under /tmp");
	snprintf(ro_dir, sizeof(ro_dir), "%s/read-only",
		 ro_base[0] != '\0' ? ro_base : es_test_dir());
	if (mkdir(ro_dir, 0755) != 0)
		ES_FAIL("cannot make %s", ro_dir);
	snprintf(copy, sizeof(copy), "%s/event_store.db", ro_dir);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", copy);
	es_test_exec(raw, sql);
	es_test_open_db(&db, copy, SQLITE_OPEN_READWRITE);
	es_test_exec(db, "PRAGMA journal_mode=WAL");
	sqlite3_close(db); /* the last connection: no -wal, no -shm left */
	if (chmod(copy, 0444) != 0 || chmod(ro_dir, 0555) != 0)
		ES_FAIL("cannot make %s read-only", ro_dir);
}
#define make_read_only_copy() ES_CALLED(make_read_only_copy())

/* The child: no CUnit; it reports through `fd` and leaves with _exit(). */
static void child_loads_read_only(int fd)
{
	struct ro_report r = {ES_OK, ES_EINVAL, "", {0, 0, false, false},
			      0,     0,		0};
	struct es_store *w = NULL, *s = NULL;
	struct es_snapshots *h = NULL;
	struct es_error err = {0, ""};
	struct es_product p;

	es_product_init(&p);
	if (chdir(ro_dir) != 0 ||
	    (geteuid() == 0 && (setgid(NOBODY) != 0 || setuid(NOBODY) != 0))) {
		snprintf(r.msg, sizeof(r.msg), "cannot become nobody there");
	} else {
		r.write_rc = es_store_open(&w, "event_store.db", ES_STORE_WRITE,
					   NULL);
		r.rc = es_store_open(&s, "event_store.db", ES_STORE_READONLY,
				     &err);
		if (r.rc == ES_OK)
			r.rc = es_snapshots_open_read_only(&h, s, &err);
		if (r.rc == ES_OK)
			r.rc = es_snapshots_load(&p, &r.stats, h, 1, &err);
		snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
	}
	r.version = p.version;
	r.stock = p.stock;
	r.view_count = p.view_count;
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.rc = ES_EINVAL; /* the parent sees a short report */
	es_product_dispose(&p);
	es_snapshots_close(h);
	es_store_close(s);
	es_store_close(w);
	_exit(0);
}

static void test_read_only_on_a_file_nobody_may_write(void)
{
	char shm[sizeof(ro_dir) + 32];
	struct ro_report r;
	struct stat root;
	ssize_t got_bytes;
	int fds[2], status;
	pid_t pid;

	open_snapshots(50);
	grow_history(60); /* a snapshot at event 99 */
	append_history(5);
	full_replay(1, NULL);
	if (geteuid() == 0 && stat("/", &root) == 0 &&
	    (root.st_mode & S_IXOTH) == 0) {
		struct es_replay_stats st;

		/*
		 * The user nobody can reach no file here (a chroot whose /
		 * is 0700, say). Load read-only as root, so the test still
		 * checks the handle, and say what is left out.
		 */
		open_read_only();
		load_read_only(&st);
		ES_ASSERT_SAME_PRODUCT(&got, &expected, "a read-only load");
		ES_ASSERT_REPLAY("a read-only load", &st, 99, 15, false, false);
		printf("      skipped the load as the user nobody: / is closed"
		       " to other users here\n");
		return;
	}
	make_read_only_copy();
	/* No SQLite connection crosses the fork. */
	es_snapshots_close(snaps);
	snaps = NULL;
	sqlite3_close(raw);
	raw = NULL;
	es_store_close(store);
	store = NULL;
	fflush(NULL);
	if (pipe(fds) != 0)
		ES_FAIL("pipe failed");
	pid = fork();
	if (pid < 0)
		ES_FAIL("fork failed");
	if (pid == 0) {
		close(fds[0]);
		child_loads_read_only(fds[1]);
	}
	close(fds[1]);
	got_bytes = read(fds[0], &r, sizeof(r));
	close(fds[0]);
	waitpid(pid, &status, 0);
	/* Not its exit status: under valgrind, that counts our memory. */
	if (WIFSIGNALED(status))
		ES_FAIL("the child died of signal %d", WTERMSIG(status));
	if (got_bytes != (ssize_t)sizeof(r))
		ES_FAIL("the child sent no report");
	if (r.write_rc == ES_OK)
		ES_FAIL("the child could open %s/event_store.db for writing: "
			"it did not run as a user who may not write",
			ro_dir);
	if (r.rc != ES_OK)
		ES_FAIL("a read-only load in %s: %s (%s)", ro_dir,
			es_code_name(r.rc), r.msg);
	ES_ASSERT_REPLAY("a read-only load of a read-only file", &r.stats, 99,
			 15, false, false);
	ES_ASSERT_INT_EQ(r.version, expected.version);
	ES_ASSERT_INT_EQ(r.stock, expected.stock);
	ES_ASSERT_INT_EQ(r.view_count, expected.view_count);
	/* Nothing was created beside the file. */
	snprintf(shm, sizeof(shm), "%s/event_store.db-shm", ro_dir);
	ES_ASSERT_TRUE(access(shm, F_OK) != 0);
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
	{"a read-only handle starts from the nearest snapshot and writes "
	 "none: not after `every` events, not to repair, not on take",
	 test_read_only_starts_from_a_snapshot_and_writes_none},
	{"a read-only handle loads a log without the snapshots table by full "
	 "replay, and creates none",
	 test_read_only_without_the_table},
	{"a read-only handle loads inside the store's write transaction, and "
	 "sees its events",
	 test_read_only_inside_a_write_transaction},
	{"a read-only handle loads a file nobody may write, in a directory "
	 "nobody may write, as a user who may not write",
	 test_read_only_on_a_file_nobody_may_write},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 11: snapshots", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/11-snapshots.md";
