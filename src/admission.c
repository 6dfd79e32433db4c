#include "admission.h"

#include <stdio.h>

static bool
source_full(struct admission *a, const struct srckey *key)
{
	if (a->max_per_source == 0 || children_of_source(a->children, key) < a->max_per_source)
		return false;
	a->reap(a->ctx);
	return children_of_source(a->children, key) >= a->max_per_source &&
		children_open_of_source(a->children, key) >= a->max_per_source;
}

enum verdict
admission_check(struct admission *a, const struct peer *p, int64_t now)
{
	enum rate_verdict rate = RATE_WITHIN;

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
	if (a->rate != NULL && (rate = sourcerate_take(a->rate, &p->key, now)) == RATE_OVER)
		return REFUSE_RATE;
	if (source_full(a, &p->key))
		return REFUSE_SOURCE;
	return rate == RATE_UNTRACKED ? ADMIT_UNMETERED : ADMIT;
}

enum verdict
admission_recheck(struct admission *a, const struct peer *p)
{
	return !p->balancer_own && source_full(a, &p->key) ? REFUSE_SOURCE : ADMIT;
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
