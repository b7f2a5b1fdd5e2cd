/*
 * event_store_schema.c - the event log's schema, given complete (see
 * event_store_private.h): the file format is fixed, so it is not yours to
 * invent. es_store_open() runs es_store_create_schema() when it opens a
 * log for writing. And es_store_set_busy_timeout(), one setting of the
 * connection, given too.
 */
#include "event_store_private.h"

#include <assert.h>
#include <string.h>

#include "es_sql.h"

/*
 * The seed's two tables, byte for byte, so the seed's Python code opens the
 * file as its own; then what a real log adds and Python ignores: an index
 * for loading one product, one for its events up to a moment (time
 * travel, step 8; occurred_at need not grow with id, so it is an index of
 * its own), and triggers that make SQLite itself refuse to rewrite
 * history. INSERT OR REPLACE deletes the row it replaces without
 * firing a DELETE trigger, so an INSERT of an existing id is refused too.
 *
 * Then the door: a row whose data is not a JSON object, or whose type is
 * not in event_types, is refused whoever inserts it (the seed's Python
 * too, which writes no other). json_valid() comes first in a CASE, since
 * json_type() of text that is not JSON is an error, not an answer. The
 * JSON functions are built into SQLite since 3.38 (Debian 12 has 3.40).
 *
 * Last, event_quarantine: the rows that are not events, recorded so that
 * every reader steps over them (es_store_quarantine). It is append-only
 * too: a quarantine is an audited decision, not a setting.
 *
 * Then step 16's two tables. event_metadata holds each event's command_id,
 * actor and correlation_id (events.h, struct es_meta), beside `events`
 * and not in `data`, which the seed's Python reads field by field: a log
 * stays the seed's, and a log the seed wrote just has no metadata.
 * command_answers holds the answer given to each command_id, with the
 * request it answered, so that a retry gets the same answer. Both are
 * append-only, INSERT OR REPLACE included, as `events` is: what was done,
 * and what was said, is history too.
 *
 * Every statement is CREATE ... IF NOT EXISTS, so a log written before a
 * trigger or table existed gets it the first time it is opened for
 * writing.
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
	"CREATE INDEX IF NOT EXISTS events_product_time"
	" ON events(product_id, occurred_at);\n"
	"CREATE TRIGGER IF NOT EXISTS events_no_update\n"
	"BEFORE UPDATE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS events_no_delete\n"
	"BEFORE DELETE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS events_no_replace\n"
	"BEFORE INSERT ON events WHEN NEW.id IS NOT NULL\n"
	" AND EXISTS (SELECT 1 FROM events WHERE id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TABLE IF NOT EXISTS event_types (\n"
	"    name TEXT PRIMARY KEY\n"
	");\n"
	"CREATE TRIGGER IF NOT EXISTS events_known_type\n"
	"BEFORE INSERT ON events\n"
	"WHEN NEW.event_type NOT IN (SELECT name FROM event_types)\n"
	"BEGIN SELECT RAISE(ABORT, 'events: unknown event_type'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS events_data_is_object\n"
	"BEFORE INSERT ON events\n"
	"WHEN CASE WHEN json_valid(NEW.data)\n"
	"     THEN json_type(NEW.data) <> 'object' ELSE 1 END\n"
	"BEGIN SELECT RAISE(ABORT, 'events: data is not a JSON object'); END;\n"
	"CREATE TABLE IF NOT EXISTS event_quarantine (\n"
	"    event_id        INTEGER PRIMARY KEY,\n"
	"    reason          TEXT NOT NULL,\n"
	"    error           TEXT NOT NULL,\n"
	"    quarantined_at  TEXT NOT NULL\n"
	");\n"
	"CREATE TRIGGER IF NOT EXISTS event_quarantine_no_update\n"
	"BEFORE UPDATE ON event_quarantine\n"
	"BEGIN SELECT RAISE(ABORT, 'the quarantine is append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS event_quarantine_no_delete\n"
	"BEFORE DELETE ON event_quarantine\n"
	"BEGIN SELECT RAISE(ABORT, 'the quarantine is append-only'); END;\n"
	"CREATE TABLE IF NOT EXISTS event_metadata (\n"
	"    event_id        INTEGER PRIMARY KEY,\n"
	"    command_id      TEXT,\n"
	"    actor           TEXT,\n"
	"    correlation_id  TEXT\n"
	");\n"
	"CREATE TRIGGER IF NOT EXISTS event_metadata_no_update\n"
	"BEFORE UPDATE ON event_metadata\n"
	"BEGIN SELECT RAISE(ABORT, 'event_metadata is append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS event_metadata_no_delete\n"
	"BEFORE DELETE ON event_metadata\n"
	"BEGIN SELECT RAISE(ABORT, 'event_metadata is append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS event_metadata_no_replace\n"
	"BEFORE INSERT ON event_metadata WHEN EXISTS\n"
	" (SELECT 1 FROM event_metadata WHERE event_id = NEW.event_id)\n"
	"BEGIN SELECT RAISE(ABORT, 'event_metadata is append-only'); END;\n"
	"CREATE TABLE IF NOT EXISTS command_answers (\n"
	"    command_id  TEXT PRIMARY KEY,\n"
	"    request     TEXT NOT NULL,\n"
	"    answer      TEXT NOT NULL\n"
	");\n"
	"CREATE TRIGGER IF NOT EXISTS command_answers_no_update\n"
	"BEFORE UPDATE ON command_answers\n"
	"BEGIN SELECT RAISE(ABORT, 'command_answers is append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS command_answers_no_delete\n"
	"BEFORE DELETE ON command_answers\n"
	"BEGIN SELECT RAISE(ABORT, 'command_answers is append-only'); END;\n"
	"CREATE TRIGGER IF NOT EXISTS command_answers_no_replace\n"
	"BEFORE INSERT ON command_answers WHEN EXISTS\n"
	" (SELECT 1 FROM command_answers WHERE command_id = NEW.command_id)\n"
	"BEGIN SELECT RAISE(ABORT, 'command_answers is append-only'); END;\n";

/*
 * The names come from es_event_type_name(), over the enum: a new event
 * type is accepted by the log as soon as the code knows it, and no list
 * is kept by hand. Types are only ever added: a log that another program
 * (or an older or newer build) writes keeps the names it recorded.
 */
static const char insert_type_sql[] =
	"INSERT OR IGNORE INTO event_types (name) VALUES (?)";

int es_store_create_schema(sqlite3 *db, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = ES_OK;

	assert(db != NULL);
	if (sqlite3_exec(db, es_store_schema_sql, NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, insert_type_sql, -1, &stmt, NULL) !=
		    SQLITE_OK)
		rc = es_sql_error(db, err);
	for (int t = ES_PRODUCT_CREATED; rc == ES_OK && t <= ES_EVENT_TYPE_LAST;
	     t++) {
		const char *name = es_event_type_name((enum es_event_type)t);

		/*
		 * "?" is a type your es_event_type_name() does not name yet
		 * (step 15's, before step 15): the log does not accept it.
		 */
		if (name == NULL || strcmp(name, "?") == 0)
			continue;
		if (sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) !=
		    SQLITE_OK)
			rc = es_sql_error(db, err);
		else
			rc = es_sql_run(stmt, err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

void es_store_set_busy_timeout(struct es_store *store, int ms)
{
	assert(store != NULL);
	sqlite3_busy_timeout(store->db, ms);
}
