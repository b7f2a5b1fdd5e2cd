/*
 * commands.c - parsing one JSON line into a command.
 *
 * The four commands differ only in their fields, so each is described by a
 * table: the field's JSON name, what kind of value it holds, and where it
 * goes in struct es_command (offsetof). One loop then checks and copies
 * the fields of any command, in the order the table lists them, so the
 * first error reported is always the same one.
 */
#include "commands.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
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
	FIELD_STRING,	       /* char *, required */
	FIELD_OPTIONAL_STRING, /* char *, may be missing or null */
	FIELD_INTEGER,	       /* int64_t, whole and within +-2^53 */
	FIELD_NUMBER	       /* double, finite */
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t offset; /* of the value in struct es_command */
};

struct command_spec {
	enum es_command_type type;
	const struct field *fields;
	size_t count;
};

/* Where `member` of struct es_command lies, and how long array `a` is. */
#define AT(member) offsetof(struct es_command, member)
#define COUNT(a)   (sizeof(a) / sizeof((a)[0]))

static const struct field create_fields[] = {
	{"name", FIELD_STRING, AT(create.name)},
	{"price", FIELD_NUMBER, AT(create.price)},
	{"cost_price", FIELD_NUMBER, AT(create.cost_price)},
	{"supplier_id", FIELD_INTEGER, AT(create.supplier_id)},
	{"supplier_name", FIELD_STRING, AT(create.supplier_name)},
	{"stock", FIELD_INTEGER, AT(create.stock)},
	{"description", FIELD_OPTIONAL_STRING, AT(create.description)},
};

static const struct field update_stock_fields[] = {
	{"product_id", FIELD_INTEGER, AT(update_stock.product_id)},
	{"new_stock", FIELD_INTEGER, AT(update_stock.new_stock)},
};

static const struct field change_price_fields[] = {
	{"product_id", FIELD_INTEGER, AT(change_price.product_id)},
	{"new_price", FIELD_NUMBER, AT(change_price.new_price)},
};

static const struct field record_view_fields[] = {
	{"product_id", FIELD_INTEGER, AT(record_view.product_id)},
};

static const struct command_spec specs[] = {
	{ES_CREATE_PRODUCT, create_fields, COUNT(create_fields)},
	{ES_UPDATE_STOCK, update_stock_fields, COUNT(update_stock_fields)},
	{ES_CHANGE_PRICE, change_price_fields, COUNT(change_price_fields)},
	{ES_RECORD_PRODUCT_VIEW, record_view_fields, COUNT(record_view_fields)},
};

const char *es_command_type_name(enum es_command_type type)
{
	switch (type) {
	case ES_CREATE_PRODUCT:
		return "CreateProduct";
	case ES_UPDATE_STOCK:
		return "UpdateStock";
	case ES_CHANGE_PRICE:
		return "ChangePrice";
	case ES_RECORD_PRODUCT_VIEW:
		return "RecordProductView";
	}
	return "?";
}

/* The spec of the command called `name`, or NULL. */
static const struct command_spec *find_spec(const char *name)
{
	for (size_t i = 0; i < COUNT(specs); i++) {
		if (strcmp(es_command_type_name(specs[i].type), name) == 0)
			return &specs[i];
	}
	return NULL;
}

/*
 * Copy the string `item` into `*slot`, which stays NULL for a missing or
 * null optional string. cJSON ends a string at an escaped \u0000 without
 * telling us, so such a string arrives cut short; there is no way to see
 * that from here, and the shorter string is still valid.
 */
static int read_string(char **slot, const cJSON *item, const char *command,
		       const struct field *f, struct es_error *err)
{
	bool optional = f->kind == FIELD_OPTIONAL_STRING;
	const char *or_null = optional ? " or null" : "";

	if (optional && (item == NULL || cJSON_IsNull(item)))
		return ES_OK;
	if (!cJSON_IsString(item))
		return es_error_set(err, ES_EINVAL,
				    "%s: field '%s' must be a string%s",
				    command, f->name, or_null);
	if (!es_utf8_valid(item->valuestring))
		return es_error_set(err, ES_EINVAL,
				    "%s: field '%s' is not valid UTF-8",
				    command, f->name);
	*slot = strdup(item->valuestring);
	if (*slot == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

static int read_integer(int64_t *slot, const cJSON *item, const char *command,
			const struct field *f, struct es_error *err)
{
	double v;

	if (!cJSON_IsNumber(item))
		return es_error_set(err, ES_EINVAL,
				    "%s: field '%s' must be a number", command,
				    f->name);
	v = item->valuedouble;
	if (!(v > -ES_INT_LIMIT && v < ES_INT_LIMIT))
		return es_error_set(err, ES_EINVAL,
				    "%s: field '%s' is out of range", command,
				    f->name);
	if ((double)(int64_t)v != v)
		return es_error_set(err, ES_EINVAL,
				    "%s: field '%s' must be a whole number",
				    command, f->name);
	*slot = (int64_t)v;
	return ES_OK;
}

static int read_number(double *slot, const cJSON *item, const char *command,
		       const struct field *f, struct es_error *err)
{
	if (!cJSON_IsNumber(item))
		return es_error_set(err, ES_EINVAL,
				    "%s: field '%s' must be a number", command,
				    f->name);
	/* cJSON reads a number too large for a double, 1e999, as infinity. */
	if (!isfinite(item->valuedouble))
		return es_error_set(err, ES_EINVAL,
				    "%s: field '%s' must be a finite number",
				    command, f->name);
	*slot = item->valuedouble;
	return ES_OK;
}

/* Check field `f` of `root` and store it in `cmd`. */
static int read_field(struct es_command *cmd, const cJSON *root,
		      const struct field *f, struct es_error *err)
{
	const char *command = es_command_type_name(cmd->type);
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, f->name);
	void *slot = (char *)cmd + f->offset;

	if (item == NULL && f->kind != FIELD_OPTIONAL_STRING)
		return es_error_set(err, ES_EINVAL, "%s: missing field '%s'",
				    command, f->name);
	switch (f->kind) {
	case FIELD_STRING:
	case FIELD_OPTIONAL_STRING:
		return read_string(slot, item, command, f, err);
	case FIELD_INTEGER:
		return read_integer(slot, item, command, f, err);
	case FIELD_NUMBER:
		return read_number(slot, item, command, f, err);
	}
	return ES_OK;
}

static bool is_declared(const struct command_spec *spec, const char *name)
{
	if (strcmp(name, "type") == 0)
		return true;
	for (size_t i = 0; i < spec->count; i++) {
		if (strcmp(spec->fields[i].name, name) == 0)
			return true;
	}
	return false;
}

/*
 * Refuse members the command does not have, and a member given twice
 * (cJSON keeps both; which one was meant is anyone's guess).
 */
static int check_members(const struct command_spec *spec, const cJSON *root,
			 struct es_error *err)
{
	const char *command = es_command_type_name(spec->type);
	const cJSON *item;

	for (item = root->child; item != NULL; item = item->next) {
		if (!is_declared(spec, item->string))
			return es_error_set(err, ES_EINVAL,
					    "%s: unknown field '%s'", command,
					    item->string);
		if (cJSON_GetObjectItemCaseSensitive(root, item->string) !=
		    item)
			return es_error_set(err, ES_EINVAL,
					    "%s: duplicate field '%s'", command,
					    item->string);
	}
	return ES_OK;
}

/*
 * Find the command's spec from the object's "type" member, or report why
 * there is none (every such failure is an ES_EINVAL) and return NULL.
 */
static const struct command_spec *read_type(const cJSON *root,
					    struct es_error *err)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
	const struct command_spec *spec;

	if (type == NULL) {
		es_error_set(err, ES_EINVAL, "missing field 'type'");
		return NULL;
	}
	if (!cJSON_IsString(type)) {
		es_error_set(err, ES_EINVAL, "field 'type' must be a string");
		return NULL;
	}
	spec = find_spec(type->valuestring);
	if (spec == NULL)
		es_error_set(err, ES_EINVAL, "unknown command type '%s'",
			     type->valuestring);
	return spec;
}

static int read_command(struct es_command *cmd, const cJSON *root,
			struct es_error *err)
{
	const struct command_spec *spec;

	if (!cJSON_IsObject(root))
		return es_error_set(err, ES_EINVAL,
				    "a command must be a JSON object");
	spec = read_type(root, err);
	if (spec == NULL)
		return ES_EINVAL;
	cmd->type = spec->type;
	for (size_t i = 0; i < spec->count; i++) {
		int rc = read_field(cmd, root, &spec->fields[i], err);

		if (rc != ES_OK)
			return rc;
	}
	return check_members(spec, root, err);
}

int es_command_parse(struct es_command *out, const char *line,
		     struct es_error *err)
{
	struct es_command cmd;
	const char *end = NULL;
	cJSON *root;
	int rc;

	assert(out != NULL);
	assert(line != NULL);
	memset(out, 0, sizeof(*out));
	/*
	 * Requiring the NUL right after the value refuses trailing garbage.
	 * cJSON reports running out of memory as a parse error too, so a
	 * failure here is always described as bad JSON.
	 */
	root = cJSON_ParseWithOpts(line, &end, 1);
	if (root == NULL)
		return es_error_set(err, ES_EINVAL,
				    "not valid JSON near character %td",
				    end != NULL ? end - line + 1 : 1);
	memset(&cmd, 0, sizeof(cmd));
	rc = read_command(&cmd, root, err);
	cJSON_Delete(root);
	if (rc != ES_OK) {
		es_command_dispose(&cmd);
		return rc;
	}
	*out = cmd;
	return ES_OK;
}

void es_command_dispose(struct es_command *cmd)
{
	if (cmd == NULL)
		return;
	switch (cmd->type) {
	case ES_CREATE_PRODUCT:
		free(cmd->create.name);
		free(cmd->create.supplier_name);
		free(cmd->create.description);
		break;
	case ES_UPDATE_STOCK:
	case ES_CHANGE_PRICE:
	case ES_RECORD_PRODUCT_VIEW:
		break;
	}
	memset(cmd, 0, sizeof(*cmd));
}
