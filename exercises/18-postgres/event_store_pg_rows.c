/*
 * event_store_pg_rows.c - the rest of event_store.h on PostgreSQL, given
 * complete (see event_store_pg.h): step 16's metadata and answers, rows
 * that are not events (count_after, verify, quarantine), and what a copy
 * of a log and `catalog follow` need (import, each_answer, wait).
 *
 * Each is the SQLite store's function in PostgreSQL's words; where they
 * differ, the comment says why.
 */
#include "event_store_pg.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

static const char lock_sql[] =
	"SELECT pg_advisory_xact_lock(" ES_PG_APPEND_LOCK ")";

static const char notify_sql[] = "SELECT pg_notify('" ES_PG_CHANNEL "', $1)";

/* Run `sql` in the caller's transaction or one of its own. */
static int write_one(struct es_pg_store *pg, const char *sql, int nparams,
		     const char *const *params, struct es_error *err)
{
	bool own;
	int rc = es_pg_write_begin(pg, &own, err);

	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, sql, nparams, params, err);
	return es_pg_write_end(pg, own, rc, err);
}

/* A copy of column `col` of row `row` into `*out`; SQL NULL is NULL. */
static bool copy_value(char **out, const PGresult *res, int row, int col)
{
	*out = NULL;
	if (PQgetisnull(res, row, col))
		return true;
	*out = strdup(PQgetvalue(res, row, col));
	return *out != NULL;
}

/* ---- metadata and answers (step 16) ------------------------------------- */

int es_pg_save_metadata(struct es_pg_store *pg, int64_t event_id,
			const struct es_meta *meta, struct es_error *err)
{
	static const char sql[] =
		"INSERT INTO event_metadata (event_id, command_id, actor,"
		" correlation_id) VALUES ($1, $2, $3, $4)";
	char id[ES_PG_INT_SIZE];
	const char *params[4];

	assert(pg != NULL && meta != NULL);
	es_pg_int_text(id, event_id);
	params[0] = id;
	params[1] = meta->command_id; /* NULL: SQL NULL */
	params[2] = meta->actor;
	params[3] = meta->correlation_id;
	return write_one(pg, sql, 4, params, err);
}

int es_pg_load_metadata(struct es_meta *out, struct es_pg_store *pg,
			int64_t event_id, struct es_error *err)
{
	static const char sql[] =
		"SELECT command_id, actor, correlation_id FROM event_metadata"
		" WHERE event_id = $1";
	char id[ES_PG_INT_SIZE];
	const char *params[] = {id};
	PGresult *res = NULL;
	int rc;

	assert(out != NULL && pg != NULL);
	memset(out, 0, sizeof(*out));
	es_pg_int_text(id, event_id);
	rc = es_pg_exec(&res, pg, sql, 1, params, err);
	if (rc == ES_OK && PQntuples(res) > 0 &&
	    (!copy_value(&out->command_id, res, 0, 0) ||
	     !copy_value(&out->actor, res, 0, 1) ||
	     !copy_value(&out->correlation_id, res, 0, 2))) {
		es_meta_dispose(out);
		rc = es_error_set(err, ES_ENOMEM, "out of memory");
	}
	PQclear(res);
	return rc;
}

int es_pg_find_answer(char **request, char **answer, struct es_pg_store *pg,
		      const char *command_id, struct es_error *err)
{
	static const char sql[] = "SELECT request, answer FROM command_answers"
				  " WHERE command_id = $1";
	const char *params[] = {command_id};
	PGresult *res = NULL;
	int rc;

	assert(request != NULL && answer != NULL);
	assert(pg != NULL && command_id != NULL);
	*request = NULL;
	*answer = NULL;
	rc = es_pg_exec(&res, pg, sql, 1, params, err);
	if (rc == ES_OK && PQntuples(res) == 0) {
		rc = es_error_set(err, ES_ENOTFOUND,
				  "no answer for command_id '%s'", command_id);
	} else if (rc == ES_OK && (!copy_value(request, res, 0, 0) ||
				   !copy_value(answer, res, 0, 1))) {
		free(*request);
		*request = NULL;
		rc = es_error_set(err, ES_ENOMEM, "out of memory");
	}
	PQclear(res);
	return rc;
}

int es_pg_save_answer(struct es_pg_store *pg, const char *command_id,
		      const char *request, const char *answer,
		      struct es_error *err)
{
	static const char sql[] = "INSERT INTO command_answers (command_id,"
				  " request, answer) VALUES ($1, $2, $3)";
	const char *params[] = {command_id, request, answer};

	assert(pg != NULL && command_id != NULL);
	assert(request != NULL && answer != NULL);
	return write_one(pg, sql, 3, params, err);
}

int es_pg_each_answer(struct es_pg_store *pg, es_answer_fn fn, void *ctx,
		      struct es_error *err)
{
	static const char sql[] = "SELECT command_id, request, answer"
				  " FROM command_answers ORDER BY command_id";
	struct es_pg_cursor cur;
	const PGresult *res = NULL;
	bool done = false;
	int row = 0;
	int rc;

	assert(pg != NULL && fn != NULL);
	rc = es_pg_cursor_open(&cur, pg, sql, 0, NULL, err);
	while (rc == ES_OK) {
		rc = es_pg_cursor_row(&res, &row, &done, &cur, err);
		if (rc != ES_OK || done)
			break;
		rc = fn(ctx, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1),
			PQgetvalue(res, row, 2), err);
	}
	return es_pg_cursor_close(&cur, rc, err);
}

/* ---- rows that are not events ------------------------------------------- */

int es_pg_count_after(int64_t *out, struct es_pg_store *pg, int64_t after_id,
		      struct es_error *err)
{
	static const char sql[] =
		"SELECT count(*) FROM events e WHERE e.id > $1 AND NOT EXISTS"
		" (SELECT 1 FROM event_quarantine q WHERE q.event_id = e.id)";
	char after[ES_PG_INT_SIZE];
	const char *params[] = {after};
	PGresult *res = NULL;
	int rc;

	assert(out != NULL && pg != NULL);
	es_pg_int_text(after, after_id);
	rc = es_pg_exec(&res, pg, sql, 1, params, err);
	if (rc == ES_OK)
		*out = es_pg_int_value(res, 0, 0);
	PQclear(res);
	return rc;
}

/* The decoding error without the "event 12: " it starts with. */
static const char *without_id(const char *msg, int64_t id)
{
	char prefix[32];
	size_t len;

	snprintf(prefix, sizeof(prefix), "event %" PRId64 ": ", id);
	len = strlen(prefix);
	return strncmp(msg, prefix, len) == 0 ? msg + len : msg;
}

/* Report row `row` of `res`, which did not decode (`why`), to `fn`. */
static int report(struct es_pg_store *pg, const PGresult *res, int row,
		  const struct es_error *why, es_bad_row_fn fn, void *ctx,
		  struct es_error *err)
{
	static const char sql[] = "SELECT reason, quarantined_at"
				  " FROM event_quarantine WHERE event_id = $1";
	const char *params[] = {PQgetvalue(res, row, 0)};
	struct es_bad_row bad;
	PGresult *q = NULL;
	int rc;

	bad.id = es_pg_int_value(res, row, 0);
	bad.product_id = es_pg_int_value(res, row, 1);
	bad.error = without_id(why->msg, bad.id);
	rc = es_pg_exec(&q, pg, sql, 1, params, err);
	if (rc != ES_OK)
		return rc;
	bad.reason = PQntuples(q) > 0 ? PQgetvalue(q, 0, 0) : NULL;
	bad.quarantined_at = PQntuples(q) > 0 ? PQgetvalue(q, 0, 1) : NULL;
	rc = fn(ctx, &bad, err);
	PQclear(q);
	return rc;
}

/*
 * Decode every row `sql` selects (ES_PG_EVENT_COLUMNS, with one integer
 * parameter, `arg`), in order, and report those that do not decode to
 * `fn`: what es_pg_verify() and es_pg_verify_quarantined() share.
 */
static int verify_rows(int64_t *checked, struct es_pg_store *pg,
		       const char *sql, int64_t arg, es_bad_row_fn fn,
		       void *ctx, struct es_error *err)
{
	char text[ES_PG_INT_SIZE];
	const char *params[] = {text};
	struct es_pg_cursor cur;
	const PGresult *res = NULL;
	int64_t count = 0;
	bool done = false;
	int row = 0;
	int rc;

	es_pg_int_text(text, arg);
	rc = es_pg_cursor_open(&cur, pg, sql, 1, params, err);
	while (rc == ES_OK) {
		struct es_error why;
		struct es_event ev;

		rc = es_pg_cursor_row(&res, &row, &done, &cur, err);
		if (rc != ES_OK || done)
			break;
		count++;
		rc = es_pg_read_row(&ev, pg, res, row, &why);
		if (rc == ES_OK)
			es_event_dispose(&ev);
		else if (rc == ES_ECORRUPT)
			rc = report(pg, res, row, &why, fn, ctx, err);
		else if (err != NULL)
			*err = why;
	}
	if (checked != NULL)
		*checked = count;
	return es_pg_cursor_close(&cur, rc, err);
}

int es_pg_verify(int64_t *checked, struct es_pg_store *pg, int64_t after_id,
		 es_bad_row_fn fn, void *ctx, struct es_error *err)
{
	static const char sql[] = "SELECT " ES_PG_EVENT_COLUMNS
				  " FROM events WHERE id > $1 ORDER BY id";

	assert(pg != NULL && fn != NULL);
	return verify_rows(checked, pg, sql, after_id, fn, ctx, err);
}

int es_pg_verify_quarantined(struct es_pg_store *pg, int64_t product_id,
			     es_bad_row_fn fn, void *ctx, struct es_error *err)
{
	static const char sql[] =
		"SELECT " ES_PG_EVENT_COLUMNS " FROM events WHERE id IN"
		" (SELECT event_id FROM event_quarantine)"
		" AND ($1 = 0 OR product_id = $1) ORDER BY id";

	assert(pg != NULL && fn != NULL);
	return verify_rows(NULL, pg, sql, product_id, fn, ctx, err);
}

/*
 * Check that the row `id` is one a quarantine is for: in the log, not
 * decodable, not in quarantine yet. Sets `*product_id` and `*why`.
 */
static int check_row(int64_t *product_id, struct es_error *why,
		     struct es_pg_store *pg, int64_t id, struct es_error *err)
{
	static const char sql[] =
		"SELECT " ES_PG_EVENT_COLUMNS ", EXISTS (SELECT 1 FROM"
		" event_quarantine WHERE event_id = $1) FROM events"
		" WHERE id = $1";
	char text[ES_PG_INT_SIZE];
	const char *params[] = {text};
	PGresult *res = NULL;
	struct es_event ev;
	int rc;

	es_pg_int_text(text, id);
	rc = es_pg_exec(&res, pg, sql, 1, params, err);
	if (rc == ES_OK && PQntuples(res) == 0)
		rc = es_error_set(err, ES_ENOTFOUND,
				  "event %" PRId64 " is not in the log", id);
	if (rc == ES_OK) {
		*product_id = es_pg_int_value(res, 0, 1);
		rc = es_pg_read_row(&ev, pg, res, 0, why);
		if (rc == ES_OK) {
			es_event_dispose(&ev);
			rc = es_error_set(err, ES_EINVAL,
					  "event %" PRId64 " decodes: correct "
					  "it with a new event, not a "
					  "quarantine",
					  id);
		} else if (rc != ES_ECORRUPT) {
			if (err != NULL)
				*err = *why;
		} else if (strcmp(PQgetvalue(res, 0, 5), "t") == 0) {
			rc = es_error_set(err, ES_EINVAL,
					  "event %" PRId64
					  " is in quarantine already",
					  id);
		} else {
			rc = ES_OK;
		}
	}
	PQclear(res);
	return rc;
}

int es_pg_quarantine(struct es_pg_store *pg, int64_t event_id,
		     const char *reason, const char *at, struct es_error *err)
{
	static const char insert_sql[] =
		"INSERT INTO event_quarantine (event_id, reason, error,"
		" quarantined_at) VALUES ($1, $2, $3, $4)";
	/* The product's version, counted again without the row. */
	static const char recount_sql[] =
		"UPDATE stream_versions SET version = (SELECT count(*)"
		" FROM events e WHERE e.product_id = $1 AND e.event_type IN"
		" (SELECT name FROM versioned_types) AND NOT EXISTS"
		" (SELECT 1 FROM event_quarantine q WHERE q.event_id = e.id))"
		" WHERE product_id = $1";
	struct es_error why = {0, ""};
	char id[ES_PG_INT_SIZE], product[ES_PG_INT_SIZE];
	const char *insert_params[] = {id, reason, NULL, at};
	const char *const recount_params[] = {product};
	int64_t product_id = 0;
	bool own;
	int rc;

	assert(pg != NULL && reason != NULL && at != NULL);
	if (reason[0] == '\0')
		return es_error_set(err, ES_EINVAL,
				    "a quarantine needs a reason");
	rc = es_pg_write_begin(pg, &own, err);
	if (rc != ES_OK)
		return rc;
	/* Under the append lock: no append changes the version meanwhile. */
	rc = es_pg_exec(NULL, pg, lock_sql, 0, NULL, err);
	if (rc == ES_OK)
		rc = check_row(&product_id, &why, pg, event_id, err);
	es_pg_int_text(id, event_id);
	es_pg_int_text(product, product_id);
	insert_params[2] = without_id(why.msg, event_id);
	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, insert_sql, 4, insert_params, err);
	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, recount_sql, 1, recount_params, err);
	return es_pg_write_end(pg, own, rc, err);
}

/* ---- a copy of a log, and waiting for it to grow ------------------------ */

/* Set `*last` to the greatest id in the log, 0 for an empty log. */
static int last_id(int64_t *last, struct es_pg_store *pg, struct es_error *err)
{
	PGresult *res = NULL;
	int rc;

	rc = es_pg_exec(&res, pg, "SELECT COALESCE(max(id), 0) FROM events", 0,
			NULL, err);
	if (rc == ES_OK)
		*last = es_pg_int_value(res, 0, 0);
	PQclear(res);
	return rc;
}

/*
 * The row, with its id; then the sequences: nextval() goes on after the
 * greatest id, so the next append (or new product) does not collide.
 */
static int insert_copy(struct es_pg_store *pg, const struct es_event *ev,
		       const char *json, struct es_error *err)
{
	static const char insert_sql[] =
		"INSERT INTO events (id, product_id, event_type, data,"
		" occurred_at) VALUES ($1, $2, $3, $4, $5)";
	static const char events_seq_sql[] =
		"SELECT setval(pg_get_serial_sequence('events', 'id'), $1)";
	static const char product_sql[] =
		"INSERT INTO product_registry (id) VALUES ($1)"
		" ON CONFLICT DO NOTHING";
	static const char products_seq_sql[] =
		"SELECT setval(pg_get_serial_sequence('product_registry',"
		" 'id'), (SELECT max(id) FROM product_registry))";
	char id[ES_PG_INT_SIZE], product[ES_PG_INT_SIZE];
	const char *params[] = {id, product, es_event_type_name(ev->type), json,
				ev->occurred_at};
	int rc;

	es_pg_int_text(id, ev->id);
	es_pg_int_text(product, ev->product_id);
	rc = es_pg_exec(NULL, pg, insert_sql, 5, params, err);
	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, events_seq_sql, 1, params, err);
	if (rc == ES_OK && ev->type == ES_PRODUCT_CREATED)
		rc = es_pg_exec(NULL, pg, product_sql, 1, params + 1, err);
	if (rc == ES_OK && ev->type == ES_PRODUCT_CREATED)
		rc = es_pg_exec(NULL, pg, products_seq_sql, 0, NULL, err);
	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, notify_sql, 1, params, err);
	return rc;
}

int es_pg_import(struct es_pg_store *pg, const struct es_event *ev,
		 const struct es_meta *meta, struct es_error *err)
{
	char *json = NULL;
	int64_t last = 0;
	bool own;
	int rc;

	assert(pg != NULL && ev != NULL);
	rc = es_event_to_json(&json, ev, err);
	if (rc != ES_OK)
		return rc;
	rc = es_pg_write_begin(pg, &own, err);
	/* An import is an append: it keeps the one order too. */
	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, lock_sql, 0, NULL, err);
	if (rc == ES_OK)
		rc = last_id(&last, pg, err);
	if (rc == ES_OK && ev->id <= last)
		rc = es_error_set(err, ES_EINVAL,
				  "event %" PRId64
				  " is not after the log's last event %" PRId64,
				  ev->id, last);
	if (rc == ES_OK)
		rc = insert_copy(pg, ev, json, err);
	if (rc == ES_OK && meta != NULL)
		rc = es_pg_save_metadata(pg, ev->id, meta, err);
	free(json);
	return es_pg_write_end(pg, own, rc, err);
}

/* Milliseconds on a clock that only goes forward. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for the connection's socket to have something to read, for up to
 * `ms`, then read it and drop the notifications: what they say, the
 * count says better (a quarantined row is not an event).
 */
static int await_notification(struct es_pg_store *pg, int ms,
			      struct es_error *err)
{
	struct pollfd fd = {.fd = PQsocket(pg->conn), .events = POLLIN};
	PGnotify *note;

	if (fd.fd < 0)
		return es_pg_error(pg, NULL, err);
	if (poll(&fd, 1, ms) < 0 && errno != EINTR)
		return es_error_set(err, ES_EDB, "poll: %s", strerror(errno));
	if (PQconsumeInput(pg->conn) == 0)
		return es_pg_error(pg, NULL, err);
	while ((note = PQnotifies(pg->conn)) != NULL)
		PQfreemem(note);
	return ES_OK;
}

int es_pg_wait(struct es_pg_store *pg, int64_t after_id, int timeout_ms,
	       bool *more, struct es_error *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	int64_t count = 0;
	int rc = ES_OK;

	assert(pg != NULL && more != NULL);
	/* Listen first, then count: an append between the two is seen. */
	if (!pg->listening)
		rc = es_pg_exec(NULL, pg, "LISTEN " ES_PG_CHANNEL, 0, NULL,
				err);
	pg->listening = rc == ES_OK;
	while (rc == ES_OK) {
		int64_t left = deadline - now_ms();

		rc = es_pg_count_after(&count, pg, after_id, err);
		if (rc != ES_OK || count > 0 || left <= 0)
			break;
		rc = await_notification(pg, (int)left, err);
	}
	*more = rc == ES_OK && count > 0;
	return rc;
}
