#include "greeting.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"
#include "util.h"

static int
load_message(struct greeting *g, char *err, size_t errlen)
{
	const struct options *o = g->opt;
	const char *text = o->message_text ? o->message_text : MESSAGE_DEFAULT;

	if (o->message_file != NULL)
		return message_load_file(o->message_file, &g->msg, err, errlen);
	if (o->message_text == NULL && o->quotes != NULL)
		return 0; /* the quote alone */
	return message_convert(text, strlen(text), &g->msg, err, errlen);
}

int
greeting_load(struct greeting *g, const struct options *o, const struct privdrop *drop, char *err,
	size_t errlen)
{
	char shown[ESCAPE_MAX];
	bool switched = false;
	size_t used;
	int rc;

	g->opt = o;
	rc = privdrop_assume(drop, &switched, err, errlen);
	if (rc != 0)
		return rc;
	rc = load_message(g, err, errlen);
	if (rc == 0 && o->quotes != NULL)
		rc = quotes_load(o->quotes, &g->quotes, err, errlen);
	if (switched) {
		char again[256];
		int back = privdrop_restore(drop, again, sizeof(again));

		if (back != 0 && rc == 0)
			rc = set_error(err, errlen, back, "%s", again);
	}
	tzset(); /* once, here: a child's localtime_r then reads no time zone file */
	if (rc != 0 && o->user != NULL && (used = strlen(err)) < errlen)
		snprintf(err + used, errlen - used, " (read as --user %s)",
			escape_str(shown, sizeof(shown), o->user));
	return rc;
}

/* Served all the same: the limit is the operator's to keep. */
static void
warn_if_long(const struct message *m)
{
	if (m->len > MESSAGE_RFC865_MAX)
		log_msg(LOG_WARNING, "the greeting is %zu bytes; RFC 865 asks for less than %d",
			m->len, MESSAGE_RFC865_MAX);
}

static void
log_quotes(const struct greeting *g, const char *when)
{
	char shown[ESCAPE_MAX], summary[256];

	if (g->opt->quotes != NULL)
		log_msg(LOG_INFO, "%squotes '%s': %s; %s", when,
			escape_str(shown, sizeof(shown), g->opt->quotes),
			quotes_summary(&g->quotes, summary, sizeof(summary)),
			g->opt->random_quote ? "a random quote per connection"
					     : "the quote of the day");
}

void
greeting_log_start(const struct greeting *g)
{
	warn_if_long(&g->msg);
	log_quotes(g, "");
}

static int
reload_quotes(struct greeting *g)
{
	struct quotes fresh;
	char err[512];
	int rc;

	tzset(); /* a time zone changed in /etc/localtime moves the quotes' midnight */
	if ((rc = quotes_load(g->opt->quotes, &fresh, err, sizeof(err))) != 0) {
		log_msg(LOG_ERR, "SIGHUP: keeping the old quotes: %s", err);
		return rc;
	}
	quotes_free(&g->quotes);
	g->quotes = fresh;
	log_quotes(g, "SIGHUP: read again ");
	return 0;
}

int
greeting_reload(struct greeting *g)
{
	const struct options *o = g->opt;
	char err[512], shown[ESCAPE_MAX];
	struct message fresh;
	int rc = 0, quotes_rc = 0;

	if (o->quotes != NULL)
		quotes_rc = reload_quotes(g);
	if (o->message_file == NULL) {
		if (o->quotes == NULL)
			log_msg(LOG_NOTICE, "SIGHUP: no --message-file to read again");
	} else if ((rc = message_load_file(o->message_file, &fresh, err, sizeof(err))) != 0) {
		log_msg(LOG_ERR, "SIGHUP: keeping the old message: %s", err);
	} else {
		message_free(&g->msg);
		g->msg = fresh;
		log_msg(LOG_INFO, "SIGHUP: read the message again from '%s' (%zu bytes)",
			escape_str(shown, sizeof(shown), o->message_file), g->msg.len);
		warn_if_long(&g->msg);
	}
	return rc != 0 ? rc : quotes_rc;
}

const struct quotes *
greeting_quotes(const struct greeting *g)
{
	return g->opt->quotes != NULL ? &g->quotes : NULL;
}

void
greeting_free(struct greeting *g)
{
	message_free(&g->msg);
	quotes_free(&g->quotes);
}
