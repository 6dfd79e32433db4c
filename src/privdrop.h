/* --user: reading the service's files as that user, then giving up root after binding, for
 * good. */
#ifndef HELLO_PRIVDROP_H
#define HELLO_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct privdrop {
	bool wanted;
	uid_t uid;
	gid_t gid;
	char user[64];
};

/* USER or USER:GROUP, names (from /etc/passwd, /etc/group) or numbers. EX_USAGE for an empty
 * USER or GROUP; EX_NOUSER for a user or group that does not exist (a name too long for any
 * account among them); EX_NOPERM when not root and USER is someone else. Looked up before binding, so that a typo
 * fails before anything is opened. */
int privdrop_resolve(const char *spec, struct privdrop *p, char *err, size_t errlen);

/* setgroups, setgid, setuid; then checks that root cannot be regained. EX_OSERR on failure. */
int privdrop_apply(const struct privdrop *p, char *err, size_t errlen);

/* Reading files as the user before binding: the effective ids become the user's until
 * privdrop_restore. *switched says whether they did (not without --user, not when not root,
 * not when the user is root). EX_OSERR on failure. */
int privdrop_assume(const struct privdrop *p, bool *switched, char *err, size_t errlen);

/* Root again after privdrop_assume switched. EX_OSERR on failure. */
int privdrop_restore(const struct privdrop *p, char *err, size_t errlen);

#endif
