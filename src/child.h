/* What a child does between fork and exit. */
#ifndef HELLO_CHILD_H
#define HELLO_CHILD_H

#include <stdbool.h>
#include <sys/socket.h>

#include "greet.h"
#include "message.h"
#include "peer.h"
#include "quotes.h"

struct child_job {
	int fd; /* the accepted client, non-blocking */
	const struct peer *peer;
	const struct message *msg;
	unsigned timeout; /* seconds, for the whole life of the child */
	bool quiet; /* no line for an ordinary end (the balancer's own connections are never told) */
	const struct quotes *quotes; /* NULL: the message alone */
	bool random_quote;           /* else the quote of the day */
};

/* Keeps only the client and the log, greets, logs one line, and exits with a status that says
 * how the greeting ended: 0 the client closed, 1 a failure of our own, 2 the deadline, 3 the
 * client reset the connection. Only 1 is a failure. */
_Noreturn void child_run(const struct child_job *job);

/* How a child's greeting ended, from its wait status; false (and *end GREET_ERROR) for a
 * child that was killed or exited with a status child_run never gives. */
bool child_end_of(int wait_status, enum greet_end *end);

#endif
