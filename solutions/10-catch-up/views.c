/*
 * views.c - the projector, the insights and the checkpoint, moved as one.
 *
 * Catch-up and rebuild have the same shape: BEGIN IMMEDIATE on the read
 * DB, stream events from the log into every view, write the id of the
 * last one as the checkpoint, COMMIT; ROLLBACK on any failure. The
 * checkpoint is a row in the read DB precisely so that it commits with
 * the views it describes.
 */
#include "views.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#include "es_sql.h"
#include "insights.h"
#include "projector.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS projection_checkpoint ("
	" name TEXT PRIMARY KEY,"
	" last_event_id INTEGER NOT NULL);";

enum stmt_id {
	ST_GET_CHECKPOINT,
	ST_SET_CHECKPOINT,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_GET_CHECKPOINT] = "SELECT last_event_id FROM projection_checkpoint"
			      " WHERE name = ?",
	[ST_SET_CHECKPOINT] = "INSERT INTO projection_checkpoint VALUES (?, ?)"
			      " ON CONFLICT (name) DO UPDATE"
			      " SET last_event_id = excluded.last_event_id",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct es_views {
	struct es_projector *prj;
	struct es_insights *ins;
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared on the borrowed read DB */
};

/* What one catch-up or rebuild has done so far. */
struct pass {
	struct es_views *views;
	int64_t count;	 /* events applied */
	int64_t last_id; /* the id of the last one */
};

int es_views_open(struct es_views **out, sqlite3 *read_db, struct es_error *err)
{
	struct es_views *views;
	int rc;

	assert(out != NULL);
	assert(read_db != NULL);

	views = calloc(1, sizeof(*views));
	if (views == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	rc = es_projector_open(&views->prj, read_db, err);
	if (rc == ES_OK)
		rc = es_insights_open(&views->ins, read_db, err);
	if (rc == ES_OK &&
	    sqlite3_exec(read_db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = es_sql_error(read_db, err);
	if (rc == ES_OK)
		rc = es_sql_prepare_all(views->stmt, read_db, stmt_sql,
					ST_COUNT, err);
	if (rc != ES_OK) {
		es_views_close(views);
		return rc;
	}
	*out = views;
	return ES_OK;
}

void es_views_close(struct es_views *views)
{
	if (views == NULL)
		return;
	es_sql_finalize_all(views->stmt, ST_COUNT);
	es_insights_close(views->ins);
	es_projector_close(views->prj);
	free(views);
}

/* Read the checkpoint row; `*found` is false when there is none. */
static int read_checkpoint(int64_t *out, bool *found, struct es_views *views,
			   struct es_error *err)
{
	sqlite3_stmt *stmt = views->stmt[ST_GET_CHECKPOINT];
	int rc = ES_OK;
	int step;

	*out = 0;
	sqlite3_bind_text(stmt, 1, ES_VIEWS_CHECKPOINT, -1, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	*found = step == SQLITE_ROW;
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	else if (step != SQLITE_DONE)
		rc = es_sql_error(sqlite3_db_handle(stmt), err);
	sqlite3_reset(stmt);
	return rc;
}

static int write_checkpoint(struct es_views *views, int64_t last_id,
			    struct es_error *err)
{
	sqlite3_stmt *stmt = views->stmt[ST_SET_CHECKPOINT];

	sqlite3_bind_text(stmt, 1, ES_VIEWS_CHECKPOINT, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, last_id);
	return es_sql_run(stmt, err);
}

int es_views_checkpoint(int64_t *out, struct es_views *views,
			struct es_error *err)
{
	bool found;

	assert(out != NULL);
	assert(views != NULL);

	return read_checkpoint(out, &found, views, err);
}

/* Empty every view, inside the caller's transaction. */
static int reset_all(struct es_views *views, struct es_error *err)
{
	int rc = es_projector_reset(views->prj, err);

	if (rc == ES_OK)
		rc = es_insights_reset(views->ins, err);
	return rc;
}

/* es_store_load_after() callback: `ctx` is the pass. */
static int apply_one(void *ctx, const struct es_event *ev, struct es_error *err)
{
	struct pass *pass = ctx;
	int rc;

	rc = es_projector_apply(pass->views->prj, ev, err);
	if (rc == ES_OK)
		rc = es_insights_apply(pass->views->ins, ev, err);
	if (rc != ES_OK)
		return rc;
	pass->count++;
	pass->last_id = ev->id;
	return ES_OK;
}

/*
 * Inside the open transaction: stream the events after `after_id` into
 * every view, then record the last one's id. `pass->last_id` starts at
 * `after_id`, so an empty stream keeps the checkpoint where it was.
 */
static int project_after(struct pass *pass, struct es_store *store,
			 int64_t after_id, struct es_error *err)
{
	int rc;

	pass->last_id = after_id;
	rc = es_store_load_after(store, after_id, apply_one, pass, err);
	if (rc == ES_OK)
		rc = write_checkpoint(pass->views, pass->last_id, err);
	return rc;
}

/* Commit, or roll back after a failure; set `*projected` either way. */
static int finish(int rc, int64_t *projected, struct pass *pass,
		  struct es_error *err)
{
	rc = es_sql_commit_or_rollback(rc, pass->views->stmt[ST_COMMIT],
				       pass->views->stmt[ST_ROLLBACK], err);
	if (rc != ES_OK)
		pass->count = 0;
	if (projected != NULL)
		*projected = pass->count;
	return rc;
}

int es_views_catch_up(int64_t *projected, struct es_views *views,
		      struct es_store *store, struct es_error *err)
{
	struct pass pass = {views, 0, 0};
	int64_t checkpoint = 0;
	bool found = false;
	int rc;

	assert(views != NULL);
	assert(store != NULL);

	rc = es_sql_run(views->stmt[ST_BEGIN], err);
	if (rc == ES_OK)
		rc = read_checkpoint(&checkpoint, &found, views, err);
	/* No checkpoint: whatever the views hold, nobody knows up to where. */
	if (rc == ES_OK && !found)
		rc = reset_all(views, err);
	if (rc == ES_OK)
		rc = project_after(&pass, store, checkpoint, err);
	return finish(rc, projected, &pass, err);
}

int es_views_rebuild(int64_t *projected, struct es_views *views,
		     struct es_store *store, struct es_error *err)
{
	struct pass pass = {views, 0, 0};
	int rc;

	assert(views != NULL);
	assert(store != NULL);

	rc = es_sql_run(views->stmt[ST_BEGIN], err);
	if (rc == ES_OK)
		rc = reset_all(views, err);
	if (rc == ES_OK)
		rc = project_after(&pass, store, 0, err);
	return finish(rc, projected, &pass, err);
}
