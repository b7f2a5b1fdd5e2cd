/*
 * snapshots.c - a product's latest snapshot plus the events after it (see
 * snapshots.h).
 *
 * es_snapshots_load() and es_snapshots_load_at() are one function: a load
 * "now" is a load at no particular moment, `before` NULL, and each of its
 * two queries says `(?n IS NULL OR occurred_at <= ?n)`. Only the load
 * "now" repairs a snapshot it could not trust.
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

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS snapshots (\n"
	"    product_id      INTEGER NOT NULL,\n"
	"    version         INTEGER NOT NULL,\n"
	"    last_event_id   INTEGER NOT NULL,\n"
	"    occurred_at     TEXT NOT NULL,\n"
	"    schema_version  INTEGER NOT NULL,\n"
	"    state           TEXT NOT NULL,\n"
	"    PRIMARY KEY (product_id, version)\n"
	");\n";

/* The number of fields in `state`, one per member of struct es_product. */
#define STATE_FIELDS 10
/* 2^53: integers in JSON are exact below it. */
#define INT_LIMIT 9007199254740992.0

struct es_snapshots {
	struct es_store *store;     /* borrowed */
	sqlite3 *db;                /* es_store_db(store), borrowed */
	int every;
	sqlite3_stmt *insert;       /* es_snapshots_take */
	sqlite3_stmt *latest;       /* the snapshot a load starts from */
	sqlite3_stmt *events;       /* the events after it */
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
		/*
		 * occurred_at is the latest of the events the state holds,
		 * and the HAVING clause checks that there are `version` of
		 * them: a state that disagrees with the log inserts nothing.
		 */
		{ &snaps->insert,
		  "INSERT OR REPLACE INTO snapshots (product_id, version,"
		  " last_event_id, occurred_at, schema_version, state)"
		  " SELECT ?1, ?2, ?3, MAX(occurred_at), ?4, ?5 FROM events"
		  " WHERE product_id = ?1 AND id <= ?3 HAVING COUNT(*) = ?2" },
		{ &snaps->latest,
		  "SELECT version, last_event_id, schema_version, state"
		  " FROM snapshots WHERE product_id = ?1"
		  " AND (?2 IS NULL OR occurred_at <= ?2)"
		  " ORDER BY version DESC LIMIT 1" },
		{ &snaps->events,
		  "SELECT id, product_id, event_type, data, occurred_at"
		  " FROM events WHERE product_id = ?1 AND id > ?2"
		  " AND (?3 IS NULL OR occurred_at <= ?3) ORDER BY id" },
		{ &snaps->delete_stale,
		  "DELETE FROM snapshots WHERE product_id = ?1"
		  " AND (schema_version <> ?2 OR version = ?3"
		  " OR version > ?4)" },
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
				    "not %d", every);
	snaps = calloc(1, sizeof(*snaps));
	if (snaps == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	snaps->store = store;
	snaps->db = es_store_db(store);
	snaps->every = every;
	if (sqlite3_exec(snaps->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
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
	sqlite3_finalize(snaps->events);
	sqlite3_finalize(snaps->delete_stale);
	free(snaps);
}

/*
 * A write joins the caller's transaction when one is open; otherwise it
 * is a transaction of its own. `*own` records which, for write_end().
 */
static int write_begin(struct es_snapshots *snaps, bool *own,
		       struct es_error *err)
{
	*own = sqlite3_get_autocommit(snaps->db) != 0;
	if (!*own)
		return ES_OK;
	return es_store_begin(snaps->store, err);
}

/* Commit a transaction of our own, or roll it back when `rc` failed. */
static int write_end(struct es_snapshots *snaps, bool own, int rc,
		     struct es_error *err)
{
	if (!own)
		return rc;
	if (rc == ES_OK)
		rc = es_store_commit(snaps->store, err);
	if (rc != ES_OK)
		es_store_rollback(snaps->store);
	return rc;
}

/* cJSON_Add...ToObject for a string that may be NULL (JSON null). */
static cJSON *add_string_or_null(cJSON *object, const char *key,
				 const char *s)
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

/* Bind and run the insert of es_snapshots_take(). */
static int insert_snapshot(struct es_snapshots *snaps,
			   const struct es_product *p, int64_t last_event_id,
			   const char *state, struct es_error *err)
{
	sqlite3_stmt *stmt = snaps->insert;
	int rc = ES_OK;

	if (sqlite3_bind_int64(stmt, 1, p->id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, p->version) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, last_event_id) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 4, ES_SNAPSHOT_SCHEMA) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 5, state, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK)
		return db_error(snaps->db, err);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(snaps->db, err);
	else if (sqlite3_changes(snaps->db) == 0)
		rc = es_error_set(err, ES_EINVAL,
				  "Product %" PRId64 " has not %" PRId64
				  " events up to event %" PRId64,
				  p->id, p->version, last_event_id);
	sqlite3_reset(stmt);
	return rc;
}

int es_snapshots_take(struct es_snapshots *snaps,
		      const struct es_product *product, int64_t last_event_id,
		      struct es_error *err)
{
	char *state;
	bool own;
	int rc;

	assert(snaps != NULL && product != NULL);
	if (!es_product_exists(product))
		return es_error_set(err, ES_EINVAL,
				    "cannot snapshot a product that was "
				    "never created");
	rc = encode_state(&state, product, err);
	if (rc != ES_OK)
		return rc;
	rc = write_begin(snaps, &own, err);
	if (rc == ES_OK) {
		rc = insert_snapshot(snaps, product, last_event_id, state, err);
		rc = write_end(snaps, own, rc, err);
	}
	cJSON_free(state);
	return rc;
}

int es_snapshots_after_append(struct es_snapshots *snaps,
			      const struct es_product *product,
			      const struct es_event *appended,
			      struct es_error *err)
{
	assert(snaps != NULL && product != NULL && appended != NULL);
	if (!es_product_exists(product) || product->version % snaps->every != 0)
		return ES_OK;
	return es_snapshots_take(snaps, product, appended->id, err);
}

/* One load in progress: what es_snapshots_load() and _load_at() share. */
struct load {
	struct es_snapshots *snaps;
	int64_t product_id;
	const char *before;          /* NULL: now */
	struct es_product product;   /* loaded so far */
	struct es_replay_stats stats;
	int64_t last_event_id;       /* the last event `product` holds */
	int64_t ignored_version;     /* the snapshot not trusted, if any */
};

/*
 * Start from the snapshot that is the current row of `row`, or, when it
 * cannot be trusted, note that and start from nothing.
 */
static int use_snapshot(struct load *ld, sqlite3_stmt *row,
			struct es_error *err)
{
	int64_t version = sqlite3_column_int64(row, 0);
	const char *state = (const char *)sqlite3_column_text(row, 3);
	int rc = ES_ECORRUPT;

	/* The column is NOT NULL: NULL means SQLite ran out of memory. */
	if (state == NULL)
		return es_error_set(err, ES_ENOMEM, "%s",
				    sqlite3_errmsg(ld->snaps->db));
	if (sqlite3_column_int64(row, 2) == ES_SNAPSHOT_SCHEMA)
		rc = decode_state(&ld->product, state, ld->product_id, version);
	if (rc == ES_ENOMEM)
		return es_error_set(err, rc,
				    "out of memory loading a snapshot");
	if (rc != ES_OK) {
		es_product_dispose(&ld->product); /* back to empty */
		ld->stats.ignored = true;
		ld->ignored_version = version;
		return ES_OK;
	}
	ld->stats.snapshot_version = version;
	ld->last_event_id = sqlite3_column_int64(row, 1);
	return ES_OK;
}

/* The latest snapshot (at or before `before`), if there is one. */
static int load_snapshot(struct load *ld, struct es_error *err)
{
	sqlite3_stmt *stmt = ld->snaps->latest;
	int rc = ES_OK;
	int step;

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
	sqlite3_stmt *stmt = ld->snaps->events;
	struct es_event ev;
	int rc = ES_OK;

	/* A NULL `before` binds SQL NULL: no limit in time. */
	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, ld->last_event_id) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 3, ld->before, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK)
		return db_error(ld->snaps->db, err);
	for (;;) {
		int step = sqlite3_step(stmt);

		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = db_error(ld->snaps->db, err);
			break;
		}
		rc = es_store_read_row(&ev, ld->snaps->store, stmt, err);
		if (rc != ES_OK)
			break;
		rc = es_product_apply(&ld->product, &ev, err);
		ld->last_event_id = ev.id;
		es_event_dispose(&ev);
		if (rc != ES_OK)
			break;
		ld->stats.replayed++;
	}
	sqlite3_reset(stmt);
	return rc;
}

/*
 * After a full replay that ignored a snapshot: delete that one, every
 * snapshot of the product written under another schema, and every one
 * that claims more events than the log holds; then write a fresh one at
 * the version reached. One transaction.
 */
static int replace_ignored(struct load *ld, struct es_error *err)
{
	sqlite3_stmt *stmt = ld->snaps->delete_stale;
	bool own;
	int rc;

	rc = write_begin(ld->snaps, &own, err);
	if (rc != ES_OK)
		return rc;
	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 2, ES_SNAPSHOT_SCHEMA) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, ld->ignored_version) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 4, ld->product.version) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(ld->snaps->db, err);
	sqlite3_reset(stmt);
	if (rc == ES_OK && es_product_exists(&ld->product))
		rc = es_snapshots_take(ld->snaps, &ld->product,
				       ld->last_event_id, err);
	return write_end(ld->snaps, own, rc, err);
}

static int load(struct es_product *out, struct es_replay_stats *stats,
		struct es_snapshots *snaps, int64_t product_id,
		const char *before, struct es_error *err)
{
	struct load ld = { .snaps = snaps, .product_id = product_id,
			   .before = before };
	int rc;

	assert(out != NULL && snaps != NULL);
	es_product_init(&ld.product);
	rc = load_snapshot(&ld, err);
	if (rc == ES_OK)
		rc = replay_events(&ld, err);
	if (rc == ES_OK && ld.stats.ignored && before == NULL)
		rc = replace_ignored(&ld, err);
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
	return load(out, stats, snaps, product_id, NULL, err);
}

int es_snapshots_load_at(struct es_product *out,
			 struct es_replay_stats *stats,
			 struct es_snapshots *snaps, int64_t product_id,
			 const char *before, struct es_error *err)
{
	assert(before != NULL);
	return load(out, stats, snaps, product_id, before, err);
}
