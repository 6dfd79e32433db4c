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
	switch (acl_check(&a->acl, (const struct sockaddr *)&p->addr)) {
	case ACL_DENIED:
		return REFUSE_DENIED;
	case ACL_NOT_ALLOWED:
		return REFUSE_NOT_ALLOWED;
	default:
		break;
	}
	if (source_full(a, &p->key))
		return REFUSE_SOURCE;
	return ADMIT;
}

enum verdict
admission_take_rate(const struct admission *a, const struct peer *p, int64_t now)
{
	if (a->rate == NULL || p->balancer_own)
		return ADMIT;
	switch (sourcerate_take(a->rate, &p->key, now)) {
	case RATE_OVER:
		return REFUSE_RATE;
	case RATE_UNTRACKED:
		return ADMIT_UNMETERED;
	default:
		return ADMIT;
	}
}

const char *
admission_reason(const struct admission *a, enum verdict v, char *buf, size_t len)
{
	switch (v) {
	case REFUSE_DENIED:
	case REFUSE_NOT_ALLOWED:
		snprintf(buf, len, "denied by the access list");
		break;
	case REFUSE_RATE:
		snprintf(buf, len, "over %u %s a minute from this source (--max-rate-per-source)",
			a->rate_per_minute, a->rate_per_minute == 1 ? "connection" : "connections");
		break;
	default:
		snprintf(buf, len, "%u %s from this source (--max-per-source)", a->max_per_source,
			a->max_per_source == 1 ? "connection" : "connections");
		break;
	}
	return buf;
}
