/* Who is at the other end: the peer as accepted (an IPv4-mapped address is IPv4, an IPv6
 * source is its /64), as a balancer's header rewrites it, and as every log line names it. */
#include <check.h>
#include <string.h>
#include <sys/socket.h>

#include "addrs.h"
#include "peer.h"
#include "proxy.h"
#include "runner.h"

static struct proxy_header
relayed_from(const char *client, uint16_t port)
{
	struct proxy_header h = { .len = 16, .version = 2, .kind = PROXY_RELAYED };

	h.src = addr_of(client, port);
	h.dst = addr_of("127.0.0.1", 17);
	return h;
}

START_TEST(accepted_mapped_is_ipv4)
{
	struct sockaddr_storage raw = addr_of("127.0.0.1", 1);
	struct peer p, mapped = peer_of("::ffff:192.0.2.7", 4242), plain = peer_of("192.0.2.7", 1);
	struct srckey none = { { 0 } };

	ck_assert_int_eq(mapped.addr.ss_family, AF_INET);
	ck_assert_str_eq(mapped.host, "192.0.2.7");
	ck_assert_uint_eq(mapped.port, 4242);
	ck_assert(memcmp(&mapped.key, &none, sizeof(none)) != 0);
	ck_assert_mem_eq(&mapped.key, &plain.key, sizeof(mapped.key));
	ck_assert(!mapped.relayed && !mapped.balancer_own);
	peer_from_accept(&p, (struct sockaddr *)&raw, 1234);
	ck_assert_int_eq(p.accepted, 1234);
}
END_TEST

START_TEST(ipv6_sources_are_their_64)
{
	struct peer a = peer_of("2001:db8:1:2::1", 1), b = peer_of("2001:db8:1:2:ffff::9", 2);
	struct peer other = peer_of("2001:db8:1:3::1", 1);

	ck_assert_str_eq(a.host, "2001:db8:1:2::1");
	ck_assert_mem_eq(&a.key, &b.key, sizeof(a.key));
	ck_assert(memcmp(&a.key, &other.key, sizeof(a.key)) != 0);
}
END_TEST

START_TEST(a_header_names_the_client)
{
	struct peer p = peer_of("10.0.0.2", 5555);
	struct proxy_header h = relayed_from("192.0.2.7", 4242);
	struct srckey client = key_of("192.0.2.7");
	char line[PEER_TEXT_MAX];

	p.accepted = 77;
	peer_apply_header(&p, &h);
	ck_assert(p.relayed && !p.balancer_own);
	ck_assert_str_eq(p.host, "192.0.2.7");
	ck_assert_uint_eq(p.port, 4242);
	ck_assert_str_eq(p.via, "10.0.0.2");
	ck_assert_mem_eq(&p.key, &client, sizeof(p.key));
	ck_assert_int_eq(p.accepted, 77); /* the deadline still counts from the accept */
	peer_describe(&p, line, sizeof(line));
	ck_assert_str_eq(line, "192.0.2.7 port 4242 via 10.0.0.2");
}
END_TEST

/* A LOCAL header, or one naming the balancer itself (HAProxy's v1 health checks): the
 * balancer's own connection, still named by the balancer's address. */
START_TEST(the_balancers_own)
{
	struct peer p = peer_of("10.0.0.2", 5555), q = peer_of("10.0.0.2", 5556);
	struct proxy_header local = { .len = 16, .version = 2, .kind = PROXY_LOCAL };
	struct proxy_header itself = relayed_from("10.0.0.2", 9999);
	char line[PEER_TEXT_MAX];

	peer_apply_header(&p, &local);
	ck_assert(p.balancer_own && !p.relayed);
	ck_assert_str_eq(p.host, "10.0.0.2");
	peer_describe(&p, line, sizeof(line));
	ck_assert_str_eq(line, "10.0.0.2 port 5555 (balancer)");
	peer_apply_header(&q, &itself);
	ck_assert(q.balancer_own && !q.relayed);
	ck_assert_uint_eq(q.port, 5556);
}
END_TEST

START_TEST(described_directly_and_cut_short)
{
	struct peer p = peer_of("2001:db8::1", 17);
	char line[PEER_TEXT_MAX], small[8];

	peer_describe(&p, line, sizeof(line));
	ck_assert_str_eq(line, "2001:db8::1 port 17");
	peer_describe(&p, small, sizeof(small));
	ck_assert_str_eq(small, "2001:db");
}
END_TEST

static Suite *
peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("peer");

	tcase_add_test(tc, accepted_mapped_is_ipv4);
	tcase_add_test(tc, ipv6_sources_are_their_64);
	tcase_add_test(tc, a_header_names_the_client);
	tcase_add_test(tc, the_balancers_own);
	tcase_add_test(tc, described_directly_and_cut_short);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(peer_suite());
}
