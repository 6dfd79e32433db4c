/* proxy_parse on what a trusted balancer (or anything claiming to be one) sends. Its promises:
 * a done header is within the bytes given and the limits; the header alone parses the same, and
 * every shorter prefix of it asks for more, so that a reader never takes a byte past it; a
 * relayed source is IPv4 or IPv6, never an IPv4-mapped IPv6 address; a refusal has a reason. */
#include <netinet/in.h>

#include "fuzz.h"
#include "proxy.h"

static void
check_done(const uint8_t *data, const struct proxy_header *h, size_t size)
{
	struct proxy_header again;
	const char *why = NULL;
	uint8_t *copy;

	FUZZ_CHECK(h->len > 0 && h->len <= size && h->len <= PROXY_HEADER_MAX);
	FUZZ_CHECK(h->version == 1 || h->version == 2);
	if (h->version == 1)
		FUZZ_CHECK(h->len <= PROXY_V1_MAX && data[h->len - 2] == '\r' &&
			data[h->len - 1] == '\n');
	if (h->kind == PROXY_RELAYED) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&h->src;

		FUZZ_CHECK(h->src.ss_family == AF_INET || h->src.ss_family == AF_INET6);
		FUZZ_CHECK(h->src.ss_family == AF_INET || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr));
	}
	/* The header alone, in a block of its own size. */
	copy = malloc(h->len);
	if (copy == NULL)
		abort();
	memcpy(copy, data, h->len);
	FUZZ_CHECK(proxy_parse(copy, h->len, &again, &why) == PROXY_DONE);
	FUZZ_CHECK(again.len == h->len && again.kind == h->kind);
	FUZZ_CHECK(memcmp(&again.src, &h->src, sizeof(h->src)) == 0);
	FUZZ_CHECK(proxy_parse(copy, h->len - 1, &again, &why) == PROXY_MORE);
	FUZZ_CHECK(proxy_parse(copy, h->len / 2, &again, &why) == PROXY_MORE);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h;
	const char *why = NULL;
	uint8_t *copy = malloc(size + 1);
	enum proxy_status st;

	if (copy == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);
	st = proxy_parse(copy, size, &h, &why);
	switch (st) {
	case PROXY_DONE:
		check_done(copy, &h, size);
		break;
	case PROXY_MORE:
		FUZZ_CHECK(size < PROXY_HEADER_MAX);
		FUZZ_CHECK(size == 0 || copy[0] != 'P' || size < PROXY_V1_MAX);
		break;
	case PROXY_BAD:
		FUZZ_CHECK(why != NULL && fuzz_error_ok(why, strlen(why) + 1));
		break;
	default:
		FUZZ_CHECK(!"unknown status");
	}
	free(copy);
	return 0;
}
