#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "logqueue.h"
#include "stamp.h"
#include "text.h"
#include "util.h"

#define LOG_PATH_DEFAULT "/dev/log"
/* Where to send syslog lines instead of /dev/log: for a chroot or a container whose syslog
 * listens elsewhere, and for the tests, which run a syslog socket of their own. */
#define LOG_PATH_ENV "HELLO_SERVER_SYSLOG_SOCKET"
#define LOG_LINE_MAX 2048
/* How often the master tries again to send the lines syslog did not take (a child tries at
 * each of its lines). */
#define LOG_MASTER_RETRY_MS 200
/* How long one blocking send of a child's may wait before the child looks at its deadline. */
#define LOG_SEND_SLICE_MS 100

/* The log socket keeps one descriptor number for the life of the process, a placeholder on
 * /dev/null while syslog cannot be reached: a reconnect replaces it in place (dup3), so every
 * child forked afterwards inherits the new connection in the slot it keeps open. */
static int sock = -1;
static bool connected;
static int sock_type; /* SOCK_DGRAM, or SOCK_STREAM for a syslog daemon that only offers one */
static struct sockaddr_un log_addr;
static int64_t next_retry; /* the master: its next try to send the lines it kept */
/* The master's lines that syslog did not take yet, in order. */
static struct logqueue pending;
static bool to_stderr;
static bool stderr_is_socket;
/* Under systemd, stderr is a stream to journald ($JOURNAL_STREAM names it). A child logs there:
 * journald ties a /dev/log datagram to a unit by looking up the sender's pid, and a child has
 * usually exited by then, so `journalctl -u` would miss its line; a stream belongs to the unit. */
static bool journal_stream;
/* 0 in the master, which never waits to log; a child's end of life, which its waits respect.
 * Thread-local, as a child writes them: in a static program the thread-local block shares its
 * page with the thread's own record, where fork already wrote the child's thread id, so the
 * child copies no page of the program's data for them. */
static _Thread_local int64_t wait_until;
static _Thread_local int self_pid;

/* Lines lost, counted by the master and every child alike: a page shared across fork. */
struct log_losses {
	uint64_t syslog;
	uint64_t stderr;
};
static struct log_losses own_losses;
static struct log_losses *losses = &own_losses;

CHILD_CODE static void
count_loss(bool to_syslog)
{
	__atomic_add_fetch(to_syslog ? &losses->syslog : &losses->stderr, 1, __ATOMIC_RELAXED);
}

/* Waits until fd is writable or the child's deadline passes; the master never waits. */
static bool
wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (wait_until != 0 && mono_ms() < wait_until) {
		int n = poll(&p, 1, ms_until(wait_until));

		if (n > 0)
			return (p.revents & POLLOUT) != 0;
		if (n == 0 || errno != EINTR)
			return false;
	}
	return false;
}

CHILD_CODE static void
install_socket(int fd, int type)
{
	if (sock < 0) {
		sock = fd;
	} else if (dup3(fd, sock, O_CLOEXEC) >= 0) {
		close(fd);
	} else { /* cannot happen with a valid sock; keep the new one rather than none */
		close(sock);
		sock = fd;
	}
	sock_type = type;
	connected = true;
}

CHILD_CODE static bool
connect_as(int type)
{
	static const struct timeval slice = { .tv_usec = LOG_SEND_SLICE_MS * 1000L };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), saved, flags;

	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&log_addr, sizeof(log_addr)) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return false;
	}
	/* Connected without waiting; from now on a send blocks unless it says MSG_DONTWAIT, as
	 * the master's always do, and a child's that waits does so a slice at a time. */
	if ((flags = fcntl(fd, F_GETFL)) >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &slice, sizeof(slice));
	install_socket(fd, type);
	return true;
}

/* As syslog(3): a datagram socket, else a stream one (connect says EPROTOTYPE). */
CHILD_CODE static void
log_connect(void)
{
	connected = false;
	if (connect_as(SOCK_DGRAM) || (errno == EPROTOTYPE && connect_as(SOCK_STREAM)))
		return;
	if (wait_until == 0)
		next_retry = mono_ms() + LOG_MASTER_RETRY_MS;
	if (sock < 0) /* hold the slot: the descriptor number must not change later */
		sock = open("/dev/null", O_RDONLY | O_CLOEXEC);
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

/* A pipe or terminal nobody reads would block a write forever. O_NONBLOCK on the description
 * we were given would change it for every other process that shares it, so stderr is opened
 * again through /proc for a description of our own, which is made non-blocking. A socket
 * (the journal stream) takes MSG_DONTWAIT per send instead; a regular file never blocks. */
static void
stderr_nonblocking(void)
{
	struct stat st;
	int fd;

	if (fstat(STDERR_FILENO, &st) != 0)
		return;
	stderr_is_socket = S_ISSOCK(st.st_mode);
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return; /* no /proc: stderr stays as it is */
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void
share_losses(void)
{
	void *page = mmap(NULL, sizeof(struct log_losses), PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (page != MAP_FAILED)
		losses = page;
}

void
log_open(bool also_stderr)
{
	const char *path = getenv(LOG_PATH_ENV);

	to_stderr = also_stderr;
	self_pid = (int)getpid();
	tzset(); /* once here, not in every child's first localtime_r */
	stamp_refresh(time(NULL));
	if (path == NULL || *path == '\0' || strlen(path) >= sizeof(log_addr.sun_path))
		path = LOG_PATH_DEFAULT;
	log_addr.sun_family = AF_UNIX;
	strlcpy(log_addr.sun_path, path, sizeof(log_addr.sun_path));
	share_losses();
	log_connect();
	journal_stream = stderr_is_journal();
	if (to_stderr || journal_stream)
		stderr_nonblocking();
}

CHILD_CODE void
log_child(int64_t deadline)
{
	/* The master's kept lines are its own to send, and their memory is not even inherited: a
	 * child never looks at the queue (send_line goes to it only while wait_until is 0), and
	 * clearing it here would write a page of the master's data, a fault in every child. */
	self_pid = (int)getpid();
	wait_until = deadline > 0 ? deadline : 1;
}

CHILD_CODE int
log_fd(void)
{
	return sock;
}

uint64_t
log_lost_syslog(void)
{
	return __atomic_load_n(&losses->syslog, __ATOMIC_RELAXED);
}

uint64_t
log_lost_stderr(void)
{
	return __atomic_load_n(&losses->stderr, __ATOMIC_RELAXED);
}

/* "<PRI>Mmm dd hh:mm:ss hello-server[PID]: ", without the printf family; the ident's offset. */
CHILD_CODE static size_t
syslog_header(struct text *t, int priority, int pid)
{
	struct timespec now;
	size_t ident_at;

	text_char(t, '<');
	text_uint(t, (unsigned)(LOG_DAEMON | LOG_PRI(priority)), 0, ' ');
	text_char(t, '>');
	/* Not time(3): clock_gettime lies among the system calls a child makes anyway. */
	clock_gettime(CLOCK_REALTIME, &now);
	stamp_append(t, now.tv_sec);
	text_char(t, ' ');
	ident_at = t->len;
	text_str(t, "hello-server[");
	text_uint(t, (unsigned)pid, 0, ' ');
	text_str(t, "]: ");
	return ident_at;
}

int
log_format(char *buf, size_t len, int priority, int pid, const char *text)
{
	struct text t;

	if (len == 0)
		return 0;
	text_init(&t, buf, len);
	syslog_header(&t, priority, pid);
	text_str(&t, text);
	return (int)t.len;
}

CHILD_CODE static bool
link_broken(int error)
{
	return error == ECONNREFUSED || error == ENOTCONN || error == EPIPE ||
		error == ECONNRESET || error == EDESTADDRREQ || error == ENOENT;
}

/* A child may wait for a syslog daemon that is behind, until its deadline. It waits in a
 * blocking send, a slice at a time (the socket's SO_SNDTIMEO): not in poll(2), which wakes
 * every child waiting on the full socket each time the daemon takes one line (all but one of
 * them to find it full again), while blocked senders are woken one per line taken. */
CHILD_CODE static bool
may_wait(void)
{
	return wait_until != 0 && mono_ms() < wait_until;
}

/* One line, whole or not at all; a stream gets the NUL that ends a record, as syslog(3) sends.
 * Never blocks the master: its sends say MSG_DONTWAIT. */
CHILD_CODE static bool
send_once(const char *line, size_t len)
{
	size_t total = sock_type == SOCK_STREAM ? len + 1 : len, done = 0;
	int flags = MSG_NOSIGNAL | MSG_DONTWAIT;

	while (done < total) {
		ssize_t n = send(sock, line + done, total - done, flags);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && may_wait()) {
			flags = MSG_NOSIGNAL; /* a child: wait in the kernel's line, see above */
			continue;
		}
		if (done > 0) { /* a record cut in the middle: the stream is out of step */
			errno = EPIPE;
		}
		return false;
	}
	return true;
}

/* The master: keeps a line syslog did not take; the oldest make room when the queue is full. */
static void
keep_line(const char *line, size_t len)
{
	unsigned lost = logqueue_push(&pending, line, len);

	while (lost-- > 0)
		count_loss(true);
	if (next_retry == 0)
		next_retry = mono_ms() + LOG_MASTER_RETRY_MS;
}

/* The master sends what it kept, oldest first, until syslog stops taking lines. A stream needs
 * the NUL after each record: the line is copied out of the queue to end it. */
static void
send_kept(void)
{
	char line[LOGQUEUE_LINE_MAX + 1];
	const char *kept;
	size_t len;

	while ((kept = logqueue_peek(&pending, &len)) != NULL) {
		memcpy(line, kept, len);
		line[len] = '\0';
		if (!send_once(line, len)) {
			if (link_broken(errno))
				connected = false;
			return;
		}
		logqueue_pop(&pending);
	}
}

int64_t
log_due(void)
{
	return pending.lines > 0 ? next_retry : DEADLINE_OFF;
}

void
log_retry(int64_t now)
{
	if (pending.lines == 0 || now < next_retry)
		return;
	next_retry = 0;
	if (!connected)
		log_connect();
	if (connected)
		send_kept();
	if (pending.lines > 0)
		next_retry = mono_ms() + LOG_MASTER_RETRY_MS; /* now may be "at once" (INT64_MAX) */
	else
		logqueue_free(&pending); /* syslog is back: the memory too */
}

/* The master never waits and never drops a line on its own account: what syslog does not take
 * now waits in the queue, and lines after it wait behind it, so that they arrive in order. */
static void
send_master_line(const char *line, size_t len)
{
	if (pending.lines == 0 && connected && send_once(line, len))
		return;
	/* The syslog daemon restarted and the path is a new socket: connect again, at once. */
	if (pending.lines == 0 && connected && link_broken(errno)) {
		log_connect();
		if (connected && send_once(line, len))
			return;
	}
	keep_line(line, len);
}

/* line[len] is its terminating NUL. */
CHILD_CODE static void
send_line(const char *line, size_t len)
{
	if (wait_until == 0) {
		send_master_line(line, len);
		return;
	}
	/* A child: its line now or never. */
	if (!connected)
		log_connect();
	if (connected && send_once(line, len))
		return;
	/* The syslog daemon restarted and the path is a new socket: connect again, once. */
	if (connected && link_broken(errno)) {
		log_connect();
		if (connected && send_once(line, len))
			return;
	}
	count_loss(true);
}

/* One write per line, so children's lines never interleave; a line that cannot be written
 * whole (a reader that stalls; in a child, until its deadline) is dropped and counted. */
static void
write_stderr(const char *line, int n, size_t cap)
{
	size_t len = n < (int)cap ? (size_t)n : cap - 1, done = 0;

	while (n > 0 && done < len) {
		ssize_t w = stderr_is_socket
			? send(STDERR_FILENO, line + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT)
			: write(STDERR_FILENO, line + done, len - done);

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
			wait_writable(STDERR_FILENO))
			continue;
		count_loss(false);
		return;
	}
}

CHILD_CODE void
log_line_begin(struct log_line *l, char *buf, size_t cap, int priority)
{
	text_init(&l->t, buf, cap);
	l->priority = priority;
	l->ident_at = 0;
	if (journal_stream && wait_until != 0) {
		/* A child under systemd: "<N>" is the priority prefix journald reads. */
		text_char(&l->t, '<');
		text_uint(&l->t, (unsigned)LOG_PRI(priority), 0, ' ');
		text_char(&l->t, '>');
		return;
	}
	l->ident_at = syslog_header(&l->t, priority, self_pid);
}

CHILD_CODE void
log_line_end(struct log_line *l)
{
	struct text *t = &l->t;

	if (journal_stream && wait_until != 0) {
		text_char(t, '\n');
		write_stderr(t->buf, (int)t->len, t->cap);
		return;
	}
	send_line(t->buf, t->len);
	/* --debug: the same line from the ident on, as a line of its own. */
	if (to_stderr) {
		text_char(t, '\n');
		write_stderr(t->buf + l->ident_at, (int)(t->len - l->ident_at),
			t->cap - l->ident_at);
	}
}

void
log_vmsg(int priority, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX], buf[LOG_LINE_MAX + 64];
	struct log_line line;

	vsnprintf(text, sizeof(text), fmt, ap);
	log_line_begin(&line, buf, sizeof(buf), priority);
	text_str(&line.t, text);
	log_line_end(&line);
}

void
log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(priority, fmt, ap);
	va_end(ap);
}
