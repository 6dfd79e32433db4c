#include "escape.h"

#include <stdbool.h>
#include <string.h>

static size_t
escaped_width(unsigned char c)
{
	if (c == '\\')
		return 2;
	if (c >= 0x20 && c < 0x7f)
		return 1;
	return 4;
}

char *
escape_bytes(char *dst, size_t dstlen, const void *src, size_t srclen)
{
	static const char ellipsis[] = "...";
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	size_t total = 0, limit, out = 0, i;
	bool cut;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < srclen && total < dstlen; i++)
		total += escaped_width(p[i]);
	cut = total + 1 > dstlen;
	/* When cut, keep room for the ellipsis (if there is room for anything at all). */
	limit = dstlen - 1;
	if (cut)
		limit = limit >= sizeof(ellipsis) - 1 ? limit - (sizeof(ellipsis) - 1) : 0;
	for (i = 0; i < srclen && out + escaped_width(p[i]) <= limit; i++) {
		if (escaped_width(p[i]) == 1) {
			dst[out++] = (char)p[i];
		} else if (p[i] == '\\') {
			dst[out++] = '\\';
			dst[out++] = '\\';
		} else {
			dst[out++] = '\\';
			dst[out++] = 'x';
			dst[out++] = hex[p[i] >> 4];
			dst[out++] = hex[p[i] & 0xf];
		}
	}
	if (cut && out + sizeof(ellipsis) <= dstlen) {
		memcpy(dst + out, ellipsis, sizeof(ellipsis) - 1);
		out += sizeof(ellipsis) - 1;
	}
	dst[out] = '\0';
	return dst;
}

char *
escape_str(char *dst, size_t dstlen, const char *s)
{
	return escape_bytes(dst, dstlen, s, strlen(s));
}
