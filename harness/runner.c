/*
 * runner.c - main() of every suite.
 *
 * It registers the suite file's es_suites[] with CUnit and runs each test
 * in a child process of its own, so a test that crashes or hangs (easy to
 * do in C while a step is half written) is reported as such and the other
 * tests still run. For each test it prints a mark and the test's sentence;
 * for a failure, what was expected and what was seen, the file and line,
 * and where to read more. The last line is always "N passed, N failed".
 *
 * Environment:
 *   NO_COLOR       no colour even on a terminal (https://no-color.org)
 *   ES_TEST_ONLY   run only the tests whose name contains this text
 *   ES_TEST_TIMEOUT seconds a test may take before it is stopped (20)
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

#include "harness.h"
#include "harness_internal.h"

struct style {
	const char *ok, *fail, *dim, *bold, *off;
};

static struct style style_for_stdout(void)
{
	static const struct style plain = { "", "", "", "", "" };
	static const struct style color = { "\033[32m", "\033[31m", "\033[2m",
					    "\033[1m", "\033[0m" };
	const char *no_color = getenv("NO_COLOR");

	if ((no_color != NULL && no_color[0] != '\0') || !isatty(STDOUT_FILENO))
		return plain;
	return color;
}

/* In the child: print the details of a failed test. */
static struct style out_style;

static void on_test_complete(const CU_pTest test, const CU_pSuite suite,
			     const CU_pFailureRecord failures)
{
	CU_pFailureRecord f;
	const char *kept;

	(void)suite;
	if (failures == NULL) {
		printf("  %s✓%s %s\n", out_style.ok, out_style.off, test->pName);
		es_harness_end_test(0);
		return;
	}
	printf("  %s✗ %s%s\n", out_style.fail, test->pName, out_style.off);
	for (f = failures; f != NULL; f = f->pNext)
		printf("      %s\n      %sat %s:%u%s\n",
		       f->strCondition ? f->strCondition : "", out_style.dim,
		       f->strFileName ? f->strFileName : "?", f->uiLineNumber,
		       out_style.off);
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
	exit(failed ? 1 : 0);
}

/* How a child that did not exit normally ended, in words. */
static void explain_abnormal_end(int status, unsigned timeout)
{
	int sig = WTERMSIG(status);

	if (sig == SIGALRM)
		printf("      stopped after %u s: an endless loop? (a loop over"
		       " sqlite3_step() that never reaches SQLITE_DONE, say)\n",
		       timeout);
	else if (sig == SIGSEGV)
		printf("      crashed: segmentation fault (a NULL or freed "
		       "pointer?)\n");
	else if (sig == SIGABRT)
		printf("      aborted: a failed assert() or a double free\n");
	else
		printf("      crashed: %s\n", strsignal(sig));
	printf("      make memcheck STEP=... shows where under valgrind\n");
}

/* Fork, run the test in the child, and report how it ended. */
static int run_isolated(CU_pSuite suite, CU_pTest test, unsigned timeout,
			const struct style *st)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 0;
	}
	if (pid == 0)
		run_in_child(suite, test, timeout);
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		return 0;
	if (WIFEXITED(status)) {
		/* valgrind's --error-exitcode, or exit() in code under test */
		printf("  %s✗ %s%s\n      the test's process exited with "
		       "status %d (memory errors under valgrind?)\n",
		       st->fail, test->pName, st->off, WEXITSTATUS(status));
		return 0;
	}
	printf("  %s✗ %s%s\n", st->fail, test->pName, st->off);
	explain_abnormal_end(status, timeout);
	return 0;
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

int main(void)
{
	const char *timeout_env = getenv("ES_TEST_TIMEOUT");
	unsigned timeout = timeout_env ? (unsigned)atoi(timeout_env) : 20;
	unsigned passed = 0, failed = 0;
	CU_pSuite suite;
	CU_pTest test;

	out_style = style_for_stdout();
	if (CU_initialize_registry() != CUE_SUCCESS ||
	    CU_register_suites(es_suites) != CUE_SUCCESS) {
		fprintf(stderr, "cannot set up CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	for (suite = CU_get_registry()->pSuite; suite; suite = suite->pNext) {
		printf("%s%s%s\n", out_style.bold, suite->pName, out_style.off);
		for (test = suite->pTest; test != NULL; test = test->pNext) {
			if (!selected(test))
				continue;
			if (run_isolated(suite, test, timeout, &out_style))
				passed++;
			else
				failed++;
		}
	}
	CU_cleanup_registry();
	if (failed > 0 && guide_step() >= 0)
		printf("\n%sNext: read %s (section \"What the tests check\"),"
		       " or ask for a nudge with `make hint STEP=%d`.%s\n",
		       out_style.bold, es_suite_guide, guide_step(),
		       out_style.off);
	else if (failed > 0)
		printf("\n%sNext: read %s.%s\n", out_style.bold,
		       es_suite_guide, out_style.off);
	printf("%u passed, %u failed\n", passed, failed);
	return failed > 0;
}
