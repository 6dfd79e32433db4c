/* Logging: syslog (ident hello-server, LOG_PID, LOG_DAEMON), and stderr too with --debug. */
#ifndef HELLO_LOG_H
#define HELLO_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_open(bool to_stderr);

/* Before a child closes the master's descriptors: glibc keeps the syslog socket's number, and
 * would otherwise write to whatever later takes that number. The next log line reconnects. */
void log_forget_socket(void);

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
