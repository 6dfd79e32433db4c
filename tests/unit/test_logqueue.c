/* The master's queue of log lines that syslog has not taken: order, bounds, dropping the
 * oldest. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "logqueue.h"
#include "runner.h"

static void
expect_next(struct logqueue *q, const char *want)
{
	size_t len = 0;
	const char *line = logqueue_peek(q, &len);

	ck_assert_ptr_nonnull(line);
	ck_assert_msg(len == strlen(want) && memcmp(line, want, len) == 0, "'%.*s', not '%s'",
		(int)len, line, want);
	logqueue_pop(q);
}

/* Lines while syslog is away come out in the order they went in. */
START_TEST(queue_keeps_the_order)
{
	struct logqueue q = { 0 };
	size_t len;

	ck_assert_ptr_null(logqueue_peek(&q, &len));
	ck_assert_uint_eq(logqueue_push(&q, "one", 3), 0);
	ck_assert_uint_eq(logqueue_push(&q, "", 0), 0);
	ck_assert_uint_eq(logqueue_push(&q, "three", 5), 0);
	expect_next(&q, "one");
	ck_assert_uint_eq(logqueue_push(&q, "four", 4), 0);
	expect_next(&q, "");
	expect_next(&q, "three");
	expect_next(&q, "four");
	ck_assert_ptr_null(logqueue_peek(&q, &len));
	logqueue_pop(&q); /* nothing to pop: harmless */
	logqueue_free(&q);
	ck_assert_ptr_null(q.buf);
}
END_TEST

/* Full: the oldest lines make room and are counted; the newest are kept, in order, however
 * often the buffer wraps. */
START_TEST(queue_drops_the_oldest_when_full)
{
	struct logqueue q = { 0 };
	char line[128];
	unsigned lost = 0, kept = 0, first = 0;
	size_t len;

	for (unsigned i = 0; i < 5000; i++) {
		int n = snprintf(line, sizeof(line), "line %u of a syslog that is away", i);

		lost += logqueue_push(&q, line, (size_t)n);
	}
	ck_assert_uint_gt(lost, 0);
	ck_assert_uint_eq(lost + q.lines, 5000);
	first = lost;
	while (logqueue_peek(&q, &len) != NULL) {
		int n = snprintf(line, sizeof(line), "line %u of a syslog that is away",
			first + kept);

		line[n] = '\0';
		expect_next(&q, line);
		kept++;
	}
	ck_assert_uint_eq(first + kept, 5000);
	ck_assert_uint_gt(kept, 100);
	logqueue_free(&q);
}
END_TEST

/* A line too long for the queue is lost alone; a long one that fits pushes out what it must. */
START_TEST(queue_bounds_a_line)
{
	static char big[LOGQUEUE_LINE_MAX + 1];
	struct logqueue q = { 0 };

	memset(big, 'x', sizeof(big));
	ck_assert_uint_eq(logqueue_push(&q, "kept", 4), 0);
	ck_assert_uint_eq(logqueue_push(&q, big, sizeof(big)), 1);
	ck_assert_uint_eq(q.lines, 1);
	ck_assert_uint_eq(logqueue_push(&q, big, LOGQUEUE_LINE_MAX), 0);
	expect_next(&q, "kept");
	ck_assert_uint_eq(q.lines, 1);
	logqueue_free(&q);
}
END_TEST

static Suite *
logqueue_suite(void)
{
	Suite *s = suite_create("logqueue");
	TCase *tc = tcase_create("queue");

	tcase_add_test(tc, queue_keeps_the_order);
	tcase_add_test(tc, queue_drops_the_oldest_when_full);
	tcase_add_test(tc, queue_bounds_a_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(logqueue_suite());
}
