#include "nofork.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Before each block: the length of its mapping, padded so that the block is aligned for
 * anything. */
union head {
	size_t len;
	max_align_t align;
};

static size_t
mapping_len(size_t n, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes;

	if (size != 0 && n > (SIZE_MAX - sizeof(union head) - page) / size)
		return 0;
	bytes = n * size + sizeof(union head);
	return (bytes + page - 1) / page * page;
}

static union head *
head_of(void *p)
{
	return (union head *)p - 1;
}

void *
nofork_calloc(size_t n, size_t size)
{
	size_t len = mapping_len(n, size);
	union head *h;

	if (len == 0) {
		errno = ENOMEM;
		return NULL;
	}
	h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return NULL;
	/* Refused (a seccomp filter, an old kernel): ordinary memory, which works all the same. */
	(void)madvise(h, len, MADV_DONTFORK);
	h->len = len;
	return h + 1;
}

/* Not mremap: a new mapping and a copy use only the calls every daemon may make. */
void *
nofork_realloc(void *p, size_t n, size_t size)
{
	size_t len = mapping_len(n, size);
	union head *old;
	void *grown;

	if (p == NULL)
		return nofork_calloc(n, size);
	old = head_of(p);
	if (len != 0 && len <= old->len)
		return p;
	grown = nofork_calloc(n, size);
	if (grown == NULL)
		return NULL;
	memcpy(grown, p, old->len - sizeof(union head));
	nofork_free(p);
	return grown;
}

void
nofork_free(void *p)
{
	union head *h;

	if (p == NULL)
		return;
	h = head_of(p);
	munmap(h, h->len);
}
