/*
 * scratch.h - memory, strings and files that the current test owns: what
 * a test builds is kept until the suite's teardown calls
 * es_test_scratch_free(), so a failed assertion, which jumps out of the
 * test, leaks nothing. Nothing here returns an error: a failure fails
 * the test (harness.h).
 *
 * A suite that uses these calls es_test_scratch_free() in its teardown.
 */
#ifndef ES_SCRATCH_H
#define ES_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"

/*
 * ES_FAIL for code that cannot go on: ES_FAIL ends the test and does not
 * return; the abort() after it is never reached, and tells static
 * analyzers as much.
 */
#define ES_FATAL(...)                                                          \
	do {                                                                   \
		ES_FAIL(__VA_ARGS__);                                          \
		abort();                                                       \
	} while (0)

/* ---- memory ------------------------------------------------------------- */

/*
 * Keep `p` (from malloc) until es_test_scratch_free() frees it, and
 * return it; the test fails when `p` is NULL.
 */
void *es_test_own(void *p);

/* Free everything owned, and forget the test's directory. For teardown. */
void es_test_scratch_free(void);

/* A growing string, always NUL-terminated once it has grown. */
struct es_test_buf {
	char *s;
	size_t len;
	size_t cap;
};

/* Make room for `more` bytes after the `len` there are, and the NUL. */
void es_test_buf_grow(struct es_test_buf *b, size_t more);
/* Append `n` bytes, or the string `s`, or printf-style text. */
void es_test_buf_add(struct es_test_buf *b, const void *p, size_t n);
void es_test_buf_str(struct es_test_buf *b, const char *s);
void es_test_buf_printf(struct es_test_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Give the string to es_test_own() (an empty one when nothing was added). */
char *es_test_buf_own(struct es_test_buf *b);

/* A printf-style string the test owns. */
char *es_test_format(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* ---- files -------------------------------------------------------------- */

/* `path` made absolute, so that it still holds after a chdir(). */
const char *es_test_absolute(const char *path);

/* `name` in the test's directory (es_test_dir()), as an absolute path. */
const char *es_test_file(const char *name);

/*
 * The whole file, NUL-terminated, its length in `*len` (when not NULL);
 * NULL when it cannot be read. es_test_must_slurp() fails the test then.
 */
char *es_test_slurp(const char *path, size_t *len);
char *es_test_must_slurp(const char *path, size_t *len);

/* Write `len` bytes of `data` into the file `path`, or fail the test. */
void es_test_write_file(const char *path, const char *data, size_t len);

/* Whether something exists at `path`. */
bool es_test_exists(const char *path);

#endif /* ES_SCRATCH_H */
