# A notifier that saves its checkpoint before it sends: the save moves
# past the event, then the send runs. A crash between the two, or a send
# that fails, loses that notification for good: at most once, where the
# step asks for at least once. Step 17 must catch it.
# file: 17-outbox/notifier.c
/^static int on_event(/,/^}/{
s/rc = r->send(r->ctx, &note, err);/rc = save(n, err); \/* saved, then sent *\/\
	if (rc == ES_OK)\
		rc = r->send(r->ctx, \&note, err);/
s/return save(n, err); .*$/return ES_OK;/
}
