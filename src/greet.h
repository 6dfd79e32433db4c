/* One client's whole exchange: send the greeting, then a lingering close. Runs in the child. */
#ifndef HELLO_GREET_H
#define HELLO_GREET_H

#include <stddef.h>
#include <stdint.h>

enum greet_end {
	GREET_PEER_CLOSED, /* the client closed after the greeting: the normal end */
	GREET_DEADLINE,    /* --timeout passed first */
	GREET_PEER_RESET,  /* the client reset the connection */
	GREET_ERROR,       /* a failure of ours; error holds errno */
};

struct greet_result {
	size_t sent;
	size_t discarded; /* bytes the client sent, read and thrown away (RFC 865) */
	enum greet_end end;
	int error;
};

/* fd must be a non-blocking connected socket. Writes all of msg, shuts down the sending side,
 * then reads and discards until the client closes or deadline (CLOCK_MONOTONIC ms) passes, and
 * closes fd. Closing with unread input would make the kernel send RST, and the client would lose
 * the greeting still in flight; draining first is what keeps it. */
void greet(int fd, const char *msg, size_t len, int64_t deadline, struct greet_result *r);

/* "closed by peer", "deadline passed", ..., into buf. */
const char *greet_end_text(const struct greet_result *r, char *buf, size_t len);

/* The same, appended to t: without snprintf, for a child's log line (see text.h). */
struct text;
void greet_end_append(struct text *t, const struct greet_result *r);

#endif
