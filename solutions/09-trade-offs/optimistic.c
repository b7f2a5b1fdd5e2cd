/*
 * optimistic.c - append only if the product's version is still the one
 * the decision was based on (see optimistic.h).
 *
 * A product's version is the number of its events, so the check is one
 * COUNT(*) on the index events(product_id, id), inside the write
 * transaction that appends: nobody can append between the count and the
 * insert. The slow part, loading and replaying, happens before, with no
 * lock held.
 */
#include "optimistic.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct es_optimistic {
	struct es_store *store;     /* borrowed */
	struct es_clock clock;
	struct es_snapshots *snaps; /* borrowed; NULL: replay every event */
	es_optimistic_hook hook;    /* NULL: none */
	void *hook_ctx;
	sqlite3_stmt *count;        /* a product's version in the log */
};

int es_optimistic_open(struct es_optimistic **out, struct es_store *store,
		       struct es_clock clock, struct es_snapshots *snaps,
		       struct es_error *err)
{
	struct es_optimistic *opt;
	sqlite3 *db;

	assert(out != NULL && store != NULL && clock.now != NULL);
	*out = NULL;
	opt = calloc(1, sizeof(*opt));
	if (opt == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	opt->store = store;
	opt->clock = clock;
	opt->snaps = snaps;
	db = es_store_db(store);
	if (sqlite3_prepare_v2(db,
			       "SELECT COUNT(*) FROM events"
			       " WHERE product_id = ?",
			       -1, &opt->count, NULL) != SQLITE_OK) {
		es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
		es_optimistic_close(opt);
		return ES_EDB;
	}
	*out = opt;
	return ES_OK;
}

void es_optimistic_close(struct es_optimistic *opt)
{
	if (opt == NULL)
		return;
	sqlite3_finalize(opt->count);
	free(opt);
}

void es_optimistic_set_hook(struct es_optimistic *opt, es_optimistic_hook fn,
			    void *ctx)
{
	assert(opt != NULL);
	opt->hook = fn;
	opt->hook_ctx = ctx;
}

/* Set `*out` to the number of events of `product_id` in the log. */
static int version_in_log(int64_t *out, struct es_optimistic *opt,
			  int64_t product_id, struct es_error *err)
{
	sqlite3 *db = es_store_db(opt->store);
	int rc = ES_OK;

	if (sqlite3_bind_int64(opt->count, 1, product_id) != SQLITE_OK ||
	    sqlite3_step(opt->count) != SQLITE_ROW)
		rc = es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
	else
		*out = sqlite3_column_int64(opt->count, 0);
	sqlite3_reset(opt->count);
	return rc;
}

int es_optimistic_append(struct es_optimistic *opt, struct es_event *ev,
			 int64_t expected_version, struct es_error *err)
{
	int64_t found = 0;
	bool own;
	int rc;

	assert(opt != NULL && ev != NULL);
	/* Join the caller's transaction, or open one of our own. */
	own = sqlite3_get_autocommit(es_store_db(opt->store)) != 0;
	if (own) {
		rc = es_store_begin(opt->store, err);
		if (rc != ES_OK)
			return rc;
	}
	rc = version_in_log(&found, opt, ev->product_id, err);
	if (rc == ES_OK && found != expected_version)
		rc = es_error_set(err, ES_ECONFLICT,
				  "Product %" PRId64 " changed while you "
				  "worked: expected version %" PRId64
				  ", found %" PRId64,
				  ev->product_id, expected_version, found);
	if (rc == ES_OK)
		rc = es_store_append(opt->store, ev, err);
	if (own && rc == ES_OK)
		rc = es_store_commit(opt->store, err);
	if (own && rc != ES_OK)
		es_store_rollback(opt->store);
	return rc;
}

/*
 * The product a command is about. Only the commands that read the
 * product's state are handled here.
 */
static int target(int64_t *product_id, const struct es_command *cmd,
		  struct es_error *err)
{
	switch (cmd->type) {
	case ES_UPDATE_STOCK:
		*product_id = cmd->update_stock.product_id;
		return ES_OK;
	case ES_CHANGE_PRICE:
		*product_id = cmd->change_price.product_id;
		return ES_OK;
	case ES_CREATE_PRODUCT:
	case ES_RECORD_PRODUCT_VIEW:
		break;
	}
	return es_error_set(err, ES_EINVAL,
			    "%s is not handled here: use es_handle",
			    es_command_type_name(cmd->type));
}

/* The product as it is now: from its snapshot, when there are some. */
static int load_product(struct es_product *out, struct es_optimistic *opt,
			int64_t product_id, struct es_error *err)
{
	struct es_event_list events = { 0 };
	int rc;

	if (opt->snaps != NULL)
		return es_snapshots_load(out, NULL, opt->snaps, product_id,
					 err);
	es_product_init(out);
	rc = es_store_load(&events, opt->store, product_id, err);
	if (rc == ES_OK)
		rc = es_product_replay(out, events.items, events.count, err);
	es_event_list_dispose(&events);
	return rc;
}

/*
 * Step 5's rules, in step 5's order, on the product as loaded; when they
 * pass, fill `*ev`, stamped by the clock.
 */
static int decide(struct es_event *ev, const struct es_optimistic *opt,
		  const struct es_product *product, int64_t product_id,
		  const struct es_command *cmd, struct es_error *err)
{
	char now[ES_TIMESTAMP_SIZE];

	if (!es_product_exists(product))
		return es_error_set(err, ES_ENOTFOUND,
				    "Product %" PRId64 " not found",
				    product_id);
	switch (cmd->type) {
	case ES_UPDATE_STOCK:
		if (cmd->update_stock.new_stock < 0)
			return es_error_set(err, ES_EINVAL,
					    "Stock cannot be negative");
		es_time_format(now, opt->clock.now(opt->clock.ctx));
		es_event_stock_updated(ev, product_id,
				       cmd->update_stock.new_stock, now);
		return ES_OK;
	case ES_CHANGE_PRICE:
		/* Written as !(x > 0) so that NaN is refused too. */
		if (!(cmd->change_price.new_price > 0.0))
			return es_error_set(err, ES_EINVAL,
					    "Price must be positive");
		es_time_format(now, opt->clock.now(opt->clock.ctx));
		es_event_price_changed(ev, product_id,
				       cmd->change_price.new_price, now);
		return ES_OK;
	case ES_CREATE_PRODUCT:
	case ES_RECORD_PRODUCT_VIEW:
		break;
	}
	/* target() refused these before the load; say why all the same. */
	return target(&product_id, cmd, err);
}

/*
 * Append `ev`, expecting `product`'s version, in a transaction that also
 * takes the snapshot the new version may call for. Once the append has
 * succeeded, `product` plus `ev` is the product's state: nobody appended
 * in between.
 */
static int append(struct es_optimistic *opt, struct es_event *ev,
		  struct es_product *product, struct es_error *err)
{
	int rc;

	rc = es_store_begin(opt->store, err);
	if (rc != ES_OK)
		return rc;
	rc = es_optimistic_append(opt, ev, product->version, err);
	if (rc == ES_OK && opt->snaps != NULL) {
		rc = es_product_apply(product, ev, err);
		if (rc == ES_OK)
			rc = es_snapshots_after_append(opt->snaps, product, ev,
						       err);
	}
	if (rc == ES_OK)
		rc = es_store_commit(opt->store, err);
	if (rc != ES_OK)
		es_store_rollback(opt->store);
	return rc;
}

/* One try: load (then the hook), decide, append. */
static int attempt(struct es_event *ev, struct es_optimistic *opt,
		   int64_t product_id, const struct es_command *cmd,
		   struct es_error *err)
{
	struct es_product product;
	int rc;

	memset(ev, 0, sizeof(*ev));
	rc = load_product(&product, opt, product_id, err);
	if (rc == ES_OK && opt->hook != NULL)
		rc = opt->hook(opt->hook_ctx, &product, err);
	if (rc == ES_OK)
		rc = decide(ev, opt, &product, product_id, cmd, err);
	if (rc == ES_OK)
		rc = append(opt, ev, &product, err);
	es_product_dispose(&product);
	if (rc != ES_OK)
		es_event_dispose(ev);
	return rc;
}

int es_optimistic_handle(struct es_event *out, struct es_optimistic *opt,
			 const struct es_command *cmd, struct es_error *err)
{
	struct es_event ev;
	int64_t product_id = 0;
	int rc;
	int i;

	assert(out != NULL && opt != NULL && cmd != NULL);
	memset(out, 0, sizeof(*out));
	rc = target(&product_id, cmd, err);
	if (rc != ES_OK)
		return rc;
	/* Nothing was appended by a lost try: trying again is safe. */
	for (i = 0; i < ES_OPTIMISTIC_ATTEMPTS; i++) {
		rc = attempt(&ev, opt, product_id, cmd, err);
		if (rc != ES_ECONFLICT)
			break;
	}
	if (rc == ES_OK)
		*out = ev;
	return rc;
}
