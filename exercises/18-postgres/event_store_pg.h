/*
 * event_store_pg.h - the event log on PostgreSQL: what the step's files
 * share, and nobody else includes. Given complete.
 *
 * event_store.h is the contract; this is a second implementation of it,
 * on libpq (Debian's libpq-dev). es_store_open() opens it for a path that
 * starts with "postgresql://" or "postgres://", a libpq URI:
 *
 *   postgresql:///kata?host=/abs/build/pg&user=kata
 *
 * store_dispatch.c routes each call of event_store.h to the SQLite store
 * or to the es_pg_* functions below (it says how). Its files:
 *
 *   event_store_pg.c          given: open, errors, transactions, the
 *                             decoder, the loads, versions
 *   event_store_pg_schema.c   given: the tables, indexes and triggers
 *   event_store_pg_rows.c     given: metadata, answers, verify,
 *                             quarantine, import, wait
 *   event_store_pg_order.c    yours: es_pg_append(), es_pg_load_after()
 *   store_dispatch.c          given: which store a call goes to
 *
 * THE TABLES are the SQLite store's (event_store.h), column for column,
 * in PostgreSQL's types: events(id bigserial PRIMARY KEY, product_id
 * bigint, event_type text, data text, occurred_at text), product_registry,
 * event_types, event_quarantine, event_metadata, command_answers and
 * stream_versions; plus versioned_types, the event types
 * es_event_versioned() is true for, which the trigger that keeps
 * stream_versions counts. The triggers refuse what the SQLite ones
 * refuse, with the same messages:
 *
 *   UPDATE, DELETE or TRUNCATE of events   "events are append-only"
 *   data that is not a JSON object         "events: data is not a JSON
 *                                          object"
 *   a type not in event_types              "events: unknown event_type"
 *
 * Every text column that is compared or sorted (occurred_at,
 * command_id) has COLLATE "C": bytes, as SQLite compares, whatever the
 * database's locale.
 *
 * ONE GLOBAL ORDER, AND NO GAP A READER CAN SEE. On SQLite a writer holds
 * the whole file, so ids are handed out and committed one writer at a
 * time: a reader that has seen id 11 has seen every id below it. On
 * PostgreSQL many writers run at once. The sequence behind events.id
 * hands out an id when a row is inserted, but transactions commit in any
 * order:
 *
 *   writer A: INSERT -> id 10 ........................ COMMIT
 *   writer B:      INSERT -> id 11 ... COMMIT
 *   reader:                                   id > 9: sees 11 only
 *
 * The reader moves its checkpoint to 11, and never asks for 10 again:
 * event 10 is skipped for ever. The kata's answer is to serialize
 * appends: es_pg_append() takes the transaction-level advisory lock
 * ES_PG_APPEND_LOCK before its INSERT. PostgreSQL releases it only at
 * COMMIT or ROLLBACK, once the transaction's rows are visible, so the
 * next writer gets its id after the previous append is there to read.
 * Committed ids are then always a prefix of the ids handed out: a reader
 * that sees 11 has seen 10, or 10 was rolled back, and is a gap that no
 * reader waits for. The price: appends to the log wait for one another
 * (from their first append to their commit), as on SQLite, where a
 * writer waits for the whole file.
 *
 * Every append also runs pg_notify('es_events', id) in its transaction:
 * PostgreSQL delivers it at commit, to the connections that LISTEN
 * (es_store_wait).
 *
 * TRANSACTIONS. es_store_begin() is a plain BEGIN: unlike SQLite's BEGIN
 * IMMEDIATE it locks nothing until the first append. What a transaction
 * loads before that may change under it; a decision that must still be
 * true when it is appended checks a version (es_store_append_expected,
 * under the same lock). Every error of a statement aborts PostgreSQL's
 * whole transaction: roll it back.
 *
 * WHAT THIS STEP LEAVES OUT. Snapshots (step 11) and history queries
 * (step 14) open es_store_path() as a SQLite file: they work on SQLite
 * only. es_group_* (step 16's group commit) reads the SQLite handle:
 * catalog apply --batch refuses a PostgreSQL log. Nor is there a
 * partitioned log, or one log across regions.
 */
#ifndef ES_EVENT_STORE_PG_H
#define ES_EVENT_STORE_PG_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"

/*
 * The key of the advisory lock every append takes (pg_advisory_xact_lock):
 * any fixed number that no other program locks on the same database; this
 * one is "kata" in ASCII (0x6b617461). It is one lock per database: two
 * logs in two schemas of one database share it. Written into the SQL as
 * text: "SELECT pg_advisory_xact_lock(" ES_PG_APPEND_LOCK ")".
 */
#define ES_PG_APPEND_LOCK "1801548897"

/*
 * The channel every append notifies with its id (pg_notify), and
 * es_store_wait() listens to.
 */
#define ES_PG_CHANNEL "es_events"

/* The columns every load selects from events, in this order. */
#define ES_PG_EVENT_COLUMNS "id, product_id, event_type, data, occurred_at"

/*
 * A store on PostgreSQL: one connection. Whether a transaction is open
 * is the connection's own state (PQtransactionStatus), not a copy.
 */
struct es_pg_store {
	PGconn *conn;
	char *uri;	     /* owned: the URI opened, less its password */
	bool writable;	     /* ES_STORE_WRITE */
	bool listening;	     /* LISTEN es_events was sent (es_pg_wait) */
	es_upcast_fn upcast; /* every load's, or NULL: es_store_set_upcaster */
	void *upcast_ctx;
	struct es_pg_store *next_live; /* store_dispatch.c's list */
};

/*
 * A copy of `uri` without its password (the user:password@ of the
 * authority, and a password=... parameter), for messages and
 * es_store_path(). NULL when out of memory; the caller frees it.
 */
char *es_pg_uri_without_password(const char *uri);

/* ---- the functions of event_store.h, on PostgreSQL ---------------------- */

/*
 * Connect with PQconnectdb(); in ES_STORE_WRITE mode create what is
 * missing of the schema (event_store_pg_schema.c), in ES_STORE_READONLY
 * mode make every transaction read-only (default_transaction_read_only)
 * and check that the log is there. A failure is ES_EDB (ES_ENOMEM,
 * ES_EBUSY) with one line: the URI without its password, then libpq's
 * first line, or the server's answer when there was one:
 *
 *   "<uri>: invalid URI query parameter: \"nosuch\""
 *   "<uri>: database \"nosuch\" does not exist"
 *   "<uri>: connection to server on socket \"/no/dir/.s.PGSQL.5432\"
 *    failed: No such file or directory"
 *
 * Close it with es_pg_close().
 */
int es_pg_open(struct es_pg_store **out, const char *uri,
	       enum es_store_mode mode, struct es_error *err);
void es_pg_close(struct es_pg_store *pg);
/*
 * SET lock_timeout: how long a statement waits for a lock (the append
 * lock, a row) before it fails with ES_EBUSY, "database is locked"
 * (SQLSTATE 55P03, and 40P01 for a deadlock). 0 is one millisecond:
 * PostgreSQL's 0 would be "wait for ever".
 */
void es_pg_set_busy_timeout(struct es_pg_store *pg, int ms);
int es_pg_begin(struct es_pg_store *pg, struct es_error *err);
int es_pg_commit(struct es_pg_store *pg, struct es_error *err);
void es_pg_rollback(struct es_pg_store *pg);
int es_pg_new_product_id(struct es_pg_store *pg, int64_t *out,
			 struct es_error *err);
int es_pg_load(struct es_event_list *out, struct es_pg_store *pg,
	       int64_t product_id, struct es_error *err);
int es_pg_load_all(struct es_pg_store *pg, es_event_fn fn, void *ctx,
		   struct es_error *err);
int es_pg_get(struct es_event *out, struct es_pg_store *pg, int64_t event_id,
	      struct es_error *err);
int es_pg_save_metadata(struct es_pg_store *pg, int64_t event_id,
			const struct es_meta *meta, struct es_error *err);
int es_pg_load_metadata(struct es_meta *out, struct es_pg_store *pg,
			int64_t event_id, struct es_error *err);
int es_pg_find_answer(char **request, char **answer, struct es_pg_store *pg,
		      const char *command_id, struct es_error *err);
int es_pg_save_answer(struct es_pg_store *pg, const char *command_id,
		      const char *request, const char *answer,
		      struct es_error *err);
int es_pg_count_after(int64_t *out, struct es_pg_store *pg, int64_t after_id,
		      struct es_error *err);
int es_pg_verify(int64_t *checked, struct es_pg_store *pg, int64_t after_id,
		 es_bad_row_fn fn, void *ctx, struct es_error *err);
int es_pg_verify_quarantined(struct es_pg_store *pg, int64_t product_id,
			     es_bad_row_fn fn, void *ctx, struct es_error *err);
int es_pg_quarantine(struct es_pg_store *pg, int64_t event_id,
		     const char *reason, const char *at, struct es_error *err);
/* The URI without its password. */
const char *es_pg_path(const struct es_pg_store *pg);
int es_pg_load_range(struct es_event_list *out, struct es_pg_store *pg,
		     int64_t product_id, int64_t after_id, const char *until,
		     struct es_error *err);
int es_pg_version(int64_t *out, struct es_pg_store *pg, int64_t product_id,
		  struct es_error *err);
/* Takes the append lock, then checks the version and appends under it. */
int es_pg_append_expected(struct es_pg_store *pg, struct es_event *ev,
			  int64_t expected_version, struct es_error *err);
void es_pg_set_upcaster(struct es_pg_store *pg, es_upcast_fn fn, void *ctx);
/* Takes the append lock too, and moves both sequences past the ids. */
int es_pg_import(struct es_pg_store *pg, const struct es_event *ev,
		 const struct es_meta *meta, struct es_error *err);
/* In order of command_id, byte by byte (COLLATE "C"), as on SQLite. */
int es_pg_each_answer(struct es_pg_store *pg, es_answer_fn fn, void *ctx,
		      struct es_error *err);
/*
 * LISTEN es_events (once), then wait on the connection's socket with
 * poll() for a notification (PQconsumeInput, PQnotifies) or the timeout.
 */
int es_pg_wait(struct es_pg_store *pg, int64_t after_id, int timeout_ms,
	       bool *more, struct es_error *err);

/*
 * Yours (event_store_pg_order.c).
 *
 * Append `ev` as es_store_append() does, in one global order: in the
 * caller's transaction or one of its own (es_pg_write_begin), take the
 * append lock (ES_PG_APPEND_LOCK), INSERT the row and read its id back
 * (RETURNING id), and notify ES_PG_CHANNEL with the id as text. On
 * success sets ev->id. Returns ES_OK or what failed; on failure nothing
 * is appended.
 */
int es_pg_append(struct es_pg_store *pg, struct es_event *ev,
		 struct es_error *err);

/*
 * The catch-up reader: stream every event whose id is greater than
 * `after_id` to `fn`, in order of id, as es_store_load_after() does, in
 * one statement (es_pg_cursor_open), so one snapshot: never an event
 * with a greater id without those below it that will ever commit.
 */
int es_pg_load_after(struct es_pg_store *pg, int64_t after_id, es_event_fn fn,
		     void *ctx, struct es_error *err);

/* ---- what the files share ----------------------------------------------- */

/* Room for an int64_t as text, sign and NUL included. */
#define ES_PG_INT_SIZE 24

/* Write `value` as decimal text into `out`: a parameter of a statement. */
void es_pg_int_text(char out[ES_PG_INT_SIZE], int64_t value);

/* Column `col` of row `row` of `res`, an integer's text, as an int64_t. */
int64_t es_pg_int_value(const PGresult *res, int row, int col);

/*
 * Run `sql`, one statement with `nparams` text parameters $1, $2, ...
 * (PQexecParams; a NULL parameter is SQL NULL). On success returns
 * ES_OK and, when `out` is not NULL, sets `*out` to the result, which
 * the caller frees with PQclear(); else the result is freed here. On
 * failure `*out` is NULL and the error is es_pg_error()'s.
 */
int es_pg_exec(PGresult **out, struct es_pg_store *pg, const char *sql,
	       int nparams, const char *const *params, struct es_error *err);

/*
 * Record the failure of `res` (NULL: libpq could not even send the
 * statement) in `err`, in one line: the server's message
 * (PG_DIAG_MESSAGE_PRIMARY, such as "events are append-only"), or
 * libpq's first line. Returns ES_EBUSY "database is locked" for
 * SQLSTATE 55P03 (lock_timeout) and 40P01 (deadlock); ES_EDB
 * "the connection to the server was lost: ..." when it was; ES_ENOMEM
 * when libpq ran out of memory; ES_EDB otherwise.
 */
int es_pg_error(struct es_pg_store *pg, const PGresult *res,
		struct es_error *err);

/*
 * A write joins the caller's transaction when one is open, or is a
 * transaction of its own: es_pg_write_begin() records which in `*own`
 * (and sends BEGIN), es_pg_write_end() commits a transaction of its own
 * when `rc` is ES_OK and rolls it back otherwise, and returns the result.
 */
int es_pg_write_begin(struct es_pg_store *pg, bool *own, struct es_error *err);
int es_pg_write_end(struct es_pg_store *pg, bool own, int rc,
		    struct es_error *err);

/*
 * Decode row `row` of `res` (the columns ES_PG_EVENT_COLUMNS) into
 * `*out`, id included, with the SQLite store's checks and messages
 * (event_store.h, es_store_load): the type, the upcaster, the data,
 * and the product_id and occurred_at columns against the data. Returns
 * ES_OK (the caller disposes `*out`), ES_ENOMEM, or ES_ECORRUPT "event
 * 12: unknown event type 'Foo'"; on failure `*out` owns nothing.
 */
int es_pg_read_row(struct es_event *out, struct es_pg_store *pg,
		   const PGresult *res, int row, struct es_error *err);

/*
 * es_pg_read_row(), but a row that does not decode and is in quarantine
 * is stepped over: then `*skip` is true and `*out` owns nothing.
 */
int es_pg_read_event(struct es_event *out, bool *skip, struct es_pg_store *pg,
		     const PGresult *res, int row, struct es_error *err);

/*
 * A query read in batches, so that one batch of rows is in memory at a
 * time however long the log: DECLARE CURSOR, then FETCH. The cursor's
 * one statement reads one snapshot, like SQLite's one stepped
 * statement. It lives in the caller's transaction, or in one of its own
 * that es_pg_cursor_close() ends. Between two rows the connection is
 * free: a callback may run other statements on the store (not another
 * cursor).
 */
struct es_pg_cursor {
	struct es_pg_store *pg;
	PGresult *batch; /* the rows fetched last */
	int next;	 /* the next row of batch to hand out */
	bool own;	 /* the transaction is the cursor's own */
	bool open;	 /* DECLARE succeeded */
	bool last;	 /* batch is the query's last */
};

/* Open a cursor on `sql` (a SELECT) with its parameters (es_pg_exec). */
int es_pg_cursor_open(struct es_pg_cursor *cur, struct es_pg_store *pg,
		      const char *sql, int nparams, const char *const *params,
		      struct es_error *err);

/*
 * The next row: sets `*res` and `*row` to it (valid until the next call),
 * or `*done` to true past the last. Returns ES_OK or the FETCH's error.
 */
int es_pg_cursor_row(const PGresult **res, int *row, bool *done,
		     struct es_pg_cursor *cur, struct es_error *err);

/*
 * The next event of a cursor on ES_PG_EVENT_COLUMNS, decoded with
 * es_pg_read_event() (a quarantined row is stepped over): ES_OK with
 * `*done` false and `*ev` filled (the caller disposes it), ES_OK with
 * `*done` true past the last row, or the first failure.
 */
int es_pg_cursor_next(struct es_event *ev, bool *done, struct es_pg_cursor *cur,
		      struct es_error *err);

/*
 * Close the cursor, and end its transaction when it is its own; `rc` is
 * what the reading came to (a failure rolls back). Returns `rc`, or the
 * closing's failure when `rc` was ES_OK. Safe on a cursor whose open
 * failed.
 */
int es_pg_cursor_close(struct es_pg_cursor *cur, int rc, struct es_error *err);

/*
 * Create what is missing of the schema, and record every event type
 * (es_event_type_name) in event_types and those es_event_versioned() is
 * true for in versioned_types, in one transaction under an advisory lock
 * of its own: two writers opening a new database create it once.
 * Returns ES_OK or es_pg_error()'s. Given (event_store_pg_schema.c).
 */
int es_pg_create_schema(struct es_pg_store *pg, struct es_error *err);

#endif /* ES_EVENT_STORE_PG_H */
