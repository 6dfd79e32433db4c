#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH "/dev/log"
#define LOG_LINE_MAX 2048
/* The longest a child waits for a stalled syslog daemon: with every socket wait of the child
 * bounded by --timeout, this bounds the child's whole life. */
#define LOG_SEND_TIMEOUT_S 1

static int sock = -1;
static bool to_stderr;
/* Under systemd, stderr is a stream to journald ($JOURNAL_STREAM names it). A child logs there:
 * journald ties a /dev/log datagram to a unit by looking up the sender's pid, and a child has
 * usually exited by then, so `journalctl -u` would miss its line; a stream belongs to the unit. */
static bool journal_stream;
static bool may_wait;
static int self_pid;

static void
log_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = LOG_PATH };
	struct timeval wait = { .tv_sec = LOG_SEND_TIMEOUT_S };

	if (sock >= 0)
		close(sock);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock >= 0 &&
		(connect(sock, (struct sockaddr *)&a, sizeof(a)) != 0 ||
			setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof(wait)) != 0)) {
		close(sock);
		sock = -1;
	}
}

/* $JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected to stderr. */
static bool
stderr_is_journal(void)
{
	const char *value = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char *end = NULL;
	struct stat st;

	if (value == NULL || *value < '0' || *value > '9')
		return false;
	dev = strtoull(value, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	ino = strtoull(end + 1, &end, 10);
	return *end == '\0' && fstat(STDERR_FILENO, &st) == 0 &&
		(unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_open(bool also_stderr)
{
	struct timeval wait = { .tv_sec = LOG_SEND_TIMEOUT_S };

	to_stderr = also_stderr;
	self_pid = (int)getpid();
	tzset(); /* once here, not in every child's first localtime_r */
	log_connect();
	journal_stream = stderr_is_journal();
	if (journal_stream) /* a stalled journald must not hold a child past its deadline */
		setsockopt(STDERR_FILENO, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof(wait));
}

void
log_child(void)
{
	self_pid = (int)getpid();
	may_wait = true;
}

int
log_fd(void)
{
	return sock;
}

int
log_format(char *buf, size_t len, int priority, int pid, const char *text)
{
	struct tm tm;
	time_t now = time(NULL);
	char stamp[32];
	int n;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	n = snprintf(buf, len, "<%d>%s hello-server[%d]: %s", LOG_DAEMON | LOG_PRI(priority), stamp,
		pid, text);
	return n < 0 ? 0 : (n >= (int)len ? (int)len - 1 : n);
}

static void
send_line(const char *line, size_t len)
{
	int flags = MSG_NOSIGNAL | (may_wait ? 0 : MSG_DONTWAIT);

	if (sock < 0)
		return;
	if (send(sock, line, len, flags) >= 0)
		return;
	/* The syslog daemon restarted and /dev/log is a new socket: connect again, once. */
	if (errno == ECONNREFUSED || errno == ENOTCONN) {
		log_connect();
		if (sock >= 0)
			send(sock, line, len, flags);
	}
}

static void
write_stderr(const char *line, int n, size_t cap)
{
	/* One write per line, so children's lines never interleave. */
	if (n > 0 && write(STDERR_FILENO, line, n < (int)cap ? (size_t)n : cap - 1) < 0) {
		/* stderr is gone: nothing else to tell it to */
	}
}

void
log_vmsg(int priority, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX], line[LOG_LINE_MAX + 64];
	int n;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (journal_stream && may_wait) {
		/* A child under systemd: "<N>" is the priority prefix journald reads. */
		n = snprintf(line, sizeof(line), "<%d>%s\n", LOG_PRI(priority), text);
		write_stderr(line, n, sizeof(line));
		return;
	}
	n = log_format(line, sizeof(line), priority, self_pid, text);
	send_line(line, (size_t)n);
	if (to_stderr) {
		n = snprintf(line, sizeof(line), "hello-server[%d]: %s\n", self_pid, text);
		write_stderr(line, n, sizeof(line));
	}
}

void
log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(priority, fmt, ap);
	va_end(ap);
}
