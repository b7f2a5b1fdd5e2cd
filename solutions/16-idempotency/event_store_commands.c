/*
 * event_store_commands.c - the event store's part for idempotent commands:
 * each event's metadata, and the answer given to each command id (see
 * event_store.h). Both tables are created with the rest of the schema.
 *
 * The writes and the answer's look-up prepare their statement and
 * finalize it: they run once per command, beside an fsync, so a cached
 * statement would save nothing that shows. Reading an event's metadata
 * runs once per event that `catalog log` prints: its statement is
 * prepared once and kept in the store, as steps 8 and 13 keep theirs.
 */
#include "event_store_private.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "es_sql.h"

static const char save_metadata_sql[] =
	"INSERT INTO event_metadata (event_id, command_id, actor,"
	" correlation_id) VALUES (?, ?, ?, ?)";

static const char load_metadata_sql[] =
	"SELECT command_id, actor, correlation_id FROM event_metadata"
	" WHERE event_id = ?";

static const char find_answer_sql[] =
	"SELECT request, answer FROM command_answers WHERE command_id = ?";

static const char save_answer_sql[] =
	"INSERT INTO command_answers (command_id, request, answer)"
	" VALUES (?, ?, ?)";

/* Prepare `sql` on the store's connection. */
static int prepare(sqlite3_stmt **stmt, struct es_store *store, const char *sql,
		   struct es_error *err)
{
	if (sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(*stmt);
		*stmt = NULL;
		return es_store_db_error(store, err);
	}
	return ES_OK;
}

/* Bind `s`, or NULL, to parameter `i`; false when SQLite refuses. */
static bool bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, i) == SQLITE_OK;
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT) == SQLITE_OK;
}

/* A copy of column `i` of the current row into `*out`; NULL stays NULL. */
static bool copy_column(char **out, sqlite3_stmt *row, int i)
{
	const char *s = (const char *)sqlite3_column_text(row, i);

	*out = s != NULL ? strdup(s) : NULL;
	return s == NULL || *out != NULL;
}

/* Run `stmt`, an INSERT whose values are bound, in a write of its own. */
static int insert(struct es_store *store, sqlite3_stmt *stmt,
		  struct es_error *err)
{
	bool own;
	int rc = es_store_write_begin(store, &own, err);

	if (rc == ES_OK)
		rc = es_sql_run(stmt, err);
	return es_store_write_end(store, own, rc, err);
}

int es_store_save_metadata(struct es_store *store, int64_t event_id,
			   const struct es_meta *meta, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	assert(store != NULL && meta != NULL);
	rc = prepare(&stmt, store, save_metadata_sql, err);
	if (rc != ES_OK)
		return rc;
	if (sqlite3_bind_int64(stmt, 1, event_id) != SQLITE_OK ||
	    !bind_text(stmt, 2, meta->command_id) ||
	    !bind_text(stmt, 3, meta->actor) ||
	    !bind_text(stmt, 4, meta->correlation_id))
		rc = es_store_db_error(store, err);
	else
		rc = insert(store, stmt, err);
	sqlite3_finalize(stmt);
	return rc;
}

int es_store_load_metadata(struct es_meta *out, struct es_store *store,
			   int64_t event_id, struct es_error *err)
{
	sqlite3_stmt *stmt;
	int step;
	int rc;

	assert(out != NULL && store != NULL);
	memset(out, 0, sizeof(*out));
	/*
	 * A log the seed's Python wrote, opened read-only, has no such table
	 * (only a store opened for writing creates it): no event has any.
	 * Once the statement is prepared, the table is there.
	 */
	if (store->select_metadata == NULL &&
	    sqlite3_table_column_metadata(store->db, "main", "event_metadata",
					  NULL, NULL, NULL, NULL, NULL,
					  NULL) != SQLITE_OK)
		return ES_OK;
	/* Cached: `catalog log` reads the metadata of every event. */
	rc = es_store_prepare_once(&store->select_metadata, store,
				   load_metadata_sql, err);
	if (rc != ES_OK)
		return rc;
	stmt = store->select_metadata;
	sqlite3_bind_int64(stmt, 1, event_id);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW) {
		if (!copy_column(&out->command_id, stmt, 0) ||
		    !copy_column(&out->actor, stmt, 1) ||
		    !copy_column(&out->correlation_id, stmt, 2)) {
			es_meta_dispose(out);
			rc = es_error_set(err, ES_ENOMEM, "out of memory");
		}
	} else if (step != SQLITE_DONE) {
		rc = es_store_db_error(store, err);
	}
	sqlite3_reset(stmt);
	return rc;
}

void es_meta_dispose(struct es_meta *meta)
{
	if (meta == NULL)
		return;
	free(meta->command_id);
	free(meta->actor);
	free(meta->correlation_id);
	memset(meta, 0, sizeof(*meta));
}

int es_store_find_answer(char **request, char **answer, struct es_store *store,
			 const char *command_id, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int step;
	int rc;

	assert(request != NULL && answer != NULL);
	assert(store != NULL && command_id != NULL);
	*request = NULL;
	*answer = NULL;
	rc = prepare(&stmt, store, find_answer_sql, err);
	if (rc != ES_OK)
		return rc;
	step = bind_text(stmt, 1, command_id) ? sqlite3_step(stmt)
					      : SQLITE_ERROR;
	if (step == SQLITE_DONE) {
		rc = es_error_set(err, ES_ENOTFOUND,
				  "no answer for command_id '%s'", command_id);
	} else if (step != SQLITE_ROW) {
		rc = es_store_db_error(store, err);
	} else if (!copy_column(request, stmt, 0) ||
		   !copy_column(answer, stmt, 1)) {
		free(*request);
		*request = NULL;
		rc = es_error_set(err, ES_ENOMEM, "out of memory");
	}
	sqlite3_finalize(stmt);
	return rc;
}

int es_store_save_answer(struct es_store *store, const char *command_id,
			 const char *request, const char *answer,
			 struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	assert(store != NULL && command_id != NULL);
	assert(request != NULL && answer != NULL);
	rc = prepare(&stmt, store, save_answer_sql, err);
	if (rc != ES_OK)
		return rc;
	if (!bind_text(stmt, 1, command_id) || !bind_text(stmt, 2, request) ||
	    !bind_text(stmt, 3, answer))
		rc = es_store_db_error(store, err);
	else
		rc = insert(store, stmt, err);
	sqlite3_finalize(stmt);
	return rc;
}
