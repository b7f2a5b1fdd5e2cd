/*
 * idempotency.c - step 16: a command handled at most once per command id
 * (see idempotency.h).
 *
 * Run make check STEP=16 to see what is missing.
 */
#include "idempotency.h"

#include <string.h>

int es_answer_format(char **out, int rc, const struct es_event *ev,
		     const char *message, struct es_error *err)
{
	/*
	 * TODO: build {"ok":...} with cJSON: "error" (message) when rc is
	 * not ES_OK, "product_id" for a ProductCreated; print it with
	 * cJSON_PrintUnformatted() and hand back a copy the caller frees
	 * with free(). ES_ENOMEM when any of it fails.
	 * See docs/16-idempotency.md, "The answer, stored".
	 */
	(void)rc;
	(void)ev;
	(void)message;
	*out = NULL;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 16: es_answer_format is not implemented yet");
}

int es_handle_once(char **answer, struct es_event *out,
		   struct es_command_handler *handler,
		   const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: in one transaction: look the command id's answer up
	 * (es_store_find_answer); the same request gets that answer,
	 * another request the refusal "command_id 'c-1' was already used
	 * for another command"; else es_handle_in(), then the event's
	 * metadata (es_store_save_metadata), the answer (es_answer_format)
	 * and, with a command id, es_store_save_answer(). Commit; on a
	 * failure that is not a refusal, roll back and answer nothing.
	 * See docs/16-idempotency.md, "Once per command id".
	 */
	(void)handler;
	(void)cmd;
	*answer = NULL;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 16: es_handle_once is not implemented yet");
}

int es_handle_once_in(char **answer, struct es_event *out,
		      struct es_command_handler *handler,
		      const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: what es_handle_once() does between its begin and its
	 * commit, inside the caller's transaction; then make
	 * es_handle_once() begin, call this, and commit (or roll back), as
	 * es_handle() calls es_handle_in() in step 5.
	 * See docs/16-idempotency.md, "Many commands, one transaction".
	 */
	(void)handler;
	(void)cmd;
	*answer = NULL;
	memset(out, 0, sizeof(*out));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 16: es_handle_once_in is not implemented yet");
}
