/*
 * test_history.c - step 14: questions about the past, asked of the event
 * log in SQL, on a read-only connection of their own.
 *
 * Each test gets its own event store (`store`) and the harness's fixed
 * clock. `raw` is a plain sqlite3 connection to the same file, on which
 * the tests run the seed's own query to compare. The event a test
 * appends is kept in a file-scope variable that the teardown disposes,
 * so a failed assertion leaks nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "history.h"

static struct es_test_clock clock_state;
static struct es_clock test_clock;
static char path[512];
static struct es_store *store;
static sqlite3 *raw;
static struct es_event ev;
/* A log as the seed's Python wrote it, and a store opened on it. */
static sqlite3 *seed_db;
static struct es_store *seed_store;

/*
 * What fails here is written down and its handle left NULL: the test then
 * stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void setup(void)
{
	struct es_error err;
	int rc;

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
	test_clock = es_test_clock(&clock_state);
}

static void teardown(void)
{
	es_event_dispose(&ev);
	sqlite3_close(raw);
	raw = NULL;
	es_store_close(store);
	store = NULL;
	sqlite3_close(seed_db);
	seed_db = NULL;
	es_store_close(seed_store);
	seed_store = NULL;
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
#define append_price_change(at) ES_CALLED(append_price_change(at))

static void append_stock_update(const char *at)
{
	struct es_error err;

	es_event_dispose(&ev);
	es_event_stock_updated(&ev, 1, 5, at);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
}
#define append_stock_update(at) ES_CALLED(append_stock_update(at))

static int64_t history_count(enum es_event_type type, const char *since)
{
	struct es_error err;
	int64_t n = -1;

	ES_ASSERT_OK(es_history_count(&n, store, type, since, &err), &err);
	return n;
}
#define history_count(type, since) ES_CALLED_INT(history_count(type, since))

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
#define seed_count(days) ES_CALLED_INT(seed_count(days))

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
							&test_clock, bad[i],
							&err),
			       ES_EINVAL, &err);
		snprintf(message, sizeof(message),
			 "days must be between 0 and 36500, not %d", bad[i]);
		ES_ASSERT_STR_EQ(err.msg, message);
	}
	ES_ASSERT_OK(es_history_price_changes(&count, store, &test_clock,
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

/*
 * A row that does not decode and was put in quarantine (event_store.h) is
 * not an event: history leaves it out, as every load of the store does.
 * Here a PriceChanged row whose data has no new_price: the log's triggers
 * let it in (a JSON object, a known type), the store cannot decode it.
 */
static void test_history_leaves_out_quarantined_rows(void)
{
	char at[ES_TIMESTAMP_SIZE];
	char data[128];
	struct es_error err;
	int64_t count = -1;

	ES_REQUIRE_SETUP();
	es_test_timestamp(at, 0);
	append_price_change(at); /* event 1 */
	snprintf(data, sizeof(data),
		 "{\"product_id\": 1, \"occurred_at\": \"%s\"}", at);
	es_test_insert_event(raw, 1, "PriceChanged", data, at); /* event 2 */
	append_price_change(at);				/* event 3 */
	ES_ASSERT_OK(
		es_store_quarantine(store, 2, "written by a test", at, &err),
		&err);
	ES_ASSERT_INT_EQ(history_count(ES_PRICE_CHANGED, at), 2);
	ES_ASSERT_OK(
		es_history_price_changes(&count, store, &test_clock, 30, &err),
		&err);
	ES_ASSERT_INT_EQ(count, 2);
}

/*
 * A log the seed's Python wrote has no table event_quarantine, and a
 * store opened read-only creates none: nothing there is in quarantine,
 * and history counts every row.
 */
static void test_history_on_a_log_without_quarantine(void)
{
	static const char seed_schema[] =
		"CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT,"
		" product_id INTEGER NOT NULL, event_type TEXT NOT NULL,"
		" data TEXT NOT NULL, occurred_at TEXT NOT NULL);"
		"CREATE TABLE product_registry (id INTEGER PRIMARY KEY"
		" AUTOINCREMENT);";
	char seed_path[512];
	char at[ES_TIMESTAMP_SIZE];
	char data[128];
	struct es_error err;
	int64_t count = -1;

	ES_REQUIRE_SETUP();
	es_test_path(seed_path, sizeof(seed_path), "seed.db");
	es_test_open_db(&seed_db, seed_path,
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	es_test_exec(seed_db, seed_schema);
	es_test_timestamp(at, 0);
	snprintf(data, sizeof(data),
		 "{\"product_id\": 1, \"new_price\": 9.99, "
		 "\"occurred_at\": \"%s\"}",
		 at);
	es_test_insert_event(seed_db, 1, "PriceChanged", data, at);
	ES_ASSERT_OK(
		es_store_open(&seed_store, seed_path, ES_STORE_READONLY, &err),
		&err);
	ES_ASSERT_OK(es_history_count(&count, seed_store, ES_PRICE_CHANGED, at,
				      &err),
		     &err);
	ES_ASSERT_INT_EQ(count, 1);
}

static CU_TestInfo tests[] = {
	{"history counts the events of a type since a moment",
	 test_history_count},
	{"price changes in the last N days count from 00:00 UTC N days ago, "
	 "as the seed's SQL does",
	 test_price_changes_in_the_last_days},
	{"a window outside 0..36500 days is refused", test_days_out_of_range},
	{"history reads committed events on a connection of its own",
	 test_history_reads_on_its_own_connection},
	{"history leaves out rows in quarantine: they are not events",
	 test_history_leaves_out_quarantined_rows},
	{"history counts every row of a log that has no quarantine table",
	 test_history_on_a_log_without_quarantine},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 14: history queries", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/14-history.md";
