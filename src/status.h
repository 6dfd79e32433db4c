/* What the master tells about itself: its counters (connections served, refusals and failures
 * by kind), the STATUS= line it sends systemd at most once a second while something changed,
 * and the status line SIGUSR1 asks for. */
#ifndef HELLO_STATUS_H
#define HELLO_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "notify.h"

struct status {
	/* First: next to the master's other fields written per connection (master.h). */
	uint64_t served;       /* clients greeted: a child forked for each */
	uint64_t balancer_own; /* the balancers' own connections (health checks) greeted, apart */
	bool dirty;            /* changed since the last STATUS= */
	int64_t due;           /* no STATUS= before then */
	uint64_t lost_shown;   /* log lines lost, as last sent in STATUS= */
	int64_t started;
	struct events ev;
};

/* What the status lines tell besides the counters: the master's other parts, as they are. */
struct status_census {
	unsigned children;
	bool proxy; /* --proxy-from: the PROXY counters are told */
	unsigned pending;
};

void status_init(struct status *st, int64_t now);

/* A child was forked for a connection. */
void status_served(struct status *st, bool balancer_own);

/* Something STATUS= tells changed (a child gone, a connection refused). */
void status_changed(struct status *st);

/* Flushes the summaries of floods, and sends STATUS= when due. */
void status_tick(struct status *st, const struct notifier *n, const struct status_census *c,
	int64_t now);

/* When status_tick next has work, or DEADLINE_OFF. */
int64_t status_due(const struct status *st, const struct notifier *n);

/* SIGUSR1: one line with every counter (two with --proxy-from). */
void status_log(const struct status *st, const struct status_census *c, int64_t now);

/* At exit: the summaries still counted, and the last line. */
void status_log_exit(struct status *st);

#endif
