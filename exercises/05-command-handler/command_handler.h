/*
 * command_handler.h - the decision point: commands in, events out.
 *
 * The handler is glue around es_decide() (decide.h), which holds every
 * business rule: load the command's product, decide, append. It writes no
 * state table; the event is the only thing it writes. All of it happens
 * in one write transaction (BEGIN IMMEDIATE), so a second writer cannot
 * slip an event in between the load and the append, and a create
 * registers its product id and appends its ProductCreated atomically.
 * The rules and their messages are listed in decide.h.
 */
#ifndef ES_COMMAND_HANDLER_H
#define ES_COMMAND_HANDLER_H

#include <stdbool.h>

#include "aggregate.h"
#include "commands.h"
#include "decide.h"
#include "es_error.h"
#include "event_store.h"
#include "events.h"

/*
 * The handler's dependencies, filled in by the caller. `store` is
 * borrowed; `clock` stamps every event.
 */
struct es_command_handler {
	struct es_store *store;
	struct es_clock clock;
};

/*
 * Handle one command. On success the event that was appended is copied to
 * `*out` (with its id set; for CreateProduct, out->product_id is the new
 * product's id), ready to be projected; the caller disposes it with
 * es_event_dispose(). Returns ES_OK; ES_EINVAL or ES_ENOTFOUND when the
 * command is refused, with the rule's message; ES_ENOMEM, ES_EDB or
 * ES_ECORRUPT when the store fails. On any failure nothing is appended and
 * `*out` owns nothing.
 */
int es_handle(struct es_event *out, struct es_command_handler *handler,
	      const struct es_command *cmd, struct es_error *err);

/*
 * es_handle() without its transaction: load, decide and append, inside
 * the transaction the caller has opened with es_store_begin(), which the
 * caller commits, or rolls back on any failure. es_handle() is
 * es_store_begin(), this, and es_store_commit() or es_store_rollback().
 * Step 16's handler calls it between a look-up and a write of its own,
 * all in one transaction. Returns as es_handle().
 */
int es_handle_in(struct es_event *out, struct es_command_handler *handler,
		 const struct es_command *cmd, struct es_error *err);

/*
 * Replay into `*state` (initialized, and empty) the product whose state
 * es_decide() reads for `cmd` (es_command_state_id); leave it empty when
 * the decision reads none, a create. Every handler that loads
 * the whole log loads this way (step 13's can load from step 11's snapshots instead).
 * The caller disposes `*state`. Returns ES_OK, or the error of the load
 * or the replay (ES_ENOMEM, ES_EDB, ES_ECORRUPT).
 */
int es_handler_load(struct es_product *state, struct es_store *store,
		    const struct es_command *cmd, struct es_error *err);

/*
 * Step 15. Load into `*cited` the event es_decide() reads for `cmd`
 * (es_command_cited_id, es_store_get) and set `*found`. `*found` is false,
 * and `*cited` zeroed, when the command cites no event or the log has no
 * event of that id: that is the decider's to refuse ("Event 9 not
 * found"), not a failure. The caller disposes `*cited`. Every handler
 * loads a cited event this way. Returns ES_OK, or the store's error
 * (ES_ENOMEM, ES_EDB, ES_ECORRUPT).
 */
int es_handler_load_cited(struct es_event *cited, bool *found,
			  struct es_store *store, const struct es_command *cmd,
			  struct es_error *err);

#endif /* ES_COMMAND_HANDLER_H */
