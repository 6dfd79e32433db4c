/* Logging to syslog, and to stderr too with --debug. A small syslog client of our own rather than
 * syslog(3): its socket is opened once by the master and kept by every child (glibc's is private,
 * so each child had to close it and connect again), and the master never blocks on a stalled
 * syslog daemon or a stalled stderr. Lines are RFC 3164 datagrams to /dev/log (or the path in
 * $HELLO_SERVER_SYSLOG_SOCKET): "<PRI>Mmm dd hh:mm:ss ident[pid]: text", which rsyslog and
 * journald both read; facility daemon, ident hello-server. As syslog(3), it falls back to a
 * stream socket (records end with NUL) and connects again when syslog starts late or restarts.
 * The master keeps the lines syslog does not take (it is away, restarting or stalled) in a
 * bounded queue and sends them in order once it takes them again (log_retry, from the master's
 * loop); a child, which cannot wait that long, drops them. Lines dropped are counted. */
#ifndef HELLO_LOG_H
#define HELLO_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include "text.h"

void log_open(bool also_stderr);

/* In a new child: its own pid in its lines, and sends that may wait until deadline (mono_ms)
 * for a stalled syslog or stderr; the master never waits. */
void log_child(int64_t deadline);

/* The syslog socket, or -1: a child keeps it open. */
int log_fd(void);

/* Lines that syslog, or stderr, did not take, by the master and every child since log_open. */
uint64_t log_lost_syslog(void);
uint64_t log_lost_stderr(void);

/* The master: when to call log_retry next (mono_ms), or DEADLINE_OFF while it keeps no line; and the call,
 * which sends the lines that syslog did not take before (it was away, restarting or stalled),
 * in order, once it takes them again. */
int64_t log_due(void);
/* now: mono_ms(), or INT64_MAX to try whatever the time. */
void log_retry(int64_t now);

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int priority, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* A line built in place, for a child: log_line_begin writes what goes before the text (the
 * syslog header, or the journal's priority prefix) into buf, the caller appends the text to
 * line->t (text.h: no printf), and log_line_end sends it. One buffer on the stack and no
 * printf code: each page of code or stack a child touches is a page fault of its own. */
struct log_line {
	struct text t;
	int priority;
	size_t ident_at; /* where "hello-server[PID]: " begins, for the copy on stderr */
};
void log_line_begin(struct log_line *line, char *buf, size_t cap, int priority);
void log_line_end(struct log_line *line);

/* Formats one line as sent to syslog; for the tests. Returns its length. */
int log_format(char *buf, size_t len, int priority, int pid, const char *text);

#endif
