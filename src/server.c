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
#include "child.h"
#include "children.h"
#include "config.h"
#include "escape.h"
#include "events.h"
#include "listen.h"
#include "log.h"
#include "message.h"
#include "notify.h"
#include "privdrop.h"
#include "proctitle.h"
#include "quotes.h"
#include "reload.h"
#include "util.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1600
/* Accepts per listener per wake-up: enough to drain a burst, few enough to stay fair to the
 * other listeners and to signals. */
#define ACCEPT_BATCH 64
#define STATUS_INTERVAL_MS 1000
/* After SIGTERM reaches the children that outlived the drain, how long before SIGKILL. */
#define KILL_GRACE_MS 5000

struct server {
	const struct options *opt;
	struct listener *listeners;
	size_t nlisteners;
	struct message msg;
	struct quotes quotes; /* count 0 without --quotes */
	struct children *children;
	struct acl acl;
	struct events ev;
	struct notifier notify;
	int sigfd;
	uint64_t served;
	int64_t started;

	int64_t paused_until; /* accept or fork failed: not accepting until then */
	int backoff_ms;
	bool at_cap;

	bool stopping;
	int64_t stop_deadline; /* then the remaining children get SIGTERM */
	bool terminated;
	int64_t kill_deadline; /* then SIGKILL */
	bool killed;

	bool status_dirty;
	int64_t status_due;
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

/* The quotes, read as --user already (SIGHUP will read them as that user): a file only root may
 * read is refused now, not served until the first reload fails. Before binding, so that bad
 * quotes are named whatever the state of the port. */
static int
load_quotes(struct server *s, const struct privdrop *drop, char *err, size_t errlen)
{
	bool switched = false;
	int rc;

	if (drop->wanted && geteuid() == 0 && drop->uid != 0) {
		if (setgroups(1, &drop->gid) != 0 || setegid(drop->gid) != 0 ||
			seteuid(drop->uid) != 0)
			return set_error(err, errlen, EX_OSERR, "cannot read the quotes as %s: %s",
				drop->user, strerror(errno));
		switched = true;
	}
	rc = quotes_load(s->opt->quotes, &s->quotes, err, errlen);
	if (switched && (seteuid(0) != 0 || setegid(0) != 0) && rc == 0)
		rc = set_error(err, errlen, EX_OSERR,
			"cannot become root again after reading the quotes as %s: %s", drop->user,
			strerror(errno));
	return rc;
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
log_quotes(const struct server *s, const char *when)
{
	char shown[ESCAPE_MAX], summary[256];

	if (s->opt->quotes != NULL)
		log_msg(LOG_INFO, "%squotes '%s': %s; %s", when,
			escape_str(shown, sizeof(shown), s->opt->quotes),
			quotes_summary(&s->quotes, summary, sizeof(summary)),
			s->opt->random_quote ? "a random quote per connection"
					     : "the quote of the day");
}

static void
log_start(const struct server *s, bool activated)
{
	char names[1024] = "";
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
	log_quotes(s, "");
	if (geteuid() == 0)
		log_msg(LOG_WARNING, "running as root: consider --user, or a systemd unit");
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
	s->backoff_ms = BACKOFF_MIN_MS;
	s->acl = (struct acl){ o->allow, o->nallow, o->deny, o->ndeny };
	events_init(&s->ev, EVENTS_INTERVAL_MS);
	*out = s;
	if (ensure_stdio() != 0)
		return set_error(err, errlen, EX_OSERR, "cannot open /dev/null: %s",
			strerror(errno));
	if ((rc = load_message(s, err, errlen)) != 0)
		return rc;
	tzset(); /* once, here: a child's localtime_r then reads no time zone file */
	s->children = children_new(o->max_children);
	if (s->children == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory for %u children",
			o->max_children);
	if (o->user != NULL && (rc = privdrop_resolve(o->user, &drop, err, errlen)) != 0)
		return rc;
	if (o->quotes != NULL && (rc = load_quotes(s, &drop, err, errlen)) != 0)
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
	return 0;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	listeners_close(s->listeners, s->nlisteners);
	message_free(&s->msg);
	quotes_free(&s->quotes);
	children_free(s->children);
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

static void
send_status(struct server *s, int64_t now)
{
	char state[256];

	unsigned n = children_count(s->children);

	snprintf(state, sizeof(state), "STATUS=%u %s, %" PRIu64 " served, %" PRIu64 " refused", n,
		n == 1 ? "child" : "children", s->served, refused(s));
	notify_send(&s->notify, state);
	s->status_dirty = false;
	s->status_due = now + STATUS_INTERVAL_MS;
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
		" accept failures, %" PRIu64 " fork failures; up %lld s",
		alive, alive == 1 ? "child" : "children", s->served, n[EV_SOURCE], n[EV_DENIED],
		n[EV_CAP], n[EV_ACCEPT_FAIL], n[EV_FORK_FAIL],
		(long long)((now - s->started) / 1000));
}

/* ---- accepting ------------------------------------------------------------------------- */

static void reap(struct server *s);

static void
back_off(struct server *s, int64_t now)
{
	s->paused_until = now + s->backoff_ms;
	if (s->backoff_ms < BACKOFF_MAX_MS)
		s->backoff_ms *= 2;
}

static void
refuse(struct server *s, int fd, enum event kind, const struct sockaddr *peer, int64_t now,
	const char *why)
{
	char host[ADDR_TEXT_MAX];

	close(fd);
	format_host(peer, host, sizeof(host));
	events_note(&s->ev, kind, now, LOG_NOTICE, "refused %s port %u: %s", host,
		sockaddr_port(peer), why);
	s->status_dirty = true;
}

static void
spawn(struct server *s, int fd, const struct sockaddr *peer, const struct srckey *key, int64_t now)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct child_job job = { fd, peer, &s->msg, s->opt->timeout, s->opt->quiet,
			s->opt->quotes != NULL ? &s->quotes : NULL, s->opt->random_quote };

		child_run(&job);
	}
	if (pid < 0) {
		char host[ADDR_TEXT_MAX];

		format_host(peer, host, sizeof(host));
		events_note(&s->ev, EV_FORK_FAIL, now, LOG_ERR,
			"fork failed: %s; closed the connection from %s port %u without a greeting",
			strerror(errno), host, sockaddr_port(peer));
		back_off(s, now);
	} else {
		children_add(s->children, pid, key);
		s->served++;
		s->status_dirty = true;
	}
	close(fd);
}

/* Children that have exited but whose SIGCHLD is not handled yet still count: look again after
 * reaping before refusing anyone for them. */
static bool
source_full(struct server *s, const struct srckey *key)
{
	if (s->opt->max_per_source == 0 ||
		children_of_source(s->children, key) < s->opt->max_per_source)
		return false;
	reap(s);
	return children_of_source(s->children, key) >= s->opt->max_per_source;
}

static void
admit(struct server *s, int fd, const struct sockaddr_storage *raw, int64_t now)
{
	struct sockaddr_storage peer;
	struct srckey key;
	char why[64];

	sockaddr_unmap((const struct sockaddr *)raw, &peer);
	if (!acl_permits(&s->acl, (struct sockaddr *)&peer)) {
		refuse(s, fd, EV_DENIED, (struct sockaddr *)&peer, now,
			"denied by the access list");
		return;
	}
	srckey_from((struct sockaddr *)&peer, &key);
	if (source_full(s, &key)) {
		snprintf(why, sizeof(why), "%u connections from this source (--max-per-source)",
			s->opt->max_per_source);
		refuse(s, fd, EV_SOURCE, (struct sockaddr *)&peer, now, why);
		return;
	}
	spawn(s, fd, (struct sockaddr *)&peer, &key, now);
}

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

static bool
at_cap(struct server *s, int64_t now)
{
	if (children_count(s->children) >= s->opt->max_children)
		reap(s);
	if (children_count(s->children) < s->opt->max_children) {
		s->at_cap = false;
		return false;
	}
	if (!s->at_cap) {
		s->at_cap = true;
		events_note(&s->ev, EV_CAP, now, LOG_NOTICE,
			"reached --max-children %u: new connections wait in the backlog",
			s->opt->max_children);
	}
	return true;
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
			s->backoff_ms = BACKOFF_MIN_MS;
			admit(s, fd, &peer, now);
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
			"accept failed: %s; pausing for %d ms", strerror(errno), s->backoff_ms);
		back_off(s, now);
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
		if (WIFSIGNALED(status) && !s->terminated)
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

	tzset(); /* a time zone changed in /etc/localtime moves the quotes' midnight */
	if ((rc = quotes_load(s->opt->quotes, &fresh, err, sizeof(err))) != 0) {
		log_msg(LOG_ERR, "SIGHUP: keeping the old quotes: %s", err);
		return rc;
	}
	quotes_free(&s->quotes);
	s->quotes = fresh;
	log_quotes(s, "SIGHUP: read again ");
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

	s->terminated = true;
	s->kill_deadline = now + KILL_GRACE_MS;
	log_msg(LOG_NOTICE, "sent SIGTERM to %u children", n);
}

static void
begin_stop(struct server *s, int signo, int64_t now)
{
	if (s->stopping) {
		if (!s->terminated)
			terminate_children(s, now);
		return;
	}
	s->stopping = true;
	listeners_close(s->listeners, s->nlisteners);
	s->listeners = NULL;
	s->nlisteners = 0;
	notify_send(&s->notify, "STOPPING=1");
	/* Every child ends by its own deadline; a second of slack for its log line. */
	s->stop_deadline = now + (int64_t)s->opt->timeout * 1000 + 1000;
	log_msg(LOG_NOTICE, "stopping on SIG%s: %u children still running", sigabbrev_np(signo),
		children_count(s->children));
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
	} while (n == (ssize_t)sizeof(si)); /* a short read took everything pending */
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
	events_flush(&s->ev, now);
	if (s->notify.fd >= 0 && s->status_dirty && now >= s->status_due)
		send_status(s, now);
	if (s->stopping && !s->terminated && now >= s->stop_deadline)
		terminate_children(s, now);
	if (s->terminated && !s->killed && now >= s->kill_deadline) {
		children_signal_all(s->children, SIGKILL);
		s->killed = true;
	}
}

static int64_t
next_timer(const struct server *s, bool paused)
{
	int64_t due = events_due(&s->ev);

	if (paused && s->paused_until < due)
		due = s->paused_until;
	if (s->notify.fd >= 0 && s->status_dirty && s->status_due < due)
		due = s->status_due;
	if (s->stopping && !s->terminated && s->stop_deadline < due)
		due = s->stop_deadline;
	if (s->terminated && !s->killed && s->kill_deadline < due)
		due = s->kill_deadline;
	return due;
}

static size_t
fill_pollset(struct server *s, struct pollfd *p, bool accepting)
{
	size_t n = 0;

	p[n++] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
	for (size_t i = 0; accepting && i < s->nlisteners; i++)
		p[n++] = (struct pollfd){ .fd = s->listeners[i].fd, .events = POLLIN };
	return n;
}

int
server_run(struct server *s)
{
	struct pollfd *p = calloc(s->nlisteners + 1, sizeof(*p));

	if (p == NULL) {
		log_msg(LOG_ERR, "out of memory");
		return EX_OSERR;
	}
	notify_send(&s->notify, "READY=1");
	for (;;) {
		int64_t now = mono_ms(), due;
		bool paused = now < s->paused_until;
		bool accepting = !s->stopping && !paused && !at_cap(s, now);
		size_t n = fill_pollset(s, p, accepting);
		int ready, timeout = -1;

		run_timers(s, now);
		if (s->stopping && children_count(s->children) == 0)
			break;
		due = next_timer(s, paused);
		if (due != INT64_MAX)
			timeout = ms_until(due);
		ready = poll(p, n, timeout);
		if (ready < 0 && errno != EINTR) {
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			free(p);
			return EX_OSERR;
		}
		if (ready <= 0)
			continue;
		now = mono_ms();
		if (p[0].revents & POLLIN)
			handle_signals(s, now);
		for (size_t i = 1; i < n && !s->stopping; i++)
			if ((p[i].revents & POLLIN) && !accept_batch(s, p[i].fd, now))
				break;
	}
	free(p);
	events_flush(&s->ev, INT64_MAX);
	log_msg(LOG_INFO, "exiting after %" PRIu64 " %s", s->served,
		s->served == 1 ? "connection" : "connections");
	return 0;
}
