/*
 * upcast.c - fuzz the upcaster, es_upcast_data() (upcast.h): it reads
 * every StockUpdated row before the decoder does.
 *
 * The input is an event type's name, a newline, and the row's `data`,
 * as for event.c (an unknown name: nothing to do). The upcaster must
 * return ES_OK, or ES_ECORRUPT or ES_ENOMEM with a message and no text,
 * never crash, leak or hit undefined behaviour. The text it hands back
 * is a JSON object with "new_stock" and no member named "quantity".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "es_error.h"
#include "events.h"
#include "upcast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The upcast text is a JSON object in the current shape. */
static void check_shape(const char *upcast)
{
	cJSON *root = cJSON_Parse(upcast);
	const cJSON *item;

	if (!cJSON_IsObject(root) ||
	    cJSON_GetObjectItemCaseSensitive(root, "new_stock") == NULL)
		abort();
	cJSON_ArrayForEach(item, root)
	{
		if (strcmp(item->string, "quantity") == 0)
			abort();
	}
	cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	enum es_event_type type;
	struct es_error err;
	char *upcast = NULL;
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
	rc = es_upcast_data(NULL, type, json, &upcast, &err);
	if (rc == ES_OK && upcast != NULL)
		check_shape(upcast);
	else if (rc != ES_OK &&
		 (upcast != NULL || (rc != ES_ECORRUPT && rc != ES_ENOMEM) ||
		  err.msg[0] == '\0'))
		abort();
	free(upcast);
out:
	free(text);
	return 0;
}
