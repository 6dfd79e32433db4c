#include "child.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <sys/time.h>
#include <unistd.h>

#include "addr.h"
#include "greet.h"
#include "log.h"
#include "util.h"

/* The client is moved here so that everything above it can be closed in one call. */
#define CLIENT_FD 3

/* The master blocks signals to read them from a signalfd; a child must die of SIGTERM again.
 * Signals meant for the master (systemctl kill sends to the whole unit, Ctrl-C to the whole
 * process group) must not cut a greeting short: the master decides when children stop. */
static void
restore_signals(void)
{
	sigset_t none;

	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int
keep_only_client(int fd)
{
	log_forget_socket();
	if (fd != CLIENT_FD) {
		if (dup2(fd, CLIENT_FD) < 0)
			return -1;
	}
	closefrom(CLIENT_FD + 1);
	return CLIENT_FD;
}

/* Should the log itself hang (a stuck syslog daemon), SIGALRM still ends the child: one second
 * after the deadline that bounds everything a client can do. */
static void
arm_backstop(unsigned timeout)
{
	struct itimerval it = { .it_value = { .tv_sec = (time_t)timeout + 1 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

_Noreturn void
child_run(const struct child_job *job)
{
	int64_t start = mono_ms();
	char host[ADDR_TEXT_MAX], how[128];
	struct greet_result r;
	int fd;

	restore_signals();
	arm_backstop(job->timeout);
	fd = keep_only_client(job->fd);
	format_host(job->peer, host, sizeof(host));
	setproctitle("greeting %s", host);
	if (fd < 0) {
		log_msg(LOG_ERR, "%s port %u: cannot set up the child: %s", host,
			sockaddr_port(job->peer), strerror(errno));
		_exit(1);
	}
	greet(fd, job->msg->data, job->msg->len, start + (int64_t)job->timeout * 1000, &r);
	if (!job->quiet || r.end == GREET_ERROR) {
		int64_t ms = mono_ms() - start;

		log_msg(r.end == GREET_ERROR ? LOG_ERR : LOG_INFO,
			"%s port %u: sent %zu bytes in %lld.%03lld s, discarded %zu bytes, %s", host,
			sockaddr_port(job->peer), r.sent, (long long)(ms / 1000),
			(long long)(ms % 1000), r.discarded, greet_end_text(&r, how, sizeof(how)));
	}
	_exit(r.end == GREET_ERROR ? 1 : 0);
}
