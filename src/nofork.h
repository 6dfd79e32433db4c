/* Memory that fork does not hand to children (madvise MADV_DONTFORK): for the master's state
 * that no child reads -- its record, tables, counters, poll set. After a fork, each page the
 * master writes that a child still shares costs the master a page fault (the copy on write);
 * these pages are not shared, and fork copies no page tables for them. A child must never
 * touch them: there, their addresses are not mapped. Where madvise is refused, the memory is
 * ordinary memory and everything works as before, only slower.
 *
 * Each block is a mapping of its own, whole pages: for a few large or long-lived blocks, not
 * for many small ones. Zero-filled, as calloc's. */
#ifndef HELLO_NOFORK_H
#define HELLO_NOFORK_H

#include <stddef.h>

/* NULL (errno ENOMEM) when n * size overflows or memory is short. */
void *nofork_calloc(size_t n, size_t size);

/* Grows (never shrinks) a block from nofork_calloc, or makes one from NULL; the new part is
 * zero-filled. NULL when out of memory, the old block left as it was. */
void *nofork_realloc(void *p, size_t n, size_t size);

void nofork_free(void *p);

#endif
