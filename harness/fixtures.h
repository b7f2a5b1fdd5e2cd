/*
 * fixtures.h - what several suites build the same way: the seed's Widget
 * Pro, commands, rows written into the log behind the store's back, and
 * rows dumped as text to compare.
 *
 * Only the contract headers' types are used here, no step's functions:
 * every suite links this code, step 0's too. Everything that starts with
 * es_test_ or ES_ASSERT_ is for tests: it fails the current test
 * (harness.h) instead of returning an error.
 */
#ifndef ES_FIXTURES_H
#define ES_FIXTURES_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "commands.h"
#include "events.h"
#include "harness.h"
#include "snapshots.h"

/* ---- Widget Pro and the commands ---------------------------------------- */

/*
 * The fields of Widget Pro, the seed's first product: "Widget Pro", price
 * 29.99, cost price 12.0, supplier 1 "Acme Corp", stock 100, description
 * "A fine widget". The strings are static: es_event_product_created()
 * copies them; never dispose of them.
 */
struct es_product_created es_test_widget_fields(void);

/*
 * Commands built by hand: CreateProduct of Widget Pro (the fields of
 * es_test_widget_fields()), and UpdateStock, ChangePrice and
 * RecordProductView of `product_id`. Their strings are static: pass them
 * to what reads a command, never to es_command_dispose().
 */
struct es_command es_test_cmd_widget(void);
struct es_command es_test_cmd_update_stock(int64_t product_id,
					   int64_t new_stock);
struct es_command es_test_cmd_change_price(int64_t product_id,
					   double new_price);
struct es_command es_test_cmd_record_view(int64_t product_id);

/*
 * A CreateProduct of `name` at `price` with `stock`: cost price 12.0,
 * supplier 1 "Acme Corp", no description. `name` is borrowed: it must
 * outlive the command.
 */
struct es_command es_test_cmd_create(const char *name, double price,
				     int64_t stock);

/*
 * A row of a table of refused commands: its name, the command, and the
 * code and exact message it must be refused with.
 */
struct es_test_refusal {
	const char *name;
	struct es_command cmd;
	int code;
	const char *message;
};

/*
 * Fail the test unless `ev` is Widget Pro's ProductCreated (every field of
 * es_test_widget_fields()) for product `id`, stamped es_test_timestamp(n).
 */
#define ES_ASSERT_WIDGET_CREATED(ev, id, n)                                    \
	es_assert_widget_created((ev), (id), (n), __FILE__, __LINE__)
void es_assert_widget_created(const struct es_event *ev, int64_t id, int n,
			      const char *file, int line);

/* ---- products and loads ------------------------------------------------- */

/*
 * Fail the test unless the products `actual` and `expected` are equal in
 * every field, printing both, each on one line, after `what`.
 */
#define ES_ASSERT_SAME_PRODUCT(actual, expected, what)                         \
	es_assert_same_product((actual), (expected), (what), __FILE__, __LINE__)
void es_assert_same_product(const struct es_product *actual,
			    const struct es_product *expected, const char *what,
			    const char *file, int line);

/* What a snapshot load (snapshots.h) should have done. */
struct es_test_replay {
	int64_t snapshot_event_id; /* the snapshot it starts from; 0: none */
	int64_t replayed;
	bool ignored;
	bool taken;
};

/* Fail the test, after `what`, unless `st` says what `want` says. */
#define ES_ASSERT_REPLAY(what, st, ...)                                        \
	es_assert_replay((what), (st), (struct es_test_replay){__VA_ARGS__},   \
			 __FILE__, __LINE__)
void es_assert_replay(const char *what, const struct es_replay_stats *st,
		      struct es_test_replay want, const char *file, int line);

/* ---- events built by hand ----------------------------------------------- */

/*
 * A StockUpdated, PriceChanged or ProductViewed of `product_id` in `*out`,
 * stamped es_test_timestamp(n), its fields set one by one (no step 1
 * code). They own nothing; es_event_dispose() on them is harmless.
 */
void es_test_stock_updated(struct es_event *out, int64_t product_id,
			   int64_t new_stock, int n);
void es_test_price_changed(struct es_event *out, int64_t product_id,
			   double new_price, int n);
void es_test_product_viewed(struct es_event *out, int64_t product_id, int n);

/* ---- the log behind the store's back ------------------------------------ */

/*
 * Insert a row into the events table of `db` with plain SQL, past every
 * check the store makes, as another program (the seed's Python code, an
 * older or a broken one) may have written it. The file's triggers run
 * (they refuse data that is not a JSON object, and an unknown type); the
 * test fails when SQLite refuses the row.
 */
#define es_test_insert_event(db, product_id, type, data, occurred_at)          \
	es_test_insert_event_at(ES_HERE, (db), (product_id), (type), (data),   \
				(occurred_at))
void es_test_insert_event_at(struct es_test_site from, sqlite3 *db,
			     int64_t product_id, const char *type,
			     const char *data, const char *occurred_at);

/*
 * The same, with the triggers of `db` turned off for this one insert
 * (SQLITE_DBCONFIG_ENABLE_TRIGGER): a row written before the log had its
 * triggers, or by a program that went around them, such as the sqlite3
 * shell after DROP TRIGGER. None of the file's triggers sees the row, the
 * stream version's neither.
 */
#define es_test_insert_bad_event(db, product_id, type, data, occurred_at)      \
	es_test_insert_bad_event_at(ES_HERE, (db), (product_id), (type),       \
				    (data), (occurred_at))
void es_test_insert_bad_event_at(struct es_test_site from, sqlite3 *db,
				 int64_t product_id, const char *type,
				 const char *data, const char *occurred_at);

/*
 * Insert a StockUpdated row of `product_id` whose data is not JSON at all,
 * stamped 2026-11-27T14:32:05+00:00, with es_test_insert_bad_event(): a
 * row no store can decode (ES_ECORRUPT, "event N: ...").
 */
#define es_test_insert_corrupt_event(db, product_id)                           \
	es_test_insert_corrupt_event_at(ES_HERE, (db), (product_id))
void es_test_insert_corrupt_event_at(struct es_test_site from, sqlite3 *db,
				     int64_t product_id);

/* ---- rows as text ------------------------------------------------------- */

/*
 * Rows as text, one line a row, the columns split by '|': integers as
 * digits, reals as the shortest text that reads back the same, always
 * with a point (12.0), text in single quotes, NULL as NULL:
 *
 *     1|'Widget Pro'|NULL|29.99|100|'Acme Corp'
 *
 * So a wrong value, a wrong column or a wrong type all show up as a
 * difference in the text. (sqlfile.h's es_test_rows_text() writes reals
 * with an r: r29.99.)
 *
 * A part of such a text: the rows of one query, `rows` lines from line
 * `first` (from 1) on, with the name of the table they come from and the
 * names of their columns (sqlite3_column_name()), for a failure to name
 * what differs.
 */
struct es_test_rows_part {
	size_t first;
	size_t rows;
	char table[64];	   /* after the query's FROM; "the query" if none */
	char columns[512]; /* "id|name|stock" */
};

/* Describe the rows of the query `stmt` (prepared) as `part`. */
void es_test_rows_part_init(struct es_test_rows_part *part, sqlite3_stmt *stmt,
			    size_t first_line);

/*
 * Fail the test at `file`:`line`, after `what` (NULL: nothing), unless
 * the rows texts `actual` and `expected` are the same. `parts` (`count`
 * of them, in order) describe `actual`. The message shows the first row
 * that differs, column by column, each column that differs marked:
 *
 *     row 2 of product_list_view differs in: stock
 *       column         actual         expected
 *       id             2              2
 *       name           'Gadget Plus'  'Gadget Plus'
 *       stock          7              5              <-
 *
 * or the row that is missing or not expected; a line outside the parts
 * is shown with a marker under its first difference.
 */
void es_test_assert_rows(const char *file, int line, const char *what,
			 const char *actual, const char *expected,
			 const struct es_test_rows_part *parts, size_t count);

/*
 * A dump: rows as text of one query or more, with titles between them
 * if need be. A dump is large: keep it in a static variable.
 */
#define ES_TEST_DUMP_SIZE  65536
#define ES_TEST_DUMP_PARTS 8

struct es_test_dump {
	char text[ES_TEST_DUMP_SIZE]; /* NUL-terminated */
	size_t len;		      /* of text */
	size_t lines;		      /* in text */
	bool overflow;		      /* something did not fit */
	struct es_test_rows_part part[ES_TEST_DUMP_PARTS]; /* each query's */
	size_t parts;
};

/* Empty `d`. */
void es_test_dump_reset(struct es_test_dump *d);

/* Append printf-style text to `d`: a title such as "product_list_view:\n". */
void es_test_dump_append(struct es_test_dump *d, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/*
 * Append every row the query `sql` returns on `db`, in the form above.
 * The test fails with SQLite's message when the query fails, and when
 * the dump is full.
 */
#define es_test_dump_query(d, db, sql)                                         \
	es_test_dump_query_at(ES_HERE, (d), (db), (sql))
void es_test_dump_query_at(struct es_test_site from, struct es_test_dump *d,
			   sqlite3 *db, const char *sql);

/*
 * The rows of step 9's read models, for es_test_dump_rows(): "1|2" (id,
 * views) and "1|'Widget Pro'|4" (id, name, stock), in the order of the id.
 */
#define ES_TEST_VIEW_COUNTS_SQL                                                \
	"SELECT product_id, view_count FROM view_count_summary"                \
	" ORDER BY product_id"
#define ES_TEST_LOW_STOCK_SQL                                                  \
	"SELECT product_id, name, stock FROM low_stock_alert_view"             \
	" ORDER BY product_id"

/* Empty `d`, dump the rows of `sql` into it and return it. */
#define es_test_dump_rows(d, db, sql)                                          \
	es_test_dump_rows_at(ES_HERE, (d), (db), (sql))
const struct es_test_dump *es_test_dump_rows_at(struct es_test_site from,
						struct es_test_dump *d,
						sqlite3 *db, const char *sql);

/*
 * Assert that the dump `d` holds exactly the text `expected`, another
 * dump's text say; ES_ASSERT_SAME_DUMP names what is compared, `what`,
 * first. On failure the message shows the first row that differs, column
 * by column (es_test_assert_rows()).
 */
#define ES_ASSERT_ROWS(d, expected)                                            \
	es_assert_dump((d), (expected), NULL, __FILE__, __LINE__)
#define ES_ASSERT_SAME_DUMP(d, expected, what)                                 \
	es_assert_dump((d), (expected), (what), __FILE__, __LINE__)

void es_assert_dump(const struct es_test_dump *d, const char *expected,
		    const char *what, const char *file, int line);

#endif /* ES_FIXTURES_H */
