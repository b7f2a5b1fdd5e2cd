/*
 * event_store_schema.c - the event log's schema, given complete (see
 * event_store_private.h): the file format is fixed, so it is not yours to
 * invent. es_store_open() runs it when it opens a log for writing. And
 * es_store_set_busy_timeout(), one setting of the connection, given too.
 */
#include "event_store_private.h"

#include <assert.h>

/*
 * The seed's two tables, byte for byte, so the seed's Python code opens the
 * file as its own; then what a real log adds and Python ignores: an index
 * for loading one product, and triggers that make SQLite itself refuse to
 * rewrite history. INSERT OR REPLACE deletes the row it replaces without
 * firing a DELETE trigger, so an INSERT of an existing id is refused too.
 */
const char es_store_schema_sql[] =
	"CREATE TABLE IF NOT EXISTS events (\n"
	"    id           INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"    product_id   INTEGER NOT NULL,\n"
	"    event_type   TEXT NOT NULL,\n"
	"    data         TEXT NOT NULL,\n"
	"    occurred_at  TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS product_registry (\n"
	"    id INTEGER PRIMARY KEY AUTOINCREMENT\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS events_product_id"
	" ON events(product_id, id);\n"
	"CREATE TRIGGER IF NOT EXISTS events_no_update\n"
	"BEFORE UPDATE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS events_no_delete\n"
	"BEFORE DELETE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS events_no_replace\n"
	"BEFORE INSERT ON events WHEN NEW.id IS NOT NULL\n"
	" AND EXISTS (SELECT 1 FROM events WHERE id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n";

void es_store_set_busy_timeout(struct es_store *store, int ms)
{
	assert(store != NULL);
	sqlite3_busy_timeout(store->db, ms);
}
