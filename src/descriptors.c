#include "descriptors.h"

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/resource.h>

/* Descriptor numbers asked one by one at most up to this. */
#define PROBE_MAX 65536

/* The limit is on descriptor numbers: a new one is always below it. So what counts is how many
 * numbers below it are taken (one inherited above it takes none). From /proc/self/fd, less the
 * one that reads it; where that cannot be opened (no /proc, or every number the limit allows is
 * taken), each number is asked. */
static unsigned
taken_below(rlim_t limit)
{
	DIR *d = opendir("/proc/self/fd");
	const struct dirent *e;
	unsigned n = 0;

	if (d == NULL) {
		for (int fd = 0; (rlim_t)fd < limit && fd < PROBE_MAX; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				n++;
		return n;
	}
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && (rlim_t)strtoul(e->d_name, NULL, 10) < limit)
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* the directory's own */
}

/* The least limit that leaves n numbers free: the number just past the n-th free one. */
static unsigned long
least_limit(unsigned n)
{
	unsigned free_seen = 0;
	int fd = 0;

	for (; fd < PROBE_MAX && free_seen < n; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			free_seen++;
	return (unsigned long)fd;
}

void
descriptors_reserve(unsigned want, unsigned unopened, struct descriptor_budget *b)
{
	rlim_t need, taken, own = DESCRIPTOR_SLACK + (rlim_t)unopened;
	struct rlimit rl;

	b->limit = 0;
	b->least = 0;
	b->room = want;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	taken = taken_below(rl.rlim_cur);
	need = (rlim_t)want + taken + own;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		taken = taken_below(rl.rlim_cur);
	}
	b->limit = (unsigned long)rl.rlim_cur;
	b->in_use = (unsigned)taken;
	if (rl.rlim_cur >= (rlim_t)want + taken + own)
		return;
	if (rl.rlim_cur <= taken + own) {
		b->room = 0;
		b->least = least_limit((unsigned)own + 1);
	} else {
		b->room = (unsigned)(rl.rlim_cur - taken - own);
	}
}
