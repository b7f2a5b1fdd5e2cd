/*
 * notifier.h - step 17: a side effect kept out of replay (an outbox).
 *
 * Everything so far stays inside the system: replay a log a thousand
 * times and the views come out the same. A side effect does not: an
 * e-mail, a payment, a message to another service leaves the system, and
 * cannot be taken back. Replaying the events that caused it must not send
 * it again. So the code that sends is not a projector, and rebuild does
 * not run it. It is a consumer of its own, with its own checkpoint: it
 * reads the log after the last event it has dealt with, sends what those
 * events call for, and records how far it got.
 *
 * The side effect here is a low-stock notification. When an event takes
 * a product's stock below ES_LOW_STOCK_THRESHOLD (insights.h: a
 * ProductCreated with less stock than that, or a StockUpdated or
 * StockCorrected that brings a product that was at or above it below
 * it), the notifier sends one notification:
 *
 *   {"product_id":1,"stock":3,"event_id":2}
 *
 * A product that is below already gets none for the next event that
 * keeps it below; it gets one again after it has been at or above the
 * threshold. "Sends" is a callback (es_notify_fn): `catalog notify`
 * prints one line per notification.
 *
 * The notifier keeps its state in the read DB, in two tables of its own
 * that no view reads and that `catalog rebuild` does not touch:
 *
 *   notifier_checkpoint(id INTEGER PRIMARY KEY CHECK (id = 1),
 *                       last_event_id INTEGER NOT NULL)
 *   notifier_stock(product_id INTEGER PRIMARY KEY,
 *                  stock INTEGER NOT NULL)    each created product's stock
 *
 * The order is the whole lesson. For an event that calls for a
 * notification: send first, then save the checkpoint (with the stock
 * table) past that event. A crash after the send and before the save
 * sends that notification again on the next run: at least once, and at
 * most one time too many per crash. A crash before the send loses
 * nothing: the checkpoint is not past the event, so the next run sends
 * it. The receiver tells a second copy from a new one by its event_id
 * (the idempotency of step 16, on the other side). Saving before sending
 * would lose the notification in that crash instead: at most once.
 *
 * Two limits, both on the side of sending again, never of losing: the
 * read DB commits with synchronous=NORMAL (read_db.h), so a power cut,
 * unlike a crash of the process, may undo its last few saves and resend
 * their notifications; and two runs at once may both send one, since a
 * run does not hold its lock between a save and its next event. Run one
 * notifier at a time.
 */
#ifndef ES_NOTIFIER_H
#define ES_NOTIFIER_H

#include <stdint.h>

#include <sqlite3.h>

#include "es_error.h"
#include "event_store.h"

/* One low-stock notification. */
struct es_notification {
	int64_t product_id;
	int64_t stock;	  /* the stock the event left, below the threshold */
	int64_t event_id; /* the event that took it there */
};

/*
 * Send one notification. Return ES_OK once it is sent; any other code
 * stops the run, which saves nothing past the event, and is returned by
 * es_notifier_run() unchanged.
 */
typedef int (*es_notify_fn)(void *ctx, const struct es_notification *n,
			    struct es_error *err);

struct es_notifier;

/*
 * Create the notifier's two tables on `read_db` when they are missing
 * (a new notifier starts at the log's beginning: checkpoint 0), prepare
 * its statements, and set `*out`. `read_db` is borrowed. Returns ES_OK,
 * ES_ENOMEM, or ES_EDB.
 */
int es_notifier_open(struct es_notifier **out, sqlite3 *read_db,
		     struct es_error *err);

/* Finalize the statements and free the handle; NULL is ignored. */
void es_notifier_close(struct es_notifier *notifier);

/* The id of the last event the notifier has dealt with (0: none). */
int es_notifier_checkpoint(int64_t *out, struct es_notifier *notifier,
			   struct es_error *err);

/*
 * Deal with every event of `store` after the checkpoint, in order: keep
 * each created product's stock in notifier_stock, and for each event that
 * takes a stock below the threshold call `send`, then save the
 * checkpoint, the stock table with it, past that event, in one
 * transaction. Events that send nothing are saved with the next save, or
 * at the end. Sets `*sent` (may be NULL) to the number of notifications
 * sent, on failure too: those sent before it. Returns ES_OK, what `send` returned, or the store's or the read
 * DB's error; on any failure the checkpoint stays at the last save.
 */
int es_notifier_run(int64_t *sent, struct es_notifier *notifier,
		    struct es_store *store, es_notify_fn send, void *ctx,
		    struct es_error *err);

#endif /* ES_NOTIFIER_H */
