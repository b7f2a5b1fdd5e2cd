/*
 * optimistic.h - optimistic concurrency: decide without the lock, append
 * only if nobody changed what the decision read meanwhile.
 *
 * Step 5's handler takes the write lock (BEGIN IMMEDIATE) before it loads,
 * so nobody can append between its load and its append; but every writer
 * waits while another one loads and replays. The optimistic handler is the
 * same three moves around the same es_decide() (decide.h), in another
 * order of locking: it loads and decides with no lock held, remembering
 * the product's version (the number of its events that decisions read,
 * aggregate.h), then es_store_append_expected() checks the version and
 * appends in one short write transaction:
 *
 *     A loads product 1: version 3      B loads product 1: version 3
 *     A appends, expecting 3: ok (4)    B appends, expecting 3: conflict
 *
 * B's rules were checked against a state that is no longer the product's,
 * so B appends nothing and gets ES_ECONFLICT. The handler then loads again
 * and decides again; after ES_OPTIMISTIC_ATTEMPTS lost tries the caller
 * gets the conflict. Retrying is safe because nothing was appended.
 *
 * Every command goes through it. A CreateProduct has nothing to load: it
 * registers its id and appends in one short transaction. A
 * RecordProductView loads its product only to see that it exists, and is
 * outside the decision stream, so it is appended without a version
 * check: a product once created stays so, and a page view never
 * conflicts, nor makes a stock or price decision conflict.
 */
#ifndef ES_OPTIMISTIC_H
#define ES_OPTIMISTIC_H

#include <stdint.h>

#include "aggregate.h"
#include "command_handler.h"
#include "commands.h"
#include "decide.h"
#include "es_error.h"
#include "event_store.h"
#include "events.h"
#include "snapshots.h"

/*
 * How many times a command is loaded and decided before the conflict is
 * the caller's. Each lost try cost one load; with snapshots that is a few
 * events, so a handful of writers on one product all get through.
 */
#define ES_OPTIMISTIC_ATTEMPTS 8

struct es_optimistic;

/*
 * Called by es_optimistic_handle() right after each load, with the
 * product as loaded (borrowed for the call): where a test makes a second
 * writer slip in. Return ES_OK to go on; any other code stops the handler,
 * which appends nothing and returns that code.
 */
typedef int (*es_optimistic_hook)(void *ctx, const struct es_product *loaded,
				  struct es_error *err);

/*
 * Open an optimistic writer on `store` (borrowed, must outlive it).
 * `clock` stamps the events it appends. `snaps` may be NULL; when it is
 * not (it must be open on the same store), the handler loads through
 * es_snapshots_load(), which replays only the events after the latest
 * snapshot and takes a new one when it had many to replay: then the cost
 * of a command does not grow with its product's history. On success
 * `*out` is set; close it with es_optimistic_close(). Returns ES_OK or
 * ES_ENOMEM.
 */
int es_optimistic_open(struct es_optimistic **out, struct es_store *store,
		       struct es_clock clock, struct es_snapshots *snaps,
		       struct es_error *err);

/* Free the handle; NULL is ignored. */
void es_optimistic_close(struct es_optimistic *opt);

/* Set the hook (NULL: none) that es_optimistic_handle() calls. */
void es_optimistic_set_hook(struct es_optimistic *opt, es_optimistic_hook fn,
			    void *ctx);

/*
 * Handle one command: load the product (no transaction open; the hook is
 * called here), es_decide(), and append as the header comment says. On
 * ES_ECONFLICT, do it all again, at most ES_OPTIMISTIC_ATTEMPTS times in
 * all. On success the event appended is copied to `*out` (id set; for a
 * create, out->product_id is the new id), which the caller disposes with
 * es_event_dispose(). Returns ES_OK; ES_ENOTFOUND or ES_EINVAL for a
 * refused command, with es_decide()'s message; ES_ECONFLICT when every
 * attempt lost; the store's or the hook's error. On failure nothing is
 * appended and `*out` owns nothing. Must be called with no transaction
 * open on the store.
 */
int es_optimistic_handle(struct es_event *out, struct es_optimistic *opt,
			 const struct es_command *cmd, struct es_error *err);

#endif /* ES_OPTIMISTIC_H */
