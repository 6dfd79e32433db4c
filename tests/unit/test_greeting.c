/* The greeting the master holds: the message (default, -m, -M) and the quotes, read at start
 * (as --user already) and on SIGHUP again, keeping the old text of a file that fails. */
#include <check.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "greeting.h"
#include "runner.h"
#include "scratch.h"
#include "sinks.h"

static char dir[SCRATCH_DIR_MAX];
static int logs;
static struct options opt;
static struct greeting g;
static const struct privdrop nobody_asked = { .wanted = false };

static void
setup(void)
{
	scratch_make(dir, "greeting");
	logs = log_receiver(scratch_path(dir, "log"));
	memset(&opt, 0, sizeof(opt));
	memset(&g, 0, sizeof(g));
}

static void
teardown(void)
{
	greeting_free(&g);
	close(logs);
	scratch_remove(dir);
}

static void
expect_message(const char *want)
{
	ck_assert_uint_eq(g.msg.len, strlen(want));
	ck_assert(memcmp(g.msg.data, want, g.msg.len) == 0);
}

START_TEST(the_default_and_a_given_text)
{
	char err[256];

	ck_assert_int_eq(greeting_load(&g, &opt, &nobody_asked, err, sizeof(err)), 0);
	expect_message(MESSAGE_DEFAULT "\r\n");
	ck_assert_ptr_null(greeting_quotes(&g));
	greeting_free(&g);
	opt.message_text = "Good day";
	ck_assert_int_eq(greeting_load(&g, &opt, &nobody_asked, err, sizeof(err)), 0);
	expect_message("Good day\r\n");
	ck_assert_int_eq(greeting_reload(&g), 0); /* nothing to read again */
	expect_log(logs, "SIGHUP: no --message-file to read again");
}
END_TEST

/* The -Q paths of opt: one. */
static const char *quote_paths[1];

START_TEST(the_quote_alone)
{
	char err[256];

	quote_paths[0] = scratch_write(dir, "q", "one\n%\ntwo\n", 10);
	opt.quotes = quote_paths;
	opt.nquotes = 1;
	ck_assert_int_eq(greeting_load(&g, &opt, &nobody_asked, err, sizeof(err)), 0);
	ck_assert_uint_eq(g.msg.len, 0);
	ck_assert_ptr_nonnull(greeting_quotes(&g));
	ck_assert_uint_eq(greeting_quotes(&g)->count, 2);
	greeting_log_start(&g);
	expect_log(logs, "quotes '");
}
END_TEST

START_TEST(reload_keeps_the_old_text_of_a_bad_file)
{
	char err[256], path[256];

	strcpy(path, scratch_write(dir, "m", "one\n", 4));
	opt.message_file = path;
	ck_assert_int_eq(greeting_load(&g, &opt, &nobody_asked, err, sizeof(err)), 0);
	expect_message("one\r\n");
	scratch_write(dir, "m", "two\n", 4);
	ck_assert_int_eq(greeting_reload(&g), 0);
	expect_message("two\r\n");
	expect_log(logs, "SIGHUP: read the message again from");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(greeting_reload(&g), EX_NOINPUT);
	expect_message("two\r\n");
	expect_log(logs, "SIGHUP: keeping the old message");
}
END_TEST

START_TEST(reload_keeps_the_old_quotes)
{
	char err[256], path[256];

	strcpy(path, scratch_write(dir, "q", "one\n", 4));
	quote_paths[0] = path;
	opt.quotes = quote_paths;
	opt.nquotes = 1;
	ck_assert_int_eq(greeting_load(&g, &opt, &nobody_asked, err, sizeof(err)), 0);
	scratch_write(dir, "q", "one\n%\ntwo\n%\nthree\n", 18);
	ck_assert_int_eq(greeting_reload(&g), 0);
	ck_assert_uint_eq(greeting_quotes(&g)->count, 3);
	expect_log(logs, "SIGHUP: read again quotes");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_ne(greeting_reload(&g), 0);
	ck_assert_uint_eq(greeting_quotes(&g)->count, 3);
	expect_log(logs, "SIGHUP: keeping the old quotes");
}
END_TEST

/* Read as the user --user names, and root again afterwards, whether the read worked or not. */
START_TEST(read_as_the_user)
{
	struct privdrop nobody;
	char err[256];

	ck_assert_int_eq(privdrop_resolve("nobody", &nobody, err, sizeof(err)), 0);
	opt.user = "nobody";
	opt.message_file = scratch_write(dir, "m", "hi\n", 3);
	ck_assert_int_eq(chmod(opt.message_file, 0644), 0);
	/* The scratch directory is root's alone (0700). */
	ck_assert_int_eq(greeting_load(&g, &opt, &nobody, err, sizeof(err)), EX_NOINPUT);
	ck_assert_msg(strstr(err, "(read as --user nobody)") != NULL, "%s", err);
	ck_assert_int_eq(geteuid(), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(greeting_load(&g, &opt, &nobody, err, sizeof(err)), 0);
	expect_message("hi\r\n");
	ck_assert_int_eq(geteuid(), 0);
	ck_assert_int_eq(getegid(), 0);
}
END_TEST

static Suite *
greeting_suite(void)
{
	Suite *s = suite_create("greeting");
	TCase *tc = tcase_create("greeting");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_default_and_a_given_text);
	tcase_add_test(tc, the_quote_alone);
	tcase_add_test(tc, reload_keeps_the_old_text_of_a_bad_file);
	tcase_add_test(tc, reload_keeps_the_old_quotes);
	suite_add_tcase(s, tc);
	tc = tcase_create("as root");
	tcase_set_tags(tc, ROOT_TAG);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_as_the_user);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return run_suite_part(greeting_suite(), argc, argv);
}
