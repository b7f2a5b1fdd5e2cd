/*
 * projector.c - events -> view tables.
 *
 * Every statement is prepared once, in es_projector_open(), and reused:
 * bind, then es_sql_run() (step, reset; see es_sql.h). Projecting one
 * event is one transaction; rebuilding is one transaction around the
 * whole log, so the per-event work inside it (es_projector_apply) handles
 * no transaction of its own, and neither does wiping the views
 * (es_projector_reset).
 */
#include "projector.h"

#include <assert.h>
#include <stdlib.h>

#include "es_sql.h"

enum stmt_id {
	ST_INSERT_DETAIL,
	ST_INSERT_LIST,
	ST_STOCK_DETAIL,
	ST_STOCK_LIST,
	ST_PRICE_DETAIL,
	ST_PRICE_LIST,
	ST_VIEWED_DETAIL,
	ST_DELETE_DETAIL,
	ST_DELETE_LIST,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

/* The seed's statements; positional VALUES follow read_db.h's columns. */
static const char *const stmt_sql[ST_COUNT] = {
	[ST_INSERT_DETAIL] = "INSERT OR REPLACE INTO product_detail_view "
			     "VALUES (?,?,?,?,?,?,?,?,?)",
	[ST_INSERT_LIST] = "INSERT OR REPLACE INTO product_list_view "
			   "VALUES (?,?,?,?,?)",
	[ST_STOCK_DETAIL] = "UPDATE product_detail_view "
			    "SET stock=?, updated_at=? WHERE id=?",
	[ST_STOCK_LIST] = "UPDATE product_list_view SET stock=? WHERE id=?",
	[ST_PRICE_DETAIL] = "UPDATE product_detail_view "
			    "SET price=?, updated_at=? WHERE id=?",
	[ST_PRICE_LIST] = "UPDATE product_list_view SET price=? WHERE id=?",
	[ST_VIEWED_DETAIL] = "UPDATE product_detail_view "
			     "SET view_count = view_count + 1 WHERE id=?",
	[ST_DELETE_DETAIL] = "DELETE FROM product_detail_view",
	[ST_DELETE_LIST] = "DELETE FROM product_list_view",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct es_projector {
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared on the borrowed read DB */
};

int es_projector_open(struct es_projector **out, sqlite3 *read_db,
		      struct es_error *err)
{
	struct es_projector *prj;
	int rc;

	assert(out != NULL);
	assert(read_db != NULL);

	prj = calloc(1, sizeof(*prj));
	if (prj == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	rc = es_sql_prepare_all(prj->stmt, read_db, stmt_sql, ST_COUNT, err);
	if (rc != ES_OK) {
		free(prj);
		return rc;
	}
	*out = prj;
	return ES_OK;
}

void es_projector_close(struct es_projector *prj)
{
	if (prj == NULL)
		return;
	es_sql_finalize_all(prj->stmt, ST_COUNT);
	free(prj);
}

/*
 * Binding: text is bound SQLITE_STATIC, as the event outlives the step,
 * and a NULL string binds SQL NULL (a missing description). A bind fails
 * only for a wrong parameter index, which is a bug the tests catch, so the
 * results are not checked.
 */
static void bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
	sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
}

static int on_created(struct es_projector *prj, const struct es_event *ev,
		      struct es_error *err)
{
	const struct es_product_created *c = &ev->created;
	sqlite3_stmt *detail = prj->stmt[ST_INSERT_DETAIL];
	sqlite3_stmt *list = prj->stmt[ST_INSERT_LIST];
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
	rc = es_sql_run(detail, err);
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_int64(list, 1, ev->product_id);
	bind_text(list, 2, c->name);
	sqlite3_bind_double(list, 3, c->price);
	sqlite3_bind_int64(list, 4, c->stock);
	bind_text(list, 5, c->supplier_name);
	return es_sql_run(list, err);
}

/* A StockUpdated, or a StockCorrected (step 15): the stock is new_stock. */
static int on_stock_updated(struct es_projector *prj, const struct es_event *ev,
			    int64_t new_stock, struct es_error *err)
{
	sqlite3_stmt *detail = prj->stmt[ST_STOCK_DETAIL];
	sqlite3_stmt *list = prj->stmt[ST_STOCK_LIST];
	int rc;

	sqlite3_bind_int64(detail, 1, new_stock);
	bind_text(detail, 2, ev->occurred_at);
	sqlite3_bind_int64(detail, 3, ev->product_id);
	rc = es_sql_run(detail, err);
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_int64(list, 1, new_stock);
	sqlite3_bind_int64(list, 2, ev->product_id);
	return es_sql_run(list, err);
}

static int on_price_changed(struct es_projector *prj, const struct es_event *ev,
			    struct es_error *err)
{
	sqlite3_stmt *detail = prj->stmt[ST_PRICE_DETAIL];
	sqlite3_stmt *list = prj->stmt[ST_PRICE_LIST];
	int rc;

	sqlite3_bind_double(detail, 1, ev->price.new_price);
	bind_text(detail, 2, ev->occurred_at);
	sqlite3_bind_int64(detail, 3, ev->product_id);
	rc = es_sql_run(detail, err);
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_double(list, 1, ev->price.new_price);
	sqlite3_bind_int64(list, 2, ev->product_id);
	return es_sql_run(list, err);
}

static int on_viewed(struct es_projector *prj, const struct es_event *ev,
		     struct es_error *err)
{
	sqlite3_stmt *detail = prj->stmt[ST_VIEWED_DETAIL];

	sqlite3_bind_int64(detail, 1, ev->product_id);
	return es_sql_run(detail, err);
}

int es_projector_apply(struct es_projector *prj, const struct es_event *ev,
		       struct es_error *err)
{
	assert(prj != NULL);
	assert(ev != NULL);

	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		return on_created(prj, ev, err);
	case ES_STOCK_UPDATED:
		return on_stock_updated(prj, ev, ev->stock.new_stock, err);
	case ES_PRICE_CHANGED:
		return on_price_changed(prj, ev, err);
	case ES_PRODUCT_VIEWED:
		return on_viewed(prj, ev, err);
	case ES_STOCK_CORRECTED: /* step 15 */
		return on_stock_updated(prj, ev, ev->corrected.new_stock, err);
	}
	/* Only a type outside the enum gets here. */
	return es_error_set(err, ES_EINVAL, "unknown event type %d",
			    (int)ev->type);
}

int es_projector_project(struct es_projector *prj, const struct es_event *ev,
			 struct es_error *err)
{
	int rc;

	assert(prj != NULL);
	assert(ev != NULL);

	rc = es_sql_run(prj->stmt[ST_BEGIN], err);
	if (rc != ES_OK)
		return rc;
	rc = es_projector_apply(prj, ev, err);
	return es_sql_commit_or_rollback(rc, prj->stmt[ST_COMMIT],
					 prj->stmt[ST_ROLLBACK], err);
}

int es_projector_reset(struct es_projector *prj, struct es_error *err)
{
	int rc;

	assert(prj != NULL);

	rc = es_sql_run(prj->stmt[ST_DELETE_DETAIL], err);
	if (rc != ES_OK)
		return rc;
	return es_sql_run(prj->stmt[ST_DELETE_LIST], err);
}

/* es_store_load_all() callback: `ctx` is the projector. */
static int rebuild_one(void *ctx, const struct es_event *ev,
		       struct es_error *err)
{
	return es_projector_apply(ctx, ev, err);
}

int es_projector_rebuild_all(struct es_projector *prj, struct es_store *store,
			     struct es_error *err)
{
	int rc;

	assert(prj != NULL);
	assert(store != NULL);

	rc = es_sql_run(prj->stmt[ST_BEGIN], err);
	if (rc != ES_OK)
		return rc;
	rc = es_projector_reset(prj, err);
	if (rc == ES_OK)
		rc = es_store_load_all(store, rebuild_one, prj, err);
	return es_sql_commit_or_rollback(rc, prj->stmt[ST_COMMIT],
					 prj->stmt[ST_ROLLBACK], err);
}
