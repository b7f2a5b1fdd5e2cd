/*
 * harness.h - what every step's suite shares: a temporary directory per
 * test, a fixed clock, fresh databases, and assertions that print both
 * values when they fail.
 *
 * A suite file defines its tests and exports them in one table that the
 * runner (runner.c, which has main()) registers and runs:
 *
 *     static void test_append_sets_the_id(void) { ... }
 *
 *     static CU_TestInfo tests[] = {
 *             { "append sets the event's id", test_append_sets_the_id },
 *             CU_TEST_INFO_NULL,
 *     };
 *     CU_SuiteInfo es_suites[] = {
 *             { "step 2: event store", NULL, NULL, setup, teardown, tests },
 *             CU_SUITE_INFO_NULL,
 *     };
 *     const char *es_suite_guide = "docs/02-event-store.md";
 *
 * A suite split over several files (the catalog's, tests/test_catalog.h)
 * exports one CU_TestInfo table from each, and one small file builds
 * es_suites[] from them, a CU_SuiteInfo for each.
 *
 * Every assertion here is fatal: the first one that fails ends the test
 * (the suite's teardown still runs, so close what you opened there).
 */
#ifndef ES_HARNESS_H
#define ES_HARNESS_H

#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "es_error.h"
#include "events.h"

/* Defined by each suite file. */
extern CU_SuiteInfo es_suites[];
/* The guide a failing test's hint points at, e.g. "docs/02-event-store.md". */
extern const char *es_suite_guide;

/*
 * Where a failure comes from. An assertion that fails inside a helper (a
 * static function of a suite, or one of the harness's) is reported at the
 * helper's line; the runner adds "called from FILE:LINE" for each helper
 * call under way, innermost first, down to the test's own line. A call is
 * noted when it is made through ES_CALLED(), usually from a macro of the
 * helper's own name, written under the helper:
 *
 *     static void project_ok(const struct es_event *ev) { ... }
 *     #define project_ok(ev) ES_CALLED(project_ok(ev))
 *
 * A macro is not expanded again inside itself, so the inner project_ok()
 * is the function. (The Linux kernel's kmalloc() is such a macro, so that
 * its memory profiling can tell call sites apart.) ES_CALLED is for a
 * helper that returns nothing,
 * ES_CALLED_INT for one that returns an integer, ES_CALLED_PTR for one
 * that returns a pointer to const. The harness's helpers take the call
 * site as an argument instead: es_test_exec() is a macro that passes
 * ES_HERE to es_test_exec_at(), which fails with ES_FAIL_FROM().
 */
struct es_test_site {
	const char *file;
	int line;
};
#define ES_HERE ((struct es_test_site){__FILE__, __LINE__})

#define ES_CALLED(call)	    (es_test_enter(ES_HERE), (call), es_test_leave())
#define ES_CALLED_INT(call) (es_test_enter(ES_HERE), es_test_leave_int(call))
#define ES_CALLED_PTR(call) (es_test_enter(ES_HERE), es_test_leave_ptr(call))

/* Note a call at `site`; es_test_leave*() ends it (passing a value on). */
void es_test_enter(struct es_test_site site);
void es_test_leave(void);
int64_t es_test_leave_int(int64_t value);
const void *es_test_leave_ptr(const void *value);

/*
 * The current test's own empty directory, created on first use and
 * removed after the test when it passes. When the test fails it is kept
 * and its path printed, so what the test built can be inspected.
 */
const char *es_test_dir(void);

/*
 * Write "<es_test_dir()>/<name>" into `buf` and return `buf`. Aborts the
 * test when it does not fit.
 */
char *es_test_path(char *buf, size_t size, const char *name);

/*
 * The fixed clock: the first call returns 2026-11-27T14:32:05.123456Z and
 * each further call one second and one microsecond later, so timestamps
 * are distinct, ordered, and the same on every run.
 */
#define ES_TEST_EPOCH_US INT64_C(1795789925123456)
#define ES_TEST_STEP_US	 INT64_C(1000001)

struct es_test_clock {
	int64_t next; /* what the next call returns */
};

/* A clock that reads from `state`, which starts at ES_TEST_EPOCH_US. */
struct es_clock es_test_clock(struct es_test_clock *state);

/* The timestamp the fixed clock gives on its `n`-th call (from 0). */
void es_test_timestamp(char out[ES_TIMESTAMP_SIZE], int n);

/*
 * Run `sql` (one or more statements) on `db`; the test fails with SQLite's
 * message if it does not succeed.
 */
#define es_test_exec(db, sql) es_test_exec_at(ES_HERE, (db), (sql))
void es_test_exec_at(struct es_test_site from, sqlite3 *db, const char *sql);

/*
 * Run `sql`, a query with one integer result, and return that result. The
 * test fails unless exactly one row comes back.
 */
#define es_test_query_int(db, sql) es_test_query_int_at(ES_HERE, (db), (sql))
int64_t es_test_query_int_at(struct es_test_site from, sqlite3 *db,
			     const char *sql);

/*
 * Open the SQLite file `path` into `*db` with sqlite3_open_v2()'s `flags`
 * (SQLITE_OPEN_READWRITE, say): a plain connection, to look at a database
 * or change it behind a module's back. `*db` is set even when the open
 * fails, so the teardown closes it with sqlite3_close(). The test fails
 * when the file cannot be opened.
 */
#define es_test_open_db(db, path, flags)                                       \
	es_test_open_db_at(ES_HERE, (db), (path), (flags))
void es_test_open_db_at(struct es_test_site from, sqlite3 **db,
			const char *path, int flags);

/*
 * A setup that fails. CUnit runs a suite's setup outside the test, where
 * an assertion cannot stop it, so when `what` (a call such as
 * "es_store_open") returns `rc` in setup, setup writes it down with
 * es_test_setup_failed(), `err`'s message too, and carries on, leaving
 * the handle NULL. The test calls ES_REQUIRE_SETUP() before it uses what
 * setup opened, which fails it at that line with "setup: es_store_open
 * returned ES_EDB (\"...\")". Only the first failure is kept: the others
 * follow from it. Each test runs in a process of its own (runner.c), so
 * nothing carries over to the next test.
 */
void es_test_setup_failed(const char *what, int rc, const struct es_error *err);
#define ES_REQUIRE_SETUP() es_test_require_setup(__FILE__, __LINE__)
void es_test_require_setup(const char *file, int line);

/*
 * es_test_open_db() for a setup: when the open fails, it is written down
 * with es_test_setup_failed() instead of failing the test at once.
 */
void es_test_setup_open_db(sqlite3 **db, const char *path, int flags);

/*
 * Assertions. Each prints both sides, the file and the line; two strings
 * that differ are shown with a marker under their first difference.
 */
#define ES_ASSERT_TRUE(cond)                                                   \
	es_assert_true((cond) != 0, #cond, __FILE__, __LINE__)
#define ES_ASSERT_INT_EQ(actual, expected)                                     \
	es_assert_int_eq((long long)(actual), (long long)(expected), #actual,  \
			 __FILE__, __LINE__)
#define ES_ASSERT_DOUBLE_EQ(actual, expected)                                  \
	es_assert_double_eq((actual), (expected), #actual, __FILE__, __LINE__)
#define ES_ASSERT_STR_EQ(actual, expected)                                     \
	es_assert_str_eq((actual), (expected), #actual, __FILE__, __LINE__)
/* haystack must hold needle; on failure prints both strings. */
#define ES_ASSERT_STR_CONTAINS(haystack, needle)                               \
	es_assert_str_contains((haystack), (needle), #haystack, __FILE__,      \
			       __LINE__)
/* rc must be ES_OK; on failure prints the code's name and err's message. */
#define ES_ASSERT_OK(rc, err)                                                  \
	es_assert_code((rc), ES_OK, (err), #rc, __FILE__, __LINE__)
/* rc must be `code` (say ES_EINVAL). */
#define ES_ASSERT_CODE(rc, code, err)                                          \
	es_assert_code((rc), (code), (err), #rc, __FILE__, __LINE__)

void es_assert_true(int ok, const char *expr, const char *file, int line);
void es_assert_int_eq(long long actual, long long expected, const char *expr,
		      const char *file, int line);
/* Exact comparison: the kata's doubles are copied, never computed. */
void es_assert_double_eq(double actual, double expected, const char *expr,
			 const char *file, int line);
/* NULL equals only NULL. */
void es_assert_str_eq(const char *actual, const char *expected,
		      const char *expr, const char *file, int line);
/* A NULL haystack or needle fails. */
void es_assert_str_contains(const char *haystack, const char *needle,
			    const char *expr, const char *file, int line);
void es_assert_code(int rc, int expected, const struct es_error *err,
		    const char *expr, const char *file, int line);

/*
 * Fail the test with a printf-style message, at `file`:`line`; the
 * _from form as if called from `from` (a helper's caller).
 */
void es_test_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void es_test_fail_from(struct es_test_site from, const char *file, int line,
		       const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/*
 * For table-driven tests, whose rows name themselves: fail, with the row's
 * name and the file and line of the check, unless `rc` is `code` (err's
 * message shown when it is not ES_OK), or unless the string `what` is
 * `expected` (NULL is never equal; a difference is shown with a marker
 * under its first character).
 */
#define ES_CHECK_CODE(row, rc, code, err)                                      \
	es_check_code(__FILE__, __LINE__, (row), (rc), (code), (err))
#define ES_CHECK_STR(row, what, actual, expected)                              \
	es_check_str(__FILE__, __LINE__, (row), (what), (actual), (expected))
void es_check_code(const char *file, int line, const char *row, int rc,
		   int code, const struct es_error *err);
void es_check_str(const char *file, int line, const char *row, const char *what,
		  const char *actual, const char *expected);

/*
 * The row a table-driven test checks next, and its input, printf-style,
 * called at the top of each row:
 *
 *     es_test_row(row->name, "%s", row->json);
 *
 * A failure whose message starts with the row's name and a colon (as
 * ES_CHECK_* and ES_FAIL("%s: ...", row->name) write it) shows the input
 * under its first line.
 */
void es_test_row(const char *name, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#define ES_FAIL(...) es_test_fail(__FILE__, __LINE__, __VA_ARGS__)
/* ES_FAIL in a helper that was given its caller's site, `from`. */
#define ES_FAIL_FROM(from, ...)                                                \
	es_test_fail_from((from), __FILE__, __LINE__, __VA_ARGS__)

#endif /* ES_HARNESS_H */
