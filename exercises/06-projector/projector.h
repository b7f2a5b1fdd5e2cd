/*
 * projector.h - builds the read side from events.
 *
 * The projector is a function of events: it never reads the write side.
 * Each event type updates the view tables it concerns:
 *
 *   ProductCreated  inserts (or replaces) the product in product_detail_view
 *                   (view_count 0, created_at = updated_at = occurred_at)
 *                   and in product_list_view
 *   StockUpdated    sets stock in both views, updated_at in the detail view
 *   PriceChanged    sets price in both views, updated_at in the detail view
 *   ProductViewed   adds one to view_count in the detail view
 *
 * Because the views hold nothing that is not in the log, they can be wiped
 * and rebuilt at any time: to fix a projector bug, or to fill a new view
 * from history.
 */
#ifndef ES_PROJECTOR_H
#define ES_PROJECTOR_H

#include <sqlite3.h>

#include "es_error.h"
#include "event_store.h"
#include "events.h"

struct es_projector;

/*
 * Prepare the projector's statements on `read_db` (see read_db.h), which is
 * borrowed and must outlive the projector. The statements are prepared once
 * and reused for every event. Returns ES_OK, ES_ENOMEM or ES_EDB.
 */
int es_projector_open(struct es_projector **out, sqlite3 *read_db,
		      struct es_error *err);

/* Finalize the statements and free the projector; NULL is ignored. */
void es_projector_close(struct es_projector *prj);

/*
 * Apply one event to the views, as one transaction of its own: both views
 * change, or neither does. An update for a product the views do not hold
 * changes nothing and is not an error. Returns ES_OK or ES_EDB.
 */
int es_projector_project(struct es_projector *prj, const struct es_event *ev,
			 struct es_error *err);

/*
 * Apply one event to the views without a transaction of its own: for a
 * caller that holds one on the read DB and applies many events in it
 * (rebuild_all here, catch-up in step 10). Returns ES_OK or ES_EDB.
 */
int es_projector_apply(struct es_projector *prj, const struct es_event *ev,
		       struct es_error *err);

/*
 * Delete every row of both views, without a transaction of its own (see
 * es_projector_apply). Returns ES_OK or ES_EDB.
 */
int es_projector_reset(struct es_projector *prj, struct es_error *err);

/*
 * Wipe the views and replay the whole log into them, streaming it (memory
 * does not grow with the log) inside one read-DB transaction: readers see
 * the old views until the new ones are complete, and on any failure (a
 * corrupted row, a full disk) the transaction is rolled back and the old
 * views stay as they were. Returns ES_OK or the first error, unchanged.
 */
int es_projector_rebuild_all(struct es_projector *prj, struct es_store *store,
			     struct es_error *err);

#endif /* ES_PROJECTOR_H */
