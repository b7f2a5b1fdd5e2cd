/*
 * test_catalog_rebuild.c - `catalog rebuild` (solutions/catalog/rebuild.c):
 * the same views as the per-event rebuild (es_views_rebuild, step 10),
 * value for value, on every golden log and on a random log; no lock held
 * while the new views are written; a failure or a crash before the swap
 * changes nothing; events appended meanwhile reach the views once.
 *
 * The per-event rebuild runs here, in this process, with the library:
 * it is the reference. catalog runs as a child. ES_CATALOG_REBUILD_PAUSE
 * (catalog.c) stops its rebuild between writing the new views and
 * swapping them in, prints "paused", and waits for a line: "go", or
 * "fail" to fail there.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event_store.h"
#include "golden.h"
#include "read_db.h"
#include "test_catalog.h"
#include "views.h"

/* The tables a rebuild writes: the views, then their checkpoint. */
static const char *const rebuilt_tables[] = {
	"product_detail_view",	"product_list_view", "view_count_summary",
	"low_stock_alert_view", "stock_level",	     "projection_checkpoint",
};

/* Long enough for a start under valgrind; only a hang gets this far. */
#define PAUSE_WAIT_MS 60000

/* ---- the reference: the per-event rebuild ------------------------------- */

/* es_views_rebuild() of the log at `log` into the read DB `path`. */
static void reference_rebuild(const char *log, const char *path)
{
	struct es_store *store = NULL;
	struct es_views *views = NULL;
	sqlite3 *db = NULL;
	struct es_error err;
	int rc;

	rc = es_store_open(&store, log, ES_STORE_WRITE, &err);
	if (rc == ES_OK)
		rc = es_read_db_open(&db, path, ES_READ_DB_WRITE, &err);
	if (rc == ES_OK)
		rc = es_views_open(&views, db, &err);
	if (rc == ES_OK)
		rc = es_views_rebuild(NULL, views, store, &err);
	es_views_close(views);
	es_read_db_close(db);
	es_store_close(store);
	if (rc != ES_OK)
		ES_FATAL("the per-event rebuild of %s failed: %s", log,
			 err.msg);
}

/* ---- comparing two read DBs, value for value ---------------------------- */

/* "NULL", "42", "'text'" or the REAL's bits: a value, for a message. */
static const char *value_text(sqlite3_stmt *stmt, int col)
{
	switch (sqlite3_column_type(stmt, col)) {
	case SQLITE_NULL:
		return "NULL";
	case SQLITE_INTEGER:
		return es_test_format("%lld", sqlite3_column_int64(stmt, col));
	case SQLITE_FLOAT:
		return es_test_format("%.17g (REAL)",
				      sqlite3_column_double(stmt, col));
	default:
		return es_test_format("'%s'", sqlite3_column_text(stmt, col));
	}
}

/* Same type and same value: a REAL to the bit, text to the byte. */
static bool same_value(sqlite3_stmt *a, sqlite3_stmt *b, int col)
{
	int type = sqlite3_column_type(a, col);
	uint64_t bits_x;
	uint64_t bits_y;
	double x;
	double y;

	if (type != sqlite3_column_type(b, col))
		return false;
	switch (type) {
	case SQLITE_NULL:
		return true;
	case SQLITE_INTEGER:
		return sqlite3_column_int64(a, col) ==
		       sqlite3_column_int64(b, col);
	case SQLITE_FLOAT:
		/* The bits, so that -0.0 and 0.0 differ. */
		x = sqlite3_column_double(a, col);
		y = sqlite3_column_double(b, col);
		memcpy(&bits_x, &x, sizeof(x));
		memcpy(&bits_y, &y, sizeof(y));
		return bits_x == bits_y;
	default:
		return sqlite3_column_bytes(a, col) ==
			       sqlite3_column_bytes(b, col) &&
		       memcmp(sqlite3_column_blob(a, col),
			      sqlite3_column_blob(b, col),
			      (size_t)sqlite3_column_bytes(a, col)) == 0;
	}
}

static sqlite3_stmt *select_all(sqlite3 *db, const char *path,
				const char *table)
{
	sqlite3_stmt *stmt = NULL;
	char *sql = es_test_format("SELECT * FROM \"%s\" ORDER BY 1", table);

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		const char *msg = es_test_format("%s", sqlite3_errmsg(db));

		sqlite3_finalize(stmt);
		ES_FATAL("%s: %s: %s", path, sql, msg);
	}
	return stmt;
}

/*
 * Compare `table` in `ours` and `ref` row by row and column by column;
 * return how many rows there are. The first difference fails the test.
 */
static size_t compare_table(sqlite3 *ours, sqlite3 *ref, const char *table)
{
	sqlite3_stmt *a = select_all(ours, "catalog's", table);
	sqlite3_stmt *b = select_all(ref, "the reference's", table);
	const char *why = NULL;
	size_t rows = 0;

	if (sqlite3_column_count(a) != sqlite3_column_count(b))
		why = es_test_format("%d columns, expected %d",
				     sqlite3_column_count(a),
				     sqlite3_column_count(b));
	while (why == NULL) {
		int step_a = sqlite3_step(a);
		int step_b = sqlite3_step(b);

		if (step_a != step_b) {
			why = es_test_format("after %zu rows: step %d, "
					     "expected %d (%s)",
					     rows, step_a, step_b,
					     step_a == SQLITE_DONE
						     ? "a row is missing"
						     : "one row too many");
			break;
		}
		if (step_a != SQLITE_ROW)
			break;
		for (int c = 0; c < sqlite3_column_count(a); c++) {
			if (same_value(a, b, c))
				continue;
			why = es_test_format(
				"row %zu (key %s), column %s: %s, expected %s",
				rows + 1, value_text(b, 0),
				sqlite3_column_name(a, c), value_text(a, c),
				value_text(b, c));
			break;
		}
		rows++;
	}
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	if (why != NULL)
		ES_FATAL("%s differs from the per-event rebuild's: %s", table,
			 why);
	return rows;
}

/*
 * Every view and the checkpoint in the read DB `ours` are those of the
 * read DB `ref`, value for value. Returns how many view rows there are.
 */
static size_t expect_same_views(const char *ours, const char *ref)
{
	sqlite3 *a = es_test_db_open(ours, SQLITE_OPEN_READONLY);
	sqlite3 *b = es_test_db_open(ref, SQLITE_OPEN_READONLY);
	size_t rows = 0;

	for (size_t t = 0; t < COUNT(rebuilt_tables); t++)
		rows += compare_table(a, b, rebuilt_tables[t]);
	es_test_db_close(a);
	es_test_db_close(b);
	return rows - 1; /* the checkpoint's row */
}

static long long checkpoint_of(const char *path)
{
	return (long long)es_test_db_query_int(
		path, "SELECT last_event_id FROM projection_checkpoint");
}

static long long last_event_id(void)
{
	return (long long)es_test_db_query_int(
		events_db, "SELECT max(id) FROM events WHERE id NOT IN"
			   " (SELECT event_id FROM event_quarantine)");
}

/* The shadow tables left in the read DB, one line each. */
static const char *shadow_tables(void)
{
	return es_test_rows_text(read_db,
				 "SELECT name FROM sqlite_master WHERE name "
				 "LIKE 'shadow%' ORDER BY name");
}

/* Rebuild the current files both ways; they must agree. */
static size_t rebuild_both_ways(void)
{
	const char *ref = es_test_format("%s/reference.db", work);

	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("");
	reference_rebuild(events_db, ref);
	return expect_same_views(read_db, ref);
}

/* ---- the same views ------------------------------------------------------ */

static void test_golden_logs(void)
{
	static const char *const logs[] = {"main", "random", "every-event"};

	for (size_t i = 0; i < COUNT(logs); i++) {
		size_t rows;

		use_dir(logs[i]);
		es_test_load_golden_log(logs[i], events_db);
		rows = rebuild_both_ways();
		if (rows == 0)
			ES_FATAL("golden log %s: no rows in the views",
				 logs[i]);
		ES_ASSERT_INT_EQ(checkpoint_of(read_db), last_event_id());
		ES_ASSERT_STR_EQ(shadow_tables(), "");
	}
}

/*
 * How many events the random log has: ES_TEST_REBUILD_EVENTS, else
 * 100,000, or 3,000 under valgrind (ES_TEST_WARM_UP): there this process
 * writes the log and runs the per-event rebuild some 50 times slower, and
 * 100,000 events would take minutes. Every rule is met a few hundred
 * times in 3,000 events.
 */
static long random_log_size(void)
{
	const char *n = getenv("ES_TEST_REBUILD_EVENTS");

	if (n != NULL && atol(n) > 0)
		return atol(n);
	return getenv("ES_TEST_WARM_UP") != NULL ? 3000 : 100000;
}

static uint64_t next_random(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) +
		 UINT64_C(1442695040888963407);
	return *state >> 33;
}

/*
 * One random event of the random log: a product among `products`, some
 * never created; every type; a ProductCreated again for a product that
 * has one; prices that are not round in binary; stock below the alert's
 * threshold, negative too; names with quotes and non-ASCII letters.
 */
static int random_event(struct es_event *ev, uint64_t *rnd, long i,
			long products, struct es_error *err)
{
	static const char *const names[] = {"Widget", "Gadget \"Pro\"",
					    "Caf\xc3\xa9 cup", "O'Brien's"};
	int64_t id = (int64_t)(next_random(rnd) % (uint64_t)products) + 1;
	uint64_t r = next_random(rnd);
	uint64_t kind = r % 11;
	char when[ES_TIMESTAMP_SIZE];
	struct es_product_created c;

	snprintf(when, sizeof(when), "2026-11-%02ldT%02ld:%02ld:%02ld+00:00",
		 1 + i % 28, i / 3600 % 24, i / 60 % 60, i % 60);
	/* The products are created first, but one in ten, which a later
	 * ProductCreated may still create. */
	if (i < products && (i + 1) % 10 != 0) {
		id = i + 1;
		kind = 0;
	} else if (i < products) {
		kind = 1 + r % 10;
	}
	switch (kind) {
	case 0:
		/* The constructor copies the strings; it writes none. */
		memset(&c, 0, sizeof(c));
		c.name = (char *)names[r % 4];
		c.price = (double)(r % 10000) / 100.0 + 0.1;
		c.cost_price = 3.3;
		c.supplier_id = (int64_t)(r % 5);
		c.supplier_name = (char *)"Acme";
		c.stock = (int64_t)(r % 40) - 3;
		c.description = r % 3 == 0 ? NULL : (char *)"a \"thing\"\n";
		return es_event_product_created(ev, id, &c, when, err);
	case 1:
	case 2:
		es_event_stock_updated(ev, id, (int64_t)(r % 60) - 5, when);
		return ES_OK;
	case 3:
	case 4:
		es_event_price_changed(ev, id, (double)(r % 100000) / 7.0,
				       when);
		return ES_OK;
	case 5:
		return es_event_stock_corrected(ev, id, 1, (int64_t)(r % 20),
						"counted twice", when, err);
	default:
		es_event_product_viewed(ev, id, when);
		return ES_OK;
	}
}

/* Append `n` random events to a new log, in one transaction. */
static void write_random_log(long n, long products)
{
	struct es_store *store = NULL;
	struct es_event ev;
	struct es_error err;
	uint64_t rnd = 2026;
	int rc;

	rc = es_store_open(&store, events_db, ES_STORE_WRITE, &err);
	if (rc == ES_OK)
		rc = es_store_begin(store, &err);
	for (long i = 0; rc == ES_OK && i < n; i++) {
		rc = random_event(&ev, &rnd, i, products, &err);
		if (rc == ES_OK)
			rc = es_store_append(store, &ev, &err);
		es_event_dispose(&ev);
	}
	if (rc == ES_OK)
		rc = es_store_commit(store, &err);
	es_store_close(store);
	if (rc != ES_OK)
		ES_FATAL("cannot write the random log: %s", err.msg);
}

/* Put the log's event `id` in quarantine. */
static void quarantine(long long id)
{
	struct es_store *store = NULL;
	struct es_error err;
	int rc;

	rc = es_store_open(&store, events_db, ES_STORE_WRITE, &err);
	if (rc == ES_OK)
		rc = es_store_quarantine(store, id, "a test",
					 "2026-11-28T00:00:00+00:00", &err);
	es_store_close(store);
	if (rc != ES_OK)
		ES_FATAL("cannot quarantine event %lld: %s", id, err.msg);
}

static void test_random_log(void)
{
	long n = random_log_size();
	long long bad;
	size_t rows;

	use_dir("random");
	write_random_log(n, n / 50 + 10);
	/* Rows that are not events, in quarantine: one inside, and the
	 * last row of the log, after which the checkpoint must not go. */
	es_test_db_insert_bad_event(events_db, 3, "StockUpdated", "{\"x\": 1}");
	bad = (long long)es_test_db_query_int(events_db,
					      "SELECT max(id) FROM events");
	quarantine(bad);
	write_random_log(20, 5);
	es_test_db_insert_bad_event(events_db, 4, "PriceChanged", "not JSON");
	quarantine(bad + 21);
	rows = rebuild_both_ways();
	if (rows < (size_t)(n / 50))
		ES_FATAL("only %zu rows in the views of %ld events", rows, n);
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), bad + 20);
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), last_event_id());
}

/* ---- a rebuild stopped before its swap ---------------------------------- */

/* A `catalog rebuild` that stops before its swap, and its pipe. */
static pid_t paused_pid = -1;
static pid_t loop_pid = -1; /* a rebuild loop (sh) */
static int paused_feed = -1;

void catalog_rebuild_teardown(void)
{
	if (paused_feed >= 0)
		close(paused_feed);
	if (paused_pid > 0) {
		kill(paused_pid, SIGKILL);
		waitpid(paused_pid, NULL, 0);
	}
	if (loop_pid > 0) {
		kill(loop_pid, SIGKILL);
		waitpid(loop_pid, NULL, 0);
	}
	loop_pid = -1;
	paused_pid = -1;
	paused_feed = -1;
	catalog_teardown();
}

/* Start `catalog rebuild` with ES_CATALOG_REBUILD_PAUSE; wait for it. */
static void start_paused_rebuild(void)
{
	const struct timespec tick = {0, 10000000L};
	const char *out = es_test_file("rebuild.out");
	const char *const args[] = {"rebuild", NULL};
	int status;

	signal(SIGPIPE, SIG_IGN);
	setenv("ES_CATALOG_REBUILD_PAUSE", "1", 1);
	paused_pid = catalog_start(&paused_feed, NULL, out,
				   es_test_file("rebuild.err"), args);
	unsetenv("ES_CATALOG_REBUILD_PAUSE");
	if (paused_pid < 0)
		ES_FATAL("cannot start %s", catalog_binary());
	for (int waited = 0;; waited += 10) {
		char *said = es_test_slurp(out, NULL);

		if (said != NULL && strcmp(said, "paused\n") == 0)
			return;
		if (waitpid(paused_pid, &status, WNOHANG) == paused_pid) {
			paused_pid = -1;
			ES_FATAL("catalog rebuild ended (status %d) without "
				 "stopping before its swap",
				 status);
		}
		if (waited >= PAUSE_WAIT_MS)
			ES_FATAL("catalog rebuild did not stop before its "
				 "swap in %d s",
				 PAUSE_WAIT_MS / 1000);
		nanosleep(&tick, NULL);
	}
}

/* Send `line` to the paused rebuild, and wait for it to end. */
static void resume_rebuild(const char *line)
{
	int status = -1;

	if (write(paused_feed, line, strlen(line)) != (ssize_t)strlen(line))
		ES_FATAL("cannot write to catalog: %s", strerror(errno));
	close(paused_feed);
	paused_feed = -1;
	if (waitpid(paused_pid, &status, 0) != paused_pid)
		ES_FATAL("waitpid: %s", strerror(errno));
	paused_pid = -1;
	es_test_last.cmd = "ES_CATALOG_REBUILD_PAUSE=1 catalog rebuild";
	es_test_last.status = WIFEXITED(status) ? WEXITSTATUS(status)
						: 128 + WTERMSIG(status);
	es_test_last.out = es_test_must_slurp(es_test_file("rebuild.out"),
					      &es_test_last.out_len);
	es_test_last.err =
		es_test_must_slurp(es_test_file("rebuild.err"), NULL);
	es_test_last.vg = "";
}

/* Every view and the checkpoint, as text: "nothing changed". */
static const char *read_model_text(void)
{
	struct es_test_buf b = {0};

	for (size_t t = 0; t < COUNT(rebuilt_tables); t++)
		es_test_buf_printf(
			&b, "%s:\n%s", rebuilt_tables[t],
			es_test_rows_text(read_db,
					  es_test_format("SELECT * FROM %s "
							 "ORDER BY 1",
							 rebuilt_tables[t])));
	return es_test_buf_own(&b);
}

/*
 * The scenario applied and projected, then two views that the read DB
 * has not seen: the views (checkpoint 6) differ from the log's (8).
 */
static void scenario_and_two_more(void)
{
	use_dir("work");
	apply_scenario();
	for (int i = 0; i < 2; i++)
		es_test_db_insert_event(
			events_db, 1, "ProductViewed",
			"{\"product_id\": 1, \"occurred_at\": "
			"\"2026-11-27T14:32:05.123456+00:00\"}");
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), 6);
}

static void test_no_lock_before_the_swap(void)
{
	const char *before;
	sqlite3 *db;

	scenario_and_two_more();
	before = read_model_text();
	start_paused_rebuild();
	/* The new views are written; the read DB is free at once. */
	db = es_test_db_open(read_db, SQLITE_OPEN_READWRITE);
	sqlite3_busy_timeout(db, 0);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		ES_FATAL("BEGIN IMMEDIATE while the rebuild waits to swap: "
			 "%s",
			 sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	es_test_db_close(db);
	/* Readers see the old views and checkpoint. */
	es_test_expect_same_rows("the read model before the swap",
				 read_model_text(), before);
	resume_rebuild("go\n");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("paused\n");
	reference_rebuild(events_db, es_test_format("%s/reference.db", work));
	expect_same_views(read_db, es_test_format("%s/reference.db", work));
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), 8);
	ES_ASSERT_STR_EQ(shadow_tables(), "");
}

static void test_failure_before_the_swap(void)
{
	const char *before;

	scenario_and_two_more();
	before = read_model_text();
	/* A failure before the swap: the rebuild's own clean-up. */
	start_paused_rebuild();
	resume_rebuild("fail\n");
	es_test_expect_status(1);
	es_test_expect_stdout("paused\n");
	es_test_expect_error("catalog: rebuild: the read model is unchanged: "
			     "stopped before the swap "
			     "(ES_CATALOG_REBUILD_PAUSE)\n");
	es_test_expect_same_rows("the read model after a failed rebuild",
				 read_model_text(), before);
	ES_ASSERT_STR_EQ(shadow_tables(), "");
	/* A crash before the swap: the shadow tables stay behind. */
	start_paused_rebuild();
	kill(paused_pid, SIGKILL);
	waitpid(paused_pid, NULL, 0);
	paused_pid = -1;
	es_test_expect_same_rows("the read model after a killed rebuild",
				 read_model_text(), before);
	if (strstr(shadow_tables(), "shadow_") == NULL)
		ES_FATAL("a rebuild killed before its swap left no shadow "
			 "tables; this test wants some, for the next "
			 "rebuild to drop");
	/* The next rebuild drops them and succeeds. */
	rebuild_both_ways();
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), 8);
	ES_ASSERT_STR_EQ(shadow_tables(), "");
}

static void test_events_during_a_rebuild(void)
{
	static const char more[] =
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":4}\n";
	const char *path = es_test_file("more.jsonl");
	const char *ref;

	scenario_and_two_more();
	ref = es_test_format("%s/reference.db", work);
	/* Views that only a rebuild puts right. */
	es_test_db_exec(read_db, "UPDATE product_list_view SET stock = 999;");
	start_paused_rebuild();
	/* Two commands while the rebuild waits: their catch-up moves the
	 * old views, and is not held up. */
	es_test_write_file(path, more, strlen(more));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), 10);
	resume_rebuild("go\n");
	es_test_expect_status(0);
	/* The new views hold what the rebuild folded: events 1 to 8. */
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), 8);
	CATALOG(NULL, "catch-up");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	/* Events 9 and 10 are projected once, none lost. */
	reference_rebuild(events_db, ref);
	expect_same_views(read_db, ref);
	ES_ASSERT_INT_EQ(checkpoint_of(read_db), 10);
}

/*
 * Rebuilds in a loop while four applies write: every line is answered ok,
 * no event is lost, and a catch-up after the last rebuild gives the
 * reference's views. The --busy-timeout is 10 s: far more than a swap
 * takes, so an apply that had to wait for whole rebuilds back to back
 * would fail, yet long enough that four writers taking turns on the log
 * on a loaded machine do not. (It was 1 s, and one apply in about thirty
 * runs gave up at open, waiting for the other three, not for a rebuild.
 * That a catch-up never waits for the fold and the shadow tables is the
 * paused-rebuild tests' to show, without a clock.) Under valgrind
 * (ES_CATALOG_LINES below 1500) a log a hundredth the size and fewer
 * lines: the reference rebuild at the end runs in this process, and
 * valgrind would spend most of the test's time on it.
 */
#define LOOP_APPLIES	  4
#define LOOP_PRODUCTS	  1000
#define LOOP_HISTORY	  200000
#define LOOP_LINES	  200
#define LOOP_BUSY_TIMEOUT "10000"

/* sh: rebuild until the file $4 exists; then write how many ran to $5. */
static const char rebuild_loop_sh[] =
	"n=0; while [ ! -e \"$4\" ]; do"
	" \"$1\" --events \"$2\" --read \"$3\" rebuild || exit 1;"
	" n=$((n + 1)); done; echo $n > \"$5\"";

extern char **environ; /* POSIX: the environment, for posix_spawn() */

/*
 * Start the loop, its output into a file of the test's; the teardown
 * kills it if the test ends before it has.
 */
static void start_rebuild_loop(const char *stop, const char *count)
{
	posix_spawn_file_actions_t files;
	const char *log = es_test_file("rebuild-loop.txt");
	int rc;

	posix_spawn_file_actions_init(&files);
	rc = posix_spawn_file_actions_addopen(
		&files, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&files, 1, 2);
	if (rc == 0) {
		char *argv[] = {"sh",
				"-c",
				(char *)rebuild_loop_sh,
				"sh",
				(char *)catalog_binary(),
				(char *)events_db,
				(char *)read_db,
				(char *)stop,
				(char *)count,
				NULL};

		rc = posix_spawn(&loop_pid, "/bin/sh", &files, NULL, argv,
				 environ);
	}
	posix_spawn_file_actions_destroy(&files);
	if (rc != 0) {
		loop_pid = -1;
		ES_FATAL("cannot start the rebuild loop: %s", strerror(rc));
	}
}

static void test_applies_while_rebuilds_loop(void)
{
	const char *env = getenv("ES_CATALOG_LINES");
	bool small = env != NULL && strtol(env, NULL, 10) < 1500;
	long history = small ? LOOP_HISTORY / 100 : LOOP_HISTORY;
	int lines = small ? LOOP_LINES / 20 : LOOP_LINES;
	const char *stop = es_test_file("stop");
	const char *count = es_test_file("rebuilds");
	const char *ref = es_test_file("reference.db");
	struct es_test_buf create = {0}, want = {0};
	const char *out[LOOP_APPLIES], *err[LOOP_APPLIES];
	pid_t pid[LOOP_APPLIES];
	const char *answers;
	int status = -1;

	use_dir("work");
	for (int i = 0; i < LOOP_PRODUCTS; i++)
		es_test_buf_printf(&create,
				   "{\"type\":\"CreateProduct\",\"name\":"
				   "\"P%d\",\"price\":2.5,\"cost_price\":1,"
				   "\"supplier_id\":%d,\"supplier_name\":\"S\","
				   "\"stock\":100}\n",
				   i, i % 7 + 1);
	es_test_write_file(es_test_file("create.jsonl"), create.s, create.len);
	es_test_buf_own(&create);
	CATALOG(es_test_file("create.jsonl"), "apply");
	es_test_expect_status(0);
	es_test_db_exec(
		events_db,
		es_test_format("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
			       " SELECT i + 1 FROM n WHERE i < %ld)"
			       " INSERT INTO events (product_id, event_type,"
			       " data, occurred_at) SELECT i %% %d + 1,"
			       " 'StockUpdated', '{\"product_id\": ' ||"
			       " (i %% %d + 1) || ', \"new_stock\": ' ||"
			       " (i %% 500) || ', \"occurred_at\": "
			       "\"2026-11-27T14:32:05.123456+00:00\"}',"
			       " '2026-11-27T14:32:05.123456+00:00' FROM n",
			       history, LOOP_PRODUCTS, LOOP_PRODUCTS));
	/* The views hold the history before the applies start: their
	 * catch-ups then project only what they append. */
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	start_rebuild_loop(stop, count);
	for (int i = 0; i < lines; i++)
		es_test_buf_str(&want, "{\"ok\":true}\n");
	answers = es_test_buf_own(&want);
	for (int p = 0; p < LOOP_APPLIES; p++) {
		struct es_test_buf in = {0};
		const char *in_path = es_test_file(es_test_format("in%d", p));

		for (int i = 0; i < lines; i++)
			es_test_buf_printf(&in,
					   "{\"type\":\"UpdateStock\","
					   "\"product_id\":%d,\"new_stock\":"
					   "%d}\n",
					   (p * lines + i) % LOOP_PRODUCTS + 1,
					   i);
		es_test_write_file(in_path, in.s, in.len);
		es_test_buf_own(&in);
		out[p] = es_test_file(es_test_format("out%d", p));
		err[p] = es_test_file(es_test_format("err%d", p));
		pid[p] = catalog_start(NULL, in_path, out[p], err[p],
				       (const char *const[]){"--busy-timeout",
							     LOOP_BUSY_TIMEOUT,
							     "apply", NULL});
	}
	for (int p = 0; p < LOOP_APPLIES; p++) {
		status = -1;
		if (pid[p] < 0 || waitpid(pid[p], &status, 0) != pid[p])
			ES_FATAL("apply %d: fork or waitpid failed", p);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ES_FAIL("apply %d: exit status %d, expected 0; stderr"
				" \"%.300s\"",
				p, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				es_test_must_slurp(err[p], NULL));
		ES_ASSERT_STR_EQ(es_test_must_slurp(out[p], NULL), answers);
	}
	es_test_write_file(stop, "", 0);
	status = -1;
	if (waitpid(loop_pid, &status, 0) != loop_pid)
		ES_FATAL("waitpid of the rebuild loop failed");
	loop_pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ES_FATAL("the rebuild loop failed: %s",
			 es_test_must_slurp(es_test_file("rebuild-loop.txt"),
					    NULL));
	/* It rebuilt while the applies ran, at least once. */
	if (strtol(es_test_must_slurp(count, NULL), NULL, 10) < 1)
		ES_FAIL("the rebuild loop ran no rebuild");
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT count(*) FROM"
							 " events"),
			 LOOP_PRODUCTS + history + LOOP_APPLIES * (long)lines);
	/* Nothing lost: after a catch-up, the views are the log's. */
	CATALOG(NULL, "catch-up");
	es_test_expect_status(0);
	reference_rebuild(events_db, ref);
	expect_same_views(read_db, ref);
}

CU_TestInfo catalog_rebuild_tests[] = {
	{"rebuild makes the per-event rebuild's views, value for value, on "
	 "every golden log",
	 test_golden_logs},
	{"rebuild makes the per-event rebuild's views on a random log of "
	 "100,000 events, with rows in quarantine",
	 test_random_log},
	{"rebuild holds no lock before its swap, and readers see the old "
	 "views until it",
	 test_no_lock_before_the_swap},
	{"a rebuild that fails or is killed before its swap changes nothing, "
	 "and the next one succeeds",
	 test_failure_before_the_swap},
	{"events appended during a rebuild reach its views at the next "
	 "catch-up, once",
	 test_events_during_a_rebuild},
	{"four applies answer every line ok while rebuilds run in a loop",
	 test_applies_while_rebuilds_loop},
	CU_TEST_INFO_NULL,
};
