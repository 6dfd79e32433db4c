/* The master's record, private to server.c (the connection's path and the loop) and setup.c
 * (which builds and tears it down). It is made of parts that each own their data: the other
 * files take only their own part. */
#ifndef HELLO_MASTER_H
#define HELLO_MASTER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admission.h"
#include "children.h"
#include "grace.h"
#include "greeting.h"
#include "listen.h"
#include "notify.h"
#include "options.h"
#include "pending.h"
#include "status.h"
#include "stop.h"

/* What a descriptor in the poll set is: poll's answer goes to the handler this names. */
struct watch {
	enum { WATCH_SIGNALS, WATCH_LISTENER, WATCH_HEADER } kind;
	size_t index; /* into the listeners, or pending_pollset's numbering */
};

struct server {
	const struct options *opt;
	struct listener *listeners;
	size_t nlisteners;
	struct greeting greeting;
	struct stop stop;
	struct children *children;
	struct admission admission;
	struct pending_set *pending; /* NULL without --proxy-from */
	struct notifier notify;
	int sigfd;
	struct pollfd *pollset;
	struct watch *watch; /* watch[i] says what pollset[i] is; in pollset's allocation */

	int64_t paused_until; /* accept or fork failed: not accepting until then */
	/* The next pause after a failed accept, and after a failed fork: each doubles while its
	 * own call keeps failing and is reset when it succeeds again (a successful accept says
	 * nothing about the next fork). */
	int accept_backoff_ms;
	int fork_backoff_ms;
	/* --max-children, or fewer where the descriptor limit leaves room for fewer held
	 * connections: a child's place for each child, pending header and waiting client. */
	unsigned max_children;
	/* Without -s only pending headers hold descriptors: as many as the limit leaves room for. */
	unsigned max_pending;
	bool at_cap; /* as last noted */
	/* fork() makes every page the master writes while a child lives a page fault: the fields
	 * written per connection (the backoffs above, the status's counters) stay together, and
	 * grace, large and rarely written, comes last. */
	struct status status;
	struct grace grace; /* connections at their source's cap, refused unless it frees up */
};

#define BACKOFF_MIN_MS 100

#endif
