/*
 * event_store_pg_order.c - the two functions of the PostgreSQL store that
 * differ from SQLite's in more than words: an append that keeps one
 * global order, and a catch-up reader that never skips an event (see
 * event_store_pg.h, "One global order").
 *
 * On SQLite one writer at a time holds the file: ids are handed out and
 * committed in the same order. On PostgreSQL writers run at once, and a
 * sequence hands out ids at INSERT while transactions commit in any
 * order. A reader of "id > checkpoint" could then see id 11 before id 10
 * commits, move its checkpoint to 11, and never read 10. So every append
 * takes one advisory lock before its INSERT; PostgreSQL holds it to the
 * transaction's end, when the row is visible. The next writer's id comes
 * after it, and the ids committed are always those below the greatest
 * one seen (less rolled-back ones, which no reader waits for).
 */
#include "event_store_pg.h"

#include <assert.h>
#include <stdlib.h>

/* Released by PostgreSQL at COMMIT or ROLLBACK, never by us. */
static const char lock_sql[] =
	"SELECT pg_advisory_xact_lock(" ES_PG_APPEND_LOCK ")";

static const char insert_sql[] =
	"INSERT INTO events (product_id, event_type, data, occurred_at)"
	" VALUES ($1, $2, $3, $4) RETURNING id";

/* Delivered at commit, to every connection that LISTENs. */
static const char notify_sql[] = "SELECT pg_notify('" ES_PG_CHANNEL "', $1)";

/* One statement, so one snapshot: ids in it come without holes. */
static const char after_sql[] = "SELECT " ES_PG_EVENT_COLUMNS " FROM events"
				" WHERE id > $1 ORDER BY id";

/* Insert the row, read its id back, and notify it, in the transaction. */
static int insert_event(struct es_pg_store *pg, const struct es_event *ev,
			const char *json, int64_t *id, struct es_error *err)
{
	char product_id[ES_PG_INT_SIZE];
	const char *params[] = {product_id, es_event_type_name(ev->type), json,
				ev->occurred_at};
	PGresult *res = NULL;
	int rc;

	es_pg_int_text(product_id, ev->product_id);
	rc = es_pg_exec(&res, pg, insert_sql, 4, params, err);
	if (rc == ES_OK) {
		const char *new_id[] = {PQgetvalue(res, 0, 0)};

		*id = es_pg_int_value(res, 0, 0);
		rc = es_pg_exec(NULL, pg, notify_sql, 1, new_id, err);
	}
	PQclear(res);
	return rc;
}

int es_pg_append(struct es_pg_store *pg, struct es_event *ev,
		 struct es_error *err)
{
	char *json = NULL;
	int64_t id = 0;
	bool own;
	int rc;

	assert(pg != NULL && ev != NULL);
	rc = es_event_to_json(&json, ev, err);
	if (rc != ES_OK)
		return rc;
	rc = es_pg_write_begin(pg, &own, err);
	if (rc == ES_OK) {
		/* First the lock: no id before the last append is visible. */
		rc = es_pg_exec(NULL, pg, lock_sql, 0, NULL, err);
		if (rc == ES_OK)
			rc = insert_event(pg, ev, json, &id, err);
		rc = es_pg_write_end(pg, own, rc, err);
	}
	if (rc == ES_OK)
		ev->id = id;
	free(json);
	return rc;
}

int es_pg_load_after(struct es_pg_store *pg, int64_t after_id, es_event_fn fn,
		     void *ctx, struct es_error *err)
{
	char after[ES_PG_INT_SIZE];
	const char *params[] = {after};
	struct es_pg_cursor cur;
	struct es_event ev;
	bool done;
	int rc;

	assert(pg != NULL && fn != NULL);
	es_pg_int_text(after, after_id);
	rc = es_pg_cursor_open(&cur, pg, after_sql, 1, params, err);
	while (rc == ES_OK) {
		rc = es_pg_cursor_next(&ev, &done, &cur, err);
		if (rc != ES_OK || done)
			break;
		rc = fn(ctx, &ev, err);
		es_event_dispose(&ev);
	}
	return es_pg_cursor_close(&cur, rc, err);
}
