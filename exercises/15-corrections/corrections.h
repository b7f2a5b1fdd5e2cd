/*
 * corrections.h - step 15: a correction, a fact that says an earlier fact
 * was wrong.
 *
 * A StockUpdated recorded 50 on the shelf; the shelf held 45, the 5 were
 * counted twice. A system that stores current state would UPDATE the
 * row, and the 50 would be gone. An event log is never edited: the wrong
 * count stays what was recorded, and a new event says which one was
 * wrong, what the stock really is, and why:
 *
 *   #3 StockUpdated    {"product_id": 2, "new_stock": 50, "occurred_at":
 *                       "..."}
 *   #8 StockCorrected  {"product_id": 2, "corrects_event_id": 3,
 *                       "new_stock": 45, "reason": "counted twice",
 *                       "occurred_at": "..."}
 *
 * The command that asks for it, one JSON line as `catalog apply` reads
 * it:
 *
 *   {"type":"CorrectStock","product_id":2,"corrects_event_id":3,
 *    "new_stock":45,"reason":"counted twice"}
 *
 * This header declares nothing: the step is one new fact, and one new
 * fact touches every layer. Everything it asks for is declared in the
 * headers of earlier steps, marked "step 15" there, and written in their
 * .c files. The guide is docs/15-corrections.md.
 *
 * WHAT YOU WRITE, AND WHERE
 *
 *   events.c (step 1)     es_event_stock_corrected(), the constructor: it
 *                         copies the reason (strdup), ES_OK or ES_ENOMEM;
 *                         es_event_type_name() says "StockCorrected";
 *                         es_event_dispose() frees the reason; and
 *                         ES_STOCK_CORRECTED in the list of types that
 *                         es_event_type_parse() goes through (a list, not
 *                         a switch: the compiler cannot tell you it is
 *                         missing). The JSON is given (events.h).
 *   aggregate.c (step 3)  evolve: a StockCorrected sets the stock to its
 *                         new_stock, as a StockUpdated does, and counts
 *                         in the version (es_event_versioned() is true:
 *                         a decision reads the stock).
 *   commands.c (step 4)   CorrectStock: its name, its four fields, the
 *                         reason copied and disposed, at most
 *                         ES_REASON_MAX_BYTES (800) bytes. See "The
 *                         command's line", below.
 *   decide.c (step 5)     the rules below, and es_command_cited_id();
 *                         es_command_state_id() of a CorrectStock is its
 *                         product_id.
 *   command_handler.c     es_handler_load_cited(): es_store_get() the
 *   (step 5)              cited event, found or not; es_handle() passes
 *                         it to es_decide(), NULL when not found.
 *   optimistic.c          step 13's handler loads the cited event too,
 *   (step 13)             on every attempt, and appends a correction
 *                         with the version check, as a StockUpdated.
 *   projector.c (step 6)  a StockCorrected sets stock in both views, and
 *                         updated_at in product_detail_view.
 *   insights.c (step 9)   it sets the stock that low_stock_alert_view
 *                         follows, as a StockUpdated.
 *   audit.c (step 8)      the trail tells the correction beside the event
 *                         it corrects (audit.h), below.
 *
 * Step 19's supplier view, written after this step, treats it as a
 * StockUpdated with its new_stock too.
 *
 * From make check STEP=15 on, your files are built with -Wswitch as a
 * warning: each switch on an event or command type that has no case for
 * the new one is listed. That is most of the to-do list; the list of
 * types in events.c is not a switch, so look for it yourself (grep for
 * ES_PRODUCT_VIEWED).
 *
 * THE COMMAND'S LINE is parsed as every command's is (commands.h): its
 * four fields, declared in the order of struct es_correct_stock, and no
 * others; a bad line gets the getters' words after the command's name:
 *
 *   "CorrectStock: missing field '<field>'"   ("CorrectStock: missing
 *                           field 'reason'"; with several missing, the
 *                           first declared: 'corrects_event_id' before
 *                           'reason')
 *   "CorrectStock: field '<field>' must be a whole number"   ids, stock
 *   "CorrectStock: field 'reason' must be a string"   null too
 *   "CorrectStock: field 'reason' is longer than 800 bytes"
 *   "CorrectStock: unknown field '<field>'"   and a reason on any other
 *                           command is unknown there: "UpdateStock:
 *                           unknown field 'reason'"
 *
 * A negative stock, an id that cites nothing, an empty reason all parse:
 * refusing them is the decider's.
 *
 * THE RULES, checked by es_decide() in this order (decide.h), each with
 * its message:
 *
 *   "Product N not found"   the product does not exist (ES_ENOTFOUND);
 *                           "Product 99 not found"
 *   then the cited event E, as the handler loaded it:
 *   "Event E not found"     `cited` is NULL: the log has no event E
 *                           (ES_ENOTFOUND); "Event 99 not found", and
 *                           for an id below 1, "Event 0 not found",
 *                           "Event -1 not found"
 *   "Event E is not about product N"   another product's event
 *                           (ES_EINVAL); "Event 3 is not about product 1"
 *   "Event E is a <Type>, not a StockUpdated"   any other type, a
 *                           StockCorrected too: a correction corrects a
 *                           count, not another correction (ES_EINVAL):
 *                           "Event 1 is a ProductCreated, not a
 *                           StockUpdated", "Event 4 is a PriceChanged, not
 *                           a StockUpdated", "Event 5 is a ProductViewed,
 *                           not a StockUpdated", "Event 6 is a
 *                           StockCorrected, not a StockUpdated"
 *   "Stock cannot be negative"   UpdateStock's rule, called, not copied:
 *                           its message stays written once (ES_EINVAL)
 *   "Reason cannot be empty"   empty or only whitespace (ES_EINVAL)
 *   "Reason cannot be longer than 200 characters"   characters of UTF-8,
 *                           not bytes: ES_REASON_MAX (ES_EINVAL); 200
 *                           times "é" is 400 bytes, and accepted
 *
 * A refused command appends nothing. One event may be corrected more
 * than once: each correction cites it, and the last one sets the stock.
 *
 * THE AUDIT TRAIL (audit.h) tells a correction beside what it corrects:
 *
 *   "StockUpdated: stock <old> -> <new> (corrected by #<id>)", and
 *   " (corrected by #8, #9)" for two, in the order of the log:
 *   "StockUpdated: stock 0 -> 50 (corrected by #8)"
 *   "StockCorrected: corrects #<id>: was <said>, now <new>, because
 *   '<reason>'", where <said> is what the StockUpdated #<id> said, not the
 *   stock just before the correction: "StockCorrected: corrects #3: was
 *   50, now 45, because 'counted twice'", and a second correction of #3,
 *   "StockCorrected: corrects #3: was 50, now 40, because 'counted
 *   again'"
 *   "StockCorrected: corrects #<id>: was ?, now <new>, because
 *   '<reason>'" when the product has no StockUpdated #<id> before it (a
 *   log another program wrote)
 *
 * A log with corrections replays (rebuild) to the very views that the
 * events made when they were projected one by one. The seed's Python
 * refuses such a log (its EVENT_TYPES has no StockCorrected); a log
 * without corrections still loads there.
 */
#ifndef ES_CORRECTIONS_H
#define ES_CORRECTIONS_H

/*
 * The headers that declare what this step adds, so that including this
 * one is including the whole step: es_event_stock_corrected (events.h),
 * struct es_correct_stock (commands.h), es_command_cited_id (decide.h),
 * es_handler_load_cited (command_handler.h), es_store_get
 * (event_store.h), es_audit_trail (audit.h).
 */
#include "audit.h"
#include "command_handler.h"
#include "commands.h"
#include "decide.h"
#include "event_store.h"
#include "events.h"

#endif /* ES_CORRECTIONS_H */
