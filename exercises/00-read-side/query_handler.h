/*
 * query_handler.h - answers queries from the read database.
 *
 * The query handler only ever reads. It prepares its statements once, when
 * it is opened, and reuses them for every query.
 *
 *     struct es_query_handler *qh;
 *     struct es_product_detail d;
 *     if (es_query_handler_open(&qh, read_db, &err) == ES_OK &&
 *         es_query_product_detail(&d, qh, 7, &err) == ES_OK) {
 *             printf("%s costs %.2f\n", d.name, d.price);
 *             es_product_detail_dispose(&d);
 *     }
 *     es_query_handler_close(qh);
 */
#ifndef ES_QUERY_HANDLER_H
#define ES_QUERY_HANDLER_H

#include <sqlite3.h>
#include <stdint.h>

#include "es_error.h"
#include "queries.h"

struct es_query_handler;

/*
 * Prepare the handler's statements on `read_db`, which is borrowed: it
 * must stay open until es_query_handler_close(). On success `*out` is set.
 * Returns ES_OK, ES_ENOMEM, or ES_EDB (for example when the view tables are
 * missing).
 */
int es_query_handler_open(struct es_query_handler **out, sqlite3 *read_db,
			  struct es_error *err);

/* Finalize the statements and free the handler; NULL is ignored. */
void es_query_handler_close(struct es_query_handler *qh);

/*
 * GetProductDetail: fill `*out` from product_detail_view. Returns ES_OK,
 * ES_ENOTFOUND ("Product <id> not found"), ES_ENOMEM or ES_EDB (a
 * created_at or updated_at too long for a timestamp is "product <id>:
 * <column> is not a timestamp"). On success the caller disposes `*out`
 * with es_product_detail_dispose().
 */
int es_query_product_detail(struct es_product_detail *out,
			    struct es_query_handler *qh, int64_t product_id,
			    struct es_error *err);

/* GetProductCard: like es_query_product_detail, from product_list_view. */
int es_query_product_card(struct es_product_card *out,
			  struct es_query_handler *qh, int64_t product_id,
			  struct es_error *err);

/*
 * ListProducts: every product in product_list_view, in order of id. An
 * empty catalog is an empty list, not an error. Dispose `*out` with
 * es_product_list_dispose().
 */
int es_query_list_products(struct es_product_list *out,
			   struct es_query_handler *qh, struct es_error *err);

/*
 * SearchProducts: the products whose name contains `text`, ignoring ASCII
 * case, in order of id. The text is matched literally: '%' and '_' are not
 * wildcards. An empty text matches every product.
 */
int es_query_search_products(struct es_product_list *out,
			     struct es_query_handler *qh, const char *text,
			     struct es_error *err);

#endif /* ES_QUERY_HANDLER_H */
