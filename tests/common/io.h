/* The clock every wait is measured on, and a test's sockets and pipes written and read to their
 * end. */
#ifndef TEST_IO_H
#define TEST_IO_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC, in milliseconds. */
int64_t now_ms(void);

/* Milliseconds until deadline (now_ms's clock), 0 once it has passed: a poll timeout. */
int left_ms(int64_t deadline);

/* Sends all of data on a connected socket, or fails the test. */
void send_all(int fd, const void *data, size_t len);

/* Reads fd until EOF or an error, keeping at most cap - 1 bytes, NUL-terminated; returns how
 * many were kept. */
size_t read_to_end(int fd, char *buf, size_t cap);

#endif
