#include "sinks.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "log.h"

int
notify_receiver(const char *where)
{
	struct sockaddr_un a;
	socklen_t len;
	char err[256];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(notify_parse_address(where, &a, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, len), 0);
	return fd;
}

void
notifier_to(struct notifier *n, const char *where)
{
	char err[256];

	ck_assert_int_eq(setenv("NOTIFY_SOCKET", where, 1), 0);
	ck_assert_msg(notify_open(n, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_ge(n->fd, 0);
}

/* The next datagram on fd, already sent, as a string; false when there is none. */
static bool
next_datagram(int fd, char *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	if (n < 0)
		ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "recv: %s", strerror(errno));
	return n > 0;
}

void
expect_datagram(int fd, const char *want)
{
	char buf[256];

	ck_assert_msg(next_datagram(fd, buf, sizeof(buf)), "no datagram where '%s' was expected",
		want);
	ck_assert_str_eq(buf, want);
}

void
expect_no_datagram(int fd)
{
	char buf[256];

	ck_assert_msg(!next_datagram(fd, buf, sizeof(buf)), "unexpected: '%s'", buf);
}

int
log_receiver(const char *where)
{
	int fd = notify_receiver(where);

	ck_assert_int_eq(setenv("HELLO_SERVER_SYSLOG_SOCKET", where, 1), 0);
	log_open(false);
	return fd;
}

void
expect_log(int fd, const char *needle)
{
	char buf[1024];

	ck_assert_msg(next_datagram(fd, buf, sizeof(buf)), "nothing logged where '%s' was expected",
		needle);
	ck_assert_msg(strstr(buf, needle) != NULL, "'%s' is not in the line logged: %s", needle,
		buf);
}
