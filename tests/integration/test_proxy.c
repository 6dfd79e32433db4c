/* Behind a balancer: connections from --proxy-from peers begin with a PROXY header, and from
 * then on the client it names is the client for the lists, the caps and the log. These tests
 * play the balancer with raw headers on loopback; tests/system/haproxy-test.sh runs a real
 * HAProxy. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "io.h"
#include "runner.h"
#include "util.h"

#define SIG "\r\n\r\n\0\r\nQUIT\n"
#define V1(src, port) "PROXY TCP4 " src " 127.0.0.1 " port " 17\r\n"
/* v2, TCP over IPv4, from 198.51.100.9:4242 to 127.0.0.1:17. */
#define V2_TCP4 SIG "\x21\x11\x00\x0c\xc6\x33\x64\x09\x7f\x00\x00\x01\x10\x92\x00\x11"
#define V2_LOCAL SIG "\x20\x00\x00\x00"

static struct daemon d;
static const char greeting[] = "Hello World!\r\n";

static void
teardown(void)
{
	daemon_cleanup(&d);
}

/* A connection from source that sends data (a header, perhaps more) and reads to the end. */
static size_t
relay(const char *source, const char *addr, const void *data, size_t len, char *buf, size_t cap)
{
	int fd = open_client(source, addr, d.port);
	size_t got;

	if (len > 0)
		send_all(fd, data, len);
	got = read_to_end(fd, buf, cap);
	close(fd);
	return got;
}

/* SIGUSR1 until the status says n headers are pending: the connections are accepted, not
 * just queued. Fails after stall_ms() without the count moving (a number of rounds would be a
 * budget for the whole wait, which a slow machine's accepts can outlast). */
static void
wait_pending(unsigned n)
{
	int64_t deadline = mono_ms() + stall_ms();
	unsigned long have, last = ULONG_MAX;

	for (;;) {
		size_t at = daemon_proxy_status(&d); /* before d.log is read: it may move */

		if ((have = strtoul(d.log + at, NULL, 10)) == n)
			return;
		if (have != last) {
			last = have;
			deadline = mono_ms() + stall_ms();
		}
		ck_assert_msg(mono_ms() < deadline, "%lu PROXY headers pending, waiting for %u",
			have, n);
	}
}

#define RELAY(source, lit, buf) relay(source, "127.0.0.1", lit, sizeof(lit) - 1, buf, sizeof(buf))

START_TEST(relayed_client_is_the_header_source)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	char buf[64];

	daemon_start(&d, args);
	ck_assert_uint_eq(RELAY("127.0.0.1", V1("192.0.2.7", "4242"), buf), 14);
	ck_assert_str_eq(buf, greeting);
	daemon_wait_log(&d, "192.0.2.7 port 4242 via 127.0.0.1: sent 14 bytes", 0);
	ck_assert_uint_eq(RELAY("127.0.0.1", V2_TCP4, buf), 14);
	daemon_wait_log(&d, "198.51.100.9 port 4242 via 127.0.0.1: sent 14 bytes", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* The header is taken and not one byte more: the child sees exactly the client's own bytes. */
START_TEST(client_bytes_after_the_header_reach_the_child)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	static const char v1[] = V1("192.0.2.7", "4001") "abc";
	static const char v2[] = V2_TCP4 "abcdefg";
	char buf[64];

	daemon_start(&d, args);
	ck_assert_uint_eq(relay("127.0.0.1", "127.0.0.1", v1, sizeof(v1) - 1, buf, sizeof(buf)),
		14);
	daemon_wait_log(&d, "192.0.2.7 port 4001 via 127.0.0.1: sent 14 bytes", 0);
	ck_assert_uint_eq(relay("127.0.0.1", "127.0.0.1", v2, sizeof(v2) - 1, buf, sizeof(buf)),
		14);
	daemon_wait_log(&d, "198.51.100.9 port 4242 via 127.0.0.1: sent 14 bytes", 0);
	ck_assert_uint_eq(daemon_count_log(&d, "discarded 3 bytes"), 1);
	ck_assert_uint_eq(daemon_count_log(&d, "discarded 7 bytes"), 1);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Pieces cut where the version, the signature and the length end. The pause between them only
 * makes separate reads likely; the test passes the same if the pieces arrive together. */
START_TEST(header_in_pieces_is_fine)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	static const char v2[] = V2_TCP4;
	static const size_t cuts[] = { 1, 5, 12, 14, 16, sizeof(v2) - 1 };
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	char buf[64];
	int one = 1, fd;
	size_t at = 0;

	daemon_start(&d, args);
	fd = open_client("127.0.0.1", "127.0.0.1", d.port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		send_all(fd, v2 + at, cuts[i] - at);
		at = cuts[i];
		nanosleep(&pause, NULL);
	}
	ck_assert_uint_eq(read_to_end(fd, buf, sizeof(buf)), 14);
	close(fd);
	daemon_wait_log(&d, "198.51.100.9 port 4242 via 127.0.0.1: sent 14 bytes", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

START_TEST(deny_and_per_source_act_on_the_client)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-x", "192.0.2.0/24",
		"-s", "1", NULL };
	static const char first[] = V1("198.51.100.1", "1001");
	char buf[64];
	int held;

	daemon_start(&d, args);
	ck_assert_uint_eq(RELAY("127.0.0.1", V1("192.0.2.7", "4242"), buf), 0);
	daemon_wait_log(&d, "refused 192.0.2.7 port 4242 via 127.0.0.1: denied by the access list",
		0);
	held = open_client("127.0.0.1", "127.0.0.1", d.port);
	send_all(held, first, sizeof(first) - 1);
	ck_assert_int_eq(read(held, buf, 14), 14);
	/* Same client through the same balancer: over its cap. Another client: served. */
	ck_assert_uint_eq(RELAY("127.0.0.1", V1("198.51.100.1", "1002"), buf), 0);
	daemon_wait_log(&d,
		"refused 198.51.100.1 port 1002 via 127.0.0.1: 1 connection from this source", 0);
	ck_assert_uint_eq(RELAY("127.0.0.1", V1("198.51.100.2", "1003"), buf), 14);
	close(held);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Status lines that count a client served, from one reading of the log: two counts read apart
 * let an earlier round's line that was still on its way fall between them. */
static unsigned
status_lines_with_clients_served(struct daemon *dm)
{
	const char *log = daemon_read_log(dm);
	unsigned n = 0;

	for (const char *p = log; (p = strstr(p, " served,")) != NULL; p++)
		if (p - log < 2 || p[-1] != '0' || p[-2] != ' ')
			n++;
	return n;
}

/* The balancer's own connections: greeted, not logged one by one, counted, and never held to
 * a source's cap (here 1, with three of them open at once). */
START_TEST(health_checks_are_greeted_and_counted_not_logged)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-s", "1", NULL };
	static const char *const checks[] = { V2_LOCAL, "PROXY UNKNOWN\r\n",
		V1("127.0.0.1", "5555") };
	static const size_t lens[] = { sizeof(V2_LOCAL) - 1, 15,
		sizeof(V1("127.0.0.1", "5555")) - 1 };
	char buf[64];
	int held[3];
	size_t at;

	daemon_start(&d, args);
	for (int i = 0; i < 3; i++) {
		held[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
		send_all(held[i], checks[i], lens[i]);
		ck_assert_int_eq(read(held[i], buf, 14), 14);
	}
	for (int i = 0; i < 3; i++)
		close(held[i]);
	daemon_wait_children_at_most(&d, 0);
	/* A round of its own, awaited whole: an earlier round's line would do for the count, and
	 * this round's would still be on its way during the reads below. */
	at = daemon_proxy_status(&d);
	ck_assert_msg(strncmp(d.log + at, "0 PROXY headers pending, 3 balancer checks greeted;",
			      51) == 0,
		"%s", daemon_log_tail(&d));
	/* No client was served: the checks are counted apart. */
	ck_assert_msg(daemon_count_log(&d, " 0 served, refused ") >= 1, "%s", daemon_log_tail(&d));
	ck_assert_msg(status_lines_with_clients_served(&d) == 0, "%s", daemon_log_tail(&d));
	ck_assert_uint_eq(daemon_count_log(&d, ": sent 14 bytes"), 0);
	ck_assert_uint_eq(daemon_count_log(&d, "refused 127"), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A second SIGTERM ends the stop: a balancer's header that has not ended is closed at once,
 * unserved, and with nothing else left the master exits then, not once --proxy-timeout (here
 * an hour, far past any wait of this test) and -t have passed; the header's end arriving
 * afterwards forks no child. */
START_TEST(second_sigterm_closes_pending_headers_at_once)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "--proxy-timeout",
		"3600", "-t", "3600", NULL };
	static const char start[] = "PROXY TCP4 192.0.2.7 ";
	char buf[64];
	size_t at;
	int fd;

	daemon_start(&d, args);
	fd = open_client("127.0.0.1", "127.0.0.1", d.port);
	send_all(fd, start, sizeof(start) - 1);
	wait_pending(1);
	daemon_signal(&d, SIGTERM);
	at = daemon_wait_log(&d, "stopping on SIGTERM", 0);
	daemon_signal(&d, SIGTERM);
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
	ck_assert_msg(strstr(d.log + at, "closed 1 pending PROXY header") != NULL, "%s",
		daemon_log_tail(&d));
	/* The rest of the header finds the connection closed: nothing is sent back. */
	send(fd, "127.0.0.1 5 17\r\n", 16, MSG_NOSIGNAL);
	ck_assert_int_le(read(fd, buf, sizeof(buf)), 0);
	close(fd);
}
END_TEST

START_TEST(silent_balancer_is_cut_at_the_deadline_while_others_are_served)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "--proxy-timeout", "1",
		NULL };
	struct timespec t0, t1;
	char buf[64];
	int silent;
	long ms;

	daemon_start(&d, args);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	silent = open_client("127.0.0.1", "127.0.0.1", d.port);
	ck_assert_uint_eq(RELAY("127.0.0.1", V1("192.0.2.7", "4242"), buf), 14);
	ck_assert_uint_eq(fetch("127.0.0.2", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	ck_assert_uint_eq(read_to_end(silent, buf, sizeof(buf)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(silent);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 900);
	daemon_wait_log(&d, "no complete PROXY header in 1 s (--proxy-timeout); 0 bytes", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static const struct {
	const char *bytes;
	size_t len;
	bool half_close; /* end with a FIN instead of waiting for the daemon */
	const char *logged;
} bad_headers[] = {
	{ "PROXY TCP4 1.2.3.4 1.2.3.5 1 2\n", 31, false, "lone LF; 31 bytes: 'PROXY TCP4" },
	{ "PROXY TCP4 01.2.3.4 1.2.3.5 1 2\r\n", 34, false, "bad address or port" },
	{ SIG "\x21\x12\x00\x00", 16, false,
		"shorter than its family needs; 16 bytes: '\\x0d\\x0a\\x0d\\x0a\\x00" },
	{ SIG "\x21\x11\xff\xff", 16, false, "longer than 4096 bytes" },
	{ "GET / HTTP/1.0\r\n\r\n", 18, false, "not a PROXY header; 18 bytes: 'GET / HTTP" },
	{ "PROXY TCP4 1.2", 14, true, "closed part way through a PROXY header (closed); 14 bytes" },
	{ "", 0, true, "closed before a PROXY header (closed); 0 bytes" },
};

START_TEST(bad_headers_get_no_greeting_and_are_logged_escaped)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	char buf[64];
	int fd;

	daemon_start(&d, args);
	fd = open_client("127.0.0.1", "127.0.0.1", d.port);
	if (bad_headers[_i].len > 0)
		send_all(fd, bad_headers[_i].bytes, bad_headers[_i].len);
	if (bad_headers[_i].half_close)
		shutdown(fd, SHUT_WR);
	/* A reset is as good as an end of file here: no greeting either way. */
	ck_assert_uint_eq(read_to_end(fd, buf, sizeof(buf)), 0);
	close(fd);
	daemon_wait_log(&d, bad_headers[_i].logged, 0);
	ck_assert_uint_eq(daemon_count_log(&d, "no greeting for balancer 127.0.0.1 port "), 1);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A peer outside --proxy-from is a direct client, whatever it sends. */
START_TEST(direct_client_bytes_are_never_parsed)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.2", NULL };
	static const char v1[] = V1("192.0.2.7", "4242");
	char buf[64], discarded[64];

	daemon_start(&d, args);
	ck_assert_uint_eq(RELAY("127.0.0.1", v1, buf), 14);
	snprintf(discarded, sizeof(discarded), "discarded %zu bytes", sizeof(v1) - 1);
	daemon_wait_log(&d, discarded, 0);
	ck_assert_uint_eq(daemon_count_log(&d, "192.0.2.7"), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* -c bounds pending headers too: with both slots held by silent balancers, a direct client
 * waits in the backlog and is served once the deadline frees them. */
START_TEST(pending_headers_are_bounded)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-c", "2",
		"--proxy-timeout", "1", NULL };
	char buf[64];
	int silent[2];

	daemon_start(&d, args);
	for (int i = 0; i < 2; i++)
		silent[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
	wait_pending(2);
	ck_assert_uint_eq(fetch("127.0.0.2", "127.0.0.1", d.port, buf, sizeof(buf)), 14);
	/* Served only after a slot was freed: the master logs the cut before it accepts. */
	ck_assert_uint_eq(daemon_count_log(&d,
				  "reached --max-children 2 with 0 children, 2 PROXY "
				  "headers pending and 0 clients waiting"),
		1);
	ck_assert_uint_ge(daemon_count_log(&d, "(--proxy-timeout)"), 1);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(read_to_end(silent[i], buf, sizeof(buf)), 0);
		close(silent[i]);
	}
	wait_pending(0);
	daemon_wait_log(&d, "0 with a bad one, 2 at --proxy-timeout", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Relayed connection i (192.0.2.(10+i)) with its header sent, nothing read. */
static int
relayed_client(unsigned i)
{
	char hdr[64];
	int n = snprintf(hdr, sizeof(hdr), "PROXY TCP4 192.0.2.%u 127.0.0.1 1000 17\r\n", 10 + i);
	int fd = open_client("127.0.0.1", "127.0.0.1", d.port);

	send_all(fd, hdr, (size_t)n);
	return fd;
}

/* Reads whole greetings from whichever of fds sends one until want have; returns a mask of
 * those greeted. */
static unsigned
greeted_among(const int *fds, unsigned n, unsigned want)
{
	unsigned mask = 0, have = 0;

	while (have < want) {
		struct pollfd p[8];

		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = (mask >> i) & 1 ? -1 : fds[i],
				.events = POLLIN };
		ck_assert_int_gt(poll(p, n, (int)stall_ms()), 0);
		for (unsigned i = 0; i < n; i++) {
			char buf[64];

			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			ck_assert_int_eq(read(fds[i], buf, sizeof(buf)), (ssize_t)strlen(greeting));
			mask |= 1U << i;
			have++;
		}
	}
	return mask;
}

/* A pending header keeps a child's place: headers that complete while the children are at -c
 * never fork past it, and every child is tracked (so -s, and the stop, hold for it). */
START_TEST(headers_completing_at_the_cap_fork_no_more_than_c)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-c", "3", "-t", "60",
		"-q", NULL };
	static const char hdr_a[] = V1("192.0.2.1", "1000");
	int a, fds[3];
	unsigned zombies, mask;
	char buf[64];

	daemon_start(&d, args);
	a = open_client("127.0.0.1", "127.0.0.1", d.port);
	wait_pending(1);
	for (unsigned i = 0; i < 3; i++)
		fds[i] = relayed_client(i);
	/* Two places are left besides a's: two of the three are greeted, the third waits. */
	mask = greeted_among(fds, 3, 2);
	send_all(a, hdr_a, sizeof(hdr_a) - 1);
	ck_assert_int_eq(read(a, buf, sizeof(buf)), (ssize_t)strlen(greeting));
	ck_assert_uint_le(count_children(d.pid, &zombies), 3);
	ck_assert_uint_eq(daemon_status_children(&d), 3);
	/* The third is greeted once a place frees, not lost. */
	close(a);
	for (unsigned i = 0; i < 3; i++)
		if ((mask >> i) & 1)
			close(fds[i]);
	for (unsigned i = 0; i < 3; i++)
		if (!((mask >> i) & 1)) {
			ck_assert_int_eq(read(fds[i], buf, sizeof(buf)), (ssize_t)strlen(greeting));
			close(fds[i]);
		}
	daemon_wait_children_at_most(&d, 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* One round of the test below: x1 holds 192.0.2.1's one slot, x2 (the same client) waits for
 * it, two silent balancers take every other place, x1 closes. True when x2 was greeted; false
 * when it was refused, which happens only if this process was kept from closing x1 for the
 * whole 200 ms x2 may wait. */
static bool
served_when_the_slot_frees(void)
{
	static const char hdr_x[] = V1("192.0.2.1", "1000");
	int x1, x2, silent[2];
	char buf[64];
	size_t got;

	x1 = open_client("127.0.0.1", "127.0.0.1", d.port);
	send_all(x1, hdr_x, sizeof(hdr_x) - 1);
	ck_assert_int_eq(read(x1, buf, sizeof(buf)), (ssize_t)strlen(greeting));
	x2 = open_client("127.0.0.1", "127.0.0.1", d.port);
	send_all(x2, hdr_x, sizeof(hdr_x) - 1);
	for (int i = 0; i < 2; i++)
		silent[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
	close(x1);
	got = read_to_end(x2, buf, sizeof(buf));
	close(x2);
	if (got == 0)
		daemon_wait_log(&d, "refused 192.0.2.1 port 1000 via 127.0.0.1", 0);
	else
		ck_assert_uint_eq(got, strlen(greeting));
	/* Served before the silent ones were cut, not after. */
	ck_assert_uint_eq(daemon_count_log(&d, "(--proxy-timeout)"), 0);
	for (int i = 0; i < 2; i++)
		close(silent[i]);
	return got > 0;
}

/* A client waiting for its source's slot keeps a child's place: when its slot frees it is
 * served at once, even with every other place taken by silent balancers (before, the master
 * spun until their --proxy-timeout and served it only then). */
START_TEST(waiting_for_the_source_slot_is_served_when_it_frees)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-c", "2", "-s", "1",
		"--proxy-timeout", "30", "-t", "60", NULL };
	bool served = false;

	for (int round = 0; round < 5 && !served; round++) {
		daemon_start(&d, args);
		served = served_when_the_slot_frees();
		daemon_wait_children_at_most(&d, 0);
		ck_assert_int_eq(daemon_stop(&d), 0);
		daemon_cleanup(&d);
	}
	ck_assert_msg(served, "refused in 5 rounds out of 5");
}
END_TEST

/* With --proxy-from a status answer is two lines, children first; the second may reach the log
 * after a round has read the first. Each round counts the child that lives, never reads the
 * other line's "0 PROXY headers pending" for "0 children" (a test that waited for the child's
 * end stopped waiting while it lived, and closed its client under it). */
START_TEST(status_rounds_count_children_not_pending_headers)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-t", "600", NULL };
	static const char hdr[] = V1("192.0.2.1", "1000");
	char buf[64];
	int fd;

	daemon_start(&d, args);
	fd = open_client("127.0.0.1", "127.0.0.1", d.port);
	send_all(fd, hdr, sizeof(hdr) - 1);
	/* Greeted and shut down: the child lingers until we close or -t passes. */
	ck_assert_uint_eq(read_to_end(fd, buf, sizeof(buf)), strlen(greeting));
	for (int round = 0; round < 300; round++)
		ck_assert_uint_eq(daemon_status_children(&d), 1);
	close(fd);
	daemon_wait_children_at_most(&d, 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* -t counts from the accept for a relayed connection too: a header that arrives after the
 * deadline gets its client the greeting and the close at once, not -t seconds more. A child
 * timed from its fork would outlive the header by -t at least (its own timer's promise: the
 * client stays until the child's line is out), one timed from the accept writes its line as
 * soon as it has greeted. Only that stretch is timed, up to the line (not valgrind's work at
 * the child's exit, nor status rounds), so a machine must be DEADLINE_S - 1 seconds slow in that
 * one step to turn the verdict. */
enum { DEADLINE_S = 6 };

START_TEST(the_deadline_counts_from_the_accept)
{
	static const char ended[] = "192.0.2.1 port 1000 via 127.0.0.1: sent 14 bytes in ";
	char t[16];
	/* --proxy-timeout far past -t: the header that comes late for -t is still in time. */
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "--proxy-timeout",
		"600", "-t", t, NULL };
	static const char hdr[] = V1("192.0.2.1", "1000");
	struct timespec sent, seen;
	struct pollfd late = { .fd = -1 };
	char buf[64];
	double secs;
	int fd;

	snprintf(t, sizeof(t), "%d", DEADLINE_S);
	daemon_start(&d, args);
	fd = open_client("127.0.0.1", "127.0.0.1", d.port);
	/* The header comes after -t has passed: the subject of the test, not a synchronization. */
	ck_assert_int_eq(poll(&late, 0, DEADLINE_S * 1000 + 500), 0);
	clock_gettime(CLOCK_MONOTONIC, &sent);
	send_all(fd, hdr, sizeof(hdr) - 1);
	/* The greeting and the end of it; the client keeps its side open, as a client that never
	 * closes does, until the child's line is out: only the deadline ends its child. */
	ck_assert_uint_eq(read_to_end(fd, buf, sizeof(buf)), strlen(greeting));
	daemon_wait_log(&d, ended, 0);
	clock_gettime(CLOCK_MONOTONIC, &seen);
	close(fd);
	ck_assert_msg(strstr(d.log, "deadline passed") != NULL, "%s", daemon_log_tail(&d));
	secs = (double)(seen.tv_sec - sent.tv_sec) + (double)(seen.tv_nsec - sent.tv_nsec) / 1e9;
	printf("the_deadline_counts_from_the_accept: the child's line came %.2f s after the "
	       "header\n",
		secs);
	ck_assert_msg(secs < DEADLINE_S, "the child lived %.1f s after the header, -t is %d", secs,
		DEADLINE_S);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Without -s only pending headers hold the master's descriptors: under a descriptor limit too
 * low for -c of them, the master says how many it has room for and keeps to that, so accept
 * never runs out and a reload still has descriptors to read its file with. */
START_TEST(a_low_descriptor_limit_bounds_pending_headers)
{
	static const char said[] = "the descriptor limit 28 leaves room for ";
	const struct daemon_env env = { .nofile = 28 };
	const char *args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", "-s", "0", "-c", "50", "-M",
		NULL, NULL };
	unsigned long room;
	int silent[24];
	char buf[64];

	if (under_valgrind())
		return; /* valgrind keeps descriptors of its own below the limit this test sets */
	daemon_prepare(&d);
	args[9] = daemon_write_file(&d, "m", "Hi\n", 3);
	daemon_start_env(&d, args, &env);
	daemon_wait_log(&d, said, 0);
	room = strtoul(strstr(d.log, said) + strlen(said), NULL, 10);
	ck_assert_msg(room >= 8 && room < 24, "room for %lu", room);
	ck_assert_ptr_nonnull(strstr(d.log, "pending PROXY headers, below --max-children 50"));
	for (int i = 0; i < 24; i++)
		silent[i] = open_client("127.0.0.1", "127.0.0.1", d.port);
	wait_pending((unsigned)room);
	daemon_signal(&d, SIGHUP);
	daemon_wait_log(&d, "SIGHUP: read the message again", 0);
	for (int i = 0; i < 24; i++)
		close(silent[i]);
	ck_assert_uint_eq(fetch("127.0.0.2", "127.0.0.1", d.port, buf, sizeof(buf)), 4);
	ck_assert_uint_eq(daemon_count_log(&d, "accept failed"), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A header under way at SIGTERM is finished and its client greeted. */
START_TEST(stop_finishes_pending_headers)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	static const char v1[] = V1("192.0.2.7", "4242");
	char buf[64];
	int fd;

	daemon_start(&d, args);
	fd = open_client("127.0.0.1", "127.0.0.1", d.port);
	send_all(fd, v1, 10);
	wait_pending(1);
	daemon_signal(&d, SIGTERM);
	daemon_wait_log(&d, "stopping on SIGTERM", 0);
	send_all(fd, v1 + 10, sizeof(v1) - 1 - 10);
	ck_assert_uint_eq(read_to_end(fd, buf, sizeof(buf)), 14);
	close(fd);
	ck_assert_int_eq(daemon_wait_exit(&d), 0);
	ck_assert(strstr(d.log, "192.0.2.7 port 4242 via 127.0.0.1: sent 14 bytes") != NULL);
}
END_TEST

/* The child's process title names the client and the balancer. */
static bool
child_title_has(pid_t parent, const char *needle)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	bool found = false;

	while (proc != NULL && !found && (e = readdir(proc)) != NULL) {
		char path[300], stat[512], cmd[256];
		const char *close_paren;
		long ppid = 0;
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		n = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		stat[n > 0 ? n : 0] = '\0';
		close_paren = strrchr(stat, ')');
		if (close_paren == NULL || sscanf(close_paren + 2, "%*c %ld", &ppid) != 1 ||
			ppid != parent)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		cmd[n > 0 ? n : 0] = '\0';
		found = strstr(cmd, needle) != NULL;
	}
	if (proc != NULL)
		closedir(proc);
	return found;
}

START_TEST(child_title_names_client_and_balancer)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-P", "127.0.0.1", NULL };
	static const char v1[] = V1("192.0.2.7", "4242");
	char buf[64];
	int fd;

	if (under_valgrind())
		return; /* /proc shows valgrind's command line, not the title the child sets */
	daemon_start(&d, args);
	fd = open_client("127.0.0.1", "127.0.0.1", d.port);
	send_all(fd, v1, sizeof(v1) - 1);
	/* The child holds the connection (lingering close) until we close ours. */
	ck_assert_int_eq(read(fd, buf, 14), 14);
	ck_assert(child_title_has(d.pid, "greeting 192.0.2.7 via 127.0.0.1"));
	close(fd);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

START_TEST(ipv6_balancer)
{
	const char *const args[] = { "-l", "[::1]:0", "-P", "::1", NULL };
	static const char v1[] = "PROXY TCP6 2001:db8::7 ::1 4242 17\r\n";
	char buf[64];

	if (!have_ipv6_loopback())
		return; /* the case is skipped where ::1 does not exist */
	daemon_start(&d, args);
	ck_assert_uint_eq(relay("::1", "::1", v1, sizeof(v1) - 1, buf, sizeof(buf)), 14);
	daemon_wait_log(&d, "2001:db8::7 port 4242 via ::1: sent 14 bytes", 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("behind a balancer");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, relayed_client_is_the_header_source);
	tcase_add_test(tc, client_bytes_after_the_header_reach_the_child);
	tcase_add_test(tc, header_in_pieces_is_fine);
	tcase_add_test(tc, deny_and_per_source_act_on_the_client);
	tcase_add_test(tc, health_checks_are_greeted_and_counted_not_logged);
	tcase_add_test(tc, silent_balancer_is_cut_at_the_deadline_while_others_are_served);
	tcase_add_test(tc, second_sigterm_closes_pending_headers_at_once);
	tcase_add_loop_test(tc, bad_headers_get_no_greeting_and_are_logged_escaped, 0,
		sizeof(bad_headers) / sizeof(bad_headers[0]));
	tcase_add_test(tc, direct_client_bytes_are_never_parsed);
	tcase_add_test(tc, pending_headers_are_bounded);
	tcase_add_test(tc, headers_completing_at_the_cap_fork_no_more_than_c);
	tcase_add_test(tc, waiting_for_the_source_slot_is_served_when_it_frees);
	tcase_add_test(tc, status_rounds_count_children_not_pending_headers);
	tcase_add_test(tc, the_deadline_counts_from_the_accept);
	tcase_add_test(tc, a_low_descriptor_limit_bounds_pending_headers);
	tcase_add_test(tc, stop_finishes_pending_headers);
	tcase_add_test(tc, child_title_names_client_and_balancer);
	tcase_add_test(tc, ipv6_balancer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(proxy_suite());
}
