/* Helpers shared by the libFuzzer harnesses: each harness feeds one parser of outside input and
 * abort()s when a promise the parser makes is broken, so that libFuzzer keeps the input. */
#ifndef HELLO_FUZZ_H
#define HELLO_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: say which, and abort so that libFuzzer saves the input. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond); \
			abort(); \
		} \
	} while (0)

/* The input as a C string, in a heap block of its own size so that ASan sees any overread;
 * it stops at the first NUL byte, as a string from argv or the environment would. */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An error text a parser left in err: terminated inside the buffer, not empty, and printable
 * ASCII only, since what the user typed must reach it escaped (escape.h): a message on stderr or
 * in the log must not carry terminal escapes or line breaks. */
static inline bool
fuzz_error_ok(const char *err, size_t errlen)
{
	const char *end = memchr(err, '\0', errlen);

	if (end == NULL || end == err)
		return false;
	for (const char *p = err; p < end; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

#endif
