#include "message.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "escape.h"
#include "util.h"

/* The size after conversion, counted before allocating so a huge input costs nothing. */
static size_t
converted_length(const char *text, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			out++; /* the CR we add */
		out++;
	}
	if (len > 0 && text[len - 1] != '\n')
		out += 2; /* the final CRLF */
	return out;
}

int
message_convert(const char *text, size_t len, struct message *m, char *err, size_t errlen)
{
	const char *nul = memchr(text, '\0', len);
	size_t need, out = 0;
	char *buf;

	m->data = NULL;
	m->len = 0;
	if (len == 0)
		return set_error(err, errlen, EX_DATAERR, "the message is empty");
	if (nul != NULL)
		return set_error(err, errlen, EX_DATAERR,
			"the message has a NUL byte at offset %zu", (size_t)(nul - text));
	need = converted_length(text, len);
	if (need > MESSAGE_MAX)
		return set_error(err, errlen, EX_DATAERR,
			"the message is %zu bytes with CRLF line ends; the limit is %d", need,
			MESSAGE_MAX);
	buf = malloc(need);
	if (buf == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory for a %zu-byte message",
			need);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			buf[out++] = '\r';
		buf[out++] = text[i];
	}
	if (text[len - 1] != '\n') {
		buf[out++] = '\r';
		buf[out++] = '\n';
	}
	m->data = buf;
	m->len = out;
	return 0;
}

int
message_load_file(const char *path, struct message *m, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	struct stat st;
	size_t got = 0;
	char *raw;
	int fd, rc;

	escape_str(shown, sizeof(shown), path);
	m->data = NULL;
	m->len = 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return set_error(err, errlen, EX_NOINPUT, "message file '%s': %s", shown,
			strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return set_error(err, errlen, EX_NOINPUT, "message file '%s' is not a regular file",
			shown);
	}
	raw = malloc(MESSAGE_MAX + 1);
	if (raw == NULL) {
		close(fd);
		return set_error(err, errlen, EX_OSERR, "out of memory reading '%s'", shown);
	}
	/* One byte more than allowed: enough to know the file is too large. */
	if (read_up_to(fd, raw, MESSAGE_MAX + 1, &got) != 0) {
		rc = set_error(err, errlen, EX_NOINPUT, "message file '%s': %s", shown,
			strerror(errno));
	} else if (got > MESSAGE_MAX) {
		rc = set_error(err, errlen, EX_DATAERR,
			"message file '%s' is larger than the %d-byte limit", shown, MESSAGE_MAX);
	} else {
		char why[256];

		rc = message_convert(raw, got, m, why, sizeof(why));
		if (rc != 0)
			set_error(err, errlen, rc, "message file '%s': %s", shown, why);
	}
	free(raw);
	close(fd);
	return rc;
}

void
message_free(struct message *m)
{
	free(m->data);
	m->data = NULL;
	m->len = 0;
}
