/*
 * test_events.c - step 1: the events as facts: their names, their
 * constructors, and dispose.
 *
 * The JSON the log stores them as is given (event_json.c, tested in step
 * 0); the last tests here only check that your events are what it writes
 * and that your dispose frees what it reads.
 *
 * Every event and JSON string a test makes lives in the file-scope
 * fixtures below, which the teardown frees, so a test that stops at a
 * failed assertion leaks nothing. Table-driven tests name the failing row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fixtures.h"
#include "harness.h"

/* The fixed clock's first timestamp. */
#define AT	 "2026-11-27T14:32:05.123456+00:00"
#define OCCURRED "\"occurred_at\": \"" AT "\""

/* The seed's first product, as Python writes its ProductCreated. */
#define WIDGET_JSON                                                            \
	"{\"product_id\": 1, \"name\": \"Widget Pro\", \"price\": 29.99, "     \
	"\"cost_price\": 12.0, \"supplier_id\": 1, \"supplier_name\": "        \
	"\"Acme Corp\", \"stock\": 100, " OCCURRED ", \"description\": null}"

/* A product with a description. */
#define GADGET_JSON                                                            \
	"{\"product_id\": 2, \"name\": \"Gadget Plus\", \"price\": 49.99, "    \
	"\"cost_price\": 22.5, \"supplier_id\": 1, \"supplier_name\": "        \
	"\"Acme Corp\", \"stock\": 0, " OCCURRED ", \"description\": "         \
	"\"A gadget, plus\"}"

#define STOCK_JSON  "{\"product_id\": 2, \"new_stock\": 50, " OCCURRED "}"
#define PRICE_JSON  "{\"product_id\": 2, \"new_price\": 44.99, " OCCURRED "}"
#define VIEWED_JSON "{\"product_id\": 1, " OCCURRED "}"

static struct es_event ev;   /* the event under test */
static struct es_event back; /* an event es_event_from_json() read */
static char *json;	     /* what es_event_to_json() wrote */
static struct es_error err;

static void setup(void)
{
	memset(&ev, 0, sizeof(ev));
	memset(&back, 0, sizeof(back));
	memset(&err, 0, sizeof(err));
	json = NULL;
}

static void teardown(void)
{
	es_event_dispose(&ev);
	es_event_dispose(&back);
	free(json);
	json = NULL;
}

/* The fields of the seed's Widget Pro (fixtures.h): no description. */
static struct es_product_created widget_fields(void)
{
	struct es_product_created f = es_test_widget_fields();

	f.description = NULL;
	return f;
}

/*
 * The helpers below fail the test naming the table row (or the case) at
 * fault, and report the line of the test that called them, through the
 * upper-case macros.
 */
#define CHECK_CODE(row, rc, code) ES_CHECK_CODE(row, rc, code, &err)
#define CHECK_STR(row, what, actual, expected)                                 \
	ES_CHECK_STR(row, what, actual, expected)
#define MAKE_CREATED(row, out, id, fields)                                     \
	make_created(__LINE__, row, out, id, fields)
#define ENCODE(row, e) encode(__LINE__, row, e)

/* ProductCreated for `fields`, stamped AT, into `out`. */
static void make_created(int line, const char *row, struct es_event *out,
			 int64_t product_id,
			 const struct es_product_created *fields)
{
	es_check_code(
		__FILE__, line, row,
		es_event_product_created(out, product_id, fields, AT, &err),
		ES_OK, &err);
}

/* Serialize `e` into `json`; a failure fails the test. */
static const char *encode(int line, const char *row, const struct es_event *e)
{
	free(json);
	json = NULL;
	es_check_code(__FILE__, line, row, es_event_to_json(&json, e, &err),
		      ES_OK, &err);
	return json;
}

/* ---- names -------------------------------------------------------------- */

struct type_row {
	enum es_event_type type;
	const char *name;
};

static const struct type_row type_rows[] = {
	{ES_PRODUCT_CREATED, "ProductCreated"},
	{ES_STOCK_UPDATED, "StockUpdated"},
	{ES_PRICE_CHANGED, "PriceChanged"},
	{ES_PRODUCT_VIEWED, "ProductViewed"},
};

#define TYPE_ROWS (sizeof(type_rows) / sizeof(type_rows[0]))

static void test_type_name(void)
{
	for (size_t i = 0; i < TYPE_ROWS; i++)
		CHECK_STR(type_rows[i].name, "es_event_type_name()",
			  es_event_type_name(type_rows[i].type),
			  type_rows[i].name);
}

static void test_type_parse(void)
{
	for (size_t i = 0; i < TYPE_ROWS; i++) {
		enum es_event_type type = 0;

		CHECK_CODE(type_rows[i].name,
			   es_event_type_parse(&type, type_rows[i].name, &err),
			   ES_OK);
		if (type != type_rows[i].type)
			ES_FAIL("%s: parsed as %d, expected %d",
				type_rows[i].name, (int)type,
				(int)type_rows[i].type);
	}
}

static void test_type_parse_unknown(void)
{
	static const char *const names[] = {
		"Foo", "productcreated", "ProductCreated ", "", "CreateProduct",
	};
	char expected[ES_ERROR_MSG_SIZE];
	enum es_event_type type;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(expected, sizeof(expected), "unknown event type '%s'",
			 names[i]);
		CHECK_CODE(names[i], es_event_type_parse(&type, names[i], &err),
			   ES_EINVAL);
		CHECK_STR(names[i], "the message", err.msg, expected);
	}
	ES_ASSERT_CODE(es_event_type_parse(&type, "Foo", NULL), ES_EINVAL,
		       NULL);
}

/* ---- constructors and dispose ------------------------------------------- */

static void test_created_fills_every_field(void)
{
	struct es_product_created fields = widget_fields();

	fields.description = "Our best widget";
	ev.id = 99;
	ES_ASSERT_OK(es_event_product_created(&ev, 7, &fields, AT, &err), &err);
	ES_ASSERT_INT_EQ(ev.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(ev.id, 0);
	ES_ASSERT_INT_EQ(ev.product_id, 7);
	ES_ASSERT_STR_EQ(ev.occurred_at, AT);
	ES_ASSERT_STR_EQ(ev.created.name, "Widget Pro");
	ES_ASSERT_DOUBLE_EQ(ev.created.price, 29.99);
	ES_ASSERT_DOUBLE_EQ(ev.created.cost_price, 12.0);
	ES_ASSERT_INT_EQ(ev.created.supplier_id, 1);
	ES_ASSERT_STR_EQ(ev.created.supplier_name, "Acme Corp");
	ES_ASSERT_INT_EQ(ev.created.stock, 100);
	ES_ASSERT_STR_EQ(ev.created.description, "Our best widget");
}

static void test_created_copies_its_strings(void)
{
	char name[] = "Widget Pro";
	char supplier[] = "Acme Corp";
	char description[] = "Our best widget";
	char at[] = AT;
	struct es_product_created fields = widget_fields();

	fields.name = name;
	fields.supplier_name = supplier;
	fields.description = description;
	ES_ASSERT_OK(es_event_product_created(&ev, 1, &fields, at, &err), &err);
	memset(name, 'x', sizeof(name) - 1);
	memset(supplier, 'x', sizeof(supplier) - 1);
	memset(description, 'x', sizeof(description) - 1);
	memset(at, 'x', sizeof(at) - 1);
	ES_ASSERT_STR_EQ(ev.created.name, "Widget Pro");
	ES_ASSERT_STR_EQ(ev.created.supplier_name, "Acme Corp");
	ES_ASSERT_STR_EQ(ev.created.description, "Our best widget");
	ES_ASSERT_STR_EQ(ev.occurred_at, AT);
}

static void test_created_keeps_no_description(void)
{
	struct es_product_created fields = widget_fields();

	ES_ASSERT_OK(es_event_product_created(&ev, 1, &fields, AT, &err), &err);
	ES_ASSERT_STR_EQ(ev.created.name, "Widget Pro");
	ES_ASSERT_STR_EQ(ev.created.description, NULL);
}

static void test_other_constructors(void)
{
	ev.id = 99;
	es_event_stock_updated(&ev, 2, 50, AT);
	ES_ASSERT_INT_EQ(ev.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(ev.id, 0);
	ES_ASSERT_INT_EQ(ev.product_id, 2);
	ES_ASSERT_INT_EQ(ev.stock.new_stock, 50);
	ES_ASSERT_STR_EQ(ev.occurred_at, AT);

	ev.id = 99;
	es_event_price_changed(&ev, 3, 44.99, "2026-11-27T14:32:06+00:00");
	ES_ASSERT_INT_EQ(ev.type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(ev.id, 0);
	ES_ASSERT_INT_EQ(ev.product_id, 3);
	ES_ASSERT_DOUBLE_EQ(ev.price.new_price, 44.99);
	ES_ASSERT_STR_EQ(ev.occurred_at, "2026-11-27T14:32:06+00:00");

	ev.id = 99;
	es_event_product_viewed(&ev, 4, AT);
	ES_ASSERT_INT_EQ(ev.type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(ev.id, 0);
	ES_ASSERT_INT_EQ(ev.product_id, 4);
	ES_ASSERT_STR_EQ(ev.occurred_at, AT);
}

static void test_dispose(void)
{
	struct es_product_created fields = widget_fields();

	fields.description = "Our best widget";
	MAKE_CREATED("Widget Pro", &ev, 1, &fields);
	es_event_dispose(&ev);
	ES_ASSERT_INT_EQ(ev.type, 0);
	ES_ASSERT_INT_EQ(ev.product_id, 0);
	ES_ASSERT_STR_EQ(ev.occurred_at, "");
	ES_ASSERT_TRUE(ev.created.name == NULL);
	ES_ASSERT_TRUE(ev.created.supplier_name == NULL);
	ES_ASSERT_TRUE(ev.created.description == NULL);
	/* Valgrind reports a double free if the second call frees again. */
	es_event_dispose(&ev);
	ES_ASSERT_INT_EQ(ev.type, 0);
	es_event_dispose(NULL);
}

/* ---- the events in the log --------------------------------------------- */

static void test_constructed_events_as_json(void)
{
	struct es_product_created fields = widget_fields();

	MAKE_CREATED("Widget Pro", &ev, 1, &fields);
	ES_ASSERT_STR_EQ(ENCODE("Widget Pro", &ev), WIDGET_JSON);

	es_event_dispose(&ev);
	fields.name = "Gadget Plus";
	fields.price = 49.99;
	fields.cost_price = 22.5;
	fields.stock = 0;
	fields.description = "A gadget, plus";
	MAKE_CREATED("Gadget Plus", &ev, 2, &fields);
	ES_ASSERT_STR_EQ(ENCODE("Gadget Plus", &ev), GADGET_JSON);

	es_event_dispose(&ev);
	es_event_stock_updated(&ev, 2, 50, AT);
	ES_ASSERT_STR_EQ(ENCODE("StockUpdated", &ev), STOCK_JSON);
	es_event_price_changed(&ev, 2, 44.99, AT);
	ES_ASSERT_STR_EQ(ENCODE("PriceChanged", &ev), PRICE_JSON);
	es_event_product_viewed(&ev, 1, AT);
	ES_ASSERT_STR_EQ(ENCODE("ProductViewed", &ev), VIEWED_JSON);
}

static void test_dispose_decoded(void)
{
	/* Valgrind reports a leak if dispose misses one of the strings. */
	CHECK_CODE("Gadget Plus",
		   es_event_from_json(&back, ES_PRODUCT_CREATED, GADGET_JSON,
				      &err),
		   ES_OK);
	es_event_dispose(&back);
	ES_ASSERT_INT_EQ(back.type, 0);
	ES_ASSERT_TRUE(back.created.name == NULL);
	ES_ASSERT_TRUE(back.created.supplier_name == NULL);
	ES_ASSERT_TRUE(back.created.description == NULL);
}

static CU_TestInfo tests[] = {
	{"es_event_type_name gives the seed's class names", test_type_name},
	{"es_event_type_parse finds every event type by its name",
	 test_type_parse},
	{"es_event_type_parse refuses any other name", test_type_parse_unknown},
	{"es_event_product_created fills every field",
	 test_created_fills_every_field},
	{"es_event_product_created copies its strings",
	 test_created_copies_its_strings},
	{"es_event_product_created keeps a NULL description NULL",
	 test_created_keeps_no_description},
	{"the other constructors fill their events", test_other_constructors},
	{"es_event_dispose frees, zeroes, and may be called twice",
	 test_dispose},
	{"the constructors' events are stored as Python writes them",
	 test_constructed_events_as_json},
	{"es_event_dispose frees what es_event_from_json read",
	 test_dispose_decoded},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 1: events", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/01-events.md";
