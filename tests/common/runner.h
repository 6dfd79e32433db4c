/* Running one Check suite as a test program: exit 0 only if every test passed. */
#ifndef TEST_RUNNER_H
#define TEST_RUNNER_H

#include <check.h>

/* The tag of the test cases that need root (they run the daemon as users of their own). */
#define ROOT_TAG "needs-root"

int run_suite(Suite *s);

/* Runs the test cases tagged ROOT_TAG when argv[1] is "--needs-root", every other one
 * otherwise; the first part exits 77 (meson's skip), saying why, where it cannot run: not
 * root, or under valgrind (whose re-execution as another user fails before the daemon runs). */
int run_suite_part(Suite *s, int argc, char **argv);

#endif
