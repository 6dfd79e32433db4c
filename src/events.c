#include "events.h"

#include <stdarg.h>
#include <syslog.h>

#include "deadline.h"
#include "log.h"
#include "util.h"

static const char *const summary_text[EV_COUNT] = {
	[EV_CAP] = "times at --max-children (accepting paused)",
	[EV_SOURCE] = "connections refused by --max-per-source",
	[EV_DENIED] = "connections refused by the access list",
	[EV_ACCEPT_FAIL] = "accept failures",
	[EV_FORK_FAIL] = "fork failures",
	[EV_PROXY_MISSING] = "balancer connections closed without a PROXY header",
	[EV_PROXY_TRUNCATED] = "balancer connections closed part way through a PROXY header",
	[EV_PROXY_BAD] = "balancer connections with a bad PROXY header",
	[EV_PROXY_SLOW] = "balancer connections cut at --proxy-timeout",
};

void
events_init(struct events *ev, int64_t interval_ms)
{
	for (int i = 0; i < EV_COUNT; i++) {
		ev->count[i] = 0;
		ratelimit_init(&ev->rl[i], interval_ms);
	}
}

void
events_note(struct events *ev, enum event kind, int64_t now, int priority, const char *fmt, ...)
{
	va_list ap;

	ev->count[kind]++;
	if (!ratelimit_hit(&ev->rl[kind], now))
		return;
	va_start(ap, fmt);
	log_vmsg(priority, fmt, ap);
	va_end(ap);
}

void
events_flush(struct events *ev, int64_t now)
{
	int64_t clock = now == EVENTS_FLUSH_ALL ? mono_ms() : now;

	for (int i = 0; i < EV_COUNT; i++) {
		int64_t since;
		uint64_t n = ratelimit_flush(&ev->rl[i], now, &since);

		if (n > 0)
			log_msg(LOG_WARNING, "... %llu more %s in the last %lld s",
				(unsigned long long)n, summary_text[i],
				(long long)((clock - since + 999) / 1000));
	}
}

int64_t
events_due(const struct events *ev)
{
	int64_t due = DEADLINE_OFF;

	for (int i = 0; i < EV_COUNT; i++)
		due = deadline_earliest(due, ratelimit_due(&ev->rl[i]));
	return due;
}
