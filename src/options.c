#include "options.h"

#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "escape.h"
#include "util.h"

static const char usage_text[] =
	"usage: hello-server [options] [PORT]\n"
	"\n"
	"Send a greeting to every TCP client (RFC 865 Quote of the Day), on PORT (default 17;\n"
	"0 = any free port).\n"
	"\n"
	"  -l, --listen ADDR[:PORT]     listen on this address; repeatable; IPv6 in brackets\n"
	"                               ([::1]:2323); default: every address, IPv6 and IPv4\n"
	"  -m, --message TEXT           the greeting (default \"Hello World!\")\n"
	"  -M, --message-file FILE      read the greeting from FILE; SIGHUP reads it again\n"
	"  -Q, --quotes PATH            serve the quote of the day from a fortune file or a\n"
	"                               directory of them, after -m/-M if given; repeatable;\n"
	"                               SIGHUP reads them again\n"
	"      --random                 with --quotes: a random quote for every client\n"
	"  -b, --backlog N              listen backlog (default: the system maximum)\n"
	"  -c, --max-children N         children alive at once; at N, stop accepting (default 256)\n"
	"  -s, --max-per-source N       open connections per IPv4 address or IPv6 /64;\n"
	"                               0 = no limit (default 16)\n"
	"  -r, --max-rate-per-source N  new connections per minute from one IPv4 address or\n"
	"                               IPv6 /64, in bursts of up to N; 0 = no limit (default)\n"
	"  -a, --allow CIDR             serve only peers in CIDR; repeatable\n"
	"  -x, --deny CIDR              refuse peers in CIDR; repeatable; wins over --allow\n"
	"  -P, --proxy-from CIDR        peers in CIDR are balancers: each connection of theirs\n"
	"                               must begin with a PROXY header (v1 or v2) naming the\n"
	"                               client; repeatable\n"
	"      --proxy-timeout SECONDS  the PROXY header must be complete this long after the\n"
	"                               connection is accepted (default 3)\n"
	"  -t, --timeout SECONDS        the longest a connection may last (default 10); with\n"
	"                               --reload, the longest to wait for the answer\n"
	"  -u, --user USER[:GROUP]      started as root: drop to USER after binding\n"
	"      --metrics-file PATH      write the counters to PATH for Prometheus (node_exporter's\n"
	"                               textfile collector), at most once a second\n"
	"  -d, --debug                  also write every log line to stderr\n"
	"  -q, --quiet                  no per-connection log lines\n"
	"      --reload PID             ask the running master PID to read its message file\n"
	"                               and quotes again; exit once it serves them (for\n"
	"                               systemd's ExecReload=)\n"
	"  -h, --help                   show this help and exit\n"
	"  -V, --version                show the version and exit\n"
	"\n"
	"-l, -a, -x, -P and -Q add up when repeated; of any other option given twice,\n"
	"the last one wins.\n";

void
options_usage(FILE *f)
{
	fputs(usage_text, f);
}

/* Long options without a short one: values above every character. */
enum { OPT_RELOAD = 256, OPT_RANDOM, OPT_PROXY_TIMEOUT, OPT_METRICS_FILE };

static const struct option long_options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "message", required_argument, NULL, 'm' },
	{ "message-file", required_argument, NULL, 'M' },
	{ "quotes", required_argument, NULL, 'Q' },
	{ "random", no_argument, NULL, OPT_RANDOM },
	{ "backlog", required_argument, NULL, 'b' },
	{ "max-children", required_argument, NULL, 'c' },
	{ "max-per-source", required_argument, NULL, 's' },
	{ "max-rate-per-source", required_argument, NULL, 'r' },
	{ "allow", required_argument, NULL, 'a' },
	{ "deny", required_argument, NULL, 'x' },
	{ "proxy-from", required_argument, NULL, 'P' },
	{ "proxy-timeout", required_argument, NULL, OPT_PROXY_TIMEOUT },
	{ "timeout", required_argument, NULL, 't' },
	{ "user", required_argument, NULL, 'u' },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "debug", no_argument, NULL, 'd' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "reload", required_argument, NULL, OPT_RELOAD },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};
static const char short_options[] = ":l:m:M:Q:b:c:s:r:a:x:P:t:u:dqhV";

static const char *
long_name(int c)
{
	for (const struct option *lo = long_options; lo->name != NULL; lo++)
		if (lo->val == c)
			return lo->name;
	return "?";
}

/* A whole number in [min, max], digits only. */
static int
parse_number(int opt, const char *s, long long min, long long max, long long *v, char *err,
	size_t errlen)
{
	char shown[ESCAPE_MAX];
	const char *why = NULL;

	escape_str(shown, sizeof(shown), s);
	if (*s == '\0')
		why = "empty";
	for (const char *p = s; why == NULL && *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			why = "not a number";
	if (why == NULL)
		*v = strtonum(s, min, max, &why);
	if (why != NULL)
		return set_error(err, errlen, EX_USAGE, "--%s '%s' is %s (expected %lld to %lld)",
			long_name(opt), shown, why, min, max);
	return 0;
}

static int
add_cidr(struct cidr **list, size_t *n, const char *s, char *err, size_t errlen)
{
	struct cidr c, *grown;
	int rc = parse_cidr(s, &c, err, errlen);

	if (rc != 0)
		return rc;
	grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (grown == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory");
	grown[(*n)++] = c;
	*list = grown;
	return 0;
}

static int
add_listen(struct options *o, const char *s, char *err, size_t errlen)
{
	struct listen_spec spec, *grown;
	int rc = parse_listen(s, &spec, err, errlen);

	if (rc != 0)
		return rc;
	grown = realloc(o->listen, (o->nlisten + 1) * sizeof(*o->listen));
	if (grown == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory");
	grown[o->nlisten++] = spec;
	o->listen = grown;
	return 0;
}

static int
add_quotes(struct options *o, const char *path, char *err, size_t errlen)
{
	const char **grown;

	if (*path == '\0')
		return set_error(err, errlen, EX_USAGE, "--quotes '' is empty");
	grown = realloc(o->quotes, (o->nquotes + 1) * sizeof(*o->quotes));
	if (grown == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory");
	grown[o->nquotes++] = path;
	o->quotes = grown;
	return 0;
}

static int
set_number(int opt, const char *arg, struct options *o, char *err, size_t errlen)
{
	long long v = 0;
	int rc;

	switch (opt) {
	case 'b':
		rc = parse_number(opt, arg, 1, INT_MAX, &v, err, errlen);
		o->backlog = (int)v;
		break;
	case OPT_RELOAD:
		rc = parse_number(opt, arg, 1, INT_MAX, &v, err, errlen);
		o->reload = (pid_t)v;
		break;
	case 'c':
		rc = parse_number(opt, arg, 1, 100000, &v, err, errlen);
		o->max_children = (unsigned)v;
		break;
	case 's':
		rc = parse_number(opt, arg, 0, 100000, &v, err, errlen);
		o->max_per_source = (unsigned)v;
		break;
	case 'r':
		rc = parse_number(opt, arg, 0, 1000000, &v, err, errlen);
		o->max_rate_per_source = (unsigned)v;
		break;
	case OPT_PROXY_TIMEOUT:
		rc = parse_number(opt, arg, 1, 3600, &v, err, errlen);
		o->proxy_timeout = (unsigned)v;
		break;
	default: /* 't' */
		rc = parse_number(opt, arg, 1, 86400, &v, err, errlen);
		o->timeout = (unsigned)v;
		break;
	}
	return rc;
}

/* The file is replaced by way of PATH.tmp beside it: both names must be files. */
static int
set_metrics_file(struct options *o, const char *arg, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	size_t len = strlen(arg);

	escape_str(shown, sizeof(shown), arg);
	if (len == 0)
		return set_error(err, errlen, EX_USAGE, "--metrics-file '' is empty");
	if (arg[len - 1] == '/')
		return set_error(err, errlen, EX_USAGE,
			"--metrics-file '%s' is a directory: name the file", shown);
	if (len + sizeof(".tmp") > PATH_MAX)
		return set_error(err, errlen, EX_USAGE, "--metrics-file '%s' is too long", shown);
	o->metrics_file = arg;
	return 0;
}

static int
set_option(int opt, const char *arg, struct options *o, char *err, size_t errlen)
{
	switch (opt) {
	case 'l':
		return add_listen(o, arg, err, errlen);
	case 'm':
		if (*arg == '\0')
			return set_error(err, errlen, EX_USAGE, "--message '' is empty");
		o->message_text = arg;
		return 0;
	case 'M':
		if (*arg == '\0')
			return set_error(err, errlen, EX_USAGE, "--message-file '' is empty");
		o->message_file = arg;
		return 0;
	case 'Q':
		return add_quotes(o, arg, err, errlen);
	case OPT_RANDOM:
		o->random_quote = true;
		return 0;
	case 'a':
		return add_cidr(&o->allow, &o->nallow, arg, err, errlen);
	case 'x':
		return add_cidr(&o->deny, &o->ndeny, arg, err, errlen);
	case 'P':
		return add_cidr(&o->proxy_from, &o->nproxy_from, arg, err, errlen);
	case 'u':
		if (*arg == '\0')
			return set_error(err, errlen, EX_USAGE, "--user '' is empty");
		o->user = arg;
		return 0;
	case OPT_METRICS_FILE:
		return set_metrics_file(o, arg, err, errlen);
	case 'd':
		o->debug = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'h':
		return OPTIONS_HELP;
	case 'V':
		return OPTIONS_VERSION;
	default:
		return set_number(opt, arg, o, err, errlen);
	}
}

/* What getopt_long calls '?' for a long option: a value given to one that takes none, a
 * prefix of several, or a name that is not ours. */
static int
bad_long_option(const char *word, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX], names[256] = "";
	const char *name = word + 2;
	size_t len = strcspn(name, "="), used = 0;
	const struct option *only = NULL;
	unsigned matches = 0;

	escape_bytes(shown, sizeof(shown), word, len + 2);
	for (const struct option *lo = long_options; lo->name != NULL; lo++) {
		if (strncmp(lo->name, name, len) != 0)
			continue;
		if (lo->name[len] == '\0') { /* an exact name wins over longer ones */
			only = lo;
			matches = 1;
			break;
		}
		only = lo;
		matches++;
		if (used < sizeof(names)) {
			int n = snprintf(names + used, sizeof(names) - used, "%s--%s",
				matches > 1 ? ", " : "", lo->name);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	if (matches == 1 && name[len] == '=' && only->has_arg == no_argument)
		return set_error(err, errlen, EX_USAGE, "option '--%s' takes no value: '%s'",
			only->name, escape_str(shown, sizeof(shown), word));
	if (matches > 1 && len > 0)
		return set_error(err, errlen, EX_USAGE, "option '%s' is ambiguous: %s", shown,
			names);
	return set_error(err, errlen, EX_USAGE, "unknown option '%s'",
		escape_str(shown, sizeof(shown), word));
}

static int
bad_option(int opt, int argc, char *argv[], char *err, size_t errlen, struct options *o)
{
	char shown[ESCAPE_MAX];
	/* getopt leaves optind past the offending word, or past its missing value. */
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	escape_str(shown, sizeof(shown), word);
	if (opt == ':')
		return set_error(err, errlen, EX_USAGE, "option '%s' needs a value", shown);
	o->show_usage = true;
	if (optopt != 0 && strncmp(word, "--", 2) != 0) {
		char letter = (char)optopt;

		return set_error(err, errlen, EX_USAGE, "unknown option '-%s'",
			escape_bytes(shown, sizeof(shown), &letter, 1));
	}
	return bad_long_option(word, err, errlen);
}

static void
set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->port = DEFAULT_PORT;
	o->max_children = DEFAULT_MAX_CHILDREN;
	o->max_per_source = DEFAULT_MAX_PER_SOURCE;
	o->timeout = DEFAULT_TIMEOUT;
	o->proxy_timeout = DEFAULT_PROXY_TIMEOUT;
}

/* Port 0 is a different free port each time, so only a fixed port can be given twice or
 * overlap. */
static bool
same_fixed_port(const struct listen_spec *a, const struct listen_spec *b)
{
	uint16_t port = sockaddr_port((const struct sockaddr *)&a->addr);

	return port != 0 && port == sockaddr_port((const struct sockaddr *)&b->addr);
}

static bool
same_listen_address(const struct listen_spec *a, const struct listen_spec *b)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->addr;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)&b->addr;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->addr;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)&b->addr;

	if (a->addr.ss_family != b->addr.ss_family || !same_fixed_port(a, b) ||
		a->wildcard_default != b->wildcard_default)
		return false;
	if (a->addr.ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0 &&
		a6->sin6_scope_id == b6->sin6_scope_id;
}

/* A listener on every address takes its port on each address of its family ("*": of both), so
 * a second one on any of them could never be bound. */
static bool
listen_covers(const struct listen_spec *wide, const struct listen_spec *b)
{
	const struct sockaddr_in6 *w6 = (const struct sockaddr_in6 *)&wide->addr;
	const struct sockaddr_in *w4 = (const struct sockaddr_in *)&wide->addr;

	if (!same_fixed_port(wide, b))
		return false;
	if (wide->wildcard_default)
		return true;
	if (wide->addr.ss_family != b->addr.ss_family)
		return false;
	if (wide->addr.ss_family == AF_INET)
		return w4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&w6->sin6_addr);
}

static const char *
listen_shown(const struct listen_spec *spec, char *buf, size_t len)
{
	if (spec->wildcard_default)
		snprintf(buf, len, "*:%u", sockaddr_port((const struct sockaddr *)&spec->addr));
	else
		format_sockaddr((const struct sockaddr *)&spec->addr, buf, len);
	return buf;
}

/* a is the later of the two on the command line, b the earlier. */
static int
check_listen_pair(const struct listen_spec *a, const struct listen_spec *b, char *err,
	size_t errlen)
{
	char first[ADDR_TEXT_MAX], second[ADDR_TEXT_MAX];
	const struct listen_spec *wide = listen_covers(a, b) ? a : b;
	const char *family;

	if (same_listen_address(a, b))
		return set_error(err, errlen, EX_USAGE, "listen address '%s' is given twice",
			listen_shown(a, second, sizeof(second)));
	if (!listen_covers(a, b) && !listen_covers(b, a))
		return 0;
	listen_shown(b, first, sizeof(first));
	listen_shown(a, second, sizeof(second));
	if (wide->wildcard_default)
		family = "";
	else
		family = wide->addr.ss_family == AF_INET ? "IPv4 " : "IPv6 ";
	return set_error(err, errlen, EX_USAGE,
		"listen addresses '%s' and '%s' overlap: '%s' already takes port %u on every "
		"%saddress",
		first, second, wide == a ? second : first,
		sockaddr_port((const struct sockaddr *)&a->addr), family);
}

/* The positional PORT is the port of every --listen that names none, and of the default. */
static int
finish_listen(struct options *o, char *err, size_t errlen)
{
	int rc;

	if (o->nlisten == 0) {
		o->listen = calloc(1, sizeof(*o->listen));
		if (o->listen == NULL)
			return set_error(err, errlen, EX_OSERR, "out of memory");
		parse_listen("*", &o->listen[0], err, errlen);
		o->nlisten = 1;
	}
	for (size_t i = 0; i < o->nlisten; i++)
		if (!o->listen[i].port_given)
			listen_spec_set_port(&o->listen[i], o->port);
	for (size_t i = 1; i < o->nlisten; i++)
		for (size_t j = 0; j < i; j++)
			if ((rc = check_listen_pair(&o->listen[i], &o->listen[j], err, errlen)) !=
				0)
				return rc;
	return 0;
}

static int
parse_positional(struct options *o, int argc, char *argv[], char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];

	if (optind >= argc)
		return 0;
	if (optind + 1 < argc)
		return set_error(err, errlen, EX_USAGE, "unexpected argument '%s' after PORT",
			escape_str(shown, sizeof(shown), argv[optind + 1]));
	o->port_given = true;
	return parse_port(argv[optind], &o->port, err, errlen);
}

/* The option as the user wrote it: its long name when given so, else its letter. */
static void
option_shown(int opt, int longindex, char *buf, size_t len)
{
	if (longindex >= 0)
		snprintf(buf, len, "--%s", long_options[longindex].name);
	else if (opt < 256)
		snprintf(buf, len, "-%c", opt);
	else
		snprintf(buf, len, "--%s", long_name(opt));
}

int
options_parse(struct options *o, int argc, char *argv[], char *err, size_t errlen)
{
	int opt, longindex = -1, rc = 0;
	/* The first option but --reload and --timeout, for --reload to name. */
	char serving_option[ESCAPE_MAX] = "";

	set_defaults(o);
	optind = 0; /* glibc: a full re-initialisation, so the parser can run more than once */
	opterr = 0;
	while (rc == 0 &&
		(opt = getopt_long(argc, argv, short_options, long_options, &longindex)) != -1) {
		if (opt == '?' || opt == ':')
			rc = bad_option(opt, argc, argv, err, errlen, o);
		else
			rc = set_option(opt, optarg, o, err, errlen);
		if (opt != OPT_RELOAD && opt != 't' && serving_option[0] == '\0')
			option_shown(opt, longindex, serving_option, sizeof(serving_option));
		longindex = -1;
	}
	if (rc == 0 && o->reload != 0 && serving_option[0] == '\0' && optind < argc)
		escape_str(serving_option, sizeof(serving_option), argv[optind]);
	if (rc == 0 && o->reload != 0 && serving_option[0] != '\0')
		rc = set_error(err, errlen, EX_USAGE,
			"--reload takes no other option but --timeout: '%s'", serving_option);
	if (rc == 0 && o->message_text != NULL && o->message_file != NULL)
		rc = set_error(err, errlen, EX_USAGE,
			"--message and --message-file exclude each other");
	if (rc == 0 && o->random_quote && o->quotes == NULL)
		rc = set_error(err, errlen, EX_USAGE, "--random needs --quotes");
	if (rc == 0)
		rc = parse_positional(o, argc, argv, err, errlen);
	if (rc == 0)
		rc = finish_listen(o, err, errlen);
	return rc;
}

void
options_free(struct options *o)
{
	free(o->listen);
	free(o->allow);
	free(o->deny);
	free(o->proxy_from);
	free(o->quotes);
	o->quotes = NULL;
	o->nquotes = 0;
	o->listen = NULL;
	o->allow = NULL;
	o->deny = NULL;
	o->proxy_from = NULL;
	o->nlisten = o->nallow = o->ndeny = o->nproxy_from = 0;
}
