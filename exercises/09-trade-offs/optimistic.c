/*
 * optimistic.c - step 9: optimistic concurrency (see optimistic.h). You
 * define struct es_optimistic here (the borrowed store and snapshots, the
 * clock, the hook, and the COUNT(*) statement you prepare once) and write
 * the checked append and the handler that retries once.
 *
 * Run make check STEP=9 to see what is missing.
 */
#include "optimistic.h"

#include <string.h>

int es_optimistic_open(struct es_optimistic **out, struct es_store *store,
		       struct es_clock clock, struct es_snapshots *snaps,
		       struct es_error *err)
{
	/*
	 * TODO: calloc() the handle, keep store, clock and snaps (may be
	 * NULL), and sqlite3_prepare_v2() "SELECT COUNT(*) FROM events WHERE
	 * product_id = ?" on es_store_db(store). On failure copy
	 * sqlite3_errmsg() into err, free what you made, return ES_EDB.
	 * See docs/09-trade-offs.md, "Optimistic concurrency in C".
	 */
	(void)store;
	(void)clock;
	(void)snaps;
	*out = NULL;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 9: es_optimistic_open is not implemented yet");
}

void es_optimistic_close(struct es_optimistic *opt)
{
	/*
	 * TODO: return when opt is NULL; finalize the statement, free the
	 * handle. The store and the snapshots are borrowed.
	 * See docs/09-trade-offs.md, "Optimistic concurrency in C".
	 */
	(void)opt;
}

void es_optimistic_set_hook(struct es_optimistic *opt, es_optimistic_hook fn,
			    void *ctx)
{
	/*
	 * TODO: keep fn and ctx in the handle, for es_optimistic_handle()
	 * to call after each load.
	 * See docs/09-trade-offs.md, "Optimistic concurrency in C".
	 */
	(void)opt;
	(void)fn;
	(void)ctx;
}

int es_optimistic_append(struct es_optimistic *opt, struct es_event *ev,
			 int64_t expected_version, struct es_error *err)
{
	/*
	 * TODO: join the store's open transaction, or es_store_begin() one
	 * of your own (sqlite3_get_autocommit() tells which). Count the
	 * product's events; when the count is not expected_version, return
	 * ES_ECONFLICT "Product 1 changed while you worked: expected version
	 * 3, found 4". Otherwise es_store_append(). Commit your own
	 * transaction, or roll it back on any failure.
	 * See docs/09-trade-offs.md, "Optimistic concurrency in C".
	 */
	(void)opt;
	(void)ev;
	(void)expected_version;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 9: es_optimistic_append is not implemented yet");
}

int es_optimistic_handle(struct es_event *out, struct es_optimistic *opt,
			 const struct es_command *cmd, struct es_error *err)
{
	/*
	 * TODO: zero *out; refuse CreateProduct and RecordProductView
	 * (ES_EINVAL "CreateProduct is not handled here: use es_handle").
	 * Then at most ES_OPTIMISTIC_ATTEMPTS times: load the product (with
	 * es_snapshots_load() when the handle has snapshots, else
	 * es_store_load() + es_product_replay()), call the hook, check step
	 * 5's rules, stamp the event with the clock, and in one transaction
	 * es_optimistic_append() it expecting the version you loaded (with
	 * snapshots: apply it to the product and es_snapshots_after_append()
	 * before the commit). Only ES_ECONFLICT goes round again.
	 * See docs/09-trade-offs.md, "Optimistic concurrency in C".
	 */
	(void)opt;
	(void)cmd;
	memset(out, 0, sizeof(*out));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 9: es_optimistic_handle is not implemented yet");
}
