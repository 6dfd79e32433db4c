#include "acl.h"

bool
cidr_list_contains(const struct cidr *list, size_t n, const struct sockaddr *peer)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_contains(&list[i], peer))
			return true;
	return false;
}

enum acl_verdict
acl_check(const struct acl *acl, const struct sockaddr *peer)
{
	if (cidr_list_contains(acl->deny, acl->ndeny, peer))
		return ACL_DENIED;
	if (acl->nallow == 0 || cidr_list_contains(acl->allow, acl->nallow, peer))
		return ACL_PERMITTED;
	return ACL_NOT_ALLOWED;
}

bool
acl_permits(const struct acl *acl, const struct sockaddr *peer)
{
	return acl_check(acl, peer) == ACL_PERMITTED;
}
