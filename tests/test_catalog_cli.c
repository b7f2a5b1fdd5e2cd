/*
 * test_catalog_cli.c - the command line: help, usage errors, demo, and
 * output that cannot be written.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "test_catalog.h"

/* ---- the command line ---------------------------------------------------- */

/*
 * The help and the usage errors come from the program's own option
 * parsing, not from the library, so these three tests pass even on a
 * stubbed library; they pin down the command-line contract all the same.
 */
static void test_help(void)
{
	static const char *const asks[][3] = {
		{"--help"},
		{"-h"},
		{"--events", "x.db", "--help"},
	};
	static const char *const mentions[] = {
		"usage: catalog [--events FILE] [--read FILE] VERB [ARGS]\n",
		"\n  demo ",
		"\n  apply [--batch N] [FILE]\n",
		"\n  log [PRODUCT_ID] ",
		"\n  state ID [--at TIME] ",
		"\n  detail ID ",
		"\n  card ID ",
		"\n  list ",
		"\n  search TEXT ",
		"\n  rebuild ",
		"ISO 8601",
		"prints nothing when it succeeds",
		"2 usage error",
		"\n  --busy-timeout MS\n",
		"(default: 30000)",
		"3 apply answered every\nline, but the database failed some",
		"\n  follow [--after ID] [--idle MS]\n",
		"\n  copy FROM TO ",
		"postgresql://",
		"--batch needs a SQLite log",
	};

	use_dir("work");
	for (size_t i = 0; i < COUNT(asks); i++) {
		int n = asks[i][1] != NULL ? 3 : 1;

		run_args(NULL, NULL, work, asks[i], n);
		es_test_expect_status(0);
		es_test_expect_quiet_stderr();
		if (strncmp(es_test_last.out, mentions[0],
			    strlen(mentions[0])) != 0)
			ES_FATAL("%s: the help starts \"%.80s\"",
				 es_test_last.cmd, es_test_last.out);
		for (size_t k = 1; k < COUNT(mentions); k++)
			ES_ASSERT_STR_CONTAINS(es_test_last.out, mentions[k]);
	}
	ES_ASSERT_TRUE(!es_test_exists(events_db) && !es_test_exists(read_db));
}

/* Run each row in the work directory; each must fail as a usage error. */
struct usage_row {
	const char *name;
	const char *args[5];
	const char *error;
};

static void expect_usage_errors(const struct usage_row *rows, size_t count)
{
	use_dir("work");
	for (size_t i = 0; i < count; i++) {
		int n = 0;

		while (n < 5 && rows[i].args[n] != NULL)
			n++;
		run_args(NULL, NULL, work, rows[i].args, n);
		if (es_test_last.status != 2 ||
		    strncmp(es_test_last.err, rows[i].error,
			    strlen(rows[i].error)) != 0)
			ES_FATAL("%s: exit %d, \"%.200s\"; expected exit 2, "
				 "\"%s...\"",
				 rows[i].name, es_test_last.status,
				 es_test_last.err, rows[i].error);
		es_test_expect_error(rows[i].error);
		es_test_expect_stdout("");
	}
	/* A usage error touches no file: nothing was created here. */
	ES_ASSERT_TRUE(!es_test_exists(events_db) && !es_test_exists(read_db));
}
#define expect_usage_errors(rows, count)                                       \
	ES_CALLED(expect_usage_errors(rows, count))

static void test_usage_errors(void)
{
	static const struct usage_row rows[] = {
		{"no verb", {NULL}, "catalog: no verb given"},
		{"an unknown verb",
		 {"frobnicate"},
		 "catalog: unknown verb 'frobnicate'"},
		{"an unknown option",
		 {"--verbose", "list"},
		 "catalog: unknown option '--verbose'"},
		{"--events without a file",
		 {"--events"},
		 "catalog: --events needs a FILE"},
		{"--read with an empty file name",
		 {"--read", "", "list"},
		 "catalog: --read needs a FILE"},
		{"--busy-timeout without a number",
		 {"--busy-timeout"},
		 "catalog: --busy-timeout needs MS, a whole number of "
		 "milliseconds from 0 to 86400000, not ''"},
		{"--busy-timeout in seconds",
		 {"--busy-timeout", "30s", "apply"},
		 "catalog: --busy-timeout needs MS, a whole number of "
		 "milliseconds from 0 to 86400000, not '30s'"},
		{"--busy-timeout below 0",
		 {"--busy-timeout", "-1", "apply"},
		 "catalog: --busy-timeout needs MS, a whole number of "
		 "milliseconds from 0 to 86400000, not '-1'"},
		{"--busy-timeout beyond a day",
		 {"--busy-timeout", "86400001", "apply"},
		 "catalog: --busy-timeout needs MS, a whole number of "
		 "milliseconds from 0 to 86400000, not '86400001'"},
		{"an option after the verb",
		 {"list", "--read", "x.db"},
		 "catalog: usage: catalog list"},
		{"detail without an id",
		 {"detail"},
		 "catalog: usage: catalog detail ID"},
		{"card with two ids",
		 {"card", "1", "2"},
		 "catalog: usage: catalog card ID"},
		{"--at without a time",
		 {"state", "1", "--at"},
		 "catalog: usage: catalog state ID [--at TIME]"},
		{"state with another option",
		 {"state", "1", "--by", "x"},
		 "catalog: usage: catalog state ID [--at TIME]"},
		{"--at with a time that is not ISO 8601",
		 {"state", "1", "--at", "yesterday"},
		 "catalog: time 'yesterday' is not ISO 8601: write "},
		{"--at with a time that is not UTC",
		 {"state", "1", "--at", "2026-11-27T14:32:05+01:00"},
		 "catalog: time '2026-11-27T14:32:05+01:00' is not UTC: end "
		 "it with Z or +00:00"},
		{"--at with a day the month does not have",
		 {"state", "1", "--at", "2026-02-29"},
		 "catalog: time '2026-02-29': day 29 is out of range"},
		{"list with an argument",
		 {"list", "all"},
		 "catalog: usage: catalog list"},
		{"search without a text",
		 {"search"},
		 "catalog: usage: catalog search TEXT"},
		{"apply with two files",
		 {"apply", "a", "b"},
		 "catalog: usage: catalog apply [--batch N] [FILE]"},
		{"rebuild with an argument",
		 {"rebuild", "now"},
		 "catalog: usage: catalog rebuild"},
		{"demo with an argument",
		 {"demo", "again"},
		 "catalog: usage: catalog demo"},
	};

	expect_usage_errors(rows, COUNT(rows));
}

static void test_bad_ids(void)
{
	static const struct usage_row rows[] = {
		{"an id of zero", {"detail", "0"}, "catalog: ID must be"},
		{"a negative id", {"card", "-1"}, "catalog: ID must be"},
		{"an id with a sign", {"state", "+1"}, "catalog: ID must be"},
		{"an id with letters", {"state", "1x"}, "catalog: ID must be"},
		{"an id with a space", {"detail", " 1"}, "catalog: ID must be"},
		{"an empty id", {"log", ""}, "catalog: ID must be"},
		{"an id beyond 2^53",
		 {"log", "9007199254740992"},
		 "catalog: ID must be"},
		{"an id beyond 2^64",
		 {"log", "99999999999999999999999"},
		 "catalog: ID must be"},
	};

	expect_usage_errors(rows, COUNT(rows));
}

static void test_demo(void)
{
	static const char *const demo[] = {"demo"};
	static const char *const list[] = {"list"};
	const char *last_line;

	use_dir("work");
	/* No options: the default files, in the current directory. */
	run_args(NULL, NULL, work, demo, 1);
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	if (strncmp(es_test_last.out, "{\"id\":1,\"name\":\"Widget Pro\",",
		    28) != 0)
		ES_FATAL("demo printed \"%.600s\"", es_test_last.out);
	ES_ASSERT_STR_CONTAINS(es_test_last.out,
			       "\n--- Event Log for Gadget Plus ---\n");
	ES_ASSERT_STR_CONTAINS(
		es_test_last.out,
		"\n--- Rebuilding read model from scratch ---\n");
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT COUNT(*) FROM events"),
		4);
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(read_db,
				     "SELECT COUNT(*) FROM product_list_view"),
		2);
	last_line = strstr(es_test_last.out, "from scratch ---\n") + 17;
	last_line = es_test_format("%s", last_line);
	run_args(NULL, NULL, work, list, 1);
	es_test_expect_status(0);
	es_test_expect_stdout(last_line);
}

static void test_full_output(void)
{
	static const char *const verbs[][2] = {
		{"list"},
		{"log"},
		{"state", "1"},
		{"apply"},
	};
	static const char *const help[] = {"--help"};

	use_dir("work");
	apply_scenario();
	for (size_t i = 0; i < COUNT(verbs); i++) {
		const char *args[6] = {"--events", events_db,	"--read",
				       read_db,	   verbs[i][0], verbs[i][1]};

		run_args(scenario_file(), "/dev/full", NULL, args,
			 verbs[i][1] != NULL ? 6 : 5);
		es_test_expect_status(1);
		es_test_expect_error(
			"catalog: cannot write to standard output\n");
	}
	run_args(NULL, "/dev/full", NULL, help, 1);
	es_test_expect_status(1);
	es_test_expect_error("catalog: cannot write to standard output\n");
}

CU_TestInfo catalog_cli_tests[] = {
	{"--help prints the usage on standard output and exits 0", test_help},
	{"usage errors exit 2 with one line on standard error",
	 test_usage_errors},
	{"an ID that is not a whole number from 1 is a usage error",
	 test_bad_ids},
	{"demo runs the seed's scenario on the default files", test_demo},
	{"output that cannot be written is an error", test_full_output},
	CU_TEST_INFO_NULL,
};
