/* parse_cidr on an --allow/--deny value, then cidr_contains against a few peers as accept(2)
 * reports them (after sockaddr_unmap, as the daemon does). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sysexits.h>

#include "addr.h"
#include "fuzz.h"

static const char *const peers[] = {
	"10.1.2.3",
	"192.0.2.7",
	"0.0.0.0",
	"255.255.255.255",
	"::ffff:10.1.2.3",
	"::1",
	"2001:db8::1",
	"fe80::1",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	"::",
};

/* A peer as accept(2) would give it, after sockaddr_unmap. */
static void
peer_address(const char *text, struct sockaddr_storage *out)
{
	struct sockaddr_storage raw;
	struct sockaddr_in *sin = (struct sockaddr_in *)&raw;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&raw;

	memset(&raw, 0, sizeof(raw));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
	} else {
		abort();
	}
	sockaddr_unmap((struct sockaddr *)&raw, out);
}

/* The block's own network address, which it must contain. */
static void
network_address(const struct cidr *c, struct sockaddr_storage *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (c->family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, c->addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, c->addr, 16);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	char err[256];
	struct sockaddr_storage peer;
	struct cidr c;
	int rc = parse_cidr(s, &c, err, sizeof(err));

	if (rc != 0) {
		FUZZ_CHECK(rc == EX_USAGE);
		FUZZ_CHECK(fuzz_error_ok(err, sizeof(err)));
		free(s);
		return 0;
	}
	FUZZ_CHECK(c.family == AF_INET || c.family == AF_INET6);
	FUZZ_CHECK(c.prefix <= (c.family == AF_INET ? 32u : 128u));
	network_address(&c, &peer);
	FUZZ_CHECK(cidr_contains(&c, (struct sockaddr *)&peer));
	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		bool in;

		peer_address(peers[i], &peer);
		in = cidr_contains(&c, (struct sockaddr *)&peer);
		/* A /0 holds every address of its family, and no other family. */
		if (c.prefix == 0)
			FUZZ_CHECK(in == (peer.ss_family == c.family));
		if (peer.ss_family != c.family)
			FUZZ_CHECK(!in);
	}
	free(s);
	return 0;
}
