/* Whether a peer is served: the access lists and --max-per-source, asked about the real client
 * (the header's source when a balancer relayed it), never about the balancer. A question only:
 * the caller decides what to do about the answer. */
#ifndef HELLO_ADMISSION_H
#define HELLO_ADMISSION_H

#include "acl.h"
#include "children.h"
#include "peer.h"

enum verdict {
	ADMIT,
	REFUSE_DENIED, /* --allow / --deny */
	/* --max-per-source: the source's children are at the cap and their clients still there.
	 * Children that have exited but are not reaped yet still count: the caller may reap and
	 * ask again. */
	REFUSE_SOURCE,
};

struct admission {
	struct acl acl;
	unsigned max_per_source; /* 0: no limit */
	const struct children *children;
};

/* The balancer's own connections (health checks) are always admitted and count against no
 * source. */
enum verdict admission_check(const struct admission *a, const struct peer *p);

/* The reason given in the refusal line, e.g. "denied by the access list". */
const char *admission_reason(const struct admission *a, enum verdict v, char *buf, size_t len);

#endif
