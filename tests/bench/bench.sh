#!/bin/bash
# Benchmark: hello-server against the design's floor (a static fork loop) and
# the classic super-servers, on this machine, in one go. Prints one table.
#
# Packages it uses when present (CI installs them): ucspi-tcp xinetd rsyslog gnuplot-nox haproxy
#
# The haproxy-* rows put HAProxy (loopback, its own configuration) in front of a server: the
# greetings per second through a balancer, hello-server with --proxy-from and send-proxy-v2
# side by side with tcpserver and xinetd (which take no PROXY header) behind the same HAProxy.
#
# Every server serves the same greeting on 127.0.0.1; hello-load drives it with
# CONCURRENCY clients spread over 32 source addresses (so hello-server's default
# --max-per-source 16 is not what gets measured). Each server runs RUNS times;
# the table shows medians. Nothing here asserts speed: --smoke only checks that
# every server has a row and that hello-server and floor served without errors.
#
# Network traffic goes to loopback only.

set -euo pipefail
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

me=bench
daemon=${HELLO_SERVER:-}
load=${HELLO_LOAD:-}
floor=${BENCH_FLOOR:-}
total=${BENCH_TOTAL:-20000}
concurrency=${BENCH_CONCURRENCY:-32}
runs=${BENCH_RUNS:-5}
out=${BENCH_OUT:-bench-out}
smoke=0
sources=32
greeting=$'Hello World!\r\n'
servers=(hello-server floor tcpserver xinetd haproxy-hello-server haproxy-tcpserver haproxy-xinetd)

usage() {
	cat <<EOF
usage: bench.sh -d HELLO_SERVER -l HELLO_LOAD -f FLOOR [-n TOTAL] [-c CONCURRENCY]
                [-r RUNS] [-o OUTDIR] [--smoke]
  -d, --daemon PATH       hello-server binary            (env HELLO_SERVER)
  -l, --load PATH         hello-load binary              (env HELLO_LOAD)
  -f, --floor PATH        floor binary                   (env BENCH_FLOOR)
  -n, --total N           connections per run, default 20000   (env BENCH_TOTAL)
  -c, --concurrency C     clients at once, default 32          (env BENCH_CONCURRENCY)
  -r, --runs N            runs per server, default 5           (env BENCH_RUNS)
  -o, --out DIR           output directory, default bench-out  (env BENCH_OUT)
      --smoke             fail unless every server has a row and hello-server
                          and floor served every connection
Writes DIR/bench.md (the table), DIR/bench.svg (chart, needs gnuplot),
DIR/bench.dat, DIR/NAME.runs (hello-load RESULT lines), server logs.
EOF
}

say() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { say "$*"; exit 1; }

parse_args() {
	while (($# > 0)); do
		case $1 in
		-d | --daemon) daemon=${2:?}; shift ;;
		-l | --load) load=${2:?}; shift ;;
		-f | --floor) floor=${2:?}; shift ;;
		-n | --total) total=${2:?}; shift ;;
		-c | --concurrency) concurrency=${2:?}; shift ;;
		-r | --runs) runs=${2:?}; shift ;;
		-o | --out) out=${2:?}; shift ;;
		--smoke) smoke=1 ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 64 ;;
		esac
		shift
	done
	local n
	for n in "$total" "$concurrency" "$runs"; do
		[[ $n =~ ^[1-9][0-9]{0,7}$ ]] || { say "not a positive number: $n"; exit 64; }
	done
	[[ -x $load ]] || { say "hello-load not found: '$load' (use -l)"; exit 64; }
	[[ -x $floor ]] || { say "floor not found: '$floor' (use -f)"; exit 64; }
	# 77: meson's skip, for a tool the README's install line brings but this machine lacks
	command -v pidwait >/dev/null || { say "SKIP: pidwait not found (package procps, 4.0 or later)"; exit 77; }
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	AWAIT_DIR=$out
}

# --- processes we start, and only those, are tracked and stopped by pid ---

server_pid=
server_port=
backend_pid= # behind HAProxy: the server HAProxy relays to (server_pid is HAProxy)
syslog_pid=
made_devlog=0

# Stops PID; returns its exit status, or 124 if it had to be killed.
stop_pid() {
	local pid=$1 secs=$2 st=0
	running "$pid" && kill -TERM "$pid" 2>/dev/null
	if ! wait_gone "$pid" "$secs"; then
		say "pid $pid still running ${secs}s after SIGTERM; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 124
	fi
	wait "$pid" 2>/dev/null || st=$?
	return "$st"
}

cleanup() {
	if [[ -n $server_pid ]]; then
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	if [[ -n $backend_pid ]]; then
		kill -KILL "$backend_pid" 2>/dev/null || true
	fi
	stop_syslog
	rm -f "$out/waited.pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the syslog receiver: hello-server logs every connection by default ---

syslog_note=

# Without /dev/log the daemon's per-connection logging costs next to nothing,
# which would flatter it: start a real receiver when the system has none.
start_syslog() {
	if [[ -S /dev/log ]]; then
		syslog_note="syslog: the system's /dev/log receiver"
		return 0
	fi
	if [[ $EUID -ne 0 ]] || ! command -v rsyslogd >/dev/null; then
		syslog_note="syslog: NO receiver (no /dev/log; rsyslogd needs root and package rsyslog)"
		say "$syslog_note"
		return 0
	fi
	mkdir -p "$out/rsyslog"
	cat >"$out/rsyslog.conf" <<EOF
global(workDirectory="$out/rsyslog" localHostname="localhost")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0" SysSock.Unlink="on")
*.* action(type="omfile" file="$out/syslog.log")
EOF
	: >"$out/syslog.log"
	rsyslogd -n -f "$out/rsyslog.conf" -i "$out/rsyslog.pid" >"$out/rsyslog.out" 2>&1 &
	syslog_pid=$!
	made_devlog=1
	# rsyslogd sends its own messages, the start one first, to the system's log socket
	# (processInternalMessages is off by default): /dev/log, where its imuxsock takes
	# them. Once the line is in the file, the socket is there and served. At most 5 s,
	# less if rsyslogd dies.
	await_lines "$out/syslog.log" 1 5 "$syslog_pid" \
		-E -- "rsyslogd: \\[origin software=\"rsyslogd\" .*x-pid=\"$syslog_pid\".*\\] start\$" >/dev/null
	[[ -S /dev/log ]] || die "rsyslogd did not create /dev/log (see $out/rsyslog.out)"
	syslog_note="syslog: rsyslogd (imuxsock, no rate limit) writing to a file"
}

stop_syslog() {
	[[ -n $syslog_pid ]] || return 0
	stop_pid "$syslog_pid" 10 || say "rsyslogd exited with status $?"
	syslog_pid=
	# rsyslogd unlinks its socket; make sure no dead one is left behind.
	if ((made_devlog)) && [[ -S /dev/log ]]; then
		rm -f /dev/log
	fi
	made_devlog=0
}

# Lines a server has logged through the receiver so far.
syslog_lines() {
	local tag=$1
	[[ -n $syslog_pid ]] || { echo 0; return; }
	grep -c -F "${tag}[" "$out/syslog.log" || true
}

# Waits until the receiver has written at least WANT lines from TAG, so one
# server's log backlog does not steal CPU from the next measurement: follows the
# file as the receiver writes it, until 15 s pass without a new line.
await_syslog() {
	local tag=$1 want=$2 have
	[[ -n $syslog_pid ]] || return 0
	have=$(await_lines "$out/syslog.log" "$want" 15 "$syslog_pid" -F -- "${tag}[")
	((have >= want)) ||
		say "only $(syslog_lines "$tag") of $want $tag log lines reached the receiver"
}

# --- the servers ---

free_port() {
	local i port
	for ((i = 0; i < 50; i++)); do
		# Below the usual ephemeral range (32768 and up), where clients take ports.
		port=$((20000 + RANDOM % 12000))
		# A refused connection means nothing listens there.
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	die "no free port found"
}

start_hello_server() {
	"$daemon" "$@" >"$out/hello-server.out" 2>&1 &
	server_pid=$!
}

start_floor() {
	"$floor" "$1" 3600 >"$out/floor.out" 2>&1 &
	server_pid=$!
}

start_tcpserver() {
	# -H -R -l: no DNS or ident lookups, so no traffic leaves loopback.
	# -1: print the port once listening (the start-up signal wait_serving reads).
	tcpserver -1 -c 1000 -H -R -l localhost 127.0.0.1 "$1" \
		cat "$out/greeting.txt" >"$out/tcpserver.out" 2>&1 &
	server_pid=$!
}

start_xinetd() {
	# xinetd's defaults (50 connections/s, then a 10 s pause) would cap the
	# rate far below the machine's: lift every limit.
	cat >"$out/xinetd.conf" <<EOF
defaults
{
	instances	= UNLIMITED
	per_source	= UNLIMITED
	cps		= 1000000 1
}
service hello-bench
{
	type		= UNLISTED
	id		= hello-bench
	socket_type	= stream
	protocol	= tcp
	wait		= no
	user		= root
	bind		= 127.0.0.1
	port		= $1
	server		= /bin/cat
	server_args	= $out/greeting.txt
}
EOF
	xinetd -dontfork -f "$out/xinetd.conf" -pidfile "$out/xinetd.pid" \
		>"$out/xinetd.out" 2>&1 &
	server_pid=$!
}

# HAProxy on PORT in front of server NAME on a port of its own: the backend is started and
# waited for first (its pid moves to backend_pid), then HAProxy (server_pid). When the backend
# does not serve, server_pid is left empty and launch's wait for HAProxy fails: it retries.
start_behind_haproxy() {
	local name=$1 port=$2 bport proxy=''
	bport=$(free_port)
	if [[ $name == hello-server ]]; then
		# HAProxy connects from an address no client uses: a header naming the balancer's
		# own address would be taken for its own connection and not logged.
		start_hello_server -P 127.0.0.100 "$bport"
		proxy=' send-proxy-v2 source 127.0.0.100'
	else
		"start_$name" "$bport"
	fi
	if ! wait_serving "$name" "$bport"; then
		stop_pid "$server_pid" 5 || true
		server_pid=
		return 0
	fi
	backend_pid=$server_pid
	cat >"$out/haproxy-$name.cfg" <<EOF
global
    maxconn 4096
defaults
    mode tcp
    maxconn 4096
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend bench
    bind 127.0.0.1:$port
    default_backend bench
backend bench
    server s1 127.0.0.1:$bport$proxy
EOF
	haproxy -db -f "$out/haproxy-$name.cfg" >"$out/haproxy-$name.out" 2>&1 &
	server_pid=$!
}
start_haproxy_hello_server() { start_behind_haproxy hello-server "$1"; }
start_haproxy_tcpserver() { start_behind_haproxy tcpserver "$1"; }
start_haproxy_xinetd() { start_behind_haproxy xinetd "$1"; }

# Stops the server behind HAProxy; returns its exit status as stop_pid does.
stop_backend() {
	local st=0
	[[ -n $backend_pid ]] || return 0
	stop_pid "$backend_pid" 20 || st=$?
	backend_pid=
	return "$st"
}

# Why a server cannot run here, or nothing when it can.
unavailable() {
	case $1 in
	haproxy-*)
		if ! command -v haproxy >/dev/null; then
			echo "not installed (package haproxy)"
		else
			unavailable "${1#haproxy-}"
		fi
		;;
	hello-server) [[ -x $daemon ]] || echo "not built ('$daemon')" ;;
	floor) ;;
	tcpserver) command -v tcpserver >/dev/null || echo "not installed (package ucspi-tcp)" ;;
	xinetd)
		if ! command -v xinetd >/dev/null; then
			echo "not installed (package xinetd)"
		elif [[ $EUID -ne 0 ]]; then
			echo "skipped: needs root"
		elif [[ $out =~ [[:space:]] ]]; then
			echo "skipped: output dir has blanks (xinetd server_args)"
		fi
		;;
	esac
}

# One client gets the greeting from PORT.
serves() {
	"$load" -p "$1" -n 1 -t 2 -q >/dev/null 2>&1
}

# Waits until server NAME serves the greeting on PORT: blocks on the line the
# server writes once it listens, then checks with one client. Fails if the server
# died (e.g. the port was taken after all) or 10 s pass.
wait_serving() {
	local name=$1 port=$2 file='' pattern='' i st
	case $name in
	# the start-up lines reach a file only through our own receiver
	hello-server)
		[[ -z $syslog_pid ]] || file=$out/syslog.log \
			pattern="hello-server\\[$server_pid\\]: hello-server .* started; listening on " ;;
	xinetd)
		[[ -z $syslog_pid ]] || file=$out/syslog.log \
			pattern="xinetd\\[$server_pid\\]: Started working: 1 available service" ;;
	# the port number on stdout, printed after listen()
	floor | tcpserver) file=$out/$name.out pattern='^[0-9]+$' ;;
	esac
	if [[ -n $file ]]; then
		await_line "$file" 10 "$server_pid" -E -- "$pattern" || return 1
		serves "$port"
		return
	fi
	# With the system's /dev/log receiver there is nothing to read that says the port is
	# open, and a refused connection returns at once: between tries, block for up to 50 ms
	# on the server's exit (pidwait, woken by it), which ends the wait early.
	for ((i = 0; i < 200; i++)); do
		serves "$port" && return 0
		await_pid_file "$server_pid"
		st=0
		timeout 0.05 pidwait -F "$AWAIT_DIR/waited.pid" || st=$?
		((st == 124)) || return 1
	done
	return 1
}

# Starts NAME on a free port (left in server_port), retrying on a lost race
# for the port. Not to be run in a subshell: server_pid must reach the caller.
launch() {
	local name=$1 try
	for ((try = 0; try < 5; try++)); do
		server_port=$(free_port)
		"start_${name//-/_}" "$server_port"
		if [[ -n $server_pid ]] && wait_serving "$name" "$server_port"; then
			return 0
		fi
		[[ -z $server_pid ]] || stop_pid "$server_pid" 5 || true
		server_pid=
		stop_backend || true
	done
	return 1
}


# Field KEY of a RESULT line.
field() {
	local key=$1 line=$2 f
	for f in $line; do
		[[ $f == "$key="* ]] && { echo "${f#*=}"; return; }
	done
	echo na
}

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "na"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One server: start, RUNS measured runs, stop. Leaves a summary line in
# DIR/NAME.row: "NAME conn_per_s p50 p99 errors note".
measure() {
	local name=$1 why run line ok logged=0 st note=
	local runsfile="$out/$name.runs"
	: >"$runsfile"
	why=$(unavailable "$name")
	if [[ -n $why ]]; then
		say "$name: $why"
		printf '%s\tna\tna\tna\tna\t%s\n' "$name" "$why" >"$out/$name.row"
		return 0
	fi
	if ! launch "$name"; then
		say "$name: did not start serving (see $out/$name.out)"
		printf '%s\tna\tna\tna\tna\t%s\n' "$name" "did not start" >"$out/$name.row"
		return 0
	fi
	say "$name: serving on 127.0.0.1 port $server_port"
	[[ $name == *hello-server ]] && logged=$(syslog_lines hello-server)
	for ((run = 1; run <= runs; run++)); do
		line=$("$load" -p "$server_port" -n "$total" -c "$concurrency" -S "$sources" -q |
			grep '^RESULT ') || true
		[[ -n $line ]] || line="RESULT total=$total ok=0 errors=$total conn_per_s=na"
		echo "$line" >>"$runsfile"
		ok=$(field ok "$line")
		say "$name run $run/$runs: $(field conn_per_s "$line") conn/s, p99 $(field p99_ms "$line") ms, errors $(field errors "$line")"
		if [[ $name == *hello-server ]]; then
			logged=$((logged + ok))
			await_syslog hello-server "$logged"
		fi
		# the last run's stragglers would otherwise run during the next one
		await_children "${backend_pid:-$server_pid}" 20 ||
			say "$name: no child of it ended for 20 s after the run"
	done
	st=0
	stop_pid "$server_pid" 20 || st=$?
	server_pid=
	# Behind HAProxy, the exit that counts is the backend's (HAProxy's own is not ours).
	if [[ $name == haproxy-* ]]; then
		st=0
		stop_backend || st=$?
	fi
	# Only hello-server promises a clean exit on SIGTERM; the others may die of it.
	if ((st == 124)); then
		note="killed: still running 20 s after SIGTERM"
	elif [[ $name == *hello-server ]] && ((st != 0)); then
		note="exit status $st after SIGTERM"
	fi
	summarize "$name" "$runsfile" "$note" >"$out/$name.row"
}

summarize() {
	local name=$1 runsfile=$2 note=$3 key errors
	local -A med
	for key in conn_per_s p50_ms p99_ms; do
		med[$key]=$(while read -r line; do field "$key" "$line"; done <"$runsfile" |
			grep -v '^na$' | median)
	done
	errors=$(while read -r line; do field errors "$line"; done <"$runsfile" |
		awk '{ s += $1 } END { print s + 0 }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${med[conn_per_s]}" "${med[p50_ms]}" \
		"${med[p99_ms]}" "$errors" "$note"
}

# --- output ---

machine() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	printf 'Machine: %s cores (nproc), %s, Linux %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$(uname -r)"
	printf 'Run: %s; %s connections per run, %s clients at once over %s source addresses; runs per server: %s, medians shown\n' \
		"$(date -u +%Y-%m-%d)" "$total" "$concurrency" "$sources" "$runs"
	printf '%s\n' "$syslog_note"
}

label() {
	case $1 in
	hello-server) echo "hello-server (defaults, logging on)" ;;
	floor) echo "floor: static accept/fork/write loop" ;;
	tcpserver) echo "tcpserver -c 1000 -H -R + cat" ;;
	xinetd) echo "xinetd + cat" ;;
	haproxy-hello-server) echo "HAProxy → hello-server --proxy-from (send-proxy-v2)" ;;
	haproxy-tcpserver) echo "HAProxy → tcpserver + cat" ;;
	haproxy-xinetd) echo "HAProxy → xinetd + cat" ;;
	esac
}

table() {
	local base_rate base_p99 rate p50 p99 errors note
	IFS=$'\t' read -r _ base_rate _ base_p99 _ <"$out/hello-server.row"
	echo "| server | conn/s | p50 ms | p99 ms | errors | conn/s vs hello-server | p99 vs hello-server |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	local name
	for name in "${servers[@]}"; do
		IFS=$'\t' read -r _ rate p50 p99 errors note <"$out/$name.row"
		awk -v label="$(label "$name")" -v rate="$rate" -v p50="$p50" -v p99="$p99" \
			-v errors="$errors" -v note="$note" -v br="$base_rate" -v bp="$base_p99" '
		function ratio(a, b) { return (a == "na" || b == "na" || b == 0) ? "–" : sprintf("%.2f", a / b) }
		function num(v, fmt) { return v == "na" ? "–" : sprintf(fmt, v) }
		BEGIN {
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", label (note == "" ? "" : " — " note),
				num(rate, "%.0f"), num(p50, "%.2f"), num(p99, "%.2f"),
				(errors == "na" ? "–" : errors), ratio(rate, br), ratio(p99, bp)
		}'
	done
}

chart() {
	local name rate
	rm -f "$out/bench.svg"
	: >"$out/bench.dat"
	for name in "${servers[@]}"; do
		IFS=$'\t' read -r _ rate _ <"$out/$name.row"
		[[ $rate == na ]] || printf '"%s"\t%s\n' "$name" "$rate" >>"$out/bench.dat"
	done
	if ! command -v gnuplot >/dev/null; then
		say "gnuplot not installed (package gnuplot-nox): no chart"
		return 0
	fi
	gnuplot <<EOF || say "gnuplot failed: no chart"
set terminal svg size 720,400 dynamic font "sans,13" background rgb "white"
set output "$out/bench.svg"
stats "$out/bench.dat" using 2 nooutput
set title "Connections per second, fork per connection\n($concurrency clients, $total connections, median of $runs runs)"
set style fill solid 0.85 border -1
set boxwidth 0.6
set xrange [-0.6:STATS_records - 0.4]
set yrange [0:STATS_max * 1.15]
set grid ytics
set ylabel "conn/s"
unset key
plot "$out/bench.dat" using 0:2:xtic(1) with boxes lc rgb "#3b6ea5", \
     "" using 0:2:(sprintf("%.0f", \$2)) with labels offset 0,0.8 notitle
EOF
	[[ -s $out/bench.svg ]] && say "chart: $out/bench.svg"
	return 0
}

# --smoke: every server has a row; hello-server and floor served everything.
smoke_check() {
	local name rate errors fail=0
	for name in "${servers[@]}"; do
		[[ -s $out/$name.row ]] || { say "smoke: no row for $name"; fail=1; }
	done
	for name in hello-server floor; do
		IFS=$'\t' read -r _ rate _ _ errors _ <"$out/$name.row"
		if [[ $rate == na || $errors != 0 ]]; then
			say "smoke: $name: conn/s $rate, errors $errors"
			fail=1
		fi
	done
	return "$fail"
}

main() {
	parse_args "$@"
	printf '%s' "$greeting" >"$out/greeting.txt"
	start_syslog
	local name
	for name in "${servers[@]}"; do
		measure "$name"
	done
	stop_syslog
	{
		machine
		echo
		table
	} >"$out/bench.md"
	cat "$out/bench.md"
	chart
	if ((smoke)); then
		smoke_check
	fi
}

main "$@"
