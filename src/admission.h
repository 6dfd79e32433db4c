/* Whether a peer is served: the access lists, --max-rate-per-source and --max-per-source, asked
 * about the real client (the header's source when a balancer relayed it), never about the
 * balancer. */
#ifndef HELLO_ADMISSION_H
#define HELLO_ADMISSION_H

#include <stdint.h>

#include "acl.h"
#include "children.h"
#include "peer.h"
#include "sourcerate.h"

enum verdict {
	ADMIT,
	ADMIT_UNMETERED,    /* admitted with --max-rate-per-source's table full: to be counted */
	REFUSE_DENIED,      /* --deny */
	REFUSE_NOT_ALLOWED, /* outside --allow */
	REFUSE_RATE,        /* --max-rate-per-source */
	REFUSE_SOURCE,      /* --max-per-source */
};

struct admission {
	struct acl acl;
	unsigned max_per_source; /* 0: no limit */
	struct children *children;
	/* Children that have exited but are not reaped yet still count, and so do children still
	 * logging after their client left: at the cap, admission asks the master to reap, then
	 * counts only the connections whose client has not closed them. */
	void (*reap)(void *ctx);
	void *ctx;
	struct sourcerate *rate; /* NULL: no --max-rate-per-source */
	unsigned rate_per_minute;
};

/* A new connection at now: the lists, then its source's rate (which takes a token, so ask once
 * per connection), then its source's cap. The balancer's own connections (health checks) are
 * always admitted and count against no source. */
enum verdict admission_check(struct admission *a, const struct peer *p, int64_t now);

/* A connection that waited at its source's cap, asked again: the cap alone. */
enum verdict admission_recheck(struct admission *a, const struct peer *p);

/* The reason given in the refusal line, e.g. "denied by the access list". */
const char *admission_reason(const struct admission *a, enum verdict v, char *buf, size_t len);

#endif
