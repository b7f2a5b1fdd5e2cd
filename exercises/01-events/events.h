/*
 * events.h - the events: facts about what has happened to a product.
 *
 * An event is named in the past tense (StockUpdated, not UpdateStock) and
 * never changes once it is stored. Everything needed to rebuild state must
 * be inside it, so ProductCreated carries internal fields such as
 * cost_price and the supplier's name (the seed's Option A).
 *
 * In C an event is a tagged union: the tag (`type`) first, the fields every
 * event has, then one struct per event type. Switch on `type` and list every
 * case with no `default:`, so the compiler warns when a new type is added.
 *
 * Step 1 is the facts: their names, their constructors, and dispose. You
 * write them in events.c.
 *
 * In the event log, `data` holds the event as a JSON object with exactly the
 * seed's fields, in the seed's order, formatted as Python's json.dumps()
 * formats it, so the seed's Python code and this C code read each other's
 * logs. es_event_to_json() and es_event_from_json(), at the end of this
 * header, write and read it; they are given complete, with step 0
 * (exercises/00-read-side/event_json.c):
 *
 *   ProductCreated  {"product_id": 1, "name": "Widget Pro", "price": 29.99,
 *                    "cost_price": 12.0, "supplier_id": 1,
 *                    "supplier_name": "Acme Corp", "stock": 100,
 *                    "occurred_at": "2026-11-27T14:32:05.123456+00:00",
 *                    "description": null}
 *   StockUpdated    {"product_id": 2, "new_stock": 50, "occurred_at": "..."}
 *   PriceChanged    {"product_id": 2, "new_price": 44.99, "occurred_at": "..."}
 *   ProductViewed   {"product_id": 1, "occurred_at": "..."}
 *   StockCorrected  {"product_id": 2, "corrects_event_id": 3,
 *                    "new_stock": 45, "reason": "counted twice",
 *                    "occurred_at": "..."}
 *
 * StockCorrected is step 15's (see "Step 15" below); the seed has only the
 * first four, and its Python refuses a log that holds a StockCorrected.
 */
#ifndef ES_EVENTS_H
#define ES_EVENTS_H

#include <stddef.h> /* NULL, which stubs that include only this use */
#include <stdint.h>

#include "es_error.h"
#include "es_time.h" /* ES_TIMESTAMP_SIZE, struct es_clock */

enum es_event_type {
	ES_PRODUCT_CREATED = 1,
	ES_STOCK_UPDATED,
	ES_PRICE_CHANGED,
	ES_PRODUCT_VIEWED,
	ES_STOCK_CORRECTED /* step 15 */
};

/*
 * The last type: the types are ES_PRODUCT_CREATED to ES_EVENT_TYPE_LAST,
 * with no gaps. A new type goes at the end of the enum and moves this, so
 * that code which goes through every type (the event log's list of the
 * types it accepts, event_store.h) finds it.
 */
#define ES_EVENT_TYPE_LAST ES_STOCK_CORRECTED

struct es_product_created {
	char *name; /* owned by the event */
	double price;
	double cost_price;
	int64_t supplier_id;
	char *supplier_name; /* owned by the event */
	int64_t stock;
	char *description; /* owned by the event; NULL for JSON null */
};

struct es_stock_updated {
	int64_t new_stock;
};

struct es_price_changed {
	double new_price;
};

/*
 * Step 15: a correction. A StockUpdated once recorded a wrong count; this
 * event says which one, what the stock really is, and why. The log keeps
 * both: history is corrected by adding to it, never by editing it.
 */
struct es_stock_corrected {
	int64_t corrects_event_id; /* the StockUpdated it corrects */
	int64_t new_stock;	   /* the stock as it really is */
	char *reason;		   /* owned by the event */
};

struct es_event {
	enum es_event_type type;
	int64_t id; /* position in the log: 0 until the store appends it */
	int64_t product_id;
	char occurred_at[ES_TIMESTAMP_SIZE];
	union {
		struct es_product_created created;   /* ES_PRODUCT_CREATED */
		struct es_stock_updated stock;	     /* ES_STOCK_UPDATED */
		struct es_price_changed price;	     /* ES_PRICE_CHANGED */
		struct es_stock_corrected corrected; /* ES_STOCK_CORRECTED */
		/* ES_PRODUCT_VIEWED has no fields of its own */
	};
};

/*
 * Step 16: an event's metadata, the facts about the fact: which command
 * caused it (command_id, made by the client that sent it), who sent it
 * (actor), and which conversation it belongs to (correlation_id: every
 * command and event that one request set off carries the same one). A
 * command carries them in its envelope (commands.h), and the log keeps
 * them in a table of their own beside `events`, keyed by event id
 * (event_store.h), not in `data`: the seed's Python rebuilds an event
 * from its data with DataClass(**data), which an extra key would break.
 * Each string is owned, and NULL when absent.
 */
struct es_meta {
	char *command_id;
	char *actor;
	char *correlation_id;
};

/* The event type's name as stored in `event_type`: "ProductCreated". */
const char *es_event_type_name(enum es_event_type type);

/*
 * Look up an event type by its stored name. Returns ES_OK and sets `*out`,
 * or ES_EINVAL ("unknown event type 'Foo'") for any other name.
 */
int es_event_type_parse(enum es_event_type *out, const char *name,
			struct es_error *err);

/*
 * Constructors. They zero `*out` and fill it; `occurred_at` is copied and
 * must be shorter than ES_TIMESTAMP_SIZE. es_event_product_created copies
 * the strings of `fields` (description may be NULL) and returns ES_OK or
 * ES_ENOMEM; the others can't fail. Free with es_event_dispose().
 */
int es_event_product_created(struct es_event *out, int64_t product_id,
			     const struct es_product_created *fields,
			     const char *occurred_at, struct es_error *err);
void es_event_stock_updated(struct es_event *out, int64_t product_id,
			    int64_t new_stock, const char *occurred_at);
void es_event_price_changed(struct es_event *out, int64_t product_id,
			    double new_price, const char *occurred_at);
void es_event_product_viewed(struct es_event *out, int64_t product_id,
			     const char *occurred_at);

/*
 * Step 15. Like es_event_product_created, it copies `reason` (strdup) and
 * returns ES_OK or ES_ENOMEM; on failure `*out` owns nothing.
 *
 * ES_STOCK_CORRECTED has been in the enum since step 1, at its end, so
 * that the enum stays one list: -Wswitch checks a switch against the
 * whole enum, and the log's list of the types it accepts is made from it.
 * Until step 15 the kata builds your files with -Wno-switch, so your
 * switches leave it out and your steps keep compiling and passing. From
 * `make check STEP=15` on, -Wswitch is on for your files, as a warning:
 * it lists every switch on a type that has no case for it. Your
 * es_event_type_name() names it "StockCorrected" at step 15; until then
 * it says "?", and the log refuses the type (event_store.h).
 */
int es_event_stock_corrected(struct es_event *out, int64_t product_id,
			     int64_t corrects_event_id, int64_t new_stock,
			     const char *reason, const char *occurred_at,
			     struct es_error *err);

/*
 * Free what the event owns and zero it, so disposing twice is harmless.
 * NULL is ignored.
 */
void es_event_dispose(struct es_event *ev);

/*
 * The event's `data` in the log, given complete with step 0, in
 * exercises/00-read-side/event_json.c: byte-for-byte Python is plumbing,
 * not the lesson. They are declared here rather than in a header of their
 * own because the format is part of what an event is, and because every
 * module that stores or prints events (the store, the scenario, the
 * catalog) includes this header already; a header of their own would have
 * to include this one for struct es_event anyway. They call no function
 * of step 1: they read and write struct es_event's fields directly, with
 * json_text.h.
 */

/*
 * Serialize the event's fields as its `data` JSON, formatted as Python's
 * json.dumps(dataclasses.asdict(event)) would: keys in the seed's order,
 * ", " and ": " separators, floats always with a point or exponent
 * ("12.0", "1e+16"), non-ASCII characters as \uXXXX escapes. On success
 * `*out` is a NUL-terminated string the caller frees with free().
 * Returns ES_OK, ES_ENOMEM, or ES_EINVAL when a string is not valid UTF-8
 * or a number is not finite (neither can be written as JSON), with the
 * field in the message ("field 'price' must be a finite number"), or when
 * ev->type is not an event type.
 */
int es_event_to_json(char **out, const struct es_event *ev,
		     struct es_error *err);

/*
 * Decode `json`, the `data` of an event of type `type`, into `*out` (id is
 * left 0). Every field the seed's dataclass has must be present with the
 * right JSON type (description may be missing or null, as its Python
 * default allows); a field the dataclass does not have is refused, as
 * Python's DataClass(**data) would refuse it. Integers must be whole and
 * within +-2^53, strings valid UTF-8. Returns ES_OK, ES_ENOMEM, or
 * ES_ECORRUPT with the fault in the message: "data is not valid JSON",
 * "data must be a JSON object", or, for a field, json_text.h's checked
 * getters' words ("missing field 'new_stock'", "field 'new_stock' must be
 * a whole number", "unknown field 'colour'"), which they report as
 * ES_EINVAL: bad data in the log is corrupt, not a refused input. An
 * occurred_at longer than a timestamp gives "field 'occurred_at' is too
 * long". On
 * success the event owns its strings: free it with es_event_dispose(). On
 * failure `*out` is zeroed and owns nothing.
 */
int es_event_from_json(struct es_event *out, enum es_event_type type,
		       const char *json, struct es_error *err);

#endif /* ES_EVENTS_H */
