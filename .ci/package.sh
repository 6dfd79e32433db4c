#!/usr/bin/env bash
# The Debian package as an administrator meets it. As root on Debian 12, with apt's lists up
# to date (apt-get update):
#   1. builds the package from a clean clone of HEAD (`apt-get build-dep ./`, then
#      `dpkg-buildpackage -us -uc -b`, which runs the test suites), and a second one, a newer
#      version of the same source, for the upgrade;
#   2. lintian: no error and no warning;
#   3. boots a fresh Debian 12 minbase with systemd (.ci/debian-root.sh) in systemd-nspawn,
#      sharing the host's network, and there: `apt-get install ./hello-server_*.deb` serves
#      port 17 at once, with the hardened service; a changed message is served as soon as
#      `systemctl reload` returns; an upgrade and a reinstall keep the changed conffiles;
#      `apt-get remove` stops socket and service; `apt-get purge` leaves nothing behind.
#
# usage: .ci/package.sh
# Needs ports 17 free on the host. Packages: dpkg-dev debhelper lintian debootstrap
# systemd-container util-linux procps git.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
# Nothing here reads a terminal (see tests/system/system-test.sh).
exec </dev/null
export DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER=cat SYSTEMD_COLORS=0

readonly PORT=17
readonly MAX_EXPOSURE=1.0
readonly OLD_TEXT='Hello World!'
readonly NEW_TEXT="An administrator's own greeting."
readonly OPTIONS_LINE='HELLO_SERVER_OPTIONS="--max-per-source 8"'

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hello-package.XXXXXX")
AWAIT_DIR=$WORK
# The build's tests run the daemon as nobody too: it must reach the build tree.
chmod 0755 "$WORK"
# shellcheck source=tests/system/container.sh
source tests/system/container.sh

cleanup() {
	local rc=$?
	container_cleanup "$rc"
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

[[ $(id -u) -eq 0 ]] || fail "needs root (apt-get build-dep, debootstrap, a container)"
for cmd in git apt-get dpkg-buildpackage lintian debootstrap systemd-nspawn systemd-analyze \
	systemd-socket-activate nsenter pidwait pgrep timeout; do
	command -v "$cmd" >/dev/null ||
		fail "no $cmd (packages dpkg-dev lintian debootstrap systemd-container util-linux procps git)"
done
! port_busy "$PORT" || fail "port $PORT is already in use on this host; the test needs it free"

# build DIR [DEB_BUILD_OPTIONS]: dpkg-buildpackage -us -uc -b in DIR; the log in DIR.log.
build() {
	local dir=$1 started=$SECONDS
	(cd "$dir" && DEB_BUILD_OPTIONS=${2-} dpkg-buildpackage -us -uc -b) >"$dir.log" 2>&1 || {
		tail -n 60 "$dir.log"
		echo "--- the failed checks"
		grep -E '^[^ ]+:[0-9]+:[EF]:' "$dir.log" | head -n 40 || true
		fail "dpkg-buildpackage failed in $dir (log above)"
	}
	say "built in $((SECONDS - started)) s: $(cd "$dir/.." && echo hello-server_*.deb)"
}

# ---------------------------------------------------------------------------------------------
say "a clean clone of HEAD; apt-get build-dep ./"
git clone --quiet --no-local "$SRC" "$WORK/v1/hello-server"
apt-get build-dep -y -q "$WORK/v1/hello-server" >"$WORK/build-dep.log" 2>&1 || {
	tail -n 30 "$WORK/build-dep.log"
	fail "apt-get build-dep ./ failed"
}

say "dpkg-buildpackage -us -uc -b (the build runs the test suites)"
build "$WORK/v1/hello-server"
grep -E '^(Ok|Fail|Skipped): ' "$WORK/v1/hello-server.log" | tr -s ' ' | paste -sd ' ' |
	sed 's/^/   meson test: /'
V1=$(dpkg-parsechangelog -l "$WORK/v1/hello-server/debian/changelog" -S Version)
DEB1=$WORK/v1/hello-server_${V1}_$(dpkg --print-architecture).deb
[[ -f $DEB1 ]] || fail "no $DEB1"

say "lintian"
lintian --fail-on error,warning --info --display-level '>=warning' "$WORK/v1"/*.changes ||
	fail "lintian reports errors or warnings (above)"
say "lintian: no error, no warning"

# The upgrade: the same source as a newer version, both where the version is set (meson.build)
# and in the changelog.
V2=$V1+ci1
say "a newer version for the upgrade: $V2"
git clone --quiet --no-local "$SRC" "$WORK/v2/hello-server"
(
	cd "$WORK/v2/hello-server"
	sed -i "0,/^  version: '$V1',$/s//  version: '$V2',/" meson.build
	grep -qx "  version: '$V2'," meson.build || fail "could not set the version in meson.build"
	{
		printf 'hello-server (%s) unstable; urgency=medium\n\n' "$V2"
		printf '  * CI: the source of %s again, to test an upgrade.\n\n' "$V1"
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
		cat debian/changelog
	} >changelog.new
	mv changelog.new debian/changelog
)
build "$WORK/v2/hello-server" nocheck
DEB2=$WORK/v2/hello-server_${V2}_$(dpkg --print-architecture).deb
[[ -f $DEB2 ]] || fail "no $DEB2"

# ---------------------------------------------------------------------------------------------
ROOT=$WORK/root
started=$SECONDS
say "a fresh Debian 12 minbase with systemd"
bash .ci/debian-root.sh "$ROOT" systemd
cp "$DEB1" "$DEB2" "$ROOT/root/"
say "made in $((SECONDS - started)) s"

say "boot it"
boot_container --directory="$ROOT"

# What is on the machine before the package: compared with what is left after the purge.
# Changed by anything that runs (apt's and dpkg's own records, logs, systemd's state), not
# by a package's files: left out.
snapshot() {
	in_ct find /etc /usr /opt /srv /var/lib /var/cache /var/spool -xdev \
		-not -path '/var/lib/dpkg/*' -not -path '/var/lib/apt/*' -not -path '/var/cache/apt/*' \
		-not -path '/var/cache/debconf/*' -not -path '/var/cache/ldconfig/*' \
		-not -path '/var/lib/systemd/*' -not -name ld.so.cache -print | sort
	in_ct cat /etc/passwd /etc/group /etc/shadow /etc/gshadow
	in_ct find /var/lib/systemd -xdev -path '*deb-systemd*' -print
}
snapshot >"$WORK/before"

printf '%s\r\n' "$OLD_TEXT" >"$WORK/old"
printf '%s\r\n' "$NEW_TEXT" >"$WORK/new"

# installed_version: the version dpkg has for hello-server.
installed_version() { in_ct dpkg-query -W -f '${Version}' hello-server; }
# unit_state UNIT: is-active's word (systemctl is-active exits non-zero for all but active).
unit_state() { in_ct systemctl is-active "$1" || true; }
# regex TEXT: TEXT as an extended regular expression that matches only itself.
regex() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

# ---------------------------------------------------------------------------------------------
say "apt-get install ./hello-server_${V1}_*.deb"
in_ct sh -c 'cd /root && apt-get install -y -q "./$1"' install "${DEB1##*/}" >"$WORK/apt.log" 2>&1 || {
	cat "$WORK/apt.log"
	fail "apt-get install failed"
}
[[ $(installed_version) == "$V1" ]] || fail "dpkg has version '$(installed_version)', not $V1"
[[ $(in_ct systemctl is-enabled hello-server.socket) == enabled ]] ||
	fail "hello-server.socket is not enabled"
[[ $(unit_state hello-server.socket) == active ]] || fail "hello-server.socket is not active"
expect_greeting 127.0.0.1 "$PORT" "$WORK/old"
say "port $PORT answered '$OLD_TEXT' as soon as apt-get returned"

say "the hardened service from systemd/"
await_journal "hello-server.service started by the first client" 1 '^Started ' \
	-u hello-server.service
[[ $(in_ct systemctl show -P FragmentPath hello-server) == /lib/systemd/system/hello-server.service ]] ||
	fail "hello-server runs from '$(in_ct systemctl show -P FragmentPath hello-server)'"
in_ct cat /lib/systemd/system/hello-server.service >"$WORK/hello-server.service"
grep -qx 'ExecReload=/usr/sbin/hello-server --reload $MAINPID' "$WORK/hello-server.service" ||
	fail "the installed unit does not reload with hello-server --reload"
check_exposure "$WORK/hello-server.service"
check_hardened_daemon hello-server.service
[[ $(in_ct /usr/sbin/hello-server -V) == "hello-server $V1" ]] ||
	fail "hello-server -V says '$(in_ct /usr/sbin/hello-server -V)', the package is $V1"
in_ct test -x /bin/kill && say "note: this root has /bin/kill" ||
	say "no /bin/kill here (minbase has no procps): the reload must not need it"

say "change the message; systemctl reload; the next client gets it, 20 times"
for ((i = 1; i <= 20; i++)); do
	in_ct sh -c 'printf "%s\n" "$1" >/etc/hello-server/message' edit "Message number $i."
	in_ct systemctl reload hello-server || fail "systemctl reload hello-server failed"
	printf 'Message number %d.\r\n' "$i" >"$WORK/want"
	expect_greeting 127.0.0.1 "$PORT" "$WORK/want"
done

say "an empty message file: systemctl reload fails, the last good message stays"
in_ct sh -c ': >/etc/hello-server/message'
! in_ct systemctl reload hello-server 2>"$WORK/reload.err" ||
	fail "systemctl reload succeeded with an empty message file"
expect_greeting 127.0.0.1 "$PORT" "$WORK/want"
await_journal "the reload's reason in the journal" 1 'kept its old message' -u hello-server.service

say "the administrator's message and options"
in_ct sh -c 'printf "%s\n" "$1" >/etc/hello-server/message' edit "$NEW_TEXT"
in_ct systemctl reload hello-server || fail "systemctl reload hello-server failed"
expect_greeting 127.0.0.1 "$PORT" "$WORK/new"
in_ct sh -c 'printf "%s\n" "$1" >>/etc/default/hello-server' edit "$OPTIONS_LINE"
in_ct cat /etc/default/hello-server >"$WORK/default.changed"

# conffiles_kept: the changed message and options are still there, and served.
conffiles_kept() {
	in_ct cat /etc/hello-server/message | cmp -s - <(printf '%s\n' "$NEW_TEXT") ||
		fail "/etc/hello-server/message lost the administrator's change"
	in_ct cat /etc/default/hello-server | cmp -s - "$WORK/default.changed" ||
		fail "/etc/default/hello-server lost the administrator's change"
	expect_greeting 127.0.0.1 "$PORT" "$WORK/new"
}

say "upgrade to $V2"
in_ct sh -c 'cd /root && apt-get install -y -q "./$1"' install "${DEB2##*/}" >"$WORK/apt.log" 2>&1 || {
	cat "$WORK/apt.log"
	fail "apt-get install (upgrade) failed"
}
[[ $(installed_version) == "$V2" ]] || fail "dpkg has version '$(installed_version)', not $V2"
[[ $(unit_state hello-server.socket) == active ]] ||
	fail "hello-server.socket is not active after the upgrade"
conffiles_kept
await_journal "the $V2 daemon started" 1 "^hello-server $(regex "$V2") started" \
	-u hello-server.service
say "the $V2 daemon serves the administrator's message"

say "apt-get install --reinstall"
in_ct sh -c 'cd /root && apt-get install --reinstall -y -q "./$1"' install "${DEB2##*/}" \
	>"$WORK/apt.log" 2>&1 || {
	cat "$WORK/apt.log"
	fail "apt-get install --reinstall failed"
}
conffiles_kept

in_ct rm "/root/${DEB1##*/}" "/root/${DEB2##*/}"

say "apt-get remove"
in_ct apt-get remove -y -q hello-server >"$WORK/apt.log" 2>&1 || {
	cat "$WORK/apt.log"
	fail "apt-get remove failed"
}
for unit in hello-server.socket hello-server.service; do
	[[ $(unit_state "$unit") == inactive ]] || fail "$unit is '$(unit_state "$unit")' after remove"
done
! port_busy "$PORT" || fail "port $PORT still answers after apt-get remove"
left=$(pgrep --ns "$INIT" --nslist pid -a -x hello-server || true)
[[ -z $left ]] || fail "hello-server processes left after apt-get remove: $left"
[[ $(in_ct dpkg-query -W -f '${db:Status-Abbrev}' hello-server) == 'rc ' ]] ||
	fail "dpkg's state after remove is '$(in_ct dpkg-query -W -f '${db:Status-Abbrev}' hello-server)'"
in_ct cat /etc/hello-server/message | cmp -s - <(printf '%s\n' "$NEW_TEXT") ||
	fail "apt-get remove did not keep the configuration"
say "socket and service stopped, nothing listens on $PORT, the configuration kept"

say "apt-get purge"
in_ct apt-get purge -y -q hello-server >"$WORK/apt.log" 2>&1 || {
	cat "$WORK/apt.log"
	fail "apt-get purge failed"
}
! in_ct dpkg -L hello-server >/dev/null 2>&1 || fail "dpkg -L still lists hello-server after purge"
for path in /etc/hello-server /etc/default/hello-server; do
	! in_ct test -e "$path" || fail "$path is left after purge"
done
left=$(in_ct find / -xdev -name '*hello-server*' -not -path '/proc/*' -not -path '/sys/*' -print)
[[ -z $left ]] || fail "left after purge: $left"
[[ $(in_ct systemctl list-unit-files --no-legend 'hello-server*' | wc -l) -eq 0 ]] ||
	fail "systemd still knows unit files: $(in_ct systemctl list-unit-files 'hello-server*')"
snapshot >"$WORK/after"
diff "$WORK/before" "$WORK/after" || fail "the purge left the machine different (above: < before, > after)"
say "nothing left: files, conffiles, units, enablement links, users and groups as before"

stop_container
say "PASS ($SECONDS s)"
