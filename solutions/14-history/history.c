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

static const char has_quarantine_sql[] =
	"SELECT COUNT(*) FROM sqlite_master"
	" WHERE type = 'table' AND name = 'event_quarantine'";

/* A log without event_quarantine has nothing in quarantine. */
static const char count_all_sql[] =
	"SELECT COUNT(*) FROM events"
	" WHERE event_type = ? AND occurred_at >= ?";

/* A row in quarantine is not an event: it is not counted. */
static const char count_sql[] =
	"SELECT COUNT(*) FROM events WHERE event_type = ? AND occurred_at >= ?"
	" AND id NOT IN (SELECT event_id FROM event_quarantine)";

/*
 * Set `*sql` to the count for this log: count_sql, or count_all_sql when
 * it has no table event_quarantine (a log the seed's Python wrote, read
 * before any writer of ours opened it). Returns SQLite's result code.
 */
static int choose_count(const char **sql, sqlite3 *db)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, has_quarantine_sql, -1, &stmt, NULL);

	if (rc == SQLITE_OK && sqlite3_step(stmt) != SQLITE_ROW)
		rc = sqlite3_errcode(db);
	if (rc == SQLITE_OK)
		*sql = sqlite3_column_int(stmt, 0) > 0 ? count_sql
						       : count_all_sql;
	sqlite3_finalize(stmt);
	return rc;
}

int es_history_count(int64_t *out, struct es_store *store,
		     enum es_event_type type, const char *since,
		     struct es_error *err)
{
	const char *sql = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc = ES_OK;

	assert(out != NULL && store != NULL && since != NULL);
	if (sqlite3_open_v2(es_store_path(store), &db, SQLITE_OPEN_READONLY,
			    NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, ES_STORE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    choose_count(&sql, db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK ||
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
