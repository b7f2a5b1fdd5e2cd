/*
 * event_list.c - the growable array of events that loads fill, given
 * complete (see event_store.h): a container, not an idea of event
 * sourcing.
 */
#include "event_store.h"

#include <stdint.h>
#include <stdlib.h>

void es_event_list_dispose(struct es_event_list *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->count; i++)
		es_event_dispose(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
	list->capacity = 0;
}

int es_event_list_push(struct es_event_list *list, struct es_event *ev,
		       struct es_error *err)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 8;
		struct es_event *items = NULL;

		if (capacity <= SIZE_MAX / sizeof(*items))
			items = realloc(list->items, capacity * sizeof(*items));
		if (items == NULL) {
			es_event_dispose(ev);
			return es_error_set(err, ES_ENOMEM,
					    "out of memory loading events");
		}
		list->items = items;
		list->capacity = capacity;
	}
	list->items[list->count++] = *ev;
	return ES_OK;
}
