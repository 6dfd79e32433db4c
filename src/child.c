#include "child.h"

#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "addr.h"
#include "greet.h"
#include "log.h"
#include "util.h"

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

_Noreturn void
child_run(const struct child_job *job)
{
	int64_t start = mono_ms();
	char who[PEER_TEXT_MAX], how[128];
	struct greet_result r;

	restore_signals();
	keep_only(job->fd, log_fd());
	/* A second past the connection's deadline for its log line, as the master's stop allows. */
	log_child(start + (int64_t)job->timeout * 1000 + 1000);
	if (job->peer->relayed)
		setproctitle("greeting %s via %s", job->peer->host, job->peer->via);
	else
		setproctitle("greeting %s", job->peer->host);
	greet(job->fd, job->msg->data, job->msg->len, start + (int64_t)job->timeout * 1000, &r);
	if (!job->quiet || r.end == GREET_ERROR) {
		int64_t ms = mono_ms() - start;

		peer_describe(job->peer, who, sizeof(who));
		log_msg(r.end == GREET_ERROR ? LOG_ERR : LOG_INFO,
			"%s: sent %zu bytes in %lld.%03lld s, discarded %zu bytes, %s", who, r.sent,
			(long long)(ms / 1000), (long long)(ms % 1000), r.discarded,
			greet_end_text(&r, how, sizeof(how)));
	}
	_exit(r.end == GREET_ERROR ? 1 : 0);
}
