/*
 * process.c - run a program with its standard streams in files (see
 * process.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

/* In the child: open `path` as file descriptor `fd`; false on failure. */
static bool redirect(int fd, const char *path, int flags)
{
	int opened;

	if (path == NULL)
		return true;
	opened = open(path, flags, 0644);
	if (opened < 0 || dup2(opened, fd) < 0)
		return false;
	if (opened > 2)
		close(opened);
	return true;
}

/* In the child: wire up the files and become the program. */
static void exec_child(char *const argv[], const char *in, const char *out,
		       const char *errout, const char *cwd)
{
	const int write_flags = O_WRONLY | O_CREAT | O_TRUNC;

	if (!redirect(0, in ? in : "/dev/null", O_RDONLY) ||
	    !redirect(1, out, write_flags) || !redirect(2, errout, write_flags))
		_exit(ES_PROCESS_CANNOT_OPEN);
	if (cwd != NULL && chdir(cwd) != 0)
		_exit(ES_PROCESS_CANNOT_OPEN);
	execv(argv[0], argv);
	_exit(ES_PROCESS_CANNOT_EXEC);
}

int es_process_run(int *status, char *const argv[], const char *in,
		   const char *out, const char *errout, const char *cwd,
		   struct es_error *err)
{
	int wstatus;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return es_error_set(err, ES_EINVAL, "fork: %s",
				    strerror(errno));
	if (pid == 0)
		exec_child(argv, in, out, errout, cwd);
	while (waitpid(pid, &wstatus, 0) < 0) {
		if (errno != EINTR)
			return es_error_set(err, ES_EINVAL, "waitpid: %s",
					    strerror(errno));
	}
	*status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
				     : 128 + WTERMSIG(wstatus);
	return ES_OK;
}
