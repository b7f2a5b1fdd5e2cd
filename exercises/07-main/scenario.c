/*
 * scenario.c - step 7: the seed's main scenario (see scenario.h). You
 * write es_scenario_run, which wires every step together: commands through
 * the handler, each event projected, the queries, the audit trail and a
 * rebuild. main.c, given complete, runs it on two files.
 *
 * Run make check STEP=7 to see what is missing.
 */
#include "scenario.h"

int es_scenario_run(struct es_store *store, sqlite3 *read_db,
		    const struct es_clock *clock, FILE *out,
		    struct es_error *err)
{
	/*
	 * TODO: open a projector and a query handler on read_db before
	 * printing anything. Put a struct es_command_handler on your stack
	 * (.store = store, .clock = *clock). For each command: es_handle(),
	 * es_projector_project() the event, es_event_dispose() it. Print
	 * Widget Pro's detail as JSON, then Gadget Plus's event log, one
	 * "  [occurred_at] Type: data" line an event, then
	 * es_projector_rebuild_all() and the product list as JSON. Take the
	 * ids from the events, stop at the first error and return it
	 * unchanged; close the projector and the query handler on every path.
	 * See docs/07-main.md, "How, in C".
	 */
	(void)store;
	(void)read_db;
	(void)clock;
	(void)out;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 7: es_scenario_run is not implemented yet");
}
