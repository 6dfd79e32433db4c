#include "child.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "deadline.h"
#include "greet.h"
#include "log.h"
#include "proctitle.h"
#include "qotd.h"
#include "util.h"

/* How long a child may wait for a stalled syslog or stderr once its exchange is over: each
 * child that waits holds a place of --max-children, so a log that stops reading must not
 * hold them all for the whole -t. */
#define LOG_WAIT_AFTER_MS 1000

/* The exit status for each end: 0 for the normal one, 1 for ours to look into, as a supervisor
 * or a shell would read them. */
static const int exit_status[] = {
	[GREET_PEER_CLOSED] = 0,
	[GREET_ERROR] = 1,
	[GREET_DEADLINE] = 2,
	[GREET_PEER_RESET] = 3,
};

/* The master blocks the signals it reads from a signalfd. A child must die of SIGTERM again (the
 * master's second SIGTERM); the others stay blocked, so that signals meant for the master
 * (systemctl kill signals the whole unit, Ctrl-C the whole process group) never cut a greeting
 * short. Blocked is not handled: the child runs no handler of the master's. */
static void
restore_signals(void)
{
	sigset_t term;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
}

/* Closes every descriptor above stderr but the client and the log, in at most three calls. */
static void
keep_only(int client, int log)
{
	int lo = log >= 0 && log < client ? log : client;
	int hi = log > client ? log : client;

	if (lo > 3)
		close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0u, 0);
}

/* The quote this client gets. The child picks it, so the master does no work per connection;
 * it touches only the pages of that one quote. */
static const char *
pick_quote(const struct child_job *job, size_t *len)
{
	const struct quotes *q = job->quotes;
	int64_t day;
	uint32_t i;

	if (job->random_quote || (day = qotd_local_day(time(NULL))) == INT64_MIN)
		i = qotd_random_index(q->count);
	else
		i = qotd_day_index(day, q->count);
	return quote_text(q, i, len);
}

/* The message, then the quote: one buffer, so that both leave in one segment when they fit. A
 * small one on the stack; only a large --message-file costs a heap block. */
static const char *
compose(const struct child_job *job, char *small, size_t cap, size_t *len, char **owned)
{
	const struct message *m = job->msg;
	size_t qlen;
	const char *quote;
	char *buf;

	if (job->quotes == NULL) {
		*len = m->len;
		return m->data;
	}
	quote = pick_quote(job, &qlen);
	if (m->len == 0) {
		*len = qlen;
		return quote;
	}
	buf = m->len + qlen <= cap ? small : (*owned = malloc(m->len + qlen));
	if (buf == NULL) { /* out of memory: the message is still a greeting */
		*len = m->len;
		return m->data;
	}
	memcpy(buf, m->data, m->len);
	memcpy(buf + m->len, quote, qlen);
	*len = m->len + qlen;
	return buf;
}

_Noreturn void
child_run(const struct child_job *job)
{
	int64_t start = job->peer->accepted;
	char who[PEER_TEXT_MAX], how[128];
	struct greet_result r;
	char small[1024], *owned = NULL;
	const char *text;
	size_t len;

	restore_signals();
	keep_only(job->fd, log_fd());
	/* A second past the connection's deadline for its log line, as the master's stop allows;
	 * a header that came after that deadline still leaves its line a second. */
	log_child(deadline_latest(start + (int64_t)job->timeout * 1000, mono_ms()) + 1000);
	if (job->peer->relayed)
		proctitle_set("greeting %s via %s", job->peer->host, job->peer->via);
	else
		proctitle_set("greeting %s", job->peer->host);
	text = compose(job, small, sizeof(small), &len, &owned);
	greet(job->fd, text, len, start + (int64_t)job->timeout * 1000, &r);
	free(owned);
	log_child(deadline_earliest(mono_ms() + LOG_WAIT_AFTER_MS,
		start + (int64_t)job->timeout * 1000 + 1000));
	if (!job->quiet || r.end == GREET_ERROR) {
		int64_t ms = mono_ms() - start;

		peer_describe(job->peer, who, sizeof(who));
		log_msg(r.end == GREET_ERROR ? LOG_ERR : LOG_INFO,
			"%s: sent %zu bytes in %lld.%03lld s, discarded %zu bytes, %s", who, r.sent,
			(long long)(ms / 1000), (long long)(ms % 1000), r.discarded,
			greet_end_text(&r, how, sizeof(how)));
	}
	_exit(exit_status[r.end]);
}

bool
child_end_of(int wait_status, enum greet_end *end)
{
	*end = GREET_ERROR;
	if (!WIFEXITED(wait_status))
		return false;
	for (int i = 0; i < (int)ARRAY_SIZE(exit_status); i++) {
		if (exit_status[i] == WEXITSTATUS(wait_status)) {
			*end = (enum greet_end)i;
			return true;
		}
	}
	return false;
}
