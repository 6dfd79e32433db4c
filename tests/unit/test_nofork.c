/* Memory fork leaves out: zero-filled blocks that grow keeping their bytes, and that a child
 * has not got at all (its address is not mapped there), while ordinary memory it has. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nofork.h"
#include "runner.h"

/* Whether the page holding p is mapped in this process: mincore says ENOMEM where not. */
static bool
mapped(const void *p)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char vec;
	void *start = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));

	return mincore(start, page, &vec) == 0 || errno != ENOMEM;
}

START_TEST(blocks_are_zeroed_and_grow_keeping_their_bytes)
{
	unsigned char *b = nofork_calloc(100, 8);

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < 800; i++)
		ck_assert_int_eq(b[i], 0);
	memset(b, 0xab, 800);
	b = nofork_realloc(b, 10000, 8);
	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < 800; i++)
		ck_assert_int_eq(b[i], 0xab);
	for (size_t i = 800; i < 80000; i++)
		ck_assert_int_eq(b[i], 0);
	/* Never shrinks. */
	ck_assert_ptr_eq(nofork_realloc(b, 1, 8), b);
	nofork_free(b);
	nofork_free(NULL);
	ck_assert_ptr_null(nofork_calloc(SIZE_MAX / 2, 4));
	ck_assert_ptr_nonnull(b = nofork_realloc(NULL, 3, 3));
	nofork_free(b);
}
END_TEST

START_TEST(a_child_has_not_got_them)
{
	char *kept = malloc(64);
	char *left = nofork_calloc(1, 64);
	int status;
	pid_t pid;

	ck_assert_ptr_nonnull(kept);
	ck_assert_ptr_nonnull(left);
	ck_assert(mapped(kept));
	ck_assert(mapped(left));
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int fine = mapped(kept) && !mapped(left);

		free(kept); /* nothing left behind for a leak checker */
		_exit(fine ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(kept);
	nofork_free(left);
}
END_TEST

static Suite *
nofork_suite(void)
{
	Suite *s = suite_create("nofork");
	TCase *tc = tcase_create("nofork");

	tcase_add_test(tc, blocks_are_zeroed_and_grow_keeping_their_bytes);
	tcase_add_test(tc, a_child_has_not_got_them);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(nofork_suite());
}
