/*
 * scenario.h - the seed's main scenario, as a function a program can run.
 *
 * command -> event -> project, then the audit trail and a rebuild:
 *
 *   1. create "Widget Pro" (29.99, cost 12.00, supplier 1 "Acme Corp",
 *      stock 100) and project it;
 *   2. create "Gadget Plus" (49.99, cost 22.50, supplier 1 "Acme Corp",
 *      stock 0) and project it;
 *   3. print the detail of Widget Pro;
 *   4. set Gadget Plus's stock to 50, project; change its price to 44.99,
 *      project;
 *   5. print the event log of Gadget Plus, one event a line;
 *   6. rebuild the read model from scratch and print the product list.
 *
 * Output, to `out` (DTOs and event data as JSON):
 *
 *   {"id":1,"name":"Widget Pro",...}
 *
 *   --- Event Log for Gadget Plus ---
 *     [2026-11-27T14:32:06.123457+00:00] ProductCreated: {"product_id": 2, ...}
 *     ...
 *
 *   --- Rebuilding read model from scratch ---
 *   [{"id":1,...},{"id":2,...}]
 */
#ifndef ES_SCENARIO_H
#define ES_SCENARIO_H

#include <sqlite3.h>
#include <stdio.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"

/*
 * Run the scenario against `store` and `read_db` (both borrowed, both
 * expected to be empty so the products get ids 1 and 2), stamping events
 * with `clock`, and print to `out`. Returns ES_OK or the first error,
 * unchanged.
 */
int es_scenario_run(struct es_store *store, sqlite3 *read_db,
		    const struct es_clock *clock, FILE *out,
		    struct es_error *err);

#endif /* ES_SCENARIO_H */
