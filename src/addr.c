#include "addr.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "escape.h"
#include "util.h"

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* strtonum(3) would take " 80" and "+80"; a port is digits and nothing else. */
static int
parse_uint(const char *s, long long max, long long *v, const char **why)
{
	if (*s == '\0') {
		*why = "empty";
		return -1;
	}
	if (!all_digits(s)) {
		*why = "not a number";
		return -1;
	}
	*v = strtonum(s, 0, max, why);
	return *why == NULL ? 0 : -1;
}

int
parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	const char *why = NULL;
	long long v;

	if (parse_uint(s, 65535, &v, &why) != 0)
		return set_error(err, errlen, EX_USAGE, "port '%s' is %s (expected 0 to 65535)",
			escape_str(shown, sizeof(shown), s), why);
	*port = (uint16_t)v;
	return 0;
}

void
listen_spec_set_port(struct listen_spec *spec, uint16_t port)
{
	if (spec->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&spec->addr)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&spec->addr)->sin_port = htons(port);
}

static void
spec_ipv4(struct listen_spec *spec, const struct in_addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&spec->addr;

	memset(spec, 0, sizeof(*spec));
	sin->sin_family = AF_INET;
	sin->sin_addr = *a;
	spec->len = sizeof(*sin);
}

static void
spec_ipv6(struct listen_spec *spec, const struct in6_addr *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&spec->addr;

	memset(spec, 0, sizeof(*spec));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = *a;
	spec->len = sizeof(*sin6);
}

/* "*" or nothing before ":PORT" means every address, as when no --listen is given. */
static void
spec_wildcard(struct listen_spec *spec)
{
	spec_ipv6(spec, &in6addr_any);
	spec->wildcard_default = true;
}

static int
bad_listen(const char *s, const char *why, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];

	return set_error(err, errlen, EX_USAGE, "listen address '%s' %s",
		escape_str(shown, sizeof(shown), s), why);
}

static int
parse_listen_port(const char *whole, const char *p, struct listen_spec *spec, char *err,
	size_t errlen)
{
	char shown[ESCAPE_MAX], port[ESCAPE_MAX];
	const char *why = NULL;
	long long v;

	if (parse_uint(p, 65535, &v, &why) != 0)
		return set_error(err, errlen, EX_USAGE,
			"listen address '%s' has a bad port '%s': %s",
			escape_str(shown, sizeof(shown), whole), escape_str(port, sizeof(port), p),
			why);
	listen_spec_set_port(spec, (uint16_t)v);
	spec->port_given = true;
	return 0;
}

/* The interface of "fe80::1%eth0": a name, or an index in digits. */
static int
parse_scope(const char *whole, const char *scope, uint32_t *index, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX], name[ESCAPE_MAX];
	const char *why = NULL;
	long long v;

	if (all_digits(scope)) {
		v = strtonum(scope, 1, UINT32_MAX, &why);
		if (why == NULL) {
			*index = (uint32_t)v;
			return 0;
		}
	} else if (*scope != '\0' && strlen(scope) < IF_NAMESIZE &&
		(*index = if_nametoindex(scope)) != 0) {
		return 0;
	}
	return set_error(err, errlen, EX_USAGE, "listen address '%s' names no interface '%s'",
		escape_str(shown, sizeof(shown), whole), escape_str(name, sizeof(name), scope));
}

/* An IPv6 address, with "%scope" for a link-local one; an IPv4-mapped address is the IPv4
 * address it spells (an IPv6-only socket could not bind it). */
static int
spec_from_v6_text(const char *whole, const char *text, size_t n, struct listen_spec *spec,
	const char *not_v6, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	struct in6_addr a6;
	struct in_addr a4;
	uint32_t scope = 0;
	char *pct;
	int rc;

	if (n == 0 || n >= sizeof(host))
		return bad_listen(whole, not_v6, err, errlen);
	memcpy(host, text, n);
	host[n] = '\0';
	pct = strchr(host, '%');
	if (pct != NULL)
		*pct = '\0';
	if (inet_pton(AF_INET6, host, &a6) != 1)
		return bad_listen(whole, not_v6, err, errlen);
	if (pct != NULL && !IN6_IS_ADDR_LINKLOCAL(&a6) && !IN6_IS_ADDR_MC_LINKLOCAL(&a6))
		return bad_listen(whole,
			"has a scope, but only link-local addresses (fe80::/10) take one", err,
			errlen);
	if (pct != NULL && (rc = parse_scope(whole, pct + 1, &scope, err, errlen)) != 0)
		return rc;
	if (pct == NULL && IN6_IS_ADDR_LINKLOCAL(&a6))
		return bad_listen(whole,
			"is link-local: name its interface, as in [fe80::1%eth0]:2323", err,
			errlen);
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		spec_ipv4(spec, &a4);
		return 0;
	}
	spec_ipv6(spec, &a6);
	((struct sockaddr_in6 *)&spec->addr)->sin6_scope_id = scope;
	return 0;
}

static int
parse_bracketed(const char *s, struct listen_spec *spec, char *err, size_t errlen)
{
	const char *close = strchr(s, ']');
	int rc;

	if (close == NULL)
		return bad_listen(s, "has '[' without ']'", err, errlen);
	rc = spec_from_v6_text(s, s + 1, (size_t)(close - s - 1), spec,
		"is not an IPv6 address in brackets", err, errlen);
	if (rc != 0)
		return rc;
	if (close[1] == '\0')
		return 0;
	if (close[1] != ':')
		return bad_listen(s, "has text after ']' that is not ':PORT'", err, errlen);
	return parse_listen_port(s, close + 2, spec, err, errlen);
}

int
parse_listen(const char *s, struct listen_spec *spec, char *err, size_t errlen)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	struct in_addr a4;
	size_t n;

	if (*s == '\0')
		return bad_listen(s, "is empty", err, errlen);
	if (*s == '[')
		return parse_bracketed(s, spec, err, errlen);
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* Two colons or more: a bare IPv6 address, which cannot carry a port. */
		return spec_from_v6_text(s, s, strlen(s), spec,
			"is not an IPv6 address (put IPv6 in brackets: [::1]:2323)", err, errlen);
	}
	n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	if (n == 0 || (n == 1 && s[0] == '*')) {
		spec_wildcard(spec);
	} else {
		if (n >= sizeof(host))
			return bad_listen(s,
				"is not an IPv4 address or an IPv6 address in brackets", err,
				errlen);
		memcpy(host, s, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, &a4) != 1)
			return bad_listen(s,
				"is not an IPv4 address or an IPv6 address in brackets", err,
				errlen);
		spec_ipv4(spec, &a4);
	}
	if (colon == NULL)
		return 0;
	return parse_listen_port(s, colon + 1, spec, err, errlen);
}

static bool
host_bits_clear(const uint8_t *addr, unsigned bytes, unsigned prefix)
{
	for (unsigned bit = prefix; bit < bytes * 8; bit++)
		if (addr[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	return true;
}

/* Peers are compared unmapped (sockaddr_unmap), so ::ffff:a.b.c.d/(96+n) is stored as the
 * IPv4 a.b.c.d/n it means. A shorter prefix would mix the mapped block with other IPv6
 * addresses that no peer is ever seen as: refused rather than given a surprising meaning. */
static int
mapped_to_ipv4(struct cidr *c, const char *shown, char *err, size_t errlen)
{
	if (c->prefix < 96)
		return set_error(err, errlen, EX_USAGE,
			"IPv4-mapped CIDR '%s' needs a prefix length of 96 or more "
			"(::ffff:a.b.c.d/(96+n) is the IPv4 a.b.c.d/n)",
			shown);
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->family = AF_INET;
	c->prefix -= 96;
	if (!host_bits_clear(c->addr, 4, c->prefix))
		return set_error(err, errlen, EX_USAGE,
			"CIDR '%s' has host bits set after the first %u bits", shown,
			c->prefix + 96);
	return 0;
}

int
parse_cidr(const char *s, struct cidr *c, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX], host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	const char *why = NULL;
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned bytes;
	long long v;

	escape_str(shown, sizeof(shown), s);
	if (*s == '\0')
		return set_error(err, errlen, EX_USAGE, "CIDR '' is empty");
	if (n == 0 || n >= sizeof(host))
		return set_error(err, errlen, EX_USAGE,
			"CIDR '%s' does not start with an IPv4 or IPv6 address", shown);
	memcpy(host, s, n);
	host[n] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, host, c->addr) == 1) {
		c->family = AF_INET;
		bytes = 4;
	} else if (inet_pton(AF_INET6, host, c->addr) == 1) {
		c->family = AF_INET6;
		bytes = 16;
	} else {
		return set_error(err, errlen, EX_USAGE,
			"CIDR '%s' does not start with an IPv4 or IPv6 address", shown);
	}
	c->prefix = bytes * 8;
	if (slash != NULL) {
		if (parse_uint(slash + 1, (long long)bytes * 8, &v, &why) != 0)
			return set_error(err, errlen, EX_USAGE,
				"CIDR '%s' has a bad prefix length: %s (0 to %u)", shown, why,
				bytes * 8);
		c->prefix = (unsigned)v;
	}
	if (c->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)c->addr))
		return mapped_to_ipv4(c, shown, err, errlen);
	if (!host_bits_clear(c->addr, bytes, c->prefix))
		return set_error(err, errlen, EX_USAGE,
			"CIDR '%s' has host bits set after the first %u bits", shown, c->prefix);
	return 0;
}

static const uint8_t *
sockaddr_bytes(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	return (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
}

bool
cidr_contains(const struct cidr *c, const struct sockaddr *sa)
{
	const uint8_t *a;
	unsigned full, rest;

	if (sa->sa_family != c->family)
		return false;
	a = sockaddr_bytes(sa);
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, c->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ c->addr[full]) & (0xffu << (8 - rest))) == 0;
}

void
sockaddr_unmap(const struct sockaddr *in, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)in;
	struct sockaddr_in *sin = (struct sockaddr_in *)out;

	if (in->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memset(out, 0, sizeof(*out));
		sin->sin_family = AF_INET;
		sin->sin_port = sin6->sin6_port;
		memcpy(&sin->sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
		return;
	}
	memcpy(out, in,
		in->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					  : sizeof(struct sockaddr_in));
}

uint16_t
sockaddr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

void
format_host(const struct sockaddr *sa, char *buf, size_t len)
{
	struct sockaddr_storage plain;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&plain;
	char name[IF_NAMESIZE];
	size_t used;

	sockaddr_unmap(sa, &plain);
	if (inet_ntop(plain.ss_family, sockaddr_bytes((struct sockaddr *)&plain), buf,
		    (socklen_t)len) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (plain.ss_family != AF_INET6 || sin6->sin6_scope_id == 0)
		return;
	used = strlen(buf);
	if (if_indextoname(sin6->sin6_scope_id, name) != NULL)
		snprintf(buf + used, len - used, "%%%s", name);
	else
		snprintf(buf + used, len - used, "%%%u", (unsigned)sin6->sin6_scope_id);
}

void
format_sockaddr(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	struct sockaddr_storage plain;

	sockaddr_unmap(sa, &plain);
	format_host((struct sockaddr *)&plain, host, sizeof(host));
	if (plain.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, sockaddr_port((struct sockaddr *)&plain));
	else
		snprintf(buf, len, "%s:%u", host, sockaddr_port((struct sockaddr *)&plain));
}

void
srckey_from(const struct sockaddr *peer, struct srckey *key)
{
	memset(key, 0, sizeof(*key));
	key->bytes[0] = (uint8_t)peer->sa_family;
	if (peer->sa_family == AF_INET)
		memcpy(key->bytes + 1, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	else
		memcpy(key->bytes + 1, &((const struct sockaddr_in6 *)peer)->sin6_addr, 8);
}
