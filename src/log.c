#include "log.h"

#include <stdarg.h>

static bool log_to_stderr;

static void
log_setup(int connect_now)
{
	openlog("hello-server", LOG_PID | connect_now | (log_to_stderr ? LOG_PERROR : 0),
		LOG_DAEMON);
}

void
log_open(bool to_stderr)
{
	log_to_stderr = to_stderr;
	log_setup(LOG_NDELAY);
}

void
log_forget_socket(void)
{
	closelog();
	log_setup(0); /* closelog also forgot the ident; connect again at the next line */
}

void
log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(priority, fmt, ap);
	va_end(ap);
}
