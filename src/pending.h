/* Connections from a trusted balancer whose PROXY header is not complete yet. The master reads
 * them when poll says so, never blocking: each has a fixed buffer and an absolute deadline, and
 * their number is bounded. A header is taken exactly (peeked, then only its own bytes read), so
 * the client's first bytes stay in the socket for the child. */
#ifndef HELLO_PENDING_H
#define HELLO_PENDING_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "escape.h"
#include "peer.h"
#include "proxy.h"

enum pending_end {
	PENDING_HEADER,    /* complete: fd is the caller's, peer is the client */
	PENDING_MISSING,   /* closed (or reset) before sending a byte */
	PENDING_TRUNCATED, /* closed (or reset) in the middle of a header */
	PENDING_MALFORMED, /* not a valid header, or longer than the limits */
	PENDING_SLOW,      /* no complete header by the deadline */
};

struct pending_outcome {
	enum pending_end end;
	int fd;                 /* PENDING_HEADER: the connection; otherwise already closed (-1) */
	struct peer peer;       /* the client after a header; otherwise the balancer */
	const char *why;        /* PENDING_MALFORMED: the parser's reason; reset: strerror */
	size_t got;             /* bytes of the header received */
	char shown[ESCAPE_MAX]; /* the first of them, escaped (not PENDING_HEADER) */
};

struct pending_set;

/* Room for max connections at once; NULL when out of memory. */
struct pending_set *pending_new(unsigned max);
/* Closes every connection still waiting. */
void pending_free(struct pending_set *set);

/* Closes every connection still waiting, unserved; returns how many (0 for NULL). */
unsigned pending_close_all(struct pending_set *set);

/* 0 for NULL (no --proxy-from). */
unsigned pending_count(const struct pending_set *set);

/* Takes fd (non-blocking, from the balancer p) until its header is complete or deadline; false
 * (fd not taken) when max are pending already, which the server's places never allow. */
bool pending_add(struct pending_set *set, int fd, const struct peer *p, int64_t deadline);

/* The earliest deadline, or DEADLINE_OFF. */
int64_t pending_due(const struct pending_set *set);

/* Fills one pollfd per connection, connection i in p[i]; returns how many. */
size_t pending_pollset(const struct pending_set *set, struct pollfd *p);

/* Connection i (as pending_pollset numbered them) has something to read. Mark every ready one
 * before pending_next_end, which renumbers them. */
void pending_ready(struct pending_set *set, size_t i);

/* Ends the next connection that is done: a ready one whose read completes or breaks its
 * header, or one whose deadline has passed; the caller owns the descriptor of a complete
 * header. false when none is left this round (and for NULL). Each ready mark reads once. */
bool pending_next_end(struct pending_set *set, int64_t now, struct pending_outcome *o);

/* What went wrong with a header that failed (o->end other than PENDING_HEADER), for the log;
 * proxy_timeout is --proxy-timeout, which a slow one did not meet. */
void pending_describe_failure(const struct pending_outcome *o, unsigned proxy_timeout, char *what,
	size_t len);

#endif
