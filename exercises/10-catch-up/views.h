/*
 * views.h - every read model, kept up to date from the log with a
 * checkpoint.
 *
 * The seed projects each event right after the command that appended it:
 *
 *     cmd.handle(UpdateStock(gadget_id, new_stock=50))
 *     prj.project(store.load(gadget_id)[-1])
 *
 * The log and the views are two databases, so there are two commits. A
 * crash between them loses the projection for good: the next command
 * projects only its own event. Projecting "the last event" again is no
 * answer either: view_count + 1 applied twice counts twice.
 *
 * So the views remember how far they got. The read DB holds
 *
 *   projection_checkpoint(name TEXT PRIMARY KEY,
 *                         last_event_id INTEGER NOT NULL)
 *
 * with one row, named "views": the id of the last event applied. Catching
 * up projects the events after it and moves it, in the same read-DB
 * transaction as the view changes. Either both are committed or neither
 * is, so after any crash the checkpoint says exactly which events the
 * views hold: each event is projected once, none is lost.
 *
 * A struct es_views is the step 6 projector (product_detail_view,
 * product_list_view) plus step 9's insights (view_count_summary,
 * low_stock_alert_view: insights.h) plus the checkpoint.
 */
#ifndef ES_VIEWS_H
#define ES_VIEWS_H

#include <sqlite3.h>
#include <stdint.h>

#include "es_error.h"
#include "event_store.h"

/* The checkpoint row's name in projection_checkpoint. */
#define ES_VIEWS_CHECKPOINT "views"

struct es_views;

/*
 * Open the projector and the insights on `read_db` (step 0's views must be
 * there; the insights' tables and projection_checkpoint are created when
 * missing) and prepare the statements, once. `read_db` is borrowed and
 * must outlive the handle. On success `*out` is set; close it with
 * es_views_close(). Returns ES_OK, ES_ENOMEM or ES_EDB.
 */
int es_views_open(struct es_views **out, sqlite3 *read_db,
		  struct es_error *err);

/* Close the projector and the insights and free the handle; NULL is
 * ignored. */
void es_views_close(struct es_views *views);

/*
 * Set `*out` to the id of the last event the views hold, 0 when they hold
 * none yet. Returns ES_OK or ES_EDB.
 */
int es_views_checkpoint(int64_t *out, struct es_views *views,
			struct es_error *err);

/*
 * Bring every view up to date with `store`, as one read-DB transaction:
 * read the checkpoint, stream the events after it (es_store_load_after),
 * apply each to the projector and the insights, write the id of the last
 * one as the new checkpoint, commit. Views that have no checkpoint row
 * yet (new, or projected before this step by the step 6 projector alone)
 * are emptied first and get every event, so nothing is counted twice.
 *
 * Sets `*projected` (which may be NULL) to the number of events applied:
 * 0 when the views were up to date. Returns ES_OK or the first error,
 * unchanged (ES_ECORRUPT for a row that cannot be decoded, ES_EDB); then
 * everything is rolled back: the views and the checkpoint are as they
 * were, and `*projected` is 0.
 */
int es_views_catch_up(int64_t *projected, struct es_views *views,
		      struct es_store *store, struct es_error *err);

/*
 * Empty every view and replay the whole log into them, as one read-DB
 * transaction that also sets the checkpoint to the last event's id (0
 * for an empty log). This is how a new read model is filled from all of
 * history, and how a fixed projector repairs the views. Sets `*projected`
 * (which may be NULL) to the number of events replayed. On failure,
 * returns the first error unchanged and rolls back: the old views and
 * checkpoint stay, and `*projected` is 0.
 */
int es_views_rebuild(int64_t *projected, struct es_views *views,
		     struct es_store *store, struct es_error *err);

#endif /* ES_VIEWS_H */
