/*
 * optimistic.h - optimistic concurrency: decide without the lock, append
 * only if nobody else did meanwhile.
 *
 * Step 5's handler takes the write lock (BEGIN IMMEDIATE) before it loads,
 * so nobody can append between its check and its append; but every writer
 * waits while another one loads and replays. The optimistic road loads
 * and decides with no lock held, and remembers the version it saw: the
 * number of the product's events. Then, in one short write transaction,
 * it counts the product's events again and appends only if the count is
 * still that version:
 *
 *     A loads product 1: version 3      B loads product 1: version 3
 *     A appends, expecting 3: ok (4)    B appends, expecting 3: conflict
 *
 * B's rules were checked against a state that is no longer the product's,
 * so B appends nothing and gets ES_ECONFLICT. The handler then loads again
 * and decides again, once; if it loses a second time, the caller gets the
 * conflict. Retrying is safe because nothing was appended.
 *
 * The handler takes UpdateStock and ChangePrice, the commands that read
 * the product's state, with step 5's rules and messages ("Product N not
 * found", "Stock cannot be negative", "Price must be positive").
 * CreateProduct and RecordProductView read no state, and stay with
 * es_handle().
 */
#ifndef ES_OPTIMISTIC_H
#define ES_OPTIMISTIC_H

#include <stdint.h>

#include "aggregate.h"
#include "commands.h"
#include "es_error.h"
#include "event_store.h"
#include "events.h"
#include "snapshots.h"

/* The first try and one retry. */
#define ES_OPTIMISTIC_ATTEMPTS 2

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
 * Open an optimistic writer on `store` (borrowed, must outlive it) and
 * prepare its statement, once. `clock` stamps the events the handler
 * builds. `snaps` may be NULL; when it is not (it must be open on the
 * same store), the handler loads through es_snapshots_load() and calls
 * es_snapshots_after_append() in the append's transaction. On success
 * `*out` is set; close it with es_optimistic_close(). Returns ES_OK,
 * ES_ENOMEM or ES_EDB.
 */
int es_optimistic_open(struct es_optimistic **out, struct es_store *store,
		       struct es_clock clock, struct es_snapshots *snaps,
		       struct es_error *err);

/* Finalize the statement and free the handle; NULL is ignored. */
void es_optimistic_close(struct es_optimistic *opt);

/* Set the hook (NULL: none) that es_optimistic_handle() calls. */
void es_optimistic_set_hook(struct es_optimistic *opt, es_optimistic_hook fn,
			    void *ctx);

/*
 * Append `ev` only if its product has exactly `expected_version` events
 * in the log; the count and the append are one write transaction (the
 * store's open one, or one of its own). On success sets `ev->id`.
 * Returns ES_OK; ES_ECONFLICT when the count differs, with nothing
 * appended ("Product 1 changed while you worked: expected version 3,
 * found 4"); or the store's error (ES_EINVAL, ES_ENOMEM, ES_EDB). In its
 * own transaction, any failure rolls back; in the caller's, rolling back
 * is the caller's job.
 */
int es_optimistic_append(struct es_optimistic *opt, struct es_event *ev,
			 int64_t expected_version, struct es_error *err);

/*
 * Handle an UpdateStock or ChangePrice command: load the product (no
 * transaction open; the hook is called here), check the rules, stamp the
 * event with the clock, and es_optimistic_append() it expecting the
 * version loaded. On ES_ECONFLICT, do it all again, at most
 * ES_OPTIMISTIC_ATTEMPTS times in all. On success the event appended is
 * copied to `*out` (id set), which the caller disposes with
 * es_event_dispose(). Returns ES_OK; ES_ENOTFOUND or ES_EINVAL for a
 * refused command (and ES_EINVAL "CreateProduct is not handled here: use
 * es_handle" for the other two commands); ES_ECONFLICT when every attempt
 * lost; the store's or the hook's error. On failure nothing is appended
 * and `*out` owns nothing. Must be called with no transaction open on the
 * store.
 */
int es_optimistic_handle(struct es_event *out, struct es_optimistic *opt,
			 const struct es_command *cmd, struct es_error *err);

#endif /* ES_OPTIMISTIC_H */
