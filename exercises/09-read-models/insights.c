/*
 * insights.c - step 9: two new read models (see insights.h). You define
 * struct es_insights here (the statements you prepare once, on the
 * borrowed read database, with step 0's es_sql.h), create the tables, and
 * keep view_count_summary and low_stock_alert_view up to date, event by
 * event.
 *
 * Run make check STEP=9 to see what is missing.
 */
#include "insights.h"

#include "es_sql.h"

int es_insights_open(struct es_insights **out, sqlite3 *read_db,
		     struct es_error *err)
{
	/*
	 * TODO: sqlite3_exec() the three CREATE TABLE IF NOT EXISTS of
	 * insights.h (view_count_summary, low_stock_alert_view, stock_level),
	 * then calloc() the handle and es_sql_prepare_all() every statement
	 * you need on read_db (borrowed): count a view (INSERT ... ON
	 * CONFLICT DO UPDATE), set a product's stock_level, delete and
	 * re-insert its alert row, and the three DELETEs of reset. On
	 * failure (es_sql_error() for the CREATE TABLEs) err holds SQLite's
	 * message: free what you allocated and return the code.
	 * See docs/09-read-models.md, "Insights: a read model with its own
	 * tables".
	 */
	(void)read_db;
	*out = NULL;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 9: es_insights_open is not implemented yet");
}

void es_insights_close(struct es_insights *ins)
{
	/*
	 * TODO: return when ins is NULL; es_sql_finalize_all() the
	 * statements and free the handle. The read database is borrowed: do
	 * not close it.
	 */
	(void)ins;
}

int es_insights_apply(struct es_insights *ins, const struct es_event *ev,
		      struct es_error *err)
{
	/*
	 * TODO: switch on ev->type (every case, no default:). Created:
	 * INSERT OR REPLACE its stock_level row (id, name, stock).
	 * StockUpdated: UPDATE the stock_level row. After either, make the
	 * alert row agree: DELETE it, then INSERT ... SELECT from
	 * stock_level WHERE product_id = ? AND stock < the threshold.
	 * Viewed: add one to view_count_summary. PriceChanged: nothing.
	 * Bind, then es_sql_run() each statement. No transaction here: the
	 * caller holds one.
	 * See docs/09-read-models.md, "Insights: a read model with its own
	 * tables".
	 */
	(void)ins;
	(void)ev;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 9: es_insights_apply is not implemented yet");
}

int es_insights_reset(struct es_insights *ins, struct es_error *err)
{
	/*
	 * TODO: es_sql_run() a DELETE FROM each of the three tables, with no
	 * transaction of your own, and return the first error.
	 */
	(void)ins;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 9: es_insights_reset is not implemented yet");
}
