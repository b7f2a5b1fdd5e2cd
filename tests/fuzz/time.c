/*
 * time.c - fuzz the time parser, es_time_parse() (es_time.h): `catalog
 * state ID --at TIME` hands it whatever the user typed.
 *
 * Any bytes are the text (up to the first NUL). The parser must return
 * ES_OK, or ES_EINVAL with a message, never crash or hit undefined
 * behaviour. A moment it accepts is written by es_time_format() as a
 * text that it reads back as the same moment.
 *
 * The first 8 bytes are also a moment for es_time_format(), which can't
 * fail: what it writes (years clamped to 1..9999) must parse, and write
 * the same again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_error.h"
#include "es_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* `text` must parse; returns the moment. */
static int64_t must_parse(const char *text)
{
	struct es_error err;
	int64_t micros;

	if (es_time_parse(&micros, text, &err) != ES_OK)
		abort();
	return micros;
}

/* Whatever es_time_format() writes reads back and writes the same. */
static void check_format(int64_t micros)
{
	char first[ES_TIMESTAMP_SIZE];
	char second[ES_TIMESTAMP_SIZE];

	es_time_format(first, micros);
	es_time_format(second, must_parse(first));
	if (strcmp(first, second) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct es_error err;
	int64_t micros;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err.msg[0] = '\0';
	rc = es_time_parse(&micros, text, &err);
	if (rc == ES_OK) {
		char written[ES_TIMESTAMP_SIZE];

		es_time_format(written, micros);
		if (must_parse(written) != micros)
			abort();
	} else if (rc != ES_EINVAL || err.msg[0] == '\0') {
		abort();
	}
	if (size >= sizeof(micros)) {
		memcpy(&micros, data, sizeof(micros));
		check_format(micros);
	}
	free(text);
	return 0;
}
