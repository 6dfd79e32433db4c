#include "peer.h"

#include <netinet/in.h>
#include <string.h>

#include "proxy.h"
#include "text.h"
#include "util.h"

static void
set_client(struct peer *p, const struct sockaddr *addr)
{
	sockaddr_unmap(addr, &p->addr);
	srckey_from((const struct sockaddr *)&p->addr, &p->key);
	p->port = sockaddr_port((const struct sockaddr *)&p->addr);
	format_host((const struct sockaddr *)&p->addr, p->host, sizeof(p->host));
}

void
peer_from_accept(struct peer *p, const struct sockaddr *raw, int64_t now)
{
	memset(p, 0, sizeof(*p));
	set_client(p, raw);
	p->accepted = now;
}

static bool
same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

void
peer_apply_header(struct peer *p, const struct proxy_header *h)
{
	memcpy(p->via, p->host, sizeof(p->via));
	if (h->kind != PROXY_RELAYED || same_host(&h->src, &p->addr)) {
		p->balancer_own = true;
		return;
	}
	p->relayed = true;
	set_client(p, (const struct sockaddr *)&h->src);
}

CHILD_CODE void
peer_append(struct text *t, const struct peer *p)
{
	text_str(t, p->host);
	text_str(t, " port ");
	text_uint(t, p->port, 0, ' ');
	if (p->relayed) {
		text_str(t, " via ");
		text_str(t, p->via);
	} else if (p->balancer_own) {
		text_str(t, " (balancer)");
	}
}

void
peer_describe(const struct peer *p, char *buf, size_t len)
{
	struct text t;

	if (len == 0)
		return;
	text_init(&t, buf, len);
	peer_append(&t, p);
}
