/*
 * floor: the least a fork-per-connection greeter can do, as the benchmark's
 * floor for hello-server's design: accept, fork, the child writes the
 * greeting and _exits, the parent closes. Linked statically so the master
 * maps as little as possible (fork copies the page tables of every mapping).
 *
 * usage: floor [PORT [SECONDS]]
 * Listens on 127.0.0.1:PORT (default 0: any free port), prints the bound port
 * on stdout, and exits after SECONDS (default 600) at the latest, so a
 * forgotten floor cannot outlive a benchmark for long.
 *
 * Deliberately absent: lingering close, limits, logging, signal handling
 * beyond auto-reaping. A client that sends first will often get a reset.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GREETING "Hello World!\r\n"

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

/* The child's whole life: the greeting, then _exit closes the socket. */
static void
greet(int fd)
{
	ssize_t n = write(fd, GREETING, sizeof(GREETING) - 1);

	_exit(n == (ssize_t)(sizeof(GREETING) - 1) ? 0 : 1);
}

int
main(int argc, char **argv)
{
	unsigned long port = 0, lifetime = 600;
	int lfd, fd;

	if (argc > 3) {
		fputs("usage: floor [PORT [SECONDS]]\n", stderr);
		return 64;
	}
	if (argc > 1)
		port = parse_ulong("port", argv[1], 65535);
	if (argc > 2)
		lifetime = parse_ulong("seconds", argv[2], 86400);
	/* The kernel reaps, so the loop needs no waitpid. */
	signal(SIGCHLD, SIG_IGN);
	lfd = listen_on((unsigned short)port);
	/* SIGALRM's default action ends the loop: bounded in time. */
	alarm((unsigned int)lifetime);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Anything else would repeat at once: stop instead of spinning. */
			perror("floor: accept");
			return 71;
		}
		switch (fork()) {
		case 0:
			greet(fd);
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
