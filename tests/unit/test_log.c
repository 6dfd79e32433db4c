/* Log escaping and flood summaries. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "escape.h"
#include "events.h"
#include "log.h"
#include "logqueue.h"
#include "ratelimit.h"
#include "runner.h"

static const struct {
	const char *in;
	size_t len;
	const char *out;
} escapes[] = {
	{ "plain text", 10, "plain text" },
	{ "tab\tnew\nline", 12, "tab\\x09new\\x0aline" },
	{ "\x1b[31mred", 8, "\\x1b[31mred" },
	{ "back\\slash", 10, "back\\\\slash" },
	{ "nul\0byte", 8, "nul\\x00byte" },
	{ "\xff\x80", 2, "\\xff\\x80" },
	{ "", 0, "" },
};

START_TEST(escapes_bytes)
{
	char out[64];

	escape_bytes(out, sizeof(out), escapes[_i].in, escapes[_i].len);
	ck_assert_str_eq(out, escapes[_i].out);
}
END_TEST

START_TEST(escape_is_bounded)
{
	char in[1000], out[32];

	memset(in, '\n', sizeof(in));
	escape_bytes(out, sizeof(out), in, sizeof(in));
	ck_assert_uint_lt(strlen(out), sizeof(out));
	ck_assert_str_eq(out + strlen(out) - 3, "...");
	memset(in, 'a', sizeof(in));
	escape_bytes(out, sizeof(out), in, sizeof(in));
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	/* Exactly fitting input is not cut. */
	escape_bytes(out, sizeof(out), in, sizeof(out) - 1);
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	ck_assert(strchr(out, '.') == NULL);
	escape_bytes(out, 1, in, 10);
	ck_assert_str_eq(out, "");
}
END_TEST

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
	ck_assert_int_eq(ratelimit_due(&rl), INT64_MAX);
	ck_assert(ratelimit_hit(&rl, 50000));
	/* At exit, whatever is counted is told, window or not. */
	ck_assert(!ratelimit_hit(&rl, 50001));
	ck_assert_uint_eq(ratelimit_flush(&rl, INT64_MAX, &since), 1);
	ck_assert_int_eq(since, 50000);
	ck_assert_int_eq(ratelimit_due(&rl), INT64_MAX);
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
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, escapes_bytes, 0, sizeof(escapes) / sizeof(escapes[0]));
	tcase_add_test(tc, escape_is_bounded);
	tcase_add_test(tc, syslog_line_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("summaries");
	tcase_add_test(tc, ratelimit_summarizes_a_flood);
	tcase_add_test(tc, ratelimit_late_flush_loses_nothing);
	tcase_add_test(tc, events_count_every_kind);
	suite_add_tcase(s, tc);
	tc = tcase_create("queue");
	tcase_add_test(tc, queue_keeps_the_order);
	tcase_add_test(tc, queue_drops_the_oldest_when_full);
	tcase_add_test(tc, queue_bounds_a_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(log_suite());
}
