/*
 * hello-load: a load generator for greeting servers such as hello-server.
 *
 * TOTAL connections, CONCURRENCY at once, all driven by one process through
 * non-blocking sockets and epoll, so the client costs little next to a
 * fork-per-connection server and the numbers describe the server.
 * Each connection: connect, optionally send bytes, optionally hold, read
 * until EOF, compare with the expected greeting, close.
 *
 * Exit status: 0 when every connection got exactly the expected bytes and
 * then EOF; 1 on any failure; 64 on a bad option.
 */

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_EXPECT "Hello World!\r\n"
#define MAX_EXPECT (1024 * 1024)
#define MAX_TOTAL 10000000LL
#define MAX_CONCURRENCY 1000000LL
#define MAX_SEND (16LL * 1024 * 1024)
#define MAX_HOLD_MS 3600000LL
#define MAX_TIMEOUT_S 3600LL
#define MAX_SOURCES 254LL
#define FD_RESERVE 16
#define SWEEP_NS (10 * NS_PER_MS)
#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
#define READS_PER_EVENT 16
#define EVENTS_PER_WAIT 256
#define SAMPLE_MAX 80
#define ERRNO_SLOTS 256

enum phase { PH_IDLE, PH_CONNECT, PH_SEND, PH_HOLD, PH_READ };

/* Failure kinds with their own counter; any other errno is counted by name. */
enum kind { K_REFUSED, K_RESET, K_TIMEOUT, K_EMPTY, K_SHORT, K_WRONG, K_LONG, K_ERRNO, K_COUNT };

static const char *const kind_name[K_COUNT] = {
	[K_REFUSED] = "refused",
	[K_RESET] = "reset",
	[K_TIMEOUT] = "timeout",
	[K_EMPTY] = "empty",
	[K_SHORT] = "short",
	[K_WRONG] = "wrong",
	[K_LONG] = "long",
	[K_ERRNO] = "other",
};

static const char *const kind_help[K_COUNT] = {
	[K_REFUSED] = "connection refused",
	[K_RESET] = "connection reset",
	[K_TIMEOUT] = "timeout",
	[K_EMPTY] = "closed before any byte",
	[K_SHORT] = "short greeting (EOF too early)",
	[K_WRONG] = "wrong greeting (bytes differ)",
	[K_LONG] = "long greeting (bytes after it)",
	[K_ERRNO] = "other errors",
};

struct config {
	int family;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} addr;
	socklen_t addrlen;
	const char *host;
	long long port;
	long long total;
	long long concurrency;
	char *expect;
	size_t expect_len;
	long long send;
	long long hold_ms;
	long long timeout_s;
	long long sources;
	bool quiet;
	bool progress;
};

struct conn {
	int fd;
	enum phase phase;
	bool first_wave;
	long long sent;
	size_t got;
	int64_t start;
	int64_t deadline;
	int64_t hold_until;
};

struct stats {
	long long ok;
	long long failed;
	long long kind[K_COUNT];
	long long by_errno[ERRNO_SLOTS];
	int64_t *latency;
	bool have_sample;
	char sample[SAMPLE_MAX];
	size_t sample_len;
};

struct load {
	const struct config *cfg;
	struct stats st;
	struct conn *conns;
	int *idle;
	size_t nidle;
	int epfd;
	long long started;
	long long finished;
	long long first_wave_pending;
	int64_t now;
	int64_t t_begin;
	int64_t t_end;
	int64_t last_sweep;
	int64_t last_progress;
	long long shown_started;
	long long shown_finished;
};

static char send_pattern[4096];
static char read_buf[65536];

static int64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
		"usage: hello-load -p PORT [-6q] [-H ADDR] [-n TOTAL] [-c CONCURRENCY]\n"
		"                  [-e TEXT | -E FILE] [-s BYTES] [-k MS] [-S SOURCES] [-t SECONDS] [-P]\n"
		"  -H, --host ADDR         loopback address to connect to (default 127.0.0.1)\n"
		"  -p, --port PORT         TCP port (required)\n"
		"  -6, --ipv6              connect to ::1 unless -H names an address\n"
		"  -n, --total N           connections in all (default 1)\n"
		"  -c, --concurrency C     connections open at once (default 1)\n"
		"  -e, --expect TEXT       expected bytes on the wire (default \"Hello World!\\r\\n\")\n"
		"  -E, --expect-file FILE  expected bytes, read from FILE\n"
		"  -s, --send N            send N bytes right after connecting\n"
		"  -k, --hold MS           keep each connection open MS ms before reading;\n"
		"                          prints \"HOLDING open=N\" once the first C have\n"
		"                          connected (the server may still close some)\n"
		"  -S, --sources N         bind to 127.0.0.1 .. 127.0.0.N in turn (IPv4)\n"
		"  -t, --timeout SECONDS   per connection, not counting --hold (default 10)\n"
		"  -P, --progress          print \"PROGRESS started=N finished=N of TOTAL\" at most\n"
		"                          once a second while connections start or end\n"
		"  -q, --quiet             print only the RESULT line (and PROGRESS lines)\n"
		"  -h, --help              show this help\n");
	exit(status);
}

static long long
number(const char *what, const char *s, long long min, long long max)
{
	const char *errstr;
	long long v;

	v = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		errx(EX_USAGE, "%s %s is %s (%lld..%lld)", what, s, errstr, min, max);
	return v;
}

static bool
is_loopback4(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

static bool
is_loopback6(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_LOOPBACK(a))
		return true;
	return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
}

/* Numeric addresses only: a name lookup could leave loopback. */
static void
set_address(struct config *cfg, const char *host)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
	} else if (strlcpy(buf, host, sizeof(buf)) >= sizeof(buf)) {
		errx(EX_USAGE, "host %s is not a numeric IPv4 or IPv6 address", host);
	}

	memset(&cfg->addr, 0, sizeof(cfg->addr));
	if (inet_pton(AF_INET, buf, &cfg->addr.v4.sin_addr) == 1) {
		if (!is_loopback4(&cfg->addr.v4.sin_addr))
			errx(EX_USAGE, "host %s is not a loopback address (127.0.0.0/8 or ::1)",
				host);
		cfg->family = AF_INET;
		cfg->addr.v4.sin_family = AF_INET;
		cfg->addr.v4.sin_port = htons((uint16_t)cfg->port);
		cfg->addrlen = sizeof(cfg->addr.v4);
	} else if (inet_pton(AF_INET6, buf, &cfg->addr.v6.sin6_addr) == 1) {
		if (!is_loopback6(&cfg->addr.v6.sin6_addr))
			errx(EX_USAGE, "host %s is not a loopback address (127.0.0.0/8 or ::1)",
				host);
		cfg->family = AF_INET6;
		cfg->addr.v6.sin6_family = AF_INET6;
		cfg->addr.v6.sin6_port = htons((uint16_t)cfg->port);
		cfg->addrlen = sizeof(cfg->addr.v6);
	} else {
		errx(EX_USAGE, "host %s is not a numeric IPv4 or IPv6 address", host);
	}
}

static void
read_expect_file(struct config *cfg, const char *path)
{
	struct stat sb;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		err(EX_USAGE, "expect file %s", path);
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		errx(EX_USAGE, "expect file %s is not a regular file", path);
	if (sb.st_size > MAX_EXPECT)
		errx(EX_USAGE, "expect file %s is larger than %d bytes", path, MAX_EXPECT);
	free(cfg->expect);
	cfg->expect = malloc((size_t)sb.st_size + 1);
	if (cfg->expect == NULL)
		err(1, "malloc");
	/* Bounded by the size fstat reported; a file that grows is cut there. */
	while (len < (size_t)sb.st_size) {
		n = read(fd, cfg->expect + len, (size_t)sb.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(EX_USAGE, "expect file %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	cfg->expect_len = len;
}

static void
set_expect_text(struct config *cfg, const char *text)
{
	free(cfg->expect);
	cfg->expect_len = strlen(text);
	if (cfg->expect_len > MAX_EXPECT)
		errx(EX_USAGE, "expected text is longer than %d bytes", MAX_EXPECT);
	cfg->expect = strdup(text);
	if (cfg->expect == NULL)
		err(1, "strdup");
}

static void
parse_args(struct config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "total", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "expect", required_argument, NULL, 'e' },
		{ "expect-file", required_argument, NULL, 'E' },
		{ "send", required_argument, NULL, 's' },
		{ "hold", required_argument, NULL, 'k' },
		{ "sources", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool ipv6 = false;
	int ch;

	cfg->port = -1;
	cfg->total = 1;
	cfg->concurrency = 1;
	cfg->timeout_s = 10;
	set_expect_text(cfg, DEFAULT_EXPECT);

	while ((ch = getopt_long(argc, argv, "H:p:6n:c:e:E:s:k:S:t:qPh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			cfg->host = optarg;
			break;
		case 'p':
			cfg->port = number("port", optarg, 1, 65535);
			break;
		case '6':
			ipv6 = true;
			break;
		case 'n':
			cfg->total = number("total", optarg, 1, MAX_TOTAL);
			break;
		case 'c':
			cfg->concurrency = number("concurrency", optarg, 1, MAX_CONCURRENCY);
			break;
		case 'e':
			set_expect_text(cfg, optarg);
			break;
		case 'E':
			read_expect_file(cfg, optarg);
			break;
		case 's':
			cfg->send = number("send", optarg, 0, MAX_SEND);
			break;
		case 'k':
			cfg->hold_ms = number("hold", optarg, 0, MAX_HOLD_MS);
			break;
		case 'S':
			cfg->sources = number("sources", optarg, 1, MAX_SOURCES);
			break;
		case 't':
			cfg->timeout_s = number("timeout", optarg, 1, MAX_TIMEOUT_S);
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'P':
			cfg->progress = true;
			break;
		case 'h':
			usage(0);
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		errx(EX_USAGE, "unexpected argument %s", argv[optind]);
	if (cfg->port == -1)
		errx(EX_USAGE, "-p PORT is required");
	if (cfg->host == NULL)
		cfg->host = ipv6 ? "::1" : "127.0.0.1";
	set_address(cfg, cfg->host);
	if (ipv6 && cfg->family != AF_INET6)
		errx(EX_USAGE, "host %s is not an IPv6 address, but -6 was given", cfg->host);
	if (cfg->sources > 0 && cfg->family != AF_INET)
		errx(EX_USAGE, "sources %lld: -S needs an IPv4 host", cfg->sources);
	if (cfg->concurrency > cfg->total)
		cfg->concurrency = cfg->total;
}

/* Concurrency is bounded by open files; ask for all the hard limit allows. */
static void
raise_nofile(const struct config *cfg)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			err(1, "setrlimit RLIMIT_NOFILE");
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)cfg->concurrency + FD_RESERVE > rl.rlim_cur)
		errx(EX_USAGE, "concurrency %lld needs more open files than the limit %ju",
			cfg->concurrency, (uintmax_t)rl.rlim_cur);
}

static void
count_errno(struct stats *st, int e)
{
	st->kind[K_ERRNO]++;
	if (e > 0 && e < ERRNO_SLOTS)
		st->by_errno[e]++;
	else
		st->by_errno[0]++;
}

static void
keep_sample(struct stats *st, const char *p, size_t n)
{
	if (st->have_sample)
		return;
	st->have_sample = true;
	st->sample_len = n < SAMPLE_MAX ? n : SAMPLE_MAX;
	memcpy(st->sample, p, st->sample_len);
}

static void
watch(struct load *ld, struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)(c - ld->conns) };

	if (epoll_ctl(ld->epfd, op, c->fd, &ev) == -1)
		err(1, "epoll_ctl");
}

static void
leave_first_wave(struct load *ld, struct conn *c)
{
	long long open = 0;

	if (!c->first_wave)
		return;
	c->first_wave = false;
	if (--ld->first_wave_pending > 0 || ld->cfg->hold_ms == 0)
		return;
	for (long long i = 0; i < ld->cfg->concurrency; i++)
		if (ld->conns[i].phase == PH_HOLD)
			open++;
	/* Lets a test wait for "N connections are open" instead of sleeping. */
	printf("HOLDING open=%lld\n", open);
	fflush(stdout);
}

/* Every path that ends a connection comes here, exactly once per connection. */
static void
finish(struct load *ld, struct conn *c, enum kind k, int e, bool ok)
{
	leave_first_wave(ld, c);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->phase = PH_IDLE;
	ld->idle[ld->nidle++] = (int)(c - ld->conns);
	ld->finished++;
	ld->t_end = ld->now;
	if (ok) {
		ld->st.latency[ld->st.ok++] = ld->now - c->start;
		return;
	}
	ld->st.failed++;
	if (k == K_ERRNO)
		count_errno(&ld->st, e);
	else
		ld->st.kind[k]++;
}

static void
fail_errno(struct load *ld, struct conn *c, int e)
{
	switch (e) {
	case ECONNREFUSED:
		finish(ld, c, K_REFUSED, e, false);
		break;
	case ECONNRESET:
	case EPIPE:
		finish(ld, c, K_RESET, e, false);
		break;
	case ETIMEDOUT:
		finish(ld, c, K_TIMEOUT, e, false);
		break;
	default:
		finish(ld, c, K_ERRNO, e, false);
		break;
	}
}

static void
start_reading(struct load *ld, struct conn *c)
{
	c->phase = PH_READ;
	watch(ld, c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
}

static void
after_send(struct load *ld, struct conn *c)
{
	if (ld->cfg->hold_ms > 0) {
		c->phase = PH_HOLD;
		c->hold_until = ld->now + ld->cfg->hold_ms * NS_PER_MS;
		/* No interest: only a reset or hang-up ends the hold early. */
		watch(ld, c, 0, EPOLL_CTL_MOD);
		leave_first_wave(ld, c);
		return;
	}
	leave_first_wave(ld, c);
	start_reading(ld, c);
}

static void
do_send(struct load *ld, struct conn *c)
{
	ssize_t n;
	size_t want;

	/* Bounded: each pass sends at least one byte or returns. */
	while (c->sent < ld->cfg->send) {
		want = (size_t)(ld->cfg->send - c->sent);
		if (want > sizeof(send_pattern))
			want = sizeof(send_pattern);
		n = send(c->fd, send_pattern, want, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			watch(ld, c, EPOLLOUT, EPOLL_CTL_MOD);
			return;
		}
		if (n == -1) {
			fail_errno(ld, c, errno);
			return;
		}
		c->sent += n;
	}
	after_send(ld, c);
}

static void
connected(struct load *ld, struct conn *c)
{
	if (ld->cfg->send > 0) {
		c->phase = PH_SEND;
		do_send(ld, c);
		return;
	}
	after_send(ld, c);
}

static void
on_connect_event(struct load *ld, struct conn *c)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e != 0) {
		fail_errno(ld, c, e);
		return;
	}
	connected(ld, c);
}

/* Compares the bytes as they arrive; returns false once the connection ended. */
static bool
check_bytes(struct load *ld, struct conn *c, const char *p, size_t n)
{
	const struct config *cfg = ld->cfg;
	size_t room = cfg->expect_len - c->got;
	size_t common = n < room ? n : room;

	/* Differing bytes say more than surplus ones: test them first. */
	if (memcmp(cfg->expect + c->got, p, common) != 0) {
		keep_sample(&ld->st, p, n);
		finish(ld, c, K_WRONG, 0, false);
		return false;
	}
	if (n > room) {
		keep_sample(&ld->st, p, n);
		finish(ld, c, K_LONG, 0, false);
		return false;
	}
	c->got += n;
	return true;
}

static void
on_readable(struct load *ld, struct conn *c)
{
	ssize_t n;

	for (int i = 0; i < READS_PER_EVENT; i++) {
		n = read(c->fd, read_buf, sizeof(read_buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			fail_errno(ld, c, errno);
			return;
		}
		if (n == 0) {
			if (c->got == ld->cfg->expect_len)
				finish(ld, c, K_COUNT, 0, true);
			else if (c->got == 0)
				/* Apart, as it is how servers refuse at a cap. */
				finish(ld, c, K_EMPTY, 0, false);
			else
				finish(ld, c, K_SHORT, 0, false);
			return;
		}
		if (!check_bytes(ld, c, read_buf, (size_t)n))
			return;
	}
	/* Level-triggered: the rest of the data reports itself again. */
}

static void
on_event(struct load *ld, const struct epoll_event *ev)
{
	struct conn *c = &ld->conns[ev->data.u32];

	switch (c->phase) {
	case PH_CONNECT:
		on_connect_event(ld, c);
		break;
	case PH_SEND:
		do_send(ld, c);
		break;
	case PH_HOLD:
		start_reading(ld, c);
		on_readable(ld, c);
		break;
	case PH_READ:
		on_readable(ld, c);
		break;
	case PH_IDLE:
		break;
	}
}

static int
bind_source(const struct config *cfg, int fd, long long seq)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int one = 1;

	src.sin_addr.s_addr = htonl((uint32_t)(0x7f000001 + seq % cfg->sources));
	/* Let connect() pick the port per destination, not bind() per source. */
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	return bind(fd, (const struct sockaddr *)&src, sizeof(src));
}

static void
open_conn(struct load *ld, struct conn *c)
{
	const struct config *cfg = ld->cfg;

	c->first_wave = ld->started < cfg->concurrency;
	c->start = ld->now;
	c->deadline = ld->now + (cfg->hold_ms * NS_PER_MS) + cfg->timeout_s * NS_PER_S;
	c->sent = 0;
	c->got = 0;
	c->phase = PH_CONNECT;
	if (ld->started++ == 0)
		ld->t_begin = ld->now;

	c->fd = socket(cfg->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		fail_errno(ld, c, errno);
		return;
	}
	if (cfg->sources > 0 && bind_source(cfg, c->fd, ld->started - 1) == -1) {
		fail_errno(ld, c, errno);
		return;
	}
	watch(ld, c, EPOLLOUT, EPOLL_CTL_ADD);
	if (connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addrlen) == 0) {
		connected(ld, c);
		return;
	}
	if (errno != EINPROGRESS && errno != EINTR)
		fail_errno(ld, c, errno);
}

/* Bounded by TOTAL: every pass starts one connection. */
static void
refill(struct load *ld)
{
	/* Handling the last batch took time: start the clocks from now. */
	if (ld->nidle > 0 && ld->started < ld->cfg->total)
		ld->now = now_ns();
	while (ld->nidle > 0 && ld->started < ld->cfg->total) {
		struct conn *c = &ld->conns[ld->idle[--ld->nidle]];

		open_conn(ld, c);
	}
}

static void
sweep(struct load *ld)
{
	ld->last_sweep = ld->now;
	for (long long i = 0; i < ld->cfg->concurrency; i++) {
		struct conn *c = &ld->conns[i];

		if (c->phase == PH_IDLE)
			continue;
		if (ld->now >= c->deadline) {
			finish(ld, c, K_TIMEOUT, 0, false);
			continue;
		}
		if (c->phase == PH_HOLD && ld->now >= c->hold_until) {
			start_reading(ld, c);
			on_readable(ld, c);
		}
	}
}

/*
 * Lets a caller wait for as long as the load moves on, however slowly, and no longer: a line
 * when connections started or ended since the last one, at most one a second.
 */
static void
show_progress(struct load *ld)
{
	if (!ld->cfg->progress || ld->now - ld->last_progress < NS_PER_S)
		return;
	if (ld->started == ld->shown_started && ld->finished == ld->shown_finished)
		return;
	ld->last_progress = ld->now;
	ld->shown_started = ld->started;
	ld->shown_finished = ld->finished;
	printf("PROGRESS started=%lld finished=%lld of %lld\n", ld->started, ld->finished,
		ld->cfg->total);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
}

/*
 * Ends when every connection has ended; each has a deadline, so the loop is
 * bounded in time by about TOTAL / C * (hold + timeout).
 */
static void
run(struct load *ld)
{
	struct epoll_event evs[EVENTS_PER_WAIT];
	int n;

	ld->now = now_ns();
	ld->last_sweep = ld->now;
	ld->last_progress = ld->now;
	while (ld->finished < ld->cfg->total) {
		refill(ld);
		if (ld->finished == ld->cfg->total)
			break;
		n = epoll_wait(ld->epfd, evs, EVENTS_PER_WAIT, (int)(SWEEP_NS / NS_PER_MS));
		if (n == -1 && errno != EINTR)
			err(1, "epoll_wait");
		ld->now = now_ns();
		for (int i = 0; i < n; i++)
			on_event(ld, &evs[i]);
		if (ld->now - ld->last_sweep >= SWEEP_NS)
			sweep(ld);
		show_progress(ld);
	}
}

static void
init_load(struct load *ld, const struct config *cfg)
{
	size_t c = (size_t)cfg->concurrency;

	memset(ld, 0, sizeof(*ld));
	ld->cfg = cfg;
	ld->first_wave_pending = cfg->concurrency;
	ld->conns = calloc(c, sizeof(*ld->conns));
	ld->idle = calloc(c, sizeof(*ld->idle));
	ld->st.latency = calloc((size_t)cfg->total, sizeof(*ld->st.latency));
	if (ld->conns == NULL || ld->idle == NULL || ld->st.latency == NULL)
		err(1, "calloc");
	/* Reversed, so slot 0 is used first and slot order matches start order. */
	for (size_t i = 0; i < c; i++) {
		ld->conns[i].fd = -1;
		ld->idle[i] = (int)(c - 1 - i);
	}
	ld->nidle = c;
	ld->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ld->epfd == -1)
		err(1, "epoll_create1");
	memset(send_pattern, 'x', sizeof(send_pattern));
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted latencies, in milliseconds. */
static double
percentile_ms(const int64_t *v, long long n, int pct)
{
	long long rank = (n * pct + 99) / 100;

	if (rank < 1)
		rank = 1;
	return (double)v[rank - 1] / (double)NS_PER_MS;
}

static void
print_sample(const struct stats *st)
{
	fputs("first unexpected bytes: \"", stdout);
	for (size_t i = 0; i < st->sample_len; i++) {
		unsigned char ch = (unsigned char)st->sample[i];

		if (ch == '\r')
			fputs("\\r", stdout);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch >= 0x20 && ch < 0x7f)
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
	puts("\"");
}

static void
print_errors(const struct stats *st)
{
	if (st->failed == 0) {
		puts("errors: none");
		return;
	}
	printf("errors: %lld\n", st->failed);
	for (int k = 0; k < K_ERRNO; k++)
		if (st->kind[k] > 0)
			printf("  %-34s %lld\n", kind_help[k], st->kind[k]);
	for (int e = 0; e < ERRNO_SLOTS; e++) {
		const char *name = e > 0 ? strerrorname_np(e) : NULL;

		if (st->by_errno[e] == 0)
			continue;
		if (name != NULL)
			printf("  %-34s %lld\n", name, st->by_errno[e]);
		else
			printf("  errno %-28d %lld\n", e, st->by_errno[e]);
	}
	if (st->have_sample)
		print_sample(st);
}

static void
report(struct load *ld)
{
	const struct config *cfg = ld->cfg;
	struct stats *st = &ld->st;
	double secs = (double)(ld->t_end - ld->t_begin) / (double)NS_PER_S;
	double rate = secs > 0 ? (double)st->ok / secs : 0;
	double p50 = 0, p99 = 0, max = 0;

	if (st->ok > 0) {
		qsort(st->latency, (size_t)st->ok, sizeof(*st->latency), cmp_i64);
		p50 = percentile_ms(st->latency, st->ok, 50);
		p99 = percentile_ms(st->latency, st->ok, 99);
		max = (double)st->latency[st->ok - 1] / (double)NS_PER_MS;
	}
	if (!cfg->quiet) {
		printf("hello-load: %lld connections to %s port %lld, %lld at once\n", cfg->total,
			cfg->host, cfg->port, cfg->concurrency);
		printf("ok %lld of %lld in %.3f s: %.1f conn/s\n", st->ok, cfg->total, secs, rate);
		if (st->ok > 0)
			printf("latency ms (connect to EOF): p50 %.3f  p99 %.3f  max %.3f\n", p50,
				p99, max);
		print_errors(st);
	}
	printf("RESULT total=%lld ok=%lld errors=%lld conn_per_s=%.1f", cfg->total, st->ok,
		st->failed, rate);
	if (st->ok > 0)
		printf(" p50_ms=%.3f p99_ms=%.3f max_ms=%.3f", p50, p99, max);
	else
		printf(" p50_ms=na p99_ms=na max_ms=na");
	printf(" elapsed_s=%.3f", secs);
	for (int k = 0; k < K_COUNT; k++)
		printf(" %s=%lld", kind_name[k], st->kind[k]);
	putchar('\n');
	if (fflush(stdout) == EOF)
		err(1, "stdout");
}

/* Only so that leak checkers stay quiet when tests run under valgrind. */
static void
free_load(struct load *ld, struct config *cfg)
{
	close(ld->epfd);
	free(ld->conns);
	free(ld->idle);
	free(ld->st.latency);
	free(cfg->expect);
}

int
main(int argc, char **argv)
{
	struct config cfg = { 0 };
	struct load ld;
	int status;

	parse_args(&cfg, argc, argv);
	raise_nofile(&cfg);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		err(1, "signal");
	init_load(&ld, &cfg);
	run(&ld);
	report(&ld);
	status = ld.st.ok == cfg.total ? 0 : 1;
	free_load(&ld, &cfg);
	return status;
}
