/* Datagram sockets where systemd's notification socket and syslog's /dev/log would be, for
 * tests of what the master tells them. */
#ifndef TEST_SINKS_H
#define TEST_SINKS_H

#include "notify.h"

/* A receiving datagram socket at where: a path, or an abstract name ("@..."). */
int notify_receiver(const char *where);

/* A notifier sending to where, opened as the daemon opens it (from $NOTIFY_SOCKET). */
void notifier_to(struct notifier *n, const char *where);

/* The next datagram on fd is want (it must have been sent already). */
void expect_datagram(int fd, const char *want);

/* Nothing was sent to fd. */
void expect_no_datagram(int fd);

/* This process logs (log_open) to a receiver at the path where, which it returns. */
int log_receiver(const char *where);

/* The next line logged to fd (from log_receiver) holds needle. */
void expect_log(int fd, const char *needle);

#endif
