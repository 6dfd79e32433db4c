#!/usr/bin/env bash
# The master's descriptors and memory after the first 1,000 connections and after N (default
# 1,000,000): they must not move. Prints both; exits 1 if either grew. Loopback only.
#   tests/bench/flat.sh DAEMON HELLO_LOAD [CONNECTIONS]
set -euo pipefail
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

daemon=${1:?usage: flat.sh DAEMON HELLO_LOAD [CONNECTIONS]}
load=${2:?usage: flat.sh DAEMON HELLO_LOAD [CONNECTIONS]}
total=${3:-1000000}
work=$(mktemp -d)
AWAIT_DIR=$work
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

"$daemon" -d -q -l 127.0.0.1:0 2>"$work/log" &
pid=$!
# The start-up line names the port: wait for it (bounded), not for a fixed time.
await_line "$work/log" 60 "$pid" -F -- 'listening on' || { cat "$work/log"; exit 1; }
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -n 1)

# Blocks until the master has reaped every child: the descriptors it holds for -s go only then,
# and pidwait may wake at a child's exit, before the reap. Asks for the status (SIGUSR1) and
# waits for each answer until one says 0 children.
await_reaped() {
	local i asked
	for ((i = 0; i < 100; i++)); do
		asked=$(grep -c -F 'status: ' "$work/log" || true)
		kill -USR1 "$pid"
		(($(await_lines "$work/log" $((asked + 1)) 10 "$pid" -F -- 'status: ') > asked)) ||
			return 1
		[[ $(grep -F 'status: ' "$work/log" | tail -n 1) == *'status: 0 children,'* ]] && return 0
	done
	return 1
}

# Runs N connections, waits until the master has no child left, prints "fds rss_kB".
measure() {
	"$load" -p "$port" -n "$1" -c 32 -S 32 -t 60 -q >"$work/result" ||
		{ cat "$work/result"; exit 1; }
	await_children "$pid" 60 || { echo "no child ended for 60 s after the run" >&2; exit 1; }
	await_reaped || { echo "the master did not report 0 children" >&2; exit 1; }
	echo "$(find "/proc/$pid/fd" -mindepth 1 | wc -l) $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
}

read -r fds_first rss_first < <(measure 1000)
read -r fds_last rss_last < <(measure $((total - 1000)))
printf 'after 1000 connections: %s descriptors, %s kB RSS\n' "$fds_first" "$rss_first"
printf 'after %s connections: %s descriptors, %s kB RSS\n' "$total" "$fds_last" "$rss_last"
[ "$fds_last" -le "$fds_first" ] && [ "$rss_last" -le $((rss_first + 8)) ]
