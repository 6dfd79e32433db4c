#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "admission.h"
#include "child.h"
#include "children.h"
#include "config.h"
#include "deadline.h"
#include "escape.h"
#include "events.h"
#include "grace.h"
#include "listen.h"
#include "log.h"
#include "message.h"
#include "notify.h"
#include "peer.h"
#include "pending.h"
#include "privdrop.h"
#include "proctitle.h"
#include "quotes.h"
#include "reload.h"
#include "timezone.h"
#include "util.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1600
/* Accepts per listener per wake-up: enough to drain a burst, few enough to stay fair to the
 * other listeners and to signals. */
#define ACCEPT_BATCH 64
#define STATUS_INTERVAL_MS 1000
/* After SIGTERM reaches the children that outlived the drain, how long before SIGKILL. */
#define KILL_GRACE_MS 5000

/* The stop sequence, in order. Each phase but the first and the last ends at phase_deadline. */
enum phase {
	SERVING,
	DRAINING,    /* listeners closed; children and pending headers finish on their own */
	TERMINATING, /* the children left got SIGTERM */
	KILLED,      /* ... and then SIGKILL */
};

struct server {
	const struct options *opt;
	struct listener *listeners;
	size_t nlisteners;
	struct message msg;
	struct quotes quotes; /* count 0 without --quotes */
	struct children *children;
	struct admission admission;
	struct pending_set *pending; /* NULL without --proxy-from */
	struct events ev;
	struct grace grace; /* connections at their source's cap, refused unless it frees up */
	struct notifier notify;
	int sigfd;
	struct pollfd *pollset;
	uint64_t served;
	uint64_t balancer_own; /* the balancers' own connections (health checks) greeted */
	int64_t started;

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
	bool at_cap;

	enum phase phase;
	int64_t phase_deadline;
	int exit_code; /* 0, or why the server stopped by itself */

	bool status_dirty;
	int64_t status_due;
	uint64_t lost_shown; /* log lines lost, as last sent in STATUS= */
};

/* ---- set-up ---------------------------------------------------------------------------- */

/* A daemon started with 0, 1 or 2 closed would hand those numbers to clients. */
static int
ensure_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int null = open("/dev/null", O_RDWR);

		if (null < 0)
			return -1;
		if (null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
	return 0;
}

static int
load_message(struct server *s, char *err, size_t errlen)
{
	const char *text = s->opt->message_text ? s->opt->message_text : MESSAGE_DEFAULT;

	if (s->opt->message_file != NULL)
		return message_load_file(s->opt->message_file, &s->msg, err, errlen);
	if (s->opt->message_text == NULL && s->opt->quotes != NULL)
		return 0; /* the quote alone */
	return message_convert(text, strlen(text), &s->msg, err, errlen);
}

/* Every file the service reads is read here, as --user already (SIGHUP reads them again as that
 * user): a file only root may read fails now, by name, not at the first reload. Before binding,
 * so that a bad file is named whatever the state of the port. */
static int
read_service_files(struct server *s, const struct privdrop *drop, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	bool switched = false;
	size_t used;
	int rc;

	if (drop->wanted && geteuid() == 0 && drop->uid != 0) {
		if (setgroups(1, &drop->gid) != 0 || setegid(drop->gid) != 0 ||
			seteuid(drop->uid) != 0)
			return set_error(err, errlen, EX_OSERR, "cannot read files as %s: %s",
				drop->user, strerror(errno));
		switched = true;
	}
	rc = load_message(s, err, errlen);
	if (rc == 0 && s->opt->quotes != NULL)
		rc = quotes_load_all(s->opt->quotes, s->opt->nquotes, &s->quotes, err, errlen);
	if (switched && (seteuid(0) != 0 || setegid(0) != 0) && rc == 0)
		rc = set_error(err, errlen, EX_OSERR,
			"cannot become root again after reading files as %s: %s", drop->user,
			strerror(errno));
	tzset(); /* once, here: a child's localtime_r then reads no time zone file */
	if (rc != 0 && s->opt->user != NULL && (used = strlen(err)) < errlen)
		snprintf(err + used, errlen - used, " (read as --user %s)",
			escape_str(shown, sizeof(shown), s->opt->user));
	return rc;
}

static int
open_listeners(struct server *s, bool *activated, char *err, size_t errlen)
{
	unsigned inherited = 0;
	int rc = listen_fds_from_env(&inherited, err, errlen);

	*activated = inherited > 0;
	if (rc != 0)
		return rc;
	if (inherited > 0)
		return listeners_inherit(inherited, &s->listeners, &s->nlisteners, err, errlen);
	return listeners_bind(s->opt->listen, s->opt->nlisten, s->opt->backlog, &s->listeners,
		&s->nlisteners, err, errlen);
}

static int
open_signalfd(struct server *s, char *err, size_t errlen)
{
	sigset_t set;

	/* Nobody reads from a greeting socket's broken pipe: every send says MSG_NOSIGNAL too. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, RELOAD_REQUEST_SIGNAL);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return set_error(err, errlen, EX_OSERR, "sigprocmask: %s", strerror(errno));
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return set_error(err, errlen, EX_OSERR, "signalfd: %s", strerror(errno));
	return 0;
}

/* Served all the same: the limit is the operator's to keep. */
static void
warn_if_long(const struct message *m)
{
	if (m->len > MESSAGE_RFC865_MAX)
		log_msg(LOG_WARNING, "the greeting is %zu bytes; RFC 865 asks for less than %d",
			m->len, MESSAGE_RFC865_MAX);
}

static void
log_quotes(const struct server *s, bool reloaded)
{
	const char *when = reloaded ? "SIGHUP: read again " : "";
	char shown[512], summary[256];
	const struct quotes *q = &s->quotes;

	if (s->opt->quotes == NULL)
		return;
	quotes_paths_shown(s->opt->quotes, s->opt->nquotes, shown, sizeof(shown));
	log_msg(LOG_INFO, "%squotes %s: %s; %s", when, shown,
		quotes_summary(q, summary, sizeof(summary)),
		s->opt->random_quote ? "a random quote per connection" : "the quote of the day");
	if (q->passed_over > 0)
		log_msg(LOG_WARNING, "%squotes: passed over %u %s: %s", reloaded ? "SIGHUP: " : "",
			q->passed_over, q->passed_over == 1 ? "entry" : "entries",
			q->passed_over_text);
}

static void
log_start(const struct server *s, bool activated)
{
	char names[1024] = "", shown[ESCAPE_MAX];
	size_t used = 0;

	for (size_t i = 0; i < s->nlisteners && used < sizeof(names); i++) {
		int n = snprintf(names + used, sizeof(names) - used, "%s%s", i > 0 ? ", " : "",
			s->listeners[i].name);

		if (n < 0 || (size_t)n >= sizeof(names) - used) {
			strlcpy(names + sizeof(names) - 5, "...", 5);
			break;
		}
		used += (size_t)n;
	}
	log_msg(LOG_INFO, "hello-server %s started; listening on %s%s", PACKAGE_VERSION, names,
		activated ? " (sockets from systemd)" : "");
	if (activated &&
		(s->opt->port_given || s->opt->backlog > 0 || s->opt->nlisten > 1 ||
			s->opt->listen[0].port_given || !s->opt->listen[0].wildcard_default))
		log_msg(LOG_NOTICE,
			"sockets from systemd: PORT, --listen and --backlog are ignored");
	warn_if_long(&s->msg);
	log_quotes(s, false);
	/* The user in force: the last --user given, root included. */
	if (geteuid() == 0 && s->opt->user == NULL)
		log_msg(LOG_WARNING, "running as root: consider --user, or a systemd unit");
	else if (geteuid() == 0)
		log_msg(LOG_WARNING, "running as root (--user %s): consider an unprivileged --user",
			escape_str(shown, sizeof(shown), s->opt->user));
}

static void reap_now(void *ctx);

/* The master holds a descriptor for each child with --max-per-source, and for each pending
 * header; counted once everything else it keeps is open. */
static void
limit_to_descriptors(struct server *s)
{
	const struct options *o = s->opt;
	unsigned room = o->max_children;

	s->max_children = s->max_pending = o->max_children;
	if (o->max_per_source > 0 || s->pending != NULL)
		room = children_reserve_descriptors(o->max_children);
	if (room >= o->max_children)
		return;
	if (o->max_per_source > 0) {
		s->max_children = s->max_pending = room;
		log_msg(LOG_WARNING,
			"the descriptor limit leaves room for %u children, below --max-children %u: "
			"beyond that, connections wait in the backlog",
			room, o->max_children);
	} else {
		s->max_pending = room;
		log_msg(LOG_WARNING,
			"the descriptor limit leaves room for %u pending PROXY headers, below "
			"--max-children %u: beyond that, connections wait in the backlog",
			room, o->max_children);
	}
}

int
server_setup(struct server **out, const struct options *o, char *err, size_t errlen)
{
	struct server *s = calloc(1, sizeof(*s));
	struct privdrop drop = { .wanted = false };
	char why[256];
	bool activated = false;
	int rc;

	*out = NULL;
	if (s == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory");
	s->opt = o;
	s->sigfd = -1;
	s->notify.fd = -1;
	s->accept_backoff_ms = BACKOFF_MIN_MS;
	s->fork_backoff_ms = BACKOFF_MIN_MS;
	events_init(&s->ev, EVENTS_INTERVAL_MS);
	*out = s;
	if (ensure_stdio() != 0)
		return set_error(err, errlen, EX_OSERR, "cannot open /dev/null: %s",
			strerror(errno));
	s->children = children_new(o->max_children);
	if (s->children == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory for %u children",
			o->max_children);
	s->admission = (struct admission){ { o->allow, o->nallow, o->deny, o->ndeny },
		o->max_per_source, s->children, reap_now, s };
	/* Direct clients pay nothing for the PROXY protocol: no buffers unless it is used. */
	if (o->nproxy_from > 0 && (s->pending = pending_new(o->max_children)) == NULL)
		return set_error(err, errlen, EX_OSERR,
			"out of memory for %u pending PROXY headers", o->max_children);
	if (o->user != NULL && (rc = privdrop_resolve(o->user, &drop, err, errlen)) != 0)
		return rc;
	if ((rc = read_service_files(s, &drop, err, errlen)) != 0)
		return rc;
	if ((rc = open_listeners(s, &activated, err, errlen)) != 0)
		return rc;
	if ((rc = privdrop_apply(&drop, err, errlen)) != 0)
		return rc;
	if ((rc = open_signalfd(s, err, errlen)) != 0)
		return rc;
	/* The log socket is opened last, right below where clients will be accepted: a child keeps
	 * those two and closes everything else in two calls. */
	rc = notify_open(&s->notify, why, sizeof(why));
	log_open(o->debug);
	if (rc != 0)
		log_msg(LOG_WARNING, "not notifying systemd: %s", why);
	s->started = mono_ms();
	proctitle_set("master");
	log_start(s, activated);
	limit_to_descriptors(s);
	return 0;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	listeners_close(s->listeners, s->nlisteners);
	for (size_t i = 0; i < s->grace.n; i++)
		close(s->grace.e[i].fd);
	message_free(&s->msg);
	quotes_free(&s->quotes);
	children_free(s->children);
	pending_free(s->pending);
	free(s->pollset);
	notify_close(&s->notify);
	if (s->sigfd >= 0)
		close(s->sigfd);
	free(s);
}

/* ---- counters and status --------------------------------------------------------------- */

static uint64_t
refused(const struct server *s)
{
	return s->ev.count[EV_SOURCE] + s->ev.count[EV_DENIED];
}

static uint64_t
bad_headers(const struct server *s)
{
	return s->ev.count[EV_PROXY_MISSING] + s->ev.count[EV_PROXY_TRUNCATED] +
		s->ev.count[EV_PROXY_BAD] + s->ev.count[EV_PROXY_SLOW];
}

static void
send_status(struct server *s, int64_t now)
{
	char state[256];
	unsigned n = children_count(s->children);
	uint64_t lost = log_lost_syslog() + log_lost_stderr();
	int len = snprintf(state, sizeof(state),
		"STATUS=%u %s, %" PRIu64 " served, %" PRIu64 " refused", n,
		n == 1 ? "child" : "children", s->served, refused(s));

	if (s->pending != NULL && len > 0 && (size_t)len < sizeof(state))
		len += snprintf(state + len, sizeof(state) - (size_t)len,
			", %" PRIu64 " balancer checks, %" PRIu64 " bad PROXY headers",
			s->balancer_own, bad_headers(s));
	if (lost > 0 && len > 0 && (size_t)len < sizeof(state))
		snprintf(state + len, sizeof(state) - (size_t)len, ", %" PRIu64 " log lines lost",
			lost);
	s->lost_shown = lost;
	notify_send(&s->notify, state);
	s->status_dirty = false;
	s->status_due = now + STATUS_INTERVAL_MS;
}

static void
log_proxy_status(const struct server *s)
{
	const uint64_t *n = s->ev.count;

	log_msg(LOG_INFO,
		"status: %u PROXY headers pending, %" PRIu64 " balancer checks greeted; closed "
		"without a greeting: %" PRIu64 " without a header, %" PRIu64
		" part way through one, %" PRIu64 " with a bad one, %" PRIu64 " at --proxy-timeout",
		pending_count(s->pending), s->balancer_own, n[EV_PROXY_MISSING],
		n[EV_PROXY_TRUNCATED], n[EV_PROXY_BAD], n[EV_PROXY_SLOW]);
}

static void
log_status(const struct server *s, int64_t now)
{
	const uint64_t *n = s->ev.count;
	unsigned alive = children_count(s->children);

	log_msg(LOG_INFO,
		"status: %u %s, %" PRIu64 " served, refused %" PRIu64
		" by --max-per-source and %" PRIu64
		" by the access list, --max-children reached %" PRIu64 " times, %" PRIu64
		" accept failures, %" PRIu64 " fork failures; up %lld s; log lines lost: %" PRIu64
		" to syslog, %" PRIu64 " to stderr",
		alive, alive == 1 ? "child" : "children", s->served, n[EV_SOURCE], n[EV_DENIED],
		n[EV_CAP], n[EV_ACCEPT_FAIL], n[EV_FORK_FAIL],
		(long long)((now - s->started) / 1000), log_lost_syslog(), log_lost_stderr());
	if (s->pending != NULL)
		log_proxy_status(s);
}

/* ---- admitting a client ---------------------------------------------------------------- */

static void reap(struct server *s);

static void
reap_now(void *ctx)
{
	reap(ctx);
}

static void
back_off(struct server *s, int *backoff_ms, int64_t now)
{
	s->paused_until = now + *backoff_ms;
	if (*backoff_ms < BACKOFF_MAX_MS)
		*backoff_ms *= 2;
}

static void
refuse(struct server *s, int fd, enum event kind, const struct peer *p, int64_t now,
	const char *why)
{
	char who[PEER_TEXT_MAX];

	close(fd);
	peer_describe(p, who, sizeof(who));
	events_note(&s->ev, kind, now, LOG_NOTICE, "refused %s: %s", who, why);
	s->status_dirty = true;
}

/* Every connection reaches here with a child's place kept for it (at_cap): a child is never
 * forked past --max-children, nor left untracked. */
static void
spawn(struct server *s, int fd, const struct peer *p, int64_t now)
{
	/* The balancer's own connections count against no source: they get a key of their own
	 * that no client can have. */
	static const struct srckey none = { { 0 } };
	pid_t pid;

	if (children_count(s->children) >= s->max_children) {
		refuse(s, fd, EV_CAP, p, now, "no room for another child (--max-children)");
		return;
	}
	pid = fork();

	if (pid == 0) {
		struct child_job job = { fd, p, &s->msg, s->opt->timeout,
			s->opt->quiet || p->balancer_own,
			s->opt->quotes != NULL ? &s->quotes : NULL, s->opt->random_quote };

		child_run(&job);
	}
	if (pid < 0) {
		char who[PEER_TEXT_MAX];

		peer_describe(p, who, sizeof(who));
		events_note(&s->ev, EV_FORK_FAIL, now, LOG_ERR,
			"fork failed: %s; closed the connection from %s without a greeting",
			strerror(errno), who);
		back_off(s, &s->fork_backoff_ms, now);
	} else {
		s->fork_backoff_ms = BACKOFF_MIN_MS;
		children_add(s->children, pid, p->balancer_own ? &none : &p->key);
		s->served++;
		if (p->balancer_own)
			s->balancer_own++;
		s->status_dirty = true;
		/* Held for --max-per-source, which counts the client's open connections. */
		if (s->opt->max_per_source > 0 && !p->balancer_own &&
			children_hold(s->children, pid, fd))
			return;
	}
	close(fd);
}

static void
refuse_for(struct server *s, int fd, enum verdict v, const struct peer *p, int64_t now)
{
	char why[64];

	refuse(s, fd, v == REFUSE_DENIED ? EV_DENIED : EV_SOURCE, p, now,
		admission_reason(&s->admission, v, why, sizeof(why)));
}

/* The one way in for every client, direct or relayed: the lists and caps, then a child. One at
 * its source's cap waits a moment (grace.h) before it is refused. */
static void
admit(struct server *s, int fd, const struct peer *p, int64_t now)
{
	enum verdict v = admission_check(&s->admission, p);

	if (v == ADMIT)
		spawn(s, fd, p, now);
	else if (v != REFUSE_SOURCE || s->phase != SERVING || !grace_add(&s->grace, fd, p, now))
		refuse_for(s, fd, v, p, now); /* once stopping, no slot is worth a wait */
}

/* Those waiting at their source's cap: served once it frees up (each has a child's place kept
 * for it), refused when their moment is over (or the server stops) and it has not. */
static void
recheck_waiting(struct server *s, int64_t now)
{
	bool stopping = s->phase != SERVING;

	for (size_t i = 0; i < s->grace.n;) {
		struct grace_entry e = s->grace.e[i];
		bool full = admission_check(&s->admission, &e.peer) != ADMIT;

		if (full && now < e.due && !stopping) {
			i++;
			continue;
		}
		grace_remove(&s->grace, i);
		if (full)
			refuse_for(s, e.fd, REFUSE_SOURCE, &e.peer, now);
		else
			spawn(s, e.fd, &e.peer, now);
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
	switch (o->end) {
	case PENDING_MISSING:
		snprintf(what, sizeof(what), "closed before a PROXY header (%s)", o->why);
		break;
	case PENDING_TRUNCATED:
		snprintf(what, sizeof(what), "closed part way through a PROXY header (%s)", o->why);
		break;
	case PENDING_MALFORMED:
		snprintf(what, sizeof(what), "bad PROXY header: %s", o->why);
		break;
	default:
		snprintf(what, sizeof(what), "no complete PROXY header in %u s (--proxy-timeout)",
			s->opt->proxy_timeout);
		break;
	}
	events_note(&s->ev, kind[o->end], now, LOG_NOTICE,
		"no greeting for balancer %s: %s; %zu bytes: '%s'", who, what, o->got, o->shown);
	s->status_dirty = true;
}

static void
header_ended(void *ctx, const struct pending_outcome *o, int64_t now)
{
	struct server *s = ctx;

	if (o->end == PENDING_HEADER)
		admit(s, o->fd, &o->peer, now);
	else
		header_failed(s, o, now);
}

/* ---- accepting ------------------------------------------------------------------------- */

static bool
accept_error_is_transient(int error)
{
	switch (error) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	/* Linux reports pending network errors of the new connection through accept. */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
	case ETIMEDOUT:
	case ECONNRESET:
		return true;
	default:
		return false;
	}
}

/* A child's place is taken by each child, each pending header and each client waiting for
 * its source's slot: the last two become children without asking again. */
static unsigned
places_taken(const struct server *s)
{
	return children_count(s->children) + pending_count(s->pending) + (unsigned)s->grace.n;
}

static void
note_cap(struct server *s, int64_t now)
{
	unsigned kids = children_count(s->children), pend = pending_count(s->pending);

	if (s->max_children < s->opt->max_children ||
		(s->max_pending < s->opt->max_children && pend >= s->max_pending))
		events_note(&s->ev, EV_CAP, now, LOG_NOTICE,
			"reached what the descriptor limit leaves room for (%u %s, %u PROXY %s "
			"pending, %zu waiting for --max-per-source): new connections wait in the "
			"backlog",
			kids, kids == 1 ? "child" : "children", pend,
			pend == 1 ? "header" : "headers", s->grace.n);
	else if (kids >= s->max_children)
		events_note(&s->ev, EV_CAP, now, LOG_NOTICE,
			"reached --max-children %u: new connections wait in the backlog",
			s->max_children);
	else
		events_note(&s->ev, EV_CAP, now, LOG_NOTICE,
			"reached --max-children %u with %u %s, %u PROXY %s pending and %zu %s for "
			"--max-per-source: new connections wait in the backlog",
			s->max_children, kids, kids == 1 ? "child" : "children", pend,
			pend == 1 ? "header" : "headers", s->grace.n,
			s->grace.n == 1 ? "client waiting" : "clients waiting");
}

/* With every child's place taken, or every descriptor for a pending header, connections wait
 * in the backlog. */
static bool
at_cap(struct server *s, int64_t now)
{
	if (places_taken(s) >= s->max_children)
		reap(s);
	if (places_taken(s) < s->max_children && pending_count(s->pending) < s->max_pending) {
		s->at_cap = false;
		return false;
	}
	if (!s->at_cap) {
		s->at_cap = true;
		note_cap(s, now);
	}
	return true;
}

static void
accepted(struct server *s, int fd, const struct sockaddr_storage *raw, int64_t now)
{
	struct peer p;

	peer_from_accept(&p, (const struct sockaddr *)raw, now);
	if (!from_balancer(s, &p))
		admit(s, fd, &p, now);
	else if (!pending_add(s->pending, fd, &p, now + (int64_t)s->opt->proxy_timeout * 1000))
		refuse(s, fd, EV_CAP, &p, now, "no room for another PROXY header");
}

/* Accepts what is waiting on one listener; false when accepting must pause. */
static bool
accept_batch(struct server *s, int lfd, int64_t now)
{
	for (int i = 0; i < ACCEPT_BATCH && !at_cap(s, now); i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

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
		events_note(&s->ev, EV_ACCEPT_FAIL, now, LOG_ERR,
			"accept failed: %s; pausing for %d ms", strerror(errno),
			s->accept_backoff_ms);
		back_off(s, &s->accept_backoff_ms, now);
		return false;
	}
	return true;
}

/* ---- children and signals -------------------------------------------------------------- */

static void
reap(struct server *s)
{
	int status;
	pid_t pid;

	while (children_count(s->children) > 0 && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (!children_remove(s->children, pid))
			continue;
		s->status_dirty = true;
		if (WIFSIGNALED(status) && s->phase < TERMINATING)
			log_msg(LOG_WARNING, "child %d was killed by signal %d (%s)", (int)pid,
				WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			log_msg(LOG_WARNING, "child %d exited with status %d", (int)pid,
				WEXITSTATUS(status));
	}
}

static int
reload_quotes(struct server *s)
{
	struct quotes fresh;
	char err[512];
	int rc;

	/* A time zone changed in /etc/localtime, or in the file TZ names, moves the quotes'
	 * midnight. */
	if (timezone_reread() != 0)
		log_msg(LOG_WARNING, "SIGHUP: out of memory to read the time zone again");
	if ((rc = quotes_load_all(s->opt->quotes, s->opt->nquotes, &fresh, err, sizeof(err))) !=
		0) {
		log_msg(LOG_ERR, "SIGHUP: keeping the old quotes: %s", err);
		return rc;
	}
	quotes_free(&s->quotes);
	s->quotes = fresh;
	log_quotes(s, true);
	return 0;
}

/* Returns 0, or the sysexits code of a message file that could not be used. */
static int
reload(struct server *s)
{
	char err[512], shown[ESCAPE_MAX];
	struct message fresh;
	int rc = 0, quotes_rc = 0;

	notify_send(&s->notify, "RELOADING=1");
	if (s->opt->quotes != NULL)
		quotes_rc = reload_quotes(s);
	if (s->opt->message_file == NULL) {
		if (s->opt->quotes == NULL)
			log_msg(LOG_NOTICE, "SIGHUP: no --message-file to read again");
	} else if ((rc = message_load_file(s->opt->message_file, &fresh, err, sizeof(err))) != 0) {
		log_msg(LOG_ERR, "SIGHUP: keeping the old message: %s", err);
	} else {
		message_free(&s->msg);
		s->msg = fresh;
		log_msg(LOG_INFO, "SIGHUP: read the message again from '%s' (%zu bytes)",
			escape_str(shown, sizeof(shown), s->opt->message_file), s->msg.len);
		warn_if_long(&s->msg);
	}
	notify_send(&s->notify, "READY=1");
	return rc != 0 ? rc : quotes_rc;
}

static void
terminate_children(struct server *s, int64_t now)
{
	unsigned n = children_signal_all(s->children, SIGTERM);

	s->phase = TERMINATING;
	s->phase_deadline = now + KILL_GRACE_MS;
	log_msg(LOG_NOTICE, "sent SIGTERM to %u %s", n, n == 1 ? "child" : "children");
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
			socklen_t len = sizeof(peer);
			int fd = accept4(s->listeners[i].fd, (struct sockaddr *)&peer, &len,
				SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd < 0 && accept_error_is_transient(errno))
				continue;
			if (fd < 0)
				break;
			if (at_cap(s, now)) {
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

/* Every child ends by its own deadline, a pending header by its own and then its child; a
 * second of slack for the log line. */
static void
start_draining(struct server *s, int64_t now)
{
	int64_t drain_ms = (int64_t)s->opt->timeout * 1000 + 1000;

	if (s->pending != NULL)
		drain_ms += (int64_t)s->opt->proxy_timeout * 1000;
	s->phase = DRAINING;
	s->phase_deadline = now + drain_ms;
	notify_send(&s->notify, "STOPPING=1");
}

static void
begin_stop(struct server *s, int signo, int64_t now)
{
	if (s->phase == DRAINING)
		terminate_children(s, now);
	if (s->phase != SERVING)
		return;
	/* Those waiting for their source's slot are settled first (and nobody waits from now
	 * on), so that the places they free go to the queued. */
	s->phase = DRAINING;
	recheck_waiting(s, now);
	greet_the_queued(s, now);
	listeners_close(s->listeners, s->nlisteners);
	s->listeners = NULL;
	s->nlisteners = 0;
	start_draining(s, now);
	log_msg(LOG_NOTICE, "stopping on SIG%s: %u %s still running", sigabbrev_np(signo),
		children_count(s->children),
		children_count(s->children) == 1 ? "child" : "children");
}

/* A listener that reports an error or a hang-up would wake poll at once forever: drop it, and
 * stop with an error status when none is left, so that a supervisor restarts us. p holds the
 * signal descriptor and then the n - 1 listeners. */
static void
drop_failed_listeners(struct server *s, const struct pollfd *p, size_t n, int64_t now)
{
	char why[128], name[ADDR_TEXT_MAX];

	for (size_t i = n; i-- > 1;) {
		if (!(p[i].revents & (POLLERR | POLLHUP | POLLNVAL)))
			continue;
		strlcpy(name, s->listeners[i - 1].name, sizeof(name));
		listener_drop(s->listeners, &s->nlisteners, i - 1, p[i].revents, why, sizeof(why));
		log_msg(LOG_ERR, "listener %s: %s; no longer listening there", name, why);
	}
	if (s->nlisteners > 0 || s->phase != SERVING)
		return;
	s->exit_code = EX_UNAVAILABLE;
	start_draining(s, now);
	log_msg(LOG_ERR, "no listener left: stopping; %u %s still running",
		children_count(s->children),
		children_count(s->children) == 1 ? "child" : "children");
}

/* Reads every pending signal first, then acts in a fixed order: reaping before the status
 * line and before stopping, so both see the children as they are. */
static void
handle_signals(struct server *s, int64_t now)
{
	struct signalfd_siginfo si[16];
	struct reload_waiters waiters = { .n = 0 };
	bool chld = false, hup = false, usr1 = false;
	int stop = 0, stops = 0;
	ssize_t n;

	do {
		n = read(s->sigfd, si, sizeof(si));
		for (size_t i = 0; n > 0 && i < (size_t)n / sizeof(si[0]); i++) {
			if ((int)si[i].ssi_signo == RELOAD_REQUEST_SIGNAL) {
				hup = true;
				reload_note_request(&waiters, &si[i]);
				continue;
			}
			switch (si[i].ssi_signo) {
			case SIGCHLD:
				chld = true;
				break;
			case SIGHUP:
				hup = true;
				reload_note_request(&waiters, &si[i]);
				break;
			case SIGUSR1:
				usr1 = true;
				break;
			default: /* SIGTERM, SIGINT */
				stop = (int)si[i].ssi_signo;
				stops++;
				break;
			}
		}
		/* A short read took everything pending; real-time requests beyond the room for
		 * their answers stay queued for the next round. */
	} while (n == (ssize_t)sizeof(si) &&
		reload_waiters_room(&waiters, sizeof(si) / sizeof(si[0])));
	if (chld)
		reap(s);
	if (hup)
		reload_answer(&waiters, reload(s));
	if (usr1)
		log_status(s, now);
	while (stops-- > 0)
		begin_stop(s, stop, now);
}

/* ---- the loop -------------------------------------------------------------------------- */

static void
run_timers(struct server *s, int64_t now)
{
	if (s->grace.n > 0)
		recheck_waiting(s, now);
	events_flush(&s->ev, now);
	log_retry(now);
	if (log_lost_syslog() + log_lost_stderr() != s->lost_shown)
		s->status_dirty = true;
	if (s->notify.fd >= 0 && s->status_dirty && now >= s->status_due)
		send_status(s, now);
	if (!deadline_passed(s->phase_deadline, now))
		return;
	if (s->phase == DRAINING) {
		terminate_children(s, now);
	} else if (s->phase == TERMINATING) {
		children_signal_all(s->children, SIGKILL);
		s->phase = KILLED;
		s->phase_deadline = DEADLINE_OFF;
	}
}

static int64_t
next_deadline(const struct server *s, bool paused)
{
	int64_t due = events_due(&s->ev);

	due = due == INT64_MAX ? DEADLINE_OFF : due;
	if (s->grace.n > 0)
		due = deadline_earliest(due, grace_due(&s->grace));
	if (paused)
		due = deadline_earliest(due, s->paused_until);
	if (s->notify.fd >= 0 && s->status_dirty)
		due = deadline_earliest(due, s->status_due);
	due = deadline_earliest(due, log_due());
	due = deadline_earliest(due, s->phase_deadline);
	return deadline_earliest(due, pending_due(s->pending));
}

/* The signal descriptor, the listeners when accepting, then every pending header. */
static size_t
fill_pollset(struct server *s, bool accepting, size_t *first_pending)
{
	struct pollfd *p = s->pollset;
	size_t n = 0;

	p[n++] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
	for (size_t i = 0; accepting && i < s->nlisteners; i++)
		p[n++] = (struct pollfd){ .fd = s->listeners[i].fd, .events = POLLIN };
	*first_pending = n;
	if (s->pending != NULL)
		n += pending_pollset(s->pending, p + n);
	return n;
}

/* Returns 0, or the exit code when the master cannot go on. */
static int
dispatch(struct server *s, size_t n, size_t first_pending, int64_t now)
{
	struct pollfd *p = s->pollset;

	if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
		log_msg(LOG_ERR, "poll: the signal descriptor failed");
		return EX_OSERR;
	}
	if (p[0].revents & POLLIN)
		handle_signals(s, now);
	/* Headers first (their slots match the pollset only until something is accepted), and
	 * every late one is cut even when nothing else happened. */
	if (s->pending != NULL)
		pending_dispatch(s->pending, p + first_pending, n - first_pending, now,
			header_ended, s);
	for (size_t i = 1; i < first_pending && s->phase == SERVING; i++) {
		if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			/* The listeners are renumbered: accept on the next round. */
			drop_failed_listeners(s, p, first_pending, now);
			return 0;
		}
	}
	for (size_t i = 1; i < first_pending && s->phase == SERVING; i++)
		if ((p[i].revents & POLLIN) && !accept_batch(s, p[i].fd, now))
			break;
	return 0;
}

int
server_run(struct server *s)
{
	size_t room = 1 + s->nlisteners + (s->pending != NULL ? s->opt->max_children : 0);

	s->pollset = calloc(room, sizeof(*s->pollset));
	if (s->pollset == NULL) {
		log_msg(LOG_ERR, "out of memory");
		return EX_OSERR;
	}
	notify_send(&s->notify, "READY=1");
	for (;;) {
		int64_t now = mono_ms(), due;
		bool paused, accepting;
		size_t first_pending, n;
		int ready, rc, timeout = -1;

		/* First: a wait that ends here may free a place, and the listeners are polled on
		 * what is left. */
		run_timers(s, now);
		paused = now < s->paused_until;
		accepting = s->phase == SERVING && !paused && !at_cap(s, now);
		if (s->phase != SERVING && children_count(s->children) == 0 &&
			pending_count(s->pending) == 0)
			break;
		due = next_deadline(s, paused);
		if (due != DEADLINE_OFF)
			timeout = ms_until(due);
		n = fill_pollset(s, accepting, &first_pending);
		ready = poll(s->pollset, n, timeout);
		if (ready < 0 && errno != EINTR) {
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			return EX_OSERR;
		}
		if (ready >= 0 && (rc = dispatch(s, n, first_pending, mono_ms())) != 0)
			return rc;
	}
	events_flush(&s->ev, INT64_MAX);
	log_msg(LOG_INFO, "exiting after %" PRIu64 " %s", s->served,
		s->served == 1 ? "connection" : "connections");
	log_retry(INT64_MAX); /* a last try for the lines syslog has not taken yet */
	return s->exit_code;
}
