/*
 * es_time.c - the clock and the two directions between microseconds and
 * ISO 8601 text (see es_time.h).
 *
 * Both directions use the proleptic Gregorian calendar (the one Python's
 * datetime uses) with Howard Hinnant's day-number arithmetic, so no time
 * zone or locale of the machine is involved. Reading is a small
 * hand-written scanner: the forms it takes are few and fixed, and a scanner
 * says exactly what is wrong, where strptime would only say "no".
 */
#include "es_time.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC   INT64_C(1000000)
#define SECS_PER_DAY INT64_C(86400)
/* 0001-01-01T00:00:00 and 9999-12-31T23:59:59.999999: Python's range. */
#define TIME_MIN_US INT64_C(-62135596800000000)
#define TIME_MAX_US INT64_C(253402300799999999)

int64_t es_clock_system(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

/* a / b rounded down, where C's / rounds toward zero; b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

/*
 * The proleptic Gregorian date `days` days after 1970-01-01 (Howard
 * Hinnant's civil_from_days). Counting years from March 1 puts the leap
 * day last, and the calendar repeats exactly every 400 years (an "era").
 */
static void civil_from_days(int *year, int *month, int *day, int64_t days)
{
	int64_t z = days + 719468; /* days since 0000-03-01 */
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097; /* day of era, 0..146096 */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* 0..365 */
	int64_t mp = (5 * doy + 2) / 153; /* month, March = 0 */

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

void es_time_format(char out[ES_TIMESTAMP_SIZE], int64_t micros)
{
	char fraction[8] = "";
	int64_t secs, days, sod;
	int year, month, day, len;

	if (micros < TIME_MIN_US)
		micros = TIME_MIN_US;
	if (micros > TIME_MAX_US)
		micros = TIME_MAX_US;
	/* Round down, so -1 is 1969-12-31T23:59:59.999999. */
	secs = floor_div(micros, US_PER_SEC);
	days = floor_div(secs, SECS_PER_DAY);
	sod = secs - days * SECS_PER_DAY;
	civil_from_days(&year, &month, &day, days);
	if (micros != secs * US_PER_SEC)
		snprintf(fraction, sizeof(fraction), ".%06d",
			 (int)(micros - secs * US_PER_SEC));
	len = snprintf(out, ES_TIMESTAMP_SIZE,
		       "%04d-%02d-%02dT%02d:%02d:%02d%s+00:00", year, month,
		       day, (int)(sod / 3600), (int)(sod / 60 % 60),
		       (int)(sod % 60), fraction);
	/* The clamped year has four digits, so the text always fits. */
	assert(len < ES_TIMESTAMP_SIZE);
	(void)len;
}

/* ---- reading a moment --------------------------------------------------- */

/* What scan() makes of a text. */
enum layout {
	LAYOUT_OK,	/* one of the forms, in UTC */
	LAYOUT_NOT_ISO, /* not one of the forms at all */
	LAYOUT_NOT_UTC	/* a date and time without an offset, or another */
};

/* The fields of a moment, as read; checked by check_ranges(). */
struct moment {
	int year, month, day, hour, minute, second;
	int64_t micros; /* the fraction, in microseconds */
};

/*
 * Read exactly `n` digits at `*p` into `*out` and move past them. Returns
 * false, `*p` unchanged, when there are fewer.
 */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Move past `c` at `*p`; false when it is not there. */
static bool read_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* ".123456", 1 to 6 digits, or nothing. False for "." or 7 digits. */
static bool read_fraction(const char **p, int64_t *micros)
{
	int64_t scale = 100000;
	const char *s = *p;

	*micros = 0;
	if (!read_char(&s, '.'))
		return true;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (scale == 0)
			return false;
		*micros += (*s - '0') * scale;
		scale /= 10;
	}
	*p = s;
	return true;
}

/* An offset from UTC and nothing after it: "+01:00", "-05:00". */
static bool is_offset(const char *p)
{
	int hours, minutes;

	if (*p != '+' && *p != '-')
		return false;
	p++;
	return read_digits(&p, 2, &hours) && read_char(&p, ':') &&
	       read_digits(&p, 2, &minutes) && *p == '\0';
}

/* Read the fields of `text` into `m`, and say what its layout is. */
static enum layout scan(struct moment *m, const char *text)
{
	const char *p = text;

	memset(m, 0, sizeof(*m));
	if (!read_digits(&p, 4, &m->year) || !read_char(&p, '-') ||
	    !read_digits(&p, 2, &m->month) || !read_char(&p, '-') ||
	    !read_digits(&p, 2, &m->day))
		return LAYOUT_NOT_ISO;
	if (*p == '\0')
		return LAYOUT_OK;
	if (!read_char(&p, 'T') || !read_digits(&p, 2, &m->hour) ||
	    !read_char(&p, ':') || !read_digits(&p, 2, &m->minute) ||
	    !read_char(&p, ':') || !read_digits(&p, 2, &m->second) ||
	    !read_fraction(&p, &m->micros))
		return LAYOUT_NOT_ISO;
	if (strcmp(p, "Z") == 0 || strcmp(p, "+00:00") == 0)
		return LAYOUT_OK;
	if (*p == '\0' || is_offset(p))
		return LAYOUT_NOT_UTC;
	return LAYOUT_NOT_ISO;
}

static bool is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};

	if (month == 2 && is_leap(year))
		return 29;
	return days[month - 1];
}

/* The first field out of range, as "month 13", or NULL when none is. */
static const char *check_ranges(const struct moment *m, char buf[32])
{
	if (m->year < 1)
		snprintf(buf, 32, "year %04d", m->year);
	else if (m->month < 1 || m->month > 12)
		snprintf(buf, 32, "month %02d", m->month);
	else if (m->day < 1 || m->day > days_in_month(m->year, m->month))
		snprintf(buf, 32, "day %02d", m->day);
	else if (m->hour > 23)
		snprintf(buf, 32, "hour %02d", m->hour);
	else if (m->minute > 59)
		snprintf(buf, 32, "minute %02d", m->minute);
	else if (m->second > 59)
		snprintf(buf, 32, "second %02d", m->second);
	else
		return NULL;
	return buf;
}

/*
 * Days from 1970-01-01 to the date, in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil): years are counted from March, so
 * the leap day is the last day of its year.
 */
static int64_t days_from_civil(int year, int month, int day)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;		    /* [0, 399] */
	int64_t mp = (month + 9) % 12;		    /* March is 0 */
	int64_t doy = (153 * mp + 2) / 5 + day - 1; /* [0, 365] */
	/* The day of the 400-year era, [0, 146096]. */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int es_time_parse(int64_t *out_micros, const char *text, struct es_error *err)
{
	struct moment m;
	char field[32];
	int64_t seconds;
	enum layout layout;

	assert(out_micros != NULL);
	assert(text != NULL);

	layout = scan(&m, text);
	if (layout == LAYOUT_NOT_ISO)
		return es_error_set(err, ES_EINVAL,
				    "time '%.64s' is not ISO 8601: write "
				    "2026-11-27, 2026-11-27T14:32:05Z or "
				    "2026-11-27T14:32:05.123456+00:00",
				    text);
	if (layout == LAYOUT_NOT_UTC)
		return es_error_set(err, ES_EINVAL,
				    "time '%.64s' is not UTC: end it with Z "
				    "or +00:00",
				    text);
	if (check_ranges(&m, field) != NULL)
		return es_error_set(err, ES_EINVAL,
				    "time '%.64s': %s is out of range", text,
				    field);
	seconds = days_from_civil(m.year, m.month, m.day) * SECS_PER_DAY +
		  (int64_t)m.hour * 3600 + (int64_t)m.minute * 60 + m.second;
	*out_micros = seconds * US_PER_SEC + m.micros;
	return ES_OK;
}
