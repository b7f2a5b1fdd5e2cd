/*
 * aggregate.h - the Product aggregate: current state, rebuilt by replaying
 * the product's events.
 *
 * The aggregate is the write side's model of one product. It lives only in
 * memory and is rebuilt from the log every time it is needed:
 *
 *     struct es_product p;
 *     es_product_init(&p);
 *     rc = es_product_replay(&p, events.items, events.count, &err);
 *     ...
 *     es_product_dispose(&p);
 *
 * Applying an event is pure: no I/O, no validation of business rules (the
 * command handler does that before an event exists; an event is a fact and
 * cannot be refused). The aggregate does not produce read models either;
 * that is the projector's job.
 */
#ifndef ES_AGGREGATE_H
#define ES_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_error.h"
#include "events.h"

struct es_product {
	int64_t id;	   /* 0 until ProductCreated is applied */
	char *name;	   /* owned; NULL until created */
	char *description; /* owned; NULL when none */
	double price;
	double cost_price;
	int64_t supplier_id;
	char *supplier_name; /* owned; NULL until created */
	int64_t stock;
	int64_t view_count;
	/*
	 * The number of events applied that decisions read (see
	 * es_event_versioned): a page view does not count. A writer that
	 * decided on version N can later insist that nobody changed what it
	 * read since (optimistic concurrency, step 13).
	 */
	int64_t version;
};

/*
 * True for the event types a decision reads, which make up a product's
 * decision stream and count in its version: ProductCreated, StockUpdated
 * and PriceChanged. False for ProductViewed: no rule reads view_count, so
 * a view never makes a stock or price decision out of date. Can't fail.
 */
bool es_event_versioned(enum es_event_type type);

/* Set `p` to the empty product: no id, version 0. Can't fail. */
void es_product_init(struct es_product *p);

/* Free the strings `p` owns and re-initialize it. NULL is ignored. */
void es_product_dispose(struct es_product *p);

/*
 * True once a ProductCreated has been applied. A product whose log holds
 * only ProductViewed events (views of an id that was never created: the
 * seed records them, step 5 refuses them) does not exist.
 */
bool es_product_exists(const struct es_product *p);

/*
 * Apply one event, and count it in `version` when es_event_versioned():
 *   ProductCreated  sets every field from the event (strings are copied);
 *   StockUpdated    sets stock;  PriceChanged  sets price;
 *   ProductViewed   adds one to view_count.
 * Returns ES_OK, ES_ENOMEM (then `p` is unchanged), or ES_EINVAL when the
 * event belongs to another product than one already applied.
 */
int es_product_apply(struct es_product *p, const struct es_event *ev,
		     struct es_error *err);

/*
 * Apply `count` events in order: the seed's Product.load(events). On
 * failure returns the first error and `p` holds the events before it.
 */
int es_product_replay(struct es_product *p, const struct es_event *events,
		      size_t count, struct es_error *err);

#endif /* ES_AGGREGATE_H */
