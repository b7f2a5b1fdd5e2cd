/*
 * catalog.h - what the parts of the `catalog` program share.
 *
 * catalog.c reads the options, picks the verb and runs it; apply.c is the
 * write side (commands in, result lines out); query.c is everything that
 * only reads: the log, an aggregate's state, and the read model's queries;
 * repair.c keeps the read side moving: catch-up, verify, quarantine;
 * rebuild.c rebuilds every view, fast, and locks the views only briefly;
 * follow.c prints the events as they are appended; copy.c copies a log
 * into another, SQLite or PostgreSQL.
 *
 * Each verb takes the options and its own arguments and returns the
 * program's exit status. Whatever goes wrong is reported there, as one line
 * on standard error that starts with "catalog: ".
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_store.h"

enum catalog_exit {
	CATALOG_OK = 0,	     /* success */
	CATALOG_FAILURE = 1, /* a database, a product or a file let us down */
	CATALOG_USAGE = 2,   /* the command line itself is wrong */
	/*
	 * apply: every line was answered, and the database failed some of
	 * them (still busy after --busy-timeout, an I/O error); nothing was
	 * appended for those
	 */
	CATALOG_LINES_FAILED = 3
};

/*
 * How long apply keeps trying a line while the database is locked by
 * another process, or other writers keep changing its product first: the
 * default of --busy-timeout.
 */
#define CATALOG_BUSY_TIMEOUT_MS 30000

/* The options given before the verb. The strings are borrowed from argv. */
struct catalog_opts {
	const char *events_path; /* --events, default "event_store.db" */
	const char *read_path;	 /* --read, default "read_model.db" */
	int busy_timeout_ms;	 /* --busy-timeout, CATALOG_BUSY_TIMEOUT_MS */
};

/* A verb: `argc` arguments after the verb's name, already counted. */
int catalog_apply(const struct catalog_opts *opts, int argc, char **argv);
int catalog_log(const struct catalog_opts *opts, int argc, char **argv);
int catalog_state(const struct catalog_opts *opts, int argc, char **argv);
int catalog_detail(const struct catalog_opts *opts, int argc, char **argv);
int catalog_card(const struct catalog_opts *opts, int argc, char **argv);
int catalog_list(const struct catalog_opts *opts, int argc, char **argv);
int catalog_search(const struct catalog_opts *opts, int argc, char **argv);
int catalog_catch_up(const struct catalog_opts *opts, int argc, char **argv);
int catalog_notify(const struct catalog_opts *opts, int argc, char **argv);
int catalog_verify(const struct catalog_opts *opts, int argc, char **argv);
int catalog_follow(const struct catalog_opts *opts, int argc, char **argv);
int catalog_copy(const struct catalog_opts *opts, int argc, char **argv);
int catalog_quarantine(const struct catalog_opts *opts, int argc, char **argv);

/* The longest message catalog_fail() writes; a longer one is cut. */
#define CATALOG_MSG_SIZE 8192

/*
 * Print "catalog: " and the printf-style message on standard error, as one
 * line, and return `status`, so a verb can report and exit in one line:
 *
 *     return catalog_fail(CATALOG_FAILURE, "%s", err.msg);
 *
 * The message may quote text from a database or the command line (an
 * event type, a timestamp, a name), which a terminal must not act on:
 * control characters are written as \u00NN (ESC is \u001b), and bytes
 * that are not UTF-8 as \xNN.
 */
int catalog_fail(int status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/*
 * Print the JSON text `json` and a newline on standard output, with
 * every control character that cJSON leaves raw (DEL, and C1: U+0080 to
 * U+009F) written as \u00NN, which means the same in JSON, and any byte
 * that is not UTF-8 as \ufffd. Returns false when the output failed.
 */
bool catalog_put_json(const char *json);

/*
 * Print `ev` on standard output as one line of `catalog log`:
 * {"id":..,"product_id":..,"event_type":..,"occurred_at":..,"data":{..},
 * "meta":..}, the metadata read from `store`, a struct es_store *: an
 * es_event_fn, for es_store_load_after(). Does not flush. Returns ES_OK,
 * or the error of the metadata's read (ES_EDB) or of memory. (query.c)
 */
int catalog_print_event(void *store, const struct es_event *ev,
			struct es_error *err);

/*
 * Read `arg` as a product id: digits only, from 1 to 2^53 - 1 (the largest
 * id a JSON number carries exactly). Returns CATALOG_OK and sets `*out`, or
 * reports the mistake and returns CATALOG_USAGE.
 */
int catalog_parse_id(int64_t *out, const char *arg);

/*
 * Read `arg` as the ID of --after: an event id, digits only, from 0 (the
 * log's start) to 2^53 - 1. Returns CATALOG_OK and sets `*out`, or
 * reports the mistake and returns CATALOG_USAGE.
 */
int catalog_parse_after(int64_t *out, const char *arg);

/* The largest MS an option takes: a day, which also fits an int. */
#define CATALOG_MAX_MS 86400000

/*
 * Read `arg` as the MS of `option` (--busy-timeout, --idle): a whole
 * number of milliseconds, digits only, from 0 to CATALOG_MAX_MS. Returns
 * CATALOG_OK and sets `*out`, or reports the mistake ("--idle needs MS,
 * a whole number of milliseconds from 0 to 86400000, not '1s'") and
 * returns CATALOG_USAGE.
 */
int catalog_parse_ms(int *out, const char *option, const char *arg);

/*
 * Check that this catalog can open the log `path` (--events, or copy's
 * FROM and TO): a "postgresql://" or "postgres://" URI needs a catalog
 * built with step 18's PostgreSQL store. Returns CATALOG_OK, or reports
 * "catalog was built without PostgreSQL support: make pg installs libpq,
 * then make" and returns CATALOG_FAILURE.
 */
int catalog_check_store_path(const char *path);

/*
 * Open the event store at opts->events_path in `mode`. Returns CATALOG_OK
 * and sets `*out`, or reports SQLite's message and returns CATALOG_FAILURE.
 */
int catalog_open_store(struct es_store **out, const struct catalog_opts *opts,
		       enum es_store_mode mode);

/*
 * Open the read model at opts->read_path for writing, creating it when
 * missing (read_db.h). Returns CATALOG_OK and sets `*out`, or reports
 * SQLite's message and returns CATALOG_FAILURE.
 */
int catalog_open_read_model(sqlite3 **out, const struct catalog_opts *opts);

/*
 * A catch-up or rebuild from `after_id` failed with `rc`. When a row that
 * does not decode stopped it (ES_ECORRUPT; the first such row after
 * `after_id` that is not in quarantine), write into `out` what to tell
 * the user: "event 8 (product 1) cannot be decoded: data is not valid
 * JSON; skip it with 'catalog quarantine 8 --reason TEXT' (...)", and
 * return true. Return false, writing nothing, otherwise. (repair.c)
 */
bool catalog_explain_bad_row(char *out, size_t size, struct es_store *store,
			     int64_t after_id, int rc);

/*
 * On standard error, "catalog: views are K events behind the log (run
 * 'catalog catch-up')" when the read model `read_db` (open for queries)
 * has not caught up with the log at opts->events_path; nothing when it
 * has, or when that cannot be known (no log there). The exit status is
 * not the warning's business. (repair.c)
 */
void catalog_warn_behind(const struct catalog_opts *opts, sqlite3 *read_db);

/*
 * Called by catalog_rebuild_views_with() when the new views are written
 * and not yet swapped in: return ES_OK to go on, or an error (with its
 * message in `err`) to stop there, as a failure at that moment would.
 */
typedef int (*catalog_rebuild_hook)(void *ctx, struct es_error *err);

/*
 * Rebuild every view of the read model `read_db` (step 10's views: the
 * projector's and the insights') from `store`, and set their checkpoint
 * to the last event: the same rows and checkpoint as es_views_rebuild(),
 * made faster, and without holding the read DB's write lock for long
 * (rebuild.c). It folds the log into each product's rows in memory,
 * writes them into shadow tables in short transactions, then swaps them
 * in, with the checkpoint, in one short transaction. Readers see the old
 * views until then; a catch-up waits for one short transaction at most.
 * The views and the checkpoint table are created when missing. Events
 * appended meanwhile come after the checkpoint: the next catch-up
 * projects them.
 *
 * Sets `*projected` (which may be NULL) to the number of events folded.
 * Returns ES_OK or the first error, unchanged (ES_ECORRUPT for a row
 * that cannot be decoded, ES_EDB, ES_EBUSY, ES_ENOMEM); then the views
 * and the checkpoint are as they were, and `*projected` is 0. Both
 * `read_db` and `store` are borrowed. It needs nothing else of catalog:
 * the bench links it alone with the library.
 */
int catalog_rebuild_views(int64_t *projected, sqlite3 *read_db,
			  struct es_store *store, struct es_error *err);

/*
 * catalog_rebuild_views(), which calls `before_swap(ctx, err)` (unless
 * it is NULL) between writing the new views and swapping them in: the
 * tests stop a rebuild there (ES_CATALOG_REBUILD_PAUSE, catalog.c).
 */
int catalog_rebuild_views_with(int64_t *projected, sqlite3 *read_db,
			       struct es_store *store,
			       catalog_rebuild_hook before_swap, void *ctx,
			       struct es_error *err);

#endif /* CATALOG_H */
