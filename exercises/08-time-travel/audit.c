/*
 * audit.c - step 8: the audit trail of one product (see audit.h). You
 * write es_audit_trail, which tells a product's events in words, each
 * with what it changed.
 *
 * Run make check STEP=8 to see what is missing.
 */
#include "audit.h"

int es_audit_trail(FILE *out, struct es_store *store, int64_t product_id,
		   struct es_error *err)
{
	/*
	 * TODO: es_store_load() the product's events; none is ES_ENOTFOUND,
	 * "Product N not found". Then, with an es_product from
	 * es_product_init(), for each event print "#<id> <occurred_at>
	 * <EventType>: " and what changed, reading the old value from the
	 * product *before* es_product_apply() gives it the event:
	 * "stock 0 -> 50", "price 49.99 -> 44.99" (floats through
	 * es_json_add_float, as Python writes them), "created 'Name' at
	 * 49.99, stock 0, supplier 'Acme Corp'", "viewed (2 views)".
	 * Dispose the product and the list on every path.
	 * See docs/08-time-travel.md, "The audit trail: replay as you print".
	 */
	(void)out;
	(void)store;
	(void)product_id;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 8: es_audit_trail is not implemented yet");
}
