/* The greeting: converting what the operator wrote into what goes on the wire. No sockets. */
#ifndef HELLO_MESSAGE_H
#define HELLO_MESSAGE_H

#include <stddef.h>

#define MESSAGE_DEFAULT "Hello World!"
/* The largest greeting after conversion to CRLF lines. */
#define MESSAGE_MAX 65536
/* RFC 865: "the quote may be just one or up to several lines, but it should be less than 512
 * characters". Larger ones are served, with a warning. */
#define MESSAGE_RFC865_MAX 512

struct message {
	char *data; /* CRLF lines, no NUL byte; not a C string */
	size_t len;
};

/* Every LF or CRLF becomes CRLF; a final CRLF is added when missing; nothing else changes.
 * Returns 0, or EX_DATAERR (too large after conversion, empty, or holding a NUL byte) with
 * the reason in err; EX_OSERR when out of memory. */
int message_convert(const char *text, size_t len, struct message *m, char *err, size_t errlen);

/* Reads and converts FILE. It must be a regular file (never blocks on a FIFO): else
 * EX_NOINPUT; too large or empty: EX_DATAERR. */
int message_load_file(const char *path, struct message *m, char *err, size_t errlen);

void message_free(struct message *m);

#endif
