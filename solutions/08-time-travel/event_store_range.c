/*
 * event_store_range.c - the event store's part for time travel: one
 * product's events after an id, up to a moment (see event_store.h).
 *
 * One statement serves the ranges after an id: a NULL `until` leaves out
 * the time limit. The index on events(product_id, id) finds the
 * product's events from `after_id` on. From the first event up to a
 * moment, a second statement (cached too) finds them with the index on
 * events(product_id, occurred_at): only those up to the moment are read,
 * however many came after (occurred_at need not grow with id, so no id
 * bounds them), and SQLite sorts them by id.
 */
#include "event_store_private.h"

#include <assert.h>

static const char range_sql[] =
	"SELECT id, product_id, event_type, data, occurred_at FROM events"
	" WHERE product_id = ?1 AND id > ?2"
	" AND (?3 IS NULL OR occurred_at <= ?3) ORDER BY id";

/* No term on id, or SQLite would pick the index on (product_id, id). */
static const char until_sql[] =
	"SELECT id, product_id, event_type, data, occurred_at FROM events"
	" WHERE product_id = ?1 AND occurred_at <= ?3 ORDER BY id";

int es_store_load_range(struct es_event_list *out, struct es_store *store,
			int64_t product_id, int64_t after_id, const char *until,
			struct es_error *err)
{
	bool from_first = after_id == 0 && until != NULL;
	struct es_event_list empty = {0};
	sqlite3_stmt **stmt;
	int rc;

	assert(out != NULL && store != NULL);
	*out = empty;
	stmt = from_first ? &store->select_until : &store->select_range;
	rc = es_store_prepare_once(stmt, store,
				   from_first ? until_sql : range_sql, err);
	if (rc != ES_OK)
		return rc;
	/* SQLITE_STATIC: `until` outlives the statement's use here. */
	if (sqlite3_bind_int64(*stmt, 1, product_id) != SQLITE_OK ||
	    sqlite3_bind_int64(*stmt, 2, after_id) != SQLITE_OK ||
	    sqlite3_bind_text(*stmt, 3, until, -1, SQLITE_STATIC) !=
		    SQLITE_OK) {
		sqlite3_reset(*stmt);
		return es_store_db_error(store, err);
	}
	rc = es_store_collect(out, store, *stmt, err);
	sqlite3_clear_bindings(*stmt); /* drop the borrowed `until` */
	return rc;
}
