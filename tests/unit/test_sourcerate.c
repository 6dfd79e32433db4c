/* The per-source token bucket and its table: burst, refill, independent sources, the bound,
 * forgetting refilled sources, and a spray of sources. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "addrs.h"
#include "runner.h"
#include "sourcerate.h"

/* Far from 0, as mono_ms() is, so that nothing depends on the clock starting at 0. */
#define T0 1000000000

/* The n-th of many IPv4 sources: 10.x.y.z. */
static struct srckey
nth_key(unsigned n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl((10u << 24) | (n & 0xffffff)) };
	struct srckey k;

	srckey_from((const struct sockaddr *)&sin, &k);
	return k;
}

static unsigned
take_many(struct sourcerate *r, const struct srckey *k, unsigned n, int64_t now)
{
	unsigned within = 0;

	for (unsigned i = 0; i < n; i++)
		within += sourcerate_take(r, k, now) == RATE_WITHIN;
	return within;
}

START_TEST(burst_is_n_then_over)
{
	struct sourcerate *r = sourcerate_new(5, 16);
	struct srckey k = key_of("192.0.2.1");

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(take_many(r, &k, 5, T0), 5);
	ck_assert_int_eq(sourcerate_take(r, &k, T0), RATE_OVER);
	ck_assert_int_eq(sourcerate_take(r, &k, T0 + 1), RATE_OVER);
	ck_assert_uint_eq(sourcerate_tracked(r), 1);
	sourcerate_free(r);
}
END_TEST

/* 5 a minute: a token every 12 s, not a millisecond early. */
START_TEST(refills_one_token_per_interval)
{
	struct sourcerate *r = sourcerate_new(5, 16);
	struct srckey k = key_of("192.0.2.1");

	ck_assert_uint_eq(take_many(r, &k, 5, T0), 5);
	ck_assert_int_eq(sourcerate_take(r, &k, T0 + 11999), RATE_OVER);
	ck_assert_int_eq(sourcerate_take(r, &k, T0 + 12000), RATE_WITHIN);
	ck_assert_int_eq(sourcerate_take(r, &k, T0 + 12000), RATE_OVER);
	/* Two intervals later, two tokens; a whole minute idle refills the burst, no more. */
	ck_assert_uint_eq(take_many(r, &k, 3, T0 + 36000), 2);
	ck_assert_uint_eq(take_many(r, &k, 9, T0 + 36000 + 60000), 5);
	sourcerate_free(r);
}
END_TEST

/* A source in a tight loop for ten minutes gets the burst and then exactly the rate, even
 * when the interval is not a whole number of milliseconds (7 a minute: 8571.43 ms). */
START_TEST(tight_loop_held_to_the_rate)
{
	struct sourcerate *r = sourcerate_new(7, 16);
	struct srckey k = key_of("192.0.2.1");
	unsigned within = 0;

	for (int64_t t = 0; t <= 600000; t++)
		within += sourcerate_take(r, &k, T0 + t) == RATE_WITHIN;
	ck_assert_uint_eq(within, 7 + 70);
	sourcerate_free(r);
}
END_TEST

/* Over the rate, one source leaves every other untouched; an IPv6 /64 is one source, and an
 * IPv4-mapped peer is its IPv4 address. */
START_TEST(sources_are_independent)
{
	struct sourcerate *r = sourcerate_new(3, 16);
	struct srckey a = key_of("192.0.2.1"), b = key_of("192.0.2.2");
	struct srckey mapped = key_of("::ffff:192.0.2.1");
	struct srckey v6a = key_of("2001:db8:1:2::1"), v6b = key_of("2001:db8:1:2:ffff::9");
	struct srckey v6other = key_of("2001:db8:1:3::1");

	ck_assert_uint_eq(take_many(r, &a, 10, T0), 3);
	ck_assert_int_eq(sourcerate_take(r, &mapped, T0), RATE_OVER);
	ck_assert_uint_eq(take_many(r, &b, 3, T0), 3);
	ck_assert_uint_eq(take_many(r, &v6a, 2, T0), 2);
	ck_assert_uint_eq(take_many(r, &v6b, 2, T0), 1); /* the same /64 */
	ck_assert_uint_eq(take_many(r, &v6other, 3, T0), 3);
	ck_assert_uint_eq(sourcerate_tracked(r), 4);
	sourcerate_free(r);
}
END_TEST

START_TEST(one_a_minute)
{
	struct sourcerate *r = sourcerate_new(1, 16);
	struct srckey k = key_of("192.0.2.1");

	ck_assert_int_eq(sourcerate_take(r, &k, T0), RATE_WITHIN);
	ck_assert_int_eq(sourcerate_take(r, &k, T0 + 59999), RATE_OVER);
	ck_assert_int_eq(sourcerate_take(r, &k, T0 + 60000), RATE_WITHIN);
	sourcerate_free(r);
}
END_TEST

/* The table holds max sources; one more, while all of them are short of tokens, is not
 * metered (and the caller counts it), and those in the table stay metered. */
START_TEST(full_table_leaves_new_sources_unmetered)
{
	struct sourcerate *r = sourcerate_new(2, 8);
	struct srckey extra = nth_key(100);

	for (unsigned i = 0; i < 8; i++) {
		struct srckey k = nth_key(i);

		ck_assert_int_eq(sourcerate_take(r, &k, T0), RATE_WITHIN);
	}
	ck_assert_uint_eq(sourcerate_tracked(r), 8);
	ck_assert_int_eq(sourcerate_take(r, &extra, T0), RATE_UNTRACKED);
	ck_assert_int_eq(sourcerate_take(r, &extra, T0 + 1), RATE_UNTRACKED);
	ck_assert_uint_eq(sourcerate_tracked(r), 8);
	for (unsigned i = 0; i < 8; i++) {
		struct srckey k = nth_key(i);

		ck_assert_int_eq(sourcerate_take(r, &k, T0 + 2), RATE_WITHIN);
		ck_assert_int_eq(sourcerate_take(r, &k, T0 + 2), RATE_OVER);
	}
	sourcerate_free(r);
}
END_TEST

static void
forget_refilled_in_one_table(void)
{
	struct sourcerate *r = sourcerate_new(2, 64);
	struct srckey fresh = nth_key(1000);

	/* Even sources take one token at T0 (full again 30 s later); odd ones take both at
	 * T0 + 20 s (full again at T0 + 80 s). */
	for (unsigned i = 0; i < 64; i += 2) {
		struct srckey k = nth_key(i);

		ck_assert_uint_eq(take_many(r, &k, 1, T0), 1);
	}
	for (unsigned i = 1; i < 64; i += 2) {
		struct srckey k = nth_key(i);

		ck_assert_uint_eq(take_many(r, &k, 2, T0 + 20000), 2);
	}
	ck_assert_int_eq(sourcerate_take(r, &fresh, T0 + 29999), RATE_UNTRACKED);
	ck_assert_int_eq(sourcerate_take(r, &fresh, T0 + 30000), RATE_WITHIN);
	ck_assert_uint_eq(sourcerate_tracked(r), 33);
	for (unsigned i = 1; i < 64; i += 2) {
		struct srckey k = nth_key(i);

		ck_assert_int_eq(sourcerate_take(r, &k, T0 + 30000), RATE_OVER);
	}
	sourcerate_free(r);
}

/* A source whose bucket has refilled is forgotten to make room, and only such a one: the
 * others keep their state through the table's rearrangement. Each table hashes with a seed of
 * its own, so the layouts differ from one to the next: a rearrangement that loses an entry in
 * one layout of a few hundred (one whose run of slots crossed a forgotten source's and wrapped
 * past the table's end) needs many tables to be seen. */
START_TEST(refilled_sources_are_forgotten)
{
	for (int table = 0; table < 2000; table++)
		forget_refilled_in_one_table();
}
END_TEST

/* 200,000 sources, each new, 20 a millisecond, each full again 6 s after it came: the table
 * never holds more than its bound, no new source is refused, and every 6 s the table is
 * cleared of the refilled and takes new ones again. */
START_TEST(spray_stays_within_the_bound)
{
	struct sourcerate *r = sourcerate_new(10, 256);
	unsigned within = 0;

	for (unsigned i = 0; i < 200000; i++) {
		struct srckey k = nth_key(i);
		enum rate_verdict v = sourcerate_take(r, &k, T0 + i / 20);

		ck_assert_int_ne(v, RATE_OVER);
		within += v == RATE_WITHIN;
		ck_assert_uint_le(sourcerate_tracked(r), 256);
	}
	/* 10 s of spray: the first 256, and 256 again once those refilled at 6 s. */
	ck_assert_uint_eq(within, 512);
	sourcerate_free(r);
}
END_TEST

/* A spray of new sources on a full table, each new one as an old one refills: the table is
 * swept (a pass over all of it) once for each batch of refilled sources it forgets, a sixteenth
 * of its size, not once for each connection, which would let a spray of sources cost the
 * master a pass over the table per connection. */
START_TEST(spray_on_a_full_table_sweeps_once_a_batch)
{
	const unsigned max = SOURCERATE_MAX_SOURCES;
	struct sourcerate *r = sourcerate_new(1, max);
	unsigned long takes = 0;

	/* One new source every 4 ms for 4 minutes: full after 33 s, each full again a minute
	 * after it came. */
	for (unsigned i = 0; i < 60000; i++) {
		struct srckey k = nth_key(i);

		ck_assert_int_ne(sourcerate_take(r, &k, T0 + (int64_t)i * 4), RATE_OVER);
		takes++;
	}
	ck_assert_uint_le(sourcerate_tracked(r), max);
	ck_assert_msg(sourcerate_sweeps(r) <= 1 + takes / (max / 16),
		"%lu sweeps of the table for %lu connections", sourcerate_sweeps(r), takes);
	sourcerate_free(r);
}
END_TEST

static Suite *
sourcerate_suite(void)
{
	Suite *s = suite_create("sourcerate");
	TCase *tc = tcase_create("bucket");

	tcase_add_test(tc, burst_is_n_then_over);
	tcase_add_test(tc, refills_one_token_per_interval);
	tcase_add_test(tc, tight_loop_held_to_the_rate);
	tcase_add_test(tc, sources_are_independent);
	tcase_add_test(tc, one_a_minute);
	suite_add_tcase(s, tc);
	tc = tcase_create("table");
	tcase_set_timeout(tc, 300); /* valgrind on a loaded machine */
	tcase_add_test(tc, full_table_leaves_new_sources_unmetered);
	tcase_add_test(tc, refilled_sources_are_forgotten);
	tcase_add_test(tc, spray_stays_within_the_bound);
	tcase_add_test(tc, spray_on_a_full_table_sweeps_once_a_batch);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(sourcerate_suite());
}
