/*
 * test_postgres.c - step 18: the same log on PostgreSQL. The store's
 * contract (event_store.h) on a server, the earlier steps' modules on
 * top of it, and the one thing PostgreSQL adds: many writers at once, and
 * a catch-up reader that must never skip an event.
 *
 * The server is the one ES_PG_URI names: make check STEP=18 starts a
 * private one (make pg installs PostgreSQL) and sets it. Each test gets
 * a schema of its own, made on `helper`, a plain libpq connection for
 * looking at the tables behind the store's back, and dropped after the
 * test: the store is opened with the URI plus
 * options=-csearch_path=<schema>, so its tables are the test's alone.
 *
 * Forked processes (other writers) open connections of their own: a
 * connection must not cross a fork. They use no CUnit, and leave with
 * _exit(). What the tests open and build is kept in file-scope variables
 * that the teardown closes and frees, so a failed assertion leaks
 * nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "aggregate.h"
#include "command_handler.h"
#include "commands.h"
#include "decide.h"
#include "event_store.h"
#include "event_store_pg.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "idempotency.h"
#include "optimistic.h"
#include "read_db.h"
#include "views.h"

/* The race: this many appends in all, by RACE_WRITERS processes. */
#define RACE_EVENTS  10000
#define RACE_WRITERS 4

static char schema[64]; /* the test's own */
static char uri[1024];	/* ES_PG_URI, in the test's schema */
static PGconn *helper;	/* a plain connection, in the schema too */
static struct es_store *store;
static struct es_store *other; /* a second store, when a test needs one */
static struct es_store *lite;  /* a SQLite store, to compare with */
static sqlite3 *read_db;
static sqlite3 *lite_read_db;
static struct es_views *views;
static struct es_views *lite_views;
static struct es_optimistic *opt;
static struct es_test_clock clock_state;
static struct es_test_clock lite_clock_state;
static struct es_command_handler handler;
static struct es_command_handler lite_handler;
static struct es_event ev;
static struct es_event got;
static struct es_event_list events;
static struct es_meta meta;
static char *answer;
static char *request;
static struct es_test_dump dump; /* dumps are large: fixtures.h */
static struct es_test_dump lite_dump;

/* The ids a reader was handed, in the order it was. */
struct seen {
	int64_t *ids;
	size_t count;
	size_t capacity;
	int64_t checkpoint;   /* the last id */
	int64_t out_of_order; /* an id not above the one before, or 0 */
};

static struct seen seen;
static struct seen logged; /* the log's ids, read on `helper` */

/* ---- the schema, the store and the helper connection --------------------- */

/*
 * Write into `out` the URI of the test's schema: ES_PG_URI plus
 * options=-csearch_path=<schema> (%3D is '=', %20 a space) and `more`
 * options ("%20-csynchronous_commit%3Doff") and parameters
 * ("&application_name=x"), either of which may be "".
 */
static bool schema_uri(char *out, size_t size, const char *options,
		       const char *more)
{
	const char *base = getenv("ES_PG_URI");
	int n;

	if (base == NULL)
		return false;
	n = snprintf(out, size, "%s%coptions=-csearch_path%%3D%s%s%s", base,
		     strchr(base, '?') != NULL ? '&' : '?', schema, options,
		     more);
	return n > 0 && (size_t)n < size;
}

/* Run `sql` on `helper`; false, with the message in `err`, on failure. */
static bool helper_ok(const char *sql, int nparams, const char *const *params,
		      struct es_error *err)
{
	PGresult *res =
		PQexecParams(helper, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);
	bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

	if (!ok)
		es_error_set(err, ES_EDB, "%s: %.*s", sql,
			     (int)strcspn(PQerrorMessage(helper), "\n"),
			     PQerrorMessage(helper));
	PQclear(res);
	return ok;
}

/* The server's notices ("drop cascades to table events") are not news. */
static void ignore_notice(void *ctx, const char *message)
{
	(void)ctx;
	(void)message;
}

/* Make the test's schema, and put `helper` in it. */
static bool make_schema(struct es_error *err)
{
	const char *params[] = {schema};
	char sql[128];
	char *name;
	bool ok;

	snprintf(schema, sizeof(schema), "kata_test_%ld", (long)getpid());
	/* A name is not a value: it cannot be a parameter; quote it. */
	name = PQescapeIdentifier(helper, schema, strlen(schema));
	if (name == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory") == ES_OK;
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", name);
	ok = helper_ok(sql, 0, NULL, err);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", name);
	ok = ok && helper_ok(sql, 0, NULL, err);
	PQfreemem(name);
	return ok && helper_ok("SELECT set_config('search_path', $1, false)", 1,
			       params, err);
}

/*
 * What fails here is written down and its handle left NULL: the test then
 * stops at ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void setup(void)
{
	const char *base = getenv("ES_PG_URI");
	struct es_error err;
	int rc;

	es_error_clear(&err);
	memset(&seen, 0, sizeof(seen));
	memset(&logged, 0, sizeof(logged));
	if (base == NULL || base[0] == '\0') {
		es_error_set(&err, ES_EINVAL,
			     "ES_PG_URI is not set: make check STEP=18 starts "
			     "a server and sets it");
		es_test_setup_failed("getenv(\"ES_PG_URI\")", err.code, &err);
		return;
	}
	helper = PQconnectdb(base);
	PQsetNoticeProcessor(helper, ignore_notice, NULL);
	if (PQstatus(helper) != CONNECTION_OK) {
		es_error_set(&err, ES_EDB, "%s: %.*s", base,
			     (int)strcspn(PQerrorMessage(helper), "\n"),
			     PQerrorMessage(helper));
		es_test_setup_failed("PQconnectdb", err.code, &err);
		return;
	}
	if (!make_schema(&err) || !schema_uri(uri, sizeof(uri), "", "")) {
		es_test_setup_failed("CREATE SCHEMA", ES_EDB, &err);
		return;
	}
	rc = es_store_open(&store, uri, ES_STORE_WRITE, &err);
	if (rc != ES_OK) {
		es_test_setup_failed("es_store_open", rc, &err);
		return;
	}
	handler.store = store;
	handler.clock = es_test_clock(&clock_state);
}

static void free_seen(struct seen *s)
{
	free(s->ids);
	memset(s, 0, sizeof(*s));
}

static void teardown(void)
{
	es_event_dispose(&ev);
	es_event_dispose(&got);
	es_event_list_dispose(&events);
	es_meta_dispose(&meta);
	free(answer);
	answer = NULL;
	free(request);
	request = NULL;
	free_seen(&seen);
	free_seen(&logged);
	es_optimistic_close(opt);
	opt = NULL;
	es_views_close(views);
	views = NULL;
	es_views_close(lite_views);
	lite_views = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_read_db_close(lite_read_db);
	lite_read_db = NULL;
	es_store_close(lite);
	lite = NULL;
	es_store_close(other);
	other = NULL;
	es_store_close(store);
	store = NULL;
	if (helper != NULL && schema[0] != '\0') {
		char sql[128];
		char *name = PQescapeIdentifier(helper, schema, strlen(schema));

		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE",
			 name != NULL ? name : "\"?\"");
		helper_ok(sql, 0, NULL, NULL);
		PQfreemem(name);
	}
	PQfinish(helper);
	helper = NULL;
	schema[0] = '\0';
}

/* ---- the helper connection ------------------------------------------------ */

/*
 * Run `sql`, which must succeed, on the helper connection, with `param`
 * as $1 (NULL: no parameter).
 */
static void helper_run_with(const char *sql, const char *param)
{
	const char *params[] = {param};
	struct es_error err;

	ES_REQUIRE_SETUP();
	if (!helper_ok(sql, param != NULL ? 1 : 0, params, &err))
		ES_FAIL("%s", err.msg);
}
#define helper_run_with(sql, param) ES_CALLED(helper_run_with(sql, param))
#define helper_run(sql)		    helper_run_with(sql, NULL)

/* The one integer that `sql` returns. */
static int64_t helper_int(const char *sql)
{
	PGresult *res;
	int64_t value;

	ES_REQUIRE_SETUP();
	res = PQexec(helper, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		char msg[ES_ERROR_MSG_SIZE];

		snprintf(msg, sizeof(msg), "%.*s",
			 (int)strcspn(PQerrorMessage(helper), "\n"),
			 PQerrorMessage(helper));
		PQclear(res);
		ES_FAIL("%s: not one row (%s)", sql, msg);
	}
	value = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return value;
}
#define helper_int(sql) ES_CALLED_INT(helper_int(sql))

static int64_t count_events(void)
{
	return helper_int("SELECT count(*) FROM events");
}
#define count_events() ES_CALLED_INT(count_events())

/* The whole log as one value: equal when not a byte of it changed. */
#define LOG_DIGEST                                                             \
	"SELECT hashtext(string_agg(id || ' ' || product_id || ' ' ||"         \
	" event_type || ' ' || data || ' ' || occurred_at, '|'"                \
	" ORDER BY id)) FROM events"

/*
 * Run `sql`, which must be refused, with its text parameters; returns
 * the server's message (static: until the next call).
 */
static const char *refusal(const char *sql, int nparams,
			   const char *const *params)
{
	static char msg[ES_ERROR_MSG_SIZE];
	PGresult *res;
	const char *primary;
	bool refused;

	ES_REQUIRE_SETUP();
	res = PQexecParams(helper, sql, nparams, NULL, params, NULL, NULL, 0);
	refused = PQresultStatus(res) == PGRES_FATAL_ERROR;
	primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	snprintf(msg, sizeof(msg), "%s", primary != NULL ? primary : "");
	PQclear(res);
	if (!refused)
		ES_FAIL("%s: accepted, expected a refusal", sql);
	return msg;
}
#define refusal(sql, nparams, params)                                          \
	ES_CALLED_PTR(refusal(sql, nparams, params))

/* Add `id` to `s`. */
static int see_id(struct seen *s, int64_t id, struct es_error *err)
{
	if (s->count == s->capacity) {
		size_t capacity = s->capacity ? s->capacity * 2 : 256;
		int64_t *ids = realloc(s->ids, capacity * sizeof(*ids));

		if (ids == NULL)
			return es_error_set(err, ES_ENOMEM, "out of memory");
		s->ids = ids;
		s->capacity = capacity;
	}
	if (id <= s->checkpoint && s->out_of_order == 0)
		s->out_of_order = id;
	s->ids[s->count++] = id;
	s->checkpoint = id;
	return ES_OK;
}

/* es_store_load_after() callback: `ctx` is a struct seen. */
static int see(void *ctx, const struct es_event *e, struct es_error *err)
{
	return see_id(ctx, e->id, err);
}

/* Read the log's ids, in order, on `helper`, into `logged`. */
static void read_logged_ids(void)
{
	PGresult *res;
	struct es_error err;
	int rc = ES_OK;

	ES_REQUIRE_SETUP();
	free_seen(&logged);
	res = PQexec(helper, "SELECT id FROM events ORDER BY id");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		ES_FAIL("SELECT id FROM events: %s", PQerrorMessage(helper));
	}
	for (int i = 0; rc == ES_OK && i < PQntuples(res); i++)
		rc = see_id(&logged, strtoll(PQgetvalue(res, i, 0), NULL, 10),
			    &err);
	PQclear(res);
	ES_ASSERT_OK(rc, &err);
}
#define read_logged_ids() ES_CALLED(read_logged_ids())

/*
 * Fail unless the reader saw exactly the log's ids, in order: the first
 * id it missed, or saw that is not there, is named.
 */
static void assert_saw_the_log(void)
{
	size_t n;

	read_logged_ids();
	if (seen.out_of_order != 0)
		ES_FAIL("the reader was handed id %" PRId64 " after a greater "
			"one",
			seen.out_of_order);
	n = seen.count < logged.count ? seen.count : logged.count;
	for (size_t i = 0; i < n; i++) {
		if (seen.ids[i] != logged.ids[i])
			ES_FAIL("the reader's id number %zu is %" PRId64
				", the log's is %" PRId64
				": the reader skipped an event",
				i + 1, seen.ids[i], logged.ids[i]);
	}
	ES_ASSERT_INT_EQ(seen.count, logged.count);
}
#define assert_saw_the_log() ES_CALLED(assert_saw_the_log())

/* ---- appends and commands ------------------------------------------------- */

/* Append `e` to `s`, which must accept it; returns its id. */
static int64_t append_ok(struct es_store *s, struct es_event *e)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_append(s, e, &err), &err);
	return e->id;
}
#define append_ok(s, e) ES_CALLED_INT(append_ok(s, e))

/* Append Widget Pro's ProductCreated as product `id`, stamped n = 0. */
static int64_t append_widget(int64_t id)
{
	struct es_product_created fields = es_test_widget_fields();
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;

	es_test_timestamp(at, 0);
	es_event_dispose(&ev);
	ES_ASSERT_OK(es_event_product_created(&ev, id, &fields, at, &err),
		     &err);
	return append_ok(store, &ev);
}
#define append_widget(id) ES_CALLED_INT(append_widget(id))

/* Append a StockUpdated of `product_id`, stamped n, to `s`. */
static int64_t append_stock(struct es_store *s, int64_t product_id,
			    int64_t new_stock, int n)
{
	es_event_dispose(&ev);
	es_test_stock_updated(&ev, product_id, new_stock, n);
	return append_ok(s, &ev);
}
#define append_stock(s, product_id, new_stock, n)                              \
	ES_CALLED_INT(append_stock(s, product_id, new_stock, n))

/* Handle `cmd` with `h`, which must accept it; returns the event's id. */
static int64_t handle_ok(struct es_command_handler *h, struct es_command cmd)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle(&got, h, &cmd, &err), &err);
	return got.id;
}
#define handle_ok(h, cmd) ES_CALLED_INT(handle_ok(h, cmd))

static int64_t version_of(int64_t product_id)
{
	struct es_error err;
	int64_t version = -1;

	ES_ASSERT_OK(es_store_version(&version, store, product_id, &err), &err);
	return version;
}
#define version_of(product_id) ES_CALLED_INT(version_of(product_id))

/* Open `other` on the test's schema, with `more` URI parameters. */
static void open_other(enum es_store_mode mode, const char *more)
{
	char other_uri[1024];
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_TRUE(schema_uri(other_uri, sizeof(other_uri), "", more));
	ES_ASSERT_OK(es_store_open(&other, other_uri, mode, &err), &err);
}
#define open_other(mode, more) ES_CALLED(open_other(mode, more))

/* ---- the store: the contract on PostgreSQL -------------------------------- */

static void test_append_and_load_round_trip(void)
{
	char at[ES_TIMESTAMP_SIZE], json[256];
	struct es_error err;
	int64_t product_id = 0;
	PGresult *res;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_new_product_id(store, &product_id, &err), &err);
	ES_ASSERT_INT_EQ(product_id, 1);
	ES_ASSERT_INT_EQ(append_widget(1), 1);
	ES_ASSERT_INT_EQ(append_stock(store, 1, 50, 1), 2);
	es_event_dispose(&ev);
	es_test_price_changed(&ev, 1, 44.99, 2);
	ES_ASSERT_INT_EQ(append_ok(store, &ev), 3);
	es_test_product_viewed(&ev, 1, 3);
	ES_ASSERT_INT_EQ(append_ok(store, &ev), 4);

	ES_ASSERT_OK(es_store_load(&events, store, 1, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 4);
	ES_ASSERT_WIDGET_CREATED(&events.items[0], 1, 0);
	ES_ASSERT_INT_EQ(events.items[0].id, 1);
	ES_ASSERT_INT_EQ(events.items[1].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(events.items[1].id, 2);
	ES_ASSERT_INT_EQ(events.items[1].product_id, 1);
	ES_ASSERT_INT_EQ(events.items[1].stock.new_stock, 50);
	es_test_timestamp(at, 1);
	ES_ASSERT_STR_EQ(events.items[1].occurred_at, at);
	ES_ASSERT_INT_EQ(events.items[2].type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(events.items[2].id, 3);
	ES_ASSERT_DOUBLE_EQ(events.items[2].price.new_price, 44.99);
	ES_ASSERT_INT_EQ(events.items[3].type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(events.items[3].id, 4);
	es_test_timestamp(at, 3);
	ES_ASSERT_STR_EQ(events.items[3].occurred_at, at);

	/* The row holds what a SQLite log holds, byte for byte. */
	res = PQexec(helper, "SELECT product_id, event_type, data, occurred_at"
			     " FROM events WHERE id = 2");
	ES_ASSERT_INT_EQ(PQntuples(res), 1);
	es_test_timestamp(at, 1);
	snprintf(json, sizeof(json),
		 "{\"product_id\": 1, \"new_stock\": 50, \"occurred_at\": "
		 "\"%s\"}",
		 at);
	if (strcmp(PQgetvalue(res, 0, 0), "1") != 0 ||
	    strcmp(PQgetvalue(res, 0, 1), "StockUpdated") != 0 ||
	    strcmp(PQgetvalue(res, 0, 2), json) != 0 ||
	    strcmp(PQgetvalue(res, 0, 3), at) != 0) {
		char row[512];

		snprintf(row, sizeof(row), "%s|%s|%s|%s", PQgetvalue(res, 0, 0),
			 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
			 PQgetvalue(res, 0, 3));
		PQclear(res);
		ES_FAIL("row 2 is %s, expected 1|StockUpdated|%s|%s", row, json,
			at);
	}
	PQclear(res);

	ES_ASSERT_OK(es_store_get(&got, store, 3, &err), &err);
	ES_ASSERT_INT_EQ(got.type, ES_PRICE_CHANGED);
	ES_ASSERT_DOUBLE_EQ(got.price.new_price, 44.99);
	es_event_dispose(&got);
	ES_ASSERT_CODE(es_store_get(&got, store, 9, &err), ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "event 9 not found");
	/* Time travel: up to the second event's moment. */
	es_event_list_dispose(&events);
	es_test_timestamp(at, 1);
	ES_ASSERT_OK(es_store_load_range(&events, store, 1, 0, at, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 2);
	ES_ASSERT_INT_EQ(events.items[1].id, 2);
	ES_ASSERT_INT_EQ(es_store_is_postgres(store), true);
}

/* es_store_load_after() callback that stops at the third event. */
static int stop_at_third(void *ctx, const struct es_event *e,
			 struct es_error *err)
{
	struct seen *s = ctx;

	if (s->count == 2)
		return es_error_set(err, ES_EINVAL, "no more, thank you");
	return see_id(s, e->id, err);
}

static void test_load_after_in_order(void)
{
	struct es_error err;
	int64_t after = -1;

	ES_REQUIRE_SETUP();
	append_widget(1);
	for (int i = 1; i <= 5; i++)
		append_stock(store, i % 2 + 1, 10 * (int64_t)i, i);
	ES_ASSERT_OK(es_store_load_after(store, 2, see, &seen, &err), &err);
	ES_ASSERT_INT_EQ(seen.count, 4);
	for (size_t i = 0; i < seen.count; i++)
		ES_ASSERT_INT_EQ(seen.ids[i], (int64_t)i + 3);
	free_seen(&seen);
	ES_ASSERT_OK(es_store_load_all(store, see, &seen, &err), &err);
	ES_ASSERT_INT_EQ(seen.count, 6);
	ES_ASSERT_INT_EQ(seen.out_of_order, 0);
	ES_ASSERT_OK(es_store_count_after(&after, store, 4, &err), &err);
	ES_ASSERT_INT_EQ(after, 2);
	/* The callback's error stops the walk and comes back unchanged. */
	free_seen(&seen);
	ES_ASSERT_CODE(
		es_store_load_after(store, 0, stop_at_third, &seen, &err),
		ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "no more, thank you");
	ES_ASSERT_INT_EQ(seen.count, 2);
	/* Inside the caller's transaction too, which stays open. */
	free_seen(&seen);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_store_load_after(store, 5, see, &seen, &err), &err);
	ES_ASSERT_INT_EQ(seen.count, 1);
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
}

/* Statements that would rewrite history. */
static const struct {
	const char *name;
	const char *sql;
} rewrites[] = {
	{"an UPDATE", "UPDATE events SET data = '{}' WHERE id = 1"},
	{"a DELETE", "DELETE FROM events WHERE id = 2"},
	{"a TRUNCATE", "TRUNCATE events"},
	{"an INSERT ... ON CONFLICT DO UPDATE",
	 "INSERT INTO events SELECT * FROM events WHERE id = 1"
	 " ON CONFLICT (id) DO UPDATE SET data = '{}'"},
};

static void test_history_is_not_rewritten(void)
{
	size_t n = sizeof(rewrites) / sizeof(rewrites[0]);
	int64_t digest;

	append_widget(1);
	append_stock(store, 1, 50, 1);
	digest = helper_int(LOG_DIGEST);
	for (size_t i = 0; i < n; i++) {
		const char *msg = refusal(rewrites[i].sql, 0, NULL);

		es_test_row(rewrites[i].name, "%s", rewrites[i].sql);
		ES_CHECK_STR(rewrites[i].name, "the refusal", msg,
			     "events are append-only");
	}
	ES_ASSERT_INT_EQ(count_events(), 2);
	ES_ASSERT_INT_EQ(helper_int(LOG_DIGEST), digest);
}

/* Rows that are not events, inserted with plain SQL. */
static const struct {
	const char *name;
	const char *type;
	const char *data;
	const char *message;
} not_events[] = {
	{"data that is not JSON", "StockUpdated", "{\"product_id\": 1,",
	 "events: data is not a JSON object"},
	{"a JSON array", "StockUpdated", "[1, 2]",
	 "events: data is not a JSON object"},
	{"a JSON string", "StockUpdated", "\"stock\"",
	 "events: data is not a JSON object"},
	{"an unknown type", "StockSold", "{\"product_id\": 1}",
	 "events: unknown event_type"},
};

static void test_rows_that_are_not_events_are_refused(void)
{
	static const char insert_sql[] =
		"INSERT INTO events (product_id, event_type, data,"
		" occurred_at) VALUES (1, $1, $2, '2026-11-27T14:32:05+00:00')";
	size_t n = sizeof(not_events) / sizeof(not_events[0]);
	int64_t digest;

	append_widget(1);
	digest = helper_int(LOG_DIGEST);
	for (size_t i = 0; i < n; i++) {
		const char *params[] = {not_events[i].type, not_events[i].data};

		es_test_row(not_events[i].name, "%s %s", not_events[i].type,
			    not_events[i].data);
		ES_CHECK_STR(not_events[i].name, "the refusal",
			     refusal(insert_sql, 2, params),
			     not_events[i].message);
	}
	ES_ASSERT_INT_EQ(count_events(), 1);
	ES_ASSERT_INT_EQ(helper_int(LOG_DIGEST), digest);
	ES_ASSERT_INT_EQ(helper_int("SELECT max(id) FROM events"), 1);
}

static void test_versions_and_expected_appends(void)
{
	struct es_error err;

	handle_ok(&handler, es_test_cmd_widget());
	ES_ASSERT_INT_EQ(version_of(1), 1);
	handle_ok(&handler, es_test_cmd_record_view(1));
	ES_ASSERT_INT_EQ(version_of(1), 1);
	handle_ok(&handler, es_test_cmd_update_stock(1, 50));
	ES_ASSERT_INT_EQ(version_of(1), 2);
	ES_ASSERT_INT_EQ(version_of(2), 0);
	es_event_dispose(&ev);
	es_test_stock_updated(&ev, 1, 7, 9);
	ES_ASSERT_CODE(es_store_append_expected(store, &ev, 1, &err),
		       ES_ECONFLICT, &err);
	ES_ASSERT_STR_EQ(err.msg, "Product 1 changed while you worked: "
				  "expected version 1, found 2");
	ES_ASSERT_INT_EQ(ev.id, 0);
	ES_ASSERT_INT_EQ(count_events(), 3);
	ES_ASSERT_OK(es_store_append_expected(store, &ev, 2, &err), &err);
	ES_ASSERT_INT_EQ(ev.id, 4);
	ES_ASSERT_INT_EQ(version_of(1), 3);
	ES_ASSERT_INT_EQ(helper_int("SELECT version FROM stream_versions"
				    " WHERE product_id = 1"),
			 3);
}

static void test_lock_wait_past_busy_timeout(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	/* Another writer holds the append lock. */
	helper_run("SELECT pg_advisory_lock(" ES_PG_APPEND_LOCK ")");
	es_store_set_busy_timeout(store, 100);
	es_event_dispose(&ev);
	es_test_stock_updated(&ev, 1, 5, 0);
	ES_ASSERT_CODE(es_store_append(store, &ev, &err), ES_EBUSY, &err);
	ES_ASSERT_STR_EQ(err.msg, "database is locked");
	ES_ASSERT_INT_EQ(ev.id, 0);
	ES_ASSERT_INT_EQ(count_events(), 0);
	helper_run("SELECT pg_advisory_unlock(" ES_PG_APPEND_LOCK ")");
	/* The lock came before the INSERT: no id was taken. */
	ES_ASSERT_INT_EQ(append_ok(store, &ev), 1);
}

static void test_read_only_store(void)
{
	char empty_uri[1024];
	char message[1100];
	struct es_error err;

	append_widget(1);
	open_other(ES_STORE_READONLY, "");
	ES_ASSERT_OK(es_store_load(&events, other, 1, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 1);
	es_event_dispose(&ev);
	es_test_stock_updated(&ev, 1, 5, 1);
	ES_ASSERT_CODE(es_store_append(other, &ev, &err), ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg,
			 "cannot execute INSERT in a read-only transaction");
	ES_ASSERT_INT_EQ(count_events(), 1);
	/* A schema with no log in it: nothing to read, nothing created. */
	es_store_close(other);
	other = NULL;
	ES_ASSERT_TRUE(snprintf(empty_uri, sizeof(empty_uri), "%s",
				getenv("ES_PG_URI")) < (int)sizeof(empty_uri));
	strncat(empty_uri, strchr(empty_uri, '?') ? "&" : "?",
		sizeof(empty_uri) - strlen(empty_uri) - 1);
	strncat(empty_uri, "options=-csearch_path%3Dkata_no_such_schema",
		sizeof(empty_uri) - strlen(empty_uri) - 1);
	ES_ASSERT_CODE(
		es_store_open(&other, empty_uri, ES_STORE_READONLY, &err),
		ES_EDB, &err);
	snprintf(message, sizeof(message),
		 "%s: relation \"events\" does not exist", empty_uri);
	ES_ASSERT_STR_EQ(err.msg, message);
}

/* es_store_verify() callback: the ids of the bad rows, into a struct seen. */
static int see_bad(void *ctx, const struct es_bad_row *row,
		   struct es_error *err)
{
	return see_id(ctx, row->id, err);
}

/*
 * A row that no store can decode, written around the triggers (as a
 * superuser may: session_replication_role = replica fires none): verify
 * names it, a quarantine steps over it, and the version forgets it;
 * es_store_verify_quarantined() finds it by its product.
 */
static void test_verify_and_quarantine(void)
{
	struct es_error err;
	int64_t checked = 0;
	int64_t after = 0;

	handle_ok(&handler, es_test_cmd_widget());
	helper_run("SET session_replication_role = replica");
	helper_run("INSERT INTO events (product_id, event_type, data,"
		   " occurred_at) VALUES (1, 'StockUpdated', 'not json',"
		   " '2026-11-27T14:32:05+00:00')");
	helper_run("UPDATE stream_versions SET version = version + 1");
	helper_run("RESET session_replication_role");
	ES_ASSERT_INT_EQ(version_of(1), 2);
	ES_ASSERT_CODE(es_store_load(&events, store, 1, &err), ES_ECORRUPT,
		       &err);
	ES_ASSERT_STR_EQ(err.msg, "event 2: data is not valid JSON");
	ES_ASSERT_CODE(es_store_quarantine(store, 1, "checked by hand",
					   "2026-11-28T09:00:00+00:00", &err),
		       ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "event 1 decodes: correct it with a new "
				  "event, not a quarantine");
	ES_ASSERT_OK(es_store_quarantine(store, 2, "checked by hand",
					 "2026-11-28T09:00:00+00:00", &err),
		     &err);
	ES_ASSERT_CODE(es_store_quarantine(store, 2, "again",
					   "2026-11-28T09:00:00+00:00", &err),
		       ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "event 2 is in quarantine already");
	ES_ASSERT_OK(es_store_load(&events, store, 1, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 1);
	ES_ASSERT_INT_EQ(version_of(1), 1);
	ES_ASSERT_OK(es_store_count_after(&after, store, 0, &err), &err);
	ES_ASSERT_INT_EQ(after, 1);
	ES_ASSERT_OK(es_store_verify(&checked, store, 0, see_bad, &seen, &err),
		     &err);
	ES_ASSERT_INT_EQ(checked, 2);
	ES_ASSERT_INT_EQ(seen.count, 1);
	ES_ASSERT_INT_EQ(seen.ids[0], 2);
	/* The rows in quarantine alone: product 1's, and none of 7's. */
	free_seen(&seen);
	ES_ASSERT_OK(
		es_store_verify_quarantined(store, 1, see_bad, &seen, &err),
		&err);
	ES_ASSERT_INT_EQ(seen.count, 1);
	ES_ASSERT_INT_EQ(seen.ids[0], 2);
	free_seen(&seen);
	ES_ASSERT_OK(
		es_store_verify_quarantined(store, 7, see_bad, &seen, &err),
		&err);
	ES_ASSERT_INT_EQ(seen.count, 0);
}

/* ---- the earlier steps on PostgreSQL -------------------------------------- */

static const struct es_test_refusal refusals[] = {
	{"create with an empty name",
	 {.type = ES_CREATE_PRODUCT,
	  .create = {"", 1.0, 0.0, 1, "Acme", 1, NULL}},
	 ES_EINVAL,
	 "Name cannot be empty"},
	{"stock below zero",
	 {.type = ES_UPDATE_STOCK, .update_stock = {1, -1}},
	 ES_EINVAL,
	 "Stock cannot be negative"},
	{"a price for a product nobody created",
	 {.type = ES_CHANGE_PRICE, .change_price = {9, 5.0}},
	 ES_ENOTFOUND,
	 "Product 9 not found"},
};

static void test_command_handler(void)
{
	size_t n = sizeof(refusals) / sizeof(refusals[0]);
	struct es_product p;
	struct es_error err;
	int rc;

	ES_ASSERT_INT_EQ(handle_ok(&handler, es_test_cmd_widget()), 1);
	ES_ASSERT_WIDGET_CREATED(&got, 1, 0);
	ES_ASSERT_INT_EQ(handle_ok(&handler, es_test_cmd_update_stock(1, 50)),
			 2);
	for (size_t i = 0; i < n; i++) {
		const struct es_test_refusal *r = &refusals[i];

		es_error_clear(&err);
		es_event_dispose(&got);
		rc = es_handle(&got, &handler, &r->cmd, &err);
		if (rc != r->code || strcmp(err.msg, r->message) != 0)
			ES_FAIL("%s: returned %s \"%s\", expected %s \"%s\"",
				r->name, es_code_name(rc), err.msg,
				es_code_name(r->code), r->message);
		if (count_events() != 2)
			ES_FAIL("%s: refused, yet the log has %" PRId64
				" events, not 2",
				r->name, count_events());
	}
	ES_ASSERT_INT_EQ(helper_int("SELECT count(*) FROM product_registry"),
			 1);
	ES_ASSERT_OK(es_store_load(&events, store, 1, &err), &err);
	es_product_init(&p);
	rc = es_product_replay(&p, events.items, events.count, &err);
	ES_ASSERT_INT_EQ(p.stock, 50);
	ES_ASSERT_INT_EQ(p.version, 2);
	es_product_dispose(&p);
	ES_ASSERT_OK(rc, &err);
}

/* The same commands through `h`, from the `from`-th to before `to`. */
static void run_script(struct es_command_handler *h, int from, int to)
{
	for (int i = from; i < to; i++) {
		switch (i) {
		case 0:
			handle_ok(h, es_test_cmd_widget());
			break;
		case 1:
			handle_ok(h, es_test_cmd_create("Gadget", 5.0, 8));
			break;
		case 2:
			handle_ok(h, es_test_cmd_update_stock(1, 50));
			break;
		case 3:
		case 4:
			handle_ok(h, es_test_cmd_record_view(1));
			break;
		case 5:
			handle_ok(h, es_test_cmd_record_view(2));
			break;
		case 6:
			handle_ok(h, es_test_cmd_change_price(2, 4.5));
			break;
		default:
			handle_ok(h, es_test_cmd_update_stock(2, 3));
			break;
		}
	}
}
#define run_script(h, from, to) ES_CALLED(run_script(h, from, to))

/* Every view of `db`, each under its name. */
static const struct es_test_dump *dump_views(struct es_test_dump *d,
					     sqlite3 *db)
{
	es_test_dump_reset(d);
	es_test_dump_append(d, "product_detail_view:\n");
	es_test_dump_query(d, db,
			   "SELECT id, name, description, price, stock,"
			   " view_count, supplier_name, created_at, updated_at"
			   " FROM product_detail_view ORDER BY id");
	es_test_dump_append(d, "product_list_view:\n");
	es_test_dump_query(d, db,
			   "SELECT id, name, price, stock, supplier_name"
			   " FROM product_list_view ORDER BY id");
	es_test_dump_append(d, "view_count_summary:\n");
	es_test_dump_query(d, db, ES_TEST_VIEW_COUNTS_SQL);
	es_test_dump_append(d, "low_stock_alert_view:\n");
	es_test_dump_query(d, db, ES_TEST_LOW_STOCK_SQL);
	es_test_dump_append(d, "projection_checkpoint:\n");
	es_test_dump_query(d, db,
			   "SELECT name, last_event_id FROM"
			   " projection_checkpoint ORDER BY name");
	return d;
}
#define dump_views(d, db) ES_CALLED_PTR(dump_views(d, db))

/* Catch the views of both logs up; both must project `want` events. */
static void catch_up_both(int64_t want)
{
	struct es_error err;
	int64_t projected = -1;

	ES_ASSERT_OK(es_views_catch_up(&projected, views, store, &err), &err);
	ES_ASSERT_INT_EQ(projected, want);
	projected = -1;
	ES_ASSERT_OK(es_views_catch_up(&projected, lite_views, lite, &err),
		     &err);
	ES_ASSERT_INT_EQ(projected, want);
}
#define catch_up_both(want) ES_CALLED(catch_up_both(want))

/* Open a read DB in the test's directory, on `*db`. */
static void open_read_db(sqlite3 **db, const char *name)
{
	char path[512];
	struct es_error err;

	es_test_path(path, sizeof(path), name);
	ES_ASSERT_OK(es_read_db_open(db, path, ES_READ_DB_WRITE, &err), &err);
}
#define open_read_db(db, name) ES_CALLED(open_read_db(db, name))

static void test_projector_and_catch_up(void)
{
	char path[512];
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_test_path(path, sizeof(path), "event_store.db");
	ES_ASSERT_OK(es_store_open(&lite, path, ES_STORE_WRITE, &err), &err);
	lite_handler.store = lite;
	lite_handler.clock = es_test_clock(&lite_clock_state);
	open_read_db(&read_db, "read_model.db");
	open_read_db(&lite_read_db, "lite_read_model.db");
	ES_ASSERT_OK(es_views_open(&views, read_db, &err), &err);
	ES_ASSERT_OK(es_views_open(&lite_views, lite_read_db, &err), &err);
	run_script(&handler, 0, 4);
	run_script(&lite_handler, 0, 4);
	catch_up_both(4);
	run_script(&handler, 4, 8);
	run_script(&lite_handler, 4, 8);
	catch_up_both(4);
	catch_up_both(0);
	dump_views(&lite_dump, lite_read_db);
	ES_ASSERT_SAME_DUMP(dump_views(&dump, read_db), lite_dump.text,
			    "the views of the PostgreSQL log");
	/* A rebuild from all of history: the same views again. */
	ES_ASSERT_OK(es_views_rebuild(NULL, views, store, &err), &err);
	ES_ASSERT_SAME_DUMP(dump_views(&dump, read_db), lite_dump.text,
			    "the views rebuilt from the PostgreSQL log");
}

/* What the hook does: a second writer slips a stock change in, once. */
static int slip_in(void *ctx, const struct es_product *loaded,
		   struct es_error *err)
{
	struct seen *versions = ctx;
	struct es_event e;
	int rc;

	rc = see_id(versions, loaded->version, err);
	if (rc != ES_OK || versions->count > 1)
		return rc;
	es_test_stock_updated(&e, loaded->id, 7, 9);
	rc = es_store_append(other, &e, err);
	es_event_dispose(&e);
	return rc;
}

static void test_optimistic_concurrency(void)
{
	struct es_command cmd = es_test_cmd_update_stock(1, 50);
	struct es_product p;
	struct es_error err;
	int rc;

	handle_ok(&handler, es_test_cmd_widget());
	open_other(ES_STORE_WRITE, "");
	ES_ASSERT_OK(es_optimistic_open(&opt, store, handler.clock, NULL, &err),
		     &err);
	es_optimistic_set_hook(opt, slip_in, &seen);
	es_event_dispose(&got);
	ES_ASSERT_OK(es_optimistic_handle(&got, opt, &cmd, &err), &err);
	/* Loaded at version 1, lost to the other writer, loaded at 2. */
	ES_ASSERT_INT_EQ(seen.count, 2);
	ES_ASSERT_INT_EQ(seen.ids[0], 1);
	ES_ASSERT_INT_EQ(seen.ids[1], 2);
	ES_ASSERT_INT_EQ(got.id, 3);
	ES_ASSERT_INT_EQ(count_events(), 3);
	ES_ASSERT_OK(es_store_load(&events, store, 1, &err), &err);
	es_product_init(&p);
	rc = es_product_replay(&p, events.items, events.count, &err);
	ES_ASSERT_INT_EQ(p.stock, 50);
	ES_ASSERT_INT_EQ(p.version, 3);
	es_product_dispose(&p);
	ES_ASSERT_OK(rc, &err);
}

/* The command ids es_store_each_answer() hands over, in order. */
struct noted {
	int count;
	char ids[2][16];
};

/* An es_answer_fn that notes the command ids into `ctx`. */
static int note_answer(void *ctx, const char *command_id, const char *req,
		       const char *ans, struct es_error *err)
{
	struct noted *noted = ctx;

	(void)req;
	(void)ans;
	if (noted->count == 2)
		return es_error_set(err, ES_EINVAL, "more than two answers");
	snprintf(noted->ids[noted->count++], sizeof(noted->ids[0]), "%s",
		 command_id);
	return ES_OK;
}

/* A command with its envelope, built by hand (as step 16's suite does). */
static struct es_command enveloped(struct es_command c, const char *command_id,
				   const char *actor, const char *req)
{
	c.meta.command_id = (char *)command_id;
	c.meta.actor = (char *)actor;
	c.meta.correlation_id = (char *)command_id;
	c.request = (char *)req;
	return c;
}

#define VIEW_LINE "{\"type\":\"RecordProductView\",\"product_id\":1}"

static void test_metadata_and_answers(void)
{
	struct es_command create = enveloped(es_test_cmd_widget(), "c-1",
					     "alice", "{\"type\":\"Create\"}");
	struct es_command view =
		enveloped(es_test_cmd_record_view(1), "c-0", "bob", VIEW_LINE);
	struct noted noted = {0};
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_handle_once(&answer, &got, &handler, &create, &err),
		     &err);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true,\"product_id\":1}");
	ES_ASSERT_INT_EQ(got.id, 1);
	ES_ASSERT_OK(es_store_load_metadata(&meta, store, 1, &err), &err);
	ES_ASSERT_STR_EQ(meta.command_id, "c-1");
	ES_ASSERT_STR_EQ(meta.actor, "alice");
	ES_ASSERT_STR_EQ(meta.correlation_id, "c-1");
	/* The retry: the same answer, nothing appended. */
	free(answer);
	answer = NULL;
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle_once(&answer, &got, &handler, &create, &err),
		     &err);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true,\"product_id\":1}");
	ES_ASSERT_INT_EQ(got.type, 0);
	ES_ASSERT_INT_EQ(count_events(), 1);
	free(answer);
	answer = NULL;
	ES_ASSERT_OK(es_handle_once(&answer, &got, &handler, &view, &err),
		     &err);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true}");
	free(answer);
	answer = NULL;
	ES_ASSERT_OK(
		es_store_find_answer(&request, &answer, store, "c-0", &err),
		&err);
	ES_ASSERT_STR_EQ(request, VIEW_LINE);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true}");
	/* In order of command_id. */
	ES_ASSERT_OK(es_store_each_answer(store, note_answer, &noted, &err),
		     &err);
	ES_ASSERT_INT_EQ(noted.count, 2);
	ES_ASSERT_STR_EQ(noted.ids[0], "c-0");
	ES_ASSERT_STR_EQ(noted.ids[1], "c-1");
	es_meta_dispose(&meta);
	ES_ASSERT_OK(es_store_load_metadata(&meta, store, 9, &err), &err);
	ES_ASSERT_STR_EQ(meta.command_id, NULL);
}

static void test_import_keeps_ids(void)
{
	struct es_product_created fields = es_test_widget_fields();
	struct es_meta by = {"c-7", "carol", "c-7"};
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err;
	int64_t product_id = 0;

	ES_REQUIRE_SETUP();
	es_test_timestamp(at, 0);
	ES_ASSERT_OK(es_event_product_created(&ev, 5, &fields, at, &err), &err);
	ev.id = 7;
	ES_ASSERT_OK(es_store_import(store, &ev, &by, &err), &err);
	es_event_dispose(&ev);
	es_test_stock_updated(&ev, 5, 40, 1);
	ev.id = 9;
	ES_ASSERT_OK(es_store_import(store, &ev, NULL, &err), &err);
	ev.id = 8;
	ES_ASSERT_CODE(es_store_import(store, &ev, NULL, &err), ES_EINVAL,
		       &err);
	ES_ASSERT_STR_EQ(err.msg,
			 "event 8 is not after the log's last event 9");
	ES_ASSERT_INT_EQ(count_events(), 2);
	ES_ASSERT_INT_EQ(helper_int("SELECT min(id) FROM events"), 7);
	ES_ASSERT_OK(es_store_load_metadata(&meta, store, 7, &err), &err);
	ES_ASSERT_STR_EQ(meta.actor, "carol");
	/* New ids go on after the imported ones. */
	ES_ASSERT_OK(es_store_new_product_id(store, &product_id, &err), &err);
	ES_ASSERT_INT_EQ(product_id, 6);
	ES_ASSERT_INT_EQ(handle_ok(&handler, es_test_cmd_update_stock(5, 3)),
			 10);
	ES_ASSERT_OK(es_store_load(&events, store, 5, &err), &err);
	ES_ASSERT_INT_EQ(events.count, 3);
	ES_ASSERT_INT_EQ(events.items[2].stock.new_stock, 3);
}

/* ---- waiting ------------------------------------------------------------ */

/*
 * A child process: after `delay_ms`, append one StockUpdated of product
 * 1 through a store of its own. Leaves with _exit().
 */
static void append_later(int delay_ms)
{
	struct timespec pause = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
	struct es_store *mine = NULL;
	struct es_event e;

	nanosleep(&pause, NULL);
	es_test_stock_updated(&e, 1, 5, 0);
	if (es_store_open(&mine, uri, ES_STORE_WRITE, NULL) == ES_OK)
		es_store_append(mine, &e, NULL);
	es_store_close(mine);
	_exit(0);
}

/* Fork a child that runs `fn(arg)`; returns its pid. */
static pid_t spawn(void (*fn)(int), int arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ES_FAIL("fork: %s", strerror(errno));
	if (pid == 0)
		fn(arg);
	return pid;
}
#define spawn(fn, arg) ES_CALLED_INT(spawn(fn, arg))

/* Wait for `pid`, which must not have crashed. */
static void reap(pid_t pid)
{
	int status = 0;

	/*
	 * The exit status is not checked: under valgrind a forked child
	 * exits with the error code for the parent's memory it still holds.
	 */
	if (waitpid(pid, &status, 0) != pid)
		ES_FAIL("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		ES_FAIL("process %ld died of signal %d", (long)pid,
			WTERMSIG(status));
}
#define reap(pid) ES_CALLED(reap(pid))

static void test_wait_is_woken_by_an_append(void)
{
	struct es_error err;
	bool more = false;
	pid_t pid;

	ES_REQUIRE_SETUP();
	pid = spawn(append_later, 200);
	ES_ASSERT_OK(es_store_wait(store, 0, 5000, &more, &err), &err);
	reap(pid);
	ES_ASSERT_TRUE(more);
	ES_ASSERT_OK(es_store_load_after(store, 0, see, &seen, &err), &err);
	ES_ASSERT_INT_EQ(seen.count, 1);
	ES_ASSERT_INT_EQ(seen.ids[0], 1);
}

/*
 * Passes against the stub: "es_store_wait gives up after its timeout, with nothing appended"
 * It appends nothing: es_store_wait() is given.
 */
static void test_wait_times_out(void)
{
	struct es_error err;
	bool more = true;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_wait(store, 0, 200, &more, &err), &err);
	ES_ASSERT_TRUE(!more);
}

/* ---- faults --------------------------------------------------------------- */

/*
 * URIs that do not lead to a log, each refused in one line.
 * Passes against the stub: "a wrong URI and a server that is not there each give one clear line"
 * Opening the store is given code: this test appends nothing.
 */
static void test_wrong_uri_and_no_server(void)
{
	static const char no_server[] =
		"postgresql://kata:secret@/kata?host=/nonexistent/kata-pg";
	char bad[1200], want[1400];
	struct es_error err;

	ES_REQUIRE_SETUP();
	snprintf(bad, sizeof(bad), "%s&nosuchoption=1", uri);
	ES_ASSERT_CODE(es_store_open(&other, bad, ES_STORE_WRITE, &err), ES_EDB,
		       &err);
	/* Each message is cut as err.msg is: a long checkout path is long. */
	snprintf(want, sizeof(want),
		 "%s: invalid URI query parameter: \"nosuchoption\"", bad);
	want[ES_ERROR_MSG_SIZE - 1] = '\0';
	ES_ASSERT_STR_EQ(err.msg, want);
	ES_ASSERT_TRUE(other == NULL);

	snprintf(bad, sizeof(bad), "%s&dbname=kata_no_such_db", uri);
	ES_ASSERT_CODE(es_store_open(&other, bad, ES_STORE_WRITE, &err), ES_EDB,
		       &err);
	/* The server's answer, not libpq's preamble. */
	snprintf(want, sizeof(want),
		 "%s: database \"kata_no_such_db\" does not exist", bad);
	want[ES_ERROR_MSG_SIZE - 1] = '\0';
	ES_ASSERT_STR_EQ(err.msg, want);

	/* No server; the password is not repeated. */
	ES_ASSERT_CODE(es_store_open(&other, no_server, ES_STORE_WRITE, &err),
		       ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg,
			 "postgresql://kata@/kata?host=/nonexistent/kata-pg: "
			 "connection to server on socket "
			 "\"/nonexistent/kata-pg/.s.PGSQL.5432\" failed: No "
			 "such file or directory");
	ES_ASSERT_TRUE(strchr(err.msg, '\n') == NULL);
}

/*
 * Passes against the stub: "the store's path is its URI without the password"
 * Given code too: the path is what es_store_open() was given.
 */
static void test_path_without_password(void)
{
	char want[1200];

	open_other(ES_STORE_WRITE, "&password=secret&application_name=kata");
	snprintf(want, sizeof(want), "%s&application_name=kata", uri);
	ES_ASSERT_STR_EQ(es_store_path(other), want);
	ES_ASSERT_STR_EQ(es_store_path(store), uri);
}

static void test_connection_killed_in_an_append(void)
{
	char pid[ES_PG_INT_SIZE];
	struct es_error err;

	open_other(ES_STORE_WRITE, "&application_name=kata_killed");
	ES_ASSERT_OK(es_store_begin(other, &err), &err);
	es_event_dispose(&ev);
	es_test_stock_updated(&ev, 1, 5, 0);
	ES_ASSERT_INT_EQ(append_ok(other, &ev), 1);
	/*
	 * Its server process, ended from outside (as an administrator, or
	 * a crash, would): waits up to 5 s for it to be gone.
	 */
	snprintf(pid, sizeof(pid), "%" PRId64,
		 helper_int("SELECT pid FROM pg_stat_activity"
			    " WHERE application_name = 'kata_killed'"));
	helper_run_with("SELECT pg_terminate_backend($1, 5000)", pid);
	ES_ASSERT_CODE(es_store_commit(other, &err), ES_EDB, &err);
	ES_ASSERT_STR_CONTAINS(err.msg,
			       "the connection to the server was lost: ");
	ES_ASSERT_TRUE(strchr(err.msg, '\n') == NULL);
	ES_ASSERT_INT_EQ(count_events(), 0);
	/* The store says so again, and the log goes on without it. */
	es_event_dispose(&ev);
	es_test_stock_updated(&ev, 1, 6, 1);
	ES_ASSERT_CODE(es_store_append(other, &ev, &err), ES_EDB, &err);
	ES_ASSERT_STR_EQ(err.msg, "the connection to the server was lost: "
				  "no connection to the server");
	ES_ASSERT_INT_EQ(append_stock(store, 1, 7, 2), 2);
	ES_ASSERT_INT_EQ(count_events(), 1);
}

/* ---- one order, no gap ---------------------------------------------------- */

/* A child process: append one event through a store of its own. */
static void append_now(int product_id)
{
	struct es_store *mine = NULL;
	struct es_event e;

	es_test_stock_updated(&e, product_id, 5, 1);
	if (es_store_open(&mine, uri, ES_STORE_WRITE, NULL) == ES_OK)
		es_store_append(mine, &e, NULL);
	es_store_close(mine);
	_exit(0);
}

/* The reader reads what it has not read yet, and moves its checkpoint. */
static void read_on(struct es_store *reader)
{
	struct es_error err;

	ES_ASSERT_OK(
		es_store_load_after(reader, seen.checkpoint, see, &seen, &err),
		&err);
}
#define read_on(reader) ES_CALLED(read_on(reader))

static void test_reader_never_skips_a_later_commit(void)
{
	struct timespec pause = {0, 300 * 1000000L};
	struct es_error err;
	pid_t pid;

	open_other(ES_STORE_WRITE, "");
	/* A begins, and appends: id 1, not committed. */
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_INT_EQ(append_stock(store, 1, 10, 0), 1);
	/*
	 * B appends from another process. With the lock it waits for A;
	 * without it, it takes id 2 and commits at once.
	 */
	pid = spawn(append_now, 2);
	nanosleep(&pause, NULL);
	read_on(other);
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
	reap(pid);
	read_on(other);
	/* Without the lock: the reader saw 2, moved on, and never saw 1. */
	assert_saw_the_log();
	ES_ASSERT_INT_EQ(seen.count, 2);
}

/*
 * A writer process: `count` StockUpdated events of product `w + 1`, one
 * append each, on a connection whose commits do not wait for the disk
 * (synchronous_commit off): the race is about order, and 10,000 flushes
 * would take longer than a test may.
 */
static void race_writer(int w)
{
	const char *env = getenv("ES_PG_RACE_EVENTS");
	int count = (env != NULL ? atoi(env) : RACE_EVENTS) / RACE_WRITERS;
	char fast[1200];
	struct es_store *mine = NULL;
	struct es_event e;

	schema_uri(fast, sizeof(fast), "%20-csynchronous_commit%3Doff", "");
	if (es_store_open(&mine, fast, ES_STORE_WRITE, NULL) == ES_OK) {
		for (int i = 0; i < count; i++) {
			es_test_stock_updated(&e, w + 1, i, i);
			if (es_store_append(mine, &e, NULL) != ES_OK)
				break;
		}
	}
	es_store_close(mine);
	_exit(0);
}

/* Whether every pid of `pids` has exited (each is reaped once). */
static bool all_done(pid_t pids[], int n)
{
	bool done = true;

	for (int i = 0; i < n; i++) {
		if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i])
			pids[i] = 0;
		done = done && pids[i] == 0;
	}
	return done;
}

/*
 * ES_PG_RACE_EVENTS makes the race smaller: tests/run.sh sets it under
 * valgrind, where every append costs the writer ten times more.
 */
static void test_writers_race_a_reader(void)
{
	const char *env = getenv("ES_PG_RACE_EVENTS");
	int want = (env != NULL ? atoi(env) : RACE_EVENTS) / RACE_WRITERS;
	pid_t pids[RACE_WRITERS];
	struct es_error err;
	int64_t reads = 0;
	bool more;

	open_other(ES_STORE_WRITE, "");
	for (int w = 0; w < RACE_WRITERS; w++)
		pids[w] = spawn(race_writer, w);
	while (!all_done(pids, RACE_WRITERS)) {
		ES_ASSERT_OK(
			es_store_wait(other, seen.checkpoint, 50, &more, &err),
			&err);
		read_on(other);
		reads++;
	}
	read_on(other);
	assert_saw_the_log();
	ES_ASSERT_INT_EQ(seen.count, (int64_t)want * RACE_WRITERS);
	/* The reader caught up while they wrote, not only at the end. */
	ES_ASSERT_TRUE(reads > 1);
}

static CU_TestInfo tests[] = {
	{"append and load give back every field, with ids 1, 2, 3, 4",
	 test_append_and_load_round_trip},
	{"load_after hands over the events after an id, in order of id",
	 test_load_after_in_order},
	{"UPDATE, DELETE and TRUNCATE are refused with 'events are "
	 "append-only', and the log is as it was",
	 test_history_is_not_rewritten},
	{"a row that is not an event is refused with the SQLite store's "
	 "messages, and the log is as it was",
	 test_rows_that_are_not_events_are_refused},
	{"versions count what decisions read; append_expected refuses a "
	 "stale version with ES_ECONFLICT",
	 test_versions_and_expected_appends},
	{"an append waits for the append lock, and past the busy timeout "
	 "fails with 'database is locked'",
	 test_lock_wait_past_busy_timeout},
	{"a read-only store reads the log and writes nothing",
	 test_read_only_store},
	{"verify names a row no store can decode; a quarantine steps over it",
	 test_verify_and_quarantine},
	{"the command handler creates and updates on PostgreSQL; a refusal "
	 "appends nothing",
	 test_command_handler},
	{"the projector and catch-up build from a PostgreSQL log the views a "
	 "SQLite log gives",
	 test_projector_and_catch_up},
	{"the optimistic handler loses to another writer, retries, and wins",
	 test_optimistic_concurrency},
	{"metadata and stored answers: a retried command gets the same "
	 "answer and appends nothing",
	 test_metadata_and_answers},
	{"import keeps ids and metadata; new ids go on after them",
	 test_import_keeps_ids},
	{"es_store_wait is woken by another connection's append",
	 test_wait_is_woken_by_an_append},
	{"es_store_wait gives up after its timeout, with nothing appended",
	 test_wait_times_out},
	{"a wrong URI and a server that is not there each give one clear line",
	 test_wrong_uri_and_no_server},
	{"the store's path is its URI without the password",
	 test_path_without_password},
	{"a connection killed in an append gives a clear error, and the log "
	 "holds nothing of it",
	 test_connection_killed_in_an_append},
	{"a reader never skips an event that commits after a later append",
	 test_reader_never_skips_a_later_commit},
	{"writers racing a catch-up reader: it sees every id, in order",
	 test_writers_race_a_reader},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 18: the same log on PostgreSQL", NULL, NULL, setup, teardown,
	 tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/18-postgres.md";
