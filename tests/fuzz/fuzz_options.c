/* options_parse on a command line: the input split at NUL bytes into at most MAX_WORDS words
 * after the program name. It must never crash, and options_free must free everything. */
#include <sysexits.h>

#include "fuzz.h"
#include "options.h"

#define MAX_WORDS 32

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size); /* one NUL more, so the last word ends too */
	char *argv[MAX_WORDS + 2];
	char err[512];
	struct options o;
	int argc = 0, rc;

	argv[argc++] = "hello-server";
	for (size_t at = 0; at < size && argc < MAX_WORDS + 1;) {
		argv[argc++] = text + at;
		at += strlen(text + at) + 1;
	}
	argv[argc] = NULL;

	err[0] = '\0';
	rc = options_parse(&o, argc, argv, err, sizeof(err));
	if (rc == 0) {
		FUZZ_CHECK(o.nlisten >= 1 && o.listen != NULL);
		FUZZ_CHECK(o.max_children >= 1);
		FUZZ_CHECK(o.timeout >= 1);
		FUZZ_CHECK(o.message_text == NULL || o.message_file == NULL);
		for (size_t i = 0; i < o.nlisten; i++)
			FUZZ_CHECK(o.listen[i].addr.ss_family == AF_INET ||
				o.listen[i].addr.ss_family == AF_INET6);
		for (size_t i = 0; i < o.nallow; i++)
			FUZZ_CHECK(o.allow[i].family == AF_INET || o.allow[i].family == AF_INET6);
		for (size_t i = 0; i < o.ndeny; i++)
			FUZZ_CHECK(o.deny[i].family == AF_INET || o.deny[i].family == AF_INET6);
	} else if (rc != OPTIONS_HELP && rc != OPTIONS_VERSION) {
		FUZZ_CHECK(rc == EX_USAGE || rc == EX_OSERR);
		FUZZ_CHECK(fuzz_error_ok(err, sizeof(err)));
	}
	options_free(&o);
	FUZZ_CHECK(o.listen == NULL && o.allow == NULL && o.deny == NULL);
	free(text);
	return 0;
}
