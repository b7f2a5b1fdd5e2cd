/*
 * es_time.h - the clock, and moments as the event log writes them.
 *
 * Every timestamp in the log is UTC in the one layout Python's
 * datetime.isoformat() writes, "2026-11-27T14:32:05.123456+00:00", so the
 * seed's Python code and this C code read each other's logs, and sorting
 * the text sorts the moments (see time_travel.h). Both sides use it: the
 * write side stamps events with it, the read side stores it in
 * created_at and updated_at. So it lives here, on neither side.
 *
 * This file and es_time.c are given complete, with step 0: calendar
 * arithmetic is plumbing, not the lesson.
 */
#ifndef ES_TIME_H
#define ES_TIME_H

#include <stdint.h>

#include "es_error.h"

/* "2026-11-27T14:32:05.123456+00:00" is 32 characters, plus the NUL. */
#define ES_TIMESTAMP_SIZE 33

/*
 * The clock events are stamped with. `now` returns microseconds since the
 * Unix epoch, UTC. Code that needs the time takes a clock instead of
 * calling the system, so tests can pass a fixed one and get the same
 * timestamps on every run.
 */
struct es_clock {
	int64_t (*now)(void *ctx);
	void *ctx;
};

/* The system's real-time clock, for `struct es_clock`; ctx is unused. */
int64_t es_clock_system(void *ctx);

/*
 * Format `micros` (microseconds since the Unix epoch) the way Python's
 * datetime.isoformat() does for a UTC time: "2026-11-27T14:32:05.123456+00:00".
 * Like Python, the fraction is left out when it is exactly zero
 * ("2026-11-27T14:32:05+00:00"), so both programs write the same bytes.
 * Years outside 1..9999 are clamped. This function can't fail.
 */
void es_time_format(char out[ES_TIMESTAMP_SIZE], int64_t micros);

/*
 * Read `text`, an ISO 8601 moment in UTC, into `*out_micros`
 * (microseconds since the Unix epoch), in one of these forms:
 *
 *     2026-11-27T14:32:05.123456+00:00   as the log writes it
 *     2026-11-27T14:32:05.123456Z        Z for +00:00
 *     2026-11-27T14:32:05+00:00          no fraction: .000000
 *     2026-11-27T14:32:05.5Z             1 to 6 digits of fraction
 *     2026-11-27                         the start of that day, UTC
 *
 * Years 0001 to 9999; a day that the month does not have (2026-02-29) is
 * refused. Returns ES_OK, or ES_EINVAL, `*out_micros` unchanged, with the
 * text (its first 64 bytes) and the fault in one of these messages:
 *
 *     "time '<text>' is not ISO 8601: write 2026-11-27,
 *     2026-11-27T14:32:05Z or 2026-11-27T14:32:05.123456+00:00"
 *     "time '<text>' is not UTC: end it with Z or +00:00"
 *     "time '<text>': <field> is out of range"
 *
 * (each is one line). <field> is the first field out of range, its name
 * and its digits as the text has them: "year 0000", "month 00",
 * "month 13", "day 00", "day 31" (in April), "day 29" (February 29 of a
 * year that is not a leap year, such as 2026 or 1900), "hour 24",
 * "minute 60", "second 60" (there are no leap seconds). For example:
 *
 *     time 'yesterday' is not ISO 8601: write 2026-11-27, ...
 *     time '2026-11-27T14:32:05+01:00' is not UTC: end it with Z or +00:00
 *     time '2026-00-10': month 00 is out of range
 *
 * This function only reads `text`.
 */
int es_time_parse(int64_t *out_micros, const char *text, struct es_error *err);

#endif /* ES_TIME_H */
