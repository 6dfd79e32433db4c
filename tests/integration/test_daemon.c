/* The built daemon as a user meets it: greetings on the wire, load, typed-first clients, IPv6,
 * reaping, SIGTERM, the log, and every bad input's exit code and message. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "runner.h"

static struct daemon d;

static void
teardown(void)
{
	daemon_cleanup(&d);
}

START_TEST(default_greeting_exact_bytes)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	char buf[256];

	daemon_start(&d, args);
	ck_assert_uint_eq(fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "Hello World!\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

START_TEST(custom_greeting_from_option_and_file)
{
	const char *const inline_args[] = { "-l", "127.0.0.1:0", "-m", "Quote\nof the day", NULL };
	char buf[256];
	const char *path;

	daemon_start(&d, inline_args);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Quote\r\nof the day\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
	daemon_cleanup(&d);

	path = daemon_write_file(&d, "message", "line one\r\nline two\n\nend", 23);
	const char *const file_args[] = { "-l", "127.0.0.1:0", "--message-file", path, NULL };

	daemon_start(&d, file_args);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "line one\r\nline two\r\n\r\nend\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

START_TEST(five_hundred_at_once)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-q", NULL };
	const char *const load[] = { "-n", "500", "-c", "500", "-S", "64", "-t", "120", NULL };

	daemon_start(&d, args);
	expect_all_greeted(&d, load);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Clients that send before reading: the greeting must survive (every peer loses it). */
START_TEST(clients_that_type_first)
{
	static const char *const sizes[] = { "1", "4096" };
	const char *const args[] = { "-l", "127.0.0.1:0", "-q", NULL };
	const char *const load[] = { "-n", "1000", "-c", "32", "-S", "8", "-s", sizes[_i], "-t",
		"120", NULL };

	daemon_start(&d, args);
	expect_all_greeted(&d, load);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

START_TEST(ipv6_loopback)
{
	/* One source, ::1: children that outlive their client's close (logging, on a busy machine)
	 * would count against --max-per-source, which is not what this test is about. */
	const char *const args[] = { "-l", "[::1]:0", "-s", "0", NULL };
	const char *const load[] = { "-6", "-n", "50", "-c", "4", NULL };
	char buf[256];

	if (!have_ipv6_loopback())
		return; /* no IPv6 on this host: nothing to test */
	daemon_start(&d, args);
	ck_assert_uint_eq(fetch(NULL, "::1", d.port, buf, sizeof(buf)), 14);
	expect_all_greeted(&d, load);
	ck_assert(strstr(d.log, "listening on [::1]:") != NULL);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(strstr(d.log, "::1 port ") != NULL);
}
END_TEST

/* No --listen: one socket for IPv6 and IPv4, reached by both loopbacks. */
START_TEST(default_listens_everywhere)
{
	const char *const args[] = { "0", NULL };
	char buf[256];

	daemon_start(&d, args);
	ck_assert_str_eq((fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf)), buf),
		"Hello World!\r\n");
	if (have_ipv6_loopback()) {
		ck_assert(strstr(d.log, "listening on [::]:") != NULL);
		fetch(NULL, "::1", d.port, buf, sizeof(buf));
		ck_assert_str_eq(buf, "Hello World!\r\n");
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
	/* The IPv4 client is logged as IPv4, not as ::ffff:127.0.0.1. */
	ck_assert(strstr(d.log, "]: 127.0.0.1 port ") != NULL);
}
END_TEST

START_TEST(no_zombie_after_2000)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-q", NULL };
	const char *const load[] = { "-n", "2000", "-c", "32", "-S", "8", "-t", "120", NULL };
	unsigned zombies;

	daemon_start(&d, args);
	expect_all_greeted(&d, load);
	daemon_wait_children_at_most(&d, 0);
	ck_assert_uint_eq(count_children(d.pid, &zombies), 0);
	ck_assert_uint_eq(zombies, 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(strstr(d.log, "exiting after 2000 connections") != NULL);
}
END_TEST

START_TEST(sigterm_and_sigint_exit_0)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };

	daemon_start(&d, args);
	daemon_signal(&d, sigs[_i]);
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
	ck_assert(
		strstr(d.log, sigs[_i] == SIGTERM ? "stopping on SIGTERM" : "stopping on SIGINT") !=
		NULL);
}
END_TEST

START_TEST(logs_start_and_each_connection)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-l", "127.0.0.2:0", NULL };
	char buf[256], want[64];
	int fd;

	daemon_start(&d, args);
	ck_assert(strstr(d.log, "hello-server 1.0.0 started; listening on 127.0.0.1:") != NULL);
	ck_assert(strstr(d.log, ", 127.0.0.2:") != NULL);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	daemon_wait_log(&d, "127.0.0.1 port ", 0);
	ck_assert(strstr(d.log, ": sent 14 bytes in ") != NULL);
	ck_assert(strstr(d.log, "discarded 0 bytes, closed by peer") != NULL);
	/* A client that types 5 bytes: they are counted, not logged. */
	fd = open_client("127.0.0.3", "127.0.0.1", d.port);
	ck_assert_int_eq(write(fd, "\x1b[2J!", 5), 5);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	daemon_wait_log(&d, "127.0.0.3 port ", 0);
	ck_assert(strstr(d.log, "discarded 5 bytes, closed by peer") != NULL);
	ck_assert(strchr(d.log, '\x1b') == NULL);
	snprintf(want, sizeof(want), "hello-server[%d]: exiting", (int)d.pid);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(strstr(d.log, want) != NULL);
}
END_TEST

START_TEST(quiet_has_no_connection_lines)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-q", NULL };
	char buf[256];

	daemon_start(&d, args);
	for (int i = 0; i < 5; i++)
		fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	daemon_wait_children_at_most(&d, 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert_uint_eq(daemon_count_log(&d, " port "), 0);
	ck_assert(strstr(d.log, "exiting after 5 connections") != NULL);
}
END_TEST

/* Under systemd a child logs to its journal stream, with journald's priority prefix; the master
 * keeps to syslog (and stderr with -d). */
START_TEST(children_log_to_the_journal_stream)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	struct daemon_env env = { .journal_stream = true };
	char buf[64];

	daemon_start_env(&d, args, &env);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	daemon_wait_log(&d, "<6>127.0.0.1 port ", 0);
	ck_assert(strstr(d.log, "]: 127.0.0.1 port ") == NULL);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(strstr(d.log, "]: exiting after 1 connection") != NULL);
}
END_TEST

/* The first child of the daemon (it must have one). */
static pid_t
first_child(pid_t parent)
{
	char path[64];
	pid_t kid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &kid), 1);
	fclose(f);
	return kid;
}

/* A line of /proc/PID/status, e.g. "SigCgt:", as text after the colon. */
static void
status_field(pid_t pid, const char *field, char *value, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	value[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			snprintf(value, len, "%s",
				line + strlen(field) + strspn(line + strlen(field), " \t"));
	fclose(f);
}

/* A child holds stdin/out/err, its client and the log socket, nothing of the master's, and
 * catches no signal. */
START_TEST(child_holds_only_its_client)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-l", "127.0.0.2:0", NULL };
	char path[64], target[128], value[64];
	unsigned sockets = 0, others = 0, log_slot = 0;
	struct dirent *e;
	pid_t kid;
	DIR *dir;
	int fd;

	if (under_valgrind())
		return; /* valgrind's own descriptors are in every process it runs */
	daemon_start(&d, args);
	fd = open_client(NULL, "127.0.0.1", d.port);
	ck_assert_int_eq(read(fd, target, 14), 14);
	kid = first_child(d.pid);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)kid);
	dir = opendir(path);
	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir)) != NULL) {
		char link[400];
		ssize_t n;

		if (e->d_name[0] == '.' || atoi(e->d_name) <= 2)
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		ck_assert_int_gt(n, 0);
		target[n] = '\0';
		if (strncmp(target, "socket:", 7) == 0)
			sockets++;
		else if (strcmp(target, "/dev/null") == 0)
			log_slot++; /* the log socket's place while syslog is away */
		else
			others++;
	}
	closedir(dir);
	/* The client, and the syslog socket (or its place, where this machine has no syslog). */
	ck_assert_uint_eq(others, 0);
	ck_assert_uint_ge(sockets, 1);
	ck_assert_uint_eq(sockets + log_slot, 2);
	{
		/* Sanitizer runtimes catch SIGSEGV and friends; none of the master's signals may be. */
		unsigned long long caught, ours = 0;

		status_field(kid, "SigCgt:", value, sizeof(value));
		caught = strtoull(value, NULL, 16);
		for (int sig = 1; sig < 32; sig++)
			if (sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGUSR1 ||
				sig == SIGCHLD || sig == SIGALRM || sig == SIGPIPE)
				ours |= 1ull << (sig - 1);
		ck_assert_msg((caught & ours) == 0, "a child catches signals %llx", caught & ours);
	}
	close(fd);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Started as root with --user: bound first, then every process runs as that user. */
START_TEST(user_drops_root)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-u", "nobody", NULL };
	const char *const no_user[] = { "-l", "127.0.0.1:0", NULL };
	const char *const nobody_then_root[] = { "-l", "127.0.0.1:0", "-u", "nobody", "-u", "root",
		NULL };
	char uid[64], buf[64];
	int fd;

	daemon_start(&d, args);
	status_field(d.pid, "Uid:", uid, sizeof(uid));
	ck_assert_str_eq(uid, "65534\t65534\t65534\t65534\n");
	status_field(d.pid, "Groups:", uid, sizeof(uid));
	ck_assert_str_eq(uid, "65534 \n");
	fd = open_client(NULL, "127.0.0.1", d.port);
	ck_assert_int_eq(read(fd, buf, 14), 14);
	status_field(first_child(d.pid), "Uid:", uid, sizeof(uid));
	ck_assert_str_eq(uid, "65534\t65534\t65534\t65534\n");
	close(fd);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(strstr(d.log, "running as root") == NULL);
	daemon_cleanup(&d);
	daemon_start(&d, no_user);
	daemon_wait_log(&d, "running as root: consider --user", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
	daemon_cleanup(&d);
	/* The last --user wins, and the warning is about the one in force. */
	daemon_start(&d, nobody_then_root);
	status_field(d.pid, "Uid:", uid, sizeof(uid));
	ck_assert_str_eq(uid, "0\t0\t0\t0\n");
	daemon_wait_log(&d, "running as root (--user root)", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* /proc/PID/cmdline: everything, NULs included. */
static size_t
read_cmdline(pid_t pid, char *buf, size_t cap)
{
	char path[64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* The process's title reads exactly title: in /proc (the title and one NUL, as for a program
 * run without arguments) and in ps -o args, where ps is installed. */
static void
expect_title(pid_t pid, const char *title)
{
	char got[4096], cmd[128], line[512] = "";
	size_t n = read_cmdline(pid, got, sizeof(got));
	FILE *ps;

	ck_assert_msg(n == strlen(title) + 1 && memcmp(got, title, n) == 0,
		"/proc/%d/cmdline is %zu bytes, '%.*s', not '%s' and a NUL", (int)pid, n, (int)n,
		got, title);
	if (access("/usr/bin/ps", X_OK) != 0 && access("/bin/ps", X_OK) != 0) {
		printf("ps not found (package procps): /proc/%d/cmdline checked alone\n", (int)pid);
		return;
	}
	snprintf(cmd, sizeof(cmd), "ps -o args= -p %d", (int)pid);
	ps = popen(cmd, "r");
	ck_assert_ptr_nonnull(ps);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), ps));
	pclose(ps);
	ck_assert_int_gt(strlen(line), 0);
	line[strlen(line) - 1] = '\0';
	ck_assert_str_eq(line, title);
}

/* argv[0] lengths around the titles' (20 and 32 characters) and the daemon's arguments
 * ("-d -l 127.0.0.1:0": 18 bytes after argv[0]'s NUL): shorter, equal to each title, the
 * title filling the arguments exactly (2, 14), and far longer. */
static const size_t argv0_lengths[] = { 1, 2, 14, 19, 20, 21, 32, 33, 200 };

/* ps shows what each process is, whatever the length of the command line it was started
 * with. */
START_TEST(process_titles)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	char argv0[256], buf[16];
	struct daemon_env env = { .argv0 = argv0 };
	pid_t kid;
	int fd;

	if (under_valgrind())
		return; /* valgrind's own command line is what /proc shows: nothing to check */
	memset(argv0, 'h', argv0_lengths[_i]);
	argv0[argv0_lengths[_i]] = '\0';
	daemon_start_env(&d, args, &env);
	expect_title(d.pid, "hello-server: master");
	fd = open_client("127.0.0.5", "127.0.0.1", d.port);
	/* Once the greeting is here, the child has named itself: it does so before greeting. */
	ck_assert_int_eq(read(fd, buf, 14), 14);
	kid = first_child(d.pid);
	expect_title(kid, "hello-server: greeting 127.0.0.5");
	close(fd);
	ck_assert_int_eq(daemon_stop(&d), 0);
	/* As started from the build tree, by its path. */
	daemon_cleanup(&d);
	daemon_start(&d, args);
	expect_title(d.pid, "hello-server: master");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* ---- bad input: one line naming the value, and a sysexits code ---------------------------- */

static const struct {
	const char *args[6];
	int rc;
	const char *says;
} bad[] = {
	{ { "abc" }, 64, "hello-server: port 'abc' is not a number" },
	{ { "--", "-1" }, 64, "hello-server: port '-1' is not a number" },
	{ { "70000" }, 64, "hello-server: port '70000' is too large" },
	{ { "80x" }, 64, "hello-server: port '80x' is not a number" },
	{ { "" }, 64, "hello-server: port '' is empty" },
	{ { "--bogus" }, 64, "hello-server: unknown option '--bogus'\nusage: hello-server" },
	{ { "-c", "many" }, 64, "hello-server: --max-children 'many' is not a number" },
	{ { "-l", "1.2.3.4.5" }, 64, "hello-server: listen address '1.2.3.4.5'" },
	{ { "-a", "10.0.0.1/8" }, 64, "hello-server: CIDR '10.0.0.1/8' has host bits set" },
	{ { "-M", "/nonexistent/message" }, 66,
		"hello-server: message file '/nonexistent/message': No such file or directory" },
	{ { "-M", "/" }, 66, "hello-server: message file '/' is not a regular file" },
	{ { "-u", "no-such-user-here" }, 67, "hello-server: --user: no user 'no-such-user-here'" },
	{ { "-u", "nobody:" }, 64, "hello-server: --user 'nobody:' names no group" },
	{ { "-u", ":nogroup" }, 64, "hello-server: --user ':nogroup' names no user" },
	{ { "-u", "nobody", "-u", "no-such-user-here" }, 67,
		"hello-server: --user: no user 'no-such-user-here'" },
};

START_TEST(bad_input_exit_codes)
{
	char err[4096];
	int rc = run_daemon_once(bad[_i].args, err, sizeof(err), 0);

	ck_assert_int_eq(rc, bad[_i].rc);
	ck_assert_msg(strncmp(err, bad[_i].says, strlen(bad[_i].says)) == 0, "stderr: %s", err);
	if (strstr(bad[_i].says, "usage") == NULL)
		ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n'), "one line: %s", err);
}
END_TEST

/* A user name longer than any account's is a user that does not exist, as the man page says
 * of every unknown user: 67, not a usage error. */
START_TEST(overlong_user_does_not_exist)
{
	size_t len = 5000;
	char *name = malloc(len + 1), err[4096];

	memset(name, 'u', len);
	name[len] = '\0';
	{
		const char *const args[] = { "-u", name, NULL };

		ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), 67);
	}
	ck_assert_msg(strncmp(err, "hello-server: --user: no user 'uuu", 34) == 0, "stderr: %s",
		err);
	ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n'), "one line: %s", err);
	free(name);
}
END_TEST

START_TEST(message_over_the_limit)
{
	size_t len = 70000;
	char *text = malloc(len + 1), err[1024];

	memset(text, 'x', len);
	text[len] = '\0';
	{
		const char *const args[] = { "-m", text, NULL };

		ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), 65);
		ck_assert(strstr(err, "the limit is 65536") != NULL);
	}
	{
		const char *path = daemon_write_file(&d, "big", text, len);
		const char *const args[] = { "-M", path, NULL };

		ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), 65);
		ck_assert(strstr(err, "larger than the 65536-byte limit") != NULL);
	}
	free(text);
}
END_TEST

START_TEST(address_in_use)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	char err[1024], addr[64];

	daemon_start(&d, args);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", d.port);
	{
		const char *const again[] = { "-l", addr, NULL };

		ck_assert_int_eq(run_daemon_once(again, err, sizeof(err), 0), 71);
	}
	ck_assert_msg(strstr(err, "cannot listen on 127.0.0.1:") != NULL, "%s", err);
	ck_assert(strstr(err, "Address already in use") != NULL);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* An unprivileged user cannot bind port 17: the message says so and how to do without. */
START_TEST(privileged_port)
{
	const char *const args[] = { "-l", "127.0.0.1:17", NULL };
	char err[1024];
	/* Not test_limits' user, whose RLIMIT_NPROC a process of this one would use up. */
	uid_t uid = geteuid() == 0 ? 54320 : 0;

	/* valgrind, re-executed for the daemon as another user, fails before the daemon runs */
	if (uid != 0 && under_valgrind())
		return;

	ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), uid), 71);
	ck_assert_msg(strstr(err, "cannot listen on 127.0.0.1:17: Permission denied") != NULL, "%s",
		err);
	ck_assert(strstr(err, "ports below 1024 need root or CAP_NET_BIND_SERVICE") != NULL);
}
END_TEST

static Suite *
daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("serving");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, default_greeting_exact_bytes);
	tcase_add_test(tc, custom_greeting_from_option_and_file);
	tcase_add_test(tc, five_hundred_at_once);
	tcase_add_loop_test(tc, clients_that_type_first, 0, 2);
	tcase_add_test(tc, ipv6_loopback);
	tcase_add_test(tc, default_listens_everywhere);
	tcase_add_test(tc, no_zombie_after_2000);
	tcase_add_loop_test(tc, sigterm_and_sigint_exit_0, 0, 2);
	tcase_add_test(tc, logs_start_and_each_connection);
	tcase_add_test(tc, quiet_has_no_connection_lines);
	tcase_add_loop_test(tc, process_titles, 0,
		sizeof(argv0_lengths) / sizeof(argv0_lengths[0]));
	tcase_add_test(tc, children_log_to_the_journal_stream);
	tcase_add_test(tc, child_holds_only_its_client);
	suite_add_tcase(s, tc);
	tc = tcase_create("as-root");
	tcase_set_tags(tc, ROOT_TAG);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, user_drops_root);
	suite_add_tcase(s, tc);
	tc = tcase_create("bad-input");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_loop_test(tc, bad_input_exit_codes, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, overlong_user_does_not_exist);
	tcase_add_test(tc, message_over_the_limit);
	tcase_add_test(tc, address_in_use);
	tcase_add_test(tc, privileged_port);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return run_suite_part(daemon_suite(), argc, argv);
}
