#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# check-version.sh DAEMON CHANGELOG
#
# The version `DAEMON -V` prints (meson.build's project version) must be the upstream version
# of the newest entry of the Debian changelog: its version without an epoch ("1:") and without
# a Debian revision ("-1"). Run by the test suite and by debian/rules at every package build.
#
# Exit status: 0 they agree, 1 they differ, 99 cannot check (meson's "hard error").

set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 DAEMON CHANGELOG" >&2
	exit 99
fi
daemon=$1
changelog=$2

line=$(head -n 1 -- "$changelog") || exit 99
# "hello-server (1.0.0-1) unstable; urgency=medium"
if [[ ! $line =~ ^[a-z0-9][a-z0-9.+-]*\ \(([^\)]+)\) ]]; then
	echo "error: no version in the first line of $changelog: '$line'" >&2
	exit 99
fi
package_version=${BASH_REMATCH[1]}
upstream=${package_version#*:}
if [[ $upstream == *-* ]]; then
	upstream=${upstream%-*}
fi

out=$("$daemon" -V) || {
	echo "error: '$daemon -V' failed (exit $?)" >&2
	exit 99
}
if [[ $out != "hello-server $upstream" ]]; then
	echo "$daemon -V says '$out', but $changelog is at $package_version (upstream version $upstream):"
	echo "the version is set in meson.build; add a changelog entry for it (dch -v VERSION)"
	exit 1
fi
echo "hello-server -V and $changelog agree: $upstream"
