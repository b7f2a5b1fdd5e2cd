# A window of N days that starts N days ago at this time of day, not at
# 00:00 UTC as the seed's date('now', '-N days') does: the clock's time is
# not cut down to the date. Step 14 must catch it.
# file: 14-history/history.c
/since\[DATE_LENGTH\] = '\\0';/d
