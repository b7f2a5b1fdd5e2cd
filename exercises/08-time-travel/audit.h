/*
 * audit.h - the audit trail of one product, for people to read.
 *
 * In a system that stores current state, "who changed the price, and
 * when?" needs an audit_log table that every write must remember to fill.
 * Here the log of events already is that table: the trail is one product's
 * events, each told in words, with what it changed:
 *
 *   #2 2026-11-27T14:32:06.123457+00:00 ProductCreated: created
 *      'Gadget Plus' at 49.99, stock 0, supplier 'Acme Corp'
 *   #3 2026-11-27T14:32:07.123458+00:00 StockUpdated: stock 0 -> 50
 *   #4 2026-11-27T14:32:08.123459+00:00 PriceChanged: price 49.99 -> 44.99
 *   #5 2026-11-27T14:32:09.123460+00:00 ProductViewed: viewed (1 view)
 *   #7 2026-11-27T14:32:11.123462+00:00 ProductViewed: viewed (2 views)
 *
 * A correction (step 15) is told beside the event it corrects, with what
 * that event said (was), the stock now, and why:
 *
 *   #3 2026-11-27T14:32:07.123458+00:00 StockUpdated: stock 0 -> 50
 *      (corrected by #8)
 *   #8 2026-11-27T14:32:12.123463+00:00 StockCorrected: corrects #3:
 *      was 50, now 45, because 'counted twice'
 *
 * (the first is one line, wrapped here). "#5" is the event's id in the
 * log, the time its occurred_at as stored. The old value of a change comes
 * from replaying the events before it (step 3's aggregate); numbers are
 * written as Python writes them (json_text.h: 45.0, 1e+16), names between
 * single quotes as they are.
 */
#ifndef ES_AUDIT_H
#define ES_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "es_error.h"
#include "event_store.h"

/*
 * Print the audit trail of `product_id` to `out`, one line per event,
 * oldest first (by id), each "#<id> <occurred_at> <type>: <what>" ended
 * by "\n", where "<type>: <what>" is one of:
 *
 *   "ProductCreated: created '<name>' at <price>, stock <stock>,
 *   supplier '<supplier_name>'"
 *   "StockUpdated: stock <old> -> <new>", and then, when later events
 *   correct it (step 15), " (corrected by #<id>)", or " (corrected by
 *   #<id>, #<id>)" for two, in the order of the log
 *   "StockCorrected: corrects #<id>: was <what #id said>, now <new>,
 *   because '<reason>'" (step 15), "was ?" when the product has no
 *   StockUpdated of that id before it (a log another program wrote)
 *   "PriceChanged: price <old> -> <new>"
 *   "ProductViewed: viewed (1 view)", "ProductViewed: viewed (2 views)",
 *   ...: how many views the product has had, this one included
 *
 * The events are all loaded before the first line is printed, so a log
 * that cannot be read prints nothing. Returns ES_OK; ES_ENOTFOUND ("Product
 * 9 not found") when the product has no events; ES_ENOMEM, ES_EDB or
 * ES_ECORRUPT from the store. `store` and `out` are borrowed; a write
 * error on `out` is left in its error indicator (ferror) for the caller.
 */
int es_audit_trail(FILE *out, struct es_store *store, int64_t product_id,
		   struct es_error *err);

#endif /* ES_AUDIT_H */
