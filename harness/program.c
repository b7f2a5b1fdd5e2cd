/*
 * program.c - run the program under test and check what it printed (see
 * program.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_error.h"
#include "harness.h"
#include "process.h"
#include "program.h"
#include "scratch.h"

struct es_test_run es_test_last;

/*
 * Under `valgrind --trace-children=yes`, the program's own valgrind writes
 * into the standard error we capture, as lines that start "==PID==". Set
 * them aside: a memory error also shows in the exit status (valgrind's
 * --error-exitcode), and the first such line goes into failure messages.
 */
static void split_valgrind_lines(void)
{
	struct es_test_buf kept = {0};
	const char *p = es_test_last.err;

	es_test_last.vg = "";
	es_test_buf_grow(&kept, 0);
	while (*p != '\0') {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) + 1 : strlen(p);
		bool ours = strncmp(p, "==", 2) != 0;
		size_t digits = ours ? 0 : strspn(p + 2, "0123456789");

		if (!ours && digits > 0 &&
		    strncmp(p + 2 + digits, "==", 2) == 0) {
			if (es_test_last.vg[0] == '\0')
				es_test_last.vg =
					es_test_format("%.*s", (int)n, p);
		} else {
			es_test_buf_add(&kept, p, n);
		}
		p += n;
	}
	es_test_last.err = es_test_buf_own(&kept);
}

void es_test_run(const char *bin, const char *in, const char *out,
		 const char *cwd, const char *const args[], int nargs)
{
	const char *base = strrchr(bin, '/') ? strrchr(bin, '/') + 1 : bin;
	const char *out_path =
		out ? out : es_test_file(es_test_format("%s.stdout", base));
	const char *err_path = es_test_file(es_test_format("%s.stderr", base));
	char **argv = es_test_own(calloc((size_t)nargs + 2, sizeof(*argv)));
	struct es_test_buf cmd = {0};
	struct es_error err;

	argv[0] = (char *)bin;
	es_test_buf_str(&cmd, base);
	for (int i = 0; i < nargs; i++) {
		argv[i + 1] = (char *)args[i];
		es_test_buf_printf(&cmd, " %s", args[i]);
	}
	argv[nargs + 1] = NULL;
	if (in != NULL)
		es_test_buf_printf(&cmd, " < %s", in);
	es_test_last.cmd = es_test_buf_own(&cmd);
	if (es_process_run(&es_test_last.status, argv, in, out_path, err_path,
			   cwd, &err) != ES_OK)
		ES_FATAL("%s", err.msg);
	if (es_test_last.status == ES_PROCESS_CANNOT_OPEN ||
	    es_test_last.status == ES_PROCESS_CANNOT_EXEC)
		ES_FATAL("could not run %s (exit %d)", bin,
			 es_test_last.status);
	es_test_last.out =
		out ? es_test_format("%s", "")
		    : es_test_must_slurp(out_path, &es_test_last.out_len);
	es_test_last.err = es_test_must_slurp(err_path, NULL);
	split_valgrind_lines();
}

void es_test_expect_status(int status)
{
	if (es_test_last.status != status)
		ES_FATAL("%s: exit status %d, expected %d; standard error: "
			 "\"%.300s\"%s%.200s",
			 es_test_last.cmd, es_test_last.status, status,
			 es_test_last.err,
			 es_test_last.vg[0] ? "; valgrind: " : "",
			 es_test_last.vg);
}

void es_test_expect_stdout(const char *expected)
{
	if (strcmp(es_test_last.out, expected) != 0)
		ES_FATAL("%s: standard output is\n        \"%.600s\"\n      "
			 "expected\n        \"%.600s\"",
			 es_test_last.cmd, es_test_last.out, expected);
}

void es_test_expect_quiet_stderr(void)
{
	if (es_test_last.err[0] != '\0')
		ES_FATAL("%s: standard error should be empty, it is \"%.300s\"",
			 es_test_last.cmd, es_test_last.err);
}

void es_test_expect_error(const char *prefix)
{
	const char *nl = strchr(es_test_last.err, '\n');

	if (strncmp(es_test_last.err, prefix, strlen(prefix)) != 0 ||
	    nl == NULL || nl[1] != '\0')
		ES_FATAL("%s: standard error is \"%.300s\", expected one line "
			 "starting \"%s\"",
			 es_test_last.cmd, es_test_last.err, prefix);
}

void es_test_expect_failure(int status, const char *prefix)
{
	es_test_expect_status(status);
	es_test_expect_error(prefix);
	es_test_expect_stdout("");
}

size_t es_test_out_lines(char ***lines)
{
	char *text = es_test_format("%s", es_test_last.out);
	size_t count = 0;
	size_t n = 0;

	if (strlen(es_test_last.out) != es_test_last.out_len)
		ES_FATAL("%s: standard output holds a NUL byte",
			 es_test_last.cmd);
	if (es_test_last.out_len > 0 &&
	    es_test_last.out[es_test_last.out_len - 1] != '\n')
		ES_FATAL("%s: the last line of output has no newline",
			 es_test_last.cmd);
	for (const char *p = text; *p != '\0'; p++)
		count += *p == '\n';
	*lines = es_test_own(calloc(count + 1, sizeof(**lines)));
	for (char *p = text; *p != '\0'; p++) {
		(*lines)[n++] = p;
		p = strchr(p, '\n');
		*p = '\0';
	}
	return count;
}
