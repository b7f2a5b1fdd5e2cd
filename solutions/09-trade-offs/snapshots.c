/*
 * snapshots.c - a product's latest snapshot plus the events after it (see
 * snapshots.h).
 *
 * The table is this module's, on its own connection; the log is the
 * store's, read with es_store_load_range(). es_snapshots_load(),
 * es_snapshots_load_at() and es_snapshots_take() are one function, load():
 * a load "now" is a load at no particular moment, `before` NULL, which the
 * query of the latest snapshot and es_store_load_range() both read as "no
 * limit in time". Only a load "now" writes.
 */
#include "snapshots.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "json_text.h"

/*
 * A table that schema 1 created, keyed by (product_id, version), serves as
 * it is: every statement names its columns, and its rows, of another
 * schema, are replaced as loads find them.
 */
static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS snapshots (\n"
				 "    product_id      INTEGER NOT NULL,\n"
				 "    last_event_id   INTEGER NOT NULL,\n"
				 "    version         INTEGER NOT NULL,\n"
				 "    occurred_at     TEXT NOT NULL,\n"
				 "    schema_version  INTEGER NOT NULL,\n"
				 "    state           TEXT NOT NULL,\n"
				 "    PRIMARY KEY (product_id, last_event_id)\n"
				 ");\n";

/* The number of fields in `state`, one per member of struct es_product. */
#define STATE_FIELDS 10
/* 2^53: integers in JSON are exact below it. */
#define INT_LIMIT 9007199254740992.0

struct es_snapshots {
	struct es_store *store; /* borrowed: the log, through its API */
	sqlite3 *db;		/* owned: the snapshots table's */
	int every;
	sqlite3_stmt *insert;	    /* a snapshot */
	sqlite3_stmt *latest;	    /* the snapshot a load starts from */
	sqlite3_stmt *delete_stale; /* the repair after an ignored one */
};

static int db_error(sqlite3 *db, struct es_error *err)
{
	return es_error_set(err, ES_EDB, "%s", sqlite3_errmsg(db));
}

static int prepare_all(struct es_snapshots *snaps, struct es_error *err)
{
	const struct {
		sqlite3_stmt **stmt;
		const char *sql;
	} all[] = {
		{&snaps->insert,
		 "INSERT OR REPLACE INTO snapshots (product_id,"
		 " last_event_id, version, occurred_at, schema_version,"
		 " state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
		{&snaps->latest,
		 "SELECT last_event_id, version, occurred_at, schema_version,"
		 " state FROM snapshots WHERE product_id = ?1"
		 " AND (?2 IS NULL OR occurred_at <= ?2)"
		 " ORDER BY last_event_id DESC LIMIT 1"},
		{&snaps->delete_stale,
		 "DELETE FROM snapshots WHERE product_id = ?1"
		 " AND (schema_version <> ?2 OR last_event_id = ?3"
		 " OR last_event_id > ?4)"},
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (sqlite3_prepare_v2(snaps->db, all[i].sql, -1, all[i].stmt,
				       NULL) != SQLITE_OK)
			return db_error(snaps->db, err);
	}
	return ES_OK;
}

int es_snapshots_open(struct es_snapshots **out, struct es_store *store,
		      int every, struct es_error *err)
{
	struct es_snapshots *snaps;
	int rc = ES_OK;

	assert(out != NULL && store != NULL);
	*out = NULL;
	if (every < 1)
		return es_error_set(err, ES_EINVAL,
				    "snapshots: every must be at least 1, "
				    "not %d",
				    every);
	snaps = calloc(1, sizeof(*snaps));
	if (snaps == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	snaps->store = store;
	snaps->every = every;
	/* The store made the file and set WAL, which stays with the file. */
	if (sqlite3_open_v2(es_store_path(store), &snaps->db,
			    SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(snaps->db, ES_STORE_BUSY_TIMEOUT_MS) !=
		    SQLITE_OK ||
	    sqlite3_exec(snaps->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = db_error(snaps->db, err);
	if (rc == ES_OK)
		rc = prepare_all(snaps, err);
	if (rc != ES_OK) {
		es_snapshots_close(snaps);
		return rc;
	}
	*out = snaps;
	return ES_OK;
}

void es_snapshots_close(struct es_snapshots *snaps)
{
	if (snaps == NULL)
		return;
	sqlite3_finalize(snaps->insert);
	sqlite3_finalize(snaps->latest);
	sqlite3_finalize(snaps->delete_stale);
	sqlite3_close(snaps->db);
	free(snaps);
}

/* cJSON_Add...ToObject for a string that may be NULL (JSON null). */
static cJSON *add_string_or_null(cJSON *object, const char *key, const char *s)
{
	if (s == NULL)
		return cJSON_AddNullToObject(object, key);
	return cJSON_AddStringToObject(object, key, s);
}

/*
 * The state as JSON: cJSON builds the object, json_text.h writes the
 * numbers, floats with every digit. A product replayed from the log has
 * valid UTF-8 and finite prices (the decoder refused anything else), so
 * only memory can run out here. The caller frees `*out` with cJSON_free().
 */
static int encode_state(char **out, const struct es_product *p,
			struct es_error *err)
{
	cJSON *root = cJSON_CreateObject();

	*out = NULL;
	if (root == NULL)
		goto out;
	if (es_json_add_int_to_object(root, "id", p->id) == NULL ||
	    add_string_or_null(root, "name", p->name) == NULL ||
	    add_string_or_null(root, "description", p->description) == NULL ||
	    es_json_add_float_to_object(root, "price", p->price) == NULL ||
	    es_json_add_float_to_object(root, "cost_price", p->cost_price) ==
		    NULL ||
	    es_json_add_int_to_object(root, "supplier_id", p->supplier_id) ==
		    NULL ||
	    add_string_or_null(root, "supplier_name", p->supplier_name) ==
		    NULL ||
	    es_json_add_int_to_object(root, "stock", p->stock) == NULL ||
	    es_json_add_int_to_object(root, "view_count", p->view_count) ==
		    NULL ||
	    es_json_add_int_to_object(root, "version", p->version) == NULL)
		goto out;
	*out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	if (*out == NULL)
		return es_error_set(err, ES_ENOMEM,
				    "out of memory writing a snapshot");
	return ES_OK;
}

/*
 * A whole number strictly inside +-2^53: how JSON carries an int64_t (see
 * events.c). The range check comes first, so the cast is defined.
 */
static bool get_int(int64_t *out, const cJSON *object, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
	double v;

	if (!cJSON_IsNumber(item))
		return false;
	v = item->valuedouble;
	if (!(v > -INT_LIMIT && v < INT_LIMIT) || (double)(int64_t)v != v)
		return false;
	*out = (int64_t)v;
	return true;
}

/* A finite number: cJSON reads 1e999 as infinity. */
static bool get_float(double *out, const cJSON *object, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
		return false;
	*out = item->valuedouble;
	return true;
}

/* A copy of a string field; JSON null gives NULL when `nullable`. */
static int get_string(char **out, const cJSON *object, const char *key,
		      bool nullable)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

	if (nullable && cJSON_IsNull(item))
		return ES_OK;
	if (!cJSON_IsString(item))
		return ES_ECORRUPT;
	*out = strdup(item->valuestring);
	return *out == NULL ? ES_ENOMEM : ES_OK;
}

/*
 * Decode `json` into `*p` (empty on entry): ES_OK, ES_ENOMEM, or
 * ES_ECORRUPT for anything this code would not have written for product
 * `product_id` at `version`. Whatever the outcome, the caller disposes
 * `*p`. Why a snapshot is not trusted is nobody's business but the
 * load's, so no message is written.
 */
static int decode_state(struct es_product *p, const char *json,
			int64_t product_id, int64_t version)
{
	cJSON *root = cJSON_ParseWithOpts(json, NULL, 1);
	int rc = ES_ECORRUPT;

	if (!cJSON_IsObject(root) || cJSON_GetArraySize(root) != STATE_FIELDS)
		goto out;
	if (!get_int(&p->id, root, "id") ||
	    !get_float(&p->price, root, "price") ||
	    !get_float(&p->cost_price, root, "cost_price") ||
	    !get_int(&p->supplier_id, root, "supplier_id") ||
	    !get_int(&p->stock, root, "stock") ||
	    !get_int(&p->view_count, root, "view_count") ||
	    !get_int(&p->version, root, "version"))
		goto out;
	if (p->id != product_id || p->version != version)
		goto out;
	rc = get_string(&p->name, root, "name", false);
	if (rc == ES_OK)
		rc = get_string(&p->supplier_name, root, "supplier_name",
				false);
	if (rc == ES_OK)
		rc = get_string(&p->description, root, "description", true);
out:
	cJSON_Delete(root);
	return rc;
}

/* One load in progress: what every entry point shares. */
struct load {
	struct es_snapshots *snaps;
	int64_t product_id;
	const char *before;	   /* NULL: now */
	struct es_product product; /* loaded so far */
	struct es_replay_stats stats;
	int64_t last_event_id;	    /* the last event `product` holds */
	char at[ES_TIMESTAMP_SIZE]; /* the latest occurred_at it holds */
	int64_t ignored_event_id;   /* the snapshot not trusted, if any */
};

/*
 * Start from the snapshot that is the current row of `row`, or, when it
 * cannot be trusted, note that and start from nothing.
 */
static int use_snapshot(struct load *ld, sqlite3_stmt *row,
			struct es_error *err)
{
	int64_t last_event_id = sqlite3_column_int64(row, 0);
	const char *at = (const char *)sqlite3_column_text(row, 2);
	const char *state = (const char *)sqlite3_column_text(row, 4);
	int rc = ES_ECORRUPT;

	/* The columns are NOT NULL: NULL means SQLite ran out of memory. */
	if (at == NULL || state == NULL)
		return es_error_set(err, ES_ENOMEM, "%s",
				    sqlite3_errmsg(ld->snaps->db));
	if (sqlite3_column_int(row, 3) == ES_SNAPSHOT_SCHEMA &&
	    strlen(at) < sizeof(ld->at))
		rc = decode_state(&ld->product, state, ld->product_id,
				  sqlite3_column_int64(row, 1));
	if (rc == ES_ENOMEM)
		return es_error_set(err, rc,
				    "out of memory loading a snapshot");
	if (rc != ES_OK) {
		es_product_dispose(&ld->product); /* back to empty */
		ld->stats.ignored = true;
		ld->ignored_event_id = last_event_id;
		return ES_OK;
	}
	ld->stats.snapshot_event_id = last_event_id;
	ld->last_event_id = last_event_id;
	memcpy(ld->at, at, strlen(at) + 1);
	return ES_OK;
}

/* The latest snapshot (at or before `before`), if there is one. */
static int load_snapshot(struct load *ld, struct es_error *err)
{
	sqlite3_stmt *stmt = ld->snaps->latest;
	int rc = ES_OK;
	int step;

	/* A NULL `before` binds SQL NULL: no limit in time. */
	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, ld->before, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK)
		return db_error(ld->snaps->db, err);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		rc = use_snapshot(ld, stmt, err);
	else if (step != SQLITE_DONE)
		rc = db_error(ld->snaps->db, err);
	sqlite3_reset(stmt);
	return rc;
}

/* Apply the events after the snapshot (and at or before `before`). */
static int replay_events(struct load *ld, struct es_error *err)
{
	struct es_event_list events;
	int rc;

	rc = es_store_load_range(&events, ld->snaps->store, ld->product_id,
				 ld->last_event_id, ld->before, err);
	for (size_t i = 0; rc == ES_OK && i < events.count; i++) {
		const struct es_event *ev = &events.items[i];

		rc = es_product_apply(&ld->product, ev, err);
		if (rc != ES_OK)
			break;
		ld->last_event_id = ev->id;
		if (strcmp(ev->occurred_at, ld->at) > 0)
			memcpy(ld->at, ev->occurred_at, sizeof(ld->at));
		ld->stats.replayed++;
	}
	es_event_list_dispose(&events);
	return rc;
}

/* Bind and run the insert of the product as the load reached it. */
static int insert_snapshot(struct load *ld, const char *state,
			   struct es_error *err)
{
	sqlite3_stmt *stmt = ld->snaps->insert;
	int rc = ES_OK;

	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, ld->last_event_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, ld->product.version) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 4, ld->at, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK ||
	    sqlite3_bind_int(stmt, 5, ES_SNAPSHOT_SCHEMA) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 6, state, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(ld->snaps->db, err);
	sqlite3_reset(stmt);
	return rc;
}

/*
 * After a load that ignored a snapshot: delete that one, every snapshot
 * of the product written under another schema, and every one that claims
 * events beyond those the load read.
 */
static int delete_stale(struct load *ld, struct es_error *err)
{
	sqlite3_stmt *stmt = ld->snaps->delete_stale;
	int rc = ES_OK;

	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 2, ES_SNAPSHOT_SCHEMA) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, ld->ignored_event_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 4, ld->last_event_id) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(ld->snaps->db, err);
	sqlite3_reset(stmt);
	return rc;
}

/*
 * Write the product as the load reached it (when it exists), after the
 * repair (when a snapshot was ignored): one short transaction on the
 * snapshots' own connection.
 */
static int write_snapshot(struct load *ld, struct es_error *err)
{
	sqlite3 *db = ld->snaps->db;
	bool exists = es_product_exists(&ld->product);
	char *state = NULL;
	int rc = ES_OK;

	if (exists)
		rc = encode_state(&state, &ld->product, err);
	if (rc == ES_OK &&
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_error(db, err);
	if (rc != ES_OK) {
		cJSON_free(state);
		return rc;
	}
	if (ld->stats.ignored)
		rc = delete_stale(ld, err);
	if (rc == ES_OK && exists)
		rc = insert_snapshot(ld, state, err);
	if (rc == ES_OK &&
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_error(db, err);
	if (rc != ES_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	ld->stats.taken = rc == ES_OK && exists;
	cJSON_free(state);
	return rc;
}

/*
 * The snapshot, then the events after it; then, for a load "now" that
 * ignored a snapshot or replayed `take_after` events or more, a snapshot.
 */
static int load(struct es_product *out, struct es_replay_stats *stats,
		struct es_snapshots *snaps, int64_t product_id,
		const char *before, int64_t take_after, struct es_error *err)
{
	struct load ld = {
		.snaps = snaps, .product_id = product_id, .before = before};
	int rc;

	assert(out != NULL && snaps != NULL);
	es_product_init(&ld.product);
	rc = load_snapshot(&ld, err);
	if (rc == ES_OK)
		rc = replay_events(&ld, err);
	if (rc == ES_OK && before == NULL &&
	    (ld.stats.ignored || ld.stats.replayed >= take_after))
		rc = write_snapshot(&ld, err);
	if (rc != ES_OK) {
		es_product_dispose(&ld.product);
		memset(&ld.stats, 0, sizeof(ld.stats));
	}
	*out = ld.product;
	if (stats != NULL)
		*stats = ld.stats;
	return rc;
}

int es_snapshots_load(struct es_product *out, struct es_replay_stats *stats,
		      struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err)
{
	assert(snaps != NULL);
	return load(out, stats, snaps, product_id, NULL, snaps->every, err);
}

int es_snapshots_load_at(struct es_product *out, struct es_replay_stats *stats,
			 struct es_snapshots *snaps, int64_t product_id,
			 const char *before, struct es_error *err)
{
	assert(before != NULL);
	return load(out, stats, snaps, product_id, before, 0, err);
}

int es_snapshots_take(struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err)
{
	struct es_product p;
	int rc;

	/* One event replayed is one more than the latest snapshot holds. */
	rc = load(&p, NULL, snaps, product_id, NULL, 1, err);
	if (rc == ES_OK && !es_product_exists(&p))
		rc = es_error_set(err, ES_ENOTFOUND,
				  "Product %" PRId64 " not found", product_id);
	es_product_dispose(&p);
	return rc;
}
