#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
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

/* /etc/passwd and /etc/group are read directly, not through NSS: the daemon is linked
 * statically (fewer mappings, faster forks), and NSS modules cannot be loaded into a static
 * binary. A service account belongs in the local files anyway.
 * find_account: the account named name; or, with name NULL, the one whose uid is *uid. */
static bool
find_account(const char *name, uid_t *uid, gid_t *gid)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && (pw = fgetpwent(f)) != NULL) {
		if (name != NULL ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == *uid) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static bool
find_group(const char *name, gid_t *gid)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *gr;
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && (gr = fgetgrent(f)) != NULL) {
		if (strcmp(gr->gr_name, name) == 0) {
			*gid = gr->gr_gid;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static int
resolve_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	unsigned long v;

	if (find_group(name, gid))
		return 0;
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
	unsigned long v;

	memset(p, 0, sizeof(*p));
	escape_str(shown, sizeof(shown), spec);
	if (n == 0)
		return set_error(err, errlen, EX_USAGE, "--user '%s' names no user", shown);
	if (colon != NULL && colon[1] == '\0')
		return set_error(err, errlen, EX_USAGE, "--user '%s' names no group", shown);
	/* Longer than any account's name: a user that does not exist, like any other. */
	if (n >= sizeof(p->user))
		return set_error(err, errlen, EX_NOUSER, "--user: no user '%s'",
			escape_bytes(shown, sizeof(shown), spec, n));
	memcpy(p->user, spec, n);
	p->user[n] = '\0';
	if (find_account(p->user, &p->uid, &p->gid)) {
		/* found in /etc/passwd */
	} else if (numeric_id(p->user, &v)) {
		/* a uid, as chown(1) takes it: the group is its account's, or the one after ':' */
		p->uid = (uid_t)v;
		if (!find_account(NULL, &p->uid, &p->gid) && colon == NULL)
			return set_error(err, errlen, EX_NOUSER,
				"--user: no user '%s' (a uid with no account in /etc/passwd needs "
				":GROUP)",
				escape_str(shown, sizeof(shown), p->user));
	} else {
		return set_error(err, errlen, EX_NOUSER, "--user: no user '%s'",
			escape_str(shown, sizeof(shown), p->user));
	}
	if (colon != NULL && resolve_group(colon + 1, &p->gid, err, errlen) != 0)
		return EX_NOUSER;
	if (geteuid() != 0 && (p->uid != geteuid() || (colon != NULL && p->gid != getegid())))
		return set_error(err, errlen, EX_NOPERM, "--user %s needs root to switch users",
			shown);
	p->wanted = geteuid() == 0;
	return 0;
}

int
privdrop_assume(const struct privdrop *p, bool *switched, char *err, size_t errlen)
{
	*switched = false;
	if (!p->wanted || geteuid() != 0 || p->uid == 0)
		return 0;
	if (setgroups(1, &p->gid) != 0 || setegid(p->gid) != 0 || seteuid(p->uid) != 0)
		return set_error(err, errlen, EX_OSERR, "cannot read files as %s: %s", p->user,
			strerror(errno));
	*switched = true;
	return 0;
}

int
privdrop_restore(const struct privdrop *p, char *err, size_t errlen)
{
	if (seteuid(0) != 0 || setegid(0) != 0)
		return set_error(err, errlen, EX_OSERR,
			"cannot become root again after reading files as %s: %s", p->user,
			strerror(errno));
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
