/* quotes_parse on the bytes of a quote file: every entry it keeps goes on the wire, so each must
 * be non-blank CRLF lines of valid UTF-8 without control bytes but tab, at most QUOTE_MAX bytes;
 * kept and skipped entries together must be the file's entries; sealing must keep them all. */
#include <sysexits.h>

#include "fuzz.h"
#include "quotes.h"

/* Entries in the file by a plain reading of the format, to compare the parser's count with. */
static size_t
count_entries(const uint8_t *d, size_t size)
{
	size_t n = 0, start = 0, pos = 0;

	if (size >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		start = pos = 3;
	while (pos < size) {
		size_t eol = pos;

		while (eol < size && d[eol] != '\n')
			eol++;
		if (eol == pos + 1 && d[pos] == '%') {
			n++;
			start = eol + 1;
		}
		pos = eol + 1;
	}
	return n + (start < size);
}

static void
check_entry(const char *t, size_t len)
{
	bool printable = false;

	FUZZ_CHECK(len >= 2 && len <= QUOTE_MAX);
	FUZZ_CHECK(t[len - 2] == '\r' && t[len - 1] == '\n');
	FUZZ_CHECK(quote_judge(t, len) == QUOTE_OK);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '\n')
			FUZZ_CHECK(i > 0 && t[i - 1] == '\r');
		else if (c == '\r')
			FUZZ_CHECK(i + 1 < len && t[i + 1] == '\n');
		else
			FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
		if (c > 0x20)
			printable = true;
	}
	FUZZ_CHECK(printable);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A heap copy of exactly size bytes: ASan then catches a read past the end. */
	char *buf = malloc(size > 0 ? size : 1);
	struct quotes_builder b;
	struct quotes q;
	char err[256];
	size_t skipped = 0;
	int rc;

	if (buf == NULL)
		abort();
	if (size > 0)
		memcpy(buf, data, size);
	memset(&b, 0, sizeof(b));
	rc = quotes_parse(&b, buf, size, err, sizeof(err));
	FUZZ_CHECK(rc == 0); /* inputs are far below QUOTES_TOTAL_MAX */
	for (int v = QUOTE_OK + 1; v < QUOTE_VERDICTS; v++)
		skipped += b.skipped[v];
	FUZZ_CHECK(b.n + skipped == count_entries(data, size));
	for (size_t i = 0; i < b.n; i++) {
		FUZZ_CHECK(b.off[i] < b.off[i + 1] && b.off[i + 1] <= b.len);
		check_entry(b.text + b.off[i], b.off[i + 1] - b.off[i]);
	}
	size_t n = b.n;

	rc = quotes_seal(&b, &q, err, sizeof(err));
	if (n == 0) {
		FUZZ_CHECK(rc == EX_DATAERR && fuzz_error_ok(err, sizeof(err)));
	} else {
		FUZZ_CHECK(rc == 0 && q.count == n);
		for (uint32_t i = 0; i < q.count; i++) {
			size_t len;
			const char *t = quote_text(&q, i, &len);

			check_entry(t, len);
		}
		quotes_free(&q);
	}
	FUZZ_CHECK(b.text == NULL && b.off == NULL);
	free(buf);
	return 0;
}
