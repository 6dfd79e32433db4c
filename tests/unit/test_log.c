/* The log line as it goes to /dev/log. */
#include <check.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "runner.h"

/* What goes to /dev/log: RFC 3164, facility daemon, our ident and the pid we are given. */
START_TEST(syslog_line_format)
{
	char line[256];
	int n = log_format(line, sizeof(line), LOG_INFO, 4242, "127.0.0.1 port 5: sent 14 bytes");
	const char *tail = "hello-server[4242]: 127.0.0.1 port 5: sent 14 bytes";

	ck_assert_int_eq(n, (int)strlen(line));
	ck_assert(strncmp(line, "<30>", 4) == 0);
	/* "Mmm dd hh:mm:ss " */
	ck_assert_int_eq(line[4 + 3], ' ');
	ck_assert_int_eq(line[4 + 9], ':');
	ck_assert_int_eq(line[4 + 15], ' ');
	ck_assert_str_eq(line + 4 + 16, tail);
	log_format(line, sizeof(line), LOG_ERR, 1, "x");
	ck_assert(strncmp(line, "<27>", 4) == 0);
	/* A line too long for the buffer is cut, never overrun. */
	ck_assert_int_eq(log_format(line, 16, LOG_ERR, 1, "a long message"), 15);
	ck_assert_uint_eq(strlen(line), 15);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, syslog_line_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(log_suite());
}
