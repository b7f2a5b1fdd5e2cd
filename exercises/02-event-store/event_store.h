/*
 * event_store.h - the append-only event log, on SQLite.
 *
 * This is the only write storage in the system: the source of truth. The
 * file holds the seed's two tables, unchanged, so the seed's Python code can
 * open it:
 *
 *   events(id INTEGER PRIMARY KEY AUTOINCREMENT, product_id INTEGER NOT NULL,
 *          event_type TEXT NOT NULL, data TEXT NOT NULL,
 *          occurred_at TEXT NOT NULL)
 *   product_registry(id INTEGER PRIMARY KEY AUTOINCREMENT)
 *
 * and adds what a real log needs, all of which Python ignores:
 *
 *   - the index events_product_id on events(product_id, id), so loading
 *     one product does not scan the log and needs no sort: EXPLAIN QUERY
 *     PLAN says "SEARCH events USING INDEX events_product_id
 *     (product_id=?)", and no "USE TEMP B-TREE FOR ORDER BY";
 *   - the index events_product_time on events(product_id, occurred_at),
 *     so a product's events up to a moment (time travel) are found
 *     without reading those after it (es_store_load_range). A log
 *     without it gets it when opened for writing, and is read without it
 *     read-only;
 *   - three triggers that make SQLite itself refuse UPDATE and DELETE on
 *     events, and an INSERT that would replace an existing event (INSERT
 *     OR REPLACE deletes the old row without firing a DELETE trigger).
 *     Each is RAISE(ABORT, 'events are append-only'), so SQLite refuses
 *     with SQLITE_CONSTRAINT and the message "events are append-only";
 *   - triggers that refuse a row that cannot be an event, whoever
 *     inserts it:
 *
 *       events: data is not a JSON object   (json_valid, json_type)
 *       events: unknown event_type          (not in the table event_types,
 *                                            which lists every type the
 *                                            code knows, es_event_type_name)
 *
 * event_store_schema.c gives this schema complete.
 *
 * There is no update and no delete in this API. A mistake is corrected by
 * appending a new event, never by rewriting history. A row that is not an
 * event at all (written before those triggers existed, or by a program
 * that went around them) is not deleted either: es_store_quarantine()
 * records its id, with a reason, in a table of its own, and every load
 * steps over it from then on. es_store_verify() finds such rows.
 *
 * The store is closed: only its own files (event_store*.c, which share
 * event_store_private.h) read or write `events` and `product_registry`.
 * Every other module asks through this header: a product's events (all,
 * after an id, up to a moment), the whole log in order, a stream's
 * version, an append, an append that expects a version. The one exception
 * is the seed's third trade-off, history queries in SQL (history.h), which
 * read the file on a read-only connection of their own: `events`, and
 * `event_quarantine` to leave out the rows that are not events.
 *
 * Transactions: every write starts with BEGIN IMMEDIATE, under a busy
 * timeout, so a second writer waits for the first instead of failing with
 * "database is locked". es_store_append() and es_store_new_product_id()
 * open and commit their own transaction when none is open; to make several
 * writes one unit (register an id and append its ProductCreated), wrap them
 * in es_store_begin() ... es_store_commit(), or es_store_rollback() on
 * failure.
 */
#ifndef ES_EVENT_STORE_H
#define ES_EVENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_error.h"
#include "events.h"

struct es_store;

enum es_store_mode {
	ES_STORE_WRITE,	  /* create the file and tables when missing */
	ES_STORE_READONLY /* the file must exist; nothing is ever written */
};

/*
 * How long a writer waits for another writer's transaction to finish
 * (es_store_set_busy_timeout() changes it).
 */
#define ES_STORE_BUSY_TIMEOUT_MS 5000

/*
 * Open the event store at `path`. In ES_STORE_WRITE mode the file, tables,
 * index and triggers are created when missing, and the connection uses WAL
 * with synchronous=FULL: a committed event survives a power cut. In
 * ES_STORE_READONLY mode the file is opened with es_sql_open_readonly(),
 * so a log on a read-only medium or in a directory nobody may write can be
 * read too. On success `*out` is set; close it with es_store_close().
 * Returns ES_OK, ES_ENOMEM, ES_EBUSY ("database is locked": in write
 * mode, another writer held the file past the busy timeout) or ES_EDB
 * with the path and SQLite's message, "<path>: <SQLite's message>":
 *
 *   a missing file in read-only mode   "<path>: unable to open database file"
 *   a read-only file in write mode     "<path>: attempt to write a readonly
 *                                      database"
 *   a file that is not a database      "<path>: file is not a database"
 */
int es_store_open(struct es_store **out, const char *path,
		  enum es_store_mode mode, struct es_error *err);

/* Finalize the cached statements and close the file; NULL is ignored. */
void es_store_close(struct es_store *store);

/*
 * Make the store wait up to `ms` milliseconds (0: not at all) for
 * another connection's write lock, instead of the
 * ES_STORE_BUSY_TIMEOUT_MS that es_store_open() sets
 * (sqlite3_busy_timeout). A write that waits longer fails with ES_EBUSY
 * ("database is locked") and writes nothing. Given
 * (event_store_schema.c). Can't fail.
 */
void es_store_set_busy_timeout(struct es_store *store, int ms);

/*
 * Start a write transaction (BEGIN IMMEDIATE): from here until commit or
 * rollback no other connection can write, so what you load is still true
 * when you append. Returns ES_OK, ES_EBUSY ("database is locked": another
 * connection kept writing past the busy timeout) or ES_EDB with SQLite's
 * message. Transactions do not nest: a second begin is "cannot start a
 * transaction within a transaction", a commit with no begin "cannot
 * commit - no transaction is active".
 */
int es_store_begin(struct es_store *store, struct es_error *err);
int es_store_commit(struct es_store *store, struct es_error *err);
/* Roll back the open transaction, if any. Can't fail in a way that matters:
 * SQLite rolls back on its own when a rollback cannot be written. */
void es_store_rollback(struct es_store *store);

/*
 * Register a new product and set `*out` to its id: 1, 2, 3, ... in the
 * order of registration, independent of event ids (the seed's
 * product_registry). Returns ES_OK or ES_EDB.
 */
int es_store_new_product_id(struct es_store *store, int64_t *out,
			    struct es_error *err);

/*
 * Append `ev` to the log: event_type is its type's name, data its JSON
 * (es_event_to_json), occurred_at its timestamp. On success sets `ev->id`
 * to the new row's id. Returns ES_OK, ES_EINVAL/ES_ENOMEM from
 * serialization, or ES_EDB (on a read-only store SQLite's "attempt to
 * write a readonly database", as from es_store_new_product_id()). On
 * failure nothing is appended.
 */
int es_store_append(struct es_store *store, struct es_event *ev,
		    struct es_error *err);

/* A growable array of events, owned by whoever holds the list. */
struct es_event_list {
	struct es_event *items;
	size_t count;
	size_t capacity;
};

/* Dispose every event, free the array, and zero the list. NULL is ignored. */
void es_event_list_dispose(struct es_event_list *list);

/*
 * Move `*ev` to the end of `list`, which takes it over (the caller must
 * not dispose it), doubling the array when it is full. Returns ES_OK, or
 * ES_ENOMEM; then `ev` is disposed and the list is unchanged.
 */
int es_event_list_push(struct es_event_list *list, struct es_event *ev,
		       struct es_error *err);

/*
 * Load every event of `product_id`, oldest first (by id), into `*out`, an
 * empty list (its old contents are not freed), which the caller disposes
 * with es_event_list_dispose(). A product without events gives an empty
 * list and ES_OK. A row in quarantine (es_store_quarantine) is stepped
 * over, by this load and every other. Returns ES_ENOMEM, ES_EDB, or
 * ES_ECORRUPT when a row cannot be decoded; then `*out` is empty. The
 * message is "event <id>: <reason>", with the row's id and one of these
 * reasons:
 *
 *     unknown event type '<event_type>'      (es_event_type_parse)
 *     data is not valid JSON, missing field 'new_price', ...
 *                                            (es_event_from_json)
 *     product_id column <column> does not match data <data>
 *     occurred_at column '<column>' does not match data '<data>'
 *     <the upcaster's message>               (es_store_set_upcaster)
 *
 * For example "event 12: unknown event type 'Foo'".
 */
int es_store_load(struct es_event_list *out, struct es_store *store,
		  int64_t product_id, struct es_error *err);

/*
 * Called once per event by es_store_load_all() and es_store_load_after().
 * `ev` is borrowed: it is disposed when the callback returns, so copy what
 * you keep. Return ES_OK to go on; any other code stops the walk and is
 * returned by es_store_load_all() unchanged.
 */
typedef int (*es_event_fn)(void *ctx, const struct es_event *ev,
			   struct es_error *err);

/*
 * Stream every event in the log, in order of id, to `fn`. One event is in
 * memory at a time, however long the log, and the walk reads one
 * consistent snapshot: events appended meanwhile by another connection are
 * not seen. Returns ES_OK, ES_EDB, ES_ECORRUPT (a row that cannot be
 * decoded; the walk stops there), or what `fn` returned.
 */
int es_store_load_all(struct es_store *store, es_event_fn fn, void *ctx,
		      struct es_error *err);

/*
 * Like es_store_load_all(), but only the events whose id is greater than
 * `after_id`: what a projector that has seen events up to `after_id` has
 * still to see (step 10's catch-up). es_store_load_all() is es_store_load_after(0).
 * Neither may be called again, on the same store, from inside `fn`.
 */
int es_store_load_after(struct es_store *store, int64_t after_id,
			es_event_fn fn, void *ctx, struct es_error *err);

/*
 * One event by its id, given with step 2 (event_store_quarantine.c), for
 * step 15: a correction cites the event it corrects, and the handler
 * loads that event to let the decider check it. Fills `*out` (the caller
 * disposes it) and returns ES_OK; ES_ENOTFOUND ("event 9 not found") when
 * the log has no event of that id, or only a quarantined row; ES_ENOMEM,
 * ES_EDB, or ES_ECORRUPT as es_store_load(). On failure `*out` owns
 * nothing.
 */
int es_store_get(struct es_event *out, struct es_store *store, int64_t event_id,
		 struct es_error *err);

/*
 * Step 16: metadata and answers, in exercises/16-idempotency/
 * event_store_commands.c (a store file: it shares event_store_private.h).
 * Two tables beside `events`, which es_store_open() creates:
 *
 *   event_metadata(event_id INTEGER PRIMARY KEY, command_id TEXT,
 *                  actor TEXT, correlation_id TEXT)
 *   command_answers(command_id TEXT PRIMARY KEY, request TEXT NOT NULL,
 *                   answer TEXT NOT NULL)
 *
 * both append-only (a trigger refuses UPDATE and DELETE). Like appends,
 * the two writes join the caller's transaction when one is open, or are
 * a transaction of their own.
 *
 * Record `meta` (NULL strings are NULL columns) as the metadata of event
 * `event_id`. Returns ES_OK, or ES_EDB (an event that has metadata
 * already: the primary key refuses a second row).
 */
int es_store_save_metadata(struct es_store *store, int64_t event_id,
			   const struct es_meta *meta, struct es_error *err);

/*
 * Read the metadata of event `event_id` into `*out` (the caller disposes
 * it with es_meta_dispose()). An event with no row (the seed's Python
 * wrote it, or a command without an envelope) gets ES_OK and all three
 * NULL, and so does every event of a log that has no table
 * event_metadata (the seed's, opened read-only: only a store opened for
 * writing creates the table). Returns ES_OK, ES_ENOMEM or ES_EDB; on failure `*out` owns
 * nothing.
 */
int es_store_load_metadata(struct es_meta *out, struct es_store *store,
			   int64_t event_id, struct es_error *err);

/* Free the three strings of `meta` and zero it. NULL is ignored. */
void es_meta_dispose(struct es_meta *meta);

/*
 * The answer given to `command_id`, and the request it answered: on ES_OK
 * `*request` and `*answer` are copies the caller frees with free().
 * Returns ES_ENOTFOUND when no answer is stored for that id (both NULL),
 * ES_ENOMEM or ES_EDB.
 */
int es_store_find_answer(char **request, char **answer, struct es_store *store,
			 const char *command_id, struct es_error *err);

/*
 * Store `answer` as the answer to `command_id`, which asked `request`.
 * Returns ES_OK, or ES_EDB (an id that has an answer already).
 */
int es_store_save_answer(struct es_store *store, const char *command_id,
			 const char *request, const char *answer,
			 struct es_error *err);

/*
 * Rows that are not events, given with step 2 (event_store_quarantine.c).
 *
 * Set `*out` to the number of rows of the log whose id is greater than
 * `after_id`, less those in quarantine: how many events a reader that
 * has seen everything up to `after_id` has still to read (or stop at).
 * Counts, decodes nothing. Returns ES_OK or ES_EDB.
 */
int es_store_count_after(int64_t *out, struct es_store *store, int64_t after_id,
			 struct es_error *err);

/* A row that does not decode, as es_store_verify() reports it. */
struct es_bad_row {
	int64_t id;
	int64_t product_id;	    /* its product_id column */
	const char *error;	    /* why: "data is not valid JSON" */
	const char *quarantined_at; /* NULL when not in quarantine */
	const char *reason;	    /* the quarantine's reason, or NULL */
};

/*
 * Called once per row that does not decode; `row` and its strings are
 * borrowed for the call. Return ES_OK to go on; any other code stops
 * the walk and is returned by es_store_verify() unchanged.
 */
typedef int (*es_bad_row_fn)(void *ctx, const struct es_bad_row *row,
			     struct es_error *err);

/*
 * Decode every row whose id is greater than `after_id`, in order of id,
 * as the loads do (the upcaster too), and call `fn` for each that does
 * not decode, quarantined or not; the walk goes on past them. Sets
 * `*checked` (which may be NULL) to the number of rows read. Returns
 * ES_OK (bad rows are what `fn` saw, not an error), ES_ENOMEM, ES_EDB,
 * or what `fn` returned.
 */
int es_store_verify(int64_t *checked, struct es_store *store, int64_t after_id,
		    es_bad_row_fn fn, void *ctx, struct es_error *err);

/*
 * es_store_verify() of the rows in quarantine alone, those of
 * `product_id` (0: of every product): each that still does not decode,
 * in order of id, to `fn`, with its reason and time. What `catalog log`
 * shows in their place; its cost follows the rows in quarantine, not the
 * log. A log without event_quarantine has none. Returns as
 * es_store_verify().
 */
int es_store_verify_quarantined(struct es_store *store, int64_t product_id,
				es_bad_row_fn fn, void *ctx,
				struct es_error *err);

/*
 * Quarantine the row `event_id`, a row that does not decode: record its
 * id, `reason` (why it may be skipped: who decided, and on what grounds),
 * the decoding error and `at` (a timestamp as es_time_format() writes it)
 * in event_quarantine, which is append-only. The log is not changed;
 * every load steps over the row from then on (es_store_next), and
 * es_store_count_after() no longer counts it. When the file has
 * stream_versions (step 13), the product's version is counted again
 * without the row, in the same transaction; a program that will use
 * versions should call es_store_version() first, so that the table exists
 * and is never filled from a log that holds the row. Needs an
 * ES_STORE_WRITE store. Returns ES_OK; ES_ENOTFOUND "event 99 is not in
 * the log"; ES_EINVAL "event 5 decodes: correct it with a new event,
 * not a quarantine", "event 8 is in quarantine already", or "a
 * quarantine needs a reason"; ES_ENOMEM or ES_EDB. On failure nothing
 * is recorded.
 */
int es_store_quarantine(struct es_store *store, int64_t event_id,
			const char *reason, const char *at,
			struct es_error *err);

/*
 * The path the store was opened on, borrowed for as long as the store is
 * open: for a module that keeps a table of its own in the same file
 * (snapshots, step 11) or reads it on a connection of its own (history
 * queries, step 14). Neither touches `events`. Can't fail.
 */
const char *es_store_path(const struct es_store *store);

/*
 * Step 8 (event_store_range.c). Load the events of `product_id` whose id
 * is greater than `after_id` and, when `until` is not NULL, that occurred
 * at or before `until` (a timestamp as es_time_format() writes it; see
 * time_travel.h for why comparing the text is comparing the times), oldest
 * first by id, into `*out`, an empty list the caller disposes with
 * es_event_list_dispose(). es_store_load() is es_store_load_range(0,
 * NULL). Uses the index on (product_id, id); from the first event
 * (`after_id` 0) up to a moment, the one on (product_id, occurred_at), so
 * the cost follows the events returned, not the product's whole history.
 * Returns as es_store_load().
 */
int es_store_load_range(struct es_event_list *out, struct es_store *store,
			int64_t product_id, int64_t after_id, const char *until,
			struct es_error *err);

/*
 * Step 13 (event_store_version.c). A product's stream version: the number
 * of its events that decisions read (es_event_versioned: ProductCreated,
 * StockUpdated, PriceChanged; never ProductViewed), the same count as
 * struct es_product's `version`. It is kept in a table of its own,
 *
 *   stream_versions(product_id INTEGER PRIMARY KEY,
 *                   version INTEGER NOT NULL)
 *
 * by an AFTER INSERT trigger on events, so it stays true whoever appends
 * (the seed's Python too), and is read without counting rows. The table
 * and trigger are created, and filled from the log, the first time a
 * writable store needs them. A read-only store on a log that has no such
 * table yet counts the rows instead. Sets `*out` (0 for a product without
 * such events). Returns ES_OK or ES_EDB.
 */
int es_store_version(int64_t *out, struct es_store *store, int64_t product_id,
		     struct es_error *err);

/*
 * Step 13. Append `ev` only if its product's version is still
 * `expected_version`: the check and the append are one short write
 * transaction (the caller's open one, or one of its own), and nothing else
 * (no load, no replay) happens under that lock. On success sets `ev->id`.
 * Returns ES_OK; ES_ECONFLICT, with nothing appended, when another writer
 * got there first ("Product 1 changed while you worked: expected version
 * 3, found 4"); or the errors of es_store_append().
 */
int es_store_append_expected(struct es_store *store, struct es_event *ev,
			     int64_t expected_version, struct es_error *err);

/*
 * An upcaster rewrites the `data` of an event stored in an older shape
 * into the current shape, before it is decoded (step 12). It sets
 * `*upcast` to a new string (freed with free()) when it changed
 * something, or to NULL when `data` is current already. Returns ES_OK,
 * or an error that stops the load.
 */
typedef int (*es_upcast_fn)(void *ctx, enum es_event_type type,
			    const char *data, char **upcast,
			    struct es_error *err);

/*
 * Make every load on `store` pass each row's data through `fn` first;
 * NULL removes the upcaster. The log itself is never rewritten. Can't
 * fail.
 */
void es_store_set_upcaster(struct es_store *store, es_upcast_fn fn, void *ctx);

/*
 * Step 18 (optional): the same log on PostgreSQL, and what `catalog
 * follow` and `catalog copy` need of either store. es_store_open() opens
 * a PostgreSQL store when `path` starts with "postgresql://" or
 * "postgres://" (a libpq URI), in a program linked with step 18
 * (exercises/18-postgres/); every function of this header then works on
 * it. The SQLite versions of the four below that take a store, and
 * es_store_path_is_postgres(), are given with step 16
 * (exercises/16-idempotency/event_store_copy.c: an import writes
 * metadata, a step-16 table).
 *
 * true for a store on PostgreSQL, false for one on SQLite. Can't fail.
 */
bool es_store_is_postgres(const struct es_store *store);

/*
 * true when es_store_open() takes `path` for a PostgreSQL URI (it starts
 * with "postgresql://" or "postgres://"), in any program: one built
 * without step 18 can then say why it cannot open it. Can't fail.
 */
bool es_store_path_is_postgres(const char *path);

/*
 * Append `ev` with its own id (ev->id, greater than every id in the log)
 * and its metadata (`meta`, or NULL for none), as a copy of another log
 * does: when `ev` is a ProductCreated, its product id is registered too,
 * so es_store_new_product_id() goes on after it. Joins the caller's
 * transaction or is one of its own. Returns ES_OK; ES_EINVAL "event 5 is
 * not after the log's last event 7"; or the errors of es_store_append().
 * On failure nothing is appended.
 */
int es_store_import(struct es_store *store, const struct es_event *ev,
		    const struct es_meta *meta, struct es_error *err);

/*
 * Called once per stored command answer by es_store_each_answer(); the
 * strings are borrowed for the call. Return ES_OK to go on; any other code
 * stops the walk and is returned unchanged.
 */
typedef int (*es_answer_fn)(void *ctx, const char *command_id,
			    const char *request, const char *answer,
			    struct es_error *err);

/*
 * Call `fn` for every answer in command_answers (step 16), in order of
 * command_id. A log without that table has none. Returns ES_OK, ES_EDB,
 * ES_ENOMEM or what `fn` returned.
 */
int es_store_each_answer(struct es_store *store, es_answer_fn fn, void *ctx,
			 struct es_error *err);

/*
 * Wait until the log may hold an event whose id is greater than
 * `after_id`, for at most `timeout_ms` milliseconds, and set `*more` to
 * whether it does (es_store_count_after() > 0). On SQLite it polls,
 * counting again every 100 ms (a signal that cuts a sleep short ends
 * the wait then, `*more` false); on PostgreSQL it is woken by
 * LISTEN/NOTIFY (every append notifies channel es_events). Returns ES_OK
 * or ES_EDB.
 */
int es_store_wait(struct es_store *store, int64_t after_id, int timeout_ms,
		  bool *more, struct es_error *err);

#endif /* ES_EVENT_STORE_H */
