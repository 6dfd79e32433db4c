#include "quotes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "escape.h"
#include "message.h"
#include "util.h"

/* ---- judging one entry ----------------------------------------------------------------- */

static bool
is_blank(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

/* C0 controls but tab and the LF of a line end (CR only right before LF), and DEL. */
static bool
has_c0_control(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\t' || s[i] == '\n')
			continue;
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (s[i] < 0x20 || s[i] == 0x7f)
			return true;
	}
	return false;
}

/* The length of the UTF-8 sequence at s (at most len bytes), or 0 when it is not one: no
 * overlong forms, no surrogates, nothing above U+10FFFF. C1 controls (U+0080..U+009F, such as
 * the one-character CSI U+009B) set *c1. */
static size_t
utf8_sequence(const unsigned char *s, size_t len, bool *c1)
{
	size_t need;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (len < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	if (s[0] == 0xc2 && s[1] <= 0x9f)
		*c1 = true;
	return need;
}

enum quote_verdict
quote_judge(const char *entry, size_t len)
{
	const unsigned char *s = (const unsigned char *)entry;
	bool c1 = false;
	size_t i = 0;

	if (is_blank(s, len))
		return QUOTE_BLANK;
	if (has_c0_control(s, len))
		return QUOTE_CONTROL;
	while (i < len) {
		size_t n = utf8_sequence(s + i, len - i, &c1);

		if (n == 0)
			return QUOTE_UTF8;
		i += n;
	}
	if (c1)
		return QUOTE_CONTROL;
	return QUOTE_OK;
}

static const char *skipped_text(const struct quotes *q, char *buf, size_t len);

/* ---- collecting entries ---------------------------------------------------------------- */

/* Grows an anonymous private mapping: large buffers come straight from the kernel and go back
 * to it whole, so nothing of a load stays in the master's heap for every fork to copy. */
static int
grow(void **p, size_t *cap, size_t need)
{
	size_t want = *cap > 0 ? *cap : 65536;
	void *q;

	if (need <= *cap)
		return 0;
	while (want < need)
		want *= 2;
	if (*p == NULL)
		q = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		q = mremap(*p, *cap, want, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return -1;
	*p = q;
	*cap = want;
	return 0;
}

static int
add_entry(struct quotes_builder *b, const char *raw, size_t len, char *err, size_t errlen)
{
	enum quote_verdict v = quote_judge(raw, len);
	struct message m = { NULL, 0 };
	size_t ncap = b->ncap * sizeof(*b->off); /* in bytes, as grow counts */
	int rc;

	/* Conversion only adds bytes: a long entry is known without converting it. */
	if (v == QUOTE_OK && len > QUOTE_MAX)
		v = QUOTE_LONG;
	/* The same conversion as a message's; judged first, so only memory can fail it. */
	if (v == QUOTE_OK && (rc = message_convert(raw, len, &m, err, errlen)) != 0)
		return rc;
	if (v == QUOTE_OK && m.len > QUOTE_MAX)
		v = QUOTE_LONG;
	if (v != QUOTE_OK) {
		b->skipped[v]++;
		message_free(&m);
		return 0;
	}
	if (b->len + m.len > (size_t)QUOTES_TOTAL_MAX) {
		message_free(&m);
		return set_error(err, errlen, EX_DATAERR,
			"the quotes are larger than %ld bytes in all", QUOTES_TOTAL_MAX);
	}
	if (grow((void **)&b->text, &b->cap, b->len + m.len) != 0 ||
		grow((void **)&b->off, &ncap, (b->n + 2) * sizeof(*b->off)) != 0) {
		b->ncap = ncap / sizeof(*b->off);
		message_free(&m);
		return set_error(err, errlen, EX_OSERR, "out of memory for the quotes");
	}
	b->ncap = ncap / sizeof(*b->off);
	if (b->text == NULL || b->off == NULL || m.data == NULL) { /* grow made room: never */
		message_free(&m);
		return set_error(err, errlen, EX_SOFTWARE, "lost the quotes' memory");
	}
	memcpy(b->text + b->len, m.data, m.len);
	if (b->n == 0)
		b->off[0] = 0;
	b->len += m.len;
	b->off[++b->n] = (uint32_t)b->len;
	message_free(&m);
	return 0;
}

int
quotes_parse(struct quotes_builder *b, const char *buf, size_t len, char *err, size_t errlen)
{
	size_t start = 0, pos = 0;
	int rc;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		start = pos =
			3; /* a byte order mark says UTF-8; it is no part of the first quote */
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t eol = nl != NULL ? (size_t)(nl - buf) : len;

		if (eol - pos == 2 && buf[pos] == '%' && buf[pos + 1] == '\r')
			b->crlf_percent++;
		if (eol - pos == 1 && buf[pos] == '%') {
			if ((rc = add_entry(b, buf + start, pos - start, err, errlen)) != 0)
				return rc;
			start = eol < len ? eol + 1 : len;
		}
		pos = eol + 1;
	}
	/* The last entry needs no closing "%"; a file that ends with one has no empty entry. */
	if (start < len)
		return add_entry(b, buf + start, len - start, err, errlen);
	return 0;
}

void
quotes_builder_free(struct quotes_builder *b)
{
	if (b->text != NULL)
		munmap(b->text, b->cap);
	if (b->off != NULL)
		munmap(b->off, b->ncap * sizeof(*b->off));
	memset(b, 0, sizeof(*b));
}

int
quotes_seal(struct quotes_builder *b, struct quotes *q, char *err, size_t errlen)
{
	size_t offlen = (b->n + 1) * sizeof(uint32_t);
	void *map;

	if (b->n == 0) {
		char why[256];
		struct quotes none = { .crlf_percent = b->crlf_percent };

		memcpy(none.skipped, b->skipped, sizeof(none.skipped));
		quotes_builder_free(b);
		return set_error(err, errlen, EX_DATAERR, "no usable quote; %s",
			skipped_text(&none, why, sizeof(why)));
	}
	/* Shared, not private: fork copies no page table entry of a shared mapping (its pages are
	 * found again on a fault), so the size of the collection costs the fork nothing. With
	 * 100,000 entries in a private copy instead, each connection cost 70% more CPU time. */
	map = mmap(NULL, offlen + b->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		0);
	if (map == MAP_FAILED) {
		quotes_builder_free(b);
		return set_error(err, errlen, EX_OSERR, "out of memory for the quotes");
	}
	memcpy(map, b->off, offlen);
	memcpy((char *)map + offlen, b->text, b->len);
	mprotect(map, offlen + b->len, PROT_READ);
	*q = (struct quotes){
		.map = map,
		.maplen = offlen + b->len,
		.off = map,
		.text = (const char *)map + offlen,
		.count = (uint32_t)b->n,
	};
	memcpy(q->skipped, b->skipped, sizeof(q->skipped));
	q->crlf_percent = b->crlf_percent;
	quotes_builder_free(b);
	return 0;
}

/* ---- reading files --------------------------------------------------------------------- */

struct loader {
	struct quotes_builder b;
	size_t total; /* bytes read from every file */
	unsigned files;
	uint32_t passed_over;
	char passed_over_text[QUOTES_PASSED_OVER_TEXT];
	size_t passed_over_used;
};

/* Names a member that was not read: "'dir/x' (why)", as many as the text holds. */
static void
pass_over(struct loader *l, const char *shown, const char *why)
{
	size_t room = sizeof(l->passed_over_text) - l->passed_over_used;
	int n;

	l->passed_over++;
	if (room <= 1)
		return;
	n = snprintf(l->passed_over_text + l->passed_over_used, room, "%s'%s' (%s)",
		l->passed_over > 1 ? ", " : "", shown, why);
	if (n < 0 || (size_t)n >= room) { /* cut: end with a mark, not half a name */
		l->passed_over_text[l->passed_over_used] = '\0';
		l->passed_over_used = sizeof(l->passed_over_text); /* full from now on */
		return;
	}
	l->passed_over_used += (size_t)n;
}

/* Reads one open regular file (shown is its escaped name) into the builder. */
static int
load_fd(struct loader *l, int fd, const struct stat *st, const char *shown, char *err,
	size_t errlen)
{
	char why[256];
	size_t cap, got = 0;
	char *buf;
	int rc;

	if (st->st_size > QUOTES_FILE_MAX)
		return set_error(err, errlen, EX_DATAERR,
			"quote file '%s' is larger than the %ld-byte limit", shown,
			QUOTES_FILE_MAX);
	/* One byte more than the file should have, to see it grow past the limit meanwhile. */
	cap = (size_t)st->st_size + 1;
	buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return set_error(err, errlen, EX_OSERR, "out of memory reading '%s'", shown);
	if (read_up_to(fd, buf, cap, &got) != 0) {
		rc = set_error(err, errlen, EX_NOINPUT, "quote file '%s': %s", shown,
			strerror(errno));
	} else if (got == cap) {
		rc = set_error(err, errlen, EX_DATAERR, "quote file '%s' grew while being read",
			shown);
	} else if (l->total + got > (size_t)QUOTES_TOTAL_MAX) {
		rc = set_error(err, errlen, EX_DATAERR,
			"quote file '%s': the quotes are larger than %ld bytes in all", shown,
			QUOTES_TOTAL_MAX);
	} else {
		l->total += got;
		l->files++;
		rc = quotes_parse(&l->b, buf, got, why, sizeof(why));
		if (rc != 0)
			set_error(err, errlen, rc, "quote file '%s': %s", shown, why);
	}
	munmap(buf, cap);
	return rc;
}

static bool
ends_with(const char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && strcmp(name + len - n, suffix) == 0;
}

bool
quotes_is_leftover(const char *name)
{
	/* Debian's dpkg and ucf keep the other version of a changed file beside it. */
	static const char *const suffixes[] = { "~", ".swp", ".dpkg-old", ".dpkg-dist", ".dpkg-new",
		".dpkg-tmp", ".dpkg-bak" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (ends_with(name, len, suffixes[i]))
			return true;
	if (len >= 2 && name[0] == '#' && name[len - 1] == '#') /* Emacs' auto-save */
		return true;
	return strstr(name, ".ucf-") != NULL;
}

/* Not quote files, and so common (every fortune package has them) that they are passed over
 * without a word. */
static int
is_quote_name(const struct dirent *e)
{
	const char *name = e->d_name;
	size_t len = strlen(name);

	return name[0] != '.' && !ends_with(name, len, ".dat") && !ends_with(name, len, ".u8");
}

/* Byte order, not the locale's: two machines must see the same order. */
static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static const char *
kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory, not searched";
	if (S_ISFIFO(mode))
		return "a FIFO, never opened";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device, never opened";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Opens name in dfd only when it is a regular file: stat first, so that no FIFO or device is
 * ever opened; then the open descriptor is checked again. Returns the descriptor, or -1 with
 * *why saying why the member is passed over. */
static int
open_member(int dfd, const char *name, struct stat *st, const char **why)
{
	int fd;

	if (quotes_is_leftover(name)) {
		*why = "an editor's or a package manager's leftover";
		return -1;
	}
	if (fstatat(dfd, name, st, 0) != 0) {
		*why = strerror(errno);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		*why = kind_of(st->st_mode);
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		*why = "changed while being opened";
		close(fd);
		return -1;
	}
	return fd;
}

/* The quote files of a directory, sorted by name; what cannot be read is passed over. */
static int
load_dir(struct loader *l, int dfd, const char *path, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX], full[PATH_MAX + 256];
	const char *why = NULL;
	struct dirent **names;
	unsigned files = l->files;
	int n, rc = 0;

	escape_str(shown, sizeof(shown), path);
	n = scandirat(dfd, ".", &names, is_quote_name, by_name);
	if (n < 0)
		return set_error(err, errlen, EX_NOINPUT, "quotes directory '%s': %s", shown,
			strerror(errno));
	for (int i = 0; i < n && rc == 0; i++) {
		struct stat st;
		int fd;

		snprintf(full, sizeof(full), "%s%s%s", path,
			path[strlen(path) - 1] == '/' ? "" : "/", names[i]->d_name);
		escape_str(shown, sizeof(shown), full);
		fd = open_member(dfd, names[i]->d_name, &st, &why);
		if (fd < 0) {
			pass_over(l, shown, why);
			continue;
		}
		rc = load_fd(l, fd, &st, shown, err, errlen);
		close(fd);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && l->files == files)
		pass_over(l, escape_str(shown, sizeof(shown), path), "holds no quote file");
	return rc;
}

static int
load_path(struct loader *l, const char *path, char *err, size_t errlen)
{
	char shown[ESCAPE_MAX];
	struct stat st;
	int fd, rc;

	escape_str(shown, sizeof(shown), path);
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; nothing is read before fstat
	 * has said what it is. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return set_error(err, errlen, EX_NOINPUT, "quotes '%s': %s", shown,
			strerror(errno));
	if (fstat(fd, &st) != 0)
		rc = set_error(err, errlen, EX_NOINPUT, "quotes '%s': %s", shown, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = load_dir(l, fd, path, err, errlen);
	else if (S_ISREG(st.st_mode))
		rc = load_fd(l, fd, &st, shown, err, errlen);
	else
		rc = set_error(err, errlen, EX_NOINPUT,
			"quotes '%s' is neither a regular file nor a directory", shown);
	close(fd);
	return rc;
}

const char *
quotes_paths_shown(const char *const *paths, size_t n, char *buf, size_t len)
{
	char shown[ESCAPE_MAX];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s'%s'", i > 0 ? ", " : "",
			escape_str(shown, sizeof(shown), paths[i]));

		used += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

int
quotes_load_all(const char *const *paths, size_t n, struct quotes *q, char *err, size_t errlen)
{
	struct loader *l = calloc(1, sizeof(*l));
	char shown[512], why[256];
	int rc = 0;

	if (l == NULL)
		return set_error(err, errlen, EX_OSERR, "out of memory for the quotes");
	quotes_paths_shown(paths, n, shown, sizeof(shown));
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = load_path(l, paths[i], err, errlen);
	if (rc == 0 && l->files == 0) {
		rc = set_error(err, errlen, EX_NOINPUT, "quotes %s: no quote file; passed over %s",
			shown, l->passed_over_text);
	} else if (rc == 0 && (rc = quotes_seal(&l->b, q, why, sizeof(why))) != 0) {
		set_error(err, errlen, rc, "quotes %s: %s", shown, why);
	} else if (rc == 0) {
		q->files = l->files;
		q->passed_over = l->passed_over;
		memcpy(q->passed_over_text, l->passed_over_text, sizeof(q->passed_over_text));
	}
	if (rc != 0)
		quotes_builder_free(&l->b);
	free(l);
	return rc;
}

int
quotes_load(const char *path, struct quotes *q, char *err, size_t errlen)
{
	return quotes_load_all(&path, 1, q, err, errlen);
}

void
quotes_free(struct quotes *q)
{
	if (q->map != NULL)
		munmap(q->map, q->maplen);
	memset(q, 0, sizeof(*q));
}

const char *
quote_text(const struct quotes *q, uint32_t i, size_t *len)
{
	*len = q->off[i + 1] - q->off[i];
	return q->text + q->off[i];
}

/* "skipped 20: 2 with control bytes, 18 over 512 bytes" */
static const char *
skipped_text(const struct quotes *q, char *buf, size_t len)
{
	static const char *const why[QUOTE_VERDICTS] = {
		[QUOTE_BLANK] = "empty",
		[QUOTE_CONTROL] = "with control bytes",
		[QUOTE_UTF8] = "not UTF-8",
		[QUOTE_LONG] = "over 512 bytes",
	};
	uint32_t skipped = 0;
	const char *sep = ": ";
	size_t used;
	int n;

	for (int v = QUOTE_OK + 1; v < QUOTE_VERDICTS; v++)
		skipped += q->skipped[v];
	n = snprintf(buf, len, "skipped %u", skipped);
	used = n > 0 ? (size_t)n : 0;
	for (int v = QUOTE_OK + 1; v < QUOTE_VERDICTS && used < len; v++) {
		if (q->skipped[v] == 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%u %s", sep, q->skipped[v], why[v]);
		used += n > 0 ? (size_t)n : 0;
		sep = ", ";
	}
	if (q->crlf_percent > 0 && used < len)
		snprintf(buf + used, len - used,
			"; %u %s of '%%' with CRLF, not separators (a file with CRLF line ends?)",
			q->crlf_percent, q->crlf_percent == 1 ? "line" : "lines");
	return buf;
}

const char *
quotes_summary(const struct quotes *q, char *buf, size_t len)
{
	char skipped[256];

	snprintf(buf, len, "%u %s from %u %s; %s", q->count, q->count == 1 ? "quote" : "quotes",
		q->files, q->files == 1 ? "file" : "files",
		skipped_text(q, skipped, sizeof(skipped)));
	return buf;
}
