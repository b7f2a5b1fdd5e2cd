/*
 * snapshots.c - step 9: snapshots (see snapshots.h). You define struct
 * es_snapshots here (the borrowed store, `every`, and the statements you
 * prepare once) and write the functions that take a snapshot and load a
 * product from the latest one plus the events after it.
 *
 * Run make check STEP=9 to see what is missing.
 */
#include "snapshots.h"

#include <string.h>

int es_snapshots_open(struct es_snapshots **out, struct es_store *store,
		      int every, struct es_error *err)
{
	/*
	 * TODO: refuse every < 1 with ES_EINVAL ("snapshots: every must be
	 * at least 1, not 0"). calloc() the handle, keep store and
	 * es_store_db(store) (both borrowed) and every; CREATE TABLE IF NOT
	 * EXISTS snapshots (the header's columns) with sqlite3_exec(); then
	 * sqlite3_prepare_v2() the insert, the select of the latest
	 * snapshot, the select of the events after it, and the delete. On
	 * failure copy sqlite3_errmsg() into err and close the half-built
	 * handle.
	 * See docs/09-trade-offs.md, "Snapshots in C".
	 */
	(void)store;
	(void)every;
	*out = NULL;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 9: es_snapshots_open is not implemented yet");
}

void es_snapshots_close(struct es_snapshots *snaps)
{
	/*
	 * TODO: return when snaps is NULL; sqlite3_finalize() every
	 * statement and free the handle. The store is borrowed: leave it
	 * open.
	 * See docs/09-trade-offs.md, "Snapshots in C".
	 */
	(void)snaps;
}

int es_snapshots_take(struct es_snapshots *snaps,
		      const struct es_product *product, int64_t last_event_id,
		      struct es_error *err)
{
	/*
	 * TODO: refuse a product that does not exist (ES_EINVAL). Write its
	 * fields as one JSON object with cJSON_CreateObject(),
	 * cJSON_AddStringToObject() and json_text.h's
	 * es_json_add_float_to_object() / es_json_add_int_to_object(), then
	 * cJSON_PrintUnformatted(). In the store's open transaction (or one
	 * of your own: sqlite3_get_autocommit() tells), run the INSERT OR
	 * REPLACE ... SELECT that takes MAX(occurred_at) from the events and
	 * checks HAVING COUNT(*) = version; sqlite3_changes() == 0 means the
	 * log disagrees: ES_EINVAL "Product 1 has not 50 events up to event
	 * 99".
	 * See docs/09-trade-offs.md, "Snapshots in C".
	 */
	(void)snaps;
	(void)product;
	(void)last_event_id;
	return es_error_set(err, ES_ENOTIMPL,
			    "step 9: es_snapshots_take is not implemented yet");
}

int es_snapshots_after_append(struct es_snapshots *snaps,
			      const struct es_product *product,
			      const struct es_event *appended,
			      struct es_error *err)
{
	/*
	 * TODO: when the product exists and product->version is a multiple
	 * of every, es_snapshots_take(snaps, product, appended->id, err);
	 * otherwise return ES_OK.
	 * See docs/09-trade-offs.md, "Snapshots in C".
	 */
	(void)snaps;
	(void)product;
	(void)appended;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 9: es_snapshots_after_append is not implemented yet");
}

int es_snapshots_load(struct es_product *out, struct es_replay_stats *stats,
		      struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err)
{
	/*
	 * TODO: es_product_init(out). Select the product's latest snapshot;
	 * trust it only when schema_version is ES_SNAPSHOT_SCHEMA and its
	 * state decodes (cJSON, every field checked, id and version those
	 * of the row). Then select the events with id > its last_event_id
	 * (0 without one), decode each with es_store_read_row() and
	 * es_product_apply() it, counting them. When a snapshot was ignored,
	 * delete it, the product's snapshots of other schemas and those
	 * beyond the version reached, and take a fresh one, in one
	 * transaction. Fill *stats when it is not NULL.
	 * See docs/09-trade-offs.md, "Snapshots in C".
	 */
	(void)snaps;
	(void)product_id;
	memset(out, 0, sizeof(*out));
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 9: es_snapshots_load is not implemented yet");
}

int es_snapshots_load_at(struct es_product *out,
			 struct es_replay_stats *stats,
			 struct es_snapshots *snaps, int64_t product_id,
			 const char *before, struct es_error *err)
{
	/*
	 * TODO: es_snapshots_load() with a limit in time: the latest
	 * snapshot whose occurred_at <= before, then its events with
	 * occurred_at <= before. Write nothing, even when a snapshot is
	 * ignored. Binding a NULL `before` binds SQL NULL, so one pair of
	 * queries with "(?2 IS NULL OR occurred_at <= ?2)" serves both.
	 * See docs/09-trade-offs.md, "Snapshots in C".
	 */
	(void)snaps;
	(void)product_id;
	(void)before;
	memset(out, 0, sizeof(*out));
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 9: es_snapshots_load_at is not implemented yet");
}
