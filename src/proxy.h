/* The PROXY protocol header a trusted balancer puts before a relayed connection (HAProxy's
 * doc/proxy-protocol.txt, versions 1 and 2): a pure parser over the bytes received so far.
 * It decides from the bytes alone, never reads a socket, and says exactly how long the header
 * is, so that the caller can take the header and not one byte of the client's own data. */
#ifndef HELLO_PROXY_H
#define HELLO_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

/* A version 1 line, CRLF included, is at most this long (the long UNKNOWN form). */
#define PROXY_V1_MAX 107
/* The longest header taken, of either version: the spec's examples and every TLV HAProxy sends
 * fit with room to spare; a longer one is refused, not buffered. */
#define PROXY_HEADER_MAX 4096

enum proxy_status {
	PROXY_MORE, /* every byte so far belongs to a header that is not complete yet */
	PROXY_DONE, /* a complete, valid header of proxy_header.len bytes */
	PROXY_BAD,  /* not a valid header: the connection is to be dropped */
};

enum proxy_kind {
	PROXY_RELAYED, /* a client's connection: src is the client */
	/* The balancer's own connection (v2 LOCAL, v1 UNKNOWN) or a family this server does not
	 * take addresses from (v2 UNSPEC, UDP, AF_UNIX): the peer is the balancer itself. */
	PROXY_LOCAL,
};

struct proxy_header {
	size_t len;       /* bytes of the header, from its first byte */
	unsigned version; /* 1 or 2 */
	enum proxy_kind kind;
	/* PROXY_RELAYED only: the client and the address it connected to, an IPv4-mapped
	 * IPv6 address already rewritten as IPv4. */
	struct sockaddr_storage src;
	struct sockaddr_storage dst;
};

/* Parses the first n bytes received on a connection from a trusted balancer. PROXY_DONE fills
 * *h; PROXY_BAD points *why at a short constant reason ("line ends in a lone LF"). A header is
 * told apart from anything else by its first byte, so a stranger is refused at once. */
enum proxy_status proxy_parse(const void *buf, size_t n, struct proxy_header *h, const char **why);

#endif
