/* What a child does between fork and exit. */
#ifndef HELLO_CHILD_H
#define HELLO_CHILD_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "greet.h"
#include "message.h"
#include "peer.h"
#include "quotes.h"

/* Everything a child reads of the master's, copied out before the fork: the master's own
 * records are in memory that fork leaves out (nofork.h). */
struct child_job {
	int fd; /* the accepted client, non-blocking */
	/* On the master's stack, where the child finds it: never in the master's records, which
	 * the child has not got. Not a copy: each byte of the master's stack between two forks is
	 * one more chance of a page the master writes (and so copies) per connection. */
	const struct peer *peer;
	struct message msg; /* its text is the master's, as it was at the fork */
	unsigned timeout;   /* seconds, for the whole life of the child */
	bool quiet; /* no line for an ordinary end (the balancer's own connections are never told) */
	bool with_quotes;     /* else the message alone */
	struct quotes quotes; /* with_quotes: the collection, as it was at the fork */
	bool random_quote;    /* else the quote of the day */
	int64_t now; /* mono_ms() in the master right before the fork: the child reads no clock
		      * before it greets */
};

/* Keeps only the client and the log, greets, logs one line, and exits with a status that says
 * how the greeting ended: 0 the client closed, 1 a failure of our own, 2 the deadline, 3 the
 * client reset the connection. Only 1 is a failure. */
_Noreturn void child_run(const struct child_job *job);

/* Forks a child that runs job: its pid, or -1 (errno set). job and what it points to are
 * read by the child after the fork: the master's memory as it was at the fork. */
pid_t child_start(const struct child_job *job);

/* How a child's greeting ended, from its wait status; false (and *end GREET_ERROR) for a
 * child that was killed or exited with a status child_run never gives. */
bool child_end_of(int wait_status, enum greet_end *end);

#endif
