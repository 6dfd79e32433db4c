#include "runner.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
run_tagged(Suite *s, const char *include, const char *exclude)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_tagged(sr, NULL, NULL, include, exclude, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
run_suite(Suite *s)
{
	return run_tagged(s, NULL, NULL);
}

/* Says why and returns meson's skip status; s is freed (a runner owns its suite). */
static int
skip(Suite *s, const char *why)
{
	printf("SKIP: %s\n", why);
	srunner_free(srunner_create(s));
	return 77;
}

int
run_suite_part(Suite *s, int argc, char **argv)
{
	bool root_part = argc > 1 && strcmp(argv[1], "--needs-root") == 0;

	if (!root_part)
		return run_tagged(s, NULL, ROOT_TAG);
	if (geteuid() != 0)
		return skip(s, "these tests need root: they run the daemon as a user of its own");
	if (getenv("HELLO_UNDER_VALGRIND") != NULL)
		return skip(s,
			"valgrind, re-executed as another user, fails before the daemon runs");
	return run_tagged(s, ROOT_TAG, NULL);
}
