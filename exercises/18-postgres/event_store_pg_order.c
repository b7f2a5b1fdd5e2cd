/*
 * event_store_pg_order.c - step 18: the two functions of the PostgreSQL
 * store that differ from SQLite's in more than words. The rest of the
 * store is given (event_store_pg.c and its neighbours); what they share
 * is in event_store_pg.h, which says why these two matter ("One global
 * order").
 *
 * Run make check STEP=18 to see what is missing (make pg first, if
 * PostgreSQL is not installed).
 */
#include "event_store_pg.h"

int es_pg_append(struct es_pg_store *pg, struct es_event *ev,
		 struct es_error *err)
{
	/*
	 * TODO: es_event_to_json() the event. Then, in the caller's
	 * transaction or one of your own (es_pg_write_begin/_end), three
	 * statements with es_pg_exec():
	 *   1. SELECT pg_advisory_xact_lock(ES_PG_APPEND_LOCK), before the
	 *      INSERT: no other append gets an id until this one commits;
	 *   2. the INSERT of product_id, event_type, data and occurred_at,
	 *      as text parameters $1..$4, with RETURNING id;
	 *   3. SELECT pg_notify(ES_PG_CHANNEL, $1), the new id as text.
	 * Set ev->id only once it is committed; free the JSON.
	 * See docs/18-postgres.md, "One global order".
	 */
	(void)pg;
	(void)ev;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 18: es_pg_append is not implemented yet");
}

int es_pg_load_after(struct es_pg_store *pg, int64_t after_id, es_event_fn fn,
		     void *ctx, struct es_error *err)
{
	/*
	 * TODO: one statement, SELECT ES_PG_EVENT_COLUMNS FROM events
	 * WHERE id > $1 ORDER BY id, through a cursor
	 * (es_pg_cursor_open), so that it reads one snapshot a batch at a
	 * time. Then the loop of step 2's es_store_load_after():
	 * es_pg_cursor_next() each event, call fn, dispose it; stop at the
	 * first failure. End with es_pg_cursor_close(), which returns what
	 * the loop came to.
	 * See docs/18-postgres.md, "A reader that never skips".
	 */
	(void)pg;
	(void)after_id;
	(void)fn;
	(void)ctx;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 18: es_pg_load_after is not implemented yet");
}
