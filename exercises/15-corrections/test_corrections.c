/*
 * test_corrections.c - step 15: StockCorrected and CorrectStock, end to
 * end. The event, its JSON and the log; the command; the rules, decided
 * with structs on the stack; evolve; both handlers on a real store; the
 * views, the read models and the audit trail; and a log with corrections
 * replayed to the very views the events made live.
 *
 * Nothing here is in a file of this step: a correction touches every
 * layer, so each test calls the functions of an earlier step that you
 * extend (corrections.h lists them). The fixed clock stamps the n-th
 * command a test handles with es_test_timestamp(n).
 *
 * What the tests build and open is kept in file-scope variables that the
 * teardowns dispose of and close, so a failed assertion leaks nothing.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "audit.h"
#include "command_handler.h"
#include "commands.h"
#include "corrections.h"
#include "decide.h"
#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "golden.h"
#include "harness.h"
#include "insights.h"
#include "optimistic.h"
#include "projector.h"
#include "read_db.h"
#include "views.h"

#define NOW "2026-11-27T14:32:05.123456+00:00"

/* Reasons of a known length: x is one byte, é two, 🎉 four. */
#define X10  "xxxxxxxxxx"
#define X50  X10 X10 X10 X10 X10
#define X200 X50 X50 X50 X50
#define E1   "\xc3\xa9"
#define E10  E1 E1 E1 E1 E1 E1 E1 E1 E1 E1
#define E50  E10 E10 E10 E10 E10
#define E200 E50 E50 E50 E50
#define F1   "\xf0\x9f\x8e\x89"
#define F10  F1 F1 F1 F1 F1 F1 F1 F1 F1 F1
#define F50  F10 F10 F10 F10 F10
#define F200 F50 F50 F50 F50

/* What the tests build: disposed by every teardown. */
static struct es_event ev;    /* an event a test makes */
static struct es_event got;   /* what decide or a handler returned */
static struct es_event more;  /* a second event a test makes */
static struct es_command cmd; /* a parsed command */
static struct es_product product;
static struct es_event_list list;
static char *json;

/* What the store tests open: closed by store_teardown(). */
static struct es_test_clock clock_state;
static char path[512];
static struct es_store *store;
static struct es_store *store_b;
static sqlite3 *raw;
static struct es_command_handler handler;
static struct es_optimistic *opt;
static sqlite3 *read_db;
static sqlite3 *other_db;
static struct es_projector *prj;
static struct es_insights *ins;
static struct es_views *views;
static struct es_views *other_views;
static FILE *mem;      /* what es_audit_trail prints into */
static char *mem_text; /* ... and where it lands */
static size_t mem_len;
static struct es_test_dump dump_a; /* dumps are large: fixtures.h */
static struct es_test_dump dump_b;

static void setup(void)
{
	memset(&ev, 0, sizeof(ev));
	memset(&got, 0, sizeof(got));
	memset(&more, 0, sizeof(more));
	memset(&cmd, 0, sizeof(cmd));
	memset(&list, 0, sizeof(list));
	es_product_init(&product);
	json = NULL;
}

static void teardown(void)
{
	es_event_dispose(&ev);
	es_event_dispose(&got);
	es_event_dispose(&more);
	es_command_dispose(&cmd);
	es_event_list_dispose(&list);
	es_product_dispose(&product);
	free(json);
	json = NULL;
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
	handler.store = store;
	handler.clock = es_test_clock(&clock_state);
}

static void store_teardown(void)
{
	teardown();
	if (mem != NULL)
		fclose(mem);
	mem = NULL;
	free(mem_text);
	mem_text = NULL;
	es_views_close(other_views);
	other_views = NULL;
	es_views_close(views);
	views = NULL;
	es_insights_close(ins);
	ins = NULL;
	es_projector_close(prj);
	prj = NULL;
	es_read_db_close(other_db);
	other_db = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_optimistic_close(opt);
	opt = NULL;
	es_store_close(store_b);
	store_b = NULL;
	sqlite3_close(raw);
	raw = NULL;
	es_store_close(store);
	store = NULL;
}

/* ---- helpers ------------------------------------------------------------- */

/* A CorrectStock built by hand; `reason` is borrowed: never dispose it. */
static struct es_command correct(int64_t product_id, int64_t cites,
				 int64_t new_stock, const char *reason)
{
	struct es_command c = {.type = ES_CORRECT_STOCK};

	c.correct_stock.product_id = product_id;
	c.correct_stock.corrects_event_id = cites;
	c.correct_stock.new_stock = new_stock;
	c.correct_stock.reason = (char *)reason;
	return c;
}

/* The fixed clock's n-th reading, as text, into `at`; returns `at`. */
static const char *stamp(char at[ES_TIMESTAMP_SIZE], int n)
{
	es_test_timestamp(at, n);
	return at;
}

/* A StockCorrected made with your constructor, into `*out`. */
static void make_correction(struct es_event *out, int64_t product_id,
			    int64_t cites, int64_t new_stock,
			    const char *reason, const char *at)
{
	struct es_error err = {0, ""};

	es_event_dispose(out);
	ES_ASSERT_OK(es_event_stock_corrected(out, product_id, cites, new_stock,
					      reason, at, &err),
		     &err);
}
#define make_correction(out, product_id, cites, new_stock, reason, at)         \
	ES_CALLED(make_correction(out, product_id, cites, new_stock, reason,   \
				  at))

/* Product 1 as created: Widget Pro, stock 100, version 1. */
static void make_widget_state(void)
{
	struct es_error err = {0, ""};
	struct es_product_created fields = es_test_widget_fields();

	es_event_dispose(&more);
	ES_ASSERT_OK(es_event_product_created(&more, 1, &fields, NOW, &err),
		     &err);
	more.id = 1;
	es_product_dispose(&product);
	ES_ASSERT_OK(es_product_apply(&product, &more, &err), &err);
	es_event_dispose(&more);
}
#define make_widget_state() ES_CALLED(make_widget_state())

/* Handle `cmd` with step 5's handler, which must accept it, into `got`. */
static int64_t handle_ok(struct es_command c)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	es_event_dispose(&got);
	ES_ASSERT_OK(es_handle(&got, &handler, &c, &err), &err);
	return got.id;
}
#define handle_ok(c) ES_CALLED_INT(handle_ok(c))

static int64_t count_events(void)
{
	ES_REQUIRE_SETUP();
	return es_test_query_int(raw, "SELECT COUNT(*) FROM events");
}
#define count_events() ES_CALLED_INT(count_events())

/* Product `id`'s events, replayed into `product`. */
static void load_product(int64_t id)
{
	struct es_error err = {0, ""};

	es_event_list_dispose(&list);
	es_product_dispose(&product);
	ES_ASSERT_OK(es_store_load(&list, store, id, &err), &err);
	ES_ASSERT_OK(es_product_replay(&product, list.items, list.count, &err),
		     &err);
}
#define load_product(id) ES_CALLED(load_product(id))

/* ---- the event: constructor, name, JSON ---------------------------------- */

static void test_constructor_fills_every_field(void)
{
	const char *reason = "counted twice";
	struct es_error err = {0, ""};

	ES_ASSERT_OK(es_event_stock_corrected(&ev, 2, 3, 45, reason, NOW, &err),
		     &err);
	ES_ASSERT_INT_EQ(ev.type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(ev.id, 0);
	ES_ASSERT_INT_EQ(ev.product_id, 2);
	ES_ASSERT_INT_EQ(ev.corrected.corrects_event_id, 3);
	ES_ASSERT_INT_EQ(ev.corrected.new_stock, 45);
	ES_ASSERT_STR_EQ(ev.corrected.reason, "counted twice");
	ES_ASSERT_STR_EQ(ev.occurred_at, NOW);
	/* A copy: the caller's string may change, or go. */
	ES_ASSERT_TRUE(ev.corrected.reason != reason);
}

static void test_dispose_frees_the_reason(void)
{
	struct es_error err = {0, ""};

	ES_ASSERT_OK(es_event_stock_corrected(&ev, 2, 3, 45, "counted twice",
					      NOW, &err),
		     &err);
	/* valgrind (make memcheck STEP=15) sees whether it is freed. */
	es_event_dispose(&ev);
	ES_ASSERT_INT_EQ(ev.type, 0);
	ES_ASSERT_INT_EQ(ev.product_id, 0);
	ES_ASSERT_STR_EQ(ev.corrected.reason, NULL);
	es_event_dispose(&ev); /* twice is harmless */
}

static void test_type_name_and_parse(void)
{
	enum es_event_type type = ES_PRODUCT_CREATED;
	struct es_error err = {0, ""};

	ES_ASSERT_STR_EQ(es_event_type_name(ES_STOCK_CORRECTED),
			 "StockCorrected");
	ES_ASSERT_OK(es_event_type_parse(&type, "StockCorrected", &err), &err);
	ES_ASSERT_INT_EQ(type, ES_STOCK_CORRECTED);
	/* Every type, the new one too, goes from its name and back. */
	for (int t = ES_PRODUCT_CREATED; t <= ES_EVENT_TYPE_LAST; t++) {
		const char *name = es_event_type_name((enum es_event_type)t);

		type = ES_PRODUCT_CREATED;
		if (es_event_type_parse(&type, name, &err) != ES_OK ||
		    (int)type != t)
			ES_FAIL("type %d: named \"%s\", which parses as %d "
				"(%s)",
				t, name, (int)type, err.msg);
	}
}

static void test_json_round_trip(void)
{
	struct es_error err = {0, ""};

	make_correction(&ev, 1, 2, 45, "counted twice", NOW);
	ES_ASSERT_OK(es_event_to_json(&json, &ev, &err), &err);
	ES_ASSERT_STR_EQ(json, "{\"product_id\": 1, \"corrects_event_id\": 2, "
			       "\"new_stock\": 45, \"reason\": \"counted "
			       "twice\", \"occurred_at\": \"" NOW "\"}");
	ES_ASSERT_OK(es_event_from_json(&got, ES_STOCK_CORRECTED, json, &err),
		     &err);
	ES_ASSERT_INT_EQ(got.type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_INT_EQ(got.corrected.corrects_event_id, 2);
	ES_ASSERT_INT_EQ(got.corrected.new_stock, 45);
	ES_ASSERT_STR_EQ(got.corrected.reason, "counted twice");
	ES_ASSERT_STR_EQ(got.occurred_at, NOW);
}

/* ---- the command --------------------------------------------------------- */

#define CORRECT_LINE(fields) "{\"type\":\"CorrectStock\"," fields "}"
#define GOOD_FIELDS                                                            \
	"\"product_id\":2,\"corrects_event_id\":3,\"new_stock\":45,"           \
	"\"reason\":\"counted twice\""

static void test_correct_stock_parses(void)
{
	struct es_error err = {0, ""};

	ES_ASSERT_STR_EQ(es_command_type_name(ES_CORRECT_STOCK),
			 "CorrectStock");
	ES_ASSERT_OK(es_command_parse(&cmd, CORRECT_LINE(GOOD_FIELDS), &err),
		     &err);
	ES_ASSERT_INT_EQ(cmd.type, ES_CORRECT_STOCK);
	ES_ASSERT_INT_EQ(cmd.correct_stock.product_id, 2);
	ES_ASSERT_INT_EQ(cmd.correct_stock.corrects_event_id, 3);
	ES_ASSERT_INT_EQ(cmd.correct_stock.new_stock, 45);
	ES_ASSERT_STR_EQ(cmd.correct_stock.reason, "counted twice");
	/* The reason is the command's, freed by dispose (valgrind checks). */
	es_command_dispose(&cmd);
	ES_ASSERT_INT_EQ(cmd.type, 0);
	ES_ASSERT_STR_EQ(cmd.correct_stock.reason, NULL);
	/* Shape and types only: the rules are the decider's. */
	ES_ASSERT_OK(es_command_parse(&cmd,
				      CORRECT_LINE("\"reason\":\"\","
						   "\"new_stock\":-1,"
						   "\"corrects_event_id\":0,"
						   "\"product_id\":9"),
				      &err),
		     &err);
	ES_ASSERT_INT_EQ(cmd.correct_stock.product_id, 9);
	ES_ASSERT_INT_EQ(cmd.correct_stock.corrects_event_id, 0);
	ES_ASSERT_INT_EQ(cmd.correct_stock.new_stock, -1);
	ES_ASSERT_STR_EQ(cmd.correct_stock.reason, "");
}

struct line_case {
	const char *name;
	const char *line;
	const char *message; /* each is ES_EINVAL */
};

static const struct line_case bad_lines[] = {
	{"no reason",
	 CORRECT_LINE("\"product_id\":2,\"corrects_event_id\":3,"
		      "\"new_stock\":45"),
	 "CorrectStock: missing field 'reason'"},
	{"no event cited",
	 CORRECT_LINE("\"product_id\":2,\"new_stock\":45,"
		      "\"reason\":\"counted twice\""),
	 "CorrectStock: missing field 'corrects_event_id'"},
	{"no event cited and no reason: the first field declared",
	 CORRECT_LINE("\"product_id\":2,\"new_stock\":45"),
	 "CorrectStock: missing field 'corrects_event_id'"},
	{"an event id that is not whole",
	 CORRECT_LINE("\"product_id\":2,\"corrects_event_id\":2.5,"
		      "\"new_stock\":45,\"reason\":\"counted twice\""),
	 "CorrectStock: field 'corrects_event_id' must be a whole number"},
	{"a reason that is null",
	 CORRECT_LINE("\"product_id\":2,\"corrects_event_id\":3,"
		      "\"new_stock\":45,\"reason\":null"),
	 "CorrectStock: field 'reason' must be a string"},
	{"a reason that is a number",
	 CORRECT_LINE("\"product_id\":2,\"corrects_event_id\":3,"
		      "\"new_stock\":45,\"reason\":7"),
	 "CorrectStock: field 'reason' must be a string"},
	{"a field it does not have", CORRECT_LINE(GOOD_FIELDS ",\"by\":\"me\""),
	 "CorrectStock: unknown field 'by'"},
	{"UpdateStock has no reason",
	 "{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":45,"
	 "\"reason\":\"counted twice\"}",
	 "UpdateStock: unknown field 'reason'"},
};

static void test_bad_correct_stock_lines(void)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		const struct line_case *row = &bad_lines[i];
		struct es_error err = {0, ""};
		int rc;

		es_test_row(row->name, "%s", row->line);
		rc = es_command_parse(&cmd, row->line, &err);
		ES_CHECK_CODE(row->name, rc, ES_EINVAL, &err);
		ES_CHECK_STR(row->name, "the message", err.msg, row->message);
		es_command_dispose(&cmd); /* owns nothing: valgrind checks */
	}
}

/* A CorrectStock line whose reason is `reason` (JSON text inside quotes). */
static const char *reason_line(char *buf, size_t size, const char *reason)
{
	snprintf(buf, size,
		 "{\"type\":\"CorrectStock\",\"product_id\":2,"
		 "\"corrects_event_id\":3,\"new_stock\":45,\"reason\":\"%s\"}",
		 reason);
	return buf;
}

static void test_reason_bound_in_bytes(void)
{
	static char line[8 * ES_REASON_MAX_BYTES];
	struct es_error err = {0, ""};

	/* 400 two-byte characters, 200 four-byte ones: 800 bytes each. */
	reason_line(line, sizeof(line), E200 E200);
	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(strlen(cmd.correct_stock.reason), ES_REASON_MAX_BYTES);
	es_command_dispose(&cmd);
	reason_line(line, sizeof(line), F200);
	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(strlen(cmd.correct_stock.reason), ES_REASON_MAX_BYTES);
	es_command_dispose(&cmd);
	/* One byte more is refused. */
	reason_line(line, sizeof(line), X200 X200 X200 X200 "x");
	ES_ASSERT_CODE(es_command_parse(&cmd, line, &err), ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg,
			 "CorrectStock: field 'reason' is longer than 800 "
			 "bytes");
	ES_ASSERT_STR_EQ(cmd.correct_stock.reason, NULL);
}

/* ---- decide, without a database ------------------------------------------ */

/*
 * The events a correction may cite, as the handler would load them:
 * product 1's ProductCreated (#1), StockUpdated to 50 (#2), PriceChanged
 * (#4), ProductViewed (#5) and StockCorrected of #2 (#6); product 2's
 * StockUpdated (#3) and ProductViewed (#7).
 */
enum cited {
	CITES_NOTHING, /* the log has no such event: NULL */
	CITES_CREATED,
	CITES_UPDATED,
	CITES_OTHER_UPDATED,
	CITES_PRICE,
	CITES_VIEWED,
	CITES_CORRECTED,
	CITES_OTHER_VIEWED,
	CITED_COUNT
};

static struct es_event cited[CITED_COUNT];

static void decide_setup(void)
{
	setup();
	memset(cited, 0, sizeof(cited));
}

static void decide_teardown(void)
{
	for (size_t i = 0; i < CITED_COUNT; i++)
		es_event_dispose(&cited[i]);
	teardown();
}

/* Fill cited[]: each event with its id. */
static void make_cited(void)
{
	struct es_product_created fields = es_test_widget_fields();
	struct es_error err = {0, ""};

	ES_ASSERT_OK(es_event_product_created(&cited[CITES_CREATED], 1, &fields,
					      NOW, &err),
		     &err);
	cited[CITES_CREATED].id = 1;
	es_test_stock_updated(&cited[CITES_UPDATED], 1, 50, 1);
	cited[CITES_UPDATED].id = 2;
	es_test_stock_updated(&cited[CITES_OTHER_UPDATED], 2, 50, 2);
	cited[CITES_OTHER_UPDATED].id = 3;
	es_test_price_changed(&cited[CITES_PRICE], 1, 44.99, 3);
	cited[CITES_PRICE].id = 4;
	es_test_product_viewed(&cited[CITES_VIEWED], 1, 4);
	cited[CITES_VIEWED].id = 5;
	make_correction(&cited[CITES_CORRECTED], 1, 2, 45, "counted twice",
			NOW);
	cited[CITES_CORRECTED].id = 6;
	es_test_product_viewed(&cited[CITES_OTHER_VIEWED], 2, 6);
	cited[CITES_OTHER_VIEWED].id = 7;
}
#define make_cited() ES_CALLED(make_cited())

/* The event cited[which], NULL for CITES_NOTHING. */
static const struct es_event *cite(enum cited which)
{
	return which == CITES_NOTHING ? NULL : &cited[which];
}

struct decide_case {
	const char *name;
	bool on_widget; /* decided on Widget Pro, else on no product */
	enum cited cites;
	struct es_correct_stock cmd;
	int code;
	const char *message;
};

/* In the order of the rules (decide.h): each row breaks one, or more. */
static const struct decide_case refusals[] = {
	{"a product never created",
	 false,
	 CITES_UPDATED,
	 {1, 2, 45, "counted twice"},
	 ES_ENOTFOUND,
	 "Product 1 not found"},
	{"a product never created, breaking every other rule too",
	 false,
	 CITES_NOTHING,
	 {7, 99, -1, ""},
	 ES_ENOTFOUND,
	 "Product 7 not found"},
	{"an event the log does not have",
	 true,
	 CITES_NOTHING,
	 {1, 99, 45, "counted twice"},
	 ES_ENOTFOUND,
	 "Event 99 not found"},
	{"an event the log does not have, with a bad stock and reason",
	 true,
	 CITES_NOTHING,
	 {1, 99, -1, " "},
	 ES_ENOTFOUND,
	 "Event 99 not found"},
	{"another product's StockUpdated",
	 true,
	 CITES_OTHER_UPDATED,
	 {1, 3, 45, "counted twice"},
	 ES_EINVAL,
	 "Event 3 is not about product 1"},
	{"another product's view: whose it is comes before its type",
	 true,
	 CITES_OTHER_VIEWED,
	 {1, 7, 45, "counted twice"},
	 ES_EINVAL,
	 "Event 7 is not about product 1"},
	{"a ProductCreated",
	 true,
	 CITES_CREATED,
	 {1, 1, 45, "counted twice"},
	 ES_EINVAL,
	 "Event 1 is a ProductCreated, not a StockUpdated"},
	{"a PriceChanged",
	 true,
	 CITES_PRICE,
	 {1, 4, 45, "counted twice"},
	 ES_EINVAL,
	 "Event 4 is a PriceChanged, not a StockUpdated"},
	{"a ProductViewed",
	 true,
	 CITES_VIEWED,
	 {1, 5, 45, "counted twice"},
	 ES_EINVAL,
	 "Event 5 is a ProductViewed, not a StockUpdated"},
	{"a StockCorrected: a correction is not corrected",
	 true,
	 CITES_CORRECTED,
	 {1, 6, 40, "counted again"},
	 ES_EINVAL,
	 "Event 6 is a StockCorrected, not a StockUpdated"},
	{"a ProductCreated, with a bad stock and reason",
	 true,
	 CITES_CREATED,
	 {1, 1, -1, ""},
	 ES_EINVAL,
	 "Event 1 is a ProductCreated, not a StockUpdated"},
	{"a negative stock",
	 true,
	 CITES_UPDATED,
	 {1, 2, -1, "counted twice"},
	 ES_EINVAL,
	 "Stock cannot be negative"},
	{"a negative stock and an empty reason: the stock first",
	 true,
	 CITES_UPDATED,
	 {1, 2, -5, ""},
	 ES_EINVAL,
	 "Stock cannot be negative"},
	{"an empty reason",
	 true,
	 CITES_UPDATED,
	 {1, 2, 45, ""},
	 ES_EINVAL,
	 "Reason cannot be empty"},
	{"a reason of only whitespace",
	 true,
	 CITES_UPDATED,
	 {1, 2, 45, " \t\n "},
	 ES_EINVAL,
	 "Reason cannot be empty"},
	{"a reason of 201 characters",
	 true,
	 CITES_UPDATED,
	 {1, 2, 45, X200 "x"},
	 ES_EINVAL,
	 "Reason cannot be longer than 200 characters"},
	{"a reason of 201 two-byte characters",
	 true,
	 CITES_UPDATED,
	 {1, 2, 45, E200 E1},
	 ES_EINVAL,
	 "Reason cannot be longer than 200 characters"},
};

static void test_decide_refusals(void)
{
	make_cited();
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct decide_case *r = &refusals[i];
		struct es_command c = {.type = ES_CORRECT_STOCK};
		struct es_error err = {0, ""};
		int rc;

		c.correct_stock = r->cmd;
		es_product_dispose(&product);
		if (r->on_widget)
			make_widget_state();
		rc = es_decide(&got, &product, cite(r->cites), &c, NOW, &err);
		if (rc != r->code || strcmp(err.msg, r->message) != 0)
			ES_FAIL("%s: got %s \"%s\", expected %s \"%s\"",
				r->name, es_code_name(rc), err.msg,
				es_code_name(r->code), r->message);
		ES_ASSERT_INT_EQ(got.type, 0); /* owns nothing */
	}
}

struct accept_case {
	const char *name;
	int64_t new_stock;
	const char *reason;
	size_t reason_bytes;
};

static const struct accept_case accepted[] = {
	{"the stock the shelf holds", 45, "counted twice", 13},
	{"a stock of zero", 0, "all sold before the count", 25},
	{"a reason of 200 characters", 7, X200, 200},
	{"a reason of 200 two-byte characters", 7, E200, 400},
	{"a reason of 200 four-byte characters", 7, F200, 800},
	{"a reason kept as written, spaces and all", 7, "  typo ", 7},
};

static void test_decide_accepts_a_correction(void)
{
	make_cited();
	make_widget_state();
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		const struct accept_case *a = &accepted[i];
		struct es_command c = correct(1, 2, a->new_stock, a->reason);
		struct es_error err = {0, ""};
		int rc;

		es_event_dispose(&got);
		rc = es_decide(&got, &product, &cited[CITES_UPDATED], &c, NOW,
			       &err);
		if (rc != ES_OK)
			ES_FAIL("%s: got %s \"%s\", expected ES_OK", a->name,
				es_code_name(rc), err.msg);
		if (got.type != ES_STOCK_CORRECTED || got.product_id != 1 ||
		    got.id != 0 || got.corrected.corrects_event_id != 2 ||
		    got.corrected.new_stock != a->new_stock ||
		    strcmp(got.occurred_at, NOW) != 0)
			ES_FAIL("%s: got a %s of product %" PRId64
				" correcting #%" PRId64 " to %" PRId64
				" at %s, expected a StockCorrected of product"
				" 1 correcting #2 to %" PRId64 " at " NOW,
				a->name, es_event_type_name(got.type),
				got.product_id, got.corrected.corrects_event_id,
				got.corrected.new_stock, got.occurred_at,
				a->new_stock);
		ES_ASSERT_STR_EQ(got.corrected.reason, a->reason);
		ES_ASSERT_INT_EQ(strlen(got.corrected.reason), a->reason_bytes);
		/* The event owns a copy: the command's strings may go. */
		ES_ASSERT_TRUE(got.corrected.reason != c.correct_stock.reason);
	}
	/* Decide changes no state. */
	ES_ASSERT_INT_EQ(product.stock, 100);
	ES_ASSERT_INT_EQ(product.version, 1);
}

static void test_command_cites_an_event(void)
{
	struct es_command c = correct(2, 3, 45, "counted twice");
	struct es_command create = es_test_cmd_widget();
	struct es_command stock = es_test_cmd_update_stock(2, 1);
	struct es_command price = es_test_cmd_change_price(2, 1.0);
	struct es_command view = es_test_cmd_record_view(2);

	ES_ASSERT_INT_EQ(es_command_cited_id(&c), 3);
	ES_ASSERT_INT_EQ(es_command_state_id(&c), 2);
	ES_ASSERT_INT_EQ(es_command_cited_id(&create), 0);
	ES_ASSERT_INT_EQ(es_command_cited_id(&stock), 0);
	ES_ASSERT_INT_EQ(es_command_cited_id(&price), 0);
	ES_ASSERT_INT_EQ(es_command_cited_id(&view), 0);
}

/* ---- evolve -------------------------------------------------------------- */

static void test_evolve_sets_the_stock(void)
{
	struct es_error err = {0, ""};

	ES_ASSERT_TRUE(es_event_versioned(ES_STOCK_CORRECTED));
	make_widget_state();
	es_test_stock_updated(&ev, 1, 50, 1);
	ev.id = 2;
	ES_ASSERT_OK(es_product_apply(&product, &ev, &err), &err);
	make_correction(&ev, 1, 2, 45, "counted twice", NOW);
	ev.id = 3;
	ES_ASSERT_OK(es_product_apply(&product, &ev, &err), &err);
	ES_ASSERT_INT_EQ(product.stock, 45);
	ES_ASSERT_INT_EQ(product.version, 3);
	ES_ASSERT_INT_EQ(product.view_count, 0);
	ES_ASSERT_DOUBLE_EQ(product.price, 29.99);
	ES_ASSERT_STR_EQ(product.name, "Widget Pro");
	/* The same event corrected again: the last correction holds. */
	make_correction(&ev, 1, 2, 40, "counted again", NOW);
	ev.id = 4;
	ES_ASSERT_OK(es_product_apply(&product, &ev, &err), &err);
	ES_ASSERT_INT_EQ(product.stock, 40);
	ES_ASSERT_INT_EQ(product.version, 4);
	/* Another product's correction is refused, as any of its events. */
	make_correction(&ev, 2, 2, 1, "not ours", NOW);
	ES_ASSERT_CODE(es_product_apply(&product, &ev, &err), ES_EINVAL, &err);
	ES_ASSERT_INT_EQ(product.stock, 40);
}

/* ---- the log ------------------------------------------------------------- */

static void test_store_takes_and_gets_a_correction(void)
{
	char at[ES_TIMESTAMP_SIZE];
	char data[256];
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	/* The log accepts the type once es_event_type_name() names it. */
	ES_ASSERT_INT_EQ(es_test_query_int(raw, "SELECT COUNT(*) FROM "
						"event_types WHERE name = "
						"'StockCorrected'"),
			 1);
	make_correction(&ev, 1, 2, 45, "counted twice", stamp(at, 0));
	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	ES_ASSERT_INT_EQ(ev.id, 1);
	snprintf(data, sizeof(data),
		 "1|1|'StockCorrected'|'{\"product_id\": 1, "
		 "\"corrects_event_id\": 2, \"new_stock\": 45, \"reason\": "
		 "\"counted twice\", \"occurred_at\": \"%s\"}'|'%s'\n",
		 at, at);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump_a, raw,
					 "SELECT id, product_id, event_type,"
					 " data, occurred_at FROM events"),
		       data);
	ES_ASSERT_OK(es_store_get(&got, store, 1, &err), &err);
	ES_ASSERT_INT_EQ(got.type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(got.id, 1);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_INT_EQ(got.corrected.corrects_event_id, 2);
	ES_ASSERT_INT_EQ(got.corrected.new_stock, 45);
	ES_ASSERT_STR_EQ(got.corrected.reason, "counted twice");
	ES_ASSERT_STR_EQ(got.occurred_at, at);
	es_event_dispose(&got);
	ES_ASSERT_CODE(es_store_get(&got, store, 2, &err), ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "event 2 not found");
	/* A row another program wrote reads back as a StockCorrected. */
	es_test_insert_event(raw, 1, "StockCorrected",
			     "{\"product_id\": 1, \"corrects_event_id\": 1, "
			     "\"new_stock\": 7, \"reason\": \"typo\", "
			     "\"occurred_at\": \"" NOW "\"}",
			     NOW);
	ES_ASSERT_OK(es_store_load(&list, store, 1, &err), &err);
	ES_ASSERT_INT_EQ(list.count, 2);
	ES_ASSERT_INT_EQ(list.items[1].type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(list.items[1].id, 2);
	ES_ASSERT_INT_EQ(list.items[1].corrected.corrects_event_id, 1);
	ES_ASSERT_INT_EQ(list.items[1].corrected.new_stock, 7);
	ES_ASSERT_STR_EQ(list.items[1].corrected.reason, "typo");
}

/* ---- step 5's handler ---------------------------------------------------- */

static void test_handle_a_correction(void)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_command c = correct(1, 2, 45, "counted twice");
	struct es_error err = {0, ""};

	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_widget()), 1);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_update_stock(1, 50)), 2);
	ES_ASSERT_INT_EQ(handle_ok(c), 3);
	ES_ASSERT_INT_EQ(got.type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(got.product_id, 1);
	ES_ASSERT_INT_EQ(got.corrected.corrects_event_id, 2);
	ES_ASSERT_INT_EQ(got.corrected.new_stock, 45);
	ES_ASSERT_STR_EQ(got.corrected.reason, "counted twice");
	ES_ASSERT_STR_EQ(got.occurred_at, stamp(at, 2));
	/* In the log, after the count it corrects, which stays. */
	load_product(1);
	ES_ASSERT_INT_EQ(list.count, 3);
	ES_ASSERT_INT_EQ(list.items[1].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(list.items[1].stock.new_stock, 50);
	ES_ASSERT_INT_EQ(list.items[2].type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(list.items[2].id, 3);
	ES_ASSERT_INT_EQ(list.items[2].corrected.corrects_event_id, 2);
	ES_ASSERT_STR_EQ(list.items[2].corrected.reason, "counted twice");
	/* The aggregate: the stock as it really is. */
	ES_ASSERT_INT_EQ(product.stock, 45);
	ES_ASSERT_INT_EQ(product.version, 3);
	es_product_dispose(&product);
	ES_ASSERT_OK(es_handler_load(&product, store, &c, &err), &err);
	ES_ASSERT_INT_EQ(product.id, 1);
	ES_ASSERT_INT_EQ(product.stock, 45);
	/* The next decision builds on it. */
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_update_stock(1, 30)), 4);
	load_product(1);
	ES_ASSERT_INT_EQ(product.stock, 30);
	ES_ASSERT_INT_EQ(product.version, 4);
}

/*
 * The log of these refusals: product 1 created (#1), its stock set to 50
 * (#2); product 2 created (#3), its stock set to 7 (#4); a view (#5) and
 * a price (#6) of product 1; #2 corrected to 45 (#7).
 */
static void given_a_log_with_a_correction(void)
{
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_widget()), 1);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_update_stock(1, 50)), 2);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_create("Gadget Plus", 49.99, 0)),
			 3);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_update_stock(2, 7)), 4);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_record_view(1)), 5);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_change_price(1, 44.99)), 6);
	ES_ASSERT_INT_EQ(handle_ok(correct(1, 2, 45, "counted twice")), 7);
}
#define given_a_log_with_a_correction()                                        \
	ES_CALLED(given_a_log_with_a_correction())

static const struct es_test_refusal handler_refusals[] = {
	{"citing event 1, a ProductCreated",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 1, 45, "recount"}},
	 ES_EINVAL,
	 "Event 1 is a ProductCreated, not a StockUpdated"},
	{"citing event 3, product 2's ProductCreated",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 3, 45, "recount"}},
	 ES_EINVAL,
	 "Event 3 is not about product 1"},
	{"citing event 4, product 2's StockUpdated",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 4, 45, "recount"}},
	 ES_EINVAL,
	 "Event 4 is not about product 1"},
	{"product 2 citing product 1's StockUpdated",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {2, 2, 45, "recount"}},
	 ES_EINVAL,
	 "Event 2 is not about product 2"},
	{"citing event 5, a ProductViewed",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 5, 45, "recount"}},
	 ES_EINVAL,
	 "Event 5 is a ProductViewed, not a StockUpdated"},
	{"citing event 6, a PriceChanged",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 6, 45, "recount"}},
	 ES_EINVAL,
	 "Event 6 is a PriceChanged, not a StockUpdated"},
	{"citing event 7, a StockCorrected",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 7, 40, "recount"}},
	 ES_EINVAL,
	 "Event 7 is a StockCorrected, not a StockUpdated"},
	{"citing event 99, past the end of the log",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 99, 45, "recount"}},
	 ES_ENOTFOUND,
	 "Event 99 not found"},
	{"citing event 0",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 0, 45, "recount"}},
	 ES_ENOTFOUND,
	 "Event 0 not found"},
	{"citing event -1",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, -1, 45, "recount"}},
	 ES_ENOTFOUND,
	 "Event -1 not found"},
	{"product 99, never created",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {99, 2, 45, "recount"}},
	 ES_ENOTFOUND,
	 "Product 99 not found"},
	{"a negative stock",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 2, -1, "recount"}},
	 ES_EINVAL,
	 "Stock cannot be negative"},
	{"an empty reason",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 2, 45, ""}},
	 ES_EINVAL,
	 "Reason cannot be empty"},
	{"a reason of only spaces",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 2, 45, "   "}},
	 ES_EINVAL,
	 "Reason cannot be empty"},
	{"a reason of 201 characters",
	 {.type = ES_CORRECT_STOCK, .correct_stock = {1, 2, 45, X200 "!"}},
	 ES_EINVAL,
	 "Reason cannot be longer than 200 characters"},
};

static void test_handle_refusals_append_nothing(void)
{
	size_t n = sizeof(handler_refusals) / sizeof(handler_refusals[0]);

	given_a_log_with_a_correction();
	for (size_t i = 0; i < n; i++) {
		const struct es_test_refusal *r = &handler_refusals[i];
		struct es_error err = {0, ""};
		int rc;

		es_event_dispose(&got);
		rc = es_handle(&got, &handler, &r->cmd, &err);
		if (rc != r->code || strcmp(err.msg, r->message) != 0)
			ES_FAIL("%s: returned %s \"%s\", expected %s \"%s\"",
				r->name, es_code_name(rc), err.msg,
				es_code_name(r->code), r->message);
		if (count_events() != 7)
			ES_FAIL("%s: refused, yet events went from 7 to "
				"%" PRId64,
				r->name, count_events());
		ES_ASSERT_INT_EQ(got.type, 0); /* owns nothing */
	}
	/* Nothing was left open: a good correction still goes in. */
	ES_ASSERT_INT_EQ(handle_ok(correct(1, 2, 44, "recounted")), 8);
	load_product(1);
	ES_ASSERT_INT_EQ(product.stock, 44);
}

static void test_handler_loads_the_cited_event(void)
{
	struct es_command c = correct(1, 2, 45, "counted twice");
	struct es_command stock = es_test_cmd_update_stock(1, 5);
	struct es_error err = {0, ""};
	bool found = false;

	ES_REQUIRE_SETUP();
	handle_ok(es_test_cmd_widget());
	handle_ok(es_test_cmd_update_stock(1, 50));
	ES_ASSERT_OK(es_handler_load_cited(&ev, &found, store, &c, &err), &err);
	ES_ASSERT_TRUE(found);
	ES_ASSERT_INT_EQ(ev.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(ev.id, 2);
	ES_ASSERT_INT_EQ(ev.product_id, 1);
	ES_ASSERT_INT_EQ(ev.stock.new_stock, 50);
	es_event_dispose(&ev);
	/* Not in the log: not found, which is no failure. */
	c.correct_stock.corrects_event_id = 99;
	found = true;
	ES_ASSERT_OK(es_handler_load_cited(&ev, &found, store, &c, &err), &err);
	ES_ASSERT_TRUE(!found);
	ES_ASSERT_INT_EQ(ev.type, 0);
	ES_ASSERT_INT_EQ(ev.id, 0);
	/* A command that cites nothing loads nothing. */
	found = true;
	ES_ASSERT_OK(es_handler_load_cited(&ev, &found, store, &stock, &err),
		     &err);
	ES_ASSERT_TRUE(!found);
	ES_ASSERT_INT_EQ(ev.type, 0);
	/* A row in quarantine is no event: not found either. */
	es_test_insert_event(raw, 1, "StockUpdated",
			     "{\"product_id\": 1, \"new_stock\": \"lots\", "
			     "\"occurred_at\": \"" NOW "\"}",
			     NOW);
	ES_ASSERT_OK(
		es_store_quarantine(store, 3, "written by a test", NOW, &err),
		&err);
	c.correct_stock.corrects_event_id = 3;
	found = true;
	ES_ASSERT_OK(es_handler_load_cited(&ev, &found, store, &c, &err), &err);
	ES_ASSERT_TRUE(!found);
	es_event_dispose(&got);
	ES_ASSERT_CODE(es_handle(&got, &handler, &c, &err), ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "Event 3 not found");
	/* A row that does not decode is the store's error, not a refusal. */
	es_test_insert_corrupt_event(raw, 2);
	c.correct_stock.corrects_event_id = 4;
	ES_ASSERT_CODE(es_handler_load_cited(&ev, &found, store, &c, &err),
		       ES_ECORRUPT, &err);
	es_event_dispose(&got);
	ES_ASSERT_CODE(es_handle(&got, &handler, &c, &err), ES_ECORRUPT, &err);
	ES_ASSERT_INT_EQ(count_events(), 4);
}

/* ---- step 13's optimistic handler ---------------------------------------- */

static void open_optimistic(void)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_optimistic_open(&opt, store, handler.clock, NULL, &err),
		     &err);
}
#define open_optimistic() ES_CALLED(open_optimistic())

static int64_t optimistic_ok(struct es_command c)
{
	struct es_error err = {0, ""};

	es_event_dispose(&got);
	ES_ASSERT_OK(es_optimistic_handle(&got, opt, &c, &err), &err);
	return got.id;
}
#define optimistic_ok(c) ES_CALLED_INT(optimistic_ok(c))

static void test_optimistic_handler_corrects(void)
{
	struct es_command wrong = correct(1, 1, 45, "counted twice");
	struct es_command missing = correct(1, 99, 45, "counted twice");
	struct es_error err = {0, ""};

	open_optimistic();
	ES_ASSERT_INT_EQ(optimistic_ok(es_test_cmd_widget()), 1);
	ES_ASSERT_INT_EQ(optimistic_ok(es_test_cmd_update_stock(1, 50)), 2);
	ES_ASSERT_INT_EQ(optimistic_ok(correct(1, 2, 45, "counted twice")), 3);
	ES_ASSERT_INT_EQ(got.type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(got.corrected.corrects_event_id, 2);
	ES_ASSERT_INT_EQ(got.corrected.new_stock, 45);
	ES_ASSERT_STR_EQ(got.corrected.reason, "counted twice");
	load_product(1);
	ES_ASSERT_INT_EQ(product.stock, 45);
	ES_ASSERT_INT_EQ(product.version, 3);
	/* Refused with the decider's messages, appending nothing. */
	es_event_dispose(&got);
	ES_ASSERT_CODE(es_optimistic_handle(&got, opt, &wrong, &err), ES_EINVAL,
		       &err);
	ES_ASSERT_STR_EQ(err.msg,
			 "Event 1 is a ProductCreated, not a StockUpdated");
	ES_ASSERT_CODE(es_optimistic_handle(&got, opt, &missing, &err),
		       ES_ENOTFOUND, &err);
	ES_ASSERT_STR_EQ(err.msg, "Event 99 not found");
	ES_ASSERT_INT_EQ(count_events(), 3);
}

/* The hook: another writer sets product 1's stock, the first time only. */
static int slip_in_a_count(void *ctx, const struct es_product *loaded,
			   struct es_error *err)
{
	int *calls = ctx;
	char at[ES_TIMESTAMP_SIZE];
	struct es_event other;
	int rc;

	(void)loaded;
	if ((*calls)++ > 0)
		return ES_OK;
	es_test_timestamp(at, 9);
	es_event_stock_updated(&other, 1, 7, at);
	rc = es_store_append(store_b, &other, err);
	es_event_dispose(&other);
	return rc;
}

/*
 * A correction is decided on the stock, so it is in the decision stream:
 * a count appended between its load and its append makes it conflict,
 * and the handler decides again on the new state.
 */
static void test_optimistic_correction_retries_on_a_conflict(void)
{
	struct es_error err = {0, ""};
	int calls = 0;

	open_optimistic();
	optimistic_ok(es_test_cmd_widget());
	optimistic_ok(es_test_cmd_update_stock(1, 50));
	ES_ASSERT_OK(es_store_open(&store_b, path, ES_STORE_WRITE, &err), &err);
	es_optimistic_set_hook(opt, slip_in_a_count, &calls);
	ES_ASSERT_INT_EQ(optimistic_ok(correct(1, 2, 45, "counted twice")), 4);
	ES_ASSERT_INT_EQ(calls, 2);
	ES_ASSERT_INT_EQ(got.type, ES_STOCK_CORRECTED);
	load_product(1);
	ES_ASSERT_INT_EQ(list.count, 4);
	ES_ASSERT_INT_EQ(list.items[2].type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(list.items[2].stock.new_stock, 7);
	ES_ASSERT_INT_EQ(product.stock, 45);
	ES_ASSERT_INT_EQ(product.version, 4);
}

/* ---- the views and the read models --------------------------------------- */

static void open_read_db(sqlite3 **db, const char *name)
{
	struct es_error err = {0, ""};
	char file[512];

	ES_REQUIRE_SETUP();
	es_test_path(file, sizeof(file), name);
	ES_ASSERT_OK(es_read_db_open(db, file, ES_READ_DB_WRITE, &err), &err);
}
#define open_read_db(db, name) ES_CALLED(open_read_db(db, name))

/*
 * The events of the read-side tests, built by hand, as the log would
 * hand them over (ids set): Widget Pro created (#1), its stock set to 50
 * (#2), then corrections of #2, each stamped with the clock's reading n.
 */
static void make_widget_event(struct es_event *out)
{
	struct es_product_created fields = es_test_widget_fields();
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err = {0, ""};

	es_event_dispose(out);
	ES_ASSERT_OK(
		es_event_product_created(out, 1, &fields, stamp(at, 0), &err),
		&err);
	out->id = 1;
}
#define make_widget_event(out) ES_CALLED(make_widget_event(out))

static void make_count(struct es_event *out)
{
	es_event_dispose(out);
	es_test_stock_updated(out, 1, 50, 1);
	out->id = 2;
}

static void make_correction_of_2(struct es_event *out, int64_t id,
				 int64_t new_stock, int n)
{
	char at[ES_TIMESTAMP_SIZE];

	make_correction(out, 1, 2, new_stock, "counted twice", stamp(at, n));
	out->id = id;
}
#define make_correction_of_2(out, id, new_stock, n)                            \
	ES_CALLED(make_correction_of_2(out, id, new_stock, n))

static void project_ok(const struct es_event *e)
{
	struct es_error err = {0, ""};

	ES_ASSERT_OK(es_projector_project(prj, e, &err), &err);
}
#define project_ok(e) ES_CALLED(project_ok(e))

#define DETAIL_ROWS                                                            \
	"SELECT id, name, description, price, stock, view_count,"              \
	" supplier_name, created_at, updated_at"                               \
	" FROM product_detail_view ORDER BY id"
#define LIST_ROWS                                                              \
	"SELECT id, name, price, stock, supplier_name"                         \
	" FROM product_list_view ORDER BY id"

static void test_projector_sets_the_stock(void)
{
	char expected[512];
	char created[ES_TIMESTAMP_SIZE];
	char corrected[ES_TIMESTAMP_SIZE];
	struct es_error err = {0, ""};

	open_read_db(&read_db, "read_model.db");
	ES_ASSERT_OK(es_projector_open(&prj, read_db, &err), &err);
	make_widget_event(&ev);
	project_ok(&ev);
	make_count(&ev);
	project_ok(&ev);
	make_correction_of_2(&ev, 3, 45, 2);
	project_ok(&ev);
	snprintf(expected, sizeof(expected),
		 "1|'Widget Pro'|'A fine widget'|29.99|45|0|'Acme Corp'|"
		 "'%s'|'%s'\n",
		 stamp(created, 0), stamp(corrected, 2));
	ES_ASSERT_ROWS(es_test_dump_rows(&dump_a, read_db, DETAIL_ROWS),
		       expected);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump_a, read_db, LIST_ROWS),
		       "1|'Widget Pro'|29.99|45|'Acme Corp'\n");
	/* A product the views do not hold: nothing changes, no error. */
	make_correction(&ev, 9, 2, 1, "not here", NOW);
	ES_ASSERT_OK(es_projector_project(prj, &ev, &err), &err);
	ES_ASSERT_ROWS(es_test_dump_rows(&dump_a, read_db, LIST_ROWS),
		       "1|'Widget Pro'|29.99|45|'Acme Corp'\n");
}

static void insights_apply_ok(const struct es_event *e)
{
	struct es_error err = {0, ""};

	ES_ASSERT_OK(es_insights_apply(ins, e, &err), &err);
}
#define insights_apply_ok(e) ES_CALLED(insights_apply_ok(e))

static void test_low_stock_alert_follows_a_correction(void)
{
	struct es_error err = {0, ""};

	open_read_db(&read_db, "read_model.db");
	ES_ASSERT_OK(es_insights_open(&ins, read_db, &err), &err);
	make_widget_event(&ev);
	insights_apply_ok(&ev);
	make_count(&ev);
	insights_apply_ok(&ev);
	ES_ASSERT_ROWS(
		es_test_dump_rows(&dump_a, read_db, ES_TEST_LOW_STOCK_SQL), "");
	/* Corrected below the threshold: in the alert... */
	make_correction_of_2(&ev, 3, 5, 2);
	insights_apply_ok(&ev);
	ES_ASSERT_ROWS(
		es_test_dump_rows(&dump_a, read_db, ES_TEST_LOW_STOCK_SQL),
		"1|'Widget Pro'|5\n");
	/* ...and out of it when corrected again. */
	make_correction_of_2(&ev, 4, 12, 3);
	insights_apply_ok(&ev);
	ES_ASSERT_ROWS(
		es_test_dump_rows(&dump_a, read_db, ES_TEST_LOW_STOCK_SQL), "");
	ES_ASSERT_ROWS(
		es_test_dump_rows(&dump_a, read_db, ES_TEST_VIEW_COUNTS_SQL),
		"");
}

/*
 * A log with corrections: two products, each corrected, one twice, and
 * changes after the corrections. Each event is projected (step 10's
 * catch-up) right after its command, as catalog apply does.
 */
static void apply_live(struct es_command c)
{
	struct es_error err = {0, ""};
	int64_t projected = 0;

	handle_ok(c);
	ES_ASSERT_OK(es_views_catch_up(&projected, views, store, &err), &err);
	ES_ASSERT_INT_EQ(projected, 1);
}
#define apply_live(c) ES_CALLED(apply_live(c))

static const char *const view_tables[] = {
	"low_stock_alert_view",
	"product_detail_view",
	"product_list_view",
	"view_count_summary",
	NULL,
};

/* Every view of `db` as text, each under its name. */
static const struct es_test_dump *dump_views(struct es_test_dump *d,
					     sqlite3 *db)
{
	es_test_dump_reset(d);
	es_test_dump_append(d, "product_detail_view:\n");
	es_test_dump_query(d, db, DETAIL_ROWS);
	es_test_dump_append(d, "product_list_view:\n");
	es_test_dump_query(d, db, LIST_ROWS);
	es_test_dump_append(d, "view_count_summary:\n");
	es_test_dump_query(d, db, ES_TEST_VIEW_COUNTS_SQL);
	es_test_dump_append(d, "low_stock_alert_view:\n");
	es_test_dump_query(d, db, ES_TEST_LOW_STOCK_SQL);
	return d;
}
#define dump_views(d, db) ES_CALLED_PTR(dump_views(d, db))

static void test_replay_gives_the_views_made_live(void)
{
	struct es_error err = {0, ""};
	int64_t replayed = 0;

	open_read_db(&read_db, "read_model.db");
	ES_ASSERT_OK(es_views_open(&views, read_db, &err), &err);
	apply_live(es_test_cmd_widget());			 /* #1 */
	apply_live(es_test_cmd_create("Gadget Plus", 49.99, 0)); /* #2 */
	apply_live(es_test_cmd_update_stock(2, 50));		 /* #3 */
	apply_live(es_test_cmd_record_view(2));			 /* #4 */
	apply_live(correct(2, 3, 45, "counted twice"));		 /* #5 */
	apply_live(es_test_cmd_update_stock(1, 8));		 /* #6 */
	apply_live(correct(1, 6, 3, "a box was empty"));	 /* #7 */
	apply_live(correct(2, 3, 5, "counted again"));		 /* #8 */
	apply_live(es_test_cmd_change_price(2, 44.99));		 /* #9 */
	apply_live(es_test_cmd_record_view(1));			 /* #10 */
	/* What the corrections left: the last word on each stock. */
	ES_ASSERT_ROWS(es_test_dump_rows(&dump_a, read_db, LIST_ROWS),
		       "1|'Widget Pro'|29.99|3|'Acme Corp'\n"
		       "2|'Gadget Plus'|44.99|5|'Acme Corp'\n");
	ES_ASSERT_ROWS(
		es_test_dump_rows(&dump_a, read_db, ES_TEST_LOW_STOCK_SQL),
		"1|'Widget Pro'|3\n2|'Gadget Plus'|5\n");
	dump_views(&dump_a, read_db);
	/* Replayed into a new read DB... */
	open_read_db(&other_db, "replayed.db");
	ES_ASSERT_OK(es_views_open(&other_views, other_db, &err), &err);
	ES_ASSERT_OK(es_views_rebuild(&replayed, other_views, store, &err),
		     &err);
	ES_ASSERT_INT_EQ(replayed, 10);
	ES_ASSERT_SAME_VIEWS(other_db, read_db, view_tables);
	/* ...and over the live one: the same rows again. */
	ES_ASSERT_OK(es_views_rebuild(&replayed, views, store, &err), &err);
	ES_ASSERT_SAME_DUMP(dump_views(&dump_b, read_db), dump_a.text,
			    "the views rebuilt in place");
}

/*
 * Golden scenario "every-event" (harness/golden/): corrections in and
 * out of the low-stock alert, one count corrected twice, a count after a
 * correction. Replayed by your code, its log gives the views the
 * reference wrote, row for row.
 */
static void test_golden_log_replays_to_its_views(void)
{
	struct es_error err = {0, ""};
	char golden[512];
	int64_t replayed = 0;

	ES_REQUIRE_SETUP();
	es_test_path(golden, sizeof(golden), "golden.db");
	es_test_load_golden_log("every-event", golden);
	ES_ASSERT_OK(es_store_open(&store_b, golden, ES_STORE_READONLY, &err),
		     &err);
	open_read_db(&read_db, "read_model.db");
	ES_ASSERT_OK(es_views_open(&views, read_db, &err), &err);
	ES_ASSERT_OK(es_views_rebuild(&replayed, views, store_b, &err), &err);
	ES_ASSERT_INT_EQ(replayed, 21);
	ES_ASSERT_GOLDEN_VIEWS(read_db, "every-event", view_tables);
}

/* ---- the audit trail ----------------------------------------------------- */

/* Run es_audit_trail of `product_id` into `mem_text`; returns its code. */
static int audit(int64_t product_id, struct es_error *err)
{
	int rc;

	ES_REQUIRE_SETUP();
	free(mem_text);
	mem_text = NULL;
	mem = open_memstream(&mem_text, &mem_len);
	if (mem == NULL)
		ES_FAIL("open_memstream failed");
	rc = es_audit_trail(mem, store, product_id, err);
	fclose(mem);
	mem = NULL;
	return rc;
}
#define audit(product_id, err) ES_CALLED_INT(audit(product_id, err))

/* Append the audit line of event `id`, stamped at `at`, to `buf`. */
static void audit_line(char *buf, size_t size, int64_t id, const char *at,
		       const char *what)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "#%" PRId64 " %s %s\n", id, at, what);
}

/*
 * audit.h's example: Gadget Plus (product 2) gets events 2, 3, 4, 5, 7
 * and 8, event n being the clock's reading n - 1; #8 corrects #3.
 */
static void given_the_audit_example(void)
{
	ES_ASSERT_INT_EQ(
		handle_ok(es_test_cmd_create("Widget Pro", 29.99, 100)), 1);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_create("Gadget Plus", 49.99, 0)),
			 2);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_update_stock(2, 50)), 3);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_change_price(2, 44.99)), 4);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_record_view(2)), 5);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_record_view(1)), 6);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_record_view(2)), 7);
	ES_ASSERT_INT_EQ(handle_ok(correct(2, 3, 45, "counted twice")), 8);
}
#define given_the_audit_example() ES_CALLED(given_the_audit_example())

static void test_audit_trail_tells_a_correction(void)
{
	char expected[2048] = "";
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err = {0, ""};

	given_the_audit_example();
	audit_line(expected, sizeof(expected), 2, stamp(at, 1),
		   "ProductCreated: created 'Gadget Plus' at 49.99, stock 0, "
		   "supplier 'Acme Corp'");
	audit_line(expected, sizeof(expected), 3, stamp(at, 2),
		   "StockUpdated: stock 0 -> 50 (corrected by #8)");
	audit_line(expected, sizeof(expected), 4, stamp(at, 3),
		   "PriceChanged: price 49.99 -> 44.99");
	audit_line(expected, sizeof(expected), 5, stamp(at, 4),
		   "ProductViewed: viewed (1 view)");
	audit_line(expected, sizeof(expected), 7, stamp(at, 6),
		   "ProductViewed: viewed (2 views)");
	audit_line(expected, sizeof(expected), 8, stamp(at, 7),
		   "StockCorrected: corrects #3: was 50, now 45, because "
		   "'counted twice'");
	ES_ASSERT_OK(audit(2, &err), &err);
	ES_ASSERT_STR_EQ(mem_text, expected);
}

static void test_audit_trail_of_two_corrections(void)
{
	char expected[2048] = "";
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err = {0, ""};

	given_the_audit_example();
	ES_ASSERT_INT_EQ(handle_ok(correct(2, 3, 40, "counted again")), 9);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_update_stock(2, 30)), 10);
	audit_line(expected, sizeof(expected), 2, stamp(at, 1),
		   "ProductCreated: created 'Gadget Plus' at 49.99, stock 0, "
		   "supplier 'Acme Corp'");
	audit_line(expected, sizeof(expected), 3, stamp(at, 2),
		   "StockUpdated: stock 0 -> 50 (corrected by #8, #9)");
	audit_line(expected, sizeof(expected), 4, stamp(at, 3),
		   "PriceChanged: price 49.99 -> 44.99");
	audit_line(expected, sizeof(expected), 5, stamp(at, 4),
		   "ProductViewed: viewed (1 view)");
	audit_line(expected, sizeof(expected), 7, stamp(at, 6),
		   "ProductViewed: viewed (2 views)");
	audit_line(expected, sizeof(expected), 8, stamp(at, 7),
		   "StockCorrected: corrects #3: was 50, now 45, because "
		   "'counted twice'");
	/* "was": what #3 said, not the stock before this correction. */
	audit_line(expected, sizeof(expected), 9, stamp(at, 8),
		   "StockCorrected: corrects #3: was 50, now 40, because "
		   "'counted again'");
	/* The next count starts from the corrected stock. */
	audit_line(expected, sizeof(expected), 10, stamp(at, 9),
		   "StockUpdated: stock 40 -> 30");
	ES_ASSERT_OK(audit(2, &err), &err);
	ES_ASSERT_STR_EQ(mem_text, expected);
}

/*
 * Insert a StockCorrected row of product 2, as another program may have
 * written it, stamped with the clock's reading n.
 */
static void insert_correction(int64_t cites, int64_t new_stock,
			      const char *reason, int n)
{
	char at[ES_TIMESTAMP_SIZE];
	char data[512];

	snprintf(data, sizeof(data),
		 "{\"product_id\": 2, \"corrects_event_id\": %" PRId64
		 ", \"new_stock\": %" PRId64
		 ", \"reason\": \"%s\", \"occurred_at\": \"%s\"}",
		 cites, new_stock, reason, stamp(at, n));
	es_test_insert_event(raw, 2, "StockCorrected", data, at);
}
#define insert_correction(cites, new_stock, reason, n)                         \
	ES_CALLED(insert_correction(cites, new_stock, reason, n))

/*
 * Corrections another program wrote, which no decider checked: one
 * cites an event the log does not have, one another product's count.
 */
static void test_audit_trail_was_unknown(void)
{
	char expected[2048] = "";
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err = {0, ""};

	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_widget()), 1);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_create("Gadget Plus", 49.99, 0)),
			 2);
	ES_ASSERT_INT_EQ(handle_ok(es_test_cmd_update_stock(1, 50)), 3);
	insert_correction(99, 7, "a typo", 3);
	insert_correction(3, 8, "wrong shelf", 4);
	audit_line(expected, sizeof(expected), 2, stamp(at, 1),
		   "ProductCreated: created 'Gadget Plus' at 49.99, stock 0, "
		   "supplier 'Acme Corp'");
	audit_line(expected, sizeof(expected), 4, stamp(at, 3),
		   "StockCorrected: corrects #99: was ?, now 7, because "
		   "'a typo'");
	audit_line(expected, sizeof(expected), 5, stamp(at, 4),
		   "StockCorrected: corrects #3: was ?, now 8, because "
		   "'wrong shelf'");
	ES_ASSERT_OK(audit(2, &err), &err);
	ES_ASSERT_STR_EQ(mem_text, expected);
	/* Product 1's count is not marked: the correction is not its. */
	expected[0] = '\0';
	audit_line(expected, sizeof(expected), 1, stamp(at, 0),
		   "ProductCreated: created 'Widget Pro' at 29.99, stock 100, "
		   "supplier 'Acme Corp'");
	audit_line(expected, sizeof(expected), 3, stamp(at, 2),
		   "StockUpdated: stock 100 -> 50");
	ES_ASSERT_OK(audit(1, &err), &err);
	ES_ASSERT_STR_EQ(mem_text, expected);
}

static CU_TestInfo event_tests[] = {
	{"the StockCorrected constructor fills every field and copies the "
	 "reason",
	 test_constructor_fills_every_field},
	{"dispose frees a StockCorrected's reason and zeroes it",
	 test_dispose_frees_the_reason},
	{"StockCorrected is named, and its name parses back",
	 test_type_name_and_parse},
	{"a StockCorrected goes to its JSON data and back",
	 test_json_round_trip},
	{"CorrectStock parses with every field, its rules left to decide",
	 test_correct_stock_parses},
	{"a bad CorrectStock line is refused with its exact message",
	 test_bad_correct_stock_lines},
	{"a reason up to 800 bytes parses, one byte more is refused",
	 test_reason_bound_in_bytes},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo decide_tests[] = {
	{"decide refuses each rule's breach with its message, in order",
	 test_decide_refusals},
	{"decide turns a CorrectStock into a StockCorrected stamped now",
	 test_decide_accepts_a_correction},
	{"a CorrectStock cites its event and reads its product, no other "
	 "command cites one",
	 test_command_cites_an_event},
	{"evolve sets the stock to the correction's and counts the version",
	 test_evolve_sets_the_stock},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo handler_tests[] = {
	{"the log takes a StockCorrected, and es_store_get reads it back",
	 test_store_takes_and_gets_a_correction},
	{"the handler appends a correction citing a StockUpdated, and the "
	 "stock is corrected",
	 test_handle_a_correction},
	{"a refused correction returns the rule's message and appends nothing",
	 test_handle_refusals_append_nothing},
	{"handler_load_cited loads the cited event, or finds none",
	 test_handler_loads_the_cited_event},
	{"the optimistic handler appends and refuses corrections",
	 test_optimistic_handler_corrects},
	{"a count appended before the correction's append makes it conflict "
	 "and retry",
	 test_optimistic_correction_retries_on_a_conflict},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo read_side_tests[] = {
	{"the projector sets the stock of both views to the corrected one",
	 test_projector_sets_the_stock},
	{"the low stock alert follows a correction in and out",
	 test_low_stock_alert_follows_a_correction},
	{"a log with corrections replays to the views its events made live",
	 test_replay_gives_the_views_made_live},
	{"the golden log with corrections replays to the reference's views",
	 test_golden_log_replays_to_its_views},
	{"the audit trail tells a correction beside the count it corrects",
	 test_audit_trail_tells_a_correction},
	{"the audit trail tells two corrections of one count",
	 test_audit_trail_of_two_corrections},
	{"the audit trail says 'was ?' for a correction of no count of its "
	 "product",
	 test_audit_trail_was_unknown},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 15: corrections, the event and the command", NULL, NULL, setup,
	 teardown, event_tests},
	{"step 15: decide and evolve, without a database", NULL, NULL,
	 decide_setup, decide_teardown, decide_tests},
	{"step 15: the log and the handlers", NULL, NULL, store_setup,
	 store_teardown, handler_tests},
	{"step 15: the views, the read models and the audit trail", NULL, NULL,
	 store_setup, store_teardown, read_side_tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/15-corrections.md";
