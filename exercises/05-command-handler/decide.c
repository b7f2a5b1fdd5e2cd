/*
 * decide.c - step 5: every business rule of the write side, in one pure
 * function (see decide.h). No I/O here: the state and the time come in,
 * the event or the refusal goes out.
 *
 * Run make check STEP=5 to see what is missing.
 */
#include "decide.h"

#include <string.h>

int es_decide(struct es_event *out, const struct es_product *state,
	      const struct es_event *cited, const struct es_command *cmd,
	      const char *now, struct es_error *err)
{
	/*
	 * TODO: zero *out and switch on cmd->type (every case, no
	 * default:), one static function per command. UpdateStock,
	 * ChangePrice and RecordProductView refuse a state that does not
	 * es_product_exists() with ES_ENOTFOUND, "Product N not found",
	 * before any value rule. Give
	 * each rule shared by two commands ("Stock cannot be negative",
	 * "Price must be positive") one static helper, so its message is
	 * written once. Then build the event with step 1's constructor and
	 * `now`; a ProductCreated gets product_id 0.
	 * See docs/05-command-handler.md, "Decide: the rules, pure".
	 */
	(void)state;
	(void)cited; /* step 15's: until then no command cites an event */
	(void)cmd;
	(void)now;
	memset(out, 0, sizeof(*out));
	return es_error_set(err, ES_ENOTIMPL,
			    "step 5: es_decide is not implemented yet");
}

int64_t es_command_state_id(const struct es_command *cmd)
{
	/*
	 * TODO: switch on cmd->type: the product_id of an UpdateStock, a
	 * ChangePrice or a RecordProductView; 0 for a CreateProduct, whose
	 * decision reads no state.
	 * See docs/05-command-handler.md, "Decide: the rules, pure".
	 */
	(void)cmd;
	return -1;
}

int64_t es_command_cited_id(const struct es_command *cmd)
{
	/*
	 * Step 15: leave this stub until then. TODO: the corrects_event_id
	 * of a CorrectStock; 0 for every other command.
	 * See docs/15-corrections.md.
	 */
	(void)cmd;
	return -1;
}
