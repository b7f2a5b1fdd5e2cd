/*
 * test_catalog_model.c - `catalog apply` against a model of the catalog.
 *
 * The biggest tests feed thousands of pseudo-random commands, good and
 * bad, and check every answer, every stored event and every view row
 * against a small model of the catalog's rules written here on its own.
 * ES_CATALOG_LINES sets the lines per seed (default 1500); the valgrind
 * run sets it lower, since catalog then runs under valgrind too. Random
 * bytes, cut commands and very long lines are answered too.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "test_catalog.h"

#define DEFAULT_LINES 1500

/* ---- checks on text ------------------------------------------------------ */

/* The length of the UTF-8 sequence a lead byte starts, or 0. */
static int utf8_lead(unsigned char c, uint32_t *bits)
{
	if (c < 0x80) {
		*bits = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		*bits = c & 0x1fu;
		return 2;
	}
	if ((c & 0xf0) == 0xe0) {
		*bits = c & 0x0fu;
		return 3;
	}
	*bits = c & 0x07u;
	return (c & 0xf8) == 0xf0 ? 4 : 0;
}

static bool utf8_valid(const char *s)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		uint32_t cp;
		int n = utf8_lead(*p, &cp);

		if (n == 0)
			return false;
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3fu);
		}
		if (cp < least[n] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n;
	}
	return true;
}

/* 2026-11-27T14:32:05.123456+00:00, or without the fraction. */
static bool is_timestamp(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i])
				    : s[i] != shape[i])
			return false;
	}
	s += i;
	if (*s == '.') {
		for (i = 1; i <= 6; i++) {
			if (!isdigit((unsigned char)s[i]))
				return false;
		}
		s += 7;
	}
	return strcmp(s, "+00:00") == 0;
}

/*
 * A JSON string as Python's json.dumps() writes it (ensure_ascii): the
 * short escapes, \u00XX for other control characters and DEL, \uXXXX in
 * lower case for everything beyond ASCII, surrogate pairs above U+FFFF.
 * `s` must be valid UTF-8.
 */
static void py_quote(struct es_test_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	es_test_buf_str(b, "\"");
	while (*p != '\0') {
		uint32_t cp;
		int n = utf8_lead(*p, &cp);

		if (n == 0)
			ES_FATAL("py_quote: \"%s\" is not UTF-8", s);
		for (int i = 1; i < n; i++)
			cp = cp << 6 | (p[i] & 0x3fu);
		p += n;
		if (cp == '"' || cp == '\\')
			es_test_buf_printf(b, "\\%c", (char)cp);
		else if (cp == '\n')
			es_test_buf_str(b, "\\n");
		else if (cp == '\r')
			es_test_buf_str(b, "\\r");
		else if (cp == '\t')
			es_test_buf_str(b, "\\t");
		else if (cp == '\b')
			es_test_buf_str(b, "\\b");
		else if (cp == '\f')
			es_test_buf_str(b, "\\f");
		else if (cp >= 0x20 && cp < 0x7f)
			es_test_buf_printf(b, "%c", (char)cp);
		else if (cp < 0x10000)
			es_test_buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			es_test_buf_printf(
				b, "\\u%04x\\u%04x",
				(unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
				(unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
	}
	es_test_buf_str(b, "\"");
}

/* A JSON string with raw UTF-8: only '"', '\\' and controls escaped. */
static void raw_quote(struct es_test_buf *b, const char *s)
{
	es_test_buf_str(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			es_test_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			es_test_buf_printf(b, "\\u%04x", *p);
		else
			es_test_buf_add(b, p, 1);
	}
	es_test_buf_str(b, "\"");
}

/* A price in cents as Python's repr(float) writes it: 19.9, 30.0. */
static void py_money(struct es_test_buf *b, long long cents)
{
	long long frac = cents % 100;

	if (frac == 0)
		es_test_buf_printf(b, "%lld.0", cents / 100);
	else if (frac % 10 == 0)
		es_test_buf_printf(b, "%lld.%lld", cents / 100, frac / 10);
	else
		es_test_buf_printf(b, "%lld.%02lld", cents / 100, frac);
}

/* A price in cents as a command may give it: 12.50, -3.00, or 12. */
static void input_money(struct es_test_buf *b, long long cents, bool as_int)
{
	long long a = cents < 0 ? -cents : cents;
	const char *sign = cents < 0 ? "-" : "";

	if (as_int && a % 100 == 0)
		es_test_buf_printf(b, "%s%lld", sign, a / 100);
	else
		es_test_buf_printf(b, "%s%lld.%02lld", sign, a / 100, a % 100);
}

/* ---- a model of the catalog ---------------------------------------------- */

/*
 * What the catalog should do with a stream of commands, written from the
 * design, not from the code: product ids come from a registry that only a
 * successful create advances, so "not found" means an id no create has
 * returned yet, and it is checked before any value; a view too is only
 * recorded for a product that exists.
 */
struct m_product {
	const char *name;
	const char *supplier_name;
	const char *description; /* NULL for none */
	long long price;	 /* cents */
	long long stock;
	long long views; /* as product_detail_view counts them */
	size_t created;	 /* index of its ProductCreated */
	size_t updated;	 /* index of its last stock or price change */
};

/* An accepted event: its data is head + occurred_at + tail. */
struct m_event {
	const char *type;
	long long product_id;
	const char *head;
	const char *tail;
};

struct model {
	struct m_product *products; /* products[id - 1] */
	size_t nproducts;
	struct m_event *events;
	size_t nevents;
	uint64_t rng;
	unsigned serial; /* makes names distinct */
};

static uint32_t rnd(struct model *m, uint32_t n)
{
	m->rng = m->rng * UINT64_C(6364136223846793005) +
		 UINT64_C(1442695040888963407);
	return (uint32_t)(m->rng >> 33) % n;
}

static struct expect ok_line(long long product_id)
{
	struct expect ex = {EXPECT_LINE, "{\"ok\":true}"};

	if (product_id != 0)
		ex.text = es_test_format("{\"ok\":true,\"product_id\":%lld}",
					 product_id);
	return ex;
}

/* The messages here hold no '"' or '\\', so the line needs no escaping. */
static struct expect refused(const char *msg)
{
	struct expect ex = {EXPECT_LINE, NULL};

	ex.text = es_test_format("{\"ok\":false,\"error\":\"%s\"}", msg);
	return ex;
}

static struct expect error_like(enum expect_kind kind, const char *text)
{
	struct expect ex = {kind, text};

	return ex;
}

static void add_event(struct model *m, const char *type, long long id,
		      struct es_test_buf *head, const char *tail)
{
	struct m_event *ev = &m->events[m->nevents++];

	ev->type = type;
	ev->product_id = id;
	ev->head = es_test_buf_own(head);
	ev->tail = tail;
}

static bool known(const struct model *m, long long id)
{
	return id >= 1 && (size_t)id <= m->nproducts;
}

static const char *const names[] = {
	"Widget Pro",
	"Gadget Plus",
	"Crème brûlée",
	"日本茶",
	"Party 🎉 Pack",
	"Say \"cheese\"",
	"Back\\slash",
	"Tab\there",
	"Ελληνικό τυρί",
	"  padded  ",
	"x",
	"Ω≈ç√∫ 𝄞",
};
static const char *const suppliers[] = {
	"Acme Corp",
	"Pâtisserie Dupont",
	"茶屋 Ochaya",
	"O'Brien & Sons",
};
static const char *const descriptions[] = {
	"Best seller",
	"Line one\nline two",
	"Ünïcödé ✓ \x7f",
	"\"quoted\" and \\ back",
	"",
};

/* The fields of a CreateProduct line, good or bad. */
struct create {
	const char *name;
	long long price;
	long long cost;
	long long supplier_id;
	const char *supplier_name;
	long long stock;
	int description_mode; /* 0 null, 1 absent, 2 a string */
	const char *description;
	bool int_prices; /* write whole prices as JSON integers */
	bool raw_utf8;	 /* strings with raw UTF-8, not \u escapes */
};

static void random_create(struct model *m, struct create *c)
{
	c->name = es_test_format("%s #%u", names[rnd(m, COUNT(names))],
				 ++m->serial);
	c->price = rnd(m, 5) == 0 ? 100 * (1 + (long long)rnd(m, 300))
				  : 1 + (long long)rnd(m, 500000);
	c->cost = (long long)rnd(m, (uint32_t)c->price + 1);
	c->supplier_id = 1 + (long long)rnd(m, 50);
	c->supplier_name = suppliers[rnd(m, COUNT(suppliers))];
	c->stock = (long long)rnd(m, 1000);
	c->description_mode = (int)rnd(m, 3);
	c->description = descriptions[rnd(m, COUNT(descriptions))];
	c->int_prices = rnd(m, 2) == 0;
	c->raw_utf8 = rnd(m, 2) == 0;
}

static void quote(struct es_test_buf *b, const char *s, bool raw)
{
	if (raw)
		raw_quote(b, s);
	else
		py_quote(b, s);
}

static void create_line(struct es_test_buf *line, const struct create *c)
{
	es_test_buf_str(line, "{\"type\":\"CreateProduct\",\"name\":");
	quote(line, c->name, c->raw_utf8);
	es_test_buf_str(line, ",\"price\":");
	input_money(line, c->price, c->int_prices);
	es_test_buf_str(line, ",\"cost_price\":");
	input_money(line, c->cost, c->int_prices);
	es_test_buf_printf(line, ",\"supplier_id\":%lld,\"supplier_name\":",
			   c->supplier_id);
	quote(line, c->supplier_name, c->raw_utf8);
	es_test_buf_printf(line, ",\"stock\":%lld", c->stock);
	if (c->description_mode == 0)
		es_test_buf_str(line, ",\"description\":null");
	if (c->description_mode == 2) {
		es_test_buf_str(line, ",\"description\":");
		quote(line, c->description, c->raw_utf8);
	}
}

/* The model accepts the create `c`, which is valid. */
static struct expect accept_create(struct model *m, const struct create *c)
{
	struct m_product *p = &m->products[m->nproducts++];
	long long id = (long long)m->nproducts;
	struct es_test_buf head = {0};
	struct es_test_buf tail = {0};

	p->name = c->name;
	p->supplier_name = c->supplier_name;
	p->description = c->description_mode == 2 ? c->description : NULL;
	p->price = c->price;
	p->stock = c->stock;
	p->views = 0;
	p->created = p->updated = m->nevents;
	es_test_buf_printf(&head, "{\"product_id\": %lld, \"name\": ", id);
	py_quote(&head, c->name);
	es_test_buf_str(&head, ", \"price\": ");
	py_money(&head, c->price);
	es_test_buf_str(&head, ", \"cost_price\": ");
	py_money(&head, c->cost);
	es_test_buf_printf(
		&head,
		", \"supplier_id\": %lld, \"supplier_name\": ", c->supplier_id);
	py_quote(&head, c->supplier_name);
	es_test_buf_printf(&head, ", \"stock\": %lld, \"occurred_at\": \"",
			   c->stock);
	es_test_buf_str(&tail, "\", \"description\": ");
	if (p->description != NULL)
		py_quote(&tail, p->description);
	else
		es_test_buf_str(&tail, "null");
	es_test_buf_str(&tail, "}");
	add_event(m, "ProductCreated", id, &head, es_test_buf_own(&tail));
	return ok_line(id);
}

static struct expect gen_create(struct model *m, struct es_test_buf *line)
{
	struct create c;

	random_create(m, &c);
	create_line(line, &c);
	es_test_buf_str(line, "}");
	return accept_create(m, &c);
}

/* A create that breaks exactly one rule. */
static struct expect gen_bad_create(struct model *m, struct es_test_buf *line)
{
	static const char *const messages[] = {
		"Name cannot be empty",		 "Name cannot be empty",
		"Price must be positive",	 "Price must be positive",
		"Cost price cannot be negative", "Stock cannot be negative",
		"Supplier name cannot be empty",
	};
	uint32_t rule = rnd(m, COUNT(messages));
	struct create c;

	random_create(m, &c);
	if (rule == 0)
		c.name = "";
	if (rule == 1)
		c.name = " \t  ";
	if (rule == 2)
		c.price = 0;
	if (rule == 3)
		c.price = -1 - (long long)rnd(m, 5000);
	if (rule == 4)
		c.cost = -1 - (long long)rnd(m, 5000);
	if (rule == 5)
		c.stock = -1 - (long long)rnd(m, 50);
	if (rule == 6)
		c.supplier_name = "";
	create_line(line, &c);
	es_test_buf_str(line, "}");
	return refused(messages[rule]);
}

/* An id that exists most of the time, sometimes one that does not. */
static long long pick_id(struct model *m)
{
	uint32_t r = rnd(m, 100);

	if (r < 70 && m->nproducts > 0)
		return 1 + (long long)rnd(m, (uint32_t)m->nproducts);
	if (r < 95)
		return (long long)m->nproducts + 1 + (long long)rnd(m, 3);
	return r < 97 ? 0 : -1 - (long long)rnd(m, 100);
}

static struct expect gen_update_stock(struct model *m, struct es_test_buf *line)
{
	long long id = pick_id(m);
	long long stock = rnd(m, 7) == 0 ? -1 - (long long)rnd(m, 500)
					 : (long long)rnd(m, 1000);
	struct es_test_buf head = {0};

	es_test_buf_printf(line,
			   "{\"type\":\"UpdateStock\",\"product_id\":%lld,"
			   "\"new_stock\":%lld}",
			   id, stock);
	if (!known(m, id))
		return refused(es_test_format("Product %lld not found", id));
	if (stock < 0)
		return refused("Stock cannot be negative");
	m->products[id - 1].stock = stock;
	m->products[id - 1].updated = m->nevents;
	es_test_buf_printf(&head,
			   "{\"product_id\": %lld, \"new_stock\": %lld, "
			   "\"occurred_at\": \"",
			   id, stock);
	add_event(m, "StockUpdated", id, &head, "\"}");
	return ok_line(0);
}

static struct expect gen_change_price(struct model *m, struct es_test_buf *line)
{
	long long id = pick_id(m);
	uint32_t r = rnd(m, 100);
	long long price = 1 + (long long)rnd(m, 500000);
	struct es_test_buf head = {0};

	if (r < 5)
		price = 0;
	else if (r < 15)
		price = -1 - (long long)rnd(m, 9999);
	es_test_buf_printf(line,
			   "{\"type\":\"ChangePrice\",\"product_id\":%lld,"
			   "\"new_price\":",
			   id);
	input_money(line, price, rnd(m, 2) == 0);
	es_test_buf_str(line, "}");
	if (!known(m, id))
		return refused(es_test_format("Product %lld not found", id));
	if (price <= 0)
		return refused("Price must be positive");
	m->products[id - 1].price = price;
	m->products[id - 1].updated = m->nevents;
	es_test_buf_printf(&head, "{\"product_id\": %lld, \"new_price\": ", id);
	py_money(&head, price);
	es_test_buf_str(&head, ", \"occurred_at\": \"");
	add_event(m, "PriceChanged", id, &head, "\"}");
	return ok_line(0);
}

static struct expect gen_record_view(struct model *m, struct es_test_buf *line)
{
	long long id = pick_id(m);
	struct es_test_buf head = {0};

	es_test_buf_printf(
		line, "{\"type\":\"RecordProductView\",\"product_id\":%lld}",
		id);
	if (!known(m, id))
		return refused(es_test_format("Product %lld not found", id));
	m->products[id - 1].views++;
	es_test_buf_printf(&head, "{\"product_id\": %lld, \"occurred_at\": \"",
			   id);
	add_event(m, "ProductViewed", id, &head, "\"}");
	return ok_line(0);
}

/* Step 15's CorrectStock: good reasons, blank ones, long ones. */
static const char *const reasons[] = {
	"counted twice",
	"Crème brûlée boxes counted twice",
	"Say \"recount\" \\ again",
	"  padded  ",
	"Line one\nline two",
	"🎉 found behind the shelf",
	"",
	" \t\n ",
};

/*
 * A reason of `chars` characters: of one, two and four bytes mixed, or
 * all of four (200 of them are 800 bytes, the parser's bound).
 */
static const char *long_reason(struct model *m, size_t chars)
{
	static const char *const pieces[] = {"x", "é", "🎉"};
	bool wide = rnd(m, 3) == 0;
	struct es_test_buf b = {0};

	es_test_buf_grow(&b, 0);
	for (size_t i = 0; i < chars; i++)
		es_test_buf_str(&b, wide ? "🎉" : pieces[rnd(m, COUNT(pieces))]);
	return es_test_buf_own(&b);
}

/* Characters of UTF-8: the bytes that are no continuation byte. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static bool is_blank(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!isspace((unsigned char)*s))
			return false;
	}
	return true;
}

/* Is event i of product `id`, and of `type` when it is not NULL? */
static bool event_of(const struct model *m, size_t i, long long id,
		     const char *type)
{
	return m->events[i].product_id == id &&
	       (type == NULL || strcmp(m->events[i].type, type) == 0);
}

/*
 * The event a correction of product `id` cites: most often one of its
 * counts, or another of its events; else any event, one past the log's
 * end, 0 or below.
 */
static long long pick_cited(struct model *m, long long id)
{
	uint32_t r = rnd(m, 100);
	const char *type = r < 55 ? "StockUpdated" : NULL;
	size_t found = 0;

	for (size_t i = 0; r < 70 && i < m->nevents; i++)
		found += event_of(m, i, id, type);
	if (found > 0) {
		size_t k = rnd(m, (uint32_t)found);

		for (size_t i = 0; i < m->nevents; i++) {
			if (event_of(m, i, id, type) && k-- == 0)
				return (long long)i + 1;
		}
	}
	if (r < 85 && m->nevents > 0)
		return 1 + (long long)rnd(m, (uint32_t)m->nevents);
	if (r < 95)
		return (long long)m->nevents + 1 + (long long)rnd(m, 3);
	return r < 97 ? 0 : -1 - (long long)rnd(m, 100);
}

/* The rules of decide.h, in their order; NULL when the line is accepted. */
static const char *correction_refused(const struct model *m, long long id,
				      long long cited, long long stock,
				      const char *reason)
{
	const struct m_event *ev;

	if (!known(m, id))
		return es_test_format("Product %lld not found", id);
	if (cited < 1 || (size_t)cited > m->nevents)
		return es_test_format("Event %lld not found", cited);
	ev = &m->events[cited - 1];
	if (ev->product_id != id)
		return es_test_format("Event %lld is not about product %lld",
				      cited, id);
	if (strcmp(ev->type, "StockUpdated") != 0)
		return es_test_format("Event %lld is a %s, not a StockUpdated",
				      cited, ev->type);
	if (stock < 0)
		return "Stock cannot be negative";
	if (is_blank(reason))
		return "Reason cannot be empty";
	if (utf8_chars(reason) > 200)
		return "Reason cannot be longer than 200 characters";
	return NULL;
}

static struct expect gen_correct_stock(struct model *m,
				       struct es_test_buf *line)
{
	long long id = pick_id(m);
	long long cited = pick_cited(m, id);
	long long stock = rnd(m, 7) == 0 ? -1 - (long long)rnd(m, 500)
					 : (long long)rnd(m, 1000);
	const char *reason = rnd(m, 6) == 0 ? long_reason(m, 199 + rnd(m, 4))
					    : reasons[rnd(m, COUNT(reasons))];
	struct es_test_buf head = {0};
	const char *why;

	es_test_buf_printf(line,
			   "{\"type\":\"CorrectStock\",\"product_id\":%lld,"
			   "\"corrects_event_id\":%lld,\"new_stock\":%lld,"
			   "\"reason\":",
			   id, cited, stock);
	quote(line, reason, rnd(m, 2) == 0);
	es_test_buf_str(line, "}");
	/* The parser bounds the bytes before any rule is checked. */
	if (strlen(reason) > 800)
		return refused("CorrectStock: field 'reason' is longer than "
			       "800 bytes");
	why = correction_refused(m, id, cited, stock, reason);
	if (why != NULL)
		return refused(why);
	m->products[id - 1].stock = stock;
	m->products[id - 1].updated = m->nevents;
	es_test_buf_printf(
		&head,
		"{\"product_id\": %lld, \"corrects_event_id\": %lld, "
		"\"new_stock\": %lld, \"reason\": ",
		id, cited, stock);
	py_quote(&head, reason);
	es_test_buf_str(&head, ", \"occurred_at\": \"");
	add_event(m, "StockCorrected", id, &head, "\"}");
	return ok_line(0);
}

/*
 * Bytes 1..255 but '\n', with a NUL now and then. White space alone is a
 * blank line, whether or not a '\r' before the newline is stripped.
 */
static struct expect gen_random_bytes(struct model *m, struct es_test_buf *line)
{
	size_t len = 1 + rnd(m, 60);
	bool nul = false;
	bool blank = true;

	for (size_t i = 0; i < len; i++) {
		char c = (char)(1 + rnd(m, 255));

		if (c == '\n')
			c = ' ';
		if (rnd(m, 80) == 0) {
			c = '\0';
			nul = true;
		}
		blank = blank && isspace((unsigned char)c);
		es_test_buf_add(line, &c, 1);
	}
	if (nul)
		return refused("line contains a NUL byte");
	if (blank)
		return refused("empty line");
	return error_like(EXPECT_PREFIX, "");
}

/*
 * A command type of 150 "é": quoted in the error, it is cut at 255 bytes,
 * in the middle of a character, which the answer must not show.
 */
#define E_ACUTE_10                                                             \
	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"             \
	"\xc3\xa9\xc3\xa9\xc3\xa9"
#define E_ACUTE_50 E_ACUTE_10 E_ACUTE_10 E_ACUTE_10 E_ACUTE_10 E_ACUTE_10
static const char long_type[] =
	"{\"type\":\"" E_ACUTE_50 E_ACUTE_50 E_ACUTE_50 "\"}";

/* A line that is not a valid command, and what the answer says. */
static struct expect gen_bad_line(struct model *m, struct es_test_buf *line)
{
	static const struct {
		const char *line;
		enum expect_kind kind;
		const char *expect;
	} fixed[] = {
		{"{\"type\":\"ChangePrice\",\"product_id\":1,"
		 "\"new_price\":\"9.99\"}",
		 EXPECT_LINE,
		 "ChangePrice: field 'new_price' must be a number"},
		{"{\"type\":\"UpdateStock\",\"product_id\":\"1\","
		 "\"new_stock\":5}",
		 EXPECT_CONTAINS, "'product_id'"},
		{"{\"type\":\"CreateProduct\",\"name\":42,\"price\":1,"
		 "\"cost_price\":1,\"supplier_id\":1,\"supplier_name\":\"A\","
		 "\"stock\":1}",
		 EXPECT_CONTAINS, "'name'"},
		{"{\"type\":\"DeleteProduct\",\"product_id\":1}", EXPECT_LINE,
		 "unknown command type 'DeleteProduct'"},
		/* The type is a string field like any other: UTF-8 first. */
		{"{\"type\":\"Foo\xff\xfe\"}", EXPECT_LINE,
		 "field 'type' is not valid UTF-8"},
		{long_type, EXPECT_PREFIX, "unknown command type '\xc3\xa9"},
		{"{\"type\":\"updatestock\",\"product_id\":1,\"new_stock\":1}",
		 EXPECT_LINE, "unknown command type 'updatestock'"},
		{"{\"type\":\"UpdateStock\",\"product_id\":1}", EXPECT_LINE,
		 "UpdateStock: missing field 'new_stock'"},
		{"{\"type\":\"UpdateStock\",\"product_id\":1,"
		 "\"new_stock\":1e20}",
		 EXPECT_CONTAINS, "'new_stock'"},
		{"{\"type\":\"UpdateStock\",\"product_id\":1,"
		 "\"new_stock\":9007199254740993}",
		 EXPECT_CONTAINS, "'new_stock'"},
		{"{\"type\":\"UpdateStock\",\"product_id\":1,"
		 "\"new_stock\":2.5}",
		 EXPECT_CONTAINS, "'new_stock'"},
		{"{\"type\":\"ChangePrice\",\"product_id\":1,"
		 "\"new_price\":1e400}",
		 EXPECT_CONTAINS, "'new_price'"},
		{"{\"type\":\"RecordProductView\",\"product_id\":-1e300}",
		 EXPECT_CONTAINS, "'product_id'"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"product_id\":2}",
		 EXPECT_CONTAINS, "'product_id'"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1,"
		 "\"colour\":\"red\"}",
		 EXPECT_LINE, "RecordProductView: unknown field 'colour'"},
		{"{\"product_id\":1}", EXPECT_CONTAINS, "'type'"},
		{"{\"type\":7,\"product_id\":1}", EXPECT_CONTAINS, "'type'"},
		{"{\"type\":\"CreateProduct\",\"name\":\"\xff\xfe\","
		 "\"price\":1,\"cost_price\":1,\"supplier_id\":1,"
		 "\"supplier_name\":\"A\",\"stock\":1}",
		 EXPECT_CONTAINS, "'name'"},
		{"{\"type\":\"RecordProductView\",\"product_id\":1} x",
		 EXPECT_PREFIX, "not valid JSON near character "},
		{"[1,2]", EXPECT_PREFIX, ""},
		{"42", EXPECT_PREFIX, ""},
		{"null", EXPECT_PREFIX, ""},
		{"\"CreateProduct\"", EXPECT_PREFIX, ""},
		{"", EXPECT_LINE, "empty line"},
		{" \t ", EXPECT_LINE, "empty line"},
		{"\r", EXPECT_LINE, "empty line"},
	};
	uint32_t kind = rnd(m, COUNT(fixed) + 4);
	struct create c;

	if (kind < COUNT(fixed)) {
		es_test_buf_str(line, fixed[kind].line);
		if (fixed[kind].kind == EXPECT_LINE)
			return refused(fixed[kind].expect);
		return error_like(fixed[kind].kind, fixed[kind].expect);
	}
	if (kind == COUNT(fixed))
		return gen_random_bytes(m, line);
	random_create(m, &c);
	create_line(line, &c);
	if (kind == COUNT(fixed) + 1) {
		es_test_buf_str(line, ",\"colour\":\"red\"}");
		return refused("CreateProduct: unknown field 'colour'");
	}
	/* A valid create, cut short. */
	line->len = 1 + rnd(m, (uint32_t)line->len - 1);
	line->s[line->len] = '\0';
	return error_like(EXPECT_PREFIX, "not valid JSON near character ");
}

/* One input line, ended with "\n" (now and then "\r\n"). */
static struct expect gen_line(struct model *m, struct es_test_buf *line)
{
	uint32_t r = rnd(m, 100);
	struct expect ex;

	if (r < 20)
		ex = gen_create(m, line);
	else if (r < 26)
		ex = gen_bad_create(m, line);
	else if (r < 42)
		ex = gen_update_stock(m, line);
	else if (r < 56)
		ex = gen_change_price(m, line);
	else if (r < 72)
		ex = gen_record_view(m, line);
	else if (r < 80)
		ex = gen_correct_stock(m, line);
	else
		ex = gen_bad_line(m, line);
	es_test_buf_str(line, rnd(m, 10) == 0 ? "\r\n" : "\n");
	return ex;
}

/* ---- checking a run against the model ------------------------------------ */

static size_t lines_per_seed(void)
{
	const char *env = getenv("ES_CATALOG_LINES");
	long n = env != NULL ? strtol(env, NULL, 10) : 0;

	return n > 0 && n <= 100000 ? (size_t)n : DEFAULT_LINES;
}

void check_answer(size_t no, const char *input, const char *line,
		  const struct expect *ex)
{
	const cJSON *ok;
	const cJSON *error;
	char *again;
	cJSON *root;
	bool shape;
	bool matches;
	bool canonical;

	if (!utf8_valid(line))
		ES_FATAL("answer %zu is not valid UTF-8: %.200s", no, line);
	if (ex->kind == EXPECT_LINE) {
		if (strcmp(line, ex->text) != 0)
			ES_FATAL("answer %zu is %.300s, expected %.300s\n      "
				 "to the line: %.200s",
				 no, line, ex->text, input);
		return;
	}
	root = cJSON_Parse(line);
	ok = root != NULL ? root->child : NULL;
	error = ok != NULL ? ok->next : NULL;
	shape = error != NULL && error->next == NULL &&
		strcmp(ok->string, "ok") == 0 && cJSON_IsFalse(ok) &&
		strcmp(error->string, "error") == 0 && cJSON_IsString(error);
	matches = shape &&
		  (ex->kind == EXPECT_PREFIX
			   ? strncmp(error->valuestring, ex->text,
				     strlen(ex->text)) == 0
			   : strstr(error->valuestring, ex->text) != NULL);
	again = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
	canonical = again != NULL && strcmp(again, line) == 0;
	cJSON_free(again);
	cJSON_Delete(root);
	if (!shape || !matches || !canonical)
		ES_FATAL("answer %zu is %.300s, expected "
			 "{\"ok\":false,\"error\":"
			 "...} with an error %s \"%s\"\n      to the line: "
			 "%.200s",
			 no, line,
			 ex->kind == EXPECT_PREFIX ? "starting" : "containing",
			 ex->text, input);
}

/*
 * Every stored event is the model's, field for field and byte for byte.
 * Returns the events' timestamps, which only the program knows.
 */
static const char **check_events(const struct model *m)
{
	const char **at = es_test_own(calloc(m->nevents + 1, sizeof(*at)));
	struct es_test_event_row *rows;
	size_t n = es_test_load_events(events_db, &rows);

	ES_ASSERT_INT_EQ(n, m->nevents);
	for (size_t i = 0; i < n; i++) {
		const struct es_test_event_row *r = &rows[i];
		const struct m_event *ev = &m->events[i];
		const char *want = es_test_format("%s%s%s", ev->head,
						  r->occurred_at, ev->tail);
		cJSON *got_json = cJSON_Parse(r->data);
		cJSON *want_json = cJSON_Parse(want);
		bool same = got_json != NULL && want_json != NULL &&
			    cJSON_Compare(got_json, want_json, true);

		cJSON_Delete(got_json);
		cJSON_Delete(want_json);
		if (r->id != (long long)i + 1 ||
		    r->product_id != ev->product_id ||
		    strcmp(r->event_type, ev->type) != 0)
			ES_FATAL("event %zu is (id %lld, product %lld, %s), "
				 "expected (id %zu, product %lld, %s)",
				 i + 1, r->id, r->product_id, r->event_type,
				 i + 1, ev->product_id, ev->type);
		if (!is_timestamp(r->occurred_at))
			ES_FATAL("event %zu: occurred_at \"%s\" is not an ISO "
				 "8601 UTC timestamp",
				 i + 1, r->occurred_at);
		if (!same)
			ES_FATAL("event %zu: data %.400s\n      does not hold "
				 "the "
				 "fields %.400s",
				 i + 1, r->data, want);
		if (strcmp(r->data, want) != 0)
			ES_FATAL("event %zu: data %.400s\n      has the right "
				 "fields, but json.dumps would write %.400s",
				 i + 1, r->data, want);
		at[i] = r->occurred_at;
	}
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db,
				     "SELECT COUNT(*) FROM product_registry"),
		m->nproducts);
	return at;
}

/* The views hold the model's products, and only them. */
static void check_views(const struct model *m, const char **at)
{
	struct es_test_buf detail = {0};
	struct es_test_buf list = {0};

	es_test_buf_grow(&detail, 0);
	es_test_buf_grow(&list, 0);
	for (size_t k = 0; k < m->nproducts; k++) {
		const struct m_product *p = &m->products[k];
		double price = (double)p->price / 100.0;

		es_test_buf_printf(&detail, "%zu|'%s'|", k + 1, p->name);
		if (p->description != NULL)
			es_test_buf_printf(&detail, "'%s'|", p->description);
		else
			es_test_buf_str(&detail, "NULL|");
		es_test_buf_printf(&detail, "r%.17g|%lld|%lld|'%s'|'%s'|'%s'\n",
				   price, p->stock, p->views, p->supplier_name,
				   at[p->created], at[p->updated]);
		es_test_buf_printf(&list, "%zu|'%s'|r%.17g|%lld|'%s'\n", k + 1,
				   p->name, price, p->stock, p->supplier_name);
	}
	es_test_expect_same_rows("product_detail_view",
				 es_test_rows_text(read_db, detail_sql),
				 es_test_buf_own(&detail));
	es_test_expect_same_rows("product_list_view",
				 es_test_rows_text(read_db, list_sql),
				 es_test_buf_own(&list));
}
#define check_views(m, at) ES_CALLED(check_views(m, at))

/*
 * Feed catalog apply the model's lines for `seed` and check everything
 * against the model: each answer, each event, the registry, the views.
 */
static void run_model(uint64_t seed)
{
	size_t n = lines_per_seed();
	struct model m = {.rng = seed};
	struct expect *expects = es_test_own(calloc(n, sizeof(*expects)));
	const char **inputs = es_test_own(calloc(n, sizeof(*inputs)));
	struct es_test_buf input = {0};
	const char *path;
	char **lines;

	use_dir("work");
	m.products = es_test_own(calloc(n + 1, sizeof(*m.products)));
	m.events = es_test_own(calloc(n + 1, sizeof(*m.events)));
	for (size_t i = 0; i < n; i++) {
		struct es_test_buf line = {0};

		expects[i] = gen_line(&m, &line);
		es_test_buf_add(&input, line.s, line.len);
		inputs[i] = es_test_buf_own(&line);
	}
	es_test_buf_own(&input);
	path = es_test_file("commands.jsonl");
	es_test_write_file(path, input.s, input.len);
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	ES_ASSERT_INT_EQ(es_test_out_lines(&lines), n);
	for (size_t i = 0; i < n; i++)
		check_answer(i + 1, inputs[i], lines[i], &expects[i]);
	check_views(&m, check_events(&m));
}
#define run_model(seed) ES_CALLED(run_model(seed))

static void test_apply_seed_1(void)
{
	run_model(UINT64_C(0x5eed0001));
}

static void test_apply_seed_2(void)
{
	run_model(UINT64_C(0x5eed0002));
}

static void test_apply_seed_3(void)
{
	run_model(UINT64_C(0xfeedface5eed0003));
}

static void test_apply_garbage(void)
{
	static const char *const valid[] = {
		"{\"type\":\"CreateProduct\",\"name\":\"Cr\\u00e8me "
		"\\ud83c\\udf89\",\"price\":19.9,\"cost_price\":7.25,"
		"\"supplier_id\":2,\"supplier_name\":\"P\\u00e2tisserie\","
		"\"stock\":12,\"description\":\"a \\\"b\\\"\"}",
		"{\"type\":\"CreateProduct\",\"name\":\"日本茶 🎉\","
		"\"price\":30,\"cost_price\":12,\"supplier_id\":3,"
		"\"supplier_name\":\"茶屋\",\"stock\":0,\"description\":null}",
		"{\"type\":\"UpdateStock\",\"product_id\":1,\"new_stock\":40}",
		"{\"type\":\"ChangePrice\",\"product_id\":1,\"new_price\":1}",
		"{\"type\":\"RecordProductView\",\"product_id\":1}",
	};
	struct model m = {.rng = UINT64_C(0xbad)};
	struct expect *expects;
	struct es_test_buf input = {0};
	size_t count = 0;
	size_t random_lines = 300;
	const char *path;
	char **lines;

	use_dir("work");
	for (size_t i = 0; i < COUNT(valid); i++)
		count += strlen(valid[i]) - 1;
	expects = es_test_own(calloc(count + random_lines, sizeof(*expects)));
	count = 0;
	/* Every valid command, cut short at every byte. */
	for (size_t i = 0; i < COUNT(valid); i++) {
		for (size_t len = 1; len < strlen(valid[i]); len++) {
			es_test_buf_add(&input, valid[i], len);
			es_test_buf_str(&input, "\n");
			expects[count++] =
				error_like(EXPECT_PREFIX,
					   "not valid JSON near character ");
		}
	}
	for (size_t i = 0; i < random_lines; i++) {
		expects[count++] = gen_random_bytes(&m, &input);
		es_test_buf_str(&input, "\n");
	}
	es_test_buf_own(&input);
	path = es_test_file("garbage.txt");
	es_test_write_file(path, input.s, input.len);
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	ES_ASSERT_INT_EQ(es_test_out_lines(&lines), count);
	for (size_t i = 0; i < count; i++)
		check_answer(i + 1, "(garbage)", lines[i], &expects[i]);
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT COUNT(*) FROM events"),
		0);
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db,
				     "SELECT COUNT(*) FROM product_registry"),
		0);
}

/* `line` padded with spaces after its last '}' to `len` bytes, and "\n". */
static void add_padded(struct es_test_buf *input, const char *line, size_t len)
{
	static char spaces[4096];
	size_t left = len - strlen(line);

	memset(spaces, ' ', sizeof(spaces));
	es_test_buf_add(input, line, strlen(line) - 1);
	while (left > 0) {
		size_t n = left < sizeof(spaces) ? left : sizeof(spaces);

		es_test_buf_add(input, spaces, n);
		left -= n;
	}
	es_test_buf_str(input, "}\n");
}

/*
 * Lines up to 1 MiB are read; a longer one (3 MB here) is refused without
 * being stored whole, and the next line is read where it starts.
 */
static void test_apply_long_lines(void)
{
	static const char view[] =
		"{\"type\":\"RecordProductView\",\"product_id\":1}";
	static const char too_long[] =
		"{\"ok\":false,\"error\":\"line is longer than 1048576 "
		"bytes (1 MiB)\"}";
	const struct expect nesting = {EXPECT_PREFIX, "not valid JSON"};
	const size_t mib = (size_t)1024 * 1024;
	const char *path;
	struct es_test_buf input = {0};
	char **lines;

	use_dir("work");
	es_test_buf_str(&input, "{\"type\":\"CreateProduct\",\"name\":\"");
	for (size_t i = 0; i < 100; i++)
		es_test_buf_str(&input, "é");
	es_test_buf_str(&input,
			"\",\"price\":1.5,\"cost_price\":1,\"supplier_id\":1,"
			"\"supplier_name\":\"Acme\",\"stock\":1}\n");
	for (size_t i = 0; i < 300000; i++)
		es_test_buf_str(&input, "[");
	es_test_buf_str(&input, "\n");
	add_padded(&input, view, mib);	   /* 1 MiB: read */
	add_padded(&input, view, mib + 1); /* a byte more: refused */
	add_padded(&input, view, 3 * mib); /* 3 MB: refused */
	add_padded(&input, view, mib - 1); /* and on: read */
	es_test_buf_str(&input, view);	   /* no newline at the end */
	es_test_buf_own(&input);
	path = es_test_file("long.txt");
	es_test_write_file(path, input.s, input.len);
	CATALOG(path, "apply");
	es_test_expect_status(0);
	es_test_expect_quiet_stderr();
	ES_ASSERT_INT_EQ(es_test_out_lines(&lines), 7);
	ES_ASSERT_STR_EQ(lines[0], "{\"ok\":true,\"product_id\":1}");
	check_answer(2, "300000 '['", lines[1], &nesting);
	ES_ASSERT_STR_EQ(lines[2], "{\"ok\":true}");
	ES_ASSERT_STR_EQ(lines[3], too_long);
	ES_ASSERT_STR_EQ(lines[4], too_long);
	ES_ASSERT_STR_EQ(lines[5], "{\"ok\":true}");
	ES_ASSERT_STR_EQ(lines[6], "{\"ok\":true}");
	ES_ASSERT_INT_EQ(
		es_test_db_query_int(events_db, "SELECT COUNT(*) FROM events"),
		4);
	ES_ASSERT_INT_EQ(es_test_db_query_int(
				 read_db, "SELECT length(name) FROM "
					  "product_detail_view WHERE id = 1"),
			 100);
	ES_ASSERT_INT_EQ(es_test_db_query_int(
				 read_db, "SELECT view_count FROM "
					  "product_detail_view WHERE id = 1"),
			 3);
}

CU_TestInfo catalog_model_tests[] = {
	{"apply matches the model of the catalog (seed 1)", test_apply_seed_1},
	{"apply matches the model of the catalog (seed 2)", test_apply_seed_2},
	{"apply matches the model of the catalog (seed 3)", test_apply_seed_3},
	{"apply answers random bytes and cut commands, appending nothing",
	 test_apply_garbage},
	{"apply reads lines up to 1 MiB and refuses longer ones, appending "
	 "nothing for them",
	 test_apply_long_lines},
	CU_TEST_INFO_NULL,
};
