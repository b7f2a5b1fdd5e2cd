# A command handler that skips validation: UpdateStock appends a negative
# stock instead of refusing it. Step 5 must catch it.
# file: 05-command-handler/command_handler.c
s/if (cmd->new_stock < 0)/if (0 \&\& cmd->new_stock < 0)/
