/*
 * command.c - fuzz the command parser, es_command_parse() (commands.h):
 * every line `catalog apply` reads goes through it first.
 *
 * Any bytes are a line (up to the first NUL, as a C string ends). The
 * parser must return ES_OK, or ES_EINVAL or ES_ENOMEM with a message,
 * never crash, read out of bounds, leak or hit undefined behaviour
 * (ASan and UBSan, built in by `make fuzz`, see to those). A command it
 * accepts names one of the four types, and disposing of it frees all.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "es_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct es_command cmd;
	struct es_error err;
	int rc;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	err.msg[0] = '\0';
	rc = es_command_parse(&cmd, line, &err);
	if (rc == ES_OK) {
		if (cmd.type < ES_CREATE_PRODUCT ||
		    cmd.type > ES_RECORD_PRODUCT_VIEW)
			abort();
		es_command_dispose(&cmd);
	} else if ((rc != ES_EINVAL && rc != ES_ENOMEM) || err.msg[0] == '\0') {
		abort();
	}
	free(line);
	return 0;
}
