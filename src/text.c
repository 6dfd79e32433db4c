#include "text.h"

#include "util.h"

/* Plain loops, no library calls: a child running these touches only this file's code. */

CHILD_CODE void
text_init(struct text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->cut = false;
	buf[0] = '\0';
}

CHILD_CODE void
text_char(struct text *t, char c)
{
	if (t->len + 1 >= t->cap) {
		t->cut = true;
		return;
	}
	t->buf[t->len++] = c;
	t->buf[t->len] = '\0';
}

CHILD_CODE void
text_str(struct text *t, const char *s)
{
	while (*s != '\0' && !t->cut)
		text_char(t, *s++);
}

CHILD_CODE void
text_mem(struct text *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !t->cut; i++)
		text_char(t, s[i]);
}

CHILD_CODE void
text_uint(struct text *t, uint64_t v, unsigned width, char pad)
{
	char digits[20];
	unsigned n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (; width > n; width--)
		text_char(t, pad);
	while (n > 0)
		text_char(t, digits[--n]);
}
