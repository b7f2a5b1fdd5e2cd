# A decider that does not check whose event a correction cites: a
# CorrectStock that cites another product's StockUpdated is accepted and
# sets this product's stock. The mistake is in step 5's file, where step
# 15 writes its rules; step 15 must catch it.
# file: 05-command-handler/decide.c
# step: 15
s/if (cited->product_id != cmd->product_id)/if (0 \&\& cited->product_id != cmd->product_id)/
