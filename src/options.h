/* Everything the user gives on the command line, parsed and range-checked. */
#ifndef HELLO_OPTIONS_H
#define HELLO_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "addr.h"

#define DEFAULT_PORT 17 /* Quote of the Day, RFC 865 */
#define DEFAULT_MAX_CHILDREN 256
#define DEFAULT_MAX_PER_SOURCE 16
#define DEFAULT_TIMEOUT 10
#define DEFAULT_PROXY_TIMEOUT 3

struct options {
	struct listen_spec *listen; /* nlisten of them; the default wildcard when none given */
	size_t nlisten;
	uint16_t port;
	bool port_given;          /* the positional PORT */
	const char *message_text; /* -m: NULL for the default */
	const char *message_file; /* -M */
	const char **quotes;      /* -Q: quote files or directories of them, nquotes, in order */
	size_t nquotes;
	bool random_quote; /* --random: a random quote per client, not the day's */
	int backlog;       /* 0: the system maximum */
	unsigned max_children;
	unsigned max_per_source;      /* 0: no limit */
	unsigned max_rate_per_source; /* new connections a minute from one source; 0: no limit */
	unsigned timeout;             /* seconds */
	struct cidr *allow;
	size_t nallow;
	struct cidr *deny;
	size_t ndeny;
	struct cidr *proxy_from; /* peers whose connections begin with a PROXY header */
	size_t nproxy_from;
	unsigned proxy_timeout;   /* seconds from accept to a complete header */
	const char *user;         /* -u USER[:GROUP] as given */
	const char *metrics_file; /* NULL: none */
	pid_t reload; /* --reload PID: ask that master to reload, serve nothing; 0 if not */
	bool debug;
	bool quiet;
	bool show_usage; /* the error is an unknown option: print the usage after it */
};

/* options_parse's answers besides 0 and a sysexits code. */
#define OPTIONS_HELP (-1)
#define OPTIONS_VERSION (-2)

/* Returns 0, OPTIONS_HELP, OPTIONS_VERSION, or a sysexits code with one line in err naming the
 * bad value. getopt_long may reorder argv; o owns what it allocates (options_free). */
int options_parse(struct options *o, int argc, char *argv[], char *err, size_t errlen);
void options_free(struct options *o);

void options_usage(FILE *f);

#endif
