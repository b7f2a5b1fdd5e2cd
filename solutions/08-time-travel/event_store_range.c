/*
 * event_store_range.c - the event store's part for time travel: one
 * product's events after an id, up to a moment (see event_store.h).
 *
 * One statement serves every range: a NULL `until` leaves out the time
 * limit, and `after_id` 0 starts at the first event. The index on
 * events(product_id, id) finds the product's events from `after_id` on.
 */
#include "event_store_private.h"

#include <assert.h>

static const char range_sql[] =
	"SELECT id, product_id, event_type, data, occurred_at FROM events"
	" WHERE product_id = ?1 AND id > ?2"
	" AND (?3 IS NULL OR occurred_at <= ?3) ORDER BY id";

int es_store_load_range(struct es_event_list *out, struct es_store *store,
			int64_t product_id, int64_t after_id, const char *until,
			struct es_error *err)
{
	struct es_event_list empty = {0};
	sqlite3_stmt *stmt;
	int rc;

	assert(out != NULL && store != NULL);
	*out = empty;
	rc = es_store_prepare_once(&store->select_range, store, range_sql, err);
	if (rc != ES_OK)
		return rc;
	stmt = store->select_range;
	/* SQLITE_STATIC: `until` outlives the statement's use here. */
	if (sqlite3_bind_int64(stmt, 1, product_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, after_id) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 3, until, -1, SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_reset(stmt);
		return es_store_db_error(store, err);
	}
	rc = es_store_collect(out, store, stmt, err);
	sqlite3_clear_bindings(stmt); /* drop the borrowed `until` */
	return rc;
}
