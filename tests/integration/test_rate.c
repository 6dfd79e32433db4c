/* --max-rate-per-source with real clients: a source in a tight loop is held to its rate while
 * another source, and clients behind a balancer, are served untouched; a balancer's client in a
 * tight loop is held by the source its PROXY header names; a spray of sources leaves the master
 * as large as it was. The bounds come from the time the test measured, so they hold at any
 * speed. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "io.h"
#include "runner.h"
#include "util.h"

#define RATE 4

static struct daemon d;

static void
teardown(void)
{
	daemon_cleanup(&d);
}

static bool
greeted(const char *source)
{
	char buf[64];

	return fetch(source, "127.0.0.1", d.port, buf, sizeof(buf)) == 14;
}

/* A connection from the balancer naming client in its PROXY header: greeted or not. */
static bool
relayed(const char *client)
{
	char header[128], buf[64];
	int fd = open_client("127.0.0.5", "127.0.0.1", d.port);
	size_t got = 0;
	ssize_t n;
	int len = snprintf(header, sizeof(header), "PROXY TCP4 %s 127.0.0.1 4242 17\r\n", client);

	send_all(fd, header, (size_t)len);
	while (got + 1 < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	return got == 14;
}

/* The most a token bucket of RATE a minute can have given in elapsed_ms from its first token. */
static unsigned
most_allowed(int64_t elapsed_ms)
{
	return RATE + (unsigned)(elapsed_ms * RATE / 60000);
}

START_TEST(tight_loop_is_held_while_others_are_served)
{
	char rate[16];
	const char *const args[] = { "-l", "127.0.0.1:0", "-q", "-s", "0", "-r", rate, "-P",
		"127.0.0.5", NULL };
	unsigned abuser = 0, relayed_abuser = 0;
	int64_t start, elapsed;

	snprintf(rate, sizeof(rate), "%d", RATE);
	daemon_start(&d, args);
	start = mono_ms();
	for (int i = 0; i < 40; i++) {
		abuser += greeted("127.0.0.2");
		relayed_abuser += relayed("192.0.2.9");
		if (i % 10 == 9) { /* RATE times each over the loop: within their own rate */
			ck_assert_msg(greeted("127.0.0.3"), "another source was refused\n%s",
				daemon_log_tail(&d));
			ck_assert_msg(relayed("192.0.2.8"),
				"another relayed client was refused\n%s", daemon_log_tail(&d));
		}
	}
	elapsed = mono_ms() - start;
	printf("in %lld ms: %u of 40 greeted from one source, %u of 40 from one relayed client\n",
		(long long)elapsed, abuser, relayed_abuser);
	ck_assert_uint_ge(abuser, RATE);
	ck_assert_uint_le(abuser, most_allowed(elapsed));
	ck_assert_uint_ge(relayed_abuser, RATE);
	ck_assert_uint_le(relayed_abuser, most_allowed(elapsed));
	daemon_wait_log(&d, "refused 127.0.0.2 port", 0);
	ck_assert(strstr(d.log,
			  ": over 4 connections a minute from this source "
			  "(--max-rate-per-source)") != NULL);
	ck_assert_int_eq(daemon_stop(&d), 0);
	/* The refusals of a flood are summed up, not told one by one. */
	ck_assert_msg(strstr(d.log, "more connections refused by --max-rate-per-source") != NULL,
		"%s", daemon_log_tail(&d));
	ck_assert_uint_le(daemon_count_log(&d, "(--max-rate-per-source)"),
		2 + (unsigned)(elapsed / 10000));
}
END_TEST

/* The n-th sprayed source: 127.1.x.y. */
static void
spray(unsigned from, unsigned to)
{
	char source[32];

	for (unsigned i = from; i < to; i++) {
		snprintf(source, sizeof(source), "127.1.%u.%u", i / 250, i % 250 + 1);
		ck_assert_msg(greeted(source), "new source %s was refused\n%s", source,
			daemon_log_tail(&d));
	}
}

/* More sources than the table holds, each new: none is refused, the master's memory does not
 * move, and past the bound (while no bucket has refilled, a minute at -r 1) new sources are
 * served unmetered and said to be. */
START_TEST(spray_of_sources_leaves_the_master_flat)
{
	const char *const args[] = { "-l", "127.0.0.1:0", "-q", "-s", "0", "-r", "1", NULL };
	/* Under memcheck a fork takes a second's fraction: fewer sources, the same proof. */
	unsigned warm = under_valgrind() ? 200 : 1000;
	unsigned total = under_valgrind() ? 600 : slow_build() ? 1500 : 10000;
	long rss_before, rss_after;
	int64_t start = mono_ms(), elapsed;

	daemon_start(&d, args);
	spray(0, warm);
	daemon_wait_children_at_most(&d, 0);
	rss_before = proc_kb(d.pid, "status", "VmRSS:");
	spray(warm, total);
	daemon_wait_children_at_most(&d, 0);
	rss_after = proc_kb(d.pid, "status", "VmRSS:");
	elapsed = mono_ms() - start;
	printf("master: %ld kB RSS after %u sources, %ld kB after %u, in %lld ms\n", rss_before,
		warm, rss_after, total, (long long)elapsed);
	ck_assert_msg(rss_after <= rss_before + 8, "RSS %ld kB after %u sources, %ld kB after %u",
		rss_before, warm, rss_after, total);
	if (total > 8192 && elapsed < 60000)
		ck_assert_msg(strstr(d.log, "not metering 127.1.") != NULL, "%s",
			daemon_log_tail(&d));
	ck_assert_int_eq(daemon_stop(&d), 0);
}
END_TEST

static Suite *
rate_suite(void)
{
	Suite *s = suite_create("rate");
	TCase *tc = tcase_create("rate");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, tight_loop_is_held_while_others_are_served);
	tcase_add_test(tc, spray_of_sources_leaves_the_master_flat);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(rate_suite());
}
