/*
 * command_handler.c - step 5: the glue around es_decide() (see
 * command_handler.h). You write es_handle: load the command's product,
 * decide, append, in one write transaction.
 *
 * Run make check STEP=5 to see what is missing.
 */
#include "command_handler.h"

#include <string.h>

int es_handle(struct es_event *out, struct es_command_handler *handler,
	      const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: zero *out and es_store_begin(); es_handle_in(); then
	 * es_store_commit(), or on any failure es_store_rollback() and
	 * dispose *out.
	 * See docs/05-command-handler.md, "The handler: glue".
	 */
	(void)handler;
	(void)cmd;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 5: es_handle is not implemented yet");
}

int es_handle_in(struct es_event *out, struct es_command_handler *handler,
		 const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: zero *out. es_handler_load() the state the decision reads
	 * into a struct es_product. Stamp the time with handler->clock and
	 * es_time_format() and call es_decide() (`cited` is NULL until step
	 * 15): it checks every rule. A ProductCreated gets its id from
	 * es_store_new_product_id() before it is appended. es_store_append().
	 * On any failure dispose the event; on success move it into *out
	 * (the caller disposes it). The caller holds the transaction.
	 * See docs/05-command-handler.md, "The handler: glue".
	 */
	(void)handler;
	(void)cmd;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 5: es_handle_in is not implemented yet");
}

int es_handler_load(struct es_product *state, struct es_store *store,
		    const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: when es_command_state_id() names a product, es_store_load()
	 * its events and es_product_replay() them into *state; a create
	 * reads no state, and *state stays empty. Dispose the list.
	 * See docs/05-command-handler.md, "The handler: glue".
	 */
	(void)state;
	(void)store;
	(void)cmd;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 5: es_handler_load is not implemented yet");
}

int es_handler_load_cited(struct es_event *cited, bool *found,
			  struct es_store *store, const struct es_command *cmd,
			  struct es_error *err)
{
	/*
	 * Step 15: leave this stub until then. TODO: zero *cited and set
	 * *found false; when es_command_cited_id() names an event,
	 * es_store_get() it: ES_ENOTFOUND is not a failure here (the
	 * decider refuses the command), any other error is.
	 * See docs/15-corrections.md.
	 */
	(void)store;
	(void)cmd;
	memset(cited, 0, sizeof(*cited));
	*found = false;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 15: es_handler_load_cited is not implemented yet");
}
