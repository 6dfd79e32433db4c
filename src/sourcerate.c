#include "sourcerate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

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
	/* No entry is full before this: until then a full table has nothing to forget. */
	int64_t earliest_full;
	struct rate_entry *slot;
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
	struct sourcerate *r = calloc(1, sizeof(*r));
	size_t slots = 16;
	void *map;

	if (r == NULL)
		return NULL;
	while (slots < (size_t)max_sources * 2)
		slots *= 2;
	r->map_len = slots * sizeof(*r->slot);
	/* Populated now: the memory the table takes is the same under a spray as at start. */
	map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (map == MAP_FAILED) {
		free(r);
		return NULL;
	}
	madvise(map, r->map_len, MADV_DONTFORK);
	r->slot = map;
	r->per_minute = per_minute;
	r->burst_units = ((int64_t)per_minute - 1) * MINUTE_MS;
	r->max = max_sources;
	r->mask = slots - 1;
	r->earliest_full = INT64_MAX;
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
	free(r);
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

/* Drops every source whose bucket is full by now. The entries left are put back in order from
 * an empty slot on, each where a search for it starts, so no run of the table is broken. */
static void
forget_refilled(struct sourcerate *r, int64_t now_units)
{
	size_t start = 0, slots = r->mask + 1;

	r->earliest_full = INT64_MAX;
	for (size_t i = 0; i < slots; i++) {
		if (r->slot[i].full_at == 0)
			continue;
		if (r->slot[i].full_at <= now_units) {
			r->slot[i].full_at = 0;
			r->count--;
		}
	}
	while (r->slot[start].full_at != 0)
		start++; /* at most half the slots are taken: there is an empty one */
	for (size_t n = 1; n <= slots; n++) {
		size_t i = (start + n) & r->mask, to;
		struct rate_entry e = r->slot[i];

		if (e.full_at == 0)
			continue;
		r->slot[i].full_at = 0;
		to = find(r, &e.key);
		r->slot[to] = e;
		if (e.full_at < r->earliest_full)
			r->earliest_full = e.full_at;
	}
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
		if (now_units < r->earliest_full)
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
	if (e->full_at < r->earliest_full)
		r->earliest_full = e->full_at;
	return RATE_WITHIN;
}

unsigned
sourcerate_tracked(const struct sourcerate *r)
{
	return r->count;
}
