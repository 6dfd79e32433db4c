/* The two systemd protocols we speak, implemented here rather than by linking libsystemd
 * (whose libraries would make every fork slower): readiness notification, sd_notify(3), a
 * datagram to $NOTIFY_SOCKET; and socket activation, sd_listen_fds(3), $LISTEN_PID and
 * $LISTEN_FDS naming descriptors from 3 on. */
#ifndef HELLO_NOTIFY_H
#define HELLO_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#define LISTEN_FDS_START 3

struct notifier {
	int fd; /* -1: not under systemd, every send is a no-op */
	struct sockaddr_un addr;
	socklen_t addrlen;
};

/* Parses a $NOTIFY_SOCKET value: an absolute path, or "@name" for the abstract namespace.
 * Returns 0 or -1 with the reason in err. */
int notify_parse_address(const char *value, struct sockaddr_un *addr, socklen_t *len, char *err,
	size_t errlen);

/* Opens the socket named by $NOTIFY_SOCKET and takes the variable out of the environment.
 * Without it, n->fd is -1 and 0 is returned; a bad value returns -1 with the reason. */
int notify_open(struct notifier *n, char *err, size_t errlen);

/* Sends one state datagram ("READY=1", "STATUS=..."); false if it could not be sent. */
bool notify_send(const struct notifier *n, const char *state);

void notify_close(struct notifier *n);

/* Decides from the values of $LISTEN_PID and $LISTEN_FDS (either may be NULL) how many
 * descriptors systemd passed to the process self. 0 when the variables are absent or meant for
 * another process; EX_CONFIG with the reason in err when they are malformed. */
int listen_fds_parse(const char *pid_value, const char *fds_value, pid_t self, unsigned *count,
	char *err, size_t errlen);

/* Reads and removes $LISTEN_PID, $LISTEN_FDS and $LISTEN_FDNAMES. */
int listen_fds_from_env(unsigned *count, char *err, size_t errlen);

#endif
