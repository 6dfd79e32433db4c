#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "escape.h"
#include "util.h"

static bool
numeric_id(const char *s, unsigned long *v)
{
	const char *why = NULL;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
		return false;
	*v = (unsigned long)strtonum(s, 0, UINT_MAX - 1, &why);
	return why == NULL;
}

static int
resolve_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	struct group *gr = getgrnam(name);
	unsigned long v;

	if (gr != NULL) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (numeric_id(name, &v)) {
		*gid = (gid_t)v;
		return 0;
	}
	return set_error(err, errlen, EX_NOUSER, "--user: no group '%s'",
		escape_str(shown, sizeof(shown), name));
}

int
privdrop_resolve(const char *spec, struct privdrop *p, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	const char *colon = strchr(spec, ':');
	size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw;
	unsigned long v;

	memset(p, 0, sizeof(*p));
	escape_str(shown, sizeof(shown), spec);
	if (n == 0 || n >= sizeof(p->user))
		return set_error(err, errlen, EX_USAGE, "--user '%s' does not name a user", shown);
	memcpy(p->user, spec, n);
	p->user[n] = '\0';
	pw = getpwnam(p->user);
	if (pw != NULL) {
		p->uid = pw->pw_uid;
		p->gid = pw->pw_gid;
	} else if (numeric_id(p->user, &v) && colon != NULL) {
		p->uid = (uid_t)v; /* a bare uid has no primary group: USER:GROUP names one */
	} else {
		return set_error(err, errlen, EX_NOUSER, "--user: no user '%s'%s",
			escape_str(shown, sizeof(shown), p->user),
			numeric_id(p->user, &v) ? " (a numeric uid needs :GROUP)" : "");
	}
	if (colon != NULL && resolve_group(colon + 1, &p->gid, err, errlen) != 0)
		return EX_NOUSER;
	if (geteuid() != 0 && (p->uid != geteuid() || (colon != NULL && p->gid != getegid())))
		return set_error(err, errlen, EX_NOPERM, "--user %s needs root to switch users", shown);
	p->wanted = geteuid() == 0;
	return 0;
}

int
privdrop_apply(const struct privdrop *p, char *err, size_t errlen)
{
	if (!p->wanted)
		return 0;
	if (setgroups(1, &p->gid) != 0 || setgid(p->gid) != 0 || setuid(p->uid) != 0)
		return set_error(err, errlen, EX_OSERR, "cannot drop privileges to %s: %s", p->user,
			strerror(errno));
	if (p->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return set_error(err, errlen, EX_OSERR, "dropped to %s, but root could be regained",
			p->user);
	return 0;
}
