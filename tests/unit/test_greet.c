/* The child's exchange on real loopback TCP: lingering close, deadline, reset. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "greet.h"
#include "io.h"
#include "runner.h"
#include "util.h"

static const char greeting[] = "Hello World!\r\n";

/* A connected pair: *server as accept4 gives it to the daemon (non-blocking), *client plain. */
static void
connected_pair(int *server, int *client)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(*client, (struct sockaddr *)&a, sizeof(a)), 0);
	*server = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	ck_assert_int_ge(*server, 0);
	close(l);
}

/* A client that sends `typed` bytes before reading: it must still get the whole greeting. */
START_TEST(client_that_types_first_gets_everything)
{
	static const size_t typed[] = { 1, 4096, 200000 };
	int server, client;
	pid_t pid;

	connected_pair(&server, &client);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *junk = calloc(1, typed[_i]), buf[256];
		size_t got;

		close(server);
		if (write(client, junk, typed[_i]) != (ssize_t)typed[_i])
			_exit(2);
		free(junk);
		got = read_to_end(client, buf, sizeof(buf));
		_exit(got == strlen(greeting) && memcmp(buf, greeting, got) == 0 ? 0 : 1);
	}
	close(client);
	struct greet_result r;
	int status;

	greet(server, greeting, strlen(greeting), mono_ms() + 60000, &r);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(r.end, GREET_PEER_CLOSED);
	ck_assert_uint_eq(r.sent, strlen(greeting));
	ck_assert_uint_eq(r.discarded, typed[_i]);
}
END_TEST

/* A client that neither reads nor closes is let go at the deadline, not later. */
START_TEST(silent_client_meets_the_deadline)
{
	int server, client;
	struct greet_result r;
	char buf[64];

	connected_pair(&server, &client);
	greet(server, greeting, strlen(greeting), mono_ms() + 200, &r);
	ck_assert_int_eq(r.end, GREET_DEADLINE);
	ck_assert_uint_eq(r.sent, strlen(greeting));
	ck_assert_uint_eq(read_to_end(client, buf, sizeof(buf)), strlen(greeting));
	close(client);
}
END_TEST

/* A greeting larger than the socket buffers, to a client that never reads. */
START_TEST(deadline_while_sending)
{
	size_t big = 16 * 1024 * 1024;
	char *msg = calloc(1, big);
	struct greet_result r;
	int server, client;

	connected_pair(&server, &client);
	greet(server, msg, big, mono_ms() + 200, &r);
	ck_assert_int_eq(r.end, GREET_DEADLINE);
	ck_assert_uint_lt(r.sent, big);
	close(client);
	free(msg);
}
END_TEST

START_TEST(reset_by_peer)
{
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	struct greet_result r;
	char ends[64];
	int server, client;

	connected_pair(&server, &client);
	ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_LINGER, &abort_close,
				 sizeof(abort_close)),
		0);
	close(client);
	greet(server, greeting, strlen(greeting), mono_ms() + 60000, &r);
	ck_assert_int_eq(r.end, GREET_PEER_RESET);
	ck_assert_str_eq(greet_end_text(&r, ends, sizeof(ends)), "reset by peer");
}
END_TEST

START_TEST(end_texts)
{
	struct greet_result r = { .end = GREET_ERROR, .error = 12 };
	char buf[64];

	ck_assert_str_eq(greet_end_text(&r, buf, sizeof(buf)), "error: Cannot allocate memory");
	r.end = GREET_DEADLINE;
	ck_assert_str_eq(greet_end_text(&r, buf, sizeof(buf)), "deadline passed");
	r.end = GREET_PEER_CLOSED;
	ck_assert_str_eq(greet_end_text(&r, buf, sizeof(buf)), "closed by peer");
}
END_TEST

static Suite *
greet_suite(void)
{
	Suite *s = suite_create("greet");
	TCase *tc = tcase_create("exchange");

	tcase_add_loop_test(tc, client_that_types_first_gets_everything, 0, 3);
	tcase_add_test(tc, silent_client_meets_the_deadline);
	tcase_add_test(tc, deadline_while_sending);
	tcase_add_test(tc, reset_by_peer);
	tcase_add_test(tc, end_texts);
	tcase_set_timeout(tc, 0);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(greet_suite());
}
