/*
 * event_store_range.c - step 8: the event store's part for time travel
 * (see event_store.h): a product's events after an id, up to a moment.
 * The handle's layout and the helpers the store's files share are in
 * event_store_private.h.
 *
 * Run make check STEP=8 to see what is missing.
 */
#include "event_store_private.h"

int es_store_load_range(struct es_event_list *out, struct es_store *store,
			int64_t product_id, int64_t after_id, const char *until,
			struct es_error *err)
{
	/*
	 * TODO: es_store_prepare_once() one SELECT of the five columns,
	 * WHERE product_id = ?1 AND id > ?2 AND (?3 IS NULL OR
	 * occurred_at <= ?3) ORDER BY id, into store->select_range. From
	 * the first event (after_id 0) up to a moment, use another,
	 * WHERE product_id = ?1 AND occurred_at <= ?3 ORDER BY id, into
	 * store->select_until: the index on (product_id, occurred_at) then
	 * reads only the events returned. Bind the three values and let
	 * es_store_collect() fill *out.
	 * See docs/08-time-travel.md, "The store's part: a range of events".
	 */
	struct es_event_list empty = {0};

	(void)store;
	(void)product_id;
	(void)after_id;
	(void)until;
	*out = empty;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 8: es_store_load_range is not implemented yet");
}
