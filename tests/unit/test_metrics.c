/* The metrics file: every family with its HELP and TYPE before its samples, the values in
 * their places, a short buffer, and the atomic write with its failures. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "metrics.h"
#include "runner.h"
#include "scratch.h"

static char text[METRICS_TEXT_MAX];
static char dir[SCRATCH_DIR_MAX];

/* Every value different, so that a value in the wrong place shows. */
static struct metrics_values
distinct_values(void)
{
	return (struct metrics_values){ .accepted = 101,
		.served = 102,
		.health_checks = 103,
		.refused_allow = 104,
		.refused_deny = 105,
		.refused_per_source = 106,
		.refused_rate = 107,
		.rate_untracked = 108,
		.greetings = { 109, 110, 111, 112 },
		.proxy_missing = 113,
		.proxy_truncated = 114,
		.proxy_malformed = 115,
		.proxy_timeout = 116,
		.accept_failures = 117,
		.fork_failures = 118,
		.max_children_reached = 119,
		.lost_syslog = 120,
		.lost_stderr = 121,
		.reloads_ok = 122,
		.reloads_failed = 123,
		.write_failures = 124,
		.children = 125,
		.pending_headers = 126,
		.waiting_clients = 127,
		.max_children = 128,
		.quotes_loaded = 129,
		.start_time = 1765000000 };
}

static const struct {
	const char *sample;
	const char *type;
} expected[] = {
	{ "hello_server_accepted_total 101", "counter" },
	{ "hello_server_served_total 102", "counter" },
	{ "hello_server_health_checks_total 103", "counter" },
	{ "hello_server_refused_total{reason=\"allow\"} 104", "counter" },
	{ "hello_server_refused_total{reason=\"deny\"} 105", "counter" },
	{ "hello_server_refused_total{reason=\"per_source\"} 106", "counter" },
	{ "hello_server_refused_total{reason=\"rate\"} 107", "counter" },
	{ "hello_server_rate_untracked_total 108", "counter" },
	{ "hello_server_greetings_total{end=\"peer_closed\"} 109", "counter" },
	{ "hello_server_greetings_total{end=\"deadline\"} 110", "counter" },
	{ "hello_server_greetings_total{end=\"reset\"} 111", "counter" },
	{ "hello_server_greetings_total{end=\"error\"} 112", "counter" },
	{ "hello_server_proxy_header_failures_total{reason=\"missing\"} 113", "counter" },
	{ "hello_server_proxy_header_failures_total{reason=\"truncated\"} 114", "counter" },
	{ "hello_server_proxy_header_failures_total{reason=\"malformed\"} 115", "counter" },
	{ "hello_server_proxy_header_failures_total{reason=\"timeout\"} 116", "counter" },
	{ "hello_server_accept_failures_total 117", "counter" },
	{ "hello_server_fork_failures_total 118", "counter" },
	{ "hello_server_max_children_reached_total 119", "counter" },
	{ "hello_server_log_lines_lost_total{destination=\"syslog\"} 120", "counter" },
	{ "hello_server_log_lines_lost_total{destination=\"stderr\"} 121", "counter" },
	{ "hello_server_reloads_total{result=\"success\"} 122", "counter" },
	{ "hello_server_reloads_total{result=\"failure\"} 123", "counter" },
	{ "hello_server_metrics_write_failures_total 124", "counter" },
	{ "hello_server_children 125", "gauge" },
	{ "hello_server_pending_headers 126", "gauge" },
	{ "hello_server_waiting_clients 127", "gauge" },
	{ "hello_server_max_children 128", "gauge" },
	{ "hello_server_quotes_loaded 129", "gauge" },
	{ "hello_server_start_time_seconds 1765000000", "gauge" },
	{ "hello_server_build_info{version=\"1.2.3\"} 1", "gauge" },
};

/* The line that is exactly line, or NULL. */
static const char *
find_line(const char *all, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = all; (p = strstr(p, line)) != NULL; p++)
		if ((p == all || p[-1] == '\n') && p[len] == '\n')
			return p;
	return NULL;
}

START_TEST(every_sample_after_its_help_and_type)
{
	struct metrics_values v = distinct_values();
	size_t len = metrics_render(&v, "1.2.3", text, sizeof(text));
	const char *sample = NULL;
	char name[128], help[160], type[160];

	ck_assert_uint_lt(len, sizeof(text));
	ck_assert_uint_eq(strlen(text), len);
	ck_assert(text[len - 1] == '\n');
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const char *h, *t;

		sample = find_line(text, expected[i].sample);
		ck_assert_msg(sample != NULL, "no line '%s' in:\n%s", expected[i].sample, text);
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(expected[i].sample, "{ "),
			expected[i].sample);
		snprintf(help, sizeof(help), "# HELP %s ", name);
		snprintf(type, sizeof(type), "# TYPE %s %s\n", name, expected[i].type);
		h = strstr(text, help);
		t = strstr(text, type);
		ck_assert_msg(h != NULL && t != NULL && h < t && t < sample, "%s", name);
		/* Once each: a second HELP or TYPE of a family is an error to a scraper. */
		ck_assert_ptr_null(strstr(h + 1, help));
		ck_assert_ptr_null(strstr(t + 1, type));
	}
}
END_TEST

/* Every line is a comment or "name[{labels}] value"; names carry the prefix, and a counter's
 * name ends in _total. */
START_TEST(lines_are_well_formed)
{
	struct metrics_values v = distinct_values();
	char *line, *save = NULL;
	unsigned samples = 0;

	metrics_render(&v, "1.2.3", text, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *space;

		if (strncmp(line, "# TYPE ", 7) == 0) {
			char *kind = strrchr(line, ' ') + 1;

			ck_assert(strncmp(line + 7, "hello_server_", 13) == 0);
			if (strcmp(kind, "counter") == 0)
				ck_assert_msg(strstr(line, "_total counter") != NULL, "%s", line);
			continue;
		}
		if (line[0] == '#')
			continue;
		samples++;
		ck_assert_msg(strncmp(line, "hello_server_", 13) == 0, "%s", line);
		space = strrchr(line, ' ');
		ck_assert_ptr_nonnull(space);
		ck_assert_msg(strspn(space + 1, "0123456789") == strlen(space + 1), "%s", line);
	}
	ck_assert_uint_eq(samples, sizeof(expected) / sizeof(expected[0]));
}
END_TEST

START_TEST(short_buffer_says_so)
{
	struct metrics_values v = distinct_values();
	size_t full = metrics_render(&v, "1.2.3", text, sizeof(text));
	char small[100];

	ck_assert_uint_eq(metrics_render(&v, "1.2.3", small, sizeof(small)), full);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	/* The largest values fit the room the daemon keeps. */
	memset(&v, 0xff, sizeof(v));
	ck_assert_uint_lt(metrics_render(&v, "1.2.3", text, sizeof(text)), sizeof(text));
}
END_TEST

static void
make_dir(void)
{
	scratch_make(dir, "metrics");
}

static void
remove_dir(void)
{
	scratch_remove(dir);
}

static char *
slurp(const char *path)
{
	static char buf[256];

	return read_file(path, buf, sizeof(buf));
}

START_TEST(write_replaces_the_file_whole)
{
	char path[128], tmp[160];
	struct stat st;

	snprintf(path, sizeof(path), "%s/hello.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(metrics_write(path, "first\n", 6), 0);
	ck_assert_str_eq(slurp(path), "first\n");
	ck_assert_int_eq(metrics_write(path, "second\n", 7), 0);
	ck_assert_str_eq(slurp(path), "second\n");
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0444, 0444); /* readable by the collector (umask 022) */
	/* A leftover temporary file, or a link planted in its place, is replaced, not followed. */
	ck_assert_int_eq(symlink(path, tmp), 0);
	ck_assert_int_eq(metrics_write(path, "third\n", 6), 0);
	ck_assert_str_eq(slurp(path), "third\n");
	ck_assert_int_eq(access(tmp, F_OK), -1);
}
END_TEST

START_TEST(write_failures_are_errno_values)
{
	char path[128], sub[128];

	snprintf(path, sizeof(path), "%s/missing/hello.prom", dir);
	ck_assert_int_eq(metrics_write(path, "x\n", 2), ENOENT);
	/* The target is a directory: the rename fails, and no temporary file is left. */
	snprintf(sub, sizeof(sub), "%s/taken", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/taken/x", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(metrics_write(path, "x\n", 2), EISDIR);
	snprintf(path, sizeof(path), "%s/taken/x.tmp", dir);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* A label's value is escaped as the text format says: a version with a quote, a backslash or a
 * line feed cannot end the label early or split the sample. */
START_TEST(the_version_label_is_escaped)
{
	struct metrics_values v = { .max_children = 1 };

	ck_assert_uint_lt(metrics_render(&v, "1.0\"x\\y\nz", text, sizeof(text)), sizeof(text));
	ck_assert_ptr_nonnull(
		strstr(text, "hello_server_build_info{version=\"1.0\\\"x\\\\y\\nz\"} 1\n"));
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, every_sample_after_its_help_and_type);
	tcase_add_test(tc, the_version_label_is_escaped);
	tcase_add_test(tc, lines_are_well_formed);
	tcase_add_test(tc, short_buffer_says_so);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, write_replaces_the_file_whole);
	tcase_add_test(tc, write_failures_are_errno_values);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(metrics_suite());
}
