/* The child table: counts by source, removal, and staying correct over many turns. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrs.h"
#include "children.h"
#include "runner.h"

START_TEST(sources_by_address_and_prefix)
{
	struct children *c = children_new(8);
	struct srckey a = key_of("192.0.2.1"), mapped = key_of("::ffff:192.0.2.1");
	struct srckey v6a = key_of("2001:db8:1:2::1"), v6b = key_of("2001:db8:1:2:ffff::9");
	struct srckey v6other = key_of("2001:db8:1:3::1");

	ck_assert_ptr_nonnull(c);
	ck_assert(memcmp(&a, &mapped, sizeof(a)) == 0);
	ck_assert(children_add(c, 100, &a));
	ck_assert(children_add(c, 101, &mapped));
	ck_assert(children_add(c, 102, &v6a));
	ck_assert(children_add(c, 103, &v6b));
	ck_assert_uint_eq(children_of_source(c, &a), 2);
	ck_assert_uint_eq(children_of_source(c, &v6a), 2); /* the same /64 */
	ck_assert_uint_eq(children_of_source(c, &v6other), 0);
	ck_assert_uint_eq(children_count(c), 4);
	ck_assert(!children_add(c, 100, &a)); /* already there */
	ck_assert(children_remove(c, 102));
	ck_assert(!children_remove(c, 102));
	ck_assert(!children_remove(c, 999));
	ck_assert_uint_eq(children_of_source(c, &v6b), 1);
	ck_assert_uint_eq(children_count(c), 3);
	children_free(c);
}
END_TEST

START_TEST(refuses_beyond_max)
{
	struct children *c = children_new(3);
	struct srckey k = key_of("10.0.0.1");

	for (pid_t p = 1; p <= 3; p++)
		ck_assert(children_add(c, p, &k));
	ck_assert(!children_add(c, 4, &k));
	ck_assert(!children_add(c, 0, &k));
	ck_assert(!children_add(c, -1, &k));
	children_free(c);
}
END_TEST

/* A million adds and removes in a shuffled order, checked against a plain array. */
START_TEST(stays_consistent)
{
	enum { MAX = 256, SOURCES = 37 };
	struct children *c = children_new(MAX);
	pid_t live[MAX];
	unsigned expect[SOURCES] = { 0 }, nlive = 0, src_of[MAX];
	struct srckey keys[SOURCES];
	pid_t next = 2;
	char text[32];

	for (unsigned i = 0; i < SOURCES; i++) {
		snprintf(text, sizeof(text), "10.0.%u.%u", i / 7, i * 3);
		keys[i] = key_of(text);
	}
	srand(42);
	for (int step = 0; step < 1000000; step++) {
		if (nlive < MAX && (nlive == 0 || rand() % 2)) {
			unsigned s = (unsigned)rand() % SOURCES;

			ck_assert(children_add(c, next, &keys[s]));
			live[nlive] = next++;
			src_of[nlive++] = s;
			expect[s]++;
		} else {
			unsigned i = (unsigned)rand() % nlive;

			ck_assert(children_remove(c, live[i]));
			expect[src_of[i]]--;
			live[i] = live[--nlive];
			src_of[i] = src_of[nlive];
		}
		if (step % 9973 == 0)
			for (unsigned s = 0; s < SOURCES; s++)
				ck_assert_uint_eq(children_of_source(c, &keys[s]), expect[s]);
	}
	ck_assert_uint_eq(children_count(c), nlive);
	children_free(c);
}
END_TEST

/* Held descriptors: a connection whose peer has closed no longer counts as open; one the peer
 * only half-closed counts until our side (the child) has sent everything and shut down its own
 * (a client that half-closes at once must not escape its cap while its child still writes);
 * removing the child closes what was held for it. */
START_TEST(held_connections_count_until_the_peer_closes)
{
	struct children *c = children_new(8);
	struct srckey a = key_of("192.0.2.1"), b = key_of("192.0.2.2");
	int pair[3][2];

	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair[i]), 0);
		ck_assert(children_add(c, 200 + i, i < 2 ? &a : &b));
		ck_assert(children_hold(c, 200 + i, pair[i][0]));
	}
	ck_assert(!children_hold(c, 200, pair[0][0])); /* one per child */
	ck_assert(!children_hold(c, 999, pair[0][0]));
	ck_assert(children_add(c, 210, &a)); /* no descriptor held: always open */
	ck_assert_uint_eq(children_open_of_source(c, &a), 3);
	ck_assert_uint_eq(children_open_of_source(c, &b), 1);
	close(pair[0][1]);
	ck_assert_uint_eq(children_open_of_source(c, &a), 2);
	ck_assert_int_eq(shutdown(pair[1][1], SHUT_WR), 0);
	ck_assert_uint_eq(children_open_of_source(c, &a), 2);
	ck_assert_int_eq(shutdown(pair[1][0], SHUT_WR), 0);
	ck_assert_uint_eq(children_open_of_source(c, &a), 1);
	ck_assert_uint_eq(children_of_source(c, &a), 3);
	ck_assert(children_remove(c, 200));
	ck_assert_int_eq(fcntl(pair[0][0], F_GETFD), -1); /* closed with its child */
	ck_assert_uint_eq(children_open_of_source(c, &a), 1);
	ck_assert_uint_eq(children_open_of_source(c, &b), 1);
	children_free(c); /* closes the rest */
	ck_assert_int_eq(fcntl(pair[1][0], F_GETFD), -1);
	ck_assert_int_eq(fcntl(pair[2][0], F_GETFD), -1);
	close(pair[1][1]);
	close(pair[2][1]);
}
END_TEST

static Suite *
children_suite(void)
{
	Suite *s = suite_create("children");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, sources_by_address_and_prefix);
	tcase_add_test(tc, refuses_beyond_max);
	tcase_add_test(tc, stays_consistent);
	tcase_add_test(tc, held_connections_count_until_the_peer_closes);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(children_suite());
}
