/* A deadline is a time on mono_ms()'s clock, or 0 for none set: one small abstraction for the
 * master's timers, so that "is it on", "has it passed" and "which comes first" are written once. */
#ifndef HELLO_DEADLINE_H
#define HELLO_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#define DEADLINE_OFF 0

static inline bool
deadline_passed(int64_t deadline, int64_t now)
{
	return deadline != DEADLINE_OFF && now >= deadline;
}

/* The earlier of two deadlines; one that is off never wins. */
static inline int64_t
deadline_earliest(int64_t a, int64_t b)
{
	if (a == DEADLINE_OFF)
		return b;
	if (b == DEADLINE_OFF)
		return a;
	return a < b ? a : b;
}

/* The later of two deadlines that are both set. */
static inline int64_t
deadline_latest(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

#endif
