/*
 * event_store_version.c - step 13: the event store's part for optimistic
 * concurrency (see event_store.h): a stream's version, kept by a trigger,
 * and the append that expects one. The handle's layout and the helpers
 * the store's files share are in event_store_private.h.
 *
 * Run make check STEP=13 to see what is missing.
 */
#include "event_store_private.h"

int es_store_version(int64_t *out, struct es_store *store, int64_t product_id,
		     struct es_error *err)
{
	/*
	 * TODO: the first time (store->select_version is NULL), on a
	 * writable store, in one write transaction (es_store_write_begin):
	 * when sqlite_master has no table stream_versions, create it, fill
	 * it from the log (one row per product: the COUNT of its events
	 * that are not ProductViewed) and create the AFTER INSERT trigger
	 * that keeps it; then es_store_prepare_once() the SELECT of a
	 * version. A read-only store without the table counts the rows
	 * instead. Then bind, step, and set *out (0 when there is no row).
	 * See docs/13-optimistic.md, "A version kept, not counted".
	 */
	(void)out;
	(void)store;
	(void)product_id;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 13: es_store_version is not implemented yet");
}

int es_store_append_expected(struct es_store *store, struct es_event *ev,
			     int64_t expected_version, struct es_error *err)
{
	/*
	 * TODO: in one write transaction (es_store_write_begin/_end): read
	 * the version of ev->product_id; when it is not expected_version,
	 * fail with ES_ECONFLICT, "Product 1 changed while you worked:
	 * expected version 3, found 4"; else es_store_append().
	 * See docs/13-optimistic.md, "A version kept, not counted".
	 */
	(void)store;
	(void)ev;
	(void)expected_version;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 13: es_store_append_expected is not implemented yet");
}
