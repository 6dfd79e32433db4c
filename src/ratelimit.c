#include "ratelimit.h"

#include "deadline.h"

void
ratelimit_init(struct ratelimit *rl, int64_t interval_ms)
{
	rl->interval_ms = interval_ms;
	rl->window_start = 0;
	rl->window_end = DEADLINE_OFF;
	rl->suppressed = 0;
}

bool
ratelimit_hit(struct ratelimit *rl, int64_t now)
{
	if (rl->window_end != DEADLINE_OFF && now < rl->window_end) {
		rl->suppressed++;
		return false;
	}
	if (rl->window_end != DEADLINE_OFF && rl->suppressed > 0) {
		/* A window ended unflushed: count this one; the caller's flush reports both. */
		rl->suppressed++;
		return false;
	}
	rl->window_start = now;
	rl->window_end = now + rl->interval_ms;
	rl->suppressed = 0;
	return true;
}

uint64_t
ratelimit_flush(struct ratelimit *rl, int64_t now, int64_t *since)
{
	uint64_t n = rl->suppressed;

	*since = rl->window_start;
	if (rl->window_end == DEADLINE_OFF || now < rl->window_end)
		return 0;
	rl->suppressed = 0;
	if (n > 0 && now != RATELIMIT_FLUSH_ALL) {
		rl->window_start = now;
		rl->window_end = now + rl->interval_ms;
	} else {
		rl->window_end = DEADLINE_OFF;
	}
	return n;
}

int64_t
ratelimit_due(const struct ratelimit *rl)
{
	return rl->window_end;
}
