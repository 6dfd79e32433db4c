/* Behind a real HAProxy (Debian's haproxy package), started by the test with its own
 * configuration on loopback: send-proxy and send-proxy-v2 server lines, health checks that keep
 * the server UP, the per-source cap, a deny rule and the log acting on the real client (each
 * client binds its own 127.0.0.x), a silent trusted peer cut at the deadline while others are
 * served, an IPv6 frontend, and a load that HAProxy's one source address used to lose. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "io.h"
#include "runner.h"
#include "util.h"

#define HAPROXY "/usr/sbin/haproxy"

static struct daemon d;
static pid_t haproxy = -1;
static uint16_t port_v1, port_v2, port_v6;
static char stats_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static uint16_t
free_port(int family)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len =
		family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint16_t port;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	close(fd);
	return port;
}

/* The configuration docs/scale-out.md shows, with the test's ports. Checks every 100 ms so that
 * the test sees many of them; rise 1 so that nothing waits on a second good check. */
static void
write_config(const char *path, bool ipv6)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"global\n"
		"    stats socket %s mode 600 level admin\n"
		"    log fd@3 format raw local0 info\n"
		"defaults\n"
		"    mode tcp\n"
		"    log global\n"
		"    option tcplog\n"
		"    timeout connect 2s\n"
		"    timeout client 30s\n"
		"    timeout server 30s\n"
		"    timeout check 2s\n"
		"backend qotd_v1\n"
		"    server h1 127.0.0.1:%u send-proxy check inter 100ms rise 1 fall 2\n"
		"backend qotd_v2\n"
		"    server h1 127.0.0.1:%u send-proxy-v2 check check-send-proxy inter 100ms rise 1 fall 2\n"
		"frontend v1\n"
		"    bind 127.0.0.1:%u\n"
		"    default_backend qotd_v1\n"
		"frontend v2\n"
		"    bind 127.0.0.1:%u\n"
		"    default_backend qotd_v2\n",
		stats_path, d.port, d.port, port_v1, port_v2);
	if (ipv6)
		fprintf(f,
			"frontend v6\n"
			"    bind [::1]:%u\n"
			"    default_backend qotd_v2\n",
			port_v6);
	ck_assert_int_eq(fclose(f), 0);
}

/* As a daemon (-D), HAProxy binds its frontends, writes its pidfile and only then lets the
 * program that started it exit: that exit is the event that it listens. Its log goes to
 * descriptor 3, a file. */
static void
start_haproxy(bool ipv6)
{
	char cfg[128], log[128], pidfile[128], pid[32];
	pid_t starter;

	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", d.dir);
	snprintf(log, sizeof(log), "%s/haproxy.log", d.dir);
	snprintf(pidfile, sizeof(pidfile), "%s/haproxy.pid", d.dir);
	snprintf(stats_path, sizeof(stats_path), "%s/stats.sock", d.dir);
	port_v1 = free_port(AF_INET);
	port_v2 = free_port(AF_INET);
	if (ipv6)
		port_v6 = free_port(AF_INET6);
	write_config(cfg, ipv6);
	starter = fork();
	ck_assert_int_ge(starter, 0);
	if (starter == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(fd, 3) < 0)
			_exit(127);
		execl(HAPROXY, "haproxy", "-D", "-p", pidfile, "-f", cfg, (char *)NULL);
		_exit(127);
	}
	ck_assert_msg(wait_child_exit(starter, "haproxy -D") == 0,
		"haproxy did not start; its log:\n%s", read_file(log, (char[4096]){ 0 }, 4096));
	haproxy = (pid_t)strtol(read_file(pidfile, pid, sizeof(pid)), NULL, 10);
	ck_assert_int_gt(haproxy, 0);
}

static void
setup_daemon(const char *const args[], bool ipv6)
{
	daemon_start(&d, args);
	start_haproxy(ipv6);
}

/* HAProxy is no child of the test (it made itself a daemon): its pidfd says when it is gone. */
static void
stop_and_await(pid_t pid, const char *what)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	ck_assert_int_ge(pidfd, 0);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_msg(poll(&p, 1, (int)stall_ms()) == 1, "%s outlived SIGTERM", what);
	close(pidfd);
}

static void
teardown(void)
{
	if (haproxy > 0) {
		stop_and_await(haproxy, "haproxy");
		haproxy = -1;
	}
	daemon_cleanup(&d);
}

/* One "show stat" over the stats socket: the status column of server h1 of backend. */
static void
server_status(const char *backend, char *status, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[65536], prefix[64];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *line;

	memcpy(sun.sun_path, stats_path, sizeof(stats_path));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(write(fd, "show stat\n", 10), 10);
	while (got + 1 < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	snprintf(prefix, sizeof(prefix), "\n%s,h1,", backend);
	line = strstr(buf, prefix);
	ck_assert_msg(line != NULL, "no %s/h1 in:\n%s", backend, buf);
	/* pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,
	 * wredis,status: the 18th field. */
	line++;
	for (int i = 0; i < 17; i++)
		line = strchr(line, ',') + 1;
	snprintf(status, len, "%.*s", (int)strcspn(line, ","), line);
}

static size_t
via(const char *source, uint16_t port, char *buf, size_t cap)
{
	return fetch(source, "127.0.0.1", port, buf, cap);
}

/* hello_server_health_checks_total in the --metrics-file at path; 0 while there is no file. */
static unsigned long
health_checks(const char *path)
{
	static const char name[] = "\nhello_server_health_checks_total ";
	char text[16384];
	const char *at;
	size_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	got = read_to_end(fd, text, sizeof(text));
	close(fd);
	at = memmem(text, got, name, sizeof(name) - 1);
	ck_assert_msg(at != NULL, "no health_checks_total in:\n%s", text);
	return strtoul(at + sizeof(name) - 1, NULL, 10);
}

/* Until the daemon has greeted at least n of HAProxy's checks. It writes its --metrics-file
 * anew (a rename into d.dir) at most once a second when a count changes: each rename is the
 * event to read it again, and a stall is stall_ms() without one check more. */
static void
wait_checks(const char *metrics, unsigned long n)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int64_t deadline = mono_ms() + stall_ms();
	unsigned long have, most = 0;

	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(inotify_add_watch(in, d.dir, IN_MOVED_TO | IN_CLOSE_WRITE), 0);
	while ((have = health_checks(metrics)) < n) {
		struct pollfd p = { .fd = in, .events = POLLIN };
		char events[4096];

		if (have > most) {
			most = have;
			deadline = mono_ms() + stall_ms();
		}
		ck_assert_msg(poll(&p, 1, ms_until(deadline)) == 1,
			"%lu of %lu health checks greeted, and no more", have, n);
		while (read(in, events, sizeof(events)) > 0)
			;
	}
	close(in);
}

START_TEST(send_proxy_v1_and_v2_name_the_client)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	char buf[64];

	setup_daemon(args, false);
	ck_assert_uint_eq(via("127.0.0.2", port_v1, buf, sizeof(buf)), 14);
	daemon_wait_log(&d, "127.0.0.2 port ", 0);
	ck_assert_uint_eq(via("127.0.0.3", port_v2, buf, sizeof(buf)), 14);
	daemon_wait_log(&d, "127.0.0.3 port ", 0);
	ck_assert_uint_eq(daemon_count_log(&d, " via 127.0.0.1: sent 14 bytes"), 2);
}
END_TEST

/* Checks with a header (v1: an ordinary line naming HAProxy's own socket; v2: LOCAL) are
 * greeted, counted, not logged, and keep both servers UP. */
START_TEST(health_checks_keep_the_server_up)
{
	char metrics[sizeof(d.dir) + 32], status[32];
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-s", "1",
		"--metrics-file", metrics, NULL };

	daemon_prepare(&d);
	snprintf(metrics, sizeof(metrics), "%s/hello-server.prom", d.dir);
	setup_daemon(args, false);
	wait_checks(metrics, 20);
	server_status("qotd_v1", status, sizeof(status));
	ck_assert_str_eq(status, "UP");
	server_status("qotd_v2", status, sizeof(status));
	ck_assert_str_eq(status, "UP");
	ck_assert_uint_eq(daemon_count_log(&d, "no greeting for balancer"), 0);
	ck_assert_uint_eq(daemon_count_log(&d, ": sent 14 bytes"), 0);
}
END_TEST

START_TEST(per_source_cap_and_deny_act_on_the_client)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-s", "2", "-x",
		"127.0.0.6", NULL };
	char buf[64];
	int held[2];

	setup_daemon(args, false);
	for (int i = 0; i < 2; i++) {
		held[i] = open_client("127.0.0.4", "127.0.0.1", port_v1);
		ck_assert_int_eq(read(held[i], buf, 14), 14);
	}
	ck_assert_uint_eq(via("127.0.0.4", port_v1, buf, sizeof(buf)), 0);
	daemon_wait_log(&d, "via 127.0.0.1: 2 connections from this source (--max-per-source)", 0);
	ck_assert_uint_eq(daemon_count_log(&d, "refused 127.0.0.4 port "), 1);
	ck_assert_uint_eq(via("127.0.0.5", port_v1, buf, sizeof(buf)), 14);
	ck_assert_uint_eq(via("127.0.0.6", port_v2, buf, sizeof(buf)), 0);
	daemon_wait_log(&d, "via 127.0.0.1: denied by the access list", 0);
	ck_assert_uint_eq(daemon_count_log(&d, "refused 127.0.0.6 port "), 1);
	for (int i = 0; i < 2; i++)
		close(held[i]);
}
END_TEST

/* 32 concurrent clients from 32 addresses, 2000 connections, the default cap of 16 per source:
 * every one greeted (without the header, the cap saw one source and refused most). */
START_TEST(load_through_haproxy_is_all_greeted)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-q", NULL };
	const char *load[] = { "-n", "2000", "-c", "32", "-S", "32", "-q", NULL };
	char out[4096];

	if (under_valgrind())
		load[1] = "400"; /* the same proof, at memcheck's pace */
	setup_daemon(args, false);
	ck_assert_msg(run_load(port_v1, load, out, sizeof(out)) == 0, "%s\n%s", out,
		daemon_log_tail(&d));
	ck_assert_msg(run_load(port_v2, load, out, sizeof(out)) == 0, "%s\n%s", out,
		daemon_log_tail(&d));
	ck_assert_uint_eq(daemon_count_log(&d, "refused"), 0);
}
END_TEST

/* A trusted peer that says nothing is cut at --proxy-timeout; clients through HAProxy are
 * greeted meanwhile. */
START_TEST(silent_trusted_peer_is_cut_while_others_are_served)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "--proxy-timeout", "1",
		NULL };
	char buf[64];
	int silent;

	setup_daemon(args, false);
	silent = open_client("127.0.0.1", "127.0.0.1", d.port);
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(via("127.0.0.7", i % 2 ? port_v1 : port_v2, buf, sizeof(buf)),
			14);
	ck_assert_int_eq(read(silent, buf, sizeof(buf)), 0);
	close(silent);
	daemon_wait_log(&d, "no complete PROXY header in 1 s (--proxy-timeout)", 0);
}
END_TEST

START_TEST(ipv6_frontend)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	char buf[64];

	if (!have_ipv6_loopback())
		return; /* no ::1 here: nothing to prove */
	setup_daemon(args, true);
	ck_assert_uint_eq(fetch("::1", "::1", port_v6, buf, sizeof(buf)), 14);
	/* Our client's line; the start-up probe's may come before or after it, greeted or not. */
	daemon_wait_log(&d, " via 127.0.0.1: sent 14 bytes", 0);
	/* Every relayed line names the IPv6 client (start-up probes may have come through too),
	 * each line judged in one reading of the log: a probe's line may land between two. */
	ck_assert_uint_ge(daemon_count_log(&d, " via 127.0.0.1: "), 1);
	for (const char *line = d.log; *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		const char *via = memmem(line, len, " via 127.0.0.1: ", 16);

		ck_assert_msg(via == NULL || memmem(line, len, "]: ::1 port ", 12) != NULL,
			"a relayed line without the IPv6 client: %.*s", (int)len, line);
		line += len + (end != NULL);
	}
}
END_TEST

#define NGINX "/usr/sbin/nginx"
#define NGINX_STREAM "/usr/lib/nginx/modules/ngx_stream_module.so"

static pid_t nginx = -1;
static int nginx_log = -1; /* nginx's stderr, a pipe held open until it is gone */

static void
teardown_nginx(void)
{
	if (nginx > 0) {
		kill(nginx, SIGQUIT);
		(void)wait_child_exit(nginx, "nginx");
		nginx = -1;
	}
	if (nginx_log >= 0) {
		close(nginx_log);
		nginx_log = -1;
	}
	daemon_cleanup(&d);
}

/* nginx's stream module with proxy_protocol on (version 1; it has no active health checks):
 * the configuration docs/scale-out.md shows. */
START_TEST(nginx_stream_names_the_client)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	char cfg[128], buf[64];
	uint16_t port;
	int fds[2];
	FILE *f;

	if (access(NGINX, X_OK) != 0 || access(NGINX_STREAM, R_OK) != 0) {
		printf("SKIP nginx_stream_names_the_client: no %s with %s (Debian packages "
		       "nginx-light, libnginx-mod-stream)\n",
			NGINX, NGINX_STREAM);
		return;
	}
	daemon_start(&d, args);
	port = free_port(AF_INET);
	snprintf(cfg, sizeof(cfg), "%s/nginx.conf", d.dir);
	f = fopen(cfg, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"load_module %s;\n"
		"worker_processes 1;\n"
		"pid %s/nginx.pid;\n"
		"error_log stderr notice;\n"
		"events { worker_connections 256; }\n"
		"stream {\n"
		"    upstream qotd { server 127.0.0.1:%u; }\n"
		"    server {\n"
		"        listen 127.0.0.1:%u;\n"
		"        proxy_pass qotd;\n"
		"        proxy_protocol on;\n"
		"    }\n"
		"}\n",
		NGINX_STREAM, d.dir, d.port, port);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	nginx = fork();
	ck_assert_int_ge(nginx, 0);
	if (nginx == 0) {
		if (dup2(fds[1], STDERR_FILENO) < 0)
			_exit(127);
		execl(NGINX, "nginx", "-e", "stderr", "-p", d.dir, "-c", cfg, "-g", "daemon off;",
			(char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	nginx_log = fds[0];
	/* nginx opens its listening sockets, then starts its workers and says so. */
	wait_line(nginx_log, "nginx", "start worker processes");
	ck_assert_uint_eq(via("127.0.0.8", port, buf, sizeof(buf)), 14);
	daemon_wait_log(&d, "127.0.0.8 port ", 0);
	ck_assert_uint_eq(daemon_count_log(&d, "127.0.0.8 port "), 1);
	/* ... named with the balancer. */
	ck_assert_uint_eq(daemon_count_log(&d, " via 127.0.0.1: sent 14 bytes"), 1);
}
END_TEST

static Suite *
haproxy_suite(void)
{
	Suite *s = suite_create("haproxy");
	TCase *tc = tcase_create("behind HAProxy");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, send_proxy_v1_and_v2_name_the_client);
	tcase_add_test(tc, health_checks_keep_the_server_up);
	tcase_add_test(tc, per_source_cap_and_deny_act_on_the_client);
	tcase_add_test(tc, load_through_haproxy_is_all_greeted);
	tcase_add_test(tc, silent_trusted_peer_is_cut_while_others_are_served);
	tcase_add_test(tc, ipv6_frontend);
	suite_add_tcase(s, tc);
	tc = tcase_create("behind nginx");
	tcase_add_checked_fixture(tc, NULL, teardown_nginx);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, nginx_stream_names_the_client);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (access(HAPROXY, X_OK) != 0) {
		printf("SKIP: %s not found (Debian package haproxy)\n", HAPROXY);
		return 77;
	}
	/* memcheck follows every exec: HAProxy and nginx would run under it too, too slowly for
	 * their checks and with leaks of their own. The daemon's side of the PROXY protocol runs
	 * under memcheck in test-proxy. */
	if (under_valgrind()) {
		printf("SKIP: HAProxy and nginx would run under valgrind too\n");
		return 77;
	}
	return run_suite(haproxy_suite());
}
