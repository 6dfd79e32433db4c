/* --metrics-file read by the real collector: the daemon serves, refuses by every rule, greets
 * clients that close, reset and outstay the deadline, and a balancer's check, relayed client
 * and bad header; then Debian's prometheus-node-exporter, with its textfile collector on the
 * file's directory, is scraped over loopback and each value must be what the test did. Its
 * promtool must accept the file as it is. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "io.h"
#include "runner.h"
#include "util.h"

#define NODE_EXPORTER "/usr/bin/prometheus-node-exporter"
#define PROMTOOL "/usr/bin/promtool"

static struct daemon d;
static pid_t exporter = -1;
static int exporter_log = -1; /* kept open: a Go program dies of SIGPIPE on a closed stderr */
static char metrics_dir[128], metrics_path[160];

static void
teardown(void)
{
	if (exporter > 0) {
		kill(exporter, SIGTERM);
		waitpid(exporter, NULL, 0);
		exporter = -1;
	}
	if (exporter_log >= 0)
		close(exporter_log);
	exporter_log = -1;
	daemon_cleanup(&d);
}

/* A connection from the balancer that sends a header and reads the answer to its end. */
static size_t
relay(const char *header, char *buf, size_t cap)
{
	int fd = open_client("127.0.0.5", "127.0.0.1", d.port);
	size_t got;

	send_all(fd, header, strlen(header));
	got = read_to_end(fd, buf, cap);
	close(fd);
	return got;
}

static void
expect_greeted(const char *source, unsigned times)
{
	char buf[64];

	for (unsigned i = 0; i < times; i++)
		ck_assert_msg(fetch(source, "127.0.0.1", d.port, buf, sizeof(buf)) == 14,
			"%s, connection %u: no greeting\n%s", source, i + 1, daemon_log_tail(&d));
}

static void
expect_refused(const char *source)
{
	char buf[64];

	ck_assert_msg(fetch(source, "127.0.0.1", d.port, buf, sizeof(buf)) == 0,
		"%s was greeted\n%s", source, daemon_log_tail(&d));
}

/* -s 1: one connection held open, a second from its source is refused. */
static void
refuse_per_source(void)
{
	int held = open_client("127.0.0.3", "127.0.0.1", d.port);
	char buf[64];
	size_t got = 0;
	ssize_t n;

	/* The greeting has come: its child is there, and its client still holds on. */
	while (got < 14 && (n = read(held, buf + got, 14 - got)) > 0)
		got += (size_t)n;
	ck_assert_uint_eq(got, 14);
	expect_refused("127.0.0.3");
	ck_assert_uint_eq(read_to_end(held, buf, sizeof(buf)), 0);
	close(held);
}

/* Reads the greeting and its end, then holds the connection until the child gives up. */
static void
outstay_the_deadline(void)
{
	int fd = open_client("127.0.0.4", "127.0.0.1", d.port);
	char buf[64];

	ck_assert_uint_eq(read_to_end(fd, buf, sizeof(buf)), 14);
	daemon_wait_log(&d, "127.0.0.4 port", 0);
	ck_assert(strstr(d.log, "deadline passed") != NULL);
	close(fd);
}

/* Reads the greeting and its end, then resets the connection. */
static void
reset_after_the_greeting(void)
{
	int fd = open_client("127.0.0.6", "127.0.0.1", d.port);
	struct linger hard = { .l_onoff = 1, .l_linger = 0 };
	char buf[64];

	ck_assert_uint_eq(read_to_end(fd, buf, sizeof(buf)), 14);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard)), 0);
	close(fd);
	daemon_wait_log(&d, "127.0.0.6 port", 0);
}

/* 16 connections: what the expected values below count. */
static void
do_everything(void)
{
	char buf[64];

	expect_greeted("127.0.0.1", 3);
	expect_refused("127.0.0.9");    /* --deny */
	expect_refused("127.1.0.1");    /* not in --allow */
	expect_greeted("127.0.0.2", 3); /* -r 3 */
	expect_refused("127.0.0.2");
	refuse_per_source();
	outstay_the_deadline();
	reset_after_the_greeting();
	ck_assert_uint_eq(relay("PROXY UNKNOWN\r\n", buf, sizeof(buf)), 14);
	ck_assert_uint_eq(relay("PROXY TCP4 192.0.2.7 127.0.0.1 4242 17\r\n", buf, sizeof(buf)),
		14);
	ck_assert_uint_eq(relay("PROXY TCP4 nonsense\r\n", buf, sizeof(buf)), 0);
	daemon_wait_children_at_most(&d, 0);
}

static const struct {
	const char *line;
} expected[] = {
	{ "hello_server_accepted_total 16" },
	{ "hello_server_served_total 10" },
	{ "hello_server_health_checks_total 1" },
	{ "hello_server_refused_total{reason=\"allow\"} 1" },
	{ "hello_server_refused_total{reason=\"deny\"} 1" },
	{ "hello_server_refused_total{reason=\"per_source\"} 1" },
	{ "hello_server_refused_total{reason=\"rate\"} 1" },
	{ "hello_server_rate_untracked_total 0" },
	{ "hello_server_greetings_total{end=\"peer_closed\"} 9" },
	{ "hello_server_greetings_total{end=\"deadline\"} 1" },
	{ "hello_server_greetings_total{end=\"reset\"} 1" },
	{ "hello_server_greetings_total{end=\"error\"} 0" },
	{ "hello_server_proxy_header_failures_total{reason=\"malformed\"} 1" },
	{ "hello_server_proxy_header_failures_total{reason=\"missing\"} 0" },
	{ "hello_server_fork_failures_total 0" },
	{ "hello_server_children 0" },
	{ "hello_server_pending_headers 0" },
	{ "hello_server_max_children 256" },
};

static bool
has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			return true;
	return false;
}

static uint16_t
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* Starts the exporter on a free loopback port; waits for the line it logs once it listens
 * ("TLS is disabled.", after "Listening on"). false if the port was taken in the meantime (it
 * exited saying so). */
static bool
start_exporter(uint16_t port)
{
	char listen[64], dir[200], log[8192] = "";
	char *const argv[] = { NODE_EXPORTER, "--collector.disable-defaults",
		"--collector.textfile", dir, listen, NULL };
	size_t got = 0;
	int pipefd[2];
	int64_t last = mono_ms();

	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%u", port);
	snprintf(dir, sizeof(dir), "--collector.textfile.directory=%s", metrics_dir);
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	exporter = fork();
	ck_assert_int_ge(exporter, 0);
	if (exporter == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (strstr(log, "TLS is disabled.") == NULL) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		ssize_t n;

		ck_assert_msg(mono_ms() - last < stall_ms(), "node_exporter said nothing:\n%s",
			log);
		if (poll(&p, 1, 1000) != 1)
			continue;
		n = read(pipefd[0], log + got, sizeof(log) - 1 - got);
		if (n <= 0) {
			close(pipefd[0]);
			waitpid(exporter, NULL, 0);
			exporter = -1;
			ck_assert_msg(strstr(log, "address already in use") != NULL,
				"node_exporter did not start:\n%s", log);
			return false;
		}
		got += (size_t)n;
		log[got] = '\0';
		last = mono_ms();
	}
	exporter_log = pipefd[0];
	return true;
}

/* GET /metrics over plain HTTP/1.0: the body. */
static void
scrape(uint16_t port, char *buf, size_t cap)
{
	static const char request[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	int fd = open_client(NULL, "127.0.0.1", port);
	size_t got;

	send_all(fd, request, sizeof(request) - 1);
	got = read_to_end(fd, buf, cap);
	close(fd);
	ck_assert_msg(got > 0 && strncmp(buf, "HTTP/1.", 7) == 0 && strstr(buf, " 200 ") != NULL,
		"node_exporter answered:\n%s", buf);
}

static int
promtool_check(const char *path)
{
	int in = open(path, O_RDONLY | O_CLOEXEC), status;
	pid_t pid;

	ck_assert_int_ge(in, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in, STDIN_FILENO);
		execl(PROMTOOL, PROMTOOL, "check", "metrics", (char *)NULL);
		_exit(127);
	}
	close(in);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *
slurp(const char *path)
{
	static char text[16384];

	return read_file(path, text, sizeof(text));
}

START_TEST(collector_reads_what_the_daemon_did)
{
	/* -t: the deadline one client outstays; every other is greeted well within it, under
	 * valgrind too. */
	const char *args[] = { "-l", "127.0.0.1:0", "-t", slow_build() ? "30" : "3", "-s", "1",
		"-r", "3", "-a", "127.0.0.0/16", "-a", "192.0.2.0/24", "-x", "127.0.0.9", "-P",
		"127.0.0.5", "--metrics-file", metrics_path, NULL };
	static char page[65536];
	uint16_t port;

	daemon_prepare(&d);
	snprintf(metrics_dir, sizeof(metrics_dir), "%s/textfile", d.dir);
	snprintf(metrics_path, sizeof(metrics_path), "%s/hello-server.prom", metrics_dir);
	ck_assert_int_eq(mkdir(metrics_dir, 0755), 0);
	daemon_start(&d, args);
	do_everything();
	/* The status line above came with SIGUSR1, which writes the file too. */
	ck_assert_int_eq(promtool_check(metrics_path), 0);
	do {
		port = free_port();
	} while (!start_exporter(port));
	scrape(port, page, sizeof(page));
	ck_assert_msg(has_line(page, "node_textfile_scrape_error 0"), "%.3000s", page);
	ck_assert_msg(strstr(page, "node_textfile_mtime_seconds{file=\"") != NULL, "%.3000s", page);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (has_line(page, expected[i].line))
			continue;
		printf("the file:\n%s\nthe daemon's log:\n%s\n", slurp(metrics_path),
			daemon_log_tail(&d));
		ck_abort_msg("no '%s' in the scrape:\n%.3000s", expected[i].line,
			strstr(page, "hello_server_") ? strstr(page, "hello_server_") : page);
	}
	ck_assert_msg(strstr(page, "hello_server_build_info{version=\"") != NULL, "%.3000s", page);
	/* At exit, the file is written a last time: the same counts. */
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(has_line(slurp(metrics_path), "hello_server_served_total 10"));
	ck_assert_int_eq(access(metrics_dir, F_OK), 0);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, collector_reads_what_the_daemon_did);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (access(NODE_EXPORTER, X_OK) != 0 || access(PROMTOOL, X_OK) != 0) {
		puts("SKIP: no " NODE_EXPORTER " or " PROMTOOL
		     ": install the Debian packages prometheus-node-exporter and prometheus");
		return 77;
	}
	return run_suite(metrics_suite());
}
