#!/usr/bin/env bash
# What --max-rate-per-source and --metrics-file cost, and that they cost nothing unused: in one
# run, interleaved round by round, a reference build without them (BEFORE), this build without
# them, and this build with both (-r above what any source asks, so none is refused). Prints
# the medians of connections per second, and the minor page faults per connection of the
# master and of its children, which do not move with the machine's speed. Loopback only.
#   tests/bench/options-cost.sh BEFORE DAEMON HELLO_LOAD [CONNECTIONS] [ROUNDS]
set -euo pipefail
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

usage='usage: options-cost.sh BEFORE DAEMON HELLO_LOAD [CONNECTIONS] [ROUNDS]'
before=${1:?$usage}
daemon=${2:?$usage}
load=${3:?$usage}
total=${4:-20000}
rounds=${5:-5}
work=$(mktemp -d)
AWAIT_DIR=$work
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# Field N of /proc/PID/stat after the command name (3 = state).
stat_field() {
	local stat
	stat=$(cat "/proc/$1/stat")
	stat=${stat##*) }
	awk -v n="$(($2 - 2))" '{ print $n }' <<<"$stat"
}

# One run: prints "conn_per_s master_minflt_per_conn child_minflt_per_conn".
run() {
	local port result
	"$@" -d -q -l 127.0.0.1:0 2>"$work/log" &
	pid=$!
	await_line "$work/log" 60 "$pid" -F -- 'listening on' || { cat "$work/log" >&2; exit 1; }
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -n 1)
	result=$("$load" -p "$port" -n "$total" -c 32 -S 32 -t 60 -q)
	# The faults are read once every child has been reaped: SIGUSR1 until the status says so.
	local asked=0
	until grep -q 'status: 0 children' "$work/log"; do
		asked=$((asked + 1))
		kill -USR1 "$pid"
		await_lines "$work/log" "$asked" 60 "$pid" -F -- 'status:' >/dev/null
	done
	awk -v r="$result" -v m="$(stat_field "$pid" 10)" -v c="$(stat_field "$pid" 11)" \
		-v n="$total" 'BEGIN {
			match(r, /conn_per_s=[0-9.]+/)
			printf "%s %.2f %.2f\n", substr(r, RSTART + 11, RLENGTH - 11), m / n, c / n
		}'
	kill "$pid"
	wait_gone "$pid" 60
	pid=
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for ((i = 1; i <= rounds; i++)); do
	run "$before" >>"$work/before"
	run "$daemon" >>"$work/after"
	run "$daemon" -r 1000000 --metrics-file "$work/hello.prom" >>"$work/both"
	echo "round $i/$rounds: before $(tail -n 1 "$work/before"); after $(tail -n 1 "$work/after"); both $(tail -n 1 "$work/both")" >&2
done
printf '| build | conn/s | master minor faults per connection | children minor faults per connection |\n'
printf '| --- | --- | --- | --- |\n'
for name in before after both; do
	printf '| %s | %s | %s | %s |\n' "$name" \
		"$(awk '{ print $1 }' "$work/$name" | median)" \
		"$(awk '{ print $2 }' "$work/$name" | median)" \
		"$(awk '{ print $3 }' "$work/$name" | median)"
done
