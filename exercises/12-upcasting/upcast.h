/*
 * upcast.h - read events written in an older shape, without rewriting the
 * log.
 *
 * Events are immutable, so a field renamed in the code stays renamed only
 * in new events: the rows already written keep the old name forever (the
 * seed's second trade-off). Suppose StockUpdated's field was once called
 * `quantity`:
 *
 *     old   {"product_id": 2, "quantity": 50, "occurred_at": "..."}
 *     now   {"product_id": 2, "new_stock": 50, "occurred_at": "..."}
 *
 * An upcaster sits between the row and the decoder and turns the old shape
 * into the current one, in memory, each time the row is read. The decoder
 * (step 1) stays strict and knows only the current shape; the log is never
 * rewritten. Install it on a store:
 *
 *     es_store_set_upcaster(store, es_upcast_data, NULL);
 *
 * and every load on that store (es_store_load, es_store_load_all,
 * es_store_load_after, es_store_load_range, and so the snapshots' loads
 * too) reads both shapes.
 */
#ifndef ES_UPCAST_H
#define ES_UPCAST_H

#include "es_error.h"
#include "event_store.h"
#include "events.h"

/*
 * An es_upcast_fn (event_store.h); `ctx` is not used. For a StockUpdated
 * whose data has "quantity" and no "new_stock", sets `*upcast` to the same
 * JSON object with "quantity" renamed "new_stock", in its place (the
 * caller frees it with free()). For the current shape, for other event
 * types, and for data that is not a JSON object (the decoder reports
 * that), sets `*upcast` to NULL. Returns ES_OK; ES_ECORRUPT for a
 * StockUpdated with both fields ("StockUpdated has both 'new_stock' and
 * 'quantity'") or with neither ("StockUpdated has neither 'new_stock' nor
 * 'quantity'"); ES_ENOMEM. On failure `*upcast` is NULL.
 */
int es_upcast_data(void *ctx, enum es_event_type type, const char *data,
		   char **upcast, struct es_error *err);

#endif /* ES_UPCAST_H */
