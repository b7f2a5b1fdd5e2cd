/*
 * fixtures.c - Widget Pro, commands, raw rows in the log, and rows dumped
 * as text (see fixtures.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "harness.h"

/* ---- Widget Pro and the commands ---------------------------------------- */

struct es_product_created es_test_widget_fields(void)
{
	struct es_product_created f = {
		.name = "Widget Pro",
		.price = 29.99,
		.cost_price = 12.0,
		.supplier_id = 1,
		.supplier_name = "Acme Corp",
		.stock = 100,
		.description = "A fine widget",
	};

	return f;
}

struct es_command es_test_cmd_widget(void)
{
	struct es_product_created f = es_test_widget_fields();
	struct es_command cmd = {.type = ES_CREATE_PRODUCT};

	cmd.create.name = f.name;
	cmd.create.price = f.price;
	cmd.create.cost_price = f.cost_price;
	cmd.create.supplier_id = f.supplier_id;
	cmd.create.supplier_name = f.supplier_name;
	cmd.create.stock = f.stock;
	cmd.create.description = f.description;
	return cmd;
}

struct es_command es_test_cmd_update_stock(int64_t product_id,
					   int64_t new_stock)
{
	return (struct es_command){
		.type = ES_UPDATE_STOCK,
		.update_stock = {.product_id = product_id,
				 .new_stock = new_stock},
	};
}

struct es_command es_test_cmd_change_price(int64_t product_id, double new_price)
{
	return (struct es_command){
		.type = ES_CHANGE_PRICE,
		.change_price = {.product_id = product_id,
				 .new_price = new_price},
	};
}

struct es_command es_test_cmd_record_view(int64_t product_id)
{
	return (struct es_command){
		.type = ES_RECORD_PRODUCT_VIEW,
		.record_view = {.product_id = product_id},
	};
}

struct es_command es_test_cmd_create(const char *name, double price,
				     int64_t stock)
{
	struct es_command cmd = {.type = ES_CREATE_PRODUCT};

	cmd.create.name = (char *)name;
	cmd.create.price = price;
	cmd.create.cost_price = 12.0;
	cmd.create.supplier_id = 1;
	cmd.create.supplier_name = "Acme Corp";
	cmd.create.stock = stock;
	cmd.create.description = NULL;
	return cmd;
}

void es_assert_widget_created(const struct es_event *ev, int64_t id, int n,
			      const char *file, int line)
{
	struct es_product_created w = es_test_widget_fields();
	const struct es_product_created *c = &ev->created;
	char at[ES_TIMESTAMP_SIZE];

	es_test_timestamp(at, n);
	es_assert_int_eq(ev->type, ES_PRODUCT_CREATED, "type", file, line);
	if (ev->type != ES_PRODUCT_CREATED)
		return; /* the other fields mean nothing then */
	es_assert_int_eq(ev->product_id, id, "product_id", file, line);
	es_assert_str_eq(ev->occurred_at, at, "occurred_at", file, line);
	es_assert_str_eq(c->name, w.name, "name", file, line);
	es_assert_double_eq(c->price, w.price, "price", file, line);
	es_assert_double_eq(c->cost_price, w.cost_price, "cost_price", file,
			    line);
	es_assert_int_eq(c->supplier_id, w.supplier_id, "supplier_id", file,
			 line);
	es_assert_str_eq(c->supplier_name, w.supplier_name, "supplier_name",
			 file, line);
	es_assert_int_eq(c->stock, w.stock, "stock", file, line);
	es_assert_str_eq(c->description, w.description, "description", file,
			 line);
}

/* ---- products and loads ------------------------------------------------- */

/* Every field of `p` on one line; %.17g tells any two doubles apart. */
static void describe(char *out, size_t size, const struct es_product *p)
{
	snprintf(out, size,
		 "id %lld, version %lld, name %s, description %s, price %.17g,"
		 " cost %.17g, supplier %lld %s, stock %lld, views %lld",
		 (long long)p->id, (long long)p->version,
		 p->name ? p->name : "(null)",
		 p->description ? p->description : "(null)", p->price,
		 p->cost_price, (long long)p->supplier_id,
		 p->supplier_name ? p->supplier_name : "(null)",
		 (long long)p->stock, (long long)p->view_count);
}

void es_assert_same_product(const struct es_product *actual,
			    const struct es_product *expected, const char *what,
			    const char *file, int line)
{
	char a[512], b[512];

	describe(a, sizeof(a), actual);
	describe(b, sizeof(b), expected);
	if (strcmp(a, b) != 0)
		es_test_fail(
			file, line,
			"%s:\n        loaded      %s\n        full replay %s",
			what, a, b);
}

static const char *one_or_none(bool b)
{
	return b ? "one" : "none";
}

void es_assert_replay(const char *what, const struct es_replay_stats *st,
		      struct es_test_replay want, const char *file, int line)
{
	if (st->snapshot_event_id == want.snapshot_event_id &&
	    st->replayed == want.replayed && st->ignored == want.ignored &&
	    st->taken == want.taken)
		return;
	es_test_fail(
		file, line,
		"%s: the load started from the snapshot at event %lld,"
		" replayed %lld events, ignored %s, took %s; expected the"
		" snapshot at event %lld, %lld events, ignored %s, took %s",
		what, (long long)st->snapshot_event_id, (long long)st->replayed,
		one_or_none(st->ignored), one_or_none(st->taken),
		(long long)want.snapshot_event_id, (long long)want.replayed,
		one_or_none(want.ignored), one_or_none(want.taken));
}

/* ---- events built by hand ----------------------------------------------- */

/* An event of `type` and `product_id`, stamped es_test_timestamp(n). */
static void stamp(struct es_event *out, enum es_event_type type,
		  int64_t product_id, int n)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	out->product_id = product_id;
	es_test_timestamp(out->occurred_at, n);
}

void es_test_stock_updated(struct es_event *out, int64_t product_id,
			   int64_t new_stock, int n)
{
	stamp(out, ES_STOCK_UPDATED, product_id, n);
	out->stock.new_stock = new_stock;
}

void es_test_price_changed(struct es_event *out, int64_t product_id,
			   double new_price, int n)
{
	stamp(out, ES_PRICE_CHANGED, product_id, n);
	out->price.new_price = new_price;
}

void es_test_product_viewed(struct es_event *out, int64_t product_id, int n)
{
	stamp(out, ES_PRODUCT_VIEWED, product_id, n);
}

/* ---- the log behind the store's back ------------------------------------ */

void es_test_insert_event(sqlite3 *db, int64_t product_id, const char *type,
			  const char *data, const char *occurred_at)
{
	sqlite3_stmt *stmt = NULL;
	char msg[ES_ERROR_MSG_SIZE];
	int rc;

	rc = sqlite3_prepare_v2(db,
				"INSERT INTO events (product_id, event_type,"
				" data, occurred_at) VALUES (?, ?, ?, ?)",
				-1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, product_id);
		sqlite3_bind_text(stmt, 2, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, data, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, occurred_at, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
	}
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return;
	}
	snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	ES_FAIL("inserting a raw event failed: %s", msg);
}

void es_test_insert_bad_event(sqlite3 *db, int64_t product_id, const char *type,
			      const char *data, const char *occurred_at)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	es_test_insert_event(db, product_id, type, data, occurred_at);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
}

void es_test_insert_corrupt_event(sqlite3 *db, int64_t product_id)
{
	es_test_insert_bad_event(db, product_id, "StockUpdated",
				 "{\"product_id\": 1, oops",
				 "2026-11-27T14:32:05+00:00");
}

/* ---- rows as text ------------------------------------------------------- */

void es_test_dump_reset(struct es_test_dump *d)
{
	d->len = 0;
	d->text[0] = '\0';
	d->overflow = false;
}

void es_test_dump_append(struct es_test_dump *d, const char *fmt, ...)
{
	size_t room = ES_TEST_DUMP_SIZE - d->len;
	va_list ap;
	int n;

	if (d->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->text + d->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		d->overflow = true;
	else
		d->len += (size_t)n;
}

/* A real as the shortest text that reads back the same, with a point. */
static void dump_real(struct es_test_dump *d, double x)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.15g", x);
	if (strtod(buf, NULL) != x)
		snprintf(buf, sizeof(buf), "%.17g", x);
	es_test_dump_append(d, "%s%s", buf,
			    strpbrk(buf, ".eni") == NULL ? ".0" : "");
}

static void dump_value(struct es_test_dump *d, sqlite3_stmt *stmt, int col)
{
	switch (sqlite3_column_type(stmt, col)) {
	case SQLITE_INTEGER:
		es_test_dump_append(d, "%lld",
				    (long long)sqlite3_column_int64(stmt, col));
		break;
	case SQLITE_FLOAT:
		dump_real(d, sqlite3_column_double(stmt, col));
		break;
	case SQLITE_NULL:
		es_test_dump_append(d, "NULL");
		break;
	default:
		es_test_dump_append(
			d, "'%s'",
			(const char *)sqlite3_column_text(stmt, col));
		break;
	}
}

void es_test_dump_query(struct es_test_dump *d, sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		ES_FAIL("%s (in: %s)", sqlite3_errmsg(db), sql);
	for (rc = sqlite3_step(stmt); rc == SQLITE_ROW;
	     rc = sqlite3_step(stmt)) {
		for (int col = 0; col < sqlite3_column_count(stmt); col++) {
			if (col > 0)
				es_test_dump_append(d, "|");
			dump_value(d, stmt, col);
		}
		es_test_dump_append(d, "\n");
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		ES_FAIL("%s (in: %s)", sqlite3_errmsg(db), sql);
	if (d->overflow)
		ES_FAIL("the views do not fit in %d bytes of dump",
			ES_TEST_DUMP_SIZE);
}

const char *es_test_dump_rows(struct es_test_dump *d, sqlite3 *db,
			      const char *sql)
{
	es_test_dump_reset(d);
	es_test_dump_query(d, db, sql);
	return d->text;
}

void es_assert_same_dump(const char *actual, const char *expected,
			 const char *what, const char *file, int line)
{
	int row = 1;
	size_t a, e;

	if (strcmp(actual, expected) == 0)
		return;
	while (1) {
		a = strcspn(actual, "\n");
		e = strcspn(expected, "\n");
		if (a != e || strncmp(actual, expected, a) != 0 ||
		    actual[a] == '\0')
			break;
		actual += a + 1;
		expected += e + 1;
		row++;
	}
	es_test_fail(file, line, "%s: line %d is \"%.*s\", expected \"%.*s\"",
		     what, row, (int)a, actual, (int)e, expected);
}
