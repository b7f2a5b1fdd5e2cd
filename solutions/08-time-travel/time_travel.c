/*
 * time_travel.c - the log up to a moment, and the product it gives.
 * Reading a moment a person types is es_time_parse(), given in es_time.h.
 */
#include "time_travel.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- the log up to a moment ---------------------------------------------- */

int es_time_travel_load(struct es_event_list *out, struct es_store *store,
			int64_t product_id, const char *before,
			struct es_error *err)
{
	assert(out != NULL);
	assert(store != NULL);
	assert(before != NULL);
	/* The store's query: only the store reads the events table. */
	return es_store_load_range(out, store, product_id, 0, before, err);
}

int es_time_travel_product(struct es_product *out, struct es_store *store,
			   int64_t product_id, const char *before,
			   struct es_error *err)
{
	struct es_event_list events;
	int rc;

	assert(out != NULL);

	es_product_init(out);
	rc = es_time_travel_load(&events, store, product_id, before, err);
	if (rc != ES_OK)
		return rc;
	rc = es_product_replay(out, events.items, events.count, err);
	if (rc == ES_OK && !es_product_exists(out))
		rc = es_error_set(err, ES_ENOTFOUND,
				  "Product %" PRId64 " did not exist at %s",
				  product_id, before);
	if (rc != ES_OK)
		es_product_dispose(out); /* leaves it initialized */
	es_event_list_dispose(&events);
	return rc;
}
