#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# check-options.sh DAEMON MANPAGE [MARKDOWN...]
#
# The man page is the reference for the options: every option that `DAEMON --help` prints must
# be in its OPTIONS section (the .It Fl lines), and it may document no option the daemon does
# not have. An option is compared as its short and long name together ("-l --listen"), so a
# short name paired with the wrong long name shows up too.
#
# Each MARKDOWN document (README.md, docs/*.md) may name options wherever it helps the reader,
# but only options the daemon has: every code span that begins with an option word (`-q`,
# `--user`, `--timeout SECONDS`) must name one of --help. A document with an "Options" section
# (table rows or list items) must list every option there, as the man page does.
#
# Prints the differences and exits 1 when there are any.
# Exit status: 0 all documented, 1 differences, 99 cannot check (meson's "hard error").

set -euo pipefail

if [[ $# -lt 2 ]]; then
	echo "usage: $0 DAEMON MANPAGE [MARKDOWN...]" >&2
	exit 99
fi
daemon=$1
manpage=$2
shift 2
docs=("$@")

for f in "$manpage" "${docs[@]}"; do
	if [[ ! -r $f ]]; then
		echo "error: cannot read $f" >&2
		exit 99
	fi
done

# Reads option words ("-l", "--listen", "\-listen", ...) one per line on
# stdin and prints one entry: "-l --listen", "-l" or "--listen".
entry() {
	awk '
		{
			w = $0
			gsub(/\\/, "", w)       # mdoc: \-listen
			sub(/^-+/, "", w)
			if (w == "")
				next
			if (length(w) == 1)
				short = "-" w
			else
				long = "--" w
		}
		END {
			if (short != "" && long != "")
				print short " " long
			else if (short != "" || long != "")
				print short long
		}'
}

# --help: "  -l, --listen ADDR[:PORT]     listen on ...": the part before the
# first run of two spaces names the option; the description may mention
# other options ("wins over --allow") and is not looked at.
from_help() {
	local line spec
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]+-[A-Za-z-] ]] || continue
		spec=${line#"${line%%[![:space:]]*}"}
		spec=${spec%%  *}
		tr -c 'A-Za-z0-9-' '\n' <<<"$spec" | grep -E '^--?[A-Za-z][A-Za-z0-9-]*$' | entry || true
	done
}

# mdoc: the .It lines of the OPTIONS section (the whole page if it has none);
# each word after an Fl macro is an option name:
#   .It Fl l , Fl \-listen Ar ADDR Ns Op : Ns Ar PORT
from_man() {
	local src=$1 lines
	lines=$(awk '
		/^\.Sh / { in_opts = ($0 ~ /^\.Sh "?OPTIONS"?[[:space:]]*$/); next }
		in_opts && /^\.It[[:space:]]/ { print }
	' "$src")
	if [[ -z $lines ]]; then
		lines=$(grep -E '^\.It[[:space:]]' "$src" || true)
	fi
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		awk '{ for (i = 2; i < NF; i++) if ($i == "Fl") print $(i + 1) }' <<<"$line" | entry || true
	done <<<"$lines"
}

# The option words of code spans that begin with one, one per line. Spans with "=" or a
# single dash and several letters (`--prefix=/usr`, `-Dstatic`, `-fanalyzer`) are other
# programs' options, and are not looked at.
mentioned() {
	grep -o '`-[^`]*`' "$1" | sed 's/^`//; s/`$//' | grep -v '=' | awk '{ print $1 }' |
		grep -E '^(--[A-Za-z][A-Za-z0-9-]*|-[A-Za-z])$' || true
}

# A markdown document: the "Options" section (a heading whose text is Options, up to the
# next heading of the same or a higher level). In a table row the first cell
# names the option; in a list item, its first code span:
#   | `-l`, `--listen ADDR[:PORT]` | listen on this address; ... |
#   - `-l, --listen ADDR[:PORT]`: listen on this address; ...
from_readme() {
	local src=$1 line spec
	awk '
		/^#+[[:space:]]/ {
			level = match($0, /[^#]/) - 1
			if (in_opts && level <= opts_level) in_opts = 0
			title = $0
			sub(/^#+[[:space:]]+/, "", title)
			sub(/[[:space:]]+$/, "", title)
			if (tolower(title) == "options") { in_opts = 1; opts_level = level }
			next
		}
		/^```/ { fence = !fence; next }
		in_opts && !fence { print }
	' "$src" | while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]*\| ]]; then
			spec=${line#*|}
			spec=${spec%%|*}
		elif [[ $line =~ ^[[:space:]]*[-*+][[:space:]]+\`([^\`]*)\` ]]; then
			spec=${BASH_REMATCH[1]}
		else
			continue
		fi
		tr -c 'A-Za-z0-9-' '\n' <<<"$spec" | grep -E '^--?[A-Za-z][A-Za-z0-9-]*$' | entry || true
	done
}

help_text=$("$daemon" --help) || {
	echo "error: '$daemon --help' failed (exit $?)" >&2
	exit 99
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

from_help <<<"$help_text" | sort >"$tmp/help"
from_man "$manpage" | sort >"$tmp/man"
tr ' ' '\n' <"$tmp/help" | sort -u >"$tmp/help-words"

if [[ ! -s $tmp/help ]]; then
	echo "error: found no options in the output of '$daemon --help'" >&2
	exit 99
fi

status=0
indent() {
	local l
	while IFS= read -r l; do
		printf '    %s\n' "$l"
	done
}

# compare NAME FILE SOURCE: report both directions and duplicates.
compare() {
	local name=$1 file=$2 source=$3 missing extra dups
	missing=$(comm -23 <(sort -u "$tmp/help") <(sort -u "$file"))
	extra=$(comm -13 <(sort -u "$tmp/help") <(sort -u "$file"))
	dups=$(uniq -d "$file")
	if [[ -n $missing ]]; then
		echo "in --help but not in $name ($source):"
		indent <<<"$missing"
		status=1
	fi
	if [[ -n $extra ]]; then
		echo "in $name ($source) but not in --help:"
		indent <<<"$extra"
		status=1
	fi
	if [[ -n $dups ]]; then
		echo "documented more than once in $name ($source):"
		indent <<<"$dups"
		status=1
	fi
}

compare "the man page" "$tmp/man" "$manpage"
for doc in "${docs[@]}"; do
	from_readme "$doc" | sort >"$tmp/doc"
	if [[ -s $tmp/doc ]]; then
		compare "the Options section of $(basename "$doc")" "$tmp/doc" "$doc"
	fi
	unknown=$(mentioned "$doc" | sort -u | comm -23 - "$tmp/help-words")
	if [[ -n $unknown ]]; then
		echo "named in $doc but not an option of --help:"
		indent <<<"$unknown"
		status=1
	fi
done

if [[ $status -eq 0 ]]; then
	echo "all $(wc -l <"$tmp/help") options of --help are in the man page;" \
		"${#docs[@]} documents name no other"
fi
exit "$status"
