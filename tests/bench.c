/*
 * bench.c - `make bench`: how fast the reference is, in events per second.
 *
 * Timings live here, never in a pass/fail test: they depend on the machine.
 * It builds a log of N events in one transaction (so the numbers measure
 * the code, not the disk's fsync), then times:
 *
 *   append    es_store_append, N events inside one transaction
 *   load      es_store_load of one product with many events
 *   rebuild   es_projector_rebuild_all over the whole log
 *   handle    es_handle + es_projector_project, one transaction per
 *             command in each file: the log's is synchronous=FULL (one
 *             flush to disk), the read DB's NORMAL (none: it is derived)
 *   floor     one insert per transaction into the log's table, with the
 *             log's PRAGMAs: the least a durable command can cost; the
 *             ratio floor / handle is the design's goal of 0.8x or more
 *
 * and then the cost of one command against the length of its product's
 * history, in CPU time (the process's, so waiting for the disk does not
 * count): UpdateStock on a product with HISTORY_SHORT events and on one
 * with HISTORY_LONG, side by side, through
 *
 *   step 5    es_handle: the lock, a full replay, the append
 *   catalog   es_optimistic_handle from snapshots, as `catalog apply`
 *             does: the replay is bounded by the snapshot interval, and
 *             the lock covers only the version check and the append
 *
 * The catalog line's ratio (long / short) is the one the design promises
 * to keep under 2. Each handler runs one command first on each product,
 * untimed: on the long history that first load replays everything once
 * and takes the snapshot every later command starts from.
 *
 * Usage: bench [N]  (default 100000); the databases go to a fresh
 * directory under $TMPDIR (or /tmp) and are removed afterwards.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "command_handler.h"
#include "es_sql.h"
#include "optimistic.h"
#include "event_store.h"
#include "projector.h"
#include "read_db.h"
#include "snapshots.h"

#define PRODUCTS 1000
#define HANDLED	 2000

/* The two histories compared, and how many commands each is timed for. */
#define HISTORY_SHORT  100
#define HISTORY_LONG   100000
#define TIMED_FAST     400 /* the catalog strategy */
#define TIMED_SLOW     20  /* step 5, which replays 100,000 events a command */
#define SNAPSHOT_EVERY 100 /* as catalog apply takes them */

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, long n, double seconds)
{
	printf("%-8s %8ld events in %7.3f s: %10.0f events/s\n", what, n,
	       seconds, (double)n / seconds);
}

/* Event i of the generated log: creates first, then updates and views. */
static int append_event(struct es_store *store, long i, struct es_error *err)
{
	static const struct es_product_created fields = {
		"Bench product", 9.99, 4.5, 1, "Bench supplier", 100, NULL};
	const char *at = "2026-11-27T14:32:05.123456+00:00";
	int64_t id = i % PRODUCTS + 1;
	struct es_event ev;
	int rc;

	if (i < PRODUCTS) {
		rc = es_event_product_created(&ev, id, &fields, at, err);
		if (rc != ES_OK)
			return rc;
	} else if (i % 3 == 0) {
		es_event_stock_updated(&ev, id, i % 500, at);
	} else if (i % 3 == 1) {
		es_event_price_changed(&ev, id, 1.0 + (double)(i % 900), at);
	} else {
		es_event_product_viewed(&ev, id, at);
	}
	rc = es_store_append(store, &ev, err);
	es_event_dispose(&ev);
	return rc;
}

static int bench_append(struct es_store *store, long n, struct es_error *err)
{
	double start = now_seconds();
	int rc = es_store_begin(store, err);

	for (long i = 0; rc == ES_OK && i < n; i++)
		rc = append_event(store, i, err);
	if (rc == ES_OK)
		rc = es_store_commit(store, err);
	else
		es_store_rollback(store);
	if (rc == ES_OK)
		report("append", n, now_seconds() - start);
	return rc;
}

static int bench_load(struct es_store *store, struct es_error *err)
{
	struct es_event_list events = {0};
	double start = now_seconds();
	int rc = es_store_load(&events, store, 1, err);

	if (rc == ES_OK)
		report("load", (long)events.count, now_seconds() - start);
	es_event_list_dispose(&events);
	return rc;
}

static int bench_rebuild(struct es_store *store, struct es_projector *prj,
			 long n, struct es_error *err)
{
	double start = now_seconds();
	int rc = es_projector_rebuild_all(prj, store, err);

	if (rc == ES_OK)
		report("rebuild", n, now_seconds() - start);
	return rc;
}

/*
 * The floor a durable command is measured against: HANDLED inserts into
 * the log's own table, one transaction each, on a connection of their own
 * with the log's PRAGMAs (WAL, synchronous=FULL), so every one waits for
 * one flush to disk, as a durable command must. Nothing is decided,
 * encoded or projected. Sets `*seconds`.
 */
static int bench_floor(double *seconds, const char *events_path,
		       struct es_error *err)
{
	static const char insert_sql[] =
		"INSERT INTO events (product_id, event_type, data, occurred_at)"
		" VALUES (1, 'StockUpdated', '{\"product_id\": 1, "
		"\"new_stock\":"
		" 5, \"occurred_at\": \"2026-11-27T14:32:05.123456+00:00\"}',"
		" '2026-11-27T14:32:05.123456+00:00')";
	sqlite3 *db = NULL;
	double start;
	int rc = ES_OK;

	if (sqlite3_open(events_path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA busy_timeout=5000;",
			 NULL, NULL, NULL) != SQLITE_OK)
		rc = es_sql_error(db, err);
	start = now_seconds();
	for (long i = 0; rc == ES_OK && i < HANDLED; i++) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
			    SQLITE_OK ||
		    sqlite3_exec(db, insert_sql, NULL, NULL, NULL) !=
			    SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			rc = es_sql_error(db, err);
	}
	*seconds = now_seconds() - start;
	sqlite3_close(db);
	return rc;
}

static int bench_handle(struct es_store *store, struct es_projector *prj,
			const char *events_path, struct es_error *err)
{
	struct es_command_handler handler = {store, {es_clock_system, NULL}};
	double start = now_seconds();
	double took, floor = 0;
	int rc = ES_OK;

	for (long i = 0; rc == ES_OK && i < HANDLED; i++) {
		struct es_command cmd = {.type = ES_UPDATE_STOCK};
		struct es_event ev;

		cmd.update_stock.product_id = i % PRODUCTS + 1;
		cmd.update_stock.new_stock = i;
		rc = es_handle(&ev, &handler, &cmd, err);
		if (rc == ES_OK)
			rc = es_projector_project(prj, &ev, err);
		es_event_dispose(&ev);
	}
	took = now_seconds() - start;
	if (rc == ES_OK) {
		report("handle", HANDLED, took);
		rc = bench_floor(&floor, events_path, err);
	}
	if (rc == ES_OK)
		printf("durable command: %.3f ms each; the floor, one insert "
		       "per transaction: %.3f ms; %.2fx the floor (goal: at "
		       "least 0.8x)\n",
		       took * 1000 / HANDLED, floor * 1000 / HANDLED,
		       floor / took);
	return rc;
}

/*
 * Products `short_id` and `long_id` get a ProductCreated and then stock
 * updates up to HISTORY_SHORT and HISTORY_LONG events, in one transaction.
 */
static int append_histories(struct es_store *store, int64_t short_id,
			    int64_t long_id, struct es_error *err)
{
	static const struct es_product_created fields = {
		"History product", 9.99, 4.5, 1, "Bench supplier", 100, NULL};
	const char *at = "2026-11-27T14:32:05.123456+00:00";
	const int64_t ids[2] = {short_id, long_id};
	const long sizes[2] = {HISTORY_SHORT, HISTORY_LONG};
	int rc = es_store_begin(store, err);

	for (int p = 0; p < 2 && rc == ES_OK; p++) {
		for (long i = 0; i < sizes[p] && rc == ES_OK; i++) {
			struct es_event ev;

			if (i == 0)
				rc = es_event_product_created(&ev, ids[p],
							      &fields, at, err);
			else
				es_event_stock_updated(&ev, ids[p], i % 500,
						       at);
			if (rc == ES_OK)
				rc = es_store_append(store, &ev, err);
			es_event_dispose(&ev);
		}
	}
	if (rc == ES_OK)
		return es_store_commit(store, err);
	es_store_rollback(store);
	return rc;
}

/* Either handler, behind one signature. */
struct strategy {
	const char *name;
	long timed;
	struct es_command_handler plain;
	struct es_optimistic *optimistic; /* NULL: the plain one */
};

static int handle_one(struct strategy *s, int64_t product_id, long i,
		      struct es_error *err)
{
	struct es_command cmd = {.type = ES_UPDATE_STOCK};
	struct es_event ev;
	int rc;

	cmd.update_stock.product_id = product_id;
	cmd.update_stock.new_stock = i % 500;
	if (s->optimistic != NULL)
		rc = es_optimistic_handle(&ev, s->optimistic, &cmd, err);
	else
		rc = es_handle(&ev, &s->plain, &cmd, err);
	es_event_dispose(&ev);
	return rc;
}

/* CPU seconds per command on `product_id`, after one untimed command. */
static int cpu_per_command(double *out, struct strategy *s, int64_t product_id,
			   struct es_error *err)
{
	double start;
	int rc = handle_one(s, product_id, 0, err);

	start = cpu_seconds();
	for (long i = 1; rc == ES_OK && i <= s->timed; i++)
		rc = handle_one(s, product_id, i, err);
	*out = (cpu_seconds() - start) / (double)s->timed;
	return rc;
}

static int bench_history(struct es_store *store, struct es_error *err)
{
	struct es_clock clock = {es_clock_system, NULL};
	struct es_snapshots *snaps = NULL;
	struct strategy strategies[2] = {
		{"step 5", TIMED_SLOW, {store, clock}, NULL},
		{"catalog", TIMED_FAST, {store, clock}, NULL},
	};
	/* Ids past the generated ones: products with nothing else. */
	const int64_t short_id = PRODUCTS + 1, long_id = PRODUCTS + 2;
	int rc;

	rc = append_histories(store, short_id, long_id, err);
	if (rc == ES_OK)
		rc = es_snapshots_open(&snaps, store, SNAPSHOT_EVERY, err);
	if (rc == ES_OK)
		rc = es_optimistic_open(&strategies[1].optimistic, store, clock,
					snaps, err);
	printf("CPU per UpdateStock, against the product's history:\n");
	printf("%-8s %12s %12s %8s\n", "handler", "100 events", "100000 events",
	       "ratio");
	for (int k = 0; k < 2 && rc == ES_OK; k++) {
		double fast = 0, slow = 0;

		rc = cpu_per_command(&fast, &strategies[k], short_id, err);
		if (rc == ES_OK)
			rc = cpu_per_command(&slow, &strategies[k], long_id,
					     err);
		if (rc == ES_OK)
			printf("%-8s %9.3f ms %10.3f ms %7.2fx\n",
			       strategies[k].name, fast * 1e3, slow * 1e3,
			       slow / fast);
	}
	es_optimistic_close(strategies[1].optimistic);
	es_snapshots_close(snaps);
	return rc;
}

static int run(const char *dir, long n, struct es_error *err)
{
	char events_path[512], read_path[512];
	struct es_store *store = NULL;
	struct es_projector *prj = NULL;
	sqlite3 *read_db = NULL;
	int rc;

	snprintf(events_path, sizeof(events_path), "%s/event_store.db", dir);
	snprintf(read_path, sizeof(read_path), "%s/read_model.db", dir);
	rc = es_store_open(&store, events_path, ES_STORE_WRITE, err);
	if (rc == ES_OK)
		rc = es_read_db_open(&read_db, read_path, ES_READ_DB_WRITE,
				     err);
	if (rc == ES_OK)
		rc = es_projector_open(&prj, read_db, err);
	if (rc == ES_OK)
		rc = bench_append(store, n, err);
	if (rc == ES_OK)
		rc = bench_load(store, err);
	if (rc == ES_OK)
		rc = bench_rebuild(store, prj, n, err);
	if (rc == ES_OK)
		rc = bench_handle(store, prj, events_path, err);
	if (rc == ES_OK)
		rc = bench_history(store, err);
	es_projector_close(prj);
	es_read_db_close(read_db);
	es_store_close(store);
	return rc;
}

/* Remove the databases bench made (and their WAL files), then `dir`. */
static void remove_files(const char *dir)
{
	static const char *const names[] = {
		"event_store.db", "event_store.db-wal", "event_store.db-shm",
		"read_model.db",  "read_model.db-wal",	"read_model.db-shm",
	};
	char path[600];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	const char *tmp = getenv("TMPDIR");
	struct es_error err = {0, ""};
	char dir[256];
	int rc;

	if (n < PRODUCTS) {
		fprintf(stderr, "bench: N must be at least %d\n", PRODUCTS);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/es-bench-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("bench: mkdtemp");
		return 1;
	}
	rc = run(dir, n, &err);
	if (rc != ES_OK)
		fprintf(stderr, "bench: %s\n", err.msg);
	remove_files(dir);
	return rc == ES_OK ? 0 : 1;
}
