/*
 * test_catalog.c - the `catalog` program, run the way a user runs it.
 *
 * The program is named by the environment variable ES_CATALOG (`make test`
 * sets it to build/bin/catalog). Each run is a child process: standard
 * input from a file, standard output and error into files in the test's
 * directory. The tests check the exit status, both outputs, and what the
 * databases hold afterwards, read with SQLite directly and never through
 * the library under test.
 *
 * The biggest tests feed thousands of pseudo-random commands, good and
 * bad, and check every answer, every stored event and every view row
 * against a small model of the catalog's rules written here on its own.
 * ES_CATALOG_LINES sets the lines per seed (default 1500); the valgrind
 * run sets it lower, since catalog then runs under valgrind too.
 *
 * Test code keeps its state in file-scope variables, which teardown frees:
 * a failed assertion jumps out of the test, and teardown still runs.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "harness.h"

/*
 * ES_FAIL ends the test and does not return; the abort() after it is never
 * reached, and tells static analyzers as much.
 */
#define FAIL(...)                                                              \
	do {                                                                   \
		ES_FAIL(__VA_ARGS__);                                          \
		abort();                                                       \
	} while (0)

#define MAX_ARGS      16
#define FIXTURES      "tests/fixtures"
#define DEFAULT_LINES 1500

/* ---- memory the current test owns ---------------------------------------- */

static void **owned;
static size_t n_owned;
static size_t cap_owned;

/* Keep `p` until teardown frees it; fail the test if it is NULL. */
static void *own(void *p)
{
	if (p == NULL)
		FAIL("out of memory");
	if (n_owned == cap_owned) {
		size_t cap = cap_owned ? 2 * cap_owned : 256;
		void **grown = realloc(owned, cap * sizeof(*grown));

		if (grown == NULL) {
			free(p);
			FAIL("out of memory");
		}
		owned = grown;
		cap_owned = cap;
	}
	owned[n_owned++] = p;
	return p;
}

static void free_owned(void)
{
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	owned = NULL;
	n_owned = 0;
	cap_owned = 0;
}

/* A growing string, always NUL-terminated. sb_own() gives it to own(). */
struct sb {
	char *s;
	size_t len;
	size_t cap;
};

static void sb_grow(struct sb *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 64;
	char *s;

	if (b->len + more + 1 <= b->cap)
		return;
	while (cap < b->len + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (s == NULL)
		FAIL("out of memory");
	b->s = s;
	b->s[b->len] = '\0';
	b->cap = cap;
}

static void sb_add(struct sb *b, const void *p, size_t n)
{
	sb_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static char *sb_own(struct sb *b)
{
	sb_grow(b, 0);
	own(b->s);
	return b->s;
}

static char *own_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *own_printf(const char *fmt, ...)
{
	struct sb b = { 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(&b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b.s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.len = (size_t)n;
	return sb_own(&b);
}

/* ---- files --------------------------------------------------------------- */

static char test_root[PATH_MAX]; /* es_test_dir(), absolute */

/* `path` made absolute, so that it still holds after a chdir(). */
static const char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return own_printf("%s", path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		FAIL("getcwd: %s", strerror(errno));
	return own_printf("%s/%s", cwd, path);
}

/* `name` in the test's directory, as an absolute path. */
static const char *tpath(const char *name)
{
	if (test_root[0] == '\0')
		snprintf(test_root, sizeof(test_root), "%s",
			 absolute(es_test_dir()));
	return own_printf("%s/%s", test_root, name);
}

/* The whole file, NUL-terminated, or NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	struct sb b = { 0 };
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return NULL;
	sb_grow(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_add(&b, chunk, n);
	fclose(f);
	if (len != NULL)
		*len = b.len;
	return sb_own(&b);
}

static char *must_slurp(const char *path, size_t *len)
{
	char *text = slurp(path, len);

	if (text == NULL)
		FAIL("cannot read %s: %s", path, strerror(errno));
	return text;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		FAIL("cannot write %s: %s", path, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		FAIL("cannot write %s", path);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* The files catalog works on: use_dir("work") in each test, first. */
static const char *work;
static const char *events_db;
static const char *read_db;

static void use_dir(const char *name)
{
	work = tpath(name);
	if (mkdir(work, 0777) != 0 && errno != EEXIST)
		FAIL("mkdir %s: %s", work, strerror(errno));
	events_db = own_printf("%s/event_store.db", work);
	read_db = own_printf("%s/read_model.db", work);
}

/* ---- databases the test opens -------------------------------------------- */

static sqlite3 *dbs[8];

static sqlite3 *open_db(const char *path, int flags)
{
	sqlite3 *db = NULL;
	size_t i;

	for (i = 0; i < 8 && dbs[i] != NULL; i++)
		;
	if (i == 8)
		FAIL("too many databases open");
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
		sqlite3_close(db);
		FAIL("cannot open %s: %s", path, msg);
	}
	dbs[i] = db;
	return db;
}

static void close_db(sqlite3 *db)
{
	for (size_t i = 0; i < 8; i++) {
		if (dbs[i] == db)
			dbs[i] = NULL;
	}
	sqlite3_close(db);
}

/* Run `sql` on the file at `path`, then close it. */
static void exec_on(const char *path, const char *sql)
{
	sqlite3 *db = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);

	es_test_exec(db, sql);
	close_db(db);
}

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db = open_db(path, SQLITE_OPEN_READONLY);
	int64_t value = es_test_query_int(db, sql);

	close_db(db);
	return value;
}

/*
 * Every row `sql` returns, one line each, columns joined by '|': NULL,
 * 42 (INTEGER), r0.5 (REAL, %.17g), 'text' (TEXT). The storage class shows,
 * so "30" and "r30" differ.
 */
static char *rows_text(const char *path, const char *sql)
{
	sqlite3 *db = open_db(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *stmt = NULL;
	struct sb b = { 0 };
	int rc;

	sb_grow(&b, 0);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		FAIL("%s: %s (in: %s)", path, sqlite3_errmsg(db), sql);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(stmt); c++) {
			const char *sep = c > 0 ? "|" : "";

			switch (sqlite3_column_type(stmt, c)) {
			case SQLITE_NULL:
				sb_printf(&b, "%sNULL", sep);
				break;
			case SQLITE_INTEGER:
				sb_printf(&b, "%s%lld", sep,
					  (long long)sqlite3_column_int64(stmt,
									  c));
				break;
			case SQLITE_FLOAT:
				sb_printf(&b, "%sr%.17g", sep,
					  sqlite3_column_double(stmt, c));
				break;
			default:
				sb_printf(&b, "%s'%s'", sep,
					  (const char *)sqlite3_column_text(
						  stmt, c));
			}
		}
		sb_str(&b, "\n");
	}
	sqlite3_finalize(stmt);
	close_db(db);
	if (rc != SQLITE_DONE)
		FAIL("%s: reading rows failed (in: %s)", path, sql);
	return sb_own(&b);
}

/* Fail with the first line where `actual` and `expected` differ. */
static void expect_same_rows(const char *what, const char *actual,
			     const char *expected)
{
	size_t line = 1;
	size_t i = 0;

	while (actual[i] == expected[i] && actual[i] != '\0') {
		if (actual[i] == '\n')
			line++;
		i++;
	}
	if (actual[i] == expected[i])
		return;
	while (i > 0 && actual[i - 1] != '\n')
		i--;
	FAIL("%s, row %zu:\n        got      %.300s\n        expected "
	     "%.300s",
	     what, line, actual + i, expected + i);
}

static const char detail_sql[] =
	"SELECT id, name, description, price, stock, view_count, "
	"supplier_name, created_at, updated_at FROM product_detail_view "
	"ORDER BY id";
static const char list_sql[] =
	"SELECT id, name, price, stock, supplier_name FROM product_list_view "
	"ORDER BY id";

/* ---- running catalog ----------------------------------------------------- */

/* What the last run of catalog left. */
static struct {
	const char *cmd; /* the command line, for messages */
	int status;	 /* exit status; 128 + N after signal N */
	char *out;	 /* standard output */
	size_t out_len;
	char *err;	/* standard error, without valgrind's lines */
	const char *vg; /* the first line valgrind wrote, or "" */
} last;

static const char *catalog_binary(void)
{
	const char *path = getenv("ES_CATALOG");

	if (path == NULL || path[0] == '\0')
		FAIL("ES_CATALOG is not set: run this suite with `make "
		     "test`, which builds build/bin/catalog and names it");
	if (access(path, X_OK) != 0)
		FAIL("ES_CATALOG=%s: %s (build it with `make`)", path,
		     strerror(errno));
	return absolute(path);
}

/* In the child: wire up the files and become catalog. */
static void exec_catalog(const char *bin, char *const argv[], const char *in,
			 const char *out, const char *err, const char *cwd)
{
	int fd_in = open(in, O_RDONLY);
	int fd_out = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fd_err = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd_in < 0 || fd_out < 0 || fd_err < 0 || dup2(fd_in, 0) < 0 ||
	    dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0)
		_exit(126);
	if (fd_in > 2)
		close(fd_in);
	if (fd_out > 2)
		close(fd_out);
	if (fd_err > 2)
		close(fd_err);
	if (cwd != NULL && chdir(cwd) != 0)
		_exit(126);
	execv(bin, argv);
	_exit(127);
}

/*
 * Under `valgrind --trace-children=yes`, catalog's own valgrind writes
 * into the standard error we capture, as lines that start "==PID==". Set
 * them aside: a memory error also shows in the exit status (valgrind's
 * --error-exitcode), and the first such line goes into failure messages.
 */
static void split_valgrind_lines(void)
{
	struct sb kept = { 0 };
	const char *p = last.err;

	last.vg = "";
	sb_grow(&kept, 0);
	while (*p != '\0') {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) + 1 : strlen(p);
		bool ours = strncmp(p, "==", 2) != 0;
		size_t digits = ours ? 0 : strspn(p + 2, "0123456789");

		if (!ours && digits > 0 &&
		    strncmp(p + 2 + digits, "==", 2) == 0) {
			if (last.vg[0] == '\0')
				last.vg = own_printf("%.*s", (int)n, p);
		} else {
			sb_add(&kept, p, n);
		}
		p += n;
	}
	last.err = sb_own(&kept);
}

/*
 * Run catalog with `args` (not counting argv[0]), standard input from the
 * file `in` (NULL: /dev/null), standard output into the file `out` (NULL:
 * a file in the test's directory, read back into last.out), in the
 * directory `cwd` (NULL: this one).
 */
static void run_args(const char *in, const char *out, const char *cwd,
		     const char *const args[], int nargs)
{
	const char *bin = catalog_binary();
	const char *out_path = out ? out : tpath("catalog.stdout");
	const char *err_path = tpath("catalog.stderr");
	char *argv[MAX_ARGS + 2];
	struct sb cmd = { 0 };
	int status;
	pid_t pid;

	argv[0] = (char *)bin;
	sb_str(&cmd, "catalog");
	for (int i = 0; i < nargs; i++) {
		argv[i + 1] = (char *)args[i];
		sb_printf(&cmd, " %s", args[i]);
	}
	argv[nargs + 1] = NULL;
	if (in != NULL)
		sb_printf(&cmd, " < %s", in);
	last.cmd = sb_own(&cmd);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0)
		exec_catalog(bin, argv, in ? in : "/dev/null", out_path,
			     err_path, cwd);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			FAIL("waitpid: %s", strerror(errno));
	}
	last.status = WIFEXITED(status) ? WEXITSTATUS(status)
					: 128 + WTERMSIG(status);
	if (last.status == 126 || last.status == 127)
		FAIL("could not run %s (exit %d)", bin, last.status);
	last.out = out ? own_printf("%s", "")
		       : must_slurp(out_path, &last.out_len);
	last.err = must_slurp(err_path, NULL);
	split_valgrind_lines();
}

/*
 * Run catalog on the current files with `args`, a NULL-terminated list:
 * CATALOG(in, "log", "2") runs catalog --events .. --read .. log 2.
 */
static void run_catalog(const char *in, const char *const *args)
{
	const char *argv[MAX_ARGS];
	int n = 0;

	argv[n++] = "--events";
	argv[n++] = events_db;
	argv[n++] = "--read";
	argv[n++] = read_db;
	for (; *args != NULL; args++) {
		if (n == MAX_ARGS)
			FAIL("too many arguments for run_catalog()");
		argv[n++] = *args;
	}
	run_args(in, NULL, NULL, argv, n);
}

#define CATALOG(in, ...)                                                       \
	run_catalog((in), (const char *const[]){ __VA_ARGS__, NULL })

static void expect_status(int status)
{
	if (last.status != status)
		FAIL("%s: exit status %d, expected %d; standard error: "
		     "\"%.300s\"%s%.200s",
		     last.cmd, last.status, status, last.err,
		     last.vg[0] ? "; valgrind: " : "", last.vg);
}

static void expect_stdout(const char *expected)
{
	if (strcmp(last.out, expected) != 0)
		FAIL("%s: standard output is\n        \"%.600s\"\n      "
		     "expected\n        \"%.600s\"",
		     last.cmd, last.out, expected);
}

static void expect_quiet_stderr(void)
{
	if (last.err[0] != '\0')
		FAIL("%s: standard error should be empty, it is \"%.300s\"",
		     last.cmd, last.err);
}

/* Standard error is one line that starts with `prefix`. */
static void expect_error(const char *prefix)
{
	const char *nl = strchr(last.err, '\n');

	if (strncmp(last.err, prefix, strlen(prefix)) != 0 || nl == NULL ||
	    nl[1] != '\0')
		FAIL("%s: standard error is \"%.300s\", expected one line "
		     "starting \"%s\"",
		     last.cmd, last.err, prefix);
}

/* The run ended with `status` and one error line and printed nothing. */
static void expect_failure(int status, const char *prefix)
{
	expect_status(status);
	expect_error(prefix);
	expect_stdout("");
}

/* The lines of last.out, which must each end with "\n". */
static size_t out_lines(char ***lines)
{
	char *text = own_printf("%s", last.out);
	size_t count = 0;
	size_t n = 0;

	if (strlen(last.out) != last.out_len)
		FAIL("%s: standard output holds a NUL byte", last.cmd);
	if (last.out_len > 0 && last.out[last.out_len - 1] != '\n')
		FAIL("%s: the last line of output has no newline", last.cmd);
	for (const char *p = text; *p != '\0'; p++)
		count += *p == '\n';
	*lines = own(calloc(count + 1, sizeof(**lines)));
	for (char *p = text; *p != '\0'; p++) {
		(*lines)[n++] = p;
		p = strchr(p, '\n');
		*p = '\0';
	}
	return count;
}

/* ---- checks on text ------------------------------------------------------ */

/* The length of the UTF-8 sequence a lead byte starts, or 0. */
static int utf8_lead(unsigned char c, uint32_t *bits)
{
	if (c < 0x80) {
		*bits = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		*bits = c & 0x1fu;
		return 2;
	}
	if ((c & 0xf0) == 0xe0) {
		*bits = c & 0x0fu;
		return 3;
	}
	*bits = c & 0x07u;
	return (c & 0xf8) == 0xf0 ? 4 : 0;
}

static bool utf8_valid(const char *s)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		uint32_t cp;
		int n = utf8_lead(*p, &cp);

		if (n == 0)
			return false;
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3fu);
		}
		if (cp < least[n] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n;
	}
	return true;
}

/* 2026-11-27T14:32:05.123456+00:00, or without the fraction. */
static bool is_timestamp(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i])
				    : s[i] != shape[i])
			return false;
	}
	s += i;
	if (*s == '.') {
		for (i = 1; i <= 6; i++) {
			if (!isdigit((unsigned char)s[i]))
				return false;
		}
		s += 7;
	}
	return strcmp(s, "+00:00") == 0;
}

/*
 * A JSON string as Python's json.dumps() writes it (ensure_ascii): the
 * short escapes, \u00XX for other control characters and DEL, \uXXXX in
 * lower case for everything beyond ASCII, surrogate pairs above U+FFFF.
 * `s` must be valid UTF-8.
 */
static void py_quote(struct sb *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_str(b, "\"");
	while (*p != '\0') {
		uint32_t cp;
		int n = utf8_lead(*p, &cp);

		if (n == 0)
			FAIL("py_quote: \"%s\" is not UTF-8", s);
		for (int i = 1; i < n; i++)
			cp = cp << 6 | (p[i] & 0x3fu);
		p += n;
		if (cp == '"' || cp == '\\')
			sb_printf(b, "\\%c", (char)cp);
		else if (cp == '\n')
			sb_str(b, "\\n");
		else if (cp == '\r')
			sb_str(b, "\\r");
		else if (cp == '\t')
			sb_str(b, "\\t");
		else if (cp == '\b')
			sb_str(b, "\\b");
		else if (cp == '\f')
			sb_str(b, "\\f");
		else if (cp >= 0x20 && cp < 0x7f)
			sb_printf(b, "%c", (char)cp);
		else if (cp < 0x10000)
			sb_printf(b, "\\u%04x", (unsigned)cp);
		else
			sb_printf(
				b, "\\u%04x\\u%04x",
				(unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
				(unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
	}
	sb_str(b, "\"");
}

/* A JSON string with raw UTF-8: only '"', '\\' and controls escaped. */
static void raw_quote(struct sb *b, const char *s)
{
	sb_str(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			sb_printf(b, "\\u%04x", *p);
		else
			sb_add(b, p, 1);
	}
	sb_str(b, "\"");
}

/* A price in cents as Python's repr(float) writes it: 19.9, 30.0. */
static void py_money(struct sb *b, long long cents)
{
	long long frac = cents % 100;

	if (frac == 0)
		sb_printf(b, "%lld.0", cents / 100);
	else if (frac % 10 == 0)
		sb_printf(b, "%lld.%lld", cents / 100, frac / 10);
	else
		sb_printf(b, "%lld.%02lld", cents / 100, frac);
}

/* A price in cents as a command may give it: 12.50, -3.00, or 12. */
static void input_money(struct sb *b, long long cents, bool as_int)
{
	long long a = cents < 0 ? -cents : cents;
	const char *sign = cents < 0 ? "-" : "";

	if (as_int && a % 100 == 0)
		sb_printf(b, "%s%lld", sign, a / 100);
	else
		sb_printf(b, "%s%lld.%02lld", sign, a / 100, a % 100);
}

/* ---- the events table ---------------------------------------------------- */

struct event_row {
	long long id;
	long long product_id;
	const char *event_type;
	const char *data;
	const char *occurred_at;
};

static const char *column_copy(sqlite3_stmt *stmt, int col)
{
	const char *text = (const char *)sqlite3_column_text(stmt, col);

	return own_printf("%s", text ? text : "");
}

/* Every row of the events table at `path`, by id. */
static size_t load_events(const char *path, struct event_row **rows)
{
	size_t count = (size_t)query_int(path, "SELECT COUNT(*) FROM events");
	sqlite3 *db = open_db(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *stmt = NULL;
	size_t n = 0;

	*rows = own(calloc(count + 1, sizeof(**rows)));
	if (sqlite3_prepare_v2(db,
			       "SELECT id, product_id, event_type, data, "
			       "occurred_at FROM events ORDER BY id",
			       -1, &stmt, NULL) != SQLITE_OK)
		FAIL("%s: %s", path, sqlite3_errmsg(db));
	while (n < count && sqlite3_step(stmt) == SQLITE_ROW) {
		struct event_row *r = &(*rows)[n++];

		r->id = sqlite3_column_int64(stmt, 0);
		r->product_id = sqlite3_column_int64(stmt, 1);
		r->event_type = column_copy(stmt, 2);
		r->data = column_copy(stmt, 3);
		r->occurred_at = column_copy(stmt, 4);
	}
	sqlite3_finalize(stmt);
	close_db(db);
	if (n != count)
		FAIL("%s: read %zu of %zu events", path, n, count);
	return count;
}

/* The line `catalog log` prints for a row whose data reads as `data`. */
static const char *log_line(const struct event_row *r, const char *data)
{
	return own_printf("{\"id\":%lld,\"product_id\":%lld,\"event_type\":"
			  "\"%s\",\"occurred_at\":\"%s\",\"data\":%s}",
			  r->id, r->product_id, r->event_type, r->occurred_at,
			  data);
}

/* ---- setup --------------------------------------------------------------- */

static void setup(void)
{
	memset(&last, 0, sizeof(last));
	test_root[0] = '\0';
	work = events_db = read_db = NULL;
}

static void teardown(void)
{
	for (size_t i = 0; i < 8; i++) {
		sqlite3_close(dbs[i]);
		dbs[i] = NULL;
	}
	free_owned();
}

/* ---- a model of the catalog ---------------------------------------------- */

/*
 * What the catalog should do with a stream of commands, written from the
 * design, not from the code: product ids come from a registry that only a
 * successful create advances, so "not found" means an id no create has
 * returned yet, and it is checked before any value; a view is always
 * recorded, but only a view of a product that exists reaches the views.
 */
struct m_product {
	const char *name;
	const char *supplier_name;
	const char *description; /* NULL for none */
	long long price;	 /* cents */
	long long stock;
	long long views; /* as product_detail_view counts them */
	size_t created;	 /* index of its ProductCreated */
	size_t updated;	 /* index of its last stock or price change */
};

/* An accepted event: its data is head + occurred_at + tail. */
struct m_event {
	const char *type;
	long long product_id;
	const char *head;
	const char *tail;
};

enum expect_kind {
	EXPECT_LINE,	/* exactly this result line */
	EXPECT_PREFIX,	/* {"ok":false,...} with an error starting so */
	EXPECT_CONTAINS /* {"ok":false,...} with an error containing it */
};

struct expect {
	enum expect_kind kind;
	const char *text;
};

struct model {
	struct m_product *products; /* products[id - 1] */
	size_t nproducts;
	struct m_event *events;
	size_t nevents;
	uint64_t rng;
	unsigned serial; /* makes names distinct */
};

static uint32_t rnd(struct model *m, uint32_t n)
{
	m->rng = m->rng * UINT64_C(6364136223846793005) +
		 UINT64_C(1442695040888963407);
	return (uint32_t)(m->rng >> 33) % n;
}

static struct expect ok_line(long long product_id)
{
	struct expect ex = { EXPECT_LINE, "{\"ok\":true}" };

	if (product_id != 0)
		ex.text = own_printf("{\"ok\":true,\"product_id\":%lld}",
				     product_id);
	return ex;
}

/* The messages here hold no '"' or '\\', so the line needs no escaping. */
static struct expect refused(const char *msg)
{
	struct expect ex = { EXPECT_LINE, NULL };

	ex.text = own_printf("{\"ok\":false,\"error\":\"%s\"}", msg);
	return ex;
}

static struct expect error_like(enum expect_kind kind, const char *text)
{
	struct expect ex = { kind, text };

	return ex;
}

static void add_event(struct model *m, const char *type, long long id,
		      struct sb *head, const char *tail)
{
	struct m_event *ev = &m->events[m->nevents++];

	ev->type = type;
	ev->product_id = id;
	ev->head = sb_own(head);
	ev->tail = tail;
}

static bool known(const struct model *m, long long id)
{
	return id >= 1 && (size_t)id <= m->nproducts;
}

static const char *const names[] = {
	"Widget Pro",
	"Gadget Plus",
	"Crème brûlée",
	"日本茶",
	"Party 🎉 Pack",
	"Say \"cheese\"",
	"Back\\slash",
	"Tab\there",
	"Ελληνικό τυρί",
	"  padded  ",
	"x",
	"Ω≈ç√∫ 𝄞",
};
static const char *const suppliers[] = {
	"Acme Corp",
	"Pâtisserie Dupont",
	"茶屋 Ochaya",
	"O'Brien & Sons",
};
static const char *const descriptions[] = {
	"Best seller",
	"Line one\nline two",
	"Ünïcödé ✓ \x7f",
	"\"quoted\" and \\ back",
	"",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The fields of a CreateProduct line, good or bad. */
struct create {
	const char *name;
	long long price;
	long long cost;
	long long supplier_id;
	const char *supplier_name;
	long long stock;
	int description_mode; /* 0 null, 1 absent, 2 a string */
	const char *description;
	bool int_prices; /* write whole prices as JSON integers */
	bool raw_utf8;	 /* strings with raw UTF-8, not \u escapes */
};

static void random_create(struct model *m, struct create *c)
{
	c->name =
		own_printf("%s #%u", names[rnd(m, COUNT(names))], ++m->serial);
	c->price = rnd(m, 5) == 0 ? 100 * (1 + (long long)rnd(m, 300))
				  : 1 + (long long)rnd(m, 500000);
	c->cost = (long long)rnd(m, (uint32_t)c->price + 1);
	c->supplier_id = 1 + (long long)rnd(m, 50);
	c->supplier_name = suppliers[rnd(m, COUNT(suppliers))];
	c->stock = (long long)rnd(m, 1000);
	c->description_mode = (int)rnd(m, 3);
	c->description = descriptions[rnd(m, COUNT(descriptions))];
	c->int_prices = rnd(m, 2) == 0;
	c->raw_utf8 = rnd(m, 2) == 0;
}

static void quote(struct sb *b, const char *s, bool raw)
{
	if (raw)
		raw_quote(b, s);
	else
		py_quote(b, s);
}

static void create_line(struct sb *line, const struct create *c)
{
	sb_str(line, "{\"type\":\"CreateProduct\",\"name\":");
	quote(line, c->name, c->raw_utf8);
	sb_str(line, ",\"price\":");
	input_money(line, c->price, c->int_prices);
	sb_str(line, ",\"cost_price\":");
	input_money(line, c->cost, c->int_prices);
	sb_printf(line,
		  ",\"supplier_id\":%lld,\"supplier_name\":", c->supplier_id);
	quote(line, c->supplier_name, c->raw_utf8);
	sb_printf(line, ",\"stock\":%lld", c->stock);
	if (c->description_mode == 0)
		sb_str(line, ",\"description\":null");
	if (c->description_mode == 2) {
		sb_str(line, ",\"description\":");
		quote(line, c->description, c->raw_utf8);
	}
}

/* The model accepts the create `c`, which is valid. */
static struct expect accept_create(struct model *m, const struct create *c)
{
	struct m_product *p = &m->products[m->nproducts++];
	long long id = (long long)m->nproducts;
	struct sb head = { 0 };
	struct sb tail = { 0 };

	p->name = c->name;
	p->supplier_name = c->supplier_name;
	p->description = c->description_mode == 2 ? c->description : NULL;
	p->price = c->price;
	p->stock = c->stock;
	p->views = 0; /* views before the create went nowhere */
	p->created = p->updated = m->nevents;
	sb_printf(&head, "{\"product_id\": %lld, \"name\": ", id);
	py_quote(&head, c->name);
	sb_str(&head, ", \"price\": ");
	py_money(&head, c->price);
	sb_str(&head, ", \"cost_price\": ");
	py_money(&head, c->cost);
	sb_printf(&head, ", \"supplier_id\": %lld, \"supplier_name\": ",
		  c->supplier_id);
	py_quote(&head, c->supplier_name);
	sb_printf(&head, ", \"stock\": %lld, \"occurred_at\": \"", c->stock);
	sb_str(&tail, "\", \"description\": ");
	if (p->description != NULL)
		py_quote(&tail, p->description);
	else
		sb_str(&tail, "null");
	sb_str(&tail, "}");
	add_event(m, "ProductCreated", id, &head, sb_own(&tail));
	return ok_line(id);
}

static struct expect gen_create(struct model *m, struct sb *line)
{
	struct create c;

	random_create(m, &c);
	create_line(line, &c);
	sb_str(line, "}");
	return accept_create(m, &c);
}

/* A create that breaks exactly one rule. */
static struct expect gen_bad_create(struct model *m, struct sb *line)
{
	static const char *const messages[] = {
		"Name cannot be empty",		 "Name cannot be empty",
		"Price must be positive",	 "Price must be positive",
		"Cost price cannot be negative", "Stock cannot be negative",
		"Supplier name cannot be empty",
	};
	uint32_t rule = rnd(m, COUNT(messages));
	struct create c;

	random_create(m, &c);
	if (rule == 0)
		c.name = "";
	if (rule == 1)
		c.name = " \t  ";
	if (rule == 2)
		c.price = 0;
	if (rule == 3)
		c.price = -1 - (long long)rnd(m, 5000);
	if (rule == 4)
		c.cost = -1 - (long long)rnd(m, 5000);
	if (rule == 5)
		c.stock = -1 - (long long)rnd(m, 50);
	if (rule == 6)
		c.supplier_name = "";
	create_line(line, &c);
	sb_str(line, "}");
	return refused(messages[rule]);
}

/* An id that exists most of the time, sometimes one that does not. */
static long long pick_id(struct model *m)
{
	uint32_t r = rnd(m, 100);

	if (r < 70 && m->nproducts > 0)
		return 1 + (long long)rnd(m, (uint32_t)m->nproducts);
	if (r < 95)
		return (long long)m->nproducts + 1 + (long long)rnd(m, 3);
	return r < 97 ? 0 : -1 - (long long)rnd(m, 100);
}

static struct expect gen_update_stock(struct model *m, struct sb *line)
{
	long long id = pick_id(m);
	long long stock = rnd(m, 7) == 0 ? -1 - (long long)rnd(m, 500)
					 : (long long)rnd(m, 1000);
	struct sb head = { 0 };

	sb_printf(line,
		  "{\"type\":\"UpdateStock\",\"product_id\":%lld,"
		  "\"new_stock\":%lld}",
		  id, stock);
	if (!known(m, id))
		return refused(own_printf("Product %lld not found", id));
	if (stock < 0)
		return refused("Stock cannot be negative");
	m->products[id - 1].stock = stock;
	m->products[id - 1].updated = m->nevents;
	sb_printf(&head,
		  "{\"product_id\": %lld, \"new_stock\": %lld, "
		  "\"occurred_at\": \"",
		  id, stock);
	add_event(m, "StockUpdated", id, &head, "\"}");
	return ok_line(0);
}

static struct expect gen_change_price(struct model *m, struct sb *line)
{
	long long id = pick_id(m);
	uint32_t r = rnd(m, 100);
	long long price = 1 + (long long)rnd(m, 500000);
	struct sb head = { 0 };

	if (r < 5)
		price = 0;
	else if (r < 15)
		price = -1 - (long long)rnd(m, 9999);
	sb_printf(line,
		  "{\"type\":\"ChangePrice\",\"product_id\":%lld,"
		  "\"new_price\":",
		  id);
	input_money(line, price, rnd(m, 2) == 0);
	sb_str(line, "}");
	if (!known(m, id))
		return refused(own_printf("Product %lld not found", id));
	if (price <= 0)
		return refused("Price must be positive");
	m->products[id - 1].price = price;
	m->products[id - 1].updated = m->nevents;
	sb_printf(&head, "{\"product_id\": %lld, \"new_price\": ", id);
	py_money(&head, price);
	sb_str(&head, ", \"occurred_at\": \"");
	add_event(m, "PriceChanged", id, &head, "\"}");
	return ok_line(0);
}

static struct expect gen_record_view(struct model *m, struct sb *line)
{
	long long id = pick_id(m);
	struct sb head = { 0 };

	sb_printf(line, "{\"type\":\"RecordProductView\",\"product_id\":%lld}",
		  id);
	if (known(m, id))
		m->products[id - 1].views++;
	sb_printf(&head, "{\"product_id\": %lld, \"occurred_at\": \"", id);
	add_event(m, "ProductViewed", id, &head, "\"}");
	return ok_line(0);
}

/*
 * Bytes 1..255 but '\n', with a NUL now and then. White space alone is a
 * blank line, whether or not a '\r' before the newline is stripped.
 */
static struct expect gen_random_bytes(struct model *m, struct sb *line)
{
	size_t len = 1 + rnd(m, 60);
	bool nul = false;
	bool blank = true;

	for (size_t i = 0; i < len; i++) {
		char c = (char)(1 + rnd(m, 255));

		if (c == '\n')
			c = ' ';
		if (rnd(m, 80) == 0) {
			c = '\0';
			nul = true;
		}
		blank = blank && isspace((unsigned char)c);
		sb_add(line, &c, 1);
	}
	if (nul)
		return refused("line contains a NUL byte");
	if (blank)
		return refused("empty line");
	return error_like(EXPECT_PREFIX, "");
}

/*
 * A command type of 150 "é": quoted in the error, it is cut at 255 bytes,
 * in the middle of a character, which the answer must not show.
 */
#define E_ACUTE_10                                                             \
	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"             \
	"\xc3\xa9\xc3\xa9\xc3\xa9"
#define E_ACUTE_50 E_ACUTE_10 E_ACUTE_10 E_ACUTE_10 E_ACUTE_10 E_ACUTE_10
static const char long_type[] =
	"{\"type\":\"" E_ACUTE_50 E_ACUTE_50 E_ACUTE_50 "\"}";

/* A line that is not a valid command, and what the answer says. */
static struct expect gen_bad_line(struct model *m, struct sb *line)
{
	static const struct {
		const char *line;
		enum expect_kind kind;
		const char *expect;
	} fixed[] = {
		{ "{\"type\":\"ChangePrice\",\"product_id\":1,"
		  "\"new_price\":\"9.99\"}",
		  EXPECT_LINE,
		  "ChangePrice: field 'new_price' must be a number" },
		{ "{\"type\":\"UpdateStock\",\"product_id\":\"1\","
		  "\"new_stock\":5}",
		  EXPECT_CONTAINS, "'product_id'" },
		{ "{\"type\":\"CreateProduct\",\"name\":42,\"price\":1,"
		  "\"cost_price\":1,\"supplier_id\":1,\"supplier_name\":\"A\","
		  "\"stock\":1}",
		  EXPECT_CONTAINS, "'name'" },
		{ "{\"type\":\"DeleteProduct\",\"product_id\":1}", EXPECT_LINE,
		  "unknown command type 'DeleteProduct'" },
		{ "{\"type\":\"Foo\xff\xfe\"}", EXPECT_PREFIX,
		  "unknown command type 'Foo" },
		{ long_type, EXPECT_PREFIX, "unknown command type '\xc3\xa9" },
		{ "{\"type\":\"updatestock\",\"product_id\":1,\"new_stock\":1}",
		  EXPECT_LINE, "unknown command type 'updatestock'" },
		{ "{\"type\":\"UpdateStock\",\"product_id\":1}", EXPECT_LINE,
		  "UpdateStock: missing field 'new_stock'" },
		{ "{\"type\":\"UpdateStock\",\"product_id\":1,"
		  "\"new_stock\":1e20}",
		  EXPECT_CONTAINS, "'new_stock'" },
		{ "{\"type\":\"UpdateStock\",\"product_id\":1,"
		  "\"new_stock\":9007199254740993}",
		  EXPECT_CONTAINS, "'new_stock'" },
		{ "{\"type\":\"UpdateStock\",\"product_id\":1,"
		  "\"new_stock\":2.5}",
		  EXPECT_CONTAINS, "'new_stock'" },
		{ "{\"type\":\"ChangePrice\",\"product_id\":1,"
		  "\"new_price\":1e400}",
		  EXPECT_CONTAINS, "'new_price'" },
		{ "{\"type\":\"RecordProductView\",\"product_id\":-1e300}",
		  EXPECT_CONTAINS, "'product_id'" },
		{ "{\"type\":\"RecordProductView\",\"product_id\":1,"
		  "\"product_id\":2}",
		  EXPECT_CONTAINS, "'product_id'" },
		{ "{\"type\":\"RecordProductView\",\"product_id\":1,"
		  "\"colour\":\"red\"}",
		  EXPECT_LINE, "RecordProductView: unknown field 'colour'" },
		{ "{\"product_id\":1}", EXPECT_CONTAINS, "'type'" },
		{ "{\"type\":7,\"product_id\":1}", EXPECT_CONTAINS, "'type'" },
		{ "{\"type\":\"CreateProduct\",\"name\":\"\xff\xfe\","
		  "\"price\":1,\"cost_price\":1,\"supplier_id\":1,"
		  "\"supplier_name\":\"A\",\"stock\":1}",
		  EXPECT_CONTAINS, "'name'" },
		{ "{\"type\":\"RecordProductView\",\"product_id\":1} x",
		  EXPECT_PREFIX, "not valid JSON near character " },
		{ "[1,2]", EXPECT_PREFIX, "" },
		{ "42", EXPECT_PREFIX, "" },
		{ "null", EXPECT_PREFIX, "" },
		{ "\"CreateProduct\"", EXPECT_PREFIX, "" },
		{ "", EXPECT_LINE, "empty line" },
		{ " \t ", EXPECT_LINE, "empty line" },
		{ "\r", EXPECT_LINE, "empty line" },
	};
	uint32_t kind = rnd(m, COUNT(fixed) + 4);
	struct create c;

	if (kind < COUNT(fixed)) {
		sb_str(line, fixed[kind].line);
		if (fixed[kind].kind == EXPECT_LINE)
			return refused(fixed[kind].expect);
		return error_like(fixed[kind].kind, fixed[kind].expect);
	}
	if (kind == COUNT(fixed))
		return gen_random_bytes(m, line);
	random_create(m, &c);
	create_line(line, &c);
	if (kind == COUNT(fixed) + 1) {
		sb_str(line, ",\"colour\":\"red\"}");
		return refused("CreateProduct: unknown field 'colour'");
	}
	/* A valid create, cut short. */
	line->len = 1 + rnd(m, (uint32_t)line->len - 1);
	line->s[line->len] = '\0';
	return error_like(EXPECT_PREFIX, "not valid JSON near character ");
}

/* One input line, ended with "\n" (now and then "\r\n"). */
static struct expect gen_line(struct model *m, struct sb *line)
{
	uint32_t r = rnd(m, 100);
	struct expect ex;

	if (r < 20)
		ex = gen_create(m, line);
	else if (r < 26)
		ex = gen_bad_create(m, line);
	else if (r < 42)
		ex = gen_update_stock(m, line);
	else if (r < 56)
		ex = gen_change_price(m, line);
	else if (r < 72)
		ex = gen_record_view(m, line);
	else
		ex = gen_bad_line(m, line);
	sb_str(line, rnd(m, 10) == 0 ? "\r\n" : "\n");
	return ex;
}

/* ---- checking a run against the model ------------------------------------ */

static size_t lines_per_seed(void)
{
	const char *env = getenv("ES_CATALOG_LINES");
	long n = env != NULL ? strtol(env, NULL, 10) : 0;

	return n > 0 && n <= 100000 ? (size_t)n : DEFAULT_LINES;
}

/* Answer `no` to `input` is `line`; does it say what `ex` expects? */
static void check_answer(size_t no, const char *input, const char *line,
			 const struct expect *ex)
{
	const cJSON *ok;
	const cJSON *error;
	char *again;
	cJSON *root;
	bool shape;
	bool matches;
	bool canonical;

	if (!utf8_valid(line))
		FAIL("answer %zu is not valid UTF-8: %.200s", no, line);
	if (ex->kind == EXPECT_LINE) {
		if (strcmp(line, ex->text) != 0)
			FAIL("answer %zu is %.300s, expected %.300s\n      "
			     "to the line: %.200s",
			     no, line, ex->text, input);
		return;
	}
	root = cJSON_Parse(line);
	ok = root != NULL ? root->child : NULL;
	error = ok != NULL ? ok->next : NULL;
	shape = error != NULL && error->next == NULL &&
		strcmp(ok->string, "ok") == 0 && cJSON_IsFalse(ok) &&
		strcmp(error->string, "error") == 0 && cJSON_IsString(error);
	matches = shape &&
		  (ex->kind == EXPECT_PREFIX
			   ? strncmp(error->valuestring, ex->text,
				     strlen(ex->text)) == 0
			   : strstr(error->valuestring, ex->text) != NULL);
	again = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
	canonical = again != NULL && strcmp(again, line) == 0;
	cJSON_free(again);
	cJSON_Delete(root);
	if (!shape || !matches || !canonical)
		FAIL("answer %zu is %.300s, expected "
		     "{\"ok\":false,\"error\":"
		     "...} with an error %s \"%s\"\n      to the line: "
		     "%.200s",
		     no, line,
		     ex->kind == EXPECT_PREFIX ? "starting" : "containing",
		     ex->text, input);
}

/*
 * Every stored event is the model's, field for field and byte for byte.
 * Returns the events' timestamps, which only the program knows.
 */
static const char **check_events(const struct model *m)
{
	const char **at = own(calloc(m->nevents + 1, sizeof(*at)));
	struct event_row *rows;
	size_t n = load_events(events_db, &rows);

	ES_ASSERT_INT_EQ(n, m->nevents);
	for (size_t i = 0; i < n; i++) {
		const struct event_row *r = &rows[i];
		const struct m_event *ev = &m->events[i];
		const char *want = own_printf("%s%s%s", ev->head,
					      r->occurred_at, ev->tail);
		cJSON *got_json = cJSON_Parse(r->data);
		cJSON *want_json = cJSON_Parse(want);
		bool same = got_json != NULL && want_json != NULL &&
			    cJSON_Compare(got_json, want_json, true);

		cJSON_Delete(got_json);
		cJSON_Delete(want_json);
		if (r->id != (long long)i + 1 ||
		    r->product_id != ev->product_id ||
		    strcmp(r->event_type, ev->type) != 0)
			FAIL("event %zu is (id %lld, product %lld, %s), "
			     "expected (id %zu, product %lld, %s)",
			     i + 1, r->id, r->product_id, r->event_type, i + 1,
			     ev->product_id, ev->type);
		if (!is_timestamp(r->occurred_at))
			FAIL("event %zu: occurred_at \"%s\" is not an ISO "
			     "8601 UTC timestamp",
			     i + 1, r->occurred_at);
		if (!same)
			FAIL("event %zu: data %.400s\n      does not hold "
			     "the "
			     "fields %.400s",
			     i + 1, r->data, want);
		if (strcmp(r->data, want) != 0)
			FAIL("event %zu: data %.400s\n      has the right "
			     "fields, but json.dumps would write %.400s",
			     i + 1, r->data, want);
		at[i] = r->occurred_at;
	}
	ES_ASSERT_INT_EQ(
		query_int(events_db, "SELECT COUNT(*) FROM product_registry"),
		m->nproducts);
	return at;
}

/* The views hold the model's products, and only them. */
static void check_views(const struct model *m, const char **at)
{
	struct sb detail = { 0 };
	struct sb list = { 0 };

	sb_grow(&detail, 0);
	sb_grow(&list, 0);
	for (size_t k = 0; k < m->nproducts; k++) {
		const struct m_product *p = &m->products[k];
		double price = (double)p->price / 100.0;

		sb_printf(&detail, "%zu|'%s'|", k + 1, p->name);
		if (p->description != NULL)
			sb_printf(&detail, "'%s'|", p->description);
		else
			sb_str(&detail, "NULL|");
		sb_printf(&detail, "r%.17g|%lld|%lld|'%s'|'%s'|'%s'\n", price,
			  p->stock, p->views, p->supplier_name, at[p->created],
			  at[p->updated]);
		sb_printf(&list, "%zu|'%s'|r%.17g|%lld|'%s'\n", k + 1, p->name,
			  price, p->stock, p->supplier_name);
	}
	expect_same_rows("product_detail_view", rows_text(read_db, detail_sql),
			 sb_own(&detail));
	expect_same_rows("product_list_view", rows_text(read_db, list_sql),
			 sb_own(&list));
}

/*
 * Feed catalog apply the model's lines for `seed` and check everything
 * against the model: each answer, each event, the registry, the views.
 */
static void run_model(uint64_t seed)
{
	size_t n = lines_per_seed();
	struct model m = { .rng = seed };
	struct expect *expects = own(calloc(n, sizeof(*expects)));
	const char **inputs = own(calloc(n, sizeof(*inputs)));
	struct sb input = { 0 };
	const char *path;
	char **lines;

	use_dir("work");
	m.products = own(calloc(n + 1, sizeof(*m.products)));
	m.events = own(calloc(n + 1, sizeof(*m.events)));
	for (size_t i = 0; i < n; i++) {
		struct sb line = { 0 };

		expects[i] = gen_line(&m, &line);
		sb_add(&input, line.s, line.len);
		inputs[i] = sb_own(&line);
	}
	sb_own(&input);
	path = tpath("commands.jsonl");
	write_file(path, input.s, input.len);
	CATALOG(path, "apply");
	expect_status(0);
	expect_quiet_stderr();
	ES_ASSERT_INT_EQ(out_lines(&lines), n);
	for (size_t i = 0; i < n; i++)
		check_answer(i + 1, inputs[i], lines[i], &expects[i]);
	check_views(&m, check_events(&m));
}

/* ---- a small fixed scenario ---------------------------------------------- */

static const char scenario[] =
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99,"
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":100,\"description\":null}\n"
	"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\",\"price\":49.99,"
	"\"cost_price\":22.5,\"supplier_id\":1,\"supplier_name\":\"Acme Corp\","
	"\"stock\":0,\"description\":\"Does 100% of it_\"}\n"
	"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":50}\n"
	"{\"type\":\"ChangePrice\",\"product_id\":2,\"new_price\":44.99}\n"
	"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
	"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
	"{\"type\":\"RecordProductView\",\"product_id\":7}\n"
	"{\"type\":\"UpdateStock\",\"product_id\":7,\"new_stock\":1}\n";

static const char scenario_answers[] =
	"{\"ok\":true,\"product_id\":1}\n"
	"{\"ok\":true,\"product_id\":2}\n"
	"{\"ok\":true}\n"
	"{\"ok\":true}\n"
	"{\"ok\":true}\n"
	"{\"ok\":true}\n"
	"{\"ok\":true}\n"
	"{\"ok\":false,\"error\":\"Product 7 not found\"}\n";

static const char *scenario_file(void)
{
	const char *path = tpath("scenario.jsonl");

	write_file(path, scenario, strlen(scenario));
	return path;
}

/* Apply the scenario to the current files; return its 7 events. */
static struct event_row *apply_scenario(void)
{
	struct event_row *rows;

	CATALOG(scenario_file(), "apply");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout(scenario_answers);
	ES_ASSERT_INT_EQ(load_events(events_db, &rows), 7);
	return rows;
}

/* ---- the command line ---------------------------------------------------- */

/*
 * The help and the usage errors come from the program's own option
 * parsing, not from the library, so these three tests pass even on a
 * stubbed library; they pin down the command-line contract all the same.
 */
static void test_help(void)
{
	static const char *const asks[][3] = {
		{ "--help" },
		{ "-h" },
		{ "--events", "x.db", "--help" },
	};
	static const char *const mentions[] = {
		"usage: catalog [--events FILE] [--read FILE] VERB [ARGS]\n",
		"\n  demo ",
		"\n  apply [FILE] ",
		"\n  log [PRODUCT_ID] ",
		"\n  state ID [--at TIME] ",
		"\n  detail ID ",
		"\n  card ID ",
		"\n  list ",
		"\n  search TEXT ",
		"\n  rebuild ",
		"ISO 8601",
		"prints nothing when it succeeds",
		"2 usage error",
	};

	use_dir("work");
	for (size_t i = 0; i < COUNT(asks); i++) {
		int n = asks[i][1] != NULL ? 3 : 1;

		run_args(NULL, NULL, work, asks[i], n);
		expect_status(0);
		expect_quiet_stderr();
		if (strncmp(last.out, mentions[0], strlen(mentions[0])) != 0)
			FAIL("%s: the help starts \"%.80s\"", last.cmd,
			     last.out);
		for (size_t k = 1; k < COUNT(mentions); k++) {
			if (strstr(last.out, mentions[k]) == NULL)
				FAIL("%s: the help does not mention \"%s\"",
				     last.cmd, mentions[k]);
		}
	}
	ES_ASSERT_TRUE(!exists(events_db) && !exists(read_db));
}

/* Run each row in the work directory; each must fail as a usage error. */
struct usage_row {
	const char *name;
	const char *args[5];
	const char *error;
};

static void expect_usage_errors(const struct usage_row *rows, size_t count)
{
	use_dir("work");
	for (size_t i = 0; i < count; i++) {
		int n = 0;

		while (n < 5 && rows[i].args[n] != NULL)
			n++;
		run_args(NULL, NULL, work, rows[i].args, n);
		if (last.status != 2 || strncmp(last.err, rows[i].error,
						strlen(rows[i].error)) != 0)
			FAIL("%s: exit %d, \"%.200s\"; expected exit 2, "
			     "\"%s...\"",
			     rows[i].name, last.status, last.err,
			     rows[i].error);
		expect_error(rows[i].error);
		expect_stdout("");
	}
	/* A usage error touches no file: nothing was created here. */
	ES_ASSERT_TRUE(!exists(events_db) && !exists(read_db));
}

static void test_usage_errors(void)
{
	static const struct usage_row rows[] = {
		{ "no verb", { NULL }, "catalog: no verb given" },
		{ "an unknown verb",
		  { "frobnicate" },
		  "catalog: unknown verb 'frobnicate'" },
		{ "an unknown option",
		  { "--verbose", "list" },
		  "catalog: unknown option '--verbose'" },
		{ "--events without a file",
		  { "--events" },
		  "catalog: --events needs a FILE" },
		{ "--read with an empty file name",
		  { "--read", "", "list" },
		  "catalog: --read needs a FILE" },
		{ "an option after the verb",
		  { "list", "--read", "x.db" },
		  "catalog: usage: catalog list" },
		{ "detail without an id",
		  { "detail" },
		  "catalog: usage: catalog detail ID" },
		{ "card with two ids",
		  { "card", "1", "2" },
		  "catalog: usage: catalog card ID" },
		{ "--at without a time",
		  { "state", "1", "--at" },
		  "catalog: usage: catalog state ID [--at TIME]" },
		{ "state with another option",
		  { "state", "1", "--by", "x" },
		  "catalog: usage: catalog state ID [--at TIME]" },
		{ "--at with a time that is not ISO 8601",
		  { "state", "1", "--at", "yesterday" },
		  "catalog: time 'yesterday' is not ISO 8601: write " },
		{ "--at with a time that is not UTC",
		  { "state", "1", "--at", "2026-11-27T14:32:05+01:00" },
		  "catalog: time '2026-11-27T14:32:05+01:00' is not UTC: end "
		  "it with Z or +00:00" },
		{ "--at with a day the month does not have",
		  { "state", "1", "--at", "2026-02-29" },
		  "catalog: time '2026-02-29': day 29 is out of range" },
		{ "list with an argument",
		  { "list", "all" },
		  "catalog: usage: catalog list" },
		{ "search without a text",
		  { "search" },
		  "catalog: usage: catalog search TEXT" },
		{ "apply with two files",
		  { "apply", "a", "b" },
		  "catalog: usage: catalog apply [FILE]" },
		{ "rebuild with an argument",
		  { "rebuild", "now" },
		  "catalog: usage: catalog rebuild" },
		{ "demo with an argument",
		  { "demo", "again" },
		  "catalog: usage: catalog demo" },
	};

	expect_usage_errors(rows, COUNT(rows));
}

static void test_bad_ids(void)
{
	static const struct usage_row rows[] = {
		{ "an id of zero", { "detail", "0" }, "catalog: ID must be" },
		{ "a negative id", { "card", "-1" }, "catalog: ID must be" },
		{ "an id with a sign",
		  { "state", "+1" },
		  "catalog: ID must be" },
		{ "an id with letters",
		  { "state", "1x" },
		  "catalog: ID must be" },
		{ "an id with a space",
		  { "detail", " 1" },
		  "catalog: ID must be" },
		{ "an empty id", { "log", "" }, "catalog: ID must be" },
		{ "an id beyond 2^53",
		  { "log", "9007199254740992" },
		  "catalog: ID must be" },
		{ "an id beyond 2^64",
		  { "log", "99999999999999999999999" },
		  "catalog: ID must be" },
	};

	expect_usage_errors(rows, COUNT(rows));
}

static void test_demo(void)
{
	static const char *const demo[] = { "demo" };
	static const char *const list[] = { "list" };
	const char *last_line;

	use_dir("work");
	/* No options: the default files, in the current directory. */
	run_args(NULL, NULL, work, demo, 1);
	expect_status(0);
	expect_quiet_stderr();
	if (strncmp(last.out, "{\"id\":1,\"name\":\"Widget Pro\",", 28) != 0 ||
	    strstr(last.out, "\n--- Event Log for Gadget Plus ---\n") == NULL ||
	    strstr(last.out,
		   "\n--- Rebuilding read model from scratch ---\n") == NULL)
		FAIL("demo printed \"%.600s\"", last.out);
	ES_ASSERT_INT_EQ(query_int(events_db, "SELECT COUNT(*) FROM events"),
			 4);
	ES_ASSERT_INT_EQ(
		query_int(read_db, "SELECT COUNT(*) FROM product_list_view"),
		2);
	last_line = strstr(last.out, "from scratch ---\n") + 17;
	last_line = own_printf("%s", last_line);
	run_args(NULL, NULL, work, list, 1);
	expect_status(0);
	expect_stdout(last_line);
}

/* ---- apply --------------------------------------------------------------- */

static void test_apply_scenario(void)
{
	struct event_row *ev;
	const char *detail;
	const char *list;

	use_dir("work");
	ev = apply_scenario();
	ES_ASSERT_STR_EQ(ev[0].data,
			 own_printf("{\"product_id\": 1, \"name\": \"Widget "
				    "Pro\", \"price\": 29.99, \"cost_price\": "
				    "12.0, \"supplier_id\": 1, "
				    "\"supplier_name\": \"Acme Corp\", "
				    "\"stock\": 100, \"occurred_at\": \"%s\", "
				    "\"description\": null}",
				    ev[0].occurred_at));
	ES_ASSERT_STR_EQ(ev[6].data,
			 own_printf("{\"product_id\": 7, \"occurred_at\": "
				    "\"%s\"}",
				    ev[6].occurred_at));
	detail = own_printf("1|'Widget Pro'|NULL|r%.17g|100|2|'Acme Corp'|'%s'"
			    "|'%s'\n2|'Gadget Plus'|'Does 100%% of it_'|r%.17g"
			    "|50|0|'Acme Corp'|'%s'|'%s'\n",
			    29.99, ev[0].occurred_at, ev[0].occurred_at, 44.99,
			    ev[1].occurred_at, ev[3].occurred_at);
	list = own_printf("1|'Widget Pro'|r%.17g|100|'Acme Corp'\n"
			  "2|'Gadget Plus'|r%.17g|50|'Acme Corp'\n",
			  29.99, 44.99);
	expect_same_rows("product_detail_view", rows_text(read_db, detail_sql),
			 detail);
	expect_same_rows("product_list_view", rows_text(read_db, list_sql),
			 list);
}

static void test_apply_file_argument(void)
{
	const char *missing;

	use_dir("a");
	CATALOG(NULL, "apply", scenario_file());
	expect_status(0);
	expect_stdout(scenario_answers);
	use_dir("b");
	CATALOG(scenario_file(), "apply", "-");
	expect_status(0);
	expect_stdout(scenario_answers);
	use_dir("c");
	missing = tpath("no-such-file.jsonl");
	CATALOG(NULL, "apply", missing);
	expect_failure(1, own_printf("catalog: %s: No such file or directory",
				     missing));
	ES_ASSERT_TRUE(!exists(events_db));
}

static void test_apply_seed_1(void)
{
	run_model(UINT64_C(0x5eed0001));
}

static void test_apply_seed_2(void)
{
	run_model(UINT64_C(0x5eed0002));
}

static void test_apply_seed_3(void)
{
	run_model(UINT64_C(0xfeedface5eed0003));
}

static void test_apply_garbage(void)
{
	static const char *const valid[] = {
		"{\"type\":\"CreateProduct\",\"name\":\"Cr\\u00e8me "
		"\\ud83c\\udf89\",\"price\":19.9,\"cost_price\":7.25,"
		"\"supplier_id\":2,\"supplier_name\":\"P\\u00e2tisserie\","
		"\"stock\":12,\"description\":\"a \\\"b\\\"\"}",
		"{\"type\":\"CreateProduct\",\"name\":\"日本茶 🎉\","
		"\"price\":30,\"cost_price\":12,\"supplier_id\":3,"
		"\"supplier_name\":\"茶屋\",\"stock\":0,\"description\":null}",
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":40}",
		"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":1}",
		"{\"type\":\"RecordProductView\",\"product_id\":1}",
	};
	struct model m = { .rng = UINT64_C(0xbad) };
	struct expect *expects;
	struct sb input = { 0 };
	size_t count = 0;
	size_t random_lines = 300;
	const char *path;
	char **lines;

	use_dir("work");
	for (size_t i = 0; i < COUNT(valid); i++)
		count += strlen(valid[i]) - 1;
	expects = own(calloc(count + random_lines, sizeof(*expects)));
	count = 0;
	/* Every valid command, cut short at every byte. */
	for (size_t i = 0; i < COUNT(valid); i++) {
		for (size_t len = 1; len < strlen(valid[i]); len++) {
			sb_add(&input, valid[i], len);
			sb_str(&input, "\n");
			expects[count++] =
				error_like(EXPECT_PREFIX,
					   "not valid JSON near character ");
		}
	}
	for (size_t i = 0; i < random_lines; i++) {
		expects[count++] = gen_random_bytes(&m, &input);
		sb_str(&input, "\n");
	}
	sb_own(&input);
	path = tpath("garbage.txt");
	write_file(path, input.s, input.len);
	CATALOG(path, "apply");
	expect_status(0);
	expect_quiet_stderr();
	ES_ASSERT_INT_EQ(out_lines(&lines), count);
	for (size_t i = 0; i < count; i++)
		check_answer(i + 1, "(garbage)", lines[i], &expects[i]);
	ES_ASSERT_INT_EQ(query_int(events_db, "SELECT COUNT(*) FROM events"),
			 0);
	ES_ASSERT_INT_EQ(
		query_int(events_db, "SELECT COUNT(*) FROM product_registry"),
		0);
}

static void test_apply_long_lines(void)
{
	const struct expect nesting = { EXPECT_PREFIX, "not valid JSON" };
	const size_t chars = 200000;
	const char *path;
	struct sb input = { 0 };
	char **lines;

	use_dir("work");
	sb_str(&input, "{\"type\":\"CreateProduct\",\"name\":\"");
	for (size_t i = 0; i < chars; i++)
		sb_str(&input, "é");
	sb_str(&input, "\",\"price\":1.5,\"cost_price\":1,\"supplier_id\":1,"
		       "\"supplier_name\":\"Acme\",\"stock\":1}\n");
	for (size_t i = 0; i < 300000; i++)
		sb_str(&input, "[");
	sb_str(&input, "\n{\"type\":\"RecordProductView\",\"product_id\":1}\n");
	sb_own(&input);
	path = tpath("long.txt");
	write_file(path, input.s, input.len);
	CATALOG(path, "apply");
	expect_status(0);
	expect_quiet_stderr();
	ES_ASSERT_INT_EQ(out_lines(&lines), 3);
	ES_ASSERT_STR_EQ(lines[0], "{\"ok\":true,\"product_id\":1}");
	check_answer(2, "300000 '['", lines[1], &nesting);
	ES_ASSERT_STR_EQ(lines[2], "{\"ok\":true}");
	ES_ASSERT_INT_EQ(query_int(read_db, "SELECT length(name) FROM "
					    "product_detail_view WHERE id = 1"),
			 chars);
	ES_ASSERT_INT_EQ(query_int(read_db, "SELECT view_count FROM "
					    "product_detail_view WHERE id = 1"),
			 1);
}

static void test_apply_read_model_behind(void)
{
	static const char create[] =
		"{\"type\":\"CreateProduct\",\"name\":\"Widget\",\"price\":2,"
		"\"cost_price\":1,\"supplier_id\":1,\"supplier_name\":\"Acme\","
		"\"stock\":100}\n";
	static const char more[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":5}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":2.5}"
		"\n"
		"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":0}\n";
	static const char refused_line[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,"
		"\"new_stock\":-1}\n";
	static const char accepted_line[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,"
		"\"new_stock\":5}\n";
	const char *path = tpath("more.jsonl");

	use_dir("work");
	write_file(path, create, strlen(create));
	CATALOG(path, "apply");
	expect_status(0);
	/* From now on the read model refuses to change a product's stock. */
	exec_on(read_db, "CREATE TRIGGER refuse BEFORE UPDATE ON "
			 "product_list_view BEGIN SELECT RAISE(ABORT, "
			 "'refused by the test'); END;");
	write_file(path, more, strlen(more));
	CATALOG(path, "apply");
	expect_status(1);
	expect_stdout("{\"ok\":true}\n{\"ok\":true}\n{\"ok\":true}\n"
		      "{\"ok\":false,\"error\":\"Price must be positive\"}\n");
	expect_error("catalog: line 1: the read model stops at event 1 (");
	if (strstr(last.err, "refused by the test") == NULL ||
	    strstr(last.err, "catalog rebuild") == NULL)
		FAIL("the error does not say why, or what to do: %s", last.err);
	ES_ASSERT_INT_EQ(query_int(events_db, "SELECT COUNT(*) FROM events"),
			 4);
	/* Nothing after the failed event was projected, the event itself
	 * neither (all views change, or none does), and the checkpoint
	 * still says so. */
	expect_same_rows("product_detail_view",
			 rows_text(read_db, "SELECT stock, view_count, price "
					    "FROM product_detail_view"),
			 "100|0|r2\n");
	ES_ASSERT_INT_EQ(query_int(read_db, "SELECT last_event_id FROM "
					    "projection_checkpoint"),
			 1);
	/* Once the cause is gone, a refused command catches up with
	 * nothing (it appended nothing); the next accepted one catches up
	 * with everything, its own event included. */
	exec_on(read_db, "DROP TRIGGER refuse;");
	write_file(path, refused_line, strlen(refused_line));
	CATALOG(path, "apply");
	expect_status(0);
	expect_quiet_stderr();
	expect_same_rows("product_detail_view after a refused command",
			 rows_text(read_db, "SELECT stock, view_count, price "
					    "FROM product_detail_view"),
			 "100|0|r2\n");
	write_file(path, accepted_line, strlen(accepted_line));
	CATALOG(path, "apply");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout("{\"ok\":true}\n");
	expect_same_rows("product_detail_view",
			 rows_text(read_db, "SELECT stock, view_count, price "
					    "FROM product_detail_view"),
			 "5|1|r2.5\n");
	CATALOG(NULL, "rebuild");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout("");
	expect_same_rows("product_detail_view",
			 rows_text(read_db, "SELECT stock, view_count, price "
					    "FROM product_detail_view"),
			 "5|1|r2.5\n");
}

/* Append a row to the log with SQL, past the program's checks. */
static void insert_event(const char *path, long long product_id,
			 const char *type, const char *data)
{
	sqlite3 *db = open_db(path, SQLITE_OPEN_READWRITE);
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"INSERT INTO events (product_id, event_type, "
				"data, occurred_at) VALUES (?, ?, ?, "
				"'2026-11-27T14:32:05.123456+00:00')",
				-1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 1, product_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 2, type, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 3, data, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		FAIL("inserting a raw event failed: %s", sqlite3_errmsg(db));
	close_db(db);
}

static void test_apply_corrupted_log(void)
{
	static const char more[] =
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n"
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":5}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n";
	static const char stops[] =
		"catalog: line 1: the read model stops at event 7 (event 8: ";
	const struct expect failed = { EXPECT_PREFIX, "" };
	const char *path = tpath("more.jsonl");
	const char *second;
	char **lines;

	use_dir("work");
	apply_scenario();
	insert_event(events_db, 1, "StockUpdated", "{\"product_id\": 1, ");
	write_file(path, more, strlen(more));
	CATALOG(path, "apply");
	/*
	 * Line 1's view is appended, but the read model cannot catch up
	 * past the bad row; line 2 is answered, then apply stops: the log
	 * cannot be read.
	 */
	expect_status(1);
	second = strchr(last.err, '\n');
	if (strncmp(last.err, stops, strlen(stops)) != 0 || second == NULL ||
	    strncmp(second + 1, "catalog: line 2: event 8: ", 26) != 0 ||
	    strchr(second + 1, '\n')[1] != '\0')
		FAIL("standard error is \"%s\", expected a line starting "
		     "\"%s\", then one starting \"catalog: line 2: event 8: \"",
		     last.err, stops);
	ES_ASSERT_INT_EQ(out_lines(&lines), 2);
	ES_ASSERT_STR_EQ(lines[0], "{\"ok\":true}");
	check_answer(2, "the UpdateStock", lines[1], &failed);
	ES_ASSERT_INT_EQ(query_int(events_db, "SELECT COUNT(*) FROM events"),
			 9);
}

/*
 * Events that reached the log without reaching this read model: another
 * catalog that projects into a read model of its own, and a program that
 * appends with SQL and projects nothing (the seed's Python code could).
 * The next accepted command here catches up with all of them, once.
 */
static void test_apply_catches_up(void)
{
	static const char others[] =
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":5}\n";
	static const char ours[] =
		"{\"type\":\"RecordProductView\",\"product_id\":2}\n";
	static const char counts_sql[] =
		"SELECT id, stock, view_count FROM product_detail_view "
		"ORDER BY id";
	static const char checkpoint_sql[] =
		"SELECT last_event_id FROM projection_checkpoint";
	const char *path = tpath("more.jsonl");
	const char *our_read_db;
	const char *after;

	use_dir("work");
	apply_scenario();
	ES_ASSERT_INT_EQ(query_int(read_db, checkpoint_sql), 7);
	our_read_db = read_db;
	read_db = own_printf("%s/elsewhere.db", work);
	write_file(path, others, strlen(others));
	CATALOG(path, "apply");
	expect_status(0);
	expect_quiet_stderr();
	read_db = our_read_db;
	insert_event(events_db, 2, "ProductViewed",
		     "{\"product_id\": 2, \"occurred_at\": "
		     "\"2026-11-27T14:32:05.123456+00:00\"}");
	expect_same_rows("product_detail_view before catching up",
			 rows_text(read_db, counts_sql), "1|100|2\n2|50|0\n");
	ES_ASSERT_INT_EQ(query_int(read_db, checkpoint_sql), 7);
	write_file(path, ours, strlen(ours));
	CATALOG(path, "apply");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout("{\"ok\":true}\n");
	ES_ASSERT_INT_EQ(query_int(read_db, checkpoint_sql), 12);
	expect_same_rows("product_detail_view after catching up",
			 rows_text(read_db, counts_sql), "1|100|4\n2|5|2\n");
	expect_same_rows("view_count_summary",
			 rows_text(read_db, "SELECT * FROM view_count_summary "
					    "ORDER BY product_id"),
			 "1|4\n2|2\n7|1\n");
	expect_same_rows("low_stock_alert_view",
			 rows_text(read_db, "SELECT * FROM "
					    "low_stock_alert_view ORDER BY "
					    "product_id"),
			 "2|'Gadget Plus'|5\n");
	/* Nothing was counted twice: a replay of the log agrees. */
	after = own_printf("%s%s", rows_text(read_db, detail_sql),
			   rows_text(read_db, list_sql));
	CATALOG(NULL, "rebuild");
	expect_status(0);
	expect_same_rows("the views after a rebuild",
			 own_printf("%s%s", rows_text(read_db, detail_sql),
				    rows_text(read_db, list_sql)),
			 after);
}

/* ---- the read verbs ------------------------------------------------------ */

static void test_log(void)
{
	struct event_row *ev;
	struct sb all = { 0 };

	use_dir("work");
	ev = apply_scenario();
	for (size_t i = 0; i < 7; i++)
		sb_printf(&all, "%s\n", log_line(&ev[i], ev[i].data));
	sb_own(&all);
	CATALOG(NULL, "log");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout(all.s);
	CATALOG(NULL, "log", "2");
	expect_status(0);
	expect_stdout(own_printf("%s\n%s\n%s\n", log_line(&ev[1], ev[1].data),
				 log_line(&ev[2], ev[2].data),
				 log_line(&ev[3], ev[3].data)));
	/* A product never created still has the views recorded for it. */
	CATALOG(NULL, "log", "7");
	expect_status(0);
	expect_stdout(own_printf("%s\n", log_line(&ev[6], ev[6].data)));
	CATALOG(NULL, "log", "42");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout("");
}

static void test_state(void)
{
	static const char gadget[] =
		"{\"id\":2,\"name\":\"Gadget Plus\",\"description\":\"Does "
		"100%% "
		"of it_\",\"price\":%s,\"cost_price\":22.5,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":%d,\"view_count\":0,"
		"\"version\":%d}\n";
	struct event_row *ev;
	const char *z_time;
	const char *day;

	use_dir("work");
	ev = apply_scenario();
	CATALOG(NULL, "state", "1");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout("{\"id\":1,\"name\":\"Widget Pro\",\"description\":null,"
		      "\"price\":29.99,\"cost_price\":12.0,\"supplier_id\":1,"
		      "\"supplier_name\":\"Acme Corp\",\"stock\":100,"
		      "\"view_count\":2,\"version\":3}\n");
	CATALOG(NULL, "state", "2");
	expect_status(0);
	expect_stdout(own_printf(gadget, "44.99", 50, 3));
	/* Time travel: up to and including the event stamped TIME. */
	CATALOG(NULL, "state", "2", "--at", ev[2].occurred_at);
	expect_status(0);
	expect_stdout(own_printf(gadget, "49.99", 50, 2));
	CATALOG(NULL, "state", "2", "--at", ev[1].occurred_at);
	expect_status(0);
	expect_stdout(own_printf(gadget, "49.99", 0, 1));
	/* The same moment, written with Z for +00:00. */
	z_time = own_printf("%.*sZ", (int)strlen(ev[2].occurred_at) - 6,
			    ev[2].occurred_at);
	CATALOG(NULL, "state", "2", "--at", z_time);
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout(own_printf(gadget, "49.99", 50, 2));
	/* A date is its midnight: long after, everything; on the day the
	 * events were written, none of them yet. */
	CATALOG(NULL, "state", "2", "--at", "2999-12-31");
	expect_status(0);
	expect_stdout(own_printf(gadget, "44.99", 50, 3));
	day = own_printf("%.10s", ev[0].occurred_at);
	CATALOG(NULL, "state", "2", "--at", day);
	expect_failure(1, own_printf("catalog: Product 2 did not exist at "
				     "%sT00:00:00+00:00\n", day));
}

static void test_state_not_found(void)
{
	static const struct {
		const char *name;
		const char *id;
		const char *at;
		const char *error;
	} rows[] = {
		{ "a product never created", "99", NULL,
		  "catalog: Product 99 not found\n" },
		{ "a product with only views", "7", NULL,
		  "catalog: Product 7 not found\n" },
		{ "a product before it was created", "2",
		  "1970-01-01T00:00:00+00:00",
		  "catalog: Product 2 did not exist at "
		  "1970-01-01T00:00:00+00:00\n" },
		{ "a product never created, at a date", "99", "2999-12-31",
		  "catalog: Product 99 did not exist at "
		  "2999-12-31T00:00:00+00:00\n" },
	};

	use_dir("work");
	apply_scenario();
	for (size_t i = 0; i < COUNT(rows); i++) {
		if (rows[i].at != NULL)
			CATALOG(NULL, "state", rows[i].id, "--at", rows[i].at);
		else
			CATALOG(NULL, "state", rows[i].id);
		if (last.status != 1)
			FAIL("%s: exit %d, expected 1", rows[i].name,
			     last.status);
		expect_failure(1, rows[i].error);
	}
}

static void test_queries(void)
{
	static const char widget[] = "{\"id\":1,\"name\":\"Widget "
				     "Pro\",\"price\":29.99,\"stock\":100,"
				     "\"supplier_name\":\"Acme Corp\"}";
	static const char gadget[] = "{\"id\":2,\"name\":\"Gadget "
				     "Plus\",\"price\":44.99,\"stock\":50,"
				     "\"supplier_name\":\"Acme Corp\"}";
	struct event_row *ev;

	use_dir("work");
	ev = apply_scenario();
	CATALOG(NULL, "detail", "2");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout(own_printf(
		"{\"id\":2,\"name\":\"Gadget Plus\",\"description\":\"Does "
		"100%% "
		"of it_\",\"price\":44.99,\"stock\":50,\"view_count\":0,"
		"\"supplier_name\":\"Acme Corp\",\"created_at\":\"%s\","
		"\"updated_at\":\"%s\"}\n",
		ev[1].occurred_at, ev[3].occurred_at));
	CATALOG(NULL, "card", "1");
	expect_status(0);
	expect_stdout("{\"id\":1,\"name\":\"Widget Pro\",\"price\":29.99,"
		      "\"in_stock\":true}\n");
	CATALOG(NULL, "list");
	expect_status(0);
	expect_stdout(own_printf("[%s,%s]\n", widget, gadget));
	CATALOG(NULL, "search", "GADGET");
	expect_status(0);
	expect_stdout(own_printf("[%s]\n", gadget));
	CATALOG(NULL, "search", "");
	expect_status(0);
	expect_stdout(own_printf("[%s,%s]\n", widget, gadget));
	CATALOG(NULL, "search", "%");
	expect_status(0);
	expect_stdout("[]\n");
	CATALOG(NULL, "detail", "7");
	expect_failure(1, "catalog: Product 7 not found\n");
	CATALOG(NULL, "card", "99");
	expect_failure(1, "catalog: Product 99 not found\n");
}

/*
 * Step 0 (the read side) is given complete, so this test passes even when
 * the later steps are stubs; what it pins down is the program's message.
 */
static void test_queries_without_read_model(void)
{
	static const struct {
		const char *name;
		const char *verb;
		const char *arg;
		bool empty_file; /* else no file at all */
	} rows[] = {
		{ "detail, no file", "detail", "1", false },
		{ "card, no file", "card", "1", false },
		{ "list, no file", "list", NULL, false },
		{ "search, no file", "search", "x", false },
		{ "list, a database without views", "list", NULL, true },
	};

	use_dir("work");
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *want = own_printf("catalog: %s: ", read_db);
		const char *hint = "(run 'catalog rebuild' first)\n";
		size_t len;

		remove(read_db);
		if (rows[i].empty_file)
			write_file(read_db, "", 0);
		CATALOG(NULL, rows[i].verb, rows[i].arg);
		len = strlen(last.err);
		if (last.status != 1 ||
		    strncmp(last.err, want, strlen(want)) != 0 ||
		    len < strlen(hint) ||
		    strcmp(last.err + len - strlen(hint), hint) != 0)
			FAIL("%s: exit %d, \"%s\"; expected exit 1 and "
			     "\"%s... %s\"",
			     rows[i].name, last.status, last.err, want, hint);
		expect_failure(1, want);
		/* Queries create nothing. */
		ES_ASSERT_TRUE(exists(read_db) == rows[i].empty_file);
	}
}

/* ---- files that cannot be used ------------------------------------------- */

static void test_not_a_database(void)
{
	static const struct {
		const char *name;
		bool events; /* which file is junk: the log, or the views */
		const char *verb;
		const char *arg;
	} rows[] = {
		{ "log", true, "log", NULL },
		{ "log of a product", true, "log", "1" },
		{ "state", true, "state", "1" },
		{ "apply", true, "apply", NULL },
		{ "rebuild", true, "rebuild", NULL },
		{ "demo", true, "demo", NULL },
		{ "detail on junk views", false, "detail", "1" },
		{ "list on junk views", false, "list", NULL },
		{ "apply on junk views", false, "apply", NULL },
		{ "rebuild on junk views", false, "rebuild", NULL },
	};
	struct sb junk = { 0 };

	for (int i = 0; i < 100; i++)
		sb_str(&junk, "This is not an SQLite database, just text.\n");
	sb_own(&junk);
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *file;
		size_t len;
		char *after;

		use_dir(own_printf("row%zu", i));
		file = rows[i].events ? events_db : read_db;
		write_file(file, junk.s, junk.len);
		CATALOG(scenario_file(), rows[i].verb, rows[i].arg);
		if (last.status != 1)
			FAIL("%s: exit %d, expected 1; stderr \"%s\"",
			     rows[i].name, last.status, last.err);
		expect_failure(1, own_printf("catalog: %s: ", file));
		after = must_slurp(file, &len);
		if (len != junk.len || memcmp(after, junk.s, len) != 0)
			FAIL("%s: %s was changed", rows[i].name, file);
	}
}

/* The lines of two renderings of the views, for "nothing changed". */
static const char *views_snapshot(void)
{
	return own_printf("%s%s", rows_text(read_db, detail_sql),
			  rows_text(read_db, list_sql));
}

static void test_rebuild_corrupted_event(void)
{
	static const struct {
		const char *name;
		const char *type;
		const char *data;
	} rows[] = {
		{ "data that is not JSON", "StockUpdated",
		  "{\"product_id\": 1, \"new_stock\": 7" },
		{ "a field of the wrong type", "StockUpdated",
		  "{\"product_id\": 1, \"new_stock\": \"7\", \"occurred_at\": "
		  "\"2026-11-27T14:32:05+00:00\"}" },
		{ "a missing field", "PriceChanged",
		  "{\"product_id\": 1, \"occurred_at\": "
		  "\"2026-11-27T14:32:05+00:00\"}" },
		{ "a field the event does not have", "ProductViewed",
		  "{\"product_id\": 1, \"occurred_at\": "
		  "\"2026-11-27T14:32:05+00:00\", \"by\": \"me\"}" },
		{ "an unknown event type", "StockCorrected",
		  "{\"product_id\": 1, \"new_stock\": 7, \"occurred_at\": "
		  "\"2026-11-27T14:32:05+00:00\"}" },
	};
	const char *log_db;
	const char *views_db;
	char **lines;
	size_t log_len;
	size_t views_len;
	char *log_bytes;
	char *views_bytes;

	use_dir("scenario");
	apply_scenario();
	/* Views that differ from what a replay gives: a replay shows. */
	exec_on(read_db, "UPDATE product_list_view SET stock = 999;");
	log_db = events_db;
	views_db = read_db;
	log_bytes = must_slurp(log_db, &log_len);
	views_bytes = must_slurp(views_db, &views_len);
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *before;

		use_dir(own_printf("row%zu", i));
		write_file(events_db, log_bytes, log_len);
		write_file(read_db, views_bytes, views_len);
		before = views_snapshot();
		insert_event(events_db, 1, rows[i].type, rows[i].data);
		CATALOG(NULL, "rebuild");
		if (last.status != 1)
			FAIL("%s: rebuild exited %d, expected 1", rows[i].name,
			     last.status);
		expect_failure(1, "catalog: rebuild: ");
		expect_same_rows(rows[i].name, views_snapshot(), before);
	}
	/* The readers of the log stop at the row too, with exit 1. */
	CATALOG(NULL, "log");
	expect_status(1);
	expect_error("catalog: ");
	ES_ASSERT_INT_EQ(out_lines(&lines), 7);
	CATALOG(NULL, "state", "1");
	expect_failure(1, "catalog: ");
}

static void test_read_verbs_change_nothing(void)
{
	static const char *const verbs[][4] = {
		{ "log" },	   { "log", "2" },
		{ "state", "2" },  { "state", "2", "--at", NULL },
		{ "detail", "1" }, { "card", "1" },
		{ "list" },	   { "search", "g" },
	};
	struct event_row *ev;
	size_t log_len;
	size_t views_len;
	char *log_bytes;
	char *views_bytes;

	use_dir("work");
	ev = apply_scenario();
	log_bytes = must_slurp(events_db, &log_len);
	views_bytes = must_slurp(read_db, &views_len);
	/*
	 * Read-only files: as root the mode does not stop a writer, so the
	 * bytes are compared as well.
	 */
	chmod(events_db, 0444);
	chmod(read_db, 0444);
	for (size_t i = 0; i < COUNT(verbs); i++) {
		const char *at = verbs[i][2] != NULL ? ev[2].occurred_at : NULL;

		CATALOG(NULL, verbs[i][0], verbs[i][1], verbs[i][2], at);
		expect_status(0);
		expect_quiet_stderr();
	}
	chmod(events_db, 0644);
	chmod(read_db, 0644);
	ES_ASSERT_TRUE(
		memcmp(must_slurp(events_db, NULL), log_bytes, log_len) == 0);
	ES_ASSERT_TRUE(
		memcmp(must_slurp(read_db, NULL), views_bytes, views_len) == 0);
}

static void test_full_output(void)
{
	static const char *const verbs[][2] = {
		{ "list" },
		{ "log" },
		{ "state", "1" },
		{ "apply" },
	};
	static const char *const help[] = { "--help" };

	use_dir("work");
	apply_scenario();
	for (size_t i = 0; i < COUNT(verbs); i++) {
		const char *args[6] = { "--events", events_db,	 "--read",
					read_db,    verbs[i][0], verbs[i][1] };

		run_args(scenario_file(), "/dev/full", NULL, args,
			 verbs[i][1] != NULL ? 6 : 5);
		expect_status(1);
		expect_error("catalog: cannot write to standard output\n");
	}
	run_args(NULL, "/dev/full", NULL, help, 1);
	expect_status(1);
	expect_error("catalog: cannot write to standard output\n");
}

/* ---- logs written by the seed's Python code ------------------------------ */

/* Load a committed SQL dump into a new database at `db_path`. */
static void load_dump(const char *db_path, const char *name)
{
	const char *path = own_printf("%s/%s", FIXTURES, name);
	char *sql = slurp(path, NULL);

	if (sql == NULL)
		FAIL("cannot read %s: run the suite from the kata's top "
		     "directory (make test does)",
		     path);
	exec_on(db_path, sql);
}

/*
 * What catalog writes for data that the seed's Python code wrote: the
 * same bytes, except where Python wrote a whole number into a float field
 * ("price": 30, for a price given as the int 30). The C event holds a
 * double, so it is written back as json.dumps writes a float: 30.0.
 */
static const char *c_form(const char *py, int *changed)
{
	static const char *const keys[] = {
		"\"price\": ",
		"\"cost_price\": ",
		"\"new_price\": ",
	};
	struct sb b = { 0 };
	const char *p = py;

	sb_grow(&b, 0);
	while (*p != '\0') {
		size_t key = 0;
		size_t digits;

		for (size_t k = 0; k < COUNT(keys); k++) {
			if (strncmp(p, keys[k], strlen(keys[k])) == 0)
				key = strlen(keys[k]);
		}
		if (key == 0) {
			sb_add(&b, p++, 1);
			continue;
		}
		sb_add(&b, p, key);
		p += key;
		digits = strspn(p, "-0123456789");
		sb_add(&b, p, digits);
		p += digits;
		if (digits > 0 && *p != '.' && *p != 'e' && *p != 'E') {
			sb_str(&b, ".0");
			++*changed;
		}
	}
	return sb_own(&b);
}

static void test_python_views(void)
{
	const char *python_views;

	use_dir("work");
	python_views = own_printf("%s/python-views.db", work);
	load_dump(events_db, "python-log.sql");
	load_dump(python_views, "python-views.sql");
	CATALOG(NULL, "rebuild");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout("");
	expect_same_rows("product_detail_view", rows_text(read_db, detail_sql),
			 rows_text(python_views, detail_sql));
	expect_same_rows("product_list_view", rows_text(read_db, list_sql),
			 rows_text(python_views, list_sql));
	/* Not vacuous: the fixture has products. */
	ES_ASSERT_INT_EQ(query_int(read_db, "SELECT COUNT(*) FROM "
					    "product_detail_view"),
			 4);
}

static void test_python_log(void)
{
	struct event_row *ev;
	struct sb want = { 0 };
	int changed = 0;
	size_t n;

	use_dir("work");
	load_dump(events_db, "python-log.sql");
	n = load_events(events_db, &ev);
	ES_ASSERT_TRUE(n >= 4);
	for (size_t i = 0; i < n; i++)
		sb_printf(&want, "%s\n",
			  log_line(&ev[i], c_form(ev[i].data, &changed)));
	sb_own(&want);
	/* The fixture's one int price and int cost price, and no more. */
	ES_ASSERT_INT_EQ(changed, 2);
	CATALOG(NULL, "log");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout(want.s);
}

static void test_python_state(void)
{
	use_dir("work");
	load_dump(events_db, "python-log.sql");
	CATALOG(NULL, "state", "2");
	expect_status(0);
	expect_quiet_stderr();
	expect_stdout(
		"{\"id\":2,\"name\":\"Crème brûlée\",\"description\":"
		"\"Custard with a \\\"burnt\\\" top.\\nServe cold\\t\\\\ "
		"chilled \x7f\\u0001 ½ €\",\"price\":21.5,\"cost_price\":"
		"7.25,\"supplier_id\":2,\"supplier_name\":\"Pâtisserie "
		"Dupont\",\"stock\":12,\"view_count\":0,\"version\":2}\n");
	/* Its first view came before it existed: the aggregate counts it,
	 * as the seed's Product.load does (the views cannot). */
	CATALOG(NULL, "state", "4");
	expect_status(0);
	expect_stdout("{\"id\":4,\"name\":\"Party 🎉 Pack\",\"description\":"
		      "null,\"price\":1e+16,\"cost_price\":0.0,\"supplier_id\":1,"
		      "\"supplier_name\":\"Acme Corp\",\"stock\":5,"
		      "\"view_count\":2,\"version\":4}\n");
}

static CU_TestInfo tests[] = {
	{ "--help prints the usage on standard output and exits 0", test_help },
	{ "usage errors exit 2 with one line on standard error",
	  test_usage_errors },
	{ "an ID that is not a whole number from 1 is a usage error",
	  test_bad_ids },
	{ "demo runs the seed's scenario on the default files", test_demo },
	{ "apply answers each line, stores and projects each event",
	  test_apply_scenario },
	{ "apply reads a FILE argument, or standard input for -",
	  test_apply_file_argument },
	{ "apply matches the model of the catalog (seed 1)",
	  test_apply_seed_1 },
	{ "apply matches the model of the catalog (seed 2)",
	  test_apply_seed_2 },
	{ "apply matches the model of the catalog (seed 3)",
	  test_apply_seed_3 },
	{ "apply answers random bytes and cut commands, appending nothing",
	  test_apply_garbage },
	{ "apply takes lines of any length", test_apply_long_lines },
	{ "apply says when the read model falls behind, and exits 1",
	  test_apply_read_model_behind },
	{ "apply stops with exit 1 when the log cannot be read",
	  test_apply_corrupted_log },
	{ "apply catches up with events others appended and never projected",
	  test_apply_catches_up },
	{ "log prints every event, or one product's, data as stored",
	  test_log },
	{ "state replays a product's events, up to --at TIME", test_state },
	{ "state of a product that does not exist exits 1",
	  test_state_not_found },
	{ "detail, card, list and search answer from the read model",
	  test_queries },
	{ "queries without a read model exit 1 and say to rebuild",
	  test_queries_without_read_model },
	{ "a file that is not a database is refused and left as it was",
	  test_not_a_database },
	{ "rebuild refuses a corrupted event and keeps the old views",
	  test_rebuild_corrupted_event },
	{ "the read verbs work on read-only files and change no byte",
	  test_read_verbs_change_nothing },
	{ "output that cannot be written is an error", test_full_output },
	{ "rebuild from the seed's Python log gives the Python views",
	  test_python_views },
	{ "log reproduces the data the seed's Python code wrote",
	  test_python_log },
	{ "state replays the seed's Python log as its aggregate does",
	  test_python_state },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{ "catalog: the program", NULL, NULL, setup, teardown, tests },
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "README.md";
