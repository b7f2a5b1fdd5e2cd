# A fix in the wrong order: the product's own stock is updated before the
# supplier's total, so the total subtracts the new stock instead of the
# old one and never moves. Step 19 must catch it.
# file: 19-break-fix-replay/supplier_view.c
/^static int on_stock_updated(/,/^}/{
s/ST_STOCK_SUMMARY/ST_STOCK_TMP/g
s/ST_STOCK_PRODUCT/ST_STOCK_SUMMARY/g
s/ST_STOCK_TMP/ST_STOCK_PRODUCT/g
}
