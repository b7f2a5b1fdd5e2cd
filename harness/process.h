/*
 * process.h - run a program as a child process, its standard input read
 * from a file and its standard output and error written into files.
 *
 * Plain code, no test's assertions: the suites run the `catalog` program
 * with it (program.h), and make_golden runs `catalog apply` to write the
 * golden answers.
 */
#ifndef ES_PROCESS_H
#define ES_PROCESS_H

#include "es_error.h"

/* The exit status of a child that could not start: 126, or 127. */
#define ES_PROCESS_CANNOT_OPEN 126
#define ES_PROCESS_CANNOT_EXEC 127

/*
 * Run the program at the path `argv[0]` with the NULL-terminated `argv`,
 * and wait for it to end. In the child, standard input comes from the
 * file `in` (NULL: /dev/null); standard output goes into the file `out`
 * and standard error into `errout` (both created or truncated; NULL:
 * this process's own); then it changes into the directory `cwd` (NULL:
 * stays here). The files are opened before the change of directory, the
 * program is looked up after it: give it an absolute path when `cwd` is
 * set.
 *
 * `*status` is set to the program's exit status, or to 128 + N when
 * signal N ended it; ES_PROCESS_CANNOT_OPEN when a file or `cwd` could
 * not be opened, ES_PROCESS_CANNOT_EXEC when the program could not be
 * run. Returns ES_OK, or ES_EINVAL with a message in `err` when fork()
 * or waitpid() fails (then `*status` is not set).
 */
int es_process_run(int *status, char *const argv[], const char *in,
		   const char *out, const char *errout, const char *cwd,
		   struct es_error *err);

#endif /* ES_PROCESS_H */
