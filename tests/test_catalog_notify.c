/*
 * test_catalog_notify.c - `catalog notify` (step 17): the "done
 * when" (a product created with stock 100 and updated to 3 makes one
 * line, once; a rebuild sends nothing; 50 then 2 makes one more), what
 * notify leaves alone, notify killed by a closed pipe at its first line,
 * and notify on a missing log.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "test_catalog.h"

#define CREATE_100                                                             \
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99," \
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme "      \
	"Corp\",\"stock\":100,\"description\":null}\n"
#define CREATE_GADGET                                                          \
	"{\"type\":\"CreateProduct\",\"name\":\"Gadget "                       \
	"Plus\",\"price\":49.99,"                                              \
	"\"cost_price\":22.5,\"supplier_id\":1,\"supplier_name\":\"Acme "      \
	"Corp\",\"stock\":100,\"description\":null}\n"
#define UPDATE(id, stock)                                                      \
	"{\"type\":\"UpdateStock\",\"product_id\":" #id                        \
	",\"new_stock\":" #stock "}\n"
#define CREATED(id) "{\"ok\":true,\"product_id\":" #id "}\n"
#define OK	    "{\"ok\":true}\n"
/* One notification, as notify prints it (notifier.h). */
#define NOTE(product_id, stock, event_id)                                      \
	"{\"product_id\":" #product_id ",\"stock\":" #stock                    \
	",\"event_id\":" #event_id "}\n"

/* Failures name the test's line too. */
#define apply_lines(lines, answers) ES_CALLED(apply_lines(lines, answers))

/* `catalog notify` must exit 0, quietly, having printed `lines`. */
static void notify_prints(const char *lines)
{
	CATALOG(NULL, "notify");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(lines);
}
#define notify_prints(lines) ES_CALLED(notify_prints(lines))

/* The notifier's checkpoint in the read DB: 0 when it has none yet. */
static long long notifier_checkpoint(void)
{
	return (long long)es_test_db_query_int(
		read_db, "SELECT coalesce(max(last_event_id), 0) FROM"
			 " notifier_checkpoint");
}
#define notifier_checkpoint() ES_CALLED_INT(notifier_checkpoint())

/*
 * The "done when": with a product created with stock 100, an
 * UpdateStock to 3, then notify, prints one line, and a second notify
 * none; after a rebuild, notify prints none; an UpdateStock to 50 and
 * then to 2 makes the next notify print one line.
 */
static void test_notify_sends_each_notification_once(void)
{
	struct es_test_event_row *ev;

	use_dir("work");
	apply_lines(CREATE_100 UPDATE(1, 3), CREATED(1) OK);
	notify_prints("{\"product_id\":1,\"stock\":3,\"event_id\":2}\n");
	notify_prints("");
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	notify_prints("");
	apply_lines(UPDATE(1, 50) UPDATE(1, 2), OK OK);
	notify_prints(NOTE(1, 2, 4));
	notify_prints("");
	ES_ASSERT_INT_EQ(notifier_checkpoint(), 4);
	/* Notify reads the log, and writes nothing into it. */
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 4);
}

/*
 * Notify keeps its own checkpoint: a rebuild after new events neither
 * sends their notifications nor loses them, and notify leaves the views
 * as they were.
 */
static void test_notify_and_rebuild_keep_apart(void)
{
	const char *views;

	use_dir("work");
	apply_lines(CREATE_100 CREATE_GADGET UPDATE(2, 3),
		    CREATED(1) CREATED(2) OK);
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	views = es_test_format("%s%s", es_test_rows_text(read_db, detail_sql),
			       es_test_rows_text(read_db, list_sql));
	notify_prints(NOTE(2, 3, 3));
	es_test_expect_same_rows(
		"the views after notify",
		es_test_format("%s%s", es_test_rows_text(read_db, detail_sql),
			       es_test_rows_text(read_db, list_sql)),
		views);
	/* Events that apply projects, then a rebuild: still to send. */
	apply_lines(UPDATE(1, 9) UPDATE(2, 1) UPDATE(2, 40) UPDATE(2, 0),
		    OK OK OK OK);
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	ES_ASSERT_INT_EQ(notifier_checkpoint(), 3);
	notify_prints(NOTE(1, 9, 4) NOTE(2, 0, 7));
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	notify_prints("");
}

/* The run must have died of SIGPIPE, and of nothing else. */
static void expect_sigpipe(int status)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGPIPE)
		ES_FATAL("notify into a closed pipe: %s %d, expected death by "
			 "SIGPIPE (%d); standard error: \"%.300s\"",
			 WIFSIGNALED(status) ? "died of signal" : "exited",
			 WIFSIGNALED(status) ? WTERMSIG(status)
					     : WEXITSTATUS(status),
			 SIGPIPE,
			 es_test_must_slurp(es_test_file("notify.stderr"),
					    NULL));
}
#define expect_sigpipe(status) ES_CALLED(expect_sigpipe(status))

/* `catalog notify` with its standard output a closed pipe. */
static int notify_into_a_closed_pipe(void)
{
	return catalog_into_a_closed_pipe(
		NULL, es_test_file("notify.stderr"),
		(const char *const[]){"notify", NULL});
}

/*
 * Killed in its first send, before the line is out: standard output is
 * a pipe nobody reads, so writing the line kills notify with SIGPIPE.
 * The checkpoint stays before that event, and the next notify prints
 * the line, then the rest. With nothing to send, nothing is written and
 * notify exits 0.
 */
static void test_notify_killed_by_a_closed_pipe(void)
{
	long long saved_at[2];
	int status;

	use_dir("work");
	apply_lines(CREATE_100 CREATE_GADGET UPDATE(1, 3) UPDATE(2, 2),
		    CREATED(1) CREATED(2) OK OK);
	expect_sigpipe(notify_into_a_closed_pipe());
	saved_at[0] = notifier_checkpoint();
	/* Killed again: the same first line, and nothing saved. */
	expect_sigpipe(notify_into_a_closed_pipe());
	saved_at[1] = notifier_checkpoint();
	notify_prints(NOTE(1, 3, 3) NOTE(2, 2, 4));
	ES_ASSERT_INT_EQ(saved_at[0], 0);
	ES_ASSERT_INT_EQ(saved_at[1], 0);
	ES_ASSERT_INT_EQ(notifier_checkpoint(), 4);
	notify_prints("");
	/* Killed at its only line, after one was sent and saved. */
	apply_lines(UPDATE(1, 60) UPDATE(1, 0), OK OK);
	expect_sigpipe(notify_into_a_closed_pipe());
	saved_at[0] = notifier_checkpoint();
	notify_prints(NOTE(1, 0, 6));
	ES_ASSERT_INT_EQ(saved_at[0], 4);
	/* Nothing to send: nothing written, no SIGPIPE. */
	apply_lines(UPDATE(1, 1), OK);
	status = notify_into_a_closed_pipe();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ES_FATAL("notify with nothing to send, into a closed pipe: "
			 "status %d, expected exit 0",
			 status);
	ES_ASSERT_INT_EQ(notifier_checkpoint(), 7);
	notify_prints("");
}

/* A log that is not there: one line of error, and no file made. */
static void test_notify_on_a_missing_log(void)
{
	use_dir("work");
	CATALOG(NULL, "notify");
	es_test_expect_failure(
		1, es_test_format("catalog: %s: unable to open database file\n",
				  events_db));
	ES_ASSERT_TRUE(!es_test_exists(events_db));
	ES_ASSERT_TRUE(!es_test_exists(read_db));
	ES_ASSERT_TRUE(!es_test_exists(es_test_format("%s-wal", events_db)));
	ES_ASSERT_TRUE(!es_test_exists(es_test_format("%s-wal", read_db)));
}

CU_TestInfo catalog_notify_tests[] = {
	{"notify prints a product taken below 10 once; after a rebuild none; "
	 "50 then 2 prints one more",
	 test_notify_sends_each_notification_once},
	{"notify keeps its own checkpoint: rebuild neither sends nor loses a "
	 "notification, and notify leaves the views alone",
	 test_notify_and_rebuild_keep_apart},
	{"notify killed by a closed pipe at its first line: the next notify "
	 "prints that line",
	 test_notify_killed_by_a_closed_pipe},
	{"notify on a missing log fails with one line and creates nothing",
	 test_notify_on_a_missing_log},
	CU_TEST_INFO_NULL,
};
