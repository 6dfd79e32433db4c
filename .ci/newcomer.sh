#!/usr/bin/env bash
# The newcomer, reproduced from scratch: a fresh Debian 12 minbase root (nothing cached, nothing
# preinstalled), the committed tree cloned to /root/hello-server inside it (/root is 0700), and
# the README's two quick-start lines, read from README.md itself, run as root with
# systemd-nspawn:
#   1. the first line in the background: it installs, builds and starts the daemon on 2323; a
#      client on this host (the container shares its network) must get exactly
#      "Hello World!\r\n" and the daemon must log the connection; then Ctrl-C (SIGINT) ends it,
#      and the line must exit 0;
#   2. the second line, the test suites, must exit 0 with no failure.
# Then an ordinary user whose home is 0700 builds a clone in a directory with a space in its
# name and runs the same test line (as a user, with no sudo): it must exit 0 too.
#
#   .ci/newcomer.sh            (as root; needs debootstrap, systemd-container and git)
#
# NEWCOMER_KEEP=1 keeps the root (its path is printed) for a look after a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source=tests/common/await.sh
source tests/common/await.sh

readonly PORT=2323
readonly GREETING=$'Hello World!\r\n'
# Every step of the lines prints as it goes (apt a line per package, meson a line per target,
# meson test a line per test): a step that prints nothing for STALL_SECS is hung, however slow
# the machine. No step has a budget for the whole of it.
readonly STALL_SECS=600

say() { printf '== [%4ds] %s\n' "$SECONDS" "$*"; }
fail() {
	printf 'newcomer: FAIL: %s\n' "$*" >&2
	exit 1
}

[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap, systemd-nspawn)"
for cmd in debootstrap systemd-nspawn git pgrep pidwait; do
	command -v "$cmd" >/dev/null || fail "no $cmd (packages debootstrap, systemd-container, git, coreutils, procps)"
done

work=$(mktemp -d /var/tmp/hello-newcomer.XXXXXX)
AWAIT_DIR=$work
root=$work/root
line1_pid=
cleanup() {
	local rc=$?
	if [[ -n $line1_pid ]] && kill -0 "$line1_pid" 2>/dev/null; then
		# systemd-nspawn first (in_root then returns), then the subshell running in_root.
		pkill -TERM -P "$line1_pid" 2>/dev/null || true
		kill -TERM "$line1_pid" 2>/dev/null || true
		wait "$line1_pid" 2>/dev/null || true
	fi
	if ((rc != 0)) && [[ -s $work/line1.log ]]; then
		echo "--- the first line's output (last 40 lines)"
		tail -n 40 "$work/line1.log"
	fi
	if [[ ${NEWCOMER_KEEP-} == 1 ]]; then
		echo "newcomer: kept $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The README's two quick-start lines: the first shell block after "## Quick start".
quick_start() {
	awk '/^## Quick start/ { q = 1; next }
		q && /^## / { exit }
		q && /^```sh$/ { inside = 1; next }
		inside && /^```/ { exit }
		inside { print }' "$1"
}

# in_root STALL USER DIR COMMAND: in the root, as USER, in DIR, bash -c COMMAND, with the host's
# network; its output and errors to stdout, line by line. When COMMAND prints nothing for STALL
# s, it is ended and in_root returns 124 (saying so on stderr). No boot; a stub init is pid 1 (a
# pid 1 without a handler would ignore the SIGINT that stands for Ctrl-C) and reaps orphans, as
# on a machine.
in_root() {
	local stall=$1 fd pid line st=0
	exec {fd}< <(exec systemd-nspawn --quiet --keep-unit --register=no --directory="$root" \
		--pipe --as-pid2 --user="$2" --chdir="$3" --setenv=DEBIAN_FRONTEND=noninteractive \
		bash -c "$4" </dev/null 2>&1)
	pid=$!
	for (( ; ; )); do
		IFS= read -r -t "$stall" -u "$fd" line || st=$?
		((st == 0)) || break
		printf '%s\n' "$line"
	done
	# A stall: read timed out (a status above 128); on SIGTERM systemd-nspawn kills the
	# container (its --kill-signal is SIGKILL without -b).
	if ((st > 128)); then
		kill -TERM "$pid" 2>/dev/null || true
		exec {fd}<&-
		wait "$pid" 2>/dev/null || true
		printf 'newcomer: no output for %d s from: %s\n' "$stall" "$4" >&2
		return 124
	fi
	# At the end, read fails with what is left of an unterminated last line.
	[[ -z $line ]] || printf '%s\n' "$line"
	exec {fd}<&-
	st=0
	wait "$pid" || st=$?
	return "$st"
}

# The processes below PID, one per line, depth first.
descendants() {
	local kid kids
	kids=$(cat /proc/"$1"/task/*/children 2>/dev/null) || true
	for kid in $kids; do
		echo "$kid"
		descendants "$kid"
	done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

port_busy && fail "port $PORT is in use on this host; the first line needs it"

say "a fresh Debian 12 minbase root in $root"
bash .ci/debian-root.sh "$root"
[[ $(stat -c %a "$root/root") == 700 ]] || fail "/root in the new root is not mode 0700"

head=$(git rev-parse HEAD)
say "clone of the committed tree ($head) to /root/hello-server"
git clone --quiet --no-checkout "$repo" "$root/root/hello-server"
git -C "$root/root/hello-server" checkout --quiet -B newcomer "$head"

mapfile -t lines < <(quick_start "$root/root/hello-server/README.md")
((${#lines[@]} == 2)) || fail "README.md's quick start has ${#lines[@]} lines, not 2: $(printf '\n  %s' "${lines[@]}")"
say "line 1: ${lines[0]}"
say "line 2: ${lines[1]}"

# --- line 1, in the background: it ends where the daemon runs in the foreground.
in_root "$STALL_SECS" root /root/hello-server "${lines[0]}" >"$work/line1.log" 2>&1 &
line1_pid=$!
# Each round waits STALL_SECS for the line; while line 1 runs, it prints or in_root ends it.
until await_line "$work/line1.log" "$STALL_SECS" "$line1_pid" -E -- "started; listening on .*:$PORT"; do
	running "$line1_pid" || fail "the first line did not start the daemon on port $PORT"
done
say "the daemon is listening: $(grep -m 1 -E 'started; listening on' "$work/line1.log")"

exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect to 127.0.0.1:$PORT"
got=$(cat <&3 | od -An -c | tr -s ' ')
exec 3<&-
want=$(printf '%s' "$GREETING" | od -An -c | tr -s ' ')
[[ $got == "$want" ]] || fail "greeting: got [$got], want [$want]"
say "greeting: exactly [$want]"
# One line for one connection: nothing to see progress by, so one bound, a generous one.
await_line "$work/line1.log" "$STALL_SECS" "$line1_pid" -E -- "127\.0\.0\.1 port [0-9]+: sent 14 bytes" ||
	fail "the daemon logged no line for the connection"
say "logged: $(grep -m 1 -E 'sent 14 bytes' "$work/line1.log")"

# Ctrl-C: SIGINT to the daemon (the bash that runs the line waits for it and exits with it).
daemon=
for pid in $(descendants "$line1_pid"); do
	[[ $(cat "/proc/$pid/comm" 2>/dev/null) == hello-server ]] && daemon=$pid && break
done
[[ -n $daemon ]] || fail "no hello-server process below systemd-nspawn"
kill -INT "$daemon"
st=0
wait "$line1_pid" || st=$?
line1_pid=
((st == 0)) || fail "the first line exited $st after Ctrl-C"
say "line 1: greeting received, Ctrl-C ended it, exit 0"

# --- line 2: the test suites.
st=0
in_root "$STALL_SECS" root /root/hello-server "${lines[1]}" >"$work/line2.log" 2>&1 || st=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$work/line2.log" || true
sed -n '/^Ok:/,/^Timeout:/p' "$work/line2.log"
if ((st != 0)); then
	tail -n 150 "$work/line2.log"
	fail "the second line exited $st"
fi
grep -qE '^(Fail|Timeout|Unexpected Pass): *[1-9]' "$work/line2.log" &&
	fail "the second line reports a failure: $(sed -n '/^Ok:/,/^Timeout:/p' "$work/line2.log")"
say "line 2: the test line passed as root in /root/hello-server"

# --- an ordinary user, home 0700, checkout in a directory with a space: the test line.
in_root "$STALL_SECS" root / 'useradd --create-home --shell /bin/bash newcomer && chmod 0700 /home/newcomer'
userdir="/home/newcomer/my projects/hello-server"
git clone --quiet --no-checkout "$repo" "$root$userdir"
git -C "$root$userdir" checkout --quiet -B newcomer "$head"
uid=$(stat -c %u "$root/home/newcomer")
chown -R "$uid:$uid" "$root/home/newcomer/my projects"
st=0
in_root "$STALL_SECS" newcomer "$userdir" "meson setup build && ${lines[1]}" >"$work/user.log" 2>&1 ||
	st=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$work/user.log" || true
sed -n '/^Ok:/,/^Timeout:/p' "$work/user.log"
if ((st != 0)); then
	tail -n 150 "$work/user.log"
	fail "the test line exited $st for an ordinary user in '$userdir'"
fi
grep -qE '^(Fail|Timeout|Unexpected Pass): *[1-9]' "$work/user.log" &&
	fail "the test line reports a failure for an ordinary user: $(sed -n '/^Ok:/,/^Timeout:/p' "$work/user.log")"
say "an ordinary user in a 0700 home: the test line passed"
say "newcomer: all passed"
