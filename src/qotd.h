/* Which quote a client gets: the day's, or a random one. Pure arithmetic, cheap enough for the
 * child to do after fork, so the master does no work per connection. */
#ifndef HELLO_QOTD_H
#define HELLO_QOTD_H

#include <stdint.h>
#include <time.h>

/* Days from 1970-01-01 to the LOCAL calendar date at t (TZ honoured): not t / 86400, which is
 * the UTC day; a local day may last 23 or 25 hours, or begin at 01:00. INT64_MIN when t has no
 * local time. */
int64_t qotd_local_day(time_t t);

/* The entry of day `day` among n (> 0): days are grouped into cycles of n consecutive days, and
 * each cycle serves every entry once, in an order that depends only on the cycle number. */
uint32_t qotd_day_index(int64_t day, uint32_t n);

/* The permutation behind qotd_day_index: position pos (< n) of cycle `cycle`. A bijection on
 * [0, n) for every cycle: a 6-round Feistel network over the smallest even power of two >= n,
 * keyed by splitmix64 of the cycle number, walked until it lands inside [0, n). */
uint32_t qotd_permute(uint64_t cycle, uint32_t pos, uint32_t n);

/* An entry among n (> 0) from the kernel's random source. */
uint32_t qotd_random_index(uint32_t n);

/* splitmix64's output function (Steele, Lea, Flood 2014): the mixer of the generator above. */
uint64_t qotd_mix64(uint64_t z);

#endif
