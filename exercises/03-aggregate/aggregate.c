/*
 * aggregate.c - step 3: the Product aggregate (see aggregate.h). You write
 * init and dispose for the struct, and apply and replay, which rebuild a
 * product's current state from its events.
 *
 * Run make check STEP=3 to see what is missing.
 */
#include "aggregate.h"

bool es_event_versioned(enum es_event_type type)
{
	/*
	 * TODO: switch on type, every case and no default: true for
	 * ProductCreated, StockUpdated and PriceChanged, false for
	 * ProductViewed.
	 * See docs/03-aggregate.md, "Which events count in the version".
	 */
	(void)type;
	return false;
}

void es_product_init(struct es_product *p)
{
	/*
	 * TODO: set every field of *p to the empty product: id 0, NULL
	 * strings, zero numbers, version 0. Do not read what was in *p
	 * before: it may be garbage.
	 * See docs/03-aggregate.md, "Init and dispose: a struct on the stack".
	 */
	(void)p;
}

void es_product_dispose(struct es_product *p)
{
	/*
	 * TODO: return when p is NULL; free name, description and
	 * supplier_name, then es_product_init(p) so the struct can be reused
	 * and a second dispose is harmless.
	 * See docs/03-aggregate.md, "Init and dispose: a struct on the stack".
	 */
	(void)p;
}

bool es_product_exists(const struct es_product *p)
{
	/*
	 * TODO: return true once a ProductCreated has been applied (the
	 * product has an id); a product with only views does not exist.
	 * See docs/03-aggregate.md, "Why".
	 */
	(void)p;
	return false;
}

int es_product_apply(struct es_product *p, const struct es_event *ev,
		     struct es_error *err)
{
	/*
	 * TODO: once p has an id, refuse an event of another product with
	 * ES_EINVAL, "event for product 3 applied to product 2". Then switch
	 * on ev->type (every case, no default:): ProductCreated strdup()s the
	 * three strings first (ES_ENOMEM leaves p unchanged), then frees the
	 * old ones and sets every field; StockUpdated sets stock;
	 * PriceChanged sets price; ProductViewed adds one to view_count. Add
	 * one to version when the event was applied and es_event_versioned().
	 * See docs/03-aggregate.md, "Apply: one switch, no default".
	 */
	(void)p;
	(void)ev;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 3: es_product_apply is not implemented yet");
}

int es_product_replay(struct es_product *p, const struct es_event *events,
		      size_t count, struct es_error *err)
{
	/*
	 * TODO: es_product_apply() each of the count events in order; stop
	 * at the first error and return it unchanged. events may be NULL
	 * when count is 0.
	 * See docs/03-aggregate.md, "Replay".
	 */
	(void)p;
	(void)events;
	(void)count;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 3: es_product_replay is not implemented yet");
}
