/*
 * follow.c - `catalog follow [--after ID] [--idle MS]`: print each event
 * as it is appended, one line each, as `catalog log` prints it
 * (catalog_print_event), like `tail -f` on the log.
 *
 * It prints what is after the last event it printed
 * (es_store_load_after), then waits for more (es_store_wait: SQLite is
 * polled, PostgreSQL wakes it with LISTEN/NOTIFY), and again. A row in
 * quarantine is stepped over, as every load steps over it; a row that
 * does not decode stops it, as it stops `log`. Each line is flushed as
 * it is printed, so that whoever reads the pipe sees it at once.
 *
 * It ends after --idle MS without a new event, or on SIGINT or SIGTERM:
 * between two lines, quietly, with status 0. A follower that is stopped
 * has not failed.
 */
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "es_error.h"
#include "event_store.h"

/*
 * The longest one wait lasts: SIGINT and SIGTERM are seen within it,
 * whether or not the store's wait returns early on a signal.
 */
#define CATALOG_FOLLOW_SLICE_MS 250

/* Set by SIGINT and SIGTERM: stop after the line being printed. */
static volatile sig_atomic_t stop_asked;

static void ask_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

/*
 * Catch SIGINT and SIGTERM. Without SA_RESTART: a sleep or a wait that
 * the signal cuts short returns at once.
 */
static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ask_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct follower {
	struct es_store *store;
	int64_t after;	  /* the last event printed, or where it started */
	int idle_ms;	  /* --idle; -1: follow until a signal */
	int64_t idle_end; /* when --idle ends it, unless an event comes */
};

/* An es_event_fn: print `ev`'s line and flush it; stop when asked to. */
static int print_line(void *ctx, const struct es_event *ev,
		      struct es_error *err)
{
	struct follower *f = ctx;
	int rc = catalog_print_event(f->store, ev, err);

	if (rc != ES_OK)
		return rc;
	if (fflush(stdout) != 0 || ferror(stdout))
		return es_error_set(err, ES_EDB,
				    "cannot write to standard output");
	f->after = ev->id;
	f->idle_end = now_ms() + f->idle_ms;
	/* Not an error: follow() sees stop_asked and ends quietly. */
	if (stop_asked)
		return es_error_set(err, ES_EINVAL, "stopped");
	return ES_OK;
}

/*
 * Print the events after f->after, wait, and again, until --idle has
 * gone by without one or a signal asks to stop (ES_OK), or reading the
 * log fails (its error).
 */
static int follow(struct follower *f, struct es_error *err)
{
	bool more = true;

	f->idle_end = now_ms() + f->idle_ms;
	for (;;) {
		int wait_ms = CATALOG_FOLLOW_SLICE_MS;
		int rc = ES_OK;

		if (more)
			rc = es_store_load_after(f->store, f->after, print_line,
						 f, err);
		if (stop_asked)
			return ES_OK;
		if (rc != ES_OK)
			return rc;
		if (f->idle_ms >= 0) {
			int64_t left = f->idle_end - now_ms();

			if (left <= 0)
				return ES_OK;
			if (left < wait_ms)
				wait_ms = (int)left;
		}
		rc = es_store_wait(f->store, f->after, wait_ms, &more, err);
		if (rc != ES_OK)
			return rc;
	}
}

/*
 * Set `*out` to the id of the log's last event (0: none), the start of
 * a follow without --after. es_store_count_after(id) is the number of
 * events after `id`, so the last event's id is the smallest id after
 * which there is none: the search doubles from the number of events,
 * below which it cannot be (ids are distinct and start at 1), then
 * halves. A few counts, however long the log, and no event decoded.
 */
static int last_event_id(int64_t *out, struct es_store *store,
			 struct es_error *err)
{
	int64_t lo, hi, n = 0;
	int rc;

	rc = es_store_count_after(&n, store, 0, err);
	/* Events after lo (if the log has any), none after hi. */
	lo = n - 1;
	hi = n;
	while (rc == ES_OK && n > 0) {
		rc = es_store_count_after(&n, store, hi, err);
		if (rc == ES_OK && n > 0) {
			lo = hi;
			hi = hi < INT64_MAX / 2 ? hi * 2 : INT64_MAX;
		}
	}
	while (rc == ES_OK && hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		rc = es_store_count_after(&n, store, mid, err);
		if (n > 0)
			lo = mid;
		else
			hi = mid;
	}
	if (rc == ES_OK)
		*out = hi;
	return rc;
}

/*
 * Read follow's arguments into `f`: --after sets where it starts, and
 * `*from_end` false. Returns the exit status.
 */
static int parse_args(struct follower *f, bool *from_end, int argc, char **argv)
{
	for (int i = 0; i < argc; i += 2) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		int status;

		if (value != NULL && strcmp(argv[i], "--after") == 0) {
			status = catalog_parse_after(&f->after, value);
			*from_end = false;
		} else if (value != NULL && strcmp(argv[i], "--idle") == 0) {
			status = catalog_parse_ms(&f->idle_ms, "--idle", value);
		} else {
			status = catalog_fail(CATALOG_USAGE,
					      "usage: catalog follow [--after "
					      "ID] [--idle MS]");
		}
		if (status != CATALOG_OK)
			return status;
	}
	return CATALOG_OK;
}

int catalog_follow(const struct catalog_opts *opts, int argc, char **argv)
{
	struct follower f = {NULL, 0, -1, 0};
	bool from_end = true;
	struct es_error err;
	int status;
	int rc = ES_OK;

	status = parse_args(&f, &from_end, argc, argv);
	if (status == CATALOG_OK)
		status = catalog_open_store(&f.store, opts, ES_STORE_READONLY);
	if (status != CATALOG_OK)
		return status;
	catch_stop_signals();
	if (from_end)
		rc = last_event_id(&f.after, f.store, &err);
	if (rc == ES_OK)
		rc = follow(&f, &err);
	es_store_close(f.store);
	if (rc != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s", err.msg);
	return CATALOG_OK;
}
