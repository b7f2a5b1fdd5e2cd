/*
 * optimistic.c - step 13: the optimistic handler (see optimistic.h). The
 * same load, es_decide(), append as step 5, with the lock taken only by
 * the append.
 *
 * Run make check STEP=13 to see what is missing.
 */
#include "optimistic.h"

#include <stdlib.h>
#include <string.h>

struct es_optimistic {
	struct es_store *store; /* borrowed */
	struct es_clock clock;
	struct es_snapshots *snaps; /* borrowed; NULL: replay every event */
	es_optimistic_hook hook;    /* NULL: none */
	void *hook_ctx;
};

int es_optimistic_open(struct es_optimistic **out, struct es_store *store,
		       struct es_clock clock, struct es_snapshots *snaps,
		       struct es_error *err)
{
	/*
	 * TODO: calloc the handle (ES_ENOMEM when it fails) and keep the
	 * store, the clock and snaps (which may be NULL).
	 * See docs/13-optimistic.md, "Optimistic concurrency".
	 */
	(void)store;
	(void)clock;
	(void)snaps;
	*out = NULL;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 13: es_optimistic_open is not implemented yet");
}

void es_optimistic_close(struct es_optimistic *opt)
{
	/* TODO: free the handle; NULL is ignored. */
	(void)opt;
}

void es_optimistic_set_hook(struct es_optimistic *opt, es_optimistic_hook fn,
			    void *ctx)
{
	/* TODO: keep fn and ctx for es_optimistic_handle(). */
	(void)opt;
	(void)fn;
	(void)ctx;
}

int es_optimistic_handle(struct es_event *out, struct es_optimistic *opt,
			 const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: up to ES_OPTIMISTIC_ATTEMPTS times while the result is
	 * ES_ECONFLICT: load the command's product with no transaction open
	 * (es_snapshots_load when opt has snapshots and the command reads a
	 * product, else step 5's es_handler_load), call the hook, stamp the
	 * time and es_decide() (step 15: with the event the command cites,
	 * es_handler_load_cited; NULL until then). Append: a ProductCreated registers its id and
	 * appends in one transaction; an event es_event_versioned() says no
	 * to goes in with es_store_append(); the others with
	 * es_store_append_expected(..., state.version, ...). On success move
	 * the event into *out; on failure dispose it.
	 * See docs/13-optimistic.md, "Optimistic concurrency".
	 */
	(void)opt;
	(void)cmd;
	memset(out, 0, sizeof(*out));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 13: es_optimistic_handle is not implemented yet");
}
