#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct out {
	char *buf;
	size_t cap, len;
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + (o->len < o->cap ? o->len : o->cap),
		o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	o->len += n > 0 ? (size_t)n : 0;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP hello_server_%s %s\n# TYPE hello_server_%s %s\n", name, help, name, type);
}

static void
counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "counter", help);
	put(o, "hello_server_%s %" PRIu64 "\n", name, v);
}

static void
gauge(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "gauge", help);
	put(o, "hello_server_%s %" PRIu64 "\n", name, v);
}

/* A label's value as the text format wants it: backslash, double quote and line feed escaped. */
static void
put_label_value(struct out *o, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			put(o, "\\%c", *v);
		else if (*v == '\n')
			put(o, "\\n");
		else
			put(o, "%c", *v);
	}
}

/* A counter with one label: a sample for each of its n values. */
static void
labelled(struct out *o, const char *name, const char *help, const char *label,
	const char *const values[], const uint64_t counts[], size_t n)
{
	family(o, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		put(o, "hello_server_%s{%s=\"%s\"} %" PRIu64 "\n", name, label, values[i],
			counts[i]);
}

static void
refusals(struct out *o, const struct metrics_values *v)
{
	static const char *const reason[] = { "allow", "deny", "per_source", "rate" };
	const uint64_t n[] = { v->refused_allow, v->refused_deny, v->refused_per_source,
		v->refused_rate };

	labelled(o, "refused_total",
		"Connections closed without a greeting, by the rule that refused them.", "reason",
		reason, n, ARRAY_SIZE(n));
	counter(o, "rate_untracked_total",
		"Connections let through unmetered: the table of --max-rate-per-source was full.",
		v->rate_untracked);
}

static void
greetings(struct out *o, const struct metrics_values *v)
{
	static const char *const end[METRICS_GREET_ENDS] = {
		[GREET_PEER_CLOSED] = "peer_closed",
		[GREET_DEADLINE] = "deadline",
		[GREET_PEER_RESET] = "reset",
		[GREET_ERROR] = "error",
	};

	labelled(o, "greetings_total",
		"Greetings by how they ended, as each child's exit status tells.", "end", end,
		v->greetings, METRICS_GREET_ENDS);
}

static void
proxy_failures(struct out *o, const struct metrics_values *v)
{
	static const char *const reason[] = { "missing", "truncated", "malformed", "timeout" };
	const uint64_t n[] = { v->proxy_missing, v->proxy_truncated, v->proxy_malformed,
		v->proxy_timeout };

	labelled(o, "proxy_header_failures_total",
		"Balancer connections closed without a greeting, by what their PROXY header was.",
		"reason", reason, n, ARRAY_SIZE(n));
}

static void
upkeep(struct out *o, const struct metrics_values *v)
{
	static const char *const destination[] = { "syslog", "stderr" };
	static const char *const result[] = { "success", "failure" };
	const uint64_t lost[] = { v->lost_syslog, v->lost_stderr };
	const uint64_t reloads[] = { v->reloads_ok, v->reloads_failed };

	labelled(o, "log_lines_lost_total", "Log lines that their destination did not take.",
		"destination", destination, lost, ARRAY_SIZE(lost));
	labelled(o, "reloads_total", "Reloads (SIGHUP) by result.", "result", result, reloads,
		ARRAY_SIZE(reloads));
	counter(o, "metrics_write_failures_total", "Writes of this file that failed.",
		v->write_failures);
}

static void
gauges(struct out *o, const struct metrics_values *v, const char *version)
{
	gauge(o, "children", "Children alive, each greeting one client.", v->children);
	gauge(o, "pending_headers", "Balancer connections waiting for their PROXY header.",
		v->pending_headers);
	gauge(o, "waiting_clients", "Connections waiting for their source's slot.",
		v->waiting_clients);
	gauge(o, "max_children", "The --max-children in force.", v->max_children);
	gauge(o, "quotes_loaded", "Quotes loaded from --quotes.", v->quotes_loaded);
	family(o, "start_time_seconds", "gauge",
		"When the server started, in seconds since the epoch.");
	put(o, "hello_server_start_time_seconds %" PRId64 "\n", v->start_time);
	family(o, "build_info", "gauge", "The version of hello-server running, as a label.");
	put(o, "hello_server_build_info{version=\"");
	put_label_value(o, version);
	put(o, "\"} 1\n");
}

size_t
metrics_render(const struct metrics_values *v, const char *version, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };

	if (cap > 0)
		buf[0] = '\0';
	counter(&o, "accepted_total", "Connections accepted.", v->accepted);
	counter(&o, "served_total", "Clients handed to a child to be greeted.", v->served);
	counter(&o, "health_checks_total",
		"A balancer's own connections (health checks) handed to a child.",
		v->health_checks);
	refusals(&o, v);
	greetings(&o, v);
	proxy_failures(&o, v);
	counter(&o, "accept_failures_total",
		"Failures of accept for lack of descriptors or memory.", v->accept_failures);
	counter(&o, "fork_failures_total", "Failures of fork; each closed a connection.",
		v->fork_failures);
	counter(&o, "max_children_reached_total", "Times accepting paused at --max-children.",
		v->max_children_reached);
	upkeep(&o, v);
	gauges(&o, v, version);
	return o.len;
}

static int
write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

int
metrics_write(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return ENAMETOOLONG;
	/* A fresh file of our own: never one a leftover or a link points elsewhere. */
	if (unlink(tmp) != 0 && errno != ENOENT)
		return errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	/* Whatever the umask: the collector reads it as a user of its own. */
	rc = fchmod(fd, 0644) != 0 ? errno : write_all(fd, text, len);
	if (close(fd) != 0 && rc == 0)
		rc = errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}
