/*
 * repair.c - keeping the read side moving: `catch-up` brings the views
 * level with the log, `verify` finds the rows of the log that are not
 * events, `quarantine` records one for every reader to step over; and
 * what the other verbs say when the views are behind or stuck.
 *
 * A row that does not decode stops every catch-up and rebuild at it: the
 * views cannot skip an event on their own, or they would silently differ
 * from the log. Nor can the row be deleted: the log is append-only. So
 * the way past it is a decision, recorded with its reason and time
 * (es_store_quarantine), and every message that meets such a row names
 * it and that repair.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "es_error.h"
#include "es_time.h"
#include "event_store.h"
#include "read_db.h"
#include "views.h"

/* ---- what stops the views ------------------------------------------------ */

/* The first row that does not decode and is not in quarantine. */
struct first_bad {
	bool found;
	int64_t id;
	int64_t product_id;
	char error[ES_ERROR_MSG_SIZE];
};

/* es_store_verify() callback: keep the first such row, and stop. */
static int keep_first(void *ctx, const struct es_bad_row *row,
		      struct es_error *err)
{
	struct first_bad *bad = ctx;

	if (row->reason != NULL)
		return ES_OK; /* in quarantine: every reader steps over it */
	bad->found = true;
	bad->id = row->id;
	bad->product_id = row->product_id;
	snprintf(bad->error, sizeof(bad->error), "%s", row->error);
	return es_error_set(err, ES_ECORRUPT, "found");
}

bool catalog_explain_bad_row(char *out, size_t size, struct es_store *store,
			     int64_t after_id, int rc)
{
	struct first_bad bad = {false, 0, 0, ""};

	if (rc != ES_ECORRUPT)
		return false;
	es_store_verify(NULL, store, after_id, keep_first, &bad, NULL);
	if (!bad.found)
		return false;
	snprintf(out, size,
		 "event %" PRId64 " (product %" PRId64
		 ") cannot be decoded: %s; skip it with 'catalog quarantine "
		 "%" PRId64 " --reason TEXT' ('catalog verify' lists every "
		 "such row)",
		 bad.id, bad.product_id, bad.error, bad.id);
	return true;
}

void catalog_warn_behind(const struct catalog_opts *opts, sqlite3 *read_db)
{
	struct es_views *views = NULL;
	struct es_store *store = NULL;
	int64_t checkpoint = 0;
	int64_t behind = 0;

	/*
	 * Said when it can be known, and nothing otherwise: a read model
	 * may be read without its log beside it, or be older than the
	 * checkpoint (es_views_open cannot create tables on a read-only
	 * connection).
	 */
	if (es_store_open(&store, opts->events_path, ES_STORE_READONLY, NULL) ==
		    ES_OK &&
	    es_views_open(&views, read_db, NULL) == ES_OK &&
	    es_views_checkpoint(&checkpoint, views, NULL) == ES_OK &&
	    es_store_count_after(&behind, store, checkpoint, NULL) == ES_OK &&
	    behind > 0)
		/* A warning: one "catalog: " line, and no exit status. */
		catalog_fail(CATALOG_OK,
			     "views are %" PRId64 " event%s behind the log "
			     "(run 'catalog catch-up')",
			     behind, behind == 1 ? "" : "s");
	es_views_close(views);
	es_store_close(store);
}

/* ---- catch-up ------------------------------------------------------------ */

/* Catch `views` up with `store`; say what stops them. The exit status. */
static int catch_up_views(struct es_views *views, struct es_store *store)
{
	char why[2 * ES_ERROR_MSG_SIZE];
	int64_t stops_at = 0;
	struct es_error err;
	int rc;

	rc = es_views_catch_up(NULL, views, store, &err);
	if (rc == ES_OK)
		return CATALOG_OK;
	es_views_checkpoint(&stops_at, views, NULL);
	if (!catalog_explain_bad_row(why, sizeof(why), store, stops_at, rc))
		snprintf(why, sizeof(why), "%s", err.msg);
	return catalog_fail(CATALOG_FAILURE,
			    "catch-up: the views stop at event %" PRId64 ": %s",
			    stops_at, why);
}

int catalog_catch_up(const struct catalog_opts *opts, int argc, char **argv)
{
	struct es_views *views = NULL;
	struct es_store *store = NULL;
	sqlite3 *read_db = NULL;
	struct es_error err;
	int status;

	(void)argc;
	(void)argv;
	/* Catching up reads the log and writes the read model only. */
	status = catalog_open_store(&store, opts, ES_STORE_READONLY);
	if (status == CATALOG_OK)
		status = catalog_open_read_model(&read_db, opts);
	if (status == CATALOG_OK &&
	    es_views_open(&views, read_db, &err) != ES_OK)
		status = catalog_fail(CATALOG_FAILURE, "%s: %s",
				      opts->read_path, err.msg);
	if (status == CATALOG_OK)
		status = catch_up_views(views, store);
	es_views_close(views);
	es_read_db_close(read_db);
	es_store_close(store);
	return status;
}

/* ---- verify -------------------------------------------------------------- */

struct verify_counts {
	int64_t bad;
	int64_t quarantined;
};

/* es_store_verify() callback: one line for each row that does not decode. */
static int print_bad_row(void *ctx, const struct es_bad_row *row,
			 struct es_error *err)
{
	struct verify_counts *counts = ctx;

	(void)err;
	printf("event %" PRId64 " (product %" PRId64 "): %s", row->id,
	       row->product_id, row->error);
	if (row->reason != NULL) {
		printf("; in quarantine since %s: %s", row->quarantined_at,
		       row->reason);
		counts->quarantined++;
	} else {
		counts->bad++;
	}
	putchar('\n');
	return ES_OK;
}

int catalog_verify(const struct catalog_opts *opts, int argc, char **argv)
{
	struct verify_counts counts = {0, 0};
	struct es_store *store = NULL;
	struct es_error err;
	int64_t checked = 0;
	int status;

	(void)argc;
	(void)argv;
	status = catalog_open_store(&store, opts, ES_STORE_READONLY);
	if (status != CATALOG_OK)
		return status;
	if (es_store_verify(&checked, store, 0, print_bad_row, &counts, &err) !=
	    ES_OK)
		status = catalog_fail(CATALOG_FAILURE, "verify: %s", err.msg);
	es_store_close(store);
	if (status != CATALOG_OK)
		return status;
	if (counts.bad > 0)
		return catalog_fail(CATALOG_FAILURE,
				    "%" PRId64 " of %" PRId64
				    " rows cannot be decoded: skip each with "
				    "'catalog quarantine ID --reason TEXT'",
				    counts.bad, checked);
	if (counts.quarantined > 0)
		printf("%" PRId64 " rows checked: all decode but the %" PRId64
		       " in quarantine\n",
		       checked, counts.quarantined);
	else
		printf("%" PRId64 " rows checked: all decode\n", checked);
	return CATALOG_OK;
}

/* ---- quarantine ---------------------------------------------------------- */

/* A reason is one line of text: it is printed by verify, one row a line. */
static bool one_line(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

int catalog_quarantine(const struct catalog_opts *opts, int argc, char **argv)
{
	char at[ES_TIMESTAMP_SIZE];
	struct es_store *store = NULL;
	struct es_error err;
	int64_t event_id;
	int64_t unused;
	int status;

	(void)argc;
	if (strcmp(argv[1], "--reason") != 0)
		return catalog_fail(CATALOG_USAGE, "usage: catalog quarantine "
						   "ID --reason TEXT");
	if (argv[2][0] == '\0' || !one_line(argv[2]))
		return catalog_fail(CATALOG_USAGE,
				    "--reason needs a TEXT of one line: who "
				    "decided, and why the row may be skipped");
	status = catalog_parse_id(&event_id, argv[0]);
	if (status == CATALOG_OK)
		status = catalog_open_store(&store, opts, ES_STORE_WRITE);
	if (status != CATALOG_OK)
		return status;
	/*
	 * The stream versions (step 13) are made to exist first, so that
	 * they are never counted from a log that holds the row: the
	 * quarantine counts the row's product again without it.
	 */
	es_time_format(at, es_clock_system(NULL));
	if (es_store_version(&unused, store, 1, &err) != ES_OK ||
	    es_store_quarantine(store, event_id, argv[2], at, &err) != ES_OK)
		status = catalog_fail(CATALOG_FAILURE, "quarantine: %s",
				      err.msg);
	es_store_close(store);
	if (status == CATALOG_OK)
		printf("event %" PRId64 " is in quarantine: every reader steps "
		       "over it (run 'catalog catch-up' to move the views "
		       "past it)\n",
		       event_id);
	return status;
}
