/* --max-rate-per-source: at most N new connections a minute from one source (addr.h's
 * srckey: an IPv4 address or an IPv6 /64), as a token bucket of N tokens that refills at N a
 * minute. Each source's bucket is one time, when it will be full again (the generic cell rate
 * algorithm), so nothing runs between connections. The table has a fixed size, allocated and
 * touched once: a source whose bucket has refilled is as good as new and is forgotten (a
 * sixteenth of the table at a time, so that a spray of sources costs a pass over the table once
 * a batch, not once a connection), and a spray of sources fills the table, never the master's
 * memory. */
#ifndef HELLO_SOURCERATE_H
#define HELLO_SOURCERATE_H

#include <stdint.h>

#include "addr.h"

/* The sources tracked at once by the daemon: stated in the man page. */
#define SOURCERATE_MAX_SOURCES 8192

enum rate_verdict {
	RATE_WITHIN,    /* a token was taken */
	RATE_OVER,      /* the bucket is empty: refuse */
	RATE_UNTRACKED, /* the table is full, its refilled sources not due to be forgotten yet */
};

struct sourcerate;

/* per_minute (at least 1) tokens a minute, a burst of per_minute, for up to max_sources
 * sources at once; NULL when out of memory. */
struct sourcerate *sourcerate_new(unsigned per_minute, unsigned max_sources);
void sourcerate_free(struct sourcerate *r);

/* A new connection from key at now (mono_ms). */
enum rate_verdict sourcerate_take(struct sourcerate *r, const struct srckey *key, int64_t now);

/* Sources in the table now (some may have refilled and wait to be forgotten). */
unsigned sourcerate_tracked(const struct sourcerate *r);

/* Passes over the whole table to forget refilled sources so far: one for each batch of them
 * (a sixteenth of max_sources), never one for each connection. */
unsigned long sourcerate_sweeps(const struct sourcerate *r);

#endif
