/*
 * events.c - step 1: the events as facts (see events.h). You write the
 * type names, the constructors and dispose. The JSON that the event log
 * stores in its `data` column is given, in
 * exercises/00-read-side/event_json.c.
 *
 * Run make check STEP=1 to see what is missing.
 */
#include "events.h"

#include <string.h>

const char *es_event_type_name(enum es_event_type type)
{
	/*
	 * TODO: switch on type, one case per event type and no default:,
	 * and return the stored name: "ProductCreated", "StockUpdated",
	 * "PriceChanged" or "ProductViewed".
	 * See docs/01-events.md, "The tagged union".
	 */
	(void)type;
	return "?";
}

int es_event_type_parse(enum es_event_type *out, const char *name,
			struct es_error *err)
{
	/*
	 * TODO: compare name (strcmp) with the name of each event type; on a
	 * match set *out and return ES_OK. Any other name is ES_EINVAL with
	 * the message "unknown event type 'Foo'".
	 * See docs/01-events.md, "The tagged union".
	 */
	(void)out;
	(void)name;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 1: es_event_type_parse is not implemented yet");
}

int es_event_product_created(struct es_event *out, int64_t product_id,
			     const struct es_product_created *fields,
			     const char *occurred_at, struct es_error *err)
{
	/*
	 * TODO: zero *out, set type, product_id and occurred_at (assert it
	 * fits), copy the numbers of fields, and strdup() name,
	 * supplier_name and description (description may be NULL). If a copy
	 * fails, free the copies made so far and return ES_ENOMEM: *out then
	 * owns nothing. The caller frees the copies with es_event_dispose().
	 * See docs/01-events.md, "Who owns what".
	 */
	(void)product_id;
	(void)fields;
	(void)occurred_at;
	memset(out, 0, sizeof(*out));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 1: es_event_product_created is not implemented yet");
}

void es_event_stock_updated(struct es_event *out, int64_t product_id,
			    int64_t new_stock, const char *occurred_at)
{
	/*
	 * TODO: zero *out, then set type ES_STOCK_UPDATED, product_id,
	 * occurred_at (copied into the array; assert it fits) and
	 * out->stock.new_stock. Nothing is allocated, so this can't fail.
	 * See docs/01-events.md, "Who owns what".
	 */
	(void)out;
	(void)product_id;
	(void)new_stock;
	(void)occurred_at;
}

void es_event_price_changed(struct es_event *out, int64_t product_id,
			    double new_price, const char *occurred_at)
{
	/*
	 * TODO: zero *out, then set type ES_PRICE_CHANGED, product_id,
	 * occurred_at (copied into the array; assert it fits) and
	 * out->price.new_price. Nothing is allocated, so this can't fail.
	 * See docs/01-events.md, "Who owns what".
	 */
	(void)out;
	(void)product_id;
	(void)new_price;
	(void)occurred_at;
}

void es_event_product_viewed(struct es_event *out, int64_t product_id,
			     const char *occurred_at)
{
	/*
	 * TODO: zero *out, then set type ES_PRODUCT_VIEWED, product_id and
	 * occurred_at (copied into the array; assert it fits). The event has
	 * no fields of its own.
	 * See docs/01-events.md, "Who owns what".
	 */
	(void)out;
	(void)product_id;
	(void)occurred_at;
}

int es_event_stock_corrected(struct es_event *out, int64_t product_id,
			     int64_t corrects_event_id, int64_t new_stock,
			     const char *reason, const char *occurred_at,
			     struct es_error *err)
{
	/*
	 * Step 15: leave this stub until then. TODO: as
	 * es_event_product_created, for ES_STOCK_CORRECTED: set
	 * out->corrected's three fields, strdup() the reason, and return
	 * ES_ENOMEM (with *out owning nothing) if the copy fails.
	 * See docs/15-corrections.md.
	 */
	(void)product_id;
	(void)corrects_event_id;
	(void)new_stock;
	(void)reason;
	(void)occurred_at;
	memset(out, 0, sizeof(*out));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 15: es_event_stock_corrected is not implemented yet");
}

void es_event_dispose(struct es_event *ev)
{
	/*
	 * TODO: return at once when ev is NULL. For a ProductCreated, free
	 * name, supplier_name and description (free(NULL) is harmless);
	 * switch on ev->type with every case and no default:. Then zero the
	 * whole struct, so a second dispose frees nothing.
	 * See docs/01-events.md, "Who owns what".
	 */
	(void)ev;
}
