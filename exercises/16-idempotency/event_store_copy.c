/*
 * event_store_copy.c - what `catalog follow` and `catalog copy` need of
 * the store, on SQLite (see the end of event_store.h), given complete.
 *
 * A copy appends each event of another log with its own id, its metadata
 * and, apart, every stored answer: es_store_import() and
 * es_store_each_answer(). It is step 16's because of those two tables. A
 * follower waits for the next event: es_store_wait(), which polls here.
 * Step 18 gives the same four functions on PostgreSQL.
 */
#include "event_store_private.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "es_sql.h"

/*
 * How often es_store_wait() counts the events again: SQLite cannot tell
 * another process that it appended, so a waiter asks. 100 ms is a delay
 * a person does not notice, and a query ten times a second costs nothing
 * that shows.
 */
#define ES_STORE_POLL_MS 100

bool es_store_is_postgres(const struct es_store *store)
{
	assert(store != NULL);
	return false;
}

bool es_store_path_is_postgres(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	       strncmp(path, "postgres://", 11) == 0;
}

/* Run `sql`, whose ?1 is `id`, on the store's connection. */
static int run_with_id(struct es_store *store, const char *sql, int64_t id,
		       struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK)
		rc = es_store_db_error(store, err);
	else
		rc = es_sql_run(stmt, err);
	sqlite3_finalize(stmt);
	return rc;
}

/* The id of the last row of the log, quarantined or not (0: none). */
static int last_id(int64_t *out, struct es_store *store, struct es_error *err)
{
	static const char sql[] = "SELECT coalesce(max(id), 0) FROM events";
	sqlite3_stmt *stmt = NULL;
	int rc = ES_OK;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		rc = es_store_db_error(store, err);
	else
		*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Append `ev` with its own id, which is after the log's last: set the
 * table's AUTOINCREMENT counter (its row in sqlite_sequence, which
 * SQLite lets a program write) to the id before it, and let
 * es_store_append() append, with the statement the store keeps
 * prepared. An INSERT of its own would do, but preparing an INSERT into
 * events compiles the table's triggers into it: once per event, that
 * would cost more than the rest of a copy.
 */
static int append_with_id(struct es_store *store, const struct es_event *ev,
			  struct es_error *err)
{
	struct es_event copy = *ev; /* shares ev's strings: never disposed */
	int rc;

	rc = run_with_id(store,
			 "UPDATE sqlite_sequence SET seq = ? WHERE name = "
			 "'events'",
			 ev->id - 1, err);
	/* A log that never had an event has no counter yet. */
	if (rc == ES_OK && sqlite3_changes(store->db) == 0)
		rc = run_with_id(store,
				 "INSERT INTO sqlite_sequence (name, seq)"
				 " VALUES ('events', ?)",
				 ev->id - 1, err);
	if (rc == ES_OK)
		rc = es_store_append(store, &copy, err);
	if (rc == ES_OK && copy.id != ev->id)
		rc = es_error_set(err, ES_EDB,
				  "event %" PRId64 " was appended as %" PRId64,
				  ev->id, copy.id);
	return rc;
}

/* Whether `meta` says anything: an event without has no row. */
static bool has_meta(const struct es_meta *meta)
{
	return meta != NULL &&
	       (meta->command_id != NULL || meta->actor != NULL ||
		meta->correlation_id != NULL);
}

int es_store_import(struct es_store *store, const struct es_event *ev,
		    const struct es_meta *meta, struct es_error *err)
{
	int64_t last = 0;
	bool own;
	int rc;

	assert(store != NULL && ev != NULL);
	rc = es_store_write_begin(store, &own, err);
	if (rc != ES_OK)
		return rc;
	/* Under the write lock: nobody appends between the check and us. */
	rc = last_id(&last, store, err);
	if (rc == ES_OK && ev->id <= last)
		rc = es_error_set(err, ES_EINVAL,
				  "event %" PRId64 " is not after the log's "
				  "last event %" PRId64,
				  ev->id, last);
	if (rc == ES_OK)
		rc = append_with_id(store, ev, err);
	/* AUTOINCREMENT goes on after an explicit id, in both tables. */
	if (rc == ES_OK && ev->type == ES_PRODUCT_CREATED)
		rc = run_with_id(store,
				 "INSERT INTO product_registry (id) VALUES (?)",
				 ev->product_id, err);
	if (rc == ES_OK && has_meta(meta))
		rc = es_store_save_metadata(store, ev->id, meta, err);
	return es_store_write_end(store, own, rc, err);
}

/* Column `i` of the current row, SQLite's until the next step. */
static const char *column_text(sqlite3_stmt *row, int i)
{
	return (const char *)sqlite3_column_text(row, i);
}

int es_store_each_answer(struct es_store *store, es_answer_fn fn, void *ctx,
			 struct es_error *err)
{
	static const char sql[] = "SELECT command_id, request, answer"
				  " FROM command_answers ORDER BY command_id";
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_DONE;
	int rc = ES_OK;

	assert(store != NULL && fn != NULL);
	/* The seed's log, opened read-only, has no such table: no answer. */
	if (sqlite3_table_column_metadata(store->db, "main", "command_answers",
					  NULL, NULL, NULL, NULL, NULL,
					  NULL) != SQLITE_OK)
		return ES_OK;
	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return es_store_db_error(store, err);
	while (rc == ES_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *command_id = column_text(stmt, 0);
		const char *request = column_text(stmt, 1);
		const char *answer = column_text(stmt, 2);

		/* The columns are NOT NULL: NULL means memory ran out. */
		if (command_id == NULL || request == NULL || answer == NULL)
			rc = es_error_set(err, ES_ENOMEM, "out of memory");
		else
			rc = fn(ctx, command_id, request, answer, err);
	}
	if (rc == ES_OK && step != SQLITE_DONE)
		rc = es_store_db_error(store, err);
	sqlite3_finalize(stmt);
	return rc;
}

/* Sleep `ms` milliseconds; false when a signal cut the sleep short. */
static bool sleep_ms(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;

	return nanosleep(&ts, NULL) == 0 || errno != EINTR;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Polls: counts the events after `after_id` every ES_STORE_POLL_MS
 * until there is one or the time is up. A signal that cuts a sleep short
 * ends the wait early, as if the time were up, so that the caller sees
 * it at once.
 */
int es_store_wait(struct es_store *store, int64_t after_id, int timeout_ms,
		  bool *more, struct es_error *err)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	assert(store != NULL && more != NULL);
	for (;;) {
		int64_t count = 0;
		int64_t left;
		int rc = es_store_count_after(&count, store, after_id, err);

		if (rc != ES_OK)
			return rc;
		*more = count > 0;
		left = deadline - now_ms();
		if (*more || left <= 0)
			return ES_OK;
		if (!sleep_ms(left < ES_STORE_POLL_MS ? left
						      : ES_STORE_POLL_MS))
			return ES_OK;
	}
}
