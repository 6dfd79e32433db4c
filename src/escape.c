#include "escape.h"

#include <stdio.h>
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
	size_t out = 0, i;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		size_t w = escaped_width(p[i]);
		/* Keep room for the ellipsis unless this is the last byte and it fits. */
		size_t reserve = (i + 1 < srclen) ? sizeof(ellipsis) - 1 : 0;

		if (out + w + reserve + 1 > dstlen)
			break;
		if (w == 1) {
			dst[out++] = (char)p[i];
		} else if (w == 2) {
			dst[out++] = '\\';
			dst[out++] = '\\';
		} else {
			dst[out++] = '\\';
			dst[out++] = 'x';
			dst[out++] = hex[p[i] >> 4];
			dst[out++] = hex[p[i] & 0xf];
		}
	}
	if (i < srclen && out + sizeof(ellipsis) <= dstlen) {
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
