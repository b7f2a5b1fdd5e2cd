/*
 * event_json.c - an event's `data` in the log: es_event_to_json() and
 * es_event_from_json(), declared in events.h beside the events they write
 * and read. Given complete, with step 0: byte-for-byte Python is plumbing,
 * not the lesson.
 *
 * The JSON is written with json_text.h, not with cJSON: the log must hold
 * the bytes Python's json.dumps() writes, and cJSON prints 12.0 as 12 and
 * uses neither Python's separators nor its \uXXXX escapes. Reading has no
 * such constraint, so es_event_from_json() parses with cJSON and reads
 * each field with json_text.h's checked getters.
 *
 * Each event type is described by one table of its fields, in the seed's
 * order: the JSON name, the kind of value, and where the value lives in
 * struct es_event (offsetof). The writer, the reader and the cleanup after
 * a failed read all walk that table, so they cannot disagree about an
 * event's shape. This file calls no function of step 1: it links into
 * step 0's suite before the learner has written a line.
 */
#include "events.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_text.h"

enum field_kind {
	FIELD_INTEGER,	       /* int64_t, whole and inside +-2^53 */
	FIELD_NUMBER,	       /* double, finite */
	FIELD_STRING,	       /* char *, owned, required */
	FIELD_OPTIONAL_STRING, /* char *, owned; NULL is JSON null or missing */
	FIELD_TIMESTAMP	       /* char[ES_TIMESTAMP_SIZE] */
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t offset; /* of the value in struct es_event */
};

struct event_spec {
	enum es_event_type type;
	const struct field *fields;
	size_t count;
};

#define FIELD(name, kind, member)                                              \
	{                                                                      \
		name, kind, offsetof(struct es_event, member)                  \
	}

static const struct field created_fields[] = {
	FIELD("product_id", FIELD_INTEGER, product_id),
	FIELD("name", FIELD_STRING, created.name),
	FIELD("price", FIELD_NUMBER, created.price),
	FIELD("cost_price", FIELD_NUMBER, created.cost_price),
	FIELD("supplier_id", FIELD_INTEGER, created.supplier_id),
	FIELD("supplier_name", FIELD_STRING, created.supplier_name),
	FIELD("stock", FIELD_INTEGER, created.stock),
	FIELD("occurred_at", FIELD_TIMESTAMP, occurred_at),
	FIELD("description", FIELD_OPTIONAL_STRING, created.description),
};

static const struct field stock_fields[] = {
	FIELD("product_id", FIELD_INTEGER, product_id),
	FIELD("new_stock", FIELD_INTEGER, stock.new_stock),
	FIELD("occurred_at", FIELD_TIMESTAMP, occurred_at),
};

static const struct field price_fields[] = {
	FIELD("product_id", FIELD_INTEGER, product_id),
	FIELD("new_price", FIELD_NUMBER, price.new_price),
	FIELD("occurred_at", FIELD_TIMESTAMP, occurred_at),
};

static const struct field viewed_fields[] = {
	FIELD("product_id", FIELD_INTEGER, product_id),
	FIELD("occurred_at", FIELD_TIMESTAMP, occurred_at),
};

/* Step 15's event: not in the seed, so its order is the kata's own. */
static const struct field corrected_fields[] = {
	FIELD("product_id", FIELD_INTEGER, product_id),
	FIELD("corrects_event_id", FIELD_INTEGER, corrected.corrects_event_id),
	FIELD("new_stock", FIELD_INTEGER, corrected.new_stock),
	FIELD("reason", FIELD_STRING, corrected.reason),
	FIELD("occurred_at", FIELD_TIMESTAMP, occurred_at),
};

/* The most fields an event has: ProductCreated's. */
#define MAX_FIELDS (sizeof(created_fields) / sizeof(created_fields[0]))

#define SPEC(type, fields)                                                     \
	{                                                                      \
		(type), (fields), sizeof(fields) / sizeof((fields)[0])         \
	}

static const struct event_spec specs[] = {
	SPEC(ES_PRODUCT_CREATED, created_fields),
	SPEC(ES_STOCK_UPDATED, stock_fields),
	SPEC(ES_PRICE_CHANGED, price_fields),
	SPEC(ES_PRODUCT_VIEWED, viewed_fields),
	SPEC(ES_STOCK_CORRECTED, corrected_fields),
};

#define SPEC_COUNT (sizeof(specs) / sizeof(specs[0]))

/* The spec of events of type `type`, or NULL for a value outside the enum. */
static const struct event_spec *find_spec(enum es_event_type type)
{
	for (size_t i = 0; i < SPEC_COUNT; i++) {
		if (specs[i].type == type)
			return &specs[i];
	}
	return NULL;
}

/* ---- writing ------------------------------------------------------------ */

/* Append `s`, the value of field `f`. */
static int write_string(struct es_json_buf *b, const char *s,
			const struct field *f, struct es_error *err)
{
	int rc = es_json_add_string(b, s);

	if (rc != ES_OK)
		return es_error_set(err, rc, "field '%s' is not valid UTF-8",
				    f->name);
	return ES_OK;
}

/* Append the value of field `f` of `ev`. */
static int write_value(struct es_json_buf *b, const struct es_event *ev,
		       const struct field *f, struct es_error *err)
{
	const void *slot = (const char *)ev + f->offset;
	const char *s;
	int rc;

	switch (f->kind) {
	case FIELD_INTEGER:
		es_json_add_int(b, *(const int64_t *)slot);
		return ES_OK;
	case FIELD_NUMBER:
		rc = es_json_add_float(b, *(const double *)slot);
		if (rc != ES_OK)
			return es_error_set(
				err, rc, "field '%s' must be a finite number",
				f->name);
		return ES_OK;
	case FIELD_OPTIONAL_STRING:
		s = *(char *const *)slot;
		if (s == NULL) {
			es_json_add_null(b);
			return ES_OK;
		}
		return write_string(b, s, f, err);
	case FIELD_STRING:
		s = *(char *const *)slot;
		assert(s != NULL);
		return write_string(b, s, f, err);
	case FIELD_TIMESTAMP:
		return write_string(b, slot, f, err);
	}
	return ES_OK;
}

int es_event_to_json(char **out, const struct es_event *ev,
		     struct es_error *err)
{
	const struct event_spec *spec;
	struct es_json_buf b;

	assert(out != NULL);
	assert(ev != NULL);
	spec = find_spec(ev->type);
	if (spec == NULL)
		return es_error_set(err, ES_EINVAL, "unknown event type %d",
				    (int)ev->type);
	es_json_buf_init(&b);
	es_json_add_raw(&b, "{");
	for (size_t i = 0; i < spec->count; i++) {
		int rc;

		es_json_add_raw(&b, i == 0 ? "\"" : ", \"");
		es_json_add_raw(&b, spec->fields[i].name);
		es_json_add_raw(&b, "\": ");
		rc = write_value(&b, ev, &spec->fields[i], err);
		if (rc != ES_OK) {
			es_json_buf_dispose(&b);
			return rc;
		}
	}
	es_json_add_raw(&b, "}");
	return es_json_buf_finish(out, &b, err);
}

/* ---- reading ------------------------------------------------------------ */

/* Copy the timestamp `f` of `root` into the array at `slot`. */
static int read_timestamp(char *slot, const cJSON *root, const struct field *f,
			  struct es_error *err)
{
	const char *s;
	size_t len;
	int rc = es_json_peek_string(&s, root, f->name, err);

	if (rc != ES_OK)
		return rc;
	len = strlen(s);
	if (len >= ES_TIMESTAMP_SIZE)
		return es_error_set(err, ES_EINVAL, "field '%s' is too long",
				    f->name);
	memcpy(slot, s, len + 1);
	return ES_OK;
}

/* Check field `f` of `root` and store it in `ev`. */
static int read_field(struct es_event *ev, const cJSON *root,
		      const struct field *f, struct es_error *err)
{
	void *slot = (char *)ev + f->offset;

	switch (f->kind) {
	case FIELD_INTEGER:
		return es_json_get_int(slot, root, f->name, err);
	case FIELD_NUMBER:
		return es_json_get_double(slot, root, f->name, err);
	case FIELD_STRING:
		return es_json_get_string(slot, root, f->name, err);
	case FIELD_OPTIONAL_STRING:
		return es_json_get_nullable_string(slot, root, f->name, err);
	case FIELD_TIMESTAMP:
		return read_timestamp(slot, root, f, err);
	}
	return ES_OK;
}

/*
 * Read every field of `spec` from `root` into `ev`, then refuse members the
 * dataclass does not have, as DataClass(**data) would, and a member given
 * twice. Bad data is ES_EINVAL here, as the getters report it.
 */
static int read_fields(struct es_event *ev, const struct event_spec *spec,
		       const cJSON *root, struct es_error *err)
{
	const char *names[MAX_FIELDS + 1];

	assert(spec->count <= MAX_FIELDS);
	for (size_t i = 0; i < spec->count; i++) {
		int rc = read_field(ev, root, &spec->fields[i], err);

		if (rc != ES_OK)
			return rc;
		names[i] = spec->fields[i].name;
	}
	names[spec->count] = NULL;
	return es_json_check_fields(root, names, err);
}

/* Free the strings of `ev` that `spec` says it owns. */
static void free_strings(struct es_event *ev, const struct event_spec *spec)
{
	for (size_t i = 0; i < spec->count; i++) {
		const struct field *f = &spec->fields[i];
		char **slot = (char **)((char *)ev + f->offset);

		if (f->kind == FIELD_STRING ||
		    f->kind == FIELD_OPTIONAL_STRING) {
			free(*slot);
			*slot = NULL;
		}
	}
}

/*
 * The getters call bad input ES_EINVAL. Read from the log, bad input is
 * stored data that cannot be decoded: ES_ECORRUPT, with the same message.
 */
static int as_corrupt(int rc, struct es_error *err)
{
	if (rc != ES_EINVAL)
		return rc;
	if (err != NULL)
		err->code = ES_ECORRUPT;
	return ES_ECORRUPT;
}

int es_event_from_json(struct es_event *out, enum es_event_type type,
		       const char *json, struct es_error *err)
{
	const struct event_spec *spec;
	struct es_event ev;
	cJSON *root;
	int rc;

	assert(out != NULL);
	assert(json != NULL);
	memset(out, 0, sizeof(*out));
	/*
	 * Requiring the NUL right after the value refuses trailing garbage.
	 * cJSON reports running out of memory as a parse error too.
	 */
	root = cJSON_ParseWithOpts(json, NULL, 1);
	if (root == NULL)
		return es_error_set(err, ES_ECORRUPT, "data is not valid JSON");
	spec = find_spec(type);
	if (spec == NULL) {
		rc = es_error_set(err, ES_ECORRUPT, "unknown event type %d",
				  (int)type);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		rc = es_error_set(err, ES_ECORRUPT,
				  "data must be a JSON object");
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	rc = as_corrupt(read_fields(&ev, spec, root, err), err);
	if (rc != ES_OK)
		free_strings(&ev, spec);
	else
		*out = ev;
out:
	cJSON_Delete(root);
	return rc;
}
