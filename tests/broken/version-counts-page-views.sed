# A stream version that counts every event: the trigger has no WHEN, so a
# page view moves the version and a stock decision read before it
# conflicts. Step 13 must catch it.
# file: 13-optimistic/event_store_version.c
s/AFTER INSERT ON events WHEN NEW.event_type <> 'ProductViewed'/AFTER INSERT ON events/
