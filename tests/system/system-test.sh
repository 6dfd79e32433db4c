#!/bin/bash
# The real-systemd test: boot systemd in a container (systemd-nspawn), install
# hello-server from a staged `meson install` of this build and use it as an
# administrator would. The host shares the container's network, so clients run
# on the host against 127.0.0.1 and ::1.
#
# usage: system-test.sh MESON BUILD_ROOT SBINDIR SYSCONFDIR UNITDIR
#        system-test.sh --security UNIT_FILE
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

say() { printf '== [%3ds] %s\n' "$SECONDS" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

# check_exposure UNIT_FILE: systemd-analyze's offline score must be <= MAX_EXPOSURE.
check_exposure() {
	local out score
	out=$(systemd-analyze security --offline=true --no-pager "$1" 2>&1) ||
		fail "systemd-analyze security --offline=true $1 failed: $out"
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	[[ -n $score ]] || fail "no exposure level in: $out"
	awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
		fail "$(basename "$1"): exposure $score is above $MAX_EXPOSURE:
$(awk '$NF ~ /^[0-9.]+$/ && $NF > 0' <<<"$out")"
	say "$(basename "$1"): exposure $score (limit $MAX_EXPOSURE)"
}

if [[ ${1-} == --security ]]; then
	[[ $# -eq 2 ]] || fail "usage: $0 --security UNIT_FILE"
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	check_exposure "$2"
	exit 0
fi

[[ $# -eq 5 ]] || fail "usage: $0 MESON BUILD_ROOT SBINDIR SYSCONFDIR UNITDIR"
MESON=$1 BUILD=$2 SBINDIR=$3 SYSCONFDIR=$4 UNITDIR=$5
MESSAGE_FILE=$SYSCONFDIR/hello-server/message

[[ $(id -u) -eq 0 ]] || skip "needs root to boot a container"
for cmd in systemd-nspawn nsenter systemd-analyze timeout tail; do
	command -v "$cmd" >/dev/null || skip "no $cmd (package systemd-container / util-linux)"
done
[[ -d /run/systemd/system ]] && [[ $(readlink /proc/1/exe) == */systemd ]] &&
	say "note: the host runs systemd too; the container is independent of it"

# A port is busy on the host if anything accepts on it (IPv4 or IPv6 loopback).
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null ||
		(exec 3<>"/dev/tcp/::1/$1") 2>/dev/null
}
for p in "$PORT" "$ALT_PORT"; do
	! port_busy "$p" || fail "port $p is already in use on this host; the test needs it free"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hello-system.XXXXXX")
STAGE=$WORK/stage
NSPAWN='' INIT='' STREAM_PIDS=()

in_ct() { nsenter -t "$INIT" -a "$@"; }

# Power the container off (politely, then less so) and reap systemd-nspawn.
stop_container() {
	[[ -n $NSPAWN ]] || return 0
	if kill -0 "$NSPAWN" 2>/dev/null; then
		if [[ -n $INIT ]] && kill -0 "$INIT" 2>/dev/null; then
			timeout 30 nsenter -t "$INIT" -a systemctl poweroff --no-block >/dev/null 2>&1 || true
		fi
		timeout 90 tail --pid="$NSPAWN" -s 0.2 -f /dev/null || true
	fi
	if kill -0 "$NSPAWN" 2>/dev/null; then
		echo "container did not power off; sending SIGTERM to systemd-nspawn" >&2
		kill -TERM "$NSPAWN" 2>/dev/null || true
		timeout 30 tail --pid="$NSPAWN" -s 0.2 -f /dev/null || kill -KILL "$NSPAWN" 2>/dev/null || true
	fi
	wait "$NSPAWN" 2>/dev/null || true
	NSPAWN='' INIT=''
}

cleanup() {
	local rc=$?
	local pid
	for pid in "${STREAM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	if ((rc != 0 && rc != 77)) && [[ -n $INIT ]] && kill -0 "$INIT" 2>/dev/null; then
		echo "--- systemctl status hello-server.socket hello-server (container)"
		timeout 20 nsenter -t "$INIT" -a systemctl status --no-pager -l hello-server.socket hello-server || true
		echo "--- journal of hello-server (container)"
		timeout 20 nsenter -t "$INIT" -a journalctl --no-pager -n 60 -u hello-server.socket -u hello-server || true
	fi
	stop_container
	if ((rc != 0 && rc != 77)) && [[ -s $WORK/console.log ]]; then
		echo "--- container console (last 40 lines)"
		tail -n 40 "$WORK/console.log"
	fi
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
	"$UNITDIR/hello-server.socket" "$MESSAGE_FILE"; do
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

# Boot the container and wait until systemd has finished starting up.
boot_container() {
	local i=0 state
	systemd-nspawn --quiet --keep-unit --register=no --machine="hello-test-$$" \
		--directory=/ --volatile=yes --console=pipe "${MOUNTS[@]}" \
		-b systemd.firstboot=off </dev/null >>"$WORK/console.log" 2>&1 &
	NSPAWN=$!
	# The container's init is systemd-nspawn's child named systemd.
	until INIT=$(pgrep -P "$NSPAWN" -x systemd); do
		kill -0 "$NSPAWN" 2>/dev/null || { NSPAWN=''; fail "systemd-nspawn exited at once"; }
		((++i < 600)) || fail "no systemd in the container after 60 s"
		sleep 0.1
	done
	i=0
	until [[ -S /proc/$INIT/root/run/systemd/private ]]; do
		((++i < 600)) || fail "systemd in the container did not open its bus in 60 s"
		sleep 0.1
	done
	state=$(timeout 180 nsenter -t "$INIT" -a systemctl is-system-running --wait) || true
	case $state in
	running | degraded) say "container booted ($state), init pid $INIT" ;;
	*) fail "the container did not finish booting: '$state'" ;;
	esac
}

# greet HOST PORT OUT: one client; the greeting goes to OUT.
greet() {
	timeout 15 bash -c 'exec 3<>"/dev/tcp/$1/$2" && cat <&3' greet "$1" "$2" >"$3"
}

printf '%s\r\n' "$OLD_TEXT" >"$WORK/old"
printf '%s\r\n' "$NEW_TEXT" >"$WORK/new"

# expect_greeting HOST PORT FILE: a client gets exactly the content of FILE.
expect_greeting() {
	greet "$1" "$2" "$WORK/got" || fail "no greeting from $1 port $2"
	cmp -s "$WORK/got" "$3" ||
		fail "$1 port $2 sent $(od -An -c "$WORK/got" | tr -s ' \n' ' '), expected $(od -An -c "$3" | tr -s ' \n' ' ')"
}

# poll DESCRIPTION COMMAND...: run COMMAND until it succeeds, for at most 30 s.
poll() {
	local what=$1 i=0
	shift
	until "$@" >/dev/null 2>&1; do
		((++i < 300)) || fail "gave up waiting (30 s) for: $what"
		sleep 0.1
	done
}

say "first boot"
boot_container

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
main_pid=$(in_ct systemctl show -P MainPID hello-server)
[[ $main_pid =~ ^[1-9][0-9]*$ ]] || fail "no main pid: '$main_pid'"
proc_status=$(in_ct cat "/proc/$main_pid/status")
uid=$(awk '$1 == "Uid:" { print $2 }' <<<"$proc_status")
[[ $uid =~ ^[0-9]+$ ]] && ((uid != 0)) || fail "the daemon runs as uid '$uid'"
for field in CapInh CapPrm CapEff CapBnd CapAmb; do
	value=$(awk -v f="$field:" '$1 == f { print $2 }' <<<"$proc_status")
	[[ $value =~ ^0+$ ]] || fail "the daemon has capabilities: $field $value"
done
grep -qx $'NoNewPrivs:\t1' <<<"$proc_status" || fail "NoNewPrivs is not set"
grep -qx $'Seccomp:\t2' <<<"$proc_status" || fail "no seccomp filter"
if [[ $(in_ct readlink "/proc/$main_pid/ns/net") == "$(in_ct readlink /proc/1/ns/net)" ]]; then
	# systemd >= 254 skips PrivateNetwork= where it lacks CAP_NET_ADMIN, as in
	# this container (it shares the host's network); 252 (Debian 12) applies it.
	version=$(in_ct systemctl --version | awk 'NR == 1 { print $2 }')
	((version >= 254)) || fail "the daemon is not in a private network namespace"
	say "note: systemd $version does not apply PrivateNetwork= in this container"
fi
online=$(in_ct systemd-analyze security --no-pager hello-server.service |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
say "daemon pid $main_pid: uid $uid, no capabilities, seccomp; running exposure $online"

say "systemctl status shows the counters"
served_status() { in_ct systemctl show -P StatusText hello-server | grep -E '[1-9][0-9]* served' >/dev/null; }
poll "a STATUS= with served connections" served_status
status=$(in_ct systemctl status --no-pager hello-server) || true
grep -E '^ *Status: ".*served' <<<"$status" ||
	fail "systemctl status shows no counters:
$status"

say "the journal has the connection lines"
journal_has() {
	in_ct journalctl --sync
	in_ct journalctl --no-pager -o cat -u hello-server | grep -E "$1" >/dev/null
}
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
all_lines_filed() {
	in_ct journalctl --sync
	(($(connection_lines) >= lines_before + 20))
}
poll "20 connection lines in journalctl -u hello-server" all_lines_filed
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
# streams_done N: every loop has reported at least N clients.
streams_done() {
	local s
	for ((s = 0; s < STREAMS; s++)); do
		[[ $(wc -l <"$WORK/stream$s.log") -ge $1 ]] || return 1
	done
}
for ((s = 0; s < STREAMS; s++)); do
	: >"$WORK/stream$s.log"
	stream "$s" &
	STREAM_PIDS+=($!)
done
poll "$STREAM_MIN clients in each loop" streams_done "$STREAM_MIN"
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
poll "$STREAM_MIN more clients in each loop after the reload" streams_done $((before + STREAM_MIN))
touch "$WORK/stop"
for pid in "${STREAM_PIDS[@]}"; do
	timeout 30 tail --pid="$pid" -s 0.1 -f /dev/null || fail "a client loop did not stop"
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
IFS= read -r -t 15 line <&4 || fail "the held client got no greeting"
[[ $line == "$NEW_TEXT"$'\r' ]] || fail "the held client got '$line'"
timeout 60 nsenter -t "$INIT" -a systemctl stop hello-server || fail "systemctl stop hello-server failed or hung"
exec 4<&-
[[ $(in_ct systemctl is-active hello-server || true) == inactive ]] ||
	fail "hello-server is not inactive after stop"
leftover=$(in_ct pgrep -a -f 'hello-server' || true)
[[ -z $leftover ]] || fail "processes left after systemctl stop: $leftover"
say "no hello-server process left; $(in_ct systemctl show -P Result hello-server)"

say "socket activation: a client starts the service through the socket"
[[ $(in_ct systemctl is-active hello-server.socket) == active ]] ||
	fail "hello-server.socket did not stay active"
expect_greeting 127.0.0.1 "$PORT" "$WORK/new"
poll "hello-server active after a connection to the socket" \
	in_ct systemctl is-active --quiet hello-server

say "systemctl enable hello-server; a port drop-in and /etc/default/hello-server"
in_ct systemctl enable hello-server
for link in /etc/systemd/system/multi-user.target.wants/hello-server.service \
	/etc/systemd/system/sockets.target.wants/hello-server.socket; do
	in_ct test -L "$link" || fail "systemctl enable did not create $link"
done
mkdir -p "$STAGE/etc/systemd/system/hello-server.socket.d" "$STAGE/etc/default"
printf '[Socket]\nListenStream=\nListenStream=%s\n' "$ALT_PORT" \
	>"$STAGE/etc/systemd/system/hello-server.socket.d/port.conf"
printf 'HELLO_SERVER_OPTIONS="--max-per-source 1 --timeout 5"\n' >"$STAGE/etc/default/hello-server"
stop_container

say "second boot: enabled units start by themselves"
boot_container
poll "hello-server.service active after boot" in_ct systemctl is-active --quiet hello-server.service
[[ $(in_ct systemctl is-active hello-server.socket) == active ]] ||
	fail "hello-server.socket is not active after boot"
expect_greeting 127.0.0.1 "$ALT_PORT" "$WORK/new"
! port_busy "$PORT" || fail "port $PORT still served after the drop-in moved it to $ALT_PORT"
# --max-per-source 1 from /etc/default/hello-server: while one client is
# connected, a second one from the same address is refused without a greeting.
exec 4<>"/dev/tcp/127.0.0.1/$ALT_PORT"
IFS= read -r -t 15 line <&4 || fail "the held client got no greeting"
greet 127.0.0.1 "$ALT_PORT" "$WORK/got" || true
[[ ! -s $WORK/got ]] ||
	fail "a second client was greeted: HELLO_SERVER_OPTIONS (--max-per-source 1) did not reach the daemon"
exec 4<&-
poll "a --max-per-source refusal in the journal" \
	journal_has '^refused 127\.0\.0\.1 port [0-9]+: .*--max-per-source'
say "port $ALT_PORT from the drop-in, --max-per-source 1 from /etc/default/hello-server"

timeout 60 nsenter -t "$INIT" -a systemctl stop hello-server.socket hello-server.service ||
	fail "systemctl stop hello-server.socket hello-server failed"
leftover=$(in_ct pgrep -a -f 'hello-server' || true)
[[ -z $leftover ]] || fail "processes left after systemctl stop: $leftover"
stop_container
say "PASS"
