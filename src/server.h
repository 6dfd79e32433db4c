/* The master: accept, check, fork, reap; signals; the systemd notifications. */
#ifndef HELLO_SERVER_H
#define HELLO_SERVER_H

#include <stddef.h>

#include "options.h"

struct server;

/* Everything that can fail before serving: the message, the sockets, the user to become.
 * Returns 0 or a sysexits code with one line in err. */
int server_setup(struct server **out, const struct options *o, char *err, size_t errlen);

/* Serves until SIGTERM/SIGINT and the last child is gone. Returns the exit code. */
int server_run(struct server *s);

void server_free(struct server *s);

#endif
