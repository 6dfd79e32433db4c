/*
 * counted: runs a server and, once it has ended, says what it and every child it reaped
 * cost: minor page faults, context switches and CPU time, from wait4's rusage. /proc shows a process's
 * own counts and its reaped children's faults (cminflt), but not their context switches.
 *
 * usage: counted PIDFILE OUTFILE COMMAND [ARG...]
 * Writes the command's pid and a newline to PIDFILE (a file or a FIFO) before the command
 * starts (the command
 * runs in a child that execs it; signals go to that pid), and when it has ended one line to
 * OUTFILE: "minflt=N nvcsw=N nivcsw=N cpu_us=N" (user and system time). Exits with the command's status, or 128 + the
 * signal that ended it.
 */

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One write: PIDFILE may be a FIFO the benchmark reads from, or a regular file. */
static void
write_pid(const char *path, pid_t pid)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long)pid);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, line, (size_t)n) != n || close(fd) != 0) {
		perror("counted: pid file");
		_exit(71);
	}
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	long long cpu_us;
	FILE *out;
	pid_t pid;
	int status;

	if (argc < 4) {
		fputs("usage: counted PIDFILE OUTFILE COMMAND [ARG...]\n", stderr);
		return 64;
	}
	pid = fork();
	if (pid == -1) {
		perror("counted: fork");
		return 71;
	}
	if (pid == 0) {
		write_pid(argv[1], getpid());
		execvp(argv[3], argv + 3);
		fprintf(stderr, "counted: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR) {
			perror("counted: wait4");
			return 71;
		}
	}
	out = fopen(argv[2], "w");
	cpu_us = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	if (out == NULL ||
		fprintf(out, "minflt=%ld nvcsw=%ld nivcsw=%ld cpu_us=%lld\n", ru.ru_minflt,
			ru.ru_nvcsw, ru.ru_nivcsw, cpu_us) < 0 ||
		fclose(out) != 0) {
		perror("counted: output file");
		return 71;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
