/*
 * decide.c - every business rule of the write side, and nothing else (see
 * decide.h).
 *
 * One function per command: check the rules in the header's order, then
 * build the event. Nothing here loads, appends or reads the clock: the
 * state and the time are handed in, the event is handed back.
 */
#include "decide.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "json_text.h" /* es_utf8_count, for step 15 */

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

/* The rules shared by more than one command, each with its one message. */
static int check_stock(int64_t stock, struct es_error *err)
{
	if (stock < 0)
		return es_error_set(err, ES_EINVAL, "Stock cannot be negative");
	return ES_OK;
}

static int check_price(double price, struct es_error *err)
{
	/* Written as !(x > 0) so that NaN is refused too. */
	if (!(price > 0.0))
		return es_error_set(err, ES_EINVAL, "Price must be positive");
	return ES_OK;
}

static int check_exists(const struct es_product *state, int64_t product_id,
			struct es_error *err)
{
	if (!es_product_exists(state))
		return es_error_set(err, ES_ENOTFOUND,
				    "Product %" PRId64 " not found",
				    product_id);
	return ES_OK;
}

static int create_product(struct es_event *out,
			  const struct es_create_product *cmd, const char *now,
			  struct es_error *err)
{
	struct es_product_created fields;
	int rc;

	if (is_blank(cmd->name))
		return es_error_set(err, ES_EINVAL, "Name cannot be empty");
	rc = check_price(cmd->price, err);
	if (rc != ES_OK)
		return rc;
	if (!(cmd->cost_price >= 0.0))
		return es_error_set(err, ES_EINVAL,
				    "Cost price cannot be negative");
	rc = check_stock(cmd->stock, err);
	if (rc != ES_OK)
		return rc;
	if (is_blank(cmd->supplier_name))
		return es_error_set(err, ES_EINVAL,
				    "Supplier name cannot be empty");
	fields = (struct es_product_created){
		.name = cmd->name,
		.price = cmd->price,
		.cost_price = cmd->cost_price,
		.supplier_id = cmd->supplier_id,
		.supplier_name = cmd->supplier_name,
		.stock = cmd->stock,
		.description = cmd->description,
	};
	/* The product's id is the handler's to give: it owns the registry. */
	return es_event_product_created(out, 0, &fields, now, err);
}

static int update_stock(struct es_event *out, const struct es_product *state,
			const struct es_update_stock *cmd, const char *now,
			struct es_error *err)
{
	int rc;

	rc = check_exists(state, cmd->product_id, err);
	if (rc == ES_OK)
		rc = check_stock(cmd->new_stock, err);
	if (rc == ES_OK)
		es_event_stock_updated(out, cmd->product_id, cmd->new_stock,
				       now);
	return rc;
}

static int change_price(struct es_event *out, const struct es_product *state,
			const struct es_change_price *cmd, const char *now,
			struct es_error *err)
{
	int rc;

	rc = check_exists(state, cmd->product_id, err);
	if (rc == ES_OK)
		rc = check_price(cmd->new_price, err);
	if (rc == ES_OK)
		es_event_price_changed(out, cmd->product_id, cmd->new_price,
				       now);
	return rc;
}

/* step 15 */
/*
 * A correction cites the event it corrects: `cited` is that event as the
 * log has it, or NULL when there is none. Only a StockUpdated of this
 * product can be corrected; the new stock obeys the rule every stock
 * obeys; the reason is what the audit trail will show.
 */
static int correct_stock(struct es_event *out, const struct es_product *state,
			 const struct es_event *cited,
			 const struct es_correct_stock *cmd, const char *now,
			 struct es_error *err)
{
	int64_t id = cmd->corrects_event_id;
	int rc;

	rc = check_exists(state, cmd->product_id, err);
	if (rc != ES_OK)
		return rc;
	if (cited == NULL)
		return es_error_set(err, ES_ENOTFOUND,
				    "Event %" PRId64 " not found", id);
	if (cited->product_id != cmd->product_id)
		return es_error_set(err, ES_EINVAL,
				    "Event %" PRId64
				    " is not about product %" PRId64,
				    id, cmd->product_id);
	if (cited->type != ES_STOCK_UPDATED)
		return es_error_set(err, ES_EINVAL,
				    "Event %" PRId64 " is a %s, not a "
				    "StockUpdated",
				    id, es_event_type_name(cited->type));
	rc = check_stock(cmd->new_stock, err);
	if (rc != ES_OK)
		return rc;
	if (is_blank(cmd->reason))
		return es_error_set(err, ES_EINVAL, "Reason cannot be empty");
	if (es_utf8_count(cmd->reason) > ES_REASON_MAX)
		return es_error_set(err, ES_EINVAL,
				    "Reason cannot be longer than %d "
				    "characters",
				    ES_REASON_MAX);
	return es_event_stock_corrected(out, cmd->product_id, id,
					cmd->new_stock, cmd->reason, now, err);
}

/*
 * The seed records any view; here a view must be of a product that
 * exists, so the ids below 1 and those never created are refused. A log
 * may hold such views all the same (the seed's Python writes them):
 * evolve, which never refuses, replays them.
 */
static int record_view(struct es_event *out, const struct es_product *state,
		       const struct es_record_product_view *cmd,
		       const char *now, struct es_error *err)
{
	int rc = check_exists(state, cmd->product_id, err);

	if (rc == ES_OK)
		es_event_product_viewed(out, cmd->product_id, now);
	return rc;
}

int es_decide(struct es_event *out, const struct es_product *state,
	      const struct es_event *cited, const struct es_command *cmd,
	      const char *now, struct es_error *err)
{
	assert(out != NULL && state != NULL && cmd != NULL && now != NULL);
	assert(cited == NULL || cited->id > 0); /* it comes from the log */
	memset(out, 0, sizeof(*out));
	switch (cmd->type) {
	case ES_CREATE_PRODUCT:
		return create_product(out, &cmd->create, now, err);
	case ES_UPDATE_STOCK:
		return update_stock(out, state, &cmd->update_stock, now, err);
	case ES_CHANGE_PRICE:
		return change_price(out, state, &cmd->change_price, now, err);
	case ES_RECORD_PRODUCT_VIEW:
		return record_view(out, state, &cmd->record_view, now, err);
	case ES_CORRECT_STOCK: /* step 15 */
		return correct_stock(out, state, cited, &cmd->correct_stock,
				     now, err);
	}
	/* Only a type outside the enum gets here. */
	return es_error_set(err, ES_EINVAL, "unknown command type %d",
			    (int)cmd->type);
}

int64_t es_command_state_id(const struct es_command *cmd)
{
	assert(cmd != NULL);
	switch (cmd->type) {
	case ES_UPDATE_STOCK:
		return cmd->update_stock.product_id;
	case ES_CHANGE_PRICE:
		return cmd->change_price.product_id;
	case ES_RECORD_PRODUCT_VIEW:
		return cmd->record_view.product_id;
	case ES_CORRECT_STOCK: /* step 15 */
		return cmd->correct_stock.product_id;
	case ES_CREATE_PRODUCT:
		return 0;
	}
	return 0; /* a type outside the enum */
}

/* step 15 */
int64_t es_command_cited_id(const struct es_command *cmd)
{
	assert(cmd != NULL);
	if (cmd->type == ES_CORRECT_STOCK)
		return cmd->correct_stock.corrects_event_id;
	return 0;
}
