/* The listening sockets: bound here from the options, or inherited from systemd. */
#ifndef HELLO_LISTEN_H
#define HELLO_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "addr.h"

struct listener {
	int fd;
	char name[ADDR_TEXT_MAX]; /* "[::]:17", as bound */
};

/* Binds and listens on every spec (non-blocking, close-on-exec). backlog 0: the system
 * maximum. EX_OSERR with the address and the system's reason in err. */
int listeners_bind(const struct listen_spec *specs, size_t nspecs, int backlog,
	struct listener **out, size_t *nout, char *err, size_t errlen);

/* Takes count descriptors from LISTEN_FDS_START on; each must be a listening stream socket,
 * else EX_CONFIG. */
int listeners_inherit(unsigned count, struct listener **out, size_t *nout, char *err,
	size_t errlen);

void listeners_close(struct listener *l, size_t n);

/* The one way a connection is taken from a listener: non-blocking and close-on-exec, its
 * address in peer. The descriptor, or -1 with errno. */
int listener_accept(int fd, struct sockaddr_storage *peer);

/* An accept error that concerns only the connection it was about (the next may be fine). */
bool accept_error_is_transient(int error);

/* Connections waiting in a listener's accept queue (Linux reports it in TCP_INFO). */
unsigned listener_queued(int fd);

/* Why a listener that poll reported with POLLERR, POLLHUP or POLLNVAL is unusable, into why;
 * then closes it and removes it from l (the others keep their order). */
void listener_drop(struct listener *l, size_t *n, size_t i, short revents, char *why,
	size_t whylen);

#endif
