/*
 * test_catalog.h - what the parts of the `catalog` program's suite share.
 *
 * The suite is one binary, build/tests/test_catalog, linked from
 * several files, each one concern of the program and its own CU_TestInfo
 * table; test_catalog.c puts the tables together into es_suites[] and
 * holds what they share: the files catalog works on, running catalog on
 * them, and a small fixed scenario. The harness runs the program
 * (program.h), owns the memory (scratch.h) and reads the databases
 * (sqlfile.h).
 *
 * The program is named by the environment variable ES_CATALOG (`make
 * test` sets it to build/bin/catalog). Each run is a child process:
 * standard input from a file, standard output and error into files in
 * the test's directory. The tests check the exit status, both outputs,
 * and what the databases hold afterwards, read with SQLite directly and
 * never through the library under test.
 *
 * Test code keeps its state in file-scope variables, which teardown
 * frees: a failed assertion jumps out of the test, and teardown still
 * runs.
 */
#ifndef TEST_CATALOG_H
#define TEST_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "program.h"
#include "scratch.h"
#include "sqlfile.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The tests of each part, and the setup and teardown they all use. */
extern CU_TestInfo catalog_cli_tests[];		/* test_catalog_cli.c */
extern CU_TestInfo catalog_apply_tests[];	/* test_catalog_apply.c */
extern CU_TestInfo catalog_model_tests[];	/* test_catalog_model.c */
extern CU_TestInfo catalog_query_tests[];	/* test_catalog_query.c */
extern CU_TestInfo catalog_files_tests[];	/* test_catalog_files.c */
extern CU_TestInfo catalog_repair_tests[];	/* test_catalog_repair.c */
extern CU_TestInfo catalog_faults_tests[];	/* test_catalog_faults.c */
extern CU_TestInfo catalog_crash_tests[];	/* test_catalog_crash.c */
extern CU_TestInfo catalog_corrections_tests[]; /* test_catalog_corrections.c */
extern CU_TestInfo catalog_idempotency_tests[]; /* test_catalog_idempotency.c */
extern CU_TestInfo catalog_notify_tests[];	/* test_catalog_notify.c */
extern CU_TestInfo catalog_batch_tests[];	/* test_catalog_batch.c */
extern CU_TestInfo catalog_rebuild_tests[];	/* test_catalog_rebuild.c */
extern CU_TestInfo catalog_follow_tests[];	/* test_catalog_follow.c */
extern CU_TestInfo catalog_copy_tests[];	/* test_catalog_copy.c */
extern CU_TestInfo catalog_pg_tests[];		/* test_catalog_pg.c */
/* Skip the PostgreSQL suite, saying why, on a machine without a server. */
int catalog_pg_init(void);
void catalog_setup(void);
void catalog_teardown(void);
/* catalog_teardown(), and the files made outside the test's directory. */
void catalog_repair_teardown(void);
/* catalog_teardown(), and the end of an apply a test was feeding. */
void catalog_faults_teardown(void);
/* catalog_teardown(), and the end of a rebuild a test had stopped. */
void catalog_rebuild_teardown(void);
/* catalog_teardown(), and the end of a follow a test had started. */
void catalog_follow_teardown(void);
/* catalog_follow_teardown(), and the test's PostgreSQL schema dropped. */
void catalog_pg_teardown(void);

/* ---- the files catalog works on ----------------------------------------- */

/* use_dir("work") in each test, first. */
extern const char *work;
extern const char *events_db;
extern const char *read_db;

/*
 * The directory `name` in the test's directory, created if need be;
 * events_db and read_db are the default files in it.
 */
void use_dir(const char *name);

/* The views' rows, for es_test_rows_text(). */
extern const char detail_sql[];
extern const char list_sql[];

/* ---- running catalog ---------------------------------------------------- */

/* The path of the catalog program under test: $ES_CATALOG. */
const char *catalog_binary(void);

/* es_test_run() of ES_CATALOG: see program.h. */
void run_args(const char *in, const char *out, const char *cwd,
	      const char *const args[], int nargs);

/*
 * Run catalog on the current files with `args`, a NULL-terminated list:
 * CATALOG(in, "log", "2") runs catalog --events .. --read .. log 2.
 */
void run_catalog(const char *in, const char *const *args);

#define CATALOG(in, ...)                                                       \
	run_catalog((in), (const char *const[]){__VA_ARGS__, NULL})

/*
 * What catalog prints on the current files with `args` (NULL-terminated),
 * standard input /dev/null: it must exit 0 and say nothing on standard
 * error. OUTPUT("log") is what `catalog log` prints.
 */
const char *catalog_output(const char *const *args);

#define OUTPUT(...) catalog_output((const char *const[]){__VA_ARGS__, NULL})

/*
 * `text`, the output of `log`, less the lines of rows in quarantine
 * (`"quarantined":true`): the events alone, as follow prints them and as
 * a copy holds them. Lives as long as the test.
 */
const char *events_only(const char *text);

/*
 * Start catalog on the current files with `args` (NULL-terminated, as
 * for CATALOG) and return its pid, or -1, without waiting: processes
 * that must run at the same time. Standard input comes from the file
 * `in`, or, when `in` is NULL, from a pipe whose write end is put in
 * `*feed`, for the test to write lines when it likes and close; standard
 * output and error go into the files `out` and `err` (NULL: this
 * process's own). posix_spawn() and not fork(): a forked copy of this
 * suite would exit under valgrind holding the suite's memory.
 */
pid_t catalog_start(int *feed, const char *in, const char *out, const char *err,
		    const char *const *args);

/*
 * An apply fed line by line (test_catalog_faults.c), one a test, in a
 * suite whose teardown is catalog_faults_teardown(), which ends it. Start
 * catalog on the current files with `args` (NULL-terminated, as for
 * CATALOG), standard input a pipe; its outputs go into files of the
 * test's directory.
 */
void fed_start_args(const char *const *args);
/* Write `lines` down the pipe. */
void fed_send(const char *lines);
/* How many lines it has answered so far. */
size_t fed_answers(void);
/* Wait until it has answered `n` lines in all; fail after a minute, long
 * enough for valgrind and a loaded machine. */
void fed_wait_answers(size_t n);
/*
 * Close the pipe (the end of the input), wait for catalog to exit, and
 * put what it left in es_test_last, for program.h's checks.
 */
void fed_finish(void);

/*
 * Run catalog on the current files with `args` (NULL-terminated, as for
 * CATALOG), standard input from the file `in` (NULL: /dev/null), and
 * standard output a pipe whose read end is closed already, with SIGPIPE
 * at its default action and not blocked, whatever this process does
 * with it: the first line catalog writes kills it. Standard error goes
 * into the file `err` (NULL: this process's own). Returns its wait
 * status (waitpid()).
 */
int catalog_into_a_closed_pipe(const char *in, const char *err,
			       const char *const *args);

/*
 * The line `catalog log` prints for a row whose data reads as `data`, and
 * whose metadata (step 16) is `meta`: {"command_id":..,"actor":..,
 * "correlation_id":..} as JSON, or null for an event without (a command
 * without an envelope, or a log the seed's Python wrote).
 */
const char *log_line_meta(const struct es_test_event_row *r, const char *data,
			  const char *meta);
/* log_line_meta() with "meta":null: no envelope. */
const char *log_line(const struct es_test_event_row *r, const char *data);

/* ---- a small fixed scenario --------------------------------------------- */

/* Its 8 answers, as catalog apply prints them: two refusals. */
extern const char scenario_answers[];

/* The scenario's commands, in a file in the test's directory. */
const char *scenario_file(void);

/* Apply the scenario to the current files; return its 6 events. */
struct es_test_event_row *apply_scenario(void);

/*
 * Apply `lines` (written into a file of the test's directory) to the
 * current files: exit status 0, nothing on standard error, and `answers`
 * on standard output.
 */
void apply_lines(const char *lines, const char *answers);

/* ---- a log with everything a copy keeps (test_catalog_copy.c) ---------- */

/*
 * Make the SQLite log `name` (its read model `name`-read.db) in the
 * working directory the current files; returns its path.
 */
const char *use_log(const char *name);

/*
 * Apply to the current files, a SQLite log, a history with command ids,
 * actors and correlation ids, a correction, and refusals stored as
 * answers (events 1 to 6); then a row that does not decode, put in
 * quarantine (7), and a view with a command id (8): 7 events, 6 stored
 * answers.
 */
void write_history(void);

/* Lines of that history sent again, and the answers they got. */
extern const char history_retries[];
extern const char history_retry_answers[];

/*
 * What the current log gives, as one text: `log`, `state 1`, and the
 * views that a rebuild makes of it in the fresh read model `fresh` (not
 * there yet), which becomes the current read model.
 */
const char *log_state_and_views(const char *fresh);

/* ---- a follow beside the test (test_catalog_follow.c) ------------------- */

/*
 * Start catalog on the current files with `args` (NULL-terminated, as
 * for CATALOG), standard input /dev/null, its outputs into the files
 * `out` and `err`, in a suite whose teardown is catalog_follow_teardown(),
 * which ends it.
 */
void follow_start(const char *out, const char *err, const char *const *args);
/* Wait until the file `path` holds `n` lines; fail after a minute. */
void wait_lines(const char *path, size_t n);
/*
 * Send `sig` to the follow; it must exit with status 0 and nothing in
 * the file `err`.
 */
void stop_follow(int sig, const char *err);

/* How many lines the file `path` holds (0 when it is missing). */
size_t count_lines(const char *path);

/* ---- answers checked against the model (test_catalog_model.c) ----------- */

enum expect_kind {
	EXPECT_LINE,	/* exactly this result line */
	EXPECT_PREFIX,	/* {"ok":false,...} with an error starting so */
	EXPECT_CONTAINS /* {"ok":false,...} with an error containing it */
};

struct expect {
	enum expect_kind kind;
	const char *text;
};

/* Answer `no` to `input` is `line`; does it say what `ex` expects? */
void check_answer(size_t no, const char *input, const char *line,
		  const struct expect *ex);

#endif /* TEST_CATALOG_H */
