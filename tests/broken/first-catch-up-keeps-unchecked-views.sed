# A first catch-up that trusts views without a checkpoint: views the step 6
# projector filled are not emptied, so every event is applied to them a
# second time (each view counted twice). Step 10 must catch it.
# file: 10-catch-up/views.c
/^int es_views_catch_up(/,/^}/{
/No checkpoint: whatever the views hold/d
/if (rc == ES_OK && !found)/{
N
d
}
}
