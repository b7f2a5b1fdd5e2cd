/*
 * runner.c - main() of every suite: registers the suite file's es_suites[]
 * with CUnit, runs it, and prints a line per test, the details of each
 * failure, and a closing "N passed, N failed" line.
 *
 * The exit status is the number of failed tests (capped at 1), taken from
 * CUnit's run summary, so `make` stops on a red suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "harness_internal.h"

static void on_test_complete(const CU_pTest test, const CU_pSuite suite,
			     const CU_pFailureRecord failures)
{
	CU_pFailureRecord failure = failures;
	const char *kept;

	(void)suite;
	if (failure == NULL) {
		printf("  ok    %s\n", test->pName);
		es_harness_end_test(0);
		return;
	}
	printf("  FAIL  %s\n", test->pName);
	for (; failure != NULL; failure = failure->pNext)
		printf("        %s:%u: %s\n",
		       failure->strFileName ? failure->strFileName : "?",
		       failure->uiLineNumber,
		       failure->strCondition ? failure->strCondition : "");
	kept = es_harness_end_test(1);
	if (kept != NULL)
		printf("        files kept in %s\n", kept);
	es_harness_forget_test_dir();
}

static void on_suite_init_failure(const CU_pSuite suite)
{
	printf("  FAIL  suite '%s' could not be set up\n", suite->pName);
}

int main(void)
{
	CU_pRunSummary summary;
	unsigned int passed, failed;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "cannot initialize CUnit: %s\n",
			CU_get_error_msg());
		return 2;
	}
	if (CU_register_suites(es_suites) != CUE_SUCCESS) {
		fprintf(stderr, "cannot register the suite: %s\n",
			CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	printf("%s\n", es_suites[0].pName);
	CU_set_test_complete_handler(on_test_complete);
	CU_set_suite_init_failure_handler(on_suite_init_failure);
	CU_run_all_tests();
	summary = CU_get_run_summary();
	failed = summary->nTestsFailed;
	passed = summary->nTestsRun - failed;
	if (failed > 0)
		printf("  hint: read %s, then run the failing test again\n",
		       es_suite_guide);
	printf("%u passed, %u failed\n", passed, failed);
	CU_cleanup_registry();
	return failed > 0;
}
