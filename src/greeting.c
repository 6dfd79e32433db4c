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
#include "stamp.h"
#include "timezone.h"
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
		rc = quotes_load_all(o->quotes, o->nquotes, &g->quotes, err, errlen);
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
log_quotes(const struct greeting *g, bool reloaded)
{
	const char *when = reloaded ? "SIGHUP: read again " : "";
	const struct quotes *q = &g->quotes;
	char shown[512], summary[256];

	if (g->opt->quotes == NULL)
		return;
	quotes_paths_shown(g->opt->quotes, g->opt->nquotes, shown, sizeof(shown));
	log_msg(LOG_INFO, "%squotes %s: %s; %s", when, shown,
		quotes_summary(q, summary, sizeof(summary)),
		g->opt->random_quote ? "a random quote per connection" : "the quote of the day");
	if (q->passed_over > 0)
		log_msg(LOG_WARNING, "%squotes: passed over %u %s: %s", reloaded ? "SIGHUP: " : "",
			q->passed_over, q->passed_over == 1 ? "entry" : "entries",
			q->passed_over_text);
}

void
greeting_log_start(const struct greeting *g)
{
	warn_if_long(&g->msg);
	log_quotes(g, false);
}

static int
reload_quotes(struct greeting *g)
{
	struct quotes fresh;
	char err[512];
	int rc;

	/* A time zone changed in /etc/localtime, or in the file TZ names, moves the quotes'
	 * midnight, and the offset of the log lines' time stamps. */
	if (timezone_reread() != 0)
		log_msg(LOG_WARNING, "SIGHUP: out of memory to read the time zone again");
	stamp_forget();
	if ((rc = quotes_load_all(g->opt->quotes, g->opt->nquotes, &fresh, err, sizeof(err))) !=
		0) {
		log_msg(LOG_ERR, "SIGHUP: keeping the old quotes: %s", err);
		return rc;
	}
	quotes_free(&g->quotes);
	g->quotes = fresh;
	log_quotes(g, true);
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
