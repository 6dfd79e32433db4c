/* A test's sockets and pipes written and read to their end. (Its clock is the daemon's:
 * mono_ms() and ms_until() from util.h.) */
#ifndef TEST_IO_H
#define TEST_IO_H

#include <stddef.h>

/* Sends all of data on a connected socket, or fails the test. */
void send_all(int fd, const void *data, size_t len);

/* Reads fd until EOF or an error, keeping at most cap - 1 bytes, NUL-terminated; returns how
 * many were kept. */
size_t read_to_end(int fd, char *buf, size_t cap);

/* The file at path, read as read_to_end reads, or fails the test; returns buf. */
char *read_file(const char *path, char *buf, size_t cap);

#endif
