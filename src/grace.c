#include "grace.h"

#include <string.h>
#include <unistd.h>

#include "deadline.h"

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
	/* FIFO with one delay: the first is due first. */
	return g->n > 0 ? g->e[0].due : DEADLINE_OFF;
}

static void
remove_entry(struct grace *g, size_t i)
{
	memmove(&g->e[i], &g->e[i + 1], (g->n - i - 1) * sizeof(g->e[0]));
	g->n--;
}

bool
grace_take_settled(struct grace *g, const struct admission *a, int64_t now, bool stopping,
	struct grace_entry *out, bool *room)
{
	for (size_t i = 0; i < g->n; i++) {
		*room = admission_check(a, &g->e[i].peer) == ADMIT;
		if (!*room && now < g->e[i].due && !stopping)
			continue;
		*out = g->e[i];
		remove_entry(g, i);
		return true;
	}
	return false;
}

void
grace_close_all(struct grace *g)
{
	for (size_t i = 0; i < g->n; i++)
		close(g->e[i].fd);
	g->n = 0;
}
