/* Scratch directories for a test's files: made fresh under /tmp, removed with everything in
 * them. */
#ifndef TEST_SCRATCH_H
#define TEST_SCRATCH_H

#include <stddef.h>

#define SCRATCH_DIR_MAX 64

/* A fresh /tmp/hello-TAG-XXXXXX into dir (SCRATCH_DIR_MAX bytes); fails the test if it cannot. */
void scratch_make(char *dir, const char *tag);

/* Removes dir and everything under it. */
void scratch_remove(const char *dir);

/* dir/name, in a buffer that the next call reuses. */
const char *scratch_path(const char *dir, const char *name);

/* Writes dir/name (replacing it at once, by rename, should it exist); returns its path, in
 * scratch_path's buffer. */
const char *scratch_write(const char *dir, const char *name, const void *data, size_t len);

#endif
