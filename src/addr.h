/* Parsing and printing of the addresses a user gives and the kernel reports:
 * ports, ADDR[:PORT] listen specs, CIDR blocks, peer names for the log. */
#ifndef HELLO_ADDR_H
#define HELLO_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Long enough for "[ffff:ffff:...:255.255.255.255%interface]:65535". */
#define ADDR_TEXT_MAX 80

struct listen_spec {
	struct sockaddr_storage addr;
	socklen_t len;
	bool port_given;       /* else the positional PORT is filled in later */
	bool wildcard_default; /* the default dual-stack socket, not from --listen */
};

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
};

/* Ports are 0 (any free port) to 65535; returns 0 or EX_USAGE. */
int parse_port(const char *s, uint16_t *port, char *err, size_t errlen);

/* ADDR, ADDR:PORT, [V6ADDR], [V6ADDR]:PORT, :PORT, or a bare IPv6 address; a link-local
 * V6ADDR takes its interface as "%name" or "%index" (fe80::1%eth0); an IPv4-mapped V6ADDR is
 * its IPv4 address. */
int parse_listen(const char *s, struct listen_spec *spec, char *err, size_t errlen);

void listen_spec_set_port(struct listen_spec *spec, uint16_t port);

/* A.B.C.D/N or V6ADDR/N; an address alone is a host (/32, /128); host bits must be 0. */
int parse_cidr(const char *s, struct cidr *c, char *err, size_t errlen);

bool cidr_contains(const struct cidr *c, const struct sockaddr *sa);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is rewritten as the IPv4 address it is,
 * so that logs, access lists and per-source counts see one address, not two spellings. */
void sockaddr_unmap(const struct sockaddr *in, struct sockaddr_storage *out);

/* "192.0.2.7" / "2001:db8::1" / "fe80::1%eth0": the host part only. */
void format_host(const struct sockaddr *sa, char *buf, size_t len);
/* "192.0.2.7:17" / "[2001:db8::1]:17". */
void format_sockaddr(const struct sockaddr *sa, char *buf, size_t len);
uint16_t sockaddr_port(const struct sockaddr *sa);

/* A source: an IPv4 address, or the /64 an IPv6 address is in (one host commonly holds many
 * addresses of its /64, so counting by address would let it slip past the cap). */
struct srckey {
	uint8_t bytes[9]; /* family tag, then 4 (IPv4) or 8 (IPv6 /64) address bytes */
};

/* peer must already be unmapped (sockaddr_unmap): a mapped IPv4 peer counts as IPv4. */
void srckey_from(const struct sockaddr *peer, struct srckey *key);

#endif
