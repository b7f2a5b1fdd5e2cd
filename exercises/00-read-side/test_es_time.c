/*
 * test_es_time.c - step 0: es_time.h, given complete: the clock, and
 * moments written and read as the event log holds them.
 *
 * test_read_side.c lists these tests as a suite of step 0.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "es_time.h"
#include "harness.h"
#include "test_step0.h"

/* ---- writing a moment
 * --------------------------------------------------------------- */

struct time_row {
	const char *name;
	int64_t micros;
	const char *expected;
};

static void check_times(const struct time_row *rows, size_t count)
{
	char out[ES_TIMESTAMP_SIZE];

	for (size_t i = 0; i < count; i++) {
		es_test_row(rows[i].name, "%lld microseconds",
			    (long long)rows[i].micros);
		memset(out, 0, sizeof(out));
		es_time_format(out, rows[i].micros);
		ES_CHECK_STR(rows[i].name, "es_time_format()", out,
			     rows[i].expected);
	}
}
#define check_times(rows, count) ES_CALLED(check_times(rows, count))

static void test_time_format(void)
{
	static const struct time_row rows[] = {
		{"the fixed clock's first time", ES_TEST_EPOCH_US,
		 "2026-11-27T14:32:05.123456+00:00"},
		{"a whole second leaves the fraction out", 1795789925000000,
		 "2026-11-27T14:32:05+00:00"},
		{"one microsecond keeps all six digits", 1795789925000001,
		 "2026-11-27T14:32:05.000001+00:00"},
		{"the epoch", 0, "1970-01-01T00:00:00+00:00"},
		{"one microsecond after the epoch", 1,
		 "1970-01-01T00:00:00.000001+00:00"},
		{"one microsecond before the epoch", -1,
		 "1969-12-31T23:59:59.999999+00:00"},
		{"half a second before the epoch", -500000,
		 "1969-12-31T23:59:59.500000+00:00"},
		{"one second before the epoch", -1000000,
		 "1969-12-31T23:59:59+00:00"},
		{"one day before the epoch", -86400000000,
		 "1969-12-31T00:00:00+00:00"},
		{"a leap day", 951782400000000, "2000-02-29T00:00:00+00:00"},
		{"the last moment of a leap day", 951868799999999,
		 "2000-02-29T23:59:59.999999+00:00"},
		{"the last moment of a year", 1735689599999999,
		 "2024-12-31T23:59:59.999999+00:00"},
		{"1900 is not a leap year", -2203891201000000,
		 "1900-02-28T23:59:59+00:00"},
		{"2100 is not a leap year", 4107542400000000,
		 "2100-03-01T00:00:00+00:00"},
		{"the first moment Python can write", -62135596800000000,
		 "0001-01-01T00:00:00+00:00"},
		{"the last moment Python can write", 253402300799999999,
		 "9999-12-31T23:59:59.999999+00:00"},
	};

	check_times(rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_time_format_clamps(void)
{
	static const struct time_row rows[] = {
		{"one microsecond before year 1", -62135596800000001,
		 "0001-01-01T00:00:00+00:00"},
		{"the smallest int64_t", INT64_MIN,
		 "0001-01-01T00:00:00+00:00"},
		{"the first moment of year 10000", 253402300800000000,
		 "9999-12-31T23:59:59.999999+00:00"},
		{"the largest int64_t", INT64_MAX,
		 "9999-12-31T23:59:59.999999+00:00"},
	};

	check_times(rows, sizeof(rows) / sizeof(rows[0]));
}

/*
 * Compared with time(), which counts whole seconds, not timed: the only
 * way this fails on a working clock is the system clock being reset
 * between the calls.
 */
static void test_clock_system(void)
{
	int64_t before = (int64_t)time(NULL);
	int64_t now = es_clock_system(NULL);
	int64_t after = (int64_t)time(NULL);

	if (now < (before - 1) * 1000000 || now > (after + 2) * 1000000)
		ES_FAIL("es_clock_system() is %lld; time() said %lld..%lld "
			"seconds",
			(long long)now, (long long)before, (long long)after);
}

/* ---- reading a moment ---- */

static void test_time_parse_reads_utc_moments(void)
{
	static const struct {
		const char *name;
		const char *text;
		int64_t micros;
		const char *formatted; /* es_time_format of micros */
	} rows[] = {
		{"as the log writes it", "2026-11-27T14:32:05.123456+00:00",
		 ES_TEST_EPOCH_US, "2026-11-27T14:32:05.123456+00:00"},
		{"Z for +00:00", "2026-11-27T14:32:05.123456Z",
		 ES_TEST_EPOCH_US, "2026-11-27T14:32:05.123456+00:00"},
		{"no fraction", "2026-11-27T14:32:05+00:00",
		 INT64_C(1795789925000000), "2026-11-27T14:32:05+00:00"},
		{"no fraction, Z", "2026-11-27T14:32:05Z",
		 INT64_C(1795789925000000), "2026-11-27T14:32:05+00:00"},
		{"one digit of fraction", "2026-11-27T14:32:05.5Z",
		 INT64_C(1795789925500000), "2026-11-27T14:32:05.500000+00:00"},
		{"one microsecond", "2026-11-27T14:32:05.000001+00:00",
		 INT64_C(1795789925000001), "2026-11-27T14:32:05.000001+00:00"},
		{"a date is the start of its day", "2026-11-27",
		 INT64_C(1795737600000000), "2026-11-27T00:00:00+00:00"},
		{"the epoch", "1970-01-01", 0, "1970-01-01T00:00:00+00:00"},
		{"before the epoch", "1969-12-31T23:59:59.999999Z", -1,
		 "1969-12-31T23:59:59.999999+00:00"},
		{"a leap day", "2024-02-29T12:00:00Z",
		 INT64_C(1709208000000000), "2024-02-29T12:00:00+00:00"},
		{"a leap day of a 400th year", "2000-02-29",
		 INT64_C(951782400000000), "2000-02-29T00:00:00+00:00"},
		{"the first day", "0001-01-01", INT64_C(-62135596800000000),
		 "0001-01-01T00:00:00+00:00"},
		{"the last microsecond", "9999-12-31T23:59:59.999999+00:00",
		 INT64_C(253402300799999999),
		 "9999-12-31T23:59:59.999999+00:00"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char formatted[ES_TIMESTAMP_SIZE];
		struct es_error err;
		int64_t micros = 42;
		int rc;

		rc = es_time_parse(&micros, rows[i].text, &err);
		if (rc != ES_OK)
			ES_FAIL("%s: es_time_parse(\"%s\") returned %s "
				"(\"%s\"), expected ES_OK",
				rows[i].name, rows[i].text, es_code_name(rc),
				err.msg);
		if (micros != rows[i].micros)
			ES_FAIL("%s: \"%s\" read as %" PRId64
				", expected %" PRId64,
				rows[i].name, rows[i].text, micros,
				rows[i].micros);
		es_time_format(formatted, micros);
		if (strcmp(formatted, rows[i].formatted) != 0)
			ES_FAIL("%s: \"%s\" formats back as \"%s\", expected "
				"\"%s\"",
				rows[i].name, rows[i].text, formatted,
				rows[i].formatted);
	}
}

#define NOT_ISO(t)                                                             \
	"time '" t "' is not ISO 8601: write 2026-11-27, "                     \
	"2026-11-27T14:32:05Z or 2026-11-27T14:32:05.123456+00:00"
#define NOT_UTC(t)                                                             \
	"time '" t "' is not UTC: "                                            \
	"end it with Z or +00:00"
#define OUT_OF_RANGE(t, field) "time '" t "': " field " is out of range"

static void test_time_parse_refuses_the_rest(void)
{
	static const struct {
		const char *name;
		const char *text;
		const char *msg;
	} rows[] = {
		{"empty", "", NOT_ISO("")},
		{"a word", "yesterday", NOT_ISO("yesterday")},
		{"a two-digit year", "26-11-27", NOT_ISO("26-11-27")},
		{"a one-digit month", "2026-1-27", NOT_ISO("2026-1-27")},
		{"a sign before the year", "+2026-11-27",
		 NOT_ISO("+2026-11-27")},
		{"a space for T", "2026-11-27 14:32:05Z",
		 NOT_ISO("2026-11-27 14:32:05Z")},
		{"lower case t and z", "2026-11-27t14:32:05z",
		 NOT_ISO("2026-11-27t14:32:05z")},
		{"no seconds", "2026-11-27T14:32Z",
		 NOT_ISO("2026-11-27T14:32Z")},
		{"a point without digits", "2026-11-27T14:32:05.Z",
		 NOT_ISO("2026-11-27T14:32:05.Z")},
		{"seven digits of fraction", "2026-11-27T14:32:05.1234567Z",
		 NOT_ISO("2026-11-27T14:32:05.1234567Z")},
		{"something after Z", "2026-11-27T14:32:05Z ",
		 NOT_ISO("2026-11-27T14:32:05Z ")},
		{"something after the offset", "2026-11-27T14:32:05+00:00x",
		 NOT_ISO("2026-11-27T14:32:05+00:00x")},
		{"something after the date", "2026-11-27Z",
		 NOT_ISO("2026-11-27Z")},
		{"no offset", "2026-11-27T14:32:05",
		 NOT_UTC("2026-11-27T14:32:05")},
		{"no offset after a fraction", "2026-11-27T14:32:05.123456",
		 NOT_UTC("2026-11-27T14:32:05.123456")},
		{"an offset east", "2026-11-27T14:32:05+01:00",
		 NOT_UTC("2026-11-27T14:32:05+01:00")},
		{"an offset west", "2026-11-27T14:32:05-05:00",
		 NOT_UTC("2026-11-27T14:32:05-05:00")},
		{"year 0", "0000-01-01",
		 OUT_OF_RANGE("0000-01-01", "year 0000")},
		{"month 13", "2026-13-01",
		 OUT_OF_RANGE("2026-13-01", "month 13")},
		{"month 0", "2026-00-10",
		 OUT_OF_RANGE("2026-00-10", "month 00")},
		{"day 0", "2026-11-00", OUT_OF_RANGE("2026-11-00", "day 00")},
		{"April 31", "2026-04-31",
		 OUT_OF_RANGE("2026-04-31", "day 31")},
		{"February 29 of a common year", "2026-02-29",
		 OUT_OF_RANGE("2026-02-29", "day 29")},
		{"February 29 of 1900", "1900-02-29",
		 OUT_OF_RANGE("1900-02-29", "day 29")},
		{"hour 24", "2026-11-27T24:00:00Z",
		 OUT_OF_RANGE("2026-11-27T24:00:00Z", "hour 24")},
		{"minute 60", "2026-11-27T14:60:00Z",
		 OUT_OF_RANGE("2026-11-27T14:60:00Z", "minute 60")},
		{"a leap second", "2026-12-31T23:59:60Z",
		 OUT_OF_RANGE("2026-12-31T23:59:60Z", "second 60")},
		{"a long text is cut in the message",
		 "2026-11-27T14:32:05.123456+00:00 and then a long tail, far "
		 "too long to quote",
		 NOT_ISO("2026-11-27T14:32:05.123456+00:00 and then a long "
			 "tail, far too l")},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct es_error err;
		int64_t micros = 42;
		int rc;

		es_error_clear(&err);
		rc = es_time_parse(&micros, rows[i].text, &err);
		if (rc != ES_EINVAL)
			ES_FAIL("%s: es_time_parse(\"%s\") returned %s "
				"(\"%s\"), expected ES_EINVAL",
				rows[i].name, rows[i].text, es_code_name(rc),
				err.msg);
		ES_CHECK_STR(rows[i].name, "the message", err.msg, rows[i].msg);
		if (micros != 42)
			ES_FAIL("%s: *out_micros was changed to %" PRId64,
				rows[i].name, micros);
	}
}

CU_TestInfo es_time_tests[] = {
	{"es_time_format writes what Python's isoformat() writes",
	 test_time_format},
	{"es_time_format clamps years to 1..9999", test_time_format_clamps},
	{"es_clock_system reads the real time in microseconds",
	 test_clock_system},
	{"es_time_parse reads ISO 8601 UTC moments, a date as its midnight",
	 test_time_parse_reads_utc_moments},
	{"es_time_parse refuses anything else with ES_EINVAL and says why",
	 test_time_parse_refuses_the_rest},
	CU_TEST_INFO_NULL,
};
