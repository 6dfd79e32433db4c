/* Connections waiting at their source's cap: kept while the source is full and their moment
 * lasts, handed back in order once it frees up, when the moment is over or when the master
 * stops; never more than GRACE_MAX; their descriptors grace's until handed back. */
#include <check.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrs.h"
#include "deadline.h"
#include "grace.h"
#include "runner.h"

static struct children *kids;
static struct admission one_each;
static struct grace g;
static int held[2]; /* the client of 192.0.2.1's one child, and the child's end */

static void
setup(void)
{
	struct srckey k = key_of("192.0.2.1");

	kids = children_new(4);
	ck_assert_ptr_nonnull(kids);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, held), 0);
	ck_assert(children_add(kids, 100, &k));
	ck_assert(children_hold(kids, 100, held[0]));
	one_each = (struct admission){ { NULL, 0, NULL, 0 }, 1, kids };
	g.n = 0;
}

static void
teardown(void)
{
	grace_close_all(&g);
	children_free(kids);
	if (held[1] >= 0)
		close(held[1]);
}

/* A connection of our own to wait: one end of a socket pair. */
static int
waiting_fd(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	return sv[0];
}

START_TEST(waits_while_full_and_in_time)
{
	struct peer p = peer_of("192.0.2.1", 1);
	struct grace_entry e;
	bool room;

	ck_assert_int_eq(grace_due(&g), DEADLINE_OFF);
	ck_assert(grace_add(&g, waiting_fd(), &p, 1000));
	ck_assert_int_eq(grace_due(&g), 1000 + GRACE_MS);
	ck_assert(!grace_take_settled(&g, &one_each, 1000 + GRACE_MS - 1, false, &e, &room));
	ck_assert_uint_eq(g.n, 1);
	ck_assert(grace_take_settled(&g, &one_each, 1000 + GRACE_MS, false, &e, &room));
	ck_assert(!room);
	ck_assert_int_eq(e.peer.port, 1);
	ck_assert_uint_eq(g.n, 0);
	close(e.fd);
}
END_TEST

START_TEST(handed_back_in_order_once_the_source_frees_up)
{
	struct peer p = peer_of("192.0.2.1", 1), q = peer_of("192.0.2.1", 2);
	struct grace_entry e;
	bool room;

	ck_assert(grace_add(&g, waiting_fd(), &p, 1000));
	ck_assert(grace_add(&g, waiting_fd(), &q, 1010));
	close(held[1]); /* the client of the source's child leaves */
	held[1] = -1;
	ck_assert(grace_take_settled(&g, &one_each, 1020, false, &e, &room));
	ck_assert(room);
	ck_assert_int_eq(e.peer.port, 1);
	close(e.fd);
	ck_assert(grace_take_settled(&g, &one_each, 1020, false, &e, &room));
	ck_assert_int_eq(e.peer.port, 2);
	close(e.fd);
	ck_assert(!grace_take_settled(&g, &one_each, 1020, false, &e, &room));
}
END_TEST

START_TEST(nobody_waits_once_stopping)
{
	struct peer p = peer_of("192.0.2.1", 1);
	struct grace_entry e;
	bool room;

	ck_assert(grace_add(&g, waiting_fd(), &p, 1000));
	ck_assert(grace_take_settled(&g, &one_each, 1001, true, &e, &room));
	ck_assert(!room);
	close(e.fd);
}
END_TEST

START_TEST(bounded_and_closed_at_teardown)
{
	struct peer p = peer_of("192.0.2.1", 1);
	int first = waiting_fd(), extra = waiting_fd();

	ck_assert(grace_add(&g, first, &p, 0));
	for (int i = 1; i < GRACE_MAX; i++)
		ck_assert(grace_add(&g, waiting_fd(), &p, i));
	ck_assert(!grace_add(&g, extra, &p, GRACE_MAX));
	ck_assert_int_ge(fcntl(extra, F_GETFD), 0); /* still the caller's */
	close(extra);
	grace_close_all(&g);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_int_eq(fcntl(first, F_GETFD), -1);
}
END_TEST

static Suite *
grace_suite(void)
{
	Suite *s = suite_create("grace");
	TCase *tc = tcase_create("waiting");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, waits_while_full_and_in_time);
	tcase_add_test(tc, handed_back_in_order_once_the_source_frees_up);
	tcase_add_test(tc, nobody_waits_once_stopping);
	tcase_add_test(tc, bounded_and_closed_at_teardown);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(grace_suite());
}
