/*
 * test_catalog_batch.c - `catalog apply --batch N`: up to N lines share
 * one commit (group_commit.h). The answers and the files are those of a
 * plain apply; a group is committed at N lines, or as soon as no more
 * input waits; no answer is sent before its group's commit; a command
 * the database fails fails the commands of its group before it, and only
 * those; a command id is done once across groups and runs; a bad N is a
 * usage error.
 *
 * A file given whole is read ahead in blocks, so apply never finds its
 * input waiting for more: its groups hold N lines each, and the last one
 * what is left.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "test_catalog.h"

#define WIDGET                                                                 \
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99," \
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme "      \
	"Corp\",\"stock\":100"
/* Widget Pro's create, sent by alice as c-1. */
#define CREATE_C1 WIDGET ",\"command_id\":\"c-1\",\"actor\":\"alice\"}\n"
#define UPDATE_1(stock)                                                        \
	"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":" stock "}"  \
	"\n"
#define VIEW_1	    "{\"type\":\"RecordProductView\",\"product_id\":1}\n"
#define CREATED(n)  "{\"ok\":true,\"product_id\":" n "}\n"
#define OK	    "{\"ok\":true}\n"
#define FAILED(msg) "{\"ok\":false,\"error\":\"" msg "\"}\n"

/* Apply the file `path` to the current files, with `--batch N` or not. */
static void apply_file(const char *path, const char *batch)
{
	if (batch != NULL)
		CATALOG(path, "apply", "--batch", batch);
	else
		CATALOG(path, "apply");
}

/* `lines` into a file of the test's directory; its path. */
static const char *lines_file(const char *lines)
{
	const char *path = es_test_file("lines.jsonl");

	es_test_write_file(path, lines, strlen(lines));
	return path;
}

/* True when `s` starts with a time as the log writes them. */
static bool is_time(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddd+00:00";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';

		if (shape[i] == 'd' ? !digit : s[i] != shape[i])
			return false;
	}
	return true;
}

/* A copy of `s` with every time as the log writes them made "TIME". */
static const char *mask_times(const char *s)
{
	struct es_test_buf b = {0};

	while (*s != '\0') {
		if (is_time(s)) {
			es_test_buf_str(&b, "TIME");
			s += strlen("2026-11-27T14:32:05.123456+00:00");
		} else {
			es_test_buf_add(&b, s, 1);
			s++;
		}
	}
	return es_test_buf_own(&b);
}

/*
 * What the files say, through catalog's own verbs: the log, the list,
 * and each product's detail (`products` of them), the times masked.
 */
static const char *files_text(int products)
{
	struct es_test_buf b = {0};

	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_buf_printf(&b, "log:\n%s", mask_times(es_test_last.out));
	CATALOG(NULL, "list");
	es_test_expect_status(0);
	es_test_buf_printf(&b, "list:\n%s", mask_times(es_test_last.out));
	for (int id = 1; id <= products; id++) {
		const char *arg = es_test_format("%d", id);

		CATALOG(NULL, "detail", arg);
		es_test_expect_status(0);
		es_test_buf_printf(&b, "detail %d:\n%s", id,
				   mask_times(es_test_last.out));
	}
	return es_test_buf_own(&b);
}

/* The views of the current read model, and of a rebuild of the log. */
static void expect_views_as_rebuilt(void)
{
	const char *ours = read_db;
	const char *rebuilt = es_test_format("%s/rebuilt.db", work);

	read_db = rebuilt;
	CATALOG(NULL, "rebuild");
	read_db = ours;
	es_test_expect_status(0);
	es_test_expect_same_rows("the detail view beside a rebuild's",
				 es_test_rows_text(ours, detail_sql),
				 es_test_rows_text(rebuilt, detail_sql));
	es_test_expect_same_rows("the list view beside a rebuild's",
				 es_test_rows_text(ours, list_sql),
				 es_test_rows_text(rebuilt, list_sql));
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(ours, "SELECT last_event_id FROM"
					   " projection_checkpoint"),
		es_test_db_query_int(events_db, "SELECT max(id) FROM events"));
}

/* ---- the same answers and files as a plain apply -------------------------- */

/*
 * Every kind of line: creates, updates, a line that is not JSON, an empty
 * one, a refusal, a CorrectStock, a command id retried in a later group
 * (c-1) and in its own group (c-2), a command id used for another
 * command. With --batch 3: groups of lines 1-3, 4-6, 7-9, 10-12, 13.
 */
static const char mixed[] = CREATE_C1
	"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\",\"price\":49.99,"
	"\"cost_price\":22.5,\"supplier_id\":2,\"supplier_name\":\"Globex\","
	"\"stock\":0}\n" UPDATE_1(
		"50") "{\"type\":\"UpdateStock\",\n"
		      "   \n"
		      "{\"type\":\"UpdateStock\",\"product_id\":9,\"new_"
		      "stock\":1}\n"
		      "{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_"
		      "event_id\":3,"
		      "\"new_stock\":40,\"reason\":\"miscounted\"}\n" CREATE_C1
		      "{\"type\":\"UpdateStock\",\"product_id\":2,\"new_"
		      "stock\":7,"
		      "\"command_id\":\"c-1\"}\n"
		      "{\"type\":\"ChangePrice\",\"product_id\":2,\"new_"
		      "price\":44.99,"
		      "\"command_id\":\"c-2\",\"actor\":\"bob\"}\n" VIEW_1
		      "{\"type\":\"ChangePrice\",\"product_id\":2,\"new_"
		      "price\":44.99,"
		      "\"command_id\":\"c-2\",\"actor\":\"bob\"}\n"
		      "{\"type\":\"RecordProductView\",\"product_id\":2,"
		      "\"correlation_id\":\"visit-7\"}\n";

static const char mixed_answers[] = CREATED("1") CREATED("2")
	OK FAILED("not valid JSON near character 23") FAILED("empty line")
		FAILED("Product 9 not found") OK CREATED("1") FAILED(
			"command_id 'c-1' was already used for another command")
			OK OK OK OK;

/*
 * Apply the file `path` in a fresh directory with a plain apply, and in
 * another with --batch 3: the same `answers`, exit status 0, quiet, and
 * the same log, list and details of `products`, the views caught up.
 */
static void expect_batch_as_apply(const char *name, const char *path,
				  const char *answers, int products)
{
	const char *text[2];

	for (int i = 0; i < 2; i++) {
		const char *batch = i == 0 ? NULL : "3";

		use_dir(es_test_format("%s-%s", name,
				       i == 0 ? "plain" : "batch"));
		apply_file(path, batch);
		es_test_expect_status(0);
		es_test_expect_quiet_stderr();
		es_test_expect_stdout(answers);
		text[i] = files_text(products);
		expect_views_as_rebuilt();
	}
	ES_ASSERT_STR_EQ(text[1], text[0]);
}
#define expect_batch_as_apply(name, path, answers, products)                   \
	ES_CALLED(expect_batch_as_apply((name), (path), (answers), (products)))

/*
 * The kata's scenario and the mixed lines. Guards against a --batch that
 * answers, appends or projects otherwise than apply does: an answer
 * lost, doubled or out of order, a refusal or a bad line that spoils its
 * group, a retry not found inside its group, an event or its metadata
 * missing, views not caught up.
 */
static void test_batch_answers_as_apply_does(void)
{
	struct es_test_event_row *ev;

	expect_batch_as_apply("scenario", scenario_file(), scenario_answers, 2);
	expect_batch_as_apply("mixed", lines_file(mixed), mixed_answers, 2);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 7);
}

/* ---- when a group is committed -------------------------------------------- */

/*
 * Two lines, and the input stays open: both are answered, their events
 * in the log and the views, before any more input comes. Guards against
 * a --batch that commits only at N lines or at the end of its input: the
 * answers would never come, and fed_wait_answers() gives up after its
 * bound (a minute, for a loaded machine; the lines take milliseconds).
 */
static void test_batch_answers_when_the_input_pauses(void)
{
	use_dir("work");
	fed_start_args((const char *const[]){"apply", "--batch", "1000", NULL});
	fed_send(WIDGET "}\n" VIEW_1);
	fed_wait_answers(2);
	ES_ASSERT_STR_EQ(es_test_must_slurp(es_test_file("fed.out"), NULL),
			 CREATED("1") OK);
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT count(*) FROM events"),
		2);
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, "SELECT view_count FROM"
						       " product_detail_view"),
			 1);
	fed_send(UPDATE_1("7"));
	fed_wait_answers(3);
	fed_finish();
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(CREATED("1") OK OK);
}

/*
 * Five commands in groups of two (2, 2, 1): all in the log, in order,
 * and the views caught up to the last. Guards against a last group, cut
 * short by the end of the input, that is never committed or projected.
 */
static void test_batch_commits_groups_of_n(void)
{
	use_dir("work");
	apply_file(lines_file(WIDGET "}\n" UPDATE_1("1") UPDATE_1("2")
				      VIEW_1 UPDATE_1("3")),
		   "2");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(CREATED("1") OK OK OK OK);
	es_test_expect_same_rows(
		"the log",
		es_test_rows_text(events_db, "SELECT id, event_type FROM events"
					     " ORDER BY id"),
		"1|'ProductCreated'\n2|'StockUpdated'\n3|'StockUpdated'\n"
		"4|'ProductViewed'\n5|'StockUpdated'\n");
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db,
					      "SELECT last_event_id FROM"
					      " projection_checkpoint"),
			 5);
	es_test_expect_same_rows(
		"the detail view",
		es_test_rows_text(read_db, "SELECT id, stock, view_count FROM"
					   " product_detail_view"),
		"1|3|1\n");
}

/*
 * Another process holds the log's write lock while three lines come: no
 * group can begin, so none is committed, and each line is answered with
 * the failure after --busy-timeout; nothing is appended; exit status 3.
 * Guards against an answer sent before (or without) its commit, and
 * against a failure that is not reported on its line.
 */
static void test_batch_answers_no_line_while_the_log_is_locked(void)
{
#define LOCKED "database is locked (tried for 300 ms; see --busy-timeout)"
	sqlite3 *holder;

	use_dir("work");
	fed_start_args((const char *const[]){"--busy-timeout", "300", "apply",
					     "--batch", "2", NULL});
	fed_send(WIDGET "}\n"); /* answered: catalog has its files open */
	fed_wait_answers(1);
	holder = es_test_db_open(events_db, SQLITE_OPEN_READWRITE);
	es_test_exec(holder, "BEGIN IMMEDIATE");
	fed_send(UPDATE_1("1") VIEW_1 UPDATE_1("2"));
	fed_wait_answers(4);
	es_test_exec(holder, "ROLLBACK");
	fed_finish();
	es_test_expect_status(3);
	es_test_expect_stdout(CREATED("1") FAILED(LOCKED) FAILED(LOCKED)
				      FAILED(LOCKED));
	ES_ASSERT_STR_EQ(es_test_last.err, "catalog: line 2: " LOCKED "\n"
					   "catalog: line 3: " LOCKED "\n"
					   "catalog: line 4: " LOCKED "\n");
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT count(*) FROM events"),
		1);
#undef LOCKED
}

/* ---- a command the database fails ---------------------------------------- */

/*
 * A trigger of the test's own makes the log fail (not refuse) any event
 * whose new stock is 13. With --batch 3, line 5 sets 13, in the group of
 * lines 4 to 6: lines 4 and 5 had their group rolled back and are
 * answered with the failure; line 6, after the failure, begins a new
 * group, which is committed with line 6 as the third line kept; line 7
 * is the last group. Guards against an answer sent before its group's
 * commit (line 4, accepted in its savepoint, would say ok), a failure
 * that leaves part of its group in the log, or one that spoils the
 * groups around it.
 */
static void test_batch_fails_the_group_of_a_failed_command(void)
{
	use_dir("work");
	apply_file(lines_file(WIDGET "}\n"), NULL);
	es_test_expect_status(0);
	es_test_db_exec(events_db,
			"CREATE TRIGGER batch_test_boom BEFORE INSERT ON events"
			" WHEN json_extract(NEW.data, '$.new_stock') = 13"
			" BEGIN SELECT RAISE(ABORT, 'boom'); END");
	apply_file(lines_file(UPDATE_1("1") UPDATE_1("2") UPDATE_1("3")
				      UPDATE_1("4") UPDATE_1("13") UPDATE_1("6")
					      UPDATE_1("7")),
		   "3");
	es_test_expect_status(3);
	es_test_expect_stdout(OK OK OK FAILED("boom") FAILED("boom") OK OK);
	ES_ASSERT_STR_EQ(es_test_last.err, "catalog: line 4: boom\n"
					   "catalog: line 5: boom\n");
	es_test_expect_same_rows(
		"the new stocks in the log",
		es_test_rows_text(events_db,
				  "SELECT id, json_extract(data, '$.new_stock')"
				  " FROM events WHERE event_type ="
				  " 'StockUpdated' ORDER BY id"),
		"2|1\n3|2\n4|3\n5|6\n6|7\n");
	expect_views_as_rebuilt();
}

/* ---- a command id across groups and runs ---------------------------------- */

/*
 * c-1 twice in one group, again in the next group, in a later --batch
 * run and in a plain one: one event, the same answer each time. Guards
 * against a retry that does not see, inside its own group, the answer
 * stored by the command before it, or that is done again in a later
 * group or run.
 */
static void test_batch_does_a_command_id_once(void)
{
	use_dir("work");
	apply_file(lines_file(CREATE_C1 CREATE_C1 VIEW_1 CREATE_C1), "2");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(CREATED("1") CREATED("1") OK CREATED("1"));
	apply_file(lines_file(CREATE_C1), "2");
	es_test_expect_status(0);
	es_test_expect_stdout(CREATED("1"));
	apply_file(lines_file(CREATE_C1), NULL);
	es_test_expect_status(0);
	es_test_expect_stdout(CREATED("1"));
	es_test_expect_same_rows(
		"the log",
		es_test_rows_text(events_db, "SELECT id, event_type FROM events"
					     " ORDER BY id"),
		"1|'ProductCreated'\n2|'ProductViewed'\n");
	es_test_expect_same_rows(
		"command_answers",
		es_test_rows_text(events_db, "SELECT command_id, answer FROM"
					     " command_answers"),
		"'c-1'|'{\"ok\":true,\"product_id\":1}'\n");
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, "SELECT count(*) FROM"
						       " product_list_view"),
			 1);
}

/* ---- usage ---------------------------------------------------------------- */

/*
 * A --batch without a whole N from 1 to 100000, or two files: exit status
 * 2, the usage line, and no file made. Guards against a bad N taken as 0
 * (no batch), as a file name, or cut to what parses.
 */
static void test_batch_refuses_a_bad_n(void)
{
#define NEEDS_N                                                                \
	"catalog: --batch needs N, a whole number of commands from 1 to "      \
	"100000, not "
	static const struct {
		const char *name;
		const char *args[5];
		const char *err;
	} rows[] = {
		{"zero", {"--batch", "0"}, NEEDS_N "'0'\n"},
		{"a word", {"--batch", "x"}, NEEDS_N "'x'\n"},
		{"no N", {"--batch"}, NEEDS_N "''\n"},
		{"a sign", {"--batch", "-3"}, NEEDS_N "'-3'\n"},
		{"digits then more", {"--batch", "3x"}, NEEDS_N "'3x'\n"},
		{"past the most", {"--batch", "100001"}, NEEDS_N "'100001'\n"},
		{"two files",
		 {"--batch", "3", "a.jsonl", "b.jsonl"},
		 "catalog: usage: catalog apply [--batch N] [FILE]\n"},
	};

	use_dir("work");
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *args[7] = {"apply"};

		for (int a = 0; a < 5 && rows[i].args[a] != NULL; a++)
			args[1 + a] = rows[i].args[a];
		es_test_row(rows[i].name, "%s", rows[i].err);
		run_catalog(NULL, args);
		ES_CHECK_STR(rows[i].name, "exit status",
			     es_test_format("%d", es_test_last.status), "2");
		ES_CHECK_STR(rows[i].name, "standard output", es_test_last.out,
			     "");
		ES_CHECK_STR(rows[i].name, "standard error", es_test_last.err,
			     rows[i].err);
		ES_CHECK_STR(rows[i].name, "files made",
			     es_test_exists(events_db) ||
					     es_test_exists(read_db)
				     ? "some"
				     : "none",
			     "none");
	}
#undef NEEDS_N
}

CU_TestInfo catalog_batch_tests[] = {
	{"apply --batch 3 answers, appends and projects as apply does",
	 test_batch_answers_as_apply_does},
	{"apply --batch 1000 answers two lines when its input pauses",
	 test_batch_answers_when_the_input_pauses},
	{"apply --batch 2 commits five commands and catches the views up",
	 test_batch_commits_groups_of_n},
	{"apply --batch answers no line ok while the log is locked",
	 test_batch_answers_no_line_while_the_log_is_locked},
	{"apply --batch fails the group of a command the database fails, "
	 "and only it",
	 test_batch_fails_the_group_of_a_failed_command},
	{"apply --batch does a command id once across groups and runs",
	 test_batch_does_a_command_id_once},
	{"apply --batch refuses an N that is not 1 to 100000, and two files",
	 test_batch_refuses_a_bad_n},
	CU_TEST_INFO_NULL,
};
