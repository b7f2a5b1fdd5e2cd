/*
 * fixtures.c - Widget Pro, commands, raw rows in the log, and rows dumped
 * as text (see fixtures.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixtures.h"
#include "harness.h"
#include "harness_internal.h"

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

void es_test_insert_event_at(struct es_test_site from, sqlite3 *db,
			     int64_t product_id, const char *type,
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
	ES_FAIL_FROM(from, "inserting a raw event failed: %s", msg);
}

void es_test_insert_bad_event_at(struct es_test_site from, sqlite3 *db,
				 int64_t product_id, const char *type,
				 const char *data, const char *occurred_at)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	es_test_insert_event_at(from, db, product_id, type, data, occurred_at);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
}

void es_test_insert_corrupt_event_at(struct es_test_site from, sqlite3 *db,
				     int64_t product_id)
{
	es_test_insert_bad_event_at(from, db, product_id, "StockUpdated",
				    "{\"product_id\": 1, oops",
				    "2026-11-27T14:32:05+00:00");
}

/* ---- rows as text: what differs ----------------------------------------- */

#define MAX_COLUMNS 32
#define NAME_WIDTH  24 /* columns of a column's name shown, at most */
#define VALUE_WIDTH 50 /* of a value */

/* The table after the first FROM of `sql`, into `out`. */
static void table_of(char *out, size_t size, const char *sql)
{
	const char *at;

	snprintf(out, size, "the query");
	for (at = sql; *at != '\0'; at++) {
		size_t len;

		if (strncasecmp(at, "from", 4) != 0 ||
		    !isspace((unsigned char)at[4]) ||
		    (at > sql && !isspace((unsigned char)at[-1])))
			continue;
		at += 4;
		while (isspace((unsigned char)*at))
			at++;
		len = strspn(at, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (len > 0)
			snprintf(out, size, "%.*s", (int)len, at);
		return;
	}
}

void es_test_rows_part_init(struct es_test_rows_part *part, sqlite3_stmt *stmt,
			    size_t first_line)
{
	size_t len = 0;

	part->first = first_line;
	part->rows = 0;
	table_of(part->table, sizeof(part->table), sqlite3_sql(stmt));
	part->columns[0] = '\0';
	for (int col = 0; col < sqlite3_column_count(stmt); col++) {
		int n = snprintf(part->columns + len,
				 sizeof(part->columns) - len, "%s%s",
				 col > 0 ? "|" : "",
				 sqlite3_column_name(stmt, col));

		if (n < 0 || (size_t)n >= sizeof(part->columns) - len)
			break; /* the names of the others stay unknown */
		len += (size_t)n;
	}
}

/* One line of rows as text, cut into its values. */
struct row_values {
	const char *at[MAX_COLUMNS];
	size_t len[MAX_COLUMNS];
	size_t count;
};

/*
 * Cut the line at `line` (up to its '\n' or the end) into values at each
 * '|', except inside a quoted text ('a|b'). Returns false when it has
 * more values than MAX_COLUMNS.
 */
static bool split_values(struct row_values *v, const char *line)
{
	const char *end = line + strcspn(line, "\n");
	const char *p = line;

	for (v->count = 0; v->count < MAX_COLUMNS; v->count++) {
		const char *start = p;

		if (*p == '\'') {
			/* To the quote that ends the text: before '|' or
			 * the line's end. */
			for (p++; p < end; p++) {
				if (*p == '\'' && (p + 1 == end || p[1] == '|'))
					break;
			}
			p += p < end;
		}
		p += strcspn(p, "|\n");
		v->at[v->count] = start;
		v->len[v->count] = (size_t)(p - start);
		if (p >= end) {
			v->count++;
			return true;
		}
		p++; /* past the '|' */
	}
	return false;
}

/* The name of column `i` of `part`, in `out`. */
static const char *column_name(char *out, size_t size,
			       const struct es_test_rows_part *part, size_t i)
{
	const char *c = part->columns;

	while (i > 0 && c != NULL) {
		c = strchr(c, '|');
		c = c ? c + 1 : NULL;
		i--;
	}
	if (c == NULL || *c == '\0')
		snprintf(out, size, "(column %zu)", i + 1);
	else
		snprintf(out, size, "%.*s", (int)strcspn(c, "|"), c);
	return out;
}

/* How many columns `part` names. */
static size_t columns_in(const struct es_test_rows_part *part)
{
	size_t n = 1;

	for (const char *c = part->columns; *c != '\0'; c++)
		n += *c == '|';
	return n;
}

/* Characters in the `len` bytes at `s` (UTF-8: a continuation byte is none). */
static size_t chars_in(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/*
 * `len` bytes of `s` in a cell `width` characters wide, cut with "...";
 * padded to the width when `pad`.
 */
static void put_cell(FILE *out, const char *s, size_t len, size_t width,
		     bool pad)
{
	size_t chars = chars_in(s, len);

	if (chars > width) {
		size_t keep = 0, kept = 0;

		while (keep < len && kept < width - 3) {
			keep++;
			while (keep < len &&
			       ((unsigned char)s[keep] & 0xc0) == 0x80)
				keep++;
			kept++;
		}
		fprintf(out, "%.*s...", (int)keep, s);
		return;
	}
	fprintf(out, "%.*s%*s", (int)len, s, pad ? (int)(width - chars) : 0,
		"");
}

/* The widest of "title" and the values of `v`, at most VALUE_WIDTH. */
static size_t width_of(const char *title, const struct row_values *v)
{
	size_t width = strlen(title);

	for (size_t i = 0; v != NULL && i < v->count; i++) {
		size_t chars = chars_in(v->at[i], v->len[i]);

		if (chars > width)
			width = chars;
	}
	return width < VALUE_WIDTH ? width : VALUE_WIDTH;
}

/* The widest of "column" and the names of `count` columns of `part`. */
static size_t names_width(const struct es_test_rows_part *part, size_t count)
{
	size_t width = strlen("column");
	char name[64];

	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(column_name(name, sizeof(name), part, i));

		if (len > width)
			width = len;
	}
	return width < NAME_WIDTH ? width : NAME_WIDTH;
}

static bool same_value(const struct row_values *a, const struct row_values *e,
		       size_t i)
{
	return a->len[i] == e->len[i] &&
	       memcmp(a->at[i], e->at[i], a->len[i]) == 0;
}

/*
 * When column `i` of the rows `a` and `e` is too long to show whole: its
 * first difference, marked.
 */
static void put_long_difference(FILE *out, const struct es_test_rows_part *part,
				const struct row_values *a,
				const struct row_values *e, size_t i)
{
	char *va, *ve;

	if (chars_in(a->at[i], a->len[i]) <= VALUE_WIDTH &&
	    chars_in(e->at[i], e->len[i]) <= VALUE_WIDTH)
		return; /* the table shows both whole */
	va = strndup(a->at[i], a->len[i]);
	ve = strndup(e->at[i], e->len[i]);
	if (va != NULL && ve != NULL) {
		char name[64], text[1024] = "";

		es_harness_describe_difference(
			text, sizeof(text),
			column_name(name, sizeof(name), part, i), va, ve);
		fprintf(out, "\n        %s", text);
	}
	free(va);
	free(ve);
}

/*
 * The row `a` beside the row `e`, `count` columns (either row may be
 * NULL: no such row), one column a line under its name, a marker after
 * each that differs. Returns the first column that differs, or `count`.
 */
static size_t put_columns(FILE *out, const struct es_test_rows_part *part,
			  size_t count, const struct row_values *a,
			  const struct row_values *e)
{
	int nw = (int)names_width(part, count);
	size_t aw = a ? width_of("actual", a) : 0;
	size_t ew = e ? width_of("expected", e) : 0;
	size_t first_differing = count;
	char name[64];

	fprintf(out, "\n        %-*s  %s%*s%s", nw, "column", a ? "actual" : "",
		a && e ? (int)(aw - 6 + 2) : 0, "", e ? "expected" : "");
	for (size_t i = 0; i < count; i++) {
		bool differs = a && e && !same_value(a, e, i);

		fprintf(out, "\n        %-*.*s  ", nw, nw,
			column_name(name, sizeof(name), part, i));
		if (a)
			put_cell(out, a->at[i], a->len[i], aw, e != NULL);
		if (a && e)
			fputs("  ", out);
		if (e)
			put_cell(out, e->at[i], e->len[i], ew, differs);
		if (differs)
			fputs("  <-", out);
		if (differs && first_differing == count)
			first_differing = i;
	}
	return first_differing;
}

/* "a, b" for the columns that differ between `a` and `e`. */
static void put_differing(FILE *out, const struct es_test_rows_part *part,
			  const struct row_values *a,
			  const struct row_values *e)
{
	const char *sep = "";
	char name[64];

	for (size_t i = 0; i < a->count; i++) {
		if (same_value(a, e, i))
			continue;
		fprintf(out, "%s%s", sep,
			column_name(name, sizeof(name), part, i));
		sep = ", ";
	}
}

/* A line that titles the rows under it ("product_list_view:"). */
static bool is_title(const char *line)
{
	size_t len = strcspn(line, "\n");

	return len > 0 && line[len - 1] == ':' &&
	       memchr(line, '|', len) == NULL;
}

/*
 * Describe how line `n` (`a` of actual, `e` of expected; at the text's
 * end when *a or *e is '\0') differs, as rows of `part` when they are.
 * Returns false when they are not rows of a part.
 */
static bool put_row_difference(FILE *out, const struct es_test_rows_part *part,
			       size_t n, const char *a, const char *e)
{
	struct row_values av, ev;
	bool in_part = n >= part->first && n < part->first + part->rows;
	bool after_part = n == part->first + part->rows;
	size_t row = n - part->first + 1;

	if (in_part && split_values(&av, a) && *e != '\0' && !is_title(e) &&
	    split_values(&ev, e) && ev.count == av.count) {
		size_t first;

		fprintf(out, "row %zu of %s differs in: ", row, part->table);
		put_differing(out, part, &av, &ev);
		first = put_columns(out, part, av.count, &av, &ev);
		if (first < av.count)
			put_long_difference(out, part, &av, &ev, first);
		return true;
	}
	if (in_part && split_values(&av, a) && (*e == '\0' || is_title(e))) {
		fprintf(out,
			"row %zu of %s is not expected (%zu row%s expected)",
			row, part->table, row - 1, row - 1 == 1 ? "" : "s");
		put_columns(out, part, av.count, &av, NULL);
		return true;
	}
	if (after_part && *e != '\0' && !is_title(e) && split_values(&ev, e) &&
	    ev.count == columns_in(part)) {
		fprintf(out,
			"row %zu of %s is missing (the table has %zu row%s)",
			row, part->table, part->rows,
			part->rows == 1 ? "" : "s");
		put_columns(out, part, ev.count, NULL, &ev);
		return true;
	}
	return false;
}

/* The failure's message: a failure jumps out, so nothing is freed after. */
static char message[8192];

void es_test_assert_rows(const char *file, int line, const char *what,
			 const char *actual, const char *expected,
			 const struct es_test_rows_part *parts, size_t count)
{
	const char *a = actual, *e = expected;
	size_t n = 1, i = count;
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	if (strcmp(actual, expected) == 0)
		return;
	/* The first line that differs: line n, at a and e. */
	while (1) {
		size_t al = strcspn(a, "\n"), el = strcspn(e, "\n");

		if (al != el || memcmp(a, e, al) != 0 || a[al] != e[el])
			break;
		a += al + 1;
		e += el + 1;
		n++;
	}
	out = open_memstream(&text, &size);
	if (out != NULL) {
		if (what != NULL)
			fprintf(out, "%s: ", what);
		for (i = 0; i < count; i++) {
			if (put_row_difference(out, &parts[i], n, a, e))
				break;
		}
		fclose(out);
	}
	message[0] = '\0';
	if (i < count && text != NULL)
		snprintf(message, sizeof(message), "%s", text);
	else /* not rows of a part: the texts, marked */
		es_harness_describe_difference(message, sizeof(message),
					       what ? what : "the rows", actual,
					       expected);
	free(text);
	es_harness_fail(file, line, message);
}

/* ---- dumps -------------------------------------------------------------- */

void es_test_dump_reset(struct es_test_dump *d)
{
	d->len = 0;
	d->lines = 0;
	d->text[0] = '\0';
	d->overflow = false;
	d->parts = 0;
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
	if (n < 0 || (size_t)n >= room) {
		d->overflow = true;
		return;
	}
	for (int i = 0; i < n; i++)
		d->lines += d->text[d->len + (size_t)i] == '\n';
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

void es_test_dump_query_at(struct es_test_site from, struct es_test_dump *d,
			   sqlite3 *db, const char *sql)
{
	struct es_test_rows_part part;
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		ES_FAIL_FROM(from, "%s (in: %s)", sqlite3_errmsg(db), sql);
		return;
	}
	es_test_rows_part_init(&part, stmt, d->lines + 1);
	for (rc = sqlite3_step(stmt); rc == SQLITE_ROW;
	     rc = sqlite3_step(stmt)) {
		for (int col = 0; col < sqlite3_column_count(stmt); col++) {
			if (col > 0)
				es_test_dump_append(d, "|");
			dump_value(d, stmt, col);
		}
		es_test_dump_append(d, "\n");
		part.rows++;
	}
	sqlite3_finalize(stmt);
	if (d->parts < ES_TEST_DUMP_PARTS)
		d->part[d->parts++] = part;
	if (rc != SQLITE_DONE)
		ES_FAIL_FROM(from, "%s (in: %s)", sqlite3_errmsg(db), sql);
	if (d->overflow)
		ES_FAIL_FROM(from, "the views do not fit in %d bytes of dump",
			     ES_TEST_DUMP_SIZE);
}

const struct es_test_dump *es_test_dump_rows_at(struct es_test_site from,
						struct es_test_dump *d,
						sqlite3 *db, const char *sql)
{
	es_test_dump_reset(d);
	es_test_dump_query_at(from, d, db, sql);
	return d;
}

void es_assert_dump(const struct es_test_dump *d, const char *expected,
		    const char *what, const char *file, int line)
{
	es_test_assert_rows(file, line, what, d->text, expected, d->part,
			    d->parts);
}
