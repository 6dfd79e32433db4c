/* --allow and --deny: which peers are served. */
#ifndef HELLO_ACL_H
#define HELLO_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "addr.h"

struct acl {
	const struct cidr *allow;
	size_t nallow;
	const struct cidr *deny;
	size_t ndeny;
};

/* peer must already be unmapped (sockaddr_unmap), so IPv4 rules match IPv4-mapped peers.
 * A --deny match refuses; otherwise, with any --allow, only an --allow match serves. */
bool acl_permits(const struct acl *acl, const struct sockaddr *peer);

enum acl_verdict {
	ACL_PERMITTED,
	ACL_DENIED,      /* in a --deny block */
	ACL_NOT_ALLOWED, /* outside every --allow block */
};

/* acl_permits, saying which list refused. */
enum acl_verdict acl_check(const struct acl *acl, const struct sockaddr *peer);

/* Whether any of the n blocks holds peer (unmapped): e.g. is it one of the --proxy-from. */
bool cidr_list_contains(const struct cidr *list, size_t n, const struct sockaddr *peer);

#endif
