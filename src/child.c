#include "child.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "deadline.h"
#include "greet.h"
#include "log.h"
#include "proctitle.h"
#include "qotd.h"
#include "stamp.h"
#include "text.h"
#include "util.h"

/* How long a child may wait for a stalled syslog or stderr once its exchange is over: each
 * child that waits holds a place of --max-children, so a log that stops reading must not
 * hold them all for the whole -t. */
#define LOG_WAIT_AFTER_MS 1000
/* The longest line a child sends: two addresses, the numbers, the longest strerror. */
#define LOG_CHILD_LINE_MAX 512

/* The exit status for each end: 0 for the normal one, 1 for ours to look into, as a supervisor
 * or a shell would read them. A switch, not a table: code on the child's own pages, not one more
 * page of read-only data for every child to fault in. */
CHILD_CODE static int
exit_status(enum greet_end end)
{
	switch (end) {
	case GREET_PEER_CLOSED:
		return 0;
	case GREET_DEADLINE:
		return 2;
	case GREET_PEER_RESET:
		return 3;
	case GREET_ERROR:
	default:
		return 1;
	}
}

/* The master blocks the signals it reads from a signalfd. A child must die of SIGTERM again (the
 * master's second SIGTERM); the others stay blocked, so that signals meant for the master
 * (systemctl kill signals the whole unit, Ctrl-C the whole process group) never cut a greeting
 * short. Blocked is not handled: the child runs no handler of the master's. The system call
 * itself, with the kernel's 8-byte mask: sigprocmask(3) and sigaddset(3) lie on library pages
 * of their own, which every child would fault in. */
CHILD_CODE static void
restore_signals(void)
{
	uint64_t term = 1ULL << (SIGTERM - 1);

	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &term, NULL, sizeof(term));
}

/* Closes every descriptor above stderr but the client and the log, in at most three calls. */
CHILD_CODE static void
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
CHILD_CODE static const char *
pick_quote(const struct child_job *job, size_t *len)
{
	const struct quotes *q = &job->quotes;
	struct timespec now;
	int64_t day = INT64_MIN;

	if (!job->random_quote) {
		/* The day from the offset the master keeps known (stamp.h); localtime(3), with its
		 * many pages, only where it is not. */
		clock_gettime(CLOCK_REALTIME, &now);
		day = stamp_local_day(now.tv_sec);
		if (day == INT64_MIN)
			day = qotd_local_day(now.tv_sec);
	}
	return quote_text(q,
		day == INT64_MIN ? qotd_random_index(q->count) : qotd_day_index(day, q->count),
		len);
}

/* The message, then the quote: one buffer, so that both leave in one segment when they fit. A
 * small one on the stack (only here: a child without quotes keeps its stack shallow); only a
 * large --message-file costs a heap block. */
CHILD_CODE static void
greet_with_quote(const struct child_job *job, int64_t deadline, struct greet_result *r)
{
	const struct message *m = &job->msg;
	char small[1024], *buf;
	size_t qlen;
	const char *quote = pick_quote(job, &qlen);

	if (m->len == 0) {
		greet(job->fd, quote, qlen, deadline, r);
		return;
	}
	buf = m->len + qlen <= sizeof(small) ? small : malloc(m->len + qlen);
	if (buf == NULL) { /* out of memory: the message is still a greeting */
		greet(job->fd, m->data, m->len, deadline, r);
		return;
	}
	memcpy(buf, m->data, m->len);
	memcpy(buf + m->len, quote, qlen);
	greet(job->fd, buf, m->len + qlen, deadline, r);
	if (buf != small)
		free(buf);
}

/* "greeting 192.0.2.7" or "greeting 192.0.2.7 via 10.0.0.2", without printf. */
CHILD_CODE static void
set_title(const struct peer *p)
{
	char title[PEER_TEXT_MAX];
	struct text t;

	text_init(&t, title, sizeof(title));
	text_str(&t, "greeting ");
	text_str(&t, p->host);
	if (p->relayed) {
		text_str(&t, " via ");
		text_str(&t, p->via);
	}
	proctitle_put(title);
}

/* "<peer>: sent N bytes in S.mmm s, discarded N bytes, <end>", built in place without printf. */
CHILD_CODE static void
log_end(const struct child_job *job, const struct greet_result *r, int64_t ms)
{
	char buf[LOG_CHILD_LINE_MAX];
	struct log_line line;
	struct text *t = &line.t;

	log_line_begin(&line, buf, sizeof(buf), r->end == GREET_ERROR ? LOG_ERR : LOG_INFO);
	peer_append(t, job->peer);
	text_str(t, ": sent ");
	text_uint(t, r->sent, 0, ' ');
	text_str(t, " bytes in ");
	text_uint(t, (uint64_t)(ms / 1000), 0, ' ');
	text_char(t, '.');
	text_uint(t, (uint64_t)(ms % 1000), 3, '0');
	text_str(t, " s, discarded ");
	text_uint(t, r->discarded, 0, ' ');
	text_str(t, " bytes, ");
	greet_end_append(t, r);
	log_line_end(&line);
}

CHILD_CODE _Noreturn void
child_run(const struct child_job *job)
{
	int64_t start = job->peer->accepted, deadline = start + (int64_t)job->timeout * 1000;
	struct greet_result r;

	restore_signals();
	keep_only(job->fd, log_fd());
	/* A second past the connection's deadline for its log line, as the master's stop allows;
	 * a header that came after that deadline still leaves its line a second. */
	log_child(deadline_latest(deadline, job->now) + 1000);
	set_title(job->peer);
	if (job->with_quotes)
		greet_with_quote(job, deadline, &r);
	else
		greet(job->fd, job->msg.data, job->msg.len, deadline, &r);
	log_child(deadline_earliest(mono_ms() + LOG_WAIT_AFTER_MS, deadline + 1000));
	if (!job->quiet || r.end == GREET_ERROR)
		log_end(job, &r, mono_ms() - start);
	_exit(exit_status(r.end));
}

bool
child_end_of(int wait_status, enum greet_end *end)
{
	static const enum greet_end ends[] = { GREET_PEER_CLOSED, GREET_ERROR, GREET_DEADLINE,
		GREET_PEER_RESET };

	*end = GREET_ERROR;
	if (!WIFEXITED(wait_status))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		if (exit_status(ends[i]) == WEXITSTATUS(wait_status)) {
			*end = ends[i];
			return true;
		}
	}
	return false;
}

/* Here rather than in the master's code: the child's first steps after fork are among the
 * child's code (CHILD_CODE). */
CHILD_CODE pid_t
child_start(const struct child_job *job)
{
	pid_t pid = fork();

	if (pid == 0)
		child_run(job);
	return pid;
}
