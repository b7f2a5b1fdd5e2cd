/*
 * copy.c - `catalog copy FROM TO`: copy the log FROM into TO, an empty
 * log, SQLite or PostgreSQL either way (each a path or a libpq URI, as
 * --events takes), keeping every event's id and metadata, and every
 * stored command answer. On TO, `catalog log` then prints the same
 * lines, the views rebuild the same, and a command sent again gets the
 * answer it got on FROM.
 *
 * FROM is checked first (es_store_verify): a row in quarantine is not an
 * event, and is skipped; a row that does not decode and is not in
 * quarantine refuses the copy, before TO is even opened. Then the copy
 * is one transaction on TO: each event (es_store_import), then each
 * answer, committed only when FROM holds as many events at the end as
 * at the start. A log written meanwhile could give TO an event without
 * the answer stored with it, and a retry on TO would do its command
 * again: such a copy is refused. A failure leaves TO as it was (a TO
 * that was missing is then an empty log).
 */
#include <inttypes.h>
#include <stdio.h>

#include "catalog.h"
#include "es_error.h"
#include "event_store.h"

struct copy {
	/*
	 * argv's, until the store is open; then its es_store_path(), which
	 * is a URI without its password: no message or summary repeats one.
	 */
	const char *from_path, *to_path;
	struct es_store *from, *to;
	int64_t events;	     /* copied */
	int64_t answers;     /* copied */
	int64_t quarantined; /* rows of FROM skipped */
};

/* es_bad_row_fn: count the rows in quarantine; stop at any other. */
static int check_row(void *ctx, const struct es_bad_row *row,
		     struct es_error *err)
{
	struct copy *c = ctx;

	if (row->reason == NULL)
		return es_error_set(err, ES_ECORRUPT, "event %" PRId64 ": %s",
				    row->id, row->error);
	c->quarantined++;
	return ES_OK;
}

/* Open FROM and check that every row decodes or is in quarantine. */
static int open_from(struct copy *c, struct es_error *err)
{
	int rc;

	rc = es_store_open(&c->from, c->from_path, ES_STORE_READONLY, err);
	if (rc != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s", err->msg);
	c->from_path = es_store_path(c->from);
	rc = es_store_verify(NULL, c->from, 0, check_row, c, err);
	if (rc == ES_ECORRUPT)
		return catalog_fail(CATALOG_FAILURE,
				    "%s: %s; run 'catalog verify'",
				    c->from_path, err->msg);
	if (rc != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s: %s", c->from_path,
				    err->msg);
	return CATALOG_OK;
}

/* es_answer_fn: count one answer. */
static int count_answer(void *ctx, const char *command_id, const char *request,
			const char *answer, struct es_error *err)
{
	int64_t *count = ctx;

	(void)command_id;
	(void)request;
	(void)answer;
	(void)err;
	(*count)++;
	return ES_OK;
}

/*
 * TO holds no event and no answer (its transaction is open, so nobody
 * else writes meanwhile). Returns the exit status.
 */
static int check_empty(struct copy *c, struct es_error *err)
{
	int64_t events = 0;
	int64_t answers = 0;

	if (es_store_count_after(&events, c->to, 0, err) != ES_OK ||
	    es_store_each_answer(c->to, count_answer, &answers, err) != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s: %s", c->to_path,
				    err->msg);
	if (events > 0)
		return catalog_fail(CATALOG_FAILURE,
				    "%s: not empty (%" PRId64 " events); copy "
				    "writes only into an empty log",
				    c->to_path, events);
	if (answers > 0)
		return catalog_fail(CATALOG_FAILURE,
				    "%s: not empty (%" PRId64
				    " stored answers); "
				    "copy writes only into an empty log",
				    c->to_path, answers);
	return CATALOG_OK;
}

/* es_event_fn: import `ev`, with its metadata, into TO. */
static int copy_event(void *ctx, const struct es_event *ev,
		      struct es_error *err)
{
	struct copy *c = ctx;
	struct es_meta meta;
	int rc;

	rc = es_store_load_metadata(&meta, c->from, ev->id, err);
	if (rc == ES_OK)
		rc = es_store_import(c->to, ev, &meta, err);
	es_meta_dispose(&meta);
	if (rc == ES_OK)
		c->events++;
	return rc;
}

/* es_answer_fn: store the answer in TO. */
static int copy_answer(void *ctx, const char *command_id, const char *request,
		       const char *answer, struct es_error *err)
{
	struct copy *c = ctx;
	int rc = es_store_save_answer(c->to, command_id, request, answer, err);

	if (rc == ES_OK)
		c->answers++;
	return rc;
}

/*
 * In TO's open transaction: every event, every answer, and the check
 * that FROM did not change meanwhile (it held `before` events).
 */
static int copy_all(struct copy *c, int64_t before, struct es_error *err)
{
	int64_t after = 0;
	int rc;

	rc = es_store_load_all(c->from, copy_event, c, err);
	if (rc == ES_OK)
		rc = es_store_each_answer(c->from, copy_answer, c, err);
	if (rc == ES_OK)
		rc = es_store_count_after(&after, c->from, 0, err);
	if (rc == ES_OK && (after != before || c->events != before))
		rc = es_error_set(err, ES_ECONFLICT,
				  "%s changed while it was copied (%" PRId64
				  " events, then %" PRId64
				  "): copy a log nobody writes to",
				  c->from_path, before, after);
	return rc;
}

/* Open TO, and copy FROM into it in one transaction. The exit status. */
static int copy_into(struct copy *c, struct es_error *err)
{
	int64_t before = 0;
	int status;

	if (es_store_count_after(&before, c->from, 0, err) != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s: %s", c->from_path,
				    err->msg);
	if (es_store_open(&c->to, c->to_path, ES_STORE_WRITE, err) != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s", err->msg);
	c->to_path = es_store_path(c->to);
	if (es_store_begin(c->to, err) != ES_OK)
		return catalog_fail(CATALOG_FAILURE, "%s: %s", c->to_path,
				    err->msg);
	status = check_empty(c, err);
	if (status == CATALOG_OK && (copy_all(c, before, err) != ES_OK ||
				     es_store_commit(c->to, err) != ES_OK))
		status = catalog_fail(CATALOG_FAILURE,
				      "copy: %s is unchanged: %s", c->to_path,
				      err->msg);
	if (status != CATALOG_OK)
		es_store_rollback(c->to);
	return status;
}

int catalog_copy(const struct catalog_opts *opts, int argc, char **argv)
{
	struct copy c = {argv[0], argv[1], NULL, NULL, 0, 0, 0};
	struct es_error err;
	int status;

	(void)opts;
	(void)argc;
	status = catalog_check_store_path(c.from_path);
	if (status == CATALOG_OK)
		status = catalog_check_store_path(c.to_path);
	if (status == CATALOG_OK)
		status = open_from(&c, &err);
	if (status == CATALOG_OK)
		status = copy_into(&c, &err);
	/* Before the stores close: the paths are theirs. */
	if (status == CATALOG_OK) {
		printf("copied %" PRId64 " events and %" PRId64
		       " answers from %s to %s",
		       c.events, c.answers, c.from_path, c.to_path);
		if (c.quarantined > 0)
			printf(", skipped %" PRId64 " quarantined rows",
			       c.quarantined);
		putchar('\n');
	}
	es_store_close(c.to);
	es_store_close(c.from);
	return status;
}
