/*
 * harness_internal.h - what the runner and make_golden need from
 * harness.c; suites do not use these.
 */
#ifndef ES_HARNESS_INTERNAL_H
#define ES_HARNESS_INTERNAL_H

/*
 * End the current test's directory: removed when `keep` is 0, otherwise
 * left in place and its path returned (NULL when the test made none).
 */
const char *es_harness_end_test(int keep);

/* Forget a kept directory so the next test gets a new one. */
void es_harness_forget_test_dir(void);

/* Remove `path` and everything below it (test directories are shallow). */
void es_harness_remove_tree(const char *path);

#endif /* ES_HARNESS_INTERNAL_H */
