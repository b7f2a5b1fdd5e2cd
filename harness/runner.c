/*
 * runner.c - main() of every suite.
 *
 * It registers the suite file's es_suites[] with CUnit and runs each test
 * in a child process of its own, so a test that crashes or hangs (easy to
 * do in C while a step is half written) is reported as such and the other
 * tests still run. For each test it prints a mark and the test's sentence;
 * for a failure, what was expected and what was seen, the file and line
 * (and the test's own line, "called from", when the check is in a
 * helper), and where to read more; after a crash or a timeout, the
 * command that shows where, ready to paste. The last line is always
 * "N passed, N failed"; the tests of a suite skipped on this machine
 * (skipped()) are in neither count.
 *
 * Environment:
 *   NO_COLOR       no colour even on a terminal (https://no-color.org)
 *   ES_TEST_ONLY   run only the tests whose name contains this text
 *   ES_TEST_TIMEOUT seconds a test may take before it is stopped (20)
 *   ES_TEST_WARM_UP set (make test's valgrind phase, make memcheck): run
 *                  SQLite and cJSON once in this process first (warm_up)
 *
 * The exit status is 0 when every test passed, 1 otherwise.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "harness.h"
#include "harness_internal.h"

struct style {
	const char *ok, *fail, *dim, *bold, *off;
};

static struct style style_for_stdout(void)
{
	static const struct style plain = {"", "", "", "", ""};
	static const struct style color = {"\033[32m", "\033[31m", "\033[2m",
					   "\033[1m", "\033[0m"};
	const char *no_color = getenv("NO_COLOR");

	if ((no_color != NULL && no_color[0] != '\0') || !isatty(STDOUT_FILENO))
		return plain;
	return color;
}

/* In the child: print the details of a failed test. */
static struct style out_style;
/* In the child: a failure came from an earlier step's stub. */
static int blocked_by_earlier_step;

static int guide_step(void);

/*
 * A stub's error reads "step 2: es_store_append is not implemented yet".
 * When the step named is not this suite's, the test failed because an
 * earlier step is unfinished, which deserves its own advice.
 */
static int names_earlier_stub(const char *msg)
{
	const char *at = msg ? strstr(msg, "step ") : NULL;

	if (at == NULL || strstr(at, "is not implemented yet") == NULL)
		return 0;
	return atoi(at + 5) != guide_step();
}

/*
 * Print `text`, a failure's message, each line indented by `indent`
 * spaces (the message's own indentation kept), a line longer than
 * LINE_MAX_COLS cut at a space and continued under itself.
 */
#define LINE_MAX_COLS 190

static void print_message(const char *text, int indent)
{
	while (*text != '\0') {
		size_t len = strcspn(text, "\n");
		size_t cols = 0, cut = 0, i;

		/* Columns: a UTF-8 character's continuation bytes take none. */
		for (i = 0; i < len && cols < LINE_MAX_COLS - (size_t)indent;
		     i++) {
			if (((unsigned char)text[i] & 0xc0) != 0x80)
				cols++;
			if (text[i] == ' ' && cols > 60)
				cut = i;
		}
		if (i == len || cut == 0)
			cut = i;
		while (cut > 0 && cut < len &&
		       ((unsigned char)text[cut] & 0xc0) == 0x80)
			cut--; /* not inside a character */
		printf("%*s%.*s\n", indent, "", (int)cut, text);
		text += cut;
		if (cut < len) {
			text += *text == ' ';
			indent = 10; /* under the message */
		} else {
			text += *text == '\n';
			indent = 0; /* the message indents its own lines */
		}
	}
}

/* "called from FILE:LINE" for each helper call of a failure, innermost first. */
static void print_callers(size_t failure, const char *file, unsigned line)
{
	const struct es_test_site *sites;
	size_t n = es_harness_called_from(&sites, failure);

	while (n-- > 0) {
		if (sites[n].line == (int)line &&
		    strcmp(sites[n].file, file) == 0)
			continue; /* the failure's own line, said already */
		printf("      %scalled from %s:%d%s\n", out_style.dim,
		       sites[n].file, sites[n].line, out_style.off);
	}
}

static void on_test_complete(const CU_pTest test, const CU_pSuite suite,
			     const CU_pFailureRecord failures)
{
	CU_pFailureRecord f;
	const char *kept;
	size_t i = 0;

	(void)suite;
	if (failures == NULL) {
		/* The parent prints the mark once the process has exited
		 * cleanly: a leak checker may still object at exit. */
		es_harness_end_test(0);
		return;
	}
	printf("  %s✗ %s%s\n", out_style.fail, test->pName, out_style.off);
	for (f = failures; f != NULL; f = f->pNext, i++) {
		const char *file = f->strFileName ? f->strFileName : "?";

		if (names_earlier_stub(f->strCondition))
			blocked_by_earlier_step = 1;
		print_message(f->strCondition ? f->strCondition : "", 6);
		printf("      %sat %s:%u%s\n", out_style.dim, file,
		       f->uiLineNumber, out_style.off);
		print_callers(i, file, f->uiLineNumber);
	}
	kept = es_harness_end_test(1);
	if (kept != NULL)
		printf("      %sits files are kept in %s%s\n", out_style.dim,
		       kept, out_style.off);
}

/* Run one test in this (child) process; exit 0 if it passed, 1 if not. */
static void run_in_child(CU_pSuite suite, CU_pTest test, unsigned timeout)
{
	unsigned failed;

	alarm(timeout);
	CU_set_test_complete_handler(on_test_complete);
	CU_run_test(suite, test);
	failed = CU_get_run_summary()->nTestsFailed;
	fflush(stdout);
	CU_cleanup_registry();
	exit(failed == 0 ? 0 : blocked_by_earlier_step ? 2 : 1);
}

/* This program's path as run (argv[0]), for the commands suggested. */
static const char *program_path = "run-tests";

/*
 * Append `value` to `out` quoted for the shell, so that the command can
 * be pasted as printed: as it is when it holds only safe characters,
 * else in single quotes ('\'' for a quote inside them).
 */
static void append_quoted(char *out, size_t size, const char *value)
{
	size_t len = strlen(out);

	if (value[0] != '\0' &&
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_./-=") == strlen(value)) {
		snprintf(out + len, size - len, "%s", value);
		return;
	}
	snprintf(out + len, size - len, "'");
	for (; *value != '\0'; value++) {
		len = strlen(out);
		if (*value == '\'')
			snprintf(out + len, size - len, "'\\''");
		else
			snprintf(out + len, size - len, "%c", *value);
	}
	len = strlen(out);
	snprintf(out + len, size - len, "'");
}

/*
 * The make variables that built this suite, read from its path,
 * "BUILD/check/IMPL-on-PRIOR/NN-slug/run-tests" (the Makefile's
 * suite_bin): " IMPL=x PRIOR=y BUILD=z", each only when it is not the
 * default, into `out`. Returns 0 when the path is not of that form.
 */
static int make_variables(char *out, size_t size)
{
	char path[1024], *dir, *impl, *on;

	snprintf(path, sizeof(path), "%s", program_path);
	dir = strrchr(path, '/');
	if (dir == NULL || strcmp(dir, "/run-tests") != 0)
		return 0;
	*dir = '\0'; /* cut "/run-tests", then "/NN-slug" */
	dir = strrchr(path, '/');
	if (dir == NULL)
		return 0;
	*dir = '\0';
	impl = strncmp(path, "check/", 6) == 0 ? path : strstr(path, "/check/");
	if (impl == NULL)
		return 0;
	if (impl != path)
		*impl++ = '\0';
	impl += strlen("check/");
	on = strstr(impl, "-on-");
	while (on != NULL && strstr(on + 1, "-on-") != NULL)
		on = strstr(on + 1, "-on-"); /* the last: IMPL may hold one */
	if (on == NULL)
		return 0;
	*on = '\0';
	out[0] = '\0';
	if (strcmp(impl, "exercises") != 0) {
		snprintf(out + strlen(out), size - strlen(out), " IMPL=");
		append_quoted(out, size, impl);
	}
	if (strcmp(on + 4, impl) != 0) {
		snprintf(out + strlen(out), size - strlen(out), " PRIOR=");
		append_quoted(out, size, on + 4);
	}
	if (impl != path + strlen("check/") && strcmp(path, "build") != 0) {
		snprintf(out + strlen(out), size - strlen(out), " BUILD=");
		append_quoted(out, size, path);
	}
	return 1;
}

/* Whether this process runs under valgrind (which preloads its code). */
static int under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload != NULL && strstr(preload, "vgpreload") != NULL;
}

/* Whether `program` is a file that can be run in one of $PATH's folders. */
static int on_path(const char *program)
{
	const char *dirs = getenv("PATH");
	char path[1024];

	while (dirs != NULL && *dirs != '\0') {
		size_t len = strcspn(dirs, ":");

		snprintf(path, sizeof(path), "%.*s/%s", (int)len, dirs,
			 program);
		if (len > 0 && access(path, X_OK) == 0)
			return 1;
		dirs += len + (dirs[len] == ':');
	}
	return 0;
}

/*
 * After a crash: the command that runs this one test under valgrind,
 * which shows where the bad pointer was made and used.
 */
static void suggest_memcheck(const CU_pTest test)
{
	char cmd[1024], vars[512];
	int step = guide_step();

	if (under_valgrind()) {
		printf("      valgrind's report above shows where\n");
		return;
	}
	if (step >= 0 && make_variables(vars, sizeof(vars))) {
		snprintf(cmd, sizeof(cmd),
			 "make memcheck STEP=%d%s TEST=", step, vars);
	} else {
		snprintf(cmd, sizeof(cmd), "ES_TEST_ONLY=");
		append_quoted(cmd, sizeof(cmd), test->pName);
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
			 " valgrind -q --leak-check=full ");
		append_quoted(cmd, sizeof(cmd), program_path);
		printf("      to see where, run it under valgrind:\n"
		       "      %s\n",
		       cmd);
		return;
	}
	append_quoted(cmd, sizeof(cmd), test->pName);
	printf("      to see where, run it under valgrind:\n      %s\n", cmd);
}

/*
 * After a timeout: valgrind cannot tell where a loop spins, a debugger
 * can. The command runs this one test under gdb, stops it when the
 * runner's alarm would end it, and prints the stack there.
 */
static void suggest_debugger(const CU_pTest test, unsigned timeout)
{
	char cmd[1024];

	if (!on_path("gdb")) {
		printf("      gdb shows where it loops (sudo apt-get install "
		       "gdb, then run this test again)\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "ES_TEST_ONLY=");
	append_quoted(cmd, sizeof(cmd), test->pName);
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
		 " gdb -q -batch -ex 'set follow-fork-mode child' \\\n"
		 "        -ex 'handle SIGALRM stop' -ex run -ex bt ");
	append_quoted(cmd, sizeof(cmd), program_path);
	printf("      to see where it loops, stop it after %u s under gdb "
	       "and print its stack:\n      %s\n",
	       timeout, cmd);
}

/* How a child that did not exit normally ended, in words. */
static void explain_abnormal_end(const CU_pTest test, int status,
				 unsigned timeout)
{
	int sig = WTERMSIG(status);

	if (sig == SIGALRM) {
		printf("      stopped after %u s: an endless loop? (a loop over"
		       " sqlite3_step() that never reaches SQLITE_DONE, say)\n",
		       timeout);
		suggest_debugger(test, timeout);
		return;
	}
	if (sig == SIGKILL) {
		/* Nothing in the test sends it: a debugger or the system. */
		printf("      killed from outside (by a debugger, or by the "
		       "system when memory ran out)\n");
		return;
	}
	if (sig == SIGSEGV)
		printf("      crashed: segmentation fault (a NULL or freed "
		       "pointer?)\n");
	else if (sig == SIGABRT)
		printf("      aborted: a failed assert() or a double free\n");
	else
		printf("      crashed: %s\n", strsignal(sig));
	suggest_memcheck(test);
}

enum outcome { PASSED, FAILED, BLOCKED };

/* Fork, run the test in the child, and report how it ended. */
static enum outcome run_isolated(CU_pSuite suite, CU_pTest test,
				 unsigned timeout, const struct style *st)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return FAILED;
	}
	if (pid == 0)
		run_in_child(suite, test, timeout);
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return FAILED;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == PASSED) {
		printf("  %s✓%s %s\n", st->ok, st->off, test->pName);
		return PASSED;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) <= BLOCKED)
		return (enum outcome)WEXITSTATUS(status);
	if (WIFEXITED(status)) {
		/* valgrind's --error-exitcode, or exit() in code under test */
		printf("  %s✗ %s%s\n      the test's process exited with "
		       "status %d: a leak or memory error, reported above\n",
		       st->fail, test->pName, st->off, WEXITSTATUS(status));
		return FAILED;
	}
	printf("  %s✗ %s%s\n", st->fail, test->pName, st->off);
	explain_abnormal_end(test, status, timeout);
	return FAILED;
}

/* The step number in the guide's name: 2 for "docs/02-event-store.md". */
static int guide_step(void)
{
	const char *base = strrchr(es_suite_guide, '/');

	base = base ? base + 1 : es_suite_guide;
	if (base[0] < '0' || base[0] > '9' || base[1] < '0' || base[1] > '9')
		return -1;
	return (base[0] - '0') * 10 + (base[1] - '0');
}

static int selected(const CU_pTest test)
{
	const char *only = getenv("ES_TEST_ONLY");

	return only == NULL || strstr(test->pName, only) != NULL;
}

/*
 * Whether `suite` is skipped here. A suite whose table gives it an init
 * function (CU_SuiteInfo's second member) may need what a machine does
 * not have: the catalog suite's tests on PostgreSQL need a server
 * (tests/test_catalog_pg.c). The runner calls the function first, in
 * this process: when it returns non-zero, it has printed why, on one
 * line ("  skipped: ..."), and the suite's tests are not run, and count
 * neither as passed nor as failed. CUnit calls it again in each test's
 * own process, where it returns 0, as it did here. Asked only when one
 * of the suite's tests is selected, so ES_TEST_ONLY keeps the output to
 * what it selects.
 */
static int skipped(const CU_pSuite suite)
{
	CU_pTest test;

	if (suite->pInitializeFunc == NULL)
		return 0;
	for (test = suite->pTest; test != NULL; test = test->pNext) {
		if (selected(test))
			return suite->pInitializeFunc() != 0;
	}
	return 0;
}

/* The closing advice after a run with failures. */
static void print_next_steps(unsigned failed, unsigned blocked,
			     const struct style *st)
{
	int step = guide_step();
	/*
	 * A step whose code goes into earlier steps' files (make check sets
	 * ES_STEP_OWN_FILES to 0) cannot be built on the reference's earlier
	 * steps: they hold its code already, and every test would pass.
	 */
	const char *own = getenv("ES_STEP_OWN_FILES");
	int in_earlier_files = own != NULL && strcmp(own, "0") == 0;

	if (blocked > 0 && step > 0 && in_earlier_files)
		printf("\n%s%u of the failures come from an earlier step that "
		       "is not written yet.%s\nFinish that step first: step "
		       "%d's code goes into the earlier steps' files.\n",
		       st->bold, blocked, st->off, step);
	else if (blocked > 0 && step > 0)
		printf("\n%s%u of the failures come from an earlier step that "
		       "is"
		       " not written yet.%s\nFinish that step first, or build "
		       "this one on the reference: make check STEP=%d "
		       "PRIOR=solutions\n",
		       st->bold, blocked, st->off, step);
	if (blocked > 0 && step > 0 && blocked == failed)
		return; /* this step's own tests could not even start */
	if (step >= 0)
		printf("\n%sNext: read %s (section \"What the tests check\"),"
		       " or ask for a nudge with make hint STEP=%d%s\n",
		       st->bold, es_suite_guide, step, st->off);
	else
		printf("\n%sNext: read %s%s\n", st->bold, es_suite_guide,
		       st->off);
}

/*
 * Under valgrind, each test's child process translates to valgrind's own
 * code every function it runs that its parent never ran; for SQLite that
 * is most of a second per test, and it was most of make test's valgrind
 * phase. A child inherits its parent's translations, so the parent first
 * runs what nearly every test runs: SQLite on a file in WAL mode (schema,
 * triggers, JSON functions, a transaction, inserts, an indexed select)
 * and cJSON. Nothing of it is kept; no test sees it.
 */
static void warm_up(void)
{
	static const char sql[] =
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		"CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT,"
		" k INTEGER NOT NULL, v TEXT NOT NULL);"
		"CREATE INDEX t_k ON t(k, id);"
		"CREATE TRIGGER t_json BEFORE INSERT ON t WHEN CASE WHEN"
		" json_valid(NEW.v) THEN json_type(NEW.v) <> 'object' ELSE 1"
		" END BEGIN SELECT RAISE(ABORT, 'no'); END;"
		"BEGIN IMMEDIATE;"
		"INSERT INTO t (k, v) VALUES (1, '{\"a\": 1.5, \"b\": \"x\"}');"
		"INSERT INTO t (k, v) SELECT k + 1, v FROM t;"
		"COMMIT;"
		"SELECT id, k, v, json_extract(v, '$.a') FROM t WHERE k = 1"
		" ORDER BY id;";
	static const char *const files[] = {"w.db", "w.db-wal", "w.db-shm"};
	char dir[] = "/tmp/es-warm-up-XXXXXX";
	char path[64];
	char *text = NULL;
	cJSON *json;
	sqlite3 *db = NULL;

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, files[0]);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_stmt *stmt = NULL;

		sqlite3_busy_timeout(db, 1000);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (sqlite3_prepare_v2(db, "SELECT v FROM t WHERE k = ?", -1,
				       &stmt, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(stmt, 1, 1);
			while (sqlite3_step(stmt) == SQLITE_ROW)
				(void)sqlite3_column_text(stmt, 0);
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	json = cJSON_Parse("{\"a\": [1, 2.5, \"x\", null, true]}");
	if (json != NULL)
		text = cJSON_PrintUnformatted(json);
	cJSON_free(text);
	cJSON_Delete(json);
}

int main(int argc, char **argv)
{
	const char *timeout_env = getenv("ES_TEST_TIMEOUT");
	unsigned timeout = timeout_env ? (unsigned)atoi(timeout_env) : 20;
	unsigned passed = 0, failed = 0, blocked = 0;
	CU_pSuite suite;
	CU_pTest test;

	out_style = style_for_stdout();
	if (getenv("ES_TEST_WARM_UP") != NULL)
		warm_up();
	if (argc > 0 && argv[0] != NULL)
		program_path = argv[0];
	if (CU_initialize_registry() != CUE_SUCCESS ||
	    CU_register_suites(es_suites) != CUE_SUCCESS) {
		fprintf(stderr, "cannot set up CUnit: %s\n",
			CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	for (suite = CU_get_registry()->pSuite; suite; suite = suite->pNext) {
		printf("%s%s%s\n", out_style.bold, suite->pName, out_style.off);
		if (skipped(suite))
			continue;
		for (test = suite->pTest; test != NULL; test = test->pNext) {
			if (!selected(test))
				continue;
			switch (run_isolated(suite, test, timeout,
					     &out_style)) {
			case PASSED:
				passed++;
				break;
			case BLOCKED:
				blocked++;
				failed++;
				break;
			case FAILED:
				failed++;
				break;
			}
		}
	}
	CU_cleanup_registry();
	if (failed > 0)
		print_next_steps(failed, blocked, &out_style);
	printf("%u passed, %u failed\n", passed, failed);
	return failed > 0;
}
