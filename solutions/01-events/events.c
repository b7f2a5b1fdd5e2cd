/*
 * events.c - the events: names, timestamps, constructors, and the JSON the
 * event log stores (see events.h).
 *
 * The JSON is written with json_text.h, not with cJSON: the log must hold
 * the bytes Python's json.dumps() writes, and cJSON prints 12.0 as 12 and
 * uses neither Python's separators nor its \uXXXX escapes. Reading has no
 * such constraint, so es_event_from_json() parses with cJSON.
 *
 * Each event type is described by one table of its fields, in the seed's
 * order: the JSON name, the kind of value, and where the value lives in
 * struct es_event (offsetof). The writer and the reader both walk that
 * table, so they cannot disagree about an event's shape.
 */
#include "events.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_text.h"

/*
 * cJSON stores every number as a double. Integers of magnitude 2^53 or
 * more are not all representable (9007199254740993 reads as ...992), so
 * only those strictly inside +-2^53 are accepted.
 */
#define ES_INT_LIMIT 9007199254740992.0

enum field_kind {
	FIELD_INTEGER,         /* int64_t, whole and inside +-2^53 */
	FIELD_NUMBER,          /* double, finite */
	FIELD_STRING,          /* char *, required */
	FIELD_OPTIONAL_STRING, /* char *, NULL is JSON null or missing */
	FIELD_TIMESTAMP        /* char[ES_TIMESTAMP_SIZE] */
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

#define FIELD(name, kind, member) \
	{ name, kind, offsetof(struct es_event, member) }

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

#define SPEC(type, fields) \
	{ (type), (fields), sizeof(fields) / sizeof((fields)[0]) }

static const struct event_spec specs[] = {
	SPEC(ES_PRODUCT_CREATED, created_fields),
	SPEC(ES_STOCK_UPDATED, stock_fields),
	SPEC(ES_PRICE_CHANGED, price_fields),
	SPEC(ES_PRODUCT_VIEWED, viewed_fields),
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

const char *es_event_type_name(enum es_event_type type)
{
	switch (type) {
	case ES_PRODUCT_CREATED:
		return "ProductCreated";
	case ES_STOCK_UPDATED:
		return "StockUpdated";
	case ES_PRICE_CHANGED:
		return "PriceChanged";
	case ES_PRODUCT_VIEWED:
		return "ProductViewed";
	}
	return "?";
}

int es_event_type_parse(enum es_event_type *out, const char *name,
			struct es_error *err)
{
	assert(out != NULL);
	assert(name != NULL);
	for (size_t i = 0; i < SPEC_COUNT; i++) {
		if (strcmp(es_event_type_name(specs[i].type), name) == 0) {
			*out = specs[i].type;
			return ES_OK;
		}
	}
	return es_error_set(err, ES_EINVAL, "unknown event type '%s'", name);
}

/* Zero `ev` and fill the fields every event has. */
static void event_init(struct es_event *ev, enum es_event_type type,
		       int64_t product_id, const char *occurred_at)
{
	assert(ev != NULL);
	assert(occurred_at != NULL);
	assert(strlen(occurred_at) < ES_TIMESTAMP_SIZE);
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->product_id = product_id;
	snprintf(ev->occurred_at, sizeof(ev->occurred_at), "%s", occurred_at);
}

int es_event_product_created(struct es_event *out, int64_t product_id,
			     const struct es_product_created *fields,
			     const char *occurred_at, struct es_error *err)
{
	struct es_product_created *c;

	assert(fields != NULL);
	assert(fields->name != NULL);
	assert(fields->supplier_name != NULL);
	event_init(out, ES_PRODUCT_CREATED, product_id, occurred_at);
	c = &out->created;
	c->price = fields->price;
	c->cost_price = fields->cost_price;
	c->supplier_id = fields->supplier_id;
	c->stock = fields->stock;
	c->name = strdup(fields->name);
	c->supplier_name = strdup(fields->supplier_name);
	if (fields->description != NULL)
		c->description = strdup(fields->description);
	if (c->name == NULL || c->supplier_name == NULL ||
	    (fields->description != NULL && c->description == NULL)) {
		es_event_dispose(out);
		return es_error_set(err, ES_ENOMEM, "out of memory");
	}
	return ES_OK;
}

void es_event_stock_updated(struct es_event *out, int64_t product_id,
			    int64_t new_stock, const char *occurred_at)
{
	event_init(out, ES_STOCK_UPDATED, product_id, occurred_at);
	out->stock.new_stock = new_stock;
}

void es_event_price_changed(struct es_event *out, int64_t product_id,
			    double new_price, const char *occurred_at)
{
	event_init(out, ES_PRICE_CHANGED, product_id, occurred_at);
	out->price.new_price = new_price;
}

void es_event_product_viewed(struct es_event *out, int64_t product_id,
			     const char *occurred_at)
{
	event_init(out, ES_PRODUCT_VIEWED, product_id, occurred_at);
}

void es_event_dispose(struct es_event *ev)
{
	if (ev == NULL)
		return;
	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		free(ev->created.name);
		free(ev->created.supplier_name);
		free(ev->created.description);
		break;
	case ES_STOCK_UPDATED:
	case ES_PRICE_CHANGED:
	case ES_PRODUCT_VIEWED:
		break;
	}
	memset(ev, 0, sizeof(*ev));
}

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
			return es_error_set(err, rc,
					    "field '%s' is not a finite number",
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

/* Check that `item` is a string of well-formed UTF-8. */
static int check_string(const cJSON *item, const struct field *f,
			struct es_error *err)
{
	if (!cJSON_IsString(item))
		return es_error_set(err, ES_ECORRUPT,
				    "field '%s' must be a string", f->name);
	if (!es_utf8_valid(item->valuestring))
		return es_error_set(err, ES_ECORRUPT,
				    "field '%s' is not valid UTF-8", f->name);
	return ES_OK;
}

/*
 * Copy the string `item` into `*slot`. cJSON ends a string at an escaped
 * \u0000 without telling us, so such a string arrives cut short.
 */
static int copy_string(char **slot, const cJSON *item, const struct field *f,
		       struct es_error *err)
{
	int rc = check_string(item, f, err);

	if (rc != ES_OK)
		return rc;
	*slot = strdup(item->valuestring);
	if (*slot == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

static int copy_timestamp(char *slot, const cJSON *item, const struct field *f,
			  struct es_error *err)
{
	int rc = check_string(item, f, err);
	size_t len;

	if (rc != ES_OK)
		return rc;
	len = strlen(item->valuestring);
	if (len >= ES_TIMESTAMP_SIZE)
		return es_error_set(err, ES_ECORRUPT, "field '%s' is too long",
				    f->name);
	memcpy(slot, item->valuestring, len + 1);
	return ES_OK;
}

static int read_integer(int64_t *slot, const cJSON *item,
			const struct field *f, struct es_error *err)
{
	double v;

	if (!cJSON_IsNumber(item))
		return es_error_set(err, ES_ECORRUPT,
				    "field '%s' must be a whole number",
				    f->name);
	v = item->valuedouble;
	if (!(v > -ES_INT_LIMIT && v < ES_INT_LIMIT))
		return es_error_set(err, ES_ECORRUPT,
				    "field '%s' is out of range", f->name);
	if ((double)(int64_t)v != v)
		return es_error_set(err, ES_ECORRUPT,
				    "field '%s' must be a whole number",
				    f->name);
	*slot = (int64_t)v;
	return ES_OK;
}

/* A float field; Python writes a float that holds a whole int as 30. */
static int read_number(double *slot, const cJSON *item, const struct field *f,
		       struct es_error *err)
{
	if (!cJSON_IsNumber(item))
		return es_error_set(err, ES_ECORRUPT,
				    "field '%s' must be a number", f->name);
	/* cJSON reads a number too large for a double, 1e999, as infinity. */
	if (!isfinite(item->valuedouble))
		return es_error_set(err, ES_ECORRUPT,
				    "field '%s' must be a finite number",
				    f->name);
	*slot = item->valuedouble;
	return ES_OK;
}

/* Check field `f` of `root` and store it in `ev`. */
static int read_field(struct es_event *ev, const cJSON *root,
		      const struct field *f, struct es_error *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, f->name);
	void *slot = (char *)ev + f->offset;

	if (item == NULL && f->kind != FIELD_OPTIONAL_STRING)
		return es_error_set(err, ES_ECORRUPT, "missing field '%s'",
				    f->name);
	switch (f->kind) {
	case FIELD_INTEGER:
		return read_integer(slot, item, f, err);
	case FIELD_NUMBER:
		return read_number(slot, item, f, err);
	case FIELD_OPTIONAL_STRING:
		if (item == NULL || cJSON_IsNull(item))
			return ES_OK;
		if (!cJSON_IsString(item))
			return es_error_set(err, ES_ECORRUPT,
					    "field '%s' must be a string "
					    "or null", f->name);
		return copy_string(slot, item, f, err);
	case FIELD_STRING:
		return copy_string(slot, item, f, err);
	case FIELD_TIMESTAMP:
		return copy_timestamp(slot, item, f, err);
	}
	return ES_OK;
}

static bool is_declared(const struct event_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->count; i++) {
		if (strcmp(spec->fields[i].name, name) == 0)
			return true;
	}
	return false;
}

/*
 * Refuse members the dataclass does not have, as DataClass(**data) would,
 * and a member given twice (cJSON keeps both; Python would keep the last).
 */
static int check_members(const struct event_spec *spec, const cJSON *root,
			 struct es_error *err)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, root) {
		if (!is_declared(spec, item->string))
			return es_error_set(err, ES_ECORRUPT,
					    "unknown field '%s'", item->string);
		if (cJSON_GetObjectItemCaseSensitive(root, item->string) !=
		    item)
			return es_error_set(err, ES_ECORRUPT,
					    "duplicate field '%s'",
					    item->string);
	}
	return ES_OK;
}

static int read_event(struct es_event *ev, const cJSON *root,
		      struct es_error *err)
{
	const struct event_spec *spec = find_spec(ev->type);

	if (spec == NULL)
		return es_error_set(err, ES_ECORRUPT, "unknown event type %d",
				    (int)ev->type);
	if (!cJSON_IsObject(root))
		return es_error_set(err, ES_ECORRUPT,
				    "data is not a JSON object");
	for (size_t i = 0; i < spec->count; i++) {
		int rc = read_field(ev, root, &spec->fields[i], err);

		if (rc != ES_OK)
			return rc;
	}
	return check_members(spec, root, err);
}

int es_event_from_json(struct es_event *out, enum es_event_type type,
		       const char *json, struct es_error *err)
{
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
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	rc = read_event(&ev, root, err);
	cJSON_Delete(root);
	if (rc != ES_OK) {
		es_event_dispose(&ev);
		return rc;
	}
	*out = ev;
	return ES_OK;
}
