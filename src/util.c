#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int
set_error(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

CHILD_CODE int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

CHILD_CODE int
ms_until(int64_t deadline)
{
	int64_t left = deadline - mono_ms();

	if (left <= 0)
		return 0;
	if (left > INT_MAX)
		return INT_MAX;
	return (int)left;
}

int
read_up_to(int fd, char *buf, size_t cap, size_t *got)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return 0;
}

int
run_from_the_top_of_a_stack_page(int (*fn)(void *), void *arg)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* Down past the start of this page, a little further for the call's own words. */
	char *below = __builtin_alloca((here & (page - 1)) + 128);

	__asm__ volatile("" : : "r"(below) : "memory"); /* kept, though never read */
	return fn(arg);
}
