/*
 * queries.c - disposing DTOs and rendering them as JSON (see queries.h).
 */
#include "queries.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_text.h"

void es_product_detail_dispose(struct es_product_detail *detail)
{
	if (detail == NULL)
		return;
	free(detail->name);
	free(detail->description);
	free(detail->supplier_name);
	memset(detail, 0, sizeof(*detail));
}

void es_product_card_dispose(struct es_product_card *card)
{
	if (card == NULL)
		return;
	free(card->name);
	memset(card, 0, sizeof(*card));
}

void es_product_list_dispose(struct es_product_list *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->count; i++) {
		free(list->items[i].name);
		free(list->items[i].supplier_name);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/*
 * The builders below return a new cJSON tree, or NULL when an allocation
 * fails (then they have freed what they built: cJSON_Delete(NULL) is a
 * no-op). Each cJSON_Add*ToObject() returns NULL on failure, so one chain
 * of || stops at the first. Integers become JSON numbers through a double,
 * exact up to 2^53: ids, stock and view counts stay far below that.
 */

static cJSON *detail_object(const struct es_product_detail *d)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj == NULL ||
	    es_json_add_int_to_object(obj, "id", d->id) == NULL ||
	    cJSON_AddStringToObject(obj, "name", d->name) == NULL ||
	    es_json_add_nullable_string_to_object(obj, "description",
						  d->description) == NULL ||
	    es_json_add_float_to_object(obj, "price", d->price) == NULL ||
	    es_json_add_int_to_object(obj, "stock", d->stock) == NULL ||
	    es_json_add_int_to_object(obj, "view_count", d->view_count) ==
		    NULL ||
	    cJSON_AddStringToObject(obj, "supplier_name", d->supplier_name) ==
		    NULL ||
	    cJSON_AddStringToObject(obj, "created_at", d->created_at) == NULL ||
	    cJSON_AddStringToObject(obj, "updated_at", d->updated_at) == NULL) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static cJSON *card_object(const struct es_product_card *card)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj == NULL ||
	    es_json_add_int_to_object(obj, "id", card->id) == NULL ||
	    cJSON_AddStringToObject(obj, "name", card->name) == NULL ||
	    es_json_add_float_to_object(obj, "price", card->price) == NULL ||
	    cJSON_AddBoolToObject(obj, "in_stock", card->in_stock) == NULL) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static cJSON *summary_object(const struct es_product_summary *s)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj == NULL ||
	    es_json_add_int_to_object(obj, "id", s->id) == NULL ||
	    cJSON_AddStringToObject(obj, "name", s->name) == NULL ||
	    es_json_add_float_to_object(obj, "price", s->price) == NULL ||
	    es_json_add_int_to_object(obj, "stock", s->stock) == NULL ||
	    cJSON_AddStringToObject(obj, "supplier_name", s->supplier_name) ==
		    NULL) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static cJSON *list_array(const struct es_product_list *list)
{
	cJSON *array = cJSON_CreateArray();

	if (array == NULL)
		return NULL;
	for (size_t i = 0; i < list->count; i++) {
		cJSON *item = summary_object(&list->items[i]);
		/* Returns false, and adds nothing, when item is NULL. */
		if (!cJSON_AddItemToArray(array, item)) {
			cJSON_Delete(array);
			return NULL;
		}
	}
	return array;
}

/*
 * Print `root` on one line into `*out` and delete it. A NULL root means
 * building it ran out of memory.
 *
 * cJSON allocates the printed string with its allocator, which is malloc()
 * unless someone installs other hooks with cJSON_InitHooks() (nothing in
 * this program does), so the caller may free it with free() as queries.h
 * promises, and we need not copy it.
 */
static int print_json(char **out, cJSON *root, struct es_error *err)
{
	char *text = NULL;

	if (root != NULL)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return es_error_set(err, ES_ENOMEM,
				    "out of memory rendering JSON");
	*out = text;
	return ES_OK;
}

int es_product_detail_to_json(char **out, const struct es_product_detail *d,
			      struct es_error *err)
{
	assert(out != NULL && d != NULL);
	return print_json(out, detail_object(d), err);
}

int es_product_card_to_json(char **out, const struct es_product_card *card,
			    struct es_error *err)
{
	assert(out != NULL && card != NULL);
	return print_json(out, card_object(card), err);
}

int es_product_list_to_json(char **out, const struct es_product_list *list,
			    struct es_error *err)
{
	assert(out != NULL && list != NULL);
	return print_json(out, list_array(list), err);
}
