/* The kernel shows [arg_start, arg_end) -- argv's strings -- as /proc/PID/cmdline, NULs and all,
 * unless the last byte of that range is not a NUL: then it shows from arg_start up to the first
 * NUL, reading on into environ's strings, which follow. A title is written over both and the rest
 * NUL-filled; when the title ends before arg_end, the range's last byte is marked, so that either
 * way the kernel shows the title alone. (libbsd's setproctitle marks the byte where argv[0]
 * ended instead: ps shows a stray '.' after a shorter title, a space after one as long.) */
#include "proctitle.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define PREFIX "hello-server: "
/* The kernel reads a title of at most one page. */
#define TITLE_MAX 4096

static char *area;      /* where argv[0]'s string began */
static size_t area_len; /* through the last string of argv and environ that follows on */
static size_t args_len; /* argv's strings alone, as the kernel's arg_end - arg_start */
/* Since the first title, the area holds the title, then NULs but for the marked byte: only up to
 * the end of the longer of the title and the arguments can a byte need clearing. Written once
 * in the master, never by a child: each page a child writes is copied for it. */
static bool settled;
/* The heap copies. Only argv and environ point at them, and setenv(3) or getopt(3) may change
 * those: kept here too for leak checkers, volatile so that the stores are not optimized away. */
static char *volatile moved_env;
static char *volatile moved_args;

/* How many of strs' n strings lie one after the other from start; *end is where they stop. */
static size_t
run_of_strings(char *start, char *const strs[], size_t n, char **end)
{
	size_t i = 0;

	*end = start;
	for (; i < n && strs[i] == *end; i++)
		*end += strlen(strs[i]) + 1;
	return i;
}

/* Copies n strings into one block and points strs at the copies; NULL if out of memory. */
static char *
move_strings(char *strs[], size_t n)
{
	size_t total = 0, at = 0;
	char *block;

	for (size_t i = 0; i < n; i++)
		total += strlen(strs[i]) + 1;
	block = malloc(total > 0 ? total : 1);
	if (block == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(strs[i]) + 1;

		memcpy(block + at, strs[i], len);
		strs[i] = block + at;
		at += len;
	}
	return block;
}

/* environ's array is ours to change, in place, as argv's is: only the strings move. */
static bool
move_environ(size_t n)
{
	moved_env = move_strings(environ, n);
	return moved_env != NULL;
}

void
proctitle_use_area(char *start, size_t len, size_t args)
{
	area = start;
	area_len = len;
	args_len = args <= len ? args : 0;
	settled = false;
}

void
proctitle_init(int argc, char *argv[])
{
	char *start, *args_end, *end;
	size_t nenv = 0;
	bool args_in_a_row;

	if (argc < 1 || argv[0] == NULL)
		return;
	start = argv[0];
	args_in_a_row = run_of_strings(start, argv, (size_t)argc, &args_end) == (size_t)argc;
	end = args_end;
	while (environ != NULL && environ[nenv] != NULL)
		nenv++;
	/* environ's strings follow argv's after execve: they lengthen the title's room. */
	if (args_in_a_row && nenv > 0 && run_of_strings(args_end, environ, nenv, &end) > 0 &&
		!move_environ(nenv))
		end = args_end;
	moved_args = move_strings(argv, (size_t)argc);
	if (moved_args == NULL)
		return;
	/* err(3) and getprogname() read these: they pointed into what becomes the title. */
	program_invocation_name = argv[0];
	program_invocation_short_name =
		strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
	/* Arguments not in a row (never so after execve) leave the kernel's arg_end unknown: no
	 * byte is marked, and the title may show followed by NULs. */
	proctitle_use_area(start, (size_t)(end - start),
		args_in_a_row ? (size_t)(args_end - start) : 0);
}

/* Where the bytes that may need clearing end, once settled: the old title ends at its first NUL,
 * at or past the new one's length, and the mark lies within the arguments. */
CHILD_CODE static size_t
previous_end(size_t len)
{
	size_t end = len;

	while (end < area_len && area[end] != '\0')
		end++;
	return end > args_len ? end : args_len;
}

/* Written byte by byte with no library call, for the child: only what may hold a byte of an
 * earlier title is NUL-filled again, so a title costs no more than its own length. */
CHILD_CODE void
proctitle_put(const char *title)
{
	size_t cap, len = 0, end;
	/* Byte by byte on purpose: the compiler would make a plain loop a call to memset(3), on a
	 * library page of its own. */
	volatile char *fill = area;

	if (area == NULL || area_len == 0)
		return;
	cap = (area_len < TITLE_MAX ? area_len : TITLE_MAX) - 1;
	for (const char *s = PREFIX; *s != '\0' && len < cap; s++)
		area[len++] = *s;
	for (const char *s = title; *s != '\0' && len < cap; s++)
		area[len++] = *s;
	end = settled ? previous_end(len) : area_len;
	for (size_t i = len; i < end; i++)
		fill[i] = '\0';
	if (args_len > 0 && len + 1 < args_len)
		area[args_len - 1] = '.';
	if (!settled)
		settled = true;
}

void
proctitle_set(const char *fmt, ...)
{
	char title[TITLE_MAX];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	if (vsnprintf(title, sizeof(title), fmt, ap) < 0)
		title[0] = '\0';
	va_end(ap);
	proctitle_put(title);
	errno = saved;
}
