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

void es_test_exec_at(struct es_test_site from, sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	char copy[ES_ERROR_MSG_SIZE];

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return;
	snprintf(copy, sizeof(copy), "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	ES_FAIL_FROM(from, "SQL failed: %s (in: %.120s)", copy, sql);
}

int64_t es_test_query_int_at(struct es_test_site from, sqlite3 *db,
			     const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t value;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		ES_FAIL_FROM(from, "SQL failed: %s (in: %.120s)",
			     sqlite3_errmsg(db), sql);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		ES_FAIL_FROM(from, "query returned no row (in: %.120s)", sql);
	}
	value = sqlite3_column_int64(stmt, 0);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		ES_FAIL_FROM(from,
			     "query returned more than one row (in: %.120s)",
			     sql);
	return value;
}

void es_test_open_db_at(struct es_test_site from, sqlite3 **db,
			const char *path, int flags)
{
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK)
		ES_FAIL_FROM(from, "cannot open %s: %s", path,
			     sqlite3_errmsg(*db));
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

/* ---- call sites --------------------------------------------------------- */

#define MAX_CALLS      16 /* helper calls under way that are kept */
#define MAX_NOTED      8  /* failures of one test whose calls are kept */
#define ROW_INPUT_SIZE 1024
#define SHOW_WIDTH     100 /* columns of a text shown around a difference */
#define SHOW_LEAD      40  /* of which before the difference */

/*
 * The helper calls under way, the outermost first. `depth` may exceed
 * MAX_CALLS; the calls beyond it are counted, not kept.
 */
static struct es_test_site calls[MAX_CALLS];
static size_t depth;

/* The calls under way when each failure of this test was reported. */
static struct noted {
	struct es_test_site calls[MAX_CALLS];
	size_t count;
} noted[MAX_NOTED];
static size_t failures;

/* The table row being checked (es_test_row()), and its input. */
static char row_name[256];
static char row_input[ROW_INPUT_SIZE];

void es_test_enter(struct es_test_site site)
{
	if (depth < MAX_CALLS)
		calls[depth] = site;
	depth++;
}

void es_test_leave(void)
{
	if (depth > 0)
		depth--;
}

int64_t es_test_leave_int(int64_t value)
{
	es_test_leave();
	return value;
}

const void *es_test_leave_ptr(const void *value)
{
	es_test_leave();
	return value;
}

size_t es_harness_called_from(const struct es_test_site **sites, size_t failure)
{
	if (failure >= failures || failure >= MAX_NOTED) {
		*sites = NULL;
		return 0;
	}
	*sites = noted[failure].calls;
	return noted[failure].count;
}

void es_test_row(const char *name, const char *fmt, ...)
{
	va_list ap;

	snprintf(row_name, sizeof(row_name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(row_input, sizeof(row_input), fmt, ap);
	va_end(ap);
}

/* ---- text shown as it is ------------------------------------------------- */

/* A message being written into a fixed buffer; what does not fit is cut. */
struct msg {
	char *buf;
	size_t size;
	size_t len;
};

static void msg_add(struct msg *m, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->len + 1 >= m->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, m->size - m->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len += (size_t)n;
	if (m->len >= m->size)
		m->len = m->size - 1;
}

/*
 * The length of the UTF-8 character at `s` (1 to 4), or 0 when the bytes
 * there are not one (a stray byte, a cut sequence).
 */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

/*
 * How the character at `s` is shown: its bytes, how many, and the
 * columns it takes. A control character is shown escaped (\n, \t, \x01),
 * a byte that is not UTF-8 as \xNN; a UTF-8 character as it is.
 */
static size_t show_char(char out[8], size_t *cols, const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = utf8_len((const unsigned char *)s);

	if (c == '\n' || c == '\t' || c == '\r') {
		snprintf(out, 8, "\\%c",
			 c == '\n'   ? 'n'
			 : c == '\t' ? 't'
				     : 'r');
		*cols = 2;
		return 1;
	}
	if (n == 0 || c < 0x20 || c == 0x7f) {
		snprintf(out, 8, "\\x%02x", c);
		*cols = 4;
		return 1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	*cols = 1;
	return n;
}

/* The columns the bytes [from, to) of a text take when shown. */
static size_t columns_of(const char *from, const char *to)
{
	size_t total = 0, cols;
	char shown[8];

	while (from < to && *from != '\0') {
		from += show_char(shown, &cols, from);
		total += cols;
	}
	return total;
}

/*
 * Show the bytes [from, to) of a text, at most SHOW_WIDTH columns of
 * them; "..." marks a cut.
 */
static void msg_show(struct msg *m, const char *from, const char *to)
{
	size_t width = 0, cols;
	char shown[8];

	while (from < to && *from != '\0') {
		size_t n = show_char(shown, &cols, from);

		if (width + cols > SHOW_WIDTH) {
			msg_add(m, "...");
			return;
		}
		msg_add(m, "%s", shown);
		width += cols;
		from += n;
	}
}

/* The end of the line that `at` is on: its '\n' or the text's end. */
static const char *line_end(const char *at)
{
	return at + strcspn(at, "\n");
}

/* Tell what ends at `at`, where the other text goes on, if anything. */
static const char *ends_here(const char *actual, const char *expected)
{
	if (*actual == '\0')
		return " actual ends here";
	if (*expected == '\0')
		return " expected ends here";
	if (*actual == '\n')
		return " actual's line ends here";
	if (*expected == '\n')
		return " expected's line ends here";
	return "";
}

void es_harness_describe_difference(char *out, size_t size, const char *what,
				    const char *actual, const char *expected)
{
	struct msg m = {out, size, strlen(out)};
	size_t at = 0, line = 1, chars = 1, cols, lead;
	const char *start, *from;
	char shown[8];

	while (actual[at] != '\0' && actual[at] == expected[at])
		at++;
	start = actual; /* the first difference's line, in both */
	for (from = actual; from < actual + at;) {
		size_t n = show_char(shown, &cols, from);

		from += n;
		chars++;
		if (from[-1] == '\n') {
			line++;
			chars = 1;
			start = from;
		}
	}
	if (line > 1 || *line_end(actual) != '\0' ||
	    *line_end(expected) != '\0')
		msg_add(&m, "%s differs on line %zu, at character %zu:", what,
			line, chars);
	else
		msg_add(&m, "%s differs at character %zu:", what, chars);
	/* Start far enough on that the difference is in view. */
	for (from = start; columns_of(from, actual + at) > SHOW_LEAD;)
		from += show_char(shown, &cols, from);
	lead = (from > start ? 3 : 0) + columns_of(from, actual + at);
	msg_add(&m, "\n        actual    \"%s", from > start ? "..." : "");
	msg_show(&m, from, line_end(actual + at));
	msg_add(&m, "\"\n        expected  \"%s", from > start ? "..." : "");
	msg_show(&m, expected + (from - actual), line_end(expected + at));
	msg_add(&m, "\"\n        %*s^%s", (int)(11 + lead), "",
		ends_here(actual + at, expected + at));
}

/* ---- failures ------------------------------------------------------------ */

/* Failure messages are copied by CUnit; these buffers are only scratch. */
static char failure[8192];
static char with_input[sizeof(failure) + ROW_INPUT_SIZE + 32];

/*
 * The message, with the input of the table row it names, when it names
 * the row es_test_row() set ("row: ..."): the input follows its first
 * line.
 */
static const char *add_row_input(const char *message)
{
	struct msg m = {with_input, sizeof(with_input), 0};
	size_t name_len = strlen(row_name);
	size_t first = strcspn(message, "\n");

	if (row_name[0] == '\0' || row_input[0] == '\0' ||
	    strncmp(message, row_name, name_len) != 0 ||
	    message[name_len] != ':')
		return message;
	msg_add(&m, "%.*s\n        input     \"", (int)first, message);
	msg_show(&m, row_input, row_input + strlen(row_input));
	msg_add(&m, "\"%s", message + first);
	return with_input;
}

void es_harness_fail(const char *file, int line, const char *message)
{
	if (failures < MAX_NOTED) {
		struct noted *n = &noted[failures];

		n->count = depth < MAX_CALLS ? depth : MAX_CALLS;
		memcpy(n->calls, calls, n->count * sizeof(calls[0]));
	}
	failures++;
	/* Fatal: inside a test, CUnit jumps out of it from here. */
	CU_assertImplementation(CU_FALSE, (unsigned int)line,
				add_row_input(message), file, "", CU_TRUE);
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
	es_harness_fail(file, line, failure);
}

void es_test_fail_from(struct es_test_site from, const char *file, int line,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	es_test_enter(from);
	es_harness_fail(file, line, failure);
	es_test_leave(); /* reached only outside a test's body */
}

/* Fail with where `actual` first differs from `expected`, after `what`. */
static void fail_difference(const char *file, int line, const char *what,
			    const char *actual, const char *expected)
{
	failure[0] = '\0';
	es_harness_describe_difference(failure, sizeof(failure), what, actual,
				       expected);
	es_harness_fail(file, line, failure);
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
		fail_difference(file, line, expr, actual, expected);
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
	char lead[512];

	if (actual != NULL && strcmp(actual, expected) == 0)
		return;
	if (actual == NULL) {
		es_test_fail(file, line, "%s: %s is NULL, expected \"%s\"", row,
			     what, expected);
		return;
	}
	snprintf(lead, sizeof(lead), "%s: %s", row, what);
	fail_difference(file, line, lead, actual, expected);
}
