/*
 * command_handler.c - the glue around es_decide(): load, decide, append
 * (see command_handler.h).
 *
 * es_handle() holds the write lock from the load to the commit, so the
 * state it decided on is still the product's state when the event is
 * appended. That is the simplest handler that is correct, and its cost is
 * plain: every command replays its product's whole history while every
 * other writer waits. Step 13 keeps the same decide and changes only the
 * strategy around it: load without the lock, append only if the version
 * is still the one loaded.
 */
#include "command_handler.h"

#include <assert.h>
#include <string.h>

#include "aggregate.h"
#include "decide.h"

int es_handler_load(struct es_product *state, struct es_store *store,
		    const struct es_command *cmd, struct es_error *err)
{
	struct es_event_list events = {0};
	int64_t product_id = es_command_state_id(cmd);
	int rc;

	assert(state != NULL && store != NULL && cmd != NULL);
	if (product_id == 0)
		return ES_OK; /* the decision reads no state */
	rc = es_store_load(&events, store, product_id, err);
	if (rc == ES_OK)
		rc = es_product_replay(state, events.items, events.count, err);
	es_event_list_dispose(&events);
	return rc;
}

/* step 15 */
int es_handler_load_cited(struct es_event *cited, bool *found,
			  struct es_store *store, const struct es_command *cmd,
			  struct es_error *err)
{
	int64_t event_id = es_command_cited_id(cmd);
	int rc;

	assert(cited != NULL && found != NULL && store != NULL);
	memset(cited, 0, sizeof(*cited));
	*found = false;
	if (event_id == 0)
		return ES_OK; /* the command cites no event */
	rc = es_store_get(cited, store, event_id, err);
	if (rc == ES_ENOTFOUND)
		return ES_OK; /* the decider's to refuse, with its message */
	*found = rc == ES_OK;
	return rc;
}

/* Read the clock once, and decide with what it says. */
static int decide_now(struct es_event *ev,
		      const struct es_command_handler *handler,
		      const struct es_product *state,
		      const struct es_event *cited,
		      const struct es_command *cmd, struct es_error *err)
{
	char now[ES_TIMESTAMP_SIZE];

	es_time_format(now, handler->clock.now(handler->clock.ctx));
	return es_decide(ev, state, cited, cmd, now, err);
}

/* Append the decided event; a new product gets its id first. */
static int append(struct es_event *ev, struct es_store *store,
		  struct es_error *err)
{
	if (ev->type == ES_PRODUCT_CREATED) {
		int rc = es_store_new_product_id(store, &ev->product_id, err);

		if (rc != ES_OK)
			return rc;
	}
	return es_store_append(store, ev, err);
}

int es_handle_in(struct es_event *out, struct es_command_handler *handler,
		 const struct es_command *cmd, struct es_error *err)
{
	struct es_product state;
	struct es_event cited;
	bool found = false;
	struct es_event ev;
	int rc;

	assert(out != NULL);
	assert(handler != NULL && handler->store != NULL);
	assert(handler->clock.now != NULL);
	assert(cmd != NULL);

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	memset(&cited, 0, sizeof(cited));
	es_product_init(&state);
	rc = es_handler_load(&state, handler->store, cmd, err);
	if (rc == ES_OK) /* step 15 */
		rc = es_handler_load_cited(&cited, &found, handler->store, cmd,
					   err);
	if (rc == ES_OK)
		rc = decide_now(&ev, handler, &state, found ? &cited : NULL,
				cmd, err);
	if (rc == ES_OK)
		rc = append(&ev, handler->store, err);
	es_product_dispose(&state);
	es_event_dispose(&cited);
	if (rc != ES_OK) {
		es_event_dispose(&ev);
		return rc;
	}
	*out = ev;
	return ES_OK;
}

int es_handle(struct es_event *out, struct es_command_handler *handler,
	      const struct es_command *cmd, struct es_error *err)
{
	int rc;

	assert(out != NULL && handler != NULL && handler->store != NULL);
	memset(out, 0, sizeof(*out));
	rc = es_store_begin(handler->store, err);
	if (rc != ES_OK)
		return rc;
	rc = es_handle_in(out, handler, cmd, err);
	if (rc == ES_OK)
		rc = es_store_commit(handler->store, err);
	if (rc != ES_OK) {
		es_store_rollback(handler->store);
		es_event_dispose(out);
	}
	return rc;
}
