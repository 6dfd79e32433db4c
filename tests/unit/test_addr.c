/* Ports, ADDR[:PORT] listen specs, CIDR blocks, the forms addresses are printed in. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "addr.h"
#include "addrs.h"
#include "runner.h"

static const struct {
	const char *text;
	int rc;
	const char *why; /* part of the error line, or the port when rc == 0 */
} ports[] = {
	{ "17", 0, "17" },
	{ "0", 0, "0" },
	{ "65535", 0, "65535" },
	{ "abc", EX_USAGE, "port 'abc' is not a number" },
	{ "-1", EX_USAGE, "port '-1' is not a number" },
	{ "70000", EX_USAGE, "port '70000' is too large" },
	{ "80x", EX_USAGE, "port '80x' is not a number" },
	{ "", EX_USAGE, "port '' is empty" },
	{ " 80", EX_USAGE, "not a number" },
	{ "+80", EX_USAGE, "not a number" },
	{ "99999999999999999999", EX_USAGE, "too large" },
	{ "8\x1b[31m", EX_USAGE, "port '8\\x1b[31m' is not a number" },
};

START_TEST(port_forms)
{
	uint16_t port = 1234;
	char err[256] = "";
	int rc = parse_port(ports[_i].text, &port, err, sizeof(err));

	ck_assert_int_eq(rc, ports[_i].rc);
	if (rc == 0)
		ck_assert_int_eq(port, atoi(ports[_i].why));
	else
		ck_assert_msg(strstr(err, ports[_i].why) != NULL, "'%s' lacks '%s'", err,
			ports[_i].why);
}
END_TEST

static const struct {
	const char *text;
	int rc;
	const char *shown; /* format_sockaddr after the default port 17 is filled in */
	int wildcard;
} listens[] = {
	{ "127.0.0.1", 0, "127.0.0.1:17", 0 },
	{ "127.0.0.1:2323", 0, "127.0.0.1:2323", 0 },
	{ "[::1]", 0, "[::1]:17", 0 },
	{ "[::1]:2323", 0, "[::1]:2323", 0 },
	{ "::1", 0, "[::1]:17", 0 },
	{ "2001:db8::7", 0, "[2001:db8::7]:17", 0 },
	{ ":2323", 0, "[::]:2323", 1 },
	{ "*:2323", 0, "[::]:2323", 1 },
	{ "*", 0, "[::]:17", 1 },
	{ "0.0.0.0:0", 0, "0.0.0.0:0", 0 },
	{ "", EX_USAGE, "is empty", 0 },
	{ "[::1", EX_USAGE, "without ']'", 0 },
	{ "[::1]x", EX_USAGE, "after ']'", 0 },
	{ "[127.0.0.1]:80", EX_USAGE, "IPv6 address in brackets", 0 },
	{ "[]:80", EX_USAGE, "IPv6 address in brackets", 0 },
	{ "localhost:80", EX_USAGE, "not an IPv4 address", 0 },
	{ "1.2.3:80", EX_USAGE, "not an IPv4 address", 0 },
	{ "1.2.3.4:", EX_USAGE, "bad port '': empty", 0 },
	{ "1.2.3.4:70000", EX_USAGE, "bad port '70000'", 0 },
	{ "[::1]:-5", EX_USAGE, "bad port '-5'", 0 },
	{ "127.0.0.1:\x1b[31m", EX_USAGE, "bad port '\\x1b[31m'", 0 },
	{ "::1::2", EX_USAGE, "not an IPv6 address", 0 },
	{ "1.2.3.4:80:90", EX_USAGE, "not an IPv6 address", 0 },
};

START_TEST(listen_forms)
{
	struct listen_spec spec;
	char err[256] = "", shown[ADDR_TEXT_MAX];
	int rc = parse_listen(listens[_i].text, &spec, err, sizeof(err));

	ck_assert_int_eq(rc, listens[_i].rc);
	if (rc != 0) {
		ck_assert_msg(strstr(err, listens[_i].shown) != NULL, "'%s' lacks '%s'", err,
			listens[_i].shown);
		return;
	}
	if (!spec.port_given)
		listen_spec_set_port(&spec, 17);
	format_sockaddr((struct sockaddr *)&spec.addr, shown, sizeof(shown));
	ck_assert_str_eq(shown, listens[_i].shown);
	ck_assert_int_eq(spec.wildcard_default, listens[_i].wildcard);
}
END_TEST

static const struct {
	const char *text;
	int ok;
	const char *why;
} cidrs[] = {
	{ "10.0.0.0/8", 1, NULL },
	{ "192.0.2.7", 1, NULL },
	{ "0.0.0.0/0", 1, NULL },
	{ "2001:db8::/32", 1, NULL },
	{ "::1/128", 1, NULL },
	{ "::/0", 1, NULL },
	{ "10.0.0.0/33", 0, "bad prefix length: too large" },
	{ "::1/129", 0, "bad prefix length: too large" },
	{ "1.2.3", 0, "does not start with an IPv4 or IPv6 address" },
	{ "10.0.0.1/8", 0, "host bits set" },
	{ "2001:db8::1/32", 0, "host bits set" },
	{ "", 0, "empty" },
	{ "/8", 0, "does not start" },
	{ "10.0.0.0/", 0, "prefix length: empty" },
	{ "10.0.0.0/8x", 0, "not a number" },
	{ "10.0.0.0/-1", 0, "not a number" },
	{ "::ffff:192.0.2.7", 1, NULL },
	{ "::ffff:192.0.2.0/120", 1, NULL },
	{ "::ffff:0:0/96", 1, NULL },
	{ "::ffff:192.0.2.1/120", 0, "host bits set" },
	{ "::ffff:0:0/95", 0,
		"IPv4-mapped CIDR '::ffff:0:0/95' needs a prefix length of 96 or more" },
	{ "::ffff:0:0/80", 0, "needs a prefix length of 96 or more" },
};

START_TEST(cidr_forms)
{
	struct cidr c;
	char err[256] = "";
	int rc = parse_cidr(cidrs[_i].text, &c, err, sizeof(err));

	if (cidrs[_i].ok) {
		ck_assert_msg(rc == 0, "%s: %s", cidrs[_i].text, err);
	} else {
		ck_assert_int_eq(rc, EX_USAGE);
		ck_assert_msg(strstr(err, cidrs[_i].why) != NULL, "'%s' lacks '%s'", err,
			cidrs[_i].why);
	}
}
END_TEST

START_TEST(cidr_matching)
{
	struct cidr net8 = cidr_of("10.0.0.0/8"), net12 = cidr_of("172.16.0.0/12");
	struct cidr v6 = cidr_of("2001:db8::/32"), all4 = cidr_of("0.0.0.0/0");
	struct sockaddr_storage p;

	p = addr_of("10.255.1.2", 0);
	ck_assert(cidr_contains(&net8, (struct sockaddr *)&p));
	p = addr_of("11.0.0.1", 0);
	ck_assert(!cidr_contains(&net8, (struct sockaddr *)&p));
	p = addr_of("172.31.255.255", 0);
	ck_assert(cidr_contains(&net12, (struct sockaddr *)&p));
	p = addr_of("172.32.0.0", 0);
	ck_assert(!cidr_contains(&net12, (struct sockaddr *)&p));
	p = addr_of("2001:db8:ffff::1", 0);
	ck_assert(cidr_contains(&v6, (struct sockaddr *)&p));
	ck_assert(!cidr_contains(&all4, (struct sockaddr *)&p));
	p = addr_of("2001:db9::1", 0);
	ck_assert(!cidr_contains(&v6, (struct sockaddr *)&p));
	/* A mapped peer is its IPv4 address. */
	p = addr_of("::ffff:10.1.2.3", 0);
	ck_assert_int_eq(p.ss_family, AF_INET);
	ck_assert(cidr_contains(&net8, (struct sockaddr *)&p));
}
END_TEST

/* ::ffff:a.b.c.d/(96+n) is the IPv4 a.b.c.d/n: it matches IPv4 and mapped peers alike. */
START_TEST(mapped_cidr_is_ipv4)
{
	struct cidr host = cidr_of("::ffff:192.0.2.7"), net = cidr_of("::ffff:192.0.2.0/120");
	struct cidr all4 = cidr_of("::ffff:0:0/96");
	struct sockaddr_storage p;

	ck_assert_int_eq(host.family, AF_INET);
	ck_assert_uint_eq(host.prefix, 32);
	ck_assert_uint_eq(net.prefix, 24);
	ck_assert_uint_eq(all4.prefix, 0);
	p = addr_of("192.0.2.7", 0);
	ck_assert(cidr_contains(&host, (struct sockaddr *)&p));
	ck_assert(cidr_contains(&net, (struct sockaddr *)&p));
	ck_assert(cidr_contains(&all4, (struct sockaddr *)&p));
	p = addr_of("::ffff:192.0.2.7", 0);
	ck_assert(cidr_contains(&host, (struct sockaddr *)&p));
	ck_assert(cidr_contains(&net, (struct sockaddr *)&p));
	p = addr_of("192.0.3.7", 0);
	ck_assert(!cidr_contains(&net, (struct sockaddr *)&p));
	ck_assert(cidr_contains(&all4, (struct sockaddr *)&p));
	p = addr_of("2001:db8::1", 0);
	ck_assert(!cidr_contains(&all4, (struct sockaddr *)&p));
}
END_TEST

START_TEST(formatting)
{
	struct sockaddr_storage p = addr_of("::ffff:192.0.2.7", 0);
	char buf[ADDR_TEXT_MAX];

	((struct sockaddr_in *)&p)->sin_port = htons(4242);
	format_host((struct sockaddr *)&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.7");
	format_sockaddr((struct sockaddr *)&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.7:4242");
	p = addr_of("2001:db8::1", 0);
	((struct sockaddr_in6 *)&p)->sin6_port = htons(17);
	format_sockaddr((struct sockaddr *)&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[2001:db8::1]:17");
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("parsing");

	tcase_add_loop_test(tc, port_forms, 0, sizeof(ports) / sizeof(ports[0]));
	tcase_add_loop_test(tc, listen_forms, 0, sizeof(listens) / sizeof(listens[0]));
	tcase_add_loop_test(tc, cidr_forms, 0, sizeof(cidrs) / sizeof(cidrs[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("matching");
	tcase_add_test(tc, cidr_matching);
	tcase_add_test(tc, mapped_cidr_is_ipv4);
	tcase_add_test(tc, formatting);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(addr_suite());
}
