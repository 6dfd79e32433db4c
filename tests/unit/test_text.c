/* The child's formatting without printf: appends that never overrun and say when they cut. */
#include <check.h>
#include <string.h>

#include "runner.h"
#include "text.h"

START_TEST(appends_strings_and_numbers)
{
	char buf[64];
	struct text t;

	text_init(&t, buf, sizeof(buf));
	text_str(&t, "sent ");
	text_uint(&t, 14, 0, ' ');
	text_str(&t, " in ");
	text_uint(&t, 0, 0, ' ');
	text_char(&t, '.');
	text_uint(&t, 7, 3, '0');
	text_char(&t, '|');
	text_uint(&t, 6, 2, ' ');
	text_char(&t, '|');
	text_uint(&t, UINT64_MAX, 0, ' ');
	text_mem(&t, "abc", 2);
	ck_assert_str_eq(buf, "sent 14 in 0.007| 6|18446744073709551615ab");
	ck_assert_uint_eq(t.len, strlen(buf));
	ck_assert(!t.cut);
}
END_TEST

START_TEST(cuts_at_the_end_of_the_buffer)
{
	char buf[8];
	struct text t;

	memset(buf, 'x', sizeof(buf));
	text_init(&t, buf, 6);
	text_str(&t, "hello world");
	ck_assert_str_eq(buf, "hello");
	ck_assert(t.cut);
	ck_assert_int_eq(buf[6], 'x');
	text_uint(&t, 12345, 0, ' ');
	ck_assert_str_eq(buf, "hello");
	text_init(&t, buf, 1);
	text_char(&t, 'a');
	ck_assert_str_eq(buf, "");
	ck_assert(t.cut);
}
END_TEST

static Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, appends_strings_and_numbers);
	tcase_add_test(tc, cuts_at_the_end_of_the_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(text_suite());
}
