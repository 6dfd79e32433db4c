/*
 * floor: the least a fork-per-connection greeter can do, as the benchmark's
 * floor for hello-server's design: accept, fork, the child writes the
 * greeting and _exits, the parent closes and reaps. Linked statically so the
 * master maps as little as possible (fork copies the page tables of every
 * mapping).
 *
 * usage: floor [PORT [SECONDS [DUTY]]]
 * Listens on 127.0.0.1:PORT (default 0: any free port), prints the bound port
 * on stdout, and exits after SECONDS (default 600) at the latest, so a
 * forgotten floor cannot outlive a benchmark for long. DUTY adds, one at a
 * time, the work hello-server's child does on top of the bare greeting, so
 * that the benchmark measures what each part costs:
 *
 *   bare           the greeting, then _exit (the default; a client that sends
 *                  first will often get a reset)
 *   linger         the greeting, shutdown, read until the client closes (at
 *                  most 10 s), close: the lingering close
 *   linger-syslog  as linger, then one line per connection to syslog through
 *                  a datagram socket on /dev/log that the master opened once,
 *                  formatted as hello-server's child formats its own
 *
 * Deliberately absent: limits, access lists, signal handling beyond reaping.
 * The master reaps its children (rather than letting the kernel do it), so
 * that their page faults reach its cminflt as hello-server's do.
 */

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stamp.h"
#include "text.h"

#define GREETING "Hello World!\r\n"
#define LINGER_MS 10000

enum duty { BARE, LINGER, LINGER_SYSLOG };

static enum duty duty = BARE;
static int log_sock = -1;

static unsigned long
parse_ulong(const char *what, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v > max) {
		fprintf(stderr, "floor: %s %s is not a number in 0..%lu\n", what, s, max);
		exit(64);
	}
	return v;
}

static enum duty
parse_duty(const char *s)
{
	if (strcmp(s, "bare") == 0)
		return BARE;
	if (strcmp(s, "linger") == 0)
		return LINGER;
	if (strcmp(s, "linger-syslog") == 0)
		return LINGER_SYSLOG;
	fprintf(stderr, "floor: duty %s is not bare, linger or linger-syslog\n", s);
	exit(64);
}

static int
listen_on(unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(sin);
	int one = 1;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
		bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		listen(fd, SOMAXCONN) == -1 ||
		getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("floor: listen on 127.0.0.1");
		exit(71);
	}
	printf("%u\n", ntohs(sin.sin_port));
	if (fflush(stdout) == EOF)
		exit(71);
	return fd;
}

/* Opened once by the master, kept by every child, as hello-server keeps its own. */
static void
open_syslog(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

	log_sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (log_sock == -1 || connect(log_sock, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("floor: syslog socket /dev/log");
		exit(69);
	}
}

/* "<30>Dec  6 05:09:14 floor[PID]: 127.0.0.1 port N: sent 14 bytes, discarded N bytes,
 * closed by peer": built as hello-server's child builds its line (text.h, stamp.h), without
 * printf or localtime(3), the floor of what a log line costs a child. */
static void
log_line(const struct sockaddr_in *peer, unsigned long discarded)
{
	const unsigned char *a = (const unsigned char *)&peer->sin_addr;
	char line[160];
	struct timespec now;
	struct text t;

	clock_gettime(CLOCK_REALTIME, &now);
	text_init(&t, line, sizeof(line));
	text_str(&t, "<30>");
	stamp_append(&t, now.tv_sec);
	text_str(&t, " floor[");
	text_uint(&t, (uint64_t)getpid(), 0, ' ');
	text_str(&t, "]: ");
	for (int i = 0; i < 4; i++) {
		text_uint(&t, a[i], 0, ' ');
		text_char(&t, i < 3 ? '.' : ' ');
	}
	text_str(&t, "port ");
	text_uint(&t, ntohs(peer->sin_port), 0, ' ');
	text_str(&t, ": sent 14 bytes, discarded ");
	text_uint(&t, discarded, 0, ' ');
	text_str(&t, " bytes, closed by peer");
	send(log_sock, line, t.len, MSG_NOSIGNAL);
}

/* Reads until the client closes or LINGER_MS pass; the bytes it read. */
static unsigned long
drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned long discarded = 0;
	char buf[512];
	ssize_t n;

	while (poll(&p, 1, LINGER_MS) == 1 && (n = read(fd, buf, sizeof(buf))) > 0)
		discarded += (unsigned long)n;
	return discarded;
}

/* The child's whole life: the greeting, and as much of hello-server's duty as asked. */
static void
greet(int fd, const struct sockaddr_in *peer)
{
	ssize_t n = write(fd, GREETING, sizeof(GREETING) - 1);
	unsigned long discarded;

	if (duty == BARE || n != (ssize_t)(sizeof(GREETING) - 1))
		_exit(n == (ssize_t)(sizeof(GREETING) - 1) ? 0 : 1);
	shutdown(fd, SHUT_WR);
	discarded = drain(fd);
	close(fd);
	if (duty == LINGER_SYSLOG)
		log_line(peer, discarded);
	_exit(0);
}

static void
reap(int signo)
{
	int saved = errno;

	(void)signo;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
	errno = saved;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	unsigned long port = 0, lifetime = 600;
	struct sockaddr_in peer;
	socklen_t len;
	int lfd, fd;

	if (argc > 4) {
		fputs("usage: floor [PORT [SECONDS [bare|linger|linger-syslog]]]\n", stderr);
		return 64;
	}
	if (argc > 1)
		port = parse_ulong("port", argv[1], 65535);
	if (argc > 2)
		lifetime = parse_ulong("seconds", argv[2], 86400);
	if (argc > 3)
		duty = parse_duty(argv[3]);
	if (duty == LINGER_SYSLOG) {
		tzset();
		open_syslog();
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	lfd = listen_on((unsigned short)port);
	/* SIGALRM's default action ends the loop: bounded in time. */
	alarm((unsigned int)lifetime);
	for (;;) {
		len = sizeof(peer);
		fd = accept(lfd, (struct sockaddr *)&peer, &len);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Anything else would repeat at once: stop instead of spinning. */
			perror("floor: accept");
			return 71;
		}
		if (duty == LINGER_SYSLOG)
			stamp_refresh(time(NULL)); /* as hello-server's master does */
		switch (fork()) {
		case 0:
			greet(fd, &peer);
			break;
		case -1:
			perror("floor: fork");
			break;
		default:
			break;
		}
		close(fd);
	}
}
