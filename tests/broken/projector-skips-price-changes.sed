# A projector that skips an event: PriceChanged never reaches the views, so
# both views keep the old price. Step 6 must catch it.
# file: 06-projector/projector.c
s/return on_price_changed(prj, ev, err);/(void)on_price_changed; return ES_OK;/
