/*
 * rebuild.c - `catalog rebuild`: every view from the log, fast, and
 * blocking nobody for more than a moment.
 *
 * es_views_rebuild() (step 10) is the lesson, and the path a learner
 * writes: one transaction, and every event goes through the per-event
 * projector and insights, one statement per event per view. It holds the
 * read DB's write lock from start to end, so every catch-up waits for the
 * whole replay. This file makes the same rows, value for value, another
 * way:
 *
 *   1. fold: read the log once (es_store_load_after from 0) and fold each
 *      event into its product's state, in memory, in a hash table keyed
 *      by product id. Memory grows with the number of products, not of
 *      events: no event is kept;
 *   2. shadow tables: next to each view, create "shadow_<view>" from the
 *      view's own CREATE TABLE in sqlite_master, and write each product's
 *      rows there once, in transactions of ROWS_PER_COMMIT rows, so a
 *      catch-up waits for one of them at most;
 *   3. swap: one short transaction drops each view, renames its shadow
 *      table to the view's name, puts back the view's indexes and
 *      triggers, and sets the checkpoint to the last event folded.
 *
 * Readers see the old views until the swap commits, and then the new
 * ones. Events appended after the fold come after the checkpoint, so the
 * next catch-up projects them. A failure before the swap commits leaves
 * the views and the checkpoint as they were. Its shadow tables are
 * dropped, or, after a crash, by the next rebuild.
 *
 * The files stay where they are: a rebuild into a new file, renamed over
 * the old one, could meet a -wal file of the old one's, and SQLite would
 * replay those pages into the new file.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "es_sql.h"
#include "insights.h"
#include "views.h"

/* How many rows each transaction writes into the shadow tables. */
#define ROWS_PER_COMMIT 4096

/* The views es_views_rebuild() empties and fills: projector and insights. */
enum view_id { V_DETAIL, V_LIST, V_SUMMARY, V_ALERT, V_LEVEL, V_COUNT };

static const char *const view_name[V_COUNT] = {
	[V_DETAIL] = "product_detail_view", [V_LIST] = "product_list_view",
	[V_SUMMARY] = "view_count_summary", [V_ALERT] = "low_stock_alert_view",
	[V_LEVEL] = "stock_level",
};

/* How many columns each has, in read_db.h's and insights.c's order. */
static const int view_columns[V_COUNT] = {
	[V_DETAIL] = 9, [V_LIST] = 5,  [V_SUMMARY] = 2,
	[V_ALERT] = 3,	[V_LEVEL] = 3,
};

#define SHADOW_PREFIX "shadow_"

/* ---- the fold: one product's rows, in memory ----------------------------- */

/*
 * One product as the views show it after the events folded so far. The
 * fields are the views' columns. `created` says whether its detail, list
 * and stock_level rows exist at all; `alert`, its low_stock_alert_view
 * row; `views` > 0, its view_count_summary row.
 */
struct product {
	int64_t id;
	bool created;
	bool alert;
	char *name;
	char *description; /* NULL: SQL NULL */
	char *supplier_name;
	double price;
	int64_t stock;
	int64_t detail_views; /* product_detail_view.view_count */
	int64_t views;	      /* view_count_summary.view_count */
	char created_at[ES_TIMESTAMP_SIZE];
	char updated_at[ES_TIMESTAMP_SIZE];
};

/* Every product of the log, and how far the fold got. */
struct fold {
	struct product *items; /* in the order of their first event */
	size_t count;
	size_t capacity;
	size_t *slots; /* open addressing: index + 1 in items, 0 when free */
	size_t nslots; /* a power of 2, at least twice `capacity` */
	int64_t events;
	int64_t last_id;
};

static void product_dispose(struct product *p)
{
	free(p->name);
	free(p->description);
	free(p->supplier_name);
}

static void fold_dispose(struct fold *fold)
{
	for (size_t i = 0; i < fold->count; i++)
		product_dispose(&fold->items[i]);
	free(fold->items);
	free(fold->slots);
}

/* A slot for the id: splitmix64's finalizer, so near ids spread out. */
static size_t first_slot(int64_t id, size_t nslots)
{
	uint64_t h = (uint64_t)id;

	h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (size_t)(h ^ (h >> 31)) & (nslots - 1);
}

/* Where the id is, or the free slot where it would go. */
static size_t find_slot(const struct fold *fold, int64_t id)
{
	size_t i = first_slot(id, fold->nslots);

	while (fold->slots[i] != 0 && fold->items[fold->slots[i] - 1].id != id)
		i = (i + 1) & (fold->nslots - 1);
	return i;
}

/* Double the room for products, and the hash table with it. */
static int grow(struct fold *fold, struct es_error *err)
{
	size_t capacity = fold->capacity != 0 ? 2 * fold->capacity : 1024;
	struct product *items;
	size_t *slots;

	items = realloc(fold->items, capacity * sizeof(*items));
	if (items == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	fold->items = items;
	slots = calloc(2 * capacity, sizeof(*slots));
	if (slots == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	free(fold->slots);
	fold->slots = slots;
	fold->nslots = 2 * capacity;
	fold->capacity = capacity;
	for (size_t i = 0; i < fold->count; i++)
		slots[find_slot(fold, items[i].id)] = i + 1;
	return ES_OK;
}

/* Set `*out` to the product `id`, new and empty when it has no events. */
static int find_or_add(struct product **out, struct fold *fold, int64_t id,
		       struct es_error *err)
{
	size_t slot;

	if (fold->count == fold->capacity) {
		int rc = grow(fold, err);

		if (rc != ES_OK)
			return rc;
	}
	slot = find_slot(fold, id);
	if (fold->slots[slot] == 0) {
		memset(&fold->items[fold->count], 0, sizeof(struct product));
		fold->items[fold->count].id = id;
		fold->slots[slot] = ++fold->count;
	}
	*out = &fold->items[fold->slots[slot] - 1];
	return ES_OK;
}

/* Copy `s` into `*out`, freeing what was there; NULL stays NULL. */
static int set_text(char **out, const char *s, struct es_error *err)
{
	char *copy = s != NULL ? strdup(s) : NULL;

	if (s != NULL && copy == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	free(*out);
	*out = copy;
	return ES_OK;
}

/*
 * What an event does to the views, in one place. Each rule names the
 * per-event code that says the same (projector.c, step 6; insights.c,
 * step 9); the two must agree, row for row, and the catalog suite checks
 * that they do (tests/test_catalog_rebuild.c).
 */

/*
 * projector.c on_created: INSERT OR REPLACE of the detail row (view_count
 * 0, created_at and updated_at the event's time) and of the list row;
 * insights.c on_created: INSERT OR REPLACE of stock_level, then
 * refresh_alert. A second ProductCreated replaces all of that, the
 * detail's view_count too; view_count_summary is not touched.
 */
static int fold_created(struct product *p, const struct es_event *ev,
			struct es_error *err)
{
	const struct es_product_created *c = &ev->created;
	int rc;

	rc = set_text(&p->name, c->name, err);
	if (rc == ES_OK)
		rc = set_text(&p->description, c->description, err);
	if (rc == ES_OK)
		rc = set_text(&p->supplier_name, c->supplier_name, err);
	if (rc != ES_OK)
		return rc;
	p->created = true;
	p->price = c->price;
	p->stock = c->stock;
	p->detail_views = 0;
	memcpy(p->created_at, ev->occurred_at, sizeof(p->created_at));
	memcpy(p->updated_at, ev->occurred_at, sizeof(p->updated_at));
	/* insights.c refresh_alert: a row when stock < the threshold. */
	p->alert = p->stock < ES_LOW_STOCK_THRESHOLD;
	return ES_OK;
}

/*
 * projector.c on_stock_updated (StockUpdated and StockCorrected): UPDATE
 * stock and updated_at of the detail row, stock of the list row;
 * insights.c on_stock_updated: UPDATE stock_level, then refresh_alert.
 * Each is an UPDATE ... WHERE id: a product never created has no rows,
 * and gets none.
 */
static void fold_stock(struct product *p, const struct es_event *ev,
		       int64_t new_stock)
{
	if (!p->created)
		return;
	p->stock = new_stock;
	memcpy(p->updated_at, ev->occurred_at, sizeof(p->updated_at));
	p->alert = p->stock < ES_LOW_STOCK_THRESHOLD;
}

static int fold_event(struct product *p, const struct es_event *ev,
		      struct es_error *err)
{
	switch (ev->type) {
	case ES_PRODUCT_CREATED:
		return fold_created(p, ev, err);
	case ES_STOCK_UPDATED:
		fold_stock(p, ev, ev->stock.new_stock);
		return ES_OK;
	case ES_PRICE_CHANGED:
		/* projector.c on_price_changed: UPDATE price and updated_at
		 * of the detail row, price of the list row, when they exist;
		 * insights.c: nothing. */
		if (p->created) {
			p->price = ev->price.new_price;
			memcpy(p->updated_at, ev->occurred_at,
			       sizeof(p->updated_at));
		}
		return ES_OK;
	case ES_PRODUCT_VIEWED:
		/* insights.c on_viewed: view_count_summary counts every view,
		 * of a product never created too (an upsert); projector.c
		 * on_viewed: view_count + 1 in the detail row when it exists,
		 * updated_at unchanged. */
		p->views++;
		if (p->created)
			p->detail_views++;
		return ES_OK;
	case ES_STOCK_CORRECTED: /* step 15 */
		fold_stock(p, ev, ev->corrected.new_stock);
		return ES_OK;
	}
	/* Only a type outside the enum gets here, as in projector.c. */
	return es_error_set(err, ES_EINVAL, "unknown event type %d",
			    (int)ev->type);
}

/* es_store_load_after() callback: `ctx` is the fold. */
static int fold_one(void *ctx, const struct es_event *ev, struct es_error *err)
{
	struct fold *fold = ctx;
	struct product *p;
	int rc;

	rc = find_or_add(&p, fold, ev->product_id, err);
	if (rc == ES_OK)
		rc = fold_event(p, ev, err);
	if (rc != ES_OK)
		return rc;
	fold->events++;
	fold->last_id = ev->id;
	return ES_OK;
}

/* ---- SQL on the read DB ---------------------------------------------------- */

static int exec(sqlite3 *db, const char *sql, struct es_error *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return es_sql_error(db, err);
	return ES_OK;
}

/* exec() of sqlite3_mprintf(fmt, name, name): %w quotes a name. */
static int exec_named(sqlite3 *db, const char *fmt, const char *name,
		      struct es_error *err)
{
	char *sql = sqlite3_mprintf(fmt, name, name);
	int rc;

	if (sql == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	rc = exec(db, sql, err);
	sqlite3_free(sql);
	return rc;
}

/* Roll back the open transaction, if any; the first error is the one kept. */
static void rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* COMMIT when `rc` is ES_OK; ROLLBACK when it or the commit failed. */
static int commit_or_rollback(int rc, sqlite3 *db, struct es_error *err)
{
	if (rc == ES_OK)
		rc = exec(db, "COMMIT", err);
	if (rc != ES_OK)
		rollback(db);
	return rc;
}

/* Inside a transaction: drop what a rebuild that died has left. */
static int drop_shadows(sqlite3 *db, struct es_error *err)
{
	int rc = ES_OK;

	for (int v = 0; rc == ES_OK && v < V_COUNT; v++)
		rc = exec_named(db,
				"DROP TABLE IF EXISTS \"" SHADOW_PREFIX "%w\"",
				view_name[v], err);
	return rc;
}

/*
 * The length of the name that starts `s`: "name", [name], `name`, 'name'
 * or a bare name; 0 when there is none.
 */
static size_t name_length(const char *s)
{
	char close = s[0];
	size_t i;

	if (close == '[')
		close = ']';
	if (close == '"' || close == ']' || close == '`' || close == '\'') {
		for (i = 1; s[i] != '\0'; i++) {
			if (s[i] != close)
				continue;
			if (close == ']' || s[i + 1] != close)
				return i + 1;
			i++; /* a doubled quote stands for one */
		}
		return 0;
	}
	for (i = 0;
	     s[i] == '_' || s[i] == '$' || (s[i] >= 'a' && s[i] <= 'z') ||
	     (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
	     (unsigned char)s[i] >= 0x80;
	     i++)
		;
	return i;
}

/*
 * Create the shadow table of view `v` from `sql`, the view's CREATE TABLE
 * as sqlite_master keeps it: SQLite writes it "CREATE TABLE " and the
 * name, then the columns, which are copied as they are.
 */
static int create_shadow(sqlite3 *db, int v, const char *sql,
			 struct es_error *err)
{
	static const char create[] = "CREATE TABLE ";
	const size_t skip = sizeof(create) - 1;
	size_t len = 0; /* of the name */
	char *shadow_sql;
	int rc;

	if (strncmp(sql, create, skip) == 0)
		len = name_length(sql + skip);
	if (len == 0 || sql[skip + len] == '.')
		return es_error_set(err, ES_EDB,
				    "%s: cannot read its CREATE TABLE",
				    view_name[v]);
	shadow_sql = sqlite3_mprintf("CREATE TABLE \"" SHADOW_PREFIX "%w\"%s",
				     view_name[v], sql + skip + len);
	if (shadow_sql == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	rc = exec(db, shadow_sql, err);
	sqlite3_free(shadow_sql);
	return rc;
}

/*
 * One transaction: drop what a rebuild that died has left, and create an
 * empty shadow table for every view, with the view's own columns.
 */
static int make_shadows(sqlite3 *db, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = exec(db, "BEGIN IMMEDIATE", err);
	if (rc != ES_OK)
		return rc;
	rc = drop_shadows(db, err);
	if (rc == ES_OK &&
	    sqlite3_prepare_v2(db,
			       "SELECT sql FROM sqlite_master"
			       " WHERE type = 'table' AND name = ?",
			       -1, &stmt, NULL) != SQLITE_OK)
		rc = es_sql_error(db, err);
	for (int v = 0; rc == ES_OK && v < V_COUNT; v++) {
		int step;

		sqlite3_bind_text(stmt, 1, view_name[v], -1, SQLITE_STATIC);
		step = sqlite3_step(stmt);
		if (step == SQLITE_ROW)
			rc = create_shadow(
				db, v,
				(const char *)sqlite3_column_text(stmt, 0),
				err);
		else if (step == SQLITE_DONE)
			rc = es_error_set(err, ES_EDB, "no such table: %s",
					  view_name[v]);
		else
			rc = es_sql_error(db, err);
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return commit_or_rollback(rc, db, err);
}

/* ---- writing the rows ------------------------------------------------------ */

/* One INSERT per shadow table, with its columns' placeholders. */
static int prepare_inserts(sqlite3_stmt *insert[V_COUNT], sqlite3 *db,
			   struct es_error *err)
{
	static const char marks[] = "?,?,?,?,?,?,?,?,?";
	char *sql[V_COUNT] = {NULL};
	int rc = ES_OK;

	for (int v = 0; v < V_COUNT; v++) {
		sql[v] = sqlite3_mprintf(
			"INSERT INTO \"" SHADOW_PREFIX "%w\" VALUES (%.*s)",
			view_name[v], 2 * view_columns[v] - 1, marks);
		if (sql[v] == NULL)
			rc = es_error_set(err, ES_ENOMEM, "out of memory");
	}
	if (rc == ES_OK)
		rc = es_sql_prepare_all(insert, db, (const char *const *)sql,
					V_COUNT, err);
	for (int v = 0; v < V_COUNT; v++)
		sqlite3_free(sql[v]);
	return rc;
}

/* Binding: as in projector.c, text SQLITE_STATIC, and NULL for NULL. */
static void bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
	sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
}

/* Write the product's rows, those that its fold says exist; count them. */
static int write_product(sqlite3_stmt *insert[V_COUNT], const struct product *p,
			 int *rows, struct es_error *err)
{
	sqlite3_stmt *s;
	int rc = ES_OK;

	if (p->created) {
		s = insert[V_DETAIL];
		sqlite3_bind_int64(s, 1, p->id);
		bind_text(s, 2, p->name);
		bind_text(s, 3, p->description);
		sqlite3_bind_double(s, 4, p->price);
		sqlite3_bind_int64(s, 5, p->stock);
		sqlite3_bind_int64(s, 6, p->detail_views);
		bind_text(s, 7, p->supplier_name);
		bind_text(s, 8, p->created_at);
		bind_text(s, 9, p->updated_at);
		rc = es_sql_run(s, err);
		if (rc != ES_OK)
			return rc;
		s = insert[V_LIST];
		sqlite3_bind_int64(s, 1, p->id);
		bind_text(s, 2, p->name);
		sqlite3_bind_double(s, 3, p->price);
		sqlite3_bind_int64(s, 4, p->stock);
		bind_text(s, 5, p->supplier_name);
		rc = es_sql_run(s, err);
		for (int v = V_ALERT; rc == ES_OK && v <= V_LEVEL; v++) {
			if (v == V_ALERT && !p->alert)
				continue;
			s = insert[v];
			sqlite3_bind_int64(s, 1, p->id);
			bind_text(s, 2, p->name);
			sqlite3_bind_int64(s, 3, p->stock);
			rc = es_sql_run(s, err);
			*rows += 1;
		}
		*rows += 2;
	}
	if (rc == ES_OK && p->views > 0) {
		s = insert[V_SUMMARY];
		sqlite3_bind_int64(s, 1, p->id);
		sqlite3_bind_int64(s, 2, p->views);
		rc = es_sql_run(s, err);
		*rows += 1;
	}
	return rc;
}

static int by_id(const void *a, const void *b)
{
	const struct product *x = a;
	const struct product *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * Write every product's rows into the shadow tables, in the order of the
 * ids (appending to each table's b-tree), ROWS_PER_COMMIT rows or so a
 * transaction. The hash table is of no use afterwards: the sort moves the
 * products.
 */
static int write_shadows(sqlite3 *db, struct fold *fold, struct es_error *err)
{
	sqlite3_stmt *insert[V_COUNT] = {NULL};
	int rows = 0;
	int rc;

	rc = prepare_inserts(insert, db, err);
	if (rc != ES_OK)
		return rc;
	if (fold->count > 0)
		qsort(fold->items, fold->count, sizeof(fold->items[0]), by_id);
	for (size_t i = 0; rc == ES_OK && i < fold->count; i++) {
		if (sqlite3_get_autocommit(db))
			rc = exec(db, "BEGIN IMMEDIATE", err);
		if (rc == ES_OK)
			rc = write_product(insert, &fold->items[i], &rows, err);
		if (rc == ES_OK && rows >= ROWS_PER_COMMIT) {
			rc = exec(db, "COMMIT", err);
			rows = 0;
		}
	}
	if (rc == ES_OK && !sqlite3_get_autocommit(db))
		rc = exec(db, "COMMIT", err);
	if (rc != ES_OK)
		rollback(db);
	es_sql_finalize_all(insert, V_COUNT);
	return rc;
}

/* ---- the swap -------------------------------------------------------------- */

/* The CREATE statements of the views' indexes and triggers. */
struct sql_list {
	char **items;
	size_t count;
};

static void sql_list_dispose(struct sql_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
}

static int sql_list_push(struct sql_list *list, const char *sql,
			 struct es_error *err)
{
	char **items = realloc(list->items,
			       (list->count + 1) * sizeof(list->items[0]));

	if (items == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	list->items = items;
	items[list->count] = NULL;
	if (set_text(&items[list->count], sql, err) != ES_OK)
		return ES_ENOMEM;
	list->count++;
	return ES_OK;
}

/* What DROP TABLE takes with a view, and the swap puts back. */
static int read_extras(struct sql_list *out, sqlite3 *db, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = ES_OK;
	int step;

	if (sqlite3_prepare_v2(db,
			       "SELECT sql FROM sqlite_master"
			       " WHERE type IN ('index', 'trigger')"
			       " AND sql IS NOT NULL"
			       " AND tbl_name IN (?, ?, ?, ?, ?)"
			       " ORDER BY type, name",
			       -1, &stmt, NULL) != SQLITE_OK) {
		rc = es_sql_error(db, err);
		sqlite3_finalize(stmt);
		return rc;
	}
	for (int v = 0; v < V_COUNT; v++)
		bind_text(stmt, v + 1, view_name[v]);
	while (rc == ES_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = sql_list_push(
			out, (const char *)sqlite3_column_text(stmt, 0), err);
	if (rc == ES_OK && step != SQLITE_DONE)
		rc = es_sql_error(db, err);
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * views.c's upsert of its checkpoint row, which moves with the views:
 * here, with the views that the swap puts in.
 */
static int set_checkpoint(sqlite3 *db, int64_t last_id, struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO projection_checkpoint VALUES (?, ?)"
			       " ON CONFLICT (name) DO UPDATE"
			       " SET last_event_id = excluded.last_event_id",
			       -1, &stmt, NULL) != SQLITE_OK) {
		rc = es_sql_error(db, err);
		sqlite3_finalize(stmt);
		return rc;
	}
	bind_text(stmt, 1, ES_VIEWS_CHECKPOINT);
	sqlite3_bind_int64(stmt, 2, last_id);
	rc = es_sql_run(stmt, err);
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * One short transaction: each view is dropped and its shadow table takes
 * its name; its indexes and triggers are made again; the checkpoint moves
 * to `last_id`.
 *
 * legacy_alter_table: since SQLite 3.26, RENAME checks every view and
 * trigger of the schema, and one that reads a view table (dropped a
 * moment before) would make it fail. In legacy mode it renames the table
 * alone; such a view reads the new table afterwards, by its name.
 */
static int swap(sqlite3 *db, int64_t last_id, struct es_error *err)
{
	struct sql_list extras = {NULL, 0};
	int rc;

	rc = exec(db, "PRAGMA legacy_alter_table = ON", err);
	if (rc == ES_OK)
		rc = exec(db, "BEGIN IMMEDIATE", err);
	if (rc == ES_OK)
		rc = read_extras(&extras, db, err);
	for (int v = 0; rc == ES_OK && v < V_COUNT; v++) {
		rc = exec_named(db, "DROP TABLE \"%w\"", view_name[v], err);
		if (rc == ES_OK)
			rc = exec_named(db,
					"ALTER TABLE \"" SHADOW_PREFIX "%w\""
					" RENAME TO \"%w\"",
					view_name[v], err);
	}
	for (size_t i = 0; rc == ES_OK && i < extras.count; i++)
		rc = exec(db, extras.items[i], err);
	if (rc == ES_OK)
		rc = set_checkpoint(db, last_id, err);
	rc = commit_or_rollback(rc, db, err);
	exec(db, "PRAGMA legacy_alter_table = OFF", NULL);
	sql_list_dispose(&extras);
	return rc;
}

/* ---- the whole rebuild ----------------------------------------------------- */

/*
 * After a failure: drop the shadow tables, or leave them to the next
 * rebuild when even that fails. The first error is the one reported.
 */
static void discard_shadows(sqlite3 *db)
{
	if (exec(db, "BEGIN IMMEDIATE", NULL) == ES_OK)
		commit_or_rollback(drop_shadows(db, NULL), db, NULL);
}

/* es_views_open() creates the views and the checkpoint table if missing. */
static int ensure_views(sqlite3 *db, struct es_error *err)
{
	struct es_views *views = NULL;
	int rc = es_views_open(&views, db, err);

	es_views_close(views);
	return rc;
}

int catalog_rebuild_views_with(int64_t *projected, sqlite3 *read_db,
			       struct es_store *store,
			       catalog_rebuild_hook before_swap, void *ctx,
			       struct es_error *err)
{
	struct fold fold;
	int rc;

	assert(read_db != NULL);
	assert(store != NULL);

	memset(&fold, 0, sizeof(fold));
	rc = ensure_views(read_db, err);
	if (rc == ES_OK)
		rc = es_store_load_after(store, 0, fold_one, &fold, err);
	if (rc == ES_OK) {
		rc = make_shadows(read_db, err);
		if (rc == ES_OK)
			rc = write_shadows(read_db, &fold, err);
		if (rc == ES_OK && before_swap != NULL)
			rc = before_swap(ctx, err);
		if (rc == ES_OK)
			rc = swap(read_db, fold.last_id, err);
		if (rc != ES_OK)
			discard_shadows(read_db);
	}
	if (projected != NULL)
		*projected = rc == ES_OK ? fold.events : 0;
	fold_dispose(&fold);
	return rc;
}

int catalog_rebuild_views(int64_t *projected, sqlite3 *read_db,
			  struct es_store *store, struct es_error *err)
{
	return catalog_rebuild_views_with(projected, read_db, store, NULL, NULL,
					  err);
}
