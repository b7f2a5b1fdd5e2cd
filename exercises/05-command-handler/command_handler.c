/*
 * command_handler.c - step 5: the command handler (see command_handler.h).
 * You write es_handle, which turns a command into an event: load ->
 * validate -> append, in one write transaction. Static helpers, one per
 * command type, keep it short.
 *
 * Run make check STEP=5 to see what is missing.
 */
#include "command_handler.h"

#include <string.h>

int es_handle(struct es_event *out, struct es_command_handler *handler,
	      const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: zero *out and es_store_begin(). Switch on cmd->type (every
	 * case, no default:): for an update, es_store_load() and
	 * es_product_replay() the product and refuse it with ES_ENOTFOUND,
	 * "Product N not found", unless es_product_exists(); then check the
	 * rules ("Stock cannot be negative", ...). For a create check its
	 * five rules, then es_store_new_product_id(). Stamp the event with
	 * handler->clock and es_time_format(), es_store_append() it and
	 * es_store_commit(). On any failure es_store_rollback() and dispose
	 * the event; on success move it into *out (the caller disposes it).
	 * See docs/05-command-handler.md, "How, in C".
	 */
	(void)handler;
	(void)cmd;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 5: es_handle is not implemented yet");
}
