/* Text built by appending to a fixed buffer: strings, numbers, padded fields. For a child's
 * path from fork to exit, which formats its process title and its log line without the printf
 * family: every page of code a child runs is a page fault of its own (fork does not copy the
 * page tables of the program's code), and printf's code spans many pages. */
#ifndef HELLO_TEXT_H
#define HELLO_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct text {
	char *buf;
	size_t cap; /* bytes in buf, the terminating NUL included; at least 1 */
	size_t len; /* bytes appended, at most cap - 1; buf[len] is always a NUL */
	bool cut;   /* something did not fit and was cut short */
};

void text_init(struct text *t, char *buf, size_t cap);
void text_char(struct text *t, char c);
void text_str(struct text *t, const char *s);
void text_mem(struct text *t, const char *s, size_t n);
/* v in decimal, at least width digits, padded on the left with pad ('0' or ' '). */
void text_uint(struct text *t, uint64_t v, unsigned width, char pad);

#endif
