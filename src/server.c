/* The connection's path through the master (accept, admit, fork, reap) and the loop that drives
 * it: compute the next deadline, poll, dispatch. */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "deadline.h"
#include "log.h"
#include "master.h"
#include "nofork.h"
#include "reload.h"
#include "signals.h"
#include "stamp.h"
#include "util.h"

#define BACKOFF_MAX_MS 1600
/* Accepts per listener per wake-up: enough to drain a burst, few enough to stay fair to the
 * other listeners and to signals. */
#define ACCEPT_BATCH 64

/* ---- reaping --------------------------------------------------------------------------- */

/* The one place children are reaped: on SIGCHLD, and when the answer to "is there room" is
 * no, since children that have exited but are not reaped yet still count. */
static void
reap(struct server *s)
{
	int status;
	pid_t pid;

	while (children_count(s->children) > 0 && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
		enum greet_end end;
		bool known;

		if (!children_remove(s->children, pid))
			continue;
		/* Its exit status says how the greeting ended; anything else counts as an error. */
		known = child_end_of(status, &end);
		status_greeting_ended(&s->status, end);
		status_changed(&s->status);
		if (WIFSIGNALED(status) && s->stop.phase < TERMINATING)
			log_msg(LOG_WARNING, "child %d was killed by signal %d (%s)", (int)pid,
				WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (WIFEXITED(status) && (!known || end == GREET_ERROR))
			log_msg(LOG_WARNING, "child %d exited with status %d", (int)pid,
				WEXITSTATUS(status));
	}
}

static struct status_census
census(const struct server *s)
{
	const struct quotes *q = greeting_quotes(&s->greeting);

	return (struct status_census){ children_count(s->children), s->pending != NULL,
		pending_count(s->pending), (unsigned)s->grace.n, s->max_children,
		q != NULL ? (unsigned)q->count : 0, s->admission.rate != NULL };
}

/* ---- admitting a client ---------------------------------------------------------------- */

static void
back_off(struct server *s, int *backoff_ms, int64_t now)
{
	s->paused_until = now + *backoff_ms;
	if (*backoff_ms < BACKOFF_MAX_MS)
		*backoff_ms *= 2;
}

/* Out of line, as fork_failed: their buffers on the stack of every admission would deepen the
 * stack each connection's fork makes the master fault on, page by page. */
static __attribute__((noinline)) void
refuse(struct server *s, int fd, enum event kind, const struct peer *p, int64_t now,
	const char *why)
{
	char who[PEER_TEXT_MAX];

	close(fd);
	peer_describe(p, who, sizeof(who));
	events_note(&s->status.ev, kind, now, LOG_NOTICE, "refused %s: %s", who, why);
	status_changed(&s->status);
}

static void
refuse_for(struct server *s, int fd, enum verdict v, const struct peer *p, int64_t now)
{
	static const enum event kind[] = {
		[REFUSE_DENIED] = EV_DENIED,
		[REFUSE_NOT_ALLOWED] = EV_NOT_ALLOWED,
		[REFUSE_SOURCE] = EV_SOURCE,
		[REFUSE_RATE] = EV_RATE,
	};
	char why[96];

	refuse(s, fd, kind[v], p, now, admission_reason(&s->admission, v, why, sizeof(why)));
}

/* Served, but not held to the rate: its table is full (of sources short of tokens, but for those
 * refilled since its last pass). */
static void
note_unmetered(struct server *s, const struct peer *p, int64_t now)
{
	char who[PEER_TEXT_MAX];

	peer_describe(p, who, sizeof(who));
	events_note(&s->status.ev, EV_RATE_UNTRACKED, now, LOG_WARNING,
		"not metering %s: --max-rate-per-source already tracks %u sources", who,
		SOURCERATE_MAX_SOURCES);
	status_changed(&s->status);
}

static __attribute__((noinline)) void
fork_failed(struct server *s, const struct peer *p, int64_t now)
{
	char who[PEER_TEXT_MAX];

	peer_describe(p, who, sizeof(who));
	events_note(&s->status.ev, EV_FORK_FAIL, now, LOG_ERR,
		"fork failed: %s; closed the connection from %s without a greeting",
		strerror(errno), who);
	back_off(s, &s->fork_backoff_ms, now);
}

/* Every connection reaches here with a child's place kept for it (at_cap): a child is never
 * forked past --max-children, nor left untracked. */
static void
spawn(struct server *s, int fd, const struct peer *p, int64_t now)
{
	/* The balancer's own connections count against no source: they get a key of their own
	 * that no client can have. */
	static const struct srckey none = { { 0 } };
	struct child_job job = {
		.fd = fd,
		.peer = p,
		.msg = s->greeting.msg,
		.timeout = s->opt->timeout,
		.quiet = s->opt->quiet || p->balancer_own,
		.with_quotes = greeting_quotes(&s->greeting) != NULL,
		.quotes = s->greeting.quotes,
		.random_quote = s->opt->random_quote,
		.now = now,
	};
	pid_t pid;

	/* Once the children are told to end, nothing is served any more: every way here is shut
	 * then (abandon_the_unserved), and this makes sure. */
	if (s->stop.phase >= TERMINATING) {
		close(fd);
		return;
	}
	if (children_count(s->children) >= s->max_children) {
		refuse(s, fd, EV_CAP, p, now, "no room for another child (--max-children)");
		return;
	}
	stamp_refresh(time(NULL)); /* the child's log line then needs no localtime(3) */
	pid = child_start(&job);
	if (pid < 0) {
		fork_failed(s, p, now);
	} else {
		s->fork_backoff_ms = BACKOFF_MIN_MS;
		children_add(s->children, pid, p->balancer_own ? &none : &p->key);
		status_served(&s->status, p->balancer_own);
		/* Held for --max-per-source, which counts the client's open connections. */
		if (s->opt->max_per_source > 0 && !p->balancer_own &&
			children_hold(s->children, pid, fd))
			return;
	}
	close(fd);
}

/* Asks admission; a source that looks full may only have exited children not reaped yet, so
 * the master reaps and asks again. */
static enum verdict
ask_admission(struct server *s, const struct peer *p)
{
	enum verdict v = admission_check(&s->admission, p);

	if (v == REFUSE_SOURCE) {
		reap(s);
		v = admission_check(&s->admission, p);
	}
	return v;
}

/* The one way in for every client, direct or relayed: the lists, the source's rate (a token
 * for each connection the lists let in) and its cap, then a child. One at its source's cap
 * waits a moment (grace.h) before it is refused. */
static void
admit(struct server *s, int fd, const struct peer *p, int64_t now)
{
	enum verdict v = ask_admission(s, p), rate;

	if (v == REFUSE_DENIED || v == REFUSE_NOT_ALLOWED) {
		refuse_for(s, fd, v, p, now);
		return;
	}
	rate = admission_take_rate(&s->admission, p, now);
	if (rate == REFUSE_RATE) {
		refuse_for(s, fd, rate, p, now);
		return;
	}
	if (rate == ADMIT_UNMETERED)
		note_unmetered(s, p, now);
	if (v == ADMIT)
		spawn(s, fd, p, now);
	else if (v != REFUSE_SOURCE || s->stop.phase != SERVING ||
		!grace_add(&s->grace, fd, p, now))
		refuse_for(s, fd, v, p, now); /* once stopping, no slot is worth a wait */
}

/* Those waiting at their source's cap: served once it frees up (each has a child's place kept
 * for it), refused when their moment is over (or the master stops) and it has not. */
static void
settle_waiting(struct server *s, int64_t now)
{
	struct grace_entry e;
	bool room;

	while (grace_take_settled(&s->grace, &s->admission, now, s->stop.phase != SERVING, &e,
		&room)) {
		if (room || ask_admission(s, &e.peer) == ADMIT)
			spawn(s, e.fd, &e.peer, now);
		else
			refuse_for(s, e.fd, REFUSE_SOURCE, &e.peer, now);
	}
}

/* ---- connections from a balancer ------------------------------------------------------- */

static bool
from_balancer(const struct server *s, const struct peer *p)
{
	return s->pending != NULL &&
		cidr_list_contains(s->opt->proxy_from, s->opt->nproxy_from,
			(const struct sockaddr *)&p->addr);
}

static void
header_failed(struct server *s, const struct pending_outcome *o, int64_t now)
{
	static const enum event kind[] = {
		[PENDING_MISSING] = EV_PROXY_MISSING,
		[PENDING_TRUNCATED] = EV_PROXY_TRUNCATED,
		[PENDING_MALFORMED] = EV_PROXY_BAD,
		[PENDING_SLOW] = EV_PROXY_SLOW,
	};
	char who[PEER_TEXT_MAX], what[96];

	peer_describe(&o->peer, who, sizeof(who));
	pending_describe_failure(o, s->opt->proxy_timeout, what, sizeof(what));
	events_note(&s->status.ev, kind[o->end], now, LOG_NOTICE,
		"no greeting for balancer %s: %s; %zu bytes: '%s'", who, what, o->got, o->shown);
	status_changed(&s->status);
}

/* Every header that ended this round: a complete one admits its client. */
static void
settle_headers(struct server *s, int64_t now)
{
	struct pending_outcome o;

	while (pending_next_end(s->pending, now, &o)) {
		if (o.end == PENDING_HEADER)
			admit(s, o.fd, &o.peer, now);
		else
			header_failed(s, &o, now);
	}
}

/* ---- accepting ------------------------------------------------------------------------- */

/* A child's place is taken by each child, each pending header and each client waiting for
 * its source's slot: the last two become children without asking again. */
static unsigned
places_taken(const struct server *s)
{
	return children_count(s->children) + pending_count(s->pending) + (unsigned)s->grace.n;
}

/* With every child's place taken, or every descriptor for a pending header, connections wait
 * in the backlog. */
static bool
at_cap(const struct server *s)
{
	return places_taken(s) >= s->max_children || pending_count(s->pending) >= s->max_pending;
}

static void
note_cap(struct server *s, int64_t now)
{
	unsigned kids = children_count(s->children), pend = pending_count(s->pending);
	size_t waiting = s->grace.n;

	if (s->max_children < s->opt->max_children ||
		(s->max_pending < s->opt->max_children && pend >= s->max_pending))
		events_note(&s->status.ev, EV_CAP, now, LOG_NOTICE,
			"reached what the descriptor limit leaves room for (%u %s, %u PROXY %s "
			"pending, %zu waiting for --max-per-source): new connections wait in the "
			"backlog",
			kids, kids == 1 ? "child" : "children", pend,
			pend == 1 ? "header" : "headers", waiting);
	else if (kids >= s->max_children)
		events_note(&s->status.ev, EV_CAP, now, LOG_NOTICE,
			"reached --max-children %u: new connections wait in the backlog",
			s->max_children);
	else
		events_note(&s->status.ev, EV_CAP, now, LOG_NOTICE,
			"reached --max-children %u with %u %s, %u PROXY %s pending and %zu %s for "
			"--max-per-source: new connections wait in the backlog",
			s->max_children, kids, kids == 1 ? "child" : "children", pend,
			pend == 1 ? "header" : "headers", waiting,
			waiting == 1 ? "client waiting" : "clients waiting");
}

/* Whether another connection may be taken. At the cap, children that have exited may not be
 * reaped yet: the master reaps and asks again, and tells the operator once each time the cap
 * is reached. */
static bool
room_for_more(struct server *s, int64_t now)
{
	bool full = at_cap(s);

	if (full) {
		reap(s);
		full = at_cap(s);
	}
	if (full && !s->at_cap)
		note_cap(s, now);
	s->at_cap = full;
	return !full;
}

static void
accepted(struct server *s, int fd, const struct sockaddr_storage *raw, int64_t now)
{
	struct peer p;

	peer_from_accept(&p, (const struct sockaddr *)raw, now);
	status_accepted(&s->status);
	if (!from_balancer(s, &p))
		admit(s, fd, &p, now);
	else if (!pending_add(s->pending, fd, &p, now + (int64_t)s->opt->proxy_timeout * 1000))
		refuse(s, fd, EV_CAP, &p, now, "no room for another PROXY header");
}

/* Accepts what is waiting on one listener; false when accepting must pause. */
static bool
accept_batch(struct server *s, int lfd, int64_t now)
{
	for (int i = 0; i < ACCEPT_BATCH && room_for_more(s, now); i++) {
		struct sockaddr_storage peer;
		int fd = listener_accept(lfd, &peer);

		if (fd >= 0) {
			s->accept_backoff_ms = BACKOFF_MIN_MS;
			accepted(s, fd, &peer, now);
			if (s->paused_until > now)
				return false;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		if (accept_error_is_transient(errno))
			continue;
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM, and anything unforeseen: retrying at once would
		 * spin; the connections wait in the backlog until descriptors or memory free up. */
		events_note(&s->status.ev, EV_ACCEPT_FAIL, now, LOG_ERR,
			"accept failed: %s; pausing for %d ms", strerror(errno),
			s->accept_backoff_ms);
		back_off(s, &s->accept_backoff_ms, now);
		return false;
	}
	return true;
}

/* ---- stopping -------------------------------------------------------------------------- */

static void
drain(struct server *s, int64_t now)
{
	stop_drain(&s->stop, &s->notify, s->opt->timeout,
		s->pending != NULL ? s->opt->proxy_timeout : 0, now);
}

/* Connections the kernel completed before the stop began are clients we already answered
 * SYN-ACK to: greet them (as many as were queued then, so a flood cannot keep us here), or,
 * at --max-children, say how many are closed unserved. A balancer's go to the pending stage
 * like any other, and are finished while draining. */
static void
greet_the_queued(struct server *s, int64_t now)
{
	unsigned dropped = 0;

	for (size_t i = 0; i < s->nlisteners; i++) {
		for (unsigned n = listener_queued(s->listeners[i].fd); n > 0; n--) {
			struct sockaddr_storage peer;
			int fd = listener_accept(s->listeners[i].fd, &peer);

			if (fd < 0 && accept_error_is_transient(errno))
				continue;
			if (fd < 0)
				break;
			if (!room_for_more(s, now)) {
				/* Accepted all the same: accepted_total counts every connection. */
				status_accepted(&s->status);
				close(fd);
				dropped++;
				continue;
			}
			accepted(s, fd, &peer, now);
		}
	}
	if (dropped > 0)
		log_msg(LOG_NOTICE,
			"stopping with every child's place taken (--max-children): closed %u %s "
			"waiting in the backlog without a greeting",
			dropped, dropped == 1 ? "connection" : "connections");
}

/* The end of the drain (its deadline, or a second SIGTERM): the headers still pending and the
 * clients still waiting for their source's slot are closed unserved, at once; with no child
 * left, the master exits. */
static void
abandon_the_unserved(struct server *s)
{
	unsigned headers = pending_close_all(s->pending), waiting = (unsigned)s->grace.n;

	if (headers + waiting == 0)
		return;
	grace_close_all(&s->grace);
	status_changed(&s->status);
	log_msg(LOG_NOTICE,
		"stopping: closed %u pending PROXY %s and %u %s for --max-per-source without a "
		"greeting",
		headers, headers == 1 ? "header" : "headers", waiting,
		waiting == 1 ? "client waiting" : "clients waiting");
}

static void
begin_stop(struct server *s, int signo, int64_t now)
{
	unsigned n;

	if (s->stop.phase == TERMINATING) { /* a third: no more grace */
		stop_kill(&s->stop, s->children);
		return;
	}
	if (s->stop.phase == DRAINING) {
		stop_terminate(&s->stop, s->children, now);
		abandon_the_unserved(s);
		return;
	}
	if (s->stop.phase != SERVING)
		return;
	/* Those waiting for their source's slot are settled first (and nobody waits from now
	 * on), so that the places they free go to the queued. */
	drain(s, now);
	settle_waiting(s, now);
	greet_the_queued(s, now);
	listeners_close(s->listeners, s->nlisteners);
	s->listeners = NULL;
	s->nlisteners = 0;
	n = children_count(s->children);
	log_msg(LOG_NOTICE, "stopping on SIG%s: %u %s still running", sigabbrev_np(signo), n,
		n == 1 ? "child" : "children");
}

/* A listener that reports an error or a hang-up would wake poll at once forever: drop it, and
 * stop with an error status when none is left, so that a supervisor restarts us. */
static void
drop_failed_listeners(struct server *s, size_t n, int64_t now)
{
	char why[128], name[ADDR_TEXT_MAX];
	unsigned kids;

	/* Backwards: dropping a listener renumbers those after it. */
	for (size_t i = n; i-- > 0;) {
		short ev = s->pollset[i].revents;
		size_t l = s->watch[i].index;

		if (s->watch[i].kind != WATCH_LISTENER || !(ev & (POLLERR | POLLHUP | POLLNVAL)))
			continue;
		strlcpy(name, s->listeners[l].name, sizeof(name));
		listener_drop(s->listeners, &s->nlisteners, l, ev, why, sizeof(why));
		log_msg(LOG_ERR, "listener %s: %s; no longer listening there", name, why);
	}
	if (s->nlisteners > 0 || s->stop.phase != SERVING)
		return;
	s->stop.exit_code = EX_UNAVAILABLE;
	drain(s, now);
	kids = children_count(s->children);
	log_msg(LOG_ERR, "no listener left: stopping; %u %s still running", kids,
		kids == 1 ? "child" : "children");
}

/* ---- signals --------------------------------------------------------------------------- */

static void
reload_greeting(struct server *s, struct reload_waiters *waiters)
{
	int rc;

	notify_send(&s->notify, "RELOADING=1");
	rc = greeting_reload(&s->greeting);
	status_reloaded(&s->status, rc == 0);
	notify_send(&s->notify, "READY=1");
	reload_answer(waiters, rc);
}

/* Reads every pending signal first, then acts in a fixed order: reaping before the status
 * line and before stopping, so both see the children as they are. */
static void
handle_signals(struct server *s, int64_t now)
{
	struct signal_requests r;

	signals_read(s->sigfd, &r);
	if (r.reap)
		reap(s);
	if (r.reload)
		reload_greeting(s, &r.waiters);
	if (r.status) {
		struct status_census c = census(s);

		status_log(&s->status, &c, now);
	}
	while (r.stops-- > 0)
		begin_stop(s, r.stop, now);
}

/* ---- the loop -------------------------------------------------------------------------- */

static void
run_timers(struct server *s, int64_t now)
{
	struct status_census c;

	if (s->grace.n > 0)
		settle_waiting(s, now);
	c = census(s);
	status_tick(&s->status, &s->notify, &c, now);
	log_retry(now);
	stop_tick(&s->stop, s->children, now);
	if (s->stop.phase >= TERMINATING)
		abandon_the_unserved(s);
}

static int64_t
next_deadline(const struct server *s, bool paused)
{
	int64_t due = status_due(&s->status, &s->notify);

	due = deadline_earliest(due, grace_due(&s->grace));
	if (paused)
		due = deadline_earliest(due, s->paused_until);
	due = deadline_earliest(due, s->stop.deadline);
	due = deadline_earliest(due, log_due());
	return deadline_earliest(due, pending_due(s->pending));
}

static size_t
watch(struct server *s, size_t n, int fd, int kind, size_t index)
{
	s->pollset[n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	s->watch[n] = (struct watch){ .kind = kind, .index = index };
	return n + 1;
}

/* The signal descriptor, the listeners when accepting, then every pending header. */
static size_t
fill_pollset(struct server *s, bool accepting)
{
	size_t n = watch(s, 0, s->sigfd, WATCH_SIGNALS, 0), first;

	for (size_t i = 0; accepting && i < s->nlisteners; i++)
		n = watch(s, n, s->listeners[i].fd, WATCH_LISTENER, i);
	if (s->pending == NULL)
		return n;
	first = n;
	n += pending_pollset(s->pending, s->pollset + n);
	for (size_t i = first; i < n; i++)
		s->watch[i] = (struct watch){ .kind = WATCH_HEADER, .index = i - first };
	return n;
}

/* Returns 0, or the exit code when the master cannot go on. */
static int
dispatch(struct server *s, size_t n, int64_t now)
{
	bool signals = false, listener_failed = false;

	for (size_t i = 0; i < n; i++) {
		short ev = s->pollset[i].revents;

		if (ev == 0)
			continue;
		if (s->watch[i].kind == WATCH_SIGNALS && (ev & (POLLERR | POLLHUP | POLLNVAL))) {
			log_msg(LOG_ERR, "poll: the signal descriptor failed");
			return EX_OSERR;
		}
		if (s->watch[i].kind == WATCH_SIGNALS)
			signals = true;
		else if (s->watch[i].kind == WATCH_HEADER)
			pending_ready(s->pending, s->watch[i].index);
		else if (ev & (POLLERR | POLLHUP | POLLNVAL))
			listener_failed = true;
	}
	if (signals)
		handle_signals(s, now);
	/* Every late header is cut even when nothing else happened. */
	settle_headers(s, now);
	if (s->stop.phase != SERVING)
		return 0;
	if (listener_failed) {
		drop_failed_listeners(s, n, now); /* renumbered: accept on the next round */
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (s->watch[i].kind == WATCH_LISTENER && (s->pollset[i].revents & POLLIN) &&
			!accept_batch(s, s->pollset[i].fd, now))
			break;
	return 0;
}

/* The poll set's room: the signal descriptor, the listeners, and every pending header; one
 * block for the descriptors and their records. Allocated last, as the loop starts, where
 * fork leaves it out: poll writes it on every round. */
static bool
alloc_pollset(struct server *s)
{
	size_t room = 1 + s->nlisteners + (s->pending != NULL ? s->opt->max_children : 0);

	s->pollset = nofork_calloc(room, sizeof(*s->pollset) + sizeof(*s->watch));
	if (s->pollset == NULL)
		return false;
	s->watch = (struct watch *)(s->pollset + room);
	return true;
}

/* The loop, and every frame below it up to fork's: about 2 KiB. */
static __attribute__((noinline)) int
loop(void *master)
{
	struct server *s = master;
	struct status_census c;

	for (;;) {
		int64_t now = mono_ms(), due;
		bool paused, accepting;
		size_t n;
		int ready, rc, timeout = -1;

		/* First: a wait that ends here may free a place, and the listeners are polled on
		 * what is left. */
		run_timers(s, now);
		paused = now < s->paused_until;
		accepting = s->stop.phase == SERVING && !paused && room_for_more(s, now);
		if (s->stop.phase != SERVING && children_count(s->children) == 0 &&
			pending_count(s->pending) == 0)
			break;
		due = next_deadline(s, paused);
		if (due != DEADLINE_OFF)
			timeout = ms_until(due);
		n = fill_pollset(s, accepting);
		ready = poll(s->pollset, n, timeout);
		if (ready < 0 && errno != EINTR) {
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			return EX_OSERR;
		}
		if (ready >= 0 && (rc = dispatch(s, n, mono_ms())) != 0)
			return rc;
	}
	c = census(s);
	status_log_exit(&s->status, &c);
	log_retry(INT64_MAX); /* a last try for the lines syslog has not taken yet */
	return s->stop.exit_code;
}

int
server_run(struct server *s)
{
	if (!alloc_pollset(s)) {
		log_msg(LOG_ERR, "out of memory");
		return EX_OSERR;
	}
	notify_send(&s->notify, "READY=1");
	/* Each page the master writes while a child still shares it is copied for the master (a
	 * page fault), and it writes its frames between every two forks: from the top of a page,
	 * they all lie on that one page. */
	return run_from_the_top_of_a_stack_page(loop, s);
}
