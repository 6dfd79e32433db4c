/* The master's counters of refusals and failures, and their log lines: the first of a kind in
 * full, then one summary per interval while a flood lasts. */
#ifndef HELLO_EVENTS_H
#define HELLO_EVENTS_H

#include <stdint.h>

#include "ratelimit.h"

enum event {
	EV_CAP,         /* --max-children reached: accepting paused */
	EV_SOURCE,      /* refused by --max-per-source */
	EV_DENIED,      /* refused by --allow / --deny */
	EV_ACCEPT_FAIL, /* accept failed for lack of descriptors or memory */
	EV_FORK_FAIL,   /* fork failed */
	/* A trusted balancer's connection closed without a greeting, by what its header was: */
	EV_PROXY_MISSING,   /* none: closed or reset before the first byte */
	EV_PROXY_TRUNCATED, /* closed or reset part way */
	EV_PROXY_BAD,       /* malformed or oversized */
	EV_PROXY_SLOW,      /* not complete by --proxy-timeout */
	EV_COUNT
};

#define EVENTS_INTERVAL_MS 10000
#define EVENTS_FLUSH_ALL RATELIMIT_FLUSH_ALL

struct events {
	uint64_t count[EV_COUNT];
	struct ratelimit rl[EV_COUNT];
};

void events_init(struct events *ev, int64_t interval_ms);

/* Counts one event; logs it in full (priority, format) unless a flood of its kind is on. */
void events_note(struct events *ev, enum event kind, int64_t now, int priority, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));

/* Logs the summary of every kind whose interval has ended with events counted in it;
 * now == EVENTS_FLUSH_ALL: of every kind with events counted (at exit). */
void events_flush(struct events *ev, int64_t now);

/* When events_flush next has work, or DEADLINE_OFF: for the master's poll timeout. */
int64_t events_due(const struct events *ev);

#endif
