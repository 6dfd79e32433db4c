/* The stop sequence: serving; draining (listeners closed, children and pending headers finish
 * on their own); the children left get SIGTERM; then SIGKILL. Each phase but the first and the
 * last ends at its deadline, and the phase changes here only. */
#ifndef HELLO_STOP_H
#define HELLO_STOP_H

#include <stdbool.h>
#include <stdint.h>

#include "children.h"
#include "notify.h"

enum phase {
	SERVING,
	DRAINING,
	TERMINATING,
	KILLED,
};

struct stop {
	enum phase phase;
	int64_t deadline; /* the end of the phase, or DEADLINE_OFF */
	int exit_code;    /* 0, or why the master stopped by itself */
};

/* Stops serving (the listeners are the caller's to close): draining lasts a child's deadline
 * (timeout_s) and a pending header's (proxy_timeout_s, 0 without --proxy-from), and a second of
 * slack for the log line. Tells systemd. */
void stop_drain(struct stop *st, const struct notifier *n, unsigned timeout_s,
	unsigned proxy_timeout_s, int64_t now);

/* SIGTERM to every child left; SIGKILL follows at the deadline. */
void stop_terminate(struct stop *st, const struct children *c, int64_t now);

/* SIGKILL to every child left, at once. */
void stop_kill(struct stop *st, const struct children *c);

/* Moves to the next phase once the deadline has passed. */
void stop_tick(struct stop *st, const struct children *c, int64_t now);

#endif
