/* Whether a peer is served: the access lists and --max-per-source, asked about the real client
 * (the header's source when a balancer relayed it), never about the balancer. */
#ifndef HELLO_ADMISSION_H
#define HELLO_ADMISSION_H

#include "acl.h"
#include "children.h"
#include "peer.h"

enum verdict {
	ADMIT,
	REFUSE_DENIED, /* --allow / --deny */
	REFUSE_SOURCE, /* --max-per-source */
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
};

/* The balancer's own connections (health checks) are always admitted and count against no
 * source. */
enum verdict admission_check(struct admission *a, const struct peer *p);

/* The reason given in the refusal line, e.g. "denied by the access list". */
const char *admission_reason(const struct admission *a, enum verdict v, char *buf, size_t len);

#endif
