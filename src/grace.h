/* A connection from a source at its --max-per-source cap waits a moment before it is refused.
 * The cap counts the client's open connections, and a client's FIN always precedes its next
 * SYN; but a FIN that arrives while the child is inside a read() on that socket waits in the
 * socket's backlog until the read returns (longer if the child is preempted meanwhile), so the
 * new connection can be accepted before the old one shows as closed. The wait is short and
 * bounded in number: beyond GRACE_MAX waiting connections, refusals are immediate. The
 * waiting connections' descriptors are grace's until grace_take_settled hands them back. */
#ifndef HELLO_GRACE_H
#define HELLO_GRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admission.h"
#include "peer.h"

#define GRACE_MAX 64
#define GRACE_MS 200

struct grace_entry {
	int fd;
	struct peer peer; /* the client (the header's, when a balancer relayed it) */
	int64_t due;
};

struct grace {
	struct grace_entry e[GRACE_MAX];
	size_t n;
};

/* Takes fd to wait; false when full: the caller refuses at once. */
bool grace_add(struct grace *g, int fd, const struct peer *peer, int64_t now);

/* The earliest due time, or DEADLINE_OFF. */
int64_t grace_due(const struct grace *g);

/* Takes out the next connection whose wait is over: its source has room again admission says
 * (*room true), or its moment has passed, or the master is stopping (*room false: the caller
 * asks once more, after reaping, before refusing). false when every one still waits. */
bool grace_take_settled(struct grace *g, const struct admission *a, int64_t now, bool stopping,
	struct grace_entry *out, bool *room);

/* Closes every waiting connection (the master's teardown). */
void grace_close_all(struct grace *g);

#endif
