/*
 * program.h - run a program under test the way a user runs it (a child
 * process, standard input from a file, both outputs into files in the
 * test's directory) and check its exit status and what it printed.
 *
 * Built on process.h and scratch.h: what a run leaves is owned by the
 * test, and every check fails the test with the command line, the
 * status and the output in its message.
 */
#ifndef ES_PROGRAM_H
#define ES_PROGRAM_H

#include <stddef.h>

/* What the last run left. */
struct es_test_run {
	const char *cmd; /* the command line, for messages */
	int status;	 /* exit status; 128 + N after signal N */
	char *out;	 /* standard output */
	size_t out_len;
	char *err;	/* standard error, without valgrind's lines */
	const char *vg; /* the first line valgrind wrote, or "" */
};

extern struct es_test_run es_test_last;

/*
 * Run the program `bin` with `args` (`nargs` of them, not counting
 * argv[0]), standard input from the file `in` (NULL: /dev/null),
 * standard output into the file `out` (NULL: a file in the test's
 * directory, read back into es_test_last.out), in the directory `cwd`
 * (NULL: this one; then `bin` must be an absolute path). Standard error
 * is read back into es_test_last.err. The test fails when the program
 * cannot be run at all.
 *
 * Under `valgrind --trace-children=yes` the program's own valgrind
 * writes into its standard error; those lines are set aside, the first
 * into es_test_last.vg.
 */
void es_test_run(const char *bin, const char *in, const char *out,
		 const char *cwd, const char *const args[], int nargs);

/* The last run exited with `status`. */
void es_test_expect_status(int status);
/* The last run printed exactly `expected` on standard output. */
void es_test_expect_stdout(const char *expected);
/* The last run printed nothing on standard error. */
void es_test_expect_quiet_stderr(void);
/* Standard error is one line that starts with `prefix`. */
void es_test_expect_error(const char *prefix);
/* The run ended with `status` and one error line and printed nothing. */
void es_test_expect_failure(int status, const char *prefix);

/*
 * The lines of es_test_last.out, which must each end with "\n", into
 * `*lines` (an array the test owns, NUL-terminated lines); returns how
 * many.
 */
size_t es_test_out_lines(char ***lines);

#endif /* ES_PROGRAM_H */
