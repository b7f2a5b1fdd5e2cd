# A rebuild without a transaction: the views are emptied and refilled
# statement by statement, so one that fails halfway (a corrupted row in the
# middle of the log) leaves them holding only the events before that row.
# Step 10 must catch it.
# file: 10-catch-up/views.c
/^int es_views_rebuild(/,/^}/{
/rc = es_sql_run(views->stmt\[ST_BEGIN\], err);/{
s//rc = reset_all(views, err);/
n
N
d
}
s/return finish(rc, projected, &pass, err);/if (projected != NULL)\
		*projected = rc == ES_OK ? pass.count : 0;\
	return rc;/
}
