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

int
run_suite_part(Suite *s, int argc, char **argv)
{
	bool root_part = argc > 1 && strcmp(argv[1], "--needs-root") == 0;

	if (!root_part)
		return run_tagged(s, NULL, ROOT_TAG);
	if (geteuid() != 0) {
		printf("SKIP: these tests need root: they run the daemon as a user of its own\n");
		return 77;
	}
	if (getenv("HELLO_UNDER_VALGRIND") != NULL) {
		printf("SKIP: valgrind, re-executed as another user, fails before the daemon runs\n");
		return 77;
	}
	return run_tagged(s, ROOT_TAG, NULL);
}
