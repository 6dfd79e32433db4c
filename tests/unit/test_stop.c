/* The stop sequence on real children: draining for a child's deadline and a header's, then
 * SIGTERM to the children left, then SIGKILL to those that outlive it. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "runner.h"
#include "scratch.h"
#include "sinks.h"
#include "stop.h"

static char dir[SCRATCH_DIR_MAX];
static int rx, logs;
static struct notifier n;
static struct children *kids;

static void
setup(void)
{
	char where[64];

	scratch_make(dir, "stop");
	logs = log_receiver(scratch_path(dir, "log"));
	snprintf(where, sizeof(where), "@hello-stop-%d", (int)getpid());
	rx = notify_receiver(where);
	notifier_to(&n, where);
	kids = children_new(4);
	ck_assert_ptr_nonnull(kids);
}

static void
teardown(void)
{
	children_free(kids);
	notify_close(&n);
	close(rx);
	close(logs);
	scratch_remove(dir);
}

/* A child that waits to be signalled; deaf to SIGTERM if asked (from its first instant: an
 * ignored signal stays ignored across fork). */
static pid_t
start_child(bool deaf)
{
	static const struct srckey key = { { 1 } };
	void (*was)(int) = signal(SIGTERM, deaf ? SIG_IGN : SIG_DFL);
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	signal(SIGTERM, was);
	ck_assert(children_add(kids, pid, &key));
	return pid;
}

static int
death_signal(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	children_remove(kids, pid);
	return WTERMSIG(status);
}

START_TEST(drains_for_a_child_and_a_header)
{
	struct stop st = { SERVING, DEADLINE_OFF, 0 };

	stop_tick(&st, kids, 1000000); /* serving has no deadline */
	ck_assert_int_eq(st.phase, SERVING);
	stop_drain(&st, &n, 5, 3, 1000);
	expect_datagram(rx, "STOPPING=1");
	ck_assert_int_eq(st.phase, DRAINING);
	ck_assert_int_eq(st.deadline, 1000 + 5000 + 3000 + 1000);
	stop_tick(&st, kids, 9999);
	ck_assert_int_eq(st.phase, DRAINING);
	stop_drain(&st, &n, 5, 0, 1000);
	ck_assert_int_eq(st.deadline, 1000 + 5000 + 1000);
}
END_TEST

START_TEST(sigterm_then_sigkill)
{
	struct stop st = { SERVING, DEADLINE_OFF, 0 };
	pid_t polite = start_child(false), deaf = start_child(true);

	stop_drain(&st, &n, 1, 0, 0);
	stop_tick(&st, kids, 2000);
	ck_assert_int_eq(st.phase, TERMINATING);
	expect_log(logs, "sent SIGTERM to 2 children");
	ck_assert_int_eq(death_signal(polite), SIGTERM);
	ck_assert_int_gt(st.deadline, 2000);
	stop_tick(&st, kids, st.deadline - 1);
	ck_assert_int_eq(st.phase, TERMINATING);
	stop_tick(&st, kids, st.deadline);
	ck_assert_int_eq(st.phase, KILLED);
	ck_assert_int_eq(st.deadline, DEADLINE_OFF);
	ck_assert_int_eq(death_signal(deaf), SIGKILL);
}
END_TEST

/* A second SIGTERM while draining: the children get theirs at once. */
START_TEST(terminate_early)
{
	struct stop st = { SERVING, DEADLINE_OFF, 0 };
	pid_t child = start_child(false);

	stop_drain(&st, &n, 60, 0, 0);
	stop_terminate(&st, kids, 10);
	ck_assert_int_eq(st.phase, TERMINATING);
	expect_log(logs, "sent SIGTERM to 1 child");
	ck_assert_int_eq(death_signal(child), SIGTERM);
}
END_TEST

static Suite *
stop_suite(void)
{
	Suite *s = suite_create("stop");
	TCase *tc = tcase_create("phases");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, drains_for_a_child_and_a_header);
	tcase_add_test(tc, sigterm_then_sigkill);
	tcase_add_test(tc, terminate_early);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(stop_suite());
}
