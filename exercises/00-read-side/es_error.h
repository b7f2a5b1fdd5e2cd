/*
 * es_error.h - error codes and the error detail every module reports.
 *
 * A function that can fail returns an int: ES_OK (0) or one of the negative
 * codes below. The code says what kind of failure it was, so callers can
 * branch on it; the one-line message in struct es_error says what exactly
 * went wrong, so people can read it.
 *
 *     struct es_error err;
 *     if (es_store_append(store, &ev, &err) != ES_OK)
 *             fprintf(stderr, "append: %s\n", err.msg);
 *
 * The caller owns the struct (usually on its stack); nothing needs freeing.
 * Every function that takes `struct es_error *err` accepts NULL there.
 */
#ifndef ES_ERROR_H
#define ES_ERROR_H

enum es_code {
	ES_OK = 0,
	ES_ENOTFOUND = -1, /* the product or row asked for does not exist */
	ES_EINVAL = -2,	   /* bad input: a refused command, a malformed line */
	ES_ECONFLICT =
		-3,	/* someone else wrote first (optimistic concurrency) */
	ES_EDB = -4,	/* SQLite reported an error */
	ES_ENOMEM = -5, /* an allocation failed */
	ES_ECORRUPT = -6, /* stored data cannot be decoded */
	ES_ENOTIMPL = -7, /* a kata stub that the learner has not written yet */
	ES_EBUSY = -8	  /* another connection held the database locked
			     past the busy timeout: the same call may work
			     later ("database is locked") */
};

#define ES_ERROR_MSG_SIZE 256

struct es_error {
	int code;		     /* one of enum es_code */
	char msg[ES_ERROR_MSG_SIZE]; /* one line, no trailing newline */
};

/*
 * Record `code` and a printf-style message in `err` (which may be NULL) and
 * return `code`, so a failure can be reported and propagated in one line:
 *
 *     return es_error_set(err, ES_EINVAL, "Stock cannot be negative");
 *
 * A message longer than ES_ERROR_MSG_SIZE - 1 bytes is truncated.
 */
int es_error_set(struct es_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/*
 * Put `prefix` and ": " before the message in `err` (which may be NULL),
 * to say where a failure that is passed on happened: "missing field
 * 'new_stock'" becomes "UpdateStock: missing field 'new_stock'". The code
 * in `err` is left as it is. Returns `code`, so that
 *
 *     if (rc != ES_OK)
 *             return es_error_prefix(err, rc, "UpdateStock");
 *
 * passes the failure on in one line. The message is truncated as by
 * es_error_set().
 */
int es_error_prefix(struct es_error *err, int code, const char *prefix);

/* Clear `err` (which may be NULL) to ES_OK with an empty message. */
void es_error_clear(struct es_error *err);

/*
 * The code's name, such as "ES_EINVAL", for logs and test output. Unknown
 * codes give "ES_E?". The string is static; this function can't fail.
 */
const char *es_code_name(int code);

#endif /* ES_ERROR_H */
