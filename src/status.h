/* What the master tells about itself: its counters (connections served, refusals and failures
 * by kind, how greetings ended), the STATUS= line it sends systemd at most once a second while
 * something changed, the status line SIGUSR1 asks for, and --metrics-file: all from the same
 * counters. */
#ifndef HELLO_STATUS_H
#define HELLO_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "greet.h"
#include "metrics.h"
#include "notify.h"

struct status {
	/* First: next to the master's other fields written per connection (master.h). */
	uint64_t served;       /* clients greeted: a child forked for each */
	uint64_t balancer_own; /* the balancers' own connections (health checks) greeted, apart */
	uint64_t accepted;
	uint64_t ends[METRICS_GREET_ENDS]; /* greetings by enum greet_end */
	bool dirty;                        /* changed since the last STATUS= */
	int64_t due;                       /* no STATUS= before then */
	uint64_t lost_shown;               /* log lines lost, as last sent in STATUS= */
	int64_t started;
	struct events ev;
	uint64_t reloads_ok, reloads_failed;
	/* --metrics-file's state, or NULL without it: outside this record, so that the record
	 * and its place beside the master's other hot fields stay as they are without it. */
	struct status_metrics *metrics;
};

struct status_metrics {
	const char *path;            /* --metrics-file */
	int64_t started_wall;        /* seconds since the epoch */
	int64_t due;                 /* no write before then (once a second at most) */
	int64_t refresh;             /* written again then even if nothing changed */
	bool pending;                /* changed since the last write, waiting for due */
	uint64_t failures;           /* writes that failed */
	struct metrics_values shown; /* as last written */
};

/* What the status lines tell besides the counters: the master's other parts, as they are. */
struct status_census {
	unsigned children;
	bool proxy; /* --proxy-from: the PROXY counters are told */
	unsigned pending;
	unsigned waiting;      /* for their source's slot */
	unsigned max_children; /* in force */
	unsigned quotes;       /* loaded */
	bool rate;             /* --max-rate-per-source: its refusals are told */
};

/* metrics_path: --metrics-file, or NULL. */
void status_init(struct status *st, int64_t now, const char *metrics_path);

void status_accepted(struct status *st);

/* A child was reaped: how its greeting ended. */
void status_greeting_ended(struct status *st, enum greet_end end);

/* A reload (SIGHUP) was done: whether all of it succeeded. */
void status_reloaded(struct status *st, bool ok);

/* A child was forked for a connection. */
void status_served(struct status *st, bool balancer_own);

/* Something STATUS= tells changed (a child gone, a connection refused). */
void status_changed(struct status *st);

/* Flushes the summaries of floods, sends STATUS= when due, and writes --metrics-file when due
 * (at most once a second while something changed; once a minute at least, so that its age
 * tells whether the master is alive). */
void status_tick(struct status *st, const struct notifier *n, const struct status_census *c,
	int64_t now);

/* When status_tick next has work, or DEADLINE_OFF. */
int64_t status_due(const struct status *st, const struct notifier *n);

/* SIGUSR1: one line with every counter (two with --proxy-from), and --metrics-file written. */
void status_log(struct status *st, const struct status_census *c, int64_t now);

/* At exit: --metrics-file a last time, the summaries still counted, and the last line. */
void status_log_exit(struct status *st, const struct status_census *c);

#endif
