/*
 * event_store_pg_schema.c - the event log's schema on PostgreSQL, given
 * complete (see event_store_pg.h): the SQLite store's tables, column for
 * column, and triggers that refuse what its triggers refuse, with the
 * same messages.
 *
 * PostgreSQL's CREATE ... IF NOT EXISTS is not safe against itself: two
 * connections creating the same table at once may both find it missing,
 * and one fails on the catalog's unique index. So the schema is created
 * in one transaction under an advisory lock of its own, and only when it
 * is not complete: a CREATE TRIGGER locks the table against appends, and
 * every open for writing would take that lock for nothing.
 */
#include "event_store_pg.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include <libpq-fe.h>

#include "aggregate.h"

/* Not ES_PG_APPEND_LOCK: an open must not wait for an append. */
static const char lock_sql[] = "SELECT pg_advisory_xact_lock(1801548898)";

/* The last object the script creates is there: the rest is too. */
static const char complete_sql[] =
	"SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass('events')"
	" AND tgname = 'events_stream_version'";

/*
 * The tables, as event_store_schema.c has them (and step 13's
 * stream_versions), in PostgreSQL's types; occurred_at and command_id
 * compare byte by byte, COLLATE "C", as SQLite compares text.
 *
 * es_refuse() raises the message it is given, for every trigger that
 * refuses to rewrite history. es_json_object() is whether a text is a
 * JSON object: a cast of text that is not JSON is an error, which only
 * an EXCEPTION block can turn into an answer. es_check_event() is the
 * door: the type must be in event_types, the data a JSON object.
 * es_count_version() keeps stream_versions, counting the types in
 * versioned_types (es_event_versioned). An INSERT of an id that exists
 * is refused by the primary key: PostgreSQL has no INSERT OR REPLACE.
 */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS events (\n"
	"    id           bigserial PRIMARY KEY,\n"
	"    product_id   bigint NOT NULL,\n"
	"    event_type   text NOT NULL,\n"
	"    data         text NOT NULL,\n"
	"    occurred_at  text COLLATE \"C\" NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS product_registry (\n"
	"    id bigserial PRIMARY KEY\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS events_product_id"
	" ON events (product_id, id);\n"
	"CREATE INDEX IF NOT EXISTS events_product_time"
	" ON events (product_id, occurred_at);\n"
	"CREATE TABLE IF NOT EXISTS event_types (\n"
	"    name text PRIMARY KEY\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS versioned_types (\n"
	"    name text PRIMARY KEY\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS event_quarantine (\n"
	"    event_id        bigint PRIMARY KEY,\n"
	"    reason          text NOT NULL,\n"
	"    error           text NOT NULL,\n"
	"    quarantined_at  text NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS event_metadata (\n"
	"    event_id        bigint PRIMARY KEY,\n"
	"    command_id      text,\n"
	"    actor           text,\n"
	"    correlation_id  text\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS command_answers (\n"
	"    command_id  text COLLATE \"C\" PRIMARY KEY,\n"
	"    request     text NOT NULL,\n"
	"    answer      text NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS stream_versions (\n"
	"    product_id  bigint PRIMARY KEY,\n"
	"    version     bigint NOT NULL\n"
	");\n"
	"CREATE OR REPLACE FUNCTION es_refuse() RETURNS trigger\n"
	"LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"    RAISE EXCEPTION '%', TG_ARGV[0];\n"
	"END $$;\n"
	"CREATE OR REPLACE FUNCTION es_json_object(data text) RETURNS boolean\n"
	"LANGUAGE plpgsql IMMUTABLE AS $$\n"
	"BEGIN\n"
	"    RETURN json_typeof(data::json) = 'object';\n"
	"EXCEPTION WHEN invalid_text_representation THEN\n"
	"    RETURN false;\n"
	"END $$;\n"
	"CREATE OR REPLACE FUNCTION es_check_event() RETURNS trigger\n"
	"LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"    IF NOT EXISTS (SELECT 1 FROM event_types\n"
	"                   WHERE name = NEW.event_type) THEN\n"
	"        RAISE EXCEPTION 'events: unknown event_type';\n"
	"    END IF;\n"
	"    IF NOT es_json_object(NEW.data) THEN\n"
	"        RAISE EXCEPTION 'events: data is not a JSON object';\n"
	"    END IF;\n"
	"    RETURN NEW;\n"
	"END $$;\n"
	"CREATE OR REPLACE FUNCTION es_count_version() RETURNS trigger\n"
	"LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"    IF EXISTS (SELECT 1 FROM versioned_types\n"
	"               WHERE name = NEW.event_type) THEN\n"
	"        INSERT INTO stream_versions (product_id, version)\n"
	"            VALUES (NEW.product_id, 1)\n"
	"        ON CONFLICT (product_id) DO UPDATE\n"
	"            SET version = stream_versions.version + 1;\n"
	"    END IF;\n"
	"    RETURN NULL;\n"
	"END $$;\n"
	"CREATE OR REPLACE TRIGGER events_no_update\n"
	"BEFORE UPDATE OR DELETE ON events FOR EACH ROW\n"
	"EXECUTE FUNCTION es_refuse('events are append-only');\n"
	"CREATE OR REPLACE TRIGGER events_no_truncate\n"
	"BEFORE TRUNCATE ON events FOR EACH STATEMENT\n"
	"EXECUTE FUNCTION es_refuse('events are append-only');\n"
	"CREATE OR REPLACE TRIGGER events_check\n"
	"BEFORE INSERT ON events FOR EACH ROW\n"
	"EXECUTE FUNCTION es_check_event();\n"
	"CREATE OR REPLACE TRIGGER event_quarantine_no_update\n"
	"BEFORE UPDATE OR DELETE ON event_quarantine FOR EACH ROW\n"
	"EXECUTE FUNCTION es_refuse('the quarantine is append-only');\n"
	"CREATE OR REPLACE TRIGGER event_quarantine_no_truncate\n"
	"BEFORE TRUNCATE ON event_quarantine FOR EACH STATEMENT\n"
	"EXECUTE FUNCTION es_refuse('the quarantine is append-only');\n"
	"CREATE OR REPLACE TRIGGER event_metadata_no_update\n"
	"BEFORE UPDATE OR DELETE ON event_metadata FOR EACH ROW\n"
	"EXECUTE FUNCTION es_refuse('event_metadata is append-only');\n"
	"CREATE OR REPLACE TRIGGER event_metadata_no_truncate\n"
	"BEFORE TRUNCATE ON event_metadata FOR EACH STATEMENT\n"
	"EXECUTE FUNCTION es_refuse('event_metadata is append-only');\n"
	"CREATE OR REPLACE TRIGGER command_answers_no_update\n"
	"BEFORE UPDATE OR DELETE ON command_answers FOR EACH ROW\n"
	"EXECUTE FUNCTION es_refuse('command_answers is append-only');\n"
	"CREATE OR REPLACE TRIGGER command_answers_no_truncate\n"
	"BEFORE TRUNCATE ON command_answers FOR EACH STATEMENT\n"
	"EXECUTE FUNCTION es_refuse('command_answers is append-only');\n"
	"CREATE OR REPLACE TRIGGER events_stream_version\n"
	"AFTER INSERT ON events FOR EACH ROW\n"
	"EXECUTE FUNCTION es_count_version();\n";

/*
 * Types are only ever added, as on SQLite: a log that another build
 * writes keeps the names it recorded.
 */
static const char insert_type_sql[] =
	"INSERT INTO event_types (name) VALUES ($1) ON CONFLICT DO NOTHING";
static const char insert_versioned_sql[] =
	"INSERT INTO versioned_types (name) VALUES ($1)"
	" ON CONFLICT DO NOTHING";

/* Run the script: several statements, no parameters (PQexec). */
static int run_script(struct es_pg_store *pg, struct es_error *err)
{
	PGresult *res = PQexec(pg->conn, schema_sql);
	int rc = ES_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = es_pg_error(pg, res, err);
	PQclear(res);
	return rc;
}

/* Record every type the code knows, and those a version counts. */
static int record_types(struct es_pg_store *pg, struct es_error *err)
{
	int rc = ES_OK;

	for (int t = ES_PRODUCT_CREATED; rc == ES_OK && t <= ES_EVENT_TYPE_LAST;
	     t++) {
		const char *name = es_event_type_name((enum es_event_type)t);
		const char *params[] = {name};

		/* "?": a type your es_event_type_name() does not name yet. */
		if (name == NULL || strcmp(name, "?") == 0)
			continue;
		rc = es_pg_exec(NULL, pg, insert_type_sql, 1, params, err);
		if (rc == ES_OK && es_event_versioned((enum es_event_type)t))
			rc = es_pg_exec(NULL, pg, insert_versioned_sql, 1,
					params, err);
	}
	return rc;
}

int es_pg_create_schema(struct es_pg_store *pg, struct es_error *err)
{
	PGresult *res = NULL;
	int rc;

	assert(pg != NULL);
	rc = es_pg_exec(NULL, pg, "BEGIN", 0, NULL, err);
	if (rc != ES_OK)
		return rc;
	rc = es_pg_exec(NULL, pg, lock_sql, 0, NULL, err);
	if (rc == ES_OK)
		rc = es_pg_exec(&res, pg, complete_sql, 0, NULL, err);
	if (rc == ES_OK && PQntuples(res) == 0)
		rc = run_script(pg, err);
	PQclear(res);
	if (rc == ES_OK)
		rc = record_types(pg, err);
	return es_pg_write_end(pg, true, rc, err);
}
