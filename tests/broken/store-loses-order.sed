# A store that loses the order of events: one product's events come back
# newest first. Step 2 must catch it.
# file: 02-event-store/event_store.c
s/WHERE product_id = ? ORDER BY id"/WHERE product_id = ? ORDER BY id DESC"/
