/* Summarizing repeated events: the first is told in full, the rest of a flood is counted and
 * told as one line per interval, so a flood of connections never becomes a flood of logs.
 * Pure bookkeeping on times the caller passes in; the caller prints. */
#ifndef HELLO_RATELIMIT_H
#define HELLO_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "deadline.h"

/* A time after every window: what ratelimit_flush is given at exit. */
#define RATELIMIT_FLUSH_ALL INT64_MAX

struct ratelimit {
	int64_t interval_ms;
	int64_t window_start;
	int64_t window_end; /* DEADLINE_OFF: no window open, the next event is told in full */
	uint64_t suppressed;
};

void ratelimit_init(struct ratelimit *rl, int64_t interval_ms);

/* An event at now: true if it is to be logged in full; false if it was counted. */
bool ratelimit_hit(struct ratelimit *rl, int64_t now);

/* At or after the end of a window: returns the number of events counted in it (to be told as
 * one summary line; 0 means say nothing) and starts the next window only if there were any, so a
 * steady flood gives one line per interval and a quiet spell resets to telling the next in full.
 * now == RATELIMIT_FLUSH_ALL flushes whatever is counted (at exit). *since gets the window's start. */
uint64_t ratelimit_flush(struct ratelimit *rl, int64_t now, int64_t *since);

/* When ratelimit_flush next has something to do, or DEADLINE_OFF. */
int64_t ratelimit_due(const struct ratelimit *rl);

#endif
