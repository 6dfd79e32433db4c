#include "timezone.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* glibc's tzset() returns at once while TZ's text is the one it last saw, so a zone file that
 * TZ names and that was replaced since is not read again (without TZ it always looks at
 * /etc/localtime). Another value in between makes the next tzset() take TZ afresh: "UTC0" is
 * POSIX text that opens no file. The master is single-threaded: nobody sees the moment. */
int
timezone_reread(void)
{
	const char *tz = getenv("TZ");
	char *saved;

	if (tz == NULL) {
		tzset();
		return 0;
	}
	if ((saved = strdup(tz)) == NULL)
		return -1;
	if (setenv("TZ", "UTC0", 1) == 0) {
		tzset();
		setenv("TZ", saved, 1);
	}
	tzset();
	free(saved);
	return 0;
}
