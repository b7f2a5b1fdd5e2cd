/*
 * bench.h - what the parts of `make bench` share.
 *
 * The bench is one program, build/bin/bench, linked from four files:
 *
 *   bench.c          the sizes, the table and the CSV, timing, running
 *                    catalog, main()
 *   bench_apply.c    catalog apply and apply --batch against the floor
 *   bench_rebuild.c  catalog rebuild against a bare loop, and the log
 *                    both read
 *   bench_history.c  load, one command and time travel against the
 *                    length of a product's history
 *
 * Every row of the table is one operation of the project timed against a
 * baseline in the same run; its ratio is baseline / project, so a ratio
 * above 1 says the project is that many times faster, and every goal is a
 * ratio to reach or pass.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_error.h"
#include "es_time.h"
#include "event_store.h"

/* What one run measures: `bench small`, `bench full` or `bench EVENTS`. */
struct bench_plan {
	bool small;		/* the quick run: small sizes, no goals */
	const char *catalog;	/* the catalog program */
	const char *only;	/* --only: the one part to time; NULL: all */
	const char *dir;	/* a fresh directory for every database */
	double min_seconds;	/* each timed loop runs at least this long */
	int rounds;		/* timed loops per time: the best counts */
	int turns;		/* the same, for bench_in_turns() */
	long products;		/* the products of the generated logs */
	long commands;		/* commands for catalog apply */
	long batch_commands;	/* commands for catalog apply --batch */
	long rebuild_sizes[8];	/* log sizes for rebuild, growing */
	int rebuild_count;	/* how many of them */
	long history_sizes[4];	/* history lengths, growing; the last is */
	int history_count;	/* also the one time travel looks at */
	long goal_rebuild_size; /* the rebuild row that has a goal */
	long goal_history_size; /* the load row that has a goal */
	double apply_seconds;	/* plain apply per command (for batch) */
	double floor_seconds;	/* its floor per INSERT (for batch) */
	int failed;		/* rows that could not be measured */
};

/* One row of the table and the CSV. */
struct bench_row {
	const char *operation;
	long size;
	double project;	 /* seconds, per operation */
	double baseline; /* seconds, per operation */
	double goal;	 /* the ratio to reach; 0: no goal */
};

/*
 * Print `row` in the table and write it to the CSV. The goal is dropped in
 * a small run, whose sizes are too small for one.
 */
void bench_report(struct bench_plan *plan, const struct bench_row *row);

/*
 * Print `operation` at `size` as not measured, with `why` (a printf
 * format), in the table and the CSV; the run will exit 1.
 */
void bench_not_measured(struct bench_plan *plan, const char *operation,
			long size, const char *why, ...);

/* Seconds on the monotonic clock, or of this process's CPU time. */
double bench_now(void);
double bench_cpu(void);

/*
 * One timed operation: run number `i` (from 0) of it. Returns ES_OK or an
 * error, which stops the timing.
 */
typedef int (*bench_fn)(void *ctx, long i, struct es_error *err);

/*
 * Time `fn` in plan->rounds rounds: each runs it again and again until it
 * has taken plan->min_seconds in all, and at least `min_runs` times, by
 * the CPU clock when `cpu` is true, by the wall clock otherwise. Sets
 * `*per_run` to the mean time of one run in the fastest round: other
 * programs on the machine only ever make a round slower. Returns ES_OK
 * or fn's error.
 */
int bench_repeat(double *per_run, const struct bench_plan *plan, bench_fn fn,
		 void *ctx, long min_runs, bool cpu, struct es_error *err);

/* An operation that bench_in_turns() times, and its time. */
struct bench_timed {
	bench_fn fn;
	void *ctx;
	long min_runs; /* runs a round makes at least */
	double per_run; /* set: the mean time of a run in the fastest round */
};

/*
 * Time `a` and `b` in turns, by the wall clock: each of plan->turns
 * rounds times `a`, then `b`, as bench_repeat() times a round. A disk
 * flushes faster at some moments than at others; in turns, both meet
 * the same moments, and their ratio does not depend on which ran when.
 * Returns ES_OK or the first error, which stops the timing.
 */
int bench_in_turns(struct bench_timed *a, struct bench_timed *b,
		   const struct bench_plan *plan, struct es_error *err);

/*
 * A catalog run, for bench_repeat() with bench_catalog() as its bench_fn.
 * Standard input is empty; standard output and error go to files in the
 * plan's directory.
 */
struct bench_catalog_run {
	const struct bench_plan *plan;
	const char *const *args; /* NULL-terminated, without the program */
	long answers;		 /* {"ok":true} lines expected; 0: any */
	const char *fresh;	 /* a database removed before each run */
};

/*
 * bench_fn: run catalog as `ctx`, a struct bench_catalog_run, says, and
 * check it: exit status 0 and, when `answers` > 0, that many lines on
 * standard output, each {"ok":true}. Returns ES_OK, or ES_EDB with the
 * reason (the first line of catalog's standard error, when it wrote one).
 */
int bench_catalog(void *ctx, long i, struct es_error *err);

/* Remove the SQLite database at `path`, and its -wal and -shm files. */
void bench_remove_db(const char *path);

/* `name` in the plan's directory, into `out`. */
void bench_path(char *out, size_t size, const struct bench_plan *plan,
		const char *name);

/*
 * Append event `i` of the generated logs for a product among the first
 * `products`: the first `products` events create them, then stock
 * updates, price changes and views take turns. Event i occurred i seconds
 * after 2026-01-01. Call it inside a transaction.
 */
int bench_append_mixed(struct es_store *store, long i, long products,
		       struct es_error *err);

/* The timestamp of event `i` of a generated log, as the log writes it. */
void bench_time_of(char out[ES_TIMESTAMP_SIZE], long i);

/* The rows of each part. Each returns ES_OK, or an error that ends the
 * run (a catalog that fails only makes its row "n/a"). */
int bench_apply(struct bench_plan *plan, struct es_error *err);
int bench_rebuild(struct bench_plan *plan, struct es_error *err);
int bench_history(struct bench_plan *plan, struct es_error *err);

#endif /* BENCH_H */
