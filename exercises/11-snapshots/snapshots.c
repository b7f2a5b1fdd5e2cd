/*
 * snapshots.c - step 11: snapshots (see snapshots.h). You define struct
 * es_snapshots here (the borrowed store, a sqlite3 connection of your
 * own, `every`, and the statements you prepare once) and write the
 * functions that load a product from its latest snapshot plus the events
 * after it, and take a fresh snapshot when that load replayed many.
 *
 * Run make check STEP=11 to see what is missing.
 */
#include "snapshots.h"

#include <string.h>

int es_snapshots_open(struct es_snapshots **out, struct es_store *store,
		      int every, struct es_error *err)
{
	/*
	 * TODO: refuse every < 1 with ES_EINVAL ("snapshots: every must be
	 * at least 1, not 0"). calloc() the handle, keep the store
	 * (borrowed) and every; sqlite3_open_v2() your own connection on
	 * es_store_path(store) with SQLITE_OPEN_READWRITE, and
	 * sqlite3_busy_timeout() it to ES_STORE_BUSY_TIMEOUT_MS; CREATE
	 * TABLE IF NOT EXISTS snapshots (the header's columns) with
	 * sqlite3_exec(); then es_sql_prepare_all() the insert, the select
	 * of the latest snapshot, the delete and the transaction's
	 * statements (es_sql.h). On failure close the half-built handle.
	 * See docs/11-snapshots.md, "Snapshots in C".
	 */
	(void)store;
	(void)every;
	*out = NULL;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 11: es_snapshots_open is not implemented yet");
}

int es_snapshots_open_read_only(struct es_snapshots **out,
				struct es_store *store, struct es_error *err)
{
	/*
	 * TODO: as es_snapshots_open(), with three differences: open the
	 * connection with es_sql_open_readonly() (es_sql.h), which reads a
	 * file nobody may write; create no table, and when the file has
	 * none (sqlite3_table_column_metadata() on "snapshots" fails),
	 * prepare no statement: every load then finds no snapshot; and mark
	 * the handle read-only (`every` 0 does it), so that no load writes
	 * and es_snapshots_take() is refused ("snapshots: opened
	 * read-only"). Share one static function with es_snapshots_open().
	 * See docs/11-snapshots.md, "Reading without writing".
	 */
	(void)store;
	*out = NULL;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 11: es_snapshots_open_read_only is not implemented yet");
}

void es_snapshots_close(struct es_snapshots *snaps)
{
	/*
	 * TODO: return when snaps is NULL; es_sql_finalize_all() the
	 * statements, sqlite3_close() your connection and free the handle.
	 * The store is borrowed: leave it open.
	 * See docs/11-snapshots.md, "Snapshots in C".
	 */
	(void)snaps;
}

int es_snapshots_load(struct es_product *out, struct es_replay_stats *stats,
		      struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err)
{
	/*
	 * TODO: es_product_init(out). Select the product's latest snapshot
	 * (the greatest last_event_id); trust it only when schema_version
	 * is ES_SNAPSHOT_SCHEMA and its state decodes (every field read
	 * with json_text.h's getters, id and version those of the row, and
	 * ten members, the description among them). Then
	 * es_store_load_range() the events after its last_event_id (0
	 * without one) and es_product_apply() each, counting them and
	 * keeping the last id and the latest occurred_at. When a snapshot
	 * was ignored, or you replayed `every` events or more, write one in
	 * one transaction on your connection: first (when one was ignored)
	 * delete it, the product's snapshots of other schemas and those
	 * beyond the last event read; then, when the product exists, insert
	 * its state, written with cJSON_CreateObject() and json_text.h's
	 * es_json_add_float_to_object() / es_json_add_int_to_object(), then
	 * cJSON_PrintUnformatted(). Fill *stats when it is not NULL.
	 * See docs/11-snapshots.md, "Snapshots in C".
	 */
	(void)snaps;
	(void)product_id;
	memset(out, 0, sizeof(*out));
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 11: es_snapshots_load is not implemented yet");
}

int es_snapshots_load_at(struct es_product *out, struct es_replay_stats *stats,
			 struct es_snapshots *snaps, int64_t product_id,
			 const char *before, struct es_error *err)
{
	/*
	 * TODO: es_snapshots_load() with a limit in time: the latest
	 * snapshot whose occurred_at <= before, then
	 * es_store_load_range(..., before, ...). Write nothing, even when a
	 * snapshot is ignored. Binding a NULL `before` binds SQL NULL, so
	 * one query with "(?2 IS NULL OR occurred_at <= ?2)" serves both.
	 * See docs/11-snapshots.md, "Snapshots in C".
	 */
	(void)snaps;
	(void)product_id;
	(void)before;
	memset(out, 0, sizeof(*out));
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 11: es_snapshots_load_at is not implemented yet");
}

int es_snapshots_take(struct es_snapshots *snaps, int64_t product_id,
		      struct es_error *err)
{
	/*
	 * TODO: ES_EINVAL ("snapshots: opened read-only") on a handle
	 * opened read-only. Else es_snapshots_load() as if `every` were 1,
	 * so that any event after the latest snapshot makes a new one; then
	 * ES_ENOTFOUND ("Product 7 not found") when the product does not
	 * exist.
	 * See docs/11-snapshots.md, "Snapshots in C".
	 */
	(void)snaps;
	(void)product_id;
	return es_error_set(
		err, ES_ENOTIMPL,
		"step 11: es_snapshots_take is not implemented yet");
}
