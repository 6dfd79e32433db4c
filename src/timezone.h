/* The local time zone, read again on request. */
#ifndef HELLO_TIMEZONE_H
#define HELLO_TIMEZONE_H

/* Reads the time zone again, as tzset() is meant to: from the file TZ names
 * (":/etc/localtime", "/etc/localtime", a zone name), or /etc/localtime without TZ, even when
 * TZ's text is what it was. Returns 0, or -1 when out of memory (the zone is then as before). */
int timezone_reread(void);

#endif
