/*
 * test_outbox.c - step 17: a side effect kept out of replay. The
 * notifier's own tables and checkpoint (notifier.h); which events send a
 * low-stock notification, and in what order; the checkpoint after a run,
 * a later run, and the views' rebuild on the same read DB; a send that
 * fails; and processes killed on each side of the checkpoint's save.
 *
 * The tests append their events to the log directly (es_store_append),
 * each stamped by the fixed clock, so that each event's id is known: the
 * n-th event a test appends is event n. The send callback writes each
 * notification as the line `catalog notify` prints,
 * {"product_id":1,"stock":3,"event_id":2}, so a run's notifications are
 * compared as one text, in order.
 *
 * The crash tests fork a child that opens the files itself and runs the
 * notifier. Its send callback stops on one side of the send or the other
 * and the test kills it there with SIGKILL, as `kill -9` would: the
 * process ends inside the callback, with no return to the notifier and
 * no save after it. What the child "sent" is what it wrote into a file
 * before it was killed.
 *
 * What the tests open is kept in file-scope variables that the teardown
 * closes, so a failed assertion leaks nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event_store.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"
#include "insights.h" /* ES_LOW_STOCK_THRESHOLD */
#include "notifier.h"
#include "read_db.h"
#include "views.h"

/* One notification, as `catalog notify` prints it (notifier.h). */
#define NOTE(product_id, stock, event_id)                                      \
	"{\"product_id\":" #product_id ",\"stock\":" #stock                    \
	",\"event_id\":" #event_id "}\n"

#define STOCK_ROWS                                                             \
	"SELECT product_id, stock FROM notifier_stock ORDER BY product_id"
#define CHECKPOINT_ROWS "SELECT id, last_event_id FROM notifier_checkpoint"

/* What a send callback was given: one line a notification. */
struct inbox {
	char text[4096];
	size_t len;
	int64_t calls;
	int64_t fail_at; /* the call that fails, from 1; 0: none fails */
};

static char store_path[512];
static char read_path[512];
static struct es_store *store;
static sqlite3 *read_db;
static struct es_notifier *notifier;
static struct es_notifier *notifier_b;
static struct es_views *views;
static struct es_event ev;
static struct inbox box;
static int stamps;		 /* the fixed clock's readings so far */
static struct es_test_dump dump; /* dumps are large: fixtures.h */

/* Open the log and the read DB; what fails is written down (harness.h). */
static void open_files(void)
{
	struct es_error err = {0, ""};
	int rc;

	rc = es_store_open(&store, store_path, ES_STORE_WRITE, &err);
	if (rc != ES_OK) {
		es_test_setup_failed("es_store_open", rc, &err);
		return;
	}
	rc = es_read_db_open(&read_db, read_path, ES_READ_DB_WRITE, &err);
	if (rc != ES_OK)
		es_test_setup_failed("es_read_db_open", rc, &err);
}

/* Close what is open, the notifiers before the read DB they borrow. */
static void close_all(void)
{
	es_notifier_close(notifier);
	notifier = NULL;
	es_notifier_close(notifier_b);
	notifier_b = NULL;
	es_views_close(views);
	views = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_store_close(store);
	store = NULL;
}

static void setup(void)
{
	memset(&ev, 0, sizeof(ev));
	memset(&box, 0, sizeof(box));
	stamps = 0;
	es_test_path(store_path, sizeof(store_path), "event_store.db");
	es_test_path(read_path, sizeof(read_path), "read_model.db");
	open_files();
}

static void teardown(void)
{
	es_event_dispose(&ev);
	close_all();
}

/* ---- the log ------------------------------------------------------------- */

/* Append `ev`, which the caller made; returns its id. */
static int64_t append_ev(void)
{
	struct es_error err = {0, ""};
	int64_t id;

	ES_ASSERT_OK(es_store_append(store, &ev, &err), &err);
	id = ev.id;
	es_event_dispose(&ev);
	return id;
}

/* The fixed clock's next reading. */
static const char *next_stamp(char at[ES_TIMESTAMP_SIZE])
{
	es_test_timestamp(at, stamps++);
	return at;
}

/* Register a product and append its ProductCreated with `stock`. */
static int64_t create(int64_t stock)
{
	struct es_product_created fields = es_test_widget_fields();
	struct es_error err = {0, ""};
	char at[ES_TIMESTAMP_SIZE];
	int64_t id;

	ES_REQUIRE_SETUP();
	fields.stock = stock;
	ES_ASSERT_OK(es_store_new_product_id(store, &id, &err), &err);
	ES_ASSERT_OK(es_event_product_created(&ev, id, &fields, next_stamp(at),
					      &err),
		     &err);
	return append_ev();
}
#define create(stock) ES_CALLED_INT(create(stock))

static int64_t set_stock(int64_t product_id, int64_t stock)
{
	char at[ES_TIMESTAMP_SIZE];

	ES_REQUIRE_SETUP();
	es_event_stock_updated(&ev, product_id, stock, next_stamp(at));
	return append_ev();
}
#define set_stock(product_id, stock) ES_CALLED_INT(set_stock(product_id, stock))

static int64_t correct(int64_t product_id, int64_t corrects, int64_t stock)
{
	struct es_error err = {0, ""};
	char at[ES_TIMESTAMP_SIZE];

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_event_stock_corrected(&ev, product_id, corrects, stock,
					      "counted again", next_stamp(at),
					      &err),
		     &err);
	return append_ev();
}
#define correct(product_id, corrects, stock)                                   \
	ES_CALLED_INT(correct(product_id, corrects, stock))

static int64_t change_price(int64_t product_id, double price)
{
	char at[ES_TIMESTAMP_SIZE];

	ES_REQUIRE_SETUP();
	es_event_price_changed(&ev, product_id, price, next_stamp(at));
	return append_ev();
}
#define change_price(product_id, price)                                        \
	ES_CALLED_INT(change_price(product_id, price))

static int64_t view(int64_t product_id)
{
	char at[ES_TIMESTAMP_SIZE];

	ES_REQUIRE_SETUP();
	es_event_product_viewed(&ev, product_id, next_stamp(at));
	return append_ev();
}
#define view(product_id) ES_CALLED_INT(view(product_id))

/* ---- the notifier -------------------------------------------------------- */

/* `n` as one line of text, the form notifier.h gives. */
static int note_line(char *buf, size_t size, const struct es_notification *n)
{
	return snprintf(buf, size,
			"{\"product_id\":%" PRId64 ",\"stock\":%" PRId64
			",\"event_id\":%" PRId64 "}\n",
			n->product_id, n->stock, n->event_id);
}

/* The send callback: keeps each notification in the inbox `ctx`. */
static int record(void *ctx, const struct es_notification *n,
		  struct es_error *err)
{
	struct inbox *in = ctx;
	int len;

	in->calls++;
	if (in->calls == in->fail_at)
		return es_error_set(err, ES_EINVAL,
				    "the mail server said no (a test)");
	len = note_line(in->text + in->len, sizeof(in->text) - in->len, n);
	if (len > 0 && (size_t)len < sizeof(in->text) - in->len)
		in->len += (size_t)len;
	return ES_OK;
}

static void open_notifier(void)
{
	struct es_error err = {0, ""};

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_notifier_open(&notifier, read_db, &err), &err);
	ES_ASSERT_TRUE(notifier != NULL);
}
#define open_notifier() ES_CALLED(open_notifier())

/* Empty the inbox; `fail_at` as in struct inbox. */
static void empty_box(int64_t fail_at)
{
	memset(&box, 0, sizeof(box));
	box.fail_at = fail_at;
}

/*
 * Run the notifier, which must succeed, with record() as its send: the
 * notifications it sent, one line each, in the order sent. `*sent` must
 * count them, and no transaction may be left open.
 */
static const char *run_ok(void)
{
	struct es_error err = {0, ""};
	int64_t sent = -1;

	ES_REQUIRE_SETUP();
	empty_box(0);
	ES_ASSERT_OK(
		es_notifier_run(&sent, notifier, store, record, &box, &err),
		&err);
	if (sent != box.calls)
		ES_FAIL("es_notifier_run set *sent to %" PRId64
			", and called send %" PRId64 " times",
			sent, box.calls);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	return box.text;
}
#define run_ok() ES_CALLED_PTR(run_ok())

static int64_t checkpoint(void)
{
	struct es_error err = {0, ""};
	int64_t at = -1;

	ES_REQUIRE_SETUP();
	ES_ASSERT_OK(es_notifier_checkpoint(&at, notifier, &err), &err);
	return at;
}
#define checkpoint() ES_CALLED_INT(checkpoint())

/* The rows of `sql` on the read DB, as text (fixtures.h). */
static const struct es_test_dump *rows(const char *sql)
{
	ES_REQUIRE_SETUP();
	return es_test_dump_rows(&dump, read_db, sql);
}
#define rows(sql) ES_CALLED_PTR(rows(sql))

/* ---- the notifier's own state -------------------------------------------- */

static void test_open_creates_the_tables(void)
{
	open_notifier();
	ES_ASSERT_ROWS(rows("SELECT name FROM sqlite_master WHERE type ="
			    " 'table' AND (name = 'notifier_checkpoint' OR"
			    " name = 'notifier_stock') ORDER BY name"),
		       "'notifier_checkpoint'\n'notifier_stock'\n");
	ES_ASSERT_ROWS(rows("SELECT name, type, \"notnull\", pk FROM"
			    " pragma_table_info('notifier_checkpoint')"
			    " ORDER BY cid"),
		       "'id'|'INTEGER'|0|1\n'last_event_id'|'INTEGER'|1|0\n");
	ES_ASSERT_ROWS(rows("SELECT name, type, \"notnull\", pk FROM"
			    " pragma_table_info('notifier_stock')"
			    " ORDER BY cid"),
		       "'product_id'|'INTEGER'|0|1\n'stock'|'INTEGER'|1|0\n");
	/* A new notifier starts at the log's beginning. */
	ES_ASSERT_INT_EQ(checkpoint(), 0);
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	es_notifier_close(NULL); /* harmless */
}

/*
 * The checkpoint is in the read DB: a notifier opened again, on a
 * connection opened again, goes on from it, and a second handle on the
 * same DB sees it. A new read DB is a new notifier: it starts at 0.
 */
static void test_reopening_keeps_the_checkpoint(void)
{
	struct es_error err = {0, ""};
	int64_t at = -1;

	create(100); /* 1 */
	set_stock(1, 3);
	view(1); /* 3 */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 2));
	ES_ASSERT_INT_EQ(checkpoint(), 3);
	ES_ASSERT_OK(es_notifier_open(&notifier_b, read_db, &err), &err);
	ES_ASSERT_OK(es_notifier_checkpoint(&at, notifier_b, &err), &err);
	ES_ASSERT_INT_EQ(at, 3);
	close_all();
	open_files();
	open_notifier();
	ES_ASSERT_INT_EQ(checkpoint(), 3);
	ES_ASSERT_ROWS(rows(CHECKPOINT_ROWS), "1|3\n");
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|3\n");
	ES_ASSERT_STR_EQ(run_ok(), "");
	ES_ASSERT_INT_EQ(checkpoint(), 3);
	/* Another read DB: another notifier, from the beginning. */
	es_notifier_close(notifier);
	notifier = NULL;
	es_read_db_close(read_db);
	read_db = NULL;
	es_test_path(read_path, sizeof(read_path), "other_read_model.db");
	ES_ASSERT_OK(
		es_read_db_open(&read_db, read_path, ES_READ_DB_WRITE, &err),
		&err);
	open_notifier();
	ES_ASSERT_INT_EQ(checkpoint(), 0);
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 2));
	ES_ASSERT_INT_EQ(checkpoint(), 3);
}

/* ---- which events send a notification ------------------------------------ */

/* The threshold the rows of these tests are written for. */
static void expect_threshold_10(void)
{
	ES_ASSERT_INT_EQ(ES_LOW_STOCK_THRESHOLD, 10);
}

static void test_a_create_below_the_threshold(void)
{
	expect_threshold_10();
	create(3);   /* 1: below */
	create(0);   /* 2: below */
	create(10);  /* 3: exactly 10 is not below */
	create(9);   /* 4: below */
	create(100); /* 5 */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 1) NOTE(2, 0, 2) NOTE(4, 9, 4));
	ES_ASSERT_INT_EQ(checkpoint(), 5);
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|3\n2|0\n3|10\n4|9\n5|100\n");
}

/*
 * An update sends one when it takes the stock from 10 or more to below
 * 10; a product already below gets none until it has been back at or
 * above 10.
 */
static void test_an_update_that_takes_the_stock_below(void)
{
	expect_threshold_10();
	create(100);	  /* 1 */
	set_stock(1, 50); /* 2 */
	set_stock(1, 3);  /* 3: from 50 to 3 */
	set_stock(1, 2);  /* 4: below already */
	set_stock(1, 0);  /* 5: below already */
	set_stock(1, 10); /* 6: back at 10 */
	set_stock(1, 9);  /* 7: from 10 to 9 */
	set_stock(1, 12); /* 8 */
	set_stock(1, 10); /* 9: exactly 10 is not below */
	set_stock(1, 4);  /* 10: from 10 to 4 */
	set_stock(1, 4);  /* 11: the same stock again */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 3) NOTE(1, 9, 7) NOTE(1, 4, 10));
	ES_ASSERT_INT_EQ(checkpoint(), 11);
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|4\n");
}

/* A correction sets the stock as an update does (step 15). */
static void test_a_correction_that_takes_the_stock_below(void)
{
	expect_threshold_10();
	create(100);	   /* 1 */
	set_stock(1, 50);  /* 2 */
	correct(1, 2, 5);  /* 3: from 50 to 5 */
	correct(1, 2, 4);  /* 4: below already */
	correct(1, 2, 20); /* 5: back above */
	set_stock(1, 6);   /* 6: an update, from 20 to 6 */
	correct(1, 6, 10); /* 7: back at 10 */
	correct(1, 6, 1);  /* 8: from 10 to 1 */
	set_stock(1, 11);  /* 9 */
	correct(1, 9, 10); /* 10: exactly 10 is not below */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 5, 3) NOTE(1, 6, 6) NOTE(1, 1, 8));
	ES_ASSERT_INT_EQ(checkpoint(), 10);
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|10\n");
}

/*
 * Each product is followed on its own, and the notifications come in the
 * log's order.
 */
static void test_products_are_followed_each_on_its_own(void)
{
	create(100);	  /* 1: product 1 */
	create(100);	  /* 2: product 2 */
	set_stock(2, 3);  /* 3 */
	set_stock(1, 4);  /* 4: product 1 was at 100, not at 3 */
	create(2);	  /* 5: product 3 */
	set_stock(2, 1);  /* 6: below already */
	set_stock(1, 50); /* 7 */
	set_stock(3, 8);  /* 8: below already */
	set_stock(1, 1);  /* 9 */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(2, 3, 3) NOTE(1, 4, 4) NOTE(3, 2, 5)
					   NOTE(1, 1, 9));
	ES_ASSERT_INT_EQ(checkpoint(), 9);
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|1\n2|1\n3|8\n");
}

/*
 * A stock change of a product never created changes nothing, as in the
 * views: no notification, and no stock kept. Product 2 is such a
 * product, until it is registered and created: then it is new, not
 * "below already" from the events before it.
 */
static void test_a_product_never_created_sends_nothing(void)
{
	create(100);	  /* 1: product 1 */
	set_stock(2, 3);  /* 2 */
	correct(2, 2, 1); /* 3 */
	set_stock(2, 50); /* 4 */
	set_stock(2, 2);  /* 5 */
	set_stock(1, 60); /* 6 */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), "");
	ES_ASSERT_INT_EQ(checkpoint(), 6);
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|60\n");
	ES_ASSERT_INT_EQ(create(5), 7); /* product 2, created below */
	ES_ASSERT_STR_EQ(run_ok(), NOTE(2, 5, 7));
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|60\n2|5\n");
}

static void test_prices_and_views_send_nothing(void)
{
	create(5);		/* 1: sends */
	create(100);		/* 2 */
	change_price(1, 44.99); /* 3 */
	view(1);		/* 4 */
	change_price(2, 0.5);	/* 5 */
	view(2);		/* 6 */
	view(9);		/* 7: never created */
	change_price(9, 1.0);	/* 8 */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 5, 1));
	/* Events that send nothing move the checkpoint all the same. */
	ES_ASSERT_INT_EQ(checkpoint(), 8);
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|5\n2|100\n");
	view(1);
	change_price(2, 3.0);
	ES_ASSERT_STR_EQ(run_ok(), "");
	ES_ASSERT_INT_EQ(checkpoint(), 10);
}

/* ---- the checkpoint, catch-up and the views' rebuild --------------------- */

/*
 * A run deals with every event: its checkpoint is the last one's, even
 * when that one sent nothing. A second run has nothing to do.
 */
static void test_a_second_run_sends_nothing(void)
{
	create(100);	 /* 1 */
	set_stock(1, 3); /* 2 */
	create(7);	 /* 3 */
	view(1);	 /* 4 */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 2) NOTE(2, 7, 3));
	ES_ASSERT_INT_EQ(checkpoint(), 4);
	ES_ASSERT_ROWS(rows(CHECKPOINT_ROWS), "1|4\n");
	ES_ASSERT_STR_EQ(run_ok(), "");
	ES_ASSERT_INT_EQ(checkpoint(), 4);
	ES_ASSERT_STR_EQ(run_ok(), "");
	ES_ASSERT_ROWS(rows(CHECKPOINT_ROWS), "1|4\n");
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|3\n2|7\n");
}

/*
 * A later run sends only what the new events call for, and decides with
 * the stock the earlier runs kept.
 */
static void test_a_later_run_sends_only_the_new_events(void)
{
	create(100);	 /* 1 */
	create(100);	 /* 2 */
	set_stock(2, 3); /* 3 */
	open_notifier();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(2, 3, 3));
	set_stock(1, 4); /* 4: product 1 was at 100 */
	set_stock(2, 2); /* 5: below already */
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 4, 4));
	ES_ASSERT_INT_EQ(checkpoint(), 5);
	set_stock(1, 50); /* 6 */
	ES_ASSERT_STR_EQ(run_ok(), "");
	set_stock(1, 2);  /* 7 */
	set_stock(2, 40); /* 8 */
	set_stock(2, 0);  /* 9 */
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 2, 7) NOTE(2, 0, 9));
	ES_ASSERT_INT_EQ(checkpoint(), 9);
	ES_ASSERT_STR_EQ(run_ok(), "");
}

/*
 * The views and the notifier read the same log into the same read DB,
 * each with its own checkpoint: catching the views up moves only
 * theirs, and rebuilding them, which replays every event, sends nothing
 * and leaves the notifier's tables as they were.
 */
static void test_the_views_rebuild_sends_nothing(void)
{
	struct es_error err = {0, ""};
	int64_t projected = -1;
	int64_t at = -1;

	create(100);	 /* 1 */
	set_stock(1, 3); /* 2 */
	create(5);	 /* 3 */
	open_notifier();
	ES_ASSERT_OK(es_views_open(&views, read_db, &err), &err);
	ES_ASSERT_OK(es_views_catch_up(&projected, views, store, &err), &err);
	ES_ASSERT_INT_EQ(projected, 3);
	ES_ASSERT_INT_EQ(checkpoint(), 0);
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 2) NOTE(2, 5, 3));
	ES_ASSERT_INT_EQ(checkpoint(), 3);
	/* The rebuild replays the whole log into the views. */
	ES_ASSERT_OK(es_views_rebuild(&projected, views, store, &err), &err);
	ES_ASSERT_INT_EQ(projected, 3);
	ES_ASSERT_INT_EQ(checkpoint(), 3);
	ES_ASSERT_ROWS(rows(CHECKPOINT_ROWS), "1|3\n");
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|3\n2|5\n");
	ES_ASSERT_STR_EQ(run_ok(), "");
	/* New events: the views first, then a rebuild, then the notifier. */
	set_stock(1, 60); /* 4 */
	set_stock(1, 1);  /* 5 */
	ES_ASSERT_OK(es_views_catch_up(&projected, views, store, &err), &err);
	ES_ASSERT_INT_EQ(projected, 2);
	ES_ASSERT_OK(es_views_rebuild(&projected, views, store, &err), &err);
	ES_ASSERT_INT_EQ(projected, 5);
	ES_ASSERT_OK(es_views_checkpoint(&at, views, &err), &err);
	ES_ASSERT_INT_EQ(at, 5);
	ES_ASSERT_INT_EQ(checkpoint(), 3);
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 1, 5));
	ES_ASSERT_OK(es_views_rebuild(&projected, views, store, &err), &err);
	ES_ASSERT_STR_EQ(run_ok(), "");
	ES_ASSERT_INT_EQ(checkpoint(), 5);
}

/* ---- a send that fails --------------------------------------------------- */

/*
 * A send that fails stops the run with its code: the notifications sent
 * before it are saved, the failed one is not, nor any event after the
 * last save, so the next run sends it, and decides it with the stock of
 * the events before it, which sent nothing.
 */
static void test_a_failed_send_is_sent_by_the_next_run(void)
{
	struct es_error err = {0, ""};
	int64_t saved_at[2] = {-1, -1};
	int64_t sent = -1;

	create(100);	 /* 1 */
	create(5);	 /* 2: sends */
	create(100);	 /* 3: sends nothing, yet is needed at 5 */
	view(3);	 /* 4 */
	set_stock(3, 3); /* 5: the send that fails */
	set_stock(1, 2); /* 6 */
	open_notifier();
	empty_box(2);
	ES_ASSERT_CODE(
		es_notifier_run(&sent, notifier, store, record, &box, &err),
		ES_EINVAL, &err);
	ES_ASSERT_STR_EQ(err.msg, "the mail server said no (a test)");
	ES_ASSERT_INT_EQ(box.calls, 2);
	ES_ASSERT_INT_EQ(sent, 1);
	ES_ASSERT_STR_EQ(box.text, NOTE(2, 5, 2));
	ES_ASSERT_TRUE(sqlite3_get_autocommit(read_db));
	saved_at[0] = checkpoint();
	/* It fails again at its first send. */
	empty_box(1);
	ES_ASSERT_CODE(
		es_notifier_run(NULL, notifier, store, record, &box, &err),
		ES_EINVAL, &err);
	saved_at[1] = checkpoint();
	/* The next run that can send sends it, and the rest. */
	ES_ASSERT_STR_EQ(run_ok(), NOTE(3, 3, 5) NOTE(1, 2, 6));
	/* The failed runs saved up to the last send done, no further. */
	ES_ASSERT_INT_EQ(saved_at[0], 2);
	ES_ASSERT_INT_EQ(saved_at[1], 2);
	ES_ASSERT_INT_EQ(checkpoint(), 6);
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|2\n2|5\n3|3\n");
	ES_ASSERT_STR_EQ(run_ok(), "");
}

/* ---- killed on each side of the checkpoint's save ------------------------ */

enum crash_point {
	CRASH_BEFORE_SEND, /* in send, before it is done */
	CRASH_AFTER_SEND,  /* in send, once it is done: before the save */
	CRASH_AFTER_RUN	   /* after es_notifier_run() returned */
};

/* What the child does: where it stops, and where it writes what it sent. */
struct crash_plan {
	enum crash_point point;
	int64_t at; /* the send it stops in, from 1 */
	int64_t calls;
	const char *path;
	int stopped_fd; /* a pipe's write end: "I have stopped" */
};

static char sent_path[512];
static char child_text[4096]; /* what the child wrote */

/*
 * Stop here and wait to be killed: tell the parent, which sends SIGKILL.
 * Killed from outside, the process ends at this point and nothing more
 * runs, not even valgrind's leak check. (A SIGKILL it sent itself, or
 * _exit(), would end it here too, but valgrind, when it runs the suite,
 * would then report the child's open connections as leaks of
 * notifier.c.)
 */
static void stop_and_wait_for_the_kill(const struct crash_plan *plan)
{
	if (write(plan->stopped_fd, "s", 1) != 1)
		_exit(5);
	for (;;)
		pause();
}

/* Append `line` to the file `path`, unbuffered: a kill keeps it. */
static void append_line(const char *path, const char *line)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);

	if (fd < 0)
		_exit(3);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		_exit(3);
	close(fd);
}

/* The child's send: "sends" by writing the line, and stops as planned. */
static int send_then_stop(void *ctx, const struct es_notification *n,
			  struct es_error *err)
{
	struct crash_plan *plan = ctx;
	char line[256];

	(void)err;
	plan->calls++;
	if (plan->point == CRASH_BEFORE_SEND && plan->calls == plan->at)
		stop_and_wait_for_the_kill(plan);
	note_line(line, sizeof(line), n);
	append_line(plan->path, line);
	if (plan->point == CRASH_AFTER_SEND && plan->calls == plan->at)
		stop_and_wait_for_the_kill(plan);
	return ES_OK;
}

/*
 * The child process: its own connections (none crosses the fork), the
 * log read-only as `catalog notify` opens it, one run. It uses no CUnit:
 * it notes how the run returned, if it does, and stops to be killed
 * there when the plan is to die after the run; a run that fails, or
 * that ends before the send it was to stop in, closes everything and
 * exits.
 */
static void child_runs_the_notifier(struct crash_plan *plan)
{
	struct es_store *s = NULL;
	sqlite3 *db = NULL;
	struct es_notifier *n = NULL;
	struct es_error err = {0, ""};
	int rc;

	rc = es_store_open(&s, store_path, ES_STORE_READONLY, &err);
	if (rc == ES_OK)
		rc = es_read_db_open(&db, read_path, ES_READ_DB_WRITE, &err);
	if (rc == ES_OK)
		rc = es_notifier_open(&n, db, &err);
	if (rc == ES_OK)
		rc = es_notifier_run(NULL, n, s, send_then_stop, plan, &err);
	if (rc == ES_OK) {
		append_line(plan->path, "the run returned ES_OK\n");
		if (plan->point == CRASH_AFTER_RUN)
			stop_and_wait_for_the_kill(plan);
	} else {
		char line[ES_ERROR_MSG_SIZE + 64];

		snprintf(line, sizeof(line), "the run failed: %s (%s)\n",
			 es_code_name(rc), err.msg);
		append_line(plan->path, line);
	}
	es_notifier_close(n);
	es_read_db_close(db);
	es_store_close(s);
	_exit(0);
}

/* What the child wrote into sent_path, in child_text. */
static void read_child_text(void)
{
	FILE *f = fopen(sent_path, "r");
	size_t len;

	child_text[0] = '\0';
	if (f == NULL)
		return;
	len = fread(child_text, 1, sizeof(child_text) - 1, f);
	child_text[len] = '\0';
	fclose(f);
}

/* `text`'s lines on one line, joined by " / ", for a message. */
static const char *one_line(const char *text)
{
	static char line[sizeof(child_text) * 2];
	size_t n = 0;

	for (; *text != '\0' && n + 4 < sizeof(line); text++) {
		if (*text != '\n') {
			line[n++] = *text;
		} else if (text[1] != '\0') {
			memcpy(line + n, " / ", 3);
			n += 3;
		}
	}
	line[n] = '\0';
	return n == 0 ? "nothing" : line;
}

/* Where the plan kills the child, in words. */
static const char *where(const struct crash_plan *plan)
{
	static char text[64];

	if (plan->point == CRASH_AFTER_RUN)
		return "after the run";
	snprintf(text, sizeof(text), "in send %" PRId64 ", %s it", plan->at,
		 plan->point == CRASH_BEFORE_SEND ? "before" : "after");
	return text;
}

/*
 * Fork a child that runs the notifier and stops at `point`, in the
 * `at`-th send; kill it there with SIGKILL; then open everything again.
 * Returns what the child wrote: the notifications it sent, and how the
 * run returned, if it did.
 */
static const char *crash(enum crash_point point, int64_t at)
{
	struct crash_plan plan = {point, at, 0, sent_path, -1};
	int stopped[2];
	ssize_t got;
	char c;
	pid_t pid;
	int status;

	ES_REQUIRE_SETUP();
	es_test_path(sent_path, sizeof(sent_path), "sent.txt");
	if (unlink(sent_path) != 0 && errno != ENOENT)
		ES_FAIL("cannot remove %s: %s", sent_path, strerror(errno));
	if (pipe(stopped) != 0)
		ES_FAIL("pipe: %s", strerror(errno));
	/* No SQLite connection crosses the fork: close ours first. */
	close_all();
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(stopped[0]);
		close(stopped[1]);
		ES_FAIL("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(stopped[0]);
		plan.stopped_fd = stopped[1];
		child_runs_the_notifier(&plan);
	}
	close(stopped[1]);
	/* A byte: it has stopped where it was to die. End of file: it exited. */
	do
		got = read(stopped[0], &c, 1);
	while (got < 0 && errno == EINTR);
	close(stopped[0]);
	if (got == 1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) != pid) {
		if (errno != EINTR)
			ES_FAIL("waitpid: %s", strerror(errno));
	}
	read_child_text();
	/*
	 * A child that was not killed exited: under valgrind with an error
	 * code for the parent's memory it still holds, so its status is not
	 * looked at further.
	 */
	if (got != 1)
		ES_FAIL("the child was to be killed %s, yet it ran to its end; "
			"it wrote: %s",
			where(&plan), one_line(child_text));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		ES_FAIL("the child was not killed by the test's SIGKILL "
			"(status %d); it wrote: %s",
			status, one_line(child_text));
	open_files();
	open_notifier();
	return child_text;
}
#define crash(point, at) ES_CALLED_PTR(crash(point, at))

/* Events 1 to 5, which call for three notifications. */
static void three_to_send(void)
{
	create(100);	 /* 1 */
	set_stock(1, 3); /* 2: sends */
	create(5);	 /* 3: sends */
	view(1);	 /* 4 */
	create(1);	 /* 5: sends */
}
#define three_to_send() ES_CALLED(three_to_send())

/*
 * Killed after the send and before the save: that notification is sent
 * again by the next run, once, and then the rest.
 */
static void test_killed_after_sending_before_saving(void)
{
	int64_t saved_at;

	three_to_send();
	ES_ASSERT_STR_EQ(crash(CRASH_AFTER_SEND, 1), NOTE(1, 3, 2));
	saved_at = checkpoint();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 2) NOTE(2, 5, 3) NOTE(3, 1, 5));
	ES_ASSERT_INT_EQ(saved_at, 0);
	ES_ASSERT_INT_EQ(checkpoint(), 5);
	ES_ASSERT_STR_EQ(run_ok(), "");
}

/*
 * Killed in the second send, after it: the first was saved, and only
 * the second is sent again. One crash, one notification too many.
 */
static void test_killed_after_the_second_send(void)
{
	int64_t saved_at;

	three_to_send();
	ES_ASSERT_STR_EQ(crash(CRASH_AFTER_SEND, 2),
			 NOTE(1, 3, 2) NOTE(2, 5, 3));
	saved_at = checkpoint();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(2, 5, 3) NOTE(3, 1, 5));
	ES_ASSERT_INT_EQ(saved_at, 2);
	ES_ASSERT_INT_EQ(checkpoint(), 5);
	/* Killed again, in the next run's only send. */
	create(4); /* 6 */
	ES_ASSERT_STR_EQ(crash(CRASH_AFTER_SEND, 1), NOTE(4, 4, 6));
	saved_at = checkpoint();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(4, 4, 6));
	ES_ASSERT_INT_EQ(saved_at, 5);
	ES_ASSERT_STR_EQ(run_ok(), "");
}

/* Killed before the send is done: nothing is lost, the next run sends it. */
static void test_killed_before_sending(void)
{
	int64_t saved_at;

	three_to_send();
	ES_ASSERT_STR_EQ(crash(CRASH_BEFORE_SEND, 1), "");
	saved_at = checkpoint();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(1, 3, 2) NOTE(2, 5, 3) NOTE(3, 1, 5));
	ES_ASSERT_INT_EQ(saved_at, 0);
	ES_ASSERT_INT_EQ(checkpoint(), 5);
	/* In the second send: the first was saved, the second comes next. */
	set_stock(1, 60); /* 6 */
	set_stock(1, 0);  /* 7 */
	set_stock(2, 70); /* 8 */
	set_stock(2, 9);  /* 9 */
	ES_ASSERT_STR_EQ(crash(CRASH_BEFORE_SEND, 2), NOTE(1, 0, 7));
	saved_at = checkpoint();
	ES_ASSERT_STR_EQ(run_ok(), NOTE(2, 9, 9));
	ES_ASSERT_INT_EQ(saved_at, 7);
	ES_ASSERT_STR_EQ(run_ok(), "");
}

/* Killed once the run is over: everything was saved, nothing is sent again. */
static void test_killed_after_a_completed_run(void)
{
	three_to_send();
	ES_ASSERT_STR_EQ(crash(CRASH_AFTER_RUN, 0),
			 NOTE(1, 3, 2) NOTE(2, 5, 3)
				 NOTE(3, 1, 5) "the run returned ES_OK\n");
	ES_ASSERT_INT_EQ(checkpoint(), 5);
	ES_ASSERT_STR_EQ(run_ok(), "");
	ES_ASSERT_ROWS(rows(STOCK_ROWS), "1|3\n2|5\n3|1\n");
}

static CU_TestInfo state_tests[] = {
	{"open creates notifier_checkpoint and notifier_stock, and a new "
	 "notifier's checkpoint is 0",
	 test_open_creates_the_tables},
	{"the checkpoint is kept in the read DB: reopened, it goes on from it; "
	 "a new read DB starts at 0",
	 test_reopening_keeps_the_checkpoint},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo which_tests[] = {
	{"a ProductCreated below 10 sends one; at 10 or above none",
	 test_a_create_below_the_threshold},
	{"an update from 10 or more to below 10 sends one; none while below, "
	 "one again after it was back at or above",
	 test_an_update_that_takes_the_stock_below},
	{"a correction that takes the stock below 10 sends one, as an update "
	 "does",
	 test_a_correction_that_takes_the_stock_below},
	{"each product is followed on its own, and the notifications come in "
	 "the log's order",
	 test_products_are_followed_each_on_its_own},
	{"a stock change of a product never created sends nothing and keeps "
	 "no stock",
	 test_a_product_never_created_sends_nothing},
	{"price changes and views send nothing, and move the checkpoint",
	 test_prices_and_views_send_nothing},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo checkpoint_tests[] = {
	{"after a run the checkpoint is the last event, and a second run "
	 "sends nothing",
	 test_a_second_run_sends_nothing},
	{"a later run sends only what the new events call for",
	 test_a_later_run_sends_only_the_new_events},
	{"the views' catch-up and rebuild on the same read DB send nothing "
	 "and leave the notifier's checkpoint where it was",
	 test_the_views_rebuild_sends_nothing},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo failure_tests[] = {
	{"a send that fails stops the run before its event; the next run "
	 "sends it, and the events before it are not lost",
	 test_a_failed_send_is_sent_by_the_next_run},
	{"killed after a send and before the save: the next run sends that "
	 "one again, once, then the rest",
	 test_killed_after_sending_before_saving},
	{"killed after the second send: only the second is sent again",
	 test_killed_after_the_second_send},
	{"killed before a send is done: the next run sends it",
	 test_killed_before_sending},
	{"killed after a completed run: nothing is sent again",
	 test_killed_after_a_completed_run},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 17: outbox, the notifier's own state", NULL, NULL, setup,
	 teardown, state_tests},
	{"step 17: which events send a notification", NULL, NULL, setup,
	 teardown, which_tests},
	{"step 17: the checkpoint, later runs and the views' rebuild", NULL,
	 NULL, setup, teardown, checkpoint_tests},
	{"step 17: a send that fails, and kills on each side of the save", NULL,
	 NULL, setup, teardown, failure_tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/17-outbox.md";
