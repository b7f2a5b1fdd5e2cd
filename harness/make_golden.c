/*
 * make_golden.c - writes the golden data of harness/golden/ (see
 * golden.h). `make golden` runs it; `make test` runs it again into
 * build/golden/ and compares.
 *
 *     make_golden DIR CATALOG         every scenario's files, into DIR
 *     make_golden --read-model FILE   the read DB of scenario "random",
 *                                     as SQL, into FILE
 *
 * Each scenario is a list of command lines. Its answers (.results) are
 * what the program CATALOG (build/bin/catalog) prints for them: make_golden
 * runs `CATALOG apply` on the .commands file, with new databases in a
 * temporary directory that it removes afterwards. Its log and views are those
 * of the lines sent through the reference here as `catalog apply` sends them,
 * but with the harness's fixed clock: parse, handle, bring every view up to
 * date. Those databases live in memory; only the files are written, and the
 * same program always writes the same bytes.
 *
 * The Makefile links this program twice: with the reference, for
 * harness/golden/, and with step 19's shipped supplier_view.c instead of
 * the reference's, for the read model step 19 ships.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command_handler.h"
#include "commands.h"
#include "es_error.h"
#include "event_store.h"
#include "events.h"
#include "golden.h"
#include "harness.h"
#include "harness_internal.h"
#include "json_text.h"
#include "process.h"
#include "read_db.h"
#include "supplier_view.h"
#include "views.h"

/* The seed's main scenario (scenario.h), as commands. */
static const char *const main_lines[] = {
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99,"
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":100,\"description\":null}",
	"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\",\"price\":49.99,"
	"\"cost_price\":22.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":0,\"description\":null}",
	"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":50}",
	"{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":44.99}",
	NULL,
};

/* A reason of 201 characters: one over the rule's 200 (decide.h). */
#define REASON_10  "0123456789"
#define REASON_50  REASON_10 REASON_10 REASON_10 REASON_10 REASON_10
#define REASON_201 REASON_50 REASON_50 REASON_50 REASON_50 "!"

/*
 * Every event type, every refusal, and lines that are no command. After
 * the refusals, product 5 shows that a refused create took no id.
 */
static const char *const every_event_lines[] = {
	/* 1..4: four products, three suppliers, JSON escapes, no description */
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99,"
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":100,\"description\":null}",
	"{\"type\":\"CreateProduct\",\"name\":\"Cr\u00e8me br\u00fbl\u00e9e\","
	"\"price\":19.9,\"cost_price\":7.25,\"supplier_id\":2,"
	"\"supplier_name\":\"P\u00e2tisserie Dupont\",\"stock\":12,"
	"\"description\":\"Custard with a \\\"burnt\\\" top\"}",
	"{\"type\":\"CreateProduct\",\"name\":\"O'Brien's Tea\",\"price\":4.5,"
	"\"cost_price\":0.0,\"supplier_id\":3,"
	"\"supplier_name\":\"Kettle & Co\",\"stock\":0}",
	"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\",\"price\":49.99,"
	"\"cost_price\":22.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":3,\"description\":null}",
	/* stock: out of and back into the low-stock alert, 0 allowed */
	"{\"type\":\"UpdateStock\",\"product_id\":3,\"new_stock\":40}",
	"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":7}",
	"{\"type\":\"UpdateStock\",\"product_id\":3,\"new_stock\":0}",
	"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":24.99}",
	"{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":21.5}",
	"{\"type\":\"RecordProductView\",\"product_id\":1}",
	"{\"type\":\"RecordProductView\",\"product_id\":1}",
	"{\"type\":\"RecordProductView\",\"product_id\":2}",
	/* a view of an id never created is refused */
	"{\"type\":\"RecordProductView\",\"product_id\":99}",
	/* CreateProduct's rules */
	"{\"type\":\"CreateProduct\",\"name\":\"\",\"price\":1.0,"
	"\"cost_price\":0.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":1}",
	"{\"type\":\"CreateProduct\",\"name\":\"   \",\"price\":1.0,"
	"\"cost_price\":0.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":1}",
	"{\"type\":\"CreateProduct\",\"name\":\"Free Lunch\",\"price\":0.0,"
	"\"cost_price\":0.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":1}",
	"{\"type\":\"CreateProduct\",\"name\":\"Rebate\",\"price\":-1.5,"
	"\"cost_price\":0.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":1}",
	"{\"type\":\"CreateProduct\",\"name\":\"Paid to Take\",\"price\":1.0,"
	"\"cost_price\":-0.01,\"supplier_id\":1,"
	"\"supplier_name\":\"Acme Corp\",\"stock\":1}",
	"{\"type\":\"CreateProduct\",\"name\":\"Owed\",\"price\":1.0,"
	"\"cost_price\":0.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":-1}",
	"{\"type\":\"CreateProduct\",\"name\":\"Orphan\",\"price\":1.0,"
	"\"cost_price\":0.5,\"supplier_id\":9,\"supplier_name\":\"\","
	"\"stock\":1}",
	"{\"type\":\"CreateProduct\",\"name\":\"Orphan\",\"price\":1.0,"
	"\"cost_price\":0.5,\"supplier_id\":9,\"supplier_name\":\" \","
	"\"stock\":1}",
	/* not found (checked first), negative stock, non-positive price */
	"{\"type\":\"UpdateStock\",\"product_id\":42,\"new_stock\":5}",
	"{\"type\":\"UpdateStock\",\"product_id\":99,\"new_stock\":5}",
	"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":-5}",
	"{\"type\":\"UpdateStock\",\"product_id\":42,\"new_stock\":-5}",
	"{\"type\":\"ChangePrice\",\"product_id\":42,\"new_price\":9.99}",
	"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":0.0}",
	"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":-3.5}",
	/* lines that are no command */
	"not json",
	"{\"type\":\"Restock\",\"product_id\":1}",
	"{\"type\":\"UpdateStock\",\"product_id\":1}",
	"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":\"cheap\"}",
	"{\"type\":\"RecordProductView\",\"product_id\":1,\"colour\":\"red\"}",
	/* product 5: the refused creates took no id */
	"{\"type\":\"CreateProduct\",\"name\":\"Party \U0001f389 Pack\","
	"\"price\":12.0,\"cost_price\":4.0,\"supplier_id\":1,"
	"\"supplier_name\":\"Acme Corp\",\"stock\":5,\"description\":null}",
	"{\"type\":\"RecordProductView\",\"product_id\":5}",
	"{\"type\":\"UpdateStock\",\"product_id\":5,\"new_stock\":12}",
	/* the same stock again is an event all the same */
	"{\"type\":\"UpdateStock\",\"product_id\":4,\"new_stock\":3}",
	/* step 15: counts corrected (#6 of product 1 twice), in and out of
	 * the low-stock alert, a reason in JSON escapes; a count after one */
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":6,"
	"\"new_stock\":5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":3,\"corrects_event_id\":7,"
	"\"new_stock\":12,\"reason\":\"a box behind the shelf\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":5,\"corrects_event_id\":15,"
	"\"new_stock\":9,\"reason\":\"re-count: \\\"caf\\u00e9\\\" box\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":6,"
	"\"new_stock\":6,\"reason\":\"counted again\"}",
	"{\"type\":\"UpdateStock\",\"product_id\":3,\"new_stock\":2}",
	/* each rule of CorrectStock, in order */
	"{\"type\":\"CorrectStock\",\"product_id\":42,\"corrects_event_id\":6,"
	"\"new_stock\":5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":999,"
	"\"new_stock\":5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":5,"
	"\"new_stock\":5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":1,"
	"\"new_stock\":5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":8,"
	"\"new_stock\":5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":17,"
	"\"new_stock\":5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":6,"
	"\"new_stock\":-5,\"reason\":\"counted twice\"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":6,"
	"\"new_stock\":5,\"reason\":\" \"}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":6,"
	"\"new_stock\":5,\"reason\":\"" REASON_201 "\"}",
	/* CorrectStock lines that are no command */
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":6,"
	"\"new_stock\":5}",
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_id\":6,"
	"\"new_stock\":5,\"reason\":null}",
	NULL,
};

/* ---- scenario "random" -------------------------------------------------- */

#define RANDOM_COMMANDS 2000
#define RANDOM_SEED	UINT64_C(20261127)

/* Knuth's MMIX linear congruential generator: the same numbers anywhere. */
struct lcg {
	uint64_t state;
};

static uint32_t below(struct lcg *g, uint32_t n)
{
	g->state = g->state * UINT64_C(6364136223846793005) +
		   UINT64_C(1442695040888963407);
	return (uint32_t)(g->state >> 33) % n;
}

static const char *const adjectives[] = {
	"Blue", "Compact", "Deluxe", "Eco", "Heavy", "Mini", "Smart", "Turbo",
};
static const char *const nouns[] = {
	"Widget", "Gadget", "Sprocket", "Gizmo", "Flange", "Doohickey",
};
static const struct {
	int64_t id;
	const char *name;
} suppliers[] = {
	{1, "Acme Corp"},	  {2, "Globex"},
	{3, "Initech"},		  {4, "P\u00e2tisserie Dupont"},
	{5, "Umbrella Supplies"},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A growable list of lines, each owned. */
struct lines {
	char **items;
	size_t count;
	size_t cap;
};

static void lines_dispose(struct lines *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Add `text` (taken over: freed on failure too) as the next line. */
static int add_line(struct lines *l, char *text, struct es_error *err)
{
	if (text == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	if (l->count == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		char **items = realloc(l->items, cap * sizeof(*items));

		if (items == NULL) {
			free(text);
			return es_error_set(err, ES_ENOMEM, "out of memory");
		}
		l->items = items;
		l->cap = cap;
	}
	l->items[l->count++] = text;
	return ES_OK;
}

/* A price in cents as a number: 2999 -> 29.99. */
static double cents(int64_t c)
{
	return (double)c / 100.0;
}

/*
 * A create; one in eight breaks a rule. Returns whether it will be
 * accepted, so the caller knows how many products exist.
 */
static bool random_create(struct es_json_buf *b, struct lcg *g, int64_t next_id)
{
	int64_t price = 50 + below(g, 20000);
	int64_t cost = price * 4 / 10;
	int64_t stock = below(g, 120);
	size_t s = below(g, COUNT_OF(suppliers));
	uint32_t rule = below(g, 8) == 0 ? 1 + below(g, 5) : 0;
	size_t adjective = below(g, COUNT_OF(adjectives));
	size_t noun = below(g, COUNT_OF(nouns));
	char name[64];

	/* One call to below() a statement: their order is fixed. */
	snprintf(name, sizeof(name), "%s %s %lld", adjectives[adjective],
		 nouns[noun], (long long)next_id);
	es_json_add_raw(b, "{\"type\":\"CreateProduct\",\"name\":");
	es_json_add_string(b, rule == 1 ? "  " : name);
	es_json_add_raw(b, ",\"price\":");
	es_json_add_float(b, rule == 2 ? -cents(price) : cents(price));
	es_json_add_raw(b, ",\"cost_price\":");
	es_json_add_float(b, rule == 3 ? -1.0 : cents(cost));
	es_json_add_raw(b, ",\"supplier_id\":");
	es_json_add_int(b, suppliers[s].id);
	es_json_add_raw(b, ",\"supplier_name\":");
	es_json_add_string(b, rule == 5 ? "" : suppliers[s].name);
	es_json_add_raw(b, ",\"stock\":");
	es_json_add_int(b, rule == 4 ? -1 - stock : stock);
	es_json_add_raw(b, ",\"description\":");
	if (below(g, 3) == 0)
		es_json_add_string(b, "Made to last");
	else
		es_json_add_null(b);
	es_json_add_raw(b, "}");
	return rule == 0;
}

/* An update of stock or price; one in twelve breaks a rule. */
static void random_update(struct es_json_buf *b, struct lcg *g,
			  int64_t products, bool stock)
{
	int64_t id = 1 + below(g, (uint32_t)products + 3);
	bool bad = below(g, 12) == 0;

	es_json_add_raw(b, stock ? "{\"type\":\"UpdateStock\",\"product_id\":"
				 : "{\"type\":\"ChangePrice\",\"product_id\":");
	es_json_add_int(b, id);
	if (stock) {
		es_json_add_raw(b, ",\"new_stock\":");
		es_json_add_int(b, bad ? -1 - (int64_t)below(g, 20)
				       : (int64_t)below(g, 60));
	} else {
		es_json_add_raw(b, ",\"new_price\":");
		es_json_add_float(b, bad ? -cents(below(g, 500))
					 : cents(50 + below(g, 20000)));
	}
	es_json_add_raw(b, "}");
}

/*
 * A long run: creates, stock and price updates, views, a good share of
 * them refused or of ids that do not exist, as real traffic would be.
 */
static int random_lines(struct lines *out, struct es_error *err)
{
	struct lcg g = {RANDOM_SEED};
	int64_t products = 0;
	int rc = ES_OK;

	for (int i = 0; i < RANDOM_COMMANDS && rc == ES_OK; i++) {
		struct es_json_buf b;
		uint32_t kind = below(&g, 100);
		char *line = NULL;

		es_json_buf_init(&b);
		if (kind < 10) {
			if (random_create(&b, &g, products + 1))
				products++;
		} else if (kind < 45) {
			random_update(&b, &g, products, true);
		} else if (kind < 60) {
			random_update(&b, &g, products, false);
		} else {
			es_json_add_raw(&b, "{\"type\":\"RecordProductView\","
					    "\"product_id\":");
			es_json_add_int(&b,
					1 + below(&g, (uint32_t)products + 5));
			es_json_add_raw(&b, "}");
		}
		rc = es_json_buf_finish(&line, &b, err);
		if (rc == ES_OK)
			rc = add_line(out, line, err);
	}
	return rc;
}

static int static_lines(struct lines *out, const char *const *src,
			struct es_error *err)
{
	int rc = ES_OK;

	for (size_t i = 0; src[i] != NULL && rc == ES_OK; i++)
		rc = add_line(out, strdup(src[i]), err);
	return rc;
}

/* ---- running a scenario ------------------------------------------------- */

/* Everything one scenario runs on; the databases are in memory. */
struct run {
	struct es_command_handler handler;
	struct es_test_clock clock_state;
	sqlite3 *read_db;
	struct es_views *views;
	struct es_supplier_view *suppliers;
};

/*
 * The log is a file in `work`, not ":memory:": the store is closed, and
 * write_log() reads its tables on a connection of its own.
 */
static int run_open(struct run *run, const char *work, struct es_error *err)
{
	char path[1100];
	int rc;

	memset(run, 0, sizeof(*run));
	run->handler.clock = es_test_clock(&run->clock_state);
	snprintf(path, sizeof(path), "%s/golden_log.db", work);
	rc = es_store_open(&run->handler.store, path, ES_STORE_WRITE, err);
	if (rc == ES_OK)
		rc = es_read_db_open(&run->read_db,
				     ":memory:", ES_READ_DB_WRITE, err);
	if (rc == ES_OK)
		rc = es_views_open(&run->views, run->read_db, err);
	if (rc == ES_OK)
		rc = es_supplier_view_open(&run->suppliers, run->read_db, err);
	return rc;
}

static void run_close(struct run *run)
{
	es_supplier_view_close(run->suppliers);
	es_views_close(run->views);
	es_read_db_close(run->read_db);
	es_store_close(run->handler.store);
	memset(run, 0, sizeof(*run));
}

/* Bring the views up to date, then the supplier view, as catalog would. */
static int project(struct run *run, const struct es_event *ev,
		   struct es_error *err)
{
	int rc;

	rc = es_views_catch_up(NULL, run->views, run->handler.store, err);
	if (rc != ES_OK)
		return rc;
	if (sqlite3_exec(run->read_db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return es_error_set(err, ES_EDB, "%s",
				    sqlite3_errmsg(run->read_db));
	rc = es_supplier_view_apply(run->suppliers, ev, err);
	if (rc == ES_OK &&
	    sqlite3_exec(run->read_db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%s",
				  sqlite3_errmsg(run->read_db));
	if (rc != ES_OK)
		sqlite3_exec(run->read_db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* One line through parse, handle, project; a refusal changes nothing. */
static int run_line(struct run *run, const char *line, struct es_error *err)
{
	struct es_command cmd;
	struct es_event ev;
	struct es_error why;
	int rc;

	rc = es_command_parse(&cmd, line, &why);
	if (rc == ES_OK) {
		rc = es_handle(&ev, &run->handler, &cmd, &why);
		es_command_dispose(&cmd);
	}
	if (rc == ES_EINVAL || rc == ES_ENOTFOUND)
		return ES_OK;
	if (rc != ES_OK)
		return es_error_set(err, rc, "%s: %s", line, why.msg);
	rc = project(run, &ev, err);
	es_event_dispose(&ev);
	return rc;
}

static int run_lines(struct run *run, const struct lines *lines,
		     struct es_error *err)
{
	int rc = ES_OK;

	for (size_t i = 0; i < lines->count && rc == ES_OK; i++)
		rc = run_line(run, lines->items[i], err);
	return rc;
}

/* ---- files -------------------------------------------------------------- */

static int open_file(FILE **out, const char *dir, const char *name,
		     const char *ext, struct es_error *err)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
	*out = fopen(path, "w");
	if (*out == NULL)
		return es_error_set(err, ES_EDB, "cannot write %s", path);
	return ES_OK;
}

static int close_file(FILE *f, int rc, struct es_error *err)
{
	if (f == NULL)
		return rc;
	if (fclose(f) != 0 && rc == ES_OK)
		return es_error_set(err, ES_EDB, "cannot write a golden file");
	return rc;
}

static int write_commands(const char *dir, const char *name,
			  const struct lines *lines, struct es_error *err)
{
	FILE *f = NULL;
	int rc;

	rc = open_file(&f, dir, name, ".commands", err);
	for (size_t i = 0; rc == ES_OK && i < lines->count; i++)
		fprintf(f, "%s\n", lines->items[i]);
	return close_file(f, rc, err);
}

/*
 * Open the golden file `dir`/`name``ext` for writing, and write into
 * `title` the line that opens it: what it holds (`what`) and that it is
 * not to be edited.
 */
static int open_golden(FILE **out, char title[256], const char *dir,
		       const char *name, const char *ext, const char *what,
		       struct es_error *err)
{
	snprintf(title, 256,
		 "%s%s: the %s of scenario \"%s\", written by make golden:"
		 " do not edit",
		 name, ext, what, name);
	return open_file(out, dir, name, ext, err);
}

static int write_log(const char *dir, const char *name, struct run *run,
		     struct es_error *err)
{
	static const char *const log_tables[] = {"events", "product_registry",
						 NULL};
	const char *path = es_store_path(run->handler.store);
	char title[256];
	sqlite3 *log = NULL;
	FILE *f = NULL;
	int rc;

	rc = open_golden(&f, title, dir, name, ".events.sql", "event log", err);
	/* The store is closed: the tables are read on a connection of ours. */
	if (rc == ES_OK && sqlite3_open_v2(path, &log, SQLITE_OPEN_READONLY,
					   NULL) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%s: %s", path,
				  sqlite3_errmsg(log));
	if (rc == ES_OK)
		rc = es_golden_write_sql(f, log, log_tables, title, err);
	sqlite3_close(log);
	return close_file(f, rc, err);
}

static int write_views(const char *dir, const char *name, struct run *run,
		       struct es_error *err)
{
	char title[256];
	FILE *f = NULL;
	int rc;

	rc = open_golden(&f, title, dir, name, ".views", "views", err);
	if (rc == ES_OK)
		rc = es_golden_write_views(f, run->read_db, title, err);
	return close_file(f, rc, err);
}

/* Make `work`, a new directory under $TMPDIR (or /tmp). */
static int make_work_dir(char work[1024], struct es_error *err)
{
	const char *root = getenv("TMPDIR");

	if (root == NULL || root[0] == '\0')
		root = "/tmp";
	snprintf(work, 1024, "%s/make_golden-XXXXXX", root);
	if (mkdtemp(work) == NULL)
		return es_error_set(err, ES_EDB,
				    "cannot create a directory under %s", root);
	return ES_OK;
}

/*
 * The answers: `catalog apply` on `dir`/`name`.commands, its standard
 * output into `dir`/`name`.results. Its databases are new ones in `work`.
 * It must exit 0; its standard error is this program's.
 */
static int write_results(const char *dir, const char *name, const char *catalog,
			 const char *work, struct es_error *err)
{
	char commands[1024];
	char results[1024];
	char events_db[1100];
	char read_db[1100];
	char *argv[] = {(char *)catalog, "--events", events_db, "--read",
			read_db,	 "apply",    NULL};
	int status = 0;
	int rc;

	snprintf(commands, sizeof(commands), "%s/%s.commands", dir, name);
	snprintf(results, sizeof(results), "%s/%s.results", dir, name);
	snprintf(events_db, sizeof(events_db), "%s/event_store.db", work);
	snprintf(read_db, sizeof(read_db), "%s/read_model.db", work);
	rc = es_process_run(&status, argv, commands, results, NULL, NULL, err);
	if (rc == ES_OK && status != 0)
		rc = es_error_set(err, ES_EINVAL,
				  "%s apply < %s exited with status %d",
				  catalog, commands, status);
	return rc;
}

/* Run one scenario and write its four files into `dir`. */
static int write_scenario(const char *dir, const char *catalog,
			  const char *name, const struct lines *lines,
			  struct es_error *err)
{
	struct run run;
	char work[1024];
	int rc;

	memset(&run, 0, sizeof(run)); /* run_close() may come first */
	rc = make_work_dir(work, err);
	if (rc != ES_OK)
		return rc;
	rc = write_commands(dir, name, lines, err);
	if (rc == ES_OK)
		rc = write_results(dir, name, catalog, work, err);
	if (rc == ES_OK)
		rc = run_open(&run, work, err);
	if (rc == ES_OK)
		rc = run_lines(&run, lines, err);
	if (rc == ES_OK)
		rc = write_log(dir, name, &run, err);
	if (rc == ES_OK)
		rc = write_views(dir, name, &run, err);
	run_close(&run);
	es_harness_remove_tree(work);
	return rc;
}

static int write_all(const char *dir, const char *catalog, struct es_error *err)
{
	struct lines lines = {NULL, 0, 0};
	int rc;

	rc = static_lines(&lines, main_lines, err);
	if (rc == ES_OK)
		rc = write_scenario(dir, catalog, "main", &lines, err);
	lines_dispose(&lines);
	if (rc == ES_OK)
		rc = random_lines(&lines, err);
	if (rc == ES_OK)
		rc = write_scenario(dir, catalog, "random", &lines, err);
	lines_dispose(&lines);
	if (rc == ES_OK)
		rc = static_lines(&lines, every_event_lines, err);
	if (rc == ES_OK)
		rc = write_scenario(dir, catalog, "every-event", &lines, err);
	lines_dispose(&lines);
	return rc;
}

/* Scenario "random" through this build's supplier view, as a read DB. */
static int write_read_model(const char *path, struct es_error *err)
{
	static const char title[] =
		"read_model.sql: the read DB that step 19's supplier view, as"
		" it shipped, built from harness/golden/random.commands.\n"
		"-- Written by make golden: do not edit. Load it into a new"
		" file: sqlite3 read_model.db < read_model.sql";
	struct lines lines = {NULL, 0, 0};
	struct run run;
	char work[1024];
	FILE *f;
	int rc;

	memset(&run, 0, sizeof(run));
	rc = make_work_dir(work, err);
	if (rc != ES_OK)
		return rc;
	rc = random_lines(&lines, err);
	if (rc == ES_OK)
		rc = run_open(&run, work, err);
	if (rc == ES_OK)
		rc = run_lines(&run, &lines, err);
	lines_dispose(&lines);
	if (rc == ES_OK) {
		f = fopen(path, "w");
		if (f == NULL)
			rc = es_error_set(err, ES_EDB, "cannot write %s", path);
	}
	if (rc == ES_OK) {
		rc = es_golden_write_sql(f, run.read_db, es_golden_read_tables,
					 title, err);
		rc = close_file(f, rc, err);
	}
	run_close(&run);
	es_harness_remove_tree(work);
	return rc;
}

int main(int argc, char **argv)
{
	struct es_error err;
	int rc;

	es_error_clear(&err);
	if (argc == 3 && argv[1][0] != '-') {
		rc = write_all(argv[1], argv[2], &err);
	} else if (argc == 3 && strcmp(argv[1], "--read-model") == 0) {
		rc = write_read_model(argv[2], &err);
	} else {
		fprintf(stderr, "usage: make_golden DIR CATALOG\n"
				"       make_golden --read-model FILE\n");
		return 2;
	}
	if (rc != ES_OK) {
		fprintf(stderr, "make_golden: %s\n", err.msg);
		return 1;
	}
	return 0;
}
