/*
 * aggregate.c - the Product aggregate: state rebuilt by replaying events.
 *
 * Everything here is pure: events in, fields out, no I/O. The only thing
 * that can go wrong is running out of memory while copying the strings of
 * a ProductCreated, or being handed another product's event.
 */
#include "aggregate.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool es_event_versioned(enum es_event_type type)
{
	switch (type) {
	case ES_PRODUCT_CREATED:
	case ES_STOCK_UPDATED:
	case ES_PRICE_CHANGED:
	case ES_STOCK_CORRECTED: /* step 15 */
		return true;
	case ES_PRODUCT_VIEWED:
		return false;
	}
	return true; /* a type outside the enum: count it, to be safe */
}

void es_product_init(struct es_product *p)
{
	assert(p != NULL);
	memset(p, 0, sizeof(*p));
}

void es_product_dispose(struct es_product *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->description);
	free(p->supplier_name);
	es_product_init(p);
}

bool es_product_exists(const struct es_product *p)
{
	assert(p != NULL);
	return p->id != 0;
}

/*
 * Copy all three strings before touching `p`, so that running out of
 * memory halfway leaves the product exactly as it was.
 */
static int apply_created(struct es_product *p, const struct es_event *ev,
			 struct es_error *err)
{
	const struct es_product_created *c = &ev->created;
	char *name;
	char *supplier_name;
	char *description = NULL;

	assert(c->name != NULL && c->supplier_name != NULL);
	name = strdup(c->name);
	supplier_name = strdup(c->supplier_name);
	if (c->description != NULL)
		description = strdup(c->description);
	if (name == NULL || supplier_name == NULL ||
	    (c->description != NULL && description == NULL)) {
		free(name);
		free(supplier_name);
		free(description);
		return es_error_set(err, ES_ENOMEM,
				    "out of memory applying ProductCreated");
	}
	free(p->name);
	free(p->supplier_name);
	free(p->description);
	p->id = ev->product_id;
	p->name = name;
	p->description = description;
	p->price = c->price;
	p->cost_price = c->cost_price;
	p->supplier_id = c->supplier_id;
	p->supplier_name = supplier_name;
	p->stock = c->stock;
	return ES_OK;
}

/*
 * A product only knows its id once ProductCreated has been applied, so an
 * event of another product can be caught only from then on. Events applied
 * before that (views of a product not yet created) are taken as they come:
 * the store hands us one product's log, so a mix-up there is the store's
 * bug, not something the aggregate could see without a field of its own.
 */
int es_product_apply(struct es_product *p, const struct es_event *ev,
		     struct es_error *err)
{
	int rc = ES_OK;

	assert(p != NULL);
	assert(ev != NULL);
	if (p->id != 0 && ev->product_id != p->id)
		return es_error_set(err, ES_EINVAL,
				    "event for product %" PRId64
				    " applied to product %" PRId64,
				    ev->product_id, p->id);
	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		rc = apply_created(p, ev, err);
		break;
	case ES_STOCK_UPDATED:
		p->stock = ev->stock.new_stock;
		break;
	case ES_PRICE_CHANGED:
		p->price = ev->price.new_price;
		break;
	case ES_PRODUCT_VIEWED:
		p->view_count++;
		break;
	case ES_STOCK_CORRECTED: /* step 15 */
		p->stock = ev->corrected.new_stock;
		break;
	}
	if (rc != ES_OK)
		return rc;
	if (es_event_versioned(ev->type))
		p->version++;
	return ES_OK;
}

int es_product_replay(struct es_product *p, const struct es_event *events,
		      size_t count, struct es_error *err)
{
	assert(p != NULL);
	assert(events != NULL || count == 0);
	for (size_t i = 0; i < count; i++) {
		int rc = es_product_apply(p, &events[i], err);

		if (rc != ES_OK)
			return rc;
	}
	return ES_OK;
}
