/* The master's signals, read from a signalfd: what they ask of it, gathered for one round of
 * the loop, so that the loop acts on each request once however many signals carried it. */
#ifndef HELLO_SIGNALS_H
#define HELLO_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>

#include "reload.h"

struct signal_requests {
	bool reap;                     /* SIGCHLD */
	bool reload;                   /* SIGHUP, or a --reload request */
	bool status;                   /* SIGUSR1 */
	int stop;                      /* SIGTERM or SIGINT, the last one read; 0: none */
	int stops;                     /* how many of them: each further one hurries the stop */
	struct reload_waiters waiters; /* the --reload requesters to answer */
};

/* Blocks the signals the master reads and opens their signalfd (non-blocking): the descriptor,
 * or -1 with errno set. SIGPIPE is ignored: a greeting socket's broken pipe is no news. */
int signals_open(void);

/* Reads what is pending on sigfd into r. Real-time requests beyond the room for their answers
 * stay queued for the next round. */
void signals_read(int sigfd, struct signal_requests *r);

#endif
