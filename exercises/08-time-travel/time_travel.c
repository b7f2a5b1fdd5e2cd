/*
 * time_travel.c - step 8: time travel (see time_travel.h). You write the
 * seed's load_at and the product it gives; es_time_parse(), which reads a
 * moment a person types, is given in es_time.h.
 *
 * Run make check STEP=8 to see what is missing.
 */
#include "time_travel.h"

#include <string.h>

int es_time_travel_load(struct es_event_list *out, struct es_store *store,
			int64_t product_id, const char *before,
			struct es_error *err)
{
	/*
	 * TODO: the events of product_id that occurred at or before
	 * `before`: that is the store's es_store_load_range() with after_id
	 * 0, which you write in event_store_range.c.
	 * See docs/08-time-travel.md, "Time travel: the store's range".
	 */
	(void)store;
	(void)product_id;
	(void)before;
	memset(out, 0, sizeof(*out));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 8: es_time_travel_load is not implemented yet");
}

int es_time_travel_product(struct es_product *out, struct es_store *store,
			   int64_t product_id, const char *before,
			   struct es_error *err)
{
	/*
	 * TODO: es_product_init(out), es_time_travel_load(), then
	 * es_product_replay() the events. A product that does not exist
	 * after them is ES_ENOTFOUND, "Product N did not exist at <before>".
	 * On failure dispose *out; dispose the list on every path.
	 * See docs/08-time-travel.md, "Time travel: the store's range".
	 */
	(void)store;
	(void)product_id;
	(void)before;
	es_product_init(out);
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 8: es_time_travel_product is not implemented yet");
}
