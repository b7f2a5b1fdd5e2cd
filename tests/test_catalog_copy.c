/*
 * test_catalog_copy.c - `catalog copy FROM TO`: a log copied SQLite to
 * SQLite and back keeps its ids, metadata and stored answers, so `log`,
 * `state` and the views built from it are the same, and a command sent
 * again gets the answer it got; a row in quarantine is skipped and
 * counted. A TO that is not empty, and a FROM with a row that does not
 * decode, are refused, and TO is left as it was. The history and what
 * it gives (test_catalog.h) serve test_catalog_pg.c too, which copies
 * through PostgreSQL.
 */
#include <string.h>

#include "test_catalog.h"

const char *use_log(const char *name)
{
	events_db = es_test_format("%s/%s.db", work, name);
	read_db = es_test_format("%s/%s-read.db", work, name);
	return events_db;
}

/* Commands with and without an envelope, a correction and refusals. */
#define CREATE_C1                                                              \
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99," \
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme "      \
	"Corp\",\"stock\":100,\"description\":null,\"command_id\":\"c-1\","    \
	"\"actor\":\"alice\"}\n"
#define STOCK_C3                                                               \
	"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":50,"         \
	"\"command_id\":\"c-3\",\"actor\":\"bob\",\"correlation_id\":"         \
	"\"visit-7\"}\n"
#define VIEW_C7                                                                \
	"{\"type\":\"RecordProductView\",\"product_id\":9,\"command_id\":"     \
	"\"c-7\"}\n"
#define CREATED(id) "{\"ok\":true,\"product_id\":" #id "}\n"
#define OK	    "{\"ok\":true}\n"
#define NO_9	    "{\"ok\":false,\"error\":\"Product 9 not found\"}\n"

static const char history[] = CREATE_C1
	"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\",\"price\":49.99,"
	"\"cost_price\":22.5,\"supplier_id\":2,\"supplier_name\":\"Bolt Ltd\","
	"\"stock\":0,\"description\":\"Does 100% of it\"}\n" STOCK_C3
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":3,"
	"\"new_stock\":45,\"reason\":\"counted twice\",\"command_id\":"
	"\"c-4\"}\n"
	"{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":44.99}\n"
	"{\"type\":\"RecordProductView\",\"product_id\":1,\"actor\":"
	"\"carol\"}\n" VIEW_C7
	"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":-5,"
	"\"command_id\":\"c-8\"}\n";

static const char history_answers[] = CREATED(1) CREATED(2) OK OK OK OK NO_9
	"{\"ok\":false,\"error\":\"Stock cannot be negative\"}\n";

const char history_retries[] = CREATE_C1 STOCK_C3 VIEW_C7;
const char history_retry_answers[] = CREATED(1) OK NO_9;

void write_history(void)
{
	apply_lines(history, history_answers);
	es_test_db_insert_bad_event(events_db, 1, "StockUpdated",
				    "{\"product_id\": 1, ");
	CATALOG(NULL, "quarantine", "7", "--reason", "a test's bad row");
	es_test_expect_status(0);
	apply_lines("{\"type\":\"RecordProductView\",\"product_id\":2,"
		    "\"command_id\":\"c-9\"}\n",
		    OK);
}

const char *log_state_and_views(const char *fresh)
{
	/* A copy holds no row in quarantine: log shows those as lines. */
	const char *log = events_only(OUTPUT("log"));
	const char *state = OUTPUT("state", "1");

	read_db = fresh;
	if (es_test_exists(read_db))
		ES_FATAL("%s: exists already", read_db);
	OUTPUT("rebuild");
	return es_test_format(
		"log:\n%sstate 1:\n%sdetail rows:\n%slist rows:\n%s", log,
		state, es_test_rows_text(read_db, detail_sql),
		es_test_rows_text(read_db, list_sql));
}

/* log_state_and_views() of the log `name`, into `name`-fresh.db. */
static const char *everything(const char *name)
{
	use_log(name);
	return log_state_and_views(
		es_test_format("%s/%s-fresh.db", work, name));
}

/*
 * Write the history into the log a.db of the folder "work", copy it into
 * b.db, which the copy makes, and check what copy says. Sets `*a` and
 * `*b` to the two paths.
 */
static void copy_history(const char **a, const char **b)
{
	use_dir("work");
	*a = use_log("a");
	write_history();
	*b = es_test_format("%s/b.db", work);
	CATALOG(NULL, "copy", *a, *b);
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format("copied 7 events and 6 answers "
					     "from %s to %s, skipped 1 "
					     "quarantined rows\n",
					     *a, *b));
}
#define copy_history(a, b) ES_CALLED(copy_history(a, b))

/*
 * SQLite -> SQLite -> SQLite: every event with its id and metadata, and
 * every answer, so log, state and rebuilt views are the same on each;
 * the row in quarantine is skipped, and said so. A command sent again
 * to the last copy gets the answer the first log gave, and appends
 * nothing; a new one gets the next product and event ids.
 */
static void test_copy_there_and_back(void)
{
	const char *a, *b, *c;
	const char *want;
	struct es_test_event_row *ev;

	copy_history(&a, &b);
	c = es_test_format("%s/c.db", work);
	CATALOG(NULL, "copy", b, c);
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(
		"copied 7 events and 6 answers from %s to %s\n", b, c));
	want = everything("a");
	es_test_expect_same_rows("b, copied from a", everything("b"), want);
	es_test_expect_same_rows("c, copied from b", everything("c"), want);
	/* The same ids, metadata and answers, row for row. */
	use_log("c");
	ES_ASSERT_STR_EQ(
		es_test_rows_text(c, "SELECT id FROM events ORDER BY id"),
		"1\n2\n3\n4\n5\n6\n8\n");
	ES_ASSERT_STR_EQ(es_test_rows_text(c, "SELECT * FROM event_metadata"),
			 es_test_rows_text(a, "SELECT * FROM event_metadata"));
	ES_ASSERT_STR_EQ(es_test_rows_text(c, "SELECT * FROM command_answers"),
			 es_test_rows_text(a, "SELECT * FROM command_answers"));
	/* Retries get their answers; a new command goes on after. */
	apply_lines(history_retries, history_retry_answers);
	ES_ASSERT_INT_EQ(es_test_load_events(c, &ev), 7);
	apply_lines("{\"type\":\"CreateProduct\",\"name\":\"Sprocket\","
		    "\"price\":1.5,\"cost_price\":0.5,\"supplier_id\":2,"
		    "\"supplier_name\":\"Bolt Ltd\",\"stock\":7}\n",
		    CREATED(3));
	ES_ASSERT_INT_EQ(es_test_load_events(c, &ev), 8);
	ES_ASSERT_INT_EQ(ev[7].id, 9);
	ES_ASSERT_INT_EQ(ev[7].product_id, 3);
}

/*
 * The copy alone, without the round trip's views: every event but the
 * row in quarantine, with its id, data and metadata, every answer, and
 * the registry, row for row. tests/run.sh runs this one with the catalog
 * program under valgrind: it runs catalog four times, where the round
 * trip runs it twenty.
 */
static void test_copy_keeps_rows(void)
{
	static const char events_sql[] =
		"SELECT id, product_id, event_type, data, occurred_at FROM "
		"events WHERE id <> 7 ORDER BY id";
	const char *a, *b;

	copy_history(&a, &b);
	ES_ASSERT_STR_EQ(es_test_rows_text(b, events_sql),
			 es_test_rows_text(a, events_sql));
	ES_ASSERT_STR_EQ(es_test_rows_text(b, "SELECT * FROM event_metadata"),
			 es_test_rows_text(a, "SELECT * FROM event_metadata"));
	ES_ASSERT_STR_EQ(es_test_rows_text(b, "SELECT * FROM command_answers"),
			 es_test_rows_text(a, "SELECT * FROM command_answers"));
	ES_ASSERT_STR_EQ(
		es_test_rows_text(b, "SELECT * FROM product_registry"),
		es_test_rows_text(a, "SELECT * FROM product_registry"));
}

/* Every row of the log's own tables, for "left as it was". */
static const char *log_tables(const char *path)
{
	return es_test_format(
		"%s%s%s%s",
		es_test_rows_text(path, "SELECT * FROM events ORDER BY id"),
		es_test_rows_text(path, "SELECT * FROM product_registry"),
		es_test_rows_text(path, "SELECT * FROM event_metadata"),
		es_test_rows_text(path, "SELECT * FROM command_answers"));
}

/*
 * A TO that holds events, or only stored answers, is refused, and left
 * as it was.
 */
static void test_copy_refuses_a_log_that_is_not_empty(void)
{
	const char *a, *b, *before;

	use_dir("work");
	a = use_log("a");
	apply_lines(history, history_answers);
	b = use_log("b");
	apply_lines(CREATE_C1, CREATED(1));
	before = log_tables(b);
	CATALOG(NULL, "copy", a, b);
	es_test_expect_failure(1, es_test_format("catalog: %s: not empty (1 "
						 "events); copy writes only "
						 "into an empty log",
						 b));
	es_test_expect_same_rows("b", log_tables(b), before);
	/* A refusal with a command id is stored, with no event. */
	b = use_log("answers-only");
	apply_lines(VIEW_C7, NO_9);
	before = log_tables(b);
	CATALOG(NULL, "copy", a, b);
	es_test_expect_failure(1, es_test_format("catalog: %s: not empty (1 "
						 "stored answers); copy "
						 "writes only into an empty "
						 "log",
						 b));
	es_test_expect_same_rows("answers-only", log_tables(b), before);
}

/*
 * A row that does not decode and is not in quarantine refuses the copy
 * before anything is written: a TO that was missing is not created, an
 * empty one stays empty.
 */
static void test_copy_refuses_a_bad_row(void)
{
	const char *a, *b, *before;

	use_dir("work");
	a = use_log("a");
	apply_lines(history, history_answers);
	es_test_db_insert_bad_event(a, 1, "StockUpdated",
				    "{\"product_id\": 1, ");
	es_test_db_insert_event(a, 2, "ProductViewed",
				"{\"product_id\": 2, \"occurred_at\": "
				"\"2026-11-27T14:32:05.123456+00:00\"}");
	b = es_test_format("%s/b.db", work);
	CATALOG(NULL, "copy", a, b);
	es_test_expect_failure(1, es_test_format("catalog: %s: event 7: data "
						 "is not valid JSON; run "
						 "'catalog verify'",
						 a));
	ES_ASSERT_TRUE(!es_test_exists(b));
	/* An empty log that a rebuild made. */
	use_log("b");
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	before = log_tables(b);
	CATALOG(NULL, "copy", a, b);
	es_test_expect_failure(1, es_test_format("catalog: %s: event 7: data "
						 "is not valid JSON; run "
						 "'catalog verify'",
						 a));
	es_test_expect_same_rows("b", log_tables(b), before);
	ES_ASSERT_INT_EQ(es_test_db_query_int(b, "SELECT count(*) FROM events"),
			 0);
}

/* The usage, and a FROM that is not there. */
static void test_copy_usage_and_a_missing_log(void)
{
	const char *missing;

	use_dir("work");
	use_log("a");
	CATALOG(NULL, "copy", events_db);
	es_test_expect_failure(2, "catalog: usage: catalog copy FROM TO");
	missing = es_test_format("%s/missing.db", work);
	CATALOG(NULL, "copy", missing, events_db);
	es_test_expect_failure(1, es_test_format("catalog: %s: unable to open "
						 "database file",
						 missing));
	ES_ASSERT_TRUE(!es_test_exists(events_db));
}

#ifndef ES_WITH_POSTGRES
#define NO_POSTGRES                                                            \
	"catalog: catalog was built without PostgreSQL support: make pg "      \
	"installs libpq, then make"

/*
 * A catalog built without step 18 says so at once, for --events and for
 * either side of copy, and opens nothing. (Built with it, the Makefile
 * defines ES_WITH_POSTGRES, and this test is not in the suite:
 * test_catalog_pg.c runs catalog on PostgreSQL instead.)
 */
static void test_postgresql_needs_a_catalog_built_with_it(void)
{
	const char *a;

	use_dir("work");
	a = use_log("a");
	apply_lines(CREATE_C1, CREATED(1));
	use_log("a");
	events_db = "postgresql://localhost/kata?host=/tmp";
	CATALOG(NULL, "log");
	es_test_expect_failure(1, NO_POSTGRES);
	events_db = "postgres://kata@localhost/kata";
	CATALOG(NULL, "list");
	es_test_expect_failure(1, NO_POSTGRES);
	use_log("a");
	CATALOG(NULL, "copy", a, "postgresql:///kata");
	es_test_expect_failure(1, NO_POSTGRES);
	CATALOG(NULL, "copy", "postgres:///kata", es_test_file("b.db"));
	es_test_expect_failure(1, NO_POSTGRES);
	ES_ASSERT_TRUE(!es_test_exists(es_test_file("b.db")));
}
#endif

CU_TestInfo catalog_copy_tests[] = {
	{"copy SQLite -> SQLite -> SQLite keeps ids, metadata and answers: "
	 "the same log, state and views, and retries get their answers",
	 test_copy_there_and_back},
	{"copy into an empty log keeps every id, metadata row and answer",
	 test_copy_keeps_rows},
	{"copy refuses a log that is not empty, and leaves it as it was",
	 test_copy_refuses_a_log_that_is_not_empty},
	{"copy refuses a row that does not decode before anything is "
	 "written",
	 test_copy_refuses_a_bad_row},
	{"copy's usage, and a FROM that is not there",
	 test_copy_usage_and_a_missing_log},
#ifndef ES_WITH_POSTGRES
	{"a postgresql:// log needs a catalog built with PostgreSQL",
	 test_postgresql_needs_a_catalog_built_with_it},
#endif
	CU_TEST_INFO_NULL,
};
