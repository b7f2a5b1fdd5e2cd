/*
 * harness.c - temporary directories, the fixed clock, and assertions that
 * say what they saw (see harness.h).
 *
 * This is test code: it keeps the current test's directory in file-scope
 * state, which the runner resets between tests.
 */
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_internal.h"

static char test_dir[PATH_MAX];

const char *es_test_dir(void)
{
	const char *root = getenv("ES_TEST_TMPDIR");
	char tmpl[PATH_MAX];

	if (test_dir[0] != '\0')
		return test_dir;
	if (root == NULL || root[0] == '\0')
		root = getenv("TMPDIR");
	if (root == NULL || root[0] == '\0')
		root = "/tmp";
	mkdir(root, 0777); /* may exist already; mkdtemp reports real trouble */
	if (snprintf(tmpl, sizeof(tmpl), "%s/es-test-XXXXXX", root) >=
	    (int)sizeof(tmpl))
		ES_FAIL("temporary directory path too long under %s", root);
	if (mkdtemp(tmpl) == NULL)
		ES_FAIL("cannot create a temporary directory under %s", root);
	memcpy(test_dir, tmpl, sizeof(test_dir)); /* same size */
	return test_dir;
}

char *es_test_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", es_test_dir(), name);

	if (n < 0 || (size_t)n >= size)
		ES_FAIL("path of %s does not fit in %zu bytes", name, size);
	return buf;
}

void es_harness_remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	char child[PATH_MAX];
	struct stat st;

	if (dir == NULL) {
		remove(path);
		return;
	}
	while ((entry = readdir(dir)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			es_harness_remove_tree(child);
		else
			remove(child);
	}
	closedir(dir);
	rmdir(path);
}

const char *es_harness_end_test(int keep)
{
	if (test_dir[0] == '\0')
		return NULL;
	if (keep)
		return test_dir; /* the runner prints it, then resets */
	es_harness_remove_tree(test_dir);
	test_dir[0] = '\0';
	return NULL;
}

void es_harness_forget_test_dir(void)
{
	test_dir[0] = '\0';
}

static int64_t test_clock_now(void *ctx)
{
	struct es_test_clock *state = ctx;
	int64_t now = state->next;

	state->next += ES_TEST_STEP_US;
	return now;
}

struct es_clock es_test_clock(struct es_test_clock *state)
{
	struct es_clock clock = {test_clock_now, state};

	state->next = ES_TEST_EPOCH_US;
	return clock;
}

/*
 * Written independently of es_time_format() on purpose: the tests use it
 * as the expected value, so it must not share the code under test.
 */
void es_test_timestamp(char out[ES_TIMESTAMP_SIZE], int n)
{
	int64_t micros = ES_TEST_EPOCH_US + (int64_t)n * ES_TEST_STEP_US;
	time_t secs = (time_t)(micros / 1000000);
	unsigned frac = (unsigned)(micros % 1000000) % 1000000u;
	struct tm tm;
	char date[20];

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac == 0)
		snprintf(out, ES_TIMESTAMP_SIZE, "%s+00:00", date);
	else
		snprintf(out, ES_TIMESTAMP_SIZE, "%s.%06u+00:00", date, frac);
}

void es_test_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	char copy[ES_ERROR_MSG_SIZE];

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return;
	snprintf(copy, sizeof(copy), "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	ES_FAIL("SQL failed: %s (in: %.120s)", copy, sql);
}

int64_t es_test_query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t value;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		ES_FAIL("SQL failed: %s (in: %.120s)", sqlite3_errmsg(db), sql);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		ES_FAIL("query returned no row (in: %.120s)", sql);
	}
	value = sqlite3_column_int64(stmt, 0);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		ES_FAIL("query returned more than one row (in: %.120s)", sql);
	return value;
}

void es_test_open_db(sqlite3 **db, const char *path, int flags)
{
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK)
		ES_FAIL("cannot open %s: %s", path, sqlite3_errmsg(*db));
}

/* What failed in the setup of this test (its process): the first thing. */
static char setup_failure[ES_ERROR_MSG_SIZE + 64];

void es_test_setup_failed(const char *what, int rc, const struct es_error *err)
{
	if (setup_failure[0] == '\0')
		snprintf(setup_failure, sizeof(setup_failure),
			 "setup: %s returned %s (\"%s\")", what,
			 es_code_name(rc), err->msg);
}

void es_test_require_setup(const char *file, int line)
{
	if (setup_failure[0] != '\0')
		es_test_fail(file, line, "%s", setup_failure);
}

void es_test_setup_open_db(sqlite3 **db, const char *path, int flags)
{
	struct es_error err;
	int rc;

	if (sqlite3_open_v2(path, db, flags, NULL) == SQLITE_OK)
		return;
	rc = es_error_set(&err, ES_EDB, "cannot open %s: %s", path,
			  sqlite3_errmsg(*db));
	es_test_setup_failed("sqlite3_open_v2", rc, &err);
}

/* Failure messages are copied by CUnit; this buffer is only scratch. */
static char failure[1024];

static void fail_now(const char *file, int line)
{
	CU_assertImplementation(CU_FALSE, (unsigned int)line, failure, file, "",
				CU_TRUE);
}

static void pass(const char *file, int line)
{
	CU_assertImplementation(CU_TRUE, (unsigned int)line, "", file, "",
				CU_TRUE);
}

void es_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	fail_now(file, line);
}

void es_assert_true(int ok, const char *expr, const char *file, int line)
{
	if (ok) {
		pass(file, line);
		return;
	}
	es_test_fail(file, line, "expected %s to hold, but it does not", expr);
}

void es_assert_int_eq(long long actual, long long expected, const char *expr,
		      const char *file, int line)
{
	if (actual == expected) {
		pass(file, line);
		return;
	}
	es_test_fail(file, line, "%s is %lld, expected %lld", expr, actual,
		     expected);
}

void es_assert_double_eq(double actual, double expected, const char *expr,
			 const char *file, int line)
{
	if (actual == expected) {
		pass(file, line);
		return;
	}
	es_test_fail(file, line, "%s is %.17g, expected %.17g", expr, actual,
		     expected);
}

void es_assert_str_eq(const char *actual, const char *expected,
		      const char *expr, const char *file, int line)
{
	if (actual == NULL && expected == NULL) {
		pass(file, line);
		return;
	}
	if (actual != NULL && expected != NULL &&
	    strcmp(actual, expected) == 0) {
		pass(file, line);
		return;
	}
	/* Outside a test's body (in a setup) failures do not jump: else-if. */
	if (actual == NULL)
		es_test_fail(file, line, "%s is NULL, expected \"%.400s\"",
			     expr, expected);
	else if (expected == NULL)
		es_test_fail(file, line, "%s is \"%.400s\", expected NULL",
			     expr, actual);
	else
		es_test_fail(file, line,
			     "%s is \"%.400s\", expected \"%.400s\"", expr,
			     actual, expected);
}

void es_assert_str_contains(const char *haystack, const char *needle,
			    const char *expr, const char *file, int line)
{
	if (haystack != NULL && needle != NULL &&
	    strstr(haystack, needle) != NULL) {
		pass(file, line);
		return;
	}
	if (needle == NULL)
		needle = "(NULL)";
	if (haystack == NULL)
		es_test_fail(file, line,
			     "%s is NULL, expected it to contain \"%.400s\"",
			     expr, needle);
	else
		es_test_fail(file, line,
			     "%s is \"%.400s\", expected it to contain "
			     "\"%.400s\"",
			     expr, haystack, needle);
}

void es_assert_code(int rc, int expected, const struct es_error *err,
		    const char *expr, const char *file, int line)
{
	if (rc == expected) {
		pass(file, line);
		return;
	}
	if (rc != ES_OK && err != NULL && err->msg[0] != '\0')
		es_test_fail(file, line, "%s returned %s (\"%s\"), expected %s",
			     expr, es_code_name(rc), err->msg,
			     es_code_name(expected));
	else
		es_test_fail(file, line, "%s returned %s, expected %s", expr,
			     es_code_name(rc), es_code_name(expected));
}

void es_check_code(const char *file, int line, const char *row, int rc,
		   int code, const struct es_error *err)
{
	if (rc == code)
		return;
	es_test_fail(file, line, "%s: returned %s (\"%s\"), expected %s", row,
		     es_code_name(rc), rc == ES_OK ? "" : err->msg,
		     es_code_name(code));
}

void es_check_str(const char *file, int line, const char *row, const char *what,
		  const char *actual, const char *expected)
{
	if (actual != NULL && strcmp(actual, expected) == 0)
		return;
	if (actual == NULL)
		es_test_fail(file, line, "%s: %s is NULL, expected \"%s\"", row,
			     what, expected);
	else
		es_test_fail(file, line, "%s: %s is \"%s\", expected \"%s\"",
			     row, what, actual, expected);
}
