/*
 * test_optimistic.c - step 13: streams that match decisions, and
 * optimistic concurrency: the store's version and its checked append,
 * then the optimistic handler around es_decide().
 *
 * Each test gets its own event store (`store`, connection A) and the
 * harness's fixed clock. `raw` is a plain sqlite3 connection to the same
 * file, for planting rows and counting them behind the modules' backs;
 * `store_b` a second store, opened by the tests that need one. What the
 * tests load is kept in file-scope variables that the teardown disposes,
 * so a failed assertion leaks nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
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
#include "optimistic.h"
#include "snapshots.h"

static struct es_test_clock clock_state;
static char path[512];
static struct es_store *store;
static struct es_store *store_b;
static sqlite3 *raw;
static struct es_snapshots *snaps;
static struct es_optimistic *opt;
static struct es_command_handler handler;
static struct es_product got;	   /* what a snapshot load returned */
static struct es_product expected; /* a full replay (load_version) */
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

	es_product_init(&got);
	es_product_init(&expected);
	memset(&events, 0, sizeof(events));
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
	close_all();
}

static void open_snapshots(int every)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_snapshots_open(&snaps, store, every, &err), &err);
}
#define open_snapshots(every) ES_CALLED(open_snapshots(every))

/* The optimistic writer on `store`, with the snapshots if they are open. */
static void open_optimistic(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(
		es_optimistic_open(&opt, store, handler.clock, snaps, &err),
		&err);
}
#define open_optimistic() ES_CALLED(open_optimistic())

static void open_second_store(enum es_store_mode mode)
{
	struct es_error err;

	ES_ASSERT_OK(es_store_open(&store_b, path, mode, &err), &err);
}
#define open_second_store(mode) ES_CALLED(open_second_store(mode))

static int64_t count_events(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM events");
}
#define count_events() ES_CALLED_INT(count_events())

static int64_t count_snapshots(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM snapshots");
}
#define count_snapshots() ES_CALLED_INT(count_snapshots())

/* A column of product 1's snapshot at an event: append the event's id. */
#define VERSION_AT                                                             \
	"SELECT version FROM snapshots WHERE product_id = 1"                   \
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
#define handle_ok(cmd) ES_CALLED(handle_ok(cmd))

/* The optimistic handler, which must accept `cmd`. */
static void optimistic_ok(struct es_command cmd)
{
	struct es_error err;

	es_event_dispose(&ev);
	ES_ASSERT_OK(es_optimistic_handle(&ev, opt, &cmd, &err), &err);
}
#define optimistic_ok(cmd) ES_CALLED(optimistic_ok(cmd))

/*
 * Append a view of `product_id`, stamped es_test_timestamp(n), with no
 * rule: a product never created, as the seed's Python records one.
 */
static void append_view(int64_t product_id, int n)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	es_event_dispose(&ev);
	es_test_product_viewed(&ev, product_id, n);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
}

/* ---- what a snapshot load did ------------------------------------------ */

/* Load product 1 now into `got`, with `*st`. */
static void load_now(struct es_replay_stats *st)
{
	struct es_error err;

	es_product_dispose(&got);
	ES_ASSERT_OK(es_snapshots_load(&got, st, snaps, 1, &err), &err);
}
#define load_now(st) ES_CALLED(load_now(st))

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
#define load_version(s, id) ES_CALLED(load_version(s, id))

/* es_store_version() of product `id` on `s`. */
static int64_t version_of(struct es_store *s, int64_t id)
{
	struct es_error err;
	int64_t version = -1;

	ES_ASSERT_OK(es_store_version(&version, s, id, &err), &err);
	return version;
}
#define version_of(s, id) ES_CALLED_INT(version_of(s, id))

static int64_t versions_table_exists(void)
{
	return es_test_query_int(raw, "SELECT COUNT(*) FROM sqlite_master"
				      " WHERE name = 'stream_versions'");
}
#define versions_table_exists() ES_CALLED_INT(versions_table_exists())

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

/*
 * A row that came in around the log's checks, with a known type: the
 * trigger counted it in the version, and no decision can read it. Once
 * it is in quarantine (es_store_quarantine, given with step 2), the
 * version is counted again without it, so the product's commands, which
 * expect the version they replayed, go on instead of conflicting forever.
 */
static void test_a_quarantined_row_leaves_the_version(void)
{
	struct es_error err;

	ES_REQUIRE_SETUP();
	open_optimistic();
	optimistic_ok(es_test_cmd_widget());
	es_test_insert_event(raw, 1, "StockUpdated",
			     "{\"product_id\": 1, \"new_stock\": \"lots\", "
			     "\"occurred_at\": \"" OLD_AT "\"}",
			     OLD_AT);
	ES_ASSERT_INT_EQ(version_of(store, 1), 2);
	ES_ASSERT_OK(es_store_quarantine(store, 2, "written by a test", OLD_AT,
					 &err),
		     &err);
	ES_ASSERT_INT_EQ(version_of(store, 1), 1);
	optimistic_ok(es_test_cmd_update_stock(1, 50));
	ES_ASSERT_INT_EQ(ev.id, 3);
	ES_ASSERT_INT_EQ(version_of(store, 1), 2);
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 2);
	ES_ASSERT_INT_EQ(expected.stock, 50);
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
	append_view(3, 7);
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
	load_version(store, 1);
	ES_ASSERT_INT_EQ(expected.version, 3);
	ES_ASSERT_INT_EQ(expected.stock, 50);
	ES_ASSERT_DOUBLE_EQ(expected.price, 44.99);
	ES_ASSERT_INT_EQ(expected.view_count, 1);
	ES_ASSERT_INT_EQ(count_events(), 4);
}

/*
 * Every rule is es_decide()'s, and step 5's suite tests each one. These
 * rows only show that the optimistic handler hands a refusal back as it
 * is, appending nothing: one of each kind. Product 1 exists; product 5
 * has only a view, which the seed's Python recorded.
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
	{"a view of a product with only views",
	 {.type = ES_RECORD_PRODUCT_VIEW, .record_view = {5}},
	 ES_ENOTFOUND,
	 "Product 5 not found"},
	{"a view of product 0",
	 {.type = ES_RECORD_PRODUCT_VIEW, .record_view = {0}},
	 ES_ENOTFOUND,
	 "Product 0 not found"},
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
	append_view(5, 1);
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
#define interfere(in, type, slips) ES_CALLED(interfere(in, type, slips))

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
	load_version(store, 1);
	ES_ASSERT_SAME_PRODUCT(&got, &expected, "after the handler");
	ES_ASSERT_REPLAY("after the handler", &st, 6, 3, false, true);
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

static CU_TestInfo tests[] = {
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
	{"a row in quarantine no longer counts in its product's version",
	 test_a_quarantined_row_leaves_the_version},
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
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 13: optimistic concurrency", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/13-optimistic.md";
