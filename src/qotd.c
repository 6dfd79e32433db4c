#include "qotd.h"

#include <errno.h>
#include <sys/random.h>
#include <unistd.h>

#define GOLDEN 0x9e3779b97f4a7c15ULL /* splitmix64's increment: 2^64 / golden ratio */
#define FEISTEL_ROUNDS 6

uint64_t
qotd_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Days from 1970-01-01 to year-month-day of the proleptic Gregorian calendar (the well-known
 * era arithmetic: 400-year eras of 146097 days, years starting in March). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

int64_t
qotd_local_day(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return INT64_MIN;
	return days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
		(unsigned)tm.tm_mday);
}

static uint32_t
feistel(uint64_t key, uint32_t x, unsigned half)
{
	uint32_t mask = (1u << half) - 1;
	uint32_t left = x >> half, right = x & mask;

	for (unsigned r = 0; r < FEISTEL_ROUNDS; r++) {
		uint32_t f = (uint32_t)qotd_mix64(key + (r + 1) * GOLDEN + right) & mask;
		uint32_t next = left ^ f;

		left = right;
		right = next;
	}
	return left << half | right;
}

uint32_t
qotd_permute(uint64_t cycle, uint32_t pos, uint32_t n)
{
	uint64_t key = qotd_mix64(cycle + GOLDEN);
	unsigned half = 1;
	uint32_t x = pos;

	if (n <= 1)
		return 0;
	while (half < 16 && (1ULL << (2 * half)) < n)
		half++;
	/* The domain is under 4n, so fewer than 4 steps on average; it ends, because the
	 * permutation's cycle through pos comes back to pos, which is inside. */
	do
		x = feistel(key, x, half);
	while (x >= n);
	return x;
}

uint32_t
qotd_day_index(int64_t day, uint32_t n)
{
	int64_t cycle = day / n, pos = day % n;

	if (pos < 0) { /* floor division, for dates before 1970 */
		pos += n;
		cycle--;
	}
	return qotd_permute((uint64_t)cycle, (uint32_t)pos, n);
}

uint32_t
qotd_random_index(uint32_t n)
{
	uint64_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;

		/* Only before the kernel's pool is ready: different per child all the same. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = qotd_mix64((uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_nsec ^
			(uint64_t)ts.tv_sec * GOLDEN);
	}
	/* The bias of a 64-bit value modulo n < 2^32 is below 2^-32. */
	return (uint32_t)(r % n);
}
