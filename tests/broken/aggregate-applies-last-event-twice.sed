# An aggregate that applies an event twice: replay applies the last event
# again (an off-by-one in the loop), so a view is counted twice and the
# version is one too high. Step 3 must catch it.
# file: 03-aggregate/aggregate.c
s/int rc = es_product_apply(p, &events\[i\], err);/int rc = es_product_apply(p, \&events[i], err);\
		if (rc == ES_OK \&\& i + 1 == count)\
			rc = es_product_apply(p, \&events[i], err);/
