/* Small helpers shared by every module: error reporting into a caller's buffer, clocks. */
#ifndef HELLO_UTIL_H
#define HELLO_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Fills err with the formatted reason and returns code, so that a parser can say
 * `return set_error(err, errlen, EX_USAGE, "port '%s' is %s", s, why);` */
int set_error(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Milliseconds on CLOCK_MONOTONIC: deadlines must not move with the wall clock. */
int64_t mono_ms(void);

/* Milliseconds left until deadline, clamped to [0, INT_MAX] for poll(2). */
int ms_until(int64_t deadline);

/* Reads until cap bytes, end of file or an error (EINTR retried); *got is what was read.
 * Returns 0, or -1 with errno set. */
int read_up_to(int fd, char *buf, size_t cap, size_t *got);

/* Calls fn(arg) with its frame at the top of a page of the stack, wherever the caller's frame
 * is, and returns what it returns: fn's frames and those it calls, down to about a page, then
 * lie on that one page. */
int run_from_the_top_of_a_stack_page(int (*fn)(void *), void *arg);

/* The code a child runs from fork to exit, placed together (the linker gathers .text.hot*):
 * fork does not copy the page tables of the program's code, so a child faults in each page of
 * code it runs (the kernel maps up to 64 KiB around each fault), and code spread over the
 * program costs it a fault per stretch. */
#define CHILD_CODE __attribute__((section(".text.hot.child")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
