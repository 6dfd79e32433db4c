#include "pending.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "nofork.h"

/* How many of the first bytes a failure line shows (escaped, then cut to ESCAPE_MAX). */
#define SHOWN_BYTES 48

struct pending_conn {
	int fd;
	int64_t deadline;
	size_t have; /* header bytes read (and taken off the socket) so far */
	bool ready;  /* poll said so: read it this round */
	struct peer balancer;
	uint8_t buf[PROXY_HEADER_MAX];
};

struct pending_set {
	unsigned max, count;
	/* Within a round of pending_next_end: the connections below cursor are still to be seen
	 * (backwards, so that the slot finish() refills is one already seen). */
	bool in_round;
	unsigned cursor;
	struct pending_conn *conn;
};

/* The master's alone, written for every header: where fork leaves it out (nofork.h). */
struct pending_set *
pending_new(unsigned max)
{
	struct pending_set *set = nofork_calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	set->max = max;
	set->conn = nofork_calloc(max, sizeof(*set->conn));
	if (set->conn == NULL) {
		nofork_free(set);
		return NULL;
	}
	return set;
}

void
pending_free(struct pending_set *set)
{
	if (set == NULL)
		return;
	for (unsigned i = 0; i < set->count; i++)
		close(set->conn[i].fd);
	nofork_free(set->conn);
	nofork_free(set);
}

unsigned
pending_close_all(struct pending_set *set)
{
	unsigned n = pending_count(set);

	for (unsigned i = 0; i < n; i++)
		close(set->conn[i].fd);
	if (set != NULL) {
		set->count = set->cursor = 0;
		set->in_round = false;
	}
	return n;
}

unsigned
pending_count(const struct pending_set *set)
{
	return set == NULL ? 0 : set->count;
}

bool
pending_add(struct pending_set *set, int fd, const struct peer *p, int64_t deadline)
{
	struct pending_conn *c;

	if (set->count >= set->max)
		return false;
	c = &set->conn[set->count++];
	c->fd = fd;
	c->deadline = deadline;
	c->have = 0;
	c->ready = false;
	c->balancer = *p;
	return true;
}

int64_t
pending_due(const struct pending_set *set)
{
	int64_t due = DEADLINE_OFF;

	for (unsigned i = 0; set != NULL && i < set->count; i++)
		due = deadline_earliest(due, set->conn[i].deadline);
	return due;
}

size_t
pending_pollset(const struct pending_set *set, struct pollfd *p)
{
	for (unsigned i = 0; i < set->count; i++)
		p[i] = (struct pollfd){ .fd = set->conn[i].fd, .events = POLLIN };
	return set->count;
}

void
pending_ready(struct pending_set *set, size_t i)
{
	if (i < set->count)
		set->conn[i].ready = true;
}

/* Ends connection i: fills in o, and its slot with the last one. */
static void
finish(struct pending_set *set, unsigned i, struct pending_outcome *o)
{
	struct pending_conn *c = &set->conn[i];

	o->got = c->have;
	if (o->end != PENDING_HEADER) {
		close(c->fd);
		o->fd = -1;
		o->peer = c->balancer;
		escape_bytes(o->shown, sizeof(o->shown), c->buf,
			c->have < SHOWN_BYTES ? c->have : SHOWN_BYTES);
	}
	if (i != set->count - 1)
		memcpy(c, &set->conn[set->count - 1], sizeof(*c));
	set->count--;
}

/* Takes exactly n bytes already seen by MSG_PEEK: they are in the socket, so one read suffices
 * (a short one would mean the kernel broke its promise; the header is then cut). */
static bool
take(struct pending_conn *c, size_t n)
{
	ssize_t r = recv(c->fd, c->buf + c->have, n, 0);

	if (r != (ssize_t)n)
		return false;
	c->have += n;
	return true;
}

/* One read's worth of progress. Returns true when the connection has ended (o filled). */
static bool
advance(struct pending_conn *c, struct pending_outcome *o)
{
	struct proxy_header h;
	ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, MSG_PEEK);
	enum proxy_status st;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return false;
	if (n <= 0) {
		o->end = c->have == 0 ? PENDING_MISSING : PENDING_TRUNCATED;
		o->why = n < 0 ? strerror(errno) : "closed";
		return true;
	}
	st = proxy_parse(c->buf, c->have + (size_t)n, &h, &o->why);
	if (st == PROXY_BAD) {
		/* Show what was refused: the peeked bytes are in the buffer, just not taken. */
		c->have += (size_t)n;
		o->end = PENDING_MALFORMED;
		return true;
	}
	if (st == PROXY_MORE) {
		/* Every byte so far belongs to the header: take them all, so poll waits for new
		 * ones instead of reporting these again. */
		if (!take(c, (size_t)n)) {
			o->end = PENDING_TRUNCATED;
			o->why = "short read";
			return true;
		}
		return false;
	}
	if (!take(c, h.len - c->have)) {
		o->end = PENDING_TRUNCATED;
		o->why = "short read";
		return true;
	}
	o->end = PENDING_HEADER;
	o->fd = c->fd;
	o->peer = c->balancer;
	peer_apply_header(&o->peer, &h);
	return true;
}

/* Whether connection c is done at now, o filled if so. */
static bool
ended(struct pending_conn *c, int64_t now, struct pending_outcome *o)
{
	*o = (struct pending_outcome){ .fd = -1 };
	if (c->ready) {
		c->ready = false;
		if (advance(c, o))
			return true;
	}
	if (!deadline_passed(c->deadline, now))
		return false;
	o->end = PENDING_SLOW;
	return true;
}

bool
pending_next_end(struct pending_set *set, int64_t now, struct pending_outcome *o)
{
	unsigned i;

	if (set == NULL)
		return false;
	i = set->in_round ? set->cursor : set->count;
	while (i-- > 0) {
		if (ended(&set->conn[i], now, o)) {
			finish(set, i, o);
			set->in_round = true;
			set->cursor = i;
			return true;
		}
	}
	set->in_round = false;
	return false;
}

void
pending_describe_failure(const struct pending_outcome *o, unsigned proxy_timeout, char *what,
	size_t len)
{
	switch (o->end) {
	case PENDING_MISSING:
		snprintf(what, len, "closed before a PROXY header (%s)", o->why);
		break;
	case PENDING_TRUNCATED:
		snprintf(what, len, "closed part way through a PROXY header (%s)", o->why);
		break;
	case PENDING_MALFORMED:
		snprintf(what, len, "bad PROXY header: %s", o->why);
		break;
	default:
		snprintf(what, len, "no complete PROXY header in %u s (--proxy-timeout)",
			proxy_timeout);
		break;
	}
}
