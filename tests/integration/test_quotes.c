/* --quotes on the wire: the quote alone or after the message, the day's quote agreed by two
 * instances, --random, SIGHUP, and every refusal at start-up. Files made here; the real
 * fortunes-min files are test_fortunes.c's. */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "qotd.h"
#include "runner.h"

static struct daemon d, d2;

static void
teardown(void)
{
	daemon_cleanup(&d);
	daemon_cleanup(&d2);
}

/* "quote 0\n%\nquote 1\n%\n..." */
static const char *
write_numbered(struct daemon *dm, const char *name, unsigned n, char *path, size_t len)
{
	size_t cap = (size_t)n * 20 + 1, used = 0;
	char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	for (unsigned i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, cap - used, "quote %u\n%%\n", i);
	snprintf(path, len, "%s", daemon_write_file(dm, name, text, used));
	free(text);
	return path;
}

START_TEST(the_quote_alone_or_after_the_message)
{
	char path[200], msg[200], buf[512];

	snprintf(path, sizeof(path), "%s", daemon_write_file(&d, "q", "only one\n%\n", 11));
	snprintf(msg, sizeof(msg), "%s", daemon_write_file(&d, "m", "From file\n", 10));
	{
		const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, NULL };

		daemon_start(&d, args);
		ck_assert_uint_eq(fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf)), 10);
		ck_assert_str_eq(buf, "only one\r\n");
		daemon_wait_log(&d, "1 quote from 1 file; skipped 0; the quote of the day", 0);
		ck_assert_int_eq(daemon_stop(&d), 0);
	}
	{
		const char *const args[] = { "-l", "127.0.0.1:0", "-m", "Hi", "--quotes", path,
			NULL };

		daemon_start(&d2, args);
		fetch(NULL, "127.0.0.1", d2.port, buf, sizeof(buf));
		ck_assert_str_eq(buf, "Hi\r\nonly one\r\n");
		ck_assert_int_eq(daemon_stop(&d2), 0);
		daemon_cleanup(&d2);
	}
	{
		const char *const args[] = { "-l", "127.0.0.1:0", "-M", msg, "-Q", path, NULL };

		daemon_start(&d2, args);
		fetch(NULL, "127.0.0.1", d2.port, buf, sizeof(buf));
		ck_assert_str_eq(buf, "From file\r\nonly one\r\n");
		ck_assert_int_eq(daemon_stop(&d2), 0);
	}
}
END_TEST

/* The quote the day's arithmetic names, seen before or after the fetch (midnight may pass). */
static void
expect_todays(const char *buf, unsigned n)
{
	char want[2][64];

	for (int k = 0; k < 2; k++)
		snprintf(want[k], sizeof(want[k]), "quote %u\r\n",
			qotd_day_index(qotd_local_day(time(NULL)), n));
	ck_assert_msg(strcmp(buf, want[0]) == 0 || strcmp(buf, want[1]) == 0,
		"got '%s', today's is '%s'", buf, want[0]);
}

/* Two instances with the same file serve the same quote (behind a balancer they must agree);
 * a restart changes nothing; it is the one qotd.h names for today. */
START_TEST(instances_agree_on_the_days_quote)
{
	char path[200], first[512], second[512], again[512];
	unsigned before = qotd_day_index(qotd_local_day(time(NULL)), 500);

	write_numbered(&d, "q", 500, path, sizeof(path));
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, NULL };

	daemon_start(&d, args);
	daemon_start(&d2, args);
	fetch(NULL, "127.0.0.1", d.port, first, sizeof(first));
	fetch(NULL, "127.0.0.1", d2.port, second, sizeof(second));
	ck_assert_int_eq(daemon_stop(&d2), 0);
	daemon_cleanup(&d2);
	daemon_start(&d2, args);
	fetch(NULL, "127.0.0.1", d2.port, again, sizeof(again));
	if (before == qotd_day_index(qotd_local_day(time(NULL)), 500)) {
		ck_assert_str_eq(first, second);
		ck_assert_str_eq(first, again);
	}
	expect_todays(first, 500);
	ck_assert_int_eq(daemon_stop(&d2), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* --random: every client its own draw; 40 draws among 1000 all alike would be a broken random
 * source (a chance of 1000^-39 otherwise). */
START_TEST(random_quotes_differ)
{
	char path[200], buf[512], first[512] = "";
	unsigned differ = 0;

	write_numbered(&d, "q", 1000, path, sizeof(path));
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, "--random", "-q", NULL };

	daemon_start(&d, args);
	daemon_wait_log(&d, "1000 quotes from 1 file; skipped 0; a random quote per connection", 0);
	for (int i = 0; i < 40; i++) {
		unsigned k;

		fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
		ck_assert_msg(sscanf(buf, "quote %u", &k) == 1 && k < 1000 &&
				strcmp(buf + strlen(buf) - 2, "\r\n") == 0,
			"got '%s'", buf);
		if (i == 0)
			strcpy(first, buf);
		else
			differ += strcmp(buf, first) != 0;
	}
	ck_assert_uint_gt(differ, 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* SIGHUP reads the quotes again; new ones that are unusable leave the old ones in place. */
START_TEST(sighup_reads_the_quotes_again)
{
	char path[200], buf[512];
	size_t at;

	snprintf(path, sizeof(path), "%s", daemon_write_file(&d, "q", "first\n", 6));
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, "-q", NULL };

	daemon_start(&d, args);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "first\r\n");
	daemon_write_file(&d, "q", "second\n%\n\a\n", 11);
	daemon_signal(&d, SIGHUP);
	at = daemon_wait_log(&d, "SIGHUP: read again quotes", 0);
	ck_assert_uint_eq(daemon_count_log(&d, "1 quote from 1 file; skipped 1: 1 with control"),
		1);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "second\r\n");
	daemon_write_file(&d, "q", "caf\xe9\n", 5);
	daemon_signal(&d, SIGHUP);
	at = daemon_wait_log(&d, "SIGHUP: keeping the old quotes", at);
	ck_assert(strstr(daemon_log_tail(&d), path) != NULL);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "second\r\n");
	ck_assert_int_ne(unlink(path), -1);
	daemon_signal(&d, SIGHUP);
	daemon_wait_log(&d, "No such file or directory", at);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, "second\r\n");
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* The quote of the day in zone tz, seen before or after the fetch into buf. */
static void
expect_todays_in(const char *tz, const char *buf, unsigned n)
{
	ck_assert_int_eq(setenv("TZ", tz, 1), 0);
	tzset();
	expect_todays(buf, n);
	ck_assert_int_eq(unsetenv("TZ"), 0);
	tzset();
}

/* The type is ignored for a bind mount and a propagation change; valgrind wants one all the
 * same. */
static bool
bind_zone(const char *zone)
{
	char src[128];

	snprintf(src, sizeof(src), "/usr/share/zoneinfo/%s", zone);
	return mount(src, "/etc/localtime", "none", MS_BIND, NULL) == 0;
}

/* SIGHUP reads a changed /etc/localtime too: the quote follows the new zone's date. In a mount
 * namespace of this test's own, where /etc/localtime is another zone's file; UTC+14 and UTC-11
 * are never on the same date. Needs root (CAP_SYS_ADMIN) for the namespace. */
START_TEST(sighup_reads_a_changed_time_zone)
{
	char path[200], buf[512];

	if (geteuid() != 0 || access("/usr/share/zoneinfo/Pacific/Kiritimati", R_OK) != 0) {
		puts("skipped sighup_reads_a_changed_time_zone: needs root and tzdata");
		return;
	}
	/* The daemon inherits our environment: without TZ, it reads /etc/localtime. */
	ck_assert_int_eq(unsetenv("TZ"), 0);
	if (unshare(CLONE_NEWNS) != 0 ||
		mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
		!bind_zone("Pacific/Kiritimati")) {
		printf("skipped sighup_reads_a_changed_time_zone: no mount namespace: %s\n",
			strerror(errno));
		return;
	}
	write_numbered(&d, "q", 1000, path, sizeof(path));
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, "-q", NULL };

	daemon_start(&d, args);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	expect_todays_in("Pacific/Kiritimati", buf, 1000);
	ck_assert_int_eq(umount2("/etc/localtime", 0), 0);
	ck_assert(bind_zone("Pacific/Pago_Pago"));
	daemon_signal(&d, SIGHUP);
	daemon_wait_log(&d, "SIGHUP: read again quotes", 0);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	expect_todays_in("Pacific/Pago_Pago", buf, 1000);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* A zone file's bytes, to be written where the test's TZ points. */
static char *
zone_file(const char *zone, size_t *len)
{
	char path[128];
	char *data = malloc(1 << 20);
	FILE *f;

	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(data);
	*len = fread(data, 1, 1 << 20, f);
	ck_assert_uint_gt(*len, 0);
	fclose(f);
	return data;
}

static void
write_zone(const char *zone)
{
	size_t len;
	char *data = zone_file(zone, &len);

	daemon_write_file(&d, "localtime", data, len);
	free(data);
}

/* TZ names a zone file (":/etc/localtime", "/etc/localtime"; here one of the test's own, so no
 * root is needed): SIGHUP reads the replaced file, though TZ's text did not change (glibc's
 * tzset() alone would not). */
static const char *const tz_forms[] = { ":", "" };

START_TEST(sighup_reads_the_zone_file_tz_names)
{
	char path[200], tz[300], buf[512];
	size_t at;

	if (access("/usr/share/zoneinfo/Pacific/Kiritimati", R_OK) != 0) {
		puts("skipped sighup_reads_the_zone_file_tz_names: needs tzdata");
		return;
	}
	daemon_prepare(&d);
	write_zone("Pacific/Kiritimati");
	snprintf(tz, sizeof(tz), "%s%s/localtime", tz_forms[_i], d.dir);
	ck_assert_int_eq(setenv("TZ", tz, 1), 0);
	write_numbered(&d, "q", 1000, path, sizeof(path));
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, "-q", NULL };

	daemon_start(&d, args);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	expect_todays_in("Pacific/Kiritimati", buf, 1000);
	write_zone("Pacific/Pago_Pago");
	daemon_signal(&d, SIGHUP);
	at = daemon_wait_log(&d, "SIGHUP: read again quotes", 0);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	expect_todays_in("Pacific/Pago_Pago", buf, 1000);
	/* And back, through the same TZ once more. */
	write_zone("Pacific/Kiritimati");
	daemon_signal(&d, SIGHUP);
	daemon_wait_log(&d, "SIGHUP: read again quotes", at);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	expect_todays_in("Pacific/Kiritimati", buf, 1000);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Every client gets exactly message and quote, under load. */
START_TEST(five_hundred_get_message_and_quote)
{
	char path[200];

	snprintf(path, sizeof(path), "%s", daemon_write_file(&d, "q", "to all\n", 7));
	const char *const args[] = { "-l", "127.0.0.1:0", "-m", "Hello", "-Q", path, "-q", "-s",
		"0", NULL };
	const char *const load[] = { "-n", "500", "-c", "100", "-e", "Hello\r\nto all\r\n", "-t",
		"120", NULL };

	daemon_start(&d, args);
	expect_all_greeted(&d, load);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Opens a client of dm's, reads its greeting and returns the private memory (USS, kB) of the
 * child that holds it, measured while it waits for the client to close: every child is
 * measured at the same point of its work. *fd is that client, left open. */
static long
held_child_uss(struct daemon *dm, int *fd)
{
	char task[64], buf[512];
	pid_t kid = 0;
	FILE *f;

	*fd = open_client(NULL, "127.0.0.1", dm->port);
	ck_assert_int_gt(read(*fd, buf, sizeof(buf)), 0);
	daemon_wait_children_at_least(dm, 1);
	snprintf(task, sizeof(task), "/proc/%d/task/%d/children", (int)dm->pid, (int)dm->pid);
	f = fopen(task, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &kid), 1);
	fclose(f);
	return proc_kb(kid, "smaps_rollup", "Private_Clean:") +
		proc_kb(kid, "smaps_rollup", "Private_Dirty:");
}

static void
release_held_child(struct daemon *dm, int fd)
{
	close(fd);
	daemon_wait_children_at_most(dm, 0);
	ck_assert_int_eq(daemon_stop(dm), 0);
}

/* 100,000 entries (7 MB): the master stays under 64 MiB at its peak, and a child holding a
 * client has no more of its own than a child of a one-line message (within 32 KiB; the
 * page or two a quote and its bookkeeping touch), and no more than 128 KiB in a plain build:
 * the quotes are shared, not copied. The baseline is what makes the test hold under
 * sanitizers, whose per-process memory is the same with or without quotes. */
START_TEST(a_large_collection_costs_a_child_nothing)
{
	char path[200];
	long peak, uss, base;
	int fd;

	if (under_valgrind())
		return; /* memcheck's own memory is in every process: nothing to learn */
	{
		const char *const args[] = { "-l", "127.0.0.1:0", "-m", "quote 0", "-q", NULL };

		daemon_start(&d2, args);
		base = held_child_uss(&d2, &fd);
		release_held_child(&d2, fd);
	}
	write_numbered(&d, "q", 100000, path, sizeof(path));
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, "-q", NULL };

	daemon_start(&d, args);
	daemon_wait_log(&d, "100000 quotes from 1 file; skipped 0", 0);
	peak = proc_kb(d.pid, "status", "VmHWM:");
	uss = held_child_uss(&d, &fd);
	printf("100000 quotes: master peak %ld kB, a child's private memory (USS) %ld kB; "
	       "with a one-line message %ld kB\n",
		peak, uss, base);
	ck_assert_msg(base > 0 && uss > 0 && uss <= base + 32,
		"a child has %ld kB of its own, a one-line message's child %ld kB", uss, base);
	if (!under_sanitizer()) { /* ASan's shadow memory and quarantine are no part of ours */
		ck_assert_msg(peak > 0 && peak < 64 * 1024, "the master's peak is %ld kB", peak);
		ck_assert_msg(uss <= 128, "a child has %ld kB of its own", uss);
	}
	release_held_child(&d, fd);
}
END_TEST

/* Refusals: one line naming the path, a sysexits code, and never a wait on a FIFO. */
START_TEST(refusals_name_the_path)
{
	char dir[200], fifo[220], bad[200], empty[220], err[4096];
	static const char *const ok_line = "hello-server: quote";

	daemon_prepare(&d);
	snprintf(dir, sizeof(dir), "%s", d.dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(mkdir(empty, 0755), 0);
	snprintf(bad, sizeof(bad), "%s", daemon_write_file(&d, "bad", "\x1b[1m\n%\n \n", 9));
	{
		const struct {
			const char *path;
			int rc;
			const char *says;
		} cases[] = {
			{ "/nonexistent/q", 66, "No such file or directory" },
			{ "/dev/zero", 66, "is neither a regular file nor a directory" },
			{ fifo, 66, "is neither a regular file nor a directory" },
			{ empty, 66, "holds no quote file" },
			{ bad, 65, "no usable quote" },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *const args[] = { "-Q", cases[i].path, NULL };

			ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), cases[i].rc);
			ck_assert_msg(strncmp(err, ok_line, strlen(ok_line)) == 0 &&
					strstr(err, cases[i].path) != NULL &&
					strstr(err, cases[i].says) != NULL &&
					strchr(err, '\n') == strrchr(err, '\n'),
				"stderr: %s", err);
		}
	}
	{
		const char *const args[] = { "--random", NULL };

		ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), 64);
		ck_assert(strstr(err, "--random needs --quotes") != NULL);
	}
	{
		const char *const args[] = { "-Q", "", NULL };

		ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), 64);
		ck_assert(strstr(err, "--quotes '' is empty") != NULL);
	}
}
END_TEST

/* A directory is served whatever else is in it: a dangling link, a loop, a FIFO, a subdirectory
 * and the leftovers of editors and package managers are passed over and named in the log, at
 * start-up as on SIGHUP; only the quote file is served. */
START_TEST(a_quote_directory_passes_over_what_it_cannot_read)
{
	static const char *const leftovers[] = { "a~", "#a#", "a.swp", "a.dpkg-old", "a.dpkg-dist",
		"a.dpkg-new", "a.ucf-dist", "a.ucf-old" };
	char qd[200], name[300], buf[512];
	size_t at;

	daemon_prepare(&d);
	snprintf(qd, sizeof(qd), "%s/qd", d.dir);
	ck_assert_int_eq(mkdir(qd, 0755), 0);
	daemon_write_file(&d, "qd/a", "from a\n", 7);
	for (size_t i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++) {
		snprintf(name, sizeof(name), "qd/%s", leftovers[i]);
		daemon_write_file(&d, name, "leftover\n", 9);
	}
	snprintf(name, sizeof(name), "%s/dangling", qd);
	ck_assert_int_eq(symlink("nowhere", name), 0);
	snprintf(name, sizeof(name), "%s/loop", qd);
	ck_assert_int_eq(symlink("loop", name), 0);
	snprintf(name, sizeof(name), "%s/fifo", qd);
	ck_assert_int_eq(mkfifo(name, 0600), 0);
	snprintf(name, sizeof(name), "%s/sub", qd);
	ck_assert_int_eq(mkdir(name, 0755), 0);
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", qd, "-q", NULL };

	daemon_start(&d, args);
	at = daemon_wait_log(&d, "1 quote from 1 file; skipped 0; the quote of the day", 0);
	daemon_wait_log(&d, "quotes: passed over 12 entries:", 0);
	snprintf(name, sizeof(name), "'%s/dangling' (No such file or directory)", qd);
	ck_assert_msg(strstr(d.log, name) != NULL, "%s", daemon_log_tail(&d));
	snprintf(name, sizeof(name), "'%s/a.dpkg-old' (an editor's or a package manager's", qd);
	ck_assert_msg(strstr(d.log, name) != NULL, "%s", daemon_log_tail(&d));
	ck_assert_uint_eq(fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf)), 8);
	ck_assert_str_eq(buf, "from a\r\n");
	daemon_signal(&d, SIGHUP);
	daemon_wait_log(&d, "SIGHUP: quotes: passed over 12 entries:", at);
	ck_assert_uint_eq(daemon_count_log(&d, "SIGHUP: keeping the old quotes"), 0);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* -Q repeated: the union, read in the order given; the day's quote counts every entry. */
START_TEST(several_quote_paths_are_served_together)
{
	char first[200], qd[200], buf[512];

	daemon_prepare(&d);
	snprintf(qd, sizeof(qd), "%s/qd", d.dir);
	ck_assert_int_eq(mkdir(qd, 0755), 0);
	snprintf(first, sizeof(first), "%s", daemon_write_file(&d, "first", "quote 0\n", 8));
	daemon_write_file(&d, "qd/y", "quote 2\n", 8);
	daemon_write_file(&d, "qd/x", "quote 1\n", 8);
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", first, "-Q", qd, "-q", NULL };

	daemon_start(&d, args);
	daemon_wait_log(&d, "3 quotes from 3 files; skipped 0; the quote of the day", 0);
	fetch(NULL, "127.0.0.1", d.port, buf, sizeof(buf));
	expect_todays(buf, 3);
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

/* Read as --user from the start, as on SIGHUP: a file only root may read is refused at start-up
 * (naming it), not served until the first reload fails for good. */
START_TEST(read_as_the_user_from_the_start)
{
	char path[256], err[4096];
	const char *const args[] = { "-l", "127.0.0.1:0", "-Q", path, "-u", "nobody", NULL };
	snprintf(path, sizeof(path), "%s", daemon_write_file(&d, "root-only", "a quote\n", 8));
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(run_daemon_once(args, err, sizeof(err), 0), 66);
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "Permission denied") != NULL,
		"stderr: %s", err);
}
END_TEST

static Suite *
quotes_suite(void)
{
	Suite *s = suite_create("quotes");
	TCase *tc = tcase_create("serving");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, the_quote_alone_or_after_the_message);
	tcase_add_test(tc, instances_agree_on_the_days_quote);
	tcase_add_test(tc, random_quotes_differ);
	tcase_add_test(tc, sighup_reads_the_quotes_again);
	tcase_add_test(tc, sighup_reads_a_changed_time_zone);
	tcase_add_loop_test(tc, sighup_reads_the_zone_file_tz_names, 0,
		sizeof(tz_forms) / sizeof(tz_forms[0]));
	tcase_add_test(tc, five_hundred_get_message_and_quote);
	tcase_add_test(tc, refusals_name_the_path);
	tcase_add_test(tc, a_large_collection_costs_a_child_nothing);
	tcase_add_test(tc, a_quote_directory_passes_over_what_it_cannot_read);
	tcase_add_test(tc, several_quote_paths_are_served_together);
	suite_add_tcase(s, tc);
	tc = tcase_create("serving-as-root");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_set_tags(tc, ROOT_TAG);
	tcase_add_test(tc, read_as_the_user_from_the_start);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return run_suite_part(quotes_suite(), argc, argv);
}
