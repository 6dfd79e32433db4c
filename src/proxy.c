#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"

static const char v1_sig[] = "PROXY ";
static const uint8_t v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
	0x54, 0x0a };

#define V2_PREFIX 16
#define V2_CMD_LOCAL 0x0
#define V2_CMD_PROXY 0x1
/* The longest v1 address text taken: "ffff:...:255.255.255.255" is 45 characters. */
#define V1_ADDR_MAX 45

static enum proxy_status
bad(const char **why, const char *reason)
{
	*why = reason;
	return PROXY_BAD;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* ---- version 1: one line of text ------------------------------------------------------- */

/* Finds the CRLF that ends the line. Returns PROXY_DONE with *end at the CR, PROXY_MORE while
 * every byte so far may still belong to a line, PROXY_BAD otherwise. */
static enum proxy_status
v1_find_end(const uint8_t *b, size_t n, size_t *end, const char **why)
{
	size_t scan = min_size(n, PROXY_V1_MAX);

	for (size_t i = 0; i < scan; i++) {
		if (b[i] == '\n')
			return bad(why, "version 1 line ends in a lone LF");
		if (b[i] == '\r') {
			if (i + 1 >= PROXY_V1_MAX)
				return bad(why, "version 1 line longer than 107 bytes");
			if (i + 1 == n)
				return PROXY_MORE;
			if (b[i + 1] != '\n')
				return bad(why, "version 1 line has a CR without LF");
			*end = i;
			return PROXY_DONE;
		}
		if (b[i] < 0x20 || b[i] > 0x7e)
			return bad(why, "version 1 line has a byte that is not printable ASCII");
	}
	if (n >= PROXY_V1_MAX)
		return bad(why, "version 1 line longer than 107 bytes");
	return PROXY_MORE;
}

/* Splits on single spaces; an empty field (two spaces, a space at either end) is an error.
 * Returns the number of fields, or -1. */
static int
v1_split(char *line, char **field, int max)
{
	int n = 0;

	for (char *p = line;;) {
		char *space = strchr(p, ' ');

		if (n == max || *p == '\0' || p == space)
			return -1;
		field[n++] = p;
		if (space == NULL)
			return n;
		*space = '\0';
		p = space + 1;
	}
}

/* A decimal number from 0 to max, digits only, no leading zero ("01" could be read as octal). */
static bool
v1_number(const char *s, size_t maxdigits, unsigned long max, unsigned long *v)
{
	size_t len = strlen(s);

	if (len == 0 || len > maxdigits || (len > 1 && s[0] == '0'))
		return false;
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	return *v <= max;
}

/* Exactly four decimal numbers 0-255 with one dot between each, no leading zeros. */
static bool
v1_ipv4(const char *s, struct in_addr *a)
{
	uint8_t bytes[4];
	char part[4];

	for (int i = 0; i < 4; i++) {
		const char *stop = strchr(s, '.');
		size_t len = i < 3 ? (stop == NULL ? 0 : (size_t)(stop - s)) : strlen(s);
		unsigned long v;

		if (len == 0 || len >= sizeof(part))
			return false;
		memcpy(part, s, len);
		part[len] = '\0';
		if (!v1_number(part, 3, 255, &v))
			return false;
		bytes[i] = (uint8_t)v;
		s += len + 1;
	}
	memcpy(a, bytes, 4);
	return true;
}

static bool
v1_address(int family, const char *text, const char *port, struct sockaddr_storage *out)
{
	struct sockaddr_storage raw;
	struct sockaddr_in *sin = (struct sockaddr_in *)&raw;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&raw;
	unsigned long p;

	memset(&raw, 0, sizeof(raw));
	if (strlen(text) > V1_ADDR_MAX || !v1_number(port, 5, 65535, &p))
		return false;
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		if (!v1_ipv4(text, &sin->sin_addr))
			return false;
	} else {
		/* An IPv6 address must have a colon: inet_pton would never take an IPv4 one
		 * here, but say so rather than rely on it. */
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		if (strchr(text, ':') == NULL || inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1)
			return false;
	}
	sockaddr_unmap((struct sockaddr *)&raw, out);
	return true;
}

static enum proxy_status
v1_fields(char *line, struct proxy_header *h, const char **why)
{
	char *f[6];
	int n, family;

	/* The rest of an UNKNOWN line is to be ignored, whatever it holds. */
	if (strncmp(line, "UNKNOWN", 7) == 0 && (line[7] == '\0' || line[7] == ' ')) {
		h->kind = PROXY_LOCAL;
		return PROXY_DONE;
	}
	n = v1_split(line, f, 6);
	if (n < 1)
		return bad(why, "version 1 line has an empty field");
	if (strcmp(f[0], "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(f[0], "TCP6") == 0)
		family = AF_INET6;
	else
		return bad(why, "version 1 line names no known protocol");
	if (n != 5)
		return bad(why, "version 1 line does not have 5 fields after PROXY");
	if (!v1_address(family, f[1], f[3], &h->src) || !v1_address(family, f[2], f[4], &h->dst))
		return bad(why, "version 1 line has a bad address or port for its protocol");
	h->kind = PROXY_RELAYED;
	return PROXY_DONE;
}

static enum proxy_status
parse_v1(const uint8_t *b, size_t n, struct proxy_header *h, const char **why)
{
	char line[PROXY_V1_MAX + 1];
	size_t end = 0, body = sizeof(v1_sig) - 1;
	enum proxy_status st;

	if (memcmp(b, v1_sig, min_size(n, body)) != 0)
		return bad(why, "not a PROXY header");
	st = v1_find_end(b, n, &end, why);
	if (st != PROXY_DONE)
		return st;
	if (end < body)
		return bad(why, "version 1 line ends early");
	memcpy(line, b + body, end - body);
	line[end - body] = '\0';
	h->version = 1;
	h->len = end + 2;
	return v1_fields(line, h, why);
}

/* ---- version 2: binary ----------------------------------------------------------------- */

/* The address block's length for a family/protocol byte; 0 for UNSPEC, -1 when invalid. */
static int
v2_family_size(uint8_t fam)
{
	switch (fam) {
	case 0x00:
		return 0;
	case 0x11: /* TCP over IPv4 */
	case 0x12: /* UDP over IPv4 */
		return 12;
	case 0x21:
	case 0x22:
		return 36;
	case 0x31: /* AF_UNIX stream, datagram */
	case 0x32:
		return 216;
	default:
		return -1;
	}
}

/* Every TLV must lie inside the block; unknown types are skipped. */
static bool
v2_tlvs_fit(const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t len;

		if (n < 3)
			return false;
		len = (size_t)p[1] << 8 | p[2];
		if (len > n - 3)
			return false;
		p += 3 + len;
		n -= 3 + len;
	}
	return true;
}

static void
v2_addresses(const uint8_t *a, uint8_t fam, struct proxy_header *h)
{
	struct sockaddr_storage src, dst;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	if (fam == 0x11) {
		struct sockaddr_in *s = (struct sockaddr_in *)&src, *d = (struct sockaddr_in *)&dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, a, 4);
		memcpy(&d->sin_addr, a + 4, 4);
		memcpy(&s->sin_port, a + 8, 2);
		memcpy(&d->sin_port, a + 10, 2);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&src,
				    *d = (struct sockaddr_in6 *)&dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, a, 16);
		memcpy(&d->sin6_addr, a + 16, 16);
		memcpy(&s->sin6_port, a + 32, 2);
		memcpy(&d->sin6_port, a + 34, 2);
	}
	sockaddr_unmap((struct sockaddr *)&src, &h->src);
	sockaddr_unmap((struct sockaddr *)&dst, &h->dst);
}

/* What the 16-byte prefix says, checked as soon as each byte is there. */
static enum proxy_status
v2_prefix(const uint8_t *b, size_t n, size_t *total, const char **why)
{
	size_t len;
	int need;

	if (memcmp(b, v2_sig, min_size(n, sizeof(v2_sig))) != 0)
		return bad(why, "not a PROXY header");
	if (n > 12 && (b[12] >> 4) != 2)
		return bad(why, "version 2 header with a version other than 2");
	if (n > 12 && (b[12] & 0x0f) > V2_CMD_PROXY)
		return bad(why, "version 2 header with an unknown command");
	if (n > 13 && (b[12] & 0x0f) == V2_CMD_PROXY && v2_family_size(b[13]) < 0)
		return bad(why, "version 2 header with an unknown address family or protocol");
	if (n < V2_PREFIX)
		return PROXY_MORE;
	len = (size_t)b[14] << 8 | b[15];
	if (V2_PREFIX + len > PROXY_HEADER_MAX)
		return bad(why, "version 2 header longer than 4096 bytes");
	need = (b[12] & 0x0f) == V2_CMD_PROXY ? v2_family_size(b[13]) : 0;
	if (len < (size_t)need)
		return bad(why, "version 2 address block shorter than its family needs");
	*total = V2_PREFIX + len;
	return n < *total ? PROXY_MORE : PROXY_DONE;
}

static enum proxy_status
parse_v2(const uint8_t *b, size_t n, struct proxy_header *h, const char **why)
{
	size_t total = 0, addrlen;
	enum proxy_status st = v2_prefix(b, n, &total, why);
	uint8_t fam;

	if (st != PROXY_DONE)
		return st;
	h->version = 2;
	h->len = total;
	/* LOCAL: the block, whatever family it claims, is skipped unread. */
	if ((b[12] & 0x0f) == V2_CMD_LOCAL) {
		h->kind = PROXY_LOCAL;
		return PROXY_DONE;
	}
	fam = b[13];
	addrlen = (size_t)v2_family_size(fam);
	if (!v2_tlvs_fit(b + V2_PREFIX + addrlen, total - V2_PREFIX - addrlen))
		return bad(why, "version 2 header has a TLV that runs past its block");
	if (fam != 0x11 && fam != 0x21) {
		/* The spec lets a receiver that takes no addresses of a family fall back to
		 * UNSPEC: the connection stands for the balancer. */
		h->kind = PROXY_LOCAL;
		return PROXY_DONE;
	}
	v2_addresses(b + V2_PREFIX, fam, h);
	h->kind = PROXY_RELAYED;
	return PROXY_DONE;
}

enum proxy_status
proxy_parse(const void *buf, size_t n, struct proxy_header *h, const char **why)
{
	const uint8_t *b = buf;

	memset(h, 0, sizeof(*h));
	*why = NULL;
	if (n == 0)
		return PROXY_MORE;
	if (b[0] == (uint8_t)v1_sig[0])
		return parse_v1(b, n, h, why);
	if (b[0] == v2_sig[0])
		return parse_v2(b, n, h, why);
	return bad(why, "not a PROXY header");
}
