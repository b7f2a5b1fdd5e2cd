/*
 * test_commands.c - step 4: parsing one JSON line into a command.
 *
 * The error table is the heart of this suite: every way a line can be
 * wrong, and the exact message that says so. `cmd` is disposed by the
 * teardown, so a test that stops at a failed assertion leaks nothing.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "harness.h"

static struct es_command cmd;

static void setup(void)
{
	memset(&cmd, 0, sizeof(cmd));
}

static void teardown(void)
{
	es_command_dispose(&cmd);
}

/*
 * A CreateProduct line with each field's JSON text given; `more` is added
 * before the closing brace ("" or ",\"description\":null").
 */
#define CREATE(name, price, cost, sid, sname, stock, more)                     \
	"{\"type\":\"CreateProduct\",\"name\":" name ",\"price\":" price       \
	",\"cost_price\":" cost ",\"supplier_id\":" sid                        \
	",\"supplier_name\":" sname ",\"stock\":" stock more "}"
#define WIDGET "\"Widget Pro\""
#define ACME   "\"Acme Corp\""
#define GOOD_CREATE(more)                                                      \
	CREATE(WIDGET, "29.99", "12.0", "1", ACME, "100", more)

static void test_create_product_parses(void)
{
	struct es_error err = {0, ""};
	const char *line = GOOD_CREATE(",\"description\":\"Our best\"");

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.type, ES_CREATE_PRODUCT);
	ES_ASSERT_STR_EQ(cmd.create.name, "Widget Pro");
	ES_ASSERT_DOUBLE_EQ(cmd.create.price, 29.99);
	ES_ASSERT_DOUBLE_EQ(cmd.create.cost_price, 12.0);
	ES_ASSERT_INT_EQ(cmd.create.supplier_id, 1);
	ES_ASSERT_STR_EQ(cmd.create.supplier_name, "Acme Corp");
	ES_ASSERT_INT_EQ(cmd.create.stock, 100);
	ES_ASSERT_STR_EQ(cmd.create.description, "Our best");
}

/* NULL equals only NULL. */
static int same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

struct description_case {
	const char *name;
	const char *line;
	const char *expected; /* NULL: no description */
};

static const struct description_case description_cases[] = {
	{"left out", GOOD_CREATE(""), NULL},
	{"null", GOOD_CREATE(",\"description\":null"), NULL},
	{"a string", GOOD_CREATE(",\"description\":\"Shiny\""), "Shiny"},
	{"an empty string", GOOD_CREATE(",\"description\":\"\""), ""},
};

static void test_description_is_optional(void)
{
	struct es_error err = {0, ""};
	size_t n = sizeof(description_cases) / sizeof(description_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct description_case *row = &description_cases[i];
		int rc = es_command_parse(&cmd, row->line, &err);
		const char *got;

		if (rc != ES_OK)
			ES_FAIL("description %s: got %s \"%s\", expected ES_OK",
				row->name, es_code_name(rc), err.msg);
		got = cmd.create.description;
		if (!same_string(got, row->expected))
			ES_FAIL("description %s: got %s, expected %s",
				row->name, got ? got : "NULL",
				row->expected ? row->expected : "NULL");
		ES_ASSERT_STR_EQ(cmd.create.name, "Widget Pro");
		es_command_dispose(&cmd);
	}
}

static void test_update_stock_parses(void)
{
	struct es_error err = {0, ""};
	const char *line = "{\"type\":\"UpdateStock\",\"product_id\":2,"
			   "\"new_stock\":50}";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.type, ES_UPDATE_STOCK);
	ES_ASSERT_INT_EQ(cmd.update_stock.product_id, 2);
	ES_ASSERT_INT_EQ(cmd.update_stock.new_stock, 50);
}

/* Parsing checks types only: the handler refuses a negative stock. */
static void test_negative_stock_parses(void)
{
	struct es_error err = {0, ""};
	const char *line = "{\"type\":\"UpdateStock\",\"product_id\":2,"
			   "\"new_stock\":-5}";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.update_stock.new_stock, -5);
}

static void test_change_price_parses(void)
{
	struct es_error err = {0, ""};
	const char *line = "{\"type\":\"ChangePrice\",\"product_id\":2,"
			   "\"new_price\":44.99}";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.type, ES_CHANGE_PRICE);
	ES_ASSERT_INT_EQ(cmd.change_price.product_id, 2);
	ES_ASSERT_DOUBLE_EQ(cmd.change_price.new_price, 44.99);
}

/* A whole number is a number too: 45 is the price 45.0. */
static void test_integer_price_parses(void)
{
	struct es_error err = {0, ""};
	const char *line = "{\"type\":\"ChangePrice\",\"product_id\":2,"
			   "\"new_price\":45}";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_DOUBLE_EQ(cmd.change_price.new_price, 45.0);
}

static void test_record_product_view_parses(void)
{
	struct es_error err = {0, ""};
	const char *line = "{\"type\":\"RecordProductView\",\"product_id\":1}";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.type, ES_RECORD_PRODUCT_VIEW);
	ES_ASSERT_INT_EQ(cmd.record_view.product_id, 1);
}

static void test_key_order_does_not_matter(void)
{
	struct es_error err = {0, ""};
	const char *line = "{\"description\":null,\"stock\":7,"
			   "\"supplier_name\":\"Acme\",\"supplier_id\":3,"
			   "\"cost_price\":1.25,\"price\":2.5,\"name\":\"W\","
			   "\"type\":\"CreateProduct\"}";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.type, ES_CREATE_PRODUCT);
	ES_ASSERT_STR_EQ(cmd.create.name, "W");
	ES_ASSERT_DOUBLE_EQ(cmd.create.price, 2.5);
	ES_ASSERT_DOUBLE_EQ(cmd.create.cost_price, 1.25);
	ES_ASSERT_INT_EQ(cmd.create.supplier_id, 3);
	ES_ASSERT_STR_EQ(cmd.create.supplier_name, "Acme");
	ES_ASSERT_INT_EQ(cmd.create.stock, 7);
	ES_ASSERT_STR_EQ(cmd.create.description, NULL);
}

static void test_whitespace_is_fine(void)
{
	struct es_error err = {0, ""};
	const char *line = " \t{ \"type\" : \"UpdateStock\" ,\n"
			   "  \"product_id\" : 4 , \"new_stock\" : 0 }\r\n";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.type, ES_UPDATE_STOCK);
	ES_ASSERT_INT_EQ(cmd.update_stock.product_id, 4);
	ES_ASSERT_INT_EQ(cmd.update_stock.new_stock, 0);
}

static void test_integers_just_inside_the_limit(void)
{
	struct es_error err = {0, ""};
	const char *line = "{\"type\":\"UpdateStock\","
			   "\"product_id\":9007199254740991,"
			   "\"new_stock\":-9007199254740991}";

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(cmd.update_stock.product_id,
			 INT64_C(9007199254740991));
	ES_ASSERT_INT_EQ(cmd.update_stock.new_stock,
			 -INT64_C(9007199254740991));
}

static void test_utf8_strings_are_kept(void)
{
	struct es_error err = {0, ""};
	/* Raw bytes and \u escapes: e-acute, a coffee cup, a G clef. */
	const char *line = CREATE("\"Caf\xc3\xa9 \xe2\x98\x95\"", "1", "0", "1",
				  "\"\\u00e9\\u2615\\ud834\\udd1e\"", "0", "");

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_STR_EQ(cmd.create.name, "Caf\xc3\xa9 \xe2\x98\x95");
	ES_ASSERT_STR_EQ(cmd.create.supplier_name,
			 "\xc3\xa9\xe2\x98\x95\xf0\x9d\x84\x9e");
}

struct error_case {
	const char *name;
	const char *line;
	int code;
	const char *message;
};

static const struct error_case error_cases[] = {
	/* Not JSON, or not one JSON value. */
	{"empty line", "", ES_EINVAL, "not valid JSON near character 1"},
	{"only spaces", "   ", ES_EINVAL, "not valid JSON near character 4"},
	{"cut short", "{\"type\":", ES_EINVAL,
	 "not valid JSON near character 9"},
	/* cJSON points just past the quote it expected: "near", not "at". */
	{"single quotes", "{'type':'UpdateStock'}", ES_EINVAL,
	 "not valid JSON near character 3"},
	{"NaN is not JSON",
	 "{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":NaN}",
	 ES_EINVAL, "not valid JSON near character 50"},
	{"trailing garbage",
	 "{\"type\":\"RecordProductView\",\"product_id\":1} x", ES_EINVAL,
	 "not valid JSON near character 45"},
	{"two objects on one line",
	 "{\"type\":\"RecordProductView\",\"product_id\":1}{}", ES_EINVAL,
	 "not valid JSON near character 44"},
	/* JSON, but not an object. */
	{"an array", "[]", ES_EINVAL, "a command must be a JSON object"},
	{"null", "null", ES_EINVAL, "a command must be a JSON object"},
	{"a string", "\"CreateProduct\"", ES_EINVAL,
	 "a command must be a JSON object"},
	{"a number", "42", ES_EINVAL, "a command must be a JSON object"},
	/* The type. */
	{"no type", "{}", ES_EINVAL, "missing field 'type'"},
	{"type in other case", "{\"Type\":\"UpdateStock\"}", ES_EINVAL,
	 "missing field 'type'"},
	{"type null", "{\"type\":null}", ES_EINVAL,
	 "field 'type' must be a string"},
	{"type a number", "{\"type\":1}", ES_EINVAL,
	 "field 'type' must be a string"},
	{"type a bool", "{\"type\":true}", ES_EINVAL,
	 "field 'type' must be a string"},
	{"unknown type", "{\"type\":\"Foo\"}", ES_EINVAL,
	 "unknown command type 'Foo'"},
	{"type in lower case", "{\"type\":\"createProduct\"}", ES_EINVAL,
	 "unknown command type 'createProduct'"},
	{"event name as type", "{\"type\":\"StockUpdated\"}", ES_EINVAL,
	 "unknown command type 'StockUpdated'"},
	/* Missing fields: the first one in declared order is reported. */
	{"CreateProduct with nothing", "{\"type\":\"CreateProduct\"}",
	 ES_EINVAL, "CreateProduct: missing field 'name'"},
	{"CreateProduct without stock",
	 "{\"type\":\"CreateProduct\",\"name\":\"W\",\"price\":1,"
	 "\"cost_price\":0,\"supplier_id\":1,\"supplier_name\":\"A\"}",
	 ES_EINVAL, "CreateProduct: missing field 'stock'"},
	{"CreateProduct without supplier_name",
	 "{\"type\":\"CreateProduct\",\"name\":\"W\",\"price\":1,"
	 "\"cost_price\":0,\"supplier_id\":1,\"stock\":1}",
	 ES_EINVAL, "CreateProduct: missing field 'supplier_name'"},
	{"UpdateStock without new_stock",
	 "{\"type\":\"UpdateStock\",\"product_id\":2}", ES_EINVAL,
	 "UpdateStock: missing field 'new_stock'"},
	{"UpdateStock without product_id",
	 "{\"type\":\"UpdateStock\",\"new_stock\":2}", ES_EINVAL,
	 "UpdateStock: missing field 'product_id'"},
	{"ChangePrice without new_price",
	 "{\"type\":\"ChangePrice\",\"product_id\":2}", ES_EINVAL,
	 "ChangePrice: missing field 'new_price'"},
	{"RecordProductView without product_id",
	 "{\"type\":\"RecordProductView\"}", ES_EINVAL,
	 "RecordProductView: missing field 'product_id'"},
	{"field name in other case",
	 "{\"type\":\"RecordProductView\",\"Product_id\":1}", ES_EINVAL,
	 "RecordProductView: missing field 'product_id'"},
	/* Strings. */
	{"name a number", CREATE("1", "1", "0", "1", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'name' must be a string"},
	{"name null", CREATE("null", "1", "0", "1", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'name' must be a string"},
	{"supplier_name an array", CREATE(WIDGET, "1", "0", "1", "[]", "1", ""),
	 ES_EINVAL, "CreateProduct: field 'supplier_name' must be a string"},
	{"description a number", GOOD_CREATE(",\"description\":5"), ES_EINVAL,
	 "CreateProduct: field 'description' must be a string or null"},
	{"description a bool", GOOD_CREATE(",\"description\":false"), ES_EINVAL,
	 "CreateProduct: field 'description' must be a string or null"},
	/* Numbers. */
	{"price a string", CREATE(WIDGET, "\"29.99\"", "0", "1", ACME, "1", ""),
	 ES_EINVAL, "CreateProduct: field 'price' must be a number"},
	{"price a bool", CREATE(WIDGET, "true", "0", "1", ACME, "1", ""),
	 ES_EINVAL, "CreateProduct: field 'price' must be a number"},
	{"cost_price null", CREATE(WIDGET, "1", "null", "1", ACME, "1", ""),
	 ES_EINVAL, "CreateProduct: field 'cost_price' must be a number"},
	{"cost_price too large",
	 CREATE(WIDGET, "1", "1e999", "1", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'cost_price' must be a finite number"},
	{"new_price a string",
	 "{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":\"44\"}",
	 ES_EINVAL, "ChangePrice: field 'new_price' must be a number"},
	{"new_price too large",
	 "{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":1e999}",
	 ES_EINVAL, "ChangePrice: field 'new_price' must be a finite number"},
	{"new_price too small",
	 "{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":-1e999}",
	 ES_EINVAL, "ChangePrice: field 'new_price' must be a finite number"},
	/* Integers. */
	{"supplier_id a string",
	 CREATE(WIDGET, "1", "0", "\"1\"", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'supplier_id' must be a whole number"},
	{"supplier_id with a fraction",
	 CREATE(WIDGET, "1", "0", "1.5", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'supplier_id' must be a whole number"},
	{"stock a bool", CREATE(WIDGET, "1", "0", "1", ACME, "false", ""),
	 ES_EINVAL, "CreateProduct: field 'stock' must be a whole number"},
	{"new_stock with a fraction",
	 "{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":0.5}",
	 ES_EINVAL, "UpdateStock: field 'new_stock' must be a whole number"},
	{"product_id past 2^53",
	 "{\"type\":\"UpdateStock\",\"product_id\":9007199254740993,"
	 "\"new_stock\":1}",
	 ES_EINVAL, "UpdateStock: field 'product_id' is out of range"},
	{"product_id at 2^53",
	 "{\"type\":\"UpdateStock\",\"product_id\":9007199254740992,"
	 "\"new_stock\":1}",
	 ES_EINVAL, "UpdateStock: field 'product_id' is out of range"},
	{"new_stock at -2^53",
	 "{\"type\":\"UpdateStock\",\"product_id\":1,"
	 "\"new_stock\":-9007199254740992}",
	 ES_EINVAL, "UpdateStock: field 'new_stock' is out of range"},
	{"product_id 1e300",
	 "{\"type\":\"RecordProductView\",\"product_id\":1e300}", ES_EINVAL,
	 "RecordProductView: field 'product_id' is out of range"},
	{"product_id infinite",
	 "{\"type\":\"RecordProductView\",\"product_id\":1e999}", ES_EINVAL,
	 "RecordProductView: field 'product_id' is out of range"},
	{"product_id an object",
	 "{\"type\":\"RecordProductView\",\"product_id\":{}}", ES_EINVAL,
	 "RecordProductView: field 'product_id' must be a whole number"},
	/* UTF-8. */
	{"name with byte 0xff",
	 CREATE("\"W\xff\"", "1", "0", "1", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'name' is not valid UTF-8"},
	{"name with a lone continuation byte",
	 CREATE("\"\x80\"", "1", "0", "1", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'name' is not valid UTF-8"},
	{"name with a sequence cut short",
	 CREATE("\"\xe2\x82\"", "1", "0", "1", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'name' is not valid UTF-8"},
	{"supplier_name with an overlong '/'",
	 CREATE(WIDGET, "1", "0", "1", "\"\xc0\xaf\"", "1", ""), ES_EINVAL,
	 "CreateProduct: field 'supplier_name' is not valid UTF-8"},
	{"supplier_name with an overlong 3-byte form",
	 CREATE(WIDGET, "1", "0", "1", "\"\xe0\x80\xaf\"", "1", ""), ES_EINVAL,
	 "CreateProduct: field 'supplier_name' is not valid UTF-8"},
	{"description with a surrogate",
	 GOOD_CREATE(",\"description\":\"\xed\xa0\x80\""), ES_EINVAL,
	 "CreateProduct: field 'description' is not valid UTF-8"},
	{"description beyond U+10FFFF",
	 GOOD_CREATE(",\"description\":\"\xf4\x90\x80\x80\""), ES_EINVAL,
	 "CreateProduct: field 'description' is not valid UTF-8"},
	/* \u0000: cJSON would cut the string there. */
	{"a NUL in the name",
	 CREATE("\"a\\u0000hidden\"", "1", "0", "1", ACME, "1", ""), ES_EINVAL,
	 "NUL character (\\u0000) in a string near character 34"},
	{"a NUL in the description",
	 GOOD_CREATE(",\"description\":\"x\\u0000\""), ES_EINVAL,
	 "NUL character (\\u0000) in a string near character 149"},
	{"a NUL in a member's name",
	 "{\"type\":\"RecordProductView\",\"product_id\\u0000\":1}", ES_EINVAL,
	 "NUL character (\\u0000) in a string near character 40"},
	{"a NUL before anything else is checked", "[\"\\u0000\"]", ES_EINVAL,
	 "NUL character (\\u0000) in a string near character 3"},
	/* Fields the command does not have. */
	{"unknown field", GOOD_CREATE(",\"colour\":\"red\""), ES_EINVAL,
	 "CreateProduct: unknown field 'colour'"},
	{"another command's field",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,"
	 "\"new_stock\":3}",
	 ES_EINVAL, "RecordProductView: unknown field 'new_stock'"},
	{"a field given twice",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,"
	 "\"product_id\":2}",
	 ES_EINVAL, "RecordProductView: duplicate field 'product_id'"},
	{"type given twice",
	 "{\"type\":\"RecordProductView\",\"product_id\":1,"
	 "\"type\":\"UpdateStock\"}",
	 ES_EINVAL, "RecordProductView: duplicate field 'type'"},
	/* When several things are wrong, the first declared field wins. */
	{"bad name and bad price",
	 CREATE("1", "\"x\"", "0", "1", ACME, "1", ""), ES_EINVAL,
	 "CreateProduct: field 'name' must be a string"},
	{"unknown field and a missing one",
	 "{\"colour\":\"red\",\"type\":\"UpdateStock\",\"product_id\":2}",
	 ES_EINVAL, "UpdateStock: missing field 'new_stock'"},
};

static void test_bad_lines_are_refused(void)
{
	size_t n = sizeof(error_cases) / sizeof(error_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct error_case *row = &error_cases[i];
		struct es_error err = {0, ""};
		int rc;

		es_test_row(row->name, "%s", row->line);
		rc = es_command_parse(&cmd, row->line, &err);
		ES_CHECK_CODE(row->name, rc, row->code, &err);
		ES_CHECK_STR(row->name, "the message", err.msg, row->message);
		/* Owns nothing, so this frees nothing; valgrind checks. */
		es_command_dispose(&cmd);
	}
}

/* A CreateProduct whose name, supplier_name and description are given. */
static const char *create_line(char *buf, size_t size, const char *name,
			       const char *supplier, const char *description)
{
	snprintf(buf, size,
		 "{\"type\":\"CreateProduct\",\"name\":\"%s\",\"price\":1,"
		 "\"cost_price\":0,\"supplier_id\":1,\"supplier_name\":"
		 "\"%s\",\"stock\":1,\"description\":\"%s\"}",
		 name, supplier, description);
	return buf;
}

/* `n` copies of `s`, in a string the test's buffer holds. */
static const char *repeat(char *buf, size_t size, const char *s, int n)
{
	size_t len = strlen(s);

	buf[0] = '\0';
	for (int i = 0; i < n && (size_t)(i + 1) * len < size; i++)
		memcpy(buf + (size_t)i * len, s, len + 1);
	return buf;
}

static void test_strings_up_to_their_limit(void)
{
	static char name[8 * ES_DESCRIPTION_MAX], other[8 * ES_DESCRIPTION_MAX];
	static char line[32 * ES_DESCRIPTION_MAX];
	struct es_error err = {0, ""};

	/* At the limit, in bytes: 100 two-byte characters are 200 bytes. */
	create_line(line, sizeof(line),
		    repeat(name, sizeof(name), "\xc3\xa9", ES_NAME_MAX / 2),
		    repeat(other, sizeof(other), "\\u00e9",
			   ES_SUPPLIER_NAME_MAX / 2),
		    "");
	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(strlen(cmd.create.name), ES_NAME_MAX);
	ES_ASSERT_INT_EQ(strlen(cmd.create.supplier_name),
			 ES_SUPPLIER_NAME_MAX);
	es_command_dispose(&cmd);
	create_line(line, sizeof(line), "W", "A",
		    repeat(name, sizeof(name), "d", ES_DESCRIPTION_MAX));
	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_INT_EQ(strlen(cmd.create.description), ES_DESCRIPTION_MAX);
	es_command_dispose(&cmd);
	/* One byte more: refused, the first such field named. */
	create_line(line, sizeof(line),
		    repeat(name, sizeof(name), "n", ES_NAME_MAX + 1),
		    repeat(other, sizeof(other), "s", ES_SUPPLIER_NAME_MAX + 1),
		    "");
	ES_ASSERT_CODE(es_command_parse(&cmd, line, &err), ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(
		err.msg,
		"CreateProduct: field 'name' is longer than 200 bytes");
	create_line(line, sizeof(line), "W",
		    repeat(other, sizeof(other), "\\u00e9",
			   ES_SUPPLIER_NAME_MAX / 2 + 1),
		    "");
	ES_ASSERT_CODE(es_command_parse(&cmd, line, &err), ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "CreateProduct: field 'supplier_name' is "
				  "longer than 200 bytes");
	create_line(line, sizeof(line), "W", "A",
		    repeat(name, sizeof(name), "d", ES_DESCRIPTION_MAX + 1));
	ES_ASSERT_CODE(es_command_parse(&cmd, line, &err), ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "CreateProduct: field 'description' is "
				  "longer than 5000 bytes");
}

static void test_escaped_backslash_before_u0000(void)
{
	struct es_error err = {0, ""};

	/* JSON \\u0000 is a backslash and "u0000": six characters. */
	ES_ASSERT_OK(es_command_parse(&cmd,
				      CREATE("\"a\\\\u0000\"", "1", "0", "1",
					     ACME, "1", ""),
				      &err),
		     &err);
	ES_ASSERT_STR_EQ(cmd.create.name, "a\\u0000");
}

static void test_failed_parse_owns_nothing(void)
{
	struct es_error err = {0, ""};
	/* name and supplier_name are copied before the unknown field. */
	const char *line = GOOD_CREATE(",\"colour\":\"red\"");

	ES_ASSERT_CODE(es_command_parse(&cmd, line, &err), ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(cmd.create.name, NULL);
	ES_ASSERT_STR_EQ(cmd.create.supplier_name, NULL);
	ES_ASSERT_STR_EQ(cmd.create.description, NULL);
}

static void test_parse_works_with_null_err(void)
{
	ES_ASSERT_CODE(es_command_parse(&cmd, "[]", NULL), ES_EINVAL, NULL);
	ES_ASSERT_OK(es_command_parse(&cmd, GOOD_CREATE(""), NULL), NULL);
	ES_ASSERT_STR_EQ(cmd.create.name, "Widget Pro");
}

static void test_dispose_zeroes_the_command(void)
{
	struct es_error err = {0, ""};
	const char *line = GOOD_CREATE(",\"description\":\"Shiny\"");

	ES_ASSERT_OK(es_command_parse(&cmd, line, &err), &err);
	ES_ASSERT_STR_EQ(cmd.create.description, "Shiny");
	es_command_dispose(&cmd);
	ES_ASSERT_INT_EQ(cmd.type, 0);
	ES_ASSERT_STR_EQ(cmd.create.name, NULL);
	ES_ASSERT_STR_EQ(cmd.create.supplier_name, NULL);
	ES_ASSERT_STR_EQ(cmd.create.description, NULL);
	es_command_dispose(&cmd); /* twice is harmless */
	es_command_dispose(NULL);
}

struct name_case {
	enum es_command_type type;
	const char *name;
};

static const struct name_case name_cases[] = {
	{ES_CREATE_PRODUCT, "CreateProduct"},
	{ES_UPDATE_STOCK, "UpdateStock"},
	{ES_CHANGE_PRICE, "ChangePrice"},
	{ES_RECORD_PRODUCT_VIEW, "RecordProductView"},
};

static void test_type_name_names_each_type(void)
{
	size_t n = sizeof(name_cases) / sizeof(name_cases[0]);

	/* The expected name in the failure message says which row it was. */
	for (size_t i = 0; i < n; i++)
		ES_ASSERT_STR_EQ(es_command_type_name(name_cases[i].type),
				 name_cases[i].name);
}

static CU_TestInfo tests[] = {
	{"CreateProduct parses with every field", test_create_product_parses},
	{"description may be left out, null, or a string",
	 test_description_is_optional},
	{"UpdateStock parses with every field", test_update_stock_parses},
	{"a negative stock parses: refusing it is the handler's job",
	 test_negative_stock_parses},
	{"ChangePrice parses with every field", test_change_price_parses},
	{"a whole number is accepted as a price", test_integer_price_parses},
	{"RecordProductView parses with every field",
	 test_record_product_view_parses},
	{"the order of the keys does not matter",
	 test_key_order_does_not_matter},
	{"whitespace around and between tokens is fine",
	 test_whitespace_is_fine},
	{"integers just inside +-2^53 are accepted",
	 test_integers_just_inside_the_limit},
	{"UTF-8 strings, raw or escaped, are kept as they are",
	 test_utf8_strings_are_kept},
	{"every malformed line is refused with its exact message",
	 test_bad_lines_are_refused},
	{"strings up to their limit in bytes parse, one byte more is refused",
	 test_strings_up_to_their_limit},
	{"an escaped backslash followed by u0000 is no NUL",
	 test_escaped_backslash_before_u0000},
	{"after a failed parse the command owns nothing",
	 test_failed_parse_owns_nothing},
	{"parse accepts a NULL error", test_parse_works_with_null_err},
	{"dispose frees the strings and zeroes the command",
	 test_dispose_zeroes_the_command},
	{"type_name gives each command type's JSON name",
	 test_type_name_names_each_type},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 4: commands", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/04-commands.md";
