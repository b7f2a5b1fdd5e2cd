# A decider that skips a rule: a negative stock is accepted instead of
# refused, so UpdateStock appends it. Step 5 must catch it.
# file: 05-command-handler/decide.c
s/if (stock < 0)/if (0 \&\& stock < 0)/
