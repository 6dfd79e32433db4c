/* The master's counters of refusals and failures: every event counted, whatever its kind's
 * flood summary says, and the next summary due per kind. */
#include <check.h>
#include <syslog.h>

#include "deadline.h"
#include "events.h"
#include "runner.h"

START_TEST(events_count_every_kind)
{
	struct events ev;

	events_init(&ev, 10000);
	for (int i = 0; i < 50; i++)
		events_note(&ev, EV_SOURCE, 5, LOG_DEBUG, "test %d", i);
	events_note(&ev, EV_DENIED, 7, LOG_DEBUG, "test");
	ck_assert_uint_eq(ev.count[EV_SOURCE], 50);
	ck_assert_uint_eq(ev.count[EV_DENIED], 1);
	ck_assert_uint_eq(ev.count[EV_FORK_FAIL], 0);
	ck_assert_int_eq(events_due(&ev), 10005);
	events_flush(&ev, 10005);
	ck_assert_int_eq(events_due(&ev), 10007);
	events_flush(&ev, 10007);
	ck_assert_int_eq(events_due(&ev), 20005);
	ck_assert_uint_eq(ev.count[EV_SOURCE], 50);
}
END_TEST

START_TEST(nothing_due_without_events)
{
	struct events ev;

	events_init(&ev, 10000);
	ck_assert_int_eq(events_due(&ev), DEADLINE_OFF);
	events_note(&ev, EV_FORK_FAIL, 3, LOG_DEBUG, "test");
	ck_assert_int_eq(events_due(&ev), 10003);
	events_flush(&ev, 10003); /* one told in full, none counted: the window closes */
	ck_assert_int_eq(events_due(&ev), DEADLINE_OFF);
	events_flush(&ev, EVENTS_FLUSH_ALL);
	ck_assert_uint_eq(ev.count[EV_FORK_FAIL], 1);
}
END_TEST

static Suite *
events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("counting");

	tcase_add_test(tc, events_count_every_kind);
	tcase_add_test(tc, nothing_due_without_events);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(events_suite());
}
