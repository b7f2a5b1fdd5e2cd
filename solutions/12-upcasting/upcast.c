/*
 * upcast.c - StockUpdated's old field `quantity`, read as `new_stock` (see
 * upcast.h).
 *
 * The upcaster only renames; it checks nothing else. Whether the values
 * are whole numbers, whether a field is missing or one too many, is the
 * decoder's business, and the decoder (es_event_from_json) runs right
 * after, on what the upcaster hands it.
 */
#include "upcast.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define OLD_NAME "quantity"
#define NEW_NAME "new_stock"

/*
 * Set `*out` to a copy of `object` in which the member named OLD_NAME is
 * named NEW_NAME, in the same place; the caller frees it with free().
 * cJSON has no call that renames a member, so the copy is built member by
 * member.
 */
static int rename_member(char **out, const cJSON *object, struct es_error *err)
{
	cJSON *copy = cJSON_CreateObject();
	const cJSON *item;
	cJSON *dup;
	char *text = NULL;

	*out = NULL;
	if (copy == NULL)
		goto out;
	cJSON_ArrayForEach(item, object)
	{
		const char *key = item->string;

		if (strcmp(key, OLD_NAME) == 0)
			key = NEW_NAME;
		dup = cJSON_Duplicate(item, 1);
		if (dup == NULL)
			goto out;
		if (!cJSON_AddItemToObject(copy, key, dup)) {
			cJSON_Delete(dup);
			goto out;
		}
	}
	text = cJSON_PrintUnformatted(copy);
	if (text != NULL)
		*out = strdup(text);
out:
	cJSON_free(text);
	cJSON_Delete(copy);
	if (*out == NULL)
		return es_error_set(err, ES_ENOMEM,
				    "out of memory upcasting StockUpdated");
	return ES_OK;
}

int es_upcast_data(void *ctx, enum es_event_type type, const char *data,
		   char **upcast, struct es_error *err)
{
	cJSON *root;
	bool has_old, has_new;
	int rc = ES_OK;

	(void)ctx;
	assert(data != NULL && upcast != NULL);
	*upcast = NULL;
	/* Only StockUpdated ever had another shape. */
	if (type != ES_STOCK_UPDATED)
		return ES_OK;
	root = cJSON_ParseWithOpts(data, NULL, 1);
	if (!cJSON_IsObject(root)) {
		/* Not JSON, or not an object: the decoder says so. */
		cJSON_Delete(root);
		return ES_OK;
	}
	has_old = cJSON_GetObjectItemCaseSensitive(root, OLD_NAME) != NULL;
	has_new = cJSON_GetObjectItemCaseSensitive(root, NEW_NAME) != NULL;
	if (has_old && has_new)
		rc = es_error_set(err, ES_ECORRUPT,
				  "StockUpdated has both '" NEW_NAME
				  "' and '" OLD_NAME "'");
	else if (!has_old && !has_new)
		rc = es_error_set(err, ES_ECORRUPT,
				  "StockUpdated has neither '" NEW_NAME
				  "' nor '" OLD_NAME "'");
	else if (has_old)
		rc = rename_member(upcast, root, err);
	cJSON_Delete(root);
	return rc;
}
