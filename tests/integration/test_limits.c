/* Staying up and fair: caps, access lists, descriptor and process shortages, deadlines,
 * reload under load, graceful stop, and logs that stay bounded under a flood. */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "harness.h"
#include "io.h"
#include "runner.h"
#include "util.h"

/* RLIMIT_NPROC counts every process of a user: the daemon's user is one of this test's own
 * (its pid's), so that another run of the suite on the machine at the same time takes none of
 * the few processes the limit leaves (a fixed uid shared them, and a run's fork failures or
 * "cannot execute" came from the other's children). */
static uid_t
unprivileged_uid(void)
{
	return (uid_t)(1000000000 + getpid());
}

static struct daemon d;

static void
teardown(void)
{
	daemon_cleanup(&d);
}

static const char greeting[] = "Hello World!\r\n";

/* N+50 clients that hold their connections: never more than N children, all served in time. */
START_TEST(max_children_is_never_exceeded)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-c", "5", "-s", "0", "-q", NULL };
	const char *const load[] = { "-n", "55", "-c", "55", "-S", "55", "-k", "200", "-t", "120",
		NULL };
	unsigned most = 0, n;
	int out, rc;
	pid_t load_pid;

	daemon_start(&d, args);
	load_pid = start_load(d.port, load, &out);
	/* Sample until the load is done; its stdout closing is the event that ends the loop. */
	for (;;) {
		struct pollfd p = { .fd = out, .events = POLLIN };
		char buf[512];

		n = count_children(d.pid, NULL);
		if (n > most)
			most = n;
		if (poll(&p, 1, 5) == 1 && read(out, buf, sizeof(buf)) <= 0)
			break;
	}
	close(out);
	rc = wait_load(load_pid);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_le(most, 5);
	ck_assert_uint_ge(most, 1);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(strstr(d.log, "reached --max-children 5: new connections wait in the backlog") !=
		NULL);
	ck_assert(strstr(d.log, "exiting after 55 connections") != NULL);
}
END_TEST

START_TEST(max_per_source)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-s", "3", NULL };
	char buf[64];
	int held[3];

	daemon_start(&d, args);
	for (int i = 0; i < 3; i++) {
		held[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
		ck_assert_int_eq(read(held[i], buf, 14), 14);
	}
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(fetch("127.0.0.2", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, greeting);
	daemon_wait_log(&d, "refused 127.0.0.1 port ", 0);
	ck_assert(strstr(d.log, ": 3 connections from this source (--max-per-source)") != NULL);
	for (int i = 0; i < 3; i++)
		close(held[i]);
	daemon_wait_children_at_most(&d, 0);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static const struct {
	const char *args[8];
	const char *source; /* NULL: the kernel's choice */
	const char *dest;
	int greeted;
} acl_cases[] = {
	{ { "-l", "127.0.0.1:0", "-a", "127.0.0.2" }, "127.0.0.1", "127.0.0.1", 0 },
	{ { "-l", "127.0.0.1:0", "-a", "127.0.0.2" }, "127.0.0.2", "127.0.0.1", 1 },
	{ { "-l", "127.0.0.1:0", "-a", "127.0.0.0/8", "-x", "127.0.0.2" }, "127.0.0.2", "127.0.0.1",
		0 },
	{ { "-l", "127.0.0.1:0", "-a", "127.0.0.0/8", "-x", "127.0.0.2" }, "127.0.0.3", "127.0.0.1",
		1 },
	{ { "-l", "127.0.0.1:0", "-x", "127.0.0.0/24" }, "127.0.1.1", "127.0.0.1", 1 },
	{ { "-l", "127.0.0.1:0", "-x", "127.0.0.0/24" }, "127.0.0.9", "127.0.0.1", 0 },
	/* IPv6 peers and rules. */
	{ { "-l", "[::1]:0", "-x", "::1" }, NULL, "::1", 0 },
	{ { "-l", "[::1]:0", "-a", "::1/128" }, NULL, "::1", 1 },
	{ { "-l", "[::1]:0", "-a", "127.0.0.0/8" }, NULL, "::1", 0 },
	/* The dual-stack socket sees IPv4 peers as ::ffff:a.b.c.d: IPv4 rules still apply. */
	{ { "0", "-x", "127.0.0.1" }, "127.0.0.1", "127.0.0.1", 0 },
	{ { "0", "-a", "127.0.0.0/8" }, "127.0.0.1", "127.0.0.1", 1 },
	{ { "0", "-a", "::/0" }, "127.0.0.1", "127.0.0.1", 0 },
	/* A rule in the IPv4-mapped form is the IPv4 rule it spells, over either socket family. */
	{ { "0", "-x", "::ffff:127.0.0.1" }, "127.0.0.1", "127.0.0.1", 0 },
	{ { "0", "-x", "::ffff:127.0.0.1" }, NULL, "::ffff:127.0.0.1", 0 },
	{ { "-l", "127.0.0.1:0", "-x", "::ffff:127.0.0.0/120" }, "127.0.0.1", "127.0.0.1", 0 },
	{ { "-l", "127.0.0.1:0", "-x", "::ffff:127.0.0.0/120" }, "127.0.1.1", "127.0.0.1", 1 },
	{ { "0", "-a", "::ffff:127.0.0.1" }, "127.0.0.1", "127.0.0.1", 1 },
	{ { "-l", "127.0.0.1:0", "-a", "::ffff:127.0.0.0/104" }, "127.0.0.9", "127.0.0.1", 1 },
	{ { "-l", "127.0.0.1:0", "-a", "::ffff:127.0.0.0/104" }, NULL, "127.0.0.1", 1 },
};

START_TEST(access_lists)
{
	char buf[64];
	size_t got;

	if (strchr(acl_cases[_i].dest, ':') != NULL && !have_ipv6_loopback())
		return;
	daemon_start(&d, acl_cases[_i].args);
	got = fetch(acl_cases[_i].source, acl_cases[_i].dest, d.port, buf, sizeof(buf));
	if (acl_cases[_i].greeted) {
		ck_assert_uint_eq(got, 14);
	} else {
		ck_assert_uint_eq(got, 0);
		daemon_wait_log(&d, "denied by the access list", 0);
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Out of descriptors: no spinning; once they are back, everyone waiting is greeted. */
START_TEST(emfile_pauses_then_recovers)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-q", NULL };
	const char *const load[] = { "-n", "500", "-c", "500", "-S", "64", "-t", "300", NULL };
	struct rlimit tight, roomy;
	char path[64];
	long before, after;
	unsigned open_fds = 0;
	int out, timer_fd[2];
	pid_t load_pid;

	if (under_valgrind())
		return; /* valgrind keeps descriptors of its own below the limit this test lowers */
	daemon_start(&d, args);
	ck_assert_int_eq(prlimit(d.pid, RLIMIT_NOFILE, NULL, &roomy), 0);
	/* Exactly the descriptors it holds now: the next accept fails with EMFILE. */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)d.pid);
	{
		FILE *ls;
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "ls %s | wc -l", path);
		ls = popen(cmd, "r");
		ck_assert_ptr_nonnull(ls);
		ck_assert_int_eq(fscanf(ls, "%u", &open_fds), 1);
		pclose(ls);
	}
	tight.rlim_cur = open_fds;
	tight.rlim_max = roomy.rlim_max;
	ck_assert_int_eq(prlimit(d.pid, RLIMIT_NOFILE, &tight, NULL), 0);
	load_pid = start_load(d.port, load, &out);
	daemon_wait_log(&d, "accept failed: Too many open files", 0);
	/* The behaviour under test is what a second of shortage costs: wait out one second. */
	before = cpu_ticks(d.pid);
	ck_assert_int_eq(pipe(timer_fd), 0);
	{
		struct pollfd p = { .fd = timer_fd[0], .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 1000), 0);
	}
	after = cpu_ticks(d.pid);
	close(timer_fd[0]);
	close(timer_fd[1]);
	ck_assert_msg(after - before <= sysconf(_SC_CLK_TCK) / 5,
		"the master used %ld ticks of CPU in one second without descriptors",
		after - before);
	ck_assert_int_eq(prlimit(d.pid, RLIMIT_NOFILE, &roomy, NULL), 0);
	{
		char buf[4096];

		ck_assert_msg(finish_load(load_pid, out, buf, sizeof(buf)) == 0, "%s", buf);
		ck_assert(strstr(buf, "ok=500 ") != NULL);
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A descriptor limit too low for -c (and -s, for which the master holds each client's
 * descriptor): the master says how many children it has room for and keeps to that, so accept
 * never runs out of descriptors and every client is greeted. */
START_TEST(a_low_descriptor_limit_lowers_the_cap)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-c", "100", "-s", "100", "-q", NULL };
	const char *const load[] = { "-n", "200", "-c", "40", "-t", "60", NULL };
	static const char said[] = "the descriptor limit 32 leaves room for ";
	const struct daemon_env env = { .nofile = 32 };
	unsigned long room;

	if (under_valgrind())
		return; /* valgrind keeps descriptors of its own below the limit this test sets */
	daemon_start_env(&d, args, &env);
	daemon_wait_log(&d, said, 0);
	room = strtoul(strstr(d.log, said) + strlen(said), NULL, 10);
	/* 32, less what the master has open (about 6) and a margin of 8 */
	ck_assert_msg(room >= 12 && room < 32, "room for %lu children", room);
	expect_all_greeted(&d, load);
	ck_assert_uint_eq(daemon_count_log(&d, "accept failed"), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A descriptor limit that leaves no room for one connection: the daemon does not start (before,
 * it started, said "room for 1 children", and every accept failed with EMFILE while clients
 * waited in the backlog for good). Its message names the limit and the least one that serves;
 * with exactly that one, it starts and serves (the room it names is the room it has), with a
 * balancer's pending headers held too (-P), as with -s. */
START_TEST(a_descriptor_limit_too_low_refuses_to_start)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.2", NULL };
	static const char need[] = "at least ";
	struct daemon_env env = { .nofile = 6 };
	char err[1024], buf[64];
	unsigned long least;

	if (under_valgrind())
		return; /* valgrind keeps descriptors of its own below the limit this test sets */
	ck_assert_int_eq(run_daemon_once_env(args, err, sizeof(err), &env), 78);
	ck_assert_msg(strstr(err, "hello-server: the descriptor limit 6 leaves no room") == err &&
			strstr(err, need) != NULL && strchr(err, '\n') == strrchr(err, '\n'),
		"stderr: %s", err);
	least = strtoul(strstr(err, need) + strlen(need), NULL, 10);
	ck_assert_uint_gt(least, 6);
	env.nofile = least - 1;
	ck_assert_int_eq(run_daemon_once_env(args, err, sizeof(err), &env), 78);
	env.nofile = least;
	daemon_start_env(&d, args, &env);
	daemon_wait_log(&d, "leaves room for 1 child, below --max-children 256", 0);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	ck_assert_uint_eq(daemon_count_log(&d, "accept failed"), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* fork fails (RLIMIT_NPROC, which root ignores, so as another user): the daemon survives the
 * burst and greets again afterwards. */
START_TEST(fork_failure_is_survived)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-s", "0", "-q", NULL };
	const char *const burst[] = { "-n", "200", "-c", "50", "-S", "50", "-k", "100", "-t", "120",
		"-q", NULL };
	const char *const after[] = { "-n", "20", "-c", "1", "-t", "120", NULL };
	/* Room for the master and a few children: enough for one client at a time (whose child
	 * may still be finishing when the next connects), far too few for 50 held at once. */
	struct daemon_env env = { .nproc = 6, .uid = unprivileged_uid() };
	char out[4096];

	daemon_start_env(&d, args, &env);
	ck_assert_int_ne(run_load(d.port, burst, out, sizeof(out)), 0);
	daemon_wait_log(&d, "fork failed: Resource temporarily unavailable", 0);
	daemon_wait_children_at_most(&d, 0);
	expect_all_greeted(&d, after);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A fork that keeps failing pauses the master twice as long each time (100, 200, 400, 800 ms),
 * however many connections it accepts in between: few clients are closed unserved meanwhile.
 * The first five span at least 1.5 s; when each accept reset the pause they came 100 ms
 * apart. RLIMIT_NPROC 1 leaves the daemon (another user's: root ignores the limit) no child at
 * all, whatever else that user runs. (That clients are greeted again once forks work is
 * fork_failure_is_survived's.) */
START_TEST(fork_failures_back_off_longer_each_time)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-s", "0", "-q", NULL };
	struct daemon_env env = { .nproc = 1, .uid = unprivileged_uid() };
	struct timespec first, fifth;
	int queued[5];
	char buf[64];
	double span;
	int rc;

	daemon_start_env(&d, args, &env);
	for (int i = 0; i < 5; i++)
		queued[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(read(queued[i], buf, sizeof(buf)), 0); /* closed: no fork */
		if (i == 0)
			clock_gettime(CLOCK_MONOTONIC, &first);
		close(queued[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &fifth);
	span = (double)(fifth.tv_sec - first.tv_sec) +
		(double)(fifth.tv_nsec - first.tv_nsec) / 1e9;
	ck_assert_msg(span >= 1.4, "five clients lost in %.2f s", span);
	rc = daemon_stop(&d);
	/* At exit LeakSanitizer needs a thread of its own, which the limit refuses it: it says so
	 * and ends the process (1, or SIGABRT with meson's abort_on_error). */
	if (under_sanitizer() && (rc == 1 || rc == 128 + SIGABRT) &&
		strstr(d.log, "LeakSanitizer has encountered a fatal error") != NULL)
		rc = 0;
	ck_assert_msg(rc == 0, "exit %d: %s", rc, daemon_log_tail(&d));
}
END_TEST

START_TEST(deadline_cuts_a_silent_client)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-t", "1", NULL };
	char buf[64];
	int fd;

	daemon_start(&d, args);
	fd = open_client(NULL, "127.0.0.1", d.port);
	daemon_wait_log(&d, "deadline passed", 0);
	daemon_wait_children_at_most(&d, 0);
	/* The greeting was delivered before the cut, and the connection was closed cleanly. */
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 14);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A steady stream of clients across SIGHUP: each gets the old or the new message in full. */
static int
stream_until_new(uint16_t port, const char *old, const char *fresh, int ready_fd)
{
	int seen_new = 0;
	char buf[256];

	for (long i = 0; i < 1000000 && seen_new < 200; i++) {
		fetch(NULL, "127.0.0.1", port, buf, sizeof(buf));
		if (strcmp(buf, fresh) == 0)
			seen_new++;
		else if (strcmp(buf, old) != 0 || seen_new > 0)
			return 1; /* a mix, a failure, or the old text after the new one */
		if (i == 20 && write(ready_fd, "r", 1) != 1)
			return 2;
	}
	return seen_new == 200 ? 0 : 3;
}

START_TEST(reload_during_a_stream)
{
	const char *path = daemon_write_file(&d, "message", "old text\n", 9);
	const char *const args[] = { "-l", "127.0.0.1:0", "-M", path, "-q", NULL };
	char buf[256], *big;
	int ready[2], status;
	pid_t streamer;
	size_t at;

	daemon_start(&d, args);
	ck_assert_int_eq(pipe(ready), 0);
	streamer = fork();
	ck_assert_int_ge(streamer, 0);
	if (streamer == 0)
		_exit(stream_until_new(d.port, "old text\r\n", "new text\r\n", ready[1]));
	ck_assert_int_eq(read(ready[0], buf, 1), 1);
	daemon_write_file(&d, "message", "new text\n", 9);
	daemon_signal(&d, SIGHUP);
	at = daemon_wait_log(&d, "SIGHUP: read the message again", 0);
	ck_assert_int_eq(waitpid(streamer, &status, 0), streamer);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stream failed: %d", status);

	/* A bad new file keeps the message that works. */
	big = malloc(70000);
	memset(big, 'x', 70000);
	daemon_write_file(&d, "message", big, 70000);
	free(big);
	daemon_signal(&d, SIGHUP);
	at = daemon_wait_log(&d, "SIGHUP: keeping the old message", at);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "new text\r\n");
	unlink(path);
	daemon_signal(&d, SIGHUP);
	daemon_wait_log(&d, "No such file or directory", at);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "new text\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

/* SIGTERM with 100 clients accepted: each still gets its whole greeting; then exit 0. The
 * clients are the test's own and stay until it reads them: a load that holds its connections
 * for a fixed time (and children cut at the default -t) let the first children end before the
 * last was forked on a slow machine, and the 100 children at once never came. */
START_TEST(sigterm_during_a_burst)
{
	enum { N = 100 };
	const char *const args[] = { "-l", "127.0.0.1:0", "-s", "0", "-t", "3600", "-q", NULL };
	char buf[64];
	int fds[N];

	daemon_start(&d, args);
	for (int i = 0; i < N; i++)
		fds[i] = open_client(NULL, "127.0.0.1", d.port);
	daemon_wait_children_at_least(&d, N);
	daemon_signal(&d, SIGTERM);
	daemon_wait_log(&d, "stopping on SIGTERM: 100 children still running", 0);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(read_to_end(fds[i], buf, sizeof(buf)), strlen(greeting));
		ck_assert_str_eq(buf, greeting);
		close(fds[i]);
	}
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
}
END_TEST

/* A second SIGTERM does not wait for clients that take their time. */
START_TEST(second_sigterm_ends_the_children)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-t", "3600", NULL };
	char buf[64];
	int fd;

	daemon_start(&d, args);
	fd = open_client(NULL, "127.0.0.1", d.port);
	ck_assert_int_eq(read(fd, buf, 14), 14);
	daemon_signal(&d, SIGTERM);
	daemon_wait_log(&d, "stopping on SIGTERM: 1 child still running", 0);
	daemon_signal(&d, SIGTERM);
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
	ck_assert(strstr(d.log, "sent SIGTERM to 1 child") != NULL);
	close(fd);
}
END_TEST

START_TEST(floods_make_few_log_lines)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-x", "127.0.0.0/8", NULL };
	const char *const load[] = { "-n", "2000", "-c", "20", "-S", "20", "-q", NULL };
	char out[4096];
	int64_t start;

	daemon_start(&d, args);
	start = mono_ms();
	ck_assert_int_ne(run_load(d.port, load, out, sizeof(out)), 0);
	ck_assert(strstr(out, "empty=2000") != NULL);
	ck_assert_int_eq(daemon_stop(&d), 0);
	/* The first refusal's line, one summary for each interval the flood lasted, one at the exit:
	 * lines grow with the time taken, never with the connections (a flat 3 fails once the 2000
	 * refusals take more than two intervals, as on a slow enough machine). */
	ck_assert_uint_le(daemon_count_log(&d, "refused"),
		3 + (mono_ms() - start) / EVENTS_INTERVAL_MS);
	ck_assert_msg(strstr(d.log, "more connections refused by the access list in the last") !=
			NULL,
		"%s", d.log);
	ck_assert(strstr(d.log, "refused 0 by --max-per-source") == NULL ||
		strstr(d.log, "status:") != NULL);
}
END_TEST

START_TEST(status_line_counts)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-x", "127.0.0.9", "-q", NULL };
	char buf[64];

	daemon_start(&d, args);
	fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf));
	fetch("127.0.0.9", "127.0.0.1", d.port, buf, sizeof(buf));
	daemon_wait_children_at_most(&d, 0);
	ck_assert(strstr(d.log,
			  "status: 0 children, 1 served, refused 0 by --max-per-source and 1 "
			  "by the access list, --max-children reached 0 times, 0 accept failures, "
			  "0 fork failures; up ") != NULL);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static Suite *
limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("limits");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, max_children_is_never_exceeded);
	tcase_add_test(tc, max_per_source);
	tcase_add_loop_test(tc, access_lists, 0, sizeof(acl_cases) / sizeof(acl_cases[0]));
	tcase_add_test(tc, emfile_pauses_then_recovers);
	tcase_add_test(tc, a_low_descriptor_limit_lowers_the_cap);
	tcase_add_test(tc, a_descriptor_limit_too_low_refuses_to_start);
	tcase_add_test(tc, deadline_cuts_a_silent_client);
	suite_add_tcase(s, tc);
	tc = tcase_create("as-root");
	tcase_set_tags(tc, ROOT_TAG);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, fork_failure_is_survived);
	tcase_add_test(tc, fork_failures_back_off_longer_each_time);
	suite_add_tcase(s, tc);
	tc = tcase_create("signals");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, reload_during_a_stream);
	tcase_add_test(tc, sigterm_during_a_burst);
	tcase_add_test(tc, second_sigterm_ends_the_children);
	tcase_add_test(tc, floods_make_few_log_lines);
	tcase_add_test(tc, status_line_counts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return run_suite_part(limits_suite(), argc, argv);
}
