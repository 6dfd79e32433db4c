/* `hello-server --reload PID`, the reload that systemd's ExecReload= runs: it returns only once
 * the master serves the new message, says so when the master kept the old one, and gives up
 * with one clear line on a process that does not answer. */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "runner.h"
#include "util.h"

static struct daemon d;

static void
teardown(void)
{
	daemon_cleanup(&d);
}

/* Runs `hello-server --reload PID [-t SECONDS]`: its exit code, its stderr in err. */
static int
run_reload(pid_t pid, const char *timeout, char *err, size_t errlen, uid_t uid)
{
	char pidbuf[16];
	const char *const args[] = { "--reload", pidbuf, timeout ? "-t" : NULL, timeout, NULL };

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	return run_daemon_once(args, err, errlen, uid);
}

/* Each reload is seen by the very next client: no window in which the old message is served
 * after the command returned (the race of `kill -HUP`). */
START_TEST(the_next_client_gets_the_new_message)
{
	const char *path = daemon_write_file(&d, "message", "text 0\n", 7);
	const char *const args[] = { "-l", "127.0.0.1:0", "-M", path, "-q", NULL };
	char text[32], want[32], buf[256], err[512];

	daemon_start(&d, args);
	for (int i = 1; i <= 50; i++) {
		int n = snprintf(text, sizeof(text), "text %d\n", i);

		snprintf(want, sizeof(want), "text %d\r\n", i);
		daemon_write_file(&d, "message", text, (size_t)n);
		ck_assert_int_eq(run_reload(d.pid, NULL, err, sizeof(err), 0), 0);
		ck_assert_str_eq(err, "");
		fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
		ck_assert_str_eq(buf, want);
	}
	ck_assert_uint_eq(daemon_count_log(&d, "SIGHUP: read the message again"), 50);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A missing or invalid file: the daemon keeps its message, and the command fails with the
 * daemon's exit code for that file and a line that says so. */
START_TEST(a_bad_file_fails_the_reload)
{
	const char *path = daemon_write_file(&d, "message", "kept\n", 5);
	const char *const args[] = { "-l", "127.0.0.1:0", "-M", path, "-q", NULL };
	char buf[256], err[512], *big;

	daemon_start(&d, args);
	unlink(path);
	ck_assert_int_eq(run_reload(d.pid, NULL, err, sizeof(err), 0), EX_NOINPUT);
	ck_assert_msg(strstr(err, "kept its old message") != NULL && strstr(err, "status 66"),
		"stderr: %s", err);
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1); /* one line */
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "kept\r\n");

	big = malloc(70000);
	memset(big, 'x', 70000);
	daemon_write_file(&d, "message", big, 70000);
	free(big);
	ck_assert_int_eq(run_reload(d.pid, NULL, err, sizeof(err), 0), EX_DATAERR);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "kept\r\n");

	daemon_write_file(&d, "message", "fixed\n", 6);
	ck_assert_int_eq(run_reload(d.pid, NULL, err, sizeof(err), 0), 0);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fixed\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Unusable quotes fail the reload too: the command's line names what may have been kept (the
 * quotes, not only the message file, which here is fine). */
START_TEST(bad_quotes_fail_the_reload)
{
	const char *quotes = daemon_write_file(&d, "quotes", "kept\n", 5);
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", quotes, "-q", NULL };
	char buf[256], err[512];

	daemon_start(&d, args);
	daemon_write_file(&d, "quotes", "caf\xe9\n", 5);
	ck_assert_int_eq(run_reload(d.pid, NULL, err, sizeof(err), 0), EX_DATAERR);
	ck_assert_msg(strstr(err, "quotes") != NULL && strstr(err, "status 65") != NULL,
		"stderr: %s", err);
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1); /* one line */
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "kept\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Without --message-file there is nothing to read: the reload succeeds and changes nothing. */
START_TEST(without_a_message_file_nothing_changes)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-m", "inline", NULL };
	char buf[256], err[512];

	daemon_start(&d, args);
	ck_assert_int_eq(run_reload(d.pid, NULL, err, sizeof(err), 0), 0);
	daemon_wait_log(&d, "SIGHUP: no --message-file to read again", 0);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "inline\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Requests at once coalesce into one pending SIGHUP; every requester still gets its answer. */
START_TEST(concurrent_reloads_all_return)
{
	enum { N = 8 };
	const char *path = daemon_write_file(&d, "message", "same\n", 5);
	const char *const args[] = { "-l", "127.0.0.1:0", "-M", path, "-q", NULL };
	pid_t kids[N];

	daemon_start(&d, args);
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			char err[512];

			_exit(run_reload(d.pid, NULL, err, sizeof(err), 0));
		}
	}
	for (int i = 0; i < N; i++) {
		int status;

		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reload %d: status %d",
			i, status);
	}
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* The signals pending for the whole process pid (ShdPnd), bit n - 1 for signal n. */
static unsigned long long
pending_signals(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "ShdPnd:", 7) == 0)
			mask = strtoull(line + 7, NULL, 16);
	fclose(f);
	return mask;
}

static char
process_state(pid_t pid)
{
	char path[64], line[512], *close_paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	close_paren = strrchr(line, ')');
	ck_assert_ptr_nonnull(close_paren);
	return close_paren[2];
}

/* Waits until cond(pid) holds, looking every millisecond; fails when it has not after
 * stall_ms(), a bound on a hang. */
static void
wait_until_true(bool (*cond)(pid_t), pid_t pid, const char *what)
{
	struct timespec tick = { 0, 1000000 };
	int64_t deadline = mono_ms() + stall_ms();

	while (!cond(pid)) {
		ck_assert_msg(mono_ms() < deadline, "%s: not in time", what);
		nanosleep(&tick, NULL);
	}
}

static bool
is_stopped(pid_t pid)
{
	return process_state(pid) == 'T';
}

/* A pending signal above SIGHUP's, SIGCHLD's and the other standard ones: the request. */
static bool
has_realtime_pending(pid_t pid)
{
	return (pending_signals(pid) >> 32) != 0;
}

/* A plain SIGHUP pending at the master must not swallow a --reload request (a standard signal
 * merges with one already pending, and its sender is lost): the master is stopped with a
 * SIGHUP pending, the request arrives, and once the master runs again one reload answers it,
 * without the request being sent again. */
START_TEST(reload_answers_with_a_sighup_pending)
{
	const char *path = daemon_write_file(&d, "message", "text 0\n", 7);
	const char *const args[] = { "-l", "127.0.0.1:0", "-M", path, "-q", NULL };
	char pidbuf[16], buf[256];
	int status;
	pid_t requester;

	daemon_start(&d, args);
	ck_assert_int_eq(kill(d.pid, SIGSTOP), 0);
	wait_until_true(is_stopped, d.pid, "the master stopped");
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	daemon_write_file(&d, "message", "text 1\n", 7);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)d.pid);
	requester = fork();
	ck_assert_int_ge(requester, 0);
	if (requester == 0) {
		execl(getenv("HELLO_SERVER"), "hello-server", "--reload", pidbuf, (char *)NULL);
		_exit(127);
	}
	wait_until_true(has_realtime_pending, d.pid, "the request pending beside SIGHUP");
	ck_assert_int_eq(kill(d.pid, SIGCONT), 0);
	ck_assert_int_eq(waitpid(requester, &status, 0), requester);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "--reload: status %d", status);
	ck_assert_uint_eq(daemon_count_log(&d, "SIGHUP: read the message again"), 1);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "text 1\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A process of ours, ready once it has read a byte; named NAME (the kernel's comm) if not NULL,
 * and deaf to SIGHUP if asked. */
static pid_t
start_bystander(const char *name, bool deaf)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigset_t hup;

		sigemptyset(&hup);
		sigaddset(&hup, SIGHUP);
		if (deaf)
			sigprocmask(SIG_BLOCK, &hup, NULL);
		if (name != NULL)
			prctl(PR_SET_NAME, name);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* A process named hello-server that is not a master (it blocks SIGHUP): no answer comes, and
 * the command says so after --timeout seconds. */
START_TEST(no_answer_times_out)
{
	char err[512];
	pid_t mute = start_bystander("hello-server", true);

	ck_assert_int_eq(run_reload(mute, "1", err, sizeof(err), 0), EX_UNAVAILABLE);
	ck_assert_msg(strstr(err, "no answer in 1 s") != NULL, "stderr: %s", err);
	kill(mute, SIGKILL);
	waitpid(mute, NULL, 0);
}
END_TEST

START_TEST(bad_requests)
{
	const char *const not_a_number[] = { "--reload", "12x", NULL };
	const char *const with_port[] = { "--reload", "12", "2323", NULL };
	const char *const with_option[] = { "--reload", "12", "-q", NULL };
	char err[512];
	pid_t gone = fork();

	ck_assert_int_ge(gone, 0);
	if (gone == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(gone, NULL, 0), gone);
	ck_assert_int_eq(run_reload(gone, NULL, err, sizeof(err), 0), EX_UNAVAILABLE);
	ck_assert_msg(strstr(err, "no such process") != NULL, "stderr: %s", err);

	ck_assert_int_eq(run_daemon_once(not_a_number, err, sizeof(err), 0), EX_USAGE);
	ck_assert_str_eq(err,
		"hello-server: --reload '12x' is not a number (expected 1 to 2147483647)\n");
	ck_assert_int_eq(run_daemon_once(with_port, err, sizeof(err), 0), EX_USAGE);
	ck_assert_str_eq(err,
		"hello-server: --reload takes no other option but --timeout: '2323'\n");
	ck_assert_int_eq(run_daemon_once(with_option, err, sizeof(err), 0), EX_USAGE);
	ck_assert_str_eq(err, "hello-server: --reload takes no other option but --timeout: '-q'\n");
}
END_TEST

/* A mistyped PID: another program gets no SIGHUP (which would end this one). */
START_TEST(another_program_gets_no_signal)
{
	char err[512];
	pid_t other;

	if (under_valgrind()) {
		/* Every process runs valgrind's tool there: the bystander looks like us. */
		puts("skipped another_program_gets_no_signal: under valgrind");
		return;
	}
	other = start_bystander(NULL, false);

	ck_assert_int_eq(run_reload(other, NULL, err, sizeof(err), 0), EX_UNAVAILABLE);
	ck_assert_msg(strstr(err, "not hello-server; nothing was sent") != NULL, "stderr: %s", err);
	ck_assert_int_eq(waitpid(other, NULL, WNOHANG), 0);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
}
END_TEST

/* Another user may not signal the master: refused at once, not after a timeout. */
START_TEST(another_user_is_refused)
{
	const char *const args[] = { "-l", "127.0.0.1:0", NULL };
	char err[512];
	daemon_start(&d, args);
	ck_assert_int_eq(run_reload(d.pid, NULL, err, sizeof(err), 65534), EX_NOPERM);
	ck_assert_msg(strstr(err, "not allowed to signal") != NULL, "stderr: %s", err);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Root asking a master that dropped to --user: the master may not signal root, so the answer
 * must still reach the requester (not a timeout after a reload that worked). */
START_TEST(root_reloads_a_master_running_as_another_user)
{
	const char *path = daemon_write_file(&d, "message", "old\n", 4);
	const char *const args[] = { "-l", "127.0.0.1:0", "-M", path, "-u", "nobody", "-q", NULL };
	char buf[256], err[512];
	daemon_start(&d, args);
	daemon_write_file(&d, "message", "new\n", 4);
	ck_assert_int_eq(run_reload(d.pid, "5", err, sizeof(err), 0), 0);
	ck_assert_str_eq(err, "");
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "new\r\n");
	ck_assert_uint_eq(daemon_count_log(&d, "cannot answer"), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static Suite *
reload_suite(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("reload");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, the_next_client_gets_the_new_message);
	tcase_add_test(tc, a_bad_file_fails_the_reload);
	tcase_add_test(tc, bad_quotes_fail_the_reload);
	tcase_add_test(tc, without_a_message_file_nothing_changes);
	tcase_add_test(tc, concurrent_reloads_all_return);
	tcase_add_test(tc, reload_answers_with_a_sighup_pending);
	tcase_add_test(tc, no_answer_times_out);
	tcase_add_test(tc, bad_requests);
	tcase_add_test(tc, another_program_gets_no_signal);
	suite_add_tcase(s, tc);
	tc = tcase_create("reload-as-root");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_set_tags(tc, ROOT_TAG);
	tcase_add_test(tc, another_user_is_refused);
	tcase_add_test(tc, root_reloads_a_master_running_as_another_user);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return run_suite_part(reload_suite(), argc, argv);
}
