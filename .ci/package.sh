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
#      `apt-get remove` stops socket and service; `apt-get purge` leaves nothing behind;
#      two instances of the templates (hello-server@PORT.socket) beside the main socket, each
#      with its own message, independent of each other and of the main one through stops,
#      reloads, the upgrade and the removal, and no link of theirs left after the purge;
#   4. in the same booted container, the package's autopkgtests (debian/tests) on the .deb,
#      every one of them PASS.
#
# usage: .ci/package.sh
# Needs ports 17, 1717 and 1718 free on the host. Packages: dpkg-dev debhelper lintian
# debootstrap systemd-container util-linux procps git (the container gets autopkgtest from
# Debian's mirror, after the purge, so that what comes before runs in minbase + systemd).
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
# The template's instances: INST_UNIT[i] serves INST_HOST[i] port INST_PORT[i]. The second is
# named by an address and a port, escaped (::1 where the host has it, as the main socket's
# IPv6 test; the container shares the host's network).
INST_PORT=(1717 1718)
if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	INST_HOST=(127.0.0.1 ::1)
	INST_ADDR=("${INST_PORT[0]}" "[::1]:${INST_PORT[1]}")
else
	INST_HOST=(127.0.0.1 127.0.0.1)
	INST_ADDR=("${INST_PORT[0]}" "127.0.0.1:${INST_PORT[1]}")
fi
INST_UNIT=("hello-server@${INST_ADDR[0]}" "hello-server@$(systemd-escape "${INST_ADDR[1]}")")
readonly INST_PORT INST_HOST INST_ADDR INST_UNIT

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hello-package.XXXXXX")
AWAIT_DIR=$WORK
# The build's tests run the daemon as nobody too: it must reach the build tree.
chmod 0755 "$WORK"
# shellcheck source=tests/system/container.sh
source tests/system/container.sh

cleanup() {
	local rc=$?
	if ((rc != 0)) && [[ -n $INIT ]] && kill -0 "$INIT" 2>/dev/null; then
		echo "--- systemctl status and journal of the instances (container)"
		timeout 20 nsenter -t "$INIT" -a systemctl status --no-pager -l 'hello-server@*' || true
		timeout 20 nsenter -t "$INIT" -a journalctl --no-pager -n 40 -u 'hello-server@*' || true
	fi
	container_cleanup "$rc"
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

[[ $(id -u) -eq 0 ]] || fail "needs root (apt-get build-dep, debootstrap, a container)"
for cmd in git apt-get dpkg-buildpackage lintian debootstrap systemd-nspawn systemd-analyze \
	systemd-socket-activate systemd-escape nsenter pidwait pgrep timeout setpriv; do
	command -v "$cmd" >/dev/null ||
		fail "no $cmd (packages dpkg-dev lintian debootstrap systemd-container util-linux procps git)"
done
for p in "$PORT" "${INST_PORT[@]}"; do
	! port_busy "$p" || fail "port $p is already in use on this host; the test needs it free"
done

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

# ---------------------------------------------------------------------------------------------
say "two instances of the templates beside the main socket: ${INST_UNIT[*]}"
# set_instance_message I TEXT: instance I's own message file holds TEXT; $WORK/instanceI, as
# it is sent.
set_instance_message() {
	in_ct sh -c 'printf "%s\n" "$2" >"/etc/hello-server/instance-$1.message"' edit \
		"${INST_PORT[$1]}" "$2"
	printf '%s\r\n' "$2" >"$WORK/instance$1"
}
# expect_all MAIN: the main socket sends the text of file MAIN, each instance its own.
expect_all() {
	local i
	expect_greeting 127.0.0.1 "$PORT" "$1"
	for i in 0 1; do
		expect_greeting "${INST_HOST[i]}" "${INST_PORT[i]}" "$WORK/instance$i"
	done
}
# listens_as_named I: instance I's socket listens where its name says (a port alone: every
# address, IPv6 where the kernel has it).
listens_as_named() {
	local got want=${INST_ADDR[$1]}
	got=$(in_ct systemctl show -P Listen "${INST_UNIT[$1]}.socket")
	case $want in
	*:*) [[ $got == "$want (Stream)" ]] ;;
	*) [[ $got == "[::]:$want (Stream)" || $got == "0.0.0.0:$want (Stream)" ]] ;;
	esac || fail "${INST_UNIT[$1]}.socket listens on '$got', its name says $want"
}
# unit_pid UNIT: systemd's MainPID of UNIT (0 when it is not running).
unit_pid() { in_ct systemctl show -P MainPID "$1"; }
# same_pids UNIT...: each UNIT still runs the daemon it ran at the last pids_of.
declare -A PIDS
pids_of() {
	local unit
	for unit; do PIDS[$unit]=$(unit_pid "$unit"); done
}
same_pids() {
	local unit
	for unit; do
		[[ ${PIDS[$unit]} != 0 && $(unit_pid "$unit") == "${PIDS[$unit]}" ]] ||
			fail "$unit was restarted or stopped (pid ${PIDS[$unit]}, now $(unit_pid "$unit"))"
	done
}
# inst_options I: where instance I's options are set. The first's come from its options
# file, named by the instance; the second's, on an address in brackets, from a drop-in: systemd
# reads an EnvironmentFile= name as a glob pattern, and brackets are special there.
inst_options() {
	if (($1 == 0)); then
		echo "/etc/default/hello-server@${INST_ADDR[$1]}"
	else
		echo "/etc/systemd/system/${INST_UNIT[$1]}.service.d/options.conf"
	fi
}
for i in 0 1; do
	set_instance_message "$i" "Instance ${INST_ADDR[i]} greets you."
	options="--message-file /etc/hello-server/instance-${INST_PORT[i]}.message --max-per-source 4"
	if ((i == 0)); then
		line="HELLO_SERVER_OPTIONS=\"$options\""
	else
		line=$(printf '[Service]\nEnvironment="HELLO_SERVER_OPTIONS=%s"' "$options")
	fi
	in_ct sh -c 'mkdir -p "${1%/*}" && printf "%s\n" "$2" >"$1"' edit "$(inst_options "$i")" "$line"
done
in_ct systemctl daemon-reload
! in_ct systemctl is-enabled --quiet "${INST_UNIT[0]}.socket" ||
	fail "${INST_UNIT[0]}.socket is enabled before anyone enabled it"
in_ct systemctl enable --quiet --now "${INST_UNIT[0]}.socket" "${INST_UNIT[1]}.socket" ||
	fail "systemctl enable --now ${INST_UNIT[*]/%/.socket} failed"
for i in 0 1; do
	in_ct test -L "/etc/systemd/system/sockets.target.wants/${INST_UNIT[i]}.socket" ||
		fail "no enablement link for ${INST_UNIT[i]}.socket"
	listens_as_named "$i"
done
expect_all "$WORK/new"
say "each instance greets with its own message, the main socket with its own"

in_ct cat /lib/systemd/system/hello-server@.service >"$WORK/hello-server@.service"
check_exposure "$WORK/hello-server@.service" "$WORK/hello-server.service"
check_hardened_daemon "${INST_UNIT[0]}.service"

say "reload one instance: it serves its new message; the main one and the other keep theirs"
pids_of hello-server.service "${INST_UNIT[@]/%/.service}"
set_instance_message 0 "Instance ${INST_ADDR[0]}, reloaded."
in_ct systemctl reload "${INST_UNIT[0]}" || fail "systemctl reload ${INST_UNIT[0]} failed"
expect_all "$WORK/new"
same_pids hello-server.service "${INST_UNIT[@]/%/.service}"
in_ct systemctl reload hello-server || fail "systemctl reload hello-server failed"
expect_all "$WORK/new"
same_pids hello-server.service "${INST_UNIT[@]/%/.service}"

say "stop each one in turn: the others serve on"
for unit in "${INST_UNIT[@]}" hello-server; do
	in_ct systemctl stop "$unit.socket" "$unit.service" || fail "systemctl stop $unit failed"
	for i in 0 1; do
		if [[ ${INST_UNIT[i]} == "$unit" ]]; then
			! port_busy "${INST_PORT[i]}" || fail "port ${INST_PORT[i]} answers after $unit stopped"
		else
			expect_greeting "${INST_HOST[i]}" "${INST_PORT[i]}" "$WORK/instance$i"
		fi
	done
	if [[ $unit == hello-server ]]; then
		! port_busy "$PORT" || fail "port $PORT answers after hello-server stopped"
	else
		expect_greeting 127.0.0.1 "$PORT" "$WORK/new"
	fi
	others=()
	for u in "${INST_UNIT[@]}" hello-server; do
		[[ $u == "$unit" ]] || others+=("$u.service")
	done
	same_pids "${others[@]}"
	in_ct systemctl start "$unit.socket" || fail "systemctl start $unit.socket failed"
	expect_all "$WORK/new"
	pids_of hello-server.service "${INST_UNIT[@]/%/.service}"
done
say "stops and reloads of one left the others serving, with the same daemons"

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
# The running instances were restarted with the new program (debian/hello-server.postinst).
for unit in "${INST_UNIT[@]}"; do
	await_journal "the $V2 daemon started in $unit" 1 "^hello-server $(regex "$V2") started" \
		-u "$unit.service"
done
expect_all "$WORK/new"
say "the instances run $V2 and serve their own messages"

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
for i in 0 1; do
	unit=${INST_UNIT[i]}
	for u in "$unit.socket" "$unit.service"; do
		[[ $(unit_state "$u") == inactive ]] || fail "$u is '$(unit_state "$u")' after remove"
	done
	! port_busy "${INST_PORT[i]}" || fail "port ${INST_PORT[i]} still answers after apt-get remove"
	# Still enabled: a reinstall would bring the instance back; the purge removes the link.
	in_ct test -L "/etc/systemd/system/sockets.target.wants/$unit.socket" ||
		fail "apt-get remove removed the enablement link of $unit.socket"
	# The instance's own files are the administrator's, not the package's: theirs to remove.
	in_ct rm "$(inst_options "$i")" "/etc/hello-server/instance-${INST_PORT[i]}.message"
done
in_ct rmdir "/etc/systemd/system/${INST_UNIT[1]}.service.d"
say "the instances stopped too, their links still there"

say "apt-get purge"
in_ct apt-get purge -y -q hello-server >"$WORK/apt.log" 2>&1 || {
	cat "$WORK/apt.log"
	fail "apt-get purge failed"
}
left=$(in_ct find /etc/systemd -name 'hello-server@*' -print)
[[ -z $left ]] || fail "links of instances left after purge: $left"
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

# ---------------------------------------------------------------------------------------------
# The package's own tests, debian/tests, run by Debian 12's autopkgtest on the .deb, in the
# booted container: the null virt server runs them on the machine autopkgtest itself runs on,
# and that is the container, whose systemd is the init they need. null cannot know that it is
# in a container of its own, so --ignore-restrictions=isolation-container says it for it; the
# qemu, lxc and podman servers would need a VM or a container manager this machine lacks, and
# unshare gives no init. The tests come from the tree that was built, debian/tests and the
# changelog only: autopkgtest then takes it as a built tree and needs no dpkg-source (dpkg-dev)
# in the container to unpack a source package; the test dependencies name the package itself.
say "autopkgtest ${DEB1##*/} -- null, in the booted container"
mkdir "$ROOT/root/source"
git -C "$WORK/v1/hello-server" archive HEAD debian/tests debian/changelog |
	tar -x -C "$ROOT/root/source"
cp "$DEB1" "$ROOT/root/"
# Installed only now: the package was tested above in minbase with systemd alone (no procps,
# for instance, which autopkgtest needs).
in_ct sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends autopkgtest' \
	>"$WORK/apt.log" 2>&1 || {
	cat "$WORK/apt.log"
	fail "apt-get install autopkgtest failed in the container"
}
rc=0
in_ct autopkgtest --summary-file=/root/autopkgtest.summary \
	--ignore-restrictions=isolation-container \
	"/root/${DEB1##*/}" /root/source -- null >"$WORK/autopkgtest.log" 2>&1 || rc=$?
want=$(sed -n 's/^Tests: //p' "$ROOT/root/source/debian/tests/control" | tr -s ', ' '\n\n' | sort)
got=$(awk '$2 == "PASS" { print $1 }' "$ROOT/root/autopkgtest.summary" 2>/dev/null | sort)
if ((rc != 0)) || [[ $got != "$want" ]]; then
	tail -n 80 "$WORK/autopkgtest.log"
	echo "--- summary"
	cat "$ROOT/root/autopkgtest.summary" 2>/dev/null || true
	fail "autopkgtest exited with $rc; not every test passed (a SKIP fails too)"
fi
sed 's/^/   /' "$ROOT/root/autopkgtest.summary"
say "autopkgtest: $(wc -l <<<"$got") tests, every one PASS"

stop_container
say "PASS ($SECONDS s)"
