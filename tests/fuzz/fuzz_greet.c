/* The only bytes the daemon reads from the network are the ones greet() reads and throws away
 * after the greeting. A client on a socket pair sends the input and closes its side; greet must
 * count every byte, end with GREET_PEER_CLOSED, and deliver the whole greeting. */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "greet.h"
#include "util.h"

static const char greeting[] = "Hello World!\r\n";

/* A Unix stream socket buffers far more than this, so the client's writes never block. */
#define MAX_INPUT 65536

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct greet_result r;
	char got[sizeof(greeting)];
	size_t n = 0;
	int sv[2], flags;

	if (size > MAX_INPUT)
		size = MAX_INPUT;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	flags = fcntl(sv[0], F_GETFL);
	if (flags < 0 || fcntl(sv[0], F_SETFL, flags | O_NONBLOCK) != 0)
		abort();
	while (n < size) {
		ssize_t w = write(sv[1], data + n, size - n);

		if (w <= 0)
			abort();
		n += (size_t)w;
	}
	if (shutdown(sv[1], SHUT_WR) != 0)
		abort();

	greet(sv[0], greeting, sizeof(greeting) - 1, mono_ms() + 1000, &r);
	FUZZ_CHECK(r.end == GREET_PEER_CLOSED);
	FUZZ_CHECK(r.sent == sizeof(greeting) - 1);
	FUZZ_CHECK(r.discarded == size);

	/* greet closed its end: the client reads the greeting, then end of file. */
	n = 0;
	for (;;) {
		ssize_t got_now = read(sv[1], got + n, sizeof(got) - n);

		if (got_now <= 0)
			break;
		n += (size_t)got_now;
		if (n == sizeof(got))
			break;
	}
	FUZZ_CHECK(n == sizeof(greeting) - 1 && memcmp(got, greeting, n) == 0);
	close(sv[1]);
	return 0;
}
