/*
 * bench_rebuild.c - `catalog rebuild` against a bare loop.
 *
 * The bare loop is the least a rebuild of the views from the log has to
 * do, written plainly: read every event in id order, decoded as the
 * project decodes it (es_store_load_after), and for each one run one
 * cached prepared statement per view the event changes, all in one
 * transaction on a fresh read DB:
 *
 *   event            product_detail  product_list  stock_level  low_stock
 *                                                                (alert)
 *   ProductCreated   insert          insert        insert       set/clear
 *   StockUpdated     stock           stock         stock        set/clear
 *   StockCorrected   stock           stock         stock        set/clear
 *   PriceChanged     price           price         -            -
 *   ProductViewed    view_count + 1  -             -            -
 *
 * and a ProductViewed also adds one to view_count_summary. The alert row
 * is set (from stock_level) when the new stock is below the threshold,
 * and cleared otherwise. This is what solutions/06-projector/projector.c
 * and solutions/09-read-models/insights.c do to these tables; a faster
 * rebuild has to do less per event than this loop.
 *
 * Both start from no read DB and end with a full one; the catalog's time
 * is its whole process. The log grows from one size to the next (one
 * transaction each), and both are timed at each size.
 */
#include <stdio.h>

#include <sqlite3.h>

#include "bench.h"
#include "es_sql.h"
#include "insights.h"
#include "read_db.h"

enum stmt_id {
	ST_DETAIL_CREATE,
	ST_LIST_CREATE,
	ST_LEVEL_CREATE,
	ST_DETAIL_STOCK,
	ST_LIST_STOCK,
	ST_LEVEL_STOCK,
	ST_DETAIL_PRICE,
	ST_LIST_PRICE,
	ST_DETAIL_VIEW,
	ST_SUMMARY_VIEW,
	ST_ALERT_SET,
	ST_ALERT_CLEAR,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_DETAIL_CREATE] = "INSERT OR REPLACE INTO product_detail_view"
			     " VALUES (?,?,?,?,?,?,?,?,?)",
	[ST_LIST_CREATE] = "INSERT OR REPLACE INTO product_list_view"
			   " VALUES (?,?,?,?,?)",
	[ST_LEVEL_CREATE] = "INSERT OR REPLACE INTO stock_level"
			    " VALUES (?,?,?)",
	[ST_DETAIL_STOCK] = "UPDATE product_detail_view"
			    " SET stock=?, updated_at=? WHERE id=?",
	[ST_LIST_STOCK] = "UPDATE product_list_view SET stock=? WHERE id=?",
	[ST_LEVEL_STOCK] = "UPDATE stock_level SET stock=?"
			   " WHERE product_id=?",
	[ST_DETAIL_PRICE] = "UPDATE product_detail_view"
			    " SET price=?, updated_at=? WHERE id=?",
	[ST_LIST_PRICE] = "UPDATE product_list_view SET price=? WHERE id=?",
	[ST_DETAIL_VIEW] = "UPDATE product_detail_view"
			   " SET view_count = view_count + 1 WHERE id=?",
	[ST_SUMMARY_VIEW] = "INSERT INTO view_count_summary VALUES (?, 1)"
			    " ON CONFLICT (product_id)"
			    " DO UPDATE SET view_count = view_count + 1",
	[ST_ALERT_SET] = "INSERT OR REPLACE INTO low_stock_alert_view"
			 " SELECT product_id, name, stock FROM stock_level"
			 " WHERE product_id=?",
	[ST_ALERT_CLEAR] = "DELETE FROM low_stock_alert_view"
			   " WHERE product_id=?",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

/* The bare loop's state, and what bench_repeat() hands it. */
struct bare_loop {
	struct es_store *store; /* the log, borrowed */
	char path[600];		/* its read DB, made again each run */
	sqlite3_stmt *stmt[ST_COUNT];
};

/* Bind text that outlives the step; NULL binds SQL NULL. */
static void bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
	sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
}

/* Run the statement that makes the product's alert row agree with its
 * stock: set it (from stock_level) below the threshold, else clear it. */
static int alert(struct bare_loop *bl, int64_t id, int64_t stock,
		 struct es_error *err)
{
	sqlite3_stmt *stmt =
		bl->stmt[stock < ES_LOW_STOCK_THRESHOLD ? ST_ALERT_SET
							: ST_ALERT_CLEAR];

	sqlite3_bind_int64(stmt, 1, id);
	return es_sql_run(stmt, err);
}

static int on_created(struct bare_loop *bl, const struct es_event *ev,
		      struct es_error *err)
{
	const struct es_product_created *c = &ev->created;
	sqlite3_stmt *detail = bl->stmt[ST_DETAIL_CREATE];
	sqlite3_stmt *list = bl->stmt[ST_LIST_CREATE];
	sqlite3_stmt *level = bl->stmt[ST_LEVEL_CREATE];
	int rc;

	sqlite3_bind_int64(detail, 1, ev->product_id);
	bind_text(detail, 2, c->name);
	bind_text(detail, 3, c->description);
	sqlite3_bind_double(detail, 4, c->price);
	sqlite3_bind_int64(detail, 5, c->stock);
	sqlite3_bind_int64(detail, 6, 0);
	bind_text(detail, 7, c->supplier_name);
	bind_text(detail, 8, ev->occurred_at);
	bind_text(detail, 9, ev->occurred_at);
	sqlite3_bind_int64(list, 1, ev->product_id);
	bind_text(list, 2, c->name);
	sqlite3_bind_double(list, 3, c->price);
	sqlite3_bind_int64(list, 4, c->stock);
	bind_text(list, 5, c->supplier_name);
	sqlite3_bind_int64(level, 1, ev->product_id);
	bind_text(level, 2, c->name);
	sqlite3_bind_int64(level, 3, c->stock);
	rc = es_sql_run(detail, err);
	if (rc == ES_OK)
		rc = es_sql_run(list, err);
	if (rc == ES_OK)
		rc = es_sql_run(level, err);
	if (rc == ES_OK)
		rc = alert(bl, ev->product_id, c->stock, err);
	return rc;
}

static int on_stock(struct bare_loop *bl, const struct es_event *ev,
		    int64_t stock, struct es_error *err)
{
	sqlite3_stmt *detail = bl->stmt[ST_DETAIL_STOCK];
	sqlite3_stmt *list = bl->stmt[ST_LIST_STOCK];
	sqlite3_stmt *level = bl->stmt[ST_LEVEL_STOCK];
	int rc;

	sqlite3_bind_int64(detail, 1, stock);
	bind_text(detail, 2, ev->occurred_at);
	sqlite3_bind_int64(detail, 3, ev->product_id);
	sqlite3_bind_int64(list, 1, stock);
	sqlite3_bind_int64(list, 2, ev->product_id);
	sqlite3_bind_int64(level, 1, stock);
	sqlite3_bind_int64(level, 2, ev->product_id);
	rc = es_sql_run(detail, err);
	if (rc == ES_OK)
		rc = es_sql_run(list, err);
	if (rc == ES_OK)
		rc = es_sql_run(level, err);
	if (rc == ES_OK)
		rc = alert(bl, ev->product_id, stock, err);
	return rc;
}

static int on_price(struct bare_loop *bl, const struct es_event *ev,
		    struct es_error *err)
{
	sqlite3_stmt *detail = bl->stmt[ST_DETAIL_PRICE];
	sqlite3_stmt *list = bl->stmt[ST_LIST_PRICE];
	int rc;

	sqlite3_bind_double(detail, 1, ev->price.new_price);
	bind_text(detail, 2, ev->occurred_at);
	sqlite3_bind_int64(detail, 3, ev->product_id);
	sqlite3_bind_double(list, 1, ev->price.new_price);
	sqlite3_bind_int64(list, 2, ev->product_id);
	rc = es_sql_run(detail, err);
	if (rc == ES_OK)
		rc = es_sql_run(list, err);
	return rc;
}

static int on_viewed(struct bare_loop *bl, const struct es_event *ev,
		     struct es_error *err)
{
	sqlite3_stmt *detail = bl->stmt[ST_DETAIL_VIEW];
	sqlite3_stmt *summary = bl->stmt[ST_SUMMARY_VIEW];
	int rc;

	sqlite3_bind_int64(detail, 1, ev->product_id);
	sqlite3_bind_int64(summary, 1, ev->product_id);
	rc = es_sql_run(detail, err);
	if (rc == ES_OK)
		rc = es_sql_run(summary, err);
	return rc;
}

/* es_store_load_after() callback: `ctx` is the bare loop. */
static int bare_event(void *ctx, const struct es_event *ev,
		      struct es_error *err)
{
	struct bare_loop *bl = ctx;

	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		return on_created(bl, ev, err);
	case ES_STOCK_UPDATED:
		return on_stock(bl, ev, ev->stock.new_stock, err);
	case ES_PRICE_CHANGED:
		return on_price(bl, ev, err);
	case ES_PRODUCT_VIEWED:
		return on_viewed(bl, ev, err);
	case ES_STOCK_CORRECTED:
		return on_stock(bl, ev, ev->corrected.new_stock, err);
	}
	return es_error_set(err, ES_EINVAL, "unknown event type %d",
			    (int)ev->type);
}

/* Make a fresh read DB with every view's table, as catalog would. */
static int bare_open(sqlite3 **db, const char *path, struct es_error *err)
{
	struct es_insights *ins = NULL;
	int rc;

	bench_remove_db(path);
	rc = es_read_db_open(db, path, ES_READ_DB_WRITE, err);
	if (rc == ES_OK)
		rc = es_insights_open(&ins, *db, err); /* creates its tables */
	es_insights_close(ins);
	return rc;
}

/* bench_fn: one run of the bare loop, from a fresh read DB. */
static int bare_run(void *ctx, long i, struct es_error *err)
{
	struct bare_loop *bl = ctx;
	sqlite3 *db = NULL;
	int rc = bare_open(&db, bl->path, err);

	(void)i;
	if (rc == ES_OK)
		rc = es_sql_prepare_all(bl->stmt, db, stmt_sql, ST_COUNT, err);
	if (rc == ES_OK)
		rc = es_sql_run(bl->stmt[ST_BEGIN], err);
	if (rc == ES_OK) {
		rc = es_store_load_after(bl->store, 0, bare_event, bl, err);
		rc = es_sql_commit_or_rollback(rc, bl->stmt[ST_COMMIT],
					       bl->stmt[ST_ROLLBACK], err);
	}
	es_sql_finalize_all(bl->stmt, ST_COUNT);
	es_read_db_close(db);
	return rc;
}

/* One rebuild row: the log at `log_path` has `size` events. */
static int rebuild_row(struct bench_plan *plan, struct es_store *store,
		       const char *log_path, long size, struct es_error *err)
{
	struct bench_row row = {"rebuild", size, 0, 0, 0};
	struct bare_loop bl = {store, "", {NULL}};
	char read_path[600];
	const char *const args[] = {"--events", log_path,  "--read",
				    read_path,	"rebuild", NULL};
	struct bench_catalog_run run = {plan, args, 0, read_path};
	int rc;

	if (size == plan->goal_rebuild_size)
		row.goal = 2.5; /* rebuild in at most 0.4x the loop's time */
	bench_path(bl.path, sizeof(bl.path), plan, "bare-read.db");
	bench_path(read_path, sizeof(read_path), plan, "rebuild-read.db");
	rc = bench_repeat(&row.baseline, plan, bare_run, &bl, 1, false, err);
	bench_remove_db(bl.path);
	if (rc != ES_OK)
		return rc;
	rc = bench_repeat(&row.project, plan, bench_catalog, &run, 1, false,
			  err);
	bench_remove_db(read_path);
	if (rc != ES_OK)
		bench_not_measured(plan, row.operation, size, "%s", err->msg);
	else
		bench_report(plan, &row);
	return ES_OK;
}

int bench_rebuild(struct bench_plan *plan, struct es_error *err)
{
	struct es_store *store = NULL;
	char path[600];
	long events = 0;
	int rc;

	bench_path(path, sizeof(path), plan, "rebuild.db");
	rc = es_store_open(&store, path, ES_STORE_WRITE, err);
	for (int k = 0; rc == ES_OK && k < plan->rebuild_count; k++) {
		long size = plan->rebuild_sizes[k];

		rc = es_store_begin(store, err);
		for (; rc == ES_OK && events < size; events++)
			rc = bench_append_mixed(store, events, plan->products,
						err);
		if (rc == ES_OK)
			rc = es_store_commit(store, err);
		else
			es_store_rollback(store);
		if (rc == ES_OK)
			rc = rebuild_row(plan, store, path, size, err);
	}
	es_store_close(store);
	bench_remove_db(path);
	return rc;
}
