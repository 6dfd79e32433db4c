/* Who is at the other end of a connection, worked out once: at accept, and again when a trusted
 * balancer's PROXY header names the real client. Admission, refusal lines, the child's title and
 * its log line all read this one record. */
#ifndef HELLO_PEER_H
#define HELLO_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

struct proxy_header;

/* Room for peer_describe's longest line. */
#define PEER_TEXT_MAX (2 * ADDR_TEXT_MAX + 32)

struct peer {
	struct sockaddr_storage addr; /* the client, IPv4-mapped rewritten as IPv4 */
	struct srckey key;            /* its source for --max-per-source */
	uint16_t port;
	char host[ADDR_TEXT_MAX]; /* "192.0.2.7" */
	bool relayed;             /* a balancer's header named the client */
	/* The balancer's own connection (a health check): greeted, not logged one by one, not
	 * counted against any source. */
	bool balancer_own;
	char via[ADDR_TEXT_MAX]; /* the balancer's host, when relayed or balancer_own */
	/* mono_ms() at the accept: the connection's deadline (-t) counts from here, whatever
	 * it waited for before its child (a PROXY header, its source's slot). */
	int64_t accepted;
};

/* A peer as accept(2) reports it, accepted at now. */
void peer_from_accept(struct peer *p, const struct sockaddr *raw, int64_t now);

/* The balancer p was is replaced by the client the header names; a LOCAL or UNKNOWN header,
 * or one whose source is the balancer itself (HAProxy's v1 health checks name their own
 * socket), makes p the balancer's own connection. */
void peer_apply_header(struct peer *p, const struct proxy_header *h);

/* "192.0.2.7 port 4242", "192.0.2.7 port 4242 via 10.0.0.2", or for the balancer's own
 * connection "10.0.0.2 port 4242 (balancer)": how every log line names the peer. */
void peer_describe(const struct peer *p, char *buf, size_t len);

#endif
