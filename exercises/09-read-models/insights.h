/*
 * insights.h - two read models that did not exist when the first events
 * were written, filled from all of history by replaying the log into them
 * (step 10's views.h does it with a checkpoint).
 *
 * Both live in the read DB, beside step 0's views:
 *
 *   view_count_summary(product_id INTEGER PRIMARY KEY,
 *                      view_count INTEGER NOT NULL)
 *       one row per product id that has been viewed: how many
 *       ProductViewed events it has. Every view counts, as in the
 *       aggregate, also those of an id never created (product_detail_view
 *       cannot count those: it has no row for them).
 *
 *   low_stock_alert_view(product_id INTEGER PRIMARY KEY,
 *                        name TEXT NOT NULL, stock INTEGER NOT NULL)
 *       the created products whose stock is below ES_LOW_STOCK_THRESHOLD,
 *       with their current stock: a product enters when its stock drops
 *       below, and leaves when it is restocked.
 *
 * A StockUpdated carries no name, so the alert keeps a table of its own
 * that the projector of this model alone reads and writes:
 *
 *   stock_level(product_id INTEGER PRIMARY KEY, name TEXT NOT NULL,
 *               stock INTEGER NOT NULL)   every created product
 *
 * A read model never reads another one's tables: each can be dropped,
 * changed or rebuilt on its own.
 */
#ifndef ES_INSIGHTS_H
#define ES_INSIGHTS_H

#include <sqlite3.h>

#include "es_error.h"
#include "events.h"

/* A product with less stock than this is in low_stock_alert_view. */
#define ES_LOW_STOCK_THRESHOLD 10

struct es_insights;

/*
 * Create the three tables on `read_db` when they are missing (CREATE TABLE
 * IF NOT EXISTS: opening an existing read DB keeps its rows), then prepare
 * the statements, once. `read_db` is borrowed and must outlive the handle.
 * On success `*out` is set; close it with es_insights_close(). Returns
 * ES_OK, ES_ENOMEM, or ES_EDB (a read-only database, say).
 */
int es_insights_open(struct es_insights **out, sqlite3 *read_db,
		     struct es_error *err);

/* Finalize the statements and free the handle; NULL is ignored. */
void es_insights_close(struct es_insights *ins);

/*
 * Apply one event to both read models, without a transaction of its own:
 * the caller holds one on the read DB (step 10: es_views_catch_up,
 * es_views_rebuild) so these tables change together with the others. PriceChanged changes
 * nothing here. Returns ES_OK or ES_EDB.
 */
int es_insights_apply(struct es_insights *ins, const struct es_event *ev,
		      struct es_error *err);

/*
 * Delete every row of the three tables, without a transaction of its own.
 * Returns ES_OK or ES_EDB.
 */
int es_insights_reset(struct es_insights *ins, struct es_error *err);

#endif /* ES_INSIGHTS_H */
