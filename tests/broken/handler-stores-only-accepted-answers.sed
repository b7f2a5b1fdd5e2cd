# A handler that stores the answer only when the command appended an
# event: a refusal is answered but not stored, so a retry is decided
# again, and once the state has changed it is accepted. Step 16 must
# catch it.
# file: 16-idempotency/idempotency.c
s/if (rc == ES_OK && cmd->meta.command_id != NULL)/if (rc == ES_OK \&\& out->type != 0 \&\& cmd->meta.command_id != NULL)/
