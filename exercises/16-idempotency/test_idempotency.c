/*
 * test_idempotency.c - step 16: a command handled at most once per command
 * id, and who sent each event. The envelope that step 4's parser reads
 * (commands.h); the answer line; the store's two tables, metadata and
 * answers (event_store.h); and es_handle_once() on a real store: a retry
 * gets the same answer and appends nothing, on the same handle, on
 * another one, and after the store was closed.
 *
 * The handler tests build their commands by hand, envelope and request
 * included, so that they test es_handle_once() whether or not the parser
 * reads the envelope yet. The fixed clock stamps the n-th command a test
 * handles with es_test_timestamp(n).
 *
 * What the tests build and open is kept in file-scope variables that the
 * teardowns dispose of and close, so a failed assertion leaks nothing.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command_handler.h"
#include "commands.h"
#include "decide.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "idempotency.h"
#include "json_text.h" /* the getters' words, which the envelope's are */

/* Strings of a known length: x is one byte, é two, 🎉 four. */
#define X16 "0123456789abcdef"
#define X64 X16 X16 X16 X16
#define E1  "\xc3\xa9"
#define E16 E1 E1 E1 E1 E1 E1 E1 E1 E1 E1 E1 E1 E1 E1 E1 E1
#define E64 E16 E16 E16 E16
#define F1  "\xf0\x9f\x8e\x89"
#define F16 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1 F1
#define F64 F16 F16 F16 F16

/* The messages of the envelope (commands.h). */
#define BAD_COMMAND_ID                                                         \
	"field 'command_id' must be 1 to 64 printable ASCII characters"
#define BAD_ACTOR "field 'actor' must be 1 to 64 characters"
#define BAD_CORRELATION_ID                                                     \
	"field 'correlation_id' must be 1 to 64 printable ASCII characters"

/* The answers (idempotency.h). */
#define USED_C1                                                                \
	"{\"ok\":false,\"error\":\"command_id 'c-1' was already used for "     \
	"another command\"}"

/* What the tests build: disposed by every teardown. */
static struct es_event ev;    /* an event a test makes */
static struct es_event got;   /* what a handler returned */
static struct es_command cmd; /* a parsed command */
static struct es_meta meta;   /* metadata read back */
static char *answer;	      /* an answer made or found */
static char *request;	      /* a request found */

/* What the store tests open: closed by store_teardown(). */
static struct es_test_clock clock_state;
static char path[512];
static struct es_store *store;
static struct es_store *store_b;
static sqlite3 *raw;
static struct es_command_handler handler;
static struct es_command_handler handler_b;
static struct es_test_dump dump; /* dumps are large: fixtures.h */

static void setup(void)
{
	memset(&ev, 0, sizeof(ev));
	memset(&got, 0, sizeof(got));
	memset(&cmd, 0, sizeof(cmd));
	memset(&meta, 0, sizeof(meta));
	answer = NULL;
	request = NULL;
}

static void teardown(void)
{
	es_event_dispose(&ev);
	es_event_dispose(&got);
	es_command_dispose(&cmd);
	free(meta.command_id);
	free(meta.actor);
	free(meta.correlation_id);
	memset(&meta, 0, sizeof(meta));
	free(answer);
	answer = NULL;
	free(request);
	request = NULL;
}

/*
 * A store and a plain connection `raw` to its file. What fails here is
 * written down and its handle left NULL: the test then stops at
 * ES_REQUIRE_SETUP() (harness.h) with that message.
 */
static void store_setup(void)
{
	struct es_error err;
	int rc;

	setup();
	es_error_clear(&err);
	es_test_path(path, sizeof(path), "event_store.db");
	rc = es_store_open(&store, path, ES_STORE_WRITE, &err);
	if (rc != ES_OK) {
		es_test_setup_failed("es_store_open", rc, &err);
		return;
	}
	es_test_setup_open_db(&raw, path, SQLITE_OPEN_READWRITE);
	sqlite3_busy_timeout(raw, ES_STORE_BUSY_TIMEOUT_MS);
	clock_state.next = 0;
	handler.store = store;
	handler.clock = es_test_clock(&clock_state);
	handler_b = handler;
	handler_b.store = NULL;
}

static void store_teardown(void)
{
	teardown();
	es_store_close(store_b);
	store_b = NULL;
	sqlite3_close(raw);
	raw = NULL;
	es_store_close(store);
	store = NULL;
}

/* ---- the envelope -------------------------------------------------------- */

struct envelope_case {
	const char *name;
	const char *line;
	enum es_command_type type;
	const char *command_id; /* what the parser reads: NULL when absent */
	const char *actor;
	const char *correlation_id;
	const char *request;
};

#define VIEW_1 "{\"type\":\"RecordProductView\",\"product_id\":1}"

static const struct envelope_case envelopes[] = {
	{"all three, after the command's own fields",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"command_id\":"
	 "\"c-1\",\"actor\":\"alice\",\"correlation_id\":\"visit-7\"}",
	 ES_RECORD_PRODUCT_VIEW, "c-1", "alice", "visit-7", VIEW_1},
	{"all three, before the type",
	 "{\"correlation_id\":\"visit-7\",\"actor\":\"alice\",\"command_id\":"
	 "\"c-1\",\"type\":\"RecordProductView\",\"product_id\":1}",
	 ES_RECORD_PRODUCT_VIEW, "c-1", "alice", "visit-7", VIEW_1},
	{"between the command's fields",
	 "{\"type\":\"UpdateStock\",\"actor\":\"alice\",\"product_id\":2,"
	 "\"command_id\":\"c-2\",\"new_stock\":50}",
	 ES_UPDATE_STOCK, "c-2", "alice", "c-2",
	 "{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":50}"},
	{"a command_id alone: the correlation_id is a copy of it",
	 "{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":50,"
	 "\"command_id\":\"c-2\"}",
	 ES_UPDATE_STOCK, "c-2", NULL, "c-2",
	 "{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":50}"},
	{"an actor alone: no id, no correlation",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"actor\":\"bob\"}",
	 ES_RECORD_PRODUCT_VIEW, NULL, "bob", NULL, VIEW_1},
	{"a correlation_id alone",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,"
	 "\"correlation_id\":\"visit-7\"}",
	 ES_RECORD_PRODUCT_VIEW, NULL, NULL, "visit-7", VIEW_1},
	{"no envelope: the request is the command, without its spaces",
	 "{ \"type\" : \"ChangePrice\", \"product_id\" : 2, \"new_price\" : "
	 "44.99 }",
	 ES_CHANGE_PRICE, NULL, NULL, NULL,
	 "{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":44.99}"},
	/* cJSON_PrintUnformatted() writes 12.0 as 12: the request is its
	 * text, whatever the line said. */
	{"a CreateProduct: every field of its own stays in the request",
	 "{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99,"
	 "\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme "
	 "Corp\",\"stock\":100,\"description\":null,\"command_id\":\"c-1\","
	 "\"actor\":\"alice\"}",
	 ES_CREATE_PRODUCT, "c-1", "alice", "c-1",
	 "{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99,"
	 "\"cost_price\":12,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	 "\"stock\":100,\"description\":null}"},
	{"a CorrectStock",
	 "{\"type\":\"CorrectStock\",\"product_id\":2,\"corrects_event_id\":3,"
	 "\"new_stock\":45,\"reason\":\"counted twice\",\"command_id\":\"c-3\","
	 "\"actor\":\"alice\",\"correlation_id\":\"count-9\"}",
	 ES_CORRECT_STOCK, "c-3", "alice", "count-9",
	 "{\"type\":\"CorrectStock\",\"product_id\":2,\"corrects_event_id\":3,"
	 "\"new_stock\":45,\"reason\":\"counted twice\"}"},
	{"a command_id of 64 characters",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"command_id\":"
	 "\"" X64 "\"}",
	 ES_RECORD_PRODUCT_VIEW, X64, NULL, X64, VIEW_1},
	{"ids of one character, printable ASCII's first and last",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"command_id\":"
	 "\" \",\"correlation_id\":\"~\"}",
	 ES_RECORD_PRODUCT_VIEW, " ", NULL, "~", VIEW_1},
	{"a command_id with a quote and a backslash, escaped in JSON",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"command_id\":"
	 "\"say \\\"hi\\\" \\\\o/\"}",
	 ES_RECORD_PRODUCT_VIEW, "say \"hi\" \\o/", NULL, "say \"hi\" \\o/",
	 VIEW_1},
	{"an actor of 64 characters",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"actor\":"
	 "\"" X64 "\"}",
	 ES_RECORD_PRODUCT_VIEW, NULL, X64, NULL, VIEW_1},
	{"an actor of 64 two-byte characters (128 bytes)",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"actor\":"
	 "\"" E64 "\"}",
	 ES_RECORD_PRODUCT_VIEW, NULL, E64, NULL, VIEW_1},
	{"an actor of 64 four-byte characters (256 bytes)",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"actor\":"
	 "\"" F64 "\"}",
	 ES_RECORD_PRODUCT_VIEW, NULL, F64, NULL, VIEW_1},
	{"an actor of one character, a space",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,\"actor\":\" \"}",
	 ES_RECORD_PRODUCT_VIEW, NULL, " ", NULL, VIEW_1},
};

static void test_envelope_is_read(void)
{
	for (size_t i = 0; i < sizeof(envelopes) / sizeof(envelopes[0]); i++) {
		const struct envelope_case *row = &envelopes[i];
		struct es_error err = {0, ""};
		int rc;

		es_test_row(row->name, "%s", row->line);
		es_command_dispose(&cmd);
		rc = es_command_parse(&cmd, row->line, &err);
		ES_CHECK_CODE(row->name, rc, ES_OK, &err);
		if (cmd.type != row->type)
			ES_FAIL("%s: parsed as a %s, expected a %s", row->name,
				es_command_type_name(cmd.type),
				es_command_type_name(row->type));
		if (row->command_id != NULL || cmd.meta.command_id != NULL)
			ES_CHECK_STR(row->name, "meta.command_id",
				     cmd.meta.command_id, row->command_id);
		if (row->actor != NULL || cmd.meta.actor != NULL)
			ES_CHECK_STR(row->name, "meta.actor", cmd.meta.actor,
				     row->actor);
		if (row->correlation_id != NULL ||
		    cmd.meta.correlation_id != NULL)
			ES_CHECK_STR(row->name, "meta.correlation_id",
				     cmd.meta.correlation_id,
				     row->correlation_id);
		ES_CHECK_STR(row->name, "request", cmd.request, row->request);
	}
}

static void test_envelope_leaves_the_command_as_it_was(void)
{
	struct es_error err = {0, ""};

	ES_ASSERT_OK(
		es_command_parse(&cmd,
				 "{\"type\":\"UpdateStock\",\"command_id\":"
				 "\"c-1\",\"product_id\":2,\"actor\":"
				 "\"alice\",\"new_stock\":50}",
				 &err),
		&err);
	ES_ASSERT_INT_EQ(cmd.type, ES_UPDATE_STOCK);
	ES_ASSERT_INT_EQ(cmd.update_stock.product_id, 2);
	ES_ASSERT_INT_EQ(cmd.update_stock.new_stock, 50);
	/* The default correlation_id is a copy, freed on its own. */
	ES_ASSERT_STR_EQ(cmd.meta.command_id, "c-1");
	ES_ASSERT_STR_EQ(cmd.meta.correlation_id, "c-1");
	ES_ASSERT_TRUE(cmd.meta.correlation_id != cmd.meta.command_id);
	es_command_dispose(&cmd); /* valgrind sees all five freed */
	ES_ASSERT_STR_EQ(cmd.meta.command_id, NULL);
	ES_ASSERT_STR_EQ(cmd.meta.actor, NULL);
	ES_ASSERT_STR_EQ(cmd.meta.correlation_id, NULL);
	ES_ASSERT_STR_EQ(cmd.request, NULL);
	/* A CreateProduct with an envelope has all its strings too. */
	ES_ASSERT_OK(es_command_parse(
			     &cmd,
			     "{\"type\":\"CreateProduct\",\"name\":\"Widget "
			     "Pro\",\"price\":29.99,\"cost_price\":12.0,"
			     "\"supplier_id\":1,\"supplier_name\":\"Acme "
			     "Corp\",\"stock\":100,\"description\":\"A "
			     "fine widget\",\"actor\":\"alice\"}",
			     &err),
		     &err);
	ES_ASSERT_STR_EQ(cmd.create.name, "Widget Pro");
	ES_ASSERT_DOUBLE_EQ(cmd.create.price, 29.99);
	ES_ASSERT_INT_EQ(cmd.create.stock, 100);
	ES_ASSERT_STR_EQ(cmd.create.description, "A fine widget");
	ES_ASSERT_STR_EQ(cmd.meta.actor, "alice");
	ES_ASSERT_STR_EQ(cmd.meta.command_id, NULL);
	ES_ASSERT_STR_EQ(cmd.meta.correlation_id, NULL);
}

struct bad_case {
	const char *name;
	const char *line;
	const char *message; /* each is ES_EINVAL */
};

#define VIEW_WITH(fields)                                                      \
	"{\"type\":\"RecordProductView\",\"product_id\":1," fields "}"

static const struct bad_case bad_envelopes[] = {
	{"an empty command_id", VIEW_WITH("\"command_id\":\"\""),
	 BAD_COMMAND_ID},
	{"a command_id of 65 characters",
	 VIEW_WITH("\"command_id\":\"" X64 "x\""), BAD_COMMAND_ID},
	{"a command_id with a tab", VIEW_WITH("\"command_id\":\"c\\t1\""),
	 BAD_COMMAND_ID},
	{"a command_id with a newline", VIEW_WITH("\"command_id\":\"c-1\\n\""),
	 BAD_COMMAND_ID},
	{"a command_id with DEL", VIEW_WITH("\"command_id\":\"c\\u007f1\""),
	 BAD_COMMAND_ID},
	{"a command_id that is not ASCII",
	 VIEW_WITH("\"command_id\":\"caf" E1 "\""), BAD_COMMAND_ID},
	{"a command_id of 64 two-byte characters",
	 VIEW_WITH("\"command_id\":\"" E64 "\""), BAD_COMMAND_ID},
	{"a command_id that is a number", VIEW_WITH("\"command_id\":7"),
	 "field 'command_id' must be a string"},
	{"a command_id that is null", VIEW_WITH("\"command_id\":null"),
	 "field 'command_id' must be a string"},
	{"an empty actor", VIEW_WITH("\"actor\":\"\""), BAD_ACTOR},
	{"an actor of 65 characters", VIEW_WITH("\"actor\":\"" X64 "x\""),
	 BAD_ACTOR},
	{"an actor of 65 two-byte characters",
	 VIEW_WITH("\"actor\":\"" E64 E1 "\""), BAD_ACTOR},
	{"an actor that is true", VIEW_WITH("\"actor\":true"),
	 "field 'actor' must be a string"},
	{"an actor that is an object", VIEW_WITH("\"actor\":{\"id\":1}"),
	 "field 'actor' must be a string"},
	{"an actor that is not UTF-8", VIEW_WITH("\"actor\":\"al\xffice\""),
	 "field 'actor' is not valid UTF-8"},
	{"an empty correlation_id", VIEW_WITH("\"correlation_id\":\"\""),
	 BAD_CORRELATION_ID},
	{"a correlation_id of 65 characters",
	 VIEW_WITH("\"correlation_id\":\"" X64 "x\""), BAD_CORRELATION_ID},
	{"a correlation_id that is not ASCII",
	 VIEW_WITH("\"correlation_id\":\"" E1 "\""), BAD_CORRELATION_ID},
	{"a correlation_id that is a number", VIEW_WITH("\"correlation_id\":1"),
	 "field 'correlation_id' must be a string"},
	{"a good command_id and a bad actor: nothing kept",
	 VIEW_WITH("\"command_id\":\"c-1\",\"actor\":\"\""), BAD_ACTOR},
	{"a good command_id and actor, a bad correlation_id",
	 VIEW_WITH("\"command_id\":\"c-1\",\"actor\":\"alice\","
		   "\"correlation_id\":\"\""),
	 BAD_CORRELATION_ID},
	/* A field given twice: cJSON keeps both, Python the last. */
	{"a command_id given twice",
	 VIEW_WITH("\"command_id\":\"c-1\",\"command_id\":\"c-2\""),
	 "duplicate field 'command_id'"},
	{"an actor given twice, the same both times",
	 VIEW_WITH("\"actor\":\"alice\",\"actor\":\"alice\""),
	 "duplicate field 'actor'"},
	{"a correlation_id given twice",
	 VIEW_WITH("\"correlation_id\":\"v-1\",\"command_id\":\"c-1\","
		   "\"correlation_id\":\"v-2\""),
	 "duplicate field 'correlation_id'"},
	/* The envelope is read before the command's own fields. */
	{"a bad command_id on a command that misses a field",
	 "{\"type\":\"UpdateStock\",\"product_id\":2,\"command_id\":\"\"}",
	 BAD_COMMAND_ID},
	/* The command's own errors are as they were, prefixed. */
	{"an unknown field beside a good envelope",
	 "{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99,"
	 "\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme "
	 "Corp\",\"stock\":100,\"colour\":\"red\",\"command_id\":\"c-1\","
	 "\"actor\":\"alice\"}",
	 "CreateProduct: unknown field 'colour'"},
	{"a missing field beside a good envelope",
	 "{\"type\":\"UpdateStock\",\"product_id\":2,\"command_id\":\"c-1\"}",
	 "UpdateStock: missing field 'new_stock'"},
};

static void test_bad_envelopes(void)
{
	size_t n = sizeof(bad_envelopes) / sizeof(bad_envelopes[0]);

	for (size_t i = 0; i < n; i++) {
		const struct bad_case *row = &bad_envelopes[i];
		struct es_error err = {0, ""};
		int rc;

		es_test_row(row->name, "%s", row->line);
		rc = es_command_parse(&cmd, row->line, &err);
		ES_CHECK_CODE(row->name, rc, ES_EINVAL, &err);
		ES_CHECK_STR(row->name, "the message", err.msg, row->message);
		/* On failure the command owns nothing: valgrind checks. */
		if (cmd.meta.command_id != NULL || cmd.meta.actor != NULL ||
		    cmd.meta.correlation_id != NULL || cmd.request != NULL)
			ES_FAIL("%s: refused, yet the command kept its "
				"envelope or request",
				row->name);
		es_command_dispose(&cmd);
	}
}

/*
 * The envelope's fields are named exactly, as every field is: "actor" is
 * the envelope's, "Actor" or "COMMAND_ID" a field the command does not
 * have.
 * (cJSON_GetObjectItem() and cJSON_HasObjectItem() ignore case; the
 * getters of json_text.h do not.)
 */
static void test_envelope_names_are_exact(void)
{
	static const char *const lines[] = {
		VIEW_WITH("\"Actor\":\"alice\""),
		VIEW_WITH("\"COMMAND_ID\":\"c-1\""),
		VIEW_WITH("\"Correlation_Id\":\"c-1\""),
	};
	static const char *const fields[] = {
		"unknown field 'Actor'",
		"unknown field 'COMMAND_ID'",
		"unknown field 'Correlation_Id'",
	};
	struct es_error err = {0, ""};

	ES_ASSERT_OK(
		es_command_parse(&cmd, VIEW_WITH("\"actor\":\"alice\""), &err),
		&err);
	ES_ASSERT_STR_EQ(cmd.meta.actor, "alice");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		es_test_row(fields[i], "%s", lines[i]);
		es_command_dispose(&cmd);
		ES_CHECK_CODE(fields[i], es_command_parse(&cmd, lines[i], &err),
			      ES_EINVAL, &err);
		if (strstr(err.msg, fields[i]) == NULL)
			ES_FAIL("%s: the message is \"%s\"", fields[i],
				err.msg);
	}
	/* Beside the real one, the other is still the command's. */
	es_command_dispose(&cmd);
	ES_ASSERT_CODE(es_command_parse(&cmd,
					VIEW_WITH("\"ACTOR\":\"mallory\","
						  "\"actor\":\"alice\""),
					&err),
		       ES_EINVAL, &err);
	ES_ASSERT_STR_CONTAINS(err.msg, "unknown field 'ACTOR'");
}

/*
 * The same lines parse without their envelope's fault: so each refusal
 * above is the envelope's, not the line's.
 */
static void test_good_lines_around_the_bad_envelopes(void)
{
	static const char *const good[] = {
		VIEW_WITH("\"command_id\":\"c-1\""),
		VIEW_WITH("\"actor\":\"alice\""),
		VIEW_WITH("\"correlation_id\":\"c-1\""),
		("{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":50,"
		 "\"command_id\":\"c-1\",\"actor\":\"alice\"}"),
	};
	struct es_error err = {0, ""};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		es_test_row("a good line", "%s", good[i]);
		es_command_dispose(&cmd);
		ES_CHECK_CODE("a good line",
			      es_command_parse(&cmd, good[i], &err), ES_OK,
			      &err);
	}
	ES_ASSERT_STR_EQ(cmd.meta.actor, "alice");
}

/* ---- the answer line ----------------------------------------------------- */

static void format_ok(int rc, const struct es_event *e, const char *message)
{
	struct es_error err = {0, ""};

	free(answer);
	answer = NULL;
	ES_ASSERT_OK(es_answer_format(&answer, rc, e, message, &err), &err);
}
#define format_ok(rc, e, message) ES_CALLED(format_ok(rc, e, message))

static void test_answer_of_a_create(void)
{
	struct es_product_created fields = es_test_widget_fields();
	struct es_error err = {0, ""};

	ES_ASSERT_OK(es_event_product_created(&ev, 7, &fields,
					      "2026-11-27T14:32:05+00:00",
					      &err),
		     &err);
	ev.id = 12;
	format_ok(ES_OK, &ev, NULL);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true,\"product_id\":7}");
	/* The largest id JSON carries exactly, written as an integer. */
	ev.product_id = INT64_C(9007199254740991);
	format_ok(ES_OK, &ev, NULL);
	ES_ASSERT_STR_EQ(answer,
			 "{\"ok\":true,\"product_id\":9007199254740991}");
}

static void test_answer_of_other_events(void)
{
	es_test_stock_updated(&ev, 2, 50, 0);
	format_ok(ES_OK, &ev, NULL);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true}");
	es_test_price_changed(&ev, 2, 44.99, 1);
	format_ok(ES_OK, &ev, NULL);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true}");
	es_test_product_viewed(&ev, 2, 2);
	format_ok(ES_OK, &ev, NULL);
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true}");
}

static void test_answer_of_a_refusal(void)
{
	struct es_product_created fields = es_test_widget_fields();
	struct es_error err = {0, ""};

	format_ok(ES_EINVAL, NULL, "Stock cannot be negative");
	ES_ASSERT_STR_EQ(
		answer,
		"{\"ok\":false,\"error\":\"Stock cannot be negative\"}");
	format_ok(ES_ENOTFOUND, NULL, "Product 7 not found");
	ES_ASSERT_STR_EQ(answer,
			 "{\"ok\":false,\"error\":\"Product 7 not found\"}");
	/* Any code but ES_OK is a refusal, an event or not: no id. */
	ES_ASSERT_OK(es_event_product_created(&ev, 7, &fields,
					      "2026-11-27T14:32:05+00:00",
					      &err),
		     &err);
	format_ok(ES_EINVAL, &ev, "Name cannot be empty");
	ES_ASSERT_STR_EQ(answer,
			 "{\"ok\":false,\"error\":\"Name cannot be empty\"}");
	/* The message is escaped as JSON; UTF-8 stays as it is. */
	format_ok(ES_EINVAL, NULL, "say \"hi\"\\\tto Zo\xc3\xab\n");
	ES_ASSERT_STR_EQ(answer, "{\"ok\":false,\"error\":\"say \\\"hi\\\"\\\\"
				 "\\tto Zo\xc3\xab\\n\"}");
}

/* ---- the store's two tables ---------------------------------------------- */

#define META_ROWS                                                              \
	"SELECT event_id, command_id, actor, correlation_id"                   \
	" FROM event_metadata ORDER BY event_id"
#define ANSWER_ROWS                                                            \
	"SELECT command_id, request, answer FROM command_answers"              \
	" ORDER BY command_id"

static int64_t count_rows(const char *table)
{
	char sql[128];

	ES_REQUIRE_SETUP();
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return es_test_query_int(raw, sql);
}
#define count_rows(table) ES_CALLED_INT(count_rows(table))

/* Append events 1..n, views of product 1, with step 2's append. */
static void append_views(int n)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	for (int i = 0; i < n; i++) {
		es_event_dispose(&ev);
		es_test_product_viewed(&ev, 1, i);
		ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	}
	es_event_dispose(&ev);
}
#define append_views(n) ES_CALLED(append_views(n))

static void save_meta_ok(int64_t event_id, const char *command_id,
			 const char *actor, const char *correlation_id)
{
	struct es_meta m = {(char *)command_id, (char *)actor,
			    (char *)correlation_id};
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_save_metadata(store, event_id, &m, &err), &err);
}
#define save_meta_ok(event_id, command_id, actor, correlation_id)              \
	ES_CALLED(save_meta_ok(event_id, command_id, actor, correlation_id))

/* Read event `event_id`'s metadata into `meta`. */
static void load_meta_ok(int64_t event_id)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	es_meta_dispose(&meta);
	ES_ASSERT_OK(es_store_load_metadata(&meta, store, event_id, &err),
		     &err);
}
#define load_meta_ok(event_id) ES_CALLED(load_meta_ok(event_id))

/* An actor of three bytes, two and four: 5 characters, 9 bytes. */
#define ZOE "Zo\xc3\xab " F1

static void test_metadata_saved_and_loaded(void)
{
	struct es_meta m = {"c-1", "alice", "c-1"};
	struct es_error err = {0, ""};

	append_views(4);
	save_meta_ok(1, "c-1", "alice", "c-1");
	save_meta_ok(2, NULL, "bob", NULL);
	save_meta_ok(4, "c-4", ZOE, "visit-7");
	/* Committed: the plain connection sees the rows. */
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "1|'c-1'|'alice'|'c-1'\n"
		       "2|NULL|'bob'|NULL\n"
		       "4|'c-4'|'" ZOE "'|'visit-7'\n");
	load_meta_ok(1);
	ES_ASSERT_STR_EQ(meta.command_id, "c-1");
	ES_ASSERT_STR_EQ(meta.actor, "alice");
	ES_ASSERT_STR_EQ(meta.correlation_id, "c-1");
	load_meta_ok(2);
	ES_ASSERT_STR_EQ(meta.command_id, NULL);
	ES_ASSERT_STR_EQ(meta.actor, "bob");
	ES_ASSERT_STR_EQ(meta.correlation_id, NULL);
	load_meta_ok(4);
	ES_ASSERT_STR_EQ(meta.actor, ZOE);
	/* An event without a row, and no event at all: all NULL, ES_OK. */
	load_meta_ok(3);
	ES_ASSERT_STR_EQ(meta.command_id, NULL);
	ES_ASSERT_STR_EQ(meta.actor, NULL);
	ES_ASSERT_STR_EQ(meta.correlation_id, NULL);
	load_meta_ok(99);
	ES_ASSERT_STR_EQ(meta.actor, NULL);
	/* A second row for one event is refused; the first stays. */
	m.actor = "mallory";
	ES_ASSERT_CODE(es_store_save_metadata(store, 1, &m, &err), ES_EDB,
		       &err);
	load_meta_ok(1);
	ES_ASSERT_STR_EQ(meta.actor, "alice");
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 3);
}

/*
 * Write at `seed_log` a log as the seed's Python writes it: its two
 * tables, none of step 16's, and one ProductViewed.
 */
static void write_seed_log(const char *seed_log)
{
	sqlite3 *seed = NULL;
	int rc;

	rc = sqlite3_open(seed_log, &seed);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(seed,
				  "CREATE TABLE events (id INTEGER PRIMARY KEY"
				  " AUTOINCREMENT, product_id INTEGER NOT NULL,"
				  " event_type TEXT NOT NULL, data TEXT NOT"
				  " NULL, occurred_at TEXT NOT NULL);"
				  "CREATE TABLE product_registry (id INTEGER"
				  " PRIMARY KEY AUTOINCREMENT);"
				  "INSERT INTO events (product_id, event_type,"
				  " data, occurred_at) VALUES (1,"
				  " 'ProductViewed', '{\"product_id\": 1,"
				  " \"occurred_at\": \"2026-11-27T14:32:05"
				  "+00:00\"}', '2026-11-27T14:32:05+00:00')",
				  NULL, NULL, NULL);
	sqlite3_close(seed);
	if (rc != SQLITE_OK)
		ES_FAIL("cannot write the seed's log: %s", sqlite3_errstr(rc));
}
#define write_seed_log(seed_log) ES_CALLED(write_seed_log(seed_log))

/*
 * A log the seed's Python wrote has its two tables and no event_metadata
 * (event_store.h): opened read-only, as `catalog log` opens it, nothing
 * creates the table, and every event reads as one without metadata.
 */
static void test_metadata_of_a_log_the_seed_wrote(void)
{
	char seed_log[512];
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	es_test_path(seed_log, sizeof(seed_log), "seed.db");
	write_seed_log(seed_log);
	ES_ASSERT_OK(es_store_open(&store_b, seed_log, ES_STORE_READONLY, &err),
		     &err);
	es_meta_dispose(&meta);
	ES_ASSERT_OK(es_store_load_metadata(&meta, store_b, 1, &err), &err);
	ES_ASSERT_STR_EQ(meta.command_id, NULL);
	ES_ASSERT_STR_EQ(meta.actor, NULL);
	ES_ASSERT_STR_EQ(meta.correlation_id, NULL);
}

static void test_meta_dispose(void)
{
	meta.command_id = strdup("c-1");
	meta.actor = strdup("alice");
	meta.correlation_id = NULL;
	if (meta.command_id == NULL || meta.actor == NULL)
		ES_FAIL("out of memory");
	es_meta_dispose(&meta); /* valgrind sees both freed */
	ES_ASSERT_STR_EQ(meta.command_id, NULL);
	ES_ASSERT_STR_EQ(meta.actor, NULL);
	ES_ASSERT_STR_EQ(meta.correlation_id, NULL);
	es_meta_dispose(&meta); /* twice is harmless */
	es_meta_dispose(NULL);
}

#define CREATE_REQUEST                                                         \
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99," \
	"\"cost_price\":12,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\"," \
	"\"stock\":100,\"description\":\"A fine widget\"}"
#define CREATED_1 "{\"ok\":true,\"product_id\":1}"

static void find_answer_ok(const char *command_id)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	free(request);
	free(answer);
	ES_ASSERT_OK(es_store_find_answer(&request, &answer, store, command_id,
					  &err),
		     &err);
}
#define find_answer_ok(command_id) ES_CALLED(find_answer_ok(command_id))

/* Something to tell "left as it was" from NULL: never freed. */
static char not_set[] = "not set";

/* Keep `s` for the teardown to free, unless it is `not_set`. */
static char *kept(char *s)
{
	return s == not_set ? NULL : s;
}

static void expect_no_answer(const char *command_id)
{
	char *req = not_set;
	char *ans = not_set;
	struct es_error err = {0, ""};
	int rc;

	ES_REQUIRE_SETUP();
	rc = es_store_find_answer(&req, &ans, store, command_id, &err);
	free(request);
	free(answer);
	request = kept(req);
	answer = kept(ans);
	if (rc != ES_ENOTFOUND)
		ES_FAIL("es_store_find_answer(\"%s\") returned %s (\"%s\"), "
			"expected ES_ENOTFOUND",
			command_id, es_code_name(rc), err.msg);
	if (req == not_set || ans == not_set)
		ES_FAIL("es_store_find_answer(\"%s\") left *request or *answer "
			"as it was, expected both NULL",
			command_id);
	ES_ASSERT_STR_EQ(request, NULL);
	ES_ASSERT_STR_EQ(answer, NULL);
}
#define expect_no_answer(command_id) ES_CALLED(expect_no_answer(command_id))

static void test_answer_saved_and_found(void)
{
	struct es_error err = {0, ""};

	expect_no_answer("c-1");
	ES_ASSERT_OK(es_store_save_answer(store, "c-1", CREATE_REQUEST,
					  CREATED_1, &err),
		     &err);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, ANSWER_ROWS),
		       "'c-1'|'" CREATE_REQUEST "'|'" CREATED_1 "'\n");
	find_answer_ok("c-1");
	ES_ASSERT_STR_EQ(request, CREATE_REQUEST);
	ES_ASSERT_STR_EQ(answer, CREATED_1);
	/* Ids are compared exactly. */
	expect_no_answer("c-2");
	expect_no_answer("C-1");
	expect_no_answer("c-1 ");
	/* One answer an id: a second is refused, the first stays. */
	ES_ASSERT_CODE(es_store_save_answer(store, "c-1", VIEW_1,
					    "{\"ok\":true}", &err),
		       ES_EDB, &err);
	find_answer_ok("c-1");
	ES_ASSERT_STR_EQ(request, CREATE_REQUEST);
	ES_ASSERT_STR_EQ(answer, CREATED_1);
	/* A refusal is an answer like any other. */
	ES_ASSERT_OK(es_store_save_answer(store, "c-2", VIEW_1,
					  "{\"ok\":false,\"error\":\"Product 1 "
					  "not found\"}",
					  &err),
		     &err);
	find_answer_ok("c-2");
	ES_ASSERT_STR_EQ(request, VIEW_1);
	ES_ASSERT_STR_EQ(answer,
			 "{\"ok\":false,\"error\":\"Product 1 not found\"}");
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 2);
}

static void test_writes_join_the_callers_transaction(void)
{
	struct es_meta m = {"c-1", "alice", "c-1"};
	struct es_error err = {0, ""};

	append_views(2);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_store_save_metadata(store, 1, &m, &err), &err);
	ES_ASSERT_OK(es_store_save_answer(store, "c-1", VIEW_1, "{\"ok\":true}",
					  &err),
		     &err);
	es_store_rollback(store);
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 0);
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 0);
	expect_no_answer("c-1");
	/* Committed with the transaction, not before. */
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_store_save_metadata(store, 2, &m, &err), &err);
	ES_ASSERT_OK(es_store_save_answer(store, "c-1", VIEW_1, "{\"ok\":true}",
					  &err),
		     &err);
	find_answer_ok("c-1"); /* this connection sees its own writes */
	ES_ASSERT_STR_EQ(answer, "{\"ok\":true}");
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 0);
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "2|'c-1'|'alice'|'c-1'\n");
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 1);
}

/* Run `sql` on the plain connection: SQLite must refuse it. */
static void expect_refused(const char *sql)
{
	char *msg = NULL;
	int rc;

	ES_REQUIRE_SETUP();
	rc = sqlite3_exec(raw, sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	if (rc != SQLITE_CONSTRAINT)
		ES_FAIL("%s: SQLite returned %d (%s), expected "
			"SQLITE_CONSTRAINT (a trigger's RAISE(ABORT))",
			sql, rc, sqlite3_errstr(rc));
}
#define expect_refused(sql) ES_CALLED(expect_refused(sql))

static void test_tables_are_append_only(void)
{
	struct es_error err = {0, ""};

	append_views(1);
	save_meta_ok(1, "c-1", "alice", "c-1");
	ES_ASSERT_OK(es_store_save_answer(store, "c-1", VIEW_1, "{\"ok\":true}",
					  &err),
		     &err);
	expect_refused("UPDATE event_metadata SET actor = 'mallory'");
	expect_refused("DELETE FROM event_metadata");
	expect_refused("UPDATE command_answers SET answer = '{\"ok\":false}'");
	expect_refused("DELETE FROM command_answers");
	/* INSERT OR REPLACE deletes the old row without a DELETE trigger. */
	expect_refused("INSERT OR REPLACE INTO event_metadata (event_id,"
		       " command_id, actor, correlation_id) VALUES (1, 'c-1',"
		       " 'mallory', 'c-1')");
	expect_refused(
		"INSERT OR REPLACE INTO command_answers (command_id,"
		" request, answer) VALUES ('c-1', '{}', '{\"ok\":false}')");
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "1|'c-1'|'alice'|'c-1'\n");
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, ANSWER_ROWS),
		       "'c-1'|'" VIEW_1 "'|'{\"ok\":true}'\n");
}

/* ---- once per command id ------------------------------------------------- */

/*
 * A command built by hand with its envelope and its request, as the
 * parser would give them. The strings are static: never dispose it.
 */
static struct es_command enveloped(struct es_command c, const char *command_id,
				   const char *actor,
				   const char *correlation_id, const char *req)
{
	c.meta.command_id = (char *)command_id;
	c.meta.actor = (char *)actor;
	c.meta.correlation_id = (char *)correlation_id;
	c.request = (char *)req;
	return c;
}

#define UPDATE_REQUEST(id, stock)                                              \
	"{\"type\":\"UpdateStock\",\"product_id\":" #id                        \
	",\"new_stock\":" #stock "}"
#define GADGET_REQUEST                                                         \
	"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\",\"price\":"      \
	"49.99,\"cost_price\":12,\"supplier_id\":1,\"supplier_name\":\"Acme "  \
	"Corp\",\"stock\":0,\"description\":null}"

/* Widget Pro's create, sent by alice as c-1. */
static struct es_command widget_c1(void)
{
	return enveloped(es_test_cmd_widget(), "c-1", "alice", "c-1",
			 CREATE_REQUEST);
}

/* Handle `c` once with `h`: ES_OK; the answer in `answer`, returned. */
static const char *once_with(struct es_command_handler *h, struct es_command c)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	free(answer);
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle_once(&answer, &got, h, &c, &err), &err);
	if (answer == NULL)
		ES_FAIL("es_handle_once returned ES_OK and no answer");
	return answer;
}
#define once_with(h, c) ES_CALLED_PTR(once_with(h, c))
#define once(c)		once_with(&handler, c)

/* Handle `c` with step 5's es_handle, which must accept it. */
static int64_t handle_ok(struct es_command c)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle(&got, &handler, &c, &err), &err);
	return got.id;
}
#define handle_ok(c) ES_CALLED_INT(handle_ok(c))

/* Nothing was appended: `got` is zeroed. */
static void expect_nothing_appended(int64_t events)
{
	ES_ASSERT_INT_EQ(got.type, 0);
	ES_ASSERT_INT_EQ(got.id, 0);
	ES_ASSERT_INT_EQ(count_rows("events"), events);
}
#define expect_nothing_appended(events)                                        \
	ES_CALLED(expect_nothing_appended(events))

/*
 * The "done when", in the library: Widget Pro's create sent by
 * alice as c-1, three times on one handle, once on a second handle, and
 * once after the store was closed and opened again: one event, one
 * answer, said five times.
 */
static void test_a_create_is_done_once(void)
{
	struct es_error err = {0, ""};

	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	ES_ASSERT_INT_EQ(got.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(got.id, 1);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_INT_EQ(count_rows("events"), 1);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "1|'c-1'|'alice'|'c-1'\n");
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, ANSWER_ROWS),
		       "'c-1'|'" CREATE_REQUEST "'|'" CREATED_1 "'\n");
	/* The retries. */
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	expect_nothing_appended(1);
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	expect_nothing_appended(1);
	/* Another connection to the same file, at the same time. */
	ES_ASSERT_OK(es_store_open(&store_b, path, ES_STORE_WRITE, &err), &err);
	handler_b.store = store_b;
	ES_ASSERT_STR_EQ(once_with(&handler_b, widget_c1()), CREATED_1);
	expect_nothing_appended(1);
	/* A later run: the store closed and opened again. */
	es_store_close(store_b);
	store_b = NULL;
	es_store_close(store);
	store = NULL;
	ES_ASSERT_OK(es_store_open(&store, path, ES_STORE_WRITE, &err), &err);
	handler.store = store;
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	expect_nothing_appended(1);
	ES_ASSERT_INT_EQ(count_rows("product_registry"), 1);
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 1);
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 1);
	/* The same create with a new id is a new command. */
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_widget(), "c-2", "alice",
					"c-2", CREATE_REQUEST)),
			 "{\"ok\":true,\"product_id\":2}");
	ES_ASSERT_INT_EQ(got.id, 2);
	ES_ASSERT_INT_EQ(got.product_id, 2);
	ES_ASSERT_INT_EQ(count_rows("events"), 2);
}

static void test_each_command_gets_its_answer(void)
{
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_update_stock(1, 50), "c-2",
					"alice", "c-2", UPDATE_REQUEST(1, 50))),
			 "{\"ok\":true}");
	ES_ASSERT_INT_EQ(got.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(got.id, 2);
	ES_ASSERT_INT_EQ(got.stock.new_stock, 50);
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_record_view(1), "c-3",
					"bob", "visit-7", VIEW_1)),
			 "{\"ok\":true}");
	ES_ASSERT_INT_EQ(got.type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(got.id, 3);
	/* Each event has its command's envelope. */
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "1|'c-1'|'alice'|'c-1'\n"
		       "2|'c-2'|'alice'|'c-2'\n"
		       "3|'c-3'|'bob'|'visit-7'\n");
	load_meta_ok(3);
	ES_ASSERT_STR_EQ(meta.command_id, "c-3");
	ES_ASSERT_STR_EQ(meta.actor, "bob");
	ES_ASSERT_STR_EQ(meta.correlation_id, "visit-7");
	/* Retried in another order: each its own answer. */
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_record_view(1), "c-3",
					"bob", "visit-7", VIEW_1)),
			 "{\"ok\":true}");
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_update_stock(1, 50), "c-2",
					"alice", "c-2", UPDATE_REQUEST(1, 50))),
			 "{\"ok\":true}");
	expect_nothing_appended(3);
}

static void test_a_command_id_used_for_another_command(void)
{
	struct es_command widget_99 = es_test_cmd_widget();

	widget_99.create.stock = 99;
	const struct {
		const char *name;
		struct es_command cmd;
	} others[] = {
		{"an UpdateStock",
		 enveloped(es_test_cmd_update_stock(1, 50), "c-1", "alice",
			   "c-1", UPDATE_REQUEST(1, 50))},
		{"another create",
		 enveloped(es_test_cmd_create("Gadget Plus", 49.99, 0), "c-1",
			   "alice", "c-1", GADGET_REQUEST)},
		{"the same create with another stock",
		 enveloped(widget_99, "c-1", "alice", "c-1",
			   "{\"type\":\"CreateProduct\",\"name\":\"Widget "
			   "Pro\",\"price\":29.99,\"cost_price\":12,"
			   "\"supplier_id\":1,\"supplier_name\":\"Acme "
			   "Corp\",\"stock\":99,\"description\":\"A fine "
			   "widget\"}")},
		{"another sender's view",
		 enveloped(es_test_cmd_record_view(1), "c-1", "bob", "c-1",
			   VIEW_1)},
	};

	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		es_test_row(others[i].name, "%s", others[i].cmd.request);
		if (strcmp(once(others[i].cmd), USED_C1) != 0)
			ES_FAIL("%s: answered %s, expected %s", others[i].name,
				answer, USED_C1);
		if (got.type != 0 || count_rows("events") != 1)
			ES_FAIL("%s: refused, yet appended an event",
				others[i].name);
		/* Nothing stored: not the refusal, not the metadata. */
		if (count_rows("command_answers") != 1 ||
		    count_rows("event_metadata") != 1)
			ES_FAIL("%s: refused, yet stored a row",
				others[i].name);
	}
	find_answer_ok("c-1");
	ES_ASSERT_STR_EQ(request, CREATE_REQUEST);
	ES_ASSERT_STR_EQ(answer, CREATED_1);
	/* The first command still gets its own answer. */
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	expect_nothing_appended(1);
	/*
	 * The request is the command without its envelope (commands.h), so
	 * the same create sent again under c-1 by someone else, or with
	 * another correlation, is the same command: its answer, again.
	 */
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_widget(), "c-1", "bob",
					"retry-2", CREATE_REQUEST)),
			 CREATED_1);
	expect_nothing_appended(1);
}

/*
 * A refusal is an answer too: stored with the command id, and said again
 * to a retry even once the command would be accepted.
 */
static void test_a_refusal_is_answered_once(void)
{
	static const char negative[] =
		"{\"ok\":false,\"error\":\"Stock cannot be negative\"}";
	static const char not_found[] =
		"{\"ok\":false,\"error\":\"Product 2 not found\"}";
	struct es_command minus =
		enveloped(es_test_cmd_update_stock(1, -5), "c-2", "alice",
			  "c-2", UPDATE_REQUEST(1, -5));
	struct es_command to_2 =
		enveloped(es_test_cmd_update_stock(2, 5), "c-3", "alice", "c-3",
			  UPDATE_REQUEST(2, 5));

	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_widget()), 1);
	ES_ASSERT_STR_EQ(once(minus), negative);
	expect_nothing_appended(1);
	ES_ASSERT_ROWS(
		es_test_dump_rows(&dump, raw, ANSWER_ROWS),
		"'c-2'|'" UPDATE_REQUEST(
			1, -5) "'|'{\"ok\":false,"
			       "\"error\":\"Stock cannot be negative\"}'\n");
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 0);
	ES_ASSERT_STR_EQ(once(minus), negative);
	expect_nothing_appended(1);
	/* ES_ENOTFOUND is a refusal as well. */
	ES_ASSERT_STR_EQ(once(to_2), not_found);
	expect_nothing_appended(1);
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 2);
	/* Product 2 comes to exist; c-3 was answered, and stays so. */
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_create("Gadget Plus", 49.99, 0)),
			 2);
	ES_ASSERT_STR_EQ(once(to_2), not_found);
	expect_nothing_appended(2);
	/* The same command under a new id is decided anew. */
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_update_stock(2, 5), "c-4",
					"alice", "c-4", UPDATE_REQUEST(2, 5))),
			 "{\"ok\":true}");
	ES_ASSERT_INT_EQ(got.id, 3);
	ES_ASSERT_INT_EQ(count_rows("events"), 3);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "3|'c-4'|'alice'|'c-4'\n");
}

static void test_no_command_id_no_stored_answer(void)
{
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_widget()), 1);
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_record_view(1), NULL, "bob",
					NULL, VIEW_1)),
			 "{\"ok\":true}");
	ES_ASSERT_INT_EQ(got.id, 2);
	/* Without an id a command cannot be told from its retry: both
	 * are done. */
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_record_view(1), NULL, "bob",
					NULL, VIEW_1)),
			 "{\"ok\":true}");
	ES_ASSERT_INT_EQ(got.id, 3);
	ES_ASSERT_STR_EQ(once(enveloped(es_test_cmd_record_view(1), NULL,
					"carol", "visit-7", VIEW_1)),
			 "{\"ok\":true}");
	ES_ASSERT_INT_EQ(got.id, 4);
	/* A refusal without an id is answered, and not stored either. */
	ES_ASSERT_STR_EQ(
		once(enveloped(es_test_cmd_record_view(9), NULL, "bob", NULL,
			       "{\"type\":\"RecordProductView\","
			       "\"product_id\":9}")),
		"{\"ok\":false,\"error\":\"Product 9 not found\"}");
	expect_nothing_appended(4);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "2|NULL|'bob'|NULL\n"
		       "3|NULL|'bob'|NULL\n"
		       "4|NULL|'carol'|'visit-7'\n");
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 0);
}

/* Make every insert into `table` fail, as a full disk would. */
static void break_table(const char *table)
{
	char sql[256];

	ES_REQUIRE_SETUP();
	snprintf(sql, sizeof(sql),
		 "CREATE TRIGGER test_break_%s BEFORE INSERT ON %s BEGIN"
		 " SELECT RAISE(ABORT, 'disk full'); END",
		 table, table);
	es_test_exec(raw, sql);
}
#define break_table(table) ES_CALLED(break_table(table))

static void mend_table(const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "DROP TRIGGER test_break_%s", table);
	es_test_exec(raw, sql);
}
#define mend_table(table) ES_CALLED(mend_table(table))

/* es_handle_once must fail with `code`, with no answer and no event. */
static void expect_failure(struct es_command c, int code)
{
	struct es_error err = {0, ""};

	char *ans = not_set;
	int rc;

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	rc = es_handle_once(&ans, &got, &handler, &c, &err);
	free(answer);
	answer = kept(ans);
	if (rc != code)
		ES_FAIL("es_handle_once returned %s (\"%s\"), expected %s",
			es_code_name(rc), rc == ES_OK ? "" : err.msg,
			es_code_name(code));
	if (ans == not_set)
		ES_FAIL("es_handle_once left *answer as it was, expected NULL");
	ES_ASSERT_STR_EQ(answer, NULL);
	ES_ASSERT_INT_EQ(got.type, 0);
}
#define expect_failure(c, code) ES_CALLED(expect_failure(c, code))

/*
 * A failure after the append (the metadata or the answer cannot be
 * written) rolls the command back whole: no event, no product id, no
 * metadata, no answer. The retry does it.
 */
static void test_a_failure_stores_nothing(void)
{
	struct es_command gadget =
		enveloped(es_test_cmd_create("Gadget Plus", 49.99, 0), "c-9",
			  "alice", "c-9", GADGET_REQUEST);
	struct es_command minus =
		enveloped(es_test_cmd_update_stock(1, -5), "c-8", "alice",
			  "c-8", UPDATE_REQUEST(1, -5));

	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_widget()), 1);
	break_table("command_answers");
	expect_failure(gadget, ES_EDB);
	ES_ASSERT_INT_EQ(count_rows("events"), 1);
	ES_ASSERT_INT_EQ(count_rows("product_registry"), 1);
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 0);
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 0);
	/* A refusal whose answer cannot be stored is a failure too. */
	expect_failure(minus, ES_EDB);
	mend_table("command_answers");
	break_table("event_metadata");
	expect_failure(gadget, ES_EDB);
	ES_ASSERT_INT_EQ(count_rows("events"), 1);
	ES_ASSERT_INT_EQ(count_rows("product_registry"), 1);
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 0);
	mend_table("event_metadata");
	/* No transaction was left open: the retries go in. */
	ES_ASSERT_STR_EQ(once(gadget), "{\"ok\":true,\"product_id\":2}");
	ES_ASSERT_INT_EQ(got.id, 2);
	ES_ASSERT_STR_EQ(
		once(minus),
		"{\"ok\":false,\"error\":\"Stock cannot be negative\"}");
	ES_ASSERT_STR_EQ(once(gadget), "{\"ok\":true,\"product_id\":2}");
	expect_nothing_appended(2);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "2|'c-9'|'alice'|'c-9'\n");
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 2);
}

/* Another writer holds the log past the busy timeout: ES_EBUSY. */
static void test_a_busy_store_stores_nothing(void)
{
	ES_REQUIRE_SETUP();
	es_store_set_busy_timeout(store, 0);
	es_test_exec(raw, "BEGIN IMMEDIATE");
	expect_failure(widget_c1(), ES_EBUSY);
	es_test_exec(raw, "COMMIT");
	ES_ASSERT_INT_EQ(count_rows("events"), 0);
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 0);
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	ES_ASSERT_INT_EQ(got.id, 1);
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	expect_nothing_appended(1);
}

/*
 * es_handle_once_in joins the caller's transaction and leaves its end to
 * the caller: rolled back, nothing of the command stays (event, metadata,
 * answer); committed, all of it does, and a retry is answered from it.
 */
static void test_once_in_leaves_the_transaction_to_its_caller(void)
{
	struct es_command c = widget_c1();
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_handle_once_in(&answer, &got, &handler, &c, &err),
		     &err);
	ES_ASSERT_STR_EQ(answer, CREATED_1);
	ES_ASSERT_INT_EQ(got.id, 1);
	es_store_rollback(store);
	ES_ASSERT_INT_EQ(count_rows("events"), 0);
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 0);
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 0);
	free(answer);
	answer = NULL;
	es_event_dispose(&got);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	ES_ASSERT_OK(es_handle_once_in(&answer, &got, &handler, &c, &err),
		     &err);
	ES_ASSERT_STR_EQ(answer, CREATED_1);
	/* Still the caller's: another connection sees nothing yet. */
	ES_ASSERT_INT_EQ(count_rows("events"), 0);
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
	ES_ASSERT_INT_EQ(count_rows("events"), 1);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "1|'c-1'|'alice'|'c-1'\n");
	ES_ASSERT_INT_EQ(count_rows("command_answers"), 1);
	ES_ASSERT_STR_EQ(once(widget_c1()), CREATED_1);
	expect_nothing_appended(1);
}

/* ---- what a copy and a follower need, given ------------------------------ */

#define EVENT_ROWS "SELECT id, product_id, event_type FROM events ORDER BY id"

/* Import `ev` (its id set) with `m` (NULL: none); it must succeed. */
static void import_ok(const struct es_meta *m)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_import(store, &ev, m, &err), &err);
}
#define import_ok(m) ES_CALLED(import_ok(m))

/* Widget Pro's creation as product `product_id`, event `id`, into `ev`. */
static void widget_created(int64_t product_id, int64_t id)
{
	struct es_product_created fields = es_test_widget_fields();
	struct es_error err = {0, ""};
	char at[ES_TIMESTAMP_SIZE];

	es_event_dispose(&ev);
	es_test_timestamp(at, 1);
	ES_ASSERT_OK(
		es_event_product_created(&ev, product_id, &fields, at, &err),
		&err);
	ev.id = id;
}
#define widget_created(product_id, id) ES_CALLED(widget_created(product_id, id))

/*
 * es_store_import() keeps each event's own id and its metadata; a
 * ProductCreated registers its product. What is appended next goes on
 * after both: the next event id, the next product id.
 */
static void test_import_keeps_ids_and_metadata(void)
{
	struct es_meta alice = {"c-1", "alice", "c-1"};
	struct es_meta none = {NULL, NULL, NULL};
	struct es_error err = {0, ""};
	int64_t product_id = 0;

	widget_created(2, 3);
	import_ok(&alice);
	es_event_dispose(&ev);
	es_test_product_viewed(&ev, 2, 2);
	ev.id = 7;
	import_ok(&none);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, EVENT_ROWS),
		       "3|2|'ProductCreated'\n"
		       "7|2|'ProductViewed'\n");
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "3|'c-1'|'alice'|'c-1'\n");
	/* The event reads back as it was imported. */
	es_event_dispose(&got);
	ES_ASSERT_OK(es_store_get(&got, store, 3, &err), &err);
	ES_ASSERT_WIDGET_CREATED(&got, 2, 1);
	ES_ASSERT_INT_EQ(got.id, 3);
	es_event_dispose(&ev);
	es_test_product_viewed(&ev, 2, 3);
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	ES_ASSERT_INT_EQ(ev.id, 8);
	ES_ASSERT_OK(es_store_new_product_id(store, &product_id, &err), &err);
	ES_ASSERT_INT_EQ(product_id, 3);
	ES_ASSERT_TRUE(!es_store_is_postgres(store));
}

/*
 * An id that is not after the log's last event, quarantined rows
 * included, is refused with ES_EINVAL and appends nothing; the next one
 * is imported, metadata and all.
 */
static void test_import_refuses_an_id_not_after_the_last(void)
{
	struct es_meta bob = {NULL, "bob", NULL};
	struct es_error err = {0, ""};
	static const int64_t refused[] = {5, 7, 0};

	append_views(7);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char want[ES_ERROR_MSG_SIZE];

		es_event_dispose(&ev);
		es_test_product_viewed(&ev, 1, 8);
		ev.id = refused[i];
		snprintf(want, sizeof(want),
			 "event %" PRId64 " is not after the log's last "
			 "event 7",
			 refused[i]);
		ES_ASSERT_CODE(es_store_import(store, &ev, &bob, &err),
			       ES_EINVAL, &err);
		ES_ASSERT_STR_EQ(err.msg, want);
	}
	ES_ASSERT_INT_EQ(count_rows("events"), 7);
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 0);
	ev.id = 9;
	import_ok(&bob);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, META_ROWS),
		       "9|NULL|'bob'|NULL\n");
}

/*
 * es_store_import() joins the caller's transaction: rolled back, the
 * event, its product and its metadata are gone; committed, all are there.
 */
static void test_import_joins_the_callers_transaction(void)
{
	struct es_meta alice = {"c-1", "alice", "c-1"};
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	widget_created(1, 4);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	import_ok(&alice);
	es_store_rollback(store);
	ES_ASSERT_INT_EQ(count_rows("events"), 0);
	ES_ASSERT_INT_EQ(count_rows("product_registry"), 0);
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 0);
	ES_ASSERT_OK(es_store_begin(store, &err), &err);
	import_ok(&alice);
	ES_ASSERT_INT_EQ(count_rows("events"), 0); /* not committed yet */
	ES_ASSERT_OK(es_store_commit(store, &err), &err);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump, raw, EVENT_ROWS),
		       "4|1|'ProductCreated'\n");
	ES_ASSERT_INT_EQ(count_rows("product_registry"), 1);
	ES_ASSERT_INT_EQ(count_rows("event_metadata"), 1);
}

#define REFUSED_1 "{\"ok\":false,\"error\":\"Product 1 not found\"}"

/* What the walk saw, and the call at which the callback stops it. */
struct walk {
	struct es_test_dump seen;
	int calls;
	int stop_at; /* 0: never */
};

/* es_answer_fn: one line per answer; ES_EINVAL at call stop_at. */
static int see_answer(void *ctx, const char *command_id, const char *req,
		      const char *ans, struct es_error *err)
{
	struct walk *w = ctx;

	w->calls++;
	es_test_dump_append(&w->seen, "'%s'|'%s'|'%s'\n", command_id, req, ans);
	if (w->calls == w->stop_at)
		return es_error_set(err, ES_EINVAL, "stop at call %d",
				    w->calls);
	return ES_OK;
}

static struct walk walk;

/*
 * es_store_each_answer() gives every stored answer, by command_id; a
 * callback's error stops the walk and comes back unchanged.
 */
static void test_each_answer_walks_the_answers_in_order(void)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_store_save_answer(store, "c-2", VIEW_1, "{\"ok\":true}",
					  &err),
		     &err);
	ES_ASSERT_OK(es_store_save_answer(store, "c-1", CREATE_REQUEST,
					  CREATED_1, &err),
		     &err);
	ES_ASSERT_OK(
		es_store_save_answer(store, "c-10", VIEW_1, REFUSED_1, &err),
		&err);
	es_test_dump_reset(&walk.seen);
	walk.calls = 0;
	walk.stop_at = 0;
	ES_ASSERT_OK(es_store_each_answer(store, see_answer, &walk, &err),
		     &err);
	/* As ANSWER_ROWS reads the table: in order of command_id. */
	ES_ASSERT_ROWS(&walk.seen,
		       "'c-1'|'" CREATE_REQUEST "'|'" CREATED_1 "'\n"
		       "'c-10'|'" VIEW_1 "'|'" REFUSED_1 "'\n"
		       "'c-2'|'" VIEW_1 "'|'{\"ok\":true}'\n");
	es_test_dump_reset(&walk.seen);
	walk.calls = 0;
	walk.stop_at = 2;
	ES_ASSERT_CODE(es_store_each_answer(store, see_answer, &walk, &err),
		       ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "stop at call 2");
	ES_ASSERT_INT_EQ(walk.calls, 2);
}

/*
 * Passes against the stub: "es_store_each_answer on a log the seed's Python wrote finds none"
 * A log the seed's Python wrote, read-only, has no command_answers: no
 * answer, and no error. es_store_each_answer() is given
 * (event_store_copy.c).
 */
static void test_each_answer_of_a_log_the_seed_wrote(void)
{
	char seed_log[512];
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	es_test_path(seed_log, sizeof(seed_log), "seed.db");
	write_seed_log(seed_log);
	ES_ASSERT_OK(es_store_open(&store_b, seed_log, ES_STORE_READONLY, &err),
		     &err);
	es_test_dump_reset(&walk.seen);
	walk.calls = 0;
	walk.stop_at = 0;
	ES_ASSERT_OK(es_store_each_answer(store_b, see_answer, &walk, &err),
		     &err);
	ES_ASSERT_INT_EQ(walk.calls, 0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Passes against the stub: "es_store_wait answers at once when an event is there, and after its time when none is"
 * es_store_wait() is given (event_store_copy.c), and uses only step 2's
 * append and the given count.
 */
static void test_wait_answers_at_once_or_after_its_time(void)
{
	struct es_error err = {0, ""};
	bool more = false;
	int64_t start;
	int64_t took;

	append_views(3);
	start = now_ms();
	ES_ASSERT_OK(es_store_wait(store, 2, 10000, &more, &err), &err);
	took = now_ms() - start;
	ES_ASSERT_TRUE(more);
	if (took >= 5000)
		ES_FAIL("es_store_wait took %" PRId64 " ms with event 3 there, "
			"expected an answer at once",
			took);
	start = now_ms();
	more = true;
	ES_ASSERT_OK(es_store_wait(store, 3, 300, &more, &err), &err);
	took = now_ms() - start;
	ES_ASSERT_TRUE(!more);
	if (took < 300)
		ES_FAIL("es_store_wait returned after %" PRId64 " ms with no "
			"event after 3, expected 300 at least",
			took);
	/* No time at all: it counts once. */
	ES_ASSERT_OK(es_store_wait(store, 0, 0, &more, &err), &err);
	ES_ASSERT_TRUE(more);
	ES_ASSERT_OK(es_store_wait(store, 3, 0, &more, &err), &err);
	ES_ASSERT_TRUE(!more);
}

static CU_TestInfo envelope_tests[] = {
	{"the envelope's three fields are read, and the request is the "
	 "command without them",
	 test_envelope_is_read},
	{"a command with an envelope keeps its own fields; dispose frees the "
	 "envelope",
	 test_envelope_leaves_the_command_as_it_was},
	{"a bad command_id, actor or correlation_id is refused with its "
	 "message, and the command's own errors stay as they were",
	 test_bad_envelopes},
	{"the envelope's names are exact: Actor is the command's unknown "
	 "field",
	 test_envelope_names_are_exact},
	{"the lines of those refusals parse with a good envelope",
	 test_good_lines_around_the_bad_envelopes},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo answer_tests[] = {
	{"a create's answer names its product", test_answer_of_a_create},
	{"any other event's answer is {\"ok\":true}",
	 test_answer_of_other_events},
	{"a refusal's answer carries its message, escaped as JSON",
	 test_answer_of_a_refusal},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo store_tests[] = {
	{"an event's metadata is saved and read back, NULL as NULL, and none "
	 "for an event without",
	 test_metadata_saved_and_loaded},
	{"a log the seed's Python wrote, read-only, has no metadata and no "
	 "error",
	 test_metadata_of_a_log_the_seed_wrote},
	{"es_meta_dispose frees the strings and zeroes them",
	 test_meta_dispose},
	{"the answer to a command id is saved once and found; none is "
	 "ES_ENOTFOUND",
	 test_answer_saved_and_found},
	{"both writes join the caller's transaction",
	 test_writes_join_the_callers_transaction},
	{"event_metadata and command_answers refuse UPDATE, DELETE and INSERT "
	 "OR REPLACE",
	 test_tables_are_append_only},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo once_tests[] = {
	{"a create sent three times, from a second handle and in a later run, "
	 "appends one event and answers the same",
	 test_a_create_is_done_once},
	{"each command id gets its own answer, and each event its envelope",
	 test_each_command_gets_its_answer},
	{"a command id used for another command is refused, and nothing is "
	 "stored",
	 test_a_command_id_used_for_another_command},
	{"a refusal is stored and said again to a retry, even once the "
	 "command would be accepted",
	 test_a_refusal_is_answered_once},
	{"a command without a command_id gets its metadata and no stored "
	 "answer",
	 test_no_command_id_no_stored_answer},
	{"a failure after the append rolls the command back and stores no "
	 "answer; the retry does it",
	 test_a_failure_stores_nothing},
	{"a store locked past the busy timeout answers ES_EBUSY and stores "
	 "nothing",
	 test_a_busy_store_stores_nothing},
	{"es_handle_once_in joins the caller's transaction: rolled back, "
	 "nothing stays; committed, all of it",
	 test_once_in_leaves_the_transaction_to_its_caller},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo copy_tests[] = {
	{"es_store_import keeps each event's id and metadata, and what is "
	 "appended next goes on after them",
	 test_import_keeps_ids_and_metadata},
	{"es_store_import refuses an id not after the log's last event, and "
	 "appends nothing",
	 test_import_refuses_an_id_not_after_the_last},
	{"es_store_import joins the caller's transaction",
	 test_import_joins_the_callers_transaction},
	{"es_store_each_answer walks every answer by command_id, and stops "
	 "when told",
	 test_each_answer_walks_the_answers_in_order},
	{"es_store_each_answer on a log the seed's Python wrote finds none",
	 test_each_answer_of_a_log_the_seed_wrote},
	{"es_store_wait answers at once when an event is there, and after "
	 "its time when none is",
	 test_wait_answers_at_once_or_after_its_time},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 16: idempotency, the command's envelope", NULL, NULL, setup,
	 teardown, envelope_tests},
	{"step 16: the answer line", NULL, NULL, setup, teardown, answer_tests},
	{"step 16: the store's metadata and answers", NULL, NULL, store_setup,
	 store_teardown, store_tests},
	{"step 16: once per command id, on a real store", NULL, NULL,
	 store_setup, store_teardown, once_tests},
	{"step 16: what a copy and a follower need of the store, given", NULL,
	 NULL, store_setup, store_teardown, copy_tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/16-idempotency.md";
