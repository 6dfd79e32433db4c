#define _XOPEN_SOURCE 700 /* nftw */
#include "scratch.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
scratch_make(char *dir, const char *tag)
{
	int n = snprintf(dir, SCRATCH_DIR_MAX, "/tmp/hello-%s-XXXXXX", tag);

	ck_assert_int_lt(n, SCRATCH_DIR_MAX);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

void
scratch_remove(const char *dir)
{
	ck_assert_msg(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "cannot remove %s: %s",
		dir, strerror(errno));
}

const char *
scratch_path(const char *dir, const char *name)
{
	static char path[256];

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir, name), (int)sizeof(path));
	return path;
}

const char *
scratch_write(const char *dir, const char *name, const void *data, size_t len)
{
	char tmp[300];
	const char *path = scratch_path(dir, name);
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ck_assert_msg(f != NULL, "cannot write %s: %s", tmp, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
	return path;
}
