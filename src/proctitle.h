/* Process titles for ps: "hello-server: master", "hello-server: greeting 192.0.2.1". */
#ifndef HELLO_PROCTITLE_H
#define HELLO_PROCTITLE_H

#include <stddef.h>

/* Takes over the memory of argv's and environ's strings, where the kernel reads
 * /proc/PID/cmdline: the strings move to the heap (argv[i] and environ point to the copies, so
 * option parsing and getenv work as before). Call first thing in main(). Without memory for the
 * copies, titles stay as they are. */
void proctitle_init(int argc, char *argv[]);

/* Sets the title to "hello-server: " and the formatted text, cut to the memory there is.
 * /proc/PID/cmdline then reads exactly the title and one NUL, as for a program run without
 * arguments, whatever the length of the original command line. */
void proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same with the text as it is, without printf and without a buffer on the stack: for a
 * child, where each page of code or stack it touches is a page fault of its own. */
void proctitle_put(const char *title);

/* For tests: takes over len bytes at start, the first args of them the arguments' strings (the
 * kernel's arg_start..arg_end; 0 if unknown), without touching argv or environ. */
void proctitle_use_area(char *start, size_t len, size_t args);

#endif
