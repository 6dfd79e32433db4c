#include "greet.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "text.h"
#include "util.h"

/* Waits for events on fd until deadline: 1 ready, 0 deadline passed, -1 error. */
CHILD_CODE static int
wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int n = poll(&p, 1, ms_until(deadline));

		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

CHILD_CODE static void
end_with_errno(struct greet_result *r, int error)
{
	if (error == ECONNRESET || error == EPIPE || error == ETIMEDOUT) {
		r->end = GREET_PEER_RESET;
	} else {
		r->end = GREET_ERROR;
		r->error = error;
	}
}

/* false when the exchange is over (r->end says why). */
CHILD_CODE static bool
send_all(int fd, const char *msg, size_t len, int64_t deadline, struct greet_result *r)
{
	while (r->sent < len) {
		ssize_t n = send(fd, msg + r->sent, len - r->sent, MSG_NOSIGNAL);
		int ready;

		if (n >= 0) {
			r->sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			end_with_errno(r, errno);
			return false;
		}
		ready = wait_for(fd, POLLOUT, deadline);
		if (ready <= 0) {
			if (ready == 0)
				r->end = GREET_DEADLINE;
			else
				end_with_errno(r, errno);
			return false;
		}
	}
	return true;
}

/* Where a child throws away what its client sent. Not on the stack: a buffer there puts the
 * frames below it on a stack page of their own, which the child would fault in on every
 * connection; this page is written only when a client does send something. */
static char discard[4096];

/* Waits before each read: right after our FIN the client has rarely answered yet, and a read
 * would only say EAGAIN. */
CHILD_CODE static void
drain(int fd, int64_t deadline, struct greet_result *r)
{
	for (;;) {
		int ready = wait_for(fd, POLLIN, deadline);
		ssize_t n;

		if (ready <= 0) {
			if (ready == 0)
				r->end = GREET_DEADLINE;
			else
				end_with_errno(r, errno);
			return;
		}
		n = read(fd, discard, sizeof(discard));

		if (n > 0) {
			r->discarded += (size_t)n;
			continue;
		}
		if (n == 0) {
			r->end = GREET_PEER_CLOSED;
			return;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			end_with_errno(r, errno);
			return;
		}
	}
}

CHILD_CODE void
greet(int fd, const char *msg, size_t len, int64_t deadline, struct greet_result *r)
{
	memset(r, 0, sizeof(*r));
	if (send_all(fd, msg, len, deadline, r)) {
		/* Our FIN tells the client the greeting is complete; its own close ends the drain. */
		if (shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN)
			end_with_errno(r, errno);
		else
			drain(fd, deadline, r);
	}
	close(fd);
}

CHILD_CODE void
greet_end_append(struct text *t, const struct greet_result *r)
{
	switch (r->end) {
	case GREET_PEER_CLOSED:
		text_str(t, "closed by peer");
		break;
	case GREET_DEADLINE:
		text_str(t, "deadline passed");
		break;
	case GREET_PEER_RESET:
		text_str(t, "reset by peer");
		break;
	default:
		text_str(t, "error: ");
		text_str(t, strerror(r->error));
		break;
	}
}

const char *
greet_end_text(const struct greet_result *r, char *buf, size_t len)
{
	struct text t;

	if (len == 0)
		return buf;
	text_init(&t, buf, len);
	greet_end_append(&t, r);
	return buf;
}
