/* parse_port on a command-line word: digits only, 0 to 65535, else EX_USAGE and a reason. */
#include <sysexits.h>

#include "addr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	char err[256];
	uint16_t port = 0;
	int rc = parse_port(s, &port, err, sizeof(err));

	if (rc == 0) {
		unsigned long v;
		char *end;

		/* Only plain decimal digits pass, and they mean what they say. */
		FUZZ_CHECK(s[0] != '\0' && strspn(s, "0123456789") == strlen(s));
		v = strtoul(s, &end, 10);
		FUZZ_CHECK(*end == '\0' && v <= 65535 && v == port);
	} else {
		FUZZ_CHECK(rc == EX_USAGE);
		FUZZ_CHECK(fuzz_error_ok(err, sizeof(err)));
	}
	free(s);
	return 0;
}
