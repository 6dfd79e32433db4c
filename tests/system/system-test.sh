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
for cmd in systemd-nspawn nsenter systemd-analyze systemd-socket-activate timeout tail pidwait; do
	command -v "$cmd" >/dev/null || skip "no $cmd (package systemd-container / systemd / util-linux / procps)"
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
NSPAWN='' INIT='' NOTIFY_READER='' STREAM_PIDS=()

in_ct() { nsenter -t "$INIT" -a "$@"; }

# pid_file NAME PID: $WORK/NAME.pid holds PID, for pidwait -F (which reads no pipes).
pid_file() {
	printf '%s\n' "$2" >"$WORK/$1.pid"
}

# wait_gone PID SECS: blocks until PID is gone, at most SECS. pidwait holds a pidfd of PID and
# is woken by its exit (a zombie counts as gone).
wait_gone() {
	local st=0
	pid_file gone "$1"
	timeout "$2" pidwait -F "$WORK/gone.pid" || st=$?
	# 0: it ended while waited for; 1: it had gone already; 124: SECS passed
	((st == 0 || st == 1))
}

# await_output SECS COUNT PATTERN COMMAND...: runs COMMAND, which prints a log and follows it
# (tail -f, woken by inotify; journalctl -f, likewise), and blocks until COUNT lines of its
# output match the extended regex PATTERN, COMMAND ends or SECS pass. Prints how many
# matching lines it saw (at most COUNT). COMMAND cannot be a function.
await_output() {
	local secs=$1 count=$2 pattern=$3 fd follower
	shift 3
	exec {fd}< <(exec timeout "$secs" "$@" 2>/dev/null)
	follower=$!
	grep -c -m "$count" -E -- "$pattern" <&"$fd" || true
	# Closing the pipe ends COMMAND: tail -f and journalctl -f watch their output for a hang-up.
	# Killed instead, nsenter would leave its child in the container to whoever adopts it, and
	# the container's shutdown waits until that one reaps it.
	exec {fd}<&-
	wait "$follower" 2>/dev/null || true
}

# A COMMAND for await_output: follow FILE PIDFILE prints FILE from its start and as it grows
# (tail -f) until the pid in PIDFILE is gone (pidwait, woken by its exit) or the pipe closes.
FOLLOW=(bash -c '
	tail -n +1 -f "$1" & t=$!
	pidwait -F "$2" & w=$!
	wait -n
	kill "$t" "$w" 2>/dev/null
	wait' follow)

# await_journal DESCRIPTION COUNT PATTERN JOURNALCTL-ARGS...: blocks until the container's
# journal (journalctl -f ARGS, from its start) has COUNT lines matching PATTERN, for at most 30 s.
await_journal() {
	local what=$1 count=$2 pattern=$3
	shift 3
	(($(await_output 30 "$count" "$pattern" nsenter -t "$INIT" -a \
		journalctl --no-pager -f -n all -o cat "$@") >= count)) ||
		fail "gave up waiting (30 s) for: $what"
}

# Power the container off (politely, then less so) and reap systemd-nspawn.
stop_container() {
	[[ -n $NSPAWN ]] || return 0
	if kill -0 "$NSPAWN" 2>/dev/null; then
		if [[ -n $INIT ]] && kill -0 "$INIT" 2>/dev/null; then
			timeout 30 nsenter -t "$INIT" -a systemctl poweroff --no-block >/dev/null 2>&1 || true
		fi
		wait_gone "$NSPAWN" 90 || true
	fi
	if kill -0 "$NSPAWN" 2>/dev/null; then
		echo "container did not power off; sending SIGTERM to systemd-nspawn" >&2
		kill -TERM "$NSPAWN" 2>/dev/null || true
		wait_gone "$NSPAWN" 30 || kill -KILL "$NSPAWN" 2>/dev/null || true
	fi
	wait "$NSPAWN" 2>/dev/null || true
	NSPAWN='' INIT=''
	stop_notify_reader
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
	stop_notify_reader
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

# The container's messages to $NOTIFY_SOCKET (see boot_container) end with it.
stop_notify_reader() {
	[[ -n $NOTIFY_READER ]] || return 0
	kill "$NOTIFY_READER" 2>/dev/null || true
	wait_gone "$NOTIFY_READER" 10 || true
	wait "$NOTIFY_READER" 2>/dev/null || true
	NOTIFY_READER=''
}

# Boot the container and wait until systemd has finished starting up. With --notify-ready=yes,
# systemd-nspawn tells $NOTIFY_SOCKET the container's init (X_NSPAWN_LEADER_PID=) at once, and
# READY=1 once that init has sent READY=1: systemd does when start-up has finished.
# systemd-socket-activate listens there and, at the first message, hands the socket to a reader
# that writes each message to notify.msg for as long as the container runs (later ones too, so
# that systemd-nspawn never fails to send one); timeout bounds it should this script be killed.
boot_container() {
	local state
	rm -f "$WORK/notify"
	timeout 900 systemd-socket-activate --datagram --listen="$WORK/notify" -- bash -c '
		while msg=$(dd bs=4096 count=1 status=none <&3); do
			printf "%s\n" "$msg"
		done' >"$WORK/notify.msg" 2>"$WORK/notify.log" &
	NOTIFY_READER=$!
	pid_file reader "$NOTIFY_READER"
	# It logs "Listening on" once the socket is bound.
	(($(await_output 10 1 '^Listening on ' "${FOLLOW[@]}" "$WORK/notify.log" "$WORK/reader.pid") == 1)) ||
		fail "systemd-socket-activate did not listen on $WORK/notify: $(cat "$WORK/notify.log")"
	NOTIFY_SOCKET=$WORK/notify systemd-nspawn --quiet --keep-unit --register=no \
		--machine="hello-test-$$" --notify-ready=yes \
		--directory=/ --volatile=yes --console=pipe "${MOUNTS[@]}" \
		-b systemd.firstboot=off </dev/null >>"$WORK/console.log" 2>&1 &
	NSPAWN=$!
	pid_file nspawn "$NSPAWN"
	if (($(await_output 180 1 '^READY=1$' "${FOLLOW[@]}" "$WORK/notify.msg" "$WORK/nspawn.pid") != 1)); then
		if ! kill -0 "$NSPAWN" 2>/dev/null; then
			wait "$NSPAWN" 2>/dev/null || true
			NSPAWN=''
			fail "systemd-nspawn exited before the container was ready"
		fi
		fail "no READY=1 from the container in 180 s"
	fi
	INIT=$(sed -n 's/^X_NSPAWN_LEADER_PID=\([1-9][0-9]*\)$/\1/p' "$WORK/notify.msg")
	[[ -n $INIT ]] && kill -0 "$INIT" 2>/dev/null ||
		fail "systemd-nspawn named no running init: $(cat "$WORK/notify.msg")"
	# Start-up has finished: this returns at once, with the state.
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

# host_pid PID: the host's pid of hello-server process PID of the container.
host_pid() {
	local p
	for p in $(pgrep --ns "$INIT" --nslist pid -x hello-server); do
		if [[ $(awk '$1 == "NSpid:" { print $NF }' "/proc/$p/status" 2>/dev/null) == "$1" ]]; then
			echo "$p"
			return 0
		fi
	done
	return 1
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
# The one wait with no event to block on: the daemon sends STATUS= on a timer of its own (at
# most once a second), and systemd tells a change of StatusText only to D-Bus subscribers,
# through a bus broker the container need not have (CI installs none). So it asks about every
# 0.1 s, at most 30 s, and between asks blocks on the daemon's exit (pidwait, woken by it),
# which fails the wait at once.
daemon_pid=$(host_pid "$main_pid") || fail "no host pid for the daemon's pid $main_pid"
printf '%s\n' "$daemon_pid" >"$WORK/daemon.pid"
for ((i = 0; ; i++)); do
	served_status && break
	((i < 300)) || fail "gave up waiting (30 s) for: a STATUS= with served connections"
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
# following each loop's log as it grows; at most 30 s in all.
await_streams() {
	local what=$1 want=$2 deadline=$((SECONDS + 30)) s left
	for ((s = 0; s < STREAMS; s++)); do
		left=$((deadline - SECONDS))
		((left > 0)) && (($(await_output "$left" "$want" '' tail -n +1 -f "$WORK/stream$s.log") >= want)) ||
			fail "gave up waiting (30 s) for: $what"
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
	wait_gone "$pid" 30 || fail "a client loop did not stop"
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
# systemd logs "Started hello-server.service" when the start job is done (READY=1): one more
# such line than before the connection.
started_before=$(in_ct journalctl --no-pager -o cat -u hello-server.service | grep -c '^Started ' || true)
expect_greeting 127.0.0.1 "$PORT" "$WORK/new"
await_journal "hello-server started by a connection to the socket" $((started_before + 1)) \
	'^Started ' -u hello-server.service
[[ $(in_ct systemctl is-active hello-server || true) == active ]] ||
	fail "hello-server is not active after a connection to the socket"

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
await_journal "hello-server.service started at boot" 1 '^Started ' -b -u hello-server.service
[[ $(in_ct systemctl is-active hello-server.service || true) == active ]] ||
	fail "hello-server.service is not active after boot"
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
await_journal "a --max-per-source refusal in the journal" 1 \
	'^refused 127\.0\.0\.1 port [0-9]+: .*--max-per-source' -u hello-server
say "port $ALT_PORT from the drop-in, --max-per-source 1 from /etc/default/hello-server"

# --quotes under the unit's sandbox: ProtectSystem=strict leaves /usr/share readable. The
# container's /usr is the host's, so the host's fortune files are there (package fortunes-min).
if [[ -r /usr/share/games/fortunes/fortunes ]]; then
	printf 'HELLO_SERVER_OPTIONS="--timeout 5 --quotes /usr/share/games/fortunes"\n' \
		>"$STAGE/etc/default/hello-server"
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

timeout 60 nsenter -t "$INIT" -a systemctl stop hello-server.socket hello-server.service ||
	fail "systemctl stop hello-server.socket hello-server failed"
leftover=$(in_ct pgrep -a -f 'hello-server' || true)
[[ -z $leftover ]] || fail "processes left after systemctl stop: $leftover"
stop_container
say "PASS"
