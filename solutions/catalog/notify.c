/*
 * notify.c - `catalog notify`: send the low-stock notifications that the
 * events since the notifier's checkpoint call for, one JSON line each on
 * standard output, then save the checkpoint (notifier.h, step 17).
 *
 * "Send" is printing a line and flushing it. A line that cannot be
 * written stops the run before the checkpoint moves past its event, so
 * the next notify sends it again: at least once. Standard output that is
 * a closed pipe kills the process with SIGPIPE in the middle of a send,
 * with the same outcome.
 */
#include <inttypes.h>
#include <stdio.h>

#include "catalog.h"
#include "event_store.h"
#include "notifier.h"
#include "read_db.h"

/* The es_notify_fn of notify: one line, {"product_id":1,...}. */
static int print_notification(void *ctx, const struct es_notification *n,
			      struct es_error *err)
{
	(void)ctx;
	if (printf("{\"product_id\":%" PRId64 ",\"stock\":%" PRId64
		   ",\"event_id\":%" PRId64 "}\n",
		   n->product_id, n->stock, n->event_id) < 0 ||
	    fflush(stdout) != 0)
		return es_error_set(err, ES_EDB,
				    "cannot write to standard output");
	return ES_OK;
}

int catalog_notify(const struct catalog_opts *opts, int argc, char **argv)
{
	struct es_notifier *notifier = NULL;
	struct es_store *store = NULL;
	sqlite3 *read_db = NULL;
	struct es_error err;
	int status;

	(void)argc;
	(void)argv;
	/* The notifier reads the log, and writes its state in the read DB. */
	status = catalog_open_store(&store, opts, ES_STORE_READONLY);
	if (status == CATALOG_OK)
		status = catalog_open_read_model(&read_db, opts);
	if (status == CATALOG_OK &&
	    es_notifier_open(&notifier, read_db, &err) != ES_OK)
		status = catalog_fail(CATALOG_FAILURE, "%s: %s",
				      opts->read_path, err.msg);
	if (status == CATALOG_OK &&
	    es_notifier_run(NULL, notifier, store, print_notification, NULL,
			    &err) != ES_OK)
		status = catalog_fail(CATALOG_FAILURE, "notify: %s", err.msg);
	es_notifier_close(notifier);
	es_read_db_close(read_db);
	es_store_close(store);
	return status;
}
