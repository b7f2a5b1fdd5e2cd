/*
 * test_json_text.c - step 0: json_text.h, given complete: the checked
 * getters that events, commands and snapshots read JSON with.
 *
 * test_read_side.c lists these tests as a suite of step 0.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json_text.h"
#include "test_step0.h"

static cJSON *root;  /* the object under test */
static char *copied; /* what a string getter copied */
static struct es_error err;

void es_json_text_setup(void)
{
	root = NULL;
	copied = NULL;
	es_error_clear(&err);
}

void es_json_text_teardown(void)
{
	cJSON_Delete(root);
	root = NULL;
	free(copied);
	copied = NULL;
}

/* Parse `text` into `root`; a failure fails the test. */
static void parse(const char *text)
{
	cJSON_Delete(root);
	root = cJSON_Parse(text);
	if (root == NULL)
		ES_FAIL("the test's JSON does not parse: %s", text);
}
#define parse(text) ES_CALLED(parse(text))

/* Fail unless rc is ES_EINVAL with exactly `message`. */
#define CHECK_REFUSED(row, rc, message)                                        \
	check_refused(__LINE__, row, rc, message)

static void check_refused(int line, const char *row, int rc,
			  const char *message)
{
	if (rc != ES_EINVAL)
		es_test_fail(__FILE__, line, "%s: returned %s, expected %s",
			     row, es_code_name(rc), es_code_name(ES_EINVAL));
	if (strcmp(err.msg, message) != 0)
		es_test_fail(__FILE__, line,
			     "%s: message \"%s\", expected \"%s\"", row,
			     err.msg, message);
}

/* One object holding a value of every kind, for the getters to read. */
static const char every_kind[] =
	"{\"int\": 42, \"negative\": -7, \"max\": 9007199254740991, "
	"\"min\": -9007199254740991, \"whole\": 30, \"float\": 44.99, "
	"\"half\": 1.5, \"big\": 9007199254740992, \"tiny\": -1e300, "
	"\"inf\": 1e999, \"text\": \"Caf\\u00e9\", \"bad\": \"\xff\", "
	"\"null\": null, \"true\": true, \"array\": [1], \"object\": {}}";

static const struct refusal {
	const char *name;    /* the member read */
	const char *int_msg; /* es_json_get_int()'s message */
	const char *num_msg; /* es_json_get_double()'s message */
	const char *str_msg; /* es_json_get_string()'s message */
} refusals[] = {
	{"absent", "missing field 'absent'", "missing field 'absent'",
	 "missing field 'absent'"},
	{"half", "field 'half' must be a whole number", NULL,
	 "field 'half' must be a string"},
	{"big", "field 'big' is out of range", NULL,
	 "field 'big' must be a string"},
	{"tiny", "field 'tiny' is out of range", NULL,
	 "field 'tiny' must be a string"},
	{"inf", "field 'inf' is out of range",
	 "field 'inf' must be a finite number", "field 'inf' must be a string"},
	{"text", "field 'text' must be a whole number",
	 "field 'text' must be a number", NULL},
	{"bad", "field 'bad' must be a whole number",
	 "field 'bad' must be a number", "field 'bad' is not valid UTF-8"},
	{"null", "field 'null' must be a whole number",
	 "field 'null' must be a number", "field 'null' must be a string"},
	{"true", "field 'true' must be a whole number",
	 "field 'true' must be a number", "field 'true' must be a string"},
	{"array", "field 'array' must be a whole number",
	 "field 'array' must be a number", "field 'array' must be a string"},
	{"object", "field 'object' must be a whole number",
	 "field 'object' must be a number", "field 'object' must be a string"},
};

#define REFUSALS (sizeof(refusals) / sizeof(refusals[0]))

static void test_get_int(void)
{
	int64_t v = 0;

	parse(every_kind);
	ES_ASSERT_OK(es_json_get_int(&v, root, "int", &err), &err);
	ES_ASSERT_INT_EQ(v, 42);
	ES_ASSERT_OK(es_json_get_int(&v, root, "negative", &err), &err);
	ES_ASSERT_INT_EQ(v, -7);
	ES_ASSERT_OK(es_json_get_int(&v, root, "max", &err), &err);
	ES_ASSERT_INT_EQ(v, INT64_C(9007199254740991));
	ES_ASSERT_OK(es_json_get_int(&v, root, "min", &err), &err);
	ES_ASSERT_INT_EQ(v, -INT64_C(9007199254740991));
	for (size_t i = 0; i < REFUSALS; i++) {
		v = 5;
		CHECK_REFUSED(refusals[i].name,
			      es_json_get_int(&v, root, refusals[i].name, &err),
			      refusals[i].int_msg);
		if (v != 5)
			ES_FAIL("%s: *out changed to %lld on failure",
				refusals[i].name, (long long)v);
	}
}

static void test_get_double(void)
{
	double v = 0;

	parse(every_kind);
	ES_ASSERT_OK(es_json_get_double(&v, root, "float", &err), &err);
	ES_ASSERT_DOUBLE_EQ(v, 44.99);
	ES_ASSERT_OK(es_json_get_double(&v, root, "whole", &err), &err);
	ES_ASSERT_DOUBLE_EQ(v, 30.0);
	ES_ASSERT_OK(es_json_get_double(&v, root, "tiny", &err), &err);
	ES_ASSERT_DOUBLE_EQ(v, -1e300);
	for (size_t i = 0; i < REFUSALS; i++) {
		if (refusals[i].num_msg == NULL)
			continue;
		v = 5.0;
		CHECK_REFUSED(
			refusals[i].name,
			es_json_get_double(&v, root, refusals[i].name, &err),
			refusals[i].num_msg);
		if (v != 5.0)
			ES_FAIL("%s: *out changed to %g on failure",
				refusals[i].name, v);
	}
}

static void test_get_string(void)
{
	const char *peeked = NULL;

	parse(every_kind);
	ES_ASSERT_OK(es_json_get_string(&copied, root, "text", &err), &err);
	ES_ASSERT_STR_EQ(copied, "Caf\xc3\xa9");
	ES_ASSERT_OK(es_json_peek_string(&peeked, root, "text", &err), &err);
	ES_ASSERT_TRUE(peeked ==
		       cJSON_GetObjectItem(root, "text")->valuestring);
	for (size_t i = 0; i < REFUSALS; i++) {
		if (refusals[i].str_msg == NULL)
			continue;
		free(copied);
		copied = NULL;
		peeked = NULL;
		CHECK_REFUSED(refusals[i].name,
			      es_json_get_string(&copied, root,
						 refusals[i].name, &err),
			      refusals[i].str_msg);
		CHECK_REFUSED(refusals[i].name,
			      es_json_peek_string(&peeked, root,
						  refusals[i].name, &err),
			      refusals[i].str_msg);
		if (copied != NULL || peeked != NULL)
			ES_FAIL("%s: *out changed on failure",
				refusals[i].name);
	}
}

static void test_get_nullable_string(void)
{
	parse(every_kind);
	ES_ASSERT_OK(es_json_get_nullable_string(&copied, root, "text", &err),
		     &err);
	ES_ASSERT_STR_EQ(copied, "Caf\xc3\xa9");
	free(copied);
	copied = NULL;
	ES_ASSERT_OK(es_json_get_nullable_string(&copied, root, "null", &err),
		     &err);
	ES_ASSERT_STR_EQ(copied, NULL);
	ES_ASSERT_OK(es_json_get_nullable_string(&copied, root, "absent", &err),
		     &err);
	ES_ASSERT_STR_EQ(copied, NULL);
	CHECK_REFUSED("int",
		      es_json_get_nullable_string(&copied, root, "int", &err),
		      "field 'int' must be a string or null");
	CHECK_REFUSED("bad",
		      es_json_get_nullable_string(&copied, root, "bad", &err),
		      "field 'bad' is not valid UTF-8");
	ES_ASSERT_STR_EQ(copied, NULL);
}

static const char *const stock_fields[] = {"product_id", "new_stock", NULL};

static const struct members_row {
	const char *name;
	const char *json;
	const char *message; /* NULL: accepted */
} members_rows[] = {
	{"every field", "{\"product_id\": 2, \"new_stock\": 5}", NULL},
	{"a field missing", "{\"new_stock\": 5}", NULL},
	{"the empty object", "{}", NULL},
	{"an unknown field", "{\"product_id\": 2, \"colour\": \"red\"}",
	 "unknown field 'colour'"},
	{"a name in another case", "{\"Product_id\": 2}",
	 "unknown field 'Product_id'"},
	{"a field given twice",
	 "{\"new_stock\": 5, \"product_id\": 2, \"new_stock\": 6}",
	 "duplicate field 'new_stock'"},
};

static void test_check_fields(void)
{
	size_t n = sizeof(members_rows) / sizeof(members_rows[0]);

	for (size_t i = 0; i < n; i++) {
		const struct members_row *row = &members_rows[i];
		int rc;

		parse(row->json);
		rc = es_json_check_fields(root, stock_fields, &err);
		if (row->message == NULL && rc != ES_OK)
			ES_FAIL("%s: returned %s \"%s\", expected ES_OK",
				row->name, es_code_name(rc), err.msg);
		if (row->message != NULL)
			CHECK_REFUSED(row->name, rc, row->message);
	}
}

static void test_getters_accept_null_err(void)
{
	int64_t i = 0;
	double d = 0;

	parse(every_kind);
	ES_ASSERT_INT_EQ(es_json_get_int(&i, root, "half", NULL), ES_EINVAL);
	ES_ASSERT_INT_EQ(es_json_get_double(&d, root, "text", NULL), ES_EINVAL);
	ES_ASSERT_INT_EQ(es_json_get_string(&copied, root, "absent", NULL),
			 ES_EINVAL);
	ES_ASSERT_INT_EQ(es_json_check_fields(root, stock_fields, NULL),
			 ES_EINVAL);
}

static void test_error_prefix(void)
{
	es_error_set(&err, ES_EINVAL, "missing field 'new_stock'");
	ES_ASSERT_INT_EQ(es_error_prefix(&err, ES_EINVAL, "UpdateStock"),
			 ES_EINVAL);
	ES_ASSERT_STR_EQ(err.msg, "UpdateStock: missing field 'new_stock'");
	ES_ASSERT_INT_EQ(err.code, ES_EINVAL);
	ES_ASSERT_INT_EQ(es_error_prefix(NULL, ES_ENOMEM, "x"), ES_ENOMEM);
}

static const struct {
	const char *name;
	const char *json;
	ptrdiff_t at; /* -1: none */
} nul_rows[] = {
	{"no escape", "{\"name\": \"Widget\"}", -1},
	{"a NUL", "{\"name\": \"a\\u0000hidden\"}", 11},
	{"a NUL first", "[\"\\u0000\"]", 2},
	{"a NUL after other escapes", "[\"\\\"\\n\\u00e9\\u0000\"]", 12},
	{"an escaped backslash, then u0000", "[\"\\\\u0000\"]", -1},
	{"two escaped backslashes, then a NUL", "[\"\\\\\\\\\\u0000\"]", 6},
	{"U+0001", "[\"\\u0001\"]", -1},
	{"U+1000", "[\"\\u1000\"]", -1},
	{"a NUL in a member's name", "{\"\\u0000\": 1}", 2},
	{"text ending in a backslash", "\\", -1},
	{"the empty text", "", -1},
};

static void test_find_nul(void)
{
	for (size_t i = 0; i < sizeof(nul_rows) / sizeof(nul_rows[0]); i++) {
		ptrdiff_t at = es_json_find_nul(nul_rows[i].json);

		if (at != nul_rows[i].at)
			ES_FAIL("%s: es_json_find_nul(\"%s\") is %td, expected "
				"%td",
				nul_rows[i].name, nul_rows[i].json, at,
				nul_rows[i].at);
	}
}

static void test_add_nullable_string(void)
{
	char *text;

	root = cJSON_CreateObject();
	ES_ASSERT_TRUE(root != NULL);
	ES_ASSERT_TRUE(es_json_add_nullable_string_to_object(
			       root, "description", "Caf\xc3\xa9") != NULL);
	ES_ASSERT_TRUE(es_json_add_nullable_string_to_object(root, "none",
							     NULL) != NULL);
	text = cJSON_PrintUnformatted(root);
	ES_ASSERT_TRUE(text != NULL);
	copied = text; /* freed by the teardown */
	ES_ASSERT_STR_EQ(text,
			 "{\"description\":\"Caf\xc3\xa9\",\"none\":null}");
}

CU_TestInfo es_json_text_tests[] = {
	{"es_json_get_int reads whole numbers inside +-2^53, names the field "
	 "otherwise",
	 test_get_int},
	{"es_json_get_double reads finite numbers, names the field otherwise",
	 test_get_double},
	{"es_json_get_string and _peek_string read UTF-8 strings, name the "
	 "field otherwise",
	 test_get_string},
	{"es_json_get_nullable_string reads null and a missing field as NULL",
	 test_get_nullable_string},
	{"es_json_check_fields refuses unknown and repeated members",
	 test_check_fields},
	{"the getters accept a NULL err", test_getters_accept_null_err},
	{"es_error_prefix says where a failure happened", test_error_prefix},
	{"es_json_find_nul finds an escaped NUL in a string, and only that",
	 test_find_nul},
	{"es_json_add_nullable_string_to_object adds a string, or null for "
	 "NULL",
	 test_add_nullable_string},
	CU_TEST_INFO_NULL,
};
