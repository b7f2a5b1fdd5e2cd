/*
 * test_catalog_query.c - the verbs that only read: log, state (--at),
 * detail, card, list and search, and that they change no byte.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "test_catalog.h"

/* ---- the read verbs ------------------------------------------------------ */

static void test_log(void)
{
	struct es_test_event_row *ev;
	struct es_test_buf all = {0};

	use_dir("work");
	ev = apply_scenario();
	for (size_t i = 0; i < 6; i++)
		es_test_buf_printf(&all, "%s\n", log_line(&ev[i], ev[i].data));
	es_test_buf_own(&all);
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(all.s);
	CATALOG(NULL, "log", "2");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(
		"%s\n%s\n%s\n", log_line(&ev[1], ev[1].data),
		log_line(&ev[2], ev[2].data), log_line(&ev[3], ev[3].data)));
	CATALOG(NULL, "log", "42");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("");
}

static void test_state(void)
{
	static const char gadget[] =
		"{\"id\":2,\"name\":\"Gadget Plus\",\"description\":\"Does "
		"100%% "
		"of it_\",\"price\":%s,\"cost_price\":22.5,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":%d,\"view_count\":0,"
		"\"version\":%d}\n";
	struct es_test_event_row *ev;
	const char *z_time;
	const char *day;

	use_dir("work");
	ev = apply_scenario();
	CATALOG(NULL, "state", "1");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(
		"{\"id\":1,\"name\":\"Widget Pro\",\"description\":null,"
		"\"price\":29.99,\"cost_price\":12.0,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":100,"
		"\"view_count\":2,\"version\":1}\n"); /* views: no version */
	CATALOG(NULL, "state", "2");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(gadget, "44.99", 50, 3));
	/* Time travel: up to and including the event stamped TIME. */
	CATALOG(NULL, "state", "2", "--at", ev[2].occurred_at);
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(gadget, "49.99", 50, 2));
	CATALOG(NULL, "state", "2", "--at", ev[1].occurred_at);
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(gadget, "49.99", 0, 1));
	/* The same moment, written with Z for +00:00. */
	z_time = es_test_format("%.*sZ", (int)strlen(ev[2].occurred_at) - 6,
				ev[2].occurred_at);
	CATALOG(NULL, "state", "2", "--at", z_time);
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(gadget, "49.99", 50, 2));
	/* A date is its midnight: long after, everything; on the day the
	 * events were written, none of them yet. */
	CATALOG(NULL, "state", "2", "--at", "2999-12-31");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(gadget, "44.99", 50, 3));
	day = es_test_format("%.10s", ev[0].occurred_at);
	CATALOG(NULL, "state", "2", "--at", day);
	es_test_expect_failure(
		1, es_test_format("catalog: Product 2 did not exist at "
				  "%sT00:00:00+00:00\n",
				  day));
}

static void test_state_not_found(void)
{
	static const struct {
		const char *name;
		const char *id;
		const char *at;
		const char *error;
	} rows[] = {
		{"a product never created", "99", NULL,
		 "catalog: Product 99 not found\n"},
		{"a product with only views", "7", NULL,
		 "catalog: Product 7 not found\n"},
		{"a product before it was created", "2",
		 "1970-01-01T00:00:00+00:00",
		 "catalog: Product 2 did not exist at "
		 "1970-01-01T00:00:00+00:00\n"},
		{"a product never created, at a date", "99", "2999-12-31",
		 "catalog: Product 99 did not exist at "
		 "2999-12-31T00:00:00+00:00\n"},
	};

	use_dir("work");
	apply_scenario();
	for (size_t i = 0; i < COUNT(rows); i++) {
		if (rows[i].at != NULL)
			CATALOG(NULL, "state", rows[i].id, "--at", rows[i].at);
		else
			CATALOG(NULL, "state", rows[i].id);
		if (es_test_last.status != 1)
			ES_FATAL("%s: exit %d, expected 1", rows[i].name,
				 es_test_last.status);
		es_test_expect_failure(1, rows[i].error);
	}
}

/* ---- state from snapshots (step 11) -------------------------------------- */

/* Product 1 as `state` prints it after the n-th UpdateStock below. */
static const char *widget_at(long long n, int view_count)
{
	return es_test_format(
		"{\"id\":1,\"name\":\"Widget Pro\",\"description\":null,"
		"\"price\":29.99,\"cost_price\":12.0,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":%lld,"
		"\"view_count\":%d,\"version\":%lld}\n",
		n == 0 ? 100 : n, view_count, n + 1);
}

/*
 * Product 1 with 300 UpdateStock events, the n-th setting the stock to
 * n, through catalog apply, whose loads take a snapshot every 100
 * events: three snapshots in between. Then state --at early, middle and
 * late moments gives what a replay gives (the stock is n at the n-th
 * event).
 *
 * Whether state starts from a snapshot cannot be seen in its answer: a
 * snapshot equals the replay. So the test makes one that does not. A
 * snapshot is a cache that is believed when it is well formed (step 11),
 * so the latest one is rewritten with a believable state whose
 * view_count, 4242, no event gave. State now, and --at the moments it
 * holds, print 4242; --at an earlier moment starts from an earlier
 * snapshot, and prints 0. A state that replayed every event would print
 * 0 every time.
 */
static void test_state_starts_from_the_nearest_snapshot(void)
{
	static const long long moments[] = {0,	 1,   2,   57,	99,  100, 101,
					    150, 199, 200, 201, 250, 299};
	struct es_test_buf commands = {0};
	struct es_test_event_row *ev;
	const char *path = es_test_file("commands.jsonl");
	long long latest, n;

	use_dir("work");
	es_test_buf_str(&commands,
			"{\"type\":\"CreateProduct\",\"name\":\"Widget "
			"Pro\",\"price\":29.99,\"cost_price\":12.0,"
			"\"supplier_id\":1,\"supplier_name\":\"Acme "
			"Corp\",\"stock\":100}\n");
	for (n = 1; n <= 300; n++)
		es_test_buf_printf(&commands,
				   "{\"type\":\"UpdateStock\",\"product_id\":1,"
				   "\"new_stock\":%lld}\n",
				   n);
	es_test_buf_own(&commands);
	es_test_write_file(path, commands.s, commands.len);
	CATALOG(path, "apply");
	es_test_expect_status(0);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 301);
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT COUNT(*) "
							 "FROM snapshots"),
			 3);
	for (size_t i = 0; i < COUNT(moments); i++) {
		CATALOG(NULL, "state", "1", "--at", ev[moments[i]].occurred_at);
		es_test_expect_status(0);
		es_test_expect_quiet_stderr();
		es_test_expect_stdout(widget_at(moments[i], 0));
	}
	CATALOG(NULL, "state", "1");
	es_test_expect_stdout(widget_at(300, 0));
	/* The latest snapshot, believable and, on purpose, wrong. */
	latest = es_test_db_query_int(
		events_db, "SELECT MAX(last_event_id) FROM snapshots");
	es_test_db_exec(events_db,
			es_test_format("UPDATE snapshots SET state = replace("
				       "state, '\"view_count\":0', "
				       "'\"view_count\":4242')"
				       " WHERE last_event_id = %lld",
				       latest));
	CATALOG(NULL, "state", "1");
	es_test_expect_status(0);
	es_test_expect_stdout(widget_at(300, 4242));
	/* At its last event and after it: from it; before it: not. */
	n = 0;
	while (ev[n].id != latest)
		n++;
	CATALOG(NULL, "state", "1", "--at", ev[n].occurred_at);
	es_test_expect_stdout(widget_at(n, 4242));
	CATALOG(NULL, "state", "1", "--at", ev[299].occurred_at);
	es_test_expect_stdout(widget_at(299, 4242));
	CATALOG(NULL, "state", "1", "--at", ev[n - 1].occurred_at);
	es_test_expect_stdout(widget_at(n - 1, 0));
	/* State wrote nothing: not a snapshot, after 0 to 300 events. */
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT COUNT(*) "
							 "FROM snapshots"),
			 3);
}

static void test_queries(void)
{
	static const char widget[] = "{\"id\":1,\"name\":\"Widget "
				     "Pro\",\"price\":29.99,\"stock\":100,"
				     "\"supplier_name\":\"Acme Corp\"}";
	static const char gadget[] = "{\"id\":2,\"name\":\"Gadget "
				     "Plus\",\"price\":44.99,\"stock\":50,"
				     "\"supplier_name\":\"Acme Corp\"}";
	struct es_test_event_row *ev;

	use_dir("work");
	ev = apply_scenario();
	CATALOG(NULL, "detail", "2");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(
		"{\"id\":2,\"name\":\"Gadget Plus\",\"description\":\"Does "
		"100%% "
		"of it_\",\"price\":44.99,\"stock\":50,\"view_count\":0,"
		"\"supplier_name\":\"Acme Corp\",\"created_at\":\"%s\","
		"\"updated_at\":\"%s\"}\n",
		ev[1].occurred_at, ev[3].occurred_at));
	CATALOG(NULL, "card", "1");
	es_test_expect_status(0);
	es_test_expect_stdout(
		"{\"id\":1,\"name\":\"Widget Pro\",\"price\":29.99,"
		"\"in_stock\":true}\n");
	CATALOG(NULL, "list");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format("[%s,%s]\n", widget, gadget));
	CATALOG(NULL, "search", "GADGET");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format("[%s]\n", gadget));
	CATALOG(NULL, "search", "");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format("[%s,%s]\n", widget, gadget));
	CATALOG(NULL, "search", "%");
	es_test_expect_status(0);
	es_test_expect_stdout("[]\n");
	CATALOG(NULL, "detail", "7");
	es_test_expect_failure(1, "catalog: Product 7 not found\n");
	CATALOG(NULL, "card", "99");
	es_test_expect_failure(1, "catalog: Product 99 not found\n");
}

/*
 * Step 0 (the read side) is given complete, so this test passes even when
 * the later steps are stubs; what it pins down is the program's message.
 */
static void test_queries_without_read_model(void)
{
	static const struct {
		const char *name;
		const char *verb;
		const char *arg;
		bool empty_file; /* else no file at all */
	} rows[] = {
		{"detail, no file", "detail", "1", false},
		{"card, no file", "card", "1", false},
		{"list, no file", "list", NULL, false},
		{"search, no file", "search", "x", false},
		{"list, a database without views", "list", NULL, true},
	};

	use_dir("work");
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *want = es_test_format("catalog: %s: ", read_db);
		const char *hint = "(run 'catalog rebuild' first)\n";
		size_t len;

		remove(read_db);
		if (rows[i].empty_file)
			es_test_write_file(read_db, "", 0);
		CATALOG(NULL, rows[i].verb, rows[i].arg);
		len = strlen(es_test_last.err);
		if (es_test_last.status != 1 ||
		    strncmp(es_test_last.err, want, strlen(want)) != 0 ||
		    len < strlen(hint) ||
		    strcmp(es_test_last.err + len - strlen(hint), hint) != 0)
			ES_FATAL("%s: exit %d, \"%s\"; expected exit 1 and "
				 "\"%s... %s\"",
				 rows[i].name, es_test_last.status,
				 es_test_last.err, want, hint);
		es_test_expect_failure(1, want);
		/* Queries create nothing. */
		ES_ASSERT_TRUE(es_test_exists(read_db) == rows[i].empty_file);
	}
}

static void test_read_verbs_change_nothing(void)
{
	static const char *const verbs[][4] = {
		{"log"},	 {"log", "2"},
		{"state", "2"},	 {"state", "2", "--at", NULL},
		{"detail", "1"}, {"card", "1"},
		{"list"},	 {"search", "g"},
	};
	struct es_test_event_row *ev;
	size_t log_len;
	size_t views_len;
	char *log_bytes;
	char *views_bytes;

	use_dir("work");
	ev = apply_scenario();
	log_bytes = es_test_must_slurp(events_db, &log_len);
	views_bytes = es_test_must_slurp(read_db, &views_len);
	/*
	 * Read-only files: as root the mode does not stop a writer, so the
	 * bytes are compared as well.
	 */
	chmod(events_db, 0444);
	chmod(read_db, 0444);
	for (size_t i = 0; i < COUNT(verbs); i++) {
		const char *at = verbs[i][2] != NULL ? ev[2].occurred_at : NULL;

		CATALOG(NULL, verbs[i][0], verbs[i][1], verbs[i][2], at);
		es_test_expect_status(0);
		es_test_expect_quiet_stderr();
	}
	chmod(events_db, 0644);
	chmod(read_db, 0644);
	ES_ASSERT_TRUE(memcmp(es_test_must_slurp(events_db, NULL), log_bytes,
			      log_len) == 0);
	ES_ASSERT_TRUE(memcmp(es_test_must_slurp(read_db, NULL), views_bytes,
			      views_len) == 0);
}

CU_TestInfo catalog_query_tests[] = {
	{"log prints every event, or one product's, data as stored", test_log},
	{"state replays a product's events, up to --at TIME", test_state},
	{"state of a product that does not exist exits 1",
	 test_state_not_found},
	{"state and state --at start from the nearest snapshot, and answer "
	 "as the replay at early, middle and late moments",
	 test_state_starts_from_the_nearest_snapshot},
	{"detail, card, list and search answer from the read model",
	 test_queries},
	{"queries without a read model exit 1 and say to rebuild",
	 test_queries_without_read_model},
	{"the read verbs work on read-only files and change no byte",
	 test_read_verbs_change_nothing},
	CU_TEST_INFO_NULL,
};
