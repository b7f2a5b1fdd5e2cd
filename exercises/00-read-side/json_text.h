/*
 * json_text.h - JSON text written as Python's json.dumps() writes it, and
 * the UTF-8 check that writing it needs.
 *
 * The event log's `data` must hold the very bytes the seed's Python code
 * writes, so that each program reads the other's log. cJSON cannot print
 * those bytes: it prints the float 12.0 as 12 (which Python reads back as
 * an int), separates with "," and ":" where json.dumps() writes ", " and
 * ": ", and leaves non-ASCII characters raw where json.dumps() writes
 * \u00e9. So the text is written by hand, with the functions below.
 * Reading has no such constraint: any valid JSON will do, and cJSON reads
 * it. What reading needs is strictness: a field of the wrong type, a
 * number that is not a whole int64_t, a field nobody declared, each
 * refused with the field's name. The checked getters at the end do that
 * once, for events, commands and snapshots alike.
 *
 * This file and json_text.c are given complete, with step 0. They are
 * plumbing, not the lesson (the events are): use the getters in step 4's
 * es_command_parse(), and read the writers when you want to see how
 * Python's repr() of a float works.
 *
 * With new_price at 44.99, this hands over {"new_price": 44.99} in a
 * string the caller frees:
 *
 *     struct es_json_buf b;
 *     int rc;
 *
 *     es_json_buf_init(&b);
 *     es_json_add_raw(&b, "{\"new_price\": ");
 *     rc = es_json_add_float(&b, new_price);
 *     if (rc != ES_OK) {
 *             es_json_buf_dispose(&b);
 *             return es_error_set(err, rc,
 *                                 "field 'new_price' must be a finite number");
 *     }
 *     es_json_add_raw(&b, "}");
 *     return es_json_buf_finish(out, &b, err);
 *
 * Running out of memory is reported once, by es_json_buf_finish(): an add
 * that cannot grow the buffer marks it failed, and later adds do nothing.
 */
#ifndef ES_JSON_TEXT_H
#define ES_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "es_error.h"

/*
 * True when `s` is well-formed UTF-8: no stray continuation byte, no
 * truncated sequence, no overlong form, no surrogate (U+D800..U+DFFF),
 * nothing above U+10FFFF. This function can't fail.
 */
bool es_utf8_valid(const char *s);

/*
 * The length in bytes of the well-formed UTF-8 character at `s` (1 for
 * the NUL at the end), or 0 when the bytes there are not one, by the
 * rules of es_utf8_valid(). This function can't fail.
 */
int es_utf8_char_length(const char *s);

/*
 * The number of characters in `s`, a NUL-terminated string of UTF-8: a
 * byte that does not start a well-formed character counts as one. What a
 * rule such as "at most 200 characters" counts. This function can't fail.
 */
size_t es_utf8_count(const char *s);

/*
 * A growable string, on the caller's stack. Read `data` and `len` if you
 * like; change them only through the functions below.
 */
struct es_json_buf {
	char *data;  /* the text so far, NUL-terminated; NULL until an add */
	size_t len;  /* bytes in data, not counting the NUL */
	size_t cap;  /* bytes allocated for data */
	bool failed; /* an allocation failed; later adds do nothing */
};

/* Make `b` an empty buffer that owns nothing. This function can't fail. */
void es_json_buf_init(struct es_json_buf *b);

/*
 * Free what `b` holds and make it empty again, so disposing twice is
 * harmless. NULL is ignored.
 */
void es_json_buf_dispose(struct es_json_buf *b);

/*
 * Hand over the text: on success `*out` is the NUL-terminated text ("" if
 * nothing was added), which the caller frees with free(). Returns ES_OK,
 * or ES_ENOMEM ("out of memory") when an add could not grow the buffer.
 * Either way `b` is left empty, as es_json_buf_init() leaves it.
 */
int es_json_buf_finish(char **out, struct es_json_buf *b, struct es_error *err);

/*
 * Append `text` as it is, for the punctuation between values: "{", ", ",
 * ": ", "}". A key is raw text too: "\"new_price\": ".
 */
void es_json_add_raw(struct es_json_buf *b, const char *text);

/* Append null, the JSON for Python's None. */
void es_json_add_null(struct es_json_buf *b);

/* Append an integer: "-5", "9007199254740991". */
void es_json_add_int(struct es_json_buf *b, int64_t v);

/*
 * Append a float as Python's repr() writes it: the fewest digits that
 * read back as the same double ("29.99", not "29.989999999999998"), a ".0"
 * on whole numbers ("12.0"), and an exponent below 1e-4 and from 1e16 on
 * ("1e-05", "1.5e+16"). Returns ES_OK, or ES_EINVAL for NaN and the
 * infinities, which JSON cannot hold; nothing is appended then. No message
 * is set: the caller knows which value it was and says so.
 */
int es_json_add_float(struct es_json_buf *b, double v);

/*
 * Append `s` (UTF-8) as a JSON string, escaped as json.dumps() escapes it:
 * \" \\ \b \f \n \r \t, other control characters and every non-ASCII
 * character as \u00e9, characters beyond U+FFFF as a surrogate pair
 * (U+1F600 is \ud83d\ude00). Returns ES_OK, or ES_EINVAL when `s` is not
 * valid UTF-8; `b` then holds part of the string, and is only good for
 * es_json_buf_dispose(). No message is set, as for es_json_add_float().
 */
int es_json_add_string(struct es_json_buf *b, const char *s);

/*
 * Add `v` to a cJSON object under `key`, written as es_json_add_float()
 * writes it. cJSON's own printing keeps only 15 significant digits when
 * they read back as nearly the same number, so 0.30000000000000004 would
 * come out as 0.3; a raw item keeps every digit. Returns the new item, or
 * NULL when `v` is not finite or memory runs out.
 */
cJSON *es_json_add_float_to_object(cJSON *object, const char *key, double v);

/*
 * Add `v` to a cJSON object under `key` as an integer. cJSON would print
 * 1234567890123456 as 1.23456789012346e+15. Returns the new item, or NULL
 * when memory runs out.
 */
cJSON *es_json_add_int_to_object(cJSON *object, const char *key, int64_t v);

/*
 * Add `s` to a cJSON object under `key` as a string, or as JSON null when
 * `s` is NULL (a description that is None). Returns the new item, or NULL
 * when memory runs out.
 */
cJSON *es_json_add_nullable_string_to_object(cJSON *object, const char *key,
					     const char *s);

/*
 * Where the JSON text `json` holds an escaped NUL, \u0000, inside a
 * string: the offset of its backslash (0-based), or -1 when there is
 * none. cJSON decodes the string up to the NUL and ends it there, without
 * a word: "a\u0000hidden" reads as "a", and the C string cannot say that
 * anything was lost. So a reader that must not change what it is given
 * asks this of the text it parsed. Outside strings valid JSON has no
 * backslash, so no parser is needed: each backslash starts an escape, and
 * "\\u0000" (an escaped backslash, then "u0000") is not one. On text
 * that is not valid JSON the answer means nothing. Can't fail.
 */
ptrdiff_t es_json_find_nul(const char *json);

/*
 * Checked getters. Each reads member `field` of `object` (a cJSON object)
 * into `*out` and returns ES_OK, or ES_EINVAL with the field's name in a
 * one-line message, `*out` unchanged:
 *
 *     missing field '<field>'                   (absent)
 *     field '<field>' must be a whole number    (not a number, or 1.5)
 *     field '<field>' is out of range           (not inside +-2^53)
 *     field '<field>' must be a number          (not a number)
 *     field '<field>' must be a finite number   (1e999 reads as inf)
 *     field '<field>' must be a string          (not a string)
 *     field '<field>' must be a string or null  (the nullable getter)
 *     field '<field>' is not valid UTF-8        (bytes that are not UTF-8)
 *
 * <field> is the member's name as the caller gave it: "missing field
 * 'new_stock'", "field 'new_price' must be a number".
 *
 * The caller adds where the field was, if that helps the reader:
 * es_error_prefix(err, rc, "UpdateStock") gives "UpdateStock: missing
 * field 'new_stock'". A member given twice is read as cJSON finds it
 * first; es_json_check_fields() refuses such an object.
 *
 * cJSON holds every number as a double, and a double holds every integer
 * only strictly inside +-2^53 (9007199254740993 reads as ...992), so
 * es_json_get_int() takes only those.
 */
int es_json_get_int(int64_t *out, const cJSON *object, const char *field,
		    struct es_error *err);

/* A finite number; a whole number is a number too (Python writes 30). */
int es_json_get_double(double *out, const cJSON *object, const char *field,
		       struct es_error *err);

/*
 * A string of valid UTF-8, borrowed: `*out` points into `object` and lives
 * as long as it does. cJSON ends a string at an escaped \u0000 without a
 * word, so such a string arrives cut short (and still valid): look for
 * one in the text first, with es_json_find_nul().
 */
int es_json_peek_string(const char **out, const cJSON *object,
			const char *field, struct es_error *err);

/*
 * A copy of a string of valid UTF-8, which the caller frees with free().
 * Returns ES_ENOMEM ("out of memory") too.
 */
int es_json_get_string(char **out, const cJSON *object, const char *field,
		       struct es_error *err);

/*
 * As es_json_get_string(), but a missing member or JSON null (Python's
 * None) gives `*out` = NULL and ES_OK.
 */
int es_json_get_nullable_string(char **out, const cJSON *object,
				const char *field, struct es_error *err);

/*
 * Check that every member of `object` is one of `fields` (a NULL-terminated
 * array of names) and none is given twice: cJSON keeps both, where Python
 * would keep the last. Returns ES_OK, or ES_EINVAL with "unknown field
 * '<field>'" or "duplicate field '<field>'" for the first member at
 * fault ("unknown field 'colour'", "duplicate field 'new_stock'").
 * Missing fields are the getters' business.
 */
int es_json_check_fields(const cJSON *object, const char *const fields[],
			 struct es_error *err);

#endif /* ES_JSON_TEXT_H */
