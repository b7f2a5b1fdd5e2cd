/*
 * supplier_view.h - a read model per supplier: how many products it has,
 * how much stock they hold together, how often they were viewed.
 *
 * It lives in the read DB, beside the other views:
 *
 *   supplier_summary_view(supplier_name TEXT PRIMARY KEY,
 *                         products INTEGER NOT NULL,
 *                         total_stock INTEGER NOT NULL,
 *                         total_views INTEGER NOT NULL)
 *
 * A StockUpdated or a ProductViewed names the product, not its supplier.
 * So the projector keeps a table of its own, which only it reads and
 * writes, with what it must remember about each product it has seen
 * created:
 *
 *   supplier_product(product_id INTEGER PRIMARY KEY,
 *                    supplier_name TEXT NOT NULL,
 *                    stock INTEGER NOT NULL, views INTEGER NOT NULL)
 *
 * Each event's effect:
 *   ProductCreated  the product counts for its supplier: products + 1,
 *                   total_stock + its stock; the supplier's row is created
 *                   when missing. Created again (the same id), it first
 *                   stops counting for its old supplier, whose row goes
 *                   when no product is left, as in step 6 where the
 *                   second ProductCreated replaces the row.
 *   StockUpdated    the product's stock is now new_stock, and the
 *                   supplier's total_stock stays the sum of the stock of
 *                   its products
 *   PriceChanged    nothing: prices are not in this view
 *   ProductViewed   total_views + 1
 * Events of a product that was never created change nothing. So each row
 * sums the supplier's rows of product_detail_view: count(*), sum(stock),
 * sum(view_count).
 *
 * The exercise file ships with a bug in this projector, and a read DB
 * that the buggy projector built: docs/19-break-fix-replay.md. Start with
 * make observe, before you read the code.
 */
#ifndef ES_SUPPLIER_VIEW_H
#define ES_SUPPLIER_VIEW_H

#include <sqlite3.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"

struct es_supplier_view;

/*
 * Create the two tables on `read_db` when they are missing (CREATE TABLE
 * IF NOT EXISTS: opening an existing read DB keeps its rows), then prepare
 * the statements, once. `read_db` is borrowed and must outlive the
 * handle. On success `*out` is set; close it with es_supplier_view_close().
 * Returns ES_OK, ES_ENOMEM, or ES_EDB (a read-only database, say).
 */
int es_supplier_view_open(struct es_supplier_view **out, sqlite3 *read_db,
			  struct es_error *err);

/* Finalize the statements and free the handle; NULL is ignored. */
void es_supplier_view_close(struct es_supplier_view *view);

/*
 * Apply one event to the two tables, without a transaction of its own:
 * the caller holds one on the read DB, so that both tables change
 * together (and with the other views, if the caller projects them in the
 * same transaction). Returns ES_OK or ES_EDB.
 */
int es_supplier_view_apply(struct es_supplier_view *view,
			   const struct es_event *ev, struct es_error *err);

/*
 * Delete every row of the two tables, without a transaction of its own.
 * Returns ES_OK or ES_EDB.
 */
int es_supplier_view_reset(struct es_supplier_view *view, struct es_error *err);

/*
 * Empty the two tables and replay the whole log into them, as one read-DB
 * transaction: reset, stream every event with es_store_load_all(), apply
 * each, commit. Readers see the old rows until the commit. The log is
 * only read. On failure (a row of the log that cannot be decoded, a read
 * DB that cannot be written) the transaction is rolled back, the old rows
 * stay, and the first error is returned unchanged: ES_ECORRUPT, ES_EDB.
 */
int es_supplier_view_rebuild(struct es_supplier_view *view,
			     struct es_store *store, struct es_error *err);

#endif /* ES_SUPPLIER_VIEW_H */
