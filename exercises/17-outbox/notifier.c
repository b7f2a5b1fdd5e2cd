/*
 * notifier.c - step 17: low-stock notifications, kept out of replay by a
 * checkpoint of their own (see notifier.h).
 *
 * Run make check STEP=17 to see what is missing.
 */
#include "notifier.h"

int es_notifier_open(struct es_notifier **out, sqlite3 *read_db,
		     struct es_error *err)
{
	/*
	 * TODO: create the two tables (CREATE TABLE IF NOT EXISTS), calloc
	 * the handle, keep read_db and prepare the statements you need
	 * (es_sql_prepare_all): BEGIN IMMEDIATE, COMMIT, ROLLBACK, the
	 * checkpoint's SELECT and upsert, a product's stock SELECT and
	 * upsert.
	 * See docs/17-outbox.md, "The notifier's own state".
	 */
	(void)read_db;
	*out = NULL;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 17: es_notifier_open is not implemented yet");
}

void es_notifier_close(struct es_notifier *notifier)
{
	/* TODO: finalize the statements and free the handle. */
	(void)notifier;
}

int es_notifier_checkpoint(int64_t *out, struct es_notifier *notifier,
			   struct es_error *err)
{
	/* TODO: the row's last_event_id, or 0 when there is no row yet. */
	(void)notifier;
	*out = 0;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 17: es_notifier_checkpoint is not implemented yet");
}

int es_notifier_run(int64_t *sent, struct es_notifier *notifier,
		    struct es_store *store, es_notify_fn send, void *ctx,
		    struct es_error *err)
{
	/*
	 * TODO: BEGIN; es_store_load_after() the checkpoint, with a
	 * callback that moves the checkpoint past each event, keeps the
	 * stock each event sets, and for an event that takes a stock below
	 * ES_LOW_STOCK_THRESHOLD calls send(), then commits and begins
	 * again. Commit at the end; roll back on any failure.
	 * See docs/17-outbox.md, "Send, then save".
	 */
	(void)notifier;
	(void)store;
	(void)send;
	(void)ctx;
	if (sent != NULL)
		*sent = 0;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 17: es_notifier_run is not implemented yet");
}
