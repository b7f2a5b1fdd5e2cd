/*
 * bench_apply.c - a durable command, against the floor.
 *
 * `catalog apply` runs each command as its own transaction on the log,
 * which is synchronous=FULL: one flush to disk per command, which is what
 * makes an answered command survive a power cut. The read model is
 * synchronous=NORMAL (it is derived from the log, so a rebuild restores
 * it), so its commit adds no flush. The least a durable command can cost
 * is then one INSERT per transaction into the log's table, with the log's
 * PRAGMAs: the floor. `catalog apply --batch N` commits N commands at a
 * time, one flush for N, and is compared with 1000 INSERTs per
 * transaction, and with plain apply.
 *
 * Both floors write into a log of their own, made as apply's is, with
 * its products and first events, so it has the log's schema, indexes and
 * triggers (step 13's stream_versions too), and a file of the same size;
 * their inserts take the products in turn, as apply's commands do. Each
 * is timed in turns with what it is the floor of (bench_in_turns()).
 */
#include <stdio.h>

#include <sqlite3.h>

#include "bench.h"
#include "es_sql.h"

/* Commands per transaction for --batch, and for the batched floor. */
#define BATCH	  1000
#define BATCH_ARG "1000"

/* Where the commands go: a log with `products` products, caught up. */
struct apply_files {
	char events[600];
	char read[600];
	char commands[600];
};

/* One floor: a connection to its own log, and its statements. */
struct floor {
	sqlite3 *db;
	sqlite3_stmt *begin, *insert, *commit;
	long per_transaction;
	long products; /* the inserts take products 1..products in turn */
	long next;     /* inserts so far */
};

/*
 * Write `count` UpdateStock commands, one a line, taking the products
 * 1..`products` in turn, into the file at `path`.
 */
static int write_commands(const char *path, long count, long products,
			  struct es_error *err)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return es_error_set(err, ES_EDB, "%s: cannot write", path);
	for (long i = 0; i < count; i++)
		fprintf(f,
			"{\"type\":\"UpdateStock\",\"product_id\":%ld,"
			"\"new_stock\":%ld}\n",
			i % products + 1, 20 + i % 480);
	if (fclose(f) != 0)
		return es_error_set(err, ES_EDB, "%s: cannot write", path);
	return ES_OK;
}

/*
 * Create a log at `path` with the first `events` generated events, and
 * step 13's stream_versions, which es_store_version() creates in a log
 * that has none, with its trigger: every append that apply makes runs it.
 */
static int make_log(const char *path, long events, long products,
		    struct es_error *err)
{
	struct es_store *store = NULL;
	int64_t version;
	int rc = es_store_open(&store, path, ES_STORE_WRITE, err);

	if (rc == ES_OK)
		rc = es_store_version(&version, store, 1, err);
	if (rc == ES_OK)
		rc = es_store_begin(store, err);
	for (long i = 0; rc == ES_OK && i < events; i++)
		rc = bench_append_mixed(store, i, products, err);
	if (rc == ES_OK)
		rc = es_store_commit(store, err);
	else if (store != NULL)
		es_store_rollback(store);
	es_store_close(store);
	return rc;
}

static void floor_close(struct floor *fl)
{
	sqlite3_finalize(fl->begin);
	sqlite3_finalize(fl->insert);
	sqlite3_finalize(fl->commit);
	sqlite3_close(fl->db);
}

/*
 * Open a log at `path` for a floor, made as apply's is (the same
 * products, the same first events: the cost of an insert depends on the
 * size of the file and its indexes), with the log's PRAGMAs, and prepare
 * its statements once. Each insert is a valid StockUpdated of the next
 * product in turn, as apply's commands are: an insert into one product
 * only would always touch the same index pages.
 */
static int floor_open(struct floor *fl, const char *path, struct es_error *err)
{
	static const char insert_sql[] =
		"INSERT INTO events (product_id, event_type, data, occurred_at)"
		" VALUES (?1, 'StockUpdated', '{\"product_id\": ' || ?1 || "
		"', \"new_stock\": 5, \"occurred_at\": "
		"\"2026-11-27T14:32:05.123456+00:00\"}',"
		" '2026-11-27T14:32:05.123456+00:00')";
	int rc = make_log(path, fl->products, fl->products, err);

	if (rc != ES_OK)
		return rc;
	if (sqlite3_open(path, &fl->db) != SQLITE_OK ||
	    sqlite3_exec(fl->db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA busy_timeout=5000;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(fl->db, "BEGIN IMMEDIATE", -1, &fl->begin,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(fl->db, insert_sql, -1, &fl->insert, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(fl->db, "COMMIT", -1, &fl->commit, NULL) !=
		    SQLITE_OK)
		return es_sql_error(fl->db, err);
	return ES_OK;
}

/* bench_fn: one transaction of the floor. */
static int floor_transaction(void *ctx, long i, struct es_error *err)
{
	struct floor *fl = ctx;
	int rc = es_sql_run(fl->begin, err);

	(void)i;
	for (long k = 0; rc == ES_OK && k < fl->per_transaction; k++) {
		sqlite3_bind_int64(fl->insert, 1,
				   fl->next++ % fl->products + 1);
		rc = es_sql_run(fl->insert, err);
	}
	if (rc == ES_OK)
		rc = es_sql_run(fl->commit, err);
	return rc;
}

/*
 * Time the catalog run `run` (per command: it runs `commands`) and, in
 * turns with it, its floor: `per_transaction` INSERTs per transaction
 * into a fresh log at `floor_path`, as many as `commands` (per INSERT).
 */
static int time_with_floor(double *per_command, double *per_insert,
			   const struct bench_plan *plan,
			   struct bench_catalog_run *run, long commands,
			   const char *floor_path, long per_transaction,
			   struct es_error *err)
{
	struct floor fl = {NULL,	   NULL, NULL, NULL, per_transaction,
			   plan->products, 0};
	struct bench_timed project = {bench_catalog, run, 1, 0};
	struct bench_timed floor = {floor_transaction, &fl,
				    commands / per_transaction, 0};
	int rc = floor_open(&fl, floor_path, err);

	if (rc == ES_OK)
		rc = bench_in_turns(&project, &floor, plan, err);
	floor_close(&fl);
	*per_command = project.per_run / (double)commands;
	*per_insert = floor.per_run / (double)per_transaction;
	return rc;
}

/* Make the log and its read model, caught up, for the commands. */
static int prepare(struct apply_files *files, struct bench_plan *plan,
		   struct es_error *err)
{
	const char *const args[] = {"--events",	 files->events, "--read",
				    files->read, "catch-up",	NULL};
	struct bench_catalog_run run = {plan, args, 0, NULL};
	int rc;

	bench_path(files->events, sizeof(files->events), plan, "apply.db");
	bench_path(files->read, sizeof(files->read), plan, "apply-read.db");
	bench_path(files->commands, sizeof(files->commands), plan,
		   "commands.jsonl");
	rc = make_log(files->events, plan->products, plan->products, err);
	if (rc == ES_OK)
		rc = bench_catalog(&run, 0, err);
	if (rc != ES_OK) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		es_error_set(err, rc, "catalog catch-up: %s", why);
	}
	return rc;
}

/* The apply row; sets plan->apply_seconds, 0 when it failed. */
static int apply_row(struct bench_plan *plan, const struct apply_files *files,
		     struct es_error *err)
{
	const char *const args[] = {"--events",	 files->events, "--read",
				    files->read, "apply",	files->commands,
				    NULL};
	struct bench_catalog_run run = {plan, args, plan->commands, NULL};
	struct bench_row row = {"apply", plan->commands, 0, 0, 0.8};
	char path[600];
	int rc = write_commands(files->commands, plan->commands, plan->products,
				err);

	plan->apply_seconds = 0;
	plan->floor_seconds = 0;
	if (rc != ES_OK)
		return rc;
	bench_path(path, sizeof(path), plan, "floor.db");
	rc = time_with_floor(&row.project, &row.baseline, plan, &run,
			     plan->commands, path, 1, err);
	if (rc != ES_OK) {
		bench_not_measured(plan, row.operation, row.size, "%s",
				   err->msg);
		return ES_OK;
	}
	plan->apply_seconds = row.project;
	plan->floor_seconds = row.baseline;
	bench_report(plan, &row);
	return ES_OK;
}

/* The two rows of apply --batch: against its floor, and against apply. */
static int batch_rows(struct bench_plan *plan, const struct apply_files *files,
		      struct es_error *err)
{
	const char *const args[] = {"--events",	 files->events,	  "--read",
				    files->read, "apply",	  "--batch",
				    BATCH_ARG,	 files->commands, NULL};
	struct bench_catalog_run run = {plan, args, plan->batch_commands, NULL};
	struct bench_row row = {"batch apply vs floor", plan->batch_commands, 0,
				0, 0};
	double batched_floor;
	char path[600];
	int rc = write_commands(files->commands, plan->batch_commands,
				plan->products, err);

	if (rc != ES_OK)
		return rc;
	bench_path(path, sizeof(path), plan, "floor-batch.db");
	rc = time_with_floor(&row.project, &row.baseline, plan, &run,
			     plan->batch_commands, path, BATCH, err);
	if (rc != ES_OK) {
		bench_not_measured(plan, row.operation, row.size, "%s",
				   err->msg);
		bench_not_measured(plan, "batch apply vs apply", row.size,
				   "catalog apply --batch failed");
		return ES_OK;
	}
	bench_report(plan, &row);
	batched_floor = row.baseline;
	row.operation = "batch apply vs apply";
	row.baseline = plan->apply_seconds;
	row.goal = 20;
	if (plan->apply_seconds == 0) {
		bench_not_measured(plan, row.operation, row.size,
				   "plain catalog apply failed");
		return ES_OK;
	}
	bench_report(plan, &row);
	/*
	 * The most that batching can gain on this disk: the two floors'
	 * ratio. Batch apply does at least the batched floor's work, so
	 * "batch apply vs apply" can pass this only by as much as plain
	 * apply is slower than its floor. It grows with the cost of a
	 * flush.
	 */
	row.operation = "batch floor vs floor";
	row.project = batched_floor;
	row.baseline = plan->floor_seconds;
	row.goal = 0;
	bench_report(plan, &row);
	return ES_OK;
}

int bench_apply(struct bench_plan *plan, struct es_error *err)
{
	struct apply_files files;
	int rc = prepare(&files, plan, err);

	if (rc == ES_OK)
		rc = apply_row(plan, &files, err);
	if (rc == ES_OK)
		rc = batch_rows(plan, &files, err);
	return rc;
}
