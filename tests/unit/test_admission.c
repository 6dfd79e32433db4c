/* Who is served: the access lists, then --max-per-source counting only the connections whose
 * client is still there; the balancer's own connections pass both. Admission only answers: the
 * table is never changed by asking. */
#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrs.h"
#include "admission.h"
#include "runner.h"

static struct children *kids;
static int pair[2][2];

static void
setup(void)
{
	struct srckey k = key_of("192.0.2.1");

	kids = children_new(8);
	ck_assert_ptr_nonnull(kids);
	/* Two children of 192.0.2.1, each holding its client's connection. */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair[i]), 0);
		ck_assert(children_add(kids, 100 + i, &k));
		ck_assert(children_hold(kids, 100 + i, pair[i][0]));
	}
}

static void
teardown(void)
{
	children_free(kids);
	for (int i = 0; i < 2; i++)
		close(pair[i][1]);
}

START_TEST(lists_decide_first)
{
	struct cidr deny[] = { cidr_of("192.0.2.0/24") }, allow[] = { cidr_of("198.51.100.0/24") };
	struct admission denying = { { NULL, 0, deny, 1 }, 0, kids };
	struct admission allowing = { { allow, 1, NULL, 0 }, 0, kids };
	struct peer p = peer_of("192.0.2.9", 1), q = peer_of("198.51.100.1", 1);
	char why[64];

	ck_assert_int_eq(admission_check(&denying, &p), REFUSE_DENIED);
	ck_assert_int_eq(admission_check(&denying, &q), ADMIT);
	ck_assert_int_eq(admission_check(&allowing, &p), REFUSE_DENIED);
	ck_assert_int_eq(admission_check(&allowing, &q), ADMIT);
	ck_assert_str_eq(admission_reason(&denying, REFUSE_DENIED, why, sizeof(why)),
		"denied by the access list");
}
END_TEST

START_TEST(a_full_source_until_a_client_leaves)
{
	struct admission a = { { NULL, 0, NULL, 0 }, 2, kids };
	struct peer p = peer_of("192.0.2.1", 7), other = peer_of("192.0.2.2", 7);
	char why[64];

	ck_assert_int_eq(admission_check(&a, &p), REFUSE_SOURCE);
	ck_assert_int_eq(admission_check(&a, &other), ADMIT);
	ck_assert_str_eq(admission_reason(&a, REFUSE_SOURCE, why, sizeof(why)),
		"2 connections from this source (--max-per-source)");
	/* The child is still there (not reaped), but its client has gone. */
	close(pair[0][1]);
	pair[0][1] = socket(AF_UNIX, SOCK_STREAM, 0); /* for teardown to close */
	ck_assert_int_eq(admission_check(&a, &p), ADMIT);
	ck_assert_uint_eq(children_count(kids), 2);      /* asking reaped nothing */
	ck_assert_int_ge(fcntl(pair[0][0], F_GETFD), 0); /* still held: reaping is the caller's */
}
END_TEST

START_TEST(one_per_source)
{
	struct admission a = { { NULL, 0, NULL, 0 }, 1, kids };
	struct peer p = peer_of("192.0.2.1", 7);
	char why[64];

	ck_assert_int_eq(admission_check(&a, &p), REFUSE_SOURCE);
	ck_assert_str_eq(admission_reason(&a, REFUSE_SOURCE, why, sizeof(why)),
		"1 connection from this source (--max-per-source)");
	a.max_per_source = 0; /* no limit */
	ck_assert_int_eq(admission_check(&a, &p), ADMIT);
}
END_TEST

START_TEST(the_balancers_own_pass)
{
	struct cidr deny[] = { cidr_of("10.0.0.0/8") };
	struct admission a = { { NULL, 0, deny, 1 }, 1, kids };
	struct peer p = peer_of("10.0.0.2", 1);

	ck_assert_int_eq(admission_check(&a, &p), REFUSE_DENIED);
	p.balancer_own = true;
	ck_assert_int_eq(admission_check(&a, &p), ADMIT);
}
END_TEST

static Suite *
admission_suite(void)
{
	Suite *s = suite_create("admission");
	TCase *tc = tcase_create("verdicts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lists_decide_first);
	tcase_add_test(tc, a_full_source_until_a_client_leaves);
	tcase_add_test(tc, one_per_source);
	tcase_add_test(tc, the_balancers_own_pass);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(admission_suite());
}
