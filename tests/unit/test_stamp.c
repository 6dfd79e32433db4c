/* Syslog time stamps without localtime(3) in the child: the offset the master keeps known must
 * give what strftime gives, across DST changes, in zones with odd offsets too. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qotd.h"
#include "runner.h"
#include "stamp.h"
#include "text.h"

static const char *const zones[] = {
	"UTC", "Europe/Berlin", "America/Santiago", /* DST changes at local midnight */
	"Australia/Lord_Howe",                      /* a half-hour DST change */
	"Asia/Kathmandu",                           /* +05:45 */
};

static void
use_zone(const char *zone)
{
	char path[256];

	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	if (strcmp(zone, "UTC") != 0 && access(path, R_OK) != 0)
		ck_abort_msg("time zone file %s missing (package tzdata)", path);
	setenv("TZ", zone, 1);
	tzset();
	stamp_forget();
}

static void
expect_like_strftime(time_t t)
{
	char want[32], got[32];
	struct text text;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(want, sizeof(want), "%b %e %H:%M:%S", &tm);
	text_init(&text, got, sizeof(got));
	stamp_append(&text, t);
	ck_assert_msg(strcmp(got, want) == 0, "%s at %lld: '%s', strftime '%s'", getenv("TZ"),
		(long long)t, got, want);
}

static long
offset_at(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

/* Hour by hour through 2022, the master looking again at the start of each: half an hour apart
 * within the hour, and every second of an hour in which the offset changes. */
START_TEST(stamps_match_strftime_through_a_year)
{
	const time_t start = 1640995200; /* 2022-01-01 00:00 UTC */

	use_zone(zones[_i]);
	for (time_t t0 = start; t0 < start + 365 * 86400; t0 += 3600) {
		time_t step = offset_at(t0) == offset_at(t0 + 3599) ? 1799 : 1;
		int64_t day;

		stamp_refresh(t0);
		for (time_t t = t0; t < t0 + 3600; t += step) {
			expect_like_strftime(t);
			day = stamp_local_day(t);
			/* Unknown only past a change of offset, which the master has not seen. */
			if (day == INT64_MIN)
				ck_assert_int_ne(offset_at(t), offset_at(t0));
			else
				ck_assert_int_eq(day, qotd_local_day(t));
		}
	}
}
END_TEST

/* Before the master has looked, and after it forgot, localtime answers (and the day is not
 * known). */
START_TEST(unknown_offsets_fall_back)
{
	use_zone("Europe/Berlin");
	expect_like_strftime(1648342800); /* 2022-03-27 01:00 UTC, the change itself */
	stamp_refresh(1648342800 - 1800);
	stamp_forget();
	expect_like_strftime(1648342800 + 60);
	ck_assert_int_eq(stamp_local_day(1648342800 + 60), INT64_MIN);
}
END_TEST

static Suite *
stamp_suite(void)
{
	Suite *s = suite_create("stamp");
	TCase *tc = tcase_create("stamp");

	tcase_set_timeout(tc, 60); /* tens of thousands of localtime calls, under sanitizers too */
	tcase_add_loop_test(tc, stamps_match_strftime_through_a_year, 0,
		sizeof(zones) / sizeof(zones[0]));
	tcase_add_test(tc, unknown_offsets_fall_back);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(stamp_suite());
}
