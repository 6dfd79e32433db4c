/* The systemd variables: $LISTEN_PID and $LISTEN_FDS (the input split at its first NUL byte)
 * through listen_fds_parse for a process 1234, and $NOTIFY_SOCKET through
 * notify_parse_address. */
#include <stddef.h>
#include <sysexits.h>

#include "fuzz.h"
#include "notify.h"

#define SELF 1234

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	const char *pid = text, *fds = NULL;
	char err[256];
	struct sockaddr_un addr;
	socklen_t len = 0;
	unsigned count = 99;
	size_t first = strlen(text);
	int rc;

	if (first < size)
		fds = text + first + 1;
	/* Either variable missing: nothing was passed. */
	FUZZ_CHECK(listen_fds_parse(pid, NULL, SELF, &count, err, sizeof(err)) == 0 && count == 0);
	FUZZ_CHECK(listen_fds_parse(NULL, pid, SELF, &count, err, sizeof(err)) == 0 && count == 0);
	if (fds != NULL) {
		count = 99;
		rc = listen_fds_parse(pid, fds, SELF, &count, err, sizeof(err));
		if (rc == 0) {
			FUZZ_CHECK(count <= 65536);
			/* Descriptors are only ever claimed for this very process. */
			if (count > 0)
				FUZZ_CHECK(strtol(pid, NULL, 10) == SELF);
		} else {
			FUZZ_CHECK(rc == EX_CONFIG && count == 0);
			FUZZ_CHECK(fuzz_error_ok(err, sizeof(err)));
		}
	}

	rc = notify_parse_address(text, &addr, &len, err, sizeof(err));
	if (rc == 0) {
		size_t pathlen = len - offsetof(struct sockaddr_un, sun_path);

		FUZZ_CHECK(addr.sun_family == AF_UNIX);
		FUZZ_CHECK(len > offsetof(struct sockaddr_un, sun_path) && len <= sizeof(addr));
		FUZZ_CHECK(text[0] == '/' || text[0] == '@');
		/* A path is NUL-terminated inside the address; an abstract name starts with NUL. */
		if (text[0] == '/')
			FUZZ_CHECK(addr.sun_path[pathlen - 1] == '\0');
		else
			FUZZ_CHECK(addr.sun_path[0] == '\0');
	} else {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(fuzz_error_ok(err, sizeof(err)));
	}
	free(text);
	return 0;
}
