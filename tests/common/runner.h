/* Running one Check suite as a test program: exit 0 only if every test passed. */
#ifndef TEST_RUNNER_H
#define TEST_RUNNER_H

#include <check.h>

int run_suite(Suite *s);

#endif
