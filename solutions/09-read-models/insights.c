/*
 * insights.c - view_count_summary and low_stock_alert_view.
 *
 * The same shape as the step 6 projector: statements prepared once, in a
 * table indexed by an enum (es_sql.h); per event, bind, es_sql_run(); no
 * transaction here (the caller owns it). What is new is that the tables are
 * created here, when missing: a new read model brings its own schema, and a
 * rebuild fills it from the log.
 */
#include "insights.h"

#include <assert.h>
#include <stdlib.h>

#include "es_sql.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS view_count_summary ("
	" product_id INTEGER PRIMARY KEY,"
	" view_count INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS low_stock_alert_view ("
	" product_id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" stock INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS stock_level ("
	" product_id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" stock INTEGER NOT NULL);";

enum stmt_id {
	ST_COUNT_VIEW,
	ST_LEVEL_CREATED,
	ST_LEVEL_STOCK,
	ST_ALERT_DELETE,
	ST_ALERT_INSERT,
	ST_RESET_SUMMARY,
	ST_RESET_ALERT,
	ST_RESET_LEVEL,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_COUNT_VIEW] = "INSERT INTO view_count_summary VALUES (?, 1)"
			  " ON CONFLICT (product_id)"
			  " DO UPDATE SET view_count = view_count + 1",
	[ST_LEVEL_CREATED] = "INSERT OR REPLACE INTO stock_level"
			     " VALUES (?, ?, ?)",
	[ST_LEVEL_STOCK] = "UPDATE stock_level SET stock = ?"
			   " WHERE product_id = ?",
	/* The alert row of a product follows its stock_level row. */
	[ST_ALERT_DELETE] = "DELETE FROM low_stock_alert_view"
			    " WHERE product_id = ?",
	[ST_ALERT_INSERT] = "INSERT INTO low_stock_alert_view"
			    " SELECT product_id, name, stock FROM stock_level"
			    " WHERE product_id = ? AND stock < ?",
	[ST_RESET_SUMMARY] = "DELETE FROM view_count_summary",
	[ST_RESET_ALERT] = "DELETE FROM low_stock_alert_view",
	[ST_RESET_LEVEL] = "DELETE FROM stock_level",
};

struct es_insights {
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared on the borrowed read DB */
};

int es_insights_open(struct es_insights **out, sqlite3 *read_db,
		     struct es_error *err)
{
	struct es_insights *ins;
	int rc;

	assert(out != NULL);
	assert(read_db != NULL);

	if (sqlite3_exec(read_db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return es_sql_error(read_db, err);
	ins = calloc(1, sizeof(*ins));
	if (ins == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	rc = es_sql_prepare_all(ins->stmt, read_db, stmt_sql, ST_COUNT, err);
	if (rc != ES_OK) {
		free(ins);
		return rc;
	}
	*out = ins;
	return ES_OK;
}

void es_insights_close(struct es_insights *ins)
{
	if (ins == NULL)
		return;
	es_sql_finalize_all(ins->stmt, ST_COUNT);
	free(ins);
}

/* Make the product's alert row agree with its stock_level row. */
static int refresh_alert(struct es_insights *ins, int64_t product_id,
			 struct es_error *err)
{
	sqlite3_stmt *drop = ins->stmt[ST_ALERT_DELETE];
	sqlite3_stmt *insert = ins->stmt[ST_ALERT_INSERT];
	int rc;

	sqlite3_bind_int64(drop, 1, product_id);
	rc = es_sql_run(drop, err);
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_int64(insert, 1, product_id);
	sqlite3_bind_int64(insert, 2, ES_LOW_STOCK_THRESHOLD);
	return es_sql_run(insert, err);
}

static int on_created(struct es_insights *ins, const struct es_event *ev,
		      struct es_error *err)
{
	sqlite3_stmt *level = ins->stmt[ST_LEVEL_CREATED];
	int rc;

	sqlite3_bind_int64(level, 1, ev->product_id);
	sqlite3_bind_text(level, 2, ev->created.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(level, 3, ev->created.stock);
	rc = es_sql_run(level, err);
	if (rc != ES_OK)
		return rc;
	return refresh_alert(ins, ev->product_id, err);
}

/*
 * A StockUpdated, or a StockCorrected (step 15): the stock is new_stock. A
 * product never created has no stock_level row: nothing changes.
 */
static int on_stock_updated(struct es_insights *ins, const struct es_event *ev,
			    int64_t new_stock, struct es_error *err)
{
	sqlite3_stmt *level = ins->stmt[ST_LEVEL_STOCK];
	int rc;

	sqlite3_bind_int64(level, 1, new_stock);
	sqlite3_bind_int64(level, 2, ev->product_id);
	rc = es_sql_run(level, err);
	if (rc != ES_OK)
		return rc;
	return refresh_alert(ins, ev->product_id, err);
}

static int on_viewed(struct es_insights *ins, const struct es_event *ev,
		     struct es_error *err)
{
	sqlite3_stmt *count = ins->stmt[ST_COUNT_VIEW];

	sqlite3_bind_int64(count, 1, ev->product_id);
	return es_sql_run(count, err);
}

int es_insights_apply(struct es_insights *ins, const struct es_event *ev,
		      struct es_error *err)
{
	assert(ins != NULL);
	assert(ev != NULL);

	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		return on_created(ins, ev, err);
	case ES_STOCK_UPDATED:
		return on_stock_updated(ins, ev, ev->stock.new_stock, err);
	case ES_PRICE_CHANGED:
		return ES_OK;
	case ES_PRODUCT_VIEWED:
		return on_viewed(ins, ev, err);
	case ES_STOCK_CORRECTED: /* step 15 */
		return on_stock_updated(ins, ev, ev->corrected.new_stock, err);
	}
	/* Only a type outside the enum gets here. */
	return es_error_set(err, ES_EINVAL, "unknown event type %d",
			    (int)ev->type);
}

int es_insights_reset(struct es_insights *ins, struct es_error *err)
{
	int rc;

	assert(ins != NULL);

	rc = es_sql_run(ins->stmt[ST_RESET_SUMMARY], err);
	if (rc == ES_OK)
		rc = es_sql_run(ins->stmt[ST_RESET_ALERT], err);
	if (rc == ES_OK)
		rc = es_sql_run(ins->stmt[ST_RESET_LEVEL], err);
	return rc;
}
