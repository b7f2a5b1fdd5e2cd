/*
 * history.c - step 14: history queries (see history.h). Two functions that
 * ask the event log about the past.
 *
 * Run make check STEP=14 to see what is missing.
 */
#include "history.h"

int es_history_count(int64_t *out, struct es_store *store,
		     enum es_event_type type, const char *since,
		     struct es_error *err)
{
	/*
	 * TODO: open a connection of your own with sqlite3_open_v2() on
	 * es_store_path(store), SQLITE_OPEN_READONLY, and the store's busy
	 * timeout; prepare "SELECT COUNT(*) FROM events WHERE event_type =
	 * ? AND occurred_at >= ?", and when the log has the table
	 * event_quarantine (sqlite3_table_column_metadata) add "AND id NOT
	 * IN (SELECT event_id FROM event_quarantine)": a row in quarantine
	 * is not an event. Bind
	 * es_event_type_name(type) and since, step once, read the count;
	 * finalize and close, even on failure.
	 * SQLite failures are ES_EDB with sqlite3_errmsg().
	 * See docs/14-history.md, "History queries in C".
	 */
	(void)store;
	(void)type;
	(void)since;
	*out = 0;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 14: es_history_count is not implemented yet");
}

int es_history_price_changes(int64_t *out, struct es_store *store,
			     const struct es_clock *clock, int days,
			     struct es_error *err)
{
	/*
	 * TODO: refuse days outside 0..ES_HISTORY_MAX_DAYS (ES_EINVAL,
	 * "days must be between 0 and 36500, not -1"). Read the clock once,
	 * go back days * 24 hours, es_time_format() that and keep its first
	 * 10 characters, the date: that is date('now', '-30 days'). Then
	 * es_history_count() the PriceChanged events since that date.
	 * See docs/14-history.md, "History queries in C".
	 */
	(void)store;
	(void)clock;
	(void)days;
	*out = 0;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 14: es_history_price_changes is not implemented yet");
}
