# Time travel with < for <=: the state "as of" a moment leaves out the
# event that happened at that very moment. Step 8 must catch it.
# file: 08-time-travel/event_store_range.c
s/occurred_at <= ?3/occurred_at < ?3/
