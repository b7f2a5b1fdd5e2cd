/*
 * test_catalog_follow.c - `catalog follow`: each event as it is appended,
 * in `catalog log`'s lines. The whole log with --after 0, nothing of it
 * without --after; a follow running beside an apply prints the apply's
 * events, and SIGTERM or SIGINT ends it with status 0; a row in
 * quarantine is stepped over, and a bad row stops it as it stops log.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "test_catalog.h"

/* Long enough for a start under valgrind; only a hang gets this far. */
#define FOLLOW_WAIT_MS 60000

/* A follow running beside the test: teardown ends it. */
static pid_t follow_pid = -1;

void catalog_follow_teardown(void)
{
	if (follow_pid > 0) {
		kill(follow_pid, SIGKILL);
		waitpid(follow_pid, NULL, 0);
	}
	follow_pid = -1;
	catalog_teardown();
}

/* What `catalog log` prints on the current files, less the rows in
 * quarantine, which follow steps over (events_only). */
static const char *log_output(void)
{
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	return events_only(es_test_last.out);
}

/*
 * follow --after 0 prints the log's lines and, with --idle, ends when no
 * event has come for that long; --after ID starts after event ID;
 * without --after it starts at the end, like tail -f.
 */
static void test_follow_prints_the_log(void)
{
	struct es_test_event_row *ev;
	const char *whole;

	use_dir("work");
	ev = apply_scenario();
	whole = log_output();
	CATALOG(NULL, "follow", "--after", "0", "--idle", "300");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(whole);
	CATALOG(NULL, "follow", "--idle", "300", "--after", "4");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format("%s\n%s\n",
					     log_line(&ev[4], ev[4].data),
					     log_line(&ev[5], ev[5].data)));
	CATALOG(NULL, "follow", "--idle", "300");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("");
}

void follow_start(const char *out, const char *err, const char *const *args)
{
	follow_pid = catalog_start(NULL, "/dev/null", out, err, args);
	if (follow_pid < 0)
		ES_FATAL("cannot start %s", catalog_binary());
}

void wait_lines(const char *path, size_t n)
{
	const struct timespec tick = {0, 10000000L};

	for (int waited = 0; count_lines(path) < n; waited += 10) {
		if (waited >= FOLLOW_WAIT_MS)
			ES_FATAL("follow printed %zu lines in %d ms, expected "
				 "%zu",
				 count_lines(path), FOLLOW_WAIT_MS, n);
		nanosleep(&tick, NULL);
	}
}

void stop_follow(int sig, const char *err)
{
	int status = -1;

	if (kill(follow_pid, sig) != 0)
		ES_FATAL("kill: %s", strerror(errno));
	while (waitpid(follow_pid, &status, 0) != follow_pid) {
		if (errno != EINTR)
			ES_FATAL("waitpid: %s", strerror(errno));
	}
	follow_pid = -1;
	if (!WIFEXITED(status))
		ES_FAIL("follow ended by signal %d (%s), expected exit "
			"status 0",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	ES_ASSERT_INT_EQ(WEXITSTATUS(status), 0);
	ES_ASSERT_STR_EQ(es_test_must_slurp(err, NULL), "");
}

/*
 * A follow started beside the log prints, line by line, the events that
 * `catalog apply` appends while it runs, and SIGTERM ends it with status
 * 0 and nothing on standard error.
 */
static void test_follow_sees_what_apply_appends(void)
{
	static const char more[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":5,"
		"\"command_id\":\"c-9\",\"actor\":\"ana\"}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n";
	const char *path = es_test_file("more.jsonl");
	const char *out = es_test_file("follow.out");
	const char *err = es_test_file("follow.err");
	struct es_test_event_row *ev;

	use_dir("work");
	apply_scenario();
	follow_start(out, err,
		     (const char *const[]){"follow", "--after", "6", NULL});
	es_test_write_file(path, more, strlen(more));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_stdout("{\"ok\":true}\n{\"ok\":true}\n");
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 8);
	wait_lines(out, 2);
	stop_follow(SIGTERM, err);
	ES_ASSERT_STR_EQ(
		es_test_must_slurp(out, NULL),
		es_test_format(
			"%s\n%s\n",
			log_line_meta(&ev[6], ev[6].data,
				      "{\"command_id\":\"c-9\",\"actor\":"
				      "\"ana\",\"correlation_id\":"
				      "\"c-9\"}"),
			log_line(&ev[7], ev[7].data)));
}

/* SIGINT (Ctrl-C) ends it as quietly, after the lines it has printed. */
static void test_follow_ends_on_sigint(void)
{
	const char *out = es_test_file("follow.out");
	const char *err = es_test_file("follow.err");
	const char *whole;

	use_dir("work");
	apply_scenario();
	whole = log_output();
	follow_start(out, err,
		     (const char *const[]){"follow", "--after", "0", NULL});
	wait_lines(out, 6);
	stop_follow(SIGINT, err);
	ES_ASSERT_STR_EQ(es_test_must_slurp(out, NULL), whole);
}

/*
 * A row in quarantine is stepped over, as log steps over it; a row that
 * does not decode and is not in quarantine stops follow with log's
 * message.
 */
static void test_follow_steps_over_a_quarantined_row(void)
{
	const char *log_err;
	const char *whole;

	use_dir("work");
	apply_scenario();
	es_test_db_insert_bad_event(events_db, 1, "StockUpdated",
				    "{\"product_id\": 1, ");
	CATALOG(NULL, "log");
	es_test_expect_status(1);
	es_test_expect_error("catalog: event 7: data is not valid JSON");
	whole = es_test_last.out;
	log_err = es_test_last.err;
	CATALOG(NULL, "follow", "--after", "0", "--idle", "300");
	es_test_expect_status(1);
	es_test_expect_stdout(whole);
	ES_ASSERT_STR_EQ(es_test_last.err, log_err);
	CATALOG(NULL, "quarantine", "7", "--reason", "a test");
	es_test_expect_status(0);
	whole = log_output();
	CATALOG(NULL, "follow", "--after", "0", "--idle", "300");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(whole);
}

struct usage_case {
	const char *name;
	const char *args[4];
	const char *error;
};

#define USAGE "catalog: usage: catalog follow [--after ID] [--idle MS]\n"

static const struct usage_case usage_cases[] = {
	{"--after without ID", {"--after"}, USAGE},
	{"an unknown option", {"--from", "0"}, USAGE},
	{"an ID that is not a number",
	 {"--after", "x"},
	 "catalog: --after needs ID, a whole number from 0 to "
	 "9007199254740991, not 'x'\n"},
	{"a negative ID",
	 {"--after", "-1"},
	 "catalog: --after needs ID, a whole number from 0 to "
	 "9007199254740991, not '-1'\n"},
	{"MS in seconds",
	 {"--idle", "1s"},
	 "catalog: --idle needs MS, a whole number of milliseconds from 0 to "
	 "86400000, not '1s'\n"},
};

/* follow refuses what it cannot read, with status 2 and one line. */
static void test_follow_usage_errors(void)
{
	use_dir("work");
	apply_scenario();
	for (size_t i = 0; i < COUNT(usage_cases); i++) {
		const struct usage_case *c = &usage_cases[i];

		es_test_row(c->name, "follow %s %s", c->args[0],
			    c->args[1] != NULL ? c->args[1] : "");
		CATALOG(NULL, "follow", c->args[0], c->args[1]);
		ES_CHECK_STR(c->name, "status",
			     es_test_format("%d", es_test_last.status), "2");
		ES_CHECK_STR(c->name, "standard output", es_test_last.out, "");
		ES_CHECK_STR(c->name, "standard error", es_test_last.err,
			     c->error);
	}
}

CU_TestInfo catalog_follow_tests[] = {
	{"follow --after 0 --idle 300 prints the log's lines and ends; "
	 "without --after it starts at the end",
	 test_follow_prints_the_log},
	{"follow beside an apply prints its events, and SIGTERM ends it with "
	 "status 0",
	 test_follow_sees_what_apply_appends},
	{"follow ends quietly on SIGINT", test_follow_ends_on_sigint},
	{"follow steps over a row in quarantine, and stops at a bad row as "
	 "log does",
	 test_follow_steps_over_a_quarantined_row},
	{"follow refuses an option it cannot read", test_follow_usage_errors},
	CU_TEST_INFO_NULL,
};
