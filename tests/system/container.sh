# Shell functions for the tests that boot systemd in a container with systemd-nspawn (the
# system suite, tests/system/system-test.sh, and the package test, .ci/package.sh). Sourced;
# the sourcing script sets WORK (a scratch directory), MAX_EXPOSURE (for check_exposure), and
# keeps the container's state in NSPAWN (systemd-nspawn's pid) and INIT (its init's pid, the
# target of in_ct). The host shares the container's network: clients on the host reach the
# container's services on 127.0.0.1 and ::1.
# shellcheck shell=bash
# The sourcing script also sets AWAIT_DIR (for await.sh's wait_gone), e.g. to WORK.
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

NSPAWN='' INIT='' NOTIFY_READER=''

# Every wait here fails on a stall, never on a budget for the whole of it: STALL_SECS without
# progress (a new matching line of a journal or a log, a line on the booting container's
# console). A wait for one event with nothing to see progress by (one reply, one unit started,
# one exit) has STALL_SECS as its one bound: minutes, as a loaded machine may take long over any
# step, and a hung one still fails.
readonly STALL_SECS=300

say() { printf '== [%3ds] %s\n' "$SECONDS" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

# exposure_of UNIT_FILE: systemd-analyze's offline score of UNIT_FILE (a template is scored as
# an instance of it); the report, for check_exposure's message, in $WORK/exposure.out.
exposure_of() {
	local out score
	out=$(systemd-analyze security --offline=true --no-pager "$1" 2>&1) ||
		fail "systemd-analyze security --offline=true $1 failed: $out"
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	[[ -n $score ]] || fail "no exposure level in: $out"
	printf '%s\n' "$out" >"$WORK/exposure.out"
	echo "$score"
}

# check_exposure UNIT_FILE [REFERENCE_UNIT_FILE]: systemd-analyze's offline score must be
# <= MAX_EXPOSURE, and within 0.1 of REFERENCE_UNIT_FILE's score if one is given.
check_exposure() {
	local score ref
	score=$(exposure_of "$1")
	awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
		fail "$(basename "$1"): exposure $score is above $MAX_EXPOSURE:
$(awk '$NF ~ /^[0-9.]+$/ && $NF > 0' "$WORK/exposure.out")"
	say "$(basename "$1"): exposure $score (limit $MAX_EXPOSURE)"
	[[ $# -ge 2 ]] || return 0
	ref=$(exposure_of "$2")
	awk -v s="$score" -v r="$ref" 'BEGIN { d = s - r; exit !(d <= 0.1 && d >= -0.1) }' ||
		fail "$(basename "$1"): exposure $score, $(basename "$2") has $ref: more than 0.1 apart"
	say "$(basename "$1"): within 0.1 of $(basename "$2") ($ref)"
}

# A port is busy on the host if anything accepts on it (IPv4 or IPv6 loopback).
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null ||
		(exec 3<>"/dev/tcp/::1/$1") 2>/dev/null
}

# in_ct COMMAND...: runs COMMAND in the booted container.
in_ct() { nsenter -t "$INIT" -a "$@"; }

# pid_file NAME PID: $WORK/NAME.pid holds PID, for pidwait -F (which reads no pipes).
pid_file() {
	printf '%s\n' "$2" >"$WORK/$1.pid"
}

# await_output SECS COUNT PATTERN COMMAND...: runs COMMAND, which prints a log and follows it
# (tail -f, woken by inotify; journalctl -f, likewise), and blocks until COUNT lines of its
# output match the extended regex PATTERN, COMMAND ends, or SECS pass without a new matching
# line. Prints how many matching lines it saw (at most COUNT). COMMAND cannot be a function.
await_output() {
	local secs=$1 count=$2 pattern=$3 fd follower line seen=0 since=$SECONDS
	shift 3
	exec {fd}< <(exec "$@" 2>/dev/null)
	follower=$!
	# Lines that do not match are no progress: the clock restarts at a matching one only.
	while ((seen < count)) && ((SECONDS - since < secs)) &&
		IFS= read -r -t "$((secs - (SECONDS - since)))" -u "$fd" line; do
		[[ $line =~ $pattern ]] || continue
		((++seen))
		since=$SECONDS
	done
	echo "$seen"
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
# journal (journalctl -f ARGS, from its start) has COUNT lines matching PATTERN; fails after
# STALL_SECS without a new one.
await_journal() {
	local what=$1 count=$2 pattern=$3
	shift 3
	(($(await_output "$STALL_SECS" "$count" "$pattern" nsenter -t "$INIT" -a \
		journalctl --no-pager -f -n all -o cat "$@") >= count)) ||
		fail "no new line for $STALL_SECS s while waiting for: $what"
}

# Power the container off (politely, then less so) and reap systemd-nspawn.
stop_container() {
	[[ -n $NSPAWN ]] || return 0
	if kill -0 "$NSPAWN" 2>/dev/null; then
		if [[ -n $INIT ]] && kill -0 "$INIT" 2>/dev/null; then
			timeout 30 nsenter -t "$INIT" -a systemctl poweroff --no-block >/dev/null 2>&1 || true
		fi
		wait_gone "$NSPAWN" "$STALL_SECS" || true
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

# The container's messages to $NOTIFY_SOCKET (see boot_container) end with it.
stop_notify_reader() {
	[[ -n $NOTIFY_READER ]] || return 0
	kill "$NOTIFY_READER" 2>/dev/null || true
	wait_gone "$NOTIFY_READER" 10 || true
	wait "$NOTIFY_READER" 2>/dev/null || true
	NOTIFY_READER=''
}

# boot_container NSPAWN-ARGS...: boots the container (systemd-nspawn with NSPAWN-ARGS, which
# name its root) and waits until systemd has finished starting up. With --notify-ready=yes,
# systemd-nspawn tells $NOTIFY_SOCKET the container's init (X_NSPAWN_LEADER_PID=) at once, and
# READY=1 once that init has sent READY=1: systemd does when start-up has finished.
# systemd-socket-activate listens there and, at the first message, hands the socket to a reader
# that writes each message to notify.msg for as long as the container runs (later ones too, so
# that systemd-nspawn never fails to send one); it ends with this script should this script be
# killed (setpriv --pdeathsig: systemd-socket-activate execs the reader, which keeps it).
boot_container() {
	local state console
	rm -f "$WORK/notify"
	setpriv --pdeathsig TERM systemd-socket-activate --datagram --listen="$WORK/notify" -- bash -c '
		while msg=$(dd bs=4096 count=1 status=none <&3); do
			printf "%s\n" "$msg"
		done' >"$WORK/notify.msg" 2>"$WORK/notify.log" &
	NOTIFY_READER=$!
	pid_file reader "$NOTIFY_READER"
	# It logs "Listening on" once the socket is bound.
	(($(await_output "$STALL_SECS" 1 '^Listening on ' "${FOLLOW[@]}" "$WORK/notify.log" "$WORK/reader.pid") == 1)) ||
		fail "systemd-socket-activate did not listen on $WORK/notify: $(cat "$WORK/notify.log")"
	NOTIFY_SOCKET=$WORK/notify systemd-nspawn --quiet --keep-unit --register=no \
		--machine="hello-test-$$" --notify-ready=yes \
		--console=pipe "$@" \
		-b systemd.firstboot=off </dev/null >>"$WORK/console.log" 2>&1 &
	NSPAWN=$!
	pid_file nspawn "$NSPAWN"
	# Until READY=1 the boot shows its progress on the console (a line per unit started): it
	# fails when the console has shown nothing new for STALL_SECS.
	console=$(stat -c %s "$WORK/console.log" 2>/dev/null) || console=0
	until (($(await_output "$STALL_SECS" 1 '^READY=1$' "${FOLLOW[@]}" "$WORK/notify.msg" "$WORK/nspawn.pid") == 1)); do
		if ! kill -0 "$NSPAWN" 2>/dev/null; then
			wait "$NSPAWN" 2>/dev/null || true
			NSPAWN=''
			fail "systemd-nspawn exited before the container was ready"
		fi
		(($(stat -c %s "$WORK/console.log") > console)) ||
			fail "no READY=1 from the container, and nothing on its console for $STALL_SECS s"
		console=$(stat -c %s "$WORK/console.log")
	done
	INIT=$(sed -n 's/^X_NSPAWN_LEADER_PID=\([1-9][0-9]*\)$/\1/p' "$WORK/notify.msg")
	[[ -n $INIT ]] && kill -0 "$INIT" 2>/dev/null ||
		fail "systemd-nspawn named no running init: $(cat "$WORK/notify.msg")"
	# Start-up has finished: this returns at once, with the state (one answer: one bound).
	state=$(timeout "$STALL_SECS" nsenter -t "$INIT" -a systemctl is-system-running --wait) || true
	case $state in
	running | degraded) say "container booted ($state), init pid $INIT" ;;
	*) fail "the container did not finish booting: '$state'" ;;
	esac
}

# greet HOST PORT OUT: one client; the greeting goes to OUT. One reply, one bound.
greet() {
	timeout "$STALL_SECS" bash -c 'exec 3<>"/dev/tcp/$1/$2" && cat <&3' greet "$1" "$2" >"$3"
}

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

# check_hardened_daemon UNIT: the main process of UNIT runs as no-root, without capabilities,
# with NoNewPrivileges and a seccomp filter, in a network namespace of its own (where systemd
# applies it); sets main_pid.
check_hardened_daemon() {
	local proc_status uid field value version online
	main_pid=$(in_ct systemctl show -P MainPID "$1")
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
	online=$(in_ct systemd-analyze security --no-pager "$1" |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	say "daemon pid $main_pid: uid $uid, no capabilities, seccomp; running exposure $online"
}

# container_cleanup RC: after a failure (RC neither 0 nor 77), shows the units' state and
# journal; then powers the container off and shows the end of its console after a failure.
container_cleanup() {
	local rc=$1
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
}
