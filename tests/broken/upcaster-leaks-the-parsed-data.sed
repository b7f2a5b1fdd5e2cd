# A leaking upcaster: the parsed data is freed on the early returns but
# not on the way out, so every StockUpdated it reads leaks its cJSON tree.
# The results are right; only a leak checker sees it.
# file: 12-upcasting/upcast.c
# caught-by: memcheck
/^[[:blank:]]cJSON_Delete(root);$/d
