/* The command line: every form we accept, every bad value, and what each error says. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "options.h"
#include "runner.h"

#define MAX_ARGS 32

/* Writable copies of the words, as a real argv is: freed at the next parse and at exit. */
static char *copies[MAX_ARGS + 2];

static void
free_copies(void)
{
	for (size_t i = 0; i < MAX_ARGS + 2; i++) {
		free(copies[i]);
		copies[i] = NULL;
	}
}

/* Runs the parser on writable copies, as a real argv is (getopt_long reorders it). */
static int
parse(struct options *o, char *err, size_t errlen, const char *const words[])
{
	char *argv[MAX_ARGS + 2];
	int argc = 0, rc;

	free_copies();
	copies[argc] = strdup("hello-server");
	argv[argc] = copies[argc];
	for (argc = 1; argc <= MAX_ARGS && words[argc - 1] != NULL; argc++) {
		copies[argc] = strdup(words[argc - 1]);
		argv[argc] = copies[argc];
	}
	argv[argc] = NULL;
	rc = options_parse(o, argc, argv, err, errlen);
	return rc;
}

static const struct {
	const char *words[MAX_ARGS];
	int rc;
	const char *why;
} bad[] = {
	{ { "abc" }, EX_USAGE, "port 'abc' is not a number" },
	{ { "--", "-1" }, EX_USAGE, "port '-1' is not a number" },
	{ { "-1" }, EX_USAGE, "unknown option '-1'" },
	{ { "70000" }, EX_USAGE, "port '70000' is too large" },
	{ { "80x" }, EX_USAGE, "port '80x'" },
	{ { "" }, EX_USAGE, "port '' is empty" },
	{ { "17", "18" }, EX_USAGE, "unexpected argument '18'" },
	{ { "--bogus" }, EX_USAGE, "unknown option '--bogus'" },
	{ { "-Z" }, EX_USAGE, "unknown option '-Z'" },
	{ { "-\x1b" }, EX_USAGE, "unknown option '-\\x1b'" },
	{ { "--listen" }, EX_USAGE, "option '--listen' needs a value" },
	{ { "-l" }, EX_USAGE, "option '-l' needs a value" },
	{ { "-l", "nowhere" }, EX_USAGE, "listen address 'nowhere'" },
	{ { "-m", "" }, EX_USAGE, "--message '' is empty" },
	{ { "-M", "" }, EX_USAGE, "--message-file '' is empty" },
	{ { "-m", "a", "-M", "f" }, EX_USAGE, "exclude each other" },
	{ { "-Q", "" }, EX_USAGE, "--quotes '' is empty" },
	{ { "--random" }, EX_USAGE, "--random needs --quotes" },
	{ { "--random=yes", "-Q", "q" }, EX_USAGE, "'--random=yes'" },
	{ { "-b", "0" }, EX_USAGE, "--backlog '0' is too small" },
	{ { "-b", "x" }, EX_USAGE, "--backlog 'x' is not a number" },
	{ { "--backlog=99999999999" }, EX_USAGE, "--backlog '99999999999' is too large" },
	{ { "-c", "0" }, EX_USAGE, "--max-children '0' is too small (expected 1 to 100000)" },
	{ { "-c", "100001" }, EX_USAGE, "--max-children '100001' is too large" },
	{ { "-c", "" }, EX_USAGE, "--max-children '' is empty" },
	{ { "-s", "-1" }, EX_USAGE, "--max-per-source '-1' is not a number" },
	{ { "-t", "0" }, EX_USAGE, "--timeout '0' is too small" },
	{ { "-t", "1.5" }, EX_USAGE, "--timeout '1.5' is not a number" },
	{ { "-t", "86401" }, EX_USAGE, "--timeout '86401' is too large" },
	{ { "-a", "10.0.0.0/33" }, EX_USAGE, "CIDR '10.0.0.0/33'" },
	{ { "-x", "::1/129" }, EX_USAGE, "CIDR '::1/129'" },
	{ { "-a", "1.2.3" }, EX_USAGE, "CIDR '1.2.3'" },
	{ { "-a", "10.0.0.1/8" }, EX_USAGE, "host bits" },
	{ { "--deny=" }, EX_USAGE, "CIDR '' is empty" },
	{ { "-u", "" }, EX_USAGE, "--user '' is empty" },
	{ { "-r", "-5" }, EX_USAGE, "--max-rate-per-source '-5' is not a number" },
	{ { "-r", "1000001" }, EX_USAGE,
		"--max-rate-per-source '1000001' is too large (expected 0 to 1000000)" },
	{ { "--max-rate-per-source=" }, EX_USAGE, "--max-rate-per-source '' is empty" },
	{ { "-r", "10/min" }, EX_USAGE, "--max-rate-per-source '10/min' is not a number" },
	{ { "--metrics-file", "" }, EX_USAGE, "--metrics-file '' is empty" },
	{ { "--metrics-file=/var/lib/prometheus/" }, EX_USAGE,
		"--metrics-file '/var/lib/prometheus/' is a directory" },
	{ { "--metrics-file" }, EX_USAGE, "option '--metrics-file' needs a value" },
	{ { "--reload", "1", "-d" }, EX_USAGE,
		"--reload takes no other option but --timeout: '-d'" },
	{ { "--reload", "1", "--random" }, EX_USAGE, "but --timeout: '--random'" },
	{ { "-q", "--reload", "1" }, EX_USAGE, "but --timeout: '-q'" },
	{ { "--reload", "1", "2323" }, EX_USAGE, "but --timeout: '2323'" },
};

/* The rate and the metrics file: off unless given. */
START_TEST(rate_and_metrics_file)
{
	const char *const none[] = { NULL };
	const char *const given[] = { "-r", "30", "--metrics-file", "/run/m/hello.prom", NULL };
	const char *const off[] = { "--max-rate-per-source=0", NULL };
	struct options o;
	char err[256], *long_path = malloc(5000);

	ck_assert_int_eq(parse(&o, err, sizeof(err), none), 0);
	ck_assert_uint_eq(o.max_rate_per_source, 0);
	ck_assert_ptr_null(o.metrics_file);
	options_free(&o);
	ck_assert_int_eq(parse(&o, err, sizeof(err), given), 0);
	ck_assert_uint_eq(o.max_rate_per_source, 30);
	ck_assert_str_eq(o.metrics_file, "/run/m/hello.prom");
	options_free(&o);
	ck_assert_int_eq(parse(&o, err, sizeof(err), off), 0);
	ck_assert_uint_eq(o.max_rate_per_source, 0);
	options_free(&o);
	/* A path whose temporary name would not fit. */
	memset(long_path, 'a', 4999);
	long_path[0] = '/';
	long_path[4999] = '\0';
	{
		const char *const words[] = { "--metrics-file", long_path, NULL };

		ck_assert_int_eq(parse(&o, err, sizeof(err), words), EX_USAGE);
		ck_assert(strstr(err, "is too long") != NULL);
		options_free(&o);
	}
	free(long_path);
}
END_TEST

START_TEST(bad_values)
{
	struct options o;
	char err[512] = "";
	int rc = parse(&o, err, sizeof(err), bad[_i].words);

	ck_assert_int_eq(rc, bad[_i].rc);
	ck_assert_msg(strstr(err, bad[_i].why) != NULL, "'%s' lacks '%s'", err, bad[_i].why);
	ck_assert_msg(strchr(err, '\n') == NULL, "one line, not '%s'", err);
	options_free(&o);
}
END_TEST

START_TEST(unknown_option_shows_usage)
{
	const char *const words[] = { "--nope", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), words), EX_USAGE);
	ck_assert(o.show_usage);
	options_free(&o);
}
END_TEST

START_TEST(defaults)
{
	const char *const words[] = { NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), words), 0);
	ck_assert_int_eq(o.port, 17);
	ck_assert_uint_eq(o.nlisten, 1);
	ck_assert(o.listen[0].wildcard_default);
	ck_assert_uint_eq(o.max_children, 256);
	ck_assert_uint_eq(o.max_per_source, 16);
	ck_assert_uint_eq(o.timeout, 10);
	ck_assert_int_eq(o.backlog, 0);
	ck_assert_ptr_null(o.message_text);
	ck_assert(!o.debug && !o.quiet && !o.show_usage);
	options_free(&o);
}
END_TEST

START_TEST(everything_given)
{
	const char *const words[] = { "-l", "127.0.0.1", "--listen=[::1]:2424", "-c5", "-s", "0",
		"-a", "10.0.0.0/8", "-x10.1.0.0/16", "2323", NULL };
	const char *const more[] = { "-m", "hi", "-b", "12", "-t", "3", "-u", "nobody", "-d", "-q",
		NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), words), 0);
	ck_assert_int_eq(o.port, 2323);
	ck_assert_uint_eq(o.nlisten, 2);
	ck_assert_uint_eq(sockaddr_port((struct sockaddr *)&o.listen[0].addr), 2323);
	ck_assert_uint_eq(sockaddr_port((struct sockaddr *)&o.listen[1].addr), 2424);
	ck_assert_uint_eq(o.max_children, 5);
	ck_assert_uint_eq(o.max_per_source, 0);
	ck_assert_uint_eq(o.nallow, 1);
	ck_assert_uint_eq(o.ndeny, 1);
	options_free(&o);

	ck_assert_int_eq(parse(&o, err, sizeof(err), more), 0);
	ck_assert_str_eq(o.message_text, "hi");
	ck_assert_int_eq(o.backlog, 12);
	ck_assert_uint_eq(o.timeout, 3);
	ck_assert_str_eq(o.user, "nobody");
	ck_assert(o.debug && o.quiet);
	ck_assert_ptr_null(o.quotes);
	ck_assert(!o.random_quote);
	options_free(&o);
}
END_TEST

/* A quote file alone, with a message, and --random; several. */
START_TEST(quotes_given)
{
	const char *const alone[] = { "-Q", "/q", NULL };
	const char *const both[] = { "--quotes=/usr/share/games/fortunes", "-m", "hi", "--random",
		NULL };
	const char *const several[] = { "-Q", "/b", "--quotes", "/a", "-Q", "/c", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), alone), 0);
	ck_assert_uint_eq(o.nquotes, 1);
	ck_assert_str_eq(o.quotes[0], "/q");
	ck_assert(!o.random_quote);
	ck_assert_ptr_null(o.message_text);
	options_free(&o);
	ck_assert_int_eq(parse(&o, err, sizeof(err), both), 0);
	ck_assert_uint_eq(o.nquotes, 1);
	ck_assert_str_eq(o.quotes[0], "/usr/share/games/fortunes");
	ck_assert_str_eq(o.message_text, "hi");
	ck_assert(o.random_quote);
	options_free(&o);
	/* -Q is repeatable: every path, in the order given. */
	ck_assert_int_eq(parse(&o, err, sizeof(err), several), 0);
	ck_assert_uint_eq(o.nquotes, 3);
	ck_assert_str_eq(o.quotes[0], "/b");
	ck_assert_str_eq(o.quotes[1], "/a");
	ck_assert_str_eq(o.quotes[2], "/c");
	options_free(&o);
}
END_TEST

/* A single-value option given twice: the last one wins, as in most Unix tools. */
START_TEST(last_one_wins)
{
	const char *const words[] = { "-c", "5", "-s", "2", "-t", "3", "-u", "nobody", "-b", "4",
		"-M", "/a", "--proxy-timeout", "9", "-c", "7", "-s", "0", "-t", "30", "-u", "root",
		"-b", "8", "-M", "/b", NULL };
	const char *const twice[] = { "-m", "one", "--proxy-timeout=2", "-m", "two", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), words), 0);
	ck_assert_uint_eq(o.max_children, 7);
	ck_assert_uint_eq(o.max_per_source, 0);
	ck_assert_uint_eq(o.timeout, 30);
	ck_assert_str_eq(o.user, "root");
	ck_assert_int_eq(o.backlog, 8);
	ck_assert_str_eq(o.message_file, "/b");
	ck_assert_uint_eq(o.proxy_timeout, 9);
	options_free(&o);
	ck_assert_int_eq(parse(&o, err, sizeof(err), twice), 0);
	ck_assert_str_eq(o.message_text, "two");
	ck_assert_uint_eq(o.proxy_timeout, 2);
	options_free(&o);
}
END_TEST

/* --help says which options are repeatable and that the last of the others wins. */
START_TEST(help_says_the_last_one_wins)
{
	char text[8192] = "";
	FILE *f = fmemopen(text, sizeof(text) - 1, "w");

	ck_assert_ptr_nonnull(f);
	options_usage(f);
	fclose(f);
	ck_assert_msg(strstr(text, "the last one wins") != NULL, "%s", text);
}
END_TEST

START_TEST(help_and_version)
{
	const char *const help[] = { "--help", NULL }, *const version[] = { "-V", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), help), OPTIONS_HELP);
	options_free(&o);
	ck_assert_int_eq(parse(&o, err, sizeof(err), version), OPTIONS_VERSION);
	options_free(&o);
}
END_TEST

static Suite *
options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, NULL, free_copies);
	tcase_add_loop_test(tc, bad_values, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, unknown_option_shows_usage);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, rate_and_metrics_file);
	tcase_add_test(tc, everything_given);
	tcase_add_test(tc, quotes_given);
	tcase_add_test(tc, last_one_wins);
	tcase_add_test(tc, help_says_the_last_one_wins);
	tcase_add_test(tc, help_and_version);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(options_suite());
}
