/* Making outside bytes safe to print: a value a user typed or a peer sent must not be able
 * to forge log lines or send terminal escapes, and must not make a line unbounded. */
#ifndef HELLO_ESCAPE_H
#define HELLO_ESCAPE_H

#include <stddef.h>

/* Longest escaped text the callers print; longer input is cut and ends in "...". */
#define ESCAPE_MAX 128

/* Writes src (srclen bytes) into dst (always NUL-terminated when dstlen > 0): printable
 * ASCII as is, backslash doubled, everything else as \xHH; cut with "..." when dst is
 * too small. Returns dst. */
char *escape_bytes(char *dst, size_t dstlen, const void *src, size_t srclen);

/* The same for a C string. */
char *escape_str(char *dst, size_t dstlen, const char *s);

#endif
