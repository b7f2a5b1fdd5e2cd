/*
 * event_store_quarantine.c - rows of the log that are not events, given complete
 * (see event_store.h and event_store_private.h).
 *
 * The triggers refuse such a row at the door, but a log may hold one that
 * came in before they existed, or around them. Deleting it would rewrite
 * history, so the row stays, and a table of its own,
 *
 *   event_quarantine(event_id INTEGER PRIMARY KEY, reason TEXT NOT NULL,
 *                    error TEXT NOT NULL, quarantined_at TEXT NOT NULL)
 *
 * records the decision to step over it, with who decided why. Only a row
 * that does not decode can be quarantined, and the loads look the table
 * up only when a row does not decode, so a log without bad rows pays
 * nothing for it. A log that has no such table (the seed's Python wrote
 * it, or it is opened read-only before a writer created the table) has
 * nothing in quarantine.
 */
#include "event_store_private.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "es_sql.h"

#define ROW_COLUMNS "id, product_id, event_type, data, occurred_at"

static const char table_exists_sql[] =
	"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";

static const char lookup_sql[] =
	"SELECT reason, quarantined_at FROM event_quarantine"
	" WHERE event_id = ?";

/* Pass on the error in `why`, which a call below us set. */
static int pass_on(const struct es_error *why, struct es_error *err)
{
	if (err != NULL)
		*err = *why;
	return why->code;
}

/* Whether the table `name` is in the file. */
static int table_exists(bool *out, struct es_store *store, const char *name,
			struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_ERROR;

	if (sqlite3_prepare_v2(store->db, table_exists_sql, -1, &stmt, NULL) ==
		    SQLITE_OK &&
	    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) == SQLITE_OK)
		step = sqlite3_step(stmt);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		int rc = es_store_db_error(store, err);

		sqlite3_finalize(stmt);
		return rc;
	}
	sqlite3_finalize(stmt);
	*out = step == SQLITE_ROW;
	return ES_OK;
}

/*
 * Look the row `id` up in event_quarantine: `*found`, and when it is
 * there and `reason`/`at` are not NULL, copies of its reason and time.
 * Prepared per call: it runs once per row that does not decode, which is
 * rare, and a cached statement would need the table at open.
 */
static int lookup(bool *found, char *reason, char *at, size_t size,
		  struct es_store *store, int64_t id, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	bool exists = false;
	int rc;
	int step;

	*found = false;
	rc = table_exists(&exists, store, "event_quarantine", err);
	if (rc != ES_OK || !exists)
		return rc;
	if (sqlite3_prepare_v2(store->db, lookup_sql, -1, &stmt, NULL) !=
		    SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK) {
		rc = es_store_db_error(store, err);
		sqlite3_finalize(stmt);
		return rc;
	}
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW && reason != NULL && at != NULL) {
		snprintf(reason, size, "%s", sqlite3_column_text(stmt, 0));
		snprintf(at, size, "%s", sqlite3_column_text(stmt, 1));
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = es_store_db_error(store, err);
	*found = step == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return rc;
}

int es_store_next(struct es_event *ev, bool *done, struct es_store *store,
		  sqlite3_stmt *stmt, struct es_error *err)
{
	assert(ev != NULL && done != NULL && store != NULL && stmt != NULL);
	for (;;) {
		int step = sqlite3_step(stmt);
		bool skip = false;
		int rc;

		*done = step == SQLITE_DONE;
		if (step == SQLITE_DONE)
			return ES_OK;
		if (step != SQLITE_ROW)
			return es_store_db_error(store, err);
		rc = es_store_read_row(ev, store, stmt, err);
		if (rc != ES_ECORRUPT)
			return rc;
		/* The decoding error is the one to report if this fails. */
		if (lookup(&skip, NULL, NULL, 0, store,
			   sqlite3_column_int64(stmt, 0), NULL) != ES_OK ||
		    !skip)
			return rc;
	}
}

int es_store_get(struct es_event *out, struct es_store *store, int64_t event_id,
		 struct es_error *err)
{
	static const char sql[] = "SELECT id, product_id, event_type, data, "
				  "occurred_at FROM events WHERE id = ?";
	sqlite3_stmt *stmt = NULL;
	bool done = true;
	int rc;

	assert(out != NULL && store != NULL);
	memset(out, 0, sizeof(*out));
	/* A correction is rare: a statement of its own, not a cached one. */
	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return es_store_db_error(store, err);
	}
	sqlite3_bind_int64(stmt, 1, event_id);
	rc = es_store_next(out, &done, store, stmt, err);
	sqlite3_finalize(stmt);
	if (rc == ES_OK && done)
		rc = es_error_set(err, ES_ENOTFOUND,
				  "event %" PRId64 " not found", event_id);
	return rc;
}

int es_store_count_after(int64_t *out, struct es_store *store, int64_t after_id,
			 struct es_error *err)
{
	static const char all_sql[] = "SELECT COUNT(*) FROM events"
				      " WHERE id > ?";
	static const char events_sql[] =
		"SELECT COUNT(*) FROM events WHERE id > ?"
		" AND id NOT IN (SELECT event_id FROM event_quarantine)";
	sqlite3_stmt *stmt = NULL;
	bool quarantine = false;
	int rc;

	assert(out != NULL && store != NULL);
	rc = table_exists(&quarantine, store, "event_quarantine", err);
	if (rc != ES_OK)
		return rc;
	if (sqlite3_prepare_v2(store->db, quarantine ? events_sql : all_sql, -1,
			       &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, after_id) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		rc = es_store_db_error(store, err);
	else
		*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc;
}

/* ---- verify ------------------------------------------------------------- */

/*
 * The message es_store_read_row() wrote, without the "event 12: " that
 * it starts with: the row's id is a field of its own here.
 */
static const char *without_id(const char *msg, int64_t id)
{
	char prefix[32];
	size_t len;

	snprintf(prefix, sizeof(prefix), "event %" PRId64 ": ", id);
	len = strlen(prefix);
	return strncmp(msg, prefix, len) == 0 ? msg + len : msg;
}

/* Report the current row of `stmt`, which did not decode, to `fn`. */
static int report(struct es_store *store, sqlite3_stmt *stmt,
		  const struct es_error *why, es_bad_row_fn fn, void *ctx,
		  struct es_error *err)
{
	char reason[ES_ERROR_MSG_SIZE];
	char at[ES_ERROR_MSG_SIZE];
	struct es_bad_row row;
	bool found;
	int rc;

	row.id = sqlite3_column_int64(stmt, 0);
	row.product_id = sqlite3_column_int64(stmt, 1);
	row.error = without_id(why->msg, row.id);
	rc = lookup(&found, reason, at, sizeof(reason), store, row.id, err);
	if (rc != ES_OK)
		return rc;
	row.reason = found ? reason : NULL;
	row.quarantined_at = found ? at : NULL;
	return fn(ctx, &row, err);
}

/*
 * Decode every row `sql` selects (ROW_COLUMNS, with one integer
 * parameter, `arg`), in order, and report those that do not decode to
 * `fn`: what es_store_verify() and es_store_verify_quarantined() share.
 */
static int verify_rows(int64_t *checked, struct es_store *store,
		       const char *sql, int64_t arg, es_bad_row_fn fn,
		       void *ctx, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_DONE;
	int64_t count = 0;
	int rc = ES_OK;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, arg) != SQLITE_OK) {
		rc = es_store_db_error(store, err);
		sqlite3_finalize(stmt);
		return rc;
	}
	while (rc == ES_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct es_error why;
		struct es_event ev;

		count++;
		rc = es_store_read_row(&ev, store, stmt, &why);
		if (rc == ES_OK)
			es_event_dispose(&ev);
		else if (rc == ES_ECORRUPT)
			rc = report(store, stmt, &why, fn, ctx, err);
		else
			pass_on(&why, err);
	}
	if (rc == ES_OK && step != SQLITE_DONE)
		rc = es_store_db_error(store, err);
	sqlite3_finalize(stmt);
	if (checked != NULL)
		*checked = count;
	return rc;
}

int es_store_verify(int64_t *checked, struct es_store *store, int64_t after_id,
		    es_bad_row_fn fn, void *ctx, struct es_error *err)
{
	static const char rows_sql[] = "SELECT " ROW_COLUMNS " FROM events"
				       " WHERE id > ? ORDER BY id";

	assert(store != NULL && fn != NULL);
	return verify_rows(checked, store, rows_sql, after_id, fn, ctx, err);
}

int es_store_verify_quarantined(struct es_store *store, int64_t product_id,
				es_bad_row_fn fn, void *ctx,
				struct es_error *err)
{
	static const char rows_sql[] =
		"SELECT " ROW_COLUMNS " FROM events WHERE id IN"
		" (SELECT event_id FROM event_quarantine)"
		" AND (?1 = 0 OR product_id = ?1) ORDER BY id";
	bool quarantine = false;
	int rc;

	assert(store != NULL && fn != NULL);
	rc = table_exists(&quarantine, store, "event_quarantine", err);
	if (rc != ES_OK || !quarantine)
		return rc;
	return verify_rows(NULL, store, rows_sql, product_id, fn, ctx, err);
}

/* ---- quarantine --------------------------------------------------------- */

/*
 * Check that the row `id` is one a quarantine is for: in the log, not
 * decodable, not in quarantine yet. Sets `*product_id` and copies the
 * decoding error into `*why`.
 */
static int check_row(int64_t *product_id, struct es_error *why,
		     struct es_store *store, int64_t id, struct es_error *err)
{
	static const char row_sql[] = "SELECT " ROW_COLUMNS " FROM events"
				      " WHERE id = ?";
	sqlite3_stmt *stmt = NULL;
	struct es_event ev;
	bool found = false;
	int rc = ES_OK;
	int step;

	if (sqlite3_prepare_v2(store->db, row_sql, -1, &stmt, NULL) !=
		    SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK) {
		rc = es_store_db_error(store, err);
		sqlite3_finalize(stmt);
		return rc;
	}
	step = sqlite3_step(stmt);
	if (step == SQLITE_DONE)
		rc = es_error_set(err, ES_ENOTFOUND,
				  "event %" PRId64 " is not in the log", id);
	else if (step != SQLITE_ROW)
		rc = es_store_db_error(store, err);
	if (rc == ES_OK) {
		*product_id = sqlite3_column_int64(stmt, 1);
		rc = es_store_read_row(&ev, store, stmt, why);
		if (rc == ES_OK) {
			es_event_dispose(&ev);
			rc = es_error_set(err, ES_EINVAL,
					  "event %" PRId64 " decodes: correct "
					  "it with a new event, not a "
					  "quarantine",
					  id);
		} else if (rc == ES_ECORRUPT) {
			rc = ES_OK;
		} else {
			pass_on(why, err);
		}
	}
	sqlite3_finalize(stmt);
	if (rc == ES_OK)
		rc = lookup(&found, NULL, NULL, 0, store, id, err);
	if (rc == ES_OK && found)
		rc = es_error_set(err, ES_EINVAL,
				  "event %" PRId64 " is in quarantine already",
				  id);
	return rc;
}

/* Run `sql` with `a` bound to ?1 and the text `b`, `c`, `d` to ?2..?4. */
static int run_bound(struct es_store *store, const char *sql, int64_t a,
		     const char *b, const char *c, const char *d,
		     struct es_error *err)
{
	const char *texts[] = {b, c, d};
	sqlite3_stmt *stmt = NULL;
	int rc = ES_OK;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, a) != SQLITE_OK)
		rc = es_store_db_error(store, err);
	for (int i = 0; rc == ES_OK && i < 3 && texts[i] != NULL; i++) {
		if (sqlite3_bind_text(stmt, i + 2, texts[i], -1,
				      SQLITE_STATIC) != SQLITE_OK)
			rc = es_store_db_error(store, err);
	}
	if (rc == ES_OK)
		rc = es_sql_run(stmt, err);
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * stream_versions (step 13) is kept by a trigger that counted the row
 * when it came in, if the trigger was there; no decision reads the row
 * any more. Count the product's version again from the log, as step 13
 * counts it (every row but ProductViewed), without the quarantined rows.
 */
static int recount_version(struct es_store *store, int64_t product_id,
			   struct es_error *err)
{
	static const char recount_sql[] =
		"UPDATE stream_versions SET version = ("
		" SELECT COUNT(*) FROM events WHERE product_id = ?1"
		" AND event_type <> 'ProductViewed'"
		" AND id NOT IN (SELECT event_id FROM event_quarantine))"
		" WHERE product_id = ?1";
	bool exists = false;
	int rc;

	rc = table_exists(&exists, store, "stream_versions", err);
	if (rc != ES_OK || !exists)
		return rc;
	return run_bound(store, recount_sql, product_id, NULL, NULL, NULL, err);
}

int es_store_quarantine(struct es_store *store, int64_t event_id,
			const char *reason, const char *at,
			struct es_error *err)
{
	static const char insert_sql[] =
		"INSERT INTO event_quarantine"
		" (event_id, reason, error, quarantined_at)"
		" VALUES (?1, ?2, ?3, ?4)";
	struct es_error why = {0, ""};
	int64_t product_id = 0;
	bool own;
	int rc;

	assert(store != NULL && reason != NULL && at != NULL);
	if (reason[0] == '\0')
		return es_error_set(err, ES_EINVAL,
				    "a quarantine needs a reason");
	rc = es_store_write_begin(store, &own, err);
	if (rc != ES_OK)
		return rc;
	rc = check_row(&product_id, &why, store, event_id, err);
	if (rc == ES_OK)
		rc = run_bound(store, insert_sql, event_id, reason,
			       without_id(why.msg, event_id), at, err);
	if (rc == ES_OK)
		rc = recount_version(store, product_id, err);
	return es_store_write_end(store, own, rc, err);
}
