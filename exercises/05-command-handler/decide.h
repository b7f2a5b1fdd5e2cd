/*
 * decide.h - the write side's business rules, in one pure function.
 *
 * A decider has two halves. evolve(state, event) -> state is step 3's
 * es_product_apply(): it never refuses, because an event is a fact.
 * decide(state, command, now) -> event is this module: it looks at the
 * product as it is and at what the command asks, and either returns the
 * one event that records the change, or refuses with the rule's message.
 * It does no I/O, reads no clock and touches no database, so every rule
 * can be tested with a struct on the stack (test_command_handler.c does).
 *
 * Every handler is a thin strategy around it: load the state, decide,
 * append the event. Step 5's es_handle() does it under one lock; step 13's
 * optimistic handler does it without holding the lock while it loads.
 * None of them checks a rule of its own, so no rule is ever written twice.
 *
 * Rules and their messages (the seed's exact words where it has them):
 *   CreateProduct      "Name cannot be empty" (empty or only whitespace),
 *                      "Price must be positive", "Cost price cannot be
 *                      negative", "Stock cannot be negative",
 *                      "Supplier name cannot be empty" (empty or only
 *                      whitespace), checked in that order
 *   UpdateStock        "Product N not found", "Stock cannot be negative"
 *   ChangePrice        "Product N not found", "Price must be positive"
 *   RecordProductView  "Product N not found": a view of a product that
 *                      was never created, or of an id below 1 (the seed
 *                      records any view; a log it wrote may hold such
 *                      views, and replay still reads them)
 *   CorrectStock       (step 15) "Product N not found", then the cited
 *                      event E: "Event E not found" (`cited` is NULL),
 *                      "Event E is not about product N" (another
 *                      product's), "Event E is a <Type>, not a
 *                      StockUpdated" ("Event 1 is a ProductCreated, not a
 *                      StockUpdated"), then "Stock cannot be negative"
 *                      (UpdateStock's rule, called, not copied), then the
 *                      reason: "Reason cannot be empty" (empty or only
 *                      whitespace), "Reason cannot be longer than 200
 *                      characters" (characters of UTF-8, not bytes:
 *                      ES_REASON_MAX)
 * "Not found" means that `state` has not been created (es_product_exists)
 * and is checked before the values, as in the seed. A price that is NaN is
 * not positive.
 */
#ifndef ES_DECIDE_H
#define ES_DECIDE_H

#include "aggregate.h"
#include "commands.h"
#include "es_error.h"
#include "events.h"

/*
 * Decide what `cmd` becomes, given `state`, the command's product replayed
 * from its events (the empty product for a CreateProduct, and for a
 * product without events); `cited`, the event the command cites, as the
 * log has it (es_command_cited_id: only step 15's CorrectStock cites one),
 * or NULL when it cites none or the log has no such event; and `now`, the
 * timestamp the event will carry (es_time_format). Until step 15 no
 * command cites an event: pass NULL, and write (void)cited in your
 * es_decide. On ES_OK `*out` is the event, which the caller
 * disposes with es_event_dispose(); a ProductCreated's product_id is 0,
 * for the handler to set when it registers the new id. Returns ES_OK;
 * ES_ENOTFOUND or ES_EINVAL with the rule's message when the command is
 * refused; ES_ENOMEM. On failure `*out` owns nothing. Reads nothing but
 * its arguments.
 */
int es_decide(struct es_event *out, const struct es_product *state,
	      const struct es_event *cited, const struct es_command *cmd,
	      const char *now, struct es_error *err);

/*
 * The id of the product whose state es_decide() reads for `cmd`: the
 * product_id of an UpdateStock, a ChangePrice or a RecordProductView
 * (does the product exist?); 0 for a CreateProduct (no product yet). A
 * handler loads and replays a product only when this is not 0. Can't
 * fail.
 */
int64_t es_command_state_id(const struct es_command *cmd);

/*
 * Step 15. The id of the event es_decide() reads for `cmd`: a
 * CorrectStock's corrects_event_id; 0 for every other command, which
 * cites no event. A handler loads that event (es_store_get) only when
 * this is not 0. Can't fail.
 */
int64_t es_command_cited_id(const struct es_command *cmd);

#endif /* ES_DECIDE_H */
