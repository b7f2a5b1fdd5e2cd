/*
 * test_catalog_corrections.c - `catalog apply` with CorrectStock (step
 * 15): a correction answered ok and shown by detail, state and log; a
 * correction refused, with nothing appended; a rebuild that agrees.
 */
#include <stddef.h>
#include <string.h>

#include "test_catalog.h"

#define CREATE_WIDGET                                                          \
	"{\"type\":\"CreateProduct\",\"name\":\"Widget Pro\",\"price\":29.99," \
	"\"cost_price\":12.0,\"supplier_id\":1,\"supplier_name\":\"Acme "      \
	"Corp\",\"stock\":100,\"description\":null}\n"

/* A CorrectStock line of product 1, citing `cites`, with its stock. */
#define CORRECT(cites, stock, reason)                                          \
	"{\"type\":\"CorrectStock\",\"product_id\":1,\"corrects_event_"        \
	"id\":" cites ",\"new_stock\":" stock ",\"reason\":\"" reason "\"}\n"

/* Widget Pro's detail, with its stock and the time of its last change. */
static const char detail_fmt[] =
	"{\"id\":1,\"name\":\"Widget Pro\",\"description\":null,\"price\":"
	"29.99,\"stock\":%d,\"view_count\":0,\"supplier_name\":\"Acme Corp\","
	"\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n";

/* How many lines `catalog log` prints: one an event. */
static size_t log_rows(void)
{
	char **lines;

	CATALOG(NULL, "log");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	return es_test_out_lines(&lines);
}

/*
 * The "done when": a create (event 1), an UpdateStock (event 2)
 * and a CorrectStock citing event 2 answer ok three times, and detail
 * shows the corrected stock.
 */
static void test_apply_a_correction(void)
{
	struct es_test_event_row *ev;
	const char *data;

	use_dir("work");
	apply_lines(CREATE_WIDGET
		    "{\"type\":\"UpdateStock\",\"product_id\":1,"
		    "\"new_stock\":50}\n" CORRECT("2", "45", "counted twice"),
		    "{\"ok\":true,\"product_id\":1}\n{\"ok\":true}\n"
		    "{\"ok\":true}\n");
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 3);
	ES_ASSERT_STR_EQ(ev[2].event_type, "StockCorrected");
	ES_ASSERT_INT_EQ(ev[2].product_id, 1);
	data = es_test_format("{\"product_id\": 1, \"corrects_event_id\": 2, "
			      "\"new_stock\": 45, \"reason\": \"counted "
			      "twice\", \"occurred_at\": \"%s\"}",
			      ev[2].occurred_at);
	ES_ASSERT_STR_EQ(ev[2].data, data);
	CATALOG(NULL, "detail", "1");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(detail_fmt, 45, ev[0].occurred_at,
					     ev[2].occurred_at));
	/* The log shows the correction with the event it corrects. */
	CATALOG(NULL, "log", "1");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	es_test_expect_stdout(es_test_format(
		"%s\n%s\n%s\n", log_line(&ev[0], ev[0].data),
		log_line(&ev[1], ev[1].data), log_line(&ev[2], data)));
	ES_ASSERT_STR_CONTAINS(es_test_last.out,
			       "\"event_type\":\"StockCorrected\"");
	ES_ASSERT_STR_CONTAINS(es_test_last.out, "\"corrects_event_id\": 2");
	/* The aggregate, replayed: the stock as the shelf holds it. */
	CATALOG(NULL, "state", "1");
	es_test_expect_status(0);
	es_test_expect_stdout(
		"{\"id\":1,\"name\":\"Widget Pro\",\"description\":null,"
		"\"price\":29.99,\"cost_price\":12.0,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":45,"
		"\"view_count\":0,\"version\":3}\n");
	/* Before the correction, the count it corrects. */
	CATALOG(NULL, "state", "1", "--at", ev[1].occurred_at);
	es_test_expect_status(0);
	ES_ASSERT_STR_CONTAINS(es_test_last.out, "\"stock\":50,");
	/* A rebuild from the log gives the same views. */
	CATALOG(NULL, "rebuild");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	CATALOG(NULL, "detail", "1");
	es_test_expect_status(0);
	es_test_expect_stdout(es_test_format(detail_fmt, 45, ev[0].occurred_at,
					     ev[2].occurred_at));
}

/*
 * The same CorrectStock citing event 1 (a ProductCreated) or another
 * product's event is refused, and appends nothing; so are the other
 * rules' breaches and lines that are no CorrectStock.
 */
/* A reason of 201 characters: one more than decide.h allows. */
#define REASON_10  "0123456789"
#define REASON_50  REASON_10 REASON_10 REASON_10 REASON_10 REASON_10
#define REASON_201 REASON_50 REASON_50 REASON_50 REASON_50 "x"

static void test_apply_refuses_a_bad_correction(void)
{
	static const struct {
		const char *line;
		const char *error;
	} rows[] = {
		{CORRECT("1", "45", "counted twice"),
		 "Event 1 is a ProductCreated, not a StockUpdated"},
		{CORRECT("4", "45", "counted twice"),
		 "Event 4 is not about product 1"},
		{CORRECT("3", "45", "counted twice"),
		 "Event 3 is not about product 1"},
		{CORRECT("99", "45", "counted twice"), "Event 99 not found"},
		{CORRECT("5", "40", "counted again"),
		 "Event 5 is a StockCorrected, not a StockUpdated"},
		{CORRECT("2", "-1", "counted twice"),
		 "Stock cannot be negative"},
		{CORRECT("2", "45", " "), "Reason cannot be empty"},
		{CORRECT("2", "45", REASON_201),
		 "Reason cannot be longer than 200 characters"},
		{"{\"type\":\"CorrectStock\",\"product_id\":1,"
		 "\"corrects_event_id\":2,\"new_stock\":45}\n",
		 "CorrectStock: missing field 'reason'"},
	};
	static const char gadget[] =
		"{\"type\":\"CreateProduct\",\"name\":\"Gadget Plus\","
		"\"price\":49.99,\"cost_price\":22.5,\"supplier_id\":1,"
		"\"supplier_name\":\"Acme Corp\",\"stock\":0}\n"
		"{\"type\":\"UpdateStock\",\"product_id\":2,\"new_stock\":7}\n";
	struct es_test_buf lines = {0};
	struct es_test_buf answers = {0};
	struct es_test_event_row *ev;
	const char *detail;

	use_dir("work");
	/* Widget Pro (#1) counted (#2); Gadget Plus (#3) counted (#4); #2
	 * corrected (#5). */
	apply_lines(CREATE_WIDGET "{\"type\":\"UpdateStock\",\"product_id\":1,"
				  "\"new_stock\":50}\n",
		    "{\"ok\":true,\"product_id\":1}\n{\"ok\":true}\n");
	apply_lines(gadget, "{\"ok\":true,\"product_id\":2}\n{\"ok\":true}\n");
	apply_lines(CORRECT("2", "45", "counted twice"), "{\"ok\":true}\n");
	ES_ASSERT_INT_EQ(log_rows(), 5);
	CATALOG(NULL, "detail", "1");
	es_test_expect_status(0);
	detail = es_test_last.out;
	for (size_t i = 0; i < COUNT(rows); i++) {
		es_test_buf_str(&lines, rows[i].line);
		es_test_buf_printf(&answers,
				   "{\"ok\":false,\"error\":\"%s\"}\n",
				   rows[i].error);
	}
	apply_lines(es_test_buf_own(&lines), es_test_buf_own(&answers));
	ES_ASSERT_INT_EQ(log_rows(), 5);
	ES_ASSERT_INT_EQ(es_test_load_events(events_db, &ev), 5);
	CATALOG(NULL, "detail", "1");
	es_test_expect_status(0);
	es_test_expect_stdout(detail);
}

CU_TestInfo catalog_corrections_tests[] = {
	{"apply answers ok to a create, a count and its correction, and "
	 "detail shows the corrected stock",
	 test_apply_a_correction},
	{"apply refuses a correction of the wrong event, or breaking a rule, "
	 "and appends nothing",
	 test_apply_refuses_a_bad_correction},
	CU_TEST_INFO_NULL,
};
