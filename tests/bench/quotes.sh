#!/bin/bash
# What a large quote collection costs: start-up time, the master's memory, a child's unique
# memory (USS), and connections per second against the same daemon serving one message.
#   quotes.sh HELLO_SERVER HELLO_LOAD [ENTRIES] [TOTAL]
# Makes a fortune file of ENTRIES (default 100000) two-line entries, about 7.8 MB. Nothing is
# asserted: it prints the numbers. Traffic goes to 127.0.0.1 only.
set -euo pipefail
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

[[ $# -ge 2 ]] || { echo "usage: $0 HELLO_SERVER HELLO_LOAD [ENTRIES] [TOTAL]" >&2; exit 64; }
daemon=$1
load=$2
entries=${3:-100000}
total=${4:-20000}
dir=$(mktemp -d)
AWAIT_DIR=$dir
pid=
holder=
trap 'kill "$pid" "$holder" 2>/dev/null || true; rm -rf "$dir"' EXIT

awk -v n="$entries" 'BEGIN {
	split("alpha beta gamma delta quote of the day server fork child master page table", w)
	srand(1)
	for (i = 0; i < n; i++) {
		line = ""
		for (k = 0; k < 9; k++)
			line = line w[int(rand() * 14) + 1] " "
		printf "%s%d\n%s %s %s\n", line, i, w[int(rand() * 14) + 1], "and", "more"
		if (i < n - 1)
			print "%"
	}
}' >"$dir/quotes"

# Starts the daemon with "$@" and waits for its quotes line (or start-up line); sets pid, port.
start() {
	: >"$dir/log"
	"$daemon" -d -q -s 0 -l 127.0.0.1:0 "$@" 2>"$dir/log" &
	pid=$!
	await_line "$dir/log" 120 "$pid" -F -- 'started; listening' || { cat "$dir/log"; exit 1; }
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/log" | head -n 1)
}

stop() {
	kill "$pid"
	wait "$pid" || true
}

kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/${3:-status}"; }

# CPU time of the master and its reaped children, in clock ticks: less at the mercy of the
# machine's other load than a rate is.
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat"; }

# Sets rate (connections per second of the whole run) and cpu (CPU microseconds per connection,
# master and children). With an expected text, every client must have got it.
run_load() {
	local before after result
	before=$(cpu_ticks)
	result=$("$load" -p "$port" -n "$total" -c 32 -S 32 ${1:+-E "$1"} -q || true)
	if [[ -n $1 && $result != *" errors=0 "* ]]; then
		echo "clients failed: $result" >&2
		exit 1
	fi
	rate=$(sed -n 's/.*elapsed_s=\([0-9.]*\).*/\1/p' <<<"$result" |
		awk -v n="$total" '{ printf "%.0f", n / $1 }')
	# The last children are reaped once the load has its last EOF: wait for them.
	await_children "$pid" 60 || { echo "no child ended for 60 s after the run" >&2; exit 1; }
	after=$(cpu_ticks)
	cpu=$(((after - before) * 1000000 / $(getconf CLK_TCK) / total))
}

echo "quote file: $entries entries, $(stat -c %s "$dir/quotes") bytes"
t0=$(date +%s%N)
start -Q "$dir/quotes"
t1=$(date +%s%N)
grep 'quotes' "$dir/log" | head -n 1
echo "start-up: $(((t1 - t0) / 1000000)) ms (exec to the line that says it listens)"
echo "master: VmRSS $(kib "$pid" VmRSS) KiB, VmHWM (peak) $(kib "$pid" VmHWM) KiB"

# A client that reads the greeting and keeps the connection open: its child waits in the drain.
exec 3<>"/dev/tcp/127.0.0.1/$port"
head -c 2 <&3 >/dev/null
holder=$(pgrep -P "$pid" | head -n 1)
rollup=/proc/$holder/smaps_rollup
uss=$(awk '$1 == "Private_Clean:" || $1 == "Private_Dirty:" { s += $2 } END { print s }' "$rollup")
echo "child: USS $uss KiB (Private_Clean + Private_Dirty), Rss $(kib "$holder" Rss smaps_rollup) KiB"
exec 3>&-
holder=

# The day's quote is one text all day: what every client must get.
exec 3<>"/dev/tcp/127.0.0.1/$port"
cat <&3 >"$dir/expect"
exec 3>&-
printf 'Hello World!\r\n' >"$dir/hello"
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
qs=() qc=() ms=() mc=() rs=() rc=()
rounds=${ROUNDS:-5}
# Alternating, so that the machine's other load falls on all alike. --random gives every client
# a different text, which hello-load counts as wrong; its rate still counts every connection.
for ((round = 1; round <= rounds; round++)); do
	run_load "$dir/expect"
	qs+=("$rate") qc+=("$cpu")
	stop
	start -m 'Hello World!'
	run_load "$dir/hello"
	ms+=("$rate") mc+=("$cpu")
	stop
	start -Q "$dir/quotes" --random
	run_load ''
	rs+=("$rate") rc+=("$cpu")
	stop
	start -Q "$dir/quotes"
	echo "round $round: conn/s (CPU us per connection): one message ${ms[-1]} (${mc[-1]})," \
		"day's quote ${qs[-1]} (${qc[-1]}), random ${rs[-1]} (${rc[-1]})"
done
stop
echo "median conn/s (CPU us per connection): one message $(median "${ms[@]}") ($(median "${mc[@]}"))," \
	"day's quote of $entries $(median "${qs[@]}") ($(median "${qc[@]}"))," \
	"random $(median "${rs[@]}") ($(median "${rc[@]}"))"
