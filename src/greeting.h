/* What every client is greeted with: the message and the quotes, read at start-up (as --user
 * already) and again on SIGHUP. The master holds one; each child reads it as it was at its
 * fork. */
#ifndef HELLO_GREETING_H
#define HELLO_GREETING_H

#include <stddef.h>

#include "message.h"
#include "options.h"
#include "privdrop.h"
#include "quotes.h"

struct greeting {
	const struct options *opt;
	struct message msg;
	struct quotes quotes; /* count 0 without --quotes */
};

/* Reads the message and the quotes as drop's user (if any), before binding, so that a file
 * only root may read fails now, by name, not at the first reload. 0 or a sysexits code. */
int greeting_load(struct greeting *g, const struct options *o, const struct privdrop *drop,
	char *err, size_t errlen);

/* The start-up lines: the quotes read, a greeting longer than RFC 865 asks. */
void greeting_log_start(const struct greeting *g);

/* SIGHUP: reads the files again, keeping the old text of any that fails. Returns 0, or the
 * sysexits code of the first failure (the message file's before the quotes'). */
int greeting_reload(struct greeting *g);

/* The quotes to serve, or NULL without --quotes. */
const struct quotes *greeting_quotes(const struct greeting *g);

void greeting_free(struct greeting *g);

#endif
