/*
 * apply.c - `catalog apply [--batch N] [FILE]`: commands in, one result
 * line out each.
 *
 * Every input line goes through the whole system before the next one is
 * read: parse the command, let the handler decide and append the event,
 * bring the read model up to date when the answer is awaited
 * (after_append()), answer. A command with an envelope (a command_id, an
 * actor) goes through step 16's handler, once per command id
 * (apply_once). The others go through step 13's optimistic one, loading
 * from step 11's snapshots (on SQLite; a log on PostgreSQL has none, and
 * loads each product from its first event): it holds the write lock
 * only for the version
 * check and the append, and replays at most about
 * CATALOG_SNAPSHOT_EVERY events, so the cost of a command does not grow
 * with its product's history and writers on one product do not queue
 * behind each other's replays. A command that meets a database another
 * process holds locked, or keeps losing to other writers of its product,
 * is tried again after a random, growing wait, for up to --busy-timeout
 * (patiently()); so is the read model's catch-up. The read model catches
 * up from its checkpoint (views.h) rather than projecting the one new
 * event, so events that an earlier run appended and never projected (it
 * crashed, or was another program) are projected too, and none twice.
 * Every line is answered: a refused command, a line that is not a
 * command, and a command the database failed (still locked after
 * --busy-timeout, an I/O error) are answered {"ok":false,...}, nothing is
 * appended for them, and the run goes on. Only failing output ends it
 * early. With --batch, lines share commits instead (group_commit.h; see
 * the comment above keep()).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "commands.h"
#include "es_error.h"
#include "event_store.h"
#include "events.h"
#include "group_commit.h"
#include "json_text.h"
#include "idempotency.h"
#include "optimistic.h"
#include "read_db.h"
#include "snapshots.h"
#include "views.h"

/*
 * A snapshot every this many events replayed: a load replays fewer than
 * that, and a snapshot costs one small write for every so many events.
 */
#define CATALOG_SNAPSHOT_EVERY 100

/*
 * The longest line apply reads, not counting its newline: 1 MiB. A
 * command is a few hundred bytes; a longer line is refused without ever
 * being held in memory whole.
 */
#define CATALOG_MAX_LINE ((size_t)1024 * 1024)

/*
 * While more input is waiting, the views catch up once every this many
 * accepted lines, rather than after each (see after_append()).
 */
#define CATALOG_CATCH_UP_EVERY 100

/* Lines from a file descriptor, read ahead in blocks of its own. */
struct line_reader {
	int fd;
	size_t pos, len; /* the bytes not read yet: buf[pos] to buf[len - 1] */
	bool failed;	 /* read(2) failed */
	char buf[65536];
};

/* The next byte, or EOF at the end of the input or on a read error. */
static int next_byte(struct line_reader *r)
{
	if (r->pos == r->len) {
		ssize_t n;

		do
			n = read(r->fd, r->buf, sizeof(r->buf));
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			r->failed = r->failed || n < 0;
			return EOF;
		}
		r->pos = 0;
		r->len = (size_t)n;
	}
	return (unsigned char)r->buf[r->pos++];
}

/*
 * True when reading on would not wait: bytes read ahead, or input ready
 * (or its end, or an error) on the descriptor.
 */
static bool input_waiting(struct line_reader *r)
{
	struct pollfd pfd = {.fd = r->fd, .events = POLLIN};

	return r->pos < r->len || poll(&pfd, 1, 0) > 0;
}

/*
 * Read the next line into `buf` (CATALOG_MAX_LINE + 1 bytes), without its
 * newline and a \r before it, NUL-terminated, and set `*len` to its
 * length. Of a longer line only the first CATALOG_MAX_LINE bytes are
 * kept: the rest is read and dropped, up to the newline, and `*len` is
 * CATALOG_MAX_LINE + 1. Returns false when the input has no line left
 * (or cannot be read: then r->failed is set).
 */
static bool read_line(char *buf, size_t *len, struct line_reader *r)
{
	size_t n = 0;
	int c;

	while ((c = next_byte(r)) != EOF && c != '\n') {
		if (n < CATALOG_MAX_LINE)
			buf[n] = (char)c;
		if (n <= CATALOG_MAX_LINE)
			n++;
	}
	if (c == EOF && (n == 0 || r->failed))
		return false;
	if (n > 0 && n <= CATALOG_MAX_LINE && buf[n - 1] == '\r')
		n--;
	buf[n <= CATALOG_MAX_LINE ? n : CATALOG_MAX_LINE] = '\0';
	*len = n;
	return true;
}

/* --batch: an answer that waits for its group's commit to be sent. */
struct pending {
	char *answer;
	int64_t line_no;
	bool in_group; /* a command of the open group: its commit decides */
};

/* What one run of apply works with. */
struct apply_run {
	struct es_store *store;
	struct es_snapshots *snaps;
	struct es_optimistic *writer;
	struct es_command_handler once; /* for commands with an envelope */
	sqlite3 *read_db;
	struct es_views *views;
	int busy_timeout_ms; /* --busy-timeout */
	int try_ms; /* what a try may wait for a lock: patiently() sets it */
	int64_t line_no;
	bool failed; /* a command failed for the database */
	bool behind; /* a catch-up failed: stop trying until the next run */
	unsigned int jitter;   /* state of the back-off's pseudo-random waits */
	int batch;	       /* --batch N; 0: none, one command a commit */
	struct es_group group; /* --batch: the commands of one commit */
	struct pending *pending; /* --batch: the answers not yet sent */
	int pending_count;
	struct es_snapshots *group_snaps; /* --batch: read-only */
	struct line_reader *reader;	  /* the input */
	int64_t unprojected; /* lines accepted since the last catch-up */
};

/*
 * Replace every byte that is not part of a well-formed UTF-8 character
 * with '?'. An error message may quote the input (an unknown command type,
 * say) or be cut in the middle of a character, and JSON must be UTF-8.
 */
static void utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		int len = es_utf8_char_length((const char *)p);

		if (len == 0)
			*p++ = '?';
		else
			p += len;
	}
}

/*
 * Print the answer line `text` and flush it, so whoever feeds us line by
 * line sees each answer at once; then free it. `text` NULL means memory
 * ran out making it, reported already. Returns false, after reporting,
 * when there was no line or it could not be written.
 */
static bool send_answer(char *text)
{
	bool written =
		text != NULL && catalog_put_json(text) && fflush(stdout) == 0;

	if (text != NULL && !written)
		catalog_fail(CATALOG_FAILURE,
			     "cannot write to standard output");
	free(text);
	return written;
}

/*
 * The answer line to one line of input: `error` NULL means the command
 * was accepted, and `ev` is then its event (a create's answer names the
 * new product's id). NULL, after reporting, when memory ran out.
 */
static char *answer_text(const char *error, const struct es_event *ev)
{
	struct es_error err;
	char *text = NULL;

	if (es_answer_format(&text, error == NULL ? ES_OK : ES_EINVAL, ev,
			     error, &err) != ES_OK) {
		catalog_fail(CATALOG_FAILURE, "%s", err.msg);
		return NULL;
	}
	return text;
}

/* Send the answer answer_text() makes. */
static bool answer(const char *error, const struct es_event *ev)
{
	return send_answer(answer_text(error, ev));
}

/* The answer to a refused command or a line that is not one. */
static char *refusal_text(const char *msg)
{
	char text[ES_ERROR_MSG_SIZE + 64];

	snprintf(text, sizeof(text), "%s", msg);
	utf8_scrub(text);
	return answer_text(text, NULL);
}

/* Answer a refused command or a line that is not one. */
static bool refuse(const char *msg)
{
	return send_answer(refusal_text(msg));
}

/* True when the line holds nothing but white space. */
static bool is_blank(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!isspace((unsigned char)*s))
			return false;
	}
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait before try `round` + 2: a random time up to 1, 2, 4 ... 64 ms, so
 * that writers who lost together do not come back together.
 */
static void back_off(struct apply_run *run, int round)
{
	long limit_us = 1000L << (round < 6 ? round : 6);
	struct timespec ts;

	run->jitter = run->jitter * 1103515245u + 12345u;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(run->jitter % (unsigned long)limit_us) * 1000L;
	nanosleep(&ts, NULL);
}

/* One try at a step of a line; a try that fails has written nothing. */
typedef int (*attempt_fn)(struct apply_run *run, const void *ctx,
			  struct es_error *err);

/*
 * Run `attempt` again while it meets a database that another process
 * holds locked (ES_EBUSY) or a product that other writers keep changing
 * first (ES_ECONFLICT; step 13's handler has already tried
 * ES_OPTIMISTIC_ATTEMPTS times), with a growing, random wait between
 * rounds, until --busy-timeout has gone by since the first try. The log
 * and the read model wait for a lock no longer than the time that is
 * left, so the whole stays within it. Returns what the last try
 * returned.
 */
static int patiently(struct apply_run *run, attempt_fn attempt, const void *ctx,
		     struct es_error *err)
{
	int64_t deadline = now_ms() + run->busy_timeout_ms;

	for (int round = 0;; round++) {
		int64_t left = deadline - now_ms();
		int rc;

		if (left < 0)
			left = 0;
		run->try_ms = (int)left;
		/* Before the store opens, attempt_open() waits on its own. */
		if (run->store != NULL)
			es_store_set_busy_timeout(run->store, (int)left);
		if (run->read_db != NULL)
			sqlite3_busy_timeout(run->read_db, (int)left);
		rc = attempt(run, ctx, err);
		if ((rc != ES_EBUSY && rc != ES_ECONFLICT) ||
		    now_ms() >= deadline)
			return rc;
		back_off(run, round);
	}
}

static int attempt_catch_up(struct apply_run *run, const void *ctx,
			    struct es_error *err)
{
	(void)ctx;
	return es_views_catch_up(NULL, run->views, run->store, err);
}

/*
 * After an accepted command, project every event the read model has not
 * seen yet. When that fails, say so once and stop trying for this run:
 * the checkpoint still says where the read model stops, so a later run
 * (or a rebuild) starts there and nothing is lost.
 */
static void catch_up(struct apply_run *run)
{
	char why[2 * ES_ERROR_MSG_SIZE];
	struct es_error err;
	int64_t stops_at = 0;
	int rc;

	run->unprojected = 0;
	if (run->behind)
		return;
	rc = patiently(run, attempt_catch_up, NULL, &err);
	if (rc == ES_OK)
		return;
	run->behind = true;
	es_views_checkpoint(&stops_at, run->views, NULL);
	/* A row that does not decode: no later run gets past it alone. */
	if (catalog_explain_bad_row(why, sizeof(why), run->store, stops_at, rc))
		catalog_fail(CATALOG_FAILURE,
			     "after line %" PRId64
			     ": the read model stops at event %" PRId64 ": %s",
			     run->line_no, stops_at, why);
	else
		catalog_fail(CATALOG_FAILURE,
			     "after line %" PRId64
			     ": the read model stops at event %" PRId64
			     " (%s): the next apply catches up, or run "
			     "'catalog catch-up'",
			     run->line_no, stops_at, err.msg);
}

/*
 * After an accepted line: catch the views up before its answer when no
 * more input is waiting, since the client may be waiting for the answer
 * to read the views; so a client that waits for its answer always finds
 * its write in them. While more lines are waiting, their client is not
 * waiting for this answer: the views catch up once every
 * CATALOG_CATCH_UP_EVERY lines, and at the end, which saves most of a
 * catch-up's cost per command. The views are then a few lines behind the
 * log for a moment; the read verbs say so when they are.
 */
static void after_append(struct apply_run *run)
{
	run->unprojected++;
	if (run->unprojected >= CATALOG_CATCH_UP_EVERY ||
	    !input_waiting(run->reader))
		catch_up(run);
}

/* What a command's try works on. */
struct command_try {
	struct es_event *ev;
	const struct es_command *cmd;
};

static int attempt_command(struct apply_run *run, const void *ctx,
			   struct es_error *err)
{
	const struct command_try *t = ctx;

	return es_optimistic_handle(t->ev, run->writer, t->cmd, err);
}

/*
 * Answer a command that the database failed: still locked, or still
 * changing under it, after --busy-timeout; or an error that waiting does
 * not cure (a disk that fails, a row that cannot be decoded). Nothing was
 * appended for it. Say so on standard error too, with the line's number,
 * and remember it for the exit status. Returns the answer, or NULL after
 * reporting when memory ran out.
 */
static char *failure_text(struct apply_run *run, int rc,
			  const struct es_error *err, int64_t line_no)
{
	char msg[ES_ERROR_MSG_SIZE + 64];

	if (rc == ES_EBUSY || rc == ES_ECONFLICT)
		snprintf(msg, sizeof(msg),
			 "%s (tried for %d ms; see --busy-timeout)", err->msg,
			 run->busy_timeout_ms);
	else
		snprintf(msg, sizeof(msg), "%s", err->msg);
	run->failed = true;
	catalog_fail(CATALOG_LINES_FAILED, "line %" PRId64 ": %s", line_no,
		     msg);
	return refusal_text(msg);
}

/* Answer a command that the database failed (failure_text()). */
static bool answer_failed(struct apply_run *run, int rc,
			  const struct es_error *err)
{
	return send_answer(failure_text(run, rc, err, run->line_no));
}

/* What a try of a command with an envelope works on. */
struct once_try {
	char **answer;
	struct es_event *ev;
	const struct es_command *cmd;
};

static int attempt_once(struct apply_run *run, const void *ctx,
			struct es_error *err)
{
	const struct once_try *t = ctx;

	return es_handle_once(t->answer, t->ev, &run->once, t->cmd, err);
}

/*
 * A command with an envelope goes through step 16's handler: at most once
 * per command id, its answer stored with its events, and its metadata
 * recorded. It holds the write lock from the look-up to the commit. The
 * read model catches up even when nothing was appended: a retry after a
 * crash finds the command done, and its event maybe not yet projected.
 */
static bool apply_once(struct apply_run *run, const struct es_command *cmd)
{
	char *text = NULL;
	struct es_event ev;
	struct once_try t = {&text, &ev, cmd};
	struct es_error err;
	bool ok;
	int rc;

	rc = patiently(run, attempt_once, &t, &err);
	if (rc != ES_OK)
		return answer_failed(run, rc, &err);
	after_append(run);
	ok = send_answer(text);
	es_event_dispose(&ev);
	return ok;
}

/*
 * What is wrong with a line before it is read as a command (`len` bytes,
 * without its newline), or NULL.
 */
static const char *line_problem(const char *line, size_t len)
{
	if (len > CATALOG_MAX_LINE)
		return "line is longer than 1048576 bytes (1 MiB)";
	if (strlen(line) != len)
		return "line contains a NUL byte";
	if (is_blank(line))
		return "empty line";
	return NULL;
}

/*
 * Handle the command on one line (without its newline; `len` bytes).
 * Returns false when the run must stop: the answer could not be written.
 */
static bool apply_line(struct apply_run *run, char *line, size_t len)
{
	const char *problem = line_problem(line, len);
	struct es_command cmd;
	struct es_event ev;
	struct command_try t = {&ev, &cmd};
	struct es_error err;
	bool ok;
	int rc;

	if (problem != NULL)
		return refuse(problem);
	if (es_command_parse(&cmd, line, &err) != ES_OK)
		return refuse(err.msg);
	if (es_command_has_envelope(&cmd)) {
		ok = apply_once(run, &cmd);
		es_command_dispose(&cmd);
		return ok;
	}
	rc = patiently(run, attempt_command, &t, &err);
	es_command_dispose(&cmd);
	if (rc == ES_EINVAL || rc == ES_ENOTFOUND)
		return refuse(err.msg);
	if (rc != ES_OK)
		return answer_failed(run, rc, &err);
	after_append(run);
	ok = answer(NULL, &ev);
	es_event_dispose(&ev);
	return ok;
}

/*
 * --batch N: up to N lines share one commit (group_commit.h). Each line's
 * answer waits in run->pending until its group is committed, so no
 * answer says "ok" before its event is durable; the views catch up after
 * the commit, once per group. A group is committed when it has N lines,
 * and as soon as no more input is waiting: a client that sends one line
 * and waits for its answer gets it at once. A command the database fails
 * fails its whole group: the group is rolled back, and each of its
 * commands is answered with that failure, as a line is without --batch.
 */

/* Keep `answer` (NULL: memory ran out, reported) to send after the commit. */
static bool keep(struct apply_run *run, char *answer, bool in_group)
{
	struct pending *p = &run->pending[run->pending_count];

	if (answer == NULL)
		return false;
	p->answer = answer;
	p->line_no = run->line_no;
	p->in_group = in_group;
	run->pending_count++;
	return true;
}

/*
 * The group failed for the database: roll it back, and answer each of its
 * commands with the failure instead.
 */
static bool fail_group(struct apply_run *run, int rc,
		       const struct es_error *err)
{
	es_group_rollback(&run->group);
	for (int i = 0; i < run->pending_count; i++) {
		struct pending *p = &run->pending[i];

		if (!p->in_group)
			continue;
		free(p->answer);
		p->answer = failure_text(run, rc, err, p->line_no);
		p->in_group = false;
		if (p->answer == NULL)
			return false;
	}
	return true;
}

static int attempt_begin(struct apply_run *run, const void *ctx,
			 struct es_error *err)
{
	(void)ctx;
	return es_group_begin(&run->group, err);
}

/* Handle `cmd` in the group, opened first when none is. */
static bool batch_command(struct apply_run *run, const struct es_command *cmd)
{
	struct es_error err;
	struct es_event ev;
	char *text = NULL;
	int rc = ES_OK;

	if (!run->group.open)
		rc = patiently(run, attempt_begin, NULL, &err);
	if (rc == ES_OK)
		rc = es_group_handle(&text, &ev, &run->group, cmd, &err);
	es_event_dispose(&ev);
	if (rc == ES_OK)
		return keep(run, text, true);
	if (run->group.open && !fail_group(run, rc, &err))
		return false;
	return keep(run, failure_text(run, rc, &err, run->line_no), false);
}

/* Like apply_line(), in the group. */
static bool batch_line(struct apply_run *run, char *line, size_t len)
{
	const char *problem = line_problem(line, len);
	struct es_command cmd;
	struct es_error err;
	bool ok;

	if (problem != NULL)
		return keep(run, refusal_text(problem), false);
	if (es_command_parse(&cmd, line, &err) != ES_OK)
		return keep(run, refusal_text(err.msg), false);
	ok = batch_command(run, &cmd);
	es_command_dispose(&cmd);
	return ok;
}

/* Forget the answers not sent (NULL ones included). */
static void drop_pending(struct apply_run *run)
{
	for (int i = 0; i < run->pending_count; i++)
		free(run->pending[i].answer);
	run->pending_count = 0;
}

/*
 * Commit the group, if one is open; catch the views up; then send every
 * answer kept, in order. Returns false when the run must stop.
 */
static bool flush(struct apply_run *run)
{
	struct es_error err;
	bool ok = true;

	if (run->group.open) {
		int rc = es_group_commit(&run->group, &err);

		if (rc == ES_OK)
			catch_up(run);
		else
			ok = fail_group(run, rc, &err);
	}
	for (int i = 0; ok && i < run->pending_count; i++)
		ok = catalog_put_json(run->pending[i].answer);
	if (ok && fflush(stdout) != 0)
		ok = false;
	if (!ok && !ferror(stdout))
		return false; /* out of memory, reported */
	if (!ok)
		catalog_fail(CATALOG_FAILURE,
			     "cannot write to standard output");
	drop_pending(run);
	return ok;
}

/* One line, with --batch or without; false: stop the run. */
static bool take_line(struct apply_run *run, struct line_reader *r, char *line,
		      size_t len)
{
	if (run->batch == 0)
		return apply_line(run, line, len);
	if (!batch_line(run, line, len))
		return false;
	if (run->pending_count < run->batch && input_waiting(r))
		return true;
	return flush(run);
}

/* Answer every line of file descriptor `fd`. Returns the exit status. */
static int apply_stream(struct apply_run *run, int fd, const char *name)
{
	struct line_reader *reader = calloc(1, sizeof(*reader));
	char *line = malloc(CATALOG_MAX_LINE + 1);
	size_t len;
	int status = CATALOG_OK;

	if (run->batch > 0)
		run->pending =
			calloc((size_t)run->batch, sizeof(*run->pending));
	if (reader == NULL || line == NULL ||
	    (run->batch > 0 && run->pending == NULL)) {
		status = catalog_fail(CATALOG_FAILURE, "out of memory");
		goto out;
	}
	reader->fd = fd;
	run->reader = reader;
	while (read_line(line, &len, reader)) {
		run->line_no++;
		if (!take_line(run, reader, line, len)) {
			status = CATALOG_FAILURE;
			break;
		}
	}
	if (status == CATALOG_OK && run->unprojected > 0)
		catch_up(run);
	/* A run that stops early answers nothing more, and keeps nothing. */
	if (status != CATALOG_OK)
		es_group_rollback(&run->group);
	else if (run->batch > 0 && !flush(run))
		status = CATALOG_FAILURE;
	if (status == CATALOG_OK && run->batch > 0)
		es_group_save_snapshots(&run->group, run->snaps);
	if (status == CATALOG_OK && reader->failed)
		status = catalog_fail(CATALOG_FAILURE, "%s: read error", name);
	if (status == CATALOG_OK && run->behind)
		status = CATALOG_FAILURE;
	if (status == CATALOG_OK && run->failed)
		status = CATALOG_LINES_FAILED;
out:
	drop_pending(run);
	free(run->pending);
	free(line);
	free(reader);
	return status;
}

/*
 * Wait up to `ms` milliseconds until no other connection holds the write
 * lock of the log at `path`: take the lock on a connection of our own, and
 * let it go at once. es_store_open() takes it too (to create what is
 * missing), and waits ES_STORE_BUSY_TIMEOUT_MS for it, which no call can
 * shorten before the store is open: without this wait first, an apply
 * started on a log that another process keeps locked would wait that long
 * on every try, past a shorter --busy-timeout. No table is read: the store
 * stays closed. Returns ES_OK, or ES_EBUSY ("<path>: database is locked")
 * when the lock is still held after `ms`. Any other failure is left to
 * es_store_open(), which reports it with its own words (and creates a log
 * that is not there). A writer that takes the lock between this and the
 * open makes the open wait for it as before: a lock taken at that moment
 * and kept for seconds.
 */
static int wait_for_writers(const char *path, int ms, struct es_error *err)
{
	sqlite3 *db = NULL;
	int rc = ES_OK;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
		    SQLITE_OK &&
	    sqlite3_busy_timeout(db, ms) == SQLITE_OK &&
	    sqlite3_exec(db, "BEGIN IMMEDIATE; ROLLBACK", NULL, NULL, NULL) !=
		    SQLITE_OK &&
	    (sqlite3_errcode(db) & 0xff) == SQLITE_BUSY)
		rc = es_error_set(err, ES_EBUSY, "%s: %s", path,
				  sqlite3_errmsg(db));
	/* Closing rolls the transaction back, if ROLLBACK did not run. */
	sqlite3_close(db);
	return rc;
}

static int attempt_open(struct apply_run *run, const void *ctx,
			struct es_error *err)
{
	const struct catalog_opts *opts = ctx;

	/* On PostgreSQL a writer waits for a lock only inside an append. */
	if (!es_store_path_is_postgres(opts->events_path)) {
		int rc = wait_for_writers(opts->events_path, run->try_ms, err);

		if (rc != ES_OK)
			return rc;
	}
	return es_store_open(&run->store, opts->events_path, ES_STORE_WRITE,
			     err);
}

/*
 * --batch shares a SQLite transaction through savepoints on the store's
 * own connection (group_commit.c), which a log on PostgreSQL does not
 * have.
 */
#define CATALOG_BATCH_NEEDS_SQLITE                                             \
	"--batch needs a SQLite log: on PostgreSQL every command is its own "  \
	"transaction"

/*
 * Open the write side: the store, its snapshots (none on PostgreSQL:
 * they are a table of the SQLite file, snapshots.h), the handler. A log
 * that another writer holds locked is tried again, as a line is, each try
 * waiting no longer than what is left of --busy-timeout
 * (wait_for_writers()); then apply gives up, with the same words as a
 * line.
 */
static int open_writer(struct apply_run *run, const struct catalog_opts *opts)
{
	struct es_clock clock = {es_clock_system, NULL};
	struct es_error err;
	int rc;

	rc = patiently(run, attempt_open, opts, &err);
	if (rc == ES_EBUSY)
		return catalog_fail(CATALOG_FAILURE,
				    "%s (tried for %d ms; see --busy-timeout)",
				    err.msg, run->busy_timeout_ms);
	if (rc != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s", err.msg);
	if (run->batch > 0 && es_store_is_postgres(run->store))
		return catalog_fail(CATALOG_USAGE, CATALOG_BATCH_NEEDS_SQLITE);
	run->once.store = run->store;
	run->once.clock = clock;
	run->group.handler = run->once;
	/* Snapshots live in the SQLite file: on PostgreSQL, none. */
	if ((!es_store_is_postgres(run->store) &&
	     es_snapshots_open(&run->snaps, run->store, CATALOG_SNAPSHOT_EVERY,
			       &err) != ES_OK) ||
	    es_optimistic_open(&run->writer, run->store, clock, run->snaps,
			       &err) != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s: %s",
				    opts->events_path, err.msg);
	if (run->batch > 0 &&
	    es_snapshots_open_read_only(&run->group_snaps, run->store, &err) !=
		    ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s: %s",
				    opts->events_path, err.msg);
	run->group.snaps = run->group_snaps;
	return CATALOG_OK;
}

/* Open the databases, run, and close everything that was opened. */
static int apply_with(const struct catalog_opts *opts, int batch, int fd,
		      const char *name)
{
	struct apply_run run = {.busy_timeout_ms = opts->busy_timeout_ms,
				.jitter = (unsigned int)getpid(),
				.batch = batch};
	struct es_error err;
	int status;

	status = open_writer(&run, opts);
	if (status == CATALOG_OK)
		status = catalog_open_read_model(&run.read_db, opts);
	if (status == CATALOG_OK &&
	    es_views_open(&run.views, run.read_db, &err) != ES_OK)
		status = catalog_fail(CATALOG_FAILURE, "%s: %s",
				      opts->read_path, err.msg);
	if (status == CATALOG_OK)
		status = apply_stream(&run, fd, name);
	es_views_close(run.views);
	es_read_db_close(run.read_db);
	es_group_dispose(&run.group); /* before the store it prepared on */
	es_snapshots_close(run.group_snaps);
	es_optimistic_close(run.writer);
	es_snapshots_close(run.snaps);
	es_store_close(run.store);
	return status;
}

/* The most lines --batch lets share one commit. */
#define CATALOG_MAX_BATCH 100000

/*
 * Read `arg` as --batch's N: digits only, from 1 to CATALOG_MAX_BATCH.
 * Returns CATALOG_OK and sets `*out`, or reports and returns CATALOG_USAGE.
 */
static int parse_batch(int *out, const char *arg)
{
	long n = 0;
	const char *p;

	for (p = arg; *p >= '0' && *p <= '9' && n <= CATALOG_MAX_BATCH; p++)
		n = n * 10 + (*p - '0');
	if (p == arg || *p != '\0' || n < 1 || n > CATALOG_MAX_BATCH)
		return catalog_fail(CATALOG_USAGE,
				    "--batch needs N, a whole number of "
				    "commands from 1 to %d, not '%s'",
				    CATALOG_MAX_BATCH, arg);
	*out = (int)n;
	return CATALOG_OK;
}

int catalog_apply(const struct catalog_opts *opts, int argc, char **argv)
{
	const char *path = "-";
	int batch = 0;
	int fd = STDIN_FILENO;
	bool own_fd = false;
	int status;

	if (argc > 0 && strcmp(argv[0], "--batch") == 0) {
		status = parse_batch(&batch, argc > 1 ? argv[1] : "");
		if (status != CATALOG_OK)
			return status;
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		return catalog_fail(CATALOG_USAGE,
				    "usage: catalog apply [--batch N] [FILE]");
	if (argc == 1)
		path = argv[0];
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return catalog_fail(CATALOG_FAILURE, "%s: %s", path,
					    strerror(errno));
		own_fd = true;
	}
	status = apply_with(opts, batch, fd, own_fd ? path : "standard input");
	if (own_fd)
		close(fd);
	return status;
}
