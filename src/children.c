#include "children.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nofork.h"

/* The master writes these tables for every connection and no child reads them: in memory
 * that fork leaves out (nofork.h), so that those writes cost no page faults. */

/* Two open-addressing tables with linear probing and backward-shift deletion (no tombstones,
 * so a table that has seen a million connections probes as fast as a new one). Each has at
 * least twice as many buckets as there can be entries. */
struct pid_entry {
	pid_t pid; /* 0: empty */
	int fd;    /* the client's descriptor the master holds, or -1 */
	struct srckey key;
};

struct source_entry {
	struct srckey key;
	uint32_t count; /* 0: empty */
	int head;       /* the first held descriptor of this source, or -1 */
};

/* Held descriptors of one source, linked through arrays indexed by descriptor number (stable
 * while held, unlike table slots, which move on deletion). */
struct fd_link {
	int prev, next;
};

struct children {
	unsigned max, count;
	size_t mask; /* buckets - 1, the same for both tables */
	struct pid_entry *pids;
	struct source_entry *sources;
	struct fd_link *links;
	size_t nlinks;
};

static size_t
hash_pid(pid_t pid)
{
	return (size_t)(uint32_t)((uint32_t)pid * 2654435761u);
}

static size_t
hash_key(const struct srckey *k)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(k->bytes); i++)
		h = (h ^ k->bytes[i]) * 16777619u;
	return h;
}

struct children *
children_new(unsigned max)
{
	struct children *c = nofork_calloc(1, sizeof(*c));
	size_t buckets = 16;

	if (c == NULL)
		return NULL;
	while (buckets < (size_t)max * 2)
		buckets *= 2;
	c->max = max;
	c->mask = buckets - 1;
	c->pids = nofork_calloc(buckets, sizeof(*c->pids));
	c->sources = nofork_calloc(buckets, sizeof(*c->sources));
	if (c->pids == NULL || c->sources == NULL) {
		children_free(c);
		return NULL;
	}
	return c;
}

void
children_free(struct children *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; c->pids != NULL && i <= c->mask; i++)
		if (c->pids[i].pid != 0 && c->pids[i].fd >= 0)
			close(c->pids[i].fd);
	nofork_free(c->links);
	nofork_free(c->pids);
	nofork_free(c->sources);
	nofork_free(c);
}

static size_t
find_source(const struct children *c, const struct srckey *key)
{
	size_t i = hash_key(key) & c->mask;

	while (c->sources[i].count != 0 && memcmp(&c->sources[i].key, key, sizeof(*key)) != 0)
		i = (i + 1) & c->mask;
	return i;
}

static size_t
find_pid(const struct children *c, pid_t pid)
{
	size_t i = hash_pid(pid) & c->mask;

	while (c->pids[i].pid != 0 && c->pids[i].pid != pid)
		i = (i + 1) & c->mask;
	return i;
}

/* Is slot j's home bucket h outside the cyclic range (hole, j]? Then it may move into hole. */
static bool
may_fill_hole(size_t hole, size_t j, size_t h)
{
	return hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
}

static void
delete_pid_slot(struct children *c, size_t hole)
{
	size_t j = hole;

	for (;;) {
		j = (j + 1) & c->mask;
		if (c->pids[j].pid == 0)
			break;
		if (may_fill_hole(hole, j, hash_pid(c->pids[j].pid) & c->mask)) {
			c->pids[hole] = c->pids[j];
			hole = j;
		}
	}
	c->pids[hole].pid = 0;
}

static void
delete_source_slot(struct children *c, size_t hole)
{
	size_t j = hole;

	for (;;) {
		j = (j + 1) & c->mask;
		if (c->sources[j].count == 0)
			break;
		if (may_fill_hole(hole, j, hash_key(&c->sources[j].key) & c->mask)) {
			c->sources[hole] = c->sources[j];
			hole = j;
		}
	}
	c->sources[hole].count = 0;
}

bool
children_add(struct children *c, pid_t pid, const struct srckey *key)
{
	size_t p, s;

	if (c->count >= c->max || pid <= 0)
		return false;
	p = find_pid(c, pid);
	if (c->pids[p].pid != 0)
		return false;
	s = find_source(c, key);
	if (c->sources[s].count == 0) {
		c->sources[s].key = *key;
		c->sources[s].head = -1;
	}
	c->sources[s].count++;
	c->pids[p].pid = pid;
	c->pids[p].fd = -1;
	c->pids[p].key = *key;
	c->count++;
	return true;
}

static void
unlink_fd(struct children *c, struct source_entry *src, int fd)
{
	struct fd_link *l = &c->links[fd];

	if (l->prev >= 0)
		c->links[l->prev].next = l->next;
	else
		src->head = l->next;
	if (l->next >= 0)
		c->links[l->next].prev = l->prev;
	close(fd);
}

static bool
grow_links(struct children *c, int fd)
{
	size_t n = c->nlinks > 0 ? c->nlinks : 64;
	struct fd_link *grown;

	while (n <= (size_t)fd)
		n *= 2;
	grown = nofork_realloc(c->links, n, sizeof(*grown));
	if (grown == NULL)
		return false;
	c->links = grown;
	c->nlinks = n;
	return true;
}

bool
children_hold(struct children *c, pid_t pid, int fd)
{
	size_t p = find_pid(c, pid);
	struct source_entry *src;

	if (pid <= 0 || fd < 0 || c->pids[p].pid == 0 || c->pids[p].fd >= 0)
		return false;
	if ((size_t)fd >= c->nlinks && !grow_links(c, fd))
		return false;
	src = &c->sources[find_source(c, &c->pids[p].key)];
	c->links[fd] = (struct fd_link){ -1, src->head };
	if (src->head >= 0)
		c->links[src->head].prev = fd;
	src->head = fd;
	c->pids[p].fd = fd;
	return true;
}

/* A held connection is no longer open once both sides are done: its child has sent everything
 * and shut down its side, and the client has closed its own (POLLHUP), or it was reset
 * (POLLERR). The client's FIN alone is not enough: a client that half-closes at once and then
 * reads slowly would keep its child busy writing without counting against its cap. */
unsigned
children_open_of_source(const struct children *c, const struct srckey *key)
{
	const struct source_entry *src = &c->sources[find_source(c, key)];
	unsigned open = src->count;
	int fd = src->head;

	while (fd >= 0) {
		struct pollfd p[64];
		nfds_t n = 0;

		for (; fd >= 0 && n < 64; fd = c->links[fd].next)
			p[n++] = (struct pollfd){ .fd = fd, .events = 0 };
		if (poll(p, n, 0) <= 0)
			continue;
		for (nfds_t i = 0; i < n; i++)
			if (p[i].revents & (POLLHUP | POLLERR))
				open--;
	}
	return open;
}

bool
children_remove(struct children *c, pid_t pid)
{
	size_t p = find_pid(c, pid);
	size_t s;

	if (pid <= 0 || c->pids[p].pid == 0)
		return false;
	s = find_source(c, &c->pids[p].key);
	if (c->pids[p].fd >= 0)
		unlink_fd(c, &c->sources[s], c->pids[p].fd);
	delete_pid_slot(c, p);
	if (--c->sources[s].count == 0)
		delete_source_slot(c, s);
	c->count--;
	return true;
}

unsigned
children_count(const struct children *c)
{
	return c->count;
}

unsigned
children_of_source(const struct children *c, const struct srckey *key)
{
	return c->sources[find_source(c, key)].count;
}

unsigned
children_signal_all(const struct children *c, int sig)
{
	unsigned n = 0;

	for (size_t i = 0; i <= c->mask; i++)
		if (c->pids[i].pid != 0 && kill(c->pids[i].pid, sig) == 0)
			n++;
	return n;
}
