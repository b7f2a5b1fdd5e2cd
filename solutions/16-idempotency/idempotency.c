/*
 * idempotency.c - a command handled at most once per command id (see
 * idempotency.h).
 *
 * The look-up, the command's events, their metadata and the answer are
 * one transaction: either the command was done and its answer is stored,
 * or neither. So whenever a client retries, after a lost answer, a crash
 * or a timeout, the log already says which it was.
 */
#include "idempotency.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_text.h"

int es_answer_format(char **out, int rc, const struct es_event *ev,
		     const char *message, struct es_error *err)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;
	bool built;

	assert(out != NULL);
	*out = NULL;
	built = root != NULL &&
		cJSON_AddBoolToObject(root, "ok", rc == ES_OK) != NULL;
	if (built && rc != ES_OK)
		built = cJSON_AddStringToObject(root, "error", message) != NULL;
	else if (built && ev != NULL && ev->type == ES_PRODUCT_CREATED)
		built = es_json_add_int_to_object(root, "product_id",
						  ev->product_id) != NULL;
	if (built)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text != NULL)
		*out = strdup(text);
	cJSON_free(text);
	if (*out == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

/* A rule refused the command: an answer, not a failure. */
static bool is_refusal(int rc)
{
	return rc == ES_EINVAL || rc == ES_ENOTFOUND;
}

/*
 * The stored answer to the command's id, if there is one: `*answer` the
 * stored answer, or the refusal of a command id used for another command.
 * ES_ENOTFOUND when the id has no answer yet.
 */
static int stored_answer(char **answer, struct es_store *store,
			 const struct es_command *cmd, struct es_error *err)
{
	struct es_error why;
	char *request = NULL;
	int rc;

	rc = es_store_find_answer(&request, answer, store, cmd->meta.command_id,
				  err);
	if (rc != ES_OK || strcmp(request, cmd->request) == 0) {
		free(request);
		return rc;
	}
	free(request);
	free(*answer);
	es_error_set(&why, ES_EINVAL,
		     "command_id '%s' was already used for another command",
		     cmd->meta.command_id);
	return es_answer_format(answer, why.code, NULL, why.msg, err);
}

/* Handle the command, keep its metadata, and answer it. */
static int handle_new(char **answer, struct es_event *out,
		      struct es_command_handler *handler,
		      const struct es_command *cmd, struct es_error *err)
{
	struct es_error why;
	int rc;

	rc = es_handle_in(out, handler, cmd, &why);
	if (rc == ES_OK)
		rc = es_store_save_metadata(handler->store, out->id, &cmd->meta,
					    &why);
	if (rc != ES_OK && !is_refusal(rc)) {
		*err = why;
		return rc;
	}
	rc = es_answer_format(answer, rc, out, why.msg, err);
	if (rc == ES_OK && cmd->meta.command_id != NULL)
		rc = es_store_save_answer(handler->store, cmd->meta.command_id,
					  cmd->request, *answer, err);
	return rc;
}

int es_handle_once_in(char **answer, struct es_event *out,
		      struct es_command_handler *handler,
		      const struct es_command *cmd, struct es_error *err)
{
	int rc = ES_ENOTFOUND;

	assert(answer != NULL && out != NULL && cmd != NULL);
	assert(handler != NULL && handler->store != NULL);
	*answer = NULL;
	memset(out, 0, sizeof(*out));
	if (cmd->meta.command_id != NULL)
		rc = stored_answer(answer, handler->store, cmd, err);
	if (rc == ES_ENOTFOUND)
		rc = handle_new(answer, out, handler, cmd, err);
	if (rc != ES_OK) {
		es_event_dispose(out);
		free(*answer);
		*answer = NULL;
	}
	return rc;
}

int es_handle_once(char **answer, struct es_event *out,
		   struct es_command_handler *handler,
		   const struct es_command *cmd, struct es_error *err)
{
	int rc;

	assert(answer != NULL && out != NULL);
	assert(handler != NULL && handler->store != NULL);
	*answer = NULL;
	memset(out, 0, sizeof(*out));
	rc = es_store_begin(handler->store, err);
	if (rc != ES_OK)
		return rc;
	rc = es_handle_once_in(answer, out, handler, cmd, err);
	if (rc == ES_OK)
		rc = es_store_commit(handler->store, err);
	if (rc != ES_OK) {
		es_store_rollback(handler->store);
		es_event_dispose(out);
		free(*answer);
		*answer = NULL;
	}
	return rc;
}
