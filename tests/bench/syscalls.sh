#!/usr/bin/env bash
# Counts the system calls hello-server makes per connection: strace -c over N connections,
# once on the master alone and once following every child (-f). Prints the two summaries and
# calls per connection. Needs strace; traffic goes to 127.0.0.1 only.
#   tests/bench/syscalls.sh DAEMON HELLO_LOAD [CONNECTIONS]
set -euo pipefail
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

daemon=${1:?usage: syscalls.sh DAEMON HELLO_LOAD [CONNECTIONS]}
load=${2:?usage: syscalls.sh DAEMON HELLO_LOAD [CONNECTIONS]}
total=${3:-10000}
command -v strace >/dev/null || { echo "syscalls.sh: strace is not installed" >&2; exit 77; }
work=$(mktemp -d)
AWAIT_DIR=$work
trap 'rm -rf "$work"' EXIT

# One traced run: $1 = extra strace flags ("" or -f), $2 = output file.
traced_run() {
	local flags=$1 out=$2 port pid daemon_pid
	# shellcheck disable=SC2086
	strace $flags -c -o "$out" "$daemon" -d -l 127.0.0.1:0 2>"$work/log" &
	pid=$!
	# The start-up line names the port: wait for it (bounded), not for a fixed time.
	await_line "$work/log" 60 "$pid" -F -- 'listening on' ||
		{ echo "syscalls.sh: the daemon did not start" >&2; exit 1; }
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -n 1)
	"$load" -p "$port" -n "$total" -c 32 -S 32 -t 60 -q >/dev/null
	# The daemon, not strace, gets the SIGTERM; strace ends with it.
	daemon_pid=$(sed -n 's/^hello-server\[\([0-9]*\)\]: .*started.*/\1/p' "$work/log" | head -n 1)
	kill -TERM "$daemon_pid"
	wait "$pid"
}

report() {
	local title=$1 file=$2 calls
	calls=$(awk '$NF == "total" {print $(NF-2)}' "$file")
	printf '%s: %s calls for %s connections = %s per connection\n' "$title" "$calls" "$total" \
		"$(awk -v c="$calls" -v n="$total" 'BEGIN {printf "%.1f", c / n}')"
	sed -n '/^% time/,$p' "$file" | awk 'NR <= 2 || $4 + 0 >= '"$total"' / 10 || /total/'
	echo
}

traced_run "" "$work/master"
traced_run "-f" "$work/all"
report "master alone" "$work/master"
report "master and children" "$work/all"
