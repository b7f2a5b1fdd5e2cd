/*
 * history.c - counting past events in the log (see history.h).
 *
 * Each query is prepared, run and finalized per call, on a read-only
 * connection opened for it: a question asked now and then, not a
 * statement run once per event, and there is no handle to keep either on.
 */
#include "history.h"

#include <assert.h>

#include <sqlite3.h>

#define MICROS_PER_DAY INT64_C(86400000000)
/* "2026-10-28": the date at the start of a timestamp. */
#define DATE_LENGTH 10

/* A log without event_quarantine has nothing in quarantine. */
static const char count_all_sql[] =
	"SELECT COUNT(*) FROM events"
	" WHERE event_type = ? AND occurred_at >= ?";

/* A row in quarantine is not an event: it is not counted. */
static const char count_sql[] =
	"SELECT COUNT(*) FROM events WHERE event_type = ? AND occurred_at >= ?"
	" AND id NOT IN (SELECT event_id FROM event_quarantine)";

/*
 * The count for the log of `db`: count_sql, or count_all_sql when it has
 * no table event_quarantine (a log the seed's Python wrote, read before
 * any writer of ours opened it), where count_sql would not prepare.
 */
static const char *count_for(sqlite3 *db)
{
	if (sqlite3_table_column_metadata(db, "main", "event_quarantine", NULL,
					  NULL, NULL, NULL, NULL,
					  NULL) == SQLITE_OK)
		return count_sql;
	return count_all_sql;
}

int es_history_count(int64_t *out, struct es_store *store,
		     enum es_event_type type, const char *since,
		     struct es_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc = ES_OK;

	assert(out != NULL && store != NULL && since != NULL);
	if (sqlite3_open_v2(es_store_path(store), &db, SQLITE_OPEN_READONLY,
			    NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, ES_STORE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, count_for(db), -1, &stmt, NULL) !=
		    SQLITE_OK ||
	    sqlite3_bind_text(stmt, 1, es_event_type_name(type), -1,
			      SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, since, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		rc = es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
	else
		*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return rc;
}

/*
 * The seed asks SQLite for date('now', '-30 days'): the date alone, UTC,
 * "2026-10-28". Every timestamp of that day begins with it, and a string
 * sorts after its own prefix, so `occurred_at >= '2026-10-28'` holds from
 * 00:00 that day on. Taking the date of the clock's now minus `days` days
 * gives the same text; only "now" comes from the clock instead of SQLite.
 */
int es_history_price_changes(int64_t *out, struct es_store *store,
			     const struct es_clock *clock, int days,
			     struct es_error *err)
{
	char since[ES_TIMESTAMP_SIZE];
	int64_t now;

	assert(out != NULL && store != NULL && clock != NULL &&
	       clock->now != NULL);
	if (days < 0 || days > ES_HISTORY_MAX_DAYS)
		return es_error_set(err, ES_EINVAL,
				    "days must be between 0 and %d, not %d",
				    ES_HISTORY_MAX_DAYS, days);
	now = clock->now(clock->ctx);
	es_time_format(since, now - days * MICROS_PER_DAY);
	since[DATE_LENGTH] = '\0';
	return es_history_count(out, store, ES_PRICE_CHANGED, since, err);
}
