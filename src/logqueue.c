#include "logqueue.h"

#include <string.h>
#include <sys/mman.h>

/* Each record: its length in two bytes, then the line. */
#define RECORD_HEADER 2

static size_t
record_len(const struct logqueue *q, size_t at)
{
	const unsigned char *p = (const unsigned char *)q->buf + at;

	return (size_t)p[0] << 8 | p[1];
}

/* Only the master queues: the children it forks need none of it, so fork copies none of it. */
static int
map_buffer(struct logqueue *q)
{
	void *p = mmap(NULL, LOGQUEUE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);

	if (p == MAP_FAILED)
		return -1;
	madvise(p, LOGQUEUE_BYTES, MADV_DONTFORK);
	q->buf = p;
	q->head = q->tail = 0;
	q->lines = 0;
	return 0;
}

unsigned
logqueue_push(struct logqueue *q, const char *line, size_t len)
{
	size_t need = RECORD_HEADER + len;
	unsigned lost = 0;
	unsigned char *p;

	if (len > LOGQUEUE_LINE_MAX || (q->buf == NULL && map_buffer(q) != 0))
		return 1;
	while (q->lines > 0 && q->tail - q->head + need > LOGQUEUE_BYTES) {
		logqueue_pop(q);
		lost++;
	}
	if (LOGQUEUE_BYTES - q->tail < need) { /* room only at the front: move the rest there */
		memmove(q->buf, q->buf + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}
	p = (unsigned char *)q->buf + q->tail;
	p[0] = (unsigned char)(len >> 8);
	p[1] = (unsigned char)(len & 0xff);
	memcpy(p + RECORD_HEADER, line, len);
	q->tail += need;
	q->lines++;
	return lost;
}

const char *
logqueue_peek(const struct logqueue *q, size_t *len)
{
	if (q->lines == 0)
		return NULL;
	*len = record_len(q, q->head);
	return q->buf + q->head + RECORD_HEADER;
}

void
logqueue_pop(struct logqueue *q)
{
	if (q->lines == 0)
		return;
	q->head += RECORD_HEADER + record_len(q, q->head);
	if (--q->lines == 0)
		q->head = q->tail = 0;
}

void
logqueue_free(struct logqueue *q)
{
	if (q->buf != NULL)
		munmap(q->buf, LOGQUEUE_BYTES);
	memset(q, 0, sizeof(*q));
}
