/*
 * test_aggregate.c - step 3: the Product aggregate, rebuilt by replaying
 * its events.
 *
 * Events are built with step 1's constructors and kept in `events`, which
 * the teardown disposes, so a test that stops at a failed assertion leaks
 * nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "events.h"
#include "fixtures.h"
#include "harness.h"

#define EVENT_MAX 32

static struct es_event events[EVENT_MAX];
static struct es_product product;
static struct es_product other;

static void setup(void)
{
	memset(events, 0, sizeof(events));
	es_product_init(&product);
	es_product_init(&other);
}

static void teardown(void)
{
	for (size_t i = 0; i < EVENT_MAX; i++)
		es_event_dispose(&events[i]);
	es_product_dispose(&product);
	es_product_dispose(&other);
}

/*
 * ProductCreated for `product_id`, stamped with the fixed clock's `n`-th:
 * Widget Pro's price 29.99, cost 12.0 and stock 100 (fixtures.h), named
 * `name`, sold by "Supplier of NAME".
 */
static void make_created(struct es_event *ev, int64_t product_id,
			 const char *name, const char *description, int n)
{
	char buf[64];
	char at[ES_TIMESTAMP_SIZE];
	struct es_error err = {0, ""};
	struct es_product_created fields = es_test_widget_fields();

	snprintf(buf, sizeof(buf), "Supplier of %s", name);
	fields.name = (char *)name;
	fields.supplier_name = buf;
	fields.description = (char *)description;
	es_test_timestamp(at, n);
	ES_ASSERT_OK(
		es_event_product_created(ev, product_id, &fields, at, &err),
		&err);
}
#define make_created(ev, product_id, name, description, n)                     \
	ES_CALLED(make_created(ev, product_id, name, description, n))

static int str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* The name of the first field where `a` and `b` differ, or NULL. */
static const char *first_difference(const struct es_product *a,
				    const struct es_product *b)
{
	if (a->id != b->id)
		return "id";
	if (str_differs(a->name, b->name))
		return "name";
	if (str_differs(a->description, b->description))
		return "description";
	if (a->price != b->price)
		return "price";
	if (a->cost_price != b->cost_price)
		return "cost_price";
	if (a->supplier_id != b->supplier_id)
		return "supplier_id";
	if (str_differs(a->supplier_name, b->supplier_name))
		return "supplier_name";
	if (a->stock != b->stock)
		return "stock";
	if (a->view_count != b->view_count)
		return "view_count";
	if (a->version != b->version)
		return "version";
	return NULL;
}

static void assert_empty(const struct es_product *p)
{
	ES_ASSERT_INT_EQ(p->id, 0);
	ES_ASSERT_STR_EQ(p->name, NULL);
	ES_ASSERT_STR_EQ(p->description, NULL);
	ES_ASSERT_DOUBLE_EQ(p->price, 0.0);
	ES_ASSERT_DOUBLE_EQ(p->cost_price, 0.0);
	ES_ASSERT_INT_EQ(p->supplier_id, 0);
	ES_ASSERT_STR_EQ(p->supplier_name, NULL);
	ES_ASSERT_INT_EQ(p->stock, 0);
	ES_ASSERT_INT_EQ(p->view_count, 0);
	ES_ASSERT_INT_EQ(p->version, 0);
	ES_ASSERT_TRUE(!es_product_exists(p));
}
#define assert_empty(p) ES_CALLED(assert_empty(p))

static void test_init_gives_an_empty_product(void)
{
	struct es_product p;

	memset(&p, 0xa5, sizeof(p)); /* init must not rely on zeroed memory */
	es_product_init(&p);
	assert_empty(&p);
}

static void test_created_sets_every_field(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 7, "Widget Pro", "A fine widget", 0);
	ES_ASSERT_OK(es_product_apply(&product, &events[0], &err), &err);
	es_event_dispose(&events[0]); /* the product keeps its own copies */
	ES_ASSERT_TRUE(es_product_exists(&product));
	ES_ASSERT_INT_EQ(product.id, 7);
	ES_ASSERT_STR_EQ(product.name, "Widget Pro");
	ES_ASSERT_STR_EQ(product.description, "A fine widget");
	ES_ASSERT_DOUBLE_EQ(product.price, 29.99);
	ES_ASSERT_DOUBLE_EQ(product.cost_price, 12.0);
	ES_ASSERT_INT_EQ(product.supplier_id, 1);
	ES_ASSERT_STR_EQ(product.supplier_name, "Supplier of Widget Pro");
	ES_ASSERT_INT_EQ(product.stock, 100);
	ES_ASSERT_INT_EQ(product.view_count, 0);
	ES_ASSERT_INT_EQ(product.version, 1);
}

static void test_created_without_description(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 7, "Widget Pro", NULL, 0);
	ES_ASSERT_OK(es_product_apply(&product, &events[0], &err), &err);
	ES_ASSERT_TRUE(es_product_exists(&product));
	ES_ASSERT_STR_EQ(product.name, "Widget Pro");
	ES_ASSERT_STR_EQ(product.description, NULL);
}

static void test_created_again_replaces_every_field(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 7, "Widget Pro", "A fine widget", 0);
	make_created(&events[1], 7, "Gadget", NULL, 1);
	ES_ASSERT_OK(es_product_replay(&product, events, 2, &err), &err);
	ES_ASSERT_STR_EQ(product.name, "Gadget");
	ES_ASSERT_STR_EQ(product.description, NULL);
	ES_ASSERT_STR_EQ(product.supplier_name, "Supplier of Gadget");
	ES_ASSERT_INT_EQ(product.version, 2);
}

static void test_stock_updated_sets_the_stock(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 7, "Widget Pro", NULL, 0);
	es_test_stock_updated(&events[1], 7, 40, 1);
	es_test_stock_updated(&events[2], 7, 0, 2);
	ES_ASSERT_OK(es_product_apply(&product, &events[0], &err), &err);
	ES_ASSERT_OK(es_product_apply(&product, &events[1], &err), &err);
	ES_ASSERT_INT_EQ(product.stock, 40);
	ES_ASSERT_OK(es_product_apply(&product, &events[2], &err), &err);
	ES_ASSERT_INT_EQ(product.stock, 0);
	ES_ASSERT_DOUBLE_EQ(product.price, 29.99);
}

static void test_price_changed_sets_the_price(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 7, "Widget Pro", NULL, 0);
	es_test_price_changed(&events[1], 7, 44.99, 1);
	ES_ASSERT_OK(es_product_apply(&product, &events[0], &err), &err);
	ES_ASSERT_OK(es_product_apply(&product, &events[1], &err), &err);
	ES_ASSERT_DOUBLE_EQ(product.price, 44.99);
	ES_ASSERT_DOUBLE_EQ(product.cost_price, 12.0);
	ES_ASSERT_INT_EQ(product.stock, 100);
}

static void test_each_view_adds_one(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 7, "Widget Pro", NULL, 0);
	for (int i = 1; i <= 3; i++)
		es_test_product_viewed(&events[i], 7, i);
	ES_ASSERT_OK(es_product_apply(&product, &events[0], &err), &err);
	for (int i = 1; i <= 3; i++) {
		ES_ASSERT_OK(es_product_apply(&product, &events[i], &err),
			     &err);
		ES_ASSERT_INT_EQ(product.view_count, i);
	}
}

static void test_version_counts_decision_events(void)
{
	/* The version after each event: views leave it as it is. */
	static const int64_t expected[] = {0, 1, 2, 3, 3, 4};
	struct es_error err = {0, ""};

	es_test_product_viewed(&events[0], 7, 0);
	make_created(&events[1], 7, "Widget Pro", NULL, 1);
	es_test_stock_updated(&events[2], 7, 5, 2);
	es_test_price_changed(&events[3], 7, 1.5, 3);
	es_test_product_viewed(&events[4], 7, 4);
	es_test_stock_updated(&events[5], 7, 5,
			      5); /* no change, still an event */
	for (int i = 0; i < 6; i++) {
		ES_ASSERT_OK(es_product_apply(&product, &events[i], &err),
			     &err);
		ES_ASSERT_INT_EQ(product.version, expected[i]);
	}
	ES_ASSERT_INT_EQ(product.view_count, 2);
}

static void test_versioned_event_types(void)
{
	ES_ASSERT_TRUE(es_event_versioned(ES_PRODUCT_CREATED));
	ES_ASSERT_TRUE(es_event_versioned(ES_STOCK_UPDATED));
	ES_ASSERT_TRUE(es_event_versioned(ES_PRICE_CHANGED));
	ES_ASSERT_TRUE(!es_event_versioned(ES_PRODUCT_VIEWED));
}

static void test_replay_equals_applying_one_by_one(void)
{
	struct es_error err = {0, ""};
	const char *field;

	make_created(&events[0], 7, "Widget Pro", "A fine widget", 0);
	es_test_stock_updated(&events[1], 7, 40, 1);
	es_test_product_viewed(&events[2], 7, 2);
	es_test_price_changed(&events[3], 7, 44.99, 3);
	es_test_product_viewed(&events[4], 7, 4);
	es_test_stock_updated(&events[5], 7, 35, 5);
	for (int i = 0; i < 6; i++)
		ES_ASSERT_OK(es_product_apply(&other, &events[i], &err), &err);
	ES_ASSERT_OK(es_product_replay(&product, events, 6, &err), &err);
	ES_ASSERT_INT_EQ(product.version, 4);
	ES_ASSERT_INT_EQ(product.stock, 35);
	ES_ASSERT_INT_EQ(product.view_count, 2);
	ES_ASSERT_DOUBLE_EQ(product.price, 44.99);
	field = first_difference(&product, &other);
	if (field != NULL)
		ES_FAIL("replay and apply differ in field '%s'", field);
}

static void test_replay_of_nothing_changes_nothing(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 7, "Widget Pro", NULL, 0);
	ES_ASSERT_OK(es_product_replay(&product, events, 1, &err), &err);
	ES_ASSERT_OK(es_product_replay(&product, NULL, 0, &err), &err);
	ES_ASSERT_STR_EQ(product.name, "Widget Pro");
	ES_ASSERT_INT_EQ(product.version, 1);
}

/* A small linear congruential generator: the same sequence every run. */
static uint32_t lcg_next(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

/* Fill `events` with `count` random events of product 3; `seed` decides. */
static void make_random_history(uint32_t seed, size_t count)
{
	uint32_t state = seed;
	char name[32];

	for (size_t i = 0; i < count; i++) {
		uint32_t r = lcg_next(&state);
		int n = (int)i;

		switch (r % 4) {
		case 0:
			snprintf(name, sizeof(name), "Item %" PRIu32, r % 100);
			make_created(&events[i], 3, name,
				     r % 3 == 0 ? NULL : "described", n);
			break;
		case 1:
			es_test_stock_updated(&events[i], 3, (int64_t)(r % 500),
					      n);
			break;
		case 2:
			es_test_price_changed(&events[i], 3,
					      (double)(r % 10000) / 100.0, n);
			break;
		default:
			es_test_product_viewed(&events[i], 3, n);
			break;
		}
	}
}
#define make_random_history(seed, count)                                       \
	ES_CALLED(make_random_history(seed, count))

/* The events among the first `count` that are not views. */
static int64_t count_decisions(size_t count)
{
	int64_t n = 0;

	for (size_t i = 0; i < count; i++)
		n += events[i].type != ES_PRODUCT_VIEWED;
	return n;
}

static void test_replay_in_two_parts_equals_replay_in_one(void)
{
	static const uint32_t seeds[] = {1, 2, 3, 42, 1234, 99991};
	const size_t count = 24;
	struct es_error err = {0, ""};

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		make_random_history(seeds[s], count);
		es_product_dispose(&other);
		ES_ASSERT_OK(es_product_replay(&other, events, count, &err),
			     &err);
		ES_ASSERT_INT_EQ(other.version, count_decisions(count));
		for (size_t k = 0; k <= count; k++) {
			const char *field;

			es_product_dispose(&product);
			ES_ASSERT_OK(
				es_product_replay(&product, events, k, &err),
				&err);
			ES_ASSERT_OK(es_product_replay(&product, events + k,
						       count - k, &err),
				     &err);
			field = first_difference(&product, &other);
			if (field != NULL)
				ES_FAIL("seed %" PRIu32 ", split at %zu: "
					"field '%s' differs",
					seeds[s], k, field);
		}
		for (size_t i = 0; i < count; i++)
			es_event_dispose(&events[i]);
	}
}

static void test_views_only_history_does_not_exist(void)
{
	struct es_error err = {0, ""};

	for (int i = 0; i < 3; i++)
		es_test_product_viewed(&events[i], 9, i);
	ES_ASSERT_OK(es_product_replay(&product, events, 3, &err), &err);
	ES_ASSERT_INT_EQ(product.view_count, 3);
	ES_ASSERT_INT_EQ(product.version, 0);
	ES_ASSERT_TRUE(!es_product_exists(&product));
}

static void test_event_of_another_product_is_refused(void)
{
	struct es_error err = {0, ""};
	const char *field;

	make_created(&events[0], 2, "Widget Pro", "A fine widget", 0);
	es_test_stock_updated(&events[1], 3, 40, 1);
	make_created(&events[2], 3, "Gadget", NULL, 2);
	ES_ASSERT_OK(es_product_apply(&product, &events[0], &err), &err);
	ES_ASSERT_OK(es_product_apply(&other, &events[0], &err), &err);
	for (int i = 1; i <= 2; i++) {
		ES_ASSERT_CODE(es_product_apply(&product, &events[i], &err),
			       ES_EINVAL, &err);
		ES_ASSERT_STR_EQ(err.msg,
				 "event for product 3 applied to product 2");
		field = first_difference(&product, &other);
		if (field != NULL)
			ES_FAIL("event %d: refused event changed '%s'", i,
				field);
	}
}

static void test_replay_stops_at_the_first_error(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 2, "Widget Pro", NULL, 0);
	es_test_stock_updated(&events[1], 2, 40, 1);
	es_test_stock_updated(&events[2], 3, 10, 2);
	es_test_stock_updated(&events[3], 2, 20, 3);
	ES_ASSERT_CODE(es_product_replay(&product, events, 4, &err), ES_EINVAL,
		       &err);
	ES_ASSERT_STR_EQ(err.msg, "event for product 3 applied to product 2");
	ES_ASSERT_INT_EQ(product.stock, 40);
	ES_ASSERT_INT_EQ(product.version, 2);
}

static void test_dispose_then_reuse(void)
{
	struct es_error err = {0, ""};

	make_created(&events[0], 2, "Widget Pro", "A fine widget", 0);
	es_test_product_viewed(&events[1], 2, 1);
	make_created(&events[2], 5, "Gadget", NULL, 2);
	ES_ASSERT_OK(es_product_replay(&product, events, 2, &err), &err);
	es_product_dispose(&product);
	assert_empty(&product);
	/* A disposed product is empty again, so another product's log fits. */
	ES_ASSERT_OK(es_product_apply(&product, &events[2], &err), &err);
	ES_ASSERT_INT_EQ(product.id, 5);
	ES_ASSERT_STR_EQ(product.name, "Gadget");
	ES_ASSERT_INT_EQ(product.view_count, 0);
	ES_ASSERT_INT_EQ(product.version, 1);
	es_product_dispose(NULL); /* accepted, like free(NULL) */
}

static CU_TestInfo tests[] = {
	{"init gives an empty product: version 0, not existing",
	 test_init_gives_an_empty_product},
	{"ProductCreated sets every field and copies the strings",
	 test_created_sets_every_field},
	{"ProductCreated without a description leaves description NULL",
	 test_created_without_description},
	{"a second ProductCreated replaces every field",
	 test_created_again_replaces_every_field},
	{"StockUpdated sets the stock and nothing else",
	 test_stock_updated_sets_the_stock},
	{"PriceChanged sets the price and nothing else",
	 test_price_changed_sets_the_price},
	{"each ProductViewed adds one to the view count",
	 test_each_view_adds_one},
	{"version counts the events decisions read, not views",
	 test_version_counts_decision_events},
	{"created, stock and price events are versioned; views are not",
	 test_versioned_event_types},
	{"replay gives the same product as applying one by one",
	 test_replay_equals_applying_one_by_one},
	{"replay of no events leaves the product as it was",
	 test_replay_of_nothing_changes_nothing},
	{"replaying a prefix then the rest equals replaying everything",
	 test_replay_in_two_parts_equals_replay_in_one},
	{"a product whose log holds only views does not exist",
	 test_views_only_history_does_not_exist},
	{"an event of another product is refused and changes nothing",
	 test_event_of_another_product_is_refused},
	{"replay stops at the first error and keeps the events before it",
	 test_replay_stops_at_the_first_error},
	{"dispose empties the product, which can then be reused",
	 test_dispose_then_reuse},
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo es_suites[] = {
	{"step 3: aggregate", NULL, NULL, setup, teardown, tests},
	CU_SUITE_INFO_NULL,
};

const char *es_suite_guide = "docs/03-aggregate.md";
