/* Whether a peer is served: the access lists, --max-per-source and --max-rate-per-source, asked
 * about the real client (the header's source when a balancer relayed it), never about the
 * balancer. The caller decides what to do about the answer. */
#ifndef HELLO_ADMISSION_H
#define HELLO_ADMISSION_H

#include <stdint.h>

#include "acl.h"
#include "children.h"
#include "peer.h"
#include "sourcerate.h"

enum verdict {
	ADMIT,
	ADMIT_UNMETERED,    /* within the rate only as --max-rate-per-source's table is full */
	REFUSE_DENIED,      /* --deny */
	REFUSE_NOT_ALLOWED, /* outside every --allow */
	/* --max-per-source: the source's children are at the cap and their clients still there.
	 * Children that have exited but are not reaped yet still count: the caller may reap and
	 * ask again. */
	REFUSE_SOURCE,
	REFUSE_RATE, /* --max-rate-per-source */
};

struct admission {
	struct acl acl;
	unsigned max_per_source; /* 0: no limit */
	const struct children *children;
	struct sourcerate *rate; /* NULL: no --max-rate-per-source */
	unsigned rate_per_minute;
};

/* The lists and the cap, a question only. The balancer's own connections (health checks) are
 * always admitted and count against no source. */
enum verdict admission_check(const struct admission *a, const struct peer *p);

/* The source's rate: ADMIT, ADMIT_UNMETERED or REFUSE_RATE. Takes a token: asked once per
 * connection, for one the lists let in. */
enum verdict admission_take_rate(const struct admission *a, const struct peer *p, int64_t now);

/* The reason given in the refusal line, e.g. "denied by the access list". */
const char *admission_reason(const struct admission *a, enum verdict v, char *buf, size_t len);

#endif
