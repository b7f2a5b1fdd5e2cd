/*
 * audit.c - one product's events, told in words.
 *
 * Each line needs the value before the change, which no event carries: a
 * StockUpdated says "now 50", not "was 0". So the events are replayed into
 * an aggregate as they are printed, and each line reads the old value from
 * the aggregate before the event is applied to it.
 */
#include "audit.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "aggregate.h"
#include "json_text.h"

/*
 * Write `v` as Python's repr() does, into `out` (the longest repr of a
 * finite double, "-2.2250738585072014e-308", fits in 32 bytes). The log's
 * numbers are finite: es_event_from_json() read them from JSON.
 */
static void format_float(char out[32], double v)
{
	struct es_json_buf b;

	es_json_buf_init(&b);
	if (es_json_add_float(&b, v) == ES_OK && b.data != NULL)
		snprintf(out, 32, "%s", b.data);
	else
		snprintf(out, 32, "?");
	es_json_buf_dispose(&b);
}

/* step 15 */
/*
 * The StockUpdated of `events[0..before)` with id `id`, or NULL: what a
 * correction cites, looked up among the product's earlier events.
 */
static const struct es_event *find_stock_update(const struct es_event *events,
						size_t before, int64_t id)
{
	for (size_t i = 0; i < before; i++) {
		if (events[i].id == id && events[i].type == ES_STOCK_UPDATED)
			return &events[i];
	}
	return NULL;
}

/* step 15 */
/* The corrections after `events[at]` that cite it: " (corrected by #8)". */
static void print_corrected_by(FILE *out, const struct es_event *events,
			       size_t count, size_t at)
{
	const char *sep = " (corrected by ";

	for (size_t i = at + 1; i < count; i++) {
		if (events[i].type == ES_STOCK_CORRECTED &&
		    events[i].corrected.corrects_event_id == events[at].id) {
			fprintf(out, "%s#%" PRId64, sep, events[i].id);
			sep = ", ";
		}
	}
	if (sep[0] == ',')
		fputc(')', out);
}

/* step 15 */
static void print_correction(FILE *out, const struct es_event *events,
			     size_t at)
{
	const struct es_stock_corrected *c = &events[at].corrected;
	const struct es_event *was =
		find_stock_update(events, at, c->corrects_event_id);

	fprintf(out, "corrects #%" PRId64 ": was ", c->corrects_event_id);
	if (was != NULL)
		fprintf(out, "%" PRId64, was->stock.new_stock);
	else
		fputc('?', out);
	fprintf(out, ", now %" PRId64 ", because '%s'", c->new_stock,
		c->reason);
}

/*
 * What `events[at]` changed in `p`, the product as it was before it. A
 * correction reads the product's other events: the one it cites, and
 * those that cite a stock update.
 */
static void print_change(FILE *out, const struct es_product *p,
			 const struct es_event *events, size_t count, size_t at)
{
	const struct es_event *ev = &events[at];
	char before[32], after[32];
	int64_t views;
	assert(at < count);

	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		format_float(after, ev->created.price);
		fprintf(out,
			"created '%s' at %s, stock %" PRId64 ", supplier '%s'",
			ev->created.name, after, ev->created.stock,
			ev->created.supplier_name);
		return;
	case ES_STOCK_UPDATED:
		fprintf(out, "stock %" PRId64 " -> %" PRId64, p->stock,
			ev->stock.new_stock);
		print_corrected_by(out, events, count, at); /* step 15 */
		return;
	case ES_PRICE_CHANGED:
		format_float(before, p->price);
		format_float(after, ev->price.new_price);
		fprintf(out, "price %s -> %s", before, after);
		return;
	case ES_PRODUCT_VIEWED:
		views = p->view_count + 1;
		fprintf(out, "viewed (%" PRId64 " view%s)", views,
			views == 1 ? "" : "s");
		return;
	case ES_STOCK_CORRECTED: /* step 15 */
		print_correction(out, events, at);
		return;
	}
}

int es_audit_trail(FILE *out, struct es_store *store, int64_t product_id,
		   struct es_error *err)
{
	struct es_event_list events = {0};
	struct es_product p;
	int rc;

	assert(out != NULL);
	assert(store != NULL);

	rc = es_store_load(&events, store, product_id, err);
	if (rc != ES_OK)
		return rc;
	if (events.count == 0)
		return es_error_set(err, ES_ENOTFOUND,
				    "Product %" PRId64 " not found",
				    product_id);
	es_product_init(&p);
	for (size_t i = 0; rc == ES_OK && i < events.count; i++) {
		const struct es_event *ev = &events.items[i];

		fprintf(out, "#%" PRId64 " %s %s: ", ev->id, ev->occurred_at,
			es_event_type_name(ev->type));
		print_change(out, &p, events.items, events.count, i);
		fputc('\n', out);
		rc = es_product_apply(&p, ev, err);
	}
	es_product_dispose(&p);
	es_event_list_dispose(&events);
	return rc;
}
