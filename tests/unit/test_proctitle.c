/* Process titles: the memory of the command line taken over, written and NUL-filled, and the
 * byte the kernel looks at marked when the title ends before the arguments do. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctitle.h"
#include "runner.h"

/* Arguments as execve lays them out: one string after the other. */
static char block[] = "./hello-server\0-l\0"
		      "127.0.0.1:0";

START_TEST(init_moves_the_arguments_out)
{
	char *argv[] = { block, block + 15, block + 18, NULL };

	proctitle_init(3, argv);
	ck_assert(argv[0] < block || argv[0] >= block + sizeof(block));
	ck_assert_str_eq(argv[0], "./hello-server");
	ck_assert_str_eq(argv[1], "-l");
	ck_assert_str_eq(argv[2], "127.0.0.1:0");
	ck_assert_str_eq(program_invocation_short_name, "hello-server");
	proctitle_set("master");
	/* 30 bytes of room: the title, then NULs up to the last byte, which is marked. */
	ck_assert_str_eq(block, "hello-server: master");
	for (size_t i = strlen("hello-server: master"); i < sizeof(block) - 1; i++)
		ck_assert_int_eq(block[i], '\0');
	ck_assert_int_ne(block[sizeof(block) - 1], '\0');
	/* What it moved still reads the same. */
	ck_assert_str_eq(argv[2], "127.0.0.1:0");
}
END_TEST

static const struct {
	size_t len, args_len;
	const char *text;
	const char *shown; /* up to the first NUL */
	int marked;        /* the byte at args_len - 1 is not a NUL */
} cases[] = {
	{ 64, 64, "master", "hello-server: master", 1 },
	{ 21, 21, "master", "hello-server: master", 0 }, /* exactly the room */
	{ 64, 10, "master", "hello-server: master", 1 }, /* on into environ's room */
	{ 12, 12, "master", "hello-serve", 0 },          /* cut to the room */
	{ 40, 0, "greeting 127.0.0.1", "hello-server: greeting 127.0.0.1",
		0 }, /* arg_end unknown */
};

START_TEST(titles_fill_the_room)
{
	char room[128];

	memset(room, 'x', sizeof(room));
	proctitle_use_area(room, cases[_i].len, cases[_i].args_len);
	proctitle_set("%s", cases[_i].text);
	ck_assert_str_eq(room, cases[_i].shown);
	ck_assert_int_eq(room[sizeof(room) - 1], 'x'); /* nothing past the room */
	ck_assert_int_eq(room[cases[_i].len], 'x');
	if (cases[_i].args_len > strlen(cases[_i].shown) + 1)
		ck_assert_int_eq(room[cases[_i].args_len - 1] != '\0', cases[_i].marked);
	for (size_t i = strlen(cases[_i].shown); i < cases[_i].len; i++)
		if (cases[_i].args_len == 0 || i != cases[_i].args_len - 1)
			ck_assert_int_eq(room[i], '\0');
}
END_TEST

/* One title after another, longer and shorter, as the master's and then a child's: each reads
 * alone, whatever the one before left. */
START_TEST(titles_follow_one_another)
{
	static const char *const titles[] = { "master", "greeting 192.0.2.123 via 10.0.0.2",
		"greeting 192.0.2.1", "x", "greeting 2001:db8::1234:5678", "master" };
	char room[48];

	memset(room, 'x', sizeof(room));
	proctitle_use_area(room, 40, 30);
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		char want[64];
		size_t len;

		snprintf(want, sizeof(want), "hello-server: %s", titles[i]);
		want[39] = '\0'; /* cut to the room */
		len = strlen(want);
		proctitle_put(titles[i]);
		ck_assert_str_eq(room, want);
		for (size_t j = len; j < 40; j++)
			ck_assert_int_eq(room[j], j == 29 && len + 1 < 30 ? '.' : '\0');
		ck_assert_int_eq(room[40], 'x');
	}
}
END_TEST

START_TEST(errno_is_kept)
{
	char room[32];

	proctitle_use_area(room, sizeof(room), sizeof(room));
	errno = EINTR;
	proctitle_set("master");
	ck_assert_int_eq(errno, EINTR);
}
END_TEST

static Suite *
proctitle_suite(void)
{
	Suite *s = suite_create("proctitle");
	TCase *tc = tcase_create("proctitle");

	tcase_add_test(tc, init_moves_the_arguments_out);
	tcase_add_loop_test(tc, titles_fill_the_room, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, titles_follow_one_another);
	tcase_add_test(tc, errno_is_kept);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(proctitle_suite());
}
