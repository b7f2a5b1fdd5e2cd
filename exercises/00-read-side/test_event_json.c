/*
 * test_event_json.c - step 0: the JSON the event log stores, given
 * complete: json_text.h's writers, and es_event_to_json() and
 * es_event_from_json() (exercises/00-read-side/event_json.c).
 *
 * The expected JSON strings are what Python's
 * json.dumps(dataclasses.asdict(event)) prints for the seed's dataclasses,
 * byte for byte. They were produced with Python and pasted here, so the
 * kata never needs Python to run.
 *
 * These tests run before step 1 is written, so they call none of its
 * functions: they fill events by hand, with borrowed strings, and free
 * what es_event_from_json() allocated with free_decoded() below. Every
 * event and string a test makes lives in the file-scope fixtures, which
 * the teardown frees, so a test that stops at a failed assertion leaks
 * nothing. Table-driven tests name the failing row.
 *
 * test_read_side.c lists these tests as a suite of step 0.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "json_text.h"
#include "test_step0.h"

/* The fixed clock's first timestamp. */
#define AT	 "2026-11-27T14:32:05.123456+00:00"
#define OCCURRED "\"occurred_at\": \"" AT "\""

/* The seed's first product, as Python writes its ProductCreated. */
#define WIDGET_JSON                                                            \
	"{\"product_id\": 1, \"name\": \"Widget Pro\", \"price\": 29.99, "     \
	"\"cost_price\": 12.0, \"supplier_id\": 1, \"supplier_name\": "        \
	"\"Acme Corp\", \"stock\": 100, " OCCURRED ", \"description\": null}"

/* WIDGET_JSON with the name left to a printf %s. */
#define WIDGET_NAMED_FMT                                                       \
	"{\"product_id\": 1, \"name\": \"%s\", \"price\": 29.99, "             \
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
/* Step 15's event: not the seed's, so its keys' order is the kata's. */
#define CORRECTED_JSON                                                         \
	"{\"product_id\": 2, \"corrects_event_id\": 3, \"new_stock\": 45, "    \
	"\"reason\": \"counted twice\", " OCCURRED "}"

static struct es_event ev;     /* the event under test; strings borrowed */
static struct es_event back;   /* ev after a trip through JSON; owned */
static char *json;	       /* what es_event_to_json() wrote */
static struct es_json_buf buf; /* the json_text.h tests' buffer */
static struct es_error err;

/*
 * Free what es_event_from_json() allocated in `e` and zero it, as step 1's
 * es_event_dispose() will; step 0 cannot call it.
 */
static void free_decoded(struct es_event *e)
{
	switch (e->type) {
	case ES_PRODUCT_CREATED:
		free(e->created.name);
		free(e->created.supplier_name);
		free(e->created.description);
		break;
	case ES_STOCK_CORRECTED:
		free(e->corrected.reason);
		break;
	case ES_STOCK_UPDATED:
	case ES_PRICE_CHANGED:
	case ES_PRODUCT_VIEWED:
		break;
	}
	memset(e, 0, sizeof(*e));
}

void es_event_json_setup(void)
{
	memset(&ev, 0, sizeof(ev));
	memset(&back, 0, sizeof(back));
	memset(&err, 0, sizeof(err));
	json = NULL;
	es_json_buf_init(&buf);
}

void es_event_json_teardown(void)
{
	free_decoded(&back);
	free(json);
	json = NULL;
	es_json_buf_dispose(&buf);
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
#define CHECK_MSG(row, part)	check_msg(__LINE__, row, part)
#define ENCODE(row, e)		encode(__LINE__, row, e)
#define DECODE(row, type, text) decode(__LINE__, row, type, text)

/* Fail unless err.msg contains `part`. */
static void check_msg(int line, const char *row, const char *part)
{
	if (strstr(err.msg, part) == NULL)
		es_test_fail(__FILE__, line,
			     "%s: message is \"%s\", expected it to contain "
			     "\"%s\"",
			     row, err.msg, part);
}

/*
 * Fill `e` by hand, as step 1's constructors will: zeroed, then the tag,
 * the product, the timestamp and the type's own fields. Strings are
 * borrowed, not copied: `ev` is never freed.
 */
static void fill(struct es_event *e, enum es_event_type type,
		 int64_t product_id, const char *occurred_at)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->product_id = product_id;
	snprintf(e->occurred_at, sizeof(e->occurred_at), "%s", occurred_at);
}

static void fill_created(struct es_event *e, int64_t product_id,
			 const struct es_product_created *fields)
{
	fill(e, ES_PRODUCT_CREATED, product_id, AT);
	e->created = *fields;
}

static void fill_stock(struct es_event *e, int64_t product_id,
		       int64_t new_stock, const char *occurred_at)
{
	fill(e, ES_STOCK_UPDATED, product_id, occurred_at);
	e->stock.new_stock = new_stock;
}

static void fill_price(struct es_event *e, int64_t product_id, double new_price,
		       const char *occurred_at)
{
	fill(e, ES_PRICE_CHANGED, product_id, occurred_at);
	e->price.new_price = new_price;
}

static void fill_viewed(struct es_event *e, int64_t product_id,
			const char *occurred_at)
{
	fill(e, ES_PRODUCT_VIEWED, product_id, occurred_at);
}

static void fill_corrected(struct es_event *e, int64_t product_id,
			   int64_t corrects_event_id, int64_t new_stock,
			   const char *reason)
{
	fill(e, ES_STOCK_CORRECTED, product_id, AT);
	e->corrected.corrects_event_id = corrects_event_id;
	e->corrected.new_stock = new_stock;
	e->corrected.reason = (char *)reason;
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

/* Decode `text` into `back`; a failure fails the test. */
static void decode(int line, const char *row, enum es_event_type type,
		   const char *text)
{
	free_decoded(&back);
	es_check_code(__FILE__, line, row,
		      es_event_from_json(&back, type, text, &err), ES_OK, &err);
}

/* ---- to JSON ------------------------------------------------------------ */

static void test_to_json_created(void)
{
	struct es_product_created fields = widget_fields();

	fill_created(&ev, 1, &fields);
	ES_ASSERT_STR_EQ(ENCODE("Widget Pro", &ev), WIDGET_JSON);

	fields.name = "Gadget Plus";
	fields.price = 49.99;
	fields.cost_price = 22.5;
	fields.stock = 0;
	fields.description = "A gadget, plus";
	fill_created(&ev, 2, &fields);
	ES_ASSERT_STR_EQ(ENCODE("Gadget Plus", &ev), GADGET_JSON);
}

static void test_to_json_other_events(void)
{
	fill_stock(&ev, 2, 50, AT);
	ES_ASSERT_STR_EQ(ENCODE("StockUpdated", &ev), STOCK_JSON);
	fill_price(&ev, 2, 44.99, AT);
	ES_ASSERT_STR_EQ(ENCODE("PriceChanged", &ev), PRICE_JSON);
	fill_viewed(&ev, 1, AT);
	ES_ASSERT_STR_EQ(ENCODE("ProductViewed", &ev), VIEWED_JSON);
	fill_corrected(&ev, 2, 3, 45, "counted twice");
	ES_ASSERT_STR_EQ(ENCODE("StockCorrected", &ev), CORRECTED_JSON);
}

static void test_to_json_integers(void)
{
	static const struct {
		const char *name;
		int64_t product_id;
		int64_t new_stock;
		const char *expected;
	} rows[] = {
		{"zero", 1, 0,
		 "{\"product_id\": 1, \"new_stock\": 0, " OCCURRED "}"},
		{"a negative number", 1, -5,
		 "{\"product_id\": 1, \"new_stock\": -5, " OCCURRED "}"},
		{"the largest exact integers", 9007199254740991,
		 -9007199254740991,
		 "{\"product_id\": 9007199254740991, \"new_stock\": "
		 "-9007199254740991, " OCCURRED "}"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		es_test_row(rows[i].name, "product_id %lld, new_stock %lld",
			    (long long)rows[i].product_id,
			    (long long)rows[i].new_stock);
		fill_stock(&ev, rows[i].product_id, rows[i].new_stock, AT);
		CHECK_STR(rows[i].name, "the JSON", ENCODE(rows[i].name, &ev),
			  rows[i].expected);
	}
}

struct float_row {
	const char *name;
	double value;
	const char *expected; /* Python's repr(value) */
};

static const struct float_row float_rows[] = {
	{"a price with cents", 29.99, "29.99"},
	{"a whole price keeps its .0", 12.0, "12.0"},
	{"zero", 0.0, "0.0"},
	{"negative zero keeps its sign", -0.0, "-0.0"},
	{"a negative price", -44.99, "-44.99"},
	{"one third takes 16 digits", 1.0 / 3.0, "0.3333333333333333"},
	{"an exact binary fraction", 123456789.125, "123456789.125"},
	{"1e-4 is still fixed", 0.0001, "0.0001"},
	{"a small number with digits", 0.00012345, "0.00012345"},
	{"1e-5 switches to an exponent", 1e-5, "1e-05"},
	{"a small number with digits and exponent", 2.5e-5, "2.5e-05"},
	{"1e15 is still fixed", 1e15, "1000000000000000.0"},
	{"2^53 is still fixed", 9007199254740992.0, "9007199254740992.0"},
	{"16 digits before the point", 9999999999999998.0,
	 "9999999999999998.0"},
	{"1e16 switches to an exponent", 1e16, "1e+16"},
	{"a large number with digits", 1.5e16, "1.5e+16"},
	{"17 significant digits", 123456789012345680.0,
	 "1.2345678901234568e+17"},
	{"a three-digit exponent", 1e100, "1e+100"},
	{"the largest double", DBL_MAX, "1.7976931348623157e+308"},
	{"the smallest double", 5e-324, "5e-324"},
	/*
	 * 2^-24: the 16-digit decimal nearest to it (...0625 rounds to ...062)
	 * reads back as the double below, the one just above (...063) as
	 * 2^-24 itself, so Python prints 16 digits, not 17.
	 */
	{"a power of two", 5.9604644775390625e-08, "5.960464477539063e-08"},
};

#define FLOAT_ROWS (sizeof(float_rows) / sizeof(float_rows[0]))

/* PriceChanged's JSON for a new price Python prints as `repr`. */
static void price_json(char *out, size_t size, const char *repr)
{
	snprintf(out, size,
		 "{\"product_id\": 2, \"new_price\": %s, " OCCURRED "}", repr);
}

static void test_to_json_floats(void)
{
	char expected[256];

	for (size_t i = 0; i < FLOAT_ROWS; i++) {
		es_test_row(float_rows[i].name, "new_price %.17g",
			    float_rows[i].value);
		fill_price(&ev, 2, float_rows[i].value, AT);
		price_json(expected, sizeof(expected), float_rows[i].expected);
		CHECK_STR(float_rows[i].name, "the JSON",
			  ENCODE(float_rows[i].name, &ev), expected);
	}
}

static void test_to_json_float_sum(void)
{
	/* volatile: the sum is computed when the test runs, as a program's */
	volatile double tenth = 0.1;
	volatile double fifth = 0.2;
	char expected[256];

	fill_price(&ev, 2, tenth + fifth, AT);
	price_json(expected, sizeof(expected), "0.30000000000000004");
	ES_ASSERT_STR_EQ(ENCODE("0.1 + 0.2", &ev), expected);
	DECODE("0.1 + 0.2", ES_PRICE_CHANGED, json);
	ES_ASSERT_DOUBLE_EQ(back.price.new_price, tenth + fifth);
}

/* Doubles that JSON cannot hold. */
struct non_finite_row {
	const char *name;
	double value;
};

static const struct non_finite_row non_finite_rows[] = {
	{"not a number", NAN},
	{"infinity", INFINITY},
	{"minus infinity", -INFINITY},
};

#define NON_FINITE_ROWS (sizeof(non_finite_rows) / sizeof(non_finite_rows[0]))

static void test_to_json_refuses_non_finite(void)
{
	struct es_product_created fields = widget_fields();

	for (size_t i = 0; i < NON_FINITE_ROWS; i++) {
		const char *row = non_finite_rows[i].name;

		es_test_row(row, "new_price %g", non_finite_rows[i].value);
		fill_price(&ev, 2, non_finite_rows[i].value, AT);
		CHECK_CODE(row, es_event_to_json(&json, &ev, &err), ES_EINVAL);
		CHECK_MSG(row, "field 'new_price' must be a finite number");
		CHECK_CODE(row, es_event_to_json(&json, &ev, NULL), ES_EINVAL);
	}
	fields.cost_price = INFINITY;
	fill_created(&ev, 1, &fields);
	CHECK_CODE("infinite cost_price", es_event_to_json(&json, &ev, &err),
		   ES_EINVAL);
	CHECK_MSG("infinite cost_price",
		  "field 'cost_price' must be a finite number");
}

struct escape_row {
	const char *name;
	const char *text;    /* UTF-8 */
	const char *escaped; /* as json.dumps() writes it, without quotes */
};

static const struct escape_row escape_rows[] = {
	{"plain ASCII", "Widget Pro", "Widget Pro"},
	{"a double quote", "6\" nail", "6\\\" nail"},
	{"a backslash", "C:\\dir", "C:\\\\dir"},
	{"a slash stays as it is", "a/b", "a/b"},
	{"space and tilde stay as they are", " ~", " ~"},
	{"the five short escapes", "\b\f\n\r\t", "\\b\\f\\n\\r\\t"},
	{"other control characters", "\x01\x1f", "\\u0001\\u001f"},
	{"DEL", "\x7f", "\\u007f"},
	{"e acute (2 bytes)", "caf\xc3\xa9", "caf\\u00e9"},
	{"the first 2-byte character", "\xc2\x80", "\\u0080"},
	{"the euro sign (3 bytes)", "\xe2\x82\xac", "\\u20ac"},
	{"the last 3-byte character", "\xef\xbf\xbf", "\\uffff"},
	{"an emoji (4 bytes) as a surrogate pair", "\xf0\x9f\x98\x80",
	 "\\ud83d\\ude00"},
	{"the last code point", "\xf4\x8f\xbf\xbf", "\\udbff\\udfff"},
	{"a mix", "Cr\xc3\xa8me \"br\xc3\xbbl\xc3\xa9\"\n",
	 "Cr\\u00e8me \\\"br\\u00fbl\\u00e9\\\"\\n"},
};

#define ESCAPE_ROWS (sizeof(escape_rows) / sizeof(escape_rows[0]))

struct bad_utf8_row {
	const char *name;
	const char *bytes; /* not UTF-8 */
};

static const struct bad_utf8_row bad_utf8_rows[] = {
	{"a lone continuation byte", "\x80"},
	{"a truncated 2-byte sequence", "ab\xc3"},
	{"a 2-byte lead before ASCII", "\xc3"
				       "A"},
	{"a truncated 3-byte sequence", "\xe2\x82"},
	{"a truncated 4-byte sequence", "\xf0\x9f\x98"},
	{"an overlong '/' in 2 bytes", "\xc0\xaf"},
	{"an overlong '/' in 3 bytes", "\xe0\x80\xaf"},
	{"an overlong '/' in 4 bytes", "\xf0\x80\x80\xaf"},
	{"an overlong NUL", "\xc0\x80"},
	{"a high surrogate in UTF-8", "\xed\xa0\x80"},
	{"a low surrogate in UTF-8", "\xed\xbf\xbf"},
	{"a surrogate pair in UTF-8 (CESU-8)", "\xed\xa0\xbd\xed\xb8\x80"},
	{"beyond U+10FFFF", "\xf4\x90\x80\x80"},
	{"a 5-byte lead", "\xf8\x88\x80\x80\x80"},
	{"a 0xff byte", "\xff"},
	{"a bad byte after good text", "caf\xc3\xa9 \xfe"},
};

#define BAD_UTF8_ROWS (sizeof(bad_utf8_rows) / sizeof(bad_utf8_rows[0]))

static void test_to_json_escapes(void)
{
	struct es_product_created fields = widget_fields();
	char expected[512];

	for (size_t i = 0; i < ESCAPE_ROWS; i++) {
		es_test_row(escape_rows[i].name, "name %s",
			    escape_rows[i].text);
		fields.name = (char *)escape_rows[i].text;
		fill_created(&ev, 1, &fields);
		snprintf(expected, sizeof(expected), WIDGET_NAMED_FMT,
			 escape_rows[i].escaped);
		CHECK_STR(escape_rows[i].name, "the JSON",
			  ENCODE(escape_rows[i].name, &ev), expected);
	}
}

static void test_to_json_escapes_every_string(void)
{
	struct es_product_created fields = widget_fields();

	fields.name = "\"Widget\"";
	fields.supplier_name = "Acm\xc3\xa9\\Corp";
	fields.description = "line 1\nline 2";
	fill_created(&ev, 1, &fields);
	ES_ASSERT_STR_EQ(ENCODE("quotes everywhere", &ev),
			 "{\"product_id\": 1, \"name\": \"\\\"Widget\\\"\", "
			 "\"price\": 29.99, \"cost_price\": 12.0, "
			 "\"supplier_id\": 1, \"supplier_name\": "
			 "\"Acm\\u00e9\\\\Corp\", \"stock\": 100, " OCCURRED
			 ", \"description\": \"line 1\\nline 2\"}");
}

static void test_to_json_refuses_invalid_utf8(void)
{
	struct es_product_created fields = widget_fields();

	for (size_t i = 0; i < BAD_UTF8_ROWS; i++) {
		es_test_row(bad_utf8_rows[i].name, "name %s",
			    bad_utf8_rows[i].bytes);
		fields.name = (char *)bad_utf8_rows[i].bytes;
		fill_created(&ev, 1, &fields);
		CHECK_CODE(bad_utf8_rows[i].name,
			   es_event_to_json(&json, &ev, &err), ES_EINVAL);
		CHECK_MSG(bad_utf8_rows[i].name,
			  "field 'name' is not valid UTF-8");
	}
}

static void test_to_json_names_the_invalid_field(void)
{
	struct es_product_created fields = widget_fields();

	fields.supplier_name = "Acme \xff";
	fill_created(&ev, 1, &fields);
	CHECK_CODE("supplier_name", es_event_to_json(&json, &ev, &err),
		   ES_EINVAL);
	CHECK_MSG("supplier_name", "field 'supplier_name' is not valid UTF-8");

	fields = widget_fields();
	fields.description = "\xc0\xaf";
	fill_created(&ev, 1, &fields);
	CHECK_CODE("description", es_event_to_json(&json, &ev, &err),
		   ES_EINVAL);
	CHECK_MSG("description", "field 'description' is not valid UTF-8");

	fill_viewed(&ev, 1, "2026-11-27\xff");
	CHECK_CODE("occurred_at", es_event_to_json(&json, &ev, &err),
		   ES_EINVAL);
	CHECK_MSG("occurred_at", "field 'occurred_at' is not valid UTF-8");
}

/* ---- json_text.h's writers ---------------------------------------------- */

/*
 * es_event_to_json() stands on these: when one fails, json_text.c was
 * changed, and the to_json failures above follow from it.
 */

static void test_utf8_valid(void)
{
	if (!es_utf8_valid(""))
		ES_FAIL("the empty string: es_utf8_valid() is false, "
			"expected true");
	for (size_t i = 0; i < ESCAPE_ROWS; i++) {
		if (!es_utf8_valid(escape_rows[i].text))
			ES_FAIL("%s: es_utf8_valid() is false, expected true",
				escape_rows[i].name);
	}
	for (size_t i = 0; i < BAD_UTF8_ROWS; i++) {
		if (es_utf8_valid(bad_utf8_rows[i].bytes))
			ES_FAIL("%s: es_utf8_valid() is true, expected false",
				bad_utf8_rows[i].name);
	}
}

static void test_json_add_float(void)
{
	for (size_t i = 0; i < FLOAT_ROWS; i++) {
		es_test_row(float_rows[i].name, "%.17g", float_rows[i].value);
		es_json_buf_dispose(&buf);
		CHECK_CODE(float_rows[i].name,
			   es_json_add_float(&buf, float_rows[i].value), ES_OK);
		CHECK_STR(float_rows[i].name, "the text", buf.data,
			  float_rows[i].expected);
	}
}

static void test_json_add_string(void)
{
	char expected[512];

	for (size_t i = 0; i < ESCAPE_ROWS; i++) {
		es_test_row(escape_rows[i].name, "%s", escape_rows[i].text);
		es_json_buf_dispose(&buf);
		snprintf(expected, sizeof(expected), "\"%s\"",
			 escape_rows[i].escaped);
		CHECK_CODE(escape_rows[i].name,
			   es_json_add_string(&buf, escape_rows[i].text),
			   ES_OK);
		CHECK_STR(escape_rows[i].name, "the text", buf.data, expected);
	}
}

static void test_json_buf_finish(void)
{
	es_json_add_raw(&buf, "[");
	es_json_add_int(&buf, INT64_MIN);
	es_json_add_raw(&buf, ", ");
	es_json_add_int(&buf, 0);
	es_json_add_raw(&buf, ", ");
	es_json_add_null(&buf);
	es_json_add_raw(&buf, "]");
	ES_ASSERT_OK(es_json_buf_finish(&json, &buf, &err), &err);
	ES_ASSERT_STR_EQ(json, "[-9223372036854775808, 0, null]");
	/* The text is the caller's now; the buffer is empty again. */
	ES_ASSERT_TRUE(buf.data == NULL);
	ES_ASSERT_INT_EQ(buf.len, 0);

	free(json);
	json = NULL;
	ES_ASSERT_OK(es_json_buf_finish(&json, &buf, &err), &err);
	ES_ASSERT_STR_EQ(json, "");
}

static void test_json_buf_grows(void)
{
	char expected[2001];

	for (int i = 0; i < 1000; i++)
		es_json_add_raw(&buf, "ab");
	ES_ASSERT_INT_EQ(buf.len, 2000);
	for (int i = 0; i < 2000; i++)
		expected[i] = i % 2 == 0 ? 'a' : 'b';
	expected[2000] = '\0';
	ES_ASSERT_OK(es_json_buf_finish(&json, &buf, &err), &err);
	ES_ASSERT_STR_EQ(json, expected);
}

static void test_json_writers_refuse(void)
{
	es_json_add_raw(&buf, "[");
	for (size_t i = 0; i < NON_FINITE_ROWS; i++) {
		const char *row = non_finite_rows[i].name;
		double value = non_finite_rows[i].value;

		CHECK_CODE(row, es_json_add_float(&buf, value), ES_EINVAL);
		CHECK_STR(row, "the text", buf.data, "[");
	}
	for (size_t i = 0; i < BAD_UTF8_ROWS; i++)
		CHECK_CODE(bad_utf8_rows[i].name,
			   es_json_add_string(&buf, bad_utf8_rows[i].bytes),
			   ES_EINVAL);
}

/* ---- round trips -------------------------------------------------------- */

static void test_round_trip_created(void)
{
	struct es_product_created fields = widget_fields();

	fields.description = "Our best widget";
	fill_created(&ev, 7, &fields);
	ev.id = 42; /* the log's position is not part of the data */
	DECODE("with a description", ES_PRODUCT_CREATED,
	       ENCODE("with a description", &ev));
	ES_ASSERT_INT_EQ(back.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(back.id, 0);
	ES_ASSERT_INT_EQ(back.product_id, 7);
	ES_ASSERT_STR_EQ(back.occurred_at, AT);
	ES_ASSERT_STR_EQ(back.created.name, "Widget Pro");
	ES_ASSERT_DOUBLE_EQ(back.created.price, 29.99);
	ES_ASSERT_DOUBLE_EQ(back.created.cost_price, 12.0);
	ES_ASSERT_INT_EQ(back.created.supplier_id, 1);
	ES_ASSERT_STR_EQ(back.created.supplier_name, "Acme Corp");
	ES_ASSERT_INT_EQ(back.created.stock, 100);
	ES_ASSERT_STR_EQ(back.created.description, "Our best widget");

	fields.description = NULL;
	fill_created(&ev, 7, &fields);
	DECODE("without a description", ES_PRODUCT_CREATED,
	       ENCODE("without a description", &ev));
	ES_ASSERT_STR_EQ(back.created.name, "Widget Pro");
	ES_ASSERT_STR_EQ(back.created.description, NULL);
}

static void test_round_trip_other_events(void)
{
	fill_stock(&ev, 2, 50, AT);
	DECODE("StockUpdated", ES_STOCK_UPDATED, ENCODE("StockUpdated", &ev));
	ES_ASSERT_INT_EQ(back.type, ES_STOCK_UPDATED);
	ES_ASSERT_INT_EQ(back.product_id, 2);
	ES_ASSERT_INT_EQ(back.stock.new_stock, 50);
	ES_ASSERT_STR_EQ(back.occurred_at, AT);

	fill_price(&ev, 3, 44.99, AT);
	DECODE("PriceChanged", ES_PRICE_CHANGED, ENCODE("PriceChanged", &ev));
	ES_ASSERT_INT_EQ(back.type, ES_PRICE_CHANGED);
	ES_ASSERT_INT_EQ(back.product_id, 3);
	ES_ASSERT_DOUBLE_EQ(back.price.new_price, 44.99);
	ES_ASSERT_STR_EQ(back.occurred_at, AT);

	fill_viewed(&ev, 4, "2026-11-27T14:32:06+00:00");
	DECODE("ProductViewed", ES_PRODUCT_VIEWED,
	       ENCODE("ProductViewed", &ev));
	ES_ASSERT_INT_EQ(back.type, ES_PRODUCT_VIEWED);
	ES_ASSERT_INT_EQ(back.product_id, 4);
	ES_ASSERT_STR_EQ(back.occurred_at, "2026-11-27T14:32:06+00:00");

	fill_corrected(&ev, 5, 3, 0, "caf\xc3\xa9 \"B\"\n");
	DECODE("StockCorrected", ES_STOCK_CORRECTED,
	       ENCODE("StockCorrected", &ev));
	ES_ASSERT_STR_EQ(json, "{\"product_id\": 5, \"corrects_event_id\": 3, "
			       "\"new_stock\": 0, \"reason\": "
			       "\"caf\\u00e9 \\\"B\\\"\\n\", " OCCURRED "}");
	ES_ASSERT_INT_EQ(back.type, ES_STOCK_CORRECTED);
	ES_ASSERT_INT_EQ(back.product_id, 5);
	ES_ASSERT_INT_EQ(back.corrected.corrects_event_id, 3);
	ES_ASSERT_INT_EQ(back.corrected.new_stock, 0);
	ES_ASSERT_STR_EQ(back.corrected.reason, "caf\xc3\xa9 \"B\"\n");
	ES_ASSERT_STR_EQ(back.occurred_at, AT);
}

static void test_round_trip_floats(void)
{
	for (size_t i = 0; i < FLOAT_ROWS; i++) {
		const struct float_row *row = &float_rows[i];
		double got;

		es_test_row(row->name, "new_price %.17g", row->value);
		fill_price(&ev, 2, row->value, AT);
		DECODE(row->name, ES_PRICE_CHANGED, ENCODE(row->name, &ev));
		got = back.price.new_price;
		if (got != row->value || signbit(got) != signbit(row->value))
			ES_FAIL("%s: read back %.17g, expected %.17g",
				row->name, got, row->value);
	}
}

static void test_round_trip_strings(void)
{
	struct es_product_created fields = widget_fields();

	for (size_t i = 0; i < ESCAPE_ROWS; i++) {
		const struct escape_row *row = &escape_rows[i];

		es_test_row(row->name, "name %s", row->text);
		fields.name = (char *)row->text;
		fill_created(&ev, 1, &fields);
		DECODE(row->name, ES_PRODUCT_CREATED, ENCODE(row->name, &ev));
		CHECK_STR(row->name, "the name read back", back.created.name,
			  row->text);
	}
}

/* ---- from JSON ---------------------------------------------------------- */

static void test_from_json_reads_python(void)
{
	back.id = 99;
	DECODE("Widget Pro", ES_PRODUCT_CREATED, WIDGET_JSON);
	ES_ASSERT_INT_EQ(back.type, ES_PRODUCT_CREATED);
	ES_ASSERT_INT_EQ(back.id, 0);
	ES_ASSERT_INT_EQ(back.product_id, 1);
	ES_ASSERT_STR_EQ(back.created.name, "Widget Pro");
	ES_ASSERT_DOUBLE_EQ(back.created.price, 29.99);
	ES_ASSERT_DOUBLE_EQ(back.created.cost_price, 12.0);
	ES_ASSERT_INT_EQ(back.created.supplier_id, 1);
	ES_ASSERT_STR_EQ(back.created.supplier_name, "Acme Corp");
	ES_ASSERT_INT_EQ(back.created.stock, 100);
	ES_ASSERT_STR_EQ(back.occurred_at, AT);
	ES_ASSERT_STR_EQ(back.created.description, NULL);

	DECODE("Gadget Plus", ES_PRODUCT_CREATED, GADGET_JSON);
	ES_ASSERT_STR_EQ(back.created.name, "Gadget Plus");
	ES_ASSERT_DOUBLE_EQ(back.created.cost_price, 22.5);
	ES_ASSERT_INT_EQ(back.created.stock, 0);
	ES_ASSERT_STR_EQ(back.created.description, "A gadget, plus");

	DECODE("StockUpdated", ES_STOCK_UPDATED, STOCK_JSON);
	ES_ASSERT_INT_EQ(back.stock.new_stock, 50);
	DECODE("PriceChanged", ES_PRICE_CHANGED, PRICE_JSON);
	ES_ASSERT_DOUBLE_EQ(back.price.new_price, 44.99);
	DECODE("ProductViewed", ES_PRODUCT_VIEWED, VIEWED_JSON);
	ES_ASSERT_INT_EQ(back.product_id, 1);
	ES_ASSERT_STR_EQ(back.occurred_at, AT);
	DECODE("StockCorrected", ES_STOCK_CORRECTED, CORRECTED_JSON);
	ES_ASSERT_INT_EQ(back.product_id, 2);
	ES_ASSERT_INT_EQ(back.corrected.corrects_event_id, 3);
	ES_ASSERT_INT_EQ(back.corrected.new_stock, 45);
	ES_ASSERT_STR_EQ(back.corrected.reason, "counted twice");
	ES_ASSERT_STR_EQ(back.occurred_at, AT);
}

static void test_from_json_integer_as_float(void)
{
	/* Python writes a price given as the int 30 as 30, not 30.0. */
	DECODE("new_price 30", ES_PRICE_CHANGED,
	       "{\"product_id\": 2, \"new_price\": 30, " OCCURRED "}");
	ES_ASSERT_DOUBLE_EQ(back.price.new_price, 30.0);
	DECODE("price 30, cost_price 12", ES_PRODUCT_CREATED,
	       "{\"product_id\": 1, \"name\": \"Widget Pro\", \"price\": 30, "
	       "\"cost_price\": 12, \"supplier_id\": 1, \"supplier_name\": "
	       "\"Acme Corp\", \"stock\": 100, " OCCURRED
	       ", \"description\": null}");
	ES_ASSERT_DOUBLE_EQ(back.created.price, 30.0);
	ES_ASSERT_DOUBLE_EQ(back.created.cost_price, 12.0);
}

static void test_from_json_missing_description(void)
{
	/* The dataclass's default, description=None, allows leaving it out. */
	DECODE("no description key", ES_PRODUCT_CREATED,
	       "{\"product_id\": 1, \"name\": \"Widget Pro\", \"price\": "
	       "29.99, \"cost_price\": 12.0, \"supplier_id\": 1, "
	       "\"supplier_name\": \"Acme Corp\", \"stock\": 100, " OCCURRED
	       "}");
	ES_ASSERT_STR_EQ(back.created.name, "Widget Pro");
	ES_ASSERT_INT_EQ(back.created.stock, 100);
	ES_ASSERT_STR_EQ(back.created.description, NULL);
}

static void test_from_json_any_layout(void)
{
	DECODE("compact, keys reordered", ES_STOCK_UPDATED,
	       "{\"occurred_at\":\"" AT "\",\"new_stock\":50,"
	       "\"product_id\":2}");
	ES_ASSERT_INT_EQ(back.product_id, 2);
	ES_ASSERT_INT_EQ(back.stock.new_stock, 50);
	ES_ASSERT_STR_EQ(back.occurred_at, AT);

	DECODE("spread over lines", ES_STOCK_UPDATED,
	       "\n{\n\t\"product_id\" : 3 ,\n\t\"new_stock\" : 7 ,\n\t" OCCURRED
	       "\n}\n");
	ES_ASSERT_INT_EQ(back.product_id, 3);
	ES_ASSERT_INT_EQ(back.stock.new_stock, 7);
}

static void test_from_json_unescapes(void)
{
	DECODE("escaped name", ES_PRODUCT_CREATED,
	       "{\"product_id\": 1, \"name\": \"caf\\u00e9 \\ud83d\\ude00 "
	       "\\\"6\\\\\\\" nail\\\"\\n\", \"price\": 29.99, \"cost_price\": "
	       "12.0, \"supplier_id\": 1, \"supplier_name\": \"Acm\xc3\xa9\", "
	       "\"stock\": 100, " OCCURRED ", \"description\": \"\\t\"}");
	ES_ASSERT_STR_EQ(back.created.name,
			 "caf\xc3\xa9 \xf0\x9f\x98\x80 \"6\\\" nail\"\n");
	ES_ASSERT_STR_EQ(back.created.supplier_name, "Acm\xc3\xa9");
	ES_ASSERT_STR_EQ(back.created.description, "\t");
}

static void test_from_json_integer_limits(void)
{
	static const struct {
		const char *name;
		const char *number; /* as the JSON spells new_stock */
		int64_t expected;
	} rows[] = {
		{"2^53 - 1", "9007199254740991", 9007199254740991},
		{"-(2^53 - 1)", "-9007199254740991", -9007199254740991},
		{"a whole number written as a float", "50.0", 50},
		{"a whole number with an exponent", "1e2", 100},
		{"negative zero", "-0", 0},
	};
	char text[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"product_id\": 2, \"new_stock\": %s, " OCCURRED "}",
			 rows[i].number);
		es_test_row(rows[i].name, "%s", text);
		DECODE(rows[i].name, ES_STOCK_UPDATED, text);
		if (back.stock.new_stock != rows[i].expected)
			ES_FAIL("%s: new_stock is %lld, expected %lld",
				rows[i].name, (long long)back.stock.new_stock,
				(long long)rows[i].expected);
	}
}

struct corrupt_row {
	const char *name;
	enum es_event_type type;
	const char *json;
	const char *message; /* what the error message must contain */
};

#define CREATED_HEAD "{\"product_id\": 1, \"name\": \"Widget Pro\", "
#define CREATED_TAIL                                                           \
	"\"supplier_id\": 1, \"supplier_name\": \"Acme Corp\", "               \
	"\"stock\": 100, " OCCURRED "}"
#define STOCK_WITH(value)                                                      \
	"{\"product_id\": 2, \"new_stock\": " value ", " OCCURRED "}"
#define PRICE_WITH(value)                                                      \
	"{\"product_id\": 2, \"new_price\": " value ", " OCCURRED "}"

static const struct corrupt_row corrupt_rows[] = {
	{"empty data", ES_STOCK_UPDATED, "", "data is not valid JSON"},
	{"a cut-off object", ES_STOCK_UPDATED, "{\"product_id\": 2,",
	 "data is not valid JSON"},
	{"single quotes", ES_PRODUCT_VIEWED, "{'product_id': 1}",
	 "data is not valid JSON"},
	{"text after the object", ES_STOCK_UPDATED, STOCK_WITH("50") " x",
	 "data is not valid JSON"},
	{"two objects", ES_PRODUCT_VIEWED, "{} {}", "data is not valid JSON"},
	{"Python's NaN", ES_PRICE_CHANGED, PRICE_WITH("NaN"),
	 "data is not valid JSON"},
	{"an array", ES_STOCK_UPDATED, "[2, 50]", "data must be a JSON object"},
	{"a number", ES_STOCK_UPDATED, "50", "data must be a JSON object"},
	{"null", ES_PRODUCT_VIEWED, "null", "data must be a JSON object"},
	{"a string", ES_PRODUCT_VIEWED, "\"ProductViewed\"",
	 "data must be a JSON object"},
	{"no product_id", ES_PRODUCT_VIEWED, "{" OCCURRED "}",
	 "missing field 'product_id'"},
	{"no occurred_at", ES_PRODUCT_VIEWED, "{\"product_id\": 1}",
	 "missing field 'occurred_at'"},
	{"no new_stock", ES_STOCK_UPDATED, "{\"product_id\": 2, " OCCURRED "}",
	 "missing field 'new_stock'"},
	{"no new_price", ES_PRICE_CHANGED, "{\"product_id\": 2, " OCCURRED "}",
	 "missing field 'new_price'"},
	{"no price", ES_PRODUCT_CREATED,
	 CREATED_HEAD "\"cost_price\": 12.0, " CREATED_TAIL,
	 "missing field 'price'"},
	{"no supplier_name (written before Option A)", ES_PRODUCT_CREATED,
	 CREATED_HEAD "\"price\": 29.99, \"cost_price\": 12.0, "
		      "\"supplier_id\": 1, \"stock\": 100, " OCCURRED "}",
	 "missing field 'supplier_name'"},
	{"product_id as a string", ES_PRODUCT_VIEWED,
	 "{\"product_id\": \"1\", " OCCURRED "}",
	 "field 'product_id' must be a whole number"},
	{"new_stock with a fraction", ES_STOCK_UPDATED, STOCK_WITH("1.5"),
	 "field 'new_stock' must be a whole number"},
	{"new_stock as true", ES_STOCK_UPDATED, STOCK_WITH("true"),
	 "field 'new_stock' must be a whole number"},
	{"new_stock as null", ES_STOCK_UPDATED, STOCK_WITH("null"),
	 "field 'new_stock' must be a whole number"},
	{"new_stock above 2^53", ES_STOCK_UPDATED,
	 STOCK_WITH("9007199254740994"), "field 'new_stock' is out of range"},
	{"new_stock below -2^53", ES_STOCK_UPDATED,
	 STOCK_WITH("-9007199254740994"), "field 'new_stock' is out of range"},
	{"new_stock far too large", ES_STOCK_UPDATED, STOCK_WITH("1e300"),
	 "field 'new_stock' is out of range"},
	{"new_price as a string", ES_PRICE_CHANGED, PRICE_WITH("\"44.99\""),
	 "field 'new_price' must be a number"},
	{"new_price too large for a double", ES_PRICE_CHANGED,
	 PRICE_WITH("1e999"), "field 'new_price' must be a finite number"},
	{"price as null", ES_PRODUCT_CREATED,
	 CREATED_HEAD "\"price\": null, \"cost_price\": 12.0, " CREATED_TAIL,
	 "field 'price' must be a number"},
	{"name as a number", ES_PRODUCT_CREATED,
	 "{\"product_id\": 1, \"name\": 5, \"price\": 29.99, "
	 "\"cost_price\": 12.0, " CREATED_TAIL,
	 "field 'name' must be a string"},
	{"name as null", ES_PRODUCT_CREATED,
	 "{\"product_id\": 1, \"name\": null, \"price\": 29.99, "
	 "\"cost_price\": 12.0, " CREATED_TAIL,
	 "field 'name' must be a string"},
	{"name not valid UTF-8", ES_PRODUCT_CREATED,
	 "{\"product_id\": 1, \"name\": \"\xff\", \"price\": 29.99, "
	 "\"cost_price\": 12.0, " CREATED_TAIL,
	 "field 'name' is not valid UTF-8"},
	{"description as a number", ES_PRODUCT_CREATED,
	 CREATED_HEAD "\"price\": 29.99, \"cost_price\": 12.0, "
		      "\"supplier_id\": 1, \"supplier_name\": \"Acme Corp\", "
		      "\"stock\": 100, " OCCURRED ", \"description\": 5}",
	 "field 'description' must be a string or null"},
	{"occurred_at as a number", ES_PRODUCT_VIEWED,
	 "{\"product_id\": 1, \"occurred_at\": 1795789925}",
	 "field 'occurred_at' must be a string"},
	{"occurred_at too long for a timestamp", ES_PRODUCT_VIEWED,
	 "{\"product_id\": 1, \"occurred_at\": "
	 "\"2026-11-27T14:32:05.123456+00:00Z\"}",
	 "field 'occurred_at' is too long"},
	{"a field the dataclass does not have", ES_STOCK_UPDATED,
	 "{\"product_id\": 2, \"new_stock\": 50, " OCCURRED
	 ", \"colour\": \"red\"}",
	 "unknown field 'colour'"},
	{"a field of another event type", ES_PRODUCT_VIEWED,
	 "{\"product_id\": 1, \"new_stock\": 5, " OCCURRED "}",
	 "unknown field 'new_stock'"},
	{"the log's id inside data", ES_PRODUCT_VIEWED,
	 "{\"id\": 9, \"product_id\": 1, " OCCURRED "}", "unknown field 'id'"},
	{"a correction without its reason", ES_STOCK_CORRECTED,
	 "{\"product_id\": 2, \"corrects_event_id\": 3, \"new_stock\": "
	 "45, " OCCURRED "}",
	 "missing field 'reason'"},
	{"a correction whose reason is null", ES_STOCK_CORRECTED,
	 "{\"product_id\": 2, \"corrects_event_id\": 3, \"new_stock\": 45, "
	 "\"reason\": null, " OCCURRED "}",
	 "field 'reason' must be a string"},
	{"a field given twice", ES_STOCK_UPDATED,
	 "{\"product_id\": 2, \"new_stock\": 50, \"new_stock\": 60, " OCCURRED
	 "}",
	 "duplicate field 'new_stock'"},
};

static void test_from_json_refuses_corrupt_data(void)
{
	for (size_t i = 0; i < sizeof(corrupt_rows) / sizeof(corrupt_rows[0]);
	     i++) {
		const struct corrupt_row *row = &corrupt_rows[i];

		es_test_row(row->name, "%s", row->json);
		free_decoded(&back);
		memset(&err, 0, sizeof(err));
		CHECK_CODE(
			row->name,
			es_event_from_json(&back, row->type, row->json, &err),
			ES_ECORRUPT);
		CHECK_MSG(row->name, row->message);
		if (strchr(err.msg, '\n') != NULL)
			ES_FAIL("%s: the message is not one line: \"%s\"",
				row->name, err.msg);
		CHECK_CODE(
			row->name,
			es_event_from_json(&back, row->type, row->json, NULL),
			ES_ECORRUPT);
	}
}

static void test_from_json_failure_owns_nothing(void)
{
	/* name and supplier_name are read before the bad stock is found. */
	CHECK_CODE("bad stock",
		   es_event_from_json(&back, ES_PRODUCT_CREATED,
				      CREATED_HEAD
				      "\"price\": 29.99, "
				      "\"cost_price\": 12.0, \"supplier_id\": "
				      "1, \"supplier_name\": \"Acme Corp\", "
				      "\"stock\": 1.5, " OCCURRED "}",
				      &err),
		   ES_ECORRUPT);
	ES_ASSERT_TRUE(back.created.name == NULL);
	ES_ASSERT_TRUE(back.created.supplier_name == NULL);
	ES_ASSERT_TRUE(back.created.description == NULL);
}

CU_TestInfo es_event_json_tests[] = {
	{"es_event_to_json writes ProductCreated as Python does",
	 test_to_json_created},
	{"es_event_to_json writes the other events as Python does",
	 test_to_json_other_events},
	{"es_event_to_json writes integers as they are", test_to_json_integers},
	{"es_event_to_json writes floats as Python's repr() does",
	 test_to_json_floats},
	{"es_event_to_json writes 0.1 + 0.2 with all its digits",
	 test_to_json_float_sum},
	{"es_event_to_json refuses NaN and infinity",
	 test_to_json_refuses_non_finite},
	{"es_event_to_json escapes strings as json.dumps() does",
	 test_to_json_escapes},
	{"es_event_to_json escapes every string field",
	 test_to_json_escapes_every_string},
	{"es_event_to_json refuses strings that are not UTF-8",
	 test_to_json_refuses_invalid_utf8},
	{"es_event_to_json names the field that is not UTF-8",
	 test_to_json_names_the_invalid_field},
	{"es_utf8_valid tells UTF-8 from malformed bytes", test_utf8_valid},
	{"es_json_add_float writes Python's repr()", test_json_add_float},
	{"es_json_add_string escapes as json.dumps() does",
	 test_json_add_string},
	{"es_json_buf_finish hands over the text", test_json_buf_finish},
	{"the json_text buffer grows as text is added", test_json_buf_grows},
	{"json_text refuses NaN, infinity and bad UTF-8",
	 test_json_writers_refuse},
	{"a ProductCreated survives a trip through JSON",
	 test_round_trip_created},
	{"the other events survive a trip through JSON",
	 test_round_trip_other_events},
	{"floats survive a trip through JSON exactly", test_round_trip_floats},
	{"escaped strings survive a trip through JSON",
	 test_round_trip_strings},
	{"es_event_from_json reads what Python writes",
	 test_from_json_reads_python},
	{"es_event_from_json accepts an integer where a float belongs",
	 test_from_json_integer_as_float},
	{"es_event_from_json reads a missing description as NULL",
	 test_from_json_missing_description},
	{"es_event_from_json accepts any key order and whitespace",
	 test_from_json_any_layout},
	{"es_event_from_json decodes escapes into UTF-8",
	 test_from_json_unescapes},
	{"es_event_from_json accepts whole numbers inside +-2^53",
	 test_from_json_integer_limits},
	{"es_event_from_json refuses corrupt data, naming the fault",
	 test_from_json_refuses_corrupt_data},
	{"es_event_from_json leaves nothing to free when it fails",
	 test_from_json_failure_owns_nothing},
	CU_TEST_INFO_NULL,
};
