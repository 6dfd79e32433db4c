/* Deadlines: DEADLINE_OFF never passes and never wins; the earlier of two that are set. */
#include <check.h>

#include "deadline.h"
#include "runner.h"

START_TEST(off_never_passes_nor_wins)
{
	ck_assert(!deadline_passed(DEADLINE_OFF, 1000000));
	ck_assert(!deadline_passed(5000, 4999));
	ck_assert(deadline_passed(5000, 5000));
	ck_assert_int_eq(deadline_earliest(DEADLINE_OFF, DEADLINE_OFF), DEADLINE_OFF);
	ck_assert_int_eq(deadline_earliest(DEADLINE_OFF, 7), 7);
	ck_assert_int_eq(deadline_earliest(7, DEADLINE_OFF), 7);
	ck_assert_int_eq(deadline_earliest(9, 7), 7);
	ck_assert_int_eq(deadline_latest(9, 7), 9);
}
END_TEST

static Suite *
deadline_suite(void)
{
	Suite *s = suite_create("deadline");
	TCase *tc = tcase_create("deadline");

	tcase_add_test(tc, off_never_passes_nor_wins);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(deadline_suite());
}
