# A scenario that assumes the ids: Widget Pro is product 1 and Gadget Plus
# product 2, as on a fresh store, instead of the ids the store hands out.
# Step 7 must catch it.
# file: 07-main/scenario.c
s/rc = print_detail(s, widget_id, err);/rc = print_detail(s, 1, err);/
s/rc = restock_and_reprice(s, gadget_id, err);/rc = restock_and_reprice(s, 2, err);/
s/rc = print_event_log(s, gadget_id, err);/rc = print_event_log(s, 2, err);/
