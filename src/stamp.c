#include "stamp.h"

#include <stdint.h>

#include "text.h"
#include "util.h"

#define SECONDS_PER_DAY 86400
/* Time zones change their offset at most once in this long. */
#define LOOKAHEAD_S 3600

/* The offset holds for [from, until); written by the master only, and only when it looks
 * again, so that the page stays shared with the children. */
static struct {
	time_t from, until;
	long offset;
} known;

static long
offset_at(time_t t)
{
	struct tm tm;

	return localtime_r(&t, &tm) != NULL ? tm.tm_gmtoff : 0;
}

void
stamp_refresh(time_t now)
{
	time_t same, changed;
	long offset;

	if (now >= known.from && now < known.until)
		return;
	offset = offset_at(now);
	same = now;
	changed = now + LOOKAHEAD_S;
	/* A change within the hour: the last second of the old offset, by halving. */
	if (offset_at(changed) != offset) {
		while (changed - same > 1) {
			time_t mid = same + (changed - same) / 2;

			if (offset_at(mid) == offset)
				same = mid;
			else
				changed = mid;
		}
	}
	known.from = now;
	known.until = changed;
	known.offset = offset;
}

void
stamp_forget(void)
{
	known.until = known.from;
}

/* Month, day and time of day of a count of seconds since 1970-01-01 00:00 (days to a civil
 * date after H. Hinnant's days_from_civil inverse, for the proleptic Gregorian calendar). */
CHILD_CODE static void
civil(int64_t t, struct tm *tm)
{
	int64_t days = t / SECONDS_PER_DAY, secs = t % SECONDS_PER_DAY, era, doe, yoe, doy, mp;

	if (secs < 0) {
		secs += SECONDS_PER_DAY;
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
}

CHILD_CODE int64_t
stamp_local_day(time_t now)
{
	int64_t local = (int64_t)now + known.offset;

	if (now < known.from || now >= known.until)
		return INT64_MIN;
	/* Rounded down, before 1970 too. */
	return (local - (local < 0 ? SECONDS_PER_DAY - 1 : 0)) / SECONDS_PER_DAY;
}

CHILD_CODE void
stamp_append(struct text *t, time_t now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm = { .tm_mday = 1 };
	size_t month;

	if (now >= known.from && now < known.until)
		civil((int64_t)now + known.offset, &tm);
	else
		localtime_r(&now, &tm);
	month = tm.tm_mon >= 0 && tm.tm_mon < 12 ? (size_t)tm.tm_mon : 0;
	text_mem(t, months + 3 * month, 3);
	text_char(t, ' ');
	text_uint(t, (unsigned)tm.tm_mday, 2, ' ');
	text_char(t, ' ');
	text_uint(t, (unsigned)tm.tm_hour, 2, '0');
	text_char(t, ':');
	text_uint(t, (unsigned)tm.tm_min, 2, '0');
	text_char(t, ':');
	text_uint(t, (unsigned)tm.tm_sec, 2, '0');
}
