/*
 * command_handler.c - commands in, events out: load -> validate -> append.
 *
 * es_handle() opens one write transaction around everything a command
 * does. Inside it, one function per command type loads what that command
 * needs, checks the rules, and builds the event; es_handle() then appends
 * the event and commits, or rolls back when anything failed.
 *
 * CreateProduct's rules look only at the command, so they could be checked
 * before the transaction opens and spare a refused create the write lock.
 * They are checked inside it, first thing, so that every command reads the
 * same way (load, validate, build) and each command's rules sit in its own
 * function; the lock is held for microseconds either way.
 */
#include "command_handler.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "aggregate.h"

/* Stamp a new event with the handler's clock. */
static void handler_now(char out[ES_TIMESTAMP_SIZE],
			const struct es_command_handler *handler)
{
	es_time_format(out, handler->clock.now(handler->clock.ctx));
}

/* True for NULL, "" and strings of nothing but whitespace. */
static bool is_blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++) {
		if (!isspace((unsigned char)*s))
			return false;
	}
	return true;
}

/*
 * Load and replay the product: ES_OK when its log holds a ProductCreated,
 * ES_ENOTFOUND ("Product N not found") when it does not, or the store's
 * error. A rule about current state (the seed's example: a price may at
 * most double) would read `product` here, before it is disposed.
 */
static int require_product(struct es_store *store, int64_t product_id,
			   struct es_error *err)
{
	struct es_event_list events = {0};
	struct es_product product;
	int rc;

	es_product_init(&product);
	rc = es_store_load(&events, store, product_id, err);
	if (rc == ES_OK)
		rc = es_product_replay(&product, events.items, events.count,
				       err);
	if (rc == ES_OK && !es_product_exists(&product))
		rc = es_error_set(err, ES_ENOTFOUND,
				  "Product %" PRId64 " not found", product_id);
	es_product_dispose(&product);
	es_event_list_dispose(&events);
	return rc;
}

/* CreateProduct's rules, in the order the header lists them. */
static int check_create(const struct es_create_product *cmd,
			struct es_error *err)
{
	if (is_blank(cmd->name))
		return es_error_set(err, ES_EINVAL, "Name cannot be empty");
	/* Written as !(x > 0) so that NaN is refused too. */
	if (!(cmd->price > 0.0))
		return es_error_set(err, ES_EINVAL, "Price must be positive");
	if (!(cmd->cost_price >= 0.0))
		return es_error_set(err, ES_EINVAL,
				    "Cost price cannot be negative");
	if (cmd->stock < 0)
		return es_error_set(err, ES_EINVAL, "Stock cannot be negative");
	if (is_blank(cmd->supplier_name))
		return es_error_set(err, ES_EINVAL,
				    "Supplier name cannot be empty");
	return ES_OK;
}

static int create_product(struct es_event *ev,
			  struct es_command_handler *handler,
			  const struct es_create_product *cmd,
			  struct es_error *err)
{
	struct es_product_created fields;
	char now[ES_TIMESTAMP_SIZE];
	int64_t product_id;
	int rc;

	rc = check_create(cmd, err);
	if (rc != ES_OK)
		return rc;
	rc = es_store_new_product_id(handler->store, &product_id, err);
	if (rc != ES_OK)
		return rc;
	fields = (struct es_product_created){
		.name = cmd->name,
		.price = cmd->price,
		.cost_price = cmd->cost_price,
		.supplier_id = cmd->supplier_id,
		.supplier_name = cmd->supplier_name,
		.stock = cmd->stock,
		.description = cmd->description,
	};
	handler_now(now, handler);
	return es_event_product_created(ev, product_id, &fields, now, err);
}

static int update_stock(struct es_event *ev, struct es_command_handler *handler,
			const struct es_update_stock *cmd, struct es_error *err)
{
	char now[ES_TIMESTAMP_SIZE];
	int rc;

	rc = require_product(handler->store, cmd->product_id, err);
	if (rc != ES_OK)
		return rc;
	if (cmd->new_stock < 0)
		return es_error_set(err, ES_EINVAL, "Stock cannot be negative");
	handler_now(now, handler);
	es_event_stock_updated(ev, cmd->product_id, cmd->new_stock, now);
	return ES_OK;
}

static int change_price(struct es_event *ev, struct es_command_handler *handler,
			const struct es_change_price *cmd, struct es_error *err)
{
	char now[ES_TIMESTAMP_SIZE];
	int rc;

	rc = require_product(handler->store, cmd->product_id, err);
	if (rc != ES_OK)
		return rc;
	if (!(cmd->new_price > 0.0))
		return es_error_set(err, ES_EINVAL, "Price must be positive");
	handler_now(now, handler);
	es_event_price_changed(ev, cmd->product_id, cmd->new_price, now);
	return ES_OK;
}

/* No precondition: a view is recorded even for an unknown id (the seed). */
static int record_view(struct es_event *ev, struct es_command_handler *handler,
		       const struct es_record_product_view *cmd)
{
	char now[ES_TIMESTAMP_SIZE];

	handler_now(now, handler);
	es_event_product_viewed(ev, cmd->product_id, now);
	return ES_OK;
}

/* Decide what the command becomes: fill `*ev`, or refuse. */
static int decide(struct es_event *ev, struct es_command_handler *handler,
		  const struct es_command *cmd, struct es_error *err)
{
	switch (cmd->type) {
	case ES_CREATE_PRODUCT:
		return create_product(ev, handler, &cmd->create, err);
	case ES_UPDATE_STOCK:
		return update_stock(ev, handler, &cmd->update_stock, err);
	case ES_CHANGE_PRICE:
		return change_price(ev, handler, &cmd->change_price, err);
	case ES_RECORD_PRODUCT_VIEW:
		return record_view(ev, handler, &cmd->record_view);
	}
	/* Only a type outside the enum gets here. */
	return es_error_set(err, ES_EINVAL, "unknown command type %d",
			    (int)cmd->type);
}

int es_handle(struct es_event *out, struct es_command_handler *handler,
	      const struct es_command *cmd, struct es_error *err)
{
	struct es_event ev;
	int rc;

	assert(out != NULL);
	assert(handler != NULL && handler->store != NULL);
	assert(handler->clock.now != NULL);
	assert(cmd != NULL);

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	rc = es_store_begin(handler->store, err);
	if (rc != ES_OK)
		return rc;
	rc = decide(&ev, handler, cmd, err);
	if (rc == ES_OK)
		rc = es_store_append(handler->store, &ev, err);
	if (rc == ES_OK)
		rc = es_store_commit(handler->store, err);
	if (rc != ES_OK) {
		es_store_rollback(handler->store);
		es_event_dispose(&ev);
		return rc;
	}
	*out = ev;
	return ES_OK;
}
