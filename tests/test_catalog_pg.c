/*
 * test_catalog_pg.c - catalog on a PostgreSQL log (step 18), where a
 * server is named: ES_PG_URI, a libpq URI of a running server, such as
 * the kata's own from `make pg`. A log copied SQLite -> PostgreSQL ->
 * SQLite prints the same log lines and builds the same views; apply
 * answers on PostgreSQL as on SQLite, and refuses --batch; state
 * replays without snapshots, --at too; follow is woken by an apply.
 *
 * Each test works in a schema of its own, made and dropped with psql
 * (this suite does not link libpq), and reaches it through the URI's
 * options: "options=-csearch_path%3D<schema>". The read models stay
 * SQLite files in the test's directory.
 *
 * Without ES_PG_URI, in a catalog built without PostgreSQL (no
 * ES_WITH_POSTGRES), or without psql, the whole suite is skipped:
 * catalog_pg_init(), the suite's init function, prints why on one line
 * and returns 1, and the runner (harness/runner.c) then runs none of its
 * tests and counts none of them, passed or failed.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process.h"
#include "test_catalog.h"

/* Whether catalog was built with step 18's PostgreSQL store. */
#ifdef ES_WITH_POSTGRES
#define WITH_POSTGRES true
#else
#define WITH_POSTGRES false
#endif

/* psql, found on $PATH by catalog_pg_init(). */
static char psql[1024];

/* Find psql in $PATH's folders, into `psql`; false when it is not there. */
static bool find_psql(void)
{
	const char *dirs = getenv("PATH");

	while (dirs != NULL && *dirs != '\0') {
		size_t len = strcspn(dirs, ":");

		snprintf(psql, sizeof(psql), "%.*s/psql", (int)len, dirs);
		if (len > 0 && access(psql, X_OK) == 0)
			return true;
		dirs += len + (dirs[len] == ':');
	}
	return false;
}

/* Called by the runner before the suite, and by CUnit before each test. */
int catalog_pg_init(void)
{
	const char *uri = getenv("ES_PG_URI");

	if (uri == NULL || uri[0] == '\0') {
		printf("  skipped: ES_PG_URI is not set (a libpq URI of a "
		       "running server, such as make pg's)\n");
		return 1;
	}
	if (!WITH_POSTGRES) {
		printf("  skipped: catalog is built without PostgreSQL (make "
		       "pg, then make)\n");
		return 1;
	}
	if (!find_psql()) {
		printf("  skipped: no psql on $PATH to make the tests' "
		       "schemas\n");
		return 1;
	}
	return 0;
}

/* The test's schema; NULL until pg_log() makes it. */
static const char *schema;

/* Run `sql` on ES_PG_URI with psql, its errors into `errout`. */
static bool run_psql(const char *sql, const char *errout)
{
	char *const argv[] = {psql,
			      "-X",
			      "-q",
			      "-v",
			      "ON_ERROR_STOP=1",
			      "-d",
			      getenv("ES_PG_URI"),
			      "-c",
			      (char *)sql,
			      NULL};
	struct es_error err;
	int status = -1;

	return es_process_run(&status, argv, NULL, "/dev/null", errout, NULL,
			      &err) == ES_OK &&
	       status == 0;
}

/*
 * The URI of the test's log on PostgreSQL: ES_PG_URI in the schema
 * es_test_<pid>, made the first time (each test runs in a process of its
 * own), which the teardown drops.
 */
static const char *pg_log(void)
{
	const char *uri = getenv("ES_PG_URI");
	const char *name = es_test_format("es_test_%ld", (long)getpid());
	const char *errout = es_test_file("psql.err");

	if (uri == NULL) /* catalog_pg_init() skips the suite then */
		ES_FATAL("ES_PG_URI is not set");
	if (schema == NULL) {
		if (!run_psql(es_test_format("CREATE SCHEMA %s", name), errout))
			ES_FATAL("psql cannot make a schema on %s: %s", uri,
				 es_test_must_slurp(errout, NULL));
		schema = name;
	}
	return es_test_format("%s%soptions=-csearch_path%%3D%s", uri,
			      strchr(uri, '?') != NULL ? "&" : "?", name);
}

/* Make the PostgreSQL log the current events, `read` the read model. */
static const char *use_pg_log(const char *read)
{
	events_db = pg_log();
	read_db = es_test_file(read);
	return events_db;
}

void catalog_pg_teardown(void)
{
	if (schema != NULL)
		run_psql(es_test_format("SET client_min_messages = warning; "
					"DROP SCHEMA %s CASCADE",
					schema),
			 NULL);
	schema = NULL;
	catalog_follow_teardown();
}

/*
 * SQLite -> PostgreSQL -> SQLite: every event with its id and metadata,
 * and every answer, so log, state (replayed without snapshots on
 * PostgreSQL) and the rebuilt views are the same on all three; a command
 * sent again on PostgreSQL gets its answer and appends nothing; copy's
 * summary names a URI without its password.
 */
static void test_copy_through_postgresql(void)
{
	const char *a, *b, *pg;
	const char *want, *log;

	use_dir("work");
	a = use_log("a");
	write_history();
	want = log_state_and_views(es_test_file("a-fresh.db"));
	pg = pg_log();
	b = es_test_format("%s/b.db", work);
	CATALOG(NULL, "copy", a, pg);
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format("copied 7 events and 6 answers "
					     "from %s to %s, skipped 1 "
					     "quarantined rows\n",
					     a, pg));
	/* A password in the URI is not repeated (the server trusts the
	 * socket, and ignores it). */
	CATALOG(NULL, "copy", es_test_format("%s&password=secret", pg), b);
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(
		"copied 7 events and 6 answers from %s to %s\n", pg, b));
	use_pg_log("pg-read.db");
	es_test_expect_same_rows(
		"the copy on PostgreSQL",
		log_state_and_views(es_test_file("pg-fresh.db")), want);
	use_log("b");
	es_test_expect_same_rows(
		"b, copied back",
		log_state_and_views(es_test_file("b-fresh.db")), want);
	/* A retry on PostgreSQL is answered from what was copied. */
	use_pg_log("pg-read.db");
	log = OUTPUT("log");
	apply_lines(history_retries, history_retry_answers);
	es_test_expect_same_rows("the log after the retries", OUTPUT("log"),
				 log);
}

#define NO_BATCH                                                               \
	"catalog: --batch needs a SQLite log: on PostgreSQL every command is " \
	"its own transaction"

/*
 * The small scenario on a SQLite log and on PostgreSQL: the same
 * answers, states (now, and --at a time before and after it) and list;
 * apply --batch is refused on PostgreSQL, and appends nothing.
 */
static void test_apply_answers_as_on_sqlite(void)
{
	static const char *const ids[] = {"1", "2"};
	const char *states[2], *list, *before;

	use_dir("work");
	use_log("sqlite");
	apply_scenario();
	for (size_t i = 0; i < COUNT(ids); i++)
		states[i] = es_test_format(
			"%s%s", OUTPUT("state", ids[i]),
			OUTPUT("state", ids[i], "--at", "2100-01-01"));
	list = OUTPUT("list");
	CATALOG(NULL, "state", "1", "--at", "2000-01-01");
	es_test_expect_status(1);
	before = es_test_last.err;
	use_pg_log("pg-read.db");
	CATALOG(scenario_file(), "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(scenario_answers);
	for (size_t i = 0; i < COUNT(ids); i++)
		es_test_expect_same_rows(
			"state", states[i],
			es_test_format(
				"%s%s", OUTPUT("state", ids[i]),
				OUTPUT("state", ids[i], "--at", "2100-01-01")));
	es_test_expect_same_rows("list", OUTPUT("list"), list);
	CATALOG(NULL, "state", "1", "--at", "2000-01-01");
	es_test_expect_status(1);
	ES_ASSERT_STR_EQ(es_test_last.err, before);
	before = OUTPUT("log");
	CATALOG(scenario_file(), "apply", "--batch", "10");
	es_test_expect_failure(2, NO_BATCH);
	es_test_expect_same_rows("the log after --batch", OUTPUT("log"),
				 before);
}

/*
 * A follow of the PostgreSQL log, beside an apply, prints its events
 * (LISTEN/NOTIFY wakes it), and SIGTERM ends it with status 0.
 */
static void test_follow_is_woken_by_an_apply(void)
{
	static const char more[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":5}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n";
	const char *out = es_test_file("follow.out");
	const char *err = es_test_file("follow.err");
	char **lines;

	use_dir("work");
	use_pg_log("pg-read.db");
	CATALOG(scenario_file(), "apply");
	es_test_expect_status(0);
	es_test_expect_stdout(scenario_answers);
	follow_start(out, err,
		     (const char *const[]){"follow", "--after", "6", NULL});
	apply_lines(more, "{\"ok\":true}\n{\"ok\":true}\n");
	wait_lines(out, 2);
	stop_follow(SIGTERM, err);
	OUTPUT("log");
	ES_ASSERT_INT_EQ(es_test_out_lines(&lines), 8);
	es_test_expect_same_rows(
		"what follow printed", es_test_must_slurp(out, NULL),
		es_test_format("%s\n%s\n", lines[6], lines[7]));
}

CU_TestInfo catalog_pg_tests[] = {
	{"a log copied SQLite -> PostgreSQL -> SQLite gives the same log, "
	 "state and views, and retries get their answers",
	 test_copy_through_postgresql},
	{"apply on PostgreSQL answers as on SQLite; state replays, --at too; "
	 "--batch is refused",
	 test_apply_answers_as_on_sqlite},
	{"follow on PostgreSQL is woken by an apply",
	 test_follow_is_woken_by_an_apply},
	CU_TEST_INFO_NULL,
};
