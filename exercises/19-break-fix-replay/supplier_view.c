/*
 * supplier_view.c - step 19: the supplier view's projector, as it shipped.
 *
 * This projector went live a while ago. It is complete: it compiles, every
 * event goes through it, nothing crashes, and make memcheck finds no leak.
 * Since then the catalog has taken two thousand commands, and the read DB
 * it built is read_model.sql, beside this file.
 *
 * Support says: "the supplier totals are wrong. Acme Corp's row says it
 * holds 4939 items, but add up the stock of its products and you get
 * 1655." Nobody can say since when.
 *
 * This file ships with a bug; the event log has none. Observe (make
 * observe shows the rows beside what the log says), find the bug, fix it
 * here, replay (make replay rebuilds the view with this file):
 * docs/19-break-fix-replay.md walks you through it.
 *
 * The projector of step 6 again, for a view that sums over products: the
 * statements are prepared once and reused, applying an event owns no
 * transaction, and the rebuild is one transaction around the whole log.
 * What is new is the bookkeeping: supplier_product remembers each
 * product's supplier, stock and views, so that an event naming only the
 * product can find the supplier's row and say how much it changes.
 */
#include "supplier_view.h"

#include <assert.h>
#include <stdlib.h>

#include "es_sql.h"

/* Both tables; created when missing, so an existing read DB keeps them. */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS supplier_summary_view ("
	" supplier_name TEXT PRIMARY KEY,"
	" products INTEGER NOT NULL,"
	" total_stock INTEGER NOT NULL,"
	" total_views INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS supplier_product ("
	" product_id INTEGER PRIMARY KEY,"
	" supplier_name TEXT NOT NULL,"
	" stock INTEGER NOT NULL,"
	" views INTEGER NOT NULL);";

enum stmt_id {
	ST_UNCOUNT,
	ST_DROP_EMPTY,
	ST_PUT_PRODUCT,
	ST_COUNT_PRODUCT,
	ST_STOCK_SUMMARY,
	ST_STOCK_PRODUCT,
	ST_VIEW_SUMMARY,
	ST_VIEW_PRODUCT,
	ST_DELETE_SUMMARY,
	ST_DELETE_PRODUCTS,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

/*
 * The supplier of product ?1, as every statement that starts from a
 * product finds it. When the product was never created the subquery is
 * NULL, no supplier's name equals NULL, and no row changes.
 */
#define SUPPLIER_OF_PRODUCT                                                    \
	"(SELECT supplier_name FROM supplier_product WHERE product_id = ?1)"

static const char *const stmt_sql[ST_COUNT] = {
	/* ProductCreated for an id seen before: take the old one out. */
	[ST_UNCOUNT] =
		"UPDATE supplier_summary_view SET products = products - 1,"
		" total_stock = total_stock -"
		" (SELECT stock FROM supplier_product WHERE product_id = ?1),"
		" total_views = total_views -"
		" (SELECT views FROM supplier_product WHERE product_id = ?1)"
		" WHERE supplier_name = " SUPPLIER_OF_PRODUCT,
	[ST_DROP_EMPTY] = "DELETE FROM supplier_summary_view"
			  " WHERE products = 0",
	[ST_PUT_PRODUCT] = "INSERT OR REPLACE INTO supplier_product"
			   " VALUES (?1, ?2, ?3, 0)",
	[ST_COUNT_PRODUCT] =
		"INSERT INTO supplier_summary_view VALUES (?1, 1, ?2, 0)"
		" ON CONFLICT (supplier_name) DO UPDATE SET"
		" products = products + 1, total_stock = total_stock + ?2",
	/* ?2 is the stock that came in (or went out, when negative). */
	[ST_STOCK_SUMMARY] =
		"UPDATE supplier_summary_view SET total_stock = total_stock"
		" + ?2 WHERE supplier_name = " SUPPLIER_OF_PRODUCT,
	[ST_STOCK_PRODUCT] = "UPDATE supplier_product SET stock = ?2"
			     " WHERE product_id = ?1",
	[ST_VIEW_SUMMARY] = "UPDATE supplier_summary_view"
			    " SET total_views = total_views + 1"
			    " WHERE supplier_name = " SUPPLIER_OF_PRODUCT,
	[ST_VIEW_PRODUCT] = "UPDATE supplier_product SET views = views + 1"
			    " WHERE product_id = ?1",
	[ST_DELETE_SUMMARY] = "DELETE FROM supplier_summary_view",
	[ST_DELETE_PRODUCTS] = "DELETE FROM supplier_product",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct es_supplier_view {
	sqlite3 *db; /* borrowed */
	sqlite3_stmt *stmt[ST_COUNT];
};

int es_supplier_view_open(struct es_supplier_view **out, sqlite3 *read_db,
			  struct es_error *err)
{
	struct es_supplier_view *view;
	int rc;

	assert(out != NULL);
	assert(read_db != NULL);

	if (sqlite3_exec(read_db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return es_sql_error(read_db, err);
	view = calloc(1, sizeof(*view));
	if (view == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	view->db = read_db;
	rc = es_sql_prepare_all(view->stmt, read_db, stmt_sql, ST_COUNT, err);
	if (rc != ES_OK) {
		free(view);
		return rc;
	}
	*out = view;
	return ES_OK;
}

void es_supplier_view_close(struct es_supplier_view *view)
{
	if (view == NULL)
		return;
	es_sql_finalize_all(view->stmt, ST_COUNT);
	free(view);
}

/* Bind the product id as ?1, run the statement. */
static int run_for_product(struct es_supplier_view *view, enum stmt_id id,
			   const struct es_event *ev, struct es_error *err)
{
	sqlite3_bind_int64(view->stmt[id], 1, ev->product_id);
	return es_sql_run(view->stmt[id], err);
}

static int on_created(struct es_supplier_view *view, const struct es_event *ev,
		      struct es_error *err)
{
	const struct es_product_created *c = &ev->created;
	sqlite3_stmt *put = view->stmt[ST_PUT_PRODUCT];
	sqlite3_stmt *count = view->stmt[ST_COUNT_PRODUCT];
	int rc;

	rc = run_for_product(view, ST_UNCOUNT, ev, err);
	if (rc == ES_OK && sqlite3_changes(view->db) > 0)
		rc = es_sql_run(view->stmt[ST_DROP_EMPTY], err);
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_int64(put, 1, ev->product_id);
	sqlite3_bind_text(put, 2, c->supplier_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(put, 3, c->stock);
	rc = es_sql_run(put, err);
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_text(count, 1, c->supplier_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(count, 2, c->stock);
	return es_sql_run(count, err);
}

/*
 * A StockUpdated, or a StockCorrected (step 15): the stock is new_stock.
 * The supplier's row, then the product's own.
 */
static int on_stock_updated(struct es_supplier_view *view,
			    const struct es_event *ev, int64_t new_stock,
			    struct es_error *err)
{
	int rc;

	sqlite3_bind_int64(view->stmt[ST_STOCK_SUMMARY], 2, new_stock);
	rc = run_for_product(view, ST_STOCK_SUMMARY, ev, err);
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_int64(view->stmt[ST_STOCK_PRODUCT], 2, new_stock);
	return run_for_product(view, ST_STOCK_PRODUCT, ev, err);
}

static int on_viewed(struct es_supplier_view *view, const struct es_event *ev,
		     struct es_error *err)
{
	int rc;

	rc = run_for_product(view, ST_VIEW_SUMMARY, ev, err);
	if (rc != ES_OK)
		return rc;
	return run_for_product(view, ST_VIEW_PRODUCT, ev, err);
}

int es_supplier_view_apply(struct es_supplier_view *view,
			   const struct es_event *ev, struct es_error *err)
{
	assert(view != NULL);
	assert(ev != NULL);

	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		return on_created(view, ev, err);
	case ES_STOCK_UPDATED:
		return on_stock_updated(view, ev, ev->stock.new_stock, err);
	case ES_PRICE_CHANGED:
		return ES_OK; /* prices are not in this view */
	case ES_PRODUCT_VIEWED:
		return on_viewed(view, ev, err);
	case ES_STOCK_CORRECTED: /* step 15 */
		return on_stock_updated(view, ev, ev->corrected.new_stock, err);
	}
	/* Only a type outside the enum gets here. */
	return es_error_set(err, ES_EINVAL, "unknown event type %d",
			    (int)ev->type);
}

int es_supplier_view_reset(struct es_supplier_view *view, struct es_error *err)
{
	int rc;

	assert(view != NULL);

	rc = es_sql_run(view->stmt[ST_DELETE_SUMMARY], err);
	if (rc != ES_OK)
		return rc;
	return es_sql_run(view->stmt[ST_DELETE_PRODUCTS], err);
}

/* es_store_load_all() callback: `ctx` is the view. */
static int rebuild_one(void *ctx, const struct es_event *ev,
		       struct es_error *err)
{
	return es_supplier_view_apply(ctx, ev, err);
}

int es_supplier_view_rebuild(struct es_supplier_view *view,
			     struct es_store *store, struct es_error *err)
{
	int rc;

	assert(view != NULL);
	assert(store != NULL);

	rc = es_sql_run(view->stmt[ST_BEGIN], err);
	if (rc != ES_OK)
		return rc;
	rc = es_supplier_view_reset(view, err);
	if (rc == ES_OK)
		rc = es_store_load_all(store, rebuild_one, view, err);
	return es_sql_commit_or_rollback(rc, view->stmt[ST_COMMIT],
					 view->stmt[ST_ROLLBACK], err);
}
