/*
 * bench.c - `make bench`: how fast the reference is, each number beside a
 * baseline measured in the same run.
 *
 * Timings live here, never in a pass/fail test: they depend on the
 * machine. The bench prints one table, a row per measurement:
 *
 *   operation  size  project  baseline  ratio  goal  met
 *
 * where project is the time of the project's code for one operation,
 * baseline the time of a simpler program doing the least the same job
 * needs, and ratio = baseline / project (above 1: the project is that many
 * times faster). A goal is a ratio the design promises to reach; `met`
 * says whether this run did. The legend under the table says what each
 * row compares. The same rows go to a CSV file (--csv), which
 * tests/bench.gp draws.
 *
 * A time is the mean of one run in a loop of at least 50 ms (5 ms in a
 * small run), and the best of three such loops (one in a small run):
 * other programs on the machine only ever make a loop slower. A row that
 * waits for the disk (apply, against its floor) times its two sides in
 * turns, seven rounds of each, and keeps each side's best: a disk's
 * flush is faster at some moments than at others, and both sides then
 * meet the same moments (bench_in_turns()).
 *
 * Usage: bench [--catalog PATH] [--csv FILE] [--only PART]
 *              [small | full | EVENTS]
 *
 *   --only PART  time one part only: apply, rebuild or history
 *
 *   full     (the default) the sizes of the design's goals: rebuild at
 *            10k, 100k, 200k and 1M events, histories of 100, 10k and
 *            100k events; 2 to 3 minutes on 2 cores
 *   small    a quick run with small sizes and no goals (make test runs it)
 *   EVENTS   as full, but the largest log for rebuild has EVENTS events
 *
 * The databases go to a fresh directory under $TMPDIR (or /tmp), removed
 * afterwards. Exit status: 0; 1 when a row could not be measured (a
 * catalog command failed: its row says "n/a" and why, and the others are
 * still measured) or the library failed; 2 for a usage error.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "es_error.h"
#include "es_time.h"
#include "events.h"
#include "process.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The rows' format: operation, size, project, baseline, ratio, goal, met. */
#define ROW_FORMAT "%-20s %8s %11s %11s %9s %7s %4s\n"

/* The CSV that bench_report() writes beside the table; NULL: none. */
static FILE *csv;

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * One round of `fn`: run it again and again until it has taken
 * plan->min_seconds in all, and at least `min_runs` times. Sets `*per_run`
 * to the mean time of a run; `*runs` counts the runs, across rounds.
 */
static int time_round(double *per_run, long *runs,
		      const struct bench_plan *plan, bench_fn fn, void *ctx,
		      long min_runs, bool cpu, struct es_error *err)
{
	double start = cpu ? bench_cpu() : bench_now();
	double took = 0;
	long first = *runs;
	int rc = ES_OK;

	while (rc == ES_OK &&
	       (*runs - first < min_runs || took < plan->min_seconds)) {
		rc = fn(ctx, *runs, err);
		(*runs)++;
		took = (cpu ? bench_cpu() : bench_now()) - start;
	}
	*per_run = took / (double)(*runs - first);
	return rc;
}

int bench_repeat(double *per_run, const struct bench_plan *plan, bench_fn fn,
		 void *ctx, long min_runs, bool cpu, struct es_error *err)
{
	long runs = 0;
	int rc = ES_OK;

	*per_run = 0;
	for (int round = 0; rc == ES_OK && round < plan->rounds; round++) {
		double took;

		rc = time_round(&took, &runs, plan, fn, ctx, min_runs, cpu,
				err);
		if (round == 0 || took < *per_run)
			*per_run = took;
	}
	return rc;
}

int bench_in_turns(struct bench_timed *a, struct bench_timed *b,
		   const struct bench_plan *plan, struct es_error *err)
{
	long runs_a = 0, runs_b = 0;
	int rc = ES_OK;

	a->per_run = 0;
	b->per_run = 0;
	for (int round = 0; rc == ES_OK && round < plan->turns; round++) {
		double took_a, took_b = 0;

		rc = time_round(&took_a, &runs_a, plan, a->fn, a->ctx,
				a->min_runs, false, err);
		if (rc == ES_OK)
			rc = time_round(&took_b, &runs_b, plan, b->fn, b->ctx,
					b->min_runs, false, err);
		if (round == 0 || took_a < a->per_run)
			a->per_run = took_a;
		if (round == 0 || took_b < b->per_run)
			b->per_run = took_b;
	}
	return rc;
}

/* `seconds` as "12.3 us", "4.567 ms" or "8.901 s". */
static void format_seconds(char *out, size_t size, double seconds)
{
	if (seconds < 1e-3)
		snprintf(out, size, "%.1f us", seconds * 1e6);
	else if (seconds < 1)
		snprintf(out, size, "%.3f ms", seconds * 1e3);
	else
		snprintf(out, size, "%.3f s", seconds);
}

/* `ratio` as "17870x", "0.62x" or "0.00058x": two digits at least. */
static void format_ratio(char *out, size_t size, double ratio)
{
	if (ratio >= 100)
		snprintf(out, size, "%.0fx", ratio);
	else if (ratio >= 0.1)
		snprintf(out, size, "%.2fx", ratio);
	else
		snprintf(out, size, "%.2gx", ratio);
}

void bench_report(struct bench_plan *plan, const struct bench_row *row)
{
	double goal = plan->small ? 0 : row->goal;
	double ratio = row->baseline / row->project;
	const char *met = goal == 0 ? "" : ratio >= goal ? "yes" : "no";
	char size[24], project[24], baseline[24], ratio_text[24];
	char goal_text[24] = "";

	snprintf(size, sizeof(size), "%ld", row->size);
	format_seconds(project, sizeof(project), row->project);
	format_seconds(baseline, sizeof(baseline), row->baseline);
	format_ratio(ratio_text, sizeof(ratio_text), ratio);
	if (goal != 0)
		snprintf(goal_text, sizeof(goal_text), ">=%gx", goal);
	printf(ROW_FORMAT, row->operation, size, project, baseline, ratio_text,
	       goal_text, met);
	fflush(stdout);
	if (csv == NULL)
		return;
	fprintf(csv, "%s,%ld,%.9g,%.9g,%.6g,", row->operation, row->size,
		row->project, row->baseline, ratio);
	if (goal != 0)
		fprintf(csv, "%g", goal);
	fprintf(csv, ",%s\n", met);
}

void bench_not_measured(struct bench_plan *plan, const char *operation,
			long size, const char *why, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, why);
	vsnprintf(reason, sizeof(reason), why, ap);
	va_end(ap);
	printf("%-20s %8ld n/a: %s\n", operation, size, reason);
	fflush(stdout);
	if (csv != NULL)
		fprintf(csv, "%s,%ld,,,,,n/a\n", operation, size);
	plan->failed++;
}

void bench_path(char *out, size_t size, const struct bench_plan *plan,
		const char *name)
{
	snprintf(out, size, "%s/%s", plan->dir, name);
}

/* The first line of the file at `path` into `out`, or "" (no newline). */
static void first_line(char *out, size_t size, const char *path)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/*
 * Check that the file at `path` holds `answers` lines, each {"ok":true}.
 * Returns true, or false with the first other line in `why`.
 */
static bool all_ok(const char *path, long answers, char *why, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[400];
	long n = 0;
	bool ok = f != NULL;

	while (ok && fgets(line, sizeof(line), f) != NULL) {
		n++;
		line[strcspn(line, "\n")] = '\0';
		ok = strcmp(line, "{\"ok\":true}") == 0;
		if (!ok)
			snprintf(why, size, "answer %ld: %s", n, line);
	}
	if (f != NULL)
		fclose(f);
	if (ok && n != answers)
		snprintf(why, size, "%ld answers for %ld commands", n, answers);
	return ok && n == answers;
}

void bench_remove_db(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	char name[700];

	for (size_t i = 0; i < COUNT(suffixes); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		unlink(name);
	}
}

int bench_catalog(void *ctx, long i, struct es_error *err)
{
	const struct bench_catalog_run *run = ctx;
	char out[600], errout[600], why[512];
	char *argv[16];
	size_t n = 0;
	int status = 0;
	int rc;

	(void)i;
	bench_path(out, sizeof(out), run->plan, "catalog.out");
	bench_path(errout, sizeof(errout), run->plan, "catalog.err");
	argv[n++] = (char *)run->plan->catalog;
	while (run->args[n - 1] != NULL && n < COUNT(argv) - 1) {
		argv[n] = (char *)run->args[n - 1];
		n++;
	}
	argv[n] = NULL;
	if (run->fresh != NULL)
		bench_remove_db(run->fresh);
	rc = es_process_run(&status, argv, NULL, out, errout, NULL, err);
	if (rc != ES_OK)
		return rc;
	if (status == ES_PROCESS_CANNOT_EXEC)
		return es_error_set(err, ES_EDB, "cannot run %s",
				    run->plan->catalog);
	if (status != 0) {
		first_line(why, sizeof(why), errout);
		return es_error_set(err, ES_EDB, "exit status %d%s%s", status,
				    why[0] != '\0' ? ": " : "", why);
	}
	if (run->answers > 0 && !all_ok(out, run->answers, why, sizeof(why)))
		return es_error_set(err, ES_EDB, "%s", why);
	return ES_OK;
}

void bench_time_of(char out[ES_TIMESTAMP_SIZE], long i)
{
	/* 2026-01-01T00:00:00Z, in microseconds since the epoch */
	const int64_t start = INT64_C(1767225600) * 1000000;

	es_time_format(out, start + (int64_t)i * 1000000);
}

int bench_append_mixed(struct es_store *store, long i, long products,
		       struct es_error *err)
{
	static const struct es_product_created fields = {
		"Bench product", 9.99, 4.5, 1, "Bench supplier", 100, NULL};
	char at[ES_TIMESTAMP_SIZE];
	int64_t id = i % products + 1;
	struct es_event ev;
	int rc;

	bench_time_of(at, i);
	if (i < products) {
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

/* What each row compares, under the table. */
static void print_legend(void)
{
	static const char *const legend[][2] = {
		{"apply", "catalog apply, per command, vs one INSERT per"},
		{"", "transaction into the log (WAL, synchronous=FULL)"},
		{"batch apply vs floor", "catalog apply --batch 1000, per"},
		{"", "command, vs 1000 INSERTs per transaction"},
		{"batch apply vs apply", "the same, vs plain catalog apply"},
		{"batch floor vs floor",
		 "1000 INSERTs per transaction vs one: the most"},
		{"", "batching can gain on this disk"},
		{"rebuild", "catalog rebuild of the whole log vs a bare loop"},
		{"", "(every event loaded, one statement per view, one"},
		{"", "transaction)"},
		{"load", "es_snapshots_load from a snapshot vs es_store_load"},
		{"", "+ es_product_replay (size: the product's events)"},
		{"command",
		 "CPU of one UpdateStock: es_optimistic_handle with"},
		{"", "snapshots vs step 5's es_handle (a full replay)"},
		{"time travel", "es_snapshots_load_at the product's first"},
		{"", "moment vs its last one"},
	};

	printf("ratio = baseline / project (above 1: the project is faster);"
	       " times are per operation:\n");
	for (size_t i = 0; i < COUNT(legend); i++)
		printf("  %-21s %s\n", legend[i][0], legend[i][1]);
}

/* The plan of a small run, or of a full one whose largest log is `events`
 * events long. */
static void plan_sizes(struct bench_plan *plan, bool small, long events)
{
	static const long full_rebuild[] = {10000, 100000, 200000, 1000000};
	static const long full_history[] = {100, 10000, 100000};

	plan->small = small;
	plan->goal_rebuild_size = 200000;
	plan->goal_history_size = 100000;
	if (small) {
		plan->min_seconds = 0.005;
		plan->rounds = 1;
		plan->turns = 1;
		plan->products = 100;
		plan->commands = 40;
		plan->batch_commands = 40;
		plan->rebuild_sizes[0] = 1000;
		plan->rebuild_sizes[1] = 2000;
		plan->rebuild_count = 2;
		plan->history_sizes[0] = 10;
		plan->history_sizes[1] = 100;
		plan->history_count = 2;
		return;
	}
	plan->min_seconds = 0.05;
	plan->rounds = 3;
	plan->turns = 7;
	plan->products = 1000;
	plan->commands = 2000;
	plan->batch_commands = 20000;
	for (size_t i = 0; i < COUNT(full_rebuild); i++) {
		if (full_rebuild[i] < events)
			plan->rebuild_sizes[plan->rebuild_count++] =
				full_rebuild[i];
	}
	plan->rebuild_sizes[plan->rebuild_count++] = events;
	for (size_t i = 0; i < COUNT(full_history); i++)
		plan->history_sizes[plan->history_count++] = full_history[i];
}

/* Read the arguments into `plan`. Returns 0, or 2 after a usage error. */
static int parse_args(struct bench_plan *plan, const char **csv_path, int argc,
		      char **argv)
{
	const char *size = "full";
	long events = 1000000;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--catalog") == 0 && i + 1 < argc)
			plan->catalog = argv[++i];
		else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			*csv_path = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			plan->only = argv[++i];
		else if (i == argc - 1 && argv[i][0] != '-')
			size = argv[i];
		else
			goto usage;
	}
	if (plan->only != NULL && strcmp(plan->only, "apply") != 0 &&
	    strcmp(plan->only, "rebuild") != 0 &&
	    strcmp(plan->only, "history") != 0)
		goto usage;
	if (strcmp(size, "small") != 0 && strcmp(size, "full") != 0) {
		events = strtol(size, &end, 10);
		if (end == size || *end != '\0' || events < 1000 ||
		    events > 100000000)
			goto usage;
	}
	plan_sizes(plan, strcmp(size, "small") == 0, events);
	return 0;
usage:
	fprintf(stderr, "usage: bench [--catalog PATH] [--csv FILE] "
			"[--only apply|rebuild|history]\n"
			"             [small | full | EVENTS (1000 to "
			"100000000)]\n");
	return 2;
}

/* Remove every file of the directory `dir` (it has no subdirectories),
 * then the directory. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	const struct dirent *entry;
	char path[600];

	while (d != NULL && (entry = readdir(d)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

/* True when the run times `part`: every part, unless --only names one. */
static bool times_part(const struct bench_plan *plan, const char *part)
{
	return plan->only == NULL || strcmp(plan->only, part) == 0;
}

static int run_all(struct bench_plan *plan, struct es_error *err)
{
	int rc = ES_OK;

	printf(ROW_FORMAT, "operation", "size", "project", "baseline", "ratio",
	       "goal", "met");
	if (times_part(plan, "apply"))
		rc = bench_apply(plan, err);
	if (rc == ES_OK && times_part(plan, "rebuild"))
		rc = bench_rebuild(plan, err);
	if (rc == ES_OK && times_part(plan, "history"))
		rc = bench_history(plan, err);
	if (rc == ES_OK)
		print_legend();
	return rc;
}

int main(int argc, char **argv)
{
	struct bench_plan plan = {0};
	const char *csv_path = NULL;
	const char *tmp = getenv("TMPDIR");
	struct es_error err = {0, ""};
	char dir[256];
	int rc;

	plan.catalog = "build/bin/catalog";
	if (parse_args(&plan, &csv_path, argc, argv) != 0)
		return 2;
	if (csv_path != NULL) {
		csv = fopen(csv_path, "w");
		if (csv == NULL) {
			perror(csv_path);
			return 1;
		}
		fprintf(csv, "operation,size,project_seconds,"
			     "baseline_seconds,ratio,goal,met\n");
	}
	snprintf(dir, sizeof(dir), "%s/es-bench-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("bench: mkdtemp");
		if (csv != NULL)
			fclose(csv);
		return 1;
	}
	plan.dir = dir;
	rc = run_all(&plan, &err);
	if (rc != ES_OK)
		fprintf(stderr, "bench: %s\n", err.msg);
	remove_dir(dir);
	if (csv != NULL && fclose(csv) != 0) {
		perror(csv_path);
		rc = ES_EDB;
	}
	return rc == ES_OK && plan.failed == 0 ? 0 : 1;
}
