#include "notify.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "escape.h"
#include "util.h"

int
notify_parse_address(const char *value, struct sockaddr_un *addr, socklen_t *len, char *err,
	size_t errlen)
{
	char shown[ESCAPE_MAX];
	size_t n = strlen(value);

	escape_str(shown, sizeof(shown), value);
	if (n < 2 || (value[0] != '/' && value[0] != '@'))
		return set_error(err, errlen, -1,
			"NOTIFY_SOCKET '%s' is neither an absolute path nor @abstract", shown);
	if (n >= sizeof(addr->sun_path))
		return set_error(err, errlen, -1, "NOTIFY_SOCKET '%s' is too long", shown);
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, value, n);
	if (value[0] == '@')
		addr->sun_path[0] = '\0'; /* abstract: no terminating NUL counts */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (value[0] == '/'));
	return 0;
}

int
notify_open(struct notifier *n, char *err, size_t errlen)
{
	const char *value = getenv("NOTIFY_SOCKET");
	int rc;

	n->fd = -1;
	if (value == NULL)
		return 0;
	rc = notify_parse_address(value, &n->addr, &n->addrlen, err, errlen);
	unsetenv("NOTIFY_SOCKET");
	if (rc != 0)
		return rc;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0)
		return set_error(err, errlen, -1, "cannot open the notification socket: %s",
			strerror(errno));
	return 0;
}

bool
notify_send(const struct notifier *n, const char *state)
{
	ssize_t r;

	if (n->fd < 0)
		return true;
	do
		r = sendto(n->fd, state, strlen(state), MSG_NOSIGNAL,
			(const struct sockaddr *)&n->addr, n->addrlen);
	while (r < 0 && errno == EINTR);
	return r >= 0;
}

void
notify_close(struct notifier *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

static int
parse_count(const char *s, long long min, long long max, long long *v)
{
	const char *why = NULL;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
		return -1;
	*v = strtonum(s, min, max, &why);
	return why == NULL ? 0 : -1;
}

int
listen_fds_parse(const char *pid_value, const char *fds_value, pid_t self, unsigned *count,
	char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	long long pid, fds;

	*count = 0;
	if (pid_value == NULL || fds_value == NULL)
		return 0;
	if (parse_count(pid_value, 1, INT_MAX, &pid) != 0)
		return set_error(err, errlen, EX_CONFIG, "LISTEN_PID '%s' is not a process id",
			escape_str(shown, sizeof(shown), pid_value));
	if ((pid_t)pid != self)
		return 0; /* meant for a process that passed them on to us by mistake */
	/* The rest of the descriptor table, at most: a larger count cannot be real. */
	if (parse_count(fds_value, 0, 65536, &fds) != 0)
		return set_error(err, errlen, EX_CONFIG,
			"LISTEN_FDS '%s' is not a count from 0 to 65536",
			escape_str(shown, sizeof(shown), fds_value));
	*count = (unsigned)fds;
	return 0;
}

int
listen_fds_from_env(unsigned *count, char *err, size_t errlen)
{
	int rc = listen_fds_parse(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid(), count, err,
		errlen);

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}
