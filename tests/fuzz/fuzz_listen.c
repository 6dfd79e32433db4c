/* parse_listen on a --listen value; what it accepts must be a usable socket address that
 * listen_spec_set_port and format_sockaddr handle. */
#include <netinet/in.h>
#include <sysexits.h>

#include "addr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	char err[256], text[ADDR_TEXT_MAX], tiny[6];
	struct listen_spec spec;
	int rc;

	memset(&spec, 0xa5, sizeof(spec));
	rc = parse_listen(s, &spec, err, sizeof(err));
	if (rc != 0) {
		FUZZ_CHECK(rc == EX_USAGE);
		FUZZ_CHECK(fuzz_error_ok(err, sizeof(err)));
		free(s);
		return 0;
	}
	if (spec.addr.ss_family == AF_INET) {
		FUZZ_CHECK(spec.len == sizeof(struct sockaddr_in));
	} else {
		FUZZ_CHECK(spec.addr.ss_family == AF_INET6);
		FUZZ_CHECK(spec.len == sizeof(struct sockaddr_in6));
	}
	/* A port in the text, and only then, is a given port. */
	if (!spec.port_given)
		FUZZ_CHECK(sockaddr_port((struct sockaddr *)&spec.addr) == 0);

	listen_spec_set_port(&spec, (uint16_t)(size * 2654435761u));
	FUZZ_CHECK(sockaddr_port((struct sockaddr *)&spec.addr) == (uint16_t)(size * 2654435761u));
	format_sockaddr((struct sockaddr *)&spec.addr, text, sizeof(text));
	FUZZ_CHECK(memchr(text, '\0', sizeof(text)) != NULL && text[0] != '\0');
	/* The longest form must fit ADDR_TEXT_MAX: never cut. */
	FUZZ_CHECK(strchr(text, ':') != NULL);
	format_sockaddr((struct sockaddr *)&spec.addr, tiny, sizeof(tiny));
	FUZZ_CHECK(memchr(tiny, '\0', sizeof(tiny)) != NULL);
	FUZZ_CHECK(strncmp(tiny, text, strlen(tiny)) == 0);
	free(s);
	return 0;
}
