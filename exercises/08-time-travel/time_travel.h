/*
 * time_travel.h - a product as it was at any moment of its history.
 *
 * The log keeps every change with its time, so the state at 14:32 is the
 * replay of the events that had occurred by 14:32: the seed's
 *
 *     def load_at(self, product_id, before):
 *         # SELECT ... WHERE product_id = ? AND occurred_at <= ? ORDER BY id
 *
 * and then Product.load(events). No updated_at column, no history table.
 *
 * Moments are compared as text, in SQL. That orders them by time because
 * every timestamp in the log is UTC in one fixed layout, most significant
 * field first, with the digits zero-padded (es_time_format):
 *
 *     2026-11-27T14:32:05.123456+00:00
 *     2026-11-27T14:32:05+00:00         (Python leaves out a zero fraction)
 *
 * The second form is the first second with fraction .000000, and it also
 * sorts first among that second's timestamps: where the others go on with
 * '.', it goes on with '+', which comes before '.' (and before the digits)
 * in ASCII. So `before` must be written by es_time_format() too: a moment
 * typed by a person goes through es_time_parse() first.
 */
#ifndef ES_TIME_TRAVEL_H
#define ES_TIME_TRAVEL_H

#include <stdint.h>

#include "aggregate.h"
#include "es_error.h"
#include "event_store.h"

/*
 * Load the events of `product_id` that occurred at or before `before` (a
 * timestamp as es_time_format() writes it), oldest first by id, into
 * `*out`, an empty list the caller disposes with es_event_list_dispose().
 * It is es_store_load_range(store, product_id, 0, before): the store's
 * part of this step. No event that early gives an empty list and ES_OK.
 * Returns ES_ENOMEM, ES_EDB or ES_ECORRUPT otherwise; then `*out` is
 * empty.
 */
int es_time_travel_load(struct es_event_list *out, struct es_store *store,
			int64_t product_id, const char *before,
			struct es_error *err);

/*
 * Set `*out` (not initialized yet) to the product as it was at `before`:
 * the replay of es_time_travel_load(). The caller disposes it with
 * es_product_dispose(). Returns ES_OK; ES_ENOTFOUND ("Product 2 did not
 * exist at 2026-11-27T14:32:05+00:00") when no ProductCreated had occurred
 * by then; or the error of the load or the replay. On failure `*out` is
 * the empty product (es_product_init) and owns nothing.
 */
int es_time_travel_product(struct es_product *out, struct es_store *store,
			   int64_t product_id, const char *before,
			   struct es_error *err);

#endif /* ES_TIME_TRAVEL_H */
