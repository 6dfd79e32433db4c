#include "acl.h"

bool
cidr_list_contains(const struct cidr *list, size_t n, const struct sockaddr *peer)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_contains(&list[i], peer))
			return true;
	return false;
}

bool
acl_permits(const struct acl *acl, const struct sockaddr *peer)
{
	if (cidr_list_contains(acl->deny, acl->ndeny, peer))
		return false;
	return acl->nallow == 0 || cidr_list_contains(acl->allow, acl->nallow, peer);
}
