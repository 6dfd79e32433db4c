/* escape_bytes, which makes peer and user bytes safe for the log, into buffers of several sizes:
 * always NUL-terminated inside dst, only printable ASCII, never past dstlen; when dst is large
 * enough the text decodes back to the input, and a cut text is a prefix of the whole one. */
#include "escape.h"
#include "fuzz.h"

/* Decodes an escaped text into out (large enough); returns its length, or (size_t)-1 when the
 * text is not something escape_bytes could have written. */
static size_t
unescape(const char *s, unsigned char *out)
{
	size_t n = 0;

	while (*s != '\0') {
		unsigned hi, lo;

		if (*s != '\\') {
			out[n++] = (unsigned char)*s++;
			continue;
		}
		if (s[1] == '\\') {
			out[n++] = '\\';
			s += 2;
			continue;
		}
		if (s[1] != 'x' || s[2] == '\0' || s[3] == '\0')
			return (size_t)-1;
		if (sscanf(s + 2, "%1x%1x", &hi, &lo) != 2)
			return (size_t)-1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 4;
	}
	return n;
}

static void
check_printable(const char *s)
{
	for (; *s != '\0'; s++)
		FUZZ_CHECK(*s >= 0x20 && *s < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 6, 8, 17, ESCAPE_MAX };
	size_t wholelen = 4 * size + 1, len;
	char *whole = malloc(wholelen);
	unsigned char *back = malloc(size + 1);

	if (whole == NULL || back == NULL)
		abort();
	/* Room for every byte as \xHH: never cut, and it must decode to the input. */
	FUZZ_CHECK(escape_bytes(whole, wholelen, data, size) == whole);
	FUZZ_CHECK(memchr(whole, '\0', wholelen) != NULL);
	check_printable(whole);
	len = unescape(whole, back);
	FUZZ_CHECK(len == size && (size == 0 || memcmp(back, data, size) == 0));

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* A block of exactly dstlen bytes, so ASan sees a write past it. */
		size_t dstlen = sizes[i], n;
		char *dst = malloc(dstlen > 0 ? dstlen : 1);

		if (dst == NULL)
			abort();
		dst[0] = 'Z';
		FUZZ_CHECK(escape_bytes(dst, dstlen, data, size) == dst);
		if (dstlen == 0) {
			FUZZ_CHECK(dst[0] == 'Z'); /* nothing written */
			free(dst);
			continue;
		}
		FUZZ_CHECK(memchr(dst, '\0', dstlen) != NULL);
		n = strlen(dst);
		FUZZ_CHECK(n < dstlen);
		check_printable(dst);
		if (strcmp(dst, whole) != 0) {
			/* Cut: whole escapes only, then "..." when it fits. */
			size_t keep = n;

			if (n >= 3 && strcmp(dst + n - 3, "...") == 0)
				keep = n - 3;
			else
				FUZZ_CHECK(dstlen < 4);
			FUZZ_CHECK(strncmp(dst, whole, keep) == 0);
			dst[keep] = '\0'; /* never in the middle of an escape */
			FUZZ_CHECK(unescape(dst, back) != (size_t)-1);
		}
		free(dst);
	}
	free(back);
	free(whole);
	return 0;
}
