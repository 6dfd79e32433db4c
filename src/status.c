#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "config.h"
#include "deadline.h"
#include "escape.h"
#include "log.h"
#include "util.h"

#define STATUS_INTERVAL_MS 1000
/* The metrics file is written this often even when nothing changed: its age
 * (node_textfile_mtime_seconds) then tells whether the master is alive. */
#define METRICS_REFRESH_MS 60000

void
status_init(struct status *st, int64_t now, const char *metrics_path)
{
	/* One master per process: its file's state needs no allocation that could fail. */
	static struct status_metrics metrics;

	*st = (struct status){ .started = now };
	events_init(&st->ev, EVENTS_INTERVAL_MS);
	if (metrics_path != NULL) {
		metrics = (struct status_metrics){ .path = metrics_path,
			.started_wall = (int64_t)time(NULL) };
		st->metrics = &metrics;
	}
}

void
status_accepted(struct status *st)
{
	st->accepted++;
}

void
status_greeting_ended(struct status *st, enum greet_end end)
{
	st->ends[end]++;
}

void
status_reloaded(struct status *st, bool ok)
{
	if (ok)
		st->reloads_ok++;
	else
		st->reloads_failed++;
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
	return st->ev.count[EV_SOURCE] + st->ev.count[EV_DENIED] + st->ev.count[EV_NOT_ALLOWED] +
		st->ev.count[EV_RATE];
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

/* The values of the metrics file. */
static void
gather(const struct status *st, const struct status_census *c, struct metrics_values *v)
{
	const uint64_t *n = st->ev.count;

	v->accepted = st->accepted;
	v->served = st->served; /* clients only: the checks are counted apart */
	v->health_checks = st->balancer_own;
	v->refused_allow = n[EV_NOT_ALLOWED];
	v->refused_deny = n[EV_DENIED];
	v->refused_per_source = n[EV_SOURCE];
	v->refused_rate = n[EV_RATE];
	v->rate_untracked = n[EV_RATE_UNTRACKED];
	memcpy(v->greetings, st->ends, sizeof(v->greetings));
	v->proxy_missing = n[EV_PROXY_MISSING];
	v->proxy_truncated = n[EV_PROXY_TRUNCATED];
	v->proxy_malformed = n[EV_PROXY_BAD];
	v->proxy_timeout = n[EV_PROXY_SLOW];
	v->accept_failures = n[EV_ACCEPT_FAIL];
	v->fork_failures = n[EV_FORK_FAIL];
	v->max_children_reached = n[EV_CAP];
	v->lost_syslog = log_lost_syslog();
	v->lost_stderr = log_lost_stderr();
	v->reloads_ok = st->reloads_ok;
	v->reloads_failed = st->reloads_failed;
	v->write_failures = st->metrics->failures;
	v->children = c->children;
	v->pending_headers = c->pending;
	v->waiting_clients = c->waiting;
	v->max_children = c->max_children;
	v->quotes_loaded = c->quotes;
	v->start_time = st->metrics->started_wall;
}

/* A failure is counted in the file itself, but is no change to write again for: the next
 * attempt waits for a real change, or the refresh. */
static void
write_metrics(struct status *st, const struct status_census *c, int64_t now)
{
	static char text[METRICS_TEXT_MAX];
	struct status_metrics *m = st->metrics;
	char shown[ESCAPE_MAX];
	size_t len;
	int rc;

	gather(st, c, &m->shown);
	len = metrics_render(&m->shown, PACKAGE_VERSION, text, sizeof(text));
	rc = len < sizeof(text) ? metrics_write(m->path, text, len) : EOVERFLOW;
	if (rc != 0) {
		m->failures++;
		m->shown.write_failures = m->failures;
		events_note(&st->ev, EV_METRICS_FAIL, now, LOG_ERR,
			"cannot write --metrics-file '%s': %s",
			escape_str(shown, sizeof(shown), m->path), strerror(rc));
	}
	m->pending = false;
	m->due = now + STATUS_INTERVAL_MS;
	m->refresh = now + METRICS_REFRESH_MS;
}

static void
metrics_tick(struct status *st, const struct status_census *c, int64_t now)
{
	struct metrics_values v;

	if (st->metrics == NULL)
		return;
	gather(st, c, &v);
	st->metrics->pending = memcmp(&v, &st->metrics->shown, sizeof(v)) != 0;
	if ((st->metrics->pending && now >= st->metrics->due) ||
		deadline_passed(st->metrics->refresh, now) || st->metrics->refresh == DEADLINE_OFF)
		write_metrics(st, c, now);
}

void
status_tick(struct status *st, const struct notifier *n, const struct status_census *c, int64_t now)
{
	events_flush(&st->ev, now);
	if (lost_lines() != st->lost_shown)
		st->dirty = true;
	if (n->fd >= 0 && st->dirty && now >= st->due)
		send_status(st, n, c, now);
	metrics_tick(st, c, now);
}

int64_t
status_due(const struct status *st, const struct notifier *n)
{
	int64_t due = events_due(&st->ev);

	if (n->fd >= 0 && st->dirty)
		due = deadline_earliest(due, st->due);
	if (st->metrics != NULL)
		due = deadline_earliest(due,
			st->metrics->pending ? st->metrics->due : st->metrics->refresh);
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
status_log(struct status *st, const struct status_census *c, int64_t now)
{
	const uint64_t *n = st->ev.count;
	char rate[64] = "";

	/* First: once the line is out, the file says the same. */
	if (st->metrics != NULL)
		write_metrics(st, c, now);
	if (c->rate)
		snprintf(rate, sizeof(rate), ", %" PRIu64 " by --max-rate-per-source", n[EV_RATE]);
	log_msg(LOG_INFO,
		"status: %u %s, %" PRIu64 " served, refused %" PRIu64
		" by --max-per-source%s and %" PRIu64
		" by the access list, --max-children reached %" PRIu64 " times, %" PRIu64
		" accept failures, %" PRIu64 " fork failures; up %lld s; log lines lost: %" PRIu64
		" to syslog, %" PRIu64 " to stderr",
		c->children, c->children == 1 ? "child" : "children", st->served, n[EV_SOURCE],
		rate, n[EV_DENIED] + n[EV_NOT_ALLOWED], n[EV_CAP], n[EV_ACCEPT_FAIL],
		n[EV_FORK_FAIL], (long long)((now - st->started) / 1000), log_lost_syslog(),
		log_lost_stderr());
	if (c->proxy)
		log_proxy_status(st, c);
}

void
status_log_exit(struct status *st, const struct status_census *c)
{
	if (st->metrics != NULL)
		write_metrics(st, c, mono_ms());
	events_flush(&st->ev, EVENTS_FLUSH_ALL);
	if (st->balancer_own > 0)
		log_msg(LOG_INFO, "exiting after %" PRIu64 " %s and %" PRIu64 " balancer %s",
			st->served, st->served == 1 ? "connection" : "connections",
			st->balancer_own, st->balancer_own == 1 ? "check" : "checks");
	else
		log_msg(LOG_INFO, "exiting after %" PRIu64 " %s", st->served,
			st->served == 1 ? "connection" : "connections");
}
