/*
 * event_store_commands.c - step 16: the event store's part for idempotent
 * commands (see event_store.h): each event's metadata, and the answer
 * given to each command id. The tables are created with the schema; the
 * handle's layout and the helpers the store's files share are in
 * event_store_private.h.
 *
 * Run make check STEP=16 to see what is missing.
 */
#include "event_store_private.h"

#include <string.h>

int es_store_save_metadata(struct es_store *store, int64_t event_id,
			   const struct es_meta *meta, struct es_error *err)
{
	/*
	 * TODO: prepare the INSERT into event_metadata, bind the event id
	 * and the three strings (NULL ones with sqlite3_bind_null), and run
	 * it inside es_store_write_begin() / es_store_write_end(), so that
	 * it joins the caller's transaction. Finalize the statement.
	 * See docs/16-idempotency.md, "Metadata beside the event".
	 */
	(void)store;
	(void)event_id;
	(void)meta;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 16: es_store_save_metadata is not implemented yet");
}

int es_store_load_metadata(struct es_meta *out, struct es_store *store,
			   int64_t event_id, struct es_error *err)
{
	/*
	 * TODO: zero *out; SELECT the three columns of the event's row,
	 * with a statement prepared once (es_store_prepare_once, into
	 * store->select_metadata: this runs for every event catalog log
	 * prints); copy (strdup) each one that is not NULL. No row: ES_OK,
	 * all NULL; no table (a log the seed wrote, read-only): the same.
	 * See docs/16-idempotency.md, "Metadata beside the event".
	 */
	(void)store;
	(void)event_id;
	memset(out, 0, sizeof(*out));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 16: es_store_load_metadata is not implemented yet");
}

void es_meta_dispose(struct es_meta *meta)
{
	/* TODO: free the three strings and zero *meta; NULL is ignored. */
	(void)meta;
}

int es_store_find_answer(char **request, char **answer, struct es_store *store,
			 const char *command_id, struct es_error *err)
{
	/*
	 * TODO: SELECT request and answer of the command id; copy both.
	 * No row: ES_ENOTFOUND, with both NULL.
	 * See docs/16-idempotency.md, "The answer, stored".
	 */
	(void)store;
	(void)command_id;
	*request = NULL;
	*answer = NULL;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 16: es_store_find_answer is not implemented yet");
}

int es_store_save_answer(struct es_store *store, const char *command_id,
			 const char *request, const char *answer,
			 struct es_error *err)
{
	/*
	 * TODO: INSERT the three into command_answers, as
	 * es_store_save_metadata() does, joining the caller's transaction.
	 * See docs/16-idempotency.md, "The answer, stored".
	 */
	(void)store;
	(void)command_id;
	(void)request;
	(void)answer;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 16: es_store_save_answer is not implemented yet");
}
