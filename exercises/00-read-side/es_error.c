/*
 * es_error.c - error codes and messages (see es_error.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "es_error.h"

int es_error_set(struct es_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int es_error_prefix(struct es_error *err, int code, const char *prefix)
{
	char msg[ES_ERROR_MSG_SIZE];

	if (err == NULL)
		return code;
	/* vsnprintf() must not read the buffer it writes: copy it first. */
	memcpy(msg, err->msg, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	es_error_set(err, err->code, "%s: %s", prefix, msg);
	return code;
}

void es_error_clear(struct es_error *err)
{
	if (err == NULL)
		return;
	err->code = ES_OK;
	err->msg[0] = '\0';
}

const char *es_code_name(int code)
{
	switch (code) {
	case ES_OK:
		return "ES_OK";
	case ES_ENOTFOUND:
		return "ES_ENOTFOUND";
	case ES_EINVAL:
		return "ES_EINVAL";
	case ES_ECONFLICT:
		return "ES_ECONFLICT";
	case ES_EDB:
		return "ES_EDB";
	case ES_ENOMEM:
		return "ES_ENOMEM";
	case ES_ECORRUPT:
		return "ES_ECORRUPT";
	case ES_ENOTIMPL:
		return "ES_ENOTIMPL";
	case ES_EBUSY:
		return "ES_EBUSY";
	}
	return "ES_E?";
}
