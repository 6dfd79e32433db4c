#include "reload.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void
reload_note_request(struct reload_waiters *w, const struct signalfd_siginfo *si)
{
	pid_t pid = (pid_t)si->ssi_pid;

	if (si->ssi_code != SI_QUEUE || si->ssi_int != RELOAD_REQUEST_VALUE || pid <= 0)
		return;
	for (size_t i = 0; i < w->n; i++)
		if (w->pid[i] == pid)
			return;
	/* Full only for SIGHUP requests, whose senders ask again (RELOAD_RESEND_MS): the master
	 * reads real-time ones only while there is room (reload_waiters_room). */
	if (w->n < RELOAD_WAITERS_MAX)
		w->pid[w->n++] = pid;
}

bool
reload_waiters_room(const struct reload_waiters *w, size_t n)
{
	return w->n + n <= RELOAD_WAITERS_MAX;
}

void
reload_answer(struct reload_waiters *w, int result)
{
	for (size_t i = 0; i < w->n; i++) {
		union sigval value = { .sival_int = result };

		/* ESRCH: the requester gave up and exited; nobody is waiting. */
		if (sigqueue(w->pid[i], RELOAD_ANSWER_SIGNAL, value) != 0 && errno != ESRCH)
			log_msg(LOG_WARNING, "cannot answer the reload request of process %d: %s",
				(int)w->pid[i], strerror(errno));
	}
	w->n = 0;
}

/* SIGHUP ends most programs and makes others reload: a mistyped PID must not get one. A master
 * is named hello-server by the kernel (comm, set at exec from the file's name), or runs the very
 * program we are (as under valgrind, whose tool is both). Where /proc hides the process (a
 * unit's ProtectProc=), there is nothing to tell, and the request goes as asked. */
static bool
is_other_program(pid_t pid)
{
	char path[64], comm[32] = "";
	struct stat ours, theirs;
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
	}
	if (n <= 0 || strcmp(comm, "hello-server\n") == 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &theirs) != 0 || stat("/proc/self/exe", &ours) != 0)
		return true;
	return theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino;
}

/* Whether /proc says that pid blocks signal sig: 1 yes, 0 no, -1 it does not say. */
static int
blocks_signal(pid_t pid, int sig)
{
	char path[64], line[256];
	int answer = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *end;
		unsigned long long mask;

		if (strncmp(line, "SigBlk:", 7) != 0)
			continue;
		mask = strtoull(line + 7, &end, 16);
		if (end != line + 7)
			answer = (mask >> (sig - 1)) & 1 ? 1 : 0;
	}
	fclose(f);
	return answer;
}

/* The real-time request when the master takes it; SIGHUP when it may not (an older master,
 * which a real-time signal would end) or /proc does not say. */
static int
request_signal(pid_t pid)
{
	return blocks_signal(pid, RELOAD_REQUEST_SIGNAL) == 1 ? RELOAD_REQUEST_SIGNAL : SIGHUP;
}

static int
send_request(pid_t pid, int sig, char *err, size_t errlen)
{
	union sigval value = { .sival_int = RELOAD_REQUEST_VALUE };

	if (sigqueue(pid, sig, value) == 0)
		return 0;
	if (errno == ESRCH)
		return set_error(err, errlen, EX_UNAVAILABLE, "--reload %d: no such process",
			(int)pid);
	if (errno == EPERM)
		return set_error(err, errlen, EX_NOPERM,
			"--reload %d: not allowed to signal that process (run as its user)",
			(int)pid);
	return set_error(err, errlen, EX_OSERR, "--reload %d: sigqueue: %s", (int)pid,
		strerror(errno));
}

/* Waits until deadline for the answer of pid; 1 with its value in *result, 0 on timeout. */
static int
await_answer(pid_t pid, const sigset_t *answer, int64_t deadline, int *result)
{
	for (;;) {
		int ms = ms_until(deadline);
		struct timespec ts = { .tv_sec = ms / 1000,
			.tv_nsec = (long)(ms % 1000) * 1000000 };
		siginfo_t si;

		if (sigtimedwait(answer, &si, &ts) < 0) {
			if (errno == EINTR)
				continue;
			return 0; /* EAGAIN: the time is up */
		}
		if (si.si_code == SI_QUEUE && si.si_pid == pid) {
			*result = si.si_value.sival_int;
			return 1;
		}
	}
}

/* The real uid and gid of pid from /proc; 0 when /proc does not say. */
static int
owner_of(pid_t pid, uid_t *uid, gid_t *gid)
{
	char path[64], line[256];
	unsigned long u = 0, g = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *end;

		/* "Uid:\treal\teffective\tsaved\tfs": the first is the real one. */
		if (strncmp(line, "Uid:", 4) == 0) {
			u = strtoul(line + 4, &end, 10);
			found |= end != line + 4 ? 1 : 0;
		} else if (strncmp(line, "Gid:", 4) == 0) {
			g = strtoul(line + 4, &end, 10);
			found |= end != line + 4 ? 2 : 0;
		}
	}
	fclose(f);
	if (found != 3)
		return 0;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 1;
}

/* Root asking a master that dropped to --user: the master could not signal root back, so the
 * requester becomes the master's user first (it needs no privilege to send or to wait). */
static int
become_owner_of(pid_t pid, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0 || !owner_of(pid, &uid, &gid) || uid == 0)
		return 0;
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
		return set_error(err, errlen, EX_OSERR,
			"--reload %d: cannot become its user %lu to receive the answer: %s",
			(int)pid, (unsigned long)uid, strerror(errno));
	return 0;
}

int
reload_request(pid_t pid, unsigned timeout_s, char *err, size_t errlen)
{
	int64_t deadline = mono_ms() + (int64_t)timeout_s * 1000;
	sigset_t answer;
	int rc, result = 0;

	sigemptyset(&answer);
	sigaddset(&answer, RELOAD_ANSWER_SIGNAL);
	if (sigprocmask(SIG_BLOCK, &answer, NULL) != 0)
		return set_error(err, errlen, EX_OSERR, "sigprocmask: %s", strerror(errno));
	if ((rc = become_owner_of(pid, err, errlen)) != 0)
		return rc;
	for (;;) {
		int64_t until = deadline;
		int sig;

		if (kill(pid, 0) == 0 && is_other_program(pid))
			return set_error(err, errlen, EX_UNAVAILABLE,
				"--reload %d: that process is not hello-server; nothing was sent",
				(int)pid);
		/* A real-time request is never lost: it is answered, or the master is gone. */
		if ((sig = request_signal(pid)) == SIGHUP && mono_ms() + RELOAD_RESEND_MS < until)
			until = mono_ms() + RELOAD_RESEND_MS;
		if ((rc = send_request(pid, sig, err, errlen)) != 0)
			return rc;
		if (await_answer(pid, &answer, until, &result))
			break;
		if (mono_ms() >= deadline)
			return set_error(err, errlen, EX_UNAVAILABLE,
				"--reload %d: no answer in %u s (is it a hello-server master "
				"running as this user?)",
				(int)pid, timeout_s);
	}
	if (result != 0)
		return set_error(err, errlen,
			result > 0 && result <= EX__MAX ? result : EX_SOFTWARE,
			"--reload %d: the daemon kept its old message or quotes: it could not use "
			"its message file or --quotes (status %d); its log says why",
			(int)pid, result);
	return 0;
}
