/*
 * notifier.c - low-stock notifications, sent once per event that calls for
 * one, at least once across crashes (see notifier.h).
 *
 * The notifier is a consumer of the log with a checkpoint of its own, in
 * tables of its own: rebuild never runs it, and replaying the views never
 * moves it. For each event that calls for a notification it sends, and
 * only then saves its state past the event. The state saved with the
 * checkpoint (each product's stock) is what decides the next
 * notification, so a run that is cut short starts again from a state that
 * agrees with its checkpoint.
 */
#include "notifier.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#include "es_sql.h"
#include "insights.h" /* ES_LOW_STOCK_THRESHOLD */

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS notifier_checkpoint (\n"
	"    id             INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"    last_event_id  INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS notifier_stock (\n"
	"    product_id  INTEGER PRIMARY KEY,\n"
	"    stock       INTEGER NOT NULL\n"
	");\n";

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_CHECKPOINT,
	ST_SAVE_CHECKPOINT,
	ST_STOCK,
	ST_SAVE_STOCK,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_CHECKPOINT] = "SELECT last_event_id FROM notifier_checkpoint"
			  " WHERE id = 1",
	[ST_SAVE_CHECKPOINT] = "INSERT INTO notifier_checkpoint VALUES (1, ?)"
			       " ON CONFLICT (id) DO UPDATE"
			       " SET last_event_id = excluded.last_event_id",
	[ST_STOCK] = "SELECT stock FROM notifier_stock WHERE product_id = ?",
	[ST_SAVE_STOCK] = "INSERT INTO notifier_stock VALUES (?, ?)"
			  " ON CONFLICT (product_id) DO UPDATE"
			  " SET stock = excluded.stock",
};

struct es_notifier {
	sqlite3 *db;		      /* borrowed */
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared on it */
};

int es_notifier_open(struct es_notifier **out, sqlite3 *read_db,
		     struct es_error *err)
{
	struct es_notifier *n;
	int rc;

	assert(out != NULL && read_db != NULL);
	if (sqlite3_exec(read_db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return es_sql_error(read_db, err);
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	n->db = read_db;
	rc = es_sql_prepare_all(n->stmt, read_db, stmt_sql, ST_COUNT, err);
	if (rc != ES_OK) {
		free(n);
		return rc;
	}
	*out = n;
	return ES_OK;
}

void es_notifier_close(struct es_notifier *notifier)
{
	if (notifier == NULL)
		return;
	es_sql_finalize_all(notifier->stmt, ST_COUNT);
	free(notifier);
}

/*
 * Step `stmt`, a SELECT of one integer bound already: `*found` says
 * whether it returned a row, `*out` its value. Resets `stmt`.
 */
static int select_int(int64_t *out, bool *found, struct es_notifier *n,
		      sqlite3_stmt *stmt, struct es_error *err)
{
	int step = sqlite3_step(stmt);
	int rc = ES_OK;

	*found = step == SQLITE_ROW;
	if (*found)
		*out = sqlite3_column_int64(stmt, 0);
	else if (step != SQLITE_DONE)
		rc = es_sql_error(n->db, err);
	sqlite3_reset(stmt);
	return rc;
}

int es_notifier_checkpoint(int64_t *out, struct es_notifier *notifier,
			   struct es_error *err)
{
	bool found;

	assert(out != NULL && notifier != NULL);
	*out = 0; /* no row yet: a new notifier starts at the beginning */
	return select_int(out, &found, notifier, notifier->stmt[ST_CHECKPOINT],
			  err);
}

/* What one run works with. */
struct run {
	struct es_notifier *n;
	es_notify_fn send;
	void *ctx;
	int64_t sent;
};

/*
 * Save the checkpoint and the stock table past the event just dealt with:
 * commit, and open the next transaction.
 */
static int save(struct es_notifier *n, struct es_error *err)
{
	int rc = es_sql_run(n->stmt[ST_COMMIT], err);

	if (rc == ES_OK)
		rc = es_sql_run(n->stmt[ST_BEGIN], err);
	return rc;
}

/* The stock `ev` leaves its product with; false when it sets none. */
static bool stock_after(int64_t *stock, const struct es_event *ev)
{
	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		*stock = ev->created.stock;
		return true;
	case ES_STOCK_UPDATED:
		*stock = ev->stock.new_stock;
		return true;
	case ES_STOCK_CORRECTED:
		*stock = ev->corrected.new_stock;
		return true;
	case ES_PRICE_CHANGED:
	case ES_PRODUCT_VIEWED:
		return false;
	}
	return false;
}

/*
 * One event: move the checkpoint past it, keep the stock it sets, and
 * when it takes the stock below the threshold, send, then save. A stock
 * change of a product never created changes nothing, as in the views. An
 * es_event_fn.
 */
static int on_event(void *ctx, const struct es_event *ev, struct es_error *err)
{
	struct run *r = ctx;
	struct es_notifier *n = r->n;
	struct es_notification note;
	int64_t stock, before = 0;
	bool known = false;
	int rc;

	sqlite3_bind_int64(n->stmt[ST_SAVE_CHECKPOINT], 1, ev->id);
	rc = es_sql_run(n->stmt[ST_SAVE_CHECKPOINT], err);
	if (rc != ES_OK || !stock_after(&stock, ev))
		return rc;
	sqlite3_bind_int64(n->stmt[ST_STOCK], 1, ev->product_id);
	rc = select_int(&before, &known, n, n->stmt[ST_STOCK], err);
	if (rc != ES_OK || (!known && ev->type != ES_PRODUCT_CREATED))
		return rc;
	sqlite3_bind_int64(n->stmt[ST_SAVE_STOCK], 1, ev->product_id);
	sqlite3_bind_int64(n->stmt[ST_SAVE_STOCK], 2, stock);
	rc = es_sql_run(n->stmt[ST_SAVE_STOCK], err);
	if (rc != ES_OK || stock >= ES_LOW_STOCK_THRESHOLD ||
	    (known && before < ES_LOW_STOCK_THRESHOLD))
		return rc;
	note = (struct es_notification){ev->product_id, stock, ev->id};
	rc = r->send(r->ctx, &note, err);
	if (rc != ES_OK)
		return rc; /* not saved: the next run sends it */
	r->sent++;
	return save(n, err); /* sent, then saved: never lost */
}

int es_notifier_run(int64_t *sent, struct es_notifier *notifier,
		    struct es_store *store, es_notify_fn send, void *ctx,
		    struct es_error *err)
{
	struct run r = {notifier, send, ctx, 0};
	int64_t after = 0;
	int rc;

	assert(notifier != NULL && store != NULL && send != NULL);
	rc = es_sql_run(notifier->stmt[ST_BEGIN], err);
	if (rc == ES_OK)
		rc = es_notifier_checkpoint(&after, notifier, err);
	if (rc == ES_OK)
		rc = es_store_load_after(store, after, on_event, &r, err);
	rc = es_sql_commit_or_rollback(rc, notifier->stmt[ST_COMMIT],
				       notifier->stmt[ST_ROLLBACK], err);
	if (sent != NULL)
		*sent = r.sent;
	return rc;
}
