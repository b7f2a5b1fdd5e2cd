/*
 * views.c - step 10: every read model, kept up to date with a checkpoint
 * (see views.h). You define struct es_views here (a projector, the
 * insights, and the statements you prepare once) and write catch-up and
 * rebuild, each one read-DB transaction.
 *
 * Run make check STEP=10 to see what is missing.
 */
#include "views.h"

#include "es_sql.h"
#include "insights.h"
#include "projector.h"

int es_views_open(struct es_views **out, sqlite3 *read_db, struct es_error *err)
{
	/*
	 * TODO: calloc() the handle, es_projector_open() and
	 * es_insights_open() on read_db (borrowed), create
	 * projection_checkpoint(name TEXT PRIMARY KEY, last_event_id INTEGER
	 * NOT NULL) if it is missing, and es_sql_prepare_all() your
	 * statements: read the checkpoint, write it, BEGIN IMMEDIATE,
	 * COMMIT, ROLLBACK. On any failure close the half-built handle and
	 * return the error.
	 * See docs/10-catch-up.md, "The checkpoint: one transaction for the
	 * views and their position".
	 */
	(void)read_db;
	*out = NULL;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 10: es_views_open is not implemented yet");
}

void es_views_close(struct es_views *views)
{
	/*
	 * TODO: return when views is NULL; es_sql_finalize_all() your
	 * statements, close the insights and the projector, free the handle.
	 */
	(void)views;
}

int es_views_checkpoint(int64_t *out, struct es_views *views,
			struct es_error *err)
{
	/*
	 * TODO: SELECT last_event_id of the row named ES_VIEWS_CHECKPOINT;
	 * no row means 0.
	 */
	(void)views;
	*out = 0;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 10: es_views_checkpoint is not implemented yet");
}

int es_views_catch_up(int64_t *projected, struct es_views *views,
		      struct es_store *store, struct es_error *err)
{
	/*
	 * TODO: BEGIN IMMEDIATE; read the checkpoint (no row: reset every
	 * view with es_projector_reset and es_insights_reset, and start from
	 * 0); es_store_load_after(store, checkpoint, callback, ctx, err)
	 * with a callback that calls es_projector_apply and
	 * es_insights_apply and remembers the count and the last id; write
	 * the last id as the new checkpoint; COMMIT. On any failure ROLLBACK
	 * and return the first error unchanged, with *projected 0
	 * (es_sql_commit_or_rollback() commits or rolls back).
	 * See docs/10-catch-up.md, "The checkpoint: one transaction for the
	 * views and their position".
	 */
	(void)views;
	(void)store;
	if (projected != NULL)
		*projected = 0;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 10: es_views_catch_up is not implemented yet");
}

int es_views_rebuild(int64_t *projected, struct es_views *views,
		     struct es_store *store, struct es_error *err)
{
	/*
	 * TODO: the same transaction as catch-up, but always reset every
	 * view and stream from event 0, so the checkpoint ends at the last
	 * event's id (0 for an empty log).
	 * See docs/10-catch-up.md, "Rebuild: the same pass from zero".
	 */
	(void)views;
	(void)store;
	if (projected != NULL)
		*projected = 0;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 10: es_views_rebuild is not implemented yet");
}
