# A reset that empties only the tables the queries read: stock_level, the
# insights' own bookkeeping, keeps its rows, so after a reset a stock
# update alone brings a product back into the low-stock alert. Step 9 must
# catch it.
# file: 09-read-models/insights.c
/^int es_insights_reset(/,/^}/{
/ST_RESET_ALERT\], err);/{
n
N
d
}
}
