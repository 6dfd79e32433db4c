/* The PROXY protocol parser: the spec's examples, the payloads that broke other receivers, and
 * every way a header can arrive in pieces. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "proxy.h"
#include "runner.h"
#include "util.h"

#define SIG "\r\n\r\n\0\r\nQUIT\n"
#define BYTES(s) s, sizeof(s) - 1

enum { RELAYED = PROXY_RELAYED, LOCAL = PROXY_LOCAL };

static const struct {
	const char *name;
	const char *bytes;
	size_t n;
	enum proxy_status status;
	size_t len;         /* PROXY_DONE: the header's length */
	int kind;           /* PROXY_DONE */
	const char *expect; /* PROXY_DONE and relayed: the source; PROXY_BAD: part of the reason */
} cases[] = {
	/* Version 1: the spec's examples and their limits. */
	{ "v1 tcp4", BYTES("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), PROXY_DONE, 47,
		RELAYED, "192.168.0.1:56324" },
	{ "v1 tcp4 then data", BYTES("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /"),
		PROXY_DONE, 47, RELAYED, "192.168.0.1:56324" },
	{ "v1 tcp4 widest", BYTES("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
		PROXY_DONE, 56, RELAYED, "255.255.255.255:65535" },
	{ "v1 tcp4 zeros", BYTES("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"), PROXY_DONE, 32, RELAYED,
		"0.0.0.0:0" },
	{ "v1 tcp6", BYTES("PROXY TCP6 2001:db8::1 2001:db8::2 1 17\r\n"), PROXY_DONE, 41, RELAYED,
		"[2001:db8::1]:1" },
	{ "v1 tcp6 mapped is IPv4", BYTES("PROXY TCP6 ::ffff:10.1.2.3 ::ffff:10.0.0.1 4000 17\r\n"),
		PROXY_DONE, 52, RELAYED, "10.1.2.3:4000" },
	{ "v1 unknown short", BYTES("PROXY UNKNOWN\r\n"), PROXY_DONE, 15, LOCAL, NULL },
	{ "v1 unknown long (107 bytes)",
		BYTES("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
		PROXY_DONE, 107, LOCAL, NULL },
	{ "v1 unknown 108 bytes",
		BYTES("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655351\r\n"),
		PROXY_BAD, 0, 0, "longer than 107" },
	{ "v1 no CRLF in 107 bytes",
		BYTES("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 6553511"),
		PROXY_BAD, 0, 0, "longer than 107" },
	{ "v1 unknownx", BYTES("PROXY UNKNOWNX\r\n"), PROXY_BAD, 0, 0, "no known protocol" },
	/* Version 1 breakers. */
	{ "v1 leading zero 01.2.3.4", BYTES("PROXY TCP4 01.2.3.4 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 lone LF", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 1 2\n"), PROXY_BAD, 0, 0, "lone LF" },
	{ "v1 CR without LF", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 1 2\rX"), PROXY_BAD, 0, 0,
		"CR without LF" },
	{ "v1 CR CR LF", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 1 2\r\r\n"), PROXY_BAD, 0, 0,
		"CR without LF" },
	{ "v1 ends at CR", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 1 2\r"), PROXY_MORE, 0, 0, NULL },
	{ "v1 port 65536", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 65536 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 port 01", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 01 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 port +1", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 +1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 port -1", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 -1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 port 0x10", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 0x10 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 two spaces", BYTES("PROXY TCP4  1.2.3.4 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"empty field" },
	{ "v1 trailing space", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 1 2 \r\n"), PROXY_BAD, 0, 0,
		"empty field" },
	{ "v1 tab", BYTES("PROXY TCP4 1.2.3.4\t1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"not printable" },
	{ "v1 NUL", BYTES("PROXY TCP4 1.2.3\0.4 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"not printable" },
	{ "v1 tcp4 with IPv6", BYTES("PROXY TCP4 ::1 ::1 1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 tcp6 with IPv4", BYTES("PROXY TCP6 1.2.3.4 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 four fields", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 1\r\n"), PROXY_BAD, 0, 0,
		"5 fields" },
	{ "v1 six fields", BYTES("PROXY TCP4 1.2.3.4 1.2.3.5 1 2 3\r\n"), PROXY_BAD, 0, 0,
		"5 fields" },
	{ "v1 octet 256", BYTES("PROXY TCP4 256.2.3.4 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 three octets", BYTES("PROXY TCP4 1.2.3 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 trailing dot", BYTES("PROXY TCP4 1.2.3.4. 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"bad address" },
	{ "v1 lower case", BYTES("PROXY tcp4 1.2.3.4 1.2.3.5 1 2\r\n"), PROXY_BAD, 0, 0,
		"no known protocol" },
	{ "v1 no space after PROXY", BYTES("PROXY\r\n"), PROXY_BAD, 0, 0, "not a PROXY header" },
	{ "v1 nothing after PROXY", BYTES("PROXY \r\n"), PROXY_BAD, 0, 0, "empty field" },
	{ "plain client", BYTES("GET / HTTP/1.0\r\n"), PROXY_BAD, 0, 0, "not a PROXY header" },
	{ "plain P", BYTES("PUT"), PROXY_BAD, 0, 0, "not a PROXY header" },
	{ "nothing yet", BYTES(""), PROXY_MORE, 0, 0, NULL },
	{ "v1 prefix", BYTES("PROX"), PROXY_MORE, 0, 0, NULL },
	/* Version 2. */
	{ "v2 tcp4",
		BYTES(SIG "\x21\x11\x00\x0c"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00\x11"),
		PROXY_DONE, 28, RELAYED, "192.0.2.7:4242" },
	{ "v2 tcp4 then data",
		BYTES(SIG "\x21\x11\x00\x0c"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00\x11"
			  "hello"),
		PROXY_DONE, 28, RELAYED, "192.0.2.7:4242" },
	{ "v2 tcp6",
		BYTES(SIG "\x21\x21\x00\x24"
			  "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
			  "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02"
			  "\x00\x50\x00\x11"),
		PROXY_DONE, 52, RELAYED, "[2001:db8::1]:80" },
	{ "v2 tcp6 mapped is IPv4",
		BYTES(SIG "\x21\x21\x00\x24"
			  "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x07"
			  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"
			  "\x00\x50\x00\x11"),
		PROXY_DONE, 52, RELAYED, "192.0.2.7:80" },
	{ "v2 tcp4 with TLVs",
		BYTES(SIG "\x21\x11\x00\x1b"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00\x11"
			  "\x05\x00\x03"
			  "abc"
			  "\xe0\x00\x00"
			  "\x04\x00\x03\0\0\0"),
		PROXY_DONE, 43, RELAYED, "192.0.2.7:4242" },
	{ "v2 local", BYTES(SIG "\x20\x00\x00\x00"), PROXY_DONE, 16, LOCAL, NULL },
	{ "v2 local with addresses and TLVs",
		BYTES(SIG "\x20\x11\x00\x12"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00\x11"
			  "\x05\x00\x03"
			  "abc"),
		PROXY_DONE, 34, LOCAL, NULL },
	{ "v2 local skips a broken block",
		BYTES(SIG "\x20\xff\x00\x05"
			  "\x05\x00\xff\x00\x00"),
		PROXY_DONE, 21, LOCAL, NULL },
	{ "v2 proxy unspec", BYTES(SIG "\x21\x00\x00\x00"), PROXY_DONE, 16, LOCAL, NULL },
	{ "v2 udp4 falls back to unspec",
		BYTES(SIG "\x21\x12\x00\x0c"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00\x11"),
		PROXY_DONE, 28, LOCAL, NULL },
	/* Version 2 breakers. */
	{ "v2 family 0x12 len 0 (CVE-2019-14243)", BYTES(SIG "\x21\x12\x00\x00"), PROXY_BAD, 0, 0,
		"shorter than its family" },
	{ "v2 tcp4 len 11",
		BYTES(SIG "\x21\x11\x00\x0b"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00"),
		PROXY_BAD, 0, 0, "shorter than its family" },
	{ "v2 tcp6 len 35", BYTES(SIG "\x21\x21\x00\x23"), PROXY_BAD, 0, 0,
		"shorter than its family" },
	{ "v2 unix len 215", BYTES(SIG "\x21\x31\x00\xd7"), PROXY_BAD, 0, 0,
		"shorter than its family" },
	{ "v2 len 65535 and nothing after", BYTES(SIG "\x21\x11\xff\xff"), PROXY_BAD, 0, 0,
		"longer than 4096" },
	{ "v2 TLV past the block",
		BYTES(SIG "\x21\x11\x00\x10"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00\x11"
			  "\x04\x00\x05\0"),
		PROXY_BAD, 0, 0, "TLV that runs past" },
	{ "v2 TLV header cut",
		BYTES(SIG "\x21\x11\x00\x0e"
			  "\xc0\x00\x02\x07\x0a\x00\x00\x01\x10\x92\x00\x11"
			  "\x04\x00"),
		PROXY_BAD, 0, 0, "TLV that runs past" },
	{ "v2 version 1 byte", BYTES(SIG "\x11\x11\x00\x0c"), PROXY_BAD, 0, 0,
		"version other than 2" },
	{ "v2 version 3 byte", BYTES(SIG "\x31"), PROXY_BAD, 0, 0, "version other than 2" },
	{ "v2 command 2", BYTES(SIG "\x22\x11\x00\x0c"), PROXY_BAD, 0, 0, "unknown command" },
	{ "v2 family 4", BYTES(SIG "\x21\x41\x00\x0c"), PROXY_BAD, 0, 0, "unknown address" },
	{ "v2 protocol 3", BYTES(SIG "\x21\x13\x00\x0c"), PROXY_BAD, 0, 0, "unknown address" },
	{ "v2 family without protocol", BYTES(SIG "\x21\x10"), PROXY_BAD, 0, 0, "unknown address" },
	{ "v2 bad signature", BYTES("\r\n\r\n\0\r\nQUIZ"), PROXY_BAD, 0, 0, "not a PROXY" },
	{ "v2 signature prefix", BYTES("\r\n\r\n\0\r\nQU"), PROXY_MORE, 0, 0, NULL },
	{ "v2 prefix without len", BYTES(SIG "\x21\x11\x00"), PROXY_MORE, 0, 0, NULL },
	{ "v2 block not all there",
		BYTES(SIG "\x21\x11\x00\x0c"
			  "\xc0\x00\x02\x07\x0a"),
		PROXY_MORE, 0, 0, NULL },
};

static void
show_source(const struct proxy_header *h, char *buf, size_t len)
{
	format_sockaddr((const struct sockaddr *)&h->src, buf, len);
}

START_TEST(examples_and_breakers)
{
	struct proxy_header h;
	const char *why = NULL;
	char src[ADDR_TEXT_MAX];
	enum proxy_status st = proxy_parse(cases[_i].bytes, cases[_i].n, &h, &why);

	ck_assert_msg(st == cases[_i].status, "%s: status %d, expected %d (%s)", cases[_i].name, st,
		cases[_i].status, why ? why : "");
	if (st == PROXY_DONE) {
		ck_assert_msg(h.len == cases[_i].len, "%s: len %zu", cases[_i].name, h.len);
		ck_assert_msg((int)h.kind == cases[_i].kind, "%s: kind %d", cases[_i].name, h.kind);
		ck_assert_uint_eq(h.version, cases[_i].bytes[0] == 'P' ? 1 : 2);
		if (h.kind == PROXY_RELAYED) {
			show_source(&h, src, sizeof(src));
			ck_assert_msg(strcmp(src, cases[_i].expect) == 0, "%s: source %s",
				cases[_i].name, src);
		}
	} else if (st == PROXY_BAD) {
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, cases[_i].expect) != NULL, "%s: reason '%s'",
			cases[_i].name, why);
	}
}
END_TEST

/* A header arriving in pieces: every prefix is "more", the whole one is the same header, with
 * or without the client's own bytes after it. Splits at 1, 5, 12, 14 and 16 bytes, where the
 * version, the signature and the length field end, are among them. */
START_TEST(every_split_point)
{
	struct proxy_header whole, part;
	const char *why = NULL;
	size_t n = cases[_i].n;
	char *copy;

	if (cases[_i].status != PROXY_DONE)
		return;
	n = cases[_i].len;
	ck_assert_int_eq(proxy_parse(cases[_i].bytes, n, &whole, &why), PROXY_DONE);
	for (size_t k = 0; k < n; k++) {
		/* In a block of its own size, so that ASan sees a read past the prefix. */
		copy = malloc(k + 1);
		memcpy(copy, cases[_i].bytes, k);
		ck_assert_msg(proxy_parse(copy, k, &part, &why) == PROXY_MORE,
			"%s: the first %zu bytes are not 'more' (%s)", cases[_i].name, k,
			why ? why : "done");
		free(copy);
	}
	copy = malloc(n);
	memcpy(copy, cases[_i].bytes, n);
	ck_assert_int_eq(proxy_parse(copy, n, &part, &why), PROXY_DONE);
	free(copy);
	ck_assert_uint_eq(part.len, whole.len);
	ck_assert_int_eq(part.kind, whole.kind);
	ck_assert_mem_eq(&part.src, &whole.src, sizeof(part.src));
}
END_TEST

/* A v2 header of total bytes: TCP over IPv4 and one NOOP TLV filling the rest. */
static unsigned char *
v2_of_size(size_t total)
{
	static const unsigned char prefix[] = SIG "\x21\x11";
	unsigned char *b = calloc(1, total);
	size_t len = total - 16, tlv = len - 12 - 3;

	memcpy(b, prefix, 14);
	b[14] = (unsigned char)(len >> 8);
	b[15] = (unsigned char)len;
	memcpy(b + 16, "\x7f\x00\x00\x05\x7f\x00\x00\x01\x04\xd2\x00\x11", 12);
	b[28] = 0x04;
	b[29] = (unsigned char)(tlv >> 8);
	b[30] = (unsigned char)tlv;
	return b;
}

START_TEST(size_limit)
{
	static const struct {
		size_t total;
		enum proxy_status status;
	} sizes[] = { { 4095, PROXY_DONE }, { 4096, PROXY_DONE }, { 4097, PROXY_BAD } };
	struct proxy_header h;
	const char *why = NULL;
	char src[ADDR_TEXT_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *b = v2_of_size(sizes[i].total);

		ck_assert_msg(proxy_parse(b, sizes[i].total, &h, &why) == sizes[i].status,
			"%zu bytes", sizes[i].total);
		/* Refused from the 16-byte prefix alone: nothing is waited for. */
		if (sizes[i].status == PROXY_BAD)
			ck_assert_int_eq(proxy_parse(b, 16, &h, &why), PROXY_BAD);
		else
			ck_assert_uint_eq(h.len, sizes[i].total);
		if (sizes[i].status == PROXY_DONE) {
			show_source(&h, src, sizeof(src));
			ck_assert_str_eq(src, "127.0.0.5:1234");
		}
		free(b);
	}
}
END_TEST

/* A stranger's bytes are refused from the first one that cannot start a header. */
START_TEST(refused_early)
{
	static const char *const starts[] = { "\x16\x03\x01", "SSH-2.0", "H", "\r\nX", "P\r" };
	struct proxy_header h;
	const char *why = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(starts); i++)
		ck_assert_int_eq(proxy_parse(starts[i], strlen(starts[i]), &h, &why), PROXY_BAD);
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("parsing");

	tcase_add_loop_test(tc, examples_and_breakers, 0, ARRAY_SIZE(cases));
	tcase_add_loop_test(tc, every_split_point, 0, ARRAY_SIZE(cases));
	tcase_add_test(tc, size_limit);
	tcase_add_test(tc, refused_early);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(proxy_suite());
}
