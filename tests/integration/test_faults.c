/* Faults of the real world: a syslog that starts late, restarts or only offers a stream; a
 * stderr nobody reads; a client that reconnects at once; a listener another holder shuts
 * down; files only the service user may read. Each test uses the real thing. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "io.h"
#include "runner.h"
#include "util.h"

static struct daemon d;

static void
teardown(void)
{
	daemon_cleanup(&d);
}

/* ---- a syslog daemon of our own --------------------------------------------------------- */

struct syslog_sink {
	char path[100];
	int type;
	int fd;   /* the bound socket */
	int conn; /* stream: the connection accepted last, or -1 */
	char buf[65536];
	size_t len; /* stream: bytes read and not yet split into records */
};

static void
sink_open_named(struct syslog_sink *s, const char *dir, const char *name, int type)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s/%s", dir, name);
	memcpy(a.sun_path, s->path, sizeof(s->path));
	s->type = type;
	s->conn = -1;
	s->fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->fd, 0);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(chmod(s->path, 0666), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(s->fd, 16), 0);
}

static void
sink_open(struct syslog_sink *s, const char *dir, int type)
{
	sink_open_named(s, dir, "syslog.sock", type);
}

/* The syslog daemon goes away: its socket file too, as rsyslog and journald remove it. */
static void
sink_close(struct syslog_sink *s)
{
	if (s->conn >= 0)
		close(s->conn);
	close(s->fd);
	unlink(s->path);
	s->fd = s->conn = -1;
}

/* The next record, within wait_ms: a datagram, or a stream record ended by NUL or LF.
 * Returns false when none came in time. */
static bool
sink_next(struct syslog_sink *s, char *out, size_t cap, int wait_ms)
{
	int64_t deadline = mono_ms() + wait_ms;

	for (;;) {
		struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN },
			{ .fd = s->conn, .events = POLLIN } };
		char *end = s->type == SOCK_STREAM ? memchr(s->buf, '\0', s->len) : NULL;
		ssize_t n;

		if (end != NULL) {
			size_t rec = (size_t)(end - s->buf);

			ck_assert_uint_lt(rec, cap);
			memcpy(out, s->buf, rec);
			out[rec] = '\0';
			memmove(s->buf, end + 1, s->len - rec - 1);
			s->len -= rec + 1;
			return true;
		}
		if (poll(p, s->conn >= 0 ? 2 : 1, ms_until(deadline)) <= 0)
			return false;
		if (s->type == SOCK_DGRAM) {
			n = recv(s->fd, out, cap - 1, 0);
			ck_assert_int_gt(n, 0);
			out[n] = '\0';
			return true;
		}
		if (p[0].revents & POLLIN) {
			if (s->conn >= 0)
				close(s->conn);
			s->conn = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
			ck_assert_int_ge(s->conn, 0);
		}
		if (s->conn >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
			n = read(s->conn, s->buf + s->len, sizeof(s->buf) - s->len);
			ck_assert_int_ge(n, 0);
			s->len += (size_t)n;
		}
	}
}

/* Reads records until one holds needle; fails the test after stall_ms(). */
static void
sink_expect(struct syslog_sink *s, const char *needle, char *line, size_t cap)
{
	int64_t deadline = mono_ms() + stall_ms();

	for (;;) {
		if (!sink_next(s, line, cap, ms_until(deadline)))
			ck_abort_msg("syslog never received '%s'; the daemon's stderr:\n%s", needle,
				d.inotify >= 0 ? daemon_log_tail(&d) : "(a pipe)");
		if (strstr(line, needle) != NULL)
			return;
	}
}

/* The master retries an absent syslog at a bounded rate: ask for a status line until one
 * reaches syslog (each round waits on the daemon's answer on stderr). */
static void
master_line_reaches(struct syslog_sink *s, char *line, size_t cap)
{
	int64_t deadline = mono_ms() + stall_ms();

	for (;;) {
		size_t from = d.log_len;

		daemon_signal(&d, SIGUSR1);
		daemon_wait_log(&d, "status: ", from);
		while (sink_next(s, line, cap, 0))
			if (strstr(line, "status: ") != NULL)
				return;
		ck_assert_msg(mono_ms() < deadline, "no status line ever reached syslog");
		/* the next round needs the retry interval to pass: wait for syslog, not a tick */
		if (sink_next(s, line, cap, 200) && strstr(line, "status: ") != NULL)
			return;
	}
}

static uint64_t
lost_to(const char *line, const char *where)
{
	char needle[32];
	const char *p = strstr(line, "log lines lost: ");

	ck_assert_msg(p != NULL, "no loss count in '%s'", line);
	snprintf(needle, sizeof(needle), " to %s", where);
	ck_assert_msg(strstr(p, needle) != NULL, "no '%s' in '%s'", needle, line);
	if (strcmp(where, "stderr") == 0)
		p = strchr(p, ',') + 2;
	else
		p += strlen("log lines lost: ");
	return strtoull(p, NULL, 10);
}

static void
start_with_syslog(struct syslog_sink *s, const char *const args[])
{
	struct daemon_env env = { .syslog_socket = s->path };

	daemon_start_env(&d, args, &env);
}

/* /dev/log absent at start-up (syslog starts later at boot): every child line, and the
 * master's, kept until it retries, reaches the syslog that appears. */
START_TEST(syslog_that_starts_late_gets_later_lines)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	struct syslog_sink s;
	char line[4096], buf[64];

	daemon_prepare(&d);
	memset(&s, 0, sizeof(s));
	snprintf(s.path, sizeof(s.path), "%s/syslog.sock", d.dir);
	start_with_syslog(&s, args);
	sink_open(&s, d.dir, SOCK_DGRAM);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	sink_expect(&s, "sent 14 bytes", line, sizeof(line));
	ck_assert(strstr(line, "<30>") == line); /* daemon.info */
	master_line_reaches(&s, line, sizeof(line));
	ck_assert_uint_eq(lost_to(line, "syslog"), 0); /* the start-up line was kept */
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	sink_expect(&s, "sent 14 bytes", line, sizeof(line));
	ck_assert_int_eq(daemon_stop(&d), 0);
	sink_expect(&s, "exiting after 2 connections", line, sizeof(line));
	sink_close(&s);
}
END_TEST

/* The count of lost lines is in systemd's STATUS= too: a child's line, with no syslog to take
 * it before the child ends. */
START_TEST(lost_lines_are_in_the_systemd_status)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	struct syslog_sink notify;
	struct daemon_env env = { 0 };
	char line[4096], absent[128], buf[64];

	daemon_prepare(&d);
	sink_open_named(&notify, d.dir, "notify.sock", SOCK_DGRAM);
	snprintf(absent, sizeof(absent), "%s/no-syslog-here", d.dir);
	env.notify_socket = notify.path;
	env.syslog_socket = absent;
	daemon_start_env(&d, args, &env);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	for (;;) {
		if (!sink_next(&notify, line, sizeof(line), stall_ms()))
			ck_abort_msg("no STATUS= with lost log lines");
		if (strstr(line, "STATUS=") != NULL && strstr(line, "log lines lost") != NULL)
			break;
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
	sink_close(&notify);
}
END_TEST

/* syslog stops while the master has something to log, and comes back: children and master
 * reach the new socket, and children forked later inherit the master's new connection. */
START_TEST(syslog_that_restarts_gets_later_lines)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	struct syslog_sink s;
	char line[4096], buf[64];
	size_t from;

	daemon_prepare(&d);
	sink_open(&s, d.dir, SOCK_DGRAM);
	start_with_syslog(&s, args);
	sink_expect(&s, "started; listening on", line, sizeof(line));
	sink_close(&s);
	from = d.log_len;
	daemon_signal(&d, SIGUSR1); /* the master logs while syslog is down */
	daemon_wait_log(&d, "status: ", from);
	sink_open(&s, d.dir, SOCK_DGRAM);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	sink_expect(&s, "sent 14 bytes", line, sizeof(line));
	master_line_reaches(&s, line, sizeof(line));
	ck_assert_uint_eq(lost_to(line, "syslog"), 0); /* the status while it was down was kept */
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
		sink_expect(&s, "sent 14 bytes", line, sizeof(line));
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
	sink_close(&s);
}
END_TEST

/* The next record from the master (pid), skipping its children's. */
static void
next_master_record(struct syslog_sink *s, pid_t pid, char *line, size_t cap)
{
	char tag[32];

	snprintf(tag, sizeof(tag), "hello-server[%d]: ", (int)pid);
	for (;;) {
		ck_assert_msg(sink_next(s, line, cap, (int)stall_ms()),
			"syslog received nothing more; the daemon's stderr:\n%s",
			daemon_log_tail(&d));
		if (strstr(line, tag) != NULL)
			return;
	}
}

/* While syslog is away: a status line (seen on stderr), then syslog comes back. */
static void
status_then_syslog_back(struct syslog_sink *s)
{
	size_t from = d.log_len;

	daemon_signal(&d, SIGUSR1);
	daemon_wait_log(&d, "status: ", from);
	sink_open(s, d.dir, SOCK_DGRAM);
}

/* The master's lines while syslog is away are kept and sent, in order, once it is back, by
 * the master's own retry: nothing else is logged meanwhile to carry them. The start-up line
 * (syslog starts later at boot), and a status asked for while syslog restarts. */
START_TEST(syslog_that_comes_back_gets_the_masters_lines)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	struct syslog_sink s;
	char line[4096];

	daemon_prepare(&d);
	memset(&s, 0, sizeof(s));
	snprintf(s.path, sizeof(s.path), "%s/syslog.sock", d.dir);
	start_with_syslog(&s, args);
	status_then_syslog_back(&s);
	next_master_record(&s, d.pid, line, sizeof(line));
	ck_assert_msg(strstr(line, "started; listening on") != NULL, "first: %s", line);
	do
		next_master_record(&s, d.pid, line, sizeof(line));
	while (strstr(line, "status: ") == NULL);
	ck_assert_uint_eq(lost_to(line, "syslog"), 0);
	/* Away again: a restart. The status asked for meanwhile arrives once it is back. */
	sink_close(&s);
	status_then_syslog_back(&s);
	next_master_record(&s, d.pid, line, sizeof(line));
	ck_assert_msg(strstr(line, "status: ") != NULL, "first after the restart: %s", line);
	ck_assert_int_eq(daemon_stop(&d), 0);
	sink_close(&s);
}
END_TEST

/* Some syslog daemons offer /dev/log as a stream socket only: records end with NUL. */
START_TEST(syslog_on_a_stream_socket)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	struct syslog_sink s;
	char line[4096], buf[64];

	daemon_prepare(&d);
	sink_open(&s, d.dir, SOCK_STREAM);
	start_with_syslog(&s, args);
	sink_expect(&s, "started; listening on", line, sizeof(line));
	ck_assert(strstr(line, "<30>") == line);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
		sink_expect(&s, "sent 14 bytes", line, sizeof(line));
		ck_assert(strstr(line, "<30>") == line); /* one record each, nothing run together */
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
	sink_expect(&s, "exiting after 3 connections", line, sizeof(line));
	sink_close(&s);
}
END_TEST

/* ---- a stderr nobody reads --------------------------------------------------------------- */

/* A status line by SIGUSR1, read from syslog. Our syslog reads only when asked, so its queue
 * may be full and the master's line dropped (and counted): then ask again. */
static void
status_via_syslog(pid_t pid, struct syslog_sink *s, char *line, size_t cap)
{
	int64_t deadline = mono_ms() + stall_ms();

	for (;;) {
		ck_assert_int_eq(kill(pid, SIGUSR1), 0);
		while (sink_next(s, line, cap, 1000))
			if (strstr(line, "status: ") != NULL)
				return;
		ck_assert_msg(mono_ms() < deadline, "no status line reached syslog");
	}
}

/* -d with stderr a pipe that is full and never read: the master keeps accepting and obeys
 * SIGTERM, children end by their deadline, and the lines that could not be written are
 * counted. The daemon's own view comes through a syslog socket of ours. */
START_TEST(stderr_nobody_reads)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-t", "1", "-s", "0", NULL };
	struct daemon_env env = { 0 };
	struct syslog_sink s;
	char line[4096], buf[64], path[64], fill[4096];
	int pipefd[2], filler, status;
	uint16_t port;
	pid_t pid;
	const char *p;

	daemon_prepare(&d);
	sink_open(&s, d.dir, SOCK_DGRAM);
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	fcntl(pipefd[1], F_SETPIPE_SZ, 4096);
	env.syslog_socket = s.path;
	daemon_spawn(&d, args, &env, pipefd[1]);
	pid = d.pid;
	sink_expect(&s, "started; listening on 127.0.0.1:", line, sizeof(line));
	p = strstr(line, "127.0.0.1:") + strlen("127.0.0.1:");
	port = (uint16_t)atoi(p);
	/* Fill the pipe through a description of our own, so the daemon's stays as it was. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pipefd[1]);
	filler = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(filler, 0);
	memset(fill, '.', sizeof(fill));
	while (write(filler, fill, sizeof(fill)) > 0 || errno == EINTR)
		;
	ck_assert_int_eq(errno, EAGAIN);
	while (write(filler, fill, 1) > 0)
		;
	close(filler);
	status_via_syslog(pid, &s, line, sizeof(line)); /* the master has something for stderr */
	for (int i = 0; i < 20; i++) {
		ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", port, buf, sizeof(buf)), 14);
		ck_assert_str_eq(buf, "Hello World!\r\n");
	}
	/* Children cannot write their lines either: each ends by its deadline all the same. */
	for (int64_t deadline = mono_ms() + stall_ms();;) {
		status_via_syslog(pid, &s, line, sizeof(line));
		if (strncmp(strstr(line, "status: "), "status: 0 children", 18) == 0)
			break;
		ck_assert_msg(mono_ms() < deadline, "children outlived their deadline: %s", line);
	}
	ck_assert_uint_ge(lost_to(line, "stderr"), 21);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	sink_expect(&s, "exiting after 20 connections", line, sizeof(line));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	d.reaped = true;
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pipefd[0]);
	close(pipefd[1]);
	sink_close(&s);
}
END_TEST

/* ---- the per-source cap counts open connections ------------------------------------------- */

/* One client, one connection at a time (connect, read to EOF, close, again): it never holds
 * more than one, so -s 1 must never refuse it, however long each child takes to exit. */
START_TEST(sequential_client_is_never_refused_at_s1)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-s", "1", "-q", NULL };
	const char *const load[] = { "-n", under_valgrind() ? "300" : "2000", "-c", "1", NULL };

	daemon_start(&d, args);
	expect_all_greeted(&d, load);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert_msg(strstr(d.log, "refused") == NULL, "%s", daemon_log_tail(&d));
}
END_TEST

/* Fills the sink's queue: from now on nothing sent to it is taken, as with a syslog daemon that
 * stopped reading. Returns the descriptor that holds the queue full. */
static int
stuff_sink(const struct syslog_sink *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int stuffer = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memcpy(a.sun_path, s->path, sizeof(s->path));
	ck_assert_int_eq(connect(stuffer, (struct sockaddr *)&a, sizeof(a)), 0);
	while (send(stuffer, "x", 1, 0) == 1)
		;
	ck_assert_int_eq(errno, EAGAIN);
	return stuffer;
}

/* Runs the daemon with args, its syslog a socket that stops reading right after the start-up
 * line, and expects every client of load to be greeted. */
static void
greet_with_a_stalled_syslog(const char *const args[], const char *const load[])
{
	struct syslog_sink s;
	char line[4096];
	int stuffer;

	daemon_prepare(&d);
	sink_open(&s, d.dir, SOCK_DGRAM);
	start_with_syslog(&s, args);
	sink_expect(&s, "started; listening on", line, sizeof(line));
	stuffer = stuff_sink(&s);
	expect_all_greeted(&d, load);
	ck_assert_int_eq(daemon_stop(&d), 0);
	close(stuffer);
	sink_close(&s);
}

/* A syslog daemon that stops reading: each child waits a while to log, after its client
 * left. Those children are no open connections of the client's. */
START_TEST(stalled_syslog_does_not_refuse_sequential_clients)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-t", "2", NULL };
	/* More than the default cap of 16, fewer under valgrind, where each child is heavy. */
	const char *const load[] = { "-n", under_valgrind() ? "24" : "100", "-c", "1", NULL };

	greet_with_a_stalled_syslog(args, load);
	ck_assert_msg(strstr(d.log, "refused") == NULL, "%s", daemon_log_tail(&d));
}
END_TEST

/* A syslog daemon that stops reading costs each connection a second at most, not its -t: with
 * -t 60 and -c 2, twelve clients in a row are all greeted, each within its 30 s (a child that
 * waited out -t would keep the third waiting a minute). */
START_TEST(stalled_syslog_holds_no_child_for_its_whole_deadline)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-t", "60", "-c", "2", NULL };
	const char *const load[] = { "-n", "12", "-c", "1", "-t", "30", NULL };

	greet_with_a_stalled_syslog(args, load);
}
END_TEST

/* What the cap limits still holds: N connections held open, the next one is refused, and
 * once one of them closes a new one is served. */
START_TEST(held_connections_still_count)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-s", "2", "-t", "60", NULL };
	char buf[64];
	int held[2];

	daemon_start(&d, args);
	for (int i = 0; i < 2; i++) {
		held[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
		ck_assert_int_eq(read(held[i], buf, 14), 14);
	}
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 0);
	daemon_wait_log(&d, "2 connections from this source (--max-per-source)", 0);
	close(held[0]);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	close(held[1]);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A client that waits for its source's slot keeps a child's place; when it is refused that
 * place frees at once for whoever waits in the backlog. (Before, the master went back to poll
 * without its listeners and slept until its next timer: 10 s.) */
START_TEST(a_place_freed_by_a_refusal_is_used_at_once)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-c", "2", "-s", "1", "-t", "60", NULL };
	struct timespec t0, t1;
	char buf[64];
	int held, waiting, other;
	double secs;

	daemon_start(&d, args);
	held = open_client("127.0.0.1", "127.0.0.1", d.port);
	ck_assert_int_eq(read(held, buf, 14), 14);
	waiting = open_client("127.0.0.1", "127.0.0.1", d.port); /* both places are taken */
	other = open_client("127.0.0.2", "127.0.0.1", d.port);   /* in the backlog */
	ck_assert_int_eq(read(waiting, buf, sizeof(buf)), 0);    /* refused after its wait */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(read(other, buf, 14), 14);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* At once is milliseconds; the fault was the summaries' 10 s. */
	ck_assert_msg(secs < 5.0, "the next client waited %.1f s after the refusal", secs);
	close(held);
	close(waiting);
	close(other);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* ---- a listener that reports an error ----------------------------------------------------- */

static int
tcp_listener(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	return fd;
}

static uint16_t
port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/* Another holder of a socket-activated listener shuts it down: the daemon says so, stops
 * polling it and serves on the other; when none is left it exits with an error status
 * (systemd's Restart= then acts) instead of spinning. */
START_TEST(listener_shut_down_by_another_holder)
{
	const char *const args[] = { NULL };
	int fds[2] = { tcp_listener(), tcp_listener() };
	struct daemon_env env = { .listen_fds = fds, .nlisten_fds = 2 };
	char buf[64];
	size_t at;

	daemon_start_env(&d, args, &env);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", port_of(fds[0]), buf, sizeof(buf)), 14);
	ck_assert_int_eq(shutdown(fds[0], SHUT_RDWR), 0);
	at = daemon_wait_log(&d, "no longer listening there", 0);
	ck_assert(strstr(d.log, "listener 127.0.0.1:") != NULL);
	ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", port_of(fds[1]), buf, sizeof(buf)), 14);
	ck_assert_int_eq(shutdown(fds[1], SHUT_RDWR), 0);
	daemon_wait_log(&d, "no listener left", at);
	ck_assert_int_eq(daemon_wait_exit(&d), 69); /* EX_UNAVAILABLE */
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A --metrics-file in a directory that is not there: logged once, counted, and the service goes
 * on serving. */
START_TEST(unwritable_metrics_file_never_stops_the_service)
{
	char path[160], buf[64];
	const char *const args[] = { "-l", "127.0.0.1:0", "--metrics-file", path, NULL };

	daemon_prepare(&d);
	snprintf(path, sizeof(path), "%s/missing/hello-server.prom", d.dir);
	daemon_start(&d, args);
	daemon_wait_log(&d, "cannot write --metrics-file", 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(fetch("127.0.0.1", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	daemon_wait_children_at_most(&d, 0); /* SIGUSR1: a write, failing again */
	ck_assert_uint_eq(daemon_count_log(&d, "cannot write --metrics-file"), 1);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert_msg(strstr(d.log, "more failed writes of --metrics-file") != NULL, "%s",
		daemon_log_tail(&d));
}
END_TEST

/* ---- stopping with connections in the backlog --------------------------------------------- */

static void
stop_master(void)
{
	int status;

	daemon_signal(&d, SIGSTOP);
	ck_assert_int_eq(waitpid(d.pid, &status, WUNTRACED), d.pid);
	ck_assert(WIFSTOPPED(status));
}

/* Clients the kernel queued before SIGTERM arrived are greeted, not reset. */
START_TEST(sigterm_greets_the_queued)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	char buf[64];
	int fds[3];

	daemon_start(&d, args);
	stop_master(); /* so that the connections wait in the backlog */
	for (int i = 0; i < 3; i++)
		fds[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
	daemon_signal(&d, SIGTERM);
	daemon_signal(&d, SIGCONT);
	for (int i = 0; i < 3; i++) {
		ssize_t n = read(fds[i], buf, sizeof(buf));

		ck_assert_int_eq(n, 14);
		close(fds[i]);
	}
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
	ck_assert(strstr(d.log, "exiting after 3 connections") != NULL);
}
END_TEST

/* At --max-children the queued ones cannot be greeted: the log says how many were closed, and
 * the metrics count them among the connections accepted. */
START_TEST(sigterm_at_the_cap_says_how_many_are_dropped)
{
	char metrics[sizeof(d.dir) + 32];
	const char *const args[] = { "-l", "127.0.0.1:0", "-c", "1", "-t", "60", "--metrics-file",
		metrics, NULL };
	static char text[16384];
	char buf[64];
	int held, fds[2];

	daemon_prepare(&d);
	snprintf(metrics, sizeof(metrics), "%s/hello-server.prom", d.dir);
	daemon_start(&d, args);
	held = open_client("127.0.0.1", "127.0.0.1", d.port);
	ck_assert_int_eq(read(held, buf, 14), 14);
	daemon_wait_children_at_least(&d, 1);
	for (int i = 0; i < 2; i++)
		fds[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
	daemon_signal(&d, SIGTERM);
	daemon_wait_log(&d, "closed 2 connections waiting in the backlog without a greeting", 0);
	close(held);
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
	for (int i = 0; i < 2; i++)
		close(fds[i]);
	/* Written a last time at the exit. */
	ck_assert_msg(strstr(read_file(metrics, text, sizeof(text)),
			      "\nhello_server_accepted_total 3\n") != NULL,
		"%s", text);
}
END_TEST

/* At SIGTERM a client waiting for its source's slot is settled first (refused: its source is
 * still full), so its place goes to a client in the backlog, which is greeted. Before, the
 * backlog was closed for want of places and the waiting client refused right after. The
 * master is stopped while both connect, so that both are in the backlog when the stop begins. */
START_TEST(sigterm_gives_a_waiting_clients_place_to_the_queued)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-c", "2", "-s", "1", "-t", "60", NULL };
	char buf[64];
	int held, same, other;

	daemon_start(&d, args);
	held = open_client("127.0.0.2", "127.0.0.1", d.port);
	ck_assert_int_eq(read(held, buf, 14), 14);
	stop_master();
	same = open_client("127.0.0.2", "127.0.0.1", d.port);  /* its source is full */
	other = open_client("127.0.0.3", "127.0.0.1", d.port); /* the second place is free */
	daemon_signal(&d, SIGTERM);
	daemon_signal(&d, SIGCONT);
	ck_assert_int_eq(read(other, buf, sizeof(buf)), 14);
	ck_assert_int_eq(read(same, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(daemon_count_log(&d, "waiting in the backlog without a greeting"), 0);
	close(held);
	close(same);
	close(other);
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
}
END_TEST

/* ---- files read as the service user ------------------------------------------------------ */

/* A message file only root may read: with --user it is read as USER from the start, so the
 * daemon refuses to start, naming the file, rather than serve it until the first SIGHUP. */
START_TEST(message_file_is_read_as_the_user)
{
	const char *path,
		*const args_fmt[] = { "-l", "127.0.0.1:0", "-u", "nobody", "-M", NULL, NULL };
	const char *args[7];
	char err[1024];
	daemon_prepare(&d);
	path = daemon_write_file(&d, "secret", "root only\n", 10);
	ck_assert_int_eq(chmod(path, 0600), 0);
	memcpy(args, args_fmt, sizeof(args));
	args[5] = path;
	ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), 66);
	ck_assert_msg(strstr(err, "secret': Permission denied (read as --user nobody)") != NULL,
		"%s", err);
	/* Readable by the user: served, and every reload works too. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	daemon_start(&d, args);
	for (int i = 0; i < 2; i++) {
		size_t from = d.log_len;

		daemon_write_file(&d, "secret", i == 0 ? "one\n" : "two\n", 4);
		daemon_signal(&d, SIGHUP);
		daemon_wait_log(&d, "SIGHUP: read the message again", from);
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert(strstr(d.log, "keeping the old message") == NULL);
}
END_TEST

/* ---- what users see ---------------------------------------------------------------------- */

static const struct {
	const char *args[6];
	int rc;
	const char *says;
} usage_cases[] = {
	{ { "--max", "3" }, 64, "option '--max' is ambiguous: --max-children, --max-per-source" },
	{ { "--debug=1" }, 64, "option '--debug' takes no value" },
	{ { "--nosuch" }, 64, "unknown option '--nosuch'" },
	{ { "-l", "127.0.0.1:2323", "-l", "127.0.0.1:2323" }, 64,
		"listen address '127.0.0.1:2323' is given twice" },
	{ { "-l", "[::ffff:127.0.0.1]:2323", "-l", "127.0.0.1:2323" }, 64,
		"listen address '127.0.0.1:2323' is given twice" },
	/* One listener on every address of a port leaves none of them for another. */
	{ { "-l", "*:2323", "-l", "127.0.0.1:2323" }, 64,
		"listen addresses '*:2323' and '127.0.0.1:2323' overlap: '*:2323' already takes "
		"port 2323 on every address" },
	{ { "-l", "127.0.0.1:2323", "-l", "0.0.0.0:2323" }, 64,
		"'0.0.0.0:2323' already takes port 2323 on every IPv4 address" },
	{ { "-l", "[::]:2323", "-l", "[::1]:2323" }, 64,
		"'[::]:2323' already takes port 2323 on every IPv6 address" },
	{ { "-l", "[::]:2323", "-l", "*:2323" }, 64, "overlap: '*:2323' already takes" },
	{ { "-x", "::ffff:0:0/80" }, 64, "needs a prefix length of 96 or more" },
	{ { "-u", "4000000000" }, 67, "no user" },
};

START_TEST(usage_errors_say_what_is_wrong)
{
	char err[2048];

	ck_assert_int_eq(run_daemon_once(usage_cases[_i].args, err, sizeof(err), 0),
		usage_cases[_i].rc);
	ck_assert_msg(strstr(err, usage_cases[_i].says) != NULL, "'%s' lacks '%s'", err,
		usage_cases[_i].says);
}
END_TEST

/* A numeric uid that exists is a user, as for chown(1). -u root runs as root, and the warning
 * says so, naming the --user in force (issue 19: the warnings follow the value in force). */
START_TEST(numeric_user_and_explicit_root)
{
	const char *const numeric[] = { "-l", "127.0.0.1:0", "-u", "65534", NULL };
	const char *const root[] = { "-l", "127.0.0.1:0", "-u", "root", NULL };
	daemon_start(&d, numeric);
	ck_assert_int_eq(daemon_stop(&d), 0);
	daemon_cleanup(&d);
	daemon_start(&d, root);
	ck_assert_int_eq(daemon_stop(&d), 0);
	ck_assert_msg(strstr(d.log, "running as root (--user root)") != NULL, "%s", d.log);
}
END_TEST

/* A link-local address needs its interface: fe80::1%lo. */
START_TEST(scoped_link_local_listen)
{
	const char *const args[] = { "-l", "[fe80::1%lo]:0", NULL };
	char err[1024];
	int rc;

	if (!have_ipv6_loopback())
		return;
	rc = run_daemon_once((const char *const[]){ "-l", "[fe80::1%nosuch0]:0", NULL }, err,
		sizeof(err), 0);
	ck_assert_int_eq(rc, 64);
	ck_assert_msg(strstr(err, "no interface 'nosuch0'") != NULL, "%s", err);
	/* Binding needs fe80::1 on lo, which a test may not add: then the kernel says so, and the
	 * message shows the scope it was given. */
	rc = run_daemon_once((const char *const[]){ "-l", "[fe80::1%lo]:1", "-l", "[fe80::1%lo]:1",
				     NULL },
		err, sizeof(err), 0);
	ck_assert_int_eq(rc, 64);
	ck_assert_msg(strstr(err, "'[fe80::1%lo]:1' is given twice") != NULL, "%s", err);
	(void)args;
}
END_TEST

/* A netlink message that says the kernel routes to fe80::1 on ifindex: its local route. */
static bool
says_link_local_routed(struct nlmsghdr *h, unsigned ifindex)
{
	struct rtmsg *rt = NLMSG_DATA(h);
	struct in6_addr want;
	int len = (int)RTM_PAYLOAD(h);
	bool dst = false, oif = false;

	if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET6 ||
		rt->rtm_type != RTN_LOCAL)
		return false;
	ck_assert_int_eq(inet_pton(AF_INET6, "fe80::1", &want), 1);
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == sizeof(want) &&
			memcmp(RTA_DATA(a), &want, sizeof(want)) == 0)
			dst = true;
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == sizeof(int) &&
			*(const int *)RTA_DATA(a) == (int)ifindex)
			oif = true;
	}
	return dst && oif;
}

/* Reads what netlink has for us (a dump's answer, notifications): true if one says so. */
static bool
netlink_says_routed(int fd, unsigned ifindex)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool routed = false;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		unsigned len = (unsigned)n; /* as NLMSG_OK compares it with nlmsg_len */

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
			h = NLMSG_NEXT(h, len))
			routed |= says_link_local_routed(h, ifindex);
	}
	return routed;
}

/* The kernel finishes a new address (nodad or not) in steps of its own: it announces the
 * address (RTM_NEWADDR) before it inserts the address's local route, and until that route is
 * there a connect fails with "Network is unreachable", for longer the busier the machine. So
 * the wait is for the route itself: subscribed first, then a dump of what is there. */
static void
wait_link_local_usable(unsigned ifindex)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV6_ROUTE };
	struct {
		struct nlmsghdr h;
		struct rtmsg m;
	} dump = {
		.h = { .nlmsg_len = sizeof(dump),
			.nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.m = { .rtm_family = AF_INET6 },
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(send(fd, &dump, sizeof(dump), 0), (ssize_t)sizeof(dump));
	while (!netlink_says_routed(fd, ifindex)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		ck_assert_msg(poll(&p, 1, (int)stall_ms()) == 1,
			"no local route to fe80::1 on lo after %lld s",
			(long long)stall_ms() / 1000);
	}
	close(fd);
}

/* A real link-local listener: fe80::1 on lo in a network namespace of this test's own. */
START_TEST(scoped_link_local_serves)
{
	const char *const args[] = { "-l", "[fe80::1%lo]:0", NULL };
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	char buf[64];
	int fd;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr,
			"scoped_link_local_serves: skipped, needs root for a network "
			"namespace\n");
		return;
	}
	if (system("ip link set lo up && ip -6 addr add fe80::1/64 dev lo nodad") != 0) {
		fprintf(stderr,
			"scoped_link_local_serves: skipped, 'ip' (iproute2) could not "
			"put fe80::1 on lo\n");
		return;
	}
	wait_link_local_usable(if_nametoindex("lo"));
	daemon_start(&d, args);
	ck_assert_msg(strstr(d.log, "listening on [fe80::1%lo]:") != NULL, "%s", d.log);
	ck_assert_int_eq(inet_pton(AF_INET6, "fe80::1", &a.sin6_addr), 1);
	a.sin6_port = htons(d.port);
	a.sin6_scope_id = if_nametoindex("lo");
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int error = errno;

		(void)system("ip -6 addr show dev lo >&2; ip -6 route show table all >&2");
		ck_abort_msg("connect to fe80::1%%lo port %u: %s", d.port, strerror(error));
	}
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 14);
	close(fd);
	daemon_wait_log(&d, "fe80::1%lo port ", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static Suite *
faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("logging");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, syslog_that_starts_late_gets_later_lines);
	tcase_add_test(tc, syslog_that_restarts_gets_later_lines);
	tcase_add_test(tc, syslog_that_comes_back_gets_the_masters_lines);
	tcase_add_test(tc, syslog_on_a_stream_socket);
	tcase_add_test(tc, lost_lines_are_in_the_systemd_status);
	tcase_add_test(tc, stderr_nobody_reads);
	tcase_add_test(tc, unwritable_metrics_file_never_stops_the_service);
	suite_add_tcase(s, tc);

	tc = tcase_create("per-source");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, sequential_client_is_never_refused_at_s1);
	tcase_add_test(tc, stalled_syslog_does_not_refuse_sequential_clients);
	tcase_add_test(tc, stalled_syslog_holds_no_child_for_its_whole_deadline);
	tcase_add_test(tc, a_place_freed_by_a_refusal_is_used_at_once);
	tcase_add_test(tc, held_connections_still_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("listeners");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, listener_shut_down_by_another_holder);
	tcase_add_test(tc, sigterm_greets_the_queued);
	tcase_add_test(tc, sigterm_at_the_cap_says_how_many_are_dropped);
	tcase_add_test(tc, sigterm_gives_a_waiting_clients_place_to_the_queued);
	suite_add_tcase(s, tc);

	tc = tcase_create("users");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_loop_test(tc, usage_errors_say_what_is_wrong, 0,
		sizeof(usage_cases) / sizeof(usage_cases[0]));
	tcase_add_test(tc, scoped_link_local_listen);
	suite_add_tcase(s, tc);
	tc = tcase_create("users-as-root");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_set_tags(tc, ROOT_TAG);
	tcase_add_test(tc, message_file_is_read_as_the_user);
	tcase_add_test(tc, numeric_user_and_explicit_root);
	tcase_add_test(tc, scoped_link_local_serves);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return run_suite_part(faults_suite(), argc, argv);
}
