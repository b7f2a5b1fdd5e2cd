/*
 * snapshots.c - a product's latest snapshot plus the events after it (see
 * snapshots.h).
 *
 * The table is this module's, on its own connection; the log is the
 * store's, read with es_store_load_range(). es_snapshots_load(),
 * es_snapshots_load_at() and es_snapshots_take() are one function, load():
 * a load "now" is a load at no particular moment, `before` NULL, which the
 * query of the latest snapshot and es_store_load_range() both read as "no
 * limit in time". Only a load "now" on a handle that may write writes.
 */
#include "snapshots.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "es_sql.h"
#include "json_text.h"

/*
 * A table that schema 1 created, keyed by (product_id, version), serves as
 * it is: every statement names its columns, and its rows, of another
 * schema, are replaced as loads find them.
 */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS snapshots (product_id INTEGER NOT NULL,"
	" last_event_id INTEGER NOT NULL, version INTEGER NOT NULL,"
	" occurred_at TEXT NOT NULL, schema_version INTEGER NOT NULL,"
	" state TEXT NOT NULL, PRIMARY KEY (product_id, last_event_id))";

enum stmt_id {
	ST_INSERT,	 /* a snapshot */
	ST_LATEST,	 /* the snapshot a load starts from */
	ST_DELETE_STALE, /* the repair after an ignored one */
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_INSERT] = "INSERT OR REPLACE INTO snapshots (product_id,"
		      " last_event_id, version, occurred_at, schema_version,"
		      " state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_LATEST] = "SELECT last_event_id, version, occurred_at,"
		      " schema_version, state FROM snapshots"
		      " WHERE product_id = ?1"
		      " AND (?2 IS NULL OR occurred_at <= ?2)"
		      " ORDER BY last_event_id DESC LIMIT 1",
	[ST_DELETE_STALE] = "DELETE FROM snapshots WHERE product_id = ?1"
			    " AND (schema_version <> ?2 OR last_event_id = ?3"
			    " OR last_event_id > ?4)",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

/* The members of `state`: one per member of struct es_product. */
#define STATE_FIELDS 10

struct es_snapshots {
	struct es_store *store;	      /* borrowed: the log, through its API */
	sqlite3 *db;		      /* owned: the snapshots table's */
	int every;		      /* 0: opened read-only, never writes */
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared on db; NULL: no table */
};

/*
 * Open the connection and prepare the statements. `every` 0 opens it
 * read-only and creates nothing: in a file without the table the
 * statements stay NULL, and a load finds no snapshot. (A lookup that
 * fails for another reason reads as "no table" too: loads are slower
 * then, never wrong.)
 */
static int open_snapshots(struct es_snapshots **out, struct es_store *store,
			  int every, struct es_error *err)
{
	const char *path = es_store_path(store);
	struct es_snapshots *snaps = calloc(1, sizeof(*snaps));
	int rc = ES_OK;

	assert(out != NULL && store != NULL);
	*out = NULL;
	if (snaps == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	snaps->store = store;
	snaps->every = every;
	/* The store made the file and set WAL, which stays with the file. */
	if (every == 0)
		rc = es_sql_open_readonly(&snaps->db, path, err);
	else if (sqlite3_open_v2(path, &snaps->db, SQLITE_OPEN_READWRITE,
				 NULL) != SQLITE_OK ||
		 sqlite3_busy_timeout(snaps->db, ES_STORE_BUSY_TIMEOUT_MS) !=
			 SQLITE_OK ||
		 sqlite3_exec(snaps->db, schema_sql, NULL, NULL, NULL) !=
			 SQLITE_OK)
		rc = es_sql_error(snaps->db, err);
	if (rc == ES_OK &&
	    (every > 0 || sqlite3_table_column_metadata(
				  snaps->db, "main", "snapshots", NULL, NULL,
				  NULL, NULL, NULL, NULL) == SQLITE_OK))
		rc = es_sql_prepare_all(snaps->stmt, snaps->db, stmt_sql,
					ST_COUNT, err);
	if (rc != ES_OK) {
		es_snapshots_close(snaps);
		return rc;
	}
	*out = snaps;
	return ES_OK;
}

int es_snapshots_open(struct es_snapshots **out, struct es_store *store,
		      int every, struct es_error *err)
{
	if (every > 0)
		return open_snapshots(out, store, every, err);
	*out = NULL;
	return es_error_set(err, ES_EINVAL,
			    "snapshots: every must be at least 1, not %d",
			    every);
}

int es_snapshots_open_read_only(struct es_snapshots **out,
				struct es_store *store, struct es_error *err)
{
	return open_snapshots(out, store, 0, err);
}

void es_snapshots_close(struct es_snapshots *snaps)
{
	if (snaps == NULL)
		return;
	es_sql_finalize_all(snaps->stmt, ST_COUNT);
	sqlite3_close(snaps->db);
	free(snaps);
}

/*
 * The state as JSON: cJSON builds the object, json_text.h writes the
 * numbers, floats with every digit. Only a product that exists is
 * written, so it has a name and a supplier's name; replayed from the log,
 * it has valid UTF-8 and finite prices (the decoder refused anything
 * else). So only memory can run out here. The caller frees `*out` with
 * cJSON_free().
 */
static int encode_state(char **out, const struct es_product *p,
			struct es_error *err)
{
	cJSON *root = cJSON_CreateObject();

	*out = NULL;
	if (root == NULL ||
	    es_json_add_int_to_object(root, "id", p->id) == NULL ||
	    cJSON_AddStringToObject(root, "name", p->name) == NULL ||
	    es_json_add_nullable_string_to_object(root, "description",
						  p->description) == NULL ||
	    es_json_add_float_to_object(root, "price", p->price) == NULL ||
	    es_json_add_float_to_object(root, "cost_price", p->cost_price) ==
		    NULL ||
	    es_json_add_int_to_object(root, "supplier_id", p->supplier_id) ==
		    NULL ||
	    cJSON_AddStringToObject(root, "supplier_name", p->supplier_name) ==
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
 * Decode `json` into `*p` (empty on entry) with json_text.h's getters:
 * ES_OK, ES_ENOMEM, or ES_ECORRUPT for anything this code would not have
 * written for product `product_id` at `version`. Whatever the outcome,
 * the caller disposes `*p`. Why a snapshot is not trusted is nobody's
 * business but the load's, so no message is written (`err` is NULL).
 */
static int decode_state(struct es_product *p, const char *json,
			int64_t product_id, int64_t version)
{
	cJSON *root = cJSON_ParseWithOpts(json, NULL, 1);
	int rc = ES_EINVAL;

	/*
	 * Ten members, among them the ten read below, so no other and none
	 * twice. The description is looked for: its getter takes a missing
	 * one for null.
	 */
	if (cJSON_IsObject(root) && cJSON_GetArraySize(root) == STATE_FIELDS &&
	    cJSON_GetObjectItemCaseSensitive(root, "description") != NULL)
		rc = ES_OK;
	if (rc == ES_OK)
		rc = es_json_get_int(&p->id, root, "id", NULL);
	if (rc == ES_OK)
		rc = es_json_get_string(&p->name, root, "name", NULL);
	if (rc == ES_OK)
		rc = es_json_get_nullable_string(&p->description, root,
						 "description", NULL);
	if (rc == ES_OK)
		rc = es_json_get_double(&p->price, root, "price", NULL);
	if (rc == ES_OK)
		rc = es_json_get_double(&p->cost_price, root, "cost_price",
					NULL);
	if (rc == ES_OK)
		rc = es_json_get_int(&p->supplier_id, root, "supplier_id",
				     NULL);
	if (rc == ES_OK)
		rc = es_json_get_string(&p->supplier_name, root,
					"supplier_name", NULL);
	if (rc == ES_OK)
		rc = es_json_get_int(&p->stock, root, "stock", NULL);
	if (rc == ES_OK)
		rc = es_json_get_int(&p->view_count, root, "view_count", NULL);
	if (rc == ES_OK)
		rc = es_json_get_int(&p->version, root, "version", NULL);
	if (rc == ES_OK && (p->id != product_id || p->version != version))
		rc = ES_EINVAL;
	cJSON_Delete(root);
	/* The getters call a bad field ES_EINVAL; stored, it is corrupt. */
	return rc == ES_EINVAL ? ES_ECORRUPT : rc;
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
		return es_sql_error(ld->snaps->db, err);
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
	sqlite3_stmt *stmt = ld->snaps->stmt[ST_LATEST];
	int rc = ES_OK;
	int step;

	if (stmt == NULL)
		return ES_OK; /* read-only, and the file has no table */
	/* A NULL `before` binds SQL NULL: no limit in time. */
	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, ld->before, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK)
		return es_sql_error(ld->snaps->db, err);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		rc = use_snapshot(ld, stmt, err);
	else if (step != SQLITE_DONE)
		rc = es_sql_error(ld->snaps->db, err);
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
	/* A failed load leaves `events` empty. */
	for (size_t i = 0; i < events.count; i++) {
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
	sqlite3_stmt *stmt = ld->snaps->stmt[ST_INSERT];

	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, ld->last_event_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, ld->product.version) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 4, ld->at, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK ||
	    sqlite3_bind_int(stmt, 5, ES_SNAPSHOT_SCHEMA) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 6, state, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK)
		return es_sql_error(ld->snaps->db, err);
	return es_sql_run(stmt, err);
}

/*
 * After a load that ignored a snapshot: delete that one, every snapshot
 * of the product written under another schema, and every one that claims
 * events beyond those the load read.
 */
static int delete_stale(struct load *ld, struct es_error *err)
{
	sqlite3_stmt *stmt = ld->snaps->stmt[ST_DELETE_STALE];

	if (sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 2, ES_SNAPSHOT_SCHEMA) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, ld->ignored_event_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 4, ld->last_event_id) != SQLITE_OK)
		return es_sql_error(ld->snaps->db, err);
	return es_sql_run(stmt, err);
}

/*
 * Write the product as the load reached it (when it exists), after the
 * repair (when a snapshot was ignored): one short transaction on the
 * snapshots' own connection.
 */
static int write_snapshot(struct load *ld, struct es_error *err)
{
	sqlite3_stmt **stmt = ld->snaps->stmt;
	bool exists = es_product_exists(&ld->product);
	char *state = NULL;
	int rc = ES_OK;

	if (exists)
		rc = encode_state(&state, &ld->product, err);
	if (rc == ES_OK)
		rc = es_sql_run(stmt[ST_BEGIN], err);
	if (rc != ES_OK)
		goto out;
	if (ld->stats.ignored)
		rc = delete_stale(ld, err);
	if (rc == ES_OK && exists)
		rc = insert_snapshot(ld, state, err);
	rc = es_sql_commit_or_rollback(rc, stmt[ST_COMMIT], stmt[ST_ROLLBACK],
				       err);
	ld->stats.taken = rc == ES_OK && exists;
out:
	cJSON_free(state);
	return rc;
}

/*
 * The snapshot, then the events after it; then, when the load ignored a
 * snapshot or replayed `take_after` events or more, a snapshot. A load
 * with `take_after` 0 (time travel, a read-only handle) never writes.
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
	if (rc == ES_OK && take_after > 0 &&
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

	assert(snaps != NULL);
	if (snaps->every == 0)
		return es_error_set(err, ES_EINVAL,
				    "snapshots: opened read-only");
	/* One event replayed is one more than the latest snapshot holds. */
	rc = load(&p, NULL, snaps, product_id, NULL, 1, err);
	if (rc == ES_OK && !es_product_exists(&p))
		rc = es_error_set(err, ES_ENOTFOUND,
				  "Product %" PRId64 " not found", product_id);
	es_product_dispose(&p);
	return rc;
}
