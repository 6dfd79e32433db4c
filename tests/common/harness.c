#include "harness.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "scratch.h"
#include "util.h"

/* STALL_MS, times CK_TIMEOUT_MULTIPLIER where a run declares itself that much slower (meson's
 * valgrind setup says 10): under memcheck on a busy machine a fork takes tens of milliseconds. */
int64_t
stall_ms(void)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
	long factor = m != NULL ? strtol(m, NULL, 10) : 1;

	return STALL_MS * (factor >= 1 && factor <= 100 ? factor : 1);
}

static const char *
program(const char *var)
{
	const char *path = getenv(var);

	ck_assert_msg(path != NULL, "%s is not set (run the tests with meson test)", var);
	return path;
}

/* A fresh directory under /tmp that every user may enter (its files are ours to remove). */
static void
make_shared_dir(char *dir)
{
	scratch_make(dir, "test");
	ck_assert_int_eq(chmod(dir, 0755), 0);
}

void
daemon_prepare(struct daemon *d)
{
	if (d->dir[0] != '\0')
		return;
	memset(d, 0, sizeof(*d));
	d->inotify = -1;
	/* The daemon may run as another user: it must reach the files we put here. */
	make_shared_dir(d->dir);
	snprintf(d->log_path, sizeof(d->log_path), "%s/log", d->dir);
}

static void
drop_to(uid_t uid)
{
	gid_t gid = (gid_t)uid;

	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		dprintf(STDERR_FILENO, "test harness: cannot become uid %d: %s\n", (int)uid,
			strerror(errno));
		_exit(126);
	}
}

/* In a forked child: exec path with argv, or say why not on stderr and exit 127. */
static void
exec_or_explain(const char *path, char **argv)
{
	execv(path, argv);
	dprintf(STDERR_FILENO, "test harness: cannot execute %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* A daemon run as another user may not reach the build tree (a checkout in a 0700 home, such
 * as root's): it runs a copy of the binary in dir, which every user may enter. Returns the
 * copy's path (malloc'd). */
static char *
copy_daemon_into(const char *dir)
{
	const char *from = program("HELLO_SERVER");
	char *to, buf[65536];
	int in, out;
	ssize_t n;

	ck_assert_int_gt(asprintf(&to, "%s/hello-server", dir), 0);
	in = open(from, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in >= 0, "cannot read %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	ck_assert_msg(out >= 0, "cannot create %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	ck_assert_int_eq(close(out), 0);
	return to;
}

/* Socket activation as systemd does it: descriptors 3..., and the count and our pid. */
static void
pass_listeners(const int *fds, unsigned n)
{
	char value[32];
	int moved[8];

	if (n > 8)
		_exit(125);
	/* First out of the way of 3..., so that no dup2 overwrites one still to be moved. */
	for (unsigned i = 0; i < n; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + (int)n)) < 0)
			_exit(125);
	for (unsigned i = 0; i < n; i++)
		if (dup2(moved[i], 3 + (int)i) < 0)
			_exit(125);
	snprintf(value, sizeof(value), "%u", n);
	setenv("LISTEN_FDS", value, 1);
	snprintf(value, sizeof(value), "%d", (int)getpid());
	setenv("LISTEN_PID", value, 1);
}

static void
apply_env(const struct daemon_env *env)
{
	if (env == NULL)
		return;
	if (env->nofile != 0) {
		struct rlimit rl = { env->nofile, env->nofile };

		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(125);
	}
	if (env->nproc != 0) {
		struct rlimit rl = { env->nproc, env->nproc };

		if (setrlimit(RLIMIT_NPROC, &rl) != 0)
			_exit(125);
	}
	if (env->notify_socket != NULL)
		setenv("NOTIFY_SOCKET", env->notify_socket, 1);
	if (env->syslog_socket != NULL)
		setenv("HELLO_SERVER_SYSLOG_SOCKET", env->syslog_socket, 1);
	if (env->nlisten_fds > 0)
		pass_listeners(env->listen_fds, env->nlisten_fds);
	if (env->journal_stream) {
		struct stat st;
		char value[64];

		if (fstat(STDERR_FILENO, &st) != 0)
			_exit(125);
		snprintf(value, sizeof(value), "%llu:%llu", (unsigned long long)st.st_dev,
			(unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", value, 1);
	}
	if (env->uid != 0)
		drop_to(env->uid);
}

/* argv for execv: prog, extra (e.g. "-d"), then args. */
static char **
build_argv(const char *prog, const char *extra, const char *const args[])
{
	size_t n = 0, i = 0;
	char **argv;

	while (args[n] != NULL)
		n++;
	argv = calloc(n + 3, sizeof(*argv));
	ck_assert_ptr_nonnull(argv);
	argv[i++] = strdup(prog);
	if (extra != NULL)
		argv[i++] = strdup(extra);
	for (size_t k = 0; k < n; k++)
		argv[i++] = strdup(args[k]);
	return argv;
}

static void
free_argv(char **argv)
{
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* Reads whatever the daemon has added to its log since the last call. */
static void
refresh_log(struct daemon *d)
{
	struct stat st;
	int fd = open(d->log_path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	if ((size_t)st.st_size > d->log_len) {
		size_t want = (size_t)st.st_size - d->log_len;
		ssize_t got;

		d->log = realloc(d->log, (size_t)st.st_size + 1);
		ck_assert_ptr_nonnull(d->log);
		got = pread(fd, d->log + d->log_len, want, (off_t)d->log_len);
		ck_assert_int_ge(got, 0);
		d->log_len += (size_t)got;
		d->log[d->log_len] = '\0';
	}
	close(fd);
}

static bool
check_exited(struct daemon *d)
{
	if (!d->reaped && waitpid(d->pid, &d->status, WNOHANG) == d->pid)
		d->reaped = true;
	return d->reaped;
}

static const char *
find_line(struct daemon *d, const char *needle, size_t from)
{
	if (d->log == NULL || from > d->log_len)
		return NULL;
	return strstr(d->log + from, needle);
}

size_t
daemon_wait_log(struct daemon *d, const char *needle, size_t from)
{
	int64_t deadline = mono_ms() + stall_ms();

	for (;;) {
		struct pollfd p = { .fd = d->inotify, .events = POLLIN };
		char events[4096];
		const char *hit, *eol;

		refresh_log(d);
		hit = find_line(d, needle, from);
		if (hit != NULL) {
			eol = strchr(hit, '\n');
			return eol != NULL ? (size_t)(eol + 1 - d->log) : d->log_len;
		}
		if (check_exited(d)) {
			refresh_log(d);
			if (find_line(d, needle, from) == NULL)
				ck_abort_msg("the daemon exited before logging '%s'; its log:\n%s",
					needle, d->log ? d->log : "");
			continue;
		}
		/* The daemon's exit writes nothing to the log: look again at least every second. */
		ck_assert_msg(mono_ms() < deadline, "no '%s' in the log in time; the log:\n%s",
			needle, d->log ? d->log : "");
		if (poll(&p, 1, ms_until(deadline) < 1000 ? ms_until(deadline) : 1000) > 0)
			while (read(d->inotify, events, sizeof(events)) > 0)
				;
	}
}

unsigned
daemon_count_log(struct daemon *d, const char *needle)
{
	unsigned n = 0;

	refresh_log(d);
	for (const char *p = d->log; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

const char *
daemon_read_log(struct daemon *d)
{
	refresh_log(d);
	return d->log != NULL ? d->log : "";
}

/* The one way a test starts a program: path with argv, stdin from /dev/null, stdout to out and
 * stderr to err, with env's limits, environment and user (env may be NULL). */
static pid_t
spawn(const char *path, char **argv, int out, int err, const struct daemon_env *env)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
			dup2(err, STDERR_FILENO) < 0)
			_exit(125);
		if (null > STDERR_FILENO)
			close(null); /* not the daemon's: it would count against its descriptor limit */
		apply_env(env);
		/* Nothing of the test's own (Check's files, sockets of other helpers) reaches the
		 * program: what it inherits would count against its descriptor limit, and differ from
		 * one way of starting it to another. */
		close_range(3 + (env != NULL ? env->nlisten_fds : 0), ~0U, 0);
		exec_or_explain(path, argv);
	}
	return pid;
}

void
daemon_spawn(struct daemon *d, const char *const args[], const struct daemon_env *env, int out)
{
	char **argv, *path;

	daemon_prepare(d);
	if (env != NULL && env->uid != 0) {
		char *copy = copy_daemon_into(d->dir);

		argv = build_argv(copy, "-d", args);
		free(copy);
	} else {
		argv = build_argv(program("HELLO_SERVER"), "-d", args);
	}
	path = strdup(argv[0]);
	ck_assert_ptr_nonnull(path);
	if (env != NULL && env->argv0 != NULL) {
		free(argv[0]);
		argv[0] = strdup(env->argv0);
	}
	d->pid = spawn(path, argv, out, out, env);
	free(path);
	free_argv(argv);
}

void
daemon_start_env(struct daemon *d, const char *const args[], const struct daemon_env *env)
{
	int logfd;
	const char *line, *p;

	daemon_prepare(d);
	logfd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	ck_assert_int_ge(logfd, 0);
	d->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ck_assert_int_ge(d->inotify, 0);
	ck_assert_int_ge(inotify_add_watch(d->inotify, d->log_path, IN_MODIFY), 0);
	daemon_spawn(d, args, env, logfd);
	close(logfd);
	daemon_wait_log(d, "started; listening on ", 0);
	line = strstr(d->log, "listening on ") + strlen("listening on ");
	p = line + strcspn(line, ", \n");
	while (p > line && p[-1] != ':')
		p--;
	d->port = (uint16_t)atoi(p);
	ck_assert_msg(d->port != 0, "no port in the start-up line: %s", d->log);
}

void
daemon_start(struct daemon *d, const char *const args[])
{
	daemon_start_env(d, args, NULL);
}

/* The status line that counts children ("status: N children, ..."), at or after from; NULL
 * while there is none. With --proxy-from a second line follows it ("status: N PROXY headers
 * pending"): it may land in the log only after a round has read its first, so a round must not
 * take the next round's first "status: " line for its own. */
static const char *
find_children_status(struct daemon *d, size_t from)
{
	const char *line = find_line(d, "status: ", from);

	while (line != NULL) {
		char *end;

		(void)strtoul(line + strlen("status: "), &end, 10);
		if (strncmp(end, " child", strlen(" child")) == 0)
			return line;
		line = find_line(d, "status: ", (size_t)(line - d->log) + 1);
	}
	return NULL;
}

#define PROXY_STATUS "PROXY headers pending, "

/* A status round writes its children line, then with -P its PROXY line. Rounds that waited for
 * the first line only may have the second still on its way: wait for it, so that the next
 * round's PROXY line is the first one after where it starts. */
static void
await_proxy_lines_of_earlier_rounds(struct daemon *d)
{
	size_t past_last = 0;

	for (;;) {
		unsigned rounds = 0, proxy = 0;
		const char *p;

		refresh_log(d);
		for (p = d->log; p != NULL && (p = strstr(p, " served, refused ")) != NULL; p++)
			rounds++;
		for (p = d->log; p != NULL && (p = strstr(p, PROXY_STATUS)) != NULL; p++) {
			proxy++;
			past_last = (size_t)(p - d->log) + 1;
		}
		if (proxy >= rounds)
			return;
		daemon_wait_log(d, PROXY_STATUS, past_last);
	}
}

size_t
daemon_proxy_status(struct daemon *d)
{
	size_t from;
	const char *line;

	await_proxy_lines_of_earlier_rounds(d);
	from = d->log_len;
	daemon_signal(d, SIGUSR1);
	daemon_wait_log(d, PROXY_STATUS, from);
	line = strstr(d->log + from, PROXY_STATUS);
	while (line > d->log && line[-1] == ' ')
		line--;
	while (line > d->log && line[-1] >= '0' && line[-1] <= '9')
		line--;
	return (size_t)(line - d->log);
}

unsigned
daemon_status_children(struct daemon *d)
{
	const char *line;
	size_t from, next;

	refresh_log(d);
	from = next = d->log_len;
	daemon_signal(d, SIGUSR1);
	while ((line = find_children_status(d, from)) == NULL)
		next = daemon_wait_log(d, "status: ", next);
	return (unsigned)strtoul(line + strlen("status: "), NULL, 10);
}

void
daemon_wait_children_at_most(struct daemon *d, unsigned n)
{
	int64_t deadline = mono_ms() + stall_ms();
	unsigned have, least = UINT_MAX;

	while ((have = daemon_status_children(d)) > n) {
		if (have < least) {
			least = have;
			deadline = mono_ms() + stall_ms();
		}
		ck_assert_msg(mono_ms() < deadline, "still %u children, waiting for %u", have, n);
	}
}

void
daemon_wait_children_at_least(struct daemon *d, unsigned n)
{
	int64_t deadline = mono_ms() + stall_ms();
	unsigned have, most = 0;

	while ((have = daemon_status_children(d)) < n) {
		if (have > most) {
			most = have;
			deadline = mono_ms() + stall_ms();
		}
		ck_assert_msg(mono_ms() < deadline, "only %u children, waiting for %u", have, n);
	}
}

void
daemon_signal(struct daemon *d, int sig)
{
	ck_assert_int_eq(kill(d->pid, sig), 0);
}

static int
exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* No timed wait for a child in POSIX. SIGCHLD read from a signalfd is the event; waitid with
 * WNOWAIT looks without reaping. (pidfd_open would do, but valgrind 3.19 does not know it.) */
static bool
wait_pid_exit(pid_t pid, int64_t deadline)
{
	sigset_t chld;
	siginfo_t info;
	int sfd;
	bool exited = false;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &chld, NULL), 0);
	sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	ck_assert_int_ge(sfd, 0);
	for (;;) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;

		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			info.si_pid == pid) {
			exited = true;
			break;
		}
		if (ms_until(deadline) == 0 || poll(&p, 1, ms_until(deadline)) <= 0)
			break;
		while (read(sfd, &si, sizeof(si)) > 0)
			;
	}
	close(sfd);
	return exited;
}

int
wait_child_exit(pid_t pid, const char *what)
{
	int status;

	ck_assert_msg(wait_pid_exit(pid, mono_ms() + stall_ms()), "%s did not exit in time", what);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return exit_code(status);
}

int
daemon_wait_exit(struct daemon *d)
{
	if (!d->reaped)
		ck_assert_msg(wait_pid_exit(d->pid, mono_ms() + stall_ms()),
			"the daemon did not exit in time");
	if (!d->reaped) {
		ck_assert_int_eq(waitpid(d->pid, &d->status, 0), d->pid);
		d->reaped = true;
	}
	refresh_log(d);
	if (WIFSIGNALED(d->status))
		return 128 + WTERMSIG(d->status);
	return WEXITSTATUS(d->status);
}

void
daemon_cleanup(struct daemon *d)
{
	if (d->pid > 0 && !check_exited(d)) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &d->status, 0);
		d->reaped = true;
	}
	if (d->inotify >= 0)
		close(d->inotify);
	d->inotify = -1;
	free(d->log);
	d->log = NULL;
	if (d->dir[0] != '\0')
		scratch_remove(d->dir);
	d->dir[0] = '\0';
}

int
daemon_stop(struct daemon *d)
{
	int rc;

	daemon_signal(d, SIGTERM);
	rc = daemon_wait_exit(d);
	return rc;
}

const char *
daemon_write_file(struct daemon *d, const char *name, const void *data, size_t len)
{
	daemon_prepare(d);
	return scratch_write(d->dir, name, data, len);
}

/* hello-load's --progress lines: they keep a wait alive and are no part of its report. */
#define PROGRESS_PREFIX "PROGRESS "

/* Appends what a line of len bytes says to buf (at most cap - 1 bytes kept, NUL-terminated). */
static void
keep_line(char *buf, size_t cap, size_t *got, const char *line, size_t len)
{
	size_t room = cap - 1 - *got;

	if (len >= strlen(PROGRESS_PREFIX) &&
		memcmp(line, PROGRESS_PREFIX, strlen(PROGRESS_PREFIX)) == 0)
		return;
	if (len > room)
		len = room;
	memcpy(buf + *got, line, len);
	*got += len;
	buf[*got] = '\0';
}

/* Reads fd to EOF into buf (at most cap - 1 bytes kept, NUL-terminated), progress lines left
 * out. false if stall_ms() passed without a byte. */
static bool
read_pipe(int fd, char *buf, size_t cap)
{
	char line[4096];
	size_t got = 0, len = 0;
	bool ended = false;

	buf[0] = '\0';
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		ssize_t n;

		if (poll(&p, 1, (int)stall_ms()) != 1)
			break;
		n = read(fd, &c, 1);
		if (n <= 0) {
			ended = true;
			break;
		}
		if (len < sizeof(line))
			line[len++] = c;
		if (c == '\n') {
			keep_line(buf, cap, &got, line, len);
			len = 0;
		}
	}
	keep_line(buf, cap, &got, line, len);
	return ended;
}

int
run_daemon_once(const char *const args[], char *err, size_t errlen, uid_t uid)
{
	const struct daemon_env env = { .uid = uid };

	return run_daemon_once_env(args, err, errlen, &env);
}

int
run_daemon_once_env(const char *const args[], char *err, size_t errlen,
	const struct daemon_env *env)
{
	uid_t uid = env->uid;
	char dir[SCRATCH_DIR_MAX] = "", *copy = NULL, **argv;
	int fds[2], status, null;
	pid_t pid;

	if (uid != 0) {
		make_shared_dir(dir);
		copy = copy_daemon_into(dir);
	}
	argv = build_argv(copy != NULL ? copy : program("HELLO_SERVER"), NULL, args);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(null, 0);
	pid = spawn(argv[0], argv, null, fds[1], env);
	free_argv(argv);
	close(null);
	close(fds[1]);
	read_pipe(fds[0], err, errlen);
	close(fds[0]);
	if (copy != NULL) {
		unlink(copy);
		rmdir(dir);
		free(copy);
	}
	if (!wait_pid_exit(pid, mono_ms() + stall_ms())) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("the daemon did not stop by itself; stderr: %s", err);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return exit_code(status);
}

/* hello-load -p PORT --progress ARGS...: argv for execv, only the pointers malloc'd. */
static char **
load_argv(char **tail, char *port)
{
	static char dash_p[] = "-p", progress[] = "--progress";
	size_t n = 0;
	char **argv;

	while (tail[n] != NULL)
		n++;
	argv = calloc(n + 4, sizeof(*argv));
	ck_assert_ptr_nonnull(argv);
	argv[0] = tail[0];
	argv[1] = dash_p;
	argv[2] = port;
	argv[3] = progress;
	for (size_t i = 1; i < n; i++)
		argv[i + 3] = tail[i];
	return argv;
}

pid_t
start_load(uint16_t port, const char *const args[], int *out_fd)
{
	char portbuf[16];
	char **tail = build_argv(program("HELLO_LOAD"), NULL, args);
	char **argv;
	int fds[2];
	pid_t pid;

	snprintf(portbuf, sizeof(portbuf), "%u", port);
	argv = load_argv(tail, portbuf);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = spawn(argv[0], argv, fds[1], STDERR_FILENO, NULL);
	free(argv);
	free_argv(tail);
	close(fds[1]);
	*out_fd = fds[0];
	return pid;
}

void
wait_line(int fd, const char *who, const char *needle)
{
	int64_t deadline = mono_ms() + stall_ms();
	char buf[8192];
	size_t got = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		/* Any line, a progress line too, says the program moves on: wait again. */
		if (got == 0)
			deadline = mono_ms() + stall_ms();
		ck_assert_msg(poll(&p, 1, ms_until(deadline)) == 1,
			"%s printed nothing in %lld s, waiting for '%s'", who,
			(long long)stall_ms() / 1000, needle);
		/* One byte at a time: what follows the line stays in the pipe for later readers. */
		n = read(fd, buf + got, 1);
		ck_assert_msg(n == 1, "%s ended before printing '%s': %.*s", who, needle, (int)got,
			buf);
		got++;
		if (buf[got - 1] == '\n') {
			buf[got] = '\0';
			if (strstr(buf, needle) != NULL)
				return;
			got = 0;
		}
		ck_assert_uint_lt(got, sizeof(buf) - 1);
	}
}

void
wait_load_line(int fd, const char *needle)
{
	wait_line(fd, "hello-load", needle);
}

int
wait_load(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return exit_code(status);
}

int
finish_load(pid_t pid, int fd, char *out, size_t outlen)
{
	bool ended = read_pipe(fd, out, outlen);

	close(fd);
	if (!ended) {
		kill(pid, SIGKILL);
		wait_load(pid);
		ck_abort_msg("hello-load made no progress in %lld s; its output so far:\n%s",
			(long long)stall_ms() / 1000, out);
	}
	return wait_load(pid);
}

int
run_load(uint16_t port, const char *const args[], char *out, size_t outlen)
{
	int fd;
	pid_t pid = start_load(port, args, &fd);

	return finish_load(pid, fd, out, outlen);
}

void
expect_all_greeted(struct daemon *d, const char *const args[])
{
	char out[4096];

	ck_assert_msg(run_load(d->port, args, out, sizeof(out)) == 0, "%s\ndaemon log:\n%s", out,
		daemon_log_tail(d));
}

const char *
daemon_log_tail(struct daemon *d)
{
	refresh_log(d);
	if (d->log == NULL)
		return "";
	return d->log_len > 2000 ? d->log + d->log_len - 2000 : d->log;
}

static void
fill_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	}
}

int
open_client(const char *source, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	struct timeval tv = { .tv_sec = stall_ms() / 1000 };
	socklen_t len;
	int fd;

	fill_sockaddr(addr, port, &ss, &len);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (source != NULL) {
		struct sockaddr_storage src;
		socklen_t slen;

		fill_sockaddr(source, 0, &src, &slen);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, slen), 0);
	}
	ck_assert_msg(connect(fd, (struct sockaddr *)&ss, len) == 0, "connect to %s port %u: %s",
		addr, port, strerror(errno));
	return fd;
}

size_t
fetch(const char *source, const char *addr, uint16_t port, char *buf, size_t cap)
{
	int fd = open_client(source, addr, port);
	size_t got = read_to_end(fd, buf, cap);

	close(fd);
	return got;
}

/* Fields of /proc/PID/stat after the command name, which may hold spaces and parentheses. */
static bool
read_stat(const char *pid, char *state, long *ppid, long *ticks)
{
	char path[64], buf[1024];
	unsigned long utime = 0, stime = 0;
	const char *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL ||
		sscanf(p + 2, "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", state, ppid,
			&utime, &stime) != 4)
		return false;
	if (ticks != NULL)
		*ticks = (long)(utime + stime);
	return true;
}

unsigned
count_children(pid_t parent, unsigned *zombies)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	unsigned n = 0, z = 0;

	ck_assert_ptr_nonnull(proc);
	while ((e = readdir(proc)) != NULL) {
		char state;
		long ppid;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (!read_stat(e->d_name, &state, &ppid, NULL) || ppid != parent)
			continue;
		n++;
		z += state == 'Z';
	}
	closedir(proc);
	if (zombies != NULL)
		*zombies = z;
	return n;
}

long
cpu_ticks(pid_t pid)
{
	char name[32], state;
	long ppid, ticks;

	snprintf(name, sizeof(name), "%d", (int)pid);
	ck_assert(read_stat(name, &state, &ppid, &ticks));
	return ticks;
}

bool
have_ipv6_loopback(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

bool
under_valgrind(void)
{
	return getenv("HELLO_UNDER_VALGRIND") != NULL;
}

/* The tests are built with the daemon's flags: a sanitizer here is one in the daemon too. */
bool
under_sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

bool
slow_build(void)
{
	return under_valgrind() || under_sanitizer();
}

/* A field of /proc/PID/FILE, in kB (-1 when absent). */
long
proc_kb(pid_t pid, const char *file, const char *field)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			kb = strtol(line + strlen(field), NULL, 10);
	fclose(f);
	return kb;
}
