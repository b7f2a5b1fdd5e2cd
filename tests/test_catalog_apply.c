/*
 * test_catalog_apply.c - `catalog apply` on a small fixed scenario: its
 * answers, its events and views, a FILE argument, a read model that
 * falls behind or catches up, a log that cannot be read.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_catalog.h"

/* ---- apply --------------------------------------------------------------- */

static void test_apply_scenario(void)
{
	struct es_test_event_row *ev;
	const char *detail;
	const char *list;

	use_dir("work");
	ev = apply_scenario();
	ES_ASSERT_STR_EQ(
		ev[0].data,
		es_test_format("{\"product_id\": 1, \"name\": \"Widget "
			       "Pro\", \"price\": 29.99, \"cost_price\": "
			       "12.0, \"supplier_id\": 1, "
			       "\"supplier_name\": \"Acme Corp\", "
			       "\"stock\": 100, \"occurred_at\": \"%s\", "
			       "\"description\": null}",
			       ev[0].occurred_at));
	ES_ASSERT_STR_EQ(ev[5].data,
			 es_test_format("{\"product_id\": 1, \"occurred_at\": "
					"\"%s\"}",
					ev[5].occurred_at));
	/* A view of product 7, never created, was refused: no event. */
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db,
					      "SELECT count(*) FROM events "
					      "WHERE product_id = 7"),
			 0);
	detail = es_test_format(
		"1|'Widget Pro'|NULL|r%.17g|100|2|'Acme Corp'|'%s'"
		"|'%s'\n2|'Gadget Plus'|'Does 100%% of it_'|r%.17g"
		"|50|0|'Acme Corp'|'%s'|'%s'\n",
		29.99, ev[0].occurred_at, ev[0].occurred_at, 44.99,
		ev[1].occurred_at, ev[3].occurred_at);
	list = es_test_format("1|'Widget Pro'|r%.17g|100|'Acme Corp'\n"
			      "2|'Gadget Plus'|r%.17g|50|'Acme Corp'\n",
			      29.99, 44.99);
	es_test_expect_same_rows("product_detail_view",
				 es_test_rows_text(read_db, detail_sql),
				 detail);
	es_test_expect_same_rows("product_list_view",
				 es_test_rows_text(read_db, list_sql), list);
}

static void test_apply_file_argument(void)
{
	const char *missing;

	use_dir("a");
	CATALOG(NULL, "apply", scenario_file());
	es_test_expect_status(0);
	es_test_expect_stdout(scenario_answers);
	use_dir("b");
	CATALOG(scenario_file(), "apply", "-");
	es_test_expect_status(0);
	es_test_expect_stdout(scenario_answers);
	use_dir("c");
	missing = es_test_file("no-such-file.jsonl");
	CATALOG(NULL, "apply", missing);
	es_test_expect_failure(
		1, es_test_format("catalog: %s: No such file or directory",
				  missing));
	ES_ASSERT_TRUE(!es_test_exists(events_db));
}

static void test_apply_read_model_behind(void)
{
	static const char create[] =
		"{\"type\":\"CreateProduct\",\"name\":\"Widget\",\"price\":2,"
		"\"cost_price\":1,\"supplier_id\":1,\"supplier_name\":\"Acme\","
		"\"stock\":100}\n";
	static const char more[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":5}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":2.5}"
		"\n"
		"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":0}\n";
	static const char refused_line[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,"
		"\"new_stock\":-1}\n";
	static const char accepted_line[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,"
		"\"new_stock\":5}\n";
	const char *path = es_test_file("more.jsonl");

	use_dir("work");
	es_test_write_file(path, create, strlen(create));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	/* From now on the read model refuses to change a product's stock. */
	es_test_db_exec(read_db, "CREATE TRIGGER refuse BEFORE UPDATE ON "
				 "product_list_view BEGIN SELECT RAISE(ABORT, "
				 "'refused by the test'); END;");
	es_test_write_file(path, more, strlen(more));
	CATALOG(path, "apply");
	es_test_expect_status(1);
	es_test_expect_stdout(
		"{\"ok\":true}\n{\"ok\":true}\n{\"ok\":true}\n"
		"{\"ok\":false,\"error\":\"Price must be positive\"}\n");
	es_test_expect_error(
		"catalog: after line 4: the read model stops at event 1 (");
	/* It says why, and what to do. */
	ES_ASSERT_STR_CONTAINS(es_test_last.err, "refused by the test");
	ES_ASSERT_STR_CONTAINS(es_test_last.err, "catalog catch-up");
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT COUNT(*) FROM events"),
		4);
	/* Nothing after the failed event was projected, the event itself
	 * neither (all views change, or none does), and the checkpoint
	 * still says so. */
	es_test_expect_same_rows(
		"product_detail_view",
		es_test_rows_text(read_db, "SELECT stock, view_count, price "
					   "FROM product_detail_view"),
		"100|0|r2\n");
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db,
					      "SELECT last_event_id FROM "
					      "projection_checkpoint"),
			 1);
	/* Once the cause is gone, a refused command catches up with
	 * nothing (it appended nothing); the next accepted one catches up
	 * with everything, its own event included. */
	es_test_db_exec(read_db, "DROP TRIGGER refuse;");
	es_test_write_file(path, refused_line, strlen(refused_line));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_same_rows(
		"product_detail_view after a refused command",
		es_test_rows_text(read_db, "SELECT stock, view_count, price "
					   "FROM product_detail_view"),
		"100|0|r2\n");
	es_test_write_file(path, accepted_line, strlen(accepted_line));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("{\"ok\":true}\n");
	es_test_expect_same_rows(
		"product_detail_view",
		es_test_rows_text(read_db, "SELECT stock, view_count, price "
					   "FROM product_detail_view"),
		"5|1|r2.5\n");
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("");
	es_test_expect_same_rows(
		"product_detail_view",
		es_test_rows_text(read_db, "SELECT stock, view_count, price "
					   "FROM product_detail_view"),
		"5|1|r2.5\n");
}

static void test_apply_corrupted_log(void)
{
	static const char more[] =
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n"
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":5}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n";
	static const char stops[] =
		"catalog: after line 3: the read model stops at event 6: event "
		"7 "
		"(product 1) cannot be decoded: data is not valid JSON; skip "
		"it with 'catalog quarantine 7 --reason TEXT' ('catalog "
		"verify' lists every such row)\n";
	const struct expect failed = {EXPECT_PREFIX, ""};
	const char *path = es_test_file("more.jsonl");
	const char *second;
	char **lines;

	use_dir("work");
	apply_scenario();
	es_test_db_insert_bad_event(events_db, 1, "StockUpdated",
				    "{\"product_id\": 1, ");
	es_test_write_file(path, more, strlen(more));
	CATALOG(path, "apply");
	/*
	 * Line 1's view is appended; line 2 cannot be decided, since
	 * product 1's events cannot be read, and is answered so; line 3, a
	 * view of product 2, is appended. The read model catches up after
	 * the last line (more input was waiting before), and cannot get
	 * past the bad row: it is behind, exit 1.
	 */
	es_test_expect_status(1);
	second = strchr(es_test_last.err, '\n');
	if (strncmp(es_test_last.err, "catalog: line 2: event 7: ", 26) != 0 ||
	    second == NULL || strcmp(second + 1, stops) != 0)
		ES_FATAL("standard error is \"%s\", expected a line starting "
			 "\"catalog: line 2: event 7: \", then \"%s\"",
			 es_test_last.err, stops);
	ES_ASSERT_INT_EQ(es_test_out_lines(&lines), 3);
	ES_ASSERT_STR_EQ(lines[0], "{\"ok\":true}");
	check_answer(2, "the UpdateStock", lines[1], &failed);
	ES_ASSERT_STR_EQ(lines[2], "{\"ok\":true}");
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT COUNT(*) FROM events"),
		9);
}

/*
 * Events that reached the log without reaching this read model: another
 * catalog that projects into a read model of its own, and a program that
 * appends with SQL and projects nothing (the seed's Python code could).
 * The next accepted command here catches up with all of them, once.
 */
static void test_apply_catches_up(void)
{
	static const char others[] =
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":5}\n";
	static const char ours[] =
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n";
	static const char counts_sql[] =
		"SELECT id, stock, view_count FROM product_detail_view "
		"ORDER BY id";
	static const char checkpoint_sql[] =
		"SELECT last_event_id FROM projection_checkpoint";
	const char *path = es_test_file("more.jsonl");
	const char *our_read_db;
	const char *after;

	use_dir("work");
	apply_scenario();
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, checkpoint_sql), 6);
	our_read_db = read_db;
	read_db = es_test_format("%s/elsewhere.db", work);
	es_test_write_file(path, others, strlen(others));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	read_db = our_read_db;
	es_test_db_insert_event(events_db, 2, "ProductViewed",
				"{\"product_id\": 2, \"occurred_at\": "
				"\"2026-11-27T14:32:05.123456+00:00\"}");
	es_test_expect_same_rows("product_detail_view before catching up",
				 es_test_rows_text(read_db, counts_sql),
				 "1|100|2\n2|50|0\n");
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, checkpoint_sql), 6);
	es_test_write_file(path, ours, strlen(ours));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("{\"ok\":true}\n");
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, checkpoint_sql), 11);
	es_test_expect_same_rows("product_detail_view after catching up",
				 es_test_rows_text(read_db, counts_sql),
				 "1|100|4\n2|5|2\n");
	es_test_expect_same_rows(
		"view_count_summary",
		es_test_rows_text(read_db, "SELECT * FROM view_count_summary "
					   "ORDER BY product_id"),
		"1|4\n2|2\n");
	es_test_expect_same_rows(
		"low_stock_alert_view",
		es_test_rows_text(read_db, "SELECT * FROM "
					   "low_stock_alert_view ORDER BY "
					   "product_id"),
		"2|'Gadget Plus'|5\n");
	/* Nothing was counted twice: a replay of the log agrees. */
	after = es_test_format("%s%s", es_test_rows_text(read_db, detail_sql),
			       es_test_rows_text(read_db, list_sql));
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	es_test_expect_same_rows(
		"the views after a rebuild",
		es_test_format("%s%s", es_test_rows_text(read_db, detail_sql),
			       es_test_rows_text(read_db, list_sql)),
		after);
}

/*
 * Writers on one product with a long history: each command costs the same
 * whatever the history (the handler loads from a snapshot) and holds the
 * write lock only for its version check and its append, so none of the
 * processes waits past the busy timeout, and every line is answered ok.
 * Under valgrind (ES_CATALOG_LINES below its default) a history of 300
 * and 10 lines each: enough to check the memory of every path.
 */
#define CONTENTION_PROCESSES 4
#define CONTENTION_HISTORY   30000
#define CONTENTION_LINES     200

static void test_apply_writers_on_a_long_history(void)
{
	static const char create[] =
		"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\","
		"\"price\":29.99,\"cost_price\":12.0,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":100}\n";
	const char *env = getenv("ES_CATALOG_LINES");
	bool small = env != NULL && strtol(env, NULL, 10) < 1500;
	int history = small ? CONTENTION_HISTORY / 100 : CONTENTION_HISTORY;
	int lines = small ? CONTENTION_LINES / 20 : CONTENTION_LINES;
	const char *out[CONTENTION_PROCESSES];
	pid_t pid[CONTENTION_PROCESSES];
	struct es_test_buf want = {0};
	const char *answers;
	const char *path;

	use_dir("work");
	path = es_test_file("create.jsonl");
	es_test_write_file(path, create, strlen(create));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	/* The history, appended with SQL as the seed's Python could. */
	es_test_db_exec(
		events_db,
		es_test_format("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
			       " SELECT i + 1 FROM n WHERE i < %d)"
			       " INSERT INTO events (product_id, event_type,"
			       " data, occurred_at) SELECT 1, 'StockUpdated',"
			       " '{\"product_id\": 1, \"new_stock\": ' ||"
			       " (i %% 500) || ', \"occurred_at\": "
			       "\"2026-11-27T14:32:05.123456+00:00\"}',"
			       " '2026-11-27T14:32:05.123456+00:00' FROM n",
			       history));
	for (int i = 0; i < lines; i++)
		es_test_buf_str(&want, "{\"ok\":true}\n");
	answers = es_test_buf_own(&want);
	for (int p = 0; p < CONTENTION_PROCESSES; p++) {
		struct es_test_buf in = {0};
		const char *in_path = es_test_file(es_test_format("in%d", p));

		for (int i = 0; i < lines; i++)
			es_test_buf_printf(
				&in,
				"{\"type\":\"UpdateStock\","
				"\"product_id\":1,\"new_stock\":%d}\n",
				p * 1000 + i);
		es_test_write_file(in_path, in.s, in.len);
		es_test_buf_own(&in); /* freed with the test */
		out[p] = es_test_file(es_test_format("out%d", p));
		pid[p] = catalog_start(NULL, in_path, out[p], NULL,
				       (const char *const[]){"apply", NULL});
	}
	for (int p = 0; p < CONTENTION_PROCESSES; p++) {
		int status = -1;

		if (pid[p] < 0 || waitpid(pid[p], &status, 0) != pid[p])
			ES_FATAL("process %d: fork or waitpid failed", p);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ES_FAIL("process %d: exit status %d, expected 0", p,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		ES_ASSERT_STR_EQ(es_test_must_slurp(out[p], NULL), answers);
	}
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT count(*) FROM"
							 " events"),
			 1 + history + CONTENTION_PROCESSES * lines);
	/* The views agree with the log: the last stock written is shown. */
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(read_db,
				     "SELECT stock FROM "
				     "product_detail_view WHERE id = 1"),
		es_test_db_query_int(events_db,
				     "SELECT json_extract(data, '$.new_stock')"
				     " FROM events ORDER BY id DESC LIMIT 1"));
}

CU_TestInfo catalog_apply_tests[] = {
	{"four apply processes on one product with 30,000 events answer "
	 "every line ok",
	 test_apply_writers_on_a_long_history},
	{"apply answers each line, stores and projects each event",
	 test_apply_scenario},
	{"apply reads a FILE argument, or standard input for -",
	 test_apply_file_argument},
	{"apply says when the read model falls behind, and exits 1",
	 test_apply_read_model_behind},
	{"apply answers every line when the log cannot be read, and exits 1",
	 test_apply_corrupted_log},
	{"apply catches up with events others appended and never projected",
	 test_apply_catches_up},
	CU_TEST_INFO_NULL,
};
