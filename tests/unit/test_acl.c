/* --allow and --deny: a deny wins, any allow makes the others unserved, and an IPv4-mapped
 * peer is its IPv4 address; and the membership test --proxy-from uses. */
#include <check.h>
#include <stddef.h>

#include "acl.h"
#include "addrs.h"
#include "runner.h"

START_TEST(acl_rules)
{
	struct cidr allow[] = { cidr_of("127.0.0.0/8"), cidr_of("::1") };
	struct cidr deny[] = { cidr_of("127.0.0.2") };
	struct acl open = { 0 }, listed = { allow, 2, deny, 1 }, deny_only = { NULL, 0, deny, 1 };
	struct sockaddr_storage p;

	p = addr_of("192.0.2.1", 0);
	ck_assert(acl_permits(&open, (struct sockaddr *)&p));
	ck_assert(!acl_permits(&listed, (struct sockaddr *)&p));
	ck_assert(acl_permits(&deny_only, (struct sockaddr *)&p));
	p = addr_of("127.0.0.1", 0);
	ck_assert(acl_permits(&listed, (struct sockaddr *)&p));
	p = addr_of("127.0.0.2", 0);
	ck_assert(!acl_permits(&listed, (struct sockaddr *)&p)); /* deny wins */
	ck_assert(!acl_permits(&deny_only, (struct sockaddr *)&p));
	p = addr_of("::ffff:127.0.0.2", 0);
	ck_assert(!acl_permits(&listed, (struct sockaddr *)&p));
	p = addr_of("::ffff:127.0.0.9", 0);
	ck_assert(acl_permits(&listed, (struct sockaddr *)&p));
	p = addr_of("::1", 0);
	ck_assert(acl_permits(&listed, (struct sockaddr *)&p));
	p = addr_of("::2", 0);
	ck_assert(!acl_permits(&listed, (struct sockaddr *)&p));
}
END_TEST

START_TEST(list_membership)
{
	struct cidr balancers[] = { cidr_of("10.0.0.0/8"), cidr_of("2001:db8::/32") };
	struct sockaddr_storage p = addr_of("10.1.2.3", 0);

	ck_assert(cidr_list_contains(balancers, 2, (struct sockaddr *)&p));
	p = addr_of("2001:db8::7", 0);
	ck_assert(cidr_list_contains(balancers, 2, (struct sockaddr *)&p));
	p = addr_of("::ffff:10.0.0.1", 0);
	ck_assert(cidr_list_contains(balancers, 2, (struct sockaddr *)&p));
	p = addr_of("192.0.2.1", 0);
	ck_assert(!cidr_list_contains(balancers, 2, (struct sockaddr *)&p));
	ck_assert(!cidr_list_contains(NULL, 0, (struct sockaddr *)&p));
}
END_TEST

static Suite *
acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, acl_rules);
	tcase_add_test(tc, list_membership);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(acl_suite());
}
