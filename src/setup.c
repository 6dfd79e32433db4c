/* The master's set-up and teardown: everything that can fail before serving. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "descriptors.h"
#include "escape.h"
#include "log.h"
#include "master.h"
#include "nofork.h"
#include "privdrop.h"
#include "proctitle.h"
#include "reload.h"
#include "server.h"
#include "signals.h"
#include "util.h"

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
	s->sigfd = signals_open();
	if (s->sigfd < 0)
		return set_error(err, errlen, EX_OSERR, "signalfd: %s", strerror(errno));
	return 0;
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
	greeting_log_start(&s->greeting);
	/* The user in force: the last --user given, root included. */
	if (geteuid() == 0 && s->opt->user == NULL)
		log_msg(LOG_WARNING, "running as root: consider --user, or a systemd unit");
	else if (geteuid() == 0)
		log_msg(LOG_WARNING, "running as root (--user %s): consider an unprivileged --user",
			escape_str(shown, sizeof(shown), s->opt->user));
}

/* The master holds a descriptor for each child with --max-per-source, and for each pending
 * header and waiting client; counted once everything else it keeps is open. A limit that
 * leaves no room for even one connection would start a daemon that never serves: every accept
 * would fail with EMFILE, and clients wait in the backlog for good. */
static int
limit_to_descriptors(struct server *s, char *err, size_t errlen)
{
	const struct options *o = s->opt;
	bool held = o->max_per_source > 0 || s->pending != NULL;
	struct descriptor_budget b;

	s->max_children = s->max_pending = o->max_children;
	descriptors_reserve(held ? o->max_children : 1, log_fd() < 0 ? 1 : 0, &b);
	if (b.room == 0)
		return set_error(err, errlen, EX_CONFIG,
			"the descriptor limit %lu leaves no room for a connection: the master keeps "
			"%u open and needs %d more for its own work and one per connection; at least "
			"%lu serves one (ulimit -n, or LimitNOFILE=)",
			b.limit, b.in_use, DESCRIPTOR_SLACK, b.least);
	if (!held || b.room >= o->max_children)
		return 0;
	if (o->max_per_source > 0) {
		s->max_children = s->max_pending = b.room;
		log_msg(LOG_WARNING,
			"the descriptor limit %lu leaves room for %u %s, below --max-children %u: "
			"beyond that, connections wait in the backlog",
			b.limit, b.room, b.room == 1 ? "child" : "children", o->max_children);
	} else {
		s->max_pending = b.room;
		log_msg(LOG_WARNING,
			"the descriptor limit %lu leaves room for %u pending PROXY %s, below "
			"--max-children %u: beyond that, connections wait in the backlog",
			b.limit, b.room, b.room == 1 ? "header" : "headers", o->max_children);
	}
	return 0;
}

/* What does not depend on the outside world: the tables sized by the options. */
static int
make_parts(struct server *s, const struct options *o, char *err, size_t errlen)
{
	s->opt = o;
	s->sigfd = -1;
	s->notify.fd = -1;
	s->accept_backoff_ms = BACKOFF_MIN_MS;
	s->fork_backoff_ms = BACKOFF_MIN_MS;
	s->children = children_new(o->max_children);
	if (s->children == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory for %u children",
			o->max_children);
	s->admission = (struct admission){ { o->allow, o->nallow, o->deny, o->ndeny },
		o->max_per_source, s->children, NULL, o->max_rate_per_source };
	/* Without -r the table is not even allocated. */
	if (o->max_rate_per_source > 0 &&
		(s->admission.rate = sourcerate_new(o->max_rate_per_source,
			 SOURCERATE_MAX_SOURCES)) == NULL)
		return set_error(err, errlen, EX_OSERR,
			"out of memory for --max-rate-per-source's table of %u sources",
			SOURCERATE_MAX_SOURCES);
	/* Direct clients pay nothing for the PROXY protocol: no buffers unless it is used. */
	if (o->nproxy_from > 0 && (s->pending = pending_new(o->max_children)) == NULL)
		return set_error(err, errlen, EX_OSERR,
			"out of memory for %u pending PROXY headers", o->max_children);
	return 0;
}

int
server_setup(struct server **out, const struct options *o, char *err, size_t errlen)
{
	/* Nothing of it reaches a child (the job it runs is copied out at the fork): in memory
	 * fork leaves out, so that the master's writes to it cost no page faults. */
	struct server *s = nofork_calloc(1, sizeof(*s));
	struct privdrop drop = { .wanted = false };
	char why[256];
	bool activated = false;
	int rc;

	*out = s;
	if (s == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory");
	if (ensure_stdio() != 0)
		return set_error(err, errlen, EX_OSERR, "cannot open /dev/null: %s",
			strerror(errno));
	if ((rc = make_parts(s, o, err, errlen)) != 0)
		return rc;
	if (o->user != NULL && (rc = privdrop_resolve(o->user, &drop, err, errlen)) != 0)
		return rc;
	/* Every file the service reads is read before binding, so that a bad file is named
	 * whatever the state of the port. */
	if ((rc = greeting_load(&s->greeting, o, &drop, err, errlen)) != 0)
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
	status_init(&s->status, mono_ms(), o->metrics_file);
	if ((rc = limit_to_descriptors(s, err, errlen)) != 0)
		return rc;
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
	grace_close_all(&s->grace);
	greeting_free(&s->greeting);
	children_free(s->children);
	sourcerate_free(s->admission.rate);
	pending_free(s->pending);
	nofork_free(s->pollset);
	notify_close(&s->notify);
	if (s->sigfd >= 0)
		close(s->sigfd);
	nofork_free(s);
}
