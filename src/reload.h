/* The reload handshake. systemd 252 (Debian 12) has no Type=notify-reload: `systemctl reload`
 * returns when ExecReload= does, and `kill -HUP` returns before the daemon has read anything.
 * `hello-server --reload PID` sends RELOAD_REQUEST_SIGNAL, a real-time signal, with sigqueue(3)
 * and a value that marks it as a request: real-time signals queue one per sender, so a plain
 * SIGHUP already pending cannot swallow it (a standard signal sent while the same one is pending
 * is merged into it, and its sender lost). Once the reload is done (new message in place,
 * READY=1 sent), the master answers every requester it saw in signalfd's ssi_pid with
 * RELOAD_ANSWER_SIGNAL, carrying 0 or the sysexits code of the failure. A master that does not
 * block the real-time signal (an older one, which it would kill) gets SIGHUP as before, sent
 * again every RELOAD_RESEND_MS. A plain SIGHUP gets no answer. */
#ifndef HELLO_RELOAD_H
#define HELLO_RELOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/types.h>

/* "HELO": this signal waits for an answer. */
#define RELOAD_REQUEST_VALUE 0x48454c4f
/* The master blocks it and reads it through its signalfd; SIGRTMIN itself is left alone. */
#define RELOAD_REQUEST_SIGNAL (SIGRTMIN + 2)
/* Ignored by default: should the requester be gone and its pid reused (even by one of the
 * master's own children), the answer harms nobody. */
#define RELOAD_ANSWER_SIGNAL SIGURG
/* Sent as SIGHUP, a request that coalesced with a SIGHUP already pending is lost: ask again
 * this often. */
#define RELOAD_RESEND_MS 1000
/* The master reads no more requests than this before one reload answers them: the others wait
 * in the kernel's queue for the next. */
#define RELOAD_WAITERS_MAX 64

/* The requesters of the reload about to happen. */
struct reload_waiters {
	pid_t pid[RELOAD_WAITERS_MAX];
	size_t n;
};

/* The master: notes the sender of a SIGHUP or RELOAD_REQUEST_SIGNAL if it asked for an
 * answer. */
void reload_note_request(struct reload_waiters *w, const struct signalfd_siginfo *si);
/* The master: whether w has room for every request of one more read of n signals. */
bool reload_waiters_room(const struct reload_waiters *w, size_t n);
/* The master, after the reload: answers every noted requester with result (0 or a sysexits
 * code) and forgets them. */
void reload_answer(struct reload_waiters *w, int result);

/* `--reload PID`: asks the master PID to reload and waits at most timeout_s seconds for its
 * answer. Returns 0 once the new message is served, else a sysexits code with one line in err. */
int reload_request(pid_t pid, unsigned timeout_s, char *err, size_t errlen);

#endif
