/* Running the real daemon and the real load generator from Check tests: processes, loopback
 * sockets, signals and the daemon's own log, with every wait bounded and tied to an event. */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* How long a wait may go without progress before the test fails: no line logged, no connection
 * of a load completed, no child gone. A wait that progresses waits as long as it progresses, so
 * no verdict depends on the machine's speed; this bounds a hang, nothing else. */
#define STALL_MS 60000
/* STALL_MS scaled for a run that declares itself slower (CK_TIMEOUT_MULTIPLIER). */
int64_t stall_ms(void);

struct daemon_env {
	rlim_t nofile;             /* 0: inherit */
	rlim_t nproc;              /* 0: inherit */
	uid_t uid;                 /* 0: stay as we are; else setgid/setuid to uid before exec */
	const char *notify_socket; /* NOTIFY_SOCKET for the daemon, or NULL */
	bool journal_stream;       /* JOURNAL_STREAM naming its stderr, as systemd sets it */
	const char *argv0;         /* the daemon's argv[0], or NULL for its path */
	const char *syslog_socket; /* HELLO_SERVER_SYSLOG_SOCKET for the daemon, or NULL */
	const int *listen_fds;     /* passed as descriptors 3... with LISTEN_FDS/LISTEN_PID */
	unsigned nlisten_fds;
};

struct daemon {
	pid_t pid;
	uint16_t port; /* of the first address in the start-up line */
	char dir[64];  /* scratch directory: the log, message files */
	char log_path[96];
	int inotify;
	char *log; /* everything the daemon wrote to stderr so far */
	size_t log_len;
	int status; /* wait status once reaped */
	bool reaped;
};

/* Starts HELLO_SERVER with -d and args (NULL-terminated) and waits for its start-up line. */
void daemon_start(struct daemon *d, const char *const args[]);
void daemon_start_env(struct daemon *d, const char *const args[], const struct daemon_env *env);
/* Starts HELLO_SERVER with -d and args, its stdout and stderr to out, and does not wait: for a
 * test that sees the start some other way (a syslog socket of its own). */
void daemon_spawn(struct daemon *d, const char *const args[], const struct daemon_env *env,
	int out);

/* Waits until the log holds a line containing needle at or after offset from; returns the offset
 * just past that line. Fails the test after stall_ms() without it, or if the daemon exits first. */
size_t daemon_wait_log(struct daemon *d, const char *needle, size_t from);
/* Lines of the log containing needle (reads what has been written so far). */
unsigned daemon_count_log(struct daemon *d, const char *needle);
/* Everything the daemon has written to its log so far, as one string read at once. */
const char *daemon_read_log(struct daemon *d);

/* With -P: SIGUSR1, then waits for that round's line of PROXY figures ("status: N PROXY headers
 * pending, M balancer checks greeted; ..."); returns the offset in d->log of its N. */
size_t daemon_proxy_status(struct daemon *d);
/* SIGUSR1, then waits for the status line; returns its number of children. */
unsigned daemon_status_children(struct daemon *d);
/* SIGUSR1 until the status says at most n children (each round waits on the daemon's answer);
 * fails after stall_ms() without a child gone. */
void daemon_wait_children_at_most(struct daemon *d, unsigned n);
/* SIGUSR1 until the status says at least n children (connections are accepted, not just queued);
 * fails after stall_ms() without a child born. */
void daemon_wait_children_at_least(struct daemon *d, unsigned n);

void daemon_signal(struct daemon *d, int sig);
/* Waits for the daemon to exit; returns its exit code (128+signal if killed). */
int daemon_wait_exit(struct daemon *d);
/* SIGTERM and daemon_wait_exit; cleans up the scratch directory. */
int daemon_stop(struct daemon *d);
void daemon_cleanup(struct daemon *d);

/* Writes a file into the daemon's scratch directory (atomically, by rename); returns its path. */
const char *daemon_write_file(struct daemon *d, const char *name, const void *data, size_t len);
/* A scratch directory before the daemon runs (for message files given at start). */
void daemon_prepare(struct daemon *d);

/* Runs the daemon with args and no -d, expecting it to fail at once: its exit code, and up to
 * errlen bytes of its stderr. */
int run_daemon_once(const char *const args[], char *err, size_t errlen, uid_t uid);
/* The same, in the environment env describes. */
int run_daemon_once_env(const char *const args[], char *err, size_t errlen,
	const struct daemon_env *env);

/* Runs hello-load against port with args; its stdout into out; returns its exit code. A load
 * is waited for while it makes progress (it reports on --progress): it fails after stall_ms()
 * without a connection opened or completed, never for its length. */
int run_load(uint16_t port, const char *const args[], char *out, size_t outlen);
/* Starts hello-load in the background; its stdout readable from *out_fd. */
pid_t start_load(uint16_t port, const char *const args[], int *out_fd);
/* Reads the background load's stdout until a line containing needle (its progress lines keep
 * the wait alive). */
void wait_load_line(int fd, const char *needle);
/* The same for any program's output on fd, who naming it in a failure. */
void wait_line(int fd, const char *who, const char *needle);
/* Waits for the child pid to exit while stall_ms() passes, reaps it, returns its exit code
 * (128 + the signal's number for a signal); what names it in a failure. */
int wait_child_exit(pid_t pid, const char *what);
int wait_load(pid_t pid);
/* Reads the background load's stdout to its end into out (without its progress lines), and
 * waits for it. */
int finish_load(pid_t pid, int fd, char *out, size_t outlen);
/* Runs hello-load against the daemon and fails the test, showing both outputs, unless every
 * connection got exactly the greeting (hello-load's exit 0). */
void expect_all_greeted(struct daemon *d, const char *const args[]);
/* The last part of the daemon's log, for failure messages. */
const char *daemon_log_tail(struct daemon *d);

/* One client: connects from source (NULL: any) to addr:port, sends nothing, reads until EOF or
 * error; returns the bytes read (0 for a connection closed without a greeting). */
size_t fetch(const char *source, const char *addr, uint16_t port, char *buf, size_t cap);
/* A connected socket, nothing read. */
int open_client(const char *source, const char *addr, uint16_t port);

/* The daemon's children: how many, and how many of them are zombies. */
unsigned count_children(pid_t parent, unsigned *zombies);

/* CPU time (user + system) the process has used, in clock ticks. */
long cpu_ticks(pid_t pid);

bool have_ipv6_loopback(void);

/* A field of /proc/PID/FILE (status, smaps_rollup...), in kB; -1 when absent. */
long proc_kb(pid_t pid, const char *file, const char *field);

/* Run by meson test --setup=valgrind: the daemon runs under memcheck too. */
bool under_valgrind(void);
/* Built with AddressSanitizer (or another sanitizer that slows every fork and exit). */
bool under_sanitizer(void);
/* Either of the two: heavy tests scale their load down (connections per second fall from
 * thousands to hundreds), keeping what they prove. */
bool slow_build(void);

#endif
