/*
 * commands.c - parsing one JSON line into a command.
 *
 * The JSON strictness is given (json_text.h): each es_json_get_...() reads
 * one field or says what is wrong with it, and es_json_check_fields()
 * refuses the fields a command does not have. What is left here is the
 * commands themselves: which fields each one has, in which order they are
 * checked (so the first error reported is always the same one), and where
 * each value goes.
 */
#include "commands.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_text.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const enum es_command_type types[] = {
	ES_CREATE_PRODUCT,
	ES_UPDATE_STOCK,
	ES_CHANGE_PRICE,
	ES_RECORD_PRODUCT_VIEW,
	/* step 15 */
	ES_CORRECT_STOCK,
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
	case ES_CORRECT_STOCK: /* step 15 */
		return "CorrectStock";
	}
	return "?";
}

/* The command type called `name`; false when there is none. */
static bool find_type(enum es_command_type *out, const char *name)
{
	for (size_t i = 0; i < COUNT(types); i++) {
		if (strcmp(es_command_type_name(types[i]), name) == 0) {
			*out = types[i];
			return true;
		}
	}
	return false;
}

/* A string that is no longer than `max` bytes; NULL is fine. */
static int check_length(const char *s, const char *field, size_t max,
			struct es_error *err)
{
	if (s != NULL && strlen(s) > max)
		return es_error_set(err, ES_EINVAL,
				    "field '%s' is longer than %zu bytes",
				    field, max);
	return ES_OK;
}

static int read_create(struct es_create_product *c, const cJSON *root,
		       struct es_error *err)
{
	static const char *const fields[] = {
		"type",	      "name",	     "price",
		"cost_price", "supplier_id", "supplier_name",
		"stock",      "description", NULL,
	};
	int rc = es_json_get_string(&c->name, root, "name", err);

	if (rc == ES_OK)
		rc = check_length(c->name, "name", ES_NAME_MAX, err);
	if (rc == ES_OK)
		rc = es_json_get_double(&c->price, root, "price", err);
	if (rc == ES_OK)
		rc = es_json_get_double(&c->cost_price, root, "cost_price",
					err);
	if (rc == ES_OK)
		rc = es_json_get_int(&c->supplier_id, root, "supplier_id", err);
	if (rc == ES_OK)
		rc = es_json_get_string(&c->supplier_name, root,
					"supplier_name", err);
	if (rc == ES_OK)
		rc = check_length(c->supplier_name, "supplier_name",
				  ES_SUPPLIER_NAME_MAX, err);
	if (rc == ES_OK)
		rc = es_json_get_int(&c->stock, root, "stock", err);
	if (rc == ES_OK)
		rc = es_json_get_nullable_string(&c->description, root,
						 "description", err);
	if (rc == ES_OK)
		rc = check_length(c->description, "description",
				  ES_DESCRIPTION_MAX, err);
	if (rc == ES_OK)
		rc = es_json_check_fields(root, fields, err);
	return rc;
}

static int read_update_stock(struct es_update_stock *c, const cJSON *root,
			     struct es_error *err)
{
	static const char *const fields[] = {"type", "product_id", "new_stock",
					     NULL};
	int rc = es_json_get_int(&c->product_id, root, "product_id", err);

	if (rc == ES_OK)
		rc = es_json_get_int(&c->new_stock, root, "new_stock", err);
	if (rc == ES_OK)
		rc = es_json_check_fields(root, fields, err);
	return rc;
}

static int read_change_price(struct es_change_price *c, const cJSON *root,
			     struct es_error *err)
{
	static const char *const fields[] = {"type", "product_id", "new_price",
					     NULL};
	int rc = es_json_get_int(&c->product_id, root, "product_id", err);

	if (rc == ES_OK)
		rc = es_json_get_double(&c->new_price, root, "new_price", err);
	if (rc == ES_OK)
		rc = es_json_check_fields(root, fields, err);
	return rc;
}

static int read_record_view(struct es_record_product_view *c, const cJSON *root,
			    struct es_error *err)
{
	static const char *const fields[] = {"type", "product_id", NULL};
	int rc = es_json_get_int(&c->product_id, root, "product_id", err);

	if (rc == ES_OK)
		rc = es_json_check_fields(root, fields, err);
	return rc;
}

/* step 15 */
/*
 * The reason's bytes are bounded here, as every string's are; its
 * characters are the decider's rule (ES_REASON_MAX).
 */
static int read_correct_stock(struct es_correct_stock *c, const cJSON *root,
			      struct es_error *err)
{
	static const char *const fields[] = {
		"type",	     "product_id", "corrects_event_id",
		"new_stock", "reason",	   NULL,
	};
	int rc = es_json_get_int(&c->product_id, root, "product_id", err);

	if (rc == ES_OK)
		rc = es_json_get_int(&c->corrects_event_id, root,
				     "corrects_event_id", err);
	if (rc == ES_OK)
		rc = es_json_get_int(&c->new_stock, root, "new_stock", err);
	if (rc == ES_OK)
		rc = es_json_get_string(&c->reason, root, "reason", err);
	if (rc == ES_OK)
		rc = check_length(c->reason, "reason", ES_REASON_MAX_BYTES,
				  err);
	if (rc == ES_OK)
		rc = es_json_check_fields(root, fields, err);
	return rc;
}

/* Read the command `root` holds into `cmd`, whose type is set. */
static int read_fields(struct es_command *cmd, const cJSON *root,
		       struct es_error *err)
{
	switch (cmd->type) {
	case ES_CREATE_PRODUCT:
		return read_create(&cmd->create, root, err);
	case ES_UPDATE_STOCK:
		return read_update_stock(&cmd->update_stock, root, err);
	case ES_CHANGE_PRICE:
		return read_change_price(&cmd->change_price, root, err);
	case ES_RECORD_PRODUCT_VIEW:
		return read_record_view(&cmd->record_view, root, err);
	case ES_CORRECT_STOCK: /* step 15 */
		return read_correct_stock(&cmd->correct_stock, root, err);
	}
	return ES_OK;
}

/* step 16 */
/* 1 to ES_META_MAX printable ASCII characters: an id a client made. */
static bool is_meta_id(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		if (s[i] < ' ' || s[i] > '~')
			return false;
	}
	return n >= 1 && n <= ES_META_MAX;
}

/* step 16 */
/* 1 to ES_META_MAX characters of UTF-8: an actor's name. */
static bool is_meta_name(const char *s)
{
	size_t n = es_utf8_count(s);

	return n >= 1 && n <= ES_META_MAX;
}

/* step 16 */
/*
 * Read the envelope field `name` into `*out`, when it is there, check it,
 * and take it out of `root`. `id` says which rule: an id's, or an actor's.
 */
static int read_meta_field(char **out, cJSON *root, const char *name, bool id,
			   struct es_error *err)
{
	int rc;

	if (cJSON_GetObjectItemCaseSensitive(root, name) == NULL)
		return ES_OK;
	rc = es_json_get_string(out, root, name, err);
	if (rc != ES_OK)
		return rc;
	if (!(id ? is_meta_id(*out) : is_meta_name(*out)))
		return es_error_set(
			err, ES_EINVAL, "field '%s' must be 1 to %d %s", name,
			ES_META_MAX,
			id ? "printable ASCII characters" : "characters");
	cJSON_DeleteItemFromObjectCaseSensitive(root, name);
	if (cJSON_GetObjectItemCaseSensitive(root, name) != NULL)
		return es_error_set(err, ES_EINVAL, "duplicate field '%s'",
				    name);
	return ES_OK;
}

/* step 16 */
/*
 * The envelope: read it, take it out of `root`, and keep what is left,
 * the command itself, as the request a retry must repeat.
 */
static int read_envelope(struct es_command *cmd, cJSON *root,
			 struct es_error *err)
{
	struct es_meta *m = &cmd->meta;
	char *text;
	int rc;

	rc = read_meta_field(&m->command_id, root, "command_id", true, err);
	if (rc == ES_OK)
		rc = read_meta_field(&m->actor, root, "actor", false, err);
	if (rc == ES_OK)
		rc = read_meta_field(&m->correlation_id, root, "correlation_id",
				     true, err);
	if (rc != ES_OK)
		return rc;
	if (m->correlation_id == NULL && m->command_id != NULL) {
		m->correlation_id = strdup(m->command_id);
		if (m->correlation_id == NULL)
			return es_error_set(err, ES_ENOMEM, "out of memory");
	}
	text = cJSON_PrintUnformatted(root);
	cmd->request = text != NULL ? strdup(text) : NULL;
	cJSON_free(text);
	if (cmd->request == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

static int read_command(struct es_command *cmd, cJSON *root,
			struct es_error *err)
{
	const char *name;
	int rc;

	if (!cJSON_IsObject(root))
		return es_error_set(err, ES_EINVAL,
				    "a command must be a JSON object");
	rc = read_envelope(cmd, root, err); /* step 16 */
	if (rc != ES_OK)		    /* step 16 */
		return rc;
	rc = es_json_peek_string(&name, root, "type", err);
	if (rc != ES_OK)
		return rc;
	if (!find_type(&cmd->type, name))
		return es_error_set(err, ES_EINVAL, "unknown command type '%s'",
				    name);
	rc = read_fields(cmd, root, err);
	if (rc != ES_OK)
		return es_error_prefix(err, rc, name);
	return ES_OK;
}

int es_command_parse(struct es_command *out, const char *line,
		     struct es_error *err)
{
	struct es_command cmd;
	const char *end = NULL;
	ptrdiff_t nul;
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
	/* cJSON ends a string at \u0000 without a word: refuse, not cut. */
	nul = es_json_find_nul(line);
	if (nul >= 0) {
		cJSON_Delete(root);
		return es_error_set(err, ES_EINVAL,
				    "NUL character (\\u0000) in a string near "
				    "character %td",
				    nul + 1);
	}
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
	free(cmd->meta.command_id);	/* step 16 */
	free(cmd->meta.actor);		/* step 16 */
	free(cmd->meta.correlation_id); /* step 16 */
	free(cmd->request);		/* step 16 */
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
	case ES_CORRECT_STOCK: /* step 15 */
		free(cmd->correct_stock.reason);
		break;
	}
	memset(cmd, 0, sizeof(*cmd));
}
