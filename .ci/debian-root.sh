#!/usr/bin/env bash
# Makes a fresh Debian 12 (bookworm) minbase root in DIR, the world of a newcomer or of an
# administrator's new host:
#
#   .ci/debian-root.sh DIR [PACKAGE...]
#
# PACKAGEs are added to minbase (e.g. systemd for a root that boots). The mirror is the one this
# machine's apt already uses, read from apt's own configuration at run time, and the root's
# sources.list names the same repositories (release, updates, security), so apt-get works
# inside it. Nothing is cached between runs: every call downloads what it installs.
set -euo pipefail

if [[ $# -lt 1 ]]; then
	echo "usage: $0 DIR [PACKAGE...]" >&2
	exit 64
fi
dir=$1
shift
codename=bookworm

command -v debootstrap >/dev/null || {
	echo "$0: debootstrap not found (Debian package debootstrap)" >&2
	exit 69
}

# "URI SUITE" for each repository apt reads this codename's main component from.
# shellcheck disable=SC2016 # apt's own $(FIELD) syntax, not the shell's
mapfile -t repos < <(apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(COMPONENT)' \
	'Identifier: Packages' | awk -v c="$codename" '$2 ~ "^" c && $3 == "main" { print $1, $2 }' |
	sort -u)
mirror=
for r in "${repos[@]}"; do
	read -r uri suite <<<"$r"
	[[ $suite == "$codename" ]] && mirror=$uri
done
if [[ -z $mirror ]]; then
	echo "$0: apt has no repository for $codename main (run apt-get update first)" >&2
	exit 69
fi

rm -rf "$dir"
mkdir -p "$dir"
include=()
if [[ $# -gt 0 ]]; then
	include=("--include=$(
		IFS=,
		echo "$*"
	)")
fi
debootstrap --variant=minbase "${include[@]}" "$codename" "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 || {
	tail -n 20 "$dir.debootstrap.log" >&2
	echo "$0: debootstrap failed (whole log: $dir.debootstrap.log)" >&2
	exit 1
}
rm -f "$dir.debootstrap.log"

for r in "${repos[@]}"; do
	read -r uri suite <<<"$r"
	echo "deb $uri $suite main"
done >"$dir/etc/apt/sources.list"
