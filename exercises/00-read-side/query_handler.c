/*
 * query_handler.c - answering queries from the view tables (see
 * query_handler.h).
 *
 * Every query is one prepared statement, prepared when the handler opens
 * and reused: bind, step until done, reset. The reset comes before every
 * return, so no statement stays in the middle of a read and holds the
 * database's snapshot open between queries.
 */
#include "query_handler.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "es_sql.h"

enum stmt_id { ST_DETAIL, ST_CARD, ST_LIST, ST_SEARCH, ST_COUNT };

static const char *const stmt_sql[ST_COUNT] = {
	[ST_DETAIL] = "SELECT id, name, description, price, stock, view_count,"
		      " supplier_name, created_at, updated_at"
		      " FROM product_detail_view WHERE id = ?1",
	[ST_CARD] = "SELECT id, name, price, stock"
		    " FROM product_list_view WHERE id = ?1",
	[ST_LIST] = "SELECT id, name, price, stock, supplier_name"
		    " FROM product_list_view ORDER BY id",
	/*
	 * instr() matches the text as it is, so '%' and '_' are plain
	 * characters; LIKE would treat them as wildcards. SQLite's built-in
	 * lower() folds only ASCII letters ('A'..'Z'): "ÉCLAIR" does not
	 * match "éclair" unless SQLite was built with ICU. The columns come
	 * in ST_LIST's order, so one function reads the rows of both.
	 */
	[ST_SEARCH] = "SELECT id, name, price, stock, supplier_name"
		      " FROM product_list_view"
		      " WHERE instr(lower(name), lower(?1)) > 0 ORDER BY id",
};

struct es_query_handler {
	sqlite3 *db; /* borrowed */
	sqlite3_stmt *stmt[ST_COUNT];
};

int es_query_handler_open(struct es_query_handler **out, sqlite3 *read_db,
			  struct es_error *err)
{
	struct es_query_handler *qh;
	int rc;

	assert(out != NULL && read_db != NULL);
	qh = calloc(1, sizeof(*qh));
	if (qh == NULL)
		return es_error_set(err, ES_ENOMEM,
				    "out of memory opening the query handler");
	qh->db = read_db;
	rc = es_sql_prepare_all(qh->stmt, read_db, stmt_sql, ST_COUNT, err);
	if (rc != ES_OK) {
		free(qh);
		return rc;
	}
	*out = qh;
	return ES_OK;
}

void es_query_handler_close(struct es_query_handler *qh)
{
	if (qh == NULL)
		return;
	es_sql_finalize_all(qh->stmt, ST_COUNT);
	free(qh);
}

/*
 * Copy text column `col` of the current row into `*out`: a new string, or
 * NULL when the column is NULL. Returns ES_OK or ES_ENOMEM.
 */
static int copy_text(char **out, sqlite3_stmt *stmt, int col)
{
	const unsigned char *text;

	*out = NULL;
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return ES_OK;
	text = sqlite3_column_text(stmt, col);
	if (text != NULL)
		*out = strdup((const char *)text);
	return *out != NULL ? ES_OK : ES_ENOMEM;
}

/*
 * Copy a timestamp column into a fixed buffer. A longer text is not one of
 * ours: refuse it rather than cut it.
 */
static int copy_timestamp(char out[ES_TIMESTAMP_SIZE], sqlite3_stmt *stmt,
			  int col, struct es_error *err)
{
	const char *text = (const char *)sqlite3_column_text(stmt, col);
	size_t len;

	if (text == NULL)
		return es_error_set(err, ES_ENOMEM, "out of memory");
	/* The length of the text just fetched, without its NUL. */
	len = (size_t)sqlite3_column_bytes(stmt, col);
	if (len >= ES_TIMESTAMP_SIZE)
		return es_error_set(err, ES_EDB,
				    "product %" PRId64
				    ": %s is not a timestamp",
				    (int64_t)sqlite3_column_int64(stmt, 0),
				    sqlite3_column_name(stmt, col));
	memcpy(out, text, len + 1);
	return ES_OK;
}

/* Fill `*d` from the current row of the detail statement. */
static int read_detail(struct es_product_detail *d, sqlite3_stmt *stmt,
		       struct es_error *err)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(stmt, 0);
	d->price = sqlite3_column_double(stmt, 3);
	d->stock = sqlite3_column_int64(stmt, 4);
	d->view_count = sqlite3_column_int64(stmt, 5);
	if (copy_text(&d->name, stmt, 1) != ES_OK ||
	    copy_text(&d->description, stmt, 2) != ES_OK ||
	    copy_text(&d->supplier_name, stmt, 6) != ES_OK)
		rc = es_error_set(err, ES_ENOMEM,
				  "out of memory reading product %" PRId64,
				  d->id);
	else
		rc = copy_timestamp(d->created_at, stmt, 7, err);
	if (rc == ES_OK)
		rc = copy_timestamp(d->updated_at, stmt, 8, err);
	if (rc != ES_OK)
		es_product_detail_dispose(d);
	return rc;
}

/*
 * Bind `product_id` as ?1 of `stmt` and step it once. Returns ES_OK with
 * the product's row current, ES_ENOTFOUND ("Product N not found") or the
 * database's error. Either way, the caller resets `stmt`.
 */
static int find_product(sqlite3_stmt *stmt, int64_t product_id,
			struct es_error *err)
{
	sqlite3_bind_int64(stmt, 1, product_id);
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		return ES_OK;
	case SQLITE_DONE:
		return es_error_set(err, ES_ENOTFOUND,
				    "Product %" PRId64 " not found",
				    product_id);
	default:
		return es_sql_error(sqlite3_db_handle(stmt), err);
	}
}

int es_query_product_detail(struct es_product_detail *out,
			    struct es_query_handler *qh, int64_t product_id,
			    struct es_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	assert(out != NULL && qh != NULL);
	stmt = qh->stmt[ST_DETAIL];
	rc = find_product(stmt, product_id, err);
	if (rc == ES_OK)
		rc = read_detail(out, stmt, err);
	sqlite3_reset(stmt);
	return rc;
}

/* Fill `*card` from the current row of the card statement. */
static int read_card(struct es_product_card *card, sqlite3_stmt *stmt,
		     struct es_error *err)
{
	memset(card, 0, sizeof(*card));
	card->id = sqlite3_column_int64(stmt, 0);
	card->price = sqlite3_column_double(stmt, 2);
	card->in_stock = sqlite3_column_int64(stmt, 3) > 0;
	if (copy_text(&card->name, stmt, 1) != ES_OK)
		return es_error_set(err, ES_ENOMEM,
				    "out of memory reading product %" PRId64,
				    card->id);
	return ES_OK;
}

int es_query_product_card(struct es_product_card *out,
			  struct es_query_handler *qh, int64_t product_id,
			  struct es_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	assert(out != NULL && qh != NULL);
	stmt = qh->stmt[ST_CARD];
	rc = find_product(stmt, product_id, err);
	if (rc == ES_OK)
		rc = read_card(out, stmt, err);
	sqlite3_reset(stmt);
	return rc;
}

/* Append the current row (id, name, price, stock, supplier_name). */
static int append_summary(struct es_product_list *list, size_t *capacity,
			  sqlite3_stmt *stmt)
{
	struct es_product_summary *s;

	if (list->count == *capacity) {
		size_t grown = *capacity == 0 ? 8 : *capacity * 2;
		void *items = realloc(list->items, grown * sizeof(*s));

		if (items == NULL)
			return ES_ENOMEM;
		list->items = items;
		*capacity = grown;
	}
	s = &list->items[list->count];
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(stmt, 0);
	s->price = sqlite3_column_double(stmt, 2);
	s->stock = sqlite3_column_int64(stmt, 3);
	if (copy_text(&s->name, stmt, 1) != ES_OK ||
	    copy_text(&s->supplier_name, stmt, 4) != ES_OK) {
		free(s->name);
		return ES_ENOMEM;
	}
	list->count++;
	return ES_OK;
}

/*
 * Step `stmt` (bound already) to the end, collecting every row into
 * `*out`, then reset it. On failure `*out` is empty.
 */
static int read_list(struct es_product_list *out, sqlite3_stmt *stmt,
		     struct es_error *err)
{
	size_t capacity = 0;
	int rc = ES_OK;
	int step;

	memset(out, 0, sizeof(*out));
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		rc = append_summary(out, &capacity, stmt);
		if (rc != ES_OK) {
			rc = es_error_set(err, rc,
					  "out of memory listing products");
			break;
		}
	}
	if (rc == ES_OK && step != SQLITE_DONE)
		rc = es_sql_error(sqlite3_db_handle(stmt), err);
	sqlite3_reset(stmt);
	if (rc != ES_OK)
		es_product_list_dispose(out);
	return rc;
}

int es_query_list_products(struct es_product_list *out,
			   struct es_query_handler *qh, struct es_error *err)
{
	assert(out != NULL && qh != NULL);
	return read_list(out, qh->stmt[ST_LIST], err);
}

int es_query_search_products(struct es_product_list *out,
			     struct es_query_handler *qh, const char *text,
			     struct es_error *err)
{
	assert(out != NULL && qh != NULL && text != NULL);
	/* SQLITE_TRANSIENT: SQLite keeps its own copy of the text. */
	if (sqlite3_bind_text(qh->stmt[ST_SEARCH], 1, text, -1,
			      SQLITE_TRANSIENT) != SQLITE_OK)
		return es_sql_error(qh->db, err);
	return read_list(out, qh->stmt[ST_SEARCH], err);
}
