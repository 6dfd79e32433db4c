/* --quotes on Debian's own fortune files (the package fortunes-min): the directory as shipped,
 * with its strfile indexes and .u8 links, served as the day's quote and at random. */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "qotd.h"
#include "quotes.h"
#include "runner.h"

#define FORTUNES "/usr/share/games/fortunes"

static struct daemon d;
static struct quotes q; /* what the daemon should have read */

static void
setup(void)
{
	char err[512];

	ck_assert_msg(quotes_load(FORTUNES, &q, err, sizeof(err)) == 0, "%s", err);
}

static void
teardown(void)
{
	daemon_cleanup(&d);
	quotes_free(&q);
}

static bool
is_entry(const char *buf, size_t len)
{
	for (uint32_t i = 0; i < q.count; i++) {
		size_t n;
		const char *t = quote_text(&q, i, &n);

		if (n == len && memcmp(t, buf, n) == 0)
			return true;
	}
	return false;
}

START_TEST(serves_the_days_fortune)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "--quotes", FORTUNES, NULL };
	char buf[2048], again[2048], summary[256], line[512];
	size_t len, want_len[2];
	const char *want[2];

	daemon_start(&d, args);
	snprintf(line, sizeof(line), "quotes '%s': %s; the quote of the day", FORTUNES,
		quotes_summary(&q, summary, sizeof(summary)));
	daemon_wait_log(&d, line, 0);
	want[0] = quote_text(&q, qotd_day_index(qotd_local_day(time(NULL)), q.count), &want_len[0]);
	len = fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_uint_eq(fetch(NULL, "127.0.0.1", d.port, again, sizeof(again)), len);
	want[1] = quote_text(&q, qotd_day_index(qotd_local_day(time(NULL)), q.count), &want_len[1]);
	ck_assert(len >= 2 && len <= QUOTE_MAX && memcmp(buf + len - 2, "\r\n", 2) == 0);
	/* Midnight may pass between the two: then either day's quote is right. */
	ck_assert_msg((len == want_len[0] && memcmp(buf, want[0], len) == 0) ||
			(len == want_len[1] && memcmp(buf, want[1], len) == 0),
		"got '%s'", buf);
	if (want[0] == want[1])
		ck_assert(memcmp(buf, again, len) == 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

START_TEST(serves_random_fortunes)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "--quotes", FORTUNES, "--random", "-q",
		NULL };
	char buf[2048], first[2048];
	size_t first_len = 0;
	unsigned differ = 0;

	daemon_start(&d, args);
	for (int i = 0; i < 20; i++) {
		size_t len = fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));

		ck_assert_msg(is_entry(buf, len), "not an entry: '%s'", buf);
		if (i == 0) {
			memcpy(first, buf, len);
			first_len = len;
		} else {
			differ += len != first_len || memcmp(buf, first, len) != 0;
		}
	}
	ck_assert_uint_gt(differ, 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* As root with --user nobody: read as nobody, at start-up and again on SIGHUP. */
START_TEST(reads_them_as_the_service_user)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", FORTUNES, "-u", "nobody", NULL };
	char buf[2048];
	size_t len;

	daemon_start(&d, args);
	daemon_signal(&d, SIGHUP);
	daemon_wait_log(&d, "SIGHUP: read again quotes", 0);
	len = fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert(is_entry(buf, len));
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static Suite *
fortunes_suite(void)
{
	Suite *s = suite_create("fortunes");
	TCase *tc = tcase_create("fortunes-min");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, serves_the_days_fortune);
	tcase_add_test(tc, serves_random_fortunes);
	suite_add_tcase(s, tc);
	tc = tcase_create("fortunes-as-root");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 0);
	tcase_set_tags(tc, ROOT_TAG);
	tcase_add_test(tc, reads_them_as_the_service_user);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	if (access(FORTUNES "/fortunes", R_OK) != 0) {
		puts("SKIP: no " FORTUNES "/fortunes: install the Debian package fortunes-min");
		return 77;
	}
	return run_suite_part(fortunes_suite(), argc, argv);
}
