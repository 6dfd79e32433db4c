/* The master's log lines that syslog has not taken yet (it is away, restarting or stalled),
 * oldest first, kept until they can be sent. Bounded: when full, the oldest lines make room and
 * are counted as lost. */
#ifndef HELLO_LOGQUEUE_H
#define HELLO_LOGQUEUE_H

#include <stddef.h>
#include <stdint.h>

/* A few hundred lines of the usual hundred bytes; a line may be up to LOGQUEUE_LINE_MAX. */
#define LOGQUEUE_BYTES 65536
#define LOGQUEUE_LINE_MAX 4096

struct logqueue {
	char *buf;         /* LOGQUEUE_BYTES, mapped at the first line; NULL before */
	size_t head, tail; /* the records still queued are buf[head..tail) */
	unsigned lines;
};

/* Appends one line (without a terminating NUL), dropping the oldest ones while it does not fit.
 * Returns how many lines were lost: the dropped ones, and this one if it cannot be kept (longer
 * than LOGQUEUE_LINE_MAX, or no memory). */
unsigned logqueue_push(struct logqueue *q, const char *line, size_t len);

/* The oldest line, or NULL when there is none. */
const char *logqueue_peek(const struct logqueue *q, size_t *len);
void logqueue_pop(struct logqueue *q);

/* Forgets every line and gives the memory back. */
void logqueue_free(struct logqueue *q);

#endif
