/*
 * scratch.c - memory, strings and files that the current test owns (see
 * scratch.h).
 *
 * Test code: what it owns is kept in file-scope state, which
 * es_test_scratch_free() frees in the suite's teardown.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "scratch.h"

/* ---- memory the current test owns ---------------------------------------- */

static char test_root[PATH_MAX]; /* es_test_dir(), absolute */

static void **owned;
static size_t n_owned;
static size_t cap_owned;

void *es_test_own(void *p)
{
	if (p == NULL)
		ES_FATAL("out of memory");
	if (n_owned == cap_owned) {
		size_t cap = cap_owned ? 2 * cap_owned : 256;
		void **grown = realloc(owned, cap * sizeof(*grown));

		if (grown == NULL) {
			free(p);
			ES_FATAL("out of memory");
		}
		owned = grown;
		cap_owned = cap;
	}
	owned[n_owned++] = p;
	return p;
}

void es_test_scratch_free(void)
{
	test_root[0] = '\0';
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	owned = NULL;
	n_owned = 0;
	cap_owned = 0;
}

void es_test_buf_grow(struct es_test_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 64;
	char *s;

	if (b->len + more + 1 <= b->cap)
		return;
	while (cap < b->len + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (s == NULL)
		ES_FATAL("out of memory");
	b->s = s;
	b->s[b->len] = '\0';
	b->cap = cap;
}

void es_test_buf_add(struct es_test_buf *b, const void *p, size_t n)
{
	es_test_buf_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void es_test_buf_str(struct es_test_buf *b, const char *s)
{
	es_test_buf_add(b, s, strlen(s));
}

static void buf_vprintf(struct es_test_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	es_test_buf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, again);
	va_end(again);
	b->len += (size_t)n;
}

void es_test_buf_printf(struct es_test_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *es_test_buf_own(struct es_test_buf *b)
{
	es_test_buf_grow(b, 0);
	es_test_own(b->s);
	return b->s;
}

char *es_test_format(const char *fmt, ...)
{
	struct es_test_buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return es_test_buf_own(&b);
}

/* ---- files --------------------------------------------------------------- */

const char *es_test_absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return es_test_format("%s", path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		ES_FATAL("getcwd: %s", strerror(errno));
	return es_test_format("%s/%s", cwd, path);
}

const char *es_test_file(const char *name)
{
	if (test_root[0] == '\0')
		snprintf(test_root, sizeof(test_root), "%s",
			 es_test_absolute(es_test_dir()));
	return es_test_format("%s/%s", test_root, name);
}

char *es_test_slurp(const char *path, size_t *len)
{
	struct es_test_buf b = {0};
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return NULL;
	es_test_buf_grow(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		es_test_buf_add(&b, chunk, n);
	fclose(f);
	if (len != NULL)
		*len = b.len;
	return es_test_buf_own(&b);
}

char *es_test_must_slurp(const char *path, size_t *len)
{
	char *text = es_test_slurp(path, len);

	if (text == NULL)
		ES_FATAL("cannot read %s: %s", path, strerror(errno));
	return text;
}

void es_test_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		ES_FATAL("cannot write %s: %s", path, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		ES_FATAL("cannot write %s", path);
}

bool es_test_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}
