#include "grace.h"

#include <netinet/in.h>
#include <string.h>

bool
grace_add(struct grace *g, int fd, const struct peer *peer, int64_t now)
{
	struct grace_entry *e;

	if (g->n >= GRACE_MAX)
		return false;
	e = &g->e[g->n++];
	e->fd = fd;
	e->peer = *peer;
	e->due = now + GRACE_MS;
	return true;
}

int64_t
grace_due(const struct grace *g)
{
	return g->n > 0 ? g->e[0].due : INT64_MAX; /* FIFO with one delay: the first is due first */
}

void
grace_remove(struct grace *g, size_t i)
{
	memmove(&g->e[i], &g->e[i + 1], (g->n - i - 1) * sizeof(g->e[0]));
	g->n--;
}
