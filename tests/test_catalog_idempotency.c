/*
 * test_catalog_idempotency.c - `catalog apply` with commands that carry an
 * envelope (step 16): the "done when" (one CreateProduct sent
 * twice, then again in a later run: one event, the same answer three
 * times, and `catalog log` names its actor), a command id used for
 * another command, refusals answered once, bad envelopes, and apply
 * killed between its commit and its answer, then retried.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "test_catalog.h"

/* Widget Pro's create, sent by alice as c-1: the line. */
#define CREATE_C1                                                              \
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99," \
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme "      \
	"Corp\",\"stock\":100,\"description\":null,\"command_id\":\"c-1\","    \
	"\"actor\":\"alice\"}\n"
#define CREATED_1 "{\"ok\":true,\"product_id\":1}\n"
#define OK	  "{\"ok\":true}\n"
#define META(command_id, actor, correlation_id)                                \
	"{\"command_id\":" command_id ",\"actor\":" actor                      \
	",\"correlation_id\":" correlation_id "}"
#define ALICE_C1 META("\"c-1\"", "\"alice\"", "\"c-1\"")

/* The rows of step 16's tables, as text. */
static const char *metadata_rows(void)
{
	return es_test_rows_text(events_db,
				 "SELECT event_id, command_id, actor,"
				 " correlation_id FROM event_metadata"
				 " ORDER BY event_id");
}

static const char *answer_rows(void)
{
	return es_test_rows_text(events_db,
				 "SELECT command_id, answer FROM"
				 " command_answers ORDER BY command_id");
}

/* How many products the read model lists. */
static long long listed(void)
{
	return (long long)es_test_db_query_int(
		read_db, "SELECT count(*) FROM product_list_view");
}

/*
 * The "done when": the same CreateProduct with "command_id":"c-1"
 * and "actor":"alice" twice, and again in a later run, appends one event
 * and answers identically all three times; `catalog log` names alice.
 */
static void test_apply_the_same_create_three_times(void)
{
	struct es_test_event_row *ev;

	use_dir("work");
	apply_lines(CREATE_C1 CREATE_C1, CREATED_1 CREATED_1);
	apply_lines(CREATE_C1, CREATED_1);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 1);
	ES_ASSERT_STR_EQ(ev[0].event_type, "ProductCreated");
	ES_ASSERT_INT_EQ(ev[0].product_id, 1);
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT count(*) FROM"
							 " product_registry"),
			 1);
	es_test_expect_same_rows("event_metadata", metadata_rows(),
				 "1|'c-1'|'alice'|'c-1'\n");
	es_test_expect_same_rows("command_answers", answer_rows(),
				 "'c-1'|'{\"ok\":true,\"product_id\":1}'\n");
	ES_ASSERT_INT_EQ(listed(), 1);
	/* The log names who sent it. */
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(
		"%s\n", log_line_meta(&ev[0], ev[0].data, ALICE_C1)));
	ES_ASSERT_STR_CONTAINS(es_test_last.out, "\"actor\":\"alice\"");
	CATALOG(NULL, "log", "1");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(
		"%s\n", log_line_meta(&ev[0], ev[0].data, ALICE_C1)));
}

/*
 * Lines with and without an envelope in one run: each event's log line
 * carries its command's metadata, or null; the correlation_id is the
 * command_id's when the line gives none.
 */
static void test_log_shows_each_events_metadata(void)
{
	struct es_test_event_row *ev;

	use_dir("work");
	apply_lines(CREATE_C1
		    "{\"type\":\"UpdateStock\",\"product_id\":1,"
		    "\"new_stock\":50}\n"
		    "{\"type\":\"RecordProductView\",\"product_id\":1,"
		    "\"actor\":\"bob\"}\n"
		    "{\"type\":\"ChangePrice\",\"product_id\":1,"
		    "\"new_price\":44.99,\"command_id\":\"c-4\",\"actor\":"
		    "\"carol\",\"correlation_id\":\"visit-7\"}\n"
		    "{\"type\":\"RecordProductView\",\"product_id\":1,"
		    "\"correlation_id\":\"visit-7\"}\n",
		    CREATED_1 OK OK OK OK);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 5);
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(
		"%s\n%s\n%s\n%s\n%s\n",
		log_line_meta(&ev[0], ev[0].data, ALICE_C1),
		log_line(&ev[1], ev[1].data),
		log_line_meta(&ev[2], ev[2].data,
			      META("null", "\"bob\"", "null")),
		log_line_meta(&ev[3], ev[3].data,
			      META("\"c-4\"", "\"carol\"", "\"visit-7\"")),
		log_line_meta(&ev[4], ev[4].data,
			      META("null", "null", "\"visit-7\""))));
	/* Only the lines with a command id have a stored answer. */
	es_test_expect_same_rows("command_answers", answer_rows(),
				 "'c-1'|'{\"ok\":true,\"product_id\":1}'\n"
				 "'c-4'|'{\"ok\":true}'\n");
}

/*
 * A command id used again for another command is refused, with nothing
 * appended; a refusal is answered once and said again, even once the
 * command would be accepted; lines without a command id are done each
 * time.
 */
static void test_apply_answers_each_command_id_once(void)
{
	static const char update_2[] =
		"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":5,"
		"\"command_id\":\"c-2\"}\n";
	static const char not_found[] =
		"{\"ok\":false,\"error\":\"Product 2 not found\"}\n";
	static const char used[] =
		"{\"ok\":false,\"error\":\"command_id 'c-1' was already used "
		"for another command\"}\n";
	static const char gadget[] =
		"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\","
		"\"price\":49.99,\"cost_price\":22.5,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":0}\n";
	struct es_test_buf lines = {0};
	struct es_test_buf answers = {0};
	struct es_test_event_row *ev;

	use_dir("work");
	es_test_buf_str(&lines, CREATE_C1);
	es_test_buf_str(&answers, CREATED_1);
	/* c-1 again, for another command: refused. */
	es_test_buf_str(&lines, "{\"type\":\"UpdateStock\",\"product_id\":1,"
				"\"new_stock\":50,\"command_id\":\"c-1\"}\n");
	es_test_buf_str(&answers, used);
	/* The same create with another stock is another command. */
	es_test_buf_str(&lines,
			"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\","
			"\"price\":29.99,\"cost_price\":12.0,\"supplier_id\":1,"
			"\"supplier_name\":\"Acme Corp\",\"stock\":99,"
			"\"description\":null,\"command_id\":\"c-1\","
			"\"actor\":\"alice\"}\n");
	es_test_buf_str(&answers, used);
	/* Product 2 does not exist yet: refused, and the refusal kept. */
	es_test_buf_str(&lines, update_2);
	es_test_buf_str(&answers, not_found);
	es_test_buf_str(&lines, update_2);
	es_test_buf_str(&answers, not_found);
	apply_lines(es_test_buf_own(&lines), es_test_buf_own(&answers));
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 1);
	/* Product 2 comes to exist; c-2 keeps its answer; c-1 its own. */
	apply_lines(gadget, "{\"ok\":true,\"product_id\":2}\n");
	apply_lines(update_2, not_found);
	apply_lines(CREATE_C1, CREATED_1);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 2);
	es_test_expect_same_rows(
		"command_answers", answer_rows(),
		"'c-1'|'{\"ok\":true,\"product_id\":1}'\n"
		"'c-2'|'{\"ok\":false,\"error\":\"Product 2 not found\"}'\n");
	ES_ASSERT_INT_EQ(listed(), 2);
}

/* A bad envelope is refused with its message, and nothing is appended. */
static void test_apply_refuses_a_bad_envelope(void)
{
	static const struct {
		const char *line;
		const char *error;
	} rows[] = {
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"command_id\":\"\"}\n",
		 "field 'command_id' must be 1 to 64 printable ASCII "
		 "characters"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"command_id\":\"0123456789abcdef0123456789abcdef0123456789"
		 "abcdef0123456789abcdefX\"}\n",
		 "field 'command_id' must be 1 to 64 printable ASCII "
		 "characters"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"command_id\":\"c\\t1\"}\n",
		 "field 'command_id' must be 1 to 64 printable ASCII "
		 "characters"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"actor\":\"0123456789abcdef0123456789abcdef0123456789abcdef"
		 "0123456789abcdefX\"}\n",
		 "field 'actor' must be 1 to 64 characters"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"actor\":7}\n",
		 "field 'actor' must be a string"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"correlation_id\":\"\"}\n",
		 "field 'correlation_id' must be 1 to 64 printable ASCII "
		 "characters"},
	};
	struct es_test_buf lines = {0};
	struct es_test_buf answers = {0};
	struct es_test_event_row *ev;

	use_dir("work");
	apply_lines(CREATE_C1, CREATED_1);
	for (size_t i = 0; i < COUNT(rows); i++) {
		es_test_buf_str(&lines, rows[i].line);
		es_test_buf_printf(&answers,
				   "{\"ok\":false,\"error\":\"%s\"}\n",
				   rows[i].error);
	}
	apply_lines(es_test_buf_own(&lines), es_test_buf_own(&answers));
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 1);
	es_test_expect_same_rows("event_metadata", metadata_rows(),
				 "1|'c-1'|'alice'|'c-1'\n");
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT count(*) FROM"
							 " command_answers"),
			 1);
}

/* ---- killed between the commit and the answer ----------------------------- */

/*
 * Run `catalog apply` on the file `in` with its standard output a pipe
 * whose read end is closed already (catalog_into_a_closed_pipe): its
 * first answer, written after the command's commit, kills it. Returns
 * its wait status.
 */
static int apply_into_a_closed_pipe(const char *in)
{
	static const char *const args[] = {"apply", NULL};

	return catalog_into_a_closed_pipe(in, es_test_file("apply.stderr"),
					  args);
}

/* The run must have died of SIGPIPE, and of nothing else. */
static void expect_sigpipe(int status)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGPIPE)
		ES_FATAL(
			"apply into a closed pipe: %s %d, expected death by "
			"SIGPIPE (%d); standard error: \"%.300s\"",
			WIFSIGNALED(status) ? "died of signal" : "exited",
			WIFSIGNALED(status) ? WTERMSIG(status)
					    : WEXITSTATUS(status),
			SIGPIPE,
			es_test_must_slurp(es_test_file("apply.stderr"), NULL));
}

/*
 * The crash: apply killed after its commit and before its
 * answer. The event is in the log and the client saw nothing; the client
 * sends the line again, twice, and gets the answer it missed, with
 * nothing appended.
 */
static void test_killed_between_commit_and_answer(void)
{
	const char *in;
	struct es_test_event_row *ev;

	use_dir("work");
	in = es_test_file("create.jsonl");
	es_test_write_file(in, CREATE_C1, strlen(CREATE_C1));
	expect_sigpipe(apply_into_a_closed_pipe(in));
	/* Committed: the event, its metadata and its answer. */
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 1);
	ES_ASSERT_STR_EQ(ev[0].event_type, "ProductCreated");
	es_test_expect_same_rows("event_metadata", metadata_rows(),
				 "1|'c-1'|'alice'|'c-1'\n");
	es_test_expect_same_rows("command_answers", answer_rows(),
				 "'c-1'|'{\"ok\":true,\"product_id\":1}'\n");
	/* The retries. */
	CATALOG(in, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(CREATED_1);
	CATALOG(in, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(CREATED_1);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 1);
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT count(*) FROM"
							 " product_registry"),
			 1);
	ES_ASSERT_INT_EQ(listed(), 1);
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(
		"%s\n", log_line_meta(&ev[0], ev[0].data, ALICE_C1)));
}

/* Two commands with their ids, after CREATE_C1 in a file. */
#define MORE                                                                   \
	"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":50,"         \
	"\"command_id\":\"c-2\"}\n"                                            \
	"{\"type\":\"RecordProductView\",\"product_id\":1,"                    \
	"\"command_id\":\"c-3\"}\n"

/*
 * A file of commands, each with its id, killed at its first answer and
 * then sent again whole: the first line is not done twice, the others
 * are done once, and a refusal killed in the window is said again.
 */
static void test_a_killed_file_sent_again_whole(void)
{
	static const char refused[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":-5,"
		"\"command_id\":\"c-0\"}\n";
	static const char negative[] =
		"{\"ok\":false,\"error\":\"Stock cannot be negative\"}\n";
	const char *in;
	struct es_test_event_row *ev;

	use_dir("work");
	in = es_test_file("batch.jsonl");
	es_test_write_file(in, CREATE_C1 MORE, strlen(CREATE_C1 MORE));
	expect_sigpipe(apply_into_a_closed_pipe(in));
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 1);
	apply_lines(CREATE_C1 MORE, CREATED_1 OK OK);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 3);
	apply_lines(CREATE_C1 MORE, CREATED_1 OK OK);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 3);
	/* A refusal killed in the window: stored, and said again. */
	in = es_test_file("refused.jsonl");
	es_test_write_file(in, refused, strlen(refused));
	expect_sigpipe(apply_into_a_closed_pipe(in));
	apply_lines(refused, negative);
	apply_lines(refused, negative);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 3);
	es_test_expect_same_rows(
		"command_answers", answer_rows(),
		"'c-0'|'{\"ok\":false,\"error\":\"Stock cannot be "
		"negative\"}'\n'c-1'|'{\"ok\":true,\"product_id\":1}'\n"
		"'c-2'|'{\"ok\":true}'\n'c-3'|'{\"ok\":true}'\n");
}

CU_TestInfo catalog_idempotency_tests[] = {
	{"apply given the same create with a command_id twice, and again in a "
	 "later run, appends one event and answers the same; log names its "
	 "actor",
	 test_apply_the_same_create_three_times},
	{"log shows each event's command_id, actor and correlation_id, or null",
	 test_log_shows_each_events_metadata},
	{"apply refuses a command_id used for another command, and says a "
	 "refusal again",
	 test_apply_answers_each_command_id_once},
	{"apply refuses a bad command_id, actor or correlation_id and appends "
	 "nothing",
	 test_apply_refuses_a_bad_envelope},
	{"apply killed between its commit and its answer: the retries find "
	 "one event and get the answer",
	 test_killed_between_commit_and_answer},
	{"a file killed at its first answer and sent again whole does each "
	 "command once",
	 test_a_killed_file_sent_again_whole},
	CU_TEST_INFO_NULL,
};
