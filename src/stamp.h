/* The local time of a syslog line, "Mmm dd hh:mm:ss", without localtime(3) in a child: its code,
 * its tables and the time zone state it writes lie on pages a child would fault in (or copy)
 * for every line. The master keeps the offset from UTC known for the hour ahead; a child adds
 * it to the clock. Where it is not known (past that hour, or before the master has looked),
 * localtime(3) answers as before. */
#ifndef HELLO_STAMP_H
#define HELLO_STAMP_H

#include <stdint.h>
#include <time.h>

struct text;

/* The master, before it forks: makes sure the offset is known from now on for up to an hour,
 * or up to the next change of offset (a DST change), whichever comes first. Writes only when
 * that is not so already. */
void stamp_refresh(time_t now);

/* After tzset(3) read another time zone: what was known is known no longer. */
void stamp_forget(void);

/* Days from 1970-01-01 to now's local date, as qotd_local_day says, or INT64_MIN where the
 * offset is not known: for a child picking the quote of the day without localtime(3). */
int64_t stamp_local_day(time_t now);

/* now as "Mmm dd hh:mm:ss" (the C locale's "%b %e %H:%M:%S"), local time. */
void stamp_append(struct text *t, time_t now);

#endif
