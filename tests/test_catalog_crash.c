/*
 * test_catalog_crash.c - `catalog apply` killed at random moments.
 *
 * A child applies a few commands while this process waits a random
 * time and sends it SIGKILL: before it has opened the files, in the
 * middle of an append, of a snapshot, of a catch-up of the read model,
 * or after its last answer. Each round, once the child is gone:
 *
 *   - the log holds no part of a command: the round's events are the
 *     first K of its commands, each whole (its type, product and value),
 *     where K is the number of answers, or one more (a kill between the
 *     commit and the answer); ids have no gaps, every product in the
 *     registry has its ProductCreated, the stream versions count the
 *     events, no snapshot is past the log;
 *   - with `apply --batch N` (the second test), the log holds no part of
 *     a group either: K is a multiple of N, or all the commands, and the
 *     answers are the first K, or the first K less its last group's (a
 *     kill between the group's commit and its answers, which are
 *     written together);
 *   - the read model's checkpoint is not past the log;
 *   - after the next apply, which runs to its end, the checkpoint is at
 *     the last event and every table of the read model holds what a
 *     rebuild of the log holds, row for row.
 *
 * The commands and the delays come from a seed (ES_CRASH_SEED, default
 * CRASH_SEED), printed with every failure; where in its work the child
 * is when it dies still depends on the machine. The delays are spread
 * over the time an apply of a round takes here, measured first, so that
 * they land all through it on a fast machine as on a slow one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_catalog.h"

/*
 * Kills, at least; ES_CRASH_ROUNDS asks for more (or fewer). Under
 * valgrind (run.sh sets ES_CATALOG_LINES below 1500 there) every catalog
 * runs under valgrind too, seconds each, and this suite is the longest
 * part of make test: there the test kills CRASH_ROUNDS_VALGRIND times,
 * enough to check the memory of each path (a kill, a recovery, a
 * rebuild); the run without valgrind is the one that kills CRASH_ROUNDS
 * times.
 */
#define CRASH_ROUNDS	      50
#define CRASH_ROUNDS_VALGRIND 1
/* The same for apply --batch CRASH_BATCH. */
#define CRASH_BATCH_ROUNDS	    20
#define CRASH_BATCH_ROUNDS_VALGRIND 1
#define CRASH_BATCH		    3
#define CRASH_LINES		    8 /* commands a round */
#define CRASH_SEED		    20261127u
/* A round whose child ended before the kill does not count: at most so
 * many rounds in all for each kill asked for. */
#define CRASH_TRIES_PER_KILL 3

/* A command of the round, and what it must leave in the log. */
struct planned {
	const char *event_type;
	long long product_id;
	long long value; /* stock, new stock, price in cents, or the id */
	const char *answer;
};

/* The run: its seed, where it is, and what the log held before. */
struct crash {
	unsigned seed;
	uint64_t rnd; /* splitmix64's state */
	int round;
	long long events;   /* in the log before the round */
	long long products; /* created before the round */
	long long run_us;   /* an apply of a whole round, start to end */
	int batch;	    /* the child's --batch N; 0: a plain apply */
	struct planned plan[CRASH_LINES];
};

static const char *in_path;
static const char *out_path;

/* ---- the seed and its numbers --------------------------------------------- */

static unsigned seed_from_env(void)
{
	const char *env = getenv("ES_CRASH_SEED");

	return env != NULL && env[0] != '\0' ? (unsigned)strtoul(env, NULL, 10)
					     : CRASH_SEED;
}

/* ES_CRASH_ROUNDS, or `rounds`, or `under_valgrind` under valgrind. */
static int rounds_from_env(int rounds, int under_valgrind)
{
	const char *env = getenv("ES_CRASH_ROUNDS");
	const char *lines = getenv("ES_CATALOG_LINES");
	long n = env != NULL ? strtol(env, NULL, 10) : 0;

	if (n > 0 && n <= 100000)
		return (int)n;
	if (lines != NULL && strtol(lines, NULL, 10) < 1500)
		return under_valgrind;
	return rounds;
}

/* A number below `n`, from splitmix64. */
static long long rnd(struct crash *c, long long n)
{
	uint64_t z = (c->rnd += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (long long)(z % (uint64_t)n);
}

/* "seed 20261127 (ES_CRASH_SEED), round 7", for every failure. */
static const char *where(const struct crash *c)
{
	return es_test_format(
		"seed %u (ES_CRASH_SEED), round %d%s", c->seed, c->round,
		c->batch > 0 ? es_test_format(", --batch %d", c->batch) : "");
}

/* ---- a round's commands --------------------------------------------------- */

/* Half the commands go to product 1, whose history grows to snapshots. */
static long long pick_product(struct crash *c)
{
	return rnd(c, 2) == 0 ? 1 : 1 + rnd(c, c->products);
}

/* Plan command `i` of the round, write its line into `in`. */
static void plan_line(struct crash *c, int i, long long *created,
		      struct es_test_buf *in)
{
	struct planned *p = &c->plan[i];
	long long r = rnd(c, 100);

	p->answer = "{\"ok\":true}";
	if (r < 15) {
		p->event_type = "ProductCreated";
		p->product_id = c->products + ++*created;
		p->value = rnd(c, 200);
		p->answer = es_test_format("{\"ok\":true,\"product_id\":%lld}",
					   p->product_id);
		es_test_buf_printf(
			in,
			"{\"type\":\"CreateProduct\",\"name\":\"Crash %d.%d\","
			"\"price\":%lld.%02lld,\"cost_price\":1.5,"
			"\"supplier_id\":%lld,\"supplier_name\":\"Acme "
			"Corp\",\"stock\":%lld}\n",
			c->round, i, 1 + rnd(c, 99), rnd(c, 100), 1 + rnd(c, 3),
			p->value);
		return;
	}
	/* The others name products created before the round: they exist
	 * whether or not the round's own creations were committed. */
	p->product_id = pick_product(c);
	if (r < 50) {
		p->event_type = "StockUpdated";
		p->value = rnd(c, 200);
		es_test_buf_printf(in,
				   "{\"type\":\"UpdateStock\",\"product_id\":"
				   "%lld,\"new_stock\":%lld}\n",
				   p->product_id, p->value);
	} else if (r < 75) {
		p->event_type = "PriceChanged";
		p->value = 100 + rnd(c, 9900);
		es_test_buf_printf(in,
				   "{\"type\":\"ChangePrice\",\"product_id\":"
				   "%lld,\"new_price\":%lld.%02lld}\n",
				   p->product_id, p->value / 100,
				   p->value % 100);
	} else {
		p->event_type = "ProductViewed";
		p->value = p->product_id;
		es_test_buf_printf(in,
				   "{\"type\":\"RecordProductView\","
				   "\"product_id\":%lld}\n",
				   p->product_id);
	}
}

/* Plan the round and write its commands into in_path. */
static void plan_round(struct crash *c)
{
	struct es_test_buf in = {0};
	long long created = 0;

	for (int i = 0; i < CRASH_LINES; i++)
		plan_line(c, i, &created, &in);
	es_test_write_file(in_path, in.s, in.len);
	es_test_buf_own(&in);
}

/*
 * The first `n` planned events as es_test_rows_text() reads them with
 * round_events_sql: type, product, value, and 1 for a data whose
 * product_id is the row's.
 */
static const char *planned_rows(const struct crash *c, long long n)
{
	struct es_test_buf b = {0};

	for (long long i = 0; i < n; i++)
		es_test_buf_printf(&b, "'%s'|%lld|%lld|1\n",
				   c->plan[i].event_type, c->plan[i].product_id,
				   c->plan[i].value);
	return es_test_buf_own(&b);
}

static const char round_events_sql[] =
	"SELECT event_type, product_id, CASE event_type"
	" WHEN 'ProductCreated' THEN json_extract(data, '$.stock')"
	" WHEN 'StockUpdated' THEN json_extract(data, '$.new_stock')"
	" WHEN 'PriceChanged' THEN"
	"  CAST(round(json_extract(data, '$.new_price') * 100) AS INTEGER)"
	" ELSE json_extract(data, '$.product_id') END,"
	" json_extract(data, '$.product_id') = product_id"
	" FROM events WHERE id > %lld ORDER BY id";

/* ---- the child ------------------------------------------------------------ */

extern char **environ; /* POSIX: the environment, for posix_spawn() */

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The environment of a child that is to be killed: this one's, with
 * LeakSanitizer off when the catalog is built with ASan (make sanitize).
 * A kill can land during the leak scan at exit, and the scan's tracer,
 * a process of its own, can then write a line into a report file of its
 * own ("Tracer caught signal"): a report that no leak caused. Leaks are
 * still looked for in round 0, which is not killed, and in the apply
 * that recovers after each kill. Without ASAN_OPTIONS (valgrind, or no
 * sanitizer) it is this environment, unchanged.
 */
static char **env_to_kill(void)
{
	size_t n = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = es_test_own(calloc(n + 1, sizeof(*env)));
	for (size_t i = 0; i < n; i++)
		env[i] = strncmp(environ[i], "ASAN_OPTIONS=", 13) == 0
				 ? es_test_format("%s:detect_leaks=0",
						  environ[i])
				 : environ[i];
	return env;
}

/*
 * Start `catalog apply` (with --batch when the run has one) on the
 * round's commands, its answers into out_path; in env_to_kill()'s
 * environment when it is `to_be_killed`. posix_spawn() and not fork():
 * a forked copy of this suite would exit under valgrind holding the
 * suite's memory.
 */
static pid_t start_apply(const struct crash *c, bool to_be_killed)
{
	char *const argv[] = {(char *)catalog_binary(),
			      "--events",
			      (char *)events_db,
			      "--read",
			      (char *)read_db,
			      "apply",
			      c->batch > 0 ? "--batch" : NULL,
			      es_test_format("%d", c->batch),
			      NULL};
	posix_spawn_file_actions_t files;
	pid_t pid = -1;
	int rc;

	if (posix_spawn_file_actions_init(&files) != 0)
		ES_FATAL("posix_spawn_file_actions_init failed");
	rc = posix_spawn_file_actions_addopen(&files, 0, in_path, O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(
			&files, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC,
			0644);
	if (rc == 0)
		rc = posix_spawn(&pid, argv[0], &files, NULL, argv,
				 to_be_killed ? env_to_kill() : environ);
	posix_spawn_file_actions_destroy(&files);
	if (rc != 0)
		ES_FATAL("cannot start %s: %s", argv[0], strerror(rc));
	return pid;
}

static int wait_for(const struct crash *c, pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) != pid) {
		if (errno != EINTR)
			ES_FATAL("%s: waitpid: %s", where(c), strerror(errno));
	}
	return status;
}

/*
 * Wait for `pid` until now_us() reaches `deadline`, looking every half
 * millisecond. True, with its status in `*status`, when it ended by then.
 */
static bool ended_by(int *status, const struct crash *c, pid_t pid,
		     long long deadline)
{
	for (;;) {
		pid_t got = waitpid(pid, status, WNOHANG);
		long long left = deadline - now_us();
		struct timespec ts = {0, 500000};

		if (got == pid)
			return true;
		if (got < 0 && errno != EINTR)
			ES_FATAL("%s: waitpid: %s", where(c), strerror(errno));
		if (left <= 0)
			return false;
		if (left < 500)
			ts.tv_nsec = (long)left * 1000;
		nanosleep(&ts, NULL);
	}
}

/*
 * Run the round's apply and kill it `delay_us` after its start (none:
 * -1). Returns whether the kill ended it; a child that ended first must
 * have exited 0, and `*ran_us` is then how long it ran.
 */
static bool run_child(long long *ran_us, const struct crash *c,
		      long long delay_us)
{
	long long start = now_us();
	pid_t pid = start_apply(c, delay_us >= 0);
	int status;

	if (delay_us < 0 || !ended_by(&status, c, pid, start + delay_us)) {
		if (delay_us >= 0)
			kill(pid, SIGKILL);
		status = wait_for(c, pid);
	}
	*ran_us = now_us() - start;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return true;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ES_FATAL("%s: apply ended with status %d, expected 0 (or "
			 "SIGKILL)",
			 where(c),
			 WIFEXITED(status) ? WEXITSTATUS(status)
					   : 128 + WTERMSIG(status));
	return false;
}

/* ---- after the kill ------------------------------------------------------- */

/*
 * How many answers the child wrote, each the one planned. A kill cannot
 * cut one short (each is one write), but should one be, it is a start of
 * the one planned, and does not count.
 */
static long long check_answers(const struct crash *c)
{
	char *line = es_test_must_slurp(out_path, NULL);
	char *end = strchr(line, '\n');
	long long n = 0;

	for (; end != NULL; line = end + 1, end = strchr(line, '\n'), n++) {
		*end = '\0';
		if (n == CRASH_LINES)
			ES_FATAL("%s: more answers than commands: %.200s",
				 where(c), line);
		if (strcmp(line, c->plan[n].answer) != 0)
			ES_FATAL("%s: answer %lld is %.200s, expected %s",
				 where(c), n + 1, line, c->plan[n].answer);
	}
	if (line[0] != '\0' &&
	    (n == CRASH_LINES ||
	     strncmp(line, c->plan[n].answer, strlen(line)) != 0))
		ES_FATAL("%s: answer %lld is %.200s, expected %s", where(c),
			 n + 1, line,
			 n < CRASH_LINES ? c->plan[n].answer : "none");
	return n;
}

/* One integer the query `sql` returns on the log. */
static long long log_int(const char *sql)
{
	return (long long)es_test_db_query_int(events_db, sql);
}

static void expect_log_int(const struct crash *c, const char *what,
			   const char *sql, long long expected)
{
	long long got = log_int(sql);

	if (got != expected)
		ES_FATAL("%s: %s: %lld, expected %lld", where(c), what, got,
			 expected);
}

/* The log as a whole: no gap, no half-made product, no stale state. */
static void check_log(const struct crash *c)
{
	long long events = log_int("SELECT count(*) FROM events");

	expect_log_int(c, "the last event's id",
		       "SELECT coalesce(max(id), 0) FROM events", events);
	expect_log_int(c, "registered products without their ProductCreated",
		       "SELECT count(*) FROM product_registry r WHERE NOT"
		       " EXISTS (SELECT 1 FROM events e WHERE e.product_id ="
		       " r.id AND e.event_type = 'ProductCreated')",
		       0);
	expect_log_int(c, "ProductCreated events",
		       "SELECT count(*) FROM events"
		       " WHERE event_type = 'ProductCreated'",
		       log_int("SELECT count(*) FROM product_registry"));
	expect_log_int(c, "stream versions that do not count their events",
		       "SELECT count(*) FROM stream_versions s WHERE version"
		       " <> (SELECT count(*) FROM events e WHERE e.product_id"
		       " = s.product_id AND e.event_type <> 'ProductViewed')",
		       0);
	expect_log_int(c, "snapshots past the log",
		       "SELECT count(*) FROM snapshots WHERE last_event_id >"
		       " (SELECT coalesce(max(id), 0) FROM events)",
		       0);
}

/*
 * Whether `committed` commands and `answered` answers are what a kill
 * can leave: the commands are committed a group at a time (one a group
 * without --batch; N, and the last group what is left, with --batch N);
 * a group's answers are written after its commit, all in one write. So
 * `committed` ends a group, and `answered` is that or where the group
 * began; when the child ended first, all of them.
 */
static bool whole_groups(const struct crash *c, long long committed,
			 long long answered, bool killed)
{
	long long group = c->batch > 0 ? c->batch : 1;
	long long began = committed > 0 ? (committed - 1) / group * group : 0;

	if (!killed)
		return committed == CRASH_LINES && answered == CRASH_LINES;
	if (committed % group != 0 && committed != CRASH_LINES)
		return false;
	return answered == committed || answered == began;
}

/* What the kill left: the round's events, the log, the checkpoint. */
static void check_after_kill(const struct crash *c, bool killed)
{
	long long answered = check_answers(c);
	long long committed =
		log_int("SELECT count(*) FROM events") - c->events;
	long long checkpoint;

	if (!whole_groups(c, committed, answered, killed))
		ES_FATAL("%s: %lld commands committed, %lld answered; "
			 "expected the answered ones%s",
			 where(c), committed, answered,
			 !killed	? ", all of them"
			 : c->batch > 0 ? " in whole groups, or one group more"
					: ", or one more");
	es_test_expect_same_rows(
		es_test_format("%s: the round's events", where(c)),
		es_test_rows_text(events_db,
				  es_test_format(round_events_sql, c->events)),
		planned_rows(c, committed));
	check_log(c);
	checkpoint = (long long)es_test_db_query_int(
		read_db, "SELECT coalesce(max(last_event_id), 0) FROM"
			 " projection_checkpoint");
	if (checkpoint > c->events + committed)
		ES_FATAL("%s: the checkpoint is at event %lld, past the log's "
			 "last, %lld",
			 where(c), checkpoint, c->events + committed);
}

/* The tables of the read model at `path`, one line each: 'name'. */
static char *table_names(const char *path)
{
	return es_test_rows_text(
		path, "SELECT name FROM sqlite_master WHERE type = 'table'"
		      " AND name NOT LIKE 'sqlite_%' ORDER BY name");
}

/* "1, 2, 3": every column of the table `name`, to sort its rows by. */
static const char *every_column(const char *path, const char *name)
{
	long long n = (long long)es_test_db_query_int(
		path, es_test_format("SELECT count(*) FROM"
				     " pragma_table_info('%s')",
				     name));
	struct es_test_buf b = {0};

	es_test_buf_str(&b, "1");
	for (long long i = 2; i <= n; i++)
		es_test_buf_printf(&b, ", %lld", i);
	return es_test_buf_own(&b);
}

/* Every table of the read model `ours` holds the rows of `rebuilt`'s. */
static void expect_same_read_model(const struct crash *c, const char *ours,
				   const char *rebuilt)
{
	char *line = table_names(rebuilt);
	char *end;

	es_test_expect_same_rows(
		es_test_format("%s: the read model's tables", where(c)),
		table_names(ours), line);
	for (end = strchr(line, '\n'); end != NULL;
	     line = end + 1, end = strchr(line, '\n')) {
		const char *name = line + 1;
		const char *sql;

		end[-1] = '\0'; /* the closing quote */
		sql = es_test_format("SELECT * FROM \"%s\" ORDER BY %s", name,
				     every_column(rebuilt, name));
		es_test_expect_same_rows(
			es_test_format("%s: %s after the next apply, beside a "
				       "rebuild",
				       where(c), name),
			es_test_rows_text(ours, sql),
			es_test_rows_text(rebuilt, sql));
	}
}

/*
 * The next apply, to its end: it catches up, and the views are then what
 * a rebuild of the log makes of it, in a read model of its own that only
 * rebuilds ever write (a new file each round would cost more time than
 * the rest of the round).
 */
static void check_next_apply(const struct crash *c)
{
	static const char view[] =
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n";
	const char *view_path = es_test_file("view.jsonl");
	const char *rebuilt = es_test_format("%s/rebuilt.db", work);
	const char *our_read_db = read_db;
	long long checkpoint;
	long long last;

	es_test_write_file(view_path, view, strlen(view));
	if (c->batch > 0)
		CATALOG(view_path, "apply", "--batch",
			es_test_format("%d", c->batch));
	else
		CATALOG(view_path, "apply");
	es_test_expect_status(0);
	es_test_expect_stdout("{\"ok\":true}\n");
	last = log_int("SELECT max(id) FROM events");
	checkpoint = (long long)es_test_db_query_int(
		read_db, "SELECT last_event_id FROM projection_checkpoint");
	if (checkpoint != last)
		ES_FATAL("%s: after the next apply the checkpoint is at event "
			 "%lld, expected the last, %lld",
			 where(c), checkpoint, last);
	read_db = rebuilt;
	CATALOG(NULL, "rebuild");
	read_db = our_read_db;
	es_test_expect_status(0);
	expect_same_read_model(c, read_db, rebuilt);
}

/* Where the next round starts. */
static void note_log(struct crash *c)
{
	c->events = log_int("SELECT count(*) FROM events");
	c->products = log_int("SELECT count(*) FROM product_registry");
}

/* ---- the test ------------------------------------------------------------- */

/* Kill the child `rounds` times, with --batch `batch` (0: none). */
static void kill_at_random(int batch, int rounds)
{
	static const char create[] =
		"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\","
		"\"price\":29.99,\"cost_price\":12.0,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":100}\n"
		/* A version read, which makes stream_versions: --batch
		 * decides as step 5 does, and reads none. */
		"{\"type\":\"UpdateStock\",\"product_id\":1,"
		"\"new_stock\":100}\n";
	struct crash *c = es_test_own(calloc(1, sizeof(*c)));
	int kills = 0;

	c->batch = batch;
	c->seed = seed_from_env();
	c->rnd = c->seed;
	use_dir("work");
	in_path = es_test_file("in.jsonl");
	out_path = es_test_file("out.txt");
	es_test_write_file(in_path, create, strlen(create));
	CATALOG(in_path, "apply");
	es_test_expect_status(0);
	note_log(c);
	/* Round 0 runs to its end: how long a round takes, and a check of
	 * the checks. */
	plan_round(c);
	run_child(&c->run_us, c, -1);
	check_after_kill(c, false);
	note_log(c);
	while (kills < rounds) {
		long long delay_us, ran_us;
		bool killed;

		c->round++;
		if (c->round > rounds * CRASH_TRIES_PER_KILL)
			ES_FATAL("%s: only %d of %d rounds were killed before "
				 "they ended",
				 where(c), kills, rounds);
		plan_round(c);
		delay_us = rnd(c, c->run_us);
		killed = run_child(&ran_us, c, delay_us);
		kills += killed;
		/*
		 * It ended within delay_us: round 0 was slower than a round
		 * is (a busy machine, a suite under valgrind), and the delays
		 * spread past the end. The next ones spread over this run.
		 */
		if (!killed)
			c->run_us = ran_us;
		check_after_kill(c, killed);
		check_next_apply(c);
		note_log(c);
	}
}

static void test_crash_apply_killed_at_random(void)
{
	kill_at_random(0, rounds_from_env(CRASH_ROUNDS, CRASH_ROUNDS_VALGRIND));
}

/*
 * Guards against a group committed in part, or answered before its
 * commit: the answers would run ahead of the log.
 */
static void test_crash_batch_killed_at_random(void)
{
	kill_at_random(CRASH_BATCH,
		       rounds_from_env(CRASH_BATCH_ROUNDS,
				       CRASH_BATCH_ROUNDS_VALGRIND));
}

CU_TestInfo catalog_crash_tests[] = {
	{"apply killed at random moments leaves whole commands, a checkpoint "
	 "not past the log, and views that the next apply makes equal to a "
	 "rebuild",
	 test_crash_apply_killed_at_random},
	{"apply --batch 3 killed at random moments leaves whole groups, "
	 "answered after their commit, a checkpoint not past the log, and "
	 "views that the next apply makes equal to a rebuild",
	 test_crash_batch_killed_at_random},
	CU_TEST_INFO_NULL,
};
