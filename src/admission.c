#include "admission.h"

#include <stdio.h>

/* Children still logging after their client left do not count: only the connections whose
 * client has not closed them (which costs a poll, so only at the cap). */
static bool
source_full(const struct admission *a, const struct srckey *key)
{
	return a->max_per_source > 0 && children_of_source(a->children, key) >= a->max_per_source &&
		children_open_of_source(a->children, key) >= a->max_per_source;
}

enum verdict
admission_check(const struct admission *a, const struct peer *p)
{
	if (p->balancer_own)
		return ADMIT;
	if (!acl_permits(&a->acl, (const struct sockaddr *)&p->addr))
		return REFUSE_DENIED;
	if (source_full(a, &p->key))
		return REFUSE_SOURCE;
	return ADMIT;
}

const char *
admission_reason(const struct admission *a, enum verdict v, char *buf, size_t len)
{
	if (v == REFUSE_DENIED)
		snprintf(buf, len, "denied by the access list");
	else
		snprintf(buf, len, "%u %s from this source (--max-per-source)", a->max_per_source,
			a->max_per_source == 1 ? "connection" : "connections");
	return buf;
}
