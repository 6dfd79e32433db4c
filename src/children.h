/* The master's record of its children: which pid serves which source, how many children each
 * source has (for --max-per-source), and how many there are in all (for --max-children).
 * Every operation is O(1) on average so that a large cap costs nothing per connection. */
#ifndef HELLO_CHILDREN_H
#define HELLO_CHILDREN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "addr.h"

struct children;

/* Room for max children; NULL when out of memory. */
struct children *children_new(unsigned max);
void children_free(struct children *c);

/* false when the table is full (the caller keeps below max) or pid is already in it. */
bool children_add(struct children *c, pid_t pid, const struct srckey *key);
/* The master holds the client's descriptor of child pid until the child is removed (then it is
 * closed), so that children_open_of_source can see whether the client is still there; false
 * (and fd stays the caller's) when pid is unknown or memory is short. */
bool children_hold(struct children *c, pid_t pid, int fd);
/* false for a pid that is not a child of ours. Closes the descriptor held for it. */
bool children_remove(struct children *c, pid_t pid);

unsigned children_count(const struct children *c);
unsigned children_of_source(const struct children *c, const struct srckey *key);
/* The children of a source whose client has not closed its side: those without a held
 * descriptor count as open. Polls the held descriptors (timeout 0): call it at the cap only. */
unsigned children_open_of_source(const struct children *c, const struct srckey *key);

/* Sends sig to every child; returns how many were sent it. */
unsigned children_signal_all(const struct children *c, int sig);

#endif
