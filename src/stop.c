#include "stop.h"

#include <signal.h>
#include <syslog.h>

#include "deadline.h"
#include "log.h"

/* After SIGTERM reaches the children that outlived the drain, how long before SIGKILL. */
#define KILL_GRACE_MS 5000

static void
enter(struct stop *st, enum phase phase, int64_t deadline)
{
	st->phase = phase;
	st->deadline = deadline;
}

void
stop_drain(struct stop *st, const struct notifier *n, unsigned timeout_s, unsigned proxy_timeout_s,
	int64_t now)
{
	int64_t drain_ms = ((int64_t)timeout_s + proxy_timeout_s) * 1000 + 1000;

	enter(st, DRAINING, now + drain_ms);
	notify_send(n, "STOPPING=1");
}

void
stop_terminate(struct stop *st, const struct children *c, int64_t now)
{
	unsigned n = children_signal_all(c, SIGTERM);

	enter(st, TERMINATING, now + KILL_GRACE_MS);
	log_msg(LOG_NOTICE, "sent SIGTERM to %u %s", n, n == 1 ? "child" : "children");
}

void
stop_kill(struct stop *st, const struct children *c)
{
	children_signal_all(c, SIGKILL);
	enter(st, KILLED, DEADLINE_OFF);
}

void
stop_tick(struct stop *st, const struct children *c, int64_t now)
{
	if (!deadline_passed(st->deadline, now))
		return;
	if (st->phase == DRAINING)
		stop_terminate(st, c, now);
	else if (st->phase == TERMINATING)
		stop_kill(st, c);
}
