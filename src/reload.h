/* The reload handshake. systemd 252 (Debian 12) has no Type=notify-reload: `systemctl reload`
 * returns when ExecReload= does, and `kill -HUP` returns before the daemon has read anything.
 * `hello-server --reload PID` sends SIGHUP with sigqueue(3) and a value that marks it as a
 * request; once the reload is done (new message in place, READY=1 sent), the master answers
 * every requester it saw in signalfd's ssi_pid with RELOAD_ANSWER_SIGNAL, carrying 0 or the
 * sysexits code of the failure. A plain SIGHUP gets no answer. */
#ifndef HELLO_RELOAD_H
#define HELLO_RELOAD_H

#include <signal.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/types.h>

/* "HELO": this SIGHUP waits for an answer. */
#define RELOAD_REQUEST_VALUE 0x48454c4f
/* Ignored by default: should the requester be gone and its pid reused (even by one of the
 * master's own children), the answer harms nobody. */
#define RELOAD_ANSWER_SIGNAL SIGURG
/* A request that coalesced with a SIGHUP already pending is lost: ask again this often. */
#define RELOAD_RESEND_MS 1000
#define RELOAD_WAITERS_MAX 16

/* The requesters of the reload about to happen. */
struct reload_waiters {
	pid_t pid[RELOAD_WAITERS_MAX];
	size_t n;
};

/* The master: notes the sender of a SIGHUP if it asked for an answer. */
void reload_note_request(struct reload_waiters *w, const struct signalfd_siginfo *si);
/* The master, after the reload: answers every noted requester with result (0 or a sysexits
 * code) and forgets them. */
void reload_answer(struct reload_waiters *w, int result);

/* `--reload PID`: asks the master PID to reload and waits at most timeout_s seconds for its
 * answer. Returns 0 once the new message is served, else a sysexits code with one line in err. */
int reload_request(pid_t pid, unsigned timeout_s, char *err, size_t errlen);

#endif
