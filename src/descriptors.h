/* The descriptor limit against what the master needs: the descriptors it keeps open, a few for
 * its own work, and one for each connection it holds (a pending PROXY header, a client waiting
 * for its source's slot, and with --max-per-source each child's). */
#ifndef HELLO_DESCRIPTORS_H
#define HELLO_DESCRIPTORS_H

/* Descriptors the master opens for a moment besides the connections it holds: at most two at
 * once (a reload's quote directory and one file in it; a connection just accepted and a log
 * socket reconnecting), and one to spare. */
#define DESCRIPTOR_SLACK 3

struct descriptor_budget {
	unsigned long limit; /* RLIMIT_NOFILE's soft limit, once raised; 0 when unknown or none */
	unsigned in_use;     /* descriptor numbers below it taken now */
	unsigned room;       /* connections the master can hold at once; 0: not even one */
	unsigned long least; /* with room 0: the least limit with room for one */
};

/* Raises the soft RLIMIT_NOFILE toward what holding `want` connections needs, within the hard
 * limit, and says how many the limit leaves room for (at most want). Called once everything
 * else the master keeps is open; `unopened` counts what it keeps for its whole life but could
 * not open under the limit (the log's socket), which needs its number all the same. */
void descriptors_reserve(unsigned want, unsigned unopened, struct descriptor_budget *b);

#endif
