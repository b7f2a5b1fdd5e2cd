/*
 * json_text.c - JSON text as Python's json.dumps() writes it (see
 * json_text.h): a growable buffer, UTF-8 decoding, string escapes, and
 * the shortest repr() of a float.
 */
#include "json_text.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decode the character at `*s` into `*cp` and step `*s` past it. Returns
 * false on anything that is not well-formed UTF-8: a stray continuation
 * byte, a truncated sequence, an overlong form, a surrogate
 * (U+D800..U+DFFF), a value above U+10FFFF.
 */
static bool utf8_next(const char **s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t c, min;
	int extra;

	if (p[0] < 0x80) {
		c = p[0];
		extra = 0;
		min = 0;
	} else if ((p[0] & 0xe0) == 0xc0) {
		c = p[0] & 0x1f;
		extra = 1;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		c = p[0] & 0x0f;
		extra = 2;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		c = p[0] & 0x07;
		extra = 3;
		min = 0x10000;
	} else {
		return false;
	}
	/* The terminating NUL is not a continuation byte either. */
	for (int i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return false;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return false;
	*cp = c;
	*s += extra + 1;
	return true;
}

bool es_utf8_valid(const char *s)
{
	uint32_t cp;

	assert(s != NULL);
	while (*s != '\0') {
		if (!utf8_next(&s, &cp))
			return false;
	}
	return true;
}

int es_utf8_char_length(const char *s)
{
	const char *next = s;
	uint32_t cp;

	assert(s != NULL);
	return utf8_next(&next, &cp) ? (int)(next - s) : 0;
}

size_t es_utf8_count(const char *s)
{
	size_t n = 0;

	assert(s != NULL);
	while (*s != '\0') {
		int len = es_utf8_char_length(s);

		s += len > 0 ? len : 1;
		n++;
	}
	return n;
}

void es_json_buf_init(struct es_json_buf *b)
{
	assert(b != NULL);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

void es_json_buf_dispose(struct es_json_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	es_json_buf_init(b);
}

/* Append the `n` bytes at `s`, doubling the buffer when they do not fit. */
static void buf_add(struct es_json_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 256 : b->cap;
		char *data;

		while (cap < b->len + n + 1)
			cap *= 2;
		data = realloc(b->data, cap);
		if (data == NULL) {
			b->failed = true;
			return;
		}
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

int es_json_buf_finish(char **out, struct es_json_buf *b, struct es_error *err)
{
	assert(out != NULL);
	assert(b != NULL);
	buf_add(b, "", 0); /* so that an empty buffer hands over "" too */
	if (b->failed) {
		es_json_buf_dispose(b);
		return es_error_set(err, ES_ENOMEM, "out of memory");
	}
	*out = b->data;
	es_json_buf_init(b);
	return ES_OK;
}

void es_json_add_raw(struct es_json_buf *b, const char *text)
{
	assert(b != NULL);
	assert(text != NULL);
	buf_add(b, text, strlen(text));
}

void es_json_add_null(struct es_json_buf *b)
{
	es_json_add_raw(b, "null");
}

void es_json_add_int(struct es_json_buf *b, int64_t v)
{
	char number[24]; /* "-9223372036854775808" */

	snprintf(number, sizeof(number), "%" PRId64, v);
	es_json_add_raw(b, number);
}

/* The two-character escape json.dumps() uses for `cp`, or NULL. */
static const char *short_escape(uint32_t cp)
{
	switch (cp) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	return NULL;
}

/*
 * Append `cp` as json.dumps() writes it inside a string: printable ASCII
 * as itself, anything else as \u00e9, and characters beyond U+FFFF as a
 * UTF-16 surrogate pair (U+1F600 is \ud83d\ude00).
 */
static void add_char(struct es_json_buf *b, uint32_t cp)
{
	const char *esc = short_escape(cp);
	char out[16];

	if (esc != NULL) {
		es_json_add_raw(b, esc);
		return;
	}
	if (cp >= 0x20 && cp <= 0x7e) {
		out[0] = (char)cp;
		buf_add(b, out, 1);
		return;
	}
	if (cp < 0x10000) {
		snprintf(out, sizeof(out), "\\u%04x", (unsigned)cp);
	} else {
		cp -= 0x10000;
		snprintf(out, sizeof(out), "\\u%04x\\u%04x",
			 (unsigned)(0xd800 | cp >> 10),
			 (unsigned)(0xdc00 | (cp & 0x3ff)));
	}
	es_json_add_raw(b, out);
}

int es_json_add_string(struct es_json_buf *b, const char *s)
{
	uint32_t cp;

	assert(s != NULL);
	es_json_add_raw(b, "\"");
	while (*s != '\0') {
		if (!utf8_next(&s, &cp))
			return ES_EINVAL;
		add_char(b, cp);
	}
	es_json_add_raw(b, "\"");
	return ES_OK;
}

/* Append `n` zeros. */
static void add_zeros(struct es_json_buf *b, int n)
{
	for (int i = 0; i < n; i++)
		es_json_add_raw(b, "0");
}

/*
 * Append the number whose significant digits are `digits` (n of them, the
 * first one before the point) times 10^exp, as Python's repr() does:
 * fixed notation with at least one digit after the point when
 * -4 <= exp < 16 ("0.0001", "12.0", "29.99"), otherwise scientific with
 * a signed exponent of at least two digits ("1e-05", "1.5e+16").
 */
static void add_digits(struct es_json_buf *b, const char *digits, int n,
		       int exp)
{
	if (exp < -4 || exp >= 16) {
		char tail[16];

		buf_add(b, digits, 1);
		if (n > 1) {
			es_json_add_raw(b, ".");
			buf_add(b, digits + 1, (size_t)n - 1);
		}
		snprintf(tail, sizeof(tail), "e%c%02d", exp < 0 ? '-' : '+',
			 exp < 0 ? -exp : exp);
		es_json_add_raw(b, tail);
	} else if (exp < 0) {
		es_json_add_raw(b, "0.");
		add_zeros(b, -exp - 1);
		buf_add(b, digits, (size_t)n);
	} else if (n <= exp + 1) {
		buf_add(b, digits, (size_t)n);
		add_zeros(b, exp + 1 - n);
		es_json_add_raw(b, ".0");
	} else {
		buf_add(b, digits, (size_t)exp + 1);
		es_json_add_raw(b, ".");
		buf_add(b, digits + exp + 1, (size_t)(n - exp - 1));
	}
}

/*
 * The `n`-digit decimal nearest to `v` (finite, >= 0), as printf's "%.*e"
 * rounds it: its digits, and the decimal exponent of the first one.
 */
static void nearest_digits(char *digits, int *exp, int n, double v)
{
	char sci[32]; /* "d.dddddddddddddddde+ddd" */
	const char *p;
	int len = 0;

	snprintf(sci, sizeof(sci), "%.*e", n - 1, v);
	for (p = sci; *p != 'e'; p++) {
		if (*p != '.')
			digits[len++] = *p;
	}
	*exp = atoi(p + 1);
}

/* Add one to the last of `n` digits: 0.1234 becomes 0.1235, 999 1000. */
static void next_digits_up(char *digits, int *exp, int n)
{
	int i = n - 1;

	while (i >= 0 && digits[i] == '9')
		digits[i--] = '0';
	if (i >= 0) {
		digits[i]++;
		return;
	}
	digits[0] = '1';
	(*exp)++;
}

/* True when the decimal that `n` digits and `exp` spell reads back as v. */
static bool reads_back(const char *digits, int n, int exp, double v)
{
	char text[32];

	snprintf(text, sizeof(text), "0.%.*se%d", n, digits, exp + 1);
	return strtod(text, NULL) == v;
}

/*
 * Find the fewest significant digits that read back as `v` (finite,
 * >= 0), as Python's repr() does. For n = 1, 2, ... try the n-digit
 * decimal nearest to v, then the one just above it: at a power of two the
 * next double down is half as far as the next one up, so the nearest
 * decimal can fall short below while the one above still reads back.
 * 17 digits always read back. Returns n; fills `digits` and `*exp`.
 */
static int shortest_digits(char *digits, int *exp, double v)
{
	int n;

	for (n = 1; n < 17; n++) {
		nearest_digits(digits, exp, n, v);
		if (reads_back(digits, n, *exp, v))
			return n;
		next_digits_up(digits, exp, n);
		if (reads_back(digits, n, *exp, v))
			return n;
	}
	nearest_digits(digits, exp, n, v);
	return n;
}

int es_json_add_float(struct es_json_buf *b, double v)
{
	char digits[20];
	int n, exp;

	assert(b != NULL);
	if (!isfinite(v))
		return ES_EINVAL;
	if (signbit(v)) {
		es_json_add_raw(b, "-");
		v = -v;
	}
	n = shortest_digits(digits, &exp, v);
	add_digits(b, digits, n, exp);
	return ES_OK;
}

/* Add the text `b` holds as a raw item, then free it. */
static cJSON *add_raw_item(cJSON *object, const char *key,
			   struct es_json_buf *b)
{
	cJSON *item = NULL;

	if (!b->failed)
		item = cJSON_AddRawToObject(object, key, b->data);
	es_json_buf_dispose(b);
	return item;
}

cJSON *es_json_add_float_to_object(cJSON *object, const char *key, double v)
{
	struct es_json_buf b;

	es_json_buf_init(&b);
	if (es_json_add_float(&b, v) != ES_OK) {
		es_json_buf_dispose(&b);
		return NULL;
	}
	return add_raw_item(object, key, &b);
}

cJSON *es_json_add_int_to_object(cJSON *object, const char *key, int64_t v)
{
	struct es_json_buf b;

	es_json_buf_init(&b);
	es_json_add_int(&b, v);
	return add_raw_item(object, key, &b);
}

cJSON *es_json_add_nullable_string_to_object(cJSON *object, const char *key,
					     const char *s)
{
	if (s == NULL)
		return cJSON_AddNullToObject(object, key);
	return cJSON_AddStringToObject(object, key, s);
}

ptrdiff_t es_json_find_nul(const char *json)
{
	const char *p;

	assert(json != NULL);
	for (p = strchr(json, '\\'); p != NULL; p = strchr(p + 2, '\\')) {
		if (strncmp(p + 1, "u0000", 5) == 0)
			return p - json;
		if (p[1] == '\0')
			break;
	}
	return -1;
}

/* ---- checked getters ---------------------------------------------------- */

/* Integers strictly inside +-2^53 are exact in a double (see the header). */
#define INT_LIMIT 9007199254740992.0

/* The member `field` of `object`, or NULL with "missing field '...'". */
static const cJSON *member(const cJSON *object, const char *field,
			   struct es_error *err)
{
	const cJSON *item;

	assert(object != NULL);
	assert(field != NULL);
	item = cJSON_GetObjectItemCaseSensitive(object, field);
	if (item == NULL)
		es_error_set(err, ES_EINVAL, "missing field '%s'", field);
	return item;
}

int es_json_get_int(int64_t *out, const cJSON *object, const char *field,
		    struct es_error *err)
{
	const cJSON *item = member(object, field, err);
	double v;

	assert(out != NULL);
	if (item == NULL)
		return ES_EINVAL;
	if (!cJSON_IsNumber(item))
		return es_error_set(err, ES_EINVAL,
				    "field '%s' must be a whole number", field);
	v = item->valuedouble;
	/* The range comes first, so that the cast below is defined. */
	if (!(v > -INT_LIMIT && v < INT_LIMIT))
		return es_error_set(err, ES_EINVAL,
				    "field '%s' is out of range", field);
	if ((double)(int64_t)v != v)
		return es_error_set(err, ES_EINVAL,
				    "field '%s' must be a whole number", field);
	*out = (int64_t)v;
	return ES_OK;
}

int es_json_get_double(double *out, const cJSON *object, const char *field,
		       struct es_error *err)
{
	const cJSON *item = member(object, field, err);

	assert(out != NULL);
	if (item == NULL)
		return ES_EINVAL;
	if (!cJSON_IsNumber(item))
		return es_error_set(err, ES_EINVAL,
				    "field '%s' must be a number", field);
	/* cJSON reads a number too large for a double, 1e999, as infinity. */
	if (!isfinite(item->valuedouble))
		return es_error_set(err, ES_EINVAL,
				    "field '%s' must be a finite number",
				    field);
	*out = item->valuedouble;
	return ES_OK;
}

/* Check that `item`, the member `field`, is a string of valid UTF-8. */
static int check_string(const cJSON *item, const char *field,
			const char *expected, struct es_error *err)
{
	if (!cJSON_IsString(item))
		return es_error_set(err, ES_EINVAL, "field '%s' must be %s",
				    field, expected);
	if (!es_utf8_valid(item->valuestring))
		return es_error_set(err, ES_EINVAL,
				    "field '%s' is not valid UTF-8", field);
	return ES_OK;
}

int es_json_peek_string(const char **out, const cJSON *object,
			const char *field, struct es_error *err)
{
	const cJSON *item = member(object, field, err);
	int rc;

	assert(out != NULL);
	if (item == NULL)
		return ES_EINVAL;
	rc = check_string(item, field, "a string", err);
	if (rc != ES_OK)
		return rc;
	*out = item->valuestring;
	return ES_OK;
}

/* A copy of `s` in `*out`, or ES_ENOMEM. */
static int copy_string(char **out, const char *s, struct es_error *err)
{
	char *copy = strdup(s);

	if (copy == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	*out = copy;
	return ES_OK;
}

int es_json_get_string(char **out, const cJSON *object, const char *field,
		       struct es_error *err)
{
	const char *s;
	int rc;

	assert(out != NULL);
	rc = es_json_peek_string(&s, object, field, err);
	if (rc != ES_OK)
		return rc;
	return copy_string(out, s, err);
}

int es_json_get_nullable_string(char **out, const cJSON *object,
				const char *field, struct es_error *err)
{
	const cJSON *item;
	int rc;

	assert(out != NULL);
	assert(object != NULL);
	assert(field != NULL);
	item = cJSON_GetObjectItemCaseSensitive(object, field);
	if (item == NULL || cJSON_IsNull(item)) {
		*out = NULL;
		return ES_OK;
	}
	rc = check_string(item, field, "a string or null", err);
	if (rc != ES_OK)
		return rc;
	return copy_string(out, item->valuestring, err);
}

/* True when `name` is one of `fields`, a NULL-terminated array. */
static bool is_declared(const char *const fields[], const char *name)
{
	for (size_t i = 0; fields[i] != NULL; i++) {
		if (strcmp(fields[i], name) == 0)
			return true;
	}
	return false;
}

int es_json_check_fields(const cJSON *object, const char *const fields[],
			 struct es_error *err)
{
	const cJSON *item;

	assert(object != NULL);
	assert(fields != NULL);
	cJSON_ArrayForEach(item, object)
	{
		if (!is_declared(fields, item->string))
			return es_error_set(err, ES_EINVAL,
					    "unknown field '%s'", item->string);
		/* cJSON finds the first of two members with one name. */
		if (cJSON_GetObjectItemCaseSensitive(object, item->string) !=
		    item)
			return es_error_set(err, ES_EINVAL,
					    "duplicate field '%s'",
					    item->string);
	}
	return ES_OK;
}
