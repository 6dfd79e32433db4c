/* The listening sockets on real loopback TCP: bound by name, the queue as the kernel counts
 * it, the one accept path (non-blocking, close-on-exec, the peer's address), and which accept
 * errors concern only the connection at hand. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrs.h"
#include "listen.h"
#include "runner.h"

static struct listener *l;
static size_t n;

static void
setup(void)
{
	struct listen_spec spec;
	char err[256];

	ck_assert_msg(parse_listen("127.0.0.1:0", &spec, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(listeners_bind(&spec, 1, 0, &l, &n, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(n, 1);
}

static void
teardown(void)
{
	listeners_close(l, n);
}

static int
connect_to_listener(void)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_eq(getsockname(l[0].fd, (struct sockaddr *)&a, &len), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, len), 0);
	return fd;
}

START_TEST(named_as_bound)
{
	ck_assert_msg(strncmp(l[0].name, "127.0.0.1:", 10) == 0 && strcmp(l[0].name, "127.0.0.1:0"),
		"%s", l[0].name);
	ck_assert(fcntl(l[0].fd, F_GETFL) & O_NONBLOCK);
}
END_TEST

START_TEST(accepts_what_is_queued)
{
	struct sockaddr_storage peer;
	int client = connect_to_listener(), fd;

	ck_assert_uint_eq(listener_queued(l[0].fd), 1);
	fd = listener_accept(l[0].fd, &peer);
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(peer.ss_family, AF_INET);
	ck_assert_uint_eq(listener_queued(l[0].fd), 0);
	ck_assert_int_eq(listener_accept(l[0].fd, &peer), -1);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	close(fd);
	close(client);
}
END_TEST

START_TEST(transient_errors)
{
	ck_assert(accept_error_is_transient(ECONNABORTED));
	ck_assert(accept_error_is_transient(EINTR));
	ck_assert(accept_error_is_transient(ENETUNREACH));
	ck_assert(!accept_error_is_transient(EMFILE));
	ck_assert(!accept_error_is_transient(ENOBUFS));
	ck_assert(!accept_error_is_transient(EAGAIN));
}
END_TEST

static Suite *
listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("listen");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, named_as_bound);
	tcase_add_test(tc, accepts_what_is_queued);
	tcase_add_test(tc, transient_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(listen_suite());
}
