/* Quote files: splitting at "%" lines, judging and converting each entry, and reading files and
 * directories (every bad input the issue names has a case here). */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "quotes.h"
#include "runner.h"
#include "scratch.h"

/* ---- the parser ------------------------------------------------------------------------ */

struct parsed {
	struct quotes_builder b;
	int rc;
};

static void
parse(struct parsed *p, const char *buf, size_t len)
{
	char err[256];
	/* A heap copy of exactly len bytes: ASan and valgrind see a read past the end. */
	char *copy = malloc(len > 0 ? len : 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	memset(&p->b, 0, sizeof(p->b));
	p->rc = quotes_parse(&p->b, copy, len, err, sizeof(err));
	free(copy);
}

static void
assert_entry(const struct parsed *p, size_t i, const char *want)
{
	size_t len = p->b.off[i + 1] - p->b.off[i];

	ck_assert_uint_lt(i, p->b.n);
	ck_assert_msg(len == strlen(want) && memcmp(p->b.text + p->b.off[i], want, len) == 0,
		"entry %zu is '%.*s', expected '%s'", i, (int)len, p->b.text + p->b.off[i], want);
}

#define S(lit) lit, sizeof(lit) - 1

static const struct {
	const char *in;
	size_t len;
	const char *out[4]; /* the entries, converted; NULL after the last */
	uint32_t blank, control, utf8, toolong;
} cases[] = {
	{ S("a\n%\nb\n"), { "a\r\n", "b\r\n" }, 0, 0, 0, 0 },
	/* A closing "%" makes no empty entry (go-qotd's bug). */
	{ S("a\n%\nb\n%\n"), { "a\r\n", "b\r\n" }, 0, 0, 0, 0 },
	/* The last entry needs no "%"; a "%" line at the end needs no LF. */
	{ S("a\n%\nb"), { "a\r\n", "b\r\n" }, 0, 0, 0, 0 },
	{ S("a\n%"), { "a\r\n" }, 0, 0, 0, 0 },
	/* "%" inside a line is text (rqotdd's bug). */
	{ S("50% off\n%\n100%\n"), { "50% off\r\n", "100%\r\n" }, 0, 0, 0, 0 },
	/* "%%", "% " and "%\r" lines are not separators: CRLF files are one entry per file. */
	{ S("a\n%%\nb\n"), { "a\r\n%%\r\nb\r\n" }, 0, 0, 0, 0 },
	{ S("a\n% \nb\n"), { "a\r\n% \r\nb\r\n" }, 0, 0, 0, 0 },
	{ S("a\r\n%\r\nb\r\n"), { "a\r\n%\r\nb\r\n" }, 0, 0, 0, 0 },
	{ S(" %\nx\n"), { " %\r\nx\r\n" }, 0, 0, 0, 0 },
	/* Lines are kept as written: blank lines, indentation, tabs, a CRLF line among LF ones. */
	{ S("\tA\n\n  -- B\r\n%\n"), { "\tA\r\n\r\n  -- B\r\n" }, 0, 0, 0, 0 },
	/* A byte order mark at the start of the file is no part of the first quote. */
	{ S("\xef\xbb\xbf"
	    "a\n%\nb\n"),
		{ "a\r\n", "b\r\n" }, 0, 0, 0, 0 },
	{ S("\xef\xbb\xbf"), { NULL }, 0, 0, 0, 0 },
	/* Empty and blank entries. */
	{ S(""), { NULL }, 0, 0, 0, 0 },
	{ S("%\n%\n\n%\n \t\r\n%\nx\n"), { "x\r\n" }, 4, 0, 0, 0 },
	/* Control bytes: bell, ANSI colour, backspace overstrike, NUL, lone CR, DEL, C1 CSI,
	 * form feed, vertical tab; tab is fine. */
	{ S("bell\a\n%\n\x1b[31mred\x1b[0m\n%\n_\bu\n%\nn\0ul\n%\nlone\rcr\n%\ndel\x7f\n%\n"
	    "csi\xc2\x9b"
	    "1m\n%\nff\f\n%\nvt\v\n%\ntab\tok\n"),
		{ "tab\tok\r\n" }, 0, 9, 0, 0 },
	/* Latin-1 and broken UTF-8: overlong, surrogate, above U+10FFFF, cut short, stray
	 * continuation byte; real UTF-8 passes. */
	{ S("caf\xe9\n%\n\xc0\xaf\n%\n\xed\xa0\x80\n%\n\xf4\x90\x80\x80\n%\n\xe2\x82\n%\n\x80\n%\n"
	    "Gr\xc3\xbc\xc3\x9f"
	    "e \xe2\x82\xac \xf0\x9d\x84\x9e\n"),
		{ "Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x82\xac \xf0\x9d\x84\x9e\r\n" },
		0, 0, 6, 0 },
	/* A CR-only line end is a control byte; a CRLF one is a line end. */
	{ S("a\rb\n%\na\r\nb\n"), { "a\r\nb\r\n" }, 0, 1, 0, 0 },
};

START_TEST(splits_and_judges)
{
	struct parsed p;
	size_t n = 0;

	parse(&p, cases[_i].in, cases[_i].len);
	ck_assert_int_eq(p.rc, 0);
	while (n < 4 && cases[_i].out[n] != NULL)
		n++;
	ck_assert_uint_eq(p.b.n, n);
	for (size_t i = 0; i < n; i++)
		assert_entry(&p, i, cases[_i].out[i]);
	ck_assert_uint_eq(p.b.skipped[QUOTE_BLANK], cases[_i].blank);
	ck_assert_uint_eq(p.b.skipped[QUOTE_CONTROL], cases[_i].control);
	ck_assert_uint_eq(p.b.skipped[QUOTE_UTF8], cases[_i].utf8);
	ck_assert_uint_eq(p.b.skipped[QUOTE_LONG], cases[_i].toolong);
	quotes_builder_free(&p.b);
}
END_TEST

/* 512 bytes once converted is the most (RFC 865); LF line ends count as CRLF. */
START_TEST(length_limit_after_conversion)
{
	char buf[2048];
	struct parsed p;

	memset(buf, 'x', 510);
	memcpy(buf + 510, "\n%\n", 3);
	memset(buf + 513, 'y', 511);
	memcpy(buf + 1024, "\n%\n", 3);
	/* 255 two-byte lines: 510 bytes as written, 765 with CRLF. */
	for (int i = 0; i < 255; i++)
		memcpy(buf + 1027 + 2 * i, "z\n", 2);
	parse(&p, buf, 1027 + 510);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_uint_eq(p.b.n, 1);
	ck_assert_uint_eq(p.b.off[1], 512);
	ck_assert_uint_eq(p.b.skipped[QUOTE_LONG], 2);
	quotes_builder_free(&p.b);
}
END_TEST

/* A 46 KB entry and a single line over 64 KiB: skipped, and their neighbours kept. */
START_TEST(huge_entry_and_huge_line)
{
	size_t big = 46 * 1024, line = 70000;
	char *buf = malloc(big + line + 64);
	struct parsed p;
	size_t n = 0;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf + n, "first\n%\n", 8);
	n += 8;
	for (size_t i = 0; i < big; i++)
		buf[n++] = i % 64 == 63 ? '\n' : 'w';
	memcpy(buf + n, "%\n", 2);
	n += 2;
	memset(buf + n, 'L', line);
	n += line;
	memcpy(buf + n, "\n%\nlast\n", 8);
	n += 8;
	parse(&p, buf, n);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_uint_eq(p.b.n, 2);
	assert_entry(&p, 0, "first\r\n");
	assert_entry(&p, 1, "last\r\n");
	ck_assert_uint_eq(p.b.skipped[QUOTE_LONG], 2);
	quotes_builder_free(&p.b);
	free(buf);
}
END_TEST

START_TEST(judges_single_entries)
{
	ck_assert_int_eq(quote_judge("", 0), QUOTE_BLANK);
	ck_assert_int_eq(quote_judge(" \t\r\n", 4), QUOTE_BLANK);
	ck_assert_int_eq(quote_judge("\0", 1), QUOTE_CONTROL);
	ck_assert_int_eq(quote_judge("x\r", 2), QUOTE_CONTROL);
	ck_assert_int_eq(quote_judge("\xff", 1), QUOTE_UTF8);
	ck_assert_int_eq(quote_judge("\xc2\xa0", 2), QUOTE_OK);      /* no-break space */
	ck_assert_int_eq(quote_judge("\xc2\x85", 2), QUOTE_CONTROL); /* NEL */
	ck_assert_int_eq(quote_judge("\xef\xbf\xbf", 3), QUOTE_OK);
	ck_assert_int_eq(quote_judge("\xf4\x8f\xbf\xbf", 4), QUOTE_OK); /* U+10FFFF */
	ck_assert_int_eq(quote_judge("\xf5\x80\x80\x80", 4), QUOTE_UTF8);
	ck_assert_int_eq(quote_judge("\xe0\x9f\xbf", 3), QUOTE_UTF8); /* overlong */
}
END_TEST

START_TEST(nothing_usable_is_refused)
{
	struct quotes_builder b = { .n = 0 };
	struct quotes q;
	char err[256];

	ck_assert_int_eq(quotes_parse(&b, S("\a\n%\n \n"), err, sizeof(err)), 0);
	ck_assert_int_eq(quotes_seal(&b, &q, err, sizeof(err)), EX_DATAERR);
	ck_assert_str_eq(err, "no usable quote; skipped 2: 1 empty, 1 with control bytes");
}
END_TEST

/* ---- files and directories ------------------------------------------------------------- */

static char dir[SCRATCH_DIR_MAX];

static void
make_dir(void)
{
	scratch_make(dir, "quotes");
}

static void
remove_dir(void)
{
	scratch_remove(dir);
}

static void
assert_quote(const struct quotes *q, uint32_t i, const char *want)
{
	size_t len;
	const char *text = quote_text(q, i, &len);

	ck_assert_msg(len == strlen(want) && memcmp(text, want, len) == 0,
		"quote %u is '%.*s', expected '%s'", i, (int)len, text, want);
}

/* The mapping children inherit is shared (fork copies none of its page table) and read-only. */
static void
assert_shared_read_only(const struct quotes *q)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		uintptr_t lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo == (uintptr_t)q->map) {
			ck_assert_str_eq(perms, "r--s");
			ck_assert_uint_ge(hi - lo, q->maplen);
			found = true;
		}
	}
	fclose(f);
	ck_assert(found);
}

START_TEST(reads_one_file)
{
	struct quotes q;
	char err[256], summary[256];

	ck_assert_int_eq(quotes_load(scratch_write(dir, "q", S("one\n%\ntwo\r\n%\n\a\n%\n")), &q,
				 err, sizeof(err)),
		0);
	ck_assert_uint_eq(q.count, 2);
	ck_assert_uint_eq(q.files, 1);
	assert_quote(&q, 0, "one\r\n");
	assert_quote(&q, 1, "two\r\n");
	assert_shared_read_only(&q);
	ck_assert_str_eq(quotes_summary(&q, summary, sizeof(summary)),
		"2 quotes from 1 file; skipped 1: 1 with control bytes");
	quotes_free(&q);
	ck_assert_ptr_null(q.map);
}
END_TEST

/* Regular files in byte order of their names; dot-files, *.dat, *.u8, subdirectories and FIFOs
 * passed over (a FIFO is never opened: this would block otherwise). */
START_TEST(reads_a_directory_in_name_order)
{
	struct quotes q;
	char err[256], summary[256];

	scratch_write(dir, "b", S("from b\n"));
	scratch_write(dir, "B", S("from B\n"));
	scratch_write(dir, "a", S("from a 1\n%\nfrom a 2\n"));
	scratch_write(dir, ".hidden", S("hidden\n"));
	scratch_write(dir, "a.dat", S("\0\0\0\2"));
	scratch_write(dir, "a.u8", S("u8\n"));
	ck_assert_int_eq(mkdir(scratch_path(dir, "sub"), 0700), 0);
	scratch_write(dir, "sub/c", S("in sub\n"));
	ck_assert_int_eq(mkfifo(scratch_path(dir, "fifo"), 0600), 0);
	ck_assert_int_eq(symlink("a", scratch_path(dir, "link-to-a")), 0);
	ck_assert_int_eq(quotes_load(dir, &q, err, sizeof(err)), 0);
	ck_assert_uint_eq(q.files, 4);
	ck_assert_uint_eq(q.count, 6);
	assert_quote(&q, 0, "from B\r\n");
	assert_quote(&q, 1, "from a 1\r\n");
	assert_quote(&q, 2, "from a 2\r\n");
	assert_quote(&q, 3, "from b\r\n");
	assert_quote(&q, 4, "from a 1\r\n"); /* link-to-a, a regular file through its link */
	assert_quote(&q, 5, "from a 2\r\n");
	ck_assert_str_eq(quotes_summary(&q, summary, sizeof(summary)),
		"6 quotes from 4 files; skipped 0");
	ck_assert_uint_eq(q.passed_over, 2);
	ck_assert_msg(strstr(q.passed_over_text, "/fifo' (a FIFO, never opened)") != NULL &&
			strstr(q.passed_over_text, "/sub' (a directory, not searched)") != NULL,
		"%s", q.passed_over_text);
	quotes_free(&q);
}
END_TEST

/* What cannot be opened is passed over and named, as a FIFO is: one dangling link must not
 * stop the start or every reload. Leftovers of editors and package managers are not quotes. */
START_TEST(passes_over_what_cannot_be_read)
{
	static const char *const leftovers[] = { "a~", "#a#", "a.swp", "a.dpkg-old", "a.dpkg-dist",
		"a.dpkg-new", "a.ucf-old", "a.ucf-dist", "a.ucf-new" };
	struct quotes q;
	char err[512];

	scratch_write(dir, "a", S("from a\n"));
	for (size_t i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++)
		scratch_write(dir, leftovers[i], S("leftover\n"));
	ck_assert_int_eq(symlink("nowhere", scratch_path(dir, "dangling")), 0);
	ck_assert_int_eq(symlink("loop", scratch_path(dir, "loop")), 0);
	ck_assert_int_eq(quotes_load(dir, &q, err, sizeof(err)), 0);
	ck_assert_uint_eq(q.count, 1);
	ck_assert_uint_eq(q.files, 1);
	assert_quote(&q, 0, "from a\r\n");
	ck_assert_uint_eq(q.passed_over, 11);
	ck_assert_msg(strstr(q.passed_over_text, "/dangling' (No such file or directory)") !=
				NULL &&
			strstr(q.passed_over_text, "/loop' (Too many levels of symbolic links)") !=
				NULL &&
			strstr(q.passed_over_text, "/a.dpkg-old' (an editor's") != NULL,
		"%s", q.passed_over_text);
	quotes_free(&q);
}
END_TEST

START_TEST(knows_leftovers_by_name)
{
	static const char *const leftovers[] = { "x~", "#x#", "x.swp", "x.dpkg-old", "x.dpkg-dist",
		"x.dpkg-new", "x.ucf-old", "x.ucf-dist", "x.ucf-new" };
	static const char *const quotes[] = { "x", "#x", "x#", "swp", "x.dpkg", "riddles", "ucf",
		"x~y" };

	for (size_t i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++)
		ck_assert_msg(quotes_is_leftover(leftovers[i]), "%s", leftovers[i]);
	for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++)
		ck_assert_msg(!quotes_is_leftover(quotes[i]), "%s", quotes[i]);
}
END_TEST

/* Several paths: the union, in the order given, a directory sorted within; a directory with
 * nothing to read among them is passed over. Nothing usable in any of them fails. */
START_TEST(reads_several_paths_in_order)
{
	char first[256], empty[256];
	const char *paths[3];
	struct quotes q;
	char err[512];

	snprintf(first, sizeof(first), "%s", scratch_write(dir, "z-first", S("first\n")));
	ck_assert_int_eq(mkdir(scratch_path(dir, "sub"), 0700), 0);
	ck_assert_int_eq(mkdir(scratch_path(dir, "empty"), 0700), 0);
	snprintf(empty, sizeof(empty), "%s", scratch_path(dir, "empty"));
	scratch_write(dir, "sub/b", S("sub b\n"));
	scratch_write(dir, "sub/a", S("sub a\n"));
	paths[0] = first;
	paths[1] = scratch_path(dir, "sub");
	paths[2] = empty;
	ck_assert_int_eq(quotes_load_all(paths, 3, &q, err, sizeof(err)), 0);
	ck_assert_uint_eq(q.count, 3);
	ck_assert_uint_eq(q.files, 3);
	assert_quote(&q, 0, "first\r\n");
	assert_quote(&q, 1, "sub a\r\n");
	assert_quote(&q, 2, "sub b\r\n");
	ck_assert_uint_eq(q.passed_over, 1);
	ck_assert_msg(strstr(q.passed_over_text, "/empty' (holds no quote file)") != NULL, "%s",
		q.passed_over_text);
	quotes_free(&q);
	ck_assert_int_eq(symlink("nowhere", scratch_path(dir, "empty/dangling")), 0);
	paths[0] = empty;
	ck_assert_int_eq(quotes_load_all(paths, 1, &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert_msg(strstr(err, "no quote file") != NULL &&
			strstr(err, "/dangling' (No such file or directory)") != NULL,
		"%s", err);
}
END_TEST

START_TEST(refuses_bad_paths)
{
	struct quotes q = { .count = 42 };
	char err[512];

	ck_assert_int_eq(quotes_load(scratch_path(dir, "missing"), &q, err, sizeof(err)),
		EX_NOINPUT);
	ck_assert(strstr(err, "missing") != NULL && strstr(err, "No such file") != NULL);
	/* An empty directory, and one with nothing but strfile's index. */
	ck_assert_int_eq(quotes_load(dir, &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "holds no quote file") != NULL && strstr(err, dir) != NULL);
	scratch_write(dir, "x.dat", S("\0\0\0\2"));
	ck_assert_int_eq(quotes_load(dir, &q, err, sizeof(err)), EX_NOINPUT);
	/* A FIFO and devices: refused at once, nothing read. */
	ck_assert_int_eq(mkfifo(scratch_path(dir, "fifo"), 0600), 0);
	ck_assert_int_eq(quotes_load(scratch_path(dir, "fifo"), &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "neither a regular file nor a directory") != NULL);
	ck_assert_int_eq(quotes_load("/dev/zero", &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "'/dev/zero'") != NULL);
	ck_assert_int_eq(quotes_load("/dev/null", &q, err, sizeof(err)), EX_NOINPUT);
	/* A symbolic link loop, given and inside the directory. */
	ck_assert_int_eq(symlink("loop", scratch_path(dir, "loop")), 0);
	ck_assert_int_eq(quotes_load(scratch_path(dir, "loop"), &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "Too many levels of symbolic links") != NULL);
	ck_assert_int_eq(quotes_load(dir, &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "/loop'") != NULL);
	ck_assert_uint_eq(q.count, 42); /* untouched on failure */
}
END_TEST

/* Over the size cap: refused from its size, without reading it (a sparse file). */
START_TEST(refuses_a_file_over_the_cap)
{
	struct quotes q;
	char err[512];
	int fd = open(scratch_path(dir, "huge"), O_WRONLY | O_CREAT, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)QUOTES_FILE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(quotes_load(scratch_path(dir, "huge"), &q, err, sizeof(err)), EX_DATAERR);
	ck_assert(strstr(err, "larger than") != NULL && strstr(err, "huge") != NULL);
}
END_TEST

/* A CRLF file is one entry (strfile splits only at "%" + LF); the log says why. */
START_TEST(crlf_file_gets_a_hint)
{
	struct quotes q;
	char err[512], summary[512];
	char *big = malloc(2000);
	size_t n = 0;

	ck_assert_ptr_nonnull(big);
	for (int i = 0; i < 100; i++) {
		memcpy(big + n, "quote\r\n%\r\n", 10);
		n += 10;
	}
	ck_assert_int_eq(quotes_load(scratch_write(dir, "crlf", big, n), &q, err, sizeof(err)),
		EX_DATAERR);
	ck_assert_msg(strstr(err,
			      "no usable quote; skipped 1: 1 over 512 bytes; 100 lines of '%' "
			      "with CRLF, not separators") != NULL,
		"%s", err);
	ck_assert_int_eq(quotes_load(scratch_write(dir, "crlf", S("a\r\n%\r\nb\r\n")), &q, err,
				 sizeof(err)),
		0);
	ck_assert_str_eq(quotes_summary(&q, summary, sizeof(summary)),
		"1 quote from 1 file; skipped 0; 1 line of '%' with CRLF, not separators (a file "
		"with CRLF line ends?)");
	quotes_free(&q);
	free(big);
}
END_TEST

START_TEST(refuses_files_with_nothing_usable)
{
	struct quotes q;
	char err[512];

	ck_assert_int_eq(quotes_load(scratch_write(dir, "latin1", S("caf\xe9\n%\nna\xefve\n")), &q,
				 err, sizeof(err)),
		EX_DATAERR);
	ck_assert(strstr(err, "no usable quote") != NULL && strstr(err, "latin1") != NULL);
	ck_assert_int_eq(quotes_load(scratch_write(dir, "empty", "", 0), &q, err, sizeof(err)),
		EX_DATAERR);
}
END_TEST

/* Root reads anything: the unreadable case is for unprivileged runs only. */
START_TEST(unreadable_file)
{
	struct quotes q;
	char err[512];
	const char *path = scratch_write(dir, "secret", S("x\n"));

	if (geteuid() == 0)
		return;
	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(quotes_load(path, &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "Permission denied") != NULL);
	ck_assert_int_eq(quotes_load(dir, &q, err, sizeof(err)), EX_NOINPUT);
	ck_assert(strstr(err, "secret' (Permission denied)") != NULL);
	/* Beside a readable one, it is passed over. */
	scratch_write(dir, "readable", S("y\n"));
	ck_assert_int_eq(quotes_load(dir, &q, err, sizeof(err)), 0);
	ck_assert_uint_eq(q.count, 1);
	ck_assert(strstr(q.passed_over_text, "secret' (Permission denied)") != NULL);
	quotes_free(&q);
}
END_TEST

/* Debian's fortunes-min, when installed: every file of the directory, and the same result each
 * time (the day's quote depends on the entries and their order). */
START_TEST(reads_fortunes_min)
{
	static const char fortunes[] = "/usr/share/games/fortunes";
	struct quotes q, again;
	char err[512];

	if (access("/usr/share/games/fortunes/literature", R_OK) != 0)
		return; /* fortunes-min is not installed; the integration suite says so */
	ck_assert_int_eq(quotes_load(fortunes, &q, err, sizeof(err)), 0);
	ck_assert_int_eq(quotes_load(fortunes, &again, err, sizeof(err)), 0);
	ck_assert_uint_ge(q.files, 3);
	ck_assert_uint_gt(q.count, 700);
	ck_assert_uint_eq(q.count, again.count);
	ck_assert_uint_eq(q.maplen, again.maplen);
	ck_assert(memcmp(q.map, again.map, q.maplen) == 0);
	for (uint32_t i = 0; i < q.count; i++) {
		size_t len;
		const char *t = quote_text(&q, i, &len);

		ck_assert_uint_le(len, QUOTE_MAX);
		ck_assert(len >= 2 && t[len - 2] == '\r' && t[len - 1] == '\n');
	}
	quotes_free(&q);
	quotes_free(&again);
}
END_TEST

static Suite *
quotes_suite(void)
{
	Suite *s = suite_create("quotes");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, splits_and_judges, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, length_limit_after_conversion);
	tcase_add_test(tc, huge_entry_and_huge_line);
	tcase_add_test(tc, judges_single_entries);
	tcase_add_test(tc, nothing_usable_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, reads_one_file);
	tcase_add_test(tc, reads_a_directory_in_name_order);
	tcase_add_test(tc, refuses_bad_paths);
	tcase_add_test(tc, passes_over_what_cannot_be_read);
	tcase_add_test(tc, knows_leftovers_by_name);
	tcase_add_test(tc, reads_several_paths_in_order);
	tcase_add_test(tc, refuses_a_file_over_the_cap);
	tcase_add_test(tc, refuses_files_with_nothing_usable);
	tcase_add_test(tc, crlf_file_gets_a_hint);
	tcase_add_test(tc, unreadable_file);
	tcase_add_test(tc, reads_fortunes_min);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(quotes_suite());
}
