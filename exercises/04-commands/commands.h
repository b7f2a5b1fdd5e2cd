/*
 * commands.h - commands: requests to change the catalog.
 *
 * A command is intent, in the imperative (UpdateStock), and may be refused.
 * An event is a fact, in the past tense (StockUpdated), and cannot be. The
 * command handler (step 5) is where one becomes the other.
 *
 * Commands arrive as one JSON object a line (the `catalog apply` format):
 *
 *   {"type":"CreateProduct","name":"Widget Pro","price":29.99,
 *    "cost_price":12.0,"supplier_id":1,"supplier_name":"Acme Corp",
 *    "stock":100,"description":null}
 *   {"type":"UpdateStock","product_id":2,"new_stock":50}
 *   {"type":"ChangePrice","product_id":2,"new_price":44.99}
 *   {"type":"RecordProductView","product_id":1}
 *   {"type":"CorrectStock","product_id":2,"corrects_event_id":3,
 *    "new_stock":45,"reason":"counted twice"}      (step 15)
 *
 * Parsing checks shape and types only: a negative stock parses fine and is
 * refused later by the handler, which knows the business rules.
 *
 * Step 16: every command may also carry an envelope, three optional
 * fields beside its own, which say who sent it and let a retry be told
 * from a new command (events.h, struct es_meta):
 *
 *   {"type":"RecordProductView","product_id":1,"command_id":"c-1",
 *    "actor":"alice","correlation_id":"visit-7"}
 *
 *   "command_id"      1 to 64 printable ASCII characters (' ' to '~'),
 *                     made by the client, the same on every retry
 *   "actor"           1 to 64 characters (of UTF-8)
 *   "correlation_id"  as command_id; when it is absent and command_id is
 *                     there, it is a copy of command_id
 */
#ifndef ES_COMMANDS_H
#define ES_COMMANDS_H

#include <stdint.h>

#include "es_error.h"
#include "events.h" /* struct es_meta, step 16 */

enum es_command_type {
	ES_CREATE_PRODUCT = 1,
	ES_UPDATE_STOCK,
	ES_CHANGE_PRICE,
	ES_RECORD_PRODUCT_VIEW,
	ES_CORRECT_STOCK /* step 15 (events.h says why it is here already) */
};

/*
 * The longest strings a CreateProduct may carry, in bytes of UTF-8 (the
 * text after JSON escapes are decoded, without a NUL): enough for any
 * real product, and a bound on what one command can append to the log.
 */
#define ES_NAME_MAX	     200
#define ES_SUPPLIER_NAME_MAX 200
#define ES_DESCRIPTION_MAX   5000

/*
 * A CorrectStock's reason (step 15) is at most ES_REASON_MAX characters,
 * a rule the decider checks (decide.h). The parser bounds its bytes at
 * ES_REASON_MAX_BYTES, the most that many characters of UTF-8 can take.
 */
#define ES_REASON_MAX	    200
#define ES_REASON_MAX_BYTES 800 /* 4 * ES_REASON_MAX */

struct es_create_product {
	char *name; /* owned by the command */
	double price;
	double cost_price;
	int64_t supplier_id;
	char *supplier_name; /* owned by the command */
	int64_t stock;
	char *description; /* owned by the command; NULL when absent */
};

struct es_update_stock {
	int64_t product_id;
	int64_t new_stock;
};

struct es_change_price {
	int64_t product_id;
	double new_price;
};

struct es_record_product_view {
	int64_t product_id;
};

/* Step 15: set the stock right, citing the StockUpdated that was wrong. */
struct es_correct_stock {
	int64_t product_id;
	int64_t corrects_event_id;
	int64_t new_stock;
	char *reason; /* owned by the command */
};

struct es_command {
	enum es_command_type type;
	union {
		struct es_create_product create;     /* ES_CREATE_PRODUCT */
		struct es_update_stock update_stock; /* ES_UPDATE_STOCK */
		struct es_change_price change_price; /* ES_CHANGE_PRICE */
		struct es_record_product_view record_view;
		struct es_correct_stock correct_stock; /* ES_CORRECT_STOCK */
	};
	/*
	 * Step 16: the envelope (all NULL when the line has none), and the
	 * command without it: the command object with the three envelope
	 * fields removed, as cJSON_PrintUnformatted() writes it (NULL until
	 * step 16). Two lines with the same `request` are the same command:
	 * a retry of a command_id must send the same request.
	 */
	struct es_meta meta;
	char *request;
};

/* The command type's name as written in JSON: "CreateProduct". */
const char *es_command_type_name(enum es_command_type type);

/*
 * Parse one line of JSON into `*out`, which the caller disposes with
 * es_command_dispose(). The line must be one JSON object with a string
 * "type" naming a command and exactly that command's fields: all of them
 * (CreateProduct's "description" may be left out or null) and no others.
 * Strings must be valid UTF-8, hold no \u0000 (cJSON would cut them
 * there: es_json_find_nul), and be no longer than the limits above;
 * integers whole and within +-2^53; numbers finite. Returns ES_OK, ES_ENOMEM, or ES_EINVAL with one line saying what
 * is wrong and where:
 *
 *     not valid JSON near character <n>    (1-based: "... character 12")
 *     NUL character (\u0000) in a string near character <n>
 *     a command must be a JSON object
 *     missing field 'type'
 *     field 'type' must be a string
 *     unknown command type '<type>'        ("unknown command type 'Foo'")
 *     <Command>: <what a checked getter of json_text.h says>
 *
 * <Command> is the command's type name. A getter says "missing field
 * '<field>'", "field '<field>' must be a number" (or "a whole number",
 * "a finite number", "a string", "a string or null"), "field '<field>' is
 * out of range", "field '<field>' is longer than <n> bytes", "field
 * '<field>' is not valid UTF-8", "unknown field '<field>'" or "duplicate
 * field '<field>'". So: "UpdateStock: missing field 'new_stock'",
 * "CreateProduct: unknown field 'colour'". The guide,
 * docs/04-commands.md, has the whole table. On failure `*out` owns
 * nothing.
 */
int es_command_parse(struct es_command *out, const char *line,
		     struct es_error *err);

/*
 * Step 16. es_command_parse() reads the envelope before the command's own
 * fields, and removes it from the object, so that no command's list of
 * fields changes. Its messages have no command name before them (the
 * envelope is the same on every command):
 *
 *     field 'command_id' must be 1 to 64 printable ASCII characters
 *     field 'actor' must be 1 to 64 characters
 *     field 'correlation_id' must be 1 to 64 printable ASCII characters
 *     field 'actor' must be a string       (json_text.h's getters' words)
 *     duplicate field 'command_id'         (a field given twice)
 *
 * The length limit of the two ids, in characters (ASCII: bytes too), and
 * of the actor, in characters of UTF-8.
 */
#define ES_META_MAX 64

/* Free what the command owns and zero it. NULL is ignored. */
void es_command_dispose(struct es_command *cmd);

#endif /* ES_COMMANDS_H */
