#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# check-options.sh DAEMON MANPAGE README
#
# Every option that `DAEMON --help` prints must be documented in the man page
# (the .It Fl lines of its OPTIONS section) and in README.md (its "Options"
# section: table rows or list items), and neither may document an option the
# daemon does not have. An option is compared as its short and long name
# together ("-l --listen"), so a short name paired with the wrong long name
# shows up too. Prints the differences and exits 1 when there are any.
#
# Exit status: 0 all documented, 1 differences, 99 cannot check (meson's
# "hard error").

set -euo pipefail

if [[ $# -ne 3 ]]; then
	echo "usage: $0 DAEMON MANPAGE README" >&2
	exit 99
fi
daemon=$1
manpage=$2
readme=$3

for f in "$manpage" "$readme"; do
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

# README.md: the "Options" section (a heading whose text is Options, up to the
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
from_readme "$readme" | sort >"$tmp/readme"

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
compare "README" "$tmp/readme" "$readme"

if [[ $status -eq 0 ]]; then
	echo "all $(wc -l <"$tmp/help") options of --help are in the man page and README"
fi
exit "$status"
