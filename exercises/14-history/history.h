/*
 * history.h - questions about the past, asked of the event log.
 *
 * "How many times has the price changed in the last 30 days?" A system
 * that stores current state needs an audit table for that, filled by
 * every write. Here the log already is one (the seed's third trade-off):
 *
 *     SELECT COUNT(*) FROM events
 *     WHERE event_type = 'PriceChanged'
 *     AND occurred_at >= date('now', '-30 days')
 *
 * These queries go to the write side, not to the read DB: no view holds
 * history. They are the one exception to the closed store (event_store.h:
 * only the store's files touch `events`): SQL is the point of the
 * seed's trade-off, so each call opens a READ-ONLY connection of its own
 * to es_store_path(store), runs its query there and closes it. That
 * connection can write nothing, and sees only committed events.
 *
 * A row in quarantine is not an event (es_store_quarantine, event_store.h):
 * it does not decode, and every load of the store steps over it. History
 * leaves it out too, so these queries read the store's table
 * event_quarantine as well:
 *
 *     AND id NOT IN (SELECT event_id FROM event_quarantine)
 *
 * A log that has no such table (the seed's Python wrote it, and only a
 * store opened for writing creates the table) has nothing in quarantine:
 * ask sqlite3_table_column_metadata() first, and then every row counts.
 *
 * Moments are compared as text, as time_travel.h explains: it works
 * because every occurred_at is UTC in one layout, most significant field
 * first, zero-padded. `since` may also be a date alone ("2026-10-28"): a
 * date is a prefix of every timestamp of its day, and a prefix sorts
 * before all that begin with it, so the date means the start of the day.
 */
#ifndef ES_HISTORY_H
#define ES_HISTORY_H

#include <stdint.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"

/* The longest window es_history_price_changes() takes: 100 years. */
#define ES_HISTORY_MAX_DAYS 36500

/*
 * Set `*out` to the number of events of `type`, of any product, that
 * occurred at or after `since` (a timestamp as es_time_format() writes
 * it, or a date "2026-10-28"), on a read-only connection of its own.
 * Rows in quarantine are not counted. Returns ES_OK or ES_EDB.
 */
int es_history_count(int64_t *out, struct es_store *store,
		     enum es_event_type type, const char *since,
		     struct es_error *err);

/*
 * The seed's question: set `*out` to the number of PriceChanged events in
 * the last `days` days (rows in quarantine are not events, as in
 * es_history_count()), counted as the seed's SQL counts them: from the
 * start (00:00 UTC) of the day `days` days before now, where now is one
 * reading of `clock`. So the window is a little longer than `days` times
 * 24 hours, up to a day more. Returns ES_OK; ES_EINVAL when `days` is
 * not within 0..ES_HISTORY_MAX_DAYS ("days must be between 0 and 36500,
 * not -1"); ES_EDB.
 */
int es_history_price_changes(int64_t *out, struct es_store *store,
			     const struct es_clock *clock, int days,
			     struct es_error *err);

#endif /* ES_HISTORY_H */
