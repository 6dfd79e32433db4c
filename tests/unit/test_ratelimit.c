/* Flood summaries: the first event told in full, the rest of a flood counted and told once per
 * interval, a quiet interval resetting, and nothing lost at exit or to a late flush. */
#include <check.h>
#include <stdint.h>

#include "deadline.h"
#include "ratelimit.h"
#include "runner.h"

START_TEST(ratelimit_summarizes_a_flood)
{
	struct ratelimit rl;
	int64_t since;
	int told = 0;

	ratelimit_init(&rl, 10000);
	/* 1000 events in the first second: one is told, 999 counted. */
	for (int i = 0; i < 1000; i++)
		told += ratelimit_hit(&rl, 1000 + i);
	ck_assert_int_eq(told, 1);
	ck_assert_int_eq(ratelimit_due(&rl), 11000);
	ck_assert_uint_eq(ratelimit_flush(&rl, 10999, &since), 0); /* not yet */
	ck_assert_uint_eq(ratelimit_flush(&rl, 11000, &since), 999);
	ck_assert_int_eq(since, 1000);
	/* The flood goes on: still counted, one summary per interval. */
	ck_assert(!ratelimit_hit(&rl, 12000));
	ck_assert(!ratelimit_hit(&rl, 20999));
	ck_assert_uint_eq(ratelimit_flush(&rl, 21000, &since), 2);
	ck_assert_int_eq(since, 11000);
	/* A quiet interval closes the window; the next event is told in full again. */
	ck_assert_uint_eq(ratelimit_flush(&rl, 31000, &since), 0);
	ck_assert_int_eq(ratelimit_due(&rl), DEADLINE_OFF);
	ck_assert(ratelimit_hit(&rl, 50000));
	/* At exit, whatever is counted is told, window or not. */
	ck_assert(!ratelimit_hit(&rl, 50001));
	ck_assert_uint_eq(ratelimit_flush(&rl, RATELIMIT_FLUSH_ALL, &since), 1);
	ck_assert_int_eq(since, 50000);
	ck_assert_int_eq(ratelimit_due(&rl), DEADLINE_OFF);
}
END_TEST

START_TEST(ratelimit_late_flush_loses_nothing)
{
	struct ratelimit rl;
	int64_t since;

	ratelimit_init(&rl, 100);
	ck_assert(ratelimit_hit(&rl, 0));
	ck_assert(!ratelimit_hit(&rl, 50));
	/* The window ended at 100 but nobody flushed before this event at 500. */
	ck_assert(!ratelimit_hit(&rl, 500));
	ck_assert_uint_eq(ratelimit_flush(&rl, 500, &since), 2);
}
END_TEST

START_TEST(a_new_limit_has_no_window)
{
	struct ratelimit rl;
	int64_t since;

	ratelimit_init(&rl, 100);
	ck_assert_int_eq(ratelimit_due(&rl), DEADLINE_OFF);
	ck_assert_uint_eq(ratelimit_flush(&rl, 1000, &since), 0);
	ck_assert(ratelimit_hit(&rl, 1000));
	ck_assert_int_eq(ratelimit_due(&rl), 1100);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("summaries");

	tcase_add_test(tc, ratelimit_summarizes_a_flood);
	tcase_add_test(tc, ratelimit_late_flush_loses_nothing);
	tcase_add_test(tc, a_new_limit_has_no_window);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(ratelimit_suite());
}
