/*
 * projector.c - step 6: the projector (see projector.h). You define struct
 * es_projector here (the statements you prepare once, on the borrowed read
 * database) and write the functions that apply events to the view tables,
 * wipe them, and rebuild them from the whole log. Step 0's es_sql.h
 * prepares, runs and finalizes the statements for you.
 *
 * Run make check STEP=6 to see what is missing.
 */
#include "projector.h"

#include "es_sql.h"

int es_projector_open(struct es_projector **out, sqlite3 *read_db,
		      struct es_error *err)
{
	/*
	 * TODO: calloc() the handle and es_sql_prepare_all() every
	 * statement of an enum-indexed table of SQL on read_db (borrowed):
	 * the two INSERT OR REPLACE for ProductCreated, the UPDATEs for
	 * stock, price and view_count, BEGIN IMMEDIATE, COMMIT, ROLLBACK,
	 * and the two DELETEs of rebuild. If it fails (no view tables), err
	 * holds SQLite's message and nothing is prepared: free the handle
	 * and return the code. On success *out is yours to
	 * es_projector_close().
	 * See docs/06-projector.md, "A handle with cached statements".
	 */
	(void)read_db;
	*out = NULL;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 6: es_projector_open is not implemented yet");
}

void es_projector_close(struct es_projector *prj)
{
	/*
	 * TODO: return when prj is NULL; es_sql_finalize_all() the
	 * statements and free the handle. The read database is borrowed: do
	 * not close it.
	 * See docs/06-projector.md, "A handle with cached statements".
	 */
	(void)prj;
}

int es_projector_project(struct es_projector *prj, const struct es_event *ev,
			 struct es_error *err)
{
	/*
	 * TODO: es_sql_run() your BEGIN IMMEDIATE, es_projector_apply()
	 * (which switches on ev->type, binds the statements of that event
	 * and es_sql_run()s them), then es_sql_commit_or_rollback(): COMMIT,
	 * or ROLLBACK and the first error. An UPDATE that matches no row is
	 * not an error.
	 * See docs/06-projector.md, "`project`: one event, one transaction".
	 */
	(void)prj;
	(void)ev;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 6: es_projector_project is not implemented yet");
}

int es_projector_apply(struct es_projector *prj, const struct es_event *ev,
		       struct es_error *err)
{
	/*
	 * TODO: what project does between BEGIN and COMMIT, and nothing
	 * more: switch on ev->type (every case, no default:), bind the
	 * statements of that event and es_sql_run() them (step, reset). No
	 * transaction here: the caller holds one. On failure return the
	 * ES_EDB es_sql_run() gives, with SQLite's message in err. Then
	 * project is BEGIN + apply + COMMIT.
	 * See docs/06-projector.md, "`apply` and `reset`: the caller's
	 * transaction".
	 */
	(void)prj;
	(void)ev;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 6: es_projector_apply is not implemented yet");
}

int es_projector_reset(struct es_projector *prj, struct es_error *err)
{
	/*
	 * TODO: es_sql_run() the two DELETEs, product_detail_view then
	 * product_list_view, without a transaction of your own, and return
	 * the first error.
	 * See docs/06-projector.md, "`apply` and `reset`: the caller's
	 * transaction".
	 */
	(void)prj;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 6: es_projector_reset is not implemented yet");
}

int es_projector_rebuild_all(struct es_projector *prj, struct es_store *store,
			     struct es_error *err)
{
	/*
	 * TODO: BEGIN IMMEDIATE on the read database, es_projector_reset(),
	 * es_store_load_all(store, callback, prj, err) with a callback that
	 * calls es_projector_apply(), then COMMIT. On any failure ROLLBACK,
	 * so the old views stay, and return the first error unchanged:
	 * es_sql_commit_or_rollback() does both.
	 * See docs/06-projector.md, "`rebuild_all`: stream the log, commit
	 * once".
	 */
	(void)prj;
	(void)store;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 6: es_projector_rebuild_all is not implemented yet");
}
