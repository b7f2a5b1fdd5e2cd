# Time travel that starts from the latest snapshot, whatever the moment:
# the query of the latest snapshot has no "at or before the moment", so a
# look at the past starts from a state taken after it. Step 11 must catch
# it.
# file: 11-snapshots/snapshots.c
/" AND (?2 IS NULL OR occurred_at <= ?2)"/d
/^static int load_snapshot(/,/^}/{
s/(sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK ||/(sqlite3_bind_int64(stmt, 1, ld->product_id) != SQLITE_OK)/
/sqlite3_bind_text(stmt, 2, ld->before, -1, SQLITE_TRANSIENT) !=/,/SQLITE_OK)/d
}
