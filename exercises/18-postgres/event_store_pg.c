/*
 * event_store_pg.c - the event log on PostgreSQL, given complete (see
 * event_store_pg.h): the connection, its errors and transactions, the
 * decoder every load shares, the loads, and versions.
 *
 * Every statement is sent with PQexecParams(), its values as text
 * parameters ($1, $2, ...), never written into the SQL: the server
 * parses the text of an integer as well as a bound integer, and nothing
 * a caller passes can change what a statement does.
 */
#include "event_store_pg.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* Rows a cursor fetches at a time, as a number and in SQL. */
#define CURSOR_BATCH 500
#define TEXT_OF(n)   #n
#define SQL_INT(n)   TEXT_OF(n)

/* Remove the `len` bytes at `at` from the string they are in. */
static void cut(char *at, size_t len)
{
	memmove(at, at + len, strlen(at + len) + 1);
}

char *es_pg_uri_without_password(const char *uri)
{
	char *copy = strdup(uri);
	char *authority, *end, *at, *colon, *query, *p;

	if (copy == NULL)
		return NULL;
	/* scheme://user:password@host/db?password=...&... */
	authority = strstr(copy, "://");
	authority = authority != NULL ? authority + 3 : copy;
	end = authority + strcspn(authority, "/?");
	at = memchr(authority, '@', (size_t)(end - authority));
	colon = at != NULL ? memchr(authority, ':', (size_t)(at - authority))
			   : NULL;
	if (colon != NULL)
		cut(colon, (size_t)(at - colon));
	query = strchr(copy, '?');
	for (p = query; p != NULL && *p != '\0';) {
		size_t len = strcspn(p + 1, "&") + 1; /* "?x=1" or "&x=1" */

		if (strncmp(p + 1, "password=", 9) != 0) {
			p += len;
			continue;
		}
		if (p == query && p[len] == '&')
			cut(p + 1, len); /* "?password=x&y" -> "?y" */
		else
			cut(p, len);
	}
	return copy;
}

void es_pg_int_text(char out[ES_PG_INT_SIZE], int64_t value)
{
	snprintf(out, ES_PG_INT_SIZE, "%" PRId64, value);
}

int64_t es_pg_int_value(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* ---- errors ------------------------------------------------------------- */

/*
 * The first line of a libpq message, less the severity that libpq puts
 * first ("FATAL:  ", "ERROR:  "), into `out`.
 */
static void first_line(char *out, size_t size, const char *msg)
{
	const char *p = msg;

	while (isupper((unsigned char)*p))
		p++;
	if (p > msg && strncmp(p, ":  ", 3) == 0)
		msg = p + 3;
	snprintf(out, size, "%.*s", (int)strcspn(msg, "\n"), msg);
}

int es_pg_error(struct es_pg_store *pg, const PGresult *res,
		struct es_error *err)
{
	const char *state = NULL;
	const char *primary = NULL;
	char line[ES_ERROR_MSG_SIZE];

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (state != NULL &&
	    (strcmp(state, "55P03") == 0 || strcmp(state, "40P01") == 0))
		return es_error_set(err, ES_EBUSY, "database is locked");
	if (primary != NULL)
		snprintf(line, sizeof(line), "%s", primary);
	else
		first_line(line, sizeof(line), PQerrorMessage(pg->conn));
	/* Whatever was said last, the connection is gone. */
	if (PQstatus(pg->conn) == CONNECTION_BAD)
		return es_error_set(err, ES_EDB,
				    "the connection to the server was lost: %s",
				    line);
	if (strcmp(line, "out of memory") == 0)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	return es_error_set(err, ES_EDB, "%s", line);
}

int es_pg_exec(PGresult **out, struct es_pg_store *pg, const char *sql,
	       int nparams, const char *const *params, struct es_error *err)
{
	PGresult *res;
	ExecStatusType status;

	if (out != NULL)
		*out = NULL;
	res = PQexecParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	status = PQresultStatus(res);
	if (res == NULL ||
	    (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)) {
		int rc = es_pg_error(pg, res, err);

		PQclear(res);
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return ES_OK;
}

/* ---- open and close ----------------------------------------------------- */

/*
 * A read-only store checks that the log is there, as a SQLite store
 * prepares its statements at open: "relation \"events\" does not exist".
 */
static const char probe_sql[] = "SELECT 1 FROM events LIMIT 0";

static const char read_only_sql[] =
	"SELECT set_config('default_transaction_read_only', 'on', false)";

/*
 * The server's notices and warnings ("there is no transaction in
 * progress") would go to standard error: every failure is reported
 * through `err` instead, and the rest is not the user's business.
 */
static void ignore_notice(void *ctx, const char *message)
{
	(void)ctx;
	(void)message;
}

/*
 * libpq's first line about a connection that could not be made. When the
 * server answered, its answer is what the user needs: "connection to server
 * on socket \"<dir>/.s.PGSQL.5432\" failed: FATAL:  database \"x\" does not
 * exist" becomes "database \"x\" does not exist" (the socket is in the URI
 * the message starts with, and a long URI would push the answer past
 * ES_ERROR_MSG_SIZE). With no server there is no answer: the whole line.
 */
static int connect_error(const struct es_pg_store *pg, struct es_error *err)
{
	static const char fatal[] = " failed: FATAL:  ";
	const char *msg = PQerrorMessage(pg->conn);
	const char *answer = strstr(msg, fatal);
	char line[ES_ERROR_MSG_SIZE];

	if (answer != NULL && answer < msg + strcspn(msg, "\n"))
		msg = answer + strlen(fatal);
	first_line(line, sizeof(line), msg);
	return es_error_set(err, ES_EDB, "%s", line);
}

/* A failed open's message: "<uri>: <what>". */
static int open_error(const struct es_pg_store *pg, int rc,
		      struct es_error *err)
{
	return es_error_prefix(err, rc, pg->uri);
}

int es_pg_open(struct es_pg_store **out, const char *uri,
	       enum es_store_mode mode, struct es_error *err)
{
	struct es_pg_store *pg;
	int rc = ES_OK;

	assert(out != NULL && uri != NULL);
	pg = calloc(1, sizeof(*pg));
	if (pg != NULL)
		pg->uri = es_pg_uri_without_password(uri);
	if (pg == NULL || pg->uri == NULL) {
		free(pg);
		return es_error_set(err, ES_ENOMEM, "out of memory");
	}
	pg->writable = mode == ES_STORE_WRITE;
	/* PQconnectdb() hands back a connection even when it fails. */
	pg->conn = PQconnectdb(uri);
	if (pg->conn == NULL)
		rc = es_error_set(err, ES_ENOMEM, "out of memory");
	else if (PQstatus(pg->conn) != CONNECTION_OK ||
		 PQsetClientEncoding(pg->conn, "UTF8") != 0)
		rc = connect_error(pg, err);
	if (rc == ES_OK) {
		PQsetNoticeProcessor(pg->conn, ignore_notice, NULL);
		es_pg_set_busy_timeout(pg, ES_STORE_BUSY_TIMEOUT_MS);
	}
	if (rc == ES_OK && pg->writable)
		rc = es_pg_create_schema(pg, err);
	if (rc == ES_OK && !pg->writable)
		rc = es_pg_exec(NULL, pg, read_only_sql, 0, NULL, err);
	if (rc == ES_OK && !pg->writable)
		rc = es_pg_exec(NULL, pg, probe_sql, 0, NULL, err);
	if (rc != ES_OK) {
		/* Which database, then what went wrong with it. */
		open_error(pg, rc, err);
		es_pg_close(pg);
		return rc;
	}
	*out = pg;
	return ES_OK;
}

void es_pg_close(struct es_pg_store *pg)
{
	if (pg == NULL)
		return;
	/* Closing the connection rolls back a transaction still open. */
	PQfinish(pg->conn);
	free(pg->uri);
	free(pg);
}

void es_pg_set_busy_timeout(struct es_pg_store *pg, int ms)
{
	static const char sql[] =
		"SELECT set_config('lock_timeout', $1, false)";
	char text[ES_PG_INT_SIZE];
	const char *params[] = {text};

	assert(pg != NULL);
	es_pg_int_text(text, ms > 0 ? ms : 1);
	/* Can't fail: a lost connection is reported by the next call. */
	es_pg_exec(NULL, pg, sql, 1, params, NULL);
}

const char *es_pg_path(const struct es_pg_store *pg)
{
	assert(pg != NULL);
	return pg->uri;
}

void es_pg_set_upcaster(struct es_pg_store *pg, es_upcast_fn fn, void *ctx)
{
	assert(pg != NULL);
	pg->upcast = fn;
	pg->upcast_ctx = ctx;
}

/* ---- transactions ------------------------------------------------------- */

/*
 * PostgreSQL accepts a BEGIN inside a transaction and a COMMIT outside
 * one with a warning; the contract, and the SQLite store, refuse both.
 */
int es_pg_begin(struct es_pg_store *pg, struct es_error *err)
{
	assert(pg != NULL);
	if (PQtransactionStatus(pg->conn) != PQTRANS_IDLE &&
	    PQstatus(pg->conn) == CONNECTION_OK)
		return es_error_set(err, ES_EDB,
				    "cannot start a transaction "
				    "within a transaction");
	return es_pg_exec(NULL, pg, "BEGIN", 0, NULL, err);
}

int es_pg_commit(struct es_pg_store *pg, struct es_error *err)
{
	PGTransactionStatusType status;

	assert(pg != NULL);
	status = PQtransactionStatus(pg->conn);
	if (status == PQTRANS_IDLE)
		return es_error_set(err, ES_EDB,
				    "cannot commit - no "
				    "transaction is active");
	/* A COMMIT of a failed transaction rolls it back, and says OK. */
	if (status == PQTRANS_INERROR) {
		es_pg_rollback(pg);
		return es_error_set(err, ES_EDB,
				    "current transaction is aborted: rolled "
				    "back, not committed");
	}
	return es_pg_exec(NULL, pg, "COMMIT", 0, NULL, err);
}

void es_pg_rollback(struct es_pg_store *pg)
{
	assert(pg != NULL);
	if (PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		es_pg_exec(NULL, pg, "ROLLBACK", 0, NULL, NULL);
}

int es_pg_write_begin(struct es_pg_store *pg, bool *own, struct es_error *err)
{
	*own = PQtransactionStatus(pg->conn) == PQTRANS_IDLE ||
	       PQstatus(pg->conn) != CONNECTION_OK;
	if (!*own)
		return ES_OK;
	return es_pg_exec(NULL, pg, "BEGIN", 0, NULL, err);
}

int es_pg_write_end(struct es_pg_store *pg, bool own, int rc,
		    struct es_error *err)
{
	if (!own)
		return rc;
	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, "COMMIT", 0, NULL, err);
	if (rc != ES_OK)
		es_pg_rollback(pg);
	return rc;
}

int es_pg_new_product_id(struct es_pg_store *pg, int64_t *out,
			 struct es_error *err)
{
	static const char sql[] =
		"INSERT INTO product_registry DEFAULT VALUES RETURNING id";
	PGresult *res = NULL;
	int64_t id = 0;
	bool own;
	int rc;

	assert(pg != NULL && out != NULL);
	rc = es_pg_write_begin(pg, &own, err);
	if (rc != ES_OK)
		return rc;
	rc = es_pg_exec(&res, pg, sql, 0, NULL, err);
	if (rc == ES_OK)
		id = es_pg_int_value(res, 0, 0);
	PQclear(res);
	rc = es_pg_write_end(pg, own, rc, err);
	if (rc == ES_OK)
		*out = id;
	return rc;
}

/* ---- decoding ----------------------------------------------------------- */

/*
 * The SQLite store's decode() and check_columns() (step 2), which are
 * static in your event_store.c: the same checks, the same messages, so
 * a row reads the same from either store.
 */
static int decode(struct es_event *ev, struct es_pg_store *pg, int64_t id,
		  const char *type_name, const char *data, struct es_error *err)
{
	struct es_error why = {0, ""}; /* an upcaster may forget to set it */
	enum es_event_type type;
	char *upcast = NULL;
	int rc;

	rc = es_event_type_parse(&type, type_name, &why);
	if (rc == ES_OK && pg->upcast != NULL)
		rc = pg->upcast(pg->upcast_ctx, type, data, &upcast, &why);
	if (rc == ES_OK)
		rc = es_event_from_json(ev, type,
					upcast != NULL ? upcast : data, &why);
	free(upcast);
	if (rc == ES_OK)
		return ES_OK;
	if (rc != ES_ENOMEM)
		rc = ES_ECORRUPT;
	return es_error_set(err, rc, "event %" PRId64 ": %s", id, why.msg);
}

static int check_columns(const struct es_event *ev, int64_t product_id,
			 const char *occurred_at, struct es_error *err)
{
	if (ev->product_id != product_id)
		return es_error_set(err, ES_ECORRUPT,
				    "event %" PRId64
				    ": product_id column %" PRId64
				    " does not match data %" PRId64,
				    ev->id, product_id, ev->product_id);
	if (strcmp(ev->occurred_at, occurred_at) != 0)
		return es_error_set(err, ES_ECORRUPT,
				    "event %" PRId64 ": occurred_at column "
				    "'%s' does not match data '%s'",
				    ev->id, occurred_at, ev->occurred_at);
	return ES_OK;
}

int es_pg_read_row(struct es_event *out, struct es_pg_store *pg,
		   const PGresult *res, int row, struct es_error *err)
{
	int64_t id = es_pg_int_value(res, row, 0);
	int rc;

	assert(out != NULL && pg != NULL && res != NULL);
	memset(out, 0, sizeof(*out));
	rc = decode(out, pg, id, PQgetvalue(res, row, 2),
		    PQgetvalue(res, row, 3), err);
	if (rc != ES_OK)
		return rc;
	out->id = id;
	rc = check_columns(out, es_pg_int_value(res, row, 1),
			   PQgetvalue(res, row, 4), err);
	if (rc != ES_OK)
		es_event_dispose(out);
	return rc;
}

/* Whether the row `id` is in quarantine. */
static int quarantined(bool *out, struct es_pg_store *pg, int64_t id,
		       struct es_error *err)
{
	static const char sql[] =
		"SELECT 1 FROM event_quarantine WHERE event_id = $1";
	char text[ES_PG_INT_SIZE];
	const char *params[] = {text};
	PGresult *res = NULL;
	int rc;

	es_pg_int_text(text, id);
	rc = es_pg_exec(&res, pg, sql, 1, params, err);
	if (rc == ES_OK)
		*out = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

int es_pg_read_event(struct es_event *out, bool *skip, struct es_pg_store *pg,
		     const PGresult *res, int row, struct es_error *err)
{
	int rc;

	*skip = false;
	rc = es_pg_read_row(out, pg, res, row, err);
	if (rc != ES_ECORRUPT)
		return rc;
	/* The decoding error is the one to report if this fails. */
	if (quarantined(skip, pg, es_pg_int_value(res, row, 0), NULL) !=
		    ES_OK ||
	    !*skip)
		return rc;
	return ES_OK;
}

/* ---- reading: a whole result, or a cursor ------------------------------- */

/* Run `sql` and push each event of its rows onto `*out`. */
static int collect(struct es_event_list *out, struct es_pg_store *pg,
		   const char *sql, int nparams, const char *const *params,
		   struct es_error *err)
{
	struct es_event_list list = {0};
	PGresult *res = NULL;
	int rc;

	rc = es_pg_exec(&res, pg, sql, nparams, params, err);
	for (int i = 0; rc == ES_OK && i < PQntuples(res); i++) {
		struct es_event ev;
		bool skip;

		rc = es_pg_read_event(&ev, &skip, pg, res, i, err);
		if (rc == ES_OK && !skip)
			rc = es_event_list_push(&list, &ev, err);
	}
	PQclear(res);
	if (rc != ES_OK)
		es_event_list_dispose(&list); /* leaves it empty */
	*out = list;
	return rc;
}

int es_pg_cursor_open(struct es_pg_cursor *cur, struct es_pg_store *pg,
		      const char *sql, int nparams, const char *const *params,
		      struct es_error *err)
{
	static const char declare[] = "DECLARE es_cursor NO SCROLL CURSOR FOR ";
	char *text;
	int rc;

	memset(cur, 0, sizeof(*cur));
	cur->pg = pg;
	text = malloc(sizeof(declare) + strlen(sql));
	if (text == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	memcpy(text, declare, sizeof(declare) - 1);
	memcpy(text + sizeof(declare) - 1, sql, strlen(sql) + 1);
	rc = es_pg_write_begin(pg, &cur->own, err);
	if (rc == ES_OK)
		rc = es_pg_exec(NULL, pg, text, nparams, params, err);
	free(text);
	cur->open = rc == ES_OK;
	return rc;
}

int es_pg_cursor_row(const PGresult **res, int *row, bool *done,
		     struct es_pg_cursor *cur, struct es_error *err)
{
	static const char fetch_sql[] =
		"FETCH FORWARD " SQL_INT(CURSOR_BATCH) " FROM es_cursor";

	if (cur->batch == NULL || cur->next == PQntuples(cur->batch)) {
		int rc;

		PQclear(cur->batch);
		cur->batch = NULL;
		*done = cur->last;
		if (cur->last)
			return ES_OK;
		rc = es_pg_exec(&cur->batch, cur->pg, fetch_sql, 0, NULL, err);
		if (rc != ES_OK)
			return rc;
		cur->next = 0;
		cur->last = PQntuples(cur->batch) < CURSOR_BATCH;
		*done = PQntuples(cur->batch) == 0;
		if (*done)
			return ES_OK;
	}
	*done = false;
	*res = cur->batch;
	*row = cur->next++;
	return ES_OK;
}

int es_pg_cursor_next(struct es_event *ev, bool *done, struct es_pg_cursor *cur,
		      struct es_error *err)
{
	for (;;) {
		const PGresult *res = NULL;
		bool skip = false;
		int row = 0;
		int rc;

		rc = es_pg_cursor_row(&res, &row, done, cur, err);
		if (rc != ES_OK || *done)
			return rc;
		rc = es_pg_read_event(ev, &skip, cur->pg, res, row, err);
		if (rc != ES_OK || !skip)
			return rc;
	}
}

int es_pg_cursor_close(struct es_pg_cursor *cur, int rc, struct es_error *err)
{
	PQclear(cur->batch);
	cur->batch = NULL;
	/* In the caller's transaction, the name must be free again. */
	if (cur->open && !cur->own && rc == ES_OK)
		rc = es_pg_exec(NULL, cur->pg, "CLOSE es_cursor", 0, NULL, err);
	cur->open = false;
	return es_pg_write_end(cur->pg, cur->own, rc, err);
}

/* ---- loads -------------------------------------------------------------- */

static const char select_product_sql[] =
	"SELECT " ES_PG_EVENT_COLUMNS " FROM events"
	" WHERE product_id = $1 AND id > $2 ORDER BY id";

static const char select_until_sql[] =
	"SELECT " ES_PG_EVENT_COLUMNS " FROM events"
	" WHERE product_id = $1 AND id > $2 AND occurred_at <= $3"
	" ORDER BY id";

int es_pg_load(struct es_event_list *out, struct es_pg_store *pg,
	       int64_t product_id, struct es_error *err)
{
	return es_pg_load_range(out, pg, product_id, 0, NULL, err);
}

int es_pg_load_range(struct es_event_list *out, struct es_pg_store *pg,
		     int64_t product_id, int64_t after_id, const char *until,
		     struct es_error *err)
{
	char product[ES_PG_INT_SIZE], after[ES_PG_INT_SIZE];
	const char *params[] = {product, after, until};

	assert(out != NULL && pg != NULL);
	es_pg_int_text(product, product_id);
	es_pg_int_text(after, after_id);
	if (until == NULL)
		return collect(out, pg, select_product_sql, 2, params, err);
	return collect(out, pg, select_until_sql, 3, params, err);
}

int es_pg_load_all(struct es_pg_store *pg, es_event_fn fn, void *ctx,
		   struct es_error *err)
{
	return es_pg_load_after(pg, 0, fn, ctx, err);
}

int es_pg_get(struct es_event *out, struct es_pg_store *pg, int64_t event_id,
	      struct es_error *err)
{
	static const char sql[] =
		"SELECT " ES_PG_EVENT_COLUMNS " FROM events WHERE id = $1";
	char id[ES_PG_INT_SIZE];
	const char *params[] = {id};
	struct es_event_list list;
	int rc;

	assert(out != NULL && pg != NULL);
	memset(out, 0, sizeof(*out));
	es_pg_int_text(id, event_id);
	rc = collect(&list, pg, sql, 1, params, err);
	if (rc == ES_OK && list.count > 0) {
		*out = list.items[0];
		list.count = 0; /* moved out */
	} else if (rc == ES_OK) {
		rc = es_error_set(err, ES_ENOTFOUND,
				  "event %" PRId64 " not found", event_id);
	}
	es_event_list_dispose(&list);
	return rc;
}

/* ---- versions ----------------------------------------------------------- */

static const char lock_sql[] =
	"SELECT pg_advisory_xact_lock(" ES_PG_APPEND_LOCK ")";

/*
 * stream_versions is created with the schema and kept by its trigger
 * from the first event on, so it is never filled afterwards as on
 * SQLite, and a read-only store reads it too.
 */
int es_pg_version(int64_t *out, struct es_pg_store *pg, int64_t product_id,
		  struct es_error *err)
{
	static const char sql[] =
		"SELECT version FROM stream_versions WHERE product_id = $1";
	char product[ES_PG_INT_SIZE];
	const char *params[] = {product};
	PGresult *res = NULL;
	int rc;

	assert(out != NULL && pg != NULL);
	es_pg_int_text(product, product_id);
	rc = es_pg_exec(&res, pg, sql, 1, params, err);
	if (rc == ES_OK)
		*out = PQntuples(res) > 0 ? es_pg_int_value(res, 0, 0) : 0;
	PQclear(res);
	return rc;
}

int es_pg_append_expected(struct es_pg_store *pg, struct es_event *ev,
			  int64_t expected_version, struct es_error *err)
{
	int64_t found = 0;
	bool own;
	int rc;

	assert(pg != NULL && ev != NULL);
	rc = es_pg_write_begin(pg, &own, err);
	if (rc != ES_OK)
		return rc;
	/*
	 * Only appends change a version, and each holds this lock to its
	 * commit: under it, the version read is the one appended after.
	 */
	rc = es_pg_exec(NULL, pg, lock_sql, 0, NULL, err);
	if (rc == ES_OK)
		rc = es_pg_version(&found, pg, ev->product_id, err);
	if (rc == ES_OK && found != expected_version)
		rc = es_error_set(err, ES_ECONFLICT,
				  "Product %" PRId64 " changed while you "
				  "worked: expected version %" PRId64
				  ", found %" PRId64,
				  ev->product_id, expected_version, found);
	if (rc == ES_OK)
		rc = es_pg_append(pg, ev, err);
	return es_pg_write_end(pg, own, rc, err);
}
