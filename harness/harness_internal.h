/*
 * harness_internal.h - what the runner, make_golden and the harness's
 * other files (fixtures.c, golden.c) need from harness.c; suites do not
 * use these.
 */
#ifndef ES_HARNESS_INTERNAL_H
#define ES_HARNESS_INTERNAL_H

#include <stddef.h>

#include "harness.h"

/*
 * End the current test's directory: removed when `keep` is 0, otherwise
 * left in place and its path returned (NULL when the test made none).
 */
const char *es_harness_end_test(int keep);

/* Forget a kept directory so the next test gets a new one. */
void es_harness_forget_test_dir(void);

/* Remove `path` and everything below it (test directories are shallow). */
void es_harness_remove_tree(const char *path);

/*
 * Fail the current test at `file`:`line` with `message` (CUnit copies
 * it), noting the helper calls under way (ES_CALLED) for the runner.
 */
void es_harness_fail(const char *file, int line, const char *message);

/*
 * The helper calls that were under way when the test's `failure`-th
 * failure (from 0) was reported, the outermost first, into `*sites`;
 * returns how many.
 */
size_t es_harness_called_from(const struct es_test_site **sites,
			      size_t failure);

/*
 * Append to `out` (NUL-terminated, of `size` bytes): "`what` differs at
 * character N:" (or "on line L, at character N:"), then the line of each
 * text where they first differ, around the difference, and a marker
 * under it.
 */
void es_harness_describe_difference(char *out, size_t size, const char *what,
				    const char *actual, const char *expected);

#endif /* ES_HARNESS_INTERNAL_H */
