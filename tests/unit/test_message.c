/* The greeting's conversion to CRLF lines, its limits, and loading it from a file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "message.h"
#include "runner.h"
#include "scratch.h"

static const struct {
	const char *in;
	const char *out;
} conversions[] = {
	{ "Hello World!", "Hello World!\r\n" },
	{ "Hello World!\n", "Hello World!\r\n" },
	{ "Hello World!\r\n", "Hello World!\r\n" },
	{ "one\ntwo", "one\r\ntwo\r\n" },
	{ "one\r\ntwo\n", "one\r\ntwo\r\n" },
	{ "\n", "\r\n" },
	{ "a\n\nb\n\n", "a\r\n\r\nb\r\n\r\n" },
	{ "tab\there", "tab\there\r\n" },
	{ "lone\rcr", "lone\rcr\r\n" },
};

START_TEST(converts_line_ends)
{
	struct message m;
	char err[256];
	const char *in = conversions[_i].in, *out = conversions[_i].out;

	ck_assert_int_eq(message_convert(in, strlen(in), &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m.len, strlen(out));
	ck_assert(memcmp(m.data, out, m.len) == 0);
	ck_assert(memchr(m.data, '\0', m.len) == NULL);
	message_free(&m);
}
END_TEST

START_TEST(refuses_empty_and_nul)
{
	struct message m;
	char err[256];

	ck_assert_int_eq(message_convert("", 0, &m, err, sizeof(err)), EX_DATAERR);
	ck_assert(strstr(err, "empty") != NULL);
	ck_assert_int_eq(message_convert("ab\0cd", 5, &m, err, sizeof(err)), EX_DATAERR);
	ck_assert(strstr(err, "NUL byte at offset 2") != NULL);
	ck_assert_ptr_null(m.data);
}
END_TEST

/* The limit holds after conversion: 64 KiB of text fits, but not once every LF grows a CR. */
START_TEST(size_limit_after_conversion)
{
	char *text = malloc(MESSAGE_MAX + 1);
	struct message m;
	char err[256];

	memset(text, 'x', MESSAGE_MAX);
	ck_assert_int_eq(message_convert(text, MESSAGE_MAX - 2, &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m.len, MESSAGE_MAX);
	message_free(&m);
	ck_assert_int_eq(message_convert(text, MESSAGE_MAX - 1, &m, err, sizeof(err)), EX_DATAERR);
	ck_assert(strstr(err, "limit is 65536") != NULL);
	memset(text, '\n', MESSAGE_MAX / 2 + 1);
	ck_assert_int_eq(message_convert(text, MESSAGE_MAX / 2 + 1, &m, err, sizeof(err)),
		EX_DATAERR);
	memset(text, '\n', MESSAGE_MAX / 2);
	ck_assert_int_eq(message_convert(text, MESSAGE_MAX / 2, &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m.len, MESSAGE_MAX);
	message_free(&m);
	free(text);
}
END_TEST

static char dir[SCRATCH_DIR_MAX];

static void
make_dir(void)
{
	scratch_make(dir, "message");
}

static void
remove_dir(void)
{
	scratch_remove(dir);
}

START_TEST(loads_files)
{
	struct message m;
	char err[256], path[300];
	char *big = calloc(1, MESSAGE_MAX + 10);

	ck_assert_int_eq(message_load_file(scratch_write(dir, "ok", "Good\nday\n", 9), &m, err,
				 sizeof(err)),
		0);
	ck_assert_uint_eq(m.len, 11);
	ck_assert(memcmp(m.data, "Good\r\nday\r\n", 11) == 0);
	message_free(&m);

	snprintf(path, sizeof(path), "%s/missing", dir);
	ck_assert_int_eq(message_load_file(path, &m, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "No such file") != NULL && strstr(err, "missing") != NULL);
	ck_assert_int_eq(message_load_file(dir, &m, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "not a regular file") != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(message_load_file(path, &m, err, sizeof(err)), EX_NOINPUT);

	memset(big, 'y', MESSAGE_MAX + 10);
	ck_assert_int_eq(message_load_file(scratch_write(dir, "big", big, MESSAGE_MAX + 10), &m,
				 err, sizeof(err)),
		EX_DATAERR);
	ck_assert(strstr(err, "larger than") != NULL);
	ck_assert_int_eq(message_load_file(scratch_write(dir, "empty", "", 0), &m, err,
				 sizeof(err)),
		EX_DATAERR);
	ck_assert_int_eq(message_load_file(scratch_write(dir, "nul", "a\0b", 3), &m, err,
				 sizeof(err)),
		EX_DATAERR);
	free(big);
}
END_TEST

/* Root reads anything: the unreadable case is for unprivileged runs only. */
START_TEST(unreadable_file)
{
	struct message m;
	char err[256];
	const char *path = scratch_write(dir, "secret", "x", 1);

	if (geteuid() == 0)
		return;
	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(message_load_file(path, &m, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "Permission denied") != NULL);
}
END_TEST

static Suite *
message_suite(void)
{
	Suite *s = suite_create("message");
	TCase *tc = tcase_create("convert");

	tcase_add_loop_test(tc, converts_line_ends, 0,
		sizeof(conversions) / sizeof(conversions[0]));
	tcase_add_test(tc, refuses_empty_and_nul);
	tcase_add_test(tc, size_limit_after_conversion);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, loads_files);
	tcase_add_test(tc, unreadable_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(message_suite());
}
