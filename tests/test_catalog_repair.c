/*
 * test_catalog_repair.c - keeping the read side moving: rows of the log
 * that are not events (the triggers that refuse them, verify, quarantine,
 * what catch-up and rebuild say), views behind the log (the warning,
 * catch-up), and the read verbs on files nobody may write.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "test_catalog.h"

/* The message a row that does not decode gets, after "...: ". */
#define BAD_ROW(id, product, error)                                            \
	"event " id " (product " product ") cannot be decoded: " error         \
	"; skip it with 'catalog quarantine " id " --reason TEXT' ('catalog "  \
	"verify' lists every such row)\n"

/*
 * The line `catalog log` prints for a row in quarantine, where the row
 * stands (catalog --help): its id, product, decoding error, and the
 * quarantine's reason and time.
 */
#define QUARANTINED_LINE                                                       \
	"{\"id\":%lld,\"product_id\":%lld,\"quarantined\":true,"               \
	"\"error\":\"%s\",\"reason\":\"%s\",\"quarantined_at\":\"%s\"}"

/* The views' rows and the checkpoint, for "nothing changed". */
static const char *views_text(void)
{
	return es_test_format("%s%s%s", es_test_rows_text(read_db, detail_sql),
			      es_test_rows_text(read_db, list_sql),
			      es_test_rows_text(read_db,
						"SELECT * FROM "
						"projection_checkpoint"));
}

/* Every row of events, as text: the log "as it was". */
static const char *log_rows(void)
{
	return es_test_rows_text(events_db, "SELECT * FROM events ORDER BY id");
}

static void test_help_names_the_repair_verbs(void)
{
	static const char *const help[] = {"--help"};

	use_dir("work");
	run_args(NULL, NULL, NULL, help, 1);
	es_test_expect_status(0);
	ES_ASSERT_STR_CONTAINS(es_test_last.out, "\n  catch-up ");
	ES_ASSERT_STR_CONTAINS(es_test_last.out, "\n  verify ");
	ES_ASSERT_STR_CONTAINS(es_test_last.out,
			       "\n  quarantine ID --reason TEXT\n");
	ES_ASSERT_STR_CONTAINS(es_test_last.out,
			       "'views are K events behind the log'");
	/* log's line for a row in quarantine. */
	ES_ASSERT_STR_CONTAINS(es_test_last.out,
			       "{\"id\":N,\"product_id\":P,\"quarantined\":"
			       "true,\n");
}

/* ---- rows that are not events -------------------------------------------- */

/* Insert a row with plain SQL, triggers on; SQLite's result and message. */
static int try_insert(const char *type, const char *data, const char **msg)
{
	sqlite3 *db = es_test_db_open(events_db, SQLITE_OPEN_READWRITE);
	const char *sql = es_test_format(
		"INSERT INTO events (product_id, event_type, data,"
		" occurred_at) VALUES (1, '%s', '%s',"
		" '2026-11-27T14:32:05.123456+00:00')",
		type, data);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	*msg = es_test_format("%s", sqlite3_errmsg(db));
	es_test_db_close(db);
	return rc;
}

/*
 * A log the seed's Python code wrote has no checks: a bad row goes in.
 * The first time catalog opens it for writing it gets them, and the row
 * already in is named by the rebuild it stops.
 */
static void test_an_older_log_gets_the_checks(void)
{
	const char *msg;
	int64_t n;

	use_dir("work");
	es_test_load_dump(events_db, "python-log.sql");
	n = es_test_db_query_int(events_db, "SELECT COUNT(*) FROM events");
	ES_ASSERT_INT_EQ(try_insert("StockUpdated", "oops", &msg), SQLITE_OK);
	CATALOG(NULL, "rebuild");
	es_test_expect_failure(
		1, es_test_format("catalog: rebuild: the read model is "
				  "unchanged: " BAD_ROW("%lld", "1",
							"data is not valid "
							"JSON"),
				  (long long)n + 1, (long long)n + 1));
	ES_ASSERT_INT_EQ(try_insert("StockUpdated", "oops", &msg),
			 SQLITE_CONSTRAINT);
	ES_ASSERT_STR_EQ(msg, "events: data is not a JSON object");
	ES_ASSERT_INT_EQ(try_insert("StockUpdated", "[1]", &msg),
			 SQLITE_CONSTRAINT);
	ES_ASSERT_STR_EQ(msg, "events: data is not a JSON object");
	ES_ASSERT_INT_EQ(try_insert("PriceReverted", "{}", &msg),
			 SQLITE_CONSTRAINT);
	ES_ASSERT_STR_EQ(msg, "events: unknown event_type");
	/* Nothing more went in, and nothing was taken out. */
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT COUNT(*) FROM events"),
		n + 1);
}

static void test_verify_a_sound_log(void)
{
	use_dir("work");
	apply_scenario();
	CATALOG(NULL, "verify");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("6 rows checked: all decode\n");
}

static void test_verify_lists_every_bad_row(void)
{
	size_t len;
	char *bytes;

	use_dir("work");
	apply_scenario();
	es_test_db_insert_bad_event(events_db, 1, "StockUpdated",
				    "{\"product_id\": 1, ");
	es_test_db_insert_bad_event(events_db, 2, "PriceReverted",
				    "{\"product_id\": 2}");
	es_test_db_insert_event(events_db, 2, "ProductViewed",
				"{\"product_id\": 2, \"occurred_at\": "
				"\"2026-11-27T14:32:05.123456+00:00\"}");
	es_test_db_insert_event(events_db, 1, "ProductViewed",
				"{\"product_id\": 7, \"occurred_at\": "
				"\"2026-11-27T14:32:05.123456+00:00\"}");
	bytes = es_test_must_slurp(events_db, &len);
	CATALOG(NULL, "verify");
	es_test_expect_status(1);
	es_test_expect_stdout(
		"event 7 (product 1): data is not valid JSON\n"
		"event 8 (product 2): unknown event type 'PriceReverted'\n"
		"event 10 (product 1): product_id column 1 does not match "
		"data 7\n");
	ES_ASSERT_STR_EQ(es_test_last.err,
			 "catalog: 3 of 10 rows cannot be decoded: skip each "
			 "with 'catalog quarantine ID --reason TEXT'\n");
	ES_ASSERT_TRUE(
		memcmp(es_test_must_slurp(events_db, NULL), bytes, len) == 0);
}

/* When the row `id` went into quarantine, as event_quarantine says. */
static const char *quarantined_at(long long id)
{
	const char *row = es_test_rows_text(
		events_db, es_test_format("SELECT quarantined_at FROM "
					  "event_quarantine WHERE event_id = "
					  "%lld",
					  id));

	/* A text is quoted, and the row ends with a newline. */
	ES_ASSERT_INT_EQ(strlen(row), strlen("'2026-11-27T14:32:05.123456"
					     "+00:00'\n"));
	return es_test_format("%.*s", (int)strlen(row) - 3, row + 1);
}

/*
 * What `catalog log` prints for product `product_id` (0: every product)
 * of the log `rows` (its `n` rows, by id): each row as an event, but those
 * whose ids are held[0..held_n) as the lines lines[0..held_n).
 */
static const char *log_text(const struct es_test_event_row *rows, size_t n,
			    long long product_id, const long long *held,
			    const char *const *lines, size_t held_n)
{
	struct es_test_buf want = {0};

	for (size_t i = 0; i < n; i++) {
		const char *line = log_line(&rows[i], rows[i].data);

		if (product_id != 0 && rows[i].product_id != product_id)
			continue;
		for (size_t h = 0; h < held_n; h++) {
			if (held[h] == rows[i].id)
				line = lines[h];
		}
		es_test_buf_printf(&want, "%s\n", line);
	}
	return es_test_buf_own(&want);
}

/*
 * The scenario, a bad row of product 1 (7), then a view of product 2.
 * The bad row passes the triggers (its data is a JSON object, its type
 * known), so step 13's trigger counts it in the product's version.
 */
#define BAD_STOCK "field 'new_stock' must be a whole number"

static void given_a_bad_row(void)
{
	use_dir("work");
	apply_scenario();
	es_test_db_insert_event(events_db, 1, "StockUpdated",
				"{\"product_id\": 1, \"new_stock\": \"lots\", "
				"\"occurred_at\": "
				"\"2026-11-27T14:32:05.123456+00:00\"}");
	es_test_db_insert_event(events_db, 2, "ProductViewed",
				"{\"product_id\": 2, \"occurred_at\": "
				"\"2026-11-27T14:32:05.123456+00:00\"}");
}

static void test_catch_up_names_the_bad_row(void)
{
	const char *before;

	given_a_bad_row();
	before = views_text();
	CATALOG(NULL, "catch-up");
	es_test_expect_status(1);
	es_test_expect_stdout("");
	ES_ASSERT_STR_EQ(
		es_test_last.err,
		"catalog: catch-up: the views stop at event 6: " BAD_ROW(
			"7", "1", BAD_STOCK));
	es_test_expect_same_rows("views after a failed catch-up", views_text(),
				 before);
	/* The read verbs answer, and say how far behind they are. */
	CATALOG(NULL, "card", "2");
	es_test_expect_status(0);
	ES_ASSERT_STR_EQ(es_test_last.err,
			 "catalog: views are 2 events behind the log (run "
			 "'catalog catch-up')\n");
}

static void test_quarantine_lets_the_readers_past(void)
{
	static const char reason[] = "typed in by hand; Ana, ticket 12";
	static const char stock[] =
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":5}\n";
	const char *path = es_test_file("stock.jsonl");
	static const long long seven = 7;
	const char *views_after_apply;
	const char *log_before;
	const char *line;
	const char *at;
	struct es_test_event_row *ev;

	given_a_bad_row();
	log_before = log_rows();
	CATALOG(NULL, "quarantine", "7", "--reason", reason);
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("event 7 is in quarantine: every reader steps "
			      "over it (run 'catalog catch-up' to move the "
			      "views past it)\n");
	/* The log is as it was; the decision is a row of its own. */
	es_test_expect_same_rows("events", log_rows(), log_before);
	ES_ASSERT_STR_EQ(es_test_rows_text(events_db,
					   "SELECT event_id, reason, error FROM"
					   " event_quarantine"),
			 es_test_format("7|'%s'|'" BAD_STOCK "'\n", reason));
	at = es_test_rows_text(events_db, "SELECT quarantined_at FROM "
					  "event_quarantine");
	ES_ASSERT_INT_EQ(strlen(at), strlen("'2026-11-27T14:32:05.123456"
					    "+00:00'\n"));
	CATALOG(NULL, "catch-up");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("");
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db,
					      "SELECT last_event_id FROM "
					      "projection_checkpoint"),
			 8);
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, "SELECT view_count FROM "
						       "product_detail_view "
						       "WHERE id = 2"),
			 1);
	/* log shows the row where it stands, as one in quarantine. */
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 8);
	line = es_test_format(QUARANTINED_LINE, 7LL, 1LL, BAD_STOCK, reason,
			      quarantined_at(7));
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_stdout(log_text(ev, 8, 0, &seven, &line, 1));
	/*
	 * Commands on product 1 go on: its version is counted without the
	 * row, which no decision reads (else they would conflict forever).
	 */
	es_test_write_file(path, stock, strlen(stock));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("{\"ok\":true}\n");
	CATALOG(NULL, "state", "1");
	es_test_expect_status(0);
	ES_ASSERT_STR_CONTAINS(es_test_last.out, "\"stock\":5,");
	ES_ASSERT_STR_CONTAINS(es_test_last.out, "\"version\":2}");
	views_after_apply = views_text();
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_same_rows("views rebuilt", views_text(),
				 views_after_apply);
	CATALOG(NULL, "verify");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(
		"event 7 (product 1): " BAD_STOCK "; in quarantine since "
		"%.*s: %s\n"
		"9 rows checked: all decode but the 1 in quarantine\n",
		(int)strlen(at) - 3, at + 1, reason));
}

/*
 * The audit trail hides nothing: log prints a row in quarantine in its
 * place among the events, in order of id, as the line QUARANTINED_LINE
 * (the exact format is in catalog --help), for the whole log and in
 * its product's log. Its strings are escaped as every line of log is:
 * ESC in the row's type (so in its error) as \u001b, the C1 control
 * U+0085 in the reason as \u0085.
 */
static void test_log_shows_quarantined_rows_in_place(void)
{
	static const char reason_7[] = "typed in by hand; Ana, ticket 12";
	static const char reason_9[] = "Ana\xc2\x85"
				       "ticket 13";
	static const long long held[] = {7, 9};
	const char *lines[2];
	struct es_test_event_row *ev;

	given_a_bad_row(); /* 7: product 1, does not decode; 8: product 2 */
	es_test_db_insert_bad_event(events_db, 2, "Price\x1b[2JChanged",
				    "{\"product_id\": 2}"); /* 9 */
	es_test_db_insert_event(
		events_db, 2, "ProductViewed",
		"{\"product_id\": 2, \"occurred_at\": "
		"\"2026-11-27T14:32:05.123456+00:00\"}"); /* 10 */
	CATALOG(NULL, "quarantine", "7", "--reason", reason_7);
	es_test_expect_status(0);
	CATALOG(NULL, "quarantine", "9", "--reason", reason_9);
	es_test_expect_status(0);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 10);
	lines[0] = es_test_format(
		"{\"id\":7,\"product_id\":1,\"quarantined\":true,\"error\":"
		"\"field 'new_stock' must be a whole number\",\"reason\":"
		"\"typed in by hand; Ana, ticket 12\",\"quarantined_at\":"
		"\"%s\"}",
		quarantined_at(7));
	lines[1] = es_test_format(
		"{\"id\":9,\"product_id\":2,\"quarantined\":true,\"error\":"
		"\"unknown event type 'Price\\u001b[2JChanged'\",\"reason\":"
		"\"Ana\\u0085ticket 13\",\"quarantined_at\":\"%s\"}",
		quarantined_at(9));
	/* The same lines as the format the other tests use. */
	ES_ASSERT_STR_EQ(lines[0],
			 es_test_format(QUARANTINED_LINE, 7LL, 1LL, BAD_STOCK,
					reason_7, quarantined_at(7)));
	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(log_text(ev, 10, 0, held, lines, 2));
	CATALOG(NULL, "log", "1");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(log_text(ev, 10, 1, held, lines, 2));
	CATALOG(NULL, "log", "2");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(log_text(ev, 10, 2, held, lines, 2));
}

static void test_quarantine_refusals(void)
{
	static const struct {
		const char *name;
		const char *args[5];
		int status;
		const char *error;
	} rows[] = {
		{"a row that decodes",
		 {"quarantine", "3", "--reason", "why"},
		 1,
		 "catalog: quarantine: event 3 decodes: correct it with a new "
		 "event, not a quarantine\n"},
		{"a row not in the log",
		 {"quarantine", "99", "--reason", "why"},
		 1,
		 "catalog: quarantine: event 99 is not in the log\n"},
		{"an id that is not one",
		 {"quarantine", "8x", "--reason", "why"},
		 2,
		 "catalog: ID must be a whole number from 1 to "
		 "9007199254740991, not '8x'\n"},
		{"no --reason",
		 {"quarantine", "7", "--why", "why"},
		 2,
		 "catalog: usage: catalog quarantine ID --reason TEXT\n"},
		{"no TEXT",
		 {"quarantine", "7", "--reason"},
		 2,
		 "catalog: usage: catalog quarantine ID --reason TEXT\n"},
		{"an empty reason",
		 {"quarantine", "7", "--reason", ""},
		 2,
		 "catalog: --reason needs a TEXT of one line: who decided, and "
		 "why the row may be skipped\n"},
		{"a reason of two lines",
		 {"quarantine", "7", "--reason", "one\ntwo"},
		 2,
		 "catalog: --reason needs a TEXT of one line: who decided, and "
		 "why the row may be skipped\n"},
	};
	const char *log_before;

	given_a_bad_row();
	log_before = log_rows();
	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *const *a = rows[i].args;

		CATALOG(NULL, a[0], a[1], a[2], a[3]);
		if (es_test_last.status != rows[i].status ||
		    strcmp(es_test_last.err, rows[i].error) != 0)
			ES_FATAL("%s: exit %d, \"%s\"; expected exit %d, "
				 "\"%s\"",
				 rows[i].name, es_test_last.status,
				 es_test_last.err, rows[i].status,
				 rows[i].error);
		es_test_expect_stdout("");
	}
	es_test_expect_same_rows("events", log_rows(), log_before);
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT COUNT(*) FROM "
							 "event_quarantine"),
			 0);
	CATALOG(NULL, "quarantine", "7", "--reason", "why");
	es_test_expect_status(0);
	CATALOG(NULL, "quarantine", "7", "--reason", "again");
	es_test_expect_failure(
		1, "catalog: quarantine: event 7 is in quarantine already\n");
	ES_ASSERT_INT_EQ(es_test_db_query_int(events_db, "SELECT COUNT(*) FROM "
							 "event_quarantine"),
			 1);
}

/* ---- views behind the log ------------------------------------------------ */

static void test_read_verbs_say_the_views_are_behind(void)
{
	static const char others[] =
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n"
		"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":5}\n"
		"{\"type\":\"RecordProductView\",\"product_id\":1}\n";
	static const char list_then[] =
		"[{\"id\":1,\"name\":\"Widget Pro\",\"price\":29.99,\"stock\":"
		"100,\"supplier_name\":\"Acme Corp\"},{\"id\":2,\"name\":"
		"\"Gadget Plus\",\"price\":44.99,\"stock\":%d,"
		"\"supplier_name\":\"Acme Corp\"}]\n";
	static const char behind[] = "catalog: views are %d event%s behind the "
				     "log (run 'catalog catch-up')\n";
	const char *path = es_test_file("others.jsonl");
	const char *ours;

	use_dir("work");
	apply_scenario();
	/* Another catalog appends, into a read model of its own. */
	ours = read_db;
	read_db = es_test_format("%s/elsewhere.db", work);
	es_test_write_file(path, others, strlen(others));
	CATALOG(path, "apply");
	es_test_expect_status(0);
	read_db = ours;
	CATALOG(NULL, "list");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(list_then, 50));
	ES_ASSERT_STR_EQ(es_test_last.err, es_test_format(behind, 3, "s"));
	CATALOG(NULL, "search", "gadget");
	es_test_expect_status(0);
	ES_ASSERT_STR_EQ(es_test_last.err, es_test_format(behind, 3, "s"));
	/* A stale "not found" is said to be stale too; the status stays. */
	CATALOG(NULL, "detail", "7");
	es_test_expect_status(1);
	ES_ASSERT_STR_EQ(es_test_last.err,
			 es_test_format("catalog: Product 7 not found\n%s",
					es_test_format(behind, 3, "s")));
	/* The log's own readers are never behind. */
	CATALOG(NULL, "state", "2");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	CATALOG(NULL, "catch-up");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout("");
	CATALOG(NULL, "list");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(list_then, 5));
	ES_ASSERT_INT_EQ(es_test_db_query_int(read_db, "SELECT view_count FROM "
						       "product_detail_view "
						       "WHERE id = 1"),
			 4);
	/* One event, by a program that projects nothing. */
	es_test_db_insert_event(events_db, 2, "ProductViewed",
				"{\"product_id\": 2, \"occurred_at\": "
				"\"2026-11-27T14:32:05.123456+00:00\"}");
	CATALOG(NULL, "card", "1");
	es_test_expect_status(0);
	ES_ASSERT_STR_EQ(es_test_last.err, es_test_format(behind, 1, ""));
	/* Nothing to catch up with: nothing to say. */
	CATALOG(NULL, "catch-up");
	es_test_expect_status(0);
	CATALOG(NULL, "catch-up");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
}

/* ---- files nobody may write ---------------------------------------------- */

/*
 * CI runs as root, and root ignores file modes: a test of read-only
 * files that ran catalog as root would pass whatever catalog did. So as
 * root, catalog runs as the user nobody (uid and gid 65534), through
 * setpriv (util-linux), on copies of the files and of the program in a
 * directory of /tmp that nobody can reach (the checkout may be under
 * /root). Run by anyone else, the modes bind them already: catalog runs
 * as they are, on the files in the test's directory. Either way the
 * test checks that the user really cannot write (an apply fails), so it
 * cannot pass by running with privileges.
 */
#define NOBODY "65534"

static char *root_tmp; /* as root: the directory under /tmp, or NULL */

/* Remove `path` and all below it, whatever the modes. */
static void remove_tree(const char *path)
{
	DIR *dir;
	struct dirent *d;

	chmod(path, 0700);
	dir = opendir(path);
	if (dir == NULL) {
		remove(path);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		char *sub;

		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		sub = malloc(strlen(path) + strlen(d->d_name) + 2);
		if (sub == NULL)
			continue;
		sprintf(sub, "%s/%s", path, d->d_name);
		remove_tree(sub);
		free(sub);
	}
	closedir(dir);
	rmdir(path);
}

void catalog_repair_teardown(void)
{
	if (root_tmp != NULL)
		remove_tree(root_tmp);
	free(root_tmp);
	root_tmp = NULL;
	catalog_teardown();
}

static const char *setpriv_path(void)
{
	static const char *const paths[] = {"/usr/bin/setpriv", "/bin/setpriv"};

	for (size_t i = 0; i < COUNT(paths); i++) {
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	}
	ES_FATAL("this test runs catalog as the user nobody when it runs as "
		 "root, and needs setpriv for that (Debian: apt-get install "
		 "util-linux)");
}

/* A copy of the file `from` at `to`, with the mode `mode`. */
static void copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len;
	char *bytes = es_test_must_slurp(from, &len);

	es_test_write_file(to, bytes, len);
	if (chmod(to, mode) != 0)
		ES_FATAL("chmod %s: %s", to, strerror(errno));
}

/* Where the unprivileged runs happen, and the program they run. */
static const char *unprivileged_base(void)
{
	if (geteuid() != 0)
		return work;
	if (root_tmp == NULL) {
		char tmpl[] = "/tmp/es-catalog-XXXXXX";

		if (mkdtemp(tmpl) == NULL)
			ES_FATAL("mkdtemp: %s", strerror(errno));
		root_tmp = strdup(tmpl);
		if (root_tmp == NULL || chmod(tmpl, 0755) != 0)
			ES_FATAL("%s: cannot set it up", tmpl);
		copy_file(catalog_binary(), es_test_format("%s/catalog", tmpl),
			  0755);
	}
	return root_tmp;
}

/*
 * Run catalog on the files of `dir` (event_store.db, read_model.db) as
 * a user who may not write them: `args` is a NULL-terminated list.
 */
static void run_unprivileged(const char *in, const char *dir,
			     const char *const *args)
{
	const char *argv[16];
	const char *bin = catalog_binary();
	int n = 0;

	if (geteuid() == 0) {
		argv[n++] = "--reuid=" NOBODY;
		argv[n++] = "--regid=" NOBODY;
		argv[n++] = "--clear-groups";
		argv[n++] = es_test_format("%s/catalog", unprivileged_base());
		bin = setpriv_path();
	}
	argv[n++] = "--events";
	argv[n++] = es_test_format("%s/event_store.db", dir);
	argv[n++] = "--read";
	argv[n++] = es_test_format("%s/read_model.db", dir);
	for (; *args != NULL; args++)
		argv[n++] = *args;
	es_test_run(bin, in, NULL, NULL, argv, n);
}

#define UNPRIVILEGED(in, dir, ...)                                             \
	run_unprivileged((in), (dir), (const char *const[]){__VA_ARGS__, NULL})

/*
 * A directory `name` beside the program, with copies of the two files,
 * made read-only (0444) in a directory of mode `dir_mode`.
 */
static const char *read_only_copy(const char *name, mode_t dir_mode)
{
	const char *dir = es_test_format("%s/%s", unprivileged_base(), name);

	if (mkdir(dir, 0755) != 0)
		ES_FATAL("mkdir %s: %s", dir, strerror(errno));
	copy_file(events_db, es_test_format("%s/event_store.db", dir), 0444);
	copy_file(read_db, es_test_format("%s/read_model.db", dir), 0444);
	if (chmod(dir, dir_mode) != 0)
		ES_FATAL("chmod %s: %s", dir, strerror(errno));
	return dir;
}

/* The size of the -wal file of `db`, 0 when there is none. */
static long long wal_size(const char *db)
{
	struct stat st;

	if (stat(es_test_format("%s-wal", db), &st) != 0)
		return 0;
	return (long long)st.st_size;
}

/*
 * As root, whether the user nobody can run a program at all: not when
 * the root directory is closed to other users, as in a chroot made in a
 * directory from mkdtemp (0700), where the loader cannot reach libc.
 * There the tests below say that they are skipped, and why, and check
 * nothing: as root they would test nothing either.
 */
static bool nobody_cannot_run_here(void)
{
	struct stat st;

	if (geteuid() != 0 || stat("/", &st) != 0 ||
	    (st.st_mode & S_IXOTH) != 0)
		return false;
	printf("      skipped: / is closed to other users here (mode %03o),"
	       " so the user nobody can run no program\n",
	       (unsigned)(st.st_mode & 0777));
	return true;
}

static void test_read_verbs_on_a_directory_nobody_may_write(void)
{
	static const char *const verbs[][3] = {
		{"log"},  {"log", "2"},	   {"state", "2"}, {"detail", "2"},
		{"list"}, {"search", "g"}, {"card", "1"},  {"verify"},
	};
	const char *want[COUNT(verbs)];
	const char *dir;
	size_t n = 0;
	DIR *d;

	if (nobody_cannot_run_here())
		return; /* Passes without a check: see above. */
	use_dir("work");
	apply_scenario();
	/* Each checkpointed and closed: no commit waits in a -wal file. */
	ES_ASSERT_INT_EQ(wal_size(events_db), 0);
	ES_ASSERT_INT_EQ(wal_size(read_db), 0);
	for (size_t i = 0; i < COUNT(verbs); i++) {
		CATALOG(NULL, verbs[i][0], verbs[i][1]);
		es_test_expect_status(0);
		es_test_expect_quiet_stderr();
		want[i] = es_test_last.out;
	}
	/* Not vacuous: the answers hold the scenario's rows. */
	ES_ASSERT_STR_CONTAINS(want[4], "\"name\":\"Gadget Plus\",\"price\":"
					"44.99,\"stock\":50");
	ES_ASSERT_STR_EQ(want[7], "6 rows checked: all decode\n");
	dir = read_only_copy("read-only", 0555);
	for (size_t i = 0; i < COUNT(verbs); i++) {
		UNPRIVILEGED(NULL, dir, verbs[i][0], verbs[i][1]);
		if (es_test_last.status != 0 || es_test_last.err[0] != '\0' ||
		    strcmp(es_test_last.out, want[i]) != 0)
			ES_FATAL(
				"%s: exit %d, stderr \"%s\", stdout \"%.300s\";"
				" expected exit 0 and \"%.300s\"",
				es_test_last.cmd, es_test_last.status,
				es_test_last.err, es_test_last.out, want[i]);
	}
	/* The user really may not write there. */
	UNPRIVILEGED(scenario_file(), dir, "apply");
	es_test_expect_failure(
		1, es_test_format("catalog: %s/event_store.db: attempt to "
				  "write a readonly database\n",
				  dir));
	/* Nothing was created beside the files: no -shm, no -wal. */
	d = opendir(dir);
	ES_ASSERT_TRUE(d != NULL);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	ES_ASSERT_INT_EQ(n, 4); /* ., .., the two files */
}

static void test_read_verbs_say_why_they_cannot_read(void)
{
	static const char wal_msg[] =
		"catalog: %s/event_store.db: cannot be read here: its -wal "
		"file holds commits, which need a -shm file, and none can be "
		"created in its directory\n";
	static const char others_msg[] =
		"catalog: %s/%s: cannot be read here: no -shm file can be "
		"created in its directory, and others may write there (read a "
		"copy)\n";
	const char *wal_dir;
	const char *dir;
	sqlite3 *db;

	if (nobody_cannot_run_here())
		return; /* Passes without a check: see above. */
	use_dir("work");
	apply_scenario();
	/* A directory others may write (the group), this user not. */
	dir = read_only_copy("group-writes", 0575);
	UNPRIVILEGED(NULL, dir, "log");
	es_test_expect_failure(
		1, es_test_format(others_msg, dir, "event_store.db"));
	UNPRIVILEGED(NULL, dir, "list");
	es_test_expect_failure(
		1, es_test_format(others_msg, dir, "read_model.db"));
	/*
	 * A log copied while a writer had it open: its last commit is in
	 * the -wal file only. Read without it, it would lose that commit.
	 */
	db = es_test_db_open(events_db, SQLITE_OPEN_READWRITE);
	es_test_insert_event(db, 2, "ProductViewed",
			     "{\"product_id\": 2, \"occurred_at\": "
			     "\"2026-11-27T14:32:05.123456+00:00\"}",
			     "2026-11-27T14:32:05.123456+00:00");
	wal_dir = es_test_format("%s/wal", unprivileged_base());
	ES_ASSERT_INT_EQ(mkdir(wal_dir, 0755), 0);
	copy_file(events_db, es_test_format("%s/event_store.db", wal_dir),
		  0444);
	ES_ASSERT_TRUE(wal_size(events_db) > 0);
	copy_file(es_test_format("%s-wal", events_db),
		  es_test_format("%s/event_store.db-wal", wal_dir), 0444);
	es_test_db_close(db);
	ES_ASSERT_INT_EQ(chmod(wal_dir, 0555), 0);
	UNPRIVILEGED(NULL, wal_dir, "log");
	es_test_expect_failure(1, es_test_format(wal_msg, wal_dir));
}

CU_TestInfo catalog_repair_tests[] = {
	{"--help names catch-up, verify and quarantine",
	 test_help_names_the_repair_verbs},
	{"a log catalog writes to refuses rows that are not events, older "
	 "logs too",
	 test_an_older_log_gets_the_checks},
	{"verify says how many rows it checked when all decode",
	 test_verify_a_sound_log},
	{"verify lists every row that does not decode and exits 1",
	 test_verify_lists_every_bad_row},
	{"catch-up stops at a bad row, names it and the way past it",
	 test_catch_up_names_the_bad_row},
	{"quarantine lets catch-up, rebuild, log, state and apply past a "
	 "bad row",
	 test_quarantine_lets_the_readers_past},
	{"log shows each row in quarantine in its place, as a line of its "
	 "own, in the whole log and in its product's",
	 test_log_shows_quarantined_rows_in_place},
	{"quarantine refuses what it is not for, and changes nothing",
	 test_quarantine_refusals},
	{"detail, card, list and search say when the views are behind; "
	 "catch-up brings them level",
	 test_read_verbs_say_the_views_are_behind},
	{"the read verbs work as a user who may not write the directory",
	 test_read_verbs_on_a_directory_nobody_may_write},
	{"the read verbs say why when a read-only copy cannot be read",
	 test_read_verbs_say_why_they_cannot_read},
	CU_TEST_INFO_NULL,
};
