/*
 * commands.c - step 4: commands (see commands.h). You write the parser that
 * turns one line of JSON into a struct es_command, or explains in one line
 * why the line is not a command, and the functions that name and free one.
 *
 * Run make check STEP=4 to see what is missing.
 */
#include "commands.h"

#include <string.h>

const char *es_command_type_name(enum es_command_type type)
{
	/*
	 * TODO: switch on type, one case per command type and no default:,
	 * and return "CreateProduct", "UpdateStock", "ChangePrice" or
	 * "RecordProductView".
	 * See docs/04-commands.md, "What you build".
	 */
	(void)type;
	return "?";
}

int es_command_parse(struct es_command *out, const char *line,
		     struct es_error *err)
{
	/*
	 * TODO: zero *out. Parse line with cJSON_ParseWithOpts(line, &end, 1);
	 * refuse a line that holds \u0000 (es_json_find_nul);
	 * check it is an object with a string "type" naming a command
	 * (es_json_peek_string); then read that command's fields in declared
	 * order with the getters of json_text.h (es_json_get_int, _double,
	 * _string, _nullable_string; a string no longer than its
	 * ES_..._MAX), and last es_json_check_fields() with
	 * its fields and "type". Put the command's name before a getter's
	 * message with es_error_prefix(): "UpdateStock: missing field
	 * 'new_stock'". Fill a local command and copy it to *out only on
	 * success; one cJSON_Delete() on every path.
	 * See docs/04-commands.md, "The order of the checks" and
	 * "The JSON strictness is given".
	 */
	(void)line;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 4: es_command_parse is not implemented yet");
}

void es_command_dispose(struct es_command *cmd)
{
	/*
	 * TODO: return when cmd is NULL; switch on cmd->type (every case, no
	 * default:) and for a CreateProduct free name, supplier_name and
	 * description; then zero *cmd, so a second dispose does nothing.
	 * See docs/04-commands.md, "Who owns what".
	 */
	(void)cmd;
}
