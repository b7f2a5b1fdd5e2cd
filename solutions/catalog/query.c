/*
 * query.c - the verbs that only read: `log` and `state` read the event
 * log (`log` shows its rows in quarantine too, each where it stands;
 * `state` starts from the product's nearest snapshot, snapshots.h, also
 * when it travels back in time with --at), `detail`, `card`, `list` and
 * `search` read the read model.
 *
 * Both are opened read-only (es_sql_open_readonly), so these verbs work
 * on files and directories nobody may write, and never change one. Each
 * verb prints one JSON text a line; the queries of the read model add a
 * line on standard error when it is behind the log.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aggregate.h"
#include "catalog.h"
#include "es_error.h"
#include "event_store.h"
#include "events.h"
#include "json_text.h"
#include "queries.h"
#include "query_handler.h"
#include "read_db.h"
#include "snapshots.h"

/* ---- the event log ------------------------------------------------------ */

/* The event's metadata (step 16), or JSON null when it has none. */
static cJSON *meta_object(const struct es_meta *m)
{
	cJSON *meta;

	if (m->command_id == NULL && m->actor == NULL &&
	    m->correlation_id == NULL)
		return cJSON_CreateNull();
	meta = cJSON_CreateObject();
	if (meta == NULL ||
	    es_json_add_nullable_string_to_object(meta, "command_id",
						  m->command_id) == NULL ||
	    es_json_add_nullable_string_to_object(meta, "actor", m->actor) ==
		    NULL ||
	    es_json_add_nullable_string_to_object(meta, "correlation_id",
						  m->correlation_id) == NULL) {
		cJSON_Delete(meta);
		return NULL;
	}
	return meta;
}

/*
 * Where the event is in the log, its data (`data` is JSON already), and
 * who sent the command that caused it.
 */
static cJSON *event_object(const struct es_event *ev, const char *data,
			   const struct es_meta *m)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *meta = meta_object(m);

	if (root == NULL || meta == NULL ||
	    es_json_add_int_to_object(root, "id", ev->id) == NULL ||
	    es_json_add_int_to_object(root, "product_id", ev->product_id) ==
		    NULL ||
	    cJSON_AddStringToObject(root, "event_type",
				    es_event_type_name(ev->type)) == NULL ||
	    cJSON_AddStringToObject(root, "occurred_at", ev->occurred_at) ==
		    NULL ||
	    cJSON_AddRawToObject(root, "data", data) == NULL) {
		cJSON_Delete(root);
		cJSON_Delete(meta);
		return NULL;
	}
	cJSON_AddItemToObject(root, "meta", meta);
	return root;
}

/*
 * A row in quarantine (es_store_quarantine) is not an event: every load
 * steps over it. But the audit trail must not hide it, so `log` prints
 * it where it stands, in order of id, as a line of its own:
 *
 *   {"id":7,"product_id":1,"quarantined":true,"error":"data is not valid
 *   JSON","reason":"typed in by hand; Ana, ticket 12",
 *   "quarantined_at":"2026-11-27T14:32:05.123456+00:00"}
 *
 * (one line), `error` being why the row does not decode today. Such rows
 * are found before the events are printed, with
 * es_store_verify_quarantined() (which reads them alone, not the log), and
 * held as those lines: there are few, each a decision someone recorded.
 */
struct held_line {
	int64_t id;
	char *text; /* cJSON's: cJSON_free() */
};

/* One run of `log`: the store, and the lines held for their place. */
struct log_walk {
	struct es_store *store;
	int64_t product_id; /* 0: every product */
	struct held_line *held;
	size_t count;
	size_t capacity;
	size_t next; /* the first held line not printed yet */
};

static void log_walk_dispose(struct log_walk *w)
{
	for (size_t i = 0; i < w->count; i++)
		cJSON_free(w->held[i].text);
	free(w->held);
}

/* The line of the row in quarantine `row`; NULL when memory ran out. */
static char *quarantined_line(const struct es_bad_row *row)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;

	if (root != NULL &&
	    es_json_add_int_to_object(root, "id", row->id) != NULL &&
	    es_json_add_int_to_object(root, "product_id", row->product_id) !=
		    NULL &&
	    cJSON_AddTrueToObject(root, "quarantined") != NULL &&
	    cJSON_AddStringToObject(root, "error", row->error) != NULL &&
	    cJSON_AddStringToObject(root, "reason", row->reason) != NULL &&
	    cJSON_AddStringToObject(root, "quarantined_at",
				    row->quarantined_at) != NULL)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

/*
 * es_store_verify_quarantined() callback: hold the line of a row in
 * quarantine of the product shown.
 */
static int hold_quarantined(void *ctx, const struct es_bad_row *row,
			    struct es_error *err)
{
	struct log_walk *w = ctx;
	char *text;

	if (w->count == w->capacity) {
		size_t capacity = w->capacity == 0 ? 8 : 2 * w->capacity;
		struct held_line *held =
			realloc(w->held, capacity * sizeof(*held));

		if (held == NULL)
			return es_error_set(err, ES_ENOMEM, "out of memory");
		w->held = held;
		w->capacity = capacity;
	}
	text = quarantined_line(row);
	if (text == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	w->held[w->count].id = row->id;
	w->held[w->count].text = text;
	w->count++;
	return ES_OK;
}

/* Print the held lines of the rows before the id `before`. */
static void print_held(struct log_walk *w, int64_t before)
{
	for (; w->next < w->count && w->held[w->next].id < before; w->next++)
		catalog_put_json(w->held[w->next].text);
}

/*
 * Its data is written by es_event_to_json(), as the log stores it
 * (json.dumps style, ", " and ": "), and inserted raw, so it reads the
 * same here as in the database.
 */
int catalog_print_event(void *store, const struct es_event *ev,
			struct es_error *err)
{
	struct es_meta meta;
	char *data = NULL;
	char *text = NULL;
	cJSON *root;
	int rc;

	rc = es_store_load_metadata(&meta, store, ev->id, err);
	if (rc != ES_OK)
		return rc;
	rc = es_event_to_json(&data, ev, err);
	if (rc != ES_OK) {
		es_meta_dispose(&meta);
		return rc;
	}
	root = event_object(ev, data, &meta); /* copies data */
	free(data);
	es_meta_dispose(&meta);
	if (root != NULL)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	catalog_put_json(text);
	cJSON_free(text);
	return ES_OK;
}

/*
 * Print `ev` as one line, after the rows in quarantine that stand before
 * it. An es_event_fn; `ctx` is the log_walk.
 */
static int print_event(void *ctx, const struct es_event *ev,
		       struct es_error *err)
{
	struct log_walk *w = ctx;

	print_held(w, ev->id);
	return catalog_print_event(w->store, ev, err);
}

static int print_product_log(struct log_walk *w, struct es_error *err)
{
	struct es_event_list events = {0};
	int rc;

	rc = es_store_load(&events, w->store, w->product_id, err);
	for (size_t i = 0; rc == ES_OK && i < events.count; i++)
		rc = print_event(w, &events.items[i], err);
	es_event_list_dispose(&events);
	return rc;
}

/*
 * Print the log, or one product's part of it: its rows in quarantine
 * first held (hold_quarantined), then every event, each held line in its
 * place, and those after the last event at the end.
 */
static int print_log(struct log_walk *w, struct es_error *err)
{
	int rc;

	rc = es_store_verify_quarantined(w->store, w->product_id,
					 hold_quarantined, w, err);
	if (rc != ES_OK)
		return rc;
	/* The whole log is streamed: it may not fit in memory. */
	if (w->product_id == 0)
		rc = es_store_load_all(w->store, print_event, w, err);
	else
		rc = print_product_log(w, err);
	if (rc == ES_OK)
		print_held(w, INT64_MAX);
	return rc;
}

int catalog_log(const struct catalog_opts *opts, int argc, char **argv)
{
	struct log_walk walk = {NULL, 0, NULL, 0, 0, 0};
	struct es_error err;
	int status = CATALOG_OK;
	int rc;

	if (argc == 1)
		status = catalog_parse_id(&walk.product_id, argv[0]);
	if (status == CATALOG_OK)
		status = catalog_open_store(&walk.store, opts,
					    ES_STORE_READONLY);
	if (status != CATALOG_OK)
		return status;
	rc = print_log(&walk, &err);
	es_store_close(walk.store);
	log_walk_dispose(&walk);
	if (rc != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s", err.msg);
	return CATALOG_OK;
}

/* ---- one aggregate ------------------------------------------------------ */

/*
 * Replay product `product_id` into `p` (initialized) from its first
 * event, up to `at` (NULL: every event): a log on PostgreSQL, which has
 * no snapshots (they are a table of the SQLite file, snapshots.h).
 */
static int replay_product(struct es_product *p, struct es_store *store,
			  int64_t product_id, const char *at,
			  struct es_error *err)
{
	struct es_event_list events = {0};
	int rc;

	rc = es_store_load_range(&events, store, product_id, 0, at, err);
	if (rc == ES_OK)
		rc = es_product_replay(p, events.items, events.count, err);
	es_event_list_dispose(&events);
	if (rc != ES_OK) {
		es_product_dispose(p);
		es_product_init(p);
	}
	return rc;
}

/*
 * Set `p` (not initialized yet) to product `product_id` as it is now, or
 * as it was at `at` (NULL: now): its nearest snapshot, then the events
 * after it (step 11). The snapshots are opened read-only, so `state`
 * writes nothing, not even a snapshot, and works on files nobody may
 * write; a log without snapshots (the seed's, or one on PostgreSQL) is
 * replayed from its first event. On failure `p` is the empty product.
 */
static int load_product(struct es_product *p, struct es_store *store,
			int64_t product_id, const char *at,
			struct es_error *err)
{
	struct es_snapshots *snaps = NULL;
	int rc;

	es_product_init(p);
	if (es_store_is_postgres(store)) {
		rc = replay_product(p, store, product_id, at, err);
	} else {
		rc = es_snapshots_open_read_only(&snaps, store, err);
		if (rc == ES_OK && at == NULL)
			rc = es_snapshots_load(p, NULL, snaps, product_id, err);
		else if (rc == ES_OK)
			rc = es_snapshots_load_at(p, NULL, snaps, product_id,
						  at, err);
		es_snapshots_close(snaps);
	}
	if (rc != ES_OK || es_product_exists(p))
		return rc;
	if (at == NULL)
		return es_error_set(err, ES_ENOTFOUND,
				    "Product %" PRId64 " not found",
				    product_id);
	return es_error_set(err, ES_ENOTFOUND,
			    "Product %" PRId64 " did not exist at %s",
			    product_id, at);
}

/*
 * Read TIME as es_time_parse() reads it, and write it in the log's own
 * layout into `at`, so that it compares with the log's timestamps as
 * text. Returns CATALOG_OK, or reports the mistake and returns
 * CATALOG_USAGE.
 */
static int parse_time(char at[ES_TIMESTAMP_SIZE], const char *arg)
{
	struct es_error err;
	int64_t micros;

	if (es_time_parse(&micros, arg, &err) != ES_OK)
		return catalog_fail(CATALOG_USAGE, "%s", err.msg);
	es_time_format(at, micros);
	return CATALOG_OK;
}

static int print_product(const struct es_product *p)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;

	if (root != NULL &&
	    es_json_add_int_to_object(root, "id", p->id) != NULL &&
	    cJSON_AddStringToObject(root, "name", p->name) != NULL &&
	    es_json_add_nullable_string_to_object(root, "description",
						  p->description) != NULL &&
	    es_json_add_float_to_object(root, "price", p->price) != NULL &&
	    es_json_add_float_to_object(root, "cost_price", p->cost_price) !=
		    NULL &&
	    es_json_add_int_to_object(root, "supplier_id", p->supplier_id) !=
		    NULL &&
	    cJSON_AddStringToObject(root, "supplier_name", p->supplier_name) !=
		    NULL &&
	    es_json_add_int_to_object(root, "stock", p->stock) != NULL &&
	    es_json_add_int_to_object(root, "view_count", p->view_count) !=
		    NULL &&
	    es_json_add_int_to_object(root, "version", p->version) != NULL)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return catalog_fail(CATALOG_FAILURE, "out of memory");
	catalog_put_json(text);
	cJSON_free(text);
	return CATALOG_OK;
}

int catalog_state(const struct catalog_opts *opts, int argc, char **argv)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_store *store = NULL;
	struct es_product product;
	struct es_error err;
	int64_t product_id;
	int status;
	int rc;

	if (argc == 2 || (argc == 3 && strcmp(argv[1], "--at") != 0))
		return catalog_fail(CATALOG_USAGE,
				    "usage: catalog state ID [--at TIME]");
	status = catalog_parse_id(&product_id, argv[0]);
	if (status == CATALOG_OK && argc == 3)
		status = parse_time(at, argv[2]);
	if (status == CATALOG_OK)
		status = catalog_open_store(&store, opts, ES_STORE_READONLY);
	if (status != CATALOG_OK)
		return status;
	rc = load_product(&product, store, product_id, argc == 3 ? at : NULL,
			  &err);
	es_store_close(store);
	if (rc != ES_OK)
		status = catalog_fail(CATALOG_FAILURE, "%s", err.msg);
	else
		status = print_product(&product);
	es_product_dispose(&product);
	return status;
}

/* ---- the read model ----------------------------------------------------- */

struct read_side {
	sqlite3 *db;
	struct es_query_handler *qh;
};

static void read_side_close(struct read_side *rs)
{
	es_query_handler_close(rs->qh);
	es_read_db_close(rs->db);
}

/* Open the read model for queries; it must have been built already. */
static int read_side_open(struct read_side *rs, const struct catalog_opts *opts)
{
	struct es_error err;

	rs->db = NULL;
	rs->qh = NULL;
	if (es_read_db_open(&rs->db, opts->read_path, ES_READ_DB_QUERY, &err) !=
	    ES_OK) {
		/* A rebuild makes a missing file, not a file it cannot read. */
		if (access(opts->read_path, F_OK) == 0)
			return catalog_fail(CATALOG_FAILURE, "%s", err.msg);
		return catalog_fail(CATALOG_FAILURE,
				    "%s (run 'catalog rebuild' first)",
				    err.msg);
	}
	if (es_query_handler_open(&rs->qh, rs->db, &err) != ES_OK) {
		read_side_close(rs);
		return catalog_fail(CATALOG_FAILURE,
				    "%s: %s (run 'catalog rebuild' first)",
				    opts->read_path, err.msg);
	}
	return CATALOG_OK;
}

/* What a query of the read model asks for. */
struct query {
	int64_t product_id; /* detail and card */
	const char *text;   /* search; NULL lists every product */
};

/* Ask the query and write its answer as JSON into `*json`. */
typedef int (*query_fn)(char **json, struct es_query_handler *qh,
			const struct query *q, struct es_error *err);

static int ask_detail(char **json, struct es_query_handler *qh,
		      const struct query *q, struct es_error *err)
{
	struct es_product_detail detail;
	int rc;

	rc = es_query_product_detail(&detail, qh, q->product_id, err);
	if (rc != ES_OK)
		return rc;
	rc = es_product_detail_to_json(json, &detail, err);
	es_product_detail_dispose(&detail);
	return rc;
}

static int ask_card(char **json, struct es_query_handler *qh,
		    const struct query *q, struct es_error *err)
{
	struct es_product_card card;
	int rc;

	rc = es_query_product_card(&card, qh, q->product_id, err);
	if (rc != ES_OK)
		return rc;
	rc = es_product_card_to_json(json, &card, err);
	es_product_card_dispose(&card);
	return rc;
}

/* ListProducts when `q->text` is NULL, SearchProducts(text) otherwise. */
static int ask_products(char **json, struct es_query_handler *qh,
			const struct query *q, struct es_error *err)
{
	struct es_product_list list;
	int rc;

	if (q->text == NULL)
		rc = es_query_list_products(&list, qh, err);
	else
		rc = es_query_search_products(&list, qh, q->text, err);
	if (rc != ES_OK)
		return rc;
	rc = es_product_list_to_json(json, &list, err);
	es_product_list_dispose(&list);
	return rc;
}

/*
 * Open the read model, ask, and print the answer or say why there is
 * none. Returns the exit status.
 */
static int print_answer(const struct catalog_opts *opts, query_fn ask,
			const struct query *q)
{
	struct read_side rs;
	struct es_error err;
	char *json = NULL;
	int status;
	int rc;

	status = read_side_open(&rs, opts);
	if (status != CATALOG_OK)
		return status;
	rc = ask(&json, rs.qh, q, &err);
	if (rc != ES_OK) {
		status = catalog_fail(CATALOG_FAILURE, "%s", err.msg);
	} else {
		catalog_put_json(json);
		free(json);
	}
	/* Stale views answer too; say so, whatever the answer was. */
	catalog_warn_behind(opts, rs.db);
	read_side_close(&rs);
	return status;
}

/* A query of the product whose id is `arg`. */
static int print_product_answer(const struct catalog_opts *opts, query_fn ask,
				const char *arg)
{
	struct query q = {0, NULL};
	int status;

	status = catalog_parse_id(&q.product_id, arg);
	if (status != CATALOG_OK)
		return status;
	return print_answer(opts, ask, &q);
}

int catalog_detail(const struct catalog_opts *opts, int argc, char **argv)
{
	(void)argc;
	return print_product_answer(opts, ask_detail, argv[0]);
}

int catalog_card(const struct catalog_opts *opts, int argc, char **argv)
{
	(void)argc;
	return print_product_answer(opts, ask_card, argv[0]);
}

int catalog_list(const struct catalog_opts *opts, int argc, char **argv)
{
	const struct query q = {0, NULL};

	(void)argc;
	(void)argv;
	return print_answer(opts, ask_products, &q);
}

int catalog_search(const struct catalog_opts *opts, int argc, char **argv)
{
	const struct query q = {0, argv[0]};

	(void)argc;
	return print_answer(opts, ask_products, &q);
}
