/* The master's signals through a real signalfd: each request noted once per round however many
 * signals carried it, the stops counted, and a --reload requester (a queued real-time signal
 * with the request's value) kept to be answered, while a plain SIGHUP names nobody. */
#include <check.h>
#include <signal.h>
#include <unistd.h>

#include "runner.h"
#include "signals.h"

static int fd = -1;
static sigset_t was;

static void
setup(void)
{
	sigprocmask(SIG_SETMASK, NULL, &was);
	fd = signals_open();
	ck_assert_int_ge(fd, 0);
}

static void
teardown(void)
{
	close(fd);
	sigprocmask(SIG_SETMASK, &was, NULL);
}

START_TEST(nothing_pending_asks_nothing)
{
	struct signal_requests r;

	signals_read(fd, &r);
	ck_assert(!r.reap && !r.reload && !r.status);
	ck_assert_int_eq(r.stops, 0);
	ck_assert_uint_eq(r.waiters.n, 0);
}
END_TEST

START_TEST(each_request_once_and_the_stops_counted)
{
	struct signal_requests r;

	ck_assert_int_eq(raise(SIGCHLD), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGHUP), 0);
	ck_assert_int_eq(raise(SIGINT), 0);
	ck_assert_int_eq(raise(SIGTERM), 0);
	signals_read(fd, &r);
	ck_assert(r.reap && r.reload && r.status);
	ck_assert_int_eq(r.stops, 2);
	ck_assert(r.stop == SIGINT || r.stop == SIGTERM);
	ck_assert_uint_eq(r.waiters.n, 0); /* a plain SIGHUP asks for no answer */
	signals_read(fd, &r);
	ck_assert(!r.reap && !r.reload && !r.status);
	ck_assert_int_eq(r.stops, 0);
}
END_TEST

START_TEST(a_reload_request_names_its_sender_once)
{
	union sigval v = { .sival_int = RELOAD_REQUEST_VALUE };
	struct signal_requests r;

	ck_assert_int_eq(sigqueue(getpid(), RELOAD_REQUEST_SIGNAL, v), 0);
	ck_assert_int_eq(sigqueue(getpid(), RELOAD_REQUEST_SIGNAL, v), 0);
	signals_read(fd, &r);
	ck_assert(r.reload);
	ck_assert_uint_eq(r.waiters.n, 1);
	ck_assert_int_eq(r.waiters.pid[0], getpid());
}
END_TEST

static Suite *
signals_suite(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = tcase_create("signals");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nothing_pending_asks_nothing);
	tcase_add_test(tc, each_request_once_and_the_stops_counted);
	tcase_add_test(tc, a_reload_request_names_its_sender_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(signals_suite());
}
