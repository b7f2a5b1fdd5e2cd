/*
 * golden.c - golden views and logs: writing them (make_golden.c), loading
 * them, and comparing views with them row by row (see golden.h).
 *
 * Views are compared as text. Both sides become lines in the golden form
 * (a golden file is read, a database is written out the way make_golden
 * writes it), the lines are split into values, and rows are matched by
 * their key, the first value. Comparing text keeps the diff honest: it
 * shows what a reader of the file would see.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "golden.h"
#include "harness.h"
#include "harness_internal.h"

/*
 * A table golden data knows: its columns as the "= " line names them, and
 * the query that reads every row, each value through quote(), by key.
 */
struct golden_table {
	const char *name;
	const char *columns;
	const char *select;
};

/* In the order of their names: the order the files list them in. */
static const struct golden_table known_tables[] = {
	{"events", "id|product_id|event_type|data|occurred_at",
	 "SELECT quote(id), quote(product_id), quote(event_type),"
	 " quote(data), quote(occurred_at) FROM events ORDER BY id"},
	{"low_stock_alert_view", "product_id|name|stock",
	 "SELECT quote(product_id), quote(name), quote(stock)"
	 " FROM low_stock_alert_view ORDER BY product_id"},
	{"product_detail_view",
	 "id|name|description|price|stock|view_count|supplier_name|"
	 "created_at|updated_at",
	 "SELECT quote(id), quote(name), quote(description), quote(price),"
	 " quote(stock), quote(view_count), quote(supplier_name),"
	 " quote(created_at), quote(updated_at)"
	 " FROM product_detail_view ORDER BY id"},
	{"product_list_view", "id|name|price|stock|supplier_name",
	 "SELECT quote(id), quote(name), quote(price), quote(stock),"
	 " quote(supplier_name) FROM product_list_view ORDER BY id"},
	{"product_registry", "id",
	 "SELECT quote(id) FROM product_registry ORDER BY id"},
	{"projection_checkpoint", "name|last_event_id",
	 "SELECT quote(name), quote(last_event_id)"
	 " FROM projection_checkpoint ORDER BY name"},
	{"stock_level", "product_id|name|stock",
	 "SELECT quote(product_id), quote(name), quote(stock)"
	 " FROM stock_level ORDER BY product_id"},
	{"supplier_product", "product_id|supplier_name|stock|views",
	 "SELECT quote(product_id), quote(supplier_name), quote(stock),"
	 " quote(views) FROM supplier_product ORDER BY product_id"},
	{"supplier_summary_view",
	 "supplier_name|products|total_stock|total_views",
	 "SELECT quote(supplier_name), quote(products), quote(total_stock),"
	 " quote(total_views) FROM supplier_summary_view"
	 " ORDER BY supplier_name"},
	{"view_count_summary", "product_id|view_count",
	 "SELECT quote(product_id), quote(view_count)"
	 " FROM view_count_summary ORDER BY product_id"},
};

#define KNOWN_COUNT (sizeof(known_tables) / sizeof(known_tables[0]))

const char *const es_golden_views[] = {
	"low_stock_alert_view",	 "product_detail_view", "product_list_view",
	"supplier_summary_view", "view_count_summary",	NULL,
};

const char *const es_golden_read_tables[] = {
	"low_stock_alert_view",	 "product_detail_view", "product_list_view",
	"projection_checkpoint", "stock_level",		"supplier_product",
	"supplier_summary_view", "view_count_summary",	NULL,
};

static const struct golden_table *find_table(const char *name)
{
	size_t i;

	for (i = 0; i < KNOWN_COUNT; i++) {
		if (strcmp(known_tables[i].name, name) == 0)
			return &known_tables[i];
	}
	return NULL;
}

/*
 * Look up the table `name` in `db`'s schema: SQLITE_ROW with its CREATE
 * TABLE statement in column 0, SQLITE_DONE when there is no such table,
 * or SQLite's error code. The caller finalizes `*stmt` in every case.
 */
static int step_table_sql(sqlite3_stmt **stmt, sqlite3 *db, const char *name)
{
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT sql FROM sqlite_master"
				" WHERE type = 'table' AND name = ?",
				-1, stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(*stmt, 1, name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(*stmt);
	return rc;
}

/*
 * Set `*exists` to whether `db` has the table `name` and, when it has and
 * `out` is not NULL, write its CREATE TABLE statement there, as SQLite
 * keeps it. A failing query is an error.
 */
static int look_up_table(bool *exists, FILE *out, sqlite3 *db, const char *name,
			 struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = step_table_sql(&stmt, db, name);
	if (rc == SQLITE_ROW && out != NULL)
		fprintf(out, "%s;\n",
			(const char *)sqlite3_column_text(stmt, 0));
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*exists = rc == SQLITE_ROW;
		rc = ES_OK;
	} else {
		rc = es_error_set(err, ES_EDB, "%s: %s", name,
				  sqlite3_errmsg(db));
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* True when `db` has the table `name`; a failing query is an error. */
static int has_table(bool *out, sqlite3 *db, const char *name,
		     struct es_error *err)
{
	return look_up_table(out, NULL, db, name, err);
}

/* A value on a line of its own: \ newline and CR as \\ \n \r. */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '\r')
			fputs("\\r", out);
		else
			fputc(*s, out);
	}
}

/* Every row of `t`: golden view lines, or INSERT statements. */
static int write_rows(FILE *out, sqlite3 *db, const struct golden_table *t,
		      bool as_sql, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc, i, n;

	if (sqlite3_prepare_v2(db, t->select, -1, &stmt, NULL) != SQLITE_OK)
		return es_error_set(err, ES_EDB, "%s: %s", t->name,
				    sqlite3_errmsg(db));
	n = sqlite3_column_count(stmt);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (as_sql)
			fprintf(out, "INSERT INTO %s VALUES(", t->name);
		else
			fputs(t->name, out);
		for (i = 0; i < n; i++) {
			const char *v =
				(const char *)sqlite3_column_text(stmt, i);

			if (v == NULL)
				v = "NULL"; /* quote() gives text: only OOM */
			if (as_sql) {
				fprintf(out, "%s%s", i > 0 ? "," : "", v);
			} else {
				fputc('|', out);
				put_escaped(out, v);
			}
		}
		fputs(as_sql ? ");\n" : "\n", out);
	}
	if (rc != SQLITE_DONE)
		rc = es_error_set(err, ES_EDB, "%s: %s", t->name,
				  sqlite3_errmsg(db));
	else
		rc = ES_OK;
	sqlite3_finalize(stmt);
	return rc;
}

/* The "= TABLE|COLUMN..." line, then the rows; nothing for no table. */
static int write_view(FILE *out, sqlite3 *db, const struct golden_table *t,
		      struct es_error *err)
{
	bool present = false;
	int rc;

	rc = has_table(&present, db, t->name, err);
	if (rc != ES_OK || !present)
		return rc;
	fprintf(out, "= %s|%s\n", t->name, t->columns);
	return write_rows(out, db, t, false, err);
}

int es_golden_write_views(FILE *out, sqlite3 *db, const char *title,
			  struct es_error *err)
{
	size_t i;
	int rc = ES_OK;

	fprintf(out, "# %s\n", title);
	fputs("# One line per row: table|quote(column)|...; see golden.h.\n",
	      out);
	for (i = 0; es_golden_views[i] != NULL && rc == ES_OK; i++)
		rc = write_view(out, db, find_table(es_golden_views[i]), err);
	return rc;
}

/* The table's CREATE TABLE statement, as SQLite keeps it. */
static int write_create(FILE *out, sqlite3 *db, const char *name,
			struct es_error *err)
{
	bool exists = false;
	int rc;

	rc = look_up_table(&exists, out, db, name, err);
	if (rc == ES_OK && !exists)
		rc = es_error_set(err, ES_EDB, "%s: no such table", name);
	return rc;
}

int es_golden_write_sql(FILE *out, sqlite3 *db, const char *const *tables,
			const char *title, struct es_error *err)
{
	size_t i;
	int rc = ES_OK;

	fprintf(out, "-- %s\nBEGIN TRANSACTION;\n", title);
	for (i = 0; tables[i] != NULL && rc == ES_OK; i++) {
		const struct golden_table *t = find_table(tables[i]);
		bool present = false;

		if (t == NULL)
			return es_error_set(err, ES_EINVAL,
					    "golden data knows no table %s",
					    tables[i]);
		rc = has_table(&present, db, t->name, err);
		if (rc != ES_OK || !present)
			continue;
		rc = write_create(out, db, t->name, err);
		if (rc == ES_OK)
			rc = write_rows(out, db, t, true, err);
	}
	fputs("COMMIT;\n", out);
	return rc;
}

/* ---- reading files ------------------------------------------------------ */

/*
 * The whole file at `path`, NUL-terminated, in `*out` (free() it).
 * Returns ES_OK, or ES_ENOTFOUND with the reason in `err`.
 */
static int read_text(char **out, const char *path, struct es_error *err)
{
	FILE *in = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;
	ssize_t n;

	if (in == NULL)
		return es_error_set(err, ES_ENOTFOUND,
				    "cannot read %s (the tests run from the"
				    " top of the kata)",
				    path);
	/* The delimiter is NUL, which a text file does not hold. */
	n = getdelim(&text, &size, '\0', in);
	fclose(in);
	if (n < 0) {
		free(text);
		text = strdup("");
		if (text == NULL)
			return es_error_set(err, ES_ENOMEM, "out of memory");
	}
	*out = text;
	return ES_OK;
}

int es_golden_exec_file(sqlite3 *db, const char *path, struct es_error *err)
{
	char *text = NULL;
	char *msg = NULL;
	int rc;

	rc = read_text(&text, path, err);
	if (rc != ES_OK)
		return rc;
	if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%s: %s", path,
				  msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	free(text);
	return rc;
}

void es_test_exec_file_at(struct es_test_site from, sqlite3 *db,
			  const char *path)
{
	struct es_error err;

	if (es_golden_exec_file(db, path, &err) != ES_OK)
		ES_FAIL_FROM(from, "%s", err.msg);
}

int es_golden_load_log(const char *name, const char *path, struct es_error *err)
{
	char sql_path[512];
	sqlite3 *db = NULL;
	int rc;

	snprintf(sql_path, sizeof(sql_path), "%s/%s.events.sql", ES_GOLDEN_DIR,
		 name);
	if (access(path, F_OK) == 0)
		return es_error_set(err, ES_EINVAL,
				    "%s exists already: a golden log goes"
				    " into a new file",
				    path);
	/* sqlite3_open_v2() hands back a handle even when it fails. */
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%s: %s", path,
				  sqlite3_errmsg(db));
	else
		rc = es_golden_exec_file(db, sql_path, err);
	sqlite3_close(db);
	return rc;
}

void es_test_load_golden_log_at(struct es_test_site from, const char *name,
				const char *path)
{
	struct es_error err;

	if (es_golden_load_log(name, path, &err) != ES_OK)
		ES_FAIL_FROM(from, "%s", err.msg);
}

/* ---- rows as text, and what differs ------------------------------------- */

#define MAX_FIELDS 16
/* Rows shown per table in a diff; the others are counted. */
#define SHOWN_ROWS 8

/* One line of the golden form, and its values. */
struct row {
	char *text;		       /* "TABLE|VALUE|...", owned */
	char *split;		       /* a copy cut at the separators */
	const char *field[MAX_FIELDS]; /* field[0] is the table */
	size_t count;		       /* fields in field[] */
	const struct row *match;       /* the other side's row, same key */
};

struct rowset {
	struct row *rows;
	size_t count;
	size_t cap;
	char *tables; /* "|TABLE|TABLE|": the tables of the "= " lines */
};

static void rowset_dispose(struct rowset *set)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		free(set->rows[i].text);
		free(set->rows[i].split);
	}
	free(set->rows);
	free(set->tables);
	memset(set, 0, sizeof(*set));
}

/* Cut `s` at each '|' outside a quoted string: quote() doubles quotes. */
static int split_fields(struct row *row, char *s)
{
	bool quoted = false;

	row->count = 0;
	row->field[row->count++] = s;
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			quoted = !quoted;
		if (*s != '|' || quoted)
			continue;
		if (row->count == MAX_FIELDS)
			return ES_ECORRUPT;
		*s = '\0';
		row->field[row->count++] = s + 1;
	}
	return ES_OK;
}

static int add_row(struct rowset *set, const char *line, struct es_error *err)
{
	struct row *row;

	if (set->count == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 64;
		struct row *rows = realloc(set->rows, cap * sizeof(*rows));

		if (rows == NULL)
			return es_error_set(err, ES_ENOMEM, "out of memory");
		set->rows = rows;
		set->cap = cap;
	}
	row = &set->rows[set->count];
	memset(row, 0, sizeof(*row));
	row->text = strdup(line);
	row->split = strdup(line);
	set->count++; /* disposed with the set from here on */
	if (row->text == NULL || row->split == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	if (split_fields(row, row->split) != ES_OK)
		return es_error_set(err, ES_ECORRUPT,
				    "more than %d values in: %.80s",
				    MAX_FIELDS - 1, line);
	return ES_OK;
}

/* Note the table of a "= TABLE|COLUMN..." line: "|a|", then "|a|b|". */
static int add_table(struct rowset *set, const char *line, struct es_error *err)
{
	int len = (int)strcspn(line, "|");
	size_t have = set->tables ? strlen(set->tables) : 0;
	char *tables = realloc(set->tables, have + (size_t)len + 3);

	if (tables == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	snprintf(tables + have, (size_t)len + 3, "%s%.*s|", have ? "" : "|",
		 len, line);
	set->tables = tables;
	return ES_OK;
}

static bool has_rows_of(const struct rowset *set, const char *table)
{
	size_t len = strlen(table);
	const char *at = set->tables;

	while (at != NULL && (at = strstr(at, table)) != NULL) {
		if (at[-1] == '|' && at[len] == '|')
			return true;
		at += len;
	}
	return false;
}

/* Parse golden-form `text` (modified: cut into lines) into `set`. */
static int parse_rows(struct rowset *set, char *text, struct es_error *err)
{
	char *line = text;
	int rc = ES_OK;

	while (line != NULL && *line != '\0' && rc == ES_OK) {
		char *end = strchr(line, '\n');

		if (end != NULL)
			*end = '\0';
		if (strncmp(line, "= ", 2) == 0)
			rc = add_table(set, line + 2, err);
		else if (line[0] != '#' && line[0] != '\0')
			rc = add_row(set, line, err);
		line = end ? end + 1 : NULL;
	}
	return rc;
}

/* `db`'s rows of `tables`, through the golden form. */
static int read_db_rows(struct rowset *set, sqlite3 *db,
			const char *const *tables, struct es_error *err)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	size_t i;
	int rc = ES_OK;

	if (out == NULL)
		return es_error_set(err, ES_ENOMEM, "open_memstream failed");
	for (i = 0; tables[i] != NULL && rc == ES_OK; i++) {
		const struct golden_table *t = find_table(tables[i]);

		if (t == NULL)
			rc = es_error_set(err, ES_EINVAL,
					  "golden data knows no table %s",
					  tables[i]);
		else
			rc = write_view(out, db, t, err);
	}
	if (fclose(out) != 0 && rc == ES_OK)
		rc = es_error_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK)
		rc = parse_rows(set, text, err);
	free(text);
	return rc;
}

static int read_golden_rows(struct rowset *set, const char *path,
			    struct es_error *err)
{
	char *text = NULL;
	int rc;

	rc = read_text(&text, path, err);
	if (rc == ES_OK)
		rc = parse_rows(set, text, err);
	free(text);
	return rc;
}

/* The name of column `i` of `t` (0 is the key), in `buf`. */
static const char *column_name(char *buf, size_t size,
			       const struct golden_table *t, size_t i)
{
	const char *c = t->columns;

	while (i-- > 0 && c != NULL) {
		c = strchr(c, '|');
		if (c != NULL)
			c++;
	}
	if (c == NULL)
		snprintf(buf, size, "(extra column)");
	else
		snprintf(buf, size, "%.*s", (int)strcspn(c, "|"), c);
	return buf;
}

static bool of_table(const struct row *row, const char *table)
{
	return strcmp(row->field[0], table) == 0;
}

static bool same_key(const struct row *a, const struct row *b)
{
	return a->count > 1 && b->count > 1 &&
	       strcmp(a->field[0], b->field[0]) == 0 &&
	       strcmp(a->field[1], b->field[1]) == 0;
}

struct table_diff {
	size_t agree, differ, missing, unexpected;
};

/* Pair each wanted row of `table` with the row of `got` with its key. */
static struct table_diff match_rows(struct rowset *want, struct rowset *got,
				    const char *table)
{
	struct table_diff d = {0, 0, 0, 0};
	size_t i, j;

	for (i = 0; i < want->count; i++) {
		struct row *w = &want->rows[i];

		if (!of_table(w, table))
			continue;
		for (j = 0; j < got->count && w->match == NULL; j++) {
			struct row *g = &got->rows[j];

			if (g->match == NULL && same_key(w, g)) {
				w->match = g;
				g->match = w;
			}
		}
		if (w->match == NULL)
			d.missing++;
		else if (strcmp(w->text, w->match->text) == 0)
			d.agree++;
		else
			d.differ++;
	}
	for (j = 0; j < got->count; j++) {
		if (of_table(&got->rows[j], table) &&
		    got->rows[j].match == NULL)
			d.unexpected++;
	}
	return d;
}

/* "col=value, col=value" for a whole row. */
static void print_values(FILE *out, const struct golden_table *t,
			 const struct row *row)
{
	char name[64];
	size_t i;

	for (i = 1; i < row->count; i++)
		fprintf(out, "%s%s=%s", i > 1 ? ", " : "",
			column_name(name, sizeof(name), t, i - 1),
			row->field[i]);
}

/* The key, then each column that differs with both values. */
static void print_difference(FILE *out, const struct golden_table *t,
			     const struct row *got, const struct row *want)
{
	const char *sep = " ";
	char name[64];
	size_t i;

	fprintf(out,
		"          ~ %s=%s:", column_name(name, sizeof(name), t, 0),
		want->field[1]);
	if (got->count != want->count) {
		fprintf(out, " the row is %s, expected %s\n", got->text,
			want->text);
		return;
	}
	for (i = 2; i < want->count; i++) {
		if (strcmp(got->field[i], want->field[i]) == 0)
			continue;
		fprintf(out, "%s%s is %s, expected %s", sep,
			column_name(name, sizeof(name), t, i - 1),
			got->field[i], want->field[i]);
		sep = "; ";
	}
	fputc('\n', out);
}

static void print_count(FILE *out, size_t n, const char *what)
{
	if (n > 0)
		fprintf(out, ", %zu %s", n, what);
}

/* Print the rows that are not as wanted, `limit` at most. */
static void print_rows(FILE *out, const struct golden_table *t,
		       const struct rowset *want, const struct rowset *got,
		       size_t problems, size_t limit)
{
	size_t shown = 0;
	size_t i;

	for (i = 0; i < want->count && shown < limit; i++) {
		const struct row *w = &want->rows[i];

		if (!of_table(w, t->name))
			continue;
		if (w->match == NULL) {
			fputs("          - missing: ", out);
			print_values(out, t, w);
			fputc('\n', out);
			shown++;
		} else if (strcmp(w->text, w->match->text) != 0) {
			print_difference(out, t, w->match, w);
			shown++;
		}
	}
	for (i = 0; i < got->count && shown < limit; i++) {
		const struct row *g = &got->rows[i];

		if (!of_table(g, t->name) || g->match != NULL)
			continue;
		fputs("          + unexpected: ", out);
		print_values(out, t, g);
		fputc('\n', out);
		shown++;
	}
	if (problems > shown)
		fprintf(out, "          ... and %zu more\n", problems - shown);
}

/* Compare one table; print a line about it and its bad rows. */
static size_t diff_table(FILE *out, const struct golden_table *t,
			 struct rowset *want, struct rowset *got, size_t limit)
{
	struct table_diff d = match_rows(want, got, t->name);
	size_t problems = d.differ + d.missing + d.unexpected;

	if (!has_rows_of(got, t->name)) {
		fprintf(out,
			"        %s: the database has no such table"
			" (%zu rows expected)\n",
			t->name, d.missing);
		return d.missing > 0 ? d.missing : 1;
	}
	if (problems == 0) {
		fprintf(out, "        %s: all %zu rows agree\n", t->name,
			d.agree);
		return 0;
	}
	fprintf(out, "        %s: %zu rows agree", t->name, d.agree);
	print_count(out, d.differ, "differ");
	print_count(out, d.missing, "missing");
	print_count(out, d.unexpected, "unexpected");
	fputc('\n', out);
	print_rows(out, t, want, got, problems, limit);
	return problems;
}

/*
 * The tables to compare, into `list` (KNOWN_COUNT + 1 slots): `tables`,
 * each of which `want` must hold, or, when `tables` is NULL, every table
 * `want` holds.
 */
static int tables_to_compare(const char **list, const struct rowset *want,
			     const char *const *tables, const char *source,
			     struct es_error *err)
{
	size_t i, n = 0;

	if (tables == NULL) {
		for (i = 0; i < KNOWN_COUNT; i++) {
			if (has_rows_of(want, known_tables[i].name))
				list[n++] = known_tables[i].name;
		}
		list[n] = NULL;
		return ES_OK;
	}
	for (i = 0; tables[i] != NULL; i++) {
		if (find_table(tables[i]) == NULL || n == KNOWN_COUNT)
			return es_error_set(err, ES_EINVAL,
					    "golden data knows no table %s",
					    tables[i]);
		if (!has_rows_of(want, tables[i]))
			return es_error_set(err, ES_ENOTFOUND,
					    "%s has no table %s (make golden"
					    " writes the views that exist)",
					    source, tables[i]);
		list[n++] = tables[i];
	}
	list[n] = NULL;
	return ES_OK;
}

static size_t diff_tables(FILE *out, const char *const *list,
			  struct rowset *want, struct rowset *got, size_t limit)
{
	size_t problems = 0;
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		problems +=
			diff_table(out, find_table(list[i]), want, got, limit);
	return problems;
}

int es_golden_diff(FILE *out, size_t *problems, sqlite3 *db, const char *name,
		   const char *const *tables, size_t limit,
		   struct es_error *err)
{
	const char *list[KNOWN_COUNT + 1] = {NULL};
	struct rowset want = {NULL, 0, 0, NULL};
	struct rowset got = {NULL, 0, 0, NULL};
	char path[512];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.views", ES_GOLDEN_DIR, name);
	rc = read_golden_rows(&want, path, err);
	if (rc == ES_OK)
		rc = tables_to_compare(list, &want, tables, path, err);
	if (rc == ES_OK)
		rc = read_db_rows(&got, db, list, err);
	if (rc == ES_OK)
		*problems = diff_tables(out, list, &want, &got, limit);
	rowset_dispose(&want);
	rowset_dispose(&got);
	return rc;
}

size_t es_test_golden_diff_at(struct es_test_site from, FILE *out, sqlite3 *db,
			      const char *name, const char *const *tables)
{
	struct es_error err;
	size_t problems = 0;

	if (es_golden_diff(out, &problems, db, name, tables, SHOWN_ROWS,
			   &err) != ES_OK)
		ES_FAIL_FROM(from, "%s", err.msg);
	return problems;
}

/* How `actual` differs from `expected` in `tables`. */
static int same_diff(FILE *out, size_t *problems, sqlite3 *actual,
		     sqlite3 *expected, const char *const *tables,
		     struct es_error *err)
{
	const char *list[KNOWN_COUNT + 1] = {NULL};
	struct rowset want = {NULL, 0, 0, NULL};
	struct rowset got = {NULL, 0, 0, NULL};
	int rc;

	rc = read_db_rows(&want, expected, tables, err);
	if (rc == ES_OK)
		rc = tables_to_compare(list, &want, tables,
				       "the expected database", err);
	if (rc == ES_OK)
		rc = read_db_rows(&got, actual, list, err);
	if (rc == ES_OK)
		*problems = diff_tables(out, list, &want, &got, SHOWN_ROWS);
	rowset_dispose(&want);
	rowset_dispose(&got);
	return rc;
}

/* CUnit copies the message; this buffer only has to outlive the call. */
static char message[16384];

/*
 * Pass, or fail with the diff in `text` (which is freed) as the message.
 * The runner indents the first line; the diff's lines are indented.
 */
static void report(int rc, const struct es_error *err, size_t problems,
		   char *text, const char *file, int line)
{
	static const char cut[] = "\n        ... (the diff is cut short)";
	size_t len;

	if (rc == ES_OK && problems == 0) {
		free(text);
		return;
	}
	if (rc != ES_OK)
		snprintf(message, sizeof(message), "%s", err->msg);
	else
		snprintf(message, sizeof(message), "%s", text ? text : "");
	free(text);
	len = strlen(message);
	if (len == sizeof(message) - 1)
		memcpy(message + len - (sizeof(cut) - 1), cut, sizeof(cut));
	else if (len > 0 && message[len - 1] == '\n')
		message[len - 1] = '\0';
	es_harness_fail(file, line, message);
}

/*
 * Compare the views of `db` with the golden scenario `name` when
 * `expected` is NULL, else with the views of `expected`, and report the
 * difference as a failed assertion at `file`:`line`.
 */
static void assert_views(sqlite3 *db, const char *name, sqlite3 *expected,
			 const char *const *tables, const char *file, int line)
{
	struct es_error err;
	size_t problems = 0;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	int rc;

	if (out == NULL) {
		ES_FAIL("open_memstream failed");
		return;
	}
	if (expected == NULL) {
		fprintf(out,
			"the views differ from the golden ones in %s/%s.views"
			" (~ differs, - missing, + unexpected):\n",
			ES_GOLDEN_DIR, name);
		rc = es_golden_diff(out, &problems, db, name, tables,
				    SHOWN_ROWS, &err);
	} else {
		fputs("the views differ from the expected ones"
		      " (~ differs, - missing, + unexpected):\n",
		      out);
		rc = same_diff(out, &problems, db, expected, tables, &err);
	}
	fclose(out);
	report(rc, &err, problems, text, file, line);
}

void es_assert_golden_views(sqlite3 *db, const char *name,
			    const char *const *tables, const char *file,
			    int line)
{
	assert_views(db, name, NULL, tables, file, line);
}

void es_assert_same_views(sqlite3 *actual, sqlite3 *expected,
			  const char *const *tables, const char *file, int line)
{
	assert_views(actual, NULL, expected, tables, file, line);
}

/* ---- golden views as tables ------------------------------------------- */

/*
 * Undo put_escaped() in place: \\ \n \r back to the characters. The
 * golden form holds quote() values, which are SQL literals as they are.
 */
static void unescape(char *s)
{
	char *to = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			if (*s == 'n')
				*to++ = '\n';
			else if (*s == 'r')
				*to++ = '\r';
			else
				*to++ = *s;
		} else {
			*to++ = *s;
		}
	}
	*to = '\0';
}

/*
 * One line of a .views file as SQL on `db`: "= T|A|B" creates T (A, B),
 * "T|x|y" inserts (x, y), values being quote()'s SQL literals. `line` is
 * cut up; a '|' inside a quoted value stays.
 */
static int load_view_line(sqlite3 *db, char *line, struct es_error *err)
{
	struct row row;
	char *sql = NULL;
	size_t size = 0;
	FILE *out;
	size_t i;
	int rc;
	bool create = strncmp(line, "= ", 2) == 0;

	unescape(line);
	if (split_fields(&row, create ? line + 2 : line) != ES_OK ||
	    find_table(row.field[0]) == NULL)
		return es_error_set(err, ES_ECORRUPT,
				    "not a golden line: %.80s", line);
	out = open_memstream(&sql, &size);
	if (out == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	/* The table's name is one golden data knows (checked above). */
	fprintf(out, create ? "CREATE TABLE %s (" : "INSERT INTO %s VALUES (",
		row.field[0]);
	for (i = 1; i < row.count; i++)
		fprintf(out, "%s%s", i > 1 ? ", " : "", row.field[i]);
	fputs(")", out);
	rc = fclose(out) == 0 ? ES_OK
			      : es_error_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = es_error_set(err, ES_EDB, "%.60s: %s", sql,
				  sqlite3_errmsg(db));
	free(sql);
	return rc;
}

int es_golden_load_views(size_t *rows, sqlite3 *db, const char *name,
			 struct es_error *err)
{
	char path[512];
	char *text = NULL;
	char *line;
	int rc;

	*rows = 0;
	snprintf(path, sizeof(path), "%s/%s.views", ES_GOLDEN_DIR, name);
	rc = read_text(&text, path, err);
	for (line = text; rc == ES_OK && line != NULL && *line != '\0';) {
		char *end = strchr(line, '\n');

		if (end != NULL)
			*end = '\0';
		if (line[0] != '#' && line[0] != '\0') {
			*rows += line[0] != '=';
			rc = load_view_line(db, line, err);
		}
		line = end ? end + 1 : NULL;
	}
	free(text);
	return rc;
}
