/* message_convert on the bytes of a --message-file: what comes out goes on the wire, so it must
 * be CRLF lines, no NUL byte, at most MESSAGE_MAX bytes, and the input with CRs added. */
#include <sysexits.h>

#include "fuzz.h"
#include "message.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A heap copy of exactly size bytes: ASan then catches a read past the end. */
	char *text = malloc(size > 0 ? size : 1);
	char err[256];
	struct message m;
	size_t in = 0;
	int rc;

	if (text == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);
	rc = message_convert(text, size, &m, err, sizeof(err));
	if (rc != 0) {
		FUZZ_CHECK(rc == EX_DATAERR);
		FUZZ_CHECK(m.data == NULL && m.len == 0);
		FUZZ_CHECK(fuzz_error_ok(err, sizeof(err)));
		free(text);
		return 0;
	}
	FUZZ_CHECK(size > 0 && memchr(text, '\0', size) == NULL);
	FUZZ_CHECK(m.data != NULL && m.len >= 2 && m.len <= MESSAGE_MAX && m.len >= size);
	FUZZ_CHECK(memchr(m.data, '\0', m.len) == NULL);
	FUZZ_CHECK(m.data[m.len - 2] == '\r' && m.data[m.len - 1] == '\n');
	for (size_t i = 0; i < m.len; i++)
		if (m.data[i] == '\n')
			FUZZ_CHECK(i > 0 && m.data[i - 1] == '\r');
	/* Nothing else changed: the output is the input with a CR before each bare LF, and a
	 * final CRLF when the input did not end with LF. */
	for (size_t i = 0; i < m.len; i++) {
		if (in < size && m.data[i] == text[in]) {
			in++;
			continue;
		}
		if (in == size) {
			/* The final CRLF, added only when the input did not end with LF. */
			FUZZ_CHECK(text[size - 1] != '\n' && i >= m.len - 2);
			FUZZ_CHECK(m.data[i] == (i == m.len - 2 ? '\r' : '\n'));
			continue;
		}
		/* A CR added before a bare LF, and only there. */
		FUZZ_CHECK(m.data[i] == '\r' && text[in] == '\n');
		FUZZ_CHECK(in == 0 || text[in - 1] != '\r');
	}
	FUZZ_CHECK(in == size);
	message_free(&m);
	FUZZ_CHECK(m.data == NULL && m.len == 0);
	free(text);
	return 0;
}
