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
# --max-per-source 16 is not what gets measured). Each server is started afresh for
# each of RUNS runs (so that the layout the kernel randomizes differs between runs), the
# runs taken in rounds over all the servers (so that a busy minute of the machine falls on
# all of them, not on one); the table shows medians of the rates and, summed over the runs, counts per connection:
# the minor page faults and context switches of the master (its own, from /proc/PID/stat
# and /proc/PID/status, over the load) and of its children (what wait4 reports for the
# server and every child it reaped, less the master's own; see counted.c).
#
# The floor rows are tests/bench/floor.c doing, step by step, the duty hello-server's child
# does: the bare greeting; plus a lingering close; plus one syslog line per connection. Each
# part of the gap between the floor and hello-server is measured, not estimated.
#
# Sized by count, not time: a run ends when TOTAL connections have ended, however slow
# the machine; a stalled server fails hello-load's per-connection timeout, and every
# other wait here is bounded. Nothing asserts speed: --smoke checks only that every
# server has a row with every column and that hello-server and the floors served without
# errors.
#
# Network traffic goes to loopback only.

set -euo pipefail
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

me=bench
daemon=${HELLO_SERVER:-}
load=${HELLO_LOAD:-}
floor=${BENCH_FLOOR:-}
counted=${BENCH_COUNTED:-}
total=${BENCH_TOTAL:-10000}
concurrency=${BENCH_CONCURRENCY:-32}
runs=${BENCH_RUNS:-5}
out=${BENCH_OUT:-bench-out}
smoke=0
sources=32
greeting=$'Hello World!\r\n'
servers=(floor floor-linger floor-linger-syslog hello-server-q hello-server tcpserver xinetd
	haproxy-hello-server haproxy-tcpserver haproxy-xinetd)

usage() {
	cat <<EOF
usage: bench.sh -d HELLO_SERVER -l HELLO_LOAD -f FLOOR -k COUNTED [-n TOTAL]
                [-c CONCURRENCY] [-r RUNS] [-o OUTDIR] [--smoke]
  -d, --daemon PATH       hello-server binary            (env HELLO_SERVER)
  -l, --load PATH         hello-load binary              (env HELLO_LOAD)
  -f, --floor PATH        floor binary                   (env BENCH_FLOOR)
  -k, --counted PATH      counted binary                 (env BENCH_COUNTED)
  -n, --total N           connections per run, default 10000   (env BENCH_TOTAL)
  -c, --concurrency C     clients at once, default 32          (env BENCH_CONCURRENCY)
  -r, --runs N            runs per server, default 5           (env BENCH_RUNS)
  -o, --out DIR           output directory, default bench-out  (env BENCH_OUT)
      --smoke             fail unless every server has a row with every column
                          and hello-server and the floors served every connection
Writes DIR/bench.md (the table), DIR/bench.svg (chart, needs gnuplot),
DIR/bench.dat, DIR/NAME.runs (hello-load RESULT lines), DIR/NAME.counts (counts
per run), server logs.
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
		-k | --counted) counted=${2:?}; shift ;;
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
	[[ -x $counted ]] || { say "counted not found: '$counted' (use -k)"; exit 64; }
	# 77: meson's skip, for a tool the README's install line brings but this machine lacks
	command -v pidwait >/dev/null || { say "SKIP: pidwait not found (package procps, 4.0 or later)"; exit 77; }
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	AWAIT_DIR=$out
}

# --- processes we start, and only those, are tracked and stopped by pid ---

server_pid=
server_port=
launcher_pid=  # counted, the server's parent (bash's child): its exit status is the server's
backend_pid=   # behind HAProxy: the server HAProxy relays to (server_pid is HAProxy)
backend_launcher=
syslog_pid=
made_devlog=0

# Stops PID, a child of this shell; returns its exit status, or 124 if it had to be killed.
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

# Stops server PID (SIGTERM; SIGKILL after SECS) and waits for LAUNCHER, its counted parent,
# which writes the counts; returns the server's exit status (128 + N for signal N), or 124
# if it had to be killed.
stop_server() {
	local pid=$1 launcher=$2 secs=$3 st=0 killed=0
	[[ -n $launcher ]] || return 0
	if [[ -z $pid ]]; then
		kill -KILL "$launcher" 2>/dev/null || true
		killed=1
	else
		running "$pid" && kill -TERM "$pid" 2>/dev/null
		if ! wait_gone "$pid" "$secs"; then
			say "pid $pid still running ${secs}s after SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
			killed=1
		fi
	fi
	wait "$launcher" 2>/dev/null || st=$?
	((killed == 0)) || return 124
	return "$st"
}

cleanup() {
	local pid
	for pid in "$server_pid" "$backend_pid" "$launcher_pid" "$backend_launcher"; do
		[[ -z $pid ]] || kill -KILL "$pid" 2>/dev/null || true
	done
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

# Connection lines a server has logged through the receiver so far; TAG is its ident.
syslog_lines() {
	local tag=$1
	[[ -n $syslog_pid ]] || { echo 0; return; }
	grep -c -E "^.*${tag}\[[0-9]+\]: .*: sent " "$out/syslog.log" || true
}

# Waits until the receiver has written at least WANT connection lines from TAG, so one
# server's log backlog does not steal CPU from the next measurement: follows the file as
# the receiver writes it, until 15 s pass without a new line.
await_syslog() {
	local tag=$1 want=$2 have
	[[ -n $syslog_pid ]] || return 0
	have=$(await_lines "$out/syslog.log" "$want" 15 "$syslog_pid" -E -- "${tag}\[[0-9]+\]: .*: sent ")
	((have >= want)) ||
		say "only $(syslog_lines "$tag") of $want $tag connection lines reached the receiver"
}

# The ident whose connection lines a server sends to syslog, or nothing.
logs_as() {
	case $1 in
	hello-server | haproxy-hello-server) echo hello-server ;;
	floor-linger-syslog) echo floor ;;
	esac
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

# Starts a server under counted: server_pid is the server, launcher_pid its counted parent.
# ROLE names the files: ROLE.out (the server's output), ROLE.pid, ROLE.rusage.
counted_start() {
	local role=$1 pidfd
	shift
	rm -f "$out/$role.rusage" "$out/$role.pid"
	# counted writes the pid to a FIFO before the server starts: a read that waits for it,
	# bounded; opened read-write so that the open itself never blocks.
	mkfifo "$out/$role.pid"
	exec {pidfd}<>"$out/$role.pid"
	"$counted" "$out/$role.pid" "$out/$role.rusage" "$@" >"$out/$role.out" 2>&1 &
	launcher_pid=$!
	server_pid=
	read -r -t 10 -u "$pidfd" server_pid || server_pid=
	exec {pidfd}<&-
	[[ $server_pid =~ ^[0-9]+$ ]] || server_pid=
}

start_hello_server() {
	counted_start hello-server "$daemon" -l "127.0.0.1:$1"
}

# Behind HAProxy: from an address no client uses (see start_behind_haproxy).
start_hello_server_proxied() {
	counted_start hello-server "$daemon" -P 127.0.0.100 -l "127.0.0.1:$1"
}

start_hello_server_q() {
	counted_start hello-server-q "$daemon" -q -l "127.0.0.1:$1"
}

start_floor() {
	counted_start floor "$floor" "$1" 3600 bare
}

start_floor_linger() {
	counted_start floor-linger "$floor" "$1" 3600 linger
}

start_floor_linger_syslog() {
	counted_start floor-linger-syslog "$floor" "$1" 3600 linger-syslog
}

start_tcpserver() {
	# -H -R -l: no DNS or ident lookups, so no traffic leaves loopback.
	# -1: print the port once listening (the start-up signal wait_serving reads).
	counted_start tcpserver tcpserver -1 -c 1000 -H -R -l localhost 127.0.0.1 "$1" \
		cat "$out/greeting.txt"
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
	counted_start xinetd xinetd -dontfork -f "$out/xinetd.conf" -pidfile "$out/xinetd.pid"
}

# HAProxy on PORT in front of server NAME on a port of its own: the backend is started and
# waited for first (its pids move to backend_pid and backend_launcher), then HAProxy
# (server_pid). When the backend does not serve, server_pid is left empty and launch's wait
# for HAProxy fails: it retries.
start_behind_haproxy() {
	local name=$1 port=$2 bport proxy=''
	bport=$(free_port)
	if [[ $name == hello-server ]]; then
		# HAProxy connects from an address no client uses: a header naming the balancer's
		# own address would be taken for its own connection and not logged.
		start_hello_server_proxied "$bport"
		proxy=' send-proxy-v2 source 127.0.0.100'
	else
		"start_$name" "$bport"
	fi
	if [[ -z $server_pid ]] || ! wait_serving "$name" "$bport"; then
		stop_server "$server_pid" "$launcher_pid" 5 || true
		server_pid=
		launcher_pid=
		return 0
	fi
	backend_pid=$server_pid
	backend_launcher=$launcher_pid
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
	counted_start "haproxy-$name" haproxy -db -f "$out/haproxy-$name.cfg"
}
start_haproxy_hello_server() { start_behind_haproxy hello-server "$1"; }
start_haproxy_tcpserver() { start_behind_haproxy tcpserver "$1"; }
start_haproxy_xinetd() { start_behind_haproxy xinetd "$1"; }

# Stops the server behind HAProxy; returns its exit status as stop_server does.
stop_backend() {
	local st=0
	[[ -n $backend_launcher ]] || return 0
	stop_server "$backend_pid" "$backend_launcher" 20 || st=$?
	backend_pid=
	backend_launcher=
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
	hello-server | hello-server-q) [[ -x $daemon ]] || echo "not built ('$daemon')" ;;
	floor | floor-linger) ;;
	floor-linger-syslog)
		[[ -S /dev/log ]] || echo "no syslog receiver on /dev/log (rsyslogd needs root and package rsyslog)" ;;
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
	hello-server | hello-server-q)
		[[ -z $syslog_pid ]] || file=$out/syslog.log \
			pattern="hello-server\\[$server_pid\\]: hello-server .* started; listening on " ;;
	xinetd)
		[[ -z $syslog_pid ]] || file=$out/syslog.log \
			pattern="xinetd\\[$server_pid\\]: Started working: 1 available service" ;;
	# the port number on stdout, printed after listen()
	floor* | tcpserver) file=$out/$name.out pattern='^[0-9]+$' ;;
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
		stop_server "$server_pid" "$launcher_pid" 5 || true
		server_pid=
		launcher_pid=
		stop_backend || true
	done
	return 1
}

# "MINFLT CSW" of PID now: its own minor page faults (field 10 of /proc/PID/stat) and
# context switches, voluntary and not.
own_counts() {
	local stat csw
	local -a f
	stat=$(<"/proc/$1/stat") || return 1
	# Past "PID (COMM) ", the fields from the third on: minflt is the eighth.
	read -r -a f <<<"${stat##*) }"
	csw=$(awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }' \
		"/proc/$1/status") || return 1
	echo "${f[7]} $csw"
}

# "MINFLT CSW CPU_US" that counted wrote for ROLE: the server and every child it reaped.
counted_total() {
	local line
	line=$(<"$out/$1.rusage") || return 1
	echo "$(field minflt "$line") $(($(field nvcsw "$line") + $(field nivcsw "$line"))) $(field cpu_us "$line")"
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

# The runs go round the servers: run 1 of each, then run 2 of each, and so on, so that
# whatever else the machine does at a moment weighs on every server alike, and a ratio of
# two medians compares the servers rather than the minutes they ran in.
declare -A why_not note_of

# Before the first round: NAME's files emptied, and why it cannot run, if so.
measure_prepare() {
	local name=$1
	: >"$out/$name.runs"
	: >"$out/$name.counts"
	note_of[$name]=""
	why_not[$name]=$(unavailable "$name")
	[[ -z ${why_not[$name]} ]] || say "$name: ${why_not[$name]}"
}

# After the last round: a summary line in DIR/NAME.row: "NAME conn_per_s p50 p99 errors
# master_faults child_faults master_csw child_csw cpu_us note" (counts per connection; "na"
# where not measured).
measure_finish() {
	local name=$1
	if [[ -n ${why_not[$name]} ]]; then
		printf '%s\tna\tna\tna\tna\tna\tna\tna\tna\tna\t%s\n' "$name" \
			"${why_not[$name]}" >"$out/$name.row"
		return 0
	fi
	summarize "$name" "$out/$name.runs" "$out/$name.counts" "${note_of[$name]}" \
		>"$out/$name.row"
}

# One run of one server: start, one measured load, stop. A server that failed once is not
# run again.
measure() {
	local name=$1 run=$2 line ok st tag logged before after whole
	local b_flt b_csw a_flt a_csw t_flt t_csw t_cpu
	local runsfile="$out/$name.runs" countsfile="$out/$name.counts"
	[[ -z ${why_not[$name]} && ${note_of[$name]} != "did not start" ]] || return 0
	tag=$(logs_as "$name")
	[[ -z $tag ]] || logged=$(syslog_lines "$tag")
	if ! launch "$name"; then
		say "$name: did not start serving (see $out/$name.out)"
		note_of[$name]="did not start"
		return 0
	fi
	# Counts of the master that forks: behind HAProxy, none (HAProxy does not fork).
	before=
	[[ $name == haproxy-* ]] || before=$(own_counts "$server_pid") || before=
	line=$("$load" -p "$server_port" -n "$total" -c "$concurrency" -S "$sources" -q |
		grep '^RESULT ') || true
	[[ -n $line ]] || line="RESULT total=$total ok=0 errors=$total conn_per_s=na"
	echo "$line" >>"$runsfile"
	ok=$(field ok "$line")
	say "$name run $run/$runs: $(field conn_per_s "$line") conn/s, p99 $(field p99_ms "$line") ms, errors $(field errors "$line")"
	# the stragglers would otherwise still run when the counts are read
	await_children "${backend_pid:-$server_pid}" 20 ||
		say "$name: no child of it ended for 20 s after the run"
	after=
	[[ -z $before ]] || after=$(own_counts "$server_pid") || after=
	# the connection lines, and the one of wait_serving's probe
	[[ -z $tag ]] || await_syslog "$tag" $((logged + ok + 1))
	st=0
	stop_server "$server_pid" "$launcher_pid" 20 || st=$?
	server_pid=
	launcher_pid=
	# Behind HAProxy, the exit that counts is the backend's (HAProxy's own is not ours).
	if [[ $name == haproxy-* ]]; then
		st=0
		stop_backend || st=$?
	fi
	# Only hello-server promises a clean exit on SIGTERM; the others may die of it.
	if ((st == 124)); then
		note_of[$name]="killed: still running 20 s after SIGTERM"
	elif [[ $name == *hello-server* ]] && ((st != 0)); then
		note_of[$name]="exit status $st after SIGTERM"
	fi
	# Per run: master faults and switches over the load, then the children's (the
	# server's whole life less the master's own), and the connections each covers
	# (the load's, and for the children also the probe's).
	if [[ -n $after ]] && whole=$(counted_total "$name"); then
		read -r b_flt b_csw <<<"$before"
		read -r a_flt a_csw <<<"$after"
		read -r t_flt t_csw t_cpu <<<"$whole"
		printf '%s %s %s %s %s %s %s\n' $((a_flt - b_flt)) $((a_csw - b_csw)) \
			$((t_flt - a_flt)) $((t_csw - a_csw)) "$ok" $((ok + 1)) "$t_cpu" \
			>>"$countsfile"
	fi
}

summarize() {
	local name=$1 runsfile=$2 countsfile=$3 note=$4 key errors counts
	local -A med
	for key in conn_per_s p50_ms p99_ms; do
		med[$key]=$(while read -r line; do field "$key" "$line"; done <"$runsfile" |
			grep -v '^na$' | median)
	done
	errors=$(while read -r line; do field errors "$line"; done <"$runsfile" |
		awk '{ s += $1 } END { print s + 0 }')
	# Sums over the runs, then per connection.
	counts=$(awk '{ mf += $1; ms += $2; cf += $3; cs += $4; n += $5; cn += $6; cpu += $7 }
		END {
			if (n == 0 || cn == 0) { print "na\tna\tna\tna\tna"; exit }
			printf "%.2f\t%.2f\t%.2f\t%.2f\t%.0f\n", mf / n, cf / cn, ms / n, cs / cn, cpu / cn
		}' "$countsfile")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${med[conn_per_s]:-na}" "${med[p50_ms]:-na}" \
		"${med[p99_ms]:-na}" "$errors" "$counts" "$note"
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
	floor) echo "floor: static accept, fork, write, exit" ;;
	floor-linger) echo "floor + lingering close" ;;
	floor-linger-syslog) echo "floor + lingering close + a syslog line" ;;
	hello-server-q) echo "hello-server -q (no connection lines)" ;;
	hello-server) echo "hello-server (defaults, logging on)" ;;
	tcpserver) echo "tcpserver -c 1000 -H -R + cat" ;;
	xinetd) echo "xinetd + cat" ;;
	haproxy-hello-server) echo "HAProxy → hello-server --proxy-from (send-proxy-v2)" ;;
	haproxy-tcpserver) echo "HAProxy → tcpserver + cat" ;;
	haproxy-xinetd) echo "HAProxy → xinetd + cat" ;;
	esac
}

# Field N (1: the name) of NAME's row.
row_field() {
	awk -F '\t' -v n="$2" '{ print $n }' "$out/$1.row"
}

table() {
	local name base
	base=$(row_field floor 2)
	echo "| server | conn/s | p50 ms | p99 ms | errors | master faults/conn | child faults/conn | master switches/conn | child switches/conn | CPU µs/conn | conn/s vs floor |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for name in "${servers[@]}"; do
		awk -F '\t' -v label="$(label "$name")" -v base="$base" '
		function ratio(a, b) { return (a == "na" || b == "na" || b == 0) ? "–" : sprintf("%.2f", a / b) }
		function num(v, fmt) { return (v == "na" || v == "") ? "–" : sprintf(fmt, v) }
		{
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				label ($11 == "" ? "" : " — " $11), num($2, "%.0f"), num($3, "%.2f"),
				num($4, "%.2f"), ($5 == "na" ? "–" : $5), num($6, "%.2f"), num($7, "%.2f"),
				num($8, "%.2f"), num($9, "%.2f"), num($10, "%.0f"), ratio($2, base)
		}' "$out/$name.row"
	done
}

# The issue's targets, side by side with what this run measured (nothing is asserted).
targets() {
	local q_mf q_cf f_mf f_cf q_rate rate linger syslog q_cpu cpu linger_cpu syslog_cpu
	q_mf=$(row_field hello-server-q 6)
	q_cf=$(row_field hello-server-q 7)
	f_mf=$(row_field floor 6)
	f_cf=$(row_field floor 7)
	q_rate=$(row_field hello-server-q 2)
	rate=$(row_field hello-server 2)
	linger=$(row_field floor-linger 2)
	syslog=$(row_field floor-linger-syslog 2)
	q_cpu=$(row_field hello-server-q 10)
	cpu=$(row_field hello-server 10)
	linger_cpu=$(row_field floor-linger 10)
	syslog_cpu=$(row_field floor-linger-syslog 10)
	awk -v q_mf="$q_mf" -v q_cf="$q_cf" -v f_mf="$f_mf" -v f_cf="$f_cf" -v q_rate="$q_rate" \
		-v rate="$rate" -v linger="$linger" -v syslog="$syslog" -v q_cpu="$q_cpu" -v cpu="$cpu" \
		-v linger_cpu="$linger_cpu" -v syslog_cpu="$syslog_cpu" '
	function na(v) { return v == "na" || v == "" }
	function diff(a, b) { return (na(a) || na(b)) ? "–" : sprintf("%+.2f", a - b) }
	function ratio(a, b) { return (na(a) || na(b) || b == 0) ? "–" : sprintf("%.2f", a / b) }
	BEGIN {
		print "| measure | this run | target |"
		print "| --- | ---: | ---: |"
		printf "| master faults/conn: hello-server -q less the floor | %s | ≤ +1 |\n", diff(q_mf, f_mf)
		printf "| child faults/conn: hello-server -q less the floor | %s | ≤ +3 |\n", diff(q_cf, f_cf)
		printf "| conn/s: hello-server -q / floor + lingering close | %s | ≥ 0.90 |\n", ratio(q_rate, linger)
		printf "| conn/s: hello-server / floor + lingering close + a syslog line | %s | ≥ 0.80 |\n", ratio(rate, syslog)
		printf "| CPU per connection: floor + lingering close / hello-server -q | %s | (≥ 0.90) |\n", ratio(linger_cpu, q_cpu)
		printf "| CPU per connection: floor + lingering close + a syslog line / hello-server | %s | (≥ 0.80) |\n", ratio(syslog_cpu, cpu)
	}'
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

# --smoke: every server has a row with every column, the table has every column, and
# hello-server and the floors served everything (where they could run) with their counts
# measured. Values are never judged.
smoke_check() {
	local name rate errors cells fail=0 column mf cf ms cs cpu
	for name in "${servers[@]}"; do
		if [[ ! -s $out/$name.row ]]; then
			say "smoke: no row for $name"
			fail=1
			continue
		fi
		cells=$(awk -F '\t' '{ print NF }' "$out/$name.row")
		((cells == 11)) || { say "smoke: $name: $cells fields, not 11"; fail=1; }
	done
	for column in "conn/s" "master faults/conn" "child faults/conn" "master switches/conn" \
		"child switches/conn" "CPU µs/conn"; do
		head -n 5 "$out/bench.md" | grep -q -F "| $column |" ||
			{ say "smoke: no column '$column'"; fail=1; }
	done
	for name in hello-server hello-server-q floor floor-linger floor-linger-syslog; do
		[[ -z $(unavailable "$name") ]] || continue
		IFS=$'\t' read -r _ rate _ _ errors mf cf ms cs cpu _ <"$out/$name.row"
		if [[ $rate == na || $errors != 0 ]]; then
			say "smoke: $name: conn/s $rate, errors $errors"
			fail=1
		fi
		if [[ $mf == na || $cf == na || $ms == na || $cs == na || $cpu == na ]]; then
			say "smoke: $name: counts not measured"
			fail=1
		fi
	done
	return "$fail"
}

main() {
	parse_args "$@"
	printf '%s' "$greeting" >"$out/greeting.txt"
	start_syslog
	local name run
	for name in "${servers[@]}"; do
		measure_prepare "$name"
	done
	for ((run = 1; run <= runs; run++)); do
		for name in "${servers[@]}"; do
			measure "$name" "$run"
		done
	done
	for name in "${servers[@]}"; do
		measure_finish "$name"
	done
	stop_syslog
	{
		machine
		echo
		table
		echo
		targets
	} >"$out/bench.md"
	cat "$out/bench.md"
	chart
	if ((smoke)); then
		smoke_check
	fi
}

main "$@"
