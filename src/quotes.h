/* Quote files in fortune format: reading, splitting into entries, checking and converting them
 * into one read-only shared mapping that every child inherits without copying. No sockets. */
#ifndef HELLO_QUOTES_H
#define HELLO_QUOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 865: "less than 512 characters"; an entry longer than this once converted is skipped. */
#define QUOTE_MAX 512
/* One quote file may be at most this large, and all of them together at most QUOTES_TOTAL_MAX:
 * the largest Debian collection (fortunes, 14,396 entries) is under 5 MiB in all. */
#define QUOTES_FILE_MAX (16L * 1024 * 1024)
#define QUOTES_TOTAL_MAX (64L * 1024 * 1024)

/* Room for the names of the members a load passed over, for the log line. */
#define QUOTES_PASSED_OVER_TEXT 1024

/* Why an entry is not served; each skipped entry counts under the first reason that applies. */
enum quote_verdict {
	QUOTE_OK,
	QUOTE_BLANK,   /* empty, or only spaces, tabs and line ends */
	QUOTE_CONTROL, /* NUL, another C0 or C1 control, DEL, or a CR not before LF; tab is fine */
	QUOTE_UTF8,    /* not valid UTF-8 (Latin-1 text, overlong forms, surrogates, ...) */
	QUOTE_LONG,    /* over QUOTE_MAX bytes with CRLF line ends */
	QUOTE_VERDICTS,
};

/* Entries, converted (CRLF lines, a final CRLF), packed one after the other: entry i is
 * text[off[i]] .. text[off[i + 1]]. Both live in one MAP_SHARED mapping, read-only: a fork copies
 * no page table entry of it, and a child touches only the pages of the quote it serves. */
struct quotes {
	void *map;
	size_t maplen;
	const uint32_t *off; /* count + 1 offsets */
	const char *text;
	uint32_t count;
	unsigned files;
	uint32_t skipped[QUOTE_VERDICTS]; /* [QUOTE_OK] unused */
	uint32_t crlf_percent;            /* "%\r" lines: no separators, worth a hint */
	/* Members of a directory that were not read (not regular files, dangling links, leftovers
	 * of editors and package managers...): how many, and the first of them by name. */
	uint32_t passed_over;
	char passed_over_text[QUOTES_PASSED_OVER_TEXT];
};

/* Entries being collected before they are sealed into a struct quotes. */
struct quotes_builder {
	char *text;
	size_t len, cap;
	uint32_t *off; /* n + 1 offsets once the first entry is in */
	size_t n, ncap;
	uint32_t skipped[QUOTE_VERDICTS];
	uint32_t crlf_percent;
};

/* Judges one raw entry (as written in the file, without its separator line). */
enum quote_verdict quote_judge(const char *entry, size_t len);

/* Splits one file's bytes into entries at every line that holds only "%" ("%\r" and "% " are
 * text), drops a UTF-8 byte order mark at its start, and adds the entries that pass quote_judge,
 * converted, to b; counts the others. Returns 0, or EX_DATAERR when the collection would exceed
 * QUOTES_TOTAL_MAX, EX_OSERR when out of memory, with the reason in err. */
int quotes_parse(struct quotes_builder *b, const char *buf, size_t len, char *err, size_t errlen);
void quotes_builder_free(struct quotes_builder *b);

/* Moves what b collected into q (one shared read-only mapping); b is freed either way. Returns
 * 0, EX_DATAERR when no entry is usable, EX_OSERR. */
int quotes_seal(struct quotes_builder *b, struct quotes *q, char *err, size_t errlen);

/* Reads each of the n paths in turn (-Q given n times): a quote file, or a directory whose
 * regular files (sorted by name, byte by byte; no recursion) are read in that order. Dot-files,
 * *.dat and *.u8 are not quote files; a member that is not a regular file, cannot be opened
 * (a dangling link, a loop, no permission) or is a leftover of an editor or a package manager
 * (name~, #name#, *.swp, *.dpkg-old, *.ucf-old, ...) is passed over and named in
 * q->passed_over_text. Never blocks on a FIFO or a device. Returns 0; EX_NOINPUT (a path
 * missing, unreadable, neither a file nor a directory; no quote file left), EX_DATAERR (too
 * large, no usable entry), EX_OSERR; the reason, naming the path, in err. On failure q is
 * untouched. */
int quotes_load_all(const char *const *paths, size_t n, struct quotes *q, char *err, size_t errlen);
/* quotes_load_all of one path. */
int quotes_load(const char *path, struct quotes *q, char *err, size_t errlen);

/* A name that no quote file has: what editors and package managers leave beside the files. */
bool quotes_is_leftover(const char *name);

/* The paths, quoted and escaped: "'/a', '/b'". */
const char *quotes_paths_shown(const char *const *paths, size_t n, char *buf, size_t len);
void quotes_free(struct quotes *q);

/* Entry i (< q->count), converted: CRLF lines, at most QUOTE_MAX bytes. */
const char *quote_text(const struct quotes *q, uint32_t i, size_t *len);

/* "801 quotes from 3 files; skipped 20: 2 with control bytes, 18 over 512 bytes", and a hint
 * when "%" lines ended in CRLF. */
const char *quotes_summary(const struct quotes *q, char *buf, size_t len);

#endif
