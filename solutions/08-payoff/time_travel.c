/*
 * time_travel.c - the log up to a moment, and the product it gives.
 * Reading a moment a person types is es_time_parse(), given in es_time.h.
 */
#include "time_travel.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- the log up to a moment ---------------------------------------------- */

static const char load_at_sql[] =
	"SELECT id, product_id, event_type, data, occurred_at FROM events"
	" WHERE product_id = ? AND occurred_at <= ? ORDER BY id";

/* Step `stmt` to the end, decoding each row into `list`. */
static int read_rows(struct es_event_list *list, struct es_store *store,
		     sqlite3_stmt *stmt, struct es_error *err)
{
	for (;;) {
		int step = sqlite3_step(stmt);
		struct es_event ev;
		int rc;

		if (step == SQLITE_DONE)
			return ES_OK;
		if (step != SQLITE_ROW)
			return es_error_set(err, ES_EDB, "%s",
					    sqlite3_errmsg(es_store_db(store)));
		rc = es_store_read_row(&ev, store, stmt, err);
		if (rc == ES_OK)
			rc = es_event_list_push(list, &ev, err);
		if (rc != ES_OK)
			return rc;
	}
}

int es_time_travel_load(struct es_event_list *out, struct es_store *store,
			int64_t product_id, const char *before,
			struct es_error *err)
{
	struct es_event_list list = {0};
	sqlite3 *db;
	sqlite3_stmt *stmt = NULL;
	int rc;

	assert(out != NULL);
	assert(store != NULL);
	assert(before != NULL);

	db = es_store_db(store);
	if (sqlite3_prepare_v2(db, load_at_sql, -1, &stmt, NULL) != SQLITE_OK) {
		*out = list;
		return es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
	}
	sqlite3_bind_int64(stmt, 1, product_id);
	sqlite3_bind_text(stmt, 2, before, -1, SQLITE_STATIC);
	rc = read_rows(&list, store, stmt, err);
	sqlite3_finalize(stmt);
	if (rc != ES_OK)
		es_event_list_dispose(&list); /* leaves it empty */
	*out = list;
	return rc;
}

int es_time_travel_product(struct es_product *out, struct es_store *store,
			   int64_t product_id, const char *before,
			   struct es_error *err)
{
	struct es_event_list events;
	int rc;

	assert(out != NULL);

	es_product_init(out);
	rc = es_time_travel_load(&events, store, product_id, before, err);
	if (rc != ES_OK)
		return rc;
	rc = es_product_replay(out, events.items, events.count, err);
	if (rc == ES_OK && !es_product_exists(out))
		rc = es_error_set(err, ES_ENOTFOUND,
				  "Product %" PRId64 " did not exist at %s",
				  product_id, before);
	if (rc != ES_OK)
		es_product_dispose(out); /* leaves it initialized */
	es_event_list_dispose(&events);
	return rc;
}
