/* The systemd protocols: $NOTIFY_SOCKET datagrams, $LISTEN_PID/$LISTEN_FDS, passed sockets. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "listen.h"
#include "notify.h"
#include "runner.h"
#include "sinks.h"

START_TEST(notify_addresses)
{
	struct sockaddr_un a;
	socklen_t len;
	char err[256], longpath[200];

	ck_assert_int_eq(notify_parse_address("/run/systemd/notify", &a, &len, err, sizeof(err)),
		0);
	ck_assert_str_eq(a.sun_path, "/run/systemd/notify");
	ck_assert_int_eq(notify_parse_address("@hello/notify", &a, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(a.sun_path[0], '\0');
	ck_assert(memcmp(a.sun_path + 1, "hello/notify", 12) == 0);
	ck_assert_int_eq(len, sizeof(a.sun_family) + 13);
	ck_assert_int_eq(notify_parse_address("relative/path", &a, &len, err, sizeof(err)), -1);
	ck_assert(strstr(err, "'relative/path'") != NULL);
	ck_assert_int_eq(notify_parse_address("", &a, &len, err, sizeof(err)), -1);
	ck_assert_int_eq(notify_parse_address("@", &a, &len, err, sizeof(err)), -1);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(notify_parse_address(longpath, &a, &len, err, sizeof(err)), -1);
	ck_assert(strstr(err, "too long") != NULL);
}
END_TEST

static void
round_trip(const char *where)
{
	struct notifier n;
	int rx = notify_receiver(where);

	notifier_to(&n, where);
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
	ck_assert(notify_send(&n, "READY=1"));
	ck_assert(notify_send(&n, "STATUS=3 children, 7 served, 0 refused"));
	expect_datagram(rx, "READY=1");
	expect_datagram(rx, "STATUS=3 children, 7 served, 0 refused");
	notify_close(&n);
	close(rx);
}

START_TEST(notify_path_socket)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/hello-notify-%d", (int)getpid());
	unlink(path);
	round_trip(path);
	unlink(path);
}
END_TEST

START_TEST(notify_abstract_socket)
{
	char name[64];

	snprintf(name, sizeof(name), "@hello-notify-%d", (int)getpid());
	round_trip(name);
}
END_TEST

START_TEST(notify_absent_is_silent)
{
	struct notifier n;
	char err[256];

	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_open(&n, err, sizeof(err)), 0);
	ck_assert_int_eq(n.fd, -1);
	ck_assert(notify_send(&n, "READY=1"));
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "nonsense", 1), 0);
	ck_assert_int_eq(notify_open(&n, err, sizeof(err)), -1);
	ck_assert_int_eq(n.fd, -1);
}
END_TEST

static const struct {
	const char *pid; /* "self" stands for our pid */
	const char *fds;
	int rc;
	unsigned count;
} listen_env[] = {
	{ NULL, NULL, 0, 0 },
	{ "self", NULL, 0, 0 },
	{ NULL, "2", 0, 0 },
	{ "self", "2", 0, 2 },
	{ "self", "0", 0, 0 },
	{ "1", "2", 0, 0 }, /* meant for another process */
	{ "self", "abc", EX_CONFIG, 0 },
	{ "self", "-1", EX_CONFIG, 0 },
	{ "self", "99999999", EX_CONFIG, 0 },
	{ "self", "", EX_CONFIG, 0 },
	{ "x", "1", EX_CONFIG, 0 },
	{ "0", "1", EX_CONFIG, 0 },
};

START_TEST(listen_fds_values)
{
	char self[32], err[256] = "";
	const char *pid = listen_env[_i].pid;
	unsigned count = 99;
	int rc;

	snprintf(self, sizeof(self), "%d", (int)getpid());
	if (pid != NULL && strcmp(pid, "self") == 0)
		pid = self;
	rc = listen_fds_parse(pid, listen_env[_i].fds, getpid(), &count, err, sizeof(err));
	ck_assert_int_eq(rc, listen_env[_i].rc);
	ck_assert_uint_eq(count, listen_env[_i].count);
	if (rc != 0)
		ck_assert(strstr(err, "LISTEN_") != NULL);
}
END_TEST

/* These run in a process of their own: Check talks to its parent over low descriptors, and
 * systemd's numbers (3, 4, ...) would overwrite them. They return 0, or the failing line. */
#define EXPECT(cond) \
	do { \
		if (!(cond)) \
			return __LINE__; \
	} while (0)

static int
tcp_socket_on_loopback(int listening)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
		(listening && listen(fd, 8) != 0))
		return -1;
	return fd;
}

/* Puts fd at number want, as systemd would have passed it. */
static int
place(int fd, int want)
{
	if (fd < 0 || dup2(fd, want) != want)
		return -1;
	if (fd != want)
		close(fd);
	return 0;
}

static int
inherit_two_listeners(void)
{
	struct listener *l;
	size_t n;
	char err[256];

	EXPECT(place(tcp_socket_on_loopback(1), 3) == 0);
	EXPECT(place(tcp_socket_on_loopback(1), 4) == 0);
	EXPECT(listeners_inherit(2, &l, &n, err, sizeof(err)) == 0);
	EXPECT(n == 2 && l[0].fd == 3 && l[1].fd == 4);
	EXPECT(strncmp(l[0].name, "127.0.0.1:", 10) == 0);
	listeners_close(l, n);
	return 0;
}

static int
refuse_others(void)
{
	struct listener *l;
	size_t n;
	char err[256];
	int sv[2];

	EXPECT(place(tcp_socket_on_loopback(1), 3) == 0);
	EXPECT(place(tcp_socket_on_loopback(0), 4) == 0);
	EXPECT(listeners_inherit(2, &l, &n, err, sizeof(err)) == EX_CONFIG);
	EXPECT(strstr(err, "descriptor 4") != NULL);
	EXPECT(strstr(err, "not a listening stream socket") != NULL);
	EXPECT(place(socket(AF_INET, SOCK_DGRAM, 0), 4) == 0);
	EXPECT(listeners_inherit(2, &l, &n, err, sizeof(err)) == EX_CONFIG);
	EXPECT(place(socket(AF_UNIX, SOCK_STREAM, 0), 4) == 0);
	EXPECT(listeners_inherit(2, &l, &n, err, sizeof(err)) == EX_CONFIG);
	EXPECT(pipe(sv) == 0 && place(sv[0], 4) == 0);
	EXPECT(listeners_inherit(2, &l, &n, err, sizeof(err)) == EX_CONFIG);
	EXPECT(strstr(err, "not a socket") != NULL);
	close(4);
	EXPECT(listeners_inherit(2, &l, &n, err, sizeof(err)) == EX_CONFIG);
	return 0;
}

static int (*const in_own_process[])(void) = { inherit_two_listeners, refuse_others };

START_TEST(inherited_descriptors)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(in_own_process[_i]());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "failed at test_notify.c line %d",
		WEXITSTATUS(status));
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_test(tc, notify_addresses);
	tcase_add_test(tc, notify_path_socket);
	tcase_add_test(tc, notify_abstract_socket);
	tcase_add_test(tc, notify_absent_is_silent);
	suite_add_tcase(s, tc);
	tc = tcase_create("listen-fds");
	tcase_add_loop_test(tc, listen_fds_values, 0, sizeof(listen_env) / sizeof(listen_env[0]));
	tcase_add_loop_test(tc, inherited_descriptors, 0,
		sizeof(in_own_process) / sizeof(in_own_process[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(notify_suite());
}
