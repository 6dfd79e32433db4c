#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

static const char *
bind_hint(int error, uint16_t port)
{
	if (error == EACCES && port < 1024)
		return " (ports below 1024 need root or CAP_NET_BIND_SERVICE; "
		       "try a port above 1023, such as 2323)";
	if (error == EADDRINUSE)
		return " (another program, or another hello-server, is listening there)";
	return "";
}

static void
name_bound(int fd, const struct listen_spec *spec, char *name, size_t len)
{
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);

	if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
		format_sockaddr((struct sockaddr *)&bound, name, len);
	else
		format_sockaddr((const struct sockaddr *)&spec->addr, name, len);
}

/* One socket; errno describes a failure. */
static int
open_listener(const struct sockaddr *sa, socklen_t len, bool dual_stack, int backlog)
{
	int one = 1, v6only = dual_stack ? 0 : 1, saved;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		(sa->sa_family == AF_INET6 &&
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) != 0) ||
		bind(fd, sa, len) != 0 || listen(fd, backlog > 0 ? backlog : INT_MAX) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Every address: one dual-stack IPv6 socket, or IPv4 alone where the host has no IPv6. */
static int
open_wildcard(struct listen_spec *spec, int backlog)
{
	struct sockaddr_in sin;
	int fd = open_listener((struct sockaddr *)&spec->addr, spec->len, true, backlog);

	if (fd >= 0 || (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL))
		return fd;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(sockaddr_port((struct sockaddr *)&spec->addr));
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	memcpy(&spec->addr, &sin, sizeof(sin));
	spec->len = sizeof(sin);
	return open_listener((struct sockaddr *)&spec->addr, spec->len, false, backlog);
}

int
listeners_bind(const struct listen_spec *specs, size_t nspecs, int backlog, struct listener **out,
	size_t *nout, char *err, size_t errlen)
{
	struct listener *l = calloc(nspecs, sizeof(*l));
	char name[ADDR_TEXT_MAX];

	*out = NULL;
	*nout = 0;
	if (l == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory");
	for (size_t i = 0; i < nspecs; i++) {
		struct listen_spec spec = specs[i];

		l[i].fd = spec.wildcard_default
			? open_wildcard(&spec, backlog)
			: open_listener((struct sockaddr *)&spec.addr, spec.len, false, backlog);
		if (l[i].fd < 0) {
			int error = errno;

			format_sockaddr((struct sockaddr *)&spec.addr, name, sizeof(name));
			listeners_close(l, i);
			return set_error(err, errlen, EX_OSERR, "cannot listen on %s: %s%s", name,
				strerror(error),
				bind_hint(error, sockaddr_port((struct sockaddr *)&spec.addr)));
		}
		name_bound(l[i].fd, &spec, l[i].name, sizeof(l[i].name));
	}
	*out = l;
	*nout = nspecs;
	return 0;
}

static int
check_inherited(int fd, char *name, size_t len, char *err, size_t errlen)
{
	int type = 0, listening = 0, flags;
	socklen_t tlen = sizeof(type), llen = sizeof(listening);
	struct sockaddr_storage bound = { 0 };
	socklen_t blen = sizeof(bound);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0)
		return set_error(err, errlen, EX_CONFIG,
			"descriptor %d from systemd is not a socket: %s", fd, strerror(errno));
	if (type != SOCK_STREAM ||
		getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) != 0 || !listening)
		return set_error(err, errlen, EX_CONFIG,
			"descriptor %d from systemd is not a listening stream socket "
			"(the socket unit needs ListenStream= and Accept=no)",
			fd);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
		fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		return set_error(err, errlen, EX_OSERR, "descriptor %d from systemd: %s", fd,
			strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&bound, &blen) != 0 ||
		(bound.ss_family != AF_INET && bound.ss_family != AF_INET6))
		return set_error(err, errlen, EX_CONFIG,
			"descriptor %d from systemd is not a TCP socket (IPv4 or IPv6)", fd);
	format_sockaddr((struct sockaddr *)&bound, name, len);
	return 0;
}

int
listeners_inherit(unsigned count, struct listener **out, size_t *nout, char *err, size_t errlen)
{
	struct listener *l = calloc(count, sizeof(*l));
	int rc;

	*out = NULL;
	*nout = 0;
	if (l == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory");
	for (unsigned i = 0; i < count; i++) {
		l[i].fd = LISTEN_FDS_START + (int)i;
		rc = check_inherited(l[i].fd, l[i].name, sizeof(l[i].name), err, errlen);
		if (rc != 0) {
			free(l);
			return rc;
		}
	}
	*out = l;
	*nout = count;
	return 0;
}

void
listeners_close(struct listener *l, size_t n)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (l[i].fd >= 0)
			close(l[i].fd);
	free(l);
}

void
listener_drop(struct listener *l, size_t *n, size_t i, short revents, char *why, size_t whylen)
{
	int error = 0;
	socklen_t len = sizeof(error);

	if (revents & POLLNVAL)
		snprintf(why, whylen, "the descriptor is no longer open");
	else if (getsockopt(l[i].fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error != 0)
		snprintf(why, whylen, "%s", strerror(error));
	else if (revents & POLLHUP)
		snprintf(why, whylen, "it was shut down (by another holder of the socket?)");
	else
		snprintf(why, whylen, "poll reported an error");
	if (!(revents & POLLNVAL))
		close(l[i].fd);
	memmove(&l[i], &l[i + 1], (*n - i - 1) * sizeof(l[0]));
	(*n)--;
}

unsigned
listener_queued(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
		return 0;
	return info.tcpi_unacked; /* for a listener: the accept queue's length */
}

int
listener_accept(int fd, struct sockaddr_storage *peer)
{
	socklen_t len = sizeof(*peer);

	return accept4(fd, (struct sockaddr *)peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

bool
accept_error_is_transient(int error)
{
	switch (error) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	/* Linux reports pending network errors of the new connection through accept. */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
	case ETIMEDOUT:
	case ECONNRESET:
		return true;
	default:
		return false;
	}
}
