/*
 * test_catalog.c - the `catalog` program, run the way a user runs it: the
 * suite's table, and what its parts share (see test_catalog.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_catalog.h"

#define MAX_ARGS 16

/* ---- the files catalog works on ------------------------------------------ */

const char *work;
const char *events_db;
const char *read_db;

void use_dir(const char *name)
{
	work = es_test_file(name);
	if (mkdir(work, 0777) != 0 && errno != EEXIST)
		ES_FATAL("mkdir %s: %s", work, strerror(errno));
	events_db = es_test_format("%s/event_store.db", work);
	read_db = es_test_format("%s/read_model.db", work);
}

const char detail_sql[] =
	"SELECT id, name, description, price, stock, view_count, "
	"supplier_name, created_at, updated_at FROM product_detail_view "
	"ORDER BY id";
const char list_sql[] =
	"SELECT id, name, price, stock, supplier_name FROM product_list_view "
	"ORDER BY id";

/* ---- running catalog ----------------------------------------------------- */

const char *catalog_binary(void)
{
	const char *path = getenv("ES_CATALOG");

	if (path == NULL || path[0] == '\0')
		ES_FATAL("ES_CATALOG is not set: run this suite with `make "
			 "test`, which builds build/bin/catalog and names it");
	if (access(path, X_OK) != 0)
		ES_FATAL("ES_CATALOG=%s: %s (build it with `make`)", path,
			 strerror(errno));
	return es_test_absolute(path);
}

void run_args(const char *in, const char *out, const char *cwd,
	      const char *const args[], int nargs)
{
	es_test_run(catalog_binary(), in, out, cwd, args, nargs);
}

const char *catalog_output(const char *const *args)
{
	run_catalog(NULL, args);
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	return es_test_last.out;
}

const char *events_only(const char *text)
{
	char *kept = malloc(strlen(text) + 1);
	const char *out;
	size_t n = 0;

	if (kept == NULL)
		ES_FATAL("out of memory");
	while (*text != '\0') {
		const char *end = strchr(text, '\n');
		size_t len =
			end != NULL ? (size_t)(end - text) + 1 : strlen(text);
		const char *hit = strstr(text, "\"quarantined\":true");

		if (hit == NULL || hit >= text + len) {
			memcpy(kept + n, text, len);
			n += len;
		}
		text += len;
	}
	kept[n] = '\0';
	out = es_test_format("%s", kept);
	free(kept);
	return out;
}

void run_catalog(const char *in, const char *const *args)
{
	const char *argv[MAX_ARGS];
	int n = 0;

	argv[n++] = "--events";
	argv[n++] = events_db;
	argv[n++] = "--read";
	argv[n++] = read_db;
	for (; *args != NULL; args++) {
		if (n == MAX_ARGS)
			ES_FATAL("too many arguments for run_catalog()");
		argv[n++] = *args;
	}
	run_args(in, NULL, NULL, argv, n);
}

extern char **environ; /* POSIX: the environment, for posix_spawn() */

/* Make the child's descriptor `fd` the file `path`, opened with `flags`. */
static int add_file(posix_spawn_file_actions_t *files, int fd, const char *path,
		    int flags)
{
	if (path == NULL)
		return 0;
	return posix_spawn_file_actions_addopen(files, fd, path, flags, 0644);
}

/* A pipe whose ends are closed in a child that runs another program. */
static int cloexec_pipe(int ends[2])
{
	if (pipe(ends) != 0)
		return -1;
	if (fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0 &&
	    fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0)
		return 0;
	close(ends[0]);
	close(ends[1]);
	return -1;
}

pid_t catalog_start(int *feed, const char *in, const char *out, const char *err,
		    const char *const *args)
{
	const char *argv[MAX_ARGS + 2] = {catalog_binary(), "--events",
					  events_db, "--read", read_db};
	posix_spawn_file_actions_t files;
	int ends[2] = {-1, -1};
	int n = 5;
	pid_t pid = -1;
	int rc;

	for (; *args != NULL; args++) {
		if (n == MAX_ARGS)
			ES_FATAL("too many arguments for catalog_start()");
		argv[n++] = *args;
	}
	if (in == NULL && cloexec_pipe(ends) != 0)
		return -1;
	if (posix_spawn_file_actions_init(&files) != 0)
		goto out;
	if (in == NULL)
		rc = posix_spawn_file_actions_adddup2(&files, ends[0], 0);
	else
		rc = add_file(&files, 0, in, O_RDONLY);
	if (rc == 0)
		rc = add_file(&files, 1, out, O_WRONLY | O_CREAT | O_TRUNC);
	if (rc == 0)
		rc = add_file(&files, 2, err, O_WRONLY | O_CREAT | O_TRUNC);
	if (rc == 0)
		rc = posix_spawn(&pid, argv[0], &files, NULL,
				 (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&files);
	if (rc != 0)
		pid = -1;
out:
	if (in == NULL) {
		close(ends[0]);
		if (pid < 0)
			close(ends[1]);
		else
			*feed = ends[1];
	}
	return pid;
}

int catalog_into_a_closed_pipe(const char *in, const char *err,
			       const char *const *args)
{
	const char *argv[MAX_ARGS + 2] = {catalog_binary(), "--events",
					  events_db, "--read", read_db};
	posix_spawn_file_actions_t files;
	posix_spawnattr_t attr;
	sigset_t pipe_only;
	sigset_t none;
	int ends[2];
	int n = 5;
	pid_t pid = -1;
	int status;
	int rc;

	for (; *args != NULL; args++) {
		if (n == MAX_ARGS)
			ES_FATAL("too many arguments for "
				 "catalog_into_a_closed_pipe()");
		argv[n++] = *args;
	}
	if (pipe(ends) != 0)
		ES_FATAL("pipe: %s", strerror(errno));
	close(ends[0]); /* nobody will ever read what it writes */
	if (fcntl(ends[1], F_SETFD, FD_CLOEXEC) != 0 ||
	    posix_spawn_file_actions_init(&files) != 0) {
		close(ends[1]);
		ES_FATAL("cannot set up the child's files");
	}
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&files);
		close(ends[1]);
		ES_FATAL("posix_spawnattr_init failed");
	}
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	sigemptyset(&none);
	rc = posix_spawnattr_setsigdefault(&attr, &pipe_only);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(
			&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	if (rc == 0)
		rc = add_file(&files, 0, in != NULL ? in : "/dev/null",
			      O_RDONLY);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&files, ends[1], 1);
	if (rc == 0)
		rc = add_file(&files, 2, err, O_WRONLY | O_CREAT | O_TRUNC);
	if (rc == 0)
		rc = posix_spawn(&pid, argv[0], &files, &attr,
				 (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&files);
	posix_spawnattr_destroy(&attr);
	close(ends[1]);
	if (rc != 0)
		ES_FATAL("cannot start %s: %s", argv[0], strerror(rc));
	while (waitpid(pid, &status, 0) != pid) {
		if (errno != EINTR)
			ES_FATAL("waitpid: %s", strerror(errno));
	}
	return status;
}

const char *log_line_meta(const struct es_test_event_row *r, const char *data,
			  const char *meta)
{
	return es_test_format("{\"id\":%lld,\"product_id\":%lld,\"event_type\":"
			      "\"%s\",\"occurred_at\":\"%s\",\"data\":%s,"
			      "\"meta\":%s}",
			      r->id, r->product_id, r->event_type,
			      r->occurred_at, data, meta);
}

const char *log_line(const struct es_test_event_row *r, const char *data)
{
	return log_line_meta(r, data, "null");
}

/* ---- setup --------------------------------------------------------------- */

void catalog_setup(void)
{
	memset(&es_test_last, 0, sizeof(es_test_last));
	work = events_db = read_db = NULL;
}

void catalog_teardown(void)
{
	es_test_db_close_all();
	es_test_scratch_free();
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

const char scenario_answers[] =
	"{\"ok\":true,\"product_id\":1}\n"
	"{\"ok\":true,\"product_id\":2}\n"
	"{\"ok\":true}\n"
	"{\"ok\":true}\n"
	"{\"ok\":true}\n"
	"{\"ok\":true}\n"
	"{\"ok\":false,\"error\":\"Product 7 not found\"}\n"
	"{\"ok\":false,\"error\":\"Product 7 not found\"}\n";

const char *scenario_file(void)
{
	const char *path = es_test_file("scenario.jsonl");

	es_test_write_file(path, scenario, strlen(scenario));
	return path;
}

struct es_test_event_row *apply_scenario(void)
{
	struct es_test_event_row *rows;

	CATALOG(scenario_file(), "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(scenario_answers);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &rows), 6);
	return rows;
}

void apply_lines(const char *lines, const char *answers)
{
	const char *path = es_test_file("lines.jsonl");

	es_test_write_file(path, lines, strlen(lines));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(answers);
}

CU_SuiteInfo es_suites[] = {
	{"catalog: the command line", NULL, NULL, catalog_setup,
	 catalog_teardown, catalog_cli_tests},
	{"catalog: apply", NULL, NULL, catalog_setup, catalog_teardown,
	 catalog_apply_tests},
	{"catalog: apply against a model of the catalog", NULL, NULL,
	 catalog_setup, catalog_teardown, catalog_model_tests},
	{"catalog: the read verbs", NULL, NULL, catalog_setup, catalog_teardown,
	 catalog_query_tests},
	{"catalog: corrections", NULL, NULL, catalog_setup, catalog_teardown,
	 catalog_corrections_tests},
	{"catalog: commands with an id, done once", NULL, NULL, catalog_setup,
	 catalog_teardown, catalog_idempotency_tests},
	{"catalog: notify, the low-stock notifications", NULL, NULL,
	 catalog_setup, catalog_teardown, catalog_notify_tests},
	{"catalog: rebuild, fast and without a long lock", NULL, NULL,
	 catalog_setup, catalog_rebuild_teardown, catalog_rebuild_tests},
	{"catalog: follow, the events as they are appended", NULL, NULL,
	 catalog_setup, catalog_follow_teardown, catalog_follow_tests},
	{"catalog: copy, a log into another", NULL, NULL, catalog_setup,
	 catalog_teardown, catalog_copy_tests},
	{"catalog: files it did not write", NULL, NULL, catalog_setup,
	 catalog_teardown, catalog_files_tests},
	{"catalog: rows that are not events, stale views, read-only files",
	 NULL, NULL, catalog_setup, catalog_repair_teardown,
	 catalog_repair_tests},
	{"catalog: contention and hostile input", NULL, NULL, catalog_setup,
	 catalog_faults_teardown, catalog_faults_tests},
	{"catalog: apply --batch, many commands a commit", NULL, NULL,
	 catalog_setup, catalog_faults_teardown, catalog_batch_tests},
	{"catalog: apply killed at random moments", NULL, NULL, catalog_setup,
	 catalog_teardown, catalog_crash_tests},
	/* Skipped, saying why, where no server is named (ES_PG_URI). */
	{"catalog on PostgreSQL (ES_PG_URI)", catalog_pg_init, NULL,
	 catalog_setup, catalog_pg_teardown, catalog_pg_tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "README.md";
