#include "addrs.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

struct sockaddr_storage
addr_of(const char *text, uint16_t port)
{
	struct sockaddr_storage raw, plain;
	struct sockaddr_in *sin = (struct sockaddr_in *)&raw;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&raw;

	memset(&raw, 0, sizeof(raw));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else {
		ck_assert_msg(inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1,
			"not an address: %s", text);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	}
	sockaddr_unmap((struct sockaddr *)&raw, &plain);
	return plain;
}

struct cidr
cidr_of(const char *text)
{
	struct cidr c;
	char err[128];

	ck_assert_msg(parse_cidr(text, &c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

struct peer
peer_of(const char *text, uint16_t port)
{
	struct sockaddr_storage raw = addr_of(text, port);
	struct peer p;

	peer_from_accept(&p, (struct sockaddr *)&raw, 0);
	return p;
}

struct srckey
key_of(const char *text)
{
	struct sockaddr_storage a = addr_of(text, 0);
	struct srckey k;

	srckey_from((struct sockaddr *)&a, &k);
	return k;
}
