# A decider that checks the value before existence: UpdateStock of a
# product that was never created, with a negative stock, is refused as
# "Stock cannot be negative" instead of "Product 7 not found". Step 5 must
# catch it.
# file: 05-command-handler/decide.c
/^static int update_stock(/,/^}/{
s/rc = check_exists(state, cmd->product_id, err);/rc = CHECK_VALUE_FIRST/
s/rc = check_stock(cmd->new_stock, err);/rc = check_exists(state, cmd->product_id, err);/
s/rc = CHECK_VALUE_FIRST/rc = check_stock(cmd->new_stock, err);/
}
