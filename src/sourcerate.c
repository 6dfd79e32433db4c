#include "sourcerate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "nofork.h"
#include "util.h"

/* Times are kept in units of 1/per_minute ms, so that a token is exactly MINUTE_MS units and
 * no rounding ever gives a source more or less than its rate. */
#define MINUTE_MS 60000

struct rate_entry {
	int64_t full_at; /* when the bucket is full again, in units; 0: empty slot */
	struct srckey key;
};

/* Open addressing with linear probing, at most half full, in one mapping of its own that a
 * child never inherits: the master writes it after every fork, and a shared page would be
 * copied on each of those writes. */
struct sourcerate {
	int64_t per_minute;
	int64_t burst_units; /* how far ahead of now full_at may be: the burst less one token */
	unsigned max, count;
	size_t mask;
	size_t map_len;
	uint64_t seed;
	/* A full table is swept for refilled sources no sooner than this: when a batch of them
	 * (sweep_batch) will have refilled, or at once when a batch of new ones filled it since
	 * the last sweep, so that a spray of new sources costs a pass over the whole table once a
	 * batch, not once a connection. */
	int64_t sweep_at;
	unsigned sweep_batch;
	unsigned long sweeps;
	struct rate_entry *slot;
	int64_t *soonest; /* scratch for a sweep: a max-heap of the sweep_batch soonest full_at */
};

/* A seeded hash: sources are chosen by the clients, and a fixed hash would let them pile
 * into one run of the table. */
static size_t
hash_key(const struct sourcerate *r, const struct srckey *k)
{
	uint64_t h = r->seed ^ 14695981039346656037u;

	for (size_t i = 0; i < sizeof(k->bytes); i++)
		h = (h ^ k->bytes[i]) * 1099511628211u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return (size_t)h;
}

struct sourcerate *
sourcerate_new(unsigned per_minute, unsigned max_sources)
{
	/* Out of the children's reach like the table: the master's record holds the only
	 * pointer to it, and that record is not theirs either. */
	struct sourcerate *r = nofork_calloc(1, sizeof(*r));
	size_t slots = 16;
	void *map;

	if (r == NULL)
		return NULL;
	while (slots < (size_t)max_sources * 2)
		slots *= 2;
	r->sweep_batch = (max_sources + 15) / 16;
	r->map_len = slots * sizeof(*r->slot) + r->sweep_batch * sizeof(*r->soonest);
	/* Populated now: the memory the table takes is the same under a spray as at start. */
	map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (map == MAP_FAILED) {
		nofork_free(r);
		return NULL;
	}
	madvise(map, r->map_len, MADV_DONTFORK);
	r->slot = map;
	r->soonest = (int64_t *)(r->slot + slots);
	r->per_minute = per_minute;
	r->burst_units = ((int64_t)per_minute - 1) * MINUTE_MS;
	r->max = max_sources;
	r->mask = slots - 1;
	r->sweep_at = INT64_MIN; /* the first time the table is full */
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) != sizeof(r->seed))
		r->seed = (uint64_t)mono_ms() * 0x9e3779b97f4a7c15u;
	return r;
}

void
sourcerate_free(struct sourcerate *r)
{
	if (r == NULL)
		return;
	munmap(r->slot, r->map_len);
	nofork_free(r);
}

/* The slot of key, or the empty slot where it belongs. */
static size_t
find(const struct sourcerate *r, const struct srckey *key)
{
	size_t i = hash_key(r, key) & r->mask;

	while (r->slot[i].full_at != 0 && memcmp(&r->slot[i].key, key, sizeof(*key)) != 0)
		i = (i + 1) & r->mask;
	return i;
}

/* Offers t to the max-heap of the n (at most k) soonest times seen. */
static void
keep_soonest(int64_t *h, unsigned *n, unsigned k, int64_t t)
{
	unsigned i;

	if (*n < k) {
		for (i = (*n)++; i > 0 && h[(i - 1) / 2] < t; i = (i - 1) / 2)
			h[i] = h[(i - 1) / 2];
		h[i] = t;
		return;
	}
	if (t >= h[0])
		return;
	for (i = 0;;) {
		unsigned c = 2 * i + 1;

		if (c >= k)
			break;
		if (c + 1 < k && h[c + 1] > h[c])
			c++;
		if (h[c] <= t)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = t;
}

/* Drops every source whose bucket is full by now. The entries left are put back in order from
 * an empty slot on, each where a search for it starts, so no run of the table is broken. That
 * slot is one that was empty before any source was dropped: no run crosses it, so every entry's
 * home lies between it and the entry, and none is placed on a slot an entry still to be moved
 * will leave empty (a slot emptied by the dropping may lie inside a run that wraps past the
 * table's end). Each sweep is paid for by a batch of sources: forgotten by it, or new since the
 * one before. */
static void
forget_refilled(struct sourcerate *r, int64_t now_units)
{
	size_t start = 0, slots = r->mask + 1;
	unsigned n = 0;

	r->sweeps++;
	while (r->slot[start].full_at != 0)
		start++; /* at most half the slots are taken: there is an empty one */
	for (size_t i = 0; i < slots; i++) {
		if (r->slot[i].full_at == 0)
			continue;
		if (r->slot[i].full_at <= now_units) {
			r->slot[i].full_at = 0;
			r->count--;
		}
	}
	for (size_t k = 1; k <= slots; k++) {
		size_t i = (start + k) & r->mask, to;
		struct rate_entry e = r->slot[i];

		if (e.full_at == 0)
			continue;
		r->slot[i].full_at = 0;
		to = find(r, &e.key);
		r->slot[to] = e;
		keep_soonest(r->soonest, &n, r->sweep_batch, e.full_at);
	}
	/* Room for a batch: filling it again pays for the next sweep, as soon as it is full. */
	if (r->count + r->sweep_batch <= r->max)
		r->sweep_at = INT64_MIN;
	else
		r->sweep_at = n > 0 ? r->soonest[0] : now_units;
}

enum rate_verdict
sourcerate_take(struct sourcerate *r, const struct srckey *key, int64_t now)
{
	int64_t now_units = now * r->per_minute;
	size_t i = find(r, key);
	struct rate_entry *e = &r->slot[i];

	if (e->full_at != 0) {
		int64_t from = e->full_at > now_units ? e->full_at : now_units;

		if (from - now_units > r->burst_units)
			return RATE_OVER;
		e->full_at = from + MINUTE_MS;
		return RATE_WITHIN;
	}
	if (r->count >= r->max) {
		if (now_units < r->sweep_at)
			return RATE_UNTRACKED;
		forget_refilled(r, now_units);
		if (r->count >= r->max)
			return RATE_UNTRACKED;
		i = find(r, key);
		e = &r->slot[i];
	}
	e->key = *key;
	e->full_at = now_units + MINUTE_MS;
	r->count++;
	return RATE_WITHIN;
}

unsigned
sourcerate_tracked(const struct sourcerate *r)
{
	return r->count;
}

unsigned long
sourcerate_sweeps(const struct sourcerate *r)
{
	return r->sweeps;
}
