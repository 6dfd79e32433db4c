/* What the master tells about itself: STATUS= at most once a second while something changed,
 * its words with and without --proxy-from, and the SIGUSR1 line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "deadline.h"
#include "io.h"
#include "runner.h"
#include "scratch.h"
#include "sinks.h"
#include "status.h"

static char dir[SCRATCH_DIR_MAX];
static int rx, logs;
static struct notifier n;
static struct status st;

static void
setup(void)
{
	char where[64];

	scratch_make(dir, "status");
	logs = log_receiver(scratch_path(dir, "log"));
	snprintf(where, sizeof(where), "@hello-status-%d", (int)getpid());
	rx = notify_receiver(where);
	notifier_to(&n, where);
	status_init(&st, 1000, NULL);
}

static void
teardown(void)
{
	notify_close(&n);
	close(rx);
	close(logs);
	scratch_remove(dir);
}

START_TEST(sent_when_changed_at_most_once_a_second)
{
	struct status_census c = { .children = 2 };

	ck_assert_int_eq(status_due(&st, &n), DEADLINE_OFF);
	status_served(&st, false);
	status_served(&st, false);
	status_tick(&st, &n, &c, 5000);
	expect_datagram(rx, "STATUS=2 children, 2 served, 0 refused");
	ck_assert_int_eq(status_due(&st, &n), DEADLINE_OFF); /* nothing changed since */
	events_note(&st.ev, EV_SOURCE, 5100, LOG_DEBUG, "refused");
	status_changed(&st);
	c.children = 1;
	ck_assert_int_eq(status_due(&st, &n), 6000);
	status_tick(&st, &n, &c, 5999);
	expect_no_datagram(rx);
	status_tick(&st, &n, &c, 6000);
	expect_datagram(rx, "STATUS=1 child, 2 served, 1 refused");
}
END_TEST

/* A balancer's health check is no client served: each is counted apart, everywhere. */
START_TEST(balancer_counters_with_proxy)
{
	struct status_census c = { .proxy = true, .pending = 1 };

	status_served(&st, true);
	status_served(&st, true);
	status_served(&st, false);
	events_note(&st.ev, EV_PROXY_BAD, 10, LOG_DEBUG, "bad");
	events_note(&st.ev, EV_PROXY_SLOW, 10, LOG_DEBUG, "slow");
	status_tick(&st, &n, &c, 100);
	expect_datagram(rx,
		"STATUS=0 children, 1 served, 0 refused, 2 balancer checks, 2 bad PROXY headers");
	expect_log(logs, "bad");
	expect_log(logs, "slow");
	status_log(&st, &c, 4500);
	expect_log(logs, "status: 0 children, 1 served, refused 0");
	expect_log(logs, "status: 1 PROXY headers pending, 2 balancer checks greeted;");
	status_log_exit(&st, &c);
	expect_log(logs, "exiting after 1 connection and 2 balancer checks");
}
END_TEST

START_TEST(nothing_sent_outside_systemd)
{
	struct notifier none = { .fd = -1 };
	struct status_census c = { .children = 0 };

	status_served(&st, false);
	ck_assert_int_eq(status_due(&st, &none), DEADLINE_OFF);
	status_tick(&st, &none, &c, 5000);
	expect_no_datagram(rx);
}
END_TEST

START_TEST(the_sigusr1_line)
{
	struct status_census c = { .children = 3, .proxy = true, .pending = 2 };

	status_served(&st, false);
	events_note(&st.ev, EV_DENIED, 10, LOG_DEBUG, "denied");
	expect_log(logs, "denied");
	status_log(&st, &c, 4500);
	expect_log(logs,
		"status: 3 children, 1 served, refused 0 by --max-per-source and 1 by the "
		"access list, --max-children reached 0 times, 0 accept failures, 0 fork "
		"failures; up 3 s;");
	expect_log(logs, "status: 2 PROXY headers pending, 0 balancer checks greeted;");
	status_log_exit(&st, &c);
	expect_log(logs, "exiting after 1 connection");
}
END_TEST

static bool
file_has(const char *path, const char *line)
{
	static char text[METRICS_TEXT_MAX];

	return strstr(read_file(path, text, sizeof(text)), line) != NULL;
}

/* --metrics-file: written at the first tick, then at most once a second while something
 * changed, once a minute while nothing did, and at SIGUSR1 before its line. */
START_TEST(metrics_file_paced)
{
	struct notifier none = { .fd = -1 };
	struct status_census c = { .children = 1, .max_children = 256 };
	char *path = strdup(scratch_path(dir, "hello.prom"));

	status_init(&st, 1000, path);
	status_tick(&st, &none, &c, 1000);
	ck_assert(file_has(path, "\nhello_server_served_total 0\n"));
	ck_assert(file_has(path, "\nhello_server_children 1\n"));
	ck_assert_int_eq(status_due(&st, &none), 61000); /* unchanged: the refresh */
	status_accepted(&st);
	status_served(&st, false);
	status_tick(&st, &none, &c, 1500);
	ck_assert_int_eq(status_due(&st, &none), 2000); /* changed: a second after the last */
	ck_assert(file_has(path, "\nhello_server_served_total 0\n"));
	status_tick(&st, &none, &c, 2000);
	ck_assert(file_has(path, "\nhello_server_served_total 1\n"));
	ck_assert(file_has(path, "\nhello_server_accepted_total 1\n"));
	status_greeting_ended(&st, GREET_DEADLINE);
	status_reloaded(&st, false);
	c.children = 0;
	status_log(&st, &c, 2100);
	ck_assert(file_has(path, "\nhello_server_greetings_total{end=\"deadline\"} 1\n"));
	ck_assert(file_has(path, "\nhello_server_reloads_total{result=\"failure\"} 1\n"));
	ck_assert(file_has(path, "\nhello_server_children 0\n"));
	free(path);
}
END_TEST

/* A file that cannot be written: one line, counted, no retry until something changes. */
START_TEST(metrics_file_failure_logged_once)
{
	struct notifier none = { .fd = -1 };
	struct status_census c = { .max_children = 256 };
	char *path = strdup(scratch_path(dir, "missing/hello.prom"));

	status_init(&st, 1000, path);
	status_tick(&st, &none, &c, 1000);
	expect_log(logs, "cannot write --metrics-file");
	ck_assert_uint_eq(st.metrics->failures, 1);
	status_tick(&st, &none, &c, 5000);
	ck_assert_uint_eq(st.metrics->failures, 1);
	status_served(&st, false);
	status_tick(&st, &none, &c, 5000);
	ck_assert_uint_eq(st.metrics->failures, 2);
	expect_no_datagram(logs); /* the second is summed up with the flood */
	free(path);
}
END_TEST

static Suite *
status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sent_when_changed_at_most_once_a_second);
	tcase_add_test(tc, balancer_counters_with_proxy);
	tcase_add_test(tc, nothing_sent_outside_systemd);
	tcase_add_test(tc, the_sigusr1_line);
	tcase_add_test(tc, metrics_file_paced);
	tcase_add_test(tc, metrics_file_failure_logged_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(status_suite());
}
