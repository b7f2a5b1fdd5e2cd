/*
 * scenario.c - the seed's main scenario (see scenario.h).
 *
 * The rhythm of an event-sourced write is command -> event -> project:
 * the command handler decides and appends an event, and the projector
 * turns that event into rows of the views the queries read.
 *
 * The scenario does not check that writing to `out` worked: a FILE keeps
 * its error flag, and the caller looks at it once with ferror() or
 * fflush() when everything is printed.
 */
#include "scenario.h"

#include <assert.h>
#include <stdlib.h>

#include "command_handler.h"
#include "commands.h"
#include "projector.h"
#include "query_handler.h"

/*
 * What every step of the scenario works with. The store and `out` are the
 * caller's; es_scenario_run() opens the projector and the query handler on
 * the caller's read database, and closes them.
 */
struct scenario {
	struct es_command_handler handler;
	struct es_projector *projector;
	struct es_query_handler *queries;
	FILE *out;
};

/*
 * The two products. A command owns its strings when it comes from
 * es_command_parse(); these point at string literals instead, so they are
 * never passed to es_command_dispose(). The handler only reads them.
 */
static const struct es_command create_widget = {
	.type = ES_CREATE_PRODUCT,
	.create = {.name = "Widget Pro",
		   .price = 29.99,
		   .cost_price = 12.00,
		   .supplier_id = 1,
		   .supplier_name = "Acme Corp",
		   .stock = 100,
		   .description = NULL},
};

static const struct es_command create_gadget = {
	.type = ES_CREATE_PRODUCT,
	.create = {.name = "Gadget Plus",
		   .price = 49.99,
		   .cost_price = 22.50,
		   .supplier_id = 1,
		   .supplier_name = "Acme Corp",
		   .stock = 0,
		   .description = NULL},
};

/*
 * Handle `cmd` and project the event it produced. The seed reloads the
 * product's log and projects its last event; the handler hands us that
 * event directly. When `product_id` is not NULL it receives the event's
 * product id: the id the store gave a new product.
 */
static int execute(struct scenario *s, const struct es_command *cmd,
		   int64_t *product_id, struct es_error *err)
{
	struct es_event ev;
	int rc;

	rc = es_handle(&ev, &s->handler, cmd, err);
	if (rc != ES_OK)
		return rc;
	rc = es_projector_project(s->projector, &ev, err);
	if (rc == ES_OK && product_id != NULL)
		*product_id = ev.product_id;
	es_event_dispose(&ev);
	return rc;
}

static int print_detail(struct scenario *s, int64_t product_id,
			struct es_error *err)
{
	struct es_product_detail detail;
	char *json = NULL;
	int rc;

	rc = es_query_product_detail(&detail, s->queries, product_id, err);
	if (rc != ES_OK)
		return rc;
	rc = es_product_detail_to_json(&json, &detail, err);
	if (rc == ES_OK)
		fprintf(s->out, "%s\n", json);
	free(json);
	es_product_detail_dispose(&detail);
	return rc;
}

/* The audit trail: every event of the product, read back from the log. */
static int print_event_log(struct scenario *s, int64_t product_id,
			   struct es_error *err)
{
	struct es_event_list events;
	char *data;
	size_t i;
	int rc;

	rc = es_store_load(&events, s->handler.store, product_id, err);
	if (rc != ES_OK)
		return rc;
	for (i = 0; i < events.count; i++) {
		const struct es_event *ev = &events.items[i];

		rc = es_event_to_json(&data, ev, err);
		if (rc != ES_OK)
			break;
		fprintf(s->out, "  [%s] %s: %s\n", ev->occurred_at,
			es_event_type_name(ev->type), data);
		free(data);
	}
	es_event_list_dispose(&events);
	return rc;
}

static int print_product_list(struct scenario *s, struct es_error *err)
{
	struct es_product_list list;
	char *json = NULL;
	int rc;

	rc = es_query_list_products(&list, s->queries, err);
	if (rc != ES_OK)
		return rc;
	rc = es_product_list_to_json(&json, &list, err);
	if (rc == ES_OK)
		fprintf(s->out, "%s\n", json);
	free(json);
	es_product_list_dispose(&list);
	return rc;
}

/* Set Gadget Plus's stock to 50, then its price to 44.99. */
static int restock_and_reprice(struct scenario *s, int64_t gadget_id,
			       struct es_error *err)
{
	const struct es_command update_stock = {
		.type = ES_UPDATE_STOCK,
		.update_stock = {.product_id = gadget_id, .new_stock = 50},
	};
	const struct es_command change_price = {
		.type = ES_CHANGE_PRICE,
		.change_price = {.product_id = gadget_id, .new_price = 44.99},
	};
	int rc;

	rc = execute(s, &update_stock, NULL, err);
	if (rc == ES_OK)
		rc = execute(s, &change_price, NULL, err);
	return rc;
}

/*
 * The seed's main(), step by step; stops at the first error. The ids are
 * the ones the store hands out, 1 and 2 only on an empty store.
 */
static int run_steps(struct scenario *s, struct es_error *err)
{
	int64_t widget_id = 0;
	int64_t gadget_id = 0;
	int rc;

	rc = execute(s, &create_widget, &widget_id, err);
	if (rc == ES_OK)
		rc = execute(s, &create_gadget, &gadget_id, err);
	if (rc == ES_OK)
		rc = print_detail(s, widget_id, err);
	if (rc == ES_OK)
		rc = restock_and_reprice(s, gadget_id, err);
	if (rc == ES_OK) {
		fprintf(s->out, "\n--- Event Log for Gadget Plus ---\n");
		rc = print_event_log(s, gadget_id, err);
	}
	if (rc == ES_OK) {
		fprintf(s->out,
			"\n--- Rebuilding read model from scratch ---\n");
		rc = es_projector_rebuild_all(s->projector, s->handler.store,
					      err);
	}
	if (rc == ES_OK)
		rc = print_product_list(s, err);
	return rc;
}

int es_scenario_run(struct es_store *store, sqlite3 *read_db,
		    const struct es_clock *clock, FILE *out,
		    struct es_error *err)
{
	struct scenario s = {.handler = {.store = store},
			     .projector = NULL,
			     .queries = NULL,
			     .out = out};
	int rc;

	assert(store != NULL && read_db != NULL && clock != NULL &&
	       out != NULL);
	s.handler.clock = *clock;
	rc = es_projector_open(&s.projector, read_db, err);
	if (rc == ES_OK)
		rc = es_query_handler_open(&s.queries, read_db, err);
	if (rc == ES_OK)
		rc = run_steps(&s, err);
	es_query_handler_close(s.queries);
	es_projector_close(s.projector);
	return rc;
}
