/*
 * event.c - fuzz the event decoder, es_event_from_json() (events.h):
 * every row of the log that is loaded goes through it.
 *
 * The input is an event type's name, a newline, and the row's `data`:
 *
 *     StockUpdated
 *     {"product_id": 2, "new_stock": 50, "occurred_at": "..."}
 *
 * (an unknown name: nothing to do). The decoder must return ES_OK, or
 * ES_ECORRUPT or ES_ENOMEM with a message, never crash, leak or hit
 * undefined behaviour. An event it accepts is one the log can hold: the
 * encoder writes it (es_event_to_json), the decoder reads that back, and
 * writing it once more gives the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_error.h"
#include "events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encode `ev`, which must succeed; the caller frees the text. */
static char *encode(const struct es_event *ev)
{
	struct es_error err;
	char *text = NULL;

	if (es_event_to_json(&text, ev, &err) != ES_OK)
		abort();
	return text;
}

/* An accepted event survives a write and a read unchanged. */
static void round_trip(const struct es_event *ev)
{
	struct es_event again;
	struct es_error err;
	char *first = encode(ev);
	char *second;

	if (es_event_from_json(&again, ev->type, first, &err) != ES_OK)
		abort();
	second = encode(&again);
	if (strcmp(first, second) != 0)
		abort();
	free(second);
	free(first);
	es_event_dispose(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	enum es_event_type type;
	struct es_event ev;
	struct es_error err;
	char *json;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	json = strchr(text, '\n');
	if (json == NULL)
		goto out;
	*json++ = '\0';
	if (es_event_type_parse(&type, text, &err) != ES_OK)
		goto out;
	err.msg[0] = '\0';
	rc = es_event_from_json(&ev, type, json, &err);
	if (rc == ES_OK) {
		round_trip(&ev);
		es_event_dispose(&ev);
	} else if ((rc != ES_ECORRUPT && rc != ES_ENOMEM) ||
		   err.msg[0] == '\0') {
		abort();
	}
out:
	free(text);
	return 0;
}
