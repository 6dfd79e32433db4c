/* --metrics-file: the master's counters in the Prometheus text exposition format (0.0.4), for
 * node_exporter's textfile collector. Rendering is a pure function of the values the caller
 * gathers from the counters its status line and STATUS= read too; writing replaces the file
 * atomically, so a scrape never sees half of one. */
#ifndef HELLO_METRICS_H
#define HELLO_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "greet.h"

/* How a greeting ended, as its child's exit status tells the master. */
#define METRICS_GREET_ENDS 4

struct metrics_values {
	uint64_t accepted;      /* connections accepted, from any peer */
	uint64_t served;        /* clients handed to a child (health checks not included) */
	uint64_t health_checks; /* the balancers' own connections handed to a child */
	uint64_t refused_allow, refused_deny, refused_per_source, refused_rate;
	uint64_t rate_untracked; /* let through unmetered: --max-rate-per-source's table full */
	uint64_t greetings[METRICS_GREET_ENDS]; /* by enum greet_end */
	uint64_t proxy_missing, proxy_truncated, proxy_malformed, proxy_timeout;
	uint64_t accept_failures, fork_failures, max_children_reached;
	uint64_t lost_syslog, lost_stderr;
	uint64_t reloads_ok, reloads_failed;
	uint64_t write_failures; /* of this file */
	/* Gauges as wide as the counters: no padding, so two sets compare with memcmp. */
	uint64_t children, pending_headers, waiting_clients, max_children, quotes_loaded;
	int64_t start_time; /* seconds since the epoch */
};

/* Room for the rendered file, whatever the values. */
#define METRICS_TEXT_MAX 8192

/* Renders v; returns the length, or METRICS_TEXT_MAX or more if buf (of cap bytes) is short. */
size_t metrics_render(const struct metrics_values *v, const char *version, char *buf, size_t cap);

/* Writes text to path by way of "path.tmp" in the same directory, renamed over path: 0, or an
 * errno value (what failed is left removed). */
int metrics_write(const char *path, const char *text, size_t len);

#endif
