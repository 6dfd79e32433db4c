#include "signals.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util.h"

/* Few at a time: at most one of each standard signal is pending, and the frame stays shallow
 * (the master's frames share one stack page; see server.c). */
#define SIGNALS_PER_READ 4

int
signals_open(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN); /* every send says MSG_NOSIGNAL too */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, RELOAD_REQUEST_SIGNAL);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
note(struct signal_requests *r, const struct signalfd_siginfo *si)
{
	if ((int)si->ssi_signo == RELOAD_REQUEST_SIGNAL || si->ssi_signo == SIGHUP) {
		r->reload = true;
		reload_note_request(&r->waiters, si);
	} else if (si->ssi_signo == SIGCHLD) {
		r->reap = true;
	} else if (si->ssi_signo == SIGUSR1) {
		r->status = true;
	} else { /* SIGTERM, SIGINT */
		r->stop = (int)si->ssi_signo;
		r->stops++;
	}
}

void
signals_read(int sigfd, struct signal_requests *r)
{
	struct signalfd_siginfo si[SIGNALS_PER_READ];
	ssize_t n;

	*r = (struct signal_requests){ .stop = 0 };
	do {
		n = read(sigfd, si, sizeof(si));
		for (size_t i = 0; n > 0 && i < (size_t)n / sizeof(si[0]); i++)
			note(r, &si[i]);
		/* A short read took everything pending. */
	} while (n == (ssize_t)sizeof(si) && reload_waiters_room(&r->waiters, ARRAY_SIZE(si)));
}
