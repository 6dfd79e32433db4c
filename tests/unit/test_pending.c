/* The pending-header stage on socket pairs: a header is taken exactly (the client's bytes after
 * it stay in the socket), pieces are fine, and each way a header can fail ends the connection
 * with its reason. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrs.h"
#include "pending.h"
#include "runner.h"

#define V1 "PROXY TCP4 192.0.2.7 127.0.0.1 4242 17\r\n"

static struct pending_outcome got;
static unsigned ended;
static int sv[2];
static struct pending_set *set;

static void
setup(void)
{
	struct peer p = peer_of("10.0.0.2", 5555);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	set = pending_new(4);
	ck_assert_ptr_nonnull(set);
	ck_assert(pending_add(set, sv[0], &p, 1000));
	ended = 0;
	memset(&got, 0, sizeof(got));
}

static void
teardown(void)
{
	if (ended > 0 && got.fd >= 0)
		close(got.fd);
	pending_free(set);
	close(sv[1]);
}

/* One round of the master's loop at time now: poll (without waiting), then take what ended. */
static void
round_at(int64_t now)
{
	struct pollfd p[4];
	struct pending_outcome o;
	size_t n = pending_pollset(set, p);

	ck_assert_int_ge(poll(p, n, 0), 0);
	for (size_t i = 0; i < n; i++)
		if (p[i].revents != 0)
			pending_ready(set, i);
	while (pending_next_end(set, now, &o)) {
		got = o;
		ended++;
	}
}

static void
put(const void *data, size_t len)
{
	ck_assert_int_eq(write(sv[1], data, len), (ssize_t)len);
}

START_TEST(header_taken_exactly)
{
	static const char bytes[] = V1 "first bytes of the client";
	char rest[64];

	put(bytes, sizeof(bytes) - 1);
	round_at(0);
	ck_assert_uint_eq(ended, 1);
	ck_assert_int_eq(got.end, PENDING_HEADER);
	ck_assert_int_eq(got.fd, sv[0]);
	ck_assert_str_eq(got.peer.host, "192.0.2.7");
	ck_assert_str_eq(got.peer.via, "10.0.0.2");
	ck_assert(got.peer.relayed);
	ck_assert_uint_eq(got.got, sizeof(V1) - 1);
	ck_assert_int_eq(read(sv[0], rest, sizeof(rest)), 25);
	ck_assert_mem_eq(rest, "first bytes of the client", 25);
	ck_assert_uint_eq(pending_count(set), 0);
}
END_TEST

START_TEST(pieces_then_header)
{
	static const size_t cuts[] = { 1, 5, 12, 14, 16, sizeof(V1) - 1 };
	size_t at = 0;
	char rest[8];

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		ck_assert_uint_eq(ended, 0);
		put(&V1[at], cuts[i] - at);
		at = cuts[i];
		round_at(0);
	}
	ck_assert_uint_eq(ended, 1);
	ck_assert_int_eq(got.end, PENDING_HEADER);
	ck_assert_str_eq(got.peer.host, "192.0.2.7");
	put("x", 1);
	ck_assert_int_eq(read(sv[0], rest, sizeof(rest)), 1);
}
END_TEST

START_TEST(local_is_the_balancers_own)
{
	static const char local[] = "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";

	put(local, sizeof(local) - 1);
	round_at(0);
	ck_assert_int_eq(got.end, PENDING_HEADER);
	ck_assert(got.peer.balancer_own);
	ck_assert(!got.peer.relayed);
	ck_assert_str_eq(got.peer.host, "10.0.0.2");
}
END_TEST

START_TEST(bad_header_shows_its_bytes)
{
	put("PROXY TCP4 1.2.3.4 1.2.3.5 1 2\n", 31);
	round_at(0);
	ck_assert_int_eq(got.end, PENDING_MALFORMED);
	ck_assert_int_eq(got.fd, -1);
	ck_assert_str_eq(got.why, "version 1 line ends in a lone LF");
	ck_assert_str_eq(got.shown, "PROXY TCP4 1.2.3.4 1.2.3.5 1 2\\x0a");
	ck_assert_str_eq(got.peer.host, "10.0.0.2");
}
END_TEST

START_TEST(closed_early)
{
	put("PROXY TCP4", 10);
	round_at(0);
	ck_assert_uint_eq(ended, 0);
	shutdown(sv[1], SHUT_WR);
	round_at(0);
	ck_assert_int_eq(got.end, PENDING_TRUNCATED);
	ck_assert_uint_eq(got.got, 10);
}
END_TEST

START_TEST(closed_without_a_byte)
{
	shutdown(sv[1], SHUT_WR);
	round_at(0);
	ck_assert_int_eq(got.end, PENDING_MISSING);
	ck_assert_uint_eq(got.got, 0);
}
END_TEST

START_TEST(deadline_is_absolute)
{
	put("P", 1);
	round_at(999);
	ck_assert_uint_eq(ended, 0);
	ck_assert_int_eq(pending_due(set), 1000);
	round_at(1000);
	ck_assert_int_eq(got.end, PENDING_SLOW);
	ck_assert_uint_eq(got.got, 1);
	ck_assert_uint_eq(pending_count(set), 0);
}
END_TEST

/* Four fit (setup added one); a fifth is not taken, and stays the caller's. */
START_TEST(a_full_set_takes_no_more)
{
	struct peer p = peer_of("10.0.0.2", 5555);
	int more[4][2];

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, more[i]), 0);
	for (int i = 0; i < 3; i++)
		ck_assert(pending_add(set, more[i][0], &p, 1000));
	ck_assert_uint_eq(pending_count(set), 4);
	ck_assert(!pending_add(set, more[3][0], &p, 1000));
	ck_assert_uint_eq(pending_count(set), 4);
	ck_assert_int_eq(fcntl(more[3][0], F_GETFD), FD_CLOEXEC); /* still open: not taken */
	close(more[3][0]);
	for (int i = 0; i < 4; i++)
		close(more[i][1]);
}
END_TEST

/* The stop's end: every connection still waiting is closed (its peer sees the end), none is
 * left to end later, and the set takes new ones again. */
START_TEST(close_all_ends_every_one)
{
	struct peer p = peer_of("10.0.0.2", 5555);
	char c;

	put("PROXY TCP4 ", 11);
	round_at(10);
	ck_assert_uint_eq(ended, 0);
	ck_assert_uint_eq(pending_close_all(set), 1);
	ck_assert_uint_eq(pending_count(set), 0);
	ck_assert_int_eq(read(sv[1], &c, 1), 0); /* closed by the set */
	round_at(2000);                          /* past its deadline: nothing is left to end */
	ck_assert_uint_eq(ended, 0);
	ck_assert_uint_eq(pending_close_all(NULL), 0);
	close(sv[1]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert(pending_add(set, sv[0], &p, 3000));
	ck_assert_uint_eq(pending_count(set), 1);
}
END_TEST

static Suite *
pending_suite(void)
{
	Suite *s = suite_create("pending");
	TCase *tc = tcase_create("reading headers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, header_taken_exactly);
	tcase_add_test(tc, a_full_set_takes_no_more);
	tcase_add_test(tc, pieces_then_header);
	tcase_add_test(tc, local_is_the_balancers_own);
	tcase_add_test(tc, bad_header_shows_its_bytes);
	tcase_add_test(tc, closed_early);
	tcase_add_test(tc, closed_without_a_byte);
	tcase_add_test(tc, deadline_is_absolute);
	tcase_add_test(tc, close_all_ends_every_one);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(pending_suite());
}
