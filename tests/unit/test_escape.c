/* Escaping bytes for a log line: control and non-ASCII bytes as \xNN, the backslash doubled,
 * and a line cut with "..." rather than overrun. */
#include <check.h>
#include <string.h>

#include "escape.h"
#include "runner.h"

static const struct {
	const char *in;
	size_t len;
	const char *out;
} escapes[] = {
	{ "plain text", 10, "plain text" },
	{ "tab\tnew\nline", 12, "tab\\x09new\\x0aline" },
	{ "\x1b[31mred", 8, "\\x1b[31mred" },
	{ "back\\slash", 10, "back\\\\slash" },
	{ "nul\0byte", 8, "nul\\x00byte" },
	{ "\xff\x80", 2, "\\xff\\x80" },
	{ "", 0, "" },
};

START_TEST(escapes_bytes)
{
	char out[64];

	escape_bytes(out, sizeof(out), escapes[_i].in, escapes[_i].len);
	ck_assert_str_eq(out, escapes[_i].out);
}
END_TEST

START_TEST(escape_is_bounded)
{
	char in[1000], out[32];

	memset(in, '\n', sizeof(in));
	escape_bytes(out, sizeof(out), in, sizeof(in));
	ck_assert_uint_lt(strlen(out), sizeof(out));
	ck_assert_str_eq(out + strlen(out) - 3, "...");
	memset(in, 'a', sizeof(in));
	escape_bytes(out, sizeof(out), in, sizeof(in));
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	/* Exactly fitting input is not cut. */
	escape_bytes(out, sizeof(out), in, sizeof(out) - 1);
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	ck_assert(strchr(out, '.') == NULL);
	escape_bytes(out, 1, in, 10);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(escapes_a_string)
{
	char out[64];

	ck_assert_str_eq(escape_str(out, sizeof(out), "user\n\x1b"), "user\\x0a\\x1b");
	ck_assert_str_eq(escape_str(out, sizeof(out), ""), "");
}
END_TEST

static Suite *
escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, escapes_bytes, 0, sizeof(escapes) / sizeof(escapes[0]));
	tcase_add_test(tc, escape_is_bounded);
	tcase_add_test(tc, escapes_a_string);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(escape_suite());
}
