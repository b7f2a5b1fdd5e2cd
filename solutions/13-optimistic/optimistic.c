/*
 * optimistic.c - load and decide with no lock held, append only if the
 * version is still the one the decision read (see optimistic.h).
 *
 * The rules are es_decide()'s; this file only chooses when to lock. The
 * write lock is taken by es_store_append_expected() for the version check
 * and the insert, and by a create for its id and its insert: never for a
 * load or a replay.
 */
#include "optimistic.h"

#include <assert.h>
#include <stdbool.h>
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
	struct es_optimistic *opt;

	assert(out != NULL && store != NULL && clock.now != NULL);
	*out = NULL;
	opt = calloc(1, sizeof(*opt));
	if (opt == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	opt->store = store;
	opt->clock = clock;
	opt->snaps = snaps;
	*out = opt;
	return ES_OK;
}

void es_optimistic_close(struct es_optimistic *opt)
{
	free(opt);
}

void es_optimistic_set_hook(struct es_optimistic *opt, es_optimistic_hook fn,
			    void *ctx)
{
	assert(opt != NULL);
	opt->hook = fn;
	opt->hook_ctx = ctx;
}

/*
 * The product the decision reads, as it is now: from its latest snapshot
 * when there are some, else step 5's full replay.
 */
static int load_state(struct es_product *out, struct es_optimistic *opt,
		      const struct es_command *cmd, struct es_error *err)
{
	int64_t product_id = es_command_state_id(cmd);

	if (opt->snaps == NULL || product_id == 0)
		return es_handler_load(out, opt->store, cmd, err);
	es_product_dispose(out);
	return es_snapshots_load(out, NULL, opt->snaps, product_id, err);
}

/* A new product registers its id and appends in one transaction. */
static int append_created(struct es_event *ev, struct es_store *store,
			  struct es_error *err)
{
	int rc;

	rc = es_store_begin(store, err);
	if (rc == ES_OK)
		rc = es_store_new_product_id(store, &ev->product_id, err);
	if (rc == ES_OK)
		rc = es_store_append(store, ev, err);
	if (rc == ES_OK)
		rc = es_store_commit(store, err);
	if (rc != ES_OK)
		es_store_rollback(store);
	return rc;
}

/*
 * Append the decided event, locking only as long as the append needs:
 * a new product as append_created() does; an event in the decision
 * stream if the version is still `version`; a view, which no decision
 * reads, as it is.
 */
static int append(struct es_event *ev, struct es_store *store, int64_t version,
		  struct es_error *err)
{
	if (ev->type == ES_PRODUCT_CREATED)
		return append_created(ev, store, err);
	if (!es_event_versioned(ev->type))
		return es_store_append(store, ev, err);
	return es_store_append_expected(store, ev, version, err);
}

/* One try: load (then the hook), decide, append. */
static int attempt(struct es_event *ev, struct es_optimistic *opt,
		   const struct es_command *cmd, struct es_error *err)
{
	struct es_product state;
	struct es_event cited; /* never changes once logged: no lock needed */
	bool found = false;
	int rc;

	memset(ev, 0, sizeof(*ev));
	memset(&cited, 0, sizeof(cited));
	es_product_init(&state);
	rc = load_state(&state, opt, cmd, err);
	if (rc == ES_OK) /* step 15 */
		rc = es_handler_load_cited(&cited, &found, opt->store, cmd,
					   err);
	if (rc == ES_OK && opt->hook != NULL)
		rc = opt->hook(opt->hook_ctx, &state, err);
	if (rc == ES_OK) {
		char now[ES_TIMESTAMP_SIZE];

		es_time_format(now, opt->clock.now(opt->clock.ctx));
		rc = es_decide(ev, &state, found ? &cited : NULL, cmd, now,
			       err);
	}
	if (rc == ES_OK)
		rc = append(ev, opt->store, state.version, err);
	es_product_dispose(&state);
	es_event_dispose(&cited);
	if (rc != ES_OK)
		es_event_dispose(ev);
	return rc;
}

int es_optimistic_handle(struct es_event *out, struct es_optimistic *opt,
			 const struct es_command *cmd, struct es_error *err)
{
	struct es_event ev;
	int rc = ES_ECONFLICT;

	assert(out != NULL && opt != NULL && cmd != NULL);
	memset(out, 0, sizeof(*out));
	/* Nothing was appended by a lost try: trying again is safe. */
	for (int i = 0; i < ES_OPTIMISTIC_ATTEMPTS && rc == ES_ECONFLICT; i++)
		rc = attempt(&ev, opt, cmd, err);
	if (rc == ES_OK)
		*out = ev;
	return rc;
}
