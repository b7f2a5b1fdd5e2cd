/*
 * main.c - the seed's main.py: run the scenario on ./event_store.db and
 * ./read_model.db, stamping events with the system clock.
 *
 * The output is the scenario's (see scenario.h); an error is one line on
 * standard error and exit status 1. Run on existing databases it still
 * works, with the ids the store hands out next; a note on standard error
 * says how to get the canonical run, with ids 1 and 2.
 */
#include <stdio.h>
#include <stdlib.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"
#include "read_db.h"
#include "scenario.h"

#define EVENT_STORE_PATH "event_store.db"
#define READ_MODEL_PATH	 "read_model.db"

/* Tell the user when product 1 exists already: the ids will be higher. */
static int note_existing_products(struct es_store *store, struct es_error *err)
{
	struct es_event_list events;
	int rc;

	rc = es_store_load(&events, store, 1, err);
	if (rc != ES_OK)
		return rc;
	if (events.count > 0)
		fprintf(stderr,
			"note: %s already holds products, so the new ones get"
			" higher ids; remove %s and %s for the canonical run\n",
			EVENT_STORE_PATH, EVENT_STORE_PATH, READ_MODEL_PATH);
	es_event_list_dispose(&events);
	return ES_OK;
}

static int run(struct es_error *err)
{
	struct es_clock clock = {es_clock_system, NULL};
	struct es_store *store = NULL;
	sqlite3 *read_db = NULL;
	int rc;

	rc = es_store_open(&store, EVENT_STORE_PATH, ES_STORE_WRITE, err);
	if (rc == ES_OK)
		rc = es_read_db_open(&read_db, READ_MODEL_PATH,
				     ES_READ_DB_WRITE, err);
	if (rc == ES_OK)
		rc = note_existing_products(store, err);
	if (rc == ES_OK)
		rc = es_scenario_run(store, read_db, &clock, stdout, err);
	es_read_db_close(read_db);
	es_store_close(store);
	return rc;
}

int main(void)
{
	struct es_error err;

	es_error_clear(&err);
	if (run(&err) != ES_OK) {
		fprintf(stderr, "error: %s\n", err.msg);
		return EXIT_FAILURE;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "error: cannot write to standard output\n");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
