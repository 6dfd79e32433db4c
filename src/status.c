#include "status.h"

#include <inttypes.h>
#include <stdio.h>
#include <syslog.h>

#include "deadline.h"
#include "log.h"

#define STATUS_INTERVAL_MS 1000

void
status_init(struct status *st, int64_t now)
{
	*st = (struct status){ .started = now };
	events_init(&st->ev, EVENTS_INTERVAL_MS);
}

void
status_served(struct status *st, bool balancer_own)
{
	/* A balancer's health check is no client: counted apart, so that "served" means clients. */
	if (balancer_own)
		st->balancer_own++;
	else
		st->served++;
	st->dirty = true;
}

void
status_changed(struct status *st)
{
	st->dirty = true;
}

static uint64_t
refused(const struct status *st)
{
	return st->ev.count[EV_SOURCE] + st->ev.count[EV_DENIED];
}

static uint64_t
bad_headers(const struct status *st)
{
	return st->ev.count[EV_PROXY_MISSING] + st->ev.count[EV_PROXY_TRUNCATED] +
		st->ev.count[EV_PROXY_BAD] + st->ev.count[EV_PROXY_SLOW];
}

static uint64_t
lost_lines(void)
{
	return log_lost_syslog() + log_lost_stderr();
}

static void
send_status(struct status *st, const struct notifier *n, const struct status_census *c, int64_t now)
{
	char state[256];
	uint64_t lost = lost_lines();
	int len = snprintf(state, sizeof(state),
		"STATUS=%u %s, %" PRIu64 " served, %" PRIu64 " refused", c->children,
		c->children == 1 ? "child" : "children", st->served, refused(st));

	if (c->proxy && len > 0 && (size_t)len < sizeof(state))
		len += snprintf(state + len, sizeof(state) - (size_t)len,
			", %" PRIu64 " balancer checks, %" PRIu64 " bad PROXY headers",
			st->balancer_own, bad_headers(st));
	if (lost > 0 && len > 0 && (size_t)len < sizeof(state))
		snprintf(state + len, sizeof(state) - (size_t)len, ", %" PRIu64 " log lines lost",
			lost);
	st->lost_shown = lost;
	notify_send(n, state);
	st->dirty = false;
	st->due = now + STATUS_INTERVAL_MS;
}

void
status_tick(struct status *st, const struct notifier *n, const struct status_census *c, int64_t now)
{
	events_flush(&st->ev, now);
	if (lost_lines() != st->lost_shown)
		st->dirty = true;
	if (n->fd >= 0 && st->dirty && now >= st->due)
		send_status(st, n, c, now);
}

int64_t
status_due(const struct status *st, const struct notifier *n)
{
	int64_t due = events_due(&st->ev);

	if (n->fd >= 0 && st->dirty)
		due = deadline_earliest(due, st->due);
	return due;
}

static void
log_proxy_status(const struct status *st, const struct status_census *c)
{
	const uint64_t *n = st->ev.count;

	log_msg(LOG_INFO,
		"status: %u PROXY headers pending, %" PRIu64 " balancer checks greeted; closed "
		"without a greeting: %" PRIu64 " without a header, %" PRIu64
		" part way through one, %" PRIu64 " with a bad one, %" PRIu64 " at --proxy-timeout",
		c->pending, st->balancer_own, n[EV_PROXY_MISSING], n[EV_PROXY_TRUNCATED],
		n[EV_PROXY_BAD], n[EV_PROXY_SLOW]);
}

void
status_log(const struct status *st, const struct status_census *c, int64_t now)
{
	const uint64_t *n = st->ev.count;

	log_msg(LOG_INFO,
		"status: %u %s, %" PRIu64 " served, refused %" PRIu64
		" by --max-per-source and %" PRIu64
		" by the access list, --max-children reached %" PRIu64 " times, %" PRIu64
		" accept failures, %" PRIu64 " fork failures; up %lld s; log lines lost: %" PRIu64
		" to syslog, %" PRIu64 " to stderr",
		c->children, c->children == 1 ? "child" : "children", st->served, n[EV_SOURCE],
		n[EV_DENIED], n[EV_CAP], n[EV_ACCEPT_FAIL], n[EV_FORK_FAIL],
		(long long)((now - st->started) / 1000), log_lost_syslog(), log_lost_stderr());
	if (c->proxy)
		log_proxy_status(st, c);
}

void
status_log_exit(struct status *st)
{
	events_flush(&st->ev, EVENTS_FLUSH_ALL);
	if (st->balancer_own > 0)
		log_msg(LOG_INFO, "exiting after %" PRIu64 " %s and %" PRIu64 " balancer %s",
			st->served, st->served == 1 ? "connection" : "connections",
			st->balancer_own, st->balancer_own == 1 ? "check" : "checks");
	else
		log_msg(LOG_INFO, "exiting after %" PRIu64 " %s", st->served,
			st->served == 1 ? "connection" : "connections");
}
