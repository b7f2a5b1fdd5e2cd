/*
 * events.c - the events as facts: their names, their constructors, and
 * dispose (see events.h). The JSON the log stores them as is given, in
 * exercises/00-read-side/event_json.c.
 */
#include "events.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every event type: the seed's four in its order, then step 15's. */
static const enum es_event_type types[] = {
	ES_PRODUCT_CREATED,
	ES_STOCK_UPDATED,
	ES_PRICE_CHANGED,
	ES_PRODUCT_VIEWED,
	/* step 15 */
	ES_STOCK_CORRECTED,
};

#define TYPE_COUNT (sizeof(types) / sizeof(types[0]))

const char *es_event_type_name(enum es_event_type type)
{
	switch (type) {
	case ES_PRODUCT_CREATED:
		return "ProductCreated";
	case ES_STOCK_UPDATED:
		return "StockUpdated";
	case ES_PRICE_CHANGED:
		return "PriceChanged";
	case ES_PRODUCT_VIEWED:
		return "ProductViewed";
	case ES_STOCK_CORRECTED: /* step 15 */
		return "StockCorrected";
	}
	return "?";
}

int es_event_type_parse(enum es_event_type *out, const char *name,
			struct es_error *err)
{
	assert(out != NULL);
	assert(name != NULL);
	for (size_t i = 0; i < TYPE_COUNT; i++) {
		if (strcmp(es_event_type_name(types[i]), name) == 0) {
			*out = types[i];
			return ES_OK;
		}
	}
	return es_error_set(err, ES_EINVAL, "unknown event type '%s'", name);
}

/* Zero `ev` and fill the fields every event has. */
static void event_init(struct es_event *ev, enum es_event_type type,
		       int64_t product_id, const char *occurred_at)
{
	assert(ev != NULL);
	assert(occurred_at != NULL);
	assert(strlen(occurred_at) < ES_TIMESTAMP_SIZE);
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->product_id = product_id;
	snprintf(ev->occurred_at, sizeof(ev->occurred_at), "%s", occurred_at);
}

int es_event_product_created(struct es_event *out, int64_t product_id,
			     const struct es_product_created *fields,
			     const char *occurred_at, struct es_error *err)
{
	struct es_product_created *c;

	assert(fields != NULL);
	assert(fields->name != NULL);
	assert(fields->supplier_name != NULL);
	event_init(out, ES_PRODUCT_CREATED, product_id, occurred_at);
	c = &out->created;
	c->price = fields->price;
	c->cost_price = fields->cost_price;
	c->supplier_id = fields->supplier_id;
	c->stock = fields->stock;
	c->name = strdup(fields->name);
	c->supplier_name = strdup(fields->supplier_name);
	if (fields->description != NULL)
		c->description = strdup(fields->description);
	if (c->name == NULL || c->supplier_name == NULL ||
	    (fields->description != NULL && c->description == NULL)) {
		es_event_dispose(out);
		return es_error_set(err, ES_ENOMEM, "out of memory");
	}
	return ES_OK;
}

void es_event_stock_updated(struct es_event *out, int64_t product_id,
			    int64_t new_stock, const char *occurred_at)
{
	event_init(out, ES_STOCK_UPDATED, product_id, occurred_at);
	out->stock.new_stock = new_stock;
}

void es_event_price_changed(struct es_event *out, int64_t product_id,
			    double new_price, const char *occurred_at)
{
	event_init(out, ES_PRICE_CHANGED, product_id, occurred_at);
	out->price.new_price = new_price;
}

void es_event_product_viewed(struct es_event *out, int64_t product_id,
			     const char *occurred_at)
{
	event_init(out, ES_PRODUCT_VIEWED, product_id, occurred_at);
}

/* step 15 */
int es_event_stock_corrected(struct es_event *out, int64_t product_id,
			     int64_t corrects_event_id, int64_t new_stock,
			     const char *reason, const char *occurred_at,
			     struct es_error *err)
{
	assert(reason != NULL);
	event_init(out, ES_STOCK_CORRECTED, product_id, occurred_at);
	out->corrected.corrects_event_id = corrects_event_id;
	out->corrected.new_stock = new_stock;
	out->corrected.reason = strdup(reason);
	if (out->corrected.reason == NULL) {
		memset(out, 0, sizeof(*out));
		return es_error_set(err, ES_ENOMEM, "out of memory");
	}
	return ES_OK;
}

void es_event_dispose(struct es_event *ev)
{
	if (ev == NULL)
		return;
	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		free(ev->created.name);
		free(ev->created.supplier_name);
		free(ev->created.description);
		break;
	case ES_STOCK_UPDATED:
	case ES_PRICE_CHANGED:
	case ES_PRODUCT_VIEWED:
		break;
	case ES_STOCK_CORRECTED: /* step 15 */
		free(ev->corrected.reason);
		break;
	}
	memset(ev, 0, sizeof(*ev));
}
