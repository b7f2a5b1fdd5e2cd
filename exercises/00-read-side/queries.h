/*
 * queries.h - the questions the read side answers, and the DTOs it answers
 * with.
 *
 * A DTO (data transfer object) is a plain struct shaped for one screen of
 * the application, filled from one view table. DTOs are the read side's
 * output; they are never written back and carry no behaviour.
 *
 *   GetProductDetail(id)  -> struct es_product_detail   (product_detail_view)
 *   GetProductCard(id)    -> struct es_product_card     (product_list_view)
 *   ListProducts()        -> struct es_product_list     (product_list_view)
 *   SearchProducts(text)  -> struct es_product_list     (product_list_view)
 *
 * Strings in a DTO are owned by the DTO and freed by its dispose function.
 */
#ifndef ES_QUERIES_H
#define ES_QUERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_error.h"
#include "es_time.h" /* ES_TIMESTAMP_SIZE */

/* The product page: everything the detail view holds. */
struct es_product_detail {
	int64_t id;
	char *name;
	char *description; /* NULL when the product has none */
	double price;
	int64_t stock;
	int64_t view_count;
	char *supplier_name;
	char created_at[ES_TIMESTAMP_SIZE];
	char updated_at[ES_TIMESTAMP_SIZE];
};

/* A product tile in a grid: just enough to show and link to it. */
struct es_product_card {
	int64_t id;
	char *name;
	double price;
	bool in_stock; /* stock > 0 */
};

/* A row of a product listing. */
struct es_product_summary {
	int64_t id;
	char *name;
	double price;
	int64_t stock;
	char *supplier_name;
};

/* A listing: `count` summaries in order of id. */
struct es_product_list {
	struct es_product_summary *items;
	size_t count;
};

/* Free what the DTO owns and zero it; NULL is ignored. Can't fail. */
void es_product_detail_dispose(struct es_product_detail *detail);
void es_product_card_dispose(struct es_product_card *card);
void es_product_list_dispose(struct es_product_list *list);

/*
 * Render a DTO as one line of JSON (no trailing newline), with the struct's
 * field names as keys and null for a missing description. On success `*out`
 * is a string the caller frees with free(). Returns ES_OK or ES_ENOMEM.
 */
int es_product_detail_to_json(char **out, const struct es_product_detail *d,
			      struct es_error *err);
int es_product_card_to_json(char **out, const struct es_product_card *card,
			    struct es_error *err);
int es_product_list_to_json(char **out, const struct es_product_list *list,
			    struct es_error *err);

#endif /* ES_QUERIES_H */
