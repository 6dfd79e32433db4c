#!/bin/bash
# The real-systemd test: boot systemd in a container (systemd-nspawn), install
# hello-server from a staged `meson install` of this build and use it as an
# administrator would. The host shares the container's network, so clients run
# on the host against 127.0.0.1 and ::1.
#
# usage: system-test.sh MESON BUILD_ROOT SBINDIR SYSCONFDIR UNITDIR
#        system-test.sh --security UNIT_FILE [REFERENCE_UNIT_FILE]
# Exit 0 pass, 1 fail, 77 skip (not root, no systemd-nspawn/nsenter).

set -euo pipefail
# Nothing here reads a terminal: with one as stdin, systemctl would start its
# password agent and a command in a background process group (timeout) stop.
exec </dev/null
export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0

readonly MAX_EXPOSURE=1.0
readonly PORT=17
readonly ALT_PORT=2317          # the port the drop-in of the second boot moves to
readonly OLD_TEXT='Hello World!'
readonly NEW_TEXT='Greetings from a reloaded hello-server.'
readonly STREAMS=3              # concurrent client loops across the reload
readonly STREAM_MIN=25          # clients each loop completes before and after it

# shellcheck source=tests/system/container.sh
source "$(dirname "${BASH_SOURCE[0]}")/container.sh"

if [[ ${1-} == --security ]]; then
	[[ $# -eq 2 || $# -eq 3 ]] || fail "usage: $0 --security UNIT_FILE [REFERENCE_UNIT_FILE]"
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze (package systemd)"
	# It creates /run/systemd where that is missing: on a machine systemd never ran (a
	# container), only root may.
	[[ -d /run/systemd || -w /run ]] ||
		skip "systemd-analyze needs /run/systemd, missing where systemd never ran; only root may create it"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/hello-security.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	check_exposure "${@:2}"
	exit 0
fi

[[ $# -eq 5 ]] || fail "usage: $0 MESON BUILD_ROOT SBINDIR SYSCONFDIR UNITDIR"
MESON=$1 BUILD=$2 SBINDIR=$3 SYSCONFDIR=$4 UNITDIR=$5
MESSAGE_FILE=$SYSCONFDIR/hello-server/message

[[ $(id -u) -eq 0 ]] || skip "needs root to boot a container"
for cmd in systemd-nspawn nsenter systemd-analyze systemd-socket-activate systemd-detect-virt \
	timeout tail pidwait setpriv; do
	command -v "$cmd" >/dev/null || skip "no $cmd (package systemd-container / systemd / util-linux / procps)"
done
# Inside a container (CI's newcomer run is one), a container of our own may be impossible: no
# cgroup to delegate, /proc or /sys read-only. Try the smallest one; if even that fails, this
# machine cannot run the test, which is a skip. On a host, a failure stays a failure.
if virt=$(systemd-detect-virt --container 2>/dev/null); then
	probe=$(timeout "$STALL_SECS" systemd-nspawn --quiet --keep-unit --register=no --directory=/ \
		--volatile=yes --console=pipe true </dev/null 2>&1) ||
		skip "this runs in a container ($virt) where systemd-nspawn cannot start another:" \
			"$(tail -n 1 <<<"$probe")"
fi
[[ -d /run/systemd/system ]] && [[ $(readlink /proc/1/exe) == */systemd ]] &&
	say "note: the host runs systemd too; the container is independent of it"

for p in "$PORT" "$ALT_PORT"; do
	! port_busy "$p" || fail "port $p is already in use on this host; the test needs it free"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hello-system.XXXXXX")
AWAIT_DIR=$WORK
STAGE=$WORK/stage
STREAM_PIDS=()

cleanup() {
	local rc=$?
	local pid
	for pid in "${STREAM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	container_cleanup "$rc"
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- Install, as `meson install` would, into a staging directory.
say "meson install --destdir $STAGE"
"$MESON" install -C "$BUILD" --destdir "$STAGE" --no-rebuild --quiet ||
	fail "meson install failed"
for f in "$SBINDIR/hello-server" "$UNITDIR/hello-server.service" \
	"$UNITDIR/hello-server.socket" "$UNITDIR/hello-server@.service" \
	"$UNITDIR/hello-server@.socket" "$MESSAGE_FILE"; do
	[[ -f $STAGE$f ]] || fail "meson install did not install $f"
done
[[ -x $STAGE$SBINDIR/hello-server ]] || fail "$SBINDIR/hello-server is not executable"
cmp -s "$STAGE$MESSAGE_FILE" <(printf '%s\n' "$OLD_TEXT") ||
	fail "the installed $MESSAGE_FILE is not '$OLD_TEXT'"
grep -qx "ExecStart=$SBINDIR/hello-server --message-file $MESSAGE_FILE \$HELLO_SERVER_OPTIONS" \
	"$STAGE$UNITDIR/hello-server.service" ||
	fail "the installed service does not run $SBINDIR/hello-server --message-file $MESSAGE_FILE"

# --- The hardening score of the installed service.
check_exposure "$STAGE$UNITDIR/hello-server.service"

# --- How the staged tree reaches the container. With --volatile=yes its root is
# a tmpfs and /usr is the host's, read-only: the staged /usr goes on top of it
# as an overlay, the staged /etc becomes the container's /etc (so it survives a
# reboot, like a real machine's), anything else is bound in as it is.
for top in bin sbin lib lib32 lib64 libx32; do
	# merged /usr: /lib/systemd/system is /usr/lib/systemd/system
	if [[ -d $STAGE/$top && -L /$top ]]; then
		mkdir -p "$STAGE/usr/$top"
		cp -a "$STAGE/$top/." "$STAGE/usr/$top/"
		rm -rf "${STAGE:?}/$top"
	fi
done
mkdir -p "$STAGE/etc"
MOUNTS=(--bind="$STAGE/etc:/etc")
for dir in "$STAGE"/*; do
	top=${dir##*/}
	case $top in
	etc) ;;
	usr) MOUNTS+=(--overlay="/usr:$STAGE/usr:/usr") ;;
	*) MOUNTS+=(--bind="$STAGE/$top:/$top") ;;
	esac
done

printf '%s\r\n' "$OLD_TEXT" >"$WORK/old"
printf '%s\r\n' "$NEW_TEXT" >"$WORK/new"

say "first boot"
boot_container --directory=/ --volatile=yes "${MOUNTS[@]}"

say "systemctl daemon-reload; systemctl start hello-server"
in_ct systemctl daemon-reload
in_ct systemd-analyze verify --man=no hello-server.socket hello-server.service ||
	fail "systemd-analyze verify complains about the installed units"
in_ct systemctl start hello-server || fail "systemctl start hello-server failed"
[[ $(in_ct systemctl is-active hello-server.socket hello-server.service | tr '\n' ' ') == 'active active ' ]] ||
	fail "hello-server.socket and hello-server.service are not both active"

say "the greeting on port $PORT, IPv4 and IPv6"
expect_greeting 127.0.0.1 "$PORT" "$WORK/old"
if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	expect_greeting ::1 "$PORT" "$WORK/old"
else
	say "no ::1 on this host; IPv6 not checked"
fi

say "the hardened unit is the one running"
frag=$(in_ct systemctl show -P FragmentPath hello-server)
# (with a merged /usr, /lib/systemd/system is /usr/lib/systemd/system)
[[ -n $frag && $(in_ct realpath "$frag") == "$(in_ct realpath "$UNITDIR/hello-server.service")" ]] ||
	fail "hello-server runs from '$frag', not $UNITDIR/hello-server.service"
dropins=$(in_ct systemctl show -P DropInPaths hello-server)
[[ -z $dropins ]] || fail "unexpected drop-ins: $dropins"
check_hardened_daemon hello-server.service

say "systemctl status shows the counters"
served_status() { in_ct systemctl show -P StatusText hello-server | grep -E '[1-9][0-9]* served' >/dev/null; }
# The one wait with no event to block on: the daemon sends STATUS= on a timer of its own (at
# most once a second), and systemd tells a change of StatusText only to D-Bus subscribers,
# through a bus broker the container need not have (CI installs none). So it asks about every
# 0.1 s, and between asks blocks on the daemon's exit (pidwait, woken by it), which fails the
# wait at once. One event with no progress to see: one bound, STALL_SECS.
daemon_pid=$(host_pid "$main_pid") || fail "no host pid for the daemon's pid $main_pid"
printf '%s\n' "$daemon_pid" >"$WORK/daemon.pid"
for ((since = SECONDS; ; )); do
	served_status && break
	((SECONDS - since < STALL_SECS)) ||
		fail "gave up waiting ($STALL_SECS s) for: a STATUS= with served connections"
	st=0
	timeout 0.1 pidwait -F "$WORK/daemon.pid" || st=$?
	((st == 124)) || fail "the daemon exited while waiting for a STATUS= with served connections"
done
status=$(in_ct systemctl status --no-pager hello-server) || true
grep -E '^ *Status: ".*served' <<<"$status" ||
	fail "systemctl status shows no counters:
$status"

say "the journal has the connection lines"
# Every connection's line must be filed under the unit: children write them to the service's
# journal stream, so none may go missing (a /dev/log datagram from a child that has exited is
# not tied to the unit).
connection_lines() {
	in_ct journalctl --no-pager -o cat -u hello-server | grep -cE '^127\.0\.0\.1 port [0-9]+: sent ' || true
}
lines_before=$(connection_lines)
for _ in $(seq 1 20); do
	greet 127.0.0.1 "$PORT" "$WORK/got" || fail "a client got no greeting"
done
await_journal "20 connection lines in journalctl -u hello-server" $((lines_before + 20)) \
	'^127\.0\.0\.1 port [0-9]+: sent ' -u hello-server
in_ct journalctl --no-pager -o cat -u hello-server | grep -E '^127\.0\.0\.1 port [0-9]+:' | tail -n 1

say "edit the message and reload while $STREAMS client loops run"
# stream N: clients one after another until $WORK/stop appears; one line each.
stream() {
	local out=$WORK/stream$1.got n=0
	while [[ ! -e $WORK/stop ]] && ((n++ < 100000)); do
		if ! greet 127.0.0.1 "$PORT" "$out"; then
			echo "failed"
		elif cmp -s "$out" "$WORK/old"; then
			echo "old"
		elif cmp -s "$out" "$WORK/new"; then
			echo "new"
		else
			echo "wrong: $(od -An -c "$out" | tr -s ' \n' ' ')"
		fi
	done >"$WORK/stream$1.log"
}
# await_streams DESCRIPTION N: blocks until every loop has reported at least N clients,
# following each loop's log as it grows; fails when a loop reports no client for STALL_SECS.
await_streams() {
	local what=$1 want=$2 s
	for ((s = 0; s < STREAMS; s++)); do
		(($(await_output "$STALL_SECS" "$want" '' tail -n +1 -f "$WORK/stream$s.log") >= want)) ||
			fail "client loop $s reported no client for $STALL_SECS s while waiting for: $what"
	done
}
for ((s = 0; s < STREAMS; s++)); do
	: >"$WORK/stream$s.log"
	stream "$s" &
	STREAM_PIDS+=($!)
done
await_streams "$STREAM_MIN clients in each loop" "$STREAM_MIN"
in_ct bash -c 'printf "%s\n" "$1" >"$2"' edit "$NEW_TEXT" "$MESSAGE_FILE"
in_ct systemctl reload hello-server || fail "systemctl reload hello-server failed"
expect_greeting 127.0.0.1 "$PORT" "$WORK/new"
# a few more reloads (same text) while the loops keep connecting
for ((r = 0; r < 4; r++)); do
	in_ct systemctl reload hello-server || fail "systemctl reload hello-server failed"
done
before=0
for ((s = 0; s < STREAMS; s++)); do
	n=$(wc -l <"$WORK/stream$s.log")
	((n > before)) && before=$n
done
await_streams "$STREAM_MIN more clients in each loop after the reload" $((before + STREAM_MIN))
touch "$WORK/stop"
for pid in "${STREAM_PIDS[@]}"; do
	# A loop stops after its current client, bounded as greet bounds it.
	wait_gone "$pid" "$STALL_SECS" || fail "a client loop did not stop"
	wait "$pid" || true
done
STREAM_PIDS=()
total=0
for ((s = 0; s < STREAMS; s++)); do
	log=$WORK/stream$s.log
	total=$((total + $(wc -l <"$log")))
	! grep -Ev '^(old|new)$' "$log" | sort | uniq -c | grep . ||
		fail "client loop $s: some clients did not get a greeting (above)"
	# once a loop has seen the new text it never sees the old one again
	awk '$0 == "new" { seen = 1 } seen && $0 == "old" { bad = 1 } END { exit bad }' "$log" ||
		fail "client loop $s got the old text after the new one"
	grep -qx new "$log" || fail "client loop $s never got the new text"
done
say "$total clients across the reload, none failed"
[[ $(in_ct systemctl show -P MainPID hello-server) == "$main_pid" ]] ||
	fail "the reload restarted the daemon"

say "systemctl stop hello-server with a client still connected"
exec 4<>"/dev/tcp/127.0.0.1/$PORT"
IFS= read -r -t "$STALL_SECS" line <&4 || fail "the held client got no greeting"
[[ $line == "$NEW_TEXT"$'\r' ]] || fail "the held client got '$line'"
timeout "$STALL_SECS" nsenter -t "$INIT" -a systemctl stop hello-server || fail "systemctl stop hello-server failed or hung"
exec 4<&-
[[ $(in_ct systemctl is-active hello-server || true) == inactive ]] ||
	fail "hello-server is not inactive after stop"
leftover=$(in_ct pgrep -a -f 'hello-server' || true)
[[ -z $leftover ]] || fail "processes left after systemctl stop: $leftover"
say "no hello-server process left; $(in_ct systemctl show -P Result hello-server)"

say "socket activation: a client starts the service through the socket"
[[ $(in_ct systemctl is-active hello-server.socket) == active ]] ||
	fail "hello-server.socket did not stay active"
# systemd logs "Started hello-server.service" when the start job is done (READY=1): one more
# such line than before the connection.
started_before=$(in_ct journalctl --no-pager -o cat -u hello-server.service | grep -c '^Started ' || true)
expect_greeting 127.0.0.1 "$PORT" "$WORK/new"
await_journal "hello-server started by a connection to the socket" $((started_before + 1)) \
	'^Started ' -u hello-server.service
[[ $(in_ct systemctl is-active hello-server || true) == active ]] ||
	fail "hello-server is not active after a connection to the socket"

say "systemctl enable hello-server; a port drop-in and $SYSCONFDIR/default/hello-server"
in_ct systemctl enable hello-server
for link in /etc/systemd/system/multi-user.target.wants/hello-server.service \
	/etc/systemd/system/sockets.target.wants/hello-server.socket; do
	in_ct test -L "$link" || fail "systemctl enable did not create $link"
done
mkdir -p "$STAGE/etc/systemd/system/hello-server.socket.d" "$STAGE$SYSCONFDIR/default"
printf '[Socket]\nListenStream=\nListenStream=%s\n' "$ALT_PORT" \
	>"$STAGE/etc/systemd/system/hello-server.socket.d/port.conf"
# The held client below must still be connected when the second one tries, however long that
# takes: its connection may last --timeout seconds, as long as any wait here.
printf 'HELLO_SERVER_OPTIONS="--max-per-source 1 --timeout %d"\n' "$STALL_SECS" \
	>"$STAGE$SYSCONFDIR/default/hello-server"
stop_container

say "second boot: enabled units start by themselves"
boot_container --directory=/ --volatile=yes "${MOUNTS[@]}"
await_journal "hello-server.service started at boot" 1 '^Started ' -b -u hello-server.service
[[ $(in_ct systemctl is-active hello-server.service || true) == active ]] ||
	fail "hello-server.service is not active after boot"
[[ $(in_ct systemctl is-active hello-server.socket) == active ]] ||
	fail "hello-server.socket is not active after boot"
expect_greeting 127.0.0.1 "$ALT_PORT" "$WORK/new"
! port_busy "$PORT" || fail "port $PORT still served after the drop-in moved it to $ALT_PORT"
# --max-per-source 1 from SYSCONFDIR/default/hello-server: while one client is
# connected, a second one from the same address is refused without a greeting.
exec 4<>"/dev/tcp/127.0.0.1/$ALT_PORT"
IFS= read -r -t "$STALL_SECS" line <&4 || fail "the held client got no greeting"
greet 127.0.0.1 "$ALT_PORT" "$WORK/got" || true
[[ ! -s $WORK/got ]] ||
	fail "a second client was greeted: HELLO_SERVER_OPTIONS (--max-per-source 1) did not reach the daemon"
exec 4<&-
await_journal "a --max-per-source refusal in the journal" 1 \
	'^refused 127\.0\.0\.1 port [0-9]+: .*--max-per-source' -u hello-server
say "port $ALT_PORT from the drop-in, --max-per-source 1 from $SYSCONFDIR/default/hello-server"

# --quotes under the unit's sandbox: ProtectSystem=strict leaves /usr/share readable. The
# container's /usr is the host's, so the host's fortune files are there (package fortunes-min).
if [[ -r /usr/share/games/fortunes/fortunes ]]; then
	printf 'HELLO_SERVER_OPTIONS="--timeout 5 --quotes /usr/share/games/fortunes"\n' \
		>"$STAGE$SYSCONFDIR/default/hello-server"
	in_ct systemctl restart hello-server || fail "systemctl restart hello-server failed"
	greet 127.0.0.1 "$ALT_PORT" "$WORK/got" || fail "no greeting with --quotes"
	head -n 1 "$WORK/got" | cmp -s - "$WORK/new" ||
		fail "with --quotes the greeting does not start with the message: $(head -n 1 "$WORK/got")"
	(($(wc -l <"$WORK/got") >= 2)) && [[ $(tail -c 2 "$WORK/got" | od -An -c | tr -d ' ') == '\r\n' ]] ||
		fail "with --quotes no quote followed the message: $(od -An -c "$WORK/got" | head -n 5)"
	await_journal "the quotes read in the sandbox" 1 \
		"^quotes '/usr/share/games/fortunes': [0-9]+ quotes from [0-9]+ files" -u hello-server
	say "--quotes /usr/share/games/fortunes served under ProtectSystem=strict"
else
	say "SKIP --quotes: no /usr/share/games/fortunes (install the Debian package fortunes-min)"
fi

timeout "$STALL_SECS" nsenter -t "$INIT" -a systemctl stop hello-server.socket hello-server.service ||
	fail "systemctl stop hello-server.socket hello-server failed"
leftover=$(in_ct pgrep -a -f 'hello-server' || true)
[[ -z $leftover ]] || fail "processes left after systemctl stop: $leftover"
stop_container
say "PASS"
